//! Night-time on the local clock built on the sun algorithm of [`solar`](super::solar):
//! [`SunCalendar`] (one location, sun events cached per date; night intervals,
//! night and weekend-night shares of a window) and [`NightModel`] (one calendar per
//! tile of an area).

use super::solar::{check_location, sun_day, SunDay, SunParams};
use super::tz::TimeZone;
use super::weekend::{in_weekend, weekend_segments};
use super::Window;
use crate::error::{Error, Result};
use crate::time::DAY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The sun goes below the threshold (or is below, for a polar-night marker).
    Down,
    /// The sun comes up (or is up, for a polar-day marker).
    Up,
}

/// Local-clock sun events of one date.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LocalDay {
    events: [(i64, Ev); 2],
    len: u8,
}

/// Night-time on the local clock at one location: sun events per date, cached
/// for a range of dates and computed on the fly outside it.
///
/// Night intervals are built from the sorted sunrise/sunset events of the dates
/// around a query (two dates of margin); a polar night (day) date adds a marker
/// "below" ("above") at its solar noon (midnight), so long polar spans are right.
#[derive(Debug, Clone)]
pub struct SunCalendar {
    lat: f64,
    lon: f64,
    tz: TimeZone,
    params: SunParams,
    first_day: i64,
    days: Vec<LocalDay>,
}

impl SunCalendar {
    /// A calendar caching the local dates `first_day..=last_day` (days since 1970).
    pub fn new(
        lat: f64,
        lon: f64,
        tz: TimeZone,
        params: SunParams,
        first_day: i64,
        last_day: i64,
    ) -> Result<SunCalendar> {
        check_location(lat, lon)?;
        let mut c = SunCalendar {
            lat,
            lon,
            tz,
            params,
            first_day: first_day - 2,
            days: Vec::new(),
        };
        let last = last_day.max(first_day) + 2;
        if last - c.first_day > 200 * 366 {
            return Err(Error::degenerate(
                "sun calendar",
                format!(
                    "{} days is too long a range (at most 200 years)",
                    last - c.first_day
                ),
            ));
        }
        c.days = (c.first_day..=last).map(|d| c.compute(d)).collect();
        Ok(c)
    }

    /// A calendar for the dates a set of windows touches.
    pub fn for_windows<'a>(
        lat: f64,
        lon: f64,
        tz: TimeZone,
        params: SunParams,
        windows: impl IntoIterator<Item = &'a Window>,
    ) -> Result<SunCalendar> {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for w in windows {
            lo = lo.min(w.from().div_euclid(DAY));
            hi = hi.max(w.to().div_euclid(DAY));
        }
        if lo > hi {
            lo = 0;
            hi = 0;
        }
        SunCalendar::new(lat, lon, tz, params, lo, hi)
    }

    /// Latitude, longitude (degrees).
    pub fn location(&self) -> (f64, f64) {
        (self.lat, self.lon)
    }

    /// The time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    fn compute(&self, day: i64) -> LocalDay {
        let l = |t: i64| self.tz.to_local(t);
        match sun_day(day, self.lat, self.lon, &self.params) {
            SunDay::Normal {
                sunrise, sunset, ..
            } => LocalDay {
                events: [(l(sunrise), Ev::Up), (l(sunset), Ev::Down)],
                len: 2,
            },
            SunDay::PolarDay { noon } => LocalDay {
                events: [(l(noon - DAY / 2), Ev::Up), (0, Ev::Up)],
                len: 1,
            },
            SunDay::PolarNight { noon } => LocalDay {
                events: [(l(noon), Ev::Down), (0, Ev::Down)],
                len: 1,
            },
        }
    }

    fn local_day(&self, day: i64) -> LocalDay {
        let k = day - self.first_day;
        if k >= 0 && (k as usize) < self.days.len() {
            self.days[k as usize]
        } else {
            self.compute(day)
        }
    }

    /// Night intervals `[start, end)` covering the dates `d0..=d1` (clipped to them).
    fn nights(&self, d0: i64, d1: i64) -> Vec<(i64, i64)> {
        let mut ev: Vec<(i64, Ev)> = Vec::with_capacity(2 * (d1 - d0 + 1) as usize);
        for d in d0..=d1 {
            let ld = self.local_day(d);
            ev.extend_from_slice(&ld.events[..ld.len as usize]);
        }
        ev.sort_unstable();
        let (lo, hi) = (d0 * DAY, (d1 + 1) * DAY);
        let mut out = Vec::new();
        let Some(first) = ev.first() else {
            return out;
        };
        // before the first event the state is the opposite of what it brings
        let mut night = first.1 == Ev::Up;
        let mut start = lo;
        for &(t, e) in &ev {
            match (e, night) {
                (Ev::Down, false) => {
                    night = true;
                    start = t;
                }
                (Ev::Up, true) => {
                    if t > start {
                        out.push((start.max(lo), t.min(hi)));
                    }
                    night = false;
                }
                _ => {}
            }
        }
        if night && hi > start {
            out.push((start.max(lo), hi));
        }
        out.retain(|(a, b)| b > a);
        out
    }

    /// The night intervals `[start, end)` within `[a, b)` (local clock), in order.
    pub fn night_intervals(&self, a: i64, b: i64) -> Vec<(i64, i64)> {
        if b <= a {
            return Vec::new();
        }
        let d0 = a.div_euclid(DAY) - 2;
        let d1 = (b - 1).div_euclid(DAY) + 2;
        let mut v = self.nights(d0, d1);
        v.retain_mut(|iv| {
            *iv = (iv.0.max(a), iv.1.min(b));
            iv.1 > iv.0
        });
        v
    }

    /// Seconds of night in `[a, b)` (local clock).
    pub fn night_seconds(&self, a: i64, b: i64) -> i64 {
        self.night_intervals(a, b).iter().map(|&(s, e)| e - s).sum()
    }

    /// Whether the local clock time `t` is at night.
    pub fn is_night(&self, t: i64) -> bool {
        self.night_seconds(t, t + 1) == 1
    }

    /// Share of a window's aoristic span at night (see [`Window::span`]); exact times
    /// and one-minute windows count the instant `from`.
    pub fn night_share(&self, w: &Window) -> f64 {
        if w.minutes() <= 1 {
            return if self.is_night(w.from()) { 1.0 } else { 0.0 };
        }
        let (a, b) = w.span();
        self.night_seconds(a, b) as f64 / (b - a) as f64
    }

    /// Share of a window's aoristic span in the weekend night (night between
    /// Friday 12:00 and Sunday 12:00).
    pub fn weekend_night_share(&self, w: &Window) -> f64 {
        if w.minutes() <= 1 {
            let t = w.from();
            return if in_weekend(t) && self.is_night(t) {
                1.0
            } else {
                0.0
            };
        }
        let (a, b) = w.span();
        let mut s = 0;
        for (x, y) in weekend_segments(a, b) {
            s += self.night_seconds(x, y);
        }
        s as f64 / (b - a) as f64
    }
}

