//! Global spatial autocorrelation: Moran's I, Geary's C and Getis–Ord General G, with
//! analytical (normality and randomisation) and permutation inference.
//!
//! # Algorithm
//! With values `y` of all `n` units (empty cells included), `z = y − ȳ` and weights `w`
//! after the transformation ([`Transform`]: row-standardised `w_ij / Σ_j w_ij`, esda's
//! `'r'`, or binary `1` for every listed neighbour, esda's `'b'`), `S0 = Σ_ij w_ij`,
//! `S1 = ½ Σ_ij (w_ij + w_ji)²`, `S2 = Σ_i (w_i· + w_·i)²` (Cliff & Ord 1981):
//!
//! * **Moran's I** (Moran 1950) `I = (n/S0) Σ_ij w_ij z_i z_j / Σ z_i²`, `E[I] = −1/(n−1)`;
//!   variance under normality `(n² S1 − n S2 + 3 S0²)/((n²−1) S0²) − E[I]²` and under
//!   randomisation `(n((n²−3n+3) S1 − n S2 + 3 S0²) − b2((n²−n) S1 − 2n S2 + 6 S0²)) /
//!   ((n−1)(n−2)(n−3) S0²) − E[I]²` with the kurtosis `b2 = m4/m2²` (esda `Moran`).
//! * **Geary's C** (Geary 1954) `C = (n−1) Σ_ij w_ij (y_i − y_j)² / (2 S0 Σ z_i²)`,
//!   `E[C] = 1`; variances under normality and randomisation as esda `Geary` (Cliff & Ord
//!   1981, eqs. 1.46–1.47).
//! * **General G** (Getis & Ord 1992) `G = Σ_{i≠j} w_ij y_i y_j / Σ_{i≠j} y_i y_j` on
//!   **binary** weights (the transformation is ignored, as esda `G`), `E[G] = S0/(n(n−1))`,
//!   variance from the moments of `y` (Getis & Ord 1992, eq. 12; esda `G.VG`). It is a
//!   randomisation variance; esda calls its z `z_norm`. Values must be ≥ 0.
//!
//! # Inference conventions
//! * Analytical p-values are **two-sided**, `2(1 − Φ(|z|))`, for all three statistics
//!   (esda: Moran's `p_norm`/`p_rand` are two-sided by default, Geary's and G's are
//!   one-sided = half of ours).
//! * Permutations: the values are shuffled over the units (total randomisation) `P`
//!   times, permutation `p` with its own ChaCha8 stream (`set_stream(p)`) of the seed, so
//!   results do not depend on the number of threads. `p_sim = (min(#{sim ≥ obs},
//!   #{sim ≤ obs}) + 1)/(P + 1)`, one-sided toward the observed tail (esda counts
//!   `P − #{sim ≥ obs}` for the lower tail; identical without ties). `z_sim = (obs −
//!   mean(sim))/sd(sim)` with the population sd, `p_z_sim` its two-sided p.
//! * Units without neighbours (isolates) keep zero rows; they count in `n`.
//!
//! # Errors
//! Fewer than 4 units, non-finite or constant values, no neighbour pair at all, negative
//! values or fewer than two non-zero values for General G → [`Error::TooFew`],
//! [`Error::BadValue`] or [`Error::Degenerate`]; a weights length that differs from
//! the values → [`Error::LengthMismatch`].

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::gistar::{check_units, moments};
use crate::hotspot::perm::folded_p;
use crate::hotspot::stats::normal_p_two_sided;
use crate::hotspot::weights::Weights;

/// Weights transformation of a global statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Row-standardised: every unit's weights sum to 1 (esda's default `'r'`).
    #[default]
    Row,
    /// Binary: every listed neighbour weighs 1 (esda `'b'`).
    Binary,
}

