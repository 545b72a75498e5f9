//! Street segments: build segments from a line layer (optionally split at
//! intersections), snap incidents to the nearest segment within a tolerance,
//! counts and rates per 100 m.
//!
//! # Conventions
//! * Lines, line strings and every part of a multi-line string become segments;
//!   consecutive duplicate vertices are dropped; lines with fewer than two distinct
//!   vertices (one-vertex or zero-length lines) and non-line features are skipped
//!   and counted.
//! * **Splitting** (optional) cuts every line where it crosses or touches another
//!   line (proper crossings, T-junctions, shared vertices, both ends of collinear
//!   overlaps), so each piece runs between intersections. Self-crossings of one
//!   line split it too; its own consecutive edges do not.
//! * **Snapping**: an incident goes to the segment at the smallest Euclidean
//!   distance (lowest segment index on ties) if that distance is `<= tolerance`
//!   (inclusive); otherwise it is unsnapped and counted.
//! * Rate per 100 m = count / length × 100.

use geo::{Coord, Euclidean, Length, Line, LineString};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::GeometryIndex;
use crate::layer::Layer;

/// One street segment.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetSegment {
    /// Feature index of the source line in the layer.
    pub source: usize,
    /// Part of a multi-line (0 otherwise).
    pub part: usize,
    /// Geometry (working CRS).
    pub geometry: LineString<f64>,
    /// Length (m).
    pub length: f64,
}

/// Segments built from a layer, with what was skipped.
#[derive(Debug, Clone)]
pub struct SegmentSet {
    /// The segments.
    pub segments: Vec<StreetSegment>,
    /// Features that are not lines.
    pub skipped_non_line: usize,
    /// Lines (or parts) with fewer than two distinct vertices.
    pub skipped_degenerate: usize,
    /// Whether the lines were split at intersections.
    pub split: bool,
}

fn clean(ls: &LineString<f64>) -> Option<LineString<f64>> {
    let mut v: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
    for c in &ls.0 {
        if !(c.x.is_finite() && c.y.is_finite()) {
            return None;
        }
        if v.last() != Some(c) {
            v.push(*c);
        }
    }
    (v.len() >= 2).then(|| LineString::from(v))
}

/// Builds segments from the line features of `layer`; with `split`, cuts them at
/// every intersection (see the module docs).
pub fn build_segments(layer: &Layer, split: bool) -> Result<SegmentSet> {
    use geo::Geometry as G;
    let mut lines: Vec<(usize, usize, LineString<f64>)> = Vec::new();
    let (mut non_line, mut degenerate) = (0, 0);
    for (i, g) in layer.geometries.iter().enumerate() {
        let parts: Vec<LineString<f64>> = match g {
            G::Line(l) => vec![LineString::from(vec![l.start, l.end])],
            G::LineString(l) => vec![l.clone()],
            G::MultiLineString(m) => m.0.clone(),
            _ => {
                non_line += 1;
                continue;
            }
        };
        for (k, p) in parts.iter().enumerate() {
            match clean(p) {
                Some(c) => lines.push((i, k, c)),
                None => degenerate += 1,
            }
        }
    }
    let segments = if split {
        split_lines(&lines)
    } else {
        lines
            .into_iter()
            .map(|(s, k, g)| StreetSegment {
                source: s,
                part: k,
                length: Euclidean.length(&g),
                geometry: g,
            })
            .collect()
    };
    Ok(SegmentSet {
        segments,
        skipped_non_line: non_line,
        skipped_degenerate: degenerate,
        split,
    })
}

