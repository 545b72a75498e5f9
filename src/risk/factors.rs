//! Risk-factor rasters: built-environment layers turned into 0/1 cell indicators.
//!
//! # Operationalisations (Caplan & Kennedy, *Risk Terrain Modeling Manual*, 2010;
//! RTMDx's "proximity" and "density")
//! * **Proximity** at spatial influence `d`: 1 when the cell centre lies within `d`
//!   (inclusive, exact point-to-geometry distance through the R-tree) of the nearest
//!   feature, else 0.
//! * **Density** at bandwidth `d`: a quartic (biweight) kernel density of the features'
//!   representative points (the point itself, the centroid of a line or polygon),
//!   `K(r) = 3/(π d²) (1 − r²/d²)²` for `r < d`, evaluated at every cell centre; the
//!   indicator is 1 when the density is **above the mean + `sd` standard deviations** of
//!   the density over all cells of the grid (default 2 SD), else 0.
//!
//! Each variable is identified by a [`FactorVariable`]; [`variable_values`] recomputes
//! it on any grid and layer, so a fitted model can be re-applied to changed layers.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::index::GeometryIndex;
use crate::io::WhereFilter;
use crate::layer::Layer;

/// How a layer is turned into indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Operationalisation {
    /// Cell within `d` of the nearest feature.
    Proximity,
    /// Feature density (bandwidth `d`) above mean + k SD.
    Density,
}

impl Operationalisation {
    /// `"proximity"` / `"density"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operationalisation::Proximity => "proximity",
            Operationalisation::Density => "density",
        }
    }
}

/// One candidate variable: a layer, an optional feature filter, an operationalisation
/// and a spatial influence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorVariable {
    /// Layer name.
    pub layer: String,
    /// Feature filter `column=value` (alternatives with `|`, `!=` to exclude).
    pub filter: Option<String>,
    /// Proximity or density.
    pub operationalisation: Operationalisation,
    /// Spatial influence (proximity distance or density bandwidth), metres.
    pub distance: f64,
    /// Density threshold in standard deviations above the mean (density only).
    pub density_sd: f64,
}

impl FactorVariable {
    /// A short label such as `bars:proximity@100m` or `lights[status=out]:density@150m`.
    pub fn label(&self) -> String {
        let f = self
            .filter
            .as_ref()
            .map(|f| format!("[{f}]"))
            .unwrap_or_default();
        format!(
            "{}{}:{}@{}m",
            self.layer,
            f,
            self.operationalisation.as_str(),
            fmt_dist(self.distance)
        )
    }
}

fn fmt_dist(d: f64) -> String {
    if (d - d.round()).abs() < 1e-9 {
        format!("{}", d.round() as i64)
    } else {
        format!("{d:.1}")
    }
}

/// Settings for building candidate variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorParams {
    /// Spatial influences to test (metres).
    pub distances: Vec<f64>,
    /// Operationalisations to try for every layer.
    pub operationalisations: Vec<Operationalisation>,
    /// Density threshold in SDs above the mean.
    pub density_sd: f64,
}

impl FactorParams {
    /// Distances `0.5, 1, …, 3` block lengths (half-block steps), both operationalisations,
    /// density threshold mean + 2 SD.
    pub fn new(block: f64) -> Self {
        FactorParams {
            distances: (1..=6).map(|k| k as f64 * 0.5 * block).collect(),
            operationalisations: vec![Operationalisation::Proximity, Operationalisation::Density],
            density_sd: 2.0,
        }
    }
    /// Sets the distances.
    pub fn distances(mut self, d: Vec<f64>) -> Self {
        self.distances = d;
        self
    }
    /// Sets the operationalisations.
    pub fn operationalisations(mut self, o: Vec<Operationalisation>) -> Self {
        self.operationalisations = o;
        self
    }
    /// Sets the density threshold (SDs above the mean).
    pub fn density_sd(mut self, k: f64) -> Self {
        self.density_sd = k;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.distances.is_empty() || self.distances.iter().any(|d| !(d.is_finite() && *d > 0.0))
        {
            return Err(Error::invalid_param(
                "distances",
                format!("{:?}", self.distances),
                "risk factor distances must be a non-empty list of positive metres",
            ));
        }
        if self.operationalisations.is_empty() {
            return Err(Error::invalid_param(
                "operationalisations",
                "none",
                "choose at least one operationalisation",
            ));
        }
        if !self.density_sd.is_finite() {
            return Err(Error::invalid_param(
                "density_sd",
                self.density_sd,
                "must be a finite number of standard deviations",
            ));
        }
        Ok(())
    }
}

