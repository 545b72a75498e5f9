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
//! `quantile_of` equals linear interpolation in the sorted values.

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
#[cfg(test)]
fn quantile_of<F>(n: usize, m: usize, v: &F, q: f64) -> f64
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    quantile_with(n, m, v, q, FEW)
}

/// `quantile_of` with the direct-copy bucket size `few` (small in tests, so that
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

/// Buckets of the value-range histogram of [`quantiles_of`] (4096 counts of 4 bytes:
/// the histogram stays in the first-level cache).
const BUCKETS: usize = 1 << 12;

/// Several quantiles of the `m` values `v(i)`, `i < n`, that are `Some` (each as
/// `quantile_of` gives it, bit for bit), from the same three passes over the
/// values: their range, a histogram of [`BUCKETS`] equal-width buckets of that range,
/// and a copy of the values in the buckets that hold the wanted order statistics.
///
/// # Algorithm
/// The bucket of `x` is `⌊(x − min) · BUCKETS / (max − min)⌋`, a non-decreasing
/// function of `x` (each floating-point step rounds monotonically), so the `k`-th
/// smallest value lies in the bucket where the cumulative count passes `k`, and is
/// the `k − below`-th smallest (in [`f64::total_cmp`] order) of that bucket. When
/// the values are not all finite, all equal, or the wanted buckets hold more than
/// [`FEW`] values, each quantile is found by radix selection instead.
pub(crate) fn quantiles_of<F>(n: usize, m: usize, v: &F, qs: &[f64]) -> Vec<f64>
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    quantiles_with(n, m, v, qs, FEW)
}

/// [`quantiles_of`] with the largest copied bucket total `few` (small in tests).
fn quantiles_with<F>(n: usize, m: usize, v: &F, qs: &[f64], few: usize) -> Vec<f64>
where
    F: Fn(usize) -> Option<f64> + Sync,
{
    let radix = || {
        qs.iter()
            .map(|&q| quantile_with(n, m, v, q, few))
            .collect::<Vec<f64>>()
    };
    let chunks = n.div_ceil(CHUNK);
    let span = |c: usize| c * CHUNK..((c + 1) * CHUNK).min(n);
    // ---- pass 1: the range
    let (lo, hi, nan) = (0..chunks)
        .into_par_iter()
        .map(|c| {
            span(c).filter_map(v).fold(
                (f64::INFINITY, f64::NEG_INFINITY, false),
                |(a, b, nan), x| (a.min(x), b.max(x), nan || x.is_nan()),
            )
        })
        .reduce(
            || (f64::INFINITY, f64::NEG_INFINITY, false),
            |(a, b, n), (c, d, o)| (a.min(c), b.max(d), n || o),
        );
    let width = hi - lo;
    if nan || !(lo.is_finite() && hi.is_finite() && width.is_finite() && width > 0.0) {
        return radix();
    }
    let scale = BUCKETS as f64 / width;
    let bucket = |x: f64| (((x - lo) * scale) as usize).min(BUCKETS - 1);
    // ---- pass 2: the histogram (integer counts: the same whatever the threads)
    let hist = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut h = vec![0u32; BUCKETS];
            for x in span(c).filter_map(v) {
                h[bucket(x)] += 1;
            }
            h
        })
        .reduce(
            || vec![0u32; BUCKETS],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += y;
                }
                a
            },
        );
    // the order statistics wanted: (rank, bucket, rank within the bucket)
    let locate = |k: usize| {
        let mut below = 0usize;
        for (b, &c) in hist.iter().enumerate() {
            if k < below + c as usize {
                return (b, k - below);
            }
            below += c as usize;
        }
        (BUCKETS - 1, k.saturating_sub(below))
    };
    let mut wanted: Vec<(usize, usize)> = Vec::new();
    let mut plan = Vec::with_capacity(qs.len());
    for &q in qs {
        let pos = q * (m - 1) as f64;
        let r = pos.floor() as usize;
        let interpolate = pos != r as f64 && r + 1 < m;
        plan.push((pos, r, interpolate));
        wanted.push(locate(r));
        if interpolate {
            wanted.push(locate(r + 1));
        }
    }
    let mut slot = vec![usize::MAX; BUCKETS];
    let mut used = 0usize;
    let mut copied = 0usize;
    for &(b, _) in &wanted {
        if slot[b] == usize::MAX {
            slot[b] = used;
            used += 1;
            copied += hist[b] as usize;
        }
    }
    if copied > few {
        return radix();
    }
    // ---- pass 3: the values of the wanted buckets
    let mut parts: Vec<Vec<f64>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut out = vec![Vec::new(); used];
            for x in span(c).filter_map(v) {
                let s = slot[bucket(x)];
                if s != usize::MAX {
                    out[s].push(x);
                }
            }
            out
        })
        .reduce(
            || vec![Vec::new(); used],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.extend(y);
                }
                a
            },
        );
    let mut stat = |(b, k): (usize, usize)| -> f64 {
        let vals = &mut parts[slot[b]];
        *vals.select_nth_unstable_by(k, f64::total_cmp).1
    };
    let mut at = wanted.into_iter();
    let mut out = Vec::with_capacity(qs.len());
    for (pos, r, interpolate) in plan {
        let a = stat(at.next().unwrap_or((0, 0)));
        if !interpolate {
            out.push(a);
            continue;
        }
        let b = stat(at.next().unwrap_or((0, 0)));
        out.push(a + (b - a) * (pos - r as f64));
    }
    out
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
    fn quantiles_of_equals_quantile_of_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let qs = [0.0, 0.01, 0.25, 0.5, 0.99, 1.0, 0.333];
        for n in [1usize, 2, 3, 10, 1000, 100_000] {
            // clustered values (towns), signed zeros, duplicates, a skipped share
            let v: Vec<f64> = (0..n)
                .map(|i| match i % 6 {
                    0 => rng.random_range(-1e6..1e6),
                    1 => -0.0,
                    2 => 0.0,
                    3 => (i % 7) as f64,
                    4 => -1.5 + rng.random_range(0.0..1e-6),
                    _ => rng.random_range(-60.0..60.0),
                })
                .collect();
            let keep: Vec<bool> = (0..n).map(|i| n < 10 || i % 3 != 0).collect();
            let get = |i: usize| keep[i].then(|| v[i]);
            let m = keep.iter().filter(|&&k| k).count();
            let want: Vec<u64> = qs
                .iter()
                .map(|&q| quantile_of(n, m, &get, q).to_bits())
                .collect();
            for few in [FEW, 1 << 10, 3] {
                let got: Vec<u64> = quantiles_with(n, m, &get, &qs, few)
                    .iter()
                    .map(|x| x.to_bits())
                    .collect();
                assert_eq!(got, want, "n {n} few {few}");
            }
        }
        // all equal, signed zeros only, and a NaN: the fallbacks
        for v in [
            vec![2.5; 50],
            vec![-0.0, 0.0, 0.0, -0.0],
            vec![1.0, f64::NAN, 3.0],
        ] {
            let get = |i: usize| Some(v[i]);
            let want: Vec<u64> = qs
                .iter()
                .map(|&q| quantile_of(v.len(), v.len(), &get, q).to_bits())
                .collect();
            let got: Vec<u64> = quantiles_of(v.len(), v.len(), &get, &qs)
                .iter()
                .map(|x| x.to_bits())
                .collect();
            assert_eq!(got, want, "{v:?}");
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
