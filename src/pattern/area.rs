//! The study area of a point-pattern analysis: its area, boundary distances and uniform
//! random points inside it.
//!
//! # Conventions
//! * A study area is a set of polygons (holes allowed), merged by a union when several
//!   are given (a boundary file of beats or districts), or a rectangle.
//! * The area is the planar area in m² of the working CRS.
//! * Uniform points: the polygons are triangulated (ear cutting); a triangle is chosen
//!   with probability proportional to its area and a point drawn uniformly in it
//!   (`√u` rule), so no point-in-polygon test is needed. When the triangles do not add up
//!   to the polygons' area (relative difference > 1e-6, e.g. a self-touching ring), points
//!   are drawn in the bounding box and kept when inside the polygons (rejection).
//! * Distance to the boundary: to the nearest edge of any ring (exterior or hole), from
//!   an R-tree over the edges.
//! * "Inside" is inclusive of the boundary.

use geo::{Area, BoundingRect, Intersects, MultiPolygon, Point, Polygon, Rect, TriangulateEarcut};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rstar::primitives::Line;
use rstar::{PointDistance, RTree};

use crate::error::{Error, Result};

/// Triangles of a triangulation and the cumulative area up to each.
type Triangles = (Vec<[[f64; 2]; 3]>, Vec<f64>);

/// The area a point pattern lives in.
#[derive(Debug, Clone)]
pub struct StudyArea {
    polygons: MultiPolygon<f64>,
    area: f64,
    bbox: [f64; 4],
    /// Triangles and the cumulative area up to each (None = rejection sampling).
    triangles: Option<Triangles>,
    edges: RTree<Line<[f64; 2]>>,
    kind: String,
}

impl StudyArea {
    /// The union of the given polygons.
    ///
    /// # Errors
    /// [`Error::TooFew`] when there is no polygon; [`Error::Degenerate`] when the
    /// area is zero.
    pub fn polygons(polys: &[Polygon<f64>]) -> Result<Self> {
        if polys.is_empty() {
            return Err(Error::too_few("a study area", "polygons", 1, 0));
        }
        let mp = if polys.len() == 1 {
            MultiPolygon::new(polys.to_vec())
        } else {
            geo::unary_union(polys.iter())
        };
        Self::build(mp, format!("{} polygon(s)", polys.len()))
    }

    /// An axis-aligned rectangle `[minx, miny, maxx, maxy]`.
    ///
    /// # Errors
    /// [`Error::Degenerate`] for an empty or non-finite rectangle.
    pub fn rectangle(b: [f64; 4]) -> Result<Self> {
        if !(b.iter().all(|v| v.is_finite()) && b[2] > b[0] && b[3] > b[1]) {
            return Err(Error::degenerate(
                "a study area",
                format!("the rectangle {b:?} has no area"),
            ));
        }
        let r = Rect::new((b[0], b[1]), (b[2], b[3]));
        Self::build(MultiPolygon::new(vec![r.to_polygon()]), "rectangle".into())
    }

    /// The bounding box of the points (pointpats' default "hull").
    ///
    /// # Errors
    /// [`Error::TooFew`] without points; [`Error::Degenerate`] when the points span
    /// no area.
    pub fn bounding_box(points: &[[f64; 2]]) -> Result<Self> {
        let b = crate::layer::bbox_of(points.iter().copied())
            .ok_or_else(|| Error::too_few("a study area", "points", 1, 0))?;
        let mut s = Self::rectangle(b)?;
        s.kind = "bounding box of the points".into();
        Ok(s)
    }

