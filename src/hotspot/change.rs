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
    /// Start of period 2 (seconds, local clock; see [`crate::time`]).
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
        return Err(Error::Data(format!(
            "change needs incidents on both sides of the split: {n1} before, {n2} after"
        )));
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
        return Err(Error::Param(format!(
            "period must be > 0 s, got {period_secs}"
        )));
    }
    let (tmin, tmax) = inc
        .time_range()
        .ok_or_else(|| Error::Data("no incident has a time: cannot split into periods".into()))?;
    let start = start.unwrap_or(tmin - tmin.rem_euclid(DAY));
    if start > tmax {
        return Err(Error::Param(
            "the first period starts after the last incident".into(),
        ));
    }
    let n = ((tmax - start) / period_secs + 1) as usize;
    if n > 10_000 {
        return Err(Error::Param(format!(
            "{n} periods is too many; use a longer period"
        )));
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

/// Class of a cell over periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HotspotClass {
    /// No pattern.
    NoPattern,
    /// Persistent hot spot.
    PersistentHot,
    /// Emerging hot spot.
    EmergingHot,
    /// Former hot spot.
    FormerHot,
    /// Intermittent hot spot.
    IntermittentHot,
    /// Persistent cold spot.
    PersistentCold,
    /// Emerging cold spot.
    EmergingCold,
    /// Former cold spot.
    FormerCold,
    /// Intermittent cold spot.
    IntermittentCold,
    /// Both a hot and a cold category.
    Mixed,
}

impl HotspotClass {
    /// All classes in display order.
    pub const ALL: [HotspotClass; 10] = [
        HotspotClass::NoPattern,
        HotspotClass::PersistentHot,
        HotspotClass::EmergingHot,
        HotspotClass::FormerHot,
        HotspotClass::IntermittentHot,
        HotspotClass::PersistentCold,
        HotspotClass::EmergingCold,
        HotspotClass::FormerCold,
        HotspotClass::IntermittentCold,
        HotspotClass::Mixed,
    ];
    /// sfhotspot's label.
    pub fn label(self) -> &'static str {
        match self {
            HotspotClass::NoPattern => "no pattern",
            HotspotClass::PersistentHot => "persistent hotspot",
            HotspotClass::EmergingHot => "emerging hotspot",
            HotspotClass::FormerHot => "former hotspot",
            HotspotClass::IntermittentHot => "intermittent hotspot",
            HotspotClass::PersistentCold => "persistent coldspot",
            HotspotClass::EmergingCold => "emerging coldspot",
            HotspotClass::FormerCold => "former coldspot",
            HotspotClass::IntermittentCold => "intermittent coldspot",
            HotspotClass::Mixed => "mixed hot/coldspot",
        }
    }
    /// Position in [`HotspotClass::ALL`].
    pub fn index(self) -> usize {
        HotspotClass::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0)
    }
}

/// Parameters of [`classify_periods`] (sfhotspot's `hotspot_classify_params`).
#[derive(Debug, Clone, Serialize)]
pub struct ClassifyParams {
    /// Period length in seconds.
    pub period: i64,
    /// Start of the first period; default midnight of the first incident's day.
    pub start: Option<i64>,
    /// Default 0.1.
    pub hotspot_prop: f64,
    /// Default 0.8.
    pub persistent_prop: f64,
    /// Default 0.2.
    pub recent_prop: f64,
    /// Default 0.05.
    pub critical_p: f64,
    /// Benjamini–Hochberg FDR over the cells of each period (not in
    /// sfhotspot's defaults). Default false.
    pub fdr: bool,
}

impl ClassifyParams {
    /// Periods of `period` seconds with sfhotspot's default proportions.
    pub fn new(period: i64) -> Self {
        ClassifyParams {
            period,
            start: None,
            hotspot_prop: 0.1,
            persistent_prop: 0.8,
            recent_prop: 0.2,
            critical_p: 0.05,
            fdr: false,
        }
    }
}

/// Gi* z and p of every cell in every used period.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodGi {
    /// All periods `[start, end)`.
    pub periods: Vec<(i64, i64)>,
    /// Indices of the periods used (with incidents).
    pub used: Vec<usize>,
    /// Incidents per period.
    pub totals: Vec<usize>,
    /// z per used period, per cell.
    #[serde(skip)]
    pub z: Vec<Vec<f64>>,
    /// p per used period, per cell.
    #[serde(skip)]
    pub p: Vec<Vec<f64>>,
}

