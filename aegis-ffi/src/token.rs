//! Proof tokens (aegis_core::token, docs/proof-tokens.md): DPoR and DPoG proofs and WIMSE
//! workload proof tokens minted with an `aegis_private_key` (`aegis_proof_mint_dpor`,
//! `aegis_proof_mint_dpog`, `aegis_wpt_mint`), verified as a resource server would against a
//! verified `aegis_ear` and a shared `aegis_replay_cache` (`aegis_proof_verify`,
//! `aegis_wpt_verify`), and RFC 7638 thumbprints (`aegis_jwk_thumbprint`).
//!
//! Requests and policies are plain C structs of `(ptr, len)` pairs, as `aegis_evidence` is:
//! zero one (`aegis_proof_policy p = {0};`) and set what you have; a NULL pointer with length 0 is
//! "absent" for the optional members. Text members are UTF-8 (`AEGIS_INVALID_UTF8` otherwise).

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::crypto::default_provider;
use aegis_core::ear::Algorithm;
use aegis_core::time::UnixTime;
use aegis_core::token::{
    self, Location, MemoryReplayCache, ProofKind, ProofPolicy, ProofRequest, Residency,
    VerifiedProof, VerifiedWpt, WptPolicy, WptRequest,
};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::buffers::aegis_string;
use crate::ear::{
    aegis_ear, aegis_ear_algs, algorithms, ear_signer, AEGIS_EAR_ALG_ES256, AEGIS_EAR_ALG_ES384,
    AEGIS_EAR_ALG_PS256,
};
use crate::error::aegis_error;
use crate::sign::{aegis_private_key, aegis_public_key};
use crate::status::aegis_status;

/// Which proof: one of the `AEGIS_PROOF_*` constants.
pub type aegis_proof_kind = u32;
/// DPoR: residency (`typ` "dpor+jwt").
pub const AEGIS_PROOF_DPOR: aegis_proof_kind = 0;
/// DPoG: residency and geolocation (`typ` "dpog+jwt").
pub const AEGIS_PROOF_DPOG: aegis_proof_kind = 1;

/// The default of `aegis_proof_policy.max_age` (used when it is 0): how old a proof's `iat`
/// may be, in seconds.
pub const AEGIS_PROOF_DEFAULT_MAX_AGE: u64 = 60;
/// The default of `aegis_proof_policy.max_skew` (used when it is 0): how far `iat` may lie in
/// the future, in seconds.
pub const AEGIS_PROOF_DEFAULT_MAX_SKEW: u64 = 5;
/// The default of `aegis_wpt_policy.max_lifetime` (used when it is 0): how far a WPT's `exp`
/// may lie ahead, in seconds.
pub const AEGIS_WPT_DEFAULT_MAX_LIFETIME: u64 = 300;

/// A bounded in-memory replay cache for proof-token `jti`s (aegis_core::token::MemoryReplayCache:
/// sharded, entries expire with the token's window; a full cache fails closed with
/// `AEGIS_REPLAY_CACHE_FULL`). Made by `aegis_replay_cache_new`, owned by the caller, freed with
/// `aegis_replay_cache_free`. Safe for concurrent use: one cache may be passed to verifications
/// on many threads at once (it is the one object here that changes while shared).
#[derive(Debug)]
pub struct aegis_replay_cache {
    inner: MemoryReplayCache,
}

/// What a DPoR or DPoG proof is minted for (aegis_core::token::ProofRequest). `htm`, `htu` and
/// `jti` are required; `nonce` (the server's DPoR-Nonce) and `access_token` (its hash becomes
/// `ath`) are NULL with length 0 when absent. The caller draws `jti` from a random source.
#[repr(C)]
#[derive(Debug)]
pub struct aegis_proof_request {
    /// The HTTP method (UTF-8).
    pub htm: *const u8,
    /// Length of `htm`.
    pub htm_len: usize,
    /// The HTTP target URI (UTF-8).
    pub htu: *const u8,
    /// Length of `htu`.
    pub htu_len: usize,
    /// The issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// A unique identifier (UTF-8).
    pub jti: *const u8,
    /// Length of `jti`.
    pub jti_len: usize,
    /// The server's nonce (UTF-8), or NULL with length 0.
    pub nonce: *const u8,
    /// Length of `nonce`.
    pub nonce_len: usize,
    /// The access token the proof goes with, or NULL with length 0.
    pub access_token: *const u8,
    /// Length of `access_token`.
    pub access_token_len: usize,
}

