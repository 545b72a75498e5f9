//! DBSCAN (Ester et al. 1996) with scikit-learn's semantics, and space-time DBSCAN.
//!
//! # Conventions (identical to `sklearn.cluster.DBSCAN`, checked against its labels)
//! * The neighbourhood of `p` is every point `q` with `d(p, q) <= eps` (**inclusive**),
//!   **including `p` itself**: `p` is a core point iff its neighbourhood holds at least
//!   `min_samples` points, i.e. `min_samples − 1` *other* points.
//! * Clusters are the connected components of core points (core–core pairs within
//!   `eps`). They are numbered 0, 1, 2, … in increasing order of their lowest-index
//!   core point (scikit-learn's order of discovery).
//! * A non-core point within `eps` of a core point is a border point; when several
//!   clusters reach it, it takes the cluster numbered first (the smallest label), as
//!   scikit-learn's depth-first expansion does. Every other point is noise (`None`).
//! * Labels are returned in input order.
//!
//! # Space-time DBSCAN
//! [`st_dbscan`] replaces the neighbourhood by `d(p, q) <= eps` **and**
//! `|t(p) − t(q)| <= eps_time` (both inclusive); everything else is as above. This
//! is the two-threshold neighbourhood of Birant & Kut (2007, *Data & Knowledge
//! Engineering* 60:208–221) without their density factor.
//!
//! # Algorithm
//! Core flags: one R-tree radius query per point, in parallel (rayon). Components:
//! core points are processed in blocks; each block's core–core neighbour lists are
//! found in parallel and merged with a union–find in index order, so memory stays
//! bounded by one block (scikit-learn keeps every neighbourhood: 19.6 GB for 10^6
//! points). Border labels: one parallel pass over non-core points. Output does not
//! depend on the number of threads.

use rayon::prelude::*;
use serde::Serialize;

use super::PointTree;
use crate::error::{Error, Result};

/// Parameters of [`dbscan`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DbscanParams {
    /// Neighbourhood radius (metres, inclusive).
    pub eps: f64,
    /// Minimum neighbourhood size of a core point, counting the point itself.
    pub min_samples: usize,
}

impl DbscanParams {
    /// `eps` in metres and `min_samples` (counting the point itself).
    pub fn new(eps: f64, min_samples: usize) -> Self {
        DbscanParams { eps, min_samples }
    }

    fn check(&self) -> Result<()> {
        if !(self.eps.is_finite() && self.eps >= 0.0) {
            return Err(Error::Param(format!(
                "DBSCAN eps must be a distance >= 0, got {}",
                self.eps
            )));
        }
        if self.min_samples == 0 {
            return Err(Error::Param(
                "DBSCAN min_samples must be >= 1 (it counts the point itself)".into(),
            ));
        }
        Ok(())
    }
}

/// Parameters of [`st_dbscan`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StDbscanParams {
    /// Spatial radius (metres, inclusive).
    pub eps: f64,
    /// Temporal radius (seconds, inclusive).
    pub eps_time: i64,
    /// Minimum neighbourhood size of a core point, counting the point itself.
    pub min_samples: usize,
}

impl StDbscanParams {
    /// Spatial `eps` (m), temporal `eps_time` (s) and `min_samples`.
    pub fn new(eps: f64, eps_time: i64, min_samples: usize) -> Self {
        StDbscanParams {
            eps,
            eps_time,
            min_samples,
        }
    }
}

/// The result of a clustering: per-point labels in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clustering {
    /// Cluster of each point (`None` = noise), in input order.
    pub labels: Vec<Option<usize>>,
    /// Whether each point is a core point.
    pub core: Vec<bool>,
    /// Number of clusters (labels are `0..n_clusters`).
    pub n_clusters: usize,
}

impl Clustering {
    /// Number of noise points.
    pub fn n_noise(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// Size of each cluster.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![0; self.n_clusters];
        for l in self.labels.iter().flatten() {
            s[*l] += 1;
        }
        s
    }

    /// Member indices of each cluster (ascending).
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut m = vec![Vec::new(); self.n_clusters];
        for (i, l) in self.labels.iter().enumerate() {
            if let Some(l) = l {
                m[*l].push(i);
            }
        }
        m
    }
}

struct Dsu(Vec<u32>);

