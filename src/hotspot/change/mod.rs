//! Change over time: per-cell change between two periods with an exact test,
//! sfhotspot-style classification over periods, and emerging hot spot analysis.
//!
//! # Change between two periods ([`count_change`])
//! Incidents with a time before `split` form period 1, the rest period 2
//! (`[.., split)` and `[split, ..)`); incidents without a time are left out
//! and counted. For a cell with `m = c1 + c2 > 0` the test is the exact
//! conditional binomial test of `c2 ~ Bin(m, π0)`, `π0 = N2/(N1 + N2)`: under the
//! null the cell changes like the whole study area (Przyborowski & Wilenski
//! 1940's conditional test for two Poisson counts). Two-sided p as in R's
//! `binom.test`; significance at α with Benjamini–Hochberg FDR over the cells
//! with `m > 0` by default.
//!
//! # Classification over periods ([`classify_periods`])
//! The rules of sfhotspot's `hotspot_classify` (Ashby): counts per period, Gi*
//! per period (analytical p, no permutations), a cell is a significant hot
//! (cold) spot in a period when `p < critical_p` and `z > 0` (`z ≤ 0`).
//! With `prop` the share of periods significant, `recent`/`older` the shares
//! among the last `⌊recent_prop·T⌋` (≥ 1) periods and the others:
//! persistent if `prop ≥ persistent_prop`; else emerging if
//! `older < hotspot_prop` and `recent ≥ recent_prop`; else former if
//! `older ≥ hotspot_prop` and `recent < hotspot_prop`; else intermittent if
//! `prop ≥ hotspot_prop`; else no pattern. A cell that is both a hot and a cold
//! category is "mixed". Periods without incidents are excluded (as sfhotspot
//! does). Optionally (`fdr`, not sfhotspot's default) significance is
//! Benjamini–Hochberg controlled over the cells of each period, which keeps
//! chance flags of noise cells from becoming "emerging" or "former" spots. Deviation: sfhotspot's code averages `recent` over `recent + 1`
//! columns (an off-by-one); here exactly the last `⌊recent_prop·T⌋` periods are used.
//!
//! # Emerging hot spot analysis ([`emerging_hotspots`])
//! Gi* of every bin of the space-time cube ([`space_time_gi`], as ArcGIS's
//! *Emerging Hot Spot Analysis*): a bin's neighbourhood is its cell and the
//! cell's spatial neighbours in the same time step and in the previous
//! `neighbourhood_steps` steps (ArcGIS's "neighborhood time step", default 1;
//! 0 = the same step only); the mean and standard deviation are those of the
//! whole cube, every time step counts (empty ones too), and FDR control is over
//! all bins. Then the Mann–Kendall trend test of each cell's z series, and ArcGIS's
//! categories (checked in this order, hot shown; cold mirrored): *new* (only
//! the final step significant hot), *consecutive* (one uninterrupted final run
//! of ≥ 2 hot steps, none before, < 90 % hot), *intensifying* (≥ 90 % hot incl.
//! the final step, significant upward trend), *diminishing* (same, downward),
//! *historical* (≥ 90 % hot, final step not hot), *persistent* (≥ 90 % hot, no
//! significant trend), *sporadic* (final hot, < 90 % hot, never cold),
//! *oscillating* (final hot, < 90 % hot, cold at some earlier step).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::gistar::{gi_star, GiStarParams};
use crate::hotspot::stats::{bh_cutoff, binomial_test_two_sided, mann_kendall, normal_p_two_sided};
use crate::hotspot::weights::Weights;
use crate::hotspot::CellGrid;
use crate::layer::Incidents;
use crate::time::DAY;

/// Parameters of [`count_change`].
#[derive(Debug, Clone, Serialize)]
pub struct ChangeParams {
    /// Start of period 2 (seconds, local clock; see [the crate docs](crate#time)).
    pub split: i64,
    /// Significance level. Default 0.05.
    pub alpha: f64,
    /// Benjamini–Hochberg FDR over the cells. Default true.
    pub fdr: bool,
}

impl ChangeParams {
    /// Split at `split`, α = 0.05, FDR on.
    pub fn new(split: i64) -> Self {
        ChangeParams {
            split,
            alpha: 0.05,
            fdr: true,
        }
    }
    /// Sets the significance level α of a cell's change.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
    /// Turns the Benjamini–Hochberg FDR over the cells on or off.
    pub fn fdr(mut self, on: bool) -> Self {
        self.fdr = on;
        self
    }
}

