//! The attested host's side (cargo feature `tss`; in the header under `AEGIS_FEATURE_TSS`): the
//! few TPM operations a node attestor needs, through aegis-agent's tss-esapi backend.
//! `aegis_tpm` is an open TPM, `aegis_tpm_key` an AK or App Key in it.
//!
//! Every output is a TPM wire structure exactly as the TPM produced it (TPM2B_PUBLIC, TPMS_ATTEST,
//! TPMT_SIGNATURE), which the verifying functions of this library (`aegis_ak_from_tpm_public`,
//! `aegis_quote_verify`, `aegis_certify_verify`, ...) read as they are.

use core::ffi::c_char;
use std::path::Path;

use aegis_agent::backend::tss::TssBackend;
use aegis_agent::backend::{AkSpec, AppKeySpec, EkKind, KeyAlg, TpmBackend};
use aegis_agent::{record_location, LocationLogFile, TpmKey};
use aegis_core::compat::pcr_json;
use aegis_core::credential::MadeCredential;
use aegis_core::geo::LocationEvent;
use aegis_core::tpm::{HashAlg, PcrSelection, Scheme};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure};
use crate::buffers::{aegis_bytes, aegis_string};
use crate::constants::{
    aegis_key_kind, AEGIS_KEY_ECC_P256, AEGIS_KEY_ECC_P384, AEGIS_KEY_RSA_2048,
};
use crate::error::aegis_error;
use crate::status::aegis_status;

/// An open TPM (a TCTI connection and the storage root key, which the library creates on open
/// and flushes on free). Made by `aegis_tpm_open`, owned by the caller, freed with
/// `aegis_tpm_free`. NOT thread-safe: use it from one thread at a time.
#[derive(Debug)]
pub struct aegis_tpm {
    inner: TssBackend,
}

/// A key in a TPM (an AK or App Key): its public area and its private part (a blob wrapped by
/// its parent, the EK for an AK and the storage root key for an App Key, or a persistent handle). Made by `aegis_tpm_create_ak`,
/// `aegis_tpm_create_app_key` or `aegis_tpm_load_persistent`, owned by the caller, freed with
/// `aegis_tpm_key_free` (the key stays in the TPM if persistent). Usable only with the TPM that
/// made it. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_tpm_key {
    inner: TpmKey,
}

fn key_alg(kind: aegis_key_kind) -> Result<KeyAlg, Error> {
    match kind {
        AEGIS_KEY_ECC_P256 => Ok(KeyAlg::EccP256),
        AEGIS_KEY_ECC_P384 => Ok(KeyAlg::EccP384),
        AEGIS_KEY_RSA_2048 => Ok(KeyAlg::Rsa2048),
        _ => Err(Error::InvalidArgument {
            what: "kind is not AEGIS_KEY_ECC_P256, AEGIS_KEY_ECC_P384 or AEGIS_KEY_RSA_2048",
        }),
    }
}

fn ek_kind(kind: aegis_key_kind) -> Result<EkKind, Error> {
    Ok(match key_alg(kind)? {
        KeyAlg::EccP256 => EkKind::EccP256,
        KeyAlg::EccP384 => EkKind::EccP384,
        KeyAlg::Rsa2048 => EkKind::Rsa2048,
    })
}

/// 0 is "transient"; any other handle must be in the owner range (checked by the backend).
fn persist_at(handle: u32) -> Option<u32> {
    (handle != 0).then_some(handle)
}

/// Writes a new `aegis_bytes` to a checked out-parameter.
fn put(out: boundary::Out<*mut aegis_bytes>, bytes: Vec<u8>) {
    out.write_box(aegis_bytes::new(bytes));
}

