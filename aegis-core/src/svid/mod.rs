//! X.509-SVIDs (FORMATS.md, "X.509 SVID extensions"): the AttestedClaims and CMW extensions that
//! carry an attestation result in a SPIFFE X.509-SVID, the SPIFFE X509-SVID checks, and the
//! gateway decision taken from a client certificate chain.

pub mod claims;
pub mod gateway;