/// Parameters of [`global_moran`], [`geary_c`] and [`general_g`].
#[derive(Debug, Clone, Serialize)]
pub struct GlobalParams {
    /// Number of permutations (0 = analytical inference only). Default 999.
    pub permutations: usize,
    /// Seed of the permutations. Default 12345.
    pub seed: u64,
    /// Weights transformation (Moran, Geary). Default row-standardised.
    pub transform: Transform,
}

impl Default for GlobalParams {
    fn default() -> Self {
        GlobalParams {
            permutations: 999,
            seed: 12345,
            transform: Transform::Row,
        }
    }
}

impl GlobalParams {
    /// Defaults: 999 permutations, seed 12345, row-standardised weights.
    pub fn new() -> Self {
        Self::default()
    }
    permutation_setters!();
    /// Sets the weights transformation.
    pub fn transform(mut self, t: Transform) -> Self {
        self.transform = t;
        self
    }
}

/// Permutation inference of a global statistic.
#[derive(Debug, Clone, Serialize)]
pub struct PermutationInference {
    /// Number of permutations.
    pub permutations: usize,
    /// Folded pseudo p (one-sided toward the observed tail).
    pub p_sim: f64,
    /// Mean of the permuted statistics.
    pub mean: f64,
    /// Population standard deviation of the permuted statistics.
    pub sd: f64,
    /// `(obs − mean)/sd` (0 when `sd = 0`).
    pub z_sim: f64,
    /// Two-sided normal p of `z_sim`.
    pub p_z_sim: f64,
}

/// One global statistic with its inference.
#[derive(Debug, Clone, Serialize)]
pub struct GlobalStatistic {
    /// `"moran_i"`, `"geary_c"` or `"general_g"`.
    pub statistic: String,
    /// Number of units.
    pub n: usize,
    /// Weights transformation used.
    pub transform: Transform,
    /// The statistic.
    pub value: f64,
    /// Its expectation under the null.
    pub expected: f64,
    /// Variance under normality (`None` for General G).
    pub var_norm: Option<f64>,
    /// z under normality.
    pub z_norm: Option<f64>,
    /// Two-sided p under normality.
    pub p_norm: Option<f64>,
    /// Variance under randomisation.
    pub var_rand: f64,
    /// z under randomisation.
    pub z_rand: f64,
    /// Two-sided p under randomisation.
    pub p_rand: f64,
    /// Permutation inference, when permutations were run.
    pub permutation: Option<PermutationInference>,
    /// `S0`, `S1`, `S2` of the transformed weights.
    pub s: [f64; 3],
    /// Units without neighbours.
    pub isolates: usize,
}

