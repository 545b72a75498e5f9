//! Network benchmarks on a seeded irregular grid of about 10^5 edges (80–160 m
//! blocks): building (snapping, crossings), reachability within 400/800 m from
//! every node, local betweenness within 800 m, detours after closing 20 edges;
//! network KDE of 10^5 incidents with 20 m lixels and a 300 m bandwidth (the three
//! forms, and snapping the incidents); the network K function of 10^4 incidents up
//! to 1 km with 99 simulations.
//!
//! `cargo bench --bench network` (criterion, 10 samples each).

use crimescape::{
    network_k, nkde, uniform_points, KParams, Lixels, Network, NetworkParams, NetworkSpace,
    NkdeMethod, NkdeParams, SpaceAccess,
};
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

    // network KDE: 10^5 incidents, 20 m lixels, 300 m bandwidth
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let events = uniform_points(&net, 100_000, &mut rng);
    let lixels = Lixels::new(&net, 20.0).unwrap();
    let mut g = c.benchmark_group("nkde_1e5_incidents_1e5_edges_20m_300m");
    g.sample_size(10);
    for m in [
        NkdeMethod::Simple,
        NkdeMethod::Discontinuous,
        NkdeMethod::Continuous,
    ] {
        let p = NkdeParams::new(300.0).method(m);
        g.bench_function(m.name(), |b| {
            b.iter(|| nkde(&net, &lixels, &events, None, &p).unwrap())
        });
    }
    g.bench_function("lixelize", |b| b.iter(|| Lixels::new(&net, 20.0).unwrap()));
    let space = NetworkSpace::new(net.clone(), 30.0).unwrap();
    let xy: Vec<[f64; 2]> = events
        .iter()
        .map(|p| {
            let q = space.xy(*p);
            [
                q[0] + rng.random_range(-10.0..10.0),
                q[1] + rng.random_range(-10.0..10.0),
            ]
        })
        .collect();
    g.bench_function("snap_1e5", |b| b.iter(|| space.snap_all(&xy)));
    g.finish();

    // network K: 10^4 incidents, 21 distances up to 1 km, 99 simulations
    let pts = uniform_points(&net, 10_000, &mut rng);
    let mut g = c.benchmark_group("network_k_1e4_incidents_1e5_edges");
    g.sample_size(10);
    let p = KParams::steps(1000.0, 21).simulations(99).seed(1);
    g.bench_function("k_1000m_99_simulations", |b| {
        b.iter(|| network_k(&net, &pts, &p).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
