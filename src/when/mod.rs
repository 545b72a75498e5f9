//! When: occurrence windows, aoristic analysis, sun times and temporal profiles.
//!
//! Situational prevention acts on a place *at a time* — lighting after dark,
//! transport at closing time on Friday and Saturday nights. Many property crimes
//! are only known to have happened inside a **window** ("left the car at 18:00,
//! found it broken into at 07:30"); aoristic analysis (Ratcliffe 2002) spreads each
//! incident's unit probability evenly over its window.
//!
//! * [`Window`]: an occurrence window on the local clock; [`Window::from_times`]
//!   widens a time recorded only to the day (or hour) to the whole day (hour).
//! * [`aoristic`]: hour-of-week weights (168 bins), hour of day, day of week, month,
//!   day of year — the R package `aoristic` 1.1.1 rules, with its quirks available
//!   for exact parity ([`aoristic::package_df`]).
//! * [`tz`]: time zones (IANA names from the embedded database, POSIX rules, offsets).
//! * [`solar`]: sunrise and sunset with NOAA's solar calculator algorithm; night =
//!   sun below −0.833° by default.
//! * [`night`]: [`night::SunCalendar`] gives night-time overlaps at one place,
//!   [`night::NightModel`] over an area; `weekend`: Friday 12:00 to Sunday 12:00.
//! * [`profile`]: per-incident temporal records, the temporal signature of a place
//!   (night share, weekend-night share, peak hour of the week) and a seeded
//!   permutation test of a place against its city.
//! * [`filter`]: `--hours 22-04`, `--days fri,sat`, `--night` as predicates.
//! * [`window_rule`]: which windowed incidents a Knox near-repeat test may use.
//! * [`figure`]: a 7 × 24 heat table and a day-of-year line.
//!
//! # Conventions
//! * Times are **local clock** seconds since 1970 ([`crate::time`]). Durations are
//!   differences of wall-clock readings, as in the `aoristic` package: a window
//!   over a daylight-saving change counts the clock's minutes, not elapsed ones.
//! * A window is **half-open `[from, to)`** at minute resolution: the minute that
//!   starts at `to` is not in it. `to == from` is an exact time.
//! * Hour-of-week bins are numbered as the package's `hour1..hour168` minus one:
//!   bin = 24 · day + hour with **Sunday = 0** … Saturday = 6 (bin 0 = Sunday
//!   00:00–00:59, bin 167 = Saturday 23h). [`bin_label`] names a bin.

pub mod aoristic;
pub mod figure;
pub mod filter;
pub mod incidents;
pub mod night;
#[cfg(test)]
mod parity;
pub mod profile;
#[cfg(test)]
mod simulation;
pub mod solar;
pub mod tz;
mod weekend;
pub mod window_rule;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{TimePrecision, DAY};

pub use aoristic::{AoristicRule, CalendarProfile, WeekProfile};
pub use filter::TimeFilter;
pub use night::{NightModel, SunCalendar};
pub use profile::{test_places, PlaceTestParams, PlaceTests, TemporalSignature, TemporalTable};
pub use solar::SunParams;
pub use tz::TimeZone;
pub use window_rule::{WindowRule, WindowRuleCounts};

/// Hour-of-week bins.
pub const WEEK_BINS: usize = 168;
/// Minutes in a week.
pub const WEEK_MINUTES: i64 = 10_080;
/// Day names in bin order (Sunday first).
pub const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Day of the week of local clock seconds, Sunday = 0 … Saturday = 6.
#[inline]
pub fn weekday(t: i64) -> usize {
    // 1970-01-01 was a Thursday
    (t.div_euclid(DAY) + 4).rem_euclid(7) as usize
}

/// Hour-of-week bin (0..168) of local clock seconds (see the module conventions).
#[inline]
pub fn hour_of_week(t: i64) -> usize {
    24 * weekday(t) + (t.rem_euclid(DAY) / 3600) as usize
}

/// `"Fri 23h"` for bin 143.
pub fn bin_label(bin: usize) -> String {
    format!("{} {:02}h", DAY_NAMES[(bin / 24) % 7], bin % 24)
}

/// Parses a day name (`sun`, `Monday`, `thu`, …; case-insensitive, 2+ letters) to 0..7.
pub fn parse_day(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() < 2 {
        return None;
    }
    const FULL: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let hits: Vec<usize> = (0..7).filter(|&d| FULL[d].starts_with(&s)).collect();
    (hits.len() == 1).then(|| hits[0])
}

/// An occurrence window `[from, to)` on the local clock (seconds since 1970).
///
/// Situational prevention acts on a place *at a time* — lighting after dark,
/// transport at closing time on Friday and Saturday nights. Many property crimes
/// are only known to have happened inside a window ("left the car at 18:00, found
/// it broken into at 07:30"); aoristic analysis (Ratcliffe 2002, [`week_weights`](crate::week_weights))
/// spreads each incident's unit probability evenly over its window. Conventions
/// (local clock, minute resolution, bin numbering): see [the crate docs](crate#when).
///
/// `to == from` is an exact time. Construct with [`Window::new`] (which refuses
/// `to < from`), [`Window::exact`] or [`Window::from_times`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    from: i64,
    to: i64,
}

impl Window {
    /// An exact time.
    pub fn exact(t: i64) -> Window {
        Window { from: t, to: t }
    }

    /// A window; `to` before `from` is an error.
    pub fn new(from: i64, to: i64) -> Result<Window> {
        if to < from {
            return Err(Error::invalid_param(
                "to",
                crate::time::format(to, TimePrecision::Second),
                format!(
                    "the window ends before it starts (from {})",
                    crate::time::format(from, TimePrecision::Second)
                ),
            ));
        }
        Ok(Window { from, to })
    }

