//! `aegis_evidence_bundle`, `aegis_enrolment_record` and `aegis_attestation_result`: an evidence
//! bundle appraised into an attestation result (docs/evidence-bundle.md; issue 11, item 3).

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::appraise::result::{
    appraise_bundle, AttestationResult, ResultContext, ResultPolicy, TrustAnchors, LOCATION,
};
use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::{Dialect, VerifierId};
use aegis_core::geo::LocationEvent;
use aegis_core::svid::claims::AttestedClaims;
use aegis_core::time::UnixTime;
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use aegis_core::Error;

use crate::appraise::aegis_appraisal_policy;
use crate::boundary::{self, ErrOut, FfiResult};
use crate::buffers::{aegis_bytes, aegis_string};
use crate::ear::{aegis_ear_dialect, ear_signer};
use crate::ek::aegis_ek_trust_store;
use crate::error::aegis_error;
use crate::geofence::aegis_geofence_policy;
use crate::sign::aegis_private_key;
use crate::status::aegis_status;

/// An evidence bundle (docs/evidence-bundle.md) read by `aegis_evidence_bundle_from_json`: what
/// an attester sends for one attestation. Owned by the caller, freed with
/// `aegis_evidence_bundle_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_evidence_bundle {
    inner: EvidenceBundle,
}

/// The verifier's enrolment record of an AK (docs/evidence-bundle.md: the AK's Name and the EK
/// public area kept after credential activation), read by `aegis_enrolment_record_from_json`.
/// The verifier's own state: never read one an attester sent. Owned by the caller, freed with
/// `aegis_enrolment_record_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_enrolment_record {
    inner: AkBinding,
}

/// One submod of a result as C reads it.
#[derive(Debug)]
struct SubmodView {
    name: CString,
    status: CString,
}

/// One failed check as C reads it.
#[derive(Debug)]
struct FailureView {
    submod: CString,
    check: CString,
    code: aegis_status,
    reason: CString,
}

/// The attestation result of `aegis_bundle_appraise`: a status, the submods ("platform",
/// "workload-key" and, when a location is appraised, "location") with their statuses, every
/// failed check with its code, the location's country and the whole result as JSON. Owned by the
/// caller, freed with `aegis_attestation_result_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_attestation_result {
    inner: AttestationResult,
    status: CString,
    submods: Vec<SubmodView>,
    failures: Vec<FailureView>,
    country: CString,
    json: CString,
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl aegis_attestation_result {
    fn new(r: AttestationResult) -> FfiResult<Self> {
        Ok(aegis_attestation_result {
            json: c_text(&r.to_json()?.to_string()),
            status: c_text(r.status().name()),
            submods: r
                .submods()
                .iter()
                .map(|(name, s)| SubmodView {
                    name: c_text(name),
                    status: c_text(s.status.name()),
                })
                .collect(),
            failures: r
                .failures()
                .map(|(submod, check, e)| FailureView {
                    submod: c_text(submod),
                    check: c_text(check),
                    code: e.code(),
                    reason: c_text(&e.to_string()),
                })
                .collect(),
            country: c_text(
                r.submod(LOCATION)
                    .and_then(|l| l.geo.country.as_deref())
                    .unwrap_or(""),
            ),
            inner: r,
        })
    }
}

/// Reads an evidence bundle from its JSON form (`len` bytes at `json`; docs/evidence-bundle.md).
/// On success `*out` receives a new bundle the caller frees with `aegis_evidence_bundle_free`.
/// A bundle that does not decode is `AEGIS_EVIDENCE_BUNDLE_INVALID`; its `aegis_error` message
/// names the member at fault ("$.quote.attest: not base64 ..."). Only the transport is decoded
/// here: the TPM structures inside are parsed by the checks of `aegis_bundle_appraise`. Nothing
/// is written to `*out` on failure. The input is only read during the call.
///
/// # Safety
/// `json` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_evidence_bundle_from_json(
    json: *const u8,
    len: usize,
    out: *mut *mut aegis_evidence_bundle,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (json, len).
        let bytes = unsafe { boundary::bytes(json, len, "json") }?;
        out.write_box(aegis_evidence_bundle {
            inner: EvidenceBundle::from_json(bytes)?,
        });
        Ok(())
    })
}

