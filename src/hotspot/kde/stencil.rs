//! The stencil evaluation of [`kde`](super::kde): each point touches only the fine
//! samples within its support, in parallel bands of rows summed in a fixed order.

use rayon::prelude::*;

use super::Kernel;
use crate::grid::Grid;

/// Evaluates the kernel sum (per m²) on the fine grid of `s × s` samples per cell;
/// `eval` is `kernel`'s [`Kernel::eval`].
#[allow(clippy::too_many_arguments)]
pub(super) fn scatter(
    grid: &Grid,
    s: usize,
    pts: &[[f64; 2]],
    weights: Option<&[f64]>,
    hs: &[f64],
    kernel: Kernel,
    cutoff: f64,
    eval: impl Fn(f64, f64) -> f64 + Sync,
) -> Vec<f64> {
    let support = move |h: f64| {
        if kernel == Kernel::Gaussian {
            cutoff * h
        } else {
            h
        }
    };
    let rmax = support(hs.iter().copied().fold(0.0, f64::max));
    // local coordinates, sorted by y then input order (a stable sort: the order, so
    // the sums, of a one-thread index sort)
    if weights.is_none() && hs.len() == 1 {
        // the common case: 16 bytes per point (the same order and sums as below)
        let h = hs[0];
        let mut local: Vec<[f64; 2]> = pts
            .par_iter()
            .map(|p| [p[0] - grid.x0, p[1] - grid.y0])
            .collect();
        local.par_sort_by(|a, b| a[1].total_cmp(&b[1]));
        return spread(
            grid,
            s,
            &local,
            |p| (p[0], p[1], 1.0, h),
            rmax,
            support,
            eval,
        );
    }
    let mut local: Vec<(f64, f64, f64, f64)> = pts
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            (
                p[0] - grid.x0,
                p[1] - grid.y0,
                weights.map_or(1.0, |w| w[i]),
                if hs.len() == 1 { hs[0] } else { hs[i] },
            )
        })
        .collect();
    local.par_sort_by(|a, b| a.1.total_cmp(&b.1));
    spread(grid, s, &local, |p| *p, rmax, support, eval)
}

/// The band loop of [`scatter`]: `local` sorted by y, `get` gives a point's local
/// x, y, weight and bandwidth, `rmax` the largest support.
fn spread<P: Sync>(
    grid: &Grid,
    s: usize,
    local: &[P],
    get: impl Fn(&P) -> (f64, f64, f64, f64) + Sync,
    rmax: f64,
    support: impl Fn(f64) -> f64 + Sync,
    eval: impl Fn(f64, f64) -> f64 + Sync,
) -> Vec<f64> {
    let fc = grid.cell / s as f64;
    let (fcols, frows) = (grid.ncols * s, grid.nrows * s);
    const BAND: usize = 8;
    let mut out = vec![0.0; fcols * frows];
    out.par_chunks_mut(BAND * fcols)
        .enumerate()
        .for_each(|(b, chunk)| {
            let r0 = b * BAND;
            let r1 = (r0 + BAND).min(frows);
            let lo = (r0 as f64 + 0.5) * fc - rmax - fc;
            let hi = (r1 as f64 - 0.5) * fc + rmax + fc;
            let start = local.partition_point(|p| get(p).1 < lo);
            let end = local.partition_point(|p| get(p).1 <= hi);
            for p in &local[start..end] {
                let (lx, ly, w, h) = get(p);
                let r = support(h);
                let r2 = r * r;
                let jlo = (((ly - r) / fc - 0.5).ceil() as i64)
                    .saturating_sub(1)
                    .max(r0 as i64);
                let jhi = (((ly + r) / fc - 0.5).floor() as i64)
                    .saturating_add(1)
                    .min(r1 as i64 - 1);
                for j in jlo..=jhi {
                    let dy = (j as f64 + 0.5) * fc - ly;
                    let dy2 = dy * dy;
                    if dy2 > r2 {
                        continue;
                    }
                    let half = (r2 - dy2).sqrt();
                    let clo = (((lx - half) / fc - 0.5).ceil() as i64)
                        .saturating_sub(1)
                        .max(0);
                    let chi = (((lx + half) / fc - 0.5).floor() as i64)
                        .saturating_add(1)
                        .min(fcols as i64 - 1);
                    let row = &mut chunk[(j as usize - r0) * fcols..(j as usize - r0 + 1) * fcols];
                    for c in clo..=chi {
                        let dx = (c as f64 + 0.5) * fc - lx;
                        let d2 = dx * dx + dy2;
                        if d2 <= r2 {
                            row[c as usize] += w * eval(d2, h);
                        }
                    }
                }
            }
        });
    out
}
