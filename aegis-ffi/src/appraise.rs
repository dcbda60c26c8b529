//! Appraisal of one attestation (ARCHITECTURE.md, flow step 4): `aegis_appraise` runs every
//! check of aegis-core's `appraise` (AK binding, App Key certification, quote, location log, App
//! Key possession) and collects their outcomes into an `aegis_appraisal`, instead of stopping at
//! the first failure.

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::appraise::{
    appraise, Appraisal, AppraisalPolicy, Check, Evidence, LocationPcr, Nonces, Outcome,
    PossessionProof,
};
use aegis_core::crypto::default_provider;
use aegis_core::geo::VerifiedLocation;
use aegis_core::Error;

use crate::binding::aegis_ak_binding;
use crate::boundary::{self, ErrOut, FfiResult};
use crate::constants::{
    aegis_check, aegis_outcome, aegis_signature_format, AEGIS_CHECK_AK_BINDING,
    AEGIS_CHECK_APP_KEY_CERTIFICATION, AEGIS_CHECK_APP_KEY_POSSESSION, AEGIS_CHECK_LOCATION_LOG,
    AEGIS_CHECK_QUOTE, AEGIS_OUTCOME_FAILED, AEGIS_OUTCOME_PASSED, AEGIS_OUTCOME_SKIPPED,
};
use crate::error::aegis_error;
use crate::keys::{aegis_ak, aegis_key_policy};
use crate::pcrs::aegis_pcrs;
use crate::policy::pcr;
use crate::sign::{format, scheme};
use crate::status::{aegis_status, AEGIS_OK};
use crate::verify::{aegis_verified_certification, aegis_verified_quote};

/// What the attester sent for one attestation, as received: `(pointer, length)` pairs borrowed
/// for the duration of `aegis_appraise` only (Aegis keeps no pointer). Zero-initialise it
/// (`aegis_evidence ev = {0};`, or memset) and set what you have: a NULL pointer with length 0
/// is "absent" for the optional parts.
#[repr(C)]
#[derive(Debug)]
pub struct aegis_evidence {
    /// The App Key's TPM2B_PUBLIC (or TPMT_PUBLIC).
    pub app_key: *const u8,
    /// Length of `app_key`.
    pub app_key_len: usize,
    /// TPMS_ATTEST (or TPM2B_ATTEST) of TPM2_Certify(App Key, AK).
    pub certify_attest: *const u8,
    /// Length of `certify_attest`.
    pub certify_attest_len: usize,
    /// Its TPMT_SIGNATURE.
    pub certify_signature: *const u8,
    /// Length of `certify_signature`.
    pub certify_signature_len: usize,
    /// TPMS_ATTEST (or TPM2B_ATTEST) of TPM2_Quote by the AK.
    pub quote_attest: *const u8,
    /// Length of `quote_attest`.
    pub quote_attest_len: usize,
    /// Its TPMT_SIGNATURE.
    pub quote_signature: *const u8,
    /// Length of `quote_signature`.
    pub quote_signature_len: usize,
    /// The quoted PCR values (from `aegis_pcrs_parse`); required.
    pub pcrs: *const aegis_pcrs,
    /// The location event log (FORMATS.md, location evidence); NULL with length 0 when there is
    /// none (the location check is then skipped, unless the policy appraises no location).
    pub location_log: *const u8,
    /// Length of `location_log`.
    pub location_log_len: usize,
    /// The message the App Key signed (a DPoR/DPoG proof); NULL with length 0 when there is no
    /// possession proof (the possession check is then not run). A non-NULL pointer with length 0
    /// is a proof over the empty message.
    pub possession_message: *const u8,
    /// Length of `possession_message`.
    pub possession_message_len: usize,
    /// The App Key's signature over the message, encoded as `possession_format`.
    pub possession_signature: *const u8,
    /// Length of `possession_signature`.
    pub possession_signature_len: usize,
    /// Its scheme: `AEGIS_ALG_RSASSA`, `AEGIS_ALG_RSAPSS` or `AEGIS_ALG_ECDSA`.
    pub possession_scheme_alg: u16,
    /// Its hash: `AEGIS_ALG_SHA256`, `AEGIS_ALG_SHA384` or `AEGIS_ALG_SHA512`.
    pub possession_hash_alg: u16,
    /// Its encoding: `AEGIS_SIGNATURE_RAW`, `AEGIS_SIGNATURE_DER` or `AEGIS_SIGNATURE_TPMT`.
    pub possession_format: aegis_signature_format,
}

