//! Seeded synthetic city for the Knox benchmarks (`benches/knox.rs`) and the
//! full-size timing example (`examples/knox_scale.rs`), which include this file.
//!
//! A square at a constant density of 20 events/km² per year (Chicago residential
//! burglary 2016 has ~19/km²): 70 % uniform, 30 % in Gaussian clusters (σ 300 m,
//! one centre per 500 events), integer days 0..365.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` events (x, y in metres; day) from `seed`.
pub fn city(n: usize, seed: u64) -> (Vec<[f64; 2]>, Vec<i64>) {
    let side = (n as f64 / 20.0).sqrt() * 1000.0;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<[f64; 2]> = (0..(n / 500).max(1))
        .map(|_| [rng.random::<f64>() * side, rng.random::<f64>() * side])
        .collect();
    let mut xy = Vec::with_capacity(n);
    for _ in 0..n {
        if rng.random::<f64>() < 0.7 {
            xy.push([rng.random::<f64>() * side, rng.random::<f64>() * side]);
        } else {
            let c = centres[rng.random_range(0..centres.len())];
            let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            let r = 300.0 * (-2.0 * u1.ln()).sqrt();
            let a = std::f64::consts::TAU * u2;
            xy.push([c[0] + r * a.cos(), c[1] + r * a.sin()]);
        }
    }
    let t = (0..n).map(|_| rng.random_range(0..366)).collect();
    (xy, t)
}
