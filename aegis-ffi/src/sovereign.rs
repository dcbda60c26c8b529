//! The AegisSovereignAI proof of concept's formats (docs FORMATS.md, "AegisSovereignAI PoC wire
//! formats"): its SovereignAttestation and App Key certificate, and its PCR 15 location log.

use core::ffi::c_char;

use aegis_core::compat::sovereign::{poc_qualifying_data, PocLocationLog, SovereignAttestation};
use aegis_core::crypto::default_provider;
use aegis_core::verify::{verify_poc_location, verify_sovereign_attestation, CertifyPolicy};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::buffers::aegis_string;
use crate::error::aegis_error;
use crate::keys::aegis_ak;
use crate::policy::aegis_certify_policy;
use crate::status::aegis_status;
use crate::verify::{aegis_verified_certification, aegis_verified_quote};

/// The PoC's SovereignAttestation (what its SPIRE agent sends): the App Key's PEM, its App Key
/// certificate (a TPM2_Certify by the AK), the challenge nonce, the Keylime agent UUID, the
/// workload code hash, members Aegis does not know (kept), and Aegis's optional
/// `app_key_tpm_public`. Unverified. Made by `aegis_sovereign_attestation_parse`, owned by the
/// caller, freed with `aegis_sovereign_attestation_free`. Immutable: may be shared between
/// threads.
#[derive(Debug)]
pub struct aegis_sovereign_attestation {
    inner: SovereignAttestation,
}

/// The PoC's PCR 15 location log (Aegis's log of the PoC agent's extends since the PCR's reset:
/// a JSON array of `{"geolocation": <claims>, "nonce": "<hex>"}`). Unverified. Made by
/// `aegis_poc_location_log_parse`, owned by the caller, freed with `aegis_poc_location_log_free`.
/// Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_poc_location_log {
    inner: PocLocationLog,
}

/// Text given as `(ptr, len)` (not NUL-terminated); NULL with `len` 0 is "".
///
/// # Safety
/// `(ptr, len)` is valid for reading `len` bytes, or NULL with `len` 0.
unsafe fn text<'a>(ptr: *const c_char, len: usize, what: &'static str) -> FfiResult<&'a str> {
    // SAFETY: this function's contract.
    let bytes = unsafe { boundary::bytes(ptr.cast::<u8>(), len, what) }?;
    core::str::from_utf8(bytes).map_err(|_| Failure::InvalidUtf8(what))
}

/// Writes a borrowed view of `bytes` (NULL and 0 for `None`) to two out-parameters.
///
/// # Safety
/// `ptr` and `len` are NULL or valid for writing.
unsafe fn view(bytes: Option<&[u8]>, ptr: *mut *const u8, len: *mut usize) -> FfiResult<()> {
    // SAFETY: this function's contract for ptr.
    let ptr = unsafe { boundary::out(ptr, "ptr") }?;
    // SAFETY: this function's contract for len.
    let len = unsafe { boundary::out(len, "len") }?;
    ptr.write(bytes.map_or(core::ptr::null(), <[u8]>::as_ptr));
    len.write(bytes.map_or(0, <[u8]>::len));
    Ok(())
}

/// Writes a SHA-256 value into the caller's `(out, out_len)` buffer, which must be 32 bytes.
///
/// # Safety
/// `(out, out_len)` is valid for writing `out_len` bytes (or NULL with `out_len` 0).
unsafe fn write_sha256(value: [u8; 32], out: *mut u8, out_len: usize) -> FfiResult<()> {
    // SAFETY: this function's contract.
    let buf = unsafe { boundary::bytes_out(out, out_len, "out") }?;
    if buf.len() != value.len() {
        return Err(Error::InvalidArgument {
            what: "out_len must be 32 (a SHA-256 value)",
        }
        .into());
    }
    for (dst, byte) in buf.iter_mut().zip(value) {
        dst.write(byte);
    }
    Ok(())
}

/// Reads a SovereignAttestation from its JSON (`json`, `len`); `app_key_certificate` may be the
/// base64 string the PoC sends or the JSON object.
///
/// On success `*out` receives a new `aegis_sovereign_attestation` the caller frees with
/// `aegis_sovereign_attestation_free`. On failure (`AEGIS_INVALID_FORMAT`, `AEGIS_EMPTY_NONCE`,
/// `AEGIS_SIZE_OUT_OF_RANGE`, a PEM or TPM public area error) nothing is written to `*out`, and
/// `*err_out` receives an `aegis_error` when `err_out` is not NULL. The input is only read during
/// the call.
///
/// # Safety
/// `(json, len)` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for
/// writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_parse(
    json: *const u8,
    len: usize,
    out: *mut *mut aegis_sovereign_attestation,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (json, len).
        let json = unsafe { boundary::bytes(json, len, "json") }?;
        let inner = SovereignAttestation::from_json(json)?;
        out.write_box(aegis_sovereign_attestation { inner });
        Ok(())
    })
}

