//! Public keys as JSON Web Keys (RFC 7517, RFC 7518 section 6) and their RFC 7638 thumbprints:
//! how an attestation result names the App Key and how a proof token's `jwk` and an access
//! token's `cnf.jkt` refer to it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::PublicKey;
use crate::error::{Error, Result};
use crate::tpm::EccCurve;

impl PublicKey {
    /// The JWK of the key with only its required members, in lexicographic order and without
    /// whitespace: the RFC 7638 section 3.2 form, which is also a valid JWK to publish.
    /// EC (RFC 7518, 6.2.1): `crv`, `kty`, `x`, `y`, each coordinate the full curve size.
    /// RSA (6.3.1): `e`, `kty`, `n`, as unsigned big-endian octets without leading zeros.
    pub fn to_jwk(&self) -> Result<String> {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match self {
            PublicKey::Ecc { curve, x, y } => {
                let crv = match curve {
                    EccCurve::NistP256 => "P-256",
                    EccCurve::NistP384 => "P-384",
                    EccCurve::NistP521 => "P-521",
                };
                let x = left_pad(x, curve.coordinate_size())?;
                let y = left_pad(y, curve.coordinate_size())?;
                Ok(format!(
                    r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#,
                    b64(&x),
                    b64(&y)
                ))
            }
            PublicKey::Rsa { modulus, exponent } => {
                let e = exponent.to_be_bytes();
                let e = super::strip_leading_zeros(&e);
                let n = super::strip_leading_zeros(modulus);
                if n.is_empty() || e.is_empty() {
                    return Err(Error::InvalidValue {
                        what: "RSA key with a zero modulus or exponent",
                    });
                }
                Ok(format!(
                    r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                    b64(e),
                    b64(n)
                ))
            }
        }
    }

    /// The RFC 7638 JWK thumbprint: SHA-256 of [`PublicKey::to_jwk`].
    pub fn jwk_thumbprint(&self) -> Result<[u8; 32]> {
        Ok(Sha256::digest(self.to_jwk()?.as_bytes()).into())
    }

    /// The thumbprint base64url-encoded without padding, as `cnf.jkt` carries it (RFC 9449, 6.1).
    pub fn jwk_thumbprint_b64(&self) -> Result<String> {
        Ok(URL_SAFE_NO_PAD.encode(self.jwk_thumbprint()?))
    }

    /// SHA-256 of the key's SubjectPublicKeyInfo DER (RFC 5280, 4.1.2.7).
    pub fn spki_sha256(&self) -> Result<[u8; 32]> {
        Ok(Sha256::digest(self.to_spki_der()?).into())
    }
}

/// A coordinate left-padded with zeros to the curve size (never stripped: RFC 7518, 6.2.1.2).
fn left_pad(v: &[u8], size: usize) -> Result<Vec<u8>> {
    let v = super::strip_leading_zeros(v);
    if v.len() > size {
        return Err(Error::SizeOutOfRange {
            what: "EC coordinate",
            size: v.len(),
            max: size,
        });
    }
    let mut out = vec![0u8; size - v.len()];
    out.extend_from_slice(v);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// RFC 7638, section 3.1: the example RSA key and its thumbprint.
    #[test]
    fn rfc7638_section_3_1_known_answer() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let key = PublicKey::Rsa {
            modulus: URL_SAFE_NO_PAD.decode(n).unwrap(),
            exponent: 65537,
        };
        assert_eq!(
            key.to_jwk().unwrap(),
            format!(r#"{{"e":"AQAB","kty":"RSA","n":"{n}"}}"#)
        );
        assert_eq!(
            key.jwk_thumbprint_b64().unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    /// A P-256 coordinate with a leading zero byte keeps its full 32 bytes in the JWK.
    #[test]
    fn ec_coordinates_are_padded_to_the_curve_size() {
        let mut x = vec![0u8; 32];
        x[1..].fill(0x11);
        let key = PublicKey::Ecc {
            curve: EccCurve::NistP256,
            x: x[1..].to_vec(),
            y: vec![0x22; 32],
        };
        let jwk: serde_json::Value = serde_json::from_str(&key.to_jwk().unwrap()).unwrap();
        let x_out = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        assert_eq!(x_out, x);
        assert_eq!(jwk["crv"], "P-256");
    }

    #[test]
    fn oversized_coordinate_is_refused() {
        let key = PublicKey::Ecc {
            curve: EccCurve::NistP256,
            x: vec![0x11; 33],
            y: vec![0x22; 32],
        };
        assert!(matches!(key.to_jwk(), Err(Error::SizeOutOfRange { .. })));
    }

    #[test]
    fn rsa_key_with_a_zero_modulus_is_refused() {
        let key = PublicKey::Rsa {
            modulus: vec![0; 256],
            exponent: 65537,
        };
        assert!(matches!(key.to_jwk(), Err(Error::InvalidValue { .. })));
    }
}
