//! Signing and verifying EAR tokens: JWT as JWS compact (RFC 7515, 7.1; RFC 7519) and CWT as a
//! tagged COSE_Sign1 (RFC 9052, 4.2; RFC 8392), both over the crate's crypto providers.
//!
//! Verification order (each step its own error; [`verify_jwt`] and [`verify_cwt`] alike):
//! 1. size at most [`super::MAX_TOKEN_SIZE`] (`SizeOutOfRange`);
//! 2. the token's structure (`EarMalformed`; `TrailingBytes` after a COSE_Sign1);
//! 3. the header: no `crit`, no JWS `b64` (`EarHeaderInvalid`); the algorithm on the caller's
//!    allow-list (`EarAlgorithmNotAllowed`: `none`, HMAC and any other name always are) and
//!    fitting the caller's key (`EarAlgorithmKeyMismatch`). The key in the token, if any, is
//!    never used;
//! 4. the signature (`SignatureInvalid`, or `SignatureLength` for raw r||s of the wrong size);
//! 5. the claims: JSON or CBOR (`EarMalformed`), a known profile (`EarUnknownProfile`), the
//!    mandatory claims (`EarClaimMissing`), integer times (`EarNonIntegerTime`), types
//!    (`EarClaimInvalid`, `EarGeoInvalid`); unknown claims are kept;
//! 6. times: `exp` after `now` (`EarExpired`), `iat` at most `max_clock_skew` after `now`
//!    (`EarIssuedInFuture`);
//! 7. the nonce, when the caller expects one (`EarNonceMismatch`): the top-level `eat_nonce`, if
//!    present, and every submod `eat_nonce` present equal it, and at least one is present;
//! 8. the status rule ([`Ear::check_status_rule`]).

use coset::{iana, AsCborValue, CoseSign1, CoseSign1Builder, HeaderBuilder};

use super::{cbor, json, Dialect, Ear, MAX_TOKEN_SIZE};
use crate::b64;
use crate::crypto::{
    verify_digest, CryptoProvider, KeyCache, SignatureFormat, SignatureRef, SignatureScheme,
    SignatureValue, Signer,
};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::time::UnixTime;
use crate::tpm::{EccCurve, HashAlg};

/// A signature algorithm for EAR tokens (RFC 7518, 3.1; RFC 9053, 2.1 and RFC 8230, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (JWS "ES256", COSE -7). The default.
    Es256,
    /// ECDSA P-384 with SHA-384 (JWS "ES384", COSE -35).
    Es384,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256 (JWS "PS256", COSE -37); RSA of 2048 bits or
    /// more.
    Ps256,
}

/// The allow-list [`VerifyOptions::new`] starts with.
pub const DEFAULT_ALGORITHMS: &[Algorithm] =
    &[Algorithm::Es256, Algorithm::Es384, Algorithm::Ps256];

