//! Projection speed: 10^6 lon/lat points (Great Britain's extent, as data.police.uk
//! publishes them) to WGS 84 / UTM zone 30N and back, with the prepared projector
//! (`Reprojector::new`, what the loader and `info` use) and with the general engine
//! it replaced (`Reprojector::new_general`, proj4rs).
//!
//! Run: `cargo bench --bench crs`. One thread (`apply` in a loop) measures the
//! arithmetic; `apply_all` adds rayon's blocks.

use crimescape::{Crs, Reprojector, WGS84};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: usize = 1_000_000;

fn lonlat() -> Vec<[f64; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    (0..N)
        .map(|_| [rng.random_range(-5.7..1.8), rng.random_range(50.0..55.8)])
        .collect()
}

fn one_by_one(r: &Reprojector, pts: &[[f64; 2]]) -> f64 {
    // a sum, so that nothing is optimised away
    pts.iter()
        .map(|p| r.apply(p[0], p[1]).map_or(0.0, |(x, y)| x + y))
        .sum()
}

fn bench(c: &mut Criterion) {
    let utm = Crs::Epsg { code: 32630 };
    let ll = lonlat();
    let general = Reprojector::new_general(&WGS84, &utm).expect("general engine");
    let mut xy = ll.clone();
    assert!(general.apply_all(&mut xy).is_empty());
    let engines = [
        ("forward", "prepared", Reprojector::new(&WGS84, &utm), &ll),
        (
            "forward",
            "general",
            Reprojector::new_general(&WGS84, &utm),
            &ll,
        ),
        ("inverse", "prepared", Reprojector::new(&utm, &WGS84), &xy),
        (
            "inverse",
            "general",
            Reprojector::new_general(&utm, &WGS84),
            &xy,
        ),
    ];
    let mut g = c.benchmark_group("crs_utm30_1e6");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    for (dir, engine, r, pts) in engines {
        let r = r.expect("reprojector");
        g.bench_function(format!("{dir}/{engine}/apply"), |b| {
            b.iter(|| one_by_one(&r, pts))
        });
        g.bench_function(format!("{dir}/{engine}/apply_all"), |b| {
            b.iter_batched_ref(|| pts.to_vec(), |p| r.apply_all(p), BatchSize::LargeInput)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
