use super::*;
use approx::assert_relative_eq;

/// A 4 × 4 Knox result (analytic tables only) with the given significant cells.
fn result_with(sig: &[(usize, usize)]) -> KnoxResult {
    let space_breaks = vec![0.0, 100.0, 200.0, 300.0, 400.0];
    let time_breaks = vec![0.0, 7.0, 14.0, 21.0, 28.0];
    let mut ratio = vec![vec![1.0; 4]; 4];
    let mut p = vec![vec![0.5; 4]; 4];
    for &(s, t) in sig {
        ratio[s][t] = 1.5 + s as f64 * 0.1 + t as f64 * 0.01;
        p[s][t] = 0.001;
    }
    KnoxResult {
        n_events: 500,
        excluded_missing_time: 0,
        excluded_coarse_time: 0,
        excluded_off_network: 0,
        time_unit: TimePrecision::Day,
        metric: Metric::Manhattan,
        space_labels: vec!["[0,100)".into(); 4],
        time_labels: vec!["[0,7)".into(); 4],
        space_breaks,
        time_breaks,
        n_pairs: 124_750,
        n_pairs_in_table: 1000,
        close_pairs: 1000,
        close_pair_bytes: 8000,
        same_place_same_time_pairs: 0,
        observed: vec![vec![10; 4]; 4],
        permutation: None,
        analytic: AnalyticTables {
            space_margin: vec![0; 4],
            time_margin: vec![0; 4],
            expected: vec![vec![8.0; 4]; 4],
            knox_ratio: ratio,
            p_poisson: p,
        },
        method_used: "analytic".into(),
        warnings: Vec::new(),
    }
}

#[test]
fn summary_describes_non_contiguous_bands_as_they_are() {
    // the only significant band is [0,100) x [21,28)
    let s = result_with(&[(0, 3)]).summary("burglary");
    assert!(
        s.contains("in 1 band(s), not contiguous from the origin: within 100 m and 21-27 days"),
        "{s}"
    );
    assert!(!s.contains("reaching up to"), "{s}");
    // two separate bands are both named
    let s = result_with(&[(0, 0), (2, 2)]).summary("burglary");
    assert!(
        s.contains("within 100 m and 0-6 days; 200-300 m away and 14-20 days"),
        "{s}"
    );
    // a block from the origin keeps the short form
    let s = result_with(&[(0, 0), (0, 1), (1, 0)]).summary("burglary");
    assert!(
        s.contains("in 3 band(s), reaching up to 200 m and 14 days"),
        "{s}"
    );
}

/// Brute force over all pairs (the reference the scalable code must equal).
fn brute(xy: &[[f64; 2]], t: &[i64], p: &KnoxParams, upd: f64) -> Vec<Vec<u64>> {
    let nk = p.space_breaks.len() - 1;
    let nl = p.time_breaks.len() - 1;
    let mut out = vec![vec![0u64; nl]; nk];
    for i in 0..xy.len() {
        for j in i + 1..xy.len() {
            let d = p.metric.distance(xy[i], xy[j]);
            let dt = (t[i] - t[j]).abs() as f64 / upd;
            let s = p.space_breaks.partition_point(|&b| b <= d);
            let b = p.time_breaks.partition_point(|&b| b <= dt);
            if s >= 1 && s <= nk && b >= 1 && b <= nl {
                out[s - 1][b - 1] += 1;
            }
        }
    }
    out
}

fn random_events(n: usize, seed: u64, side: f64, days: i64) -> (Vec<[f64; 2]>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let xy = (0..n)
        .map(|_| [rng.random::<f64>() * side, rng.random::<f64>() * side])
        .collect();
    let t = (0..n).map(|_| rng.random_range(0..days)).collect();
    (xy, t)
}

