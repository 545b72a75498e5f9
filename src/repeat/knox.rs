//! The Knox near-repeat test with the semantics of the R package NearRepeat,
//! at city and national scale.
//!
//! # Definition (Knox 1964; Townsley, Homel & Chaseling 2003; NearRepeat 0.1.1)
//! Every **unordered pair** of events `{i, j}`, `i < j`, is counted once in the
//! cell (spatial band, temporal band) of its distance and its time difference
//! `|tᵢ − tⱼ|`. Bands are **half-open `[a, b)`** (R `cut(right = FALSE)`): a pair
//! exactly 7 days apart falls in `[7, 14)`. Pairs below the first or at/after the
//! last break are **dropped**; give `f64::INFINITY` as the last break to keep them
//! (a "beyond" band). Distance is **Manhattan** `|Δx| + |Δy|` by default (as
//! NearRepeat) or Euclidean `sqrt(Δx² + Δy²)`, both computed in IEEE f64 exactly
//! as R's `stats::dist` does, so pairs on a band edge fall on the same side.
//!
//! With [`Metric::Network`] the distance is the shortest path along the street
//! network ([`crate::network::paths`]): events are snapped to the network of
//! [`KnoxParams::network`] (those farther than its tolerance are excluded and
//! counted in `excluded_off_network`) and stand at their snapped positions. The
//! straight line between two snapped positions is never longer than the path, so
//! the planar cell search below still enumerates every candidate pair; the network
//! distance is computed for those only (one Dijkstra bounded by the largest finite
//! break per event). Permutations, margins and the analytic screen are unchanged.
//!
//! The **null model** permutes the time stamps over the events (locations fixed),
//! `nrep` times. For each cell: `expected_mean` = mean of the simulated counts,
//! `expected_median` = their median, Knox ratio = observed / expected_mean (and /
//! expected_median; `Inf` when the expectation is 0 and observed > 0, `NaN` when both
//! are 0), and the one-sided **p = (#{sim ≥ obs} + 1) / (nrep + 1)** (ties count
//! against significance).
//!
//! The **analytic** expectation (a fast screen, as pointpats' Knox): a random
//! permutation sends a pair to a uniformly random unordered pair of time stamps, so
//! `E = S_s · T_b / P` exactly, with `S_s` the number of pairs in spatial band `s`,
//! `T_b` the number of pairs whose time difference is in band `b` and
//! `P = n(n−1)/2`; the p-value is the Poisson upper tail `P(X ≥ obs)`, `X ~ Poisson(E)`.
//!
//! # Algorithm
//! Never `n²`: events are sorted into square cells of side `R` (the largest finite
//! spatial break), and only pairs in neighbouring cells closer than `R` are stored,
//! grouped by spatial band (8 bytes per close pair). With an infinite last break the
//! "beyond" row is `T_b` (invariant under permutation, counted in `O(n log n)` from
//! sorted times) minus the close rows. Each permutation recounts only the close
//! pairs with permuted times (8 bytes per close pair, at most
//! `KnoxParams::max_close_pairs`). Without permutations (`nrep` = 0) nothing is
//! stored: one streaming pass counts the observed close rows by temporal band, so
//! inputs of any density get the observed table, the exact expectation
//! `S_s · T_b / P` and its Poisson p-values (the permutation p-values, medians and
//! standard deviations need the stored pairs). Permutation `r` draws from its own ChaCha8 stream
//! (`seed_from_u64(seed)`, `set_stream(r)`); events are first put in a canonical
//! order (cell, x, y, t), so every number — Monte Carlo ones included — is the same
//! for any input order and any thread count.
//!
//! # Time
//! Times are integers in a unit (see [`crate::repeat::prepare_times`]); temporal
//! breaks are in days and a break `b` becomes the integer threshold `ceil(b · units
//! per day)`. For day-precision data a break that is not a whole number of days is
//! flagged in the warnings (`[0, 0.5)` then holds the pairs on the same calendar day).
//! The times may span at most 2³² units (136 years at second precision).
//!
//! # Examples
//! ```
//! use crimescape::repeat::knox::{knox_xyt, KnoxParams};
//! use crimescape::TimePrecision;
//! // three burglaries: two 50 m and 2 days apart, one far away much later
//! let xy = [[0.0, 0.0], [30.0, 20.0], [5000.0, 0.0]];
//! let t = [0, 2, 100];
//! let p = KnoxParams::new(vec![0.0, 100.0, f64::INFINITY], vec![0.0, 7.0, f64::INFINITY])
//!     .nrep(99)
//!     .seed(1);
//! let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
//! assert_eq!(r.observed, vec![vec![1, 0], vec![0, 2]]);
//! assert_eq!(r.n_pairs, 3);
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layer::Incidents;
use crate::network::{NetPos, NetworkSpace};
pub use crate::special::{gamma_p, ln_gamma};
use crate::time::{TimePrecision, DAY};

/// Distance between two events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// `|Δx| + |Δy|` (NearRepeat's and the Near Repeat Calculator's default).
    #[default]
    Manhattan,
    /// `sqrt(Δx² + Δy²)`.
    Euclidean,
    /// Shortest path along the street network (needs a [`NetworkSpace`]; see the
    /// module docs). [`Metric::distance`] gives its planar lower bound, Euclidean.
    Network,
}

impl Metric {
    /// Distance in IEEE f64, computed exactly as R's `stats::dist`.
    #[inline]
    pub fn distance(self, a: [f64; 2], b: [f64; 2]) -> f64 {
        let dx = a[0] - b[0];
        let dy = a[1] - b[1];
        match self {
            Metric::Manhattan => dx.abs() + dy.abs(),
            Metric::Euclidean | Metric::Network => (dx * dx + dy * dy).sqrt(),
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Manhattan => "manhattan",
            Metric::Euclidean => "euclidean",
            Metric::Network => "network",
        }
    }
}

/// Parameters of the Knox test (builder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnoxParams {
    /// Spatial breaks in metres, strictly increasing, first ≥ 0; the last may be `∞`.
    pub space_breaks: Vec<f64>,
    /// Temporal breaks in days, strictly increasing, first ≥ 0; the last may be `∞`.
    pub time_breaks: Vec<f64>,
    /// Distance metric (default Manhattan, as NearRepeat).
    pub metric: Metric,
    /// Number of permutations (default 999); 0 = analytic expectation only.
    pub nrep: usize,
    /// Seed of the permutations (default 42).
    pub seed: u64,
    /// Refuse to store more close pairs than this for the permutations (default 5·10⁸:
    /// 4 GB, about twice that at peak while they are collected; 8 bytes a pair). Not
    /// used when `nrep` = 0: the pairs are then counted, never stored.
    pub max_close_pairs: u64,
    /// The network of [`Metric::Network`] (not serialised).
    #[serde(skip)]
    pub network: Option<std::sync::Arc<NetworkSpace>>,
}

impl KnoxParams {
    /// Bands from explicit breaks (metres, days).
    pub fn new(space_breaks: Vec<f64>, time_breaks: Vec<f64>) -> Self {
        KnoxParams {
            space_breaks,
            time_breaks,
            metric: Metric::Manhattan,
            nrep: 999,
            seed: 42,
            max_close_pairs: 500_000_000,
            network: None,
        }
    }

    /// Near Repeat Calculator style bands: spatial `bandwidth × n` with the NRC's
    /// automatic "same location" band (`[0, 1)` m) and "beyond" band, temporal
    /// `t_bandwidth × t_n` days with a "beyond" band:
    /// space `[0, 1, bw, 2bw, …, n·bw, ∞]`, time `[0, tbw, …, t_n·tbw, ∞]`.
    ///
    /// These are the breaks that reproduce the NRC's table *contents* (Steenbeek's
    /// NearRepeat vignette "NRC"); crimescape labels them with their true
    /// intervals, whereas the NRC labels `[bw, 2bw)` as "bw+1 to 2bw".
    pub fn nrc(bandwidth: f64, n: usize, t_bandwidth: f64, t_n: usize) -> Result<Self> {
        Ok(KnoxParams::new(
            nrc_space_breaks(bandwidth, n)?,
            nrc_time_breaks(t_bandwidth, t_n)?,
        ))
    }

