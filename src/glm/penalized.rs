//! The elastic-net penalised Poisson fit (coordinate descent), on dense rows or
//! on an indicator design.

use super::*;

/// Settings of the elastic-net penalised Poisson fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PenalizedParams {
    /// Overall penalty λ ≥ 0.
    pub lambda: f64,
    /// Mixing α ∈ [0, 1]: 1 = lasso, 0 = ridge.
    pub l1_ratio: f64,
    /// Per-column penalty factors (default 1 for every column; use 0 for an intercept).
    pub penalty_factor: Option<Vec<f64>>,
    /// Maximum outer (Newton) iterations.
    pub max_iter: usize,
    /// Convergence tolerance on the largest coefficient change.
    pub tol: f64,
}

impl PenalizedParams {
    /// λ and α with every column penalised, 200 iterations, tolerance 1e-10.
    pub fn new(lambda: f64, l1_ratio: f64) -> Self {
        PenalizedParams {
            lambda,
            l1_ratio,
            penalty_factor: None,
            max_iter: 200,
            tol: 1e-10,
        }
    }
    /// Sets per-column penalty factors.
    pub fn penalty_factor(mut self, pf: Vec<f64>) -> Self {
        self.penalty_factor = Some(pf);
        self
    }
    /// Sets the maximum number of outer iterations.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the tolerance.
    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }
}

/// A penalised Poisson fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PenalizedFit {
    /// Coefficients (exact zeros for dropped columns).
    pub coef: Vec<f64>,
    /// Value of the penalised objective at `coef`.
    pub objective: f64,
    /// Poisson deviance at `coef`.
    pub deviance: f64,
    /// Outer iterations used.
    pub iterations: usize,
}

pub(super) fn soft(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

pub(super) fn penalty(beta: &[f64], lambda: f64, a: f64, pf: &[f64]) -> f64 {
    let mut s = 0.0;
    for (b, f) in beta.iter().zip(pf) {
        s += f * ((1.0 - a) / 2.0 * b * b + a * b.abs());
    }
    lambda * s
}

/// Negative mean Poisson log-likelihood (without ln y!) for a linear predictor.
pub(super) fn pois_nll(y: &[f64], eta: &[f64]) -> f64 {
    let mut s = 0.0;
    for (yi, e) in y.iter().zip(eta) {
        s += e.exp() - yi * e;
    }
    s / y.len() as f64
}

/// Fits an elastic-net penalised Poisson regression (log link) by proximal Newton with
/// coordinate descent; see the module docs for the objective (statsmodels'
/// `GLM.fit_regularized(method="elastic_net", alpha=λ·pf, L1_wt=α)`). `start` gives warm
/// starting coefficients (e.g. along a λ path).
///
/// # Errors
/// [`Error::InvalidParam`] for bad λ/α/penalty factors; [`Error::Degenerate`] for bad input;
/// [`Error::Numerical`] when it does not converge within `max_iter` (names the count).
pub fn fit_poisson_penalized(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    params: &PenalizedParams,
    start: Option<&[f64]>,
) -> Result<PenalizedFit> {
    // A penalised fit is defined with fewer rows than columns.
    check_inputs(x, y, offset, false)?;
    penalized_core(&DenseRows(x), y, offset, params, start)
}

/// [`fit_poisson_penalized`] on an [`IndicatorDesign`] (intercept + 0/1 columns stored
/// as per-block pattern ids): the same algorithm, with `XᵀWX`, `Xᵀv` and `Xβ` computed
/// from pattern histograms. Equal to the dense fit up to floating-point summation order.
pub(crate) fn fit_poisson_penalized_design(
    x: &IndicatorDesign,
    y: &[f64],
    offset: Option<&[f64]>,
    params: &PenalizedParams,
    start: Option<&[f64]>,
) -> Result<PenalizedFit> {
    super::check_rows(x.rows(), y)?;
    super::check_counts(y, offset)?;
    penalized_core(x, y, offset, params, start)
}

/// The operations of a design matrix the penalised fit needs.
pub(crate) trait Design: Sync {
    /// Number of rows.
    fn rows(&self) -> usize;
    /// Number of columns.
    fn cols(&self) -> usize;
    /// `Xβ + offset`.
    fn eta(&self, beta: &[f64], offset: Option<&[f64]>) -> Vec<f64>;
    /// `Xᵀ diag(w) X` (symmetric).
    fn gram_w(&self, w: &[f64]) -> Vec<Vec<f64>>;
    /// `Xᵀ (w ∘ z)`.
    fn xtwz(&self, w: &[f64], z: &[f64]) -> Vec<f64>;
    /// Whether column `j` is 1 in every row.
    fn all_ones(&self, j: usize) -> bool;
}

/// Dense rows (the reference representation).
pub(super) struct DenseRows<'a>(pub(super) &'a [Vec<f64>]);

