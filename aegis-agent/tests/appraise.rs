//! aegis-core's appraisal over evidence from the software backend: the whole flow passes, and
//! each broken input fails exactly its own check (and skips what depends on it) while the other
//! checks still run and pass.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_agent::backend::software::SoftwareTpm;
use aegis_agent::backend::{AkSpec, AppKeySpec, EkKind, TpmBackend, TpmKey};
use aegis_agent::{record_location, LocationLogFile, TpmSigner};
use aegis_core::appraise::{
    appraise, Appraisal, AppraisalPolicy, Check, Evidence, LocationPcr, Nonces, Outcome,
    PossessionProof,
};
use aegis_core::crypto::{default_provider, SignatureFormat, SignatureScheme, Signer};
use aegis_core::geo::{self, LocationEvent};
use aegis_core::tpm::{HashAlg, PcrValues};
use aegis_core::verify::{
    ActivationChallenge, AkBinding, AttestationKey, EkEndorsement, KeyPolicy,
};
use aegis_core::Error;

/// Everything an attester sent, owned, so tests can break one part.
struct Sent {
    app_key: Vec<u8>,
    certify: (Vec<u8>, Vec<u8>),
    quote: (Vec<u8>, Vec<u8>),
    pcrs: PcrValues,
    log: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
    certify_nonce: Vec<u8>,
    quote_nonce: Vec<u8>,
}

struct Enrolled {
    ak: AttestationKey,
    binding: AkBinding,
    other_binding: AkBinding,
}

const SCHEME: SignatureScheme = SignatureScheme::Ecdsa(HashAlg::Sha256);

fn bind(tpm: &mut SoftwareTpm, ak: &TpmKey) -> AkBinding {
    let ek = tpm.read_ek(EkKind::Rsa2048).unwrap();
    let vak = AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default()).unwrap();
    let (challenge, made) = ActivationChallenge::new(
        default_provider(),
        EkEndorsement::Uncertified(ek.public),
        &vak,
    )
    .unwrap();
    let secret = tpm
        .activate_credential(
            ak,
            EkKind::Rsa2048,
            &made.credential_blob,
            &made.encrypted_secret,
        )
        .unwrap();
    challenge.complete(&secret).unwrap()
}

fn attest(dir: &std::path::Path) -> (Enrolled, Sent) {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ak = tpm.create_ak(&AkSpec::default()).unwrap();
    let other_ak = tpm.create_ak(&AkSpec::default()).unwrap();
    let binding = bind(&mut tpm, &ak);
    let other_binding = bind(&mut tpm, &other_ak);
    let app = tpm.create_app_key(&AppKeySpec::default()).unwrap();
    let certify_nonce = b"certify-nonce-0123456789".to_vec();
    let c = tpm.certify(&app, &ak, &certify_nonce).unwrap();
    let quote_nonce = b"quote-nonce-0123456789".to_vec();
    let mut log = LocationLogFile::open(&dir.join("location.log")).unwrap();
    record_location(
        &mut tpm,
        &mut log,
        15,
        HashAlg::Sha256,
        LocationEvent::sample(),
        &quote_nonce,
    )
    .unwrap();
    let sel = geo::location_selection(15, HashAlg::Sha256).unwrap();
    let q = tpm.quote(&ak, &sel, &quote_nonce).unwrap();
    let message = b"a DPoR signing input".to_vec();
    let signer = TpmSigner::new(&mut tpm, app.clone(), SCHEME).unwrap();
    let signature = signer
        .sign_digest(&HashAlg::Sha256.digest(&message))
        .unwrap()
        .encode(SignatureFormat::Raw, SCHEME, signer.public_key())
        .unwrap();
    drop(signer);
    let enrolled = Enrolled {
        ak: AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default()).unwrap(),
        binding,
        other_binding,
    };
    let sent = Sent {
        app_key: app.public().to_tpm2b(),
        certify: (c.attest, c.signature),
        quote: (q.attest, q.signature),
        pcrs: q.pcrs,
        log: std::fs::read(dir.join("location.log")).unwrap(),
        message,
        signature,
        certify_nonce,
        quote_nonce,
    };
    (enrolled, sent)
}

fn run(e: &Enrolled, binding: Option<&AkBinding>, s: &Sent) -> Appraisal {
    let evidence = Evidence {
        app_key: &s.app_key,
        certify_attest: &s.certify.0,
        certify_signature: &s.certify.1,
        quote_attest: &s.quote.0,
        quote_signature: &s.quote.1,
        pcrs: &s.pcrs,
        location_log: Some(&s.log),
        possession: Some(PossessionProof {
            message: &s.message,
            scheme: SCHEME,
            signature: &s.signature,
            format: SignatureFormat::Raw,
        }),
    };
    let policy = AppraisalPolicy {
        location: Some(LocationPcr::default()),
        ..AppraisalPolicy::default()
    };
    let nonces = Nonces {
        certify: &s.certify_nonce,
        quote: &s.quote_nonce,
    };
    appraise(
        default_provider(),
        &e.ak,
        binding,
        &evidence,
        &nonces,
        &policy,
    )
}

/// The outcome of every check, by name, for compact assertions.
fn outcomes(a: &Appraisal) -> Vec<(&'static str, Outcome)> {
    a.outcomes()
        .iter()
        .map(|(c, o)| (c.name(), o.clone()))
        .collect()
}

fn all_pass_but(a: &Appraisal, broken: &[(Check, Outcome)]) {
    for (check, outcome) in a.outcomes() {
        let expected = broken
            .iter()
            .find(|(c, _)| c == check)
            .map_or(Outcome::Passed, |(_, o)| o.clone());
        assert_eq!(outcome, &expected, "{}: {:?}", check.name(), outcomes(a));
    }
    assert_eq!(a.passed(), broken.is_empty());
}