/// What an appraisal requires of the evidence: the quote and certify policies' hash allow-list
/// (SHA-256, SHA-384, SHA-512; SHA-1 by `aegis_appraisal_policy_allow_sha1`), PCRs the quote
/// must cover (none by default), and the location PCR (PCR 15 of the SHA-256 bank by default,
/// FORMATS.md; `aegis_appraisal_policy_no_location` appraises no location). Made by
/// `aegis_appraisal_policy_new`, owned by the caller, freed with `aegis_appraisal_policy_free`.
/// Not thread-safe while being changed; may be shared once set.
#[derive(Debug)]
pub struct aegis_appraisal_policy {
    pub(crate) inner: AppraisalPolicy,
}

impl Default for aegis_appraisal_policy {
    /// The core's defaults with the location PCR of FORMATS.md (as in Python and Go).
    fn default() -> Self {
        aegis_appraisal_policy {
            inner: AppraisalPolicy {
                location: Some(LocationPcr::default()),
                ..AppraisalPolicy::default()
            },
        }
    }
}

/// One check as C reads it: its id, outcome, status and reason text.
#[derive(Debug)]
struct CheckRow {
    check: aegis_check,
    outcome: aegis_outcome,
    status: aegis_status,
    reason: CString,
}

/// The result of `aegis_appraise`: every check with its outcome, in the order they ran. Made
/// only by `aegis_appraise`, owned by the caller, freed with `aegis_appraisal_free`. Immutable:
/// may be shared between threads.
#[derive(Debug)]
pub struct aegis_appraisal {
    passed: bool,
    rows: Vec<CheckRow>,
    established: Vec<CString>,
    not_established: Vec<CString>,
    quote: Option<aegis_verified_quote>,
    certification: Option<aegis_verified_certification>,
    location: Option<aegis_verified_location>,
}

/// The location log as the "location-log" check verified it (VERIFIER-CHECKS.md item 16;
/// FORMATS.md, location evidence): how many events were replayed into which PCR, and the current
/// event (the last one, bound to this attestation's quote nonce). Borrowed from an
/// `aegis_appraisal` (`aegis_appraisal_location`), valid until `aegis_appraisal_free`; never
/// freed by itself. Immutable.
#[derive(Debug)]
pub struct aegis_verified_location {
    event_count: usize,
    pcr_index: u8,
    pcr_bank: u16,
    current_json: CString,
    latitude: f64,
    longitude: f64,
    accuracy_m: f64,
}

impl aegis_verified_location {
    fn new(location: &VerifiedLocation) -> Self {
        let (pcr_index, bank) = location.pcr();
        let current = location.current();
        let json = location.records().last().map_or("", |r| r.canonical_json());
        aegis_verified_location {
            event_count: location.records().len(),
            pcr_index,
            pcr_bank: bank.alg_id(),
            current_json: c_text(json),
            latitude: current.latitude,
            longitude: current.longitude,
            accuracy_m: current.accuracy_m,
        }
    }
}

