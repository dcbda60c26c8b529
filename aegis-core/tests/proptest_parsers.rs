//! Property tests on every parser (VERIFIER-CHECKS.md item 1: strict, bounded, never panics).
//!
//! - Arbitrary bytes never panic.
//! - Mutations of the real vectors in testdata/ (bit flips, byte writes, truncation, appended
//!   bytes) never panic: each parses or returns an error.
//! - What Aegis builds, Aegis parses back unchanged (round trip for every builder/encoder).
//! - Allocation is bounded by the input size: a counting `#[global_allocator]` (per thread, so
//!   parallel tests do not disturb each other) sums every byte a parse allocates, the result
//!   included, and each parser must stay within `k * input_len + C` (see [`BOUNDS`]).
//!
//! Cases per property: proptest's default (256), or `PROPTEST_CASES`.

// The counting allocator implements `GlobalAlloc`, an unsafe trait; it only forwards to
// `System`. aegis-core itself stays `#![forbid(unsafe_code)]` (this is a separate test crate).
#![allow(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::OnceLock;

use aegis_core::compat::{keylime, pcr_file, pcr_json, public_key_to_spki_der, read_pcrs};
use aegis_core::crypto::all_providers;
use aegis_core::tpm::{
    alg, st, Attest, AttestInfo, CertifyInfo, ClockInfo, EccCurve, EccParms, HashAlg, KeyParms,
    Name, ObjectAttributes, PcrBank, PcrSelection, PcrValues, Public, QuoteInfo, RsaParms, Scheme,
    Signature, SymDef,
};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Bytes allocated since counting started (a realloc counts its new size).
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    /// Bytes live now, relative to the start (frees of older blocks may take it below zero).
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// Highest `LIVE` seen since counting started.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = COUNTING.try_with(|c| {
        if c.get() {
            let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(size)));
            let _ = LIVE.try_with(|l| {
                let now = l.get().saturating_add(size as isize);
                l.set(now);
                let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
            });
        }
    });
}

