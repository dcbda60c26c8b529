//! EK binding (VERIFIER-CHECKS.md item 14): `aegis_ek_trust_store` and `aegis_ek_verify` (the EK
//! certificate chains to a manufacturer CA and certifies the EK public area), credential
//! activation on the verifier side (`aegis_credential_make`, `aegis_credential_check`), and
//! `aegis_name_qualified_under` (the qualifiedSigner an AK under a given EK signs with).

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::credential::{check_activated, make_credential, MadeCredential};
use aegis_core::crypto::default_provider;
use aegis_core::ek::{trim_nv_certificate, verify_ek_certificate, EkTrustStore, VerifiedEk};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{Name, Public};

use crate::boundary::{self, ErrOut, FfiResult};
use crate::buffers::aegis_bytes;
use crate::error::aegis_error;
use crate::status::aegis_status;

/// The manufacturer CA certificates trusted for EK certificates: roots (trust anchors) and
/// intermediates (used to build paths, trusted only through a root). Made empty by
/// `aegis_ek_trust_store_new`, filled with `aegis_ek_trust_store_add_root` and
/// `aegis_ek_trust_store_add_intermediate`, owned by the caller, freed with
/// `aegis_ek_trust_store_free`. Not thread-safe while being filled; may be shared once filled.
#[derive(Debug, Default)]
pub struct aegis_ek_trust_store {
    pub(crate) inner: EkTrustStore,
}

/// An EK certificate that chains to the caller's store, is valid at the caller's time and
/// certifies the EK public area given. Made only by `aegis_ek_verify`, owned by the caller, freed
/// with `aegis_verified_ek_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_verified_ek {
    /// The verified EK itself (for `aegis_activation_challenge_new`).
    pub(crate) inner: VerifiedEk,
    name: Vec<u8>,
    qualified_name: Vec<u8>,
    public_tpm2b: Vec<u8>,
    subject: CString,
    issuer: CString,
}

/// The output of TPM2_MakeCredential computed by the verifier: what it sends to the attester,
/// who recovers the secret with TPM2_ActivateCredential. Made by `aegis_credential_make` or
/// `aegis_credential_parse`, owned by the caller, freed with `aegis_credential_free`. Holds no
/// secret (the seed is gone; the credential is encrypted). Immutable: may be shared between
/// threads.
#[derive(Debug)]
pub struct aegis_credential {
    inner: MadeCredential,
    file: Vec<u8>,
}

impl aegis_credential {
    fn new(inner: MadeCredential) -> Self {
        let file = inner.to_tpm2_tools_file();
        aegis_credential { inner, file }
    }
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Writes a borrowed `(ptr, len)` view to two out-parameters.
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

/// Makes an empty EK trust store. On success `*out` receives a new store the caller frees with
/// `aegis_ek_trust_store_free`; `AEGIS_NULL_POINTER` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_new(
    out: *mut *mut aegis_ek_trust_store,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_ek_trust_store::default());
        Ok(())
    })
}

/// The shared body of the two `_add_` functions.
///
/// # Safety
/// As for `aegis_ek_trust_store_add_root`.
unsafe fn add(
    store: *mut aegis_ek_trust_store,
    cert: *const u8,
    len: usize,
    err_out: *mut *mut aegis_error,
    root: bool,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for store.
        let store = unsafe { boundary::borrow_mut(store, "store") }?;
        // SAFETY: the caller upholds this function's contract for (cert, len).
        let bytes = unsafe { boundary::bytes(cert, len, "cert") }?;
        // All or nothing: a PEM input with a bad certificate adds none of its certificates.
        if root {
            store.inner.add_root(bytes)?;
        } else {
            store.inner.add_intermediate(bytes)?;
        }
        Ok(())
    })
}

