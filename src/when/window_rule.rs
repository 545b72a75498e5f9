//! Which windowed incidents a Knox near-repeat test may use, and at what time.

use serde::{Deserialize, Serialize};

use super::Window;
use crate::error::{Error, Result};
use crate::layer::Incidents;
use crate::time::DAY;

/// What to do with windows longer than the first time band.
///
/// The Knox test needs one time per incident. Near-repeat studies of burglary
/// (e.g. Johnson et al. 2007; Townsley, Homel & Chaseling 2003) use the midpoint of
/// a short occurrence window and leave out incidents whose window is too long to
/// place them in a time band. Here:
///
/// * an **exact** time (`to == from`) is used as is;
/// * a window **no longer than the first time band** (`to − from ≤ b₁ − b₀` days)
///   is reduced to its **midpoint** `from + ⌊(to − from)/2⌋`;
/// * a **longer** window is **left out** ([`WindowRule::Exclude`], the default) or
///   also reduced to its midpoint ([`WindowRule::Midpoint`]); both are counted.
///
/// Pass windows **as recorded** ([`Window::new`]`(from, to)`), not widened by
/// [`Window::from_times`]: a date-only time is an exact time here, and the Knox
/// test handles its day precision itself.
///
/// # Examples
/// ```
/// use crimescape::{apply_window_rule, Window, WindowRule};
/// let day = 86_400;
/// let w = [
///     Some(Window::exact(0)),
///     Some(Window::new(0, 2 * day).unwrap()),   // 2 days: midpoint
///     Some(Window::new(0, 10 * day).unwrap()),  // 10 days > first band of 7
///     None,
/// ];
/// let r = apply_window_rule(&w, 7.0, WindowRule::Exclude).unwrap();
/// assert_eq!(r.keep, vec![0, 1]);
/// assert_eq!(r.time, vec![0, day]);
/// assert_eq!((r.counts.excluded_long, r.counts.missing), (1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowRule {
    /// Leave them out of the test (default).
    #[default]
    Exclude,
    /// Use their midpoint.
    Midpoint,
}

impl WindowRule {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            WindowRule::Exclude => "exclude",
            WindowRule::Midpoint => "midpoint",
        }
    }
}

/// Counts for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRuleCounts {
    /// The rule applied.
    pub rule: WindowRule,
    /// First temporal band length in seconds (the limit).
    pub limit_seconds: i64,
    /// Exact times, used as they are.
    pub exact: usize,
    /// Windows within the limit, reduced to their midpoint.
    pub midpoint_short: usize,
    /// Longer windows reduced to their midpoint ([`WindowRule::Midpoint`]).
    pub midpoint_long: usize,
    /// Longer windows left out ([`WindowRule::Exclude`]).
    pub excluded_long: usize,
    /// Incidents without a time.
    pub missing: usize,
}

/// Times for the Knox test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnoxTimes {
    /// Indices of the incidents used, increasing.
    pub keep: Vec<usize>,
    /// Their time (local clock seconds), same order.
    pub time: Vec<i64>,
    /// What happened to every incident.
    pub counts: WindowRuleCounts,
}

/// Length of the first temporal band `b₁ − b₀` (days) of Knox breaks.
pub fn first_band_days(time_breaks: &[f64]) -> Result<f64> {
    match time_breaks {
        [a, b, ..] if a.is_finite() && b > a => Ok(b - a),
        _ => Err(Error::invalid_param(
            "time_breaks",
            format!("{time_breaks:?}"),
            "the window rule needs a first temporal band [b0, b1)",
        )),
    }
}

/// Applies the window rule ([`WindowRule`]) with a first band of `first_band_days`.
pub fn apply_window_rule(
    windows: &[Option<Window>],
    first_band_days: f64,
    rule: WindowRule,
) -> Result<KnoxTimes> {
    if first_band_days.is_nan() || first_band_days <= 0.0 {
        return Err(Error::invalid_param(
            "first_band_days",
            first_band_days,
            "the window rule's first time band must be a positive number of days",
        ));
    }
    // an infinite first band keeps every window (its midpoint)
    let limit = if first_band_days.is_finite() {
        (first_band_days * DAY as f64).round() as i64
    } else {
        i64::MAX
    };
    let mut counts = WindowRuleCounts {
        rule,
        limit_seconds: limit,
        ..Default::default()
    };
    let mut keep = Vec::with_capacity(windows.len());
    let mut time = Vec::with_capacity(windows.len());
    for (i, w) in windows.iter().enumerate() {
        let Some(w) = w else {
            counts.missing += 1;
            continue;
        };
        if w.is_exact() {
            counts.exact += 1;
        } else if w.seconds() <= limit {
            counts.midpoint_short += 1;
        } else if rule == WindowRule::Midpoint {
            counts.midpoint_long += 1;
        } else {
            counts.excluded_long += 1;
            continue;
        }
        keep.push(i);
        time.push(w.midpoint());
    }
    Ok(KnoxTimes { keep, time, counts })
}

