//! Criterion benches of the attestation-result path (issue 11, item 9), on the swtpm bundle
//! vectors (testdata/gen/make_bundle_vectors.py), native provider:
//!
//! - `appraisal/<ak>`: a full appraisal: `appraise_bundle` (AK binding, EK certificate, certify,
//!   quote, PCR reference values, location log replay, jurisdiction, geofence) plus the EAR
//!   signed as an ES256 JWT, with the agent's enrolment kept in memory as a verifier keeps it
//!   (`AkBinding::from_enrolment_record_certified`: the EK chain verified once);
//! - `appraisal-ek-chain-each-time/<ak>`: the same with the EK certificate chain verified again
//!   in every appraisal (enrolment restored from its record only);
//! - `signatures/<ak>`: only its signature operations, straight on the provider: the certify's
//!   and the quote's signature verifications and the ES256 signature.
//!
//! `make bench-appraisal` runs it and prints appraisals per second per core and the ratio of
//! the appraisal to its signature operations (target: at most 1.3x).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Duration;

use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::{
    default_provider, CryptoProvider, EccPublicKey, KeySpec, PrivateKey, RsaPublicKey,
    SignatureScheme, SignatureValue, SoftwareSigner,
};
use aegis_core::keys::PublicKey;
use aegis_core::tpm::{EccCurve, HashAlg, Public};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../examples/support/appraisal.rs"]
mod appraisal;

use appraisal::{read, vector, Appraisal};

const VECTORS: [(&str, &str); 2] = [
    ("ecdsa-p256-ak", "bundle/ecc-geneva"),
    ("rsa2048-ak", "bundle/rsa-ak-geneva"),
];

/// Verifies a TPMT_SIGNATURE over `message` with `key`, straight on the provider.
fn verify_raw(p: &dyn CryptoProvider, key: &PublicKey, message: &[u8], tpmt: &[u8]) {
    let (scheme, sig) = SignatureValue::from_tpmt_signature(tpmt).unwrap();
    let digest = scheme.hash().digest(message);
    match (key, sig) {
        (PublicKey::Ecc { curve, x, y }, SignatureValue::Ecdsa { r, s }) => p
            .verify_ecdsa(
                EccPublicKey {
                    curve: *curve,
                    x,
                    y,
                },
                &digest,
                &r,
                &s,
            )
            .unwrap(),
        (PublicKey::Rsa { modulus, exponent }, SignatureValue::Rsa(s)) => p
            .verify_rsa_pkcs1v15(
                RsaPublicKey {
                    modulus,
                    exponent: *exponent,
                },
                scheme.hash(),
                &digest,
                &s,
            )
            .unwrap(),
        _ => panic!("unexpected key and signature"),
    }
}

fn bench(c: &mut Criterion) {
    let p = default_provider();
    let verifier = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let signer = SoftwareSigner::new(
        p,
        verifier.clone_key(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    for (group, ek_verified_once) in [("appraisal", true), ("appraisal-ek-chain-each-time", false)]
    {
        let mut g = c.benchmark_group(group);
        g.measurement_time(Duration::from_secs(6));
        for (label, id) in VECTORS {
            let a = Appraisal::from_vector(p, id, ek_verified_once);
            g.bench_function(label, |b| b.iter(|| black_box(a.run(p, &signer))));
        }
        g.finish();
    }

    let mut g = c.benchmark_group("signatures");
    g.measurement_time(Duration::from_secs(6));
    for (label, id) in VECTORS {
        let v = vector(id);
        let bundle = EvidenceBundle::from_json(&read(&v["bundle"])).unwrap();
        let ak = PublicKey::from_tpm_public(&Public::parse_tpm2b(&bundle.ak_public).unwrap());
        let ear_digest = [7u8; 32];
        g.bench_function(label, |b| {
            b.iter(|| {
                verify_raw(p, &ak, &bundle.certify_attest, &bundle.certify_signature);
                verify_raw(p, &ak, &bundle.quote_attest, &bundle.quote_signature);
                black_box(
                    p.sign_digest(
                        &verifier,
                        SignatureScheme::Ecdsa(HashAlg::Sha256),
                        &ear_digest,
                    )
                    .unwrap(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