fn split_lines(lines: &[(usize, usize, LineString<f64>)]) -> Vec<StreetSegment> {
    // every edge: (line, edge index)
    let edges: Vec<(usize, usize, Line<f64>)> = lines
        .iter()
        .enumerate()
        .flat_map(|(li, (_, _, ls))| ls.lines().enumerate().map(move |(k, l)| (li, k, l)))
        .collect();
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        edges
            .iter()
            .enumerate()
            .map(|(e, (_, _, l))| {
                GeomWithData::new(
                    Rectangle::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]),
                    e,
                )
            })
            .collect(),
    );
    // cut positions (edge index + t) per edge
    let cuts: Vec<Vec<f64>> = edges
        .par_iter()
        .map(|(li, k, l)| {
            let env = AABB::from_corners(
                [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
            );
            let mut out = Vec::new();
            for it in tree.locate_in_envelope_intersecting(&env) {
                let (lj, kj, m) = &edges[it.data];
                if lj == li && (kj.abs_diff(*k) <= 1) {
                    continue;
                }
                let pts: Vec<Coord<f64>> = match geo::line_intersection::line_intersection(*l, *m) {
                    Some(geo::line_intersection::LineIntersection::SinglePoint {
                        intersection,
                        ..
                    }) => vec![intersection],
                    Some(geo::line_intersection::LineIntersection::Collinear { intersection }) => {
                        vec![intersection.start, intersection.end]
                    }
                    None => vec![],
                };
                let d = l.end - l.start;
                let dd = d.x * d.x + d.y * d.y;
                for p in pts {
                    let t =
                        (((p.x - l.start.x) * d.x + (p.y - l.start.y) * d.y) / dd).clamp(0.0, 1.0);
                    out.push(*k as f64 + t);
                }
            }
            out
        })
        .collect();
    let mut per_line: Vec<Vec<f64>> = vec![Vec::new(); lines.len()];
    for ((li, _, _), c) in edges.iter().zip(cuts) {
        per_line[*li].extend(c);
    }
    let mut out = Vec::new();
    for ((src, part, ls), mut c) in lines.iter().zip(per_line) {
        let ne = ls.0.len() - 1;
        c.retain(|p| *p > 1e-9 && *p < ne as f64 - 1e-9);
        c.sort_by(|a, b| a.total_cmp(b));
        c.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        let at = |pos: f64| -> Coord<f64> {
            let k = (pos.floor() as usize).min(ne - 1);
            let t = pos - k as f64;
            let (a, b) = (ls.0[k], ls.0[k + 1]);
            Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            }
        };
        let mut bounds = vec![0.0];
        bounds.extend(c);
        bounds.push(ne as f64);
        for w in bounds.windows(2) {
            let (s, e) = (w[0], w[1]);
            let mut v = vec![at(s)];
            for (vi, coord) in ls.0.iter().enumerate() {
                let vf = vi as f64;
                if vf > s + 1e-9 && vf < e - 1e-9 {
                    v.push(*coord);
                }
            }
            v.push(at(e));
            if let Some(g) = clean(&LineString::from(v)) {
                out.push(StreetSegment {
                    source: *src,
                    part: *part,
                    length: Euclidean.length(&g),
                    geometry: g,
                });
            }
        }
    }
    out
}

/// Result of snapping incidents to segments.
#[derive(Debug, Clone, Serialize)]
pub struct Snapped {
    /// Segment of each incident (input order), `None` when unsnapped.
    pub segment: Vec<Option<usize>>,
    /// Distance to that segment (m).
    pub distance: Vec<Option<f64>>,
    /// Number of unsnapped incidents (no segment within the tolerance).
    pub unsnapped: usize,
    /// Tolerance used (m).
    pub tolerance: f64,
}

/// Snaps each incident to its nearest segment within `tolerance` metres (inclusive).
pub fn snap_to_segments(
    xy: &[[f64; 2]],
    segments: &[StreetSegment],
    tolerance: f64,
) -> Result<Snapped> {
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(Error::invalid_param(
            "snap",
            tolerance,
            "the snapping tolerance must be a distance >= 0",
        ));
    }
    let geoms: Vec<geo::Geometry<f64>> = segments
        .iter()
        .map(|s| geo::Geometry::LineString(s.geometry.clone()))
        .collect();
    let idx = GeometryIndex::new(&geoms);
    let res: Vec<Option<(usize, f64)>> = xy
        .par_iter()
        .map(|p| idx.nearest(*p).filter(|(_, d)| *d <= tolerance))
        .collect();
    Ok(Snapped {
        unsnapped: res.iter().filter(|r| r.is_none()).count(),
        segment: res.iter().map(|r| r.map(|x| x.0)).collect(),
        distance: res.iter().map(|r| r.map(|x| x.1)).collect(),
        tolerance,
    })
}

/// Count and rate of one segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentCount {
    /// Segment index.
    pub segment: usize,
    /// Source feature index.
    pub source: usize,
    /// Length (m).
    pub length_m: f64,
    /// Snapped incidents.
    pub count: usize,
    /// Incidents per 100 m (`None` for a zero-length segment).
    pub rate_per_100m: Option<f64>,
}

