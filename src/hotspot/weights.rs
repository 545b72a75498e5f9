//! Spatial weights between cells (or any points) in compressed sparse rows.
//!
//! # Conventions
//! * Neighbour lists never contain the unit itself; statistics that include
//!   the self term (Gi*) add it (`w_ii = 1`).
//! * Distance bands are inclusive (`d ≤ r`, as libpysal's `DistanceBand`) with
//!   a relative tolerance of 1e-9 on `r²` (and on `r` for points; centre distances at UTM-size coordinates carry ~1e-9 m of rounding), so the default band `C·√2`
//!   contains the diagonal (queen) neighbours despite rounding.
//! * k-nearest: the k nearest other units by distance, ties broken by lower
//!   index (not symmetric in general).
//! * Inverse distance: `w_ij = min(1, (s/d_ij)^power)` for `0 < d_ij ≤ r`, with
//!   scale `s` (the cell size on grids), so adjacent cells weigh 1 like the
//!   self term; units at the same place weigh 1.
//! * Neighbours are listed in ascending index order.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::CellGrid;
use crate::index::PointIndex;

/// How neighbours are defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WeightsSpec {
    /// Binary weights within a distance band `d ≤ radius` (default on grids: `C·√2`, queen).
    DistanceBand {
        /// Radius in metres; `None` = cell size·√2 on grids.
        radius: Option<f64>,
    },
    /// Binary weights to the k nearest other units.
    Knn {
        /// Number of neighbours.
        k: usize,
    },
    /// Inverse-distance weights within a radius.
    InverseDistance {
        /// Radius in metres; `None` = 3 × cell size on grids.
        radius: Option<f64>,
        /// Distance exponent (1 or 2 usually).
        power: f64,
        /// Reference distance `s`; `None` = the cell size on grids, 1 m otherwise.
        scale: Option<f64>,
    },
}

impl Default for WeightsSpec {
    fn default() -> Self {
        WeightsSpec::DistanceBand { radius: None }
    }
}

impl WeightsSpec {
    /// Short human-readable description with the resolved numbers.
    pub fn describe(&self, cell: Option<f64>) -> String {
        match *self {
            WeightsSpec::DistanceBand { radius } => {
                let r = radius.or(cell.map(|c| c * std::f64::consts::SQRT_2));
                match (radius, r) {
                    (None, Some(r)) => {
                        format!("binary distance band d <= {r:.2} m (cell*sqrt(2), queen)")
                    }
                    (_, Some(r)) => format!("binary distance band d <= {r} m"),
                    _ => "binary distance band".into(),
                }
            }
            WeightsSpec::Knn { k } => format!("binary {k} nearest neighbours"),
            WeightsSpec::InverseDistance {
                radius,
                power,
                scale,
            } => format!(
                "inverse distance min(1, (s/d)^{power}), s = {} m, d <= {} m",
                scale.or(cell).unwrap_or(1.0),
                radius
                    .or(cell.map(|c| 3.0 * c))
                    .map_or("?".to_string(), |r| r.to_string())
            ),
        }
    }
}

/// Sparse weights: neighbours of unit `i` are `neighbours[offsets[i]..offsets[i+1]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
    /// `None` = all weights 1 (binary).
    values: Option<Vec<f64>>,
}

