//! Walks testdata/manifest.json (vectors made from swtpm by testdata/gen/make_vectors.py) and
//! checks every quote, certify, poc and inspect vector's verdict and error name through every crypto
//! provider, and the X.509-SVID ("svid") and gateway ("gateway") vectors of
//! testdata/gen/make_svid_vectors.py; an unknown kind fails. The C, Python and Go suites walk the
//! same manifest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use aegis_core::compat::read_pcrs;
use aegis_core::compat::sovereign::{PocLocationLog, SovereignAttestation};
use aegis_core::crypto::{all_providers, CryptoProvider};
use aegis_core::ear;
use aegis_core::geo::jurisdiction::resolve;
use aegis_core::geo::{GeofenceContext, GeofencePolicy, LocationEvent};
use aegis_core::inspect::{inspect, Structure};
use aegis_core::keys::PublicKey;
use aegis_core::svid::gateway::{decide_chain, GatewayContext, GatewayPolicy};
use aegis_core::svid::{pem_certificates, verify_svid, SvidBundle};
use aegis_core::time::UnixTime;
use aegis_core::token;
use aegis_core::tpm::{ClockInfo, HashAlg, Name};
use aegis_core::verify::{
    verify_certify, verify_poc_location, verify_quote, verify_sovereign_attestation, AttestPolicy,
    AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use aegis_core::Error;
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read(testdata().join("manifest.json")).expect("testdata/manifest.json");
    let m: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(m["schema"], 1);
    m["vectors"].as_array().unwrap().clone()
}

