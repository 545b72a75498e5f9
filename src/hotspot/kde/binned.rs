//! Exact moment-based evaluation of compact polynomial kernels on a regular grid
//! of evaluation points (cell centres, or the fine sample points of cell averages).
//!
//! # Algorithm
//! The quartic, Epanechnikov and uniform kernels are polynomials in
//! `t = h² − d²` inside their support (`d < h`) and 0 outside:
//! `K = 3/(πh⁶)·t²`, `2/(πh⁴)·t`, `1/(πh²)`. Writing a point as
//! `p = o + (u, v)` about an origin `o`, and `(a, e) = o − c` for an evaluation
//! point `c`, `t = q − 2au − 2ev − r²` with `q = h² − a² − e²`, `r² = u² + v²`, so
//!
//! `Σ w t² = q²W − 4qa·U − 4qe·V + (4a² − 2q)·UU + (4e² − 2q)·VV + 8ae·UV + 4a·UR + 4e·VR + RR`
//!
//! with the raw moments `W = Σw`, `U = Σwu`, `V = Σwv`, `UU = Σwu²`,
//! `VV = Σwv²`, `UV = Σwuv`, `UR = Σwur²`, `VR = Σwvr²`, `RR = Σwr⁴`. For a
//! group of points that lies **entirely inside** the support of `c` the sum of
//! their kernel values is therefore exact from nine moments, whatever the number
//! of points (`Σ w t = qW − 2aU − 2eV − UU − VV` for Epanechnikov).
//!
//! 1. Points are binned once (O(n), a counting sort of their indices: the points
//!    are read where the caller holds them, never copied) into bins of the
//!    evaluation spacing, aligned with the evaluation points and extended by the
//!    support on every side (points farther away cannot contribute and are skipped).
//! 2. Per bin: the nine moments about the bin centre (dense planes), and a
//!    quadtree over its points (split at the centre of the points' bounding box,
//!    leaves of ≤ 32 points, moments about each node's bounding-box centre).
//! 3. A bin at a given offset from an evaluation point is inside, outside or cut
//!    by the support circle whatever the point (the bins are aligned), so the
//!    inside offsets are summed for a whole row at once from the planes
//!    (a fixed stencil, like a convolution), and only the cut offsets descend their
//!    bin's quadtree: a node inside → its moments, outside (nearest corner of its
//!    bounding box at `d ≥ h`) → nothing, cut → its children, a cut leaf → its points
//!    one by one with [`Kernel::eval`].
//!
//! # Notes
//! * Exact up to rounding (checked against the brute-force sum to 1e-9 relative).
//!   A node counts as inside only when its farthest corner has
//!   `d² ≤ (1 − 1/32)·h²`, so that the polynomial never cancels to a tiny value
//!   near the support edge (its terms would then lose relative precision);
//!   points on the edge (`d = h`) are always evaluated one by one and get 0, as in
//!   [`Kernel::eval`] (compact kernels are 0 for `d ≥ h`).
//! * Cost: O(n) to bin and build the trees, then per evaluation point
//!   O((h/spacing)²) vectorised plane terms plus the cut offsets' trees: points are
//!   evaluated one by one only in a band along the support edge whose width is
//!   about a leaf, not in the whole disc as the per-point stencil does.
//! * The triangular kernel (`1 − d/h`, not polynomial in d²), the Gaussian (not
//!   compact) and per-point (adaptive) bandwidths keep the per-point stencil.
//! * Memory: 4 bytes per binned point while the trees are built (the sorted
//!   indices; 4 more while binning), then a copy of the points in bin-and-tree
//!   order (16 bytes, 24 with weights: cut leaves read them in sequence) that
//!   replaces the indices; a 112-byte node per quadtree node (one vector per row of bins, children side
//!   by side) and 84 bytes per bin (nine moment planes, the root, the first point).
//! * Deterministic: each evaluation point is summed by one thread in a fixed order
//!   (plane offsets row by row, then the cut offsets, nodes depth first).

use rayon::prelude::*;

use super::Kernel;

