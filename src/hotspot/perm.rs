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

/// [`SumStats`] for binary weights without gathering: for permutation `p`
/// and neighbour count `k`, unit `i` sums `x[t]` over the draws `t < i` and
/// `x[t + 1]` over the others, so `S_i` is piecewise constant in `i` with
/// `k + 1` pieces, computed once per permutation. Units are swept in order in
/// blocks (parallel over blocks); each unit accumulates in permutation order,
/// so the result does not depend on the number of threads.
pub(crate) fn binary_sum_stats(
    x: &[f64],
    ks: &[usize],
    obs: &[f64],
    table: &DrawTable,
) -> SumStats {
    let n = x.len();
    let perms = table.perms;
    // distinct neighbour counts and their slots
    let mut kinds: Vec<usize> = ks.iter().copied().filter(|&k| k > 0).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut slot_of = vec![usize::MAX; kinds.last().map_or(0, |k| k + 1)];
    for (s, &k) in kinds.iter().enumerate() {
        slot_of[k] = s;
    }
    let sorted_off: Vec<usize> = kinds
        .iter()
        .scan(0, |acc, &k| {
            let o = *acc;
            *acc += k;
            Some(o)
        })
        .collect();
    let piece_off: Vec<usize> = kinds
        .iter()
        .scan(0, |acc, &k| {
            let o = *acc;
            *acc += k + 1;
            Some(o)
        })
        .collect();
    let sorted_len: usize = kinds.iter().sum();
    let piece_len: usize = kinds.iter().map(|k| k + 1).sum();
    let mut sorted = vec![0u32; perms * sorted_len];
    let mut pieces = vec![0.0f64; perms * piece_len];
    sorted
        .par_chunks_mut(sorted_len.max(1))
        .zip(pieces.par_chunks_mut(piece_len.max(1)))
        .enumerate()
        .for_each(|(p, (so, pi))| {
            let row = table.row(p);
            for (s, &k) in kinds.iter().enumerate() {
                let t = &mut so[sorted_off[s]..sorted_off[s] + k];
                t.copy_from_slice(&row[..k]);
                t.sort_unstable();
                let pc = &mut pi[piece_off[s]..piece_off[s] + k + 1];
                // pc[m] = sum_{j<m} x[t_j] + sum_{j>=m} x[t_j + 1]
                let mut pre = 0.0;
                let mut suf = vec![0.0; k + 1];
                for j in (0..k).rev() {
                    suf[j] = suf[j + 1] + x[t[j] as usize + 1];
                }
                for m in 0..=k {
                    pc[m] = pre + suf[m];
                    if m < k {
                        pre += x[t[m] as usize];
                    }
                }
            }
        });
    const BLOCK: usize = 2048;
    let mut ge = vec![0u32; n];
    let mut le = vec![0u32; n];
    let mut mean = vec![0.0; n];
    let mut var = vec![0.0; n];
    ge.par_chunks_mut(BLOCK)
        .zip(le.par_chunks_mut(BLOCK))
        .zip(mean.par_chunks_mut(BLOCK).zip(var.par_chunks_mut(BLOCK)))
        .enumerate()
        .for_each(|(b, ((ge, le), (mean, var)))| {
            let b0 = b * BLOCK;
            let len = ge.len();
            let mut s = vec![0.0f64; len];
            let mut ss = vec![0.0f64; len];
            let mut ptr = vec![0usize; kinds.len()];
            for p in 0..perms {
                let so = &sorted[p * sorted_len..(p + 1) * sorted_len];
                let pi = &pieces[p * piece_len..(p + 1) * piece_len];
                for (sl, &k) in kinds.iter().enumerate() {
                    let t = &so[sorted_off[sl]..sorted_off[sl] + k];
                    ptr[sl] = t.iter().filter(|&&v| (v as usize) < b0).count();
                }
                for j in 0..len {
                    let i = b0 + j;
                    let k = ks[i];
                    let v = if k == 0 {
                        0.0
                    } else {
                        let sl = slot_of[k];
                        let t = &so[sorted_off[sl]..sorted_off[sl] + k];
                        let mut q = ptr[sl];
                        while q < k && (t[q] as usize) < i {
                            q += 1;
                        }
                        ptr[sl] = q;
                        pi[piece_off[sl] + q]
                    };
                    let o = obs[i];
                    ge[j] += (v >= o) as u32;
                    le[j] += (v <= o) as u32;
                    s[j] += v;
                    ss[j] += v * v;
                }
            }
            for j in 0..len {
                let m = s[j] / perms as f64;
                mean[j] = m;
                var[j] = (ss[j] / perms as f64 - m * m).max(0.0);
            }
        });
    SumStats { ge, le, mean, var }
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
