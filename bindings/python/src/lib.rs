//! `aegis._aegis`: the native module of the Python package `aegis`, binding aegis-core directly.
//!
//! Verification releases the GIL; every error is an `AegisError` subclass with the stable code
//! (errors.rs). The typed surface is python/aegis/_aegis.pyi, checked by mypy's stubtest.
#![deny(unsafe_code)]

mod appraise;
mod args;
mod binding;
mod bundle;
mod ear;
mod ek;
mod errors;
mod geo;
mod geofence;
mod keypolicy;
mod sign;
mod sovereign;
mod svid;
mod token;

use aegis_core::compat;
use aegis_core::crypto::default_provider;
use aegis_core::inspect::{inspect as inspect_structure, Structure};
use aegis_core::tpm::{self, HashAlg, Name, PcrValues, Scheme};
use aegis_core::verify::{
    self, AttestPolicy, CertifyPolicy, HashAllowList, KeyPolicy, QuotePolicy,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString};

use args::{bool_repr, bytes_repr, str_repr, ByteArg};
use errors::{invalid_argument, IntoPyResult};
use keypolicy::{key_policy_or_default, KeyPolicy as PyKeyPolicy};

/// An Attestation Key (AK) to verify quotes and certifications with.
///
/// Build it with `AttestationKey.from_tpm_public(data)` from the AK's TPM public area, which
/// checks that the AK is a restricted signing key (VERIFIER-CHECKS.md item 13), or with
/// `AttestationKey.from_bare_key_unchecked(spki, scheme, hash)` from a bare public key, which
/// cannot make that check. There is no other constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct AttestationKey {
    inner: verify::AttestationKey,
}

#[pymethods]
impl AttestationKey {
    /// The AK from its TPM public area, after the item 13 checks.
    ///
    /// The checks: restricted, sign, fixedTPM, fixedParent, sensitiveDataOrigin, a concrete
    /// signing scheme, and a key size or curve on the default allow-list (RSA 2048-4096, P-256,
    /// P-384); a SHA-1 nameAlg is refused.
    ///
    /// Args:
    ///     data: the AK's TPM2B_PUBLIC (as `tpm2_createak -u` writes it) or its TPMT_PUBLIC,
    ///         as bytes, bytearray or memoryview.
    ///     key_policy: keyword-only; the `KeyPolicy` the key's size or curve must be on
    ///         (None, the default: RSA 2048/3072/4096, P-256, P-384).
    ///
    /// Returns:
    ///     AttestationKey: the checked AK (`is_checked` is True).
    ///
    /// Raises:
    ///     ParseError: `data` is not a TPM2B_PUBLIC or TPMT_PUBLIC.
    ///     KeyPolicyError: the key is not a restricted signing key, or not allowed.
    ///     UsageError: `data` is not a bytes-like object.
    #[staticmethod]
    #[pyo3(signature = (data, *, key_policy = None))]
    fn from_tpm_public(
        py: Python<'_>,
        data: ByteArg<'_>,
        key_policy: Option<&Bound<'_, PyKeyPolicy>>,
    ) -> PyResult<Self> {
        let policy = key_policy_or_default(key_policy);
        let inner = verify::AttestationKey::from_tpm_public(&data, &policy).py_err(py)?;
        Ok(AttestationKey { inner })
    }

    /// UNCHECKED: an AK known only as a bare public key, with the scheme and hash the caller
    /// says it signs with.
    ///
    /// A bare key cannot show that it is restricted, so a quote verified with it proves nothing
    /// about TPM-generated data unless the caller established that elsewhere.
    ///
    /// Args:
    ///     spki: a SubjectPublicKeyInfo as DER, or PEM labelled "PUBLIC KEY" (bytes-like).
    ///     scheme: "rsassa" (default), "rsapss" or "ecdsa".
    ///     hash: the scheme's hash: "sha256" (default), "sha384", "sha512" or "sha1".
    ///
    /// Returns:
    ///     AttestationKey: the AK (`is_checked` is False, `name` is None).
    ///
    /// Raises:
    ///     UsageError: an unknown scheme or hash, a scheme that does not fit the key, or
    ///         `spki` not bytes-like.
    ///     ParseError: `spki` is not a SubjectPublicKeyInfo.
    ///     KeyPolicyError: the key is not on the default allow-list.
    #[staticmethod]
    #[pyo3(signature = (spki, scheme = "rsassa", hash = "sha256"))]
    fn from_bare_key_unchecked(
        py: Python<'_>,
        spki: ByteArg<'_>,
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
            verify::AttestationKey::from_bare_key_unchecked(&spki, scheme, &KeyPolicy::default())
                .py_err(py)?;
        Ok(AttestationKey { inner })
    }

