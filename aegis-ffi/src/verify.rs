//! Quote and certify verification, and the verified results.

use aegis_core::crypto::default_provider;
use aegis_core::keys::public_key_to_spki_der;
use aegis_core::tpm::ClockInfo;
use aegis_core::verify::{
    verify_certify, verify_quote, CertifyPolicy, QuotePolicy, VerifiedCertification, VerifiedQuote,
};
use aegis_core::Error;

use core::mem::MaybeUninit;

use crate::boundary::{self, ErrOut, FfiResult, Out};
use crate::buffers::aegis_bytes;
use crate::error::aegis_error;
use crate::keys::aegis_ak;
use crate::pcrs::aegis_pcrs;
use crate::policy::{aegis_certify_policy, aegis_quote_policy};
use crate::status::aegis_status;

/// A quote whose signature, structure, freshness and PCR digest were all verified. Made only by
/// `aegis_quote_verify`, owned by the caller, freed with `aegis_verified_quote_free`.
/// Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_verified_quote {
    inner: VerifiedQuote,
    /// The signed selection as (bank TPM_ALG_ID, index) pairs, bank by bank, indices ascending.
    selection: Vec<(u16, u8)>,
}

/// A TPM2_Certify whose signature, structure, freshness and certified Name were verified, and
/// whose certified key passed the App Key policy. Made only by `aegis_certify_verify`, owned by
/// the caller, freed with `aegis_verified_certification_free`. Immutable: may be shared between
/// threads.
#[derive(Debug)]
pub struct aegis_verified_certification {
    inner: VerifiedCertification,
    public_tpm2b: Vec<u8>,
}

/// TPMS_CLOCK_INFO (TCG TPM 2.0 Part 2, 10.11.1) as signed in a quote or a certification: the
/// values `aegis_verified_quote_clock` gives, as one struct. Keep it to pass as the previous
/// clock of the next verification from the same AK.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct aegis_clock_info {
    /// clock: milliseconds the TPM has been powered since TPM2_Clear.
    pub clock_ms: u64,
    /// resetCount: TPM Resets since the last TPM2_Clear.
    pub reset_count: u32,
    /// restartCount: TPM Restarts and Resumes since the last TPM Reset or TPM2_Clear.
    pub restart_count: u32,
    /// safe: true when the TPM never reported a clock greater than this one.
    pub safe: bool,
}

impl From<ClockInfo> for aegis_clock_info {
    fn from(c: ClockInfo) -> Self {
        aegis_clock_info {
            clock_ms: c.clock,
            reset_count: c.reset_count,
            restart_count: c.restart_count,
            safe: c.safe,
        }
    }
}

/// What a verified quote holds besides its PCR values, filled in one call by
/// `aegis_verified_quote_read` (each member is what the accessor of the same name gives). The
/// caller owns the struct; `qualified_signer` is a view borrowed from the verified quote, valid
/// until `aegis_verified_quote_free` (never free it).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct aegis_verified_quote_info {
    /// TPMS_CLOCK_INFO as signed (`aegis_verified_quote_clock`).
    pub clock: aegis_clock_info,
    /// firmwareVersion as signed (`aegis_verified_quote_firmware_version`).
    pub firmware_version: u64,
    /// The signed qualifiedSigner (`aegis_verified_quote_qualified_signer`): borrowed view.
    pub qualified_signer: *const u8,
    /// Length of `qualified_signer`.
    pub qualified_signer_len: usize,
    /// The number of verified PCR values, i.e. of records (`aegis_verified_quote_pcr_count`).
    pub pcr_count: usize,
    /// The hash of the quote's signature, a TPM_ALG_ID (`aegis_verified_quote_hash`).
    pub hash_alg: u16,
}