/// Gi* (analytical) per period.
pub fn period_gi(
    cg: &CellGrid,
    inc: &Incidents,
    w: &Weights,
    period: i64,
    start: Option<i64>,
) -> Result<PeriodGi> {
    let periods = make_periods(inc, period, start)?;
    let counts = period_counts(cg, inc, &periods);
    let totals: Vec<usize> = counts
        .iter()
        .map(|c| c.iter().sum::<f64>() as usize)
        .collect();
    let gp = GiStarParams::new().permutations(0);
    let mut used = Vec::new();
    let (mut z, mut p) = (Vec::new(), Vec::new());
    for (k, c) in counts.iter().enumerate() {
        if totals[k] == 0 {
            continue;
        }
        match gi_star(c, w, &gp) {
            Ok(r) => {
                used.push(k);
                z.push(r.z);
                p.push(r.p);
            }
            // constant counts in a period (e.g. one incident in every cell): nothing to test
            Err(Error::Data(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(PeriodGi {
        periods,
        used,
        totals,
        z,
        p,
    })
}

impl PeriodGi {
    /// Significance flag of every cell in used period `s`: `p < alpha`, or with
    /// FDR `p ≤` the period's Benjamini–Hochberg cutoff.
    pub fn significant(&self, s: usize, alpha: f64, fdr: bool) -> Vec<bool> {
        let p = &self.p[s];
        if fdr {
            match bh_cutoff(p, alpha) {
                Some(c) => p.iter().map(|v| *v <= c).collect(),
                None => vec![false; p.len()],
            }
        } else {
            p.iter().map(|v| *v < alpha).collect()
        }
    }
}

/// Result of [`classify_periods`].
#[derive(Debug, Clone, Serialize)]
pub struct ClassifyResult {
    /// Parameters.
    pub params: ClassifyParams,
    /// Gi* per period.
    pub gi: PeriodGi,
    /// Number of recent periods.
    pub recent_periods: usize,
    /// Class per cell.
    #[serde(skip)]
    pub class: Vec<HotspotClass>,
    /// Share of used periods in which the cell is a significant hot spot.
    #[serde(skip)]
    pub prop_hot: Vec<f64>,
    /// Share of used periods in which the cell is a significant cold spot.
    #[serde(skip)]
    pub prop_cold: Vec<f64>,
    /// Cells per class label.
    pub counts: BTreeMap<String, usize>,
    /// Incidents with and without a time (those without are left out).
    pub time_use: crate::layer::TimeUse,
}

/// Classifies cells as persistent / emerging / former / intermittent hot or
/// cold spots (see the module docs).
pub fn classify_periods(
    cg: &CellGrid,
    inc: &Incidents,
    w: &Weights,
    params: &ClassifyParams,
) -> Result<ClassifyResult> {
    for (name, v) in [
        ("hotspot_prop", params.hotspot_prop),
        ("persistent_prop", params.persistent_prop),
        ("recent_prop", params.recent_prop),
        ("critical_p", params.critical_p),
    ] {
        if !(v > 0.0 && v <= 1.0) {
            return Err(Error::Param(format!("{name} must be in (0, 1], got {v}")));
        }
    }
    let gi = period_gi(cg, inc, w, params.period, params.start)?;
    let t = gi.used.len();
    let recent = ((params.recent_prop * t as f64).floor() as usize).max(1);
    if t < 2 || t <= recent {
        return Err(Error::Data(format!(
            "{t} period(s) with incidents: need at least one recent and one older period; use a shorter period"
        )));
    }
    let older = t - recent;
    let sig: Vec<Vec<bool>> = (0..t)
        .map(|s| gi.significant(s, params.critical_p, params.fdr))
        .collect();
    let mut class = Vec::with_capacity(cg.len());
    let (mut prop_hot, mut prop_cold) = (Vec::new(), Vec::new());
    for k in 0..cg.len() {
        let hot: Vec<bool> = (0..t).map(|s| sig[s][k] && gi.z[s][k] > 0.0).collect();
        let cold: Vec<bool> = (0..t).map(|s| sig[s][k] && gi.z[s][k] <= 0.0).collect();
        let cat = |sig: &[bool], hotc: bool| -> Option<HotspotClass> {
            let cnt = |r: &[bool]| r.iter().filter(|b| **b).count() as f64;
            let prop = cnt(sig) / t as f64;
            let rec = cnt(&sig[older..]) / recent as f64;
            let old = cnt(&sig[..older]) / older as f64;
            use HotspotClass::*;
            let c = if prop >= params.persistent_prop {
                if hotc {
                    PersistentHot
                } else {
                    PersistentCold
                }
            } else if old < params.hotspot_prop && rec >= params.recent_prop {
                if hotc {
                    EmergingHot
                } else {
                    EmergingCold
                }
            } else if old >= params.hotspot_prop && rec < params.hotspot_prop {
                if hotc {
                    FormerHot
                } else {
                    FormerCold
                }
            } else if prop >= params.hotspot_prop {
                if hotc {
                    IntermittentHot
                } else {
                    IntermittentCold
                }
            } else {
                return None;
            };
            Some(c)
        };
        let c = match (cat(&hot, true), cat(&cold, false)) {
            (Some(_), Some(_)) => HotspotClass::Mixed,
            (Some(h), None) => h,
            (None, Some(c)) => c,
            (None, None) => HotspotClass::NoPattern,
        };
        class.push(c);
        prop_hot.push(hot.iter().filter(|b| **b).count() as f64 / t as f64);
        prop_cold.push(cold.iter().filter(|b| **b).count() as f64 / t as f64);
    }
    let mut counts = BTreeMap::new();
    for c in &class {
        *counts.entry(c.label().to_string()).or_insert(0) += 1;
    }
    Ok(ClassifyResult {
        params: params.clone(),
        gi,
        recent_periods: recent,
        class,
        prop_hot,
        prop_cold,
        counts,
        time_use: inc.time_use(),
    })
}

/// ArcGIS emerging hot spot category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergingClass {
    /// No pattern.
    NoPattern,
    /// New hot spot.
    NewHot,
    /// Consecutive hot spot.
    ConsecutiveHot,
    /// Intensifying hot spot.
    IntensifyingHot,
    /// Diminishing hot spot.
    DiminishingHot,
    /// Historical hot spot.
    HistoricalHot,
    /// Persistent hot spot.
    PersistentHot,
    /// Sporadic hot spot.
    SporadicHot,
    /// Oscillating hot spot.
    OscillatingHot,
    /// New cold spot.
    NewCold,
    /// Consecutive cold spot.
    ConsecutiveCold,
    /// Intensifying cold spot.
    IntensifyingCold,
    /// Diminishing cold spot.
    DiminishingCold,
    /// Historical cold spot.
    HistoricalCold,
    /// Persistent cold spot.
    PersistentCold,
    /// Sporadic cold spot.
    SporadicCold,
    /// Oscillating cold spot.
    OscillatingCold,
}

impl EmergingClass {
    /// All categories in display order.
    pub const ALL: [EmergingClass; 17] = [
        EmergingClass::NoPattern,
        EmergingClass::NewHot,
        EmergingClass::ConsecutiveHot,
        EmergingClass::IntensifyingHot,
        EmergingClass::PersistentHot,
        EmergingClass::DiminishingHot,
        EmergingClass::SporadicHot,
        EmergingClass::OscillatingHot,
        EmergingClass::HistoricalHot,
        EmergingClass::NewCold,
        EmergingClass::ConsecutiveCold,
        EmergingClass::IntensifyingCold,
        EmergingClass::PersistentCold,
        EmergingClass::DiminishingCold,
        EmergingClass::SporadicCold,
        EmergingClass::OscillatingCold,
        EmergingClass::HistoricalCold,
    ];
    /// ArcGIS's label.
    pub fn label(self) -> &'static str {
        use EmergingClass::*;
        match self {
            NoPattern => "no pattern",
            NewHot => "new hot spot",
            ConsecutiveHot => "consecutive hot spot",
            IntensifyingHot => "intensifying hot spot",
            DiminishingHot => "diminishing hot spot",
            HistoricalHot => "historical hot spot",
            PersistentHot => "persistent hot spot",
            SporadicHot => "sporadic hot spot",
            OscillatingHot => "oscillating hot spot",
            NewCold => "new cold spot",
            ConsecutiveCold => "consecutive cold spot",
            IntensifyingCold => "intensifying cold spot",
            DiminishingCold => "diminishing cold spot",
            HistoricalCold => "historical cold spot",
            PersistentCold => "persistent cold spot",
            SporadicCold => "sporadic cold spot",
            OscillatingCold => "oscillating cold spot",
        }
    }
    /// Position in [`EmergingClass::ALL`].
    pub fn index(self) -> usize {
        EmergingClass::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0)
    }
}

/// Classifies one cell's series of significance flags and z-scores (see the module docs).
pub fn emerging_class(hot: &[bool], cold: &[bool], z: &[f64], alpha: f64) -> EmergingClass {
    let n = hot.len();
    if n == 0 {
        return EmergingClass::NoPattern;
    }
    let (_, tau, mk_p) = mann_kendall(z);
    let side = |sig: &[bool], other: &[bool], up: f64| -> Option<usize> {
        // returns a rank 0..8 in the hot order; `up` = +1 for hot, -1 for cold
        let cnt = sig.iter().filter(|b| **b).count();
        let share = cnt as f64 / n as f64;
        let last = sig[n - 1];
        let any_other = other.iter().any(|b| *b);
        let run = sig.iter().rev().take_while(|b| **b).count();
        let trend_up = tau * up > 0.0 && mk_p < alpha;
        let trend_down = tau * up < 0.0 && mk_p < alpha;
        if last && cnt == 1 && !any_other {
            Some(0) // new
        } else if last && run >= 2 && run == cnt && share < 0.9 {
            Some(1) // consecutive
        } else if share >= 0.9 && last && trend_up {
            Some(2) // intensifying
        } else if share >= 0.9 && last && trend_down {
            Some(4) // diminishing
        } else if share >= 0.9 && !last {
            Some(7) // historical
        } else if share >= 0.9 {
            Some(3) // persistent
        } else if last && !any_other {
            Some(5) // sporadic
        } else if last {
            Some(6) // oscillating
        } else {
            None
        }
    };
    use EmergingClass::*;
    const HOT: [EmergingClass; 8] = [
        NewHot,
        ConsecutiveHot,
        IntensifyingHot,
        PersistentHot,
        DiminishingHot,
        SporadicHot,
        OscillatingHot,
        HistoricalHot,
    ];
    const COLD: [EmergingClass; 8] = [
        NewCold,
        ConsecutiveCold,
        IntensifyingCold,
        PersistentCold,
        DiminishingCold,
        SporadicCold,
        OscillatingCold,
        HistoricalCold,
    ];
    if let Some(r) = side(hot, cold, 1.0) {
        return HOT[r];
    }
    if let Some(r) = side(cold, hot, -1.0) {
        return COLD[r];
    }
    NoPattern
}

/// Result of [`emerging_hotspots`].
#[derive(Debug, Clone, Serialize)]
pub struct EmergingResult {
    /// Space-time Gi* per time step (every step of the cube).
    pub gi: PeriodGi,
    /// Incidents before the first (complete) time step, not in the cube.
    pub excluded_before_first_step: usize,
    /// Previous time steps in each bin's neighbourhood.
    pub neighbourhood_steps: usize,
    /// Significance level.
    pub alpha: f64,
    /// Whether FDR control was applied (over all bins of the cube).
    pub fdr: bool,
    /// Category per cell.
    #[serde(skip)]
    pub class: Vec<EmergingClass>,
    /// Mann–Kendall τ of each cell's z series.
    #[serde(skip)]
    pub tau: Vec<f64>,
    /// Mann–Kendall two-sided p.
    #[serde(skip)]
    pub tau_p: Vec<f64>,
    /// Cells per category label.
    pub counts: BTreeMap<String, usize>,
    /// Incidents with and without a time (those without are left out).
    pub time_use: crate::layer::TimeUse,
}

/// Space-time Gi* of every bin of a cube `counts[step][cell]` (see the module docs):
/// the neighbourhood of bin `(s, i)` is cell `i` (weight 1) and its neighbours `j`
/// (weights `w_ij`) in steps `s − k ..= s` (those that exist), `k =
/// neighbourhood_steps`; `x̄` and `S` (population SD) are over all `T·n` bins, and
/// `z = (Σ w x − x̄ Σ w) / (S √((N Σw² − (Σw)²)/(N − 1)))` with `N = T·n` — exactly
/// [`gi_star`] on the flattened cube with those weights (unit test). Returns `z`
/// and the two-sided normal `p` per step and cell; a bin whose weights make the
/// denominator vanish gets z = 0, p = 1.
///
/// # Errors
/// [`Error::Param`] when a step's length differs from the weights; [`Error::Data`]
/// when every bin has the same count.
pub fn space_time_gi(
    counts: &[Vec<f64>],
    w: &Weights,
    neighbourhood_steps: usize,
) -> Result<SpaceTimeGi> {
    let n = w.len();
    if let Some(bad) = counts.iter().find(|c| c.len() != n) {
        return Err(Error::Param(format!(
            "space-time Gi*: a time step has {} cells for {n} weight rows",
            bad.len()
        )));
    }
    let flat: Vec<f64> = counts.iter().flatten().copied().collect();
    let (mean, sd) = crate::hotspot::gistar::moments(&flat, "space-time Gi*")?;
    let nf = flat.len() as f64;
    // per cell: Σw and Σw² of the spatial neighbourhood incl. self
    let (ws1, ws2): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| match w.weights(i) {
            None => {
                let k = w.neighbours(i).len() as f64;
                (1.0 + k, 1.0 + k)
            }
            Some(v) => (
                1.0 + v.iter().sum::<f64>(),
                1.0 + v.iter().map(|x| x * x).sum::<f64>(),
            ),
        })
        .collect();
    // spatial lag incl. self, per step
    let lag: Vec<Vec<f64>> = counts
        .iter()
        .map(|c| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let nb = w.neighbours(i);
                    c[i] + match w.weights(i) {
                        None => nb.iter().map(|&j| c[j as usize]).sum::<f64>(),
                        Some(v) => nb.iter().zip(v).map(|(&j, x)| x * c[j as usize]).sum(),
                    }
                })
                .collect()
        })
        .collect();
    let mut zs = Vec::with_capacity(counts.len());
    let mut ps = Vec::with_capacity(counts.len());
    for s in 0..counts.len() {
        let s0 = s.saturating_sub(neighbourhood_steps);
        let steps = (s - s0 + 1) as f64;
        let (z, p): (Vec<f64>, Vec<f64>) = (0..n)
            .into_par_iter()
            .map(|i| {
                let l: f64 = (s0..=s).map(|t| lag[t][i]).sum();
                let (wsum, s1) = (steps * ws1[i], steps * ws2[i]);
                let den2 = (nf * s1 - wsum * wsum) / (nf - 1.0);
                if den2 <= 1e-12 * nf * s1 {
                    (0.0, 1.0)
                } else {
                    let z = (l - mean * wsum) / (sd * den2.sqrt());
                    (z, normal_p_two_sided(z))
                }
            })
            .unzip();
        zs.push(z);
        ps.push(p);
    }
    Ok(SpaceTimeGi { z: zs, p: ps })
}

