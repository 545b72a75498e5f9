//! Reading incidents and layers; writing results.
//!
//! The format is picked by the file extension (`.csv`, `.tsv`, `.txt`,
//! `.geojson`, `.json`, optionally gzipped as `.gz`); with the `gdal` feature any
//! other extension is read through GDAL/OGR.
//!
//! Loading never drops a row silently: every row that cannot be used is a
//! [`Rejection`] with a [`RejectReason`], counted in the [`LoadReport`]; rows
//! excluded on purpose (`where` filters, time window) are counted as filtered.

pub mod csv;
#[cfg(feature = "gdal")]
pub mod gdal;
pub mod geojson;
mod select;
mod timecol;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crs::{choose_working, Crs, CrsChoice, Reprojector};
use crate::error::{Error, Result};
use crate::layer::{Incidents, StringColumn, NO_CATEGORY};
use crate::time::TimePrecision;

pub use write::{write_atomic, OutputOptions};

/// Why a row was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A coordinate field is empty or the geometry is missing.
    MissingCoordinates,
    /// A coordinate could not be read as a number.
    UnparseableCoordinates,
    /// NaN or infinite coordinates.
    NonFiniteCoordinates,
    /// Longitude outside [-180, 180] or latitude outside [-90, 90].
    OutOfRangeLonLat,
    /// Both coordinates are zero: the "null island" placeholder for unknown locations.
    NullIsland,
    /// The time field is present but cannot be parsed.
    UnparseableTime,
    /// The point could not be reprojected.
    TransformFailed,
    /// The point lies far outside the extent of the rest of the data.
    FarOutsideExtent,
    /// The occurrence window ends before it starts.
    WindowEndsBeforeStart,
    /// The occurrence window is longer than `LoadOptions::max_window`.
    WindowTooLong,
    /// The geometry is not a point (for incident files).
    NotAPoint,
    /// The row has a different number of fields than the header.
    MalformedRow,
    /// A quoted field opened on this row never closes where it should: it ran over
    /// the line breaks of the following rows (which are read again on their own).
    UnbalancedQuote,
    /// A polygon that is invalid (self-intersecting, ...) and cannot be repaired;
    /// for repaired polygons, the reason in [`LayerReport::repaired`].
    InvalidGeometry,
}

impl RejectReason {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            RejectReason::MissingCoordinates => "missing coordinates",
            RejectReason::UnparseableCoordinates => "unparseable coordinates",
            RejectReason::NonFiniteCoordinates => "NaN/infinite coordinates",
            RejectReason::OutOfRangeLonLat => "lon/lat out of range",
            RejectReason::NullIsland => "(0, 0) null-island placeholder",
            RejectReason::UnparseableTime => "unparseable time",
            RejectReason::TransformFailed => "reprojection failed",
            RejectReason::FarOutsideExtent => "far outside the data's extent",
            RejectReason::NotAPoint => "geometry is not a point",
            RejectReason::MalformedRow => "malformed row",
            RejectReason::UnbalancedQuote => "unbalanced quote",
            RejectReason::InvalidGeometry => "invalid geometry",
            RejectReason::WindowEndsBeforeStart => "window ends before it starts",
            RejectReason::WindowTooLong => "window longer than `max_window`",
        }
    }
}

/// One rejected row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rejection {
    /// Source row (CSV: 1-based data row; GeoJSON: 0-based feature index).
    pub row: u64,
    /// Why.
    pub reason: RejectReason,
    /// The column(s) involved.
    pub column: String,
    /// The offending value.
    pub value: String,
    /// The whole raw record (CSV fields, or the feature's JSON), for `--rejects`.
    #[serde(skip)]
    pub raw: Vec<String>,
}

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
    /// The other source columns kept as text in [`Incidents::attrs`] (default: all).
    pub attributes: Attributes,
}

/// Which source columns a load keeps as text attributes ([`Incidents::attrs`]),
/// besides the coordinates, times and categories it always reads.
///
/// Attributes are the largest part of a loaded incident (a data.police.uk row keeps
/// ~150 bytes of text: the Crime ID, Location, LSOA code and name, outcome…), so a
/// run that reads none of them should load none. `where` filters read their columns
/// from the rows as they are read and need no attribute.
///
/// # Notes
/// Names match the header case-insensitively, as [`Incidents::attr`] does. When a name
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

/// Reads the window ends `to_text` (one per staged row, empty = exact), after the
/// start column's date order is decided; rejects (and counts) windows that end before
/// they start or are longer than `max_window`; fills `st.window_len`.
pub(crate) fn apply_window_ends(
    st: &mut Staging,
    to_text: &StringColumn,
    column: &str,
    opts: &LoadOptions,
) {
    let order = st
        .date_order
        .as_ref()
        .map_or(crate::time::DateOrder::MonthFirst, |c| c.order);
    let max = opts.max_window.unwrap_or(DEFAULT_MAX_WINDOW);
    let n = st.xy.len();
    let mut keep = vec![true; n];
    let mut lens = vec![0u32; n];
    let mut unread = Vec::new();
    for (i, k) in keep.iter_mut().enumerate() {
        let text = to_text.get(i).trim();
        let Some(from) = staged_time(st.time[i]) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let to = match &opts.time_format {
            Some(f) => crate::time::parse_with_format(text, f),
            None => crate::time::parse_ordered(text, order),
        };
        let Some((to, _)) = to else {
            unread.push((st.row[i], text.to_string()));
            continue;
        };
        let reason = if to < from {
            Some(RejectReason::WindowEndsBeforeStart)
        } else if to - from > max || to - from > u32::MAX as i64 {
            Some(RejectReason::WindowTooLong)
        } else {
            lens[i] = (to - from) as u32;
            None
        };
        if let Some(r) = reason {
            *k = false;
            let v = format!(
                "{} .. {}",
                crate::time::format(from, TimePrecision::Minute),
                crate::time::format(to, TimePrecision::Minute)
            );
            st.reject(st.row[i], r, column, &v, Vec::new());
        }
    }
    for (row, text) in unread {
        timecol::unparsed(st, row, column, &text);
    }
    if lens.iter().any(|&l| l > 0) {
        st.window_len = lens;
    }
    st.retain(&keep);
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

/// What happened while loading a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    /// The file.
    pub path: PathBuf,
    /// Format used (`csv`, `geojson`, `gdal:<driver>`).
    pub format: String,
    /// Data rows / features read.
    pub rows_read: u64,
    /// Incidents kept.
    pub accepted: u64,
    /// Rows excluded by `where` filters or the time window (not errors).
    pub filtered_out: u64,
    /// Of `filtered_out`: rows dropped by the time window because they have no
    /// (readable) time.
    #[serde(default)]
    pub filtered_without_time: u64,
    /// Accepted incidents without time: empty or unreadable time (kept; analyses
    /// needing time skip them and say how many, see [`crate::layer::TimeUse`]).
    pub missing_time: u64,
    /// Of `missing_time`: incidents whose time text could not be read.
    #[serde(default)]
    pub unparseable_time: u64,
    /// The accepted rows whose time text could not be read (kept without time),
    /// with the column and the text, in file order.
    #[serde(default)]
    pub time_unparsed: Vec<Rejection>,
    /// How numeric dates (`01/02/2024`) were read, when the time column has any.
    #[serde(default)]
    pub date_order: Option<crate::time::DateOrderChoice>,
    /// Rejected rows per reason.
    pub rejected: BTreeMap<RejectReason, u64>,
    /// All rejected rows, in file order.
    pub rejections: Vec<Rejection>,
    /// Which column played which role.
    pub columns: BTreeMap<String, String>,
    /// Input and working CRS.
    pub crs: CrsChoice,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Notes (e.g. assumed CRS, midnight-only times, how dates were read).
    pub notes: Vec<String>,
    /// What a time-of-day / day-of-week / night filter applied after the load did
    /// ([`crate::when::incidents::filter_incidents`]); `None` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_filter: Option<crate::when::incidents::TimeFilterReport>,
    /// Warnings: the data are probably misread (implausible location, ambiguous
    /// dates). Printed loudly; they do not stop the load.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl LoadReport {
    /// Total rejected rows.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// A short human summary: counts per reason and the first few rows.
    pub fn summary(&self, examples: usize) -> String {
        let mut s = format!(
            "{}: {} rows read, {} accepted, {} rejected, {} filtered out",
            self.path.display(),
            self.rows_read,
            self.accepted,
            self.rejected_total(),
            self.filtered_out
        );
        if self.missing_time > 0 {
            s.push_str(&format!(", {} without time", self.missing_time));
            if self.unparseable_time > 0 {
                let ex: Vec<String> = self
                    .time_unparsed
                    .iter()
                    .take(examples)
                    .map(|r| format!("row {} {}={:?}", r.row, r.column, r.value))
                    .collect();
                s.push_str(&format!(
                    " ({} with an unreadable time, kept for time-free analyses; e.g. {})",
                    self.unparseable_time,
                    ex.join("; ")
                ));
            }
        }
        if self.filtered_without_time > 0 {
            s.push_str(&format!(
                "\n  filtered out {:>5}  without time, by the time window",
                self.filtered_without_time
            ));
        }
        for (reason, n) in &self.rejected {
            s.push_str(&format!("\n  rejected {n:>8}  {}", reason.name()));
            let ex: Vec<String> = self
                .rejections
                .iter()
                .filter(|r| r.reason == *reason)
                .take(examples)
                .map(|r| format!("row {} {}={:?}", r.row, r.column, r.value))
                .collect();
            if !ex.is_empty() {
                s.push_str(&format!("  (e.g. {})", ex.join("; ")));
            }
        }
        s
    }

    /// Writes all rejected rows to a CSV: `row,reason,column,value,raw...`.
    pub fn write_rejects(&self, path: &Path, header: &[String], force: bool) -> Result<()> {
        let mut w = ::csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        let mut h = vec![
            "row".to_string(),
            "reason".into(),
            "column".into(),
            "value".into(),
        ];
        h.extend(header.iter().cloned());
        w.write_record(&h)
            .map_err(|e| Error::format(path, e.to_string()))?;
        for r in &self.rejections {
            let mut rec = vec![
                r.row.to_string(),
                r.reason.name().to_string(),
                r.column.clone(),
                r.value.clone(),
            ];
            rec.extend(r.raw.iter().cloned());
            w.write_record(&rec)
                .map_err(|e| Error::format(path, e.to_string()))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::format(path, e.to_string()))?;
        write_atomic(path, &bytes, force)
    }
}

