//! A spatial null for risk-terrain factors: does a layer beat copies of itself
//! shifted around the study area?
//!
//! # Why
//! A fitted RTM keeps a factor when its indicator lowers BIC. When crime clusters for
//! reasons no layer explains (hot spots, repeats, near-repeat chains), any layer that
//! itself clusters — and so overlaps some of that residual clustering by chance — can
//! pass a test that assumes independent cells. On the demo city a decoy layer (fire
//! hydrants, relative risk 1.0) entered at RRV 1.07 with a Wald p of 3·10⁻⁴.
//!
//! # Algorithm (toroidal shift test, Lotwick & Silverman 1982; Besag 1977)
//! For every factor `j` of the selected model, with the model's family (negative
//! binomial θ held at the fitted value):
//! 1. `LR_obs = 2 (ℓ(model) − ℓ(model without j))`, or 0 when `β_j ≤ 0`
//!    (log-likelihood kernels of the pattern-grouped fits, which are exact for
//!    Poisson and for NB with θ fixed).
//! 2. `shifts` times: the factor's indicator raster on the **whole grid** is moved by a
//!    random toroidal shift `(Δc, Δr)` (uniform over the grid's columns and rows, each
//!    shift redrawn until its wrap-around length `C·√(min(Δc, W−Δc)² + min(Δr, H−Δr)²)`
//!    is at least `min_shift` = `shift_factor` × the factor's spatial influence and at
//!    least one cell), read back on the study cells, and put in place of the factor;
//!    the model is refitted and `LR_s` computed in the same way. The shifted layer keeps
//!    its own clustering (its shape, spacing and share of cells), only its position
//!    relative to the crime is random.
//! 3. `p = (#{LR_s ≥ LR_obs} + 1)/(shifts + 1)`, one-sided; the factor is kept when
//!    `p < alpha`. `share = #{LR_s ≥ LR_obs}/shifts` is reported.
//!
//! Factors that fail are removed together and the model is refitted once (the test is
//! not iterated). Shift `s` draws from ChaCha8 stream `s` of the seed, the same shifts
//! for every factor (apart from the minimum-length rejection), so results do not
//! depend on the number of threads.
//!
//! # Notes
//! * With a study-area mask on an irregular area, a shift can bring cells from outside
//!   the area (often without features: water, another jurisdiction) into it, so a
//!   shifted copy covers on average a slightly different share of study cells; this
//!   makes the copies weaker, i.e. the test keeps factors slightly more easily there.
//!   On a rectangular study area the torus is exact.
//! * Cost per factor: `shifts` grouped GLM fits on a few dozen indicator patterns plus
//!   one pass over the study cells each.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::glm::{fit_grouped, GlmParams};
use crate::grid::Grid;

/// Settings of the spatial null test of [`crate::risk::fit_rtm`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpatialNullParams {
    /// Number of shifted copies per factor (0 = no test).
    pub shifts: usize,
    /// A factor is kept when its p against the shifted copies is below `alpha`.
    pub alpha: f64,
    /// Minimum shift length in units of the factor's spatial influence.
    pub shift_factor: f64,
}

impl Default for SpatialNullParams {
    fn default() -> Self {
        SpatialNullParams {
            shifts: 199,
            alpha: 0.05,
            shift_factor: 2.0,
        }
    }
}

impl SpatialNullParams {
    /// Defaults: 199 shifts, α = 0.05, shifts of at least 2 × the spatial influence.
    pub fn new() -> Self {
        Self::default()
    }
    /// No test (every selected factor is kept, as before the test existed).
    pub fn off() -> Self {
        SpatialNullParams {
            shifts: 0,
            ..Self::default()
        }
    }
    /// Sets the number of shifted copies.
    pub fn shifts(mut self, s: usize) -> Self {
        self.shifts = s;
        self
    }
    /// Sets α.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid_param(
                "alpha",
                self.alpha,
                "a significance level must be in (0, 1)",
            ));
        }
        if !(self.shift_factor.is_finite() && self.shift_factor >= 0.0) {
            return Err(Error::invalid_param(
                "shift_factor",
                self.shift_factor,
                "a shift factor must be >= 0",
            ));
        }
        Ok(())
    }
}

