//! Timestamps as police exports write them, and their precision.
//!
//! Times are kept as **local clock time**: seconds since 1970-01-01 00:00:00 of
//! the clock as written, with no time-zone conversion. A UTC offset or `Z` suffix
//! is parsed and then ignored, because police exports often carry a spurious `Z`
//! on local times; the wall-clock value is what analysts mean. Day differences
//! are therefore exact calendar-day differences of the local clock.
//!
//! Each parsed time records its [`TimePrecision`]: the finest unit the text
//! actually gave. A date-only `2016-05-03` is [`TimePrecision::Day`] and stands
//! for the whole day starting at 00:00; `2016-05` is [`TimePrecision::Month`].
//! Analyses that compare times (near-repeat, chains) use the precision to avoid
//! spurious "same time" pairs.

use serde::{Deserialize, Serialize};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The finest unit a timestamp gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimePrecision {
    /// Seconds were given.
    Second,
    /// Hour and minute were given.
    Minute,
    /// Only the hour was given.
    Hour,
    /// Only the date.
    Day,
    /// Only year and month.
    Month,
    /// Only the year.
    Year,
}

impl TimePrecision {
    /// Length in seconds of the interval a time of this precision stands for
    /// (months and years use 30 and 365 days; they are only used for warnings).
    pub fn seconds(self) -> i64 {
        match self {
            TimePrecision::Second => 1,
            TimePrecision::Minute => 60,
            TimePrecision::Hour => 3_600,
            TimePrecision::Day => DAY,
            TimePrecision::Month => 30 * DAY,
            TimePrecision::Year => 365 * DAY,
        }
    }

    /// Lower-case name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            TimePrecision::Second => "second",
            TimePrecision::Minute => "minute",
            TimePrecision::Hour => "hour",
            TimePrecision::Day => "day",
            TimePrecision::Month => "month",
            TimePrecision::Year => "year",
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
        _ => 0,
    }
}

/// Seconds since the epoch (local clock) from calendar fields, validating ranges.
pub fn from_fields(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    Some(days_from_civil(y, mo, d) * DAY + h as i64 * 3600 + mi as i64 * 60 + s.min(59) as i64)
}

/// Formats local-clock seconds as `YYYY-MM-DD HH:MM:SS`, shortened to the given precision.
pub fn format(secs: i64, precision: TimePrecision) -> String {
    let days = secs.div_euclid(DAY);
    let rem = secs.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    match precision {
        TimePrecision::Year => format!("{y:04}"),
        TimePrecision::Month => format!("{y:04}-{m:02}"),
        TimePrecision::Day => format!("{y:04}-{m:02}-{d:02}"),
        TimePrecision::Hour => format!("{y:04}-{m:02}-{d:02} {h:02}:00"),
        TimePrecision::Minute => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}"),
        TimePrecision::Second => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
    }
}