/// What a verified certification holds besides its SPKI, filled in one call by
/// `aegis_verified_certification_read` (each member is what the accessor of the same name
/// gives). The caller owns the struct; its byte members are views borrowed from the verified
/// certification, valid until `aegis_verified_certification_free` (never free them).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct aegis_verified_certification_info {
    /// TPMS_CLOCK_INFO as signed (`aegis_verified_certification_clock`).
    pub clock: aegis_clock_info,
    /// firmwareVersion as signed (`aegis_verified_certification_firmware_version`).
    pub firmware_version: u64,
    /// The certified key's Name (`aegis_verified_certification_name`): borrowed view.
    pub name: *const u8,
    /// Length of `name`.
    pub name_len: usize,
    /// The signed certifyInfo.qualifiedName (`aegis_verified_certification_qualified_name`):
    /// borrowed view.
    pub qualified_name: *const u8,
    /// Length of `qualified_name`.
    pub qualified_name_len: usize,
    /// The signed qualifiedSigner (`aegis_verified_certification_qualified_signer`): borrowed
    /// view.
    pub qualified_signer: *const u8,
    /// Length of `qualified_signer`.
    pub qualified_signer_len: usize,
    /// The certified key's TPM2B_PUBLIC (`aegis_verified_certification_public`): borrowed view.
    pub public_area: *const u8,
    /// Length of `public_area`.
    pub public_area_len: usize,
}

impl aegis_verified_quote {
    pub(crate) fn new(inner: VerifiedQuote) -> Self {
        let selection = inner
            .selection()
            .banks
            .iter()
            .flat_map(|bank| bank.indices().map(|i| (bank.hash.alg_id(), i)))
            .collect();
        aegis_verified_quote { inner, selection }
    }

    pub(crate) fn inner(&self) -> &VerifiedQuote {
        &self.inner
    }
}

impl aegis_verified_certification {
    pub(crate) fn new(inner: VerifiedCertification) -> Self {
        let public_tpm2b = inner.certified_key().to_tpm2b();
        aegis_verified_certification {
            inner,
            public_tpm2b,
        }
    }
}

/// Writes a borrowed `(ptr, len)` view to two out-parameters (both checked before either is
/// written).
///
/// # Safety
/// `ptr` and `len` are NULL or valid for writing.
unsafe fn view(bytes: &[u8], ptr: *mut *const u8, len: *mut usize) -> FfiResult<()> {
    // SAFETY: this function's contract for ptr.
    let ptr = unsafe { boundary::out(ptr, "ptr") }?;
    // SAFETY: this function's contract for len.
    let len = unsafe { boundary::out(len, "len") }?;
    ptr.write(bytes.as_ptr());
    len.write(bytes.len());
    Ok(())
}

/// Writes TPMS_CLOCK_INFO to four out-parameters (all checked before any is written).
///
/// # Safety
/// Each pointer is NULL or valid for writing.
unsafe fn write_clock(
    c: ClockInfo,
    clock_ms: *mut u64,
    reset_count: *mut u32,
    restart_count: *mut u32,
    safe: *mut bool,
) -> FfiResult<()> {
    // SAFETY: this function's contract for clock_ms.
    let clock_ms = unsafe { boundary::out(clock_ms, "clock_ms") }?;
    // SAFETY: this function's contract for reset_count.
    let reset_count = unsafe { boundary::out(reset_count, "reset_count") }?;
    // SAFETY: this function's contract for restart_count.
    let restart_count = unsafe { boundary::out(restart_count, "restart_count") }?;
    // SAFETY: this function's contract for safe.
    let safe = unsafe { boundary::out(safe, "safe") }?;
    clock_ms.write(c.clock);
    reset_count.write(c.reset_count);
    restart_count.write(c.restart_count);
    safe.write(c.safe);
    Ok(())
}

