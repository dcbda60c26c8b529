//! Signing with software keys in both providers, and `verify_signature` under the quote
//! allow-lists: every scheme x hash x key type signed by each provider that can, verified by
//! both providers and by OpenSSL itself (an independent check), and one negative test per
//! check, each asserting the same error from every provider.
#![cfg(feature = "native")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use aegis_core::crypto::{
    all_providers, native::OpenSslProvider, CryptoProvider, KeySpec, PrivateKey, SignatureFormat,
    SignatureScheme, SignatureValue, Signer, SoftwareSigner,
};
use aegis_core::keys::PublicKey;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::verify::{verify_signature, HashAllowList, KeyPolicy};
use aegis_core::Error;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Verifier};

const MSG: &[u8] = b"Aegis signing test message";
const NATIVE: &dyn CryptoProvider = &OpenSslProvider;
const HASHES: [HashAlg; 3] = [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512];

fn providers() -> Vec<&'static dyn CryptoProvider> {
    let p = all_providers();
    assert!(!p.is_empty());
    p
}

/// Keys shared by the tests (RSA generation is slow): made by the native provider.
fn key(spec: KeySpec) -> &'static PrivateKey {
    static KEYS: OnceLock<Vec<(KeySpec, PrivateKey)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        all_specs()
            .into_iter()
            .map(|s| (s, PrivateKey::generate(NATIVE, s).unwrap()))
            .collect()
    });
    &keys.iter().find(|(s, _)| *s == spec).unwrap().1
}

fn all_specs() -> Vec<KeySpec> {
    vec![
        KeySpec::Ecc(EccCurve::NistP256),
        KeySpec::Ecc(EccCurve::NistP384),
        KeySpec::Rsa { bits: 2048 },
        KeySpec::Rsa { bits: 3072 },
        KeySpec::Rsa { bits: 4096 },
    ]
}

fn schemes(spec: KeySpec, hash: HashAlg) -> Vec<SignatureScheme> {
    match spec {
        KeySpec::Ecc(_) => vec![SignatureScheme::Ecdsa(hash)],
        KeySpec::Rsa { .. } => vec![
            SignatureScheme::RsaPkcs1v15(hash),
            SignatureScheme::RsaPss(hash),
        ],
    }
}

fn md(hash: HashAlg) -> MessageDigest {
    match hash {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

fn verify_all(
    key: &PublicKey,
    scheme: SignatureScheme,
    msg: &[u8],
    sig: &SignatureValue,
    hashes: &HashAllowList,
    policy: &KeyPolicy,
) -> Vec<(&'static str, Result<(), Error>)> {
    providers()
        .into_iter()
        .map(|p| {
            (
                p.name(),
                verify_signature(p, key, scheme, msg, sig, hashes, policy),
            )
        })
        .collect()
}

/// Every provider gives `expected`.
#[track_caller]
fn assert_all(
    key: &PublicKey,
    scheme: SignatureScheme,
    msg: &[u8],
    sig: &SignatureValue,
    expected: Result<(), Error>,
) {
    assert_all_with(
        key,
        scheme,
        msg,
        sig,
        &HashAllowList::default(),
        &KeyPolicy::default(),
        expected,
    );
}

#[track_caller]
fn assert_all_with(
    key: &PublicKey,
    scheme: SignatureScheme,
    msg: &[u8],
    sig: &SignatureValue,
    hashes: &HashAllowList,
    policy: &KeyPolicy,
    expected: Result<(), Error>,
) {
    for (name, got) in verify_all(key, scheme, msg, sig, hashes, policy) {
        assert_eq!(got, expected, "{name} {scheme:?}");
    }
}

/// OpenSSL's own view of the key, through our PKCS#8 export.
fn openssl_key(key: &PrivateKey) -> PKey<Private> {
    PKey::private_key_from_pkcs8(&key.to_pkcs8_der().unwrap()).unwrap()
}

/// OpenSSL verifies `sig` (an independent implementation; ECDSA through our DER encoding; PSS
/// only with salt length = digest length).
fn openssl_verifies(
    pkey: &PKey<Private>,
    scheme: SignatureScheme,
    msg: &[u8],
    sig: &SignatureValue,
) -> bool {
    let hash = scheme.hash();
    let mut v = Verifier::new(md(hash), pkey).unwrap();
    let bytes = match (scheme, sig) {
        (SignatureScheme::RsaPkcs1v15(_), SignatureValue::Rsa(s)) => s.clone(),
        (SignatureScheme::RsaPss(_), SignatureValue::Rsa(s)) => {
            v.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            v.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
            v.set_rsa_mgf1_md(md(hash)).unwrap();
            s.clone()
        }
        (SignatureScheme::Ecdsa(_), SignatureValue::Ecdsa { .. }) => sig.to_ecdsa_der().unwrap(),
        _ => panic!("scheme and value differ"),
    };
    v.verify_oneshot(&bytes, msg).unwrap_or(false)
}

fn openssl_public(pkey: &PKey<Private>) -> PublicKey {
    if let Ok(rsa) = pkey.rsa() {
        let e = rsa.e().to_vec();
        return PublicKey::Rsa {
            modulus: rsa.n().to_vec(),
            exponent: e.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)),
        };
    }
    let ec = pkey.ec_key().unwrap();
    let curve = match ec.group().curve_name().unwrap() {
        Nid::X9_62_PRIME256V1 => EccCurve::NistP256,
        Nid::SECP384R1 => EccCurve::NistP384,
        other => panic!("curve {other:?}"),
    };
    let size = curve.coordinate_size() as i32;
    let mut ctx = BigNumContext::new().unwrap();
    let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
    ec.public_key()
        .affine_coordinates(ec.group(), &mut x, &mut y, &mut ctx)
        .unwrap();
    PublicKey::Ecc {
        curve,
        x: x.to_vec_padded(size).unwrap(),
        y: y.to_vec_padded(size).unwrap(),
    }
}

