//! The object identifiers Aegis reads or writes, in one table: key algorithms and curves,
//! signature and hash algorithms, the X.509 extensions of the EK and SVID profiles, and the TCG
//! attributes. Every other module names an OID through this table, never by its own literal.

use der::asn1::ObjectIdentifier as Oid;

// ---------- public key algorithms and named curves ----------

/// rsaEncryption (RFC 8017, A.1; RFC 3279, 2.3.1): an RSA SubjectPublicKeyInfo (parameters
/// NULL) and the PKCS #1 v1.5 encryption scheme.
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480, 2.1.1): an elliptic-curve SubjectPublicKeyInfo whose parameters
/// name the curve.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// secp256r1, NIST P-256 (RFC 5480, 2.1.1.1).
pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1, NIST P-384 (RFC 5480, 2.1.1.1).
pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
/// secp521r1, NIST P-521 (RFC 5480, 2.1.1.1).
pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");

// ---------- signature algorithms ----------

/// id-RSASSA-PSS (RFC 4055, 3.1; RFC 8017, A.2.3): an RSASSA-PSS signature whose parameters
/// name the hash, the mask generation function and the salt length.
pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// id-mgf1 (RFC 4055, 2.2; RFC 8017, B.2.1): the mask generation function of RSASSA-PSS.
pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// sha256WithRSAEncryption (RFC 4055, 5; RFC 8017, A.2.4): RSASSA-PKCS1-v1_5 with SHA-256.
pub const SHA256_WITH_RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption (RFC 4055, 5; RFC 8017, A.2.4): RSASSA-PKCS1-v1_5 with SHA-384.
pub const SHA384_WITH_RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption (RFC 4055, 5; RFC 8017, A.2.4): RSASSA-PKCS1-v1_5 with SHA-512.
pub const SHA512_WITH_RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// ecdsa-with-SHA256 (RFC 5758, 3.2): ECDSA over SHA-256, parameters absent.
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384 (RFC 5758, 3.2): ECDSA over SHA-384, parameters absent.
pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512 (RFC 5758, 3.2): ECDSA over SHA-512, parameters absent.
pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

// ---------- hash algorithms ----------

/// id-sha256 (RFC 5754, 2.2; NIST FIPS 180-4).
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384 (RFC 5754, 2.3; NIST FIPS 180-4).
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512 (RFC 5754, 2.4; NIST FIPS 180-4).
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

// ---------- X.509 certificate extensions (RFC 5280, 4.2) ----------

/// id-ce-subjectDirectoryAttributes (RFC 5280, 4.2.1.8); the EK profile puts the TPM
/// specification there (TCG EK Credential Profile 2.0, 3.2).
pub const SUBJECT_DIRECTORY_ATTRIBUTES: Oid = Oid::new_unwrap("2.5.29.9");
/// id-ce-subjectKeyIdentifier (RFC 5280, 4.2.1.2).
pub const SUBJECT_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.14");
/// id-ce-keyUsage (RFC 5280, 4.2.1.3).
pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// id-ce-subjectAltName (RFC 5280, 4.2.1.6); EK certificates name the TPM there in a
/// directoryName (TCG EK Credential Profile 2.0, 3.2.9), SPIFFE SVIDs their SPIFFE ID as a URI.
pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
/// id-ce-basicConstraints (RFC 5280, 4.2.1.9).
pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// id-ce-cRLDistributionPoints (RFC 5280, 4.2.1.13).
pub const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
/// id-ce-certificatePolicies (RFC 5280, 4.2.1.4; TCG EK Credential Profile 2.0, 3.2).
pub const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
/// id-ce-authorityKeyIdentifier (RFC 5280, 4.2.1.1).
pub const AUTHORITY_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.35");
/// id-ce-extKeyUsage (RFC 5280, 4.2.1.12).
pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
/// id-pe-authorityInfoAccess (RFC 5280, 4.2.2.1).
pub const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");

