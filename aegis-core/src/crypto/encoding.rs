//! Wire encodings of a [`SignatureValue`]: ECDSA as raw r||s (JWS, RFC 7518 section 3.4; COSE,
//! RFC 9053 section 2.1), as DER ECDSA-Sig-Value (RFC 3279, 2.2.3; X.509 and most TLS and
//! PKCS#11 stacks), and the signature of a TPMT_SIGNATURE (TCG Part 2, 11.3.4).
//!
//! Encoding is not verification: these functions check the shape only;
//! [`crate::verify::verify_signature`] checks sizes against the key and 1 <= r, s < n.

use der::asn1::UintRef;
use der::{Decode, DecodeValue, Encode, EncodeValue, Header, Length, Reader, Sequence, Writer};

use super::{SignatureScheme, SignatureValue};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::{EccCurve, Signature};

/// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279, 2.2.3).
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

impl<'a> DecodeValue<'a> for EcdsaSigValue<'a> {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        reader.read_nested(header.length, |reader| {
            Ok(EcdsaSigValue {
                r: reader.decode()?,
                s: reader.decode()?,
            })
        })
    }
}

impl EncodeValue for EcdsaSigValue<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.r.encoded_len()? + self.s.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.r.encode(writer)?;
        self.s.encode(writer)
    }
}

impl<'a> Sequence<'a> for EcdsaSigValue<'a> {}

const DER_WHAT: &str = "ECDSA-Sig-Value";

/// How a signature is carried on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureFormat {
    /// RSA: the signature bytes (exactly the modulus length). ECDSA: r||s, each left-padded to
    /// the curve's size (JWS, RFC 7518 3.4; COSE, RFC 9053 2.1).
    Raw,
    /// ECDSA-Sig-Value DER (RFC 3279, 2.2.3); ECDSA only.
    Der,
    /// TPMT_SIGNATURE (TCG Part 2, 11.3.4), whose scheme and hash must be the ones expected.
    Tpmt,
}

const DER_IS_ECDSA: Error = Error::InvalidArgument {
    what: "the DER format is an ECDSA-Sig-Value: RSA signatures are raw or TPMT_SIGNATURE",
};

impl SignatureValue {
    /// Decodes `bytes`, carried as `format`, for verification with `key` under `scheme` (the
    /// one decoder every surface uses).
    ///
    /// Decoding checks the shape only; [`crate::verify::verify_signature`] checks the rest. A
    /// TPMT_SIGNATURE must name `scheme` and its hash (the caller's scheme decides, never the
    /// structure's own header, as for quotes: VERIFIER-CHECKS.md item 3):
    /// `SignatureSchemeMismatch` / `HashMismatch` otherwise. When `scheme` does not fit `key`,
    /// raw bytes are kept as they are and `verify_signature` refuses the pair. Errors:
    /// `InvalidFormat` / `TrailingBytes` (DER), `SignatureLength` (raw ECDSA of the wrong size),
    /// TPMT_SIGNATURE parse errors, `InvalidArgument` (DER for an RSA scheme).
    pub fn decode(
        format: SignatureFormat,
        bytes: &[u8],
        scheme: SignatureScheme,
        key: &PublicKey,
    ) -> Result<Self> {
        match format {
            SignatureFormat::Tpmt => {
                let (signed, value) = SignatureValue::from_tpmt_signature(bytes)?;
                if signed.alg_id() != scheme.alg_id() {
                    return Err(Error::SignatureSchemeMismatch {
                        key_scheme: scheme.alg_id(),
                        signature_scheme: signed.alg_id(),
                    });
                }
                if signed.hash() != scheme.hash() {
                    return Err(Error::HashMismatch {
                        key_hash: scheme.hash().alg_id(),
                        signature_hash: signed.hash().alg_id(),
                    });
                }
                Ok(value)
            }
            SignatureFormat::Der if scheme.is_rsa() => Err(DER_IS_ECDSA),
            SignatureFormat::Der => SignatureValue::from_ecdsa_der(bytes),
            SignatureFormat::Raw => match key {
                PublicKey::Ecc { curve, .. } if !scheme.is_rsa() => {
                    SignatureValue::from_ecdsa_raw(*curve, bytes)
                }
                _ => Ok(SignatureValue::Rsa(bytes.to_vec())),
            },
        }
    }

