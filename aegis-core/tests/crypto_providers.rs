//! Every crypto provider against OpenSSL-made signatures, ciphertexts and key agreements, and
//! against published known-answer vectors. Every provider must reach the same verdict.
#![cfg(feature = "native")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_core::crypto::{all_providers, CryptoProvider, EccPublicKey, RsaPublicKey};
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::Error;
use openssl::bn::{BigNum, BigNumContext};
use openssl::derive::Deriver;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::md::Md;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};

const MSG: &[u8] = b"Aegis crypto provider test message";

fn providers() -> Vec<&'static dyn CryptoProvider> {
    let p = all_providers();
    assert!(!p.is_empty());
    p
}

fn message_digest(hash: HashAlg) -> MessageDigest {
    match hash {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

fn flip(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[index] ^= 0x01;
    v
}

struct RsaFixture {
    key: PKey<Private>,
    modulus: Vec<u8>,
}

impl RsaFixture {
    fn new(bits: u32) -> Self {
        let rsa = Rsa::generate(bits).unwrap();
        let modulus = rsa.n().to_vec();
        RsaFixture {
            key: PKey::from_rsa(rsa).unwrap(),
            modulus,
        }
    }
    fn public(&self) -> RsaPublicKey<'_> {
        RsaPublicKey {
            modulus: &self.modulus,
            exponent: 65537,
        }
    }
    fn sign(&self, hash: HashAlg, pss_salt: Option<RsaPssSaltlen>) -> Vec<u8> {
        let mut signer = Signer::new(message_digest(hash), &self.key).unwrap();
        if let Some(salt) = pss_salt {
            signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            signer.set_rsa_pss_saltlen(salt).unwrap();
            signer.set_rsa_mgf1_md(message_digest(hash)).unwrap();
        }
        signer.update(MSG).unwrap();
        signer.sign_to_vec().unwrap()
    }
}

#[test]
fn rsa_pkcs1v15_accepts_valid_and_rejects_flipped_bits() {
    let k = RsaFixture::new(2048);
    for hash in HashAlg::ALL {
        let sig = k.sign(hash, None);
        let digest = hash.digest(MSG);
        for p in providers() {
            let name = p.name();
            assert_eq!(
                p.verify_rsa_pkcs1v15(k.public(), hash, &digest, &sig),
                Ok(()),
                "{name} {hash:?}"
            );
            for i in [0, 100, sig.len() - 1] {
                assert_eq!(
                    p.verify_rsa_pkcs1v15(k.public(), hash, &digest, &flip(&sig, i)),
                    Err(Error::SignatureInvalid),
                    "{name} {hash:?} sig bit {i}"
                );
            }
            assert_eq!(
                p.verify_rsa_pkcs1v15(k.public(), hash, &flip(&digest, 3), &sig),
                Err(Error::SignatureInvalid),
                "{name} {hash:?} digest"
            );
            // A PKCS#1 v1.5 signature is no PSS signature (aws-lc-rs has no PSS with SHA-1).
            let pss = p.verify_rsa_pss(k.public(), hash, &digest, &sig);
            if name == "aws-lc-rs" && hash == HashAlg::Sha1 {
                assert!(matches!(pss, Err(Error::Unsupported { .. })), "{pss:?}");
            } else {
                assert_eq!(pss, Err(Error::SignatureInvalid), "{name} {hash:?}");
            }
            // Truncated or empty signatures.
            assert_eq!(
                p.verify_rsa_pkcs1v15(k.public(), hash, &digest, &sig[1..]),
                Err(Error::SignatureInvalid)
            );
            assert_eq!(
                p.verify_rsa_pkcs1v15(k.public(), hash, &digest, &[]),
                Err(Error::SignatureInvalid)
            );
        }
    }
}

#[test]
fn rsa_pss_accepts_both_salt_lengths_and_rejects_flipped_bits() {
    let k = RsaFixture::new(2048);
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        let digest = hash.digest(MSG);
        for salt in [RsaPssSaltlen::DIGEST_LENGTH, RsaPssSaltlen::MAXIMUM_LENGTH] {
            let sig = k.sign(hash, Some(salt));
            for p in providers() {
                let name = p.name();
                assert_eq!(
                    p.verify_rsa_pss(k.public(), hash, &digest, &sig),
                    Ok(()),
                    "{name} {hash:?}"
                );
                for i in [0, 128, sig.len() - 1] {
                    assert_eq!(
                        p.verify_rsa_pss(k.public(), hash, &digest, &flip(&sig, i)),
                        Err(Error::SignatureInvalid),
                        "{name} {hash:?} bit {i}"
                    );
                }
                assert_eq!(
                    p.verify_rsa_pss(k.public(), hash, &flip(&digest, 0), &sig),
                    Err(Error::SignatureInvalid)
                );
                assert_eq!(
                    p.verify_rsa_pkcs1v15(k.public(), hash, &digest, &sig),
                    Err(Error::SignatureInvalid),
                    "{name}: PSS signature accepted as PKCS#1 v1.5"
                );
            }
        }
        // Other salt lengths are neither of the two TPM conventions: every provider refuses.
        let sig = k.sign(hash, Some(RsaPssSaltlen::custom(10)));
        for p in providers() {
            assert_eq!(
                p.verify_rsa_pss(k.public(), hash, &digest, &sig),
                Err(Error::SignatureInvalid),
                "{}",
                p.name()
            );
        }
    }
}

