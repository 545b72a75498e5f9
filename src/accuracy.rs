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
//!
//! Surfaces with many tied cells (a risk terrain model with a few binary factors) can be
//! ranked with another tie rule: [`evaluate_surface_tiebreak`] (ties by a second score,
//! e.g. training counts, then id) or [`evaluate_surface_random_ties`] (expected value
//! over a uniformly random order of tied cells); see [`crate::risk::validate`].

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

/// Cell ids ranked by score, descending; ties by `tiebreak` descending (when given),
/// then by ascending id; non-finite values rank last in both keys.
///
/// Used for surfaces with many tied cells, e.g. a risk terrain model with a few binary
/// factors, where `tiebreak` = training counts ("RTM, then counts").
pub fn rank_cells_by(scores: &[f64], tiebreak: Option<&[f64]>) -> Vec<usize> {
    let mut ids: Vec<usize> = (0..scores.len()).collect();
    let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
    let tb = |i: usize| tiebreak.and_then(|t| t.get(i)).map_or(0.0, |&v| key(v));
    ids.sort_by(|&a, &b| {
        key(scores[b])
            .total_cmp(&key(scores[a]))
            .then(tb(b).total_cmp(&tb(a)))
            .then(a.cmp(&b))
    });
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
/// use crimescape::evaluate_surface;
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
    evaluate_ranked(scores, None, false, train, test, fractions)
}

/// [`evaluate_surface`] with tied scores ordered by `tiebreak` descending, then by
/// ascending cell id (`rank_cells_by`).
///
/// # Examples
/// ```
/// use crimescape::evaluate_surface_tiebreak;
/// // cells 0 and 1 tie on score; cell 1 has more training incidents, so it goes first
/// let scores = [2.0, 2.0, 1.0, 1.0];
/// let train = [0.0, 3.0, 1.0, 0.0];
/// let test = [0.0, 2.0, 1.0, 1.0];
/// let r = evaluate_surface_tiebreak(&scores, &train, &train, &test, &[0.25]).unwrap();
/// assert_eq!(r[0].n_hot, 2.0);
/// ```
pub fn evaluate_surface_tiebreak(
    scores: &[f64],
    tiebreak: &[f64],
    train: &[f64],
    test: &[f64],
    fractions: &[f64],
) -> Result<Vec<AccuracyRow>> {
    if tiebreak.len() != scores.len() {
        return Err(Error::LengthMismatch {
            what: "tie-break values",
            got: tiebreak.len(),
            per: "scores",
            expected: scores.len(),
        });
    }
    evaluate_ranked(scores, Some(tiebreak), false, train, test, fractions)
}

/// [`evaluate_surface`] as the **expected value over a uniformly random order of tied
/// cells**: when the `k`-th flagged cell belongs to a group of `g` cells with the same
/// score, of which `m` fit in the top `k`, the group contributes `m / g` of its test
/// (and training) incidents. `n_hot`, hit rate, PAI, PEI and RRI are then expectations
/// (RRI as the ratio of expected counts); the flagged area is still exactly `k` cells.
/// Without ties this equals [`evaluate_surface`].
///
/// # Examples
/// ```
/// use crimescape::evaluate_surface_random_ties;
/// // every cell ties: the expected hit rate of 1 cell in 4 is 1/4 whatever the counts
/// let r = evaluate_surface_random_ties(&[1.0; 4], &[0.0; 4], &[4.0, 0.0, 0.0, 0.0], &[0.25])
///     .unwrap();
/// assert_eq!(r[0].hit_rate, 0.25);
/// assert_eq!(r[0].pai, 1.0);
/// ```
pub fn evaluate_surface_random_ties(
    scores: &[f64],
    train: &[f64],
    test: &[f64],
    fractions: &[f64],
) -> Result<Vec<AccuracyRow>> {
    evaluate_ranked(scores, None, true, train, test, fractions)
}

