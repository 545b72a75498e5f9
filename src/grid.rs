//! Square raster grids over the study area: cell assignment, counts, prefix sums.
//!
//! # Conventions (shared with the golden files in `../shared/golden`)
//! * `C` = cell size; origin `x0 = floor(min x / C)·C`, `y0 = floor(min y / C)·C`;
//!   `ncols = floor((max x − x0)/C) + 1`, `nrows` likewise.
//! * A point goes to `col = floor((x − x0)/C)`, `row = floor((y − y0)/C)`,
//!   computed in f64 in exactly this order (subtract, then divide); cells are
//!   half-open `[x0 + col·C, x0 + (col+1)·C)`, so a point on a west/south edge
//!   belongs to that cell. Points beyond the last column/row are outside.
//! * `cell_id = row·ncols + col`; row 0 is the southern-most row, col 0 the
//!   western-most column. Cell centre = `(x0 + (col+½)C, y0 + (row+½)C)`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A square grid. Deserializing (e.g. from a model file) checks it like [`Grid::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GridFields")]
pub struct Grid {
    /// West edge of column 0.
    pub x0: f64,
    /// South edge of row 0.
    pub y0: f64,
    /// Cell size (metres).
    pub cell: f64,
    /// Number of columns.
    pub ncols: usize,
    /// Number of rows.
    pub nrows: usize,
}

/// Largest grid crimescape builds (cells), to fail clearly instead of exhausting
/// memory: analyses keep several numbers per cell (8 bytes each), so 100 million
/// cells already take gigabytes. A 40 × 40 km city at 5 m cells has 64 million.
pub const MAX_CELLS: usize = 100_000_000;

/// The error for a grid with more than [`MAX_CELLS`] cells.
pub(crate) fn too_many_cells(ncols: usize, nrows: usize) -> Error {
    Error::limit(
        "grid cells",
        format!("{ncols} x {nrows}"),
        format!("{MAX_CELLS} cells"),
        "every analysis keeps several numbers per cell in memory; use a larger cell size or a smaller extent",
    )
}

/// The serialized form of a [`Grid`], checked on the way in.
#[derive(Deserialize)]
struct GridFields {
    x0: f64,
    y0: f64,
    cell: f64,
    ncols: usize,
    nrows: usize,
}

impl TryFrom<GridFields> for Grid {
    type Error = Error;
    fn try_from(g: GridFields) -> Result<Grid> {
        if !(g.x0.is_finite() && g.y0.is_finite()) {
            return Err(Error::invalid(
                "grid",
                "origin",
                format!("({}, {})", g.x0, g.y0),
                "must be finite",
            ));
        }
        Grid::new(g.x0, g.y0, g.cell, g.ncols, g.nrows)
    }
}

impl Grid {
    /// A grid with the given origin and shape.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a cell size that is not a positive number,
    /// [`Error::InvalidParam`] for an empty grid; [`Error::Limit`] for more than [`MAX_CELLS`] cells.
    pub fn new(x0: f64, y0: f64, cell: f64, ncols: usize, nrows: usize) -> Result<Grid> {
        if !(cell.is_finite() && cell > 0.0) {
            return Err(Error::invalid_param(
                "cell",
                cell,
                "the cell size must be a positive number of metres",
            ));
        }
        if ncols == 0 || nrows == 0 {
            let (param, value) = if ncols == 0 {
                ("ncols", ncols)
            } else {
                ("nrows", nrows)
            };
            return Err(Error::invalid_param(
                param,
                value,
                "a grid needs at least one column and one row",
            ));
        }
        if ncols.saturating_mul(nrows) > MAX_CELLS {
            return Err(too_many_cells(ncols, nrows));
        }
        Ok(Grid {
            x0,
            y0,
            cell,
            ncols,
            nrows,
        })
    }

    /// The grid covering a bounding box `[minx, miny, maxx, maxy]` (golden convention).
    pub fn covering(bbox: [f64; 4], cell: f64) -> Result<Grid> {
        if !(cell.is_finite() && cell > 0.0) {
            return Err(Error::invalid_param(
                "cell",
                cell,
                "the cell size must be a positive number of metres",
            ));
        }
        if bbox.iter().any(|v| !v.is_finite()) || bbox[2] < bbox[0] || bbox[3] < bbox[1] {
            return Err(Error::invalid_param(
                "bbox",
                format!("{bbox:?}"),
                "an extent needs finite bounds with min <= max",
            ));
        }
        let x0 = (bbox[0] / cell).floor() * cell;
        let y0 = (bbox[1] / cell).floor() * cell;
        // in f64 first: a tiny cell would saturate the conversion to usize
        let (fc, fr) = (
            ((bbox[2] - x0) / cell).floor() + 1.0,
            ((bbox[3] - y0) / cell).floor() + 1.0,
        );
        if (fc * fr).is_nan() || fc * fr > MAX_CELLS as f64 {
            return Err(too_many_cells(fc as usize, fr as usize));
        }
        Grid::new(x0, y0, cell, fc as usize, fr as usize)
    }

