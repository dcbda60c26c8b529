//! The pure provider: RustCrypto (p256, p384, rsa, aes, cfb-mode, hmac, sha1/sha2) for builds
//! without a C toolchain (ARCHITECTURE.md, Crypto).
//!
//! - RSA is used for public-key operations only (signature verification, OAEP encryption):
//!   RSA private-key operations never use the `rsa` crate (RUSTSEC-2023-0071, a timing side
//!   channel in its private-key operations). RSA signing and RSA key generation return
//!   `Err(Error::Unsupported { what: "RSA private-key operations (RUSTSEC-2023-0071)" })`;
//!   sign with RSA keys through the native provider.
//! - ECDSA signing (P-256, P-384) uses RFC 6979 deterministic nonces (FIPS 186-5, 6.4.1 allows
//!   them; see also FIPS 186-5, A.3.3).
//! - NIST P-521 is not supported here: every P-521 operation returns
//!   `Err(Error::KeyNotAllowed { .. })`. Use the native provider for P-521 keys.
//! - Randomness comes from the operating system (`getrandom` through `rand_core::OsRng`).

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, Pkcs1v15Sign, Pss};
use zeroize::{Zeroize, Zeroizing};

use super::private_key::{check_curve, check_ec_scalar, Secret};
use super::{
    CryptoProvider, EccPublicKey, EcdhEphemeral, KeySpec, PrivateKey, RsaPublicKey,
    SignatureScheme, SignatureValue,
};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::{EccCurve, HashAlg};

/// RustCrypto-backed [`CryptoProvider`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoProvider;

/// What the pure provider answers for any RSA private-key operation.
const RSA_PRIVATE_REFUSED: Error = Error::Unsupported {
    what: "RSA private-key operations (RUSTSEC-2023-0071)",
};

const P521_REFUSED: Error = Error::KeyNotAllowed {
    what: "P-521 is not supported by the pure (RustCrypto) provider",
};

/// DigestInfo prefixes for RSASSA-PKCS1-v1_5 (RFC 8017, 9.2, note 1).
fn pkcs1_prefix(hash: HashAlg) -> &'static [u8] {
    match hash {
        HashAlg::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        HashAlg::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

fn rsa_key(key: RsaPublicKey<'_>) -> Result<rsa::RsaPublicKey> {
    rsa::RsaPublicKey::new(
        BigUint::from_bytes_be(key.modulus),
        BigUint::from(key.exponent),
    )
    .map_err(|_| Error::KeyNotAllowed {
        what: "RSA public key rejected by the rsa crate",
    })
}

fn pss_with_salt(hash: HashAlg, salt_len: usize) -> Pss {
    match hash {
        HashAlg::Sha1 => Pss::new_with_salt::<sha1::Sha1>(salt_len),
        HashAlg::Sha256 => Pss::new_with_salt::<sha2::Sha256>(salt_len),
        HashAlg::Sha384 => Pss::new_with_salt::<sha2::Sha384>(salt_len),
        HashAlg::Sha512 => Pss::new_with_salt::<sha2::Sha512>(salt_len),
    }
}

fn oaep(hash: HashAlg, label: String) -> Oaep {
    match hash {
        HashAlg::Sha1 => Oaep::new_with_label::<sha1::Sha1, _>(label),
        HashAlg::Sha256 => Oaep::new_with_label::<sha2::Sha256, _>(label),
        HashAlg::Sha384 => Oaep::new_with_label::<sha2::Sha384, _>(label),
        HashAlg::Sha512 => Oaep::new_with_label::<sha2::Sha512, _>(label),
    }
}

/// A big-endian integer as exactly `size` bytes (leading zeros added or removed), or `None`
/// if it does not fit.
fn fixed_be(bytes: &[u8], size: usize) -> Option<Vec<u8>> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let significant = bytes.get(first..)?;
    if significant.len() > size {
        return None;
    }
    let mut out = vec![0u8; size - significant.len()];
    out.extend_from_slice(significant);
    Some(out)
}

