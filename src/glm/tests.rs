use super::penalized::DenseRows;
use super::*;
use approx::assert_abs_diff_eq;

struct Design(
    Vec<Vec<f64>>,
    Vec<f64>,
    Vec<f64>,
    Vec<f64>,
    serde_json::Value,
);

fn design() -> Design {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/glm");
    let mut rdr = csv::Reader::from_path(dir.join("design.csv")).unwrap();
    let (mut x, mut off, mut yp, mut yn) = (vec![], vec![], vec![], vec![]);
    for rec in rdr.records() {
        let r: Vec<f64> = rec.unwrap().iter().map(|s| s.parse().unwrap()).collect();
        x.push(r[0..4].to_vec());
        off.push(r[4]);
        yp.push(r[5]);
        yn.push(r[6]);
    }
    let g: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("golden.json")).unwrap()).unwrap();
    Design(x, off, yp, yn, g)
}

fn vecf(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn check(fit: &GlmFit, g: &serde_json::Value) {
    for (a, b) in fit.coef.iter().zip(vecf(&g["coef"])) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
    }
    for (a, b) in fit.se.iter().zip(vecf(&g["se"])) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
    }
    for (a, b) in fit.p.iter().zip(vecf(&g["p"])) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
    }
    assert_abs_diff_eq!(
        fit.deviance,
        g["deviance"].as_f64().unwrap(),
        epsilon = 1e-6
    );
    assert_abs_diff_eq!(
        fit.null_deviance,
        g["null_deviance"].as_f64().unwrap(),
        epsilon = 1e-6
    );
    assert_abs_diff_eq!(fit.loglik, g["loglik"].as_f64().unwrap(), epsilon = 1e-6);
    // Pearson χ² is not stationary at the optimum, so it amplifies the last digits of
    // the coefficients: compare relatively.
    let pc = g["pearson_chi2"].as_f64().unwrap();
    assert!(
        (fit.pearson_chi2 - pc).abs() < 1e-6 * pc,
        "{} vs {pc}",
        fit.pearson_chi2
    );
}

#[test]
fn fit_glm_poisson_matches_statsmodels() {
    let Design(x, off, yp, _, g) = design();
    let fit = fit_glm(&x, &yp, Some(&off), Family::Poisson, &GlmParams::new()).unwrap();
    check(&fit, &g["poisson"]);
    assert_eq!(fit.family, "poisson");
    assert_abs_diff_eq!(fit.aic, -2.0 * fit.loglik + 8.0, epsilon = 1e-9);
}

#[test]
fn fit_glm_nb_ml_matches_statsmodels() {
    let Design(x, off, _, yn, g) = design();
    let fit = fit_glm(
        &x,
        &yn,
        Some(&off),
        Family::NegativeBinomial { theta: None },
        &GlmParams::new(),
    )
    .unwrap();
    let g = &g["nb_ml"];
    check(&fit, g);
    for (a, b) in fit.coef.iter().zip(vecf(&g["coef_discrete"])) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
    }
    let theta = fit.theta.unwrap();
    assert!((theta - g["theta"].as_f64().unwrap()).abs() < 1e-6 * theta);
    assert_abs_diff_eq!(
        fit.loglik,
        g["loglik_discrete"].as_f64().unwrap(),
        epsilon = 1e-6
    );
}

#[test]
fn fit_glm_nb_fixed_theta_matches_statsmodels() {
    let Design(x, off, _, yn, g) = design();
    let fam = Family::NegativeBinomial { theta: Some(2.0) };
    let fit = fit_glm(&x, &yn, Some(&off), fam, &GlmParams::new()).unwrap();
    check(&fit, &g["nb_fixed"]);
    assert_eq!(fit.theta, Some(2.0));
}

#[test]
fn fit_poisson_penalized_matches_statsmodels_fit_regularized() {
    let Design(x, off, yp, _, g) = design();
    for name in ["enet_a", "enet_b", "enet_c"] {
        let gg = &g[name];
        let lam = gg["lambda_"].as_f64().unwrap();
        let w = gg["l1_ratio"].as_f64().unwrap();
        let pp = PenalizedParams::new(lam, w).penalty_factor(vec![0.0, 1.0, 1.0, 1.0]);
        let fit = fit_poisson_penalized(&x, &yp, Some(&off), &pp, None).unwrap();
        for (a, b) in fit.coef.iter().zip(vecf(&gg["coef"])) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
    }
}

