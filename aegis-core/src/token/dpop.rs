//! DPoR and DPoG proofs (FORMATS.md, "Proof tokens"): RFC 9449 DPoP proofs signed by the
//! TPM-resident App Key, typ `dpor+jwt` and `dpog+jwt`.
//!
//! A DPoG proof is a DPoR proof plus one claim, [`LOCATION_CLAIM`] (a URI-named, hence
//! collision-resistant, claim name per RFC 7519, 4.2), holding a [`Location`].
//!
//! Verification order, each step its own error:
//! 1. the JWS: size, structure, duplicate members (`TokenMalformed`), `typ`
//!    (`TokenTypeInvalid`), `alg` (`TokenAlgorithmNotAllowed`), `jwk` (`TokenJwkPrivate`,
//!    `TokenJwkInvalid`), `alg` fits `jwk` (`TokenJwkAlgorithmMismatch`), the signature
//!    (`TokenSignatureInvalid`);
//! 2. claims: `jti`, `htm`, `htu`, integer `iat` (`TokenClaimMissing`, `TokenMalformed`);
//!    `htm` (`TokenHtmMismatch`); `htu` with scheme and host case-insensitive, percent-encodings and dot segments normalised, the default port
//!    dropped, query and fragment ignored (`TokenHtuMismatch`); `iat` in the window
//!    (`TokenIatOutOfWindow`); `nonce` (`TokenNonceMismatch`); `ath` (`TokenAthMismatch`);
//!    `cnf.jkt` (`TokenCnfJktMismatch`);
//! 3. residency ([`Residency`]): `TokenResidencyStale`, `TokenKeyNotResident`,
//!    `TokenResidencyNotAffirming`;
//! 4. DPoG: location against the EAR's `location` submod geoAR claims
//!    (`TokenLocationMismatch`), the caller's allowed countries (`TokenLocationNotAllowed`) and
//!    the caller's geofence policy (`GeofencePolicy::check_place`: the `Geofence*` error of the
//!    rule that denies);
//! 5. `jti` replay through the [`ReplayCache`] (id = thumbprint ":" jti; kept until iat + the
//!    window): `TokenReplayed`, or the cache's own errors (fail closed).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::jws::{self, int_claim, str_claim, token_hash};
use super::ReplayCache;
use crate::crypto::{CryptoProvider, Signer};
use crate::ear::{Algorithm, Status, VerifiedEar, DEFAULT_ALGORITHMS};
use crate::error::{Error, Result};
use crate::geo::fence::GeofencePolicy;
use crate::geo::SensorType;
use crate::keys::PublicKey;
use crate::svid::claims::AttestedClaims;
use crate::svid::VerifiedSvid;
use crate::time::UnixTime;

/// The DPoG location claim's name (collision-resistant: a URN, RFC 7519 4.2).
pub const LOCATION_CLAIM: &str = "urn:aegis:claims:dpog:location";

/// Which proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProofKind {
    /// DPoR: residency (`typ` "dpor+jwt").
    Dpor,
    /// DPoG: residency and geolocation (`typ` "dpog+jwt").
    Dpog,
}

impl ProofKind {
    /// The JWS `typ`.
    pub fn typ(self) -> &'static str {
        match self {
            ProofKind::Dpor => "dpor+jwt",
            ProofKind::Dpog => "dpog+jwt",
        }
    }
}

/// DPoG location claims (FORMATS.md: server workload, location type, coordinates or region,
/// quality).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// The server workload ID or URL the location is asserted for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// "precise", "approximated" or "region".
    #[serde(rename = "type")]
    pub kind: String,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-2 subdivision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Latitude in degrees (precise or approximated locations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// "gnss", "mobile", "wifi" or "ip".
    pub quality: String,
}

impl Location {
    /// `TokenMalformed` unless the type and quality are known names and coordinates in range.
    pub fn check(&self) -> Result<()> {
        let bad = |what| Err(Error::TokenMalformed { what });
        if !["precise", "approximated", "region"].contains(&self.kind.as_str()) {
            return bad("location type is not precise, approximated or region");
        }
        if !["gnss", "mobile", "wifi", "ip"].contains(&self.quality.as_str()) {
            return bad("location quality is not gnss, mobile, wifi or ip");
        }
        if self.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l))
            || self
                .longitude
                .is_some_and(|l| !(-180.0..=180.0).contains(&l))
        {
            return bad("location coordinates out of range");
        }
        Ok(())
    }
}

