//! Criterion benches: quote verification (ECDSA P-256, RSA-2048 RSASSA) and certify
//! verification, each with every crypto provider, on the real vectors in testdata/.
//!
//! `cargo bench -p aegis-core --bench verify` (or `make bench-criterion`). The cross-peer
//! comparison (keylime, bare signature verification) is benches/compare_peers.py.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use aegis_core::compat::read_pcrs;
use aegis_core::crypto::all_providers;
use aegis_core::tpm::Name;
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::Value;

const QUOTES: [(&str, &str); 2] = [
    ("ecdsa-p256", "quote-ecc-p256-ecdsa-sha256"),
    ("rsa2048-rsassa", "quote-rsa2048-rsassa-sha256"),
];
const CERTIFIES: [(&str, &str); 2] = [
    ("ecdsa-p256", "certify-ecc-p256-ecdsa-sha256-ecc-p256"),
    ("rsa2048-rsassa", "certify-rsa2048-rsassa-sha256-ecc-p256"),
];

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn vector(id: &str) -> (Value, impl Fn(&str) -> Vec<u8>) {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    let v = manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("testdata/manifest.json has no {id}"))
        .clone();
    let files = v.clone();
    let read = move |k: &str| std::fs::read(testdata().join(files[k].as_str().unwrap())).unwrap();
    (v, read)
}

fn expected_signer(v: &Value) -> Option<Name> {
    v["policy"]["expected_signer"]
        .as_str()
        .map(|h| Name::from_bytes(&hex::decode(h).unwrap()))
}

fn quote_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("quote_verify");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for (label, id) in QUOTES {
        let (v, read) = vector(id);
        let ak = AttestationKey::from_tpm_public(&read("ak"), &KeyPolicy::default()).unwrap();
        let (attest, signature, pcr_bytes) = (read("attest"), read("signature"), read("pcrs"));
        let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
        let mut policy = QuotePolicy::default();
        policy.attest.expected_signer = expected_signer(&v);
        policy.require_all_of(&read_pcrs(&pcr_bytes).unwrap());
        for provider in all_providers() {
            // Must verify before it is timed.
            let pcrs = read_pcrs(&pcr_bytes).unwrap();
            verify_quote(provider, &ak, &attest, &signature, &pcrs, &nonce, &policy).unwrap();
            group.bench_function(BenchmarkId::new(label, provider.name()), |b| {
                b.iter(|| {
                    let pcrs = read_pcrs(black_box(&pcr_bytes)).unwrap();
                    let q = verify_quote(
                        provider,
                        &ak,
                        black_box(&attest),
                        black_box(&signature),
                        &pcrs,
                        &nonce,
                        &policy,
                    );
                    black_box(q.unwrap())
                })
            });
        }
    }
    group.finish();
}

fn certify_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("certify_verify");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for (label, id) in CERTIFIES {
        let (v, read) = vector(id);
        let ak = AttestationKey::from_tpm_public(&read("ak"), &KeyPolicy::default()).unwrap();
        let (key, attest, signature) = (read("key"), read("attest"), read("signature"));
        let nonce = hex::decode(v["nonce"].as_str().unwrap()).unwrap();
        let mut policy = CertifyPolicy::default();
        policy.attest.expected_signer = expected_signer(&v);
        for provider in all_providers() {
            verify_certify(provider, &ak, &key, &attest, &signature, &nonce, &policy).unwrap();
            group.bench_function(BenchmarkId::new(label, provider.name()), |b| {
                b.iter(|| {
                    let r = verify_certify(
                        provider,
                        &ak,
                        black_box(&key),
                        black_box(&attest),
                        black_box(&signature),
                        &nonce,
                        &policy,
                    );
                    black_box(r.unwrap())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, quote_verify, certify_verify);
criterion_main!(benches);
