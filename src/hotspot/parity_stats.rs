//! Parity of the global statistics and the incremental spatial autocorrelation with
//! esda 2.9 / libpysal 4.14 (`fixtures/golden/stats`, recipe `scripts/golden/stats.sh`).
//! Run with `cargo test --lib hotspot::parity_stats -- --nocapture` for the figures.

use serde_json::Value;

use crate::grid::Grid;
use crate::hotspot::global::{
    geary_c, general_g, global_moran, GlobalParams, GlobalStatistic, Transform,
};
use crate::hotspot::incremental::{incremental_autocorrelation_grid, IncrementalParams};
use crate::hotspot::weights::{grid_weights, point_weights, Weights, WeightsSpec};
use crate::hotspot::CellGrid;

fn golden(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/golden/stats")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn csv_cols(name: &str, cols: &[&str]) -> Vec<Vec<f64>> {
    let text = golden(name);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| h.iter().position(|x| x == *c).unwrap())
        .collect();
    let mut out = vec![Vec::new(); cols.len()];
    for rec in r.records() {
        let rec = rec.unwrap();
        for (k, &i) in idx.iter().enumerate() {
            out[k].push(rec[i].parse::<f64>().unwrap());
        }
    }
    out
}

/// Relative difference, with an absolute floor for values near 0.
fn rel(a: f64, b: f64) -> f64 {
    if a.abs().max(b.abs()) < 1e-12 {
        (a - b).abs()
    } else {
        (a - b).abs() / b.abs()
    }
}

struct Worst {
    rel: f64,
    abs: f64,
    what: String,
}

impl Worst {
    fn new() -> Self {
        Worst {
            rel: 0.0,
            abs: 0.0,
            what: String::new(),
        }
    }
    fn check(&mut self, what: &str, ours: f64, esda: f64) {
        let r = rel(ours, esda);
        if r > self.rel {
            self.rel = r;
            self.what = what.to_string();
        }
        self.abs = self.abs.max((ours - esda).abs());
    }
}

fn grid_case() -> (CellGrid, Vec<f64>) {
    let g: Value = serde_json::from_str(&golden("global.json")).unwrap();
    let gr = &g["grid"];
    let grid = Grid::new(
        gr["x0"].as_f64().unwrap(),
        gr["y0"].as_f64().unwrap(),
        gr["cell"].as_f64().unwrap(),
        gr["ncols"].as_u64().unwrap() as usize,
        gr["nrows"].as_u64().unwrap() as usize,
    )
    .unwrap();
    let cg = CellGrid::full(grid);
    let c = csv_cols("grid_a400.csv", &["x", "y", "count"]);
    // the golden centres are ours
    for (k, ctr) in cg.centres().iter().enumerate() {
        assert!((ctr[0] - c[0][k]).abs() < 1e-6 && (ctr[1] - c[1][k]).abs() < 1e-6);
    }
    (cg, c[2].clone())
}

/// Analytical fields exactly (1e-9 relative), permutation summaries within Monte Carlo
/// error (different random streams).
fn compare(case: &str, stat: &str, ours: &GlobalStatistic, e: &Value, w: &mut Worst) {
    let g = |k: &str| e[k].as_f64().unwrap_or_else(|| panic!("{case} {stat} {k}"));
    let tag = |k: &str| format!("{case}/{stat}/{k}");
    match stat {
        s if s.starts_with("moran") => {
            w.check(&tag("I"), ours.value, g("I"));
            w.check(&tag("EI"), ours.expected, g("EI"));
            w.check(&tag("VI_norm"), ours.var_norm.unwrap(), g("VI_norm"));
            w.check(&tag("VI_rand"), ours.var_rand, g("VI_rand"));
            w.check(&tag("z_norm"), ours.z_norm.unwrap(), g("z_norm"));
            w.check(&tag("z_rand"), ours.z_rand, g("z_rand"));
            w.check(&tag("p_norm"), ours.p_norm.unwrap(), g("p_norm_two_sided"));
            w.check(&tag("p_rand"), ours.p_rand, g("p_rand_two_sided"));
            w.check(&tag("s0"), ours.s[0], g("s0"));
            w.check(&tag("s1"), ours.s[1], g("s1"));
            w.check(&tag("s2"), ours.s[2], g("s2"));
        }
        s if s.starts_with("geary") => {
            w.check(&tag("C"), ours.value, g("C"));
            w.check(&tag("VC_norm"), ours.var_norm.unwrap(), g("VC_norm"));
            w.check(&tag("VC_rand"), ours.var_rand, g("VC_rand"));
            w.check(&tag("z_norm"), ours.z_norm.unwrap(), g("z_norm"));
            w.check(&tag("z_rand"), ours.z_rand, g("z_rand"));
            // esda's Geary p is one-sided
            w.check(
                &tag("p_norm/2"),
                ours.p_norm.unwrap() / 2.0,
                g("p_norm_one_sided"),
            );
            w.check(&tag("p_rand/2"), ours.p_rand / 2.0, g("p_rand_one_sided"));
        }
        _ => {
            w.check(&tag("G"), ours.value, g("G"));
            w.check(&tag("EG"), ours.expected, g("EG"));
            w.check(&tag("VG"), ours.var_rand, g("VG"));
            w.check(&tag("z"), ours.z_rand, g("z_norm"));
            w.check(&tag("p/2"), ours.p_rand / 2.0, g("p_norm_one_sided"));
        }
    }
    let (mean_k, sd_k) = match stat {
        s if s.starts_with("moran") => ("EI_sim", "seI_sim"),
        s if s.starts_with("geary") => ("EC_sim", "seC_sim"),
        _ => ("EG_sim", "seG_sim"),
    };
    let p = ours.permutation.as_ref().unwrap();
    let se = g(sd_k) * (2.0f64 / 999.0).sqrt();
    assert!(
        (p.mean - g(mean_k)).abs() <= 4.0 * se,
        "{case} {stat}: permutation mean {} vs esda {} (SE {se})",
        p.mean,
        g(mean_k)
    );
    assert!(
        (p.sd / g(sd_k) - 1.0).abs() < 0.15,
        "{case} {stat}: permutation sd {} vs esda {}",
        p.sd,
        g(sd_k)
    );
    // every golden case is strongly autocorrelated: both at the minimum p
    assert_eq!(p.p_sim, g("p_sim"), "{case} {stat}");
}