#[test]
fn rsa_unusual_modulus_sizes() {
    // RSA-3072 with the maximum salt: a different emLen and maximum salt than RSA-2048.
    let k = RsaFixture::new(3072);
    let sig = k.sign(HashAlg::Sha256, Some(RsaPssSaltlen::MAXIMUM_LENGTH));
    let digest = HashAlg::Sha256.digest(MSG);
    for p in providers() {
        assert_eq!(
            p.verify_rsa_pss(k.public(), HashAlg::Sha256, &digest, &sig),
            Ok(()),
            "{}",
            p.name()
        );
    }
}

#[test]
fn rsa_refused_keys_are_key_not_allowed() {
    for p in providers() {
        let bad = RsaPublicKey {
            modulus: &[],
            exponent: 65537,
        };
        let r = p.verify_rsa_pkcs1v15(bad, HashAlg::Sha256, &[0; 32], &[0; 256]);
        assert!(
            matches!(
                r,
                Err(Error::KeyNotAllowed { .. }) | Err(Error::SignatureInvalid)
            ),
            "{}: {r:?}",
            p.name()
        );
    }
}

struct EcFixture {
    curve: EccCurve,
    key: EcKey<Private>,
    x: Vec<u8>,
    y: Vec<u8>,
}

fn nid(curve: EccCurve) -> Nid {
    match curve {
        EccCurve::NistP256 => Nid::X9_62_PRIME256V1,
        EccCurve::NistP384 => Nid::SECP384R1,
        EccCurve::NistP521 => Nid::SECP521R1,
    }
}

impl EcFixture {
    fn new(curve: EccCurve) -> Self {
        let group = EcGroup::from_curve_name(nid(curve)).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let (x, y) = coords(&group, key.public_key(), curve.coordinate_size());
        EcFixture { curve, key, x, y }
    }
    fn public(&self) -> EccPublicKey<'_> {
        EccPublicKey {
            curve: self.curve,
            x: &self.x,
            y: &self.y,
        }
    }
}

fn coords(group: &EcGroup, point: &openssl::ec::EcPointRef, size: usize) -> (Vec<u8>, Vec<u8>) {
    let mut ctx = BigNumContext::new().unwrap();
    let mut x = BigNum::new().unwrap();
    let mut y = BigNum::new().unwrap();
    point
        .affine_coordinates(group, &mut x, &mut y, &mut ctx)
        .unwrap();
    let n = i32::try_from(size).unwrap();
    (x.to_vec_padded(n).unwrap(), y.to_vec_padded(n).unwrap())
}