/// Moments per bin or node: W, U, V, UU, VV, UV, UR, VR, RR.
const NM: usize = 9;
/// Largest leaf of a bin's quadtree.
const LEAF: usize = 32;
/// Deepest quadtree level (a bin of 500 m splits down to 0.1 mm).
const MAX_DEPTH: u32 = 22;
/// A node is inside the support when its farthest corner has `d² ≤ (1 − margin)·h²`.
const INSIDE_MARGIN: f64 = 1.0 / 32.0;
/// Largest number of (extended) bins: 9 moment planes of 8 bytes each.
const MAX_BINS: usize = 30_000_000;

/// Whether `kernel` has the moment-based fast path.
pub(super) fn supported(kernel: Kernel) -> bool {
    matches!(
        kernel,
        Kernel::Quartic | Kernel::Epanechnikov | Kernel::Uniform
    )
}

/// Evaluation points of a regular grid in local coordinates: the point of
/// column `i`, row `j` is `((i + ½)·spacing, (j + ½)·spacing)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lattice {
    /// Distance between neighbouring points (m).
    pub spacing: f64,
    /// Columns.
    pub ncols: usize,
    /// Rows.
    pub nrows: usize,
}

impl Lattice {
    /// Bins beyond the lattice on each side so that every point within `h` of an
    /// evaluation point is binned.
    fn margin(&self, h: f64) -> usize {
        (h / self.spacing).ceil() as usize + 1
    }

    /// Number of bins (extended lattice) for bandwidth `h`, if it fits in memory.
    pub(super) fn bins(&self, h: f64) -> Option<usize> {
        let m = self.margin(h);
        let n = self
            .ncols
            .checked_add(2 * m)?
            .checked_mul(self.nrows.checked_add(2 * m)?)?;
        (n <= MAX_BINS).then_some(n)
    }
}

/// A binned point in local coordinates with its weight.
trait Pt: Copy + Send + Sync {
    fn xyw(&self) -> (f64, f64, f64);
}

impl Pt for [f64; 2] {
    #[inline]
    fn xyw(&self) -> (f64, f64, f64) {
        (self[0], self[1], 1.0)
    }
}

impl Pt for [f64; 3] {
    #[inline]
    fn xyw(&self) -> (f64, f64, f64) {
        (self[0], self[1], self[2])
    }
}

/// A quadtree node: bounding box (centre and half sizes), moments about the
/// centre, and either its points (a leaf: `link..link + len` in the bin order)
/// or its children (`len = INNER | k`: `k` nodes from `link` in the same vector,
/// in quadrant order). 112 bytes.
#[derive(Debug, Clone, Copy)]
struct Node {
    ox: f64,
    oy: f64,
    hx: f64,
    hy: f64,
    m: [f64; NM],
    link: u32,
    len: u32,
}

/// Flag of [`Node::len`] for a node with children (a leaf holds fewer points).
const INNER: u32 = 1 << 31;
/// No tree: an empty bin.
const NO_ROOT: u32 = u32::MAX;

/// Adds the moments of `(u, v)` with weight `w` to `m`.
#[inline]
fn add_moments(m: &mut [f64; NM], u: f64, v: f64, w: f64) {
    let (wu, wv) = (w * u, w * v);
    let r2 = u * u + v * v;
    m[0] += w;
    m[1] += wu;
    m[2] += wv;
    m[3] += wu * u;
    m[4] += wv * v;
    m[5] += wu * v;
    m[6] += wu * r2;
    m[7] += wv * r2;
    m[8] += w * r2 * r2;
}

/// Coefficients of the moments for a group whose origin is at `(a, e)` from the
/// evaluation point, times the kernel's normalisation `norm` (see the module docs).
#[inline]
fn coefs(kernel: Kernel, a: f64, e: f64, h2: f64, norm: f64) -> [f64; NM] {
    let q = h2 - a * a - e * e;
    let c = match kernel {
        Kernel::Quartic => [
            q * q,
            -4.0 * q * a,
            -4.0 * q * e,
            4.0 * a * a - 2.0 * q,
            4.0 * e * e - 2.0 * q,
            8.0 * a * e,
            4.0 * a,
            4.0 * e,
            1.0,
        ],
        Kernel::Epanechnikov => [q, -2.0 * a, -2.0 * e, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0],
        _ => [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    };
    c.map(|x| x * norm)
}

/// The kernel's constant factor in front of `t²`, `t` or 1.
fn norm(kernel: Kernel, h: f64) -> f64 {
    use std::f64::consts::PI;
    let h2 = h * h;
    match kernel {
        Kernel::Quartic => 3.0 / (PI * h2 * h2 * h2),
        Kernel::Epanechnikov => 2.0 / (PI * h2 * h2),
        _ => 1.0 / (PI * h2),
    }
}

/// Where a box of half sizes `(hx, hy)` centred at `(a, e)` from an evaluation
/// point lies relative to the support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Inside,
    Outside,
    Cut,
}

