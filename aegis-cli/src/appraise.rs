//! `aegis appraise`: an evidence bundle appraised into an attestation result and a signed EAR.
//! Every verdict comes from aegis-core (`appraise::appraise_bundle`); this module reads files
//! and prints.

use std::path::PathBuf;

use aegis_core::appraise::result::{appraise_bundle, ResultContext, ResultPolicy, TrustAnchors};
use aegis_core::appraise::{EvidenceBundle, LocationPcr};
use aegis_core::crypto::{CryptoProvider, KeySpec, PrivateKey, SignatureScheme, SoftwareSigner};
use aegis_core::ear::{Dialect, VerifierId};
use aegis_core::ek::EkTrustStore;
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use base64::Engine;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{parse_hex, Files, UsageError};

/// Arguments of `aegis appraise`.
#[derive(Args, Debug)]
pub struct AppraiseArgs {
    /// The evidence bundle (docs/evidence-bundle.md).
    #[arg(long, value_name = "FILE")]
    evidence: PathBuf,
    /// The geofence policy with its PCR reference values (docs/geofence-policy.md).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The nonce this verifier issued for the attestation (hex).
    #[arg(long, value_name = "HEX")]
    nonce: String,
    /// The verifier's private key that signs the EAR (PEM: PKCS#8, SEC 1 or PKCS#1). P-256
    /// signs ES256, P-384 ES384, RSA PS256.
    #[arg(long, value_name = "FILE")]
    signing_key: PathBuf,
    /// The AK's enrolment record from credential activation (docs/evidence-bundle.md). Without
    /// it the AK is not bound to an EK and the result is not affirming.
    #[arg(long, value_name = "FILE")]
    enrolment: Option<PathBuf>,
    /// A manufacturer root CA certificate (PEM or DER) for the EK certificate; repeatable.
    #[arg(long = "ek-root", value_name = "FILE")]
    ek_roots: Vec<PathBuf>,
    /// Accept a platform without an EK certificate (e.g. a TPM whose maker ships none).
    #[arg(long)]
    no_ek_certificate: bool,
    /// The location reading was verified by the mobile network (CAMARA).
    #[arg(long)]
    network_verified: bool,
    /// The PCR of the location evidence (SHA-256 bank).
    #[arg(long, default_value_t = aegis_core::geo::DEFAULT_LOCATION_PCR)]
    location_pcr: u8,
    /// EAR serialization.
    #[arg(long, value_enum, default_value_t = Format::Jwt)]
    format: Format,
    /// EAR claim names: the IETF draft (-04) or veraison/ear's.
    #[arg(long, value_enum, default_value_t = DialectArg::Ietf)]
    dialect: DialectArg,
    /// The time of the appraisal (seconds since the epoch). Default: now.
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// How long the EAR is valid, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    validity: u64,
    /// Also write the EAR here (the JWT text, or the CWT bytes).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// EAR serialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JWS compact (JWT).
    Jwt,
    /// COSE_Sign1 (CWT), printed base64.
    Cwt,
}

/// EAR dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// draft-ietf-rats-ear-04.
    Ietf,
    /// veraison/ear v1.1.3.
    Veraison,
}

/// The scheme a verifier key signs EARs with: ES256, ES384 or PS256.
pub fn ear_scheme(key: &PrivateKey) -> SignatureScheme {
    match key.spec() {
        KeySpec::Ecc(EccCurve::NistP384) => SignatureScheme::Ecdsa(HashAlg::Sha384),
        KeySpec::Ecc(_) => SignatureScheme::Ecdsa(HashAlg::Sha256),
        KeySpec::Rsa { .. } => SignatureScheme::RsaPss(HashAlg::Sha256),
    }
}

/// Runs `aegis appraise`: (the report, whether the status is affirming).
pub fn run(
    args: &AppraiseArgs,
    files: Files,
    provider: &dyn CryptoProvider,
) -> Result<(Value, bool), UsageError> {
    let nonce = parse_hex("--nonce", &args.nonce)?;
    let bundle = EvidenceBundle::from_json(&files.read(&args.evidence)?)?;
    let policy_bytes = files.read(&args.policy)?;
    let geofence = GeofencePolicy::from_json(&policy_bytes)
        .map_err(|e| UsageError(format!("--policy: {e}")))?;
    let key = PrivateKey::from_pem(provider, &files.read(&args.signing_key)?)
        .map_err(|e| UsageError(format!("--signing-key: {e}")))?;
    let signer = SoftwareSigner::new(provider, key.clone_key(), ear_scheme(&key))?;
    let enrolment = match &args.enrolment {
        Some(path) => Some(AkBinding::from_enrolment_record(
            &EnrolmentRecord::from_json(&files.read(path)?)
                .map_err(|e| UsageError(format!("--enrolment: {e}")))?,
        )),
        None => None,
    };
    let mut roots = EkTrustStore::new();
    for path in &args.ek_roots {
        roots
            .add_root(&files.read(path)?)
            .map_err(|e| UsageError(format!("--ek-root {}: {e}", path.display())))?;
    }
    let now = args.time.map_or_else(UnixTime::now, UnixTime::from_secs);
    let mut policy = ResultPolicy {
        require_ek_certificate: !args.no_ek_certificate,
        geofence: Some(geofence),
        policy_ids: vec![format!(
            "sha256:{}",
            hex::encode(Sha256::digest(&policy_bytes))
        )],
        ..ResultPolicy::default()
    };
    policy.appraisal.location = Some(LocationPcr {
        index: args.location_pcr,
        bank: HashAlg::Sha256,
    });
    let anchors = TrustAnchors {
        ek_roots: (!args.ek_roots.is_empty()).then_some(&roots),
        enrolment: enrolment.as_ref(),
    };
    let context = ResultContext {
        nonce: &nonce,
        now,
        network_verified: args.network_verified,
    };
    let result = appraise_bundle(provider, &bundle, &anchors, &policy, &context)?;
    let exp = now.saturating_add(args.validity);
    let dialect = match args.dialect {
        DialectArg::Ietf => Dialect::Ietf04,
        DialectArg::Veraison => Dialect::Veraison,
    };
    let (token_text, token_bytes) = match args.format {
        Format::Jwt => {
            let jwt = result.sign_jwt(&signer, dialect, VerifierId::aegis(), now, exp)?;
            (jwt.clone(), jwt.into_bytes())
        }
        Format::Cwt => {
            let cwt = result.sign_cwt(&signer, dialect, VerifierId::aegis(), now, exp)?;
            (base64::engine::general_purpose::STANDARD.encode(&cwt), cwt)
        }
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &token_bytes)
            .map_err(|e| UsageError(format!("--out {}: {e}", out.display())))?;
    }
    let mut report = result.to_json()?;
    if let Some(map) = report.as_object_mut() {
        map.insert("ear".to_owned(), json!(token_text));
    }
    Ok((
        report,
        result.status() == aegis_core::ear::Status::Affirming,
    ))
}
