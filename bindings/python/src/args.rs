//! Argument forms shared by every function: byte arguments (bytes, bytearray, memoryview) and
//! Python-style reprs.

use std::ops::Deref;

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::invalid_argument_msg;

/// A byte argument: `bytes`, `bytearray`, `memoryview` or any other C-contiguous buffer of
/// bytes (format "B", "b" or "c").
///
/// `bytes` is borrowed (immutable: no copy, the hot path of `verify_quote`); any other buffer is
/// copied once, because it may change (a `bytearray`) while the GIL is released during
/// verification and the verifier must see one value. Anything else (`str` included) raises
/// `UsageError` ("InvalidArgument").
#[derive(Debug)]
pub enum ByteArg<'py> {
    /// A `bytes` object, read in place.
    Bytes(Bound<'py, PyBytes>),
    /// A copy of another buffer's contents.
    Copied(Vec<u8>),
}

impl Deref for ByteArg<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            ByteArg::Bytes(b) => b.as_bytes(),
            ByteArg::Copied(v) => v,
        }
    }
}

impl<'py> FromPyObject<'py> for ByteArg<'py> {
    fn extract_bound(ob: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = ob.downcast::<PyBytes>() {
            return Ok(ByteArg::Bytes(b.clone()));
        }
        let py = ob.py();
        let refused = || {
            let got = ob
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            invalid_argument_msg(
                py,
                format!("expected bytes, bytearray or a contiguous memoryview of bytes, got {got}"),
            )
        };
        if ob.is_instance_of::<PyString>() {
            return Err(refused());
        }
        let buffer = PyBuffer::<u8>::get(ob).map_err(|_| refused())?;
        if !buffer.is_c_contiguous() {
            return Err(refused());
        }
        Ok(ByteArg::Copied(buffer.to_vec(py)?))
    }
}

/// Python's repr of a str ('sha256', with Python's quoting and escapes).
pub fn str_repr(py: Python<'_>, s: &str) -> String {
    PyString::new(py, s)
        .repr()
        .map_or_else(|_| format!("'{s}'"), |r| r.to_string())
}

/// A bytes value as an expression that rebuilds it: `bytes.fromhex('000b...')`.
pub fn bytes_repr(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("bytes.fromhex('{hex}')")
}

/// Python's spelling of a bool.
pub fn bool_repr(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
