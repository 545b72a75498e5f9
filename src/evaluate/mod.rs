//! Evaluating interventions: before/after with a control, displacement and
//! diffusion of benefits, cost-benefit.
//!
//! # What it computes
//! For each [`TreatmentArea`], incidents are counted in the **pre** and **post**
//! periods in the treatment area, its buffer ring and a control area (given, or
//! chosen automatically as grid cells with a similar pre-period level and trend).
//! From these counts:
//! * the relative effect size of Farrington & Welsh (2005), an odds ratio with its
//!   interval, and the relative change it implies ([`stats::odds_ratio`]);
//! * a difference-in-differences estimate in incidents ([`stats::did_counts`]);
//! * the Weighted Displacement Quotient of Bowers & Johnson (2003) with its
//!   components ([`stats::wdq`]) and the buffer's own odds ratio against the control;
//! * the total net effect in incidents prevented ([`stats::net_effect`]);
//! * optionally a cost-benefit account from user costs ([`CostSpec`]);
//! * a placebo check of parallel pre-period trends (the odds ratio between the two
//!   halves of the pre period);
//! * monthly counts per zone for plots and interrupted time series;
//! * a plain-language reading with the conditions it rests on.
//!
//! Several areas are evaluated at once; their odds ratios are then pooled
//! (inverse-variance fixed effect, with Cochran's Q and I²).
//!
//! # Periods
//! Periods are half-open `[start, end)` in local-clock seconds. Given only an
//! intervention date `D`, the periods are the longest equal spans on both sides
//! inside the data: `pre = [D − L, D)`, `post = [D, D + L)`, with the data span
//! running from the first incident's day to the end of the last incident's day.
//!
//! # Over-dispersion
//! Crime counts vary more than Poisson counts (repeats, near repeats). By default
//! the variances are inflated by `φ = max(1, X²/df)`, the Pearson statistic of the
//! monthly pre-period counts of each zone of the area around a constant rate
//! ([`stats::pearson_dispersion`]); trends and seasonality raise `φ`, which keeps
//! the intervals conservative. See [`Dispersion`].

pub mod areas;
pub mod cost;
pub mod its;
pub mod simulate;
pub mod stats;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use areas::{ControlInfo, TreatmentArea, Zone, DEFAULT_BUFFER};
pub use cost::{cost_benefit, CategoryCounts, CostBenefit, CostLine, CostSpec};
pub use its::{interrupted_time_series, AreaIts, ItsFit, ItsParams};
pub use stats::{Estimate, NetEffect, Pooled, Wdq};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::{Incidents, NO_CATEGORY};
use crate::time::{self, TimePrecision, DAY};
use areas::{check_control_overlap, choose_control, relative_trend, AreaIndex, ControlSearch};

/// Counts in the pre and post periods.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PrePost {
    /// Pre (before) period.
    pub pre: f64,
    /// Post (after) period.
    pub post: f64,
}

/// How the over-dispersion factor `φ` of the counts is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dispersion {
    /// `φ = 1` (pure Poisson counts).
    Poisson,
    /// A given `φ > 0`.
    Fixed(f64),
    /// Estimated per area from the monthly pre-period counts (floored at 1).
    Estimate,
}

/// Parameters of [`evaluate`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvaluateParams {
    /// Intervention date (local seconds); periods around it when `pre`/`post` are not given.
    pub intervention: Option<i64>,
    /// Explicit pre period `[start, end)`.
    pub pre: Option<(i64, i64)>,
    /// Explicit post period `[start, end)`.
    pub post: Option<(i64, i64)>,
    /// Confidence level of the intervals (default 0.95).
    pub confidence: f64,
    /// Over-dispersion (default [`Dispersion::Estimate`]).
    pub dispersion: Dispersion,
    /// Cell size of the automatic control (m, default 250).
    pub control_cell: f64,
    /// The automatic control's pre-period count aims at this multiple of the
    /// treatment area's (default 2).
    pub control_multiple: f64,
    /// Minimum number of automatic control cells (default 4).
    pub control_min_cells: usize,
    /// Optional costs for a cost-benefit account.
    pub costs: Option<CostSpec>,
    /// Interrupted time series settings (`None` = no time series).
    pub its: Option<ItsParams>,
}

impl EvaluateParams {
    /// Periods of equal length around an intervention date (local seconds).
    pub fn at(intervention: i64) -> Self {
        EvaluateParams {
            intervention: Some(intervention),
            pre: None,
            post: None,
            confidence: 0.95,
            dispersion: Dispersion::Estimate,
            control_cell: 250.0,
            control_multiple: 2.0,
            control_min_cells: 4,
            costs: None,
            its: Some(ItsParams::default()),
        }
    }

    /// Explicit pre and post periods, each `[start, end)` in local seconds.
    pub fn periods(pre: (i64, i64), post: (i64, i64)) -> Self {
        EvaluateParams {
            intervention: None,
            pre: Some(pre),
            post: Some(post),
            ..Self::at(post.0)
        }
    }

    /// Sets the confidence level.
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }

    /// Sets how over-dispersion is handled.
    pub fn dispersion(mut self, d: Dispersion) -> Self {
        self.dispersion = d;
        self
    }

    /// Sets the automatic control's cell size (m).
    pub fn control_cell(mut self, c: f64) -> Self {
        self.control_cell = c;
        self
    }

    /// Sets the automatic control's target multiple of the treatment's pre-period count.
    pub fn control_multiple(mut self, m: f64) -> Self {
        self.control_multiple = m;
        self
    }

    /// Sets (or with `None` switches off) the interrupted time series.
    pub fn its(mut self, its: Option<ItsParams>) -> Self {
        self.its = its;
        self
    }

    /// Sets the costs for a cost-benefit account.
    pub fn costs(mut self, c: CostSpec) -> Self {
        self.costs = Some(c);
        self
    }
}

/// The periods compared.
#[derive(Debug, Clone, Serialize)]
pub struct Periods {
    /// Intervention time (local seconds; the start of the post period unless given).
    pub intervention: i64,
    /// Pre period `[start, end)`.
    pub pre: (i64, i64),
    /// Post period `[start, end)`.
    pub post: (i64, i64),
    /// Pre period length (days).
    pub pre_days: f64,
    /// Post period length (days).
    pub post_days: f64,
    /// `[pre start, pre end, post start, post end]` as dates/times.
    pub labels: [String; 4],
}

/// Which period a time bin belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Before the intervention.
    Pre,
    /// Between the pre and post periods (excluded from the estimates).
    Gap,
    /// After the intervention.
    Post,
}