impl Weights {
    /// Builds weights from neighbour lists (and optional weight lists of the same shape).
    pub fn from_lists(lists: Vec<Vec<(usize, f64)>>, binary: bool) -> Result<Self> {
        let n = lists.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut neighbours = Vec::new();
        let mut values = Vec::new();
        for (i, l) in lists.into_iter().enumerate() {
            for (j, w) in l {
                if j >= n || j == i {
                    return Err(Error::invalid_param(
                        "lists",
                        format!("neighbour {j} of unit {i}"),
                        format!("a neighbour must be another unit of the {n}"),
                    ));
                }
                if !(w.is_finite() && w >= 0.0) {
                    return Err(Error::invalid_param(
                        "lists",
                        format!("weight {w} of ({i}, {j})"),
                        "a weight must be finite and >= 0",
                    ));
                }
                neighbours.push(j as u32);
                values.push(w);
            }
            offsets.push(neighbours.len());
        }
        Ok(Weights {
            offsets,
            neighbours,
            values: if binary { None } else { Some(values) },
        })
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no units.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neighbour indices of unit `i`.
    #[inline]
    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.neighbours[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Weights of unit `i`'s neighbours (`None` = all 1).
    #[inline]
    pub fn weights(&self, i: usize) -> Option<&[f64]> {
        self.values
            .as_ref()
            .map(|v| &v[self.offsets[i]..self.offsets[i + 1]])
    }

    /// Whether all weights are 1.
    pub fn is_binary(&self) -> bool {
        self.values.is_none()
    }

    /// Largest number of neighbours of any unit.
    pub fn max_neighbours(&self) -> usize {
        (0..self.len())
            .map(|i| self.offsets[i + 1] - self.offsets[i])
            .max()
            .unwrap_or(0)
    }

    /// Units with no neighbour.
    pub fn isolates(&self) -> usize {
        (0..self.len())
            .filter(|&i| self.offsets[i + 1] == self.offsets[i])
            .count()
    }
}

fn check_radius(r: f64) -> Result<f64> {
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(Error::invalid_param(
            "radius",
            r,
            "a neighbour radius must be > 0 m",
        ))
    }
}

/// Weights between the cells of a [`CellGrid`] (in its analysis order). Distance
/// bands and inverse distance use a stencil of cell offsets (O(cells × stencil));
/// k-nearest uses an R-tree over the centres.
pub fn grid_weights(cg: &CellGrid, spec: &WeightsSpec) -> Result<Weights> {
    let c = cg.grid.cell;
    let (radius, idw) = match *spec {
        WeightsSpec::Knn { .. } => return point_weights(&cg.centres(), spec, Some(c)),
        WeightsSpec::DistanceBand { radius } => {
            (radius.unwrap_or(c * std::f64::consts::SQRT_2), None)
        }
        WeightsSpec::InverseDistance {
            radius,
            power,
            scale,
        } => (radius.unwrap_or(3.0 * c), Some((power, scale.unwrap_or(c)))),
    };
    let r = check_radius(radius)?;
    // in f64: a huge radius would overflow the integer arithmetic
    if r / c >= 499.0 {
        return Err(Error::limit(
            "neighbour radius",
            format!("{r} m"),
            format!("499 cells of {c} m"),
            "the neighbourhood stencil has (2·reach + 1)² cells; use a larger cell or a smaller radius",
        ));
    }
    let reach = (r / c).floor() as i64 + 1;
    let r2 = r * r * (1.0 + 1e-9);
    let mut stencil = Vec::new();
    for dr in -reach..=reach {
        for dc in -reach..=reach {
            if dr == 0 && dc == 0 {
                continue;
            }
            let (dx, dy) = (dc as f64 * c, dr as f64 * c);
            let d2 = dx * dx + dy * dy;
            if d2 <= r2 {
                let w = match idw {
                    None => 1.0,
                    Some((p, s)) => (s / d2.sqrt()).powf(p).min(1.0),
                };
                stencil.push((dc, dr, w));
            }
        }
    }
    let (nc, nr) = (cg.grid.ncols as i64, cg.grid.nrows as i64);
    let lists: Vec<Vec<(usize, f64)>> = cg
        .cells
        .iter()
        .map(|&id| {
            let (col, row) = cg.grid.col_row(id);
            stencil
                .iter()
                .filter_map(|&(dc, dr, w)| {
                    let (cc, rr) = (col as i64 + dc, row as i64 + dr);
                    if cc < 0 || rr < 0 || cc >= nc || rr >= nr {
                        return None;
                    }
                    cg.position((rr * nc + cc) as usize).map(|k| (k, w))
                })
                .collect()
        })
        .collect();
    Weights::from_lists(lists, idw.is_none())
}

/// Weights between arbitrary points (e.g. polygon centroids). `cell` is the
/// default scale for inverse distance (1 m when `None`); a distance band needs
/// an explicit radius unless `cell` is given.
pub fn point_weights(pts: &[[f64; 2]], spec: &WeightsSpec, cell: Option<f64>) -> Result<Weights> {
    let idx = PointIndex::new(pts);
    let lists: Vec<Vec<(usize, f64)>> = match *spec {
        WeightsSpec::Knn { k } => {
            if k == 0 || k >= pts.len() {
                return Err(Error::invalid_param(
                    "k",
                    k,
                    format!(
                        "k nearest neighbours needs 1 <= k < number of units ({})",
                        pts.len()
                    ),
                ));
            }
            pts.iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut v: Vec<(usize, f64)> = idx
                        .k_nearest(*p, k + 1)
                        .into_iter()
                        .filter(|(j, _)| *j != i)
                        .map(|(j, _)| (j, 1.0))
                        .collect();
                    v.truncate(k);
                    v.sort_unstable_by_key(|x| x.0);
                    v
                })
                .collect()
        }
        WeightsSpec::DistanceBand { radius } => {
            let r = radius
                .or(cell.map(|c| c * std::f64::consts::SQRT_2))
                .ok_or_else(|| Error::missing_param("radius", "neighbours", "band"))?;
            let r = check_radius(r)? * (1.0 + 1e-9);
            within_others(&idx, pts, r, |_| 1.0)
        }
        WeightsSpec::InverseDistance {
            radius,
            power,
            scale,
        } => {
            let r = radius
                .or(cell.map(|c| 3.0 * c))
                .ok_or_else(|| Error::missing_param("radius", "neighbours", "idw"))?;
            let r = check_radius(r)?;
            let s = scale.or(cell).unwrap_or(1.0);
            within_others(&idx, pts, r, |d| {
                if d > 0.0 {
                    (s / d).powf(power).min(1.0)
                } else {
                    1.0
                }
            })
        }
    };
    Weights::from_lists(lists, !matches!(spec, WeightsSpec::InverseDistance { .. }))
}