/// A token sent along with a WPT, by name: an entry of the WPT's `oth` claim
/// (draft-ietf-wimse-wpt, "oth": the name maps to the token's base64url SHA-256 hash).
#[repr(C)]
#[derive(Debug)]
pub struct aegis_named_token {
    /// The token's name (UTF-8, e.g. a header name).
    pub name: *const u8,
    /// Length of `name`.
    pub name_len: usize,
    /// The token.
    pub token: *const u8,
    /// Length of `token`.
    pub token_len: usize,
}

/// Most entries of a WPT's `oth` a caller gives (minting or verifying).
pub const AEGIS_WPT_MAX_OTHER_TOKENS: usize = 16;

/// What a WIMSE workload proof token is minted for (aegis_core::token::WptRequest): `aud`,
/// `jti` and `wit` (the Workload Identity Token, its hash becomes `wth`) are required;
/// `access_token` (its hash becomes `tth`) is NULL with length 0 when absent; `other` (an array
/// of `other_len` named tokens, their hashes become `oth`) is NULL with length 0 when none.
#[repr(C)]
#[derive(Debug)]
pub struct aegis_wpt_request {
    /// The audience (UTF-8).
    pub aud: *const u8,
    /// Length of `aud`.
    pub aud_len: usize,
    /// The expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// A unique identifier (UTF-8).
    pub jti: *const u8,
    /// Length of `jti`.
    pub jti_len: usize,
    /// The Workload Identity Token.
    pub wit: *const u8,
    /// Length of `wit`.
    pub wit_len: usize,
    /// The access token sent with the WPT, or NULL with length 0.
    pub access_token: *const u8,
    /// Length of `access_token`.
    pub access_token_len: usize,
    /// Other tokens sent with the WPT (`oth`), or NULL with length 0.
    pub other: *const aegis_named_token,
    /// Number of entries of `other` (at most `AEGIS_WPT_MAX_OTHER_TOKENS`).
    pub other_len: usize,
}

/// A resource server's expectations for a DPoR or DPoG proof (aegis_core::token::ProofPolicy).
/// `kind`, `htm`, `htu` and `now` are required; the rest may stay zero: `algs` 0 = ES256, ES384
/// and PS256; `max_age` 0 = `AEGIS_PROOF_DEFAULT_MAX_AGE`; `max_skew` 0 =
/// `AEGIS_PROOF_DEFAULT_MAX_SKEW`; an absent `nonce`, `access_token` or `cnf_jkt` is not
/// checked; an absent `allowed_countries` allows any country the EAR affirms (DPoG).
#[repr(C)]
#[derive(Debug)]
pub struct aegis_proof_policy {
    /// `AEGIS_PROOF_DPOR` or `AEGIS_PROOF_DPOG`.
    pub kind: aegis_proof_kind,
    /// The request's method (UTF-8).
    pub htm: *const u8,
    /// Length of `htm`.
    pub htm_len: usize,
    /// The request's target URI (UTF-8; an absolute http(s) URI).
    pub htu: *const u8,
    /// Length of `htu`.
    pub htu_len: usize,
    /// The verification time, seconds since the Unix epoch.
    pub now: u64,
    /// Accepted algorithms, `AEGIS_EAR_ALG_*` or-ed (0 = all three).
    pub algs: aegis_ear_algs,
    /// How old `iat` may be, in seconds (also how long a `jti` is remembered).
    pub max_age: u64,
    /// How far `iat` may lie in the future, in seconds.
    pub max_skew: u64,
    /// The nonce the server issued (UTF-8), or NULL with length 0.
    pub nonce: *const u8,
    /// Length of `nonce`.
    pub nonce_len: usize,
    /// The access token presented with the proof (`ath` is checked), or NULL with length 0.
    pub access_token: *const u8,
    /// Length of `access_token`.
    pub access_token_len: usize,
    /// The access token's `cnf.jkt` (UTF-8), or NULL with length 0.
    pub cnf_jkt: *const u8,
    /// Length of `cnf_jkt`.
    pub cnf_jkt_len: usize,
    /// DPoG: the countries the geofence allows, ISO 3166-1 alpha-2 separated by commas
    /// ("DE,FR"), or NULL with length 0.
    pub allowed_countries: *const u8,
    /// Length of `allowed_countries`.
    pub allowed_countries_len: usize,
}

