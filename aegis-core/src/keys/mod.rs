//! Public keys as verifiers use them, one place below `verify` and `ek`: the key material of a
//! TPM public area or a SubjectPublicKeyInfo, and the size checks made on signatures before any
//! crypto provider sees them (VERIFIER-CHECKS.md item 1).
//!
//! - [`PublicKey`]: one key type; from a TPM public area ([`PublicKey::from_tpm_public`]) or a
//!   SubjectPublicKeyInfo ([`PublicKey::from_spki`], the only SPKI parser in Aegis), and back to
//!   SubjectPublicKeyInfo DER ([`PublicKey::to_spki_der`], [`public_key_to_spki_der`]).
//! - [`oid`]: every object identifier Aegis reads or writes.
//! - [`x509`]: certificates and the one certificate path builder, with a profile per use (EK
//!   certificates now, SPIFFE X.509-SVIDs next).
//!
//! Module dependency order in aegis-core (a module imports only modules to its left; `error`
//! and `time` are leaves every module may use):
//! `tpm` -> `crypto` / `keys` -> `keys::x509` -> `verify`, `ek` -> `geo` -> `inspect`, `compat`.
//! `crypto` and `keys` are one level: `keys::PublicKey::as_key_ref` builds `crypto`'s borrowed
//! key types and `crypto::signer` names `keys::PublicKey`. `keys` imports neither `verify`,
//! `ek` nor `compat`.

pub mod oid;
mod spki;
pub mod x509;

pub use spki::public_key_to_spki_der;
pub(crate) use spki::{pem_decode, strip_leading_zeros};

use crate::crypto::{
    CryptoProvider, EccPublicKey, KeyCache, PublicKeyRef, RsaPublicKey, SignatureRef,
};
use crate::error::{Error, Result};
use crate::tpm::{EccCurve, HashAlg, KeyParms, Public};

/// A public key: RSA (big-endian modulus without leading zeros, public exponent) or ECC (curve
/// and big-endian affine coordinates, each exactly the curve's coordinate size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA (RFC 8017, 3.1).
    Rsa {
        /// Big-endian modulus n.
        modulus: Vec<u8>,
        /// Public exponent e.
        exponent: u32,
    },
    /// An elliptic-curve point (SEC 1, 2.2).
    Ecc {
        /// The curve.
        curve: EccCurve,
        /// Affine x, `curve.coordinate_size()` bytes.
        x: Vec<u8>,
        /// Affine y, `curve.coordinate_size()` bytes.
        y: Vec<u8>,
    },
}

impl PublicKey {
    /// The key of a TPM public area (TPMT_PUBLIC unique field, Part 2, 12.2.3.2; an encoded
    /// exponent of 0 means 65537, 12.2.3.5).
    pub fn from_tpm_public(public: &Public) -> Self {
        match &public.parms {
            KeyParms::Rsa(p) => PublicKey::Rsa {
                modulus: p.modulus.clone(),
                exponent: p.effective_exponent(),
            },
            KeyParms::Ecc(p) => PublicKey::Ecc {
                curve: p.curve,
                x: p.x.clone(),
                y: p.y.clone(),
            },
        }
    }

    /// The borrowed form the crypto providers take.
    pub fn as_key_ref(&self) -> PublicKeyRef<'_> {
        match self {
            PublicKey::Rsa { modulus, exponent } => PublicKeyRef::Rsa(RsaPublicKey {
                modulus,
                exponent: *exponent,
            }),
            PublicKey::Ecc { curve, x, y } => PublicKeyRef::Ecc(EccPublicKey {
                curve: *curve,
                x,
                y,
            }),
        }
    }

    /// RSA modulus size in bits, or the curve's field size in bits.
    pub fn bits(&self) -> usize {
        match self {
            PublicKey::Rsa { modulus, .. } => modulus.len() * 8,
            PublicKey::Ecc { curve, .. } => match curve {
                EccCurve::NistP256 => 256,
                EccCurve::NistP384 => 384,
                EccCurve::NistP521 => 521,
            },
        }
    }
}

