//! `aegis_quote_policy` and `aegis_certify_policy`: what the caller requires beyond the evidence.

use aegis_core::tpm::{ClockInfo, HashAlg, Name, PCR_COUNT};
use aegis_core::verify::{CertifyPolicy, HashAllowList, QuotePolicy};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::error::aegis_error;
use crate::keys::aegis_key_policy;
use crate::status::aegis_status;

/// What a quote verification requires: signature hash allow-list (default SHA-256, SHA-384,
/// SHA-512), required PCRs (default none), expected signer (default none), previous clock
/// (default none). Made by `aegis_quote_policy_new`, owned by the caller, freed with
/// `aegis_quote_policy_free`. Not thread-safe while being changed; may be shared once set.
#[derive(Debug, Default)]
pub struct aegis_quote_policy {
    pub(crate) inner: QuotePolicy,
}

/// What a certify verification requires: signature hash allow-list (default SHA-256, SHA-384,
/// SHA-512), expected signer and previous clock (default none), App Key policy (default: RSA
/// 2048/3072/4096, P-256, P-384). Made by `aegis_certify_policy_new`, owned by the caller, freed
/// with `aegis_certify_policy_free`. Not thread-safe while being changed; may be shared once set.
#[derive(Debug, Default)]
pub struct aegis_certify_policy {
    pub(crate) inner: CertifyPolicy,
}

/// An expected signer from `(name, len)`; `len` 0 means none.
///
/// # Safety
/// `name` is valid for reading `len` bytes (or NULL with `len` 0).
unsafe fn signer(name: *const u8, len: usize) -> FfiResult<Option<Name>> {
    // SAFETY: this function's contract for (name, len).
    let bytes = unsafe { boundary::bytes(name, len, "name") }?;
    Ok((!bytes.is_empty()).then(|| Name::from_bytes(bytes)))
}

/// A hash allow-list from `n` TPM_ALG_IDs at `algs` (NULL is accepted when `n` is 0), keeping
/// the policy's SHA-1 opt-in as it is: SHA-1 is admitted only through `*_allow_sha1` (the one
/// switch for SHA-1 signatures, banks and nameAlgs), so `AEGIS_ALG_SHA1` in `algs` is
/// `AEGIS_INVALID_ARGUMENT`; an unknown id is `AEGIS_UNKNOWN_ALGORITHM`.
///
/// # Safety
/// When `n > 0`, `algs` is NULL or valid (and aligned) for reading `n` `u16`s.
unsafe fn hash_list(algs: *const u16, n: usize, sha1: bool) -> FfiResult<HashAllowList> {
    if n == 0 {
        let mut list = HashAllowList::new(&[]);
        list.allow_sha1(sha1);
        return Ok(list);
    }
    if algs.is_null() {
        return Err(Failure::NullPointer("algs"));
    }
    if n > usize::from(u16::MAX) {
        return Err(Error::InvalidArgument {
            what: "more hash algorithms than there are TPM_ALG_IDs",
        }
        .into());
    }
    // SAFETY: algs is not NULL, n is small, and the caller guarantees n readable u16s.
    let ids = unsafe { core::slice::from_raw_parts(algs, n) };
    let mut list = Vec::with_capacity(n);
    for &id in ids {
        let h = HashAlg::from_alg_id(id, "algs")?;
        if h == HashAlg::Sha1 {
            return Err(Error::InvalidArgument {
                what: "SHA-1 in the hash allow-list needs allow_sha1",
            }
            .into());
        }
        list.push(h);
    }
    let mut list = HashAllowList::new(&list);
    list.allow_sha1(sha1);
    Ok(list)
}

fn clock(clock: u64, reset_count: u32, restart_count: u32, safe: bool) -> ClockInfo {
    ClockInfo {
        clock,
        reset_count,
        restart_count,
        safe,
    }
}

/// A PCR reference as every policy takes it: a known bank (`AEGIS_UNKNOWN_ALGORITHM` otherwise),
/// an index below 24 (`AEGIS_INVALID_ARGUMENT` otherwise).
pub(crate) fn pcr(bank_alg: u16, index: u8) -> Result<(HashAlg, u8), Error> {
    let bank = HashAlg::from_alg_id(bank_alg, "bank_alg")?;
    if index >= PCR_COUNT {
        return Err(Error::InvalidArgument {
            what: "PCR index must be below 24",
        });
    }
    Ok((bank, index))
}

/// Makes a quote policy with the defaults. On success `*out` receives a new policy the caller
/// frees with `aegis_quote_policy_free`; `AEGIS_NULL_POINTER` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_new(out: *mut *mut aegis_quote_policy) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_quote_policy::default());
        Ok(())
    })
}

/// Frees a quote policy. NULL does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_free(policy: *mut aegis_quote_policy) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::free(policy) }
    })
}

/// Requires PCR `index` (0-23) of bank `bank_alg` (TPM_ALG_SHA1 0x0004, SHA256 0x000B, SHA384
/// 0x000C, SHA512 0x000D) to be in the quote's signed selection (VERIFIER-CHECKS.md item 11).
/// `AEGIS_UNKNOWN_ALGORITHM` for another bank, `AEGIS_INVALID_ARGUMENT` for an index above 23.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `err_out` is NULL or
/// valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_require_pcr(
    policy: *mut aegis_quote_policy,
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
        policy.inner.required_pcrs.push(bank, index);
        Ok(())
    })
}

/// Accepts SHA-1 (legacy TPMs) when `allow` is true: SHA-1 signatures, SHA-1 PCR banks and SHA-1
/// key nameAlgs, one switch for all three; back to the default allow-list (SHA-256, SHA-384,
/// SHA-512) when false.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_allow_sha1(
    policy: *mut aegis_quote_policy,
    allow: bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::borrow_mut(policy, "policy") }?
            .inner
            .attest
            .allow_sha1(allow);
        Ok(())
    })
}

