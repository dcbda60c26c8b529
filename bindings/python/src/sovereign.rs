//! The AegisSovereignAI proof of concept's formats (docs FORMATS.md, "AegisSovereignAI PoC wire
//! formats"): `SovereignAttestation`, `verify_sovereign_attestation`, `poc_qualifying_data`,
//! `PocLocationLog` and `verify_poc_location` (bindings/API.md; the C ABI's
//! `aegis_sovereign_attestation` and `aegis_poc_location_log`).

use aegis_core::compat::sovereign;
use aegis_core::crypto::default_provider;
use aegis_core::verify::{self, CertifyPolicy};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::args::{bool_repr, str_repr, ByteArg};
use crate::errors::IntoPyResult;
use crate::keypolicy::{key_policy_or_default, KeyPolicy as PyKeyPolicy};
use crate::{attest_policy, AttestationKey, ClockInfo, VerifiedCertification, VerifiedQuote};

/// The PoC's SovereignAttestation: what its SPIRE agent sends (the App Key's PEM, its App Key
/// certificate, the challenge nonce, the Keylime agent UUID, the workload code hash), with
/// Aegis's optional `app_key_tpm_public`. Unverified: `verify_sovereign_attestation` checks it.
/// Members Aegis does not know are kept and written back by `to_json`. Immutable.
///
/// There is no constructor: `SovereignAttestation.from_json` makes one (and
/// `with_app_key_tpm_public` a copy with the App Key's TPM public area).
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct SovereignAttestation {
    inner: sovereign::SovereignAttestation,
}

#[pymethods]
impl SovereignAttestation {
    /// Reads the JSON document (`app_key_certificate` as the base64 string the PoC sends, or
    /// as the JSON object).
    ///
    /// Args:
    ///     data: the JSON as bytes, bytearray, memoryview or str.
    ///
    /// Returns:
    ///     SovereignAttestation: the document, unverified.
    ///
    /// Raises:
    ///     ParseError: not a SovereignAttestation (a member missing or malformed, bad base64
    ///         or hex, a PEM or TPM public area that does not parse).
    ///     AttestationError: an empty challenge_nonce.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = json_bytes(data)?;
        let inner = sovereign::SovereignAttestation::from_json(&bytes).py_err(py)?;
        Ok(SovereignAttestation { inner })
    }

    /// The document as JSON.
    ///
    /// Returns:
    ///     str: the JSON (`app_key_certificate` in the form it was read; members Aegis does not
    ///         know written back as read).
    ///
    /// Raises:
    ///     Nothing.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// A new document with Aegis's `app_key_tpm_public` set to the App Key's TPM2B_PUBLIC or
    /// TPMT_PUBLIC (for a verifier that has it from elsewhere); this one is unchanged.
    ///
    /// Args:
    ///     data: the App Key's TPM2B_PUBLIC or TPMT_PUBLIC, as bytes, bytearray or memoryview.
    ///
    /// Returns:
    ///     SovereignAttestation: the new document.
    ///
    /// Raises:
    ///     ParseError: the public area does not parse.
    fn with_app_key_tpm_public(&self, py: Python<'_>, data: ByteArg<'_>) -> PyResult<Self> {
        let inner = self
            .inner
            .clone()
            .with_app_key_tpm_public(&data)
            .py_err(py)?;
        Ok(SovereignAttestation { inner })
    }

    /// The App Key's PEM, exactly as received (str).
    #[getter]
    fn app_key_public(&self) -> &str {
        self.inner.app_key_public()
    }

    /// The hex nonce the document says it answers (str; not trusted).
    #[getter]
    fn challenge_nonce(&self) -> &str {
        self.inner.challenge_nonce()
    }

    /// The Keylime agent UUID (str), or None when absent (not trusted).
    #[getter]
    fn keylime_agent_uuid(&self) -> Option<&str> {
        self.inner.keylime_agent_uuid()
    }

    /// The workload code hash (str), or None when absent (not trusted).
    #[getter]
    fn workload_code_hash(&self) -> Option<&str> {
        self.inner.workload_code_hash()
    }

    /// Aegis's `app_key_tpm_public` (the App Key's TPM2B_PUBLIC or TPMT_PUBLIC, bytes), or None.
    #[getter]
    fn app_key_tpm_public<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.app_key_tpm_public().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SovereignAttestation(challenge_nonce={}, keylime_agent_uuid={}, app_key_tpm_public={})",
            str_repr(py, self.inner.challenge_nonce()),
            self.inner
                .keylime_agent_uuid()
                .map_or_else(|| "None".to_owned(), |u| str_repr(py, u)),
            bool_repr(self.inner.app_key_tpm_public().is_some())
        )
    }
}

