//! Ripley's K and L functions and the cross-K function, with Monte Carlo envelopes of
//! complete spatial randomness in the study area.
//!
//! # Estimators
//! For the `n` points inside the study area of area `A` (points outside are left out
//! and counted) and distances `r_1 < … < r_m`:
//! * **K** (Ripley 1976) `K(r) = A/n² · Σ_i Σ_{j≠i} 1(d_ij < r)` — the pointpats 2.5
//!   estimator (`pointpats.k`: pairs closer than `r`, **strict** `<`, divided by `n²`,
//!   no edge correction). pointpats takes `A` as the area of the points' bounding box;
//!   give [`StudyArea::bounding_box`] to reproduce it exactly, or the real boundary.
//! * **L** `L(r) = √(K(r)/π)` (pointpats' `l`, not linearised); `L(r) − r` is reported
//!   too (0 under CSR, positive when clustered).
//! * **Cross-K** (incidents `i` against a second layer `j`, e.g. bus stops)
//!   `K₁₂(r) = A/(n₁ n₂) · Σ_i Σ_j 1(d_ij < r)` (Lotwick & Silverman 1982): the expected
//!   number of layer features within `r` of an incident, divided by the layer's
//!   intensity; `πr²` when incidents are placed independently of the layer. Only layer
//!   features inside the study area count (`n₂`).
//!
//! # Edge correction
//! [`EdgeCorrection::None`] as pointpats (which has none: `edge_correction` raises
//! `NotImplementedError` in pointpats 2.5): K is biased low near the border, by the
//! same amount in the simulations, so the envelope test stays valid.
//! [`EdgeCorrection::Border`] is the reduced-sample ("border") estimator (Ripley 1988;
//! spatstat's `"border"`): only points at least `r` from the study-area boundary serve
//! as centres, `K(r) = A/n · Σ_{i: b_i ≥ r} #{j: d_ij < r} / #{i: b_i ≥ r}` (`n₂` in place
//! of `n` for cross-K), NaN where no point qualifies.
//!
//! # Envelopes
//! `simulations` patterns of `n` uniform points in the study area (ChaCha8 stream `s` for
//! simulation `s`; for cross-K only the incidents are simulated, the layer stays where it
//! is). Per distance: the lowest and highest simulated K (pointwise envelope, two-sided
//! level `2/(S+1)`), their mean, and `p_sim = (min(#{sim ≥ obs}, #{sim ≤ obs}) + 1)/(S + 1)`
//! (pointpats `k_test` uses `min(p, 1 − p)` with `p = (#{sim ≥ obs} + 1)/(S + 1)`).
//! Distances where the observed K lies above the envelope are reported as
//! `clustered` ranges, below it as `dispersed` ranges.
//!
//! # Default distances
//! `steps` (20) equally spaced distances from 0 to `r_max` = the smaller of a quarter of
//! the shorter side of the study area's bounding box and the distance at which a CSR
//! pattern of the same size would have 2·10⁶ ordered pairs (`√(2·10⁶·A/(π·n·n₂))`), so a
//! default run stays within seconds on large files. Pairs are counted up to `r_max`
//! through a bucket grid of side `r_max`; counts are integers, so results do not depend on threads.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::perm::folded_p;
use crate::pattern::area::StudyArea;

/// Edge correction of the K function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeCorrection {
    /// None (pointpats).
    #[default]
    None,
    /// Reduced sample: centres at least `r` from the boundary.
    Border,
}

/// Parameters of [`ripley_k`] and [`cross_k`].
#[derive(Debug, Clone, Serialize)]
pub struct RipleyParams {
    /// Distances (m), increasing; `None` = `steps` values from 0 to the default `r_max`.
    pub distances: Option<Vec<f64>>,
    /// Largest distance when `distances` is `None`; `None` = the default rule.
    pub max_distance: Option<f64>,
    /// Number of distances when `distances` is `None`. Default 20.
    pub steps: usize,
    /// Edge correction. Default none.
    pub edge: EdgeCorrection,
    /// CSR simulations for the envelope (0 = none). Default 99.
    pub simulations: usize,
    /// Seed. Default 12345.
    pub seed: u64,
}

