//! One attestation's appraisal (ARCHITECTURE.md, flow step 4): `appraise` over aegis-core's
//! `appraise::appraise`, returning every check's outcome instead of stopping at the first
//! failure (bindings/API.md; the C ABI's `aegis_appraise`).

use aegis_core::appraise::{
    self as core_appraise, AppraisalPolicy, Evidence, LocationPcr, Nonces, Outcome, PossessionProof,
};
use aegis_core::crypto::{default_provider, SignatureFormat as CoreFormat};
use aegis_core::geo::VerifiedLocation as CoreLocation;
use aegis_core::verify::{AttestPolicy, CertifyPolicy, QuotePolicy};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::args::{bool_repr, str_repr, ByteArg};
use crate::binding::AkBinding;
use crate::errors::{invalid_argument, to_py_err};
use crate::keypolicy::{key_policy_or_default, KeyPolicy};
use crate::sign::{scheme_from_name, SignatureFormat};
use crate::{
    bank_from_py, pcr_index, pcrs_from_py, AttestationKey, VerifiedCertification, VerifiedQuote,
};

/// How one check of an appraisal ended.
///
/// Only `appraise` makes one (`Appraisal.outcomes`); it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct CheckOutcome {
    /// The check: "ak-binding", "app-key-certification", "quote", "location-log" or
    /// "app-key-possession".
    #[pyo3(get)]
    check: &'static str,
    /// "passed", "failed" or "skipped".
    #[pyo3(get)]
    outcome: &'static str,
    /// The `AegisError` a failed check raised (its `.name` and `.code` name the failed item);
    /// None otherwise.
    #[pyo3(get)]
    error: Option<Py<PyAny>>,
    /// Why a skipped check did not run (its input is missing, or a check it depends on
    /// failed); None otherwise.
    #[pyo3(get)]
    reason: Option<&'static str>,
}

#[pymethods]
impl CheckOutcome {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let detail = match (&self.error, self.reason) {
            (Some(e), _) => format!(", error={}", e.bind(py).repr()?),
            (None, Some(r)) => format!(", reason={}", str_repr(py, r)),
            (None, None) => String::new(),
        };
        Ok(format!(
            "CheckOutcome(check={}, outcome={}{detail})",
            str_repr(py, self.check),
            str_repr(py, self.outcome)
        ))
    }
}

/// The location log as the "location-log" check verified it (VERIFIER-CHECKS.md item 16;
/// FORMATS.md, location evidence): how many events were replayed into which PCR, and the
/// current event (the last one, bound to this attestation's quote nonce).
///
/// Only `appraise` makes one (`Appraisal.location`); it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct VerifiedLocation {
    event_count: usize,
    bank: &'static str,
    index: u8,
    current_json: String,
}

impl VerifiedLocation {
    fn new(location: &CoreLocation) -> Self {
        let (index, bank) = location.pcr();
        VerifiedLocation {
            event_count: location.records().len(),
            bank: bank.name(),
            index,
            current_json: location
                .records()
                .last()
                .map_or_else(String::new, |r| r.canonical_json().to_owned()),
        }
    }
}

#[pymethods]
impl VerifiedLocation {
    /// How many location events the log held (all replayed into the PCR, oldest first; the
    /// last is the current one).
    #[getter]
    fn event_count(&self) -> usize {
        self.event_count
    }

    /// The (bank name, PCR index) the log was replayed into: ("sha256", 15) by default.
    #[getter]
    fn pcr(&self) -> (&'static str, u8) {
        (self.bank, self.index)
    }

    /// The current event as its canonical JSON (RFC 8785, a str): exactly the text hashed with
    /// the nonce and extended into the PCR, what the TPM measured.
    #[getter]
    fn current_json(&self) -> &str {
        &self.current_json
    }

    /// The current event as a new dict parsed from `current_json`: sensor_type, sensor_id,
    /// latitude, longitude, accuracy_m, time, quality, and altitude_m, imei, imsi, msisdn when
    /// present (FORMATS.md).
    #[getter]
    fn current<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.current_json.as_str(),))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "VerifiedLocation(event_count={}, pcr=({}, {}), current={})",
            self.event_count,
            str_repr(py, self.bank),
            self.index,
            self.current(py)?.repr()?
        ))
    }
}

