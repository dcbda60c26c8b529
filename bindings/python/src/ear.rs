//! EAR attestation-result tokens (aegis_core::ear): `verify_ear` into an `Ear`, `sign_ear_jwt`
//! and `sign_ear_cwt` with a `PrivateKey`.

use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::{self, Algorithm, Dialect, Ear as CoreEar, VerifiedEar, VerifyOptions};
use aegis_core::time::UnixTime;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::args::{str_repr, ByteArg};
use crate::errors::{invalid_argument, IntoPyResult};
use crate::sign::{PrivateKey, PublicKey};

/// A verified EAR (draft-ietf-rats-ear): only `verify_ear` makes one.
///
/// Attributes:
///     claims (dict): the claims, as JSON in the token's own dialect.
///     dialect (str): "ietf-04", "ietf-03" or "veraison", from the token's eat_profile.
///     format (str): "jwt" or "cwt".
///     algorithm (str): "ES256", "ES384" or "PS256".
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct Ear {
    pub(crate) inner: VerifiedEar,
}

#[pymethods]
impl Ear {
    /// The claims, as JSON in the token's own dialect (a dict).
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let json = self
            .inner
            .ear()
            .to_json(self.inner.dialect())
            .py_err(py)?
            .to_string();
        let decoded = py.import("json")?.call_method1("loads", (json,))?;
        Ok(decoded.downcast_into::<PyDict>()?)
    }

    /// "ietf-04", "ietf-03" or "veraison", from the token's eat_profile.
    #[getter]
    fn dialect(&self) -> &'static str {
        self.inner.dialect().name()
    }

    /// "jwt" or "cwt".
    #[getter]
    fn format(&self) -> &'static str {
        self.inner.format().name()
    }

    /// "ES256", "ES384" or "PS256".
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.algorithm().jws_name()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Ear(format={}, dialect={}, algorithm={})",
            str_repr(py, self.format()),
            str_repr(py, self.dialect()),
            str_repr(py, self.algorithm())
        )
    }
}

/// Verifies an EAR token: a JWT, or a CWT in binary or base64, told apart by content. The GIL
/// is released while verifying.
///
/// Args:
///     key: the issuer's PublicKey (never a key from the token).
///     token: the token; bytes-like, or str for a JWT or base64.
///     now: keyword-only; the verification time, in seconds since the Unix epoch.
///     nonce: keyword-only; the nonce the token must carry (eat_nonce), or None.
///     algorithms: keyword-only; the accepted algorithms, from "ES256", "ES384", "PS256"
///         (default: all three).
///
/// Returns:
///     Ear: the verified claims.
///
/// Raises:
///     ResultError: the token fails a check (its `.name` says which: EarExpired, ...).
///     SignatureError: the signature does not verify.
///     ParseError: trailing bytes or an oversized token.
///     UsageError: an unknown algorithm name, or an argument of the wrong type.
#[pyfunction]
#[pyo3(signature = (key, token, *, now, nonce = None, algorithms = None))]
pub fn verify_ear(
    py: Python<'_>,
    key: &Bound<'_, PublicKey>,
    token: &Bound<'_, PyAny>,
    now: u64,
    nonce: Option<ByteArg<'_>>,
    algorithms: Option<Vec<String>>,
) -> PyResult<Ear> {
    let token: Vec<u8> = match token.downcast::<PyString>() {
        Ok(s) => s.to_str()?.as_bytes().to_vec(),
        Err(_) => token.extract::<ByteArg<'_>>()?.to_vec(),
    };
    let algorithms: Vec<Algorithm> = match algorithms {
        None => ear::DEFAULT_ALGORITHMS.to_vec(),
        Some(names) => names
            .iter()
            .map(|n| {
                Algorithm::from_jws_name(n).map_err(|_| {
                    invalid_argument(py, "unknown EAR algorithm (ES256, ES384, PS256)")
                })
            })
            .collect::<PyResult<_>>()?,
    };
    let key = &key.get().inner;
    let nonce: Option<&[u8]> = nonce.as_deref();
    let verified = py
        .allow_threads(|| {
            let options = VerifyOptions {
                algorithms: &algorithms,
                nonce,
                ..VerifyOptions::new(key, UnixTime::from_secs(now))
            };
            ear::verify_token(default_provider(), &token, &options)
        })
        .py_err(py)?;
    Ok(Ear { inner: verified })
}

