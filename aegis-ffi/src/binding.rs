//! Credential activation on the verifier's side, typed (VERIFIER-CHECKS.md item 14; TPM 2.0
//! Part 1, 24; Part 3, 12.5 and 12.6): `aegis_activation_challenge` (a credential for the AK's
//! Name protected to the EK, and the secret kept to compare) and `aegis_ak_binding` (the proof
//! that the AK of that Name is resident in the EK's TPM, for `aegis_appraise`).
//!
//! The untyped building blocks (`aegis_credential_make`, `aegis_credential_check`) stay in ek.rs.

use aegis_core::credential::MadeCredential;
use aegis_core::crypto::default_provider;
use aegis_core::tpm::Public;
use aegis_core::verify::{ActivationChallenge, AkBinding, EkEndorsement};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, FfiResult};
use crate::ek::aegis_verified_ek;
use crate::error::aegis_error;
use crate::keys::aegis_ak;
use crate::status::aegis_status;

/// What a verifier keeps between sending a credential and receiving the recovered secret: a
/// fresh random secret (wiped when freed, never printed), the AK's Name it was made for, the EK,
/// and the TPM2_MakeCredential output to send. Made by `aegis_activation_challenge_new`, owned by
/// the caller, freed with `aegis_activation_challenge_free`. The secret is used once:
/// `aegis_activation_challenge_complete` compares it and then forgets it. Not thread-safe while
/// being completed; the credential accessors may be called from any thread.
#[derive(Debug)]
pub struct aegis_activation_challenge {
    challenge: Option<ActivationChallenge>,
    made: MadeCredential,
}

/// Proof that the AK of this Name is resident in the TPM that holds the EK (credential
/// activation), with the EK certified by a manufacturer CA or not. Made only by
/// `aegis_activation_challenge_complete`, owned by the caller, freed with
/// `aegis_ak_binding_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_ak_binding {
    pub(crate) inner: AkBinding,
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

/// Starts credential activation for `ak` (loaded with `aegis_ak_from_tpm_public`: a bare-key AK
/// has no Name, `AEGIS_INVALID_ARGUMENT`) with the default crypto provider: makes a fresh random
/// 32-byte secret and protects it to the EK for the AK's Name (TPM2_MakeCredential, TPM 2.0
/// Part 3, 12.6), so that only the TPM holding that EK, with an object of that Name loaded, can
/// recover it with TPM2_ActivateCredential.
///
/// The EK is given one way, exactly one of the two being non-NULL (`AEGIS_INVALID_ARGUMENT`
/// otherwise):
/// - `verified_ek`: an EK whose certificate `aegis_ek_verify` verified: the binding then says the
///   TPM is genuine;
/// - `ek_public`, `ek_public_len`: the EK public area alone (TPM2B_PUBLIC or TPMT_PUBLIC), for a
///   TPM without an EK certificate: the binding proves one TPM holds both keys, not that it is
///   genuine.
///
/// Errors also: parse errors of `ek_public`, `AEGIS_KEY_NOT_ALLOWED` (the EK is not a restricted
/// decryption key with AES-128-CFB).
///
/// On success `*out` receives a new challenge the caller frees with
/// `aegis_activation_challenge_free`; send its `_credential_blob` and `_encrypted_secret` to the
/// attester. On failure nothing is written to `*out`. Inputs are only read during the call (the
/// challenge keeps its own copy of the EK).
///
/// # Safety
/// `ek_public` is valid for reading `ek_public_len` bytes (or NULL); `verified_ek` is NULL or a
/// live `aegis_verified_ek`; `ak` is NULL or a live `aegis_ak`; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_activation_challenge_new(
    ek_public: *const u8,
    ek_public_len: usize,
    verified_ek: *const aegis_verified_ek,
    ak: *const aegis_ak,
    out: *mut *mut aegis_activation_challenge,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for verified_ek (NULL allowed).
        let verified_ek = unsafe { verified_ek.as_ref() };
        let ek = match (ek_public.is_null(), verified_ek) {
            (true, Some(vek)) if ek_public_len == 0 => EkEndorsement::Certified(vek.inner.clone()),
            (false, None) => {
                // SAFETY: the caller upholds this function's contract for the ek_public pair.
                let bytes = unsafe { boundary::bytes(ek_public, ek_public_len, "ek_public") }?;
                EkEndorsement::Uncertified(Public::parse_any(bytes)?)
            }
            _ => {
                return Err(Error::InvalidArgument {
                    what: "give exactly one of ek_public (uncertified EK) and verified_ek",
                }
                .into())
            }
        };
        let (challenge, made) = ActivationChallenge::new(default_provider(), ek, &ak.inner)?;
        out.write_box(aegis_activation_challenge {
            challenge: Some(challenge),
            made,
        });
        Ok(())
    })
}