    /// The AK's Name (nameAlg || H(TPMT_PUBLIC)) as bytes, or None for a bare key.
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

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AttestationKey(scheme={}, hash={}, checked={})",
            str_repr(py, scheme_name(self.inner.scheme())),
            self.inner
                .scheme()
                .hash()
                .map_or_else(|| "None".to_owned(), |h| str_repr(py, h.name())),
            bool_repr(self.inner.is_checked())
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
/// refuse a clock that went backwards (item 10). Compares and hashes by value.
///
/// Args:
///     clock: milliseconds the TPM has been powered since it was last cleared.
///     reset_count: TPM resets since the last TPM2_Clear.
///     restart_count: TPM restarts/resumes since the last reset.
///     safe: whether `clock` is guaranteed not to have gone backwards.
///
/// Raises:
///     OverflowError: a count out of its unsigned range (64 bits for clock, 32 for the others).
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
            bool_repr(self.safe)
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
///
/// Only `verify_quote` (and `appraise`) make one; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct VerifiedQuote {
    inner: verify::VerifiedQuote,
}

#[pymethods]
impl VerifiedQuote {
    /// The PCR values, bank name -> PCR index -> value (bytes); each covered by the signed
    /// selection.
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

    /// TPMS_CLOCK_INFO as signed (a `ClockInfo`).
    #[getter]
    fn clock(&self) -> ClockInfo {
        self.inner.clock_info().into()
    }

    /// firmwareVersion as signed (an int).
    #[getter]
    fn firmware_version(&self) -> u64 {
        self.inner.firmware_version()
    }

    /// The signature's (and PCR digest's) hash algorithm: "sha256", ...
    #[getter]
    fn hash(&self) -> &'static str {
        self.inner.hash().name()
    }

    /// qualifiedSigner as signed (the AK's qualified Name), as bytes.
    #[getter]
    fn qualified_signer<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.qualified_signer().as_bytes())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let banks: Vec<String> = self
            .inner
            .selection()
            .banks
            .iter()
            .map(|bank| {
                let indices: Vec<String> = bank.indices().map(|i| i.to_string()).collect();
                format!(
                    "{}: [{}]",
                    str_repr(py, bank.hash.name()),
                    indices.join(", ")
                )
            })
            .collect();
        format!(
            "VerifiedQuote(hash={}, pcrs={{{}}}, clock={})",
            str_repr(py, self.hash()),
            banks.join(", "),
            self.clock().__repr__()
        )
    }
}

/// A TPM2_Certify whose signature, structure, freshness and certified Name were verified and
/// whose certified key passed the App Key policy (item 15).
///
/// Only `verify_certify` (and `appraise`) make one; it has no public constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
struct VerifiedCertification {
    inner: verify::VerifiedCertification,
}

#[pymethods]
impl VerifiedCertification {
    /// The certified key's Name (equal to certifyInfo.name), as bytes.
    #[getter]
    fn name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.name().as_bytes())
    }

    /// certifyInfo.qualifiedName as signed, as bytes.
    #[getter]
    fn qualified_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.qualified_name().as_bytes())
    }

    /// The certified key's TPM2B_PUBLIC (its TPMT_PUBLIC exactly as received), as bytes.
    #[getter]
    fn public<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.certified_key().to_tpm2b())
    }

    /// The certified key as a DER SubjectPublicKeyInfo.
    ///
    /// Returns:
    ///     bytes: the DER SubjectPublicKeyInfo (RFC 5280, 4.1.2.7).
    ///
    /// Raises:
    ///     KeyPolicyError: the key has no SubjectPublicKeyInfo form (not RSA or a NIST curve).
    fn spki<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let der = compat::public_key_to_spki_der(self.inner.certified_key()).py_err(py)?;
        Ok(PyBytes::new(py, &der))
    }

    /// TPMS_CLOCK_INFO as signed (a `ClockInfo`).
    #[getter]
    fn clock(&self) -> ClockInfo {
        self.inner.clock_info().into()
    }

    /// firmwareVersion as signed (an int).
    #[getter]
    fn firmware_version(&self) -> u64 {
        self.inner.attest().firmware_version
    }

    /// qualifiedSigner as signed (the AK's qualified Name), as bytes.
    #[getter]
    fn qualified_signer<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.attest().qualified_signer.as_bytes())
    }

    fn __repr__(&self) -> String {
        format!(
            "VerifiedCertification(name={}, clock={})",
            bytes_repr(self.inner.name().as_bytes()),
            self.clock().__repr__()
        )
    }
}