/// A receiving workload's expectations for a WPT (aegis_core::token::WptPolicy). `aud`, `now`
/// and `wit` are required; `wit_jkt` (the WIT's confirmation key thumbprint), `access_token` and
/// `other` (the tokens presented with it, each of whose hash must be in `oth` under its name) are
/// checked when present; `algs` 0 = all three; `max_lifetime` 0 =
/// `AEGIS_WPT_DEFAULT_MAX_LIFETIME`.
#[repr(C)]
#[derive(Debug)]
pub struct aegis_wpt_policy {
    /// The expected audience (UTF-8).
    pub aud: *const u8,
    /// Length of `aud`.
    pub aud_len: usize,
    /// The verification time, seconds since the Unix epoch.
    pub now: u64,
    /// The Workload Identity Token presented.
    pub wit: *const u8,
    /// Length of `wit`.
    pub wit_len: usize,
    /// The WIT's confirmation key thumbprint (UTF-8), or NULL with length 0.
    pub wit_jkt: *const u8,
    /// Length of `wit_jkt`.
    pub wit_jkt_len: usize,
    /// The access token presented (`tth` is checked), or NULL with length 0.
    pub access_token: *const u8,
    /// Length of `access_token`.
    pub access_token_len: usize,
    /// Accepted algorithms, `AEGIS_EAR_ALG_*` or-ed (0 = all three).
    pub algs: aegis_ear_algs,
    /// How far `exp` may lie ahead, in seconds.
    pub max_lifetime: u64,
    /// Other tokens presented with the WPT (`oth` is checked), or NULL with length 0.
    pub other: *const aegis_named_token,
    /// Number of entries of `other` (at most `AEGIS_WPT_MAX_OTHER_TOKENS`).
    pub other_len: usize,
}

/// A DPoR or DPoG proof that passed every check: made only by `aegis_proof_verify`, owned by the
/// caller, freed with `aegis_verified_proof_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_verified_proof {
    inner: VerifiedProof,
    jkt: CString,
    jti: CString,
    location_json: Option<CString>,
}

/// A WPT that passed every check: made only by `aegis_wpt_verify`, owned by the caller, freed
/// with `aegis_verified_wpt_free`. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_verified_wpt {
    inner: VerifiedWpt,
    jkt: CString,
    jti: CString,
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// A `(ptr, len)` text member: `None` when absent (NULL or empty).
///
/// # Safety
/// As [`boundary::bytes`].
unsafe fn text<'a>(ptr: *const u8, len: usize, what: &'static str) -> FfiResult<Option<&'a str>> {
    // SAFETY: the caller upholds boundary::bytes's contract.
    let bytes = unsafe { boundary::bytes(ptr, len, what) }?;
    if bytes.is_empty() {
        return Ok(None);
    }
    core::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Failure::InvalidUtf8(what))
}

/// A required `(ptr, len)` text member (empty is allowed and left to the core's checks).
///
/// # Safety
/// As [`boundary::bytes`].
unsafe fn required<'a>(ptr: *const u8, len: usize, what: &'static str) -> FfiResult<&'a str> {
    // SAFETY: the caller upholds boundary::bytes's contract.
    Ok(unsafe { text(ptr, len, what) }?.unwrap_or(""))
}

/// A `(ptr, len)` byte member: `None` when absent (NULL or empty).
///
/// # Safety
/// As [`boundary::bytes`].
unsafe fn optional<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> FfiResult<Option<&'a [u8]>> {
    // SAFETY: the caller upholds boundary::bytes's contract.
    let bytes = unsafe { boundary::bytes(ptr, len, what) }?;
    Ok((!bytes.is_empty()).then_some(bytes))
}

/// The named tokens of `(other, other_len)` as `(name, token)` pairs.
///
/// # Safety
/// `other` is NULL with `other_len` 0, or points to `other_len` entries whose `(ptr, len)` pairs
/// are each readable (or NULL with length 0).
unsafe fn named_tokens<'a>(
    other: *const aegis_named_token,
    other_len: usize,
    what: &'static str,
) -> FfiResult<Vec<(&'a str, &'a [u8])>> {
    if other_len > AEGIS_WPT_MAX_OTHER_TOKENS {
        return Err(Error::InvalidArgument {
            what: "more other tokens than AEGIS_WPT_MAX_OTHER_TOKENS",
        }
        .into());
    }
    if other_len == 0 {
        return Ok(Vec::new());
    }
    if other.is_null() {
        return Err(Failure::NullPointer(what));
    }
    // SAFETY: the caller guarantees `other` points to `other_len` readable entries.
    let entries = unsafe { core::slice::from_raw_parts(other, other_len) };
    entries
        .iter()
        .map(|e| {
            // SAFETY: the caller guarantees each entry's pairs are readable.
            let name = unsafe { required(e.name, e.name_len, what) }?;
            if name.is_empty() {
                return Err(Error::InvalidArgument {
                    what: "an other token has an empty name",
                }
                .into());
            }
            // SAFETY: as above.
            let token = unsafe { boundary::bytes(e.token, e.token_len, what) }?;
            Ok((name, token))
        })
        .collect()
}

