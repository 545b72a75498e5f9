//! Kernel density estimation on a grid.
//!
//! # Algorithm
//! `f(c) = Σ_i w_i K_h(‖c − p_i‖)` evaluated at cell centres (or averaged over
//! sample points inside each cell, see [`Evaluation`]); a **sum** of kernels,
//! not divided by N, so the surface integrates to N (the weight total) over
//! the plane. No edge correction. Kernels (each integrates to 1 in 2-D; `u = d/h`,
//! compact kernels are 0 for `d ≥ h`, strict as in the golden files):
//!
//! * quartic (biweight; Silverman 1986, CrimeStat, ArcGIS): `3/(πh²)(1 − u²)²`
//! * Epanechnikov: `2/(πh²)(1 − u²)`
//! * triangular (cone): `3/(πh²)(1 − u)`
//! * uniform (disc): `1/(πh²)`
//! * Gaussian with σ = h: `1/(2πh²) exp(−d²/(2h²))`, truncated beyond
//!   `gaussian_cutoff·h` (default 8, where the kernel is 1.3e-14 of its peak;
//!   `f64::INFINITY` = no truncation).
//!
//! Two exact evaluations, chosen by cost (the results agree to rounding, ~1e-12):
//!
//! * **Moments** (quartic, Epanechnikov and uniform kernels with one bandwidth,
//!   when there are at least 8 points per bin of the sample spacing over the
//!   grid extended by h): inside the support these kernels are polynomials in
//!   `h² − d²`, so the points of a bin or quadtree node that lies entirely inside
//!   the support of a sample point add up exactly from nine raw moments of the
//!   node; only nodes cut by the support circle are descended, down to leaves whose
//!   points are evaluated one by one. Cost O(N) to bin, then per sample point
//!   O((h/C)²) vectorised moment terms plus a band of points along the support
//!   edge, whatever N. See `kde/binned.rs` for the formulas.
//! * **Stencil** (every other case, e.g. the triangular kernel, which is not
//!   polynomial in d², the Gaussian, adaptive bandwidths, or few points): each point
//!   only touches the cells whose sample points lie within its support: cost
//!   O(N·(h/C)²), never cells × points. Rows of the output are computed in
//!   parallel bands, each summing the points in a fixed order (sorted by y, then
//!   input order).
//!
//! Either way every value is summed by one thread in a fixed order, so results
//! do not depend on the number of threads.
//!
//! # Bandwidth rules ([`Bandwidth`])
//! * ArcGIS Kernel Density default (Silverman's rule, spatial variant):
//!   `h = 0.9·min(SD, √(1/ln 2)·D_m)·n^(−0.2)`, SD = standard distance
//!   `√(Σ(x − x̄)²/n + Σ(y − ȳ)²/n)`, D_m = median distance to the mean centre.
//! * Scott (1992) for d = 2: `h = σ̄·n^(−1/6)`, `σ̄ = √((s_x² + s_y²)/2)` (ddof 1).
//! * Adaptive: `h_i` = distance from point i to its k-th nearest other point,
//!   at least `min_bandwidth` (default: the cell size).
//!
//! The rule's `h` is used as the kernel's `h` (radius of compact kernels, σ of
//! the Gaussian).
//!
//! # Small bandwidths
//! With `h` smaller than the cell, centre values miss most points. The default
//! [`Evaluation::Auto`] then averages the kernel over `s × s` sample points per
//! cell with `s = ⌈2C/h⌉` (spacing ≤ h/2), so the expected count per cell
//! stays close to the number of points in it instead of collapsing to 0.
//!
//! # Files
//! This file holds the kernels, the parameters and [`kde`]; `kde/bandwidth.rs` the
//! bandwidth rules; `kde/binned.rs` the moment path; `kde/stencil.rs` the stencil
//! path; `kde/dual.rs` [`dual_kde`]; `kde/tests.rs` the tests.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::grid::Grid;

mod bandwidth;
mod binned;
mod dual;
mod stencil;
#[cfg(test)]
mod tests;

pub use bandwidth::{bandwidth_arcgis, bandwidth_scott, knn_bandwidths};
pub use dual::{dual_kde, DualKdeResult, DualMode};
use stencil::scatter;

/// Kernel function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// Quartic / biweight `3/(πh²)(1 − u²)²`.
    #[default]
    Quartic,
    /// Gaussian with σ = h.
    Gaussian,
    /// Epanechnikov `2/(πh²)(1 − u²)`.
    Epanechnikov,
    /// Triangular (cone) `3/(πh²)(1 − u)`.
    Triangular,
    /// Uniform disc `1/(πh²)`.
    Uniform,
}

