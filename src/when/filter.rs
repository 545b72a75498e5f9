//! Time filters: keep the incidents that happened in given clock hours, on given
//! days of the week, or at night.

use serde::{Deserialize, Serialize};

use super::aoristic::{csum, week_weights};
use super::night::SunCalendar;
use super::{hour_of_week, parse_day, AoristicRule, Window, DAY_NAMES, WEEK_BINS};
use crate::error::{Error, Result};

/// Share of a window that must fall in the selected time for the incident to be kept.
pub const KEEP_SHARE: f64 = 0.5;

/// A time filter. The default keeps everything.
///
/// # Rule
/// An incident is kept when at least **half** of its aoristic span falls in the
/// selected time: `share ≥ 0.5`. For an exact time the share is 1
/// or 0 (is the moment selected?); for a window it is the minute-exact share of
/// `[from, from + D minutes)` ([`Window::span`]) that satisfies every condition —
/// the clock hour is in `hours`, the clock day is in `days`, and (with `night`)
/// the sun is below the threshold at that place and moment. Windows of any length
/// use the minute rule ([`AoristicRule::Minute`](crate::AoristicRule::Minute)).
///
/// * `hours A-B`: clock hours `[A:00, B:00)`, wrapping past midnight when `B ≤ A`:
///   `22-04` is 22:00–03:59, `9-17` is 09:00–16:59, `0-24` the whole day; a single
///   hour `22` is 22:00–22:59.
/// * `days`: names or ranges, `fri,sat`, `mon-fri`, `sat-sun` (wrapping). A day is the
///   **clock** day of each minute: 01:00 on Saturday is Saturday, not Friday night
///   (combine `days fri,sat` with `hours 20-24`, or use the weekend-night share of a
///   place's [temporal signature](crate::TemporalSignature)).
///
/// # Examples
/// ```
/// use crimescape::{time_from_fields as from_fields, TimeFilter, Window};
/// let f = TimeFilter::new().with_hours("22-04").unwrap().with_days("fri,sat").unwrap();
/// let fri = from_fields(2024, 3, 8, 23, 15, 0).unwrap(); // a Friday
/// assert!(f.keeps(&Window::exact(fri), None).unwrap());
/// // Friday 21:00 -> 01:00: 21-22 out, 22-24 Friday in, 00-01 Saturday in: 3/4 kept
/// let a = from_fields(2024, 3, 8, 21, 0, 0).unwrap();
/// let w = Window::new(a, a + 4 * 3600).unwrap();
/// assert_eq!(f.share(&w, None).unwrap(), 0.75);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeFilter {
    /// Clock hours `[start, end)`, wrapping when `end ≤ start`; `None` = all hours.
    pub hours: Option<(u8, u8)>,
    /// Selected days (Sunday first); `None` = all days.
    pub days: Option<[bool; 7]>,
    /// Only night-time (sun below the threshold).
    pub night: bool,
}

impl TimeFilter {
    /// A filter that keeps everything.
    pub fn new() -> TimeFilter {
        TimeFilter::default()
    }

    /// Restricts to clock hours: `22-04`, `9-17`, `0-24`, `22`.
    pub fn with_hours(mut self, spec: &str) -> Result<TimeFilter> {
        self.hours = Some(parse_hours(spec)?);
        Ok(self)
    }

    /// Restricts to days: `fri,sat`, `mon-fri`, `sat-sun`.
    pub fn with_days(mut self, spec: &str) -> Result<TimeFilter> {
        self.days = Some(parse_days(spec)?);
        Ok(self)
    }

    /// Restricts to night-time.
    pub fn with_night(mut self, night: bool) -> TimeFilter {
        self.night = night;
        self
    }

    /// Whether the filter keeps everything.
    pub fn is_all(&self) -> bool {
        self.hours.is_none() && self.days.is_none() && !self.night
    }

    /// Whether the filter needs sun times ([`TimeFilter::night`]).
    pub fn needs_sun(&self) -> bool {
        self.night
    }

    /// Which hour-of-week bins the hour and day conditions select.
    pub fn bins(&self) -> [bool; WEEK_BINS] {
        let mut out = [true; WEEK_BINS];
        for (b, o) in out.iter_mut().enumerate() {
            let (d, h) = (b / 24, (b % 24) as u8);
            let hour_ok = match self.hours {
                None => true,
                Some((s, e)) if s < e => h >= s && h < e,
                Some((s, e)) => h >= s || h < e,
            };
            let day_ok = self.days.is_none_or(|days| days[d]);
            *o = hour_ok && day_ok;
        }
        out
    }

