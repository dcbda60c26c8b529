//! The one error type of Aegis, with stable numeric codes shared by the C, Python and Go bindings.
//!
//! Codes are grouped by range and never reused:
//! 1000s usage, 2000s parsing, 3000s signature, 4000s attestation structure, 5000s quote/PCRs,
//! 6000s keys, 7000s EK certificate and credential activation, 8000s location evidence,
//! 9000s TPM backend.

use core::fmt;

/// Why a piece of evidence was refused, or why a call could not be made.
///
/// Each variant maps to one stable number ([`Error::code`]) and one stable name ([`Error::name`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- usage (1000s) ---
    /// A caller-supplied argument is unusable (not evidence: the call itself is wrong).
    InvalidArgument { what: &'static str },
    /// Failure inside a crypto provider that is not a verdict on the evidence.
    CryptoProvider { what: &'static str },
    /// The operation is not available in this build or provider (e.g. an RSA private-key
    /// operation in the pure provider, which never uses the rsa crate for them: RUSTSEC-2023-0071).
    Unsupported { what: &'static str },

    // --- parsing (2000s): VERIFIER-CHECKS.md item 1 ---
    /// The input ended before the structure did.
    Truncated { what: &'static str },
    /// Bytes remain after a complete structure.
    TrailingBytes { what: &'static str, extra: usize },
    /// A size field exceeds the spec's maximum or the structure's natural size.
    SizeOutOfRange {
        what: &'static str,
        size: usize,
        max: usize,
    },
    /// A count field exceeds its limit.
    CountOutOfRange {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// An algorithm identifier that is unknown or not allowed in this position.
    UnknownAlgorithm { what: &'static str, alg: u16 },
    /// A TPMS_ATTEST of a type Aegis does not verify (not QUOTE, not CERTIFY).
    UnsupportedAttestationType { tag: u16 },
    /// A field holds a value the spec forbids in this position.
    InvalidValue { what: &'static str },
    /// A file or text form could not be decoded (base64, hex, JSON, PEM, tpm2-tools PCR file).
    InvalidFormat { what: &'static str },

    // --- signature (3000s): items 3, 4, 5 ---
    /// TPMT_SIGNATURE with sigAlg TPM_ALG_NULL.
    NullSignature,
    /// The signature algorithm does not match the key type or the key's own scheme.
    SignatureSchemeMismatch {
        key_scheme: u16,
        signature_scheme: u16,
    },
    /// The hash algorithm is not on the caller's allow-list.
    HashNotAllowed { hash: u16 },
    /// The signature's hash algorithm differs from the key's scheme hash.
    HashMismatch { key_hash: u16, signature_hash: u16 },
    /// ECDSA r or s is zero or not below the curve order.
    EcdsaScalarOutOfRange,
    /// The signature does not verify over the bytes received.
    SignatureInvalid,
    /// Item 1: an RSA signature that is not exactly the modulus length, or an ECDSA r or s longer
    /// than the curve's size, refused before any provider sees it.
    SignatureLength { size: usize, expected: usize },

    // --- attestation structure (4000s): items 6 to 10 ---
    /// TPMS_ATTEST.magic is not TPM_GENERATED_VALUE.
    BadMagic { found: u32 },
    /// TPMS_ATTEST.type is not the one this verification needs.
    WrongAttestationType { expected: u16, found: u16 },
    /// The caller's nonce is empty: there is no freshness to prove.
    EmptyNonce,
    /// extraData differs from the caller's nonce.
    NonceMismatch,
    /// qualifiedSigner differs from the expected AK.
    SignerMismatch,
    /// The clock went backwards with respect to the caller's previous observation.
    ClockRegression,
    /// Item 5: qualifiedSigner is TPM_RH_NULL (0x40000007) or empty.
    NullSigner,
    /// Item 10: Clock is lower than a previously seen Clock although safe = YES.
    ClockSafeRegression,

    // --- quote and PCRs (5000s): items 11, 12 ---
    /// A PCR value was supplied for a PCR the signed selection does not cover.
    PcrNotInSelection { bank: u16, index: u8 },
    /// Policy requires a PCR that the signed selection lacks.
    RequiredPcrMissing { bank: u16, index: u8 },
    /// The signed selection covers a PCR for which no value was supplied.
    PcrValueMissing { bank: u16, index: u8 },
    /// A PCR value's length is not the bank's digest size.
    PcrValueSize { bank: u16, index: u8, size: usize },
    /// The recomputed PCR digest differs from the signed pcrDigest.
    PcrDigestMismatch,
    /// A PCR bank whose hash is not on the allow-list (SHA-1 banks need the SHA-1 opt-in).
    PcrBankNotAllowed { bank: u16 },

    // --- keys (6000s): items 13, 15 ---
    /// The AK is not a restricted signing key.
    AkNotRestricted,
    /// A key lacks a required object attribute (fixedTPM, fixedParent, sensitiveDataOrigin, sign).
    KeyAttributeMissing { attribute: &'static str },
    /// An App Key that can decrypt as well as sign.
    KeyIsDecrypt,
    /// The key's type, size or curve is not on the allow-list.
    KeyNotAllowed { what: &'static str },
    /// certifyInfo.name differs from the Name of the App Key received.
    NameMismatch,
    /// Item 13: a key no TPM would create (restricted sign + decrypt, or a symmetric algorithm or
    /// KDF on a signing key).
    KeyShapeInvalid { what: &'static str },
    /// A key's nameAlg is not on the allow-list (SHA-1 needs the SHA-1 opt-in).
    NameAlgNotAllowed { hash: u16 },

    // --- EK certificate and credential activation (7000s): item 14 ---
    /// The EK certificate is malformed or unusable as an EK certificate.
    EkCertificateInvalid { what: &'static str },
    /// The EK certificate does not chain to a caller-given manufacturer CA.
    EkCertificateUntrusted,
    /// The EK certificate (or a CA in its chain) is outside its validity period at the given time.
    EkCertificateExpired,
    /// The EK certificate's public key differs from the EK public area.
    EkPublicKeyMismatch,
    /// The activated credential does not match the one the verifier made.
    CredentialMismatch,
    /// The AK that signed the evidence is not the AK bound to the EK by credential activation.
    AkBindingMismatch,

    // --- location evidence (8000s): item 16 ---
    /// The location event log does not replay to the quoted PCR value.
    LocationLogMismatch,
    /// The last location event is not bound to the attestation nonce (or the log is empty).
    LocationNonceMismatch,
    /// A location event log (file or record) is truncated, corrupted or out of sequence.
    LocationLogCorrupt { what: &'static str },

    // --- TPM backend (9000s) ---
    /// A TPM backend operation failed (the TSS or TPM response code is in `detail`).
    Backend { what: &'static str, detail: String },
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// The stable numeric code (also the C `aegis_status`). Never reused.
    pub fn code(&self) -> u32 {
        match self {
            Error::InvalidArgument { .. } => 1001,
            Error::CryptoProvider { .. } => 1002,
            Error::Unsupported { .. } => 1006,
            Error::Truncated { .. } => 2000,
            Error::TrailingBytes { .. } => 2001,
            Error::SizeOutOfRange { .. } => 2002,
            Error::CountOutOfRange { .. } => 2003,
            Error::UnknownAlgorithm { .. } => 2004,
            Error::UnsupportedAttestationType { .. } => 2005,
            Error::InvalidValue { .. } => 2006,
            Error::InvalidFormat { .. } => 2007,
            Error::NullSignature => 3000,
            Error::SignatureSchemeMismatch { .. } => 3001,
            Error::HashNotAllowed { .. } => 3002,
            Error::HashMismatch { .. } => 3003,
            Error::EcdsaScalarOutOfRange => 3004,
            Error::SignatureInvalid => 3005,
            Error::SignatureLength { .. } => 3006,
            Error::BadMagic { .. } => 4000,
            Error::WrongAttestationType { .. } => 4001,
            Error::EmptyNonce => 4002,
            Error::NonceMismatch => 4003,
            Error::SignerMismatch => 4004,
            Error::ClockRegression => 4005,
            Error::NullSigner => 4006,
            Error::ClockSafeRegression => 4007,
            Error::PcrNotInSelection { .. } => 5000,
            Error::RequiredPcrMissing { .. } => 5001,
            Error::PcrValueMissing { .. } => 5002,
            Error::PcrValueSize { .. } => 5003,
            Error::PcrDigestMismatch => 5004,
            Error::PcrBankNotAllowed { .. } => 5005,
            Error::AkNotRestricted => 6000,
            Error::KeyAttributeMissing { .. } => 6001,
            Error::KeyIsDecrypt => 6002,
            Error::KeyNotAllowed { .. } => 6003,
            Error::NameMismatch => 6004,
            Error::KeyShapeInvalid { .. } => 6005,
            Error::NameAlgNotAllowed { .. } => 6006,
            Error::EkCertificateInvalid { .. } => 7000,
            Error::EkCertificateUntrusted => 7001,
            Error::EkCertificateExpired => 7002,
            Error::EkPublicKeyMismatch => 7003,
            Error::CredentialMismatch => 7004,
            Error::AkBindingMismatch => 7005,
            Error::LocationLogMismatch => 8000,
            Error::LocationNonceMismatch => 8001,
            Error::LocationLogCorrupt { .. } => 8002,
            Error::Backend { .. } => 9000,
        }
    }

    /// The stable variant name, as used in testdata/manifest.json and by every binding.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidArgument { .. } => "InvalidArgument",
            Error::CryptoProvider { .. } => "CryptoProvider",
            Error::Unsupported { .. } => "Unsupported",
            Error::Truncated { .. } => "Truncated",
            Error::TrailingBytes { .. } => "TrailingBytes",
            Error::SizeOutOfRange { .. } => "SizeOutOfRange",
            Error::CountOutOfRange { .. } => "CountOutOfRange",
            Error::UnknownAlgorithm { .. } => "UnknownAlgorithm",
            Error::UnsupportedAttestationType { .. } => "UnsupportedAttestationType",
            Error::InvalidValue { .. } => "InvalidValue",
            Error::InvalidFormat { .. } => "InvalidFormat",
            Error::NullSignature => "NullSignature",
            Error::SignatureSchemeMismatch { .. } => "SignatureSchemeMismatch",
            Error::HashNotAllowed { .. } => "HashNotAllowed",
            Error::HashMismatch { .. } => "HashMismatch",
            Error::EcdsaScalarOutOfRange => "EcdsaScalarOutOfRange",
            Error::SignatureInvalid => "SignatureInvalid",
            Error::SignatureLength { .. } => "SignatureLength",
            Error::BadMagic { .. } => "BadMagic",
            Error::WrongAttestationType { .. } => "WrongAttestationType",
            Error::EmptyNonce => "EmptyNonce",
            Error::NonceMismatch => "NonceMismatch",
            Error::SignerMismatch => "SignerMismatch",
            Error::ClockRegression => "ClockRegression",
            Error::NullSigner => "NullSigner",
            Error::ClockSafeRegression => "ClockSafeRegression",
            Error::PcrNotInSelection { .. } => "PcrNotInSelection",
            Error::RequiredPcrMissing { .. } => "RequiredPcrMissing",
            Error::PcrValueMissing { .. } => "PcrValueMissing",
            Error::PcrValueSize { .. } => "PcrValueSize",
            Error::PcrDigestMismatch => "PcrDigestMismatch",
            Error::PcrBankNotAllowed { .. } => "PcrBankNotAllowed",
            Error::AkNotRestricted => "AkNotRestricted",
            Error::KeyAttributeMissing { .. } => "KeyAttributeMissing",
            Error::KeyIsDecrypt => "KeyIsDecrypt",
            Error::KeyNotAllowed { .. } => "KeyNotAllowed",
            Error::NameMismatch => "NameMismatch",
            Error::KeyShapeInvalid { .. } => "KeyShapeInvalid",
            Error::NameAlgNotAllowed { .. } => "NameAlgNotAllowed",
            Error::EkCertificateInvalid { .. } => "EkCertificateInvalid",
            Error::EkCertificateUntrusted => "EkCertificateUntrusted",
            Error::EkCertificateExpired => "EkCertificateExpired",
            Error::EkPublicKeyMismatch => "EkPublicKeyMismatch",
            Error::CredentialMismatch => "CredentialMismatch",
            Error::AkBindingMismatch => "AkBindingMismatch",
            Error::LocationLogMismatch => "LocationLogMismatch",
            Error::LocationNonceMismatch => "LocationNonceMismatch",
            Error::LocationLogCorrupt { .. } => "LocationLogCorrupt",
            Error::Backend { .. } => "Backend",
        }
    }

    /// Every (code, name) pair, for bindings that mirror the table and for tests that pin it.
    pub const TABLE: &'static [(u32, &'static str)] = &[
        (1001, "InvalidArgument"),
        (1002, "CryptoProvider"),
        (1006, "Unsupported"),
        (2000, "Truncated"),
        (2001, "TrailingBytes"),
        (2002, "SizeOutOfRange"),
        (2003, "CountOutOfRange"),
        (2004, "UnknownAlgorithm"),
        (2005, "UnsupportedAttestationType"),
        (2006, "InvalidValue"),
        (2007, "InvalidFormat"),
        (3000, "NullSignature"),
        (3001, "SignatureSchemeMismatch"),
        (3002, "HashNotAllowed"),
        (3003, "HashMismatch"),
        (3004, "EcdsaScalarOutOfRange"),
        (3005, "SignatureInvalid"),
        (3006, "SignatureLength"),
        (4000, "BadMagic"),
        (4001, "WrongAttestationType"),
        (4002, "EmptyNonce"),
        (4003, "NonceMismatch"),
        (4004, "SignerMismatch"),
        (4005, "ClockRegression"),
        (4006, "NullSigner"),
        (4007, "ClockSafeRegression"),
        (5000, "PcrNotInSelection"),
        (5001, "RequiredPcrMissing"),
        (5002, "PcrValueMissing"),
        (5003, "PcrValueSize"),
        (5004, "PcrDigestMismatch"),
        (5005, "PcrBankNotAllowed"),
        (6000, "AkNotRestricted"),
        (6001, "KeyAttributeMissing"),
        (6002, "KeyIsDecrypt"),
        (6003, "KeyNotAllowed"),
        (6004, "NameMismatch"),
        (6005, "KeyShapeInvalid"),
        (6006, "NameAlgNotAllowed"),
        (7000, "EkCertificateInvalid"),
        (7001, "EkCertificateUntrusted"),
        (7002, "EkCertificateExpired"),
        (7003, "EkPublicKeyMismatch"),
        (7004, "CredentialMismatch"),
        (7005, "AkBindingMismatch"),
        (8000, "LocationLogMismatch"),
        (8001, "LocationNonceMismatch"),
        (8002, "LocationLogCorrupt"),
        (9000, "Backend"),
    ];
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
            Error::CryptoProvider { what } => write!(f, "crypto provider failure: {what}"),
            Error::Unsupported { what } => write!(f, "not supported: {what}"),
            Error::Truncated { what } => write!(f, "{what}: input ends early"),
            Error::TrailingBytes { what, extra } => write!(f, "{what}: {extra} trailing byte(s)"),
            Error::SizeOutOfRange { what, size, max } => {
                write!(f, "{what}: size {size} exceeds {max}")
            }
            Error::CountOutOfRange { what, count, max } => {
                write!(f, "{what}: count {count} exceeds {max}")
            }
            Error::UnknownAlgorithm { what, alg } => {
                write!(f, "{what}: unknown or unsupported algorithm 0x{alg:04x}")
            }
            Error::UnsupportedAttestationType { tag } => {
                write!(f, "TPMS_ATTEST type 0x{tag:04x} is not supported (only QUOTE and CERTIFY)")
            }
            Error::InvalidValue { what } => write!(f, "invalid value: {what}"),
            Error::InvalidFormat { what } => write!(f, "invalid format: {what}"),
            Error::NullSignature => f.write_str("NULL signature refused"),
            Error::SignatureSchemeMismatch { key_scheme, signature_scheme } => write!(
                f,
                "signature scheme 0x{signature_scheme:04x} does not match the key's scheme 0x{key_scheme:04x}"
            ),
            Error::HashNotAllowed { hash } => {
                write!(f, "hash algorithm 0x{hash:04x} is not on the allow-list")
            }
            Error::HashMismatch { key_hash, signature_hash } => write!(
                f,
                "signature hash 0x{signature_hash:04x} differs from the key's scheme hash 0x{key_hash:04x}"
            ),
            Error::EcdsaScalarOutOfRange => f.write_str("ECDSA r or s outside [1, n-1]"),
            Error::SignatureInvalid => f.write_str("signature does not verify"),
            Error::SignatureLength { size, expected } => write!(
                f,
                "signature part of {size} bytes, expected {expected} (RSA: the modulus length; ECDSA: at most the curve size)"
            ),
            Error::BadMagic { found } => {
                write!(f, "magic 0x{found:08x} is not TPM_GENERATED_VALUE 0xff544347")
            }
            Error::WrongAttestationType { expected, found } => {
                write!(f, "attestation type 0x{found:04x}, expected 0x{expected:04x}")
            }
            Error::EmptyNonce => f.write_str("empty nonce refused: freshness cannot be proven"),
            Error::NonceMismatch => f.write_str("extraData does not equal the expected nonce"),
            Error::SignerMismatch => f.write_str("qualifiedSigner is not the expected AK"),
            Error::ClockRegression => f.write_str("TPM clock went backwards"),
            Error::NullSigner => {
                f.write_str("qualifiedSigner is TPM_RH_NULL or empty: no key is named as signer")
            }
            Error::ClockSafeRegression => {
                f.write_str("TPM Clock is lower than a Clock seen before although safe = YES")
            }
            Error::PcrNotInSelection { bank, index } => write!(
                f,
                "PCR {index} of bank 0x{bank:04x} was supplied but is not in the signed selection"
            ),
            Error::RequiredPcrMissing { bank, index } => write!(
                f,
                "policy requires PCR {index} of bank 0x{bank:04x}, which the signed selection lacks"
            ),
            Error::PcrValueMissing { bank, index } => {
                write!(f, "no value supplied for signed PCR {index} of bank 0x{bank:04x}")
            }
            Error::PcrValueSize { bank, index, size } => write!(
                f,
                "PCR {index} of bank 0x{bank:04x} has {size} bytes, not the bank's digest size"
            ),
            Error::PcrDigestMismatch => {
                f.write_str("PCR values do not hash to the signed pcrDigest")
            }
            Error::PcrBankNotAllowed { bank } => {
                write!(f, "PCR bank 0x{bank:04x} is not on the hash allow-list")
            }
            Error::AkNotRestricted => f.write_str("the AK is not a restricted signing key"),
            Error::KeyAttributeMissing { attribute } => {
                write!(f, "key lacks the {attribute} attribute")
            }
            Error::KeyIsDecrypt => f.write_str("an App Key must not be a decryption key"),
            Error::KeyNotAllowed { what } => write!(f, "key not allowed: {what}"),
            Error::NameMismatch => {
                f.write_str("certified Name differs from the Name of the key received")
            }
            Error::KeyShapeInvalid { what } => write!(f, "no TPM creates such a key: {what}"),
            Error::NameAlgNotAllowed { hash } => {
                write!(f, "key nameAlg 0x{hash:04x} is not on the hash allow-list")
            }
            Error::EkCertificateInvalid { what } => write!(f, "EK certificate invalid: {what}"),
            Error::EkCertificateUntrusted => {
                f.write_str("EK certificate does not chain to a trusted manufacturer CA")
            }
            Error::EkCertificateExpired => {
                f.write_str("EK certificate or its issuer is outside its validity period")
            }
            Error::EkPublicKeyMismatch => {
                f.write_str("EK certificate key differs from the EK public area")
            }
            Error::CredentialMismatch => {
                f.write_str("activated credential differs from the one made")
            }
            Error::AkBindingMismatch => {
                f.write_str("the signing AK is not the AK bound to the EK by credential activation")
            }
            Error::LocationLogMismatch => {
                f.write_str("location event log does not replay to the quoted PCR value")
            }
            Error::LocationNonceMismatch => {
                f.write_str("last location event is not bound to the attestation nonce")
            }
            Error::LocationLogCorrupt { what } => write!(f, "location event log corrupt: {what}"),
            Error::Backend { what, detail } => write!(f, "TPM backend: {what}: {detail}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_match_the_table() {
        let mut codes: Vec<u32> = Error::TABLE.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Error::TABLE.len());
        let samples = [
            Error::Truncated { what: "x" },
            Error::NullSignature,
            Error::PcrDigestMismatch,
            Error::NameMismatch,
            Error::CredentialMismatch,
        ];
        for e in samples {
            assert!(Error::TABLE.contains(&(e.code(), e.name())), "{e:?}");
        }
    }
}