#[test]
fn knox_xyt_equals_brute_force() {
    let (mut xy, mut t) = random_events(600, 3, 2000.0, 120);
    // exact duplicates and same places
    xy[10] = xy[11];
    t[10] = t[11];
    xy[20] = xy[21];
    for metric in [Metric::Manhattan, Metric::Euclidean] {
        for (sb, tbr) in [
            (
                vec![0.0, 100.0, 200.0, 400.0, f64::INFINITY],
                vec![0.0, 7.0, 14.0, f64::INFINITY],
            ),
            (vec![50.0, 100.0, 300.0], vec![1.0, 7.0, 30.0]),
            (
                vec![0.0, 1.0, 101.0, 201.0],
                vec![0.0, 1.0, 8.0, f64::INFINITY],
            ),
            (vec![0.0, f64::INFINITY], vec![0.0, 7.0]),
        ] {
            let p = KnoxParams::new(sb, tbr).metric(metric).nrep(0);
            let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
            assert_eq!(r.observed, brute(&xy, &t, &p, 1.0), "{p:?}");
            assert_eq!(r.n_pairs, 600 * 599 / 2);
        }
    }
}

#[test]
fn knox_xyt_seconds_unit_matches_brute_force() {
    let (xy, t) = random_events(300, 5, 1500.0, 30 * DAY);
    let p = KnoxParams::new(vec![0.0, 200.0, f64::INFINITY], vec![0.0, 0.5, 3.0, 10.0]).nrep(0);
    let r = knox_xyt(&xy, &t, TimePrecision::Second, &p).unwrap();
    assert_eq!(r.observed, brute(&xy, &t, &p, DAY as f64));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn knox_xyt_invariant_to_input_order_and_threads() {
    let (xy, t) = random_events(400, 9, 1000.0, 60);
    let p = KnoxParams::new(
        vec![0.0, 100.0, 200.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, f64::INFINITY],
    )
    .nrep(49)
    .seed(7);
    let a = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
    let mut order: Vec<usize> = (0..xy.len()).rev().collect();
    order.swap(3, 200);
    let xy2: Vec<[f64; 2]> = order.iter().map(|&i| xy[i]).collect();
    let t2: Vec<i64> = order.iter().map(|&i| t[i]).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| knox_xyt(&xy2, &t2, TimePrecision::Day, &p).unwrap());
    assert_eq!(a.observed, b.observed);
    let (pa, pb) = (a.permutation.unwrap(), b.permutation.unwrap());
    assert_eq!(pa.n_sim_ge_obs, pb.n_sim_ge_obs);
    assert_eq!(pa.expected_mean, pb.expected_mean);
}

#[test]
fn knox_xyt_permutation_mean_near_analytic() {
    let (xy, t) = random_events(500, 11, 1500.0, 90);
    let p = KnoxParams::new(
        vec![0.0, 100.0, 250.0, f64::INFINITY],
        vec![0.0, 7.0, 21.0, f64::INFINITY],
    )
    .nrep(199)
    .seed(3);
    let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
    let pm = r.permutation.as_ref().unwrap();
    for k in 0..3 {
        for b in 0..3 {
            let e = r.analytic.expected[k][b];
            let se = pm.sim_sd[k][b] / (199f64).sqrt();
            assert!(
                (pm.expected_mean[k][b] - e).abs() <= 5.0 * se + 1e-9,
                "{k} {b}: {} vs {e} (se {se})",
                pm.expected_mean[k][b]
            );
        }
    }
    // margins add up
    assert_eq!(r.analytic.space_margin.iter().sum::<u64>(), r.n_pairs);
    assert_eq!(r.analytic.time_margin.iter().sum::<u64>(), r.n_pairs);
    assert_eq!(r.n_pairs_in_table, r.n_pairs);
}

