//! The units of a ranking: cells, street segments, user sites (see [the module docs](super)).

use super::*;

/// The units to rank.
#[derive(Debug, Clone, Copy)]
pub enum SiteUnits<'a> {
    /// Cells of the model's grid (inside its study area).
    Cells,
    /// Street segments; incidents snap within `tolerance` metres (inclusive).
    Segments {
        /// The segments (e.g. from [`crate::street::build_segments`]).
        segments: &'a [StreetSegment],
        /// Snapping tolerance (m).
        tolerance: f64,
    },
    /// User sites: points with a radius, or polygons.
    Sites {
        /// Point / polygon / multi-polygon features.
        layer: &'a Layer,
        /// Default radius (m) of point sites (a numeric `radius` property overrides it).
        radius: f64,
    },
}

impl SiteUnits<'_> {
    /// `cells`, `segments` or `sites`.
    pub fn name(&self) -> &'static str {
        match self {
            SiteUnits::Cells => "cells",
            SiteUnits::Segments { .. } => "segments",
            SiteUnits::Sites { .. } => "sites",
        }
    }
}

/// A unit before scoring.
pub(super) struct Unit {
    pub(super) id: String,
    pub(super) centre: [f64; 2],
    pub(super) members: Vec<u32>,
    pub(super) covered: Vec<usize>,
    pub(super) in_universe: bool,
    pub(super) always_rank: bool,
}

/// Ids of the cells whose centre lies in the box (inclusive), in id order.
fn cells_in_box(grid: &Grid, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
    let lo = |v: f64, o: f64| ((v - o) / grid.cell - 0.5).ceil().max(0.0);
    let hi = |v: f64, o: f64| ((v - o) / grid.cell - 0.5).floor();
    let (c0, c1) = (lo(min[0], grid.x0), hi(max[0], grid.x0));
    let (r0, r1) = (lo(min[1], grid.y0), hi(max[1], grid.y0));
    if !(c1 >= c0 && r1 >= r0) || c1 < 0.0 || r1 < 0.0 {
        return Vec::new();
    }
    let c1 = (c1 as usize).min(grid.ncols.saturating_sub(1));
    let r1 = (r1 as usize).min(grid.nrows.saturating_sub(1));
    let (c0, r0) = (c0 as usize, r0 as usize);
    let mut v = Vec::new();
    for r in r0..=r1 {
        for c in c0..=c1 {
            v.push(r * grid.ncols + c);
        }
    }
    v
}

fn feature_id(layer: &Layer, i: usize) -> String {
    for key in ["id", "name"] {
        match layer.properties.get(i).and_then(|p| p.get(key)) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => return s.clone(),
            Some(serde_json::Value::Number(n)) => return n.to_string(),
            _ => {}
        }
    }
    i.to_string()
}

