use super::*;
use crate::demo::{generate, DemoCity, DemoParams};
use crate::risk::fixtures::{demo_inputs, fit_demo, proximity_params, small_city};
use crate::risk::null::SpatialNullParams;

/// The layers of the factors the demo city planted with an effect, sorted.
fn planted_layers(city: &DemoCity) -> Vec<&str> {
    let mut planted: Vec<&str> = city
        .truth
        .factors
        .iter()
        .filter(|t| t.relative_risk != 1.0)
        .map(|t| t.layer.as_str())
        .collect();
    planted.sort_unstable();
    planted
}

#[test]
fn fit_rtm_finds_strong_factors_and_reapplies() {
    let city = small_city(11, 4000, [1.0, 0.0, 0.0, 0.0]);
    let params = proximity_params();
    let (grid, r) = fit_demo(&city, 40.0, &params);
    let layers: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
    assert!(layers.contains(&"bars"), "{layers:?}");
    assert!(!layers.contains(&"hydrants"), "{layers:?}");
    let min = r.risk.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!((min - 1.0).abs() < 1e-12);
    for f in &r.factors {
        assert!(f.rrv_lo < f.rrv && f.rrv < f.rrv_hi && f.rrv > 1.0);
    }
    // Re-applying the saved model (through JSON) to the same layers gives the same surface.
    let json = serde_json::to_string(&r.model).unwrap();
    let model: RtmModel = serde_json::from_str(&json).unwrap();
    let ls: Vec<&Layer> = city.layers.iter().collect();
    let ap = apply_model(&model, &grid, &ls).unwrap();
    for (a, b) in ap.risk.iter().zip(&r.risk) {
        assert!((a - b).abs() < 1e-9);
    }
    // A study-area mask: the western half only.
    let mask: Vec<bool> = (0..grid.len())
        .map(|i| grid.col_row(i).0 < grid.ncols / 2)
        .collect();
    let rm = fit_rtm_in(
        &city.incidents.xy,
        &grid,
        Some(&mask),
        &demo_inputs(&city),
        &params,
    )
    .unwrap();
    assert_eq!(rm.diagnostics.cells, mask.iter().filter(|m| **m).count());
    for (i, m) in mask.iter().enumerate() {
        assert_eq!(rm.risk[i].is_nan(), !m);
    }
    // The model keeps its study area (ranked sites and apply_model respect it).
    assert_eq!(rm.model.study_mask().as_deref(), Some(mask.as_slice()));
    assert!(r.model.study.is_none());
    assert!(fit_rtm_in(
        &city.incidents.xy,
        &grid,
        Some(&mask[1..]),
        &demo_inputs(&city),
        &params
    )
    .is_err());
    // A layer the model needs must be given.
    let no_bars: Vec<&Layer> = ls.iter().copied().filter(|l| l.name != "bars").collect();
    assert!(apply_model(&model, &grid, &no_bars)
        .unwrap_err()
        .to_string()
        .contains("layer 'bars' (factor bars"));
}

/// Simulation study: planted factors selected with RRVs inside their CIs, decoys
/// rejected, over several background-only demo cities.
#[test]
#[ignore = "simulation over 4 cities, ~1 min in the test profile; run with --ignored"]
fn fit_rtm_simulation_recovery_rates() {
    let (mut planted, mut found, mut covered, mut right_d) = (0, 0, 0, 0);
    let (mut decoys, mut decoys_kept) = (0, 0);
    for seed in 1..=4u64 {
        let city = generate(
            &DemoParams::new(seed)
                .incidents(6000)
                .size(3000.0)
                .shares([1.0, 0.0, 0.0, 0.0]),
        )
        .unwrap();
        let (_, r) = fit_demo(&city, 25.0, &RtmParams::new(50.0).seed(seed));
        for t in &city.truth.factors {
            let row = r.factors.iter().find(|f| f.layer == t.layer);
            if t.relative_risk == 1.0 {
                decoys += 1;
                decoys_kept += usize::from(row.is_some());
                continue;
            }
            planted += 1;
            if let Some(f) = row {
                found += 1;
                covered += usize::from(f.rrv_lo <= t.relative_risk && t.relative_risk <= f.rrv_hi);
                right_d +=
                    usize::from(f.distance == t.distance && f.operationalisation == "proximity");
                eprintln!(
                    "seed {seed} {} rrv {:.2} [{:.2}, {:.2}] truth {} @{}m",
                    f.label, f.rrv, f.rrv_lo, f.rrv_hi, t.relative_risk, t.distance
                );
            } else {
                eprintln!("seed {seed} missed {}", t.layer);
            }
        }
    }
    eprintln!(
        "RECOVERY planted selected {found}/{planted}, right distance {right_d}/{found}, \
             truth inside CI {covered}/{found}, decoys kept {decoys_kept}/{decoys}"
    );
    assert!(found as f64 >= 0.9 * planted as f64);
    assert!(covered as f64 >= 0.75 * found as f64);
    assert!(decoys_kept as f64 <= 0.25 * decoys as f64);
}