/// A new SovereignAttestation: `sa` with Aegis's `app_key_tpm_public` set to the App Key's
/// TPM2B_PUBLIC or TPMT_PUBLIC (`tpm_public`, `len`), for a verifier that has the App Key's
/// public area from elsewhere. `sa` is unchanged. On success `*out` receives a new
/// `aegis_sovereign_attestation` the caller frees; on failure (the public area does not parse)
/// nothing is written to `*out`, and `*err_out` receives an `aegis_error` when not NULL.
///
/// # Safety
/// `sa` is NULL or a live `aegis_sovereign_attestation`; `(tpm_public, len)` is valid for reading
/// `len` bytes (or NULL with `len` 0); `out` is valid for writing one pointer; `err_out` is NULL
/// or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_with_app_key_tpm_public(
    sa: *const aegis_sovereign_attestation,
    tpm_public: *const u8,
    len: usize,
    out: *mut *mut aegis_sovereign_attestation,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for sa.
        let sa = unsafe { boundary::borrow(sa, "sa") }?;
        // SAFETY: the caller upholds this function's contract for (tpm_public, len).
        let tpm_public = unsafe { boundary::bytes(tpm_public, len, "tpm_public") }?;
        let inner = sa.inner.clone().with_app_key_tpm_public(tpm_public)?;
        out.write_box(aegis_sovereign_attestation { inner });
        Ok(())
    })
}

/// The SovereignAttestation as JSON (members Aegis does not know written back as read), as a new
/// `aegis_string` in `*out` the caller frees with `aegis_string_free`. Written only on success
/// (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `sa` is NULL or a live `aegis_sovereign_attestation`; `out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_to_json(
    sa: *const aegis_sovereign_attestation,
    out: *mut *mut aegis_string,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for sa.
        let sa = unsafe { boundary::borrow(sa, "sa") }?;
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        out.write_box(aegis_string::new(&sa.inner.to_json()));
        Ok(())
    })
}

/// Which member `aegis_sovereign_attestation_member` reads: one of the
/// `AEGIS_SOVEREIGN_*` constants.
pub type aegis_sovereign_member = u32;

/// `app_key_public`: the App Key's PEM, exactly as received.
pub const AEGIS_SOVEREIGN_APP_KEY_PUBLIC: aegis_sovereign_member = 1;
/// `challenge_nonce`: the hex nonce the document says it answers (not trusted).
pub const AEGIS_SOVEREIGN_CHALLENGE_NONCE: aegis_sovereign_member = 2;
/// `keylime_agent_uuid` (not trusted; absent: NULL, 0).
pub const AEGIS_SOVEREIGN_KEYLIME_AGENT_UUID: aegis_sovereign_member = 3;
/// `workload_code_hash` (not trusted; absent: NULL, 0).
pub const AEGIS_SOVEREIGN_WORKLOAD_CODE_HASH: aegis_sovereign_member = 4;
/// `app_key_tpm_public`, base64-decoded: the App Key's TPM2B_PUBLIC or TPMT_PUBLIC as sent
/// (absent: NULL, 0).
pub const AEGIS_SOVEREIGN_APP_KEY_TPM_PUBLIC: aegis_sovereign_member = 5;

/// One member of the SovereignAttestation as a view borrowed from `sa` (UTF-8 text, not
/// NUL-terminated, or the TPM public area's bytes), valid until
/// `aegis_sovereign_attestation_free(sa)` (never free it). An absent optional member gives NULL
/// and 0. Outputs are written only on success (`AEGIS_NULL_POINTER` when `sa`, `ptr` or `len` is
/// NULL, `AEGIS_INVALID_ARGUMENT` for an unknown `member`).
///
/// # Safety
/// `sa` is NULL or a live `aegis_sovereign_attestation`; `ptr` and `len` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_member(
    sa: *const aegis_sovereign_attestation,
    member: aegis_sovereign_member,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for sa.
        let sa = &unsafe { boundary::borrow(sa, "sa") }?.inner;
        let bytes = match member {
            AEGIS_SOVEREIGN_APP_KEY_PUBLIC => Some(sa.app_key_public().as_bytes()),
            AEGIS_SOVEREIGN_CHALLENGE_NONCE => Some(sa.challenge_nonce().as_bytes()),
            AEGIS_SOVEREIGN_KEYLIME_AGENT_UUID => sa.keylime_agent_uuid().map(str::as_bytes),
            AEGIS_SOVEREIGN_WORKLOAD_CODE_HASH => sa.workload_code_hash().map(str::as_bytes),
            AEGIS_SOVEREIGN_APP_KEY_TPM_PUBLIC => sa.app_key_tpm_public(),
            _ => {
                return Err(Error::InvalidArgument {
                    what: "member is not an AEGIS_SOVEREIGN_* constant",
                }
                .into())
            }
        };
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(bytes, ptr, len) }
    })
}

