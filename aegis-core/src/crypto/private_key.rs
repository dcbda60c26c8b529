//! Software private keys (ECDSA P-256/P-384, RSA 2048-4096) in a provider-neutral form.
//!
//! Read from PKCS#8 (RFC 5958, OneAsymmetricKey) DER or PEM ("PRIVATE KEY", RFC 7468 section
//! 10), SEC 1 ECPrivateKey PEM ("EC PRIVATE KEY", RFC 5915 section 3) or PKCS#1 RSAPrivateKey
//! PEM ("RSA PRIVATE KEY", RFC 8017 appendix A.1.2). The secret stays in [`Zeroizing`] buffers
//! (an EC scalar, or the RSAPrivateKey DER) that either provider can use; it is wiped on drop
//! and never printed.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use zeroize::Zeroizing;

use super::{CryptoProvider, EccPublicKey, KeyCache};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::EccCurve;

use crate::keys::oid::{EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP256R1, SECP384R1};

/// Smallest and largest RSA modulus, in bits, a [`PrivateKey`] accepts.
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 4096;

/// The kind and size of a private key: what [`PrivateKey::generate`] makes and what
/// [`PrivateKey::spec`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// An ECDSA key (FIPS 186-5, 6.2) on NIST P-256 or P-384.
    Ecc(EccCurve),
    /// An RSA key (RFC 8017, 3.2) with a modulus of `bits` bits (2048 to 4096) and e = 65537
    /// when generated.
    Rsa {
        /// Modulus size in bits.
        bits: u16,
    },
}

/// The secret half, in a form every provider can read.
pub(crate) enum Secret {
    /// The private scalar d (FIPS 186-5, 6.2.1), big-endian, exactly the curve's size.
    Ecc {
        curve: EccCurve,
        scalar: Zeroizing<Vec<u8>>,
    },
    /// RSAPrivateKey DER (RFC 8017, appendix A.1.2).
    Rsa { pkcs1_der: Zeroizing<Vec<u8>> },
}

/// A software private key for ECDSA P-256/P-384 or RSA 2048-4096, with its public key.
///
/// Parse one with [`PrivateKey::from_pkcs8_der`] or [`PrivateKey::from_pem`], or make one with
/// [`PrivateKey::generate`]; sign with [`super::SoftwareSigner`] or
/// [`CryptoProvider::sign_digest`]. The secret bytes are zeroized on drop, and `Debug` prints
/// only the key's kind and public key. Copies are explicit ([`PrivateKey::clone_key`]).
pub struct PrivateKey {
    secret: Secret,
    public: PublicKey,
    /// The native provider's parsed form of the key, made on first use.
    cache: KeyCache,
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("spec", &self.spec())
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl PrivateKey {
    /// Generates a fresh key with `provider`: EC keys with either provider, RSA keys with the
    /// native provider only (the pure provider returns `Error::Unsupported`, RUSTSEC-2023-0071).
    pub fn generate(provider: &dyn CryptoProvider, spec: KeySpec) -> Result<Self> {
        provider.generate_private_key(spec)
    }

    /// Parses a PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958, section 2) in DER, holding
    /// an RSAPrivateKey (RFC 8017, A.1.2) or an ECPrivateKey on P-256 or P-384 (RFC 5915,
    /// section 3). `provider` computes the EC public point from the scalar and checks it
    /// against the public key the encoding may carry. Encrypted PKCS#8 is not read.
    pub fn from_pkcs8_der(provider: &dyn CryptoProvider, der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|_| Error::InvalidFormat {
            what: "PKCS#8 PrivateKeyInfo DER",
        })?;
        if info.algorithm.oid == RSA_ENCRYPTION {
            // RFC 8017, A.1: the parameters are NULL (absent is tolerated, as OpenSSL does).
            if let Some(p) = info.algorithm.parameters {
                if p != der::asn1::AnyRef::NULL {
                    return Err(Error::InvalidFormat {
                        what: "rsaEncryption parameters are not NULL",
                    });
                }
            }
            Self::from_pkcs1_der(info.private_key)
        } else if info.algorithm.oid == EC_PUBLIC_KEY {
            let curve_oid: ObjectIdentifier = info
                .algorithm
                .parameters
                .ok_or(Error::InvalidFormat {
                    what: "EC private key without named curve",
                })?
                .decode_as()
                .map_err(|_| Error::InvalidFormat {
                    what: "EC named curve",
                })?;
            let curve = curve_from_oid(curve_oid)?;
            let pk_public = info.public_key;
            Self::from_sec1_der(provider, info.private_key, Some(curve), pk_public)
        } else {
            Err(Error::KeyNotAllowed {
                what: "PKCS#8 algorithm is neither rsaEncryption nor id-ecPublicKey",
            })
        }
    }

