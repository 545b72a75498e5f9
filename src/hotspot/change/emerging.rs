//! Emerging hot spot analysis (ArcGIS's space-time Gi*, Mann–Kendall, categories):
//! see [the module docs](super).

use super::*;

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
/// [`Error::LengthMismatch`] when a step's length differs from the weights;
/// [`Error::Degenerate`] when every bin has the same count.
pub fn space_time_gi(
    counts: &[Vec<f64>],
    w: &Weights,
    neighbourhood_steps: usize,
) -> Result<SpaceTimeGi> {
    let n = w.len();
    if let Some(bad) = counts.iter().find(|c| c.len() != n) {
        return Err(Error::length_mismatch(
            "cells in a time step",
            bad.len(),
            "weight rows",
            n,
        ));
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

/// Parameters of [`emerging_hotspots`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergingParams {
    /// Length of a time step (seconds).
    pub period: i64,
    /// Start of the first step (local clock seconds); `None` = steps aligned to end
    /// with the day of the last incident.
    pub start: Option<i64>,
    /// Previous time steps in a bin's space-time neighbourhood (default 1).
    pub neighbourhood_steps: usize,
    /// Significance level (default 0.05).
    pub alpha: f64,
    /// Benjamini–Hochberg over all bins of the cube (default off).
    pub fdr: bool,
}

impl EmergingParams {
    /// Steps of `period` seconds ending with the day of the last incident; one
    /// previous step in the neighbourhood, α = 0.05, no FDR.
    pub fn new(period: i64) -> Self {
        EmergingParams {
            period,
            start: None,
            neighbourhood_steps: 1,
            alpha: 0.05,
            fdr: false,
        }
    }
    /// Sets the start of the first step.
    pub fn start(mut self, start: Option<i64>) -> Self {
        self.start = start;
        self
    }
    /// Sets the number of previous steps in the neighbourhood.
    pub fn neighbourhood_steps(mut self, steps: usize) -> Self {
        self.neighbourhood_steps = steps;
        self
    }
    /// Sets the significance level.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Turns Benjamini–Hochberg control over the cube on or off.
    pub fn fdr(mut self, on: bool) -> Self {
        self.fdr = on;
        self
    }
}

/// Emerging hot spot analysis (see the module docs). Time steps of `p.period`
/// seconds start at `p.start`; without it they are aligned to end with the day of
/// the last incident and only complete steps are used (ArcGIS's end-time alignment,
/// with the partial first step dropped and its incidents counted). Space-time Gi* of
/// every bin with `p.neighbourhood_steps` previous steps in the neighbourhood,
/// significance at `p.alpha` (with `p.fdr`, Benjamini–Hochberg over all bins of the
/// cube), the Mann–Kendall trend of each cell's z series and ArcGIS's categories.
///
/// # Errors
/// [`Error::TooFew`] with fewer than 3 time steps; [`Error::Degenerate`] with no
/// variation in the cube.
pub fn emerging_hotspots(
    cg: &CellGrid,
    inc: &Incidents,
    w: &Weights,
    p: &EmergingParams,
) -> Result<EmergingResult> {
    let EmergingParams {
        period,
        start,
        neighbourhood_steps,
        alpha,
        fdr,
    } = *p;
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
        return Err(Error::too_few(
            "emerging hot spot analysis (use a shorter period)",
            "time steps",
            3,
            t,
        ));
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