fn note_free(size: usize) {
    let _ = COUNTING.try_with(|c| {
        if c.get() {
            let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(size as isize)));
        }
    });
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_free(layout.size());
        note_alloc(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What one call allocated on this thread.
#[derive(Clone, Copy, Debug)]
struct Usage {
    total: usize,
    peak: usize,
}

/// Runs `f` with counting on; the value `f` returns is dropped before counting stops, so its
/// allocations are in `total` and `peak`.
fn measure<R>(f: impl FnOnce() -> R) -> Usage {
    TOTAL.with(|t| t.set(0));
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    drop(r);
    COUNTING.with(|c| c.set(false));
    Usage {
        total: TOTAL.with(Cell::get),
        peak: PEAK.with(Cell::get).max(0) as usize,
    }
}

// ---------------------------------------------------------------------------------------------
// The parsers and their allocation bounds
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parser {
    Public,
    Attest,
    Signature,
    PcrSelection,
    PcrFile,
    PcrJson,
    Keylime,
    Spki,
}

const PARSERS: [Parser; 8] = [
    Parser::Public,
    Parser::Attest,
    Parser::Signature,
    Parser::PcrSelection,
    Parser::PcrFile,
    Parser::PcrJson,
    Parser::Keylime,
    Parser::Spki,
];

/// Allocation bound per parser: total bytes allocated by one call of one entry point (result
/// included, a realloc counting its new size) <= K * input_len + C.
///
/// - Binary TPM structures, the PCR file, SPKI and the Keylime string: K = 2. Each input byte
///   is copied at most twice (the raw bytes kept for signatures and Names, and the decoded
///   field); measured worst case 1.96 (an RSA-4096 TPMT_PUBLIC, see
///   `crafted_worst_cases_stay_within_bounds`). C covers the fixed-size parts (the capacity
///   reserved for up to 16 selection entries, bank tables).
/// - PCR JSON: K = 2. `pcr_json::parse` deserializes straight into capped, typed maps (at most
///   4 banks of 24 entries; any other shape is refused at its first token), so no input shape
///   makes it allocate a tree. C covers the largest accepted document's fixed cost (96 entries:
///   key and value strings, map growth; measured 17 KiB for 4 full banks of empty values).
const BOUNDS: [(Parser, usize, usize); 8] = [
    (Parser::Public, 2, 1024),
    (Parser::Attest, 2, 1024),
    (Parser::Signature, 2, 1024),
    (Parser::PcrSelection, 2, 1024),
    (Parser::PcrFile, 2, 4096),
    (Parser::PcrJson, 2, 24576),
    (Parser::Keylime, 2, 1024),
    (Parser::Spki, 2, 4096),
];

fn bound(p: Parser) -> (usize, usize) {
    BOUNDS
        .iter()
        .find(|(q, _, _)| *q == p)
        .map(|(_, k, c)| (*k, *c))
        .unwrap()
}

/// One parse entry point: the parser it belongs to, its name, and the call.
type Entry = (Parser, &'static str, fn(&[u8]) -> bool);

fn spki_with(data: &[u8], scheme: Scheme) -> bool {
    AttestationKey::from_bare_key_unchecked(data, scheme, &any_key_policy()).is_ok()
}

/// Every public parse entry point, measured one call at a time.
const ENTRIES: &[Entry] = &[
    (Parser::Public, "Public::parse_any", |d| {
        Public::parse_any(d).is_ok()
    }),
    (Parser::Public, "Public::parse_tpmt", |d| {
        Public::parse_tpmt(d).is_ok()
    }),
    (Parser::Public, "Public::parse_tpm2b", |d| {
        Public::parse_tpm2b(d).is_ok()
    }),
    (Parser::Attest, "Attest::parse_any", |d| {
        Attest::parse_any(d).is_ok()
    }),
    (Parser::Attest, "Attest::parse", |d| {
        Attest::parse(d).is_ok()
    }),
    (Parser::Attest, "Attest::parse_tpm2b", |d| {
        Attest::parse_tpm2b(d).is_ok()
    }),
    (Parser::Signature, "Signature::parse", |d| {
        Signature::parse(d).is_ok()
    }),
    (Parser::PcrSelection, "PcrSelection::parse", |d| {
        PcrSelection::parse(d).is_ok()
    }),
    (Parser::PcrFile, "pcr_file::parse", |d| {
        pcr_file::parse(d).is_ok()
    }),
    (Parser::PcrFile, "read_pcrs (PCR file)", |d| {
        read_pcrs(d).is_ok()
    }),
    (Parser::PcrJson, "pcr_json::parse", |d| {
        pcr_json::parse(d).is_ok()
    }),
    (Parser::PcrJson, "read_pcrs (JSON)", |d| {
        read_pcrs(d).is_ok()
    }),
    (Parser::Keylime, "keylime::parse", |d| {
        std::str::from_utf8(d).is_ok_and(|t| keylime::parse(t).is_ok())
    }),
    (Parser::Spki, "from_bare_key_unchecked (RSASSA)", |d| {
        spki_with(d, Scheme::RsaSsa(HashAlg::Sha256))
    }),
    (Parser::Spki, "from_bare_key_unchecked (RSAPSS)", |d| {
        spki_with(d, Scheme::RsaPss(HashAlg::Sha256))
    }),
    (Parser::Spki, "from_bare_key_unchecked (ECDSA)", |d| {
        spki_with(d, Scheme::Ecdsa(HashAlg::Sha256))
    }),
];

fn any_key_policy() -> KeyPolicy {
    KeyPolicy {
        rsa_bits: vec![1024, 2048, 3072, 4096],
        curves: vec![EccCurve::NistP256, EccCurve::NistP384, EccCurve::NistP521],
    }
}

/// Runs every entry point of `parser` on `data`, one at a time under the counting allocator,
/// and checks each against the parser's bound. Returns the worst bytes-per-input-byte ratio.
fn check_parse(parser: Parser, data: &[u8]) -> Result<f64, TestCaseError> {
    let (k, c) = bound(parser);
    let mut worst = 0.0f64;
    for (_, name, f) in ENTRIES.iter().filter(|(p, _, _)| *p == parser) {
        let usage = measure(|| f(data));
        prop_assert!(
            usage.total <= k * data.len() + c,
            "{name}: {} bytes allocated (peak live {}) for {} input bytes; bound {k} * len + {c}",
            usage.total,
            usage.peak,
            data.len()
        );
        worst = worst.max(usage.total as f64 / data.len().max(1) as f64);
    }
    Ok(worst)
}

// ---------------------------------------------------------------------------------------------
// Real vectors from testdata/
// ---------------------------------------------------------------------------------------------

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn read(rel: &str) -> Vec<u8> {
    let path = testdata().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest() -> &'static serde_json::Value {
    static M: OnceLock<serde_json::Value> = OnceLock::new();
    M.get_or_init(|| {
        serde_json::from_slice(&read("manifest.json")).expect("testdata/manifest.json is JSON")
    })
}

fn vectors() -> &'static [serde_json::Value] {
    manifest()["vectors"]
        .as_array()
        .expect("manifest has vectors")
}

/// Real inputs per parser: every file in the manifest that is meant for it, plus what is
/// derived from them (selections from quotes, Keylime strings, SPKI DER), plus built ones.
fn corpus() -> &'static [(Parser, Vec<u8>)] {
    static C: OnceLock<Vec<(Parser, Vec<u8>)>> = OnceLock::new();
    C.get_or_init(|| {
        let mut out: Vec<(Parser, Vec<u8>)> = Vec::new();
        let path = |v: &serde_json::Value, k: &str| v[k].as_str().map(str::to_string);
        for v in vectors() {
            for key in ["ak", "key", "ek_pub"] {
                if let Some(p) = path(v, key) {
                    let bytes = read(&p);
                    if let Ok(public) = Public::parse_any(&bytes) {
                        if let Ok(der) = public_key_to_spki_der(&public) {
                            out.push((Parser::Spki, der));
                        }
                    }
                    out.push((Parser::Public, bytes));
                    let pem = p.replace(".pub", ".pem");
                    if p.ends_with(".pub") && testdata().join(&pem).exists() {
                        out.push((Parser::Spki, read(&pem)));
                    }
                }
            }
            match v["kind"].as_str() {
                Some("quote") | Some("certify") => {
                    let attest = read(&path(v, "attest").unwrap());
                    let signature = read(&path(v, "signature").unwrap());
                    if let Ok(a) = Attest::parse_any(&attest) {
                        if let AttestInfo::Quote(q) = &a.info {
                            out.push((Parser::PcrSelection, q.pcr_select.encode()));
                        }
                    }
                    if let Some(p) = path(v, "pcrs") {
                        let pcrs = read(&p);
                        if p.ends_with(".json") {
                            out.push((Parser::PcrJson, pcrs));
                        } else {
                            let text = keylime::encode(&keylime::KeylimeQuote {
                                attest: attest.clone(),
                                signature: signature.clone(),
                                pcr_file: pcrs.clone(),
                            });
                            out.push((Parser::Keylime, text.into_bytes()));
                            out.push((Parser::PcrFile, pcrs));
                        }
                    }
                    out.push((Parser::Attest, attest));
                    out.push((Parser::Signature, signature));
                }
                Some("inspect") => {
                    let file = read(&path(v, "file").unwrap());
                    let parser = match v["structure"].as_str().unwrap_or("") {
                        "tpms_attest" | "tpm2b_attest" => Some(Parser::Attest),
                        "tpmt_public" | "tpm2b_public" => Some(Parser::Public),
                        "tpmt_signature" => Some(Parser::Signature),
                        "pcrs" if file.trim_ascii_start().starts_with(b"{") => {
                            Some(Parser::PcrJson)
                        }
                        "pcrs" => Some(Parser::PcrFile),
                        "keylime_quote" => Some(Parser::Keylime),
                        _ => None,
                    };
                    if let Some(parser) = parser {
                        out.push((parser, file));
                    }
                }
                _ => {}
            }
        }
        for p in PARSERS {
            assert!(
                out.iter().any(|(q, _)| *q == p),
                "testdata/ has no vector for {p:?}"
            );
        }
        out
    })
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    Append(Vec<u8>),
    Remove(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, v)| Mutation::SetByte(i, v)),
        any::<Index>().prop_map(Mutation::Truncate),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(Mutation::Append),
        any::<Index>().prop_map(Mutation::Remove),
    ]
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::FlipBit(i, bit) if !data.is_empty() => {
            let at = i.index(data.len());
            data[at] ^= 1 << bit;
        }
        Mutation::SetByte(i, v) if !data.is_empty() => {
            let at = i.index(data.len());
            data[at] = *v;
        }
        Mutation::Truncate(i) => {
            let n = i.index(data.len() + 1);
            data.truncate(n);
        }
        Mutation::Append(extra) => data.extend_from_slice(extra),
        Mutation::Remove(i) if !data.is_empty() => {
            let at = i.index(data.len());
            data.remove(at);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies for the round trips
// ---------------------------------------------------------------------------------------------

fn hash_alg() -> impl Strategy<Value = HashAlg> {
    prop::sample::select(HashAlg::ALL.to_vec())
}

fn sym_def() -> impl Strategy<Value = SymDef> {
    prop_oneof![
        Just(SymDef::Null),
        prop::sample::select(vec![128u16, 192, 256]).prop_map(|key_bits| SymDef::Aes {
            key_bits,
            mode: alg::CFB
        }),
    ]
}

fn rsa_scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![
        Just(Scheme::Null),
        Just(Scheme::RsaEs),
        hash_alg().prop_map(Scheme::RsaSsa),
        hash_alg().prop_map(Scheme::RsaPss),
        hash_alg().prop_map(Scheme::Oaep),
    ]
}

