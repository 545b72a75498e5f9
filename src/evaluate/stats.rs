//! Effect sizes for area-based before/after evaluations with a control and a buffer.
//!
//! # Notation
//! Counts of incidents in the **pre** (before) and **post** (after) periods:
//! `t0, t1` in the treatment (response) area, `b0, b1` in the buffer
//! (catchment) area, `c0, c1` in the control area. Periods are the same for all
//! areas, so their lengths cancel in every measure below.
//!
//! # Variances
//! Counts are treated as Poisson with an over-dispersion factor `φ ≥ 1`
//! (quasi-Poisson: `Var(n) = φ·E(n)`); every variance below is the Poisson one
//! multiplied by `φ`. Intervals are Wald intervals `estimate ± z·se` (on the log
//! scale for odds ratios) with `z` the two-sided normal quantile of the
//! confidence level; p-values are two-sided.

use serde::Serialize;

use super::PrePost;
use crate::error::{Error, Result};
use crate::special::normal_p_two_sided as two_sided_p;
pub use crate::special::{normal_cdf, normal_quantile};

/// A point estimate with its standard error, confidence interval and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// Standard error (of the log for ratio measures).
    pub se: f64,
    /// Two-sided p-value of "no effect" (ratio 1 or difference 0).
    pub p_value: f64,
}

impl Estimate {
    /// Whether the interval contains `v` (closed interval).
    pub fn covers(&self, v: f64) -> bool {
        self.lower <= v && v <= self.upper
    }

    /// Where the interval lies relative to `v`: `Greater` when wholly above it,
    /// `Less` when wholly below, `Equal` when it includes `v` (or is NaN).
    pub(crate) fn side_of(&self, v: f64) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        if self.lower > v {
            Ordering::Greater
        } else if self.upper < v {
            Ordering::Less
        } else {
            Ordering::Equal
        }
    }

    /// A difference `est` with standard error `se`: Wald interval `est ± z·se` and
    /// two-sided p of `est/se` (NaN when `se` is 0).
    pub(crate) fn difference(est: f64, se: f64, z: f64) -> Self {
        Estimate {
            estimate: est,
            lower: est - z * se,
            upper: est + z * se,
            se,
            p_value: if se > 0.0 {
                two_sided_p(est / se)
            } else {
                f64::NAN
            },
        }
    }

    /// A ratio from its log `log_est` with standard error `se` (of the log): Wald
    /// interval on the log scale, exponentiated; two-sided p of `log_est/se`.
    pub(crate) fn ratio(log_est: f64, se: f64, z: f64) -> Self {
        Estimate {
            estimate: log_est.exp(),
            lower: (log_est - z * se).exp(),
            upper: (log_est + z * se).exp(),
            se,
            p_value: two_sided_p(log_est / se),
        }
    }
}

/// Two-sided `z` for a confidence level in (0, 1), e.g. 1.959964 for 0.95.
pub fn z_for(confidence: f64) -> Result<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::invalid_param(
            "confidence",
            confidence,
            "a confidence level must be in (0, 1)",
        ));
    }
    Ok(normal_quantile(0.5 + confidence / 2.0))
}

fn check_phi(phi: f64) -> Result<()> {
    if !(phi.is_finite() && phi > 0.0) {
        return Err(Error::invalid_param(
            "dispersion",
            phi,
            "an over-dispersion factor must be > 0",
        ));
    }
    Ok(())
}

/// The relative effect size of Farrington & Welsh (2005): the odds ratio
/// `OR = (t0·c1) / (t1·c0)` with `Var(ln OR) = φ·(1/t0 + 1/t1 + 1/c0 + 1/c1)`.
///
/// `OR > 1` means crime went **down** in the treatment area relative to the
/// control (a desirable effect); `OR = 1.43` corresponds to a 30 % relative
/// reduction (`1/OR − 1 = −0.30`, see [`relative_change`]).
///
/// # Errors
/// [`Error::Degenerate`] when a count is zero (the odds ratio is then undefined).
///
/// # Reference
/// Farrington, D. P. & Welsh, B. C. (2005). Randomized experiments in criminology:
/// What have we learned in the last two decades? *Journal of Experimental
/// Criminology* 1, 9–38; Welsh & Farrington (2009), *Making Public Places Safer*.
pub fn odds_ratio(t0: f64, t1: f64, c0: f64, c1: f64, phi: f64, z: f64) -> Result<Estimate> {
    check_phi(phi)?;
    for (v, what) in [
        (t0, "treatment area, pre period"),
        (t1, "treatment area, post period"),
        (c0, "control area, pre period"),
        (c1, "control area, post period"),
    ] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(Error::degenerate(
                "odds ratio",
                format!(
                    "no incidents in the {what}: the odds ratio is undefined (use a larger area or longer periods)"
                ),
            ));
        }
    }
    let lor = (t0 * c1 / (t1 * c0)).ln();
    let se = (phi * (1.0 / t0 + 1.0 / t1 + 1.0 / c0 + 1.0 / c1)).sqrt();
    Ok(Estimate::ratio(lor, se, z))
}