/// id-kp-serverAuth (RFC 5280, 4.2.1.12): TLS server authentication; SPIFFE X509-SVID, 4.4
/// wants it in a leaf SVID's extKeyUsage.
pub const KP_SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth (RFC 5280, 4.2.1.12): TLS client authentication (SPIFFE X509-SVID, 4.4).
pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");

// ---------- TCG (TCG EK Credential Profile for TPM Family 2.0, and the TCG OID registry) ----------

/// tcg-kp-EKCertificate (TCG EK Credential Profile 2.0, 3.2, Extended Key Usage): the extKeyUsage purpose of an
/// EK certificate.
pub const TCG_KP_EK_CERTIFICATE: Oid = Oid::new_unwrap("2.23.133.8.1");
/// tcg-at-tpmManufacturer (TCG EK Credential Profile 2.0, 3.2.9): the TPM vendor in
/// the subjectAltName directoryName, "id:" and the 4-byte vendor ID in hex.
pub const TPM_MANUFACTURER: Oid = Oid::new_unwrap("2.23.133.2.1");
/// tcg-at-tpmModel (TCG EK Credential Profile 2.0, 3.2.9).
pub const TPM_MODEL: Oid = Oid::new_unwrap("2.23.133.2.2");
/// tcg-at-tpmVersion (TCG EK Credential Profile 2.0, 3.2.9): the TPM firmware version.
pub const TPM_VERSION: Oid = Oid::new_unwrap("2.23.133.2.3");
/// tcg-at-tpmSpecification (TCG EK Credential Profile 2.0, 3.2, Subject Directory Attributes): the TPM specification
/// family, level and revision in subjectDirectoryAttributes.
pub const TPM_SPECIFICATION: Oid = Oid::new_unwrap("2.23.133.2.16");

// ---------- SVID extensions (FORMATS.md, "X.509 SVID extensions") ----------

/// AttestedClaims (FORMATS.md; the AegisSovereignAI private arc 1.3.6.1.4.1.55744): a JSON
/// document with the `grc.*` claims, as a non-critical SVID extension.
pub const ATTESTED_CLAIMS: Oid = Oid::new_unwrap("1.3.6.1.4.1.55744.1.1");
/// id-pe-cmw (draft-ietf-rats-msg-wrap-23, 6.1): a conceptual message wrapper (here the signed
/// EAR) as an X.509 extension.
pub const ID_PE_CMW: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.35");

#[cfg(test)]
mod tests {
    use super::*;

    /// The table has no two names for one OID.
    #[test]
    fn no_duplicates() {
        let all = [
            RSA_ENCRYPTION,
            EC_PUBLIC_KEY,
            SECP256R1,
            SECP384R1,
            SECP521R1,
            RSASSA_PSS,
            MGF1,
            SHA256_WITH_RSA_ENCRYPTION,
            SHA384_WITH_RSA_ENCRYPTION,
            SHA512_WITH_RSA_ENCRYPTION,
            ECDSA_WITH_SHA256,
            ECDSA_WITH_SHA384,
            ECDSA_WITH_SHA512,
            SHA256,
            SHA384,
            SHA512,
            SUBJECT_DIRECTORY_ATTRIBUTES,
            SUBJECT_KEY_IDENTIFIER,
            KEY_USAGE,
            SUBJECT_ALT_NAME,
            BASIC_CONSTRAINTS,
            CRL_DISTRIBUTION_POINTS,
            CERTIFICATE_POLICIES,
            AUTHORITY_KEY_IDENTIFIER,
            EXT_KEY_USAGE,
            AUTHORITY_INFO_ACCESS,
            KP_SERVER_AUTH,
            KP_CLIENT_AUTH,
            TCG_KP_EK_CERTIFICATE,
            TPM_MANUFACTURER,
            TPM_MODEL,
            TPM_VERSION,
            TPM_SPECIFICATION,
            ATTESTED_CLAIMS,
            ID_PE_CMW,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(a), "{a} twice");
        }
    }
}
