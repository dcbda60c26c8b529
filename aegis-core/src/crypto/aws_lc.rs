//! The aws-lc-rs provider: AWS-LC (ARCHITECTURE.md, Crypto), a second native provider beside
//! OpenSSL (feature `aws-lc`; issue 11 item 9 measures both on the full appraisal).
//!
//! aws-lc-rs verifies and signs prehashed digests (`Digest::import_less_safe`,
//! `ParsedPublicKey::verify_digest_sig`, `sign_digest`), so it takes the same inputs as the other
//! providers. Its algorithms are fixed (curve, hash) and (padding, hash, modulus range) pairs.
//! ECDSA takes any digest through its curve's own hash ([`ecdsa_digest`]); where RSA has no
//! algorithm, the answer is `Unsupported`, never another verdict:
//! - RSASSA-PSS with SHA-1;
//! - RSA moduli under 2048 bits, except PKCS#1 v1.5 with SHA-1, SHA-256 or SHA-512 (aws-lc-rs's
//!   legacy algorithms); moduli under 1024 or over 8192 bits are `KeyNotAllowed`;
//! - RSA key generation: 2048, 3072 and 4096 bits.

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, ParsedPublicKey, RsaKeyPair, RsaParameters,
    RsaPssSaltLength, UnparsedPublicKey, VerificationAlgorithm,
};
use aws_lc_rs::{agreement, cipher, hmac, rand};
use zeroize::Zeroizing;

use super::private_key::{bit_length, check_curve, check_ec_scalar, check_rsa_bits, Secret};
use super::{
    CryptoProvider, EccPublicKey, EcdhEphemeral, KeyCache, KeySpec, PrivateKey, PublicKeyRef,
    RsaPublicKey, SignatureRef, SignatureScheme, SignatureValue,
};
use crate::error::{Error, Result};
use crate::keys::{split_uncompressed_point, strip_leading_zeros};
use crate::tpm::{EccCurve, HashAlg};

/// aws-lc-rs-backed [`CryptoProvider`].
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcProvider;

fn digest_alg(hash: HashAlg) -> &'static digest::Algorithm {
    match hash {
        HashAlg::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlg::Sha256 => &digest::SHA256,
        HashAlg::Sha384 => &digest::SHA384,
        HashAlg::Sha512 => &digest::SHA512,
    }
}

/// `digest` as aws-lc-rs's prehashed input; a length other than `hash`'s is an invalid
/// signature (no library call can have signed it).
fn prehashed(hash: HashAlg, digest: &[u8]) -> Result<Digest> {
    Digest::import_less_safe(digest, digest_alg(hash)).map_err(|_| Error::SignatureInvalid)
}

fn unsupported(what: &'static str) -> Error {
    Error::Unsupported { what }
}

/// The curve's own hash in aws-lc-rs, whose digest size is at least the order's byte size
/// (P-521's 521 bits exceed SHA-512's 512, so its digests are never truncated).
fn curve_hash(curve: EccCurve) -> HashAlg {
    match curve {
        EccCurve::NistP256 => HashAlg::Sha256,
        EccCurve::NistP384 => HashAlg::Sha384,
        EccCurve::NistP521 => HashAlg::Sha512,
    }
}

/// ECDSA's e for any digest, as a digest of the curve's own hash: FIPS 186-5, 6.4.1 step 2 and
/// 6.4.2 step 3 take the leftmost min(N, hashlen) bits of the digest as the integer e. For P-256
/// and P-384 N is a whole number of bytes, so a longer digest's leftmost N bits are its first
/// bytes; a shorter digest (or any digest on P-521) is e itself, which left-padding with zeros
/// keeps. aws-lc-rs has one algorithm per (curve, hash); this lets one per curve serve them all.
fn ecdsa_digest(curve: EccCurve, digest: &[u8]) -> Result<Digest> {
    let as_hash = curve_hash(curve);
    let size = as_hash.digest_size();
    // P-256's and P-384's orders are whole bytes; P-521's is longer than any digest.
    let truncated = curve != EccCurve::NistP521 && digest.len() > size;
    if digest.len() == size || truncated {
        return prehashed(as_hash, digest.get(..size).ok_or(Error::SignatureInvalid)?);
    }
    let mut padded = [0u8; 64];
    let start = size
        .checked_sub(digest.len())
        .ok_or(Error::SignatureInvalid)?;
    padded
        .get_mut(start..size)
        .ok_or(Error::SignatureInvalid)?
        .copy_from_slice(digest);
    prehashed(as_hash, padded.get(..size).ok_or(Error::SignatureInvalid)?)
}