impl GlobalStatistic {
    /// One sentence for analysts, e.g. "Moran's I = 0.412 (expected −0.0003), z = 41.2,
    /// p < 0.001: values of neighbouring cells are similar (clustering)."
    pub fn sentence(&self) -> String {
        let (name, high) = match self.statistic.as_str() {
            "moran_i" => (
                "Moran's I",
                "neighbouring units have similar values (clustering)",
            ),
            "geary_c" => (
                "Geary's C",
                "neighbouring units differ more than chance predicts (dispersion)",
            ),
            _ => (
                "General G",
                "high values cluster together (hot-spot concentration)",
            ),
        };
        let low = match self.statistic.as_str() {
            "moran_i" => "neighbouring units have dissimilar values (dispersion)",
            "geary_c" => "neighbouring units have similar values (clustering)",
            _ => "low values cluster together",
        };
        let p = self
            .permutation
            .as_ref()
            .map(|q| q.p_sim)
            .unwrap_or(self.p_rand);
        let how = if self.permutation.is_some() {
            "permutation"
        } else {
            "randomisation"
        };
        let verdict = if p >= 0.05 {
            "no evidence of spatial autocorrelation at these weights".to_string()
        } else if self.value > self.expected {
            high.to_string()
        } else {
            low.to_string()
        };
        format!(
            "{name} = {:.4} (expected {:.4}), z = {:.2} (randomisation), {how} p {}: {verdict}.",
            self.value,
            self.expected,
            self.z_rand,
            if p < 1e-15 {
                fmt_p(p)
            } else {
                format!("= {}", fmt_p(p))
            }
        )
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-15 {
        "< 1e-15".to_string()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// Transformed weights in CSR form with their transpose.
struct Tw {
    offsets: Vec<usize>,
    nb: Vec<u32>,
    w: Vec<f64>,
    isolates: usize,
}

impl Tw {
    /// The transformed weights and their sums `[S0, S1, S2]`; an error naming the
    /// statistic when no unit has a neighbour (`S0 = 0`).
    fn with_neighbours(
        weights: &Weights,
        t: Transform,
        analysis: &'static str,
    ) -> Result<(Tw, [f64; 3])> {
        let tw = Tw::new(weights, t);
        let s = tw.s012();
        if s[0] <= 0.0 {
            return Err(Error::degenerate(
                analysis,
                "no unit has a neighbour with these weights",
            ));
        }
        Ok((tw, s))
    }

    fn new(weights: &Weights, t: Transform) -> Self {
        let n = weights.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut nb = Vec::new();
        let mut w = Vec::new();
        let mut isolates = 0;
        for i in 0..n {
            let ns = weights.neighbours(i);
            let raw: Vec<f64> = match (t, weights.weights(i)) {
                (Transform::Binary, Some(ws)) => {
                    ws.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect()
                }
                (_, None) => vec![1.0; ns.len()],
                (Transform::Row, Some(ws)) => ws.to_vec(),
            };
            let scale = match t {
                Transform::Binary => 1.0,
                Transform::Row => {
                    let s: f64 = raw.iter().sum();
                    if s > 0.0 {
                        1.0 / s
                    } else {
                        0.0
                    }
                }
            };
            if raw.iter().all(|v| *v == 0.0) {
                isolates += 1;
            }
            for (&j, v) in ns.iter().zip(&raw) {
                nb.push(j);
                w.push(v * scale);
            }
            offsets.push(nb.len());
        }
        Tw {
            offsets,
            nb,
            w,
            isolates,
        }
    }

    fn n(&self) -> usize {
        self.offsets.len() - 1
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.nb[r.clone()], &self.w[r])
    }

    /// Σ_j w_ij v_j.
    fn lag(&self, i: usize, v: &[f64]) -> f64 {
        let (nb, w) = self.row(i);
        nb.iter().zip(w).map(|(&j, wj)| wj * v[j as usize]).sum()
    }

    /// S0, S1, S2 (Cliff & Ord).
    fn s012(&self) -> [f64; 3] {
        let n = self.n();
        // transpose (rows in ascending source order, so ascending column order)
        let mut cnt = vec![0usize; n + 1];
        for &j in &self.nb {
            cnt[j as usize + 1] += 1;
        }
        for i in 0..n {
            cnt[i + 1] += cnt[i];
        }
        let mut fill = cnt.clone();
        let mut tnb = vec![0u32; self.nb.len()];
        let mut tw = vec![0.0; self.nb.len()];
        for i in 0..n {
            let (nb, w) = self.row(i);
            for (&j, &wj) in nb.iter().zip(w) {
                let k = fill[j as usize];
                tnb[k] = i as u32;
                tw[k] = wj;
                fill[j as usize] += 1;
            }
        }
        let s0: f64 = self.w.iter().sum();
        let (mut s1, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let (a_nb, a_w) = self.row(i);
            let (b_nb, b_w) = (&tnb[cnt[i]..cnt[i + 1]], &tw[cnt[i]..cnt[i + 1]]);
            // merge the supports of row i of W and of Wᵀ
            let (mut p, mut q) = (0, 0);
            while p < a_nb.len() || q < b_nb.len() {
                let v = match (a_nb.get(p), b_nb.get(q)) {
                    (Some(x), Some(y)) if x == y => {
                        let v = a_w[p] + b_w[q];
                        p += 1;
                        q += 1;
                        v
                    }
                    (Some(x), Some(y)) if x < y => {
                        p += 1;
                        a_w[p - 1]
                    }
                    (Some(_), None) => {
                        p += 1;
                        a_w[p - 1]
                    }
                    _ => {
                        q += 1;
                        b_w[q - 1]
                    }
                };
                s1 += v * v;
            }
            let rs: f64 = a_w.iter().sum();
            let cs: f64 = b_w.iter().sum();
            s2 += (rs + cs) * (rs + cs);
        }
        [s0, s1 / 2.0, s2]
    }
}

fn check(values: &[f64], w: &Weights, what: &'static str) -> Result<()> {
    check_units(values, w, what, "units", 4)?;
    moments(values, what)?;
    Ok(())
}

/// Runs `perms` permutations of `values` (own ChaCha8 stream each) and summarises
/// `stat` of each against `obs`.
fn permute(
    values: &[f64],
    perms: usize,
    seed: u64,
    obs: f64,
    stat: impl Fn(&[f64]) -> f64 + Sync,
) -> Option<PermutationInference> {
    if perms == 0 {
        return None;
    }
    let sims: Vec<f64> = (0..perms)
        .into_par_iter()
        .map(|p| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(p as u64);
            let mut v = values.to_vec();
            v.shuffle(&mut rng);
            stat(&v)
        })
        .collect();
    // ties within relative rounding count as ties
    let tol = 1e-12 * obs.abs().max(1e-300);
    let ge = sims.iter().filter(|s| **s >= obs - tol).count();
    let le = sims.iter().filter(|s| **s <= obs + tol).count();
    let pf = perms as f64;
    let mean = sims.iter().sum::<f64>() / pf;
    let sd = (sims.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / pf).sqrt();
    let z_sim = if sd > 0.0 { (obs - mean) / sd } else { 0.0 };
    Some(PermutationInference {
        permutations: perms,
        p_sim: folded_p(ge, le, perms),
        mean,
        sd,
        z_sim,
        p_z_sim: normal_p_two_sided(z_sim),
    })
}

pub(crate) fn z_and_p(value: f64, expected: f64, var: f64) -> (f64, f64) {
    if var > 0.0 && var.is_finite() {
        let z = (value - expected) / var.sqrt();
        (z, normal_p_two_sided(z))
    } else {
        (0.0, 1.0)
    }
}

/// Kurtosis `m4/m2²` of the values (population moments).
pub(crate) fn kurtosis(values: &[f64]) -> f64 {
    let nf = values.len() as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let m2 = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / nf;
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / nf;
    m4 / (m2 * m2)
}

/// `E[I]`, the variance of Moran's I under normality and under randomisation (esda's
/// `Moran` formulas; Cliff & Ord 1981) for `n` units, weights sums `S0, S1, S2` and the
/// kurtosis `b2` of the values.
pub(crate) fn moran_moments(nf: f64, s: [f64; 3], b2: f64) -> (f64, f64, f64) {
    let [s0, s1, s2] = s;
    let ei = -1.0 / (nf - 1.0);
    let s02 = s0 * s0;
    let n2 = nf * nf;
    let var_norm = (n2 * s1 - nf * s2 + 3.0 * s02) / ((nf - 1.0) * (nf + 1.0) * s02) - ei * ei;
    let a = nf * ((n2 - 3.0 * nf + 3.0) * s1 - nf * s2 + 3.0 * s02);
    let b = b2 * ((n2 - nf) * s1 - 2.0 * nf * s2 + 6.0 * s02);
    let var_rand = (a - b) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0) * s02) - ei * ei;
    (ei, var_norm, var_rand)
}

