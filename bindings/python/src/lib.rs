//! `aegis._aegis`: the native module of the Python package `aegis`, binding aegis-core directly.
//!
//! Verification releases the GIL; every error is an `AegisError` subclass with the stable code
//! (errors.rs). The typed surface is python/aegis/_aegis.pyi, checked by mypy's stubtest.
#![deny(unsafe_code)]

mod appraise;
mod binding;
mod ek;
mod errors;
mod sign;

use aegis_core::compat;
use aegis_core::crypto::default_provider;
use aegis_core::inspect::{inspect as inspect_structure, Structure};
use aegis_core::tpm::{self, HashAlg, Name, PcrValues, Scheme};
use aegis_core::verify::{
    self, AttestPolicy, CertifyPolicy, HashAllowList, KeyPolicy, QuotePolicy,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping};

use errors::{invalid_argument, IntoPyResult};

/// An Attestation Key to verify quotes and certifications with.
///
/// Build it from the AK's TPM public area (`from_tpm_public`, which checks that the AK is a
/// restricted signing key: VERIFIER-CHECKS.md item 13). `from_bare_key_unchecked` takes a bare
/// public key and cannot make that check.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct AttestationKey {
    inner: verify::AttestationKey,
}

#[pymethods]
impl AttestationKey {
    /// The AK from its TPM2B_PUBLIC (as `tpm2_createak -u` writes it) or TPMT_PUBLIC, after
    /// the item 13 checks (restricted, sign, fixedTPM, fixedParent, sensitiveDataOrigin, a
    /// concrete scheme, key size or curve on the default allow-list).
    #[staticmethod]
    fn from_tpm_public(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = verify::AttestationKey::from_tpm_public(data, &KeyPolicy::default())
            .py_err(py)?;
        Ok(AttestationKey { inner })
    }

    /// UNCHECKED: an AK known only as a bare public key (SubjectPublicKeyInfo, PEM or DER) with
    /// the scheme ("rsassa", "rsapss", "ecdsa") and hash the caller says it uses.
    ///
    /// A bare key cannot show that it is restricted, so a quote verified with it proves nothing
    /// about TPM-generated data unless the caller established that elsewhere.
    #[staticmethod]
    #[pyo3(signature = (spki, scheme = "rsassa", hash = "sha256"))]
    fn from_bare_key_unchecked(
        py: Python<'_>,
        spki: &[u8],
        scheme: &str,
        hash: &str,
    ) -> PyResult<Self> {
        let h = hash_from_name(py, hash)?;
        let scheme = match scheme {
            "rsassa" => Scheme::RsaSsa(h),
            "rsapss" => Scheme::RsaPss(h),
            "ecdsa" => Scheme::Ecdsa(h),
            _ => {
                return Err(invalid_argument(
                    py,
                    "scheme must be \"rsassa\", \"rsapss\" or \"ecdsa\"",
                ))
            }
        };
        let inner =
            verify::AttestationKey::from_bare_key_unchecked(spki, scheme, &KeyPolicy::default())
                .py_err(py)?;
        Ok(AttestationKey { inner })
    }

    /// The AK's Name (nameAlg || H(TPMT_PUBLIC)), or None for a bare key.
    #[getter]
    fn name<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.name().map(|n| PyBytes::new(py, n.as_bytes()))
    }

    /// Whether the item 13 checks were made (False for a bare key).
    #[getter]
    fn is_checked(&self) -> bool {
        self.inner.is_checked()
    }

    /// The AK's signing scheme: "rsassa", "rsapss" or "ecdsa".
    #[getter]
    fn scheme(&self) -> &'static str {
        scheme_name(self.inner.scheme())
    }

    /// The hash of the AK's signing scheme ("sha256", ...).
    #[getter]
    fn hash(&self) -> Option<&'static str> {
        self.inner.scheme().hash().map(HashAlg::name)
    }

    fn __repr__(&self) -> String {
        let name = self
            .inner
            .name()
            .map_or_else(|| "None (bare key, unchecked)".to_owned(), |n| n.to_hex());
        format!(
            "AttestationKey(scheme={}, hash={}, name={name})",
            scheme_name(self.inner.scheme()),
            self.inner.scheme().hash().map_or("none", HashAlg::name)
        )
    }
}

fn scheme_name(s: Scheme) -> &'static str {
    match s {
        Scheme::RsaSsa(_) => "rsassa",
        Scheme::RsaPss(_) => "rsapss",
        Scheme::Ecdsa(_) => "ecdsa",
        // AttestationKey admits no other scheme.
        _ => "other",
    }
}