/// The result of `appraise`: every check's outcome, in the order the checks ran, what they
/// establish and what they do not, and the verified quote, certification and location.
///
/// Only `appraise` makes one; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct Appraisal {
    passed: bool,
    outcomes: Vec<Py<CheckOutcome>>,
    established: Vec<&'static str>,
    not_established: Vec<String>,
    quote: Option<Py<VerifiedQuote>>,
    certification: Option<Py<VerifiedCertification>>,
    location: Option<Py<VerifiedLocation>>,
}

#[pymethods]
impl Appraisal {
    /// Whether every check ran and passed (a skipped check is not a pass).
    #[getter]
    fn passed(&self) -> bool {
        self.passed
    }

    /// Every check with its outcome (`CheckOutcome`), in the order they ran.
    #[getter]
    fn outcomes(&self, py: Python<'_>) -> Vec<Py<CheckOutcome>> {
        self.outcomes.iter().map(|o| o.clone_ref(py)).collect()
    }

    /// What the passed checks establish, one sentence each.
    #[getter]
    fn established(&self) -> Vec<&'static str> {
        self.established.clone()
    }

    /// What this appraisal does not establish: the failed and skipped checks, and what no
    /// check covers (e.g. the platform's boot state), one sentence each.
    #[getter]
    fn not_established(&self) -> Vec<String> {
        self.not_established.clone()
    }

    /// The verified quote when the "quote" check passed, else None.
    #[getter]
    fn quote(&self, py: Python<'_>) -> Option<Py<VerifiedQuote>> {
        self.quote.as_ref().map(|q| q.clone_ref(py))
    }

    /// The verified certification when the "app-key-certification" check passed, else None.
    #[getter]
    fn certification(&self, py: Python<'_>) -> Option<Py<VerifiedCertification>> {
        self.certification.as_ref().map(|c| c.clone_ref(py))
    }

    /// The verified location (`VerifiedLocation`) when the "location-log" check passed, else
    /// None.
    #[getter]
    fn location(&self, py: Python<'_>) -> Option<Py<VerifiedLocation>> {
        self.location.as_ref().map(|l| l.clone_ref(py))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let not_passed: Vec<String> = self
            .outcomes
            .iter()
            .map(|o| o.get())
            .filter(|o| o.outcome != "passed")
            .map(|o| format!("{}: {}", str_repr(py, o.check), str_repr(py, o.outcome)))
            .collect();
        format!(
            "Appraisal(passed={}, not_passed={{{}}})",
            bool_repr(self.passed),
            not_passed.join(", ")
        )
    }
}

/// `location_pcr`: a (bank name, PCR index) pair; ("sha256", 15) by default.
#[derive(Debug, Default)]
pub struct LocationPcrArg(LocationPcr);

impl<'py> FromPyObject<'py> for LocationPcrArg {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = ob.py();
        let (bank, index): (Bound<'py, PyAny>, Bound<'py, PyAny>) = ob.extract().map_err(|_| {
            invalid_argument(
                py,
                "location_pcr must be a (bank name, PCR index) tuple such as (\"sha256\", 15), or None",
            )
        })?;
        Ok(LocationPcrArg(LocationPcr {
            bank: bank_from_py(py, &bank)?,
            index: pcr_index(py, &index)?,
        }))
    }
}

/// A possession proof as given: message, scheme, signature and its format.
struct Possession {
    message: Vec<u8>,
    scheme: aegis_core::crypto::SignatureScheme,
    signature: Vec<u8>,
    format: CoreFormat,
}

const POSSESSION_USAGE: &str = "possession must be a (message: bytes, scheme: str, signature: bytes) \
                                tuple, optionally with the signature's format (\"raw\", \"der\", \"tpmt\")";

fn bytes_of(py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    item.extract::<ByteArg<'_>>()
        .map(|b| b.to_vec())
        .map_err(|_| invalid_argument(py, POSSESSION_USAGE))
}

