//! AttestedClaims from an attestation result (docs/gateway.md, "From an attestation result"):
//! the swtpm bundle vector `bundle/ecc-geneva` appraised, mapped onto claims, its EAR signed, and
//! the pair decided by the gateway as a composer's SVID would carry them.
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
use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{Dialect, Status, VerifierId};
use aegis_core::ek::EkTrustStore;
use aegis_core::geo::{GeofencePolicy, LocationEvent, SensorType};
use aegis_core::svid::claims::AttestedClaims;
use aegis_core::svid::gateway::{decide, GatewayContext, GatewayInput, GatewayPolicy};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use aegis_core::Error;
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn read(rel: &Value) -> Vec<u8> {
    std::fs::read(testdata().join(rel.as_str().unwrap())).unwrap()
}

/// The `bundle/ecc-geneva` vector appraised as the manifest says, and its time.
fn geneva() -> (AttestationResult, u64) {
    let m: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    let v = m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "bundle/ecc-geneva")
        .unwrap()
        .clone();
    let bundle = EvidenceBundle::from_json(&read(&v["bundle"])).unwrap();
    let enrolment = AkBinding::from_enrolment_record(
        &EnrolmentRecord::from_json(&read(&v["enrolment"])).unwrap(),
    );
    let mut roots = EkTrustStore::new();
    for root in v["ek_roots"].as_array().unwrap() {
        roots.add_root(&read(root)).unwrap();
    }
    let policy = ResultPolicy {
        geofence: Some(GeofencePolicy::from_json(&read(&v["policy"])).unwrap()),
        ..ResultPolicy::default()
    };
    let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
    let now = v["time"].as_u64().unwrap();
    let result = appraise_bundle(
        default_provider(),
        &bundle,
        &TrustAnchors {
            ek_roots: Some(&roots),
            enrolment: Some(&enrolment),
        },
        &policy,
        &ResultContext {
            nonce: &nonce,
            now: UnixTime::from_secs(now),
            network_verified: false,
        },
    )
    .unwrap();
    (result, now)
}

#[test]
fn claims_from_a_result_carry_its_status_app_key_and_reading() {
    let (result, _) = geneva();
    assert_eq!(result.status(), Status::Affirming);
    let c = AttestedClaims::from_result(&result, None).unwrap();
    let t = c.tpm_attestation.as_ref().unwrap();
    assert_eq!(t.status, Some(Status::Affirming));
    let submod = result.submod("workload-key").unwrap();
    let named = submod.verifier_claims.app_key.as_ref().unwrap();
    let key = t.app_key.as_ref().unwrap();
    assert_eq!(key.jkt, named.jkt);
    assert_eq!(key.spki_sha256.as_deref(), Some(named.spki_sha256.as_str()));
    assert_eq!(t.submods.len(), 3);
    let g = c.geolocation.as_ref().unwrap();
    assert_eq!(g.sensor_type, SensorType::Gnss);
    assert_eq!(g.tpm_attested, Some(true));
    assert_eq!(g.country.as_deref(), Some("CH"));
    assert!(g.coordinates.is_some());
    assert!(c.workload.is_none());
    let back = AttestedClaims::from_json(c.to_json().unwrap().as_bytes()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn a_reading_that_is_not_the_attested_one_is_refused() {
    let (result, _) = geneva();
    let other = LocationEvent::sample();
    assert!(matches!(
        AttestedClaims::from_result(&result, Some(&other)),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn the_gateway_allows_claims_and_ear_made_from_one_result() {
    let (result, now) = geneva();
    let p = default_provider();
    let verifier = SoftwareSigner::new(
        p,
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    let t = UnixTime::from_secs(now);
    let ear = result
        .to_ear(VerifierId::aegis(), t, t.saturating_add(3600))
        .sign_jwt(&verifier, Dialect::Ietf04)
        .unwrap();
    let claims = AttestedClaims::from_result(&result, None)
        .unwrap()
        .to_json()
        .unwrap();
    let policy = GatewayPolicy::from_json(br#"{"version": 1, "countries": ["CH"]}"#).unwrap();
    let d = decide(
        p,
        &GatewayInput::from_parts(claims.as_bytes(), ear.as_bytes()),
        &policy,
        &GatewayContext::new(verifier.public_key(), t.saturating_add(5)),
    );
    assert!(d.allowed(), "{:#}", d.to_json());
    assert_eq!(d.to_json()["headers"]["X-Jurisdiction-Country"], "CH");
}