fn ecc_scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![
        Just(Scheme::Null),
        hash_alg().prop_map(Scheme::Ecdsa),
        hash_alg().prop_map(Scheme::Ecdh),
        hash_alg().prop_map(Scheme::EcSchnorr),
        hash_alg().prop_map(Scheme::Sm2),
        (hash_alg(), any::<u16>()).prop_map(|(hash, count)| Scheme::Ecdaa { hash, count }),
    ]
}

fn key_parms() -> impl Strategy<Value = KeyParms> {
    let rsa = (
        sym_def(),
        rsa_scheme(),
        prop::sample::select(vec![1024u16, 2048, 3072, 4096]),
        any::<u32>(),
    )
        .prop_flat_map(|(symmetric, scheme, key_bits, exponent)| {
            proptest::collection::vec(any::<u8>(), usize::from(key_bits / 8)).prop_map(
                move |mut modulus| {
                    // A real modulus of key_bits bits has its top bit set.
                    modulus[0] |= 0x80;
                    KeyParms::Rsa(RsaParms {
                        symmetric,
                        scheme,
                        key_bits,
                        exponent,
                        modulus,
                    })
                },
            )
        });
    let ecc = (
        sym_def(),
        ecc_scheme(),
        prop::sample::select(vec![
            EccCurve::NistP256,
            EccCurve::NistP384,
            EccCurve::NistP521,
        ]),
        proptest::option::of((0x0020u16..=0x0022, hash_alg())),
    )
        .prop_flat_map(|(symmetric, scheme, curve, kdf)| {
            let n = curve.coordinate_size();
            (
                proptest::collection::vec(any::<u8>(), n),
                proptest::collection::vec(any::<u8>(), n),
            )
                .prop_map(move |(x, y)| {
                    KeyParms::Ecc(EccParms {
                        symmetric,
                        scheme,
                        curve,
                        kdf,
                        x,
                        y,
                    })
                })
        });
    prop_oneof![rsa, ecc]
}