#[test]
fn fit_poisson_penalized_zero_lambda_equals_mle() {
    let Design(x, off, yp, _, _) = design();
    let mle = fit_glm(&x, &yp, Some(&off), Family::Poisson, &GlmParams::new()).unwrap();
    let pen =
        fit_poisson_penalized(&x, &yp, Some(&off), &PenalizedParams::new(0.0, 1.0), None).unwrap();
    for (a, b) in pen.coef.iter().zip(&mle.coef) {
        assert_abs_diff_eq!(*a, *b, epsilon = 1e-8);
    }
}

#[test]
fn fit_glm_null_deviance_without_offset_equals_intercept_only_fit() {
    let Design(x, _, yp, yn, _) = design();
    let ones: Vec<Vec<f64>> = x.iter().map(|_| vec![1.0]).collect();
    for (y, fam) in [
        (&yp, Family::Poisson),
        (&yn, Family::NegativeBinomial { theta: Some(2.0) }),
    ] {
        let full = fit_glm(&x, y, None, fam, &GlmParams::new()).unwrap();
        let null = fit_glm(&ones, y, None, fam, &GlmParams::new()).unwrap();
        assert_abs_diff_eq!(full.null_deviance, null.deviance, epsilon = 1e-8);
    }
}

#[test]
fn fit_grouped_equals_row_level_fit() {
    // Two binary columns: 4 distinct rows.
    let x: Vec<Vec<f64>> = (0..200)
        .map(|i| vec![1.0, (i % 2) as f64, (i % 5 == 0) as u8 as f64])
        .collect();
    let y: Vec<f64> = (0..200)
        .map(|i| ((i * 7919) % 11) as f64 * 0.5)
        .map(f64::floor)
        .collect();
    let mut groups: std::collections::BTreeMap<(u8, u8), (f64, f64)> = Default::default();
    for (r, yi) in x.iter().zip(&y) {
        let e = groups.entry((r[1] as u8, r[2] as u8)).or_insert((0.0, 0.0));
        e.0 += 1.0;
        e.1 += yi;
    }
    let xg: Vec<Vec<f64>> = groups
        .keys()
        .map(|k| vec![1.0, k.0 as f64, k.1 as f64])
        .collect();
    let cells: Vec<f64> = groups.values().map(|v| v.0).collect();
    let ysum: Vec<f64> = groups.values().map(|v| v.1).collect();
    for theta in [None, Some(1.5)] {
        let fam = match theta {
            None => Family::Poisson,
            Some(t) => Family::NegativeBinomial { theta: Some(t) },
        };
        let full = fit_glm(&x, &y, None, fam, &GlmParams::new()).unwrap();
        let grp = fit_grouped(&xg, &cells, &ysum, theta, &GlmParams::new()).unwrap();
        for (a, b) in full.coef.iter().zip(&grp.coef) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-6);
        }
    }
}

/// Seeded nested/random indicator columns: the compact design equals the dense one.
fn indicator_case(seed: u64, n: usize) -> (Vec<Vec<u8>>, Vec<f64>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut cols: Vec<Vec<u8>> = Vec::new();
    for _layer in 0..3 {
        // Nested proximity-like columns (level ≥ k), then noisy density-like ones.
        let level: Vec<u8> = (0..n).map(|_| rng.random_range(0..5u8)).collect();
        for k in 1..=3u8 {
            cols.push(level.iter().map(|&l| u8::from(l >= k)).collect());
        }
        for _ in 0..2 {
            cols.push(
                (0..n)
                    .map(|_| u8::from(rng.random::<f64>() < 0.2))
                    .collect(),
            );
        }
    }
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let s: u8 = cols.iter().map(|c| c[i]).sum();
            (rng.random::<f64>() * (1.0 + f64::from(s) * 0.4)).floor()
        })
        .collect();
    (cols, y)
}