/// TPMS_CLOCK_INFO (TCG Part 2, 10.11.1) as signed in an attestation.
///
/// Pass the one from the last verified attestation by the same AK as `previous_clock` to
/// refuse a clock that went backwards (item 10).
#[pyclass(frozen, eq, hash, module = "aegis._aegis")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ClockInfo {
    /// Milliseconds the TPM has been powered since it was last cleared (may be obfuscated).
    #[pyo3(get)]
    clock: u64,
    /// TPM resets since the last TPM2_Clear.
    #[pyo3(get)]
    reset_count: u32,
    /// TPM restarts/resumes since the last reset.
    #[pyo3(get)]
    restart_count: u32,
    /// Whether `clock` is guaranteed not to have gone backwards.
    #[pyo3(get)]
    safe: bool,
}

#[pymethods]
impl ClockInfo {
    #[new]
    #[pyo3(signature = (clock, reset_count, restart_count, safe))]
    fn new(clock: u64, reset_count: u32, restart_count: u32, safe: bool) -> Self {
        ClockInfo {
            clock,
            reset_count,
            restart_count,
            safe,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "ClockInfo(clock={}, reset_count={}, restart_count={}, safe={})",
            self.clock,
            self.reset_count,
            self.restart_count,
            if self.safe { "True" } else { "False" }
        )
    }
}

impl From<tpm::ClockInfo> for ClockInfo {
    fn from(c: tpm::ClockInfo) -> Self {
        ClockInfo {
            clock: c.clock,
            reset_count: c.reset_count,
            restart_count: c.restart_count,
            safe: c.safe,
        }
    }
}

impl From<ClockInfo> for tpm::ClockInfo {
    fn from(c: ClockInfo) -> Self {
        tpm::ClockInfo {
            clock: c.clock,
            reset_count: c.reset_count,
            restart_count: c.restart_count,
            safe: c.safe,
        }
    }
}

/// A quote whose signature, structure, freshness and PCR digest were all verified.
/// Only `verify_quote` makes one.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct VerifiedQuote {
    inner: verify::VerifiedQuote,
}

#[pymethods]
impl VerifiedQuote {
    /// The PCR values, bank name -> index -> value; each covered by the signed selection.
    #[getter]
    fn pcrs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pcrs_to_dict(py, self.inner.pcrs())
    }

    /// The signed PCR selection, bank name -> ascending indices, banks in signed order.
    #[getter]
    fn selection<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for bank in &self.inner.selection().banks {
            out.set_item(
                bank.hash.name(),
                PyList::new(py, bank.indices().collect::<Vec<u8>>())?,
            )?;
        }
        Ok(out)
    }

    /// TPMS_CLOCK_INFO as signed.
    #[getter]
    fn clock(&self) -> ClockInfo {
        self.inner.clock_info().into()
    }

    /// firmwareVersion as signed.
    #[getter]
    fn firmware_version(&self) -> u64 {
        self.inner.firmware_version()
    }

    /// The signature's (and PCR digest's) hash algorithm: "sha256", ...
    #[getter]
    fn hash(&self) -> &'static str {
        self.inner.hash().name()
    }

    /// qualifiedSigner as signed (the AK's qualified Name).
    #[getter]
    fn qualified_signer<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.qualified_signer().as_bytes())
    }

    fn __repr__(&self) -> String {
        format!(
            "VerifiedQuote(hash={}, pcrs={}, clock={:?})",
            self.hash(),
            self.inner.pcrs().len(),
            self.clock()
        )
    }
}

/// A TPM2_Certify whose signature, structure, freshness and certified Name were verified and
/// whose certified key passed the App Key policy (item 15). Only `verify_certify` makes one.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct VerifiedCertification {
    inner: verify::VerifiedCertification,
}

#[pymethods]
impl VerifiedCertification {
    /// The certified key's Name (equal to certifyInfo.name).
    #[getter]
    fn name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.name().as_bytes())
    }

    /// certifyInfo.qualifiedName as signed.
    #[getter]
    fn qualified_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.qualified_name().as_bytes())
    }

    /// The certified key's TPM2B_PUBLIC (its TPMT_PUBLIC exactly as received).
    #[getter]
    fn public<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.certified_key().to_tpm2b())
    }

    /// The certified key as a DER SubjectPublicKeyInfo.
    fn spki<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let der = compat::public_key_to_spki_der(self.inner.certified_key()).py_err(py)?;
        Ok(PyBytes::new(py, &der))
    }

    /// TPMS_CLOCK_INFO as signed.
    #[getter]
    fn clock(&self) -> ClockInfo {
        self.inner.clock_info().into()
    }

    /// firmwareVersion as signed.
    #[getter]
    fn firmware_version(&self) -> u64 {
        self.inner.attest().firmware_version
    }

    /// qualifiedSigner as signed (the AK's qualified Name).
    #[getter]
    fn qualified_signer<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.attest().qualified_signer.as_bytes())
    }

    fn __repr__(&self) -> String {
        format!("VerifiedCertification(name={})", self.inner.name().to_hex())
    }
}