/// The full demo city (20,000 incidents with hot spots, repeats and chains, 50 m
/// cells, the demo's settings): the spatial null leaves exactly the planted factors;
/// without it a decoy enters.
#[test]
fn fit_rtm_full_demo_selects_exactly_the_planted_factors() {
    // The demo city as the `demo` command builds it (river included). ATMs carry
    // RR 2.0 at 50 m: at RR 1.6 stepwise BIC entered them in only 3 of 8 cities
    // (seeds 1-7, 42), so the exact selection held in 2 of 8 (branch `rtmriver`);
    // `fit_rtm_full_demo_exact_selection_rate` measures the rate over seeds.
    let city = generate(&DemoParams::new(42)).unwrap();
    let (_, r) = fit_demo(&city, 50.0, &RtmParams::new(50.0));
    for t in &r.diagnostics.spatial_null {
        eprintln!(
            "NULL {:<36} LR {:>8.1} share {:.3} p {:.3} kept {}",
            t.label, t.lr, t.share, t.p, t.kept
        );
    }
    let mut got: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
    got.sort_unstable();
    let planted = planted_layers(&city);
    assert_eq!(got, planted, "{:?}", r.diagnostics.notes);
}

/// How often the full demo city (default settings, river included) selects
/// exactly the planted factors, over seeds 1-7 and 42. Planted effects are
/// modest (RR 1.5-2.5 within 50-100 m) and the cities carry hot spots, repeats
/// and chains besides, so exact selection is not certain for every seed; the test
/// asserts a majority, and that decoys (2 per city) are kept in at most 2 of the
/// 16 chances (measured: 5/8 exact, one decoy kept, mailboxes at seed 4).
#[test]
#[ignore = "8 full demo cities, ~10 s in the test profile; run with --ignored"]
fn fit_rtm_full_demo_exact_selection_rate() {
    let (mut exact, mut decoy_kept) = (0, 0);
    let seeds = [1u64, 2, 3, 4, 5, 6, 7, 42];
    for seed in seeds {
        let city = generate(&DemoParams::new(seed)).unwrap();
        let (_, r) = fit_demo(&city, 50.0, &RtmParams::new(50.0));
        let mut got: Vec<&str> = r.factors.iter().map(|f| f.layer.as_str()).collect();
        got.sort_unstable();
        let planted = planted_layers(&city);
        let decoys = city
            .truth
            .factors
            .iter()
            .filter(|t| t.relative_risk == 1.0 && got.contains(&t.layer.as_str()))
            .count();
        eprintln!("seed {seed}: selected {got:?}");
        exact += usize::from(got == planted);
        decoy_kept += decoys;
    }
    eprintln!("EXACT {exact}/{}, decoys kept {decoy_kept}", seeds.len());
    assert!(
        exact * 2 > seeds.len(),
        "exact in {exact} of {}",
        seeds.len()
    );
    assert!(
        decoy_kept <= 2,
        "decoys kept {decoy_kept} of {}",
        2 * seeds.len()
    );
}

/// Simulation with residual clustering (the demo's default mix: 70 % factor-driven
/// background, hot spots, exact repeats and near-repeat chains): decoys kept and
/// planted factors found, with and without the spatial null, over 4 cities.
#[test]
#[ignore = "simulation over 4 cities x 2 fits, ~15 s in the test profile; run with --ignored"]
fn fit_rtm_simulation_spatial_null_with_residual_clustering() {
    let mut tally = [[0usize; 2]; 2]; // [null off/on][planted found, decoys kept]
    let (mut planted, mut decoys) = (0, 0);
    for seed in 1..=4u64 {
        let city = generate(&DemoParams::new(seed).incidents(8000).size(3000.0)).unwrap();
        let grid = Grid::covering(city.truth.extent, 25.0).unwrap();
        for (k, null) in [SpatialNullParams::off(), SpatialNullParams::new()]
            .into_iter()
            .enumerate()
        {
            let r = fit_rtm(
                &city.incidents.xy,
                &grid,
                &demo_inputs(&city),
                &RtmParams::new(50.0).seed(seed).spatial_null(null),
            )
            .unwrap();
            for t in &city.truth.factors {
                let kept = r.factors.iter().any(|f| f.layer == t.layer);
                if t.relative_risk == 1.0 {
                    tally[k][1] += usize::from(kept);
                } else {
                    tally[k][0] += usize::from(kept);
                }
            }
            for t in &r.diagnostics.spatial_null {
                eprintln!(
                    "seed {seed} {:<36} LR {:>7.1} share {:.3} kept {}",
                    t.label, t.lr, t.share, t.kept
                );
            }
        }
        planted += city
            .truth
            .factors
            .iter()
            .filter(|t| t.relative_risk != 1.0)
            .count();
        decoys += city
            .truth
            .factors
            .iter()
            .filter(|t| t.relative_risk == 1.0)
            .count();
    }
    eprintln!(
            "RESIDUAL without null: planted {}/{planted}, decoys kept {}/{decoys}; with null: planted {}/{planted}, decoys kept {}/{decoys}",
            tally[0][0], tally[0][1], tally[1][0], tally[1][1]
        );
    assert!(tally[1][1] <= tally[0][1]);
    assert!(tally[1][1] as f64 <= 0.25 * decoys as f64);
    assert!(tally[1][0] as f64 >= 0.8 * planted as f64);
}