/// Verifies a TPM2_Quote (VERIFIER-CHECKS.md items 1-12) with the default crypto provider.
///
/// - `ak`: the AK that signed (from `aegis_ak_from_tpm_public`);
/// - `attest`: the TPMS_ATTEST (or TPM2B_ATTEST) exactly as the TPM returned it;
/// - `sig`: its TPMT_SIGNATURE;
/// - `pcrs`: the claimed PCR values (from `aegis_pcrs_parse`);
/// - `nonce`: the fresh nonce this verifier issued (empty is refused: `AEGIS_EMPTY_NONCE`);
/// - `policy`: NULL for the default policy (no required PCRs, no expected signer, no previous
///   clock, SHA-256/384/512).
///
/// On success `*out` receives a new `aegis_verified_quote` the caller frees with
/// `aegis_verified_quote_free`. On failure the status names the check that failed (e.g.
/// `AEGIS_PCR_DIGEST_MISMATCH`), nothing is written to `*out`, and `*err_out` receives an
/// `aegis_error` when `err_out` is not NULL. Inputs are only read during the call.
///
/// # Safety
/// `ak` and `pcrs` are NULL or live objects from this library; `policy` is NULL or a live policy
/// not changed during the call; each `(ptr, len)` pair is valid for reading `len` bytes (or NULL
/// with `len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for writing
/// one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_verify(
    ak: *const aegis_ak,
    attest: *const u8,
    attest_len: usize,
    sig: *const u8,
    sig_len: usize,
    pcrs: *const aegis_pcrs,
    nonce: *const u8,
    nonce_len: usize,
    policy: *const aegis_quote_policy,
    out: *mut *mut aegis_verified_quote,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for pcrs.
        let pcrs = unsafe { boundary::borrow(pcrs, "pcrs") }?;
        // SAFETY: the caller upholds this function's contract for (attest, attest_len).
        let attest = unsafe { boundary::bytes(attest, attest_len, "attest") }?;
        // SAFETY: the caller upholds this function's contract for (sig, sig_len).
        let sig = unsafe { boundary::bytes(sig, sig_len, "sig") }?;
        // SAFETY: the caller upholds this function's contract for (nonce, nonce_len).
        let nonce = unsafe { boundary::bytes(nonce, nonce_len, "nonce") }?;
        let default_policy;
        // SAFETY: the caller upholds this function's contract for policy (NULL allowed).
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => &p.inner,
            None => {
                default_policy = QuotePolicy::default();
                &default_policy
            }
        };
        let inner = verify_quote(
            default_provider(),
            &ak.inner,
            attest,
            sig,
            &pcrs.inner,
            nonce,
            policy,
        )?;
        out.write_box(aegis_verified_quote::new(inner));
        Ok(())
    })
}

/// The number of verified PCR values (every PCR of the signed selection); 0 when `vq` is NULL.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_pcr_count(vq: *const aegis_verified_quote) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for vq.
        unsafe { boundary::borrow(vq, "vq") }.map_or(0, |vq| vq.inner.pcrs().len())
    })
}

/// The verified PCR number `i` (0 <= i < `aegis_verified_quote_pcr_count`), ordered by bank
/// (SHA-1, SHA-256, SHA-384, SHA-512) then index: its bank's TPM_ALG_ID, its index, and its
/// value as a view borrowed from `vq`, valid until `aegis_verified_quote_free(vq)` (never free
/// it). `AEGIS_INVALID_ARGUMENT` when `i` is out of range, `AEGIS_NULL_POINTER` when a pointer
/// is NULL; outputs are written only on success.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; the out-pointers are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_pcr_at(
    vq: *const aegis_verified_quote,
    i: usize,
    bank_alg: *mut u16,
    index: *mut u8,
    value: *mut *const u8,
    value_len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for bank_alg.
        let bank_alg = unsafe { boundary::out(bank_alg, "bank_alg") }?;
        // SAFETY: the caller upholds this function's contract for index.
        let index = unsafe { boundary::out(index, "index") }?;
        // SAFETY: the caller upholds this function's contract for value.
        let value = unsafe { boundary::out(value, "value") }?;
        // SAFETY: the caller upholds this function's contract for value_len.
        let value_len = unsafe { boundary::out(value_len, "value_len") }?;
        let (bank, pcr, bytes) = vq
            .inner
            .pcrs()
            .iter()
            .nth(i)
            .ok_or(Error::InvalidArgument {
                what: "PCR position out of range",
            })?;
        bank_alg.write(bank.alg_id());
        index.write(pcr);
        value.write(bytes.as_ptr());
        value_len.write(bytes.len());
        Ok(())
    })
}

/// The size of the fixed part of each record `aegis_verified_quote_pcrs_read` writes: bank
/// (2 bytes), index (1), value size (1). Private: the function's doc comment gives the layout.
const PCR_RECORD_HEADER_LEN: usize = 4;