/// Adds trust anchors (manufacturer root CA certificates) to `store`: one DER certificate, or
/// every `CERTIFICATE` block of a PEM text, told apart by content. Each must be a CA certificate
/// (`AEGIS_EK_CERTIFICATE_INVALID` otherwise); on failure the store is unchanged. `cert` is only
/// read during the call.
///
/// # Safety
/// `store` is NULL or a live store not used elsewhere during the call; `cert` is valid for
/// reading `len` bytes (or NULL with `len` 0); `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_add_root(
    store: *mut aegis_ek_trust_store,
    cert: *const u8,
    len: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds the same contract.
    unsafe { add(store, cert, len, err_out, true) }
}

/// Adds intermediate CA certificates to `store` (DER or PEM, as `aegis_ek_trust_store_add_root`):
/// used to build paths to a root, never trusted on their own. On failure the store is unchanged.
///
/// # Safety
/// As for `aegis_ek_trust_store_add_root`.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_add_intermediate(
    store: *mut aegis_ek_trust_store,
    cert: *const u8,
    len: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds the same contract.
    unsafe { add(store, cert, len, err_out, false) }
}

/// The number of trusted roots in `store`; 0 when `store` is NULL.
///
/// # Safety
/// `store` is NULL or a live store not changed during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_root_count(
    store: *const aegis_ek_trust_store,
) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for store.
        unsafe { boundary::borrow(store, "store") }.map_or(0, |s| s.inner.root_count())
    })
}

/// The number of intermediates in `store`; 0 when `store` is NULL.
///
/// # Safety
/// `store` is NULL or a live store not changed during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_intermediate_count(
    store: *const aegis_ek_trust_store,
) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for store.
        unsafe { boundary::borrow(store, "store") }.map_or(0, |s| s.inner.intermediate_count())
    })
}

/// Frees an EK trust store. NULL does nothing.
///
/// # Safety
/// `store` is NULL or a store from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_trust_store_free(store: *mut aegis_ek_trust_store) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for store.
        unsafe { boundary::free(store) }
    })
}

/// Verifies an EK certificate (VERIFIER-CHECKS.md item 14) with the default crypto provider.
///
/// - `store`: the manufacturer CAs trusted;
/// - `cert`: the EK certificate, DER; bytes after the certificate's outer SEQUENCE (the padding of
///   an NV index, TCG EK Credential Profile 2.2.1.5) are ignored;
/// - `ek_public`: the EK public area, TPM2B_PUBLIC or TPMT_PUBLIC, as read from the TPM;
/// - `now_unix`: the time to check validity at, in seconds since the Unix epoch (Aegis reads no
///   clock).
///
/// Errors: `AEGIS_EK_CERTIFICATE_INVALID` (malformed, unknown critical extension, a CA
/// certificate), `AEGIS_EK_CERTIFICATE_EXPIRED` (it or a CA of the only paths is outside its
/// validity period), `AEGIS_EK_PUBLIC_KEY_MISMATCH` (the certificate's key is not `ek_public`'s),
/// `AEGIS_EK_CERTIFICATE_UNTRUSTED` (no path to a root of `store`).
///
/// On success `*out` receives a new `aegis_verified_ek` the caller frees with
/// `aegis_verified_ek_free`; on failure nothing is written to `*out`, and `*err_out` receives an
/// `aegis_error` when `err_out` is not NULL. Inputs are only read during the call.
///
/// # Safety
/// `store` is NULL or a live store not changed during the call; each `(ptr, len)` pair is valid
/// for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ek_verify(
    store: *const aegis_ek_trust_store,
    cert: *const u8,
    cert_len: usize,
    ek_public: *const u8,
    ek_public_len: usize,
    now_unix: u64,
    out: *mut *mut aegis_verified_ek,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for store.
        let store = unsafe { boundary::borrow(store, "store") }?;
        // SAFETY: the caller upholds this function's contract for (cert, cert_len).
        let cert = unsafe { boundary::bytes(cert, cert_len, "cert") }?;
        // SAFETY: the caller upholds this function's contract for (ek_public, ek_public_len).
        let ek_public = unsafe { boundary::bytes(ek_public, ek_public_len, "ek_public") }?;
        let public = Public::parse_any(ek_public)?;
        let verified: VerifiedEk = verify_ek_certificate(
            default_provider(),
            trim_nv_certificate(cert),
            &public,
            &store.inner,
            UnixTime::from_secs(now_unix),
        )?;
        let qualified_name = verified.name().qualified_under_endorsement()?;
        out.write_box(aegis_verified_ek {
            name: verified.name().as_bytes().to_vec(),
            qualified_name: qualified_name.as_bytes().to_vec(),
            public_tpm2b: verified.public().to_tpm2b(),
            subject: c_text(verified.subject()),
            issuer: c_text(verified.issuer()),
            inner: verified,
        });
        Ok(())
    })
}