fn alg_bit(alg: Algorithm) -> aegis_ear_algs {
    match alg {
        Algorithm::Es256 => AEGIS_EAR_ALG_ES256,
        Algorithm::Es384 => AEGIS_EAR_ALG_ES384,
        Algorithm::Ps256 => AEGIS_EAR_ALG_PS256,
    }
}

fn kind(kind: aegis_proof_kind) -> Result<ProofKind, Error> {
    match kind {
        AEGIS_PROOF_DPOR => Ok(ProofKind::Dpor),
        AEGIS_PROOF_DPOG => Ok(ProofKind::Dpog),
        _ => Err(Error::InvalidArgument {
            what: "kind is not AEGIS_PROOF_DPOR or AEGIS_PROOF_DPOG",
        }),
    }
}

/// Makes a replay cache for at most `capacity` unexpired identifiers (rounded up to a multiple of
/// its shard count; 0 is taken as 1). On success `*out` receives a new cache the caller frees
/// with `aegis_replay_cache_free`; `AEGIS_NULL_POINTER` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_replay_cache_new(
    capacity: usize,
    out: *mut *mut aegis_replay_cache,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        unsafe { boundary::out(out, "out") }?.write_box(aegis_replay_cache {
            inner: MemoryReplayCache::new(capacity),
        });
        Ok(())
    })
}

/// Frees a replay cache. NULL does nothing.
///
/// # Safety
/// `cache` is NULL or a cache from this library, not freed before and not in use by another
/// thread; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_replay_cache_free(cache: *mut aegis_replay_cache) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for cache.
        unsafe { boundary::free(cache) }
    })
}

/// The RFC 7638 JWK thumbprint of `key` (SHA-256, base64url without padding: the `jkt` of
/// `cnf` and of an EAR's `app_key`). On success `*out` receives a new `aegis_string` the caller
/// frees with `aegis_string_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `key` is NULL or a live `aegis_public_key`; `out` is valid for writing one pointer; `err_out`
/// is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_jwk_thumbprint(
    key: *const aegis_public_key,
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
        out.write_box(aegis_string::new(&key.inner.jwk_thumbprint_b64()?));
        Ok(())
    })
}

/// Mints a proof of `kind` for `req` with `key`, the location JSON for DPoG.
///
/// # Safety
/// As `aegis_proof_mint_dpog`.
unsafe fn mint_proof(
    key: *const aegis_private_key,
    req: *const aegis_proof_request,
    location: Option<&[u8]>,
    out: *mut *mut aegis_string,
) -> FfiResult<()> {
    // SAFETY: the caller upholds this function's contract for out.
    let out = unsafe { boundary::out(out, "out") }?;
    // SAFETY: the caller upholds this function's contract for key.
    let key = unsafe { boundary::borrow(key, "key") }?;
    // SAFETY: the caller upholds this function's contract for req.
    let req = unsafe { boundary::borrow(req, "req") }?;
    // SAFETY: the caller guarantees req's (ptr, len) pairs are readable (so below).
    let htm = unsafe { required(req.htm, req.htm_len, "req.htm") }?;
    // SAFETY: as above.
    let htu = unsafe { required(req.htu, req.htu_len, "req.htu") }?;
    // SAFETY: as above.
    let jti = unsafe { required(req.jti, req.jti_len, "req.jti") }?;
    // SAFETY: as above.
    let nonce = unsafe { text(req.nonce, req.nonce_len, "req.nonce") }?;
    // SAFETY: as above.
    let access_token =
        unsafe { optional(req.access_token, req.access_token_len, "req.access_token") }?;
    let request = ProofRequest {
        htm,
        htu,
        iat: UnixTime::from_secs(req.iat),
        jti,
        nonce,
        access_token,
    };
    let signer = ear_signer(key)?;
    let token = match location {
        None => token::mint_dpor(&signer, &request)?,
        Some(json) => {
            let loc: Location = serde_json::from_slice(json).map_err(|_| Error::InvalidFormat {
                what: "location JSON (type, quality, country, ...)",
            })?;
            token::mint_dpog(&signer, &request, &loc)?
        }
    };
    out.write_box(aegis_string::new(&token));
    Ok(())
}

