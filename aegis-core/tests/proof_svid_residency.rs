//! Residency through an X.509-SVID (`token::Residency::Svid`): the proof key named in the
//! AttestedClaims of an SVID the caller verified, each refusal with its own error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::error::Error;
use aegis_core::svid::{
    encode_attested_claims, issue_svid, pem_certificates, verify_svid, SpiffeId, SvidBundle,
    SvidTemplate, VerifiedSvid,
};
use aegis_core::time::UnixTime;
use aegis_core::token::{
    mint_dpog, mint_dpor, verify_proof, Location, MemoryReplayCache, ProofKind, ProofPolicy,
    ProofRequest, Residency,
};
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::x509::{Certificate, Profile};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;
const HTU: &str = "https://api.example.com/v1/data";

fn svid_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/svid")
}

fn p256() -> SoftwareSigner<'static> {
    let p = default_provider();
    let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap()
}

/// An SVID issued by testdata/svid's root for a fresh key, carrying `claims` (if any), verified.
fn svid(claims: Option<&Value>) -> VerifiedSvid {
    let p = default_provider();
    let root_key =
        PrivateKey::from_pem(p, &std::fs::read(svid_dir().join("root.key.pem")).unwrap()).unwrap();
    let root_signer =
        SoftwareSigner::new(p, root_key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let bundle_pem = std::fs::read(svid_dir().join("bundle.pem")).unwrap();
    let root =
        Certificate::from_der(&pem_certificates(&bundle_pem).unwrap()[0], Profile::Spiffe).unwrap();
    let workload = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let extensions: Vec<_> = claims
        .map(|c| encode_attested_claims(c.to_string().as_bytes()).unwrap())
        .into_iter()
        .collect();
    let leaf = issue_svid(
        &SvidTemplate {
            spiffe_id: &SpiffeId::parse("spiffe://example.org/spire/agent/aegis/a1").unwrap(),
            public_key: workload.public_key(),
            serial: &[0x42; 8],
            not_before: UnixTime::from_secs(NOW - 60),
            not_after: UnixTime::from_secs(NOW + 3600),
            extensions: &extensions,
        },
        &root,
        &root_signer,
    )
    .unwrap();
    verify_svid(
        p,
        &[&leaf],
        &SvidBundle::from_pem(&bundle_pem).unwrap(),
        UnixTime::from_secs(NOW),
    )
    .unwrap()
}

fn claims(jkt: &str, status: Option<&str>) -> Value {
    let mut attestation = json!({"app_key": {"jkt": jkt}});
    if let Some(s) = status {
        attestation["status"] = json!(s);
    }
    json!({
        "grc.tpm-attestation": attestation,
        "grc.geolocation": {
            "sensor_type": "gnss", "sensor_id": "gnss-0",
            "jurisdiction-country": "ES", "jurisdiction-subdivision": "ES-CT"
        }
    })
}

fn request(jti: &str) -> ProofRequest<'_> {
    ProofRequest {
        htm: "GET",
        htu: HTU,
        iat: UnixTime::from_secs(NOW),
        jti,
        nonce: None,
        access_token: None,
    }
}

fn verify(token: &str, kind: ProofKind, svid: &VerifiedSvid) -> Result<(), Error> {
    let policy = ProofPolicy::new(kind, "GET", HTU, UnixTime::from_secs(NOW + 1));
    verify_proof(
        default_provider(),
        token.as_bytes(),
        &policy,
        &Residency::Svid { svid },
        &MemoryReplayCache::new(16),
    )
    .map(|_| ())
}

#[test]
fn a_proof_by_the_key_the_svid_claims_name_is_resident() {
    let app = p256();
    let jkt = app.public_key().jwk_thumbprint_b64().unwrap();
    let s = svid(Some(&claims(&jkt, Some("affirming"))));
    verify(
        &mint_dpor(&app, &request("r1")).unwrap(),
        ProofKind::Dpor,
        &s,
    )
    .unwrap();
    // A DPoG whose place is the claims' jurisdiction.
    let place = Location {
        server: None,
        kind: "region".into(),
        country: Some("ES".into()),
        subdivision: Some("ES-CT".into()),
        city: None,
        latitude: None,
        longitude: None,
        quality: "gnss".into(),
    };
    let dpog = mint_dpog(&app, &request("r2"), &place).unwrap();
    verify(&dpog, ProofKind::Dpog, &s).unwrap();
    let elsewhere = Location {
        country: Some("FR".into()),
        subdivision: None,
        ..place.clone()
    };
    let dpog = mint_dpog(&app, &request("r3"), &elsewhere).unwrap();
    assert!(matches!(
        verify(&dpog, ProofKind::Dpog, &s),
        Err(Error::TokenLocationMismatch { field: "country" })
    ));
    // Claims without grc.geolocation vouch for no place.
    let mut no_place = claims(&jkt, Some("affirming"));
    no_place.as_object_mut().unwrap().remove("grc.geolocation");
    let dpog = mint_dpog(&app, &request("r4"), &place).unwrap();
    assert!(matches!(
        verify(&dpog, ProofKind::Dpog, &svid(Some(&no_place))),
        Err(Error::TokenLocationMismatch {
            field: "grc.geolocation"
        })
    ));
}

#[test]
fn each_svid_residency_refusal_has_its_error() {
    let app = p256();
    let jkt = app.public_key().jwk_thumbprint_b64().unwrap();
    let proof = mint_dpor(&app, &request("n1")).unwrap();
    let other = p256().public_key().jwk_thumbprint_b64().unwrap();
    let cases: [(Option<Value>, &str); 5] = [
        (None, "TokenKeyNotResident"),
        (
            Some(claims(&other, Some("affirming"))),
            "TokenKeyNotResident",
        ),
        (
            Some(claims(&jkt, Some("contraindicated"))),
            "TokenResidencyNotAffirming",
        ),
        // No EAR stands behind the claims, so they must state the status.
        (Some(claims(&jkt, None)), "TokenResidencyNotAffirming"),
        (
            Some(json!({"grc.tpm-attestation": {"status": "affirming", "app_key": {"jkt": 7}}})),
            "AttestedClaimsInvalid",
        ),
    ];
    for (c, want) in cases {
        let s = svid(c.as_ref());
        let err = verify(&proof, ProofKind::Dpor, &s).unwrap_err();
        assert_eq!(err.name(), want, "{c:?}");
    }
}
