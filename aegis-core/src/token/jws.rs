//! The JWS compact layer proof tokens share (RFC 7515, 7.1): strict parsing (size cap, base64url
//! without padding, JSON objects without duplicate members), the header `jwk` as a public key,
//! the algorithm allow-list, signing through a [`Signer`] and verifying with the header key.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::b64;
use crate::crypto::{
    verify_digest, CryptoProvider, KeyCache, SignatureFormat, SignatureRef, SignatureValue, Signer,
};
use crate::ear::Algorithm;
use crate::error::{Error, Result};
use crate::json::Strict;
use crate::keys::PublicKey;
use crate::tpm::EccCurve;

/// The largest proof token accepted, in bytes.
pub const MAX_PROOF_SIZE: usize = 8192;

/// Members of a JWK that only a private key has (RFC 7518, 6.2.2, 6.3.2 and 6.4).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// base64url without padding (RFC 7515, 2), as bytes.
pub(crate) fn b64_decode(part: &str, what: &'static str) -> Result<Vec<u8>> {
    b64::decode_url(part.as_bytes()).map_err(|_| Error::TokenMalformed { what })
}

/// base64url(SHA-256(`bytes`)): `ath` (RFC 9449, 4.2) and WPT's `wth`/`tth`/`oth`.
pub fn token_hash(bytes: &[u8]) -> String {
    b64::encode_url(&Sha256::digest(bytes))
}

/// A base64url part holding a JSON object, parsed strictly.
fn object(part: &str, what: &'static str) -> Result<Map<String, Value>> {
    let bytes = b64_decode(part, what)?;
    match serde_json::from_slice::<Strict>(&bytes) {
        Ok(Strict(Value::Object(m))) => Ok(m),
        _ => Err(Error::TokenMalformed { what }),
    }
}

/// The public key a header `jwk` holds: EC on P-256/P-384 with full-size coordinates, or RSA.
/// `TokenJwkPrivate` for any private member, `TokenJwkInvalid` for anything else wrong.
pub fn parse_jwk(jwk: &Value) -> Result<PublicKey> {
    let Value::Object(m) = jwk else {
        return Err(Error::TokenJwkInvalid {
            what: "jwk is not an object",
        });
    };
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|p| m.contains_key(**p)) {
        return Err(Error::TokenJwkPrivate {
            member: (*member).to_owned(),
        });
    }
    let field = |name: &str, what: &'static str| -> Result<Vec<u8>> {
        match m.get(name) {
            Some(Value::String(s)) => {
                b64::decode_url(s.as_bytes()).map_err(|_| Error::TokenJwkInvalid { what })
            }
            _ => Err(Error::TokenJwkInvalid { what }),
        }
    };
    match m.get("kty").and_then(Value::as_str) {
        Some("EC") => {
            let curve = match m.get("crv").and_then(Value::as_str) {
                Some("P-256") => EccCurve::NistP256,
                Some("P-384") => EccCurve::NistP384,
                _ => {
                    return Err(Error::TokenJwkInvalid {
                        what: "crv is not P-256 or P-384",
                    })
                }
            };
            let x = field("x", "x is not base64url")?;
            let y = field("y", "y is not base64url")?;
            if x.len() != curve.coordinate_size() || y.len() != curve.coordinate_size() {
                return Err(Error::TokenJwkInvalid {
                    what: "EC coordinate is not the curve size",
                });
            }
            Ok(PublicKey::Ecc { curve, x, y })
        }
        Some("RSA") => {
            let modulus = field("n", "n is not base64url")?;
            let e = field("e", "e is not base64url")?;
            if modulus.first().map_or(true, |b| *b == 0) || e.first().map_or(true, |b| *b == 0) {
                return Err(Error::TokenJwkInvalid {
                    what: "RSA n or e empty or with a leading zero",
                });
            }
            if e.len() > 4 {
                return Err(Error::TokenJwkInvalid {
                    what: "RSA e larger than 32 bits",
                });
            }
            let exponent = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
            Ok(PublicKey::Rsa { modulus, exponent })
        }
        _ => Err(Error::TokenJwkInvalid {
            what: "kty is not EC or RSA",
        }),
    }
}

