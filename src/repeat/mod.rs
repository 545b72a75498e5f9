//! Repeat and near-repeat victimization.
//!
//! * [`knox`] — the Knox space-time test with NearRepeat semantics (R package
//!   `NearRepeat`, W. Steenbeek), scaled to millions of events by enumerating only
//!   the pairs within the largest finite spatial band.
//! * [`exact`] — exact repeats: incidents at the same place (within a tolerance or
//!   with the same address), time between repeats, aggregated top locations.
//! * [`chains`] — near-repeat chains: events linked to an earlier event within a
//!   distance and a time, as connected components ordered in time.
//! * [`promap`] — prospective hotspotting (Bowers, Johnson & Pease 2004).
//!
//! # Time precision
//! All of these compare times. [`prepare_times`] picks the time unit from the
//! precision recorded at load ([`Incidents::precision`]): if any incident is dated
//! only to the day, every time is floored to whole calendar days, so a difference
//! of 0 means "the same day", never "the same moment" (a date-only record stands
//! for the whole day). Incidents dated only to the month or year cannot be placed
//! in day bands and are excluded with a count and a warning; incidents without a
//! time are excluded with a count.

pub mod chains;
pub mod exact;
pub mod knox;
mod on_network;
pub mod promap;

pub(crate) use on_network::OnNetwork;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layer::Incidents;
use crate::time::{TimePrecision, DAY};

/// Times of the usable incidents in a common integer unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedTimes {
    /// Indices (into the incidents) of the incidents used, in input order.
    pub keep: Vec<usize>,
    /// Time of each kept incident in `unit`s since 1970-01-01 (local clock, floored).
    pub t: Vec<i64>,
    /// The unit: the coarsest precision among the kept incidents (second … day).
    pub unit: TimePrecision,
    /// Incidents excluded because they have no time.
    pub excluded_missing: usize,
    /// Incidents excluded because their time is only a month or a year.
    pub excluded_coarse: usize,
    /// Human-readable warnings (precision, exclusions).
    pub warnings: Vec<String>,
}

impl PreparedTimes {
    /// Length of the unit in days (1 for day precision, 1/24 for hours, …).
    pub fn unit_days(&self) -> f64 {
        self.unit.seconds() as f64 / DAY as f64
    }
}

/// Chooses the time unit from the recorded precision and converts the times.
///
/// Returns an error when no incident has a usable time.
pub fn prepare_times(inc: &Incidents) -> Result<PreparedTimes> {
    let mut keep = Vec::with_capacity(inc.len());
    let mut excluded_missing = 0;
    let mut excluded_coarse = 0;
    let mut unit = TimePrecision::Second;
    let mut finer_than_unit = 0usize;
    for i in 0..inc.len() {
        match inc.time[i] {
            None => excluded_missing += 1,
            Some(_) => {
                let p = inc.precision[i];
                if p > TimePrecision::Day {
                    excluded_coarse += 1;
                } else {
                    keep.push(i);
                    unit = unit.max(p);
                }
            }
        }
    }
    if keep.is_empty() {
        return Err(Error::empty(
            "repeat analysis",
            "incident with a time precise to the day",
            format!(
                "{excluded_missing} without time, {excluded_coarse} dated only to the month or \
                 year"
            ),
        ));
    }
    let us = unit.seconds();
    let t: Vec<i64> = keep
        .iter()
        .map(|&i| inc.time[i].unwrap_or(0).div_euclid(us))
        .collect();
    for &i in &keep {
        if inc.precision[i] < unit {
            finer_than_unit += 1;
        }
    }
    let mut warnings = Vec::new();
    if let Some(n) = inc.time_use().note("time-based analysis") {
        warnings.push(n);
    }
    if excluded_coarse > 0 {
        warnings.push(format!(
            "{excluded_coarse} incident(s) dated only to the month or year were excluded \
             (they cannot be placed in day bands)"
        ));
    }
    if unit == TimePrecision::Day {
        warnings.push(
            "times are dated to the day: time differences are whole calendar days, so a \
             difference of 0 days means 'the same day', not 'the same moment'"
                .into(),
        );
    }
    if finer_than_unit > 0 {
        warnings.push(format!(
            "{finer_than_unit} incident(s) with finer times were floored to the {} because \
             others are only that precise",
            unit.name()
        ));
    }
    Ok(PreparedTimes {
        keep,
        t,
        unit,
        excluded_missing,
        excluded_coarse,
        warnings,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crs::{Crs, CrsChoice};

    pub(crate) fn incidents(xy: &[[f64; 2]], t: &[Option<i64>], p: TimePrecision) -> Incidents {
        let mut inc = Incidents::empty(CrsChoice {
            input: Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        });
        inc.xy = xy.to_vec();
        inc.time = t.to_vec();
        inc.precision = vec![p; xy.len()];
        inc.category = vec![crate::layer::NO_CATEGORY; xy.len()];
        inc.row = (1..=xy.len() as u64).collect();
        inc
    }

    #[test]
    fn prepare_times_day_precision_floors_and_counts() {
        let mut inc = incidents(
            &[[0.0, 0.0]; 4],
            &[Some(DAY * 3 + 500), None, Some(DAY * 5), Some(DAY * 40)],
            TimePrecision::Day,
        );
        inc.precision[0] = TimePrecision::Minute;
        inc.precision[3] = TimePrecision::Month;
        let p = prepare_times(&inc).unwrap();
        assert_eq!(p.keep, vec![0, 2]);
        assert_eq!(p.t, vec![3, 5]);
        assert_eq!(p.unit, TimePrecision::Day);
        assert_eq!((p.excluded_missing, p.excluded_coarse), (1, 1));
        assert!(p.warnings.iter().any(|w| w.contains("floored")));
    }

    #[test]
    fn prepare_times_no_time_is_an_error() {
        let inc = incidents(&[[0.0, 0.0]], &[None], TimePrecision::Day);
        assert!(prepare_times(&inc).is_err());
    }

    #[test]
    fn prepare_times_without_day_precision_is_empty() {
        let inc = incidents(
            &[[0.0, 0.0]; 2],
            &[None, Some(DAY * 40)],
            TimePrecision::Month,
        );
        let e = prepare_times(&inc).unwrap_err();
        assert!(matches!(
            e,
            Error::Empty {
                analysis: "repeat analysis",
                ..
            }
        ));
        assert!(
            e.to_string().contains("1 without time, 1 dated only"),
            "{e}"
        );
    }
}