/// The verified EK's Name (nameAlg || H(TPMT_PUBLIC)), as a view borrowed from `vek`, valid until
/// `aegis_verified_ek_free(vek)` (never free it). Outputs are written only on success
/// (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_name(
    vek: *const aegis_verified_ek,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        let vek = unsafe { boundary::borrow(vek, "vek") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&vek.name, ptr, len) }
    })
}

/// The verified EK's public area as TPM2B_PUBLIC bytes (e.g. for `aegis_credential_make`), as a
/// view borrowed from `vek`, valid until `aegis_verified_ek_free(vek)` (never free it). Outputs
/// are written only on success.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_public(
    vek: *const aegis_verified_ek,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        let vek = unsafe { boundary::borrow(vek, "vek") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&vek.public_tpm2b, ptr, len) }
    })
}

/// The EK certificate's subject (RFC 4514 text; often "" for EK certificates), as a
/// NUL-terminated string borrowed from `vek`: valid until `aegis_verified_ek_free(vek)`. ""
/// when `vek` is NULL.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_subject(vek: *const aegis_verified_ek) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        unsafe { boundary::borrow(vek, "vek") }.map_or(c"".as_ptr(), |v| v.subject.as_ptr())
    })
}

/// The EK certificate's issuer (RFC 4514 text), as a NUL-terminated string borrowed from `vek`:
/// valid until `aegis_verified_ek_free(vek)`. "" when `vek` is NULL.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_issuer(vek: *const aegis_verified_ek) -> *const c_char {
    boundary::guard_value(c"".as_ptr(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        unsafe { boundary::borrow(vek, "vek") }.map_or(c"".as_ptr(), |v| v.issuer.as_ptr())
    })
}

/// The verified EK's qualified Name as a primary key of the endorsement hierarchy
/// (qualified_under(Name(EK), `AEGIS_ENDORSEMENT_HIERARCHY`)), the parent qualified Name of an AK
/// made under it, as a view borrowed from `vek`, valid until `aegis_verified_ek_free(vek)` (never
/// free it). Outputs are written only on success.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_qualified_name(
    vek: *const aegis_verified_ek,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        let vek = unsafe { boundary::borrow(vek, "vek") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&vek.qualified_name, ptr, len) }
    })
}

/// The EK certificate's serial number: the big-endian bytes of its (positive) INTEGER, without
/// a leading zero octet, as a view borrowed from `vek`, valid until `aegis_verified_ek_free(vek)`
/// (never free it). Outputs are written only on success.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_serial(
    vek: *const aegis_verified_ek,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for vek.
        let vek = unsafe { boundary::borrow(vek, "vek") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(vek.inner.serial(), ptr, len) }
    })
}

/// The number of certificates in the verified path, the EK certificate and the root included;
/// 0 when `vek` is NULL.
///
/// # Safety
/// `vek` is NULL or a live `aegis_verified_ek`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_chain_len(vek: *const aegis_verified_ek) -> usize {
    boundary::guard_value(0, || {
        // SAFETY: the caller upholds this function's contract for vek.
        unsafe { boundary::borrow(vek, "vek") }.map_or(0, |v| v.inner.chain_len())
    })
}

