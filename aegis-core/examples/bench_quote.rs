//! Times quote verification in-process for benches/compare_peers.py (not a test: a benchmark).
//!
//! For each quote vector of testdata/manifest.json named on the command line it times, with the
//! candidates interleaved sample by sample so that machine noise hits them alike:
//!
//! - `aegis/<provider>`: `read_pcrs` + `verify_quote` on the wire bytes (AK prepared once, as a
//!   verifier keeps its enrolled AKs), for every provider;
//! - `aegis/<provider>+ak`: the same plus parsing and checking the AK's TPM2B_PUBLIC per call;
//! - `bare/...`: only hashing the TPMS_ATTEST and verifying its signature, key and signature
//!   already in the library's own form: OpenSSL through EVP and through its low-level ECDSA
//!   call, and RustCrypto;
//! - `diag/...`: for profiling: Aegis with a provider whose checks always pass (Aegis's own
//!   cost), and the per-call key construction the native provider does.
//!
//! Output: one JSON object per line: first {"openssl": version}, then per candidate
//! {"vector", "candidate", "median_ns", "samples", "iters"}.
//!
//! Usage: bench_quote [--testdata DIR] [--samples N] [--sample-ms MS] VECTOR_ID...
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use aegis_core::compat::read_pcrs;
use aegis_core::crypto::{
    all_providers, CryptoProvider, EccPublicKey, EcdhEphemeral, RsaPublicKey,
};
use aegis_core::error::{Error, Result};
use aegis_core::tpm::{EccCurve, HashAlg, Public, Signature, Unique};
use aegis_core::verify::{verify_quote, AttestationKey, KeyPolicy, QuotePolicy};
use serde_json::Value;

#[path = "support/interleaved.rs"]
#[allow(dead_code)] // serve: bench_verify_loop only
mod interleaved;
#[path = "support/vectors.rs"]
mod vectors;
use interleaved::Job;

struct Vector {
    id: String,
    ak_bytes: Vec<u8>,
    ak: AttestationKey,
    public: Public,
    attest: Vec<u8>,
    signature: Vec<u8>,
    pcrs: Vec<u8>,
    nonce: Vec<u8>,
    policy: QuotePolicy,
}

fn load(testdata: &Path, manifest: &Value, id: &str) -> Vector {
    let q = vectors::quote_entry(testdata, manifest, id);
    let (v, read) = (q.entry, |k: &str| q.read(k));
    let ak_bytes = read("ak");
    let public = Public::parse_any(&ak_bytes).unwrap();
    let ak = AttestationKey::from_public(public.clone(), &KeyPolicy::default()).unwrap();
    let pcrs = read("pcrs");
    let mut policy = QuotePolicy::default();
    if v["policy"]["allow_sha1"] == true {
        policy.attest.allow_sha1(true);
    }
    policy.require_all_of(&read_pcrs(&pcrs).unwrap());
    Vector {
        id: id.to_string(),
        ak_bytes,
        ak,
        public,
        attest: read("attest"),
        signature: read("signature"),
        pcrs,
        nonce: q.nonce(),
        policy,
    }
}

fn openssl_md(h: HashAlg) -> openssl::hash::MessageDigest {
    match h {
        HashAlg::Sha1 => openssl::hash::MessageDigest::sha1(),
        HashAlg::Sha256 => openssl::hash::MessageDigest::sha256(),
        HashAlg::Sha384 => openssl::hash::MessageDigest::sha384(),
        HashAlg::Sha512 => openssl::hash::MessageDigest::sha512(),
    }
}

