//! What to load: column roles, filters, time settings, attributes kept.

use serde::{Deserialize, Serialize};

use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::time::TimePrecision;

/// A `column=value` / `column!=value` filter; values separated by `|` are alternatives.
/// Comparison is case-insensitive and ignores surrounding spaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhereFilter {
    /// Column name, or the role `category` / `time`.
    pub column: String,
    /// Accepted (or, when `negate`, excluded) values, lower-cased.
    pub values: Vec<String>,
    /// `!=` instead of `=`.
    pub negate: bool,
}

impl WhereFilter {
    /// Parses `column=v1|v2` or `column!=v`.
    pub fn parse(s: &str) -> Result<WhereFilter> {
        let (col, vals, negate) = if let Some((c, v)) = s.split_once("!=") {
            (c, v, true)
        } else if let Some((c, v)) = s.split_once('=') {
            (c, v, false)
        } else {
            return Err(Error::invalid_param(
                "where",
                format!("{s:?}"),
                "expected column=value, column=v1|v2 or column!=value",
            ));
        };
        let column = col.trim().to_string();
        if column.is_empty() {
            return Err(Error::invalid_param(
                "where",
                format!("{s:?}"),
                "empty column name",
            ));
        }
        Ok(WhereFilter {
            column,
            values: vals.split('|').map(|v| v.trim().to_lowercase()).collect(),
            negate,
        })
    }

    /// The filter as written (`column=v1|v2`, `column!=v`; values lower-cased).
    pub fn describe(&self) -> String {
        format!(
            "{}{}{}",
            self.column,
            if self.negate { "!=" } else { "=" },
            self.values.join("|")
        )
    }

    /// Whether a value passes.
    pub fn accepts(&self, value: &str) -> bool {
        let v = value.trim();
        let hit = self.values.iter().any(|w| w.eq_ignore_ascii_case(v));
        hit != self.negate
    }
}

/// Options for loading incidents. Unset column names are found automatically.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadOptions {
    /// X (easting or longitude) column.
    pub x: Option<String>,
    /// Y (northing or latitude) column.
    pub y: Option<String>,
    /// A single location column like `"(41.87, -87.62)"` (lat, lon) or `POINT (lon lat)`.
    pub location: Option<String>,
    /// Time column.
    pub time: Option<String>,
    /// chrono format for the time column (otherwise the forms of [`crate::time::parse`]).
    pub time_format: Option<String>,
    /// Split time columns: year, month, day, hour, minute (found automatically if all unset).
    pub split_time: Option<[Option<String>; 5]>,
    /// Category (offence type) column.
    pub category: Option<String>,
    /// CRS of the x/y columns; if unset, detected (lon/lat columns, value ranges, GeoJSON `crs`).
    pub crs: Option<Crs>,
    /// Working CRS to use instead of the automatic choice.
    pub target_crs: Option<Crs>,
    /// Field delimiter (sniffed from the header when unset).
    pub delimiter: Option<u8>,
    /// Row filters, all of which must pass.
    pub filters: Vec<WhereFilter>,
    /// Keep only incidents with time >= this (seconds, local clock).
    pub from: Option<i64>,
    /// Keep only incidents with time < this.
    pub to: Option<i64>,
    /// Reject points farther than `factor × robust span` outside the robust extent
    /// (1st–99th percentile box, per axis); `None` disables the check. Default 1.0.
    pub outlier_factor: Option<f64>,
    /// Turn any rejection into an error.
    pub strict: bool,
    /// Column of the end of the occurrence window (`time` is then its start); found
    /// automatically with its start column from common pairs when unset
    /// (`date_start/date_end`, `from/to`, `FROM_DATE/TO_DATE`, `Occurred From/Occurred
    /// To`, `first_occurrence_date/last_occurrence_date`, `start/end`).
    pub time_to: Option<String>,
    /// Longest accepted occurrence window in seconds (longer ones are rejected and
    /// counted); `None` = 14 days ([`DEFAULT_MAX_WINDOW`]).
    pub max_window: Option<i64>,
    /// Force the precision of every time: times are truncated to it (e.g. `Day` for
    /// exports that write local midnight as a UTC time of day).
    pub time_precision: Option<TimePrecision>,
    /// The other source columns kept as text in [`Incidents::attrs`](crate::layer::Incidents::attrs) (default: all).
    pub attributes: Attributes,
}