/// Global Moran's I of `values` with neighbour weights `w` (see the module docs).
pub fn global_moran(values: &[f64], w: &Weights, params: &GlobalParams) -> Result<GlobalStatistic> {
    check(values, w, "Moran's I")?;
    let (tw, s) = Tw::with_neighbours(w, params.transform, "Moran's I")?;
    let s0 = s[0];
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    // permuting the values and then centring them equals permuting the centred values
    let z: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let z2: f64 = z.iter().map(|v| v * v).sum();
    let calc = |z: &[f64]| -> f64 {
        let num: f64 = (0..n).map(|i| z[i] * tw.lag(i, z)).sum();
        nf / s0 * num / z2
    };
    let value = calc(&z);
    let (ei, var_norm, var_rand) = moran_moments(nf, s, kurtosis(values));
    let (zn, pn) = z_and_p(value, ei, var_norm);
    let (zr, pr) = z_and_p(value, ei, var_rand);
    Ok(GlobalStatistic {
        statistic: "moran_i".into(),
        n,
        transform: params.transform,
        value,
        expected: ei,
        var_norm: Some(var_norm),
        z_norm: Some(zn),
        p_norm: Some(pn),
        var_rand,
        z_rand: zr,
        p_rand: pr,
        permutation: permute(&z, params.permutations, params.seed, value, calc),
        s,
        isolates: tw.isolates,
    })
}

