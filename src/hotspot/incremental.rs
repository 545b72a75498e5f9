//! The scale of clustering: incremental spatial autocorrelation (ArcGIS) and the
//! Optimized-Hot-Spot-Analysis rule for the Gi* distance band.
//!
//! # Incremental spatial autocorrelation
//! Global Moran's I ([`crate::hotspot::global_moran`]) with **binary distance-band**
//! weights (`d ≤ r`, self excluded, relative tolerance 1e-9 on `r²`), row-standardised by
//! default (ArcGIS's "Row Standardization", esda `transformation='r'`), for the bands
//! `r_k = start + k·increment`, `k = 0 … bands−1` (ArcGIS *Incremental Spatial
//! Autocorrelation*, Spatial Statistics toolbox). Per band: I, `E[I] = −1/(n−1)`, the
//! variance, z and two-sided p **under randomisation** (the assumption ArcGIS's Global
//! Moran's I reports), the mean number of neighbours and the isolates.
//! Defaults as ArcGIS: `start` = the largest nearest-neighbour distance (every unit has
//! at least one neighbour), `increment` = the mean nearest-neighbour distance (ArcGIS
//! also caps it by a maximum threshold distance, not applied here), 10 bands.
//!
//! A **peak** is a band whose z is larger than the z of the band before and the band
//! after it (the first and last bands are never peaks); `first_peak` and `max_peak`
//! are ArcGIS's two derived outputs, `first_significant_peak` the first peak with
//! `z > 0` and `p < alpha`.
//!
//! The weights are never stored: each band visits every unit's neighbours twice (counts,
//! then sums), through a stencil of cell offsets on grids or R-tree queries on points,
//! so memory is O(n) whatever the band.
//!
//! # Gi* distance band ([`choose_gistar_band`]): the rule
//! After ArcGIS's *How Optimized Hot Spot Analysis works* ("Scale of analysis"):
//! 1. Run the incremental spatial autocorrelation above with its defaults (10 bands from
//!    the largest nearest-neighbour distance in steps of the mean nearest-neighbour
//!    distance, row-standardised, randomisation z).
//! 2. If there is a peak with `z > 0` and `p < 0.05`, the band is the distance of the
//!    **first** such peak.
//! 3. Otherwise the band is the **mean distance to the K-th nearest neighbour** over all
//!    units, `K = round(0.05·n)` clamped to `3 … 30` (and below `n`).
//!
//! The choice, its reason and the whole incremental table are returned, so a report can
//! state why the band was chosen.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::gistar::moments;
use crate::hotspot::global::{kurtosis, moran_moments, z_and_p, Transform};
use crate::hotspot::CellGrid;
use crate::index::PointIndex;

/// Parameters of [`incremental_autocorrelation`].
#[derive(Debug, Clone, Serialize)]
pub struct IncrementalParams {
    /// First distance band (m); `None` = the largest nearest-neighbour distance.
    pub start: Option<f64>,
    /// Step between bands (m); `None` = the mean nearest-neighbour distance.
    pub increment: Option<f64>,
    /// Number of bands. Default 10.
    pub bands: usize,
    /// Weights transformation. Default row-standardised.
    pub transform: Transform,
    /// Significance level of a peak. Default 0.05.
    pub alpha: f64,
}

impl Default for IncrementalParams {
    fn default() -> Self {
        IncrementalParams {
            start: None,
            increment: None,
            bands: 10,
            transform: Transform::Row,
            alpha: 0.05,
        }
    }
}

impl IncrementalParams {
    /// ArcGIS defaults (see the module docs).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the first band (m); `None` restores the default (the largest
    /// nearest-neighbour distance).
    pub fn start(mut self, d: impl Into<Option<f64>>) -> Self {
        self.start = d.into();
        self
    }
    /// Sets the step (m); `None` restores the default (the mean nearest-neighbour
    /// distance).
    pub fn increment(mut self, d: impl Into<Option<f64>>) -> Self {
        self.increment = d.into();
        self
    }
    /// Sets the number of bands.
    pub fn bands(mut self, k: usize) -> Self {
        self.bands = k;
        self
    }
    /// Sets the weights transformation.
    pub fn transform(mut self, t: Transform) -> Self {
        self.transform = t;
        self
    }
    /// Sets the significance level of a peak.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
}