/// A time bin: a calendar month, split at the period boundaries.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    /// Start (local seconds, inclusive).
    pub start: i64,
    /// End (exclusive).
    pub end: i64,
    /// `YYYY-MM` of the month.
    pub label: String,
    /// Length in days.
    pub days: f64,
    /// Period.
    pub period: Period,
}

/// The evaluation of one area.
#[derive(Debug, Clone, Serialize)]
pub struct AreaEvaluation {
    /// Area name.
    pub name: String,
    /// Treated distance around the geometries (m).
    pub radius: f64,
    /// Buffer width (m).
    pub buffer: f64,
    /// Treatment area (km²).
    pub treatment_km2: f64,
    /// Counts in the treatment area.
    pub treatment: PrePost,
    /// Counts in the buffer.
    pub buffer_counts: PrePost,
    /// Counts in the control area.
    pub control: PrePost,
    /// The control and how it compares.
    pub control_info: ControlInfo,
    /// Counts by category in the treatment area and buffer.
    pub by_category: Vec<CategoryCounts>,
    /// Over-dispersion factor used.
    pub dispersion: f64,
    /// Farrington & Welsh relative effect size (odds ratio; > 1 = reduction).
    pub odds_ratio: Estimate,
    /// Relative change net of the control, `1/OR − 1`.
    pub relative_change: Estimate,
    /// Difference in differences (incidents; negative = fewer than expected).
    pub did: Estimate,
    /// Buffer against control odds ratio (< 1 = buffer rose relative to control).
    pub buffer_odds_ratio: Option<Estimate>,
    /// Weighted Displacement Quotient with its components.
    pub wdq: Option<Wdq>,
    /// Net effect in incidents prevented.
    pub net_effect: NetEffect,
    /// Placebo check of parallel trends: treatment vs control odds ratio between
    /// the first and second half of the pre period (≈ 1 expected).
    pub pre_trend_check: Option<Estimate>,
    /// Counts per bin: `[treatment, buffer, control]` (same order as [`Evaluation::bins`]).
    pub series: Vec<[f64; 3]>,
    /// Cost-benefit account.
    pub cost: Option<CostBenefit>,
    /// Plain-language reading and its conditions.
    pub reading: Vec<String>,
}

/// Result of [`evaluate`].
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Periods compared.
    pub periods: Periods,
    /// Confidence level.
    pub confidence: f64,
    /// Incidents with a time inside the pre-to-post span.
    pub incidents_used: usize,
    /// Incidents without a time (not used).
    pub incidents_without_time: usize,
    /// Monthly bins from the start of the pre period to the end of the post period.
    pub bins: Vec<Bin>,
    /// One evaluation per area, in input order.
    pub areas: Vec<AreaEvaluation>,
    /// Pooled odds ratio over the areas (when there are several).
    pub pooled: Option<Pooled>,
    /// Interrupted time series per area (same order as `areas`).
    pub its: Vec<AreaIts>,
    /// Notes on the data and choices made.
    pub notes: Vec<String>,
}

fn day_label(t: i64) -> String {
    if t.rem_euclid(DAY) == 0 {
        time::format(t, TimePrecision::Day)
    } else {
        time::format(t, TimePrecision::Minute)
    }
}

/// Resolves the periods against the data's time range.
fn resolve_periods(p: &EvaluateParams, tmin: i64, tmax: i64) -> Result<Periods> {
    let start = tmin.div_euclid(DAY) * DAY;
    let end = (tmax.div_euclid(DAY) + 1) * DAY;
    let span = format!(
        "the data run from {} to {}",
        day_label(start),
        time::format(end - 1, TimePrecision::Day)
    );
    let (pre, post, d) = match (p.pre, p.post) {
        (Some(pre), Some(post)) => (pre, post, p.intervention.unwrap_or(post.0)),
        (None, None) => {
            let d = p.intervention.ok_or_else(|| {
                Error::invalid_param(
                    "intervention",
                    "none",
                    "give an intervention date or both the pre and the post period",
                )
            })?;
            if d <= start || d >= end {
                return Err(Error::invalid_param(
                    "intervention",
                    day_label(d),
                    format!("the date is outside the data: {span}"),
                ));
            }
            let len = (d - start).min(end - d);
            ((d - len, d), (d, d + len), d)
        }
        (Some(pre), None) => {
            return Err(Error::missing_param(
                "post",
                "pre",
                format!("{}..{}", day_label(pre.0), day_label(pre.1)),
            ))
        }
        (None, Some(post)) => {
            return Err(Error::missing_param(
                "pre",
                "post",
                format!("{}..{}", day_label(post.0), day_label(post.1)),
            ))
        }
    };
    let label = |q: (i64, i64)| format!("{}..{}", day_label(q.0), day_label(q.1));
    for (name, q) in [("pre", pre), ("post", post)] {
        if q.0 >= q.1 {
            return Err(Error::invalid_param(
                name,
                label(q),
                "the period must end after it starts",
            ));
        }
    }
    if pre.1 > post.0 {
        return Err(Error::invalid_param(
            "pre",
            label(pre),
            format!("the period overlaps the post period ({})", label(post)),
        ));
    }
    if pre.0 < start {
        return Err(Error::invalid_param(
            "pre",
            label(pre),
            format!("the period reaches outside the data: {span}"),
        ));
    }
    if post.1 > end {
        return Err(Error::invalid_param(
            "post",
            label(post),
            format!("the period reaches outside the data: {span}"),
        ));
    }
    if d < pre.1 || d > post.0 {
        return Err(Error::invalid_param(
            "intervention",
            day_label(d),
            "the date must lie between the end of the pre period and the start of the post period",
        ));
    }
    Ok(Periods {
        intervention: d,
        pre,
        post,
        pre_days: (pre.1 - pre.0) as f64 / DAY as f64,
        post_days: (post.1 - post.0) as f64 / DAY as f64,
        labels: [
            day_label(pre.0),
            day_label(pre.1),
            day_label(post.0),
            day_label(post.1),
        ],
    })
}

/// Calendar-month bins over `[pre.0, post.1)`, split at the period boundaries.
fn month_bins(pp: &Periods) -> Vec<Bin> {
    let cuts = [pp.pre.1, pp.post.0, pp.post.1];
    let mut out = Vec::new();
    let mut t = pp.pre.0;
    while t < pp.post.1 {
        let (y, m, _) = time::civil_from_days(t.div_euclid(DAY));
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next_month = time::days_from_civil(ny, nm, 1) * DAY;
        let end = cuts
            .iter()
            .copied()
            .filter(|&c| c > t)
            .fold(next_month, i64::min);
        let period = if t < pp.pre.1 {
            Period::Pre
        } else if t < pp.post.0 {
            Period::Gap
        } else {
            Period::Post
        };
        out.push(Bin {
            start: t,
            end,
            label: format!("{y:04}-{m:02}"),
            days: (end - t) as f64 / DAY as f64,
            period,
        });
        t = end;
    }
    out
}

