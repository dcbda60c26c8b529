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

/// Most shards of a [`MemoryReplayCache`]: verifiers on different threads mostly take different
/// locks.
const SHARDS: usize = 16;

/// Fewest identifiers per shard: a small cache has fewer shards, so that identifiers that hash
/// unevenly do not fill one shard while the cache holds far fewer than `capacity`.
const MIN_PER_SHARD: usize = 64;

/// A bounded in-memory replay cache for one process: at most `capacity` unexpired identifiers,
/// in up to `SHARDS` (16) shards, one per `MIN_PER_SHARD` (64) identifiers of capacity, each
/// behind its own lock and holding its share of `capacity`. An entry leaves when it expires; a shard that is
/// full of unexpired entries refuses a new one with `ReplayCacheFull` (failing closed: forgetting
/// a `jti` early would let its token be replayed).
#[derive(Debug)]
pub struct MemoryReplayCache {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

/// One shard: identifiers and when each expires.
#[derive(Debug, Default)]
struct Shard {
    entries: HashMap<String, UnixTime>,
    /// No entry expires before this (kept by every insert and sweep), so a shard full of
    /// unexpired entries refuses at once instead of sweeping on every request.
    earliest: Option<UnixTime>,
}

impl MemoryReplayCache {
    /// A cache for at most `capacity` unexpired identifiers (rounded up to a multiple of the
    /// shard count).
    pub fn new(capacity: usize) -> Self {
        let shards = (capacity / MIN_PER_SHARD).clamp(1, SHARDS);
        MemoryReplayCache {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard: capacity.div_ceil(shards).max(1),
        }
    }

    /// How many identifiers the cache holds, expired ones not yet evicted included.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.entries.len()))
            .sum()
    }

    /// Whether the cache holds no identifier.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, id: &str) -> Result<&Mutex<Shard>> {
        let mut h = DefaultHasher::new();
        id.hash(&mut h);
        let n = u64::try_from(self.shards.len()).unwrap_or(1).max(1);
        let i = usize::try_from(h.finish() % n).unwrap_or(0);
        self.shards.get(i).ok_or(Error::ReplayCacheFull)
    }
}

impl ReplayCache for MemoryReplayCache {
    fn check_and_insert(&self, id: &str, now: UnixTime, expires: UnixTime) -> Result<()> {
        let mut shard = self
            .shard(id)?
            .lock()
            .map_err(|_| Error::ReplayCacheUnavailable {
                detail: "a thread panicked while holding the replay cache".to_owned(),
            })?;
        if let Some(&until) = shard.entries.get(id) {
            if until > now {
                return Err(Error::TokenReplayed);
            }
        }
        if shard.entries.len() >= self.per_shard && !shard.entries.contains_key(id) {
            if shard.earliest.is_some_and(|e| e > now) {
                return Err(Error::ReplayCacheFull);
            }
            shard.entries.retain(|_, until| *until > now);
            shard.earliest = shard.entries.values().min().copied();
            if shard.entries.len() >= self.per_shard {
                return Err(Error::ReplayCacheFull);
            }
        }
        shard.entries.insert(id.to_owned(), expires);
        shard.earliest = Some(shard.earliest.map_or(expires, |e| e.min(expires)));
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

    /// A small cache is one shard, so it takes exactly `capacity` identifiers however they hash;
    /// a large one spreads over [`SHARDS`] shards.
    #[test]
    fn a_small_cache_holds_its_whole_capacity() {
        let exp = T0.saturating_add(60);
        for capacity in [1, 16, 63] {
            let cache = MemoryReplayCache::new(capacity);
            for i in 0..capacity {
                cache.check_and_insert(&format!("k{i}"), T0, exp).unwrap();
            }
            assert_eq!(
                cache.check_and_insert("one-more", T0, exp),
                Err(Error::ReplayCacheFull)
            );
        }
        assert_eq!(MemoryReplayCache::new(64 * 100).shards.len(), SHARDS);
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

    #[test]
    fn of_threads_racing_on_one_id_exactly_one_wins() {
        let cache = Arc::new(MemoryReplayCache::new(1000));
        for round in 0..50 {
            let id = format!("same-{round}");
            let start = Arc::new(std::sync::Barrier::new(8));
            let threads: Vec<_> = (0..8)
                .map(|_| {
                    let (cache, start, id) = (Arc::clone(&cache), Arc::clone(&start), id.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        cache.check_and_insert(&id, T0, T0.saturating_add(60))
                    })
                })
                .collect();
            let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                1,
                "{results:?}"
            );
            assert!(results
                .iter()
                .all(|r| r.is_ok() || *r == Err(Error::TokenReplayed)));
        }
    }

    /// Loom-free stress: 4 threads over an overlapping pool of ids larger than the capacity,
    /// in phases of one second (a barrier between phases; entries last one phase). In every
    /// phase each id is accepted at most once, an accepted id is a replay for every other
    /// attempt, the cache never holds more than its capacity, and expiry frees room again.
    #[test]
    fn stress_with_a_full_cache_and_expiry() {
        const THREADS: usize = 4;
        const POOL: usize = 3000;
        let cache = Arc::new(MemoryReplayCache::new(1024));
        let bound = 1024_usize.div_ceil(SHARDS) * SHARDS;
        for phase in 0..30_u64 {
            let now = T0.saturating_add(phase);
            let start = Arc::new(std::sync::Barrier::new(THREADS));
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (cache, start) = (Arc::clone(&cache), Arc::clone(&start));
                    std::thread::spawn(move || {
                        start.wait();
                        let mut outcomes = Vec::with_capacity(POOL);
                        for k in 0..POOL {
                            let i = (k + t * POOL / THREADS) % POOL;
                            let id = format!("p{}-{i}", phase % 3);
                            let got = cache.check_and_insert(&id, now, now.saturating_add(1));
                            outcomes.push((i, got));
                        }
                        outcomes
                    })
                })
                .collect();
            let mut oks = vec![0_usize; POOL];
            let mut replays = vec![0_usize; POOL];
            for t in threads {
                for (i, got) in t.join().unwrap() {
                    match got {
                        Ok(()) => oks[i] += 1,
                        Err(Error::TokenReplayed) => replays[i] += 1,
                        Err(Error::ReplayCacheFull) => {}
                        Err(e) => panic!("unexpected {e:?}"),
                    }
                }
            }
            assert!(
                oks.iter().all(|&n| n <= 1),
                "phase {phase}: an id accepted twice"
            );
            for i in 0..POOL {
                if oks[i] == 1 {
                    assert_eq!(replays[i], THREADS - 1, "phase {phase}, id {i}");
                }
            }
            let accepted: usize = oks.iter().sum();
            assert!(
                accepted > 0 && accepted <= bound,
                "phase {phase}: {accepted}"
            );
            assert!(cache.len() <= bound);
        }
    }
}
