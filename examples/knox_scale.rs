//! One timing of the Knox test per size (release build):
//! `cargo run --release --example knox_scale [-- SIZES]`, e.g. `-- 5000,100000,1000000`.
//!
//! Synthetic city as in `benches/knox.rs` (20 events/km², 30 % clustered), bands
//! 0,100,200,300,400,Inf m × 0,7,14,21,28,Inf days, Manhattan, 999 permutations.
//! Prints events, close pairs (memory), seconds and the threads used.

use crimescape::{knox_xyt, KnoxParams, TimePrecision};
#[path = "../benches/common/knox_city.rs"]
mod knox_city;
use knox_city::city;

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