fn evaluate_ranked(
    scores: &[f64],
    tiebreak: Option<&[f64]>,
    random_ties: bool,
    train: &[f64],
    test: &[f64],
    fractions: &[f64],
) -> Result<Vec<AccuracyRow>> {
    let n = scores.len();
    if n == 0 {
        return Err(Error::empty("surface evaluation", "cells", ""));
    }
    for (what, v) in [("training counts", train), ("test counts", test)] {
        if v.len() != n {
            return Err(Error::length_mismatch(what, v.len(), "scores", n));
        }
    }
    if let Some(f) = fractions.iter().find(|f| !(**f > 0.0 && **f <= 1.0)) {
        return Err(Error::invalid_param(
            "fractions",
            f,
            "an area share must be in (0, 1]",
        ));
    }
    for (what, v) in [("training count", train), ("test count", test)] {
        if let Some(index) = v.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::BadValue {
                what,
                index,
                value: v[index],
                expected: "not a finite count >= 0",
            });
        }
    }
    let big_n: f64 = test.iter().sum();
    if big_n <= 0.0 {
        return Err(Error::empty(
            "surface evaluation",
            "test incident inside the grid",
            "nothing to evaluate",
        ));
    }
    let n_train: f64 = train.iter().sum();
    let order = rank_cells_by(scores, tiebreak);
    // tie groups in rank order: group_start[pos] / group_end[pos] (exclusive)
    let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
    let (mut gstart, mut gend) = (vec![0usize; n], vec![n; n]);
    if random_ties {
        let mut s = 0;
        for pos in 1..=n {
            if pos == n || key(scores[order[pos]]) != key(scores[order[s]]) {
                for q in s..pos {
                    gstart[q] = s;
                    gend[q] = pos;
                }
                s = pos;
            }
        }
    }
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
            let (nh, nt) = if random_ties {
                // expected counts when the tie group of the k-th cell is randomly ordered
                let (s, e) = (gstart[k - 1], gend[k - 1]);
                if k == e {
                    (hot[k], hot_train[k])
                } else {
                    let w = (k - s) as f64 / (e - s) as f64;
                    (
                        hot[s] + w * (hot[e] - hot[s]),
                        hot_train[s] + w * (hot_train[e] - hot_train[s]),
                    )
                }
            } else {
                (hot[k], hot_train[k])
            };
            let nm = maxs[k];
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

/// Parameters of [`compare_methods`].
#[derive(Debug, Clone, Serialize)]
pub struct CompareParams {
    /// Start of the training period (inclusive); `None` = open.
    pub train_from: Option<i64>,
    /// End of the training period (exclusive) = start of the test period.
    pub train_until: i64,
    /// End of the test period (exclusive); `None` = open.
    pub test_until: Option<i64>,
    /// Cell size (m); `None` = [`Grid::default_cell_size`] of the incidents' extent.
    pub cell: Option<f64>,
    /// Quartic KDE bandwidth (m); `None` = 3 cells.
    pub kde_bandwidth: Option<f64>,
    /// Area shares evaluated; default [`default_fractions`].
    pub fractions: Vec<f64>,
}

impl CompareParams {
    /// Defaults for a split at `train_until`.
    pub fn new(train_until: i64) -> Self {
        CompareParams {
            train_from: None,
            train_until,
            test_until: None,
            cell: None,
            kde_bandwidth: None,
            fractions: default_fractions(),
        }
    }
    /// Sets the start of the training period.
    pub fn train_from(mut self, t: Option<i64>) -> Self {
        self.train_from = t;
        self
    }
    /// Sets the end of the test period.
    pub fn test_until(mut self, t: Option<i64>) -> Self {
        self.test_until = t;
        self
    }
    /// Sets the cell size (m).
    pub fn cell(mut self, c: Option<f64>) -> Self {
        self.cell = c;
        self
    }
    /// Sets the KDE bandwidth (m).
    pub fn kde_bandwidth(mut self, h: Option<f64>) -> Self {
        self.kde_bandwidth = h;
        self
    }
}

/// Accuracy of one method's surface.
#[derive(Debug, Clone, Serialize)]
pub struct MethodAccuracy {
    /// Method name: `counts`, `kde-quartic`, `gi-star` or `promap`.
    pub name: String,
    /// How the surface was built.
    pub params: serde_json::Value,
    /// One row per area share.
    pub rows: Vec<AccuracyRow>,
}

