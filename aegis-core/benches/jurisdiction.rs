//! Criterion bench: `geo::jurisdiction::resolve` per reading (issue 11, item 9: a point lookup
//! median under 1 µs).
//!
//! `cargo bench -p aegis-core --bench jurisdiction`. The points are 1,000 fixed pseudo-random
//! positions over populated regions (Europe, North America, South and East Asia, Africa) and a
//! few at sea; each iteration resolves the next one. `point` is a reading without an accuracy
//! radius, `25m` and `1km` are circles (GNSS-like and cell-like). After the criterion groups the
//! bench prints the median over the points of each point's own time (`per-point median`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Instant;

use aegis_core::geo::jurisdiction::Jurisdictions;
use criterion::{criterion_group, criterion_main, Criterion};

/// (south, west, north, east) regions the points are drawn from, with their weights.
const REGIONS: [((f64, f64, f64, f64), u32); 6] = [
    ((36.0, -10.0, 60.0, 30.0), 4),   // Europe
    ((30.0, -122.0, 48.0, -75.0), 2), // United States
    ((10.0, 70.0, 30.0, 88.0), 1),    // India
    ((22.0, 100.0, 40.0, 122.0), 1),  // China
    ((-30.0, 15.0, 10.0, 40.0), 1),   // Africa
    ((-40.0, -60.0, 40.0, -20.0), 1), // Atlantic
];

fn points() -> Vec<(f64, f64)> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let total: u32 = REGIONS.iter().map(|r| r.1).sum();
    (0..1000)
        .map(|i| {
            let mut k = i % total;
            let ((s, w, n, e), _) = *REGIONS
                .iter()
                .find(|r| {
                    if k < r.1 {
                        true
                    } else {
                        k -= r.1;
                        false
                    }
                })
                .unwrap();
            (s + next() * (n - s), w + next() * (e - w))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let j = Jurisdictions::embedded().unwrap();
    let pts = points();
    let mut group = c.benchmark_group("jurisdiction");
    for (name, accuracy) in [("point", 0.0), ("25m", 25.0), ("1km", 1000.0)] {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let (lat, lon) = pts[i % pts.len()];
                i += 1;
                black_box(j.resolve(black_box(lat), black_box(lon), accuracy).unwrap())
            })
        });
    }
    group.finish();

    // Each point's own time (mean of 2,000 repetitions), then the median over the points.
    for (name, accuracy) in [("point", 0.0), ("25m", 25.0)] {
        let mut each: Vec<f64> = pts
            .iter()
            .map(|&(lat, lon)| {
                let start = Instant::now();
                for _ in 0..2000 {
                    black_box(j.resolve(black_box(lat), black_box(lon), accuracy).unwrap());
                }
                start.elapsed().as_secs_f64() / 2000.0
            })
            .collect();
        each.sort_by(f64::total_cmp);
        println!(
            "jurisdiction/{name}: per-point median {:.0} ns, 90th percentile {:.0} ns, max {:.0} ns",
            each[each.len() / 2] * 1e9,
            each[each.len() * 9 / 10] * 1e9,
            each[each.len() - 1] * 1e9
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