/// Parses an ISO date `YYYY-MM-DD` (or `YYYY-MM`) into seconds; for building parameters.
pub fn parse_date(s: &str) -> Option<i64> {
    parse(s).map(|(t, _)| t)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            v = v * 10 + (self.b[self.i] - b'0') as u32;
            self.i += 1;
        }
        if self.i - start < min {
            None
        } else {
            Some(v)
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.i < self.b.len() && self.b[self.i] == c {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn skip_spaces(&mut self) {
        while self.i < self.b.len() && self.b[self.i] == b' ' {
            self.i += 1;
        }
    }
}

/// Parses the time-of-day part after the date: `HH[:MM[:SS[.fff]]] [AM|PM]` plus an
/// optional offset, which is ignored (see module docs). Returns (h, m, s, precision).
fn parse_clock(c: &mut Cursor<'_>, allow_ampm: bool) -> Option<(u32, u32, u32, TimePrecision)> {
    let mut h = c.digits(1, 2)?;
    let mut mi = 0;
    let mut s = 0;
    let mut prec = TimePrecision::Hour;
    if c.eat(b':') {
        mi = c.digits(2, 2)?;
        prec = TimePrecision::Minute;
        if c.eat(b':') {
            s = c.digits(2, 2)?;
            prec = TimePrecision::Second;
            if c.eat(b'.') || c.eat(b',') {
                c.digits(1, 9)?;
            }
        }
    } else if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        // compact HHMM[SS]
        mi = c.digits(2, 2)?;
        prec = TimePrecision::Minute;
        if let Some(v) = c.digits(2, 2) {
            s = v;
            prec = TimePrecision::Second;
        }
    }
    c.skip_spaces();
    if allow_ampm {
        let rest = &c.b[c.i..];
        let ampm = if rest.len() >= 2 {
            match [rest[0].to_ascii_uppercase(), rest[1].to_ascii_uppercase()] {
                [b'A', b'M'] => Some(false),
                [b'P', b'M'] => Some(true),
                _ => None,
            }
        } else {
            None
        };
        if let Some(pm) = ampm {
            if h == 0 || h > 12 {
                return None;
            }
            if pm && h != 12 {
                h += 12;
            } else if !pm && h == 12 {
                h = 0;
            }
            c.i += 2;
            c.skip_spaces();
        }
    }
    // optional offset / Z, ignored
    if c.eat(b'Z') || c.eat(b'z') {
    } else if c.peek() == Some(b'+') || c.peek() == Some(b'-') {
        c.i += 1;
        c.digits(2, 2)?;
        if c.eat(b':') {
            c.digits(2, 2)?;
        } else {
            let _ = c.digits(2, 2);
        }
    }
    c.skip_spaces();
    Some((h, mi, s, prec))
}

/// The order of the two leading fields of a numeric date such as `01/02/2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// `MM/DD/YYYY` (US police portals).
    MonthFirst,
    /// `DD/MM/YYYY` (most of the world).
    DayFirst,
}

impl DateOrder {
    /// Name used in reports: `month-first (MM/DD/YYYY)` or `day-first (DD/MM/YYYY)`.
    pub fn name(self) -> &'static str {
        match self {
            DateOrder::MonthFirst => "month-first (MM/DD/YYYY)",
            DateOrder::DayFirst => "day-first (DD/MM/YYYY)",
        }
    }
}

/// Parses the timestamp forms found in police exports. Returns local-clock seconds
/// since 1970-01-01 and the precision the text gave, or `None`.
///
/// Accepted forms (surrounding spaces and quotes ignored):
/// * ISO 8601: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH[:MM]]`, a space
///   instead of `T`, `YYYY/MM/DD ...`, `YYYYMMDD`, and `YYYY-MM` (month precision);
/// * numeric dates with the year last, read **month-first**: `MM/DD/YYYY`,
///   `MM/DD/YYYY HH:MM[:SS] [AM|PM]` (also one-digit month/day/hour, and `.` or `-`
///   instead of `/`).
///
/// Day-first dates need `parse_ordered`; the loaders decide the order from the
/// whole column (`DateOrderVote`). Anything else needs an explicit format, see
/// `parse_with_format`.
pub fn parse(text: &str) -> Option<(i64, TimePrecision)> {
    parse_ordered(text, DateOrder::MonthFirst)
}

/// The two leading fields and the separator of a numeric date with the year last
/// (`a/b/YYYY`, `a.b.YYYY`, `a-b-YYYY`, one or two digits each), or `None` for any
/// other form. These are the dates whose order ([`DateOrder`]) is in question.
pub fn numeric_date_fields(text: &str) -> Option<(u32, u32, u8)> {
    let t = text.trim().trim_matches('"').trim();
    let mut c = Cursor {
        b: t.as_bytes(),
        i: 0,
    };
    let a = c.digits(1, 2)?;
    let sep = c.peek().filter(|s| matches!(s, b'/' | b'.' | b'-'))?;
    c.i += 1;
    let b = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    c.digits(4, 4)?;
    if c.peek().is_some_and(|x| x.is_ascii_digit()) {
        return None;
    }
    Some((a, b, sep))
}