/// Sets the signature hash allow-list (VERIFIER-CHECKS.md item 4) to the `n` TPM_ALG_IDs at
/// `algs` (`AEGIS_ALG_SHA256`, `AEGIS_ALG_SHA384`, `AEGIS_ALG_SHA512`), replacing the default
/// SHA-256/384/512. SHA-1 stays governed by `aegis_quote_policy_allow_sha1` alone (before or
/// after this call): `AEGIS_ALG_SHA1` in `algs` is `AEGIS_INVALID_ARGUMENT`. An unknown id is
/// `AEGIS_UNKNOWN_ALGORITHM`. `n` 0 allows no hash but SHA-1 (when opted in): every signature
/// then fails. On failure the policy is unchanged. `algs` is only read during the call.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `algs` is valid for
/// reading `n` `uint16_t` (or NULL with `n` 0); `err_out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_set_hashes(
    policy: *mut aegis_quote_policy,
    algs: *const u16,
    n: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let attest = &mut unsafe { boundary::borrow_mut(policy, "policy") }?
            .inner
            .attest;
        let sha1 = attest.hashes.allows(HashAlg::Sha1);
        // SAFETY: the caller upholds this function's contract for (algs, n).
        attest.hashes = unsafe { hash_list(algs, n, sha1) }?;
        Ok(())
    })
}

/// Requires qualifiedSigner to equal `name` (an AK Name or qualified Name, as from
/// `aegis_ak_name`; VERIFIER-CHECKS.md item 9). `len` 0 removes the requirement. The bytes are
/// copied.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `name` is valid for
/// reading `len` bytes (or NULL with `len` 0).
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_set_expected_signer(
    policy: *mut aegis_quote_policy,
    name: *const u8,
    len: usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (name, len).
        policy.inner.attest.expected_signer = unsafe { signer(name, len) }?;
        Ok(())
    })
}

/// Sets the clock info of the last attestation verified from the same AK: the quote's clock
/// must not have gone backwards from it (VERIFIER-CHECKS.md item 10).
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_quote_policy_set_previous_clock(
    policy: *mut aegis_quote_policy,
    clock_ms: u64,
    reset_count: u32,
    restart_count: u32,
    safe: bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        policy.inner.attest.previous_clock =
            Some(clock(clock_ms, reset_count, restart_count, safe));
        Ok(())
    })
}

/// Makes a certify policy with the defaults. On success `*out` receives a new policy the caller
/// frees with `aegis_certify_policy_free`; `AEGIS_NULL_POINTER` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_new(
    out: *mut *mut aegis_certify_policy,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_certify_policy::default());
        Ok(())
    })
}

/// Frees a certify policy. NULL does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_free(policy: *mut aegis_certify_policy) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::free(policy) }
    })
}

/// Accepts SHA-1 (signatures, key nameAlgs) when `allow` is true; back to the default allow-list when false.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_allow_sha1(
    policy: *mut aegis_certify_policy,
    allow: bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::borrow_mut(policy, "policy") }?
            .inner
            .attest
            .allow_sha1(allow);
        Ok(())
    })
}

/// Sets the signature hash allow-list of a certify policy: as `aegis_quote_policy_set_hashes`
/// (SHA-1 only through `aegis_certify_policy_allow_sha1`; `AEGIS_UNKNOWN_ALGORITHM` for an
/// unknown id; the policy unchanged on failure).
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `algs` is valid for
/// reading `n` `uint16_t` (or NULL with `n` 0); `err_out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_set_hashes(
    policy: *mut aegis_certify_policy,
    algs: *const u16,
    n: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let attest = &mut unsafe { boundary::borrow_mut(policy, "policy") }?
            .inner
            .attest;
        let sha1 = attest.hashes.allows(HashAlg::Sha1);
        // SAFETY: the caller upholds this function's contract for (algs, n).
        attest.hashes = unsafe { hash_list(algs, n, sha1) }?;
        Ok(())
    })
}

/// Requires qualifiedSigner to equal `name`; `len` 0 removes the requirement. The bytes are
/// copied.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `name` is valid for
/// reading `len` bytes (or NULL with `len` 0).
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_set_expected_signer(
    policy: *mut aegis_certify_policy,
    name: *const u8,
    len: usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (name, len).
        policy.inner.attest.expected_signer = unsafe { signer(name, len) }?;
        Ok(())
    })
}

/// Sets the clock info of the last attestation verified from the same AK (item 10).
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_set_previous_clock(
    policy: *mut aegis_certify_policy,
    clock_ms: u64,
    reset_count: u32,
    restart_count: u32,
    safe: bool,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        policy.inner.attest.previous_clock =
            Some(clock(clock_ms, reset_count, restart_count, safe));
        Ok(())
    })
}

/// Sets the key allow-list the certified App Key must be on (VERIFIER-CHECKS.md item 15;
/// default RSA 2048/3072/4096, P-256, P-384): a copy of `key_policy`, which the caller still owns
/// and frees.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `key_policy` is NULL or
/// a live `aegis_key_policy`.
#[no_mangle]
pub unsafe extern "C" fn aegis_certify_policy_set_app_key_policy(
    policy: *mut aegis_certify_policy,
    key_policy: *const aegis_key_policy,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for key_policy.
        let key_policy = unsafe { boundary::borrow(key_policy, "key_policy") }?;
        policy.inner.app_key = key_policy.inner.clone();
        Ok(())
    })
}
