//! A KDE bandwidth written as text (a command-line flag, a settings file):
//! [`Bandwidth`]'s `FromStr`.

use crate::error::Error;
use crate::hotspot::kde::Bandwidth;

/// Parses metres (`250`, `250m`), a rule (`arcgis` or `default`: ArcGIS's rule;
/// `scott` or `nrd`: Scott's rule) or `knn:K` (adaptive, the K-th neighbour's distance
/// per point); case and surrounding spaces are ignored.
///
/// ```
/// use crimescape::Bandwidth;
///
/// assert_eq!("250m".parse::<Bandwidth>()?, Bandwidth::Fixed { h: 250.0 });
/// assert_eq!("knn:8".parse::<Bandwidth>()?, Bandwidth::Adaptive { k: 8 });
/// assert_eq!(" ArcGIS ".parse::<Bandwidth>()?, Bandwidth::ArcGis);
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] on `bandwidth` for any other text.
impl std::str::FromStr for Bandwidth {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_lowercase();
        let bad = |why: &str| Error::invalid_param("bandwidth", s, why);
        Ok(match t.as_str() {
            "arcgis" | "default" => Bandwidth::ArcGis,
            "scott" | "nrd" => Bandwidth::Scott,
            _ => match t.strip_prefix("knn:") {
                Some(k) => Bandwidth::Adaptive {
                    k: k.trim()
                        .parse()
                        .map_err(|_| bad("knn:K needs an integer K"))?,
                },
                None => Bandwidth::Fixed {
                    h: t.trim_end_matches('m')
                        .trim()
                        .parse()
                        .map_err(|_| bad("give metres, arcgis, scott or knn:K"))?,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_str_rules_and_metres() {
        assert_eq!("default".parse::<Bandwidth>().unwrap(), Bandwidth::ArcGis);
        assert_eq!("NRD".parse::<Bandwidth>().unwrap(), Bandwidth::Scott);
        assert_eq!(
            "300".parse::<Bandwidth>().unwrap(),
            Bandwidth::Fixed { h: 300.0 }
        );
        assert_eq!(
            "Knn: 5".parse::<Bandwidth>().unwrap(),
            Bandwidth::Adaptive { k: 5 }
        );
    }

    #[test]
    fn from_str_bad_text_names_the_field() {
        for (s, why) in [("knn:x", "integer K"), ("wide", "give metres")] {
            match s.parse::<Bandwidth>() {
                Err(Error::InvalidParam {
                    param,
                    value,
                    reason,
                }) => {
                    assert_eq!((param, value.as_str()), ("bandwidth", s));
                    assert!(reason.contains(why), "{reason}");
                }
                other => panic!("{s}: expected InvalidParam, got {other:?}"),
            }
        }
    }
}
