//! Special functions shared by every analysis: log-gamma, digamma/trigamma, the
//! regularised incomplete gamma, and the standard normal distribution.
//!
//! One implementation of each, so that a p-value means the same thing in the
//! hotspot, near-repeat, GLM and evaluation modules.
//!
//! Accuracy (checked in the tests below against values from SciPy 1.17.1): `ln_gamma` and the normal tail functions use libm (`lgamma`, `erfc`,
//! a few ulp, also far in the tail); `normal_quantile` is Acklam's rational
//! approximation refined by one Halley step (relative error ~1e-15 in the centre,
//! ~1e-13 in the tails); `gamma_p`/`gamma_q` follow Numerical Recipes §6.2 (series
//! for `x < a + 1`, Lentz continued fraction otherwise, relative error ~1e-14).

use std::f64::consts::{PI, SQRT_2};

/// `ln Γ(x)` for `x > 0` (libm's `lgamma`). `NaN` for `x ≤ 0` or a non-finite `x`.
pub fn ln_gamma(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return f64::NAN;
    }
    libm::lgamma(x)
}

/// Digamma `ψ(x) = d ln Γ(x)/dx` for `x > 0`, `NaN` otherwise (recurrence to `x ≥ 10`, then the
/// asymptotic series; Abramowitz & Stegun 6.3.18).
pub fn digamma(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let mut r = 0.0;
    let mut z = x;
    while z < 10.0 {
        r -= 1.0 / z;
        z += 1.0;
    }
    let z2 = 1.0 / (z * z);
    r + z.ln()
        - 0.5 / z
        - z2 * (1.0 / 12.0
            - z2 * (1.0 / 120.0 - z2 * (1.0 / 252.0 - z2 * (1.0 / 240.0 - z2 / 132.0))))
}

/// Trigamma `ψ′(x)` for `x > 0`, `NaN` otherwise (recurrence to `x ≥ 10`, then the asymptotic series;
/// Abramowitz & Stegun 6.4.12).
pub fn trigamma(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let mut r = 0.0;
    let mut z = x;
    while z < 10.0 {
        r += 1.0 / (z * z);
        z += 1.0;
    }
    let iz = 1.0 / z;
    let iz2 = iz * iz;
    r + iz
        + iz2 / 2.0
        + iz * iz2
            * (1.0 / 6.0
                - iz2 * (1.0 / 30.0 - iz2 * (1.0 / 42.0 - iz2 * (1.0 / 30.0 - iz2 * 5.0 / 66.0))))
}

/// Regularised incomplete gamma: returns `(P(a, x), Q(a, x))` with `P + Q = 1`.
///
/// Numerical Recipes §6.2: the series for `x < a + 1` gives `P` directly, the Lentz
/// continued fraction otherwise gives `Q` directly; the other one is the complement.
/// The iteration cap (10^6) is only reached for `a` beyond 10^12; both loops stop at
/// relative convergence 1e-16.
fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x.is_nan() || a.is_nan() || a <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if x.is_infinite() {
        return (1.0, 0.0);
    }
    let front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..1_000_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        let p = (sum.ln() + front).exp().min(1.0);
        (p, (1.0 - p).max(0.0))
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1_000_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let q = (front.exp() * h).clamp(0.0, 1.0);
        ((1.0 - q).max(0.0), q)
    }
}

/// Regularised lower incomplete gamma `P(a, x) = γ(a, x)/Γ(a)` for `a > 0`
/// (0 for `x ≤ 0`, 1 for `x = ∞`, `NaN` for `a ≤ 0`).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).0
}

/// Regularised upper incomplete gamma `Q(a, x) = 1 − P(a, x)`.
#[cfg(test)]
pub fn gamma_q(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).1
}

/// Standard normal CDF `Φ(z) = erfc(−z/√2)/2`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / SQRT_2)
}

/// Standard normal upper tail `1 − Φ(z)`, computed without cancellation.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / SQRT_2)
}

/// Two-sided normal p-value `P(|Z| ≥ |z|) = erfc(|z|/√2)`; 0 for `z = ±∞`, `NaN` stays
/// `NaN`.
pub fn normal_p_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    libm::erfc(z.abs() / SQRT_2).clamp(0.0, 1.0)
}

