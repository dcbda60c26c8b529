//! EAR attestation-result tokens (aegis_core::ear): `aegis_ear_verify` (a JWT, or a CWT in
//! binary or base64) into an opaque `aegis_ear`, and `aegis_ear_sign_jwt` / `aegis_ear_sign_cwt`
//! of claims JSON with an `aegis_private_key`.

use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::{self, Algorithm, Dialect, Ear, VerifiedEar, VerifyOptions};
use aegis_core::time::UnixTime;
use aegis_core::Error;

use crate::boundary::{self, ErrOut};
use crate::buffers::{aegis_bytes, aegis_string};
use crate::error::aegis_error;
use crate::sign::{aegis_private_key, aegis_public_key};
use crate::status::aegis_status;

/// An EAR claim-name dialect: one of the `AEGIS_EAR_DIALECT_*` constants.
pub type aegis_ear_dialect = u32;
/// draft-ietf-rats-ear-04 (`tag:ietf.org,2026:rats/ear#04`), the default.
pub const AEGIS_EAR_DIALECT_IETF_04: aegis_ear_dialect = 0;
/// draft-ietf-rats-ear-03 (`tag:ietf.org,2026:rats/ear#03`).
pub const AEGIS_EAR_DIALECT_IETF_03: aegis_ear_dialect = 1;
/// veraison/ear v1.1.3 (`tag:github.com,2023:veraison/ear`).
pub const AEGIS_EAR_DIALECT_VERAISON: aegis_ear_dialect = 2;

/// EAR signature algorithms, or-ed into the allow-list of `aegis_ear_verify` (0 = all three).
pub type aegis_ear_algs = u32;
/// ES256: ECDSA P-256 with SHA-256.
pub const AEGIS_EAR_ALG_ES256: aegis_ear_algs = 1;
/// ES384: ECDSA P-384 with SHA-384.
pub const AEGIS_EAR_ALG_ES384: aegis_ear_algs = 2;
/// PS256: RSASSA-PSS with SHA-256 (RSA 2048 bits or more).
pub const AEGIS_EAR_ALG_PS256: aegis_ear_algs = 4;

/// A verified EAR: made only by `aegis_ear_verify`, owned by the caller, freed with
/// `aegis_ear_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_ear {
    pub(crate) inner: VerifiedEar,
}

pub(crate) fn dialect(d: aegis_ear_dialect) -> Result<Dialect, Error> {
    match d {
        AEGIS_EAR_DIALECT_IETF_04 => Ok(Dialect::Ietf04),
        AEGIS_EAR_DIALECT_IETF_03 => Ok(Dialect::Ietf03),
        AEGIS_EAR_DIALECT_VERAISON => Ok(Dialect::Veraison),
        _ => Err(Error::InvalidArgument {
            what: "dialect is not an AEGIS_EAR_DIALECT_* value",
        }),
    }
}

fn dialect_code(d: Dialect) -> aegis_ear_dialect {
    match d {
        Dialect::Ietf04 => AEGIS_EAR_DIALECT_IETF_04,
        Dialect::Ietf03 => AEGIS_EAR_DIALECT_IETF_03,
        Dialect::Veraison => AEGIS_EAR_DIALECT_VERAISON,
    }
}

/// Verifies an EAR token with `key` at time `now` (seconds since the epoch): a JWT, or a CWT in
/// binary or base64, told apart by content (`ear::verify_token`). `algs` is the allow-list
/// (`AEGIS_EAR_ALG_*` or-ed; 0 = ES256, ES384 and PS256); `nonce` (NULL with `nonce_len` 0 = no
/// nonce expected) must be the token's `eat_nonce`. Errors: the `AEGIS_EAR_*` codes, one per
/// check (aegis_core::ear's documentation gives the order), `AEGIS_SIGNATURE_INVALID`,
/// `AEGIS_SIZE_OUT_OF_RANGE`, `AEGIS_TRAILING_BYTES`, `AEGIS_INVALID_ARGUMENT` (other `algs`
/// bits).
///
/// On success `*out` receives a new `aegis_ear` the caller frees with `aegis_ear_free`; on
/// failure nothing is written to `*out`. `token` and `nonce` are only read during the call.
///
/// # Safety
/// `key` is NULL or a live `aegis_public_key`; `token` is valid for reading `token_len` bytes and
/// `nonce` for `nonce_len` (each may be NULL with length 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_verify(
    key: *const aegis_public_key,
    token: *const u8,
    token_len: usize,
    now: u64,
    nonce: *const u8,
    nonce_len: usize,
    algs: aegis_ear_algs,
    out: *mut *mut aegis_ear,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        // SAFETY: the caller upholds this function's contract for (token, token_len).
        let token = unsafe { boundary::bytes(token, token_len, "token") }?;
        // SAFETY: the caller upholds this function's contract for (nonce, nonce_len).
        let nonce = unsafe { boundary::bytes(nonce, nonce_len, "nonce") }?;
        let algorithms = algorithms(algs)?;
        let options = VerifyOptions {
            algorithms: &algorithms,
            nonce: (!nonce.is_empty()).then_some(nonce),
            ..VerifyOptions::new(&key.inner, UnixTime::from_secs(now))
        };
        let verified = ear::verify_token(default_provider(), token, &options)?;
        out.write_box(aegis_ear { inner: verified });
        Ok(())
    })
}

