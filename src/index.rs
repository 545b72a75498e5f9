//! R-tree indexes (rstar, bulk-loaded) for nearest / within-distance queries.
//!
//! Conventions: distances are Euclidean in the working CRS (metres);
//! "within r" is inclusive (`d <= r`), as in esda/libpysal distance bands and
//! scikit-learn's DBSCAN; results are sorted by feature index so that output
//! never depends on tree layout. The distance from a point to a polygon is 0
//! inside it.

use geo::{Distance, Euclidean, Geometry, Point};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

type IndexedPoint = GeomWithData<[f64; 2], usize>;

/// An R-tree over points.
#[derive(Debug, Clone)]
pub struct PointIndex {
    tree: RTree<IndexedPoint>,
    len: usize,
}

impl PointIndex {
    /// Bulk-loads the points; payload = position in `points`.
    pub fn new(points: &[[f64; 2]]) -> Self {
        let items: Vec<IndexedPoint> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p[0].is_finite() && p[1].is_finite())
            .map(|(i, p)| GeomWithData::new(*p, i))
            .collect();
        PointIndex {
            len: points.len(),
            tree: RTree::bulk_load(items),
        }
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The nearest point (lowest index on ties) and its distance.
    pub fn nearest(&self, p: [f64; 2]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&p) {
            match best {
                None => best = Some((item.data, d2)),
                Some((bi, bd)) => {
                    if d2 > bd {
                        break;
                    }
                    if item.data < bi {
                        best = Some((item.data, d2));
                    }
                }
            }
        }
        best.map(|(i, d2)| (i, d2.sqrt()))
    }

    /// The `k` nearest points (by distance, then index).
    pub fn k_nearest(&self, p: [f64; 2], k: usize) -> Vec<(usize, f64)> {
        if k == 0 {
            return Vec::new();
        }
        let mut out: Vec<(usize, f64)> = Vec::with_capacity(k + 4);
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&p) {
            if out.len() >= k && d2 > out[k - 1].1 {
                break;
            }
            out.push((item.data, d2));
            if out.len() >= k {
                out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out.truncate(k);
        out.into_iter().map(|(i, d2)| (i, d2.sqrt())).collect()
    }

    /// All points with distance `<= r`, sorted by index.
    pub fn within(&self, p: [f64; 2], r: f64) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance(p, r * r)
            .map(|it| {
                let g = it.geom();
                (
                    it.data,
                    ((g[0] - p[0]).powi(2) + (g[1] - p[1]).powi(2)).sqrt(),
                )
            })
            .collect();
        v.sort_unstable_by_key(|x| x.0);
        v
    }

    /// Number of points with distance `<= r`.
    pub fn count_within(&self, p: [f64; 2], r: f64) -> usize {
        self.tree.locate_within_distance(p, r * r).count()
    }

    /// Indices of the points inside an axis-aligned box (inclusive), sorted.
    pub fn in_box(&self, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .tree
            .locate_in_envelope(&AABB::from_corners(min, max))
            .map(|it| it.data)
            .collect();
        v.sort_unstable();
        v
    }
}

type IndexedRect = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An R-tree over arbitrary geometries (points, lines, polygons) of a layer.
#[derive(Debug, Clone)]
pub struct GeometryIndex {
    tree: RTree<IndexedRect>,
    geoms: Vec<Geometry<f64>>,
}

