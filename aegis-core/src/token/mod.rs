//! Proof tokens (FORMATS.md, "Proof tokens"): DPoR and DPoG proofs (RFC 9449 DPoP proofs signed
//! by the TPM-resident App Key), WIMSE workload proof tokens (draft-ietf-wimse-wpt-02), and the
//! replay cache their verifiers share. docs/proof-tokens.md describes the wire formats.

mod dpop;
mod jws;
pub mod replay;
mod wpt;

pub use dpop::{
    check_residency, mint_dpog, mint_dpor, normalise_htu, verify_proof, Location, ProofKind,
    ProofPolicy, ProofRequest, Residency, VerifiedProof, LOCATION_CLAIM,
};
pub use jws::{parse_jwk, token_hash, MAX_PROOF_SIZE};
pub use replay::{MemoryReplayCache, ReplayCache};
pub use wpt::{mint_wpt, verify_wpt, VerifiedWpt, WptPolicy, WptRequest, WPT_TYP};
