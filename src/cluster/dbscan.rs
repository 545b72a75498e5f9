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

/// The neighbourhood: `dx² + dy² <= eps²` (the expression scikit-learn's trees use,
/// so pairs on the edge fall on the same side) and, for space-time DBSCAN,
/// `|Δt| <= eps_time`.
#[derive(Debug, Clone, Copy)]
struct Nbhd {
    r2: f64,
    eps_time: Option<u64>,
}

/// Points sorted into cells of side `eps/√2` (and, with times, slabs of
/// `eps_time + 1` time units), with each cell's candidate neighbour cells.
///
/// Any two points of one cell are within `eps` of each other (checked on the
/// cell's actual extent, so rounding can never make the shortcut wrong), and a
/// point's neighbours lie in the cells at most two columns/rows (one slab) away.
struct CellGrid {
    nb: Nbhd,
    /// Original index of each sorted position.
    order: Vec<u32>,
    /// Coordinates in sorted order.
    xy: Vec<[f64; 2]>,
    /// Times in sorted order (empty without times).
    t: Vec<i64>,
    /// Cell `c` holds the sorted positions `start[c]..start[c + 1]`.
    start: Vec<u32>,
    /// Candidate cells of cell `c` (itself included): the cell-id ranges
    /// `ranges[rstart[c]..rstart[c + 1]]`, each `[first, end)`.
    rstart: Vec<u32>,
    ranges: Vec<[u32; 2]>,
    /// Whether every pair of points in the cell is a neighbour pair.
    tight: Vec<bool>,
}

/// Cells per parallel task when building per-cell tables.
const CELL_CHUNK: usize = 1024;

impl CellGrid {
    fn new(xy: &[[f64; 2]], t: Option<&[i64]>, nb: Nbhd, eps: f64) -> CellGrid {
        let n = xy.len();
        let mut side = eps / std::f64::consts::SQRT_2;
        if !(side.is_normal() && side > 0.0) {
            side = 1.0;
        }
        // offsets that can hold neighbours: a gap of (k - 1) cells must exceed eps
        let reach = ((eps / side).floor() as i64).saturating_add(1);
        let (minx, miny) = xy.iter().fold((f64::INFINITY, f64::INFINITY), |a, p| {
            (a.0.min(p[0]), a.1.min(p[1]))
        });
        let tmin = t.map_or(0, |t| t.iter().copied().min().unwrap_or(0));
        let slab = nb.eps_time.map_or(1, |e| e.saturating_add(1)) as i128;
        let key = |i: usize| -> [i64; 3] {
            // `as` saturates: far-out cells merge, which only costs the shortcut
            let cy = ((xy[i][1] - miny) / side).floor() as i64;
            let cx = ((xy[i][0] - minx) / side).floor() as i64;
            let ct = t.map_or(0, |t| {
                ((t[i] as i128 - tmin as i128) / slab).min(i64::MAX as i128) as i64
            });
            [cy, cx, ct]
        };
        let keys: Vec<[i64; 3]> = (0..n).into_par_iter().map(key).collect();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.par_sort_unstable_by_key(|&i| (keys[i as usize], i));
        let mut cell_keys: Vec<[i64; 3]> = Vec::new();
        let mut start: Vec<u32> = Vec::new();
        for (p, &i) in order.iter().enumerate() {
            let k = keys[i as usize];
            if cell_keys.last() != Some(&k) {
                cell_keys.push(k);
                start.push(p as u32);
            }
        }
        start.push(n as u32);
        drop(keys);
        let sxy: Vec<[f64; 2]> = order.iter().map(|&i| xy[i as usize]).collect();
        let st: Vec<i64> = t.map_or(Vec::new(), |t| {
            order.iter().map(|&i| t[i as usize]).collect()
        });
        let nc = cell_keys.len();

        // candidate cell ranges, built per chunk of cells
        let timed = t.is_some();
        let parts: Vec<(Vec<u32>, Vec<[u32; 2]>)> = (0..nc)
            .into_par_iter()
            .step_by(CELL_CHUNK)
            .map(|c0| {
                let mut counts = Vec::with_capacity(CELL_CHUNK);
                let mut out: Vec<[u32; 2]> = Vec::new();
                for c in c0..(c0 + CELL_CHUNK).min(nc) {
                    let before = out.len();
                    let [cy, cx, ct] = cell_keys[c];
                    let lo = |v: i64| (v as i128 - reach as i128).max(i64::MIN as i128) as i64;
                    let hi = |v: i64| (v as i128 + reach as i128).min(i64::MAX as i128) as i64;
                    for ry in lo(cy) as i128..=hi(cy) as i128 {
                        let ry = ry as i64;
                        let a = cell_keys.partition_point(|k| (k[0], k[1]) < (ry, lo(cx)));
                        let b = cell_keys.partition_point(|k| (k[0], k[1]) <= (ry, hi(cx)));
                        if a == b {
                            continue;
                        }
                        if !timed {
                            out.push([a as u32, b as u32]);
                            continue;
                        }
                        // per column, the slabs ct - 1 ..= ct + 1
                        let row = &cell_keys[a..b];
                        let (tlo, thi) = (ct.saturating_sub(1), ct.saturating_add(1));
                        let mut s = 0usize;
                        while s < row.len() {
                            let col = row[s][1];
                            let e = s + row[s..].partition_point(|k| k[1] == col);
                            let seg = &row[s..e];
                            let x = seg.partition_point(|k| k[2] < tlo);
                            let y = seg.partition_point(|k| k[2] <= thi);
                            if x < y {
                                out.push([(a + s + x) as u32, (a + s + y) as u32]);
                            }
                            s = e;
                        }
                    }
                    counts.push((out.len() - before) as u32);
                }
                (counts, out)
            })
            .collect();
        let mut rstart = Vec::with_capacity(nc + 1);
        let mut ranges = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        rstart.push(0u32);
        for (counts, out) in parts {
            for c in counts {
                let last = *rstart.last().unwrap_or(&0);
                rstart.push(last + c);
            }
            ranges.extend_from_slice(&out);
        }

        // tight cells: the extent of their points is within the neighbourhood
        let tight: Vec<bool> = (0..nc)
            .into_par_iter()
            .map(|c| {
                let (a, b) = (start[c] as usize, start[c + 1] as usize);
                let pts = &sxy[a..b];
                let (mut x0, mut x1, mut y0, mut y1) = (pts[0][0], pts[0][0], pts[0][1], pts[0][1]);
                for p in &pts[1..] {
                    x0 = x0.min(p[0]);
                    x1 = x1.max(p[0]);
                    y0 = y0.min(p[1]);
                    y1 = y1.max(p[1]);
                }
                // rounding is monotone: no pair inside is farther than the extent
                let (dx, dy) = (x1 - x0, y1 - y0);
                let space = dx * dx + dy * dy <= nb.r2;
                let time = match nb.eps_time {
                    None => true,
                    Some(e) => {
                        let ts = &st[a..b];
                        let (t0, t1) = ts
                            .iter()
                            .fold((i64::MAX, i64::MIN), |m, &v| (m.0.min(v), m.1.max(v)));
                        t1.abs_diff(t0) <= e
                    }
                };
                space && time
            })
            .collect();
        CellGrid {
            nb,
            order,
            xy: sxy,
            t: st,
            start,
            rstart,
            ranges,
            tight,
        }
    }

