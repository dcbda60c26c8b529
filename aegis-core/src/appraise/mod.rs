//! Appraisal of one attestation (ARCHITECTURE.md, flow step 4): the steps a verifier runs after
//! enrolment, collected into one [`Appraisal`] instead of stopping at the first failure.
//!
//! Inputs are the bytes the attester sent ([`Evidence`]), the nonces this verifier issued
//! ([`Nonces`]), the AK as enrolled and its [`AkBinding`] from credential activation, and the
//! caller's [`AppraisalPolicy`]. The checks, each citing VERIFIER-CHECKS.md:
//!
//! | [`Check`] | what it establishes | items |
//! | --- | --- | --- |
//! | `AkBinding` | the AK that signs the evidence is the one credential activation bound to the EK | 14 |
//! | `AppKeyCertification` | the App Key was created in the AK's TPM and cannot leave it (TPM2_Certify over a fresh nonce) | 1-10, 13, 15 |
//! | `Quote` | the quoted PCRs are the TPM's, now (fresh nonce) | 1-12 |
//! | `LocationLog` | the location PCR holds exactly the logged events, the last one recorded for this nonce | 16 |
//! | `AppKeyPossession` | the attester holds the certified App Key (a signature it made verifies) | 3, 4 |
//!
//! A check whose input is missing or that depends on a failed check is `Skipped` with the reason.
//! Evidence that cannot be parsed makes its check fail with the parse error; nothing is accepted
//! silently. What the appraisal does not establish is listed too ([`Appraisal::not_established`]).

pub mod bundle;
pub mod result;

pub use bundle::EvidenceBundle;

use crate::crypto::{CryptoProvider, SignatureFormat, SignatureScheme, SignatureValue};
use crate::error::Error;
use crate::geo::{self, VerifiedLocation};
use crate::keys::PublicKey;
use crate::tpm::{HashAlg, Name, PcrValues};
use crate::verify::{
    verify_certify, verify_quote, verify_signature, AkBinding, AttestationKey, CertifyPolicy,
    QuotePolicy, VerifiedCertification, VerifiedQuote,
};

/// What the attester sent for one attestation, as received.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    /// The App Key's TPM2B_PUBLIC (or TPMT_PUBLIC).
    pub app_key: &'a [u8],
    /// TPMS_ATTEST of TPM2_Certify(App Key, AK).
    pub certify_attest: &'a [u8],
    /// Its TPMT_SIGNATURE.
    pub certify_signature: &'a [u8],
    /// TPMS_ATTEST of TPM2_Quote by the AK.
    pub quote_attest: &'a [u8],
    /// Its TPMT_SIGNATURE.
    pub quote_signature: &'a [u8],
    /// The quoted PCR values.
    pub pcrs: &'a PcrValues,
    /// The location event log (FORMATS.md, location evidence), when the policy appraises one.
    pub location_log: Option<&'a [u8]>,
    /// A signature by the App Key over a message (what a DPoR/DPoG proof carries).
    pub possession: Option<PossessionProof<'a>>,
}

/// A message and the App Key's signature over it.
#[derive(Clone, Copy, Debug)]
pub struct PossessionProof<'a> {
    /// The signed message (hashed with the scheme's hash by the verifier).
    pub message: &'a [u8],
    /// The scheme the App Key signed with.
    pub scheme: SignatureScheme,
    /// The signature as carried (decoded against the certified App Key: a raw ECDSA signature
    /// has its size from the key's curve; a signature that does not decode fails the check).
    pub signature: &'a [u8],
    /// How `signature` is carried.
    pub format: SignatureFormat,
}

/// The nonces this verifier issued for the certification and the quote (they may be equal).
#[derive(Clone, Copy, Debug)]
pub struct Nonces<'a> {
    /// Qualifying data required in the certification.
    pub certify: &'a [u8],
    /// Qualifying data required in the quote (and as the last location event's nonce).
    pub quote: &'a [u8],
}

/// Where the location events are extended (FORMATS.md: PCR 15 of the SHA-256 bank by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationPcr {
    /// PCR index.
    pub index: u8,
    /// PCR bank.
    pub bank: HashAlg,
}

impl Default for LocationPcr {
    fn default() -> Self {
        LocationPcr {
            index: geo::DEFAULT_LOCATION_PCR,
            bank: HashAlg::Sha256,
        }
    }
}

/// What the caller requires of the evidence.
#[derive(Clone, Debug)]
pub struct AppraisalPolicy {
    /// Quote policy; the location PCR is added to its required PCRs when a log is appraised.
    pub quote: QuotePolicy,
    /// Certify policy (App Key allow-list).
    pub certify: CertifyPolicy,
    /// The location PCR; `None` appraises no location.
    pub location: Option<LocationPcr>,
}