fn ecdsa_alg(curve: EccCurve) -> &'static dyn VerificationAlgorithm {
    match curve {
        EccCurve::NistP256 => &sig::ECDSA_P256_SHA256_FIXED,
        EccCurve::NistP384 => &sig::ECDSA_P384_SHA384_FIXED,
        EccCurve::NistP521 => &sig::ECDSA_P521_SHA512_FIXED,
    }
}

/// r || s, each left-padded to the curve's size (the FIXED encoding, RFC 7518 3.4). A value
/// longer than the curve is no signature of it.
fn fixed_signature(curve: EccCurve, r: &[u8], s: &[u8], out: &mut [u8; 132]) -> Result<usize> {
    let size = curve.coordinate_size();
    for (i, v) in [r, s].into_iter().enumerate() {
        let v = strip_leading_zeros(v);
        let end = (i + 1) * size;
        let start = end.checked_sub(v.len()).ok_or(Error::SignatureInvalid)?;
        if start < i * size {
            return Err(Error::SignatureInvalid);
        }
        out.get_mut(start..end)
            .ok_or(Error::SignatureInvalid)?
            .copy_from_slice(v);
    }
    Ok(2 * size)
}

/// RSASSA-PSS with the maximum salt (RFC 8017, 9.1.1: emLen - hLen - 2), exactly.
static PSS_MAX_SHA256: RsaParameters =
    sig::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_MAX_SHA384: RsaParameters =
    sig::RSA_PSS_2048_8192_SHA384.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_MAX_SHA512: RsaParameters =
    sig::RSA_PSS_2048_8192_SHA512.with_pss_salt_length(RsaPssSaltLength::Max);

