//! High-crime places on a grid: counts, kernel density, Getis–Ord Gi*, Local
//! Moran's I, global autocorrelation (Moran's I, Geary's C, General G), the scale of
//! clustering (incremental spatial autocorrelation) and change over time.
//!
//! # Conventions
//! * Square grids follow [`Grid`] (origin `floor(min/C)·C`, half-open cells,
//!   `cell_id = row·ncols + col`, row 0 south). A [`CellGrid`] is a grid plus
//!   the subset of its cells that take part in an analysis (all cells of the
//!   rectangle by default; with a convex hull or a boundary only the cells
//!   whose square intersects it). Per-cell results are in the order of
//!   [`CellGrid::cells`] (ascending cell id).
//! * Every cell in the analysis counts, empty ones too: the extent changes the
//!   mean and variance of Gi* and Local Moran, as in esda and ArcGIS.
//! * Default cell size: the sfhotspot rule ([`Grid::default_cell_size`]).

/// The `permutations` and `seed` setters of a builder whose struct has those
/// fields (Gi*, Local Moran, the global statistics).
macro_rules! permutation_setters {
    () => {
        /// Sets the number of permutations (0 = analytical inference only).
        pub fn permutations(mut self, p: usize) -> Self {
            self.permutations = p;
            self
        }
        /// Sets the seed of the permutations.
        pub fn seed(mut self, s: u64) -> Self {
            self.seed = s;
            self
        }
    };
}

pub mod change;
pub mod gistar;
pub mod global;
pub mod hexgrid;
pub mod incremental;
pub mod kde;
pub mod moran;
#[cfg(test)]
mod parity;
#[cfg(test)]
mod parity_stats;
pub(crate) mod perm;
#[cfg(test)]
mod simulation;
pub mod stats;
pub mod weights;

use geo::{Intersects, MultiPolygon, Rect};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::layer::Incidents;

pub use change::{
    classify_periods, count_change, emerging_hotspots, ChangeParams, ChangeResult, ClassifyParams,
    ClassifyResult, EmergingClass, EmergingParams, EmergingResult, HotspotClass,
};
pub use gistar::{gi_star, BinP, GiStarParams, GiStarResult};
pub use global::{
    geary_c, general_g, global_moran, GlobalParams, GlobalStatistic, PermutationInference,
    Transform,
};
pub use hexgrid::HexGrid;
pub use incremental::{
    choose_gistar_band, choose_gistar_band_grid, incremental_autocorrelation,
    incremental_autocorrelation_grid, BandReason, BandStat, GiStarBand, IncrementalParams,
    IncrementalResult,
};
pub use kde::{
    dual_kde, kde, Bandwidth, DualKdeResult, DualMode, Evaluation, KdeParams, KdeResult, Kernel,
};
pub use moran::{local_moran, LocalMoranParams, LocalMoranResult, Quadrant};
pub use weights::{grid_weights, point_weights, Weights, WeightsSpec};

/// Incidents counted per feature of a layer ([`count_in_features`]).
#[derive(Debug, Clone, Serialize)]
pub struct FeatureCounts {
    /// Incidents (or summed weights) per feature, input order.
    pub counts: Vec<f64>,
    /// Incidents farther than the tolerance from every feature (not counted).
    pub outside: usize,
    /// Incidents at the same smallest distance from two or more features (on a shared
    /// border, in an overlap); each was given to the lowest-index feature.
    pub ties: usize,
}

