//! CSV ingest speed: `load_incidents` on a generated 10^6-row police-style export
//! (id, lon/lat in WGS 84, minute timestamps, category, district), on one and on two
//! threads (the reading and hashing thread of a streamed file comes on top).
//!
//! Run: `cargo bench --bench ingest`. The file is written once to a temporary
//! directory; each iteration parses, validates, detects the CRS, projects to UTM,
//! checks the extent and builds the columns.

use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CATEGORIES: &[&str] = &[
    "THEFT",
    "BATTERY",
    "CRIMINAL DAMAGE",
    "ASSAULT",
    "DECEPTIVE PRACTICE",
    "OTHER OFFENSE",
    "BURGLARY",
    "MOTOR VEHICLE THEFT",
    "ROBBERY",
    "NARCOTICS",
];

/// Writes `n` rows like a city portal export (Chicago extent, 2019) to `path`.
fn write_csv(path: &Path, n: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let f = std::fs::File::create(path).expect("create bench file");
    let mut w = std::io::BufWriter::new(f);
    writeln!(w, "id,lon,lat,datetime,category,district").unwrap();
    for i in 0..n {
        let lon: f64 = rng.random_range(-87.90..-87.55);
        let lat: f64 = rng.random_range(41.65..42.02);
        let day: u32 = rng.random_range(0..365);
        let (m, d) = month_day(day);
        writeln!(
            w,
            "{},{:.6},{:.6},2019-{:02}-{:02} {:02}:{:02},{},{}",
            i + 1,
            lon,
            lat,
            m,
            d,
            rng.random_range(0..24),
            rng.random_range(0..60),
            CATEGORIES[rng.random_range(0..CATEGORIES.len())],
            rng.random_range(1..26)
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn month_day(doy: u32) -> (u32, u32) {
    const LEN: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut d = doy;
    for (m, &l) in LEN.iter().enumerate() {
        if d < l {
            return (m as u32 + 1, d + 1);
        }
        d -= l;
    }
    (12, 31)
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<(usize, std::path::PathBuf)> = [100_000usize, 1_000_000]
        .into_iter()
        .map(|n| {
            let path = dir.path().join(format!("incidents_{n}.csv"));
            write_csv(&path, n);
            (n, path)
        })
        .collect();
    let opts = crimescape::LoadOptions::new();
    for threads in [1usize, 2] {
        // a pool of its own: the library never sets rayon's global pool
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut g = c.benchmark_group(format!("load_incidents_csv_{threads}_thread"));
        g.sample_size(10);
        for (n, path) in &files {
            // sanity: every row loads
            let (inc, _) = pool
                .install(|| crimescape::load_incidents(path, &opts))
                .expect("loads");
            assert_eq!(inc.len(), *n);
            g.throughput(Throughput::Elements(*n as u64));
            g.bench_function(format!("{n}_rows"), |b| {
                b.iter_batched(
                    || (),
                    |()| pool.install(|| crimescape::load_incidents(path, &opts).expect("loads")),
                    BatchSize::PerIteration,
                )
            });
        }
        g.finish();
    }
}

criterion_group!(benches, ingest);
criterion_main!(benches);