#[test]
fn knox_xyt_degenerate_inputs() {
    let p = KnoxParams::new(
        vec![0.0, 100.0, f64::INFINITY],
        vec![0.0, 7.0, f64::INFINITY],
    )
    .nrep(19);
    // one event
    assert!(knox_xyt(&[[0.0, 0.0]], &[0], TimePrecision::Day, &p).is_err());
    // all at the same time: every pair in [0,7), permutations change nothing
    let xy: Vec<[f64; 2]> = (0..30).map(|i| [i as f64 * 10.0, 0.0]).collect();
    let r = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p).unwrap();
    assert_eq!(r.observed[0][1] + r.observed[1][1], 0);
    let pm = r.permutation.as_ref().unwrap();
    assert_eq!(pm.p_value[0][0], 1.0);
    assert_relative_eq!(pm.knox_ratio[0][0], 1.0);
    assert!(pm.knox_ratio[0][1].is_nan());
    // duplicate points and times are counted and flagged
    let r = knox_xyt(&[[1.0, 1.0]; 3], &[4; 3], TimePrecision::Day, &p).unwrap();
    assert_eq!(r.observed[0][0], 3);
    assert_eq!(r.same_place_same_time_pairs, 3);
    assert!(!r.warnings.is_empty());
    // bad breaks
    for (s, t) in [
        (vec![100.0, 0.0], vec![0.0, 7.0]),
        (vec![0.0], vec![0.0, 7.0]),
        (vec![0.0, f64::INFINITY, 5.0], vec![0.0, 7.0]),
        (vec![0.0, 100.0], vec![-1.0, 7.0]),
        (vec![0.0, f64::NAN], vec![0.0, 7.0]),
    ] {
        assert!(knox_xyt(&xy, &[5; 30], TimePrecision::Day, &KnoxParams::new(s, t)).is_err());
    }
    // close-pair limit
    let p2 = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0]).max_close_pairs(10);
    assert!(knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p2).is_err());
}

#[test]
fn knox_max_pairs_error_names_count_memory_and_remedies() {
    let xy: Vec<[f64; 2]> = (0..30).map(|i| [i as f64, 0.0]).collect();
    let p = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0]).max_pairs(10);
    let e = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p)
        .unwrap_err()
        .to_string();
    for want in [
        "435 pairs",
        "4 kB",
        "limit of 10",
        "`max_pairs`",
        "`nrep` 0",
    ] {
        assert!(e.contains(want), "{want:?} not in {e}");
    }
    // raised to exactly the count: runs
    let p = p.max_pairs(435);
    assert_eq!(
        knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p)
            .unwrap()
            .close_pairs,
        435
    );
    // without permutations nothing is stored, so the limit does not apply
    let p = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0])
        .max_pairs(10)
        .nrep(0);
    let r = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p).unwrap();
    assert_eq!(r.observed, vec![vec![435]]);
    assert_eq!((r.close_pairs, r.close_pair_bytes), (435, 0));
}

#[test]
fn knox_streamed_table_equals_stored_pairs() {
    // clustered events on a 1 m lattice with shared days: pairs on band edges,
    // same places, same times; both metrics, with and without "beyond" bands
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for case in 0..8 {
        let n = 300 + 200 * case;
        let xy: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let c = (i % 4) as f64 * 700.0;
                [
                    c + rng.random_range(0..400) as f64,
                    rng.random_range(0..400) as f64,
                ]
            })
            .collect();
        let t: Vec<i64> = (0..n).map(|_| rng.random_range(0..120)).collect();
        let space = if case % 2 == 0 {
            vec![0.0, 1.0, 100.0, 200.0, f64::INFINITY]
        } else {
            vec![10.0, 100.0, 300.0]
        };
        let time = if case % 4 < 2 {
            vec![0.0, 7.0, 14.0, f64::INFINITY]
        } else {
            vec![1.0, 7.0, 30.0]
        };
        let metric = if case % 3 == 0 {
            Metric::Euclidean
        } else {
            Metric::Manhattan
        };
        let p = KnoxParams::new(space, time).metric(metric).nrep(0);
        let streamed = knox_xyt_impl(&xy, &t, TimePrecision::Day, &p, false).unwrap();
        let stored = knox_xyt_impl(&xy, &t, TimePrecision::Day, &p, true).unwrap();
        assert_eq!(streamed.close_pair_bytes, 0);
        assert_eq!(stored.close_pair_bytes, 8 * stored.close_pairs);
        assert_eq!(streamed.close_pairs, stored.close_pairs, "case {case}");
        assert_eq!(streamed.observed, stored.observed, "case {case}");
        assert_eq!(streamed.n_pairs_in_table, stored.n_pairs_in_table);
        assert_eq!(streamed.analytic.space_margin, stored.analytic.space_margin);
        assert_eq!(streamed.analytic.time_margin, stored.analytic.time_margin);
        assert_eq!(streamed.analytic.expected, stored.analytic.expected);
        let bits = |r: &KnoxResult| -> Vec<u64> {
            r.analytic
                .p_poisson
                .iter()
                .flatten()
                .map(|v| v.to_bits())
                .collect()
        };
        assert_eq!(bits(&streamed), bits(&stored));
        // and the permutation run (which stores) has the same observed table
        let perm = knox_xyt(&xy, &t, TimePrecision::Day, &p.clone().nrep(9)).unwrap();
        assert_eq!(perm.observed, streamed.observed);
        assert!(stored.close_pairs > 0);
    }
}

