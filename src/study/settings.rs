//! A front end's textual settings (what a user types on a command line or in a form)
//! turned into the library's options, with typed errors naming each setting by its
//! field: how to read an incident file ([`LoadSettings`]), a date ([`parse_date_setting`]),
//! a forced time precision ([`TimePrecision`]'s `FromStr`), a worker-thread count
//! ([`check_threads`]).
//!
//! ```
//! use crimescape::study::settings::LoadSettings;
//!
//! let settings = LoadSettings {
//!     filters: vec!["Offense=BURGLARY".into()],
//!     from: Some("2024-01-01".into()),
//!     time_precision: Some("day".into()),
//!     ..LoadSettings::default()
//! };
//! let load = settings.incident_load()?;
//! assert_eq!(load.options.filters.len(), 1);
//! assert_eq!(load.options.from, crimescape::parse_date("2024-01-01"));
//!
//! let bad = LoadSettings { max_window_days: -1.0, ..LoadSettings::default() };
//! assert!(matches!(
//!     bad.options(),
//!     Err(crimescape::Error::InvalidParam { param: "max_window", .. })
//! ));
//! # Ok::<(), crimescape::Error>(())
//! ```

use std::path::PathBuf;
use std::str::FromStr;

use super::load::IncidentLoad;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::{Attributes, LoadOptions, WhereFilter, DEFAULT_MAX_WINDOW};
use crate::time::{TimePrecision, DAY};
use crate::when::{TimeFilter, TimeZone};

/// How to read an incident file, as text: each field is the setting of the same name of
/// [`LoadOptions`] or [`IncidentLoad`] as a user writes it. [`options`](Self::options)
/// and [`incident_load`](Self::incident_load) check and convert them; their errors name
/// the field ([`Error::InvalidParam`]) and the value.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// X (easting or longitude) column [default: detected].
    pub x: Option<String>,
    /// Y (northing or latitude) column [default: detected].
    pub y: Option<String>,
    /// A single location column such as `"(41.87, -87.62)"` or `POINT (lon lat)`.
    pub location: Option<String>,
    /// Time column [default: detected].
    pub time: Option<String>,
    /// Start column of occurrence windows: the same as `time` (when both are given
    /// they must agree).
    pub time_from: Option<String>,
    /// End column of occurrence windows.
    pub time_to: Option<String>,
    /// strftime format of the time column.
    pub time_format: Option<String>,
    /// Category (offence type) column [default: detected].
    pub category: Option<String>,
    /// CRS of the coordinates ([`Crs::parse`]) [default: detected].
    pub crs: Option<String>,
    /// CRS to analyse in ([`Crs::parse`]): projected in metres, or a local CRS.
    pub target_crs: Option<String>,
    /// Field delimiter of text files: one ASCII character [default: sniffed].
    pub delimiter: Option<char>,
    /// Row filters `COLUMN=VALUE` ([`WhereFilter::parse`]), all of which must pass.
    pub filters: Vec<String>,
    /// Keep incidents at or after this date/time ([`parse_date_setting`]).
    pub from: Option<String>,
    /// Keep incidents before this date/time.
    pub to: Option<String>,
    /// Keep points far outside the data's extent instead of rejecting them.
    pub keep_outliers: bool,
    /// Turn any rejection into an error.
    pub strict: bool,
    /// Longest accepted occurrence window in days (finite, >= 0; default 14).
    pub max_window_days: f64,
    /// Force the precision of every time: `day`, `hour` or `minute`.
    pub time_precision: Option<String>,
    /// Keep incidents in these clock hours ([`TimeFilter::with_hours`]).
    pub hours: Option<String>,
    /// Keep incidents on these days of the week ([`TimeFilter::with_days`]).
    pub weekdays: Option<String>,
    /// Keep incidents at night ([`TimeFilter::with_night`]).
    pub night: bool,
    /// Time zone of the clock times ([`TimeZone::parse`]).
    pub time_zone: Option<String>,
    /// CSV file for every rejected row.
    pub rejects: Option<PathBuf>,
    /// Overwrite an existing rejects file.
    pub force: bool,
    /// The attribute columns to keep as text ([`Attributes::Only`]; none when empty).
    pub attributes: Vec<String>,
}

