//! The KDE stage alone at national size (issue 17): quartic kernel density of
//! 5·10^6 points held in memory over a 600 x 650 km extent of 500 m cells
//! (1200 x 1300 = 1.56·10^6 cells), h = 4 km, with the exact moment-based
//! evaluation; the triangular kernel (same support, not polynomial in d², so it
//! keeps the per-point stencil) shows the stencil's cost on the same points.
//!
//! Run: `cargo bench --bench kde`. `CRIMESCAPE_KDE_N=50000000` sets the number of
//! points (about 3 GB at 5·10^7); `CRIMESCAPE_BENCH_QUICK=1` runs 10^6 points;
//! `CRIMESCAPE_KDE_STENCIL=0` skips the (slow) triangular stencil.

use crimescape::{kde, Grid, KdeParams, Kernel};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Seeded points like `examples/national`: 92 % around 40 towns (Gaussian, spread
/// 4-12 km, weights falling with rank), 8 % uniform over the extent.
fn points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let towns: Vec<([f64; 2], f64)> = (0..40)
        .map(|i| {
            let spread = if i == 0 { 12e3 } else { 4e3 + 3e3 / (i as f64) };
            (
                [rng.random_range(50e3..550e3), rng.random_range(50e3..600e3)],
                spread,
            )
        })
        .collect();
    // town k has weight 1/(k + 1): cumulative shares for a draw
    let total: f64 = (0..40).map(|k| 1.0 / (k as f64 + 1.0)).sum();
    let mut cum = Vec::with_capacity(40);
    let mut acc = 0.0;
    for k in 0..40 {
        acc += 1.0 / (k as f64 + 1.0) / total;
        cum.push(acc);
    }
    let std = Normal::new(0.0, 1.0).unwrap();
    (0..n)
        .map(|_| {
            if rng.random::<f64>() < 0.08 {
                return [rng.random_range(0.0..600e3), rng.random_range(0.0..650e3)];
            }
            let u: f64 = rng.random();
            let k = cum.partition_point(|&c| c < u).min(39);
            let ([x, y], s) = towns[k];
            [
                (x + s * std.sample(&mut rng)).clamp(0.0, 599_999.0),
                (y + s * std.sample(&mut rng)).clamp(0.0, 649_999.0),
            ]
        })
        .collect()
}

fn bench_kde_national(c: &mut Criterion) {
    let n = match std::env::var("CRIMESCAPE_KDE_N") {
        Ok(v) => v.parse().expect("CRIMESCAPE_KDE_N: a number of points"),
        Err(_) if std::env::var_os("CRIMESCAPE_BENCH_QUICK").is_some() => 1_000_000,
        Err(_) => 5_000_000,
    };
    let pts = points(n, 17);
    let grid = Grid::new(0.0, 0.0, 500.0, 1200, 1300).unwrap();
    let mut g = c.benchmark_group("kde_national");
    g.sample_size(10);
    g.bench_function(format!("quartic_moments_{n}_points_1200x1300_h4000"), |b| {
        b.iter(|| kde(&grid, &pts, None, &KdeParams::new().fixed(4000.0)).unwrap())
    });
    if std::env::var("CRIMESCAPE_KDE_STENCIL").as_deref() != Ok("0") {
        g.bench_function(
            format!("triangular_stencil_{n}_points_1200x1300_h4000"),
            |b| {
                b.iter(|| {
                    kde(
                        &grid,
                        &pts,
                        None,
                        &KdeParams::new().kernel(Kernel::Triangular).fixed(4000.0),
                    )
                    .unwrap()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench_kde_national);
criterion_main!(benches);
