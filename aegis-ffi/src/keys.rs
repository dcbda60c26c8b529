//! `aegis_ak`: the Attestation Key a verifier checks signatures with.

use aegis_core::tpm::{alg, EccCurve, HashAlg, Scheme};
use aegis_core::verify::{AttestationKey, KeyPolicy};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::error::aegis_error;
use crate::status::aegis_status;

/// An Attestation Key. Made by `aegis_ak_from_tpm_public` or `aegis_ak_from_bare_key_unchecked`,
/// owned by the caller, freed with `aegis_ak_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_ak {
    pub(crate) inner: AttestationKey,
    name: Option<Vec<u8>>,
}

/// Loads an AK from its TPM public area, TPM2B_PUBLIC or TPMT_PUBLIC (`buf`, `len`), and checks
/// it is a restricted signing key with fixedTPM, fixedParent and sensitiveDataOrigin, a concrete
/// scheme, and a size or curve on the default key policy (RSA 2048/3072/4096 with exponent
/// 65537, P-256, P-384): VERIFIER-CHECKS.md item 13.
///
/// On success `*out` receives a new `aegis_ak` the caller frees with `aegis_ak_free`. On failure
/// (e.g. `AEGIS_AK_NOT_RESTRICTED`) nothing is written to `*out`, and `*err_out` receives an
/// `aegis_error` when `err_out` is not NULL. `buf` is only read during the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_from_tpm_public(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_ak,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        let inner = AttestationKey::from_tpm_public(bytes, &KeyPolicy::default())?;
        let name = inner.name().map(|n| n.as_bytes().to_vec());
        out.write_box(aegis_ak { inner, name });
        Ok(())
    })
}

/// Loads an AK from its TPM public area as `aegis_ak_from_tpm_public` does, with the key
/// allow-list `key_policy` instead of the default one (NULL: the default, RSA 2048/3072/4096,
/// P-256, P-384). A key off the list is `AEGIS_KEY_NOT_ALLOWED` (VERIFIER-CHECKS.md items 13,
/// 15). `buf` and `key_policy` are only read during the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `key_policy` is NULL or a live
/// `aegis_key_policy` not changed during the call; `out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_from_tpm_public_with_policy(
    buf: *const u8,
    len: usize,
    key_policy: *const aegis_key_policy,
    out: *mut *mut aegis_ak,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        let default_policy = KeyPolicy::default();
        // SAFETY: the caller upholds this function's contract for key_policy (NULL allowed).
        let policy = unsafe { key_policy.as_ref() }.map_or(&default_policy, |p| &p.inner);
        let inner = AttestationKey::from_tpm_public(bytes, policy)?;
        let name = inner.name().map(|n| n.as_bytes().to_vec());
        out.write_box(aegis_ak { inner, name });
        Ok(())
    })
}

/// Loads an AK known only as a bare public key: SubjectPublicKeyInfo in DER or PEM (`key`,
/// `len`), with the signing scheme the caller says it uses: `scheme_alg` TPM_ALG_RSASSA (0x0014),
/// TPM_ALG_RSAPSS (0x0016) or TPM_ALG_ECDSA (0x0018), and `hash_alg` TPM_ALG_SHA1 (0x0004),
/// SHA256 (0x000B), SHA384 (0x000C) or SHA512 (0x000D). The key size or curve must be on the
/// default key policy.
///
/// UNCHECKED: a bare key cannot show that it is restricted, so a quote verified with it proves
/// nothing about TPM-generated data unless the caller established that elsewhere
/// (VERIFIER-CHECKS.md item 13). Prefer `aegis_ak_from_tpm_public`. Such an AK has no Name.
///
/// On success `*out` receives a new `aegis_ak` the caller frees with `aegis_ak_free`; on failure
/// nothing is written to `*out`. `key` is only read during the call.
///
/// # Safety
/// `key` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_from_bare_key_unchecked(
    key: *const u8,
    len: usize,
    scheme_alg: u16,
    hash_alg: u16,
    out: *mut *mut aegis_ak,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (key, len).
        let bytes = unsafe { boundary::bytes(key, len, "key") }?;
        let hash = HashAlg::from_alg_id(hash_alg, "hash_alg")?;
        let scheme = match scheme_alg {
            alg::RSASSA => Scheme::RsaSsa(hash),
            alg::RSAPSS => Scheme::RsaPss(hash),
            alg::ECDSA => Scheme::Ecdsa(hash),
            other => {
                return Err(Error::UnknownAlgorithm {
                    what: "scheme_alg",
                    alg: other,
                }
                .into())
            }
        };
        let inner = AttestationKey::from_bare_key_unchecked(bytes, scheme, &KeyPolicy::default())?;
        out.write_box(aegis_ak { inner, name: None });
        Ok(())
    })
}