#[test]
fn knox_missing_and_coarse_times_are_excluded() {
    let mut inc = crate::repeat::tests::incidents(
        &[[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]],
        &[Some(0), Some(DAY), None, Some(2 * DAY)],
        TimePrecision::Day,
    );
    inc.precision[3] = TimePrecision::Month;
    let p = KnoxParams::new(vec![0.0, 100.0], vec![0.0, 7.0]).nrep(9);
    let r = knox(&inc, &p).unwrap();
    assert_eq!(r.n_events, 2);
    assert_eq!((r.excluded_missing_time, r.excluded_coarse_time), (1, 1));
    assert_eq!(r.observed, vec![vec![1]]);
    assert_eq!(r.time_unit, TimePrecision::Day);
}

#[test]
fn knox_day_precision_half_day_break_warns() {
    let p = KnoxParams::new(vec![0.0, 100.0], vec![0.0, 0.5, 7.0]).nrep(0);
    let r = knox_xyt(&[[0.0, 0.0], [1.0, 0.0]], &[3, 3], TimePrecision::Day, &p).unwrap();
    assert_eq!(r.observed, vec![vec![1, 0]]);
    assert!(r.warnings.iter().any(|w| w.contains("0.5")));
}

#[test]
fn poisson_sf_ge_known_values() {
    assert_relative_eq!(poisson_sf_ge(0, 3.0), 1.0);
    // P(X >= 1) = 1 - e^-2
    assert_relative_eq!(
        poisson_sf_ge(1, 2.0),
        1.0 - (-2.0f64).exp(),
        epsilon = 1e-13
    );
    // P(X >= 3 | 2) = 1 - e^-2 (1 + 2 + 2)
    assert_relative_eq!(
        poisson_sf_ge(3, 2.0),
        1.0 - (-2.0f64).exp() * 5.0,
        epsilon = 1e-13
    );
    // large lambda: close to the normal tail at the mean (~0.5)
    let p = poisson_sf_ge(1_000_000, 1_000_000.0);
    assert!((p - 0.5).abs() < 0.01, "{p}");
    assert_relative_eq!(ln_gamma(10.0), (362_880f64).ln(), epsilon = 1e-12);
}

#[test]
fn nrc_breaks_match_the_vignette() {
    let p = KnoxParams::nrc(100.0, 3, 7.0, 3).unwrap();
    assert_eq!(
        p.space_breaks,
        vec![0.0, 1.0, 100.0, 200.0, 300.0, f64::INFINITY]
    );
    assert_eq!(p.time_breaks, vec![0.0, 7.0, 14.0, 21.0, f64::INFINITY]);
    assert!(KnoxParams::nrc(0.5, 3, 7.0, 3).is_err());
    assert_eq!(
        band_labels(&p.space_breaks),
        vec!["[0,1)", "[1,100)", "[100,200)", "[200,300)", "[300,Inf)"]
    );
}
// ---- golden parity with NearRepeat (fixtures/golden/near_repeat, ../shared/golden) ----

fn num(s: &str) -> f64 {
    match s {
        "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" | "NA" => f64::NAN,
        _ => s.parse().unwrap(),
    }
}