impl Design for DenseRows<'_> {
    fn rows(&self) -> usize {
        self.0.len()
    }
    fn cols(&self) -> usize {
        self.0[0].len()
    }
    fn eta(&self, beta: &[f64], offset: Option<&[f64]>) -> Vec<f64> {
        linear_predictor(self.0, beta, offset)
    }
    fn gram_w(&self, w: &[f64]) -> Vec<Vec<f64>> {
        gram(self.0, Some(w), self.cols())
    }
    fn xtwz(&self, w: &[f64], z: &[f64]) -> Vec<f64> {
        xtwz(self.0, w, z, self.cols())
    }
    fn all_ones(&self, j: usize) -> bool {
        self.0.iter().all(|r| r[j] == 1.0)
    }
}

/// A design of an intercept (column 0) and 0/1 indicator columns, stored compactly:
/// the indicator columns are partitioned into blocks of consecutive columns, and each
/// row holds, per block, the id of its pattern (the row's 0/1 values on the block's
/// columns). Nested indicators (one layer at growing distances) leave few patterns per
/// block, so `XᵀWX` costs `O(n·B²)` bin updates (B blocks) instead of `O(n·p²)`.
#[derive(Debug, Clone)]
pub(crate) struct IndicatorDesign {
    n: usize,
    p: usize,
    /// Per block: its first design column and its patterns (bit k ↔ column first + k).
    blocks: Vec<(usize, usize, Vec<u64>)>,
    /// Pattern id per row and block, row-major (`n × blocks`).
    pid: Vec<u32>,
}

impl IndicatorDesign {
    /// Builds the design of `rows` (indices into the columns) from 0/1 `columns`
    /// (design column `j + 1` is `columns[j]`; any non-zero value counts as 1). A block
    /// grows while it has at most `max_patterns` distinct patterns and 64 columns.
    pub(crate) fn new(columns: &[&[u8]], rows: &[usize], max_patterns: usize) -> Self {
        use std::collections::HashMap;
        let n = rows.len();
        let mut blocks: Vec<(usize, usize, Vec<u64>)> = Vec::new();
        let mut ids: Vec<Vec<u32>> = Vec::new();
        let mut j = 0;
        while j < columns.len() {
            // Start a block at column j and extend it greedily.
            let mut keys: Vec<u64> = vec![0; n];
            let mut len = 0;
            let mut npat = 1;
            while j + len < columns.len() && len < 64 {
                let c = columns[j + len];
                let trial: Vec<u64> = keys
                    .iter()
                    .zip(rows)
                    .map(|(k, &i)| k | (u64::from(c[i] != 0) << len))
                    .collect();
                let mut seen: std::collections::HashSet<u64> = Default::default();
                for k in &trial {
                    seen.insert(*k);
                }
                if len > 0 && seen.len() > max_patterns.max(npat) {
                    break;
                }
                npat = seen.len();
                keys = trial;
                len += 1;
            }
            let mut map: HashMap<u64, u32> = HashMap::new();
            let mut pats: Vec<u64> = Vec::new();
            let id: Vec<u32> = keys
                .iter()
                .map(|k| {
                    *map.entry(*k).or_insert_with(|| {
                        pats.push(*k);
                        (pats.len() - 1) as u32
                    })
                })
                .collect();
            blocks.push((j + 1, len, pats));
            ids.push(id);
            j += len;
        }
        let nb = blocks.len();
        let mut pid = vec![0u32; n * nb];
        for (b, id) in ids.iter().enumerate() {
            for (i, v) in id.iter().enumerate() {
                pid[i * nb + b] = *v;
            }
        }
        IndicatorDesign {
            n,
            p: columns.len() + 1,
            blocks,
            pid,
        }
    }

