//! A replay cache on Redis for Aegis proof tokens (DPoR, DPoG, WPT), for verifiers behind a load
//! balancer: every replica asks the same Redis, so a token's `jti` is accepted once across all of
//! them (issue 12, item 3).
//!
//! [`RedisReplayCache`] implements [`aegis_core::token::ReplayCache`] with one command per
//! check, `SET <prefix><id> 1 NX EX <ttl>`: Redis runs it atomically, so of two verifiers that
//! race on one identifier exactly one sees `OK` (accepted) and the other `nil`
//! ([`Error::TokenReplayed`]). The entry expires in Redis `expires - now` seconds later (at
//! least one second), so the store stays bounded by the token window; Redis's own memory
//! limit is the operator's (a `maxmemory-policy` that evicts keys would forget `jti`s early:
//! use `noeviction`, which makes a full Redis answer with an error, so verification fails
//! closed).
//!
//! Failing closed: a store that cannot be reached, a connect or response timeout, a dropped
//! connection or an unexpected reply is [`Error::ReplayCacheUnavailable`] with the cause; the
//! verifier then refuses the token. The next check reconnects (each pooled connection is
//! re-established after an error), so a restarted Redis is picked up without a new cache.
//!
//! This crate does I/O, so it is an adapter outside aegis-core (ARCHITECTURE.md, Crate roles).
//! It uses the `redis` crate's synchronous API with its default features off (no async
//! runtime, no TLS: put Redis on loopback or a private network).
//!
//! ```no_run
//! use aegis_core::time::UnixTime;
//! use aegis_core::token::ReplayCache;
//! use aegis_replay_redis::{RedisReplayCache, RedisReplayConfig};
//!
//! let cache = RedisReplayCache::open(&RedisReplayConfig::new("redis://127.0.0.1:6379/0"))?;
//! let now = UnixTime::from_secs(1_700_000_000);
//! cache.check_and_insert("jkt:jti", now, now.saturating_add(60))?;
//! # Ok::<(), aegis_core::error::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aegis_core::error::{Error, Result};
use aegis_core::time::UnixTime;
use aegis_core::token::ReplayCache;
use redis::{Client, ConnectionAddr, Value};

/// How a [`RedisReplayCache`] reaches its store. [`RedisReplayConfig::new`] sets the defaults:
/// key prefix `aegis:jti:`, 2 s to connect, 1 s for a reply, 4 pooled connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisReplayConfig {
    /// `redis://HOST:PORT[/DB]` (`redis://[USER][:PASSWORD@]HOST:PORT[/DB]` with ACLs). Only the
    /// `redis` scheme over TCP is accepted.
    pub url: String,
    /// Put in front of every identifier, so several deployments (or other data) can share one
    /// Redis.
    pub key_prefix: String,
    /// The longest a TCP connect (and the Redis handshake) may take.
    pub connect_timeout: Duration,
    /// The longest a command may wait to be written and for its reply.
    pub response_timeout: Duration,
    /// Connections kept open; concurrent checks use different ones. At least 1.
    pub pool_size: usize,
}

impl RedisReplayConfig {
    /// The defaults for the store at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisReplayConfig {
            url: url.into(),
            key_prefix: "aegis:jti:".to_owned(),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(1),
            pool_size: 4,
        }
    }
}

/// A [`ReplayCache`] on a Redis server that several verifiers share (module documentation).
pub struct RedisReplayCache {
    client: Client,
    /// `host:port` for error messages (the URL may hold a password).
    endpoint: String,
    key_prefix: String,
    connect_timeout: Duration,
    response_timeout: Duration,
    /// Lazily (re)connected: `None` until the first use and after an error.
    pool: Vec<Mutex<Option<redis::Connection>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for RedisReplayCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisReplayCache")
            .field("endpoint", &self.endpoint)
            .field("key_prefix", &self.key_prefix)
            .field("pool_size", &self.pool.len())
            .finish_non_exhaustive()
    }
}

fn unavailable(detail: String) -> Error {
    Error::ReplayCacheUnavailable { detail }
}

impl RedisReplayCache {
    /// Checks the configuration and connects once, so a wrong address shows at start-up.
    ///
    /// `ReplayCacheUnavailable` when the URL is not `redis://HOST:PORT[/DB]`, a timeout is
    /// zero, or the store cannot be reached.
    pub fn open(config: &RedisReplayConfig) -> Result<Self> {
        let cache = Self::new_lazy(config)?;
        cache.with_connection(|_| Ok(()))?;
        Ok(cache)
    }