fn check_id(check: Check) -> aegis_check {
    match check {
        Check::AkBinding => AEGIS_CHECK_AK_BINDING,
        Check::AppKeyCertification => AEGIS_CHECK_APP_KEY_CERTIFICATION,
        Check::Quote => AEGIS_CHECK_QUOTE,
        Check::LocationLog => AEGIS_CHECK_LOCATION_LOG,
        Check::AppKeyPossession => AEGIS_CHECK_APP_KEY_POSSESSION,
    }
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl aegis_appraisal {
    /// The rows of `appraisal`.
    fn new(appraisal: &Appraisal) -> Self {
        let rows = appraisal
            .outcomes()
            .iter()
            .map(|(check, outcome)| {
                let (outcome, status, reason) = match outcome {
                    Outcome::Passed => (AEGIS_OUTCOME_PASSED, AEGIS_OK, String::new()),
                    Outcome::Failed(e) => (AEGIS_OUTCOME_FAILED, e.code(), e.to_string()),
                    Outcome::Skipped(why) => (AEGIS_OUTCOME_SKIPPED, AEGIS_OK, (*why).to_owned()),
                };
                CheckRow {
                    check: check_id(*check),
                    outcome,
                    status,
                    reason: c_text(&reason),
                }
            })
            .collect();
        aegis_appraisal {
            passed: appraisal.passed(),
            rows,
            established: appraisal.established().into_iter().map(c_text).collect(),
            not_established: appraisal
                .not_established()
                .iter()
                .map(|s| c_text(s))
                .collect(),
            quote: appraisal.quote().cloned().map(aegis_verified_quote::new),
            certification: appraisal
                .certification()
                .cloned()
                .map(aegis_verified_certification::new),
            location: appraisal.location().map(aegis_verified_location::new),
        }
    }
}

/// Appraises one attestation with the default crypto provider: runs every check of aegis-core's
/// `appraise` (see `aegis_check_name`) and collects the outcomes, instead of stopping at the first
/// failure. A check whose input is missing, or that depends on a failed check, is skipped with a
/// reason; evidence that cannot be parsed makes its check fail with the parse error.
///
/// - `ak`: the AK as enrolled (`aegis_ak_from_tpm_public`);
/// - `binding`: its binding from `aegis_activation_challenge_complete`, or NULL: the
///   "ak-binding" check then fails with `AEGIS_AK_BINDING_MISMATCH` (7005);
/// - `evidence`: what the attester sent (see `aegis_evidence`);
/// - `certify_nonce`, `quote_nonce`: the nonces this verifier issued for the certification and
///   the quote (they may be equal; the quote nonce is also the last location event's nonce);
/// - `policy`: NULL for the default policy (see `aegis_appraisal_policy`).
///
/// The status says whether the appraisal ran, not whether the evidence passed: `AEGIS_OK` with
/// a new `aegis_appraisal` in `*out` (the caller frees it with `aegis_appraisal_free`; read
/// `aegis_appraisal_passed` and `aegis_appraisal_check`), or an argument error
/// (`AEGIS_NULL_POINTER` for a NULL `ak`, `evidence`, `evidence->pcrs` or a NULL pointer with a
/// length; `AEGIS_UNKNOWN_ALGORITHM` for the possession proof's scheme or hash) with nothing
/// written to `*out`. Inputs are only read during the call.
///
/// # Safety
/// `ak`, `binding` and `evidence->pcrs` are NULL or live objects from this library; `evidence`
/// is NULL or points to an `aegis_evidence` whose `(ptr, len)` pairs are each valid for reading
/// `len` bytes (or NULL with `len` 0); the nonce pairs likewise; `policy` is NULL or a live
/// policy not changed during the call; `out` is valid for writing one pointer; `err_out` is NULL
/// or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraise(
    ak: *const aegis_ak,
    binding: *const aegis_ak_binding,
    evidence: *const aegis_evidence,
    certify_nonce: *const u8,
    certify_nonce_len: usize,
    quote_nonce: *const u8,
    quote_nonce_len: usize,
    policy: *const aegis_appraisal_policy,
    out: *mut *mut aegis_appraisal,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for binding (NULL allowed).
        let binding = unsafe { binding.as_ref() }.map(|b| &b.inner);
        // SAFETY: the caller upholds this function's contract for evidence.
        let ev = unsafe { boundary::borrow(evidence, "evidence") }?;
        // SAFETY: the caller upholds this function's contract for evidence->pcrs.
        let pcrs = unsafe { boundary::borrow(ev.pcrs, "evidence->pcrs") }?;
        // SAFETY: the caller upholds this function's contract for the evidence's pairs.
        let app_key = unsafe { boundary::bytes(ev.app_key, ev.app_key_len, "app_key") }?;
        // SAFETY: as above.
        let certify_attest =
            unsafe { boundary::bytes(ev.certify_attest, ev.certify_attest_len, "certify_attest") }?;
        // SAFETY: as above.
        let certify_signature = unsafe {
            boundary::bytes(
                ev.certify_signature,
                ev.certify_signature_len,
                "certify_signature",
            )
        }?;
        // SAFETY: as above.
        let quote_attest =
            unsafe { boundary::bytes(ev.quote_attest, ev.quote_attest_len, "quote_attest") }?;
        // SAFETY: as above.
        let quote_signature = unsafe {
            boundary::bytes(
                ev.quote_signature,
                ev.quote_signature_len,
                "quote_signature",
            )
        }?;
        // SAFETY: as above.
        let location_log =
            unsafe { boundary::bytes(ev.location_log, ev.location_log_len, "location_log") }?;
        let location_log = optional(ev.location_log, location_log);
        // SAFETY: as above.
        let message = unsafe {
            boundary::bytes(
                ev.possession_message,
                ev.possession_message_len,
                "possession_message",
            )
        }?;
        let message = optional(ev.possession_message, message);
        // SAFETY: as above.
        let possession_signature = unsafe {
            boundary::bytes(
                ev.possession_signature,
                ev.possession_signature_len,
                "possession_signature",
            )
        }?;
        // SAFETY: the caller upholds this function's contract for the certify nonce pair.
        let certify_nonce =
            unsafe { boundary::bytes(certify_nonce, certify_nonce_len, "certify_nonce") }?;
        // SAFETY: the caller upholds this function's contract for the quote nonce pair.
        let quote_nonce = unsafe { boundary::bytes(quote_nonce, quote_nonce_len, "quote_nonce") }?;

        let possession = match message {
            None => None,
            Some(message) => Some(PossessionProof {
                message,
                scheme: scheme(ev.possession_scheme_alg, ev.possession_hash_alg)?,
                signature: possession_signature,
                format: format(ev.possession_format)?,
            }),
        };

        let default_policy;
        // SAFETY: the caller upholds this function's contract for policy (NULL allowed).
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => &p.inner,
            None => {
                default_policy = aegis_appraisal_policy::default();
                &default_policy.inner
            }
        };
        let evidence = Evidence {
            app_key,
            certify_attest,
            certify_signature,
            quote_attest,
            quote_signature,
            pcrs: &pcrs.inner,
            location_log,
            possession,
        };
        let nonces = Nonces {
            certify: certify_nonce,
            quote: quote_nonce,
        };
        let appraisal = appraise(
            default_provider(),
            &ak.inner,
            binding,
            &evidence,
            &nonces,
            policy,
        );
        out.write_box(aegis_appraisal::new(&appraisal));
        Ok(())
    })
}