/// Moran's I at one distance band.
#[derive(Debug, Clone, Serialize)]
pub struct BandStat {
    /// Band distance (m), inclusive.
    pub distance: f64,
    /// Moran's I.
    pub moran_i: f64,
    /// `E[I] = −1/(n − 1)`.
    pub expected: f64,
    /// Variance under randomisation.
    pub variance: f64,
    /// z under randomisation.
    pub z: f64,
    /// Two-sided p of z.
    pub p: f64,
    /// Mean number of neighbours.
    pub mean_neighbours: f64,
    /// Units without a neighbour at this band.
    pub isolates: usize,
}

/// Result of [`incremental_autocorrelation`].
#[derive(Debug, Clone, Serialize)]
pub struct IncrementalResult {
    /// Units.
    pub n: usize,
    /// First band (m).
    pub start: f64,
    /// How it was chosen.
    pub start_rule: String,
    /// Step (m).
    pub increment: f64,
    /// How it was chosen.
    pub increment_rule: String,
    /// Weights transformation.
    pub transform: Transform,
    /// One row per band, increasing distance.
    pub bands: Vec<BandStat>,
    /// Indices of the peaks (z above both neighbouring bands).
    pub peaks: Vec<usize>,
    /// The first peak.
    pub first_peak: Option<usize>,
    /// The peak with the largest z.
    pub max_peak: Option<usize>,
    /// The first peak with z > 0 and p < alpha.
    pub first_significant_peak: Option<usize>,
}

/// Where the units are: grid cells (stencil neighbours) or points (R-tree).
enum Units<'a> {
    Grid(&'a CellGrid),
    Points(&'a [[f64; 2]], PointIndex),
}

impl Units<'_> {
    fn len(&self) -> usize {
        match self {
            Units::Grid(cg) => cg.len(),
            Units::Points(p, _) => p.len(),
        }
    }

    fn centres(&self) -> Vec<[f64; 2]> {
        match self {
            Units::Grid(cg) => cg.centres(),
            Units::Points(p, _) => p.to_vec(),
        }
    }

    /// Neighbour lister for band `r`: calls `f(j)` for every unit `j ≠ i` within `r`.
    fn band(&self, r: f64) -> Band<'_> {
        match self {
            Units::Grid(cg) => {
                let c = cg.grid.cell;
                let reach = (r / c).floor() as i64 + 1;
                // relative 1e-9: a band taken from centre-to-centre distances at
                // UTM-size coordinates (ulp ~1e-9 m) must still reach the cells it
                // was measured to
                let r2 = r * r * (1.0 + 1e-9);
                let mut stencil = Vec::new();
                for dr in -reach..=reach {
                    for dc in -reach..=reach {
                        let (dx, dy) = (dc as f64 * c, dr as f64 * c);
                        if (dr, dc) != (0, 0) && dx * dx + dy * dy <= r2 {
                            stencil.push((dc, dr));
                        }
                    }
                }
                Band::Grid(cg, stencil)
            }
            Units::Points(p, idx) => Band::Points(p, idx, r * (1.0 + 1e-9)),
        }
    }
}

enum Band<'a> {
    Grid(&'a CellGrid, Vec<(i64, i64)>),
    Points(&'a [[f64; 2]], &'a PointIndex, f64),
}

impl Band<'_> {
    fn for_each(&self, i: usize, mut f: impl FnMut(usize)) {
        match self {
            Band::Grid(cg, stencil) => {
                let (col, row) = cg.grid.col_row(cg.cells[i]);
                let (nc, nr) = (cg.grid.ncols as i64, cg.grid.nrows as i64);
                for &(dc, dr) in stencil {
                    let (c, r) = (col as i64 + dc, row as i64 + dr);
                    if c < 0 || r < 0 || c >= nc || r >= nr {
                        continue;
                    }
                    if let Some(j) = cg.position((r * nc + c) as usize) {
                        f(j);
                    }
                }
            }
            Band::Points(p, idx, r) => {
                for (j, _) in idx.within(p[i], *r) {
                    if j != i {
                        f(j);
                    }
                }
            }
        }
    }
}