/// Copies the PCR records of `vq` into `buf` in the layout of `aegis_verified_quote_pcrs_read`
/// and writes their size to `written`; when `buf` is too small, writes only the size needed to
/// `written` and fails with `InvalidArgument`.
fn read_pcr_records(
    vq: &aegis_verified_quote,
    buf: &mut [MaybeUninit<u8>],
    written: Out<usize>,
) -> FfiResult<()> {
    let pcrs = vq.inner.pcrs();
    let mut need = 0usize;
    for (_, _, value) in pcrs.iter() {
        if u8::try_from(value.len()).is_err() {
            return Err(Error::InvalidArgument {
                what: "PCR value longer than 255 bytes",
            }
            .into());
        }
        need = need.saturating_add(PCR_RECORD_HEADER_LEN + value.len());
    }
    if need > buf.len() {
        written.write(need);
        return Err(Error::InvalidArgument {
            what: "buffer too small for the PCR records (*written holds the size needed)",
        }
        .into());
    }
    let mut rest = buf.iter_mut();
    for (bank, index, value) in pcrs.iter() {
        let [hi, lo] = bank.alg_id().to_be_bytes();
        // Checked above: every value is at most 255 bytes.
        let size = u8::try_from(value.len()).unwrap_or(u8::MAX);
        let record = [hi, lo, index, size]
            .into_iter()
            .chain(value.iter().copied());
        for (byte, dst) in record.zip(rest.by_ref()) {
            dst.write(byte);
        }
    }
    written.write(need);
    Ok(())
}

/// Copies every verified PCR value of `vq` into the caller's buffer `buf` (`len` bytes) in one
/// call, in the order of `aegis_verified_quote_pcr_at` (bank SHA-1, SHA-256, SHA-384, SHA-512,
/// then index ascending), one record per PCR with nothing between records:
///
/// - bytes 0-1: the bank's TPM_ALG_ID (TCG TPM 2.0 Part 2, 6.3), big-endian (TPM byte order);
/// - byte 2: the PCR index (0-23);
/// - byte 3: n, the size of the value in bytes (the bank's digest size: 20, 32, 48 or 64);
/// - bytes 4 to 4+n-1: the value.
///
/// The records take 4 bytes per PCR (`aegis_verified_quote_pcr_count` of them) plus the sum of
/// the value sizes.
///
/// On success (`AEGIS_OK`) all the records are in `buf` and `*written` is their size in bytes (0
/// for a quote that covers no PCR). When `len` is smaller than that, the status is
/// `AEGIS_INVALID_ARGUMENT`, nothing is written to `buf`, and `*written` receives the size needed
/// (the only output written on failure): call with `buf` NULL and `len` 0 to learn the size, then
/// again with a buffer that large. `AEGIS_NULL_POINTER` when `vq` or `written` is NULL, or `buf`
/// is NULL with `len` > 0 (then nothing is written). The buffer stays the caller's; `vq` may be
/// freed after the call.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `buf` is NULL or valid for writing `len` bytes;
/// `written` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_pcrs_read(
    vq: *const aegis_verified_quote,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for written.
        let written = unsafe { boundary::out(written, "written") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let buf = unsafe { boundary::bytes_out(buf, len, "buf") }?;
        read_pcr_records(vq, buf, written)
    })
}

/// TPMS_CLOCK_INFO as signed: clock (ms), resetCount, restartCount, safe. Keep it to pass as
/// the previous clock of the next verification from the same AK. Outputs are written only on
/// success (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; the out-pointers are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_clock(
    vq: *const aegis_verified_quote,
    clock_ms: *mut u64,
    reset_count: *mut u32,
    restart_count: *mut u32,
    safe: *mut bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for the out-pointers.
        unsafe {
            write_clock(
                vq.inner.clock_info(),
                clock_ms,
                reset_count,
                restart_count,
                safe,
            )
        }
    })
}

/// firmwareVersion as signed, into `*version` (written only on success).
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `version` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_firmware_version(
    vq: *const aegis_verified_quote,
    version: *mut u64,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for version.
        unsafe { boundary::out(version, "version") }?.write(vq.inner.firmware_version());
        Ok(())
    })
}

/// The number of PCRs in the signed selection (TPMS_QUOTE_INFO.pcrSelect), counting each (bank,
/// index) once; 0 when `vq` is NULL. Read them with `aegis_verified_quote_selection_at`.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_selection_count(
    vq: *const aegis_verified_quote,
) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for vq.
        unsafe { boundary::borrow(vq, "vq") }.map_or(0, |vq| vq.selection.len())
    })
}