    /// Default cell size, the sfhotspot rule: 1/50 of the shorter side of the
    /// extent, rounded down to a multiple of 100 m when that is > 0 (otherwise the
    /// unrounded value). Returns an error for a degenerate (zero-size) extent.
    pub fn default_cell_size(bbox: [f64; 4]) -> Result<f64> {
        let short = (bbox[2] - bbox[0]).min(bbox[3] - bbox[1]);
        if !(short.is_finite() && short > 0.0) {
            return Err(Error::degenerate(
                "the default cell size",
                "the extent has zero width or height: give a cell size explicitly",
            ));
        }
        let s = short / 50.0;
        let r = (s / 100.0).floor() * 100.0;
        Ok(if r > 0.0 { r } else { s })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ncols * self.nrows
    }

    /// Whether the grid has no cells (never, for a constructed grid).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column and row of a point, or `None` outside the grid.
    #[inline]
    pub fn col_row_of(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let c = ((x - self.x0) / self.cell).floor();
        let r = ((y - self.y0) / self.cell).floor();
        if c >= 0.0 && r >= 0.0 && (c as usize) < self.ncols && (r as usize) < self.nrows {
            Some((c as usize, r as usize))
        } else {
            None
        }
    }

    /// Cell id of a point, or `None` outside the grid.
    #[inline]
    pub fn cell_of(&self, x: f64, y: f64) -> Option<usize> {
        self.col_row_of(x, y).map(|(c, r)| r * self.ncols + c)
    }

    /// (col, row) of a cell id.
    #[inline]
    pub fn col_row(&self, id: usize) -> (usize, usize) {
        (id % self.ncols, id / self.ncols)
    }

    /// Centre of a cell.
    #[inline]
    pub fn centre(&self, id: usize) -> [f64; 2] {
        let (c, r) = self.col_row(id);
        [
            self.x0 + (c as f64 + 0.5) * self.cell,
            self.y0 + (r as f64 + 0.5) * self.cell,
        ]
    }

    /// All cell centres in id order.
    pub fn centres(&self) -> Vec<[f64; 2]> {
        (0..self.len()).map(|i| self.centre(i)).collect()
    }

    /// The cell as a polygon.
    pub fn cell_polygon(&self, id: usize) -> geo::Polygon<f64> {
        let (c, r) = self.col_row(id);
        let (x, y) = (
            self.x0 + c as f64 * self.cell,
            self.y0 + r as f64 * self.cell,
        );
        let s = self.cell;
        geo::Polygon::new(
            geo::LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]),
            vec![],
        )
    }

    /// Extent `[minx, miny, maxx, maxy]` of the grid.
    pub fn extent(&self) -> [f64; 4] {
        [
            self.x0,
            self.y0,
            self.x0 + self.ncols as f64 * self.cell,
            self.y0 + self.nrows as f64 * self.cell,
        ]
    }

    /// Area of one cell in km².
    pub fn cell_area_km2(&self) -> f64 {
        self.cell * self.cell / 1e6
    }

    /// Counts of points per cell (points outside are ignored; see [`Grid::counts_checked`]).
    pub fn counts(&self, pts: &[[f64; 2]]) -> Vec<f64> {
        self.counts_checked(pts).0
    }

    /// Counts per cell and the number of points that fell outside the grid.
    pub fn counts_checked(&self, pts: &[[f64; 2]]) -> (Vec<f64>, usize) {
        let mut c = vec![0.0; self.len()];
        let mut outside = 0;
        for p in pts {
            match self.cell_of(p[0], p[1]) {
                Some(i) => c[i] += 1.0,
                None => outside += 1,
            }
        }
        (c, outside)
    }

    /// Weighted counts per cell.
    pub fn weighted_counts(&self, pts: &[[f64; 2]], w: &[f64]) -> Vec<f64> {
        let mut c = vec![0.0; self.len()];
        for (p, wi) in pts.iter().zip(w) {
            if let Some(i) = self.cell_of(p[0], p[1]) {
                c[i] += wi;
            }
        }
        c
    }
}

/// 2-D prefix sums (summed-area table) of per-cell values for O(1) window sums.
#[derive(Debug, Clone)]
pub struct PrefixSum {
    ncols: usize,
    nrows: usize,
    s: Vec<f64>,
}

