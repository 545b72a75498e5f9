//! Per-cluster summaries: count, time span, convex hull, standard deviational ellipses.

use geo::{Area, ConvexHull};
use serde::Serialize;

use super::dbscan::Clustering;
use super::ellipse::{standard_deviational_ellipse, Ellipse, EllipseConvention};

/// Summary of one cluster.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterSummary {
    /// Cluster label.
    pub label: usize,
    /// Number of member points.
    pub count: usize,
    /// Number of core points among them.
    pub core_count: usize,
    /// Mean centre.
    pub centroid: [f64; 2],
    /// Earliest time of a member (seconds), if any member has a time.
    pub first_time: Option<i64>,
    /// Latest time of a member (seconds).
    pub last_time: Option<i64>,
    /// `last_time − first_time` in days.
    pub span_days: Option<f64>,
    /// Convex hull ring (closed; a degenerate hull of identical or collinear points
    /// is returned as geo computes it: a repeated point or a flat ring).
    pub hull: Vec<[f64; 2]>,
    /// Hull area (m²; 0 for degenerate hulls).
    pub hull_area_m2: f64,
    /// 1-SD standard deviational ellipse (`None` for too few points).
    pub ellipse_1sd: Option<Ellipse>,
    /// 2-SD ellipse.
    pub ellipse_2sd: Option<Ellipse>,
}

impl ClusterSummary {
    /// The hull as a polygon.
    pub fn hull_polygon(&self) -> geo::Polygon<f64> {
        geo::Polygon::new(
            geo::LineString::from(self.hull.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
            vec![],
        )
    }
}

/// Summarises every cluster of `c` (in label order). `times` may be empty (no times)
/// or hold one optional time per point.
pub fn summarise_clusters(
    xy: &[[f64; 2]],
    times: &[Option<i64>],
    c: &Clustering,
    convention: EllipseConvention,
) -> Vec<ClusterSummary> {
    c.members()
        .into_iter()
        .enumerate()
        .map(|(label, m)| {
            let pts: Vec<[f64; 2]> = m.iter().map(|&i| xy[i]).collect();
            let n = pts.len().max(1) as f64;
            let centroid = [
                pts.iter().map(|p| p[0]).sum::<f64>() / n,
                pts.iter().map(|p| p[1]).sum::<f64>() / n,
            ];
            let ts: Vec<i64> = m
                .iter()
                .filter_map(|&i| times.get(i).copied().flatten())
                .collect();
            let first = ts.iter().min().copied();
            let last = ts.iter().max().copied();
            let mp = geo::MultiPoint::from(pts.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>());
            let hull = mp.convex_hull();
            let e1 = standard_deviational_ellipse(&pts, convention);
            ClusterSummary {
                label,
                count: m.len(),
                core_count: m.iter().filter(|&&i| c.core[i]).count(),
                centroid,
                first_time: first,
                last_time: last,
                span_days: first
                    .zip(last)
                    .map(|(a, b)| (b - a) as f64 / crate::time::DAY as f64),
                hull_area_m2: hull.unsigned_area(),
                hull: hull.exterior().0.iter().map(|c| [c.x, c.y]).collect(),
                ellipse_2sd: e1.map(|e| e.scaled(2.0)),
                ellipse_1sd: e1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{dbscan, DbscanParams};

    #[test]
    fn summarise_clusters_square() {
        let xy = [
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [5.0, 5.0],
            [500.0, 500.0],
        ];
        let c = dbscan(&xy, &DbscanParams::new(11.0, 3)).unwrap();
        let t = [
            Some(0),
            Some(86_400),
            None,
            Some(3 * 86_400),
            Some(100),
            Some(0),
        ];
        let s = summarise_clusters(&xy, &t, &c, EllipseConvention::CrimeStat);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].count, 5);
        assert_eq!(s[0].centroid, [5.0, 5.0]);
        assert_eq!(s[0].span_days, Some(3.0));
        assert!((s[0].hull_area_m2 - 100.0).abs() < 1e-9);
        assert!(s[0].ellipse_1sd.is_some());
    }

    #[test]
    fn summarise_clusters_identical_points() {
        let xy = [[1.0, 1.0]; 4];
        let c = dbscan(&xy, &DbscanParams::new(0.0, 2)).unwrap();
        let s = summarise_clusters(&xy, &[], &c, EllipseConvention::CrimeStat);
        assert_eq!(s[0].count, 4);
        assert_eq!(s[0].hull_area_m2, 0.0);
        assert_eq!(s[0].first_time, None);
    }
}
