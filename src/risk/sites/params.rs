//! The settings of a ranking: component weights, buffers, persistence periods.

use super::*;

/// Weights of the score components (need not sum to 1; they are normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteWeights {
    /// Crime burden (seriousness-weighted counts).
    pub burden: f64,
    /// Persistence over time periods.
    #[serde(default)]
    pub persistence: f64,
    /// Repeat-victimisation share.
    pub repeat: f64,
    /// RTM environmental risk.
    pub risk: f64,
    /// Modifiable share of the risk.
    pub modifiable: f64,
}

impl Default for SiteWeights {
    fn default() -> Self {
        SiteWeights {
            burden: 0.35,
            persistence: 0.15,
            repeat: 0.10,
            risk: 0.25,
            modifiable: 0.15,
        }
    }
}

impl SiteWeights {
    pub(super) fn array(&self) -> [f64; 5] {
        [
            self.burden,
            self.persistence,
            self.repeat,
            self.risk,
            self.modifiable,
        ]
    }
}

/// Settings of [`rank_sites`] / [`rank_cells`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteParams {
    /// Component weights.
    pub weights: SiteWeights,
    /// Number of top sites that get suggestions.
    pub top: usize,
    /// Two incidents are at the same location when their coordinates agree after
    /// rounding to this many metres.
    pub repeat_tolerance: f64,
    /// Number of equal time periods for persistence (≥ 1).
    pub periods: usize,
    /// Fixed period length in days instead of `periods` equal periods: periods then
    /// start at midnight of the day of the first timed incident and cover the last.
    #[serde(default)]
    pub period_days: Option<i64>,
    /// A unit is hot in a period when it is in this top share of units by count.
    pub persistence_top: f64,
    /// Segments cover the cells whose centre is within this distance (m) of the line;
    /// `None` = half the cell size.
    pub segment_buffer: Option<f64>,
}

impl Default for SiteParams {
    fn default() -> Self {
        SiteParams {
            weights: SiteWeights::default(),
            top: 20,
            repeat_tolerance: 1.0,
            periods: 4,
            period_days: None,
            persistence_top: 0.05,
            segment_buffer: None,
        }
    }
}

impl SiteParams {
    /// Defaults (see the module docs).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the weights.
    pub fn weights(mut self, w: SiteWeights) -> Self {
        self.weights = w;
        self
    }
    /// Sets the number of top sites.
    pub fn top(mut self, n: usize) -> Self {
        self.top = n;
        self
    }
    /// Sets the number of persistence periods.
    pub fn periods(mut self, n: usize) -> Self {
        self.periods = n;
        self
    }
    /// Sets a fixed period length in days (overrides `periods`).
    pub fn period_days(mut self, days: Option<i64>) -> Self {
        self.period_days = days;
        self
    }
    /// Sets the top share of units that counts as hot in a period.
    pub fn persistence_top(mut self, share: f64) -> Self {
        self.persistence_top = share;
        self
    }
}