/// Frees a verified EK. NULL does nothing.
///
/// # Safety
/// `vek` is NULL or an `aegis_verified_ek` from this library, not freed before; it (and every
/// view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_ek_free(vek: *mut aegis_verified_ek) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for vek.
        unsafe { boundary::free(vek) }
    })
}

/// TPM2_MakeCredential in software (TCG Part 3, 12.6; Part 1, 24), with the default crypto
/// provider: protects `secret` to the EK `ek_public` (TPM2B_PUBLIC or TPMT_PUBLIC; take it from a
/// verified EK) for the object named `ak_name` (the AK's Name, e.g. from `aegis_ak_name`), so
/// that only the TPM holding that EK and a loaded object with that Name can recover it with
/// TPM2_ActivateCredential. RSA EKs share the seed by RSA-OAEP, ECC EKs by one-pass ECDH.
///
/// `secret` must be fresh and random, 1 to digest-size(EK nameAlg) bytes (32 for the usual
/// SHA-256 EKs); keep it to compare with `aegis_credential_check`. Errors:
/// `AEGIS_INVALID_ARGUMENT` (secret size, malformed AK Name), `AEGIS_KEY_NOT_ALLOWED` (the EK is
/// not a restricted AES-CFB decryption key), parse errors of `ek_public`.
///
/// On success `*out` receives a new `aegis_credential` the caller frees with
/// `aegis_credential_free`; on failure nothing is written to `*out`. Inputs are only read during
/// the call.
///
/// # Safety
/// Each `(ptr, len)` pair is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid
/// for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_make(
    ek_public: *const u8,
    ek_public_len: usize,
    ak_name: *const u8,
    ak_name_len: usize,
    secret: *const u8,
    secret_len: usize,
    out: *mut *mut aegis_credential,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (ek_public, ek_public_len).
        let ek_public = unsafe { boundary::bytes(ek_public, ek_public_len, "ek_public") }?;
        // SAFETY: the caller upholds this function's contract for (ak_name, ak_name_len).
        let ak_name = unsafe { boundary::bytes(ak_name, ak_name_len, "ak_name") }?;
        // SAFETY: the caller upholds this function's contract for (secret, secret_len).
        let secret = unsafe { boundary::bytes(secret, secret_len, "secret") }?;
        let ek = Public::parse_any(ek_public)?;
        let made = make_credential(default_provider(), &ek, &Name::from_bytes(ak_name), secret)?;
        out.write_box(aegis_credential::new(made));
        Ok(())
    })
}

/// Reads a credential in the file form `tpm2_makecredential -o` writes and
/// `tpm2_activatecredential -i` reads (magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT,
/// TPM2B_ENCRYPTED_SECRET). On success `*out` receives a new `aegis_credential` the caller frees
/// with `aegis_credential_free`; `AEGIS_INVALID_FORMAT`, `AEGIS_TRUNCATED`, ... otherwise.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_parse(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_credential,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        out.write_box(aegis_credential::new(MadeCredential::from_tpm2_tools_file(
            bytes,
        )?));
        Ok(())
    })
}

/// The credential blob, TPM2B_ID_OBJECT (size-prefixed), as a view borrowed from `cred`, valid
/// until `aegis_credential_free(cred)` (never free it). Outputs are written only on success.
///
/// # Safety
/// `cred` is NULL or a live `aegis_credential`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_blob(
    cred: *const aegis_credential,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for cred.
        let cred = unsafe { boundary::borrow(cred, "cred") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&cred.inner.credential_blob, ptr, len) }
    })
}

/// The encrypted seed, TPM2B_ENCRYPTED_SECRET (size-prefixed), as a view borrowed from `cred`,
/// valid until `aegis_credential_free(cred)` (never free it). Outputs are written only on success.
///
/// # Safety
/// `cred` is NULL or a live `aegis_credential`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_encrypted_secret(
    cred: *const aegis_credential,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for cred.
        let cred = unsafe { boundary::borrow(cred, "cred") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&cred.inner.encrypted_secret, ptr, len) }
    })
}