impl Default for AppraisalPolicy {
    /// Default quote and certify policies; the location log appraised against PCR 15 of the
    /// SHA-256 bank (FORMATS.md, location evidence), as in every surface.
    fn default() -> Self {
        AppraisalPolicy {
            quote: QuotePolicy::default(),
            certify: CertifyPolicy::default(),
            location: Some(LocationPcr::default()),
        }
    }
}

/// The checks of an appraisal, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// The signing AK is the AK bound to the EK (item 14).
    AkBinding,
    /// TPM2_Certify of the App Key by the AK (items 1-10, 13, 15).
    AppKeyCertification,
    /// TPM2_Quote by the AK (items 1-12).
    Quote,
    /// The location event log against the quoted PCR (item 16).
    LocationLog,
    /// A signature by the certified App Key (items 3, 4).
    AppKeyPossession,
}

impl Check {
    /// A stable short name ("ak-binding", "app-key-certification", ...).
    pub fn name(self) -> &'static str {
        match self {
            Check::AkBinding => "ak-binding",
            Check::AppKeyCertification => "app-key-certification",
            Check::Quote => "quote",
            Check::LocationLog => "location-log",
            Check::AppKeyPossession => "app-key-possession",
        }
    }

    /// What the check establishes when it passes.
    pub fn establishes(self) -> &'static str {
        match self {
            Check::AkBinding => "the AK that signed this evidence is the AK credential activation bound to the EK (same TPM)",
            Check::AppKeyCertification => "the App Key was created in the AK's TPM and cannot leave it (TPM2_Certify over a fresh nonce)",
            Check::Quote => "the quoted PCR values are the TPM's, taken now (signed by the AK over a fresh nonce)",
            Check::LocationLog => "the location PCR holds exactly the logged location events, the last one recorded for this attestation's nonce",
            Check::AppKeyPossession => "possession of the certified App Key (a signature made with it verifies)",
        }
    }
}

/// How one check ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check failed with this error (its stable code names the failed item).
    Failed(Error),
    /// The check did not run: its input is missing or a check it depends on failed.
    Skipped(&'static str),
}

/// The result of [`appraise`]: every check's outcome and the verified parts.
#[derive(Clone, Debug)]
pub struct Appraisal {
    outcomes: Vec<(Check, Outcome)>,
    ek_certified: bool,
    certification: Option<VerifiedCertification>,
    quote: Option<VerifiedQuote>,
    location: Option<VerifiedLocation>,
}

impl Appraisal {
    /// Every check with its outcome, in the order they ran.
    pub fn outcomes(&self) -> &[(Check, Outcome)] {
        &self.outcomes
    }

    /// The outcome of one check.
    pub fn outcome(&self, check: Check) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, o)| o)
    }

    /// Whether every check ran and passed.
    pub fn passed(&self) -> bool {
        self.outcomes
            .iter()
            .all(|(_, o)| matches!(o, Outcome::Passed))
    }

    /// The failed checks with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (Check, &Error)> + '_ {
        self.outcomes.iter().filter_map(|(c, o)| match o {
            Outcome::Failed(e) => Some((*c, e)),
            _ => None,
        })
    }

    /// The verified certification, when that check passed.
    pub fn certification(&self) -> Option<&VerifiedCertification> {
        self.certification.as_ref()
    }

    /// The verified quote, when that check passed.
    pub fn quote(&self) -> Option<&VerifiedQuote> {
        self.quote.as_ref()
    }

    /// The verified location, when that check passed.
    pub fn location(&self) -> Option<&VerifiedLocation> {
        self.location.as_ref()
    }

    /// What the passed checks establish, one sentence each (the EK certificate first, when the
    /// AK's binding has a verified one).
    pub fn established(&self) -> Vec<&'static str> {
        let bound = matches!(self.outcome(Check::AkBinding), Some(Outcome::Passed));
        let mut out = Vec::with_capacity(self.outcomes.len() + 1);
        if bound && self.ek_certified {
            out.push("the EK certificate chains to a trusted manufacturer CA and certifies the EK the AK is bound to (a genuine TPM)");
        }
        out.extend(
            self.outcomes
                .iter()
                .filter(|(_, o)| matches!(o, Outcome::Passed))
                .map(|(c, _)| c.establishes()),
        );
        out
    }

    /// What this appraisal does not establish: the failed and skipped checks, and what no check
    /// here covers yet.
    pub fn not_established(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .outcomes
            .iter()
            .filter_map(|(c, o)| match o {
                Outcome::Passed => None,
                Outcome::Failed(e) => Some(format!("{} (refused: {e})", c.establishes())),
                Outcome::Skipped(why) => Some(format!("{} (not checked: {why})", c.establishes())),
            })
            .collect();
        if !self.ek_certified {
            out.push("that the EK belongs to a genuine TPM: its certificate was not verified against a manufacturer CA".to_owned());
        }
        if self.location.is_some() {
            out.push("that the location reading is true: the sensor is not attested, only its reading recorded and bound to the TPM".to_owned());
        }
        out.push(BOOT_STATE_NOT_APPRAISED.to_owned());
        out
    }
}