/// The ECDSA hash input: a digest shorter than the field is left-padded (the same integer, as
/// OpenSSL reads it); a longer one is truncated by `verify_prehash` (FIPS 186-4, 6.4).
fn ecdsa_prehash(digest: &[u8], size: usize) -> Vec<u8> {
    if digest.len() >= size {
        digest.to_vec()
    } else {
        let mut out = vec![0u8; size - digest.len()];
        out.extend_from_slice(digest);
        out
    }
}

/// ECDSA verification and ephemeral ECDH, written once for p256 and p384.
macro_rules! ecc_ops {
    ($verify:ident, $ecdh:ident, $curve:ident) => {
        fn $verify(key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
            use $curve::ecdsa::signature::hazmat::PrehashVerifier;
            use $curve::ecdsa::{Signature, VerifyingKey};
            let size = key.curve.coordinate_size();
            let vk = VerifyingKey::from_encoded_point(&encoded_point_for!($curve, key)?).map_err(
                |_| Error::KeyNotAllowed {
                    what: "EC public key is not on the curve",
                },
            )?;
            let r = fixed_be(r, size).ok_or(Error::SignatureInvalid)?;
            let s = fixed_be(s, size).ok_or(Error::SignatureInvalid)?;
            let r = field_bytes!($curve, r).ok_or(Error::SignatureInvalid)?;
            let s = field_bytes!($curve, s).ok_or(Error::SignatureInvalid)?;
            let sig = Signature::from_scalars(r, s).map_err(|_| Error::SignatureInvalid)?;
            vk.verify_prehash(&ecdsa_prehash(digest, size), &sig)
                .map_err(|_| Error::SignatureInvalid)
        }

        fn $ecdh(peer: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
            use $curve::elliptic_curve::sec1::ToEncodedPoint;
            let peer_key =
                $curve::PublicKey::from_sec1_bytes(encoded_point_for!($curve, peer)?.as_bytes())
                    .map_err(|_| Error::KeyNotAllowed {
                        what: "EC public key is not on the curve",
                    })?;
            let secret = $curve::ecdh::EphemeralSecret::random(&mut OsRng);
            let public = secret.public_key().to_encoded_point(false);
            let shared = secret.diffie_hellman(&peer_key);
            let (Some(x), Some(y)) = (public.x(), public.y()) else {
                return Err(Error::CryptoProvider {
                    what: "ephemeral ECDH key is the identity",
                });
            };
            Ok(EcdhEphemeral {
                ephemeral_x: x.to_vec(),
                ephemeral_y: y.to_vec(),
                shared_x: Zeroizing::new(shared.raw_secret_bytes().to_vec()),
            })
        }
    };
}

/// A big-endian value of exactly the field size as the curve's `FieldBytes`, or `None`.
macro_rules! field_bytes {
    ($curve:ident, $v:expr) => {{
        let v: Vec<u8> = $v;
        let mut fb = $curve::FieldBytes::default();
        if fb.len() == v.len() {
            fb.copy_from_slice(&v);
            Some(fb)
        } else {
            None
        }
    }};
}

/// The uncompressed SEC1 point of `key`, with each coordinate exactly the curve's size.
macro_rules! encoded_point_for {
    ($curve:ident, $key:expr) => {{
        let size = $key.curve.coordinate_size();
        let bad = Error::KeyNotAllowed {
            what: "EC public key coordinates have the wrong size",
        };
        let x = fixed_be($key.x, size).ok_or(bad.clone())?;
        let y = fixed_be($key.y, size).ok_or(bad.clone())?;
        let x = field_bytes!($curve, x).ok_or(bad.clone())?;
        let y = field_bytes!($curve, y).ok_or(bad)?;
        Ok::<_, Error>($curve::EncodedPoint::from_affine_coordinates(&x, &y, false))
    }};
}