/// Geary's C of `values` with neighbour weights `w` (see the module docs).
pub fn geary_c(values: &[f64], w: &Weights, params: &GlobalParams) -> Result<GlobalStatistic> {
    check(values, w, "Geary's C")?;
    let (tw, s) = Tw::with_neighbours(w, params.transform, "Geary's C")?;
    let [s0, s1, s2] = s;
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let yss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let den = yss * s0 * 2.0;
    let calc = |y: &[f64]| -> f64 {
        let num: f64 = (0..n)
            .map(|i| {
                let (nb, w) = tw.row(i);
                nb.iter()
                    .zip(w)
                    .map(|(&j, wj)| wj * (y[i] - y[j as usize]).powi(2))
                    .sum::<f64>()
            })
            .sum();
        (nf - 1.0) * num / den
    };
    let value = calc(values);
    let s02 = s0 * s0;
    let n2 = nf * nf;
    let m2 = yss / nf;
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / nf;
    let k = m4 / (m2 * m2);
    let a = (nf - 1.0) * s1 * (n2 - 3.0 * nf + 3.0 - (nf - 1.0) * k);
    let b = 0.25 * ((nf - 1.0) * s2 * (n2 + 3.0 * nf - 6.0 - (n2 - nf + 2.0) * k));
    let c = s02 * (n2 - 3.0 - (nf - 1.0).powi(2) * k);
    let var_rand = (a - b + c) / (nf * (nf - 2.0) * (nf - 3.0) * s02);
    let var_norm = (1.0 / (2.0 * (nf + 1.0) * s02)) * ((2.0 * s1 + s2) * (nf - 1.0) - 4.0 * s02);
    let (zn, pn) = z_and_p(value, 1.0, var_norm);
    let (zr, pr) = z_and_p(value, 1.0, var_rand);
    Ok(GlobalStatistic {
        statistic: "geary_c".into(),
        n,
        transform: params.transform,
        value,
        expected: 1.0,
        var_norm: Some(var_norm),
        z_norm: Some(zn),
        p_norm: Some(pn),
        var_rand,
        z_rand: zr,
        p_rand: pr,
        permutation: permute(values, params.permutations, params.seed, value, calc),
        s,
        isolates: tw.isolates,
    })
}