/// As [`parse`], reading numeric dates with the year last (`a/b/YYYY`) in the given
/// order.
pub fn parse_ordered(text: &str, order: DateOrder) -> Option<(i64, TimePrecision)> {
    let t = text.trim().trim_matches('"').trim();
    let b = t.as_bytes();
    if b.len() < 6 {
        return None;
    }
    let mut c = Cursor { b, i: 0 };
    let first = c.digits(1, 4)?;
    let (y, mo, d, date_prec);
    if c.i == 4 && (c.peek() == Some(b'-') || c.peek() == Some(b'/')) {
        let sep = c.peek()?;
        c.i += 1;
        y = first as i64;
        mo = c.digits(1, 2)?;
        if c.eat(sep) {
            d = c.digits(1, 2)?;
            date_prec = TimePrecision::Day;
        } else {
            d = 1;
            date_prec = TimePrecision::Month;
        }
    } else if c.i == 4 && c.peek().is_some_and(|x| x.is_ascii_digit()) {
        // YYYYMMDD
        y = first as i64;
        mo = c.digits(2, 2)?;
        d = c.digits(2, 2)?;
        date_prec = TimePrecision::Day;
    } else if c.i <= 2 && matches!(c.peek(), Some(b'/' | b'.' | b'-')) {
        // numeric date, year last: MM/DD/YYYY or DD/MM/YYYY
        let sep = c.peek()?;
        c.i += 1;
        let second = c.digits(1, 2)?;
        if !c.eat(sep) {
            return None;
        }
        let yy = c.digits(4, 4)?;
        y = yy as i64;
        (mo, d) = match order {
            DateOrder::MonthFirst => (first, second),
            DateOrder::DayFirst => (second, first),
        };
        date_prec = TimePrecision::Day;
    } else {
        return None;
    }
    if c.done() {
        let secs = from_fields(y, mo, d, 0, 0, 0)?;
        return Some((secs, date_prec));
    }
    if date_prec == TimePrecision::Month {
        return None;
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    c.skip_spaces();
    let (h, mi, s, prec) = parse_clock(&mut c, true)?;
    if !c.done() {
        return None;
    }
    let secs = from_fields(y, mo, d, h, mi, s)?;
    Some((secs, prec))
}

/// How the order of numeric dates (`a/b/YYYY`) was decided for a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOrderChoice {
    /// The order used.
    pub order: DateOrder,
    /// No value decided it (every leading field was <= 12): the order is a default
    /// (month-first for `/` and `-`, day-first for `.`), and a custom time format
    /// should be given if it is wrong.
    pub ambiguous: bool,
    /// Values of the column in this form.
    pub dates: u64,
    /// The value that decided it, or why it is a default.
    pub evidence: String,
}

impl DateOrderChoice {
    /// One sentence for reports.
    pub fn describe(&self) -> String {
        if self.ambiguous {
            format!(
                "dates read {}: AMBIGUOUS, no first or second field above 12 in {} date(s) ({}); give the time format (`time_format`) if this is wrong",
                self.order.name(),
                self.dates,
                self.evidence
            )
        } else {
            format!(
                "dates read {} ({} date(s); {})",
                self.order.name(),
                self.dates,
                self.evidence
            )
        }
    }
}

/// Evidence from a whole column for the order of its numeric dates: a first field
/// above 12 means day-first, a second field above 12 means month-first; both in one
/// column is a contradiction; neither leaves the order ambiguous.
#[derive(Debug, Clone, Default)]
pub struct DateOrderVote {
    dates: u64,
    dotted: u64,
    day_first: Option<(u64, String)>,
    month_first: Option<(u64, String)>,
}

impl DateOrderVote {
    /// Looks at the value of `row`; returns whether it is a numeric date with the year
    /// last (whose reading depends on the decision).
    pub fn observe(&mut self, row: u64, text: &str) -> bool {
        let Some((a, b, sep)) = numeric_date_fields(text) else {
            return false;
        };
        // a value that is a date in neither order (`31/31/2019`, `0/5/2019`) is no
        // evidence; it is still read (and found unreadable) in the decided order
        let valid = |m: u32, d: u32| (1..=12).contains(&m) && (1..=31).contains(&d);
        if !valid(a, b) && !valid(b, a) {
            return true;
        }
        self.dates += 1;
        if sep == b'.' {
            self.dotted += 1;
        }
        if a > 12 && b <= 12 && self.day_first.is_none() {
            self.day_first = Some((row, text.trim().to_string()));
        }
        if b > 12 && a <= 12 && self.month_first.is_none() {
            self.month_first = Some((row, text.trim().to_string()));
        }
        true
    }

