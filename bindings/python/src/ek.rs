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

use crate::args::{bytes_repr, str_repr, ByteArg};
use crate::errors::IntoPyResult;

/// TPM_RH_ENDORSEMENT: the endorsement hierarchy's handle, which is also its Name and qualified
/// Name (TCG Part 1, 16), the parent of the EK's qualified Name.
pub const ENDORSEMENT_HIERARCHY: u32 = 0x4000_000B;

/// The manufacturer CA certificates trusted for EK certificates: roots (trust anchors) and
/// intermediates (used to build paths, trusted only through a root).
///
/// `EkTrustStore()` takes no arguments and makes an empty store; fill it with `add_root` and
/// `add_intermediate`, then pass it to `verify_ek_certificate`.
///
/// Adding is copy-on-write: a failed add leaves the store unchanged, and a verification running
/// without the GIL keeps the store as it was when it started.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug, Default)]
pub struct EkTrustStore {
    inner: Mutex<Arc<CoreStore>>,
}

impl EkTrustStore {
    /// The store as it is now (a later add does not change it).
    pub(crate) fn snapshot(&self) -> Arc<CoreStore> {
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
    #[new]
    fn new() -> Self {
        EkTrustStore::default()
    }

    /// Adds trust anchors (manufacturer root CAs).
    ///
    /// Args:
    ///     data: one DER certificate, or PEM with one or more certificates (bytes-like).
    ///
    /// Returns:
    ///     None. A failed add leaves the store unchanged.
    ///
    /// Raises:
    ///     ParseError: `data` is not a DER certificate nor PEM certificates.
    ///     EkError: a certificate is not usable as a CA certificate.
    ///     UsageError: `data` is not bytes-like.
    fn add_root(&self, py: Python<'_>, data: ByteArg<'_>) -> PyResult<()> {
        self.add(py, &data, true)
    }

    /// Adds intermediate CA certificates (used to build paths, trusted only through a root).
    ///
    /// Args:
    ///     data: one DER certificate, or PEM with one or more certificates (bytes-like).
    ///
    /// Returns:
    ///     None. A failed add leaves the store unchanged.
    ///
    /// Raises:
    ///     ParseError: `data` is not a DER certificate nor PEM certificates.
    ///     EkError: a certificate is not usable as a CA certificate.
    ///     UsageError: `data` is not bytes-like.
    fn add_intermediate(&self, py: Python<'_>, data: ByteArg<'_>) -> PyResult<()> {
        self.add(py, &data, false)
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
/// public area given.
///
/// Only `verify_ek_certificate` makes one; it has no public constructor.
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

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "VerifiedEk(name={}, issuer={}, serial={})",
            bytes_repr(self.inner.name().as_bytes()),
            str_repr(py, self.inner.issuer()),
            str_repr(py, &self.inner.serial_hex())
        )
    }
}

/// Verifies an EK certificate against the store at a time, and checks that it certifies the
/// EK public area given (item 14). The GIL is released while verifying.
///
/// Args:
///     store: the `EkTrustStore` of manufacturer CAs.
///     cert: the EK certificate, DER (as read from its NV index: trailing padding is trimmed);
///         bytes-like.
///     ek_public: the EK's TPM2B_PUBLIC (`tpm2_createek -u`) or TPMT_PUBLIC; bytes-like.
///     now: the verification time, in seconds since the Unix epoch (e.g. int(time.time())).
///
/// Returns:
///     VerifiedEk: the EK's Name, public area, qualified Name and the certificate's subject,
///     issuer and serial.
///
/// Raises:
///     ParseError: the certificate or the public area does not parse.
///     EkError: no path to a root, a certificate not valid at `now`, or the certificate does
///         not certify `ek_public`.
///     UsageError: a byte argument that is not bytes-like.
#[pyfunction]
pub fn verify_ek_certificate(
    py: Python<'_>,
    store: &Bound<'_, EkTrustStore>,
    cert: ByteArg<'_>,
    ek_public: ByteArg<'_>,
    now: u64,
) -> PyResult<VerifiedEk> {
    let public = Public::parse_any(&ek_public).py_err(py)?;
    let snapshot = store.get().snapshot();
    let cert = trim_nv_certificate(&cert);
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
    let qualified_name = verified.name().qualified_under_endorsement().py_err(py)?;
    Ok(VerifiedEk {
        inner: verified,
        qualified_name,
    })
}

/// The output of TPM2_MakeCredential: what the verifier sends to the attester, who recovers the
/// secret with TPM2_ActivateCredential.
///
/// Made by `make_credential`, or read with `MadeCredential.from_tpm2_tools_file(data)`; it has
/// no other constructor.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct MadeCredential {
    inner: CoreCredential,
}

