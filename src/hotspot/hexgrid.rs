//! Hexagonal grids (pointy-top hexagons in "odd-r" offset rows).
//!
//! # Conventions
//! * `size` = distance between opposite edges (flat-to-flat), as `sf::st_make_grid(square = FALSE)`'s
//!   `cellsize`; circumradius `R = size/√3`, area `(√3/2)·size²`.
//! * Centre of (col, row): `(xc0 + (col + (row mod 2)/2)·size, yc0 + row·1.5R)`;
//!   `id = row·ncols + col`, row 0 south.
//! * A point belongs to the hexagon whose centre is nearest (cube rounding of
//!   axial coordinates; ties on an edge are resolved by the rounding).
//! * [`HexGrid::covering`] puts a margin of one hexagon around the extent, so
//!   every point of the extent falls inside the grid.

use geo::{LineString, Polygon};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::grid::{Grid, MAX_CELLS};

/// A grid of pointy-top hexagons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HexGrid {
    /// x of the centre of (0, 0).
    pub xc0: f64,
    /// y of the centre of (0, 0).
    pub yc0: f64,
    /// Flat-to-flat width (m).
    pub size: f64,
    /// Columns.
    pub ncols: usize,
    /// Rows.
    pub nrows: usize,
}

impl HexGrid {
    /// The hexagon grid covering `bbox` with a one-hexagon margin.
    pub fn covering(bbox: [f64; 4], size: f64) -> Result<HexGrid> {
        if !(size.is_finite() && size > 0.0) {
            return Err(Error::invalid_param(
                "cell",
                size,
                "a hexagon size (the cell) must be > 0 m",
            ));
        }
        if bbox.iter().any(|v| !v.is_finite()) || bbox[2] < bbox[0] || bbox[3] < bbox[1] {
            return Err(Error::invalid_param(
                "bbox",
                format!("{bbox:?}"),
                "an extent must be finite with min <= max",
            ));
        }
        let dy = 1.5 * size / 3f64.sqrt();
        let xc0 = (bbox[0] / size).floor() * size - size;
        let yc0 = (bbox[1] / dy).floor() * dy - dy;
        let ncols = ((bbox[2] - xc0) / size).floor() as usize + 2;
        let nrows = ((bbox[3] - yc0) / dy).floor() as usize + 2;
        if ncols.saturating_mul(nrows) > MAX_CELLS {
            return Err(crate::grid::too_many_cells(ncols, nrows));
        }
        Ok(HexGrid {
            xc0,
            yc0,
            size,
            ncols,
            nrows,
        })
    }

    /// Circumradius.
    pub fn radius(&self) -> f64 {
        self.size / 3f64.sqrt()
    }

    /// Number of hexagons.
    pub fn len(&self) -> usize {
        self.ncols * self.nrows
    }

    /// Whether empty (never for a constructed grid).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Area of one hexagon in km².
    pub fn cell_area_km2(&self) -> f64 {
        3f64.sqrt() / 2.0 * self.size * self.size / 1e6
    }

    /// Centre of hexagon `id`.
    pub fn centre(&self, id: usize) -> [f64; 2] {
        let (c, r) = (id % self.ncols, id / self.ncols);
        [
            self.xc0 + (c as f64 + 0.5 * (r % 2) as f64) * self.size,
            self.yc0 + r as f64 * 1.5 * self.radius(),
        ]
    }

