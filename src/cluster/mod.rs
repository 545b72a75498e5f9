//! Point clusters: DBSCAN, space-time DBSCAN, HDBSCAN, and cluster summaries
//! (count, time span, convex hull, standard deviational ellipse).
//!
//! Labels are always per point in input order, `None` = noise.

pub mod dbscan;
pub mod ellipse;
pub mod summary;

pub use dbscan::{
    adjusted_rand_index, dbscan, same_partition, st_dbscan, Clustering, DbscanParams,
    StDbscanParams,
};
pub use ellipse::{standard_deviational_ellipse, Ellipse, EllipseConvention};
pub use summary::{summarise_clusters, ClusterSummary};

use rstar::primitives::GeomWithData;
use rstar::RTree;

/// A bulk-loaded R-tree of points used by the clustering code (radius queries
/// into a caller's buffer, no sorting, no allocation per query).
pub(crate) struct PointTree {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl PointTree {
    pub(crate) fn new(xy: &[[f64; 2]]) -> Self {
        PointTree {
            tree: RTree::bulk_load(
                xy.iter()
                    .enumerate()
                    .map(|(i, p)| GeomWithData::new(*p, i))
                    .collect(),
            ),
        }
    }

    /// Appends the indices of points with squared distance `<= r2` (inclusive).
    pub(crate) fn within_into(&self, p: [f64; 2], r2: f64, out: &mut Vec<usize>) {
        out.extend(self.tree.locate_within_distance(p, r2).map(|it| it.data));
    }
}