impl Algorithm {
    /// The JWS `alg` name.
    pub fn jws_name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::Ps256 => "PS256",
        }
    }

    /// The algorithm of a JWS `alg` name; `EarAlgorithmNotAllowed` for any other (`none`,
    /// `HS256`, ...).
    pub fn from_jws_name(name: &str) -> Result<Self> {
        match name {
            "ES256" => Ok(Algorithm::Es256),
            "ES384" => Ok(Algorithm::Es384),
            "PS256" => Ok(Algorithm::Ps256),
            other => Err(Error::EarAlgorithmNotAllowed {
                alg: other.chars().take(32).collect(),
            }),
        }
    }

    fn cose(self) -> iana::Algorithm {
        match self {
            Algorithm::Es256 => iana::Algorithm::ES256,
            Algorithm::Es384 => iana::Algorithm::ES384,
            Algorithm::Ps256 => iana::Algorithm::PS256,
        }
    }

    /// The signature scheme (hash and padding) this algorithm signs with.
    pub fn scheme(self) -> SignatureScheme {
        match self {
            Algorithm::Es256 => SignatureScheme::Ecdsa(HashAlg::Sha256),
            Algorithm::Es384 => SignatureScheme::Ecdsa(HashAlg::Sha384),
            Algorithm::Ps256 => SignatureScheme::RsaPss(HashAlg::Sha256),
        }
    }

    /// Whether `key` is one this algorithm signs with: ES256 a P-256 key, ES384 a P-384 key,
    /// PS256 an RSA key of 2048 bits or more.
    pub fn fits(self, key: &PublicKey) -> bool {
        match (self, key) {
            (Algorithm::Es256, PublicKey::Ecc { curve, .. }) => *curve == EccCurve::NistP256,
            (Algorithm::Es384, PublicKey::Ecc { curve, .. }) => *curve == EccCurve::NistP384,
            (Algorithm::Ps256, PublicKey::Rsa { .. }) => key.bits() >= 2048,
            _ => false,
        }
    }

    /// The algorithm for a key: ES256 for P-256, ES384 for P-384, PS256 for RSA of 2048 bits or
    /// more; `InvalidArgument` for any other key. What a software signer for EAR uses.
    pub fn for_key(key: &PublicKey) -> Result<Self> {
        [Algorithm::Es256, Algorithm::Es384, Algorithm::Ps256]
            .into_iter()
            .find(|a| a.fits(key))
            .ok_or(Error::InvalidArgument {
                what: "EAR key: ECDSA P-256, ECDSA P-384 or RSA of 2048 bits or more",
            })
    }

    /// The algorithm of a signer: ECDSA SHA-256 on P-256, ECDSA SHA-384 on P-384, or RSA-PSS
    /// SHA-256; `InvalidArgument` for any other scheme and key.
    pub fn of_signer(signer: &dyn Signer) -> Result<Self> {
        [Algorithm::Es256, Algorithm::Es384, Algorithm::Ps256]
            .into_iter()
            .find(|a| a.scheme() == signer.scheme() && a.fits(signer.public_key()))
            .ok_or(Error::InvalidArgument {
                what: "EAR signer: ECDSA P-256/SHA-256, ECDSA P-384/SHA-384 or RSA-PSS/SHA-256",
            })
    }
}

/// What a token is checked against: every ambient input is the caller's.
#[derive(Clone, Copy, Debug)]
pub struct VerifyOptions<'a> {
    /// The issuer's public key (never a key from the token).
    pub key: &'a PublicKey,
    /// The algorithms accepted.
    pub algorithms: &'a [Algorithm],
    /// The verification time.
    pub now: UnixTime,
    /// The nonce the token must carry, when the caller sent one.
    pub nonce: Option<&'a [u8]>,
    /// How far `iat` may lie after `now`, in seconds (clocks differ); 60 by default.
    pub max_clock_skew: u64,
}

impl<'a> VerifyOptions<'a> {
    /// Options for `key` at `now`: [`DEFAULT_ALGORITHMS`], no nonce, 60 s of clock skew.
    pub fn new(key: &'a PublicKey, now: UnixTime) -> Self {
        VerifyOptions {
            key,
            algorithms: DEFAULT_ALGORITHMS,
            now,
            nonce: None,
            max_clock_skew: 60,
        }
    }
}

/// An EAR whose signature and claims [`verify_jwt`] or [`verify_cwt`] checked; only they make
/// one.
#[derive(Clone, Debug)]
pub struct VerifiedEar {
    ear: Ear,
    dialect: Dialect,
    algorithm: Algorithm,
    format: TokenFormat,
}

/// How a token is serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenFormat {
    /// JWT: JWS compact serialization (RFC 7515, 7.1).
    Jwt,
    /// CWT: COSE_Sign1 (RFC 9052, 4.2).
    Cwt,
}

impl TokenFormat {
    /// "jwt" or "cwt".
    pub fn name(self) -> &'static str {
        match self {
            TokenFormat::Jwt => "jwt",
            TokenFormat::Cwt => "cwt",
        }
    }
}

impl VerifiedEar {
    /// The claims.
    pub fn ear(&self) -> &Ear {
        &self.ear
    }

