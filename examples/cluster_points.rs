//! Writes the seeded synthetic incidents of the clustering benchmarks as CSV, for the
//! side-by-side comparisons in `scripts/bench/` (crimescape and scikit-learn / hdbscan
//! read the same file):
//!
//! `cargo run --release --example cluster_points -- N OUT.csv [SEED] [DUPLICATES]`
//!
//! Columns `id,x,y,date`: x, y in metres (UTM-like, a 20 km square, written with 2
//! decimals: the CSV text is the input both tools read), `date` a seeded day of 2023.
//! With `DUPLICATES` = `all`, every row repeats the first point (the HDBSCAN
//! duplicate case).

use std::io::Write;

use rand::{Rng, SeedableRng};
#[path = "../benches/common/cluster_city.rs"]
mod cluster_city;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: cluster_points N OUT.csv [SEED] [all]");
        std::process::exit(2);
    }
    let n: usize = args[1].parse().unwrap_or_else(|_| {
        eprintln!("N must be a number, got {:?}", args[1]);
        std::process::exit(2)
    });
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(7);
    let all_same = args.get(4).is_some_and(|s| s == "all");
    let mut pts = cluster_city::points(n, seed);
    if all_same {
        let p = pts.first().copied().unwrap_or([440_000.0, 4_420_000.0]);
        pts.iter_mut().for_each(|q| *q = p);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2])?);
    writeln!(out, "id,x,y,date")?;
    let start = chrono_free_date_table();
    for (i, p) in pts.iter().enumerate() {
        let d = rng.random_range(0..365usize);
        writeln!(out, "{i},{:.2},{:.2},{}", p[0], p[1], start[d])?;
    }
    out.flush()
}

/// ISO dates of the 365 days of 2023.
fn chrono_free_date_table() -> Vec<String> {
    let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut v = Vec::with_capacity(365);
    for (m, &len) in days.iter().enumerate() {
        for d in 1..=len {
            v.push(format!("2023-{:02}-{:02}", m + 1, d));
        }
    }
    v
}