    /// Parses one PEM block (RFC 7468): "PRIVATE KEY" (PKCS#8, RFC 7468 section 10), "EC
    /// PRIVATE KEY" (SEC 1 / RFC 5915) or "RSA PRIVATE KEY" (PKCS#1, RFC 8017 A.1.2). Any
    /// other label (a certificate, a public key, an encrypted key) is
    /// `Error::InvalidFormat`.
    pub fn from_pem(provider: &dyn CryptoProvider, pem: &[u8]) -> Result<Self> {
        let (label, der) = crate::keys::pem_decode(pem)?;
        let der = Zeroizing::new(der);
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(provider, &der),
            "EC PRIVATE KEY" => Self::from_sec1_der(provider, &der, None, None),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            _ => Err(Error::InvalidFormat {
                what: "PEM label is not PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY",
            }),
        }
    }

    /// An ECPrivateKey (SEC 1 C.4, RFC 5915 section 3). `outer_curve` is the curve named by
    /// the PKCS#8 wrapper, `outer_public` the wrapper's public key; where the inner structure
    /// names either too, they must agree.
    fn from_sec1_der(
        provider: &dyn CryptoProvider,
        der: &[u8],
        outer_curve: Option<EccCurve>,
        outer_public: Option<&[u8]>,
    ) -> Result<Self> {
        let key = sec1::EcPrivateKey::from_der(der).map_err(|_| Error::InvalidFormat {
            what: "SEC 1 ECPrivateKey DER",
        })?;
        let inner_curve = match key.parameters {
            Some(p) => Some(curve_from_oid(p.named_curve().ok_or(
                Error::InvalidFormat {
                    what: "EC parameters are not a named curve",
                },
            )?)?),
            None => None,
        };
        let curve = match (outer_curve, inner_curve) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::InvalidFormat {
                    what: "PKCS#8 and ECPrivateKey name different curves",
                })
            }
            (Some(c), _) | (None, Some(c)) => c,
            (None, None) => {
                return Err(Error::InvalidFormat {
                    what: "EC private key without named curve",
                })
            }
        };
        let size = curve.coordinate_size();
        // SEC 1, C.4: privateKey is ceiling(log2(n)/8) octets; a shorter one (leading zeros
        // dropped by some encoders) is the same integer.
        if key.private_key.len() > size || key.private_key.is_empty() {
            return Err(Error::InvalidFormat {
                what: "EC private key has the wrong length for its curve",
            });
        }
        let mut scalar = Zeroizing::new(vec![0u8; size - key.private_key.len()]);
        scalar.extend_from_slice(key.private_key);
        let inner_public = key.public_key;
        let key = Self::from_ec_scalar(provider, curve, scalar)?;
        let expected = key.public_sec1();
        for claimed in [inner_public, outer_public].into_iter().flatten() {
            if claimed != expected.as_slice() {
                return Err(Error::InvalidValue {
                    what: "EC private key's public key does not match its scalar",
                });
            }
        }
        Ok(key)
    }

    /// An RSAPrivateKey (RFC 8017, A.1.2), two-prime, modulus 2048 to 4096 bits, public
    /// exponent at most 32 bits.
    fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let key = pkcs1::RsaPrivateKey::from_der(der).map_err(|_| Error::InvalidFormat {
            what: "PKCS#1 RSAPrivateKey DER",
        })?;
        if key.other_prime_infos.is_some() {
            return Err(Error::KeyNotAllowed {
                what: "multi-prime RSA key",
            });
        }
        let modulus = key.modulus.as_bytes().to_vec();
        let bits = bit_length(&modulus);
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(Error::KeyNotAllowed {
                what: "RSA private key size (2048 to 4096 bits)",
            });
        }
        let e = key.public_exponent.as_bytes();
        if e.len() > 4 {
            return Err(Error::KeyNotAllowed {
                what: "RSA exponent wider than 32 bits",
            });
        }
        let exponent = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        Ok(PrivateKey {
            secret: Secret::Rsa {
                pkcs1_der: Zeroizing::new(der.to_vec()),
            },
            public: PublicKey::Rsa { modulus, exponent },
            cache: KeyCache::default(),
        })
    }

    /// A key from its curve and scalar (exactly the curve's size): `provider` checks
    /// 1 <= d < n and computes Q = d·G (FIPS 186-5, 6.2.1).
    pub(crate) fn from_ec_scalar(
        provider: &dyn CryptoProvider,
        curve: EccCurve,
        scalar: Zeroizing<Vec<u8>>,
    ) -> Result<Self> {
        check_curve(curve)?;
        check_ec_scalar(curve, &scalar)?;
        let (x, y) = provider.ecc_public_point(curve, &scalar)?;
        Ok(PrivateKey {
            secret: Secret::Ecc { curve, scalar },
            public: PublicKey::Ecc { curve, x, y },
            cache: KeyCache::default(),
        })
    }

    /// A key from parts a provider generated (the public key computed by that provider).
    pub(crate) fn from_parts(secret: Secret, public: PublicKey) -> Self {
        PrivateKey {
            secret,
            public,
            cache: KeyCache::default(),
        }
    }

    /// The public key (RFC 8017, 3.1; or the point Q of FIPS 186-5, 6.2.1).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The key's kind and size.
    pub fn spec(&self) -> KeySpec {
        match &self.secret {
            Secret::Ecc { curve, .. } => KeySpec::Ecc(*curve),
            Secret::Rsa { .. } => {
                let bits = match &self.public {
                    PublicKey::Rsa { modulus, .. } => bit_length(modulus),
                    PublicKey::Ecc { .. } => 0,
                };
                KeySpec::Rsa {
                    bits: u16::try_from(bits).unwrap_or(u16::MAX),
                }
            }
        }
    }

    /// An independent copy of the key (its own zeroized buffers, an empty provider cache).
    pub fn clone_key(&self) -> Self {
        let secret = match &self.secret {
            Secret::Ecc { curve, scalar } => Secret::Ecc {
                curve: *curve,
                scalar: scalar.clone(),
            },
            Secret::Rsa { pkcs1_der } => Secret::Rsa {
                pkcs1_der: pkcs1_der.clone(),
            },
        };
        Self::from_parts(secret, self.public.clone())
    }

    /// The key as PKCS#8 PrivateKeyInfo DER (RFC 5958, section 2, version 1): an RSAPrivateKey
    /// (RFC 8017, A.1.2) or an ECPrivateKey with its public key (RFC 5915, section 3; the curve
    /// is named in the PKCS#8 algorithm parameters, as OpenSSL writes it).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let fail = |_| Error::InvalidValue {
            what: "private key cannot be DER-encoded",
        };
        match &self.secret {
            Secret::Rsa { pkcs1_der } => {
                let info = pkcs8::PrivateKeyInfo::new(
                    spki::AlgorithmIdentifierRef {
                        oid: RSA_ENCRYPTION,
                        parameters: Some(der::asn1::AnyRef::NULL),
                    },
                    pkcs1_der,
                );
                info.to_der().map(Zeroizing::new).map_err(fail)
            }
            Secret::Ecc { curve, scalar } => {
                let point = self.public_sec1();
                let inner = Zeroizing::new(
                    sec1::EcPrivateKey {
                        private_key: scalar,
                        parameters: None,
                        public_key: Some(&point),
                    }
                    .to_der()
                    .map_err(fail)?,
                );
                let curve_der = curve_oid(*curve)?.to_der().map_err(fail)?;
                let info = pkcs8::PrivateKeyInfo::new(
                    spki::AlgorithmIdentifierRef {
                        oid: EC_PUBLIC_KEY,
                        parameters: Some(der::asn1::AnyRef::from_der(&curve_der).map_err(fail)?),
                    },
                    &inner,
                );
                info.to_der().map(Zeroizing::new).map_err(fail)
            }
        }
    }

    /// The key as a "PRIVATE KEY" PEM block (RFC 7468, section 10) with LF line endings.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|_| Error::InvalidValue {
                what: "private key cannot be PEM-encoded",
            })
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The provider's parsed form of the key (see [`KeyCache`]).
    #[cfg_attr(not(any(feature = "native", feature = "aws-lc")), allow(dead_code))]
    pub(crate) fn cache(&self) -> &KeyCache {
        &self.cache
    }

    /// The uncompressed SEC 1 point (2.3.3) of an EC key; empty for RSA.
    fn public_sec1(&self) -> Vec<u8> {
        match &self.public {
            PublicKey::Ecc { curve, x, y } => EccPublicKey {
                curve: *curve,
                x,
                y,
            }
            .sec1_uncompressed(),
            PublicKey::Rsa { .. } => Vec::new(),
        }
    }
}

