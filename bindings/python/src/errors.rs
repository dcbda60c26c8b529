//! The exception hierarchy: `AegisError` and one subclass per code range of
//! [`aegis_core::Error`], each carrying the stable numeric code (the C `aegis_status`) and name.
//!
//! [`group_of`] is the one place where a code range becomes an exception class.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::PyClassInitializer;

/// Base class of every error Aegis raises.
///
/// `code` is the stable numeric code shared with the C, Go and Rust APIs (never reused);
/// `name` is the stable variant name (as in testdata/manifest.json).
#[pyclass(extends = PyException, subclass, frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct AegisError {
    #[pyo3(get)]
    code: u32,
    #[pyo3(get)]
    name: String,
    message: String,
}

#[pymethods]
impl AegisError {
    #[new]
    #[pyo3(signature = (message, code, name))]
    fn new(message: String, code: u32, name: String) -> Self {
        AegisError {
            code,
            name,
            message,
        }
    }

    /// The human-readable message (the core error's Display text).
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    fn __str__(&self) -> String {
        format!("{} ({} {})", self.message, self.code, self.name)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let me = slf.get();
        let class = slf.get_type().qualname()?;
        Ok(format!(
            "{class}({:?}, code={}, name={:?})",
            me.message, me.code, me.name
        ))
    }
}

/// Declares one group subclass of `AegisError` for a code range.
macro_rules! error_group {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[pyclass(extends = AegisError, subclass, frozen, module = "aegis._aegis")]
        #[derive(Debug)]
        pub struct $name;

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (message, code, name))]
            fn new(message: String, code: u32, name: String) -> PyClassInitializer<Self> {
                PyClassInitializer::from(AegisError { code, name, message }).add_subclass($name)
            }
        }
    };
}

error_group!(
    /// 1000s: the call itself is wrong (an unusable argument), or the crypto library failed.
    UsageError
);
error_group!(
    /// 2000s: a structure or file could not be parsed strictly (VERIFIER-CHECKS.md item 1).
    ParseError
);
error_group!(
    /// 3000s: the signature, its scheme or its hash (items 3 to 5).
    SignatureError
);
error_group!(
    /// 4000s: the attestation structure: magic, type, nonce, signer, clock (items 6 to 10).
    AttestationError
);
error_group!(
    /// 5000s: the quote's PCR selection and digest (items 11 and 12).
    PcrError
);
error_group!(
    /// 6000s: key attributes and the key allow-list (items 13 and 15).
    KeyPolicyError
);
error_group!(
    /// 7000s: EK certificate and credential activation (item 14).
    EkError
);
error_group!(
    /// 8000s: location evidence (item 16).
    LocationError
);
error_group!(
    /// 9000s: a TPM backend operation.
    BackendError
);

/// A core error as its Python exception: an instance of the group class for its code.
pub fn to_py_err(py: Python<'_>, e: &aegis_core::Error) -> PyErr {
    let code = e.code();
    match group_of(py, code).call1((e.to_string(), code, e.name())) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// `Result<T, aegis_core::Error>` to `PyResult<T>`.
pub trait IntoPyResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for aegis_core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, &e))
    }
}

/// A usage error (code 1001, InvalidArgument) for an argument the binding itself refuses.
pub fn invalid_argument(py: Python<'_>, what: &'static str) -> PyErr {
    to_py_err(py, &aegis_core::Error::InvalidArgument { what })
}

/// Registers the classes and `ERROR_CODES` (name -> code, every entry of `Error::TABLE`).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AegisError>()?;
    m.add_class::<UsageError>()?;
    m.add_class::<ParseError>()?;
    m.add_class::<SignatureError>()?;
    m.add_class::<AttestationError>()?;
    m.add_class::<PcrError>()?;
    m.add_class::<KeyPolicyError>()?;
    m.add_class::<EkError>()?;
    m.add_class::<LocationError>()?;
    m.add_class::<BackendError>()?;
    let codes = pyo3::types::PyDict::new(m.py());
    for (code, name) in aegis_core::Error::TABLE {
        codes.set_item(*name, *code)?;
    }
    m.add("ERROR_CODES", codes)?;
    Ok(())
}

/// The one mapping from a code to its exception class: the group is the code's range.
pub fn group_of(py: Python<'_>, code: u32) -> Bound<'_, PyType> {
    match code / 1000 {
        1 => py.get_type::<UsageError>(),
        2 => py.get_type::<ParseError>(),
        3 => py.get_type::<SignatureError>(),
        4 => py.get_type::<AttestationError>(),
        5 => py.get_type::<PcrError>(),
        6 => py.get_type::<KeyPolicyError>(),
        7 => py.get_type::<EkError>(),
        8 => py.get_type::<LocationError>(),
        9 => py.get_type::<BackendError>(),
        _ => py.get_type::<AegisError>(),
    }
}
