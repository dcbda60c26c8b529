//! `aegis demo` / `make demo`: the whole sovereign attestation flow through the public APIs of
//! aegis-agent (host side) and aegis-core (verifier side), on a TPM (tss backend, any TCTI) or
//! on the INSECURE software backend.
//!
//! Agent side and verifier side run in one process, but talk only through the bytes each side
//! would send the other: the verifier never looks at the agent's keys or state.
//!
//! 1. Enrolment: read the EK and its certificate (NV index), check the certificate against the
//!    manufacturer CA files given; create an AK; the verifier runs MakeCredential to the EK for
//!    the AK's Name, the TPM runs ActivateCredential, the verifier compares (AK bound to EK).
//! 2. App Key: created in the TPM, certified by the AK over a fresh verifier nonce, verified.
//! 3. Location: a reading (a JSON file, or the fixed sample reading, labelled as such) is bound
//!    to a fresh attestation nonce, appended to the append-only event log, extended into PCR 15.
//! 4. Quote of PCR 15 with that nonce.
//! 5. The App Key signs a proof inside the TPM (as a DPoR/DPoG JWT would be signed).
//! 6. The verifier appraises it all with aegis-core's `appraise` (AK binding, certify, quote,
//!    location log replay, App Key possession).
//!
//! The report says what was proved and what was not; aegis-core decides both.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aegis_agent::backend::software::SoftwareTpm;
use aegis_agent::backend::tss::TssBackend;
use aegis_agent::backend::{AkSpec, AppKeySpec, KeyAlg, TpmBackend, TpmKey};
use aegis_agent::{record_location, LocationLogFile, TpmSigner};
use aegis_core::appraise::result::AttestationResult;
use aegis_core::appraise::result::{
    appraise_bundle, ResultContext, ResultPolicy, TrustAnchors, LOCATION, PLATFORM, WORKLOAD_KEY,
};
use aegis_core::appraise::{
    appraise, AppraisalPolicy, Evidence, EvidenceBundle, LocationPcr, Nonces, Outcome,
    PossessionProof, BOOT_STATE_NOT_APPRAISED,
};
use aegis_core::crypto::{
    default_provider, CryptoProvider, KeySpec, PrivateKey, SignatureFormat, SignatureScheme,
    Signer, SoftwareSigner,
};
use aegis_core::ear::{self, Dialect, Status, VerifierId, VerifyOptions};
use aegis_core::ear::{GeoClaims, TokenFormat};
use aegis_core::ek::{trim_nv_certificate, verify_ek_certificate, EkTrustStore, VerifiedEk};
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::geo::{self, LocationEvent, SensorType};
use aegis_core::keys::PublicKey;
use aegis_core::svid::claims::AttestedClaims;
use aegis_core::svid::gateway::{decide_chain, GatewayContext, GatewayPolicy};
use aegis_core::svid::{
    encode_attested_claims, encode_cmw_ear, issue_svid, issue_svid_ca, verify_svid, SpiffeId,
    SvidBundle, SvidTemplate,
};
use aegis_core::time::UnixTime;
use aegis_core::token::{
    self, Location, MemoryReplayCache, ProofKind, ProofPolicy, ProofRequest, Residency,
};
use aegis_core::tpm::{EccCurve, HashAlg, KeyParms, PcrSelection};
use aegis_core::verify::{
    ActivationChallenge, AkBinding, AttestationKey, EkEndorsement, KeyPolicy,
};
use aegis_core::x509::{Certificate, Profile};
use base64::Engine;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};

/// Command-line arguments of `aegis demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// TCTI of the TPM: swtpm:host=127.0.0.1,port=P, device:/dev/tpmrm0, tabrmd.
    #[arg(
        long,
        value_name = "TCTI",
        conflicts_with = "software",
        required_unless_present = "software"
    )]
    pub tcti: Option<String>,
    /// Use the INSECURE in-memory software TPM (no hardware; its EK has no manufacturer chain).
    #[arg(long)]
    pub software: bool,
    /// A manufacturer root CA certificate (PEM or DER) for the EK certificate check; repeatable.
    /// For `scripts/swtpm.sh`: DIR/ca/swtpm-localca-rootca-cert.pem.
    #[arg(long = "ek-root", value_name = "FILE")]
    pub ek_roots: Vec<PathBuf>,
    /// An intermediate CA certificate (PEM or DER) of the EK chain; repeatable.
    /// For `scripts/swtpm.sh`: DIR/ca/issuercert.pem.
    #[arg(long = "ek-intermediate", value_name = "FILE")]
    pub ek_intermediates: Vec<PathBuf>,
    /// The location reading: a JSON file holding one location event (FORMATS.md). Default: a
    /// fixed sample reading, labelled as such.
    #[arg(long, value_name = "FILE")]
    pub location: Option<PathBuf>,
    /// The append-only location event log. Default: a new file in the temp directory.
    #[arg(long, value_name = "FILE")]
    pub event_log: Option<PathBuf>,
    /// The PCR the location evidence is extended into.
    #[arg(long, default_value_t = geo::DEFAULT_LOCATION_PCR)]
    pub pcr: u8,
    /// App Key type.
    #[arg(long, value_enum, default_value_t = KeyChoice::EccP256)]
    pub app_key: KeyChoice,
    /// AK type (ECDSA-SHA256 for ECC, RSASSA-SHA256 for RSA).
    #[arg(long, value_enum, default_value_t = KeyChoice::EccP256)]
    pub ak: KeyChoice,
    /// The geofence policy (docs/geofence-policy.md) the attestation result applies, with its
    /// PCR reference values. Without it the result has no geofence check.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Write what the flow exchanged into this directory: the evidence bundle, the enrolment
    /// record, the EAR and the verifier's public key (docs/evidence-bundle.md).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// A key type choice on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeyChoice {
    EccP256,
    Rsa2048,
}

