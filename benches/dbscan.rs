//! DBSCAN at 10^5 and 10^6 points on the golden generator's distribution
//! (`../shared/golden/recipes/gen.py`: 50 % uniform background, 30 % in 8 Gaussian
//! hotspots with σ ~ U(150, 600) m, 20 % near-repeat children within 100 m, in a
//! 20 km × 20 km box), eps = 100 m, min_samples = 10 — the setting of the golden
//! DBSCAN A file and of scikit-learn's 165 s for 10^6 points
//! (`../shared/golden/CONVENTIONS.md`).
//!
//! Run: `cargo bench --bench dbscan`.

use crimescape::{dbscan, DbscanParams};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
#[path = "common/cluster_city.rs"]
mod cluster_city;
use cluster_city::points;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dbscan_eps100_min10");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let pts = points(n, 7);
        g.bench_with_input(BenchmarkId::from_parameter(n), &pts, |b, pts| {
            b.iter(|| dbscan(pts, &DbscanParams::new(100.0, 10)).expect("dbscan"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