#[inline]
fn place(a: f64, e: f64, hx: f64, hy: f64, h2: f64) -> Place {
    let (fa, fe) = (a.abs(), e.abs());
    let (nx, ny) = ((fa - hx).max(0.0), (fe - hy).max(0.0));
    if nx * nx + ny * ny >= h2 {
        return Place::Outside;
    }
    let (mx, my) = (fa + hx, fe + hy);
    if mx * mx + my * my <= (1.0 - INSIDE_MARGIN) * h2 {
        Place::Inside
    } else {
        Place::Cut
    }
}

/// The kernel sum (per m²) at every evaluation point of `lat`, row-major from the
/// south-west; `origin` is the south-west corner of the lattice (local
/// coordinates are `p − origin`), `weights` in the order of `pts`.
/// `None` when the extended lattice is too large (see [`Lattice::bins`]).
pub(super) fn evaluate(
    lat: &Lattice,
    pts: &[[f64; 2]],
    weights: Option<&[f64]>,
    origin: [f64; 2],
    h: f64,
    kernel: Kernel,
) -> Option<Vec<f64>> {
    lat.bins(h)?;
    if pts.len() >= INNER as usize {
        return None;
    }
    let [x0, y0] = origin;
    Some(match weights {
        None => run(
            lat,
            pts.len(),
            |i| [pts[i][0] - x0, pts[i][1] - y0],
            h,
            kernel,
        ),
        Some(w) => run(
            lat,
            pts.len(),
            |i| [pts[i][0] - x0, pts[i][1] - y0, w[i]],
            h,
            kernel,
        ),
    })
}

