//! Prediction accuracy of a hotspot map: hit rate, PAI, PEI, RRI, and curves over
//! the share of area flagged.
//!
//! # Definitions (stated in every output, because sources differ)
//! A hotspot surface gives one score per grid cell (equal-area cells), built from
//! a **training** period; it is evaluated on a later **test** period.
//! * Cells are ranked by score, descending; **ties by ascending cell id**. Non-finite
//!   scores rank last. For a share `f` of the area, the top **`k = ⌈f · n_cells⌉`**
//!   cells are flagged (computed as `ceil(f·n − 1e-9)` so that `0.1 · 1000` is 100).
//! * `n` = test incidents in the flagged cells, `N` = all test incidents inside the
//!   grid, `a/A = k / n_cells` (A = the whole rectangular grid).
//! * **Hit rate** `= n / N` (Chainey, Tompson & Uhlig 2008).
//! * **PAI** `= (n / N) / (a / A)` (Chainey et al. 2008).
//! * **PEI** `= PAI / PAI_max = n / n_max`, where `n_max` is the sum of the `k`
//!   largest test counts — the best any map flagging `k` cells could do (Hunt 2016;
//!   "PEI" of Chainey's later work is the same ratio).
//! * **RRI** (Recapture Rate Index, Levine 2008) `= (n / n_train) / (N / N_train)`,
//!   with `n_train` training incidents in the flagged cells and `N_train` all
//!   training incidents inside the grid; `None` when `n_train = 0`.
//!
//! These match the golden `pai/B` reference (own numpy code, cross-checked) exactly.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::grid::Grid;

/// The definitions, as text for outputs.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "ranking",
        "cells by score descending, ties by ascending cell id; k = ceil(f * n_cells)",
    ),
    (
        "hit_rate",
        "n / N: test incidents in flagged cells over all test incidents in the grid",
    ),
    (
        "pai",
        "(n / N) / (a / A), a/A = k / n_cells (Chainey, Tompson & Uhlig 2008)",
    ),
    (
        "pei",
        "PAI / PAI_max = n / n_max, n_max = sum of the k largest test counts (Hunt 2016)",
    ),
    (
        "rri",
        "(n / n_train) / (N / N_train), training incidents in flagged cells (Levine 2008)",
    ),
];

/// The definitions as a JSON object.
pub fn definitions_json() -> serde_json::Value {
    serde_json::Value::Object(
        DEFINITIONS
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
    )
}

/// Area shares 1 %, 2 %, …, 20 %.
pub fn default_fractions() -> Vec<f64> {
    (1..=20).map(|i| i as f64 / 100.0).collect()
}

/// Accuracy at one share of area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyRow {
    /// Requested share of area `f`.
    pub frac: f64,
    /// Cells flagged, `⌈f · n_cells⌉`.
    pub k_cells: usize,
    /// `a / A = k / n_cells`.
    pub area_frac: f64,
    /// Test incidents in the flagged cells (`n`).
    pub n_hot: f64,
    /// All test incidents in the grid (`N`).
    pub n_test: f64,
    /// `n / N`.
    pub hit_rate: f64,
    /// Prediction accuracy index.
    pub pai: f64,
    /// Sum of the `k` largest test counts.
    pub n_max: f64,
    /// `PAI_max`.
    pub pai_max: f64,
    /// Prediction efficiency index `n / n_max` (`None` when `n_max = 0`).
    pub pei: Option<f64>,
    /// Training incidents in the flagged cells.
    pub n_hot_train: f64,
    /// All training incidents in the grid.
    pub n_train: f64,
    /// Recapture rate index (`None` when undefined).
    pub rri: Option<f64>,
    /// Score of the `k`-th flagged cell (the threshold).
    pub kth_score: f64,
}

/// Cell ids ranked by score, descending, ties by ascending id, non-finite last.
pub fn rank_cells(scores: &[f64]) -> Vec<usize> {
    let mut ids: Vec<usize> = (0..scores.len()).collect();
    let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
    ids.sort_by(|&a, &b| key(scores[b]).total_cmp(&key(scores[a])).then(a.cmp(&b)));
    ids
}

/// `⌈f · n⌉` with a 1e-9 guard against floating error, at least 1 and at most n.
pub fn cells_for_fraction(f: f64, n: usize) -> usize {
    ((f * n as f64 - 1e-9).ceil().max(1.0) as usize).min(n)
}