    fn n_cells(&self) -> usize {
        self.start.len() - 1
    }

    fn cell(&self, c: usize) -> std::ops::Range<usize> {
        self.start[c] as usize..self.start[c + 1] as usize
    }

    /// The candidate cells of `c`, as ranges of cell ids.
    fn cand(&self, c: usize) -> &[[u32; 2]] {
        &self.ranges[self.rstart[c] as usize..self.rstart[c + 1] as usize]
    }

    /// Whether sorted positions `p` and `q` are neighbours.
    #[inline]
    fn near(&self, p: usize, q: usize) -> bool {
        let (a, b) = (self.xy[p], self.xy[q]);
        let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
        dx * dx + dy * dy <= self.nb.r2
            && self
                .nb
                .eps_time
                .is_none_or(|e| self.t[p].abs_diff(self.t[q]) <= e)
    }
}

/// Values per point in sorted (cell) order, one task per chunk of cells: `f(c, out)`
/// pushes the values of cell `c`'s points; the chunks come back in cell order.
fn per_cell_chunk<T: Send>(
    g: &CellGrid,
    f: impl Fn(usize, &mut Vec<T>) + Sync + Send,
) -> Vec<Vec<T>> {
    let nc = g.n_cells();
    (0..nc)
        .into_par_iter()
        .step_by(CELL_CHUNK)
        .map(|c0| {
            let c1 = (c0 + CELL_CHUNK).min(nc);
            let mut out = Vec::with_capacity(g.start[c1] as usize - g.start[c0] as usize);
            for c in c0..c1 {
                f(c, &mut out);
            }
            out
        })
        .collect()
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
        brute_with(xy, m, |i, j| {
            let (dx, dy) = (xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]);
            dx * dx + dy * dy <= eps * eps
        })
    }

    fn brute_st(xy: &[[f64; 2]], t: &[i64], eps: f64, et: i64, m: usize) -> Clustering {
        brute_with(xy, m, |i, j| {
            let (dx, dy) = (xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]);
            dx * dx + dy * dy <= eps * eps && (t[i] - t[j]).abs() <= et
        })
    }

    fn brute_with(xy: &[[f64; 2]], m: usize, near: impl Fn(usize, usize) -> bool) -> Clustering {
        // literal transcription of scikit-learn's dbscan_inner
        let n = xy.len();
        let nb: Vec<Vec<usize>> = (0..n)
            .map(|i| (0..n).filter(|&j| near(i, j)).collect())
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
    fn dbscan_equals_sklearn_transcription_on_dense_clumps_and_duplicates() {
        // dense cells (the no-distance shortcut), duplicates, sparse surroundings
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for case in 0..12 {
            let mut xy: Vec<[f64; 2]> = Vec::new();
            for _ in 0..4 {
                let c = [rng.random_range(0.0..200.0), rng.random_range(0.0..200.0)];
                let sd = rng.random_range(0.5..6.0);
                for _ in 0..rng.random_range(5..80) {
                    xy.push([
                        c[0] + sd * (rng.random::<f64>() - 0.5),
                        c[1] + sd * (rng.random::<f64>() - 0.5),
                    ]);
                }
                for _ in 0..rng.random_range(0..12) {
                    xy.push(c);
                }
            }
            for _ in 0..100 {
                xy.push([rng.random_range(0.0..200.0), rng.random_range(0.0..200.0)]);
            }
            // shuffle so that cells and indices are unrelated
            for k in (1..xy.len()).rev() {
                let j = rng.random_range(0..=k);
                xy.swap(k, j);
            }
            for (eps, m) in [(3.0, 5), (7.5, 12), (1.0, 3), (15.0, 30), (0.0, 4)] {
                let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
                assert_eq!(a, brute(&xy, eps, m), "case {case} eps {eps} m {m}");
            }
        }
    }

    #[test]
    fn dbscan_extreme_coordinates_and_radii() {
        // cell keys saturate or need huge cell indices: still exact
        let xy = vec![
            [1e15, 1e15],
            [1e15 + 0.125, 1e15],
            [1e15, 1e15 + 0.25],
            [-1e15, 3.0],
            [-1e15, 3.0],
            [0.0, 0.0],
        ];
        for (eps, m) in [
            (1e-300, 1),
            (1e-300, 2),
            (0.3, 2),
            (0.3, 3),
            (1e300, 6),
            (5e-324, 2),
        ] {
            let a = dbscan(&xy, &DbscanParams::new(eps, m)).unwrap();
            assert_eq!(a, brute(&xy, eps, m), "eps {eps} m {m}");
        }
    }

    #[test]
    fn st_dbscan_equals_transcription_on_random_points() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        for case in 0..15 {
            let n = 80 + case * 15;
            let mut xy: Vec<[f64; 2]> = Vec::new();
            let mut t: Vec<i64> = Vec::new();
            for _ in 0..n {
                if rng.random::<f64>() < 0.5 {
                    xy.push([rng.random_range(40.0..46.0), rng.random_range(40.0..46.0)]);
                    t.push(rng.random_range(0..20));
                } else {
                    xy.push([rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)]);
                    t.push(rng.random_range(-50..50));
                }
            }
            for (eps, et, m) in [
                (5.0, 3, 3),
                (8.0, 0, 4),
                (10.0, 10, 6),
                (0.0, 5, 1),
                (4.0, 100, 8),
            ] {
                let a = st_dbscan(&xy, &t, &StDbscanParams::new(eps, et, m)).unwrap();
                let b = brute_st(&xy, &t, eps, et, m);
                assert_eq!(a, b, "case {case} eps {eps} et {et} m {m}");
            }
        }
        // extreme times: no overflow, still exact
        let xy = vec![[0.0, 0.0]; 4];
        let t = [i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX];
        for et in [0, 1, i64::MAX] {
            let a = st_dbscan(&xy, &t, &StDbscanParams::new(1.0, et, 2)).unwrap();
            assert_eq!(a, brute_st_wide(&t, et, 2), "et {et}");
        }
    }

    fn brute_st_wide(t: &[i64], et: i64, m: usize) -> Clustering {
        let xy = vec![[0.0, 0.0]; t.len()];
        brute_with(&xy, m, |i, j| t[i].abs_diff(t[j]) <= et as u64)
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

    #[test]
    fn st_dbscan_typed_error_names_eps_time() {
        let e = st_dbscan(&[[0.0, 0.0]], &[0], &StDbscanParams::new(1.0, -1, 2)).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParam { param: "eps_time", value, .. } if value == "-1")
        );
    }
}