/// Frees an evidence bundle. NULL does nothing.
///
/// # Safety
/// `bundle` is NULL or a bundle from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_evidence_bundle_free(bundle: *mut aegis_evidence_bundle) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for bundle.
        unsafe { boundary::free(bundle) }
    })
}

/// Reads the verifier's enrolment record of an AK from its JSON form (`len` bytes at `json`;
/// docs/evidence-bundle.md). On success `*out` receives a new record the caller frees with
/// `aegis_enrolment_record_free`; a record that does not decode is an error (its `aegis_error`
/// message says what is wrong) with nothing written to `*out`. The input is only read during the
/// call.
///
/// # Safety
/// `json` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_enrolment_record_from_json(
    json: *const u8,
    len: usize,
    out: *mut *mut aegis_enrolment_record,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (json, len).
        let bytes = unsafe { boundary::bytes(json, len, "json") }?;
        let record = EnrolmentRecord::from_json(bytes)?;
        out.write_box(aegis_enrolment_record {
            inner: AkBinding::from_enrolment_record(&record),
        });
        Ok(())
    })
}

/// Frees an enrolment record. NULL does nothing.
///
/// # Safety
/// `record` is NULL or a record from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_enrolment_record_free(record: *mut aegis_enrolment_record) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for record.
        unsafe { boundary::free(record) }
    })
}

/// Appraises one evidence bundle into an attestation result with the default crypto provider
/// (docs/evidence-bundle.md): the AK binding, the EK certificate, the quote, the PCR reference
/// values, the App Key's certification, the location log, the jurisdiction and the geofence,
/// every check recorded in its submod instead of stopping at the first failure.
///
/// - `bundle`: what the attester sent;
/// - `ek_roots`: the manufacturer CAs trusted for EK certificates, or NULL (then an EK
///   certificate cannot be verified);
/// - `enrolment`: the AK's enrolment record, or NULL: the AK is then bound to no EK and
///   "ak-binding" fails with `AEGIS_AK_BINDING_MISMATCH`;
/// - `geofence`: the geofence policy with its PCR reference values, or NULL (neither is
///   appraised);
/// - `policy`: the quote, certify and location PCR policy, NULL for the default (see
///   `aegis_appraisal_policy`; the location log is appraised against PCR 15 of the SHA-256 bank);
/// - `nonce`, `nonce_len`: the nonce this verifier issued;
/// - `now_unix`: the time of the appraisal (seconds since the Unix epoch);
/// - `network_verified`: the mobile network verified the reading's location (CAMARA);
/// - `require_ek_certificate`: whether an EK certificate chained to `ek_roots` is required
///   (true unless the TPM's maker ships none).
///
/// The status says whether there is a result, not whether the evidence passed: `AEGIS_OK` with a
/// new result in `*out` (the caller frees it with `aegis_attestation_result_free`; read its
/// status and failures), or an error with nothing written to `*out`:
/// `AEGIS_EVIDENCE_NONCE_MISMATCH` when the bundle does not carry `nonce`, a parse or key-policy
/// error when the AK's public area cannot be used, `AEGIS_NULL_POINTER` for a NULL `bundle`,
/// `out` or a NULL `nonce` with a length. Inputs are only read during the call.
///
/// # Safety
/// `bundle`, `ek_roots`, `enrolment`, `geofence` and `policy` are NULL or live objects from this
/// library, not changed during the call; `nonce` is valid for reading `nonce_len` bytes (or NULL
/// with `nonce_len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn aegis_bundle_appraise(
    bundle: *const aegis_evidence_bundle,
    ek_roots: *const aegis_ek_trust_store,
    enrolment: *const aegis_enrolment_record,
    geofence: *const aegis_geofence_policy,
    policy: *const aegis_appraisal_policy,
    nonce: *const u8,
    nonce_len: usize,
    now_unix: u64,
    network_verified: bool,
    require_ek_certificate: bool,
    out: *mut *mut aegis_attestation_result,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for bundle.
        let bundle = unsafe { boundary::borrow(bundle, "bundle") }?;
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (nonce, nonce_len).
        let nonce = unsafe { boundary::bytes(nonce, nonce_len, "nonce") }?;
        // SAFETY: the caller upholds this function's contract for the optional objects.
        let (ek_roots, enrolment, geofence, policy) = unsafe {
            (
                ek_roots.as_ref(),
                enrolment.as_ref(),
                geofence.as_ref(),
                policy.as_ref(),
            )
        };
        let mut result_policy = ResultPolicy {
            require_ek_certificate,
            geofence: geofence.map(|g| g.inner.clone()),
            ..ResultPolicy::default()
        };
        result_policy.appraisal = policy.map_or_else(
            || aegis_appraisal_policy::default().inner,
            |p| p.inner.clone(),
        );
        let anchors = TrustAnchors {
            ek_roots: ek_roots.map(|s| &s.inner),
            enrolment: enrolment.map(|r| &r.inner),
        };
        let context = ResultContext {
            nonce,
            now: UnixTime::from_secs(now_unix),
            network_verified,
        };
        let result = appraise_bundle(
            default_provider(),
            &bundle.inner,
            &anchors,
            &result_policy,
            &context,
        )?;
        out.write_box(aegis_attestation_result::new(result)?);
        Ok(())
    })
}