/// The relative change in the treatment area net of the control, `1/OR − 1`
/// (−0.30 = a 30 % reduction), with the interval transformed from the odds ratio's.
pub fn relative_change(or: &Estimate) -> Estimate {
    Estimate {
        estimate: 1.0 / or.estimate - 1.0,
        lower: 1.0 / or.upper - 1.0,
        upper: 1.0 / or.lower - 1.0,
        se: or.se,
        p_value: or.p_value,
    }
}

/// Difference in differences in incidents, with the control rescaled to the
/// treatment area's pre-period level:
/// `DiD = (t1 − t0) − (t0/c0)·(c1 − c0) = t1 − t0·c1/c0`, i.e. the observed
/// post-period count minus the count expected had the treatment area followed
/// the control's change. Negative = fewer incidents than expected.
///
/// Its variance is the delta-method one,
/// `φ·[t1 + (c1/c0)²·t0 + (t0/c0)²·c1 + (t0·c1/c0²)²·c0]`.
///
/// # Errors
/// [`Error::Degenerate`] when `c0` is zero.
pub fn did_counts(t0: f64, t1: f64, c0: f64, c1: f64, phi: f64, z: f64) -> Result<Estimate> {
    check_phi(phi)?;
    if c0.is_nan() || c0 <= 0.0 {
        return Err(Error::degenerate(
            "difference in differences",
            "no incidents in the control area in the pre period: the difference in differences is undefined",
        ));
    }
    let s = c1 / c0;
    let est = t1 - t0 * s;
    let var = phi * (t1 + s * s * t0 + (t0 / c0).powi(2) * c1 + (t0 * c1 / (c0 * c0)).powi(2) * c0);
    let se = var.sqrt();
    Ok(Estimate::difference(est, se, z))
}

/// The Weighted Displacement Quotient and its components (Bowers & Johnson 2003).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wdq {
    /// Success measure `t1/c1 − t0/c0`; **negative** means the treatment area
    /// improved relative to the control.
    pub success_measure: f64,
    /// Buffer displacement measure `b1/c1 − b0/c0`; positive suggests
    /// displacement into the buffer, negative a diffusion of benefits.
    pub buffer_displacement_measure: f64,
    /// `WDQ = buffer displacement measure / success measure`; `None` when the
    /// success measure is 0.
    pub wdq: Option<f64>,
    /// Whether the WDQ can be interpreted (the success measure shows success).
    pub meaningful: bool,
    /// Plain-language reading with its conditions.
    pub reading: String,
}

/// Weighted Displacement Quotient of Bowers & Johnson (2003):
/// `WDQ = (b1/c1 − b0/c0) / (t1/c1 − t0/c0)`.
///
/// Only meaningful when the success measure (denominator) is negative, i.e. the
/// treatment area improved relative to the control. Then `WDQ > 1`: diffusion of
/// benefits larger than the direct effect; `0 < WDQ ≤ 1`: some diffusion of
/// benefits; `WDQ = 0`: no change in the buffer; `−1 ≤ WDQ < 0`: some
/// displacement, smaller than the direct effect (net benefit); `WDQ < −1`:
/// displacement exceeds the direct effect (net harm).
///
/// # Errors
/// [`Error::Degenerate`] when `c0` or `c1` is zero.
///
/// # Reference
/// Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement
/// and diffusion of benefit effects of crime prevention activity. *Journal of
/// Quantitative Criminology* 19(3), 275–301.
pub fn wdq(t0: f64, t1: f64, b0: f64, b1: f64, c0: f64, c1: f64) -> Result<Wdq> {
    if !(c0 > 0.0 && c1 > 0.0) {
        return Err(Error::degenerate(
            "WDQ",
            "no incidents in the control area in one period: the WDQ is undefined",
        ));
    }
    let sm = t1 / c1 - t0 / c0;
    let bdm = b1 / c1 - b0 / c0;
    let q = (sm != 0.0).then(|| bdm / sm);
    let meaningful = sm < 0.0;
    let reading = match q {
        _ if !meaningful => format!(
            "WDQ not interpretable: the success measure is {sm:+.4} (≥ 0), so the treatment area did not improve relative to the control; there is no effect to displace. Buffer change relative to control: {bdm:+.4}."
        ),
        Some(q) if q > 1.0 => format!(
            "WDQ = {q:.2} > 1: diffusion of benefits into the buffer larger than the direct effect in the treatment area."
        ),
        Some(q) if q > 0.0 => format!(
            "WDQ = {q:.2} in (0, 1]: some diffusion of benefits into the buffer (it also improved relative to the control)."
        ),
        Some(0.0) => "WDQ = 0: no change in the buffer relative to the control.".to_string(),
        Some(q) if q >= -1.0 => format!(
            "WDQ = {q:.2} in [-1, 0): some displacement into the buffer, smaller than the direct effect (a net benefit)."
        ),
        Some(q) => format!(
            "WDQ = {q:.2} < -1: displacement into the buffer exceeds the direct effect (a net increase)."
        ),
        None => "WDQ undefined (success measure 0).".to_string(),
    };
    Ok(Wdq {
        success_measure: sm,
        buffer_displacement_measure: bdm,
        wdq: q,
        meaningful,
        reading,
    })
}

