//! The C ABI of Aegis (include/aegis.h, generated from this crate by cbindgen).
//!
//! Conventions (docs STYLE.md, "C ABI"; the model is rustls-ffi):
//! - every symbol is `aegis_<noun>_<verb>`, every type `aegis_<noun>`, every constant `AEGIS_*`;
//! - every fallible function returns an [`aegis_status`] (0 = `AEGIS_OK`) and writes its outputs
//!   only on success. Those that refuse input for a reason worth explaining (parse, build from
//!   bytes, check, verify) take a last `aegis_error **err_out` that may be NULL: on failure, when
//!   it is not NULL, `*err_out` receives a new [`aegis_error`] that the caller frees with
//!   [`aegis_error_free`]; on success `*err_out` is left as it was. Constructors (`*_new`),
//!   policy setters and accessors take none: they fail only with `AEGIS_NULL_POINTER`,
//!   `AEGIS_INVALID_ARGUMENT` or `AEGIS_PANIC`, which the status alone describes (the header's
//!   top comment, from aegis-ffi/cbindgen.toml, lists the kinds). There is no thread-local
//!   "last error";
//! - every body runs inside `boundary::guard` (catch_unwind): a panic becomes `AEGIS_PANIC`;
//! - every pointer is checked for NULL; a `(ptr, len)` pair accepts NULL when len is 0;
//! - every `_free` accepts NULL; each function says who frees what and how long a borrowed view
//!   lives. Objects are immutable once built, except policies and EK trust stores (not
//!   thread-safe while being set); an immutable object may be shared between threads.
//!
//! This is the only crate of the workspace with `unsafe`: raw-pointer access is confined to the
//! helpers in `boundary`, each use with a SAFETY comment.
#![allow(unsafe_code)] // The C ABI needs #[no_mangle] and raw pointers; see the module docs.
#![allow(non_camel_case_types)] // C type names (aegis_status, aegis_ak, ...).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "tss")]
mod agent;
mod appraise;
mod binding;
mod boundary;
mod buffers;
mod bundle;
mod constants;
mod ear;
mod ek;
mod error;
mod geo;
mod geofence;
mod inspect;
mod keys;
mod network;
mod pcrs;
mod policy;
mod sign;
mod sovereign;
mod status;
mod svid;
mod svid_issue;
mod token;
mod verify;
mod version;

#[cfg(feature = "tss")]
pub use agent::*;
pub use appraise::*;
pub use binding::*;
pub use buffers::*;
pub use bundle::*;
pub use constants::*;
pub use ear::*;
pub use ek::*;
pub use error::*;
pub use geo::*;
pub use geofence::*;
pub use inspect::*;
pub use keys::*;
pub use network::*;
pub use pcrs::*;
pub use policy::*;
pub use sign::*;
pub use sovereign::*;
pub use status::*;
pub use token::*;
pub use verify::*;
pub use version::*;

use core::ffi::c_char;

/// The static message of a status code: a NUL-terminated string with static storage (never
/// freed). Unknown codes give "unknown status code".
#[no_mangle]
pub extern "C" fn aegis_status_str(status: aegis_status) -> *const c_char {
    boundary::guard_value(c"unknown status code".as_ptr(), || {
        status::message(status).as_ptr()
    })
}

/// Test-only export (cargo feature "testing"): panics inside the boundary on purpose and so
/// returns `AEGIS_PANIC`, with an `aegis_error` named "Panic" in `*err_out` when `err_out` is
/// not NULL (the caller frees it with `aegis_error_free`).
///
/// # Safety
/// `err_out` is NULL or valid for writing one pointer.
#[cfg(feature = "testing")]
#[no_mangle]
#[allow(clippy::panic)] // The whole point of this function.
pub unsafe extern "C" fn aegis_testing_panic(err_out: *mut *mut aegis_error) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { boundary::ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        panic!("aegis_testing_panic: deliberate panic to test the C boundary")
    })
}

#[cfg(test)]
mod tests;
