//! The signature operations of one appraisal, timed in OpenSSL (as aegis-core's native provider
//! calls it), aws-lc-rs and ring, on the same keys and inputs (issue 11, item 9).
//!
//! A small timing harness rather than criterion, for a shared, loaded machine: every operation is
//! sampled in every round (round-robin, the starting operation rotating), so a change of load
//! hits all libraries alike; each sample is a batch of about `BENCH_SAMPLE_MS` of calls, timed by
//! both the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID: time on a core, the figure for
//! "per core") and the wall clock. The medians over `BENCH_ROUNDS` rounds are reported.
//!
//! Environment: BENCH_ROUNDS (default 200), BENCH_SAMPLE_MS (default 3), BENCH_OTHER_US (the
//! assumed non-signature work per appraisal, default 10).

use std::hint::black_box;
use std::time::Instant;

use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint, PointConversionForm};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use openssl::md::Md;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};

/// A TPMS_ATTEST of a quote or certify is 100-200 bytes; the verifiers sign its digest.
const ATTEST_LEN: usize = 145;
/// The JWS signing input of an EAR (base64url header "." base64url claims).
const EAR_LEN: usize = 700;

/// The inputs, made once with OpenSSL and handed to every library in its own encoding.
struct Inputs {
    attest: Vec<u8>,
    ear: Vec<u8>,
    attest_sha256: Vec<u8>,
    attest_sha384: Vec<u8>,
    ear_sha256: Vec<u8>,
    p256: EcKey<Private>,
    rsa: Rsa<Private>,
    /// Uncompressed SEC 1 points (0x04 || x || y).
    p256_point: Vec<u8>,
    p384_point: Vec<u8>,
    /// RSAPublicKey (RFC 8017, A.1.1), DER.
    rsa_pkcs1_der: Vec<u8>,
    /// PKCS #8 of the P-256 signing key (the EAR key).
    p256_pkcs8: Vec<u8>,
    /// r || s, each the curve's size.
    sig_p256: Vec<u8>,
    sig_p384: Vec<u8>,
    sig_rsa_pkcs1: Vec<u8>,
    sig_rsa_pss: Vec<u8>,
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn ec_fixed(sig: &EcdsaSig, size: i32) -> Vec<u8> {
    let mut out = sig.r().to_vec_padded(size).unwrap();
    out.extend(sig.s().to_vec_padded(size).unwrap());
    out
}

fn point(key: &EcKey<Private>) -> Vec<u8> {
    let mut ctx = BigNumContext::new().unwrap();
    key.public_key()
        .to_bytes(key.group(), PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap()
}

fn rsa_sign(key: &PKey<Private>, msg: &[u8], pss: bool) -> Vec<u8> {
    let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
    if pss {
        signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        signer
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .unwrap();
        signer.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
    }
    signer.update(msg).unwrap();
    signer.sign_to_vec().unwrap()
}

impl Inputs {
    fn new() -> Self {
        let attest = pattern(ATTEST_LEN, 7);
        let ear = pattern(EAR_LEN, 11);
        let attest_sha256 = hash(MessageDigest::sha256(), &attest).unwrap().to_vec();
        let attest_sha384 = hash(MessageDigest::sha384(), &attest).unwrap().to_vec();
        let ear_sha256 = hash(MessageDigest::sha256(), &ear).unwrap().to_vec();
        let g256 = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let g384 = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
        let p256 = EcKey::generate(&g256).unwrap();
        let p384 = EcKey::generate(&g384).unwrap();
        let rsa = Rsa::generate(2048).unwrap();
        let rsa_pkey = PKey::from_rsa(rsa.clone()).unwrap();
        let sig_p256 = ec_fixed(&EcdsaSig::sign(&attest_sha256, &p256).unwrap(), 32);
        let sig_p384 = ec_fixed(&EcdsaSig::sign(&attest_sha384, &p384).unwrap(), 48);
        Inputs {
            p256_point: point(&p256),
            p384_point: point(&p384),
            rsa_pkcs1_der: rsa.public_key_to_der_pkcs1().unwrap(),
            p256_pkcs8: PKey::from_ec_key(p256.clone())
                .unwrap()
                .private_key_to_pkcs8()
                .unwrap(),
            sig_rsa_pkcs1: rsa_sign(&rsa_pkey, &attest, false),
            sig_rsa_pss: rsa_sign(&rsa_pkey, &attest, true),
            attest,
            ear,
            attest_sha256,
            attest_sha384,
            ear_sha256,
            p256,
            rsa,
            sig_p256,
            sig_p384,
        }
    }
}

/// The operations measured: what each stands for in an appraisal.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    VerifyP256,
    VerifyP384,
    VerifyRsaPkcs1,
    VerifyRsaPss,
    SignP256,
    ParseP256,
    ParseRsa,
    Sha256Attest,
    Sha256Ear,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::VerifyP256 => "ECDSA P-256 SHA-256 verify",
            Kind::VerifyP384 => "ECDSA P-384 SHA-384 verify",
            Kind::VerifyRsaPkcs1 => "RSA-2048 PKCS#1 v1.5 SHA-256 verify",
            Kind::VerifyRsaPss => "RSA-2048 PSS SHA-256 verify",
            Kind::SignP256 => "ECDSA P-256 sign (ES256 EAR)",
            Kind::ParseP256 => "P-256 public key from point (once per AK)",
            Kind::ParseRsa => "RSA-2048 public key from n, e (once per AK)",
            Kind::Sha256Attest => "SHA-256 of 145-byte TPMS_ATTEST",
            Kind::Sha256Ear => "SHA-256 of 700-byte EAR signing input",
        }
    }
}