/// An optional part of the evidence: absent when its pointer is NULL (its length is then 0,
/// or `boundary::bytes` refused it).
fn optional(ptr: *const u8, bytes: &[u8]) -> Option<&[u8]> {
    (!ptr.is_null()).then_some(bytes)
}

/// Whether every check of the appraisal ran and passed; false when `appraisal` is NULL.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_passed(appraisal: *const aegis_appraisal) -> bool {
    boundary::guard_value(false, || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }.is_ok_and(|a| a.passed)
    })
}

/// The number of checks in the appraisal (those that ran, failed or were skipped, in order); 0
/// when `appraisal` is NULL.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_check_count(appraisal: *const aegis_appraisal) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }.map_or(0, |a| a.rows.len())
    })
}

/// Check number `i` (0 <= i < `aegis_appraisal_check_count`) of the appraisal: its id
/// (`AEGIS_CHECK_*`), its outcome (`AEGIS_OUTCOME_PASSED`, `_FAILED`, `_SKIPPED`) and, for a
/// failed check, the status code of its error (e.g. `AEGIS_AK_BINDING_MISMATCH`); `AEGIS_OK`
/// for a passed or skipped one. `AEGIS_INVALID_ARGUMENT` when `i` is out of range,
/// `AEGIS_NULL_POINTER` when a pointer is NULL; outputs are written only on success.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`; the out-pointers are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_check(
    appraisal: *const aegis_appraisal,
    i: usize,
    check: *mut aegis_check,
    outcome: *mut aegis_outcome,
    status: *mut aegis_status,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        let appraisal = unsafe { boundary::borrow(appraisal, "appraisal") }?;
        // SAFETY: the caller upholds this function's contract for check.
        let check = unsafe { boundary::out(check, "check") }?;
        // SAFETY: the caller upholds this function's contract for outcome.
        let outcome = unsafe { boundary::out(outcome, "outcome") }?;
        // SAFETY: the caller upholds this function's contract for status.
        let status = unsafe { boundary::out(status, "status") }?;
        let row = row(appraisal, i)?;
        check.write(row.check);
        outcome.write(row.outcome);
        status.write(row.status);
        Ok(())
    })
}