/// Counts incidents per feature of a layer: each point goes to the **nearest**
/// feature within `tolerance` metres (distance 0 inside a polygon or on its border;
/// inclusive `d <= tolerance`), the lowest feature index on ties, so every incident is
/// counted at most once and the counts sum to `points − outside`. Use `tolerance = 0`
/// for polygons (beats, tracts, parcels) and a snapping distance for points or
/// street lines. `weights` (one per point) sums weights instead of counting.
///
/// # Errors
/// [`Error::InvalidParam`] for a negative or non-finite tolerance;
/// [`Error::LengthMismatch`] for a weights length that differs from the points.
pub fn count_in_features(
    geometries: &[geo::Geometry<f64>],
    points: &[[f64; 2]],
    tolerance: f64,
    weights: Option<&[f64]>,
) -> Result<FeatureCounts> {
    use rayon::prelude::*;
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(Error::invalid_param(
            "tolerance",
            tolerance,
            "a tolerance must be a distance >= 0 m",
        ));
    }
    if let Some(w) = weights {
        if w.len() != points.len() {
            return Err(Error::length_mismatch(
                "weights",
                w.len(),
                "points",
                points.len(),
            ));
        }
    }
    let idx = crate::index::GeometryIndex::new(geometries);
    // (feature, tied) per point; None = outside
    let assigned: Vec<Option<(usize, bool)>> = points
        .par_iter()
        .map(|p| {
            let near = idx.within(*p, tolerance);
            let best = near.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
            let mut at_best = near.iter().filter(|x| x.1 == best);
            at_best
                .next()
                .map(|first| (first.0, at_best.next().is_some()))
        })
        .collect();
    let mut counts = vec![0.0; geometries.len()];
    let (mut outside, mut ties) = (0, 0);
    for (i, a) in assigned.iter().enumerate() {
        match a {
            Some((f, tied)) => {
                counts[*f] += weights.map_or(1.0, |w| w[i]);
                ties += usize::from(*tied);
            }
            None => outside += 1,
        }
    }
    Ok(FeatureCounts {
        counts,
        outside,
        ties,
    })
}

/// Which area the grid covers.
#[derive(Debug, Clone, Default)]
pub enum Extent {
    /// The bounding box of the points (every cell of the rectangle).
    #[default]
    BoundingBox,
    /// Cells intersecting the convex hull of the points.
    ConvexHull,
    /// Cells intersecting this boundary (projected to the working CRS); the
    /// grid covers the boundary's bounding box.
    Boundary(MultiPolygon<f64>),
}

/// Parameters of [`build_grid`].
#[derive(Debug, Clone, Default)]
pub struct GridParams {
    /// Cell size in metres; `None` = the sfhotspot default rule.
    pub cell: Option<f64>,
    /// Area covered.
    pub extent: Extent,
}

impl GridParams {
    /// Default parameters (bounding box, sfhotspot cell size).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the cell size (m).
    pub fn cell(mut self, c: f64) -> Self {
        self.cell = Some(c);
        self
    }
    /// Sets the extent.
    pub fn extent(mut self, e: Extent) -> Self {
        self.extent = e;
        self
    }
}

/// A square grid and the cells of it that take part in an analysis.
#[derive(Debug, Clone, Serialize)]
pub struct CellGrid {
    /// The full rectangle.
    pub grid: Grid,
    /// Cell ids in the analysis, ascending.
    #[serde(skip)]
    pub cells: Vec<usize>,
    /// Number of cells in the analysis.
    pub n_cells: usize,
    /// How the cell size was chosen.
    pub cell_size_rule: String,
    /// How the cells were chosen ("bounding box", "convex hull", "boundary").
    pub extent_rule: String,
    #[serde(skip)]
    pos: Vec<u32>,
}

const NONE: u32 = u32::MAX;

/// Position in `cells` of each cell id of the full grid (`NONE` where it takes no part).
fn positions(full_len: usize, cells: &[usize]) -> Vec<u32> {
    let mut pos = vec![NONE; full_len];
    for (k, &c) in cells.iter().enumerate() {
        pos[c] = k as u32;
    }
    pos
}

/// Position of cell `id` in the analysis cells, if it takes part.
#[inline]
fn position(pos: &[u32], id: usize) -> Option<usize> {
    match pos.get(id) {
        Some(&p) if p != NONE => Some(p as usize),
        _ => None,
    }
}

/// Per-cell values (analysis order) spread onto the full grid, NaN elsewhere.
fn spread(full_len: usize, cells: &[usize], values: &[f64]) -> Vec<f64> {
    let mut v = vec![f64::NAN; full_len];
    for (k, &c) in cells.iter().enumerate() {
        if let Some(x) = values.get(k) {
            v[c] = *x;
        }
    }
    v
}

/// Counts (or sums of finite `weights`) per analysis cell of `n`, with the cell of a
/// point from `position_of`, and the number of points outside every analysis cell.
fn count_points(
    n: usize,
    xy: &[[f64; 2]],
    weights: Option<&[f64]>,
    position_of: impl Fn(f64, f64) -> Option<usize>,
) -> Result<(Vec<f64>, usize)> {
    if let Some(w) = weights {
        if w.len() != xy.len() {
            return Err(Error::length_mismatch(
                "weights",
                w.len(),
                "points",
                xy.len(),
            ));
        }
        if let Some((i, bad)) = w.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::BadValue {
                what: "weight",
                index: i,
                value: *bad,
                expected: "not a finite number",
            });
        }
    }
    let mut c = vec![0.0; n];
    let mut outside = 0;
    for (i, p) in xy.iter().enumerate() {
        match position_of(p[0], p[1]) {
            Some(k) => c[k] += weights.map_or(1.0, |w| w[i]),
            None => outside += 1,
        }
    }
    Ok((c, outside))
}