fn sign(
    provider: &dyn CryptoProvider,
    key: &PrivateKey,
    scheme: SignatureScheme,
) -> Result<SignatureValue, Error> {
    let signer = SoftwareSigner::new(provider, key.clone_key(), scheme)?;
    assert_eq!(signer.public_key(), key.public_key());
    assert_eq!(signer.scheme(), scheme);
    signer.sign_digest(&scheme.hash().digest(MSG))
}

#[test]
fn every_scheme_hash_and_key_signs_in_each_provider_and_verifies_in_both_and_openssl() {
    for spec in all_specs() {
        let key = key(spec);
        let ossl = openssl_key(key);
        assert_eq!(&openssl_public(&ossl), key.public_key(), "{spec:?}");
        for hash in HASHES {
            for scheme in schemes(spec, hash) {
                for signer in providers() {
                    let who = format!("{} {spec:?} {scheme:?}", signer.name());
                    let sig = match sign(signer, key, scheme) {
                        Ok(sig) => sig,
                        Err(e) => {
                            // Only the pure provider may refuse, and only RSA.
                            assert_eq!(signer.name(), "rustcrypto", "{who}: {e:?}");
                            assert_eq!(
                                e,
                                Error::Unsupported {
                                    what: "RSA private-key operations (RUSTSEC-2023-0071)"
                                },
                                "{who}"
                            );
                            assert!(matches!(spec, KeySpec::Rsa { .. }), "{who}");
                            continue;
                        }
                    };
                    match (&sig, spec) {
                        (SignatureValue::Rsa(s), KeySpec::Rsa { bits }) => {
                            assert_eq!(s.len() * 8, usize::from(bits), "{who}")
                        }
                        (SignatureValue::Ecdsa { r, s }, KeySpec::Ecc(c)) => {
                            assert_eq!(r.len(), c.coordinate_size(), "{who}");
                            assert_eq!(s.len(), c.coordinate_size(), "{who}");
                        }
                        _ => panic!("{who}: wrong signature kind"),
                    }
                    // Cross-provider: whoever signed, every provider verifies.
                    assert_all(key.public_key(), scheme, MSG, &sig, Ok(()));
                    assert!(openssl_verifies(&ossl, scheme, MSG, &sig), "{who}");
                    // ... and nobody accepts it for another message.
                    assert_all(
                        key.public_key(),
                        scheme,
                        b"another message",
                        &sig,
                        Err(Error::SignatureInvalid),
                    );
                    if let KeySpec::Ecc(curve) = spec {
                        let raw = sig.to_ecdsa_raw(curve).unwrap();
                        assert_eq!(raw.len(), 2 * curve.coordinate_size());
                        let from_raw = SignatureValue::from_ecdsa_raw(curve, &raw).unwrap();
                        assert_all(key.public_key(), scheme, MSG, &from_raw, Ok(()));
                        let der = sig.to_ecdsa_der().unwrap();
                        let from_der = SignatureValue::from_ecdsa_der(&der).unwrap();
                        assert_eq!(from_der.to_ecdsa_raw(curve).unwrap(), raw, "{who}");
                        assert_all(key.public_key(), scheme, MSG, &from_der, Ok(()));
                        // OpenSSL's DER parser reads ours, and ours reads OpenSSL's.
                        let ossl_sig = EcdsaSig::from_der(&der).unwrap();
                        assert_eq!(ossl_sig.to_der().unwrap(), der);
                    }
                }
            }
        }
    }
}