    /// Sets the metric.
    pub fn metric(mut self, m: Metric) -> Self {
        self.metric = m;
        self
    }
    /// Sets the number of permutations.
    pub fn nrep(mut self, n: usize) -> Self {
        self.nrep = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets the close-pair limit.
    pub fn max_close_pairs(mut self, m: u64) -> Self {
        self.max_close_pairs = m;
        self
    }
    /// Sets the close-pair limit (`KnoxParams::max_close_pairs`): the permutations
    /// store 8 bytes per pair closer than the largest finite spatial break.
    pub fn max_pairs(self, m: u64) -> Self {
        self.max_close_pairs(m)
    }
    /// Measures distances along this network ([`Metric::Network`]).
    pub fn network(mut self, space: std::sync::Arc<NetworkSpace>) -> Self {
        self.metric = Metric::Network;
        self.network = Some(space);
        self
    }
}

/// NRC spatial breaks `[0, 1, bw, …, n·bw, ∞]` (see [`KnoxParams::nrc`]).
pub fn nrc_space_breaks(bandwidth: f64, n: usize) -> Result<Vec<f64>> {
    if !(bandwidth.is_finite() && bandwidth > 1.0) || n == 0 || n > 100 {
        return Err(Error::Param(format!(
            "NRC spatial bands need a bandwidth > 1 m and 1..=100 bands, got {bandwidth} x {n}"
        )));
    }
    let mut b = vec![0.0, 1.0];
    b.extend((1..=n).map(|k| bandwidth * k as f64));
    b.push(f64::INFINITY);
    Ok(b)
}

/// NRC temporal breaks `[0, bw, …, n·bw, ∞]` days (see [`KnoxParams::nrc`]).
pub fn nrc_time_breaks(bandwidth: f64, n: usize) -> Result<Vec<f64>> {
    if !(bandwidth.is_finite() && bandwidth > 0.0) || n == 0 || n > 100 {
        return Err(Error::Param(format!(
            "NRC temporal bands need a bandwidth > 0 days and 1..=100 bands, got {bandwidth} x {n}"
        )));
    }
    let mut b = vec![0.0];
    b.extend((1..=n).map(|k| bandwidth * k as f64));
    b.push(f64::INFINITY);
    Ok(b)
}

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

    /// A plain-language summary for analysts, e.g. "Within 0–100 m and 0–6 days of
    /// an incident, further incidents are 1.9× as frequent as chance predicts (p = 0.001)".
    pub fn summary(&self, what: &str) -> String {
        let sig = self.significant(RATIO_THRESHOLD, ALPHA);
        let (kr, p) = self.ratio_and_p();
        let mut cells: Vec<(usize, usize)> = Vec::new();
        for (s, row) in sig.iter().enumerate() {
            for (t, &m) in row.iter().enumerate() {
                // only bounded cells describe a near repeat
                if m && self.space_breaks[s + 1].is_finite() && self.time_breaks[t + 1].is_finite()
                {
                    cells.push((s, t));
                }
            }
        }
        let how = if self.permutation.is_some() {
            format!(
                "{} permutations of the times",
                self.permutation.as_ref().map_or(0, |p| p.nrep)
            )
        } else {
            "the analytic expectation with a Poisson p (no permutations)".to_string()
        };
        if cells.is_empty() {
            return format!(
                "No bounded space-time band shows a Knox ratio >= {RATIO_THRESHOLD} with p < {ALPHA} \
                 ({} {what} events, {how}): no evidence of repeat or near-repeat victimization \
                 at these bands.",
                self.n_events
            );
        }
        let (bs, bt) = *cells
            .iter()
            .max_by(|a, b| kr[a.0][a.1].total_cmp(&kr[b.0][b.1]).then(b.cmp(a)))
            .unwrap_or(&cells[0]);
        format!(
            "{} of {} {what}, another {what} is {:.1}x as likely as chance predicts (p = {}). \
             Significant excess (Knox ratio >= {RATIO_THRESHOLD}, p < {ALPHA}) in {} band(s), \
             {}. ({} events, {how}.)",
            capitalise(&self.describe_cell(bs, bt)),
            article(what),
            kr[bs][bt],
            fmt_p(p[bs][bt]),
            cells.len(),
            self.describe_extent(&cells),
            self.n_events
        )
    }

    /// Where the significant bands lie. When they are contiguous from the origin
    /// (every band closer in space or in time than a significant band is significant
    /// too), "reaching up to X m and Y days" describes them; otherwise the bands are
    /// listed as they are (the first six, then how many more), so a lone significant
    /// band at 21–27 days is never reported as reaching from 0 to 28 days.
    fn describe_extent(&self, cells: &[(usize, usize)]) -> String {
        let has = |s: usize, t: usize| cells.contains(&(s, t));
        let from_origin = cells
            .iter()
            .all(|&(s, t)| (s == 0 || has(s - 1, t)) && (t == 0 || has(s, t - 1)));
        if from_origin {
            let max_s = cells
                .iter()
                .map(|c| self.space_breaks[c.0 + 1])
                .fold(0.0, f64::max);
            let max_t = cells
                .iter()
                .map(|c| self.time_breaks[c.1 + 1])
                .fold(0.0, f64::max);
            return format!(
                "reaching up to {} m and {} days",
                fmt_num(max_s),
                fmt_num(max_t)
            );
        }
        let mut sorted = cells.to_vec();
        sorted.sort_unstable();
        let mut parts: Vec<String> = sorted
            .iter()
            .take(6)
            .map(|&(s, t)| self.describe_cell(s, t))
            .collect();
        if sorted.len() > 6 {
            parts.push(format!("{} more", sorted.len() - 6));
        }
        format!("not contiguous from the origin: {}", parts.join("; "))
    }

    fn describe_cell(&self, s: usize, t: usize) -> String {
        let (a, b) = (self.space_breaks[s], self.space_breaks[s + 1]);
        let space = if a == 0.0 && b <= 1.0 {
            "at the same place".to_string()
        } else if a == 0.0 {
            format!("within {} m", fmt_num(b))
        } else {
            format!("{}-{} m away", fmt_num(a), fmt_num(b))
        };
        let (c, d) = (self.time_breaks[t], self.time_breaks[t + 1]);
        let whole = |v: f64| v.fract() == 0.0;
        let time = if self.time_unit == TimePrecision::Day && whole(c) && whole(d) {
            if c == 0.0 && d == 1.0 {
                "within the same day".to_string()
            } else if d - c == 1.0 {
                format!("{} days", fmt_num(c))
            } else {
                format!("{}-{} days", fmt_num(c), fmt_num(d - 1.0))
            }
        } else if c == 0.0 {
            format!("less than {} days", fmt_num(d))
        } else {
            format!("{} to under {} days", fmt_num(c), fmt_num(d))
        };
        format!("{space} and {time}")
    }

    /// A fixed-width console table of observed / expected / ratio / p.
    pub fn to_text(&self) -> String {
        let (kr, p) = self.ratio_and_p();
        let exp = match &self.permutation {
            Some(pm) => &pm.expected_mean,
            None => &self.analytic.expected,
        };
        let sig = self.significant(RATIO_THRESHOLD, ALPHA);
        let w = self
            .space_labels
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(8)
            .max(10);
        let cw = self
            .time_labels
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(8)
            .max(10);
        let mut out = String::new();
        let mut block = |title: &str, f: &dyn Fn(usize, usize) -> String| {
            out.push_str(&format!("{title:<w$}"));
            for l in &self.time_labels {
                out.push_str(&format!(" {l:>cw$}"));
            }
            out.push('\n');
            for (s, l) in self.space_labels.iter().enumerate() {
                out.push_str(&format!("{l:<w$}"));
                for t in 0..self.time_labels.len() {
                    out.push_str(&format!(" {:>cw$}", f(s, t)));
                }
                out.push('\n');
            }
            out.push('\n');
        };
        block("observed", &|s, t| self.observed[s][t].to_string());
        block("expected", &|s, t| format!("{:.2}", exp[s][t]));
        block("knox ratio", &|s, t| {
            format!(
                "{}{}",
                fmt_ratio(kr[s][t]),
                if sig[s][t] { "*" } else { "" }
            )
        });
        block("p-value", &|s, t| fmt_p(p[s][t]));
        out.push_str(&format!(
            "* Knox ratio >= {RATIO_THRESHOLD} and p < {ALPHA}. Rows: distance ({}, m); columns: time apart (days); bands [a,b).\n",
            self.metric.name()
        ));
        out
    }
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn fmt_ratio(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.is_infinite() {
        "Inf".into()
    } else {
        format!("{v:.2}")
    }
}

/// Formats a p-value (3 significant decimals).
pub fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// Formats a number as R's `cut` labels do (`Inf` for infinity, no trailing `.0`
/// on whole numbers); other values in shortest round-trip form (`1.5e-121`).
pub fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "Inf" } else { "-Inf" }.into()
    } else if v.is_nan() {
        "NaN".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v}")
    } else {
        // shortest round-trip text, scientific for very small/large values
        format!("{v:?}")
    }
}

/// Band labels `[a,b)` as NearRepeat prints them.
pub fn band_labels(breaks: &[f64]) -> Vec<String> {
    breaks
        .windows(2)
        .map(|w| format!("[{},{})", fmt_num(w[0]), fmt_num(w[1])))
        .collect()
}

