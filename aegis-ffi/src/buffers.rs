//! `aegis_bytes` and `aegis_string`: owned results handed to C (a computed Name, inspect JSON).

use core::ffi::c_char;
use std::ffi::CString;

use zeroize::Zeroize;

use crate::boundary;

/// An owned byte string made by a function (e.g. `aegis_name_qualified_under`). Owned by the
/// caller, freed with `aegis_bytes_free` (which wipes it); read with `aegis_bytes_ptr` and
/// `aegis_bytes_len`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_bytes {
    inner: Vec<u8>,
}

impl aegis_bytes {
    pub(crate) fn new(inner: Vec<u8>) -> Self {
        aegis_bytes { inner }
    }
}

/// An owned, NUL-terminated UTF-8 text made by a function (e.g. `aegis_inspect`'s JSON, a private
/// key's PEM). Owned by the caller, freed with `aegis_string_free` (which wipes it); read with
/// `aegis_string_ptr` and `aegis_string_len`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_string {
    inner: CString,
}

impl aegis_string {
    /// Text without interior NUL bytes (JSON escapes them; others are replaced by spaces).
    pub(crate) fn new(text: &str) -> Self {
        aegis_string {
            inner: CString::new(text.replace('\0', " ")).unwrap_or_default(),
        }
    }

    /// A secret text (a private key's PEM), copied once, into a buffer with room for the NUL so
    /// that no reallocation leaves an unwiped copy behind; empty if it holds a NUL byte.
    pub(crate) fn secret(text: &str) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        let inner = CString::new(bytes).unwrap_or_else(|e| {
            e.into_vec().zeroize();
            CString::default()
        });
        aegis_string { inner }
    }
}

impl Drop for aegis_bytes {
    fn drop(&mut self) {
        self.inner.zeroize();
    }
}

impl Drop for aegis_string {
    fn drop(&mut self) {
        core::mem::take(&mut self.inner)
            .into_bytes_with_nul()
            .zeroize();
    }
}

/// The bytes of `b`, borrowed from it: valid until `aegis_bytes_free(b)`, never freed by the
/// caller. NULL when `b` is NULL (and possibly for an empty value: check `aegis_bytes_len`).
///
/// # Safety
/// `b` is NULL or a live `aegis_bytes`.
#[no_mangle]
pub unsafe extern "C" fn aegis_bytes_ptr(b: *const aegis_bytes) -> *const u8 {
    boundary::guard_value(core::ptr::null(), || {
        // SAFETY: the caller upholds this function's contract for b.
        unsafe { boundary::borrow(b, "b") }.map_or(core::ptr::null(), |b| b.inner.as_ptr())
    })
}

/// The number of bytes of `b`; 0 when `b` is NULL.
///
/// # Safety
/// `b` is NULL or a live `aegis_bytes`.
#[no_mangle]
pub unsafe extern "C" fn aegis_bytes_len(b: *const aegis_bytes) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for b.
        unsafe { boundary::borrow(b, "b") }.map_or(0, |b| b.inner.len())
    })
}

/// Frees bytes made by this library. NULL does nothing.
///
/// # Safety
/// `b` is NULL or an `aegis_bytes` from this library, not freed before; it (and every view
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_bytes_free(b: *mut aegis_bytes) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for b.
        unsafe { boundary::free(b) }
    })
}

/// The text of `s` as a NUL-terminated string borrowed from it: valid until
/// `aegis_string_free(s)`, never freed by the caller. "" when `s` is NULL.
///
/// # Safety
/// `s` is NULL or a live `aegis_string`.
#[no_mangle]
pub unsafe extern "C" fn aegis_string_ptr(s: *const aegis_string) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for s.
        unsafe { boundary::borrow(s, "s") }.map_or(c"".as_ptr(), |s| s.inner.as_ptr())
    })
}

/// The length of the text of `s` in bytes, without the terminating NUL; 0 when `s` is NULL.
///
/// # Safety
/// `s` is NULL or a live `aegis_string`.
#[no_mangle]
pub unsafe extern "C" fn aegis_string_len(s: *const aegis_string) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for s.
        unsafe { boundary::borrow(s, "s") }.map_or(0, |s| s.inner.as_bytes().len())
    })
}

/// Frees a string made by this library. NULL does nothing.
///
/// # Safety
/// `s` is NULL or an `aegis_string` from this library, not freed before; it (and every view
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_string_free(s: *mut aegis_string) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for s.
        unsafe { boundary::free(s) }
    })
}
