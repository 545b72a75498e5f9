//! GLM fits on grouped rows (cells with identical covariates).

use super::*;

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