    /// The design of a subset of its rows (in the given order).
    pub(crate) fn select(&self, rows: &[usize]) -> Self {
        let nb = self.blocks.len();
        let mut pid = Vec::with_capacity(rows.len() * nb);
        for &i in rows {
            pid.extend_from_slice(&self.pid[i * nb..(i + 1) * nb]);
        }
        IndicatorDesign {
            n: rows.len(),
            p: self.p,
            blocks: self.blocks.clone(),
            pid,
        }
    }

    /// Per block, `Σ v` over the rows of each pattern (rows in order).
    pub(super) fn histograms(&self, v: &[f64]) -> Vec<Vec<f64>> {
        let nb = self.blocks.len();
        (0..nb)
            .into_par_iter()
            .map(|b| {
                let mut h = vec![0.0; self.blocks[b].2.len()];
                for (i, vi) in v.iter().enumerate() {
                    h[self.pid[i * nb + b] as usize] += vi;
                }
                h
            })
            .collect()
    }

    /// `Xᵀv` from the pattern histograms of `v`.
    pub(super) fn xtv(&self, v: &[f64]) -> Vec<f64> {
        let hist = self.histograms(v);
        let mut out = vec![0.0; self.p];
        out[0] = v.iter().sum();
        for ((first, len, pats), h) in self.blocks.iter().zip(&hist) {
            for (pat, hv) in pats.iter().zip(h) {
                for k in 0..*len {
                    if (pat >> k) & 1 == 1 {
                        out[first + k] += hv;
                    }
                }
            }
        }
        out
    }
}

