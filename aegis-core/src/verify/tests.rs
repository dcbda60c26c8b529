//! One negative test per verifier check (VERIFIER-CHECKS.md items 1-13, 15), each breaking only
//! that check, on evidence built here with Aegis's own builders and signed with OpenSSL keys.
//! The real-TPM vectors in testdata/ cover the same checks end to end (tests/manifest.rs).

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::Signer;

use super::*;
use crate::crypto::all_providers;
use crate::tpm::{alg, CertifyInfo, EccCurve, EccParms, KeyParms, QuoteInfo, RsaParms, SymDef};

const NONCE: &[u8] = b"fresh-nonce-0123";
const BASE_ATTRS: u32 = ObjectAttributes::FIXED_TPM
    | ObjectAttributes::FIXED_PARENT
    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
    | ObjectAttributes::USER_WITH_AUTH
    | ObjectAttributes::SIGN_ENCRYPT;
const AK_ATTRS: u32 = BASE_ATTRS | ObjectAttributes::RESTRICTED;

enum Key {
    Ec(EcKey<Private>, EccCurve),
    Rsa(Rsa<Private>),
}

struct Signer_ {
    key: Key,
    public: Public,
}

fn ec_public(key: &EcKey<Private>, curve: EccCurve, attrs: u32, scheme: Scheme) -> Public {
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
    key.public_key()
        .affine_coordinates(key.group(), &mut x, &mut y, &mut ctx)
        .unwrap();
    let n = curve.coordinate_size() as i32;
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(attrs),
        vec![],
        KeyParms::Ecc(EccParms {
            symmetric: SymDef::Null,
            scheme,
            curve,
            kdf: None,
            x: x.to_vec_padded(n).unwrap(),
            y: y.to_vec_padded(n).unwrap(),
        }),
    )
    .unwrap()
}

fn ec_signer(curve: EccCurve, attrs: u32, scheme: Scheme) -> Signer_ {
    let nid = match curve {
        EccCurve::NistP256 => Nid::X9_62_PRIME256V1,
        EccCurve::NistP384 => Nid::SECP384R1,
        EccCurve::NistP521 => Nid::SECP521R1,
    };
    let key = EcKey::generate(&EcGroup::from_curve_name(nid).unwrap()).unwrap();
    let public = ec_public(&key, curve, attrs, scheme);
    Signer_ {
        key: Key::Ec(key, curve),
        public,
    }
}

fn rsa_signer(bits: u32, attrs: u32, scheme: Scheme) -> Signer_ {
    let key = Rsa::generate(bits).unwrap();
    let public = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(attrs),
        vec![],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme,
            key_bits: bits as u16,
            exponent: 0,
            modulus: key.n().to_vec(),
        }),
    )
    .unwrap();
    Signer_ {
        key: Key::Rsa(key),
        public,
    }
}

fn md(h: HashAlg) -> MessageDigest {
    match h {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

impl Signer_ {
    fn ak(&self) -> AttestationKey {
        AttestationKey::from_public(self.public.clone(), &KeyPolicy::default()).unwrap()
    }

    /// Signs with the key's scheme, or with `hash` when given (to forge mismatches).
    fn sign_with(&self, data: &[u8], hash: HashAlg) -> Signature {
        match &self.key {
            Key::Ec(k, curve) => {
                let sig = EcdsaSig::sign(&hash.digest(data), k).unwrap();
                let n = curve.coordinate_size() as i32;
                Signature::Ecdsa {
                    hash,
                    r: sig.r().to_vec_padded(n).unwrap(),
                    s: sig.s().to_vec_padded(n).unwrap(),
                }
            }
            Key::Rsa(k) => {
                let pkey = PKey::from_rsa(k.clone()).unwrap();
                let mut s = Signer::new(md(hash), &pkey).unwrap();
                let pss = matches!(self.public.scheme(), Scheme::RsaPss(_));
                if pss {
                    s.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
                    s.set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::DIGEST_LENGTH)
                        .unwrap();
                }
                s.update(data).unwrap();
                let sig = s.sign_to_vec().unwrap();
                if pss {
                    Signature::RsaPss { hash, sig }
                } else {
                    Signature::RsaSsa { hash, sig }
                }
            }
        }
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        self.sign_with(data, self.public.scheme().hash().unwrap())
            .encode()
    }
}

fn clock() -> ClockInfo {
    ClockInfo {
        clock: 1_000_000,
        reset_count: 3,
        restart_count: 1,
        safe: true,
    }
}

fn sample_pcrs() -> PcrValues {
    let mut v = PcrValues::default();
    for (i, fill) in [(0u8, 0x11u8), (1, 0x22), (15, 0x33)] {
        v.insert(HashAlg::Sha256, i, vec![fill; 32]).unwrap();
    }
    v
}

fn quote_attest(signer: &Name, nonce: &[u8], pcrs: &PcrValues, hash: HashAlg) -> Attest {
    let selection = PcrSelection::new(&[(HashAlg::Sha256, &[0u8, 1, 15][..])]).unwrap();
    let concat: Vec<u8> = pcrs.iter().flat_map(|(_, _, v)| v.to_vec()).collect();
    quote_attest_over(signer, nonce, selection, &concat, hash)
}

/// A TPMS_ATTEST of a quote over `selection` whose values, concatenated in signed order, are
/// `concat`.
fn quote_attest_over(
    signer: &Name,
    nonce: &[u8],
    selection: PcrSelection,
    concat: &[u8],
    hash: HashAlg,
) -> Attest {
    Attest::build(
        st::ATTEST_QUOTE,
        signer.clone(),
        nonce.to_vec(),
        clock(),
        0x2019_1023_0016_3636,
        AttestInfo::Quote(QuoteInfo {
            pcr_select: selection,
            pcr_digest: hash.digest(concat),
        }),
    )
    .unwrap()
}

/// A valid quote: (AK signer, TPMS_ATTEST bytes, TPMT_SIGNATURE bytes, PCR values).
fn valid_quote() -> (Signer_, Vec<u8>, Vec<u8>, PcrValues) {
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let pcrs = sample_pcrs();
    let attest = quote_attest(&s.public.name(), NONCE, &pcrs, HashAlg::Sha256)
        .as_bytes()
        .to_vec();
    let sig = s.sign(&attest);
    (s, attest, sig, pcrs)
}

fn quote_err(
    ak: &AttestationKey,
    attest: &[u8],
    sig: &[u8],
    pcrs: &PcrValues,
    nonce: &[u8],
    policy: &QuotePolicy,
) -> Error {
    let mut verdicts = all_providers().into_iter().map(|p| {
        verify_quote(p, ak, attest, sig, pcrs, nonce, policy)
            .map(|_| ())
            .unwrap_err()
    });
    let first = verdicts.next().unwrap();
    for other in verdicts {
        assert_eq!(first, other, "providers disagree");
    }
    first
}

#[test]
fn valid_quotes_verify_with_every_provider_and_scheme() {
    let signers = [
        ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256)),
        ec_signer(EccCurve::NistP384, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha384)),
        rsa_signer(2048, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256)),
        rsa_signer(2048, AK_ATTRS, Scheme::RsaPss(HashAlg::Sha256)),
    ];
    for s in &signers {
        let hash = s.public.scheme().hash().unwrap();
        let pcrs = sample_pcrs();
        let attest = quote_attest(&s.public.name(), NONCE, &pcrs, hash)
            .as_bytes()
            .to_vec();
        let sig = s.sign(&attest);
        let mut policy = QuotePolicy::default();
        policy.required_pcrs.push(HashAlg::Sha256, 15);
        policy.attest.expected_signer = Some(s.public.name());
        for p in all_providers() {
            let v = verify_quote(p, &s.ak(), &attest, &sig, &pcrs, NONCE, &policy)
                .unwrap_or_else(|e| panic!("{} {}: {e}", p.name(), s.public.describe()));
            assert_eq!(v.pcrs(), &pcrs);
            assert_eq!(v.hash(), hash);
            assert_eq!(v.clock_info(), clock());
        }
    }
}

