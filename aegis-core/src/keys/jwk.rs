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
        let mut jwk = String::with_capacity(256);
        match self {
            PublicKey::Ecc { curve, x, y } => {
                let crv = match curve {
                    EccCurve::NistP256 => "P-256",
                    EccCurve::NistP384 => "P-384",
                    EccCurve::NistP521 => "P-521",
                };
                let mut padded = [0u8; MAX_COORDINATE];
                jwk.push_str(r#"{"crv":""#);
                jwk.push_str(crv);
                jwk.push_str(r#"","kty":"EC","x":""#);
                URL_SAFE_NO_PAD.encode_string(left_pad(x, *curve, &mut padded)?, &mut jwk);
                jwk.push_str(r#"","y":""#);
                URL_SAFE_NO_PAD.encode_string(left_pad(y, *curve, &mut padded)?, &mut jwk);
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
                jwk.push_str(r#"{"e":""#);
                URL_SAFE_NO_PAD.encode_string(e, &mut jwk);
                jwk.push_str(r#"","kty":"RSA","n":""#);
                URL_SAFE_NO_PAD.encode_string(n, &mut jwk);
            }
        }
        jwk.push_str(r#""}"#);
        Ok(jwk)
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
        match self {
            PublicKey::Ecc { curve, x, y } => {
                let mut h = Sha256::new();
                for part in super::spki::ecc_spki_parts(*curve, x, y)? {
                    h.update(part);
                }
                Ok(h.finalize().into())
            }
            PublicKey::Rsa { .. } => Ok(Sha256::digest(self.to_spki_der()?).into()),
        }
    }
}

/// The largest coordinate (P-521's 66 bytes).
const MAX_COORDINATE: usize = 66;

/// A coordinate left-padded with zeros to the curve size (never stripped: RFC 7518, 6.2.1.2),
/// in `buf`.
fn left_pad<'b>(v: &[u8], curve: EccCurve, buf: &'b mut [u8; MAX_COORDINATE]) -> Result<&'b [u8]> {
    let v = super::strip_leading_zeros(v);
    let size = curve.coordinate_size();
    let too_long = Error::SizeOutOfRange {
        what: "EC coordinate",
        size: v.len(),
        max: size,
    };
    let padded = buf.get_mut(..size).ok_or(too_long.clone())?;
    let start = size.checked_sub(v.len()).ok_or(too_long)?;
    let (zeros, tail) = padded.split_at_mut(start);
    zeros.fill(0);
    tail.copy_from_slice(v);
    Ok(padded)
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