    fn build(mp: MultiPolygon<f64>, kind: String) -> Result<Self> {
        let area = mp.unsigned_area();
        if !(area.is_finite() && area > 0.0) {
            return Err(Error::degenerate(
                "a study area",
                format!("{kind} with zero area"),
            ));
        }
        let r = mp
            .bounding_rect()
            .ok_or_else(|| Error::degenerate("a study area", "empty polygons"))?;
        let bbox = [r.min().x, r.min().y, r.max().x, r.max().y];
        let mut tris = Vec::new();
        let mut cum = Vec::new();
        let mut acc = 0.0;
        for p in &mp.0 {
            for t in p.earcut_triangles_iter() {
                let (a, b, c) = (t.v1(), t.v2(), t.v3());
                let v = [[a.x, a.y], [b.x, b.y], [c.x, c.y]];
                let a = ((v[1][0] - v[0][0]) * (v[2][1] - v[0][1])
                    - (v[2][0] - v[0][0]) * (v[1][1] - v[0][1]))
                    .abs()
                    / 2.0;
                if a > 0.0 {
                    acc += a;
                    tris.push(v);
                    cum.push(acc);
                }
            }
        }
        let triangles = ((acc - area).abs() <= 1e-6 * area).then_some((tris, cum));
        let mut lines = Vec::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for l in ring.lines() {
                    lines.push(Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]));
                }
            }
        }
        Ok(StudyArea {
            polygons: mp,
            area,
            bbox,
            triangles,
            edges: RTree::bulk_load(lines),
            kind,
        })
    }

    /// Area in m².
    pub fn area(&self) -> f64 {
        self.area
    }

    /// Bounding box `[minx, miny, maxx, maxy]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// What the area is ("rectangle", "bounding box of the points", "3 polygon(s)").
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Renames what the area is (shown in reports).
    pub fn set_kind(&mut self, kind: &str) {
        self.kind = kind.to_string();
    }

    /// The polygons.
    pub fn multipolygon(&self) -> &MultiPolygon<f64> {
        &self.polygons
    }

    /// Whether a point lies inside (or on the boundary).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if p[0] < x0 || p[0] > x1 || p[1] < y0 || p[1] > y1 {
            return false;
        }
        self.polygons.intersects(&Point::new(p[0], p[1]))
    }

    /// The points that lie inside (or on the boundary), in input order.
    pub(crate) fn inside(&self, points: &[[f64; 2]]) -> Vec<[f64; 2]> {
        points
            .iter()
            .copied()
            .filter(|p| self.contains(*p))
            .collect()
    }

    /// Monte Carlo simulation `s`: `n` uniform points ([`StudyArea::random_points`])
    /// drawn from ChaCha8 stream `s` of `seed`.
    pub(crate) fn simulation(&self, n: usize, seed: u64, s: usize) -> Vec<[f64; 2]> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(s as u64);
        self.random_points(n, &mut rng)
    }

    /// Distance from a point to the nearest boundary edge.
    pub fn distance_to_boundary(&self, p: [f64; 2]) -> f64 {
        self.edges
            .nearest_neighbor(&p)
            .map_or(f64::INFINITY, |l| l.distance_2(&p).sqrt())
    }

    /// `n` independent uniform points inside the area.
    pub fn random_points<R: Rng>(&self, n: usize, rng: &mut R) -> Vec<[f64; 2]> {
        match &self.triangles {
            Some((tris, cum)) => {
                let total = *cum.last().unwrap_or(&0.0);
                (0..n)
                    .map(|_| {
                        let u = rng.random::<f64>() * total;
                        let k = cum.partition_point(|c| *c < u).min(tris.len() - 1);
                        let [a, b, c] = tris[k];
                        let (r1, r2): (f64, f64) = (rng.random(), rng.random());
                        let s = r1.sqrt();
                        let (wa, wb, wc) = (1.0 - s, s * (1.0 - r2), s * r2);
                        [
                            wa * a[0] + wb * b[0] + wc * c[0],
                            wa * a[1] + wb * b[1] + wc * c[1],
                        ]
                    })
                    .collect()
            }
            None => {
                let [x0, y0, x1, y1] = self.bbox;
                let mut out = Vec::with_capacity(n);
                while out.len() < n {
                    let p = [
                        x0 + rng.random::<f64>() * (x1 - x0),
                        y0 + rng.random::<f64>() * (y1 - y0),
                    ];
                    if self.contains(p) {
                        out.push(p);
                    }
                }
                out
            }
        }
    }

    /// Polygons of a layer's geometries (polygons and multipolygons; others ignored).
    pub fn polygons_of(geoms: &[geo::Geometry<f64>]) -> Vec<Polygon<f64>> {
        let mut v = Vec::new();
        for g in geoms {
            match g {
                geo::Geometry::Polygon(p) => v.push(p.clone()),
                geo::Geometry::MultiPolygon(m) => v.extend(m.0.iter().cloned()),
                geo::Geometry::Rect(r) => v.push(r.to_polygon()),
                _ => {}
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::LineString;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn l_shape() -> Polygon<f64> {
        // an L: 2 x 2 square minus its upper-right 1 x 1 quarter, with a small hole
        Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (2.0, 0.0),
                (2.0, 1.0),
                (1.0, 1.0),
                (1.0, 2.0),
                (0.0, 2.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (0.2, 0.2),
                (0.4, 0.2),
                (0.4, 0.4),
                (0.2, 0.4),
                (0.2, 0.2),
            ])],
        )
    }

    #[test]
    fn study_area_uniform_points_inside_and_balanced() {
        let a = StudyArea::polygons(&[l_shape()]).unwrap();
        assert!((a.area() - (3.0 - 0.04)).abs() < 1e-12);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let pts = a.random_points(30_000, &mut rng);
        assert!(pts.iter().all(|p| a.contains(*p)));
        // share in the lower-right unit square = 1/2.96
        let share = pts.iter().filter(|p| p[0] > 1.0).count() as f64 / 30_000.0;
        assert!((share - 1.0 / 2.96).abs() < 0.01, "{share}");
        // none in the hole
        assert!(!pts
            .iter()
            .any(|p| p[0] > 0.2 && p[0] < 0.4 && p[1] > 0.2 && p[1] < 0.4));
    }

    #[test]
    fn study_area_boundary_distance_and_union() {
        let a = StudyArea::polygons(&[l_shape()]).unwrap();
        assert!((a.distance_to_boundary([0.5, 1.5]) - 0.5).abs() < 1e-12);
        assert!((a.distance_to_boundary([0.3, 0.3]) - 0.1).abs() < 1e-12); // inside the hole ring
        assert!((a.distance_to_boundary([1.5, 0.5]) - 0.5).abs() < 1e-12);
        // two adjacent squares merge into one rectangle: no internal edge
        let sq = |x: f64| {
            Polygon::new(
                LineString::from(vec![
                    (x, 0.0),
                    (x + 1.0, 0.0),
                    (x + 1.0, 1.0),
                    (x, 1.0),
                    (x, 0.0),
                ]),
                vec![],
            )
        };
        let u = StudyArea::polygons(&[sq(0.0), sq(1.0)]).unwrap();
        assert!((u.area() - 2.0).abs() < 1e-9);
        assert!((u.distance_to_boundary([1.0, 0.5]) - 0.5).abs() < 1e-9);
        assert!(StudyArea::rectangle([0.0, 0.0, 0.0, 1.0]).is_err());
        assert!(StudyArea::polygons(&[]).is_err());
        let b = StudyArea::bounding_box(&[[0.0, 0.0], [4.0, 1.0]]).unwrap();
        assert_eq!(b.area(), 4.0);
        assert!(b.contains([4.0, 1.0]) && !b.contains([4.1, 1.0]));
    }
}