#[test]
fn item8_empty_nonce_is_refused_first() {
    let (s, attest, sig, pcrs) = valid_quote();
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, b"", &QuotePolicy::default());
    assert_eq!(e, Error::EmptyNonce);
}

#[test]
fn item1_trailing_and_truncated_attest() {
    let (s, mut attest, sig, pcrs) = valid_quote();
    let short = attest[..attest.len() - 1].to_vec();
    attest.push(0);
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::TrailingBytes {
            what: "TPMS_ATTEST",
            extra: 1
        }
    );
    let e = quote_err(&s.ak(), &short, &sig, &pcrs, NONCE, &QuotePolicy::default());
    assert_eq!(e.name(), "Truncated");
}

#[test]
fn item1_trailing_signature_bytes() {
    let (s, attest, mut sig, pcrs) = valid_quote();
    sig.push(0);
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e.name(), "TrailingBytes");
}

#[test]
fn item2_tpm2b_attest_is_verified_over_the_inner_bytes() {
    let (s, attest, sig, pcrs) = valid_quote();
    let mut tpm2b = (attest.len() as u16).to_be_bytes().to_vec();
    tpm2b.extend_from_slice(&attest);
    for p in all_providers() {
        verify_quote(
            p,
            &s.ak(),
            &tpm2b,
            &sig,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        )
        .unwrap();
    }
}

#[test]
fn item5_null_signature() {
    let (s, attest, _, pcrs) = valid_quote();
    let e = quote_err(
        &s.ak(),
        &attest,
        &Signature::Null.encode(),
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::NullSignature);
}

#[test]
fn item3_signature_scheme_must_match_the_ak() {
    let (s, attest, _, pcrs) = valid_quote();
    let rsa = rsa_signer(2048, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256));
    let e = quote_err(
        &s.ak(),
        &attest,
        &rsa.sign(&attest),
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e.name(), "SignatureSchemeMismatch");
    // RSASSA signature, RSAPSS AK: no "try every padding".
    let pss = rsa_signer(2048, AK_ATTRS, Scheme::RsaPss(HashAlg::Sha256));
    let ssa = Signer_ {
        key: match &pss.key {
            Key::Rsa(k) => Key::Rsa(k.clone()),
            Key::Ec(..) => unreachable!(),
        },
        public: rsa.public.clone(),
    };
    let sig = ssa.sign_with(&attest, HashAlg::Sha256).encode();
    let e = quote_err(
        &pss.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::SignatureSchemeMismatch {
            key_scheme: alg::RSAPSS,
            signature_scheme: alg::RSASSA
        }
    );
}

