//! Generalised linear models for counts: Poisson and negative binomial (NB2) with a log
//! link, fitted by iteratively reweighted least squares (IRLS), and an elastic-net
//! penalised Poisson fitted by coordinate descent.
//!
//! # Algorithm
//! * **IRLS** (McCullagh & Nelder 1989, §2.5): with `η = Xβ + offset`, `μ = e^η`,
//!   working weights `w = μ²/V(μ)` and working response `z = η − offset + (y − μ)/μ`,
//!   solve `(XᵀWX)β = XᵀWz` (Cholesky, `nalgebra`) until the relative change of the
//!   deviance `|D − D_old| / (|D| + 0.1)` is below `tol` (R's `glm.fit` criterion).
//! * **Negative binomial** (NB2, `V(μ) = μ + μ²/θ`): with `theta: None`, θ is estimated by
//!   maximum likelihood alternating with IRLS exactly as R's `MASS::glm.nb`
//!   (Venables & Ripley 2002, §7.4): Poisson start, moment estimate of θ, then Newton
//!   steps on the θ score given μ, and IRLS for β given θ, until both settle.
//! * **Penalised Poisson** ([`fit_poisson_penalized`]): minimises
//!   `−ℓ(β)/n + λ Σⱼ pfⱼ [(1−α)/2 βⱼ² + α|βⱼ|]` — the objective of statsmodels'
//!   `GLM.fit_regularized(method="elastic_net")` and of glmnet (Friedman, Hastie &
//!   Tibshirani 2010) — by proximal Newton: a quadratic (IRLS) approximation solved by
//!   cyclic coordinate descent on the weighted Gram matrix, with a backtracking line
//!   search on the true objective.
//!
//! # Notes
//! * Standard errors use the expected information `(XᵀWX)⁻¹` with scale 1 (Poisson and
//!   NB); for NB with θ estimated they are conditional on θ̂, like `glm.nb` and like
//!   statsmodels `GLM(family=NegativeBinomial(alpha=1/θ̂))`.
//! * p-values are two-sided normal (Wald z).
//! * `loglik` is the full log-likelihood (with the `ln y!` terms);
//!   `aic = −2ℓ + 2k`, `bic = −2ℓ + k ln n`, with `k = p` (+1 when θ is estimated).
//! * `null_deviance` is the deviance of the intercept-only model with the same offset
//!   and, for NB, the same θ.
//! * Cost per IRLS iteration is `O(n p²)` (rows accumulated in parallel in fixed-size
//!   chunks, reduced in a fixed order: results do not depend on the thread count).

#![allow(clippy::needless_range_loop)] // index loops are clearer in matrix code

mod grouped;
mod penalized;
#[cfg(test)]
mod tests;

pub(crate) use grouped::fit_grouped;
pub use penalized::{fit_poisson_penalized, PenalizedFit, PenalizedParams};
pub(crate) use penalized::{fit_poisson_penalized_design, Design, IndicatorDesign};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The error distribution of a count GLM (log link).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Family {
    /// Poisson, `V(μ) = μ`.
    Poisson,
    /// Negative binomial NB2, `V(μ) = μ + μ²/θ`; `theta: None` estimates θ by maximum
    /// likelihood.
    NegativeBinomial {
        /// Fixed θ (size), or `None` to estimate it.
        theta: Option<f64>,
    },
}

/// Settings of the IRLS fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GlmParams {
    /// Maximum IRLS iterations (and maximum outer θ/β alternations for NB).
    pub max_iter: usize,
    /// Convergence tolerance on the relative deviance change.
    pub tol: f64,
}

impl Default for GlmParams {
    fn default() -> Self {
        GlmParams {
            max_iter: 100,
            tol: 1e-10,
        }
    }
}

impl GlmParams {
    /// Defaults: 100 iterations, tolerance 1e-10.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the maximum number of iterations.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the convergence tolerance.
    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }
}

