//! One attestation's appraisal (ARCHITECTURE.md, flow step 4): `appraise` over aegis-core's
//! `appraise::appraise`, returning every check's outcome instead of stopping at the first
//! failure (bindings/API.md; the C ABI's `aegis_appraise`).

use aegis_core::appraise::{
    self as core_appraise, AppraisalPolicy, Evidence, LocationPcr, Nonces, Outcome, PossessionProof,
};
use aegis_core::crypto::{default_provider, SignatureFormat as CoreFormat};
use aegis_core::tpm;
use aegis_core::verify::{AttestPolicy, CertifyPolicy, QuotePolicy};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::binding::AkBinding;
use crate::errors::{invalid_argument, to_py_err};
use crate::sign::{scheme_from_name, SignatureFormat};
use crate::{hash_from_name, pcrs_from_py, AttestationKey, VerifiedCertification, VerifiedQuote};

/// How one check of an appraisal ended.
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
            (None, Some(r)) => format!(", reason={r:?}"),
            (None, None) => String::new(),
        };
        Ok(format!(
            "CheckOutcome(check='{}', outcome='{}'{detail})",
            self.check, self.outcome
        ))
    }
}

/// The result of `appraise`: every check's outcome, in the order the checks ran, what they
/// establish and what they do not, and the verified quote and certification.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct Appraisal {
    passed: bool,
    outcomes: Vec<Py<CheckOutcome>>,
    established: Vec<&'static str>,
    not_established: Vec<String>,
    quote: Option<Py<VerifiedQuote>>,
    certification: Option<Py<VerifiedCertification>>,
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

    fn __repr__(&self) -> String {
        let not_passed: Vec<String> = self
            .outcomes
            .iter()
            .map(|o| o.get())
            .filter(|o| o.outcome != "passed")
            .map(|o| format!("'{}': '{}'", o.check, o.outcome))
            .collect();
        format!(
            "Appraisal(passed={}, not_passed={{{}}})",
            if self.passed { "True" } else { "False" },
            not_passed.join(", ")
        )
    }
}

fn default_location_pcr() -> (String, u8) {
    let loc = LocationPcr::default();
    (loc.bank.name().to_owned(), loc.index)
}

fn location_pcr(py: Python<'_>, pcr: Option<(String, u8)>) -> PyResult<Option<LocationPcr>> {
    pcr.map(|(bank, index)| {
        if index >= tpm::PCR_COUNT {
            return Err(invalid_argument(
                py,
                "PCR index must be an int from 0 to 23",
            ));
        }
        Ok(LocationPcr {
            index,
            bank: hash_from_name(py, &bank)?,
        })
    })
    .transpose()
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
    item.downcast::<PyBytes>()
        .map(|b| b.as_bytes().to_vec())
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
/// outcome, instead of raising at the first failure.
///
/// The checks, in order: "ak-binding" (`ak` is the AK `binding` bound to the EK; `binding=None`
/// fails it with "AkBindingMismatch"), "app-key-certification" (TPM2_Certify of the App Key by
/// `ak` over `certify_nonce`), "quote" (TPM2_Quote by `ak` over `quote_nonce`, with the
/// location PCR required when one is appraised), "location-log" (only when `location_pcr` is
/// not None: the log replays to that PCR, its last event recorded for `quote_nonce`) and
/// "app-key-possession" (only when `possession` is given: a signature by the certified App Key).
///
/// Bytes are as received from the attester: `app_key` the App Key's TPM2B_PUBLIC (or
/// TPMT_PUBLIC); `certify_attest` and `quote_attest` TPMS_ATTEST (or TPM2B_ATTEST);
/// `certify_signature` and `quote_signature` TPMT_SIGNATURE; `pcrs` the quoted PCR values as
/// bytes (a tpm2-tools PCR file or Aegis's PCR JSON) or a mapping bank -> {index: bytes};
/// `location_log` the location event log (FORMATS.md). `location_pcr` is (bank, index),
/// ("sha256", 15) by default; None appraises no location. `possession` is (message, scheme,
/// signature) with the signature "raw" (RSA bytes or ECDSA r||s), or (message, scheme,
/// signature, format) with format "raw", "der" or "tpmt"; a signature that does not decode in
/// its format fails "app-key-possession". `allow_sha1` is the one SHA-1 switch (signatures, PCR banks, nameAlgs).
///
/// Only a wrong argument raises; failed evidence is a failed outcome. The GIL is released
/// while appraising.
#[pyfunction]
#[pyo3(signature = (
    ak, binding, *, app_key, certify_attest, certify_signature, quote_attest, quote_signature,
    pcrs, certify_nonce, quote_nonce, location_log = None, location_pcr = Some(default_location_pcr()),
    possession = None, allow_sha1 = false
), text_signature = "(ak, binding, *, app_key, certify_attest, certify_signature, quote_attest, \
    quote_signature, pcrs, certify_nonce, quote_nonce, location_log=None, location_pcr=('sha256', 15), \
    possession=None, allow_sha1=False)")]
#[allow(clippy::too_many_arguments)]
pub fn appraise(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    binding: Option<&Bound<'_, AkBinding>>,
    app_key: &[u8],
    certify_attest: &[u8],
    certify_signature: &[u8],
    quote_attest: &[u8],
    quote_signature: &[u8],
    pcrs: &Bound<'_, PyAny>,
    certify_nonce: &[u8],
    quote_nonce: &[u8],
    location_log: Option<&[u8]>,
    location_pcr: Option<(String, u8)>,
    possession: Option<&Bound<'_, PyAny>>,
    allow_sha1: bool,
) -> PyResult<Appraisal> {
    let pcrs = pcrs_from_py(py, pcrs)?;
    let location = self::location_pcr(py, location_pcr)?;
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
            ..CertifyPolicy::default()
        },
        location,
    };
    let evidence = Evidence {
        app_key,
        certify_attest,
        certify_signature,
        quote_attest,
        quote_signature,
        pcrs: &pcrs,
        location_log,
        possession: possession.as_ref().map(|p| PossessionProof {
            message: &p.message,
            scheme: p.scheme,
            signature: &p.signature,
            format: p.format,
        }),
    };
    let nonces = Nonces {
        certify: certify_nonce,
        quote: quote_nonce,
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
    Ok(Appraisal {
        passed: appraisal.passed(),
        outcomes,
        established: appraisal.established(),
        not_established: appraisal.not_established(),
        quote,
        certification,
    })
}

/// Registers the appraisal surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CheckOutcome>()?;
    m.add_class::<Appraisal>()?;
    m.add_function(wrap_pyfunction!(appraise, m)?)?;
    Ok(())
}