    /// As [`RedisReplayCache::open`] without connecting: the first check connects (and fails
    /// closed if it cannot).
    pub fn new_lazy(config: &RedisReplayConfig) -> Result<Self> {
        if !config.url.starts_with("redis://") {
            return Err(unavailable(
                "the replay cache URL must be redis://HOST:PORT[/DB]".to_owned(),
            ));
        }
        if config.connect_timeout.is_zero() || config.response_timeout.is_zero() {
            return Err(unavailable(
                "the replay cache timeouts must be longer than zero".to_owned(),
            ));
        }
        let client = Client::open(config.url.as_str())
            .map_err(|e| unavailable(format!("bad replay cache URL: {e}")))?;
        let endpoint = match &client.get_connection_info().addr {
            ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
            _ => {
                return Err(unavailable(
                    "the replay cache URL must be redis://HOST:PORT[/DB] (TCP)".to_owned(),
                ))
            }
        };
        Ok(RedisReplayCache {
            client,
            endpoint,
            key_prefix: config.key_prefix.clone(),
            connect_timeout: config.connect_timeout,
            response_timeout: config.response_timeout,
            pool: (0..config.pool_size.max(1))
                .map(|_| Mutex::new(None))
                .collect(),
            next: AtomicUsize::new(0),
        })
    }

    /// A free pooled connection if there is one, else the next in turn (waiting for it).
    fn slot(&self) -> Result<MutexGuard<'_, Option<redis::Connection>>> {
        if let Some(free) = self.pool.iter().find_map(|m| m.try_lock().ok()) {
            return Ok(free);
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        let slot = self
            .pool
            .get(i)
            .ok_or_else(|| unavailable("empty connection pool".to_owned()))?;
        // A thread that panicked mid-command may leave a half-read reply: drop that connection.
        Ok(slot.lock().unwrap_or_else(|poisoned: PoisonError<_>| {
            let mut guard = poisoned.into_inner();
            *guard = None;
            guard
        }))
    }

    /// Runs `f` on a pooled connection, connecting first if needed; after any error the
    /// connection is dropped so the next use reconnects.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T> {
        let mut slot = self.slot()?;
        if slot.is_none() {
            *slot = Some(self.connect()?);
        }
        let conn = slot
            .as_mut()
            .ok_or_else(|| unavailable("no connection".to_owned()))?;
        f(conn).map_err(|e| {
            *slot = None;
            self.describe(&e)
        })
    }

    fn connect(&self) -> Result<redis::Connection> {
        let conn = self
            .client
            .get_connection_with_timeout(self.connect_timeout)
            .map_err(|e| self.describe(&e))?;
        conn.set_read_timeout(Some(self.response_timeout))
            .and_then(|()| conn.set_write_timeout(Some(self.response_timeout)))
            .map_err(|e| self.describe(&e))?;
        Ok(conn)
    }

    fn describe(&self, e: &redis::RedisError) -> Error {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connection_refusal() {
            "connection refused"
        } else if e.is_connection_dropped() {
            "connection dropped"
        } else {
            "error"
        };
        unavailable(format!("redis at {}: {what}: {e}", self.endpoint))
    }
}

impl ReplayCache for RedisReplayCache {
    fn check_and_insert(&self, id: &str, now: UnixTime, expires: UnixTime) -> Result<()> {
        // Redis counts the TTL on its own clock; `EX 0` is refused, so at least one second.
        let ttl = expires.as_secs().saturating_sub(now.as_secs()).max(1);
        let reply: Value = self.with_connection(|conn| {
            redis::cmd("SET")
                .arg(format!("{}{id}", self.key_prefix))
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(ttl)
                .query(conn)
        })?;
        match reply {
            Value::Okay => Ok(()),
            Value::Nil => Err(Error::TokenReplayed),
            other => Err(unavailable(format!(
                "redis at {}: unexpected reply to SET NX: {other:?}",
                self.endpoint
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redis_urls_over_tcp_are_taken() {
        for url in [
            "http://127.0.0.1:6379",
            "rediss://127.0.0.1:6379",
            "redis+unix:///tmp/redis.sock",
            "unix:///tmp/redis.sock",
            "127.0.0.1:6379",
            "redis://",
        ] {
            let err = RedisReplayCache::new_lazy(&RedisReplayConfig::new(url)).unwrap_err();
            assert!(
                matches!(err, Error::ReplayCacheUnavailable { .. }),
                "{url}: {err:?}"
            );
        }
        let cache =
            RedisReplayCache::new_lazy(&RedisReplayConfig::new("redis://:secret@127.0.0.1:6380/2"))
                .unwrap();
        let shown = format!("{cache:?}");
        assert!(shown.contains("127.0.0.1:6380") && !shown.contains("secret"));
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let mut config = RedisReplayConfig::new("redis://127.0.0.1:6379");
        config.response_timeout = Duration::ZERO;
        assert!(matches!(
            RedisReplayCache::new_lazy(&config),
            Err(Error::ReplayCacheUnavailable { .. })
        ));
    }
}