impl Default for RipleyParams {
    fn default() -> Self {
        RipleyParams {
            distances: None,
            max_distance: None,
            steps: 20,
            edge: EdgeCorrection::None,
            simulations: 99,
            seed: 12345,
        }
    }
}

impl RipleyParams {
    /// Defaults (see the module docs).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets explicit distances (m, increasing); `None` restores the default support.
    pub fn distances(mut self, d: impl Into<Option<Vec<f64>>>) -> Self {
        self.distances = d.into();
        self
    }
    /// Sets the largest distance of the default support (m); `None` restores the
    /// default rule.
    pub fn max_distance(mut self, d: impl Into<Option<f64>>) -> Self {
        self.max_distance = d.into();
        self
    }
    /// Sets the number of distances of the default support.
    pub fn steps(mut self, s: usize) -> Self {
        self.steps = s;
        self
    }
    /// Sets the edge correction.
    pub fn edge(mut self, e: EdgeCorrection) -> Self {
        self.edge = e;
        self
    }
    /// Sets the number of simulations.
    pub fn simulations(mut self, s: usize) -> Self {
        self.simulations = s;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
}

/// The Monte Carlo envelope of a K function.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    /// Simulations.
    pub simulations: usize,
    /// Lowest simulated K per distance.
    pub k_lo: Vec<f64>,
    /// Highest simulated K per distance.
    pub k_hi: Vec<f64>,
    /// Mean simulated K per distance.
    pub k_mean: Vec<f64>,
    /// Folded pseudo p per distance.
    pub p_sim: Vec<f64>,
}

/// Result of [`ripley_k`] / [`cross_k`].
#[derive(Debug, Clone, Serialize)]
pub struct RipleyResult {
    /// `"K"` or `"cross-K"`.
    pub function: String,
    /// Points analysed (inside the study area).
    pub n: usize,
    /// Points outside the study area (left out).
    pub outside: usize,
    /// Cross-K: layer features inside the study area.
    pub n_other: Option<usize>,
    /// Cross-K: layer features outside the study area (left out).
    pub other_outside: Option<usize>,
    /// Study area (m²).
    pub area_m2: f64,
    /// What the study area is.
    pub area_kind: String,
    /// Edge correction.
    pub edge: EdgeCorrection,
    /// How the distances were chosen.
    pub distance_rule: String,
    /// Distances (m).
    pub distances: Vec<f64>,
    /// K per distance (m²).
    pub k: Vec<f64>,
    /// `√(K/π)` per distance (m).
    pub l: Vec<f64>,
    /// `L − r` per distance (m).
    pub l_minus_r: Vec<f64>,
    /// `πr²`, K under complete spatial randomness (m²).
    pub k_csr: Vec<f64>,
    /// Monte Carlo envelope.
    pub envelope: Option<Envelope>,
    /// Distance ranges `[from, to]` where K lies above the envelope.
    pub clustered: Vec<[f64; 2]>,
    /// Distance ranges where K lies below the envelope.
    pub dispersed: Vec<[f64; 2]>,
}

