//! DBSCAN's neighbour search: points sorted into cells of side `eps/√2` (and time
//! slabs), each cell with its candidate neighbour cells, and per-cell parallel passes.

use rayon::prelude::*;

/// The neighbourhood: `dx² + dy² <= eps²` (the expression scikit-learn's trees use,
/// so pairs on the edge fall on the same side) and, for space-time DBSCAN,
/// `|Δt| <= eps_time`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Nbhd {
    pub(super) r2: f64,
    pub(super) eps_time: Option<u64>,
}

/// Points sorted into cells of side `eps/√2` (and, with times, slabs of
/// `eps_time + 1` time units), with each cell's candidate neighbour cells.
///
/// Any two points of one cell are within `eps` of each other (checked on the
/// cell's actual extent, so rounding can never make the shortcut wrong), and a
/// point's neighbours lie in the cells at most two columns/rows (one slab) away.
pub(super) struct CellGrid {
    pub(super) nb: Nbhd,
    /// Original index of each sorted position.
    pub(super) order: Vec<u32>,
    /// Coordinates in sorted order.
    pub(super) xy: Vec<[f64; 2]>,
    /// Times in sorted order (empty without times).
    t: Vec<i64>,
    /// Cell `c` holds the sorted positions `start[c]..start[c + 1]`.
    pub(super) start: Vec<u32>,
    /// Candidate cells of cell `c` (itself included): the cell-id ranges
    /// `ranges[rstart[c]..rstart[c + 1]]`, each `[first, end)`.
    rstart: Vec<u32>,
    ranges: Vec<[u32; 2]>,
    /// Whether every pair of points in the cell is a neighbour pair.
    pub(super) tight: Vec<bool>,
}

/// Cells per parallel task when building per-cell tables.
pub(super) const CELL_CHUNK: usize = 1024;

impl CellGrid {
    pub(super) fn new(xy: &[[f64; 2]], t: Option<&[i64]>, nb: Nbhd, eps: f64) -> CellGrid {
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

    pub(super) fn n_cells(&self) -> usize {
        self.start.len() - 1
    }

    pub(super) fn cell(&self, c: usize) -> std::ops::Range<usize> {
        self.start[c] as usize..self.start[c + 1] as usize
    }

    /// The candidate cells of `c`, as ranges of cell ids.
    pub(super) fn cand(&self, c: usize) -> &[[u32; 2]] {
        &self.ranges[self.rstart[c] as usize..self.rstart[c + 1] as usize]
    }

    /// Whether sorted positions `p` and `q` are neighbours.
    #[inline]
    pub(super) fn near(&self, p: usize, q: usize) -> bool {
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
pub(super) fn per_cell_chunk<T: Send>(
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
