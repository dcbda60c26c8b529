//! Criterion bench: the cost of one replay-cache check (issue 12, item 10), as a proof-token
//! verifier makes it (`<RFC 7638 thumbprint>:<jti>`, a fresh identifier each time):
//!
//! - `replay/memory/<n>-thread`: `MemoryReplayCache` (capacity 65,536; a 2 s window with a
//!   simulated clock advancing one second per 10,000 checks, so 20,000 to 40,000 live entries,
//!   and expired ones evicted as shards fill);
//! - `replay/redis/<n>-thread`: `RedisReplayCache` against a local redis-server (started here on
//!   a free loopback port, stopped at the end), one pooled connection per thread; the
//!   identifier is formatted in the loop (about 0.1 us, small beside the loopback round trip).
//!
//! An iteration is one check on each of the n threads at once (criterion's throughput line is
//! checks per second; time per check = time per iteration / n).
//!
//! `cargo bench -p aegis-replay-redis --bench replay`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[allow(dead_code)] // the tests use all of it, the bench part
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aegis_core::time::UnixTime;
use aegis_core::token::{MemoryReplayCache, ReplayCache};
use aegis_replay_redis::{RedisReplayCache, RedisReplayConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const T0: u64 = 1_700_000_000;
const CHECKS_PER_SECOND: u64 = 10_000;
/// Identifiers made ahead of time for the in-memory cache (a ring: by the time it wraps, the
/// simulated clock is 26 s further and every earlier entry has expired).
const RING: usize = 1 << 18;

struct Load {
    cache: Box<dyn ReplayCache>,
    /// The token window in (simulated) seconds.
    window: u64,
    ids: Vec<String>,
    next: AtomicU64,
    /// The simulated clock all threads read, as verifiers share the wall clock: one second per
    /// `CHECKS_PER_SECOND` checks made on any thread (`done`, counted in steps of 1,024). A
    /// clock per thread would let a thread that ran ahead, or one left alone at the end, see
    /// the other's entries as unexpired and fill the cache.
    clock: AtomicU64,
    done: AtomicU64,
}

fn id(n: u64) -> String {
    // A 43-character base64url thumbprint and a UUID-shaped jti, as the verifier builds them.
    format!("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs:{n:08x}-0000-4000-8000-{n:012x}")
}

impl Load {
    fn new(cache: Box<dyn ReplayCache>, window: u64, ring: bool) -> Arc<Self> {
        let ids = if ring {
            (0..RING as u64).map(id).collect()
        } else {
            Vec::new()
        };
        Arc::new(Load {
            cache,
            window,
            ids,
            next: AtomicU64::new(0),
            clock: AtomicU64::new(T0),
            done: AtomicU64::new(0),
        })
    }

    /// Check `n`, the `k`th on its thread.
    fn check(&self, n: u64, k: u64) {
        if k % 1024 == 0 {
            let done = self.done.fetch_add(1024, Ordering::Relaxed) + 1024;
            self.clock
                .fetch_max(T0 + done / CHECKS_PER_SECOND, Ordering::Relaxed);
        }
        let now = UnixTime::from_secs(self.clock.load(Ordering::Relaxed));
        let expires = now.saturating_add(self.window);
        let got = if self.ids.is_empty() {
            self.cache.check_and_insert(&id(n), now, expires)
        } else {
            let i = usize::try_from(n).unwrap() % RING;
            self.cache.check_and_insert(&self.ids[i], now, expires)
        };
        if let Err(e) = got {
            panic!("check {n}: {e}");
        }
    }

    /// `iters` checks on each of `threads` threads, interleaved so the simulated clock
    /// advances alike on all of them; the wall time of the whole batch.
    fn run(self: &Arc<Self>, threads: u64, iters: u64) -> Duration {
        let base = self.next.fetch_add(iters * threads, Ordering::Relaxed);
        let start = Instant::now();
        if threads == 1 {
            (0..iters).for_each(|k| self.check(base + k, k));
        } else {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let load = Arc::clone(self);
                    std::thread::spawn(move || {
                        (0..iters).for_each(|k| load.check(base + k * threads + t, k));
                    })
                })
                .collect();
            workers.into_iter().for_each(|w| w.join().unwrap());
        }
        start.elapsed()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("replay");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);

    let memory = Load::new(Box::new(MemoryReplayCache::new(1 << 16)), 2, true);
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(threads));
        group.bench_function(format!("memory/{threads}-thread"), |b| {
            b.iter_custom(|iters| memory.run(threads, iters))
        });
    }

    let Some(server) = support::RedisServer::start() else {
        return;
    };
    let mut config = RedisReplayConfig::new(server.url());
    config.pool_size = 2;
    let redis = Load::new(
        Box::new(RedisReplayCache::open(&config).unwrap()),
        60,
        false,
    );
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(threads));
        group.bench_function(format!("redis/{threads}-thread"), |b| {
            b.iter_custom(|iters| redis.run(threads, iters))
        });
    }
    group.finish();
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