/// A fitted count GLM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GlmFit {
    /// `"poisson"` or `"negative_binomial"`.
    pub family: String,
    /// Coefficients, in column order of `x`.
    pub coef: Vec<f64>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// Wald z = coef / se.
    pub z: Vec<f64>,
    /// Two-sided normal p-values.
    pub p: Vec<f64>,
    /// Covariance matrix of the coefficients, `(XᵀWX)⁻¹`.
    pub cov: Vec<Vec<f64>>,
    /// Residual deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Log-likelihood.
    pub loglik: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion, `−2ℓ + k ln n`.
    pub bic: f64,
    /// θ of the negative binomial (None for Poisson).
    pub theta: Option<f64>,
    /// Pearson χ² = Σ (y − μ)²/V(μ).
    pub pearson_chi2: f64,
    /// Pearson χ² / (n − p): about 1 when the variance function fits.
    pub dispersion: f64,
    /// IRLS iterations of the final fit (summed over θ alternations for NB).
    pub iterations: usize,
    /// Number of observations.
    pub n: usize,
}

/// Chunk size of the parallel row accumulation (fixed, so sums do not depend on threads).
const CHUNK: usize = 4096;

/// Checks that there are `n > 0` rows of x and one count per row.
fn check_rows(n: usize, y: &[f64]) -> Result<()> {
    if n == 0 {
        return Err(Error::too_few("GLM", "observations", 1, 0));
    }
    if y.len() != n {
        return Err(Error::length_mismatch(
            "counts (y)",
            y.len(),
            "rows of x",
            n,
        ));
    }
    Ok(())
}

/// Checks the counts (finite, `>= 0`, not all zero) and the offsets (one per count,
/// finite).
fn check_counts(y: &[f64], offset: Option<&[f64]>) -> Result<()> {
    if let Some(i) = y.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::BadValue {
            what: "count (y)",
            index: i,
            value: y[i],
            expected: "not a finite count >= 0",
        });
    }
    if let Some(o) = offset {
        if o.len() != y.len() {
            return Err(Error::length_mismatch(
                "offsets",
                o.len(),
                "observations",
                y.len(),
            ));
        }
        if let Some(i) = o.iter().position(|v| !v.is_finite()) {
            return Err(Error::BadValue {
                what: "offset",
                index: i,
                value: o[i],
                expected: "not a finite number",
            });
        }
    }
    if y.iter().all(|v| *v == 0.0) {
        return Err(Error::degenerate(
            "GLM",
            "all counts are zero; a log-linear model has no finite estimate",
        ));
    }
    Ok(())
}

fn check_inputs(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    need_n_gt_p: bool,
) -> Result<usize> {
    let n = x.len();
    check_rows(n, y)?;
    let p = x[0].len();
    if p == 0 {
        return Err(Error::invalid_param(
            "x",
            "0 columns",
            "the design matrix of a GLM needs at least one column",
        ));
    }
    for (i, row) in x.iter().enumerate() {
        if row.len() != p {
            return Err(Error::LengthMismatch {
                what: "columns",
                got: row.len(),
                per: "row of x (as row 0)",
                expected: p,
            });
        }
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(Error::BadValue {
                what: "entry of x (row-major)",
                index: i * p + j,
                value: row[j],
                expected: "not a finite number",
            });
        }
    }
    check_counts(y, offset)?;
    if need_n_gt_p && n <= p {
        return Err(Error::too_few(
            "GLM",
            "observations (one more than its coefficients)",
            p + 1,
            n,
        ));
    }
    Ok(p)
}

/// Detects linearly dependent columns: a sequential Cholesky of the column-normalised
/// Gram matrix; a pivot below `1e-9` means column `j` is (numerically) a linear
/// combination of columns `0..j`.
///
/// Returns `Err(Error::Degenerate)` naming the first such column (0-based) and, for an
/// all-zero column, saying so.
pub fn check_collinearity(x: &[Vec<f64>]) -> Result<()> {
    let n = x.len();
    if n == 0 {
        return Ok(());
    }
    let p = x[0].len();
    let g = gram(x, None, p);
    let mut l = vec![vec![0.0; p]; p];
    for j in 0..p {
        if g[j][j] <= 0.0 {
            return Err(Error::degenerate(
                "GLM",
                format!("column {j} of the design matrix is all zero"),
            ));
        }
        let sj = g[j][j].sqrt();
        for k in 0..=j {
            let mut s = g[j][k] / (sj * g[k][k].sqrt());
            for m in 0..k {
                s -= l[j][m] * l[k][m];
            }
            if k == j {
                if s < 1e-9 {
                    return Err(Error::degenerate(
                        "GLM",
                        format!(
                            "column {j} of the design matrix is collinear with columns \
                             0..{j} (a linear combination of earlier columns, e.g. a \
                             constant column or a duplicated factor); drop it"
                        ),
                    ));
                }
                l[j][j] = s.sqrt();
            } else {
                l[j][k] = s / l[k][k];
            }
        }
    }
    Ok(())
}