/// Signs `claims` as a JWS compact token with header `{"alg","jwk","typ"}`: the signing input is
/// hashed here, the digest signed by `signer` (a software key or the TPM App Key), ECDSA as raw
/// r||s padded to the curve size, RSA as PS256.
pub(crate) fn sign(signer: &dyn Signer, typ: &str, claims: &Value) -> Result<String> {
    let alg = Algorithm::of_signer(signer)?;
    let jwk: Value =
        serde_json::from_str(&signer.public_key().to_jwk()?).map_err(|_| Error::InvalidValue {
            what: "JWK of the signer",
        })?;
    let header = serde_json::json!({"alg": alg.jws_name(), "jwk": jwk, "typ": typ});
    let enc = |v: &Value| -> Result<String> {
        serde_json::to_vec(v)
            .map(|b| b64::encode_url(&b))
            .map_err(|_| Error::InvalidValue {
                what: "proof token JSON",
            })
    };
    let mut token = enc(&header)?;
    token.push('.');
    token.push_str(&enc(claims)?);
    let scheme = alg.scheme();
    let digest = scheme.hash().digest(token.as_bytes());
    let sig =
        signer
            .sign_digest(&digest)?
            .encode(SignatureFormat::Raw, scheme, signer.public_key())?;
    token.push('.');
    b64::encode_url_append(&sig, &mut token);
    Ok(token)
}

/// A token whose structure, header and signature are checked.
pub(crate) struct Checked {
    pub(crate) key: PublicKey,
    pub(crate) jkt: String,
    pub(crate) alg: Algorithm,
    pub(crate) claims: Map<String, Value>,
}

/// Checks a compact JWS: size, three base64url parts of strict JSON, no `crit`, `typ` equal to
/// `typ`, `alg` on `algorithms`, a public `jwk` fitting the `alg`, and the signature.
pub(crate) fn check(
    provider: &dyn CryptoProvider,
    token: &[u8],
    typ: &str,
    algorithms: &[Algorithm],
) -> Result<Checked> {
    if token.len() > MAX_PROOF_SIZE {
        return Err(Error::SizeOutOfRange {
            what: "proof token",
            size: token.len(),
            max: MAX_PROOF_SIZE,
        });
    }
    let text = core::str::from_utf8(token).map_err(|_| Error::TokenMalformed {
        what: "token is not text",
    })?;
    let mut parts = text.split('.');
    let (Some(header_b64), Some(claims_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::TokenMalformed {
            what: "JWS compact serialization has not three parts",
        });
    };
    let header = object(header_b64, "header is not a base64url JSON object")?;
    let claims = object(claims_b64, "claims are not a base64url JSON object")?;
    let sig = b64_decode(sig_b64, "signature is not base64url")?;
    if header.contains_key("crit") {
        return Err(Error::TokenMalformed {
            what: "crit (no extension is understood)",
        });
    }
    match header.get("typ") {
        Some(Value::String(t)) if t == typ => {}
        Some(Value::String(t)) => {
            return Err(Error::TokenTypeInvalid {
                typ: t.chars().take(32).collect(),
            })
        }
        _ => return Err(Error::TokenTypeInvalid { typ: String::new() }),
    }
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let not_allowed = || Error::TokenAlgorithmNotAllowed {
        alg: alg_name.chars().take(32).collect(),
    };
    let alg = Algorithm::from_jws_name(alg_name).map_err(|_| not_allowed())?;
    if !algorithms.contains(&alg) {
        return Err(not_allowed());
    }
    let key = parse_jwk(header.get("jwk").ok_or(Error::TokenJwkInvalid {
        what: "jwk missing",
    })?)?;
    if !alg.fits(&key) {
        return Err(Error::TokenJwkAlgorithmMismatch);
    }
    let scheme = alg.scheme();
    let value = SignatureValue::decode(SignatureFormat::Raw, &sig, scheme, &key)
        .map_err(|_| Error::TokenSignatureInvalid)?;
    let sig_ref = match &value {
        SignatureValue::Rsa(b) => SignatureRef::RsaPss(b),
        SignatureValue::Ecdsa { r, s } => SignatureRef::Ecdsa { r, s },
    };
    let signing_input = text
        .get(..header_b64.len() + 1 + claims_b64.len())
        .unwrap_or_default();
    let digest = scheme.hash().digest(signing_input.as_bytes());
    verify_digest(
        provider,
        &key,
        &KeyCache::default(),
        scheme.hash(),
        &digest,
        sig_ref,
    )
    .map_err(|_| Error::TokenSignatureInvalid)?;
    let jkt = key.jwk_thumbprint_b64()?;
    Ok(Checked {
        key,
        jkt,
        alg,
        claims,
    })
}

/// A required string claim.
pub(crate) fn str_claim<'a>(claims: &'a Map<String, Value>, name: &'static str) -> Result<&'a str> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .ok_or(Error::TokenClaimMissing { claim: name })
}

/// A required non-negative integer claim (a float such as `1.0` is refused).
pub(crate) fn int_claim(claims: &Map<String, Value>, name: &'static str) -> Result<u64> {
    match claims.get(name) {
        None => Err(Error::TokenClaimMissing { claim: name }),
        Some(v) => v.as_u64().ok_or(Error::TokenMalformed {
            what: "time claim is not a non-negative integer",
        }),
    }
}