/// Frees a SovereignAttestation. NULL does nothing.
///
/// # Safety
/// `sa` is NULL or an `aegis_sovereign_attestation` from this library, not freed before; it (and
/// every view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_free(sa: *mut aegis_sovereign_attestation) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for sa.
        unsafe { boundary::free(sa) }
    })
}

/// Verifies the App Key certificate of a SovereignAttestation against the AK with the default
/// crypto provider, for this verifier's nonce given as the hex text it sent (`nonce_hex`,
/// `nonce_hex_len`, not NUL-terminated).
///
/// Checks, in order: `AEGIS_POC_APP_KEY_PUBLIC_MISSING` (only the PEM was sent: it cannot be tied
/// to the Name the certify signed), `AEGIS_POC_CHALLENGE_MISMATCH` (a challenge_nonce member is
/// not `nonce_hex`), `AEGIS_POC_APP_KEY_MISMATCH` (`app_key_tpm_public` and the PEM are different
/// keys), then every check of `aegis_certify_verify` with the PoC's qualifying data
/// SHA-256(SHA-256(PEM) || nonce_hex) as the nonce (`AEGIS_NONCE_MISMATCH` when the certify was
/// made for another PEM or nonce). `policy`: NULL for the default certify policy.
///
/// On success `*out` receives a new `aegis_verified_certification` (of the App Key) the caller
/// frees with `aegis_verified_certification_free`; on failure nothing is written to `*out`, and
/// `*err_out` receives an `aegis_error` when `err_out` is not NULL. Inputs are only read during
/// the call.
///
/// # Safety
/// `ak` and `sa` are NULL or live objects from this library; `policy` is NULL or a live policy not
/// changed during the call; `(nonce_hex, nonce_hex_len)` is valid for reading (or NULL with
/// length 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_sovereign_attestation_verify(
    ak: *const aegis_ak,
    sa: *const aegis_sovereign_attestation,
    nonce_hex: *const c_char,
    nonce_hex_len: usize,
    policy: *const aegis_certify_policy,
    out: *mut *mut aegis_verified_certification,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for sa.
        let sa = unsafe { boundary::borrow(sa, "sa") }?;
        // SAFETY: the caller upholds this function's contract for (nonce_hex, nonce_hex_len).
        let nonce_hex = unsafe { text(nonce_hex, nonce_hex_len, "nonce_hex") }?;
        let default_policy;
        // SAFETY: the caller upholds this function's contract for policy (NULL allowed).
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => &p.inner,
            None => {
                default_policy = CertifyPolicy::default();
                &default_policy
            }
        };
        let inner = verify_sovereign_attestation(
            default_provider(),
            &ak.inner,
            &sa.inner,
            nonce_hex,
            policy,
        )?;
        out.write_box(aegis_verified_certification::new(inner));
        Ok(())
    })
}

/// The PoC's App Key qualifying data, SHA-256(SHA-256(`pem`) || `nonce_hex`), both hashed as the
/// text given (`(ptr, len)` pairs, not NUL-terminated), into the caller's buffer `(out, out_len)`
/// (written only on success; `AEGIS_INVALID_ARGUMENT` unless `out_len` is 32): what the PoC's
/// agent passes to TPM2_Certify.
///
/// # Safety
/// Each `(ptr, len)` pair is valid for reading (or NULL with length 0); `(out, out_len)` is valid
/// for writing `out_len` bytes (or NULL with `out_len` 0).
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_qualifying_data(
    pem: *const c_char,
    pem_len: usize,
    nonce_hex: *const c_char,
    nonce_hex_len: usize,
    out: *mut u8,
    out_len: usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for (pem, pem_len).
        let pem = unsafe { text(pem, pem_len, "pem") }?;
        // SAFETY: the caller upholds this function's contract for (nonce_hex, nonce_hex_len).
        let nonce_hex = unsafe { text(nonce_hex, nonce_hex_len, "nonce_hex") }?;
        // SAFETY: the caller upholds this function's contract for (out, out_len).
        unsafe { write_sha256(poc_qualifying_data(pem, nonce_hex), out, out_len) }
    })
}

/// Reads a PoC PCR 15 location log from its JSON (`json`, `len`).
///
/// On success `*out` receives a new `aegis_poc_location_log` the caller frees with
/// `aegis_poc_location_log_free`; on failure (`AEGIS_LOCATION_LOG_CORRUPT`, ...) nothing is
/// written to `*out`, and `*err_out` receives an `aegis_error` when `err_out` is not NULL.
///
/// # Safety
/// `(json, len)` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for
/// writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_location_log_parse(
    json: *const u8,
    len: usize,
    out: *mut *mut aegis_poc_location_log,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (json, len).
        let json = unsafe { boundary::bytes(json, len, "json") }?;
        let inner = PocLocationLog::from_json(json)?;
        out.write_box(aegis_poc_location_log { inner });
        Ok(())
    })
}