const LIBS: [&str; 3] = ["openssl", "aws-lc-rs", "ring"];

struct Op {
    lib: &'static str,
    kind: Kind,
    /// One call; false if the library rejected a valid input (the run then fails).
    run: Box<dyn FnMut() -> bool>,
}

fn op(lib: &'static str, kind: Kind, run: impl FnMut() -> bool + 'static) -> Op {
    Op {
        lib,
        kind,
        run: Box::new(run),
    }
}

/// OpenSSL, called exactly as aegis-core/src/crypto/native.rs calls it: prehashed digests, the
/// public key parsed once (the provider's KeyCache), the ECDSA signature rebuilt from r and s
/// and a fresh EVP_PKEY_CTX per RSA verification, as the provider does per call.
fn openssl_ops(inp: &Inputs) -> Vec<Op> {
    fn verify_ecdsa(key: &EcKey<Public>, digest: &[u8], sig: &[u8]) -> bool {
        let (r, s) = sig.split_at(sig.len() / 2);
        let sig = EcdsaSig::from_private_components(
            BigNum::from_slice(r).unwrap(),
            BigNum::from_slice(s).unwrap(),
        )
        .unwrap();
        sig.verify(digest, key).unwrap_or(false)
    }
    fn verify_rsa(key: &PKey<Public>, digest: &[u8], sig: &[u8], pss: bool) -> bool {
        let mut ctx = PkeyCtx::new(key).unwrap();
        ctx.verify_init().unwrap();
        ctx.set_signature_md(Md::sha256()).unwrap();
        if pss {
            ctx.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            ctx.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                .unwrap();
            ctx.set_rsa_mgf1_md(Md::sha256()).unwrap();
        } else {
            ctx.set_rsa_padding(Padding::PKCS1).unwrap();
        }
        ctx.verify(digest, sig).unwrap_or(false)
    }
    // The provider builds each curve's group once per process.
    fn public_ec(sec1: &[u8], group: &EcGroup) -> EcKey<Public> {
        let mut ctx = BigNumContext::new().unwrap();
        let point = EcPoint::from_bytes(group, sec1, &mut ctx).unwrap();
        EcKey::from_public_key(group, &point).unwrap()
    }
    fn public_rsa(n: &[u8], e: u32) -> PKey<Public> {
        let rsa = Rsa::from_public_components(
            BigNum::from_slice(n).unwrap(),
            BigNum::from_u32(e).unwrap(),
        )
        .unwrap();
        PKey::from_rsa(rsa).unwrap()
    }

    let g256 = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let g384 = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
    let k256 = public_ec(&inp.p256_point, &g256);
    let k384 = public_ec(&inp.p384_point, &g384);
    let n = inp.rsa.n().to_vec();
    let krsa = public_rsa(&n, 65537);
    let lib = "openssl";
    let mut ops = Vec::new();
    {
        let (d, s) = (inp.attest_sha256.clone(), inp.sig_p256.clone());
        ops.push(op(lib, Kind::VerifyP256, move || {
            verify_ecdsa(&k256, black_box(&d), black_box(&s))
        }));
    }
    {
        let (d, s) = (inp.attest_sha384.clone(), inp.sig_p384.clone());
        ops.push(op(lib, Kind::VerifyP384, move || {
            verify_ecdsa(&k384, black_box(&d), black_box(&s))
        }));
    }
    for (kind, pss, sig) in [
        (Kind::VerifyRsaPkcs1, false, inp.sig_rsa_pkcs1.clone()),
        (Kind::VerifyRsaPss, true, inp.sig_rsa_pss.clone()),
    ] {
        let (k, d) = (krsa.clone(), inp.attest_sha256.clone());
        ops.push(op(lib, kind, move || {
            verify_rsa(&k, black_box(&d), black_box(&sig), pss)
        }));
    }
    {
        let (key, d) = (inp.p256.clone(), inp.ear_sha256.clone());
        ops.push(op(lib, Kind::SignP256, move || {
            let sig = EcdsaSig::sign(black_box(&d), &key).unwrap();
            let r = sig.r().to_vec_padded(32).unwrap();
            let s = sig.s().to_vec_padded(32).unwrap();
            black_box((r, s));
            true
        }));
    }
    {
        let p = inp.p256_point.clone();
        ops.push(op(lib, Kind::ParseP256, move || {
            black_box(public_ec(black_box(&p), &g256));
            true
        }));
    }
    ops.push(op(lib, Kind::ParseRsa, move || {
        black_box(public_rsa(black_box(&n), 65537));
        true
    }));
    for (kind, msg) in [
        (Kind::Sha256Attest, inp.attest.clone()),
        (Kind::Sha256Ear, inp.ear.clone()),
    ] {
        ops.push(op(lib, kind, move || {
            black_box(hash(MessageDigest::sha256(), black_box(&msg)).unwrap());
            true
        }));
    }
    ops
}