    /// A window from two recorded times and their precision. A time coarser than a
    /// minute stands for its whole unit (see [the crate docs](crate#time)): a date-only `to`
    /// means "by the end of that day", so `to` moves to the end of its day (hour,
    /// month, year) — `2016-05-03` to `2016-05-05` is three whole days, and an exact
    /// date-only time becomes the whole day. Minute and second times are kept.
    pub fn from_times(from: i64, to: Option<i64>, precision: TimePrecision) -> Result<Window> {
        let to = to.unwrap_or(from);
        if to < from {
            return Window::new(from, to);
        }
        let end = match precision {
            TimePrecision::Second | TimePrecision::Minute => to,
            TimePrecision::Hour | TimePrecision::Day => {
                let u = precision.seconds();
                to.div_euclid(u) * u + u
            }
            TimePrecision::Month => {
                let (y, m, _) = crate::time::civil_from_days(to.div_euclid(DAY));
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                crate::time::days_from_civil(ny, nm, 1) * DAY
            }
            TimePrecision::Year => {
                let (y, _, _) = crate::time::civil_from_days(to.div_euclid(DAY));
                crate::time::days_from_civil(y + 1, 1, 1) * DAY
            }
        };
        Ok(Window { from, to: end })
    }

    /// Start (local clock seconds).
    pub fn from(&self) -> i64 {
        self.from
    }

    /// End (local clock seconds).
    pub fn to(&self) -> i64 {
        self.to
    }

    /// Whether `to == from`.
    pub fn is_exact(&self) -> bool {
        self.to == self.from
    }

    /// Length in seconds.
    pub fn seconds(&self) -> i64 {
        self.to - self.from
    }

    /// The aoristic duration `D`: whole minutes, rounded down (the package's
    /// `duration`; seconds are otherwise ignored).
    pub fn minutes(&self) -> i64 {
        (self.to - self.from).div_euclid(60)
    }

    /// The start truncated to its minute: the aoristic window is
    /// `[start_minute, start_minute + 60·D)`.
    pub fn start_minute(&self) -> i64 {
        self.from.div_euclid(60) * 60
    }

    /// The aoristic span `[start_minute, start_minute + 60·D)` in seconds; for
    /// `D ≤ 1` the first minute `[start_minute, start_minute + 60)`.
    pub fn span(&self) -> (i64, i64) {
        let a = self.start_minute();
        (a, a + 60 * self.minutes().max(1))
    }

    /// Midpoint `from + (to − from) / 2` (rounded down).
    pub fn midpoint(&self) -> i64 {
        self.from + (self.to - self.from).div_euclid(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_fields;

    #[test]
    fn hour_of_week_matches_package_numbering() {
        // 2024-03-03 was a Sunday, 2024-03-09 a Saturday
        assert_eq!(hour_of_week(from_fields(2024, 3, 3, 0, 0, 0).unwrap()), 0);
        assert_eq!(
            hour_of_week(from_fields(2024, 3, 9, 23, 59, 59).unwrap()),
            167
        );
        assert_eq!(hour_of_week(from_fields(2024, 3, 4, 0, 30, 0).unwrap()), 24);
        assert_eq!(hour_of_week(-1), hour_of_week(6 * DAY + 23 * 3600));
        assert_eq!(bin_label(143), "Fri 23h");
        assert_eq!(bin_label(0), "Sun 00h");
    }

    #[test]
    fn parse_day_prefixes() {
        assert_eq!(parse_day("fri"), Some(5));
        assert_eq!(parse_day("Saturday"), Some(6));
        assert_eq!(parse_day("su"), Some(0));
        assert_eq!(parse_day("t"), None);
        assert_eq!(parse_day("th"), Some(4));
        assert_eq!(parse_day("xyz"), None);
    }

    #[test]
    fn window_from_times_widens_coarse_precision() {
        let d3 = from_fields(2016, 5, 3, 0, 0, 0).unwrap();
        let d5 = from_fields(2016, 5, 5, 0, 0, 0).unwrap();
        let w = Window::from_times(d3, Some(d5), TimePrecision::Day).unwrap();
        assert_eq!(w.seconds(), 3 * DAY);
        let w = Window::from_times(d3, None, TimePrecision::Day).unwrap();
        assert_eq!((w.from(), w.to()), (d3, d3 + DAY));
        let w = Window::from_times(d3 + 600, Some(d3 + 900), TimePrecision::Minute).unwrap();
        assert_eq!(w.minutes(), 5);
        let w = Window::from_times(d3, None, TimePrecision::Month).unwrap();
        assert_eq!(w.to(), from_fields(2016, 6, 1, 0, 0, 0).unwrap());
        let w = Window::from_times(d3 + 3600 * 10, None, TimePrecision::Hour).unwrap();
        assert_eq!(w.seconds(), 3600);
        assert!(Window::from_times(d5, Some(d3), TimePrecision::Day).is_err());
        assert!(Window::new(5, 4).is_err());
    }

    #[test]
    fn window_minutes_floor_and_start_minute() {
        // Q6: 10:00:30 -> 10:02:00 is one whole minute, starting at 10:00
        let a = from_fields(2024, 1, 1, 10, 0, 30).unwrap();
        let w = Window::new(a, a + 90).unwrap();
        assert_eq!(w.minutes(), 1);
        assert_eq!(w.start_minute(), a - 30);
        assert_eq!(w.span(), (a - 30, a + 30));
        assert_eq!(Window::exact(a).midpoint(), a);
        assert_eq!(Window::new(a, a + 7).unwrap().midpoint(), a + 3);
    }

    #[test]
    fn window_new_typed_error_names_the_end() {
        let e = Window::new(3600, 0).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "to", .. }));
        assert!(
            e.to_string().contains("window ends before it starts"),
            "{e}"
        );
    }
}