/// Nearest-neighbour distances and the distance to the K-th nearest neighbour.
fn nn_distances(pts: &[[f64; 2]], k: usize) -> (Vec<f64>, Vec<f64>) {
    let idx = PointIndex::new(pts);
    let r: Vec<(f64, f64)> = pts
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let near: Vec<(usize, f64)> = idx
                .k_nearest(*p, k + 1)
                .into_iter()
                .filter(|(j, _)| *j != i)
                .collect();
            (
                near.first().map_or(f64::NAN, |x| x.1),
                near.get(k - 1).map_or(f64::NAN, |x| x.1),
            )
        })
        .collect();
    (
        r.iter().map(|x| x.0).collect(),
        r.iter().map(|x| x.1).collect(),
    )
}

/// Moran's I, its moments and neighbour counts at one band.
fn band_stat(units: &Units, values: &[f64], r: f64, t: Transform, b2: f64) -> Result<BandStat> {
    let n = values.len();
    let nf = n as f64;
    let band = units.band(r);
    let mean = values.iter().sum::<f64>() / nf;
    let z: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let k: Vec<u32> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut c = 0u32;
            band.for_each(i, |_| c += 1);
            c
        })
        .collect();
    // per unit: (z_i · Σ_j w_ij z_j, Σ_j (w_ij + w_ji)², (w_i· + w_·i)²) in unit order
    let parts: Vec<(f64, f64, f64)> = (0..n)
        .into_par_iter()
        .map(|i| {
            if k[i] == 0 {
                return (0.0, 0.0, 0.0);
            }
            let wi = match t {
                Transform::Row => 1.0 / k[i] as f64,
                Transform::Binary => 1.0,
            };
            let (mut lag, mut s1, mut col) = (0.0, 0.0, 0.0);
            band.for_each(i, |j| {
                lag += z[j];
                let wj = match t {
                    Transform::Row => 1.0 / k[j] as f64,
                    Transform::Binary => 1.0,
                };
                s1 += (wi + wj) * (wi + wj);
                col += wj;
            });
            let row = wi * k[i] as f64;
            (z[i] * wi * lag, s1, (row + col) * (row + col))
        })
        .collect();
    let isolates = k.iter().filter(|v| **v == 0).count();
    let s0 = match t {
        Transform::Row => (n - isolates) as f64,
        Transform::Binary => k.iter().map(|v| *v as f64).sum(),
    };
    if s0 <= 0.0 {
        return Err(Error::degenerate(
            "incremental spatial autocorrelation",
            format!("no unit has a neighbour within {r} m"),
        ));
    }
    let num: f64 = parts.iter().map(|p| p.0).sum();
    let s1 = parts.iter().map(|p| p.1).sum::<f64>() / 2.0;
    let s2: f64 = parts.iter().map(|p| p.2).sum();
    let z2: f64 = z.iter().map(|v| v * v).sum();
    let moran_i = nf / s0 * num / z2;
    let (ei, _, var_rand) = moran_moments(nf, [s0, s1, s2], b2);
    let (zr, pr) = z_and_p(moran_i, ei, var_rand);
    Ok(BandStat {
        distance: r,
        moran_i,
        expected: ei,
        variance: var_rand,
        z: zr,
        p: pr,
        mean_neighbours: k.iter().map(|v| *v as f64).sum::<f64>() / nf,
        isolates,
    })
}