ecc_ops!(verify_p256, ecdh_p256, p256);
ecc_ops!(verify_p384, ecdh_p384, p384);

/// ECDSA signing, public point and key generation, written once for p256 and p384.
macro_rules! ecc_sign_ops {
    ($sign:ident, $point:ident, $generate:ident, $curve:ident, $which:expr) => {
        fn $sign(scalar: &[u8], digest: &[u8]) -> Result<SignatureValue> {
            use $curve::ecdsa::signature::hazmat::PrehashSigner;
            use $curve::ecdsa::{Signature, SigningKey};
            let size = $which.coordinate_size();
            let sk = SigningKey::from_slice(scalar).map_err(|_| Error::InvalidValue {
                what: "EC private scalar outside [1, n-1]",
            })?;
            let sig: Signature = sk.sign_prehash(&ecdsa_prehash(digest, size)).map_err(|_| {
                Error::CryptoProvider {
                    what: "ECDSA signing failed",
                }
            })?;
            let (r, s) = sig.split_bytes();
            Ok(SignatureValue::Ecdsa {
                r: r.to_vec(),
                s: s.to_vec(),
            })
        }

        fn $point(scalar: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
            let sk =
                $curve::ecdsa::SigningKey::from_slice(scalar).map_err(|_| Error::InvalidValue {
                    what: "EC private scalar outside [1, n-1]",
                })?;
            let point = sk.verifying_key().to_encoded_point(false);
            match (point.x(), point.y()) {
                (Some(x), Some(y)) => Ok((x.to_vec(), y.to_vec())),
                _ => Err(Error::CryptoProvider {
                    what: "EC public point is the identity",
                }),
            }
        }

        fn $generate() -> Result<PrivateKey> {
            let sk = $curve::ecdsa::SigningKey::random(&mut OsRng);
            let mut bytes = sk.to_bytes();
            let scalar = Zeroizing::new(bytes.to_vec());
            bytes.zeroize();
            let (x, y) = $point(&scalar)?;
            let curve = $which;
            Ok(PrivateKey::from_parts(
                Secret::Ecc { curve, scalar },
                PublicKey::Ecc { curve, x, y },
            ))
        }
    };
}

ecc_sign_ops!(
    sign_p256,
    point_p256,
    generate_p256,
    p256,
    EccCurve::NistP256
);
ecc_sign_ops!(
    sign_p384,
    point_p384,
    generate_p384,
    p384,
    EccCurve::NistP384
);

fn cfb<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>>
where
    C: aes::cipher::BlockEncryptMut + aes::cipher::BlockCipher + aes::cipher::KeyInit,
{
    let enc =
        cfb_mode::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| Error::InvalidArgument {
            what: "AES-CFB key or IV has the wrong size",
        })?;
    let mut buf = data.to_vec();
    enc.encrypt(&mut buf);
    Ok(buf)
}

impl CryptoProvider for RustCryptoProvider {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn verify_rsa_pkcs1v15(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let pk = rsa_key(key)?;
        let scheme = Pkcs1v15Sign {
            hash_len: Some(hash.digest_size()),
            prefix: pkcs1_prefix(hash).into(),
        };
        pk.verify(scheme, digest, sig)
            .map_err(|_| Error::SignatureInvalid)
    }