/// Reads the possession tuple (the core decodes its signature against the certified App Key).
fn possession_from_py(py: Python<'_>, tuple: &Bound<'_, PyAny>) -> PyResult<Possession> {
    let tuple = tuple
        .downcast::<PyTuple>()
        .map_err(|_| invalid_argument(py, POSSESSION_USAGE))?;
    let format = match tuple.len() {
        3 => SignatureFormat::Raw,
        4 => {
            let name: String = tuple
                .get_item(3)?
                .extract()
                .map_err(|_| invalid_argument(py, POSSESSION_USAGE))?;
            SignatureFormat::from_name(py, &name)?
        }
        _ => return Err(invalid_argument(py, POSSESSION_USAGE)),
    };
    let message = bytes_of(py, &tuple.get_item(0)?)?;
    let scheme: String = tuple
        .get_item(1)?
        .extract()
        .map_err(|_| invalid_argument(py, POSSESSION_USAGE))?;
    let scheme = scheme_from_name(py, &scheme)?;
    Ok(Possession {
        message,
        scheme,
        signature: bytes_of(py, &tuple.get_item(2)?)?,
        format: format.core(),
    })
}

/// Appraises one attestation: runs every check and returns an `Appraisal` with each one's
/// outcome, instead of raising at the first failure. The GIL is released while appraising.
///
/// The checks, in order: "ak-binding" (`ak` is the AK `binding` bound to the EK; `binding=None`
/// fails it with "AkBindingMismatch"), "app-key-certification" (TPM2_Certify of the App Key by
/// `ak` over `certify_nonce`), "quote" (TPM2_Quote by `ak` over `quote_nonce`, with the
/// location PCR required when one is appraised), "location-log" (only when `location_pcr` is
/// not None: the log replays to that PCR, its last event recorded for `quote_nonce`) and
/// "app-key-possession" (only when `possession` is given: a signature by the certified App Key).
///
/// Bytes are as received from the attester, each bytes, bytearray or memoryview.
///
/// Args:
///     ak: the `AttestationKey`.
///     binding: the `AkBinding` from credential activation, or None.
///     app_key: keyword-only; the App Key's TPM2B_PUBLIC (or TPMT_PUBLIC).
///     certify_attest: keyword-only; the certification's TPMS_ATTEST (or TPM2B_ATTEST).
///     certify_signature: keyword-only; its TPMT_SIGNATURE.
///     quote_attest: keyword-only; the quote's TPMS_ATTEST (or TPM2B_ATTEST).
///     quote_signature: keyword-only; its TPMT_SIGNATURE.
///     pcrs: keyword-only; the quoted PCR values: a tpm2-tools PCR file or Aegis's PCR JSON as
///         bytes, or a dict bank name -> {PCR index: value bytes}.
///     certify_nonce: keyword-only; the nonce the certification must carry.
///     quote_nonce: keyword-only; the nonce the quote (and the location log's last event)
///         must carry.
///     location_log: keyword-only; the location event log (FORMATS.md), or None.
///     location_pcr: keyword-only; the (bank, index) the location log is measured into,
///         ("sha256", 15) by default; None appraises no location.
///     possession: keyword-only; (message, scheme, signature) with the signature "raw" (RSA
///         bytes or ECDSA r||s), or (message, scheme, signature, format) with format "raw",
///         "der" or "tpmt"; scheme as for `verify_signature`; None (default) skips the check.
///         A signature that does not decode in its format fails "app-key-possession".
///     allow_sha1: keyword-only; the one SHA-1 switch (signatures, PCR banks, nameAlgs).
///     key_policy: keyword-only; the `KeyPolicy` the App Key must be on (None, the default:
///         RSA 2048/3072/4096, P-256, P-384).
///
/// Returns:
///     Appraisal: every check's outcome; failed evidence is a failed outcome, not an
///     exception.
///
/// Raises:
///     UsageError: a wrong argument (a bank name, PCR index, possession tuple or scheme, a
///         byte argument that is not bytes-like).
///     ParseError: the PCR values do not decode.
#[pyfunction]
#[pyo3(signature = (
    ak, binding, *, app_key, certify_attest, certify_signature, quote_attest, quote_signature,
    pcrs, certify_nonce, quote_nonce, location_log = None, location_pcr = Some(LocationPcrArg::default()),
    possession = None, allow_sha1 = false, key_policy = None
), text_signature = "(ak, binding, *, app_key, certify_attest, certify_signature, quote_attest, \
    quote_signature, pcrs, certify_nonce, quote_nonce, location_log=None, location_pcr=('sha256', 15), \
    possession=None, allow_sha1=False, key_policy=None)")]