impl Default for LoadSettings {
    /// Everything detected, no filter, windows up to 14 days.
    fn default() -> Self {
        LoadSettings {
            x: None,
            y: None,
            location: None,
            time: None,
            time_from: None,
            time_to: None,
            time_format: None,
            category: None,
            crs: None,
            target_crs: None,
            delimiter: None,
            filters: Vec::new(),
            from: None,
            to: None,
            keep_outliers: false,
            strict: false,
            max_window_days: (DEFAULT_MAX_WINDOW / DAY) as f64,
            time_precision: None,
            hours: None,
            weekdays: None,
            night: false,
            time_zone: None,
            rejects: None,
            force: false,
            attributes: Vec::new(),
        }
    }
}

impl LoadSettings {
    /// The loader's options of these settings (the attributes included).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] on `time_from` (naming another column than `time`),
    /// `max_window` (negative or not finite), `time_precision` (not day, hour or
    /// minute), `target_crs` (not metric), `delimiter` (not ASCII), `where`, `from`,
    /// `to`; [`Crs::parse`]'s errors.
    pub fn options(&self) -> Result<LoadOptions> {
        let mut o = LoadOptions::new();
        o.x = self.x.clone();
        o.y = self.y.clone();
        o.location = self.location.clone();
        o.time = match (&self.time, &self.time_from) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid_param(
                    "time_from",
                    format!("{b:?}"),
                    format!("names another column than `time` ({a:?}): give one of them"),
                ))
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        o.time_to = self.time_to.clone();
        o.max_window = Some(max_window_seconds(self.max_window_days)?);
        o.time_precision = self
            .time_precision
            .as_deref()
            .map(forced_precision)
            .transpose()?;
        o.time_format = self.time_format.clone();
        o.category = self.category.clone();
        o.crs = self.crs.as_deref().map(Crs::parse).transpose()?;
        o.target_crs = self
            .target_crs
            .as_deref()
            .map(parse_target_crs)
            .transpose()?;
        o.delimiter = self.delimiter.map(delimiter).transpose()?;
        o.filters = self
            .filters
            .iter()
            .map(|f| WhereFilter::parse(f))
            .collect::<Result<_>>()?;
        o.from = self
            .from
            .as_deref()
            .map(|s| parse_date_setting("from", s))
            .transpose()?;
        o.to = self
            .to
            .as_deref()
            .map(|s| parse_date_setting("to", s))
            .transpose()?;
        if self.keep_outliers {
            o.outlier_factor = None;
        }
        o.strict = self.strict;
        o.attributes = if self.attributes.is_empty() {
            Attributes::None
        } else {
            Attributes::Only(self.attributes.clone())
        };
        Ok(o)
    }

    /// The time filter of `hours`, `weekdays` and `night`.
    ///
    /// # Errors
    /// As [`TimeFilter::with_hours`] and [`TimeFilter::with_days`].
    pub fn time_filter(&self) -> Result<TimeFilter> {
        let mut f = TimeFilter::new().with_night(self.night);
        if let Some(h) = &self.hours {
            f = f.with_hours(h)?;
        }
        if let Some(d) = &self.weekdays {
            f = f.with_days(d)?;
        }
        Ok(f)
    }

    /// The time zone of `time_zone`.
    ///
    /// # Errors
    /// As [`TimeZone::parse`].
    pub fn time_zone(&self) -> Result<Option<TimeZone>> {
        self.time_zone.as_deref().map(TimeZone::parse).transpose()
    }

    /// How a study reads the incident file: [`options`](Self::options),
    /// [`time_filter`](Self::time_filter), [`time_zone`](Self::time_zone), the rejects
    /// file and `force`.
    ///
    /// # Errors
    /// As those three, in that order.
    pub fn incident_load(&self) -> Result<IncidentLoad> {
        Ok(IncidentLoad {
            options: self.options()?,
            time_filter: self.time_filter()?,
            time_zone: self.time_zone()?,
            rejects: self.rejects.clone(),
            force: self.force,
        })
    }
}