/// Which TPM the demo uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// A TPM through tss-esapi at this TCTI.
    Tcti(String),
    /// The INSECURE software backend.
    SoftwareInsecure,
}

/// Where the location reading comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocationSource {
    /// The fixed sample reading ([`LocationEvent::sample`]), labelled as a sample.
    Sample,
    /// A JSON file holding one location event.
    File(PathBuf),
}

/// Everything [`run`] needs.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub backend: BackendChoice,
    /// Manufacturer root CA certificates (PEM or DER) for the EK certificate check.
    pub ek_roots: Vec<PathBuf>,
    /// Intermediate CA certificates (PEM or DER) of the EK chain.
    pub ek_intermediates: Vec<PathBuf>,
    pub location: LocationSource,
    /// The event log file; `None`: a new file in the temp directory.
    pub event_log: Option<PathBuf>,
    pub pcr: u8,
    /// The AK, and in `ak.ek` the EK it is created under and enrolled through.
    pub ak: AkSpec,
    pub app_key: AppKeySpec,
    /// The geofence policy file.
    pub policy: Option<PathBuf>,
    /// Where to write the exchanged artefacts.
    pub out: Option<PathBuf>,
}

impl DemoOptions {
    /// The options `aegis demo` arguments describe.
    pub fn from_args(a: &DemoArgs) -> Self {
        let backend = match (&a.tcti, a.software) {
            (Some(t), _) => BackendChoice::Tcti(t.clone()),
            (None, _) => BackendChoice::SoftwareInsecure,
        };
        let ak = match a.ak {
            KeyChoice::EccP256 => AkSpec::default(),
            KeyChoice::Rsa2048 => AkSpec::rsa(),
        };
        let app_alg = match a.app_key {
            KeyChoice::EccP256 => KeyAlg::EccP256,
            KeyChoice::Rsa2048 => KeyAlg::Rsa2048,
        };
        DemoOptions {
            backend,
            ek_roots: a.ek_roots.clone(),
            ek_intermediates: a.ek_intermediates.clone(),
            location: a
                .location
                .clone()
                .map_or(LocationSource::Sample, LocationSource::File),
            event_log: a.event_log.clone(),
            pcr: a.pcr,
            ak,
            app_key: AppKeySpec {
                alg: app_alg,
                persist_at: None,
            },
            policy: a.policy.clone(),
            out: a.out.clone(),
        }
    }
}

/// One step of the flow and its outcome.
#[derive(Clone, Debug)]
pub struct Step {
    pub name: &'static str,
    /// Whether the step's check passed.
    pub ok: bool,
    pub detail: String,
    pub elapsed: Duration,
}

/// What the demo did, proved and did not prove.
#[derive(Clone, Debug)]
pub struct DemoReport {
    pub backend: String,
    pub hardware_protected: bool,
    pub steps: Vec<Step>,
    pub proved: Vec<String>,
    pub not_proved: Vec<String>,
    /// Attestation latency: certify + location extend + quote + all verification.
    pub attestation_latency: Duration,
    pub total: Duration,
    pub event_log: PathBuf,
}

impl DemoReport {
    /// Whether every check passed (on a hardware TPM with a trusted EK certificate).
    pub fn all_ok(&self) -> bool {
        self.steps.iter().all(|s| s.ok)
    }

    /// The report as JSON (what `aegis demo` prints on stdout).
    pub fn to_json(&self) -> Value {
        json!({
            "backend": self.backend,
            "hardware_protected": self.hardware_protected,
            "all_checks_passed": self.all_ok(),
            "steps": self.steps.iter().map(|s| json!({
                "step": s.name, "ok": s.ok, "detail": s.detail, "ms": ms(s.elapsed),
            })).collect::<Vec<_>>(),
            "proved": self.proved,
            "not_proved": self.not_proved,
            "attestation_latency_ms": ms(self.attestation_latency),
            "total_ms": ms(self.total),
            "event_log": self.event_log.display().to_string(),
        })
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Aegis demo on {}{}",
            self.backend,
            if self.hardware_protected {
                ""
            } else {
                " -- INSECURE, nothing is hardware-protected"
            }
        )?;
        for s in &self.steps {
            writeln!(
                f,
                "  [{}] {:<28} {:>9.2} ms  {}",
                if s.ok { " ok " } else { "FAIL" },
                s.name,
                ms(s.elapsed),
                s.detail
            )?;
        }
        writeln!(f, "Proved:")?;
        for p in &self.proved {
            writeln!(f, "  + {p}")?;
        }
        writeln!(f, "Not proved:")?;
        for p in &self.not_proved {
            writeln!(f, "  - {p}")?;
        }
        writeln!(
            f,
            "Attestation latency (certify, extend, quote, verify): {:.2} ms; whole demo {:.2} ms",
            ms(self.attestation_latency),
            ms(self.total)
        )?;
        write!(f, "Event log: {}", self.event_log.display())
    }
}