/// What a proof is minted for.
#[derive(Clone, Copy, Debug)]
pub struct ProofRequest<'a> {
    /// The HTTP method.
    pub htm: &'a str,
    /// The HTTP target URI (without query and fragment).
    pub htu: &'a str,
    /// The issue time.
    pub iat: UnixTime,
    /// A unique identifier (the caller draws it from a random source: the core has no RNG).
    pub jti: &'a str,
    /// The server's `DPoR-Nonce`, when it sent one.
    pub nonce: Option<&'a str>,
    /// The access token the proof goes with (its hash becomes `ath`).
    pub access_token: Option<&'a [u8]>,
}

fn claims(req: &ProofRequest<'_>) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("jti".into(), json!(req.jti));
    c.insert("htm".into(), json!(req.htm));
    c.insert("htu".into(), json!(req.htu));
    c.insert("iat".into(), json!(req.iat.as_secs()));
    if let Some(n) = req.nonce {
        c.insert("nonce".into(), json!(n));
    }
    if let Some(t) = req.access_token {
        c.insert("ath".into(), json!(token_hash(t)));
    }
    c
}

/// Mints a DPoR proof signed by `signer` (software key or TPM App Key).
pub fn mint_dpor(signer: &dyn Signer, req: &ProofRequest<'_>) -> Result<String> {
    jws::sign(signer, ProofKind::Dpor.typ(), &Value::Object(claims(req)))
}

/// Mints a DPoG proof: a DPoR proof plus `location` under [`LOCATION_CLAIM`].
pub fn mint_dpog(
    signer: &dyn Signer,
    req: &ProofRequest<'_>,
    location: &Location,
) -> Result<String> {
    location.check()?;
    let mut c = claims(req);
    let loc = serde_json::to_value(location).map_err(|_| Error::InvalidValue {
        what: "location claims",
    })?;
    c.insert(LOCATION_CLAIM.into(), loc);
    jws::sign(signer, ProofKind::Dpog.typ(), &Value::Object(c))
}

/// What proves the proof key resides in an attested TPM (FORMATS.md, Proof tokens: "named in a
/// fresh, affirming attestation result from a trusted verifier, or carried in an SVID chain whose
/// AttestedClaims certify it").
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Residency<'a> {
    /// A verified EAR (from `ear::verify_token` with a trusted verifier key) whose
    /// `workload-key` submod names the key (`verifier_claims.app_key.jkt`) and is affirming.
    Ear {
        /// The verified attestation result.
        ear: &'a VerifiedEar,
        /// How old (by its `iat`) the result may be, in seconds.
        max_age: u64,
    },
    /// An X.509-SVID the caller verified ([`crate::svid::verify_svid`] against its trust bundle,
    /// at the proof's verification time: the SVID's validity is the freshness bound) whose
    /// AttestedClaims name the key (`grc.tpm-attestation.app_key.jkt`) with the `status`
    /// affirming (required here: no EAR stands behind the claims); a DPoG's place is checked
    /// against the claims' `grc.geolocation` jurisdiction.
    Svid {
        /// The verified SVID.
        svid: &'a VerifiedSvid,
    },
}

