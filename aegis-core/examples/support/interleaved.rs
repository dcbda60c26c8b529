//! The timing loop shared by the in-process benchmark binaries (bench_quote, bench_verify_loop):
//! calibrate each candidate to about `sample_ms` per sample, then take the samples interleaved,
//! candidate after candidate, so that machine noise hits all of them alike; print one JSON line
//! per candidate with its median. A benchmark, not a test (TESTING.md).

use std::time::{Duration, Instant};

/// One candidate: a closure doing one call of the work measured.
pub type Job<'a> = Box<dyn FnMut() + 'a>;

/// Runs `jobs` as described above and prints
/// {"vector", "candidate", "median_ns", "samples", "iters"} for each.
pub fn run_and_print(vector: &str, jobs: &mut [(String, Job<'_>)], sample_ms: u64, samples: usize) {
    let target = Duration::from_millis(sample_ms);
    let mut iters: Vec<u64> = Vec::new();
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
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); jobs.len()];
    for _ in 0..samples {
        for (j, (_, job)) in jobs.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..iters[j] {
                job();
            }
            times[j].push(start.elapsed().as_nanos() as f64 / iters[j] as f64);
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
