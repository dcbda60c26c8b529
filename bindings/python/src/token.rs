//! Proof tokens (aegis_core::token, docs/proof-tokens.md): `mint_dpor`, `mint_dpog` and
//! `mint_wpt` with a `PrivateKey`; `verify_proof` and `verify_wpt` against a verified `Ear` and a
//! shared `ReplayCache`; `jwk_thumbprint`.

use aegis_core::crypto::default_provider;
use aegis_core::ear::{self, Algorithm};
use aegis_core::time::UnixTime;
use aegis_core::token::{
    self, Location, MemoryReplayCache, ProofKind, ProofPolicy, ProofRequest, Residency,
    VerifiedProof as CoreProof, VerifiedWpt as CoreWpt, WptPolicy, WptRequest,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping, PyString};

use crate::args::{str_repr, ByteArg};
use crate::ear::{ear_signer, Ear};
use crate::errors::{invalid_argument, IntoPyResult};
use crate::sign::{PrivateKey, PublicKey};

/// A bounded in-memory replay cache for proof-token `jti`s: sharded, each entry kept until its
/// token's window ends; a full cache fails closed (ReplayCacheFull). One cache may be shared by
/// verifications on many threads.
///
/// Args:
///     capacity: the most unexpired identifiers it holds (rounded up to its shard count).
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct ReplayCache {
    inner: MemoryReplayCache,
}

#[pymethods]
impl ReplayCache {
    #[new]
    fn new(capacity: usize) -> Self {
        ReplayCache {
            inner: MemoryReplayCache::new(capacity),
        }
    }

    /// How many identifiers the cache holds (expired ones not yet evicted included).
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("ReplayCache(len={})", self.inner.len())
    }
}

/// A DPoR or DPoG proof that passed every check: only `verify_proof` makes one.
///
/// Attributes:
///     kind (str): "dpor" or "dpog".
///     algorithm (str): "ES256", "ES384" or "PS256".
///     jkt (str): the proof key's RFC 7638 thumbprint (base64url).
///     jti (str): the proof's identifier.
///     iat (int): the issue time, seconds since the Unix epoch.
///     location (dict | None): DPoG's verified location claims; None for DPoR.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct VerifiedProof {
    inner: CoreProof,
}

fn kind_name(kind: ProofKind) -> &'static str {
    match kind {
        ProofKind::Dpor => "dpor",
        ProofKind::Dpog => "dpog",
    }
}

#[pymethods]
impl VerifiedProof {
    /// "dpor" or "dpog".
    #[getter]
    fn kind(&self) -> &'static str {
        kind_name(self.inner.kind)
    }

    /// "ES256", "ES384" or "PS256".
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.alg.jws_name()
    }

    /// The proof key's RFC 7638 thumbprint (base64url).
    #[getter]
    fn jkt(&self) -> &str {
        &self.inner.jkt
    }

    /// The proof's identifier.
    #[getter]
    fn jti(&self) -> &str {
        &self.inner.jti
    }

    /// The issue time, seconds since the Unix epoch.
    #[getter]
    fn iat(&self) -> u64 {
        self.inner.iat
    }

    /// DPoG's verified location claims (type, quality, country, ...); None for DPoR.
    #[getter]
    fn location<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(loc) = &self.inner.location else {
            return Ok(None);
        };
        let json = serde_json::to_string(loc)
            .map_err(|_| invalid_argument(py, "location claims do not serialize"))?;
        let decoded = py.import("json")?.call_method1("loads", (json,))?;
        Ok(Some(decoded.downcast_into::<PyDict>()?))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "VerifiedProof(kind={}, algorithm={}, jkt={}, jti={}, iat={})",
            str_repr(py, self.kind()),
            str_repr(py, self.algorithm()),
            str_repr(py, &self.inner.jkt),
            str_repr(py, &self.inner.jti),
            self.inner.iat
        )
    }
}

/// A WIMSE workload proof token that passed every check: only `verify_wpt` makes one.
///
/// Attributes:
///     jkt (str): the signing key's RFC 7638 thumbprint.
///     jti (str): the token's identifier.
///     exp (int): its expiry, seconds since the Unix epoch.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct VerifiedWpt {
    inner: CoreWpt,
}