/// Sun calendars for incidents spread over an area: one [`SunCalendar`] per tile
/// of `tile_deg` degrees (default 0.1°, about 11 km north–south), computed at the
/// tile centre. Sun times change by 4 minutes per degree of longitude, so the tile
/// costs at most ±0.2 min (and less in latitude away from the poles).
#[derive(Debug, Clone)]
pub struct NightModel {
    tile_deg: f64,
    calendars: std::collections::BTreeMap<(i32, i32), SunCalendar>,
}

/// Checks that there is one location per incident window.
pub(crate) fn check_locations(lonlat: &[[f64; 2]], windows: &[Window]) -> Result<()> {
    if lonlat.len() != windows.len() {
        return Err(Error::length_mismatch(
            "locations",
            lonlat.len(),
            "windows",
            windows.len(),
        ));
    }
    Ok(())
}

impl NightModel {
    /// Calendars for the tiles of `lonlat` (degrees) over the dates `windows` touch
    /// (`lonlat` and `windows` have the same length).
    pub fn build(
        lonlat: &[[f64; 2]],
        windows: &[Window],
        tz: &TimeZone,
        params: SunParams,
        tile_deg: f64,
    ) -> Result<NightModel> {
        check_locations(lonlat, windows)?;
        if !(tile_deg.is_finite() && tile_deg > 0.0 && tile_deg <= 5.0) {
            return Err(Error::invalid_param(
                "tile_deg",
                tile_deg,
                "the night model's tile size must be in (0, 5] degrees",
            ));
        }
        let mut ranges: std::collections::BTreeMap<(i32, i32), (i64, i64)> = Default::default();
        for (p, w) in lonlat.iter().zip(windows) {
            check_location(p[1], p[0])?;
            let r = ranges
                .entry(tile_of(*p, tile_deg))
                .or_insert((i64::MAX, i64::MIN));
            r.0 = r.0.min(w.from().div_euclid(DAY));
            r.1 = r.1.max(w.to().div_euclid(DAY));
        }
        let mut calendars = std::collections::BTreeMap::new();
        for (k, (lo, hi)) in ranges {
            let lon = ((k.0 as f64 + 0.5) * tile_deg).clamp(-180.0, 180.0);
            let lat = ((k.1 as f64 + 0.5) * tile_deg).clamp(-90.0, 90.0);
            calendars.insert(k, SunCalendar::new(lat, lon, tz.clone(), params, lo, hi)?);
        }
        Ok(NightModel {
            tile_deg,
            calendars,
        })
    }

    /// The calendar of the tile of `lonlat`, if that tile was built.
    pub fn calendar(&self, lonlat: [f64; 2]) -> Option<&SunCalendar> {
        self.calendars.get(&tile_of(lonlat, self.tile_deg))
    }

    /// Number of tiles.
    pub fn tiles(&self) -> usize {
        self.calendars.len()
    }
}

fn tile_of(p: [f64; 2], tile: f64) -> (i32, i32) {
    ((p[0] / tile).floor() as i32, (p[1] / tile).floor() as i32)
}

#[cfg(test)]
mod tests;
