//! A fixed number of full appraisals (benches/appraise.rs `appraisal/<ak>`: `appraise_bundle`
//! plus the ES256 EAR), for load-independent instruction counts under callgrind (a benchmark,
//! not a test):
//!
//! ```text
//! cargo build --release -p aegis-core --example appraise_profile --features native
//! valgrind --tool=callgrind --toggle-collect='*appraise_profile::one*' \
//!     target/release/examples/appraise_profile bundle/ecc-geneva 20
//! ```
//!
//! Arguments: the manifest vector id, the number of appraisals (after one warm-up appraisal
//! that pays the one-time initialisation: the jurisdiction index) and optionally
//! `ek-each-time` (the EK chain verified in every appraisal, `appraisal-ek-chain-each-time`;
//! by default the enrolment holds the verified EK, as in `appraisal/<ak>`). `--toggle-collect`
//! on `one` counts the appraisals only; divide by the count, and compare with the inclusive
//! counts of `crypto::native::NativeKey::verify` and `NativePrivate::sign` (the signature
//! operations) in `callgrind_annotate --inclusive=yes`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::PathBuf;

use aegis_core::appraise::result::{appraise_bundle, ResultContext, ResultPolicy, TrustAnchors};
use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::{
    default_provider, CryptoProvider, KeySpec, PrivateKey, SignatureScheme, SoftwareSigner,
};
use aegis_core::ear::{Dialect, Status, VerifierId};
use aegis_core::ek::{verify_ek_certificate, EkTrustStore};
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use serde_json::Value;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn read(v: &Value) -> Vec<u8> {
    std::fs::read(testdata().join(v.as_str().unwrap())).unwrap()
}

struct Setup {
    bundle_json: Vec<u8>,
    roots: EkTrustStore,
    binding: AkBinding,
    policy: ResultPolicy,
    nonce: Vec<u8>,
    now: UnixTime,
}

/// One counted appraisal.
#[inline(never)]
fn one(p: &dyn CryptoProvider, s: &Setup, signer: &SoftwareSigner, id: &VerifierId) -> String {
    appraise_once(p, s, signer, id)
}

fn appraise_once(
    p: &dyn CryptoProvider,
    s: &Setup,
    signer: &SoftwareSigner,
    id: &VerifierId,
) -> String {
    let bundle = EvidenceBundle::from_json(&s.bundle_json).unwrap();
    let result = appraise_bundle(
        p,
        &bundle,
        &TrustAnchors {
            ek_roots: Some(&s.roots),
            enrolment: Some(&s.binding),
        },
        &s.policy,
        &ResultContext {
            nonce: &s.nonce,
            now: s.now,
            network_verified: false,
        },
    )
    .unwrap();
    assert_eq!(result.status(), Status::Affirming);
    let ear = result.to_ear(id.clone(), s.now, s.now.saturating_add(300));
    ear.sign_jwt(signer, Dialect::Ietf04).unwrap()
}

/// The enrolment with its EK certificate verified once (`appraisal/<ak>` in the bench).
fn certified(
    p: &dyn CryptoProvider,
    record: &EnrolmentRecord,
    bundle_json: &[u8],
    roots: &EkTrustStore,
    now: UnixTime,
) -> AkBinding {
    let bundle = EvidenceBundle::from_json(bundle_json).unwrap();
    let mut store = roots.clone();
    for der in &bundle.ek_chain {
        store.add_intermediate_der(der).unwrap();
    }
    let ek = verify_ek_certificate(
        p,
        bundle.ek_certificate.as_deref().unwrap(),
        record.ek_public(),
        &store,
        now,
    )
    .unwrap();
    AkBinding::from_enrolment_record_certified(record, ek).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let id = args.get(1).map_or("bundle/ecc-geneva", String::as_str);
    let n: usize = args.get(2).map_or(20, |a| a.parse().unwrap());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    let v = manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the manifest"));
    let p = default_provider();
    let each_time = args.get(3).is_some_and(|a| a == "ek-each-time");
    let now = UnixTime::from_secs(v["time"].as_u64().unwrap());
    let record = EnrolmentRecord::from_json(&read(&v["enrolment"])).unwrap();
    let mut roots = EkTrustStore::new();
    roots.add_root(&read(&v["ek_roots"][0])).unwrap();
    let s = Setup {
        bundle_json: read(&v["bundle"]),
        binding: if each_time {
            AkBinding::from_enrolment_record(&record)
        } else {
            certified(p, &record, &read(&v["bundle"]), &roots, now)
        },
        roots,
        policy: ResultPolicy {
            geofence: Some(GeofencePolicy::from_json(&read(&v["policy"])).unwrap()),
            ..ResultPolicy::default()
        },
        nonce: hex::decode(v["nonce"].as_str().unwrap()).unwrap(),
        now,
    };
    let verifier = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let signer = SoftwareSigner::new(p, verifier, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let vid = VerifierId {
        developer: "bench".into(),
        build: "bench".into(),
    };
    black_box(appraise_once(p, &s, &signer, &vid));
    let mut last = String::new();
    for _ in 0..n {
        last = black_box(one(p, &s, &signer, &vid));
    }
    println!("{} appraisals, last token {} bytes", n, last.len());
}