/// For each point, the other points within `r` (the index's order) with the
/// weight `weight(distance)`.
fn within_others(
    idx: &PointIndex,
    pts: &[[f64; 2]],
    r: f64,
    weight: impl Fn(f64) -> f64,
) -> Vec<Vec<(usize, f64)>> {
    pts.iter()
        .enumerate()
        .map(|(i, p)| {
            idx.within(*p, r)
                .into_iter()
                .filter(|(j, _)| *j != i)
                .map(|(j, d)| (j, weight(d)))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;

    #[test]
    fn grid_weights_queen_counts() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 200.0, 4, 3).unwrap());
        let w = grid_weights(&cg, &WeightsSpec::default()).unwrap();
        assert!(w.is_binary());
        assert_eq!(w.neighbours(0), &[1, 4, 5]); // corner: 3
        assert_eq!(w.neighbours(1).len(), 5); // edge: 5
        assert_eq!(w.neighbours(5).len(), 8); // inside: 8
        assert_eq!(w.max_neighbours(), 8);
    }

    #[test]
    fn grid_weights_match_point_weights() {
        let cg = CellGrid::full(Grid::new(0.0, 0.0, 100.0, 7, 5).unwrap());
        for spec in [
            WeightsSpec::DistanceBand {
                radius: Some(250.0),
            },
            WeightsSpec::InverseDistance {
                radius: Some(300.0),
                power: 1.0,
                scale: None,
            },
        ] {
            let a = grid_weights(&cg, &spec).unwrap();
            let b = point_weights(&cg.centres(), &spec, Some(100.0)).unwrap();
            assert_eq!(a.len(), b.len());
            for i in 0..a.len() {
                assert_eq!(a.neighbours(i), b.neighbours(i), "{spec:?} {i}");
                if let (Some(x), Some(y)) = (a.weights(i), b.weights(i)) {
                    for (u, v) in x.iter().zip(y) {
                        assert!((u - v).abs() < 1e-12);
                    }
                }
            }
        }
    }

    #[test]
    fn knn_excludes_self() {
        let pts = [[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [10.0, 0.0]];
        let w = point_weights(&pts, &WeightsSpec::Knn { k: 2 }, None).unwrap();
        assert_eq!(w.neighbours(0), &[1, 2]);
        assert_eq!(w.neighbours(3), &[1, 2]);
        assert!(point_weights(&pts, &WeightsSpec::Knn { k: 4 }, None).is_err());
    }
}