/// Getis–Ord General G of `values` with neighbour weights `w`, always binary (see the
/// module docs).
pub fn general_g(values: &[f64], w: &Weights, params: &GlobalParams) -> Result<GlobalStatistic> {
    check(values, w, "General G")?;
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(Error::BadValue {
            what: "value of unit",
            index: i,
            value: *v,
            expected: "negative: General G needs values >= 0 (counts, rates)",
        });
    }
    let positive = values.iter().filter(|v| **v > 0.0).count();
    if positive < 2 {
        return Err(Error::too_few(
            "General G",
            "units with a value > 0",
            2,
            positive,
        ));
    }
    let (tw, s) = Tw::with_neighbours(w, Transform::Binary, "General G")?;
    let [s0, s1, s2] = s;
    let n = values.len();
    let nf = n as f64;
    let sum: f64 = values.iter().sum();
    let sum2: f64 = values.iter().map(|v| v * v).sum();
    let den = sum * sum - sum2;
    let calc = |y: &[f64]| -> f64 {
        let num: f64 = (0..n).map(|i| y[i] * tw.lag(i, y)).sum();
        num / den
    };
    let value = calc(values);
    let eg = s0 / (nf * (nf - 1.0));
    let n2 = nf * nf;
    let s02 = s0 * s0;
    let b0 = (n2 - 3.0 * nf + 3.0) * s1 - nf * s2 + 3.0 * s02;
    let b1 = -((n2 - nf) * s1 - 2.0 * nf * s2 + 6.0 * s02);
    let b2 = -(2.0 * nf * s1 - (nf + 3.0) * s2 + 6.0 * s02);
    let b3 = 4.0 * (nf - 1.0) * s1 - 2.0 * (nf + 1.0) * s2 + 8.0 * s02;
    let b4 = s1 - s2 + s02;
    let sum3: f64 = values.iter().map(|v| v.powi(3)).sum();
    let sum4: f64 = values.iter().map(|v| v.powi(4)).sum();
    let eg2 =
        (b0 * sum2 * sum2 + b1 * sum4 + b2 * sum * sum * sum2 + b3 * sum * sum3 + b4 * sum.powi(4))
            / ((sum * sum - sum2).powi(2) * nf * (nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    let var_rand = eg2 - eg * eg;
    let (zr, pr) = z_and_p(value, eg, var_rand);
    Ok(GlobalStatistic {
        statistic: "general_g".into(),
        n,
        transform: Transform::Binary,
        value,
        expected: eg,
        var_norm: None,
        z_norm: None,
        p_norm: None,
        var_rand,
        z_rand: zr,
        p_rand: pr,
        permutation: permute(values, params.permutations, params.seed, value, calc),
        s,
        isolates: tw.isolates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::weights::{grid_weights, WeightsSpec};
    use crate::hotspot::CellGrid;

    fn rook_like(nc: usize, nr: usize) -> Weights {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 1.0, nc, nr).unwrap());
        grid_weights(&cg, &WeightsSpec::DistanceBand { radius: Some(1.0) }).unwrap()
    }

    /// Brute force over the dense matrix.
    fn dense(w: &Weights, t: Transform) -> Vec<Vec<f64>> {
        let n = w.len();
        let mut m = vec![vec![0.0; n]; n];
        for (i, mi) in m.iter_mut().enumerate() {
            let nb = w.neighbours(i);
            let k = nb.len() as f64;
            for (q, &j) in nb.iter().enumerate() {
                let v = w.weights(i).map_or(1.0, |ws| ws[q]);
                mi[j as usize] = match t {
                    Transform::Binary => 1.0,
                    Transform::Row => match w.weights(i) {
                        None => 1.0 / k,
                        Some(ws) => v / ws.iter().sum::<f64>(),
                    },
                };
            }
        }
        m
    }

    #[test]
    fn global_moran_equals_dense_formulas() {
        let w = rook_like(5, 4);
        let y: Vec<f64> = (0..20)
            .map(|i| ((i * 7) % 5) as f64 + (i / 5) as f64)
            .collect();
        for t in [Transform::Row, Transform::Binary] {
            let r =
                global_moran(&y, &w, &GlobalParams::new().permutations(0).transform(t)).unwrap();
            let m = dense(&w, t);
            let n = 20.0;
            let mean = y.iter().sum::<f64>() / n;
            let z: Vec<f64> = y.iter().map(|v| v - mean).collect();
            let s0: f64 = m.iter().flatten().sum();
            let mut num = 0.0;
            let mut s1 = 0.0;
            let mut s2 = 0.0;
            #[allow(clippy::needless_range_loop)]
            for i in 0..20 {
                let (mut rs, mut cs) = (0.0, 0.0);
                for j in 0..20 {
                    num += m[i][j] * z[i] * z[j];
                    s1 += (m[i][j] + m[j][i]).powi(2);
                    rs += m[i][j];
                    cs += m[j][i];
                }
                s2 += (rs + cs).powi(2);
            }
            let i_ref = n / s0 * num / z.iter().map(|v| v * v).sum::<f64>();
            assert!((r.value - i_ref).abs() < 1e-14, "{t:?}");
            assert!((r.s[1] - s1 / 2.0).abs() < 1e-12 && (r.s[2] - s2).abs() < 1e-12);
            assert!((r.expected + 1.0 / 19.0).abs() < 1e-15);
            assert!(r.var_rand > 0.0 && r.var_norm.unwrap() > 0.0);
        }
    }

    #[test]
    fn global_stats_detect_a_gradient_and_not_noise() {
        let w = rook_like(12, 12);
        // smooth gradient: strong positive autocorrelation
        let grad: Vec<f64> = (0..144).map(|i| (i % 12 + i / 12) as f64).collect();
        let p = GlobalParams::new().permutations(199).seed(3);
        let m = global_moran(&grad, &w, &p).unwrap();
        assert!(m.value > 0.8 && m.z_rand > 5.0 && m.permutation.as_ref().unwrap().p_sim <= 0.005);
        let c = geary_c(&grad, &w, &p).unwrap();
        assert!(c.value < 0.2 && c.z_rand < -5.0);
        // a checkerboard: negative autocorrelation
        let chk: Vec<f64> = (0..144).map(|i| ((i % 12 + i / 12) % 2) as f64).collect();
        let m = global_moran(&chk, &w, &p).unwrap();
        assert!((m.value + 1.0).abs() < 1e-12, "{}", m.value);
        let c = geary_c(&chk, &w, &p).unwrap();
        assert!(c.value > 1.5);
        // a high-value cluster: General G above its expectation
        let mut hs = vec![1.0; 144];
        for r in 4..7 {
            for q in 4..7 {
                hs[r * 12 + q] = 20.0;
            }
        }
        let g = general_g(&hs, &w, &p).unwrap();
        assert!(g.value > g.expected && g.z_rand > 3.0, "{g:?}");
        assert!(g.sentence().contains("high values cluster"));
    }

    #[test]
    fn global_moran_permutations_deterministic_and_thread_independent() {
        let w = rook_like(10, 9);
        let y: Vec<f64> = (0..90).map(|i| ((i * 37) % 11) as f64).collect();
        let p = GlobalParams::new().permutations(99).seed(9);
        let a = global_moran(&y, &w, &p).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| global_moran(&y, &w, &p).unwrap());
        let (pa, pb) = (a.permutation.unwrap(), b.permutation.unwrap());
        assert_eq!(pa.p_sim, pb.p_sim);
        assert_eq!(pa.mean, pb.mean);
        assert_eq!(pa.sd, pb.sd);
    }

    #[test]
    fn global_stats_errors() {
        let w = rook_like(3, 3);
        assert!(global_moran(&[1.0; 9], &w, &GlobalParams::new()).is_err());
        assert!(geary_c(&[1.0, 2.0], &rook_like(2, 1), &GlobalParams::new()).is_err());
        let mut neg = vec![1.0; 9];
        neg[0] = -1.0;
        assert!(general_g(&neg, &w, &GlobalParams::new())
            .unwrap_err()
            .to_string()
            .contains(">= 0"));
        let mut one = vec![0.0; 9];
        one[4] = 3.0;
        assert!(general_g(&one, &w, &GlobalParams::new()).is_err());
        assert!(global_moran(&[1.0, 2.0, 3.0], &w, &GlobalParams::new()).is_err());
        // no neighbours at all
        let iso = Weights::from_lists(vec![Vec::new(); 5], true).unwrap();
        assert!(global_moran(&[1.0, 2.0, 3.0, 4.0, 5.0], &iso, &GlobalParams::new()).is_err());
    }
}
