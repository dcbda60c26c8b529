//! The replay cache: every proof token's `jti` is accepted once within its validity window
//! (RFC 9449, 11.1; draft-ietf-wimse-wpt-02, 4.2). The verifier asks a [`ReplayCache`]; a single
//! process hands in the bounded in-memory [`MemoryReplayCache`], a gateway behind a load balancer
//! one its replicas share.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use crate::error::{Error, Result};
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

/// Shards of a [`MemoryReplayCache`]: verifiers on different threads mostly take different
/// locks.
const SHARDS: usize = 16;

/// A bounded in-memory replay cache for one process: at most `capacity` unexpired identifiers,
/// in [`SHARDS`] shards each behind its own lock (a shard holds `capacity / SHARDS`, at least
/// one). An entry leaves when it expires; a shard that is full of unexpired entries refuses a new
/// one with `ReplayCacheFull` (failing closed: forgetting a `jti` early would let its token be
/// replayed).
#[derive(Debug)]
pub struct MemoryReplayCache {
    shards: Vec<Mutex<HashMap<String, UnixTime>>>,
    per_shard: usize,
}

impl MemoryReplayCache {
    /// A cache for at most `capacity` unexpired identifiers (rounded up to a multiple of the
    /// shard count).
    pub fn new(capacity: usize) -> Self {
        MemoryReplayCache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// How many identifiers the cache holds, expired ones not yet evicted included.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }

    /// Whether the cache holds no identifier.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, id: &str) -> Result<&Mutex<HashMap<String, UnixTime>>> {
        let mut h = DefaultHasher::new();
        id.hash(&mut h);
        let i = usize::try_from(h.finish() % SHARDS as u64).unwrap_or(0);
        self.shards.get(i).ok_or(Error::ReplayCacheFull)
    }
}

impl ReplayCache for MemoryReplayCache {
    fn check_and_insert(&self, id: &str, now: UnixTime, expires: UnixTime) -> Result<()> {
        let mut map = self
            .shard(id)?
            .lock()
            .map_err(|_| Error::ReplayCacheUnavailable {
                detail: "a thread panicked while holding the replay cache".to_owned(),
            })?;
        if let Some(&until) = map.get(id) {
            if until > now {
                return Err(Error::TokenReplayed);
            }
        }
        if map.len() >= self.per_shard && !map.contains_key(id) {
            map.retain(|_, until| *until > now);
            if map.len() >= self.per_shard {
                return Err(Error::ReplayCacheFull);
            }
        }
        map.insert(id.to_owned(), expires);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

    #[test]
    fn a_second_use_within_the_window_is_a_replay() {
        let cache = MemoryReplayCache::new(100);
        let exp = T0.saturating_add(60);
        cache.check_and_insert("jkt:1", T0, exp).unwrap();
        assert_eq!(
            cache.check_and_insert("jkt:1", T0.saturating_add(59), exp),
            Err(Error::TokenReplayed)
        );
        cache.check_and_insert("jkt:2", T0, exp).unwrap();
    }

    #[test]
    fn an_expired_entry_frees_its_id() {
        let cache = MemoryReplayCache::new(100);
        cache
            .check_and_insert("a", T0, T0.saturating_add(60))
            .unwrap();
        cache
            .check_and_insert("a", T0.saturating_add(60), T0.saturating_add(120))
            .unwrap();
    }

    #[test]
    fn a_full_cache_fails_closed_until_entries_expire() {
        // One entry per shard: fill until some shard refuses.
        let cache = MemoryReplayCache::new(1);
        let exp = T0.saturating_add(60);
        let refused = (0..1000)
            .map(|i| cache.check_and_insert(&format!("id{i}"), T0, exp))
            .find(Result::is_err);
        assert_eq!(refused, Some(Err(Error::ReplayCacheFull)));
        assert!(cache.len() <= SHARDS);
        // Once the entries expire, every shard takes a new one again.
        for i in 0..1000 {
            cache
                .check_and_insert(&format!("id{i}"), exp, exp.saturating_add(60))
                .or_else(|e| {
                    if e == Error::ReplayCacheFull {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .unwrap();
        }
        cache
            .check_and_insert("late", exp.saturating_add(60), exp.saturating_add(120))
            .unwrap();
    }

    #[test]
    fn a_poisoned_shard_fails_closed() {
        let cache = Arc::new(MemoryReplayCache::new(100));
        let shard_cache = Arc::clone(&cache);
        // A verifier thread that panics while it holds the id's shard poisons the lock.
        let _ = std::thread::spawn(move || {
            let _held = shard_cache.shard("id").unwrap().lock().unwrap();
            panic!("a verifier panicked while holding the shard");
        })
        .join();
        assert!(matches!(
            cache.check_and_insert("id", T0, T0.saturating_add(60)),
            Err(Error::ReplayCacheUnavailable { .. })
        ));
    }

    #[test]
    fn racing_threads_see_exactly_one_success_per_id() {
        let cache = Arc::new(MemoryReplayCache::new(10_000));
        let wins = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, wins) = (Arc::clone(&cache), Arc::clone(&wins));
                std::thread::spawn(move || {
                    for i in 0..500 {
                        match cache.check_and_insert(&format!("id{i}"), T0, T0.saturating_add(60)) {
                            Ok(()) => {
                                wins.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => assert_eq!(e, Error::TokenReplayed),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::Relaxed), 500);
        assert_eq!(cache.len(), 500);
    }
}