/// Counts and rates per segment (segment order).
pub fn segment_counts(segments: &[StreetSegment], snapped: &Snapped) -> Vec<SegmentCount> {
    let mut c = vec![0usize; segments.len()];
    for s in snapped.segment.iter().flatten() {
        c[*s] += 1;
    }
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| SegmentCount {
            segment: i,
            source: s.source,
            length_m: s.length,
            count: c[i],
            rate_per_100m: (s.length > 0.0).then(|| c[i] as f64 / s.length * 100.0),
        })
        .collect()
}

/// The `n` segments with the most incidents (ties: higher rate, then lower index).
pub fn top_segments(counts: &[SegmentCount], n: usize) -> Vec<SegmentCount> {
    let mut v: Vec<&SegmentCount> = counts.iter().filter(|c| c.count > 0).collect();
    v.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(
                b.rate_per_100m
                    .unwrap_or(0.0)
                    .total_cmp(&a.rate_per_100m.unwrap_or(0.0)),
            )
            .then(a.segment.cmp(&b.segment))
    });
    v.into_iter().take(n).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Geometry as G;

    fn layer(geoms: Vec<G<f64>>) -> Layer {
        let n = geoms.len();
        Layer {
            name: "t".into(),
            geometries: geoms,
            properties: vec![Default::default(); n],
            crs: crate::crs::CrsChoice {
                input: crate::crs::Crs::Local { unit_to_metre: 1.0 },
                input_source: "test".into(),
                working: crate::crs::Crs::Local { unit_to_metre: 1.0 },
                reason: "test".into(),
            },
        }
    }

    fn ls(v: &[(f64, f64)]) -> G<f64> {
        G::LineString(LineString::from(v.to_vec()))
    }

    #[test]
    fn build_segments_split_cross_and_t() {
        // a horizontal line crossed by a vertical one, and a T from the north at x = 80
        let l = layer(vec![
            ls(&[(0.0, 0.0), (100.0, 0.0)]),
            ls(&[(50.0, -50.0), (50.0, 50.0)]),
            ls(&[(80.0, 0.0), (80.0, 40.0)]),
        ]);
        let s = build_segments(&l, true).unwrap();
        // horizontal: 0-50, 50-80, 80-100; vertical: 2 pieces; T stub: 1
        assert_eq!(s.segments.len(), 6);
        let lens: Vec<f64> = s.segments.iter().map(|x| x.length).collect();
        assert_eq!(lens, vec![50.0, 30.0, 20.0, 50.0, 50.0, 40.0]);
        let total: f64 = lens.iter().sum();
        assert_eq!(total, 240.0);
        let s = build_segments(&l, false).unwrap();
        assert_eq!(s.segments.len(), 3);
    }

    #[test]
    fn build_segments_degenerate() {
        let l = layer(vec![
            ls(&[(0.0, 0.0)]),
            ls(&[(5.0, 5.0), (5.0, 5.0)]),
            G::Point(geo::Point::new(1.0, 1.0)),
            ls(&[(0.0, 0.0), (0.0, 0.0), (10.0, 0.0)]),
        ]);
        let s = build_segments(&l, true).unwrap();
        assert_eq!(s.skipped_degenerate, 2);
        assert_eq!(s.skipped_non_line, 1);
        assert_eq!(s.segments.len(), 1);
        assert_eq!(s.segments[0].geometry.0.len(), 2);
        let empty = build_segments(&layer(vec![]), true).unwrap();
        assert!(empty.segments.is_empty());
        let sn = snap_to_segments(&[[0.0, 0.0]], &empty.segments, 10.0).unwrap();
        assert_eq!(sn.unsnapped, 1);
    }

    #[test]
    fn snap_to_segments_tolerance_inclusive() {
        let l = layer(vec![
            ls(&[(0.0, 0.0), (100.0, 0.0)]),
            ls(&[(0.0, 20.0), (100.0, 20.0)]),
        ]);
        let s = build_segments(&l, false).unwrap();
        let pts = [[10.0, 5.0], [10.0, 10.0], [10.0, 40.0], [10.0, 45.0]];
        let sn = snap_to_segments(&pts, &s.segments, 20.0).unwrap();
        // [10,10] is equidistant: lowest index wins
        assert_eq!(sn.segment, vec![Some(0), Some(0), Some(1), None]);
        assert_eq!(sn.unsnapped, 1);
        let c = segment_counts(&s.segments, &sn);
        assert_eq!(c[0].count, 2);
        assert_eq!(c[0].rate_per_100m, Some(2.0));
        let top = top_segments(&c, 1);
        assert_eq!(top[0].segment, 0);
        assert!(snap_to_segments(&pts, &s.segments, -1.0).is_err());
    }
}
