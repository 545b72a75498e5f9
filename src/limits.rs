//! Bounds on every size a user controls, in one place.
//!
//! Each count that sizes memory or running time (permutations, Monte Carlo
//! replicates, grid cells, points along a line, folds, incidents of the demo city)
//! has a limit far above any sensible value and far below what would exhaust the
//! machine, so a typo such as `--permutations 18446744073709551615` is a clear
//! error ([`Error::Limit`]: the parameter, the value, the limit and why) instead of
//! an allocation failure or a run that never ends. The analyses' `XxxParams` are
//! checked against these when the analysis starts.

use crate::error::{Error, Result};

/// Conditional permutations of Gi* and Local Moran: p-values resolve to
/// `1 / (P + 1)`; beyond this, extra permutations only cost time.
pub const MAX_PERMUTATIONS: usize = 99_999;

/// Monte Carlo replicates (near-repeat `nrep`, chain `nrep`, NNH `simulations`): the
/// p-value resolves to `1 / (R + 1)`.
pub const MAX_REPLICATES: usize = 99_999;

/// Cross-validation folds of the risk terrain model.
pub const MAX_FOLDS: usize = 100;

/// Incidents of the demo city.
pub const MAX_DEMO_INCIDENTS: usize = 10_000_000;

/// Side of the demo city in metres (a large metropolis).
pub const MAX_DEMO_SIZE_M: f64 = 100_000.0;

/// Points generated along one line or polygon outline (e.g. a design proposal's
/// fence sampled every `spacing` metres).
pub const MAX_POINTS_ALONG: usize = 1_000_000;

/// Evaluation horizon of a prospective map, in days (ten years).
pub const MAX_HORIZON_DAYS: f64 = 3_650.0;

/// Checks a count parameter against its limit.
///
/// # Errors
/// [`Error::Limit`] naming `field`, the value, the limit and `why`.
pub fn check_count(field: &str, value: usize, max: usize, why: &str) -> Result<()> {
    if value > max {
        return Err(Error::limit(field, value, max, why));
    }
    Ok(())
}

/// Checks the number of permutations of a conditional-permutation test.
pub fn check_permutations(field: &str, value: usize) -> Result<()> {
    check_count(
        field,
        value,
        MAX_PERMUTATIONS,
        "the permutation p-value resolves to 1/(P+1); more permutations only cost time (each one is a pass over every unit's neighbours)",
    )
}

/// Checks the number of Monte Carlo replicates.
pub fn check_replicates(field: &str, value: usize) -> Result<()> {
    check_count(
        field,
        value,
        MAX_REPLICATES,
        "the Monte Carlo p-value resolves to 1/(R+1); more replicates only cost time and memory",
    )
}

/// The number of points when a length is sampled every `spacing` metres, checked
/// against [`MAX_POINTS_ALONG`].
///
/// # Errors
/// [`Error::InvalidParam`] (naming `field`) for a spacing that is not a positive
/// number; [`Error::Limit`] when the line would need more points than the limit.
pub fn points_along(field: &'static str, length: f64, spacing: f64) -> Result<usize> {
    if !(spacing.is_finite() && spacing > 0.0) {
        return Err(Error::invalid_param(
            field,
            spacing,
            "must be a positive distance in metres",
        ));
    }
    let n = (length / spacing).ceil();
    if n.is_nan() || n > MAX_POINTS_ALONG as f64 {
        return Err(Error::limit(
            format!("{field} (points along a {length:.0} m line)"),
            format!("{} points at {spacing} m", crate::risk::model_file::show(n)),
            format!("{MAX_POINTS_ALONG} points"),
            "the line is sampled at every spacing; use a larger spacing",
        ));
    }
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_count_names_field_value_and_limit() {
        assert!(check_permutations("permutations", 999).is_ok());
        let e = check_permutations("permutations", usize::MAX).unwrap_err();
        assert!(e.is_usage());
        let s = e.to_string();
        assert!(
            s.contains("permutations") && s.contains("18446744073709551615") && s.contains("99999"),
            "{s}"
        );
    }

    #[test]
    fn points_along_bounds_tiny_spacing() {
        assert_eq!(points_along("spacing", 100.0, 10.0).unwrap(), 10);
        let e = points_along("spacing", 1000.0, 1e-9)
            .unwrap_err()
            .to_string();
        assert!(e.contains("spacing") && e.contains("1000000 points"), "{e}");
        assert!(points_along("spacing", 10.0, 0.0).is_err());
        assert!(points_along("spacing", 10.0, f64::NAN).is_err());
    }

    #[test]
    fn points_along_names_the_field() {
        let e = points_along("spacing", 10.0, -1.0).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidParam {
                param: "spacing",
                ..
            }
        ));
        assert!(e.is_usage());
    }
}