/// Which source columns a load keeps as text attributes ([`Incidents::attrs`](crate::layer::Incidents::attrs)),
/// besides the coordinates, times and categories it always reads.
///
/// Attributes are the largest part of a loaded incident (a data.police.uk row keeps
/// ~150 bytes of text: the Crime ID, Location, LSOA code and name, outcome…), so a
/// run that reads none of them should load none. `where` filters read their columns
/// from the rows as they are read and need no attribute.
///
/// # Notes
/// Names match the header case-insensitively, as [`Incidents::attr`](crate::layer::Incidents::attr) does. When a name
/// of `Only` is not a column of the file, every column is kept, so that the message
/// of whatever asks for the missing column lists the file's columns as with `All`.
/// The GDAL reader keeps every column whatever the choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attributes {
    /// Every other column (the default).
    #[default]
    All,
    /// No attribute column.
    None,
    /// These columns only, in file order.
    Only(Vec<String>),
}

impl Attributes {
    /// Which of the candidate columns `names` (in file order) to keep: their indexes
    /// in `names`.
    pub(crate) fn pick(&self, names: &[String]) -> Vec<usize> {
        match self {
            Attributes::All => (0..names.len()).collect(),
            Attributes::None => Vec::new(),
            Attributes::Only(want) => {
                let has = |w: &String| names.iter().any(|n| n.eq_ignore_ascii_case(w.trim()));
                if !want.iter().all(has) {
                    return (0..names.len()).collect();
                }
                (0..names.len())
                    .filter(|&i| want.iter().any(|w| names[i].eq_ignore_ascii_case(w.trim())))
                    .collect()
            }
        }
    }
}

/// Default longest occurrence window: 14 days.
pub const DEFAULT_MAX_WINDOW: i64 = 14 * crate::time::DAY;

/// Truncates a local clock time to the start of its unit (hour, day, month, year).
pub fn truncate_time(t: i64, p: TimePrecision) -> i64 {
    use crate::time::{civil_from_days, days_from_civil, DAY};
    match p {
        TimePrecision::Second => t,
        TimePrecision::Minute | TimePrecision::Hour | TimePrecision::Day => {
            let u = p.seconds();
            t.div_euclid(u) * u
        }
        TimePrecision::Month => {
            let (y, m, _) = civil_from_days(t.div_euclid(DAY));
            days_from_civil(y, m, 1) * DAY
        }
        TimePrecision::Year => {
            let (y, _, _) = civil_from_days(t.div_euclid(DAY));
            days_from_civil(y, 1, 1) * DAY
        }
    }
}

impl LoadOptions {
    /// Defaults: everything detected, outlier factor 1.0.
    pub fn new() -> Self {
        LoadOptions {
            outlier_factor: Some(1.0),
            ..Default::default()
        }
    }
    /// Sets the CRS of the input coordinates.
    pub fn crs(mut self, crs: Crs) -> Self {
        self.crs = Some(crs);
        self
    }
    /// Sets the time column.
    pub fn time(mut self, col: &str) -> Self {
        self.time = Some(col.into());
        self
    }
    /// Adds a filter.
    pub fn filter(mut self, f: WhereFilter) -> Self {
        self.filters.push(f);
        self
    }
    /// Sets strict mode.
    pub fn strict(mut self, yes: bool) -> Self {
        self.strict = yes;
        self
    }
    /// Sets the source columns kept as text attributes (see [`Attributes`]).
    pub fn attributes(mut self, a: Attributes) -> Self {
        self.attributes = a;
        self
    }
}
