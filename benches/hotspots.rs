//! Hotspot benchmarks: quartic KDE of 10^6 points on a 1000 x 1000 grid, Gi* and
//! Local Moran with 999 permutations on 10^5 cells (316 x 316 queen grid).
//!
//! Run: `cargo bench --bench hotspots` (set CRIMESCAPE_BENCH_QUICK=1 for 10^5 points).

use crimescape::{
    gi_star, grid_weights, kde, local_moran, CellGrid, GiStarParams, Grid, KdeParams,
    LocalMoranParams, WeightsSpec,
};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Seeded clustered points in a 100 km square: half uniform, half around 50 centres.
fn points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<[f64; 2]> = (0..50)
        .map(|_| [rng.random_range(5e3..95e3), rng.random_range(5e3..95e3)])
        .collect();
    let nd = Normal::new(0.0, 800.0).unwrap();
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                [rng.random_range(0.0..1e5), rng.random_range(0.0..1e5)]
            } else {
                let c = centres[i % 50];
                [
                    (c[0] + nd.sample(&mut rng)).clamp(0.0, 99_999.0),
                    (c[1] + nd.sample(&mut rng)).clamp(0.0, 99_999.0),
                ]
            }
        })
        .collect()
}

fn bench_kde(c: &mut Criterion) {
    let n = if std::env::var_os("CRIMESCAPE_BENCH_QUICK").is_some() {
        100_000
    } else {
        1_000_000
    };
    let pts = points(n, 1);
    let grid = Grid::new(0.0, 0.0, 100.0, 1000, 1000).unwrap();
    let mut g = c.benchmark_group("kde");
    g.sample_size(10);
    g.bench_function(format!("quartic_{n}_points_1000x1000_h300"), |b| {
        b.iter(|| kde(&grid, &pts, None, &KdeParams::new().fixed(300.0)).unwrap())
    });
    g.finish();
}

fn bench_gistar(c: &mut Criterion) {
    let grid = Grid::new(0.0, 0.0, 100.0, 316, 316).unwrap();
    let pts: Vec<[f64; 2]> = points(300_000, 2)
        .iter()
        .map(|p| [p[0] * 0.316, p[1] * 0.316])
        .collect();
    let cg = CellGrid::full(grid);
    let (counts, _) = cg.counts(&pts, None).unwrap();
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let mut g = c.benchmark_group("gistar");
    g.sample_size(10);
    g.bench_function("gistar_99856_cells_999_perms", |b| {
        b.iter(|| gi_star(&counts, &w, &GiStarParams::new()).unwrap())
    });
    g.bench_function("local_moran_99856_cells_999_perms", |b| {
        b.iter(|| local_moran(&counts, &w, &LocalMoranParams::new()).unwrap())
    });
    g.finish();
}

/// The golden Chicago burglary grid (250 m, 108 x 168 = 18,144 cells) when
/// `../shared` is present: the same input esda timed (G_Local 2.20 s,
/// Moran_Local 1.51 s with 999 permutations, after 30 s of numba compilation).
fn bench_golden_b(c: &mut Criterion) {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/golden/gistar/B/cells.csv");
    let Ok(mut r) = csv::Reader::from_path(&p) else {
        eprintln!("skipping golden B benchmark: {} not found", p.display());
        return;
    };
    let h = r.headers().unwrap().clone();
    let ci = h.iter().position(|x| x == "count").unwrap();
    let counts: Vec<f64> = r
        .records()
        .map(|x| x.unwrap()[ci].parse().unwrap())
        .collect();
    let grid = Grid::new(340250.0, 553000.0, 250.0, 108, 168).unwrap();
    let cg = CellGrid::full(grid);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let mut g = c.benchmark_group("golden_b");
    g.sample_size(10);
    g.bench_function("gistar_18144_cells_999_perms", |b| {
        b.iter(|| gi_star(&counts, &w, &GiStarParams::new()).unwrap())
    });
    g.bench_function("local_moran_18144_cells_999_perms", |b| {
        b.iter(|| local_moran(&counts, &w, &LocalMoranParams::new()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_kde, bench_gistar, bench_golden_b);
criterion_main!(benches);