/// The AK's Name (nameAlg || H(TPMT_PUBLIC)), e.g. to set as a policy's expected signer.
///
/// On success `*ptr` and `*len` receive a view borrowed from `ak`, valid until
/// `aegis_ak_free(ak)`; never free it. Returns `AEGIS_INVALID_ARGUMENT` for an AK loaded from a
/// bare key (it has no Name) and `AEGIS_NULL_POINTER` when a pointer is NULL; outputs are
/// written only on success.
///
/// # Safety
/// `ak` is NULL or a live `aegis_ak`; `ptr` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_name(
    ak: *const aegis_ak,
    ptr: *mut *const u8,
    len: *mut usize,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for ptr.
        let ptr = unsafe { boundary::out(ptr, "ptr") }?;
        // SAFETY: the caller upholds this function's contract for len.
        let len = unsafe { boundary::out(len, "len") }?;
        let name = ak.name.as_deref().ok_or(Error::InvalidArgument {
            what: "a bare-key AK has no Name",
        })?;
        ptr.write(name.as_ptr());
        len.write(name.len());
        Ok(())
    })
}

/// Frees an AK. NULL does nothing.
///
/// # Safety
/// `ak` is NULL or an `aegis_ak` from this library, not freed before; it (and every view
/// borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_free(ak: *mut aegis_ak) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for ak.
        unsafe { boundary::free(ak) }
    })
}

/// Whether the AK was checked: true when it was loaded from its TPM public area
/// (`aegis_ak_from_tpm_public`, attributes checked: VERIFIER-CHECKS.md item 13), false for a
/// bare key (`aegis_ak_from_bare_key_unchecked`) and when `ak` is NULL.
///
/// # Safety
/// `ak` is NULL or a live `aegis_ak`.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_is_checked(ak: *const aegis_ak) -> bool {
    boundary::guard_value(false, || {
        // SAFETY: the caller upholds this function's contract for ak.
        unsafe { boundary::borrow(ak, "ak") }.is_ok_and(|ak| ak.inner.is_checked())
    })
}

/// The AK's signing scheme: `*scheme_alg` receives its TPM_ALG_ID (`AEGIS_ALG_RSASSA`,
/// `AEGIS_ALG_RSAPSS` or `AEGIS_ALG_ECDSA`) and `*hash_alg` the scheme's hash
/// (`AEGIS_ALG_SHA256`, ...), TPM_ALG_NULL (0x0010) for a scheme without one. Outputs are written
/// only on success (`AEGIS_NULL_POINTER` when a pointer is NULL).
///
/// # Safety
/// `ak` is NULL or a live `aegis_ak`; `scheme_alg` and `hash_alg` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_ak_scheme(
    ak: *const aegis_ak,
    scheme_alg: *mut u16,
    hash_alg: *mut u16,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for ak.
        let ak = unsafe { boundary::borrow(ak, "ak") }?;
        // SAFETY: the caller upholds this function's contract for scheme_alg.
        let scheme_alg = unsafe { boundary::out(scheme_alg, "scheme_alg") }?;
        // SAFETY: the caller upholds this function's contract for hash_alg.
        let hash_alg = unsafe { boundary::out(hash_alg, "hash_alg") }?;
        let scheme = ak.inner.scheme();
        scheme_alg.write(scheme.alg_id());
        hash_alg.write(scheme.hash().map_or(alg::NULL, HashAlg::alg_id));
        Ok(())
    })
}

