//! Criterion bench: DPoR verification against a bare ES256 verification of the same token
//! (issue 12, item 10; `make bench-tokens` prints the ratios, benches/tokens_summary.py).
//!
//! Group `tokens`, each on 1 and 2 threads (an iteration is one verification on each thread at
//! once; criterion's throughput line is verifications per second):
//!
//! - `bare-es256/<n>-thread`: SHA-256 of the proof's JWS signing input and the P-256 ECDSA verify
//!   of its signature (`CryptoProvider::verify_ecdsa`, key from its coordinates), through the
//!   default provider: the floor any ES256 verifier pays;
//! - `dpor/<n>-thread`: `token::verify_proof` of a DPoR (every RFC 9449 check, the residency
//!   check against an EAR the caller verified once (`Residency::Ear`), and the `jti` recorded in
//!   a warm `MemoryReplayCache` (capacity 65,536 holding 32,768 live entries of other proofs;
//!   each proof verified once, a fresh warm cache when the proofs run out, made untimed);
//! - `bare-es256x2/<n>-thread` and `dpor-ear/<n>-thread`: the same with the EAR verified in
//!   every request as well (`ear::verify_token`, a second ES256 signature, then `verify_proof`),
//!   against two bare ES256 verifications (the proof's and the EAR's signing inputs);
//! - `josekit/1-thread`: the peer josekit 0.10 (JWS over OpenSSL) verifying the same DPoR with
//!   the key from its header `jwk` (header decoded to find the key, then
//!   `jws::deserialize_compact` and the claims parsed), no claim checks.
//!
//! Then (under `cargo bench` only) paired ratios, less moved by the load of a shared machine:
//! rounds of a batch of bare verifications and a batch of DPoR verifications back to back, the
//! median of the rounds' ratios (`<target>/criterion/tokens/paired.json`).
//!
//! It also writes `<target>/criterion/tokens/sample.json` (a DPoR, its EAR and the EAR key) for
//! the Python peers the summary times (PyJWT, jwcrypto).
//!
//! `cargo bench -p aegis-core --bench proof`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[allow(dead_code)] // the profile example uses all of it
#[path = "../examples/support/proofs.rs"]
mod proofs;

use proofs::{Fixture, HTU, NOW};

/// Proofs minted ahead (distinct `jti`s, one key); each is verified once per warm cache.
const RING: usize = 1 << 14;

/// `iters` calls of `f` on each of `threads` threads at once (`f` gets a distinct index below
/// `iters * threads`); the wall time.
fn run(threads: usize, iters: usize, f: &(dyn Fn(usize) + Sync)) -> Duration {
    let start = Instant::now();
    if threads == 1 {
        (0..iters).for_each(f);
    } else {
        std::thread::scope(|s| {
            for t in 0..threads {
                s.spawn(move || (0..iters).for_each(|k| f(k * threads + t)));
            }
        });
    }
    start.elapsed()
}

/// `iters` proofs verified on each thread, in chunks the ring holds; `with_ear` verifies the
/// EAR in every request too.
fn run_proofs(fx: &Fixture, threads: usize, iters: u64, with_ear: bool) -> Duration {
    let mut left = usize::try_from(iters).unwrap();
    let mut total = Duration::ZERO;
    while left > 0 {
        let chunk = left.min(RING / threads);
        let (cache, base) = fx.take(chunk * threads);
        total += run(threads, chunk, &|i| fx.dpor(base + i, &*cache, with_ear));
        left -= chunk;
    }
    total
}

/// josekit verifying a DPoR with the key from its header, and reading its claims.
fn josekit_verify(token: &str) {
    let header_b64 = token.split('.').next().unwrap();
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&B64URL.decode(header_b64).unwrap()).unwrap();
    let jwk = match header.get("jwk") {
        Some(serde_json::Value::Object(m)) => josekit::jwk::Jwk::from_map(m.clone()).unwrap(),
        _ => panic!("no jwk"),
    };
    let verifier = josekit::jws::ES256.verifier_from_jwk(&jwk).unwrap();
    let (payload, header) = josekit::jws::deserialize_compact(token, &verifier).unwrap();
    assert_eq!(header.token_type(), Some("dpor+jwt"));
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&payload).unwrap();
    black_box(claims);
}

/// `<target>/criterion/tokens`, where the summary reads the figures.
fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("criterion").join("tokens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_sample(fx: &Fixture) {
    let dir = out_dir();
    let sample = serde_json::json!({
        "dpor": fx.proofs[0],
        "ear": fx.ear_token,
        "ear_jwk": serde_json::from_str::<serde_json::Value>(&fx.ear_key.to_jwk().unwrap()).unwrap(),
        "htm": "POST",
        "htu": HTU,
        "now": NOW + 1,
    });
    std::fs::write(dir.join("sample.json"), sample.to_string()).unwrap();
}

/// Paired ratios: `ROUNDS` rounds of a batch of bare verifications and a batch of DPoR
/// verifications back to back (the order alternating), each round's ratio DPoR / bare; their
/// quartiles. On a shared machine the load moves between criterion's separate measurements; a
/// round's two halves see the same load.
fn paired(fx: &Fixture, threads: usize, with_ear: bool) -> serde_json::Value {
    const ROUNDS: usize = 41;
    const BATCH: usize = 100;
    let bare = || {
        run(threads, BATCH, &|_| {
            if with_ear {
                fx.bare2()
            } else {
                fx.bare()
            }
        })
    };
    let dpor = || run_proofs(fx, threads, BATCH as u64, with_ear);
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|r| {
            let (b, d) = if r % 2 == 0 {
                (bare(), dpor())
            } else {
                let d = dpor();
                (bare(), d)
            };
            d.as_secs_f64() / b.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    serde_json::json!({
        "rounds": ROUNDS,
        "batch": BATCH,
        "q1": ratios[ROUNDS / 4],
        "median": ratios[ROUNDS / 2],
        "q3": ratios[3 * ROUNDS / 4],
    })
}

fn bench(c: &mut Criterion) {
    let fx = Fixture::new(RING);
    write_sample(&fx);
    josekit_verify(&fx.proofs[0]);
    let mut g = c.benchmark_group("tokens");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for threads in [1usize, 2] {
        let n = threads as u64;
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("bare-es256/{threads}-thread"), |b| {
            b.iter_custom(|iters| run(threads, iters as usize, &|_| fx.bare()))
        });
        g.bench_function(format!("dpor/{threads}-thread"), |b| {
            b.iter_custom(|iters| run_proofs(&fx, threads, iters, false))
        });
        g.bench_function(format!("bare-es256x2/{threads}-thread"), |b| {
            b.iter_custom(|iters| run(threads, iters as usize, &|_| fx.bare2()))
        });
        g.bench_function(format!("dpor-ear/{threads}-thread"), |b| {
            b.iter_custom(|iters| run_proofs(&fx, threads, iters, true))
        });
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("josekit/1-thread", |b| {
        b.iter(|| josekit_verify(black_box(&fx.proofs[0])))
    });
    g.finish();
    // Not in `cargo test --benches` (criterion's test mode): only under `cargo bench`.
    if std::env::args().any(|a| a == "--bench") {
        let mut out = serde_json::Map::new();
        for threads in [1usize, 2] {
            for (name, with_ear) in [("dpor", false), ("dpor-ear", true)] {
                let ratio = paired(&fx, threads, with_ear);
                println!("paired {name}/{threads}-thread: {ratio}");
                out.insert(format!("{name}/{threads}-thread"), ratio);
            }
        }
        let path = out_dir().join("paired.json");
        std::fs::write(path, serde_json::Value::Object(out).to_string()).unwrap();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