/// Evaluates interventions in one or more areas (see the [module docs](self)).
///
/// # Errors
/// [`Error::Param`] for invalid parameters, an intervention date or periods outside
/// the data; [`Error::Content`] for invalid or overlapping treatment and control
/// areas (the content of the area files);
/// [`Error::Data`] for empty periods or zones without incidents (where the odds
/// ratio is undefined).
///
/// # Example
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::evaluate::{evaluate, EvaluateParams, TreatmentArea};
/// let city = generate(&DemoParams::new(1).incidents(3000).size(2000.0)).unwrap();
/// let c = [city.truth.extent[0] + 1000.0, city.truth.extent[1] + 1000.0];
/// let area = TreatmentArea::sites("centre", &[c], 250.0).buffer(250.0);
/// let date = crimescape::time::parse_date("2024-07-01").unwrap();
/// let ev = evaluate(&city.incidents, &[area], &EvaluateParams::at(date)).unwrap();
/// let a = &ev.areas[0];
/// assert!(a.treatment.pre > 0.0 && a.control.pre > 0.0);
/// // no intervention was planted: the interval of the odds ratio is around 1
/// assert!(a.odds_ratio.lower < a.odds_ratio.upper);
/// ```
pub fn evaluate(
    inc: &Incidents,
    areas: &[TreatmentArea],
    p: &EvaluateParams,
) -> Result<Evaluation> {
    let z = check_params(areas, p)?;
    let (tmin, tmax) = inc
        .time_range()
        .ok_or_else(|| Error::Data("no incident has a time: nothing to compare".into()))?;
    let periods = resolve_periods(p, tmin, tmax)?;
    for k in 0..areas.len() {
        check_control_overlap(areas, k)?;
    }
    let bins = month_bins(&periods);
    let (used, without_time) = bin_incidents(inc, &periods, &bins)?;
    let mut notes = Vec::new();
    if without_time > 0 {
        notes.push(format!(
            "{without_time} incident(s) without a time were not used"
        ));
    }
    let mut idx: Vec<AreaIndex> = areas.iter().map(AreaIndex::new).collect();

    // automatic controls
    let pre_bin_ids: Vec<usize> = (0..bins.len())
        .filter(|&b| bins[b].period == Period::Pre)
        .collect();
    let pre_bins: Vec<(f64, f64)> = pre_bin_ids
        .iter()
        .map(|&b| {
            let mid = (bins[b].start + bins[b].end) as f64 / 2.0 / DAY as f64;
            (mid, bins[b].days)
        })
        .collect();
    let mut pre_pos = vec![usize::MAX; bins.len()];
    for (k, &b) in pre_bin_ids.iter().enumerate() {
        pre_pos[b] = k;
    }
    let mut auto: Vec<Option<(Grid, Vec<usize>, usize)>> = vec![None; areas.len()];
    if areas.iter().any(|a| a.control.is_none()) {
        let pts: Vec<[f64; 2]> = used.iter().map(|u| inc.xy[u.0]).collect();
        let bbox = crate::layer::bbox_of(pts.iter().copied())
            .ok_or_else(|| Error::Data("no incidents in the periods".into()))?;
        let grid = Grid::covering(bbox, p.control_cell)?;
        let pre_points: Vec<([f64; 2], usize)> = used
            .iter()
            .filter(|u| pre_pos[u.1] != usize::MAX)
            .map(|u| (inc.xy[u.0], pre_pos[u.1]))
            .collect();
        for (k, a) in areas.iter().enumerate() {
            if a.control.is_some() {
                continue;
            }
            let mut tb = vec![0.0; pre_bins.len()];
            for (q, b) in &pre_points {
                if idx[k].zone(*q) == Zone::Treatment {
                    tb[*b] += 1.0;
                }
            }
            let search = ControlSearch {
                grid,
                pre_points: &pre_points,
                pre_bins: &pre_bins,
                exclusions: &idx,
                treatment_bins: &tb,
                treatment_km2: a.treatment_km2(),
                multiple: p.control_multiple,
                min_cells: p.control_min_cells,
            };
            let (cells, ncand) = choose_control(&search)
                .map_err(|e| Error::Data(format!("area '{}': {e}", a.name)))?;
            auto[k] = Some((grid, cells, ncand));
        }
        for (k, a) in auto.iter().enumerate() {
            if let Some((g, cells, _)) = a {
                idx[k].set_cells(*g, cells);
            }
        }
    }

    let cx = AreaContext {
        inc,
        used: &used,
        bins: &bins,
        pre_bin_ids: &pre_bin_ids,
        pre_bins: &pre_bins,
        periods: &periods,
        p,
        z,
    };
    let mut results = Vec::with_capacity(areas.len());
    for (k, a) in areas.iter().enumerate() {
        let (ev, note) = evaluate_area(&cx, a, &idx[k], auto[k].as_ref())?;
        notes.extend(note);
        results.push(ev);
    }
    let pooled = if results.len() > 1 {
        let ors: Vec<Estimate> = results.iter().map(|r| r.odds_ratio).collect();
        stats::pool_odds_ratios(&ors, z)
    } else {
        None
    };
    let mut ev = Evaluation {
        periods,
        confidence: p.confidence,
        incidents_used: used.len(),
        incidents_without_time: without_time,
        bins,
        areas: results,
        pooled,
        its: Vec::new(),
        notes,
    };
    if let Some(ip) = &p.its {
        add_its(&mut ev, ip)?;
    }
    Ok(ev)
}

/// The incidents of the periods with their monthly bin (index into the incidents,
/// bin), and how many have no time; an error when the pre or the post period has none.
fn bin_incidents(
    inc: &Incidents,
    periods: &Periods,
    bins: &[Bin],
) -> Result<(Vec<(usize, usize)>, usize)> {
    let starts: Vec<i64> = bins.iter().map(|b| b.start).collect();
    // incidents in the span, with their bin
    let mut used: Vec<(usize, usize)> = Vec::new();
    let mut without_time = 0;
    for (i, t) in inc.time.iter().enumerate() {
        match t {
            Some(t) if *t >= periods.pre.0 && *t < periods.post.1 => {
                let b = starts.partition_point(|s| s <= t) - 1;
                used.push((i, b));
            }
            Some(_) => {}
            None => without_time += 1,
        }
    }
    let n_pre = used
        .iter()
        .filter(|u| bins[u.1].period == Period::Pre)
        .count();
    let n_post = used
        .iter()
        .filter(|u| bins[u.1].period == Period::Post)
        .count();
    if n_pre == 0 || n_post == 0 {
        let (which, a, b) = if n_pre == 0 {
            ("pre", &periods.labels[0], &periods.labels[1])
        } else {
            ("post", &periods.labels[2], &periods.labels[3])
        };
        return Err(Error::Data(format!(
            "no incidents at all in the {which} period ({a} to {b}): check the dates and filters"
        )));
    }
    Ok((used, without_time))
}