/// Per-cell change between two periods (analysis cell order).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeResult {
    /// Parameters.
    pub params: ChangeParams,
    /// Incidents in period 1 / 2 (inside analysis cells).
    pub n_before: usize,
    /// See `n_before`.
    pub n_after: usize,
    /// Incidents without a time (left out).
    pub no_time: usize,
    /// Incidents outside the analysis cells.
    pub outside: usize,
    /// π0 = N2/(N1 + N2).
    pub share_after: f64,
    /// Counts in period 1.
    #[serde(skip)]
    pub before: Vec<f64>,
    /// Counts in period 2.
    #[serde(skip)]
    pub after: Vec<f64>,
    /// Expected period-2 count under the null `m·π0`.
    #[serde(skip)]
    pub expected_after: Vec<f64>,
    /// Two-sided exact p (1 for cells with no incident).
    #[serde(skip)]
    pub p: Vec<f64>,
    /// +1 significant increase, −1 significant decrease, 0 otherwise.
    #[serde(skip)]
    pub class: Vec<i8>,
    /// Significant increases / decreases.
    pub increases: usize,
    /// See `increases`.
    pub decreases: usize,
}

/// Splits the incidents at a time and tests the change of every cell.
pub fn count_change(cg: &CellGrid, inc: &Incidents, params: &ChangeParams) -> Result<ChangeResult> {
    let mut before = vec![0.0; cg.len()];
    let mut after = vec![0.0; cg.len()];
    let (mut no_time, mut outside) = (0, 0);
    for (i, p) in inc.xy.iter().enumerate() {
        let Some(t) = inc.time[i] else {
            no_time += 1;
            continue;
        };
        match cg.position_of(p[0], p[1]) {
            Some(k) if t < params.split => before[k] += 1.0,
            Some(k) => after[k] += 1.0,
            None => outside += 1,
        }
    }
    let n1: f64 = before.iter().sum();
    let n2: f64 = after.iter().sum();
    if n1 == 0.0 || n2 == 0.0 {
        return Err(Error::degenerate(
            "change",
            format!("it needs incidents on both sides of the split: {n1} before, {n2} after"),
        ));
    }
    let pi0 = n2 / (n1 + n2);
    let p: Vec<f64> = before
        .par_iter()
        .zip(after.par_iter())
        .map(|(&b, &a)| binomial_test_two_sided(a as u64, (a + b) as u64, pi0))
        .collect();
    let expected_after: Vec<f64> = before
        .iter()
        .zip(&after)
        .map(|(b, a)| (a + b) * pi0)
        .collect();
    let tested: Vec<f64> = p
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(_, (b, a))| **a + **b > 0.0)
        .map(|(p, _)| *p)
        .collect();
    let cutoff = if params.fdr {
        bh_cutoff(&tested, params.alpha)
    } else {
        None
    };
    let class: Vec<i8> = (0..cg.len())
        .map(|k| {
            let m = before[k] + after[k];
            let sig = m > 0.0
                && if params.fdr {
                    cutoff.is_some_and(|c| p[k] <= c)
                } else {
                    p[k] < params.alpha
                };
            if !sig {
                0
            } else if after[k] > expected_after[k] {
                1
            } else {
                -1
            }
        })
        .collect();
    Ok(ChangeResult {
        params: params.clone(),
        n_before: n1 as usize,
        n_after: n2 as usize,
        no_time,
        outside,
        share_after: pi0,
        increases: class.iter().filter(|c| **c > 0).count(),
        decreases: class.iter().filter(|c| **c < 0).count(),
        before,
        after,
        expected_after,
        p,
        class,
    })
}

/// Periods of equal length from a start; returns `[start, end)` pairs covering all times.
pub fn make_periods(
    inc: &Incidents,
    period_secs: i64,
    start: Option<i64>,
) -> Result<Vec<(i64, i64)>> {
    if period_secs <= 0 {
        return Err(Error::invalid_param(
            "period",
            format!("{period_secs} s"),
            "a period must be > 0 s",
        ));
    }
    let (tmin, tmax) = inc.time_range().ok_or_else(|| {
        Error::empty(
            "periods",
            "incident with a time",
            "cannot split into periods",
        )
    })?;
    let start = start.unwrap_or(tmin - tmin.rem_euclid(DAY));
    if start > tmax {
        return Err(Error::invalid_param(
            "start",
            crate::time::format(start, crate::time::TimePrecision::Minute),
            "the first period starts after the last incident",
        ));
    }
    let n = ((tmax - start) / period_secs + 1) as usize;
    if n > 10_000 {
        return Err(Error::limit(
            "period",
            format!("{period_secs} s ({n} periods)"),
            "10000 periods",
            "use a longer period",
        ));
    }
    Ok((0..n as i64)
        .map(|k| (start + k * period_secs, start + (k + 1) * period_secs))
        .collect())
}