/// Step 3: residency of the key with thumbprint `jkt`.
pub fn check_residency(residency: &Residency<'_>, jkt: &str, now: UnixTime) -> Result<()> {
    match residency {
        Residency::Ear { ear, max_age } => {
            let claims = ear.ear();
            let oldest = i64::try_from(now.saturating_sub(*max_age).as_secs()).unwrap_or(i64::MAX);
            if claims.iat < oldest {
                return Err(Error::TokenResidencyStale {
                    iat: claims.iat,
                    now: now.as_secs(),
                });
            }
            let naming = claims.submods.values().find(|s| {
                s.verifier_claims
                    .as_ref()
                    .and_then(|v| v.pointer("/app_key/jkt"))
                    .and_then(Value::as_str)
                    == Some(jkt)
            });
            let Some(submod) = naming else {
                return Err(Error::TokenKeyNotResident);
            };
            if submod.status != Status::Affirming
                || claims.status.is_some_and(|s| s != Status::Affirming)
            {
                return Err(Error::TokenResidencyNotAffirming);
            }
            Ok(())
        }
        Residency::Svid { svid } => {
            let claims = svid_claims(svid)?;
            let attestation = claims.tpm_attestation.as_ref();
            if attestation
                .and_then(|t| t.app_key.as_ref())
                .map(|k| k.jkt.as_str())
                != Some(jkt)
            {
                return Err(Error::TokenKeyNotResident);
            }
            if attestation.and_then(|t| t.status) != Some(Status::Affirming) {
                return Err(Error::TokenResidencyNotAffirming);
            }
            Ok(())
        }
    }
}

/// The typed AttestedClaims of a verified SVID's leaf; none is a key the SVID does not name.
fn svid_claims(svid: &VerifiedSvid) -> Result<AttestedClaims> {
    let raw = svid.attested_claims().ok_or(Error::TokenKeyNotResident)?;
    AttestedClaims::from_json(raw.as_bytes())
}

/// The resource server's expectations for a proof; [`ProofPolicy::new`] gives the defaults.
#[derive(Clone, Copy, Debug)]
pub struct ProofPolicy<'a> {
    /// DPoR or DPoG.
    pub kind: ProofKind,
    /// The request's method.
    pub htm: &'a str,
    /// The request's target URI.
    pub htu: &'a str,
    /// The verification time.
    pub now: UnixTime,
    /// Accepted algorithms ([`DEFAULT_ALGORITHMS`]: ES256, ES384, PS256).
    pub algorithms: &'a [Algorithm],
    /// How old `iat` may be, in seconds (60); also how long a `jti` is remembered.
    pub max_age: u64,
    /// How far `iat` may lie in the future, in seconds (5).
    pub max_skew: u64,
    /// The nonce the server issued, when it expects one.
    pub nonce: Option<&'a str>,
    /// The access token presented with the proof, when one is.
    pub access_token: Option<&'a [u8]>,
    /// The access token's `cnf.jkt`, when it has one.
    pub cnf_jkt: Option<&'a str>,
    /// DPoG: the countries (ISO 3166-1 alpha-2) the geofence allows; `None` allows any the EAR
    /// affirms.
    pub allowed_countries: Option<&'a [&'a str]>,
    /// DPoG: the relying party's own geofence policy, applied to the proof's place
    /// ([`GeofencePolicy::check_place`]: its quality as the sensor type, its country and
    /// subdivision); `None` applies none.
    pub geofence: Option<&'a GeofencePolicy>,
}

impl<'a> ProofPolicy<'a> {
    /// A policy for `kind` on `htm htu` at `now`: default algorithms, 60 s past, 5 s future, no
    /// nonce, no access token, no geofence.
    pub fn new(kind: ProofKind, htm: &'a str, htu: &'a str, now: UnixTime) -> Self {
        ProofPolicy {
            kind,
            htm,
            htu,
            now,
            algorithms: DEFAULT_ALGORITHMS,
            max_age: 60,
            max_skew: 5,
            nonce: None,
            access_token: None,
            cnf_jkt: None,
            allowed_countries: None,
            geofence: None,
        }
    }
}

/// A proof that passed every check.
#[derive(Clone, Debug)]
pub struct VerifiedProof {
    /// DPoR or DPoG.
    pub kind: ProofKind,
    /// The proof key (the App Key).
    pub key: PublicKey,
    /// Its RFC 7638 thumbprint, base64url.
    pub jkt: String,
    /// The algorithm.
    pub alg: Algorithm,
    /// `jti`.
    pub jti: String,
    /// `iat`.
    pub iat: u64,
    /// DPoG: the location claims.
    pub location: Option<Location>,
}