/// The `i`-th PCR of the signed selection: `*bank` receives its bank's TPM_ALG_ID
/// (`AEGIS_ALG_SHA256`, ...) and `*index` its index. Banks come in the signed order, indices
/// ascending within a bank. `AEGIS_INVALID_ARGUMENT` when `i` is not below
/// `aegis_verified_quote_selection_count(vq)`; outputs are written only on success.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `bank` and `index` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_selection_at(
    vq: *const aegis_verified_quote,
    i: usize,
    bank: *mut u16,
    index: *mut u8,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for bank.
        let bank = unsafe { boundary::out(bank, "bank") }?;
        // SAFETY: the caller upholds this function's contract for index.
        let index = unsafe { boundary::out(index, "index") }?;
        let &(b, x) = vq.selection.get(i).ok_or(Error::InvalidArgument {
            what: "i is not below aegis_verified_quote_selection_count",
        })?;
        bank.write(b);
        index.write(x);
        Ok(())
    })
}

/// The signed qualifiedSigner (the AK's qualified Name as the TPM knows it; VERIFIER-CHECKS.md
/// item 9), as a view borrowed from `vq`, valid until `aegis_verified_quote_free(vq)` (never free
/// it). Outputs are written only on success (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_qualified_signer(
    vq: *const aegis_verified_quote,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(vq.inner.qualified_signer().as_bytes(), ptr, len) }
    })
}

/// The hash the quote's signature was made with (the signature scheme's hash, on the policy's
/// allow-list), as a TPM_ALG_ID into `*hash_alg` (written only on success).
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `hash_alg` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_hash(
    vq: *const aegis_verified_quote,
    hash_alg: *mut u16,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for hash_alg.
        unsafe { boundary::out(hash_alg, "hash_alg") }?.write(vq.inner.hash().alg_id());
        Ok(())
    })
}

/// Everything a verified quote holds, in one call: `*info` receives the clock, firmware version,
/// signature hash, qualified signer (a view borrowed from `vq`) and PCR count, and the caller's
/// buffer `buf` (`len` bytes) receives every verified PCR value as the records of
/// `aegis_verified_quote_pcrs_read` (same layout and order); `*written` is their size in bytes.
/// A binding (or any caller that copies a verified quote out) reads it this way instead of one
/// accessor per member.
///
/// On success (`AEGIS_OK`) `*info`, the records in `buf` and `*written` are all written. When
/// `len` is smaller than the records, the status is `AEGIS_INVALID_ARGUMENT`, `*written` receives
/// the size needed (the only output written on failure: `*info` and `buf` are untouched), as with
/// `aegis_verified_quote_pcrs_read`. `AEGIS_NULL_POINTER` when `vq`, `info` or `written` is NULL,
/// or `buf` is NULL with `len` > 0 (then nothing is written). The struct and buffer stay the
/// caller's; `info->qualified_signer` is valid until `aegis_verified_quote_free(vq)`.
///
/// # Safety
/// `vq` is NULL or a live `aegis_verified_quote`; `info` is NULL or valid for writing one
/// `aegis_verified_quote_info`; `buf` is NULL or valid for writing `len` bytes; `written` is NULL
/// or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_read(
    vq: *const aegis_verified_quote,
    info: *mut aegis_verified_quote_info,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vq.
        let vq = unsafe { boundary::borrow(vq, "vq") }?;
        // SAFETY: the caller upholds this function's contract for info.
        let info = unsafe { boundary::out(info, "info") }?;
        // SAFETY: the caller upholds this function's contract for written.
        let written = unsafe { boundary::out(written, "written") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let buf = unsafe { boundary::bytes_out(buf, len, "buf") }?;
        read_pcr_records(vq, buf, written)?;
        let signer = vq.inner.qualified_signer().as_bytes();
        info.write(aegis_verified_quote_info {
            clock: vq.inner.clock_info().into(),
            firmware_version: vq.inner.firmware_version(),
            qualified_signer: signer.as_ptr(),
            qualified_signer_len: signer.len(),
            pcr_count: vq.inner.pcrs().len(),
            hash_alg: vq.inner.hash().alg_id(),
        });
        Ok(())
    })
}