/// What [`Appraisal::not_established`] says of the boot state: [`appraise`] checks no PCR
/// reference values (the attestation result does: [`result::appraise_bundle`]).
pub const BOOT_STATE_NOT_APPRAISED: &str =
    "the platform's boot state: no reference values for PCRs 0-7 were appraised";

/// Runs every check of one attestation (see the module documentation) and collects the
/// outcomes. `binding` is the AK's binding from credential activation; `None` leaves the AK
/// unbound (the `AkBinding` check fails with `AkBindingMismatch`). With a binding, the certify's
/// and the quote's qualifiedSigner must be the AK's qualified Name under the bound EK
/// ([`AkBinding::ek_qualified_name`]), or those checks fail with `SignerMismatch`.
pub fn appraise(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    binding: Option<&AkBinding>,
    evidence: &Evidence<'_>,
    nonces: &Nonces<'_>,
    policy: &AppraisalPolicy,
) -> Appraisal {
    let mut outcomes = Vec::with_capacity(5);
    let bound = match binding {
        Some(b) => b.check_ak(ak),
        None => Err(Error::AkBindingMismatch),
    };
    outcomes.push((Check::AkBinding, outcome(&bound)));
    // Item 14: an AK enrolled through an EK is its child, so both attestations must name
    // QN(AK) under that EK as their signer (on top of any signer the caller's policy pins). The
    // AK is the one given (the binding's own AK for a bare key), so that a binding of another
    // AK under the same EK fails the AkBinding check alone.
    let enrolled_signer = binding.map(|b| {
        let name = ak.name().unwrap_or_else(|| b.ak_name().clone());
        b.ek_qualified_name()
            .and_then(|qek| name.qualified_under(&qek))
    });
    let signed_by_enrolled = |signer: &Name| match &enrolled_signer {
        None => Ok(()),
        Some(Ok(expected)) if signer == expected => Ok(()),
        Some(Ok(_)) => Err(Error::SignerMismatch),
        Some(Err(e)) => Err(e.clone()),
    };

    let certification = verify_certify(
        provider,
        ak,
        evidence.app_key,
        evidence.certify_attest,
        evidence.certify_signature,
        nonces.certify,
        &policy.certify,
    )
    .and_then(|c| signed_by_enrolled(&c.attest().qualified_signer).map(|()| c));
    outcomes.push((Check::AppKeyCertification, outcome(&certification)));

    let mut quote_policy = policy.quote.clone();
    if let Some(loc) = policy.location {
        quote_policy.required_pcrs.push(loc.bank, loc.index);
    }
    let quote = verify_quote(
        provider,
        ak,
        evidence.quote_attest,
        evidence.quote_signature,
        evidence.pcrs,
        nonces.quote,
        &quote_policy,
    )
    .and_then(|q| signed_by_enrolled(q.qualified_signer()).map(|()| q));
    outcomes.push((Check::Quote, outcome(&quote)));

    let location = match (policy.location, evidence.location_log, &quote) {
        (None, _, _) => None,
        (Some(_), None, _) => {
            outcomes.push((
                Check::LocationLog,
                Outcome::Skipped("no location log given"),
            ));
            None
        }
        (Some(_), Some(_), Err(_)) => {
            outcomes.push((
                Check::LocationLog,
                Outcome::Skipped("the quote did not verify"),
            ));
            None
        }
        (Some(loc), Some(log), Ok(q)) => {
            let verified = geo::parse_log(log).and_then(|records| {
                geo::verify_location_records(records, q, loc.index, loc.bank, nonces.quote)
            });
            outcomes.push((Check::LocationLog, outcome(&verified)));
            verified.ok()
        }
    };

    match (evidence.possession, &certification) {
        (None, _) => {}
        (Some(_), Err(_)) => outcomes.push((
            Check::AppKeyPossession,
            Outcome::Skipped("the App Key's certification did not verify"),
        )),
        (Some(proof), Ok(c)) => {
            let key = PublicKey::from_tpm_public(c.certified_key());
            let verified =
                SignatureValue::decode(proof.format, proof.signature, proof.scheme, &key).and_then(
                    |signature| {
                        verify_signature(
                            provider,
                            &key,
                            proof.scheme,
                            proof.message,
                            &signature,
                            &policy.certify.attest.hashes,
                            &policy.certify.app_key,
                        )
                    },
                );
            outcomes.push((Check::AppKeyPossession, outcome(&verified)));
        }
    }

    Appraisal {
        outcomes,
        ek_certified: binding.is_some_and(AkBinding::ek_certified),
        certification: certification.ok(),
        quote: quote.ok(),
        location,
    }
}

fn outcome<T>(r: &Result<T, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome::Passed,
        Err(e) => Outcome::Failed(e.clone()),
    }
}