/// Net effect in incidents prevented (Guerette 2009): the counts expected from
/// the control's change minus the counts observed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NetEffect {
    /// Prevented in the treatment area, `t0·c1/c0 − t1` (= −DiD).
    pub treatment: f64,
    /// Prevented in the buffer, `b0·c1/c0 − b1` (negative = displacement).
    pub buffer: f64,
    /// Total net effect = treatment + buffer, with its interval
    /// (delta method; the shared control ratio is accounted for).
    pub total: Estimate,
}

/// Total net effect of Guerette (2009) with a delta-method interval:
/// `TNE = (t0 + b0)·s − t1 − b1` with `s = c1/c0` and
/// `Var = φ·[s²(t0 + b0) + t1 + b1 + (t0 + b0)²·s²·(1/c0 + 1/c1)]`.
///
/// Positive = incidents prevented overall. `t0`, `t1` are the `treatment` counts
/// (pre, post), `b0`, `b1` the `buffer` ones and `c0`, `c1` the `control` ones.
///
/// # Reference
/// Guerette, R. T. (2009). *Analyzing Crime Displacement and Diffusion*. Problem-Oriented
/// Guides for Police, Problem-Solving Tools Series No. 10. COPS Office.
pub fn net_effect(
    treatment: PrePost,
    buffer: PrePost,
    control: PrePost,
    phi: f64,
    z: f64,
) -> Result<NetEffect> {
    let (t0, t1) = (treatment.pre, treatment.post);
    let (b0, b1) = (buffer.pre, buffer.post);
    let (c0, c1) = (control.pre, control.post);
    check_phi(phi)?;
    if !(c0 > 0.0 && c1 > 0.0) {
        return Err(Error::degenerate(
            "net effect",
            "no incidents in the control area in one period: the net effect is undefined",
        ));
    }
    let s = c1 / c0;
    let tot = (t0 + b0) * s - t1 - b1;
    let var =
        phi * (s * s * (t0 + b0) + t1 + b1 + (t0 + b0).powi(2) * s * s * (1.0 / c0 + 1.0 / c1));
    let se = var.sqrt();
    Ok(NetEffect {
        treatment: t0 * s - t1,
        buffer: b0 * s - b1,
        total: Estimate::difference(tot, se, z),
    })
}

/// Over-dispersion of binned counts around a constant rate: the Pearson
/// statistic `X² = Σ (y_i − e_i)²/e_i` with `e_i = Σy · d_i/Σd` (bin lengths `d_i`)
/// and its degrees of freedom `k − 1`. Series with no incidents contribute nothing.
/// Returns `(X², df)`; pool several series by summing both.
pub fn pearson_dispersion(bins: &[(f64, f64)]) -> (f64, usize) {
    let tot: f64 = bins.iter().map(|b| b.1).sum();
    let days: f64 = bins.iter().map(|b| b.0).sum();
    if !(tot > 0.0 && days > 0.0) || bins.len() < 2 {
        return (0.0, 0);
    }
    let x2 = bins
        .iter()
        .filter(|b| b.0 > 0.0)
        .map(|&(d, y)| {
            let e = tot * d / days;
            (y - e).powi(2) / e
        })
        .sum();
    (x2, bins.iter().filter(|b| b.0 > 0.0).count() - 1)
}