impl PrefixSum {
    /// Builds the table of `values` laid out like a [`Grid`] (row-major from the south-west).
    pub fn new(values: &[f64], ncols: usize, nrows: usize) -> Self {
        let w = ncols + 1;
        let mut s = vec![0.0; w * (nrows + 1)];
        for r in 0..nrows {
            let mut run = 0.0;
            for c in 0..ncols {
                run += values[r * ncols + c];
                s[(r + 1) * w + c + 1] = s[r * w + c + 1] + run;
            }
        }
        PrefixSum { ncols, nrows, s }
    }

    /// Sum over columns `c0..=c1` and rows `r0..=r1`, clamped to the grid
    /// (signed bounds allowed; an empty window sums to 0).
    pub fn window(&self, c0: i64, r0: i64, c1: i64, r1: i64) -> f64 {
        let c0 = c0.max(0) as usize;
        let r0 = r0.max(0) as usize;
        let c1 = c1.min(self.ncols as i64 - 1);
        let r1 = r1.min(self.nrows as i64 - 1);
        if c1 < c0 as i64 || r1 < r0 as i64 {
            return 0.0;
        }
        let (c1, r1) = (c1 as usize + 1, r1 as usize + 1);
        let w = self.ncols + 1;
        self.s[r1 * w + c1] - self.s[r0 * w + c1] - self.s[r1 * w + c0] + self.s[r0 * w + c0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_matches_golden_convention() {
        // golden input A: C = 200, origin (440000, 4420000), 100 x 100 cells
        let g = Grid::covering([440057.92, 4420013.14, 459981.18, 4439988.62], 200.0).unwrap();
        assert_eq!(
            (g.x0, g.y0, g.ncols, g.nrows),
            (440000.0, 4420000.0, 100, 100)
        );
        // golden input B: C = 250, origin (340250, 553000), 108 x 168
        let g = Grid::covering(
            [340350.427788, 553148.774168, 367222.274249, 594816.253213],
            250.0,
        )
        .unwrap();
        assert_eq!(
            (g.x0, g.y0, g.ncols, g.nrows),
            (340250.0, 553000.0, 108, 168)
        );
    }

    #[test]
    fn cell_edges_are_half_open() {
        let g = Grid::new(0.0, 0.0, 10.0, 3, 2).unwrap();
        assert_eq!(g.cell_of(0.0, 0.0), Some(0));
        assert_eq!(g.cell_of(10.0, 0.0), Some(1));
        assert_eq!(g.cell_of(29.999, 19.999), Some(5));
        assert_eq!(g.cell_of(30.0, 0.0), None);
        assert_eq!(g.cell_of(-0.001, 0.0), None);
        assert_eq!(g.centre(4), [15.0, 15.0]);
        // the max edge of a covering grid is inside (extra column)
        let g = Grid::covering([0.0, 0.0, 30.0, 10.0], 10.0).unwrap();
        assert_eq!(g.ncols, 4);
        assert!(g.cell_of(30.0, 10.0).is_some());
    }

    #[test]
    fn default_cell_size_rule() {
        assert_eq!(
            Grid::default_cell_size([0.0, 0.0, 20000.0, 12000.0]).unwrap(),
            200.0
        );
        assert_eq!(
            Grid::default_cell_size([0.0, 0.0, 20000.0, 12999.0]).unwrap(),
            200.0
        );
        assert!(
            (Grid::default_cell_size([0.0, 0.0, 1000.0, 2000.0]).unwrap() - 20.0).abs() < 1e-12
        );
        assert!(Grid::default_cell_size([0.0, 0.0, 0.0, 10.0]).is_err());
    }

    #[test]
    fn prefix_sum_windows() {
        let v: Vec<f64> = (0..12).map(|i| i as f64).collect();
        let p = PrefixSum::new(&v, 4, 3);
        assert_eq!(p.window(0, 0, 3, 2), 66.0);
        assert_eq!(p.window(1, 1, 1, 1), 5.0);
        assert_eq!(p.window(-5, -5, 0, 0), 0.0);
        assert_eq!(p.window(3, 2, 10, 10), 11.0);
        assert_eq!(p.window(2, 2, 1, 1), 0.0);
    }

    #[test]
    fn grid_typed_errors_name_the_field() {
        let e = Grid::new(0.0, 0.0, 10.0, 0, 3).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "ncols", .. }));
        let e = Grid::new(0.0, 0.0, 10.0, 3, 0).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "nrows", .. }));
        let e = Grid::covering([0.0, 0.0, f64::NAN, 1.0], 10.0).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "bbox", .. }));
        let e = Grid::default_cell_size([0.0, 0.0, 0.0, 100.0]).unwrap_err();
        assert!(matches!(e, Error::Degenerate { .. }));
    }
}