    /// The dialect the token's `eat_profile` named.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The algorithm the token was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether the token was a JWT or a CWT.
    pub fn format(&self) -> TokenFormat {
        self.format
    }

    /// The claims, owned.
    pub fn into_ear(self) -> Ear {
        self.ear
    }
}

pub(crate) fn sign_message(signer: &dyn Signer, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>> {
    let scheme = alg.scheme();
    let digest = scheme.hash().hash_parts(&[message]);
    signer
        .sign_digest(&digest)?
        .encode(SignatureFormat::Raw, scheme, signer.public_key())
}

/// A JWT (JWS compact, header `{"alg":..,"typ":"JWT"}`) of claims JSON already written, with the
/// algorithm the signer's scheme and key give ([`Algorithm::of_signer`]); ECDSA signatures are
/// raw r||s (RFC 7518, 3.4).
pub(crate) fn sign_jwt_claims(signer: &dyn Signer, claims: &[u8]) -> Result<String> {
    let alg = Algorithm::of_signer(signer)?;
    let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.jws_name());
    // One buffer for the whole token: base64 takes 4 characters per 3 bytes, and an RSA
    // signature (the longest) at most 512 bytes.
    let mut token = String::with_capacity((header.len() + claims.len() + 512) / 3 * 4 + 8);
    b64::encode_url_append(header.as_bytes(), &mut token);
    token.push('.');
    b64::encode_url_append(claims, &mut token);
    let sig = sign_message(signer, alg, token.as_bytes())?;
    token.push('.');
    b64::encode_url_append(&sig, &mut token);
    Ok(token)
}

impl Ear {
    /// Signs the claims as a JWT (JWS compact, header `{"alg":..,"typ":"JWT"}`) in `dialect`,
    /// with the algorithm the signer's scheme and key give ([`Algorithm::of_signer`]); ECDSA
    /// signatures are raw r||s (RFC 7518, 3.4). The status rule is checked first.
    pub fn sign_jwt(&self, signer: &dyn Signer, dialect: Dialect) -> Result<String> {
        self.check_status_rule()?;
        sign_jwt_claims(signer, &json::to_bytes(self, dialect)?)
    }

    /// Signs the claims as a CWT: a COSE_Sign1 with tag 18, the algorithm in the protected
    /// header, the claims as deterministic CBOR with `dialect`'s profile, raw r||s for ECDSA
    /// (RFC 9053, 2.1). The status rule is checked first.
    pub fn sign_cwt(&self, signer: &dyn Signer, dialect: Dialect) -> Result<Vec<u8>> {
        self.check_status_rule()?;
        let alg = Algorithm::of_signer(signer)?;
        let sign1 = CoseSign1Builder::new()
            .protected(HeaderBuilder::new().algorithm(alg.cose()).build())
            .payload(self.to_cbor(dialect)?)
            .try_create_signature(&[], |tbs| sign_message(signer, alg, tbs))?
            .build();
        let value = sign1.to_cbor_value().map_err(|_| Error::InvalidArgument {
            what: "COSE_Sign1 could not be written",
        })?;
        let mut out = Vec::new();
        cbor::write_canonical(
            &ciborium::value::Value::Tag(iana::CborTag::CoseSign1 as u64, Box::new(value)),
            &mut out,
        )?;
        Ok(out)
    }
}

fn check_size(len: usize) -> Result<()> {
    if len > MAX_TOKEN_SIZE {
        return Err(Error::SizeOutOfRange {
            what: "EAR token",
            size: len,
            max: MAX_TOKEN_SIZE,
        });
    }
    Ok(())
}