#[test]
fn parity_global_statistics_esda() {
    let g: Value = serde_json::from_str(&golden("global.json")).unwrap();
    let (cg, counts) = grid_case();
    let pts_cols = csv_cols("points_a500.csv", &["x", "y", "value"]);
    let pts: Vec<[f64; 2]> = pts_cols[0]
        .iter()
        .zip(&pts_cols[1])
        .map(|(x, y)| [*x, *y])
        .collect();
    let c = cg.grid.cell;
    let cases: Vec<(&str, Weights, &[f64])> = vec![
        (
            "grid_queen",
            grid_weights(
                &cg,
                &WeightsSpec::DistanceBand {
                    radius: Some(c * std::f64::consts::SQRT_2),
                },
            )
            .unwrap(),
            &counts,
        ),
        (
            "grid_rook",
            grid_weights(&cg, &WeightsSpec::DistanceBand { radius: Some(c) }).unwrap(),
            &counts,
        ),
        (
            "points_knn6",
            point_weights(&pts, &WeightsSpec::Knn { k: 6 }, None).unwrap(),
            &pts_cols[2],
        ),
    ];
    let mut w = Worst::new();
    for (name, wt, y) in &cases {
        let e = &g["cases"][*name];
        for (t, tn) in [(Transform::Row, "r"), (Transform::Binary, "b")] {
            let p = GlobalParams::new().permutations(999).seed(11).transform(t);
            compare(
                name,
                &format!("moran_{tn}"),
                &global_moran(y, wt, &p).unwrap(),
                &e[format!("moran_{tn}")],
                &mut w,
            );
            compare(
                name,
                &format!("geary_{tn}"),
                &geary_c(y, wt, &p).unwrap(),
                &e[format!("geary_{tn}")],
                &mut w,
            );
        }
        compare(
            name,
            "g",
            &general_g(y, wt, &GlobalParams::new().seed(11)).unwrap(),
            &e["g"],
            &mut w,
        );
    }
    eprintln!(
        "PARITY global (esda Moran/Geary/G; grid 2,500 cells queen + rook, 500 points KNN 6; 'r' and 'b'): max rel diff {:.2e} ({}), max abs diff {:.2e}",
        w.rel, w.what, w.abs
    );
    assert!(w.rel < 1e-9, "{} {}", w.rel, w.what);
}

#[test]
fn parity_incremental_esda_distance_bands() {
    let inc_g: Value = serde_json::from_str(&golden("incremental.json")).unwrap();
    let (cg, counts) = grid_case();
    let r = incremental_autocorrelation_grid(
        &cg,
        &counts,
        &IncrementalParams::new()
            .start(inc_g["start"].as_f64().unwrap())
            .increment(inc_g["increment"].as_f64().unwrap())
            .bands(10),
    )
    .unwrap();
    let mut w = Worst::new();
    for (b, e) in r.bands.iter().zip(inc_g["bands"].as_array().unwrap()) {
        let d = e["distance"].as_f64().unwrap();
        assert_eq!(b.distance, d);
        let tag = |k: &str| format!("{d}/{k}");
        w.check(&tag("I"), b.moran_i, e["I"].as_f64().unwrap());
        w.check(&tag("VI_rand"), b.variance, e["VI_rand"].as_f64().unwrap());
        w.check(&tag("z_rand"), b.z, e["z_rand"].as_f64().unwrap());
        w.check(&tag("p"), b.p, e["p_rand_two_sided"].as_f64().unwrap());
        w.check(
            &tag("mean_neighbours"),
            b.mean_neighbours,
            e["mean_neighbors"].as_f64().unwrap(),
        );
    }
    eprintln!(
        "PARITY incremental (esda Moran, DistanceBand binary + 'r', 10 bands 400-2200 m on 2,500 cells): max rel diff {:.2e} ({}), max abs diff {:.2e}; peaks {:?}, first significant {:?}",
        w.rel,
        w.what,
        w.abs,
        r.peaks.iter().map(|&k| r.bands[k].distance).collect::<Vec<_>>(),
        r.first_significant_peak.map(|k| r.bands[k].distance)
    );
    assert!(w.rel < 1e-9, "{} {}", w.rel, w.what);
}