/// Only P-256 and P-384 keys are taken (the curves both providers sign on).
pub(crate) fn check_curve(curve: EccCurve) -> Result<()> {
    match curve {
        EccCurve::NistP256 | EccCurve::NistP384 => Ok(()),
        EccCurve::NistP521 => Err(Error::KeyNotAllowed {
            what: "private keys are P-256 or P-384",
        }),
    }
}

/// An EC private scalar d (FIPS 186-5, 6.2.1): exactly the curve's size (`InvalidFormat`) and
/// 1 <= d < n (`InvalidValue`). Both providers check this before using a scalar.
pub(crate) fn check_ec_scalar(curve: EccCurve, scalar: &[u8]) -> Result<()> {
    if scalar.len() != curve.coordinate_size() {
        return Err(Error::InvalidFormat {
            what: "EC private key has the wrong length for its curve",
        });
    }
    // Big-endian byte strings of equal length compare like the numbers they encode.
    if scalar.iter().all(|b| *b == 0) || scalar >= curve.order() {
        return Err(Error::InvalidValue {
            what: "EC private scalar outside [1, n-1]",
        });
    }
    Ok(())
}

/// Only 2048- to 4096-bit RSA keys are generated.
#[cfg_attr(not(any(feature = "native", feature = "aws-lc")), allow(dead_code))]
pub(crate) fn check_rsa_bits(bits: u16) -> Result<()> {
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&usize::from(bits)) {
        Ok(())
    } else {
        Err(Error::KeyNotAllowed {
            what: "RSA private key size (2048 to 4096 bits)",
        })
    }
}