/// The incidents a Knox test uses under the window rule: exact times as they are,
/// windows reduced to their midpoint or left out ([`WindowRule`]); incidents without
/// a time stay (the Knox test counts them itself). Windows are read as recorded
/// ([`Incidents::recorded_window`]).
pub fn knox_incidents(
    inc: &Incidents,
    first_band_days: f64,
    rule: WindowRule,
) -> Result<(Incidents, WindowRuleCounts)> {
    let windows: Vec<Option<Window>> = (0..inc.len()).map(|i| inc.recorded_window(i)).collect();
    let r = apply_window_rule(&windows, first_band_days, rule)?;
    let mut keep = r.keep.clone();
    keep.extend((0..inc.len()).filter(|&i| inc.time[i].is_none()));
    keep.sort_unstable();
    let mut out = inc.select(&keep);
    out.window_len.clear();
    let mut k = 0;
    for (j, &i) in keep.iter().enumerate() {
        if k < r.keep.len() && r.keep[k] == i {
            out.time[j] = Some(r.time[k]);
            k += 1;
        }
    }
    Ok((out, r.counts))
}

impl WindowRuleCounts {
    /// One line for reports.
    pub fn describe(&self) -> String {
        format!(
            "window rule {} (first time band {:.1} days): {} exact, {} window(s) within the band at their midpoint, {} longer window(s) {}",
            self.rule.name(),
            self.limit_seconds as f64 / DAY as f64,
            self.exact,
            self.midpoint_short,
            self.midpoint_long + self.excluded_long,
            if self.rule == WindowRule::Exclude { "left out" } else { "at their midpoint" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knox_incidents_midpoints_and_exclusions() {
        use crate::crs::{Crs, CrsChoice};
        let c = Crs::Local { unit_to_metre: 1.0 };
        let mut inc = Incidents::empty(CrsChoice {
            input: c.clone(),
            input_source: String::new(),
            working: c,
            reason: String::new(),
        });
        for (i, (t, l)) in [
            (Some(0), 0u32),
            (Some(DAY), 2 * DAY as u32),
            (Some(0), 20 * DAY as u32),
            (None, 0),
        ]
        .into_iter()
        .enumerate()
        {
            inc.xy.push([i as f64, 0.0]);
            inc.time.push(t);
            inc.precision.push(crate::time::TimePrecision::Minute);
            inc.window_len.push(l);
            inc.category.push(crate::layer::NO_CATEGORY);
            inc.row.push(i as u64 + 1);
        }
        let (k, c) = knox_incidents(&inc, 7.0, WindowRule::Exclude).unwrap();
        assert_eq!(k.row, vec![1, 2, 4]);
        assert_eq!(k.time, vec![Some(0), Some(2 * DAY), None]);
        assert!(!k.has_windows());
        assert_eq!(
            (c.exact, c.midpoint_short, c.excluded_long, c.missing),
            (1, 1, 1, 1)
        );
        let (k, c) = knox_incidents(&inc, 7.0, WindowRule::Midpoint).unwrap();
        assert_eq!(k.time[2], Some(10 * DAY));
        assert_eq!(c.midpoint_long, 1);
        assert!(c
            .describe()
            .contains("1 longer window(s) at their midpoint"));
    }

    #[test]
    fn apply_window_rule_limits_and_counts() {
        let w = [
            Some(Window::new(100, 100 + 7 * DAY).unwrap()), // exactly the band: kept
            Some(Window::new(100, 100 + 7 * DAY + 1).unwrap()),
            Some(Window::new(0, 61).unwrap()),
            Some(Window::exact(5)),
            None,
        ];
        let r = apply_window_rule(&w, 7.0, WindowRule::Exclude).unwrap();
        assert_eq!(r.keep, vec![0, 2, 3]);
        assert_eq!(r.time, vec![100 + 7 * DAY / 2, 30, 5]);
        assert_eq!(
            (
                r.counts.exact,
                r.counts.midpoint_short,
                r.counts.excluded_long,
                r.counts.missing
            ),
            (1, 2, 1, 1)
        );
        let r = apply_window_rule(&w, 7.0, WindowRule::Midpoint).unwrap();
        assert_eq!(r.keep, vec![0, 1, 2, 3]);
        assert_eq!(r.counts.midpoint_long, 1);
        assert_eq!(r.time[1], 100 + (7 * DAY + 1) / 2);
        assert!(apply_window_rule(&w, 0.0, WindowRule::Exclude).is_err());
        assert!(apply_window_rule(&w, f64::NAN, WindowRule::Exclude).is_err());
        let r = apply_window_rule(&w, f64::INFINITY, WindowRule::Exclude).unwrap();
        assert_eq!(r.keep.len(), 4);
    }

    #[test]
    fn first_band_days_from_breaks() {
        assert_eq!(
            first_band_days(&[0.0, 7.0, 14.0, f64::INFINITY]).unwrap(),
            7.0
        );
        assert_eq!(first_band_days(&[1.0, 3.0]).unwrap(), 2.0);
        assert!(first_band_days(&[0.0]).is_err());
        assert!(first_band_days(&[0.0, f64::INFINITY]).is_ok());
        assert!(first_band_days(&[3.0, 1.0]).is_err());
    }

    #[test]
    fn window_rule_typed_errors_name_the_field() {
        let e = first_band_days(&[0.0]).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidParam {
                param: "time_breaks",
                ..
            }
        ));
        let e = apply_window_rule(&[], 0.0, WindowRule::Exclude).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidParam {
                param: "first_band_days",
                ..
            }
        ));
    }
}