#[pymethods]
impl VerifiedWpt {
    /// The signing key's RFC 7638 thumbprint (base64url).
    #[getter]
    fn jkt(&self) -> &str {
        &self.inner.jkt
    }

    /// The token's identifier.
    #[getter]
    fn jti(&self) -> &str {
        &self.inner.jti
    }

    /// The expiry, seconds since the Unix epoch.
    #[getter]
    fn exp(&self) -> u64 {
        self.inner.exp
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "VerifiedWpt(jkt={}, jti={}, exp={})",
            str_repr(py, &self.inner.jkt),
            str_repr(py, &self.inner.jti),
            self.inner.exp
        )
    }
}

/// A token or other text-like argument: str (UTF-8) or a bytes-like object.
fn text_or_bytes(arg: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match arg.downcast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.as_bytes().to_vec()),
        Err(_) => Ok(arg.extract::<ByteArg<'_>>()?.to_vec()),
    }
}

fn optional_bytes(arg: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    arg.map(text_or_bytes).transpose()
}

/// The `other` tokens of a WPT (its `oth` claim, draft-ietf-wimse-wpt): a mapping of name ->
/// token (str or bytes-like); none when absent.
fn other_tokens(other: Option<&Bound<'_, PyMapping>>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let Some(m) = other else {
        return Ok(Vec::new());
    };
    m.items()?
        .iter()
        .map(|item| {
            let (k, v): (String, Bound<'_, PyAny>) = item.extract()?;
            Ok((k, text_or_bytes(&v)?))
        })
        .collect()
}

fn by_name(other: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    other
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect()
}

fn algorithms(py: Python<'_>, names: Option<Vec<String>>) -> PyResult<Vec<Algorithm>> {
    match names {
        None => Ok(ear::DEFAULT_ALGORITHMS.to_vec()),
        Some(names) => names
            .iter()
            .map(|n| {
                Algorithm::from_jws_name(n).map_err(|_| {
                    invalid_argument(py, "unknown proof algorithm (ES256, ES384, PS256)")
                })
            })
            .collect(),
    }
}

/// The RFC 7638 JWK thumbprint of a public key: SHA-256, base64url (the `jkt` of `cnf` and of
/// an EAR's `app_key`).
///
/// Args:
///     key: the PublicKey.
///
/// Returns:
///     str: the thumbprint (43 characters).
///
/// Raises:
///     UsageError: the key has no JWK form.
#[pyfunction]
pub fn jwk_thumbprint(py: Python<'_>, key: &Bound<'_, PublicKey>) -> PyResult<String> {
    key.get().inner.jwk_thumbprint_b64().py_err(py)
}

/// Signs a DPoR or DPoG proof with `key` (the GIL is released while signing).
#[allow(clippy::too_many_arguments)]
fn mint(
    py: Python<'_>,
    key: &PrivateKey,
    location: Option<Location>,
    htm: &str,
    htu: &str,
    iat: u64,
    jti: &str,
    nonce: Option<&str>,
    access_token: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let access_token = optional_bytes(access_token)?;
    let signer = ear_signer(py, key)?;
    let req = ProofRequest {
        htm,
        htu,
        iat: UnixTime::from_secs(iat),
        jti,
        nonce,
        access_token: access_token.as_deref(),
    };
    py.allow_threads(|| match &location {
        None => token::mint_dpor(&signer, &req),
        Some(loc) => token::mint_dpog(&signer, &req, loc),
    })
    .py_err(py)
}

/// Mints a DPoR proof (typ "dpor+jwt", RFC 9449 DPoP signed by the App Key): ES256 for P-256,
/// ES384 for P-384, PS256 for RSA.
///
/// Args:
///     key: the App Key, a PrivateKey.
///     htm: keyword-only; the HTTP method.
///     htu: keyword-only; the HTTP target URI.
///     iat: keyword-only; the issue time, seconds since the Unix epoch.
///     jti: keyword-only; a unique identifier (draw it from a random source).
///     nonce: keyword-only; the server's DPoR-Nonce, or None.
///     access_token: keyword-only; the access token (str or bytes-like) whose hash becomes
///         `ath`, or None.
///
/// Returns:
///     str: the compact JWT.
///
/// Raises:
///     UsageError: a key with no proof algorithm, or an argument of the wrong type.
#[pyfunction]
#[pyo3(signature = (key, *, htm, htu, iat, jti, nonce = None, access_token = None))]
#[allow(clippy::too_many_arguments)]
pub fn mint_dpor(
    py: Python<'_>,
    key: &Bound<'_, PrivateKey>,
    htm: &str,
    htu: &str,
    iat: u64,
    jti: &str,
    nonce: Option<&str>,
    access_token: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    mint(py, key.get(), None, htm, htu, iat, jti, nonce, access_token)
}