/// A candidate variable with its cell values.
#[derive(Debug, Clone)]
pub struct FactorColumn {
    /// The definition.
    pub variable: FactorVariable,
    /// 0/1 per grid cell (cell-id order).
    pub values: Vec<u8>,
}

/// Applies a `column=value` filter to a layer (features whose property is absent fail).
pub fn filter_layer(layer: &Layer, filter: Option<&str>) -> Result<Layer> {
    let Some(f) = filter else {
        return Ok(layer.clone());
    };
    let wf = WhereFilter::parse(f)?;
    Ok(layer.filter(|i| {
        layer
            .property_str(i, &wf.column)
            .is_some_and(|v| wf.accepts(&v))
    }))
}

/// Number of features whose bounding box touches the grid extent grown by `margin`.
fn features_in_area(layer: &Layer, grid: &Grid, margin: f64) -> usize {
    use geo::BoundingRect;
    let e = grid.extent();
    layer
        .geometries
        .iter()
        .filter(|g| {
            g.bounding_rect().is_some_and(|r| {
                r.max().x >= e[0] - margin
                    && r.min().x <= e[2] + margin
                    && r.max().y >= e[1] - margin
                    && r.min().y <= e[3] + margin
            })
        })
        .count()
}

/// Quartic-kernel densities of `pts` at every cell centre, one surface per bandwidth in
/// `hs` (cell-id order).
///
/// # Algorithm
/// One pass per grid row (rows in parallel): the points within the largest bandwidth of
/// the row's centre line (binary search in the points sorted by y) are visited in input
/// order, each adding its kernel to the cells of the row it reaches. Every cell thus sums
/// its neighbours in point-index order, the same order as an R-tree `within` query sorted
/// by index, and one pass serves every bandwidth. `O(rows · log m + pairs · |hs|)`.
fn densities(grid: &Grid, pts: &[[f64; 2]], hs: &[f64]) -> Vec<Vec<f64>> {
    let hmax = hs.iter().cloned().fold(0.0, f64::max);
    let nc = grid.ncols;
    let mut by_y: Vec<usize> = (0..pts.len()).collect();
    by_y.sort_by(|&a, &b| pts[a][1].total_cmp(&pts[b][1]).then(a.cmp(&b)));
    let ys: Vec<f64> = by_y.iter().map(|&i| pts[i][1]).collect();
    let rows: Vec<Vec<f64>> = (0..grid.nrows)
        .into_par_iter()
        .map(|r| {
            let cy = grid.y0 + (r as f64 + 0.5) * grid.cell;
            let lo = ys.partition_point(|&y| y < cy - hmax);
            let hi = ys.partition_point(|&y| y <= cy + hmax);
            let mut band: Vec<usize> = by_y[lo..hi].to_vec();
            band.sort_unstable();
            let mut s = vec![0.0; hs.len() * nc];
            for &i in &band {
                let [px, py] = pts[i];
                let c0 = ((px - hmax - grid.x0) / grid.cell - 1.0).floor().max(0.0);
                let c1 = ((px + hmax - grid.x0) / grid.cell + 1.0).ceil();
                if c1 < 0.0 || c0 >= nc as f64 {
                    continue;
                }
                let (c0, c1) = (c0 as usize, (c1 as usize).min(nc - 1));
                for c in c0..=c1 {
                    let cx = grid.x0 + (c as f64 + 0.5) * grid.cell;
                    let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
                    for (k, &h) in hs.iter().enumerate() {
                        let u = d / h;
                        if u < 1.0 {
                            s[k * nc + c] += (1.0 - u * u).powi(2);
                        }
                    }
                }
            }
            s
        })
        .collect();
    hs.iter()
        .enumerate()
        .map(|(k, &h)| {
            let c = 3.0 / (std::f64::consts::PI * h * h);
            rows.iter()
                .flat_map(|s| s[k * nc..(k + 1) * nc].iter().map(move |v| c * v))
                .collect()
        })
        .collect()
}

