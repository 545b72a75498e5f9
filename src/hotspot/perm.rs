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
        DrawTable { k, draws }
    }

    /// Draws of permutation `p`.
    #[inline]
    pub fn row(&self, p: usize) -> &[u32] {
        &self.draws[p * self.k..(p + 1) * self.k]
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
    fn other_skips_self() {
        assert_eq!(other(0, 0), 1);
        assert_eq!(other(2, 3), 2);
        assert_eq!(other(3, 3), 4);
    }
}