impl CellGrid {
    /// All cells of `grid`.
    pub fn full(grid: Grid) -> Self {
        let cells: Vec<usize> = (0..grid.len()).collect();
        Self::with_cells(grid, cells, "given".into(), "bounding box".into())
    }

    /// Only the given cells (ids are sorted and deduplicated; out-of-range ids dropped).
    pub fn subset(grid: Grid, mut cells: Vec<usize>) -> Self {
        cells.sort_unstable();
        cells.dedup();
        cells.retain(|c| *c < grid.len());
        Self::with_cells(grid, cells, "given".into(), "subset".into())
    }

    fn with_cells(grid: Grid, cells: Vec<usize>, size_rule: String, ext_rule: String) -> Self {
        let pos = positions(grid.len(), &cells);
        CellGrid {
            grid,
            n_cells: cells.len(),
            cells,
            cell_size_rule: size_rule,
            extent_rule: ext_rule,
            pos,
        }
    }

    /// Number of cells in the analysis.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell takes part.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Position in [`CellGrid::cells`] of grid cell `id`, if it takes part.
    #[inline]
    pub fn position(&self, id: usize) -> Option<usize> {
        position(&self.pos, id)
    }

    /// Position of the cell holding a point, if it takes part.
    #[inline]
    pub fn position_of(&self, x: f64, y: f64) -> Option<usize> {
        self.grid.cell_of(x, y).and_then(|id| self.position(id))
    }

    /// Centres of the cells in the analysis.
    pub fn centres(&self) -> Vec<[f64; 2]> {
        self.cells.iter().map(|&c| self.grid.centre(c)).collect()
    }

    /// Spreads per-cell values (in analysis order) onto the full grid, NaN elsewhere
    /// (for [`crate::render::grid_map`]).
    pub fn to_full(&self, values: &[f64]) -> Vec<f64> {
        spread(self.grid.len(), &self.cells, values)
    }

    /// Picks the analysis cells out of a full-grid vector.
    pub fn from_full(&self, full: &[f64]) -> Vec<f64> {
        self.cells.iter().map(|&c| full[c]).collect()
    }

    /// Counts (or sums of `weights`) per analysis cell, and the number of points
    /// outside every analysis cell.
    pub fn counts(&self, xy: &[[f64; 2]], weights: Option<&[f64]>) -> Result<(Vec<f64>, usize)> {
        count_points(self.len(), xy, weights, |x, y| self.position_of(x, y))
    }
}