/// The dense design (intercept, then one 0/1 column per layer) of `rows`.
fn dense_rows(cols: &[Vec<u8>], rows: &[usize]) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|&i| {
            let mut r = vec![1.0];
            r.extend(cols.iter().map(|c| f64::from(c[i])));
            r
        })
        .collect()
}

#[test]
fn indicator_design_matches_dense_design() {
    use super::Design as _;
    use rand::{Rng, SeedableRng};
    for seed in 1..=3u64 {
        let n = 500;
        let (cols, _) = indicator_case(seed, n);
        let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
        let rows: Vec<usize> = (0..n).rev().step_by(2).collect();
        // Small pattern cap: several blocks per "layer", cross-block terms exercised.
        for cap in [3usize, 8, 256] {
            let d = IndicatorDesign::new(&refs, &rows, cap);
            let dense = dense_rows(&cols, &rows);
            let dd = DenseRows(&dense);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 100);
            let w: Vec<f64> = (0..rows.len()).map(|_| rng.random::<f64>() + 0.1).collect();
            let z: Vec<f64> = (0..rows.len()).map(|_| rng.random::<f64>() - 0.5).collect();
            let beta: Vec<f64> = (0..dd.cols()).map(|_| rng.random::<f64>() - 0.5).collect();
            let (ga, gb) = (d.gram_w(&w), dd.gram_w(&w));
            for (ra, rb) in ga.iter().zip(&gb) {
                for (a, b) in ra.iter().zip(rb) {
                    assert_abs_diff_eq!(*a, *b, epsilon = 1e-10);
                }
            }
            for (a, b) in d.xtwz(&w, &z).iter().zip(&dd.xtwz(&w, &z)) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-10);
            }
            for (a, b) in d.eta(&beta, Some(&z)).iter().zip(&dd.eta(&beta, Some(&z))) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
            }
            // A row subset keeps the pattern tables.
            let sub: Vec<usize> = (0..rows.len()).step_by(3).collect();
            let ds = d.select(&sub);
            let dense_s: Vec<Vec<f64>> = sub.iter().map(|&i| dense[i].clone()).collect();
            let es = DenseRows(&dense_s).eta(&beta, None);
            for (a, b) in ds.eta(&beta, None).iter().zip(&es) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
            }
        }
    }
}

#[test]
fn fit_poisson_penalized_design_equals_dense_fit() {
    for seed in 1..=3u64 {
        let n = 400;
        let (cols, y) = indicator_case(seed, n);
        let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
        let rows: Vec<usize> = (0..n).collect();
        let d = IndicatorDesign::new(&refs, &rows, 4);
        let dense = dense_rows(&cols, &rows);
        let off: Vec<f64> = (0..n).map(|i| ((i % 4) as f64 + 1.0).ln()).collect();
        let mut pf = vec![1.0; dense[0].len()];
        pf[0] = 0.0;
        for (lam, a) in [(0.05, 0.5), (0.01, 1.0), (0.002, 0.3)] {
            let pp = PenalizedParams::new(lam, a).penalty_factor(pf.clone());
            let fd = fit_poisson_penalized(&dense, &y, Some(&off), &pp, None).unwrap();
            let fc = fit_poisson_penalized_design(&d, &y, Some(&off), &pp, None).unwrap();
            for (x, z) in fc.coef.iter().zip(&fd.coef) {
                assert_abs_diff_eq!(*x, *z, epsilon = 1e-8);
                assert_eq!(*x == 0.0, *z == 0.0, "same zero pattern");
            }
            assert_abs_diff_eq!(fc.objective, fd.objective, epsilon = 1e-12);
        }
    }
}