/// Rows as read from a file, in the input CRS, before validation and projection.
#[derive(Debug, Default)]
pub(crate) struct Staging {
    pub xy: Vec<[f64; 2]>,
    /// Times, [`NO_TIME`] where absent (8 bytes per row instead of 16 for an
    /// `Option<i64>`: the staging is the peak memory of a national-size load).
    pub time: Vec<i64>,
    pub precision: Vec<TimePrecision>,
    /// Window lengths in seconds (see [`Incidents::window_len`]); empty when every
    /// time so far is exact, else one per staged row.
    pub window_len: Vec<u32>,
    pub category: Vec<u32>,
    pub categories: Vec<String>,
    pub cat_lookup: std::collections::HashMap<String, u32>,
    pub row: Vec<u64>,
    pub attrs: Vec<StringColumn>,
    pub attr_names: Vec<String>,
    pub rejections: Vec<Rejection>,
    pub rows_read: u64,
    pub filtered_out: u64,
    pub filtered_without_time: u64,
    /// Rows that passed every `where` filter.
    pub where_passed: u64,
    /// Per `where` filter: the values (as written, trimmed) of the rows it stopped,
    /// with their counts (at most [`WHERE_VALUES_KEPT`] distinct values).
    pub where_missed: Vec<BTreeMap<String, u64>>,
    pub notes: Vec<String>,
    pub columns: BTreeMap<String, String>,
    /// Whether the coordinates are known to be lon/lat (from column names or file CRS).
    pub lonlat_columns: bool,
    /// CRS declared by the file itself (GeoJSON `crs` member).
    pub file_crs: Option<Crs>,
    /// `file_crs` is the format's default (RFC 7946 EPSG:4326), not a declaration.
    pub file_crs_default: bool,
    /// Column names for the x and y roles (for messages).
    pub xy_names: (String, String),
    /// Rows kept without time because their time text cannot be read.
    pub time_unparsed: Vec<Rejection>,
    /// How numeric dates were read.
    pub date_order: Option<crate::time::DateOrderChoice>,
    /// Loud warnings (see [`LoadReport::warnings`]).
    pub warnings: Vec<String>,
    /// For files read from x/y columns that also have lon/lat columns: `(row, [lon,
    /// lat])` of the first rows, to check that the x/y CRS puts them at the same place.
    pub lonlat_check: Vec<(u64, [f64; 2])>,
}

/// A staged row without time (no time read from a file can be this far in the past).
pub(crate) const NO_TIME: i64 = i64::MIN;

/// A staged time as an option.
#[inline]
pub(crate) fn staged_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

/// Distinct values kept per `where` filter for the message of a filter that matches nothing.
pub(crate) const WHERE_VALUES_KEPT: usize = 1000;

impl Staging {
    /// Records the row value that `where` filter `k` stopped.
    pub(crate) fn where_missed(&mut self, k: usize, value: &str) {
        if self.where_missed.len() <= k {
            self.where_missed.resize_with(k + 1, BTreeMap::new);
        }
        let m = &mut self.where_missed[k];
        let v = value.trim();
        if let Some(c) = m.get_mut(v) {
            *c += 1;
        } else if m.len() < WHERE_VALUES_KEPT {
            m.insert(v.to_string(), 1);
        }
    }

    /// An error when `where` filters stopped every row that reached them: names the
    /// first filter that stopped rows and lists the values its column has.
    fn where_matched_nothing(&self, path: &Path, opts: &LoadOptions) -> Option<Error> {
        if opts.filters.is_empty() || self.where_passed > 0 {
            return None;
        }
        let (k, seen) = self
            .where_missed
            .iter()
            .enumerate()
            .find(|(_, m)| !m.is_empty())?;
        let f = opts.filters.get(k)?;
        let mut vals: Vec<(&String, &u64)> = seen.iter().collect();
        vals.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = vals
            .iter()
            .take(20)
            .map(|(v, c)| {
                if v.is_empty() {
                    format!("(empty) ({c})")
                } else {
                    format!("{v} ({c})")
                }
            })
            .collect();
        let more = if vals.len() > 20 {
            format!(", ... {} more", vals.len() - 20)
        } else {
            String::new()
        };
        Some(Error::invalid_param(
            "where",
            f.describe(),
            format!(
                "no row of {} matches; '{}' has: {}{more}",
                path.display(),
                f.column,
                shown.join(", ")
            ),
        ))
    }

    pub fn category_index(&mut self, v: &str) -> u32 {
        let v = v.trim();
        if v.is_empty() {
            return NO_CATEGORY;
        }
        if let Some(&i) = self.cat_lookup.get(v) {
            return i;
        }
        let i = self.categories.len() as u32;
        self.categories.push(v.to_string());
        self.cat_lookup.insert(v.to_string(), i);
        i
    }

    /// Keeps the staged rows whose `keep` entry is true.
    fn retain(&mut self, keep: &[bool]) {
        let idx: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
        if idx.len() == keep.len() {
            return;
        }
        fn pick<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| k.next().copied().unwrap_or(true));
        }
        pick(&mut self.xy, keep);
        pick(&mut self.time, keep);
        pick(&mut self.precision, keep);
        pick(&mut self.window_len, keep);
        pick(&mut self.category, keep);
        pick(&mut self.row, keep);
        for c in &mut self.attrs {
            *c = c.select(&idx);
        }
    }

    pub fn reject(
        &mut self,
        row: u64,
        reason: RejectReason,
        column: &str,
        value: &str,
        raw: Vec<String>,
    ) {
        self.rejections.push(Rejection {
            row,
            reason,
            column: column.to_string(),
            value: value.to_string(),
            raw,
        });
    }
}