/// Bounding box, cell size, its rule, and the optional area of an extent.
type ExtentSetup = (
    [f64; 4],
    f64,
    String,
    Option<(MultiPolygon<f64>, &'static str)>,
);

/// The bounding box, cell size (and its rule) and optional area of an extent.
fn extent_setup(xy: &[[f64; 2]], p: &GridParams) -> Result<ExtentSetup> {
    let bbox = match &p.extent {
        Extent::Boundary(mp) => {
            use geo::BoundingRect;
            let r = mp
                .bounding_rect()
                .ok_or_else(|| Error::degenerate("a grid", "the boundary has no polygons"))?;
            [r.min().x, r.min().y, r.max().x, r.max().y]
        }
        _ => crate::layer::bbox_of(xy.iter().copied())
            .ok_or_else(|| Error::too_few("a grid", "points", 1, 0))?,
    };
    let (cell, rule) = match p.cell {
        Some(c) => (c, format!("given: {c} m")),
        None => {
            let c = Grid::default_cell_size(bbox)?;
            (
                c,
                format!("sfhotspot default: 1/50 of the shorter side of the extent, rounded down to 100 m when > 0 = {c} m"),
            )
        }
    };
    let area = match &p.extent {
        Extent::BoundingBox => None,
        Extent::ConvexHull => {
            // geo's hull vertex for vertex, without a MultiPoint copy of every point
            Some((
                MultiPolygon::new(vec![crate::layer::convex_hull_of(xy)]),
                "convex hull",
            ))
        }
        Extent::Boundary(mp) => Some((mp.clone(), "boundary")),
    };
    Ok((bbox, cell, rule, area))
}

/// Builds the analysis grid for a set of points.
///
/// The sfhotspot default cell size is computed from the extent's bounding box
/// (the points', or the boundary's). With [`Extent::ConvexHull`] or
/// [`Extent::Boundary`] only cells whose square intersects the area take part.
pub fn build_grid(xy: &[[f64; 2]], p: &GridParams) -> Result<CellGrid> {
    let (bbox, cell, rule, area) = extent_setup(xy, p)?;
    let grid = Grid::covering(bbox, cell)?;
    let mut cg = match area {
        None => CellGrid::full(grid),
        Some((mp, name)) => {
            let cells: Vec<usize> = (0..grid.len())
                .filter(|&id| {
                    let (c, r) = grid.col_row(id);
                    let x = grid.x0 + c as f64 * grid.cell;
                    let y = grid.y0 + r as f64 * grid.cell;
                    let rect = Rect::new((x, y), (x + grid.cell, y + grid.cell));
                    mp.intersects(&rect)
                })
                .collect();
            if cells.is_empty() {
                return Err(Error::degenerate(
                    "a grid",
                    format!("no grid cell intersects the {name}"),
                ));
            }
            let mut cg = CellGrid::subset(grid, cells);
            cg.extent_rule = name.into();
            cg
        }
    };
    cg.cell_size_rule = rule;
    Ok(cg)
}

/// A hexagon grid and the hexagons of it that take part in an analysis.
#[derive(Debug, Clone, Serialize)]
pub struct HexCells {
    /// The hexagon grid.
    pub grid: HexGrid,
    /// Hexagon ids in the analysis, ascending.
    #[serde(skip)]
    pub cells: Vec<usize>,
    /// Number of hexagons in the analysis.
    pub n_cells: usize,
    /// How the size was chosen (`size` = flat-to-flat width).
    pub cell_size_rule: String,
    /// How the hexagons were chosen.
    pub extent_rule: String,
    #[serde(skip)]
    pos: Vec<u32>,
}

impl HexCells {
    /// Number of hexagons in the analysis.
    pub fn len(&self) -> usize {
        self.cells.len()
    }
    /// Whether none takes part.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
    /// Position of the hexagon holding a point, if it takes part.
    pub fn position_of(&self, x: f64, y: f64) -> Option<usize> {
        self.grid
            .cell_of(x, y)
            .and_then(|id| position(&self.pos, id))
    }
    /// Centres of the analysis hexagons.
    pub fn centres(&self) -> Vec<[f64; 2]> {
        self.cells.iter().map(|&c| self.grid.centre(c)).collect()
    }
    /// Spreads analysis values onto all hexagons (NaN elsewhere).
    pub fn to_full(&self, values: &[f64]) -> Vec<f64> {
        spread(self.grid.len(), &self.cells, values)
    }
    /// Counts (or weight sums) per analysis hexagon and the points outside.
    pub fn counts(&self, xy: &[[f64; 2]], weights: Option<&[f64]>) -> Result<(Vec<f64>, usize)> {
        count_points(self.len(), xy, weights, |x, y| self.position_of(x, y))
    }
    /// Weights between the analysis hexagons; a distance band defaults to the
    /// hexagon size (the 6 adjacent hexagons), inverse distance to 3 sizes.
    pub fn weights(&self, spec: &WeightsSpec) -> Result<Weights> {
        point_weights(
            &self.centres(),
            &hex_spec(spec, self.grid.size),
            Some(self.grid.size),
        )
    }
}

fn hex_spec(spec: &WeightsSpec, size: f64) -> WeightsSpec {
    match *spec {
        WeightsSpec::DistanceBand { radius: None } => {
            WeightsSpec::DistanceBand { radius: Some(size) }
        }
        other => other,
    }
}

/// Builds a hexagon grid (flat-to-flat width = the cell size, sfhotspot rule by
/// default) with the same extent options as [`build_grid`].
pub fn build_hex(xy: &[[f64; 2]], p: &GridParams) -> Result<HexCells> {
    let (bbox, cell, rule, area) = extent_setup(xy, p)?;
    let grid = HexGrid::covering(bbox, cell)?;
    let (cells, ext): (Vec<usize>, String) = match area {
        None => {
            // hexagons that touch the bounding box (all of them for a degenerate box)
            let rect = Rect::new((bbox[0], bbox[1]), (bbox[2], bbox[3]));
            let flat = bbox[0] == bbox[2] || bbox[1] == bbox[3];
            (
                (0..grid.len())
                    .filter(|&id| flat || rect.intersects(&grid.polygon(id)))
                    .collect(),
                "bounding box".into(),
            )
        }
        Some((mp, name)) => (
            (0..grid.len())
                .filter(|&id| mp.intersects(&grid.polygon(id)))
                .collect(),
            name.into(),
        ),
    };
    if cells.is_empty() {
        return Err(Error::degenerate(
            "a hexagon grid",
            "no hexagon intersects the study area",
        ));
    }
    let pos = positions(grid.len(), &cells);
    Ok(HexCells {
        grid,
        n_cells: cells.len(),
        cells,
        cell_size_rule: rule,
        extent_rule: ext,
        pos,
    })
}

/// Counts per cell, in total and per category.
#[derive(Debug, Clone, Serialize)]
pub struct GridCounts {
    /// Count (or weight sum) per analysis cell.
    pub total: Vec<f64>,
    /// Per category: name and count per analysis cell (categories with no
    /// incident in the analysis cells still appear, with zeros).
    pub by_category: Vec<(String, Vec<f64>)>,
    /// Points outside every analysis cell.
    pub outside: usize,
    /// Sum of `total`.
    pub sum: f64,
    /// Cells with a count > 0.
    pub non_empty: usize,
}

/// Counts incidents per cell (optionally weighted, e.g. by a harm score) and,
/// when `per_category`, per category.
pub fn grid_counts(
    cg: &CellGrid,
    inc: &Incidents,
    weights: Option<&[f64]>,
    per_category: bool,
) -> Result<GridCounts> {
    let (total, outside) = cg.counts(&inc.xy, weights)?;
    counts_by(
        |x, y| cg.position_of(x, y),
        total,
        outside,
        inc,
        weights,
        per_category,
    )
}

/// [`grid_counts`] on hexagons.
pub fn hex_counts(
    h: &HexCells,
    inc: &Incidents,
    weights: Option<&[f64]>,
    per_category: bool,
) -> Result<GridCounts> {
    let (total, outside) = h.counts(&inc.xy, weights)?;
    counts_by(
        |x, y| h.position_of(x, y),
        total,
        outside,
        inc,
        weights,
        per_category,
    )
}

fn counts_by(
    pos: impl Fn(f64, f64) -> Option<usize>,
    total: Vec<f64>,
    outside: usize,
    inc: &Incidents,
    weights: Option<&[f64]>,
    per_category: bool,
) -> Result<GridCounts> {
    let mut by_category = Vec::new();
    if per_category {
        let mut per: Vec<Vec<f64>> = vec![vec![0.0; total.len()]; inc.categories.len()];
        for (i, p) in inc.xy.iter().enumerate() {
            if let (Some(k), Some(v)) = (pos(p[0], p[1]), per.get_mut(inc.category[i] as usize)) {
                v[k] += weights.map_or(1.0, |w| w[i]);
            }
        }
        by_category = inc.categories.iter().cloned().zip(per).collect();
    }
    let sum = total.iter().sum();
    let non_empty = total.iter().filter(|v| **v > 0.0).count();
    Ok(GridCounts {
        total,
        by_category,
        outside,
        sum,
        non_empty,
    })
}

#[cfg(test)]
pub(crate) fn test_crs() -> crate::crs::CrsChoice {
    let c = crate::crs::Crs::Local { unit_to_metre: 1.0 };
    crate::crs::CrsChoice {
        input: c.clone(),
        input_source: "test".into(),
        working: c,
        reason: "test".into(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn count_in_features_nearest_once_with_ties_and_outside() {
        use geo::{Geometry, LineString, Point, Polygon};
        let sq = |x: f64| {
            Geometry::Polygon(Polygon::new(
                LineString::from(vec![(x, 0.0), (x + 10.0, 0.0), (x + 10.0, 10.0), (x, 10.0)]),
                vec![],
            ))
        };
        let geoms = vec![sq(0.0), sq(10.0), Geometry::Point(Point::new(100.0, 0.0))];
        let pts = [
            [5.0, 5.0],   // in 0
            [15.0, 5.0],  // in 1
            [10.0, 5.0],  // shared border: tie -> 0
            [50.0, 50.0], // outside
            [103.0, 0.0], // 3 m from the point feature
            [106.0, 0.0], // 6 m: outside at tolerance 5
        ];
        let r = count_in_features(&geoms, &pts, 5.0, None).unwrap();
        assert_eq!(r.counts, vec![2.0, 1.0, 1.0]);
        assert_eq!((r.outside, r.ties), (2, 1));
        let r0 = count_in_features(&geoms, &pts, 0.0, None).unwrap();
        assert_eq!(r0.counts, vec![2.0, 1.0, 0.0]);
        assert_eq!(r0.outside, 3);
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let rw = count_in_features(&geoms, &pts, 5.0, Some(&w)).unwrap();
        assert_eq!(rw.counts, vec![4.0, 2.0, 5.0]);
        // input order does not matter
        let mut rev = pts.to_vec();
        rev.reverse();
        assert_eq!(
            count_in_features(&geoms, &rev, 5.0, None).unwrap().counts,
            r.counts
        );
        assert!(count_in_features(&geoms, &pts, -1.0, None).is_err());
        assert!(count_in_features(&geoms, &pts, 1.0, Some(&w[..2])).is_err());
    }

    use super::*;

    #[test]
    fn build_grid_default_rule_and_counts() {
        let pts = vec![[0.0, 0.0], [10_000.0, 5_000.0], [50.0, 50.0], [100.0, 0.0]];
        let cg = build_grid(&pts, &GridParams::new()).unwrap();
        assert_eq!(cg.grid.cell, 100.0);
        assert!(cg.cell_size_rule.contains("sfhotspot"));
        let (c, out) = cg.counts(&pts, None).unwrap();
        assert_eq!(out, 0);
        assert_eq!(c.iter().sum::<f64>(), 4.0);
        assert_eq!(c[0], 2.0);
        let (w, _) = cg.counts(&pts, Some(&[1.0, 2.0, 3.0, 4.0])).unwrap();
        assert_eq!(w[0], 4.0);
        assert!(cg.counts(&pts, Some(&[1.0])).is_err());
    }

    #[test]
    fn build_hex_counts_every_point() {
        let pts: Vec<[f64; 2]> = (0..500)
            .map(|i| [(i * 37 % 1000) as f64, (i * 91 % 700) as f64])
            .collect();
        let h = build_hex(&pts, &GridParams::new().cell(80.0)).unwrap();
        let (c, out) = h.counts(&pts, None).unwrap();
        assert_eq!(out, 0);
        assert_eq!(c.iter().sum::<f64>(), 500.0);
        let mut bad = vec![1.0; 500];
        bad[7] = f64::NAN;
        assert!(matches!(
            h.counts(&pts, Some(&bad)),
            Err(Error::BadValue { index: 7, .. })
        ));
        assert!(h.to_full(&[]).iter().all(|v| v.is_nan()));
        let w = h.weights(&WeightsSpec::default()).unwrap();
        assert_eq!(w.max_neighbours(), 6);
        let hull = build_hex(
            &pts,
            &GridParams::new().cell(80.0).extent(Extent::ConvexHull),
        )
        .unwrap();
        assert!(hull.len() <= h.len());
        assert_eq!(hull.counts(&pts, None).unwrap().1, 0);
    }

    #[test]
    fn build_grid_convex_hull_drops_corner_cells() {
        let pts = vec![[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0]];
        let cg = build_grid(
            &pts,
            &GridParams::new().cell(100.0).extent(Extent::ConvexHull),
        )
        .unwrap();
        assert!(cg.len() < cg.grid.len());
        assert_eq!(cg.counts(&pts, None).unwrap().1, 0);
        // the north-east corner is outside the triangle
        assert!(cg.position_of(950.0, 950.0).is_none());
        let full = cg.to_full(&vec![1.0; cg.len()]);
        assert!(full.iter().any(|v| v.is_nan()));
        assert_eq!(cg.from_full(&full), vec![1.0; cg.len()]);
    }

    #[test]
    fn grid_counts_empty_category_listed() {
        let mut inc = Incidents::empty(test_crs());
        inc.xy = vec![[5.0, 5.0], [15.0, 5.0]];
        inc.time = vec![None, None];
        inc.precision = vec![crate::time::TimePrecision::Day; 2];
        inc.category = vec![0, 0];
        inc.categories = vec!["a".into(), "b".into()];
        inc.row = vec![1, 2];
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 10.0, 2, 1).unwrap());
        let gc = grid_counts(&cg, &inc, None, true).unwrap();
        assert_eq!(gc.total, vec![1.0, 1.0]);
        assert_eq!(gc.by_category[1], ("b".to_string(), vec![0.0, 0.0]));
    }
}