#[test]
fn fit_glm_collinear_names_column() {
    let x: Vec<Vec<f64>> = (0..30)
        .map(|i| {
            let a = (i % 2) as f64;
            let b = (i % 3 == 0) as u8 as f64;
            vec![1.0, a, b, a + 2.0 * b]
        })
        .collect();
    let y: Vec<f64> = (0..30).map(|i| (i % 4) as f64).collect();
    let e = fit_glm(&x, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Degenerate {
                analysis: "GLM",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("column 3"), "{e}");
    // A constant column besides the intercept.
    let x2: Vec<Vec<f64>> = (0..30).map(|i| vec![1.0, (i % 2) as f64, 1.0]).collect();
    let e = fit_glm(&x2, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
    assert!(e.to_string().contains("column 2"), "{e}");
    let x3: Vec<Vec<f64>> = (0..30).map(|i| vec![1.0, 0.0, (i % 2) as f64]).collect();
    let e = fit_glm(&x3, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
    assert!(
        e.to_string()
            .contains("column 1 of the design matrix is all zero"),
        "{e}"
    );
}

#[test]
fn fit_glm_all_zero_counts_is_an_error() {
    let x: Vec<Vec<f64>> = (0..10).map(|i| vec![1.0, (i % 2) as f64]).collect();
    let e = fit_glm(&x, &[0.0; 10], None, Family::Poisson, &GlmParams::new()).unwrap_err();
    assert!(e.to_string().contains("all counts are zero"), "{e}");
}

#[test]
fn fit_glm_nonconvergence_names_iterations() {
    let Design(x, off, yp, _, _) = design();
    let e = fit_glm(
        &x,
        &yp,
        Some(&off),
        Family::Poisson,
        &GlmParams::new().max_iter(2),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Numerical(_)));
    assert!(
        e.to_string().contains("did not converge in 2 iterations"),
        "{e}"
    );
}

#[test]
fn fit_glm_bad_input_is_an_error() {
    let x = vec![vec![1.0], vec![1.0]];
    assert!(fit_glm(&x, &[1.0], None, Family::Poisson, &GlmParams::new()).is_err());
    assert!(fit_glm(&x, &[1.0, -1.0], None, Family::Poisson, &GlmParams::new()).is_err());
    let x = vec![vec![1.0, 0.0], vec![1.0]];
    assert!(fit_glm(&x, &[1.0, 2.0], None, Family::Poisson, &GlmParams::new()).is_err());
    let fam = Family::NegativeBinomial { theta: Some(-1.0) };
    let x: Vec<Vec<f64>> = (0..5).map(|_| vec![1.0]).collect();
    assert!(fit_glm(&x, &[1.0, 2.0, 0.0, 3.0, 1.0], None, fam, &GlmParams::new()).is_err());
}

#[test]
fn fit_glm_nb_equidispersed_reports_theta_divergence() {
    // Perfectly equal counts: no overdispersion at all, θ → ∞.
    let x: Vec<Vec<f64>> = (0..50).map(|i| vec![1.0, (i % 2) as f64]).collect();
    let y: Vec<f64> = (0..50)
        .map(|i| if i % 2 == 0 { 3.0 } else { 5.0 })
        .collect();
    let e = fit_glm(
        &x,
        &y,
        None,
        Family::NegativeBinomial { theta: None },
        &GlmParams::new(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("θ"), "{e}");
}

#[test]
fn special_functions_known_values() {
    assert_abs_diff_eq!(ln_gamma(1.0), 0.0, epsilon = 1e-13);
    assert_abs_diff_eq!(
        ln_gamma(0.5),
        std::f64::consts::PI.sqrt().ln(),
        epsilon = 1e-13
    );
    assert_abs_diff_eq!(ln_gamma(101.0), 363.73937555556347, epsilon = 1e-10);
    assert_abs_diff_eq!(digamma(1.0), -0.5772156649015329, epsilon = 1e-13);
    assert_abs_diff_eq!(
        trigamma(1.0),
        std::f64::consts::PI.powi(2) / 6.0,
        epsilon = 1e-13
    );
    assert_abs_diff_eq!(two_sided_p(1.959963984540054), 0.05, epsilon = 1e-13);
    assert_abs_diff_eq!(two_sided_p(0.0), 1.0, epsilon = 1e-14);
    assert_abs_diff_eq!(two_sided_p(5.0), 5.733031437583878e-07, epsilon = 1e-19);
    assert_abs_diff_eq!(normal_quantile(0.975), 1.959963984540054, epsilon = 1e-12);
    assert_abs_diff_eq!(normal_quantile(0.001), -3.090232306167813, epsilon = 1e-12);
}