/// `Xᵀ diag(w) X` (w = 1 when None), accumulated in fixed chunks.
fn gram(x: &[Vec<f64>], w: Option<&[f64]>, p: usize) -> Vec<Vec<f64>> {
    let idx: Vec<usize> = (0..x.len()).collect();
    let parts: Vec<Vec<f64>> = idx
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut a = vec![0.0; p * p];
            // Only non-zero entries contribute: indicator designs are sparse.
            let mut nz: Vec<usize> = Vec::with_capacity(p);
            for &i in chunk {
                let wi = w.map_or(1.0, |w| w[i]);
                let r = &x[i];
                nz.clear();
                nz.extend((0..p).filter(|&j| r[j] != 0.0));
                for (q, &j) in nz.iter().enumerate() {
                    let v = wi * r[j];
                    for &k in &nz[..=q] {
                        a[j * p + k] += v * r[k];
                    }
                }
            }
            a
        })
        .collect();
    let mut g = vec![vec![0.0; p]; p];
    for a in &parts {
        for j in 0..p {
            for k in 0..=j {
                g[j][k] += a[j * p + k];
            }
        }
    }
    mirror_lower(&mut g);
    g
}

/// Copies the lower triangle of a square matrix onto its upper triangle.
fn mirror_lower(g: &mut [Vec<f64>]) {
    for j in 0..g.len() {
        for k in 0..j {
            g[k][j] = g[j][k];
        }
    }
}

/// `Xᵀ diag(w) z`, accumulated in fixed chunks.
fn xtwz(x: &[Vec<f64>], w: &[f64], z: &[f64], p: usize) -> Vec<f64> {
    let idx: Vec<usize> = (0..x.len()).collect();
    let parts: Vec<Vec<f64>> = idx
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut b = vec![0.0; p];
            for &i in chunk {
                let v = w[i] * z[i];
                for j in 0..p {
                    b[j] += v * x[i][j];
                }
            }
            b
        })
        .collect();
    let mut b = vec![0.0; p];
    for part in &parts {
        for j in 0..p {
            b[j] += part[j];
        }
    }
    b
}

fn linear_predictor(x: &[Vec<f64>], beta: &[f64], offset: Option<&[f64]>) -> Vec<f64> {
    x.par_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut e = offset.map_or(0.0, |o| o[i]);
            for (a, b) in r.iter().zip(beta) {
                e += a * b;
            }
            e
        })
        .collect()
}

/// Poisson (θ = None) or NB2 variance.
fn variance(mu: f64, theta: Option<f64>) -> f64 {
    match theta {
        None => mu,
        Some(t) => mu + mu * mu / t,
    }
}

fn ylogy_over(y: f64, mu: f64) -> f64 {
    if y > 0.0 {
        y * (y / mu).ln()
    } else {
        0.0
    }
}

/// Deviance, fixed-order sum.
fn deviance(y: &[f64], mu: &[f64], theta: Option<f64>) -> f64 {
    let mut d = 0.0;
    for (&yi, &mi) in y.iter().zip(mu) {
        d += match theta {
            None => ylogy_over(yi, mi) - (yi - mi),
            Some(t) => ylogy_over(yi, mi) - (yi + t) * ((yi + t) / (mi + t)).ln(),
        };
    }
    2.0 * d
}

