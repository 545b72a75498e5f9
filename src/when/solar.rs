//! Sunrise, sunset and night with NOAA's solar calculator algorithm: the sun's
//! position ([`solar_geometry`]), the events of one date ([`sun_day`]) and their local
//! clock times ([`sun_times`]). The night-time calendars built on it are in
//! [`night`](super::night).

use serde::{Deserialize, Serialize};

use super::tz::TimeZone;
use crate::error::{Error, Result};
use crate::time::{days_from_civil, DAY};

/// Julian day of 1970-01-01 00:00 UTC.
pub const JD_UNIX_EPOCH: f64 = 2_440_587.5;

/// Elevation threshold of night.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SunParams {
    /// Sun elevation (degrees) below which it is night (default −0.833).
    pub elevation_deg: f64,
}

impl Default for SunParams {
    fn default() -> Self {
        SunParams {
            elevation_deg: -0.833,
        }
    }
}

impl SunParams {
    /// Official sunrise/sunset, −0.833°.
    pub fn official() -> Self {
        SunParams::default()
    }
    /// Civil twilight, −6°: "dark" rather than "after sunset".
    pub fn civil() -> Self {
        SunParams {
            elevation_deg: -6.0,
        }
    }
    /// A custom threshold in degrees (−18…+10).
    pub fn elevation(deg: f64) -> Result<Self> {
        if !(deg.is_finite() && (-18.0..=10.0).contains(&deg)) {
            return Err(Error::invalid_param(
                "elevation_deg",
                deg,
                "the sun elevation threshold must be within -18..10 degrees",
            ));
        }
        Ok(SunParams { elevation_deg: deg })
    }
}

/// The sun's declination and the equation of time at a Julian day (NOAA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolarGeometry {
    /// Declination, degrees.
    pub declination_deg: f64,
    /// Equation of time, minutes.
    pub equation_of_time_min: f64,
}

/// NOAA's solar geometry at Julian day `jd` (the spreadsheet's columns G–V).
pub fn solar_geometry(jd: f64) -> SolarGeometry {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let l0 = (280.46646 + t * (36000.76983 + t * 0.0003032)).rem_euclid(360.0);
    let m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
    let e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
    let mr = m.to_radians();
    let c = mr.sin() * (1.914602 - t * (0.004817 + 0.000014 * t))
        + (2.0 * mr).sin() * (0.019993 - 0.000101 * t)
        + (3.0 * mr).sin() * 0.000289;
    let true_long = l0 + c;
    let omega = (125.04 - 1934.136 * t).to_radians();
    let app_long = true_long - 0.00569 - 0.00478 * omega.sin();
    let mean_obliq =
        23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0;
    let obliq = mean_obliq + 0.00256 * omega.cos();
    let decl = (obliq.to_radians().sin() * app_long.to_radians().sin()).asin();
    let y = (obliq.to_radians() / 2.0).tan().powi(2);
    let l0r = l0.to_radians();
    let eq = 4.0
        * (y * (2.0 * l0r).sin() - 2.0 * e * mr.sin() + 4.0 * e * y * mr.sin() * (2.0 * l0r).cos()
            - 0.5 * y * y * (4.0 * l0r).sin()
            - 1.25 * e * e * (2.0 * mr).sin())
        .to_degrees();
    SolarGeometry {
        declination_deg: decl.to_degrees(),
        equation_of_time_min: eq,
    }
}

/// `cos H` of the event hour angle (see [`sun_times`]); outside [−1, 1] the sun
/// does not cross the threshold.
pub fn cos_hour_angle(lat_deg: f64, decl_deg: f64, elevation_deg: f64) -> f64 {
    let (lat, d) = (lat_deg.to_radians(), decl_deg.to_radians());
    (90.0 - elevation_deg).to_radians().cos() / (lat.cos() * d.cos()) - lat.tan() * d.tan()
}

/// Sun events of one date, in UTC seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SunDay {
    /// The sun rises and sets.
    Normal {
        /// Sunrise (UTC seconds).
        sunrise: i64,
        /// Sunset (UTC seconds).
        sunset: i64,
        /// Solar noon (UTC seconds).
        noon: i64,
    },
    /// The sun stays above the threshold all day.
    PolarDay {
        /// Solar noon (UTC seconds).
        noon: i64,
    },
    /// The sun stays below the threshold all day.
    PolarNight {
        /// Solar noon (UTC seconds).
        noon: i64,
    },
}

/// Sunrise, sunset and solar noon of the date `day` (days since 1970; the
/// events near that date's local solar day) at `lat`, `lon` (degrees, east
/// positive).
pub fn sun_day(day: i64, lat: f64, lon: f64, params: &SunParams) -> SunDay {
    let jd0 = JD_UNIX_EPOCH + day as f64;
    let h0 = params.elevation_deg;
    // solar noon, refined once
    let mut noon = 720.0 - 4.0 * lon;
    for _ in 0..2 {
        let g = solar_geometry(jd0 + noon / 1440.0);
        noon = 720.0 - 4.0 * lon - g.equation_of_time_min;
    }
    let g = solar_geometry(jd0 + noon / 1440.0);
    let ch = cos_hour_angle(lat, g.declination_deg, h0);
    let noon_s = day * DAY + (noon * 60.0).round() as i64;
    if ch > 1.0 {
        return SunDay::PolarNight { noon: noon_s };
    }
    if ch < -1.0 {
        return SunDay::PolarDay { noon: noon_s };
    }
    let event = |sign: f64| -> f64 {
        let mut t = noon + sign * 4.0 * ch.acos().to_degrees();
        for _ in 0..2 {
            let g = solar_geometry(jd0 + t / 1440.0);
            let c = cos_hour_angle(lat, g.declination_deg, h0);
            if !(-1.0..=1.0).contains(&c) {
                break;
            }
            t = 720.0 - 4.0 * lon - g.equation_of_time_min + sign * 4.0 * c.acos().to_degrees();
        }
        t
    };
    SunDay::Normal {
        sunrise: day * DAY + (event(-1.0) * 60.0).round() as i64,
        sunset: day * DAY + (event(1.0) * 60.0).round() as i64,
        noon: noon_s,
    }
}

