//! Per-operation latency of the tss backend on a swtpm (certify, quote, sign, extend,
//! restricted sign) and end-to-end attestation latency (certify + location extend + quote, and
//! aegis-core's verification of all of it). A benchmark, not a timed test:
//! `cargo bench -p aegis-agent --features tss --bench backend_swtpm` (or `make bench-backend`).
//!
//! Starts its own swtpm with scripts/swtpm.sh in a temp dir and stops it at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use aegis_agent::backend::tss::TssBackend;
use aegis_agent::backend::{AkSpec, AppKeySpec, TpmBackend};
use aegis_agent::{record_location, LocationLogFile};
use aegis_core::crypto::default_provider;
use aegis_core::geo::{self, LocationEvent};
use aegis_core::tpm::{HashAlg, Scheme};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../../aegis-core/tests/support/swtpm.rs"]
mod swtpm;
use swtpm::Swtpm;

fn backend(c: &mut Criterion) {
    let Some(tpm) = Swtpm::start_or_skip("bench") else {
        return;
    };
    let mut b = TssBackend::open(&tpm.tcti).unwrap();
    let ak = b.create_ak(&AkSpec::default()).unwrap();
    let app = b.create_app_key(&AppKeySpec::default()).unwrap();
    let vak = AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default()).unwrap();
    let sel = geo::location_selection(15, HashAlg::Sha256).unwrap();
    let digest = HashAlg::Sha256.digest(b"jws signing input");
    let p = default_provider();

    let mut g = c.benchmark_group("swtpm");
    g.sample_size(30)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("certify (load AK + App Key, TPM2_Certify, flush)", |x| {
        x.iter(|| b.certify(&app, &ak, b"nonce").unwrap())
    });
    g.bench_function("quote PCR 15 (load AK, TPM2_Quote, flush, PCR_Read)", |x| {
        x.iter(|| b.quote(&ak, &sel, b"nonce").unwrap())
    });
    g.bench_function(
        "sign digest ECDSA P-256 (load App Key, TPM2_Sign, flush)",
        |x| {
            x.iter(|| {
                b.sign_digest(&app, &digest, Scheme::Ecdsa(HashAlg::Sha256))
                    .unwrap()
            })
        },
    );
    g.bench_function(
        "sign restricted (TPM2_Hash, load AK, TPM2_Sign, flush)",
        |x| x.iter(|| b.sign_restricted(&ak, b"challenge").unwrap()),
    );
    g.bench_function("PCR extend (sha256)", |x| {
        x.iter(|| {
            b.pcr_extend(16, &[(HashAlg::Sha256, digest.clone())])
                .unwrap()
        })
    });

    let log_path = tpm.path("bench-location.log");
    let mut log = LocationLogFile::open(&log_path).unwrap();
    let mut counter = 0u64;
    g.bench_function(
        "end-to-end attestation (certify, location extend+fsync, quote, verify all)",
        |x| {
            x.iter(|| {
                counter += 1;
                let nonce = counter.to_be_bytes();
                let c = b.certify(&app, &ak, &nonce).unwrap();
                verify_certify(
                    p,
                    &vak,
                    &app.public().to_tpm2b(),
                    &c.attest,
                    &c.signature,
                    &nonce,
                    &CertifyPolicy::default(),
                )
                .unwrap();
                record_location(
                    &mut b,
                    &mut log,
                    15,
                    HashAlg::Sha256,
                    LocationEvent::sample(),
                    &nonce,
                )
                .unwrap();
                let q = b.quote(&ak, &sel, &nonce).unwrap();
                let mut qp = QuotePolicy::default();
                qp.required_pcrs.push(HashAlg::Sha256, 15);
                let vq =
                    verify_quote(p, &vak, &q.attest, &q.signature, &q.pcrs, &nonce, &qp).unwrap();
                geo::verify_location_log(log.records(), &vq, 15, HashAlg::Sha256, &nonce).unwrap();
            })
        },
    );
    g.finish();
    drop(b);
    drop(tpm);
}

criterion_group!(benches, backend);
criterion_main!(benches);
