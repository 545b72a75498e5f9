//! Parity of the point-pattern statistics with pointpats 2.5.5 and independent numpy
//! code (`fixtures/golden/stats`, recipe `scripts/golden/stats.sh`). Run with
//! `cargo test --lib pattern::parity -- --nocapture` for the figures.

use serde_json::Value;

use crate::pattern::{
    cross_k, nearest_neighbour_index, ripley_k, BorderCorrection, NniParams, RipleyParams,
    StudyArea,
};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden")
}

fn golden(name: &str) -> Value {
    let p = root().join("stats").join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn read_xy(rel: &str) -> Vec<[f64; 2]> {
    let mut r = csv::Reader::from_path(root().join(rel)).unwrap();
    let h = r.headers().unwrap().clone();
    let (ix, iy) = (
        h.iter().position(|c| c == "x").unwrap(),
        h.iter().position(|c| c == "y").unwrap(),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            [rec[ix].parse().unwrap(), rec[iy].parse().unwrap()]
        })
        .collect()
}

fn inputs() -> [(&'static str, Vec<[f64; 2]>); 2] {
    [
        ("A", read_xy("hotspots/A_input_xy.csv")),
        ("C", read_xy("near_repeat/C/input.csv")),
    ]
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            if y.abs() < 1e-300 {
                (x - y).abs()
            } else {
                (x - y).abs() / y.abs()
            }
        })
        .fold(0.0, f64::max)
}

#[test]
fn parity_ripley_k_l_pointpats() {
    let g = golden("ripley.json");
    for (name, pts) in inputs() {
        let e = &g[name];
        let area = StudyArea::bounding_box(&pts).unwrap();
        assert!((area.area() / e["area"].as_f64().unwrap() - 1.0).abs() < 1e-12);
        let support = vec_of(&e["support"]);
        // 999 simulations as the golden on C; 99 on A (2,000 points) to keep the test fast
        let sims: usize = if name == "A" { 99 } else { 999 };
        let r = ripley_k(
            &pts,
            &area,
            &RipleyParams::new()
                .distances(support.clone())
                .simulations(sims)
                .seed(3),
        )
        .unwrap();
        let (dk, dl) = (
            max_rel(&r.k, &vec_of(&e["k"])),
            max_rel(&r.l, &vec_of(&e["l"])),
        );
        let dk_test = max_rel(&r.k, &vec_of(&e["k_test_statistic"]));
        // envelope: our simulations keep the study area fixed; pointpats divides each
        // simulated pattern by the area of its own (slightly smaller) bounding box, which
        // lowers its simulated K by about 4/n relative; compare the simulated means within
        // that bias plus 4 Monte Carlo standard errors
        let env = r.envelope.as_ref().unwrap();
        let (pm, psd) = (vec_of(&e["sim_mean"]), vec_of(&e["sim_sd"]));
        let bias = 4.0 / pts.len() as f64;
        let mut worst_mean = 0.0f64;
        for k in 1..support.len() {
            let se = psd[k] * (1.0 / 999.0 + 1.0 / sims as f64).sqrt();
            let d = (env.k_mean[k] - pm[k]).abs();
            assert!(
                d <= 4.0 * se + 1.5 * bias * pm[k],
                "{name} r={}: simulated mean {} vs pointpats {} (SE {se})",
                support[k],
                env.k_mean[k],
                pm[k]
            );
            worst_mean = worst_mean.max(d / pm[k]);
        }
        // p-values: both clustered beyond every simulation at r > 0, i.e. at the minimum
        // p of their simulation counts (pointpats gives r = 0, where every K is 0, p = 0 by
        // its min(p, 1 - p) rule; ours is 1)
        let pp = vec_of(&e["k_test_pvalue"]);
        for k in 1..support.len() {
            assert_eq!(pp[k], 1.0 / 1000.0, "{name} r={}", support[k]);
            assert_eq!(
                env.p_sim[k],
                1.0 / (sims + 1) as f64,
                "{name} r={}",
                support[k]
            );
        }
        eprintln!(
            "PARITY ripley/{name} (pointpats k, l, k_test; n = {}, {} distances): K max rel {dk:.2e}, L max rel {dl:.2e}, k_test statistic max rel {dk_test:.2e}; simulated mean K within {:.2}% of pointpats; both at the minimum p at every r > 0 ({sims} simulations here)",
            pts.len(),
            support.len(),
            100.0 * worst_mean
        );
        assert!(dk < 1e-12 && dl < 1e-12 && dk_test < 1e-12);
    }
}

#[test]
fn parity_cross_k_numpy() {
    let e = golden("cross_k.json");
    let a = read_xy("hotspots/A_input_xy.csv");
    let inc: Vec<[f64; 2]> = a
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 0)
        .map(|x| *x.1)
        .collect();
    let fac: Vec<[f64; 2]> = a
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 == 0)
        .map(|x| *x.1)
        .collect();
    let b = vec_of(&e["bbox"]);
    let area = StudyArea::rectangle([b[0], b[1], b[2], b[3]]).unwrap();
    let r = cross_k(
        &inc,
        &fac,
        &area,
        &RipleyParams::new()
            .distances(vec_of(&e["support"]))
            .simulations(0),
    )
    .unwrap();
    assert_eq!(r.n, e["n_incidents"].as_u64().unwrap() as usize);
    assert_eq!(
        r.n_other,
        Some(e["n_facilities"].as_u64().unwrap() as usize)
    );
    let d = max_rel(&r.k, &vec_of(&e["k12"]));
    eprintln!(
        "PARITY cross-K (numpy cdist, 1,500 x 500 points of A, 21 distances): K12 max rel {d:.2e}"
    );
    assert!(d < 1e-12);
}

#[test]
fn parity_nni_pointpats_numpy() {
    let g = golden("nni.json");
    for (name, pts) in inputs() {
        let e = &g[name];
        let area = StudyArea::bounding_box(&pts).unwrap();
        let mut worst = 0.0f64;
        for (corr, key) in [
            (BorderCorrection::None, "none"),
            (BorderCorrection::Rectangle, "rectangle"),
            (BorderCorrection::Boundary, "rectangle"),
        ] {
            let r = nearest_neighbour_index(
                &pts,
                &area,
                &NniParams::new().correction(corr).simulations(0),
            )
            .unwrap();
            let c = &e[key];
            let f = |k: &str| c[k].as_f64().unwrap();
            for (ours, theirs) in [
                (r.mean_distance, f("mean")),
                (r.expected_distance, f("expected")),
                (r.nni, f("nni")),
                (r.se, f("se")),
                (r.z, f("z")),
            ] {
                worst = worst.max((ours - theirs).abs() / theirs.abs());
            }
            assert!((r.p - f("p_two_sided")).abs() <= 1e-9 * f("p_two_sided") + 1e-300);
            assert_eq!(
                r.corrected_points as u64,
                c["corrected_points"].as_u64().unwrap()
            );
            if corr == BorderCorrection::None {
                let pm = e["pointpats_mean_nnd"].as_f64().unwrap();
                worst = worst.max((r.mean_distance - pm).abs() / pm);
            }
        }
        eprintln!(
            "PARITY nni/{name} (pointpats mean_nnd + numpy Clark-Evans, none / rectangle / boundary of the box): max rel diff {worst:.2e}"
        );
        assert!(worst < 1e-12);
    }
}
