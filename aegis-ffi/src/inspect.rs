//! `aegis_inspect`: decode a TPM structure to JSON (decoding only: never a verdict).

use core::ffi::{c_char, CStr};

use aegis_core::inspect::{inspect, Structure};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure};
use crate::buffers::aegis_string;
use crate::error::aegis_error;
use crate::status::aegis_status;

/// Decodes `buf` (`len` bytes) into JSON, as `aegis inspect` does: TPMS_ATTEST / TPM2B_ATTEST,
/// TPMT_PUBLIC / TPM2B_PUBLIC (with its Name and SPKI PEM), TPMT_SIGNATURE, a tpm2-tools PCR file
/// or PCR JSON, or a Keylime quote string. `structure` names the structure ("tpms_attest",
/// "tpm2b_attest", "attest", "tpmt_public", "tpm2b_public", "public", "tpmt_signature",
/// "signature", "pcrs", "pcr_file", "pcr_json", "keylime_quote", "keylime"), or is NULL to tell it
/// apart by content. Decoding is not verification: a decoded quote is not a verified one.
///
/// On success `*out` receives a new `aegis_string` holding the JSON text, which the caller frees
/// with `aegis_string_free`. On failure (e.g. `AEGIS_TRUNCATED`; `AEGIS_INVALID_ARGUMENT` for an
/// unknown structure name, `AEGIS_INVALID_UTF8` when it is not UTF-8, `AEGIS_INVALID_FORMAT` when
/// detection finds nothing) nothing is written to `*out`. Inputs are only read during the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `structure` is NULL or a
/// NUL-terminated string; `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_inspect(
    buf: *const u8,
    len: usize,
    structure: *const c_char,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        let structure = if structure.is_null() {
            None
        } else {
            // SAFETY: structure is not NULL and, by the contract, NUL-terminated.
            let name = unsafe { CStr::from_ptr(structure) }
                .to_str()
                .map_err(|_| Failure::InvalidUtf8("structure"))?;
            Some(Structure::from_name(name).ok_or(Error::InvalidArgument {
                what: "unknown structure name",
            })?)
        };
        let json = inspect(bytes, structure)?;
        out.write_box(aegis_string::new(&json.to_string()));
        Ok(())
    })
}