/// Result of [`compare_methods`].
#[derive(Debug, Clone, Serialize)]
pub struct HotspotComparison {
    /// The grid (covers all incidents).
    pub grid: Grid,
    /// Training / test counts per cell.
    #[serde(skip)]
    pub split: SplitCounts,
    /// Methods evaluated, in the order counts, KDE, Gi*, promap.
    pub methods: Vec<MethodAccuracy>,
    /// Methods that could not be built on this split, with the reason.
    pub skipped: Vec<(String, String)>,
    /// The KDE bandwidth used (m).
    pub kde_bandwidth_m: f64,
}

/// Methods not built, with the reason (method, reason).
pub type Skipped = Vec<(String, String)>;

/// A named score surface, one score per cell of a [`Grid`].
#[derive(Debug, Clone, Serialize)]
pub struct NamedSurface {
    /// Method name.
    pub name: String,
    /// How the surface was built.
    pub params: serde_json::Value,
    /// Score per grid cell (NaN where undefined; ranks last).
    #[serde(skip)]
    pub scores: Vec<f64>,
}

/// The training-period surfaces of [`compare_methods`] other than promap, on `grid`:
/// `counts` (training incidents per cell), `kde-quartic` (bandwidth `kde_bandwidth` m)
/// and `gi-star` (queen weights, no permutations). `cells` restricts Gi* to a study
/// area (its mean and variance are then taken over those cells; NaN elsewhere);
/// `None` = every cell. Gi* is listed in the second return value with the reason when
/// it is undefined on the data (e.g. all training counts equal).
///
/// # Errors
/// [`Error::LengthMismatch`] when `train_counts` does not match the grid; KDE errors.
pub fn training_surfaces(
    grid: &Grid,
    cells: Option<&[usize]>,
    train_xy: &[[f64; 2]],
    train_counts: &[f64],
    kde_bandwidth: f64,
) -> Result<(Vec<NamedSurface>, Skipped)> {
    use crate::hotspot::weights::{grid_weights, WeightsSpec};
    use crate::hotspot::{gi_star, kde, CellGrid, GiStarParams, KdeParams};
    if train_counts.len() != grid.len() {
        return Err(Error::LengthMismatch {
            what: "training counts",
            got: train_counts.len(),
            per: "cells",
            expected: grid.len(),
        });
    }
    let k = kde(grid, train_xy, None, &KdeParams::new().fixed(kde_bandwidth))?;
    let mut out = vec![
        NamedSurface {
            name: "counts".into(),
            params: serde_json::json!({"surface": "training incidents per cell"}),
            scores: train_counts.to_vec(),
        },
        NamedSurface {
            name: "kde-quartic".into(),
            params: serde_json::json!({
                "surface": "quartic KDE of training incidents (hotspot::kde), no edge correction",
                "bandwidth_m": kde_bandwidth,
                "samples_per_side": k.samples_per_side,
            }),
            scores: k.expected,
        },
    ];
    let mut skipped = Vec::new();
    let cg = match cells {
        Some(c) => CellGrid::subset(*grid, c.to_vec()),
        None => CellGrid::full(*grid),
    };
    let values: Vec<f64> = cg.cells.iter().map(|&c| train_counts[c]).collect();
    let spec = WeightsSpec::default();
    let gi = grid_weights(&cg, &spec)
        .and_then(|w| gi_star(&values, &w, &GiStarParams::new().permutations(0)));
    match gi {
        Ok(gi) => {
            let mut z = vec![f64::NAN; grid.len()];
            for (&c, &v) in cg.cells.iter().zip(&gi.z) {
                z[c] = v;
            }
            out.push(NamedSurface {
                name: "gi-star".into(),
                params: serde_json::json!({
                    "surface": "Gi* z-score of training counts per cell, cells ranked by z",
                    "weights": spec.describe(Some(grid.cell)),
                    "permutations": 0,
                }),
                scores: z,
            })
        }
        Err(e) => skipped.push(("gi-star".to_string(), e.to_string())),
    }
    Ok((out, skipped))
}