/// The spatial null test of one selected factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactorNullTest {
    /// Variable label, e.g. `hydrants:proximity@150m`.
    pub label: String,
    /// Likelihood-ratio statistic of the factor in the selected model (0 if β ≤ 0).
    pub lr: f64,
    /// Share of shifted copies with an LR at least as large.
    pub share: f64,
    /// `(#{LR_s ≥ LR} + 1)/(shifts + 1)`.
    pub p: f64,
    /// Shifted copies fitted.
    pub shifts: usize,
    /// Minimum shift length used (m).
    pub min_shift_m: f64,
    /// Whether the factor stays in the model (`p < alpha`).
    pub kept: bool,
}

/// Cells grouped by their 0/1 pattern on `cols` (< 64 columns): per distinct pattern, in
/// increasing order of the pattern (bit `b` = column `b`), the number of cells and their
/// count sum (summed in cell order). Up to 2^16 patterns go through a direct table, more
/// through a B-tree map (same order and sums either way).
pub(crate) fn pattern_groups_cols(cols: &[&[u8]], y: &[f64]) -> Vec<(u64, f64, f64)> {
    let mut keys = vec![0u64; y.len()];
    for (b, c) in cols.iter().enumerate() {
        for (k, &v) in keys.iter_mut().zip(c.iter()) {
            *k |= u64::from(v) << b;
        }
    }
    if cols.len() <= 16 {
        let mut tab = vec![(0.0f64, 0.0f64); 1usize << cols.len()];
        for (&k, yi) in keys.iter().zip(y) {
            let e = &mut tab[k as usize];
            e.0 += 1.0;
            e.1 += yi;
        }
        tab.iter()
            .enumerate()
            .filter(|(_, e)| e.0 > 0.0)
            .map(|(k, e)| (k as u64, e.0, e.1))
            .collect()
    } else {
        let mut groups: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
        for (&k, yi) in keys.iter().zip(y) {
            let e = groups.entry(k).or_insert((0.0, 0.0));
            e.0 += 1.0;
            e.1 += yi;
        }
        groups.into_iter().map(|(k, e)| (k, e.0, e.1)).collect()
    }
}

/// Coefficients and log-likelihood kernel of the fit on pattern groups of `m` columns.
fn fit_groups(
    groups: &[(u64, f64, f64)],
    m: usize,
    theta: Option<f64>,
    glm: &GlmParams,
) -> Option<(Vec<f64>, f64)> {
    let xg: Vec<Vec<f64>> = groups
        .iter()
        .map(|(k, _, _)| {
            let mut r = vec![1.0];
            r.extend((0..m).map(|b| ((k >> b) & 1) as f64));
            r
        })
        .collect();
    let cells: Vec<f64> = groups.iter().map(|v| v.1).collect();
    let ysum: Vec<f64> = groups.iter().map(|v| v.2).collect();
    fit_grouped(&xg, &cells, &ysum, theta, glm)
        .ok()
        .map(|f| (f.coef, f.loglik_kernel))
}

/// Coefficients and log-likelihood kernel of the grouped fit on `cols` (< 64 columns).
pub(crate) fn grouped_fit(
    cols: &[&[u8]],
    y: &[f64],
    theta: Option<f64>,
    glm: &GlmParams,
) -> Option<(Vec<f64>, f64)> {
    fit_groups(&pattern_groups_cols(cols, y), cols.len(), theta, glm)
}

