//! `GeofencePolicy`, `GeofenceDecision` and `GeofenceReason`: a geofence policy
//! (docs/geofence-policy.md) and its decision on one location reading (bindings/API.md; the C
//! ABI's `aegis_geofence_policy` and `aegis_geofence_decision`).

use aegis_core::geo::{self, GeofenceContext, LocationEvent};
use aegis_core::time::UnixTime;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::{bool_repr, str_repr, ByteArg};
use crate::errors::{invalid_argument, IntoPyResult};

const JSON_USAGE: &str = "expected JSON text as str, or bytes-like UTF-8";

/// JSON text given as a str or as bytes-like UTF-8.
fn json_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = data.downcast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    let bytes: ByteArg<'_> = data
        .extract()
        .map_err(|_| invalid_argument(py, JSON_USAGE))?;
    Ok(bytes.to_vec())
}

/// A geofence policy (docs/geofence-policy.md): allowed and denied countries and subdivisions,
/// GeoJSON polygons and circles that allow or deny, the coarsest accuracy and the oldest reading
/// accepted, the sensor types accepted (ip never), and PCR reference values. Make one with
/// `GeofencePolicy.from_json`. Immutable.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct GeofencePolicy {
    inner: geo::GeofencePolicy,
}

#[pymethods]
impl GeofencePolicy {
    /// Reads a policy from its JSON form.
    ///
    /// Args:
    ///     data: the policy document, as str or bytes-like UTF-8.
    ///
    /// Returns:
    ///     GeofencePolicy: the checked policy.
    ///
    /// Raises:
    ///     GeoError: "GeofencePolicyInvalid"; the message names the JSON path at fault and what
    ///         is wrong there ("geofence policy invalid at $.sensor_types[1]: ...").
    ///     UsageError: `data` is neither str nor bytes-like.
    #[staticmethod]
    fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = json_bytes(py, data)?;
        let inner = geo::GeofencePolicy::from_json(&bytes).py_err(py)?;
        Ok(GeofencePolicy { inner })
    }

    /// Evaluates one location reading against the policy.
    ///
    /// When the policy names countries or subdivisions, the reading's jurisdiction is looked up
    /// offline from its circle (coordinates and accuracy). The GIL is released meanwhile.
    ///
    /// Args:
    ///     location: one location event (FORMATS.md; e.g. `VerifiedLocation.current_json`), as
    ///         str or bytes-like JSON.
    ///     now: keyword-only; the evaluation time in seconds since the Unix epoch.
    ///     network_verified: keyword-only; whether the mobile network verified the reading's
    ///         location (a mobile reading is accepted only then). Default False.
    ///
    /// Returns:
    ///     GeofenceDecision: allowed or not, and every reason.
    ///
    /// Raises:
    ///     ParseError: `location` is not a location event, or its values are out of range.
    ///     UsageError: `location` is neither str nor bytes-like.
    #[pyo3(signature = (location, *, now, network_verified = false))]
    fn evaluate(
        &self,
        py: Python<'_>,
        location: &Bound<'_, PyAny>,
        now: u64,
        network_verified: bool,
    ) -> PyResult<GeofenceDecision> {
        let bytes = json_bytes(py, location)?;
        let reading = LocationEvent::from_json(&bytes).py_err(py)?;
        let ctx = GeofenceContext {
            now: UnixTime::from_secs(now),
            network_verified,
        };
        let decision = py
            .allow_threads(|| self.inner.evaluate(&reading, &ctx))
            .py_err(py)?;
        Ok(GeofenceDecision::new(&decision))
    }

    /// Checks the policy's PCR reference values against quoted PCR values: every reference PCR
    /// must be there with the same value.
    ///
    /// Args:
    ///     pcrs: the PCR values a verified quote covers (`VerifiedQuote.pcrs`, a tpm2-tools PCR
    ///         file or PCR JSON as bytes-like, or a mapping bank -> {index: value}).
    ///
    /// Returns:
    ///     None: every reference PCR matches (a policy without references always does).
    ///
    /// Raises:
    ///     GeoError: "PcrReferenceMissing" or "PcrReferenceMismatch" for the first reference PCR
    ///         (bank and index order) that is absent or differs.
    ///     ParseError: `pcrs` is bytes-like but neither PCR form.
    ///     UsageError: `pcrs` has none of these forms.
    fn check_pcr_references(&self, py: Python<'_>, pcrs: &Bound<'_, PyAny>) -> PyResult<()> {
        let values = crate::pcrs_from_py(py, pcrs)?;
        self.inner.check_pcr_references(&values).py_err(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "GeofencePolicy(has_jurisdiction_rules={})",
            bool_repr(self.inner.has_jurisdiction_rules())
        )
    }
}