#[pymethods]
impl MadeCredential {
    /// Reads the file `tpm2_makecredential -o` writes.
    ///
    /// Args:
    ///     data: the file's contents (bytes-like): a header, then TPM2B_ID_OBJECT and
    ///         TPM2B_ENCRYPTED_SECRET.
    ///
    /// Returns:
    ///     MadeCredential: its credential blob and encrypted secret.
    ///
    /// Raises:
    ///     ParseError: `data` is not such a file.
    ///     UsageError: `data` is not bytes-like.
    #[staticmethod]
    fn from_tpm2_tools_file(py: Python<'_>, data: ByteArg<'_>) -> PyResult<Self> {
        let inner = CoreCredential::from_tpm2_tools_file(&data).py_err(py)?;
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
    ///
    /// Returns:
    ///     bytes: the file's contents.
    ///
    /// Raises:
    ///     Nothing.
    fn to_tpm2_tools_file<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_tpm2_tools_file())
    }

    fn __repr__(&self) -> String {
        format!(
            "MadeCredential(credential_blob_len={}, encrypted_secret_len={})",
            self.inner.credential_blob.len(),
            self.inner.encrypted_secret.len()
        )
    }
}

/// TPM2_MakeCredential in software: protects a secret to the EK for the key of a Name.
/// The GIL is released while making it.
///
/// Args:
///     ek_public: the EK's TPM2B_PUBLIC or TPMT_PUBLIC (a restricted decryption key), e.g.
///         `VerifiedEk.public`; bytes-like.
///     ak_name: the Name of the key the credential is for (e.g. `AttestationKey.name`).
///     secret: the secret, 1 to digest-size(EK nameAlg) bytes; bytes-like.
///
/// Returns:
///     MadeCredential: what to send to the attester.
///
/// Raises:
///     ParseError: `ek_public` does not parse.
///     KeyPolicyError: the EK is not a restricted decryption key of a supported shape.
///     UsageError: a secret of the wrong size, an `ak_name` that is not a Name, or a byte
///         argument that is not bytes-like.
#[pyfunction]
pub fn make_credential(
    py: Python<'_>,
    ek_public: ByteArg<'_>,
    ak_name: ByteArg<'_>,
    secret: ByteArg<'_>,
) -> PyResult<MadeCredential> {
    let ek = Public::parse_any(&ek_public).py_err(py)?;
    let name = Name::from_bytes(&ak_name);
    let secret: &[u8] = &secret;
    let inner = py
        .allow_threads(|| credential::make_credential(default_provider(), &ek, &name, secret))
        .py_err(py)?;
    Ok(MadeCredential { inner })
}

/// Compares the secret the attester recovered to the one made, in constant time.
///
/// Args:
///     expected: the secret given to `make_credential` (bytes-like).
///     activated: what the attester's TPM2_ActivateCredential recovered (bytes-like).
///
/// Returns:
///     None when they are equal.
///
/// Raises:
///     EkError: they differ ("CredentialMismatch").
///     UsageError: `expected` is empty, or an argument is not bytes-like.
#[pyfunction]
pub fn check_activated(
    py: Python<'_>,
    expected: ByteArg<'_>,
    activated: ByteArg<'_>,
) -> PyResult<()> {
    credential::check_activated(&expected, &activated).py_err(py)
}

/// The qualified Name of an object under a parent: nameAlg || H(parent_qualified || name)
/// (TCG Part 1, 16.6).
///
/// Args:
///     name: the object's Name (nameAlg || digest), bytes-like.
///     parent_qualified: the parent's qualified Name (bytes-like); for a hierarchy, its handle
///         (`name_of_handle`).
///
/// Returns:
///     bytes: the qualified Name (what a quote's qualifiedSigner holds for an AK).
///
/// Raises:
///     ParseError: `name` is not a digest Name of a known hash.
///     UsageError: an argument that is not bytes-like.
#[pyfunction]
pub fn qualified_name<'py>(
    py: Python<'py>,
    name: ByteArg<'_>,
    parent_qualified: ByteArg<'_>,
) -> PyResult<Bound<'py, PyBytes>> {
    let q = Name::from_bytes(&name)
        .qualified_under(&Name::from_bytes(&parent_qualified))
        .py_err(py)?;
    Ok(PyBytes::new(py, q.as_bytes()))
}

/// The Name of a permanent handle such as a hierarchy: the handle itself, big-endian.
///
/// Args:
///     handle: the handle, e.g. `ENDORSEMENT_HIERARCHY` (0x4000000B).
///
/// Returns:
///     bytes: the 4-byte Name.
///
/// Raises:
///     OverflowError: `handle` does not fit 32 bits.
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
