//! Walks the manifest's "bundle" vectors (testdata/gen/make_bundle_vectors.py: evidence bundles
//! made on swtpm, and attacks derived from them) through `appraise_bundle` with every crypto
//! provider, and checks the status, each submod's status, the failed checks and the country;
//! then signs each result as an EAR (JWT and CWT) and verifies it back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use aegis_core::appraise::result::{
    appraise_bundle, AttestationResult, ResultContext, ResultPolicy, TrustAnchors,
};
use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::SoftwareSigner;
use aegis_core::crypto::{all_providers, CryptoProvider, KeySpec, PrivateKey, SignatureScheme};
use aegis_core::ear::{self, Dialect, Status, VerifierId, VerifyOptions};
use aegis_core::ek::EkTrustStore;
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use aegis_core::Error;
use base64::Engine as _;
use serde_json::{json, Value};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn bundle_vectors() -> Vec<Value> {
    let text = std::fs::read(testdata().join("manifest.json")).unwrap();
    let m: Value = serde_json::from_slice(&text).unwrap();
    m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "bundle")
        .cloned()
        .collect()
}

fn read(rel: &Value) -> Vec<u8> {
    std::fs::read(testdata().join(rel.as_str().unwrap())).unwrap()
}

/// The vector's enrolment restored from its record, when it has one.
fn enrolment_of(v: &Value) -> Option<AkBinding> {
    match &v["enrolment"] {
        Value::Null => None,
        path => Some(AkBinding::from_enrolment_record(
            &EnrolmentRecord::from_json(&read(path)).unwrap(),
        )),
    }
}

/// Appraises one vector as the manifest says.
fn appraise_vector(p: &dyn CryptoProvider, v: &Value) -> Result<AttestationResult, Error> {
    appraise_with(p, v, enrolment_of(v).as_ref())
}

/// Appraises one vector's bundle with `enrolment` (a verifier's binding kept between calls).
fn appraise_with(
    p: &dyn CryptoProvider,
    v: &Value,
    enrolment: Option<&AkBinding>,
) -> Result<AttestationResult, Error> {
    let bundle = EvidenceBundle::from_json(&read(&v["bundle"]))?;
    let mut roots = EkTrustStore::new();
    for root in v["ek_roots"].as_array().unwrap() {
        roots.add_root(&read(root)).unwrap();
    }
    let policy = ResultPolicy {
        geofence: Some(GeofencePolicy::from_json(&read(&v["policy"])).unwrap()),
        policy_ids: vec![v["policy"].as_str().unwrap().to_owned()],
        ..ResultPolicy::default()
    };
    let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
    appraise_bundle(
        p,
        &bundle,
        &TrustAnchors {
            ek_roots: Some(&roots),
            enrolment,
        },
        &policy,
        &ResultContext {
            nonce: &nonce,
            now: UnixTime::from_secs(v["time"].as_u64().unwrap()),
            network_verified: v["network_verified"].as_bool().unwrap(),
        },
    )
}

/// The result as the manifest's `expect` states it.
fn observed(r: &AttestationResult) -> Value {
    let submods: serde_json::Map<String, Value> = r
        .submods()
        .iter()
        .map(|(n, s)| ((*n).to_owned(), json!(s.status.name())))
        .collect();
    let failures: Vec<Value> = r
        .failures()
        .map(|(submod, check, e)| {
            json!({"submod": submod, "check": check, "error": e.name(), "code": e.code()})
        })
        .collect();
    let country = r.submod("location").and_then(|l| l.geo.country.clone());
    json!({
        "verdict": "result",
        "status": r.status().name(),
        "submods": submods,
        "failures": failures,
        "country": country,
    })
}