/// Opens the TPM at the TCTI string `(tcti, tcti_len)` (UTF-8, not NUL-terminated; e.g.
/// `swtpm:host=127.0.0.1,port=2321`, `device:/dev/tpmrm0`, `tabrmd`) and creates its storage
/// root key (an ECC P-256 primary in the owner hierarchy). Errors: `AEGIS_BACKEND` (the TCTI
/// cannot be loaded or the TPM refuses), `AEGIS_INVALID_UTF8`.
///
/// On success `*out` receives a new `aegis_tpm` the caller frees with `aegis_tpm_free`; on
/// failure nothing is written to `*out`.
///
/// # Safety
/// `tcti` is valid for reading `tcti_len` bytes; `out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_open(
    tcti: *const c_char,
    tcti_len: usize,
    out: *mut *mut aegis_tpm,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (tcti, tcti_len).
        let bytes = unsafe { boundary::bytes(tcti.cast::<u8>(), tcti_len, "tcti") }?;
        let tcti = core::str::from_utf8(bytes).map_err(|_| Failure::InvalidUtf8("tcti"))?;
        out.write_box(aegis_tpm {
            inner: TssBackend::open(tcti)?,
        });
        Ok(())
    })
}

/// Closes a TPM (flushes its storage root key). NULL does nothing.
///
/// # Safety
/// `tpm` is NULL or an `aegis_tpm` from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_free(tpm: *mut aegis_tpm) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for tpm.
        unsafe { boundary::free(tpm) }
    })
}

/// Reads the Endorsement Key of `kind` (`AEGIS_KEY_RSA_2048`, `AEGIS_KEY_ECC_P256`,
/// `AEGIS_KEY_ECC_P384`: the EK Credential Profile templates L-1, L-2, H-3) and its certificate
/// from the TCG NV index. Errors: `AEGIS_INVALID_ARGUMENT` (another kind), `AEGIS_BACKEND`.
///
/// On success `*public_out` receives the EK's TPM2B_PUBLIC and `*certificate_out` the raw
/// contents of the certificate NV index (DER, possibly zero-padded), or NULL when the index is
/// not defined; both are new `aegis_bytes` the caller frees with `aegis_bytes_free`. On failure
/// nothing is written.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `public_out` and
/// `certificate_out` are valid for writing one pointer each; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_read_ek(
    tpm: *mut aegis_tpm,
    kind: aegis_key_kind,
    public_out: *mut *mut aegis_bytes,
    certificate_out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for tpm and the out-parameters.
        let (tpm, public_out, certificate_out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::out(public_out, "public_out")?,
                boundary::out(certificate_out, "certificate_out")?,
            )
        };
        let ek = tpm.inner.read_ek(ek_kind(kind)?)?;
        put(public_out, ek.public.to_tpm2b());
        match ek.certificate {
            Some(cert) => put(certificate_out, cert),
            None => certificate_out.write(core::ptr::null_mut()),
        }
        Ok(())
    })
}

/// Creates an AK (a restricted signing key with fixedTPM, fixedParent, sensitiveDataOrigin)
/// under the Endorsement Key of `ek_kind` (as `tpm2_createak`; the kinds of `aegis_tpm_read_ek`):
/// ECC P-256 with ECDSA-SHA256, ECC P-384 with ECDSA-SHA384 or RSA 2048 with RSASSA-SHA256 for
/// `kind`. Its quotes and certifications are signed as QN(AK) = H(QN(EK) || Name(AK)) (TPM 2.0
/// Part 1, 16.6), the qualifiedSigner a verifier that enrolled it through that EK expects
/// (`aegis_name_qualified_under`). With `persist_handle` not 0 (0x81000000..=0x81ffffff), the AK
/// is also made persistent there. Errors: `AEGIS_INVALID_ARGUMENT` (another kind, a handle
/// outside the owner range), `AEGIS_BACKEND` (e.g. the handle is taken).
///
/// On success `*out` receives a new `aegis_tpm_key` the caller frees with `aegis_tpm_key_free`;
/// on failure nothing is written to `*out`.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_create_ak(
    tpm: *mut aegis_tpm,
    kind: aegis_key_kind,
    ek_kind: aegis_key_kind,
    persist_handle: u32,
    out: *mut *mut aegis_tpm_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for tpm and out.
        let (tpm, out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::out(out, "out")?,
            )
        };
        let alg = key_alg(kind)?;
        let scheme = match alg {
            KeyAlg::EccP256 => Scheme::Ecdsa(HashAlg::Sha256),
            KeyAlg::EccP384 => Scheme::Ecdsa(HashAlg::Sha384),
            KeyAlg::Rsa2048 => Scheme::RsaSsa(HashAlg::Sha256),
        };
        let spec = AkSpec {
            ek: self::ek_kind(ek_kind)?,
            alg,
            scheme,
            persist_at: persist_at(persist_handle),
        };
        out.write_box(aegis_tpm_key {
            inner: tpm.inner.create_ak(&spec)?,
        });
        Ok(())
    })
}