/// Checks the areas and the parameters of [`evaluate`]; returns the two-sided `z`
/// of the confidence level.
fn check_params(areas: &[TreatmentArea], p: &EvaluateParams) -> Result<f64> {
    if areas.is_empty() {
        return Err(Error::invalid_param(
            "areas",
            "none",
            "an evaluation needs at least one treatment area",
        ));
    }
    for (i, a) in areas.iter().enumerate() {
        a.validate()?;
        if areas[..i].iter().any(|b| b.name == a.name) {
            return Err(Error::Content(format!(
                "two treatment areas are named '{}': names must be unique",
                a.name
            )));
        }
    }
    let z = stats::z_for(p.confidence)?;
    if !(p.control_cell.is_finite() && p.control_cell > 0.0) {
        return Err(Error::invalid_param(
            "control_cell",
            p.control_cell,
            "the control cell size must be > 0 m",
        ));
    }
    if !(p.control_multiple.is_finite() && p.control_multiple > 0.0) {
        return Err(Error::invalid_param(
            "control_multiple",
            p.control_multiple,
            "the control multiple must be > 0",
        ));
    }
    if let Dispersion::Fixed(f) = p.dispersion {
        if !(f.is_finite() && f > 0.0) {
            return Err(Error::invalid_param(
                "dispersion",
                f,
                "a fixed dispersion factor must be > 0",
            ));
        }
    }
    Ok(z)
}

/// What every area of an evaluation shares: the incidents used (with their monthly
/// bin), the bins, the pre-period bins, the periods and the parameters.
struct AreaContext<'a> {
    inc: &'a Incidents,
    used: &'a [(usize, usize)],
    bins: &'a [Bin],
    pre_bin_ids: &'a [usize],
    pre_bins: &'a [(f64, f64)],
    periods: &'a Periods,
    p: &'a EvaluateParams,
    z: f64,
}

/// Evaluates one treatment area (zones `idx`, its automatic control if any): counts,
/// dispersion, odds ratio, DiD, WDQ, net effect, placebo, control description, costs
/// and the reading. Returns the evaluation and a note on the dispersion, if any.
fn evaluate_area(
    cx: &AreaContext,
    a: &TreatmentArea,
    idx: &AreaIndex,
    auto: Option<&(Grid, Vec<usize>, usize)>,
) -> Result<(AreaEvaluation, Option<String>)> {
    let AreaContext {
        inc,
        used,
        bins,
        pre_bin_ids,
        pre_bins,
        periods,
        p,
        z,
    } = *cx;
    let zones: Vec<Zone> = used.par_iter().map(|u| idx.zone(inc.xy[u.0])).collect();
    let mut series = vec![[0.0f64; 3]; bins.len()];
    let mut cats: BTreeMap<u32, (PrePost, PrePost)> = BTreeMap::new();
    for (u, z) in used.iter().zip(&zones) {
        let col = match z {
            Zone::Treatment => 0,
            Zone::Buffer => 1,
            Zone::Control => 2,
            Zone::Outside => continue,
        };
        series[u.1][col] += 1.0;
        let period = bins[u.1].period;
        if col < 2 && period != Period::Gap {
            let e = cats.entry(inc.category[u.0]).or_default();
            let pp = if col == 0 { &mut e.0 } else { &mut e.1 };
            if period == Period::Pre {
                pp.pre += 1.0;
            } else {
                pp.post += 1.0;
            }
        }
    }
    let total = |col: usize, per: Period| -> f64 {
        bins.iter()
            .zip(&series)
            .filter(|(b, _)| b.period == per)
            .map(|(_, s)| s[col])
            .sum()
    };
    let pp = |col: usize| PrePost {
        pre: total(col, Period::Pre),
        post: total(col, Period::Post),
    };
    let (t, b, c) = (pp(0), pp(1), pp(2));
    let by_category: Vec<CategoryCounts> = cats
        .into_iter()
        .map(|(cat, (tt, bb))| CategoryCounts {
            category: if cat == NO_CATEGORY {
                "(none)".to_string()
            } else {
                inc.categories[cat as usize].clone()
            },
            treatment: tt,
            buffer: bb,
        })
        .collect();
    // dispersion
    let pre_series = |col: usize| -> Vec<(f64, f64)> {
        pre_bin_ids
            .iter()
            .map(|&i| (bins[i].days, series[i][col]))
            .collect()
    };
    let (phi, phi_note) = match p.dispersion {
        Dispersion::Poisson => (1.0, None),
        Dispersion::Fixed(f) => (f, None),
        Dispersion::Estimate => {
            let cols: &[usize] = if a.buffer > 0.0 { &[0, 1, 2] } else { &[0, 2] };
            let (mut x2, mut df) = (0.0, 0usize);
            for &col in cols {
                let (x, d) = stats::pearson_dispersion(&pre_series(col));
                x2 += x;
                df += d;
            }
            if df == 0 {
                (
                    1.0,
                    Some(format!(
                        "area '{}': the pre period has fewer than two monthly bins, so over-dispersion could not be estimated (φ = 1)",
                        a.name
                    )),
                )
            } else {
                ((x2 / df as f64).max(1.0), None)
            }
        }
    };
    let ctx = |e: Error| match e {
        Error::Data(m) => Error::Data(format!("area '{}': {m}", a.name)),
        other => other,
    };
    let or = stats::odds_ratio(t.pre, t.post, c.pre, c.post, phi, z).map_err(ctx)?;
    let rc = stats::relative_change(&or);
    let did = stats::did_counts(t.pre, t.post, c.pre, c.post, phi, z).map_err(ctx)?;
    let (wdq, bor) = if a.buffer > 0.0 {
        (
            Some(stats::wdq(t.pre, t.post, b.pre, b.post, c.pre, c.post).map_err(ctx)?),
            stats::odds_ratio(b.pre, b.post, c.pre, c.post, phi, z).ok(),
        )
    } else {
        (None, None)
    };
    let net =
        stats::net_effect(t.pre, t.post, b.pre, b.post, c.pre, c.post, phi, z).map_err(ctx)?;
    // placebo: halves of the pre period
    let pre_trend_check = if pre_bin_ids.len() >= 2 {
        let half = periods.pre.0 + (periods.pre.1 - periods.pre.0) / 2;
        let (mut h1, mut h2) = ([0.0; 3], [0.0; 3]);
        for &i in pre_bin_ids {
            let h = if (bins[i].start + bins[i].end) / 2 < half {
                &mut h1
            } else {
                &mut h2
            };
            for col in 0..3 {
                h[col] += series[i][col];
            }
        }
        stats::odds_ratio(h1[0], h2[0], h1[2], h2[2], phi, z).ok()
    } else {
        None
    };
    let treatment_km2 = a.treatment_km2();
    let (source, grid, cells, candidates, control_km2) = match auto {
        Some((g, cells, n)) => (
            "automatic".to_string(),
            Some(*g),
            cells.clone(),
            *n,
            cells.len() as f64 * g.cell_area_km2(),
        ),
        None => {
            use geo::Area;
            let km2 = a
                .control
                .iter()
                .flatten()
                .filter_map(areas::to_multipolygon)
                .map(|m| m.unsigned_area())
                .sum::<f64>()
                / 1e6;
            ("given".to_string(), None, Vec::new(), 0, km2)
        }
    };
    let trend = |col: usize| {
        let v: Vec<(f64, f64, f64)> = pre_bin_ids
            .iter()
            .zip(pre_bins)
            .map(|(&i, pb)| (pb.0, pb.1, series[i][col]))
            .collect();
        relative_trend(&v)
    };
    let rate = |n: f64, km2: f64| {
        if km2 > 0.0 {
            n / km2 / periods.pre_days * 30.0
        } else {
            f64::NAN
        }
    };
    let control_info = ControlInfo {
        source,
        grid,
        cells,
        candidates,
        km2: control_km2,
        pre_rate_per_km2: [rate(t.pre, treatment_km2), rate(c.pre, control_km2)],
        pre_trend: [trend(0), trend(2)],
    };
    let cost = match &p.costs {
        Some(spec) => Some(cost_benefit(&a.name, &by_category, c, spec, phi, z)?),
        None => None,
    };
    let mut ev = AreaEvaluation {
        name: a.name.clone(),
        radius: a.radius,
        buffer: a.buffer,
        treatment_km2,
        treatment: t,
        buffer_counts: b,
        control: c,
        control_info,
        by_category,
        dispersion: phi,
        odds_ratio: or,
        relative_change: rc,
        did,
        buffer_odds_ratio: bor,
        wdq,
        net_effect: net,
        pre_trend_check,
        series,
        cost,
        reading: Vec::new(),
    };
    ev.reading = reading(&ev, p.confidence, periods);
    Ok((ev, phi_note))
}

