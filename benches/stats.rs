//! Spatial statistics benchmarks: global Moran's I with 999 permutations on 10^5 cells,
//! incremental spatial autocorrelation (10 bands) on 10^5 cells, and Ripley's K with 99
//! CSR simulations on 2·10^4 points in a polygon study area.
//!
//! Run: `cargo bench --bench stats`.

use crimescape::{
    global_moran, grid_weights, incremental_autocorrelation_grid, ripley_k, CellGrid, GlobalParams,
    Grid, IncrementalParams, RipleyParams, StudyArea, WeightsSpec,
};
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{LineString, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seeded clustered counts on a 316 x 316 grid: a noisy gradient plus 40 bumps.
fn grid_counts(seed: u64) -> (CellGrid, Vec<f64>) {
    let (nc, nr) = (316usize, 316usize);
    let cg = CellGrid::full(Grid::new(0.0, 0.0, 100.0, nc, nr).unwrap());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bumps: Vec<(f64, f64)> = (0..40)
        .map(|_| (rng.random_range(0.0..316.0), rng.random_range(0.0..316.0)))
        .collect();
    let v = (0..nc * nr)
        .map(|id| {
            let (c, r) = ((id % nc) as f64, (id / nc) as f64);
            let b: f64 = bumps
                .iter()
                .map(|(x, y)| 6.0 * (-((c - x).powi(2) + (r - y).powi(2)) / 8.0).exp())
                .sum();
            (b + rng.random_range(0.0..2.0)).floor()
        })
        .collect();
    (cg, v)
}

fn bench_global(c: &mut Criterion) {
    let (cg, v) = grid_counts(1);
    let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
    let mut g = c.benchmark_group("global");
    g.sample_size(10);
    g.bench_function("moran_99856_cells_queen_999_permutations", |b| {
        b.iter(|| global_moran(&v, &w, &GlobalParams::new()).unwrap())
    });
    g.bench_function("incremental_99856_cells_10_bands", |b| {
        b.iter(|| incremental_autocorrelation_grid(&cg, &v, &IncrementalParams::new()).unwrap())
    });
    g.finish();
}

fn bench_ripley(c: &mut Criterion) {
    // an L-shaped 6 km study area, clustered points inside it
    let poly = Polygon::new(
        LineString::from(vec![
            (0.0, 0.0),
            (6000.0, 0.0),
            (6000.0, 3000.0),
            (3000.0, 3000.0),
            (3000.0, 6000.0),
            (0.0, 6000.0),
            (0.0, 0.0),
        ]),
        vec![],
    );
    let area = StudyArea::polygons(&[poly]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let centres = area.random_points(200, &mut rng);
    let mut pts = area.random_points(10_000, &mut rng);
    for k in 0..10_000 {
        let c = centres[k % 200];
        pts.push([
            c[0] + rng.random_range(-60.0..60.0),
            c[1] + rng.random_range(-60.0..60.0),
        ]);
    }
    let mut g = c.benchmark_group("ripley");
    g.sample_size(10);
    g.bench_function(
        "k_20000_points_l_shape_20_distances_to_300m_99_simulations",
        |b| b.iter(|| ripley_k(&pts, &area, &RipleyParams::new().max_distance(300.0)).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench_global, bench_ripley);
criterion_main!(benches);