/// Standard normal quantile `Φ⁻¹(p)`: Acklam's rational approximation (2003),
/// refined by one Halley step on the exact [`normal_cdf`]/[`normal_sf`].
/// `−∞` for `p = 0`, `+∞` for `p = 1`, `NaN` outside `[0, 1]`.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const PL: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < PL {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - PL {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    // Halley step; in the upper half use the upper tail so 1 − p loses nothing.
    let e = if x <= 0.0 {
        normal_cdf(x) - p
    } else {
        (1.0 - p) - normal_sf(x)
    };
    let u = e * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    // Reference values: scipy.special / scipy.stats.norm (SciPy 1.17.1).
    #[test]
    fn normal_known_values() {
        assert!(rel(normal_p_two_sided(1.959_963_984_540_054), 0.05) < 1e-14);
        assert!(rel(normal_p_two_sided(-3.0), 2.699_796_063_260_186_6e-3) < 1e-14);
        assert!(rel(normal_p_two_sided(10.0), 1.523_970_604_832_094e-23) < 1e-12);
        assert_eq!(normal_p_two_sided(f64::INFINITY), 0.0);
        assert!(normal_p_two_sided(f64::NAN).is_nan());
        assert!(rel(normal_cdf(-1.0), 0.158_655_253_931_457_05) < 1e-14);
        assert!(rel(normal_sf(8.0), 6.220_960_574_271_74e-16) < 1e-12);
    }

    #[test]
    fn normal_quantile_known_values_and_inverse() {
        assert!(rel(normal_quantile(0.975), 1.959_963_984_540_054) < 1e-14);
        assert!(rel(normal_quantile(0.05), -1.644_853_626_951_472_7) < 1e-14);
        assert!(rel(normal_quantile(1e-10), -6.361_340_902_404_056) < 1e-12);
        assert!(rel(normal_quantile(0.999_999), 4.753_424_308_817_087) < 1e-11);
        assert_eq!(normal_quantile(0.5), 0.0);
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan());
        for i in 1..200 {
            let p = i as f64 / 200.0;
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-15, "{p}");
        }
    }

    #[test]
    fn gamma_functions_known_values() {
        // ln Γ(0.5) = ln √π; Γ(10) = 9!
        assert!(rel(ln_gamma(0.5), 0.572_364_942_924_7) < 1e-14);
        assert!(rel(ln_gamma(10.0), 362_880f64.ln()) < 1e-14);
        assert!(ln_gamma(0.0).is_nan());
        assert!(digamma(f64::NEG_INFINITY).is_nan() && trigamma(-1.0).is_nan());
        assert!(rel(digamma(1.0), -0.577_215_664_901_532_9) < 1e-13);
        assert!(rel(trigamma(1.0), PI * PI / 6.0) < 1e-13);
        // scipy.special.gammainc / gammaincc
        assert!(rel(gamma_p(3.0, 2.0), 0.323_323_583_816_936_5) < 1e-13);
        assert!(rel(gamma_q(3.0, 7.0), 0.029_636_163_880_521_763) < 1e-13);
        assert!(rel(gamma_q(0.5, 2.0), 0.045_500_263_896_358_57) < 1e-13);
        assert!(rel(gamma_q(100.0, 150.0), 5.924_540_335_483_916e-6) < 1e-11);
        assert_eq!(gamma_p(2.0, 0.0), 0.0);
        assert_eq!(gamma_q(2.0, f64::INFINITY), 0.0);
        assert!(gamma_p(0.0, 1.0).is_nan());
        for &(a, x) in &[(0.5, 0.1), (5.0, 5.5), (50.0, 40.0), (1e4, 1.01e4)] {
            assert!((gamma_p(a, x) + gamma_q(a, x) - 1.0).abs() < 1e-14);
        }
        // Q(1/2, z²/2) is the two-sided normal p-value.
        for z in [0.3, 1.0, 2.5, 5.0] {
            assert!(rel(gamma_q(0.5, z * z / 2.0), normal_p_two_sided(z)) < 1e-12);
        }
    }
}