fn check_breaks(b: &[f64], what: &str) -> Result<()> {
    if b.len() < 2 {
        return Err(Error::Param(format!(
            "{what} breaks need at least two values (one band), got {b:?}"
        )));
    }
    if b.len() > 201 {
        return Err(Error::Param(format!("at most 200 {what} bands")));
    }
    if !(b[0] >= 0.0 && b[0].is_finite()) {
        return Err(Error::Param(format!(
            "{what} breaks must start at a finite value >= 0, got {}",
            b[0]
        )));
    }
    for w in b.windows(2) {
        if w[1].is_nan() || w[1] <= w[0] {
            return Err(Error::Param(format!(
                "{what} breaks must be strictly increasing, got {b:?}"
            )));
        }
    }
    if b[..b.len() - 1].iter().any(|v| v.is_infinite()) {
        return Err(Error::Param(format!(
            "only the last {what} break may be Inf, got {b:?}"
        )));
    }
    Ok(())
}

const DROP: u8 = u8::MAX;

/// Temporal banding in integer time units.
#[derive(Debug, Clone)]
struct TimeBands {
    /// Lower thresholds (units) of each band.
    lo: Vec<i64>,
    /// Upper threshold of the last band, `None` = ∞.
    hi: Option<i64>,
    /// Look-up table for small differences.
    lut: Vec<u8>,
    /// Band for differences ≥ lut.len().
    tail: u8,
    /// Whether the look-up table is used.
    fast: bool,
}

impl TimeBands {
    fn new(breaks: &[f64], units_per_day: f64) -> TimeBands {
        let th = |b: f64| (b * units_per_day).ceil() as i64;
        let l = breaks.len() - 1;
        let lo: Vec<i64> = breaks[..l].iter().map(|&b| th(b)).collect();
        let hi = breaks[l].is_finite().then(|| th(breaks[l]));
        let mut tb = TimeBands {
            lo,
            hi,
            lut: Vec::new(),
            tail: DROP,
            fast: false,
        };
        let lut_len = hi.unwrap_or(tb.lo[l - 1]).max(0);
        if lut_len <= 1 << 20 {
            tb.lut = (0..lut_len).map(|d| tb.band_slow(d)).collect();
            tb.tail = if hi.is_some() { DROP } else { (l - 1) as u8 };
            tb.fast = true;
        }
        tb
    }

    fn band_slow(&self, dt: i64) -> u8 {
        if dt < self.lo[0] || self.hi.is_some_and(|h| dt >= h) {
            return DROP;
        }
        (self.lo.partition_point(|&l| l <= dt) - 1) as u8
    }

    #[inline]
    fn band(&self, dt: u64) -> u8 {
        if !self.fast {
            self.band_slow(dt.min(i64::MAX as u64) as i64)
        } else if (dt as usize) < self.lut.len() {
            self.lut[dt as usize]
        } else {
            self.tail
        }
    }

    fn nbands(&self) -> usize {
        self.lo.len()
    }

    /// Pairs with time difference in each band (all pairs, any distance), from sorted times.
    fn margin(&self, sorted: &[i64], n_pairs: u64) -> Vec<u64> {
        // C(th) = #pairs with dt < th
        let below = |th: i64| -> u64 {
            let mut c = 0u64;
            let mut j = 0usize;
            for i in 0..sorted.len() {
                if j < i + 1 {
                    j = i + 1;
                }
                while j < sorted.len() && sorted[j] - sorted[i] < th {
                    j += 1;
                }
                c += (j - i - 1) as u64;
            }
            c
        };
        let l = self.lo.len();
        let cum: Vec<u64> = self
            .lo
            .iter()
            .map(|&th| below(th))
            .chain(std::iter::once(self.hi.map_or(n_pairs, below)))
            .collect();
        (0..l).map(|b| cum[b + 1] - cum[b]).collect()
    }
}

/// Spatial banding.
#[derive(Debug, Clone)]
struct SpaceBands {
    breaks: Vec<f64>,
    /// Number of bands with a finite upper edge (stored "close" rows).
    n_close: usize,
    /// Whether the last band is `[R, ∞)`.
    beyond: bool,
    /// Largest finite break.
    r: f64,
}

impl SpaceBands {
    fn new(breaks: &[f64]) -> SpaceBands {
        let k = breaks.len() - 1;
        let beyond = breaks[k].is_infinite();
        let n_close = if beyond { k - 1 } else { k };
        SpaceBands {
            breaks: breaks.to_vec(),
            n_close,
            beyond,
            r: if beyond { breaks[k - 1] } else { breaks[k] },
        }
    }
    /// Row of a close pair: band index, `n_close` for "below the first break", or
    /// `None` when `d >= R`.
    #[inline]
    fn row(&self, d: f64) -> Option<usize> {
        // NaN-safe: `d >= r` or NaN -> not close
        if d.partial_cmp(&self.r) != Some(std::cmp::Ordering::Less) {
            return None;
        }
        if d < self.breaks[0] {
            return Some(self.n_close);
        }
        Some(self.breaks.partition_point(|&b| b <= d) - 1)
    }
}

/// Events in canonical order with a cell index for close-pair search.
struct Prepared {
    xy: Vec<[f64; 2]>,
    t: Vec<i64>,
    /// Cell key (row, col) per event (sorted).
    keys: Vec<(i64, i64)>,
}

fn canonical(xy: &[[f64; 2]], t: &[i64], cell: f64) -> Prepared {
    let (minx, miny) = xy.iter().fold((f64::INFINITY, f64::INFINITY), |a, p| {
        (a.0.min(p[0]), a.1.min(p[1]))
    });
    let key = |p: [f64; 2]| -> (i64, i64) {
        if cell.is_finite() && cell > 0.0 {
            (
                ((p[1] - miny) / cell).floor() as i64,
                ((p[0] - minx) / cell).floor() as i64,
            )
        } else {
            (0, 0)
        }
    };
    let mut idx: Vec<usize> = (0..xy.len()).collect();
    let keys0: Vec<(i64, i64)> = xy.iter().map(|p| key(*p)).collect();
    idx.par_sort_unstable_by(|&a, &b| {
        keys0[a]
            .cmp(&keys0[b])
            .then(xy[a][0].total_cmp(&xy[b][0]))
            .then(xy[a][1].total_cmp(&xy[b][1]))
            .then(t[a].cmp(&t[b]))
    });
    Prepared {
        xy: idx.iter().map(|&i| xy[i]).collect(),
        t: idx.iter().map(|&i| t[i]).collect(),
        keys: idx.iter().map(|&i| keys0[i]).collect(),
    }
}

impl Prepared {
    /// Calls `f(j, d)` for every `j > i` in the same or the next cell row that is a
    /// neighbour of `i`'s cell.
    #[inline]
    fn for_each_candidate(&self, i: usize, metric: Metric, mut f: impl FnMut(usize, f64)) {
        let (r, c) = self.keys[i];
        let p = self.xy[i];
        // same row: cells c..=c+1 after i (c-1 precedes i in the order)
        let end_same = self.keys.partition_point(|&k| k <= (r, c + 1));
        for j in i + 1..end_same {
            f(j, metric.distance(p, self.xy[j]));
        }
        let a = self.keys.partition_point(|&k| k < (r + 1, c - 1));
        let b = self.keys.partition_point(|&k| k <= (r + 1, c + 1));
        for j in a..b {
            f(j, metric.distance(p, self.xy[j]));
        }
    }
}

/// For [`Metric::Network`]: the events snapped to the network (coordinates of
/// their positions), their times, and the number excluded off the network.
type NetworkEvents = (Vec<[f64; 2]>, Vec<i64>, usize);

fn network_events(
    xy: &[[f64; 2]],
    t: &[i64],
    params: &KnoxParams,
) -> Result<Option<NetworkEvents>> {
    if params.metric != Metric::Network {
        return Ok(None);
    }
    let space = params.network.as_ref().ok_or_else(|| {
        Error::Param("the network metric needs a street network (KnoxParams::network)".into())
    })?;
    let snapped = space.snap_all(xy);
    let mut out = (
        Vec::with_capacity(xy.len()),
        Vec::with_capacity(xy.len()),
        0,
    );
    for (p, &ti) in snapped.pos.iter().zip(t) {
        match p {
            Some(q) => {
                out.0.push(space.xy(*q));
                out.1.push(ti);
            }
            None => out.2 += 1,
        }
    }
    Ok(Some(out))
}

/// Where candidate pairs come from: the planar cell search, refined to network
/// distances for [`Metric::Network`].
struct PairSource<'a> {
    ev: &'a Prepared,
    metric: Metric,
    net: Option<(&'a NetworkSpace, Vec<NetPos>, f64)>,
}

