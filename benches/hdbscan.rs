//! HDBSCAN at 10^4 and 10^5 points on the golden generator's distribution (see
//! `benches/common/cluster_city.rs`), min_cluster_size = 25 (min_samples = 25,
//! scikit-learn's default), and 4,000 copies of one point (the duplicate case of
//! issues 12 and 17).
//!
//! Run: `cargo bench --bench hdbscan`. The 10^6 run and the side-by-side comparison
//! with the hdbscan library and scikit-learn are in `scripts/bench/clusters.sh`.

use crimescape::{hdbscan, HdbscanParams};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
#[path = "common/cluster_city.rs"]
mod cluster_city;
use cluster_city::points;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("hdbscan_mcs25");
    g.sample_size(10);
    for n in [10_000usize, 100_000] {
        let pts = points(n, 7);
        g.bench_with_input(BenchmarkId::from_parameter(n), &pts, |b, pts| {
            b.iter(|| hdbscan(pts, &HdbscanParams::new(25)).expect("hdbscan"))
        });
    }
    let same = vec![[440_000.0, 4_420_000.0]; 4000];
    g.bench_function("4000_identical", |b| {
        b.iter(|| hdbscan(&same, &HdbscanParams::new(25)).expect("hdbscan"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