/// A longest occurrence window in days as seconds (rounded).
fn max_window_seconds(days: f64) -> Result<i64> {
    if !(days.is_finite() && days >= 0.0) {
        return Err(Error::invalid_param(
            "max_window",
            days,
            "a number of days >= 0",
        ));
    }
    Ok((days * 86_400.0).round() as i64)
}

/// A forced time precision: day, hour or minute.
fn forced_precision(s: &str) -> Result<TimePrecision> {
    match s.parse() {
        Ok(p @ (TimePrecision::Day | TimePrecision::Hour | TimePrecision::Minute)) => Ok(p),
        _ => Err(Error::invalid_param(
            "time_precision",
            format!("{s:?}"),
            "use day, hour or minute",
        )),
    }
}

/// A target (working) CRS: projected in metres, or a local frame in metres (`local-m`):
/// every analysis measures in metres, so a geographic CRS or a frame in feet
/// (`local-ft`) is refused as a target (as input it is reprojected or scaled to metres).
/// The check of [`LoadSettings::target_crs`], for any other setting that names a
/// working CRS (e.g. a saved risk model's).
///
/// ```
/// use crimescape::study::settings::parse_target_crs;
///
/// assert!(parse_target_crs("EPSG:26971").is_ok());
/// assert!(parse_target_crs("local-m").is_ok());
/// assert!(parse_target_crs("local-ft").is_err());
/// assert!(parse_target_crs("EPSG:4326").is_err());
/// ```
///
/// # Errors
/// As [`Crs::parse`]; [`Error::InvalidParam`] on `target_crs` for a CRS not in metres.
pub fn parse_target_crs(s: &str) -> Result<Crs> {
    let t = Crs::parse(s)?;
    if let Crs::Local { unit_to_metre } = t {
        if unit_to_metre != 1.0 {
            return Err(Error::invalid_param(
                "target_crs",
                &t,
                format!(
                    "a local frame in units of {unit_to_metre} m; analyses work in metres: \
                     use local-m (input in a local frame of other units is scaled to it)"
                ),
            ));
        }
    } else if t.is_geographic() || !t.is_metric_projected() {
        return Err(Error::invalid_param(
            "target_crs",
            &t,
            "not a projected CRS in metres",
        ));
    }
    Ok(t)
}

/// A field delimiter: one ASCII character.
fn delimiter(c: char) -> Result<u8> {
    u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| {
        Error::invalid_param("delimiter", format!("{c:?}"), "must be one ASCII character")
    })
}

/// A date or date-time setting ([`crate::parse_time`]'s forms, e.g. `2024-03-01` or
/// `2024-03-01 18:30`) as seconds of the local clock.
///
/// ```
/// use crimescape::study::settings::parse_date_setting;
///
/// assert_eq!(parse_date_setting("from", "2024-01-02")?, 1_704_153_600);
/// assert!(parse_date_setting("from", "someday").is_err());
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] on `param` when `s` is not a date.
pub fn parse_date_setting(param: &'static str, s: &str) -> Result<i64> {
    crate::time::parse(s.trim())
        .map(|t| t.0)
        .ok_or_else(|| Error::invalid_param(param, format!("{s:?}"), "not a date (use YYYY-MM-DD)"))
}

/// A precision by its name ([`TimePrecision::name`]: `second`, `minute`, `hour`, `day`,
/// `month`, `year`).
impl FromStr for TimePrecision {
    type Err = Error;

    fn from_str(s: &str) -> Result<TimePrecision> {
        use TimePrecision::*;
        [Second, Minute, Hour, Day, Month, Year]
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                Error::invalid_param(
                    "time_precision",
                    format!("{s:?}"),
                    "use second, minute, hour, day, month or year",
                )
            })
    }
}

/// Most worker threads [`check_threads`] accepts.
pub const MAX_THREADS: usize = 512;

/// Checks a worker-thread count for a front end that sizes a thread pool (the library
/// never does; results do not depend on it).
///
/// # Errors
/// [`Error::Limit`] on `threads` above [`MAX_THREADS`].
pub fn check_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        return Err(Error::limit(
            "threads",
            n,
            MAX_THREADS,
            format!(
                "results do not depend on the thread count, and threads beyond the {cores} core(s) of this machine only add overhead"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