impl Dsu {
    fn find(&mut self, mut i: u32) -> u32 {
        while self.0[i as usize] != i {
            let p = self.0[i as usize];
            self.0[i as usize] = self.0[p as usize];
            i = p;
        }
        i
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // the smaller index becomes the root (any choice works; this one is stable)
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

const BLOCK: usize = 1 << 16;

/// DBSCAN on a neighbourhood function `neigh(i, out)` that fills `out` with the
/// indices of all points in i's neighbourhood (self included), any order, and a
/// core test `is_core(i, scratch)` consistent with it.
fn dbscan_impl<F, C>(n: usize, is_core: C, neigh: F) -> Result<Clustering>
where
    F: Fn(usize, &mut Vec<usize>) + Sync,
    C: Fn(usize, &mut Vec<usize>) -> bool + Sync,
{
    if n > u32::MAX as usize {
        return Err(Error::Param(
            "DBSCAN supports at most 2^32 − 1 points".into(),
        ));
    }
    let core: Vec<bool> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf, i| {
            buf.clear();
            is_core(i, buf)
        })
        .collect();
    let cores: Vec<usize> = (0..n).filter(|&i| core[i]).collect();
    let mut dsu = Dsu((0..n as u32).collect());
    for block in cores.chunks(BLOCK) {
        let edges: Vec<Vec<u32>> = block
            .par_iter()
            .map_init(Vec::new, |buf, &i| {
                buf.clear();
                neigh(i, buf);
                buf.iter()
                    .filter(|&&j| j > i && core[j])
                    .map(|&j| j as u32)
                    .collect()
            })
            .collect();
        for (&i, e) in block.iter().zip(&edges) {
            for &j in e {
                dsu.union(i as u32, j);
            }
        }
    }
    // number components by their lowest-index core point
    let mut comp_label = vec![u32::MAX; n];
    let mut labels: Vec<Option<usize>> = vec![None; n];
    let mut n_clusters = 0usize;
    for &i in &cores {
        let r = dsu.find(i as u32) as usize;
        if comp_label[r] == u32::MAX {
            comp_label[r] = n_clusters as u32;
            n_clusters += 1;
        }
        labels[i] = Some(comp_label[r] as usize);
    }
    // border points: smallest label among the core points that reach them
    let core_labels = labels.clone();
    labels
        .par_iter_mut()
        .enumerate()
        .filter(|(i, _)| !core[*i])
        .for_each_init(Vec::new, |buf, (i, l)| {
            buf.clear();
            neigh(i, buf);
            *l = buf.iter().filter_map(|&j| core_labels[j]).min();
        });
    Ok(Clustering {
        labels,
        core,
        n_clusters,
    })
}

/// DBSCAN of points (metres) with scikit-learn's semantics (see the module docs).
///
/// Non-finite coordinates are an error.
///
/// # Examples
/// ```
/// use crimescape::cluster::{dbscan, DbscanParams};
/// let pts = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [50.0, 50.0]];
/// let c = dbscan(&pts, &DbscanParams::new(1.0, 2)).unwrap();
/// assert_eq!(c.labels, vec![Some(0), Some(0), Some(0), None]);
/// ```
pub fn dbscan(xy: &[[f64; 2]], p: &DbscanParams) -> Result<Clustering> {
    p.check()?;
    check_points(xy)?;
    let idx = PointTree::new(xy);
    let r2 = p.eps * p.eps;
    let m = p.min_samples;
    dbscan_impl(
        xy.len(),
        // core test stops at min_samples neighbours (no full enumeration)
        |i, _| idx.count_within_at_least(xy[i], r2, m),
        |i, out| idx.within_into(xy[i], r2, out),
    )
}

/// Space-time DBSCAN: neighbourhood `d <= eps` and `|Δt| <= eps_time` (both
/// inclusive, self included); otherwise exactly [`dbscan`]. `times` are seconds.
pub fn st_dbscan(xy: &[[f64; 2]], times: &[i64], p: &StDbscanParams) -> Result<Clustering> {
    DbscanParams::new(p.eps, p.min_samples).check()?;
    if p.eps_time < 0 {
        return Err(Error::Param(format!(
            "space-time DBSCAN eps_time must be >= 0, got {}",
            p.eps_time
        )));
    }
    if times.len() != xy.len() {
        return Err(Error::Param(format!(
            "{} times for {} points",
            times.len(),
            xy.len()
        )));
    }
    check_points(xy)?;
    let idx = PointTree::new(xy);
    let r2 = p.eps * p.eps;
    let neigh = |i: usize, out: &mut Vec<usize>| {
        idx.within_into(xy[i], r2, out);
        let t = times[i];
        out.retain(|&j| (times[j] - t).abs() <= p.eps_time);
    };
    dbscan_impl(
        xy.len(),
        |i, buf| {
            neigh(i, buf);
            buf.len() >= p.min_samples
        },
        neigh,
    )
}

fn check_points(xy: &[[f64; 2]]) -> Result<()> {
    if let Some(i) = xy
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(Error::Data(format!(
            "point {i} has a non-finite coordinate {:?}",
            xy[i]
        )));
    }
    Ok(())
}

/// Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same points;
/// noise (`None`) is treated as one more label, as scikit-learn's
/// `adjusted_rand_score` does with −1. Returns 1 when both are single partitions.
pub fn adjusted_rand_index(a: &[Option<usize>], b: &[Option<usize>]) -> f64 {
    use std::collections::HashMap;
    let n = a.len().min(b.len());
    let mut cont: HashMap<(Option<usize>, Option<usize>), u64> = HashMap::new();
    let mut ra: HashMap<Option<usize>, u64> = HashMap::new();
    let mut rb: HashMap<Option<usize>, u64> = HashMap::new();
    for i in 0..n {
        *cont.entry((a[i], b[i])).or_insert(0) += 1;
        *ra.entry(a[i]).or_insert(0) += 1;
        *rb.entry(b[i]).or_insert(0) += 1;
    }
    let c2 = |x: u64| (x as f64) * (x as f64 - 1.0) / 2.0;
    let mut sums = [0.0; 3];
    let mut keys: Vec<_> = cont.into_iter().collect();
    keys.sort();
    sums[0] = keys.iter().map(|(_, v)| c2(*v)).sum();
    let mut va: Vec<_> = ra.into_iter().collect();
    va.sort();
    sums[1] = va.iter().map(|(_, v)| c2(*v)).sum();
    let mut vb: Vec<_> = rb.into_iter().collect();
    vb.sort();
    sums[2] = vb.iter().map(|(_, v)| c2(*v)).sum();
    let total = c2(n as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sums[1] * sums[2] / total;
    let max = (sums[1] + sums[2]) / 2.0;
    if max == expected {
        return 1.0;
    }
    (sums[0] - expected) / (max - expected)
}

/// Whether two labelings are the same partition (equal up to renaming clusters;
/// noise must be noise in both).
pub fn same_partition(a: &[Option<usize>], b: &[Option<usize>]) -> bool {
    use std::collections::HashMap;
    if a.len() != b.len() {
        return false;
    }
    let mut f: HashMap<usize, usize> = HashMap::new();
    let mut g: HashMap<usize, usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                if *f.entry(*x).or_insert(*y) != *y || *g.entry(*y).or_insert(*x) != *x {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(xy: &[[f64; 2]], eps: f64, m: usize) -> Clustering {
        // literal transcription of scikit-learn's dbscan_inner
        let n = xy.len();
        let nb: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                (0..n)
                    .filter(|&j| {
                        (xy[i][0] - xy[j][0]).powi(2) + (xy[i][1] - xy[j][1]).powi(2) <= eps * eps
                    })
                    .collect()
            })
            .collect();
        let core: Vec<bool> = nb.iter().map(|v| v.len() >= m).collect();
        let mut labels: Vec<Option<usize>> = vec![None; n];
        let mut next = 0;
        for s in 0..n {
            if labels[s].is_some() || !core[s] {
                continue;
            }
            let mut stack = vec![];
            let mut i = s;
            loop {
                if labels[i].is_none() {
                    labels[i] = Some(next);
                    if core[i] {
                        for &j in &nb[i] {
                            if labels[j].is_none() {
                                stack.push(j);
                            }
                        }
                    }
                }
                match stack.pop() {
                    Some(j) => i = j,
                    None => break,
                }
            }
            next += 1;
        }
        Clustering {
            labels,
            core,
            n_clusters: next,
        }
    }

    #[test]
    fn dbscan_equals_sklearn_transcription_on_random_points() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for case in 0..20 {
            let n = 50 + case * 10;
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)])
                .collect();
            for (eps, m) in [(5.0, 3), (8.0, 4), (10.0, 6), (0.0, 1)] {
                let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
                let b = brute(&xy, eps, m);
                assert_eq!(a, b, "case {case} eps {eps} m {m}");
            }
        }
    }

    #[test]
    fn dbscan_does_not_depend_on_thread_count() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let xy: Vec<[f64; 2]> = (0..3000)
            .map(|_| [rng.random_range(0.0..500.0), rng.random_range(0.0..500.0)])
            .collect();
        let p = DbscanParams::new(12.0, 5);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| dbscan(&xy, &p).unwrap());
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| dbscan(&xy, &p).unwrap());
        assert_eq!(one, many);
        assert!(one.n_clusters > 0);
    }

    #[test]
    fn dbscan_eps_is_inclusive_and_min_samples_counts_self() {
        let pts = [[0.0, 0.0], [3.0, 4.0]];
        let c = dbscan(&pts, &DbscanParams::new(5.0, 2)).unwrap();
        assert_eq!(c.labels, vec![Some(0), Some(0)]);
        let c = dbscan(&pts, &DbscanParams::new(4.999, 2)).unwrap();
        assert_eq!(c.labels, vec![None, None]);
        let c = dbscan(&pts, &DbscanParams::new(1.0, 1)).unwrap();
        assert_eq!(c.labels, vec![Some(0), Some(1)]);
    }

    #[test]
    fn dbscan_border_goes_to_first_cluster() {
        // two clusters of 4 (min_samples 4) with a border point between them
        let pts = [
            [10.0, 0.0], // border, index 0, reachable from both
            [20.0, 0.0],
            [21.0, 0.0],
            [19.0, 0.0],
            [0.0, 0.0],
            [-1.0, 0.0],
            [1.0, 0.0],
            [22.0, 0.0],
            [-2.0, 0.0],
        ];
        let c = dbscan(&pts, &DbscanParams::new(9.0, 4)).unwrap();
        // clusters numbered by lowest core index: {1,2,3,7} -> 0, {4,5,6,8} -> 1
        assert_eq!(c.labels[1], Some(0));
        assert_eq!(c.labels[4], Some(1));
        assert_eq!(c.labels[0], Some(0));
        assert!(!c.core[0]);
    }

    #[test]
    fn dbscan_degenerate_inputs() {
        assert_eq!(
            dbscan(&[], &DbscanParams::new(1.0, 2)).unwrap().n_clusters,
            0
        );
        let one = dbscan(&[[1.0, 1.0]], &DbscanParams::new(1.0, 2)).unwrap();
        assert_eq!(one.labels, vec![None]);
        let same = vec![[5.0, 5.0]; 30];
        let c = dbscan(&same, &DbscanParams::new(0.0, 5)).unwrap();
        assert_eq!(c.n_clusters, 1);
        assert!(c.labels.iter().all(|l| *l == Some(0)));
        let line: Vec<[f64; 2]> = (0..20).map(|i| [i as f64, 0.0]).collect();
        let c = dbscan(&line, &DbscanParams::new(1.0, 3)).unwrap();
        assert_eq!(c.n_clusters, 1);
        assert!(dbscan(&[[f64::NAN, 0.0]], &DbscanParams::new(1.0, 2)).is_err());
        assert!(dbscan(&line, &DbscanParams::new(-1.0, 2)).is_err());
        assert!(dbscan(&line, &DbscanParams::new(1.0, 0)).is_err());
    }

    #[test]
    fn st_dbscan_separates_in_time() {
        // same place, two bursts 100 days apart
        let xy = vec![[0.0, 0.0]; 10];
        let t: Vec<i64> = (0..10)
            .map(|i| {
                if i < 5 {
                    i * 3600
                } else {
                    100 * 86400 + i * 3600
                }
            })
            .collect();
        let c = st_dbscan(&xy, &t, &StDbscanParams::new(10.0, 86400, 3)).unwrap();
        assert_eq!(c.n_clusters, 2);
        assert_eq!(c.labels[0], Some(0));
        assert_eq!(c.labels[9], Some(1));
        // with a huge time window it is plain DBSCAN
        let c2 = st_dbscan(&xy, &t, &StDbscanParams::new(10.0, i64::MAX / 4, 3)).unwrap();
        assert_eq!(c2, dbscan(&xy, &DbscanParams::new(10.0, 3)).unwrap());
        assert!(st_dbscan(&xy, &t[..3], &StDbscanParams::new(10.0, 1, 3)).is_err());
    }

    #[test]
    fn adjusted_rand_index_known_values() {
        let a = [Some(0), Some(0), Some(1), Some(1)];
        let b = [Some(1), Some(1), Some(0), Some(0)];
        assert!((adjusted_rand_index(&a, &b) - 1.0).abs() < 1e-12);
        assert!(same_partition(&a, &b));
        // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        let c = [Some(0), Some(0), Some(1), Some(2)];
        assert!((adjusted_rand_index(&a, &c) - 0.5714285714285715).abs() < 1e-12);
        assert!(!same_partition(&a, &c));
    }
}