    /// The decision: `Ok(None)` when the column has no numeric date, an error
    /// message when both orders are attested.
    pub fn decide(&self) -> std::result::Result<Option<DateOrderChoice>, String> {
        if self.dates == 0 {
            return Ok(None);
        }
        match (&self.day_first, &self.month_first) {
            (Some((r1, v1)), Some((r2, v2))) => Err(format!(
                "the dates mix two orders: row {r1} ({v1:?}) can only be day-first, row {r2} ({v2:?}) only month-first"
            )),
            (Some((r, v)), None) => Ok(Some(DateOrderChoice {
                order: DateOrder::DayFirst,
                ambiguous: false,
                dates: self.dates,
                evidence: format!("row {r}: {v:?} has a first field above 12"),
            })),
            (None, Some((r, v))) => Ok(Some(DateOrderChoice {
                order: DateOrder::MonthFirst,
                ambiguous: false,
                dates: self.dates,
                evidence: format!("row {r}: {v:?} has a second field above 12"),
            })),
            (None, None) => {
                let dotted = self.dotted * 2 > self.dates;
                Ok(Some(DateOrderChoice {
                    order: if dotted {
                        DateOrder::DayFirst
                    } else {
                        DateOrder::MonthFirst
                    },
                    ambiguous: true,
                    dates: self.dates,
                    evidence: if dotted {
                        "dotted dates default to day-first".into()
                    } else {
                        "slashed dates default to month-first, as US police portals write them"
                            .into()
                    },
                }))
            }
        }
    }
}

/// Parses with a user-given `strftime` format (chrono syntax, e.g. `%d.%m.%Y %H:%M`).
/// The precision is read off the format: `%S`/`%T` seconds, `%M`/`%R` minutes,
/// `%H`/`%I` hours, `%d`/`%e`/`%j` days, otherwise months.
pub fn parse_with_format(text: &str, fmt: &str) -> Option<(i64, TimePrecision)> {
    use chrono::{NaiveDate, NaiveDateTime};
    let t = text.trim();
    let prec = format_precision(fmt);
    let dt = match prec {
        TimePrecision::Day | TimePrecision::Month | TimePrecision::Year => {
            if prec == TimePrecision::Day {
                NaiveDate::parse_from_str(t, fmt)
                    .ok()?
                    .and_hms_opt(0, 0, 0)?
            } else {
                // chrono needs a day: append one
                let f2 = format!("{fmt} %d");
                let t2 = format!("{t} 01");
                NaiveDate::parse_from_str(&t2, &f2)
                    .ok()?
                    .and_hms_opt(0, 0, 0)?
            }
        }
        _ => NaiveDateTime::parse_from_str(t, fmt).ok()?,
    };
    let secs = dt.and_utc().timestamp();
    Some((secs, prec))
}

/// The precision a chrono format string gives.
pub fn format_precision(fmt: &str) -> TimePrecision {
    let has = |s: &str| fmt.contains(s);
    if has("%S") || has("%T") || has("%s") || has("%+") || has("%c") {
        TimePrecision::Second
    } else if has("%M") || has("%R") {
        TimePrecision::Minute
    } else if has("%H") || has("%I") || has("%k") || has("%l") {
        TimePrecision::Hour
    } else if has("%d") || has("%e") || has("%j") || has("%F") || has("%D") || has("%x") {
        TimePrecision::Day
    } else if has("%m") || has("%b") || has("%B") {
        TimePrecision::Month
    } else {
        TimePrecision::Year
    }
}