    /// Hexagon holding a point, or `None` outside the grid.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<usize> {
        let rad = self.radius();
        let (px, py) = (x - self.xc0, y - self.yc0);
        let q = (3f64.sqrt() / 3.0 * px - py / 3.0) / rad;
        let r = (2.0 / 3.0 * py) / rad;
        // cube rounding
        let (cx, cz) = (q, r);
        let cy = -cx - cz;
        let (mut rx, ry, mut rz) = (cx.round(), cy.round(), cz.round());
        let (dx, dy, dz) = ((rx - cx).abs(), (ry - cy).abs(), (rz - cz).abs());
        if dx > dy && dx > dz {
            rx = -ry - rz;
        } else if dy <= dz {
            rz = -rx - ry;
        }
        if !(rx.is_finite() && rz.is_finite()) {
            return None;
        }
        let (q, r) = (rx as i64, rz as i64);
        let col = q + (r - (r & 1)) / 2;
        if col < 0 || r < 0 || col >= self.ncols as i64 || r >= self.nrows as i64 {
            return None;
        }
        Some(r as usize * self.ncols + col as usize)
    }

    /// The hexagon as a polygon.
    pub fn polygon(&self, id: usize) -> Polygon<f64> {
        let c = self.centre(id);
        let rad = self.radius();
        let mut pts: Vec<(f64, f64)> = (0..6)
            .map(|k| {
                let a = std::f64::consts::PI / 180.0 * (60.0 * k as f64 + 30.0);
                (c[0] + rad * a.cos(), c[1] + rad * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        Polygon::new(LineString::from(pts), vec![])
    }

    /// Extent `[minx, miny, maxx, maxy]` of all hexagons.
    pub fn extent(&self) -> [f64; 4] {
        let rad = self.radius();
        [
            self.xc0 - self.size / 2.0,
            self.yc0 - rad,
            self.xc0 + (self.ncols as f64) * self.size,
            self.yc0 + (self.nrows - 1) as f64 * 1.5 * rad + rad,
        ]
    }

    /// A square raster of the hexagons (for [`crate::render::grid_map`]): each
    /// pixel takes the value of the hexagon holding its centre (NaN outside).
    /// About `px` pixels across the longest side.
    pub fn rasterise(&self, values: &[f64], px: usize) -> Result<(Grid, Vec<f64>)> {
        let e = self.extent();
        let cell = (e[2] - e[0]).max(e[3] - e[1]) / px.max(1) as f64;
        let g = Grid::new(
            e[0],
            e[1],
            cell,
            ((e[2] - e[0]) / cell).ceil() as usize,
            ((e[3] - e[1]) / cell).ceil() as usize,
        )?;
        let v = (0..g.len())
            .map(|i| {
                let c = g.centre(i);
                self.cell_of(c[0], c[1])
                    .and_then(|h| values.get(h).copied())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        Ok((g, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotspot::weights::{point_weights, WeightsSpec};

    #[test]
    fn hexgrid_points_go_to_nearest_centre() {
        let h = HexGrid::covering([0.0, 0.0, 1000.0, 800.0], 100.0).unwrap();
        let centres: Vec<[f64; 2]> = (0..h.len()).map(|i| h.centre(i)).collect();
        let mut state = 12345u64;
        for _ in 0..2000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = (state >> 11) as f64 / (1u64 << 53) as f64 * 1000.0;
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let y = (state >> 11) as f64 / (1u64 << 53) as f64 * 800.0;
            let id = h.cell_of(x, y).expect("inside");
            let d = |c: [f64; 2]| (c[0] - x).hypot(c[1] - y);
            let best = centres.iter().map(|c| d(*c)).fold(f64::INFINITY, f64::min);
            assert!((d(centres[id]) - best).abs() < 1e-9, "({x}, {y})");
        }
        // the centre maps to itself
        for id in [0, 7, h.len() - 1] {
            let c = h.centre(id);
            assert_eq!(h.cell_of(c[0], c[1]), Some(id));
        }
    }

    #[test]
    fn hexgrid_six_neighbours_and_area() {
        let h = HexGrid::covering([0.0, 0.0, 1000.0, 1000.0], 100.0).unwrap();
        let centres: Vec<[f64; 2]> = (0..h.len()).map(|i| h.centre(i)).collect();
        let w = point_weights(
            &centres,
            &WeightsSpec::DistanceBand {
                radius: Some(100.0),
            },
            None,
        )
        .unwrap();
        let inner = h.ncols * 3 + 3;
        assert_eq!(w.neighbours(inner).len(), 6);
        use geo::Area;
        let a = h.polygon(0).unsigned_area() / 1e6;
        assert!((a - h.cell_area_km2()).abs() < 1e-12);
        let (g, v) = h.rasterise(&vec![1.0; h.len()], 200).unwrap();
        assert!(!g.is_empty() && v.iter().filter(|x| x.is_finite()).count() > g.len() / 2);
    }
}
