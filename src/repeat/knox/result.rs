//! The tables of a Knox test and their cells.

use super::*;

/// Results built from the permutations (NearRepeat's output).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PermutationTables {
    /// Number of permutations.
    pub nrep: usize,
    /// Seed.
    pub seed: u64,
    /// Mean of the simulated tables `[s][t]`.
    pub expected_mean: Vec<Vec<f64>>,
    /// Median of the simulated tables.
    pub expected_median: Vec<Vec<f64>>,
    /// Standard deviation of the simulated counts (n − 1 denominator).
    pub sim_sd: Vec<Vec<f64>>,
    /// observed / expected_mean (`NaN`/`Inf` as R; `null` in JSON).
    pub knox_ratio: Vec<Vec<f64>>,
    /// observed / expected_median.
    pub knox_ratio_median: Vec<Vec<f64>>,
    /// Number of simulated counts ≥ observed.
    pub n_sim_ge_obs: Vec<Vec<u64>>,
    /// (n_sim_ge_obs + 1) / (nrep + 1).
    pub p_value: Vec<Vec<f64>>,
}

/// The analytic (exact-expectation) Knox screen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyticTables {
    /// Pairs per spatial band, any time difference (`S_s`).
    pub space_margin: Vec<u64>,
    /// Pairs per temporal band, any distance (`T_b`).
    pub time_margin: Vec<u64>,
    /// `S_s · T_b / P`.
    pub expected: Vec<Vec<f64>>,
    /// observed / expected.
    pub knox_ratio: Vec<Vec<f64>>,
    /// Poisson upper tail `P(X ≥ observed)`, `X ~ Poisson(expected)`.
    pub p_poisson: Vec<Vec<f64>>,
}

/// Result of [`knox`] / [`knox_xyt`]. Tables are `[spatial band][temporal band]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnoxResult {
    /// Events used.
    pub n_events: usize,
    /// Events excluded for a missing time.
    pub excluded_missing_time: usize,
    /// Events excluded for a month/year-only time.
    pub excluded_coarse_time: usize,
    /// Events excluded for lying farther than the tolerance from the network
    /// ([`Metric::Network`] only).
    #[serde(default)]
    pub excluded_off_network: usize,
    /// Time unit of the comparison (`day` for date-only data).
    pub time_unit: TimePrecision,
    /// Metric.
    pub metric: Metric,
    /// Spatial breaks (m).
    pub space_breaks: Vec<f64>,
    /// Temporal breaks (days).
    pub time_breaks: Vec<f64>,
    /// Spatial band labels as NearRepeat prints them (`[0,100)`).
    pub space_labels: Vec<String>,
    /// Temporal band labels.
    pub time_labels: Vec<String>,
    /// All pairs `n(n−1)/2`.
    pub n_pairs: u64,
    /// Pairs in the table (not dropped).
    pub n_pairs_in_table: u64,
    /// Pairs within the largest finite break (stored for the permutations; only
    /// counted when `nrep` = 0).
    pub close_pairs: u64,
    /// Bytes used by the stored close pairs (0 when they were only counted).
    pub close_pair_bytes: u64,
    /// Pairs at the same coordinates and the same time (possible duplicate records).
    pub same_place_same_time_pairs: u64,
    /// Observed counts.
    pub observed: Vec<Vec<u64>>,
    /// Permutation results (`None` when `nrep` = 0).
    pub permutation: Option<PermutationTables>,
    /// Analytic expectation and Poisson p.
    pub analytic: AnalyticTables,
    /// Which expectation the ratios in the summary use: `permutation` or `analytic`.
    pub method_used: String,
    /// Warnings (precision, exclusions, duplicates).
    pub warnings: Vec<String>,
}

/// One cell of a [`KnoxResult`] in long form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnoxCell {
    /// Spatial band label.
    pub s_band: String,
    /// Temporal band label.
    pub t_band: String,
    /// Spatial band `[s_lo, s_hi)` (m).
    pub s_lo: f64,
    /// Upper spatial edge.
    pub s_hi: f64,
    /// Temporal band `[t_lo, t_hi)` (days).
    pub t_lo: f64,
    /// Upper temporal edge.
    pub t_hi: f64,
    /// Observed pairs.
    pub observed: u64,
    /// Expected (permutation mean, or analytic when no permutations).
    pub expected: f64,
    /// Median of the permutations (`NaN` without).
    pub expected_median: f64,
    /// Knox ratio observed / expected.
    pub knox_ratio: f64,
    /// p-value (permutation, or Poisson when no permutations).
    pub p_value: f64,
    /// Analytic expectation.
    pub expected_analytic: f64,
    /// Analytic Knox ratio.
    pub knox_ratio_analytic: f64,
    /// Poisson p.
    pub p_poisson: f64,
}

/// Default thresholds for a "meaningful and significant" cell (NearRepeat's plot).
pub const RATIO_THRESHOLD: f64 = 1.2;
/// Significance level used for marking cells.
pub const ALPHA: f64 = 0.05;

impl KnoxResult {
    /// The cells in long form, spatial band major.
    pub fn cells(&self) -> Vec<KnoxCell> {
        let mut out = Vec::new();
        for s in 0..self.space_labels.len() {
            for t in 0..self.time_labels.len() {
                let (e, em, kr, p) = match &self.permutation {
                    Some(pm) => (
                        pm.expected_mean[s][t],
                        pm.expected_median[s][t],
                        pm.knox_ratio[s][t],
                        pm.p_value[s][t],
                    ),
                    None => (
                        self.analytic.expected[s][t],
                        f64::NAN,
                        self.analytic.knox_ratio[s][t],
                        self.analytic.p_poisson[s][t],
                    ),
                };
                out.push(KnoxCell {
                    s_band: self.space_labels[s].clone(),
                    t_band: self.time_labels[t].clone(),
                    s_lo: self.space_breaks[s],
                    s_hi: self.space_breaks[s + 1],
                    t_lo: self.time_breaks[t],
                    t_hi: self.time_breaks[t + 1],
                    observed: self.observed[s][t],
                    expected: e,
                    expected_median: em,
                    knox_ratio: kr,
                    p_value: p,
                    expected_analytic: self.analytic.expected[s][t],
                    knox_ratio_analytic: self.analytic.knox_ratio[s][t],
                    p_poisson: self.analytic.p_poisson[s][t],
                });
            }
        }
        out
    }

    /// Knox ratios and p-values of the method used.
    pub fn ratio_and_p(&self) -> (&Vec<Vec<f64>>, &Vec<Vec<f64>>) {
        match &self.permutation {
            Some(pm) => (&pm.knox_ratio, &pm.p_value),
            None => (&self.analytic.knox_ratio, &self.analytic.p_poisson),
        }
    }

    /// Cells with Knox ratio ≥ `ratio` and p < `alpha` (NearRepeat's plot highlights).
    pub fn significant(&self, ratio: f64, alpha: f64) -> Vec<Vec<bool>> {
        let (kr, p) = self.ratio_and_p();
        kr.iter()
            .zip(p)
            .map(|(rr, pr)| {
                rr.iter()
                    .zip(pr)
                    .map(|(r, p)| *r >= ratio && *p < alpha)
                    .collect()
            })
            .collect()
    }
}