/// The bare verifications: hash + verify, everything else prepared.
fn bare_jobs<'a>(v: &'a Vector) -> Vec<(String, Job<'a>)> {
    use openssl::bn::BigNum;
    use openssl::pkey::PKey;
    let sig = Signature::parse(&v.signature).unwrap();
    let hash = sig.hash().unwrap();
    let md = openssl_md(hash);
    let mut jobs: Vec<(String, Job<'a>)> = Vec::new();
    match (v.public.unique(), &sig) {
        (Unique::Ecc { curve, x, y }, Signature::Ecdsa { r, s, .. }) => {
            let nid = match curve {
                EccCurve::NistP256 => openssl::nid::Nid::X9_62_PRIME256V1,
                EccCurve::NistP384 => openssl::nid::Nid::SECP384R1,
                EccCurve::NistP521 => openssl::nid::Nid::SECP521R1,
            };
            let group = openssl::ec::EcGroup::from_curve_name(nid).unwrap();
            let (bx, by) = (
                BigNum::from_slice(x).unwrap(),
                BigNum::from_slice(y).unwrap(),
            );
            let ec =
                openssl::ec::EcKey::from_public_key_affine_coordinates(&group, &bx, &by).unwrap();
            let ecdsa = openssl::ecdsa::EcdsaSig::from_private_components(
                BigNum::from_slice(r).unwrap(),
                BigNum::from_slice(s).unwrap(),
            )
            .unwrap();
            let der = ecdsa.to_der().unwrap();
            let attest = &v.attest;
            // Diagnostics: what the native provider does per call today (key from affine
            // coordinates, which runs EC_KEY_check_key, then check_key again), and a cheaper
            // per-call rebuild (cached group, SEC1 decode with its on-curve check only).
            let (xs, ys, rs_, ss_) = (x.to_vec(), y.to_vec(), r.to_vec(), s.to_vec());
            jobs.push((
                "diag/openssl-key-per-call".into(),
                Box::new(move || {
                    let group = openssl::ec::EcGroup::from_curve_name(nid).unwrap();
                    let (bx, by) = (
                        BigNum::from_slice(&xs).unwrap(),
                        BigNum::from_slice(&ys).unwrap(),
                    );
                    let ec =
                        openssl::ec::EcKey::from_public_key_affine_coordinates(&group, &bx, &by)
                            .unwrap();
                    ec.check_key().unwrap();
                    let sig = openssl::ecdsa::EcdsaSig::from_private_components(
                        BigNum::from_slice(&rs_).unwrap(),
                        BigNum::from_slice(&ss_).unwrap(),
                    )
                    .unwrap();
                    let d = openssl::hash::hash(md, attest).unwrap();
                    assert!(sig.verify(&d, &ec).unwrap());
                }),
            ));
            let group2 = openssl::ec::EcGroup::from_curve_name(nid).unwrap();
            let sec1: Vec<u8> = [&[4u8][..], x, y].concat();
            let (rs2, ss2) = (r.to_vec(), s.to_vec());
            jobs.push((
                "diag/openssl-sec1-per-call".into(),
                Box::new(move || {
                    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
                    let point = openssl::ec::EcPoint::from_bytes(&group2, &sec1, &mut ctx).unwrap();
                    let ec = openssl::ec::EcKey::from_public_key(&group2, &point).unwrap();
                    let sig = openssl::ecdsa::EcdsaSig::from_private_components(
                        BigNum::from_slice(&rs2).unwrap(),
                        BigNum::from_slice(&ss2).unwrap(),
                    )
                    .unwrap();
                    let d = openssl::hash::hash(md, attest).unwrap();
                    assert!(sig.verify(&d, &ec).unwrap());
                }),
            ));
            let pkey = PKey::from_ec_key(ec.clone()).unwrap();
            jobs.push((
                "bare/openssl-ecdsa_do_verify".into(),
                Box::new(move || {
                    let d = openssl::hash::hash(md, attest).unwrap();
                    assert!(ecdsa.verify(&d, &ec).unwrap());
                }),
            ));
            jobs.push((
                "bare/openssl-evp".into(),
                Box::new(move || {
                    let mut verifier = openssl::sign::Verifier::new(md, &pkey).unwrap();
                    verifier.update(attest).unwrap();
                    assert!(verifier.verify(&der).unwrap());
                }),
            ));
            if curve == EccCurve::NistP256 {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let mut sec1 = vec![4u8];
                sec1.extend_from_slice(x);
                sec1.extend_from_slice(y);
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
                let rs: Vec<u8> = [r.as_slice(), s.as_slice()].concat();
                let sig = p256::ecdsa::Signature::from_slice(&rs).unwrap();
                jobs.push((
                    "bare/rustcrypto".into(),
                    Box::new(move || {
                        let d = hash.digest(attest);
                        key.verify_prehash(&d, &sig).unwrap();
                    }),
                ));
            }
        }
        (Unique::Rsa { modulus, exponent }, Signature::RsaSsa { sig, .. }) => {
            let rsa = openssl::rsa::Rsa::from_public_components(
                BigNum::from_slice(modulus).unwrap(),
                BigNum::from_u32(exponent).unwrap(),
            )
            .unwrap();
            let pkey = PKey::from_rsa(rsa).unwrap();
            let attest = &v.attest;
            let sig_bytes = sig.clone();
            jobs.push((
                "bare/openssl-evp".into(),
                Box::new(move || {
                    let mut verifier = openssl::sign::Verifier::new(md, &pkey).unwrap();
                    verifier.update(attest).unwrap();
                    assert!(verifier.verify(&sig_bytes).unwrap());
                }),
            ));
            let (n, e) = (modulus.to_vec(), exponent);
            let sig_bytes2 = sig.clone();
            jobs.push((
                "diag/openssl-key-per-call".into(),
                Box::new(move || {
                    let rsa = openssl::rsa::Rsa::from_public_components(
                        BigNum::from_slice(&n).unwrap(),
                        BigNum::from_u32(e).unwrap(),
                    )
                    .unwrap();
                    let pkey = PKey::from_rsa(rsa).unwrap();
                    let mut verifier = openssl::sign::Verifier::new(md, &pkey).unwrap();
                    verifier.update(attest).unwrap();
                    assert!(verifier.verify(&sig_bytes2).unwrap());
                }),
            ));
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(modulus),
                rsa::BigUint::from(exponent),
            )
            .unwrap();
            let sig_bytes = sig.clone();
            if hash == HashAlg::Sha256 {
                jobs.push((
                    "bare/rustcrypto".into(),
                    Box::new(move || {
                        let d = hash.digest(attest);
                        key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &d, &sig_bytes)
                            .unwrap();
                    }),
                ));
            }
        }
        _ => {}
    }
    jobs
}