/// Bytes of a JSON argument given as str or bytes-like.
fn json_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = data.extract::<&str>() {
        return Ok(s.as_bytes().to_vec());
    }
    Ok(data.extract::<ByteArg<'_>>()?.to_vec())
}

/// Verifies the App Key certificate of a PoC SovereignAttestation against the AK, for this
/// verifier's nonce as the hex text it sent. The GIL is released while verifying.
///
/// Checks, in order: `PocAppKeyPublicMissing` (only the PEM was sent: it cannot be tied to the
/// Name the certify signed), `PocChallengeMismatch`, `PocAppKeyMismatch`, then every check of
/// `verify_certify` with the PoC's qualifying data SHA-256(SHA-256(PEM) || nonce_hex) as the
/// nonce (`NonceMismatch` when the certify was made for another PEM or nonce).
///
/// Args:
///     ak: the `AttestationKey` that signed the certification.
///     attestation: the `SovereignAttestation`.
///     nonce_hex: the nonce this verifier sent, as its hex text (str).
///     allow_sha1: keyword-only; the one SHA-1 switch (signature hash, nameAlgs).
///     hashes: keyword-only; the signature hash allow-list (default: sha256, sha384, sha512).
///     expected_signer: keyword-only; the qualifiedSigner the certification must name.
///     previous_clock: keyword-only; the `ClockInfo` of the last attestation by this AK.
///     key_policy: keyword-only; the `KeyPolicy` the App Key must be on (None, the default:
///         RSA 2048/3072/4096, P-256, P-384).
///
/// Returns:
///     VerifiedCertification: the App Key's certification.
///
/// Raises:
///     ResultError: PocAppKeyPublicMissing, PocChallengeMismatch, PocAppKeyMismatch.
///     ParseError, SignatureError, AttestationError, KeyPolicyError: as `verify_certify`.
#[pyfunction]
#[pyo3(signature = (
    ak, attestation, nonce_hex, *,
    allow_sha1 = false, hashes = None, expected_signer = None, previous_clock = None,
    key_policy = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_sovereign_attestation(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    attestation: &Bound<'_, SovereignAttestation>,
    nonce_hex: &str,
    allow_sha1: bool,
    hashes: Option<&Bound<'_, PyAny>>,
    expected_signer: Option<ByteArg<'_>>,
    previous_clock: Option<ClockInfo>,
    key_policy: Option<&Bound<'_, PyKeyPolicy>>,
) -> PyResult<VerifiedCertification> {
    let policy = CertifyPolicy {
        attest: attest_policy(
            py,
            hashes,
            allow_sha1,
            expected_signer.as_deref(),
            previous_clock,
        )?,
        app_key: key_policy_or_default(key_policy),
    };
    let key = &ak.get().inner;
    let doc = &attestation.get().inner;
    let verified = py
        .allow_threads(|| {
            verify::verify_sovereign_attestation(default_provider(), key, doc, nonce_hex, &policy)
        })
        .py_err(py)?;
    Ok(VerifiedCertification { inner: verified })
}