#[test]
fn item4_sha1_needs_opt_in_and_hash_must_match_the_scheme() {
    let (s, attest, _, pcrs) = valid_quote();
    let sha1 = s.sign_with(&attest, HashAlg::Sha1).encode();
    let e = quote_err(
        &s.ak(),
        &attest,
        &sha1,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::HashNotAllowed { hash: alg::SHA1 });
    let policy = QuotePolicy {
        attest: AttestPolicy {
            hashes: HashAllowList::with_sha1(),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = quote_err(&s.ak(), &attest, &sha1, &pcrs, NONCE, &policy);
    assert_eq!(
        e,
        Error::HashMismatch {
            key_hash: alg::SHA256,
            signature_hash: alg::SHA1
        }
    );
    let sha384 = s.sign_with(&attest, HashAlg::Sha384).encode();
    let e = quote_err(
        &s.ak(),
        &attest,
        &sha384,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::HashMismatch {
            key_hash: alg::SHA256,
            signature_hash: alg::SHA384
        }
    );
}

#[test]
fn item4_sha1_quote_verifies_when_opted_in() {
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha1));
    let pcrs = sample_pcrs();
    let attest = quote_attest(&s.public.name(), NONCE, &pcrs, HashAlg::Sha1)
        .as_bytes()
        .to_vec();
    let sig = s.sign(&attest);
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::HashNotAllowed { hash: alg::SHA1 });
    let policy = QuotePolicy {
        attest: AttestPolicy {
            hashes: HashAllowList::with_sha1(),
            ..Default::default()
        },
        ..Default::default()
    };
    for p in all_providers() {
        verify_quote(p, &s.ak(), &attest, &sig, &pcrs, NONCE, &policy).unwrap();
    }
}

#[test]
fn item4_ecdsa_scalars_must_be_in_range() {
    let (s, attest, sig, pcrs) = valid_quote();
    let Signature::Ecdsa { hash, r, s: s_ } = Signature::parse(&sig).unwrap() else {
        unreachable!()
    };
    let order = EccCurve::NistP256.order().to_vec();
    for (r2, s2) in [
        (order.clone(), s_.clone()),
        (vec![0u8; 32], s_.clone()),
        (r.clone(), order.clone()),
        (r.clone(), vec![]),
    ] {
        let forged = Signature::Ecdsa { hash, r: r2, s: s2 }.encode();
        let e = quote_err(
            &s.ak(),
            &attest,
            &forged,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        );
        assert_eq!(e, Error::EcdsaScalarOutOfRange);
    }
}

#[test]
fn item4_ecdsa_high_s_is_accepted() {
    // No low-S demand: (r, n - s) is as valid as (r, s).
    let (s, attest, sig, pcrs) = valid_quote();
    let Signature::Ecdsa { hash, r, s: s_ } = Signature::parse(&sig).unwrap() else {
        unreachable!()
    };
    let n = BigNum::from_slice(EccCurve::NistP256.order()).unwrap();
    let mut high = BigNum::new().unwrap();
    high.checked_sub(&n, &BigNum::from_slice(&s_).unwrap())
        .unwrap();
    let flipped = Signature::Ecdsa {
        hash,
        r,
        s: high.to_vec_padded(32).unwrap(),
    }
    .encode();
    for p in all_providers() {
        verify_quote(
            p,
            &s.ak(),
            &attest,
            &flipped,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        )
        .unwrap();
    }
}

#[test]
fn item2_any_changed_byte_breaks_the_signature() {
    let (s, mut attest, sig, pcrs) = valid_quote();
    let last = attest.len() - 1; // inside pcrDigest: still parses
    attest[last] ^= 1;
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::SignatureInvalid);
}

#[test]
fn item6_magic_must_be_tpm_generated() {
    let (s, attest, _, pcrs) = valid_quote();
    let mut forged = attest.clone();
    forged[3] ^= 0xff;
    let sig = s.sign(&forged);
    let e = quote_err(
        &s.ak(),
        &forged,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::BadMagic { found: 0xff5443b8 });
}

fn certify_attest(s: &Signer_, key: &Public, nonce: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let attest = Attest::build(
        st::ATTEST_CERTIFY,
        s.public.name(),
        nonce.to_vec(),
        clock(),
        7,
        AttestInfo::Certify(CertifyInfo {
            name: key.name(),
            qualified_name: key.name(),
        }),
    )
    .unwrap()
    .as_bytes()
    .to_vec();
    let sig = s.sign(&attest);
    (attest, sig)
}

#[test]
fn item7_a_certify_is_not_a_quote_and_a_quote_is_not_a_certify() {
    let (s, quote, quote_sig, pcrs) = valid_quote();
    let app = ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null);
    let (cert, cert_sig) = certify_attest(&s, &app.public, NONCE);
    let e = quote_err(
        &s.ak(),
        &cert,
        &cert_sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::WrongAttestationType {
            expected: st::ATTEST_QUOTE,
            found: st::ATTEST_CERTIFY
        }
    );
    for p in all_providers() {
        let e = verify_certify(
            p,
            &s.ak(),
            app.public.tpmt_bytes(),
            &quote,
            &quote_sig,
            NONCE,
            &CertifyPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            Error::WrongAttestationType {
                expected: st::ATTEST_CERTIFY,
                found: st::ATTEST_QUOTE
            }
        );
    }
}

#[test]
fn item7_other_attestation_types_are_refused() {
    let (s, attest, _, pcrs) = valid_quote();
    let mut time = attest.clone();
    time[4..6].copy_from_slice(&st::ATTEST_TIME.to_be_bytes());
    let sig = s.sign(&time);
    let e = quote_err(&s.ak(), &time, &sig, &pcrs, NONCE, &QuotePolicy::default());
    assert_eq!(
        e,
        Error::WrongAttestationType {
            expected: st::ATTEST_QUOTE,
            found: st::ATTEST_TIME
        }
    );
    assert_eq!(
        Attest::parse(&time).unwrap_err(),
        Error::UnsupportedAttestationType {
            tag: st::ATTEST_TIME
        }
    );
}