/// Frees a verified quote. NULL does nothing.
///
/// # Safety
/// `vq` is NULL or an `aegis_verified_quote` from this library, not freed before; it (and every
/// view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_quote_free(vq: *mut aegis_verified_quote) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for vq.
        unsafe { boundary::free(vq) }
    })
}

/// Verifies a TPM2_Certify of an App Key by the AK (VERIFIER-CHECKS.md items 1-10 and 15) with
/// the default crypto provider.
///
/// - `ak`: the certifying AK; `app_key`: the App Key's TPM2B_PUBLIC or TPMT_PUBLIC as received;
/// - `attest`, `sig`: what TPM2_Certify returned (TPMS_ATTEST or TPM2B_ATTEST, TPMT_SIGNATURE);
/// - `nonce`: the qualifying data this verifier required (empty is refused);
/// - `policy`: NULL for the default policy.
///
/// On success `*out` receives a new `aegis_verified_certification` the caller frees with
/// `aegis_verified_certification_free`; on failure nothing is written to `*out`, and `*err_out`
/// receives an `aegis_error` when `err_out` is not NULL. Inputs are only read during the call.
///
/// # Safety
/// `ak` is NULL or a live `aegis_ak`; `policy` is NULL or a live policy not changed during the
/// call; each `(ptr, len)` pair is valid for reading `len` bytes (or NULL with `len` 0); `out` is
/// valid for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_verify(
    ak: *const aegis_ak,
    app_key: *const u8,
    app_key_len: usize,
    attest: *const u8,
    attest_len: usize,
    sig: *const u8,
    sig_len: usize,
    nonce: *const u8,
    nonce_len: usize,
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
        // SAFETY: the caller upholds this function's contract for (app_key, app_key_len).
        let app_key = unsafe { boundary::bytes(app_key, app_key_len, "app_key") }?;
        // SAFETY: the caller upholds this function's contract for (attest, attest_len).
        let attest = unsafe { boundary::bytes(attest, attest_len, "attest") }?;
        // SAFETY: the caller upholds this function's contract for (sig, sig_len).
        let sig = unsafe { boundary::bytes(sig, sig_len, "sig") }?;
        // SAFETY: the caller upholds this function's contract for (nonce, nonce_len).
        let nonce = unsafe { boundary::bytes(nonce, nonce_len, "nonce") }?;
        let default_policy;
        // SAFETY: the caller upholds this function's contract for policy (NULL allowed).
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => &p.inner,
            None => {
                default_policy = CertifyPolicy::default();
                &default_policy
            }
        };
        let inner = verify_certify(
            default_provider(),
            &ak.inner,
            app_key,
            attest,
            sig,
            nonce,
            policy,
        )?;
        out.write_box(aegis_verified_certification::new(inner));
        Ok(())
    })
}

/// The certified key's Name (equal to the signed certifyInfo.name), as a view borrowed from
/// `vc`, valid until `aegis_verified_certification_free(vc)` (never free it). Outputs are written
/// only on success (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `ptr` and `len` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_name(
    vc: *const aegis_verified_certification,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for ptr.
        let ptr = unsafe { boundary::out(ptr, "ptr") }?;
        // SAFETY: the caller upholds this function's contract for len.
        let len = unsafe { boundary::out(len, "len") }?;
        let name = vc.inner.name().as_bytes();
        ptr.write(name.as_ptr());
        len.write(name.len());
        Ok(())
    })
}

/// The certified key's public area as TPM2B_PUBLIC bytes (u16 size || TPMT_PUBLIC exactly as
/// received), as a view borrowed from `vc`, valid until `aegis_verified_certification_free(vc)`
/// (never free it). Outputs are written only on success.
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `ptr` and `len` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_public(
    vc: *const aegis_verified_certification,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for ptr.
        let ptr = unsafe { boundary::out(ptr, "ptr") }?;
        // SAFETY: the caller upholds this function's contract for len.
        let len = unsafe { boundary::out(len, "len") }?;
        ptr.write(vc.public_tpm2b.as_ptr());
        len.write(vc.public_tpm2b.len());
        Ok(())
    })
}