fn curve_from_oid(oid: ObjectIdentifier) -> Result<EccCurve> {
    if oid == SECP256R1 {
        Ok(EccCurve::NistP256)
    } else if oid == SECP384R1 {
        Ok(EccCurve::NistP384)
    } else {
        Err(Error::KeyNotAllowed {
            what: "private keys are P-256 or P-384",
        })
    }
}

fn curve_oid(curve: EccCurve) -> Result<ObjectIdentifier> {
    match curve {
        EccCurve::NistP256 => Ok(SECP256R1),
        EccCurve::NistP384 => Ok(SECP384R1),
        EccCurve::NistP521 => Err(Error::KeyNotAllowed {
            what: "private keys are P-256 or P-384",
        }),
    }
}

/// The number of significant bits of a big-endian integer.
pub(crate) fn bit_length(v: &[u8]) -> usize {
    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    match v.get(first..) {
        Some([top, rest @ ..]) => rest.len() * 8 + (8 - top.leading_zeros() as usize),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0xff]), 15);
    }

    #[test]
    fn rsa_sizes_outside_2048_to_4096_are_refused() {
        for ok in [2048u16, 3072, 4096] {
            assert_eq!(check_rsa_bits(ok), Ok(()));
        }
        for bad in [0u16, 1024, 2047, 4097, 8192] {
            assert!(matches!(
                check_rsa_bits(bad),
                Err(Error::KeyNotAllowed { .. })
            ));
        }
        assert!(check_curve(EccCurve::NistP521).is_err());
    }

    #[test]
    fn ec_scalar_is_the_curve_size_and_in_range() {
        let c = EccCurve::NistP256;
        assert_eq!(check_ec_scalar(c, &[1; 32]), Ok(()));
        let out_of_range = Err(Error::InvalidValue {
            what: "EC private scalar outside [1, n-1]",
        });
        assert_eq!(check_ec_scalar(c, &[0; 32]), out_of_range);
        assert_eq!(check_ec_scalar(c, c.order()), out_of_range);
        assert_eq!(check_ec_scalar(c, &[0xff; 32]), out_of_range);
        assert!(matches!(
            check_ec_scalar(c, &[1; 31]),
            Err(Error::InvalidFormat { .. })
        ));
    }
}