/// aws-lc-rs: ParsedPublicKey (parsed once) with its prehashed-digest entry points.
fn aws_lc_ops(inp: &Inputs) -> Vec<Op> {
    use aws_lc_rs::digest::{self, Digest, SHA256, SHA384};
    use aws_lc_rs::signature::{
        EcdsaKeyPair, ParsedPublicKey, VerificationAlgorithm, ECDSA_P256_SHA256_FIXED,
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED, RSA_PKCS1_2048_8192_SHA256,
        RSA_PSS_2048_8192_SHA256,
    };
    let lib = "aws-lc-rs";
    let mut ops = Vec::new();
    let verify_rows: [(
        Kind,
        &'static dyn VerificationAlgorithm,
        &[u8],
        &[u8],
        &[u8],
        _,
    ); 4] = [
        (
            Kind::VerifyP256,
            &ECDSA_P256_SHA256_FIXED,
            &inp.p256_point,
            &inp.attest_sha256,
            &inp.sig_p256,
            &SHA256,
        ),
        (
            Kind::VerifyP384,
            &ECDSA_P384_SHA384_FIXED,
            &inp.p384_point,
            &inp.attest_sha384,
            &inp.sig_p384,
            &SHA384,
        ),
        (
            Kind::VerifyRsaPkcs1,
            &RSA_PKCS1_2048_8192_SHA256,
            &inp.rsa_pkcs1_der,
            &inp.attest_sha256,
            &inp.sig_rsa_pkcs1,
            &SHA256,
        ),
        (
            Kind::VerifyRsaPss,
            &RSA_PSS_2048_8192_SHA256,
            &inp.rsa_pkcs1_der,
            &inp.attest_sha256,
            &inp.sig_rsa_pss,
            &SHA256,
        ),
    ];
    for (kind, alg, key, d, sig, halg) in verify_rows {
        let key = ParsedPublicKey::new(alg, key).unwrap();
        let (d, sig) = (d.to_vec(), sig.to_vec());
        ops.push(op(lib, kind, move || {
            let digest = Digest::import_less_safe(black_box(&d), halg).unwrap();
            key.verify_digest_sig(&digest, black_box(&sig)).is_ok()
        }));
    }
    {
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &inp.p256_pkcs8).unwrap();
        let d = inp.ear_sha256.clone();
        ops.push(op(lib, Kind::SignP256, move || {
            let digest = Digest::import_less_safe(black_box(&d), &SHA256).unwrap();
            black_box(key.sign_digest(&digest).unwrap());
            true
        }));
    }
    for (kind, alg, bytes) in [
        (
            Kind::ParseP256,
            &ECDSA_P256_SHA256_FIXED as &'static dyn VerificationAlgorithm,
            inp.p256_point.clone(),
        ),
        (
            Kind::ParseRsa,
            &RSA_PKCS1_2048_8192_SHA256,
            inp.rsa_pkcs1_der.clone(),
        ),
    ] {
        ops.push(op(lib, kind, move || {
            black_box(ParsedPublicKey::new(alg, black_box(&bytes)).unwrap());
            true
        }));
    }
    for (kind, msg) in [
        (Kind::Sha256Attest, inp.attest.clone()),
        (Kind::Sha256Ear, inp.ear.clone()),
    ] {
        ops.push(op(lib, kind, move || {
            black_box(digest::digest(&SHA256, black_box(&msg)));
            true
        }));
    }
    ops
}