/// The PoC's App Key qualifying data, SHA-256(SHA-256(app_key_pem) || nonce_hex), both hashed
/// as the text given: what the PoC's agent passes to TPM2_Certify.
///
/// Args:
///     app_key_pem: the App Key's SubjectPublicKeyInfo PEM, exactly as sent (str).
///     nonce_hex: the challenge nonce's hex text (str).
///
/// Returns:
///     bytes: the 32-byte qualifying data.
///
/// Raises:
///     Nothing.
#[pyfunction]
fn poc_qualifying_data<'py>(
    py: Python<'py>,
    app_key_pem: &str,
    nonce_hex: &str,
) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &sovereign::poc_qualifying_data(app_key_pem, nonce_hex))
}

/// The PoC's PCR 15 location log (Aegis's log of the PoC agent's extends since the PCR's reset:
/// a JSON array of {"geolocation": <claims>, "nonce": "<hex>"}, oldest first). Unverified:
/// `verify_poc_location` checks it against a verified quote. Immutable.
///
/// There is no constructor: `PocLocationLog.from_json` makes one.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct PocLocationLog {
    inner: sovereign::PocLocationLog,
}

#[pymethods]
impl PocLocationLog {
    /// Reads the log's JSON.
    ///
    /// Args:
    ///     data: the JSON as bytes, bytearray, memoryview or str.
    ///
    /// Returns:
    ///     PocLocationLog: the log, unverified.
    ///
    /// Raises:
    ///     LocationError: LocationLogCorrupt (not an array of events, or claims that are not
    ///         the PoC's PCR 15 claims).
    ///     ParseError: a nonce that is not hex.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = json_bytes(data)?;
        let inner = sovereign::PocLocationLog::from_json(&bytes).py_err(py)?;
        Ok(PocLocationLog { inner })
    }

    /// The log as JSON.
    ///
    /// Returns:
    ///     str: the JSON array (each event's claims as the compact sorted-key JSON hashed).
    ///
    /// Raises:
    ///     Nothing.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The SHA-256 PCR 15 value the events give from the reset value (32 zero bytes).
    ///
    /// Returns:
    ///     bytes: the 32-byte PCR value.
    ///
    /// Raises:
    ///     Nothing.
    fn replay<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.replay())
    }

    /// The number of events.
    fn __len__(&self) -> usize {
        self.inner.events().len()
    }

    fn __repr__(&self) -> String {
        format!("PocLocationLog(events={})", self.inner.events().len())
    }
}

/// VERIFIER-CHECKS.md item 16 for the PoC's recipe: the log replays to the SHA-256 PCR 15 of
/// the verified quote, and its last event is bound to `nonce_hex` (the hex text of the nonce
/// the quote was verified with).
///
/// Args:
///     log: the `PocLocationLog`.
///     quote: the `VerifiedQuote` (its SHA-256 PCR 15).
///     nonce_hex: the hex text of the nonce the quote was verified with (str).
///
/// Returns:
///     dict[str, Any]: the current claims (the last event's): gnss, mobile, sensor_type,
///         tpm_attested, tpm_pcr_index.
///
/// Raises:
///     PcrError: RequiredPcrMissing (the quote does not cover sha256:15).
///     LocationError: LocationLogMismatch, LocationNonceMismatch.
///     AttestationError: EmptyNonce.
#[pyfunction]
fn verify_poc_location<'py>(
    py: Python<'py>,
    log: &Bound<'py, PocLocationLog>,
    quote: &Bound<'py, VerifiedQuote>,
    nonce_hex: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let verified =
        verify::verify_poc_location(&log.get().inner, &quote.get().inner, nonce_hex).py_err(py)?;
    let json = verified.current().to_json();
    let decoded = py.import("json")?.call_method1("loads", (json,))?;
    Ok(decoded.downcast_into::<PyDict>()?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SovereignAttestation>()?;
    m.add_class::<PocLocationLog>()?;
    m.add_function(wrap_pyfunction!(verify_sovereign_attestation, m)?)?;
    m.add_function(wrap_pyfunction!(poc_qualifying_data, m)?)?;
    m.add_function(wrap_pyfunction!(verify_poc_location, m)?)?;
    Ok(())
}
