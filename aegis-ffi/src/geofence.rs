//! `aegis_geofence_policy` and `aegis_geofence_decision`: a geofence policy
//! (docs/geofence-policy.md) and its decision on one location reading.

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::geo::{GeofenceContext, GeofenceDecision, GeofencePolicy, LocationEvent};
use aegis_core::time::UnixTime;
use aegis_core::Error;

use crate::boundary::{self, ErrOut, FfiResult};
use crate::error::aegis_error;
use crate::pcrs::aegis_pcrs;
use crate::status::{aegis_status, AEGIS_OK};

/// A geofence policy read from its JSON form by `aegis_geofence_policy_from_json`. Owned by the
/// caller, freed with `aegis_geofence_policy_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_geofence_policy {
    pub(crate) inner: GeofencePolicy,
}

/// One reason of a decision, with its texts kept NUL-terminated for C.
#[derive(Debug)]
struct Reason {
    passed: bool,
    status: aegis_status,
    rule: CString,
    message: CString,
}

/// The decision of a geofence policy on one reading (`aegis_geofence_policy_evaluate`): allow or
/// deny, and every reason, passing or not, in evaluation order. Owned by the caller, freed with
/// `aegis_geofence_decision_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_geofence_decision {
    allowed: bool,
    reasons: Vec<Reason>,
    json: CString,
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl aegis_geofence_decision {
    fn new(d: &GeofenceDecision) -> Self {
        aegis_geofence_decision {
            allowed: d.allowed(),
            reasons: d
                .reasons()
                .iter()
                .map(|r| Reason {
                    passed: r.passed(),
                    status: r.denial().map_or(AEGIS_OK, Error::code),
                    rule: c_text(r.rule().name()),
                    message: c_text(r.message()),
                })
                .collect(),
            json: c_text(&d.to_json().to_string()),
        }
    }
}

/// Reads a geofence policy from its JSON form (`len` bytes at `json`; docs/geofence-policy.md).
/// On success `*out` receives a new policy the caller frees with `aegis_geofence_policy_free`.
/// An invalid policy is `AEGIS_GEOFENCE_POLICY_INVALID`; its `aegis_error` message names the
/// JSON path at fault and what is wrong there (`geofence policy invalid at
/// $.areas[0].geometry.coordinates[0][3]: ...`). Nothing is written to `*out` on failure. The
/// input is only read during the call.
///
/// # Safety
/// `json` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_policy_from_json(
    json: *const u8,
    len: usize,
    out: *mut *mut aegis_geofence_policy,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (json, len).
        let bytes = unsafe { boundary::bytes(json, len, "json") }?;
        out.write_box(aegis_geofence_policy {
            inner: GeofencePolicy::from_json(bytes)?,
        });
        Ok(())
    })
}

/// Frees a geofence policy. NULL does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_policy_free(policy: *mut aegis_geofence_policy) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::free(policy) }
    })
}

/// Evaluates one location reading against `policy`: `location_json` is one location event
/// (FORMATS.md, "Location evidence"; e.g. `aegis_verified_location_current_json`), `now_unix` the
/// evaluation time in seconds since the Unix epoch, `network_verified` whether the mobile network
/// verified the reading's location (a mobile reading is accepted only then). When the policy
/// names countries or subdivisions, the reading's jurisdiction is looked up offline.
///
/// The status says whether the evaluation ran, not whether the reading is allowed: `AEGIS_OK`
/// with a new decision in `*out` (the caller frees it with `aegis_geofence_decision_free`; read
/// `aegis_geofence_decision_allowed` and the reasons), or an error with nothing written to
/// `*out`: `AEGIS_INVALID_FORMAT` when `location_json` is not a location event,
/// `AEGIS_INVALID_VALUE` when its values are out of range. Inputs are only read during the call.
///
/// # Safety
/// `policy` is NULL or a live policy; `location_json` is valid for reading `len` bytes (or NULL
/// with `len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for writing
/// one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_policy_evaluate(
    policy: *const aegis_geofence_policy,
    location_json: *const u8,
    len: usize,
    now_unix: u64,
    network_verified: bool,
    out: *mut *mut aegis_geofence_decision,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (location_json, len).
        let bytes = unsafe { boundary::bytes(location_json, len, "location_json") }?;
        let reading = LocationEvent::from_json(bytes)?;
        let ctx = GeofenceContext {
            now: UnixTime::from_secs(now_unix),
            network_verified,
        };
        let decision = policy.inner.evaluate(&reading, &ctx)?;
        out.write_box(aegis_geofence_decision::new(&decision));
        Ok(())
    })
}

