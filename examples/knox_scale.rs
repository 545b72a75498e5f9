//! One timing of the Knox test per size (release build):
//! `cargo run --release --example knox_scale [-- SIZES]`, e.g. `-- 5000,100000,1000000`.
//!
//! Synthetic city as in `benches/knox.rs` (20 events/km², 30 % clustered), bands
//! 0,100,200,300,400,Inf m × 0,7,14,21,28,Inf days, Manhattan, 999 permutations.
//! Prints events, close pairs (memory), seconds and the threads used.

use crimescape::repeat::knox::{knox_xyt, KnoxParams};
use crimescape::TimePrecision;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn city(n: usize, seed: u64) -> (Vec<[f64; 2]>, Vec<i64>) {
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

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "5000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let p = KnoxParams::new(
        vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
    )
    .nrep(999)
    .seed(1);
    println!("events,close_pairs,close_pair_MB,permutations,seconds,threads");
    for n in sizes {
        let (xy, t) = city(n, 7);
        let t0 = std::time::Instant::now();
        match knox_xyt(&xy, &t, TimePrecision::Day, &p) {
            Ok(r) => println!(
                "{n},{},{:.1},{},{:.2},{}",
                r.close_pairs,
                r.close_pair_bytes as f64 / 1e6,
                p.nrep,
                t0.elapsed().as_secs_f64(),
                rayon::current_num_threads()
            ),
            Err(e) => eprintln!("{n}: {e}"),
        }
    }
}