/// The interrupted time series of every area, and a sentence on it in each area's
/// reading (before the cost sentence).
fn add_its(ev: &mut Evaluation, ip: &ItsParams) -> Result<()> {
    ev.its = interrupted_time_series(ev, ip)?;
    let cl = format!("{:.0} %", ev.confidence * 100.0);
    for (a, t) in ev.areas.iter_mut().zip(&ev.its) {
        if let Some(f) = &t.treatment {
            let mut s = format!(
                "Interrupted time series ({}, monthly): level change in the treatment area {} ({cl} CI {} to {})",
                f.family.replace('_', " "),
                pct(f.level_change.estimate - 1.0),
                pct(f.level_change.lower - 1.0),
                pct(f.level_change.upper - 1.0)
            );
            if let Some(c) = &t.controlled_level_change {
                s.push_str(&format!(
                    "; relative to the control's {} ({} to {})",
                    pct(c.estimate - 1.0),
                    pct(c.lower - 1.0),
                    pct(c.upper - 1.0)
                ));
            }
            s.push_str(". It allows for a pre-existing trend but rests on few monthly points; prefer the odds ratio when they disagree.");
            let at = a
                .reading
                .len()
                .saturating_sub(usize::from(a.cost.is_some()) + 1);
            a.reading.insert(at, s);
        }
    }
    Ok(())
}

/// The zones of evaluated areas on a raster, for maps: each cell centre is
/// classified `3` = treatment, `2` = buffer, `1` = control, `0` = none (the
/// highest over all areas). The grid covers the areas and their controls plus a
/// 10 % margin, with about `side` cells along its longer side.
pub fn zone_raster(
    areas: &[TreatmentArea],
    ev: &Evaluation,
    side: usize,
) -> Result<(Grid, Vec<f64>)> {
    use geo::BoundingRect;
    if areas.len() != ev.areas.len() {
        return Err(Error::length_mismatch(
            "treatment areas",
            areas.len(),
            "areas of the evaluation",
            ev.areas.len(),
        ));
    }
    let mut bb: Option<[f64; 4]> = None;
    let mut grow = |q: [f64; 4]| {
        bb = Some(match bb {
            None => q,
            Some(p) => [
                p[0].min(q[0]),
                p[1].min(q[1]),
                p[2].max(q[2]),
                p[3].max(q[3]),
            ],
        });
    };
    for (a, e) in areas.iter().zip(&ev.areas) {
        let m = a.radius + a.buffer;
        for g in a.geometries.iter().chain(a.control.iter().flatten()) {
            if let Some(r) = g.bounding_rect() {
                let pad = if a.geometries.contains(g) { m } else { 0.0 };
                grow([
                    r.min().x - pad,
                    r.min().y - pad,
                    r.max().x + pad,
                    r.max().y + pad,
                ]);
            }
        }
        if let Some(g) = &e.control_info.grid {
            for &c in &e.control_info.cells {
                let p = g.cell_polygon(c);
                if let Some(r) = p.bounding_rect() {
                    grow([r.min().x, r.min().y, r.max().x, r.max().y]);
                }
            }
        }
    }
    let b = bb.ok_or_else(|| Error::Data("no area geometry to map".into()))?;
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let pad = 0.1 * w.max(h).max(1.0);
    let b = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
    let cell = (b[2] - b[0]).max(b[3] - b[1]) / side.max(10) as f64;
    let grid = Grid::covering(b, cell)?;
    let mut idx: Vec<AreaIndex> = areas.iter().map(AreaIndex::new).collect();
    for (ix, e) in idx.iter_mut().zip(&ev.areas) {
        if let Some(g) = &e.control_info.grid {
            ix.set_cells(*g, &e.control_info.cells);
        }
    }
    let values = grid
        .centres()
        .par_iter()
        .map(|&p| {
            idx.iter()
                .map(|ix| match ix.zone(p) {
                    Zone::Treatment => 3.0,
                    Zone::Buffer => 2.0,
                    Zone::Control => 1.0,
                    Zone::Outside => 0.0,
                })
                .fold(0.0, f64::max)
        })
        .collect();
    Ok((grid, values))
}

fn pct(v: f64) -> String {
    format!("{:+.1} %", 100.0 * v)
}