/// Mints a DPoR proof (typ "dpor+jwt") for `req`, signed with `key`: ES256 for P-256, ES384 for
/// P-384, PS256 for RSA (`AEGIS_UNSUPPORTED` for RSA with the pure-Rust provider). On success
/// `*out` receives a new `aegis_string` (the compact JWT) the caller frees with
/// `aegis_string_free`; on failure nothing is written to `*out`. Inputs are only read during the
/// call.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `req` is NULL or points to an
/// `aegis_proof_request` whose `(ptr, len)` pairs are each valid for reading `len` bytes (or NULL
/// with `len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for writing
/// one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_proof_mint_dpor(
    key: *const aegis_private_key,
    req: *const aegis_proof_request,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    // SAFETY: the caller upholds this function's contract for key, req and out.
    boundary::guard(err_out, || unsafe { mint_proof(key, req, None, out) })
}

/// Mints a DPoG proof (typ "dpog+jwt"): a DPoR proof for `req` plus the location claims
/// `location_json` (FORMATS.md: `type` "precise" | "approximated" | "region", `quality` "gnss" |
/// "mobile" | "wifi" | "ip", `country`, `subdivision`, `city`, `latitude`, `longitude`,
/// `server`) under the claim `urn:aegis:claims:dpog:location`. `AEGIS_INVALID_FORMAT` when the
/// JSON is not location claims, `AEGIS_TOKEN_MALFORMED` for unknown names or coordinates out of
/// range; otherwise as `aegis_proof_mint_dpor`.
///
/// # Safety
/// As `aegis_proof_mint_dpor`; `location_json` is valid for reading `location_len` bytes (or NULL
/// with 0).
#[no_mangle]
pub unsafe extern "C" fn aegis_proof_mint_dpog(
    key: *const aegis_private_key,
    req: *const aegis_proof_request,
    location_json: *const u8,
    location_len: usize,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for (location_json, location_len).
        let location = unsafe { boundary::bytes(location_json, location_len, "location_json") }?;
        // SAFETY: the caller upholds this function's contract for key, req and out.
        unsafe { mint_proof(key, req, Some(location), out) }
    })
}

/// Mints a WIMSE workload proof token (typ "wpt+jwt", draft-ietf-wimse-wpt-02) for `req`,
/// signed with `key` as `aegis_proof_mint_dpor` signs. On success `*out` receives a new
/// `aegis_string` the caller frees with `aegis_string_free`; on failure nothing is written to
/// `*out`.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `req` is NULL or points to an
/// `aegis_wpt_request` whose `(ptr, len)` pairs are each valid for reading `len` bytes (or NULL
/// with `len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for writing
/// one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_wpt_mint(
    key: *const aegis_private_key,
    req: *const aegis_wpt_request,
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
        // SAFETY: the caller upholds this function's contract for req.
        let req = unsafe { boundary::borrow(req, "req") }?;
        // SAFETY: the caller guarantees req's (ptr, len) pairs are readable (so below).
        let aud = unsafe { required(req.aud, req.aud_len, "req.aud") }?;
        // SAFETY: as above.
        let jti = unsafe { required(req.jti, req.jti_len, "req.jti") }?;
        // SAFETY: as above.
        let wit = unsafe { boundary::bytes(req.wit, req.wit_len, "req.wit") }?;
        // SAFETY: as above.
        let access_token =
            unsafe { optional(req.access_token, req.access_token_len, "req.access_token") }?;
        // SAFETY: as above, for req.other.
        let other = unsafe { named_tokens(req.other, req.other_len, "req.other") }?;
        let request = WptRequest {
            aud,
            exp: UnixTime::from_secs(req.exp),
            jti,
            wit,
            access_token,
            other: &other,
        };
        out.write_box(aegis_string::new(&token::mint_wpt(
            &ear_signer(key)?,
            &request,
        )?));
        Ok(())
    })
}