fn incremental_impl(
    units: &Units,
    values: &[f64],
    params: &IncrementalParams,
) -> Result<IncrementalResult> {
    let n = values.len();
    if units.len() != n {
        return Err(Error::length_mismatch("values", n, "units", units.len()));
    }
    if n < 4 {
        return Err(Error::too_few(
            "incremental spatial autocorrelation",
            "units",
            4,
            n,
        ));
    }
    if params.bands == 0 {
        return Err(Error::invalid_param(
            "bands",
            0,
            "give at least one distance band",
        ));
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::invalid_param(
            "alpha",
            params.alpha,
            "a significance level must be in (0, 1)",
        ));
    }
    moments(values, "incremental spatial autocorrelation")?;
    let need_nn = params.start.is_none() || params.increment.is_none();
    let (nn, _) = if need_nn {
        nn_distances(&units.centres(), 1)
    } else {
        (Vec::new(), Vec::new())
    };
    let (start, start_rule) = match params.start {
        Some(s) => (s, format!("given: {s} m")),
        None => {
            let m = nn.iter().copied().fold(0.0, f64::max);
            (
                m,
                format!(
                    "largest nearest-neighbour distance (every unit has a neighbour) = {m:.1} m"
                ),
            )
        }
    };
    let (increment, increment_rule) = match params.increment {
        Some(s) => (s, format!("given: {s} m")),
        None => {
            let m = nn.iter().sum::<f64>() / nn.len() as f64;
            (m, format!("mean nearest-neighbour distance = {m:.1} m"))
        }
    };
    for (what, v) in [("start", start), ("increment", increment)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::invalid_param(what, v, "the distance must be > 0 m"));
        }
    }
    let b2 = kurtosis(values);
    let bands: Vec<BandStat> = (0..params.bands)
        .map(|k| {
            band_stat(
                units,
                values,
                start + k as f64 * increment,
                params.transform,
                b2,
            )
        })
        .collect::<Result<_>>()?;
    let peaks: Vec<usize> = (1..bands.len().saturating_sub(1))
        .filter(|&k| bands[k].z > bands[k - 1].z && bands[k].z > bands[k + 1].z)
        .collect();
    let max_peak = peaks
        .iter()
        .copied()
        .max_by(|&a, &b| bands[a].z.total_cmp(&bands[b].z).then(b.cmp(&a)));
    let first_significant_peak = peaks
        .iter()
        .copied()
        .find(|&k| bands[k].z > 0.0 && bands[k].p < params.alpha);
    Ok(IncrementalResult {
        n,
        start,
        start_rule,
        increment,
        increment_rule,
        transform: params.transform,
        first_peak: peaks.first().copied(),
        max_peak,
        first_significant_peak,
        peaks,
        bands,
    })
}

/// Incremental spatial autocorrelation of `values` at points (feature centroids).
///
/// # Errors
/// [`Error::InvalidParam`] for bad settings; [`Error::LengthMismatch`];
/// [`Error::TooFew`] for fewer than 4 units; [`Error::Degenerate`] for constant
/// values or a band at which no unit has a neighbour.
pub fn incremental_autocorrelation(
    points: &[[f64; 2]],
    values: &[f64],
    params: &IncrementalParams,
) -> Result<IncrementalResult> {
    let units = Units::Points(points, PointIndex::new(points));
    incremental_impl(&units, values, params)
}

/// [`incremental_autocorrelation`] on the cells of a grid (cell centres, stencil
/// neighbours; every cell in the analysis counts, empty ones too).
pub fn incremental_autocorrelation_grid(
    cg: &CellGrid,
    values: &[f64],
    params: &IncrementalParams,
) -> Result<IncrementalResult> {
    incremental_impl(&Units::Grid(cg), values, params)
}

/// Why a Gi* distance band was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BandReason {
    /// The first statistically significant peak of the incremental Moran's z.
    FirstSignificantPeak,
    /// No significant peak: the mean distance to the K-th nearest neighbour.
    KNearestFallback,
}

/// The Gi* distance band chosen by [`choose_gistar_band`].
#[derive(Debug, Clone, Serialize)]
pub struct GiStarBand {
    /// Band distance (m), inclusive.
    pub distance: f64,
    /// Why.
    pub reason: BandReason,
    /// K of the fallback (None when a peak was used).
    pub k: Option<usize>,
    /// A sentence stating the rule and the outcome.
    pub explanation: String,
    /// The incremental table behind the choice.
    pub incremental: IncrementalResult,
}