/// Creates an App Key (an unrestricted signing key with fixedTPM, fixedParent,
/// sensitiveDataOrigin and scheme NULL) of `kind` under the storage root key, persistent at
/// `persist_handle` when it is not 0. Errors as `aegis_tpm_create_ak`.
///
/// On success `*out` receives a new `aegis_tpm_key` the caller frees with `aegis_tpm_key_free`;
/// on failure nothing is written to `*out`.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_create_app_key(
    tpm: *mut aegis_tpm,
    kind: aegis_key_kind,
    persist_handle: u32,
    out: *mut *mut aegis_tpm_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for tpm and out.
        let (tpm, out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::out(out, "out")?,
            )
        };
        let spec = AppKeySpec {
            alg: key_alg(kind)?,
            persist_at: persist_at(persist_handle),
        };
        out.write_box(aegis_tpm_key {
            inner: tpm.inner.create_app_key(&spec)?,
        });
        Ok(())
    })
}

/// Loads the key persisted at `handle` (reads its public area). Errors: `AEGIS_BACKEND` (no
/// object at the handle).
///
/// On success `*out` receives a new `aegis_tpm_key` the caller frees with `aegis_tpm_key_free`;
/// on failure nothing is written to `*out`.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_load_persistent(
    tpm: *mut aegis_tpm,
    handle: u32,
    out: *mut *mut aegis_tpm_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for tpm and out.
        let (tpm, out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::out(out, "out")?,
            )
        };
        out.write_box(aegis_tpm_key {
            inner: tpm.inner.load_persistent(handle)?,
        });
        Ok(())
    })
}

/// The TPM2B_PUBLIC of a key, as the TPM returned it (what `aegis_ak_from_tpm_public` reads).
/// Fails only with `AEGIS_NULL_POINTER` or `AEGIS_PANIC`.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`.
///
/// # Safety
/// `key` is a live `aegis_tpm_key`; `out` is valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_key_public(
    key: *const aegis_tpm_key,
    out: *mut *mut aegis_bytes,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for key and out.
        let (key, out) = unsafe { (boundary::borrow(key, "key")?, boundary::out(out, "out")?) };
        put(out, key.inner.public().to_tpm2b());
        Ok(())
    })
}

/// Frees a key handle (a persistent key stays in the TPM). NULL does nothing.
///
/// # Safety
/// `key` is NULL or an `aegis_tpm_key` from this library, not freed before; it is not used
/// after.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_key_free(key: *mut aegis_tpm_key) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for key.
        unsafe { boundary::free(key) }
    })
}