impl<'a> PairSource<'a> {
    fn new(ev: &'a Prepared, params: &'a KnoxParams, r: f64) -> Result<Self> {
        let net = match (params.metric, params.network.as_deref()) {
            (Metric::Network, Some(space)) => {
                let pos = ev
                    .xy
                    .par_iter()
                    .map(|p| space.snap(*p).map(|x| x.0))
                    .collect::<Option<Vec<NetPos>>>()
                    .ok_or_else(|| Error::Data("an event left the network".into()))?;
                Some((space, pos, r))
            }
            _ => None,
        };
        Ok(PairSource {
            ev,
            metric: params.metric,
            net,
        })
    }

    /// Calls `f(j, d)` for the candidate partners `j > i` of event `i`.
    #[inline]
    fn for_each(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match &self.net {
            None => self.ev.for_each_candidate(i, self.metric, f),
            Some((space, pos, r)) => {
                let mut cand: Vec<usize> = Vec::new();
                self.ev.for_each_candidate(i, Metric::Euclidean, |j, d| {
                    if d < *r {
                        cand.push(j)
                    }
                });
                if cand.is_empty() {
                    return;
                }
                space.with_dijkstra(pos[i], *r, |ws| {
                    for j in cand {
                        f(j, space.net.distance_in(ws, pos[i], pos[j]));
                    }
                });
            }
        }
    }
}

/// Runs the Knox test on incidents, choosing the time unit from their precision
/// (see [`crate::repeat::prepare_times`]); incidents without a usable time are
/// excluded with a count.
///
/// # Examples
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::{knox, KnoxParams};
/// // a small demo city: its burglaries carry planted near-repeat chains
/// // (within 100 m and 14 days)
/// let city = generate(&DemoParams::new(3).incidents(3000).size(2000.0)).unwrap();
/// let burglary = city.incidents.categories.iter().position(|c| c == "burglary").unwrap();
/// let burglaries = city.incidents.filter(|i| city.incidents.category[i] as usize == burglary);
/// let p = KnoxParams::new(vec![0.0, 100.0, 1000.0], vec![0.0, 14.0, 100.0])
///     .nrep(99)
///     .seed(1);
/// let r = knox(&burglaries, &p).unwrap();
/// let perm = r.permutation.as_ref().unwrap();
/// // close in space and time: more pairs than the permuted times give
/// assert!(perm.knox_ratio[0][0] > 1.2, "{:?}", perm.knox_ratio);
/// assert!(perm.p_value[0][0] <= 0.05);
/// // every pair within the bands is counted once
/// let obs: u64 = r.observed.iter().flatten().sum();
/// assert_eq!(obs, r.n_pairs_in_table);
/// // the same seed gives the same numbers
/// assert_eq!(knox(&burglaries, &p).unwrap().permutation.unwrap().p_value, perm.p_value);
/// ```
pub fn knox(inc: &Incidents, params: &KnoxParams) -> Result<KnoxResult> {
    let pt = crate::repeat::prepare_times(inc)?;
    let xy: Vec<[f64; 2]> = pt.keep.iter().map(|&i| inc.xy[i]).collect();
    let mut r = knox_xyt(&xy, &pt.t, pt.unit, params)?;
    r.excluded_missing_time = pt.excluded_missing;
    r.excluded_coarse_time = pt.excluded_coarse;
    let mut w = pt.warnings;
    w.append(&mut r.warnings);
    r.warnings = w;
    Ok(r)
}

/// Runs the Knox test on points with integer times in `unit`s (e.g. days for
/// [`TimePrecision::Day`]). See the module docs for the conventions.
pub fn knox_xyt(
    xy: &[[f64; 2]],
    t: &[i64],
    unit: TimePrecision,
    params: &KnoxParams,
) -> Result<KnoxResult> {
    knox_xyt_impl(xy, t, unit, params, false)
}