fn run<P: Pt>(
    lat: &Lattice,
    n: usize,
    get: impl Fn(usize) -> P + Sync,
    h: f64,
    kernel: Kernel,
) -> Vec<f64> {
    let sp = lat.spacing;
    let m = lat.margin(h);
    let (bc, br) = (lat.ncols + 2 * m, lat.nrows + 2 * m);
    let nbins = bc * br;
    let shift = m as f64 * sp;
    // 1. the bin of every point (u32::MAX: too far to contribute; MAX_BINS < u32::MAX)
    let bin: Vec<u32> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (x, y, _) = get(i).xyw();
            let (c, r) = (((x + shift) / sp).floor(), ((y + shift) / sp).floor());
            if c >= 0.0 && r >= 0.0 && (c as usize) < bc && (r as usize) < br {
                (r as usize * bc + c as usize) as u32
            } else {
                u32::MAX
            }
        })
        .collect();
    // counting sort of the point indices by bin, input order within a bin (4
    // bytes per point; the points are gathered in this order after the trees)
    let mut start = vec![0usize; nbins + 1];
    for &b in &bin {
        if b != u32::MAX {
            start[b as usize + 1] += 1;
        }
    }
    for b in 0..nbins {
        start[b + 1] += start[b];
    }
    if start[nbins] == 0 {
        return vec![0.0; lat.ncols * lat.nrows];
    }
    let mut order = vec![0u32; start[nbins]];
    {
        let mut next = start.clone();
        for (i, &b) in bin.iter().enumerate() {
            if b != u32::MAX {
                let b = b as usize;
                order[next[b]] = i as u32;
                next[b] += 1;
            }
        }
    }
    drop(bin);
    // 2. per bin: moments about the bin centre (straight into the planes) and a
    // quadtree; one vector of nodes per row of bins, the root of each bin
    let mut planes = vec![0.0; NM * nbins];
    let mut roots = vec![NO_ROOT; nbins];
    let mut row_planes: Vec<[&mut [f64]; NM]> = Vec::with_capacity(br);
    {
        let mut per_plane: Vec<std::slice::ChunksMut<'_, f64>> =
            planes.chunks_mut(nbins).map(|p| p.chunks_mut(bc)).collect();
        for _ in 0..br {
            let row: [&mut [f64]; NM] =
                std::array::from_fn(|k| per_plane[k].next().unwrap_or_default());
            row_planes.push(row);
        }
    }
    let mut row_order: Vec<&mut [u32]> = Vec::with_capacity(br);
    {
        let mut rest: &mut [u32] = &mut order;
        for r in 0..br {
            let (head, tail) = rest.split_at_mut(start[(r + 1) * bc] - start[r * bc]);
            row_order.push(head);
            rest = tail;
        }
    }
    let trees: Vec<Vec<Node>> = row_planes
        .into_par_iter()
        .zip(row_order)
        .zip(roots.par_chunks_mut(bc))
        .enumerate()
        .map(|(r, ((planes_r, mut idx), roots_r))| {
            let mut nodes = Vec::new();
            // the bin's points gathered once (with their index): the moments and
            // the tree read them in sequence, not scattered over the input
            let mut scratch: Vec<(P, u32)> = Vec::new();
            let cy = (r as f64 + 0.5) * sp - shift;
            for (c, root) in roots_r.iter_mut().enumerate() {
                let b = r * bc + c;
                let (pts, tail) = std::mem::take(&mut idx).split_at_mut(start[b + 1] - start[b]);
                idx = tail;
                if pts.is_empty() {
                    continue;
                }
                let cx = (c as f64 + 0.5) * sp - shift;
                scratch.clear();
                scratch.extend(pts.iter().map(|&i| (get(i as usize), i)));
                let mut mom = [0.0; NM];
                for (p, _) in scratch.iter() {
                    let (x, y, w) = p.xyw();
                    add_moments(&mut mom, x - cx, y - cy, w);
                }
                for (k, v) in mom.iter().enumerate() {
                    planes_r[k][c] = *v;
                }
                *root = nodes.len() as u32;
                nodes.push(node_of(&scratch, start[b]));
                split(&mut scratch, start[b], *root as usize, 0, &mut nodes);
                for (o, (_, i)) in pts.iter_mut().zip(&scratch) {
                    *o = *i;
                }
            }
            nodes.shrink_to_fit();
            nodes
        })
        .collect();
    // the points in bin-and-tree order, so that a cut leaf reads consecutive
    // memory (reading them through `order` scatters over the input: +50 % CPU
    // at 10^7); the index is dropped once they are gathered
    let sorted: Vec<P> = order.par_iter().map(|&j| get(j as usize)).collect();
    drop(order);
    // 3. the stencil: offsets of bins inside and cut by the support
    let h2 = h * h;
    let nk = norm(kernel, h);
    let half = 0.5 * sp;
    let mi = m as i64;
    let mut inside = Vec::new();
    let mut cut = Vec::new();
    for oy in -mi..=mi {
        for ox in -mi..=mi {
            let (a, e) = (ox as f64 * sp, oy as f64 * sp);
            match place(a, e, half, half, h2) {
                Place::Inside => inside.push((ox, oy, coefs(kernel, a, e, h2, nk))),
                Place::Cut => cut.push((ox, oy)),
                Place::Outside => {}
            }
        }
    }
    let ncols = lat.ncols;
    let mut out = vec![0.0; ncols * lat.nrows];
    out.par_chunks_mut(ncols)
        .enumerate()
        .for_each(|(row, acc)| {
            for &(ox, oy, c) in &inside {
                let base = (row as i64 + mi + oy) as usize * bc + (mi + ox) as usize;
                let p: [&[f64]; NM] =
                    std::array::from_fn(|k| &planes[k * nbins + base..k * nbins + base + ncols]);
                for (col, a) in acc.iter_mut().enumerate() {
                    let mut s = c[0] * p[0][col];
                    for k in 1..NM {
                        s += c[k] * p[k][col];
                    }
                    *a += s;
                }
            }
            let cy = (row as f64 + 0.5) * sp;
            let mut stack: Vec<u32> = Vec::new();
            for (col, a) in acc.iter_mut().enumerate() {
                let cx = (col as f64 + 0.5) * sp;
                let mut s = 0.0;
                for &(ox, oy) in &cut {
                    let br_ = (row as i64 + mi + oy) as usize;
                    let b = br_ * bc + (col as i64 + mi + ox) as usize;
                    let root = roots[b];
                    if root == NO_ROOT {
                        continue;
                    }
                    let nodes = &trees[br_];
                    stack.clear();
                    stack.push(root);
                    while let Some(i) = stack.pop() {
                        let nd = &nodes[i as usize];
                        let (ea, ee) = (nd.ox - cx, nd.oy - cy);
                        match place(ea, ee, nd.hx, nd.hy, h2) {
                            Place::Outside => {}
                            Place::Inside => {
                                let c = coefs(kernel, ea, ee, h2, nk);
                                for (ck, mk) in c.iter().zip(&nd.m) {
                                    s += ck * mk;
                                }
                            }
                            Place::Cut => {
                                if nd.len & INNER == 0 {
                                    let from = nd.link as usize;
                                    for p in &sorted[from..from + nd.len as usize] {
                                        let (x, y, w) = p.xyw();
                                        let (dx, dy) = (x - cx, y - cy);
                                        s += w * kernel.eval(dx * dx + dy * dy, h);
                                    }
                                } else {
                                    // pushed in reverse so that children are visited in order
                                    let k = nd.len & !INNER;
                                    for ch in (nd.link..nd.link + k).rev() {
                                        stack.push(ch);
                                    }
                                }
                            }
                        }
                    }
                }
                *a += s;
            }
        });
    out
}

