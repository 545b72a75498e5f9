//! Small statistical helpers: normal tail probabilities, the exact binomial
//! test, Benjamini–Hochberg and the Mann–Kendall trend test.

#[cfg(test)]
use crate::special::normal_cdf;
pub use crate::special::{ln_gamma, normal_p_two_sided};

fn ln_binom_pmf(k: u64, n: u64, p: f64) -> f64 {
    if p <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if p >= 1.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    let (kf, nf) = (k as f64, n as f64);
    ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
        + kf * p.ln()
        + (nf - kf) * (1.0 - p).ln()
}

/// Exact two-sided binomial test of `k` successes in `n` trials with success
/// probability `p`, by the method of R's `binom.test`: the sum of the
/// probabilities of all outcomes no more likely than the observed one (with a
/// relative tolerance of 1e-7 for ties). Returns 1 for `n = 0`.
pub fn binomial_test_two_sided(k: u64, n: u64, p: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let d = ln_binom_pmf(k, n, p);
    let lim = d + (1.0 + 1e-7f64).ln();
    let mut s = 0.0;
    for j in 0..=n {
        let l = ln_binom_pmf(j, n, p);
        if l <= lim {
            s += l.exp();
        }
    }
    s.min(1.0)
}

/// Benjamini–Hochberg (1995) step-up cutoff: the largest `p_(k)` with
/// `p_(k) ≤ k·α/m` (non-strict, as in the paper and R's `p.adjust`), or `None`
/// when no p-value passes. NaN p-values are ignored (not counted in `m`).
/// A test is a discovery when `p ≤ cutoff`.
pub fn bh_cutoff(p: &[f64], alpha: f64) -> Option<f64> {
    let mut v: Vec<f64> = p.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let m = v.len() as f64;
    let mut cut = None;
    for (i, &pi) in v.iter().enumerate() {
        if pi <= (i + 1) as f64 * alpha / m {
            cut = Some(pi);
        }
    }
    cut
}

/// Mann–Kendall trend test of a series (in time order): Kendall's S, τ (τ-a),
/// and the two-sided p-value of the normal approximation with tie correction
/// and continuity correction (Kendall 1975; Hipel & McLeod 1994). A series with
/// fewer than 3 values or no variation gives `p = 1`.
pub fn mann_kendall(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len();
    if n < 3 {
        return (0.0, 0.0, 1.0);
    }
    let mut s = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            s += (x[j] - x[i]).signum() * ((x[j] != x[i]) as u8 as f64);
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j + 1;
    }
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let tau = s / (nf * (nf - 1.0) / 2.0);
    if var <= 0.0 {
        return (s, tau, 1.0);
    }
    let z = if s > 0.0 {
        (s - 1.0) / var.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var.sqrt()
    } else {
        0.0
    };
    (s, tau, normal_p_two_sided(z))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_p_known_values() {
        assert!((normal_p_two_sided(1.959963984540054) - 0.05).abs() < 1e-15);
        assert!((normal_p_two_sided(-2.5758293035489) - 0.01).abs() < 1e-14);
        assert_eq!(normal_p_two_sided(0.0), 1.0);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-16);
    }

    #[test]
    fn binomial_test_matches_r() {
        // R: binom.test(7, 10, 0.5)$p.value = 0.34375
        assert!((binomial_test_two_sided(7, 10, 0.5) - 0.34375).abs() < 1e-12);
        // R: binom.test(2, 20, 0.4)$p.value = 0.003690676 (sum of pmf <= pmf(2))
        let p = binomial_test_two_sided(2, 20, 0.4);
        let brute: f64 = (0..=20u64)
            .map(|j| ln_binom_pmf(j, 20, 0.4))
            .filter(|l| *l <= ln_binom_pmf(2, 20, 0.4) + 1e-7)
            .map(f64::exp)
            .sum();
        assert!((p - brute).abs() < 1e-15);
        assert_eq!(binomial_test_two_sided(0, 0, 0.3), 1.0);
    }

    #[test]
    fn bh_cutoff_step_up() {
        let p = [0.01, 0.04, 0.03, 0.5];
        // sorted 0.01, 0.03, 0.04, 0.5 ; thresholds .0125 .025 .0375 .05 -> only 0.01
        assert_eq!(bh_cutoff(&p, 0.05), Some(0.01));
        assert_eq!(bh_cutoff(&[0.2, 0.3], 0.05), None);
        // step-up: p_(2) passes although p_(1) alone would too
        assert_eq!(bh_cutoff(&[0.02, 0.024], 0.05), Some(0.024));
    }

    #[test]
    fn mann_kendall_monotone() {
        let (s, tau, p) = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(s, 45.0);
        assert_eq!(tau, 1.0);
        assert!(p < 0.001);
        assert_eq!(mann_kendall(&[1.0, 1.0, 1.0]).2, 1.0);
    }
}