/// z and p of every bin of a space-time cube ([`space_time_gi`]), `[step][cell]`.
#[derive(Debug, Clone)]
pub struct SpaceTimeGi {
    /// Gi* z-scores.
    pub z: Vec<Vec<f64>>,
    /// Two-sided normal p-values.
    pub p: Vec<Vec<f64>>,
}

/// Emerging hot spot analysis (see the module docs). Time steps of `period` seconds
/// start at `start`; without it they are aligned to end with the day of the last
/// incident and only complete steps are used (ArcGIS's end-time alignment, with the
/// partial first step dropped and its incidents counted). Space-time Gi* of every bin
/// with `neighbourhood_steps` previous steps in the neighbourhood, significance at
/// `alpha` (with `fdr`, Benjamini–Hochberg over all bins of the cube), the
/// Mann–Kendall trend of each cell's z series and ArcGIS's categories.
///
/// # Errors
/// [`Error::Data`] with fewer than 3 time steps or no variation in the cube.
#[allow(clippy::too_many_arguments)]
pub fn emerging_hotspots(
    cg: &CellGrid,
    inc: &Incidents,
    w: &Weights,
    period: i64,
    start: Option<i64>,
    neighbourhood_steps: usize,
    alpha: f64,
    fdr: bool,
) -> Result<EmergingResult> {
    // Without a given start the steps end with the day of the last incident and only
    // complete steps are used (the final step, which decides "new"/"consecutive",
    // must not be a partial one); incidents before the first complete step are
    // counted in `excluded_before_first_step`.
    let start = match (start, inc.time_range()) {
        (Some(s), _) => Some(s),
        (None, Some((tmin, tmax))) if period > 0 => {
            let end = tmax - tmax.rem_euclid(DAY) + DAY;
            let first_day = tmin - tmin.rem_euclid(DAY);
            let n = (end - first_day) / period;
            Some(end - n.max(1) * period)
        }
        (None, _) => None,
    };
    let periods = make_periods(inc, period, start)?;
    let counts = period_counts(cg, inc, &periods);
    let excluded_before_first_step = inc
        .time
        .iter()
        .filter(|t| t.is_some_and(|t| t < periods[0].0))
        .count();
    let t = periods.len();
    if t < 3 {
        return Err(Error::Data(format!(
            "emerging hot spot analysis needs at least 3 time steps, got {t}; use a shorter period"
        )));
    }
    let totals: Vec<usize> = counts
        .iter()
        .map(|c| c.iter().sum::<f64>() as usize)
        .collect();
    let SpaceTimeGi { z, p } = space_time_gi(&counts, w, neighbourhood_steps)?;
    let cutoff = if fdr {
        let flat: Vec<f64> = p.iter().flatten().copied().collect();
        bh_cutoff(&flat, alpha)
    } else {
        None
    };
    let sig: Vec<Vec<bool>> = p
        .iter()
        .map(|ps| {
            ps.iter()
                .map(|v| {
                    if fdr {
                        cutoff.is_some_and(|c| *v <= c)
                    } else {
                        *v < alpha
                    }
                })
                .collect()
        })
        .collect();
    let gi = PeriodGi {
        periods,
        used: (0..t).collect(),
        totals,
        z,
        p,
    };
    let res: Vec<(EmergingClass, f64, f64)> = (0..cg.len())
        .into_par_iter()
        .map(|k| {
            let z: Vec<f64> = (0..t).map(|s| gi.z[s][k]).collect();
            let hot: Vec<bool> = (0..t).map(|s| sig[s][k] && z[s] > 0.0).collect();
            let cold: Vec<bool> = (0..t).map(|s| sig[s][k] && z[s] < 0.0).collect();
            let (_, tau, p) = mann_kendall(&z);
            (emerging_class(&hot, &cold, &z, alpha), tau, p)
        })
        .collect();
    let mut counts = BTreeMap::new();
    for r in &res {
        *counts.entry(r.0.label().to_string()).or_insert(0) += 1;
    }
    Ok(EmergingResult {
        gi,
        excluded_before_first_step,
        neighbourhood_steps,
        alpha,
        fdr,
        class: res.iter().map(|r| r.0).collect(),
        tau: res.iter().map(|r| r.1).collect(),
        tau_p: res.iter().map(|r| r.2).collect(),
        counts,
        time_use: inc.time_use(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::weights::{grid_weights, WeightsSpec};

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
            let e = emerging_hotspots(&cg, &inc, &w, DAY, None, steps, 0.05, false).unwrap();
            assert_eq!(e.class[99], EmergingClass::ConsecutiveHot, "{steps}");
            assert!(matches!(
                e.class[0],
                EmergingClass::PersistentHot | EmergingClass::DiminishingHot
            ));
            assert_eq!(e.gi.z.len(), 10);
        }
        // FDR over the 1000 bins: the first busy step of cell 99 (its neighbourhood
        // includes the quiet step before) may drop out, leaving it "new"
        let e = emerging_hotspots(&cg, &inc, &w, DAY, None, 1, 0.05, true).unwrap();
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
}
