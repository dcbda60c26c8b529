//! `aegis_error`: the optional detail of a failed call.

use core::ffi::c_char;
use std::ffi::CString;

use crate::boundary::{self, Failure};
use crate::status::{aegis_status, AEGIS_NULL_POINTER};

/// The detail of a failed call: its code, its name (the `aegis_core::Error` variant, e.g.
/// "PcrDigestMismatch", or "NullPointer" / "Panic") and a message for people.
///
/// Made by a failing function into `*err_out`; owned by the caller, who frees it with
/// `aegis_error_free`. Immutable: may be read from any thread.
#[derive(Debug)]
pub struct aegis_error {
    code: aegis_status,
    name: CString,
    message: CString,
}

fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl aegis_error {
    pub(crate) fn new(failure: &Failure) -> Self {
        aegis_error {
            code: failure.code(),
            name: c_string(failure.name()),
            message: c_string(&failure.message()),
        }
    }
}

/// The status code of `err` (the same value the failing function returned);
/// `AEGIS_NULL_POINTER` when `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live `aegis_error`.
#[no_mangle]
pub unsafe extern "C" fn aegis_error_code(err: *const aegis_error) -> aegis_status {
    boundary::guard_value(AEGIS_NULL_POINTER, || {
        // SAFETY: the caller upholds this function's contract for err.
        unsafe { boundary::borrow(err, "err") }.map_or(AEGIS_NULL_POINTER, |e| e.code)
    })
}

/// The stable name of the error (e.g. "PcrDigestMismatch"), as a NUL-terminated string
/// borrowed from `err`: valid until `aegis_error_free(err)`. "" when `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live `aegis_error`.
#[no_mangle]
pub unsafe extern "C" fn aegis_error_name(err: *const aegis_error) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for err.
        unsafe { boundary::borrow(err, "err") }.map_or(c"".as_ptr(), |e| e.name.as_ptr())
    })
}

/// A message for people (not stable: match on the code or the name), as a NUL-terminated
/// string borrowed from `err`: valid until `aegis_error_free(err)`. "" when `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live `aegis_error`.
#[no_mangle]
pub unsafe extern "C" fn aegis_error_message(err: *const aegis_error) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for err.
        unsafe { boundary::borrow(err, "err") }.map_or(c"".as_ptr(), |e| e.message.as_ptr())
    })
}

/// Frees an error made by a failing function. NULL does nothing.
///
/// # Safety
/// `err` is NULL or an `aegis_error` from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_error_free(err: *mut aegis_error) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for err.
        unsafe { boundary::free(err) }
    })
}