/// Why the demo could not run to the end (a failed check is a step, not an error).
#[derive(Debug)]
pub enum DemoError {
    /// aegis-core refused an operation (backend failure, bad argument).
    Core {
        step: &'static str,
        error: aegis_core::Error,
    },
    /// A file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Core { step, error } => write!(
                f,
                "demo step {step:?} failed: {error} (code {})",
                error.code()
            ),
            DemoError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for DemoError {}

fn at(step: &'static str) -> impl Fn(aegis_core::Error) -> DemoError {
    move |error| DemoError::Core { step, error }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, DemoError> {
    std::fs::read(path).map_err(|error| DemoError::Io {
        path: path.clone(),
        error,
    })
}

fn fresh_nonce(p: &dyn CryptoProvider) -> Result<Vec<u8>, DemoError> {
    let mut n = vec![0u8; 32];
    p.random(&mut n).map_err(at("nonce"))?;
    Ok(n)
}

struct Recorder {
    steps: Vec<Step>,
    last: Instant,
}

impl Recorder {
    fn record(&mut self, name: &'static str, ok: bool, detail: impl Into<String>) {
        let now = Instant::now();
        self.steps.push(Step {
            name,
            ok,
            detail: detail.into(),
            elapsed: now - self.last,
        });
        self.last = now;
    }
    fn restart(&mut self) {
        self.last = Instant::now();
    }
}

/// Runs the demo. See the module documentation.
///
/// The agent side runs through aegis-agent (the backend, the location log, the TPM signer); every
/// verdict comes from aegis-core (the EK certificate check, credential activation, and one
/// [`appraise`] of the attestation). This function only records and prints.
pub fn run(opts: &DemoOptions) -> Result<DemoReport, DemoError> {
    let start = Instant::now();
    let mut backend: Box<dyn TpmBackend> = match &opts.backend {
        BackendChoice::Tcti(t) => Box::new(TssBackend::open(t).map_err(at("open TPM"))?),
        BackendChoice::SoftwareInsecure => {
            Box::new(SoftwareTpm::new_insecure().map_err(at("open software TPM"))?)
        }
    };
    let info = backend.info();
    let p = default_provider();
    let mut rec = Recorder {
        steps: Vec::new(),
        last: start,
    };
    rec.record("open backend", true, info.name);

    // 1. Enrolment: EK, EK certificate, AK, credential activation.
    let ek = backend.read_ek(opts.ak.ek).map_err(at("read EK"))?;
    rec.record(
        "read EK",
        true,
        format!("{:?} EK, Name {}", ek.kind, ek.public.name().to_hex()),
    );
    let endorsement = match check_ek_certificate(p, ek.certificate.as_deref(), &ek.public, opts)? {
        Ok(verified) => {
            rec.record(
                "EK certificate",
                true,
                format!(
                    "trusted: {} issued by {} (chain of {}), TPM manufacturer {}",
                    verified.subject(),
                    verified.issuer(),
                    verified.chain_len(),
                    verified
                        .tpm_identity()
                        .manufacturer
                        .as_deref()
                        .unwrap_or("unknown")
                ),
            );
            EkEndorsement::Certified(verified)
        }
        Err(why) => {
            rec.record("EK certificate", false, why);
            EkEndorsement::Uncertified(ek.public.clone())
        }
    };

    let ak = backend.create_ak(&opts.ak).map_err(at("create AK"))?;
    let vak = AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default())
        .map_err(at("check AK"))?;
    rec.record(
        "create AK",
        true,
        format!(
            "{}, restricted signing key, Name {}",
            ak.public().describe(),
            ak.public().name().to_hex()
        ),
    );
    let (challenge, made) =
        ActivationChallenge::new(p, endorsement, &vak).map_err(at("MakeCredential"))?;
    let activated = backend
        .activate_credential(
            &ak,
            opts.ak.ek,
            &made.credential_blob,
            &made.encrypted_secret,
        )
        .map_err(at("ActivateCredential"))?;
    let binding = match challenge.complete(&activated) {
        Ok(binding) => {
            rec.record(
                "credential activation",
                true,
                "the TPM holding the EK recovered the secret made for this AK's Name",
            );
            Some(binding)
        }
        Err(e) => {
            rec.record("credential activation", false, format!("refused: {e}"));
            None
        }
    };

    // 2. App Key, certified over a fresh verifier nonce.
    let app = backend
        .create_app_key(&opts.app_key)
        .map_err(at("create App Key"))?;
    rec.record(
        "create App Key",
        true,
        format!(
            "{}, fixedTPM, fixedParent, sensitiveDataOrigin",
            app.public().describe()
        ),
    );
    rec.restart();
    let attest_start = Instant::now();
    // One fresh verifier nonce for the certification, the location event and the quote (the
    // evidence bundle carries one nonce: docs/evidence-bundle.md).
    let nonce = fresh_nonce(p)?;
    let certified = backend.certify(&app, &ak, &nonce).map_err(at("certify"))?;
    rec.record("TPM2_Certify", true, "the AK certified the App Key");

    // 3. Location reading -> event log -> PCR.
    let (event, sample) = match &opts.location {
        // The fixed sample reading, stamped now so that a geofence's age rule can pass.
        // It is given as a GNSS sensor's reading so that the DPoG step has a quality to claim;
        // every line of the report still marks it as the sample.
        LocationSource::Sample => (
            LocationEvent {
                sensor_type: SensorType::Gnss,
                sensor_id: "aegis-fixed-sample-gnss".to_owned(),
                time: UnixTime::now().as_secs(),
                ..LocationEvent::sample()
            },
            true,
        ),
        LocationSource::File(path) => {
            let bytes = read(path)?;
            let e: LocationEvent = serde_json::from_slice(&bytes).map_err(|_| DemoError::Core {
                step: "read location",
                error: aegis_core::Error::InvalidFormat {
                    what: "location event JSON",
                },
            })?;
            (e, false)
        }
    };
    let log_path = match &opts.event_log {
        Some(path) => path.clone(),
        None => {
            let n = hex::encode(fresh_nonce(p)?.get(..6).unwrap_or_default());
            std::env::temp_dir().join(format!("aegis-demo-location-{n}.log"))
        }
    };
    let mut log = LocationLogFile::open(&log_path).map_err(at("open event log"))?;
    let quality = sensor_quality(&event);
    let recorded = record_location(
        backend.as_mut(),
        &mut log,
        opts.pcr,
        HashAlg::Sha256,
        event,
        &nonce,
    )
    .map_err(at("record location"))?;
    let record = &recorded.record;
    let restarted = match &recorded.archived_log {
        Some(old) => format!(
            "; the TPM was reset since the log began, so a new log was started (previous one kept at {})",
            old.display()
        ),
        None => String::new(),
    };
    rec.record(
        "location -> PCR",
        true,
        format!(
            "{} reading ({}, {}) +/- {} m{}; extended into PCR {} (sha256){restarted}",
            serde_json::to_value(record.event().sensor_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            record.event().latitude,
            record.event().longitude,
            record.event().accuracy_m,
            if sample {
                " [FIXED SAMPLE READING, not a measurement]"
            } else {
                ""
            },
            opts.pcr
        ),
    );

    // 4. Quote with the same nonce: the boot PCRs 0-7 (for the policy's reference values) and
    //    the location PCR.
    let mut quoted: Vec<u8> = (0..8).collect();
    if !quoted.contains(&opts.pcr) {
        quoted.push(opts.pcr);
    }
    let sel = PcrSelection::new(&[(HashAlg::Sha256, &quoted)]).map_err(at("PCR selection"))?;
    let quote = backend.quote(&ak, &sel, &nonce).map_err(at("quote"))?;
    rec.record(
        "TPM2_Quote",
        true,
        format!("PCRs 0-7 and {} (sha256)", opts.pcr),
    );

    // 5. The App Key signs a proof inside the TPM (what a DPoR/DPoG JWT signature is).
    let message = format!("aegis-demo-proof.{}", hex::encode(&nonce));
    let scheme = match app.public().parms {
        KeyParms::Ecc(_) => SignatureScheme::Ecdsa(HashAlg::Sha256),
        KeyParms::Rsa(_) => SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
    };
    // What the agent sends: the signature as JWS carries it (raw r||s, or the RSA bytes).
    let signature = {
        let signer =
            TpmSigner::new(backend.as_mut(), app.clone(), scheme).map_err(at("App Key signer"))?;
        signer
            .sign_digest(&scheme.hash().digest(message.as_bytes()))
            .and_then(|v| v.encode(SignatureFormat::Raw, scheme, signer.public_key()))
            .map_err(at("sign with App Key"))?
    };
    rec.record("App Key signs", true, "TPM2_Sign with the App Key");

    // 6. The verifier appraises what the agent sent; the demo only reports the outcome.
    let log_bytes = read(&log_path)?;
    let evidence = Evidence {
        app_key: &app.public().to_tpm2b(),
        certify_attest: &certified.attest,
        certify_signature: &certified.signature,
        quote_attest: &quote.attest,
        quote_signature: &quote.signature,
        pcrs: &quote.pcrs,
        location_log: Some(&log_bytes),
        possession: Some(PossessionProof {
            message: message.as_bytes(),
            scheme,
            signature: &signature,
            format: SignatureFormat::Raw,
        }),
    };
    let policy = AppraisalPolicy {
        location: Some(LocationPcr {
            index: opts.pcr,
            bank: HashAlg::Sha256,
        }),
        ..AppraisalPolicy::default()
    };
    let nonces = Nonces {
        certify: &nonce,
        quote: &nonce,
    };
    let appraisal = appraise(p, &vak, binding.as_ref(), &evidence, &nonces, &policy);
    rec.record(
        "appraise (aegis-core)",
        appraisal.passed(),
        format!("{} checks", appraisal.outcomes().len()),
    );
    for (check, outcome) in appraisal.outcomes() {
        match outcome {
            Outcome::Passed => rec.record(check.name(), true, check.establishes()),
            Outcome::Failed(e) => rec.record(
                check.name(),
                false,
                format!("refused: {e} (code {})", e.code()),
            ),
            Outcome::Skipped(why) => rec.record(check.name(), false, format!("not checked: {why}")),
        }
    }

    // 7. The attestation result: the evidence as one bundle, appraised with the EK certificate,
    //    the PCR reference values, the jurisdiction and the geofence, then signed as an EAR by
    //    a verifier key and verified back as a relying party would.
    let bundle = EvidenceBundle {
        nonce: nonce.clone(),
        ek_certificate: ek
            .certificate
            .as_deref()
            .map(|c| trim_nv_certificate(c).to_vec()),
        ek_chain: opts
            .ek_intermediates
            .iter()
            .map(|path| read(path).map(|b| pem_or_der(&b)))
            .collect::<Result<_, _>>()?,
        ak_public: ak.public().to_tpm2b(),
        app_key_public: app.public().to_tpm2b(),
        certify_attest: certified.attest.clone(),
        certify_signature: certified.signature.clone(),
        quote_attest: quote.attest.clone(),
        quote_signature: quote.signature.clone(),
        pcrs: quote.pcrs.clone(),
        location_log: Some(log_bytes.clone()),
    };
    let geofence = match &opts.policy {
        Some(path) => {
            Some(GeofencePolicy::from_json(&read(path)?).map_err(at("read geofence policy"))?)
        }
        None => None,
    };
    let roots = load_ek_store(opts)?;
    let enrolment = binding.as_ref().map(AkBinding::enrolment_record);
    let restored = enrolment.as_ref().map(AkBinding::from_enrolment_record);
    let result_policy = ResultPolicy {
        appraisal: policy.clone(),
        require_ek_certificate: !opts.ek_roots.is_empty(),
        geofence,
        policy_ids: opts
            .policy
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        ..ResultPolicy::default()
    };
    let now = UnixTime::now();
    let result = appraise_bundle(
        p,
        &bundle,
        &TrustAnchors {
            ek_roots: Some(&roots),
            enrolment: restored.as_ref(),
        },
        &result_policy,
        &ResultContext {
            nonce: &nonce,
            now,
            network_verified: false,
        },
    )
    .map_err(at("appraise bundle"))?;
    for (name, submod) in result.submods() {
        let failed: Vec<String> = submod
            .failures()
            .map(|(check, e)| format!("{check}: {e} (code {})", e.code()))
            .collect();
        rec.record(
            submod_step(name),
            submod.status == Status::Affirming,
            if failed.is_empty() {
                submod.status.name().to_owned()
            } else {
                format!("{}: {}", submod.status.name(), failed.join("; "))
            },
        );
    }
    let verifier_key =
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).map_err(at("verifier key"))?;
    let verifier_signer = SoftwareSigner::new(
        p,
        verifier_key.clone_key(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .map_err(at("verifier signer"))?;
    let jwt = result
        .sign_jwt(
            &verifier_signer,
            Dialect::Ietf04,
            VerifierId::aegis(),
            now,
            now.saturating_add(300),
        )
        .map_err(at("sign EAR"))?;
    rec.record(
        "EAR signed",
        true,
        format!("ES256 JWT, {} bytes, valid 300 s", jwt.len()),
    );
    let mut ear_options = VerifyOptions::new(verifier_key.public_key(), now);
    ear_options.nonce = Some(&nonce);
    let verified_ear = ear::verify_jwt(p, jwt.as_bytes(), &ear_options);
    rec.record(
        "EAR verified (relying party)",
        verified_ear.is_ok(),
        match &verified_ear {
            Ok(v) => format!(
                "signature, exp, nonce and status rule hold; status {}",
                v.ear().status.unwrap_or_default().name()
            ),
            Err(e) => format!("refused: {e} (code {})", e.code()),
        },
    );
    // 7. A gateway's view: a DPoG proof signed by the App Key inside the TPM, checked against
    //    the EAR that names the key; its replay and a proof by another key are refused.
    let geo = result.submod(LOCATION).map(|l| l.geo.clone());
    let dpog_attempted = verified_ear.is_ok() && quality.is_some();
    let dpog = match (&verified_ear, geo.as_ref(), quality) {
        (Ok(verified), Some(geo), Some(quality)) if geo.country.is_some() => gateway_proof_steps(
            &mut rec,
            backend.as_mut(),
            &app,
            verified,
            geo,
            quality,
            now,
        )?,
        _ => None,
    };
    // 8. The agent's X.509-SVID carrying the result, as Aegis's SPIRE CredentialComposer makes
    //    it, checked as a SPIFFE SVID and decided on by a gateway.
    let svid = svid_steps(
        &mut rec,
        &app,
        &result,
        record.event(),
        &jwt,
        verifier_key.public_key(),
        now,
    )?;
    if let Some(dir) = &opts.out {
        let public_pem = pem(
            "PUBLIC KEY",
            &verifier_key
                .public_key()
                .to_spki_der()
                .map_err(at("verifier public key"))?,
        );
        let (svid_pem, svid_bundle_pem) = svid.as_ref().map_or_else(Default::default, |s| {
            (pem("CERTIFICATE", &s.leaf), pem("CERTIFICATE", &s.ca))
        });
        let files: [(&str, Vec<u8>); 8] = [
            ("bundle.json", bundle.to_json()),
            (
                "enrolment.json",
                enrolment
                    .map(|r| r.to_json())
                    .unwrap_or_default()
                    .into_bytes(),
            ),
            ("nonce.hex", hex::encode(&nonce).into_bytes()),
            ("ear.jwt", jwt.clone().into_bytes()),
            ("ear-verifier.pub.pem", public_pem.into_bytes()),
            ("dpog.jwt", dpog.clone().unwrap_or_default().into_bytes()),
            ("svid.pem", svid_pem.into_bytes()),
            ("svid-bundle.pem", svid_bundle_pem.into_bytes()),
        ];
        std::fs::create_dir_all(dir).map_err(|error| DemoError::Io {
            path: dir.clone(),
            error,
        })?;
        for (name, bytes) in files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|error| DemoError::Io { path, error })?;
        }
    }
    let attestation_latency = attest_start.elapsed();

    let mut proved: Vec<String> = appraisal
        .established()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut not_proved = appraisal.not_established();
    if sample {
        not_proved.push(
            "where the host is: the reading is the FIXED SAMPLE, not a measurement".to_owned(),
        );
    }
    proved.push(format!(
        "attestation result: {} (EAR signed by the verifier and verified back)",
        result.status().name()
    ));
    if let Some(loc) = result.submod(LOCATION) {
        if let Some(country) = &loc.geo.country {
            proved.push(format!(
                "jurisdiction of the replayed reading: {country}{}",
                loc.geo
                    .subdivision
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            ));
        }
    }
    if opts.policy.is_some() {
        // The attestation result appraised the policy's PCR reference values.
        not_proved.retain(|n| n != BOOT_STATE_NOT_APPRAISED);
    } else {
        not_proved.push(
            "the platform's boot state and the geofence: no policy (--policy) was given".to_owned(),
        );
    }
    if dpog.is_none() {
        not_proved.push(if dpog_attempted {
            "a DPoG proof accepted by a gateway: it refused the App Key's proof (see the steps)"
                .to_owned()
        } else {
            "a DPoG proof: no verified EAR, or no measured reading with a jurisdiction (a static \
             location is configured, not measured, and no proof may present it as one)"
                .to_owned()
        });
    } else {
        proved.push(
            "a DPoG proof signed by the App Key inside the TPM is accepted once by a gateway \
             holding the EAR; its replay and a proof by another key are refused"
                .to_owned(),
        );
    }
    if svid.is_some() {
        proved.push(
            "an X.509-SVID for the App Key carries the attested claims and the signed EAR \
             (AttestedClaims and CMW extensions), verifies as a SPIFFE SVID, and a gateway \
             allows it; its CA is the demo's own, standing in for SPIRE's (make e2e-spire runs \
             the real servers)"
                .to_owned(),
        );
    } else {
        not_proved
            .push("a gateway allowing the App Key's SVID: it denied it (see the steps)".to_owned());
    }
    if !info.hardware_protected {
        not_proved.push("anything about hardware: the software backend keeps every key in process memory (INSECURE)".to_owned());
        for p in &mut proved {
            *p = format!("[software backend, INSECURE: only as far as this process goes] {p}");
        }
    }
    Ok(DemoReport {
        backend: info.name.to_owned(),
        hardware_protected: info.hardware_protected,
        steps: rec.steps,
        proved,
        not_proved,
        attestation_latency,
        total: start.elapsed(),
        event_log: log_path,
    })
}