#[test]
fn ecdsa_accepts_valid_and_rejects_flipped_bits() {
    for (curve, hashes) in [
        (
            EccCurve::NistP256,
            vec![HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha1],
        ),
        // SHA-1 on P-384: a digest shorter than half the field (the pure provider pads it).
        (
            EccCurve::NistP384,
            vec![
                HashAlg::Sha384,
                HashAlg::Sha256,
                HashAlg::Sha512,
                HashAlg::Sha1,
            ],
        ),
    ] {
        let k = EcFixture::new(curve);
        for hash in hashes {
            let digest = hash.digest(MSG);
            // Several signatures, so that short r/s (leading zero bytes) occur now and then.
            for _ in 0..8 {
                let sig = EcdsaSig::sign(&digest, &k.key).unwrap();
                let (r, s) = (sig.r().to_vec(), sig.s().to_vec());
                for p in providers() {
                    let name = p.name();
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &r, &s),
                        Ok(()),
                        "{name} {curve:?} {hash:?}"
                    );
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &flip(&digest, 0), &r, &s),
                        Err(Error::SignatureInvalid),
                        "{name} digest"
                    );
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &flip(&r, r.len() - 1), &s),
                        Err(Error::SignatureInvalid),
                        "{name} r"
                    );
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &r, &flip(&s, 0)),
                        Err(Error::SignatureInvalid),
                        "{name} s"
                    );
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &s, &r),
                        Err(Error::SignatureInvalid)
                    );
                    // Padded to the coordinate size with leading zeros: same integers, accepted.
                    let size = curve.coordinate_size();
                    let pad = |v: &[u8]| {
                        let mut o = vec![0u8; size + 1 - v.len()];
                        o.extend_from_slice(v);
                        o
                    };
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &pad(&r), &pad(&s)),
                        Ok(()),
                        "{name} padded"
                    );
                    // Oversized r: SignatureInvalid.
                    let mut big = vec![1u8];
                    big.extend_from_slice(&vec![0u8; size]);
                    assert_eq!(
                        p.verify_ecdsa(k.public(), &digest, &big, &s),
                        Err(Error::SignatureInvalid)
                    );
                }
            }
        }
    }
}

#[test]
fn ecdsa_point_off_the_curve_is_key_not_allowed() {
    let k = EcFixture::new(EccCurve::NistP256);
    let digest = HashAlg::Sha256.digest(MSG);
    let sig = EcdsaSig::sign(&digest, &k.key).unwrap();
    let bad_y = flip(&k.y, 31);
    let bad = EccPublicKey {
        curve: k.curve,
        x: &k.x,
        y: &bad_y,
    };
    for p in providers() {
        let r = p.verify_ecdsa(bad, &digest, &sig.r().to_vec(), &sig.s().to_vec());
        assert!(
            matches!(r, Err(Error::KeyNotAllowed { .. })),
            "{}: {r:?}",
            p.name()
        );
    }
}

#[test]
fn p521_is_native_only() {
    let k = EcFixture::new(EccCurve::NistP521);
    let digest = HashAlg::Sha512.digest(MSG);
    let sig = EcdsaSig::sign(&digest, &k.key).unwrap();
    let (r, s) = (sig.r().to_vec(), sig.s().to_vec());
    for p in providers() {
        let verdict = p.verify_ecdsa(k.public(), &digest, &r, &s);
        match p.name() {
            "openssl" | "aws-lc-rs" => assert_eq!(verdict, Ok(())),
            _ => assert!(
                matches!(verdict, Err(Error::KeyNotAllowed { .. })),
                "{verdict:?}"
            ),
        }
    }
}