/// TPM2_ActivateCredential with `ak` as the activated object and the EK of `ek_kind` as the
/// decryption key: recovers the secret a verifier sealed to (EK, Name(AK)) with
/// `aegis_credential_make`. `(credential, credential_len)` is the file form
/// `tpm2_activatecredential -i` reads (magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT,
/// TPM2B_ENCRYPTED_SECRET). Errors: `AEGIS_INVALID_FORMAT` (not that form),
/// `AEGIS_INVALID_ARGUMENT` (another kind), `AEGIS_BACKEND` (the TPM refuses: a credential made
/// for another EK or AK).
///
/// On success `*secret_out` receives the secret as a new `aegis_bytes` the caller frees with
/// `aegis_bytes_free` (which wipes it); on failure nothing is written.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `ak` a live `aegis_tpm_key`;
/// `credential` is valid for reading `credential_len` bytes; `secret_out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_activate_credential(
    tpm: *mut aegis_tpm,
    ak: *const aegis_tpm_key,
    ek_kind: aegis_key_kind,
    credential: *const u8,
    credential_len: usize,
    secret_out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for every pointer.
        let (tpm, ak, credential, secret_out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::borrow(ak, "ak")?,
                boundary::bytes(credential, credential_len, "credential")?,
                boundary::out(secret_out, "secret_out")?,
            )
        };
        let made = MadeCredential::from_tpm2_tools_file(credential)?;
        let secret = tpm.inner.activate_credential(
            &ak.inner,
            self::ek_kind(ek_kind)?,
            &made.credential_blob,
            &made.encrypted_secret,
        )?;
        put(secret_out, secret.to_vec());
        Ok(())
    })
}

/// TPM2_Certify of `key` by `ak` over `(qualifying_data, qualifying_data_len)` (the verifier's
/// nonce, at most 64 bytes). Errors: `AEGIS_BACKEND`.
///
/// On success `*attest_out` receives the TPMS_ATTEST and `*signature_out` the TPMT_SIGNATURE,
/// new `aegis_bytes` the caller frees with `aegis_bytes_free`; on failure nothing is written.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `key` and `ak` live
/// `aegis_tpm_key`s; `qualifying_data` is valid for reading `qualifying_data_len` bytes;
/// `attest_out` and `signature_out` are valid for writing one pointer each; `err_out` is NULL or
/// valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_certify(
    tpm: *mut aegis_tpm,
    key: *const aegis_tpm_key,
    ak: *const aegis_tpm_key,
    qualifying_data: *const u8,
    qualifying_data_len: usize,
    attest_out: *mut *mut aegis_bytes,
    signature_out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for every pointer.
        let (tpm, key, ak, data, attest_out, signature_out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::borrow(key, "key")?,
                boundary::borrow(ak, "ak")?,
                boundary::bytes(qualifying_data, qualifying_data_len, "qualifying_data")?,
                boundary::out(attest_out, "attest_out")?,
                boundary::out(signature_out, "signature_out")?,
            )
        };
        let ev = tpm.inner.certify(&key.inner, &ak.inner, data)?;
        put(attest_out, ev.attest);
        put(signature_out, ev.signature);
        Ok(())
    })
}

/// TPM2_Quote by `ak` of the PCRs `(pcrs, pcrs_len)` (indices 0-23) of the bank `bank_alg`
/// (`AEGIS_ALG_SHA256`, ...), with `(nonce, nonce_len)` as qualifying data, then TPM2_PCR_Read of
/// the same PCRs. Errors: `AEGIS_UNKNOWN_ALGORITHM` (bank), `AEGIS_INVALID_ARGUMENT` (an index
/// above 23, no index), `AEGIS_BACKEND`.
///
/// On success `*attest_out` receives the TPMS_ATTEST, `*signature_out` the TPMT_SIGNATURE and
/// `*pcrs_out` the PCR values as Aegis's PCR JSON (`{"sha256": {"15": "<hex>"}}`, FORMATS.md: what
/// an evidence bundle's `quote.pcrs` holds and `aegis_pcrs_parse` reads), new `aegis_bytes` the
/// caller frees with `aegis_bytes_free`; on failure nothing is written.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; `ak` a live `aegis_tpm_key`;
/// `pcrs` and `nonce` are valid for reading their lengths; the three out-parameters are valid for
/// writing one pointer each; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_quote(
    tpm: *mut aegis_tpm,
    ak: *const aegis_tpm_key,
    bank_alg: u16,
    pcrs: *const u8,
    pcrs_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    attest_out: *mut *mut aegis_bytes,
    signature_out: *mut *mut aegis_bytes,
    pcrs_out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for every pointer.
        let (tpm, ak, indices, nonce, attest_out, signature_out, pcrs_out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::borrow(ak, "ak")?,
                boundary::bytes(pcrs, pcrs_len, "pcrs")?,
                boundary::bytes(nonce, nonce_len, "nonce")?,
                boundary::out(attest_out, "attest_out")?,
                boundary::out(signature_out, "signature_out")?,
                boundary::out(pcrs_out, "pcrs_out")?,
            )
        };
        if indices.is_empty() {
            return Err(Error::InvalidArgument {
                what: "no PCR to quote",
            }
            .into());
        }
        let bank = HashAlg::from_alg_id(bank_alg, "bank_alg")?;
        let selection = PcrSelection::new(&[(bank, indices)])?;
        let quote = tpm.inner.quote(&ak.inner, &selection, nonce)?;
        let json = pcr_json::to_json(&quote.pcrs).to_string().into_bytes();
        put(attest_out, quote.attest);
        put(signature_out, quote.signature);
        put(pcrs_out, json);
        Ok(())
    })
}