/// Verifies a DPoR or DPoG proof (`token`, a compact JWS) as a resource server, in the order of
/// docs/proof-tokens.md: the JWS (`AEGIS_TOKEN_MALFORMED`, `_TYPE_INVALID`,
/// `_ALGORITHM_NOT_ALLOWED`, `_JWK_PRIVATE`, `_JWK_INVALID`, `_JWK_ALGORITHM_MISMATCH`,
/// `_SIGNATURE_INVALID`), the claims against `policy` (`AEGIS_TOKEN_HTM_MISMATCH`,
/// `_HTU_MISMATCH`, `_IAT_OUT_OF_WINDOW`, `_NONCE_MISMATCH`, `_ATH_MISMATCH`,
/// `_CNF_JKT_MISMATCH`, `_CLAIM_MISSING`), residency: the proof key's thumbprint named by an
/// affirming `ear` at most `ear_max_age` seconds old (`AEGIS_TOKEN_RESIDENCY_STALE`,
/// `_KEY_NOT_RESIDENT`, `_RESIDENCY_NOT_AFFIRMING`), DPoG location (`AEGIS_TOKEN_LOCATION_*`),
/// and last the `jti` in `cache` (`AEGIS_TOKEN_REPLAYED`, `AEGIS_REPLAY_CACHE_FULL`).
///
/// `ear` comes from `aegis_ear_verify` with the verifier's trusted key. On success `*out`
/// receives a new `aegis_verified_proof` the caller frees with `aegis_verified_proof_free`; on
/// failure nothing is written to `*out`. `cache` may be shared by verifications on several
/// threads at once; the other inputs are only read during the call.
///
/// # Safety
/// `policy` is NULL or points to an `aegis_proof_policy` whose `(ptr, len)` pairs are each valid
/// for reading `len` bytes (or NULL with `len` 0); `token` is valid for reading `token_len` bytes;
/// `ear` and `cache` are NULL or live objects from this library; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_proof_verify(
    policy: *const aegis_proof_policy,
    token: *const u8,
    token_len: usize,
    ear: *const aegis_ear,
    ear_max_age: u64,
    cache: *const aegis_replay_cache,
    out: *mut *mut aegis_verified_proof,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for policy.
        let p = unsafe { boundary::borrow(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (token, token_len).
        let token = unsafe { boundary::bytes(token, token_len, "token") }?;
        // SAFETY: the caller upholds this function's contract for ear.
        let ear = unsafe { boundary::borrow(ear, "ear") }?;
        // SAFETY: the caller upholds this function's contract for cache.
        let cache = unsafe { boundary::borrow(cache, "cache") }?;
        // SAFETY: the caller guarantees policy's (ptr, len) pairs are readable (so
        // below).
        let htm = unsafe { required(p.htm, p.htm_len, "policy.htm") }?;
        // SAFETY: as above.
        let htu = unsafe { required(p.htu, p.htu_len, "policy.htu") }?;
        // SAFETY: as above.
        let nonce = unsafe { text(p.nonce, p.nonce_len, "policy.nonce") }?;
        // SAFETY: as above.
        let access_token =
            unsafe { optional(p.access_token, p.access_token_len, "policy.access_token") }?;
        // SAFETY: as above.
        let cnf_jkt = unsafe { text(p.cnf_jkt, p.cnf_jkt_len, "policy.cnf_jkt") }?;
        // SAFETY: as above.
        let countries = unsafe {
            text(
                p.allowed_countries,
                p.allowed_countries_len,
                "policy.allowed_countries",
            )
        }?
        .map(|c| c.split(',').map(str::trim).collect::<Vec<_>>());
        let algorithms = algorithms(p.algs)?;
        let policy = ProofPolicy {
            algorithms: &algorithms,
            max_age: if p.max_age == 0 {
                AEGIS_PROOF_DEFAULT_MAX_AGE
            } else {
                p.max_age
            },
            max_skew: if p.max_skew == 0 {
                AEGIS_PROOF_DEFAULT_MAX_SKEW
            } else {
                p.max_skew
            },
            nonce,
            access_token,
            cnf_jkt,
            allowed_countries: countries.as_deref(),
            ..ProofPolicy::new(kind(p.kind)?, htm, htu, UnixTime::from_secs(p.now))
        };
        let residency = Residency::Ear {
            ear: &ear.inner,
            max_age: ear_max_age,
        };
        let verified =
            token::verify_proof(default_provider(), token, &policy, &residency, &cache.inner)?;
        let location_json = match &verified.location {
            None => None,
            Some(l) => Some(c_text(&serde_json::to_string(l).map_err(|_| {
                Error::InvalidValue {
                    what: "location claims",
                }
            })?)),
        };
        out.write_box(aegis_verified_proof {
            jkt: c_text(&verified.jkt),
            jti: c_text(&verified.jti),
            location_json,
            inner: verified,
        });
        Ok(())
    })
}