fn choose_impl(units: &Units, values: &[f64]) -> Result<GiStarBand> {
    let inc = incremental_impl(units, values, &IncrementalParams::new())?;
    if let Some(k) = inc.first_significant_peak {
        let b = &inc.bands[k];
        return Ok(GiStarBand {
            distance: b.distance,
            reason: BandReason::FirstSignificantPeak,
            k: None,
            explanation: format!(
                "distance band {:.1} m: the first statistically significant peak of global Moran's I z over {} bands from {:.1} m in steps of {:.1} m (z = {:.2}, p {})",
                b.distance,
                inc.bands.len(),
                inc.start,
                inc.increment,
                b.z,
                if b.p < 1e-15 {
                    "< 1e-15".to_string()
                } else {
                    format!("= {:.2e}", b.p)
                }
            ),
            incremental: inc,
        });
    }
    let n = values.len();
    let k = ((0.05 * n as f64).round() as usize).clamp(3, 30).min(n - 1);
    let (_, kth) = nn_distances(&units.centres(), k);
    let d = kth.iter().sum::<f64>() / n as f64;
    Ok(GiStarBand {
        distance: d,
        reason: BandReason::KNearestFallback,
        k: Some(k),
        explanation: format!(
            "distance band {d:.1} m: no statistically significant peak of global Moran's I z over {} bands from {:.1} m in steps of {:.1} m, so the mean distance to the {k}th nearest neighbour (K = 5 % of {n} units, within 3..30)",
            inc.bands.len(),
            inc.start,
            inc.increment
        ),
        incremental: inc,
    })
}

/// Chooses the Gi* distance band the way ArcGIS's Optimized Hot Spot Analysis does
/// (the rule is in the module docs) for values at points.
///
/// # Errors
/// As [`incremental_autocorrelation`].
pub fn choose_gistar_band(points: &[[f64; 2]], values: &[f64]) -> Result<GiStarBand> {
    choose_impl(&Units::Points(points, PointIndex::new(points)), values)
}

