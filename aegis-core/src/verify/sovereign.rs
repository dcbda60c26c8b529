//! Verification of the AegisSovereignAI proof of concept's evidence
//! ([`crate::compat::sovereign`]): thin functions here because `compat` sits below `verify`
//! (module layers) while the checks are those of [`verify_certify`] and a verified quote.

use super::{verify_certify, AttestationKey, CertifyPolicy, VerifiedCertification, VerifiedQuote};
use crate::compat::sovereign::{
    PocGeolocation, PocLocationEvent, PocLocationLog, SovereignAttestation, POC_LOCATION_PCR,
};
use crate::crypto::CryptoProvider;
use crate::error::Result;
use crate::tpm::HashAlg;

/// Verifies the App Key certificate of a PoC SovereignAttestation against the AK, for the
/// verifier's nonce `nonce_hex` (the hex text it sent as the challenge).
///
/// First the checks of [`SovereignAttestation::certify_inputs`] (`PocAppKeyPublicMissing` when
/// only the PEM was sent, `PocChallengeMismatch`, `PocAppKeyMismatch`), then [`verify_certify`]
/// of `app_key_tpm_public` with the PoC's qualifying data
/// ([`crate::compat::sovereign::poc_qualifying_data`] of the PEM and `nonce_hex`) as its nonce:
/// `NonceMismatch` when the certify was made for another PEM or nonce.
pub fn verify_sovereign_attestation(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    attestation: &SovereignAttestation,
    nonce_hex: &str,
    policy: &CertifyPolicy,
) -> Result<VerifiedCertification> {
    let inputs = attestation.certify_inputs(nonce_hex)?;
    verify_certify(
        provider,
        ak,
        inputs.app_key,
        inputs.attest,
        inputs.signature,
        &inputs.qualifying_data,
        policy,
    )
}

/// A PoC PCR 15 log that replayed to a verified quote's SHA-256 PCR 15, its last event bound to
/// the attestation nonce. Only [`verify_poc_location`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedPocLocation {
    log: PocLocationLog,
    current: PocGeolocation,
}

impl VerifiedPocLocation {
    /// The current claims: the last event's, bound to this attestation's nonce.
    pub fn current(&self) -> &PocGeolocation {
        &self.current
    }
    /// Every replayed event, oldest first.
    pub fn events(&self) -> &[PocLocationEvent] {
        self.log.events()
    }
}

/// VERIFIER-CHECKS.md item 16 for the PoC's PCR 15 recipe: `log` replays from the reset value to
/// the SHA-256 PCR 15 that `quote` verified, and its last event is bound to `nonce_hex` (the hex
/// text of the nonce the quote was verified with).
///
/// Errors: `RequiredPcrMissing` when the quote does not cover sha256:15, `LocationLogMismatch`
/// when the replay differs, `LocationNonceMismatch` when the log is empty or its last event is
/// bound to another nonce, `EmptyNonce` for an empty nonce.
pub fn verify_poc_location(
    log: &PocLocationLog,
    quote: &VerifiedQuote,
    nonce_hex: &str,
) -> Result<VerifiedPocLocation> {
    let bank = HashAlg::Sha256;
    let quoted = quote
        .pcrs()
        .get(bank, POC_LOCATION_PCR)
        .filter(|_| quote.selection().contains(bank, POC_LOCATION_PCR));
    let current = log.check(quoted, nonce_hex)?.clone();
    Ok(VerifiedPocLocation {
        log: log.clone(),
        current,
    })
}