#[test]
fn item8_nonce_must_match() {
    let (s, attest, sig, pcrs) = valid_quote();
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        b"fresh-nonce-0124",
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::NonceMismatch);
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        b"fresh-nonce-012",
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::NonceMismatch);
}

#[test]
fn item9_signer_must_be_the_expected_ak() {
    let (s, attest, sig, pcrs) = valid_quote();
    let other = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let policy = QuotePolicy {
        attest: AttestPolicy {
            expected_signer: Some(other.public.name()),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
    assert_eq!(e, Error::SignerMismatch);
}

#[test]
fn item10_clock_must_not_go_backwards() {
    let (s, attest, sig, pcrs) = valid_quote();
    let later = ClockInfo {
        clock: 2_000_000,
        ..clock()
    };
    let policy = QuotePolicy {
        attest: AttestPolicy {
            previous_clock: Some(later),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
    assert_eq!(e, Error::ClockRegression);
    let earlier = ClockInfo {
        clock: 10,
        ..clock()
    };
    let policy = QuotePolicy {
        attest: AttestPolicy {
            previous_clock: Some(earlier),
            ..Default::default()
        },
        ..Default::default()
    };
    for p in all_providers() {
        verify_quote(p, &s.ak(), &attest, &sig, &pcrs, NONCE, &policy).unwrap();
    }
}

#[test]
fn item10_clock_policy_cases() {
    let c = |clock, reset_count, restart_count| ClockInfo {
        clock,
        reset_count,
        restart_count,
        safe: true,
    };
    // What a TPM reports after an unorderly shutdown: Clock may be behind, and safe = NO.
    let unsafe_ = |clock, reset_count, restart_count| ClockInfo {
        safe: false,
        ..c(clock, reset_count, restart_count)
    };
    use policy::check_clock;
    assert!(check_clock(&c(10, 3, 1), &c(20, 3, 1)).is_ok());
    assert!(
        check_clock(&c(10, 3, 1), &c(10, 3, 1)).is_ok(),
        "same attestation time is not a regression"
    );
    assert_eq!(
        check_clock(&c(20, 3, 1), &c(10, 3, 1)),
        Err(Error::ClockRegression)
    );
    assert_eq!(
        check_clock(&c(10, 3, 2), &c(20, 3, 1)),
        Err(Error::ClockRegression)
    );
    assert_eq!(
        check_clock(&c(10, 4, 0), &c(20, 3, 0)),
        Err(Error::ClockRegression)
    );
    // A reset brings restartCount back to 0 and Clock may be behind (unorderly shutdown).
    assert!(check_clock(&c(50, 3, 7), &unsafe_(40, 4, 0)).is_ok());
    // Within a reset, a higher restartCount allows a lower clock that is not safe (a restart
    // after suspend keeps Clock, but a non-safe clock may be back at its last saved value).
    assert!(check_clock(&c(50, 3, 1), &unsafe_(45, 3, 2)).is_ok());
    // Obfuscated counters wrap: u32::MAX -> 0 is an advance.
    assert!(check_clock(&c(10, u32::MAX, 5), &unsafe_(5, 0, 0)).is_ok());
    assert!(check_clock(&c(10, 3, u32::MAX), &unsafe_(5, 3, 0)).is_ok());
    // Item 10: safe = YES promises that no greater Clock was ever reported, across resets too.
    assert_eq!(
        check_clock(&c(50, 3, 7), &c(40, 4, 0)),
        Err(Error::ClockSafeRegression)
    );
    assert_eq!(
        check_clock(&c(50, 3, 1), &c(45, 3, 2)),
        Err(Error::ClockSafeRegression)
    );
}

#[test]
fn item10_lower_clock_while_safe_is_refused_across_a_reset() {
    // The quote says resetCount 3, Clock 1,000,000, safe = YES; an earlier attestation in an
    // earlier reset (resetCount 2) saw a greater Clock: a TPM cannot report that.
    let (s, attest, sig, pcrs) = valid_quote();
    let policy = QuotePolicy {
        attest: AttestPolicy {
            previous_clock: Some(ClockInfo {
                clock: 5_000_000,
                reset_count: 2,
                restart_count: 9,
                safe: true,
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
    assert_eq!(e, Error::ClockSafeRegression);
}

#[test]
fn item11_supplied_pcr_outside_the_signed_selection() {
    let (s, attest, sig, mut pcrs) = valid_quote();
    pcrs.insert(HashAlg::Sha256, 16, vec![0; 32]).unwrap();
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::PcrNotInSelection {
            bank: alg::SHA256,
            index: 16
        }
    );
    let (s, attest, sig, mut pcrs) = valid_quote();
    pcrs.insert(HashAlg::Sha1, 15, vec![0; 20]).unwrap();
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::PcrNotInSelection {
            bank: alg::SHA1,
            index: 15
        }
    );
}

#[test]
fn item11_required_pcr_missing_from_the_signed_selection() {
    let (s, attest, sig, pcrs) = valid_quote();
    let mut policy = QuotePolicy::default();
    policy.required_pcrs.push(HashAlg::Sha256, 7);
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
    assert_eq!(
        e,
        Error::RequiredPcrMissing {
            bank: alg::SHA256,
            index: 7
        }
    );
}

#[test]
fn item12_every_signed_pcr_needs_a_value_of_the_bank_size() {
    let (s, attest, sig, pcrs) = valid_quote();
    let mut missing = PcrValues::default();
    for (h, i, v) in pcrs.iter().filter(|(_, i, _)| *i != 1) {
        missing.insert(h, i, v.to_vec()).unwrap();
    }
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &missing,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::PcrValueMissing {
            bank: alg::SHA256,
            index: 1
        }
    );
    let mut short = PcrValues::default();
    for (h, i, v) in pcrs.iter() {
        short
            .insert(
                h,
                i,
                if i == 15 {
                    v[..20].to_vec()
                } else {
                    v.to_vec()
                },
            )
            .unwrap();
    }
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &short,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(
        e,
        Error::PcrValueSize {
            bank: alg::SHA256,
            index: 15,
            size: 20
        }
    );
}

#[test]
fn item12_tampered_pcr_value() {
    let (s, attest, sig, pcrs) = valid_quote();
    let mut tampered = PcrValues::default();
    for (h, i, v) in pcrs.iter() {
        tampered
            .insert(h, i, if i == 15 { vec![0x34; 32] } else { v.to_vec() })
            .unwrap();
    }
    let e = quote_err(
        &s.ak(),
        &attest,
        &sig,
        &tampered,
        NONCE,
        &QuotePolicy::default(),
    );
    assert_eq!(e, Error::PcrDigestMismatch);
}

#[test]
fn item13_ak_must_be_restricted_and_bound() {
    let unrestricted = ec_signer(
        EccCurve::NistP256,
        BASE_ATTRS,
        Scheme::Ecdsa(HashAlg::Sha256),
    );
    let e = AttestationKey::from_public(unrestricted.public.clone(), &KeyPolicy::default())
        .unwrap_err();
    assert_eq!(e, Error::AkNotRestricted);
    for (bit, attribute) in [
        (ObjectAttributes::FIXED_TPM, "fixedTPM"),
        (ObjectAttributes::FIXED_PARENT, "fixedParent"),
        (
            ObjectAttributes::SENSITIVE_DATA_ORIGIN,
            "sensitiveDataOrigin",
        ),
        (ObjectAttributes::SIGN_ENCRYPT, "sign"),
    ] {
        let attrs = if bit == ObjectAttributes::SIGN_ENCRYPT {
            (AK_ATTRS & !bit) | ObjectAttributes::DECRYPT
        } else {
            AK_ATTRS & !bit
        };
        let s = ec_signer(
            EccCurve::NistP256,
            attrs,
            if bit == ObjectAttributes::SIGN_ENCRYPT {
                Scheme::Null
            } else {
                Scheme::Ecdsa(HashAlg::Sha256)
            },
        );
        let e = AttestationKey::from_public(s.public.clone(), &KeyPolicy::default()).unwrap_err();
        assert_eq!(e, Error::KeyAttributeMissing { attribute }, "{attribute}");
    }
    let null_scheme = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Null);
    let e =
        AttestationKey::from_public(null_scheme.public.clone(), &KeyPolicy::default()).unwrap_err();
    assert_eq!(e.name(), "InvalidValue");
    let small = rsa_signer(1024, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256));
    let e = AttestationKey::from_public(small.public.clone(), &KeyPolicy::default()).unwrap_err();
    assert_eq!(
        e,
        Error::KeyNotAllowed {
            what: "RSA key size"
        }
    );
}

#[test]
fn item13_bare_key_path_is_explicit_and_verifies() {
    let (s, attest, sig, pcrs) = valid_quote();
    let der = crate::compat::public_key_to_spki_der(&s.public).unwrap();
    let pem = crate::inspect::pem_encode("PUBLIC KEY", &der);
    for input in [der.as_slice(), pem.as_bytes()] {
        let ak = AttestationKey::from_bare_key_unchecked(
            input,
            Scheme::Ecdsa(HashAlg::Sha256),
            &KeyPolicy::default(),
        )
        .unwrap();
        assert!(!ak.is_checked());
        for p in all_providers() {
            verify_quote(p, &ak, &attest, &sig, &pcrs, NONCE, &QuotePolicy::default()).unwrap();
        }
    }
    let e = AttestationKey::from_bare_key_unchecked(
        &der,
        Scheme::RsaSsa(HashAlg::Sha256),
        &KeyPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(e.name(), "InvalidArgument");
}

fn certify_ok(s: &Signer_, app: &Public) -> Result<VerifiedCertification> {
    let (attest, sig) = certify_attest(s, app, NONCE);
    let mut verdicts = all_providers().into_iter().map(|p| {
        verify_certify(
            p,
            &s.ak(),
            &app.to_tpm2b(),
            &attest,
            &sig,
            NONCE,
            &CertifyPolicy::default(),
        )
    });
    let first = verdicts.next().unwrap();
    for other in verdicts {
        assert_eq!(
            first.as_ref().err(),
            other.as_ref().err(),
            "providers disagree"
        );
    }
    first
}

#[test]
fn item15_valid_certifications() {
    let ak = rsa_signer(2048, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256));
    for app in [
        ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null).public,
        ec_signer(
            EccCurve::NistP384,
            BASE_ATTRS,
            Scheme::Ecdsa(HashAlg::Sha384),
        )
        .public,
        rsa_signer(2048, BASE_ATTRS, Scheme::Null).public,
    ] {
        let v = certify_ok(&ak, &app).unwrap();
        assert_eq!(v.name(), &app.name());
        assert_eq!(v.certified_key(), &app);
    }
}

#[test]
fn item15_certified_name_must_be_the_key_received() {
    let ak = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let app = ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null).public;
    let other = ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null).public;
    let (attest, sig) = certify_attest(&ak, &app, NONCE);
    for p in all_providers() {
        let e = verify_certify(
            p,
            &ak.ak(),
            other.tpmt_bytes(),
            &attest,
            &sig,
            NONCE,
            &CertifyPolicy::default(),
        )
        .unwrap_err();
        assert_eq!(e, Error::NameMismatch);
    }
}

