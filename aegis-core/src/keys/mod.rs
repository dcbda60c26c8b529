//! Public keys as verifiers use them, one place below `verify` and `ek`: the key material of a
//! TPM public area or a SubjectPublicKeyInfo, and the size checks made on signatures before any
//! crypto provider sees them (VERIFIER-CHECKS.md item 1).
//!
//! - [`PublicKey`]: one key type; from a TPM public area ([`PublicKey::from_tpm_public`]) or a
//!   SubjectPublicKeyInfo ([`PublicKey::from_spki`], the only SPKI parser in Aegis), and back to
//!   SubjectPublicKeyInfo DER ([`PublicKey::to_spki_der`], [`public_key_to_spki_der`]).
//! - [`oid`]: every object identifier Aegis reads or writes.
//!
//! Certificates and the one certificate path builder are in [`crate::x509`], above `crypto`.
//!
//! Module dependency order in aegis-core (a module imports only modules to its left; `error`,
//! `time`, `json` and `b64` are leaves every module may use; a test in `tests/module_layers.rs`
//! keeps it):
//! `tpm` -> `keys` -> `crypto` -> `credential`, `x509`, `compat`, `ear` -> `ek` -> `verify` -> `geo`
//! -> `appraise`, `inspect` -> `svid` -> `token`.

pub mod jwk;
pub mod oid;
mod spki;

pub use spki::public_key_to_spki_der;
#[cfg(feature = "aws-lc")]
pub(crate) use spki::split_uncompressed_point;
pub(crate) use spki::{pem_decode, strip_leading_zeros};

use crate::error::{Error, Result};
use crate::tpm::{EccCurve, KeyParms, Public};

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
