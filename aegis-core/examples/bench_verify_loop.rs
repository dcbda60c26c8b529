//! The Rust side of benches/bindings_overhead.py (a benchmark, not a test): `verify_quote` in
//! the steady state of a verifier, to compare with the same call made from Python and Go.
//!
//! Timing (default): for each quote vector of testdata/manifest.json named on the command line,
//! with the candidates interleaved sample by sample:
//!
//! - `rust/steady`: `verify_quote` only; the AK loaded once, the policy (the vector's manifest
//!   policy) built once, the PCR values parsed once;
//! - `rust/steady@stack+N` (N = 0, 64, 128, 256): `rust/steady` called with the stack N bytes
//!   deeper (`at_stack_offset`): the same code at other stack alignments;
//! - `rust/parse-per-call`: `rust/steady` plus `read_pcrs` on the PCR file and building the policy per
//!   call: the work the Python binding's `verify_quote(ak, attest, sig, pcr_bytes, nonce,
//!   require_pcrs=...)` does per call in Rust, to attribute Python's overhead.
//!
//! Output: one JSON object per line: first {"openssl": version}, then per candidate
//! {"vector", "candidate", "median_ns", "samples", "iters"}.
//!
//! Serving (`--serve`): the same candidates, named "VECTOR_ID CANDIDATE", calibrated, then one
//! sample per stdin line (support/interleaved.rs `serve`; the first line printed is
//! {"ready": [names], "openssl": version}). benches/bindings_overhead.py drives it so that the
//! samples of Rust, Python and Go alternate.
//!
//! Memory (`--memory`): `--calls` calls (default 1,000,000) on the first vector named, every
//! `--error-every`-th one (default 10) with PCR sha256:15 tampered (must fail with
//! PcrDigestMismatch), the PCR file parsed and the policy built per call so that every call
//! allocates and frees. RSS (VmRSS of /proc/self/status) is read after `--warmup` calls (default 50,000:
//! the allocator keeps the pages it has freed, so growth is measured from a warm state, not from
//! zero) and at the end. Output: one JSON object
//! {"language": "rust", "calls", "errors", "rss_warm_kib", "rss_end_kib"}.
//!
//! Usage: bench_verify_loop [--testdata DIR] [--samples N] [--sample-ms MS] [--serve] VECTOR_ID...
//!        bench_verify_loop --memory [--calls N] [--warmup N] [--error-every K] VECTOR_ID
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use aegis_core::compat::read_pcrs;
use aegis_core::crypto::default_provider;
use aegis_core::tpm::{HashAlg, Name, PcrValues};
use aegis_core::verify::{verify_quote, AttestationKey, KeyPolicy, QuotePolicy};
use serde_json::Value;

#[path = "support/interleaved.rs"]
mod interleaved;
#[path = "support/vectors.rs"]
mod vectors;
use interleaved::Job;

struct Vector {
    id: String,
    manifest_policy: Value,
    ak: AttestationKey,
    attest: Vec<u8>,
    signature: Vec<u8>,
    pcr_file: Vec<u8>,
    pcrs: PcrValues,
    nonce: Vec<u8>,
    policy: QuotePolicy,
}

/// The vector's manifest policy (require_pcrs, allow_sha1, expected_signer), as every binding
/// builds it.
fn build_policy(p: &Value) -> QuotePolicy {
    let mut policy = QuotePolicy::default();
    if p["allow_sha1"] == true {
        policy.attest.allow_sha1(true);
    }
    if let Some(banks) = p["require_pcrs"].as_object() {
        for (bank, indices) in banks {
            let hash = match bank.as_str() {
                "sha1" => HashAlg::Sha1,
                "sha256" => HashAlg::Sha256,
                "sha384" => HashAlg::Sha384,
                "sha512" => HashAlg::Sha512,
                other => panic!("bank {other}"),
            };
            for i in indices.as_array().unwrap() {
                policy
                    .required_pcrs
                    .push(hash, u8::try_from(i.as_u64().unwrap()).unwrap());
            }
        }
    }
    if let Some(s) = p["expected_signer"].as_str() {
        policy.attest.expected_signer = Some(Name::from_bytes(&hex::decode(s).unwrap()));
    }
    policy
}

fn load(testdata: &Path, manifest: &Value, id: &str) -> Vector {
    let q = vectors::quote_entry(testdata, manifest, id);
    let (v, read) = (q.entry, |k: &str| q.read(k));
    let ak = AttestationKey::from_tpm_public(&read("ak"), &KeyPolicy::default()).unwrap();
    let pcr_file = read("pcrs");
    let pcrs = read_pcrs(&pcr_file).unwrap();
    let vector = Vector {
        id: id.to_string(),
        manifest_policy: v["policy"].clone(),
        ak,
        attest: read("attest"),
        signature: read("signature"),
        pcr_file,
        pcrs,
        nonce: q.nonce(),
        policy: build_policy(&v["policy"]),
    };
    // Must pass before it is timed.
    verify_quote(
        default_provider(),
        &vector.ak,
        &vector.attest,
        &vector.signature,
        &vector.pcrs,
        &vector.nonce,
        &vector.policy,
    )
    .unwrap();
    vector
}