/// Fixed-effect (inverse-variance) pooled odds ratio over several areas, with
/// Cochran's Q and I² for heterogeneity (Farrington & Welsh's meta-analytic summary).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pooled {
    /// Pooled odds ratio.
    pub odds_ratio: Estimate,
    /// Cochran's Q.
    pub q: f64,
    /// Its degrees of freedom (areas − 1).
    pub df: usize,
    /// I² = max(0, (Q − df)/Q).
    pub i2: f64,
}

/// Pools odds ratios (each with `se` of its log) by inverse-variance weighting.
pub fn pool_odds_ratios(ors: &[Estimate], z: f64) -> Option<Pooled> {
    if ors.is_empty()
        || ors
            .iter()
            .any(|o| o.se.is_nan() || o.se <= 0.0 || o.estimate.is_nan() || o.estimate <= 0.0)
    {
        return None;
    }
    let w: Vec<f64> = ors.iter().map(|o| 1.0 / (o.se * o.se)).collect();
    let sw: f64 = w.iter().sum();
    let m = ors
        .iter()
        .zip(&w)
        .map(|(o, w)| w * o.estimate.ln())
        .sum::<f64>()
        / sw;
    let se = (1.0 / sw).sqrt();
    let q: f64 = ors
        .iter()
        .zip(&w)
        .map(|(o, w)| w * (o.estimate.ln() - m).powi(2))
        .sum();
    let df = ors.len() - 1;
    Some(Pooled {
        odds_ratio: Estimate::ratio(m, se, z),
        q,
        df,
        i2: if q > 0.0 {
            ((q - df as f64) / q).max(0.0)
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const Z95: f64 = 1.959_963_984_540_054;

    #[test]
    fn normal_quantile_and_cdf_agree() {
        assert_relative_eq!(normal_quantile(0.975), Z95, epsilon = 1e-8);
        assert_relative_eq!(normal_quantile(0.5), 0.0, epsilon = 1e-12);
        assert_relative_eq!(
            normal_quantile(0.01),
            -2.326_347_874_040_841,
            epsilon = 1e-8
        );
        assert_relative_eq!(normal_cdf(Z95), 0.975, epsilon = 1e-7);
        assert_relative_eq!(normal_cdf(-1.0), 0.158_655_253_931_457, epsilon = 1e-7);
        assert!(z_for(1.0).is_err());
        assert_relative_eq!(z_for(0.95).unwrap(), Z95, epsilon = 1e-8);
    }

    #[test]
    fn odds_ratio_hand_computed() {
        // t0 = 100, t1 = 60, c0 = 200, c1 = 180
        // OR = 100·180 / (60·200) = 1.5; Var(ln OR) = 1/100 + 1/60 + 1/200 + 1/180
        let o = odds_ratio(100.0, 60.0, 200.0, 180.0, 1.0, Z95).unwrap();
        assert_relative_eq!(o.estimate, 1.5, epsilon = 1e-12);
        let v: f64 = 0.01 + 1.0 / 60.0 + 0.005 + 1.0 / 180.0;
        assert_relative_eq!(o.se, v.sqrt(), epsilon = 1e-12);
        assert_relative_eq!(
            o.lower,
            (1.5f64.ln() - Z95 * v.sqrt()).exp(),
            epsilon = 1e-12
        );
        assert_relative_eq!(
            o.upper,
            (1.5f64.ln() + Z95 * v.sqrt()).exp(),
            epsilon = 1e-12
        );
        // z = ln 1.5 / 0.19293 = 2.1016 -> p = 0.03559
        assert_relative_eq!(o.p_value, 0.035_59, epsilon = 1e-4);
        let r = relative_change(&o);
        assert_relative_eq!(r.estimate, 1.0 / 1.5 - 1.0, epsilon = 1e-12);
        assert!(r.lower < r.estimate && r.estimate < r.upper);
        // over-dispersion widens the interval by sqrt(phi)
        let o2 = odds_ratio(100.0, 60.0, 200.0, 180.0, 4.0, Z95).unwrap();
        assert_relative_eq!(o2.se, 2.0 * o.se, epsilon = 1e-12);
    }

    #[test]
    fn odds_ratio_zero_count_is_an_error() {
        let e = odds_ratio(10.0, 0.0, 20.0, 20.0, 1.0, Z95).unwrap_err();
        assert!(e.to_string().contains("treatment area, post period"), "{e}");
    }

    #[test]
    fn did_counts_hand_computed() {
        // expected t1 = 100·180/200 = 90; DiD = 60 − 90 = −30
        let d = did_counts(100.0, 60.0, 200.0, 180.0, 1.0, Z95).unwrap();
        assert_relative_eq!(d.estimate, -30.0, epsilon = 1e-12);
        // var = 60 + 0.81·100 + 0.25·180 + 0.2025·200 = 60 + 81 + 45 + 40.5
        assert_relative_eq!(d.se, 226.5f64.sqrt(), epsilon = 1e-12);
        assert_relative_eq!(d.lower, -30.0 - Z95 * 226.5f64.sqrt(), epsilon = 1e-12);
    }

    #[test]
    fn wdq_hand_computed() {
        // treatment 100 -> 60, buffer 50 -> 60, control 200 -> 180
        // SM = 60/180 − 100/200 = −1/6; BDM = 60/180 − 50/200 = 1/12; WDQ = −0.5
        let w = wdq(100.0, 60.0, 50.0, 60.0, 200.0, 180.0).unwrap();
        assert_relative_eq!(w.success_measure, -1.0 / 6.0, epsilon = 1e-12);
        assert_relative_eq!(w.buffer_displacement_measure, 1.0 / 12.0, epsilon = 1e-12);
        assert_relative_eq!(w.wdq.unwrap(), -0.5, epsilon = 1e-12);
        assert!(w.meaningful);
        assert!(w.reading.contains("displacement"), "{}", w.reading);
        // diffusion: buffer 50 -> 30: BDM = 30/180 − 0.25 = −1/12 -> WDQ = 0.5
        let w = wdq(100.0, 60.0, 50.0, 30.0, 200.0, 180.0).unwrap();
        assert_relative_eq!(w.wdq.unwrap(), 0.5, epsilon = 1e-12);
        assert!(w.reading.contains("diffusion"), "{}", w.reading);
        // no success: not meaningful
        let w = wdq(100.0, 120.0, 50.0, 30.0, 200.0, 180.0).unwrap();
        assert!(!w.meaningful);
        assert!(w.reading.contains("not interpretable"));
    }

    #[test]
    fn net_effect_hand_computed() {
        // s = 0.9; treatment: 90 − 60 = 30 prevented; buffer: 45 − 60 = −15
        let pp = |pre, post| PrePost { pre, post };
        let n = net_effect(pp(100.0, 60.0), pp(50.0, 60.0), pp(200.0, 180.0), 1.0, Z95).unwrap();
        assert_relative_eq!(n.treatment, 30.0, epsilon = 1e-12);
        assert_relative_eq!(n.buffer, -15.0, epsilon = 1e-12);
        assert_relative_eq!(n.total.estimate, 15.0, epsilon = 1e-12);
        // var = 0.81·150 + 120 + 150²·0.81·(1/200 + 1/180)
        let v = 0.81 * 150.0 + 120.0 + 22_500.0 * 0.81 * (1.0 / 200.0 + 1.0 / 180.0);
        assert_relative_eq!(n.total.se, f64::sqrt(v), epsilon = 1e-12);
        // treatment part equals −DiD
        let d = did_counts(100.0, 60.0, 200.0, 180.0, 1.0, Z95).unwrap();
        assert_relative_eq!(n.treatment, -d.estimate, epsilon = 1e-12);
    }

    #[test]
    fn pearson_dispersion_of_constant_rate_is_zero() {
        let (x2, df) = pearson_dispersion(&[(30.0, 10.0), (30.0, 10.0), (15.0, 5.0)]);
        assert_relative_eq!(x2, 0.0, epsilon = 1e-12);
        assert_eq!(df, 2);
        let (x2, df) = pearson_dispersion(&[(1.0, 0.0), (1.0, 4.0)]);
        assert_relative_eq!(x2, 4.0, epsilon = 1e-12); // (0−2)²/2 + (4−2)²/2
        assert_eq!(df, 1);
    }

    #[test]
    fn pool_odds_ratios_of_equal_areas() {
        let o = odds_ratio(100.0, 60.0, 200.0, 180.0, 1.0, Z95).unwrap();
        let p = pool_odds_ratios(&[o, o], Z95).unwrap();
        assert_relative_eq!(p.odds_ratio.estimate, 1.5, epsilon = 1e-12);
        assert_relative_eq!(p.odds_ratio.se, o.se / 2f64.sqrt(), epsilon = 1e-12);
        assert_relative_eq!(p.q, 0.0, epsilon = 1e-12);
        assert_eq!(p.df, 1);
    }
}
