//! The law of crime concentration (Weisburd 2015): how few places hold a given
//! share of incidents, the Lorenz curve and the Gini coefficient, for street
//! segments or grid cells.
//!
//! # Definitions
//! * Units (segments, cells) sorted by count, **descending**; the number of units
//!   needed for a share `p` of incidents is the smallest `k` with
//!   `Σ top-k counts >= p · total`. It is reported as a share of **all** units and
//!   of the units with **at least one** incident (Weisburd's "of all segments" vs
//!   the "of segments with crime" reading, which differ greatly when most units
//!   are empty — Bernasco & Steenbeek 2017).
//! * Lorenz curve: units sorted **ascending**; point `i` is
//!   `(i / n, Σ_{j≤i} x_(j) / total)`, `i = 0..n`.
//! * Gini `G = 2 Σ_{i=1..n} i·x_(i) / (n · total) − (n + 1)/n` (ascending order),
//!   equal to `1 − 2·(trapezoidal area under the Lorenz curve)` and to the mean
//!   absolute difference over twice the mean; 0 for equal counts, `(n − 1)/n` when
//!   one unit holds everything. It is also given over the non-empty units only.

use serde::Serialize;

use crate::error::{Error, Result};

/// Units needed for one share of incidents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareNeeded {
    /// Share of incidents (e.g. 0.5).
    pub incident_share: f64,
    /// Smallest number of units holding at least that share.
    pub units: usize,
    /// `units / n_units`.
    pub of_all_units: f64,
    /// `units / n_nonzero`.
    pub of_nonzero_units: f64,
}

/// Concentration of incidents over units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    /// Number of units.
    pub n_units: usize,
    /// Units with at least one incident.
    pub n_nonzero: usize,
    /// Total incidents.
    pub total: f64,
    /// Gini over all units.
    pub gini: f64,
    /// Gini over the non-empty units.
    pub gini_nonzero: f64,
    /// Units needed for each requested share.
    pub shares: Vec<ShareNeeded>,
    /// Lorenz curve (at most ~1001 points, always exact when `n_units <= 1000`).
    pub lorenz: Vec<[f64; 2]>,
}

fn gini_sorted(asc: &[f64]) -> f64 {
    let n = asc.len() as f64;
    let total: f64 = asc.iter().sum();
    if n == 0.0 || total <= 0.0 {
        return 0.0;
    }
    let s: f64 = asc
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    2.0 * s / (n * total) - (n + 1.0) / n
}