/// The certified key's qualified Name (the signed certifyInfo.qualifiedName), as a view borrowed
/// from `vc`, valid until `aegis_verified_certification_free(vc)` (never free it). Outputs are
/// written only on success.
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `ptr` and `len` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_qualified_name(
    vc: *const aegis_verified_certification,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(vc.inner.qualified_name().as_bytes(), ptr, len) }
    })
}

/// The signed qualifiedSigner of the certification (the certifying AK's qualified Name), as a
/// view borrowed from `vc`, valid until `aegis_verified_certification_free(vc)` (never free it).
/// Outputs are written only on success.
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `ptr` and `len` are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_qualified_signer(
    vc: *const aegis_verified_certification,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(vc.inner.attest().qualified_signer.as_bytes(), ptr, len) }
    })
}

/// TPMS_CLOCK_INFO of the certification as signed: clock (ms), resetCount, restartCount, safe
/// (as `aegis_verified_quote_clock`). Outputs are written only on success.
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; the out-pointers are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_clock(
    vc: *const aegis_verified_certification,
    clock_ms: *mut u64,
    reset_count: *mut u32,
    restart_count: *mut u32,
    safe: *mut bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for the out-pointers.
        unsafe {
            write_clock(
                vc.inner.clock_info(),
                clock_ms,
                reset_count,
                restart_count,
                safe,
            )
        }
    })
}

/// firmwareVersion of the certification as signed, into `*version` (written only on success).
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `version` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_firmware_version(
    vc: *const aegis_verified_certification,
    version: *mut u64,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for version.
        unsafe { boundary::out(version, "version") }?.write(vc.inner.attest().firmware_version);
        Ok(())
    })
}

/// Everything a verified certification holds but its SPKI (`aegis_verified_certification_spki`,
/// which allocates), in one call: `*info` receives the clock, firmware version, and the Name,
/// qualified Name, qualified signer and TPM2B_PUBLIC of the certified key as views borrowed from
/// `vc`, valid until `aegis_verified_certification_free(vc)` (never free them). `*info` is
/// written only on success (`AEGIS_NULL_POINTER` when `vc` or `info` is NULL).
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `info` is NULL or valid for writing one
/// `aegis_verified_certification_info`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_read(
    vc: *const aegis_verified_certification,
    info: *mut aegis_verified_certification_info,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        // SAFETY: the caller upholds this function's contract for info.
        let info = unsafe { boundary::out(info, "info") }?;
        let attest = vc.inner.attest();
        let name = vc.inner.name().as_bytes();
        let qualified_name = vc.inner.qualified_name().as_bytes();
        let qualified_signer = attest.qualified_signer.as_bytes();
        info.write(aegis_verified_certification_info {
            clock: vc.inner.clock_info().into(),
            firmware_version: attest.firmware_version,
            name: name.as_ptr(),
            name_len: name.len(),
            qualified_name: qualified_name.as_ptr(),
            qualified_name_len: qualified_name.len(),
            qualified_signer: qualified_signer.as_ptr(),
            qualified_signer_len: qualified_signer.len(),
            public_area: vc.public_tpm2b.as_ptr(),
            public_area_len: vc.public_tpm2b.len(),
        });
        Ok(())
    })
}

/// The certified key as a DER SubjectPublicKeyInfo (RFC 5280, 4.1.2.7), e.g. to check the App
/// Key's signatures with another library. On success `*out` receives a new `aegis_bytes` the
/// caller frees with `aegis_bytes_free`; on failure nothing is written to `*out`, and `*err_out`
/// receives an `aegis_error` when `err_out` is not NULL.
///
/// # Safety
/// `vc` is NULL or a live `aegis_verified_certification`; `out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_spki(
    vc: *const aegis_verified_certification,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for vc.
        let vc = unsafe { boundary::borrow(vc, "vc") }?;
        let der = public_key_to_spki_der(vc.inner.certified_key())?;
        out.write_box(aegis_bytes::new(der));
        Ok(())
    })
}

/// Frees a verified certification. NULL does nothing.
///
/// # Safety
/// `vc` is NULL or an `aegis_verified_certification` from this library, not freed before; it
/// (and every view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_certification_free(vc: *mut aegis_verified_certification) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for vc.
        unsafe { boundary::free(vc) }
    })
}
