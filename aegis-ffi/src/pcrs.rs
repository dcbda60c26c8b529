//! `aegis_pcrs`: PCR values claimed alongside a quote (unverified until a quote covers them).

use aegis_core::tpm::PcrValues;

use crate::boundary::{self, ErrOut};
use crate::error::aegis_error;
use crate::status::aegis_status;

/// PCR values as supplied with a quote. Made by `aegis_pcrs_parse`, owned by the caller, freed
/// with `aegis_pcrs_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_pcrs {
    pub(crate) inner: PcrValues,
}

/// Parses PCR values given as a tpm2-tools PCR file (`tpm2_quote -o`, TPML_PCR_SELECTION then
/// TPML_DIGEST blocks) or as Aegis's PCR JSON (`{"sha256": {"0": "hex", ...}}`), told apart by
/// content (FORMATS.md).
///
/// On success `*out` receives a new `aegis_pcrs` the caller frees with `aegis_pcrs_free`; on
/// failure nothing is written to `*out`. `buf` is only read during the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_pcrs_parse(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_pcrs,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        out.write_box(aegis_pcrs {
            inner: aegis_core::compat::read_pcrs(bytes)?,
        });
        Ok(())
    })
}

/// Frees PCR values. NULL does nothing.
///
/// # Safety
/// `pcrs` is NULL or an `aegis_pcrs` from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_pcrs_free(pcrs: *mut aegis_pcrs) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for pcrs.
        unsafe { boundary::free(pcrs) }
    })
}