/// Compares the hotspot methods of the toolkit on one time split, each surface
/// built from the training period only and evaluated with [`evaluate_surface`]
/// on the test period (same grid, same cells, same definitions):
///
/// * `counts` — training incidents per cell;
/// * `kde-quartic` — [`crate::hotspot::kde::kde`] of the training incidents, quartic
///   kernel, fixed bandwidth (default 3 cells), no edge correction;
/// * `gi-star` — [`crate::hotspot::gi_star`] z-scores of the training counts with
///   the default queen weights (distance band `C·√2`, self included), no
///   permutations; cells ranked by z;
/// * `promap` — [`crate::repeat::promap::promap`] risk at `train_until`
///   (Bowers, Johnson & Pease 2004 defaults: 400 m, 56 days, on the same cells);
///   it uses the events of `[train_until − 56 d, train_until)` whatever `train_from`.
///
/// Gi* and promap are skipped (listed in [`HotspotComparison::skipped`]) when
/// undefined on the data (e.g. all training counts equal).
pub fn compare_methods(
    inc: &crate::layer::Incidents,
    p: &CompareParams,
) -> Result<HotspotComparison> {
    let bbox = inc
        .bbox()
        .ok_or_else(|| Error::empty("hot spot comparison", "incidents", ""))?;
    let cell = match p.cell {
        Some(c) => c,
        None => Grid::default_cell_size(bbox)?,
    };
    let grid = Grid::covering(bbox, cell)?;
    let split = split_counts(
        &grid,
        &inc.xy,
        &inc.time,
        p.train_from,
        p.train_until,
        p.test_until,
    );
    if split.train_idx.is_empty() {
        return Err(Error::invalid_param(
            "train_until",
            crate::time::format(p.train_until, crate::time::TimePrecision::Day),
            "no training incident before this date",
        ));
    }
    let fr = &p.fractions;
    let h = p.kde_bandwidth.unwrap_or(3.0 * cell);
    let train_xy: Vec<[f64; 2]> = split.train_idx.iter().map(|&i| inc.xy[i]).collect();
    let (surfaces, mut skipped) = training_surfaces(&grid, None, &train_xy, &split.train, h)?;
    let mut methods = Vec::with_capacity(surfaces.len() + 1);
    for sf in surfaces {
        methods.push(MethodAccuracy {
            rows: evaluate_surface(&sf.scores, &split.train, &split.test, fr)?,
            name: sf.name,
            params: sf.params,
        });
    }
    let pp = crate::repeat::promap::PromapParams::new(p.train_until).cell(cell);
    match crate::repeat::promap::promap(inc, &pp) {
        Ok(pm) if pm.grid == grid => methods.push(MethodAccuracy {
            name: "promap".into(),
            params: serde_json::json!({
                "surface": "prospective map at train_until (Bowers, Johnson & Pease 2004)",
                "at": crate::time::format(p.train_until, crate::time::TimePrecision::Second),
                "bandwidth_m": pp.bandwidth_m,
                "bandwidth_days": pp.bandwidth_days,
                "events_used": pm.n_recent,
            }),
            rows: evaluate_surface(&pm.promap, &split.train, &split.test, fr)?,
        }),
        Ok(_) => skipped.push((
            "promap".into(),
            "grid differs from the comparison grid".into(),
        )),
        Err(e) => skipped.push(("promap".into(), e.to_string())),
    }
    Ok(HotspotComparison {
        grid,
        split,
        methods,
        skipped,
        kde_bandwidth_m: h,
    })
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
    fn evaluate_surface_tie_rules_hand_computed() {
        // cells 1, 2, 3 tie on score 2
        let scores = [3.0, 2.0, 2.0, 2.0, 1.0, 0.0];
        let train = [0.0, 1.0, 5.0, 0.0, 0.0, 0.0];
        let test = [1.0, 0.0, 3.0, 3.0, 0.0, 5.0]; // N = 12
        let fr = [1.0 / 3.0, 2.0 / 3.0]; // k = 2, 4
                                         // by id: cells 0, 1
        let id = evaluate_surface(&scores, &train, &test, &fr).unwrap();
        assert_eq!(id[0].n_hot, 1.0);
        // by training counts: cells 0, 2
        let tb = evaluate_surface_tiebreak(&scores, &train, &train, &test, &fr).unwrap();
        assert_eq!(tb[0].n_hot, 4.0);
        assert_eq!(tb[0].n_hot_train, 5.0);
        assert_eq!(rank_cells_by(&scores, Some(&train)), [0, 2, 1, 3, 4, 5]);
        // random ties: cell 0 + 1/3 of the group's 6 test (6 training) incidents
        let rt = evaluate_surface_random_ties(&scores, &train, &test, &fr).unwrap();
        assert!((rt[0].n_hot - 3.0).abs() < 1e-12);
        assert!((rt[0].n_hot_train - 2.0).abs() < 1e-12);
        assert!((rt[0].hit_rate - 0.25).abs() < 1e-12);
        assert!((rt[0].pai - 0.75).abs() < 1e-12);
        assert!((rt[0].pei.unwrap() - 3.0 / 8.0).abs() < 1e-12); // n_max = 5 + 3
                                                                 // k = 4 takes the whole group: every rule agrees
        for r in [&id[1], &tb[1], &rt[1]] {
            assert_eq!(r.n_hot, 7.0);
            assert_eq!(r.k_cells, 4);
        }
        // no ties: random-ties rule equals the plain one exactly
        let s2 = [5.0, 4.0, 3.0, 2.0, 1.0, 0.0];
        assert_eq!(
            evaluate_surface_random_ties(&s2, &train, &test, &fr).unwrap(),
            evaluate_surface(&s2, &train, &test, &fr).unwrap()
        );
        assert!(evaluate_surface_tiebreak(&scores, &train[1..], &train, &test, &fr).is_err());
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
    fn compare_methods_planted_hotspot_all_methods_find_it() {
        use crate::crs::{Crs, CrsChoice};
        use crate::time::DAY;
        let mut inc = crate::layer::Incidents::empty(CrsChoice {
            input: Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        });
        // 200 background points spread over 1 km², 100 in one 50 m patch;
        // even i before day 100 (training, days 50..99), odd i after (test)
        for i in 0..300usize {
            let xy = if i < 200 {
                [
                    ((i * 37) % 1000) as f64 + 0.5,
                    ((i * 91) % 1000) as f64 + 0.5,
                ]
            } else {
                let j = i - 200;
                [250.0 + (j % 10) as f64 * 5.0, 250.0 + (j / 10) as f64 * 5.0]
            };
            let day = if i % 2 == 0 {
                50 + (i % 50)
            } else {
                100 + (i % 50)
            } as i64;
            inc.xy.push(xy);
            inc.time.push(Some(day * DAY));
        }
        inc.precision = vec![crate::time::TimePrecision::Day; 300];
        inc.category = vec![crate::layer::NO_CATEGORY; 300];
        inc.row = (1..=300).collect();
        let r = compare_methods(&inc, &CompareParams::new(100 * DAY).cell(Some(100.0))).unwrap();
        let names: Vec<&str> = r.methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["counts", "kde-quartic", "gi-star", "promap"]);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert_eq!(r.kde_bandwidth_m, 300.0);
        for m in &r.methods {
            // 10 % of the area (10 cells) covers the patch cell even for Gi*, whose
            // 3 × 3 window gives the 9 cells around the patch similar z
            let at10 = &m.rows[9];
            assert_eq!(at10.n_test, 150.0);
            // the patch cell holds 50 of 150 test events: PAI >= (50/150)/0.1
            assert!(at10.n_hot >= 50.0, "{} {}", m.name, at10.n_hot);
            assert!(at10.pai > 3.3, "{} {}", m.name, at10.pai);
        }
        assert!(compare_methods(&inc, &CompareParams::new(0)).is_err());
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

    #[test]
    fn evaluate_surface_typed_errors() {
        let e = evaluate_surface(&[1.0, 2.0], &[1.0], &[1.0, 0.0], &[0.5]).unwrap_err();
        assert!(matches!(
            e,
            Error::LengthMismatch {
                what: "training counts",
                got: 1,
                expected: 2,
                ..
            }
        ));
        let e = evaluate_surface(&[1.0, 2.0], &[1.0, 0.0], &[1.0, -1.0], &[0.5]).unwrap_err();
        assert!(matches!(
            e,
            Error::BadValue {
                what: "test count",
                index: 1,
                ..
            }
        ));
        let e = evaluate_surface(&[1.0, 2.0], &[1.0, 0.0], &[0.0, 0.0], &[0.5]).unwrap_err();
        assert!(matches!(
            e,
            Error::Empty {
                analysis: "surface evaluation",
                ..
            }
        ));
        let e = evaluate_surface(&[], &[], &[], &[0.5]).unwrap_err();
        assert!(matches!(e, Error::Empty { what: "cells", .. }));
    }
}