#[allow(clippy::too_many_arguments)]
pub fn appraise(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    binding: Option<&Bound<'_, AkBinding>>,
    app_key: ByteArg<'_>,
    certify_attest: ByteArg<'_>,
    certify_signature: ByteArg<'_>,
    quote_attest: ByteArg<'_>,
    quote_signature: ByteArg<'_>,
    pcrs: &Bound<'_, PyAny>,
    certify_nonce: ByteArg<'_>,
    quote_nonce: ByteArg<'_>,
    location_log: Option<ByteArg<'_>>,
    location_pcr: Option<LocationPcrArg>,
    possession: Option<&Bound<'_, PyAny>>,
    allow_sha1: bool,
    key_policy: Option<&Bound<'_, KeyPolicy>>,
) -> PyResult<Appraisal> {
    let pcrs = pcrs_from_py(py, pcrs)?;
    let location = location_pcr.map(|l| l.0);
    let possession = possession.map(|p| possession_from_py(py, p)).transpose()?;
    let mut attest = AttestPolicy::default();
    attest.allow_sha1(allow_sha1);
    let policy = AppraisalPolicy {
        quote: QuotePolicy {
            attest: attest.clone(),
            ..QuotePolicy::default()
        },
        certify: CertifyPolicy {
            attest,
            app_key: key_policy_or_default(key_policy),
        },
        location,
    };
    let evidence = Evidence {
        app_key: &app_key,
        certify_attest: &certify_attest,
        certify_signature: &certify_signature,
        quote_attest: &quote_attest,
        quote_signature: &quote_signature,
        pcrs: &pcrs,
        location_log: location_log.as_deref(),
        possession: possession.as_ref().map(|p| PossessionProof {
            message: &p.message,
            scheme: p.scheme,
            signature: &p.signature,
            format: p.format,
        }),
    };
    let nonces = Nonces {
        certify: &certify_nonce,
        quote: &quote_nonce,
    };
    let ak = &ak.get().inner;
    let binding = binding.map(|b| &b.get().inner);
    let appraisal = py.allow_threads(|| {
        core_appraise::appraise(default_provider(), ak, binding, &evidence, &nonces, &policy)
    });

    let mut outcomes = Vec::with_capacity(appraisal.outcomes().len());
    for (check, outcome) in appraisal.outcomes() {
        let (name, error, reason) = match outcome {
            Outcome::Passed => ("passed", None, None),
            Outcome::Failed(e) => (
                "failed",
                Some(to_py_err(py, e).into_value(py).into_any()),
                None,
            ),
            Outcome::Skipped(why) => ("skipped", None, Some(*why)),
        };
        outcomes.push(Py::new(
            py,
            CheckOutcome {
                check: check.name(),
                outcome: name,
                error,
                reason,
            },
        )?);
    }
    let quote = appraisal
        .quote()
        .map(|q| Py::new(py, VerifiedQuote { inner: q.clone() }))
        .transpose()?;
    let certification = appraisal
        .certification()
        .map(|c| Py::new(py, VerifiedCertification { inner: c.clone() }))
        .transpose()?;
    let location = appraisal
        .location()
        .map(|l| Py::new(py, VerifiedLocation::new(l)))
        .transpose()?;
    Ok(Appraisal {
        passed: appraisal.passed(),
        outcomes,
        established: appraisal.established(),
        not_established: appraisal.not_established(),
        quote,
        certification,
        location,
    })
}

/// Registers the appraisal surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CheckOutcome>()?;
    m.add_class::<Appraisal>()?;
    m.add_class::<VerifiedLocation>()?;
    m.add_function(wrap_pyfunction!(appraise, m)?)?;
    Ok(())
}
