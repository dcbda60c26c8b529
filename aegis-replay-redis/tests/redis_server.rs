//! RedisReplayCache against a real redis-server (Debian package redis-server), started by each
//! test on a free loopback port and stopped by pid. Without redis-server the tests skip loudly,
//! unless AEGIS_REQUIRE_REDIS=1 (CI: .ci/run), which makes that a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aegis_core::error::Error;
use aegis_core::time::UnixTime;
use aegis_core::token::ReplayCache;
use aegis_replay_redis::{RedisReplayCache, RedisReplayConfig};
use support::{free_port, RedisServer};

const T0: UnixTime = UnixTime::from_secs(1_700_000_000);

fn cache(url: &str) -> RedisReplayCache {
    RedisReplayCache::open(&RedisReplayConfig::new(url)).unwrap()
}

fn assert_unavailable(got: aegis_core::error::Result<()>, cause: &str) {
    match got {
        Err(Error::ReplayCacheUnavailable { detail }) => {
            assert!(detail.contains(cause), "cause {cause:?} not in {detail:?}")
        }
        other => panic!("expected ReplayCacheUnavailable ({cause}), got {other:?}"),
    }
}

#[test]
fn a_second_use_is_a_replay() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let c = cache(&server.url());
    let exp = T0.saturating_add(60);
    c.check_and_insert("jkt:1", T0, exp).unwrap();
    assert_eq!(
        c.check_and_insert("jkt:1", T0.saturating_add(1), exp),
        Err(Error::TokenReplayed)
    );
    c.check_and_insert("jkt:2", T0, exp).unwrap();

    // The entry is under the prefix, with the token window as its TTL.
    let mut raw = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let ttl: i64 = redis::cmd("TTL")
        .arg("aegis:jti:jkt:1")
        .query(&mut raw)
        .unwrap();
    assert!((55..=60).contains(&ttl), "TTL {ttl}");
}

#[test]
fn the_key_prefix_separates_deployments() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut config = RedisReplayConfig::new(server.url());
    let a = RedisReplayCache::open(&config).unwrap();
    config.key_prefix = "other:".to_owned();
    let b = RedisReplayCache::open(&config).unwrap();
    let exp = T0.saturating_add(60);
    a.check_and_insert("x", T0, exp).unwrap();
    b.check_and_insert("x", T0, exp).unwrap();
    assert_eq!(b.check_and_insert("x", T0, exp), Err(Error::TokenReplayed));
}

#[test]
fn an_expired_entry_frees_its_id() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let c = cache(&server.url());
    // A one-second window (Redis's clock counts it, not `now`).
    c.check_and_insert("short", T0, T0.saturating_add(1))
        .unwrap();
    assert_eq!(
        c.check_and_insert("short", T0, T0.saturating_add(1)),
        Err(Error::TokenReplayed)
    );
    std::thread::sleep(Duration::from_millis(1300));
    c.check_and_insert("short", T0.saturating_add(1), T0.saturating_add(2))
        .unwrap();
    // An already-expired window is still recorded for a second (EX 0 does not exist).
    c.check_and_insert("late", T0, T0).unwrap();
    assert_eq!(
        c.check_and_insert("late", T0, T0),
        Err(Error::TokenReplayed)
    );
}

#[test]
fn two_verifiers_sharing_one_redis_accept_a_token_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // Two verifier replicas: separate caches, separate connections, one Redis.
    let first = cache(&server.url());
    let second = cache(&server.url());
    let exp = T0.saturating_add(60);
    first.check_and_insert("jkt:jti-1", T0, exp).unwrap();
    assert_eq!(
        second.check_and_insert("jkt:jti-1", T0, exp),
        Err(Error::TokenReplayed)
    );

    // Both replicas racing on the same identifiers, 4 threads each: one winner per id.
    let replicas = [Arc::new(first), Arc::new(second)];
    let wins = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = Arc::clone(&replicas[t % 2]);
            let wins = Arc::clone(&wins);
            std::thread::spawn(move || {
                for i in 0..200 {
                    match c.check_and_insert(&format!("race-{i}"), T0, exp) {
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
    assert_eq!(wins.load(Ordering::Relaxed), 200);
}

#[test]
fn a_store_that_cannot_be_reached_fails_closed() {
    // No redis-server needed: nothing listens on this port.
    let url = format!("redis://127.0.0.1:{}", free_port());
    assert_unavailable(
        RedisReplayCache::open(&RedisReplayConfig::new(url.as_str())).map(|_| ()),
        "connection refused",
    );
    let lazy = RedisReplayCache::new_lazy(&RedisReplayConfig::new(url)).unwrap();
    assert_unavailable(
        lazy.check_and_insert("x", T0, T0.saturating_add(60)),
        "connection refused",
    );
}

#[test]
fn a_store_that_does_not_answer_times_out() {
    // A socket that accepts connections (backlog) and never replies.
    let silent = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut config = RedisReplayConfig::new(format!("redis://127.0.0.1:{port}"));
    config.connect_timeout = Duration::from_millis(300);
    config.response_timeout = Duration::from_millis(300);
    let lazy = RedisReplayCache::new_lazy(&config).unwrap();
    let start = Instant::now();
    let got = lazy.check_and_insert("x", T0, T0.saturating_add(60));
    assert!(
        matches!(got, Err(Error::ReplayCacheUnavailable { .. })),
        "{got:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn redis_stopped_midway_fails_closed_and_a_restart_is_picked_up() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let c = cache(&server.url());
    let exp = T0.saturating_add(60);
    c.check_and_insert("before", T0, exp).unwrap();
    let port = server.port;
    server.stop();
    // Neither accepted nor called a replay: the store is gone.
    for _ in 0..3 {
        assert_unavailable(c.check_and_insert("before", T0, exp), "redis at 127.0.0.1");
        assert_unavailable(c.check_and_insert("after", T0, exp), "redis at 127.0.0.1");
    }
    // A new Redis on the same port: the same cache reconnects (the old entries are gone with
    // the old server, as with any restart of a store without persistence).
    let Some(_restarted) = RedisServer::start_on(port) else {
        return;
    };
    c.check_and_insert("after", T0, exp).unwrap();
    assert_eq!(
        c.check_and_insert("after", T0, exp),
        Err(Error::TokenReplayed)
    );
}
