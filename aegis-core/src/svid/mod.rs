//! X.509-SVIDs (FORMATS.md, "X.509 SVID extensions"): the AttestedClaims and CMW extensions that
//! carry an attestation result in a SPIFFE X.509-SVID, the SPIFFE X509-SVID checks, and the
//! gateway decision taken from a client certificate chain.
//!
//! - [`extensions`]: encode the two extensions for SPIRE's CredentialComposer
//!   ([`encode_attested_claims`], [`encode_cmw_ear`] -> [`ComposerExtension`]) and decode them
//!   ([`decode_attested_claims`], [`decode_cmw`], both at once from a certificate with
//!   [`SvidExtensions::of`]).
//! - [`verify`]: [`verify_svid`] checks a chain `[leaf, intermediates...]` against an
//!   [`SvidBundle`] at a given time under the SPIFFE profile ([`crate::x509::Profile::Spiffe`])
//!   and returns a [`VerifiedSvid`] (SPIFFE ID, leaf key, decoded extensions).
//! - [`issue`]: [`issue_svid`] makes a leaf SVID from an [`SvidTemplate`] (SPIFFE ID, key,
//!   serial, validity, extensions), signed through a [`crate::crypto::Signer`];
//!   [`issue_svid_ca`] a self-signed SPIFFE signing CA for a trust domain.

pub mod extensions;
pub mod issue;
pub mod verify;

pub use crate::x509::SpiffeId;
pub use extensions::{
    decode_attested_claims, decode_cmw, encode_attested_claims, encode_cmw_ear, AttestedClaimsJson,
    CmwChoice, CmwEar, ComposerExtension, SvidExtensions,
};
pub use issue::{certificate_scheme, issue_svid, issue_svid_ca, SvidTemplate};
pub use verify::{pem_certificates, verify_svid, SvidBundle, VerifiedSvid};

pub mod claims;
pub mod gateway;