/// Hit rate, PAI, PEI and RRI of the surface `scores` for each share in `fractions`
/// (see the module docs). All slices are per cell of one equal-area grid.
///
/// # Examples
/// ```
/// use crimescape::accuracy::evaluate_surface;
/// // 10 cells; the map flags cell 2 first, then cell 0
/// let scores = [5.0, 0.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
/// let train = [5.0, 0.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
/// let test = [1.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0];
/// let r = evaluate_surface(&scores, &train, &test, &[0.1, 0.2]).unwrap();
/// assert_eq!(r[0].hit_rate, 0.3);              // 3 of 10 test incidents in 10 % of the area
/// assert!((r[0].pai - 3.0).abs() < 1e-12);     // 0.3 / 0.1
/// assert_eq!(r[0].pei, Some(0.75));            // best single cell holds 4
/// assert_eq!(r[1].pei, Some(4.0 / 7.0));       // cells 2 + 0 hold 4, best two hold 7
/// ```
pub fn evaluate_surface(
    scores: &[f64],
    train: &[f64],
    test: &[f64],
    fractions: &[f64],
) -> Result<Vec<AccuracyRow>> {
    let n = scores.len();
    if n == 0 || train.len() != n || test.len() != n {
        return Err(Error::Param(format!(
            "evaluate_surface: {} scores, {} training and {} test counts (need equal, > 0)",
            n,
            train.len(),
            test.len()
        )));
    }
    if let Some(f) = fractions.iter().find(|f| !(**f > 0.0 && **f <= 1.0)) {
        return Err(Error::Param(format!("area share {f} must be in (0, 1]")));
    }
    if test
        .iter()
        .chain(train)
        .any(|v| !(v.is_finite() && *v >= 0.0))
    {
        return Err(Error::Param("counts must be finite and >= 0".into()));
    }
    let big_n: f64 = test.iter().sum();
    if big_n <= 0.0 {
        return Err(Error::Data(
            "no test incidents inside the grid: nothing to evaluate".into(),
        ));
    }
    let n_train: f64 = train.iter().sum();
    let order = rank_cells(scores);
    let mut best = test.to_vec();
    best.sort_by(|a, b| b.total_cmp(a));
    // prefix sums in rank order (fixed summation order)
    let prefix = |v: &mut Vec<f64>, it: &mut dyn Iterator<Item = f64>| {
        let mut s = 0.0;
        v.push(0.0);
        for x in it {
            s += x;
            v.push(s);
        }
    };
    let (mut hot, mut hot_train, mut maxs) = (Vec::new(), Vec::new(), Vec::new());
    prefix(&mut hot, &mut order.iter().map(|&i| test[i]));
    prefix(&mut hot_train, &mut order.iter().map(|&i| train[i]));
    prefix(&mut maxs, &mut best.iter().copied());
    Ok(fractions
        .iter()
        .map(|&f| {
            let k = cells_for_fraction(f, n);
            let area = k as f64 / n as f64;
            let (nh, nm, nt) = (hot[k], maxs[k], hot_train[k]);
            let pai = (nh / big_n) / area;
            let pai_max = (nm / big_n) / area;
            AccuracyRow {
                frac: f,
                k_cells: k,
                area_frac: area,
                n_hot: nh,
                n_test: big_n,
                hit_rate: nh / big_n,
                pai,
                n_max: nm,
                pai_max,
                pei: (nm > 0.0).then(|| nh / nm),
                n_hot_train: nt,
                n_train,
                rri: (nt > 0.0 && n_train > 0.0).then(|| (nh / nt) / (big_n / n_train)),
                kth_score: scores[order[k - 1]],
            }
        })
        .collect())
}

/// Training and test counts per cell of a grid for a time split.
#[derive(Debug, Clone, Serialize)]
pub struct SplitCounts {
    /// Training counts per cell (`train_from <= t < train_until`).
    pub train: Vec<f64>,
    /// Test counts per cell (`train_until <= t < test_until`).
    pub test: Vec<f64>,
    /// Indices of the training incidents.
    pub train_idx: Vec<usize>,
    /// Incidents without time or outside both periods.
    pub unused: usize,
    /// Incidents of either period outside the grid.
    pub outside: usize,
}

/// Splits incidents by time into training `[train_from, train_until)` and test
/// `[train_until, test_until)` periods (open bounds when `None`) and counts them per cell.
pub fn split_counts(
    grid: &Grid,
    xy: &[[f64; 2]],
    times: &[Option<i64>],
    train_from: Option<i64>,
    train_until: i64,
    test_until: Option<i64>,
) -> SplitCounts {
    let mut s = SplitCounts {
        train: vec![0.0; grid.len()],
        test: vec![0.0; grid.len()],
        train_idx: Vec::new(),
        unused: 0,
        outside: 0,
    };
    for (i, (p, t)) in xy.iter().zip(times).enumerate() {
        let Some(t) = *t else {
            s.unused += 1;
            continue;
        };
        let is_train = t < train_until && train_from.is_none_or(|f| t >= f);
        let is_test = t >= train_until && test_until.is_none_or(|u| t < u);
        if !is_train && !is_test {
            s.unused += 1;
            continue;
        }
        match grid.cell_of(p[0], p[1]) {
            Some(c) if is_train => {
                s.train[c] += 1.0;
                s.train_idx.push(i);
            }
            Some(c) => s.test[c] += 1.0,
            None => s.outside += 1,
        }
    }
    s
}