/// 1 where the value exceeds mean + k·SD (population SD over all cells).
fn above_mean_sd(v: &[f64], k: f64) -> Vec<u8> {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let thr = mean + k * var.sqrt();
    v.iter().map(|x| u8::from(*x > thr)).collect()
}

/// Values of one variable on a grid for an (unfiltered) layer; the variable's filter is
/// applied here.
///
/// # Errors
/// [`Error::Degenerate`] when no (filtered) feature lies within the study area grown by the
/// variable's distance.
pub fn variable_values(grid: &Grid, layer: &Layer, var: &FactorVariable) -> Result<Vec<u8>> {
    let l = filter_layer(layer, var.filter.as_deref())?;
    check_in_area(&l, layer.len(), grid, var.distance, var.filter.as_deref())?;
    Ok(match var.operationalisation {
        Operationalisation::Proximity => {
            let d = GeometryIndex::of_layer(&l).nearest_distances(&grid.centres());
            d.iter().map(|x| u8::from(*x <= var.distance)).collect()
        }
        Operationalisation::Density => {
            let dens = densities(grid, &finite_points(&l), &[var.distance]);
            above_mean_sd(&dens[0], var.density_sd)
        }
    })
}

/// `unfiltered` is the size of the layer before the variable's filter, so the message
/// can tell "the filter matched nothing" from "the layer lies elsewhere".
fn check_in_area(
    l: &Layer,
    unfiltered: usize,
    grid: &Grid,
    margin: f64,
    filter: Option<&str>,
) -> Result<()> {
    if features_in_area(l, grid, margin) == 0 {
        let what = match filter {
            Some(f) => format!(
                "no features matching {f:?} in the study area ({} of the layer's {unfiltered} \
                 features match the filter)",
                l.len()
            ),
            None => format!("no features in the study area ({unfiltered} features in the layer)"),
        };
        return Err(Error::degenerate(
            "risk terrain",
            format!("layer '{}' has {what}", l.name),
        ));
    }
    Ok(())
}