/// A provider whose signature checks always pass: timing `verify_quote` with it gives what
/// Aegis itself costs (parsing, hashing, policy, PCR digest) without the crypto library.
#[derive(Debug)]
struct NoCrypto;

impl CryptoProvider for NoCrypto {
    fn name(&self) -> &'static str {
        "no-crypto"
    }
    fn verify_rsa_pkcs1v15(
        &self,
        _: RsaPublicKey<'_>,
        _: HashAlg,
        _: &[u8],
        _: &[u8],
    ) -> Result<()> {
        Ok(())
    }
    fn verify_rsa_pss(&self, _: RsaPublicKey<'_>, _: HashAlg, _: &[u8], _: &[u8]) -> Result<()> {
        Ok(())
    }
    fn verify_ecdsa(&self, _: EccPublicKey<'_>, _: &[u8], _: &[u8], _: &[u8]) -> Result<()> {
        Ok(())
    }
    fn rsa_oaep_encrypt(
        &self,
        _: RsaPublicKey<'_>,
        _: HashAlg,
        _: &[u8],
        _: &[u8],
    ) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "bench stub" })
    }
    fn ecdh_ephemeral(&self, _: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        Err(Error::CryptoProvider { what: "bench stub" })
    }
    fn aes_cfb_encrypt(&self, _: &[u8], _: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "bench stub" })
    }
    fn hmac(&self, _: HashAlg, _: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "bench stub" })
    }
    fn random(&self, _: &mut [u8]) -> Result<()> {
        Err(Error::CryptoProvider { what: "bench stub" })
    }
}

fn aegis_jobs<'a>(v: &'a Vector) -> Vec<(String, Job<'a>)> {
    let mut jobs: Vec<(String, Job<'a>)> = Vec::new();
    jobs.push((
        "diag/aegis-without-crypto".into(),
        Box::new(move || {
            let pcrs = read_pcrs(&v.pcrs).unwrap();
            let q = verify_quote(
                &NoCrypto,
                &v.ak,
                &v.attest,
                &v.signature,
                &pcrs,
                &v.nonce,
                &v.policy,
            );
            black_box(q.unwrap());
        }),
    ));
    for provider in all_providers() {
        jobs.push((
            format!("aegis/{}", provider.name()),
            Box::new(move || {
                let pcrs = read_pcrs(&v.pcrs).unwrap();
                let q = verify_quote(
                    provider,
                    &v.ak,
                    &v.attest,
                    &v.signature,
                    &pcrs,
                    &v.nonce,
                    &v.policy,
                );
                black_box(q.unwrap());
            }),
        ));
        jobs.push((
            format!("aegis/{}+ak", provider.name()),
            Box::new(move || {
                let ak =
                    AttestationKey::from_tpm_public(&v.ak_bytes, &KeyPolicy::default()).unwrap();
                let pcrs = read_pcrs(&v.pcrs).unwrap();
                let q = verify_quote(
                    provider,
                    &ak,
                    &v.attest,
                    &v.signature,
                    &pcrs,
                    &v.nonce,
                    &v.policy,
                );
                black_box(q.unwrap());
            }),
        ));
    }
    jobs
}

fn main() {
    let mut testdata = vectors::default_testdata();
    let mut samples = 21usize;
    let mut sample_ms = 40u64;
    let mut ids = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--testdata" => testdata = PathBuf::from(args.next().unwrap()),
            "--samples" => samples = args.next().unwrap().parse().unwrap(),
            "--sample-ms" => sample_ms = args.next().unwrap().parse().unwrap(),
            _ => ids.push(a),
        }
    }
    if ids.is_empty() {
        ids = vectors::DEFAULT_QUOTE_VECTORS.map(String::from).to_vec();
    }
    let manifest = vectors::manifest(&testdata);
    let vectors: Vec<Vector> = ids
        .iter()
        .map(|id| load(&testdata, &manifest, id))
        .collect();
    println!(
        "{}",
        serde_json::json!({ "openssl": openssl::version::version() })
    );
    for v in &vectors {
        let mut jobs = aegis_jobs(v);
        jobs.extend(bare_jobs(v));
        interleaved::run_and_print(&v.id, &mut jobs, sample_ms, samples);
    }
}