/// The plain-language reading of an area's results, with the conditions it rests on.
fn reading(a: &AreaEvaluation, conf: f64, pp: &Periods) -> Vec<String> {
    let cl = format!("{:.0} %", conf * 100.0);
    let rc = &a.relative_change;
    let mut out = Vec::new();
    let verdict = if rc.upper < 0.0 {
        "a statistically significant reduction"
    } else if rc.lower > 0.0 {
        "a statistically significant increase"
    } else {
        "not distinguishable from no change"
    };
    out.push(format!(
        "Effect: relative to the control, incidents in the treatment area changed by {} ({cl} CI {} to {}; odds ratio {:.2}, p = {:.3}): {verdict}. Difference in differences: {:+.1} incidents over the post period ({} to {}).",
        pct(rc.estimate),
        pct(rc.lower),
        pct(rc.upper),
        a.odds_ratio.estimate,
        a.odds_ratio.p_value,
        a.did.estimate,
        pp.labels[2],
        pp.labels[3]
    ));
    if let Some(w) = &a.wdq {
        let mut s = format!("Displacement: {}", w.reading);
        if let Some(b) = &a.buffer_odds_ratio {
            let brc = stats::relative_change(b);
            let sig = if brc.lower > 0.0 {
                "a statistically significant rise"
            } else if brc.upper < 0.0 {
                "a statistically significant fall"
            } else {
                "not distinguishable from no change"
            };
            s.push_str(&format!(
                " The buffer itself changed by {} relative to the control ({cl} CI {} to {}): {sig}.",
                pct(brc.estimate),
                pct(brc.lower),
                pct(brc.upper)
            ));
        }
        out.push(s);
    }
    let ne = &a.net_effect;
    out.push(format!(
        "Total net effect: {:.1} incidents prevented ({cl} CI {:.1} to {:.1}): {:.1} in the treatment area{}.",
        ne.total.estimate,
        ne.total.lower,
        ne.total.upper,
        ne.treatment,
        if a.buffer > 0.0 {
            format!(", {:+.1} in the buffer (negative = displaced there)", ne.buffer)
        } else {
            String::new()
        }
    ));
    let mut cond = format!(
        "Conditions: this assumes the treatment area would have changed like the control without the intervention (parallel trends) and that nothing else changed in one area only. Pre-period trend per year: treatment {}, control {}.",
        pct(a.control_info.pre_trend[0]),
        pct(a.control_info.pre_trend[1])
    );
    if let Some(pc) = &a.pre_trend_check {
        if pc.lower > 1.0 || pc.upper < 1.0 {
            cond.push_str(&format!(
                " Warning: the placebo odds ratio between the halves of the pre period is {:.2} ({cl} CI {:.2} to {:.2}), so the areas were already diverging before the intervention.",
                pc.estimate, pc.lower, pc.upper
            ));
        } else {
            cond.push_str(&format!(
                " The placebo odds ratio between the halves of the pre period, {:.2} ({cl} CI {:.2} to {:.2}), does not contradict this.",
                pc.estimate, pc.lower, pc.upper
            ));
        }
    }
    cond.push_str(&format!(
        " Intervals allow for over-dispersion φ = {:.2}. If the area was chosen because its crime was unusually high, part of a fall may be regression to the mean. The WDQ is only interpretable when the treatment area improved relative to the control, and a buffer change may have causes other than displacement.",
        a.dispersion
    ));
    out.push(cond);
    if let Some(c) = &a.cost {
        out.push(format!("Cost-benefit: {}", c.reading));
    }
    out
}

fn fmt_est(e: &Estimate, digits: usize) -> String {
    format!(
        "{:.d$} ({:.d$} to {:.d$})",
        e.estimate,
        e.lower,
        e.upper,
        d = digits
    )
}

