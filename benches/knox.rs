//! Knox near-repeat test at 5,000 … 10^6 events (criterion).
//!
//! Events: a seeded synthetic city at a constant density of 20 events/km² per year
//! (Chicago residential burglary 2016 has ~19/km²): 70 % uniform, 30 % in Gaussian
//! clusters (σ 300 m), integer days 0..365. Bands as NearRepeat's example:
//! 0,100,200,300,400,Inf m × 0,7,14,21,28,Inf days, Manhattan.
//! For a single full-size timing (999 permutations) run `cargo run --release --example knox_scale`.

use crimescape::{knox_xyt, KnoxParams, TimePrecision};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
#[path = "common/knox_city.rs"]
mod knox_city;
use knox_city::city;

fn params(nrep: usize) -> KnoxParams {
    KnoxParams::new(
        vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
    )
    .nrep(nrep)
    .seed(1)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("knox");
    g.sample_size(10);
    for (n, nrep) in [(5_000usize, 999usize), (100_000, 99), (1_000_000, 9)] {
        let (xy, t) = city(n, 7);
        let p = params(nrep);
        g.bench_with_input(
            BenchmarkId::new(format!("{nrep}_perms"), n),
            &(xy, t),
            |b, (xy, t)| b.iter(|| knox_xyt(xy, t, TimePrecision::Day, &p).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