#[test]
fn openssl_signatures_verify_and_openssl_der_parses() {
    for curve in [EccCurve::NistP256, EccCurve::NistP384] {
        let key = key(KeySpec::Ecc(curve));
        let ossl = openssl_key(key);
        for hash in HASHES {
            let mut s = openssl::sign::Signer::new(md(hash), &ossl).unwrap();
            let der = s.sign_oneshot_to_vec(MSG).unwrap();
            let sig = SignatureValue::from_ecdsa_der(&der).unwrap();
            assert_eq!(sig.to_ecdsa_der().unwrap(), der);
            assert_all(
                key.public_key(),
                SignatureScheme::Ecdsa(hash),
                MSG,
                &sig,
                Ok(()),
            );
        }
    }
}

#[test]
fn ecdsa_keys_generated_by_either_provider_sign_in_both() {
    for generator in providers() {
        for curve in [EccCurve::NistP256, EccCurve::NistP384] {
            let key = PrivateKey::generate(generator, KeySpec::Ecc(curve)).unwrap();
            assert_eq!(key.spec(), KeySpec::Ecc(curve));
            assert_eq!(openssl_public(&openssl_key(&key)), *key.public_key());
            let scheme = SignatureScheme::Ecdsa(HashAlg::Sha256);
            for signer in providers() {
                let sig = sign(signer, &key, scheme).unwrap();
                assert_all(key.public_key(), scheme, MSG, &sig, Ok(()));
            }
        }
    }
}

#[test]
fn private_keys_parse_from_openssl_pkcs8_sec1_and_pkcs1_in_both_providers() {
    let group = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
    let ec = EcKey::generate(&group).unwrap();
    let ec_pkey = PKey::from_ec_key(ec.clone()).unwrap();
    let rsa = Rsa::generate(2048).unwrap();
    let rsa_pkey = PKey::from_rsa(rsa.clone()).unwrap();
    let cases: Vec<(&str, Vec<u8>, &PKey<Private>)> = vec![
        (
            "EC PKCS#8 PEM",
            ec_pkey.private_key_to_pem_pkcs8().unwrap(),
            &ec_pkey,
        ),
        ("EC SEC1 PEM", ec.private_key_to_pem().unwrap(), &ec_pkey),
        (
            "RSA PKCS#8 PEM",
            rsa_pkey.private_key_to_pem_pkcs8().unwrap(),
            &rsa_pkey,
        ),
        (
            "RSA PKCS#1 PEM",
            rsa.private_key_to_pem().unwrap(),
            &rsa_pkey,
        ),
    ];
    for p in providers() {
        for (what, pem, ossl) in &cases {
            let key = PrivateKey::from_pem(p, pem).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(*key.public_key(), openssl_public(ossl), "{what}");
            // Signed by the native provider, checked by OpenSSL with its own key object.
            let scheme = match key.spec() {
                KeySpec::Ecc(_) => SignatureScheme::Ecdsa(HashAlg::Sha384),
                KeySpec::Rsa { .. } => SignatureScheme::RsaPss(HashAlg::Sha384),
            };
            let sig = sign(NATIVE, &key, scheme).unwrap();
            assert!(openssl_verifies(ossl, scheme, MSG, &sig), "{what}");
            // Our PKCS#8 export parses back to the same key, as DER and as PEM.
            let der = key.to_pkcs8_der().unwrap();
            let back = PrivateKey::from_pkcs8_der(p, &der).unwrap();
            assert_eq!(back.public_key(), key.public_key(), "{what}");
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let back = PrivateKey::from_pem(p, pem.as_bytes()).unwrap();
            assert_eq!(back.public_key(), key.public_key(), "{what}");
        }
        let der = ec_pkey.private_key_to_pkcs8().unwrap();
        let key = PrivateKey::from_pkcs8_der(p, &der).unwrap();
        assert_eq!(*key.public_key(), openssl_public(&ec_pkey));
    }
}

#[test]
fn pem_of_the_wrong_type_is_invalid_format() {
    let key = key(KeySpec::Ecc(EccCurve::NistP256));
    let ossl = openssl_key(key);
    let wrong = Err(Error::InvalidFormat {
        what: "PEM label is not PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY",
    });
    let public_pem = ossl.public_key_to_pem().unwrap();
    let encrypted = ossl
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
        .unwrap();
    for p in providers() {
        assert_eq!(
            PrivateKey::from_pem(p, &public_pem).map(|_| ()),
            wrong,
            "{}",
            p.name()
        );
        assert_eq!(
            PrivateKey::from_pem(p, &encrypted).map(|_| ()),
            wrong,
            "{}",
            p.name()
        );
        // The right label over the wrong content.
        let relabelled = String::from_utf8(ossl.private_key_to_pem_pkcs8().unwrap())
            .unwrap()
            .replace("PRIVATE KEY", "RSA PRIVATE KEY");
        assert_eq!(
            PrivateKey::from_pem(p, relabelled.as_bytes()).map(|_| ()),
            Err(Error::InvalidFormat {
                what: "PKCS#1 RSAPrivateKey DER"
            }),
            "{}",
            p.name()
        );
        assert_eq!(
            PrivateKey::from_pem(p, b"not a PEM").map(|_| ()),
            Err(Error::InvalidFormat { what: "PEM" })
        );
    }
}