#[test]
fn genuine_evidence_passes_every_check() {
    let dir = tempdir();
    let (e, s) = attest(&dir);
    let a = run(&e, Some(&e.binding), &s);
    all_pass_but(&a, &[]);
    assert_eq!(a.outcomes().len(), 5);
    assert_eq!(a.established().len(), 5);
    assert!(a.quote().is_some() && a.certification().is_some() && a.location().is_some());
    assert_eq!(a.location().unwrap().current(), &LocationEvent::sample());
    assert!(a
        .not_established()
        .iter()
        .any(|s| s.contains("EK belongs to a genuine TPM")));
}

#[test]
fn no_binding_or_another_aks_binding_fails_only_the_binding_check() {
    let dir = tempdir();
    let (e, s) = attest(&dir);
    let failed = Outcome::Failed(Error::AkBindingMismatch);
    all_pass_but(&run(&e, None, &s), &[(Check::AkBinding, failed.clone())]);
    all_pass_but(
        &run(&e, Some(&e.other_binding), &s),
        &[(Check::AkBinding, failed)],
    );
}

#[test]
fn a_broken_quote_fails_the_quote_and_skips_the_location_log() {
    let dir = tempdir();
    let (e, mut s) = attest(&dir);
    let n = s.quote.1.len();
    s.quote.1[n - 1] ^= 1;
    all_pass_but(
        &run(&e, Some(&e.binding), &s),
        &[
            (Check::Quote, Outcome::Failed(Error::SignatureInvalid)),
            (
                Check::LocationLog,
                Outcome::Skipped("the quote did not verify"),
            ),
        ],
    );
}

#[test]
fn a_certification_for_another_nonce_fails_it_and_skips_possession() {
    let dir = tempdir();
    let (e, mut s) = attest(&dir);
    s.certify_nonce[0] ^= 1;
    all_pass_but(
        &run(&e, Some(&e.binding), &s),
        &[
            (
                Check::AppKeyCertification,
                Outcome::Failed(Error::NonceMismatch),
            ),
            (
                Check::AppKeyPossession,
                Outcome::Skipped("the App Key's certification did not verify"),
            ),
        ],
    );
}

#[test]
fn a_log_that_does_not_replay_fails_only_the_location_check() {
    let dir = tempdir();
    let (e, mut s) = attest(&dir);
    // Drop the log's only line: an empty log replays to the reset value, not the quoted PCR.
    s.log.clear();
    all_pass_but(
        &run(&e, Some(&e.binding), &s),
        &[(
            Check::LocationLog,
            Outcome::Failed(Error::LocationLogMismatch),
        )],
    );
}

#[test]
fn a_signature_over_another_message_fails_possession() {
    let dir = tempdir();
    let (e, mut s) = attest(&dir);
    s.message.push(b'!');
    all_pass_but(
        &run(&e, Some(&e.binding), &s),
        &[(
            Check::AppKeyPossession,
            Outcome::Failed(Error::SignatureInvalid),
        )],
    );
}

#[test]
fn a_signature_that_does_not_decode_fails_possession() {
    let dir = tempdir();
    let (e, mut s) = attest(&dir);
    s.signature.pop();
    all_pass_but(
        &run(&e, Some(&e.binding), &s),
        &[(
            Check::AppKeyPossession,
            Outcome::Failed(Error::SignatureLength {
                size: 63,
                expected: 64,
            }),
        )],
    );
}

/// A fresh directory for one test's location log, removed when dropped.
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let mut n = [0u8; 8];
    default_provider().random(&mut n).unwrap();
    let dir = std::env::temp_dir().join(format!("aegis-appraise-{}", hex::encode(n)));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// VERIFIER-CHECKS.md item 14: an AK enrolled through an EK is its child, so the certification
/// and the quote must name QN(AK) under that EK. An enrolment record of this AK's Name with
/// another TPM's EK passes the AkBinding check (same AK Name), but neither signer is QN(AK)
/// under that EK: both fail with SignerMismatch (and what depends on them is skipped).
#[test]
fn item14_a_binding_through_another_ek_fails_certify_and_quote_with_signer_mismatch() {
    use aegis_core::verify::EnrolmentRecord;
    let dir = tempdir();
    let (e, s) = attest(&dir);
    let other_ek = SoftwareTpm::new_insecure()
        .unwrap()
        .read_ek(EkKind::Rsa2048)
        .unwrap()
        .public;
    let mut json: serde_json::Value =
        serde_json::from_str(&e.binding.enrolment_record().to_json()).unwrap();
    json["ek_public"] = openssl::base64::encode_block(&other_ek.to_tpm2b()).into();
    let record = EnrolmentRecord::from_json(json.to_string().as_bytes()).unwrap();
    let through_other_ek = AkBinding::from_enrolment_record(&record);
    let mismatch = Outcome::Failed(Error::SignerMismatch);
    all_pass_but(
        &run(&e, Some(&through_other_ek), &s),
        &[
            (Check::AppKeyCertification, mismatch.clone()),
            (Check::Quote, mismatch),
            (
                Check::AppKeyPossession,
                Outcome::Skipped("the App Key's certification did not verify"),
            ),
            (
                Check::LocationLog,
                Outcome::Skipped("the quote did not verify"),
            ),
        ],
    );
    // The same record with the AK's own EK: every check passes.
    all_pass_but(
        &run(
            &e,
            Some(&AkBinding::from_enrolment_record(
                &e.binding.enrolment_record(),
            )),
            &s,
        ),
        &[],
    );
}