/// Items 1 and 4, then the signature itself: the one place where a signature meets a crypto
/// provider. `sig` is the signature as received (RSA bytes; ECDSA r and s as encoded); an RSA
/// signature must be exactly the modulus length and ECDSA r and s no longer than the curve and
/// in [1, n-1] ([`check_rsa_signature_size`], [`ecdsa_scalar`]) before `provider` checks it over
/// `digest` (computed with `hash`). `cache` is the key's slot for the provider's parsed form
/// (an AK keeps one between quotes; one-off keys pass a fresh `KeyCache::default()`).
/// Quote and certify verification, X.509 path building and [`crate::verify::verify_signature`]
/// all end here, so every provider sees the same checked inputs.
pub(crate) fn verify_digest(
    provider: &dyn CryptoProvider,
    key: &PublicKey,
    cache: &KeyCache,
    hash: HashAlg,
    digest: &[u8],
    sig: SignatureRef<'_>,
) -> Result<()> {
    let (r, s);
    let checked = match (key, sig) {
        (
            PublicKey::Rsa { modulus, .. },
            SignatureRef::RsaPkcs1v15(bytes) | SignatureRef::RsaPss(bytes),
        ) => {
            check_rsa_signature_size(strip_leading_zeros(modulus), bytes)?;
            sig
        }
        (PublicKey::Ecc { curve, .. }, SignatureRef::Ecdsa { r: r_raw, s: s_raw }) => {
            r = ecdsa_scalar(r_raw, *curve)?;
            s = ecdsa_scalar(s_raw, *curve)?;
            SignatureRef::Ecdsa { r: &r, s: &s }
        }
        _ => {
            return Err(Error::InvalidArgument {
                what: "signature kind does not fit the key (RSA bytes or ECDSA r and s)",
            })
        }
    };
    provider.verify_cached(key.as_key_ref(), cache, hash, digest, checked)
}

/// Item 1: an RSA signature is exactly the modulus length (RFC 8017, 8.1.2 step 1 and 8.2.2
/// step 1), checked before any provider sees it: providers differ in what they do with a short
/// or zero-padded signature, so the core decides.
pub fn check_rsa_signature_size(modulus: &[u8], signature: &[u8]) -> Result<()> {
    if signature.len() != modulus.len() {
        return Err(Error::SignatureLength {
            size: signature.len(),
            expected: modulus.len(),
        });
    }
    Ok(())
}

/// Items 1 and 4: an ECDSA r or s as a big-endian integer no longer than the curve's size
/// (`SignatureLength` otherwise), with 1 <= v < n (`EcdsaScalarOutOfRange`); returned
/// left-padded to the curve's size. No low-S demand.
pub fn ecdsa_scalar(v: &[u8], curve: EccCurve) -> Result<Vec<u8>> {
    let order = curve.order();
    if v.len() > order.len() {
        return Err(Error::SignatureLength {
            size: v.len(),
            expected: order.len(),
        });
    }
    let mut padded = vec![0u8; order.len() - v.len()];
    padded.extend_from_slice(v);
    // Big-endian byte strings of equal length compare like the numbers they encode.
    if padded.iter().all(|b| *b == 0) || padded.as_slice() >= order {
        return Err(Error::EcdsaScalarOutOfRange);
    }
    Ok(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_scalar_length_then_range() {
        let c = EccCurve::NistP256;
        assert_eq!(ecdsa_scalar(&[1], c).unwrap().len(), 32);
        assert_eq!(
            ecdsa_scalar(&[0u8; 33], c),
            Err(Error::SignatureLength {
                size: 33,
                expected: 32
            })
        );
        assert_eq!(ecdsa_scalar(&[], c), Err(Error::EcdsaScalarOutOfRange));
        assert_eq!(ecdsa_scalar(&[0, 0], c), Err(Error::EcdsaScalarOutOfRange));
        assert_eq!(
            ecdsa_scalar(c.order(), c),
            Err(Error::EcdsaScalarOutOfRange)
        );
        let mut below = c.order().to_vec();
        if let Some(last) = below.last_mut() {
            *last -= 1;
        }
        assert_eq!(ecdsa_scalar(&below, c).unwrap(), below);
    }

    #[test]
    fn rsa_signature_is_exactly_the_modulus_length() {
        let n = [0xffu8; 256];
        assert!(check_rsa_signature_size(&n, &[1u8; 256]).is_ok());
        assert_eq!(
            check_rsa_signature_size(&n, &[1u8; 255]),
            Err(Error::SignatureLength {
                size: 255,
                expected: 256
            })
        );
        assert_eq!(
            check_rsa_signature_size(&n, &[0u8; 257]),
            Err(Error::SignatureLength {
                size: 257,
                expected: 256
            })
        );
    }
}