#[test]
fn ec_private_key_with_a_foreign_public_key_or_curve_is_refused() {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let a = EcKey::generate(&group)
        .unwrap()
        .private_key_to_der()
        .unwrap();
    let b = EcKey::generate(&group)
        .unwrap()
        .private_key_to_der()
        .unwrap();
    // SEC 1 ECPrivateKey of P-256 from OpenSSL ends with the 65-byte uncompressed point.
    let mut mixed = a.clone();
    let n = mixed.len();
    mixed[n - 65..].copy_from_slice(&b[b.len() - 65..]);
    let pem = pem_block("EC PRIVATE KEY", &mixed);
    let p521 = EcKey::generate(&EcGroup::from_curve_name(Nid::SECP521R1).unwrap()).unwrap();
    let p521 = PKey::from_ec_key(p521)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    let rsa1024 = PKey::from_rsa(Rsa::generate(1024).unwrap())
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    for p in providers() {
        assert!(PrivateKey::from_pem(p, &pem_block("EC PRIVATE KEY", &a)).is_ok());
        assert_eq!(
            PrivateKey::from_pem(p, &pem).map(|_| ()),
            Err(Error::InvalidValue {
                what: "EC private key's public key does not match its scalar"
            }),
            "{}",
            p.name()
        );
        assert_eq!(
            PrivateKey::from_pem(p, &p521).map(|_| ()),
            Err(Error::KeyNotAllowed {
                what: "private keys are P-256 or P-384"
            })
        );
        assert_eq!(
            PrivateKey::from_pem(p, &rsa1024).map(|_| ()),
            Err(Error::KeyNotAllowed {
                what: "RSA private key size (2048 to 4096 bits)"
            })
        );
    }
}

fn pem_block(label: &str, der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out.into_bytes()
}

#[test]
fn private_key_debug_shows_no_secret() {
    for spec in all_specs() {
        let key = key(spec);
        let debug = format!("{key:?}");
        assert!(debug.contains("<redacted>"), "{debug}");
        let ossl = openssl_key(key);
        let secret: Vec<u8> = match ossl.ec_key() {
            Ok(ec) => ec.private_key().to_vec(),
            Err(_) => ossl.rsa().unwrap().d().to_vec(),
        };
        // No 4-byte window of the secret, in Debug's decimal list form or in hex.
        for w in secret.windows(4) {
            let dec = format!("{w:?}");
            let dec = &dec[1..dec.len() - 1];
            assert!(!debug.contains(dec), "{spec:?}: {dec}");
            assert!(!debug.contains(&hex::encode(w)), "{spec:?}");
        }
        let signer =
            SoftwareSigner::new(NATIVE, key.clone_key(), schemes(spec, HashAlg::Sha256)[0])
                .unwrap();
        assert!(format!("{signer:?}").contains("<redacted>"));
    }
}

// --- negative tests: each breaks one check, every provider gives the same error ---

#[test]
fn sha1_is_refused_without_the_opt_in() {
    let rsa = Rsa::generate(2048).unwrap();
    let pkey = PKey::from_rsa(rsa.clone()).unwrap();
    let mut s = openssl::sign::Signer::new(MessageDigest::sha1(), &pkey).unwrap();
    let sig = SignatureValue::Rsa(s.sign_oneshot_to_vec(MSG).unwrap());
    let public = openssl_public(&pkey);
    let scheme = SignatureScheme::RsaPkcs1v15(HashAlg::Sha1);
    assert_all(
        &public,
        scheme,
        MSG,
        &sig,
        Err(Error::HashNotAllowed {
            hash: HashAlg::Sha1.alg_id(),
        }),
    );
    assert_all_with(
        &public,
        scheme,
        MSG,
        &sig,
        &HashAllowList::with_sha1(),
        &KeyPolicy::default(),
        Ok(()),
    );
    // Nor does Aegis sign with SHA-1.
    let key = key(KeySpec::Ecc(EccCurve::NistP256));
    for p in providers() {
        assert_eq!(
            SoftwareSigner::new(p, key.clone_key(), SignatureScheme::Ecdsa(HashAlg::Sha1))
                .map(|_| ()),
            Err(Error::HashNotAllowed {
                hash: HashAlg::Sha1.alg_id()
            })
        );
        assert_eq!(
            p.sign_digest(key, SignatureScheme::Ecdsa(HashAlg::Sha1), &[0; 20]),
            Err(Error::HashNotAllowed {
                hash: HashAlg::Sha1.alg_id()
            })
        );
    }
}