/// The claims (a dict, or JSON text or bytes) and a signer for `key`.
fn prepare(
    py: Python<'_>,
    key: &PrivateKey,
    claims: &Bound<'_, PyAny>,
    dialect: &str,
) -> PyResult<(CoreEar, SoftwareSigner<'static>, Dialect)> {
    let json: Vec<u8> = if let Ok(s) = claims.downcast::<PyString>() {
        s.to_str()?.as_bytes().to_vec()
    } else if let Ok(b) = claims.extract::<ByteArg<'_>>() {
        b.to_vec()
    } else {
        let text = py.import("json")?.call_method1("dumps", (claims,))?;
        text.extract::<String>()?.into_bytes()
    };
    let dialect = Dialect::from_name(dialect).py_err(py)?;
    let (ear, _) = CoreEar::from_json(&json).py_err(py)?;
    Ok((ear, ear_signer(py, key)?, dialect))
}

/// An EAR signer for `key`: ES256 for P-256, ES384 for P-384, PS256 for RSA.
pub(crate) fn ear_signer(py: Python<'_>, key: &PrivateKey) -> PyResult<SoftwareSigner<'static>> {
    let alg = Algorithm::for_key(key.inner.public_key()).py_err(py)?;
    SoftwareSigner::new(default_provider(), key.inner.clone_key(), alg.scheme()).py_err(py)
}

/// Signs EAR claims as a JWT with `key` (ES256 for P-256, ES384 for P-384, PS256 for RSA),
/// after checking the status rule. The GIL is released while signing.
///
/// Args:
///     key: the issuer's PrivateKey.
///     claims: the claims, a dict or JSON (str or bytes) in any dialect, with an eat_profile.
///     dialect: keyword-only; the dialect to write: "ietf-04" (default), "ietf-03", "veraison".
///
/// Returns:
///     str: the JWT.
///
/// Raises:
///     ResultError: claims that do not decode or break the status rule.
///     UsageError: an unknown dialect, or a key with no EAR algorithm.
#[pyfunction]
#[pyo3(signature = (key, claims, *, dialect = "ietf-04"))]
pub fn sign_ear_jwt(
    py: Python<'_>,
    key: &Bound<'_, PrivateKey>,
    claims: &Bound<'_, PyAny>,
    dialect: &str,
) -> PyResult<String> {
    let (ear, signer, dialect) = prepare(py, key.get(), claims, dialect)?;
    py.allow_threads(|| ear.sign_jwt(&signer, dialect))
        .py_err(py)
}

/// Signs EAR claims as a CWT (a tagged COSE_Sign1, deterministic CBOR), as `sign_ear_jwt` does.
///
/// Args:
///     key: the issuer's PrivateKey.
///     claims: the claims, a dict or JSON (str or bytes) in any dialect, with an eat_profile.
///     dialect: keyword-only; the dialect to write: "ietf-04" (default), "ietf-03", "veraison".
///
/// Returns:
///     bytes: the CWT.
///
/// Raises:
///     ResultError: claims that do not decode or break the status rule.
///     UsageError: an unknown dialect, or a key with no EAR algorithm.
#[pyfunction]
#[pyo3(signature = (key, claims, *, dialect = "ietf-04"))]
pub fn sign_ear_cwt<'py>(
    py: Python<'py>,
    key: &Bound<'_, PrivateKey>,
    claims: &Bound<'_, PyAny>,
    dialect: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let (ear, signer, dialect) = prepare(py, key.get(), claims, dialect)?;
    let cwt = py
        .allow_threads(|| ear.sign_cwt(&signer, dialect))
        .py_err(py)?;
    Ok(PyBytes::new(py, &cwt))
}

/// Registers the EAR surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ear>()?;
    m.add_function(wrap_pyfunction!(verify_ear, m)?)?;
    m.add_function(wrap_pyfunction!(sign_ear_jwt, m)?)?;
    m.add_function(wrap_pyfunction!(sign_ear_cwt, m)?)?;
    Ok(())
}