    /// The share of a window's aoristic span in the selected time ([`TimeFilter`]).
    /// `sun` is required when the filter selects night-time.
    pub fn share(&self, w: &Window, sun: Option<&SunCalendar>) -> Result<f64> {
        let bins = self.bins();
        if !self.night {
            let wt = week_weights(w, AoristicRule::Minute);
            return Ok(csum((0..WEEK_BINS).filter(|&b| bins[b]).map(|b| wt[b])));
        }
        let Some(sun) = sun else {
            return Err(Error::missing_param("time_zone", "night", ""));
        };
        if w.minutes() <= 1 {
            let t = w.from();
            return Ok(if bins[hour_of_week(t)] && sun.is_night(t) {
                1.0
            } else {
                0.0
            });
        }
        let (a, b) = w.span();
        let nights = sun.night_intervals(a, b);
        let mut selected = 0i64;
        let mut k = 0;
        let mut t = a;
        while t < b {
            let stop = b.min((t.div_euclid(3600) + 1) * 3600);
            if bins[hour_of_week(t)] {
                while k < nights.len() && nights[k].1 <= t {
                    k += 1;
                }
                let mut j = k;
                while j < nights.len() && nights[j].0 < stop {
                    selected += nights[j].1.min(stop) - nights[j].0.max(t);
                    j += 1;
                }
            }
            t = stop;
        }
        Ok(selected as f64 / (b - a) as f64)
    }

    /// Whether the filter keeps a window: `share ≥ 0.5`.
    pub fn keeps(&self, w: &Window, sun: Option<&SunCalendar>) -> Result<bool> {
        if self.is_all() {
            return Ok(true);
        }
        Ok(self.share(w, sun)? >= KEEP_SHARE)
    }

    /// A short description for reports: `hours 22-04, days Fri+Sat, night`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((s, e)) = self.hours {
            parts.push(format!("hours {s:02}-{e:02}"));
        }
        if let Some(days) = self.days {
            let names: Vec<&str> = (0..7).filter(|&d| days[d]).map(|d| DAY_NAMES[d]).collect();
            parts.push(format!("days {}", names.join("+")));
        }
        if self.night {
            parts.push("night".into());
        }
        if parts.is_empty() {
            "all times".into()
        } else {
            parts.join(", ")
        }
    }
}

fn parse_hours(spec: &str) -> Result<(u8, u8)> {
    let bad = |why: &str| {
        Error::invalid_param(
            "time_filter_hours",
            spec,
            format!("{why} (write A-B in whole clock hours, e.g. 22-04 or 9-17)"),
        )
    };
    let num = |s: &str| -> Result<u8> {
        let s = s.trim();
        let s = s.strip_suffix(":00").unwrap_or(s);
        s.parse::<u8>()
            .ok()
            .filter(|h| *h <= 24)
            .ok_or_else(|| bad("hours are whole numbers 0..24"))
    };
    let (s, e) = match spec.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let h = num(spec)?;
            (h, h + 1)
        }
    };
    if s == 24 {
        return Err(bad("a range cannot start at 24"));
    }
    if s == e {
        return Err(bad("an empty range; 0-24 is the whole day"));
    }
    Ok((s, if e == 24 && s == 0 { 24 } else { e % 24 }))
}

