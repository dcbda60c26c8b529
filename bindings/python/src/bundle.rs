//! An evidence bundle appraised into an attestation result (docs/evidence-bundle.md):
//! `EvidenceBundle`, `EnrolmentRecord`, `appraise_bundle` and `AttestationResult` over aegis-core's
//! `appraise::result::appraise_bundle` (bindings/API.md; the C ABI's `aegis_bundle_appraise`).

use aegis_core::appraise::result::{
    self as core_result, ResultContext, ResultPolicy, TrustAnchors, LOCATION,
};
use aegis_core::appraise::{EvidenceBundle as CoreBundle, LocationPcr};
use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::{Dialect, VerifierId};
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::geo::LocationEvent;
use aegis_core::svid::claims::AttestedClaims;
use aegis_core::time::UnixTime;
use aegis_core::verify::{AkBinding, EnrolmentRecord as CoreRecord};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::args::{bytes_repr, str_repr, ByteArg};
use crate::ear::ear_signer;
use crate::ek::EkTrustStore;
use crate::errors::{invalid_argument, to_py_err, IntoPyResult};
use crate::sign::PrivateKey;

/// JSON given as `str` or as bytes-like.
fn json_bytes(ob: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = ob.downcast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    Ok(ob.extract::<ByteArg<'_>>()?.to_vec())
}

/// An evidence bundle (docs/evidence-bundle.md): what an attester sends for one attestation.
///
/// Made by `EvidenceBundle.from_json`; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct EvidenceBundle {
    inner: CoreBundle,
}

#[pymethods]
impl EvidenceBundle {
    /// Reads a bundle from its JSON form. Only the transport is decoded (base64, hex, PCR
    /// values); the TPM structures inside are parsed by the checks of `appraise_bundle`.
    ///
    /// Args:
    ///     data: the JSON document, as str or bytes-like.
    ///
    /// Returns:
    ///     EvidenceBundle: the bundle.
    ///
    /// Raises:
    ///     ResultError: `EvidenceBundleInvalid`; the message names the member at fault
    ///         ("$.quote.attest: not base64 ...").
    ///     UsageError: `data` is neither str nor bytes-like.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = json_bytes(data)?;
        Ok(EvidenceBundle {
            inner: CoreBundle::from_json(&bytes).py_err(py)?,
        })
    }

    /// The bundle as JSON, in the form `from_json` reads.
    ///
    /// Returns:
    ///     bytes: the JSON document (UTF-8).
    ///
    /// Raises:
    ///     Nothing.
    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_json())
    }

    /// The nonce the bundle carries (the verifier's, if the attester answered it).
    #[getter]
    fn nonce<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.nonce)
    }

    fn __repr__(&self) -> String {
        format!("EvidenceBundle(nonce={})", bytes_repr(&self.inner.nonce))
    }
}

/// The verifier's enrolment record of an AK (docs/evidence-bundle.md): the AK's Name and the EK
/// public area kept after credential activation. The verifier's own state: never read one an
/// attester sent.
///
/// Made by `EnrolmentRecord.from_json`; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct EnrolmentRecord {
    inner: CoreRecord,
}

#[pymethods]
impl EnrolmentRecord {
    /// Reads a record from its JSON form (`{"version": 1, "ak_name", "ek_public"}`).
    ///
    /// Args:
    ///     data: the JSON document, as str or bytes-like.
    ///
    /// Returns:
    ///     EnrolmentRecord: the record.
    ///
    /// Raises:
    ///     ParseError: the record or the EK public area inside does not decode.
    ///     UsageError: `data` is neither str nor bytes-like.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = json_bytes(data)?;
        Ok(EnrolmentRecord {
            inner: CoreRecord::from_json(&bytes).py_err(py)?,
        })
    }

    /// The record as JSON, in the form `from_json` reads.
    ///
    /// Returns:
    ///     str: the JSON document.
    ///
    /// Raises:
    ///     Nothing.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The enrolled AK's Name.
    #[getter]
    fn ak_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.ak_name().as_bytes())
    }

    fn __repr__(&self) -> String {
        format!(
            "EnrolmentRecord(ak_name={})",
            bytes_repr(self.inner.ak_name().as_bytes())
        )
    }
}

/// The attestation result of `appraise_bundle`: a status, the submods ("platform",
/// "workload-key" and "location") with their statuses, every failed check with its error, and
/// the location's country.
///
/// Only `appraise_bundle` makes one; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct AttestationResult {
    /// "affirming", "warning", "contraindicated" or "none": the worst submod status (AR4SI
    /// tiers).
    #[pyo3(get)]
    status: &'static str,
    submods: Vec<(&'static str, &'static str)>,
    failures: Vec<(&'static str, &'static str, Py<PyAny>)>,
    /// The country of the location reading (ISO 3166-1 alpha-2, the location submod's geoAR
    /// claim) when the verified reading lies wholly in one country; None otherwise.
    #[pyo3(get)]
    country: Option<String>,
    json: String,
    inner: core_result::AttestationResult,
}