#[test]
fn every_bundle_vector_appraises_as_expected_with_every_provider() {
    let vectors = bundle_vectors();
    assert!(
        vectors.len() >= 10,
        "bundle vectors missing from the manifest"
    );
    let mut failures = Vec::new();
    for v in &vectors {
        for p in all_providers() {
            let got = match appraise_vector(p, v) {
                Ok(r) => observed(&r),
                Err(e) => json!({"verdict": "invalid", "error": e.name(), "code": e.code()}),
            };
            if got != v["expect"] {
                failures.push(format!(
                    "{} [{}]:\n  expected {}\n  got      {}",
                    v["id"],
                    p.name(),
                    v["expect"],
                    got
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A binding kept between appraisals keeps its AK prepared (made once, by the first appraisal):
/// appraising with it again gives the manifest's result again, and a bundle signed by another
/// AK is still appraised with that AK's own key (its signatures verify, its binding fails) without
/// disturbing the next appraisal of the bound agent.
#[test]
fn a_kept_enrolment_appraises_again_as_the_first_time() {
    let vectors = bundle_vectors();
    let by_id = |id: &str| vectors.iter().find(|v| v["id"] == id).unwrap();
    for p in all_providers() {
        for v in vectors.iter().filter(|v| !v["enrolment"].is_null()) {
            let kept = enrolment_of(v).unwrap();
            for round in 0..2 {
                let got = match appraise_with(p, v, Some(&kept)) {
                    Ok(r) => observed(&r),
                    Err(e) => json!({"verdict": "invalid", "error": e.name(), "code": e.code()}),
                };
                assert_eq!(got, v["expect"], "{} round {round} [{}]", v["id"], p.name());
            }
        }
        let (ecc, rsa) = (by_id("bundle/ecc-geneva"), by_id("bundle/rsa-ak-geneva"));
        let kept = enrolment_of(ecc).unwrap();
        assert_eq!(
            observed(&appraise_with(p, ecc, Some(&kept)).unwrap()),
            ecc["expect"]
        );
        // The RSA bundle's signatures verify with its own AK (the signature is checked first:
        // with the kept ECC key they would fail as SignatureSchemeMismatch); what fails is the
        // binding and the pin of the signer under the enrolled EK (item 14), SignerMismatch.
        let other = appraise_with(p, rsa, Some(&kept)).unwrap();
        for (_, check, e) in other.failures() {
            match check {
                "ak-binding" => assert_eq!(e.name(), "AkBindingMismatch"),
                "ek-certificate" => assert_eq!(e.name(), "EkPublicKeyMismatch"),
                "quote" | "app-key-certification" => assert_eq!(e.name(), "SignerMismatch"),
                _ => panic!("unexpected failure {check}: {e}"),
            }
        }
        assert_eq!(other.failures().count(), 5);
        assert_eq!(
            observed(&appraise_with(p, ecc, Some(&kept)).unwrap()),
            ecc["expect"]
        );
    }
}

/// The status rule (FORMATS.md, EAR): each submod's status is the worst tier of its vector and
/// the top status the worst submod's; every result signs as an EAR that verifies back with the
/// same claims, in both serializations, with both providers.
#[test]
fn every_result_signs_as_an_ear_that_verifies_back() {
    for v in bundle_vectors() {
        for p in all_providers() {
            let Ok(result) = appraise_vector(p, &v) else {
                continue;
            };
            let mut worst = Status::None;
            for (_, s) in result.submods() {
                assert_eq!(s.status, s.trust_vector.status(), "{}", v["id"]);
                worst = worst.worse_of(s.status);
            }
            assert_eq!(result.status(), worst);

            let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
            let signer =
                SoftwareSigner::new(p, key.clone_key(), SignatureScheme::Ecdsa(HashAlg::Sha256))
                    .unwrap();
            let now = UnixTime::from_secs(v["time"].as_u64().unwrap());
            let claims = result.to_ear(
                VerifierId {
                    developer: "test".into(),
                    build: "test".into(),
                },
                now,
                now.saturating_add(60),
            );
            let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
            let mut options = VerifyOptions::new(key.public_key(), now);
            options.nonce = Some(&nonce);
            let jwt = claims.sign_jwt(&signer, Dialect::Ietf04).unwrap();
            let back = ear::verify_jwt(p, jwt.as_bytes(), &options).unwrap();
            assert_eq!(back.ear(), &claims, "{}", v["id"]);
            let cwt = claims.sign_cwt(&signer, Dialect::Ietf04).unwrap();
            let back = ear::verify_cwt(p, &cwt, &options).unwrap();
            assert_eq!(back.ear(), &claims, "{}", v["id"]);

            // Signing the result writes its typed verifier claims in place: the same claims,
            // byte for byte, as the EAR's JSON in each dialect.
            for dialect in [Dialect::Ietf04, Dialect::Veraison] {
                let direct = result
                    .sign_jwt(
                        &signer,
                        dialect,
                        claims.verifier_id.clone(),
                        now,
                        now.saturating_add(60),
                    )
                    .unwrap();
                let payload = direct.split('.').nth(1).unwrap();
                let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(payload)
                    .unwrap();
                let expected = serde_json::to_vec(&claims.to_json(dialect).unwrap()).unwrap();
                assert_eq!(
                    String::from_utf8(payload).unwrap(),
                    String::from_utf8(expected).unwrap(),
                    "{} {dialect:?}",
                    v["id"]
                );
                let back = ear::verify_jwt(p, direct.as_bytes(), &options).unwrap();
                assert_eq!(back.ear(), &claims, "{}", v["id"]);
            }
        }
    }
}

/// The workload-key submod names the App Key as a relying party ties a proof to it: the
/// certified key's SPKI SHA-256 and RFC 7638 thumbprint.
#[test]
fn the_result_names_the_app_key() {
    let v = bundle_vectors()
        .into_iter()
        .find(|v| v["id"] == "bundle/ecc-geneva")
        .unwrap();
    let p = all_providers()[0];
    let result = appraise_vector(p, &v).unwrap();
    let bundle = EvidenceBundle::from_json(&read(&v["bundle"])).unwrap();
    let public = aegis_core::tpm::Public::parse_tpm2b(&bundle.app_key_public).unwrap();
    let key = aegis_core::keys::PublicKey::from_tpm_public(&public);
    let named = result
        .submod("workload-key")
        .unwrap()
        .verifier_claims
        .app_key
        .as_ref()
        .unwrap();
    assert_eq!(named.jkt, key.jwk_thumbprint_b64().unwrap());
    assert_eq!(named.spki_sha256, hex::encode(key.spki_sha256().unwrap()));
    assert_eq!(named.name, hex::encode(public.name().as_bytes()));
}

/// An enrolment kept in memory with its EK certificate verified once gives the same result as
/// verifying the chain in the appraisal; an EK certificate of another TPM is refused.
#[test]
fn an_enrolment_certified_once_appraises_alike() {
    use aegis_core::ek::verify_ek_certificate;
    let find = |id: &str| {
        bundle_vectors()
            .into_iter()
            .find(|v| v["id"] == id)
            .unwrap()
    };
    let (geneva, paris) = (find("bundle/ecc-geneva"), find("bundle/outside-geofence"));
    let p = all_providers()[0];
    let verified_ek = |v: &Value| {
        let bundle = EvidenceBundle::from_json(&read(&v["bundle"])).unwrap();
        let record = EnrolmentRecord::from_json(&read(&v["enrolment"])).unwrap();
        let mut store = EkTrustStore::new();
        store.add_root(&read(&v["ek_roots"][0])).unwrap();
        for der in &bundle.ek_chain {
            store.add_intermediate_der(der).unwrap();
        }
        let now = UnixTime::from_secs(v["time"].as_u64().unwrap());
        let ek = verify_ek_certificate(
            p,
            bundle.ek_certificate.as_deref().unwrap(),
            record.ek_public(),
            &store,
            now,
        )
        .unwrap();
        (record, ek)
    };
    let (record, ek) = verified_ek(&geneva);
    let binding = AkBinding::from_enrolment_record_certified(&record, ek).unwrap();
    assert!(binding.ek_certified());
    let (_, other_ek) = verified_ek(&paris);
    assert_eq!(
        AkBinding::from_enrolment_record_certified(&record, other_ek).err(),
        Some(Error::EkPublicKeyMismatch)
    );

    let bundle = EvidenceBundle::from_json(&read(&geneva["bundle"])).unwrap();
    let nonce = hex::decode(geneva["nonce"].as_str().unwrap()).unwrap();
    let policy = ResultPolicy {
        geofence: Some(GeofencePolicy::from_json(&read(&geneva["policy"])).unwrap()),
        policy_ids: vec![geneva["policy"].as_str().unwrap().to_owned()],
        ..ResultPolicy::default()
    };
    let result = appraise_bundle(
        p,
        &bundle,
        &TrustAnchors {
            ek_roots: None,
            enrolment: Some(&binding),
        },
        &policy,
        &ResultContext {
            nonce: &nonce,
            now: UnixTime::from_secs(geneva["time"].as_u64().unwrap()),
            network_verified: false,
        },
    )
    .unwrap();
    assert_eq!(observed(&result), geneva["expect"]);
}