#[test]
fn scheme_that_does_not_fit_the_key_is_a_mismatch() {
    let ec = key(KeySpec::Ecc(EccCurve::NistP256));
    let rsa = key(KeySpec::Rsa { bits: 2048 });
    let ec_sig = sign(NATIVE, ec, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let rsa_sig = sign(NATIVE, rsa, SignatureScheme::RsaPss(HashAlg::Sha256)).unwrap();
    assert_all(
        ec.public_key(),
        SignatureScheme::RsaPss(HashAlg::Sha256),
        MSG,
        &rsa_sig,
        Err(Error::SignatureSchemeMismatch {
            key_scheme: 0x0023,
            signature_scheme: 0x0016,
        }),
    );
    assert_all(
        rsa.public_key(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
        MSG,
        &ec_sig,
        Err(Error::SignatureSchemeMismatch {
            key_scheme: 0x0001,
            signature_scheme: 0x0018,
        }),
    );
    // A PSS signature is no PKCS#1 v1.5 signature (the scheme decides, no fallback).
    assert_all(
        rsa.public_key(),
        SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
        MSG,
        &rsa_sig,
        Err(Error::SignatureInvalid),
    );
    // A value of the other kind under a fitting scheme.
    assert_all(
        ec.public_key(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
        MSG,
        &rsa_sig,
        Err(Error::InvalidArgument {
            what: "signature value is not of the scheme's kind (RSA bytes or ECDSA r and s)",
        }),
    );
    // A signer refuses such a scheme when it is made.
    for p in providers() {
        assert_eq!(
            SoftwareSigner::new(
                p,
                ec.clone_key(),
                SignatureScheme::RsaPkcs1v15(HashAlg::Sha256)
            )
            .map(|_| ()),
            Err(Error::InvalidArgument {
                what: "signature scheme does not fit the key type"
            })
        );
        assert_eq!(
            SoftwareSigner::new(p, rsa.clone_key(), SignatureScheme::Ecdsa(HashAlg::Sha256))
                .map(|_| ()),
            Err(Error::InvalidArgument {
                what: "signature scheme does not fit the key type"
            })
        );
    }
}

#[test]
fn key_size_or_curve_off_the_policy_is_key_not_allowed() {
    let rsa = Rsa::generate(1024).unwrap();
    let pkey = PKey::from_rsa(rsa).unwrap();
    let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &pkey).unwrap();
    let sig = SignatureValue::Rsa(s.sign_oneshot_to_vec(MSG).unwrap());
    let public = openssl_public(&pkey);
    let scheme = SignatureScheme::RsaPkcs1v15(HashAlg::Sha256);
    assert_all(
        &public,
        scheme,
        MSG,
        &sig,
        Err(Error::KeyNotAllowed {
            what: "RSA key size",
        }),
    );
    // Only the policy refused it.
    let lenient = KeyPolicy {
        rsa_bits: vec![1024],
        curves: vec![],
    };
    assert_all_with(
        &public,
        scheme,
        MSG,
        &sig,
        &HashAllowList::default(),
        &lenient,
        Ok(()),
    );
    // A curve off the list.
    let p384 = key(KeySpec::Ecc(EccCurve::NistP384));
    let scheme = SignatureScheme::Ecdsa(HashAlg::Sha384);
    let sig = sign(NATIVE, p384, scheme).unwrap();
    let only_p256 = KeyPolicy {
        rsa_bits: vec![2048],
        curves: vec![EccCurve::NistP256],
    };
    assert_all_with(
        p384.public_key(),
        scheme,
        MSG,
        &sig,
        &HashAllowList::default(),
        &only_p256,
        Err(Error::KeyNotAllowed { what: "ECC curve" }),
    );
    // EC coordinates not of the curve's size (a leading zero byte added to x).
    let mut wide = p384.public_key().clone();
    if let PublicKey::Ecc { x, .. } = &mut wide {
        x.insert(0, 0);
    }
    assert_all(
        &wide,
        scheme,
        MSG,
        &sig,
        Err(Error::KeyNotAllowed {
            what: "EC public key coordinates have the wrong size",
        }),
    );
    // An exponent other than 65537.
    let mut odd = key(KeySpec::Rsa { bits: 2048 }).public_key().clone();
    if let PublicKey::Rsa { exponent, .. } = &mut odd {
        *exponent = 3;
    }
    assert_all(
        &odd,
        SignatureScheme::RsaPss(HashAlg::Sha256),
        MSG,
        &SignatureValue::Rsa(vec![1; 256]),
        Err(Error::KeyNotAllowed {
            what: "RSA exponent other than 65537",
        }),
    );
}

#[test]
fn rsa_signature_one_byte_short_or_long_is_signature_length() {
    let key = key(KeySpec::Rsa { bits: 2048 });
    for scheme in schemes(KeySpec::Rsa { bits: 2048 }, HashAlg::Sha256) {
        let SignatureValue::Rsa(sig) = sign(NATIVE, key, scheme).unwrap() else {
            panic!()
        };
        assert_all(
            key.public_key(),
            scheme,
            MSG,
            &SignatureValue::Rsa(sig[1..].to_vec()),
            Err(Error::SignatureLength {
                size: 255,
                expected: 256,
            }),
        );
        let mut long = vec![0u8];
        long.extend_from_slice(&sig);
        assert_all(
            key.public_key(),
            scheme,
            MSG,
            &SignatureValue::Rsa(long),
            Err(Error::SignatureLength {
                size: 257,
                expected: 256,
            }),
        );
        for i in [0, 128, 255] {
            let mut flipped = sig.clone();
            flipped[i] ^= 0x01;
            assert_all(
                key.public_key(),
                scheme,
                MSG,
                &SignatureValue::Rsa(flipped),
                Err(Error::SignatureInvalid),
            );
        }
    }
}

#[test]
fn ecdsa_scalars_too_long_zero_or_n_are_refused_before_the_provider() {
    for curve in [EccCurve::NistP256, EccCurve::NistP384] {
        let key = key(KeySpec::Ecc(curve));
        let scheme = SignatureScheme::Ecdsa(HashAlg::Sha256);
        let SignatureValue::Ecdsa { r, s } = sign(NATIVE, key, scheme).unwrap() else {
            panic!()
        };
        let size = curve.coordinate_size();
        let with = |r: Vec<u8>, s: Vec<u8>| SignatureValue::Ecdsa { r, s };
        let mut long = vec![1u8];
        long.extend_from_slice(&r);
        assert_all(
            key.public_key(),
            scheme,
            MSG,
            &with(long.clone(), s.clone()),
            Err(Error::SignatureLength {
                size: size + 1,
                expected: size,
            }),
        );
        assert_all(
            key.public_key(),
            scheme,
            MSG,
            &with(r.clone(), long),
            Err(Error::SignatureLength {
                size: size + 1,
                expected: size,
            }),
        );
        for bad in [vec![0u8], vec![0u8; size], vec![], curve.order().to_vec()] {
            assert_all(
                key.public_key(),
                scheme,
                MSG,
                &with(bad.clone(), s.clone()),
                Err(Error::EcdsaScalarOutOfRange),
            );
            assert_all(
                key.public_key(),
                scheme,
                MSG,
                &with(r.clone(), bad),
                Err(Error::EcdsaScalarOutOfRange),
            );
        }
        // n + 1 fits the size but not the range.
        let mut above = curve.order().to_vec();
        *above.last_mut().unwrap() += 1;
        assert_all(
            key.public_key(),
            scheme,
            MSG,
            &with(above, s.clone()),
            Err(Error::EcdsaScalarOutOfRange),
        );
        // A flipped bit in r or s.
        for (rr, ss) in [
            (flip(&r, 0), s.clone()),
            (r.clone(), flip(&s, size - 1)),
            (r.clone(), flip(&s, size / 2)),
        ] {
            assert_all(
                key.public_key(),
                scheme,
                MSG,
                &with(rr, ss),
                Err(Error::SignatureInvalid),
            );
        }
        // The signature as it was still verifies.
        assert_all(key.public_key(), scheme, MSG, &with(r, s), Ok(()));
    }
}

fn flip(v: &[u8], i: usize) -> Vec<u8> {
    let mut v = v.to_vec();
    v[i] ^= 0x01;
    v
}

#[test]
fn ecdsa_der_must_be_minimal_and_alone() {
    let key = key(KeySpec::Ecc(EccCurve::NistP256));
    let scheme = SignatureScheme::Ecdsa(HashAlg::Sha256);
    let der = sign(NATIVE, key, scheme).unwrap().to_ecdsa_der().unwrap();
    assert_eq!(der[0], 0x30);
    // r with a superfluous leading zero byte (and the lengths fixed up): whether r already
    // had a sign byte or not, one more zero byte is not minimal (X.690, 8.3.2).
    let mut padded = vec![0x30, der[1] + 1, 0x02, der[3] + 1, 0x00];
    padded.extend_from_slice(&der[4..]);
    assert_eq!(
        SignatureValue::from_ecdsa_der(&padded).map(|_| ()),
        Err(Error::InvalidFormat {
            what: "ECDSA-Sig-Value DER"
        })
    );
    // A long-form length where the short form fits.
    let mut long_form = vec![0x30, 0x81];
    long_form.extend_from_slice(&der[1..]);
    assert_eq!(
        SignatureValue::from_ecdsa_der(&long_form).map(|_| ()),
        Err(Error::InvalidFormat {
            what: "ECDSA-Sig-Value DER"
        })
    );
    let mut trailing = der.clone();
    trailing.extend_from_slice(&[0x00, 0x00]);
    assert_eq!(
        SignatureValue::from_ecdsa_der(&trailing).map(|_| ()),
        Err(Error::TrailingBytes {
            what: "ECDSA-Sig-Value",
            extra: 2
        })
    );
    // OpenSSL agrees that these are not DER.
    assert!(EcdsaSig::from_der(&padded).is_err());
    // The untouched encoding verifies in both providers.
    let sig = SignatureValue::from_ecdsa_der(&der).unwrap();
    assert_all(key.public_key(), scheme, MSG, &sig, Ok(()));
}

#[test]
fn tpm_signature_converts_and_verifies() {
    use aegis_core::tpm::Signature;
    let key = key(KeySpec::Ecc(EccCurve::NistP256));
    let scheme = SignatureScheme::Ecdsa(HashAlg::Sha384);
    let SignatureValue::Ecdsa { r, s } = sign(NATIVE, key, scheme).unwrap() else {
        panic!()
    };
    let tpmt = Signature::Ecdsa {
        hash: HashAlg::Sha384,
        r,
        s,
    }
    .encode();
    let (got_scheme, value) = SignatureValue::from_tpmt_signature(&tpmt).unwrap();
    assert_eq!(got_scheme, scheme);
    assert_all(key.public_key(), got_scheme, MSG, &value, Ok(()));
    assert_eq!(
        SignatureValue::from_tpmt_signature(&Signature::Null.encode()),
        Err(Error::NullSignature)
    );
}

#[test]
fn pure_provider_refuses_rsa_private_key_operations() {
    let unsupported = Error::Unsupported {
        what: "RSA private-key operations (RUSTSEC-2023-0071)",
    };
    let Some(pure) = providers().into_iter().find(|p| p.name() == "rustcrypto") else {
        return;
    };
    let key = key(KeySpec::Rsa { bits: 2048 });
    for scheme in schemes(KeySpec::Rsa { bits: 2048 }, HashAlg::Sha256) {
        let signer = SoftwareSigner::new(pure, key.clone_key(), scheme).unwrap();
        assert_eq!(
            signer.sign_digest(&HashAlg::Sha256.digest(MSG)),
            Err(unsupported.clone())
        );
    }
    assert_eq!(
        PrivateKey::generate(pure, KeySpec::Rsa { bits: 2048 }).map(|_| ()),
        Err(unsupported)
    );
}

#[test]
fn digest_of_the_wrong_length_is_invalid_argument() {
    let wrong = Err(Error::InvalidArgument {
        what: "digest length differs from the scheme's hash",
    });
    for spec in [
        KeySpec::Ecc(EccCurve::NistP256),
        KeySpec::Rsa { bits: 2048 },
    ] {
        let key = key(spec);
        for scheme in schemes(spec, HashAlg::Sha384) {
            for p in providers() {
                let signer = SoftwareSigner::new(p, key.clone_key(), scheme).unwrap();
                for len in [0, 32, 47, 49, 64] {
                    assert_eq!(
                        signer.sign_digest(&vec![7u8; len]),
                        wrong,
                        "{} {scheme:?} {len}",
                        p.name()
                    );
                }
            }
        }
    }
}

#[test]
fn generating_keys_outside_the_supported_set_is_refused() {
    for p in providers() {
        assert_eq!(
            PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP521)).map(|_| ()),
            Err(Error::KeyNotAllowed {
                what: "private keys are P-256 or P-384"
            })
        );
    }
    assert_eq!(
        PrivateKey::generate(NATIVE, KeySpec::Rsa { bits: 1024 }).map(|_| ()),
        Err(Error::KeyNotAllowed {
            what: "RSA private key size (2048 to 4096 bits)"
        })
    );
}