fn hash_from_name(py: Python<'_>, name: &str) -> PyResult<HashAlg> {
    HashAlg::from_name(name).ok_or_else(|| {
        invalid_argument(
            py,
            "hash must be \"sha1\", \"sha256\", \"sha384\" or \"sha512\"",
        )
    })
}

fn pcr_index(py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<u8> {
    index
        .extract::<u8>()
        .ok()
        .filter(|i| *i < tpm::PCR_COUNT)
        .ok_or_else(|| invalid_argument(py, "PCR index must be an int from 0 to 23"))
}

fn pcrs_to_dict<'py>(py: Python<'py>, values: &PcrValues) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (hash, bank) in &values.banks {
        let entries = PyDict::new(py);
        for (index, value) in bank {
            entries.set_item(index, PyBytes::new(py, value))?;
        }
        out.set_item(hash.name(), entries)?;
    }
    Ok(out)
}

/// PCR values from bytes (tpm2-tools PCR file or JSON, by content) or a mapping
/// bank name -> {index: value bytes}.
fn pcrs_from_py(py: Python<'_>, pcrs: &Bound<'_, PyAny>) -> PyResult<PcrValues> {
    if let Ok(data) = pcrs.downcast::<PyBytes>() {
        return compat::read_pcrs(data.as_bytes()).py_err(py);
    }
    let banks = pcrs.downcast::<PyMapping>().map_err(|_| {
        invalid_argument(
            py,
            "pcrs must be bytes or a mapping of bank name to {index: bytes}",
        )
    })?;
    let mut out = PcrValues::default();
    for item in banks.items()?.iter() {
        let (bank, entries): (String, Bound<'_, PyAny>) = item.extract()?;
        let hash = hash_from_name(py, &bank)?;
        let entries = entries.downcast::<PyMapping>().map_err(|_| {
            invalid_argument(py, "each PCR bank must be a mapping of index to bytes")
        })?;
        for entry in entries.items()?.iter() {
            let (index, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = entry.extract()?;
            let value = value
                .downcast::<PyBytes>()
                .map_err(|_| invalid_argument(py, "PCR values must be bytes"))?;
            out.insert(hash, pcr_index(py, &index)?, value.as_bytes().to_vec())
                .py_err(py)?;
        }
    }
    Ok(out)
}

/// Parses PCR values given as a tpm2-tools PCR file (`tpm2_quote -o`) or as Aegis's PCR JSON,
/// told apart by content. Returns bank name -> index -> value.
#[pyfunction]
fn parse_pcrs<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let values = compat::read_pcrs(data).py_err(py)?;
    pcrs_to_dict(py, &values)
}

/// The part of the policy quote and certify share (`AttestPolicy`): the hash allow-list
/// (`hashes` if given, else SHA-256/384/512; SHA-1 only through `allow_sha1`, the one switch for
/// SHA-1 signatures, PCR banks and key nameAlgs), the expected signer and the previous clock.
fn attest_policy(
    py: Python<'_>,
    hashes: Option<Vec<String>>,
    allow_sha1: bool,
    expected_signer: Option<&[u8]>,
    previous_clock: Option<ClockInfo>,
) -> PyResult<AttestPolicy> {
    let mut policy = AttestPolicy {
        expected_signer: expected_signer.map(Name::from_bytes),
        previous_clock: previous_clock.map(Into::into),
        ..AttestPolicy::default()
    };
    if let Some(names) = hashes {
        let mut algs = Vec::with_capacity(names.len());
        for name in &names {
            let h = hash_from_name(py, name)?;
            if h == HashAlg::Sha1 && !allow_sha1 {
                return Err(invalid_argument(
                    py,
                    "\"sha1\" in hashes needs allow_sha1=True",
                ));
            }
            algs.push(h);
        }
        policy.hashes = HashAllowList::new(&algs);
    }
    policy.allow_sha1(allow_sha1);
    Ok(policy)
}

/// Verifies a TPM2_Quote (VERIFIER-CHECKS.md items 1-12) and returns what it proves.
///
/// `attest` is the TPMS_ATTEST (or TPM2B_ATTEST) as the TPM returned it, `signature` its
/// TPMT_SIGNATURE, `pcrs` the claimed PCR values, `nonce` the fresh nonce this verifier issued.
/// The GIL is released while verifying.
#[pyfunction]
#[pyo3(signature = (
    ak, attest, signature, pcrs, nonce, *,
    require_pcrs = None, allow_sha1 = false, hashes = None, expected_signer = None, previous_clock = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_quote(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    attest: &[u8],
    signature: &[u8],
    pcrs: &Bound<'_, PyAny>,
    nonce: &[u8],
    require_pcrs: Option<&Bound<'_, PyMapping>>,
    allow_sha1: bool,
    hashes: Option<Vec<String>>,
    expected_signer: Option<&[u8]>,
    previous_clock: Option<ClockInfo>,
) -> PyResult<VerifiedQuote> {
    let values = pcrs_from_py(py, pcrs)?;
    let mut policy = QuotePolicy {
        attest: attest_policy(py, hashes, allow_sha1, expected_signer, previous_clock)?,
        ..QuotePolicy::default()
    };
    if let Some(required) = require_pcrs {
        for item in required.items()?.iter() {
            let (bank, indices): (String, Bound<'_, PyAny>) = item.extract()?;
            let hash = hash_from_name(py, &bank)?;
            for index in indices.try_iter()? {
                policy.required_pcrs.push(hash, pcr_index(py, &index?)?);
            }
        }
    }
    let key = &ak.get().inner;
    let verified = py
        .allow_threads(|| {
            verify::verify_quote(
                default_provider(),
                key,
                attest,
                signature,
                &values,
                nonce,
                &policy,
            )
        })
        .py_err(py)?;
    Ok(VerifiedQuote { inner: verified })
}

/// Verifies a TPM2_Certify of an App Key by the AK (items 1-10, 13, 15).
///
/// `app_key` is the certified key's TPM2B_PUBLIC (or TPMT_PUBLIC) as received; `attest` and
/// `signature` what TPM2_Certify returned; `nonce` the qualifying data this verifier required.
/// The GIL is released while verifying.
#[pyfunction]
#[pyo3(signature = (
    ak, app_key, attest, signature, nonce, *,
    allow_sha1 = false, hashes = None, expected_signer = None, previous_clock = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_certify(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    app_key: &[u8],
    attest: &[u8],
    signature: &[u8],
    nonce: &[u8],
    allow_sha1: bool,
    hashes: Option<Vec<String>>,
    expected_signer: Option<&[u8]>,
    previous_clock: Option<ClockInfo>,
) -> PyResult<VerifiedCertification> {
    let policy = CertifyPolicy {
        attest: attest_policy(py, hashes, allow_sha1, expected_signer, previous_clock)?,
        ..CertifyPolicy::default()
    };
    let key = &ak.get().inner;
    let verified = py
        .allow_threads(|| {
            verify::verify_certify(
                default_provider(),
                key,
                app_key,
                attest,
                signature,
                nonce,
                &policy,
            )
        })
        .py_err(py)?;
    Ok(VerifiedCertification { inner: verified })
}

/// Decodes a TPM structure into JSON-shaped data, as `aegis inspect` does (decoding only, never a
/// verdict). `structure` names it ("tpms_attest", "tpm2b_public", "tpmt_signature", "pcrs",
/// "keylime_quote", ...); without it the structure is told apart by content.
#[pyfunction]
#[pyo3(signature = (data, structure = None))]
fn inspect<'py>(
    py: Python<'py>,
    data: &[u8],
    structure: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let structure = structure
        .map(|name| {
            Structure::from_name(name).ok_or_else(|| invalid_argument(py, "unknown structure name"))
        })
        .transpose()?;
    let json = inspect_structure(data, structure).py_err(py)?.to_string();
    let decoded = py.import("json")?.call_method1("loads", (json,))?;
    Ok(decoded.downcast_into::<PyDict>()?)
}

/// The native module `aegis._aegis` (import it through `aegis`).
#[pymodule]
fn _aegis(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<AttestationKey>()?;
    m.add_class::<ClockInfo>()?;
    m.add_class::<VerifiedQuote>()?;
    m.add_class::<VerifiedCertification>()?;
    m.add_function(wrap_pyfunction!(parse_pcrs, m)?)?;
    m.add_function(wrap_pyfunction!(verify_quote, m)?)?;
    m.add_function(wrap_pyfunction!(verify_certify, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    ek::register(m)?;
    sign::register(m)?;
    binding::register(m)?;
    appraise::register(m)?;
    Ok(())
}