/// LR of column `pos` from pattern groups (0 when its coefficient is ≤ 0 or a fit fails).
fn lr_of_groups(
    groups: &[(u64, f64, f64)],
    m: usize,
    pos: usize,
    reduced_kernel: f64,
    theta: Option<f64>,
    glm: &GlmParams,
) -> f64 {
    match fit_groups(groups, m, theta, glm) {
        Some((coef, k)) if coef[pos + 1] > 0.0 => (2.0 * (k - reduced_kernel)).max(0.0),
        _ => 0.0,
    }
}

/// LR of column `pos` of `cols` (0 when its coefficient is ≤ 0 or a fit fails).
fn lr_of(
    cols: &[&[u8]],
    pos: usize,
    reduced_kernel: f64,
    y: &[f64],
    theta: Option<f64>,
    glm: &GlmParams,
) -> f64 {
    lr_of_groups(
        &pattern_groups_cols(cols, y),
        cols.len(),
        pos,
        reduced_kernel,
        theta,
        glm,
    )
}

/// The toroidal shift `(Δc, Δr)` of replicate `s` with a wrap-around length of at least
/// `min_cells` cells (`None` when the grid is too small for such a shift).
fn shift_of(
    seed: u64,
    s: usize,
    ncols: usize,
    nrows: usize,
    min_cells: f64,
) -> Option<(usize, usize)> {
    let half_c = (ncols / 2) as f64;
    let half_r = (nrows / 2) as f64;
    if half_c * half_c + half_r * half_r < min_cells * min_cells {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(s as u64);
    loop {
        let dc = rng.random_range(0..ncols);
        let dr = rng.random_range(0..nrows);
        let a = dc.min(ncols - dc) as f64;
        let b = dr.min(nrows - dr) as f64;
        if a * a + b * b >= min_cells * min_cells && (dc, dr) != (0, 0) {
            return Some((dc, dr));
        }
    }
}

/// A factor raster under one toroidal shift, read on the study cells.
struct Shifted<'a> {
    full: &'a [u8],
    cr: &'a [(usize, usize)],
    nc: usize,
    nr: usize,
    dc: usize,
    dr: usize,
}

impl Shifted<'_> {
    /// The shifted raster's value at study cell (column `c`, row `r`).
    #[inline]
    fn at(&self, c: usize, r: usize) -> u8 {
        let sc = if c >= self.dc {
            c - self.dc
        } else {
            c + self.nc - self.dc
        };
        let sr = if r >= self.dr {
            r - self.dr
        } else {
            r + self.nr - self.dr
        };
        self.full[sr * self.nc + sc]
    }

    /// LR of the shifted copy in place of column `j` of `cols`. `base` holds the pattern
    /// keys of the other columns. `direct` tallies the `2^m` patterns in one pass over
    /// the cells (cell order, as [`pattern_groups_cols`]); otherwise the shifted column is
    /// built and grouped with the other columns.
    #[allow(clippy::too_many_arguments)]
    fn lr(
        &self,
        cols: &[&[u8]],
        base: &[u64],
        j: usize,
        reduced_kernel: f64,
        y: &[f64],
        theta: Option<f64>,
        glm: &GlmParams,
        direct: bool,
    ) -> f64 {
        let m = cols.len();
        if direct {
            let mut tab = vec![(0.0f64, 0.0f64); 1usize << m];
            for ((&(c, r), &b), yi) in self.cr.iter().zip(base).zip(y) {
                let key = b | (u64::from(self.at(c, r)) << j);
                let e = &mut tab[key as usize];
                e.0 += 1.0;
                e.1 += yi;
            }
            let groups: Vec<(u64, f64, f64)> = tab
                .iter()
                .enumerate()
                .filter(|(_, e)| e.0 > 0.0)
                .map(|(k, e)| (k as u64, e.0, e.1))
                .collect();
            lr_of_groups(&groups, m, j, reduced_kernel, theta, glm)
        } else {
            let shifted: Vec<u8> = self.cr.iter().map(|&(c, r)| self.at(c, r)).collect();
            let mut cs = cols.to_vec();
            cs[j] = &shifted;
            lr_of(&cs, j, reduced_kernel, y, theta, glm)
        }
    }
}