#[test]
fn providers_agree_on_public_points_and_refuse_the_same_scalars() {
    let _: fn() = || {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<PrivateKey>();
        send_sync::<SoftwareSigner<'static>>();
    };
    for curve in [EccCurve::NistP256, EccCurve::NistP384] {
        let size = curve.coordinate_size();
        let mut one = vec![0u8; size];
        *one.last_mut().unwrap() = 1;
        let mut n_minus_1 = curve.order().to_vec();
        *n_minus_1.last_mut().unwrap() -= 1;
        for scalar in [one, n_minus_1, vec![0x5a; size]] {
            let points: Vec<_> = providers()
                .into_iter()
                .map(|p| p.ecc_public_point(curve, &scalar).unwrap())
                .collect();
            assert!(points.windows(2).all(|w| w[0] == w[1]), "{curve:?}");
        }
        for (scalar, expected) in [
            (
                vec![0u8; size],
                Error::InvalidValue {
                    what: "EC private scalar outside [1, n-1]",
                },
            ),
            (
                curve.order().to_vec(),
                Error::InvalidValue {
                    what: "EC private scalar outside [1, n-1]",
                },
            ),
            (
                vec![1u8; size + 1],
                Error::InvalidFormat {
                    what: "EC private key has the wrong length for its curve",
                },
            ),
        ] {
            for p in providers() {
                assert_eq!(
                    p.ecc_public_point(curve, &scalar),
                    Err(expected.clone()),
                    "{}",
                    p.name()
                );
            }
        }
    }
}