fn looks_lonlat(xy: &[[f64; 2]]) -> bool {
    !xy.is_empty() && xy.iter().all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
}

fn share_outside_lonlat(xy: &[[f64; 2]]) -> f64 {
    if xy.is_empty() {
        return 0.0;
    }
    xy.iter()
        .filter(|p| p[0].abs() > 180.0 || p[1].abs() > 90.0)
        .count() as f64
        / xy.len() as f64
}

/// The `q` quantile of `v` with linear interpolation between order statistics
/// (the same value as interpolating in the sorted slice), in O(n) by selection.
/// `v` is reordered. `v` must not be empty.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut a, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    if pos == lo as f64 || above.is_empty() {
        return a;
    }
    let b = above.iter().copied().fold(f64::INFINITY, f64::min);
    a + (b - a) * (pos - lo as f64)
}

/// Validates staged rows, decides the CRS, reprojects, rejects outliers and builds
/// the incidents. Shared by every reader.
pub(crate) fn finish(
    mut st: Staging,
    path: &Path,
    format: &str,
    sha256: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    if let Some(e) = st.where_matched_nothing(path, opts) {
        return Err(e);
    }
    if let Some(p) = opts.time_precision {
        force_precision(&mut st, p);
    }
    if opts.from.is_some() || opts.to.is_some() {
        keep_time_window(&mut st, opts);
    }
    if let Some(c) = &st.date_order {
        let d = c.describe();
        if c.ambiguous {
            st.warnings.push(d);
        } else {
            st.notes.push(d);
        }
    }
    let (input_crs, source) = input_crs(&mut st, opts);
    check_crs_guess(&st, &input_crs, path)?;
    let mut keep = reject_invalid(&mut st, input_crs.is_geographic());
    let (pts, working, reason) = project(&mut st, &input_crs, opts, &mut keep)?;
    if let Some(f) = opts.outlier_factor {
        reject_outliers(&mut st, &pts, &mut keep, f);
    }
    st.rejections.sort_by_key(|r| r.row);
    let mut rejected = BTreeMap::new();
    for r in &st.rejections {
        *rejected.entry(r.reason).or_insert(0u64) += 1;
    }
    // ---- is the data where data can be?
    if keep.iter().any(|&k| k) {
        plausibility(&st, &keep, &pts, &input_crs, &working, path)?;
        let warnings = location_warnings(&st, &keep, &pts, &input_crs, &working);
        st.warnings.extend(warnings);
    }
    // ---- unreadable times of the rows kept
    if !st.time_unparsed.is_empty() {
        st.time_unparsed.sort_by_key(|r| r.row);
        // staged rows are in file order: keep the unreadable ones still kept
        let (row, kp) = (&st.row, &keep);
        let mut kept_rows = (0..kp.len()).filter(|&i| kp[i]).map(|i| row[i]).peekable();
        st.time_unparsed.retain(|r| {
            while kept_rows.next_if(|&k| k < r.row).is_some() {}
            kept_rows.peek() == Some(&r.row)
        });
    }
    let crs = CrsChoice {
        input: input_crs,
        input_source: source,
        working,
        reason,
    };
    // the source coordinates are not needed any more (freed before the index of the
    // kept rows is built: the peak memory of a load is here)
    st.xy = Vec::new();
    let kept: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
    drop(keep);
    let inc = assemble(&mut st, pts, kept, crs.clone());
    let notes = time_notes(&mut st, &inc);
    let report = LoadReport {
        path: path.to_path_buf(),
        format: format.to_string(),
        rows_read: st.rows_read,
        accepted: inc.len() as u64,
        filtered_out: st.filtered_out,
        filtered_without_time: st.filtered_without_time,
        missing_time: inc.time.iter().filter(|t| t.is_none()).count() as u64,
        unparseable_time: st.time_unparsed.len() as u64,
        time_unparsed: st.time_unparsed,
        date_order: st.date_order,
        rejected,
        rejections: st.rejections,
        columns: st.columns,
        crs,
        sha256,
        notes,
        time_filter: None,
        warnings: st.warnings,
    };
    refuse_strict_or_empty(&inc, report, path, opts).map(|report| (inc, report))
}

/// A forced precision (`time_precision`): truncates starts and window ends.
fn force_precision(st: &mut Staging, p: TimePrecision) {
    let mut changed = 0usize;
    for i in 0..st.xy.len() {
        let Some(t) = staged_time(st.time[i]) else {
            continue;
        };
        let u = truncate_time(t, p);
        if let Some(l) = st.window_len.get_mut(i) {
            let end = truncate_time(t + *l as i64, p);
            *l = (end - u).max(0) as u32;
        }
        changed += usize::from(u != t || st.precision[i] != p);
        st.time[i] = u;
        st.precision[i] = p;
    }
    st.notes.push(format!(
        "every time read at {} precision (`time_precision`): {changed} time(s) truncated or relabelled",
        p.name()
    ));
}

/// The time window `[from, to)`: rows outside it are filtered, not rejected.
fn keep_time_window(st: &mut Staging, opts: &LoadOptions) {
    let mut keep = vec![true; st.xy.len()];
    for (k, &t) in keep.iter_mut().zip(&st.time) {
        match staged_time(t) {
            Some(t) => {
                if opts.from.is_some_and(|f| t < f) || opts.to.is_some_and(|e| t >= e) {
                    *k = false;
                }
            }
            None => {
                *k = false;
                st.filtered_without_time += 1;
            }
        }
    }
    st.filtered_out += keep.iter().filter(|k| !**k).count() as u64;
    st.retain(&keep);
}

/// The CRS of the input coordinates and where it comes from.
fn input_crs(st: &mut Staging, opts: &LoadOptions) -> (Crs, String) {
    if let Some(c) = &opts.crs {
        (c.clone(), "given (`crs`)".to_string())
    } else if let Some(c) = &st.file_crs {
        let src = if st.file_crs_default {
            "GeoJSON default (RFC 7946)"
        } else {
            "declared by the file"
        };
        (c.clone(), src.to_string())
    } else if st.lonlat_columns {
        (crate::crs::WGS84, "longitude/latitude columns".to_string())
    } else if looks_lonlat(&st.xy) {
        st.notes.push(format!(
            "x/y columns ({}, {}) all lie within lon/lat ranges: read as EPSG:4326; pass `crs` if they are projected",
            st.xy_names.0, st.xy_names.1
        ));
        (crate::crs::WGS84, "detected from value ranges".to_string())
    } else {
        st.notes.push(format!(
            "no CRS given and x/y ({}, {}) are not lon/lat: assumed a projected CRS in metres (local-m); pass `crs` EPSG:xxxx to georeference outputs",
            st.xy_names.0, st.xy_names.1
        ));
        (
            Crs::Local { unit_to_metre: 1.0 },
            "assumed (projected, metres)".to_string(),
        )
    }
}

/// Errors for a wrong CRS guess: lon/lat columns holding projected values, or a
/// projected CRS given for lon/lat values.
fn check_crs_guess(st: &Staging, input_crs: &Crs, path: &Path) -> Result<()> {
    if st.xy.is_empty() {
        return Ok(());
    }
    if input_crs.is_geographic() {
        let share = share_outside_lonlat(&st.xy);
        if share > 0.5 {
            let ex = st
                .xy
                .iter()
                .zip(&st.row)
                .find(|(p, _)| p[0].abs() > 180.0 || p[1].abs() > 90.0)
                .map(|(p, r)| {
                    format!(
                        "row {r}: {}={}, {}={}",
                        st.xy_names.0, p[0], st.xy_names.1, p[1]
                    )
                })
                .unwrap_or_default();
            let swapped = st
                .xy
                .iter()
                .all(|p| p[0].abs() <= 90.0 && p[1].abs() <= 180.0);
            let hint = if swapped {
                "the two columns look swapped (latitude in the x column): use `x`/`y` to name them"
            } else {
                "the values look projected: pass `crs` with the file's CRS (EPSG:xxxx, or local-m / local-ft for a local frame)"
            };
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "{:.0}% of coordinates are outside lon/lat ranges for {} ({ex}); {hint}",
                    share * 100.0,
                    input_crs
                ),
            });
        }
    } else if !matches!(input_crs, Crs::Local { .. }) && looks_lonlat(&st.xy) {
        let b = crate::layer::bbox_of(st.xy.iter().copied()).unwrap_or([0.0; 4]);
        if b[2] - b[0] < 5.0 && b[3] - b[1] < 5.0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "`crs` {input_crs} is projected but every coordinate looks like lon/lat (x {:.4}..{:.4}, y {:.4}..{:.4}); did you mean `crs` EPSG:4326?",
                    b[0], b[2], b[1], b[3]
                ),
            });
        }
    }
    Ok(())
}

