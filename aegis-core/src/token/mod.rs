//! Proof tokens (FORMATS.md, "Proof tokens"): DPoR and DPoG proofs (RFC 9449 DPoP proofs signed
//! by the TPM-resident App Key), WIMSE workload proof tokens (draft-ietf-wimse-wpt-02), and the
//! replay cache their verifiers share.

pub mod replay;

pub use replay::{MemoryReplayCache, ReplayCache};