impl RipleyResult {
    /// One sentence for analysts, e.g. "Incidents are closer to the layer than chance
    /// (above the envelope of 99 simulations in the study area) at 50–400 m."
    pub fn sentence(&self, what: &str, other: &str) -> String {
        let Some(env) = &self.envelope else {
            return format!(
                "{} of {} {what}: no simulations, no envelope (K at {} distances up to {:.0} m).",
                self.function,
                self.n,
                self.distances.len(),
                self.distances.last().copied().unwrap_or(0.0)
            );
        };
        let ranges = |v: &[[f64; 2]]| {
            v.iter()
                .map(|r| {
                    if r[0] == r[1] {
                        format!("{:.0} m", r[0])
                    } else {
                        format!("{:.0}-{:.0} m", r[0], r[1])
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let subject = if self.function == "cross-K" {
            format!("{what} are closer to {other} than chance predicts")
        } else {
            format!("{what} cluster more than chance predicts")
        };
        let far = if self.function == "cross-K" {
            format!("{what} are farther from {other} than chance predicts")
        } else {
            format!("{what} are more evenly spread than chance predicts")
        };
        let mut parts = Vec::new();
        if !self.clustered.is_empty() {
            parts.push(format!("{subject} at {}", ranges(&self.clustered)));
        }
        if !self.dispersed.is_empty() {
            parts.push(format!("{far} at {}", ranges(&self.dispersed)));
        }
        if parts.is_empty() {
            parts.push(format!(
                "{} of {what} stays inside the envelope at every distance up to {:.0} m: no departure from chance",
                self.function,
                self.distances.last().copied().unwrap_or(0.0)
            ));
        }
        let first_positive = self.distances.iter().copied().find(|d| *d > 0.0);
        let upto = match (self.clustered.first(), first_positive) {
            (Some(r), Some(f)) if r[0] == f => {
                format!(" (from the shortest distance tested up to {:.0} m)", r[1])
            }
            _ => String::new(),
        };
        format!(
            "{}{upto}; envelope of {} complete-spatial-randomness simulations of {} {what} in the study area ({:.2} km2, {}).",
            parts.join("; "),
            env.simulations,
            self.n,
            self.area_m2 / 1e6,
            self.area_kind
        )
    }
}

/// Targets bucketed on a square grid of side `h` (CSR over the cells).
struct Buckets {
    x0: f64,
    y0: f64,
    h: f64,
    nc: usize,
    nr: usize,
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Buckets {
    fn new(pts: &[[f64; 2]], reach: f64) -> Self {
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for p in pts {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        if pts.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        // at most ~4 million cells, at least `reach` wide
        let span = (x1 - x0).max(y1 - y0).max(1e-9);
        let h = reach.max(span / 2048.0).max(1e-9);
        let nc = ((x1 - x0) / h).floor() as usize + 1;
        let nr = ((y1 - y0) / h).floor() as usize + 1;
        let cell = |p: &[f64; 2]| {
            let c = (((p[0] - x0) / h).floor() as usize).min(nc - 1);
            let r = (((p[1] - y0) / h).floor() as usize).min(nr - 1);
            r * nc + c
        };
        let mut start = vec![0u32; nc * nr + 1];
        for p in pts {
            start[cell(p) + 1] += 1;
        }
        for k in 0..nc * nr {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut items = vec![0u32; pts.len()];
        for (i, p) in pts.iter().enumerate() {
            let c = cell(p);
            items[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        Buckets {
            x0,
            y0,
            h,
            nc,
            nr,
            start,
            items,
        }
    }

    /// Calls `f(j, d²)` for every target within `r` (or a bit farther) of `p`.
    #[inline]
    fn visit(&self, p: [f64; 2], r: f64, targets: &[[f64; 2]], mut f: impl FnMut(usize, f64)) {
        let c0 = ((p[0] - r - self.x0) / self.h).floor().max(0.0) as usize;
        let r0 = ((p[1] - r - self.y0) / self.h).floor().max(0.0) as usize;
        let cx1 = (p[0] + r - self.x0) / self.h;
        let cy1 = (p[1] + r - self.y0) / self.h;
        if cx1 < 0.0 || cy1 < 0.0 {
            return;
        }
        let c1 = (cx1.floor() as usize).min(self.nc - 1);
        let r1 = (cy1.floor() as usize).min(self.nr - 1);
        for row in r0..=r1 {
            for c in c0..=c1 {
                let k = row * self.nc + c;
                for &j in &self.items[self.start[k] as usize..self.start[k + 1] as usize] {
                    let q = targets[j as usize];
                    let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
                    f(j as usize, dx * dx + dy * dy);
                }
            }
        }
    }
}

/// Per distance, `#{(i, j): d_ij < r_k}` summed over centres (edge none) or over centres
/// with `b_i ≥ r_k`, and the number of such centres. Distances are `√(dx² + dy²)` as
/// scipy's `pdist`; integer counts, so the sum does not depend on the order.
fn pair_counts(
    centres: &[[f64; 2]],
    targets: &[[f64; 2]],
    same: bool,
    r: &[f64],
    border: Option<&[f64]>,
) -> (Vec<u64>, Vec<u64>) {
    let m = r.len();
    let rmax = r.last().copied().unwrap_or(0.0);
    let rmax2 = rmax * rmax * (1.0 + 1e-9);
    let buckets = Buckets::new(targets, rmax);
    const CHUNK: usize = 1024;
    let parts: Vec<(Vec<u64>, Vec<u64>)> = centres
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut counts = vec![0u64; m];
            let mut used = vec![0u64; m];
            let mut hist = vec![0u64; m + 1];
            for (q, p) in chunk.iter().enumerate() {
                let i = c * CHUNK + q;
                hist.iter_mut().for_each(|h| *h = 0);
                buckets.visit(*p, rmax, targets, |j, d2| {
                    // a cheap cut on d² first (with a margin for rounding), then d as pdist
                    if d2 <= rmax2 && !(same && j == i) {
                        let d = d2.sqrt();
                        if d < rmax {
                            // the first distance r_k with d < r_k
                            hist[r.partition_point(|&rk| rk <= d)] += 1;
                        }
                    }
                });
                let mut cum = 0u64;
                for k in 0..m {
                    cum += hist[k];
                    if border.is_none_or(|b| b[i] >= r[k]) {
                        counts[k] += cum;
                        used[k] += 1;
                    }
                }
            }
            (counts, used)
        })
        .collect();
    let mut counts = vec![0u64; m];
    let mut used = vec![0u64; m];
    for (c, u) in parts {
        for k in 0..m {
            counts[k] += c[k];
            used[k] += u[k];
        }
    }
    (counts, used)
}

/// K values of `centres` against `targets` (`same` = the same set, self pairs excluded).
fn k_values(
    centres: &[[f64; 2]],
    targets: &[[f64; 2]],
    same: bool,
    area: &StudyArea,
    r: &[f64],
    edge: EdgeCorrection,
) -> Vec<f64> {
    let a = area.area();
    let (n1, n2) = (centres.len() as f64, targets.len() as f64);
    let border: Option<Vec<f64>> = match edge {
        EdgeCorrection::None => None,
        EdgeCorrection::Border => Some(
            centres
                .par_iter()
                .map(|p| area.distance_to_boundary(*p))
                .collect(),
        ),
    };
    let (counts, used) = pair_counts(centres, targets, same, r, border.as_deref());
    (0..r.len())
        .map(|k| match edge {
            EdgeCorrection::None => a * counts[k] as f64 / (n1 * n2),
            EdgeCorrection::Border => {
                if used[k] == 0 {
                    f64::NAN
                } else {
                    a / n2 * counts[k] as f64 / used[k] as f64
                }
            }
        })
        .collect()
}

/// Contiguous runs of `flag` as `[first distance, last distance]`.
fn ranges(r: &[f64], flag: impl Fn(usize) -> bool) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::new();
    let mut open: Option<usize> = None;
    for k in 0..=r.len() {
        let f = k < r.len() && flag(k);
        match (f, open) {
            (true, None) => open = Some(k),
            (false, Some(s)) => {
                out.push([r[s], r[k - 1]]);
                open = None;
            }
            _ => {}
        }
    }
    out
}

fn support(
    params: &RipleyParams,
    area: &StudyArea,
    n1: usize,
    n2: usize,
) -> Result<(Vec<f64>, String)> {
    if let Some(d) = &params.distances {
        if d.is_empty()
            || d.iter().any(|v| !(v.is_finite() && *v >= 0.0))
            || d.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(Error::invalid_param(
                "distances",
                format!("{d:?}"),
                "K function distances must be increasing, finite and >= 0",
            ));
        }
        return Ok((d.clone(), "given".into()));
    }
    if params.steps < 2 {
        return Err(Error::invalid_param(
            "steps",
            params.steps,
            "the K function needs at least 2 steps",
        ));
    }
    let (rmax, rule) = match params.max_distance {
        Some(m) if m.is_finite() && m > 0.0 => {
            (m, format!("{} steps from 0 to {m} m (given)", params.steps))
        }
        Some(m) => {
            return Err(Error::invalid_param(
                "max_distance",
                m,
                "the largest distance of the K function must be > 0 m",
            ))
        }
        None => {
            let [x0, y0, x1, y1] = area.bbox();
            let quarter = 0.25 * (x1 - x0).min(y1 - y0);
            let budget =
                (2e6 * area.area() / (std::f64::consts::PI * n1 as f64 * n2 as f64)).sqrt();
            if budget < quarter {
                (
                    budget,
                    format!(
                        "{} steps from 0 to {budget:.1} m (about 2*10^6 pairs under CSR; a quarter of the shorter side would be {quarter:.1} m)",
                        params.steps
                    ),
                )
            } else {
                (
                    quarter,
                    format!(
                        "{} steps from 0 to {quarter:.1} m (a quarter of the shorter side of the study area)",
                        params.steps
                    ),
                )
            }
        }
    };
    let s = params.steps;
    Ok((
        (0..s).map(|k| rmax * k as f64 / (s - 1) as f64).collect(),
        rule,
    ))
}

fn k_impl(
    points: &[[f64; 2]],
    other: Option<&[[f64; 2]]>,
    area: &StudyArea,
    params: &RipleyParams,
) -> Result<RipleyResult> {
    let inside = area.inside(points);
    let n = inside.len();
    let oth: Option<Vec<[f64; 2]>> = other.map(|o| area.inside(o));
    let min_n = if other.is_some() { 1 } else { 2 };
    if n < min_n {
        return Err(Error::too_few(
            "the K function",
            "points inside the study area",
            min_n,
            n,
        ));
    }
    if let Some(o) = &oth {
        if o.is_empty() {
            return Err(Error::degenerate(
                "cross-K",
                "no feature of the second layer lies inside the study area",
            ));
        }
    }
    let n2 = oth.as_ref().map_or(n, |o| o.len());
    let (r, distance_rule) = support(params, area, n, n2)?;
    let targets: &[[f64; 2]] = oth.as_deref().unwrap_or(&inside);
    let same = oth.is_none();
    let k = k_values(&inside, targets, same, area, &r, params.edge);
    let envelope = (params.simulations > 0).then(|| {
        let sims: Vec<Vec<f64>> = (0..params.simulations)
            .into_par_iter()
            .map(|s| {
                let pts = area.simulation(n, params.seed, s);
                let t: &[[f64; 2]] = oth.as_deref().unwrap_or(&pts);
                k_values(&pts, t, same, area, &r, params.edge)
            })
            .collect();
        let e = crate::envelope::summarise(&sims, &k);
        Envelope {
            simulations: params.simulations,
            k_lo: e.lo,
            k_hi: e.hi,
            k_mean: e.mean,
            p_sim: (e.ge.iter().zip(&e.le))
                .map(|(&ge, &le)| folded_p(ge, le, params.simulations))
                .collect(),
        }
    });
    let (clustered, dispersed) = match &envelope {
        Some(e) => (
            ranges(&r, |q| r[q] > 0.0 && k[q] > e.k_hi[q]),
            ranges(&r, |q| r[q] > 0.0 && k[q] < e.k_lo[q]),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let l: Vec<f64> = k
        .iter()
        .map(|v| (v / std::f64::consts::PI).sqrt())
        .collect();
    Ok(RipleyResult {
        function: if same { "K" } else { "cross-K" }.into(),
        n,
        outside: points.len() - n,
        n_other: oth.as_ref().map(|o| o.len()),
        other_outside: other.zip(oth.as_ref()).map(|(a, b)| a.len() - b.len()),
        area_m2: area.area(),
        area_kind: area.kind().to_string(),
        edge: params.edge,
        distance_rule,
        l_minus_r: l.iter().zip(&r).map(|(a, b)| a - b).collect(),
        k_csr: r.iter().map(|v| std::f64::consts::PI * v * v).collect(),
        distances: r,
        k,
        l,
        envelope,
        clustered,
        dispersed,
    })
}

/// Ripley's K and L of `points` in `area`, with a CSR envelope (see the module docs).
///
/// # Errors
/// [`Error::TooFew`] with fewer than 2 points inside the area;
/// [`Error::InvalidParam`] for bad distances.
pub fn ripley_k(
    points: &[[f64; 2]],
    area: &StudyArea,
    params: &RipleyParams,
) -> Result<RipleyResult> {
    k_impl(points, None, area, params)
}

/// Cross-K of `points` (e.g. burglaries) against `other` (e.g. bus stops) in `area`; the
/// envelope simulates `points` only (see the module docs).
///
/// # Errors
/// [`Error::TooFew`] when no point and [`Error::Degenerate`] when no feature of
/// `other` lies inside the area; [`Error::InvalidParam`] for bad distances.
pub fn cross_k(
    points: &[[f64; 2]],
    other: &[[f64; 2]],
    area: &StudyArea,
    params: &RipleyParams,
) -> Result<RipleyResult> {
    k_impl(points, Some(other), area, params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ripley_params_setters_take_options() {
        let p = RipleyParams::new()
            .distances(vec![1.0, 2.0])
            .max_distance(50.0);
        assert_eq!(p.distances, Some(vec![1.0, 2.0]));
        assert_eq!(p.max_distance, Some(50.0));
        let p = p.distances(Option::<Vec<f64>>::None).max_distance(None);
        assert_eq!((p.distances, p.max_distance), (None, None));
    }

    fn brute_k(pts: &[[f64; 2]], a: f64, r: &[f64]) -> Vec<f64> {
        let n = pts.len() as f64;
        r.iter()
            .map(|&rk| {
                let mut c = 0usize;
                for (i, p) in pts.iter().enumerate() {
                    for (j, q) in pts.iter().enumerate() {
                        if i != j && ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt() < rk {
                            c += 1;
                        }
                    }
                }
                a * c as f64 / (n * n)
            })
            .collect()
    }

    #[test]
    fn ripley_k_equals_brute_force_and_strict_edges() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut pts: Vec<[f64; 2]> = (0..300)
            .map(|_| [rng.random_range(0.0..500.0), rng.random_range(0.0..400.0)])
            .collect();
        // a pair exactly 10 m apart: not counted at r = 10 (strict <), counted above
        pts.push([100.0, 100.0]);
        pts.push([110.0, 100.0]);
        let a = StudyArea::bounding_box(&pts).unwrap();
        let r = vec![0.0, 10.0, 10.000001, 25.0, 50.0, 100.0];
        let res = ripley_k(
            &pts,
            &a,
            &RipleyParams::new().distances(r.clone()).simulations(0),
        )
        .unwrap();
        let b = brute_k(&pts, a.area(), &r);
        for (x, y) in res.k.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-9 * y.abs(), "{x} {y}");
        }
        assert_eq!(res.k[0], 0.0);
        assert!((res.l[3] - (res.k[3] / std::f64::consts::PI).sqrt()).abs() < 1e-12);
        // thread count does not change the counts
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| {
            ripley_k(
                &pts,
                &a,
                &RipleyParams::new().distances(r.clone()).simulations(5),
            )
            .unwrap()
        });
        let two = ripley_k(&pts, &a, &RipleyParams::new().distances(r).simulations(5)).unwrap();
        assert_eq!(one.k, two.k);
        assert_eq!(one.envelope.unwrap().k_hi, two.envelope.unwrap().k_hi);
    }

    #[test]
    fn border_correction_is_unbiased_under_csr() {
        // in a square, the border estimator of CSR patterns averages to πr², the
        // uncorrected one falls short
        let a = StudyArea::rectangle([0.0, 0.0, 1000.0, 1000.0]).unwrap();
        let r = vec![50.0, 100.0, 150.0];
        let (mut none, mut bord) = (vec![0.0; 3], vec![0.0; 3]);
        for s in 0..20 {
            let mut g = ChaCha8Rng::seed_from_u64(s);
            let pts = a.random_points(400, &mut g);
            let p = RipleyParams::new().distances(r.clone()).simulations(0);
            let k0 = ripley_k(&pts, &a, &p).unwrap().k;
            let k1 = ripley_k(&pts, &a, &p.clone().edge(EdgeCorrection::Border))
                .unwrap()
                .k;
            for q in 0..3 {
                none[q] += k0[q] / 20.0;
                bord[q] += k1[q] / 20.0;
            }
        }
        for q in 0..3 {
            let csr = std::f64::consts::PI * r[q] * r[q];
            assert!(
                (bord[q] / csr - 1.0).abs() < 0.05,
                "border {q}: {}",
                bord[q] / csr
            );
            assert!(none[q] < 0.97 * csr, "none {q}: {}", none[q] / csr);
        }
    }

    #[test]
    fn cross_k_finds_incidents_near_a_layer_and_not_otherwise() {
        let a = StudyArea::rectangle([0.0, 0.0, 2000.0, 2000.0]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let stops: Vec<[f64; 2]> = (0..40)
            .map(|_| {
                [
                    rng.random_range(100.0..1900.0),
                    rng.random_range(100.0..1900.0),
                ]
            })
            .collect();
        // half of 600 incidents within 60 m of a stop, half uniform
        let mut inc = a.random_points(300, &mut rng);
        for k in 0..300 {
            let s = stops[k % 40];
            let (ang, d) = (
                rng.random_range(0.0..std::f64::consts::TAU),
                rng.random_range(0.0..60.0),
            );
            inc.push([s[0] + d * ang.cos(), s[1] + d * ang.sin()]);
        }
        let p = RipleyParams::new()
            .max_distance(400.0)
            .steps(9)
            .simulations(39)
            .seed(1);
        let r = cross_k(&inc, &stops, &a, &p).unwrap();
        assert_eq!(r.function, "cross-K");
        assert!(
            !r.clustered.is_empty() && r.clustered[0][0] <= 50.0,
            "{:?}",
            r.clustered
        );
        let s = r.sentence("burglaries", "bus stops");
        assert!(s.contains("closer to bus stops than chance"), "{s}");
        // incidents independent of the stops: inside the envelope (almost) everywhere
        let csr = a.random_points(600, &mut rng);
        let r0 = cross_k(&csr, &stops, &a, &p).unwrap();
        let out = r0.clustered.len() + r0.dispersed.len();
        assert!(out <= 1, "{:?} {:?}", r0.clustered, r0.dispersed);
        // errors
        assert!(cross_k(&inc, &[[5000.0, 5000.0]], &a, &p).is_err());
        assert!(ripley_k(&[[1.0, 1.0]], &a, &p).is_err());
        assert!(ripley_k(&inc, &a, &RipleyParams::new().distances(vec![10.0, 5.0])).is_err());
    }

    #[test]
    fn ripley_k_envelope_on_a_polygon_detects_clustering() {
        use geo::{LineString, Polygon};
        // a triangle-shaped area: CSR simulated inside the polygon, not its bounding box
        let tri = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (2000.0, 0.0), (0.0, 2000.0), (0.0, 0.0)]),
            vec![],
        );
        let a = StudyArea::polygons(&[tri]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let csr = a.random_points(500, &mut rng);
        let p = RipleyParams::new()
            .max_distance(300.0)
            .steps(7)
            .simulations(39);
        let r = ripley_k(&csr, &a, &p).unwrap();
        assert!(
            r.clustered.len() + r.dispersed.len() <= 1,
            "{:?}",
            r.clustered
        );
        // with the bounding box as the area the same CSR pattern looks clustered
        let bb = StudyArea::bounding_box(&csr).unwrap();
        let rb = ripley_k(&csr, &bb, &p).unwrap();
        assert!(!rb.clustered.is_empty());
        let mut cl = Vec::new();
        for _ in 0..20 {
            let c = a.random_points(1, &mut rng)[0];
            for _ in 0..20 {
                cl.push([
                    c[0] + rng.random_range(-30.0..30.0),
                    c[1] + rng.random_range(-30.0..30.0),
                ]);
            }
        }
        let rc = ripley_k(&cl, &a, &p).unwrap();
        assert!(rc.clustered.first().is_some_and(|c| c[0] <= 50.0));
        assert!(rc
            .sentence("robberies", "")
            .contains("cluster more than chance"));
    }
}
