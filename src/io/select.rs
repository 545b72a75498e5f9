//! Quantiles of a large column without copying it.
//!
//! # Algorithm
//! Radix selection on the order-preserving 64-bit key of each float (the order of
//! [`f64::total_cmp`]): a pass counts the values by the next 16 bits of their key
//! among those that share the bits decided so far, in parallel chunks (integer
//! counts, so the result does not depend on the threads); the bucket holding the
//! wanted rank decides 16 more bits. Once the bucket holds at most [`FEW`] values,
//! they are copied and selected directly. Memory: a few histograms of 2^16 counts,
//! instead of a copy of the column (8 bytes per row at national size).
//!
//! The result is exactly the order statistic that sorting a copy gives, so
//! [`quantile_of`] equals linear interpolation in the sorted values.

use rayon::prelude::*;

/// Bucket size below which the values are copied and selected directly (32 MB of
/// floats at most: a national column of 5·10^7 rows then needs one counting pass, not
/// four, per order statistic).
const FEW: usize = 1 << 22;

/// Rows per parallel chunk of a counting pass.
const CHUNK: usize = 1 << 20;

/// The key of `v` whose unsigned order is `f64::total_cmp`'s order.
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b ^ (1 << 63)
    }
}

/// The `k`-th smallest (0-based, [`f64::total_cmp`] order) of the values `v(i)`,
/// `i < n`, that are `Some`. `k` must be below their number.
#[cfg(test)]
fn order_stat<F>(n: usize, v: &F, k: usize) -> f64
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    order_pair(n, v, k, false, FEW).0
}

/// The `k`-th smallest value and, when `next` is set and it shares the `k`-th's
/// bucket all the way down, the `k + 1`-th (found in the same passes); `None` when
/// it must be looked for on its own. `few` is the bucket size copied directly.
fn order_pair<F>(n: usize, v: &F, k: usize, next: bool, few: usize) -> (f64, Option<f64>)
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    let (mut prefix, mut known, mut k) = (0u64, 0u32, k);
    let mut next = next;
    // keys matching the `known` top bits of `prefix`
    let matches = |key: u64, prefix: u64, known: u32| {
        known == 0 || key >> (64 - known) == prefix >> (64 - known)
    };
    loop {
        let shift = 64 - known - 16;
        let hist = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut h = vec![0usize; 1 << 16];
                for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    if let Some(x) = v(i) {
                        let kx = key(x);
                        if matches(kx, prefix, known) {
                            h[((kx >> shift) & 0xffff) as usize] += 1;
                        }
                    }
                }
                h
            })
            .reduce(
                || vec![0usize; 1 << 16],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        *x += y;
                    }
                    a
                },
            );
        let mut digit = 0usize;
        while k >= hist[digit] {
            k -= hist[digit];
            digit += 1;
        }
        // the k+1-th leaves the k-th's bucket when the k-th is its last value
        next &= k + 1 < hist[digit];
        prefix |= (digit as u64) << shift;
        known += 16;
        if known == 64 {
            let x = from_key(prefix);
            return (x, next.then_some(x));
        }
        if hist[digit] <= few {
            let mut bucket: Vec<f64> = (0..n)
                .filter_map(|i| v(i).filter(|&x| matches(key(x), prefix, known)))
                .collect();
            let (_, &mut x, above) = bucket.select_nth_unstable_by(k, f64::total_cmp);
            let after = next
                .then(|| above.iter().copied().min_by(f64::total_cmp))
                .flatten();
            return (x, after);
        }
    }
}

/// The float of a key (inverse of [`key`]).
fn from_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k ^ (1 << 63) } else { !k })
}

/// The `q` quantile of the `m` values `v(i)`, `i < n`, that are `Some`, with linear
/// interpolation between order statistics (as `io::quantile` on a sorted copy).
/// `m` must be at least 1.
pub(crate) fn quantile_of<F>(n: usize, m: usize, v: &F, q: f64) -> f64
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    quantile_with(n, m, v, q, FEW)
}

/// [`quantile_of`] with the direct-copy bucket size `few` (small in tests, so that
/// they go through several counting passes).
fn quantile_with<F>(n: usize, m: usize, v: &F, q: f64, few: usize) -> f64
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    let pos = q * (m - 1) as f64;
    let lo = pos.floor() as usize;
    let interpolate = pos != lo as f64 && lo + 1 < m;
    let (a, b) = order_pair(n, v, lo, interpolate, few);
    if !interpolate {
        return a;
    }
    // both order statistics from the same passes, unless they part on the way down
    let b = b.unwrap_or_else(|| order_pair(n, v, lo + 1, false, few).0);
    a + (b - a) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn sorted_quantile(v: &[f64], q: f64) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let pos = q * (s.len() - 1) as f64;
        let lo = pos.floor() as usize;
        if pos == lo as f64 || lo + 1 >= s.len() {
            return s[lo];
        }
        s[lo] + (s[lo + 1] - s[lo]) * (pos - lo as f64)
    }

    #[test]
    fn quantile_of_equals_sorted_interpolation() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [1usize, 2, 3, 10, 1000, 200_000] {
            // wide values, negatives, duplicates and a skipped share
            let v: Vec<f64> = (0..n)
                .map(|i| match i % 5 {
                    0 => rng.random_range(-1e6..1e6),
                    1 => -0.0,
                    2 => 0.0,
                    3 => (i % 7) as f64,
                    _ => rng.random_range(-60.0..60.0),
                })
                .collect();
            let keep: Vec<bool> = (0..n).map(|i| n < 10 || i % 3 != 0).collect();
            let get = |i: usize| keep[i].then(|| v[i]);
            let kept: Vec<f64> = (0..n).filter_map(get).collect();
            for q in [0.0, 0.01, 0.25, 0.5, 0.99, 1.0, 0.333] {
                let want = sorted_quantile(&kept, q).to_bits();
                let got = quantile_of(n, kept.len(), &get, q);
                assert_eq!(got.to_bits(), want, "n {n} q {q}");
                // several counting passes, and pairs that part between buckets
                for few in [1usize, 7, 1 << 10] {
                    let got = quantile_with(n, kept.len(), &get, q, few);
                    assert_eq!(got.to_bits(), want, "n {n} q {q} few {few}");
                }
            }
        }
    }

    #[test]
    fn order_stat_all_equal_and_many_duplicates() {
        let v = vec![3.25; 100_000];
        let get = |i: usize| Some(v[i]);
        assert_eq!(order_stat(v.len(), &get, 0), 3.25);
        assert_eq!(order_stat(v.len(), &get, 99_999), 3.25);
        // two values only, far more of each than FEW
        let w: Vec<f64> = (0..200_000)
            .map(|i| if i % 2 == 0 { 1.5 } else { -2.0 })
            .collect();
        let get = |i: usize| Some(w[i]);
        assert_eq!(order_stat(w.len(), &get, 99_999), -2.0);
        assert_eq!(order_stat(w.len(), &get, 100_000), 1.5);
        // the pair that straddles the two values, through several passes
        assert_eq!(order_pair(w.len(), &get, 99_999, true, 16).1, None);
        assert_eq!(
            order_pair(w.len(), &get, 99_998, true, 16),
            (-2.0, Some(-2.0))
        );
        assert_eq!(order_pair(w.len(), &get, 99_999, false, 16).0, -2.0);
    }
}