/// [`knox_xyt`]; `force_store` stores the close pairs even without permutations
/// (tests check that both paths give the same table).
fn knox_xyt_impl(
    xy: &[[f64; 2]],
    t: &[i64],
    unit: TimePrecision,
    params: &KnoxParams,
    force_store: bool,
) -> Result<KnoxResult> {
    crate::limits::check_replicates("nrep", params.nrep)?;
    check_breaks(&params.space_breaks, "spatial")?;
    check_breaks(&params.time_breaks, "temporal")?;
    if xy.len() != t.len() {
        return Err(Error::Param(format!(
            "{} points but {} times",
            xy.len(),
            t.len()
        )));
    }
    if unit > TimePrecision::Day {
        return Err(Error::Param(
            "the Knox test needs times precise to the day at least".into(),
        ));
    }
    let on_network = network_events(xy, t, params)?;
    let (xy, t) = match &on_network {
        Some((a, b, _)) => (&a[..], &b[..]),
        None => (xy, t),
    };
    if let Some(i) = xy
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(Error::NonFinitePoint {
            what: "event",
            index: i,
            x: xy[i][0],
            y: xy[i][1],
        });
    }
    let n = xy.len();
    if n < 2 {
        return Err(Error::Data(format!(
            "the Knox test needs at least 2 events with a time, got {n}"
        )));
    }
    if n > u32::MAX as usize {
        return Err(Error::Param("too many events (max 2^32 - 1)".into()));
    }
    let mut warnings = Vec::new();
    let excluded_off_network = on_network.as_ref().map_or(0, |x| x.2);
    if excluded_off_network > 0 {
        warnings.push(format!(
            "{excluded_off_network} event(s) farther than {} m from the network excluded",
            params.network.as_ref().map_or(0.0, |s| s.tolerance)
        ));
    }
    let units_per_day = DAY as f64 / unit.seconds() as f64;
    for &b in &params.time_breaks {
        if b.is_finite() && (b * units_per_day).fract() != 0.0 {
            warnings.push(format!(
                "temporal break {b} days is not a whole number of {}s (the precision of the \
                 times); it acts as {} days",
                unit.name(),
                (b * units_per_day).ceil() / units_per_day
            ));
        }
    }
    let sb = SpaceBands::new(&params.space_breaks);
    let tb = TimeBands::new(&params.time_breaks, units_per_day);
    let nk = params.space_breaks.len() - 1;
    let nl = tb.nbands();
    let n_pairs = n as u64 * (n as u64 - 1) / 2;

    // canonical order, cells of side R (slightly enlarged against rounding)
    let cell = if sb.r > 0.0 {
        sb.r * (1.0 + 1e-9)
    } else {
        f64::INFINITY
    };
    let ev = canonical(xy, t, cell);
    let src = PairSource::new(&ev, params, sb.r)?;

    // duplicates: runs of identical (x, y, t) are adjacent in canonical order
    let mut same_place_same_time = 0u64;
    let mut run = 1u64;
    for i in 1..=n {
        if i < n && ev.xy[i] == ev.xy[i - 1] && ev.t[i] == ev.t[i - 1] {
            run += 1;
        } else {
            same_place_same_time += run * (run - 1) / 2;
            run = 1;
        }
    }
    if same_place_same_time > 0 {
        warnings.push(format!(
            "{same_place_same_time} pair(s) have the same coordinates and the same time: \
             possible duplicate records (they are counted, as NearRepeat does)"
        ));
    }

    // temporal margin (permutation invariant)
    let mut sorted_t = ev.t.clone();
    sorted_t.par_sort_unstable();
    let t_margin = tb.margin(&sorted_t, n_pairs);

    // counting: table of (rows) x (nl + 1) with a drop column
    let width = nl + 1;
    // times as u32 offsets from the earliest: half the memory traffic of i64
    let tmin = sorted_t.first().copied().unwrap_or(0);
    let span = sorted_t.last().copied().unwrap_or(0) - tmin;
    if span > u32::MAX as i64 {
        return Err(Error::Data(format!(
            "the times span {span} {}s, more than the 2^32 the test supports",
            unit.name()
        )));
    }
    let t32: Vec<u32> = ev.t.iter().map(|&v| (v - tmin) as u32).collect();
    // without permutations, one streaming pass: the observed close rows (by band and
    // time band) counted per chunk of events without storing a pair; integer sums,
    // so the order of the reduction does not matter
    let rows = sb.n_close + 1;
    let chunk = 2048usize;
    let store = params.nrep > 0 || force_store;
    let streamed: Vec<u64> = if sb.r > 0.0 && !store {
        (0..n)
            .into_par_iter()
            .step_by(chunk)
            .map(|start| {
                let mut c = vec![0u64; rows * width];
                for i in start..(start + chunk).min(n) {
                    let ti = t32[i];
                    src.for_each(i, |j, d| {
                        if let Some(k) = sb.row(d) {
                            let b = tb.band(ti.abs_diff(t32[j]) as u64);
                            c[k * width + if b == DROP { nl } else { b as usize }] += 1;
                        }
                    });
                }
                c
            })
            .reduce(
                || vec![0u64; rows * width],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    } else {
        vec![0u64; rows * width]
    };
    let row_total = |k: usize| -> u64 { streamed[k * width..(k + 1) * width].iter().sum() };
    // pairs per row, per chunk of events: counted first when they are to be stored
    // (the limit is checked before any memory is taken)
    let counts: Vec<Vec<u64>> = if store && sb.r > 0.0 {
        (0..n)
            .into_par_iter()
            .step_by(chunk)
            .map(|start| {
                let mut c = vec![0u64; rows];
                for i in start..(start + chunk).min(n) {
                    src.for_each(i, |_, d| {
                        if let Some(k) = sb.row(d) {
                            c[k] += 1;
                        }
                    });
                }
                c
            })
            .collect()
    } else {
        Vec::new()
    };
    let close_pairs: u64 = if store {
        counts.iter().flatten().sum()
    } else {
        (0..rows).map(row_total).sum()
    };

    // close pairs, grouped by row (close bands + "below first break"), stored for
    // the permutations only
    let pairs: Vec<Vec<[u32; 2]>> = if store && sb.r > 0.0 {
        if close_pairs > params.max_close_pairs {
            return Err(Error::Data(format!(
                "{close_pairs} pairs lie within the largest finite spatial break ({} m); the \
                 permutations need them in memory ({}; about twice that while they are \
                 collected), more than the limit of {} pairs. Raise the limit (`max_pairs`) \
                 to at least {close_pairs}, use a smaller largest finite \
                 break (the last break may be Inf at no cost), or run without permutations \
                 (`nrep` 0: the observed table, the exact expectation and Poisson p-values, \
                 streamed without storing pairs)",
                sb.r,
                fmt_bytes(close_pairs * 8),
                params.max_close_pairs,
            )));
        }
        let parts: Vec<Vec<Vec<[u32; 2]>>> = (0..n)
            .into_par_iter()
            .step_by(chunk)
            .zip(counts.par_iter())
            .map(|(start, c)| {
                let mut v: Vec<Vec<[u32; 2]>> =
                    c.iter().map(|&k| Vec::with_capacity(k as usize)).collect();
                for i in start..(start + chunk).min(n) {
                    src.for_each(i, |j, d| {
                        if let Some(k) = sb.row(d) {
                            v[k].push([i as u32, j as u32]);
                        }
                    });
                }
                v
            })
            .collect();
        (0..rows)
            .map(|k| {
                let len: usize = parts.iter().map(|p| p[k].len()).sum();
                let mut out = Vec::with_capacity(len);
                for p in &parts {
                    out.extend_from_slice(&p[k]);
                }
                out
            })
            .collect()
    } else {
        vec![Vec::new(); rows]
    };
    let stored_pairs: u64 = pairs.iter().map(|p| p.len() as u64).sum();

    let count = |tt: &[u32], tab: &mut [u64]| {
        tab.iter_mut().for_each(|v| *v = 0);
        for (k, pk) in pairs.iter().enumerate() {
            let row = &mut tab[k * width..(k + 1) * width];
            for &[i, j] in pk {
                let dt = tt[i as usize].abs_diff(tt[j as usize]) as u64;
                let b = tb.band(dt);
                row[if b == DROP { nl } else { b as usize }] += 1;
            }
        }
    };
    let finish = |tab: &[u64]| -> Vec<u64> {
        // final K x L table, row-major
        let mut out = vec![0u64; nk * nl];
        for k in 0..sb.n_close {
            out[k * nl..(k + 1) * nl].copy_from_slice(&tab[k * width..k * width + nl]);
        }
        if sb.beyond {
            for b in 0..nl {
                let close: u64 = (0..rows).map(|k| tab[k * width + b]).sum();
                out[(nk - 1) * nl + b] = t_margin[b] - close;
            }
        }
        out
    };
    let observed_flat = if store {
        let mut tab = vec![0u64; rows * width];
        count(&t32, &mut tab);
        finish(&tab)
    } else {
        finish(&streamed)
    };
    let observed = to_rows(&observed_flat, nk, nl, |v| v);
    let n_pairs_in_table: u64 = observed_flat.iter().sum();

    // analytic expectation
    let mut s_margin: Vec<u64> = if store {
        (0..sb.n_close).map(|k| pairs[k].len() as u64).collect()
    } else {
        (0..sb.n_close).map(row_total).collect()
    };
    if sb.beyond {
        s_margin.push(n_pairs - close_pairs);
    }
    let mut a_exp = vec![vec![0.0; nl]; nk];
    let mut a_ratio = vec![vec![0.0; nl]; nk];
    let mut a_p = vec![vec![0.0; nl]; nk];
    for k in 0..nk {
        for b in 0..nl {
            let e = s_margin[k] as f64 * t_margin[b] as f64 / n_pairs as f64;
            let o = observed[k][b];
            a_exp[k][b] = e;
            a_ratio[k][b] = o as f64 / e;
            a_p[k][b] = poisson_sf_ge(o, e);
        }
    }
    let analytic = AnalyticTables {
        space_margin: s_margin,
        time_margin: t_margin.clone(),
        expected: a_exp,
        knox_ratio: a_ratio,
        p_poisson: a_p,
    };

    // permutations
    let permutation = if params.nrep > 0 {
        let sims: Vec<Vec<u64>> = (0..params.nrep)
            .into_par_iter()
            .map_init(
                || (vec![0u32; n], vec![0u64; rows * width]),
                |(tt, tab), rep| {
                    tt.copy_from_slice(&t32);
                    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
                    rng.set_stream(rep as u64);
                    for k in (1..n).rev() {
                        let j = rng.random_range(0..=k);
                        tt.swap(k, j);
                    }
                    count(tt, tab);
                    finish(tab)
                },
            )
            .collect();
        Some(summarise_sims(
            &sims,
            &observed_flat,
            nk,
            nl,
            params.nrep,
            params.seed,
        ))
    } else {
        None
    };

    let method_used = if permutation.is_some() {
        "permutation"
    } else {
        "analytic"
    };
    Ok(KnoxResult {
        n_events: n,
        excluded_missing_time: 0,
        excluded_coarse_time: 0,
        excluded_off_network,
        time_unit: unit,
        metric: params.metric,
        space_breaks: params.space_breaks.clone(),
        time_breaks: params.time_breaks.clone(),
        space_labels: band_labels(&params.space_breaks),
        time_labels: band_labels(&params.time_breaks),
        n_pairs,
        n_pairs_in_table,
        close_pairs,
        close_pair_bytes: stored_pairs * 8,
        same_place_same_time_pairs: same_place_same_time,
        observed,
        permutation,
        analytic,
        method_used: method_used.into(),
        warnings,
    })
}

/// `1.2 GB`-style size.
fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).ceil())
    }
}

fn to_rows<T: Copy, U>(flat: &[T], nk: usize, nl: usize, f: impl Fn(T) -> U) -> Vec<Vec<U>> {
    (0..nk)
        .map(|k| (0..nl).map(|b| f(flat[k * nl + b])).collect())
        .collect()
}

fn summarise_sims(
    sims: &[Vec<u64>],
    obs: &[u64],
    nk: usize,
    nl: usize,
    nrep: usize,
    seed: u64,
) -> PermutationTables {
    let m = nk * nl;
    let mut mean = vec![0.0; m];
    let mut median = vec![0.0; m];
    let mut sd = vec![0.0; m];
    let mut ge = vec![0u64; m];
    let mut col = vec![0u64; nrep];
    for c in 0..m {
        for (r, s) in sims.iter().enumerate() {
            col[r] = s[c];
        }
        let sum: u64 = col.iter().sum();
        let mu = sum as f64 / nrep as f64;
        mean[c] = mu;
        sd[c] = if nrep > 1 {
            (col.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>() / (nrep - 1) as f64).sqrt()
        } else {
            f64::NAN
        };
        ge[c] = col.iter().filter(|&&v| v >= obs[c]).count() as u64;
        col.sort_unstable();
        median[c] = if nrep % 2 == 1 {
            col[nrep / 2] as f64
        } else {
            (col[nrep / 2 - 1] as f64 + col[nrep / 2] as f64) / 2.0
        };
    }
    let ratio = |o: u64, e: f64| o as f64 / e;
    PermutationTables {
        nrep,
        seed,
        expected_mean: to_rows(&mean, nk, nl, |v| v),
        expected_median: to_rows(&median, nk, nl, |v| v),
        sim_sd: to_rows(&sd, nk, nl, |v| v),
        knox_ratio: (0..nk)
            .map(|k| {
                (0..nl)
                    .map(|b| ratio(obs[k * nl + b], mean[k * nl + b]))
                    .collect()
            })
            .collect(),
        knox_ratio_median: (0..nk)
            .map(|k| {
                (0..nl)
                    .map(|b| ratio(obs[k * nl + b], median[k * nl + b]))
                    .collect()
            })
            .collect(),
        n_sim_ge_obs: to_rows(&ge, nk, nl, |v| v),
        p_value: to_rows(&ge, nk, nl, |v| (v + 1) as f64 / (nrep + 1) as f64),
    }
}