/// The credential blob to send, TPM2B_ID_OBJECT (size-prefixed: what `tpm2_activatecredential`
/// and TPM2_ActivateCredential take as credentialBlob), as a view borrowed from `challenge`,
/// valid until `aegis_activation_challenge_free(challenge)` (never free it). Outputs are written
/// only on success (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `challenge` is NULL or a live challenge; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_activation_challenge_credential_blob(
    challenge: *const aegis_activation_challenge,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for challenge.
        let challenge = unsafe { boundary::borrow(challenge, "challenge") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&challenge.made.credential_blob, ptr, len) }
    })
}

/// The encrypted seed to send, TPM2B_ENCRYPTED_SECRET (size-prefixed: TPM2_ActivateCredential's
/// secret), as a view borrowed from `challenge`, valid until
/// `aegis_activation_challenge_free(challenge)` (never free it). Outputs are written only on
/// success.
///
/// # Safety
/// `challenge` is NULL or a live challenge; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_activation_challenge_encrypted_secret(
    challenge: *const aegis_activation_challenge,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for challenge.
        let challenge = unsafe { boundary::borrow(challenge, "challenge") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(&challenge.made.encrypted_secret, ptr, len) }
    })
}

/// Completes credential activation with what the attester's TPM recovered (`activated`,
/// `len`): compares it with the secret in constant time and, when it is the secret, makes the
/// binding of the AK's Name to the EK. `AEGIS_CREDENTIAL_MISMATCH` on any difference.
///
/// The secret is used once: after a comparison (match or not) the challenge holds no secret any
/// more and a later call returns `AEGIS_INVALID_ARGUMENT`; make a new challenge to try again.
/// Argument errors (`AEGIS_NULL_POINTER`) leave it unused. The challenge itself is not consumed:
/// the caller still frees it with `aegis_activation_challenge_free`, and its credential views
/// stay valid until then.
///
/// On success `*out` receives a new `aegis_ak_binding` the caller frees with
/// `aegis_ak_binding_free`; on failure nothing is written to `*out`. `activated` is only read
/// during the call.
///
/// # Safety
/// `challenge` is NULL or a live challenge not used by another thread during the call;
/// `activated` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for
/// writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_activation_challenge_complete(
    challenge: *mut aegis_activation_challenge,
    activated: *const u8,
    len: usize,
    out: *mut *mut aegis_ak_binding,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for challenge.
        let challenge = unsafe { boundary::borrow_mut(challenge, "challenge") }?;
        // SAFETY: the caller upholds this function's contract for (activated, len).
        let activated = unsafe { boundary::bytes(activated, len, "activated") }?;
        let pending = challenge.challenge.take().ok_or(Error::InvalidArgument {
            what: "the activation challenge was already completed (its secret is used once)",
        })?;
        out.write_box(aegis_ak_binding {
            inner: pending.complete(activated)?,
        });
        Ok(())
    })
}

/// Frees a challenge and wipes its secret. NULL does nothing.
///
/// # Safety
/// `challenge` is NULL or a challenge from this library, not freed before; it (and every view
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_activation_challenge_free(
    challenge: *mut aegis_activation_challenge,
) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for challenge.
        unsafe { boundary::free(challenge) }
    })
}

/// The bound AK's Name (nameAlg || H(TPMT_PUBLIC)), as a view borrowed from `binding`, valid
/// until `aegis_ak_binding_free(binding)` (never free it). Outputs are written only on success
/// (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `binding` is NULL or a live `aegis_ak_binding`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_binding_ak_name(
    binding: *const aegis_ak_binding,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for binding.
        let binding = unsafe { boundary::borrow(binding, "binding") }?;
        // SAFETY: the caller upholds this function's contract for ptr and len.
        unsafe { view(binding.inner.ak_name().as_bytes(), ptr, len) }
    })
}

/// Whether the binding's EK certificate was verified against a manufacturer CA (the challenge was
/// made with a `verified_ek`); false for an uncertified EK and when `binding` is NULL.
///
/// # Safety
/// `binding` is NULL or a live `aegis_ak_binding`.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_binding_ek_certified(binding: *const aegis_ak_binding) -> bool {
    boundary::guard_value(false, || {
        // SAFETY: the caller upholds this function's contract for binding.
        unsafe { boundary::borrow(binding, "binding") }.is_ok_and(|b| b.inner.ek_certified())
    })
}

/// `AEGIS_OK` when `ak` is the bound AK (same Name), so that evidence verified with `ak` is
/// evidence from the EK's TPM; `AEGIS_AK_BINDING_MISMATCH` (7005) for another AK and for a
/// bare-key AK (no Name to compare).
///
/// # Safety
/// `binding` is NULL or a live `aegis_ak_binding`; `ak` is NULL or a live `aegis_ak`; `err_out`
/// is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_binding_check_ak(
    binding: *const aegis_ak_binding,
    ak: *const aegis_ak,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for binding.
        let binding = unsafe { boundary::borrow(binding, "binding") }?;
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        binding.inner.check_ak(&ak.inner)?;
        Ok(())
    })
}

/// Frees a binding. NULL does nothing.
///
/// # Safety
/// `binding` is NULL or an `aegis_ak_binding` from this library, not freed before; it (and every
/// view borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_binding_free(binding: *mut aegis_ak_binding) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for binding.
        unsafe { boundary::free(binding) }
    })
}