fn row(appraisal: &aegis_appraisal, i: usize) -> FfiResult<&CheckRow> {
    Ok(appraisal.rows.get(i).ok_or(Error::InvalidArgument {
        what: "check position out of range",
    })?)
}

/// Why check number `i` did not pass, for people: the reason it was skipped, or the message of
/// its error; "" for a passed check, an `i` out of range or a NULL `appraisal`. A NUL-terminated
/// string borrowed from `appraisal`, valid until `aegis_appraisal_free(appraisal)`. Not stable:
/// match on the check's status.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_check_reason(
    appraisal: *const aegis_appraisal,
    i: usize,
) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .and_then(|a| row(a, i))
            .map_or(c"".as_ptr(), |r| r.reason.as_ptr())
    })
}

/// How many statements the passed checks establish (see `aegis_appraisal_established_at`); 0
/// when `appraisal` is NULL.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_established_count(
    appraisal: *const aegis_appraisal,
) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }.map_or(0, |a| a.established.len())
    })
}

/// Statement `i` of what the passed checks establish, one sentence for people (the EK
/// certificate first when the AK's binding has a verified one); "" for `i` out of range or a
/// NULL `appraisal`. A NUL-terminated string borrowed from `appraisal`, valid until
/// `aegis_appraisal_free(appraisal)`. Not stable text: decide on the checks' outcomes.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_established_at(
    appraisal: *const aegis_appraisal,
    i: usize,
) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .ok()
            .and_then(|a| a.established.get(i))
            .map_or(c"".as_ptr(), |s| s.as_ptr())
    })
}

/// How many statements this appraisal does not establish (see
/// `aegis_appraisal_not_established_at`); 0 when `appraisal` is NULL.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_not_established_count(
    appraisal: *const aegis_appraisal,
) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }.map_or(0, |a| a.not_established.len())
    })
}

/// Statement `i` of what this appraisal does not establish (failed and skipped checks, and what
/// no check covers yet), one sentence for people; "" for `i` out of range or a NULL `appraisal`.
/// A NUL-terminated string borrowed from `appraisal`, valid until `aegis_appraisal_free`.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_not_established_at(
    appraisal: *const aegis_appraisal,
    i: usize,
) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .ok()
            .and_then(|a| a.not_established.get(i))
            .map_or(c"".as_ptr(), |s| s.as_ptr())
    })
}

/// The verified quote of the "quote" check when it passed, else NULL (also for a NULL
/// `appraisal`). Borrowed from `appraisal`, valid until `aegis_appraisal_free(appraisal)`: read
/// it with the `aegis_verified_quote_*` accessors, never free it.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_quote(
    appraisal: *const aegis_appraisal,
) -> *const aegis_verified_quote {
    boundary::guard_value(core::ptr::null(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .ok()
            .and_then(|a| a.quote.as_ref())
            .map_or(core::ptr::null(), |q| q as *const aegis_verified_quote)
    })
}

