//! Classification over periods (sfhotspot's `hotspot_classify`): see [the module docs](super).

use super::*;

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
            Err(Error::Data(_) | Error::Degenerate { .. } | Error::TooFew { .. }) => continue,
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
            return Err(Error::invalid_param(name, v, "must be in (0, 1]"));
        }
    }
    let gi = period_gi(cg, inc, w, params.period, params.start)?;
    let t = gi.used.len();
    let recent = ((params.recent_prop * t as f64).floor() as usize).max(1);
    if t < 2 || t <= recent {
        return Err(Error::degenerate(
            "space-time classification",
            format!(
                "{t} period(s) with incidents: need at least one recent and one older period; use a shorter period"
            ),
        ));
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
