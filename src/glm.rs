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

fn check_inputs(
    x: &[Vec<f64>],
    y: &[f64],
    offset: Option<&[f64]>,
    need_n_gt_p: bool,
) -> Result<usize> {
    let n = x.len();
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
    if let Some(i) = y.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::BadValue {
            what: "count (y)",
            index: i,
            value: y[i],
            expected: "not a finite count >= 0",
        });
    }
    if let Some(o) = offset {
        if o.len() != n {
            return Err(Error::length_mismatch(
                "offsets",
                o.len(),
                "observations",
                n,
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
    for j in 0..p {
        for k in 0..j {
            g[k][j] = g[j][k];
        }
    }
    g
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
/// * [`Error::Data`] for empty/mismatched input, all-zero counts, fewer observations than
///   coefficients, or collinear columns (the message names the 0-based column index).
/// * [`Error::Numerical`] when IRLS or the θ estimate does not converge (the message
///   names the iteration count), or the normal equations become singular.
///
/// # Examples
/// ```
/// use crimescape::glm::{fit_glm, Family, GlmParams};
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

/// A fit on grouped rows (see [`fit_grouped`]).
#[derive(Debug, Clone)]
pub(crate) struct GroupedFit {
    /// Coefficients.
    pub coef: Vec<f64>,
    /// Log-likelihood up to a constant that depends only on the cell counts (and θ):
    /// Poisson `Σ_g (Y_g ln μ_g − n_g μ_g)`, NB `Σ_g [n_g θ ln(θ/(θ+μ_g)) + Y_g ln(μ_g/(θ+μ_g))]`.
    pub loglik_kernel: f64,
}

/// Poisson / NB (θ fixed) GLM on groups of rows that share a design row: `cells[g]` rows
/// with count sum `ysum[g]`. With μ constant within a group both likelihoods depend on
/// the rows only through (n_g, Y_g), so IRLS with prior weights n_g and mean response
/// Y_g/n_g gives exactly the coefficients of the row-level fit. Used by the RTM stepwise
/// search, where a few indicator columns give a few hundred distinct rows.
pub(crate) fn fit_grouped(
    x: &[Vec<f64>],
    cells: &[f64],
    ysum: &[f64],
    theta: Option<f64>,
    params: &GlmParams,
) -> Result<GroupedFit> {
    let g = x.len();
    let p = x.first().map_or(0, |r| r.len());
    let ncell: f64 = cells.iter().sum();
    let ybar = ysum.iter().sum::<f64>() / ncell;
    if ybar.is_nan() || ybar <= 0.0 || p == 0 {
        return Err(Error::degenerate("grouped GLM", "all counts are zero"));
    }
    let kernel = |mu: &[f64]| -> f64 {
        let mut k = 0.0;
        for i in 0..g {
            let (n, y, m) = (cells[i], ysum[i], mu[i]);
            k += match theta {
                None => {
                    if y > 0.0 {
                        y * m.ln() - n * m
                    } else {
                        -n * m
                    }
                }
                Some(t) => {
                    let a = if y > 0.0 { y * (m / (t + m)).ln() } else { 0.0 };
                    n * t * (t / (t + m)).ln() + a
                }
            };
        }
        k
    };
    let mut mu: Vec<f64> = (0..g).map(|i| (ysum[i] / cells[i] + ybar) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut k_old = kernel(&mu);
    for it in 1..=params.max_iter {
        let mut a = DMatrix::<f64>::zeros(p, p);
        let mut b = DVector::<f64>::zeros(p);
        for i in 0..g {
            let w = cells[i] * mu[i] * mu[i] / variance(mu[i], theta);
            let z = eta[i] + (ysum[i] / cells[i] - mu[i]) / mu[i];
            for j in 0..p {
                let v = w * x[i][j];
                if v == 0.0 {
                    continue;
                }
                b[j] += v * z;
                for k in 0..p {
                    a[(j, k)] += v * x[i][k];
                }
            }
        }
        let chol = a.cholesky().ok_or_else(|| {
            Error::Numerical(format!(
                "grouped GLM: singular normal equations at iteration {it}"
            ))
        })?;
        let beta: Vec<f64> = chol.solve(&b).iter().copied().collect();
        for i in 0..g {
            eta[i] = x[i].iter().zip(&beta).map(|(a, c)| a * c).sum();
            if eta[i] > 700.0 {
                return Err(Error::Numerical(format!(
                    "grouped GLM: fitted means overflowed at iteration {it}"
                )));
            }
            mu[i] = eta[i].exp();
        }
        let k = kernel(&mu);
        if (k - k_old).abs() / (k.abs() + 0.1) < params.tol {
            return Ok(GroupedFit {
                coef: beta,
                loglik_kernel: k,
            });
        }
        k_old = k;
    }
    Err(Error::Numerical(format!(
        "grouped GLM: IRLS did not converge in {} iterations",
        params.max_iter
    )))
}

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

fn soft(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

fn penalty(beta: &[f64], lambda: f64, a: f64, pf: &[f64]) -> f64 {
    let mut s = 0.0;
    for (b, f) in beta.iter().zip(pf) {
        s += f * ((1.0 - a) / 2.0 * b * b + a * b.abs());
    }
    lambda * s
}

/// Negative mean Poisson log-likelihood (without ln y!) for a linear predictor.
fn pois_nll(y: &[f64], eta: &[f64]) -> f64 {
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
/// [`Error::Param`] for bad λ/α/penalty factors; [`Error::Data`] for bad input;
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
    let n = x.rows();
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
    if let Some(o) = offset.filter(|o| o.len() != n) {
        return Err(Error::length_mismatch("offsets", o.len(), "rows of x", n));
    }
    if let Some(i) = y.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::BadValue {
            what: "count (y)",
            index: i,
            value: y[i],
            expected: "not a finite count >= 0",
        });
    }
    if let Some((i, v)) = offset.and_then(|o| o.iter().enumerate().find(|(_, v)| !v.is_finite())) {
        return Err(Error::BadValue {
            what: "offset",
            index: i,
            value: *v,
            expected: "not a finite number",
        });
    }
    if y.iter().all(|v| *v == 0.0) {
        return Err(Error::degenerate(
            "GLM",
            "all counts are zero; a log-linear model has no finite estimate",
        ));
    }
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
struct DenseRows<'a>(&'a [Vec<f64>]);

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
    fn histograms(&self, v: &[f64]) -> Vec<Vec<f64>> {
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
    fn xtv(&self, v: &[f64]) -> Vec<f64> {
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
        for j in 0..p {
            for k in 0..j {
                g[k][j] = g[j][k];
            }
        }
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

fn penalized_core<D: Design>(
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

// ---------------------------------------------------------------------------
// Special functions live in `crate::special`; re-exported here for the GLM API.
pub use crate::special::{
    digamma, ln_gamma, normal_p_two_sided as two_sided_p, normal_quantile, trigamma,
};

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    struct Design(
        Vec<Vec<f64>>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        serde_json::Value,
    );

    fn design() -> Design {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/glm");
        let mut rdr = csv::Reader::from_path(dir.join("design.csv")).unwrap();
        let (mut x, mut off, mut yp, mut yn) = (vec![], vec![], vec![], vec![]);
        for rec in rdr.records() {
            let r: Vec<f64> = rec.unwrap().iter().map(|s| s.parse().unwrap()).collect();
            x.push(r[0..4].to_vec());
            off.push(r[4]);
            yp.push(r[5]);
            yn.push(r[6]);
        }
        let g: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("golden.json")).unwrap()).unwrap();
        Design(x, off, yp, yn, g)
    }

    fn vecf(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    fn check(fit: &GlmFit, g: &serde_json::Value) {
        for (a, b) in fit.coef.iter().zip(vecf(&g["coef"])) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
        for (a, b) in fit.se.iter().zip(vecf(&g["se"])) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
        for (a, b) in fit.p.iter().zip(vecf(&g["p"])) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
        assert_abs_diff_eq!(
            fit.deviance,
            g["deviance"].as_f64().unwrap(),
            epsilon = 1e-6
        );
        assert_abs_diff_eq!(
            fit.null_deviance,
            g["null_deviance"].as_f64().unwrap(),
            epsilon = 1e-6
        );
        assert_abs_diff_eq!(fit.loglik, g["loglik"].as_f64().unwrap(), epsilon = 1e-6);
        // Pearson χ² is not stationary at the optimum, so it amplifies the last digits of
        // the coefficients: compare relatively.
        let pc = g["pearson_chi2"].as_f64().unwrap();
        assert!(
            (fit.pearson_chi2 - pc).abs() < 1e-6 * pc,
            "{} vs {pc}",
            fit.pearson_chi2
        );
    }

    #[test]
    fn fit_glm_poisson_matches_statsmodels() {
        let Design(x, off, yp, _, g) = design();
        let fit = fit_glm(&x, &yp, Some(&off), Family::Poisson, &GlmParams::new()).unwrap();
        check(&fit, &g["poisson"]);
        assert_eq!(fit.family, "poisson");
        assert_abs_diff_eq!(fit.aic, -2.0 * fit.loglik + 8.0, epsilon = 1e-9);
    }

    #[test]
    fn fit_glm_nb_ml_matches_statsmodels() {
        let Design(x, off, _, yn, g) = design();
        let fit = fit_glm(
            &x,
            &yn,
            Some(&off),
            Family::NegativeBinomial { theta: None },
            &GlmParams::new(),
        )
        .unwrap();
        let g = &g["nb_ml"];
        check(&fit, g);
        for (a, b) in fit.coef.iter().zip(vecf(&g["coef_discrete"])) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
        let theta = fit.theta.unwrap();
        assert!((theta - g["theta"].as_f64().unwrap()).abs() < 1e-6 * theta);
        assert_abs_diff_eq!(
            fit.loglik,
            g["loglik_discrete"].as_f64().unwrap(),
            epsilon = 1e-6
        );
    }

    #[test]
    fn fit_glm_nb_fixed_theta_matches_statsmodels() {
        let Design(x, off, _, yn, g) = design();
        let fam = Family::NegativeBinomial { theta: Some(2.0) };
        let fit = fit_glm(&x, &yn, Some(&off), fam, &GlmParams::new()).unwrap();
        check(&fit, &g["nb_fixed"]);
        assert_eq!(fit.theta, Some(2.0));
    }

    #[test]
    fn fit_poisson_penalized_matches_statsmodels_fit_regularized() {
        let Design(x, off, yp, _, g) = design();
        for name in ["enet_a", "enet_b", "enet_c"] {
            let gg = &g[name];
            let lam = gg["lambda_"].as_f64().unwrap();
            let w = gg["l1_ratio"].as_f64().unwrap();
            let pp = PenalizedParams::new(lam, w).penalty_factor(vec![0.0, 1.0, 1.0, 1.0]);
            let fit = fit_poisson_penalized(&x, &yp, Some(&off), &pp, None).unwrap();
            for (a, b) in fit.coef.iter().zip(vecf(&gg["coef"])) {
                assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn fit_poisson_penalized_zero_lambda_equals_mle() {
        let Design(x, off, yp, _, _) = design();
        let mle = fit_glm(&x, &yp, Some(&off), Family::Poisson, &GlmParams::new()).unwrap();
        let pen = fit_poisson_penalized(&x, &yp, Some(&off), &PenalizedParams::new(0.0, 1.0), None)
            .unwrap();
        for (a, b) in pen.coef.iter().zip(&mle.coef) {
            assert_abs_diff_eq!(*a, *b, epsilon = 1e-8);
        }
    }

    #[test]
    fn fit_glm_null_deviance_without_offset_equals_intercept_only_fit() {
        let Design(x, _, yp, yn, _) = design();
        let ones: Vec<Vec<f64>> = x.iter().map(|_| vec![1.0]).collect();
        for (y, fam) in [
            (&yp, Family::Poisson),
            (&yn, Family::NegativeBinomial { theta: Some(2.0) }),
        ] {
            let full = fit_glm(&x, y, None, fam, &GlmParams::new()).unwrap();
            let null = fit_glm(&ones, y, None, fam, &GlmParams::new()).unwrap();
            assert_abs_diff_eq!(full.null_deviance, null.deviance, epsilon = 1e-8);
        }
    }

    #[test]
    fn fit_grouped_equals_row_level_fit() {
        // Two binary columns: 4 distinct rows.
        let x: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![1.0, (i % 2) as f64, (i % 5 == 0) as u8 as f64])
            .collect();
        let y: Vec<f64> = (0..200)
            .map(|i| ((i * 7919) % 11) as f64 * 0.5)
            .map(f64::floor)
            .collect();
        let mut groups: std::collections::BTreeMap<(u8, u8), (f64, f64)> = Default::default();
        for (r, yi) in x.iter().zip(&y) {
            let e = groups.entry((r[1] as u8, r[2] as u8)).or_insert((0.0, 0.0));
            e.0 += 1.0;
            e.1 += yi;
        }
        let xg: Vec<Vec<f64>> = groups
            .keys()
            .map(|k| vec![1.0, k.0 as f64, k.1 as f64])
            .collect();
        let cells: Vec<f64> = groups.values().map(|v| v.0).collect();
        let ysum: Vec<f64> = groups.values().map(|v| v.1).collect();
        for theta in [None, Some(1.5)] {
            let fam = match theta {
                None => Family::Poisson,
                Some(t) => Family::NegativeBinomial { theta: Some(t) },
            };
            let full = fit_glm(&x, &y, None, fam, &GlmParams::new()).unwrap();
            let grp = fit_grouped(&xg, &cells, &ysum, theta, &GlmParams::new()).unwrap();
            for (a, b) in full.coef.iter().zip(&grp.coef) {
                assert_abs_diff_eq!(*a, *b, epsilon = 1e-6);
            }
        }
    }

    /// Seeded nested/random indicator columns: the compact design equals the dense one.
    fn indicator_case(seed: u64, n: usize) -> (Vec<Vec<u8>>, Vec<f64>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut cols: Vec<Vec<u8>> = Vec::new();
        for _layer in 0..3 {
            // Nested proximity-like columns (level ≥ k), then noisy density-like ones.
            let level: Vec<u8> = (0..n).map(|_| rng.random_range(0..5u8)).collect();
            for k in 1..=3u8 {
                cols.push(level.iter().map(|&l| u8::from(l >= k)).collect());
            }
            for _ in 0..2 {
                cols.push(
                    (0..n)
                        .map(|_| u8::from(rng.random::<f64>() < 0.2))
                        .collect(),
                );
            }
        }
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let s: u8 = cols.iter().map(|c| c[i]).sum();
                (rng.random::<f64>() * (1.0 + f64::from(s) * 0.4)).floor()
            })
            .collect();
        (cols, y)
    }

    #[test]
    fn indicator_design_matches_dense_design() {
        use super::Design as _;
        use rand::{Rng, SeedableRng};
        for seed in 1..=3u64 {
            let n = 500;
            let (cols, _) = indicator_case(seed, n);
            let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
            let rows: Vec<usize> = (0..n).rev().step_by(2).collect();
            // Small pattern cap: several blocks per "layer", cross-block terms exercised.
            for cap in [3usize, 8, 256] {
                let d = IndicatorDesign::new(&refs, &rows, cap);
                let dense: Vec<Vec<f64>> = rows
                    .iter()
                    .map(|&i| {
                        let mut r = vec![1.0];
                        r.extend(cols.iter().map(|c| f64::from(c[i])));
                        r
                    })
                    .collect();
                let dd = DenseRows(&dense);
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 100);
                let w: Vec<f64> = (0..rows.len()).map(|_| rng.random::<f64>() + 0.1).collect();
                let z: Vec<f64> = (0..rows.len()).map(|_| rng.random::<f64>() - 0.5).collect();
                let beta: Vec<f64> = (0..dd.cols()).map(|_| rng.random::<f64>() - 0.5).collect();
                let (ga, gb) = (d.gram_w(&w), dd.gram_w(&w));
                for (ra, rb) in ga.iter().zip(&gb) {
                    for (a, b) in ra.iter().zip(rb) {
                        assert_abs_diff_eq!(*a, *b, epsilon = 1e-10);
                    }
                }
                for (a, b) in d.xtwz(&w, &z).iter().zip(&dd.xtwz(&w, &z)) {
                    assert_abs_diff_eq!(*a, *b, epsilon = 1e-10);
                }
                for (a, b) in d.eta(&beta, Some(&z)).iter().zip(&dd.eta(&beta, Some(&z))) {
                    assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
                }
                // A row subset keeps the pattern tables.
                let sub: Vec<usize> = (0..rows.len()).step_by(3).collect();
                let ds = d.select(&sub);
                let dense_s: Vec<Vec<f64>> = sub.iter().map(|&i| dense[i].clone()).collect();
                let es = DenseRows(&dense_s).eta(&beta, None);
                for (a, b) in ds.eta(&beta, None).iter().zip(&es) {
                    assert_abs_diff_eq!(*a, *b, epsilon = 1e-12);
                }
            }
        }
    }

    #[test]
    fn fit_poisson_penalized_design_equals_dense_fit() {
        for seed in 1..=3u64 {
            let n = 400;
            let (cols, y) = indicator_case(seed, n);
            let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
            let rows: Vec<usize> = (0..n).collect();
            let d = IndicatorDesign::new(&refs, &rows, 4);
            let dense: Vec<Vec<f64>> = rows
                .iter()
                .map(|&i| {
                    let mut r = vec![1.0];
                    r.extend(cols.iter().map(|c| f64::from(c[i])));
                    r
                })
                .collect();
            let off: Vec<f64> = (0..n).map(|i| ((i % 4) as f64 + 1.0).ln()).collect();
            let mut pf = vec![1.0; dense[0].len()];
            pf[0] = 0.0;
            for (lam, a) in [(0.05, 0.5), (0.01, 1.0), (0.002, 0.3)] {
                let pp = PenalizedParams::new(lam, a).penalty_factor(pf.clone());
                let fd = fit_poisson_penalized(&dense, &y, Some(&off), &pp, None).unwrap();
                let fc = fit_poisson_penalized_design(&d, &y, Some(&off), &pp, None).unwrap();
                for (x, z) in fc.coef.iter().zip(&fd.coef) {
                    assert_abs_diff_eq!(*x, *z, epsilon = 1e-8);
                    assert_eq!(*x == 0.0, *z == 0.0, "same zero pattern");
                }
                assert_abs_diff_eq!(fc.objective, fd.objective, epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn fit_glm_collinear_names_column() {
        let x: Vec<Vec<f64>> = (0..30)
            .map(|i| {
                let a = (i % 2) as f64;
                let b = (i % 3 == 0) as u8 as f64;
                vec![1.0, a, b, a + 2.0 * b]
            })
            .collect();
        let y: Vec<f64> = (0..30).map(|i| (i % 4) as f64).collect();
        let e = fit_glm(&x, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Degenerate {
                    analysis: "GLM",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("column 3"), "{e}");
        // A constant column besides the intercept.
        let x2: Vec<Vec<f64>> = (0..30).map(|i| vec![1.0, (i % 2) as f64, 1.0]).collect();
        let e = fit_glm(&x2, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
        assert!(e.to_string().contains("column 2"), "{e}");
        let x3: Vec<Vec<f64>> = (0..30).map(|i| vec![1.0, 0.0, (i % 2) as f64]).collect();
        let e = fit_glm(&x3, &y, None, Family::Poisson, &GlmParams::new()).unwrap_err();
        assert!(
            e.to_string()
                .contains("column 1 of the design matrix is all zero"),
            "{e}"
        );
    }

    #[test]
    fn fit_glm_all_zero_counts_is_an_error() {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![1.0, (i % 2) as f64]).collect();
        let e = fit_glm(&x, &[0.0; 10], None, Family::Poisson, &GlmParams::new()).unwrap_err();
        assert!(e.to_string().contains("all counts are zero"), "{e}");
    }

    #[test]
    fn fit_glm_nonconvergence_names_iterations() {
        let Design(x, off, yp, _, _) = design();
        let e = fit_glm(
            &x,
            &yp,
            Some(&off),
            Family::Poisson,
            &GlmParams::new().max_iter(2),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Numerical(_)));
        assert!(
            e.to_string().contains("did not converge in 2 iterations"),
            "{e}"
        );
    }

    #[test]
    fn fit_glm_bad_input_is_an_error() {
        let x = vec![vec![1.0], vec![1.0]];
        assert!(fit_glm(&x, &[1.0], None, Family::Poisson, &GlmParams::new()).is_err());
        assert!(fit_glm(&x, &[1.0, -1.0], None, Family::Poisson, &GlmParams::new()).is_err());
        let x = vec![vec![1.0, 0.0], vec![1.0]];
        assert!(fit_glm(&x, &[1.0, 2.0], None, Family::Poisson, &GlmParams::new()).is_err());
        let fam = Family::NegativeBinomial { theta: Some(-1.0) };
        let x: Vec<Vec<f64>> = (0..5).map(|_| vec![1.0]).collect();
        assert!(fit_glm(&x, &[1.0, 2.0, 0.0, 3.0, 1.0], None, fam, &GlmParams::new()).is_err());
    }

    #[test]
    fn fit_glm_nb_equidispersed_reports_theta_divergence() {
        // Perfectly equal counts: no overdispersion at all, θ → ∞.
        let x: Vec<Vec<f64>> = (0..50).map(|i| vec![1.0, (i % 2) as f64]).collect();
        let y: Vec<f64> = (0..50)
            .map(|i| if i % 2 == 0 { 3.0 } else { 5.0 })
            .collect();
        let e = fit_glm(
            &x,
            &y,
            None,
            Family::NegativeBinomial { theta: None },
            &GlmParams::new(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("θ"), "{e}");
    }

    #[test]
    fn special_functions_known_values() {
        assert_abs_diff_eq!(ln_gamma(1.0), 0.0, epsilon = 1e-13);
        assert_abs_diff_eq!(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            epsilon = 1e-13
        );
        assert_abs_diff_eq!(ln_gamma(101.0), 363.73937555556347, epsilon = 1e-10);
        assert_abs_diff_eq!(digamma(1.0), -0.5772156649015329, epsilon = 1e-13);
        assert_abs_diff_eq!(
            trigamma(1.0),
            std::f64::consts::PI.powi(2) / 6.0,
            epsilon = 1e-13
        );
        assert_abs_diff_eq!(two_sided_p(1.959963984540054), 0.05, epsilon = 1e-13);
        assert_abs_diff_eq!(two_sided_p(0.0), 1.0, epsilon = 1e-14);
        assert_abs_diff_eq!(two_sided_p(5.0), 5.733031437583878e-07, epsilon = 1e-19);
        assert_abs_diff_eq!(normal_quantile(0.975), 1.959963984540054, epsilon = 1e-12);
        assert_abs_diff_eq!(normal_quantile(0.001), -3.090232306167813, epsilon = 1e-12);
    }
}