fn public_fields() -> impl Strategy<Value = (HashAlg, ObjectAttributes, Vec<u8>, KeyParms)> {
    (
        hash_alg(),
        any::<u32>().prop_map(|a| ObjectAttributes(a & !ObjectAttributes::RESERVED)),
        proptest::collection::vec(any::<u8>(), 0..=64),
        key_parms(),
    )
}

fn pcr_selection() -> impl Strategy<Value = PcrSelection> {
    (
        prop::sample::subsequence(HashAlg::ALL.to_vec(), 0..=4).prop_shuffle(),
        proptest::collection::vec((0u8..=4, any::<u32>()), 4),
    )
        .prop_map(|(hashes, sizes)| PcrSelection {
            banks: hashes
                .into_iter()
                .zip(sizes)
                .map(|(hash, (sizeof_select, raw))| {
                    let fits = if sizeof_select >= 4 {
                        u32::MAX
                    } else {
                        (1u32 << (8 * sizeof_select)) - 1
                    };
                    PcrBank {
                        hash,
                        mask: raw & fits & 0x00ff_ffff,
                        sizeof_select,
                    }
                })
                .collect(),
        })
}

fn name_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..=66)
}

fn attest_parts() -> impl Strategy<Value = (u16, Name, Vec<u8>, ClockInfo, u64, AttestInfo)> {
    let clock = (any::<u64>(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
        |(clock, reset_count, restart_count, safe)| ClockInfo {
            clock,
            reset_count,
            restart_count,
            safe,
        },
    );
    let info = prop_oneof![
        (
            pcr_selection(),
            proptest::collection::vec(any::<u8>(), 0..=64)
        )
            .prop_map(|(pcr_select, pcr_digest)| AttestInfo::Quote(QuoteInfo {
                pcr_select,
                pcr_digest
            })),
        (name_bytes(), name_bytes()).prop_map(|(n, q)| AttestInfo::Certify(CertifyInfo {
            name: Name::from_bytes(&n),
            qualified_name: Name::from_bytes(&q)
        })),
    ];
    (name_bytes(), name_bytes(), clock, any::<u64>(), info).prop_map(
        |(signer, extra, clock, fw, info)| {
            let ty = if matches!(info, AttestInfo::Quote(_)) {
                st::ATTEST_QUOTE
            } else {
                st::ATTEST_CERTIFY
            };
            (ty, Name::from_bytes(&signer), extra, clock, fw, info)
        },
    )
}

fn signature() -> impl Strategy<Value = Signature> {
    prop_oneof![
        (hash_alg(), proptest::collection::vec(any::<u8>(), 1..=512))
            .prop_map(|(hash, sig)| Signature::RsaSsa { hash, sig }),
        (hash_alg(), proptest::collection::vec(any::<u8>(), 1..=512))
            .prop_map(|(hash, sig)| Signature::RsaPss { hash, sig }),
        (
            hash_alg(),
            proptest::collection::vec(any::<u8>(), 0..=66),
            proptest::collection::vec(any::<u8>(), 0..=66)
        )
            .prop_map(|(hash, r, s)| Signature::Ecdsa { hash, r, s }),
        Just(Signature::Null),
    ]
}

fn pcr_values() -> impl Strategy<Value = PcrValues> {
    prop::sample::subsequence(HashAlg::ALL.to_vec(), 0..=4).prop_flat_map(|hashes| {
        let banks: Vec<_> = hashes
            .into_iter()
            .map(|h| {
                proptest::collection::btree_map(
                    0u8..24,
                    proptest::collection::vec(any::<u8>(), 0..=64),
                    1..=24,
                )
                .prop_map(move |m| (h, m))
            })
            .collect();
        banks.prop_map(|banks| {
            let mut v = PcrValues::default();
            for (h, m) in banks {
                for (i, value) in m {
                    v.insert(h, i, value).unwrap();
                }
            }
            v
        })
    })
}

// ---------------------------------------------------------------------------------------------
// The verifier path with real evidence
// ---------------------------------------------------------------------------------------------

struct QuoteFixture {
    ak: AttestationKey,
    nonce: Vec<u8>,
    attest: Vec<u8>,
    signature: Vec<u8>,
    pcrs: Vec<u8>,
}

/// Every valid quote vector in testdata/.
fn quote_fixtures() -> &'static [QuoteFixture] {
    static F: OnceLock<Vec<QuoteFixture>> = OnceLock::new();
    F.get_or_init(|| {
        let out: Vec<QuoteFixture> = vectors()
            .iter()
            .filter(|v| v["kind"] == "quote" && v["expect"]["verdict"] == "valid")
            .filter_map(|v| {
                let s = |k: &str| v[k].as_str().unwrap().to_string();
                let ak =
                    AttestationKey::from_tpm_public(&read(&s("ak")), &KeyPolicy::default()).ok()?;
                Some(QuoteFixture {
                    ak,
                    nonce: hex::decode(s("nonce")).unwrap(),
                    attest: Attest::parse_any(&read(&s("attest")))
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                    signature: read(&s("signature")),
                    pcrs: read(&s("pcrs")),
                })
            })
            .collect();
        assert!(!out.is_empty(), "testdata/ has no valid quote vector");
        out
    })
}