/// Checks the policy's PCR reference values against `quoted` (the PCR values a verified quote
/// covers): `AEGIS_OK` when every reference PCR is there with the same value,
/// `AEGIS_PCR_REFERENCE_MISSING` or `AEGIS_PCR_REFERENCE_MISMATCH` for the first that is not (in
/// bank and index order). A policy without references passes.
///
/// # Safety
/// `policy` and `quoted` are NULL or live objects from this library; `err_out` is NULL or valid
/// for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_policy_check_pcr_references(
    policy: *const aegis_geofence_policy,
    quoted: *const aegis_pcrs,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for quoted.
        let quoted = unsafe { boundary::borrow(quoted, "quoted") }?;
        Ok(policy.inner.check_pcr_references(&quoted.inner)?)
    })
}

/// Runs `f` on the decision, or gives `default` for a NULL one.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
unsafe fn with_decision<T>(
    decision: *const aegis_geofence_decision,
    default: T,
    f: impl FnOnce(&aegis_geofence_decision) -> T,
) -> T {
    boundary::guard_value(None, || {
        // SAFETY: this function's contract for decision.
        unsafe { boundary::borrow(decision, "decision") }
            .ok()
            .map(f)
    })
    .unwrap_or(default)
}

fn reason(decision: &aegis_geofence_decision, i: usize) -> FfiResult<&Reason> {
    Ok(decision.reasons.get(i).ok_or(Error::InvalidArgument {
        what: "reason position out of range",
    })?)
}

/// Whether the policy allows the reading (no reason denies); false when `decision` is NULL.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_allowed(
    decision: *const aegis_geofence_decision,
) -> bool {
    // SAFETY: the caller upholds this function's contract for decision.
    unsafe { with_decision(decision, false, |d| d.allowed) }
}

/// The number of reasons (every rule evaluated, passing or not, in order); 0 when `decision` is
/// NULL.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_reason_count(
    decision: *const aegis_geofence_decision,
) -> usize {
    // SAFETY: the caller upholds this function's contract for decision.
    unsafe { with_decision(decision, 0, |d| d.reasons.len()) }
}

/// Reason number `i` (0 <= i < `aegis_geofence_decision_reason_count`): whether its rule passed
/// and, for a denial, the status code of its error (e.g. `AEGIS_GEOFENCE_COUNTRY_DENIED`);
/// `AEGIS_OK` for a passing one. `AEGIS_INVALID_ARGUMENT` when `i` is out of range,
/// `AEGIS_NULL_POINTER` when a pointer is NULL; outputs are written only on success.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`; the out-pointers are NULL or valid
/// for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_reason(
    decision: *const aegis_geofence_decision,
    i: usize,
    passed: *mut bool,
    status: *mut aegis_status,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for decision.
        let decision = unsafe { boundary::borrow(decision, "decision") }?;
        // SAFETY: the caller upholds this function's contract for passed.
        let passed = unsafe { boundary::out(passed, "passed") }?;
        // SAFETY: the caller upholds this function's contract for status.
        let status = unsafe { boundary::out(status, "status") }?;
        let r = reason(decision, i)?;
        passed.write(r.passed);
        status.write(r.status);
        Ok(())
    })
}

/// The rule of reason number `i`: "reading", "sensor", "time", "accuracy", "jurisdiction" or
/// "area"; "" for an `i` out of range or a NULL `decision`. A NUL-terminated string borrowed from
/// `decision`, valid until `aegis_geofence_decision_free(decision)`.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_reason_rule(
    decision: *const aegis_geofence_decision,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for decision.
    unsafe {
        with_decision(decision, c"".as_ptr(), |d| {
            reason(d, i).map_or(c"".as_ptr(), |r| r.rule.as_ptr())
        })
    }
}

/// What reason number `i` found, for people (for a denial, its error's message); "" for an `i`
/// out of range or a NULL `decision`. Not stable: match on the reason's status. A NUL-terminated
/// string borrowed from `decision`, valid until `aegis_geofence_decision_free(decision)`.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_reason_message(
    decision: *const aegis_geofence_decision,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for decision.
    unsafe {
        with_decision(decision, c"".as_ptr(), |d| {
            reason(d, i).map_or(c"".as_ptr(), |r| r.message.as_ptr())
        })
    }
}

/// The decision as JSON, as `aegis geofence check` prints it: `{"verdict": "allow" | "deny",
/// "reasons": [{"rule", "passed", "message", "code", "name"}], "resolution": {...} | null}`; ""
/// when `decision` is NULL. A NUL-terminated UTF-8 string borrowed from `decision`, valid until
/// `aegis_geofence_decision_free(decision)`.
///
/// # Safety
/// `decision` is NULL or a live `aegis_geofence_decision`.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_json(
    decision: *const aegis_geofence_decision,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for decision.
    unsafe { with_decision(decision, c"".as_ptr(), |d| d.json.as_ptr()) }
}

/// Frees a decision. NULL does nothing.
///
/// # Safety
/// `decision` is NULL or a decision from this library, not freed before; it (and every string
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_geofence_decision_free(decision: *mut aegis_geofence_decision) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for decision.
        unsafe { boundary::free(decision) }
    })
}
