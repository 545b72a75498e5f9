//! Evaluation settings written as text (command-line flags, settings files): dates,
//! `FROM..TO` periods, the over-dispersion and the time-series model.

use crate::error::{Error, Result};
use crate::evaluate::{Dispersion, EvaluateParams, ItsParams};
use crate::glm::Family;
use crate::study::settings::parse_date_setting;

/// A period `FROM..TO` of dates (`TO` excluded) as local seconds `(from, to)`.
///
/// ```
/// use crimescape::study::evaluate::parse_span;
///
/// let (a, b) = parse_span("pre", "2024-01-01..2024-01-02")?;
/// assert_eq!(b - a, 86_400);
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] on `field` without `..` or with a date that does not parse.
pub fn parse_span(field: &'static str, s: &str) -> Result<(i64, i64)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        Error::invalid_param(
            field,
            format!("{s:?}"),
            "use FROM..TO, e.g. 2024-01-01..2024-07-01",
        )
    })?;
    Ok((parse_date_setting(field, a)?, parse_date_setting(field, b)?))
}

/// Evaluation settings from dates as text: explicit `pre` and `post` periods
/// (`FROM..TO`, with an optional `intervention` date), or an `intervention` date alone
/// (the longest equal spans on both sides within the data).
///
/// # Errors
/// [`Error::MissingInput`] when neither periods nor a date are given,
/// [`Error::MissingParam`] for one period without the other;
/// [`Error::InvalidParam`] for a period or date that does not parse.
pub fn evaluate_params(
    pre: Option<&str>,
    post: Option<&str>,
    intervention: Option<&str>,
) -> Result<EvaluateParams> {
    let day = |d: &str| parse_date_setting("intervention", d);
    Ok(match (pre, post, intervention) {
        (Some(pre), Some(post), d) => {
            let mut p = EvaluateParams::periods(parse_span("pre", pre)?, parse_span("post", post)?);
            if let Some(d) = d {
                p.intervention = Some(day(d)?);
            }
            p
        }
        (None, None, Some(d)) => EvaluateParams::at(day(d)?),
        (None, None, None) => {
            return Err(Error::MissingInput {
                what: vec![
                    "`intervention` (a date), or `pre` and `post` periods (FROM..TO)".into(),
                ],
            })
        }
        (Some(_), None, _) => return Err(Error::missing_param("post", "pre", "")),
        (None, Some(_), _) => return Err(Error::missing_param("pre", "post", "")),
    })
}

/// Parses `auto` ([`Dispersion::Estimate`]), `poisson` or a finite factor `φ > 0`
/// ([`Dispersion::Fixed`]).
///
/// ```
/// use crimescape::Dispersion;
///
/// assert!(matches!("auto".parse::<Dispersion>()?, Dispersion::Estimate));
/// assert!(matches!("1.5".parse::<Dispersion>()?, Dispersion::Fixed(f) if f == 1.5));
/// assert!("0".parse::<Dispersion>().is_err());
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] on `dispersion` for any other text, and for a factor that
/// is not a finite number above 0 (`0`, `-1`, `inf`, `NaN`).
impl std::str::FromStr for Dispersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "auto" => Dispersion::Estimate,
            "poisson" => Dispersion::Poisson,
            s => Dispersion::Fixed(
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .ok_or_else(|| {
                        Error::invalid_param(
                            "dispersion",
                            format!("{s:?}"),
                            "use auto, poisson or a number > 0",
                        )
                    })?,
            ),
        })
    }
}

/// Model of the interrupted time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItsModel {
    /// Negative binomial GLM (θ estimated; Poisson when there is no over-dispersion).
    Nb,
    /// Poisson GLM (standard errors scaled for over-dispersion).
    Poisson,
    /// No time series.
    None,
}

impl ItsModel {
    /// The time-series settings (`None` for no time series); `slope_change` lets the
    /// series also estimate a change of trend after the intervention.
    pub fn params(self, slope_change: bool) -> Option<ItsParams> {
        let family = match self {
            ItsModel::Nb => ItsParams::default().family,
            ItsModel::Poisson => Family::Poisson,
            ItsModel::None => return None,
        };
        Some(ItsParams {
            family,
            slope_change,
            ..ItsParams::default()
        })
    }
}

#[cfg(test)]
mod tests;