impl Kernel {
    /// Name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Quartic => "quartic",
            Kernel::Gaussian => "gaussian",
            Kernel::Epanechnikov => "epanechnikov",
            Kernel::Triangular => "triangular",
            Kernel::Uniform => "uniform",
        }
    }

    /// Kernel value at squared distance `d2` for bandwidth `h` (per m²).
    #[inline]
    pub fn eval(self, d2: f64, h: f64) -> f64 {
        use std::f64::consts::PI;
        let h2 = h * h;
        match self {
            Kernel::Gaussian => 1.0 / (2.0 * PI * h2) * (-d2 / (2.0 * h2)).exp(),
            _ if d2 >= h2 => 0.0,
            Kernel::Quartic => {
                let t = 1.0 - d2 / h2;
                3.0 / (PI * h2) * (t * t)
            }
            Kernel::Epanechnikov => 2.0 / (PI * h2) * (1.0 - d2 / h2),
            Kernel::Triangular => 3.0 / (PI * h2) * (1.0 - (d2 / h2).sqrt()),
            Kernel::Uniform => 1.0 / (PI * h2),
        }
    }
}

/// How the bandwidth is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Bandwidth {
    /// A fixed bandwidth in metres.
    Fixed {
        /// h (m).
        h: f64,
    },
    /// ArcGIS's default rule.
    #[default]
    ArcGis,
    /// Scott's rule (2-D).
    Scott,
    /// k-nearest-neighbour adaptive bandwidth per point.
    Adaptive {
        /// Neighbour rank.
        k: usize,
    },
}

/// Where the kernel is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Evaluation {
    /// Centres when `h ≥ C`, else the cell average with `s = ⌈2C/h⌉`.
    #[default]
    Auto,
    /// Cell centres only (as ArcGIS and the golden files).
    Centre,
    /// Average over `samples × samples` regularly placed points per cell.
    CellAverage {
        /// Samples per side.
        samples: usize,
    },
}

/// Parameters of [`kde`].
#[derive(Debug, Clone, Serialize)]
pub struct KdeParams {
    /// Kernel. Default quartic.
    pub kernel: Kernel,
    /// Bandwidth. Default ArcGIS's rule.
    pub bandwidth: Bandwidth,
    /// Evaluation. Default auto.
    pub evaluation: Evaluation,
    /// Gaussian truncation in units of h. Default 8.
    pub gaussian_cutoff: f64,
    /// Smallest adaptive bandwidth (m); default the cell size.
    pub min_bandwidth: Option<f64>,
}

impl Default for KdeParams {
    fn default() -> Self {
        KdeParams {
            kernel: Kernel::Quartic,
            bandwidth: Bandwidth::ArcGis,
            evaluation: Evaluation::Auto,
            gaussian_cutoff: 8.0,
            min_bandwidth: None,
        }
    }
}

impl KdeParams {
    /// Defaults: quartic, ArcGIS bandwidth, auto evaluation.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the kernel.
    pub fn kernel(mut self, k: Kernel) -> Self {
        self.kernel = k;
        self
    }
    /// Sets the bandwidth rule.
    pub fn bandwidth(mut self, b: Bandwidth) -> Self {
        self.bandwidth = b;
        self
    }
    /// Sets a fixed bandwidth (m).
    pub fn fixed(self, h: f64) -> Self {
        self.bandwidth(Bandwidth::Fixed { h })
    }
    /// Sets the evaluation.
    pub fn evaluation(mut self, e: Evaluation) -> Self {
        self.evaluation = e;
        self
    }
    /// Sets the Gaussian truncation (units of h; `f64::INFINITY` for none).
    pub fn gaussian_cutoff(mut self, c: f64) -> Self {
        self.gaussian_cutoff = c;
        self
    }
    /// Sets the smallest adaptive bandwidth (m).
    pub fn min_bandwidth(mut self, h: f64) -> Self {
        self.min_bandwidth = Some(h);
        self
    }
}