/// Mints a DPoG proof (typ "dpog+jwt"): a DPoR proof plus location claims under
/// "urn:aegis:claims:dpog:location".
///
/// Args:
///     key: the App Key, a PrivateKey.
///     location: the location claims, a dict or JSON (str or bytes): "type" ("precise",
///         "approximated", "region"), "quality" ("gnss", "mobile", "wifi", "ip"), and "country",
///         "subdivision", "city", "latitude", "longitude", "server" as known.
///     htm: keyword-only; the HTTP method.
///     htu: keyword-only; the HTTP target URI.
///     iat: keyword-only; the issue time, seconds since the Unix epoch.
///     jti: keyword-only; a unique identifier (draw it from a random source).
///     nonce: keyword-only; the server's DPoR-Nonce, or None.
///     access_token: keyword-only; the access token whose hash becomes `ath`, or None.
///
/// Returns:
///     str: the compact JWT.
///
/// Raises:
///     ParseError: `location` is not location claims (InvalidFormat).
///     TokenError: unknown type or quality names, or coordinates out of range (TokenMalformed).
///     UsageError: a key with no proof algorithm, or an argument of the wrong type.
#[pyfunction]
#[pyo3(signature = (key, location, *, htm, htu, iat, jti, nonce = None, access_token = None))]
#[allow(clippy::too_many_arguments)]
pub fn mint_dpog(
    py: Python<'_>,
    key: &Bound<'_, PrivateKey>,
    location: &Bound<'_, PyAny>,
    htm: &str,
    htu: &str,
    iat: u64,
    jti: &str,
    nonce: Option<&str>,
    access_token: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let json: Vec<u8> = if location.is_instance_of::<PyDict>() {
        let text = py.import("json")?.call_method1("dumps", (location,))?;
        text.extract::<String>()?.into_bytes()
    } else {
        text_or_bytes(location)?
    };
    let loc: Location = serde_json::from_slice(&json)
        .map_err(|_| aegis_core::Error::InvalidFormat {
            what: "location JSON (type, quality, country, ...)",
        })
        .py_err(py)?;
    mint(
        py,
        key.get(),
        Some(loc),
        htm,
        htu,
        iat,
        jti,
        nonce,
        access_token,
    )
}

/// Mints a WIMSE workload proof token (typ "wpt+jwt", draft-ietf-wimse-wpt-02) signed with
/// `key` as `mint_dpor` signs.
///
/// Args:
///     key: the App Key, a PrivateKey.
///     aud: keyword-only; the audience.
///     exp: keyword-only; the expiry, seconds since the Unix epoch.
///     jti: keyword-only; a unique identifier.
///     wit: keyword-only; the Workload Identity Token (str or bytes-like; its hash becomes wth).
///     access_token: keyword-only; an access token sent with it (its hash becomes tth), or None.
///     other: keyword-only; other tokens sent with it, a mapping of name -> token (str or
///         bytes-like; their hashes become oth), or None.
///
/// Returns:
///     str: the compact JWT.
///
/// Raises:
///     UsageError: a key with no proof algorithm, or an argument of the wrong type.
#[pyfunction]
#[pyo3(signature = (key, *, aud, exp, jti, wit, access_token = None, other = None))]
#[allow(clippy::too_many_arguments)]
pub fn mint_wpt(
    py: Python<'_>,
    key: &Bound<'_, PrivateKey>,
    aud: &str,
    exp: u64,
    jti: &str,
    wit: &Bound<'_, PyAny>,
    access_token: Option<&Bound<'_, PyAny>>,
    other: Option<&Bound<'_, PyMapping>>,
) -> PyResult<String> {
    let wit = text_or_bytes(wit)?;
    let access_token = optional_bytes(access_token)?;
    let other = other_tokens(other)?;
    let other = by_name(&other);
    let signer = ear_signer(py, key.get())?;
    let req = WptRequest {
        aud,
        exp: UnixTime::from_secs(exp),
        jti,
        wit: &wit,
        access_token: access_token.as_deref(),
        other: &other,
    };
    py.allow_threads(|| token::mint_wpt(&signer, &req))
        .py_err(py)
}

