//! SubjectPublicKeyInfo (RFC 5280, 4.1.2.7), the one parser and encoder: RSA keys per RFC 3279,
//! 2.3.1 (rsaEncryption, parameters NULL, RSAPublicKey in the bit string), EC keys per RFC 5480,
//! 2.1.1 and 2.2 (id-ecPublicKey, a named curve, an uncompressed point), in DER or in PEM
//! ("PUBLIC KEY", RFC 7468, 13).
//!
//! Strict: unused bits in the key's bit string, rsaEncryption parameters other than NULL, an
//! RSA exponent above 32 bits, a curve other than P-256/P-384/P-521, implicit or specified
//! curves, and a point that is compressed or of the wrong length for its curve are all errors.
//! Keys restricted to RSASSA-PSS (id-RSASSA-PSS in the SubjectPublicKeyInfo, RFC 4055, 1.2) are
//! refused: their parameters restrict the key and Aegis does not carry them.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode};

use super::{oid, PublicKey};
use crate::error::{Error, Result};
use crate::tpm::{EccCurve, Public};

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo (RFC 5280, 4.1.2.7) given as DER, or as PEM with the label
    /// "PUBLIC KEY" (RFC 7468, 13), told apart by content (PEM starts with `-----BEGIN`).
    ///
    /// Errors: `InvalidFormat` for malformed DER or PEM, another PEM label, unused bits, an EC
    /// key without a named curve, an EC point that is not uncompressed for its curve, and
    /// rsaEncryption parameters other than NULL; `KeyNotAllowed` for another key algorithm, an
    /// unsupported curve, or an RSA exponent wider than 32 bits.
    pub fn from_spki(der_or_pem: &[u8]) -> Result<Self> {
        if der_or_pem.starts_with(b"-----BEGIN") {
            let (label, der) = pem_decode(der_or_pem)?;
            if label != "PUBLIC KEY" {
                return Err(Error::InvalidFormat {
                    what: "PEM label is not PUBLIC KEY",
                });
            }
            Self::from_spki_der(&der)
        } else {
            Self::from_spki_der(der_or_pem)
        }
    }

    /// Parses a DER SubjectPublicKeyInfo (RFC 5280, 4.1.2.7); the errors of
    /// [`PublicKey::from_spki`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info =
            spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|_| Error::InvalidFormat {
                what: "SubjectPublicKeyInfo DER",
            })?;
        Self::from_spki_info(&info)
    }

    /// The key of a decoded SubjectPublicKeyInfo (a certificate's, for one).
    pub(crate) fn from_spki_info(info: &spki::SubjectPublicKeyInfoRef<'_>) -> Result<Self> {
        let key_bits = info
            .subject_public_key
            .as_bytes()
            .ok_or(Error::InvalidFormat {
                what: "SubjectPublicKeyInfo bit string has unused bits",
            })?;
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION => {
                // RFC 3279, 2.3.1: "the parameters field MUST have ASN.1 type NULL".
                if info.algorithm.parameters != Some(AnyRef::NULL) {
                    return Err(Error::InvalidFormat {
                        what: "rsaEncryption parameters are not NULL",
                    });
                }
                let rsa =
                    pkcs1::RsaPublicKey::from_der(key_bits).map_err(|_| Error::InvalidFormat {
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
                Ok(PublicKey::Rsa { modulus, exponent })
            }
            oid::EC_PUBLIC_KEY => {
                // RFC 5480, 2.1.1: namedCurve only (implicitCurve and specifiedCurve MUST NOT
                // be used).
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
                let curve = curve_from_oid(curve_oid)?;
                let n = curve.coordinate_size();
                match split_uncompressed_point(n, key_bits) {
                    Some((x, y)) => Ok(PublicKey::Ecc {
                        curve,
                        x: x.to_vec(),
                        y: y.to_vec(),
                    }),
                    _ => Err(Error::InvalidFormat {
                        what: "EC point is not uncompressed for its curve",
                    }),
                }
            }
            _ => Err(Error::KeyNotAllowed {
                what: "SubjectPublicKeyInfo algorithm",
            }),
        }
    }

    /// The DER SubjectPublicKeyInfo of this key (RFC 5280, 4.1.2.7): rsaEncryption with NULL
    /// parameters (RFC 3279, 2.3.1) or id-ecPublicKey with the named curve and an uncompressed
    /// point (RFC 5480, 2.1.1 and 2.2). [`PublicKey::from_spki`] reads it back to an equal key.
    ///
    /// `InvalidValue` when the key cannot be encoded (an ECC coordinate longer than its curve's
    /// size).
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        let enc_err = |_| Error::InvalidValue {
            what: "key cannot be DER-encoded",
        };
        match self {
            PublicKey::Rsa { modulus, exponent } => {
                // UintRef keeps one zero byte of an all-zero input: zero encodes as 02 01 00.
                let e = exponent.to_be_bytes();
                let modulus: &[u8] = if modulus.is_empty() { &[0] } else { modulus };
                let rsa = pkcs1::RsaPublicKey {
                    modulus: UintRef::new(modulus).map_err(enc_err)?,
                    public_exponent: UintRef::new(&e).map_err(enc_err)?,
                };
                let key = rsa.to_der().map_err(enc_err)?;
                spki::SubjectPublicKeyInfoRef {
                    algorithm: spki::AlgorithmIdentifierRef {
                        oid: oid::RSA_ENCRYPTION,
                        parameters: Some(AnyRef::NULL),
                    },
                    subject_public_key: BitStringRef::from_bytes(&key).map_err(enc_err)?,
                }
                .to_der()
                .map_err(enc_err)
            }
            PublicKey::Ecc { curve, x, y } => Ok(ecc_spki_parts(*curve, x, y)?.concat()),
        }
    }

    /// Whether two keys are the same key: equal curve and point, or equal exponent and modulus
    /// compared as integers (leading zero bytes ignored, as a TPM modulus may carry them and a
    /// SubjectPublicKeyInfo's INTEGER does not).
    pub fn same_key(&self, other: &PublicKey) -> bool {
        match (self, other) {
            (
                PublicKey::Rsa { modulus, exponent },
                PublicKey::Rsa {
                    modulus: m,
                    exponent: e,
                },
            ) => exponent == e && strip_leading_zeros(modulus) == strip_leading_zeros(m),
            (PublicKey::Ecc { .. }, PublicKey::Ecc { .. }) => self == other,
            _ => false,
        }
    }
}