#[test]
fn item15_app_key_attributes_and_allow_list() {
    let ak = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    for (bit, attribute) in [
        (ObjectAttributes::FIXED_TPM, "fixedTPM"),
        (ObjectAttributes::FIXED_PARENT, "fixedParent"),
        (
            ObjectAttributes::SENSITIVE_DATA_ORIGIN,
            "sensitiveDataOrigin",
        ),
        (ObjectAttributes::SIGN_ENCRYPT, "sign"),
    ] {
        let app = ec_signer(EccCurve::NistP256, BASE_ATTRS & !bit, Scheme::Null).public;
        assert_eq!(
            certify_ok(&ak, &app).unwrap_err(),
            Error::KeyAttributeMissing { attribute }
        );
    }
    let decrypt = ec_signer(
        EccCurve::NistP256,
        BASE_ATTRS | ObjectAttributes::DECRYPT,
        Scheme::Null,
    )
    .public;
    assert_eq!(certify_ok(&ak, &decrypt).unwrap_err(), Error::KeyIsDecrypt);
    let p521 = ec_signer(EccCurve::NistP521, BASE_ATTRS, Scheme::Null).public;
    assert_eq!(
        certify_ok(&ak, &p521).unwrap_err(),
        Error::KeyNotAllowed { what: "ECC curve" }
    );
    let rsa1024 = rsa_signer(1024, BASE_ATTRS, Scheme::Null).public;
    assert_eq!(
        certify_ok(&ak, &rsa1024).unwrap_err(),
        Error::KeyNotAllowed {
            what: "RSA key size"
        }
    );
}

