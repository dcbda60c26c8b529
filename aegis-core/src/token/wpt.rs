//! WIMSE workload proof tokens (draft-ietf-wimse-wpt-02): `typ` "wpt+jwt", claims `aud`, `exp`,
//! `jti`, `wth` (hash of the Workload Identity Token), optional `tth` (hash of an access token)
//! and `oth` (hashes of other tokens, by name); no `iat`, no `ath`. Each hash is
//! base64url(SHA-256(token)).
//!
//! Aegis puts the signing key in the header `jwk` as DPoR does; the verifier compares its
//! thumbprint with the Workload Identity Token's confirmation key (`wit_jkt`) when given, and
//! applies the same residency check ([`super::Residency`]).
//!
//! Verification order: the JWS (as for DPoR); `aud` (`TokenAudienceMismatch`); integer `exp`
//! after now and at most `max_lifetime` ahead (`TokenExpired`); `wth`, `tth`, each expected
//! `oth` member (`TokenHashMismatch`); `wit_jkt` (`TokenCnfJktMismatch`); residency; `jti`
//! replay, remembered until `exp`.

use serde_json::{json, Map, Value};

use super::jws::{self, int_claim, str_claim, token_hash};
use super::{check_residency, ReplayCache, Residency};
use crate::crypto::{CryptoProvider, Signer};
use crate::ear::{Algorithm, DEFAULT_ALGORITHMS};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::time::UnixTime;

/// The WPT `typ`.
pub const WPT_TYP: &str = "wpt+jwt";

/// What a WPT is minted for.
#[derive(Clone, Copy, Debug)]
pub struct WptRequest<'a> {
    /// The audience (the target URI or service).
    pub aud: &'a str,
    /// The expiry.
    pub exp: UnixTime,
    /// A unique identifier (the caller draws it).
    pub jti: &'a str,
    /// The Workload Identity Token the WPT goes with.
    pub wit: &'a [u8],
    /// An access token sent with it, if any.
    pub access_token: Option<&'a [u8]>,
    /// Other tokens sent with it, by name.
    pub other: &'a [(&'a str, &'a [u8])],
}

/// Mints a WPT signed by `signer`.
pub fn mint_wpt(signer: &dyn Signer, req: &WptRequest<'_>) -> Result<String> {
    let mut c = Map::new();
    c.insert("aud".into(), json!(req.aud));
    c.insert("exp".into(), json!(req.exp.as_secs()));
    c.insert("jti".into(), json!(req.jti));
    c.insert("wth".into(), json!(token_hash(req.wit)));
    if let Some(t) = req.access_token {
        c.insert("tth".into(), json!(token_hash(t)));
    }
    if !req.other.is_empty() {
        let oth: Map<String, Value> = req
            .other
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(token_hash(v))))
            .collect();
        c.insert("oth".into(), Value::Object(oth));
    }
    jws::sign(signer, WPT_TYP, &Value::Object(c))
}

/// The receiving workload's expectations; [`WptPolicy::new`] gives the defaults.
#[derive(Clone, Copy, Debug)]
pub struct WptPolicy<'a> {
    /// The expected `aud`.
    pub aud: &'a str,
    /// The verification time.
    pub now: UnixTime,
    /// The Workload Identity Token presented (its hash must be `wth`).
    pub wit: &'a [u8],
    /// The WIT's confirmation key thumbprint, when the caller has it.
    pub wit_jkt: Option<&'a str>,
    /// The access token presented, if any (its hash must be `tth`).
    pub access_token: Option<&'a [u8]>,
    /// Other tokens presented, by name (each hash must be in `oth`).
    pub other: &'a [(&'a str, &'a [u8])],
    /// Accepted algorithms.
    pub algorithms: &'a [Algorithm],
    /// How far `exp` may lie ahead, in seconds (300).
    pub max_lifetime: u64,
}

impl<'a> WptPolicy<'a> {
    /// A policy for `aud` and `wit` at `now`: default algorithms, 300 s lifetime at most.
    pub fn new(aud: &'a str, wit: &'a [u8], now: UnixTime) -> Self {
        WptPolicy {
            aud,
            now,
            wit,
            wit_jkt: None,
            access_token: None,
            other: &[],
            algorithms: DEFAULT_ALGORITHMS,
            max_lifetime: 300,
        }
    }
}

/// A WPT that passed every check.
#[derive(Clone, Debug)]
pub struct VerifiedWpt {
    /// The signing key.
    pub key: PublicKey,
    /// Its RFC 7638 thumbprint.
    pub jkt: String,
    /// `jti`.
    pub jti: String,
    /// `exp`.
    pub exp: u64,
}

fn hash_matches(c: &Map<String, Value>, claim: &str, token: &[u8]) -> Result<()> {
    if c.get(claim).and_then(Value::as_str) == Some(token_hash(token).as_str()) {
        Ok(())
    } else {
        Err(Error::TokenHashMismatch {
            claim: claim.chars().take(64).collect(),
        })
    }
}

/// Verifies a WPT in the order of this module's documentation.
pub fn verify_wpt(
    provider: &dyn CryptoProvider,
    token: &[u8],
    policy: &WptPolicy<'_>,
    residency: &Residency<'_>,
    replay: &dyn ReplayCache,
) -> Result<VerifiedWpt> {
    let checked = jws::check(provider, token.trim_ascii(), WPT_TYP, policy.algorithms)?;
    let c = &checked.claims;
    let jti = str_claim(c, "jti")?;
    if jti.is_empty() || jti.len() > 256 {
        return Err(Error::TokenMalformed {
            what: "jti empty or longer than 256 bytes",
        });
    }
    if str_claim(c, "aud")? != policy.aud {
        return Err(Error::TokenAudienceMismatch);
    }
    let exp = int_claim(c, "exp")?;
    let now = policy.now.as_secs();
    if exp <= now || exp > now.saturating_add(policy.max_lifetime) {
        return Err(Error::TokenExpired { exp, now });
    }
    hash_matches(c, "wth", policy.wit)?;
    if let Some(at) = policy.access_token {
        hash_matches(c, "tth", at)?;
    }
    if !policy.other.is_empty() {
        let oth = c.get("oth").and_then(Value::as_object);
        for (name, tok) in policy.other {
            match oth {
                Some(o) => hash_matches(o, name, tok)?,
                None => {
                    return Err(Error::TokenHashMismatch {
                        claim: "oth".into(),
                    })
                }
            }
        }
    }
    if let Some(jkt) = policy.wit_jkt {
        if jkt != checked.jkt {
            return Err(Error::TokenCnfJktMismatch);
        }
    }
    check_residency(residency, &checked.jkt, policy.now)?;
    replay.check_and_insert(
        &format!("{}:{jti}", checked.jkt),
        policy.now,
        UnixTime::from_secs(exp),
    )?;
    Ok(VerifiedWpt {
        key: checked.key,
        jkt: checked.jkt,
        jti: jti.to_owned(),
        exp,
    })
}
