//! The native provider: OpenSSL (ARCHITECTURE.md, Crypto).

use openssl::bn::{BigNum, BigNumContext};
use openssl::derive::Deriver;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::md::Md;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::Signer;
use openssl::symm::Cipher;
use std::sync::OnceLock;
use zeroize::Zeroizing;

use super::private_key::{check_curve, check_ec_scalar, check_rsa_bits, Secret};
use super::{
    CryptoProvider, EccPublicKey, EcdhEphemeral, KeyCache, KeySpec, PrivateKey, PublicKeyRef,
    RsaPublicKey, SignatureRef, SignatureScheme, SignatureValue,
};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::{EccCurve, HashAlg};

/// OpenSSL-backed [`CryptoProvider`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenSslProvider;

fn md(hash: HashAlg) -> &'static openssl::md::MdRef {
    match hash {
        HashAlg::Sha1 => Md::sha1(),
        HashAlg::Sha256 => Md::sha256(),
        HashAlg::Sha384 => Md::sha384(),
        HashAlg::Sha512 => Md::sha512(),
    }
}

fn message_digest(hash: HashAlg) -> MessageDigest {
    match hash {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

fn fail_size(_: core::num::TryFromIntError) -> Error {
    Error::CryptoProvider {
        what: "coordinate size out of range",
    }
}

fn nid(curve: EccCurve) -> Nid {
    match curve {
        EccCurve::NistP256 => Nid::X9_62_PRIME256V1,
        EccCurve::NistP384 => Nid::SECP384R1,
        EccCurve::NistP521 => Nid::SECP521R1,
    }
}

pub(crate) fn rsa_key(key: RsaPublicKey<'_>) -> Result<PKey<Public>> {
    let bad = |_| Error::KeyNotAllowed {
        what: "RSA public key rejected by OpenSSL",
    };
    let n = BigNum::from_slice(key.modulus).map_err(bad)?;
    let e = BigNum::from_u32(key.exponent).map_err(bad)?;
    let rsa = Rsa::from_public_components(n, e).map_err(bad)?;
    PKey::from_rsa(rsa).map_err(bad)
}

/// The curve's group, built once per process (a constant, not per-key state).
fn group(curve: EccCurve) -> Result<&'static EcGroup> {
    static GROUPS: [OnceLock<Option<EcGroup>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match curve {
        EccCurve::NistP256 => &GROUPS[0],
        EccCurve::NistP384 => &GROUPS[1],
        EccCurve::NistP521 => &GROUPS[2],
    };
    slot.get_or_init(|| EcGroup::from_curve_name(nid(curve)).ok())
        .as_ref()
        .ok_or(Error::KeyNotAllowed {
            what: "curve unavailable in OpenSSL",
        })
}

/// An EC public key from its affine coordinates. `EcPoint::from_bytes` refuses a point that is
/// not on the curve (SEC 1, 2.3.4); the NIST prime curves have cofactor 1, so that point is in
/// the group and no further key check is needed.
pub(crate) fn ec_key(key: EccPublicKey<'_>) -> Result<EcKey<Public>> {
    let bad = |_| Error::KeyNotAllowed {
        what: "EC public key rejected by OpenSSL (not on the curve?)",
    };
    let group = group(key.curve)?;
    let sec1 = key.sec1_uncompressed();
    let mut ctx = BigNumContext::new().map_err(bad)?;
    let point = EcPoint::from_bytes(group, &sec1, &mut ctx).map_err(bad)?;
    EcKey::from_public_key(group, &point).map_err(bad)
}

/// A public key parsed by OpenSSL, kept in a [`KeyCache`] between verifications.
enum NativeKey {
    Rsa(PKey<Public>),
    Ec(EcKey<Public>),
}

impl NativeKey {
    fn new(key: PublicKeyRef<'_>) -> Result<Self> {
        match key {
            PublicKeyRef::Rsa(k) => rsa_key(k).map(NativeKey::Rsa),
            PublicKeyRef::Ecc(k) => ec_key(k).map(NativeKey::Ec),
        }
    }

    fn verify(&self, hash: HashAlg, digest: &[u8], sig: SignatureRef<'_>) -> Result<()> {
        match (self, sig) {
            (NativeKey::Rsa(k), SignatureRef::RsaPkcs1v15(s)) => {
                verify_rsa(k, hash, digest, s, false)
            }
            (NativeKey::Rsa(k), SignatureRef::RsaPss(s)) => verify_rsa(k, hash, digest, s, true),
            (NativeKey::Ec(k), SignatureRef::Ecdsa { r, s }) => verify_ecdsa(k, digest, r, s),
            _ => Err(Error::SignatureInvalid),
        }
    }
}

fn verify_ecdsa(ec: &EcKey<Public>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
    let bad = |_| Error::SignatureInvalid;
    let sig = EcdsaSig::from_private_components(
        BigNum::from_slice(r).map_err(bad)?,
        BigNum::from_slice(s).map_err(bad)?,
    )
    .map_err(bad)?;
    match sig.verify(digest, ec) {
        Ok(true) => Ok(()),
        _ => Err(Error::SignatureInvalid),
    }
}

fn verify_rsa(
    pkey: &PKey<Public>,
    hash: HashAlg,
    digest: &[u8],
    sig: &[u8],
    pss: bool,
) -> Result<()> {
    let check = |salt: Option<openssl::sign::RsaPssSaltlen>| -> bool {
        let Ok(mut ctx) = PkeyCtx::new(pkey) else {
            return false;
        };
        if ctx.verify_init().is_err() || ctx.set_signature_md(md(hash)).is_err() {
            return false;
        }
        let padding = if pss {
            Padding::PKCS1_PSS
        } else {
            Padding::PKCS1
        };
        if ctx.set_rsa_padding(padding).is_err() {
            return false;
        }
        if let Some(salt) = salt {
            if ctx.set_rsa_pss_saltlen(salt).is_err() || ctx.set_rsa_mgf1_md(md(hash)).is_err() {
                return false;
            }
        }
        ctx.verify(digest, sig).unwrap_or(false)
    };
    let ok = if pss {
        // Salt = digest length, or the maximum salt (both occur in real TPMs), each checked
        // exactly: on verification OpenSSL treats MAXIMUM_LENGTH like AUTO (any salt), so the
        // maximum is computed here (RFC 8017, 9.1.1: emLen = ceil((modBits - 1) / 8), and the
        // largest salt is emLen - hLen - 2), the same verdicts as the pure provider.
        let em_len = pkey.bits().saturating_sub(1).div_ceil(8);
        let h_len = u32::try_from(hash.digest_size()).unwrap_or(u32::MAX);
        let max_salt = em_len.saturating_sub(h_len.saturating_add(2));
        check(Some(openssl::sign::RsaPssSaltlen::DIGEST_LENGTH))
            || (max_salt > 0
                && i32::try_from(max_salt)
                    .is_ok_and(|m| check(Some(openssl::sign::RsaPssSaltlen::custom(m)))))
    } else {
        check(None)
    };
    if ok {
        Ok(())
    } else {
        Err(Error::SignatureInvalid)
    }
}

/// A private key parsed by OpenSSL, kept in the [`PrivateKey`]'s [`KeyCache`].
enum NativePrivate {
    Rsa(PKey<Private>),
    Ec(EcKey<Private>),
}

/// `f(d)` with the scalar as an OpenSSL BigNum, which is cleared afterwards (OpenSSL keeps its
/// own copies in the key it builds).
fn with_scalar<T>(scalar: &[u8], f: impl FnOnce(&BigNum) -> Result<T>) -> Result<T> {
    let mut d = BigNum::from_slice(scalar).map_err(|_| Error::CryptoProvider {
        what: "OpenSSL BN_bin2bn failed",
    })?;
    let out = f(&d);
    d.clear();
    out
}

/// Q = d·G on `group`.
fn public_point(group: &EcGroup, d: &BigNum) -> Result<EcPoint> {
    let fail = |_| Error::CryptoProvider {
        what: "OpenSSL EC point multiplication failed",
    };
    let mut ctx = BigNumContext::new().map_err(fail)?;
    let mut point = EcPoint::new(group).map_err(fail)?;
    point.mul_generator2(group, d, &mut ctx).map_err(fail)?;
    Ok(point)
}

/// The affine coordinates of `point`, each `size` bytes.
fn affine(
    group: &EcGroup,
    point: &openssl::ec::EcPointRef,
    size: usize,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let fail = |_| Error::CryptoProvider {
        what: "OpenSSL EC point coordinates failed",
    };
    let size_i32 = i32::try_from(size).map_err(fail_size)?;
    let mut ctx = BigNumContext::new().map_err(fail)?;
    let mut x = BigNum::new().map_err(fail)?;
    let mut y = BigNum::new().map_err(fail)?;
    point
        .affine_coordinates(group, &mut x, &mut y, &mut ctx)
        .map_err(fail)?;
    Ok((
        x.to_vec_padded(size_i32).map_err(fail)?,
        y.to_vec_padded(size_i32).map_err(fail)?,
    ))
}

impl NativePrivate {
    fn new(key: &PrivateKey) -> Result<Self> {
        match key.secret() {
            Secret::Rsa { pkcs1_der } => {
                let bad = |_| Error::KeyNotAllowed {
                    what: "RSA private key rejected by OpenSSL",
                };
                let rsa = Rsa::private_key_from_der(pkcs1_der).map_err(bad)?;
                // RSA_check_key: p and q prime, n = p·q, d·e = 1 mod lcm(p-1, q-1), CRT values.
                if !rsa.check_key().unwrap_or(false) {
                    return Err(Error::KeyNotAllowed {
                        what: "RSA private key is inconsistent (RSA_check_key)",
                    });
                }
                PKey::from_rsa(rsa).map(NativePrivate::Rsa).map_err(bad)
            }
            Secret::Ecc { curve, scalar } => {
                let group = group(*curve)?;
                with_scalar(scalar, |d| {
                    let point = public_point(group, d)?;
                    EcKey::from_private_components(group, d, &point)
                        .map(NativePrivate::Ec)
                        .map_err(|_| Error::KeyNotAllowed {
                            what: "EC private key rejected by OpenSSL",
                        })
                })
            }
        }
    }

    fn sign(&self, scheme: SignatureScheme, digest: &[u8]) -> Result<SignatureValue> {
        match (self, scheme) {
            (NativePrivate::Rsa(k), SignatureScheme::RsaPkcs1v15(h)) => {
                sign_rsa(k, h, digest, false)
            }
            (NativePrivate::Rsa(k), SignatureScheme::RsaPss(h)) => sign_rsa(k, h, digest, true),
            (NativePrivate::Ec(k), SignatureScheme::Ecdsa(_)) => sign_ecdsa(k, digest),
            _ => Err(Error::InvalidArgument {
                what: "signature scheme does not fit the key type",
            }),
        }
    }
}

/// RSASSA-PKCS1-v1_5 (RFC 8017, 8.2.1) or RSASSA-PSS (8.1.1) with salt length = digest length
/// and MGF1 over the same hash.
fn sign_rsa(
    pkey: &PKey<Private>,
    hash: HashAlg,
    digest: &[u8],
    pss: bool,
) -> Result<SignatureValue> {
    let fail = |_| Error::CryptoProvider {
        what: "OpenSSL RSA signing failed",
    };
    let mut ctx = PkeyCtx::new(pkey).map_err(fail)?;
    ctx.sign_init().map_err(fail)?;
    ctx.set_rsa_padding(if pss {
        Padding::PKCS1_PSS
    } else {
        Padding::PKCS1
    })
    .map_err(fail)?;
    ctx.set_signature_md(md(hash)).map_err(fail)?;
    if pss {
        ctx.set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::DIGEST_LENGTH)
            .map_err(fail)?;
        ctx.set_rsa_mgf1_md(md(hash)).map_err(fail)?;
    }
    let mut sig = Vec::new();
    ctx.sign_to_vec(digest, &mut sig).map_err(fail)?;
    let k = pkey.size();
    if sig.len() != k {
        return Err(Error::CryptoProvider {
            what: "OpenSSL RSA signature is not the modulus length",
        });
    }
    Ok(SignatureValue::Rsa(sig))
}

/// ECDSA (FIPS 186-5, 6.4.1) with OpenSSL's random k; r and s left-padded to the curve's size.
fn sign_ecdsa(key: &EcKey<Private>, digest: &[u8]) -> Result<SignatureValue> {
    let fail = |_| Error::CryptoProvider {
        what: "OpenSSL ECDSA signing failed",
    };
    let size = key.group().order_bits().div_ceil(8);
    let size = i32::try_from(size).map_err(fail_size)?;
    let sig = EcdsaSig::sign(digest, key).map_err(fail)?;
    Ok(SignatureValue::Ecdsa {
        r: sig.r().to_vec_padded(size).map_err(fail)?,
        s: sig.s().to_vec_padded(size).map_err(fail)?,
    })
}

impl CryptoProvider for OpenSslProvider {
    fn name(&self) -> &'static str {
        "openssl"
    }

    fn verify_rsa_pkcs1v15(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        verify_rsa(&rsa_key(key)?, hash, digest, sig, false)
    }

    fn verify_rsa_pss(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        verify_rsa(&rsa_key(key)?, hash, digest, sig, true)
    }

    fn verify_ecdsa(&self, key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
        verify_ecdsa(&ec_key(key)?, digest, r, s)
    }

    fn verify_cached(
        &self,
        key: PublicKeyRef<'_>,
        cache: &KeyCache,
        hash: HashAlg,
        digest: &[u8],
        sig: SignatureRef<'_>,
    ) -> Result<()> {
        cache.use_prepared(|| NativeKey::new(key), |k| k.verify(hash, digest, sig))
    }

    /// EME-OAEP encoding (RFC 8017, 7.1.1) in Rust, then the raw RSA public operation in
    /// OpenSSL. OpenSSL's own OAEP label path leaks the label under OpenSSL 3 through
    /// openssl-sys (EVP_PKEY_CTX_set0_rsa_oaep_label maps to a ctrl that copies, never frees).
    fn rsa_oaep_encrypt(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let fail = |_| Error::CryptoProvider {
            what: "OpenSSL RSA public operation failed",
        };
        let n = BigNum::from_slice(key.modulus).map_err(|_| Error::KeyNotAllowed {
            what: "RSA public key rejected by OpenSSL",
        })?;
        let k = usize::try_from(n.num_bytes()).map_err(|_| Error::KeyNotAllowed {
            what: "RSA modulus size",
        })?;
        let mut seed = Zeroizing::new(vec![0u8; hash.digest_size()]);
        self.random(&mut seed)?;
        let em = super::oaep_encode(hash, k, label, plaintext, &seed)?;
        let rsa = Rsa::from_public_components(n, BigNum::from_u32(key.exponent).map_err(fail)?)
            .map_err(|_| Error::KeyNotAllowed {
                what: "RSA public key rejected by OpenSSL",
            })?;
        let mut out = vec![0u8; k];
        let written = rsa
            .public_encrypt(&em, &mut out, Padding::NONE)
            .map_err(fail)?;
        out.truncate(written);
        Ok(out)
    }

    fn ecdh_ephemeral(&self, peer: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        let peer_key = PKey::from_ec_key(ec_key(peer)?).map_err(|_| Error::KeyNotAllowed {
            what: "EC public key rejected by OpenSSL",
        })?;
        let fail = |_| Error::CryptoProvider {
            what: "OpenSSL ECDH failed",
        };
        let group = EcGroup::from_curve_name(nid(peer.curve)).map_err(fail)?;
        let eph = EcKey::generate(&group).map_err(fail)?;
        let size = peer.curve.coordinate_size();
        let size_i32 = i32::try_from(size).map_err(fail_size)?;
        let mut bn_ctx = BigNumContext::new().map_err(fail)?;
        let mut x = BigNum::new().map_err(fail)?;
        let mut y = BigNum::new().map_err(fail)?;
        eph.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut bn_ctx)
            .map_err(fail)?;
        let eph = PKey::from_ec_key(eph).map_err(fail)?;
        let mut deriver = Deriver::new(&eph).map_err(fail)?;
        deriver.set_peer(&peer_key).map_err(fail)?;
        let z = Zeroizing::new(deriver.derive_to_vec().map_err(fail)?);
        // ECDH_compute_key output is the x-coordinate padded to the field size; insist on it.
        if z.len() != size {
            return Err(Error::CryptoProvider {
                what: "OpenSSL ECDH: shared secret has an unexpected size",
            });
        }
        Ok(EcdhEphemeral {
            ephemeral_x: x.to_vec_padded(size_i32).map_err(fail)?,
            ephemeral_y: y.to_vec_padded(size_i32).map_err(fail)?,
            shared_x: z,
        })
    }

    fn aes_cfb_encrypt(&self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let cipher = match key.len() {
            16 => Cipher::aes_128_cfb128(),
            24 => Cipher::aes_192_cfb128(),
            32 => Cipher::aes_256_cfb128(),
            _ => {
                return Err(Error::InvalidArgument {
                    what: "AES key must be 16, 24 or 32 bytes",
                })
            }
        };
        if iv.len() != 16 {
            return Err(Error::InvalidArgument {
                what: "AES-CFB IV must be 16 bytes",
            });
        }
        openssl::symm::encrypt(cipher, key, Some(iv), data).map_err(|_| Error::CryptoProvider {
            what: "OpenSSL AES-CFB encryption failed",
        })
    }

    fn hmac(&self, hash: HashAlg, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let fail = |_| Error::CryptoProvider {
            what: "OpenSSL HMAC failed",
        };
        let pkey = PKey::hmac(key).map_err(fail)?;
        let mut signer = Signer::new(message_digest(hash), &pkey).map_err(fail)?;
        signer.update(data).map_err(fail)?;
        signer.sign_to_vec().map_err(fail)
    }

    fn random(&self, out: &mut [u8]) -> Result<()> {
        openssl::rand::rand_bytes(out).map_err(|_| Error::CryptoProvider {
            what: "OpenSSL RAND_bytes failed",
        })
    }

    /// OpenSSL: EVP_PKEY_sign over the digest for RSA, ECDSA_do_sign for ECDSA. The parsed key
    /// is kept in the [`PrivateKey`]'s cache between calls.
    fn sign_digest(
        &self,
        key: &PrivateKey,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<SignatureValue> {
        super::check_sign_request(key, scheme, digest)?;
        key.cache()
            .use_prepared(|| NativePrivate::new(key), |k| k.sign(scheme, digest))
    }

    /// EC_KEY_generate_key for P-256/P-384; RSA_generate_key_ex with e = 65537 for 2048 to
    /// 4096 bits.
    fn generate_private_key(&self, spec: KeySpec) -> Result<PrivateKey> {
        let fail = |_| Error::CryptoProvider {
            what: "OpenSSL key generation failed",
        };
        match spec {
            KeySpec::Ecc(curve) => {
                check_curve(curve)?;
                let group = group(curve)?;
                let ec = EcKey::generate(group).map_err(fail)?;
                let size = curve.coordinate_size();
                let size_i32 = i32::try_from(size).map_err(fail_size)?;
                let scalar =
                    Zeroizing::new(ec.private_key().to_vec_padded(size_i32).map_err(fail)?);
                let (x, y) = affine(group, ec.public_key(), size)?;
                let key = PrivateKey::from_parts(
                    Secret::Ecc { curve, scalar },
                    PublicKey::Ecc { curve, x, y },
                );
                let _ = key
                    .cache()
                    .get_or_init(|| Ok::<_, Error>(NativePrivate::Ec(ec)));
                Ok(key)
            }
            KeySpec::Rsa { bits } => {
                check_rsa_bits(bits)?;
                let rsa = Rsa::generate(u32::from(bits)).map_err(fail)?;
                let pkcs1_der = Zeroizing::new(rsa.private_key_to_der().map_err(fail)?);
                let modulus = rsa.n().to_vec();
                let e = rsa.e().to_vec();
                if e.len() > 4 {
                    return Err(Error::CryptoProvider {
                        what: "OpenSSL RSA exponent wider than 32 bits",
                    });
                }
                let exponent = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
                let pkey = PKey::from_rsa(rsa).map_err(fail)?;
                let key = PrivateKey::from_parts(
                    Secret::Rsa { pkcs1_der },
                    PublicKey::Rsa { modulus, exponent },
                );
                let _ = key
                    .cache()
                    .get_or_init(|| Ok::<_, Error>(NativePrivate::Rsa(pkey)));
                Ok(key)
            }
        }
    }

    fn ecc_public_point(&self, curve: EccCurve, scalar: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        check_ec_scalar(curve, scalar)?;
        let group = group(curve)?;
        let point = with_scalar(scalar, |d| public_point(group, d))?;
        affine(group, &point, curve.coordinate_size())
    }
}
