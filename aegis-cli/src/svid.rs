//! `aegis svid inspect|verify`: X.509-SVID chains (PEM, the leaf first) decoded to JSON, and
//! verified per the SPIFFE X509-SVID specification against a bundle (aegis_core::svid).

use std::path::PathBuf;

use aegis_core::crypto;
use aegis_core::svid::{self, AttestedClaimsJson, SvidBundle};
use aegis_core::time::UnixTime;
use aegis_core::x509::{Certificate, Profile};
use aegis_core::Result;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::{Files, Outcome, UsageError};

/// `aegis svid ...`.
#[derive(Subcommand, Debug)]
pub enum SvidAction {
    /// Decode every certificate of an X.509-SVID chain (PEM, the leaf first) to JSON: SPIFFE
    /// ID, subject, issuer, validity, key, and the AttestedClaims and CMW extensions decoded.
    /// Verifies nothing: exit 0 when the certificates parse, 1 when one does not.
    Inspect {
        /// The chain: PEM CERTIFICATE blocks, the leaf first.
        chain: PathBuf,
    },
    /// Verify an X.509-SVID chain per the SPIFFE X509-SVID specification against --bundle at
    /// --time (and --trust-domain): exit 0 valid, 1 invalid, 2 usage.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The trust bundle: PEM CA certificates of the trust domain(s).
    #[arg(long, value_name = "PEM")]
    bundle: PathBuf,
    /// Accept only SVIDs of this trust domain (the one the bundle is for).
    #[arg(long, value_name = "NAME")]
    trust_domain: Option<String>,
    /// The verification time, seconds since the epoch (default: now).
    #[arg(long, value_name = "UNIX")]
    time: Option<u64>,
    /// The chain: PEM CERTIFICATE blocks, the leaf first.
    chain: PathBuf,
}

/// Runs `aegis svid ...`.
pub fn run(action: &SvidAction, files: Files) -> std::result::Result<Outcome, UsageError> {
    match action {
        SvidAction::Inspect { chain } => {
            let certs = match svid::pem_certificates(&files.read(chain)?) {
                Ok(c) => c,
                Err(e) => return Ok(Outcome::Invalid(e)),
            };
            let mut out = Vec::new();
            for der in &certs {
                match Certificate::from_der(der, Profile::Spiffe) {
                    Ok(cert) => out.push(certificate_json(&cert)),
                    Err(e) => return Ok(Outcome::Invalid(e)),
                }
            }
            Ok(Outcome::Decoded(json!({ "certificates": out })))
        }
        SvidAction::Verify(args) => {
            let mut bundle = SvidBundle::from_pem(&files.read(&args.bundle)?)
                .map_err(|e| UsageError(format!("--bundle: {e}")))?;
            if let Some(td) = &args.trust_domain {
                bundle
                    .set_trust_domain(td)
                    .map_err(|e| UsageError(format!("--trust-domain: {e}")))?;
            }
            let certs = match svid::pem_certificates(&files.read(&args.chain)?) {
                Ok(c) => c,
                Err(e) => return Ok(Outcome::Invalid(e)),
            };
            let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
            let time = args.time.map_or_else(UnixTime::now, UnixTime::from_secs);
            Ok(
                match svid::verify_svid(crypto::default_provider(), &chain, &bundle, time) {
                    Ok(v) => {
                        let mut out = v.to_json();
                        if let Some(m) = out.as_object_mut() {
                            m.insert("time".into(), time.as_secs().into());
                            m.insert("leaf".into(), leaf_json(v.leaf()));
                        }
                        Outcome::Valid(out)
                    }
                    Err(e) => Outcome::Invalid(e),
                },
            )
        }
    }
}

fn error_json(e: &aegis_core::Error) -> Value {
    json!({"error": {"code": e.code(), "name": e.name(), "message": e.to_string()}})
}

/// A value, or the error that stopped it, as JSON.
fn or_error<T>(r: Result<T>, f: impl FnOnce(T) -> Value) -> Value {
    r.map_or_else(|e| error_json(&e), f)
}

fn claims_json(c: &AttestedClaimsJson) -> Value {
    Value::Object(c.to_object())
}

/// The leaf without its extensions (printed decoded beside it).
fn leaf_json(cert: &Certificate) -> Value {
    let mut v = certificate_json(cert);
    if let Some(m) = v.as_object_mut() {
        m.remove("extensions");
    }
    v
}

fn certificate_json(cert: &Certificate) -> Value {
    let (not_before, not_after) = cert.validity();
    let extension = |oid, decode: fn(&[u8]) -> Value| cert.extension_value(oid).map(decode);
    json!({
        "subject": cert.subject(),
        "issuer": cert.issuer(),
        "serial": hex::encode(cert.serial()),
        "not_before": not_before.as_secs(),
        "not_after": not_after.as_secs(),
        "spiffe_id": or_error(cert.spiffe_id(), |id| json!(id.as_str())),
        "key": or_error(cert.public_key().cloned(), |k| json!({
            "jwk": k.to_jwk().ok().and_then(|j| serde_json::from_str::<Value>(&j).ok()),
            "jkt": k.jwk_thumbprint_b64().ok(),
        })),
        "extensions": {
            "attested_claims": extension(aegis_core::keys::oid::ATTESTED_CLAIMS, |v| {
                or_error(svid::decode_attested_claims(v), |c| claims_json(&c))
            }),
            "cmw": extension(aegis_core::keys::oid::ID_PE_CMW, |v| {
                or_error(svid::decode_cmw(v), |c| c.to_json())
            }),
        },
    })
}
