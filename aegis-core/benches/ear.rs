//! Criterion benches: EAR tokens (aegis_core::ear) signed and verified as JWT and CWT with
//! ES256, with every crypto provider, so the EAR share of a full appraisal is known (issue 11,
//! item 9: at least 8,500 appraisals per second per core, EAR signing included).
//!
//! `cargo bench -p aegis-core --bench ear`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Duration;

use aegis_core::crypto::{all_providers, PrivateKey, SignatureScheme, Signer, SoftwareSigner};
use aegis_core::ear::{
    self, claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId, VerifyOptions,
};
use aegis_core::time::UnixTime;
use aegis_core::tpm::HashAlg;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const NOW: i64 = 1_800_000_000;

/// An EAR the size an appraisal makes: two submods, a full vector, geoAR claims, a nonce.
fn sample() -> Ear {
    let sub = Submod {
        status: Status::Affirming,
        trust_vector: TrustVector {
            instance_identity: claim::TRUSTWORTHY_INSTANCE,
            configuration: claim::APPROVED_CONFIG,
            executables: claim::APPROVED_RUNTIME,
            hardware: claim::GENUINE_HARDWARE,
            storage_opaque: claim::HW_KEYS_ENCRYPTED_SECRETS,
            sourced_data: claim::TRUSTED_SOURCES,
            ..TrustVector::default()
        },
        policy_ids: vec!["https://aegis.example/policy/1".into()],
        nonce: Some(vec![7; 32]),
        geo: GeoClaims {
            country: Some("ES".into()),
            subdivision: Some("ES-CT".into()),
            city: Some("Barcelona".into()),
            ..GeoClaims::default()
        },
        ..Submod::default()
    };
    Ear {
        iat: NOW,
        exp: Some(NOW + 300),
        verifier_id: VerifierId {
            developer: "https://aegis.example".into(),
            build: "bench".into(),
        },
        status: Some(Status::Affirming),
        nonce: Some(vec![7; 32]),
        submods: [
            ("tpm".to_string(), sub.clone()),
            ("location".to_string(), sub),
        ]
        .into(),
        extra: Default::default(),
    }
}

fn ear_tokens(c: &mut Criterion) {
    let mut g = c.benchmark_group("ear");
    g.measurement_time(Duration::from_secs(3));
    let claims = sample();
    for p in all_providers() {
        let key = PrivateKey::generate(
            p,
            aegis_core::crypto::KeySpec::Ecc(aegis_core::tpm::EccCurve::NistP256),
        )
        .unwrap();
        let signer = SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
        let public = signer.public_key().clone();
        let options = VerifyOptions {
            nonce: Some(&[7; 32]),
            ..VerifyOptions::new(&public, UnixTime::from_secs(NOW as u64))
        };
        let jwt = claims.sign_jwt(&signer, Dialect::Ietf04).unwrap();
        let cwt = claims.sign_cwt(&signer, Dialect::Ietf04).unwrap();
        g.bench_function(BenchmarkId::new("sign_jwt_es256", p.name()), |b| {
            b.iter(|| {
                claims
                    .sign_jwt(&signer, black_box(Dialect::Ietf04))
                    .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("sign_cwt_es256", p.name()), |b| {
            b.iter(|| {
                claims
                    .sign_cwt(&signer, black_box(Dialect::Ietf04))
                    .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("verify_jwt_es256", p.name()), |b| {
            b.iter(|| ear::verify_jwt(p, black_box(jwt.as_bytes()), &options).unwrap())
        });
        g.bench_function(BenchmarkId::new("verify_cwt_es256", p.name()), |b| {
            b.iter(|| ear::verify_cwt(p, black_box(&cwt), &options).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, ear_tokens);
criterion_main!(benches);