/// Sun times of a local date on the local clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SunTimes {
    /// Sunrise (local clock seconds), `None` on a polar day or night.
    pub sunrise: Option<i64>,
    /// Sunset (local clock seconds).
    pub sunset: Option<i64>,
    /// Solar noon (local clock seconds).
    pub noon: i64,
    /// `"normal"`, `"polar_day"` or `"polar_night"`.
    pub kind: String,
}

/// Sunrise and sunset of the local date `(year, month, day)` at `lonlat`
/// (longitude, latitude in degrees, the order of [`NightModel::build`](super::night::NightModel::build)) in zone `tz`.
///
/// # Algorithm
/// The NOAA Global Monitoring Laboratory solar calculator ("Solar Calculation
/// Details"; equations from J. Meeus, *Astronomical Algorithms*, 1991): from the
/// Julian century `T` the sun's geometric mean longitude and anomaly, the
/// eccentricity of the earth's orbit, the equation of centre, apparent longitude,
/// corrected obliquity, then the declination `δ` and the equation of time `E`.
/// The hour angle of the event is
/// `cos H = cos(90° − h₀) / (cos φ cos δ) − tan φ tan δ`
/// and the event falls at `720 − 4·(λ ± H) − E` minutes after 00:00 UTC of the date
/// (λ east positive; − H for sunrise). As NOAA's web calculator, the position is
/// re-evaluated at the event time found (here twice, starting from solar noon), so
/// the result does not depend on an arbitrary time of day as the spreadsheet's does.
/// NOAA states the results are "theoretically accurate to within a minute for
/// locations between ±72° latitude, and within 10 minutes outside"; the tests check
/// NOAA's published spreadsheet values for Boulder, Hampton (Virginia), near Bursa
/// and ±60° to the minute.
///
/// # Conventions
/// * **Night** is the sun's centre below the elevation `h₀` of [`SunParams`]:
///   −0.833° by default (official sunrise/sunset: 34′ of refraction plus the 16′
///   semi-diameter, upper limb on a sea-level horizon); civil twilight is −6°.
/// * Sunrise and sunset are computed per **local date** and location, converted to
///   the local clock with the [`TimeZone`] offset in force at that instant.
/// * **Polar day / night**: when `|cos H| > 1` at solar noon the sun does not cross
///   `h₀` that date ([`SunTimes::kind`](crate::SunTimes::kind) `"polar_day"`, `"polar_night"`); near the polar
///   boundaries the night edges are approximate (minutes).
/// * The **weekend night** is the night between Friday 12:00 and Sunday 12:00 on
///   the local clock: Friday and Saturday nights, after midnight included.
///
/// # Examples
/// ```
/// use crimescape::{format_time as format, sun_times, SunParams, TimePrecision, TimeZone};
/// // Chicago, 21 June 2024: sunrise 05:15, sunset 20:29 (CDT)
/// let tz = TimeZone::parse("America/Chicago").unwrap();
/// let s = sun_times((2024, 6, 21), [-87.6298, 41.8781], &tz, &SunParams::default()).unwrap();
/// assert_eq!(format(s.sunrise.unwrap(), TimePrecision::Minute), "2024-06-21 05:15");
/// assert_eq!(format(s.sunset.unwrap(), TimePrecision::Minute), "2024-06-21 20:29");
/// ```
pub fn sun_times(
    (y, m, d): (i64, u32, u32),
    lonlat: [f64; 2],
    tz: &TimeZone,
    params: &SunParams,
) -> Result<SunTimes> {
    let [lon, lat] = lonlat;
    check_location(lat, lon)?;
    if crate::time::from_fields(y, m, d, 0, 0, 0).is_none() {
        return Err(Error::invalid_param(
            "date",
            format!("{y}-{m}-{d}"),
            "no such date",
        ));
    }
    let day = days_from_civil(y, m, d);
    Ok(match sun_day(day, lat, lon, params) {
        SunDay::Normal {
            sunrise,
            sunset,
            noon,
        } => SunTimes {
            sunrise: Some(tz.to_local(sunrise)),
            sunset: Some(tz.to_local(sunset)),
            noon: tz.to_local(noon),
            kind: "normal".into(),
        },
        SunDay::PolarDay { noon } => SunTimes {
            sunrise: None,
            sunset: None,
            noon: tz.to_local(noon),
            kind: "polar_day".into(),
        },
        SunDay::PolarNight { noon } => SunTimes {
            sunrise: None,
            sunset: None,
            noon: tz.to_local(noon),
            kind: "polar_night".into(),
        },
    })
}

pub(super) fn check_location(lat: f64, lon: f64) -> Result<()> {
    if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return Err(Error::invalid(
            "sun times",
            "latitude, longitude",
            format!("{lat}, {lon}"),
            "out of range (latitude within ±90, longitude within ±180 degrees)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
