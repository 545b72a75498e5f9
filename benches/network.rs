//! Walking-network benchmarks on a seeded irregular grid of about 10^5 edges:
//! building (snapping, crossings), reachability within 400/800 m from every node,
//! local betweenness within 800 m, and detours after closing 20 edges.
//!
//! `cargo bench --bench network` (criterion, 10 samples each).

use crimescape::access::network::{Network, NetworkParams, SpaceAccess};
use criterion::{criterion_group, criterion_main, Criterion};
use geo::LineString;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `k` x `k` full-length lines with spacings uniform in 80–160 m: 2k(k−1) edges.
fn grid_lines(k: usize, seed: u64) -> Vec<LineString<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut xs = vec![0.0];
    let mut ys = vec![0.0];
    for _ in 1..k {
        let x = xs[xs.len() - 1] + rng.random_range(80.0..160.0);
        xs.push(x);
        let y = ys[ys.len() - 1] + rng.random_range(80.0..160.0);
        ys.push(y);
    }
    let (xmax, ymax) = (xs[k - 1], ys[k - 1]);
    let mut lines = Vec::with_capacity(2 * k);
    for &y in &ys {
        lines.push(LineString::from(vec![(0.0, y), (xmax, y)]));
    }
    for &x in &xs {
        lines.push(LineString::from(vec![(x, 0.0), (x, ymax)]));
    }
    lines
}

fn bench(c: &mut Criterion) {
    let k = 224; // 2 * 224 * 223 = 99,904 edges
    let lines = grid_lines(k, 1);
    let params = NetworkParams::new();
    let mut g = c.benchmark_group("network_1e5_edges");
    g.sample_size(10);
    g.bench_function("build", |b| {
        b.iter(|| Network::build(&lines, &params).unwrap())
    });
    let net = Network::build(&lines, &params).unwrap();
    assert_eq!(net.edges.len(), 2 * k * (k - 1));
    let open = vec![true; net.edges.len()];
    let spaces = SpaceAccess::default();
    g.bench_function("reach_400_800", |b| {
        b.iter(|| net.reach(&open, &spaces, &[], &[400.0, 800.0]))
    });
    g.bench_function("betweenness_800", |b| {
        b.iter(|| net.betweenness(&open, 800.0))
    });
    let mut after = open.clone();
    for e in (0..net.edges.len()).step_by(net.edges.len() / 20) {
        after[e] = false;
    }
    g.bench_function("detour_800_20_closed", |b| {
        b.iter(|| net.detour(&open, &after, 800.0))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