/// Runs `f` on the verified proof, or gives `default` for a NULL one.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
unsafe fn with_proof<T>(
    proof: *const aegis_verified_proof,
    default: T,
    f: impl FnOnce(&aegis_verified_proof) -> T,
) -> T {
    boundary::guard_value(None, || {
        // SAFETY: this function's contract for proof.
        unsafe { boundary::borrow(proof, "proof") }.ok().map(f)
    })
    .unwrap_or(default)
}

/// `AEGIS_PROOF_DPOR` or `AEGIS_PROOF_DPOG`; `AEGIS_PROOF_DPOR` when `proof` is NULL.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_kind(
    proof: *const aegis_verified_proof,
) -> aegis_proof_kind {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe {
        with_proof(proof, AEGIS_PROOF_DPOR, |p| match p.inner.kind {
            ProofKind::Dpor => AEGIS_PROOF_DPOR,
            ProofKind::Dpog => AEGIS_PROOF_DPOG,
        })
    }
}

/// The proof's algorithm as one `AEGIS_EAR_ALG_*` bit; 0 when `proof` is NULL.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_alg(
    proof: *const aegis_verified_proof,
) -> aegis_ear_algs {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe { with_proof(proof, 0, |p| alg_bit(p.inner.alg)) }
}

/// The proof key's RFC 7638 thumbprint (base64url), NUL-terminated, borrowed from `proof`:
/// valid until `aegis_verified_proof_free(proof)`, never freed by the caller. NULL when `proof`
/// is NULL.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_jkt(
    proof: *const aegis_verified_proof,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe { with_proof(proof, core::ptr::null(), |p| p.jkt.as_ptr()) }
}

/// The proof's `jti`, borrowed as `aegis_verified_proof_jkt` is.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_jti(
    proof: *const aegis_verified_proof,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe { with_proof(proof, core::ptr::null(), |p| p.jti.as_ptr()) }
}

/// The proof's `iat`, seconds since the Unix epoch; 0 when `proof` is NULL.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_iat(proof: *const aegis_verified_proof) -> u64 {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe { with_proof(proof, 0, |p| p.inner.iat) }
}

/// DPoG: the verified location claims as JSON, borrowed as `aegis_verified_proof_jkt` is; NULL
/// for a DPoR proof or when `proof` is NULL.
///
/// # Safety
/// `proof` is NULL or a live `aegis_verified_proof`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_location_json(
    proof: *const aegis_verified_proof,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for proof.
    unsafe {
        with_proof(proof, core::ptr::null(), |p| {
            p.location_json
                .as_ref()
                .map_or(core::ptr::null(), |j| j.as_ptr())
        })
    }
}

/// Frees a verified proof. NULL does nothing.
///
/// # Safety
/// `proof` is NULL or an `aegis_verified_proof` from this library, not freed before; it is not
/// used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_proof_free(proof: *mut aegis_verified_proof) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for proof.
        unsafe { boundary::free(proof) }
    })
}