/// Runs `f` on the result, or gives `default` for a NULL one.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
unsafe fn with_result<T>(
    result: *const aegis_attestation_result,
    default: T,
    f: impl FnOnce(&aegis_attestation_result) -> T,
) -> T {
    boundary::guard_value(None, || {
        // SAFETY: this function's contract for result.
        unsafe { boundary::borrow(result, "result") }.ok().map(f)
    })
    .unwrap_or(default)
}

/// The result's status: "affirming", "warning", "contraindicated" or "none" (the worst submod
/// status; AR4SI tiers); "" when `result` is NULL. A NUL-terminated string borrowed from
/// `result`, valid until `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_status(
    result: *const aegis_attestation_result,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe { with_result(result, c"".as_ptr(), |r| r.status.as_ptr()) }
}

/// The number of submods (in order: "platform", "workload-key", then "location" when a location
/// is appraised); 0 when `result` is NULL.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_submod_count(
    result: *const aegis_attestation_result,
) -> usize {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe { with_result(result, 0, |r| r.submods.len()) }
}

/// The name of submod number `i` (0 <= i < `aegis_attestation_result_submod_count`); "" for an
/// `i` out of range or a NULL `result`. Borrowed from `result`, valid until
/// `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_submod_name(
    result: *const aegis_attestation_result,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe {
        with_result(result, c"".as_ptr(), |r| {
            r.submods.get(i).map_or(c"".as_ptr(), |s| s.name.as_ptr())
        })
    }
}

/// The status of submod number `i` (the worst tier of its trustworthiness vector, as for
/// `aegis_attestation_result_status`); "" for an `i` out of range or a NULL `result`. Borrowed
/// from `result`, valid until `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_submod_status(
    result: *const aegis_attestation_result,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe {
        with_result(result, c"".as_ptr(), |r| {
            r.submods.get(i).map_or(c"".as_ptr(), |s| s.status.as_ptr())
        })
    }
}

/// The number of failed checks, over every submod in submod and check order; 0 when `result` is
/// NULL.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_failure_count(
    result: *const aegis_attestation_result,
) -> usize {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe { with_result(result, 0, |r| r.failures.len()) }
}