/// Step 3's second half and step 4: the algorithm is allowed and fits the key, and `sig` is its
/// signature over `message` with `options.key`.
fn check_signature(
    provider: &dyn CryptoProvider,
    options: &VerifyOptions<'_>,
    alg: Algorithm,
    message: &[u8],
    sig: &[u8],
) -> Result<()> {
    if !options.algorithms.contains(&alg) {
        return Err(Error::EarAlgorithmNotAllowed {
            alg: alg.jws_name().into(),
        });
    }
    if !alg.fits(options.key) {
        return Err(Error::EarAlgorithmKeyMismatch);
    }
    let scheme = alg.scheme();
    let value = SignatureValue::decode(SignatureFormat::Raw, sig, scheme, options.key)?;
    let sig_ref = match &value {
        SignatureValue::Rsa(b) => SignatureRef::RsaPss(b),
        SignatureValue::Ecdsa { r, s } => SignatureRef::Ecdsa { r, s },
    };
    let digest = scheme.hash().digest(message);
    verify_digest(
        provider,
        options.key,
        &KeyCache::default(),
        scheme.hash(),
        &digest,
        sig_ref,
    )
}

/// Steps 6 to 8 on decoded claims.
fn check_claims(
    ear: Ear,
    dialect: Dialect,
    alg: Algorithm,
    format: TokenFormat,
    options: &VerifyOptions<'_>,
) -> Result<VerifiedEar> {
    let now = options.now.as_secs();
    let now_i = i64::try_from(now).unwrap_or(i64::MAX);
    if let Some(exp) = ear.exp {
        if exp <= now_i {
            return Err(Error::EarExpired { exp, now });
        }
    }
    let skew = i64::try_from(options.max_clock_skew).unwrap_or(i64::MAX);
    if ear.iat > now_i.saturating_add(skew) {
        return Err(Error::EarIssuedInFuture { iat: ear.iat, now });
    }
    if let Some(expected) = options.nonce {
        let carried: Vec<&Vec<u8>> = ear
            .nonce
            .iter()
            .chain(ear.submods.values().filter_map(|s| s.nonce.as_ref()))
            .collect();
        if carried.is_empty() || carried.iter().any(|n| n.as_slice() != expected) {
            return Err(Error::EarNonceMismatch);
        }
    }
    ear.check_status_rule()?;
    Ok(VerifiedEar {
        ear,
        dialect,
        algorithm: alg,
        format,
    })
}

fn b64_part(part: &str, what: &'static str) -> Result<Vec<u8>> {
    b64::decode_url(part.as_bytes()).map_err(|_| Error::EarMalformed { what })
}

/// Verifies a JWT EAR (JWS compact serialization) against `options`, in the order of this
/// module's documentation. Leading and trailing ASCII whitespace is not part of a token.
pub fn verify_jwt(
    provider: &dyn CryptoProvider,
    token: &[u8],
    options: &VerifyOptions<'_>,
) -> Result<VerifiedEar> {
    check_size(token.len())?;
    let text = core::str::from_utf8(token).map_err(|_| Error::EarMalformed {
        what: "JWS is not text",
    })?;
    let parts: Vec<&str> = text.split('.').collect();
    let [header_b64, payload_b64, sig_b64] = parts.as_slice() else {
        return Err(Error::EarMalformed {
            what: "JWS compact serialization has not three parts",
        });
    };
    let header: serde_json::Value =
        serde_json::from_slice(&b64_part(header_b64, "JWS header is not base64url")?).map_err(
            |_| Error::EarMalformed {
                what: "JWS header is not JSON",
            },
        )?;
    let serde_json::Value::Object(header) = header else {
        return Err(Error::EarMalformed {
            what: "JWS header is not a JSON object",
        });
    };
    if header.contains_key("crit") {
        return Err(Error::EarHeaderInvalid {
            what: "crit (no extension is understood)",
        });
    }
    if header.contains_key("b64") {
        return Err(Error::EarHeaderInvalid {
            what: "b64 (RFC 7797 unencoded payloads are refused)",
        });
    }
    let alg = match header.get("alg") {
        Some(serde_json::Value::String(name)) => Algorithm::from_jws_name(name)?,
        _ => {
            return Err(Error::EarHeaderInvalid {
                what: "alg missing or not text",
            })
        }
    };
    let sig = b64_part(sig_b64, "JWS signature is not base64url")?;
    let payload = b64_part(payload_b64, "JWS payload is not base64url")?;
    let signing_input = text
        .get(..header_b64.len() + 1 + payload_b64.len())
        .unwrap_or_default();
    check_signature(provider, options, alg, signing_input.as_bytes(), &sig)?;
    let (ear, dialect) = json::decode(&payload)?;
    check_claims(ear, dialect, alg, TokenFormat::Jwt, options)
}

