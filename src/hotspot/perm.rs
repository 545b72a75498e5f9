//! Conditional-permutation machinery shared by Gi* and Local Moran.
//!
//! As in esda (Rey & Anselin; esda's `crand`), one table of random draws is
//! made and shared by all units: row `p` (permutation `p`) holds `k_max`
//! distinct indices drawn without replacement from `0..n−1`. For unit `i`
//! index `t` maps to unit `t` if `t < i` and `t + 1` otherwise, so unit `i`
//! never draws itself and its first `k_i` draws are a uniform sample without
//! replacement of the other `n − 1` units. Row `p` comes from
//! `ChaCha8Rng::seed_from_u64(seed)` with `set_stream(p)`, so the table does not
//! depend on the number of threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A `perms × k` table of draws (see the module docs).
pub(crate) struct DrawTable {
    pub k: usize,
    pub perms: usize,
    pub draws: Vec<u32>,
}

impl DrawTable {
    /// Draws the table for `n` units.
    pub fn new(n: usize, k: usize, perms: usize, seed: u64) -> DrawTable {
        let m = n.saturating_sub(1);
        let k = k.min(m);
        let mut draws = vec![0u32; perms * k];
        if k > 0 {
            draws.par_chunks_mut(k).enumerate().for_each(|(p, row)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(p as u64);
                if 4 * k <= m {
                    // rejection sampling: k is small against m
                    let mut filled = 0;
                    while filled < k {
                        let t = rng.random_range(0..m) as u32;
                        if !row[..filled].contains(&t) {
                            row[filled] = t;
                            filled += 1;
                        }
                    }
                } else {
                    // partial Fisher–Yates
                    let mut all: Vec<u32> = (0..m as u32).collect();
                    for j in 0..k {
                        let s = rng.random_range(j..m);
                        all.swap(j, s);
                        row[j] = all[j];
                    }
                }
            });
        }
        DrawTable { k, perms, draws }
    }

    /// Draws of permutation `p`.
    #[inline]
    pub fn row(&self, p: usize) -> &[u32] {
        &self.draws[p * self.k..(p + 1) * self.k]
    }
}

/// Permutation summary of `S_i`, the sum of the values drawn for unit `i`'s
/// `k_i` neighbours: `#{S ≥ obs}`, `#{S ≤ obs}`, mean and variance (ddof 0).
pub(crate) struct SumStats {
    pub ge: Vec<u32>,
    pub le: Vec<u32>,
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
}

/// Per-block accumulators: #≥, #≤, Σ S, Σ S².
type BlockAcc = (Vec<u32>, Vec<u32>, Vec<f64>, Vec<f64>);

/// [`SumStats`] for binary weights without gathering: for permutation `p`
/// and neighbour count `k`, unit `i` sums `x[t]` over the draws `t < i` and
/// `x[t + 1]` over the others, so `S_i` is constant on the `k + 1` runs of
/// units between the sorted draws. Units with the same `k` are swept run by
/// run (a branch-free, vectorisable loop), in blocks in parallel; every unit
/// accumulates in permutation order, so results do not depend on threads.
pub(crate) fn binary_sum_stats(
    x: &[f64],
    ks: &[usize],
    obs: &[f64],
    table: &DrawTable,
) -> SumStats {
    let n = x.len();
    let perms = table.perms;
    let pf = perms as f64;
    let mut out = SumStats {
        ge: vec![0; n],
        le: vec![0; n],
        mean: vec![0.0; n],
        var: vec![0.0; n],
    };
    let mut kinds: Vec<usize> = ks.to_vec();
    kinds.sort_unstable();
    kinds.dedup();
    for k in kinds {
        let cells: Vec<usize> = (0..n).filter(|&i| ks[i] == k).collect();
        if k == 0 {
            // no neighbour: S = 0 in every permutation
            for &i in &cells {
                out.ge[i] = if 0.0 >= obs[i] { perms as u32 } else { 0 };
                out.le[i] = if 0.0 <= obs[i] { perms as u32 } else { 0 };
            }
            continue;
        }
        // sorted draws and the k + 1 piece values of every permutation
        let mut sorted = vec![0u32; perms * k];
        let mut pieces = vec![0.0f64; perms * (k + 1)];
        sorted
            .par_chunks_mut(k)
            .zip(pieces.par_chunks_mut(k + 1))
            .enumerate()
            .for_each(|(p, (t, pc))| {
                t.copy_from_slice(&table.row(p)[..k]);
                t.sort_unstable();
                // pc[m] = sum_{j<m} x[t_j] + sum_{j>=m} x[t_j + 1]
                let mut suf = vec![0.0; k + 1];
                for j in (0..k).rev() {
                    suf[j] = suf[j + 1] + x[t[j] as usize + 1];
                }
                let mut pre = 0.0;
                for m in 0..=k {
                    pc[m] = pre + suf[m];
                    if m < k {
                        pre += x[t[m] as usize];
                    }
                }
            });
        const BLOCK: usize = 4096;
        let blocks: Vec<BlockAcc> = cells
            .par_chunks(BLOCK)
            .map(|cb| {
                let len = cb.len();
                let o: Vec<f64> = cb.iter().map(|&i| obs[i]).collect();
                let (mut ge, mut le) = (vec![0u32; len], vec![0u32; len]);
                let (mut s, mut ss) = (vec![0.0f64; len], vec![0.0f64; len]);
                for p in 0..perms {
                    let t = &sorted[p * k..(p + 1) * k];
                    let pc = &pieces[p * (k + 1)..(p + 1) * (k + 1)];
                    let mut start = 0;
                    for m in 0..=k {
                        let end = if m < k {
                            let tm = t[m] as usize;
                            start + cb[start..].partition_point(|&c| c <= tm)
                        } else {
                            len
                        };
                        let v = pc[m];
                        let vv = v * v;
                        for j in start..end {
                            ge[j] += (v >= o[j]) as u32;
                            le[j] += (v <= o[j]) as u32;
                            s[j] += v;
                            ss[j] += vv;
                        }
                        start = end;
                    }
                }
                (ge, le, s, ss)
            })
            .collect();
        for (cb, (ge, le, s, ss)) in cells.chunks(BLOCK).zip(blocks) {
            for (j, &i) in cb.iter().enumerate() {
                let m = s[j] / pf;
                out.ge[i] = ge[j];
                out.le[i] = le[j];
                out.mean[i] = m;
                out.var[i] = (ss[j] / pf - m * m).max(0.0);
            }
        }
    }
    out
}