/// Poisson upper tail `P(X ≥ k)` for `X ~ Poisson(lambda)` (= `P(k, λ)` for k ≥ 1).
/// `NaN` for a non-finite or negative `lambda`.
pub fn poisson_sf_ge(k: u64, lambda: f64) -> f64 {
    if !(lambda.is_finite() && lambda >= 0.0) {
        return f64::NAN;
    }
    if k == 0 {
        return 1.0;
    }
    if lambda == 0.0 {
        return 0.0;
    }
    gamma_p(k as f64, lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// A 4 × 4 Knox result (analytic tables only) with the given significant cells.
    fn result_with(sig: &[(usize, usize)]) -> KnoxResult {
        let space_breaks = vec![0.0, 100.0, 200.0, 300.0, 400.0];
        let time_breaks = vec![0.0, 7.0, 14.0, 21.0, 28.0];
        let mut ratio = vec![vec![1.0; 4]; 4];
        let mut p = vec![vec![0.5; 4]; 4];
        for &(s, t) in sig {
            ratio[s][t] = 1.5 + s as f64 * 0.1 + t as f64 * 0.01;
            p[s][t] = 0.001;
        }
        KnoxResult {
            n_events: 500,
            excluded_missing_time: 0,
            excluded_coarse_time: 0,
            excluded_off_network: 0,
            time_unit: TimePrecision::Day,
            metric: Metric::Manhattan,
            space_labels: vec!["[0,100)".into(); 4],
            time_labels: vec!["[0,7)".into(); 4],
            space_breaks,
            time_breaks,
            n_pairs: 124_750,
            n_pairs_in_table: 1000,
            close_pairs: 1000,
            close_pair_bytes: 8000,
            same_place_same_time_pairs: 0,
            observed: vec![vec![10; 4]; 4],
            permutation: None,
            analytic: AnalyticTables {
                space_margin: vec![0; 4],
                time_margin: vec![0; 4],
                expected: vec![vec![8.0; 4]; 4],
                knox_ratio: ratio,
                p_poisson: p,
            },
            method_used: "analytic".into(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn summary_describes_non_contiguous_bands_as_they_are() {
        // the only significant band is [0,100) x [21,28)
        let s = result_with(&[(0, 3)]).summary("burglary");
        assert!(
            s.contains("in 1 band(s), not contiguous from the origin: within 100 m and 21-27 days"),
            "{s}"
        );
        assert!(!s.contains("reaching up to"), "{s}");
        // two separate bands are both named
        let s = result_with(&[(0, 0), (2, 2)]).summary("burglary");
        assert!(
            s.contains("within 100 m and 0-6 days; 200-300 m away and 14-20 days"),
            "{s}"
        );
        // a block from the origin keeps the short form
        let s = result_with(&[(0, 0), (0, 1), (1, 0)]).summary("burglary");
        assert!(
            s.contains("in 3 band(s), reaching up to 200 m and 14 days"),
            "{s}"
        );
    }

    /// Brute force over all pairs (the reference the scalable code must equal).
    fn brute(xy: &[[f64; 2]], t: &[i64], p: &KnoxParams, upd: f64) -> Vec<Vec<u64>> {
        let nk = p.space_breaks.len() - 1;
        let nl = p.time_breaks.len() - 1;
        let mut out = vec![vec![0u64; nl]; nk];
        for i in 0..xy.len() {
            for j in i + 1..xy.len() {
                let d = p.metric.distance(xy[i], xy[j]);
                let dt = (t[i] - t[j]).abs() as f64 / upd;
                let s = p.space_breaks.partition_point(|&b| b <= d);
                let b = p.time_breaks.partition_point(|&b| b <= dt);
                if s >= 1 && s <= nk && b >= 1 && b <= nl {
                    out[s - 1][b - 1] += 1;
                }
            }
        }
        out
    }

    fn random_events(n: usize, seed: u64, side: f64, days: i64) -> (Vec<[f64; 2]>, Vec<i64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let xy = (0..n)
            .map(|_| [rng.random::<f64>() * side, rng.random::<f64>() * side])
            .collect();
        let t = (0..n).map(|_| rng.random_range(0..days)).collect();
        (xy, t)
    }

    #[test]
    fn knox_xyt_equals_brute_force() {
        let (mut xy, mut t) = random_events(600, 3, 2000.0, 120);
        // exact duplicates and same places
        xy[10] = xy[11];
        t[10] = t[11];
        xy[20] = xy[21];
        for metric in [Metric::Manhattan, Metric::Euclidean] {
            for (sb, tbr) in [
                (
                    vec![0.0, 100.0, 200.0, 400.0, f64::INFINITY],
                    vec![0.0, 7.0, 14.0, f64::INFINITY],
                ),
                (vec![50.0, 100.0, 300.0], vec![1.0, 7.0, 30.0]),
                (
                    vec![0.0, 1.0, 101.0, 201.0],
                    vec![0.0, 1.0, 8.0, f64::INFINITY],
                ),
                (vec![0.0, f64::INFINITY], vec![0.0, 7.0]),
            ] {
                let p = KnoxParams::new(sb, tbr).metric(metric).nrep(0);
                let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
                assert_eq!(r.observed, brute(&xy, &t, &p, 1.0), "{p:?}");
                assert_eq!(r.n_pairs, 600 * 599 / 2);
            }
        }
    }

    #[test]
    fn knox_xyt_seconds_unit_matches_brute_force() {
        let (xy, t) = random_events(300, 5, 1500.0, 30 * DAY);
        let p = KnoxParams::new(vec![0.0, 200.0, f64::INFINITY], vec![0.0, 0.5, 3.0, 10.0]).nrep(0);
        let r = knox_xyt(&xy, &t, TimePrecision::Second, &p).unwrap();
        assert_eq!(r.observed, brute(&xy, &t, &p, DAY as f64));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn knox_xyt_invariant_to_input_order_and_threads() {
        let (xy, t) = random_events(400, 9, 1000.0, 60);
        let p = KnoxParams::new(
            vec![0.0, 100.0, 200.0, f64::INFINITY],
            vec![0.0, 7.0, 14.0, f64::INFINITY],
        )
        .nrep(49)
        .seed(7);
        let a = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
        let mut order: Vec<usize> = (0..xy.len()).rev().collect();
        order.swap(3, 200);
        let xy2: Vec<[f64; 2]> = order.iter().map(|&i| xy[i]).collect();
        let t2: Vec<i64> = order.iter().map(|&i| t[i]).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| knox_xyt(&xy2, &t2, TimePrecision::Day, &p).unwrap());
        assert_eq!(a.observed, b.observed);
        let (pa, pb) = (a.permutation.unwrap(), b.permutation.unwrap());
        assert_eq!(pa.n_sim_ge_obs, pb.n_sim_ge_obs);
        assert_eq!(pa.expected_mean, pb.expected_mean);
    }

    #[test]
    fn knox_xyt_permutation_mean_near_analytic() {
        let (xy, t) = random_events(500, 11, 1500.0, 90);
        let p = KnoxParams::new(
            vec![0.0, 100.0, 250.0, f64::INFINITY],
            vec![0.0, 7.0, 21.0, f64::INFINITY],
        )
        .nrep(199)
        .seed(3);
        let r = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
        let pm = r.permutation.as_ref().unwrap();
        for k in 0..3 {
            for b in 0..3 {
                let e = r.analytic.expected[k][b];
                let se = pm.sim_sd[k][b] / (199f64).sqrt();
                assert!(
                    (pm.expected_mean[k][b] - e).abs() <= 5.0 * se + 1e-9,
                    "{k} {b}: {} vs {e} (se {se})",
                    pm.expected_mean[k][b]
                );
            }
        }
        // margins add up
        assert_eq!(r.analytic.space_margin.iter().sum::<u64>(), r.n_pairs);
        assert_eq!(r.analytic.time_margin.iter().sum::<u64>(), r.n_pairs);
        assert_eq!(r.n_pairs_in_table, r.n_pairs);
    }

    #[test]
    fn knox_xyt_degenerate_inputs() {
        let p = KnoxParams::new(
            vec![0.0, 100.0, f64::INFINITY],
            vec![0.0, 7.0, f64::INFINITY],
        )
        .nrep(19);
        // one event
        assert!(knox_xyt(&[[0.0, 0.0]], &[0], TimePrecision::Day, &p).is_err());
        // all at the same time: every pair in [0,7), permutations change nothing
        let xy: Vec<[f64; 2]> = (0..30).map(|i| [i as f64 * 10.0, 0.0]).collect();
        let r = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p).unwrap();
        assert_eq!(r.observed[0][1] + r.observed[1][1], 0);
        let pm = r.permutation.as_ref().unwrap();
        assert_eq!(pm.p_value[0][0], 1.0);
        assert_relative_eq!(pm.knox_ratio[0][0], 1.0);
        assert!(pm.knox_ratio[0][1].is_nan());
        // duplicate points and times are counted and flagged
        let r = knox_xyt(&[[1.0, 1.0]; 3], &[4; 3], TimePrecision::Day, &p).unwrap();
        assert_eq!(r.observed[0][0], 3);
        assert_eq!(r.same_place_same_time_pairs, 3);
        assert!(!r.warnings.is_empty());
        // bad breaks
        for (s, t) in [
            (vec![100.0, 0.0], vec![0.0, 7.0]),
            (vec![0.0], vec![0.0, 7.0]),
            (vec![0.0, f64::INFINITY, 5.0], vec![0.0, 7.0]),
            (vec![0.0, 100.0], vec![-1.0, 7.0]),
            (vec![0.0, f64::NAN], vec![0.0, 7.0]),
        ] {
            assert!(knox_xyt(&xy, &[5; 30], TimePrecision::Day, &KnoxParams::new(s, t)).is_err());
        }
        // close-pair limit
        let p2 = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0]).max_close_pairs(10);
        assert!(knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p2).is_err());
    }

    #[test]
    fn knox_max_pairs_error_names_count_memory_and_remedies() {
        let xy: Vec<[f64; 2]> = (0..30).map(|i| [i as f64, 0.0]).collect();
        let p = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0]).max_pairs(10);
        let e = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p)
            .unwrap_err()
            .to_string();
        for want in [
            "435 pairs",
            "4 kB",
            "limit of 10",
            "`max_pairs`",
            "`nrep` 0",
        ] {
            assert!(e.contains(want), "{want:?} not in {e}");
        }
        // raised to exactly the count: runs
        let p = p.max_pairs(435);
        assert_eq!(
            knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p)
                .unwrap()
                .close_pairs,
            435
        );
        // without permutations nothing is stored, so the limit does not apply
        let p = KnoxParams::new(vec![0.0, 1000.0], vec![0.0, 7.0])
            .max_pairs(10)
            .nrep(0);
        let r = knox_xyt(&xy, &[5; 30], TimePrecision::Day, &p).unwrap();
        assert_eq!(r.observed, vec![vec![435]]);
        assert_eq!((r.close_pairs, r.close_pair_bytes), (435, 0));
    }

    #[test]
    fn knox_streamed_table_equals_stored_pairs() {
        // clustered events on a 1 m lattice with shared days: pairs on band edges,
        // same places, same times; both metrics, with and without "beyond" bands
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for case in 0..8 {
            let n = 300 + 200 * case;
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|i| {
                    let c = (i % 4) as f64 * 700.0;
                    [
                        c + rng.random_range(0..400) as f64,
                        rng.random_range(0..400) as f64,
                    ]
                })
                .collect();
            let t: Vec<i64> = (0..n).map(|_| rng.random_range(0..120)).collect();
            let space = if case % 2 == 0 {
                vec![0.0, 1.0, 100.0, 200.0, f64::INFINITY]
            } else {
                vec![10.0, 100.0, 300.0]
            };
            let time = if case % 4 < 2 {
                vec![0.0, 7.0, 14.0, f64::INFINITY]
            } else {
                vec![1.0, 7.0, 30.0]
            };
            let metric = if case % 3 == 0 {
                Metric::Euclidean
            } else {
                Metric::Manhattan
            };
            let p = KnoxParams::new(space, time).metric(metric).nrep(0);
            let streamed = knox_xyt_impl(&xy, &t, TimePrecision::Day, &p, false).unwrap();
            let stored = knox_xyt_impl(&xy, &t, TimePrecision::Day, &p, true).unwrap();
            assert_eq!(streamed.close_pair_bytes, 0);
            assert_eq!(stored.close_pair_bytes, 8 * stored.close_pairs);
            assert_eq!(streamed.close_pairs, stored.close_pairs, "case {case}");
            assert_eq!(streamed.observed, stored.observed, "case {case}");
            assert_eq!(streamed.n_pairs_in_table, stored.n_pairs_in_table);
            assert_eq!(streamed.analytic.space_margin, stored.analytic.space_margin);
            assert_eq!(streamed.analytic.time_margin, stored.analytic.time_margin);
            assert_eq!(streamed.analytic.expected, stored.analytic.expected);
            let bits = |r: &KnoxResult| -> Vec<u64> {
                r.analytic
                    .p_poisson
                    .iter()
                    .flatten()
                    .map(|v| v.to_bits())
                    .collect()
            };
            assert_eq!(bits(&streamed), bits(&stored));
            // and the permutation run (which stores) has the same observed table
            let perm = knox_xyt(&xy, &t, TimePrecision::Day, &p.clone().nrep(9)).unwrap();
            assert_eq!(perm.observed, streamed.observed);
            assert!(stored.close_pairs > 0);
        }
    }

    #[test]
    fn knox_missing_and_coarse_times_are_excluded() {
        let mut inc = crate::repeat::tests::incidents(
            &[[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]],
            &[Some(0), Some(DAY), None, Some(2 * DAY)],
            TimePrecision::Day,
        );
        inc.precision[3] = TimePrecision::Month;
        let p = KnoxParams::new(vec![0.0, 100.0], vec![0.0, 7.0]).nrep(9);
        let r = knox(&inc, &p).unwrap();
        assert_eq!(r.n_events, 2);
        assert_eq!((r.excluded_missing_time, r.excluded_coarse_time), (1, 1));
        assert_eq!(r.observed, vec![vec![1]]);
        assert_eq!(r.time_unit, TimePrecision::Day);
    }

    #[test]
    fn knox_day_precision_half_day_break_warns() {
        let p = KnoxParams::new(vec![0.0, 100.0], vec![0.0, 0.5, 7.0]).nrep(0);
        let r = knox_xyt(&[[0.0, 0.0], [1.0, 0.0]], &[3, 3], TimePrecision::Day, &p).unwrap();
        assert_eq!(r.observed, vec![vec![1, 0]]);
        assert!(r.warnings.iter().any(|w| w.contains("0.5")));
    }

    #[test]
    fn poisson_sf_ge_known_values() {
        assert_relative_eq!(poisson_sf_ge(0, 3.0), 1.0);
        // P(X >= 1) = 1 - e^-2
        assert_relative_eq!(
            poisson_sf_ge(1, 2.0),
            1.0 - (-2.0f64).exp(),
            epsilon = 1e-13
        );
        // P(X >= 3 | 2) = 1 - e^-2 (1 + 2 + 2)
        assert_relative_eq!(
            poisson_sf_ge(3, 2.0),
            1.0 - (-2.0f64).exp() * 5.0,
            epsilon = 1e-13
        );
        // large lambda: close to the normal tail at the mean (~0.5)
        let p = poisson_sf_ge(1_000_000, 1_000_000.0);
        assert!((p - 0.5).abs() < 0.01, "{p}");
        assert_relative_eq!(ln_gamma(10.0), (362_880f64).ln(), epsilon = 1e-12);
    }

    #[test]
    fn nrc_breaks_match_the_vignette() {
        let p = KnoxParams::nrc(100.0, 3, 7.0, 3).unwrap();
        assert_eq!(
            p.space_breaks,
            vec![0.0, 1.0, 100.0, 200.0, 300.0, f64::INFINITY]
        );
        assert_eq!(p.time_breaks, vec![0.0, 7.0, 14.0, 21.0, f64::INFINITY]);
        assert!(KnoxParams::nrc(0.5, 3, 7.0, 3).is_err());
        assert_eq!(
            band_labels(&p.space_breaks),
            vec!["[0,1)", "[1,100)", "[100,200)", "[200,300)", "[300,Inf)"]
        );
    }
    // ---- golden parity with NearRepeat (fixtures/golden/near_repeat, ../shared/golden) ----

    fn num(s: &str) -> f64 {
        match s {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" | "NA" => f64::NAN,
            _ => s.parse().unwrap(),
        }
    }

    fn read_table(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_path(path).unwrap();
        let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        r.records()
            .map(|rec| {
                let rec = rec.unwrap();
                h.iter()
                    .cloned()
                    .zip(rec.iter().map(String::from))
                    .collect()
            })
            .collect()
    }

    fn golden_case(
        case: &str,
        input: Option<std::path::PathBuf>,
        crs: Option<crate::Crs>,
        nrep_r: f64,
    ) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("fixtures/golden/near_repeat").join(case);
        let Some(input) = input.filter(|p| p.exists()) else {
            eprintln!("skipping golden case {case}: input not found");
            return;
        };
        let mut opts = crate::LoadOptions::new();
        if let Some(c) = crs {
            opts = opts.crs(c);
        }
        let (inc, _) = crate::load_incidents(&input, &opts).unwrap();
        let (sds, tds) = if case == "A" {
            (
                vec![0.0, 100.0, 200.0, 300.0, 400.0, f64::INFINITY],
                vec![0.0, 7.0, 14.0, 21.0, 28.0, f64::INFINITY],
            )
        } else {
            (
                vec![0.0, 1.0, 201.0, 401.0, 601.0, 801.0, 1001.0, f64::INFINITY],
                vec![0.0, 1.0, 8.0, 15.0, 22.0, 29.0, f64::INFINITY],
            )
        };
        for metric in [Metric::Manhattan, Metric::Euclidean] {
            let p = KnoxParams::new(sds.clone(), tds.clone())
                .metric(metric)
                .nrep(999)
                .seed(20261128);
            let r = knox(&inc, &p).unwrap();
            assert_eq!(r.time_unit, TimePrecision::Day);
            let long = read_table(&dir.join(format!("knox_{}.long.csv", metric.name())));
            let ind = read_table(&dir.join(format!("independent_{}.csv", metric.name())));
            let cells = r.cells();
            assert_eq!(cells.len(), long.len());
            let pm = r.permutation.as_ref().unwrap();
            let nl = r.time_labels.len();
            let mut max_z: f64 = 0.0;
            for (k, (c, (g, gi))) in cells.iter().zip(long.iter().zip(&ind)).enumerate() {
                let (s, t) = (k / nl, k % nl);
                assert_eq!(c.s_band, g["s_band"], "{case} {metric:?}");
                assert_eq!(c.t_band, g["t_band"]);
                assert_eq!(
                    c.observed as f64,
                    num(&g["observed"]),
                    "{case} {metric:?} {} {}",
                    c.s_band,
                    c.t_band
                );
                assert_eq!(c.observed as f64, num(&gi["observed"]));
                let ex = num(&gi["expected_exact"]);
                assert!(
                    (c.expected_analytic - ex).abs() <= 1e-9 * ex.max(1.0),
                    "{} vs {ex}",
                    c.expected_analytic
                );
                // permutation mean within Monte Carlo error of the exact expectation
                let se = pm.sim_sd[s][t] / 999f64.sqrt();
                if se > 0.0 {
                    let z = (pm.expected_mean[s][t] - ex) / se;
                    max_z = max_z.max(z.abs());
                    assert!(
                        z.abs() < 5.0,
                        "{case} {metric:?} {} {}: z = {z}",
                        c.s_band,
                        c.t_band
                    );
                }
                // p-values agree with NearRepeat's within Monte Carlo error of both runs
                let pr = num(&g["p_value"]);
                let pb = 0.5 * (pr + c.p_value);
                let tol = 5.0 * (pb * (1.0 - pb) * (1.0 / 999.0 + 1.0 / nrep_r)).sqrt()
                    + 2.0 / (nrep_r + 1.0);
                assert!(
                    (c.p_value - pr).abs() <= tol,
                    "{case} {metric:?} {} {}: p {} vs R {pr}",
                    c.s_band,
                    c.t_band,
                    c.p_value
                );
            }
            eprintln!(
                "golden {case} {metric:?}: observed equal; max |z| of mean vs exact = {max_z:.2}"
            );
        }
    }

    #[test]
    fn knox_golden_parity_a() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        golden_case(
            "A",
            Some(root.join("fixtures/golden/near_repeat/A/input.csv")),
            None,
            999.0,
        );
    }

    #[test]
    fn knox_golden_parity_c() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        golden_case(
            "C",
            Some(root.join("fixtures/golden/near_repeat/C/input.csv")),
            Some(crate::Crs::Epsg { code: 26971 }),
            999.0,
        );
    }

    #[test]
    fn knox_golden_parity_b() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        golden_case(
            "B",
            Some(root.join("../shared/golden/near_repeat/B/input.csv")),
            Some(crate::Crs::Epsg { code: 26971 }),
            99.0,
        );
    }

    #[test]
    fn knox_null_p_values_are_uniform() {
        // 200 data sets without any space-time interaction: p <= 0.05 about 5% of the time
        let p = KnoxParams::new(
            vec![0.0, 500.0, f64::INFINITY],
            vec![0.0, 20.0, f64::INFINITY],
        )
        .nrep(99);
        let ps: Vec<f64> = (0..200u64)
            .into_par_iter()
            .map(|k| {
                let (xy, t) = random_events(60, 1000 + k, 1000.0, 60);
                let r = knox_xyt(&xy, &t, TimePrecision::Day, &p.clone().seed(k)).unwrap();
                r.permutation.unwrap().p_value[0][0]
            })
            .collect();
        let rej = ps.iter().filter(|&&v| v <= 0.05).count() as f64 / ps.len() as f64;
        let mean = ps.iter().sum::<f64>() / ps.len() as f64;
        assert!((0.005..=0.11).contains(&rej), "rejection rate {rej}");
        assert!((mean - 0.5).abs() < 0.07, "mean p {mean}");
    }
    #[test]
    fn knox_detects_demo_city_chains_and_not_shuffled() {
        let city =
            crate::demo::generate(&crate::demo::DemoParams::new(7).incidents(6000).size(3000.0))
                .unwrap();
        let inc = &city.incidents;
        let c = inc.categories.iter().position(|c| c == "burglary").unwrap() as u32;
        let burg = inc.filter(|i| inc.category[i] == c);
        let p = KnoxParams::new(
            vec![0.0, 100.0, 200.0, f64::INFINITY],
            vec![0.0, 7.0, 14.0, 28.0, f64::INFINITY],
        )
        .nrep(99)
        .seed(5);
        let r = knox(&burg, &p).unwrap();
        let pm = r.permutation.as_ref().unwrap();
        for b in 0..2 {
            assert!(pm.knox_ratio[0][b] > 1.2, "{:?}", pm.knox_ratio);
            assert!(pm.p_value[0][b] <= 0.02, "{:?}", pm.p_value);
        }
        // shuffle the times: the pattern must vanish
        let mut shuffled = burg.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        for k in (1..shuffled.len()).rev() {
            let j = rng.random_range(0..=k);
            shuffled.time.swap(k, j);
        }
        let r = knox(&shuffled, &p).unwrap();
        let pm = r.permutation.as_ref().unwrap();
        for b in 0..2 {
            assert!(
                (0.75..1.25).contains(&pm.knox_ratio[0][b]),
                "{:?}",
                pm.knox_ratio
            );
            assert!(pm.p_value[0][b] > 0.01, "{:?}", pm.p_value);
        }
    }
    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            /// Observed counts equal brute force, do not depend on input order, and the
            /// permutation results do not depend on input order either.
            #[test]
            fn knox_counts_invariant_to_input_order(
                ev in proptest::collection::vec((0.0..400.0f64, 0.0..400.0f64, 0i64..40), 2..70),
                rot in 0usize..70,
                euclid in any::<bool>(),
            ) {
                let xy: Vec<[f64; 2]> = ev.iter().map(|e| [e.0.round(), e.1.round()]).collect();
                let t: Vec<i64> = ev.iter().map(|e| e.2).collect();
                let metric = if euclid { Metric::Euclidean } else { Metric::Manhattan };
                let p = KnoxParams::new(vec![0.0, 1.0, 50.0, 120.0, f64::INFINITY], vec![0.0, 1.0, 7.0, 14.0, f64::INFINITY])
                    .metric(metric)
                    .nrep(9)
                    .seed(3);
                let a = knox_xyt(&xy, &t, TimePrecision::Day, &p).unwrap();
                prop_assert_eq!(&a.observed, &brute(&xy, &t, &p, 1.0));
                let k = rot % xy.len();
                let mut xy2 = xy.clone();
                let mut t2 = t.clone();
                xy2.rotate_left(k);
                t2.rotate_left(k);
                xy2.reverse();
                t2.reverse();
                let b = knox_xyt(&xy2, &t2, TimePrecision::Day, &p).unwrap();
                prop_assert_eq!(&a.observed, &b.observed);
                prop_assert_eq!(
                    &a.permutation.as_ref().unwrap().n_sim_ge_obs,
                    &b.permutation.as_ref().unwrap().n_sim_ge_obs
                );
            }
        }
    }
}
