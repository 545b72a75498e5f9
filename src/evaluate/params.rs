//! The parameters of an evaluation: periods, control, dispersion, confidence.

use super::*;

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