/// The unit that draw `t` means for unit `i`.
#[inline]
pub(crate) fn other(t: u32, i: usize) -> usize {
    let t = t as usize;
    if t < i {
        t
    } else {
        t + 1
    }
}

/// Folded pseudo p-value toward the observed tail:
/// `(min(#{sim ≥ obs}, #{sim ≤ obs}) + 1)/(P + 1)`. Without ties this equals
/// esda's `(min(k, P − k) + 1)/(P + 1)`; with ties (e.g. an empty window among
/// empty windows) ties count against significance on both sides.
#[inline]
pub(crate) fn folded_p(ge: usize, le: usize, perms: usize) -> f64 {
    (ge.min(le) + 1) as f64 / (perms + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_table_rows_distinct_and_in_range() {
        for (n, k) in [(10, 8), (1000, 8), (3, 2)] {
            let t = DrawTable::new(n, k, 50, 7);
            for p in 0..50 {
                let r = t.row(p);
                assert_eq!(r.len(), k);
                let mut s = r.to_vec();
                s.sort_unstable();
                s.dedup();
                assert_eq!(s.len(), k);
                assert!(r.iter().all(|&x| (x as usize) < n - 1));
            }
        }
        let a = DrawTable::new(100, 5, 20, 1);
        let b = DrawTable::new(100, 5, 20, 1);
        assert_eq!(a.draws, b.draws);
    }

    #[test]
    fn binary_sum_stats_matches_direct_gathering() {
        let n = 5000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 * 0.37).collect();
        let ks: Vec<usize> = (0..n).map(|i| [0, 3, 5, 8][i % 4]).collect();
        let obs: Vec<f64> = (0..n).map(|i| ((i * 31) % 17) as f64 * 0.5).collect();
        let t = DrawTable::new(n, 8, 57, 3);
        let f = binary_sum_stats(&x, &ks, &obs, &t);
        for i in (0..n).step_by(7) {
            let (mut ge, mut le, mut s) = (0u32, 0u32, 0.0);
            for p in 0..57 {
                let v: f64 = t.row(p)[..ks[i]].iter().map(|&d| x[other(d, i)]).sum();
                // no ties other than 0 = 0 here (multiples of 0.37 vs 0.5 below 8)
                ge += (v >= obs[i]) as u32;
                le += (v <= obs[i]) as u32;
                s += v;
            }
            assert_eq!((f.ge[i], f.le[i]), (ge, le), "unit {i}");
            assert!((f.mean[i] - s / 57.0).abs() < 1e-9);
        }
    }

    #[test]
    fn other_skips_self() {
        assert_eq!(other(0, 0), 1);
        assert_eq!(other(2, 3), 2);
        assert_eq!(other(3, 3), 4);
    }
}