/// Verifies a DPoR or DPoG proof as a resource server (the GIL is released while verifying):
/// the JWS (typ, alg allow-list, a public jwk fitting alg, the signature), htm, htu (RFC 9449
/// comparison), the iat window, nonce, ath, cnf.jkt, then residency (the key's thumbprint named
/// by the affirming `ear`, at most `ear_max_age` seconds old), DPoG location, and last the jti
/// in `replay_cache`.
///
/// Args:
///     token: the proof, str or bytes-like.
///     kind: keyword-only; "dpor" or "dpog".
///     htm: keyword-only; the request's method.
///     htu: keyword-only; the request's target URI.
///     now: keyword-only; the verification time, seconds since the Unix epoch.
///     ear: keyword-only; the Ear (from `verify_ear` with the verifier's trusted key).
///     ear_max_age: keyword-only; how old the EAR may be, in seconds.
///     replay_cache: keyword-only; the ReplayCache this server's verifications share.
///     nonce: keyword-only; the nonce the server issued, or None.
///     access_token: keyword-only; the access token presented (str or bytes-like), or None.
///     cnf_jkt: keyword-only; the access token's cnf.jkt, or None.
///     allowed_countries: keyword-only; DPoG: ISO 3166-1 alpha-2 countries the geofence allows
///         (None: any the EAR affirms).
///     algorithms: keyword-only; accepted algorithms (default "ES256", "ES384", "PS256").
///     max_age: keyword-only; how old iat may be, in seconds (60).
///     max_skew: keyword-only; how far iat may lie in the future, in seconds (5).
///
/// Returns:
///     VerifiedProof: what was verified.
///
/// Raises:
///     TokenError: the failed check (its `.name`: TokenTypeInvalid, TokenHtuMismatch,
///         TokenIatOutOfWindow, TokenKeyNotResident, TokenReplayed, ReplayCacheFull, ...).
///     ParseError: an oversized token.
///     UsageError: an unknown kind or algorithm, or an htu that is not an absolute http(s) URI.
#[pyfunction]
#[pyo3(signature = (
    token, *, kind, htm, htu, now, ear, ear_max_age, replay_cache, nonce = None,
    access_token = None, cnf_jkt = None, allowed_countries = None, algorithms = None,
    max_age = 60, max_skew = 5
))]
#[allow(clippy::too_many_arguments)]
pub fn verify_proof(
    py: Python<'_>,
    token: &Bound<'_, PyAny>,
    kind: &str,
    htm: &str,
    htu: &str,
    now: u64,
    ear: &Bound<'_, Ear>,
    ear_max_age: u64,
    replay_cache: &Bound<'_, ReplayCache>,
    nonce: Option<&str>,
    access_token: Option<&Bound<'_, PyAny>>,
    cnf_jkt: Option<&str>,
    allowed_countries: Option<Vec<String>>,
    algorithms: Option<Vec<String>>,
    max_age: u64,
    max_skew: u64,
) -> PyResult<VerifiedProof> {
    let kind = match kind {
        "dpor" => ProofKind::Dpor,
        "dpog" => ProofKind::Dpog,
        _ => return Err(invalid_argument(py, "kind must be \"dpor\" or \"dpog\"")),
    };
    let token = text_or_bytes(token)?;
    let access_token = optional_bytes(access_token)?;
    let algorithms = self::algorithms(py, algorithms)?;
    let countries: Option<Vec<&str>> = allowed_countries
        .as_ref()
        .map(|c| c.iter().map(String::as_str).collect());
    let ear = &ear.get().inner;
    let cache = &replay_cache.get().inner;
    let verified = py
        .allow_threads(|| {
            let policy = ProofPolicy {
                algorithms: &algorithms,
                max_age,
                max_skew,
                nonce,
                access_token: access_token.as_deref(),
                cnf_jkt,
                allowed_countries: countries.as_deref(),
                ..ProofPolicy::new(kind, htm, htu, UnixTime::from_secs(now))
            };
            let residency = Residency::Ear {
                ear,
                max_age: ear_max_age,
            };
            token::verify_proof(default_provider(), &token, &policy, &residency, cache)
        })
        .py_err(py)?;
    Ok(VerifiedProof { inner: verified })
}