/// The SHA-256 PCR 15 value the log's events give from the reset value (32 zero bytes), into the
/// caller's buffer `(out, out_len)` (written only on success; `AEGIS_INVALID_ARGUMENT` unless
/// `out_len` is 32).
///
/// # Safety
/// `log` is NULL or a live `aegis_poc_location_log`; `(out, out_len)` is valid for writing
/// `out_len` bytes (or NULL with `out_len` 0).
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_location_log_replay(
    log: *const aegis_poc_location_log,
    out: *mut u8,
    out_len: usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for log.
        let log = unsafe { boundary::borrow(log, "log") }?;
        // SAFETY: the caller upholds this function's contract for (out, out_len).
        unsafe { write_sha256(log.inner.replay(), out, out_len) }
    })
}

/// Frees a PoC location log. NULL does nothing.
///
/// # Safety
/// `log` is NULL or an `aegis_poc_location_log` from this library, not freed before; it is not
/// used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_location_log_free(log: *mut aegis_poc_location_log) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for log.
        unsafe { boundary::free(log) }
    })
}

/// VERIFIER-CHECKS.md item 16 for the PoC's recipe: `log` replays to the SHA-256 PCR 15 of the
/// verified quote `vq`, and its last event is bound to `nonce_hex` (the hex text of the nonce the
/// quote was verified with; `(ptr, len)`, not NUL-terminated). `AEGIS_REQUIRED_PCR_MISSING` when
/// the quote does not cover sha256:15, `AEGIS_LOCATION_LOG_MISMATCH`,
/// `AEGIS_LOCATION_NONCE_MISMATCH`, `AEGIS_EMPTY_NONCE`.
///
/// On success `*out` receives the current claims (the last event's, as the compact sorted-key
/// JSON the PoC agent hashed) as a new `aegis_string` the caller frees with `aegis_string_free`;
/// on failure nothing is written to `*out`, and `*err_out` receives an `aegis_error` when not NULL.
///
/// # Safety
/// `log` and `vq` are NULL or live objects from this library; `(nonce_hex, nonce_hex_len)` is
/// valid for reading (or NULL with length 0); `out` is valid for writing one pointer; `err_out` is
/// NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_location_verify(
    log: *const aegis_poc_location_log,
    vq: *const aegis_verified_quote,
    nonce_hex: *const c_char,
    nonce_hex_len: usize,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for log.
        let log = unsafe { boundary::borrow(log, "log") }?;
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for (nonce_hex, nonce_hex_len).
        let nonce_hex = unsafe { text(nonce_hex, nonce_hex_len, "nonce_hex") }?;
        let verified = verify_poc_location(&log.inner, vq.inner(), nonce_hex)?;
        out.write_box(aegis_string::new(&verified.current().to_json()));
        Ok(())
    })
}

/// Item 16 for the PoC's recipe against a PCR value rather than a verified quote, for callers
/// that keep only a verified quote's values (the Go binding copies them out): `(pcr15,
/// pcr15_len)` must be the SHA-256 PCR 15 value of a verified quote (`aegis_verified_quote_pcr_at`),
/// or NULL with length 0 when its signed selection lacks sha256:15 (`AEGIS_REQUIRED_PCR_MISSING`).
/// Otherwise as `aegis_poc_location_verify`, which is to be preferred.
///
/// # Safety
/// `log` is NULL or a live `aegis_poc_location_log`; each `(ptr, len)` pair is valid for reading
/// (or NULL with length 0); `out` is valid for writing one pointer; `err_out` is NULL or valid
/// for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_poc_location_log_check(
    log: *const aegis_poc_location_log,
    pcr15: *const u8,
    pcr15_len: usize,
    nonce_hex: *const c_char,
    nonce_hex_len: usize,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for log.
        let log = unsafe { boundary::borrow(log, "log") }?;
        // SAFETY: the caller upholds this function's contract for (pcr15, pcr15_len).
        let pcr15 = unsafe { boundary::bytes(pcr15, pcr15_len, "pcr15") }?;
        // SAFETY: the caller upholds this function's contract for (nonce_hex, nonce_hex_len).
        let nonce_hex = unsafe { text(nonce_hex, nonce_hex_len, "nonce_hex") }?;
        let quoted = (!pcr15.is_empty()).then_some(pcr15);
        let current = log.inner.check(quoted, nonce_hex)?;
        out.write_box(aegis_string::new(&current.to_json()));
        Ok(())
    })
}