#[test]
fn pattern_groups_equal_btree_reference() {
    use rand::{Rng, SeedableRng};
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let n = 3000;
    let cands: Vec<FactorColumn> = (0..20)
        .map(|j| FactorColumn {
            variable: FactorVariable {
                layer: format!("l{j}"),
                filter: None,
                operationalisation: crate::risk::Operationalisation::Proximity,
                distance: 1.0,
                density_sd: 2.0,
            },
            values: (0..n)
                .map(|_| u8::from(rng.random::<f64>() < 0.3))
                .collect(),
        })
        .collect();
    let y: Vec<f64> = (0..n).map(|_| rng.random_range(0..4) as f64).collect();
    for set in [
        vec![],
        vec![3],
        vec![5, 0, 7],
        (0..16).collect(),
        (0..20).rev().collect(),
    ] {
        let mut reference: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
        for (i, yi) in y.iter().enumerate() {
            let mut key = 0u64;
            for (b, &j) in set.iter().enumerate() {
                key |= u64::from(cands[j].values[i]) << b;
            }
            let e = reference.entry(key).or_insert((0.0, 0.0));
            e.0 += 1.0;
            e.1 += yi;
        }
        let expect: Vec<(u64, f64, f64)> =
            reference.into_iter().map(|(k, e)| (k, e.0, e.1)).collect();
        assert_eq!(pattern_groups(&cands, &set, &y), expect, "set {set:?}");
    }
}

/// Pins the selection and coefficients of a demo-city fit with both
/// operationalisations (screen, stepwise and family choice all exercised), so the
/// optimised paths (compact screen design, pattern grouping, one-pass densities) are
/// checked against the values of the reference implementation.
#[test]
fn fit_rtm_demo_selection_is_pinned() {
    // the city of the pinned reference numbers (before the demo river, and with
    // the ATM effect of that time)
    let city = generate(
        &DemoParams::new(11)
            .incidents(4000)
            .size(2000.0)
            .shares([1.0, 0.0, 0.0, 0.0])
            .river(false)
            .relative_risk("atms", 1.6),
    )
    .unwrap();
    let fp = FactorParams::new(50.0).distances(vec![50.0, 100.0, 150.0]);
    let (_, r) = fit_demo(&city, 40.0, &RtmParams::new(50.0).factors(fp));
    assert_eq!(r.diagnostics.family, "negative_binomial");
    assert_eq!(r.diagnostics.candidates, 42, "{:?}", r.diagnostics.notes);
    assert_eq!(
        r.diagnostics.screened.len(),
        19,
        "{:?}",
        r.diagnostics.screened
    );
    // (label, coefficient) of the reference implementation, by decreasing RRV.
    let pinned = [
        ("bars:proximity@100m", 0.8709985619782895),
        ("lights[status=out]:proximity@50m", 0.5768488207162366),
        ("vacant_lots:proximity@100m", 0.45158570752252036),
        ("bus_stops:density@100m", 0.3992591875450572),
        ("atms:proximity@50m", 0.3426529072619376),
    ];
    assert_eq!(r.factors.len(), pinned.len());
    for (f, (label, coef)) in r.factors.iter().zip(pinned) {
        assert_eq!(f.label, label);
        assert!(
            (f.coef - coef).abs() < 1e-8 * coef.abs(),
            "{label}: {}",
            f.coef
        );
    }
    assert!((r.model.intercept + 0.221904718467).abs() < 1e-9);
    assert!((r.diagnostics.bic - 7860.980219597).abs() < 1e-6);
}

#[test]
fn fit_rtm_all_zero_counts_is_an_error() {
    let city = generate(&DemoParams::new(3).incidents(100).size(1000.0)).unwrap();
    let grid = Grid::new(0.0, 0.0, 50.0, 10, 10).unwrap();
    let e = fit_rtm(
        &city.incidents.xy,
        &grid,
        &demo_inputs(&city),
        &RtmParams::new(50.0),
    )
    .unwrap_err();
    assert!(e.to_string().contains("all-zero"), "{e}");
}