/// Combines split date/time columns (as police exports like Vancouver's have them).
/// `year` and `month` are required; missing day/hour/minute lower the precision.
pub fn from_split(
    year: &str,
    month: &str,
    day: Option<&str>,
    hour: Option<&str>,
    minute: Option<&str>,
) -> Option<(i64, TimePrecision)> {
    let num = |s: &str| -> Option<Option<u32>> {
        let s = s.trim();
        if s.is_empty() {
            return Some(None);
        }
        // accept "7", "07", "7.0"
        let v: f64 = s.parse().ok()?;
        if v < 0.0 || v.fract() != 0.0 || v > 10_000.0 {
            return None;
        }
        Some(Some(v as u32))
    };
    let y = num(year)??;
    let mo = num(month)??;
    let d = match day {
        Some(s) => num(s)?,
        None => None,
    };
    let h = match hour {
        Some(s) => num(s)?,
        None => None,
    };
    let mi = match minute {
        Some(s) => num(s)?,
        None => None,
    };
    let (prec, d, h, mi) = match (d, h, mi) {
        (None, _, _) => (TimePrecision::Month, 1, 0, 0),
        (Some(d), None, _) => (TimePrecision::Day, d, 0, 0),
        (Some(d), Some(h), None) => (TimePrecision::Hour, d, h, 0),
        (Some(d), Some(h), Some(m)) => (TimePrecision::Minute, d, h, m),
    };
    let secs = from_fields(y as i64, mo, d, h, mi, 0)?;
    Some((secs, prec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (String, TimePrecision) {
        let (t, pr) = parse(s).unwrap_or_else(|| panic!("no parse: {s}"));
        (format(t, TimePrecision::Second), pr)
    }

    #[test]
    fn parse_iso_date_only() {
        assert_eq!(
            p("2016-01-01"),
            ("2016-01-01 00:00:00".into(), TimePrecision::Day)
        );
        assert_eq!(
            p("2015-12-31"),
            ("2015-12-31 00:00:00".into(), TimePrecision::Day)
        );
    }

    #[test]
    fn parse_iso_with_time_and_offsets() {
        assert_eq!(
            p("2010-01-01 00:05"),
            ("2010-01-01 00:05:00".into(), TimePrecision::Minute)
        );
        assert_eq!(
            p("2019-01-01 01:30:00"),
            ("2019-01-01 01:30:00".into(), TimePrecision::Second)
        );
        assert_eq!(p("2019-01-01T01:30:00Z").0, "2019-01-01 01:30:00");
        assert_eq!(p("2019-01-01T01:30:00+05:30").0, "2019-01-01 01:30:00");
        assert_eq!(p("2019-01-01T01:30:00.123-0600").0, "2019-01-01 01:30:00");
        assert_eq!(p("2019-01-01T13").1, TimePrecision::Hour);
        assert_eq!(p("2019/03/04 10:11").0, "2019-03-04 10:11:00");
        assert_eq!(p("20190304").0, "2019-03-04 00:00:00");
    }

    #[test]
    fn parse_us_ampm() {
        assert_eq!(p("01/02/2018 12:00:00 AM").0, "2018-01-02 00:00:00");
        assert_eq!(p("01/02/2018 12:30:00 PM").0, "2018-01-02 12:30:00");
        assert_eq!(
            p("1/2/2018 1:05 pm"),
            ("2018-01-02 13:05:00".into(), TimePrecision::Minute)
        );
        assert_eq!(
            p("12/31/2019"),
            ("2019-12-31 00:00:00".into(), TimePrecision::Day)
        );
        assert!(parse("13/01/2019").is_none());
        assert!(parse("01/02/2018 13:00 PM").is_none());
    }

    #[test]
    fn parse_ordered_day_first() {
        let (t, pr) = parse_ordered("13/01/2024 00:09", DateOrder::DayFirst).unwrap();
        assert_eq!(
            (format(t, pr), pr),
            ("2024-01-13 00:09".into(), TimePrecision::Minute)
        );
        let (t, _) = parse_ordered("01/02/2024", DateOrder::DayFirst).unwrap();
        assert_eq!(format(t, TimePrecision::Day), "2024-02-01");
        let (t, _) = parse_ordered("03.04.2019 10:15", DateOrder::DayFirst).unwrap();
        assert_eq!(format(t, TimePrecision::Minute), "2019-04-03 10:15");
        assert!(parse_ordered("01/13/2024", DateOrder::DayFirst).is_none());
        // ISO is not affected by the order
        let (t, _) = parse_ordered("2024-01-13", DateOrder::DayFirst).unwrap();
        assert_eq!(format(t, TimePrecision::Day), "2024-01-13");
    }

    #[test]
    fn numeric_date_fields_forms() {
        assert_eq!(numeric_date_fields("13/01/2024 00:09"), Some((13, 1, b'/')));
        assert_eq!(numeric_date_fields("1.2.2024"), Some((1, 2, b'.')));
        assert_eq!(numeric_date_fields("2024-01-13"), None);
        assert_eq!(numeric_date_fields("13/01/24"), None);
        assert_eq!(numeric_date_fields("13/01/20245"), None);
    }

    #[test]
    fn date_order_vote_decides_from_the_column() {
        let decide = |vals: &[&str]| {
            let mut v = DateOrderVote::default();
            for (i, s) in vals.iter().enumerate() {
                v.observe(i as u64 + 1, s);
            }
            v.decide()
        };
        let c = decide(&["01/02/2024", "13/01/2024 00:09"])
            .unwrap()
            .unwrap();
        assert_eq!((c.order, c.ambiguous), (DateOrder::DayFirst, false));
        assert!(c.evidence.contains("row 2"), "{}", c.evidence);
        let c = decide(&["01/13/2024", "02/01/2024"]).unwrap().unwrap();
        assert_eq!((c.order, c.ambiguous), (DateOrder::MonthFirst, false));
        let c = decide(&["01/02/2024", "03/04/2024"]).unwrap().unwrap();
        assert_eq!((c.order, c.ambiguous), (DateOrder::MonthFirst, true));
        let c = decide(&["01.02.2024"]).unwrap().unwrap();
        assert_eq!((c.order, c.ambiguous), (DateOrder::DayFirst, true));
        let e = decide(&["13/01/2024", "01/13/2024"]).unwrap_err();
        assert!(e.contains("row 1") && e.contains("row 2"), "{e}");
        assert_eq!(decide(&["2024-01-01", ""]).unwrap(), None);
    }

    #[test]
    fn parse_year_month() {
        assert_eq!(
            p("2017-03"),
            ("2017-03-01 00:00:00".into(), TimePrecision::Month)
        );
    }

    #[test]
    fn parse_rejects_garbage() {
        for s in [
            "",
            "abc",
            "2019-02-30",
            "2019-13-01",
            "2019-01-01 25:00",
            "2019-01-01x",
            "NaN",
            "31/12/2019",
            "2019-01-01 10:61",
        ] {
            assert!(parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn parse_with_format_custom() {
        let (t, pr) = parse_with_format("03.04.2019 10:15", "%d.%m.%Y %H:%M").unwrap();
        assert_eq!(format(t, TimePrecision::Second), "2019-04-03 10:15:00");
        assert_eq!(pr, TimePrecision::Minute);
        let (t, pr) = parse_with_format("31/12/2019", "%d/%m/%Y").unwrap();
        assert_eq!(format(t, pr), "2019-12-31");
        let (t, pr) = parse_with_format("2019 Mar", "%Y %b").unwrap();
        assert_eq!(
            (format(t, pr), pr),
            ("2019-03".into(), TimePrecision::Month)
        );
        assert!(parse_with_format("garbage", "%d/%m/%Y").is_none());
    }

    #[test]
    fn from_split_precisions() {
        let (t, pr) = from_split("2020", "6", Some("19"), Some("3"), Some("40")).unwrap();
        assert_eq!(
            (format(t, pr), pr),
            ("2020-06-19 03:40".into(), TimePrecision::Minute)
        );
        assert_eq!(
            from_split("2020", "6", Some("19"), Some(""), Some(""))
                .unwrap()
                .1,
            TimePrecision::Day
        );
        assert_eq!(
            from_split("2020", "6", None, None, None).unwrap().1,
            TimePrecision::Month
        );
        assert!(from_split("2020", "13", Some("1"), None, None).is_none());
        assert!(from_split("x", "1", None, None, None).is_none());
    }

    #[test]
    fn civil_roundtrip() {
        for z in [-800_000, -1, 0, 1, 16_800, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2016, 1, 1), 16_801);
    }
}