fn loglik(y: &[f64], mu: &[f64], theta: Option<f64>) -> f64 {
    let mut l = 0.0;
    for (&yi, &mi) in y.iter().zip(mu) {
        l += match theta {
            None => {
                let t = if yi > 0.0 { yi * mi.ln() } else { 0.0 };
                t - mi - ln_gamma(yi + 1.0)
            }
            Some(t) => {
                let a = if yi > 0.0 {
                    yi * (mi / (mi + t)).ln()
                } else {
                    0.0
                };
                ln_gamma(yi + t) - ln_gamma(t) - ln_gamma(yi + 1.0) + t * (t / (t + mi)).ln() + a
            }
        };
    }
    l
}

fn to_dmatrix(g: &[Vec<f64>]) -> DMatrix<f64> {
    let p = g.len();
    DMatrix::from_fn(p, p, |i, j| g[i][j])
}

struct Irls {
    beta: Vec<f64>,
    mu: Vec<f64>,
    iterations: usize,
}

/// IRLS for a fixed variance function.
fn irls(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    theta: Option<f64>,
    start: Option<&[f64]>,
    params: &GlmParams,
) -> Result<Irls> {
    let n = x.len();
    let p = x[0].len();
    // Starting values: μ from the start coefficients, or (y + ȳ)/2 (statsmodels' start).
    let (mut eta, mut mu) = match start {
        Some(b) => {
            let eta = linear_predictor(x, b, offset);
            let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
            (eta, mu)
        }
        None => {
            let ybar = y.iter().sum::<f64>() / n as f64;
            let mu: Vec<f64> = y.iter().map(|v| (v + ybar) / 2.0).collect();
            let eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
            (eta, mu)
        }
    };
    let mut beta: Vec<f64> = start.map_or_else(|| vec![0.0; p], |b| b.to_vec());
    let mut dev_old = deviance(y, &mu, theta);
    let mut last_change = f64::INFINITY;
    for it in 1..=params.max_iter {
        let w: Vec<f64> = mu.iter().map(|&m| m * m / variance(m, theta)).collect();
        let z: Vec<f64> = (0..n)
            .map(|i| eta[i] - offset.map_or(0.0, |o| o[i]) + (y[i] - mu[i]) / mu[i])
            .collect();
        let a = to_dmatrix(&gram(x, Some(&w), p));
        let b = DVector::from_vec(xtwz(x, &w, &z, p));
        let chol = a.cholesky().ok_or_else(|| {
            Error::Numerical(format!(
                "GLM: weighted normal equations XᵀWX are singular at IRLS iteration {it} \
                 (fitted means collapsed to zero: a factor whose cells all have zero counts, \
                 or perfect separation)"
            ))
        })?;
        let new_beta: Vec<f64> = chol.solve(&b).iter().copied().collect();
        // Step halving while the deviance is not finite (R's glm.fit safeguard).
        let mut step = new_beta.clone();
        let mut accepted = None;
        for _ in 0..40 {
            let e = linear_predictor(x, &step, offset);
            if e.iter().all(|v| *v < 700.0) {
                let m: Vec<f64> = e.iter().map(|v| v.exp()).collect();
                let d = deviance(y, &m, theta);
                if d.is_finite() && m.iter().all(|v| *v > 0.0) {
                    accepted = Some((e, m, d));
                    break;
                }
            }
            for j in 0..p {
                step[j] = 0.5 * (step[j] + beta[j]);
            }
        }
        let Some((e, m, dev)) = accepted else {
            return Err(Error::Numerical(format!(
                "GLM: fitted means overflowed at IRLS iteration {it}"
            )));
        };
        beta = step;
        eta = e;
        mu = m;
        last_change = (dev - dev_old).abs() / (dev.abs() + 0.1);
        dev_old = dev;
        if last_change < params.tol {
            return Ok(Irls {
                beta,
                mu,
                iterations: it,
            });
        }
    }
    Err(Error::Numerical(format!(
        "GLM: IRLS did not converge in {} iterations (relative deviance change {:.3e} > tol {:.1e})",
        params.max_iter, last_change, params.tol
    )))
}