/// The node of the points `pts` (with their indices, at `base` in the bin
/// order): their bounding box and moments about its centre, as a leaf.
fn node_of<P: Pt>(pts: &[(P, u32)], base: usize) -> Node {
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for (p, _) in pts {
        let (x, y, _) = p.xyw();
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let (ox, oy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let mut m = [0.0; NM];
    for (p, _) in pts {
        let (x, y, w) = p.xyw();
        add_moments(&mut m, x - ox, y - oy, w);
    }
    Node {
        ox,
        oy,
        hx: 0.5 * (x1 - x0),
        hy: 0.5 * (y1 - y0),
        m,
        link: base as u32,
        len: pts.len() as u32,
    }
}

/// Splits the leaf `nodes[at]` of the points `pts` (at `base` in the bin order)
/// into quadrants and those recursively (children stored next to each other,
/// each node's moments taken before its own points are reordered).
fn split<P: Pt>(pts: &mut [(P, u32)], base: usize, at: usize, depth: u32, nodes: &mut Vec<Node>) {
    let nd = nodes[at];
    // identical points (an empty box) are never cut by the support circle
    if pts.len() <= LEAF || depth >= MAX_DEPTH || (nd.hx <= 0.0 && nd.hy <= 0.0) {
        return;
    }
    let (ox, oy) = (nd.ox, nd.oy);
    // quadrants split at the box centre: south/north, then west/east
    let ns = partition(pts, |p| p.0.xyw().1 < oy);
    let (south, north) = pts.split_at_mut(ns);
    let sw = partition(south, |p| p.0.xyw().0 < ox);
    let nw = partition(north, |p| p.0.xyw().0 < ox);
    let (s_w, s_e) = south.split_at_mut(sw);
    let (n_w, n_e) = north.split_at_mut(nw);
    let parts = [
        (s_w, base),
        (s_e, base + sw),
        (n_w, base + ns),
        (n_e, base + ns + nw),
    ];
    let first = nodes.len();
    let mut kids = 0;
    for (part, at) in parts.iter() {
        if !part.is_empty() {
            nodes.push(node_of(part, *at));
            kids += 1;
        }
    }
    nodes[at].link = first as u32;
    nodes[at].len = INNER | kids;
    let mut k = first;
    for (part, at) in parts {
        if !part.is_empty() {
            split(part, at, k, depth + 1, nodes);
            k += 1;
        }
    }
}

/// Moves the elements satisfying `pred` to the front (order within each side
/// is deterministic); returns their number.
fn partition<P: Copy>(v: &mut [P], pred: impl Fn(&P) -> bool) -> usize {
    let mut k = 0;
    for i in 0..v.len() {
        if pred(&v[i]) {
            v.swap(i, k);
            k += 1;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const KERNELS: [Kernel; 3] = [Kernel::Quartic, Kernel::Epanechnikov, Kernel::Uniform];

    /// The sum over all points at every evaluation point.
    fn brute(lat: &Lattice, pts: &[[f64; 2]], w: Option<&[f64]>, h: f64, k: Kernel) -> Vec<f64> {
        let mut out = Vec::with_capacity(lat.ncols * lat.nrows);
        for j in 0..lat.nrows {
            for i in 0..lat.ncols {
                let (cx, cy) = (
                    (i as f64 + 0.5) * lat.spacing,
                    (j as f64 + 0.5) * lat.spacing,
                );
                let mut s = 0.0;
                for (n, p) in pts.iter().enumerate() {
                    let (dx, dy) = (p[0] - cx, p[1] - cy);
                    s += w.map_or(1.0, |w| w[n]) * k.eval(dx * dx + dy * dy, h);
                }
                out.push(s);
            }
        }
        out
    }

    fn assert_close(got: &[f64], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len());
        for (i, (x, y)) in got.iter().zip(want).enumerate() {
            assert!(
                (x - y).abs() <= 1e-9 * y.abs(),
                "{what}: point {i}: moments {x}, brute force {y}"
            );
        }
    }

    /// Three dense clusters (many points per bin, so the trees split) and a
    /// uniform background, partly outside the lattice.
    fn clustered(n: usize, size: f64, seed: u64) -> Vec<[f64; 2]> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres = [[0.3, 0.4], [0.7, 0.65], [0.52, 0.2]];
        (0..n)
            .map(|i| {
                if i % 4 == 0 {
                    [
                        rng.random_range(-0.1..1.1) * size,
                        rng.random_range(-0.1..1.1) * size,
                    ]
                } else {
                    let c = centres[i % 3];
                    let r = 0.08 * size * rng.random::<f64>().sqrt();
                    let a = rng.random_range(0.0..std::f64::consts::TAU);
                    [c[0] * size + r * a.cos(), c[1] * size + r * a.sin()]
                }
            })
            .collect()
    }

    #[test]
    fn evaluate_matches_brute_force_weighted_several_ratios() {
        let lat = Lattice {
            spacing: 50.0,
            ncols: 22,
            nrows: 18,
        };
        let pts = clustered(6000, 1000.0, 7);
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let w: Vec<f64> = pts.iter().map(|_| rng.random_range(0.25..3.0)).collect();
        for ratio in [0.7, 1.5, 3.3, 8.2] {
            let h = ratio * lat.spacing;
            for k in KERNELS {
                let got = evaluate(&lat, &pts, Some(&w), [0.0, 0.0], h, k).unwrap();
                let want = brute(&lat, &pts, Some(&w), h, k);
                assert_close(&got, &want, &format!("{k:?} h = {h}"));
                let got = evaluate(&lat, &pts, None, [0.0, 0.0], h, k).unwrap();
                let want = brute(&lat, &pts, None, h, k);
                assert_close(&got, &want, &format!("{k:?} h = {h}, unweighted"));
            }
        }
    }

    #[test]
    fn evaluate_origin_shifts_points() {
        let lat = Lattice {
            spacing: 40.0,
            ncols: 15,
            nrows: 12,
        };
        let local = clustered(3000, 600.0, 3);
        let origin = [512_345.0, 5_712_345.0];
        let abs: Vec<[f64; 2]> = local
            .iter()
            .map(|p| [p[0] + origin[0], p[1] + origin[1]])
            .collect();
        let got = evaluate(&lat, &abs, None, origin, 130.0, Kernel::Quartic).unwrap();
        let want = brute(&lat, &local, None, 130.0, Kernel::Quartic);
        assert_close(&got, &want, "shifted");
    }

    #[test]
    fn evaluate_points_on_support_edge_get_zero() {
        // h = 100: (125, 25) and (85, 105) are exactly h from the centre (25, 25)
        // (a 3-4-5 triangle), and 100 copies of each sit on the circle
        let lat = Lattice {
            spacing: 50.0,
            ncols: 6,
            nrows: 6,
        };
        let mut pts = vec![[125.0, 25.0]; 100];
        pts.extend(vec![[85.0, 105.0]; 100]);
        pts.extend(clustered(500, 300.0, 11));
        for k in KERNELS {
            let got = evaluate(&lat, &pts, None, [0.0, 0.0], 100.0, k).unwrap();
            let want = brute(&lat, &pts, None, 100.0, k);
            assert_close(&got, &want, &format!("{k:?} on the edge"));
            let only_edge = evaluate(&lat, &pts[..200], None, [0.0, 0.0], 100.0, k).unwrap();
            assert_eq!(only_edge[0], 0.0, "{k:?}: points at d = h count 0");
        }
    }

    #[test]
    fn evaluate_dense_bin_cut_by_the_circle() {
        // 4000 points in one bin of 50 m that the support circle of the centre
        // (25, 25) crosses: the bin's tree is descended, its edge points one by one
        let lat = Lattice {
            spacing: 50.0,
            ncols: 8,
            nrows: 8,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let pts: Vec<[f64; 2]> = (0..4000)
            .map(|_| [rng.random_range(200.0..250.0), rng.random_range(0.0..50.0)])
            .collect();
        for h in [200.0, 210.0, 222.0] {
            for k in KERNELS {
                let got = evaluate(&lat, &pts, None, [0.0, 0.0], h, k).unwrap();
                let want = brute(&lat, &pts, None, h, k);
                assert_close(&got, &want, &format!("{k:?} h = {h}"));
                let d2 = |p: &[f64; 2]| (p[0] - 25.0).powi(2) + (p[1] - 25.0).powi(2);
                let near = pts.iter().filter(|p| d2(p) < h * h).count();
                assert!(
                    near > 0 && near < pts.len(),
                    "h = {h}: the circle cuts the bin"
                );
            }
        }
    }

    #[test]
    fn evaluate_identical_points() {
        let lat = Lattice {
            spacing: 25.0,
            ncols: 12,
            nrows: 10,
        };
        let pts = vec![[137.0, 101.0]; 5000];
        for k in KERNELS {
            let got = evaluate(&lat, &pts, None, [0.0, 0.0], 90.0, k).unwrap();
            let one = brute(&lat, &pts[..1], None, 90.0, k);
            for (x, y) in got.iter().zip(&one) {
                assert!(
                    (x - 5000.0 * y).abs() <= 1e-12 * 5000.0 * y,
                    "{k:?} {x} {y}"
                );
            }
        }
    }

    #[test]
    fn evaluate_total_mass_is_the_weight_sum() {
        // a simulation: the support lies inside the lattice, so the surface holds Σw
        let lat = Lattice {
            spacing: 20.0,
            ncols: 60,
            nrows: 60,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let pts: Vec<[f64; 2]> = (0..20_000)
            .map(|_| {
                [
                    rng.random_range(300.0..900.0),
                    rng.random_range(300.0..900.0),
                ]
            })
            .collect();
        let w: Vec<f64> = pts.iter().map(|_| rng.random_range(0.0..2.0)).collect();
        let total: f64 = w.iter().sum();
        for k in [Kernel::Quartic, Kernel::Epanechnikov] {
            let v = evaluate(&lat, &pts, Some(&w), [0.0, 0.0], 150.0, k).unwrap();
            let mass = v.iter().sum::<f64>() * lat.spacing * lat.spacing;
            assert!((mass / total - 1.0).abs() < 2e-3, "{k:?} {mass} {total}");
        }
    }

    #[test]
    fn evaluate_points_far_away_are_skipped() {
        let lat = Lattice {
            spacing: 10.0,
            ncols: 4,
            nrows: 4,
        };
        let pts = vec![[1e7, -1e7], [-5e6, 20.0]];
        let v = evaluate(&lat, &pts, None, [0.0, 0.0], 30.0, Kernel::Quartic).unwrap();
        assert!(v.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn node_is_112_bytes() {
        // nine moments, the box, two links: the trees dominate the extra memory
        assert_eq!(std::mem::size_of::<Node>(), 112);
    }

    #[test]
    fn lattice_bins_refuses_huge_extensions() {
        let lat = Lattice {
            spacing: 1.0,
            ncols: 100,
            nrows: 100,
        };
        assert_eq!(lat.bins(10.0), Some(122 * 122));
        assert_eq!(lat.bins(1e6), None);
    }
}
