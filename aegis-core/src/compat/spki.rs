//! SubjectPublicKeyInfo (RFC 5280, 4.1.2.7; RSA per RFC 3279 2.3.1, EC per RFC 5480) in DER or PEM.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

use crate::error::{Error, Result};
use crate::tpm::{EccCurve, Public, Unique};
use crate::verify::keys::KeyMaterial;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Parses a SubjectPublicKeyInfo given as DER or PEM ("PUBLIC KEY").
pub(crate) fn parse_public_key(input: &[u8]) -> Result<KeyMaterial> {
    let der_bytes;
    let der: &[u8] = if input.starts_with(b"-----BEGIN") {
        let (label, bytes) = pem_decode(input)?;
        if label != "PUBLIC KEY" {
            return Err(Error::InvalidFormat {
                what: "PEM label is not PUBLIC KEY",
            });
        }
        der_bytes = bytes;
        &der_bytes
    } else {
        input
    };
    let info = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|_| Error::InvalidFormat {
        what: "SubjectPublicKeyInfo DER",
    })?;
    let key_bits = info
        .subject_public_key
        .as_bytes()
        .ok_or(Error::InvalidFormat {
            what: "SubjectPublicKeyInfo bit string has unused bits",
        })?;
    if info.algorithm.oid == RSA_ENCRYPTION {
        let rsa = pkcs1::RsaPublicKey::from_der(key_bits).map_err(|_| Error::InvalidFormat {
            what: "RSAPublicKey DER",
        })?;
        let modulus = strip_leading_zeros(rsa.modulus.as_bytes()).to_vec();
        let e = strip_leading_zeros(rsa.public_exponent.as_bytes());
        if e.len() > 4 {
            return Err(Error::KeyNotAllowed {
                what: "RSA exponent wider than 32 bits",
            });
        }
        let exponent = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        Ok(KeyMaterial::Rsa { modulus, exponent })
    } else if info.algorithm.oid == EC_PUBLIC_KEY {
        let curve_oid: ObjectIdentifier = info
            .algorithm
            .parameters
            .ok_or(Error::InvalidFormat {
                what: "EC key without named curve",
            })?
            .decode_as()
            .map_err(|_| Error::InvalidFormat {
                what: "EC named curve",
            })?;
        let curve = match curve_oid {
            c if c == SECP256R1 => EccCurve::NistP256,
            c if c == SECP384R1 => EccCurve::NistP384,
            c if c == SECP521R1 => EccCurve::NistP521,
            _ => return Err(Error::KeyNotAllowed { what: "EC curve" }),
        };
        let n = curve.coordinate_size();
        match key_bits.split_first() {
            Some((0x04, xy)) if xy.len() == 2 * n => {
                let (x, y) = xy.split_at(n);
                Ok(KeyMaterial::Ecc {
                    curve,
                    x: x.to_vec(),
                    y: y.to_vec(),
                })
            }
            _ => Err(Error::InvalidFormat {
                what: "EC point is not uncompressed for its curve",
            }),
        }
    } else {
        Err(Error::KeyNotAllowed {
            what: "SubjectPublicKeyInfo algorithm",
        })
    }
}

/// The SubjectPublicKeyInfo DER of a TPM public key (for PEM output, JWK thumbprints, X.509).
pub fn public_key_to_spki_der(public: &Public) -> Result<Vec<u8>> {
    let enc_err = |_| Error::InvalidValue {
        what: "key cannot be DER-encoded",
    };
    match public.unique() {
        Unique::Rsa { modulus, exponent } => {
            let e = exponent.to_be_bytes();
            let rsa = pkcs1::RsaPublicKey {
                modulus: der::asn1::UintRef::new(modulus).map_err(enc_err)?,
                public_exponent: der::asn1::UintRef::new(strip_leading_zeros(&e))
                    .map_err(enc_err)?,
            };
            let key = rsa.to_der().map_err(enc_err)?;
            let info = spki::SubjectPublicKeyInfoRef {
                algorithm: spki::AlgorithmIdentifierRef {
                    oid: RSA_ENCRYPTION,
                    parameters: Some(der::asn1::AnyRef::NULL),
                },
                subject_public_key: der::asn1::BitStringRef::from_bytes(&key).map_err(enc_err)?,
            };
            info.to_der().map_err(enc_err)
        }
        Unique::Ecc { curve, x, y } => {
            let oid = match curve {
                EccCurve::NistP256 => SECP256R1,
                EccCurve::NistP384 => SECP384R1,
                EccCurve::NistP521 => SECP521R1,
            };
            let mut point = vec![0x04];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let oid_der = oid.to_der().map_err(enc_err)?;
            let info = spki::SubjectPublicKeyInfoRef {
                algorithm: spki::AlgorithmIdentifierRef {
                    oid: EC_PUBLIC_KEY,
                    parameters: Some(der::asn1::AnyRef::from_der(&oid_der).map_err(enc_err)?),
                },
                subject_public_key: der::asn1::BitStringRef::from_bytes(&point).map_err(enc_err)?,
            };
            info.to_der().map_err(enc_err)
        }
    }
}

/// Decodes one PEM block (RFC 7468), returning its label and contents.
pub(crate) fn pem_decode(input: &[u8]) -> Result<(String, Vec<u8>)> {
    let text = core::str::from_utf8(input).map_err(|_| Error::InvalidFormat {
        what: "PEM is not UTF-8",
    })?;
    let (label, der) = spki::der::pem::decode_vec(text.trim().as_bytes())
        .map_err(|_| Error::InvalidFormat { what: "PEM" })?;
    Ok((label.to_string(), der))
}

fn strip_leading_zeros(v: &[u8]) -> &[u8] {
    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    v.get(first..).unwrap_or_default()
}