/// Newton–Raphson ML estimate of the NB θ given fitted means (`MASS::theta.ml`).
fn theta_ml(y: &[f64], mu: &[f64], start: f64, max_iter: usize) -> Result<f64> {
    let mut t = start;
    for it in 1..=max_iter.max(25) {
        let mut score = 0.0;
        let mut info = 0.0;
        for (&yi, &mi) in y.iter().zip(mu) {
            score +=
                digamma(t + yi) - digamma(t) + t.ln() + 1.0 - (t + mi).ln() - (yi + t) / (mi + t);
            info += -trigamma(t + yi) + trigamma(t) - 1.0 / t + 2.0 / (mi + t)
                - (yi + t) / ((mi + t) * (mi + t));
        }
        let mut next = t + score / info;
        let concave = info.is_finite() && info > 0.0;
        if !concave || !next.is_finite() {
            // Not concave here: move along the score.
            next = if score > 0.0 { t * 2.0 } else { t / 2.0 };
        }
        if next <= 0.0 {
            next = t / 2.0;
        }
        if next > 1e8 {
            return Err(Error::Numerical(format!(
                "GLM: negative binomial θ diverges to infinity at iteration {it} \
                 (no overdispersion: the Poisson model fits)"
            )));
        }
        let change = (next - t).abs();
        t = next;
        if change <= 1e-12 * t {
            return Ok(t);
        }
    }
    Err(Error::Numerical(format!(
        "GLM: negative binomial θ did not converge in {} Newton iterations (θ = {t:.4e})",
        max_iter.max(25)
    )))
}