/// Failed check number `i` (0 <= i < `aegis_attestation_result_failure_count`): its submod
/// ("platform", ...), its check ("quote", "geofence", ...; strings borrowed from `result`, valid
/// until `aegis_attestation_result_free(result)`) and the status code of its error (e.g.
/// `AEGIS_PCR_DIGEST_MISMATCH`). `AEGIS_INVALID_ARGUMENT` when `i` is out of range,
/// `AEGIS_NULL_POINTER` when a pointer is NULL; outputs are written only on success.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`; the out-pointers are NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_failure(
    result: *const aegis_attestation_result,
    i: usize,
    submod: *mut *const c_char,
    check: *mut *const c_char,
    code: *mut aegis_status,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for result.
        let result = unsafe { boundary::borrow(result, "result") }?;
        // SAFETY: the caller upholds this function's contract for submod.
        let submod = unsafe { boundary::out(submod, "submod") }?;
        // SAFETY: the caller upholds this function's contract for check.
        let check = unsafe { boundary::out(check, "check") }?;
        // SAFETY: the caller upholds this function's contract for code.
        let code = unsafe { boundary::out(code, "code") }?;
        let f = result.failures.get(i).ok_or(Error::InvalidArgument {
            what: "failure position out of range",
        })?;
        submod.write(f.submod.as_ptr());
        check.write(f.check.as_ptr());
        code.write(f.code);
        Ok(())
    })
}

/// What failed check number `i` found, for people (its error's message); "" for an `i` out of
/// range or a NULL `result`. Not stable: match on the failure's code. Borrowed from `result`,
/// valid until `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_failure_reason(
    result: *const aegis_attestation_result,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe {
        with_result(result, c"".as_ptr(), |r| {
            r.failures
                .get(i)
                .map_or(c"".as_ptr(), |f| f.reason.as_ptr())
        })
    }
}

/// The country of the location reading (ISO 3166-1 alpha-2, the geoAR claim of the "location"
/// submod), set only when the verified reading lies wholly in one country; "" otherwise or when
/// `result` is NULL. Borrowed from `result`, valid until `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_country(
    result: *const aegis_attestation_result,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe { with_result(result, c"".as_ptr(), |r| r.country.as_ptr()) }
}

/// The result as JSON, as `aegis appraise` prints it without the token: `{"status", "submods"}`
/// with each submod in its EAR form (status, trust vector, geoAR claims, and every check with its
/// outcome, code and reason in `ear_verifier_claims.checks`); "" when `result` is NULL. A
/// NUL-terminated UTF-8 string borrowed from `result`, valid until
/// `aegis_attestation_result_free(result)`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_json(
    result: *const aegis_attestation_result,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for result.
    unsafe { with_result(result, c"".as_ptr(), |r| r.json.as_ptr()) }
}

/// The result as an EAR (draft-ietf-rats-ear-04 or the dialect asked for) issued by Aegis at
/// `iat` and valid until `exp` (seconds since the epoch), with the appraisal nonce, signed with
/// `key` as a JWT: ES256 for P-256, ES384 for P-384, PS256 for RSA (`aegis appraise` does the
/// same). `AEGIS_INVALID_ARGUMENT` when `exp` is not after `iat` or `dialect` is not an
/// `AEGIS_EAR_DIALECT_*` value; `AEGIS_UNSUPPORTED` for RSA with the pure-Rust provider.
///
/// On success `*out` receives a new `aegis_string` (the token) the caller frees with
/// `aegis_string_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `result` and `key` are NULL or live objects of their types; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_sign_jwt(
    result: *const aegis_attestation_result,
    key: *const aegis_private_key,
    iat: u64,
    exp: u64,
    dialect: aegis_ear_dialect,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for result and key.
        let (result, ear) = unsafe {
            (
                boundary::borrow(result, "result")?,
                ear_signing(key, iat, exp, dialect)?,
            )
        };
        out.write_box(aegis_string::new(&ear.jwt(&result.inner)?));
        Ok(())
    })
}

/// The result as an EAR, as `aegis_attestation_result_sign_jwt` makes it, signed as a CWT: a
/// tagged COSE_Sign1 with deterministic CBOR claims.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`; on
/// failure nothing is written to `*out`.
///
/// # Safety
/// As `aegis_attestation_result_sign_jwt`.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_sign_cwt(
    result: *const aegis_attestation_result,
    key: *const aegis_private_key,
    iat: u64,
    exp: u64,
    dialect: aegis_ear_dialect,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for result and key.
        let (result, ear) = unsafe {
            (
                boundary::borrow(result, "result")?,
                ear_signing(key, iat, exp, dialect)?,
            )
        };
        out.write_box(aegis_bytes::new(ear.cwt(&result.inner)?));
        Ok(())
    })
}

