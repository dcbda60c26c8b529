//! The AK bound to an EK by credential activation (VERIFIER-CHECKS.md item 14):
//! `ActivationChallenge` and `AkBinding` over aegis-core's `verify::ActivationChallenge` and
//! `verify::AkBinding` (bindings/API.md; the C ABI's `aegis_activation_challenge` and
//! `aegis_ak_binding`).

use std::sync::{Mutex, PoisonError};

use aegis_core::credential::MadeCredential as CoreCredential;
use aegis_core::crypto::default_provider;
use aegis_core::tpm::{Name, Public};
use aegis_core::verify::{self, EkEndorsement};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args::{bool_repr, bytes_repr, ByteArg};
use crate::ek::VerifiedEk;
use crate::errors::{invalid_argument, IntoPyResult};
use crate::AttestationKey;

/// A credential for an AK's Name protected to an EK, and what the verifier keeps to check the
/// secret the attester's TPM recovers.
///
/// Send `credential_blob` and `encrypted_secret` (or `to_tpm2_tools_file()`) to the attester,
/// whose TPM runs TPM2_ActivateCredential; pass what it recovered to `complete`.
/// The random secret stays in Rust memory, wiped when the challenge is completed or freed.
/// The GIL is released while the credential is made.
///
/// Args:
///     ek: a `VerifiedEk` (from `verify_ek_certificate`: the binding will be to a certified
///         EK), or the EK's public area, TPM2B_PUBLIC or TPMT_PUBLIC, as bytes, bytearray or
///         memoryview (an uncertified EK, which proves one TPM holds both keys but not that
///         the TPM is genuine).
///     ak: an `AttestationKey` made with `from_tpm_public` (a bare key has no Name).
///
/// Raises:
///     ParseError: `ek` bytes are not a TPM2B_PUBLIC or TPMT_PUBLIC.
///     KeyPolicyError: the EK is not a restricted decryption key of a supported shape.
///     UsageError: `ek` is neither form, or `ak` is a bare key.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct ActivationChallenge {
    /// The core's challenge until `complete` consumes it.
    challenge: Mutex<Option<verify::ActivationChallenge>>,
    made: CoreCredential,
    ak_name: Name,
    ek_certified: bool,
}

#[pymethods]
impl ActivationChallenge {
    #[new]
    fn new(
        py: Python<'_>,
        ek: &Bound<'_, PyAny>,
        ak: &Bound<'_, AttestationKey>,
    ) -> PyResult<Self> {
        let endorsement = if let Ok(verified) = ek.downcast::<VerifiedEk>() {
            EkEndorsement::Certified(verified.get().inner().clone())
        } else if let Ok(public) = ek.extract::<ByteArg<'_>>() {
            EkEndorsement::Uncertified(Public::parse_any(&public).py_err(py)?)
        } else {
            return Err(invalid_argument(
                py,
                "ek must be a VerifiedEk or the EK's TPM2B_PUBLIC (or TPMT_PUBLIC) bytes",
            ));
        };
        let ek_certified = matches!(endorsement, EkEndorsement::Certified(_));
        let ak = &ak.get().inner;
        let (challenge, made) = py
            .allow_threads(|| verify::ActivationChallenge::new(default_provider(), endorsement, ak))
            .py_err(py)?;
        // `ActivationChallenge::new` refuses an AK without a Name, so this is the AK's Name.
        let ak_name = ak.name().unwrap_or_else(|| Name::from_bytes(&[]));
        Ok(ActivationChallenge {
            challenge: Mutex::new(Some(challenge)),
            made,
            ak_name,
            ek_certified,
        })
    }

    /// TPM2B_ID_OBJECT, size-prefixed: TPM2_ActivateCredential's credentialBlob.
    #[getter]
    fn credential_blob<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.made.credential_blob)
    }

    /// TPM2B_ENCRYPTED_SECRET, size-prefixed: TPM2_ActivateCredential's secret (the seed
    /// encrypted to the EK).
    #[getter]
    fn encrypted_secret<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.made.encrypted_secret)
    }

    /// Both, as the file `tpm2_activatecredential -i` reads (`tpm2_makecredential -o`'s).
    ///
    /// Returns:
    ///     bytes: the file's contents.
    ///
    /// Raises:
    ///     Nothing.
    fn to_tpm2_tools_file<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.made.to_tpm2_tools_file())
    }

    /// The Name of the AK the credential was made for.
    #[getter]
    fn ak_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.ak_name.as_bytes())
    }

    /// Whether `complete` was called (a challenge is completed once, whatever the outcome).
    #[getter]
    fn completed(&self) -> bool {
        self.lock().is_none()
    }

    /// Checks the secret the attester's TPM recovered and returns the binding.
    ///
    /// Completing consumes the challenge whether or not the secret matched, so a wrong answer
    /// cannot be retried: make a new challenge instead.
    ///
    /// Args:
    ///     activated: what TPM2_ActivateCredential recovered (`tpm2_activatecredential -o`),
    ///         bytes-like; compared to the secret in constant time.
    ///
    /// Returns:
    ///     AkBinding: proof that the AK is resident in the TPM holding the EK.
    ///
    /// Raises:
    ///     EkError: the secret differs ("CredentialMismatch").
    ///     UsageError: the challenge was already completed ("InvalidArgument"), or `activated`
    ///         is not bytes-like.
    fn complete(&self, py: Python<'_>, activated: ByteArg<'_>) -> PyResult<AkBinding> {
        let challenge = self.lock().take().ok_or_else(|| {
            invalid_argument(
                py,
                "this ActivationChallenge was already used: complete() consumes it; make a new one",
            )
        })?;
        let inner = challenge.complete(&activated).py_err(py)?;
        Ok(AkBinding { inner })
    }

    fn __repr__(&self) -> String {
        format!(
            "ActivationChallenge(ak_name={}, ek_certified={}, completed={})",
            bytes_repr(self.ak_name.as_bytes()),
            bool_repr(self.ek_certified),
            bool_repr(self.completed())
        )
    }
}

impl ActivationChallenge {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<verify::ActivationChallenge>> {
        self.challenge
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Proof that the AK of this Name is resident in the TPM that holds the EK (credential
/// activation).
///
/// Only `ActivationChallenge.complete` makes one (no public constructor); pass it to
/// `appraise`.
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct AkBinding {
    pub(crate) inner: verify::AkBinding,
}

#[pymethods]
impl AkBinding {
    /// The bound AK's Name (nameAlg || H(TPMT_PUBLIC)).
    #[getter]
    fn ak_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.ak_name().as_bytes())
    }

    /// Whether the EK's certificate was verified against a manufacturer CA (the challenge was
    /// made with a `VerifiedEk`).
    #[getter]
    fn ek_certified(&self) -> bool {
        self.inner.ek_certified()
    }

    /// Checks that an AK is the bound one (same Name).
    ///
    /// Args:
    ///     ak: the `AttestationKey` to check.
    ///
    /// Returns:
    ///     None when `ak` is the bound AK.
    ///
    /// Raises:
    ///     EkError: another AK, or a bare key (no Name to compare): "AkBindingMismatch".
    fn check_ak(&self, py: Python<'_>, ak: &Bound<'_, AttestationKey>) -> PyResult<()> {
        self.inner.check_ak(&ak.get().inner).py_err(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "AkBinding(ak_name={}, ek_certified={})",
            bytes_repr(self.inner.ak_name().as_bytes()),
            bool_repr(self.inner.ek_certified())
        )
    }
}

/// Registers the credential activation surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ActivationChallenge>()?;
    m.add_class::<AkBinding>()?;
    Ok(())
}