/// Rejects rows with non-finite coordinates, at (0, 0) or outside lon/lat ranges;
/// whether each row is kept.
fn reject_invalid(st: &mut Staging, geographic: bool) -> Vec<bool> {
    let mut keep = vec![true; st.xy.len()];
    let mut invalid = Vec::new();
    for (i, &p) in st.xy.iter().enumerate() {
        let reason = if !p[0].is_finite() || !p[1].is_finite() {
            Some(RejectReason::NonFiniteCoordinates)
        } else if p[0] == 0.0 && p[1] == 0.0
            || (geographic && p[0].abs() < 1e-9 && p[1].abs() < 1e-9)
        {
            Some(RejectReason::NullIsland)
        } else if geographic && (p[0].abs() > 180.0 || p[1].abs() > 90.0) {
            Some(RejectReason::OutOfRangeLonLat)
        } else {
            None
        };
        if let Some(r) = reason {
            invalid.push((i, r));
        }
    }
    for (i, r) in invalid {
        keep[i] = false;
        let p = st.xy[i];
        let (r_row, name) = (st.row[i], format!("{},{}", st.xy_names.0, st.xy_names.1));
        st.reject(r_row, r, &name, &format!("{}, {}", p[0], p[1]), Vec::new());
    }
    keep
}

/// The `q` quantile of axis `a` of the points whose `keep` entry is true (at least
/// one), without copying them (see [`select`]).
fn axis_quantile(pts: &[[f64; 2]], keep: &[bool], a: usize, q: f64) -> f64 {
    let m = keep.iter().filter(|&&k| k).count();
    select::quantile_of(pts.len(), m, &|i: usize| keep[i].then(|| pts[i][a]), q)
}

/// Chooses the working CRS from the median centre of the kept points and projects
/// them (rows whose transformation fails are rejected): the projected points (one
/// per staged row), the working CRS and why it was chosen.
fn project(
    st: &mut Staging,
    input_crs: &Crs,
    opts: &LoadOptions,
    keep: &mut [bool],
) -> Result<(Vec<[f64; 2]>, Crs, String)> {
    let n = st.xy.len();
    let all_kept = keep.iter().all(|&k| k);
    let centre = if !keep.iter().any(|&k| k) {
        (0.0, 0.0)
    } else {
        (
            axis_quantile(&st.xy, keep, 0, 0.5),
            axis_quantile(&st.xy, keep, 1, 0.5),
        )
    };
    let (working, reason) = match &opts.target_crs {
        Some(t) => (t.clone(), "given (`target_crs`)".to_string()),
        None => choose_working(input_crs, centre)?,
    };
    let proj = Reprojector::new(input_crs, &working)?;
    // transform the kept rows only (in place when every row is kept)
    let mut pts: Vec<[f64; 2]> = st.xy.clone();
    let failed: Vec<usize> = if all_kept {
        proj.apply_all(&mut pts)
    } else {
        let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
        let mut sub: Vec<[f64; 2]> = idx.iter().map(|&i| pts[i]).collect();
        let bad = proj.apply_all(&mut sub);
        for (k, &i) in idx.iter().enumerate() {
            pts[i] = sub[k];
        }
        bad.into_iter().map(|k| idx[k]).collect()
    };
    for i in failed {
        keep[i] = false;
        let raw = Vec::new();
        let (row, v) = (st.row[i], format!("{}, {}", st.xy[i][0], st.xy[i][1]));
        let name = format!("{},{}", st.xy_names.0, st.xy_names.1);
        st.reject(row, RejectReason::TransformFailed, &name, &v, raw);
    }
    Ok((pts, working, reason))
}

/// Rejects points farther than `factor × robust span` outside the robust box (1st–99th
/// percentile per axis, projected), when at least 50 points are kept.
fn reject_outliers(st: &mut Staging, pts: &[[f64; 2]], keep: &mut [bool], factor: f64) {
    let n = pts.len();
    let kept = keep.iter().filter(|&&k| k).count();
    if kept < 50 {
        return;
    }
    let band = |a: usize| {
        (
            axis_quantile(pts, keep, a, 0.01),
            axis_quantile(pts, keep, a, 0.99),
        )
    };
    let ((x1, x99), (y1, y99)) = (band(0), band(1));
    let span = (x99 - x1).max(y99 - y1).max(1000.0) * factor;
    for i in 0..n {
        if !keep[i] {
            continue;
        }
        let p = pts[i];
        if p[0] < x1 - span || p[0] > x99 + span || p[1] < y1 - span || p[1] > y99 + span {
            keep[i] = false;
            let raw = Vec::new();
            let (row, v) = (st.row[i], format!("{}, {}", st.xy[i][0], st.xy[i][1]));
            let name = format!("{},{}", st.xy_names.0, st.xy_names.1);
            st.reject(row, RejectReason::FarOutsideExtent, &name, &v, raw);
        }
    }
}

/// The incidents of the kept rows (moving the staged columns when every row is kept).
fn assemble(st: &mut Staging, pts: Vec<[f64; 2]>, kept: Vec<usize>, crs: CrsChoice) -> Incidents {
    use std::mem::take;
    if kept.len() == pts.len() {
        // nothing rejected late: move the columns instead of copying them
        return Incidents {
            xy: pts,
            time: take(&mut st.time).into_iter().map(staged_time).collect(),
            precision: take(&mut st.precision),
            window_len: take(&mut st.window_len),
            category: take(&mut st.category),
            categories: take(&mut st.categories),
            row: take(&mut st.row),
            attrs: take(&mut st.attrs),
            attr_names: take(&mut st.attr_names),
            crs,
        };
    }
    Incidents {
        xy: kept.iter().map(|&i| pts[i]).collect(),
        time: kept.iter().map(|&i| staged_time(st.time[i])).collect(),
        precision: kept.iter().map(|&i| st.precision[i]).collect(),
        window_len: if st.window_len.is_empty() {
            Vec::new()
        } else {
            kept.iter().map(|&i| st.window_len[i]).collect()
        },
        category: kept.iter().map(|&i| st.category[i]).collect(),
        categories: take(&mut st.categories),
        row: kept.iter().map(|&i| st.row[i]).collect(),
        attrs: st.attrs.iter().map(|c| c.select(&kept)).collect(),
        attr_names: take(&mut st.attr_names),
        crs,
    }
}

/// Warns about many unreadable times and notes times that look like date-only
/// placeholders (00:00); the notes of the load.
fn time_notes(st: &mut Staging, inc: &Incidents) -> Vec<String> {
    let unreadable = st.time_unparsed.len();
    if unreadable > 0 && unreadable * 10 >= inc.len() {
        let first = &st.time_unparsed[0];
        st.warnings.push(format!(
            "{unreadable} of {} times could not be read (e.g. row {} {:?}): those incidents are kept without time; give the time format (`time_format`) or the time column (`time`)",
            inc.len(),
            first.row,
            first.value
        ));
    }
    let mut notes = std::mem::take(&mut st.notes);
    let missing_time = inc.time.iter().filter(|t| t.is_none()).count() as u64;
    let with_time = inc.len() as u64 - missing_time;
    if with_time > 0 {
        let midnight = inc
            .time
            .iter()
            .zip(&inc.precision)
            .filter(|(t, p)| {
                t.is_some_and(|t| t.rem_euclid(crate::time::DAY) == 0) && **p < TimePrecision::Day
            })
            .count() as u64;
        if midnight * 10 > with_time && midnight > 10 {
            notes.push(format!(
                "{midnight} of {with_time} times are exactly 00:00: they may be date-only placeholders; treat the data as day precision"
            ));
        }
    }
    notes
}