/// The verified certification of the "app-key-certification" check when it passed, else NULL
/// (also for a NULL `appraisal`). Borrowed from `appraisal`, valid until
/// `aegis_appraisal_free(appraisal)`: read it with the `aegis_verified_certification_*`
/// accessors, never free it.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_certification(
    appraisal: *const aegis_appraisal,
) -> *const aegis_verified_certification {
    boundary::guard_value(core::ptr::null(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .ok()
            .and_then(|a| a.certification.as_ref())
            .map_or(core::ptr::null(), |c| {
                c as *const aegis_verified_certification
            })
    })
}

/// The verified location of the "location-log" check when it passed, else NULL (also for a NULL
/// `appraisal`). Borrowed from `appraisal`, valid until `aegis_appraisal_free(appraisal)`: read it
/// with the `aegis_verified_location_*` accessors, never free it.
///
/// # Safety
/// `appraisal` is NULL or a live `aegis_appraisal`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_location(
    appraisal: *const aegis_appraisal,
) -> *const aegis_verified_location {
    boundary::guard_value(core::ptr::null(), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::borrow(appraisal, "appraisal") }
            .ok()
            .and_then(|a| a.location.as_ref())
            .map_or(core::ptr::null(), |l| l as *const aegis_verified_location)
    })
}

/// Runs `f` on the location, or gives `default` for a NULL one.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
unsafe fn with_location<T: Copy>(
    location: *const aegis_verified_location,
    default: T,
    f: impl FnOnce(&aegis_verified_location) -> T,
) -> T {
    boundary::guard_value(default, || {
        // SAFETY: this function's contract for location.
        unsafe { boundary::borrow(location, "location") }.map_or(default, f)
    })
}

/// How many location events the log held (all replayed into the PCR, oldest first; the last is
/// the current one); 0 when `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_event_count(
    location: *const aegis_verified_location,
) -> usize {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, 0, |l| l.event_count) }
}

/// The index of the PCR the log was replayed into (15 by default, FORMATS.md); 0 when
/// `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_pcr_index(
    location: *const aegis_verified_location,
) -> u8 {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, 0, |l| l.pcr_index) }
}

/// The bank (TPM_ALG_ID, `AEGIS_ALG_SHA256` by default) of the PCR the log was replayed into;
/// `AEGIS_ALG_NULL` when `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_pcr_bank(
    location: *const aegis_verified_location,
) -> u16 {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, aegis_core::tpm::alg::NULL, |l| l.pcr_bank) }
}

/// The current location event as its canonical JSON (RFC 8785, FORMATS.md): exactly the text
/// that was hashed with the nonce and extended into the PCR, so a caller parses what the TPM
/// measured; "" when `location` is NULL. A NUL-terminated UTF-8 string borrowed from the
/// appraisal, valid until `aegis_appraisal_free`.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_current_json(
    location: *const aegis_verified_location,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, c"".as_ptr(), |l| l.current_json.as_ptr()) }
}

/// The current event's latitude in degrees (WGS 84); NaN when `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_latitude(
    location: *const aegis_verified_location,
) -> f64 {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, f64::NAN, |l| l.latitude) }
}

/// The current event's longitude in degrees (WGS 84); NaN when `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_longitude(
    location: *const aegis_verified_location,
) -> f64 {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, f64::NAN, |l| l.longitude) }
}

/// The current event's claimed accuracy radius in metres; NaN when `location` is NULL.
///
/// # Safety
/// `location` is NULL or a live `aegis_verified_location`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_location_accuracy_m(
    location: *const aegis_verified_location,
) -> f64 {
    // SAFETY: the caller upholds this function's contract for location.
    unsafe { with_location(location, f64::NAN, |l| l.accuracy_m) }
}

/// Frees an appraisal. NULL does nothing.
///
/// # Safety
/// `appraisal` is NULL or an `aegis_appraisal` from this library, not freed before; it (and every
/// string borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_free(appraisal: *mut aegis_appraisal) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for appraisal.
        unsafe { boundary::free(appraisal) }
    })
}