/// `htu` per RFC 9449 4.3 item 9 and RFC 3986 6.2.2/6.2.3: scheme and host lower-cased, the
/// default port dropped, an empty path as "/", the path's percent-encodings normalised and its
/// dot segments removed, query and fragment removed. `None` when `u` is
/// not an absolute http(s) URI.
pub fn normalise_htu(u: &str) -> Option<String> {
    let u = u.split('#').next()?.split('?').next()?;
    let (scheme, rest) = u.split_once("://")?;
    let (scheme, default_port) = if scheme.eq_ignore_ascii_case("https") {
        ("https", 443)
    } else if scheme.eq_ignore_ascii_case("http") {
        ("http", 80)
    } else {
        return None;
    };
    let (auth, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if auth.is_empty() || auth.contains('@') {
        return None;
    }
    let (host, port) = match auth.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6.split_once(']')?;
            if !after.is_empty() && !after.starts_with(':') {
                return None;
            }
            // "[h]": auth up to and including the first ']'.
            (auth.get(..h.len() + 2)?, after.strip_prefix(':'))
        }
        None => match auth.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (auth, None),
        },
    };
    if port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().ok()?).filter(|p| *p != default_port),
    };
    // RFC 3986 6.2.2.2-3, only when the path has a percent-encoding or a dot segment (every dot
    // segment follows a "/").
    let normalised;
    let path = if path.contains('%') || path.contains("/.") {
        normalised = remove_dot_segments(&normalise_percent_encoding(path)?);
        normalised.as_str()
    } else {
        path
    };
    // Built by hand rather than with format!: this runs twice in every proof verification.
    let mut out = String::with_capacity(scheme.len() + 3 + host.len() + 6 + path.len());
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host);
    out.make_ascii_lowercase();
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p.to_string());
    }
    out.push_str(path);
    Some(out)
}

/// RFC 3986, 6.2.2.1 and 6.2.2.2: percent-encoded unreserved characters decoded, other
/// percent-encodings with upper-case hex digits. `None` for a `%` not followed by two hex digits.
fn normalise_percent_encoding(path: &str) -> Option<String> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(path.len());
    let mut bytes = path.bytes();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let (hi, lo) = (bytes.next()?, bytes.next()?);
        let value = u8::try_from(hex(hi)? * 16 + hex(lo)?).ok()?;
        if value.is_ascii_alphanumeric() || b"-._~".contains(&value) {
            out.push(value);
        } else {
            out.extend([b'%', hi.to_ascii_uppercase(), lo.to_ascii_uppercase()]);
        }
    }
    // Only ASCII bytes were decoded, so the text stays the UTF-8 it was.
    String::from_utf8(out).ok()
}

