//! EK certificates, credential activation and TPM Names (VERIFIER-CHECKS.md item 14): the same
//! surface and semantics as the C ABI (aegis-ffi/src/ek.rs) and the Go binding (bindings/go/ek.go).
//!
//! Certificates are DER or PEM, told apart by content; an EK certificate read from an NV index
//! has its padding trimmed before verification; a failed add leaves the trust store unchanged.
//! Verification and credential making release the GIL.

use std::sync::{Arc, Mutex, PoisonError};

use aegis_core::credential::{self, MadeCredential as CoreCredential};
use aegis_core::crypto::default_provider;
use aegis_core::ek::{self, trim_nv_certificate, EkTrustStore as CoreStore};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{Name, Public};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::IntoPyResult;

/// TPM_RH_ENDORSEMENT: the endorsement hierarchy's handle, which is also its Name and qualified
/// Name (TCG Part 1, 16), the parent of the EK's qualified Name.
pub const ENDORSEMENT_HIERARCHY: u32 = 0x4000_000B;

/// The manufacturer CA certificates trusted for EK certificates: roots (trust anchors) and
/// intermediates (used to build paths, trusted only through a root).
///
/// Adding is copy-on-write: a failed add leaves the store unchanged, and a verification running
/// without the GIL keeps the store as it was when it started.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug, Default)]
pub struct EkTrustStore {
    inner: Mutex<Arc<CoreStore>>,
}

impl EkTrustStore {
    fn snapshot(&self) -> Arc<CoreStore> {
        Arc::clone(&self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn add(&self, py: Python<'_>, data: &[u8], root: bool) -> PyResult<()> {
        let mut current = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = CoreStore::clone(&current);
        if root {
            next.add_root(data)
        } else {
            next.add_intermediate(data)
        }
        .py_err(py)?;
        *current = Arc::new(next);
        Ok(())
    }
}

#[pymethods]
impl EkTrustStore {
    /// An empty store.
    #[new]
    fn new() -> Self {
        EkTrustStore::default()
    }

    /// Adds trust anchors: one DER certificate, or PEM with one or more certificates.
    fn add_root(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        self.add(py, data, true)
    }

    /// Adds intermediate CA certificates (DER, or PEM with one or more certificates).
    fn add_intermediate(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        self.add(py, data, false)
    }

    /// The number of roots.
    #[getter]
    fn root_count(&self) -> usize {
        self.snapshot().root_count()
    }

    /// The number of intermediates.
    #[getter]
    fn intermediate_count(&self) -> usize {
        self.snapshot().intermediate_count()
    }

    fn __repr__(&self) -> String {
        let s = self.snapshot();
        format!(
            "EkTrustStore(roots={}, intermediates={})",
            s.root_count(),
            s.intermediate_count()
        )
    }
}

/// An EK certificate that chains to the store, is valid at the time given and certifies the EK
/// public area given. Only `verify_ek_certificate` makes one.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct VerifiedEk {
    inner: ek::VerifiedEk,
    qualified_name: Name,
}

impl VerifiedEk {
    /// The core's verified EK (for `ActivationChallenge`, binding.rs).
    pub(crate) fn inner(&self) -> &ek::VerifiedEk {
        &self.inner
    }
}

#[pymethods]
impl VerifiedEk {
    /// The EK's Name (nameAlg || H(TPMT_PUBLIC)).
    #[getter]
    fn name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.name().as_bytes())
    }

    /// The EK's qualified Name under the endorsement hierarchy (the parent of an AK made with
    /// `tpm2_createak -C ek`): what to pin as the AK's parent.
    #[getter]
    fn qualified_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.qualified_name.as_bytes())
    }

    /// The EK public area as TPM2B_PUBLIC (for `make_credential`).
    #[getter]
    fn public<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.public().to_tpm2b())
    }

    /// The certificate's subject (RFC 4514 text; often empty for EK certificates).
    #[getter]
    fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// The certificate's issuer (RFC 4514 text).
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.issuer()
    }

    /// The certificate's serial number in lower-case hex.
    #[getter]
    fn serial(&self) -> String {
        self.inner.serial_hex()
    }

    /// Certificates in the verified path, the EK certificate and the root included.
    #[getter]
    fn chain_len(&self) -> usize {
        self.inner.chain_len()
    }

    fn __repr__(&self) -> String {
        format!(
            "VerifiedEk(name={}, issuer={:?}, serial={})",
            self.inner.name().to_hex(),
            self.inner.issuer(),
            self.inner.serial_hex()
        )
    }
}