#[test]
fn wire_formats_round_trip_and_each_decoding_refusal_has_its_error() {
    let ec = key(KeySpec::Ecc(EccCurve::NistP256));
    let rsa = key(KeySpec::Rsa { bits: 2048 });
    let es256 = SignatureScheme::Ecdsa(HashAlg::Sha256);
    let ps256 = SignatureScheme::RsaPss(HashAlg::Sha256);
    let digest = HashAlg::Sha256.digest(b"message");
    let ec_sig = SoftwareSigner::new(NATIVE, ec.clone_key(), es256)
        .unwrap()
        .sign_digest(&digest)
        .unwrap();
    let rsa_sig = SoftwareSigner::new(NATIVE, rsa.clone_key(), ps256)
        .unwrap()
        .sign_digest(&digest)
        .unwrap();
    for format in [
        SignatureFormat::Raw,
        SignatureFormat::Der,
        SignatureFormat::Tpmt,
    ] {
        let bytes = ec_sig.encode(format, es256, ec.public_key()).unwrap();
        let back = SignatureValue::decode(format, &bytes, es256, ec.public_key()).unwrap();
        assert_eq!(
            back.to_ecdsa_raw(EccCurve::NistP256),
            ec_sig.to_ecdsa_raw(EccCurve::NistP256)
        );
    }
    for format in [SignatureFormat::Raw, SignatureFormat::Tpmt] {
        let bytes = rsa_sig.encode(format, ps256, rsa.public_key()).unwrap();
        let back = SignatureValue::decode(format, &bytes, ps256, rsa.public_key()).unwrap();
        assert_eq!(back, rsa_sig);
    }
    // DER is for ECDSA only, both ways.
    assert_eq!(
        SignatureValue::decode(SignatureFormat::Der, b"\x30\x00", ps256, rsa.public_key())
            .unwrap_err()
            .name(),
        "InvalidArgument"
    );
    assert_eq!(
        rsa_sig
            .encode(SignatureFormat::Der, ps256, rsa.public_key())
            .unwrap_err()
            .name(),
        "InvalidArgument"
    );
    // An ECDSA signature cannot be encoded for a key that is not an EC key.
    assert_eq!(
        ec_sig
            .encode(SignatureFormat::Raw, es256, rsa.public_key())
            .unwrap_err()
            .name(),
        "InvalidArgument"
    );
    // Raw r||s of the wrong size for the key's curve.
    let raw = ec_sig
        .encode(SignatureFormat::Raw, es256, ec.public_key())
        .unwrap();
    assert_eq!(
        SignatureValue::decode(SignatureFormat::Raw, &raw[1..], es256, ec.public_key())
            .unwrap_err()
            .name(),
        "SignatureLength"
    );
    // A TPMT_SIGNATURE of another scheme or hash than the caller's: the caller's scheme decides.
    let tpmt = rsa_sig
        .encode(SignatureFormat::Tpmt, ps256, rsa.public_key())
        .unwrap();
    assert_eq!(
        SignatureValue::decode(
            SignatureFormat::Tpmt,
            &tpmt,
            SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
            rsa.public_key()
        )
        .unwrap_err()
        .name(),
        "SignatureSchemeMismatch"
    );
    assert_eq!(
        SignatureValue::decode(
            SignatureFormat::Tpmt,
            &tpmt,
            SignatureScheme::RsaPss(HashAlg::Sha384),
            rsa.public_key()
        )
        .unwrap_err()
        .name(),
        "HashMismatch"
    );
}
