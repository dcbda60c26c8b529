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

use crate::ek::VerifiedEk;
use crate::errors::{invalid_argument, IntoPyResult};
use crate::AttestationKey;

/// A credential for an AK's Name protected to an EK, and what the verifier keeps to check the
/// secret the attester's TPM recovers.
///
/// `ActivationChallenge(ek, ak)`: `ek` is a `VerifiedEk` (from `verify_ek_certificate`: the
/// binding will be to a certified EK) or the EK's public area as bytes (TPM2B_PUBLIC or
/// TPMT_PUBLIC: an uncertified EK, which proves one TPM holds both keys but not that the TPM is
/// genuine); `ak` is an `AttestationKey` made with `from_tpm_public` (a bare key has no Name).
/// Send `credential_blob` and `encrypted_secret` (or `to_tpm2_tools_file()`) to the attester,
/// whose TPM runs TPM2_ActivateCredential; pass what it recovered to `complete`.
///
/// The random secret stays in Rust memory, wiped when the challenge is completed or freed.
/// The GIL is released while the credential is made.
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
        } else if let Ok(public) = ek.downcast::<PyBytes>() {
            EkEndorsement::Uncertified(Public::parse_any(public.as_bytes()).py_err(py)?)
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

    /// Compares `activated` (the secret the attester's TPM recovered, as bytes) to the secret
    /// in constant time and returns the `AkBinding`; raises `EkError` "CredentialMismatch" when
    /// it differs.
    ///
    /// Completing consumes the challenge whether or not the secret matched, so a wrong answer
    /// cannot be retried: a second call raises `UsageError` ("InvalidArgument"); make a new
    /// challenge instead.
    fn complete(&self, py: Python<'_>, activated: &[u8]) -> PyResult<AkBinding> {
        let challenge = self.lock().take().ok_or_else(|| {
            invalid_argument(
                py,
                "this ActivationChallenge was already used: complete() consumes it; make a new one",
            )
        })?;
        let inner = challenge.complete(activated).py_err(py)?;
        Ok(AkBinding { inner })
    }

    fn __repr__(&self) -> String {
        format!(
            "ActivationChallenge(ak_name={}, ek_certified={}, completed={})",
            self.ak_name.to_hex(),
            py_bool(self.ek_certified),
            py_bool(self.completed())
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

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Proof that the AK of this Name is resident in the TPM that holds the EK (credential
/// activation). Only `ActivationChallenge.complete` makes one; pass it to `appraise`.
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

    /// Returns None when `ak` (an `AttestationKey`) is the bound AK (same Name); raises
    /// `EkError` "AkBindingMismatch" for another AK and for a bare key (no Name to compare).
    fn check_ak(&self, py: Python<'_>, ak: &Bound<'_, AttestationKey>) -> PyResult<()> {
        self.inner.check_ak(&ak.get().inner).py_err(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "AkBinding(ak_name={}, ek_certified={})",
            self.inner.ak_name().to_hex(),
            py_bool(self.inner.ek_certified())
        )
    }
}

/// Registers the credential activation surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ActivationChallenge>()?;
    m.add_class::<AkBinding>()?;
    Ok(())
}