/// Counts per cell for each period (incidents before the first period or
/// without time are ignored).
pub fn period_counts(cg: &CellGrid, inc: &Incidents, periods: &[(i64, i64)]) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; cg.len()]; periods.len()];
    let (start, len) = match periods.first() {
        Some(p) => (p.0, p.1 - p.0),
        None => return out,
    };
    for (i, p) in inc.xy.iter().enumerate() {
        let (Some(t), Some(k)) = (inc.time[i], cg.position_of(p[0], p[1])) else {
            continue;
        };
        if t < start {
            continue;
        }
        let j = ((t - start) / len) as usize;
        if j < periods.len() {
            out[j][k] += 1.0;
        }
    }
    out
}

mod classify;
mod emerging;

pub use classify::{
    classify_periods, period_gi, ClassifyParams, ClassifyResult, HotspotClass, PeriodGi,
};
pub use emerging::{
    emerging_class, emerging_hotspots, space_time_gi, EmergingClass, EmergingParams,
    EmergingResult, SpaceTimeGi,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::weights::{grid_weights, WeightsSpec};

    #[test]
    fn change_params_setters() {
        let p = ChangeParams::new(86_400).alpha(0.01).fdr(false);
        assert_eq!((p.split, p.alpha, p.fdr), (86_400, 0.01, false));
        assert!(ChangeParams::new(0).fdr);
    }

    fn incidents(pts: &[([f64; 2], i64)]) -> Incidents {
        let mut inc = Incidents::empty(crate::hotspot::test_crs());
        for (p, day) in pts {
            inc.xy.push(*p);
            inc.time.push(Some(day * DAY));
            inc.precision.push(crate::time::TimePrecision::Day);
            inc.category.push(0);
            inc.row.push(inc.row.len() as u64 + 1);
        }
        inc.categories = vec!["x".into()];
        inc
    }

    #[test]
    fn count_change_flags_a_cell_that_grew() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 3, 1).unwrap());
        let mut pts = Vec::new();
        for d in 0..10 {
            pts.push(([5.0, 5.0], d)); // cell 0: 10 before
            pts.push(([15.0, 5.0], d)); // cell 1: 10 before
        }
        for d in 10..20 {
            pts.push(([5.0, 5.0], d)); // cell 0: 10 after
        }
        for _ in 0..30 {
            pts.push(([25.0, 5.0], 15)); // cell 2: 30 after
        }
        let inc = incidents(&pts);
        let r = count_change(&cg, &inc, &ChangeParams::new(10 * DAY)).unwrap();
        assert_eq!((r.n_before, r.n_after), (20, 40));
        assert_eq!(r.before, vec![10.0, 10.0, 0.0]);
        assert_eq!(r.after, vec![10.0, 0.0, 30.0]);
        assert_eq!(r.class, vec![0, -1, 1]);
        assert!(count_change(&cg, &inc, &ChangeParams::new(0)).is_err());
    }

    #[test]
    fn space_time_gi_equals_gi_star_on_the_cube() {
        use crate::hotspot::gistar::{gi_star, GiStarParams};
        // 4x3 grid, 5 steps, queen weights; then IDW-like non-binary weights
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 4, 3).unwrap());
        let n = cg.len();
        let counts: Vec<Vec<f64>> = (0..5)
            .map(|s| {
                (0..n)
                    .map(|i| ((i * 7 + s * 3) % 5) as f64 + (i == 5) as u8 as f64 * s as f64)
                    .collect()
            })
            .collect();
        let queen = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        let lists: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|i| {
                queen
                    .neighbours(i)
                    .iter()
                    .map(|&j| (j as usize, 0.5 + (j as f64) / 20.0))
                    .collect()
            })
            .collect();
        let weighted = Weights::from_lists(lists, false).unwrap();
        for w in [&queen, &weighted] {
            for k in [0usize, 1, 2] {
                let SpaceTimeGi { z, p } = space_time_gi(&counts, w, k).unwrap();
                // explicit cube weights
                let mut cube: Vec<Vec<(usize, f64)>> = Vec::new();
                for s in 0..5usize {
                    for i in 0..n {
                        let mut l = Vec::new();
                        for t in s.saturating_sub(k)..=s {
                            if t != s {
                                l.push((t * n + i, 1.0));
                            }
                            let nb = w.neighbours(i);
                            for (m, &j) in nb.iter().enumerate() {
                                let wj = w.weights(i).map_or(1.0, |v| v[m]);
                                l.push((t * n + j as usize, wj));
                            }
                        }
                        cube.push(l);
                    }
                }
                let cw = Weights::from_lists(cube, w.is_binary()).unwrap();
                let flat: Vec<f64> = counts.iter().flatten().copied().collect();
                let r = gi_star(&flat, &cw, &GiStarParams::new().permutations(0)).unwrap();
                for s in 0..5 {
                    for i in 0..n {
                        assert!((z[s][i] - r.z[s * n + i]).abs() < 1e-12, "{s} {i} {k}");
                        assert!((p[s][i] - r.p[s * n + i]).abs() < 1e-12);
                    }
                }
            }
        }
        assert!(space_time_gi(&[vec![1.0; n], vec![1.0; n]], &queen, 1).is_err());
        assert!(space_time_gi(&[vec![1.0; 3]], &queen, 1).is_err());
    }

    #[test]
    fn classify_finds_emerging_and_persistent() {
        // 10x10 grid, 10 periods of 1 day; cell 0 busy in every period (persistent),
        // cell 99 busy only in the last 2 periods (emerging); light background
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 100.0, 10, 10).unwrap());
        let mut pts = Vec::new();
        for d in 0..10 {
            for _ in 0..20 {
                pts.push(([50.0, 50.0], d));
            }
            if d >= 8 {
                for _ in 0..20 {
                    pts.push(([950.0, 950.0], d));
                }
            }
            pts.push(([250.0, 250.0], d));
            pts.push(([150.0, 350.0], d));
        }
        let inc = incidents(&pts);
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        let r = classify_periods(&cg, &inc, &w, &ClassifyParams::new(DAY)).unwrap();
        assert_eq!(r.recent_periods, 2);
        assert_eq!(r.class[0], HotspotClass::PersistentHot);
        assert_eq!(r.class[99], HotspotClass::EmergingHot);
        for steps in [0, 1] {
            let p = EmergingParams::new(DAY).neighbourhood_steps(steps);
            let e = emerging_hotspots(&cg, &inc, &w, &p).unwrap();
            assert_eq!(e.class[99], EmergingClass::ConsecutiveHot, "{steps}");
            assert!(matches!(
                e.class[0],
                EmergingClass::PersistentHot | EmergingClass::DiminishingHot
            ));
            assert_eq!(e.gi.z.len(), 10);
        }
        // FDR over the 1000 bins: the first busy step of cell 99 (its neighbourhood
        // includes the quiet step before) may drop out, leaving it "new"
        let e = emerging_hotspots(&cg, &inc, &w, &EmergingParams::new(DAY).fdr(true)).unwrap();
        assert!(matches!(
            e.class[99],
            EmergingClass::NewHot | EmergingClass::ConsecutiveHot
        ));
        assert!(matches!(
            e.class[0],
            EmergingClass::PersistentHot | EmergingClass::DiminishingHot
        ));
    }

    #[test]
    fn emerging_class_rules() {
        let z = [0.0, 0.0, 0.0, 3.0];
        let f = [false; 4];
        assert_eq!(
            emerging_class(&[false, false, false, true], &f, &z, 0.05),
            EmergingClass::NewHot
        );
        assert_eq!(
            emerging_class(&[true, false, true, true], &f, &[3.0, 0.0, 3.0, 3.0], 0.05),
            EmergingClass::SporadicHot
        );
        assert_eq!(
            emerging_class(
                &[false, false, false, true],
                &[true, false, false, false],
                &[-3.0, 0.0, 0.0, 3.0],
                0.05
            ),
            EmergingClass::OscillatingHot
        );
        let up: Vec<f64> = (0..12).map(|i| 2.0 + i as f64).collect();
        assert_eq!(
            emerging_class(&[true; 12], &[false; 12], &up, 0.05),
            EmergingClass::IntensifyingHot
        );
        let mut h = [true; 12];
        h[11] = false;
        assert_eq!(
            emerging_class(&h, &[false; 12], &[3.0; 12], 0.05),
            EmergingClass::HistoricalHot
        );
        assert_eq!(
            emerging_class(&[false; 12], &[false; 12], &[0.0; 12], 0.05),
            EmergingClass::NoPattern
        );
    }

    #[test]
    fn make_periods_without_times_is_empty() {
        let mut inc = incidents(&[([0.0, 0.0], 1)]);
        inc.time[0] = None;
        let e = make_periods(&inc, 7 * DAY, None).unwrap_err();
        assert!(matches!(
            e,
            Error::Empty {
                what: "incident with a time",
                ..
            }
        ));
    }
}
