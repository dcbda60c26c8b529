//! X.509-SVIDs (FORMATS.md, "X.509 SVID extensions"): the AttestedClaims and CMW extensions that
//! carry an attestation result in a SPIFFE X.509-SVID, the SPIFFE X509-SVID checks, and the
//! gateway decision taken from a client certificate chain.
//!
//! - [`extensions`]: encode the two extensions for SPIRE's CredentialComposer
//!   ([`encode_attested_claims`], [`encode_cmw_ear`] -> [`ComposerExtension`]) and decode them
//!   ([`decode_attested_claims`], [`decode_cmw`], both at once from a certificate with
//!   [`SvidExtensions::of`]).

pub mod extensions;

pub use extensions::{
    decode_attested_claims, decode_cmw, encode_attested_claims, encode_cmw_ear, AttestedClaims,
    CmwChoice, CmwEar, ComposerExtension, SvidExtensions,
};

pub mod claims;
pub mod gateway;
