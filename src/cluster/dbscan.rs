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

use crate::error::{Error, Result};

mod agreement;
mod grid;

pub use agreement::{adjusted_rand_index, same_partition};
use grid::{per_cell_chunk, CellGrid, Nbhd, CELL_CHUNK};

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
            return Err(Error::invalid_param(
                "eps",
                self.eps,
                "DBSCAN eps must be a distance >= 0",
            ));
        }
        if self.min_samples == 0 {
            return Err(Error::invalid_param(
                "min_samples",
                self.min_samples,
                "DBSCAN min_samples must be >= 1 (it counts the point itself)",
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

/// Exact grid DBSCAN with scikit-learn's semantics (see the module docs).
fn dbscan_grid(g: &CellGrid, m: usize) -> Clustering {
    let n = g.xy.len();
    let nc = g.n_cells();
    // 1. core flags (sorted order), one task per chunk of cells
    let core_parts: Vec<Vec<bool>> = per_cell_chunk(g, |c, out| {
        let own = g.cell(c);
        if g.tight[c] && own.len() >= m {
            out.extend(std::iter::repeat_n(true, own.len()));
            return;
        }
        let total: usize = g
            .cand(c)
            .iter()
            .map(|r| (g.start[r[1] as usize] - g.start[r[0] as usize]) as usize)
            .sum();
        if total < m {
            out.extend(std::iter::repeat_n(false, own.len()));
            return;
        }
        for p in own.clone() {
            let mut k = if g.tight[c] {
                own.len()
            } else {
                own.clone().filter(|&q| g.near(p, q)).count()
            };
            'scan: for r in g.cand(c) {
                if k >= m {
                    break;
                }
                let span = g.start[r[0] as usize] as usize..g.start[r[1] as usize] as usize;
                for q in span {
                    if own.contains(&q) {
                        continue;
                    }
                    if g.near(p, q) {
                        k += 1;
                        if k >= m {
                            break 'scan;
                        }
                    }
                }
            }
            out.push(k >= m);
        }
    });
    let mut core_s: Vec<bool> = Vec::with_capacity(n);
    for p in core_parts {
        core_s.extend_from_slice(&p);
    }
    // core points per cell (sorted positions) and their extent
    let mut cstart: Vec<u32> = Vec::with_capacity(nc + 1);
    let mut cpos: Vec<u32> = Vec::new();
    for c in 0..nc {
        cstart.push(cpos.len() as u32);
        cpos.extend(g.cell(c).filter(|&p| core_s[p]).map(|p| p as u32));
    }
    cstart.push(cpos.len() as u32);
    let cores_of = |c: usize| &cpos[cstart[c] as usize..cstart[c + 1] as usize];
    let bbox: Vec<[f64; 4]> = (0..nc)
        .into_par_iter()
        .map(|c| {
            cores_of(c).iter().fold(
                [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ],
                |b, &p| {
                    let q = g.xy[p as usize];
                    [
                        b[0].min(q[0]),
                        b[1].min(q[1]),
                        b[2].max(q[0]),
                        b[3].max(q[1]),
                    ]
                },
            )
        })
        .collect();
    // squared distance from a point to a box (0 inside); a lower bound, so `>` prunes safely
    let box_d2 = |q: [f64; 2], b: &[f64; 4]| {
        let dx = (b[0] - q[0]).max(q[0] - b[2]).max(0.0);
        let dy = (b[1] - q[1]).max(q[1] - b[3]).max(0.0);
        dx * dx + dy * dy
    };
    // whether a core point of `c` reaches (sorted position) p
    let reaches = |c: usize, p: usize| -> bool {
        box_d2(g.xy[p], &bbox[c]) <= g.nb.r2 && cores_of(c).iter().any(|&q| g.near(p, q as usize))
    };

    // 2. components of the core points. The cores of a tight cell are all linked;
    //    two tight cells are linked by any core-core pair (early exit); a cell that is
    //    not tight (degenerate radii, saturated keys) links point by point.
    let links: Vec<Vec<[u32; 2]>> = (0..nc)
        .into_par_iter()
        .step_by(CELL_CHUNK)
        .map(|c0| {
            let mut out = Vec::new();
            for c in c0..(c0 + CELL_CHUNK).min(nc) {
                let cc = cores_of(c);
                if cc.is_empty() {
                    continue;
                }
                if g.tight[c] {
                    out.extend(cc[1..].iter().map(|&q| [cc[0], q]));
                } else {
                    for (k, &p) in cc.iter().enumerate() {
                        for &q in &cc[k + 1..] {
                            if g.near(p as usize, q as usize) {
                                out.push([p, q]);
                            }
                        }
                    }
                }
                for r in g.cand(c) {
                    let first = (r[0] as usize).max(c + 1);
                    for (d, bd) in (first..r[1] as usize).zip(&bbox[first.min(r[1] as usize)..]) {
                        let dd = cores_of(d);
                        if dd.is_empty() {
                            continue;
                        }
                        if g.tight[c] && g.tight[d] {
                            let hit = cc.iter().find_map(|&p| {
                                (box_d2(g.xy[p as usize], bd) <= g.nb.r2)
                                    .then(|| dd.iter().find(|&&q| g.near(p as usize, q as usize)))
                                    .flatten()
                                    .map(|&q| [p, q])
                            });
                            out.extend(hit);
                        } else {
                            for &p in cc {
                                if box_d2(g.xy[p as usize], bd) > g.nb.r2 {
                                    continue;
                                }
                                for &q in dd {
                                    if g.near(p as usize, q as usize) {
                                        out.push([p, q]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            out
        })
        .collect();
    let mut dsu = Dsu((0..n as u32).collect());
    for part in &links {
        for &[a, b] in part {
            dsu.union(a, b);
        }
    }
    drop(links);

    // 3. number the components by their lowest original core index
    let root: Vec<u32> = cpos.iter().map(|&p| dsu.find(p)).collect();
    let mut comp_min = vec![u32::MAX; n];
    for (k, &p) in cpos.iter().enumerate() {
        let r = root[k] as usize;
        comp_min[r] = comp_min[r].min(g.order[p as usize]);
    }
    let mut comps: Vec<(u32, u32)> = (0..n)
        .filter(|&p| comp_min[p] != u32::MAX)
        .map(|p| (comp_min[p], p as u32))
        .collect();
    comps.sort_unstable();
    // label per root, then per core point (in cpos order)
    let mut root_label = comp_min;
    for (l, &(_, r)) in comps.iter().enumerate() {
        root_label[r as usize] = l as u32;
    }
    let core_label: Vec<u32> = root.iter().map(|&r| root_label[r as usize]).collect();
    drop(root_label);
    // smallest label of each cell's cores (all equal in a tight cell)
    let cell_min: Vec<u32> = (0..nc)
        .map(|c| {
            core_label[cstart[c] as usize..cstart[c + 1] as usize]
                .iter()
                .copied()
                .min()
                .unwrap_or(u32::MAX)
        })
        .collect();

    // 4. labels in sorted order: cores take their component's label; a border point
    //    the smallest label among the core points that reach it
    let label_parts: Vec<Vec<u32>> = per_cell_chunk(g, |c, out| {
        let mut k = cstart[c] as usize;
        for p in g.cell(c) {
            if core_s[p] {
                out.push(core_label[k]);
                k += 1;
                continue;
            }
            let mut best = u32::MAX;
            for r in g.cand(c) {
                for d in r[0] as usize..r[1] as usize {
                    if cell_min[d] >= best {
                        continue;
                    }
                    if g.tight[d] {
                        if (d == c) || reaches(d, p) {
                            best = cell_min[d];
                        }
                    } else if box_d2(g.xy[p], &bbox[d]) <= g.nb.r2 {
                        let ks = cstart[d] as usize..cstart[d + 1] as usize;
                        for (&q, &l) in cpos[ks.clone()].iter().zip(&core_label[ks]) {
                            if l < best && g.near(p, q as usize) {
                                best = l;
                            }
                        }
                    }
                }
            }
            out.push(best);
        }
    });
    let mut labels: Vec<Option<usize>> = vec![None; n];
    let mut core: Vec<bool> = vec![false; n];
    let mut p = 0usize;
    for part in label_parts {
        for l in part {
            let i = g.order[p] as usize;
            labels[i] = (l != u32::MAX).then_some(l as usize);
            core[i] = core_s[p];
            p += 1;
        }
    }
    Clustering {
        labels,
        core,
        n_clusters: comps.len(),
    }
}

/// DBSCAN of points (metres) with scikit-learn's semantics (see the module docs).
///
/// Non-finite coordinates are an error.
///
/// # Examples
/// ```
/// use crimescape::{dbscan, DbscanParams};
/// let pts = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [50.0, 50.0]];
/// let c = dbscan(&pts, &DbscanParams::new(1.0, 2)).unwrap();
/// assert_eq!(c.labels, vec![Some(0), Some(0), Some(0), None]);
/// ```
pub fn dbscan(xy: &[[f64; 2]], p: &DbscanParams) -> Result<Clustering> {
    p.check()?;
    run(xy, None, p)
}

/// The grid DBSCAN of checked parameters: `times` with the temporal radius `eps_time`
/// (seconds) for the space-time variant.
fn run(xy: &[[f64; 2]], times: Option<(&[i64], u64)>, p: &DbscanParams) -> Result<Clustering> {
    check_points(xy)?;
    check_len(xy.len())?;
    if xy.is_empty() {
        return Ok(empty());
    }
    let nb = Nbhd {
        r2: p.eps * p.eps,
        eps_time: times.map(|(_, e)| e),
    };
    let g = CellGrid::new(xy, times.map(|(t, _)| t), nb, p.eps);
    Ok(dbscan_grid(&g, p.min_samples))
}

/// Space-time DBSCAN: neighbourhood `d <= eps` and `|Δt| <= eps_time` (both
/// inclusive, self included); otherwise exactly [`dbscan`]. `times` are seconds.
pub fn st_dbscan(xy: &[[f64; 2]], times: &[i64], p: &StDbscanParams) -> Result<Clustering> {
    let sp = DbscanParams::new(p.eps, p.min_samples);
    sp.check()?;
    if p.eps_time < 0 {
        return Err(Error::invalid_param(
            "eps_time",
            p.eps_time,
            "the space-time DBSCAN temporal radius must be >= 0 s",
        ));
    }
    if times.len() != xy.len() {
        return Err(Error::LengthMismatch {
            what: "times",
            got: times.len(),
            per: "points",
            expected: xy.len(),
        });
    }
    run(xy, Some((times, p.eps_time as u64)), &sp)
}

fn empty() -> Clustering {
    Clustering {
        labels: Vec::new(),
        core: Vec::new(),
        n_clusters: 0,
    }
}

fn check_len(n: usize) -> Result<()> {
    if n >= u32::MAX as usize {
        return Err(Error::limit(
            "points",
            n,
            u32::MAX - 1,
            "DBSCAN numbers its points in 32 bits",
        ));
    }
    Ok(())
}

fn check_points(xy: &[[f64; 2]]) -> Result<()> {
    Error::check_finite("point", xy)
}

#[cfg(test)]
mod tests;
