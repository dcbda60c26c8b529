//! The replay cache: every proof token's `jti` is accepted once within its validity window
//! (RFC 9449, 11.1; draft-ietf-wimse-wpt-02, 4.2). The verifier asks a [`ReplayCache`]; a
//! gateway behind a load balancer hands in one its replicas share (the Redis implementation in
//! the `aegis-replay-redis` crate), a single process the bounded in-memory one.

use crate::error::Result;
use crate::time::UnixTime;

/// A store of proof-token identifiers already seen. Implementations are safe for concurrent
/// use: two verifiers that race on one identifier see exactly one `Ok`.
pub trait ReplayCache: Send + Sync {
    /// Records `id` (a verifier-built key naming the token, e.g. its key thumbprint and `jti`)
    /// as seen until `expires`, atomically with the check that it was not seen before.
    ///
    /// `TokenReplayed` when `id` is recorded and has not expired at `now`;
    /// `ReplayCacheUnavailable` when the store cannot be reached or answers badly, and
    /// `ReplayCacheFull` when a bounded store has no room: verification then fails closed.
    fn check_and_insert(&self, id: &str, now: UnixTime, expires: UnixTime) -> Result<()>;
}