fn read_table(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn golden_case(
    case: &str,
    input: Option<std::path::PathBuf>,
    crs: Option<crate::Crs>,
    nrep_r: f64,
) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("fixtures/golden/near_repeat").join(case);
    let Some(input) = input.filter(|p| p.exists()) else {
        eprintln!("skipping golden case {case}: input not found");
        return;
    };
    let mut opts = crate::LoadOptions::new();
    if let Some(c) = crs {
        opts = opts.crs(c);
    }
    let (inc, _) = crate::load_incidents(&input, &opts).unwrap();
    let (sds, tds) = if case == "A" {
        (
            vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
            vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
        )
    } else {
        (
            vec![0.0, 1.0, 201.0, 401.0, 601.0, 801.0, 1001.0, f64::INFINITY],
            vec![0.0, 1.0, 8.0, 15.0, 22.0, 29.0, f64::INFINITY],
        )
    };
    for metric in [Metric::Manhattan, Metric::Euclidean] {
        let p = KnoxParams::new(sds.clone(), tds.clone())
            .metric(metric)
            .nrep(999)
            .seed(20261128);
        let r = knox(&inc, &p).unwrap();
        assert_eq!(r.time_unit, TimePrecision::Day);
        let long = read_table(&dir.join(format!("knox_{}.long.csv", metric.name())));
        let ind = read_table(&dir.join(format!("independent_{}.csv", metric.name())));
        let cells = r.cells();
        assert_eq!(cells.len(), long.len());
        let pm = r.permutation.as_ref().unwrap();
        let nl = r.time_labels.len();
        let mut max_z: f64 = 0.0;
        for (k, (c, (g, gi))) in cells.iter().zip(long.iter().zip(&ind)).enumerate() {
            let (s, t) = (k / nl, k % nl);
            assert_eq!(c.s_band, g["s_band"], "{case} {metric:?}");
            assert_eq!(c.t_band, g["t_band"]);
            assert_eq!(
                c.observed as f64,
                num(&g["observed"]),
                "{case} {metric:?} {} {}",
                c.s_band,
                c.t_band
            );
            assert_eq!(c.observed as f64, num(&gi["observed"]));
            let ex = num(&gi["expected_exact"]);
            assert!(
                (c.expected_analytic - ex).abs() <= 1e-9 * ex.max(1.0),
                "{} vs {ex}",
                c.expected_analytic
            );
            // permutation mean within Monte Carlo error of the exact expectation
            let se = pm.sim_sd[s][t] / 999f64.sqrt();
            if se > 0.0 {
                let z = (pm.expected_mean[s][t] - ex) / se;
                max_z = max_z.max(z.abs());
                assert!(
                    z.abs() < 5.0,
                    "{case} {metric:?} {} {}: z = {z}",
                    c.s_band,
                    c.t_band
                );
            }
            // p-values agree with NearRepeat's within Monte Carlo error of both runs
            let pr = num(&g["p_value"]);
            let pb = 0.5 * (pr + c.p_value);
            let tol = 5.0 * (pb * (1.0 - pb) * (1.0 / 999.0 + 1.0 / nrep_r)).sqrt()
                + 2.0 / (nrep_r + 1.0);
            assert!(
                (c.p_value - pr).abs() <= tol,
                "{case} {metric:?} {} {}: p {} vs R {pr}",
                c.s_band,
                c.t_band,
                c.p_value
            );
        }
        eprintln!(
            "golden {case} {metric:?}: observed equal; max |z| of mean vs exact = {max_z:.2}"
        );
    }
}

#[test]
fn knox_golden_parity_a() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    golden_case(
        "A",
        Some(root.join("fixtures/golden/near_repeat/A/input.csv")),
        None,
        999.0,
    );
}

#[test]
fn knox_golden_parity_c() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    golden_case(
        "C",
        Some(root.join("fixtures/golden/near_repeat/C/input.csv")),
        Some(crate::Crs::Epsg { code: 26971 }),
        999.0,
    );
}

#[test]
fn knox_golden_parity_b() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    golden_case(
        "B",
        Some(root.join("../shared/golden/near_repeat/B/input.csv")),
        Some(crate::Crs::Epsg { code: 26971 }),
        99.0,
    );
}