    /// Encodes this signature, made with `key` under `scheme`, as `format` (the inverse of
    /// [`SignatureValue::decode`]); a TPMT_SIGNATURE carries ECDSA r and s at the curve's size,
    /// as a TPM writes them (TCG Part 2, 11.3.2).
    pub fn encode(
        &self,
        format: SignatureFormat,
        scheme: SignatureScheme,
        key: &PublicKey,
    ) -> Result<Vec<u8>> {
        let curve = match key {
            PublicKey::Ecc { curve, .. } => Some(*curve),
            PublicKey::Rsa { .. } => None,
        };
        match (format, self, curve) {
            (SignatureFormat::Raw, SignatureValue::Rsa(sig), _) => Ok(sig.clone()),
            (SignatureFormat::Raw, SignatureValue::Ecdsa { .. }, Some(curve)) => {
                self.to_ecdsa_raw(curve)
            }
            (SignatureFormat::Der, SignatureValue::Rsa(_), _) => Err(DER_IS_ECDSA),
            (SignatureFormat::Der, SignatureValue::Ecdsa { .. }, _) => self.to_ecdsa_der(),
            (SignatureFormat::Tpmt, SignatureValue::Rsa(sig), _) => {
                let hash = scheme.hash();
                let sig = sig.clone();
                Ok(match scheme {
                    SignatureScheme::RsaPss(_) => Signature::RsaPss { hash, sig },
                    _ => Signature::RsaSsa { hash, sig },
                }
                .encode())
            }
            (SignatureFormat::Tpmt, SignatureValue::Ecdsa { .. }, Some(curve)) => {
                let raw = self.to_ecdsa_raw(curve)?;
                let (r, s) = raw.split_at(curve.coordinate_size());
                Ok(Signature::Ecdsa {
                    hash: scheme.hash(),
                    r: r.to_vec(),
                    s: s.to_vec(),
                }
                .encode())
            }
            (_, SignatureValue::Ecdsa { .. }, None) => Err(Error::InvalidArgument {
                what: "an ECDSA signature from a key that is not an EC key",
            }),
        }
    }
}

use crate::keys::strip_leading_zeros as trim;

/// `v` left-padded to `size` bytes, or `SignatureLength` when its value needs more.
fn pad(v: &[u8], size: usize) -> Result<Vec<u8>> {
    let v = trim(v);
    if v.len() > size {
        return Err(Error::SignatureLength {
            size: v.len(),
            expected: size,
        });
    }
    let mut out = vec![0u8; size - v.len()];
    out.extend_from_slice(v);
    Ok(out)
}

impl SignatureValue {
    fn ecdsa_parts(&self) -> Result<(&[u8], &[u8])> {
        match self {
            SignatureValue::Ecdsa { r, s } => Ok((r, s)),
            SignatureValue::Rsa(_) => Err(Error::InvalidArgument {
                what: "not an ECDSA signature",
            }),
        }
    }

    /// ECDSA r||s, each left-padded to the curve's size (`curve.coordinate_size()`: 32 bytes
    /// for P-256, 48 for P-384): the JWS form of RFC 7518, section 3.4 and the COSE form of
    /// RFC 9053, section 2.1. `SignatureLength` if r or s needs more bytes than the curve,
    /// `InvalidArgument` for an RSA signature.
    pub fn to_ecdsa_raw(&self, curve: EccCurve) -> Result<Vec<u8>> {
        let (r, s) = self.ecdsa_parts()?;
        let size = curve.coordinate_size();
        let mut out = pad(r, size)?;
        out.extend_from_slice(&pad(s, size)?);
        Ok(out)
    }

    /// ECDSA from raw r||s (RFC 7518, section 3.4; RFC 9053, section 2.1): exactly twice the
    /// curve's size, else `SignatureLength`. r and s are returned as given (fixed size).
    pub fn from_ecdsa_raw(curve: EccCurve, raw: &[u8]) -> Result<Self> {
        let size = curve.coordinate_size();
        if raw.len() != 2 * size {
            return Err(Error::SignatureLength {
                size: raw.len(),
                expected: 2 * size,
            });
        }
        let (r, s) = raw.split_at(size);
        Ok(SignatureValue::Ecdsa {
            r: r.to_vec(),
            s: s.to_vec(),
        })
    }

    /// ECDSA as DER ECDSA-Sig-Value (RFC 3279, 2.2.3): two minimal non-negative INTEGERs.
    /// `InvalidArgument` for an RSA signature.
    pub fn to_ecdsa_der(&self) -> Result<Vec<u8>> {
        let (r, s) = self.ecdsa_parts()?;
        let fail = |_| Error::InvalidValue {
            what: "ECDSA r or s cannot be DER-encoded",
        };
        EcdsaSigValue {
            r: UintRef::new(r).map_err(fail)?,
            s: UintRef::new(s).map_err(fail)?,
        }
        .to_der()
        .map_err(fail)
    }

    /// ECDSA from DER ECDSA-Sig-Value (RFC 3279, 2.2.3), strictly: definite minimal lengths,
    /// minimal non-negative INTEGERs (X.690, 8.3.2 and 10), nothing inside the SEQUENCE after s
    /// (`InvalidFormat` for any of these) and nothing after the SEQUENCE (`TrailingBytes`).
    /// r and s are returned without leading zeros.
    pub fn from_ecdsa_der(der: &[u8]) -> Result<Self> {
        let bad = |_| Error::InvalidFormat {
            what: "ECDSA-Sig-Value DER",
        };
        let mut reader = der::SliceReader::new(der).map_err(bad)?;
        let value = EcdsaSigValue::decode(&mut reader).map_err(bad)?;
        let extra = usize::try_from(reader.remaining_len())
            .map_err(|_| Error::InvalidFormat { what: DER_WHAT })?;
        if extra != 0 {
            return Err(Error::TrailingBytes {
                what: DER_WHAT,
                extra,
            });
        }
        Ok(SignatureValue::Ecdsa {
            r: value.r.as_bytes().to_vec(),
            s: value.s.as_bytes().to_vec(),
        })
    }