/// Concentration of `counts` (≥ 0, finite) with the units needed for each share
/// in `shares` (e.g. `[0.25, 0.5]`).
///
/// # Examples
/// ```
/// use crimescape::concentration;
/// let c = concentration(&[0.0, 0.0, 1.0, 3.0], &[0.5]).unwrap();
/// assert_eq!(c.shares[0].units, 1);           // the unit with 3 holds 75 %
/// assert_eq!(c.shares[0].of_all_units, 0.25);
/// assert_eq!(c.shares[0].of_nonzero_units, 0.5);
/// assert!((c.gini - 0.625).abs() < 1e-12);     // 2·(3·1 + 4·3)/(4·4) − 5/4
/// ```
pub fn concentration(counts: &[f64], shares: &[f64]) -> Result<Concentration> {
    if counts.is_empty() {
        return Err(Error::empty("concentration", "units", ""));
    }
    if let Some(index) = counts.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::BadValue {
            what: "count",
            index,
            value: counts[index],
            expected: "not a finite count >= 0",
        });
    }
    if let Some(p) = shares.iter().find(|p| !(**p > 0.0 && **p <= 1.0)) {
        return Err(Error::invalid_param(
            "shares",
            p,
            "an incident share must be in (0, 1]",
        ));
    }
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return Err(Error::empty("concentration", "incidents in any unit", ""));
    }
    let mut asc = counts.to_vec();
    asc.sort_by(|a, b| a.total_cmp(b));
    let n = asc.len();
    let nz: Vec<f64> = asc.iter().copied().filter(|v| *v > 0.0).collect();
    let n_nonzero = nz.len();
    let mut cum = 0.0;
    let mut lorenz_full = Vec::with_capacity(n + 1);
    lorenz_full.push([0.0, 0.0]);
    for (i, x) in asc.iter().enumerate() {
        cum += x;
        lorenz_full.push([(i + 1) as f64 / n as f64, cum / total]);
    }
    let lorenz = if n <= 1000 {
        lorenz_full
    } else {
        let mut v: Vec<[f64; 2]> = (0..=1000)
            .map(|j| lorenz_full[(j * n + 500) / 1000])
            .collect();
        v.dedup();
        v
    };
    // descending cumulative sums for the shares
    let mut desc_cum = Vec::with_capacity(n);
    let mut s = 0.0;
    for x in asc.iter().rev() {
        s += x;
        desc_cum.push(s);
    }
    let shares = shares
        .iter()
        .map(|&p| {
            let target = p * total * (1.0 - 1e-12);
            let k = desc_cum.partition_point(|c| *c < target) + 1;
            let k = k.min(n);
            ShareNeeded {
                incident_share: p,
                units: k,
                of_all_units: k as f64 / n as f64,
                of_nonzero_units: k as f64 / n_nonzero as f64,
            }
        })
        .collect();
    Ok(Concentration {
        n_units: n,
        n_nonzero,
        total,
        gini: gini_sorted(&asc),
        gini_nonzero: gini_sorted(&nz),
        shares,
        lorenz,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concentration_exact_small() {
        // counts 0,0,0,0,0,1,1,2,4,12 (total 20, n 10)
        let c = [4.0, 0.0, 12.0, 0.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0];
        let r = concentration(&c, &[0.25, 0.5, 0.8, 1.0]).unwrap();
        assert_eq!(r.n_nonzero, 5);
        // 25 % = 5 incidents: the 12-unit alone
        assert_eq!(r.shares[0].units, 1);
        assert_eq!(r.shares[1].units, 1); // 12 >= 10
        assert_eq!(r.shares[2].units, 2); // 12 + 4 = 16 >= 16
        assert_eq!(r.shares[3].units, 5);
        assert_eq!(r.shares[3].of_nonzero_units, 1.0);
        assert_eq!(r.shares[3].of_all_units, 0.5);
        // Gini: asc ranks 6,7,8,9,10 for 1,1,2,4,12: sum = 6+7+16+36+120 = 185
        let g = 2.0 * 185.0 / (10.0 * 20.0) - 11.0 / 10.0;
        assert!((r.gini - g).abs() < 1e-12);
        // non-empty: 1,1,2,4,12 ranks 1..5: 1+2+6+16+60 = 85
        let g2 = 2.0 * 85.0 / (5.0 * 20.0) - 6.0 / 5.0;
        assert!((r.gini_nonzero - g2).abs() < 1e-12);
        // Gini = 1 - 2 * trapezoid area under the Lorenz curve
        let area: f64 = r
            .lorenz
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * (w[0][1] + w[1][1]) / 2.0)
            .sum();
        assert!((r.gini - (1.0 - 2.0 * area)).abs() < 1e-12);
        assert_eq!(r.lorenz.len(), 11);
        assert_eq!(r.lorenz[10], [1.0, 1.0]);
    }

    #[test]
    fn concentration_equal_and_single() {
        let r = concentration(&[3.0; 4], &[0.5]).unwrap();
        assert_eq!(r.gini, 0.0);
        assert_eq!(r.shares[0].units, 2);
        let r = concentration(&[0.0, 0.0, 0.0, 7.0], &[0.5]).unwrap();
        assert!((r.gini - 0.75).abs() < 1e-12);
        assert_eq!(r.gini_nonzero, 0.0);
        let r = concentration(&[5.0], &[0.25]).unwrap();
        assert_eq!(r.gini, 0.0);
        assert!(concentration(&[], &[0.5]).is_err());
        assert!(concentration(&[0.0, 0.0], &[0.5]).is_err());
        assert!(concentration(&[1.0, -1.0], &[0.5]).is_err());
    }

    #[test]
    fn concentration_large_lorenz_is_thinned() {
        let c: Vec<f64> = (0..5000).map(|i| (i % 7) as f64).collect();
        let r = concentration(&c, &[0.5]).unwrap();
        assert!(r.lorenz.len() <= 1001);
        assert_eq!(r.lorenz[0], [0.0, 0.0]);
        assert_eq!(*r.lorenz.last().unwrap(), [1.0, 1.0]);
    }

    #[test]
    fn concentration_typed_errors() {
        let e = concentration(&[], &[0.5]).unwrap_err();
        assert!(matches!(e, Error::Empty { what: "units", .. }));
        let e = concentration(&[1.0, f64::NAN], &[0.5]).unwrap_err();
        assert!(matches!(
            e,
            Error::BadValue {
                what: "count",
                index: 1,
                ..
            }
        ));
        let e = concentration(&[0.0, 0.0], &[0.5]).unwrap_err();
        assert!(matches!(
            e,
            Error::Empty {
                what: "incidents in any unit",
                ..
            }
        ));
    }
}