/// The stable name of a check: "ak-binding", "app-key-certification", "quote", "location-log",
/// "app-key-possession" (the names every surface uses); "" for another value. A NUL-terminated
/// string with static storage (never freed).
#[no_mangle]
pub extern "C" fn aegis_check_name(check: aegis_check) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || match check {
        AEGIS_CHECK_AK_BINDING => c"ak-binding".as_ptr(),
        AEGIS_CHECK_APP_KEY_CERTIFICATION => c"app-key-certification".as_ptr(),
        AEGIS_CHECK_QUOTE => c"quote".as_ptr(),
        AEGIS_CHECK_LOCATION_LOG => c"location-log".as_ptr(),
        AEGIS_CHECK_APP_KEY_POSSESSION => c"app-key-possession".as_ptr(),
        _ => c"".as_ptr(),
    })
}

/// Makes an appraisal policy with the defaults (see `aegis_appraisal_policy`). On success `*out`
/// receives a new policy the caller frees with `aegis_appraisal_policy_free`;
/// `AEGIS_NULL_POINTER` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_new(
    out: *mut *mut aegis_appraisal_policy,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_appraisal_policy::default());
        Ok(())
    })
}

/// Frees an appraisal policy. NULL does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_free(policy: *mut aegis_appraisal_policy) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::free(policy) }
    })
}

/// Accepts SHA-1 (legacy TPMs) when `allow` is true, for the quote and the certification alike:
/// SHA-1 signatures, PCR banks and key nameAlgs, the one switch; back to SHA-256, SHA-384,
/// SHA-512 when false. (A possession proof is never accepted with SHA-1 unless this is set.)
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_allow_sha1(
    policy: *mut aegis_appraisal_policy,
    allow: bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        policy.inner.quote.attest.allow_sha1(allow);
        policy.inner.certify.attest.allow_sha1(allow);
        Ok(())
    })
}

/// Requires PCR `index` (0-23) of bank `bank_alg` (`AEGIS_ALG_SHA1`, `_SHA256`, `_SHA384`,
/// `_SHA512`) to be in the quote's signed selection (VERIFIER-CHECKS.md item 11).
/// `AEGIS_UNKNOWN_ALGORITHM` for another bank, `AEGIS_INVALID_ARGUMENT` for an index above 23.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `err_out` is NULL or
/// valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_require_pcr(
    policy: *mut aegis_appraisal_policy,
    bank_alg: u16,
    index: u8,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        let (bank, index) = pcr(bank_alg, index)?;
        policy.inner.quote.required_pcrs.push(bank, index);
        Ok(())
    })
}

/// Appraises the location log against PCR `index` of bank `bank_alg` (the default is PCR 15 of
/// SHA-256, FORMATS.md); the quote must then cover that PCR. `AEGIS_UNKNOWN_ALGORITHM` for
/// another bank, `AEGIS_INVALID_ARGUMENT` for an index above 23.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `err_out` is NULL or
/// valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_set_location_pcr(
    policy: *mut aegis_appraisal_policy,
    bank_alg: u16,
    index: u8,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        let (bank, index) = pcr(bank_alg, index)?;
        policy.inner.location = Some(LocationPcr { index, bank });
        Ok(())
    })
}

/// Appraises no location: no "location-log" check, and the location PCR is not required of the
/// quote. `aegis_appraisal_policy_set_location_pcr` turns it back on.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_no_location(
    policy: *mut aegis_appraisal_policy,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::borrow_mut(policy, "policy") }?
            .inner
            .location = None;
        Ok(())
    })
}

/// Sets the key allow-list the certified App Key must be on (VERIFIER-CHECKS.md item 15;
/// default RSA 2048/3072/4096, P-256, P-384), as `aegis_certify_policy_set_app_key_policy`: a
/// copy of `key_policy`, which the caller still owns and frees.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `key_policy` is NULL or
/// a live `aegis_key_policy`.
#[no_mangle]
pub unsafe extern "C" fn aegis_appraisal_policy_set_app_key_policy(
    policy: *mut aegis_appraisal_policy,
    key_policy: *const aegis_key_policy,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for key_policy.
        let key_policy = unsafe { boundary::borrow(key_policy, "key_policy") }?;
        policy.inner.certify.app_key = key_policy.inner.clone();
        Ok(())
    })
}