/// The verified claims as JSON in the token's own dialect (an `aegis_string` the caller frees
/// with `aegis_string_free`), written to `*out` only on success.
///
/// # Safety
/// `ear` is NULL or a live `aegis_ear`; `out` is valid for writing one pointer; `err_out` is
/// NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_claims_json(
    ear: *const aegis_ear,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for ear.
        let ear = unsafe { boundary::borrow(ear, "ear") }?;
        let json = ear.inner.ear().to_json(ear.inner.dialect())?;
        out.write_box(aegis_string::new(&json.to_string()));
        Ok(())
    })
}

/// The dialect the token's `eat_profile` named (`AEGIS_EAR_DIALECT_*`) into `*dialect`, and
/// whether it was a CWT (1) or a JWT (0) into `*is_cwt` (each written only on success).
///
/// # Safety
/// `ear` is NULL or a live `aegis_ear`; `dialect` and `is_cwt` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_format(
    ear: *const aegis_ear,
    dialect: *mut aegis_ear_dialect,
    is_cwt: *mut u8,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for ear.
        let ear = unsafe { boundary::borrow(ear, "ear") }?;
        // SAFETY: the caller upholds this function's contract for dialect.
        let dialect = unsafe { boundary::out(dialect, "dialect") }?;
        // SAFETY: the caller upholds this function's contract for is_cwt.
        let is_cwt = unsafe { boundary::out(is_cwt, "is_cwt") }?;
        dialect.write(dialect_code(ear.inner.dialect()));
        is_cwt.write(u8::from(ear.inner.format() == ear::TokenFormat::Cwt));
        Ok(())
    })
}

/// Frees a verified EAR. NULL does nothing.
///
/// # Safety
/// `ear` is NULL or an `aegis_ear` from this library, not freed before; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_free(ear: *mut aegis_ear) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for ear.
        unsafe { boundary::free(ear) }
    })
}

/// The algorithms of an `aegis_ear_algs` allow-list (0 = all three); `InvalidArgument` for
/// other bits. EAR tokens and proof tokens (token.rs) share it.
pub(crate) fn algorithms(algs: aegis_ear_algs) -> Result<Vec<Algorithm>, Error> {
    let all = AEGIS_EAR_ALG_ES256 | AEGIS_EAR_ALG_ES384 | AEGIS_EAR_ALG_PS256;
    if algs & !all != 0 {
        return Err(Error::InvalidArgument {
            what: "algs has bits other than AEGIS_EAR_ALG_*",
        });
    }
    let algs = if algs == 0 { all } else { algs };
    Ok([
        (AEGIS_EAR_ALG_ES256, Algorithm::Es256),
        (AEGIS_EAR_ALG_ES384, Algorithm::Es384),
        (AEGIS_EAR_ALG_PS256, Algorithm::Ps256),
    ]
    .into_iter()
    .filter(|(bit, _)| algs & bit != 0)
    .map(|(_, a)| a)
    .collect())
}

/// An EAR signer for `key`: ES256 for P-256, ES384 for P-384, PS256 for RSA.
pub(crate) fn ear_signer(key: &aegis_private_key) -> Result<SoftwareSigner<'static>, Error> {
    let alg = Algorithm::for_key(key.inner.public_key())?;
    SoftwareSigner::new(default_provider(), key.inner.clone_key(), alg.scheme())
}

/// The claims of `(claims, claims_len)` and a signer for `key` ([`ear_signer`]).
fn claims_and_signer(
    key: &aegis_private_key,
    claims: &[u8],
) -> Result<(Ear, SoftwareSigner<'static>), Error> {
    let (ear, _) = Ear::from_json(claims)?;
    Ok((ear, ear_signer(key)?))
}

/// Signs EAR claims (JSON in any dialect, with an `eat_profile`) with `key` as a JWT in
/// `dialect`: ES256, ES384 or PS256 by the key. The status rule is checked first
/// (`AEGIS_EAR_STATUS_BETTER_THAN_VECTOR`, ...); claims that do not decode are the `AEGIS_EAR_*`
/// claim errors; `AEGIS_UNSUPPORTED` for RSA with the pure-Rust provider.
///
/// On success `*out` receives a new `aegis_string` (the token) the caller frees with
/// `aegis_string_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `claims` is valid for reading `claims_len` bytes
/// (or NULL with 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_sign_jwt(
    key: *const aegis_private_key,
    claims: *const u8,
    claims_len: usize,
    dialect: aegis_ear_dialect,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        // SAFETY: the caller upholds this function's contract for (claims, claims_len).
        let claims = unsafe { boundary::bytes(claims, claims_len, "claims") }?;
        let dialect = self::dialect(dialect)?;
        let (ear, signer) = claims_and_signer(key, claims)?;
        out.write_box(aegis_string::new(&ear.sign_jwt(&signer, dialect)?));
        Ok(())
    })
}

/// Signs EAR claims as `aegis_ear_sign_jwt` does, as a CWT: a tagged COSE_Sign1 with
/// deterministic CBOR claims.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`; on
/// failure nothing is written to `*out`.
///
/// # Safety
/// As `aegis_ear_sign_jwt`.
#[no_mangle]
pub unsafe extern "C" fn aegis_ear_sign_cwt(
    key: *const aegis_private_key,
    claims: *const u8,
    claims_len: usize,
    dialect: aegis_ear_dialect,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        // SAFETY: the caller upholds this function's contract for (claims, claims_len).
        let claims = unsafe { boundary::bytes(claims, claims_len, "claims") }?;
        let dialect = self::dialect(dialect)?;
        let (ear, signer) = claims_and_signer(key, claims)?;
        out.write_box(aegis_bytes::new(ear.sign_cwt(&signer, dialect)?));
        Ok(())
    })
}