/// A density surface over a grid (full rectangle, id order).
#[derive(Debug, Clone, Serialize)]
pub struct KdeResult {
    /// The grid.
    pub grid: Grid,
    /// Parameters as given.
    pub params: KdeParams,
    /// The bandwidth used (m); the median for adaptive bandwidths.
    pub bandwidth_m: f64,
    /// Smallest and largest bandwidth (equal unless adaptive).
    pub bandwidth_range: [f64; 2],
    /// How the bandwidth was chosen, with numbers.
    pub bandwidth_rule: String,
    /// Sample points per cell side (1 = centres).
    pub samples_per_side: usize,
    /// Number of points.
    pub n_points: usize,
    /// Sum of point weights.
    pub total_weight: f64,
    /// Density per km² per cell.
    #[serde(skip)]
    pub density_km2: Vec<f64>,
    /// Expected count per cell (density × cell area).
    #[serde(skip)]
    pub expected: Vec<f64>,
    /// Sum of expected counts (≈ N minus mass outside the grid).
    pub expected_sum: f64,
    /// Largest density per km².
    pub max_density_km2: f64,
}

fn check_points(pts: &[[f64; 2]], w: Option<&[f64]>) -> Result<()> {
    if pts.is_empty() {
        return Err(Error::too_few("kernel density", "points", 1, 0));
    }
    if let Some(index) = pts
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        let [x, y] = pts[index];
        return Err(Error::NonFinitePoint {
            what: "point",
            index,
            x,
            y,
        });
    }
    if let Some(w) = w {
        if w.len() != pts.len() {
            return Err(Error::LengthMismatch {
                what: "weights",
                got: w.len(),
                per: "points",
                expected: pts.len(),
            });
        }
        if let Some(index) = w.iter().position(|v| !v.is_finite()) {
            return Err(Error::BadValue {
                what: "weight",
                index,
                value: w[index],
                expected: "not a finite number",
            });
        }
    }
    Ok(())
}

/// Largest fine grid [`kde`] evaluates (sample points).
const MAX_SAMPLES: usize = 100_000_000;

/// Points per bin (sample spacing, grid extended by h) from which the moment path
/// is used: its nine moment terms per bin and offset cost about as much as eight
/// point evaluations of the stencil.
const MIN_POINTS_PER_BIN: usize = 8;