/// ring: message APIs only (no prehashed verify or sign, no parsed-key type), so each figure
/// includes hashing the message and parsing the public key.
fn ring_ops(inp: &Inputs) -> Vec<Op> {
    use ring::digest::{self, SHA256};
    use ring::rand::SystemRandom;
    use ring::signature::{
        EcdsaKeyPair, UnparsedPublicKey, VerificationAlgorithm, ECDSA_P256_SHA256_FIXED,
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED, RSA_PKCS1_2048_8192_SHA256,
        RSA_PSS_2048_8192_SHA256,
    };
    let lib = "ring";
    let mut ops = Vec::new();
    let verify_rows: [(Kind, &'static dyn VerificationAlgorithm, &[u8], &[u8]); 4] = [
        (
            Kind::VerifyP256,
            &ECDSA_P256_SHA256_FIXED,
            &inp.p256_point,
            &inp.sig_p256,
        ),
        (
            Kind::VerifyP384,
            &ECDSA_P384_SHA384_FIXED,
            &inp.p384_point,
            &inp.sig_p384,
        ),
        (
            Kind::VerifyRsaPkcs1,
            &RSA_PKCS1_2048_8192_SHA256,
            &inp.rsa_pkcs1_der,
            &inp.sig_rsa_pkcs1,
        ),
        (
            Kind::VerifyRsaPss,
            &RSA_PSS_2048_8192_SHA256,
            &inp.rsa_pkcs1_der,
            &inp.sig_rsa_pss,
        ),
    ];
    for (kind, alg, key, sig) in verify_rows {
        let (key, sig, msg) = (key.to_vec(), sig.to_vec(), inp.attest.clone());
        ops.push(op(lib, kind, move || {
            UnparsedPublicKey::new(alg, black_box(&key))
                .verify(black_box(&msg), black_box(&sig))
                .is_ok()
        }));
    }
    {
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &inp.p256_pkcs8, &rng)
            .unwrap();
        let msg = inp.ear.clone();
        ops.push(op(lib, Kind::SignP256, move || {
            black_box(key.sign(&rng, black_box(&msg)).unwrap());
            true
        }));
    }
    for (kind, msg) in [
        (Kind::Sha256Attest, inp.attest.clone()),
        (Kind::Sha256Ear, inp.ear.clone()),
    ] {
        ops.push(op(lib, kind, move || {
            black_box(digest::digest(&SHA256, black_box(&msg)));
            true
        }));
    }
    ops
}