/// One factor to test: its label, spatial influence and full-grid raster.
pub(crate) struct NullFactor<'a> {
    pub label: String,
    pub distance: f64,
    pub full: &'a [u8],
    pub study: &'a [u8],
}

/// Runs the spatial null test for every factor of a selected model (see the module
/// docs). `keep` are the study cells' ids on `grid`, `y` their counts, `theta` the NB θ
/// of the selected model (None for Poisson).
///
/// # Errors
/// [`Error::InvalidParam`] for bad settings or a grid too small to shift any factor far enough.
#[allow(clippy::too_many_arguments)]
pub(crate) fn test_factors(
    grid: &Grid,
    keep: &[usize],
    factors: &[NullFactor],
    y: &[f64],
    theta: Option<f64>,
    glm: &GlmParams,
    params: &SpatialNullParams,
    seed: u64,
) -> Result<Vec<FactorNullTest>> {
    params.validate()?;
    if params.shifts == 0 || factors.is_empty() {
        return Ok(Vec::new());
    }
    if factors.len() >= 64 {
        return Err(Error::limit(
            "factors",
            factors.len(),
            63,
            "the RTM spatial null keys factor patterns with 64 bits",
        ));
    }
    let (nc, nr) = (grid.ncols, grid.nrows);
    let cols: Vec<&[u8]> = factors.iter().map(|f| f.study).collect();
    let full_kernel = grouped_fit(&cols, y, theta, glm).map(|f| f.1);
    // per factor: reduced kernel, observed LR, minimum shift
    let setup: Vec<(f64, f64, f64)> = factors
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let reduced: Vec<&[u8]> = cols
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != j)
                .map(|(_, c)| *c)
                .collect();
            let red = grouped_fit(&reduced, y, theta, glm).map_or(f64::NAN, |r| r.1);
            let lr = match full_kernel {
                Some(_) => lr_of(&cols, j, red, y, theta, glm),
                None => 0.0,
            };
            let min_shift = (params.shift_factor * f.distance).max(grid.cell);
            (red, lr, min_shift)
        })
        .collect();
    // column and row of every study cell
    let cr: Vec<(usize, usize)> = keep.iter().map(|&id| (id % nc, id / nc)).collect();
    let m = factors.len();
    let mut out = Vec::with_capacity(m);
    for (j, f) in factors.iter().enumerate() {
        let (red, lr_obs, min_shift) = setup[j];
        let min_cells = min_shift / grid.cell;
        if shift_of(seed, 0, nc, nr, min_cells).is_none() {
            return Err(Error::degenerate(
                "the RTM spatial null",
                format!(
                    "the grid ({nc} x {nr} cells of {} m) is too small to shift {} by at least {min_shift} m",
                    grid.cell, f.label
                ),
            ));
        }
        // pattern keys of the other factors (bit j left free for the shifted copy)
        let mut base = vec![0u64; y.len()];
        for (b, c) in cols.iter().enumerate().filter(|(b, _)| *b != j) {
            for (k, &v) in base.iter_mut().zip(c.iter()) {
                *k |= u64::from(v) << b;
            }
        }
        let lrs: Vec<f64> = (0..params.shifts)
            .into_par_iter()
            .map(|s| {
                let Some((dc, dr)) = shift_of(seed, s, nc, nr, min_cells) else {
                    return 0.0;
                };
                let sh = Shifted {
                    full: f.full,
                    cr: &cr,
                    nc,
                    nr,
                    dc,
                    dr,
                };
                sh.lr(&cols, &base, j, red, y, theta, glm, m <= 16)
            })
            .collect();
        let ge = lrs.iter().filter(|v| **v >= lr_obs).count();
        let p = (ge + 1) as f64 / (params.shifts + 1) as f64;
        out.push(FactorNullTest {
            label: f.label.clone(),
            lr: lr_obs,
            share: ge as f64 / params.shifts as f64,
            p,
            shifts: params.shifts,
            min_shift_m: min_shift,
            kept: p < params.alpha,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_of_respects_minimum_and_is_deterministic() {
        for s in 0..200 {
            let (dc, dr) = shift_of(7, s, 40, 30, 6.0).unwrap();
            let a = dc.min(40 - dc) as f64;
            let b = dr.min(30 - dr) as f64;
            assert!(a * a + b * b >= 36.0);
            assert_eq!(shift_of(7, s, 40, 30, 6.0), Some((dc, dr)));
        }
        assert!(shift_of(7, 0, 4, 4, 10.0).is_none());
    }

    #[test]
    fn shifted_direct_tally_equals_grouping() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (nc, nr) = (23usize, 17usize);
        let n = nc * nr;
        // study cells: every cell but a corner block
        let keep: Vec<usize> = (0..n).filter(|id| !(id % nc < 5 && id / nc < 4)).collect();
        let cr: Vec<(usize, usize)> = keep.iter().map(|&id| (id % nc, id / nc)).collect();
        let full: Vec<Vec<u8>> = (0..3)
            .map(|_| {
                (0..n)
                    .map(|_| u8::from(rng.random::<f64>() < 0.3))
                    .collect()
            })
            .collect();
        let study: Vec<Vec<u8>> = full
            .iter()
            .map(|f| keep.iter().map(|&id| f[id]).collect())
            .collect();
        let cols: Vec<&[u8]> = study.iter().map(|c| c.as_slice()).collect();
        let y: Vec<f64> = (0..keep.len())
            .map(|k| (rng.random_range(0..3) + 2 * cols[1][k] as usize) as f64)
            .collect();
        let glm = GlmParams::new();
        for theta in [None, Some(2.0)] {
            #[allow(clippy::needless_range_loop)]
            for j in 0..3 {
                let reduced: Vec<&[u8]> = (0..3).filter(|&k| k != j).map(|k| cols[k]).collect();
                let red = grouped_fit(&reduced, &y, theta, &glm).unwrap().1;
                let mut base = vec![0u64; y.len()];
                for (b, c) in cols.iter().enumerate().filter(|(b, _)| *b != j) {
                    for (k, &v) in base.iter_mut().zip(c.iter()) {
                        *k |= u64::from(v) << b;
                    }
                }
                for (dc, dr) in [(0, 0), (3, 0), (7, 11), (22, 16)] {
                    let sh = Shifted {
                        full: &full[j],
                        cr: &cr,
                        nc,
                        nr,
                        dc,
                        dr,
                    };
                    let a = sh.lr(&cols, &base, j, red, &y, theta, &glm, true);
                    let b = sh.lr(&cols, &base, j, red, &y, theta, &glm, false);
                    assert_eq!(a, b, "theta {theta:?} j {j} shift {dc},{dr}");
                }
                // no shift reproduces the observed statistic
                let sh = Shifted {
                    full: &full[j],
                    cr: &cr,
                    nc,
                    nr,
                    dc: 0,
                    dr: 0,
                };
                let obs = lr_of(&cols, j, red, &y, theta, &glm);
                assert_eq!(sh.lr(&cols, &base, j, red, &y, theta, &glm, true), obs);
            }
        }
    }

    #[test]
    fn pattern_groups_cols_tally() {
        let a = [1u8, 0, 1, 1];
        let b = [0u8, 0, 1, 1];
        let y = [2.0, 1.0, 3.0, 4.0];
        let g = pattern_groups_cols(&[&a, &b], &y);
        assert_eq!(g, vec![(0, 1.0, 1.0), (1, 1.0, 2.0), (3, 2.0, 7.0)]);
    }
}