impl Evaluation {
    /// A Markdown summary of the evaluation.
    pub fn to_markdown(&self) -> String {
        let cl = format!("{:.0} %", self.confidence * 100.0);
        let pp = &self.periods;
        let mut s = String::new();
        s.push_str("# Intervention evaluation\n\n");
        s.push_str(&format!(
            "Pre period {} to {} ({:.0} days); post period {} to {} ({:.0} days); intervention {}. {} incidents used. Intervals are {cl} confidence intervals.\n\n",
            pp.labels[0], pp.labels[1], pp.pre_days, pp.labels[2], pp.labels[3], pp.post_days,
            day_label(pp.intervention), self.incidents_used
        ));
        for a in &self.areas {
            s.push_str(&format!("## {}\n\n", a.name));
            s.push_str("| zone | pre | post | change |\n|---|---:|---:|---:|\n");
            let row = |name: &str, c: &PrePost| {
                let ch = if c.pre > 0.0 {
                    pct(c.post / c.pre - 1.0)
                } else {
                    "–".into()
                };
                format!("| {name} | {:.0} | {:.0} | {ch} |\n", c.pre, c.post)
            };
            s.push_str(&row("treatment", &a.treatment));
            if a.buffer > 0.0 {
                s.push_str(&row(
                    &format!("buffer ({:.0} m)", a.buffer),
                    &a.buffer_counts,
                ));
            }
            s.push_str(&row(
                &format!(
                    "control ({}, {:.2} km²)",
                    a.control_info.source, a.control_info.km2
                ),
                &a.control,
            ));
            s.push_str("\n| measure | estimate |\n|---|---|\n");
            s.push_str(&format!(
                "| relative effect size (odds ratio, > 1 = reduction) | {} |\n",
                fmt_est(&a.odds_ratio, 3)
            ));
            let rc = &a.relative_change;
            s.push_str(&format!(
                "| relative change net of control | {} ({} to {}) |\n",
                pct(rc.estimate),
                pct(rc.lower),
                pct(rc.upper)
            ));
            s.push_str(&format!(
                "| difference in differences (incidents) | {} |\n",
                fmt_est(&a.did, 1)
            ));
            if let Some(w) = &a.wdq {
                s.push_str(&format!(
                    "| success measure | {:.4} |\n| buffer displacement measure | {:.4} |\n| WDQ | {} |\n",
                    w.success_measure,
                    w.buffer_displacement_measure,
                    w.wdq.map_or("undefined".into(), |q| format!("{q:.3}{}", if w.meaningful { "" } else { " (not interpretable)" }))
                ));
            }
            if let Some(b) = &a.buffer_odds_ratio {
                s.push_str(&format!(
                    "| buffer odds ratio vs control (< 1 = buffer rose) | {} |\n",
                    fmt_est(b, 3)
                ));
            }
            s.push_str(&format!(
                "| total net effect (incidents prevented) | {} |\n",
                fmt_est(&a.net_effect.total, 1)
            ));
            if let Some(pc) = &a.pre_trend_check {
                s.push_str(&format!(
                    "| placebo: pre-period halves odds ratio (≈ 1) | {} |\n",
                    fmt_est(pc, 3)
                ));
            }
            s.push_str(&format!("| over-dispersion φ | {:.2} |\n", a.dispersion));
            if let Some(c) = &a.cost {
                s.push_str(&format!(
                    "| benefit ({}) | {} |\n| net benefit | {} |\n",
                    c.currency,
                    fmt_est(&c.benefit, 0),
                    fmt_est(&c.net_benefit, 0)
                ));
                if let Some(r) = &c.benefit_cost_ratio {
                    s.push_str(&format!("| benefit-cost ratio | {} |\n", fmt_est(r, 2)));
                }
            }
            s.push('\n');
            for r in &a.reading {
                s.push_str(&format!("- {r}\n"));
            }
            s.push('\n');
        }
        for t in &self.its {
            let fits = [
                ("treatment", &t.treatment),
                ("buffer", &t.buffer),
                ("control", &t.control),
            ];
            if fits.iter().all(|f| f.1.is_none()) && t.notes.is_empty() {
                continue;
            }
            s.push_str(&format!("### Interrupted time series: {}\n\n", t.name));
            s.push_str("| zone | model | level change (rate ratio) | trend per year | slope change per year |\n|---|---|---|---|---|\n");
            for (zone, f) in fits {
                if let Some(f) = f {
                    s.push_str(&format!(
                        "| {zone} | {}{} | {} | {} | {} |\n",
                        f.family.replace('_', " "),
                        f.theta.map_or(String::new(), |t| format!(" (θ = {t:.1})")),
                        fmt_est(&f.level_change, 3),
                        fmt_est(&f.trend, 3),
                        f.slope_change
                            .as_ref()
                            .map_or("–".into(), |e| fmt_est(e, 3))
                    ));
                }
            }
            if let Some(c) = &t.controlled_level_change {
                s.push_str(&format!(
                    "| treatment ÷ control | | {} | | |\n",
                    fmt_est(c, 3)
                ));
            }
            s.push('\n');
            for n in &t.notes {
                s.push_str(&format!("- {n}\n"));
            }
            if !t.notes.is_empty() {
                s.push('\n');
            }
        }
        if let Some(p) = &self.pooled {
            s.push_str(&format!(
                "## All areas\n\nPooled odds ratio (inverse-variance fixed effect): {}; Cochran's Q = {:.2} on {} df, I² = {:.0} %.\n\n",
                fmt_est(&p.odds_ratio, 3),
                p.q,
                p.df,
                100.0 * p.i2
            ));
        }
        if !self.notes.is_empty() {
            s.push_str("## Notes\n\n");
            for n in &self.notes {
                s.push_str(&format!("- {n}\n"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::CrsChoice;
    use crate::demo::DEMO_CRS;
    use crate::time::parse_date;
    use approx::assert_relative_eq;
    use geo::Geometry;

    fn square(x: f64, y: f64, s: f64) -> Geometry<f64> {
        Geometry::Polygon(geo::Polygon::new(
            geo::LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]),
            vec![],
        ))
    }

    /// Treatment square [0,100]², buffer 50 m, control square at x = 1000.
    /// Counts (pre, post): treatment (10, 5), buffer (4, 6), control (20, 20).
    fn fixture() -> (Incidents, TreatmentArea) {
        let mut inc = Incidents::empty(CrsChoice {
            input: DEMO_CRS,
            input_source: "test".into(),
            working: DEMO_CRS,
            reason: "test".into(),
        });
        inc.categories = vec!["burglary".into(), "theft".into()];
        let mut push = |x: f64, y: f64, t: i64, cat: u32| {
            inc.xy.push([x, y]);
            inc.time.push(Some(t));
            inc.precision.push(TimePrecision::Minute);
            inc.category.push(cat);
            inc.row.push(inc.row.len() as u64 + 1);
        };
        let pre = parse_date("2024-02-10").unwrap();
        let post = parse_date("2024-09-10").unwrap();
        push(5000.0, 5000.0, parse_date("2024-01-01").unwrap() + 3600, 0);
        push(5000.0, 5000.0, parse_date("2024-12-30").unwrap() + 3600, 0);
        for (n, x, y, t) in [
            (10, 50.0, 50.0, pre),
            (5, 50.0, 50.0, post),
            (4, 130.0, 50.0, pre),
            (6, 130.0, 50.0, post),
            (20, 1050.0, 50.0, pre),
            (20, 1050.0, 50.0, post),
        ] {
            for k in 0..n {
                push(x, y, t + k as i64 * 3600, (k % 2) as u32);
            }
        }
        let area = TreatmentArea::polygons("square", vec![square(0.0, 0.0, 100.0)])
            .buffer(50.0)
            .control(vec![square(1000.0, 0.0, 100.0)]);
        (inc, area)
    }

    #[test]
    fn evaluate_fixture_by_hand() {
        let (inc, area) = fixture();
        let p =
            EvaluateParams::at(parse_date("2024-07-01").unwrap()).dispersion(Dispersion::Poisson);
        let ev = evaluate(&inc, &[area], &p).unwrap();
        assert_eq!(ev.periods.labels[0], "2024-01-01");
        assert_eq!(ev.periods.labels[3], "2024-12-30");
        let a = &ev.areas[0];
        assert_eq!(
            a.treatment,
            PrePost {
                pre: 10.0,
                post: 5.0
            }
        );
        assert_eq!(
            a.buffer_counts,
            PrePost {
                pre: 4.0,
                post: 6.0
            }
        );
        assert_eq!(
            a.control,
            PrePost {
                pre: 20.0,
                post: 20.0
            }
        );
        // OR = 10·20/(5·20) = 2; relative change −50 %
        assert_relative_eq!(a.odds_ratio.estimate, 2.0, epsilon = 1e-12);
        assert_relative_eq!(a.relative_change.estimate, -0.5, epsilon = 1e-12);
        // DiD = 5 − 10·20/20 = −5
        assert_relative_eq!(a.did.estimate, -5.0, epsilon = 1e-12);
        // SM = 5/20 − 10/20 = −0.25; BDM = 6/20 − 4/20 = 0.1; WDQ = −0.4
        let w = a.wdq.as_ref().unwrap();
        assert_relative_eq!(w.wdq.unwrap(), -0.4, epsilon = 1e-12);
        // net: treatment 10 − 5 = 5, buffer 4 − 6 = −2
        assert_relative_eq!(a.net_effect.treatment, 5.0, epsilon = 1e-12);
        assert_relative_eq!(a.net_effect.buffer, -2.0, epsilon = 1e-12);
        assert_eq!(a.by_category.len(), 2);
        let md = ev.to_markdown();
        assert!(md.contains("| treatment | 10 | 5 |"), "{md}");
        assert!(a.reading.iter().any(|r| r.contains("displacement")));
        // monthly bins: January .. December, split at July 1 (a month start)
        assert_eq!(ev.bins.first().unwrap().label, "2024-01");
        assert_eq!(ev.bins.len(), 12);
        assert_eq!(
            ev.bins.iter().filter(|b| b.period == Period::Pre).count(),
            6
        );
    }

    #[test]
    fn evaluate_cost_benefit_in_fixture() {
        let (inc, area) = fixture();
        let spec = CostSpec::from_toml_str(
            "intervention_cost = 100\n[offence_costs]\nburglary = 50\ntheft = 10\n",
        )
        .unwrap();
        let p = EvaluateParams::at(parse_date("2024-07-01").unwrap())
            .dispersion(Dispersion::Poisson)
            .costs(spec);
        let ev = evaluate(&inc, &[area], &p).unwrap();
        let c = ev.areas[0].cost.as_ref().unwrap();
        // s = 1. burglary: pre 5 + 2, post 3 + 3 -> 1 prevented; theft: pre 5 + 2, post 2 + 3 -> 2
        assert_relative_eq!(c.benefit.estimate, 50.0 + 20.0, epsilon = 1e-9);
        assert_relative_eq!(c.net_benefit.estimate, -30.0, epsilon = 1e-9);
    }

    #[test]
    fn evaluate_several_areas_pools_them() {
        use crate::demo::{generate, DemoParams};
        let city = generate(&DemoParams::new(4).incidents(6000).size(3000.0)).unwrap();
        let e = city.truth.extent;
        let areas = [
            TreatmentArea::sites("west", &[[e[0] + 800.0, e[1] + 1500.0]], 300.0).buffer(200.0),
            TreatmentArea::sites("east", &[[e[0] + 2200.0, e[1] + 1500.0]], 300.0).buffer(200.0),
        ];
        let ev = evaluate(
            &city.incidents,
            &areas,
            &EvaluateParams::at(parse_date("2024-07-01").unwrap()),
        )
        .unwrap();
        assert_eq!(ev.areas.len(), 2);
        assert_eq!(ev.its.len(), 2);
        let p = ev.pooled.unwrap();
        assert_eq!(p.df, 1);
        // the pooled log odds ratio lies between the two areas' and is more precise
        let (a, b) = (ev.areas[0].odds_ratio, ev.areas[1].odds_ratio);
        let (lo, hi) = (a.estimate.min(b.estimate), a.estimate.max(b.estimate));
        assert!(p.odds_ratio.estimate >= lo && p.odds_ratio.estimate <= hi);
        assert!(p.odds_ratio.se < a.se.min(b.se));
        // automatic control cells stay out of both treatment areas and buffers
        for ar in &ev.areas {
            let g = ar.control_info.grid.unwrap();
            for &c in &ar.control_info.cells {
                let q = g.centre(c);
                for t in &areas {
                    let d = AreaIndex::new(t).treatment_distance(q);
                    assert!(
                        d > t.radius + t.buffer,
                        "cell {c} of {} too close to {}",
                        ar.name,
                        t.name
                    );
                }
            }
        }
        assert!(ev.to_markdown().contains("Pooled odds ratio"));
    }

    #[test]
    fn evaluate_rejects_dates_outside_the_data() {
        let (inc, area) = fixture();
        for d in ["2025-03-01", "2023-12-01", "2024-01-01"] {
            let e = evaluate(
                &inc,
                std::slice::from_ref(&area),
                &EvaluateParams::at(parse_date(d).unwrap()),
            )
            .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidParam {
                        param: "intervention",
                        ..
                    }
                ),
                "{e}"
            );
            assert!(e.to_string().contains("outside the data"), "{e}");
        }
        let p = EvaluateParams::periods(
            (
                parse_date("2023-06-01").unwrap(),
                parse_date("2024-07-01").unwrap(),
            ),
            (
                parse_date("2024-07-01").unwrap(),
                parse_date("2024-12-01").unwrap(),
            ),
        );
        let e = evaluate(&inc, std::slice::from_ref(&area), &p).unwrap_err();
        assert!(e.to_string().contains("outside the data"), "{e}");
        let p = EvaluateParams::periods(
            (
                parse_date("2024-01-01").unwrap(),
                parse_date("2024-08-01").unwrap(),
            ),
            (
                parse_date("2024-07-01").unwrap(),
                parse_date("2024-12-01").unwrap(),
            ),
        );
        let e = evaluate(&inc, &[area], &p).unwrap_err();
        assert!(e.to_string().contains("overlaps the post period"), "{e}");
    }

    #[test]
    fn evaluate_rejects_empty_periods() {
        let (inc, area) = fixture();
        let p = EvaluateParams::periods(
            (
                parse_date("2024-03-01").unwrap(),
                parse_date("2024-04-01").unwrap(),
            ),
            (
                parse_date("2024-07-01").unwrap(),
                parse_date("2024-12-01").unwrap(),
            ),
        );
        let e = evaluate(&inc, std::slice::from_ref(&area), &p).unwrap_err();
        assert!(matches!(e, Error::Data(_)), "{e}");
        assert!(
            e.to_string()
                .contains("no incidents at all in the pre period"),
            "{e}"
        );
        // a period where the treatment area is empty: the odds ratio is undefined
        let p = EvaluateParams::periods(
            (
                parse_date("2024-01-01").unwrap(),
                parse_date("2024-02-01").unwrap(),
            ),
            (
                parse_date("2024-07-01").unwrap(),
                parse_date("2024-12-01").unwrap(),
            ),
        );
        let e = evaluate(&inc, &[area], &p).unwrap_err();
        assert!(e.to_string().contains("area 'square'"), "{e}");
        assert!(e.to_string().contains("treatment area, pre period"), "{e}");
    }

    #[test]
    fn evaluate_rejects_overlapping_control_and_duplicate_names() {
        let (inc, area) = fixture();
        let d = EvaluateParams::at(parse_date("2024-07-01").unwrap());
        let bad = area.clone().control(vec![square(80.0, 0.0, 100.0)]);
        let e = evaluate(&inc, &[bad], &d).unwrap_err();
        assert!(e.to_string().contains("overlaps its treatment area"), "{e}");
        // another area's buffer
        let other = TreatmentArea::polygons("other", vec![square(1200.0, 0.0, 50.0)]).buffer(150.0);
        let e = evaluate(&inc, &[area.clone(), other], &d).unwrap_err();
        assert!(e.to_string().contains("area 'other''s buffer"), "{e}");
        let e = evaluate(&inc, &[area.clone(), area], &d).unwrap_err();
        assert!(e.to_string().contains("unique"), "{e}");
    }
}