/// Kernel density of points (optionally weighted) on `grid`.
///
/// # Examples
/// ```
/// use crimescape::{kde, Bandwidth, Grid, KdeParams};
/// // 100 incidents at one place, on a 1 km square of 50 m cells
/// let grid = Grid::new(0.0, 0.0, 50.0, 20, 20).unwrap();
/// let pts = vec![[500.0, 500.0]; 100];
/// let p = KdeParams::new().bandwidth(Bandwidth::Fixed { h: 200.0 });
/// let r = kde(&grid, &pts, None, &p).unwrap();
/// // the surface holds the 100 incidents (the kernel lies inside the grid)
/// assert!((r.expected_sum - 100.0).abs() < 1.0, "{}", r.expected_sum);
/// // quartic kernel 3/(πh²)(1 − d²/h²)², read at the nearest cell centres (d = 25√2 m)
/// let peak = 100.0 * 3.0 / (std::f64::consts::PI * 200.0 * 200.0)
///     * (1.0 - 1250.0 / 40000.0_f64).powi(2)
///     * 1e6;
/// assert!((r.max_density_km2 - peak).abs() < 1e-9 * peak);
/// // nothing beyond the bandwidth
/// let far = grid.cell_of(25.0, 25.0).unwrap();
/// assert_eq!(r.density_km2[far], 0.0);
/// ```
pub fn kde(
    grid: &Grid,
    pts: &[[f64; 2]],
    weights: Option<&[f64]>,
    params: &KdeParams,
) -> Result<KdeResult> {
    check_points(pts, weights)?;
    if params.gaussian_cutoff.is_nan() || params.gaussian_cutoff <= 0.0 {
        return Err(Error::invalid_param(
            "gaussian_cutoff",
            params.gaussian_cutoff,
            "the gaussian cutoff must be > 0",
        ));
    }
    let (hs, rule): (Vec<f64>, String) = match params.bandwidth {
        Bandwidth::Fixed { h } => {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::invalid_param(
                    "bandwidth",
                    h,
                    "the bandwidth must be > 0",
                ));
            }
            (vec![h], format!("fixed {h} m"))
        }
        Bandwidth::ArcGis => {
            let h = bandwidth_arcgis(pts)?;
            (
                vec![h],
                format!("ArcGIS default 0.9*min(SD, sqrt(1/ln2)*Dm)*n^-0.2 = {h:.1} m"),
            )
        }
        Bandwidth::Scott => {
            let h = bandwidth_scott(pts)?;
            (vec![h], format!("Scott sigma*n^(-1/6) = {h:.1} m"))
        }
        Bandwidth::Adaptive { k } => {
            let floor = params.min_bandwidth.unwrap_or(grid.cell);
            if !(floor.is_finite() && floor > 0.0) {
                return Err(Error::invalid_param(
                    "min_bandwidth",
                    floor,
                    "the minimum bandwidth must be > 0",
                ));
            }
            let v: Vec<f64> = knn_bandwidths(pts, k)?
                .into_iter()
                .map(|h| h.max(floor))
                .collect();
            (
                v,
                format!("adaptive: distance to the {k}-th nearest point, at least {floor} m"),
            )
        }
    };
    let hmin = hs.iter().copied().fold(f64::INFINITY, f64::min);
    let hmax = hs.iter().copied().fold(0.0, f64::max);
    let s = match params.evaluation {
        Evaluation::Centre => 1,
        Evaluation::CellAverage { samples } => samples.max(1),
        Evaluation::Auto => {
            if hmin >= grid.cell {
                1
            } else {
                (2.0 * grid.cell / hmin).ceil() as usize
            }
        }
    };
    let fine = grid.len().saturating_mul(s.saturating_mul(s));
    if fine > MAX_SAMPLES {
        return Err(Error::invalid_param(
            "bandwidth",
            format!("{hmin:.1} m"),
            format!(
                "too small for {} m cells on this grid ({s}x{s} samples per cell); use smaller cells, a larger bandwidth or centre evaluation",
                grid.cell
            ),
        ));
    }
    let (k, cut) = (params.kernel, params.gaussian_cutoff);
    let lattice = binned::Lattice {
        spacing: grid.cell / s as f64,
        ncols: grid.ncols * s,
        nrows: grid.nrows * s,
    };
    // the exact moment-based path when it pays: a polynomial kernel, one bandwidth
    // and enough points per bin (otherwise the per-point stencil is cheaper)
    let moments = if binned::supported(k)
        && hs.len() == 1
        && lattice
            .bins(hs[0])
            .is_some_and(|nb| pts.len() >= MIN_POINTS_PER_BIN.saturating_mul(nb))
    {
        binned::evaluate(&lattice, pts, weights, [grid.x0, grid.y0], hs[0], k)
    } else {
        None
    };
    // one copy of the loop per kernel, so that the kernel's branch leaves the inner loop
    let fine_vals = if let Some(v) = moments {
        v
    } else {
        match k {
            Kernel::Quartic => scatter(grid, s, pts, weights, &hs, k, cut, |d2, h| {
                Kernel::Quartic.eval(d2, h)
            }),
            Kernel::Gaussian => scatter(grid, s, pts, weights, &hs, k, cut, |d2, h| {
                Kernel::Gaussian.eval(d2, h)
            }),
            Kernel::Epanechnikov => scatter(grid, s, pts, weights, &hs, k, cut, |d2, h| {
                Kernel::Epanechnikov.eval(d2, h)
            }),
            Kernel::Triangular => scatter(grid, s, pts, weights, &hs, k, cut, |d2, h| {
                Kernel::Triangular.eval(d2, h)
            }),
            Kernel::Uniform => scatter(grid, s, pts, weights, &hs, k, cut, |d2, h| {
                Kernel::Uniform.eval(d2, h)
            }),
        }
    };
    let per_m2: Vec<f64> = if s == 1 {
        fine_vals
    } else {
        let fcols = grid.ncols * s;
        (0..grid.len())
            .into_par_iter()
            .map(|id| {
                let (c, r) = grid.col_row(id);
                let mut acc = 0.0;
                for j in r * s..(r + 1) * s {
                    for i in c * s..(c + 1) * s {
                        acc += fine_vals[j * fcols + i];
                    }
                }
                acc / (s * s) as f64
            })
            .collect()
    };
    let area = grid.cell * grid.cell;
    let density_km2: Vec<f64> = per_m2.iter().map(|v| v * 1e6).collect();
    let expected: Vec<f64> = per_m2.iter().map(|v| v * area).collect();
    let mut sorted = hs.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    Ok(KdeResult {
        grid: *grid,
        params: params.clone(),
        bandwidth_m: median,
        bandwidth_range: [hmin, hmax],
        bandwidth_rule: rule,
        samples_per_side: s,
        n_points: pts.len(),
        total_weight: weights.map_or(pts.len() as f64, |w| w.iter().sum()),
        expected_sum: expected.iter().sum(),
        max_density_km2: density_km2.iter().copied().fold(0.0, f64::max),
        density_km2,
        expected,
    })
}