/// The affine x and y of an uncompressed point 0x04 || x || y with `n`-byte coordinates (RFC
/// 5480, 2.2; SEC 1, 2.3.3), or `None` for any other encoding or length.
pub(crate) fn split_uncompressed_point(n: usize, point: &[u8]) -> Option<(&[u8], &[u8])> {
    match point.split_first() {
        Some((0x04, xy)) if xy.len() == 2 * n => Some(xy.split_at(n)),
        _ => None,
    }
}

/// The SubjectPublicKeyInfo DER (RFC 5280, 4.1.2.7) of a TPM public area's key (TPMT_PUBLIC
/// unique field, TPM 2.0 Part 2, 12.2.3.2): [`PublicKey::from_tpm_public`] then
/// [`PublicKey::to_spki_der`]. For PEM output, JWK thumbprints and X.509.
pub fn public_key_to_spki_der(public: &Public) -> Result<Vec<u8>> {
    PublicKey::from_tpm_public(public).to_spki_der()
}

/// An id-ecPublicKey SubjectPublicKeyInfo's DER in the order it is written (RFC 5480, 2.1.1
/// and 2.2): SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING with no unused bits
/// holding the uncompressed point 04 || X || Y }, each coordinate left-padded with zeros to the
/// curve's size (SEC 1, 2.3.3). For a curve the lengths are fixed, so the DER up to the point
/// is a constant (`openssl_agrees` holds it to OpenSSL's encoding).
///
/// `InvalidValue` for a coordinate longer than the curve's size.
pub(crate) fn ecc_spki_parts<'k>(
    curve: EccCurve,
    x: &'k [u8],
    y: &'k [u8],
) -> Result<[&'k [u8]; 5]> {
    const ZEROS: [u8; 66] = [0; 66];
    let header: &'static [u8] = match curve {
        EccCurve::NistP256 => &[
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
        ],
        EccCurve::NistP384 => &[
            0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
        ],
        EccCurve::NistP521 => &[
            0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
            0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00, 0x04,
        ],
    };
    let pad = |v: &[u8]| {
        curve
            .coordinate_size()
            .checked_sub(v.len())
            .and_then(|n| ZEROS.get(..n))
            .ok_or(Error::InvalidValue {
                what: "ECC coordinate longer than its curve's size",
            })
    };
    Ok([header, pad(x)?, x, pad(y)?, y])
}