/// The CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Samples {
    iters: u64,
    cpu_ns: Vec<f64>,
    wall_ns: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let rounds = env_u64("BENCH_ROUNDS", 200) as usize;
    let sample_ns = env_u64("BENCH_SAMPLE_MS", 3) * 1_000_000;
    let other_us = env_u64("BENCH_OTHER_US", 10) as f64;

    let inputs = Inputs::new();
    let mut ops = openssl_ops(&inputs);
    ops.extend(aws_lc_ops(&inputs));
    ops.extend(ring_ops(&inputs));

    eprintln!(
        "{}; load average (1, 5, 15 min) at start: {}",
        openssl::version::version(),
        loadavg()
    );
    // Check every operation once, then calibrate a batch size per operation.
    let mut samples: Vec<Samples> = ops
        .iter_mut()
        .map(|o| {
            assert!(
                (o.run)(),
                "{} rejected a valid input: {}",
                o.lib,
                o.kind.label()
            );
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed().as_millis() < 20 {
                (o.run)();
                n += 1;
            }
            let per = start.elapsed().as_nanos() as u64 / n;
            Samples {
                iters: (sample_ns / per.max(1)).max(1),
                cpu_ns: Vec::with_capacity(rounds),
                wall_ns: Vec::with_capacity(rounds),
            }
        })
        .collect();

    let mut failures = 0u64;
    for round in 0..rounds {
        for k in 0..ops.len() {
            let i = (round + k) % ops.len();
            let (o, s) = (&mut ops[i], &mut samples[i]);
            let (c0, w0) = (thread_cpu_ns(), Instant::now());
            for _ in 0..s.iters {
                failures += u64::from(!(o.run)());
            }
            let wall = w0.elapsed().as_nanos() as f64;
            let cpu = (thread_cpu_ns() - c0) as f64;
            s.cpu_ns.push(cpu / s.iters as f64);
            s.wall_ns.push(wall / s.iters as f64);
        }
    }
    assert_eq!(failures, 0, "a verification failed during the run");
    let load_end = loadavg();

    // Per-operation table: median CPU time per call (us), its IQR, median wall time, ops/s.
    println!(
        "| operation | library | CPU µs/op (median) | IQR | wall µs/op (median) | ops/s/core |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    let mut cpu_us = std::collections::HashMap::new();
    for (o, s) in ops.iter().zip(samples.iter_mut()) {
        let c = median(&mut s.cpu_ns) / 1000.0;
        let w = median(&mut s.wall_ns) / 1000.0;
        let (q1, q3) = (
            quantile(&s.cpu_ns, 0.25) / 1000.0,
            quantile(&s.cpu_ns, 0.75) / 1000.0,
        );
        cpu_us.insert((o.lib, o.kind), c);
        println!(
            "| {} | {} | {:.2} | {:.2}–{:.2} | {:.2} | {:.0} |",
            o.kind.label(),
            o.lib,
            c,
            q1,
            q3,
            w,
            1e6 / c
        );
    }

    // Projected appraisals per second per core (the signature work of one appraisal, plus
    // `other_us` of everything else). ring has no prehashed entry points: its verify and sign
    // figures also include hashing the message (the SHA-256 rows), which an appraisal does
    // anyway in its non-signature work, so ring's projection counts that hashing twice.
    println!();
    println!(
        "Projection: (a) P-256 AK + ES256 EAR = 2 P-256 verifies + 1 P-256 sign; (b) RSA-2048 AK \
         (RSASSA) + ES256 EAR = 2 RSA PKCS#1 v1.5 verifies + 1 P-256 sign; each plus {other_us} µs \
         of assumed non-signature work. \"+parse\": one AK public-key parse more per appraisal."
    );
    println!();
    println!("| library | (a) µs | (a) appraisals/s/core | (a)+parse /s | (b) µs | (b) appraisals/s/core | (b)+parse /s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for lib in LIBS {
        let t = |k: Kind| cpu_us.get(&(lib, k)).copied();
        let sign = t(Kind::SignP256).unwrap();
        let a = 2.0 * t(Kind::VerifyP256).unwrap() + sign + other_us;
        let b = 2.0 * t(Kind::VerifyRsaPkcs1).unwrap() + sign + other_us;
        // ring parses inside every verify: nothing to add.
        let pa = t(Kind::ParseP256).unwrap_or(0.0);
        let pb = t(Kind::ParseRsa).unwrap_or(0.0);
        println!(
            "| {lib} | {a:.1} | {:.0} | {:.0} | {b:.1} | {:.0} | {:.0} |",
            1e6 / a,
            1e6 / (a + pa),
            1e6 / b,
            1e6 / (b + pb)
        );
    }
    eprintln!(
        "rounds {rounds}, sample ~{} ms; load average at end: {load_end}",
        sample_ns / 1_000_000
    );
}