/// The DPoG `quality` of a reading: its sensor type, or `None` for a configured (static)
/// location, which no proof may present as a measurement.
fn sensor_quality(event: &LocationEvent) -> Option<&'static str> {
    match event.sensor_type {
        SensorType::Gnss => Some("gnss"),
        SensorType::Mobile => Some("mobile"),
        SensorType::Wifi => Some("wifi"),
        SensorType::Ip => Some("ip"),
        SensorType::Static => None,
    }
}

/// The gateway steps: the App Key signs a DPoG proof inside the TPM (the JWS signing input
/// hashed, the digest signed by TPM2_Sign); a gateway holding the verified EAR accepts it once
/// (every RFC 9449 4.3 check, residency, the location against the EAR's geoAR claims), refuses
/// its replay, and refuses a proof by a key the EAR does not name. Returns the accepted proof.
fn gateway_proof_steps(
    rec: &mut Recorder,
    backend: &mut dyn TpmBackend,
    app: &TpmKey,
    ear: &ear::VerifiedEar,
    geo: &GeoClaims,
    quality: &str,
    now: UnixTime,
) -> Result<Option<String>, DemoError> {
    let p = default_provider();
    let location = Location {
        server: None,
        kind: "region".into(),
        country: geo.country.clone(),
        subdivision: geo.subdivision.clone(),
        city: None,
        latitude: None,
        longitude: None,
        quality: quality.into(),
    };
    let (htm, htu) = ("POST", "https://gateway.example/v1/infer");
    let jti = hex::encode(fresh_nonce(p)?);
    let request = ProofRequest {
        htm,
        htu,
        iat: now,
        jti: &jti,
        nonce: None,
        access_token: None,
    };
    let alg = ear::Algorithm::for_key(&PublicKey::from_tpm_public(app.public()))
        .map_err(at("DPoG algorithm"))?;
    let proof = {
        let signer =
            TpmSigner::new(backend, app.clone(), alg.scheme()).map_err(at("App Key signer"))?;
        token::mint_dpog(&signer, &request, &location).map_err(at("mint DPoG"))?
    };
    rec.record(
        "DPoG signed in the TPM",
        true,
        format!(
            "{} JWT by the App Key, {} {htu}, location {} ({quality})",
            alg.jws_name(),
            htm,
            geo.country.as_deref().unwrap_or("?")
        ),
    );
    let policy = ProofPolicy::new(ProofKind::Dpog, htm, htu, now);
    let residency = Residency::Ear { ear, max_age: 300 };
    let cache = MemoryReplayCache::new(1024);
    let accepted = token::verify_proof(p, proof.as_bytes(), &policy, &residency, &cache);
    rec.record(
        "gateway: DPoG accepted",
        accepted.is_ok(),
        match &accepted {
            Ok(v) => format!(
                "signature, htm, htu, iat, jti; the EAR names key {} and is affirming; the \
                 location agrees with the EAR's geoAR claims",
                v.jkt
            ),
            Err(e) => format!("refused: {e} (code {})", e.code()),
        },
    );
    // A replay is only meaningful once the proof was accepted.
    if accepted.is_ok() {
        let replayed = token::verify_proof(p, proof.as_bytes(), &policy, &residency, &cache);
        rec.record(
            "gateway: replay refused",
            matches!(replayed, Err(aegis_core::Error::TokenReplayed)),
            match &replayed {
                Err(e) => format!("{e} (code {})", e.code()),
                Ok(_) => "ACCEPTED a replayed proof".to_owned(),
            },
        );
    }
    // The same request signed by a key outside the TPM: the EAR does not name it.
    let stranger = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256))
        .and_then(|k| SoftwareSigner::new(p, k, SignatureScheme::Ecdsa(HashAlg::Sha256)))
        .map_err(at("stranger key"))?;
    let foreign = token::mint_dpog(
        &stranger,
        &ProofRequest {
            jti: "foreign",
            ..request
        },
        &location,
    )
    .map_err(at("mint foreign DPoG"))?;
    let refused = token::verify_proof(p, foreign.as_bytes(), &policy, &residency, &cache);
    rec.record(
        "gateway: other key refused",
        matches!(refused, Err(aegis_core::Error::TokenKeyNotResident)),
        match &refused {
            Err(e) => format!("{e} (code {})", e.code()),
            Ok(_) => "ACCEPTED a proof by a key the EAR does not name".to_owned(),
        },
    );
    Ok(accepted.ok().map(|_| proof))
}

