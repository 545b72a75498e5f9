//! Seeded synthetic incidents for the clustering benchmarks (`benches/dbscan.rs`,
//! `benches/hdbscan.rs`) and the side-by-side generator (`examples/cluster_points.rs`),
//! which include this file.
//!
//! The composition of the golden generator `../shared/golden/recipes/gen.py`:
//! 50 % uniform background, 30 % in 8 Gaussian hotspots with σ ~ U(150, 600) m,
//! 20 % near-repeat children within 100 m of an earlier point, in a 20 km × 20 km box
//! at UTM-like coordinates (x from 440,000 m, y from 4,420,000 m).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// `n` seeded points (metres) with the composition of the golden generator.
pub fn points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let (w, x0, y0) = (20_000.0, 440_000.0, 4_420_000.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_bg = n / 2;
    let n_hs = n * 3 / 10;
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(n);
    for _ in 0..n_bg {
        pts.push([x0 + rng.random::<f64>() * w, y0 + rng.random::<f64>() * w]);
    }
    let centres: Vec<([f64; 2], f64)> = (0..8)
        .map(|_| {
            (
                [
                    rng.random_range(0.1 * w..0.9 * w),
                    rng.random_range(0.1 * w..0.9 * w),
                ],
                rng.random_range(150.0..600.0),
            )
        })
        .collect();
    let std = Normal::new(0.0, 1.0).expect("unit normal");
    while pts.len() < n_bg + n_hs {
        let (c, s) = centres[rng.random_range(0..8)];
        let (x, y) = (
            c[0] + s * std.sample(&mut rng),
            c[1] + s * std.sample(&mut rng),
        );
        if (0.0..w).contains(&x) && (0.0..w).contains(&y) {
            pts.push([x0 + x, y0 + y]);
        }
    }
    while pts.len() < n {
        let p = pts[rng.random_range(0..pts.len())];
        let r = 100.0 * rng.random::<f64>().sqrt();
        let th = rng.random::<f64>() * std::f64::consts::TAU;
        let q = [p[0] + r * th.cos(), p[1] + r * th.sin()];
        if q[0] >= x0 && q[0] < x0 + w && q[1] >= y0 && q[1] < y0 + w {
            pts.push(q);
        }
    }
    pts
}
