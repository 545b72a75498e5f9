//! What a load tells: counts, rejected rows and their reasons, notes and warnings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_atomic;
use crate::crs::CrsChoice;
use crate::error::{Error, Result};

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
    /// for repaired polygons, the reason in [`LayerReport::repaired`](crate::io::LayerReport::repaired).
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
    /// The incidents (index, working-CRS point) whose lon/lat may be extreme, when
    /// the input was WGS84 lon/lat: [`crate::summarise_incidents`] reprojects only
    /// these for the lon/lat extent instead of every incident. Not serialised.
    #[serde(skip)]
    pub lonlat_extremes: Option<LonLatExtremes>,
}

/// The incidents of a load that may hold the extremes of its lon/lat extent (see
/// [`LoadReport::lonlat_extremes`]).
///
/// Reprojecting a point to the working CRS and back moves its lon/lat by far less
/// than [`LonLatExtremes::MARGIN`] degrees, so the extremes of the reprojected
/// points are among the points whose lon or lat as read lies within that margin of
/// the extremes as read.
#[derive(Debug, Clone, PartialEq)]
pub struct LonLatExtremes {
    /// Number of incidents of the load.
    pub n: usize,
    /// The candidates: index in the incidents and point in the working CRS (which
    /// tells whether the incidents are still those of the load).
    pub candidates: Vec<(usize, [f64; 2])>,
}

impl LonLatExtremes {
    /// Margin (degrees, ≈ 10 cm) around the extremes as read within which a
    /// point is a candidate.
    pub const MARGIN: f64 = 1e-6;

    /// The candidates among `lonlat` (as read) where `keep`, with their index among
    /// the kept points and their projected point in `pts` (one per staged row).
    pub(crate) fn of(lonlat: &[[f64; 2]], keep: &[bool], pts: &[[f64; 2]]) -> Option<Self> {
        let kept = || lonlat.iter().zip(keep).filter(|(_, &k)| k).map(|(p, _)| *p);
        let b = crate::layer::bbox_of(kept())?;
        let m = Self::MARGIN;
        let near = |p: [f64; 2]| {
            p[0] <= b[0] + m || p[1] <= b[1] + m || p[0] >= b[2] - m || p[1] >= b[3] - m
        };
        let mut candidates = Vec::new();
        let mut n = 0;
        for (i, (p, &k)) in lonlat.iter().zip(keep).enumerate() {
            if k {
                if near(*p) {
                    candidates.push((n, pts[i]));
                }
                n += 1;
            }
        }
        Some(LonLatExtremes { n, candidates })
    }

    /// The candidates' points, when `xy` are still the incidents of the load.
    pub(crate) fn points(&self, xy: &[[f64; 2]]) -> Option<Vec<[f64; 2]>> {
        if xy.len() != self.n {
            return None;
        }
        self.candidates
            .iter()
            .map(|&(i, p)| (xy.get(i) == Some(&p)).then_some(p))
            .collect()
    }
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