fn policy_for(pcrs: &PcrValues) -> QuotePolicy {
    let mut p = QuotePolicy::default();
    p.attest.allow_sha1(true);
    p.require_all_of(pcrs);
    p
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    // Failures print the shrunk input; nothing is written next to the sources.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_allocation_is_bounded(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for p in PARSERS {
            check_parse(p, &data)?;
        }
    }

    #[test]
    fn text_like_inputs_never_panic_and_allocation_is_bounded(
        json in "[ {}\\[\\]\":,0-9a-fxsh.e+-]{0,600}",
        kl in "r?[A-Za-z0-9+/=:]{0,600}",
        pem in "(-----BEGIN PUBLIC KEY-----\n)?[A-Za-z0-9+/=\n]{0,400}(-----END PUBLIC KEY-----\n)?",
    ) {
        check_parse(Parser::PcrJson, json.as_bytes())?;
        check_parse(Parser::Keylime, kl.as_bytes())?;
        check_parse(Parser::Spki, pem.as_bytes())?;
    }

    #[test]
    fn mutated_real_vectors_parse_or_fail_cleanly(
        which in any::<Index>(),
        edits in proptest::collection::vec(mutation(), 0..6),
    ) {
        let (parser, original) = which.get(corpus());
        let mut data = original.clone();
        for m in &edits {
            apply(&mut data, m);
        }
        check_parse(*parser, &data)?;
    }

    #[test]
    fn mutated_real_quotes_never_verify_as_something_else(
        which in any::<Index>(),
        part in 0usize..3,
        edits in proptest::collection::vec(mutation(), 0..4),
    ) {
        let fx = which.get(quote_fixtures());
        let mut parts = [fx.attest.clone(), fx.signature.clone(), fx.pcrs.clone()];
        for m in &edits {
            apply(&mut parts[part], m);
        }
        let [attest, signature, pcr_bytes] = &parts;
        let pcrs = read_pcrs(pcr_bytes).unwrap_or_default();
        let policy = policy_for(&pcrs);
        for provider in all_providers() {
            let r = verify_quote(provider, &fx.ak, attest, signature, &pcrs, &fx.nonce, &policy);
            if let Ok(v) = r {
                // A quote that verifies is the one the TPM signed, with its PCR values.
                prop_assert_eq!(v.attest().as_bytes(), fx.attest.as_slice());
                let real = read_pcrs(&fx.pcrs).unwrap();
                for (bank, index, value) in v.pcrs().iter() {
                    prop_assert_eq!(real.get(bank, index), Some(value));
                }
            }
            // The same bytes as a certification: refused, never a panic.
            prop_assert!(verify_certify(provider, &fx.ak, pcr_bytes, attest, signature, &fx.nonce, &CertifyPolicy::default()).is_err());
        }
    }

    #[test]
    fn public_build_parse_round_trip((name_alg, attributes, auth_policy, parms) in public_fields()) {
        let p = Public::build(name_alg, attributes, auth_policy.clone(), parms.clone()).unwrap();
        prop_assert_eq!(p.name_alg, name_alg);
        prop_assert_eq!(p.attributes, attributes);
        prop_assert_eq!(&p.auth_policy, &auth_policy);
        prop_assert_eq!(&p.parms, &parms);
        prop_assert_eq!(Public::parse_tpmt(p.tpmt_bytes()), Ok(p.clone()));
        prop_assert_eq!(Public::parse_tpm2b(&p.to_tpm2b()), Ok(p.clone()));
        prop_assert_eq!(Public::parse_any(p.tpmt_bytes()), Ok(p.clone()));
        prop_assert_eq!(Public::parse_any(&p.to_tpm2b()), Ok(p.clone()));
        // Name = nameAlg || H(TPMT_PUBLIC as built).
        let name = p.name();
        prop_assert_eq!(&name.as_bytes()[..2], &name_alg.alg_id().to_be_bytes()[..]);
        prop_assert_eq!(name.as_bytes()[2..].to_vec(), name_alg.digest(p.tpmt_bytes()));
    }

    #[test]
    fn spki_encode_parse_round_trip((name_alg, attributes, auth_policy, parms) in public_fields()) {
        let p = Public::build(name_alg, attributes, auth_policy, parms).unwrap();
        let der = public_key_to_spki_der(&p).unwrap();
        let scheme = match &p.parms {
            KeyParms::Rsa(r) if r.effective_exponent() != 65537 => None,
            KeyParms::Rsa(_) => Some(Scheme::RsaSsa(HashAlg::Sha256)),
            KeyParms::Ecc(_) => Some(Scheme::Ecdsa(HashAlg::Sha256)),
        };
        if let Some(scheme) = scheme {
            let ak = AttestationKey::from_bare_key_unchecked(&der, scheme, &any_key_policy());
            prop_assert!(ak.is_ok(), "{:?}", ak.err());
        }
    }

    #[test]
    fn attest_build_parse_round_trip((ty, signer, extra, clock, fw, info) in attest_parts()) {
        let a = Attest::build(ty, signer.clone(), extra.clone(), clock, fw, info.clone()).unwrap();
        prop_assert_eq!(a.attest_type, ty);
        prop_assert_eq!(&a.qualified_signer, &signer);
        prop_assert_eq!(&a.extra_data, &extra);
        prop_assert_eq!(a.clock_info, clock);
        prop_assert_eq!(a.firmware_version, fw);
        prop_assert_eq!(&a.info, &info);
        prop_assert_eq!(a.encode().unwrap(), a.as_bytes().to_vec());
        prop_assert_eq!(Attest::parse(a.as_bytes()), Ok(a.clone()));
        prop_assert_eq!(Attest::parse_any(a.as_bytes()), Ok(a.clone()));
        let mut tpm2b = (a.as_bytes().len() as u16).to_be_bytes().to_vec();
        tpm2b.extend_from_slice(a.as_bytes());
        prop_assert_eq!(Attest::parse_tpm2b(&tpm2b), Ok(a.clone()));
    }

    #[test]
    fn signature_encode_parse_round_trip(sig in signature()) {
        prop_assert_eq!(Signature::parse(&sig.encode()), Ok(sig));
    }

    #[test]
    fn pcr_selection_encode_parse_round_trip(sel in pcr_selection()) {
        let bytes = sel.encode();
        prop_assert_eq!(PcrSelection::parse(&bytes), Ok(sel.clone()));
        prop_assert_eq!(PcrSelection::parse(&bytes).unwrap().encode(), bytes);
    }

    #[test]
    fn pcr_file_encode_parse_round_trip(values in pcr_values()) {
        let bytes = pcr_file::encode(&values).unwrap();
        let file = pcr_file::parse(&bytes).unwrap();
        prop_assert_eq!(&file.values, &values);
        prop_assert_eq!(file.selection.len(), values.len());
        prop_assert_eq!(read_pcrs(&bytes), Ok(values.clone()));
    }

    #[test]
    fn pcr_json_to_json_parse_round_trip(values in pcr_values()) {
        let text = serde_json::to_vec(&pcr_json::to_json(&values)).unwrap();
        prop_assert_eq!(pcr_json::parse(&text), Ok(values.clone()));
        prop_assert_eq!(read_pcrs(&text), Ok(values.clone()));
    }

    #[test]
    fn keylime_encode_parse_round_trip(
        attest in proptest::collection::vec(any::<u8>(), 0..200),
        signature in proptest::collection::vec(any::<u8>(), 0..200),
        pcr_file in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let q = keylime::KeylimeQuote { attest, signature, pcr_file };
        prop_assert_eq!(keylime::parse(&keylime::encode(&q)), Ok(q));
    }
}

