//! The C constants that are not status codes: algorithm identifiers, signature encodings, key
//! kinds, appraisal checks and outcomes.
//!
//! Every value here is in 1..=999, so that no constant of the header can be mistaken for an
//! `aegis_status` (0, or 1000 and above in groups of a thousand), except TPM handles (0x40000000 and above, far beyond any
//! status).

/// TPM_ALG_SHA1 = 0x0004 (TCG Algorithm Registry; TPM 2.0 Part 2, 6.3): a hash algorithm or PCR bank.
/// Accepted only where a policy allows SHA-1.
pub const AEGIS_ALG_SHA1: u16 = 0x0004;

/// TPM_ALG_SHA256 = 0x000B: a hash algorithm or PCR bank.
pub const AEGIS_ALG_SHA256: u16 = 0x000B;

/// TPM_ALG_SHA384 = 0x000C: a hash algorithm or PCR bank.
pub const AEGIS_ALG_SHA384: u16 = 0x000C;

/// TPM_ALG_SHA512 = 0x000D: a hash algorithm or PCR bank.
pub const AEGIS_ALG_SHA512: u16 = 0x000D;

/// TPM_ALG_NULL = 0x0010: no algorithm (e.g. the hash of `aegis_ak_scheme` for a scheme without
/// one).
pub const AEGIS_ALG_NULL: u16 = 0x0010;

/// TPM_ALG_RSASSA = 0x0014: the RSASSA-PKCS1-v1_5 signature scheme (RFC 8017, 8.2).
pub const AEGIS_ALG_RSASSA: u16 = 0x0014;

/// TPM_ALG_RSAPSS = 0x0016: the RSASSA-PSS signature scheme (RFC 8017, 8.1).
pub const AEGIS_ALG_RSAPSS: u16 = 0x0016;

/// TPM_ALG_ECDSA = 0x0018: the ECDSA signature scheme (FIPS 186-5, 6.4).
pub const AEGIS_ALG_ECDSA: u16 = 0x0018;

/// TPM_ECC_NIST_P256 = 0x0003 (TCG Algorithm Registry; TPM 2.0 Part 2, 6.4): NIST P-256, for
/// `aegis_key_policy_set_curves`.
pub const AEGIS_ECC_NIST_P256: u16 = 0x0003;

/// TPM_ECC_NIST_P384 = 0x0004: NIST P-384.
pub const AEGIS_ECC_NIST_P384: u16 = 0x0004;

/// TPM_ECC_NIST_P521 = 0x0005: NIST P-521 (not on the default key policy).
pub const AEGIS_ECC_NIST_P521: u16 = 0x0005;

/// How a signature is encoded: one of the `AEGIS_SIGNATURE_*` constants.
pub type aegis_signature_format = u32;

/// An RSA signature as its bytes (exactly the modulus length), or an ECDSA signature as r || s,
/// each left-padded to the curve's size (JWS, RFC 7518, 3.4; COSE, RFC 9053, 2.1).
pub const AEGIS_SIGNATURE_RAW: aegis_signature_format = 1;

/// An ECDSA signature as DER ECDSA-Sig-Value (RFC 3279, 2.2.3), as X.509, TLS and most PKCS#11
/// stacks write it. ECDSA only.
pub const AEGIS_SIGNATURE_DER: aegis_signature_format = 2;

/// A TPMT_SIGNATURE (TPM 2.0 Part 2, 11.3.4), as TPM2_Sign returns it; its sigAlg and hash must
/// be the scheme and hash given with it.
pub const AEGIS_SIGNATURE_TPMT: aegis_signature_format = 3;

/// The kind and size of a generated private key: one of the `AEGIS_KEY_*` constants below.
pub type aegis_key_kind = u32;

/// An ECDSA key on NIST P-256.
pub const AEGIS_KEY_ECC_P256: aegis_key_kind = 1;

/// An ECDSA key on NIST P-384.
pub const AEGIS_KEY_ECC_P384: aegis_key_kind = 2;

/// An RSA key with a 2048-bit modulus and e = 65537.
pub const AEGIS_KEY_RSA_2048: aegis_key_kind = 3;

/// An RSA key with a 3072-bit modulus and e = 65537.
pub const AEGIS_KEY_RSA_3072: aegis_key_kind = 4;

/// An RSA key with a 4096-bit modulus and e = 65537.
pub const AEGIS_KEY_RSA_4096: aegis_key_kind = 5;

/// A check of an appraisal: one of the `AEGIS_CHECK_*` constants (names: `aegis_check_name`).
pub type aegis_check = u32;

/// "ak-binding": the AK that signs the evidence is the one credential activation bound to the
/// EK (VERIFIER-CHECKS.md item 14).
pub const AEGIS_CHECK_AK_BINDING: aegis_check = 1;

/// "app-key-certification": TPM2_Certify of the App Key by the AK (items 1-10, 13, 15).
pub const AEGIS_CHECK_APP_KEY_CERTIFICATION: aegis_check = 2;

/// "quote": TPM2_Quote by the AK (items 1-12).
pub const AEGIS_CHECK_QUOTE: aegis_check = 3;

/// "location-log": the location event log against the quoted location PCR (item 16).
pub const AEGIS_CHECK_LOCATION_LOG: aegis_check = 4;

/// "app-key-possession": a signature by the certified App Key verifies (items 3, 4).
pub const AEGIS_CHECK_APP_KEY_POSSESSION: aegis_check = 5;

/// How a check of an appraisal ended: one of the `AEGIS_OUTCOME_*` constants.
pub type aegis_outcome = u32;

/// The check passed.
pub const AEGIS_OUTCOME_PASSED: aegis_outcome = 1;

/// The check failed; its status is the error code naming the failed item.
pub const AEGIS_OUTCOME_FAILED: aegis_outcome = 2;

/// The check did not run: its input is missing or a check it depends on failed.
pub const AEGIS_OUTCOME_SKIPPED: aegis_outcome = 3;

/// TPM_RH_ENDORSEMENT = 0x4000000B (TPM 2.0 Part 2, 7.4): the endorsement hierarchy's handle,
/// which is also its Name and qualified Name (Part 1, 16), the parent of an EK's qualified Name
/// (`aegis_name_of_handle`, `aegis_verified_ek_qualified_name`).
pub const AEGIS_ENDORSEMENT_HIERARCHY: u32 = 0x4000_000B;
