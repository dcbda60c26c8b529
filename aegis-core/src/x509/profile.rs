//! Certificate profiles: what the path builder demands of a certificate beyond RFC 5280 path
//! validation, and which errors a failed path reports.

use der::asn1::ObjectIdentifier;

use super::{spiffe, Certificate, PathError, MAX_CERT_BYTES, MAX_CHAIN_DEPTH, MAX_SVID_CERT_BYTES};
use crate::error::Error;
use crate::keys::oid;

/// A certificate profile: the rules one kind of certificate path follows, given to
/// [`super::PathBuilder`] and to certificate parsing.
///
/// A profile decides which extensions may be critical (RFC 5280, 4.2: an unknown critical
/// extension makes the certificate invalid), what a leaf must satisfy, the longest path, and
/// the error variants a failed check reports. The builder's own checks (names, signatures,
/// validity, basic constraints and path length of CAs, RFC 5280, 6.1) are the same for every
/// profile.
///
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// EK certificates (TCG EK Credential Profile for TPM Family 2.0, 3.2; VERIFIER-CHECKS.md
    /// item 14): the leaf is no CA; critical extensions may be the TCG ones (subjectAltName
    /// with the TPM identity, subjectDirectoryAttributes, certificatePolicies, extKeyUsage
    /// tcg-kp-EKCertificate) and the RFC 5280 ones that Aegis checks (basicConstraints,
    /// keyUsage) or that do not affect path validation (key identifiers, CRL distribution
    /// points, authorityInfoAccess). Errors: `EkCertificateInvalid`, `EkCertificateExpired`,
    /// `EkCertificateUntrusted`.
    Ek,
    /// SPIFFE X.509-SVIDs (SPIFFE X509-SVID specification; FORMATS.md, "SPIFFE X.509-SVID
    /// rules"). The leaf (5.2): exactly one URI SAN holding a SPIFFE ID with a path
    /// (`SvidUriSanMissing`, `SvidUriSanMultiple`, `SvidIdNotSpiffe`, `SvidTrustDomainInvalid`,
    /// `SvidIdPathInvalid`, `SvidIdNoPath`), no CA (`SvidLeafIsCa`), keyUsage critical with
    /// digitalSignature and without keyCertSign and cRLSign (`SvidKeyUsageMissing`,
    /// `SvidKeyUsageNotCritical`, `SvidKeyUsageNoDigitalSignature`, `SvidKeyUsageCertSign`,
    /// `SvidKeyUsageCrlSign`). Critical extensions may be basicConstraints, keyUsage,
    /// subjectAltName, extKeyUsage (4.4) and the key identifiers; name constraints (4.2) are
    /// not processed, so a critical one is refused (`SvidUnknownCriticalExtension`). Signing
    /// certificates are CA certificates (`SvidSigningCertificateInvalid`); at most
    /// [`SPIFFE_MAX_DEPTH`] above the leaf; certificates up to [`MAX_SVID_CERT_BYTES`]. Other
    /// errors: `SvidCertificateInvalid`, `SvidExpired`, `SvidUntrusted`.
    Spiffe,
}

/// Most CA certificates above an SVID leaf (SPIRE with an upstream authority nests several).
pub const SPIFFE_MAX_DEPTH: usize = 8;

/// Extensions the SPIFFE profile accepts when marked critical (see [`Profile::Spiffe`]).
const SPIFFE_KNOWN_CRITICAL: [ObjectIdentifier; 6] = [
    oid::BASIC_CONSTRAINTS,
    oid::KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::EXT_KEY_USAGE,
    oid::SUBJECT_KEY_IDENTIFIER,
    oid::AUTHORITY_KEY_IDENTIFIER,
];

/// Extensions the EK profile accepts when marked critical (see [`Profile::Ek`]).
const EK_KNOWN_CRITICAL: [ObjectIdentifier; 10] = [
    oid::SUBJECT_DIRECTORY_ATTRIBUTES,
    oid::SUBJECT_KEY_IDENTIFIER,
    oid::KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::BASIC_CONSTRAINTS,
    oid::CRL_DISTRIBUTION_POINTS,
    oid::CERTIFICATE_POLICIES,
    oid::AUTHORITY_KEY_IDENTIFIER,
    oid::EXT_KEY_USAGE,
    oid::AUTHORITY_INFO_ACCESS,
];

impl Profile {
    /// Extensions this profile understands when critical (RFC 5280, 4.2).
    pub(crate) fn known_critical(self) -> &'static [ObjectIdentifier] {
        match self {
            Profile::Ek => &EK_KNOWN_CRITICAL,
            Profile::Spiffe => &SPIFFE_KNOWN_CRITICAL,
        }
    }

    /// Most CA certificates above the leaf in one path (intermediates plus the anchor).
    pub fn max_depth(self) -> usize {
        match self {
            Profile::Ek => MAX_CHAIN_DEPTH,
            Profile::Spiffe => SPIFFE_MAX_DEPTH,
        }
    }

    /// Largest certificate this profile parses, in bytes.
    pub fn max_cert_bytes(self) -> usize {
        match self {
            Profile::Ek => MAX_CERT_BYTES,
            Profile::Spiffe => MAX_SVID_CERT_BYTES,
        }
    }

    /// The profile's demands on the leaf, beyond parsing (which checked critical extensions).
    pub(crate) fn check_leaf(self, leaf: &Certificate) -> Result<(), PathError> {
        match self {
            Profile::Ek => {
                // An EK certificate certifies a TPM key, never a CA (RFC 5280, 4.2.1.9).
                if leaf.basic_constraints()?.is_some_and(|bc| bc.ca) {
                    return Err(PathError::Malformed("EK certificate is a CA certificate"));
                }
                Ok(())
            }
            Profile::Spiffe => spiffe::check_leaf(leaf),
        }
    }

    /// The error this profile reports for a path error.
    pub(crate) fn error(self, e: PathError) -> Error {
        match self {
            Profile::Ek => match e {
                PathError::Malformed(what) | PathError::NotCa(what) => {
                    Error::EkCertificateInvalid { what }
                }
                PathError::UnknownCritical(_) => Error::EkCertificateInvalid {
                    what: "unknown critical extension",
                },
                PathError::Expired => Error::EkCertificateExpired,
                PathError::Untrusted => Error::EkCertificateUntrusted,
                PathError::Other(e) => e,
            },
            Profile::Spiffe => match e {
                PathError::Malformed(what) => Error::SvidCertificateInvalid { what },
                PathError::NotCa(what) => Error::SvidSigningCertificateInvalid { what },
                PathError::UnknownCritical(oid) => Error::SvidUnknownCriticalExtension {
                    oid: oid.to_string(),
                },
                PathError::Expired => Error::SvidExpired,
                PathError::Untrusted => Error::SvidUntrusted,
                PathError::Other(e) => e,
            },
        }
    }
}