const HASH_USAGE: &str = "hash must be \"sha1\", \"sha256\", \"sha384\" or \"sha512\"";

fn hash_from_name(py: Python<'_>, name: &str) -> PyResult<HashAlg> {
    HashAlg::from_name(name).ok_or_else(|| invalid_argument(py, HASH_USAGE))
}

/// A bank name given as any Python object: a str naming a hash.
fn bank_from_py(py: Python<'_>, bank: &Bound<'_, PyAny>) -> PyResult<HashAlg> {
    let name: String = bank.extract().map_err(|_| {
        invalid_argument(
            py,
            "a PCR bank must be named by a str: \"sha1\", \"sha256\", \"sha384\" or \"sha512\"",
        )
    })?;
    HashAlg::from_name(&name).ok_or_else(|| {
        invalid_argument(
            py,
            "a PCR bank must be \"sha1\", \"sha256\", \"sha384\" or \"sha512\"",
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

const PCRS_USAGE: &str =
    "pcrs must be bytes-like (a tpm2-tools PCR file or PCR JSON) or a mapping of bank name \
     (\"sha256\", ...) to a mapping of PCR index (0-23) to value (bytes-like)";

/// PCR values from a bytes-like object (tpm2-tools PCR file or JSON, by content) or a mapping
/// bank name -> {index: value bytes}.
fn pcrs_from_py(py: Python<'_>, pcrs: &Bound<'_, PyAny>) -> PyResult<PcrValues> {
    if let Ok(data) = pcrs.downcast::<PyBytes>() {
        return compat::read_pcrs(data.as_bytes()).py_err(py);
    }
    let Ok(banks) = pcrs.downcast::<PyMapping>() else {
        let data: ByteArg<'_> = pcrs
            .extract()
            .map_err(|_| invalid_argument(py, PCRS_USAGE))?;
        return compat::read_pcrs(&data).py_err(py);
    };
    let mut out = PcrValues::default();
    for item in banks.items()?.iter() {
        let (bank, entries): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let hash = bank_from_py(py, &bank)?;
        let entries = entries
            .downcast::<PyMapping>()
            .map_err(|_| invalid_argument(py, PCRS_USAGE))?;
        for entry in entries.items()?.iter() {
            let (index, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = entry.extract()?;
            let value: ByteArg<'_> = value
                .extract()
                .map_err(|_| invalid_argument(py, PCRS_USAGE))?;
            out.insert(hash, pcr_index(py, &index)?, value.to_vec())
                .py_err(py)?;
        }
    }
    Ok(out)
}

/// Parses PCR values.
///
/// Args:
///     data: a tpm2-tools PCR file (`tpm2_quote -o`, `tpm2_pcrread -o`) or Aegis's PCR JSON
///         ({"sha256": {"0": "hex", ...}}), told apart by content; bytes-like.
///
/// Returns:
///     dict[str, dict[int, bytes]]: bank name ("sha256", ...) -> PCR index -> value.
///
/// Raises:
///     ParseError: `data` is neither form, or is malformed.
///     PcrError: a value's size is not its bank's digest size.
///     UsageError: `data` is not bytes-like.
#[pyfunction]
fn parse_pcrs<'py>(py: Python<'py>, data: ByteArg<'_>) -> PyResult<Bound<'py, PyDict>> {
    let values = compat::read_pcrs(&data).py_err(py)?;
    pcrs_to_dict(py, &values)
}

/// The hash names of `hashes`: an iterable of str (a lone str is refused: it is iterable too).
fn hash_names(py: Python<'_>, hashes: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    const USAGE: &str = "hashes must be a list of hash names (\"sha256\", ...), not a str";
    if hashes.is_instance_of::<PyString>() {
        return Err(invalid_argument(py, USAGE));
    }
    let mut names = Vec::new();
    for item in hashes.try_iter().map_err(|_| invalid_argument(py, USAGE))? {
        names.push(item?.extract().map_err(|_| invalid_argument(py, USAGE))?);
    }
    Ok(names)
}

/// The part of the policy quote and certify share (`AttestPolicy`): the hash allow-list
/// (`hashes` if given, else SHA-256/384/512; SHA-1 only through `allow_sha1`, the one switch for
/// SHA-1 signatures, PCR banks and key nameAlgs), the expected signer and the previous clock.
fn attest_policy(
    py: Python<'_>,
    hashes: Option<&Bound<'_, PyAny>>,
    allow_sha1: bool,
    expected_signer: Option<&[u8]>,
    previous_clock: Option<ClockInfo>,
) -> PyResult<AttestPolicy> {
    let mut policy = AttestPolicy {
        expected_signer: expected_signer.map(Name::from_bytes),
        previous_clock: previous_clock.map(Into::into),
        ..AttestPolicy::default()
    };
    if let Some(hashes) = hashes {
        let names = hash_names(py, hashes)?;
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

/// `require_pcrs`: bank name -> iterable of PCR indices.
fn required_pcrs(
    py: Python<'_>,
    required: &Bound<'_, PyAny>,
    policy: &mut QuotePolicy,
) -> PyResult<()> {
    const USAGE: &str =
        "require_pcrs must be a mapping of bank name (\"sha256\", ...) to PCR indices (0-23)";
    let required = required
        .downcast::<PyMapping>()
        .map_err(|_| invalid_argument(py, USAGE))?;
    for item in required.items()?.iter() {
        let (bank, indices): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let hash = bank_from_py(py, &bank)?;
        for index in indices
            .try_iter()
            .map_err(|_| invalid_argument(py, USAGE))?
        {
            policy.required_pcrs.push(hash, pcr_index(py, &index?)?);
        }
    }
    Ok(())
}

/// Verifies a TPM2_Quote (VERIFIER-CHECKS.md items 1-12) and returns what it proves.
///
/// Every byte argument is bytes, bytearray or memoryview (bytes are read in place; other
/// buffers are copied once). The GIL is released while verifying.
///
/// Args:
///     ak: the `AttestationKey` that signed the quote.
///     attest: the quoted TPMS_ATTEST (`tpm2_quote -m`), or a TPM2B_ATTEST.
///     signature: its TPMT_SIGNATURE (`tpm2_quote -s`).
///     pcrs: the claimed PCR values: a tpm2-tools PCR file (`tpm2_quote -o`) or Aegis's PCR
///         JSON as bytes, or a dict bank name -> {PCR index: value bytes} (as `parse_pcrs`
///         returns). They must be exactly the signed selection.
///     nonce: the fresh nonce this verifier issued (qualifying data, extraData).
///     require_pcrs: keyword-only; bank name -> PCR indices the signed selection must cover,
///         e.g. {"sha256": [0, 1, 15]}.
///     allow_sha1: keyword-only; the one SHA-1 switch (signature hash, PCR banks, AK nameAlg).
///     hashes: keyword-only; the signature hash allow-list, e.g. ["sha256", "sha384"]
///         (default: sha256, sha384, sha512; "sha1" needs allow_sha1=True).
///     expected_signer: keyword-only; the qualifiedSigner the quote must name (bytes-like).
///     previous_clock: keyword-only; the `ClockInfo` of the last quote by this AK (refuses a
///         clock that went backwards).
///
/// Returns:
///     VerifiedQuote: the verified PCR values, selection, clock and hash.
///
/// Raises:
///     ParseError: a structure does not parse strictly.
///     SignatureError: the signature does not verify, or its scheme or hash is not allowed.
///     AttestationError: magic, type, nonce, signer or clock.
///     PcrError: the PCR values do not match the signed selection or digest, a required PCR
///         is missing, or a bank is not allowed.
///     KeyPolicyError: the AK's key or nameAlg is not allowed.
///     UsageError: an argument of the wrong form (bank name, PCR index, hash name, type).
#[pyfunction]
#[pyo3(signature = (
    ak, attest, signature, pcrs, nonce, *,
    require_pcrs = None, allow_sha1 = false, hashes = None, expected_signer = None, previous_clock = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_quote(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    attest: ByteArg<'_>,
    signature: ByteArg<'_>,
    pcrs: &Bound<'_, PyAny>,
    nonce: ByteArg<'_>,
    require_pcrs: Option<&Bound<'_, PyAny>>,
    allow_sha1: bool,
    hashes: Option<&Bound<'_, PyAny>>,
    expected_signer: Option<ByteArg<'_>>,
    previous_clock: Option<ClockInfo>,
) -> PyResult<VerifiedQuote> {
    let values = pcrs_from_py(py, pcrs)?;
    let mut policy = QuotePolicy {
        attest: attest_policy(
            py,
            hashes,
            allow_sha1,
            expected_signer.as_deref(),
            previous_clock,
        )?,
        ..QuotePolicy::default()
    };
    if let Some(required) = require_pcrs {
        required_pcrs(py, required, &mut policy)?;
    }
    let key = &ak.get().inner;
    let (attest, signature, nonce): (&[u8], &[u8], &[u8]) = (&attest, &signature, &nonce);
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
/// Every byte argument is bytes, bytearray or memoryview. The GIL is released while verifying.
///
/// Args:
///     ak: the `AttestationKey` that signed the certification.
///     app_key: the certified key's TPM2B_PUBLIC (or TPMT_PUBLIC) as received.
///     attest: the TPMS_ATTEST TPM2_Certify returned (`tpm2_certify -o`), or a TPM2B_ATTEST.
///     signature: its TPMT_SIGNATURE (`tpm2_certify -s`).
///     nonce: the qualifying data this verifier required.
///     allow_sha1: keyword-only; the one SHA-1 switch (signature hash, nameAlgs).
///     hashes: keyword-only; the signature hash allow-list (default: sha256, sha384, sha512).
///     expected_signer: keyword-only; the qualifiedSigner the certification must name.
///     previous_clock: keyword-only; the `ClockInfo` of the last attestation by this AK.
///     key_policy: keyword-only; the `KeyPolicy` the App Key must be on (None, the default:
///         RSA 2048/3072/4096, P-256, P-384).
///
/// Returns:
///     VerifiedCertification: the certified key's Name, public area and the signed clock.
///
/// Raises:
///     ParseError: a structure does not parse strictly.
///     SignatureError: the signature does not verify, or its scheme or hash is not allowed.
///     AttestationError: magic, type, nonce, signer, clock, or the certified Name differs
///         from `app_key`'s.
///     KeyPolicyError: the App Key or the AK is not allowed by the key policy.
///     UsageError: an argument of the wrong form.
#[pyfunction]
#[pyo3(signature = (
    ak, app_key, attest, signature, nonce, *,
    allow_sha1 = false, hashes = None, expected_signer = None, previous_clock = None,
    key_policy = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_certify(
    py: Python<'_>,
    ak: &Bound<'_, AttestationKey>,
    app_key: ByteArg<'_>,
    attest: ByteArg<'_>,
    signature: ByteArg<'_>,
    nonce: ByteArg<'_>,
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
    let (app_key, attest, signature, nonce): (&[u8], &[u8], &[u8], &[u8]) =
        (&app_key, &attest, &signature, &nonce);
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

/// Decodes a TPM structure into JSON-shaped data, as `aegis inspect` does (decoding only,
/// never a verdict).
///
/// Args:
///     data: the structure's bytes (bytes-like).
///     structure: its name ("tpms_attest", "tpm2b_attest", "tpm2b_public", "tpmt_public",
///         "tpmt_signature", "pcrs", "keylime_quote", ...); None (default) tells the structure
///         apart by content.
///
/// Returns:
///     dict[str, Any]: the decoded fields (as `aegis inspect` prints them in JSON).
///
/// Raises:
///     UsageError: an unknown structure name, or `data` not bytes-like.
///     ParseError: `data` does not parse as the structure.
#[pyfunction]
#[pyo3(signature = (data, structure = None))]
fn inspect<'py>(
    py: Python<'py>,
    data: ByteArg<'_>,
    structure: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let structure = structure
        .map(|name| {
            Structure::from_name(name).ok_or_else(|| invalid_argument(py, "unknown structure name"))
        })
        .transpose()?;
    let json = inspect_structure(&data, structure).py_err(py)?.to_string();
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
    geofence::register(m)?;
    sign::register(m)?;
    ear::register(m)?;
    binding::register(m)?;
    appraise::register(m)?;
    bundle::register(m)?;
    keypolicy::register(m)?;
    sovereign::register(m)?;
    geo::register(m)?;
    svid::register(m)?;
    token::register(m)?;
    Ok(())
}