    /// The scheme and signature of a parsed TPMT_SIGNATURE (TCG Part 2, 11.3.4): TPM_ALG_RSASSA
    /// and TPM_ALG_RSAPSS give [`SignatureValue::Rsa`], TPM_ALG_ECDSA gives
    /// [`SignatureValue::Ecdsa`] with the TPM's r and s. A NULL signature is `NullSignature`.
    pub fn from_tpm_signature(sig: &Signature) -> Result<(SignatureScheme, Self)> {
        match sig {
            Signature::RsaSsa { hash, sig } => Ok((
                SignatureScheme::RsaPkcs1v15(*hash),
                SignatureValue::Rsa(sig.clone()),
            )),
            Signature::RsaPss { hash, sig } => Ok((
                SignatureScheme::RsaPss(*hash),
                SignatureValue::Rsa(sig.clone()),
            )),
            Signature::Ecdsa { hash, r, s } => Ok((
                SignatureScheme::Ecdsa(*hash),
                SignatureValue::Ecdsa {
                    r: r.clone(),
                    s: s.clone(),
                },
            )),
            Signature::Null => Err(Error::NullSignature),
        }
    }

    /// Parses TPMT_SIGNATURE bytes (TCG Part 2, 11.3.4; [`Signature::parse`], strict) and
    /// applies [`SignatureValue::from_tpm_signature`].
    pub fn from_tpmt_signature(bytes: &[u8]) -> Result<(SignatureScheme, Self)> {
        Self::from_tpm_signature(&Signature::parse(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tpm::HashAlg;

    #[test]
    fn der_round_trip_adds_and_strips_sign_bytes() {
        let v = SignatureValue::Ecdsa {
            r: vec![0x00, 0x80, 0x01],
            s: vec![0x7f],
        };
        let der = v.to_ecdsa_der().unwrap();
        assert_eq!(
            der,
            [0x30, 0x08, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x01, 0x7f]
        );
        assert_eq!(
            SignatureValue::from_ecdsa_der(&der).unwrap(),
            SignatureValue::Ecdsa {
                r: vec![0x80, 0x01],
                s: vec![0x7f]
            }
        );
    }

    #[test]
    fn der_rejects_non_minimal_negative_and_trailing() {
        let bad = Err(Error::InvalidFormat {
            what: "ECDSA-Sig-Value DER",
        });
        // r with a superfluous leading zero.
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01]),
            bad
        );
        // Negative r.
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01]),
            bad
        );
        // Empty INTEGER.
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01]),
            bad
        );
        // Non-minimal length (long form for 6).
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]),
            bad
        );
        // A third INTEGER inside the SEQUENCE.
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[
                0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01
            ]),
            bad
        );
        assert_eq!(
            SignatureValue::from_ecdsa_der(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]),
            Err(Error::TrailingBytes {
                what: DER_WHAT,
                extra: 1
            })
        );
    }

    #[test]
    fn raw_pads_and_checks_sizes() {
        let c = EccCurve::NistP256;
        let v = SignatureValue::Ecdsa {
            r: vec![1],
            s: vec![0, 0, 2],
        };
        let raw = v.to_ecdsa_raw(c).unwrap();
        assert_eq!(raw.len(), 64);
        assert_eq!((raw[31], raw[63]), (1, 2));
        let back = SignatureValue::from_ecdsa_raw(c, &raw).unwrap();
        assert_eq!(back.to_ecdsa_raw(c).unwrap(), raw);
        assert_eq!(
            SignatureValue::from_ecdsa_raw(c, &raw[1..]),
            Err(Error::SignatureLength {
                size: 63,
                expected: 64
            })
        );
        let long = SignatureValue::Ecdsa {
            r: vec![1; 33],
            s: vec![1],
        };
        assert_eq!(
            long.to_ecdsa_raw(c),
            Err(Error::SignatureLength {
                size: 33,
                expected: 32
            })
        );
        assert!(matches!(
            SignatureValue::Rsa(vec![1]).to_ecdsa_raw(c),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn tpm_signature_parts() {
        let tpm = Signature::Ecdsa {
            hash: HashAlg::Sha256,
            r: vec![1; 32],
            s: vec![2; 32],
        };
        let (scheme, value) = SignatureValue::from_tpmt_signature(&tpm.encode()).unwrap();
        assert_eq!(scheme, SignatureScheme::Ecdsa(HashAlg::Sha256));
        assert_eq!(
            value,
            SignatureValue::Ecdsa {
                r: vec![1; 32],
                s: vec![2; 32]
            }
        );
        let (scheme, _) = SignatureValue::from_tpm_signature(&Signature::RsaPss {
            hash: HashAlg::Sha384,
            sig: vec![3; 256],
        })
        .unwrap();
        assert_eq!(scheme, SignatureScheme::RsaPss(HashAlg::Sha384));
        assert_eq!(
            SignatureValue::from_tpm_signature(&Signature::Null),
            Err(Error::NullSignature)
        );
    }
}