/// The report, or the error of a strict load with rejections or of a load that kept
/// nothing.
fn refuse_strict_or_empty(
    inc: &Incidents,
    report: LoadReport,
    path: &Path,
    opts: &LoadOptions,
) -> Result<LoadReport> {
    let first = [report.rejections.first(), report.time_unparsed.first()]
        .into_iter()
        .flatten()
        .min_by_key(|r| r.row)
        .map(|r| (r.row, r.reason.name().to_string(), r.value.clone()));
    if let (true, Some((first_row, first_reason, first_value))) = (opts.strict, first) {
        return Err(Error::Strict {
            path: path.to_path_buf(),
            count: report.rejections.len() + report.time_unparsed.len(),
            first_row,
            first_reason,
            first_value,
            report: Some(Box::new(report)),
        });
    }
    if inc.is_empty() && !report.rejections.is_empty() {
        let reasons: Vec<String> = report
            .rejected
            .iter()
            .map(|(r, c)| format!("{c} {}", r.name()))
            .collect();
        let first = &report.rejections[0];
        let message = format!(
            "no usable rows: all {} rejected ({}); first: row {}, column '{}', value {:?}. Check the coordinate columns (`x`/`y` or `location`), `crs` and `time_format`",
            report.rejections.len(),
            reasons.join(", "),
            first.row,
            first.column,
            first.value
        );
        return Err(Error::NoUsableRows {
            path: path.to_path_buf(),
            message,
            report: Box::new(report),
        });
    }
    Ok(report)
}

/// Latitude beyond which a data set's centre is implausible for crime data.
pub const PLAUSIBLE_LAT: f64 = 75.0;

/// Tolerance (m) between a row's x/y (in the CRS given) and its lon/lat columns.
const LONLAT_AGREEMENT_M: f64 = 1000.0;

/// Approximate ground distance (m) between two lon/lat points (equirectangular;
/// exact enough to tell metres from kilometres).
fn ground_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let r = 6_371_008.8;
    let lat = (0.5 * (a[1] + b[1])).to_radians();
    let dx = (b[0] - a[0]).to_radians() * lat.cos();
    let dy = (b[1] - a[1]).to_radians();
    r * (dx * dx + dy * dy).sqrt()
}

/// The median centre of the kept points in lon/lat, when the CRS is georeferenced.
fn lonlat_centre(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
) -> Option<[f64; 2]> {
    if input.is_geographic() {
        return Some([
            axis_quantile(&st.xy, keep, 0, 0.5),
            axis_quantile(&st.xy, keep, 1, 0.5),
        ]);
    }
    if !working.is_georeferenced() {
        return None;
    }
    let (x, y) = (
        axis_quantile(pts, keep, 0, 0.5),
        axis_quantile(pts, keep, 1, 0.5),
    );
    let r = Reprojector::new(working, &crate::crs::WGS84).ok()?;
    r.apply(x, y).ok().map(|(lon, lat)| [lon, lat])
}

/// Errors for data that are certainly misread: x/y columns read in the CRS given lie
/// far from the same rows' lon/lat columns.
fn plausibility(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
    path: &Path,
) -> Result<()> {
    if st.lonlat_check.is_empty() || input.is_geographic() || !working.is_georeferenced() {
        return Ok(());
    }
    let Ok(back) = Reprojector::new(working, &crate::crs::WGS84) else {
        return Ok(());
    };
    let mut d = Vec::new();
    let mut example = None;
    for (row, ll) in &st.lonlat_check {
        // staged rows are in file order (row numbers increase)
        let Ok(i) = st.row.binary_search(row) else {
            continue;
        };
        if !keep[i] {
            continue;
        }
        if let Ok((lon, lat)) = back.apply(pts[i][0], pts[i][1]) {
            d.push(ground_distance([lon, lat], *ll));
            if example.is_none() {
                example = Some((*row, [lon, lat], *ll));
            }
        }
    }
    if d.len() < 3 && d.len() < st.lonlat_check.len() {
        return Ok(());
    }
    let Some((row, xy_ll, ll)) = example else {
        return Ok(());
    };
    let med = quantile(&mut d, 0.5);
    if med > LONLAT_AGREEMENT_M {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "the x/y columns ({}, {}) read as {input} put row {row} at lon/lat ({:.5}, {:.5}), but its lon/lat columns say ({:.5}, {:.5}); the median distance over {} rows is {:.0} km. The x/y columns are not in {input}: give their CRS, or read the lon/lat columns (EPSG:4326)",
                st.xy_names.0,
                st.xy_names.1,
                xy_ll[0],
                xy_ll[1],
                ll[0],
                ll[1],
                d.len(),
                med / 1000.0
            ),
        });
    }
    Ok(())
}

/// Loud warnings for data whose centre lies where crime data cannot be.
fn location_warnings(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
) -> Vec<String> {
    let mut w = Vec::new();
    let Some(c) = lonlat_centre(st, keep, pts, input, working) else {
        return w;
    };
    if c[1].abs() > PLAUSIBLE_LAT {
        let mut msg = format!(
            "the data's centre is at lon/lat ({:.4}, {:.4}), beyond {PLAUSIBLE_LAT}° of latitude, where there is almost no crime data",
            c[0], c[1]
        );
        if input.is_geographic() && c[0].abs() <= PLAUSIBLE_LAT {
            msg.push_str(&format!(
                "; swapped, ({:.4}, {:.4}) would be plausible: the columns {} and {} look swapped (latitude first): name the x (longitude) and y (latitude) columns explicitly",
                c[1], c[0], st.xy_names.0, st.xy_names.1
            ));
        } else if !input.is_geographic() {
            msg.push_str(&format!(
                "; the coordinates were read as {input}: check that this is their CRS"
            ));
        }
        w.push(msg);
    }
    w
}

/// Warnings for a layer whose centre lies where it cannot be, or far from the
/// working CRS's area (a layer of another city), from its geometries in the input
/// CRS.
fn layer_warnings(
    geoms: &[geo::Geometry<f64>],
    input: &Crs,
    working: &Crs,
    name: &str,
) -> Vec<String> {
    let mut w = Vec::new();
    let (x, y) = geojson::layer_centre(geoms);
    if geoms.is_empty() {
        return w;
    }
    let c = if input.is_geographic() {
        Some([x, y])
    } else if input.is_georeferenced() {
        Reprojector::new(input, &crate::crs::WGS84)
            .ok()
            .and_then(|r| r.apply(x, y).ok())
            .map(|(a, b)| [a, b])
    } else {
        None
    };
    let Some(c) = c else { return w };
    if c[1].abs() > PLAUSIBLE_LAT {
        w.push(format!(
            "layer '{name}': its centre is at lon/lat ({:.4}, {:.4}), beyond {PLAUSIBLE_LAT}° of latitude: check its CRS",
            c[0], c[1]
        ));
    }
    if let Some(zone_lon) = working.utm_central_meridian() {
        let mut dl = (c[0] - zone_lon).abs() % 360.0;
        if dl > 180.0 {
            dl = 360.0 - dl;
        }
        if dl > 9.0 {
            w.push(format!(
                "layer '{name}': its centre lon/lat ({:.4}, {:.4}) is {dl:.0}° of longitude from the working CRS {working} (central meridian {zone_lon}°): is it the same place as the other data?",
                c[0], c[1]
            ));
        }
    }
    w
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a whole file, transparently gunzipping `.gz`.
pub fn read_bytes(path: &Path) -> Result<(Vec<u8>, String)> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let hash = sha256_hex(&raw);
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || raw.starts_with(&[0x1f, 0x8b])
    {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("cannot gunzip: {e}")))?;
        Ok((out, hash))
    } else {
        Ok((raw, hash))
    }
}