    fn verify_rsa_pss(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let pk = rsa_key(key)?;
        let h_len = hash.digest_size();
        // RFC 8017, 9.1.2: emLen = ceil((modBits - 1) / 8); the largest salt is emLen - hLen - 2.
        let em_len = (pk.n().bits().saturating_sub(1)).div_ceil(8);
        let max_salt = em_len.saturating_sub(h_len + 2);
        // Salt = digest length (TPM 2.0 spec 1.38+, most TPMs) or the maximum salt (older TPMs).
        let mut salts = vec![h_len];
        if max_salt != h_len && max_salt > 0 {
            salts.push(max_salt);
        }
        if salts
            .into_iter()
            .any(|salt| pk.verify(pss_with_salt(hash, salt), digest, sig).is_ok())
        {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }

    fn verify_ecdsa(&self, key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
        match key.curve {
            EccCurve::NistP256 => verify_p256(key, digest, r, s),
            EccCurve::NistP384 => verify_p384(key, digest, r, s),
            EccCurve::NistP521 => Err(P521_REFUSED),
        }
    }

    fn rsa_oaep_encrypt(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let pk = rsa_key(key)?;
        // The rsa crate takes the label as a String: TPM labels ("IDENTITY\0", "DUPLICATE\0",
        // "SECRET\0") are ASCII, so this is no restriction in practice.
        let label = String::from_utf8(label.to_vec()).map_err(|_| Error::InvalidArgument {
            what: "OAEP label must be UTF-8 here",
        })?;
        pk.encrypt(&mut OsRng, oaep(hash, label), plaintext)
            .map_err(|_| Error::CryptoProvider {
                what: "RSA-OAEP encryption failed",
            })
    }

    fn ecdh_ephemeral(&self, peer: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        match peer.curve {
            EccCurve::NistP256 => ecdh_p256(peer),
            EccCurve::NistP384 => ecdh_p384(peer),
            EccCurve::NistP521 => Err(P521_REFUSED),
        }
    }

    fn aes_cfb_encrypt(&self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        match key.len() {
            16 => cfb::<aes::Aes128>(key, iv, data),
            24 => cfb::<aes::Aes192>(key, iv, data),
            32 => cfb::<aes::Aes256>(key, iv, data),
            _ => Err(Error::InvalidArgument {
                what: "AES key must be 16, 24 or 32 bytes",
            }),
        }
    }

    fn hmac(&self, hash: HashAlg, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        Ok(super::hmac_rust(hash, key, data))
    }

    fn random(&self, out: &mut [u8]) -> Result<()> {
        OsRng
            .try_fill_bytes(out)
            .map_err(|_| Error::CryptoProvider {
                what: "operating system random source failed",
            })
    }

    /// ECDSA on P-256 and P-384 with the p256/p384 crates (RFC 6979 nonces). RSA signing is
    /// `Unsupported` (RUSTSEC-2023-0071: no RSA private-key operation in the `rsa` crate).
    fn sign_digest(
        &self,
        key: &PrivateKey,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<SignatureValue> {
        super::check_sign_request(key, scheme, digest)?;
        match key.secret() {
            Secret::Rsa { .. } => Err(RSA_PRIVATE_REFUSED),
            Secret::Ecc { curve, scalar } => match curve {
                EccCurve::NistP256 => sign_p256(scalar, digest),
                EccCurve::NistP384 => sign_p384(scalar, digest),
                EccCurve::NistP521 => Err(P521_REFUSED),
            },
        }
    }

    /// P-256 and P-384 keys from the operating system's random source; RSA is `Unsupported`
    /// (RUSTSEC-2023-0071).
    fn generate_private_key(&self, spec: KeySpec) -> Result<PrivateKey> {
        match spec {
            KeySpec::Rsa { .. } => Err(RSA_PRIVATE_REFUSED),
            KeySpec::Ecc(curve) => {
                check_curve(curve)?;
                match curve {
                    EccCurve::NistP256 => generate_p256(),
                    EccCurve::NistP384 => generate_p384(),
                    EccCurve::NistP521 => Err(P521_REFUSED),
                }
            }
        }
    }

    fn ecc_public_point(&self, curve: EccCurve, scalar: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        check_ec_scalar(curve, scalar)?;
        match curve {
            EccCurve::NistP256 => point_p256(scalar),
            EccCurve::NistP384 => point_p384(scalar),
            EccCurve::NistP521 => Err(P521_REFUSED),
        }
    }
}
