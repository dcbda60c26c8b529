//! The AegisSovereignAI PoC formats (compat::sovereign) on the swtpm vectors of
//! testdata/gen/make_poc_vectors.py: round trips, what a verified result holds, and the checks
//! the manifest's vectors do not isolate (each breaks exactly one check).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use aegis_core::compat::read_pcrs;
use aegis_core::compat::sovereign::{
    poc_qualifying_data, AppKeyCertificate, PocLocationLog, PocSensorType, SovereignAttestation,
};
use aegis_core::crypto::default_provider;
use aegis_core::tpm::HashAlg;
use aegis_core::verify::{
    verify_poc_location, verify_quote, verify_sovereign_attestation, AttestationKey, CertifyPolicy,
    KeyPolicy, QuotePolicy,
};
use aegis_core::Error;
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn vector(id: &str) -> Value {
    let m: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
        .clone()
}

fn file(v: &Value, key: &str) -> Vec<u8> {
    std::fs::read(testdata().join(v[key].as_str().unwrap())).unwrap()
}

struct Valid {
    v: Value,
    ak: AttestationKey,
    bundle: SovereignAttestation,
    nonce: String,
}

fn valid() -> Valid {
    let v = vector("poc/valid");
    Valid {
        ak: AttestationKey::from_tpm_public(&file(&v, "ak"), &KeyPolicy::default()).unwrap(),
        bundle: SovereignAttestation::from_json(&file(&v, "bundle")).unwrap(),
        nonce: v["nonce"].as_str().unwrap().to_owned(),
        v,
    }
}

fn certify(t: &Valid, bundle: &SovereignAttestation) -> Result<(), Error> {
    verify_sovereign_attestation(
        default_provider(),
        &t.ak,
        bundle,
        &t.nonce,
        &CertifyPolicy::default(),
    )
    .map(|_| ())
}

/// A document with one member replaced (the JSON edited, then read again).
fn edited(bundle: &SovereignAttestation, key: &str, value: Value) -> SovereignAttestation {
    let mut doc: Value = serde_json::from_str(&bundle.to_json()).unwrap();
    doc[key] = value;
    SovereignAttestation::from_json(doc.to_string().as_bytes()).unwrap()
}

#[test]
fn every_poc_document_round_trips() {
    let m: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    let mut n = 0;
    for v in m["vectors"].as_array().unwrap() {
        if v["kind"] != "poc" {
            continue;
        }
        let raw: Value = serde_json::from_slice(&file(v, "bundle")).unwrap();
        let bundle = SovereignAttestation::from_json(&file(v, "bundle")).unwrap();
        let written: Value = serde_json::from_str(&bundle.to_json()).unwrap();
        // Members other than the certificate (re-encoded without the PoC's white space) are
        // written back as read, the PoC's tpm_signed_attestation included.
        for (key, value) in raw.as_object().unwrap() {
            if key != "app_key_certificate" {
                assert_eq!(&written[key], value, "{}: {key}", v["id"]);
            }
        }
        assert_eq!(
            SovereignAttestation::from_json(bundle.to_json().as_bytes()).unwrap(),
            bundle
        );
        let log = PocLocationLog::from_json(&file(v, "location_log")).unwrap();
        assert_eq!(
            PocLocationLog::from_json(log.to_json().as_bytes()).unwrap(),
            log
        );
        n += 1;
    }
    assert!(n >= 7, "only {n} poc vectors");
}

#[test]
fn a_verified_poc_attestation_names_the_app_key_and_the_current_reading() {
    let t = valid();
    let certified = verify_sovereign_attestation(
        default_provider(),
        &t.ak,
        &t.bundle,
        &t.nonce,
        &CertifyPolicy::default(),
    )
    .unwrap();
    assert_eq!(
        certified.certified_key().to_tpm2b(),
        t.bundle.app_key_tpm_public().unwrap()
    );
    assert_eq!(
        certified.attest().extra_data.as_slice(),
        poc_qualifying_data(t.bundle.app_key_public(), &t.nonce)
    );
    assert_eq!(t.bundle.keylime_agent_uuid().map(str::len), Some(36));

    let mut policy = QuotePolicy::default();
    policy.required_pcrs.push(HashAlg::Sha256, 15);
    let quote = verify_quote(
        default_provider(),
        &t.ak,
        &file(&t.v, "attest"),
        &file(&t.v, "signature"),
        &read_pcrs(&file(&t.v, "pcrs")).unwrap(),
        &hex::decode(&t.nonce).unwrap(),
        &policy,
    )
    .unwrap();
    let log = PocLocationLog::from_json(&file(&t.v, "location_log")).unwrap();
    let location = verify_poc_location(&log, &quote, &t.nonce).unwrap();
    let current = location.current();
    assert_eq!(current.sensor_type(), PocSensorType::Gnss);
    assert_eq!(current.sensor_id(), Some("u-blox-m8"));
    assert_eq!(location.events().len(), 2);
    assert_eq!(
        location.events()[0]
            .geolocation()
            .sensor_imei()
            .map(str::len),
        Some(15)
    );
    assert_eq!(
        verify_poc_location(&log, &quote, "").unwrap_err(),
        Error::EmptyNonce
    );
}

#[test]
fn the_certificate_as_a_json_object_verifies_too() {
    let t = valid();
    let object: Value = serde_json::from_str(&t.bundle.app_key_certificate().to_json()).unwrap();
    let b = edited(&t.bundle, "app_key_certificate", object);
    assert!(
        serde_json::from_str::<Value>(&b.to_json()).unwrap()["app_key_certificate"].is_object()
    );
    certify(&t, &b).unwrap();
}

#[test]
fn the_pem_alone_is_refused_with_a_message_that_says_why() {
    let t = valid();
    let mut doc: Value = serde_json::from_str(&t.bundle.to_json()).unwrap();
    doc.as_object_mut().unwrap().remove("app_key_tpm_public");
    let b = SovereignAttestation::from_json(doc.to_string().as_bytes()).unwrap();
    let e = certify(&t, &b).unwrap_err();
    assert_eq!(e, Error::PocAppKeyPublicMissing);
    assert_eq!(e.code(), 11090);
    assert!(e
        .to_string()
        .contains("its PEM alone cannot be tied to the Name the certify signed"));
}

#[test]
fn the_certificates_own_challenge_nonce_must_be_the_verifiers() {
    let t = valid();
    let c = t.bundle.app_key_certificate();
    let other = AppKeyCertificate::new(c.certify_data(), c.signature(), "00ff").unwrap();
    let b = edited(&t.bundle, "app_key_certificate", other.to_base64().into());
    assert_eq!(certify(&t, &b), Err(Error::PocChallengeMismatch));
}

#[test]
fn the_tpm_public_of_another_key_is_refused_before_the_certify() {
    let t = valid();
    // app_key_tpm_public holds another TPM key (the AK's public area) than the PEM.
    let b = edited(
        &t.bundle,
        "app_key_tpm_public",
        base64_of(&file(&t.v, "ak")).into(),
    );
    assert_eq!(certify(&t, &b), Err(Error::PocAppKeyMismatch));
}

#[test]
fn a_malformed_verifier_nonce_is_a_format_error() {
    let t = valid();
    let e = t.bundle.certify_inputs("xyz").unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { .. }), "{e:?}");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