/// An SVID the demo issued and its CA, both DER.
struct DemoSvid {
    leaf: Vec<u8>,
    ca: Vec<u8>,
}

/// A random certificate serial number: 16 bytes (RFC 5280, 4.1.2.2: at most 20).
fn serial(p: &dyn CryptoProvider) -> Result<Vec<u8>, DemoError> {
    Ok(fresh_nonce(p)?.into_iter().take(16).collect())
}

/// The SVID steps: a CA made here (standing in for the SPIRE server's) issues an X.509-SVID for
/// the App Key with the AttestedClaims (from the result and the reading) and the CMW-wrapped EAR,
/// valid no longer than the EAR (300 s); it is verified as a SPIFFE SVID and a gateway decides on
/// it with its default policy. Returns (SVID, CA) DER when the gateway allows it.
fn svid_steps(
    rec: &mut Recorder,
    app: &TpmKey,
    result: &AttestationResult,
    reading: &LocationEvent,
    ear_jwt: &str,
    ear_key: &PublicKey,
    now: UnixTime,
) -> Result<Option<DemoSvid>, DemoError> {
    let p = default_provider();
    let ca_key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256))
        .and_then(|k| SoftwareSigner::new(p, k, SignatureScheme::Ecdsa(HashAlg::Sha256)))
        .map_err(at("SVID CA key"))?;
    let (from, until) = (now.saturating_sub(60), now.saturating_add(300));
    let ca = issue_svid_ca(
        "aegis-demo.example",
        "Aegis demo CA",
        &serial(p)?,
        from,
        now.saturating_add(86_400),
        &ca_key,
    )
    .map_err(at("SVID CA"))?;
    let ca_cert = Certificate::from_der(&ca, Profile::Spiffe).map_err(at("SVID CA"))?;
    let claims = AttestedClaims::from_result(result, Some(reading))
        .and_then(|c| c.to_json())
        .map_err(at("attested claims"))?;
    let extensions = [
        encode_attested_claims(claims.as_bytes()).map_err(at("AttestedClaims extension"))?,
        encode_cmw_ear(ear_jwt.as_bytes(), TokenFormat::Jwt, Dialect::Ietf04)
            .map_err(at("CMW extension"))?,
    ];
    let id = SpiffeId::parse(&format!(
        "spiffe://aegis-demo.example/spire/agent/aegis/{}",
        hex::encode(app.public().name().as_bytes())
    ))
    .map_err(at("SPIFFE ID"))?;
    let leaf = issue_svid(
        &SvidTemplate {
            spiffe_id: &id,
            public_key: &PublicKey::from_tpm_public(app.public()),
            serial: &serial(p)?,
            not_before: from,
            not_after: until,
            extensions: &extensions,
        },
        &ca_cert,
        &ca_key,
    )
    .map_err(at("issue SVID"))?;
    rec.record(
        "SVID issued",
        true,
        format!(
            "{id}: the App Key, AttestedClaims ({} bytes) and CMW(EAR) extensions, valid until the EAR expires",
            claims.len()
        ),
    );
    let mut bundle = SvidBundle::new();
    bundle.add_der(&ca).map_err(at("SVID bundle"))?;
    let verified = verify_svid(p, &[&leaf], &bundle, now);
    rec.record(
        "SVID verified (SPIFFE)",
        verified.is_ok(),
        match &verified {
            Ok(v) => {
                format!(
                "one SPIFFE ID URI SAN, leaf not a CA, keyUsage digitalSignature, chain to the \
                 bundle; extensions: claims {}, EAR {}",
                if v.attested_claims().is_some() { "present" } else { "MISSING" },
                if v.ear().is_some() { "present" } else { "MISSING" }
            )
            }
            Err(e) => format!("refused: {e} (code {})", e.code()),
        },
    );
    let decision = decide_chain(
        p,
        &[&leaf],
        &bundle,
        &GatewayPolicy::default(),
        &GatewayContext::new(ear_key, now),
    );
    rec.record(
        "gateway: SVID decision",
        decision.allowed(),
        if decision.allowed() {
            let headers: Vec<String> = decision
                .headers()
                .iter()
                .map(|(h, v)| format!("{h}: {v}"))
                .collect();
            format!("allowed; forwards {}", headers.join(", "))
        } else {
            let denials: Vec<String> = decision
                .denials()
                .map(|e| format!("{e} (code {})", e.code()))
                .collect();
            format!("denied: {}", denials.join("; "))
        },
    );
    Ok(decision.allowed().then_some(DemoSvid { leaf, ca }))
}