/// The credential in the tpm2-tools file form (see `aegis_credential_parse`), ready for
/// `tpm2_activatecredential -i`, as a view borrowed from `cred`, valid until
/// `aegis_credential_free(cred)` (never free it). Outputs are written only on success.
///
/// # Safety
/// `cred` is NULL or a live `aegis_credential`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_tpm2_tools_file(
    cred: *const aegis_credential,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for cred.
        let cred = unsafe { boundary::borrow(cred, "cred") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&cred.file, ptr, len) }
    })
}

/// Frees a credential. NULL does nothing.
///
/// # Safety
/// `cred` is NULL or an `aegis_credential` from this library, not freed before; it (and every
/// view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_free(cred: *mut aegis_credential) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for cred.
        unsafe { boundary::free(cred) }
    })
}

/// Compares, in constant time, the secret the attester recovered with TPM2_ActivateCredential
/// (`activated`) with the one the verifier passed to `aegis_credential_make` (`expected`):
/// `AEGIS_OK` when equal, `AEGIS_CREDENTIAL_MISMATCH` on any difference,
/// `AEGIS_INVALID_ARGUMENT` when `expected` is empty.
///
/// # Safety
/// Each `(ptr, len)` pair is valid for reading `len` bytes (or NULL with `len` 0); `err_out` is
/// NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_credential_check(
    expected: *const u8,
    expected_len: usize,
    activated: *const u8,
    activated_len: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for (expected, expected_len).
        let expected = unsafe { boundary::bytes(expected, expected_len, "expected") }?;
        // SAFETY: the caller upholds this function's contract for (activated, activated_len).
        let activated = unsafe { boundary::bytes(activated, activated_len, "activated") }?;
        check_activated(expected, activated)?;
        Ok(())
    })
}

/// The qualified Name of an object with Name `name` under a parent whose qualified Name is
/// `parent_qualified` (TCG Part 1, 16.6): nameAlg || H_nameAlg(parent QN || Name). This is what a
/// TPM signs as TPMS_ATTEST.qualifiedSigner. For a hierarchy, the qualified Name is its handle
/// (4 bytes, big-endian: 0x4000000B for the endorsement hierarchy), so for an AK made under an
/// EK that is a primary key of the endorsement hierarchy:
/// QN(EK) = qualified_under(Name(EK), 40 00 00 0B), QN(AK) = qualified_under(Name(AK), QN(EK)),
/// the expected signer to set on a quote or certify policy.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`;
/// `AEGIS_INVALID_VALUE` or `AEGIS_UNKNOWN_ALGORITHM` when `name` does not start with a known
/// nameAlg. Inputs are only read during the call.
///
/// # Safety
/// Each `(ptr, len)` pair is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid
/// for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_name_qualified_under(
    name: *const u8,
    name_len: usize,
    parent_qualified: *const u8,
    parent_qualified_len: usize,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (name, name_len).
        let name = unsafe { boundary::bytes(name, name_len, "name") }?;
        // SAFETY: the caller upholds this function's contract for the parent pair.
        let parent =
            unsafe { boundary::bytes(parent_qualified, parent_qualified_len, "parent_qualified") }?;
        let q = Name::from_bytes(name).qualified_under(&Name::from_bytes(parent))?;
        out.write_box(aegis_bytes::new(q.as_bytes().to_vec()));
        Ok(())
    })
}

/// The Name of a permanent handle such as a hierarchy (`AEGIS_ENDORSEMENT_HIERARCHY`): the
/// handle itself, 4 bytes big-endian (TCG Part 1, 16), which is also its qualified Name, the
/// parent qualified Name to give `aegis_name_qualified_under` for a primary key.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`
/// (`AEGIS_NULL_POINTER` when `out` is NULL).
///
/// # Safety
/// `out` is valid for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_name_of_handle(
    handle: u32,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        out.write_box(aegis_bytes::new(
            Name::of_handle(handle).as_bytes().to_vec(),
        ));
        Ok(())
    })
}