/// Every genuine vector stays within its parser's allocation bound (the ratios are printed), and
/// the valid quotes verify with the fixtures the mutation test uses.
#[test]
fn genuine_vectors_parse_within_bounds() {
    let mut worst: Vec<(Parser, f64)> = Vec::new();
    for (parser, data) in corpus() {
        let ratio = check_parse(*parser, data).unwrap_or_else(|e| panic!("{e}"));
        worst.push((*parser, ratio));
    }
    for p in PARSERS {
        let max = worst
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, r)| *r)
            .fold(0.0, f64::max);
        eprintln!("{p:?}: at most {max:.2} bytes allocated per input byte on the genuine vectors");
    }
    let valid_quotes = quote_fixtures();
    for fx in valid_quotes {
        let pcrs = read_pcrs(&fx.pcrs).unwrap();
        let policy = policy_for(&pcrs);
        let native = &all_providers()[0];
        verify_quote(
            *native,
            &fx.ak,
            &fx.attest,
            &fx.signature,
            &pcrs,
            &fx.nonce,
            &policy,
        )
        .unwrap();
    }
}

/// Inputs built by hand that random bytes rarely form: the JSON shapes that cost serde_json the
/// most per input byte, the largest TPM structures, long base64 and PEM.
#[test]
fn crafted_worst_cases_stay_within_bounds() {
    let mut cases: Vec<(Parser, &str, Vec<u8>)> = Vec::new();
    let json = |name, text: String| (Parser::PcrJson, name, text.into_bytes());
    // One-entry objects in an array: a BTreeMap leaf node for every 7 input bytes.
    cases.push(json(
        "array of {\"\":0}",
        format!("[{}]", vec![r#"{"":0}"#; 3000].join(",")),
    ));
    cases.push(json(
        "array of {}",
        format!("[{}]", vec!["{}"; 3000].join(",")),
    ));
    cases.push(json(
        "array of 0",
        format!("[{}]", vec!["0"; 5000].join(",")),
    ));
    cases.push(json(
        "array of []",
        format!("[{}]", vec!["[]"; 5000].join(",")),
    ));
    cases.push(json(
        "array of [0]",
        format!("[{}]", vec!["[0]"; 5000].join(",")),
    ));
    cases.push(json(
        "nested objects",
        "{\"\":".repeat(126) + "0" + &"}".repeat(126),
    ));
    cases.push(json("nested arrays", "[".repeat(126) + &"]".repeat(126)));
    cases.push(json(
        "valid banks",
        format!(
            "{{{}}}",
            ["sha1", "sha256", "sha384", "sha512"]
                .iter()
                .map(|b| format!(
                    "\"{b}\":{{{}}}",
                    (0..24)
                        .map(|i| format!("\"{i}\":\"\""))
                        .collect::<Vec<_>>()
                        .join(",")
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    ));
    cases.push(json(
        "many keys",
        format!(
            "{{{}}}",
            (0..3000)
                .map(|i| format!("\"{i}\":0"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    ));
    let rsa4096 = Public::build(
        HashAlg::Sha512,
        ObjectAttributes(ObjectAttributes::SIGN_ENCRYPT),
        vec![7; 64],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme: Scheme::RsaSsa(HashAlg::Sha512),
            key_bits: 4096,
            exponent: 0,
            modulus: vec![0x80; 512],
        }),
    )
    .unwrap();
    cases.push((
        Parser::Public,
        "RSA-4096 TPMT_PUBLIC",
        rsa4096.tpmt_bytes().to_vec(),
    ));
    cases.push((Parser::Public, "RSA-4096 TPM2B_PUBLIC", rsa4096.to_tpm2b()));
    let der = public_key_to_spki_der(&rsa4096).unwrap();
    cases.push((Parser::Spki, "RSA-4096 SPKI DER", der.clone()));
    let b64 = base64_lines(&der);
    cases.push((
        Parser::Spki,
        "RSA-4096 SPKI PEM",
        format!("-----BEGIN PUBLIC KEY-----\n{b64}-----END PUBLIC KEY-----\n").into_bytes(),
    ));
    cases.push((
        Parser::Spki,
        "PEM of junk",
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}-----END PUBLIC KEY-----\n",
            "QUFB\n".repeat(2000)
        )
        .into_bytes(),
    ));
    cases.push((
        Parser::Signature,
        "RSA-4096 signature",
        Signature::RsaSsa {
            hash: HashAlg::Sha512,
            sig: vec![1; 512],
        }
        .encode(),
    ));
    let full = PcrSelection {
        banks: HashAlg::ALL
            .iter()
            .map(|h| PcrBank {
                hash: *h,
                mask: 0x00ff_ffff,
                sizeof_select: 3,
            })
            .collect(),
    };
    cases.push((Parser::PcrSelection, "four full banks", full.encode()));
    let mut all = PcrValues::default();
    for h in HashAlg::ALL {
        for i in 0..24 {
            all.insert(h, i, vec![i; h.digest_size()]).unwrap();
        }
    }
    cases.push((
        Parser::PcrFile,
        "four full banks",
        pcr_file::encode(&all).unwrap(),
    ));
    let q = Attest::build(
        st::ATTEST_QUOTE,
        Name::from_bytes(&[1; 66]),
        vec![2; 66],
        ClockInfo {
            clock: 1,
            reset_count: 2,
            restart_count: 3,
            safe: true,
        },
        4,
        AttestInfo::Quote(QuoteInfo {
            pcr_select: full,
            pcr_digest: vec![5; 64],
        }),
    )
    .unwrap();
    cases.push((Parser::Attest, "largest quote", q.as_bytes().to_vec()));
    let kl = keylime::encode(&keylime::KeylimeQuote {
        attest: vec![1; 5000],
        signature: vec![2; 5000],
        pcr_file: vec![3; 5000],
    });
    cases.push((Parser::Keylime, "long Keylime string", kl.into_bytes()));
    for (parser, name, data) in &cases {
        let ratio = check_parse(*parser, data).unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!(
            "{parser:?} / {name}: {} bytes in, at most {ratio:.2} bytes allocated per input byte",
            data.len()
        );
    }
}

/// Standard base64 in 64-character lines (PEM body).
fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    let mut lines = String::new();
    for line in out.as_bytes().chunks(64) {
        lines.push_str(std::str::from_utf8(line).unwrap());
        lines.push('\n');
    }
    lines
}