/// The RSA verification algorithm for a modulus of `bits`: PKCS#1 v1.5, or PSS with salt =
/// digest length (`max_salt`: the maximum salt instead).
fn rsa_alg(
    bits: usize,
    hash: HashAlg,
    pss: bool,
    max_salt: bool,
) -> Result<&'static dyn VerificationAlgorithm> {
    if !(1024..=8192).contains(&bits) {
        return Err(Error::KeyNotAllowed {
            what: "RSA modulus outside aws-lc-rs's 1024 to 8192 bits",
        });
    }
    if bits < 2048 && (pss || hash == HashAlg::Sha384) {
        return Err(unsupported(
            "RSA under 2048 bits with PSS or SHA-384 in aws-lc-rs",
        ));
    }
    let legacy = bits < 2048;
    Ok(match (pss, max_salt, hash) {
        (false, _, HashAlg::Sha1) if legacy => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (false, _, HashAlg::Sha1) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (false, _, HashAlg::Sha256) if legacy => {
            &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        (false, _, HashAlg::Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (false, _, HashAlg::Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (false, _, HashAlg::Sha512) if legacy => {
            &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        (false, _, HashAlg::Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (true, _, HashAlg::Sha1) => return Err(unsupported("RSASSA-PSS with SHA-1 in aws-lc-rs")),
        (true, false, HashAlg::Sha256) => &sig::RSA_PSS_2048_8192_SHA256,
        (true, false, HashAlg::Sha384) => &sig::RSA_PSS_2048_8192_SHA384,
        (true, false, HashAlg::Sha512) => &sig::RSA_PSS_2048_8192_SHA512,
        (true, true, HashAlg::Sha256) => &PSS_MAX_SHA256,
        (true, true, HashAlg::Sha384) => &PSS_MAX_SHA384,
        (true, true, HashAlg::Sha512) => &PSS_MAX_SHA512,
    })
}

/// The SubjectPublicKeyInfo DER of `key` (aws-lc-rs reads it for verification and OAEP).
fn rsa_spki(key: RsaPublicKey<'_>) -> Result<Vec<u8>> {
    crate::keys::PublicKey::Rsa {
        modulus: key.modulus.to_vec(),
        exponent: key.exponent,
    }
    .to_spki_der()
}

/// Affine x and y of a SEC 1 uncompressed point of `curve` that aws-lc-rs returned.
fn split_point(curve: EccCurve, point: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    split_uncompressed_point(curve.coordinate_size(), point)
        .map(|(x, y)| (x.to_vec(), y.to_vec()))
        .ok_or(Error::CryptoProvider {
            what: "aws-lc-rs returned a point that is not SEC 1 uncompressed",
        })
}

/// The algorithm of one verification and the digest as its input.
fn verification(
    key: PublicKeyRef<'_>,
    hash: HashAlg,
    digest: &[u8],
    sig: SignatureRef<'_>,
    max_salt: bool,
) -> Result<(&'static dyn VerificationAlgorithm, Digest)> {
    match (key, sig) {
        (PublicKeyRef::Rsa(k), SignatureRef::RsaPkcs1v15(_) | SignatureRef::RsaPss(_)) => {
            let pss = matches!(sig, SignatureRef::RsaPss(_));
            let alg = rsa_alg(bit_length(k.modulus), hash, pss, max_salt)?;
            Ok((alg, prehashed(hash, digest)?))
        }
        (PublicKeyRef::Ecc(k), SignatureRef::Ecdsa { .. }) => {
            Ok((ecdsa_alg(k.curve), ecdsa_digest(k.curve, digest)?))
        }
        _ => Err(Error::SignatureInvalid),
    }
}

/// The key in an encoding aws-lc-rs parses: SubjectPublicKeyInfo, or the SEC 1 point.
fn key_bytes(key: PublicKeyRef<'_>) -> Result<Vec<u8>> {
    match key {
        PublicKeyRef::Rsa(k) => rsa_spki(k),
        PublicKeyRef::Ecc(k) => Ok(k.sec1_uncompressed()),
    }
}

/// A public key parsed by aws-lc-rs for one algorithm, kept in a [`KeyCache`].
struct Parsed {
    alg: &'static dyn VerificationAlgorithm,
    key: ParsedPublicKey,
}

fn parse(alg: &'static dyn VerificationAlgorithm, der: &[u8]) -> Result<ParsedPublicKey> {
    ParsedPublicKey::new(alg, der).map_err(|_| Error::KeyNotAllowed {
        what: "public key rejected by aws-lc-rs (not on the curve?)",
    })
}

fn same_alg(a: &'static dyn VerificationAlgorithm, b: &'static dyn VerificationAlgorithm) -> bool {
    core::ptr::addr_eq(a, b)
}

/// Verifies with `cache`'s parsed key when it was parsed for this algorithm, else parses afresh;
/// then, for PSS, with the maximum salt when the digest-length salt fails (that second key is
/// parsed per call: an AK signing with the maximum salt pays about half a microsecond).
fn verify(
    key: PublicKeyRef<'_>,
    cache: &KeyCache,
    hash: HashAlg,
    digest: &[u8],
    sig: SignatureRef<'_>,
) -> Result<()> {
    let (alg, d) = verification(key, hash, digest, sig, false)?;
    let mut fixed = [0u8; 132];
    let bytes = match (key, sig) {
        (PublicKeyRef::Ecc(k), SignatureRef::Ecdsa { r, s }) => {
            let len = fixed_signature(k.curve, r, s, &mut fixed)?;
            fixed.get(..len).ok_or(Error::SignatureInvalid)?
        }
        (_, SignatureRef::RsaPkcs1v15(s) | SignatureRef::RsaPss(s)) => s,
        _ => return Err(Error::SignatureInvalid),
    };
    let cached = cache.get_or_init(|| {
        let key = parse(alg, &key_bytes(key)?)?;
        Ok::<_, Error>(Parsed { alg, key })
    });
    let ok = match cached {
        Some(Ok(p)) if same_alg(p.alg, alg) => p.key.verify_digest_sig(&d, bytes).is_ok(),
        Some(Err(e)) => return Err(e.clone()),
        // Another algorithm than the cached key's, or the cache belongs to another provider.
        _ => parse(alg, &key_bytes(key)?)?
            .verify_digest_sig(&d, bytes)
            .is_ok(),
    };
    if ok {
        return Ok(());
    }
    if let SignatureRef::RsaPss(_) = sig {
        let (alg, _) = verification(key, hash, digest, sig, true)?;
        if UnparsedPublicKey::new(alg, &key_bytes(key)?)
            .verify_digest(&d, bytes)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(Error::SignatureInvalid)
}

/// A private key parsed by aws-lc-rs, kept in the [`PrivateKey`]'s [`KeyCache`]. An ECDSA key
/// pair signs with its curve's own hash ([`ecdsa_digest`] maps any digest to it).
enum AwsLcPrivate {
    Rsa(RsaKeyPair),
    Ecdsa { curve: EccCurve, pair: EcdsaKeyPair },
}

fn ecdsa_signing_alg(curve: EccCurve) -> Result<&'static EcdsaSigningAlgorithm> {
    match curve {
        EccCurve::NistP256 => Ok(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
        EccCurve::NistP384 => Ok(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
        EccCurve::NistP521 => Err(Error::KeyNotAllowed {
            what: "private keys are P-256 or P-384",
        }),
    }
}

impl AwsLcPrivate {
    fn new(key: &PrivateKey) -> Result<Self> {
        match (key.secret(), key.public_key()) {
            (Secret::Rsa { pkcs1_der }, _) => RsaKeyPair::from_der(pkcs1_der)
                .map(AwsLcPrivate::Rsa)
                .map_err(|_| Error::KeyNotAllowed {
                    what: "RSA private key rejected by aws-lc-rs (inconsistent?)",
                }),
            (Secret::Ecc { curve, scalar }, crate::keys::PublicKey::Ecc { x, y, .. }) => {
                let alg = ecdsa_signing_alg(*curve)?;
                let point = EccPublicKey {
                    curve: *curve,
                    x,
                    y,
                }
                .sec1_uncompressed();
                EcdsaKeyPair::from_private_key_and_public_key(alg, scalar, &point)
                    .map(|pair| AwsLcPrivate::Ecdsa {
                        curve: *curve,
                        pair,
                    })
                    .map_err(|_| Error::KeyNotAllowed {
                        what: "EC private key rejected by aws-lc-rs",
                    })
            }
            (Secret::Ecc { .. }, _) => Err(Error::InvalidArgument {
                what: "EC private key without an EC public key",
            }),
        }
    }

    fn sign(&self, scheme: SignatureScheme, digest: &[u8]) -> Result<SignatureValue> {
        let fail = |_| Error::CryptoProvider {
            what: "aws-lc-rs signing failed",
        };
        match (self, scheme) {
            (
                AwsLcPrivate::Rsa(k),
                SignatureScheme::RsaPkcs1v15(h) | SignatureScheme::RsaPss(h),
            ) => {
                let pss = matches!(scheme, SignatureScheme::RsaPss(_));
                let encoding: &'static dyn sig::RsaEncoding = match (pss, h) {
                    (false, HashAlg::Sha256) => &sig::RSA_PKCS1_SHA256,
                    (false, HashAlg::Sha384) => &sig::RSA_PKCS1_SHA384,
                    (false, HashAlg::Sha512) => &sig::RSA_PKCS1_SHA512,
                    (true, HashAlg::Sha256) => &sig::RSA_PSS_SHA256,
                    (true, HashAlg::Sha384) => &sig::RSA_PSS_SHA384,
                    (true, HashAlg::Sha512) => &sig::RSA_PSS_SHA512,
                    (_, HashAlg::Sha1) => {
                        return Err(Error::HashNotAllowed {
                            hash: HashAlg::Sha1.alg_id(),
                        })
                    }
                };
                let mut out = vec![0u8; k.public_modulus_len()];
                k.sign_digest(encoding, &prehashed(h, digest)?, &mut out)
                    .map_err(fail)?;
                Ok(SignatureValue::Rsa(out))
            }
            (AwsLcPrivate::Ecdsa { curve, pair }, SignatureScheme::Ecdsa(_)) => {
                let signature = pair
                    .sign_digest(&ecdsa_digest(*curve, digest)?)
                    .map_err(fail)?;
                let (r, s) = signature.as_ref().split_at(curve.coordinate_size());
                Ok(SignatureValue::Ecdsa {
                    r: r.to_vec(),
                    s: s.to_vec(),
                })
            }
            _ => Err(Error::InvalidArgument {
                what: "signature scheme does not fit the key type",
            }),
        }
    }
}

fn ecdh_alg(curve: EccCurve) -> &'static agreement::Algorithm {
    match curve {
        EccCurve::NistP256 => &agreement::ECDH_P256,
        EccCurve::NistP384 => &agreement::ECDH_P384,
        EccCurve::NistP521 => &agreement::ECDH_P521,
    }
}

impl CryptoProvider for AwsLcProvider {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn verify_rsa_pkcs1v15(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let sig = SignatureRef::RsaPkcs1v15(sig);
        verify(
            PublicKeyRef::Rsa(key),
            &KeyCache::default(),
            hash,
            digest,
            sig,
        )
    }

    fn verify_rsa_pss(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let sig = SignatureRef::RsaPss(sig);
        verify(
            PublicKeyRef::Rsa(key),
            &KeyCache::default(),
            hash,
            digest,
            sig,
        )
    }

    fn verify_ecdsa(&self, key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
        let sig = SignatureRef::Ecdsa { r, s };
        let hash = HashAlg::Sha256; // not read for ECDSA: e comes from the digest itself
        verify(
            PublicKeyRef::Ecc(key),
            &KeyCache::default(),
            hash,
            digest,
            sig,
        )
    }

    fn verify_cached(
        &self,
        key: PublicKeyRef<'_>,
        cache: &KeyCache,
        hash: HashAlg,
        digest: &[u8],
        sig: SignatureRef<'_>,
    ) -> Result<()> {
        verify(key, cache, hash, digest, sig)
    }

    /// RSAES-OAEP (RFC 8017, 7.1.1) with MGF1 over the same hash, in aws-lc-rs.
    fn rsa_oaep_encrypt(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let alg = match hash {
            HashAlg::Sha1 => &aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1,
            HashAlg::Sha256 => &aws_lc_rs::rsa::OAEP_SHA256_MGF1SHA256,
            HashAlg::Sha384 => &aws_lc_rs::rsa::OAEP_SHA384_MGF1SHA384,
            HashAlg::Sha512 => &aws_lc_rs::rsa::OAEP_SHA512_MGF1SHA512,
        };
        let spki = rsa_spki(key)?;
        let rejected = Error::KeyNotAllowed {
            what: "RSA public key rejected by aws-lc-rs",
        };
        let public = PublicEncryptingKey::from_der(&spki).map_err(|_| rejected.clone())?;
        let public = OaepPublicEncryptingKey::new(public).map_err(|_| rejected)?;
        let mut out = vec![0u8; public.ciphertext_size()];
        let written = public
            .encrypt(alg, plaintext, &mut out, Some(label))
            .map_err(|_| Error::InvalidArgument {
                what: "RSA-OAEP message too long for the key",
            })?
            .len();
        out.truncate(written);
        Ok(out)
    }

    fn ecdh_ephemeral(&self, peer: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        let fail = |_| Error::CryptoProvider {
            what: "aws-lc-rs ECDH failed",
        };
        let alg = ecdh_alg(peer.curve);
        let eph = agreement::EphemeralPrivateKey::generate(alg, &rand::SystemRandom::new())
            .map_err(fail)?;
        let public = eph.compute_public_key().map_err(fail)?;
        let (ephemeral_x, ephemeral_y) = split_point(peer.curve, public.as_ref())?;
        let peer_point = peer.sec1_uncompressed();
        let shared_x = agreement::agree_ephemeral(
            eph,
            agreement::UnparsedPublicKey::new(alg, &peer_point),
            Error::KeyNotAllowed {
                what: "EC public key rejected by aws-lc-rs (not on the curve?)",
            },
            |z| Ok(Zeroizing::new(z.to_vec())),
        )?;
        if shared_x.len() != peer.curve.coordinate_size() {
            return Err(Error::CryptoProvider {
                what: "aws-lc-rs ECDH: shared secret has an unexpected size",
            });
        }
        Ok(EcdhEphemeral {
            ephemeral_x,
            ephemeral_y,
            shared_x,
        })
    }

    fn aes_cfb_encrypt(&self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let alg = match key.len() {
            16 => &cipher::AES_128,
            24 => &cipher::AES_192,
            32 => &cipher::AES_256,
            _ => {
                return Err(Error::InvalidArgument {
                    what: "AES key must be 16, 24 or 32 bytes",
                })
            }
        };
        let iv: [u8; 16] = iv.try_into().map_err(|_| Error::InvalidArgument {
            what: "AES-CFB IV must be 16 bytes",
        })?;
        let fail = |_| Error::CryptoProvider {
            what: "aws-lc-rs AES-CFB encryption failed",
        };
        let key =
            cipher::EncryptingKey::cfb128(cipher::UnboundCipherKey::new(alg, key).map_err(fail)?)
                .map_err(fail)?;
        let mut out = data.to_vec();
        key.less_safe_encrypt(&mut out, cipher::EncryptionContext::Iv128(iv.into()))
            .map_err(fail)?;
        Ok(out)
    }

    fn hmac(&self, hash: HashAlg, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let alg = match hash {
            HashAlg::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => hmac::HMAC_SHA256,
            HashAlg::Sha384 => hmac::HMAC_SHA384,
            HashAlg::Sha512 => hmac::HMAC_SHA512,
        };
        Ok(hmac::sign(&hmac::Key::new(alg, key), data)
            .as_ref()
            .to_vec())
    }

    fn random(&self, out: &mut [u8]) -> Result<()> {
        rand::fill(out).map_err(|_| Error::CryptoProvider {
            what: "aws-lc-rs RAND_bytes failed",
        })
    }

    /// aws-lc-rs `sign_digest`; the parsed key is kept in the [`PrivateKey`]'s cache.
    fn sign_digest(
        &self,
        key: &PrivateKey,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<SignatureValue> {
        super::check_sign_request(key, scheme, digest)?;
        key.cache()
            .use_prepared(|| AwsLcPrivate::new(key), |k| k.sign(scheme, digest))
    }

    /// `EcdsaKeyPair::generate` for P-256/P-384, `RsaKeyPair::generate` (e = 65537) for 2048,
    /// 3072 and 4096 bits; the key comes back through PKCS #8.
    fn generate_private_key(&self, spec: KeySpec) -> Result<PrivateKey> {
        let fail = |_| Error::CryptoProvider {
            what: "aws-lc-rs key generation failed",
        };
        let pkcs8 = match spec {
            KeySpec::Ecc(curve) => {
                check_curve(curve)?;
                let pair = EcdsaKeyPair::generate(ecdsa_signing_alg(curve)?).map_err(fail)?;
                Zeroizing::new(pair.to_pkcs8v1().map_err(fail)?.as_ref().to_vec())
            }
            KeySpec::Rsa { bits } => {
                check_rsa_bits(bits)?;
                let size = match bits {
                    2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
                    3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
                    4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
                    _ => {
                        return Err(unsupported(
                            "RSA key sizes other than 2048, 3072 or 4096 bits in aws-lc-rs",
                        ))
                    }
                };
                let pair = RsaKeyPair::generate(size).map_err(fail)?;
                Zeroizing::new(pair.as_der().map_err(fail)?.as_ref().to_vec())
            }
        };
        PrivateKey::from_pkcs8_der(self, &pkcs8)
    }

    fn ecc_public_point(&self, curve: EccCurve, scalar: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        check_ec_scalar(curve, scalar)?;
        let fail = |_| Error::CryptoProvider {
            what: "aws-lc-rs EC point multiplication failed",
        };
        let private =
            agreement::PrivateKey::from_private_key(ecdh_alg(curve), scalar).map_err(|_| {
                Error::InvalidValue {
                    what: "EC private scalar outside [1, n-1]",
                }
            })?;
        let public = private.compute_public_key().map_err(fail)?;
        split_point(curve, public.as_ref())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_digest_truncates_longer_and_pads_shorter_digests() {
        let d64: Vec<u8> = (1..=64).collect();
        // P-256 with a SHA-384 or SHA-512 digest: its leftmost 256 bits.
        let e = ecdsa_digest(EccCurve::NistP256, &d64).unwrap();
        assert_eq!(e.as_ref(), &d64[..32]);
        assert_eq!(e.algorithm(), &digest::SHA256);
        // P-384 with a SHA-256 or SHA-1 digest: the same integer, left-padded.
        for len in [20, 32] {
            let e = ecdsa_digest(EccCurve::NistP384, &d64[..len]).unwrap();
            assert_eq!(&e.as_ref()[..48 - len], &vec![0u8; 48 - len][..]);
            assert_eq!(&e.as_ref()[48 - len..], &d64[..len]);
        }
        // P-521: N = 521 > 512, never truncated; shorter digests padded to SHA-512's size.
        assert_eq!(
            ecdsa_digest(EccCurve::NistP521, &d64).unwrap().as_ref(),
            &d64[..]
        );
        let e = ecdsa_digest(EccCurve::NistP521, &d64[..48]).unwrap();
        assert_eq!(&e.as_ref()[16..], &d64[..48]);
    }

    #[test]
    fn fixed_signature_pads_strips_and_refuses_overlong_values() {
        let mut out = [0u8; 132];
        let len = fixed_signature(EccCurve::NistP256, &[0, 0, 7], &[9; 32], &mut out).unwrap();
        assert_eq!(len, 64);
        assert_eq!(out[31], 7);
        assert!(out[..31].iter().all(|b| *b == 0));
        assert_eq!(&out[32..64], &[9; 32]);
        assert_eq!(
            fixed_signature(EccCurve::NistP256, &[1; 33], &[9; 32], &mut out),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            fixed_signature(EccCurve::NistP256, &[9; 32], &[1; 33], &mut out),
            Err(Error::SignatureInvalid)
        );
    }

    #[test]
    fn rsa_sizes_and_schemes_without_an_algorithm_are_refused_by_name() {
        let refused = |bits, hash, pss| rsa_alg(bits, hash, pss, false).map(|_| ());
        assert!(matches!(
            refused(512, HashAlg::Sha256, false),
            Err(Error::KeyNotAllowed { .. })
        ));
        assert!(matches!(
            refused(8200, HashAlg::Sha256, false),
            Err(Error::KeyNotAllowed { .. })
        ));
        for (bits, hash, pss) in [
            (1024, HashAlg::Sha256, true),
            (1024, HashAlg::Sha384, false),
            (2048, HashAlg::Sha1, true),
        ] {
            assert!(
                matches!(refused(bits, hash, pss), Err(Error::Unsupported { .. })),
                "{bits} {hash:?} pss={pss}"
            );
        }
        for hash in [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha512] {
            assert_eq!(refused(1024, hash, false), Ok(()));
        }
    }

    #[test]
    fn digests_of_no_hash_the_signature_could_cover_are_invalid_signatures() {
        // An RSA digest whose length is not its hash's; a P-521 digest longer than SHA-512's.
        assert_eq!(
            prehashed(HashAlg::Sha256, &[0; 31]).map(|_| ()),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            ecdsa_digest(EccCurve::NistP521, &[0; 65]).map(|_| ()),
            Err(Error::SignatureInvalid)
        );
    }

    #[test]
    fn keys_aws_lc_rejects_are_key_not_allowed() {
        let modulus = [0xc5u8; 256];
        // An even exponent is no RSA key: parsing the public key fails.
        let even = PublicKeyRef::Rsa(RsaPublicKey {
            modulus: &modulus,
            exponent: 2,
        });
        let r = verify(
            even,
            &KeyCache::default(),
            HashAlg::Sha256,
            &[0; 32],
            SignatureRef::RsaPkcs1v15(&[1; 256]),
        );
        assert!(matches!(r, Err(Error::KeyNotAllowed { .. })), "{r:?}");
        // A PKCS#1 private key that is not one: preparing it for signing fails.
        let key = PrivateKey::from_parts(
            Secret::Rsa {
                pkcs1_der: Zeroizing::new(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
            },
            crate::keys::PublicKey::Rsa {
                modulus: modulus.to_vec(),
                exponent: 65537,
            },
        );
        let r = AwsLcProvider.sign_digest(
            &key,
            SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
            &[0; 32],
        );
        assert!(matches!(r, Err(Error::KeyNotAllowed { .. })), "{r:?}");
    }
}