#[pymethods]
impl AttestationResult {
    /// Each submod's status, by submod name, in order (platform, workload-key, location).
    #[getter]
    fn submods<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, status) in &self.submods {
            d.set_item(name, status)?;
        }
        Ok(d)
    }

    /// Every failed check, in submod and check order: (submod, check, error) with the
    /// `AegisError` the check failed with (its `.name` and `.code`).
    #[getter]
    fn failures<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.failures
            .iter()
            .map(|(submod, check, e)| {
                PyTuple::new(
                    py,
                    [
                        PyString::new(py, submod).into_any(),
                        PyString::new(py, check).into_any(),
                        e.bind(py).clone(),
                    ],
                )
            })
            .collect()
    }

    /// The result as JSON text, as `aegis appraise` prints it without the token:
    /// `{"status", "submods"}` with each submod in its EAR form (status, trust vector, geoAR
    /// claims, and every check with its outcome, code and reason in
    /// `ear_verifier_claims.checks`).
    ///
    /// Returns:
    ///     str: the JSON document.
    ///
    /// Raises:
    ///     Nothing.
    fn to_json(&self) -> String {
        self.json.clone()
    }

    /// The result as an EAR issued by Aegis at `iat` and valid until `exp`, with the appraisal
    /// nonce, signed with `key` as a JWT (ES256 for P-256, ES384 for P-384, PS256 for RSA), as
    /// `aegis appraise` signs it. The GIL is released while signing.
    ///
    /// Args:
    ///     key: the verifier's PrivateKey.
    ///     iat: keyword-only; the issue time (seconds since the epoch).
    ///     exp: keyword-only; the expiry (seconds since the epoch), after `iat`.
    ///     dialect: keyword-only; "ietf-04" (default), "ietf-03" or "veraison".
    ///
    /// Returns:
    ///     str: the JWT.
    ///
    /// Raises:
    ///     UsageError: `exp` not after `iat`, an unknown dialect, or a key with no EAR
    ///         algorithm (also a ValueError).
    #[pyo3(signature = (key, *, iat, exp, dialect = "ietf-04"))]
    fn sign_jwt(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PrivateKey>,
        iat: u64,
        exp: u64,
        dialect: &str,
    ) -> PyResult<String> {
        let ear = ear_signing(py, key.get(), iat, exp, dialect)?;
        py.allow_threads(|| {
            self.inner.sign_jwt(
                &ear.signer,
                ear.dialect,
                VerifierId::aegis(),
                ear.iat,
                ear.exp,
            )
        })
        .py_err(py)
    }

    /// The result as an EAR, as `sign_jwt` makes it, signed as a CWT (a tagged COSE_Sign1,
    /// deterministic CBOR). The GIL is released while signing.
    ///
    /// Args:
    ///     key: the verifier's PrivateKey.
    ///     iat: keyword-only; the issue time (seconds since the epoch).
    ///     exp: keyword-only; the expiry (seconds since the epoch), after `iat`.
    ///     dialect: keyword-only; "ietf-04" (default), "ietf-03" or "veraison".
    ///
    /// Returns:
    ///     bytes: the CWT.
    ///
    /// Raises:
    ///     UsageError: `exp` not after `iat`, an unknown dialect, or a key with no EAR
    ///         algorithm (also a ValueError).
    #[pyo3(signature = (key, *, iat, exp, dialect = "ietf-04"))]
    fn sign_cwt<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PrivateKey>,
        iat: u64,
        exp: u64,
        dialect: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let ear = ear_signing(py, key.get(), iat, exp, dialect)?;
        let cwt = py
            .allow_threads(|| {
                self.inner.sign_cwt(
                    &ear.signer,
                    ear.dialect,
                    VerifierId::aegis(),
                    ear.iat,
                    ear.exp,
                )
            })
            .py_err(py)?;
        Ok(PyBytes::new(py, &cwt))
    }

    /// The AttestedClaims document for this result: the `grc.*` JSON a CredentialComposer puts
    /// into an agent's SVID (docs/gateway.md): `grc.tpm-attestation` from the status, submods
    /// and App Key names, `grc.geolocation` from the verified location reading.
    ///
    /// Args:
    ///     reading: the appraised location event (JSON, `str` or bytes-like; the last event of
    ///         the bundle's location log), or None. It adds the IMEI, IMSI and MSISDN the result
    ///         leaves out, and must be the reading the result attests.
    ///
    /// Returns:
    ///     str: the JSON document.
    ///
    /// Raises:
    ///     UsageError: `reading` is not the reading the result attests (InvalidArgument).
    ///     FormatError: `reading` is not a location event (InvalidFormat).
    #[pyo3(signature = (reading = None))]
    fn attested_claims(
        &self,
        py: Python<'_>,
        reading: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let reading: Option<LocationEvent> = match reading {
            None => None,
            Some(ob) => Some(
                serde_json::from_slice(&json_bytes(ob)?)
                    .map_err(|_| aegis_core::Error::InvalidFormat {
                        what: "location event JSON",
                    })
                    .py_err(py)?,
            ),
        };
        AttestedClaims::from_result(&self.inner, reading.as_ref())
            .and_then(|c| c.to_json())
            .py_err(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AttestationResult(status={}, failures={})",
            str_repr(py, self.status),
            self.failures.len()
        )
    }
}