/// Parses a day list: names or ranges, `fri,sat`, `mon-fri`, `sat-sun` (wrapping);
/// Sunday first.
pub fn parse_days(spec: &str) -> Result<[bool; 7]> {
    let mut out = [false; 7];
    let day = |s: &str| {
        parse_day(s).ok_or_else(|| {
            Error::invalid_param(
                "time_filter_days",
                spec,
                format!("unknown day {s:?} (use mon, tue, wed, thu, fri, sat, sun)"),
            )
        })
    };
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    out[d] = true;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out[day(part)?] = true,
        }
    }
    if !out.iter().any(|&d| d) {
        return Err(Error::invalid_param(
            "time_filter_days",
            spec,
            "no day given",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{from_fields, DAY};
    use crate::when::{SunParams, TimeZone};

    fn t(d: u32, h: u32, m: u32) -> i64 {
        // March 2024: the 3rd is a Sunday, the 8th a Friday
        from_fields(2024, 3, d, h, m, 0).unwrap()
    }

    #[test]
    fn parse_hours_forms() {
        assert_eq!(parse_hours("22-04").unwrap(), (22, 4));
        assert_eq!(parse_hours("9-17").unwrap(), (9, 17));
        assert_eq!(parse_hours("0-24").unwrap(), (0, 24));
        assert_eq!(parse_hours("20-24").unwrap(), (20, 0));
        assert_eq!(parse_hours("22").unwrap(), (22, 23));
        assert_eq!(parse_hours("23").unwrap(), (23, 0));
        assert_eq!(parse_hours("22:00-04:00").unwrap(), (22, 4));
        for bad in ["", "5-5", "25-3", "a-b", "24-2", "-3"] {
            assert!(parse_hours(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parse_days_forms() {
        let d = parse_days("fri,sat").unwrap();
        assert_eq!(d, [false, false, false, false, false, true, true]);
        let d = parse_days("mon-fri").unwrap();
        assert_eq!(d, [false, true, true, true, true, true, false]);
        let d = parse_days("sat-sun").unwrap();
        assert_eq!(d, [true, false, false, false, false, false, true]);
        assert!(parse_days("funday").is_err());
        assert!(parse_days(",").is_err());
    }

    #[test]
    fn bins_hours_wrap_midnight() {
        let f = TimeFilter::new().with_hours("22-04").unwrap();
        let b = f.bins();
        assert!(b[22] && b[23] && b[24] && b[27] && !b[28] && !b[21]);
        assert_eq!(b.iter().filter(|x| **x).count(), 6 * 7);
        let all = TimeFilter::new().with_hours("0-24").unwrap();
        assert!(all.bins().iter().all(|x| *x));
    }

    #[test]
    fn keeps_half_share_rule() {
        let f = TimeFilter::new().with_hours("22-04").unwrap();
        // exact times
        assert!(f.keeps(&Window::exact(t(6, 23, 59)), None).unwrap());
        assert!(!f.keeps(&Window::exact(t(6, 4, 0)), None).unwrap());
        // 20:00 -> 00:00: half in 22-24 -> kept (share exactly 0.5)
        let w = Window::new(t(6, 20, 0), t(7, 0, 0)).unwrap();
        assert_eq!(f.share(&w, None).unwrap(), 0.5);
        assert!(f.keeps(&w, None).unwrap());
        // 19:59 -> 00:00: 120 of 241 minutes, a minute short of half
        let w = Window::new(t(6, 19, 59), t(7, 0, 0)).unwrap();
        assert!(!f.keeps(&w, None).unwrap());
        // days: a window over the week end (Sat 22:00 -> Sun 02:00) with days sat
        let f = TimeFilter::new().with_days("sat").unwrap();
        let w = Window::new(t(9, 22, 0), t(10, 2, 0)).unwrap();
        assert_eq!(f.share(&w, None).unwrap(), 0.5);
        assert!(TimeFilter::new().keeps(&w, None).unwrap());
        assert_eq!(
            TimeFilter::new()
                .with_hours("22-04")
                .unwrap()
                .with_days("fri,sat")
                .unwrap()
                .with_night(true)
                .describe(),
            "hours 22-04, days Fri+Sat, night"
        );
    }

    #[test]
    fn night_share_with_sun() {
        let tz = TimeZone::parse("America/Chicago").unwrap();
        let d0 = crate::time::days_from_civil(2024, 3, 1);
        let cal = SunCalendar::new(41.88, -87.63, tz, SunParams::default(), d0, d0 + 30).unwrap();
        let f = TimeFilter::new().with_night(true);
        assert!(f.share(&Window::exact(t(6, 2, 0)), None).is_err());
        assert!(f.keeps(&Window::exact(t(6, 2, 0)), Some(&cal)).unwrap());
        assert!(!f.keeps(&Window::exact(t(6, 13, 0)), Some(&cal)).unwrap());
        // 18:00 -> 06:00 in early March: all night except the minutes after 18:00
        // before sunset (~17:45 CST) and after sunrise (~06:20): ~100 % night
        let w = Window::new(t(6, 18, 0), t(7, 6, 0)).unwrap();
        let s = f.share(&w, Some(&cal)).unwrap();
        assert!(s > 0.99, "{s}");
        // the hour-chunk computation equals the plain night share without hour/day limits
        let w = Window::new(t(6, 10, 17), t(8, 3, 41)).unwrap();
        assert!((f.share(&w, Some(&cal)).unwrap() - cal.night_share(&w)).abs() < 1e-12);
        // hours and night together: 22-04 at night equals the 22-04 share for a night window
        let g = TimeFilter::new()
            .with_hours("22-04")
            .unwrap()
            .with_night(true);
        let w = Window::new(t(6, 20, 0), t(7, 2, 0)).unwrap();
        assert!((g.share(&w, Some(&cal)).unwrap() - 4.0 / 6.0).abs() < 1e-12);
        // a two-week window: about half night in March
        let w = Window::new(t(1, 0, 0), t(1, 0, 0) + 14 * DAY).unwrap();
        let s = f.share(&w, Some(&cal)).unwrap();
        assert!(s > 0.45 && s < 0.55, "{s}");
    }

    #[test]
    fn time_filter_typed_errors_name_the_field() {
        for (spec, f) in [("25-3", "hours"), ("22-22", "hours")] {
            let e = TimeFilter::new().with_hours(spec).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidParam { param: "time_filter_hours", value, .. } if value == spec),
                "{f}: {e}"
            );
        }
        for spec in ["fri,fry", ","] {
            let e = TimeFilter::new().with_days(spec).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidParam { param: "time_filter_days", value, .. } if value == spec),
                "{e}"
            );
        }
        let w = Window::new(0, 3600).unwrap();
        let e = TimeFilter::new()
            .with_night(true)
            .share(&w, None)
            .unwrap_err();
        assert!(matches!(
            e,
            Error::MissingParam {
                param: "time_zone",
                needed_by: "night",
                ..
            }
        ));
    }
}