#[test]
fn rsa_oaep_round_trip_with_the_tpm_identity_label() {
    let k = RsaFixture::new(2048);
    let label = b"IDENTITY\0";
    for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha1] {
        let secret = [0x5au8; 32];
        for p in providers() {
            let ct = p
                .rsa_oaep_encrypt(k.public(), hash, label, &secret)
                .unwrap();
            assert_eq!(ct.len(), 256);
            let md = match hash {
                HashAlg::Sha1 => Md::sha1(),
                HashAlg::Sha256 => Md::sha256(),
                HashAlg::Sha384 => Md::sha384(),
                HashAlg::Sha512 => Md::sha512(),
            };
            let decrypt = |label: &[u8]| -> Option<Vec<u8>> {
                let mut ctx = PkeyCtx::new(&k.key).unwrap();
                ctx.decrypt_init().unwrap();
                ctx.set_rsa_padding(Padding::PKCS1_OAEP).unwrap();
                ctx.set_rsa_oaep_md(md).unwrap();
                ctx.set_rsa_mgf1_md(md).unwrap();
                ctx.set_rsa_oaep_label(label).unwrap();
                let mut out = Vec::new();
                ctx.decrypt_to_vec(&ct, &mut out).ok().map(|_| out)
            };
            assert_eq!(
                decrypt(label).as_deref(),
                Some(&secret[..]),
                "{} {hash:?}",
                p.name()
            );
            // The label (with its NUL) is bound: without the NUL, decryption fails.
            assert_eq!(decrypt(b"IDENTITY"), None, "{}", p.name());
        }
    }
}

#[test]
fn ecdh_ephemeral_agrees_with_openssl() {
    for curve in [EccCurve::NistP256, EccCurve::NistP384] {
        let k = EcFixture::new(curve);
        let group = EcGroup::from_curve_name(nid(curve)).unwrap();
        for p in providers() {
            let e = p.ecdh_ephemeral(k.public()).unwrap();
            let size = curve.coordinate_size();
            assert_eq!(e.ephemeral_x.len(), size);
            assert_eq!(e.ephemeral_y.len(), size);
            assert_eq!(e.shared_x.len(), size);
            // Recompute Z = x(d_peer * Q_ephemeral) with OpenSSL on the peer's side.
            let ex = BigNum::from_slice(&e.ephemeral_x).unwrap();
            let ey = BigNum::from_slice(&e.ephemeral_y).unwrap();
            let eph = EcKey::from_public_key_affine_coordinates(&group, &ex, &ey).unwrap();
            let eph = PKey::from_ec_key(eph).unwrap();
            let mine = PKey::from_ec_key(k.key.clone()).unwrap();
            let mut deriver = Deriver::new(&mine).unwrap();
            deriver.set_peer(&eph).unwrap();
            let zx = deriver.derive_to_vec().unwrap();
            assert_eq!(&zx[..], &e.shared_x[..], "{} {curve:?}", p.name());
            // A fresh ephemeral key each call.
            let e2 = p.ecdh_ephemeral(k.public()).unwrap();
            assert_ne!(e.ephemeral_x, e2.ephemeral_x);
        }
    }
}

#[test]
fn aes_cfb128_known_answer_sp800_38a_f_3_13() {
    // NIST SP 800-38A, F.3.13 CFB128-AES128.Encrypt.
    let key = hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap();
    let iv = hex::decode("000102030405060708090a0b0c0d0e0f").unwrap();
    let pt = hex::decode(concat!(
        "6bc1bee22e409f96e93d7e117393172a",
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "f69f2445df4f9b17ad2b417be66c3710"
    ))
    .unwrap();
    let ct = hex::decode(concat!(
        "3b3fd92eb72dad20333449f8e83cfb4a",
        "c8a64537a0b3a93fcde3cdad9f1ce58b",
        "26751f67a3cbb140b1808cf187a4f4df",
        "c04b05357c5d1c0eeac4c66f9ff7f2e6"
    ))
    .unwrap();
    // F.3.17 CFB128-AES256.Encrypt, first block.
    let key256 =
        hex::decode("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4").unwrap();
    let ct256 = hex::decode("dc7e84bfda79164b7ecd8486985d3860").unwrap();
    for p in providers() {
        assert_eq!(
            p.aes_cfb_encrypt(&key, &iv, &pt).unwrap(),
            ct,
            "{}",
            p.name()
        );
        // A partial last block (TPM credentials are rarely a multiple of 16 bytes).
        assert_eq!(
            p.aes_cfb_encrypt(&key, &iv, &pt[..21]).unwrap(),
            &ct[..21],
            "{}",
            p.name()
        );
        assert_eq!(
            p.aes_cfb_encrypt(&key256, &iv, &pt[..16]).unwrap(),
            ct256,
            "{}",
            p.name()
        );
        assert!(p.aes_cfb_encrypt(&key[..15], &iv, &pt).is_err());
        assert!(p.aes_cfb_encrypt(&key, &iv[..8], &pt).is_err());
    }
}