#[test]
fn item1_rsa_signature_must_be_exactly_the_modulus_length() {
    let s = rsa_signer(2048, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256));
    let pcrs = sample_pcrs();
    let attest = quote_attest(&s.public.name(), NONCE, &pcrs, HashAlg::Sha256)
        .as_bytes()
        .to_vec();
    let Signature::RsaSsa { hash, sig } = s.sign_with(&attest, HashAlg::Sha256) else {
        unreachable!()
    };
    let mut long = vec![0u8];
    long.extend_from_slice(&sig);
    let short = sig[1..].to_vec();
    for (bad, size) in [(long, 257), (short, 255)] {
        let enc = Signature::RsaSsa { hash, sig: bad }.encode();
        let e = quote_err(
            &s.ak(),
            &attest,
            &enc,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        );
        assert_eq!(
            e,
            Error::SignatureLength {
                size,
                expected: 256
            }
        );
    }
}

#[test]
fn item1_ecdsa_r_and_s_no_longer_than_the_curve() {
    let (s, attest, sig, pcrs) = valid_quote();
    let Signature::Ecdsa { hash, r, s: s_ } = Signature::parse(&sig).unwrap() else {
        unreachable!()
    };
    // The same numbers with one leading zero byte: valid integers, but not a TPM's encoding.
    let padded = |v: &[u8]| [&[0u8][..], v].concat();
    for (r, s_) in [(padded(&r), s_.clone()), (r.clone(), padded(&s_))] {
        let enc = Signature::Ecdsa { hash, r, s: s_ }.encode();
        let e = quote_err(
            &s.ak(),
            &attest,
            &enc,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        );
        assert_eq!(
            e,
            Error::SignatureLength {
                size: 33,
                expected: 32
            }
        );
    }
}

#[test]
fn item5_null_or_empty_signer_is_refused_with_or_without_an_expected_signer() {
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let pcrs = sample_pcrs();
    for signer in [Name::from_bytes(&[]), Name::of_handle(0x4000_0007)] {
        let attest = quote_attest(&signer, NONCE, &pcrs, HashAlg::Sha256)
            .as_bytes()
            .to_vec();
        let sig = s.sign(&attest);
        for expected in [None, Some(signer.clone()), Some(s.public.name())] {
            let policy = QuotePolicy {
                attest: AttestPolicy {
                    expected_signer: expected,
                    ..Default::default()
                },
                ..Default::default()
            };
            let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
            assert_eq!(e, Error::NullSigner);
        }
    }
}

fn with_parms(
    public: &Public,
    attrs: u32,
    name_alg: HashAlg,
    edit: impl Fn(&mut KeyParms),
) -> Public {
    let mut parms = public.parms.clone();
    edit(&mut parms);
    Public::build(name_alg, ObjectAttributes(attrs), vec![], parms).unwrap()
}