/// How `AttestationResult.sign_jwt` and `sign_cwt` sign a result's EAR: issued by Aegis at
/// `iat`, valid until `exp`, in `dialect`, with an EAR signer for `key`.
struct EarSigning {
    signer: SoftwareSigner<'static>,
    dialect: Dialect,
    iat: UnixTime,
    exp: UnixTime,
}

fn ear_signing(
    py: Python<'_>,
    key: &PrivateKey,
    iat: u64,
    exp: u64,
    dialect: &str,
) -> PyResult<EarSigning> {
    if exp <= iat {
        return Err(invalid_argument(py, "exp must be after iat"));
    }
    Ok(EarSigning {
        dialect: Dialect::from_name(dialect).py_err(py)?,
        signer: ear_signer(py, key)?,
        iat: UnixTime::from_secs(iat),
        exp: UnixTime::from_secs(exp),
    })
}

/// Appraises one evidence bundle into an attestation result (docs/evidence-bundle.md): the AK
/// binding, the EK certificate, the quote, the PCR reference values, the App Key's
/// certification, the location log (SHA-256 PCR 15), the jurisdiction and the geofence, every
/// check recorded in its submod instead of stopping at the first failure. The GIL is released
/// during the appraisal.
///
/// Args:
///     bundle: the `EvidenceBundle` the attester sent.
///     nonce: keyword-only; the nonce this verifier issued (bytes-like).
///     ek_roots: keyword-only; the `EkTrustStore` of manufacturer CAs for the EK certificate,
///         or None.
///     enrolment: keyword-only; the AK's `EnrolmentRecord`, or None (the AK is then bound to no
///         EK: "ak-binding" fails with AkBindingMismatch).
///     geofence: keyword-only; the geofence policy with its PCR reference values
///         (docs/geofence-policy.md) as JSON, str or bytes-like; None appraises neither.
///     time: keyword-only; the time of the appraisal in seconds since the Unix epoch; None
///         (default) is now.
///     network_verified: keyword-only; the mobile network verified the reading's location.
///     require_ek_certificate: keyword-only; whether an EK certificate chained to `ek_roots`
///         is required (default True).
///
/// Returns:
///     AttestationResult: the result; failed checks are in it, not raised.
///
/// Raises:
///     ResultError: `EvidenceNonceMismatch` (the bundle does not carry `nonce`).
///     ParseError, KeyPolicyError: the AK's public area cannot be used.
///     GeoError: the geofence policy is invalid (the message names the JSON path).
///     UsageError: a wrong argument type.
#[pyfunction]
#[pyo3(signature = (
    bundle, *, nonce, ek_roots = None, enrolment = None, geofence = None, time = None,
    network_verified = false, require_ek_certificate = true
))]
#[allow(clippy::too_many_arguments)]
pub fn appraise_bundle(
    py: Python<'_>,
    bundle: &Bound<'_, EvidenceBundle>,
    nonce: ByteArg<'_>,
    ek_roots: Option<&Bound<'_, EkTrustStore>>,
    enrolment: Option<&Bound<'_, EnrolmentRecord>>,
    geofence: Option<&Bound<'_, PyAny>>,
    time: Option<u64>,
    network_verified: bool,
    require_ek_certificate: bool,
) -> PyResult<AttestationResult> {
    let geofence = geofence
        .map(|g| GeofencePolicy::from_json(&json_bytes(g)?).py_err(py))
        .transpose()?;
    let mut policy = ResultPolicy {
        require_ek_certificate,
        geofence,
        ..ResultPolicy::default()
    };
    policy.appraisal.location = Some(LocationPcr::default());
    let roots = ek_roots.map(|s| s.get().snapshot());
    let binding = enrolment.map(|r| AkBinding::from_enrolment_record(&r.get().inner));
    let now = time.map_or_else(UnixTime::now, UnixTime::from_secs);
    let bundle = &bundle.get().inner;
    let nonce: &[u8] = &nonce;
    let result = py
        .allow_threads(|| {
            core_result::appraise_bundle(
                default_provider(),
                bundle,
                &TrustAnchors {
                    ek_roots: roots.as_deref(),
                    enrolment: binding.as_ref(),
                },
                &policy,
                &ResultContext {
                    nonce,
                    now,
                    network_verified,
                },
            )
        })
        .py_err(py)?;
    Ok(AttestationResult {
        status: result.status().name(),
        submods: result
            .submods()
            .iter()
            .map(|(name, s)| (*name, s.status.name()))
            .collect(),
        failures: result
            .failures()
            .map(|(submod, check, e)| (submod, check, to_py_err(py, e).into_value(py).into_any()))
            .collect(),
        country: result.submod(LOCATION).and_then(|l| l.geo.country.clone()),
        json: result.to_json().py_err(py)?.to_string(),
        inner: result,
    })
}

/// Registers the evidence bundle surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EvidenceBundle>()?;
    m.add_class::<EnrolmentRecord>()?;
    m.add_class::<AttestationResult>()?;
    m.add_function(wrap_pyfunction!(appraise_bundle, m)?)?;
    Ok(())
}
