//! Criterion bench: SVID claim extraction per second (issue 12, item 10; `make bench-tokens`
//! prints the rates), on testdata/svid/valid.chain.pem (a leaf with the AttestedClaims and a
//! CMW-wrapped EAR JWT, one intermediate), default provider:
//!
//! - `svid/extract`: the leaf parsed under the SPIFFE profile (`x509::Certificate::from_der`)
//!   and both extensions decoded (`svid::SvidExtensions::of`), the attested claims read as a
//!   JSON object: what a gateway does with a chain its TLS stack already verified;
//! - `svid/verify-extract`: `svid::verify_svid` of the whole chain against the bundle (every
//!   SPIFFE X509-SVID check and both signatures of the path), then the same claims read.
//!
//! `cargo bench -p aegis-core --bench svid`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aegis_core::crypto::default_provider;
use aegis_core::svid::{pem_certificates, verify_svid, SvidBundle, SvidExtensions};
use aegis_core::time::UnixTime;
use aegis_core::x509::{Certificate, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/svid")
}

fn bench(c: &mut Criterion) {
    let p = default_provider();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("index.json")).unwrap()).unwrap();
    let time = UnixTime::from_secs(index["time"].as_u64().unwrap());
    let bundle = SvidBundle::from_pem(&std::fs::read(dir().join("bundle.pem")).unwrap()).unwrap();
    let chain = pem_certificates(&std::fs::read(dir().join("valid.chain.pem")).unwrap()).unwrap();
    let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();

    let mut g = c.benchmark_group("svid");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .throughput(Throughput::Elements(1));
    g.bench_function("extract", |b| {
        b.iter(|| {
            let leaf = Certificate::from_der(black_box(refs[0]), Profile::Spiffe).unwrap();
            let ext = SvidExtensions::of(&leaf).unwrap();
            let claims = ext.attested_claims().unwrap().to_object();
            assert!(!claims.is_empty() && ext.ear().is_some());
            black_box((claims, ext))
        })
    });
    g.bench_function("verify-extract", |b| {
        b.iter(|| {
            let svid = verify_svid(p, black_box(&refs), &bundle, time).unwrap();
            let claims = svid.attested_claims().unwrap().to_object();
            assert!(!claims.is_empty() && svid.ear().is_some());
            black_box((claims, svid))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