/// How both `aegis_attestation_result_sign_*` functions sign a result's EAR: issued by Aegis
/// at `iat`, valid until `exp`, in `dialect`, with an EAR signer for `key`.
struct EarSigning {
    signer: SoftwareSigner<'static>,
    dialect: Dialect,
    iat: UnixTime,
    exp: UnixTime,
}

impl EarSigning {
    fn jwt(&self, result: &AttestationResult) -> aegis_core::Result<String> {
        let (iat, exp) = (self.iat, self.exp);
        result.sign_jwt(&self.signer, self.dialect, VerifierId::aegis(), iat, exp)
    }

    fn cwt(&self, result: &AttestationResult) -> aegis_core::Result<Vec<u8>> {
        let (iat, exp) = (self.iat, self.exp);
        result.sign_cwt(&self.signer, self.dialect, VerifierId::aegis(), iat, exp)
    }
}

/// [`EarSigning`] from the C arguments.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`.
unsafe fn ear_signing(
    key: *const aegis_private_key,
    iat: u64,
    exp: u64,
    dialect: aegis_ear_dialect,
) -> FfiResult<EarSigning> {
    // SAFETY: this function's contract for key.
    let key = unsafe { boundary::borrow(key, "key") }?;
    let dialect = crate::ear::dialect(dialect)?;
    if exp <= iat {
        return Err(Error::InvalidArgument {
            what: "exp must be after iat",
        }
        .into());
    }
    Ok(EarSigning {
        signer: ear_signer(key)?,
        dialect,
        iat: UnixTime::from_secs(iat),
        exp: UnixTime::from_secs(exp),
    })
}

/// The AttestedClaims document (the `grc.*` JSON a CredentialComposer puts into an agent's
/// SVID, docs/gateway.md) for `result`: `grc.tpm-attestation` from its status, submods and App
/// Key names, `grc.geolocation` from its verified location reading (`aegis_core::svid::claims::
/// AttestedClaims::from_result`). `(reading_json, reading_len)`, when not empty, is the appraised
/// location event (FORMATS.md, the last event of the location log): it adds the subscriber
/// identifiers (IMEI, IMSI, MSISDN) the result leaves out, and must be the reading the result
/// attests (`AEGIS_INVALID_ARGUMENT` otherwise; `AEGIS_INVALID_FORMAT` when it is not an event).
///
/// On success `*out` receives a new `aegis_string` (JSON) the caller frees with
/// `aegis_string_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `result` is NULL or a live `aegis_attestation_result`; `(reading_json, reading_len)` is
/// readable (NULL when `reading_len` is 0); `out` is valid for writing one pointer; `err_out` is
/// NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_attested_claims(
    result: *const aegis_attestation_result,
    reading_json: *const u8,
    reading_len: usize,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for result, the reading and out.
        let (result, reading, out) = unsafe {
            (
                boundary::borrow(result, "result")?,
                boundary::bytes(reading_json, reading_len, "reading_json")?,
                boundary::out(out, "out")?,
            )
        };
        let reading: Option<LocationEvent> = match reading {
            [] => None,
            json => Some(
                serde_json::from_slice(json).map_err(|_| Error::InvalidFormat {
                    what: "location event JSON",
                })?,
            ),
        };
        let claims = AttestedClaims::from_result(&result.inner, reading.as_ref())?.to_json()?;
        out.write_box(aegis_string::new(&claims));
        Ok(())
    })
}

/// Frees a result. NULL does nothing.
///
/// # Safety
/// `result` is NULL or a result from this library, not freed before; it (and every string
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_attestation_result_free(result: *mut aegis_attestation_result) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for result.
        unsafe { boundary::free(result) }
    })
}