fn file(v: &Value, key: &str) -> Vec<u8> {
    let rel = v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no {key}", v["id"]));
    std::fs::read(testdata().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn attest_policy(v: &Value) -> AttestPolicy {
    let p = &v["policy"];
    let signer = p["expected_signer"]
        .as_str()
        .map(|h| Name::from_bytes(&hex::decode(h).unwrap()));
    let clock = p
        .get("previous_clock")
        .filter(|c| c.is_object())
        .map(|c| ClockInfo {
            clock: c["clock"].as_u64().unwrap(),
            reset_count: c["reset_count"].as_u64().unwrap() as u32,
            restart_count: c["restart_count"].as_u64().unwrap() as u32,
            safe: c["safe"].as_bool().unwrap_or(true),
        });
    let mut policy = AttestPolicy {
        expected_signer: signer,
        previous_clock: clock,
        ..Default::default()
    };
    policy.allow_sha1(p["allow_sha1"].as_bool().unwrap_or(false));
    policy
}

fn quote_policy(v: &Value, attest: AttestPolicy) -> QuotePolicy {
    let mut policy = QuotePolicy {
        attest,
        ..Default::default()
    };
    if let Some(banks) = v["policy"]["require_pcrs"].as_object() {
        for (bank, indices) in banks {
            let h = HashAlg::from_name(bank).unwrap();
            for i in indices.as_array().unwrap() {
                policy.required_pcrs.push(h, i.as_u64().unwrap() as u8);
            }
        }
    }
    policy
}

/// Runs one quote, certify or poc vector; Ok(()) for a valid verdict.
fn run(provider: &dyn CryptoProvider, v: &Value) -> Result<(), Error> {
    let ak = AttestationKey::from_tpm_public(&file(v, "ak"), &KeyPolicy::default())?;
    let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
    let attest = attest_policy(v);
    match v["kind"].as_str().unwrap() {
        "quote" => verify_quote(
            provider,
            &ak,
            &file(v, "attest"),
            &file(v, "signature"),
            &read_pcrs(&file(v, "pcrs"))?,
            &nonce,
            &quote_policy(v, attest),
        )
        .map(|_| ()),
        // The AegisSovereignAI PoC flow: its certify for the nonce's hex text, the quote, then
        // the PCR 15 log against the quote.
        "poc" => {
            let nonce_hex = v["nonce"].as_str().unwrap();
            let bundle = SovereignAttestation::from_json(&file(v, "bundle"))?;
            let certify = CertifyPolicy {
                attest: attest.clone(),
                ..Default::default()
            };
            verify_sovereign_attestation(provider, &ak, &bundle, nonce_hex, &certify)?;
            let quote = verify_quote(
                provider,
                &ak,
                &file(v, "attest"),
                &file(v, "signature"),
                &read_pcrs(&file(v, "pcrs"))?,
                &nonce,
                &quote_policy(v, attest),
            )?;
            let log = PocLocationLog::from_json(&file(v, "location_log"))?;
            verify_poc_location(&log, &quote, nonce_hex).map(|_| ())
        }
        "certify" => {
            let policy = CertifyPolicy {
                attest,
                ..Default::default()
            };
            verify_certify(
                provider,
                &ak,
                &file(v, "key"),
                &file(v, "attest"),
                &file(v, "signature"),
                &nonce,
                &policy,
            )
            .map(|_| ())
        }
        other => panic!("not a verification kind: {other}"),
    }
}

/// Runs one EAR token vector (testdata/gen/make_ear_vectors.py) through `ear::verify_token`.
fn run_ear(provider: &dyn CryptoProvider, v: &Value) -> Result<(), Error> {
    let key = PublicKey::from_spki(&file(v, "key")).unwrap();
    let nonce = v["nonce"].as_str().map(|n| hex::decode(n).unwrap());
    let algorithms: Vec<ear::Algorithm> = match v["algorithms"].as_array() {
        Some(a) => a
            .iter()
            .map(|n| ear::Algorithm::from_jws_name(n.as_str().unwrap()).unwrap())
            .collect(),
        None => ear::DEFAULT_ALGORITHMS.to_vec(),
    };
    let options = ear::VerifyOptions {
        algorithms: &algorithms,
        nonce: nonce.as_deref(),
        ..ear::VerifyOptions::new(&key, UnixTime::from_secs(v["time"].as_u64().unwrap()))
    };
    ear::verify_token(provider, &file(v, "token"), &options).map(|_| ())
}

/// A "proof" vector: the EAR verified with its key at the vector's time, then the DPoR, DPoG or
/// WPT verified against it with a fresh replay cache (twice for a "replay" vector: the first
/// must pass, the second gives the result).
fn run_proof(provider: &dyn CryptoProvider, v: &Value) -> Result<(), Error> {
    let s = |k: &str| v[k].as_str();
    let now = UnixTime::from_secs(v["time"].as_u64().unwrap());
    let ear_key = PublicKey::from_spki(&file(v, "ear_key")).unwrap();
    let verified_ear = ear::verify_token(
        provider,
        &file(v, "ear"),
        &ear::VerifyOptions::new(&ear_key, now),
    )
    .unwrap();
    let residency = token::Residency::Ear {
        ear: &verified_ear,
        max_age: v["ear_max_age"].as_u64().unwrap(),
    };
    let jwt = file(v, "token");
    let cache = token::MemoryReplayCache::new(64);
    let countries: Option<Vec<&str>> = v["allowed_countries"]
        .as_array()
        .map(|a| a.iter().map(|c| c.as_str().unwrap()).collect());
    let verify = || -> Result<(), Error> {
        match s("proof").unwrap() {
            "wpt" => {
                let policy = token::WptPolicy {
                    wit_jkt: s("wit_jkt"),
                    ..token::WptPolicy::new(s("aud").unwrap(), s("wit").unwrap().as_bytes(), now)
                };
                token::verify_wpt(provider, &jwt, &policy, &residency, &cache).map(|_| ())
            }
            kind => {
                let kind = match kind {
                    "dpor" => token::ProofKind::Dpor,
                    "dpog" => token::ProofKind::Dpog,
                    other => panic!("{}: proof {other}", v["id"]),
                };
                let policy = token::ProofPolicy {
                    nonce: s("nonce"),
                    access_token: s("access_token").map(str::as_bytes),
                    cnf_jkt: s("cnf_jkt"),
                    allowed_countries: countries.as_deref(),
                    ..token::ProofPolicy::new(kind, s("htm").unwrap(), s("htu").unwrap(), now)
                };
                token::verify_proof(provider, &jwt, &policy, &residency, &cache).map(|_| ())
            }
        }
    };
    if v["replay"].as_bool() == Some(true) {
        verify().unwrap_or_else(|e| panic!("{}: first verification: {e}", v["id"]));
    }
    verify()
}

/// An "svid" vector: the chain verified against the bundle (restricted to the vector's trust
/// domain when it names one) at its time; a valid chain's SPIFFE ID, an invalid one's error code
/// and, when the vector gives one, text its message contains.
fn run_svid(provider: &dyn CryptoProvider, v: &Value) -> Result<(), Error> {
    let mut bundle = SvidBundle::from_pem(&file(v, "bundle")).unwrap();
    if let Some(td) = v["trust_domain"].as_str() {
        bundle.set_trust_domain(td).unwrap();
    }
    let certs = pem_certificates(&file(v, "chain")).unwrap();
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let at = UnixTime::from_secs(v["time"].as_u64().unwrap());
    match verify_svid(provider, &chain, &bundle, at) {
        Ok(svid) => {
            assert_eq!(
                svid.spiffe_id().as_str(),
                v["expect"]["spiffe_id"],
                "{}",
                v["id"]
            );
            Ok(())
        }
        Err(e) => {
            assert_eq!(
                u64::from(e.code()),
                v["expect"]["code"].as_u64().unwrap_or(0),
                "{}: {e}",
                v["id"]
            );
            if let Some(detail) = v["expect"]["detail"].as_str() {
                assert!(e.to_string().contains(detail), "{}: {e}", v["id"]);
            }
            Err(e)
        }
    }
}

/// A "gateway" vector: the decision on the chain (no network location verifier) is the
/// expected verdict with exactly the expected denials (name and code, in order) or headers.
/// Returns what differs.
fn run_gateway(provider: &dyn CryptoProvider, v: &Value) -> Option<String> {
    let bundle = SvidBundle::from_pem(&file(v, "bundle")).unwrap();
    let policy = GatewayPolicy::from_json(&file(v, "policy")).unwrap();
    let key = PublicKey::from_spki(&file(v, "ear_key")).unwrap();
    let certs = pem_certificates(&file(v, "chain")).unwrap();
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let ctx = GatewayContext::new(&key, UnixTime::from_secs(v["time"].as_u64().unwrap()));
    let decision = decide_chain(provider, &chain, &bundle, &policy, &ctx);
    let expect = &v["expect"];
    let names: Vec<&str> = decision.denials().map(Error::name).collect();
    let codes: Vec<u32> = decision.denials().map(Error::code).collect();
    let headers = decision.to_json()["headers"].clone();
    let (want_allowed, want_headers) = match expect["verdict"].as_str().unwrap() {
        "allow" => (true, expect["headers"].clone()),
        "deny" => (false, serde_json::json!({})),
        other => panic!("{}: verdict {other}", v["id"]),
    };
    let list = |k: &str| expect.get(k).cloned().unwrap_or(Value::Array(vec![]));
    (decision.allowed() != want_allowed
        || serde_json::json!(names) != list("denials")
        || serde_json::json!(codes) != list("codes")
        || headers != want_headers)
        .then(|| {
            format!(
                "allowed {}, denials {names:?} {codes:?}, headers {headers}",
                decision.allowed()
            )
        })
}

fn expected(v: &Value) -> Option<String> {
    match v["expect"]["verdict"].as_str().unwrap() {
        "valid" => None,
        "invalid" => Some(v["expect"]["error"].as_str().unwrap().to_string()),
        other => panic!("{}: verdict {other}", v["id"]),
    }
}

#[test]
fn every_vector_gets_its_expected_verdict_from_every_provider() {
    let vectors = manifest();
    let mut checked = 0;
    let mut failures = Vec::new();
    for v in &vectors {
        let kind = v["kind"].as_str().unwrap();
        if kind == "geofence" || kind == "bundle" {
            continue; // geofence_vectors_decide_as_expected, tests/bundle.rs
        }
        if kind == "gateway" {
            for p in all_providers() {
                checked += 1;
                if let Some(got) = run_gateway(p, v) {
                    failures.push(format!("{} [{}]: {got}", v["id"], p.name()));
                }
            }
            continue;
        }
        let want = expected(v);
        let outcomes: Vec<(String, Option<String>)> = match kind {
            "quote" | "certify" | "poc" => all_providers()
                .into_iter()
                .map(|p| {
                    (
                        p.name().to_string(),
                        run(p, v).err().map(|e| e.name().to_string()),
                    )
                })
                .collect(),
            "inspect" => {
                let s = v["structure"].as_str().and_then(Structure::from_name);
                vec![(
                    "inspect".into(),
                    inspect(&file(v, "file"), s)
                        .err()
                        .map(|e| e.name().to_string()),
                )]
            }
            "jurisdiction" => {
                let at = |k: &str| v[k].as_f64().unwrap();
                let got = resolve(at("latitude"), at("longitude"), at("accuracy_m"));
                match &got {
                    Ok(r) if serde_json::to_value(r).unwrap() != v["expect"]["resolution"] => {
                        failures.push(format!("{}: resolved to {r:?}", v["id"]));
                    }
                    Err(e) if u64::from(e.code()) != v["expect"]["code"].as_u64().unwrap() => {
                        failures.push(format!("{}: error code {}", v["id"], e.code()));
                    }
                    _ => {}
                }
                vec![("resolve".into(), got.err().map(|e| e.name().to_string()))]
            }
            "ear" => all_providers()
                .into_iter()
                .map(|p| {
                    (
                        p.name().to_string(),
                        run_ear(p, v).err().map(|e| e.name().to_string()),
                    )
                })
                .collect(),
            "proof" => all_providers()
                .into_iter()
                .map(|p| {
                    (
                        p.name().to_string(),
                        run_proof(p, v).err().map(|e| e.name().to_string()),
                    )
                })
                .collect(),
            "svid" => all_providers()
                .into_iter()
                .map(|p| {
                    (
                        p.name().to_string(),
                        run_svid(p, v).err().map(|e| e.name().to_string()),
                    )
                })
                .collect(),
            "ek" => continue, // tests/ek_certificate.rs
            other => panic!("{}: unknown vector kind {other}", v["id"]),
        };
        for (who, got) in outcomes {
            checked += 1;
            if got != want {
                failures.push(format!(
                    "{} [{who}]: expected {want:?}, got {got:?}",
                    v["id"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked >= 60,
        "only {checked} checks: is the manifest complete?"
    );
}

#[test]
fn every_verifier_error_in_the_checklist_has_a_real_tpm_vector() {
    let names: Vec<String> = manifest()
        .iter()
        .filter(|v| !matches!(v["kind"].as_str(), Some("geofence" | "bundle" | "gateway")))
        .filter_map(expected)
        .collect();
    for required in [
        "Truncated",
        "TrailingBytes",
        "UnknownAlgorithm",
        "UnsupportedAttestationType",
        "NullSignature",
        "SignatureSchemeMismatch",
        "HashNotAllowed",
        "HashMismatch",
        "EcdsaScalarOutOfRange",
        "SignatureInvalid",
        "BadMagic",
        "WrongAttestationType",
        "EmptyNonce",
        "NonceMismatch",
        "SignerMismatch",
        "ClockRegression",
        "ClockSafeRegression",
        "SignatureLength",
        "PcrBankNotAllowed",
        "PcrNotInSelection",
        "RequiredPcrMissing",
        "PcrValueMissing",
        "PcrValueSize",
        "PcrDigestMismatch",
        "AkNotRestricted",
        "KeyAttributeMissing",
        "KeyIsDecrypt",
        "KeyNotAllowed",
        "NameMismatch",
        "PocAppKeyPublicMissing",
        "PocAppKeyMismatch",
        "PocChallengeMismatch",
        "LocationLogMismatch",
        "LocationNonceMismatch",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "no vector expects {required}"
        );
    }
}

/// Builders produce byte-identical encodings of what the TPM emitted (issue: round trips on
/// real vectors).
#[test]
fn real_structures_round_trip_byte_for_byte() {
    use aegis_core::tpm::{Attest, Public, Signature};
    let mut n = 0;
    for v in manifest()
        .iter()
        .filter(|v| v["expect"]["verdict"] == "valid")
    {
        if v.get("ak").is_some_and(Value::is_string) {
            let bytes = file(v, "ak");
            let p = Public::parse_any(&bytes).unwrap();
            assert_eq!(p.to_tpm2b(), bytes, "{}", v["id"]);
            let rebuilt = Public::build(
                p.name_alg,
                p.attributes,
                p.auth_policy.clone(),
                p.parms.clone(),
            )
            .unwrap();
            assert_eq!(rebuilt.tpmt_bytes(), p.tpmt_bytes(), "{}", v["id"]);
            n += 1;
        }
        if v.get("attest").is_some_and(Value::is_string) {
            let bytes = file(v, "attest");
            let a = Attest::parse(&bytes).unwrap();
            assert_eq!(a.encode().unwrap(), bytes, "{}", v["id"]);
            n += 1;
        }
        if v.get("signature").is_some_and(Value::is_string) {
            let bytes = file(v, "signature");
            assert_eq!(
                Signature::parse(&bytes).unwrap().encode(),
                bytes,
                "{}",
                v["id"]
            );
            n += 1;
        }
        if v["pcrs"].as_str().is_some_and(|p| p.ends_with(".bin")) {
            let bytes = file(v, "pcrs");
            let values = read_pcrs(&bytes).unwrap();
            assert_eq!(
                read_pcrs(&aegis_core::compat::pcr_file::encode(&values).unwrap()).unwrap(),
                values
            );
            n += 1;
        }
    }
    assert!(n > 40, "only {n} structures round-tripped");
}

/// Item 9 "or its Name": the AK's qualified Name follows from its Name and the EK's
/// (AK created under the RSA EK, a primary key of the endorsement hierarchy).
#[test]
fn expected_signer_can_be_computed_from_the_ak_and_ek_names() {
    let ek = manifest()
        .into_iter()
        .find(|v| v["id"] == "ek/rsa2048")
        .unwrap();
    let ek_name = Name::from_bytes(&hex::decode(ek["ek_name"].as_str().unwrap()).unwrap());
    let ek_qualified = ek_name
        .qualified_under(&Name::of_handle(0x4000_000B))
        .unwrap();
    let v = manifest()
        .into_iter()
        .find(|v| v["id"] == "quote-rsa2048-rsassa-sha256")
        .unwrap();
    let ak_name = Name::from_bytes(&hex::decode(v["ak_name"].as_str().unwrap()).unwrap());
    let ak_qualified = ak_name.qualified_under(&ek_qualified).unwrap();
    assert_eq!(
        ak_qualified.to_hex(),
        v["ak_qualified_name"].as_str().unwrap()
    );
}

/// Every geofence vector (testdata/gen/make_geofence_vectors.py): the policy is refused with
/// the expected JSON path, or the decision has the expected verdict and exactly the expected
/// denials (names and codes, in order). Vectors with `needs_jurisdiction` look the reading up
/// with the offline jurisdiction engine.
#[test]
fn geofence_vectors_decide_as_expected() {
    let mut failures = Vec::new();
    let vectors: Vec<Value> = manifest()
        .into_iter()
        .filter(|v| v["kind"] == "geofence")
        .collect();
    for v in &vectors {
        let id = &v["id"];
        let expect = &v["expect"];
        let policy = GeofencePolicy::from_json(&file(v, "geofence_policy"));
        if expect["verdict"] == "invalid" {
            match policy {
                Err(Error::GeofencePolicyInvalid { path, .. }) if expect["path"] == path => {}
                other => failures.push(format!(
                    "{id}: expected a refusal at {}, got {other:?}",
                    expect["path"]
                )),
            }
            continue;
        }
        let policy = match policy {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{id}: policy refused: {e}"));
                continue;
            }
        };
        let reading = LocationEvent::from_json(&file(v, "location")).unwrap();
        let ctx = GeofenceContext {
            now: UnixTime::from_secs(v["time"].as_u64().unwrap()),
            network_verified: v["network_verified"].as_bool().unwrap(),
        };
        let decision = match policy.evaluate(&reading, &ctx) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{id}: evaluation failed: {e}"));
                continue;
            }
        };
        let got: Vec<(String, u32)> = decision
            .denials()
            .map(|e| (e.name().to_owned(), e.code()))
            .collect();
        let none = Vec::new();
        let want: Vec<(String, u32)> = expect["denials"]
            .as_array()
            .unwrap_or(&none)
            .iter()
            .zip(expect["codes"].as_array().unwrap_or(&none))
            .map(|(n, c)| (n.as_str().unwrap().to_owned(), c.as_u64().unwrap() as u32))
            .collect();
        if decision.verdict().name() != expect["verdict"] || got != want {
            failures.push(format!("{id}: expected {want:?}, got {got:?}"));
        }
        let resolution = decision.to_json()["resolution"].clone();
        if v.get("resolution").is_some_and(|r| *r != resolution) {
            failures.push(format!(
                "{id}: resolution {resolution}, expected {}",
                v["resolution"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} geofence vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    assert!(
        vectors.len() >= 20,
        "only {} geofence vectors",
        vectors.len()
    );
}
