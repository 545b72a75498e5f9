//! Risk terrain model benchmark: a seeded demo city (6 km square, 20,000 incidents) on a
//! 20 m grid (300 x 300 = 90,000 cells) with its 6 built-environment layers (streetlights
//! filtered to `status=out`): candidate rasters alone, and the whole fit (candidates,
//! elastic-net CV screen, stepwise BIC for Poisson and NB, final fits) with proximity at
//! 3 distances (18 candidates) and with proximity + density (36 candidates).
//!
//! Run: `cargo bench --bench rtm`.

use crimescape::{
    fit_rtm, generate_demo as generate, layer_columns, DemoParams, FactorParams, Grid, LayerInput,
    Operationalisation, RtmParams,
};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_rtm(c: &mut Criterion) {
    let city = generate(
        &DemoParams::new(7)
            .incidents(20_000)
            .size(6000.0)
            .shares([1.0, 0.0, 0.0, 0.0]),
    )
    .expect("demo city");
    let grid = Grid::covering(city.truth.extent, 20.0).expect("grid");
    let inputs: Vec<LayerInput> = city
        .layers
        .iter()
        .filter(|l| l.name != "parks")
        .map(|l| LayerInput {
            layer: l,
            filter: (l.name == "lights").then_some("status=out"),
        })
        .collect();
    let distances = vec![50.0, 100.0, 150.0];
    let prox = FactorParams::new(50.0)
        .distances(distances.clone())
        .operationalisations(vec![Operationalisation::Proximity]);
    let both = FactorParams::new(50.0).distances(distances);
    let mut g = c.benchmark_group("rtm");
    g.sample_size(10);
    g.bench_function(format!("candidates_{}_cells_both_ops", grid.len()), |b| {
        b.iter(|| {
            inputs
                .iter()
                .map(|li| layer_columns(&grid, li.layer, li.filter, &both).expect("columns"))
                .collect::<Vec<_>>()
        })
    });
    for (name, fp) in [("proximity", prox), ("both_ops", both)] {
        let params = RtmParams::new(50.0).factors(fp);
        g.bench_function(format!("fit_{}_cells_{name}", grid.len()), |b| {
            b.iter(|| fit_rtm(&city.incidents.xy, &grid, &inputs, &params).expect("fit"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_rtm);
criterion_main!(benches);