fn envelope(g: &Geometry<f64>) -> Option<Rectangle<[f64; 2]>> {
    use geo::BoundingRect;
    let r = g.bounding_rect()?;
    Some(Rectangle::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

/// Euclidean distance from a point to a geometry (0 inside polygons).
pub fn point_geometry_distance(p: [f64; 2], g: &Geometry<f64>) -> f64 {
    Euclidean.distance(&Point::new(p[0], p[1]), g)
}

impl GeometryIndex {
    /// Bulk-loads the geometries (cloned); payload = position in `geoms`.
    pub fn new(geoms: &[Geometry<f64>]) -> Self {
        let items: Vec<IndexedRect> = geoms
            .iter()
            .enumerate()
            .filter_map(|(i, g)| envelope(g).map(|r| GeomWithData::new(r, i)))
            .collect();
        GeometryIndex {
            tree: RTree::bulk_load(items),
            geoms: geoms.to_vec(),
        }
    }

    /// Builds the index of a layer.
    pub fn of_layer(layer: &crate::layer::Layer) -> Self {
        Self::new(&layer.geometries)
    }

    /// Number of geometries.
    pub fn len(&self) -> usize {
        self.geoms.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.geoms.is_empty()
    }

    /// The geometries.
    pub fn geometries(&self) -> &[Geometry<f64>] {
        &self.geoms
    }

    /// The nearest feature (lowest index on ties) and its exact distance.
    pub fn nearest(&self, p: [f64; 2]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (item, env_d2) in self.tree.nearest_neighbor_iter_with_distance_2(&p) {
            if let Some((_, bd)) = best {
                if env_d2.sqrt() > bd {
                    break;
                }
            }
            let d = point_geometry_distance(p, &self.geoms[item.data]);
            best = match best {
                None => Some((item.data, d)),
                Some((bi, bd)) if d < bd || (d == bd && item.data < bi) => Some((item.data, d)),
                b => b,
            };
        }
        best
    }

    /// All features with exact distance `<= r`, sorted by index.
    pub fn within(&self, p: [f64; 2], r: f64) -> Vec<(usize, f64)> {
        let env = AABB::from_corners([p[0] - r, p[1] - r], [p[0] + r, p[1] + r]);
        let mut v: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|it| {
                let d = point_geometry_distance(p, &self.geoms[it.data]);
                (d <= r).then_some((it.data, d))
            })
            .collect();
        v.sort_unstable_by_key(|x| x.0);
        v
    }

    /// Number of features with exact distance `<= r`.
    pub fn count_within(&self, p: [f64; 2], r: f64) -> usize {
        self.within(p, r).len()
    }

    /// Distance to the nearest feature for many points, in parallel (∞ if the layer is empty).
    pub fn nearest_distances(&self, pts: &[[f64; 2]]) -> Vec<f64> {
        pts.par_iter()
            .map(|p| self.nearest(*p).map_or(f64::INFINITY, |x| x.1))
            .collect()
    }

    /// Count of features within `r` for many points, in parallel.
    pub fn counts_within(&self, pts: &[[f64; 2]], r: f64) -> Vec<usize> {
        pts.par_iter().map(|p| self.count_within(*p, r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_nearest(pts: &[[f64; 2]], p: [f64; 2]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (i, q) in pts.iter().enumerate() {
            let d = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best
    }

    proptest! {
        #[test]
        fn point_queries_equal_brute_force(
            pts in prop::collection::vec((0.0f64..1000.0, 0.0f64..1000.0), 0..200),
            q in (0.0f64..1000.0, 0.0f64..1000.0),
            r in 0.0f64..300.0,
            k in 0usize..10,
        ) {
            let pts: Vec<[f64; 2]> = pts.into_iter().map(|(a, b)| [a, b]).collect();
            let q = [q.0, q.1];
            let idx = PointIndex::new(&pts);
            let bn = brute_nearest(&pts, q);
            let n = idx.nearest(q);
            prop_assert_eq!(n.map(|x| x.1), bn.map(|x| x.1));
            let bw: Vec<usize> = (0..pts.len()).filter(|&i| ((pts[i][0]-q[0]).powi(2) + (pts[i][1]-q[1]).powi(2)) <= r * r).collect();
            let w: Vec<usize> = idx.within(q, r).into_iter().map(|x| x.0).collect();
            prop_assert_eq!(&w, &bw);
            prop_assert_eq!(idx.count_within(q, r), bw.len());
            let mut all: Vec<(usize, f64)> = pts.iter().enumerate().map(|(i, p)| (i, ((p[0]-q[0]).powi(2)+(p[1]-q[1]).powi(2)).sqrt())).collect();
            all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            all.truncate(k);
            let kn = idx.k_nearest(q, k);
            prop_assert_eq!(kn.iter().map(|x| x.1).collect::<Vec<_>>(), all.iter().map(|x| x.1).collect::<Vec<_>>());
        }

        #[test]
        fn geometry_queries_equal_brute_force(
            segs in prop::collection::vec((0.0f64..1000.0, 0.0f64..1000.0, -100.0f64..100.0, -100.0f64..100.0), 1..80),
            q in (0.0f64..1000.0, 0.0f64..1000.0),
            r in 0.0f64..200.0,
        ) {
            let geoms: Vec<Geometry<f64>> = segs.iter().enumerate().map(|(i, s)| {
                if i % 3 == 0 {
                    // small square polygon
                    let (x, y, w) = (s.0, s.1, s.2.abs() + 1.0);
                    Geometry::Polygon(geo::Polygon::new(geo::LineString::from(vec![(x, y), (x + w, y), (x + w, y + w), (x, y + w), (x, y)]), vec![]))
                } else {
                    Geometry::LineString(geo::LineString::from(vec![(s.0, s.1), (s.0 + s.2, s.1 + s.3)]))
                }
            }).collect();
            let idx = GeometryIndex::new(&geoms);
            let q = [q.0, q.1];
            let d: Vec<f64> = geoms.iter().map(|g| point_geometry_distance(q, g)).collect();
            let best = d.iter().cloned().fold(f64::INFINITY, f64::min);
            prop_assert_eq!(idx.nearest(q).map(|x| x.1), Some(best));
            let bw: Vec<usize> = (0..geoms.len()).filter(|&i| d[i] <= r).collect();
            let w: Vec<usize> = idx.within(q, r).into_iter().map(|x| x.0).collect();
            prop_assert_eq!(w, bw);
        }
    }

    #[test]
    fn empty_index_answers_none() {
        let idx = PointIndex::new(&[]);
        assert!(idx.nearest([0.0, 0.0]).is_none());
        assert!(idx.within([0.0, 0.0], 10.0).is_empty());
        let g = GeometryIndex::new(&[]);
        assert!(g.nearest([0.0, 0.0]).is_none());
        assert_eq!(g.nearest_distances(&[[0.0, 0.0]]), vec![f64::INFINITY]);
    }
}