/// A key allow-list (VERIFIER-CHECKS.md items 13 and 15): the RSA modulus sizes (exponent
/// 65537) and NIST curves a verifier accepts for an AK (`aegis_ak_from_tpm_public_with_policy`)
/// or an App Key (`aegis_certify_policy_set_app_key_policy`,
/// `aegis_appraisal_policy_set_app_key_policy`). Made by `aegis_key_policy_new` with the
/// defaults (RSA 2048/3072/4096, P-256, P-384), owned by the caller, freed with
/// `aegis_key_policy_free`; the functions that take it copy it. Not thread-safe while being
/// changed; may be shared once set.
#[derive(Debug, Default)]
pub struct aegis_key_policy {
    pub(crate) inner: KeyPolicy,
}

/// Makes a key policy with the defaults (RSA 2048/3072/4096, P-256, P-384). On success `*out`
/// receives a new policy the caller frees with `aegis_key_policy_free`; `AEGIS_NULL_POINTER`
/// when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_key_policy_new(out: *mut *mut aegis_key_policy) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_key_policy::default());
        Ok(())
    })
}

/// Frees a key policy. NULL does nothing.
///
/// # Safety
/// `policy` is NULL or a policy from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_key_policy_free(policy: *mut aegis_key_policy) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for policy.
        unsafe { boundary::free(policy) }
    })
}

/// `n` `u16`s at `ptr` (NULL is accepted when `n` is 0).
///
/// # Safety
/// When `n > 0`, `ptr` is NULL or valid (and aligned) for reading `n` `u16`s.
unsafe fn u16s<'a>(ptr: *const u16, n: usize, what: &'static str) -> FfiResult<&'a [u16]> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(what));
    }
    if n > usize::from(u16::MAX) {
        return Err(Error::InvalidArgument {
            what: "more entries than a key allow-list can hold",
        }
        .into());
    }
    // SAFETY: ptr is not NULL, n is small, and the caller guarantees n readable u16s.
    Ok(unsafe { core::slice::from_raw_parts(ptr, n) })
}

/// Sets the RSA modulus sizes the policy accepts: `n` sizes in bits at `bits` (each a multiple of
/// 8 from 2048 to 16384, else `AEGIS_INVALID_ARGUMENT`); `n` 0 accepts no RSA key. The policy is
/// unchanged on failure.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `bits` is valid for
/// reading `n` `uint16_t` (or NULL with `n` 0); `err_out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_key_policy_set_rsa_bits(
    policy: *mut aegis_key_policy,
    bits: *const u16,
    n: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (bits, n).
        let bits = unsafe { u16s(bits, n, "bits") }?;
        Ok(policy.inner.set_rsa_bits(bits)?)
    })
}

/// Sets the curves the policy accepts: `n` TPM_ECC_CURVE ids at `curves` (`AEGIS_ECC_NIST_P256`,
/// `AEGIS_ECC_NIST_P384`, `AEGIS_ECC_NIST_P521`; another id is `AEGIS_UNKNOWN_ALGORITHM`); `n` 0
/// accepts no ECC key. The policy is unchanged on failure.
///
/// # Safety
/// `policy` is NULL or a live policy not used elsewhere during the call; `curves` is valid for
/// reading `n` `uint16_t` (or NULL with `n` 0); `err_out` is NULL or valid for writing one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_key_policy_set_curves(
    policy: *mut aegis_key_policy,
    curves: *const u16,
    n: usize,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for policy.
        let policy = unsafe { boundary::borrow_mut(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (curves, n).
        let ids = unsafe { u16s(curves, n, "curves") }?;
        let curves = ids
            .iter()
            .map(|&id| EccCurve::from_id(id))
            .collect::<Result<Vec<_>, Error>>()?;
        policy.inner.curves = curves;
        Ok(())
    })
}