/// Verifies an EK certificate (DER; an NV index's padding is trimmed) against the store at
/// `now` (Unix seconds) and checks that it certifies `ek_public` (TPM2B_PUBLIC or TPMT_PUBLIC).
/// The GIL is released while verifying.
#[pyfunction]
pub fn verify_ek_certificate(
    py: Python<'_>,
    store: &Bound<'_, EkTrustStore>,
    cert: &[u8],
    ek_public: &[u8],
    now: u64,
) -> PyResult<VerifiedEk> {
    let public = Public::parse_any(ek_public).py_err(py)?;
    let snapshot = store.get().snapshot();
    let cert = trim_nv_certificate(cert);
    let verified = py
        .allow_threads(|| {
            ek::verify_ek_certificate(
                default_provider(),
                cert,
                &public,
                &snapshot,
                UnixTime::from_secs(now),
            )
        })
        .py_err(py)?;
    let qualified_name = verified
        .name()
        .qualified_under(&Name::of_handle(ENDORSEMENT_HIERARCHY))
        .py_err(py)?;
    Ok(VerifiedEk {
        inner: verified,
        qualified_name,
    })
}

/// The output of TPM2_MakeCredential: what the verifier sends to the attester, who recovers the
/// secret with TPM2_ActivateCredential.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct MadeCredential {
    inner: CoreCredential,
}

#[pymethods]
impl MadeCredential {
    /// Reads the file `tpm2_makecredential -o` writes.
    #[staticmethod]
    fn from_tpm2_tools_file(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = CoreCredential::from_tpm2_tools_file(data).py_err(py)?;
        Ok(MadeCredential { inner })
    }

    /// TPM2B_ID_OBJECT, size-prefixed (`tpm2_activatecredential`'s credentialBlob).
    #[getter]
    fn credential_blob<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.credential_blob)
    }

    /// TPM2B_ENCRYPTED_SECRET, size-prefixed (the seed encrypted to the EK).
    #[getter]
    fn encrypted_secret<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.encrypted_secret)
    }

    /// The file `tpm2_activatecredential -i` reads (as `tpm2_makecredential -o` writes it).
    fn to_tpm2_tools_file<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_tpm2_tools_file())
    }

    fn __repr__(&self) -> String {
        format!(
            "MadeCredential(credential_blob={} bytes, encrypted_secret={} bytes)",
            self.inner.credential_blob.len(),
            self.inner.encrypted_secret.len()
        )
    }
}

/// TPM2_MakeCredential in software: protects `secret` (1 to digest-size(EK nameAlg) bytes) to
/// the EK (TPM2B_PUBLIC or TPMT_PUBLIC, a restricted decryption key) for the key named
/// `ak_name`. The GIL is released while making it.
#[pyfunction]
pub fn make_credential(
    py: Python<'_>,
    ek_public: &[u8],
    ak_name: &[u8],
    secret: &[u8],
) -> PyResult<MadeCredential> {
    let ek = Public::parse_any(ek_public).py_err(py)?;
    let name = Name::from_bytes(ak_name);
    let inner = py
        .allow_threads(|| credential::make_credential(default_provider(), &ek, &name, secret))
        .py_err(py)?;
    Ok(MadeCredential { inner })
}

/// Compares the secret the attester recovered to the one made, in constant time; raises
/// `EkError` (name "CredentialMismatch") on any difference.
#[pyfunction]
pub fn check_activated(py: Python<'_>, expected: &[u8], activated: &[u8]) -> PyResult<()> {
    credential::check_activated(expected, activated).py_err(py)
}

/// The qualified Name of an object with Name `name` under a parent whose qualified Name is
/// `parent_qualified`: nameAlg || H(parent_qualified || name) (TCG Part 1, 16.6).
#[pyfunction]
pub fn qualified_name<'py>(
    py: Python<'py>,
    name: &[u8],
    parent_qualified: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let q = Name::from_bytes(name)
        .qualified_under(&Name::from_bytes(parent_qualified))
        .py_err(py)?;
    Ok(PyBytes::new(py, q.as_bytes()))
}

/// The Name of a permanent handle such as a hierarchy: the handle itself, big-endian.
#[pyfunction]
pub fn name_of_handle(py: Python<'_>, handle: u32) -> Bound<'_, PyBytes> {
    PyBytes::new(py, Name::of_handle(handle).as_bytes())
}

/// Registers the EK, credential and Name surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ENDORSEMENT_HIERARCHY", ENDORSEMENT_HIERARCHY)?;
    m.add_class::<EkTrustStore>()?;
    m.add_class::<VerifiedEk>()?;
    m.add_class::<MadeCredential>()?;
    m.add_function(wrap_pyfunction!(verify_ek_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(make_credential, m)?)?;
    m.add_function(wrap_pyfunction!(check_activated, m)?)?;
    m.add_function(wrap_pyfunction!(qualified_name, m)?)?;
    m.add_function(wrap_pyfunction!(name_of_handle, m)?)?;
    Ok(())
}