/// Fits a Poisson or negative binomial GLM with a log link by IRLS.
///
/// `x` has `n` rows of `p` values (include the intercept column yourself); `y` holds
/// non-negative counts; `offset` (e.g. log exposure) is added to the linear predictor.
///
/// # Errors
/// * [`Error::Degenerate`], [`Error::LengthMismatch`], [`Error::TooFew`] for
///   empty/mismatched input, all-zero counts, fewer observations than
///   coefficients, or collinear columns (the message names the 0-based column index).
/// * [`Error::Numerical`] when IRLS or the θ estimate does not converge (the message
///   names the iteration count), or the normal equations become singular.
///
/// # Examples
/// ```
/// use crimescape::{fit_glm, Family, GlmParams};
/// let x: Vec<Vec<f64>> = (0..40).map(|i| vec![1.0, (i % 2) as f64]).collect();
/// let y: Vec<f64> = (0..40).map(|i| if i % 2 == 1 { 4.0 } else { 1.0 } + (i % 3) as f64).collect();
/// let fit = fit_glm(&x, &y, None, Family::Poisson, &GlmParams::new()).unwrap();
/// // The indicator's coefficient is the log ratio of the group means.
/// let (m1, m0) = (y.iter().skip(1).step_by(2).sum::<f64>() / 20.0, y.iter().step_by(2).sum::<f64>() / 20.0);
/// assert!((fit.coef[1] - (m1 / m0).ln()).abs() < 1e-8);
/// ```
pub fn fit_glm(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    family: Family,
    params: &GlmParams,
) -> Result<GlmFit> {
    if params.max_iter == 0 {
        return Err(Error::invalid_param(
            "max_iter",
            params.max_iter,
            "a GLM fit needs at least one iteration",
        ));
    }
    if !(params.tol.is_finite() && params.tol > 0.0) {
        return Err(Error::invalid_param(
            "tol",
            params.tol,
            "the convergence tolerance must be > 0",
        ));
    }
    let p = check_inputs(x, y, offset, true)?;
    check_collinearity(x)?;
    let n = x.len();
    let (theta, res, estimated) = match family {
        Family::Poisson => (None, irls(x, y, offset, None, None, params)?, false),
        Family::NegativeBinomial { theta: Some(t) } => {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::invalid_param(
                    "theta",
                    t,
                    "the negative binomial θ must be a positive number",
                ));
            }
            (Some(t), irls(x, y, offset, Some(t), None, params)?, false)
        }
        Family::NegativeBinomial { theta: None } => {
            let pois = irls(x, y, offset, None, None, params)?;
            let mut iterations = pois.iterations;
            let mut s = 0.0;
            for (&yi, &mi) in y.iter().zip(&pois.mu) {
                s += (yi / mi - 1.0).powi(2);
            }
            let t0 = if s > 0.0 { n as f64 / s } else { 1.0 };
            let mut t = theta_ml(y, &pois.mu, t0, params.max_iter)?;
            let mut fit = irls(x, y, offset, Some(t), Some(&pois.beta), params)?;
            iterations += fit.iterations;
            let mut l_old = loglik(y, &fit.mu, Some(t));
            let mut converged = false;
            for _ in 0..params.max_iter {
                let t_new = theta_ml(y, &fit.mu, t, params.max_iter)?;
                let refit = irls(x, y, offset, Some(t_new), Some(&fit.beta), params)?;
                iterations += refit.iterations;
                let l = loglik(y, &refit.mu, Some(t_new));
                let change = (l - l_old).abs() / l_old.abs().max(1e-300) + (t_new - t).abs() / t;
                t = t_new;
                fit = refit;
                l_old = l;
                if change < params.tol {
                    converged = true;
                    break;
                }
            }
            if !converged {
                return Err(Error::Numerical(format!(
                    "GLM: negative binomial θ/β alternation did not converge in {} iterations",
                    params.max_iter
                )));
            }
            fit.iterations = iterations;
            (Some(t), fit, true)
        }
    };
    finish(x, y, offset, theta, estimated, res, params, p)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    theta: Option<f64>,
    theta_estimated: bool,
    res: Irls,
    params: &GlmParams,
    p: usize,
) -> Result<GlmFit> {
    let n = x.len();
    let w: Vec<f64> = res.mu.iter().map(|&m| m * m / variance(m, theta)).collect();
    let a = to_dmatrix(&gram(x, Some(&w), p));
    let inv = a.cholesky().map(|c| c.inverse()).ok_or_else(|| {
        Error::Numerical(
            "GLM: XᵀWX is singular at the solution; cannot compute standard errors".into(),
        )
    })?;
    let cov: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| inv[(i, j)]).collect())
        .collect();
    let se: Vec<f64> = (0..p).map(|j| cov[j][j].max(0.0).sqrt()).collect();
    let z: Vec<f64> = res.beta.iter().zip(&se).map(|(b, s)| b / s).collect();
    let pv: Vec<f64> = z.iter().map(|z| two_sided_p(*z)).collect();
    let dev = deviance(y, &res.mu, theta);
    // Intercept-only model: without an offset its MLE is μ = ȳ for Poisson and for NB with
    // θ fixed (the score Σ (y − μ)/(1 + μ/θ) vanishes at ȳ); with an offset, IRLS.
    let null_deviance = match offset {
        None => {
            let ybar = y.iter().sum::<f64>() / n as f64;
            deviance(y, &vec![ybar; n], theta)
        }
        Some(_) => {
            let ones = vec![vec![1.0]; n];
            let null = irls(&ones, y, offset, theta, None, params)?;
            deviance(y, &null.mu, theta)
        }
    };
    let ll = loglik(y, &res.mu, theta);
    let k = p as f64 + if theta_estimated { 1.0 } else { 0.0 };
    let mut pearson = 0.0;
    for (&yi, &mi) in y.iter().zip(&res.mu) {
        pearson += (yi - mi).powi(2) / variance(mi, theta);
    }
    Ok(GlmFit {
        family: if theta.is_some() {
            "negative_binomial".into()
        } else {
            "poisson".into()
        },
        coef: res.beta,
        se,
        z,
        p: pv,
        cov,
        deviance: dev,
        null_deviance,
        loglik: ll,
        aic: -2.0 * ll + 2.0 * k,
        bic: -2.0 * ll + k * (n as f64).ln(),
        theta,
        pearson_chi2: pearson,
        dispersion: pearson / (n - p) as f64,
        iterations: res.iterations,
        n,
    })
}

// ---------------------------------------------------------------------------
// Special functions live in `crate::special`; re-exported here for the GLM API.
pub use crate::special::{
    digamma, ln_gamma, normal_p_two_sided as two_sided_p, normal_quantile, trigamma,
};