/// File formats crimescape reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// GeoJSON FeatureCollection.
    GeoJson,
    /// Anything GDAL reads (feature `gdal`).
    Gdal,
}

/// Picks a format from the extension (ignoring a trailing `.gz`).
pub fn detect_format(path: &Path) -> Result<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "csv" | "tsv" | "txt" | "tab" => Ok(Format::Csv),
        "geojson" | "json" => Ok(Format::GeoJson),
        _ if cfg!(feature = "gdal") => Ok(Format::Gdal),
        _ => Err(Error::format(
            path,
            format!(
                "unsupported file type '.{ext}': crimescape reads .csv/.tsv/.txt and .geojson/.json (optionally .gz); build with --features gdal for Shapefile, GeoPackage and other formats"
            ),
        )),
    }
}

/// Loads incidents from a file, choosing the reader by extension.
///
/// # Examples
/// ```
/// use crimescape::{load_incidents, LoadOptions};
/// let dir = std::env::temp_dir().join(format!("crimescape-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("incidents.csv");
/// std::fs::write(
///     &path,
///     "lon,lat,date,category\n\
///      2.090,48.770,2024-03-04 21:15,burglary\n\
///      ,48.770,2024-03-05,theft\n\
///      2.092,48.772,2024-03-07,theft\n",
/// )
/// .unwrap();
/// let (inc, report) = load_incidents(&path, &LoadOptions::new()).unwrap();
/// // the row without a longitude is rejected and counted, never silently lost
/// assert_eq!((report.rows_read, report.accepted), (3, 2));
/// assert_eq!(inc.len(), 2);
/// // lon/lat are projected to the UTM zone of the data (zone 31N), in metres:
/// // 0.002° of longitude and latitude apart at 48.77° N is about 267 m
/// assert!(inc.crs.working.to_string().contains("32631"));
/// let d = ((inc.xy[1][0] - inc.xy[0][0]).powi(2) + (inc.xy[1][1] - inc.xy[0][1]).powi(2)).sqrt();
/// assert!((d - 267.0).abs() < 3.0, "{d}");
/// assert_eq!(inc.category_name(1), Some("theft"));
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn load_incidents(
    path: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    let path = path.as_ref();
    match detect_format(path)? {
        Format::Csv => csv::read_incidents(path, opts),
        Format::GeoJson => geojson::read_incidents(path, opts),
        #[cfg(feature = "gdal")]
        Format::Gdal => gdal::read_incidents(path, opts),
        #[cfg(not(feature = "gdal"))]
        Format::Gdal => Err(Error::format(path, "GDAL support not built")),
    }
}

/// Options for loading a layer.
#[derive(Debug, Clone, Default)]
pub struct LayerOptions {
    /// CRS of the file (otherwise the file's own declaration, or EPSG:4326 for GeoJSON).
    pub crs: Option<Crs>,
    /// Working CRS to reproject to (otherwise chosen like for incidents).
    pub target: Option<Crs>,
    /// Name of the layer (default: file stem).
    pub name: Option<String>,
    /// Feature filters on properties.
    pub filters: Vec<WhereFilter>,
}

/// What happened while loading a layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerReport {
    /// The file.
    pub path: PathBuf,
    /// Features read.
    pub features_read: u64,
    /// Features kept.
    pub accepted: u64,
    /// Features excluded by filters.
    pub filtered_out: u64,
    /// Features without a usable geometry (null, empty, invalid coordinates), with reasons.
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Rejected feature indices with their reason.
    pub rejections: Vec<Rejection>,
    /// Input and working CRS.
    pub crs: CrsChoice,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Warnings: the layer is probably misread or misplaced (implausible location,
    /// far from the working CRS's area), polygons repaired.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Features whose invalid polygons were repaired (kept, with the repaired
    /// geometry), with what was wrong and the area before and after.
    #[serde(default)]
    pub repaired: Vec<Rejection>,
}

/// Loads a built-environment layer (points, lines, polygons with attributes).
pub fn load_layer(
    path: impl AsRef<Path>,
    opts: &LayerOptions,
) -> Result<(crate::layer::Layer, LayerReport)> {
    let path = path.as_ref();
    match detect_format(path)? {
        Format::GeoJson => geojson::read_layer(path, opts),
        Format::Csv => csv::read_point_layer(path, opts),
        #[cfg(feature = "gdal")]
        Format::Gdal => gdal::read_layer(path, opts),
        #[cfg(not(feature = "gdal"))]
        Format::Gdal => Err(Error::format(path, "GDAL support not built")),
    }
}

#[cfg(test)]
mod fuzz_tests {
    //! Fuzz-style robustness: random bytes and truncated/garbled real files must give
    //! an error or a consistent report, never a panic.

    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const CSV_FIXTURES: &[&[u8]] = &[
        include_bytes!("../../fixtures/incidents/bad_rows.csv"),
        include_bytes!("../../fixtures/incidents/timestamps.csv"),
        include_bytes!("../../fixtures/incidents/split_time.csv"),
        include_bytes!("../../fixtures/incidents/location_column.csv"),
        include_bytes!("../../fixtures/incidents/semicolon_decimal_comma.csv"),
        include_bytes!("../../fixtures/incidents/latin1.csv"),
    ];