#[test]
fn item13_keys_no_tpm_creates_are_refused_as_ak_and_app_key() {
    let ec = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let rsa = rsa_signer(2048, AK_ATTRS, Scheme::RsaSsa(HashAlg::Sha256));
    let aes = SymDef::Aes {
        key_bits: 128,
        mode: alg::CFB,
    };
    let sign_decrypt = with_parms(
        &ec.public,
        AK_ATTRS | ObjectAttributes::DECRYPT,
        HashAlg::Sha256,
        |_| {},
    );
    let ec_sym = with_parms(&ec.public, AK_ATTRS, HashAlg::Sha256, |p| {
        if let KeyParms::Ecc(e) = p {
            e.symmetric = aes;
        }
    });
    let rsa_sym = with_parms(&rsa.public, AK_ATTRS, HashAlg::Sha256, |p| {
        if let KeyParms::Rsa(r) = p {
            r.symmetric = aes;
        }
    });
    let ec_kdf = with_parms(&ec.public, AK_ATTRS, HashAlg::Sha256, |p| {
        if let KeyParms::Ecc(e) = p {
            e.kdf = Some((alg::KDF1_SP800_56A, HashAlg::Sha256));
        }
    });
    let cases = [
        (sign_decrypt, "restricted key with both sign and decrypt"),
        (ec_sym, "symmetric algorithm on a signing key"),
        (rsa_sym, "symmetric algorithm on a signing key"),
        (ec_kdf.clone(), "KDF on a signing key"),
    ];
    for (public, what) in &cases {
        let e = AttestationKey::from_public(public.clone(), &KeyPolicy::default()).unwrap_err();
        assert_eq!(e, Error::KeyShapeInvalid { what }, "as AK");
    }
    // As App Keys (unrestricted signing keys): a symmetric algorithm or a KDF.
    let app = ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null).public;
    let app_sym = with_parms(&app, BASE_ATTRS, HashAlg::Sha256, |p| {
        if let KeyParms::Ecc(e) = p {
            e.symmetric = aes;
        }
    });
    let app_kdf = with_parms(&app, BASE_ATTRS, HashAlg::Sha256, |p| {
        if let KeyParms::Ecc(e) = p {
            e.kdf = Some((alg::KDF1_SP800_56A, HashAlg::Sha256));
        }
    });
    let ak = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    assert_eq!(
        certify_ok(&ak, &app_sym).unwrap_err(),
        Error::KeyShapeInvalid {
            what: "symmetric algorithm on a signing key"
        }
    );
    assert_eq!(
        certify_ok(&ak, &app_kdf).unwrap_err(),
        Error::KeyShapeInvalid {
            what: "KDF on a signing key"
        }
    );
}

#[test]
fn item13_sha1_name_alg_needs_the_sha1_opt_in() {
    // The AK: a SHA-1 nameAlg, signing with SHA-256.
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let sha1_named = with_parms(&s.public, AK_ATTRS, HashAlg::Sha1, |_| {});
    let s = Signer_ {
        key: s.key,
        public: sha1_named,
    };
    let pcrs = sample_pcrs();
    let attest = quote_attest(&s.public.name(), NONCE, &pcrs, HashAlg::Sha256)
        .as_bytes()
        .to_vec();
    let sig = s.sign(&attest);
    refused_then_verifies_with_sha1(
        &s,
        &attest,
        &sig,
        &pcrs,
        Error::NameAlgNotAllowed { hash: alg::SHA1 },
    );
    // The App Key: a SHA-1 nameAlg.
    let ak = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let app = ec_signer(EccCurve::NistP256, BASE_ATTRS, Scheme::Null).public;
    let app = with_parms(&app, BASE_ATTRS, HashAlg::Sha1, |_| {});
    assert_eq!(
        certify_ok(&ak, &app).unwrap_err(),
        Error::NameAlgNotAllowed { hash: alg::SHA1 }
    );
}

#[test]
fn item4_sha1_pcr_bank_needs_the_sha1_opt_in() {
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let mut pcrs = PcrValues::default();
    pcrs.insert(HashAlg::Sha1, 0, vec![0x11; 20]).unwrap();
    pcrs.insert(HashAlg::Sha256, 15, vec![0x33; 32]).unwrap();
    let selection =
        PcrSelection::new(&[(HashAlg::Sha1, &[0u8][..]), (HashAlg::Sha256, &[15u8][..])]).unwrap();
    let concat: Vec<u8> = [vec![0x11; 20], vec![0x33; 32]].concat();
    let attest = quote_attest_over(&s.public.name(), NONCE, selection, &concat, HashAlg::Sha256)
        .as_bytes()
        .to_vec();
    let sig = s.sign(&attest);
    refused_then_verifies_with_sha1(
        &s,
        &attest,
        &sig,
        &pcrs,
        Error::PcrBankNotAllowed { bank: alg::SHA1 },
    );
}

/// The quote is refused with `expected` by the default policy and verifies, with every
/// provider, once the SHA-1 opt-in is set.
fn refused_then_verifies_with_sha1(
    s: &Signer_,
    attest: &[u8],
    sig: &[u8],
    pcrs: &PcrValues,
    expected: Error,
) {
    let e = quote_err(&s.ak(), attest, sig, pcrs, NONCE, &QuotePolicy::default());
    assert_eq!(e, expected);
    let mut policy = QuotePolicy::default();
    policy.attest.allow_sha1(true);
    for p in all_providers() {
        verify_quote(p, &s.ak(), attest, sig, pcrs, NONCE, &policy).unwrap();
    }
}

#[test]
fn ak_point_off_the_curve_is_refused_by_every_provider() {
    let (s, attest, sig, pcrs) = valid_quote();
    let KeyParms::Ecc(mut parms) = s.public.parms.clone() else {
        unreachable!()
    };
    parms.y[31] ^= 1;
    let off_curve = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(AK_ATTRS),
        vec![],
        KeyParms::Ecc(parms),
    )
    .unwrap();
    let ak = AttestationKey::from_public(off_curve, &KeyPolicy::default()).unwrap();
    for p in all_providers() {
        let e =
            verify_quote(p, &ak, &attest, &sig, &pcrs, NONCE, &QuotePolicy::default()).unwrap_err();
        assert_eq!(e.name(), "KeyNotAllowed", "{}", p.name());
        // The cached refusal is the same on the next call.
        let again =
            verify_quote(p, &ak, &attest, &sig, &pcrs, NONCE, &QuotePolicy::default()).unwrap_err();
        assert_eq!(again, e);
    }
}

