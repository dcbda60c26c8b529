//! The timing loops shared by the in-process benchmark binaries (bench_quote, bench_verify_loop).
//! A benchmark, not a test (TESTING.md).
//!
//! - `run_and_print`: calibrate each candidate to about `sample_ms` per sample, then take the
//!   samples interleaved, candidate after candidate, so that machine noise hits all of them
//!   alike; print one JSON line per candidate with its median.
//! - `serve`: the same calibration, then one sample per request read from stdin, so that a
//!   driver can interleave the samples of several processes (benches/bindings_overhead.py
//!   alternates Rust, Python and Go sample by sample).

use std::io::BufRead;
use std::time::{Duration, Instant};

/// One candidate: a closure doing one call of the work measured.
pub type Job<'a> = Box<dyn FnMut() + 'a>;

/// Iterations per sample for each job: about `sample_ms` each, after a warm-up.
fn calibrate(jobs: &mut [(String, Job<'_>)], sample_ms: u64) -> Vec<u64> {
    let target = Duration::from_millis(sample_ms);
    let mut iters = Vec::with_capacity(jobs.len());
    for (_, job) in jobs.iter_mut() {
        for _ in 0..10 {
            job(); // warm-up
        }
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < target / 4 {
            job();
            n += 1;
        }
        iters.push((n * 4).max(1));
    }
    iters
}

/// Nanoseconds per call over one sample of `iters` calls.
fn sample(job: &mut Job<'_>, iters: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        job();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// Runs `jobs` as described in the module doc and prints
/// {"vector", "candidate", "median_ns", "samples", "iters"} for each.
pub fn run_and_print(vector: &str, jobs: &mut [(String, Job<'_>)], sample_ms: u64, samples: usize) {
    let iters = calibrate(jobs, sample_ms);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); jobs.len()];
    for _ in 0..samples {
        for (j, (_, job)) in jobs.iter_mut().enumerate() {
            times[j].push(sample(job, iters[j]));
        }
    }
    for (j, (name, _)) in jobs.iter().enumerate() {
        let t = &mut times[j];
        t.sort_by(f64::total_cmp);
        println!(
            "{}",
            serde_json::json!({
                "vector": vector, "candidate": name, "median_ns": t[t.len() / 2].round(),
                "samples": samples, "iters": iters[j],
            })
        );
    }
}

/// Sample server: calibrates `jobs`, prints {"ready": [job names], ...ready_extra}, then for
/// each stdin line naming a job runs one sample of it and prints {"ns": ns per call}; an
/// unknown name prints {"error": ...}; end of input ends.
pub fn serve(jobs: &mut [(String, Job<'_>)], sample_ms: u64, ready_extra: serde_json::Value) {
    let iters = calibrate(jobs, sample_ms);
    let mut ready = ready_extra;
    ready["ready"] = jobs.iter().map(|(name, _)| name.clone()).collect();
    println!("{ready}");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let name = line.trim();
        match jobs.iter_mut().position(|(n, _)| n == name) {
            Some(j) => println!(
                "{}",
                serde_json::json!({ "ns": sample(&mut jobs[j].1, iters[j]) })
            ),
            None => println!(
                "{}",
                serde_json::json!({ "error": format!("no job {name:?}") })
            ),
        }
    }
}
