//! The network location verifier a gateway asks about mobile readings (CAMARA Device Location
//! Verification; aegis_core::svid::gateway::NetworkLocationVerifier, docs/gateway.md): Aegis
//! calls no operator itself, the caller supplies the call as a callback
//! (`aegis_network_verifier_new`) and Aegis caches its answers (CachedNetworkVerifier).

use core::ffi::c_void;

use aegis_core::svid::gateway::{
    CachedNetworkVerifier, LocationQuery, NetworkLocationVerifier, NetworkVerdict,
    NetworkVerification, DEFAULT_NETWORK_CACHE_CAPACITY,
};
use aegis_core::time::UnixTime;
use aegis_core::{Error, Result};

use crate::boundary::{self, ErrOut, Failure};
use crate::status::{aegis_status, AEGIS_OK};

/// A network's answer (CAMARA Device Location Verification `verificationResult`): one of the
/// `AEGIS_NETWORK_VERDICT_*` constants.
pub type aegis_network_verdict = u32;
/// TRUE: the device is in the area.
pub const AEGIS_NETWORK_VERDICT_TRUE: aegis_network_verdict = 1;
/// FALSE: it is not.
pub const AEGIS_NETWORK_VERDICT_FALSE: aegis_network_verdict = 2;
/// PARTIAL: the network's location area and the circle only overlap (not verified).
pub const AEGIS_NETWORK_VERDICT_PARTIAL: aegis_network_verdict = 3;
/// UNKNOWN: the network cannot tell.
pub const AEGIS_NETWORK_VERDICT_UNKNOWN: aegis_network_verdict = 4;

/// The caller's network location verification (CAMARA Device Location Verification,
/// `POST /verify`): given `userdata` and the query `(query_json, query_len)` (UTF-8 JSON, not
/// NUL-terminated, borrowed for the call: `{"sensor_id", "imei", "imsi", "msisdn", "latitude",
/// "longitude", "radius_m"}`, an identifier absent when the claims give none), it writes the
/// network's verdict (`AEGIS_NETWORK_VERDICT_*`) to `*verdict` and when the network located the
/// device (Unix seconds; CAMARA's `lastLocationTime`) to `*located_at`, and returns `AEGIS_OK`.
/// Any other return, or a verdict that is no `AEGIS_NETWORK_VERDICT_*`, is
/// `AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE` and the gateway denies (fails closed). It may be
/// called from any thread, concurrently: it must be thread-safe. It must not unwind (no C++
/// exception, no longjmp) across Aegis.
pub type aegis_network_verifier_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        query_json: *const u8,
        query_len: usize,
        verdict: *mut aegis_network_verdict,
        located_at: *mut u64,
    ) -> aegis_status,
>;

/// The callback and its userdata, as a NetworkLocationVerifier.
pub(crate) struct Callback {
    f: unsafe extern "C" fn(
        *mut c_void,
        *const u8,
        usize,
        *mut aegis_network_verdict,
        *mut u64,
    ) -> aegis_status,
    userdata: *mut c_void,
}

impl core::fmt::Debug for Callback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Callback").finish_non_exhaustive()
    }
}

// SAFETY: `aegis_network_verifier_new`'s contract: the callback is thread-safe and userdata
// stays valid, for use from any thread, until the verifier is freed.
unsafe impl Send for Callback {}
// SAFETY: as above.
unsafe impl Sync for Callback {}

impl NetworkLocationVerifier for Callback {
    fn verify(&self, query: &LocationQuery, _now: UnixTime) -> Result<NetworkVerification> {
        let json = query.to_json().to_string();
        let mut verdict: aegis_network_verdict = 0;
        let mut located_at: u64 = 0;
        // SAFETY: `aegis_network_verifier_new`'s contract: f is a thread-safe function of this
        // type and userdata is what it expects; the query and the two out-params are valid for
        // the call.
        let status = unsafe {
            (self.f)(
                self.userdata,
                json.as_ptr(),
                json.len(),
                &mut verdict,
                &mut located_at,
            )
        };
        if status != AEGIS_OK {
            return Err(Error::GatewayNetworkVerifierUnavailable {
                detail: format!("the callback returned status {status}"),
            });
        }
        let verdict = match verdict {
            AEGIS_NETWORK_VERDICT_TRUE => NetworkVerdict::Verified,
            AEGIS_NETWORK_VERDICT_FALSE => NetworkVerdict::NotVerified,
            AEGIS_NETWORK_VERDICT_PARTIAL => NetworkVerdict::Partial,
            AEGIS_NETWORK_VERDICT_UNKNOWN => NetworkVerdict::Unknown,
            v => {
                return Err(Error::GatewayNetworkVerifierUnavailable {
                    detail: format!("the callback's verdict {v} is no AEGIS_NETWORK_VERDICT_*"),
                })
            }
        };
        Ok(NetworkVerification {
            verdict,
            located_at: UnixTime::from_secs(located_at),
        })
    }
}

/// A network location verifier for `aegis_gateway_check`: the caller's callback behind a cache
/// (aegis_core::svid::gateway::CachedNetworkVerifier). May be shared between threads.
#[derive(Debug)]
pub struct aegis_network_verifier {
    pub(crate) inner: CachedNetworkVerifier<Callback>,
}

/// Makes a network location verifier calling `callback` with `userdata`, and writes it to `*out`
/// (the caller frees it with `aegis_network_verifier_free`). An answer of TRUE or FALSE is reused
/// for `cache_ttl_s` seconds (of the decision time `now`) for the same query, so the callback is
/// called at most once per query in that time (900 s is the PoC's 15 minutes; 0 disables the
/// cache); PARTIAL, UNKNOWN and failures are not cached. `userdata` is never read by Aegis: it is
/// handed to the callback and must stay valid until the verifier is freed; the callback may be
/// called from any thread that calls `aegis_gateway_check` with this verifier. A NULL callback is
/// `AEGIS_NULL_POINTER`.
///
/// # Safety
/// `callback` is NULL or a function as `aegis_network_verifier_callback` describes, thread-safe
/// with `userdata`; `out` is valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_network_verifier_new(
    callback: aegis_network_verifier_callback,
    userdata: *mut c_void,
    cache_ttl_s: u64,
    out: *mut *mut aegis_network_verifier,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        let f = callback.ok_or(Failure::NullPointer("callback"))?;
        let inner = CachedNetworkVerifier::new(
            Callback { f, userdata },
            cache_ttl_s,
            DEFAULT_NETWORK_CACHE_CAPACITY,
        );
        out.write_box(aegis_network_verifier { inner });
        Ok(())
    })
}

/// Frees a network location verifier (NULL does nothing). No `aegis_gateway_check` may be using
/// it; after this the callback is no longer called and its userdata may be released.
///
/// # Safety
/// `verifier` is NULL or came from `aegis_network_verifier_new` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn aegis_network_verifier_free(verifier: *mut aegis_network_verifier) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for verifier.
        unsafe { boundary::free(verifier) }
    })
}