/// Verifies a WIMSE workload proof token as the receiving workload: the JWS as
/// `aegis_proof_verify` checks it, then `aud` (`AEGIS_TOKEN_AUDIENCE_MISMATCH`), `exp` after
/// `policy->now` and at most `max_lifetime` ahead (`AEGIS_TOKEN_EXPIRED`), `wth`, `tth` and each
/// `oth` entry of `policy->other` (`AEGIS_TOKEN_HASH_MISMATCH`), `wit_jkt` (`AEGIS_TOKEN_CNF_JKT_MISMATCH`), residency in `ear`
/// (as `aegis_proof_verify`), and the `jti` in `cache`.
///
/// On success `*out` receives a new `aegis_verified_wpt` the caller frees with
/// `aegis_verified_wpt_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// As `aegis_proof_verify`, with an `aegis_wpt_policy`.
#[no_mangle]
pub unsafe extern "C" fn aegis_wpt_verify(
    policy: *const aegis_wpt_policy,
    token: *const u8,
    token_len: usize,
    ear: *const aegis_ear,
    ear_max_age: u64,
    cache: *const aegis_replay_cache,
    out: *mut *mut aegis_verified_wpt,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for policy.
        let p = unsafe { boundary::borrow(policy, "policy") }?;
        // SAFETY: the caller upholds this function's contract for (token, token_len).
        let token = unsafe { boundary::bytes(token, token_len, "token") }?;
        // SAFETY: the caller upholds this function's contract for ear.
        let ear = unsafe { boundary::borrow(ear, "ear") }?;
        // SAFETY: the caller upholds this function's contract for cache.
        let cache = unsafe { boundary::borrow(cache, "cache") }?;
        // SAFETY: the caller guarantees policy's (ptr, len) pairs are readable (so
        // below).
        let aud = unsafe { required(p.aud, p.aud_len, "policy.aud") }?;
        // SAFETY: as above.
        let wit = unsafe { boundary::bytes(p.wit, p.wit_len, "policy.wit") }?;
        // SAFETY: as above.
        let wit_jkt = unsafe { text(p.wit_jkt, p.wit_jkt_len, "policy.wit_jkt") }?;
        // SAFETY: as above.
        let access_token =
            unsafe { optional(p.access_token, p.access_token_len, "policy.access_token") }?;
        // SAFETY: as above, for policy.other.
        let other = unsafe { named_tokens(p.other, p.other_len, "policy.other") }?;
        let algorithms = algorithms(p.algs)?;
        let policy = WptPolicy {
            wit_jkt,
            access_token,
            other: &other,
            algorithms: &algorithms,
            max_lifetime: if p.max_lifetime == 0 {
                AEGIS_WPT_DEFAULT_MAX_LIFETIME
            } else {
                p.max_lifetime
            },
            ..WptPolicy::new(aud, wit, UnixTime::from_secs(p.now))
        };
        let residency = Residency::Ear {
            ear: &ear.inner,
            max_age: ear_max_age,
        };
        let verified =
            token::verify_wpt(default_provider(), token, &policy, &residency, &cache.inner)?;
        out.write_box(aegis_verified_wpt {
            jkt: c_text(&verified.jkt),
            jti: c_text(&verified.jti),
            inner: verified,
        });
        Ok(())
    })
}

/// Runs `f` on the verified WPT, or gives `default` for a NULL one.
///
/// # Safety
/// `wpt` is NULL or a live `aegis_verified_wpt`.
unsafe fn with_wpt<T>(
    wpt: *const aegis_verified_wpt,
    default: T,
    f: impl FnOnce(&aegis_verified_wpt) -> T,
) -> T {
    boundary::guard_value(None, || {
        // SAFETY: this function's contract for wpt.
        unsafe { boundary::borrow(wpt, "wpt") }.ok().map(f)
    })
    .unwrap_or(default)
}

/// The signing key's RFC 7638 thumbprint, borrowed from `wpt` (valid until
/// `aegis_verified_wpt_free(wpt)`, never freed by the caller); NULL when `wpt` is NULL.
///
/// # Safety
/// `wpt` is NULL or a live `aegis_verified_wpt`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_wpt_jkt(wpt: *const aegis_verified_wpt) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for wpt.
    unsafe { with_wpt(wpt, core::ptr::null(), |w| w.jkt.as_ptr()) }
}

/// The WPT's `jti`, borrowed as `aegis_verified_wpt_jkt` is.
///
/// # Safety
/// `wpt` is NULL or a live `aegis_verified_wpt`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_wpt_jti(wpt: *const aegis_verified_wpt) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for wpt.
    unsafe { with_wpt(wpt, core::ptr::null(), |w| w.jti.as_ptr()) }
}

/// The WPT's `exp`, seconds since the Unix epoch; 0 when `wpt` is NULL.
///
/// # Safety
/// `wpt` is NULL or a live `aegis_verified_wpt`.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_wpt_exp(wpt: *const aegis_verified_wpt) -> u64 {
    // SAFETY: the caller upholds this function's contract for wpt.
    unsafe { with_wpt(wpt, 0, |w| w.inner.exp) }
}

/// Frees a verified WPT. NULL does nothing.
///
/// # Safety
/// `wpt` is NULL or an `aegis_verified_wpt` from this library, not freed before; it is not used
/// after.
#[no_mangle]
pub unsafe extern "C" fn aegis_verified_wpt_free(wpt: *mut aegis_verified_wpt) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for wpt.
        unsafe { boundary::free(wpt) }
    })
}