impl Design for IndicatorDesign {
    fn rows(&self) -> usize {
        self.n
    }
    fn cols(&self) -> usize {
        self.p
    }
    fn eta(&self, beta: &[f64], offset: Option<&[f64]>) -> Vec<f64> {
        // Linear predictor of every pattern of every block.
        let pv: Vec<Vec<f64>> = self
            .blocks
            .iter()
            .map(|(first, len, pats)| {
                pats.iter()
                    .map(|pat| {
                        let mut s = 0.0;
                        for k in 0..*len {
                            if (pat >> k) & 1 == 1 {
                                s += beta[first + k];
                            }
                        }
                        s
                    })
                    .collect()
            })
            .collect();
        let nb = self.blocks.len();
        (0..self.n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| {
                let mut e = offset.map_or(0.0, |o| o[i]) + beta[0];
                for (b, v) in pv.iter().enumerate() {
                    e += v[self.pid[i * nb + b] as usize];
                }
                e
            })
            .collect()
    }
    fn gram_w(&self, w: &[f64]) -> Vec<Vec<f64>> {
        let p = self.p;
        let nb = self.blocks.len();
        let mut g = vec![vec![0.0; p]; p];
        // Intercept row / column and the within-block entries from 1-D histograms.
        let xw = self.xtv(w);
        for (row, v) in g.iter_mut().zip(&xw) {
            row[0] = *v;
        }
        let hist = self.histograms(w);
        for ((first, len, pats), h) in self.blocks.iter().zip(&hist) {
            for (pat, hv) in pats.iter().zip(h) {
                for k in 0..*len {
                    if (pat >> k) & 1 == 0 {
                        continue;
                    }
                    for l in 0..=k {
                        if (pat >> l) & 1 == 1 {
                            g[first + k][first + l] += hv;
                        }
                    }
                }
            }
        }
        // Cross-block entries from 2-D histograms, one task per block pair.
        let pairs: Vec<(usize, usize)> =
            (0..nb).flat_map(|a| (0..a).map(move |b| (a, b))).collect();
        let cross: Vec<Vec<f64>> = pairs
            .par_iter()
            .map(|&(a, b)| {
                let (_, la, pa) = &self.blocks[a];
                let (_, lb, pb) = &self.blocks[b];
                let mut h = vec![0.0; pa.len() * pb.len()];
                for (i, wi) in w.iter().enumerate() {
                    let r = &self.pid[i * nb..(i + 1) * nb];
                    h[r[a] as usize * pb.len() + r[b] as usize] += wi;
                }
                // t[s][l] = Σ_t h[s][t] · bit_l(pb[t]), then out[k][l] = Σ_s bit_k(pa[s]) t[s][l].
                let mut out = vec![0.0; la * lb];
                let mut t = vec![0.0; *lb];
                for (s, ps) in pa.iter().enumerate() {
                    t.iter_mut().for_each(|v| *v = 0.0);
                    let row = &h[s * pb.len()..(s + 1) * pb.len()];
                    for (pt, hv) in pb.iter().zip(row) {
                        if *hv == 0.0 {
                            continue;
                        }
                        for (l, tv) in t.iter_mut().enumerate() {
                            if (pt >> l) & 1 == 1 {
                                *tv += hv;
                            }
                        }
                    }
                    for k in 0..*la {
                        if (ps >> k) & 1 == 1 {
                            for l in 0..*lb {
                                out[k * lb + l] += t[l];
                            }
                        }
                    }
                }
                out
            })
            .collect();
        for (&(a, b), out) in pairs.iter().zip(&cross) {
            let (fa, la, _) = &self.blocks[a];
            let (fb, lb, _) = &self.blocks[b];
            for k in 0..*la {
                for l in 0..*lb {
                    g[fa + k][fb + l] = out[k * lb + l];
                }
            }
        }
        // Blocks are in column order, so every entry above sits at or below the diagonal.
        super::mirror_lower(&mut g);
        g
    }
    fn xtwz(&self, w: &[f64], z: &[f64]) -> Vec<f64> {
        let v: Vec<f64> = w.iter().zip(z).map(|(a, b)| a * b).collect();
        self.xtv(&v)
    }
    fn all_ones(&self, j: usize) -> bool {
        j == 0
    }
}