/// [`choose_gistar_band`] on the cells of a grid.
pub fn choose_gistar_band_grid(cg: &CellGrid, values: &[f64]) -> Result<GiStarBand> {
    choose_impl(&Units::Grid(cg), values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::hotspot::global::{global_moran, GlobalParams};
    use crate::hotspot::weights::{grid_weights, point_weights, WeightsSpec};

    #[test]
    fn incremental_params_setters() {
        let p = IncrementalParams::new()
            .start(100.0)
            .increment(None)
            .alpha(0.1);
        assert_eq!((p.start, p.increment, p.alpha), (Some(100.0), None, 0.1));
        let o: Option<f64> = Some(5.0);
        assert_eq!(p.start(None).increment(o).start, None);
    }

    fn field(nc: usize, nr: usize, f: impl Fn(usize, usize) -> f64) -> Vec<f64> {
        (0..nc * nr).map(|id| f(id % nc, id / nc)).collect()
    }

    #[test]
    fn incremental_grid_first_band_reaches_neighbours_at_utm_coordinates() {
        // the first band is the largest centre-to-centre nearest-neighbour distance,
        // which carries ~1e-9 m of rounding at UTM-size coordinates: it must still
        // reach the adjacent cells (was: "no unit has a neighbour within 39.888 m")
        let cg = CellGrid::full(Grid::new(430_000.0, 5_400_000.0, 39.888, 30, 25).unwrap());
        let y = field(30, 25, |c, r| ((c * 7 + r * 3) % 5) as f64 + (c / 6) as f64);
        let inc = incremental_autocorrelation_grid(&cg, &y, &IncrementalParams::new()).unwrap();
        assert_eq!(inc.bands[0].isolates, 0);
        assert!(inc.bands[0].mean_neighbours >= 3.0);
        assert!(choose_gistar_band_grid(&cg, &y).is_ok());
    }

    #[test]
    fn band_stat_equals_global_moran_with_stored_weights() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 50.0, 14, 11).unwrap());
        let y = field(14, 11, |c, r| ((c * 7 + r * 3) % 5) as f64 + (c / 4) as f64);
        for t in [Transform::Row, Transform::Binary] {
            let p = IncrementalParams::new()
                .start(50.0)
                .increment(35.0)
                .bands(4)
                .transform(t);
            let inc = incremental_autocorrelation_grid(&cg, &y, &p).unwrap();
            let pts = cg.centres();
            let inc_p = incremental_autocorrelation(&pts, &y, &p).unwrap();
            for (b, bp) in inc.bands.iter().zip(&inc_p.bands) {
                let w = grid_weights(
                    &cg,
                    &WeightsSpec::DistanceBand {
                        radius: Some(b.distance),
                    },
                )
                .unwrap();
                let g = global_moran(&y, &w, &GlobalParams::new().permutations(0).transform(t))
                    .unwrap();
                assert!((b.moran_i - g.value).abs() < 1e-12, "{t:?} {}", b.distance);
                assert!((b.variance - g.var_rand).abs() < 1e-12 * g.var_rand.abs());
                assert!((b.z - g.z_rand).abs() < 1e-9);
                assert!((bp.moran_i - b.moran_i).abs() < 1e-12);
                assert!((bp.z - b.z).abs() < 1e-9);
                let wp = point_weights(
                    &pts,
                    &WeightsSpec::DistanceBand {
                        radius: Some(b.distance),
                    },
                    None,
                )
                .unwrap();
                assert_eq!(wp.isolates(), b.isolates);
            }
        }
    }

    #[test]
    fn incremental_defaults_and_peak_at_cluster_scale() {
        // blobs of high values about 4 cells across, repeated every 12 cells: clustering
        // peaks at a few cells and decays beyond
        let (nc, nr) = (48usize, 48usize);
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 100.0, nc, nr).unwrap());
        let y = field(nc, nr, |c, r| {
            let (a, b) = ((c % 12) as f64 - 5.5, (r % 12) as f64 - 5.5);
            let d2 = a * a + b * b;
            (10.0 * (-d2 / 8.0).exp()).round() + ((c * 31 + r * 17) % 3) as f64
        });
        let inc = incremental_autocorrelation_grid(&cg, &y, &IncrementalParams::new()).unwrap();
        assert_eq!(inc.start, 100.0);
        assert!((inc.increment - 100.0).abs() < 1e-9);
        assert_eq!(inc.bands.len(), 10);
        assert!(
            inc.first_peak.is_some(),
            "{:?}",
            inc.bands.iter().map(|b| b.z).collect::<Vec<_>>()
        );
        let k = inc.first_significant_peak.unwrap();
        assert!(
            inc.bands[k].distance >= 200.0 && inc.bands[k].distance <= 600.0,
            "{}",
            inc.bands[k].distance
        );
        let choice = choose_gistar_band_grid(&cg, &y).unwrap();
        assert_eq!(choice.reason, BandReason::FirstSignificantPeak);
        assert_eq!(choice.distance, inc.bands[k].distance);
        assert!(choice
            .explanation
            .contains("first statistically significant peak"));
    }

    #[test]
    fn choose_band_falls_back_to_k_nearest_on_noise() {
        use rand::{Rng, SeedableRng};
        // i.i.d. noise: a significant peak should be rare; otherwise the K-nearest rule
        let (nc, nr) = (20usize, 20usize);
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, nc, nr).unwrap());
        let mut peaks = 0;
        for seed in 0..20u64 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let y: Vec<f64> = (0..nc * nr)
                .map(|_| rng.random_range(0..6) as f64)
                .collect();
            let choice = choose_gistar_band_grid(&cg, &y).unwrap();
            match choice.reason {
                BandReason::KNearestFallback => {
                    // K = 5 % of 400 = 20; the 20th neighbour on a grid is 2-3 cells away
                    assert_eq!(choice.k, Some(20));
                    assert!(
                        choice.distance > 20.0 && choice.distance < 30.0,
                        "{}",
                        choice.distance
                    );
                    assert!(choice
                        .explanation
                        .contains("no statistically significant peak"));
                }
                BandReason::FirstSignificantPeak => peaks += 1,
            }
        }
        eprintln!("SIM noise 20x20, 20 seeds: significant first peak in {peaks}");
        assert!(peaks <= 4, "{peaks} of 20");
    }

    #[test]
    fn incremental_errors() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 3, 3).unwrap());
        assert!(
            incremental_autocorrelation_grid(&cg, &[1.0; 9], &IncrementalParams::new()).is_err()
        );
        let y: Vec<f64> = (0..9).map(|v| v as f64).collect();
        assert!(incremental_autocorrelation_grid(&cg, &y[..8], &IncrementalParams::new()).is_err());
        assert!(
            incremental_autocorrelation_grid(&cg, &y, &IncrementalParams::new().bands(0)).is_err()
        );
        assert!(
            incremental_autocorrelation_grid(&cg, &y, &IncrementalParams::new().start(-1.0))
                .is_err()
        );
        // a band shorter than the cell: nobody has a neighbour
        assert!(incremental_autocorrelation_grid(
            &cg,
            &y,
            &IncrementalParams::new().start(5.0).increment(1.0)
        )
        .is_err());
    }
}