/// The step name of a submod in the report.
fn submod_step(name: &str) -> &'static str {
    match name {
        PLATFORM => "result: platform",
        WORKLOAD_KEY => "result: workload-key",
        LOCATION => "result: location",
        _ => "result: submod",
    }
}

/// DER as PEM with `label` (RFC 7468: "PUBLIC KEY", 13; "CERTIFICATE", 5).
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER of a certificate file in PEM or DER.
fn pem_or_der(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains("-----BEGIN") {
        return bytes.to_vec();
    }
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .unwrap_or_else(|_| bytes.to_vec())
}

/// The EK trust store of the demo's root and intermediate CA files.
fn load_ek_store(opts: &DemoOptions) -> Result<EkTrustStore, DemoError> {
    let mut store = EkTrustStore::new();
    for path in &opts.ek_roots {
        store
            .add_root(&read(path)?)
            .map_err(at("load EK root CA certificate"))?;
    }
    for path in &opts.ek_intermediates {
        store
            .add_intermediate(&read(path)?)
            .map_err(at("load EK intermediate CA certificate"))?;
    }
    Ok(store)
}

/// The EK certificate check: `Ok(verified)` when trusted, `Err(why)` when not (a refused check,
/// not a failed demo).
fn check_ek_certificate(
    p: &dyn CryptoProvider,
    certificate: Option<&[u8]>,
    ek: &aegis_core::tpm::Public,
    opts: &DemoOptions,
) -> Result<Result<VerifiedEk, String>, DemoError> {
    let Some(raw) = certificate else {
        return Ok(Err("no EK certificate in the TPM's NV index".to_owned()));
    };
    if opts.ek_roots.is_empty() {
        return Ok(Err(
            "not checked: no manufacturer root CA given (--ek-root)".to_owned(),
        ));
    }
    let store = load_ek_store(opts)?;
    Ok(
        verify_ek_certificate(p, trim_nv_certificate(raw), ek, &store, UnixTime::now())
            .map_err(|e| format!("refused: {e} (code {})", e.code())),
    )
}

/// `aegis demo`: runs the demo, prints the readable summary on stderr and returns the JSON
/// report (stdout). Failed checks are in the report; an error means the flow could not finish.
pub fn main(args: &DemoArgs) -> Result<Value, String> {
    let opts = DemoOptions::from_args(args);
    let report = run(&opts).map_err(|e| e.to_string())?;
    eprintln!("{report}");
    Ok(report.to_json())
}