/// The curve a namedCurve OID names (RFC 5480, 2.1.1.1); `KeyNotAllowed` for any other.
pub(crate) fn curve_from_oid(id: ObjectIdentifier) -> Result<EccCurve> {
    match id {
        oid::SECP256R1 => Ok(EccCurve::NistP256),
        oid::SECP384R1 => Ok(EccCurve::NistP384),
        oid::SECP521R1 => Ok(EccCurve::NistP521),
        _ => Err(Error::KeyNotAllowed { what: "EC curve" }),
    }
}

/// Decodes one PEM block (RFC 7468, 2), returning its label and contents.
pub(crate) fn pem_decode(input: &[u8]) -> Result<(String, Vec<u8>)> {
    let text = core::str::from_utf8(input).map_err(|_| Error::InvalidFormat {
        what: "PEM is not UTF-8",
    })?;
    let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
        .map_err(|_| Error::InvalidFormat { what: "PEM" })?;
    Ok((label.to_string(), der))
}

/// `v` without its leading zero bytes (a big-endian unsigned integer's minimal form).
pub(crate) fn strip_leading_zeros(v: &[u8]) -> &[u8] {
    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    v.get(first..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The namedCurve OID of a curve (RFC 5480, 2.1.1.1).
    fn curve_oid(curve: EccCurve) -> ObjectIdentifier {
        match curve {
            EccCurve::NistP256 => oid::SECP256R1,
            EccCurve::NistP384 => oid::SECP384R1,
            EccCurve::NistP521 => oid::SECP521R1,
        }
    }

    fn pem_encode(label: &str, der: &[u8]) -> String {
        der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
    }

    fn rsa() -> PublicKey {
        let mut modulus = vec![0xc3u8; 256];
        modulus[255] = 0x01;
        PublicKey::Rsa {
            modulus,
            exponent: 65537,
        }
    }

    fn ecc(curve: EccCurve) -> PublicKey {
        let n = curve.coordinate_size();
        PublicKey::Ecc {
            curve,
            x: vec![0x11; n],
            y: vec![0x22; n],
        }
    }

    fn all_keys() -> Vec<PublicKey> {
        vec![
            rsa(),
            ecc(EccCurve::NistP256),
            ecc(EccCurve::NistP384),
            ecc(EccCurve::NistP521),
        ]
    }

    #[test]
    fn der_and_pem_round_trip() {
        for key in all_keys() {
            let der = key.to_spki_der().unwrap();
            assert_eq!(PublicKey::from_spki(&der).unwrap(), key);
            assert_eq!(PublicKey::from_spki_der(&der).unwrap(), key);
            let pem = pem_encode("PUBLIC KEY", &der);
            assert_eq!(PublicKey::from_spki(pem.as_bytes()).unwrap(), key);
            // Re-encoding gives the same bytes.
            assert_eq!(
                PublicKey::from_spki(&der).unwrap().to_spki_der().unwrap(),
                der
            );
        }
    }

    /// The same bytes as OpenSSL's encoder, and OpenSSL reads ours.
    #[cfg(feature = "native")]
    #[test]
    fn openssl_agrees() {
        use openssl::bn::{BigNum, BigNumContext};
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let der = PKey::from_rsa(rsa.clone())
            .unwrap()
            .public_key_to_der()
            .unwrap();
        let key = PublicKey::from_spki(&der).unwrap();
        assert_eq!(
            key,
            PublicKey::Rsa {
                modulus: rsa.n().to_vec(),
                exponent: 65537
            }
        );
        assert_eq!(key.to_spki_der().unwrap(), der);
        for (nid, curve) in [
            (Nid::X9_62_PRIME256V1, EccCurve::NistP256),
            (Nid::SECP384R1, EccCurve::NistP384),
            (Nid::SECP521R1, EccCurve::NistP521),
        ] {
            let group = EcGroup::from_curve_name(nid).unwrap();
            let ec = EcKey::generate(&group).unwrap();
            let der = PKey::from_ec_key(ec.clone())
                .unwrap()
                .public_key_to_der()
                .unwrap();
            let key = PublicKey::from_spki(&der).unwrap();
            let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
            ec.public_key()
                .affine_coordinates(&group, &mut x, &mut y, &mut BigNumContext::new().unwrap())
                .unwrap();
            let n = i32::try_from(curve.coordinate_size()).unwrap();
            assert_eq!(
                key,
                PublicKey::Ecc {
                    curve,
                    x: x.to_vec_padded(n).unwrap(),
                    y: y.to_vec_padded(n).unwrap()
                }
            );
            assert_eq!(key.to_spki_der().unwrap(), der);
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&der).into();
            assert_eq!(key.spki_sha256().unwrap(), digest);
            // A coordinate given without its leading zero bytes is padded back to them.
            let PublicKey::Ecc { x, y, .. } = &key else {
                unreachable!()
            };
            let mut x_short = x.clone();
            x_short[0] = 0;
            let short = PublicKey::Ecc {
                curve,
                x: x_short[1..].to_vec(),
                y: y.clone(),
            };
            let der = short.to_spki_der().unwrap();
            assert_eq!(der.len(), key.to_spki_der().unwrap().len());
            assert_eq!(
                PublicKey::from_spki(&der).unwrap().to_spki_der().unwrap(),
                der
            );
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&der).into();
            assert_eq!(short.spki_sha256().unwrap(), digest);
        }
    }

    #[test]
    fn compressed_point_is_invalid() {
        let mut der = ecc(EccCurve::NistP256).to_spki_der().unwrap();
        let at = der.len() - 65;
        assert_eq!(der[at], 0x04);
        der[at] = 0x02;
        assert_eq!(
            PublicKey::from_spki(&der),
            Err(Error::InvalidFormat {
                what: "EC point is not uncompressed for its curve"
            })
        );
    }

    #[test]
    fn point_of_another_curves_length_is_invalid() {
        // A P-256 point (65 bytes) under the P-384 OID, and points one byte short or long.
        let oid_der = curve_oid(EccCurve::NistP384).to_der().unwrap();
        let spki_with_point = |point: &[u8]| {
            spki::SubjectPublicKeyInfoRef {
                algorithm: spki::AlgorithmIdentifierRef {
                    oid: oid::EC_PUBLIC_KEY,
                    parameters: Some(AnyRef::from_der(&oid_der).unwrap()),
                },
                subject_public_key: BitStringRef::from_bytes(point).unwrap(),
            }
            .to_der()
            .unwrap()
        };
        let mut p256_point = vec![0x04];
        p256_point.extend_from_slice(&[0x11; 64]);
        let mut short = vec![0x04];
        short.extend_from_slice(&[0x11; 95]);
        let mut long = vec![0x04];
        long.extend_from_slice(&[0x11; 97]);
        let mut right = vec![0x04];
        right.extend_from_slice(&[0x11; 96]);
        for point in [&p256_point, &short, &long, &vec![0x04], &vec![]] {
            assert_eq!(
                PublicKey::from_spki(&spki_with_point(point)),
                Err(Error::InvalidFormat {
                    what: "EC point is not uncompressed for its curve"
                })
            );
        }
        assert!(PublicKey::from_spki(&spki_with_point(&right)).is_ok());
    }

    #[test]
    fn wrong_pem_label_is_invalid() {
        let der = rsa().to_spki_der().unwrap();
        for label in ["CERTIFICATE", "RSA PUBLIC KEY", "PRIVATE KEY"] {
            assert_eq!(
                PublicKey::from_spki(pem_encode(label, &der).as_bytes()),
                Err(Error::InvalidFormat {
                    what: "PEM label is not PUBLIC KEY"
                })
            );
        }
        assert_eq!(
            PublicKey::from_spki(b"-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n"),
            Err(Error::InvalidFormat { what: "PEM" })
        );
    }

    #[test]
    fn unused_bits_are_invalid() {
        for key in all_keys() {
            let mut der = key.to_spki_der().unwrap();
            // The BIT STRING's first content byte counts its unused bits.
            let at = unused_bits_at(&der);
            assert_eq!(der[at], 0);
            der[at] = 1;
            assert_eq!(
                PublicKey::from_spki(&der),
                Err(Error::InvalidFormat {
                    what: "SubjectPublicKeyInfo bit string has unused bits"
                })
            );
        }
    }

    /// Offset of the unused-bits byte of the subjectPublicKey BIT STRING: skip the outer
    /// SEQUENCE header and the AlgorithmIdentifier, then the BIT STRING header.
    fn unused_bits_at(der: &[u8]) -> usize {
        let header = |at: usize| -> (usize, usize) {
            // (header length, content length)
            let l = der[at + 1];
            if l < 0x80 {
                (2, usize::from(l))
            } else {
                let k = usize::from(l & 0x7f);
                let len = der[at + 2..at + 2 + k]
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b));
                (2 + k, len)
            }
        };
        let (outer, _) = header(0);
        let (alg_h, alg_len) = header(outer);
        let bit_string = outer + alg_h + alg_len;
        assert_eq!(der[bit_string], 0x03);
        let (bs_h, _) = header(bit_string);
        bit_string + bs_h
    }

    #[test]
    fn unknown_curve_is_not_allowed() {
        let der = ecc(EccCurve::NistP256).to_spki_der().unwrap();
        // Rewrite the curve OID's last arc in place: 1.2.840.10045.3.1.7 -> 1.2.840.10045.3.1.6
        // (prime239v3, a curve Aegis does not take).
        let p256_oid = oid::SECP256R1.to_der().unwrap();
        let at = der
            .windows(p256_oid.len())
            .position(|w| w == p256_oid.as_slice())
            .unwrap();
        let mut other = der.clone();
        other[at + p256_oid.len() - 1] = 0x06;
        assert_eq!(
            PublicKey::from_spki(&other),
            Err(Error::KeyNotAllowed { what: "EC curve" })
        );
    }

    #[test]
    fn wide_rsa_exponent_and_other_algorithms_are_not_allowed() {
        let modulus = [0xc5u8; 256];
        let exponent = [0x01u8, 0, 0, 0, 1];
        let rsa = pkcs1::RsaPublicKey {
            modulus: UintRef::new(&modulus).unwrap(),
            public_exponent: UintRef::new(&exponent).unwrap(),
        }
        .to_der()
        .unwrap();
        let spki_of = |alg: ObjectIdentifier, params: Option<AnyRef<'_>>| {
            spki::SubjectPublicKeyInfoRef {
                algorithm: spki::AlgorithmIdentifierRef {
                    oid: alg,
                    parameters: params,
                },
                subject_public_key: BitStringRef::from_bytes(&rsa).unwrap(),
            }
            .to_der()
            .unwrap()
        };
        assert_eq!(
            PublicKey::from_spki(&spki_of(oid::RSA_ENCRYPTION, Some(AnyRef::NULL))),
            Err(Error::KeyNotAllowed {
                what: "RSA exponent wider than 32 bits"
            })
        );
        assert_eq!(
            PublicKey::from_spki(&spki_of(oid::RSA_ENCRYPTION, None)),
            Err(Error::InvalidFormat {
                what: "rsaEncryption parameters are not NULL"
            })
        );
        assert_eq!(
            PublicKey::from_spki(&spki_of(oid::RSASSA_PSS, None)),
            Err(Error::KeyNotAllowed {
                what: "SubjectPublicKeyInfo algorithm"
            })
        );
    }

    #[test]
    fn garbage_and_trailing_bytes_are_invalid() {
        let mut der = rsa().to_spki_der().unwrap();
        der.push(0);
        for input in [&[0x30, 0x03, 0x02, 0x01, 0x00][..], &[], &der] {
            assert_eq!(
                PublicKey::from_spki(input),
                Err(Error::InvalidFormat {
                    what: "SubjectPublicKeyInfo DER"
                })
            );
        }
    }

    /// Whatever parses encodes and reads back equal (the fuzz target's property), zero
    /// integers included.
    #[test]
    fn a_coordinate_longer_than_its_curve_cannot_be_encoded() {
        for (x, y) in [
            (vec![1u8; 33], vec![2u8; 32]),
            (vec![1u8; 32], vec![2u8; 33]),
        ] {
            let key = PublicKey::Ecc {
                curve: EccCurve::NistP256,
                x,
                y,
            };
            assert_eq!(key.to_spki_der().unwrap_err().name(), "InvalidValue");
            assert_eq!(key.spki_sha256().unwrap_err().name(), "InvalidValue");
        }
    }

    #[test]
    fn degenerate_rsa_integers_round_trip() {
        for (modulus, exponent) in [(vec![], 0u32), (vec![0x80], 1), (vec![0x01], 0xffff_ffff)] {
            let key = PublicKey::Rsa { modulus, exponent };
            let der = key.to_spki_der().unwrap();
            assert_eq!(PublicKey::from_spki(&der).unwrap(), key);
        }
    }

    #[test]
    fn same_key_ignores_leading_zeros_only() {
        let a = rsa();
        let PublicKey::Rsa { modulus, exponent } = &a else {
            unreachable!()
        };
        let mut padded = vec![0];
        padded.extend_from_slice(modulus);
        let b = PublicKey::Rsa {
            modulus: padded,
            exponent: *exponent,
        };
        assert!(a.same_key(&b) && b.same_key(&a));
        let c = PublicKey::Rsa {
            modulus: modulus.clone(),
            exponent: 3,
        };
        assert!(!a.same_key(&c));
        assert!(!a.same_key(&ecc(EccCurve::NistP256)));
        assert!(ecc(EccCurve::NistP256).same_key(&ecc(EccCurve::NistP256)));
        assert!(!ecc(EccCurve::NistP256).same_key(&ecc(EccCurve::NistP384)));
    }
}