/// Verifies a WIMSE workload proof token as the receiving workload (the GIL is released while
/// verifying): the JWS as `verify_proof` checks it, aud, exp (after now, at most
/// `max_lifetime` ahead), wth, tth, oth, wit_jkt, residency in `ear`, and the jti in
/// `replay_cache`.
///
/// Args:
///     token: the WPT, str or bytes-like.
///     aud: keyword-only; the expected audience.
///     wit: keyword-only; the Workload Identity Token presented (str or bytes-like).
///     now: keyword-only; the verification time, seconds since the Unix epoch.
///     ear: keyword-only; the Ear naming the signing key.
///     ear_max_age: keyword-only; how old the EAR may be, in seconds.
///     replay_cache: keyword-only; the shared ReplayCache.
///     wit_jkt: keyword-only; the WIT's confirmation key thumbprint, or None.
///     access_token: keyword-only; the access token presented, or None.
///     algorithms: keyword-only; accepted algorithms (default "ES256", "ES384", "PS256").
///     max_lifetime: keyword-only; how far exp may lie ahead, in seconds (300).
///     other: keyword-only; other tokens presented, a mapping of name -> token (str or
///         bytes-like), each of whose hash must be in oth under its name, or None.
///
/// Returns:
///     VerifiedWpt: what was verified.
///
/// Raises:
///     TokenError: the failed check (TokenAudienceMismatch, TokenExpired, TokenHashMismatch,
///         TokenCnfJktMismatch, TokenKeyNotResident, TokenReplayed, ...).
///     UsageError: an unknown algorithm, or an argument of the wrong type.
#[pyfunction]
#[pyo3(signature = (
    token, *, aud, wit, now, ear, ear_max_age, replay_cache, wit_jkt = None,
    access_token = None, algorithms = None, max_lifetime = 300, other = None
))]
#[allow(clippy::too_many_arguments)]
pub fn verify_wpt(
    py: Python<'_>,
    token: &Bound<'_, PyAny>,
    aud: &str,
    wit: &Bound<'_, PyAny>,
    now: u64,
    ear: &Bound<'_, Ear>,
    ear_max_age: u64,
    replay_cache: &Bound<'_, ReplayCache>,
    wit_jkt: Option<&str>,
    access_token: Option<&Bound<'_, PyAny>>,
    algorithms: Option<Vec<String>>,
    max_lifetime: u64,
    other: Option<&Bound<'_, PyMapping>>,
) -> PyResult<VerifiedWpt> {
    let token = text_or_bytes(token)?;
    let wit = text_or_bytes(wit)?;
    let access_token = optional_bytes(access_token)?;
    let other = other_tokens(other)?;
    let algorithms = self::algorithms(py, algorithms)?;
    let ear = &ear.get().inner;
    let cache = &replay_cache.get().inner;
    let verified = py
        .allow_threads(|| {
            let other = by_name(&other);
            let policy = WptPolicy {
                wit_jkt,
                access_token: access_token.as_deref(),
                other: &other,
                algorithms: &algorithms,
                max_lifetime,
                ..WptPolicy::new(aud, &wit, UnixTime::from_secs(now))
            };
            let residency = Residency::Ear {
                ear,
                max_age: ear_max_age,
            };
            token::verify_wpt(default_provider(), &token, &policy, &residency, cache)
        })
        .py_err(py)?;
    Ok(VerifiedWpt { inner: verified })
}

/// Registers the proof-token surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ReplayCache>()?;
    m.add_class::<VerifiedProof>()?;
    m.add_class::<VerifiedWpt>()?;
    m.add_function(wrap_pyfunction!(jwk_thumbprint, m)?)?;
    m.add_function(wrap_pyfunction!(mint_dpor, m)?)?;
    m.add_function(wrap_pyfunction!(mint_dpog, m)?)?;
    m.add_function(wrap_pyfunction!(mint_wpt, m)?)?;
    m.add_function(wrap_pyfunction!(verify_proof, m)?)?;
    m.add_function(wrap_pyfunction!(verify_wpt, m)?)?;
    Ok(())
}