pub(super) fn build_units(
    xy: &[[f64; 2]],
    units: &SiteUnits,
    model: &RtmModel,
    params: &SiteParams,
) -> Result<Vec<Unit>> {
    let grid = &model.grid;
    let in_study = |c: usize| model.in_study(c);
    let fallback = |p: [f64; 2]| -> Vec<usize> {
        grid.cell_of(p[0], p[1])
            .filter(|&c| in_study(c))
            .into_iter()
            .collect()
    };
    Ok(match units {
        SiteUnits::Cells => {
            let mut members = vec![Vec::new(); grid.len()];
            for (i, p) in xy.iter().enumerate() {
                if let Some(c) = grid.cell_of(p[0], p[1]) {
                    members[c].push(i as u32);
                }
            }
            members
                .into_iter()
                .enumerate()
                .map(|(c, m)| {
                    let inside = in_study(c);
                    Unit {
                        id: c.to_string(),
                        centre: grid.centre(c),
                        members: if inside { m } else { Vec::new() },
                        covered: if inside { vec![c] } else { Vec::new() },
                        in_universe: inside,
                        always_rank: false,
                    }
                })
                .collect()
        }
        SiteUnits::Segments {
            segments,
            tolerance,
        } => {
            let buffer = params.segment_buffer.unwrap_or(grid.cell / 2.0);
            if !(buffer.is_finite() && buffer >= 0.0) {
                return Err(Error::invalid_param(
                    "segment_buffer",
                    buffer,
                    "a segment buffer must be a distance >= 0 m",
                ));
            }
            let snapped = snap_to_segments(xy, segments, *tolerance)?;
            let mut members = vec![Vec::new(); segments.len()];
            for (i, s) in snapped.segment.iter().enumerate() {
                if let Some(s) = s {
                    members[*s].push(i as u32);
                }
            }
            segments
                .iter()
                .zip(members)
                .map(|(s, m)| {
                    use geo::BoundingRect;
                    let mid = s
                        .geometry
                        .point_at_ratio_from_start(&Euclidean, 0.5)
                        .map(|p| [p.x(), p.y()])
                        .or_else(|| s.geometry.0.first().map(|c| [c.x, c.y]))
                        .unwrap_or([f64::NAN, f64::NAN]);
                    let mut covered: Vec<usize> = match s.geometry.bounding_rect() {
                        Some(r) => cells_in_box(
                            grid,
                            [r.min().x - buffer, r.min().y - buffer],
                            [r.max().x + buffer, r.max().y + buffer],
                        )
                        .into_iter()
                        .filter(|&c| {
                            in_study(c)
                                && Euclidean.distance(&Point::from(grid.centre(c)), &s.geometry)
                                    <= buffer
                        })
                        .collect(),
                        None => Vec::new(),
                    };
                    if covered.is_empty() {
                        covered = fallback(mid);
                    }
                    Unit {
                        id: format!("{}:{}", s.source, s.part),
                        centre: mid,
                        members: m,
                        covered,
                        in_universe: true,
                        always_rank: false,
                    }
                })
                .collect()
        }
        SiteUnits::Sites { layer, radius } => {
            if !(radius.is_finite() && *radius >= 0.0) {
                return Err(Error::invalid_param(
                    "site_radius",
                    radius,
                    "a site radius must be a distance >= 0 m",
                ));
            }
            let idx = PointIndex::new(xy);
            let mut out = Vec::with_capacity(layer.len());
            for (i, g) in layer.geometries.iter().enumerate() {
                let id = feature_id(layer, i);
                let (centre, members, mut covered) = match g {
                    geo::Geometry::Point(p) => {
                        let r = match layer.properties.get(i).and_then(|m| m.get("radius")) {
                            None | Some(serde_json::Value::Null) => *radius,
                            Some(v) => v
                                .as_f64()
                                .filter(|r| r.is_finite() && *r >= 0.0)
                                .ok_or_else(|| {
                                    Error::invalid(
                                        format!("site layer '{}'", layer.name),
                                        format!("feature {i} ('{id}'): radius"),
                                        v,
                                        "a radius must be a distance >= 0 m",
                                    )
                                })?,
                        };
                        let c = [p.x(), p.y()];
                        let m: Vec<u32> =
                            idx.within(c, r).into_iter().map(|x| x.0 as u32).collect();
                        let cov: Vec<usize> =
                            cells_in_box(grid, [c[0] - r, c[1] - r], [c[0] + r, c[1] + r])
                                .into_iter()
                                .filter(|&k| {
                                    let q = grid.centre(k);
                                    in_study(k)
                                        && (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2) <= r * r
                                })
                                .collect();
                        (c, m, cov)
                    }
                    geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) => {
                        use geo::BoundingRect;
                        let (Some(r), Some(ip)) = (g.bounding_rect(), g.interior_point()) else {
                            return Err(Error::invalid(
                                format!("site layer '{}'", layer.name),
                                format!("feature {i} ('{id}')"),
                                "an empty polygon",
                                "a site polygon needs an area",
                            ));
                        };
                        let (min, max) = ([r.min().x, r.min().y], [r.max().x, r.max().y]);
                        let m: Vec<u32> = idx
                            .in_box(min, max)
                            .into_iter()
                            .filter(|&k| g.intersects(&Point::from(xy[k])))
                            .map(|k| k as u32)
                            .collect();
                        let cov: Vec<usize> = cells_in_box(grid, min, max)
                            .into_iter()
                            .filter(|&k| in_study(k) && g.intersects(&Point::from(grid.centre(k))))
                            .collect();
                        ([ip.x(), ip.y()], m, cov)
                    }
                    _ => return Err(Error::invalid(
                        format!("site layer '{}'", layer.name),
                        format!("feature {i} ('{id}')"),
                        "a line or collection",
                        "sites must be points or polygons (street segments are their own units)",
                    )),
                };
                if covered.is_empty() {
                    covered = fallback(centre);
                }
                out.push(Unit {
                    id,
                    centre,
                    members,
                    covered,
                    in_universe: true,
                    always_rank: true,
                });
            }
            out
        }
    })
}