/// Records a location reading as evidence (FORMATS.md, "Location evidence bound into a PCR";
/// aegis-agent's `record_location`): the event `(event_json, event_len)` (a location event JSON
/// object) bound to `(nonce, nonce_len)` is appended to the event log file at `(log_path,
/// log_path_len)` (UTF-8; created when missing), then its digest `H(JCS(event) || nonce)` is
/// extended into PCR `pcr` of the `bank_alg` bank (a TPM_ALG_ID). Before anything changes the
/// log must replay to the PCR's current value; when the PCR is at its reset value instead (the
/// TPM was reset since the log began), the old log is kept beside it and a new one started.
/// The log file is what the verifier replays (the evidence bundle's `location_log`).
/// Errors: `AEGIS_INVALID_FORMAT` (not an event), `AEGIS_INVALID_VALUE` (an event out of range),
/// `AEGIS_LOCATION_LOG_MISMATCH` (something else extended the PCR: nothing changed),
/// `AEGIS_BACKEND` (TPM or file error), `AEGIS_INVALID_UTF8`.
///
/// On success `*archived_log_out` receives a new `aegis_string` the caller frees with
/// `aegis_string_free`: the path the previous log was moved to after a TPM reset, "" otherwise;
/// on failure nothing is written.
///
/// # Safety
/// `tpm` is a live `aegis_tpm` not used elsewhere during the call; each `(pointer, length)` pair
/// is readable (NULL when its length is 0); `archived_log_out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_tpm_record_location(
    tpm: *mut aegis_tpm,
    log_path: *const c_char,
    log_path_len: usize,
    pcr: u8,
    bank_alg: u16,
    event_json: *const u8,
    event_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    archived_log_out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for every pointer.
        let (tpm, path, event, nonce, archived_log_out) = unsafe {
            (
                boundary::borrow_mut(tpm, "tpm")?,
                boundary::bytes(log_path.cast::<u8>(), log_path_len, "log_path")?,
                boundary::bytes(event_json, event_len, "event_json")?,
                boundary::bytes(nonce, nonce_len, "nonce")?,
                boundary::out(archived_log_out, "archived_log_out")?,
            )
        };
        let path = core::str::from_utf8(path).map_err(|_| Failure::InvalidUtf8("log_path"))?;
        let event: LocationEvent =
            serde_json::from_slice(event).map_err(|_| Error::InvalidFormat {
                what: "location event JSON",
            })?;
        let bank = HashAlg::from_alg_id(bank_alg, "bank_alg")?;
        let mut log = LocationLogFile::open(Path::new(path))?;
        let recorded = record_location(&mut tpm.inner, &mut log, pcr, bank, event, nonce)?;
        let archived = recorded
            .archived_log
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        archived_log_out.write_box(aegis_string::new(&archived));
        Ok(())
    })
}
