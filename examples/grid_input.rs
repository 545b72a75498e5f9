//! Writes the input of the large-output benchmark (BENCHMARKS.md, "Writing outputs"):
//! `N` incidents over a 20 km × 20 km square in EPSG:32631 (x/y columns), so that
//! `hotspots grid --cell 20` makes a 1000 × 1000 grid of 10^6 cells.
//!
//! ```sh
//! cargo run --release --example grid_input -- 100000 big_grid.csv
//! /usr/bin/time -v crimescape hotspots grid big_grid.csv --crs EPSG:32631 --cell 20 --out big_grid --force
//! ```
//!
//! Half of the points are uniform, half around 200 Gaussian centres (σ 150 m); two
//! points sit on opposite corners so the extent is exactly 20 km. Seeded: the same
//! `N` gives the same bytes.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let path = args.get(2).map_or("big_grid.csv", String::as_str);
    let side = 20_000.0;
    let (x0, y0) = (430_000.0, 5_400_000.0);
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let centres: Vec<[f64; 2]> = (0..200)
        .map(|_| [rng.random::<f64>() * side, rng.random::<f64>() * side])
        .collect();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "id,x,y,datetime,category")?;
    for i in 0..n.max(2) {
        let (x, y) = match i {
            0 => (0.0, 0.0),
            1 => (side, side),
            _ if rng.random::<f64>() < 0.5 => {
                (rng.random::<f64>() * side, rng.random::<f64>() * side)
            }
            _ => {
                let c = centres[rng.random_range(0..centres.len())];
                let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
                let r = 150.0 * (-2.0 * u1.ln()).sqrt();
                let a = std::f64::consts::TAU * u2;
                (
                    (c[0] + r * a.cos()).clamp(0.0, side),
                    (c[1] + r * a.sin()).clamp(0.0, side),
                )
            }
        };
        let day = 1 + rng.random_range(0..28);
        let month = 1 + rng.random_range(0..12);
        let cat = ["burglary", "theft", "robbery", "assault"][rng.random_range(0..4)];
        writeln!(
            w,
            "{i},{:.2},{:.2},2024-{month:02}-{day:02} 12:00,{cat}",
            x0 + x,
            y0 + y
        )?;
    }
    w.flush()?;
    eprintln!("wrote {} incidents to {path}", n.max(2));
    Ok(())
}