/// A minimal quartic kernel density at the cell centres of `grid`:
/// `Σ 3/(π h²) (1 − d²/h²)²` over points with `d < h`, no edge correction
/// (incidents per m²). Used by `evaluate-hotspots` only; the full KDE of the
/// hotspot module supersedes it.
pub fn quartic_kde_grid(grid: &Grid, pts: &[[f64; 2]], h: f64) -> Result<Vec<f64>> {
    use rayon::prelude::*;
    if !(h.is_finite() && h > 0.0) {
        return Err(Error::Param(format!("bandwidth must be > 0, got {h}")));
    }
    let idx = crate::index::PointIndex::new(pts);
    let c = 3.0 / (std::f64::consts::PI * h * h);
    Ok((0..grid.len())
        .into_par_iter()
        .map(|id| {
            idx.within(grid.centre(id), h)
                .into_iter()
                .map(|(_, d)| {
                    let u = 1.0 - (d * d) / (h * h);
                    c * u * u
                })
                .sum()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluate_surface_hand_computed() {
        // 5 cells, scores tie between cells 1 and 3 (id 1 wins)
        let scores = [1.0, 4.0, 0.0, 4.0, 2.0];
        let train = [1.0, 4.0, 0.0, 4.0, 2.0]; // N_train = 11
        let test = [0.0, 1.0, 5.0, 2.0, 2.0]; // N = 10
        let r = evaluate_surface(&scores, &train, &test, &[0.2, 0.4, 1.0]).unwrap();
        // k = 1: cell 1 -> n = 1, a/A = 0.2, PAI = 0.1/0.2 = 0.5, n_max = 5, PEI = 0.2
        assert_eq!(r[0].k_cells, 1);
        assert_eq!(r[0].n_hot, 1.0);
        assert!((r[0].pai - 0.5).abs() < 1e-12);
        assert_eq!(r[0].pei, Some(0.2));
        // RRI = (1/4) / (10/11)
        assert!((r[0].rri.unwrap() - 0.25 / (10.0 / 11.0)).abs() < 1e-12);
        // k = 2: cells 1, 3 -> n = 3, n_max = 7, PAI = 0.3/0.4
        assert_eq!(r[1].n_hot, 3.0);
        assert!((r[1].pai - 0.75).abs() < 1e-12);
        assert_eq!(r[1].pei, Some(3.0 / 7.0));
        // all cells: PAI = PEI = 1
        assert!((r[2].pai - 1.0).abs() < 1e-12);
        assert_eq!(r[2].pei, Some(1.0));
    }

    #[test]
    fn evaluate_surface_errors_and_edges() {
        assert!(evaluate_surface(&[], &[], &[], &[0.1]).is_err());
        assert!(evaluate_surface(&[1.0], &[1.0], &[0.0], &[0.1]).is_err());
        assert!(evaluate_surface(&[1.0], &[1.0], &[1.0], &[0.0]).is_err());
        let r = evaluate_surface(&[f64::NAN, 1.0], &[0.0, 0.0], &[1.0, 0.0], &[0.5]).unwrap();
        assert_eq!(r[0].n_hot, 0.0); // NaN ranks last
        assert_eq!(r[0].rri, None);
        assert_eq!(cells_for_fraction(0.1, 1000), 100);
        assert_eq!(cells_for_fraction(0.01, 18144), 182);
        assert_eq!(cells_for_fraction(0.0001, 10), 1);
    }

    #[test]
    fn quartic_kde_grid_integrates_to_n_away_from_edges() {
        let g = Grid::new(0.0, 0.0, 10.0, 100, 100).unwrap();
        let v = quartic_kde_grid(&g, &[[500.0, 500.0], [505.0, 505.0]], 100.0).unwrap();
        let total: f64 = v.iter().sum::<f64>() * 100.0;
        assert!((total - 2.0).abs() < 0.01, "{total}");
    }

    #[test]
    fn evaluate_surface_golden_pai_b() {
        // ../shared/golden/pai/B via fixtures/golden/pai/B (counts ranking, 18,144 cells)
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/pai/B");
        let cells = std::fs::read_to_string(root.join("cells_nonzero.csv")).unwrap();
        let (mut train, mut test) = (vec![0.0; 18_144], vec![0.0; 18_144]);
        for l in cells.lines().skip(1) {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            train[v[0] as usize] = v[1];
            test[v[0] as usize] = v[2];
        }
        let table = std::fs::read_to_string(root.join("pai.csv")).unwrap();
        let want: Vec<Vec<f64>> = table
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
            .collect();
        let fr: Vec<f64> = want.iter().map(|r| r[0]).collect();
        let got = evaluate_surface(&train, &train, &test, &fr).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.k_cells as f64, w[1]);
            assert_eq!(g.area_frac, w[4]);
            assert_eq!(g.n_hot, w[5]);
            assert_eq!(g.n_test, w[6]);
            assert!((g.hit_rate - w[7]).abs() <= 1e-12 * w[7]);
            assert!((g.pai - w[8]).abs() <= 1e-12 * w[8]);
            assert_eq!(g.n_max, w[9]);
            assert!((g.pai_max - w[10]).abs() <= 1e-12 * w[10]);
            assert!((g.pei.unwrap() - w[11]).abs() <= 1e-12 * w[11]);
            assert_eq!(g.n_hot_train, w[12]);
            assert_eq!(g.kth_score, w[13]);
        }
    }
}
