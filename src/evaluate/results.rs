//! What an evaluation returns: counts per zone and period, estimates per area.

use super::*;

/// Counts in the pre and post periods.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PrePost {
    /// Pre (before) period.
    pub pre: f64,
    /// Post (after) period.
    pub post: f64,
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