/// All candidate variables of a layer: every operationalisation × distance.
///
/// Nearest distances are computed once per layer (parallel R-tree queries); densities
/// once per bandwidth.
///
/// # Errors
/// [`Error::Degenerate`] when the (filtered) layer has no feature in the study area;
/// [`Error::InvalidParam`] for bad settings or a bad filter.
pub fn layer_columns(
    grid: &Grid,
    layer: &Layer,
    filter: Option<&str>,
    params: &FactorParams,
) -> Result<Vec<FactorColumn>> {
    params.validate()?;
    let l = filter_layer(layer, filter)?;
    let dmax = params.distances.iter().cloned().fold(0.0, f64::max);
    check_in_area(&l, layer.len(), grid, dmax, filter)?;
    let mut out = Vec::new();
    for op in &params.operationalisations {
        let variable = |distance: f64| FactorVariable {
            layer: layer.name.clone(),
            filter: filter.map(str::to_string),
            operationalisation: *op,
            distance,
            density_sd: params.density_sd,
        };
        match op {
            Operationalisation::Proximity => {
                let near = GeometryIndex::of_layer(&l).nearest_distances(&grid.centres());
                for &d in &params.distances {
                    out.push(FactorColumn {
                        variable: variable(d),
                        values: near.iter().map(|x| u8::from(*x <= d)).collect(),
                    });
                }
            }
            Operationalisation::Density => {
                let dens = densities(grid, &finite_points(&l), &params.distances);
                for (&d, dv) in params.distances.iter().zip(&dens) {
                    out.push(FactorColumn {
                        variable: variable(d),
                        values: above_mean_sd(dv, params.density_sd),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The representative points of a layer's features (see
/// [`Layer::representative_points`]) that are finite, for densities.
fn finite_points(l: &Layer) -> Vec<[f64; 2]> {
    l.representative_points()
        .into_iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect()
}

/// Study-area mask: `true` for cells whose centre lies inside the polygons of `layer`
/// (even–odd rule over every ring, so holes are excluded; points and lines are ignored).
///
/// # Algorithm
/// A scanline per grid row through the row's cell centres: the crossings of the ring edges
/// (half-open in y, so a vertex on the line is counted once) are sorted and the cells whose
/// centre lies in `[x₀, x₁)` of each pair are set. `O(rows · edges + cells)`.
pub fn polygon_mask(grid: &Grid, layer: &Layer) -> Vec<bool> {
    use geo::Geometry;
    let mut polys: Vec<&geo::Polygon<f64>> = Vec::new();
    for g in &layer.geometries {
        match g {
            Geometry::Polygon(p) => polys.push(p),
            Geometry::MultiPolygon(mp) => polys.extend(mp.0.iter()),
            _ => {}
        }
    }
    let mut rings: Vec<&geo::LineString<f64>> = Vec::new();
    for p in polys {
        rings.push(p.exterior());
        rings.extend(p.interiors());
    }
    let mut mask = vec![false; grid.len()];
    mask.par_chunks_mut(grid.ncols)
        .enumerate()
        .for_each(|(row, out)| {
            let y = grid.y0 + (row as f64 + 0.5) * grid.cell;
            let mut xs: Vec<f64> = Vec::new();
            for r in &rings {
                for w in r.0.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if (a.y > y) != (b.y > y) {
                        xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            let first_col = |x: f64| -> usize {
                let c = ((x - grid.x0) / grid.cell - 0.5).ceil();
                c.clamp(0.0, grid.ncols as f64) as usize
            };
            for pair in xs.chunks_exact(2) {
                let (c0, c1) = (first_col(pair[0]), first_col(pair[1]));
                for v in out.iter_mut().take(c1).skip(c0) {
                    *v = !*v;
                }
            }
        });
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixtures::status_layer;

    #[test]
    fn layer_columns_proximity_matches_brute_force() {
        let g = Grid::new(0.0, 0.0, 10.0, 20, 20).unwrap();
        let l = status_layer("a", &[[55.0, 55.0], [150.0, 20.0]], &["on", "out"]);
        let p = FactorParams::new(40.0).operationalisations(vec![Operationalisation::Proximity]);
        let cols = layer_columns(&g, &l, None, &p).unwrap();
        assert_eq!(cols.len(), 6);
        for c in &cols {
            for id in 0..g.len() {
                let q = g.centre(id);
                let d = [[55.0, 55.0], [150.0, 20.0]]
                    .iter()
                    .map(|f: &[f64; 2]| ((f[0] - q[0]).powi(2) + (f[1] - q[1]).powi(2)).sqrt())
                    .fold(f64::INFINITY, f64::min);
                assert_eq!(c.values[id], u8::from(d <= c.variable.distance));
            }
        }
        // filter keeps only the `out` feature
        let cols = layer_columns(&g, &l, Some("status=out"), &p).unwrap();
        let q = g.cell_of(55.0, 55.0).unwrap();
        assert_eq!(cols[0].values[q], 0);
        assert_eq!(cols[0].variable.label(), "a[status=out]:proximity@20m");
    }

    #[test]
    fn layer_columns_density_flags_cluster() {
        let g = Grid::new(0.0, 0.0, 10.0, 30, 30).unwrap();
        let mut pts = vec![[50.0, 50.0], [52.0, 55.0], [58.0, 49.0], [45.0, 60.0]];
        pts.push([250.0, 250.0]);
        let l = status_layer("b", &pts, &["x"; 5]);
        let p = FactorParams::new(100.0)
            .distances(vec![40.0])
            .operationalisations(vec![Operationalisation::Density]);
        let c = &layer_columns(&g, &l, None, &p).unwrap()[0];
        assert_eq!(c.values[g.cell_of(52.0, 52.0).unwrap()], 1);
        assert_eq!(c.values[g.cell_of(150.0, 150.0).unwrap()], 0);
        assert_eq!(variable_values(&g, &l, &c.variable).unwrap(), c.values);
    }

    #[test]
    fn densities_equal_brute_force_in_index_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let g = Grid::new(3.0, -7.0, 10.0, 23, 17).unwrap();
        // Points inside and around the grid (some beyond the edge still reach cells).
        let pts: Vec<[f64; 2]> = (0..300)
            .map(|_| {
                [
                    rng.random_range(-40.0..280.0),
                    rng.random_range(-60.0..200.0),
                ]
            })
            .collect();
        let hs = [15.0, 40.0, 25.0];
        let multi = densities(&g, &pts, &hs);
        for (k, &h) in hs.iter().enumerate() {
            let single = densities(&g, &pts, &[h]);
            assert_eq!(single[0], multi[k], "one pass serves every bandwidth");
            let c = 3.0 / (std::f64::consts::PI * h * h);
            for (id, got) in multi[k].iter().enumerate() {
                let q = g.centre(id);
                let mut s = 0.0;
                for p in &pts {
                    let d = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
                    let u = d / h;
                    if u < 1.0 {
                        s += (1.0 - u * u).powi(2);
                    }
                }
                // Same terms in the same order: bit-identical.
                assert_eq!(*got, c * s, "cell {id} h {h}");
            }
        }
    }

    #[test]
    fn polygon_mask_matches_point_in_polygon() {
        use geo::{Contains, Geometry, LineString, Point, Polygon};
        let g = Grid::new(0.0, 0.0, 10.0, 30, 25).unwrap();
        let outer = LineString::from(vec![
            (5.3, 5.1),
            (250.7, 20.2),
            (180.1, 240.3),
            (12.4, 200.9),
            (5.3, 5.1),
        ]);
        let hole = LineString::from(vec![
            (80.2, 80.3),
            (120.1, 80.3),
            (120.1, 121.7),
            (80.2, 121.7),
            (80.2, 80.3),
        ]);
        let poly = Polygon::new(outer, vec![hole]);
        let mut l = status_layer("b", &[], &[]);
        l.geometries = vec![Geometry::Polygon(poly.clone())];
        l.properties = vec![serde_json::Map::new()];
        let m = polygon_mask(&g, &l);
        for (id, inside) in m.iter().enumerate() {
            let c = g.centre(id);
            assert_eq!(*inside, poly.contains(&Point::new(c[0], c[1])), "cell {id}");
        }
        assert!(m.iter().any(|v| *v) && !m.iter().all(|v| *v));
    }

    #[test]
    fn layer_columns_empty_layer_in_area_is_an_error() {
        let g = Grid::new(0.0, 0.0, 10.0, 10, 10).unwrap();
        let l = status_layer("far", &[[5000.0, 5000.0]], &["on"]);
        let e = layer_columns(&g, &l, None, &FactorParams::new(50.0)).unwrap_err();
        assert!(e.to_string().contains("layer 'far' has no features"), "{e}");
        let l = status_layer("near", &[[5.0, 5.0]], &["on"]);
        let e = layer_columns(&g, &l, Some("status=out"), &FactorParams::new(50.0)).unwrap_err();
        assert!(e.to_string().contains("matching"), "{e}");
        // The count is of the whole layer, not of the filtered (empty) one.
        assert!(
            e.to_string().contains("0 of the layer's 1 features match"),
            "{e}"
        );
    }
}
