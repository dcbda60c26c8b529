//! Certificate profiles: what the path builder demands of a certificate beyond RFC 5280 path
//! validation, and which errors a failed path reports.

use der::asn1::ObjectIdentifier;

use super::{Certificate, PathError, MAX_CHAIN_DEPTH};
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
/// The SPIFFE X.509-SVID profile (FORMATS.md, "SPIFFE X.509-SVID rules"; SPIFFE X509-SVID
/// specification, 4 and 5) comes next as another variant.
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
}

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
        }
    }

    /// Most CA certificates above the leaf in one path (intermediates plus the anchor).
    pub fn max_depth(self) -> usize {
        match self {
            Profile::Ek => MAX_CHAIN_DEPTH,
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
        }
    }

    /// The error this profile reports for a path error.
    pub(crate) fn error(self, e: PathError) -> Error {
        match self {
            Profile::Ek => match e {
                PathError::Malformed(what) => Error::EkCertificateInvalid { what },
                PathError::Expired => Error::EkCertificateExpired,
                PathError::Untrusted => Error::EkCertificateUntrusted,
                PathError::Other(e) => e,
            },
        }
    }
}