#[test]
fn one_ak_serves_both_providers_in_turn() {
    // The key cache belongs to whichever provider used the AK first; the other still verifies.
    let (s, attest, sig, pcrs) = valid_quote();
    let ak = s.ak();
    for _ in 0..2 {
        for p in all_providers() {
            verify_quote(p, &ak, &attest, &sig, &pcrs, NONCE, &QuotePolicy::default()).unwrap();
        }
    }
}

#[test]
fn item13_a_narrow_signature_list_does_not_refuse_sha256_names_or_banks() {
    // Signatures limited to SHA-256: a SHA-256 nameAlg AK and a SHA-256 bank still verify; the
    // list governs signatures, while banks and Names are refused only for SHA-1.
    let (s, attest, sig, pcrs) = valid_quote();
    let mut policy = QuotePolicy::default();
    policy.attest.hashes = HashAllowList::new(&[HashAlg::Sha256]);
    for p in all_providers() {
        verify_quote(p, &s.ak(), &attest, &sig, &pcrs, NONCE, &policy).unwrap();
    }
    policy.attest.hashes = HashAllowList::new(&[HashAlg::Sha384]);
    let e = quote_err(&s.ak(), &attest, &sig, &pcrs, NONCE, &policy);
    assert_eq!(e, Error::HashNotAllowed { hash: alg::SHA256 });
}

#[test]
fn key_policy_rsa_sizes_are_checked_once_for_every_surface() {
    let mut p = KeyPolicy::default();
    assert_eq!(p.set_rsa_bits(&[3072, 4096]), Ok(()));
    assert_eq!(p.rsa_bits, vec![3072, 4096]);
    for bad in [&[1024u16][..], &[2049], &[16392], &[2048, 0]] {
        assert_eq!(p.set_rsa_bits(bad).unwrap_err().name(), "InvalidArgument");
        assert_eq!(p.rsa_bits, vec![3072, 4096], "unchanged on failure");
    }
    assert_eq!(p.set_rsa_bits(&[]), Ok(()));
}

/// A quote over two banks signed in the order SHA-384 then SHA-256 (not their numeric order)
/// with indices given out of order: each PCR's value is found at its place in the signed
/// concatenation, and `pcrs()` gives back exactly the values verified.
#[test]
fn values_are_read_in_signed_bank_order() {
    let s = ec_signer(EccCurve::NistP256, AK_ATTRS, Scheme::Ecdsa(HashAlg::Sha256));
    let mut pcrs = PcrValues::default();
    for (bank, index, fill) in [
        (HashAlg::Sha256, 15u8, 0x15u8),
        (HashAlg::Sha384, 7, 0x37),
        (HashAlg::Sha256, 0, 0x10),
        (HashAlg::Sha384, 23, 0x3f),
    ] {
        pcrs.insert(bank, index, vec![fill; bank.digest_size()])
            .unwrap();
    }
    let selection = PcrSelection::new(&[
        (HashAlg::Sha384, &[7u8, 23][..]),
        (HashAlg::Sha256, &[0u8, 15][..]),
    ])
    .unwrap();
    let mut concat = Vec::new();
    for (bank, index) in [
        (HashAlg::Sha384, 7),
        (HashAlg::Sha384, 23),
        (HashAlg::Sha256, 0),
        (HashAlg::Sha256, 15),
    ] {
        concat.extend_from_slice(pcrs.get(bank, index).unwrap());
    }
    let attest = quote_attest_over(&s.public.name(), NONCE, selection, &concat, HashAlg::Sha256)
        .as_bytes()
        .to_vec();
    let sig = s.sign(&attest);
    for p in all_providers() {
        let v = verify_quote(
            p,
            &s.ak(),
            &attest,
            &sig,
            &pcrs,
            NONCE,
            &QuotePolicy::default(),
        )
        .unwrap();
        for (bank, index, value) in pcrs.iter() {
            assert_eq!(v.value(bank, index), Some(value), "{bank:?} {index}");
        }
        assert_eq!(v.value(HashAlg::Sha256, 7), None);
        assert_eq!(v.value(HashAlg::Sha1, 15), None);
        assert_eq!(v.pcrs(), &pcrs);
    }
}

/// VERIFIER-CHECKS.md item 16, the PCR the log replays into must be one the quote covers: a
/// PCR outside the signed selection, or the right index in a bank the quote did not sign, is
/// `RequiredPcrMissing` before any replay; a covered PCR the records do not replay to is
/// `LocationLogMismatch`.
#[test]
fn item16_location_pcr_must_be_quoted() {
    let (s, attest, sig, pcrs) = valid_quote();
    let p = crate::crypto::default_provider();
    let vq = verify_quote(
        p,
        &s.ak(),
        &attest,
        &sig,
        &pcrs,
        NONCE,
        &QuotePolicy::default(),
    )
    .unwrap();
    for (bank, index) in [(HashAlg::Sha256, 16u8), (HashAlg::Sha1, 15)] {
        assert_eq!(
            crate::geo::verify_location_log(&[], &vq, index, bank, NONCE).unwrap_err(),
            Error::RequiredPcrMissing {
                bank: bank.alg_id(),
                index
            }
        );
    }
    assert_eq!(
        crate::geo::verify_location_log(&[], &vq, 15, HashAlg::Sha256, NONCE).unwrap_err(),
        Error::LocationLogMismatch
    );
}