/// RFC 3986, 5.2.4 (6.2.2.3): `.` and `..` segments of an absolute path removed.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => {
                out.push(other);
                continue;
            }
        }
        // A final dot segment leaves the directory it names: "/a/b/.." is "/a/".
        if last {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

/// Verifies a DPoR or DPoG proof in the order of this module's documentation.
pub fn verify_proof(
    provider: &dyn CryptoProvider,
    token: &[u8],
    policy: &ProofPolicy<'_>,
    residency: &Residency<'_>,
    replay: &dyn ReplayCache,
) -> Result<VerifiedProof> {
    let checked = jws::check(
        provider,
        token.trim_ascii(),
        policy.kind.typ(),
        policy.algorithms,
    )?;
    let c = &checked.claims;
    let jti = str_claim(c, "jti")?;
    if jti.is_empty() || jti.len() > 256 {
        return Err(Error::TokenMalformed {
            what: "jti empty or longer than 256 bytes",
        });
    }
    let htm = str_claim(c, "htm")?;
    let htu = str_claim(c, "htu")?;
    let iat = int_claim(c, "iat")?;
    if htm != policy.htm {
        return Err(Error::TokenHtmMismatch);
    }
    let expected = normalise_htu(policy.htu).ok_or(Error::InvalidArgument {
        what: "the request URI is not an absolute http(s) URI",
    })?;
    if normalise_htu(htu).as_deref() != Some(expected.as_str()) {
        return Err(Error::TokenHtuMismatch);
    }
    let now = policy.now.as_secs();
    if iat > now.saturating_add(policy.max_skew) || iat.saturating_add(policy.max_age) < now {
        return Err(Error::TokenIatOutOfWindow { iat, now });
    }
    if let Some(nonce) = policy.nonce {
        if c.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(Error::TokenNonceMismatch);
        }
    }
    if let Some(at) = policy.access_token {
        if c.get("ath").and_then(Value::as_str) != Some(token_hash(at).as_str()) {
            return Err(Error::TokenAthMismatch);
        }
    }
    if let Some(cnf) = policy.cnf_jkt {
        if cnf != checked.jkt {
            return Err(Error::TokenCnfJktMismatch);
        }
    }
    check_residency(residency, &checked.jkt, policy.now)?;
    let location = match policy.kind {
        ProofKind::Dpor => None,
        ProofKind::Dpog => {
            let loc: Location = c
                .get(LOCATION_CLAIM)
                .ok_or(Error::TokenClaimMissing {
                    claim: LOCATION_CLAIM,
                })
                .and_then(|v| {
                    Location::deserialize(v).map_err(|_| Error::TokenMalformed {
                        what: "location claim",
                    })
                })?;
            loc.check()?;
            check_location(&loc, residency, policy)?;
            Some(loc)
        }
    };
    let mut replay_id = String::with_capacity(checked.jkt.len() + 1 + jti.len());
    replay_id.push_str(&checked.jkt);
    replay_id.push(':');
    replay_id.push_str(jti);
    replay.check_and_insert(
        &replay_id,
        policy.now,
        UnixTime::from_secs(iat.saturating_add(policy.max_age)),
    )?;
    Ok(VerifiedProof {
        kind: policy.kind,
        jkt: checked.jkt,
        key: checked.key,
        alg: checked.alg,
        jti: jti.to_owned(),
        iat,
        location,
    })
}

/// Step 4: the proof's country and subdivision equal the EAR's `location` submod geoAR claims
/// (case-insensitively; a claim the proof makes that the EAR lacks is a mismatch), the country
/// is allowed, and the caller's geofence accepts the place.
fn check_location(
    loc: &Location,
    residency: &Residency<'_>,
    policy: &ProofPolicy<'_>,
) -> Result<()> {
    // The attested place: the EAR's `location` submod geoAR claims, or the SVID claims'
    // `grc.geolocation` jurisdiction.
    let (country, subdivision) = match residency {
        Residency::Ear { ear, .. } => {
            let geo = ear.ear().submods.get("location").map(|s| &s.geo).ok_or(
                Error::TokenLocationMismatch {
                    field: "location submod",
                },
            )?;
            (geo.country.clone(), geo.subdivision.clone())
        }
        Residency::Svid { svid } => {
            let geo = svid_claims(svid)?
                .geolocation
                .ok_or(Error::TokenLocationMismatch {
                    field: "grc.geolocation",
                })?;
            (geo.country, geo.subdivision)
        }
    };
    let same = |mine: &Option<String>, theirs: &Option<String>| match mine {
        None => true,
        Some(m) => theirs.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(m)),
    };
    if loc.country.is_none() || !same(&loc.country, &country) {
        return Err(Error::TokenLocationMismatch { field: "country" });
    }
    if !same(&loc.subdivision, &subdivision) {
        return Err(Error::TokenLocationMismatch {
            field: "subdivision",
        });
    }
    if let (Some(allowed), Some(country)) = (policy.allowed_countries, &loc.country) {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(country)) {
            return Err(Error::TokenLocationNotAllowed);
        }
    }
    if let (Some(fence), Some(country)) = (policy.geofence, &loc.country) {
        // Location::check admitted only the four qualities, each a sensor type.
        let sensor = SensorType::from_name(&loc.quality).ok_or(Error::TokenMalformed {
            what: "location quality is not gnss, mobile, wifi or ip",
        })?;
        // The EAR's claims are upper case ISO codes; the proof matched them case-insensitively.
        fence.check_place(
            sensor,
            &country.to_ascii_uppercase(),
            loc.subdivision
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref(),
        )?;
    }
    Ok(())
}