    const GEOJSON_FIXTURE: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"a","datetime":"2019-01-01 10:00"},"geometry":{"type":"Point","coordinates":[-87.65,41.85]}},
{"type":"Feature","properties":{"name":"b"},"geometry":{"type":"LineString","coordinates":[[-87.65,41.85],[-87.64,41.86]]}},
{"type":"Feature","properties":{"name":"c"},"geometry":{"type":"Polygon","coordinates":[[[-87.65,41.85],[-87.64,41.85],[-87.64,41.86],[-87.65,41.85]]]}},
{"type":"Feature","properties":null,"geometry":null},
{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[-87.6,41.8],[-87.5,41.8],[-87.5,41.9],[-87.6,41.8]]]]}}
]}"#;

    /// Up to `max` bytes of a file under ../shared/data, if present.
    fn shared(rel: &str, max: usize) -> Option<Vec<u8>> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(rel);
        let mut b = std::fs::read(p).ok()?;
        b.truncate(max);
        Some(b)
    }

    fn garble(rng: &mut ChaCha8Rng, src: &[u8]) -> Vec<u8> {
        const NASTY: &[u8] = b",;\t|\"\n\r ()-.0123456789eEaZT:/NnIi\xff\xfe\x00";
        let mut b = src.to_vec();
        match rng.random_range(0..6) {
            0 => {
                let n = rng.random_range(0..512);
                (0..n).map(|_| rng.random()).collect()
            }
            1 => {
                let cut = rng.random_range(0..=b.len());
                b.truncate(cut);
                b
            }
            2 => {
                for _ in 0..rng.random_range(1..20) {
                    if b.is_empty() {
                        break;
                    }
                    let i = rng.random_range(0..b.len());
                    b[i] = NASTY[rng.random_range(0..NASTY.len())];
                }
                b
            }
            3 => {
                for _ in 0..rng.random_range(1..10) {
                    let i = rng.random_range(0..=b.len());
                    b.insert(i, NASTY[rng.random_range(0..NASTY.len())]);
                }
                b
            }
            4 => {
                // swap two slices of lines
                let lines: Vec<&[u8]> = src.split(|&c| c == b'\n').collect();
                let mut out = Vec::new();
                for _ in 0..lines.len() {
                    out.extend_from_slice(lines[rng.random_range(0..lines.len())]);
                    out.push(b'\n');
                }
                out
            }
            _ => {
                for _ in 0..rng.random_range(1..5) {
                    if b.is_empty() {
                        break;
                    }
                    let i = rng.random_range(0..b.len());
                    let j = rng.random_range(i..=b.len().min(i + 40));
                    b.drain(i..j);
                }
                b
            }
        }
    }

    fn mutate_json(rng: &mut ChaCha8Rng, v: &mut serde_json::Value) {
        use serde_json::{json, Value};
        if rng.random_bool(0.03) {
            *v = match rng.random_range(0..9) {
                0 => Value::Null,
                1 => json!(1e308),
                2 => json!(-999.0),
                3 => json!("x"),
                4 => json!([]),
                5 => json!({}),
                6 => json!([1]),
                7 => json!({"type": "Point", "coordinates": [0, 0]}),
                _ => json!(true),
            };
            return;
        }
        match v {
            Value::Array(a) => {
                if !a.is_empty() && rng.random_bool(0.02) {
                    let i = rng.random_range(0..a.len());
                    a.remove(i);
                }
                for x in a {
                    mutate_json(rng, x);
                }
            }
            Value::Object(m) => {
                for (_, x) in m.iter_mut() {
                    mutate_json(rng, x);
                }
            }
            _ => {}
        }
    }

    fn option_sets() -> Vec<LoadOptions> {
        vec![
            LoadOptions::new(),
            LoadOptions::new().crs(Crs::Local { unit_to_metre: 1.0 }),
            LoadOptions::new().strict(true),
            LoadOptions {
                location: Some("location".into()),
                from: Some(0),
                ..LoadOptions::new()
            },
            LoadOptions::new().filter(WhereFilter::parse("category=theft").unwrap()),
        ]
    }

    fn check_report(rep: &LoadReport, inc: &Incidents) {
        assert_eq!(
            rep.accepted + rep.rejected_total() + rep.filtered_out,
            rep.rows_read,
            "every row is accepted, rejected or filtered"
        );
        assert_eq!(rep.accepted as usize, inc.len());
        assert!(inc.xy.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        assert_eq!(inc.time.len(), inc.len());
        assert!(inc.attrs.iter().all(|c| c.len() == inc.len()));
    }

    #[test]
    fn quantile_equals_sorted_interpolation() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1e3..1e3)).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.01, 0.25, 0.5, 0.99, 1.0] {
                let pos = q * (n - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                let want = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64);
                let got = quantile(&mut v.clone(), q);
                assert!((got - want).abs() < 1e-9, "n={n} q={q}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn fuzz_csv_reader_never_panics() {
        let mut sources: Vec<Vec<u8>> = CSV_FIXTURES.iter().map(|b| b.to_vec()).collect();
        for rel in [
            "chicago/aggravated_assaults_2010_2019.csv",
            "vancouver/vpd_crimes_2020.csv",
            "chicago/spatstat_chicago_2002_local_feet.csv",
        ] {
            match shared(rel, 20_000) {
                Some(b) => sources.push(b),
                None => eprintln!("skipping {rel}: ../shared/data not found"),
            }
        }
        let opts = option_sets();
        let mut rng = ChaCha8Rng::seed_from_u64(20_240_601);
        let path = Path::new("fuzz.csv");
        let mut ok = 0;
        for round in 0..2000 {
            let src = &sources[round % sources.len()];
            let bytes = garble(&mut rng, src);
            let o = &opts[round % opts.len()];
            if let Ok((inc, rep)) = csv::read_incidents_from_bytes(&bytes, path, String::new(), o) {
                check_report(&rep, &inc);
                ok += 1;
            }
        }
        // the garbling keeps many inputs loadable, so reports are checked too
        assert!(ok > 200, "only {ok} garbled inputs loaded");
    }

    #[test]
    fn fuzz_geojson_readers_never_panic() {
        let mut sources = vec![
            GEOJSON_FIXTURE.as_bytes().to_vec(),
            include_bytes!("../../fixtures/incidents/bad_features.geojson").to_vec(),
        ];
        for rel in [
            "mesa_az/layer_streets.geojson",
            "chicago/layer_campus_parks_polygons.geojson",
        ] {
            match shared(rel, 200_000) {
                Some(b) => sources.push(b),
                None => eprintln!("skipping {rel}: ../shared/data not found"),
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let path = Path::new("fuzz.geojson");
        let lopts = LayerOptions::default();
        let iopts = LoadOptions::new();
        let mut ok = 0;
        for round in 0..600 {
            let src = &sources[round % sources.len()];
            let bytes = if round % 2 == 0 {
                garble(&mut rng, src)
            } else {
                // structure-aware: valid JSON with wrong values and types
                let mut v: serde_json::Value = serde_json::from_slice(src).unwrap();
                mutate_json(&mut rng, &mut v);
                serde_json::to_vec(&v).unwrap()
            };
            if let Ok((layer, rep)) =
                geojson::read_layer_from_bytes(&bytes, path, String::new(), &lopts)
            {
                assert_eq!(layer.len(), layer.properties.len());
                assert_eq!(rep.accepted as usize, layer.len());
                ok += 1;
            }
            if let Ok((inc, rep)) =
                geojson::read_incidents_from_bytes(&bytes, path, String::new(), &iopts)
            {
                check_report(&rep, &inc);
            }
        }
        assert!(ok > 60, "only {ok} garbled layers loaded");
    }
}

#[cfg(test)]
mod proptests {
    //! Property tests of the readers (issue 12): random bytes and random edits of
    //! real-looking rows never panic and the counts add up; one stray quote costs
    //! exactly one row; numeric dates are read in the order the column proves.

    use super::*;
    use proptest::prelude::*;

    fn check(rep: &LoadReport, inc: &Incidents) {
        assert_eq!(
            rep.accepted + rep.rejected_total() + rep.filtered_out,
            rep.rows_read,
            "every row is accepted, rejected or filtered"
        );
        assert_eq!(rep.accepted as usize, inc.len());
        assert!(inc.xy.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        assert_eq!(
            rep.missing_time as usize,
            inc.time.iter().filter(|t| t.is_none()).count()
        );
        assert!(rep.unparseable_time <= rep.missing_time);
    }

    /// A row as police exports write them: coordinates near Paris, one of several
    /// time forms, a category, a narrative that may be quoted with commas and line
    /// breaks.
    fn row() -> impl Strategy<Value = String> {
        (
            0.0f64..0.05,
            0.0f64..0.05,
            1u32..=12,
            1u32..=28,
            0u32..24,
            prop::sample::select(vec!["burglary", "theft", "\"theft, minor\"", ""]),
            prop::sample::select(vec![
                "none",
                "\"entered, took\nthe TV\"",
                "\"said \"\"stop\"\"\"",
                "",
            ]),
            0usize..3,
        )
            .prop_map(|(dx, dy, m, d, h, cat, nar, form)| {
                let t = match form {
                    0 => format!("2024-{m:02}-{d:02} {h:02}:15"),
                    1 => format!("{m}/{d}/2024 {}:15 PM", 1 + h % 12),
                    _ => format!("2024-{m:02}-{d:02}"),
                };
                format!("{:.5},{:.5},{t},{cat},{nar}\n", 2.05 + dx, 48.75 + dy)
            })
    }

    fn file(rows: &[String]) -> String {
        let mut s = String::from("lon,lat,datetime,category,narrative\n");
        for r in rows {
            s.push_str(r);
        }
        s
    }

    fn edit(bytes: &mut Vec<u8>, kind: u8, at: usize, len: usize, what: u8) {
        const NASTY: &[u8] = b"\",;\n\r\0 -.0123456789eE/:";
        if bytes.is_empty() {
            return;
        }
        let at = at % bytes.len();
        match kind % 4 {
            0 => bytes.insert(at, NASTY[what as usize % NASTY.len()]),
            1 => {
                let end = (at + len % 40).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => bytes[at] = NASTY[what as usize % NASTY.len()],
            _ => bytes.truncate(at),
        }
    }

    fn load(bytes: &[u8], opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
        csv::read_incidents_from_bytes(bytes, Path::new("p.csv"), String::new(), opts)
    }

    /// The case proptest found in CI (stop 22): the swallowing field of an
    /// unbalanced row lies beyond the header's last column.
    #[test]
    fn unbalanced_quote_beyond_the_header_is_a_rejection_not_a_panic() {
        let rows: Vec<String> = [
            "2.05000,48.75000,2024-01-01,,\"said \"\"stop\"\"\"\n",
            "2.05000,48.75000,2024-01-01,\"theft, minor\",\"entered, took\nthe TV\"\n",
            "2.05000,48.75000,10/10/2024 10:15 PM,\"theft, minor\",\"entered, took\nthe TV\"\n",
            "2.05000,48.75000,2024-01-01,theft,\n",
            "2.05000,48.75000,2024-01-01,theft,none\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut b = file(&rows).into_bytes();
        for (k, at, len, what) in [
            (20u8, 8usize, 0usize, 0u8),
            (92, 79339593, 34, 98),
            (213, 9210840007655162321, 7041599068518758336, 245),
        ] {
            edit(&mut b, k, at, len, what);
        }
        let opts = LoadOptions {
            from: crate::time::parse_date("2024-03-01"),
            ..LoadOptions::new()
        };
        // the edits leave a three-column header: every row is rejected, the
        // unbalanced one named by its position, and the counts add up
        let e = load(&b, &opts).expect_err("no usable rows");
        let rep = e.load_report().expect("the failed load carries its report");
        assert_eq!(rep.rejected_total(), rep.rows_read);
        let r = rep
            .rejections
            .iter()
            .find(|r| r.reason == RejectReason::UnbalancedQuote)
            .expect("the unbalanced row is reported");
        assert_eq!(r.column, "field 5 (beyond the header)");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn csv_random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok((inc, rep)) = load(&bytes, &LoadOptions::new()) {
                check(&rep, &inc);
            }
        }

        #[test]
        fn csv_random_edits_of_real_rows(
            rows in prop::collection::vec(row(), 1..40),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..6),
            strict in any::<bool>(),
            window in any::<bool>(),
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let opts = LoadOptions {
                strict,
                from: window.then(|| crate::time::parse_date("2024-03-01").unwrap_or(0)),
                ..LoadOptions::new()
            };
            match load(&b, &opts) {
                Ok((inc, rep)) => check(&rep, &inc),
                Err(e) => {
                    // a failed load that carries its report still counts every row
                    if let Some(rep) = e.load_report() {
                        assert_eq!(
                            rep.accepted + rep.rejected_total() + rep.filtered_out,
                            rep.rows_read
                        );
                    }
                }
            }
        }

        /// Issue 17: the parallel reader (chunks forced small) gives exactly the
        /// sequential reader's outcome (incidents, report or error).
        #[test]
        fn csv_parallel_equals_sequential(
            rows in prop::collection::vec(row(), 1..60),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..4),
            min_chunk in 1usize..200,
            window in any::<bool>(),
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let opts = LoadOptions {
                from: window.then(|| crate::time::parse_date("2024-03-01").unwrap_or(0)),
                ..LoadOptions::new()
            };
            let read = |m: usize| {
                format!("{:?}", csv::read_chunked(&b, Path::new("p.csv"), String::new(), &opts, m))
            };
            prop_assert_eq!(read(min_chunk), read(0));
        }

        #[test]
        fn csv_streamed_equals_sequential(
            rows in prop::collection::vec(row(), 1..60),
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..4),
            block in 16usize..400,
            min_chunk in 1usize..200,
        ) {
            let mut b = file(&rows).into_bytes();
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let dir = std::env::temp_dir().join(format!("crimescape-prop-stream-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("p.csv");
            std::fs::write(&path, &b).unwrap();
            let opts = LoadOptions::new();
            let seq = format!("{:?}", csv::read_chunked(&b, &path, sha256_hex(&b), &opts, 0));
            if let Some(r) = csv::stream::read_incidents(&path, &opts, block, min_chunk) {
                prop_assert_eq!(format!("{r:?}"), seq);
            }
        }

        #[test]
        fn one_stray_quote_costs_exactly_one_row(
            rows in prop::collection::vec(
                (0.0f64..0.05, 0.0f64..0.05, 1u32..=12, 1u32..=28, prop::sample::select(vec!["burglary", "theft"])),
                2..60,
            ),
            which in any::<usize>(),
            field in 0usize..4,
        ) {
            let j = which % rows.len();
            let mut s = String::from("lon,lat,datetime,category\n");
            for (i, (dx, dy, m, d, cat)) in rows.iter().enumerate() {
                let mut f = [
                    format!("{:.5}", 2.05 + dx),
                    format!("{:.5}", 48.75 + dy),
                    format!("2024-{m:02}-{d:02}"),
                    cat.to_string(),
                ];
                if i == j {
                    f[field].insert(0, '"');
                }
                s.push_str(&f.join(","));
                s.push('\n');
            }
            let (inc, rep) = load(s.as_bytes(), &LoadOptions::new()).unwrap();
            check(&rep, &inc);
            prop_assert_eq!(rep.rows_read as usize, rows.len());
            prop_assert_eq!(inc.len(), rows.len() - 1);
            prop_assert_eq!(rep.rejections.len(), 1);
            prop_assert_eq!(rep.rejections[0].row as usize, j + 1);
            prop_assert_eq!(rep.rejections[0].reason, RejectReason::UnbalancedQuote);
        }

        #[test]
        fn numeric_dates_follow_the_order_the_column_proves(
            dates in prop::collection::vec((1u32..=28, 1u32..=12, 2000i64..2030), 1..40),
            day_first in any::<bool>(),
        ) {
            let mut s = String::from("lon,lat,date\n");
            for (i, (d, m, y)) in dates.iter().enumerate() {
                let t = if day_first { format!("{d:02}/{m:02}/{y}") } else { format!("{m:02}/{d:02}/{y}") };
                s.push_str(&format!("{:.4},{:.4},{t}\n", 2.05 + i as f64 * 1e-4, 48.75));
            }
            let (inc, rep) = load(s.as_bytes(), &LoadOptions::new()).unwrap();
            check(&rep, &inc);
            let c = rep.date_order.clone().unwrap();
            let proven = dates.iter().any(|(d, m, _)| *d > 12 && d != m);
            prop_assert_eq!(c.ambiguous, !proven);
            if proven {
                prop_assert_eq!(c.order == crate::time::DateOrder::DayFirst, day_first);
                for (k, (d, m, y)) in dates.iter().enumerate() {
                    let want = crate::time::from_fields(*y, *m, *d, 0, 0, 0);
                    prop_assert_eq!(inc.time[k], want);
                }
            }
        }

        #[test]
        fn geojson_random_edits_never_panic(
            n in 1usize..12,
            edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()), 0..5),
        ) {
            let feats: Vec<serde_json::Value> = (0..n)
                .map(|i| {
                    let g = if i % 3 == 2 {
                        serde_json::json!({"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.1], [2.1, 48.0], [2.0, 48.1], [2.0, 48.0]]]})
                    } else {
                        serde_json::json!({"type": "Point", "coordinates": [2.0 + i as f64 * 1e-3, 48.0]})
                    };
                    serde_json::json!({"type": "Feature", "properties": {"date": format!("{:02}/01/2024", 1 + i)}, "geometry": g})
                })
                .collect();
            let mut b = b"\xef\xbb\xbf".to_vec();
            b.extend(serde_json::to_vec(&serde_json::json!({"type": "FeatureCollection", "features": feats})).unwrap_or_default());
            for (k, at, len, what) in edits {
                edit(&mut b, k, at, len, what);
            }
            let path = Path::new("p.geojson");
            if let Ok((layer, rep)) = geojson::read_layer_from_bytes(&b, path, String::new(), &LayerOptions::default()) {
                assert_eq!(layer.len() as u64, rep.accepted);
                assert_eq!(
                    rep.accepted + rep.rejected.values().sum::<u64>() + rep.filtered_out,
                    rep.features_read
                );
            }
            if let Ok((inc, rep)) = geojson::read_incidents_from_bytes(&b, path, String::new(), &LoadOptions::new()) {
                check(&rep, &inc);
            }
        }
    }
}