/// One reason of a `GeofenceDecision`: a rule that passed, with what it found, or that denied,
/// with the stable error code and name of the denial. Make one with `GeofencePolicy.evaluate`
/// (`GeofenceDecision.reasons`).
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Clone, Debug)]
pub struct GeofenceReason {
    rule: &'static str,
    passed: bool,
    code: Option<u32>,
    name: Option<&'static str>,
    message: String,
}

#[pymethods]
impl GeofenceReason {
    /// The rule: "reading", "sensor", "time", "accuracy", "jurisdiction" or "area" (str).
    #[getter]
    fn rule(&self) -> &'static str {
        self.rule
    }
    /// Whether the rule passed (bool).
    #[getter]
    fn passed(&self) -> bool {
        self.passed
    }
    /// The denial's stable code (int), None when the rule passed.
    #[getter]
    fn code(&self) -> Option<u32> {
        self.code
    }
    /// The denial's stable name ("GeofenceCountryDenied", ...), None when the rule passed.
    #[getter]
    fn name(&self) -> Option<&'static str> {
        self.name
    }
    /// What the rule found, for people (str; not stable: match on `code`).
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match self.name {
            Some(name) => format!(
                "GeofenceReason(rule={}, passed=False, name={})",
                str_repr(py, self.rule),
                str_repr(py, name)
            ),
            None => format!(
                "GeofenceReason(rule={}, passed=True)",
                str_repr(py, self.rule)
            ),
        }
    }
}

/// The decision of a geofence policy on one reading: `allowed` (no reason denies), every reason
/// in evaluation order, and the jurisdiction used. Make one with `GeofencePolicy.evaluate`.
/// Immutable.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct GeofenceDecision {
    allowed: bool,
    reasons: Vec<GeofenceReason>,
    json: String,
    resolution: Option<String>,
}

impl GeofenceDecision {
    fn new(d: &geo::GeofenceDecision) -> Self {
        let json = d.to_json();
        GeofenceDecision {
            allowed: d.allowed(),
            reasons: d
                .reasons()
                .iter()
                .map(|r| GeofenceReason {
                    rule: r.rule().name(),
                    passed: r.passed(),
                    code: r.denial().map(aegis_core::Error::code),
                    name: r.denial().map(aegis_core::Error::name),
                    message: r.message().to_owned(),
                })
                .collect(),
            resolution: d
                .resolution()
                .and_then(|_| json.get("resolution"))
                .map(ToString::to_string),
            json: json.to_string(),
        }
    }
}

#[pymethods]
impl GeofenceDecision {
    /// Whether the policy allows the reading (bool).
    #[getter]
    fn allowed(&self) -> bool {
        self.allowed
    }
    /// "allow" or "deny" (str).
    #[getter]
    fn verdict(&self) -> &'static str {
        if self.allowed {
            "allow"
        } else {
            "deny"
        }
    }
    /// Every reason, passing or not, in evaluation order (a new list of GeofenceReason).
    #[getter]
    fn reasons(&self) -> Vec<GeofenceReason> {
        self.reasons.clone()
    }
    /// The jurisdiction the decision used, as a new dict ({"status": "resolved", "country":
    /// "CH", ...}), or None when the policy needed none.
    #[getter]
    fn resolution<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.resolution
            .as_deref()
            .map(|r| py.import("json")?.call_method1("loads", (r,)))
            .transpose()
    }
    /// The decision as JSON text, as `aegis geofence check` prints it.
    ///
    /// Returns:
    ///     str: {"verdict": "allow" | "deny", "reasons": [{"rule", "passed", "message", "code",
    ///     "name"}], "resolution": {...} | null}.
    ///
    /// Raises:
    ///     Nothing.
    fn to_json(&self) -> &str {
        &self.json
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let denials: Vec<String> = self
            .reasons
            .iter()
            .filter_map(|r| r.name.map(|n| str_repr(py, n)))
            .collect();
        format!(
            "GeofenceDecision(allowed={}, denials=[{}])",
            bool_repr(self.allowed),
            denials.join(", ")
        )
    }
}

/// Registers the geofence classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GeofencePolicy>()?;
    m.add_class::<GeofenceDecision>()?;
    m.add_class::<GeofenceReason>()
}