type AtStackOffset = fn(&mut dyn FnMut());

/// Runs `f` with the stack N bytes deeper than a direct call: the same code at another stack
/// alignment. How much that alone moves a timing is the resolution of comparing two binaries
/// (Mytkowicz et al., "Producing wrong data without doing anything obviously wrong!", 2009).
#[inline(never)]
fn at_stack_offset<const N: usize>(f: &mut dyn FnMut()) {
    let pad = [0u8; N];
    black_box(&pad);
    f();
}

fn jobs<'a>(v: &'a Vector) -> Vec<(String, Job<'a>)> {
    let provider = default_provider();
    let steady = move || {
        let q = verify_quote(
            provider,
            &v.ak,
            &v.attest,
            &v.signature,
            &v.pcrs,
            &v.nonce,
            &v.policy,
        );
        black_box(q.unwrap());
    };
    let layouts: [(usize, AtStackOffset); 4] = [
        (0, at_stack_offset::<0>),
        (64, at_stack_offset::<64>),
        (128, at_stack_offset::<128>),
        (256, at_stack_offset::<256>),
    ];
    let mut jobs: Vec<(String, Job<'a>)> = vec![
        ("rust/steady".into(), Box::new(steady)),
        (
            "rust/parse-per-call".into(),
            Box::new(move || {
                let pcrs = read_pcrs(black_box(&v.pcr_file)).unwrap();
                let policy = build_policy(&v.manifest_policy);
                let q = verify_quote(
                    provider,
                    &v.ak,
                    &v.attest,
                    &v.signature,
                    &pcrs,
                    &v.nonce,
                    &policy,
                );
                black_box(q.unwrap());
            }),
        ),
    ];
    for (offset, run) in layouts {
        let mut call = steady;
        jobs.push((
            format!("rust/steady@stack+{offset}"),
            Box::new(move || run(&mut call)),
        ));
    }
    jobs
}

/// VmRSS of /proc/self/status (kB), which is statm's resident pages in kB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn memory(v: &Vector, calls: u64, warmup: u64, error_every: u64) {
    let mut tampered = PcrValues::default();
    for (h, i, val) in v.pcrs.iter() {
        let mut val = val.to_vec();
        if h == HashAlg::Sha256 && i == 15 {
            val[0] ^= 1;
        }
        tampered.insert(h, i, val).unwrap();
    }
    let provider = default_provider();
    let (mut errors, mut rss_warm) = (0u64, 0u64);
    for n in 0..calls {
        if n == warmup {
            rss_warm = rss_kib();
        }
        let policy = build_policy(&v.manifest_policy);
        let result = if error_every > 0 && n % error_every == 0 {
            verify_quote(
                provider,
                &v.ak,
                &v.attest,
                &v.signature,
                &tampered,
                &v.nonce,
                &policy,
            )
        } else {
            let pcrs = read_pcrs(&v.pcr_file).unwrap();
            verify_quote(
                provider,
                &v.ak,
                &v.attest,
                &v.signature,
                &pcrs,
                &v.nonce,
                &policy,
            )
        };
        match result {
            Ok(q) => {
                black_box(q);
            }
            Err(e) => {
                assert_eq!(e.name(), "PcrDigestMismatch", "{e}");
                errors += 1;
            }
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "language": "rust", "vector": v.id, "calls": calls, "errors": errors,
            "warmup": warmup, "rss_warm_kib": rss_warm, "rss_end_kib": rss_kib(),
        })
    );
}

fn main() {
    let mut testdata = vectors::default_testdata();
    let (mut samples, mut sample_ms) = (15usize, 40u64);
    let mut serve = false;
    let (mut mem, mut calls, mut warmup, mut error_every) = (false, 1_000_000u64, 50_000u64, 10u64);
    let mut ids = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--testdata" => testdata = PathBuf::from(args.next().unwrap()),
            "--samples" => samples = args.next().unwrap().parse().unwrap(),
            "--sample-ms" => sample_ms = args.next().unwrap().parse().unwrap(),
            "--serve" => serve = true,
            "--memory" => mem = true,
            "--calls" => calls = args.next().unwrap().parse().unwrap(),
            "--warmup" => warmup = args.next().unwrap().parse().unwrap(),
            "--error-every" => error_every = args.next().unwrap().parse().unwrap(),
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
    if mem {
        memory(&vectors[0], calls, warmup.min(calls), error_every);
        return;
    }
    let openssl = serde_json::json!({ "openssl": openssl::version::version() });
    if serve {
        let mut all: Vec<(String, Job<'_>)> = vectors
            .iter()
            .flat_map(|v| {
                jobs(v)
                    .into_iter()
                    .map(move |(c, job)| (format!("{} {c}", v.id), job))
            })
            .collect();
        interleaved::serve(&mut all, sample_ms, openssl);
        return;
    }
    println!("{openssl}");
    for v in &vectors {
        let mut jobs = jobs(v);
        interleaved::run_and_print(&v.id, &mut jobs, sample_ms, samples);
    }
}
