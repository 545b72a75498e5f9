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
//!
//! # Exact tails of degenerate units
//! When every neighbour of unit `i` holds the smallest (or largest) value of
//! all units, a permuted window can only tie the observed one or lie on one
//! side of it, and the tail probability is exactly the chance that all `k_i`
//! draws hit that extreme value: with `m` other units of which `m_v` hold it,
//! `q = C(m_v, k_i)/C(m, k_i) = Π_{j<k_i} (m_v − j)/(m − j)` (hypergeometric).
//! [`Extremes::tail`] returns `q`, used as `p_sim` of such units instead of the
//! Monte Carlo estimate. Typical case: an empty cell whose neighbours are all
//! empty, among many empty cells — `q` is then close to the usual α (≈ 0.048
//! for 8 neighbours when 70 % of 20,000 cells are empty), and a Monte Carlo
//! estimate would put thousands of such cells on one side of α or the other
//! together, depending on the seed (the draw table is shared by all units).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::hotspot::weights::Weights;

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
                out.ge[i] = ge[j];
                out.le[i] = le[j];
                (out.mean[i], out.var[i]) = mean_var(s[j], ss[j], perms);
            }
        }
    }
    out
}

/// Mean and variance (ddof 0, at least 0) of `perms` values from their sum `s` and
/// sum of squares `ss`.
#[inline]
fn mean_var(s: f64, ss: f64, perms: usize) -> (f64, f64) {
    let pf = perms as f64;
    let m = s / pf;
    (m, (ss / pf - m * m).max(0.0))
}

/// [`binary_sum_stats`] of the neighbour sums under binary weights `w`: the
/// neighbour counts `k_i`, the observed sums `S_i` and their permutation summary.
pub(crate) fn binary_window_stats(
    x: &[f64],
    w: &Weights,
    table: &DrawTable,
) -> (Vec<usize>, Vec<f64>, SumStats) {
    let n = x.len();
    let ks: Vec<usize> = (0..n).map(|i| w.neighbours(i).len()).collect();
    let obs: Vec<f64> = (0..n)
        .map(|i| w.neighbours(i).iter().map(|&j| x[j as usize]).sum())
        .collect();
    let st = binary_sum_stats(x, &ks, &obs, table);
    (ks, obs, st)
}

/// Running summary of one unit's permutation values against its observed value:
/// `#{sim ≥ obs}`, `#{sim ≤ obs}`, and the sum and sum of squares, in permutation order.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub ge: usize,
    pub le: usize,
    s: f64,
    ss: f64,
}

impl Tally {
    /// Adds one permutation value.
    #[inline]
    pub fn add(&mut self, sim: f64, obs: f64) {
        self.ge += (sim >= obs) as usize;
        self.le += (sim <= obs) as usize;
        self.s += sim;
        self.ss += sim * sim;
    }

    /// Mean and variance (ddof 0, at least 0) of the `perms` values added.
    pub fn mean_var(&self, perms: usize) -> (f64, f64) {
        mean_var(self.s, self.ss, perms)
    }
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

/// The smallest and largest value of a set of units and how many units hold
/// each, for [`Extremes::tail`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extremes {
    min: f64,
    max: f64,
    n_min: usize,
    n_max: usize,
    n: usize,
}

impl Extremes {
    /// Extremes of `x` (finite values).
    pub fn new(x: &[f64]) -> Self {
        let min = x.iter().copied().fold(f64::INFINITY, f64::min);
        let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Extremes {
            min,
            max,
            n_min: x.iter().filter(|v| **v == min).count(),
            n_max: x.iter().filter(|v| **v == max).count(),
            n: x.len(),
        }
    }

    /// The smallest value.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Exact probability that `k` draws without replacement from the units other
    /// than one holding `xi` all hold `v`, when `v` is the smallest or the largest
    /// value (`None` otherwise, or for `k = 0`). See the module docs.
    pub fn tail(&self, xi: f64, k: usize, v: f64) -> Option<f64> {
        if k == 0 || self.min == self.max {
            return None;
        }
        let m_v = if v == self.min {
            self.n_min - usize::from(xi == self.min)
        } else if v == self.max {
            self.n_max - usize::from(xi == self.max)
        } else {
            return None;
        };
        let m = self.n - 1;
        if m_v < k {
            return None;
        }
        let mut q = 1.0;
        for j in 0..k {
            q *= (m_v - j) as f64 / (m - j) as f64;
        }
        Some(q)
    }
}

/// The common value of `vals` if they are all equal (and there is at least one).
#[inline]
pub(crate) fn all_equal(mut vals: impl Iterator<Item = f64>) -> Option<f64> {
    let first = vals.next()?;
    vals.all(|v| v == first).then_some(first)
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
    fn extremes_tail_equals_enumeration() {
        // 6 units: values 0,0,0,0,1,3; unit holding 0, k = 2 neighbours at 0:
        // others = 0,0,0,1,3 -> C(3,2)/C(5,2) = 3/10
        let x = [0.0, 0.0, 0.0, 0.0, 1.0, 3.0];
        let e = Extremes::new(&x);
        assert!((e.tail(0.0, 2, 0.0).unwrap() - 0.3).abs() < 1e-15);
        // a unit holding 1 sees four zeros among five others: C(4,2)/C(5,2) = 0.6
        assert!((e.tail(1.0, 2, 0.0).unwrap() - 0.6).abs() < 1e-15);
        // the maximum: one unit at 3, k = 1 -> 1/5
        assert!((e.tail(0.0, 1, 3.0).unwrap() - 0.2).abs() < 1e-15);
        // not an extreme, no neighbours, or a constant set: no exact tail
        assert!(e.tail(0.0, 1, 1.0).is_none());
        assert!(e.tail(0.0, 0, 0.0).is_none());
        assert!(Extremes::new(&[2.0; 4]).tail(2.0, 1, 2.0).is_none());
        assert_eq!(all_equal([1.0, 1.0].into_iter()), Some(1.0));
        assert_eq!(all_equal([1.0, 2.0].into_iter()), None);
        assert_eq!(all_equal(std::iter::empty()), None);
    }

    #[test]
    fn other_skips_self() {
        assert_eq!(other(0, 0), 1);
        assert_eq!(other(2, 3), 2);
        assert_eq!(other(3, 3), 4);
    }
}