pub(super) fn penalized_core<D: Design>(
    x: &D,
    y: &[f64],
    offset: Option<&[f64]>,
    params: &PenalizedParams,
    start: Option<&[f64]>,
) -> Result<PenalizedFit> {
    let p = x.cols();
    let n = x.rows();
    let (lambda, a) = (params.lambda, params.l1_ratio);
    let lambda_ok = lambda.is_finite() && lambda >= 0.0;
    if !lambda_ok {
        return Err(Error::invalid_param(
            "lambda",
            lambda,
            "the penalty λ must be a number >= 0",
        ));
    }
    if !(0.0..=1.0).contains(&a) {
        return Err(Error::invalid_param(
            "l1_ratio",
            a,
            "the elastic-net mixing α must be in [0, 1]",
        ));
    }
    let pf = params
        .penalty_factor
        .clone()
        .unwrap_or_else(|| vec![1.0; p]);
    if pf.len() != p {
        return Err(Error::length_mismatch(
            "penalty factors",
            pf.len(),
            "columns",
            p,
        ));
    }
    if let Some((i, f)) = pf
        .iter()
        .enumerate()
        .find(|(_, f)| !(f.is_finite() && **f >= 0.0))
    {
        return Err(Error::BadValue {
            what: "penalty factor",
            index: i,
            value: *f,
            expected: "not a finite number >= 0",
        });
    }
    let mut beta = match start {
        Some(b) if b.len() == p => b.to_vec(),
        Some(b) => {
            return Err(Error::length_mismatch(
                "start values",
                b.len(),
                "columns",
                p,
            ))
        }
        None => {
            // Intercept-like start: log mean in every unpenalised constant column.
            let mut b = vec![0.0; p];
            let ybar = y.iter().sum::<f64>() / n as f64;
            if let Some(j) = (0..p).find(|&j| pf[j] == 0.0 && x.all_ones(j)) {
                b[j] = ybar.ln();
            }
            b
        }
    };
    let objective = |beta: &[f64]| -> (f64, Vec<f64>) {
        let eta = x.eta(beta, offset);
        (pois_nll(y, &eta) + penalty(beta, lambda, a, &pf), eta)
    };
    let (mut f_cur, mut eta) = objective(&beta);
    for it in 1..=params.max_iter {
        let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let z: Vec<f64> = (0..n)
            .map(|i| eta[i] - offset.map_or(0.0, |o| o[i]) + (y[i] - mu[i]) / mu[i])
            .collect();
        let g = x.gram_w(&mu);
        let c = x.xtwz(&mu, &z);
        let inv_n = 1.0 / n as f64;
        // Coordinate descent on (1/2n)(z − Xb)ᵀW(z − Xb) + penalty, in Gram form.
        let mut b = beta.clone();
        // gb = G b (unscaled)
        let mut gb: Vec<f64> = (0..p)
            .map(|j| (0..p).map(|k| g[j][k] * b[k]).sum())
            .collect();
        let mut converged_inner = false;
        let thr = params.tol * 1e-3;
        // One coordinate sweep over `cols`; returns the largest scaled change.
        let mut sweep = |cols: &mut dyn Iterator<Item = usize>, b: &mut Vec<f64>| -> f64 {
            let mut max_d: f64 = 0.0;
            for j in cols {
                let v = g[j][j] * inv_n;
                if v <= 0.0 {
                    continue;
                }
                let grad = (c[j] - gb[j]) * inv_n + v * b[j];
                let nb = soft(grad, lambda * a * pf[j]) / (v + lambda * (1.0 - a) * pf[j]);
                let d = nb - b[j];
                if d != 0.0 {
                    // G is symmetric: column j is row j (contiguous).
                    for (gk, gjk) in gb.iter_mut().zip(&g[j]) {
                        *gk += gjk * d;
                    }
                    b[j] = nb;
                    max_d = max_d.max(d.abs() * v.sqrt());
                }
            }
            max_d
        };
        // Active-set cycling (glmnet): full sweep, then sweeps over the non-zero
        // coefficients until they settle, then a full sweep again to check.
        for _ in 0..10_000 {
            if sweep(&mut (0..p), &mut b) < thr {
                converged_inner = true;
                break;
            }
            let active: Vec<usize> = (0..p).filter(|&j| b[j] != 0.0).collect();
            for _ in 0..100_000 {
                if sweep(&mut active.iter().copied(), &mut b) < thr {
                    break;
                }
            }
        }
        if !converged_inner {
            return Err(Error::Numerical(format!(
                "penalised GLM: coordinate descent did not converge at outer iteration {it}"
            )));
        }
        // Backtracking line search on the true objective.
        let dir: Vec<f64> = b.iter().zip(&beta).map(|(n, o)| n - o).collect();
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let cand: Vec<f64> = beta.iter().zip(&dir).map(|(o, d)| o + t * d).collect();
            let (f, e) = objective(&cand);
            if f.is_finite() && f <= f_cur + 1e-14 * f_cur.abs() {
                accepted = Some((cand, f, e));
                break;
            }
            t *= 0.5;
        }
        let Some((cand, f, e)) = accepted else {
            return Err(Error::Numerical(format!(
                "penalised GLM: line search failed at outer iteration {it}"
            )));
        };
        let max_change = dir.iter().fold(0.0f64, |m, d| m.max((t * d).abs()));
        beta = cand;
        f_cur = f;
        eta = e;
        if max_change < params.tol {
            let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
            return Ok(PenalizedFit {
                coef: beta,
                objective: f_cur,
                deviance: deviance(y, &mu, None),
                iterations: it,
            });
        }
    }
    Err(Error::Numerical(format!(
        "penalised GLM: did not converge in {} outer iterations",
        params.max_iter
    )))
}