/// Verifies a CWT EAR (COSE_Sign1, tagged 18 or untagged, optionally inside the CWT tag 61)
/// against `options`, in the order of this module's documentation. The algorithm must be in the
/// protected header; the external AAD is empty.
pub fn verify_cwt(
    provider: &dyn CryptoProvider,
    token: &[u8],
    options: &VerifyOptions<'_>,
) -> Result<VerifiedEar> {
    use ciborium::value::Value;
    check_size(token.len())?;
    let mut value = cbor::read_item(token, "COSE_Sign1")?;
    if let Value::Tag(61, inner) = value {
        value = *inner;
    }
    if let Value::Tag(tag, inner) = value {
        if tag != iana::CborTag::CoseSign1 as u64 {
            return Err(Error::EarMalformed {
                what: "CBOR tag is not COSE_Sign1 (18)",
            });
        }
        value = *inner;
    }
    let sign1 = CoseSign1::from_cbor_value(value).map_err(|_| Error::EarMalformed {
        what: "not a COSE_Sign1",
    })?;
    let protected = &sign1.protected.header;
    if !protected.crit.is_empty() {
        return Err(Error::EarHeaderInvalid {
            what: "crit (no extension is understood)",
        });
    }
    let alg = match &protected.alg {
        Some(coset::Algorithm::Assigned(iana::Algorithm::ES256)) => Algorithm::Es256,
        Some(coset::Algorithm::Assigned(iana::Algorithm::ES384)) => Algorithm::Es384,
        Some(coset::Algorithm::Assigned(iana::Algorithm::PS256)) => Algorithm::Ps256,
        Some(other) => {
            return Err(Error::EarAlgorithmNotAllowed {
                alg: format!("COSE {other:?}").chars().take(48).collect(),
            })
        }
        None => {
            return Err(Error::EarHeaderInvalid {
                what: "alg missing from the protected header",
            })
        }
    };
    let payload = sign1.payload.as_deref().ok_or(Error::EarMalformed {
        what: "COSE_Sign1 payload is detached",
    })?;
    check_signature(
        provider,
        options,
        alg,
        &sign1.tbs_data(&[]),
        &sign1.signature,
    )?;
    let (ear, dialect) = cbor::decode(payload)?;
    check_claims(ear, dialect, alg, TokenFormat::Cwt, options)
}

/// Verifies a token of either form, told apart by content: ASCII whitespace around it is
/// dropped; text with two `.` is a JWT ([`verify_jwt`]); other text is a CWT in base64 (standard
/// or URL-safe alphabet, padded or not); anything else is a binary CWT ([`verify_cwt`]).
pub fn verify_token(
    provider: &dyn CryptoProvider,
    token: &[u8],
    options: &VerifyOptions<'_>,
) -> Result<VerifiedEar> {
    check_size(token.len())?;
    let trimmed = token.trim_ascii();
    let is_text = !trimmed.is_empty()
        && trimmed
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+/=".contains(b));
    if !is_text {
        return verify_cwt(provider, token, options);
    }
    if trimmed.iter().filter(|b| **b == b'.').count() == 2 {
        return verify_jwt(provider, trimmed, options);
    }
    let text: Vec<u8> = trimmed
        .iter()
        .filter(|b| **b != b'=')
        .map(|b| match b {
            b'+' => b'-',
            b'/' => b'_',
            other => *other,
        })
        .collect();
    let cwt = b64::decode_url(&text).map_err(|_| Error::EarMalformed {
        what: "token is neither a JWT, a CWT nor base64 of a CWT",
    })?;
    verify_cwt(provider, &cwt, options)
}