#[test]
fn hmac_sha256_known_answers_rfc4231() {
    // RFC 4231, 4.2 (test case 1), 4.3 (test case 2), 4.7 (test case 6).
    let cases: [(Vec<u8>, &[u8], &str); 3] = [
        (
            vec![0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            vec![0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
    ];
    for p in providers() {
        for (key, data, expected) in &cases {
            assert_eq!(
                hex::encode(p.hmac(HashAlg::Sha256, key, data).unwrap()),
                *expected,
                "{}",
                p.name()
            );
        }
        // RFC 4231 test case 2 for SHA-384 and SHA-512.
        assert_eq!(
            hex::encode(p.hmac(HashAlg::Sha512, b"Jefe", b"what do ya want for nothing?").unwrap()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }
}

#[test]
fn random_fills_and_differs() {
    for p in providers() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        p.random(&mut a).unwrap();
        p.random(&mut b).unwrap();
        assert_ne!(a, b, "{}", p.name());
        assert_ne!(a, [0u8; 32]);
    }
}

/// The refusals of the key-transport operations MakeCredential uses, one at a time. Every
/// provider gives the same variant, except that the rsa crate (pure) reports an over-long OAEP
/// message as its own failure, `CryptoProvider`.
#[test]
fn oaep_ecdh_and_aes_refusals_each_have_their_error() {
    let rsa = RsaFixture::new(2048);
    // RSA-2048 with SHA-256 OAEP carries at most 256 - 2*32 - 2 = 190 bytes.
    let too_long = [0u8; 191];
    let ec = EcFixture::new(EccCurve::NistP256);
    let bad_y = flip(&ec.y, 31);
    let off_curve = EccPublicKey {
        curve: EccCurve::NistP256,
        x: &ec.x,
        y: &bad_y,
    };
    for p in providers() {
        let name = p.name();
        let r = p.rsa_oaep_encrypt(rsa.public(), HashAlg::Sha256, b"IDENTITY\0", &too_long);
        if name == "rustcrypto" {
            assert!(
                matches!(r, Err(Error::CryptoProvider { .. })),
                "{name}: {r:?}"
            );
        } else {
            assert!(
                matches!(r, Err(Error::InvalidArgument { .. })),
                "{name}: {r:?}"
            );
        }
        assert!(p
            .rsa_oaep_encrypt(rsa.public(), HashAlg::Sha256, b"IDENTITY\0", &too_long[1..])
            .is_ok());
        let r = p.ecdh_ephemeral(off_curve);
        assert!(
            matches!(r, Err(Error::KeyNotAllowed { .. })),
            "{name}: {r:?}"
        );
        for key_len in [15, 17, 33] {
            let r = p.aes_cfb_encrypt(&vec![0u8; key_len], &[0u8; 16], b"data");
            assert!(
                matches!(r, Err(Error::InvalidArgument { .. })),
                "{name} key {key_len}: {r:?}"
            );
        }
        for iv_len in [0, 15, 17] {
            let r = p.aes_cfb_encrypt(&[0u8; 16], &vec![0u8; iv_len], b"data");
            assert!(
                matches!(r, Err(Error::InvalidArgument { .. })),
                "{name} iv {iv_len}: {r:?}"
            );
        }
    }
}