#[test]
fn knox_null_p_values_are_uniform() {
    // 200 data sets without any space-time interaction: p <= 0.05 about 5% of the time
    let p = KnoxParams::new(
        vec![0.0, 500.0, f64::INFINITY],
        vec![0.0, 20.0, f64::INFINITY],
    )
    .nrep(99);
    let ps: Vec<f64> = (0..200u64)
        .into_par_iter()
        .map(|k| {
            let (xy, t) = random_events(60, 1000 + k, 1000.0, 60);
            let r = knox_xyt(&xy, &t, TimePrecision::Day, &p.clone().seed(k)).unwrap();
            r.permutation.unwrap().p_value[0][0]
        })
        .collect();
    let rej = ps.iter().filter(|&&v| v <= 0.05).count() as f64 / ps.len() as f64;
    let mean = ps.iter().sum::<f64>() / ps.len() as f64;
    assert!((0.005..=0.11).contains(&rej), "rejection rate {rej}");
    assert!((mean - 0.5).abs() < 0.07, "mean p {mean}");
}
#[test]
fn knox_detects_demo_city_chains_and_not_shuffled() {
    let city = crate::demo::generate(&crate::demo::DemoParams::new(7).incidents(6000).size(3000.0))
        .unwrap();
    let inc = &city.incidents;
    let c = inc.categories.iter().position(|c| c == "burglary").unwrap() as u32;
    let burg = inc.filter(|i| inc.category[i] == c);
    let p = KnoxParams::new(
        vec![0.0, 100.0, 200.0, f64::INFINITY],
        vec![0.0, 7.0, 14.0, 28.0, f64::INFINITY],
    )
    .nrep(99)
    .seed(5);
    let r = knox(&burg, &p).unwrap();
    let pm = r.permutation.as_ref().unwrap();
    for b in 0..2 {
        assert!(pm.knox_ratio[0][b] > 1.2, "{:?}", pm.knox_ratio);
        assert!(pm.p_value[0][b] <= 0.02, "{:?}", pm.p_value);
    }
    // shuffle the times: the pattern must vanish
    let mut shuffled = burg.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    for k in (1..shuffled.len()).rev() {
        let j = rng.random_range(0..=k);
        shuffled.time.swap(k, j);
    }
    let r = knox(&shuffled, &p).unwrap();
    let pm = r.permutation.as_ref().unwrap();
    for b in 0..2 {
        assert!(
            (0.75..1.25).contains(&pm.knox_ratio[0][b]),
            "{:?}",
            pm.knox_ratio
        );
        assert!(pm.p_value[0][b] > 0.01, "{:?}", pm.p_value);
    }
}
mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Observed counts equal brute force, do not depend on input order, and the
        /// permutation results do not depend on input order either.
        #[test]
        fn knox_counts_invariant_to_input_order(
            ev in proptest::collection::vec((0.0..400.0f64, 0.0..400.0f64, 0i64..40), 2..70),
            rot in 0usize..70,
            euclid in any::<bool>(),
        ) {
            let xy: Vec<[f64; 2]> = ev.iter().map(|e| [e.0.round(), e.1.round()]).collect();
            let t: Vec<i64> = ev.iter().map(|e| e.2).collect();
            let metric = if euclid { Metric::Euclidean } else { Metric::Manhattan };
            let p = KnoxParams::new(vec![0.0, 1.0, 50.0, 120.0, f64::INFINITY], vec![0.0, 1.0, 7.0, 14.0, f64::INFINITY])
                .metric(metric)
                .nrep(9)
                .seed(3);
            let a = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
            prop_assert_eq!(&a.observed, &brute(&xy, &t, &p, 1.0));
            let k = rot % xy.len();
            let mut xy2 = xy.clone();
            let mut t2 = t.clone();
            xy2.rotate_left(k);
            t2.rotate_left(k);
            xy2.reverse();
            t2.reverse();
            let b = knox_xyt(&xy2, &t2, TimePrecision::Day, &p).unwrap();
            prop_assert_eq!(&a.observed, &b.observed);
            prop_assert_eq!(
                &a.permutation.as_ref().unwrap().n_sim_ge_obs,
                &b.permutation.as_ref().unwrap().n_sim_ge_obs
            );
        }
    }
}
