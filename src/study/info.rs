//! What a file holds (`crimescape info`): read as incident points when its features
//! are points, else as a layer of any geometry, and summarised
//! ([`crate::summarise_incidents`], [`crate::summarise_layer`]).
//!
//! ```no_run
//! use crimescape::study::{info, load::IncidentLoad};
//!
//! let info = info::file_info("incidents.csv", &IncidentLoad::default(), false)?;
//! print!("{}", info.to_text());
//! # Ok::<(), crimescape::Error>(())
//! ```

use std::path::Path;

use super::load::IncidentLoad;
use crate::error::Result;
use crate::info::{summarise_incidents, summarise_layer, IncidentSummary, LayerSummary};
use crate::io::{detect_format, load_layer, Format, LayerOptions, LoadReport, RejectReason};
use crate::layer::GeometryKind;

/// What a file holds.
#[derive(Debug, Clone)]
pub enum FileSummary {
    /// Incident points.
    Incidents(Box<IncidentSummary>),
    /// A layer of any geometry.
    Layer(Box<LayerSummary>),
}

/// The summary of a file ([`file_info`]).
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// What the file holds.
    pub summary: FileSummary,
    /// The incidents' load report (`None` for a layer).
    pub report: Option<LoadReport>,
    /// The layer loader's warnings (the incidents' are in their summary).
    pub warnings: Vec<String>,
}

impl FileInfo {
    /// The summary for the public: counts below `k` shown as "<k" (incidents), no
    /// exact extent or feature values ([`IncidentSummary::for_public`],
    /// [`LayerSummary::for_public`]).
    pub fn for_public(mut self, k: u32) -> FileInfo {
        self.summary = match &self.summary {
            FileSummary::Incidents(s) => FileSummary::Incidents(Box::new(s.for_public(k))),
            FileSummary::Layer(s) => FileSummary::Layer(Box::new(s.for_public())),
        };
        self
    }

    /// The summary as text for the terminal.
    pub fn to_text(&self) -> String {
        match &self.summary {
            FileSummary::Incidents(s) => s.to_text(),
            FileSummary::Layer(s) => s.to_text(),
        }
    }

    /// The summary as pretty JSON for scripts.
    ///
    /// # Errors
    /// Never in practice (the summaries are plain data); a serialisation error as
    /// [`crate::Error::Content`].
    pub fn to_json(&self) -> Result<String> {
        match &self.summary {
            FileSummary::Incidents(s) => serde_json::to_string_pretty(s),
            FileSummary::Layer(s) => serde_json::to_string_pretty(s),
        }
        .map_err(|e| crate::Error::Content(e.to_string()))
    }
}

/// Summarises the file at `path`, read as `load` says: as a layer when `as_layer`;
/// else a CSV file as incidents; any other format as incidents when every feature is a
/// point, and as a layer when some are not (lines, polygons). The layer is read in the
/// load's input CRS with its `where` filters; the time filter applies to incidents
/// only.
///
/// # Errors
/// The incidents' load error (e.g. no usable row), or, when the features are not
/// points, the layer's own load error.
pub fn file_info(path: impl AsRef<Path>, load: &IncidentLoad, as_layer: bool) -> Result<FileInfo> {
    let path = path.as_ref();
    let opts = LayerOptions {
        crs: load.options.crs.clone(),
        target: None,
        name: None,
        filters: load.options.filters.clone(),
    };
    let layer = |(l, rep): (crate::layer::Layer, crate::io::LayerReport)| FileInfo {
        summary: FileSummary::Layer(Box::new(summarise_layer(&l, &rep))),
        report: None,
        warnings: rep.warnings,
    };
    if as_layer {
        return Ok(layer(load_layer(path, &opts)?));
    }
    let incidents = |(inc, rep)| FileInfo {
        summary: FileSummary::Incidents(Box::new(summarise_incidents(&inc, &rep))),
        report: Some(rep),
        warnings: Vec::new(),
    };
    if detect_format(path)? == Format::Csv {
        return Ok(incidents(load.load(path)?));
    }
    match load.load(path) {
        Ok((inc, rep)) if !rep.rejected.contains_key(&RejectReason::NotAPoint) => {
            Ok(incidents((inc, rep)))
        }
        Ok(_) => Ok(layer(load_layer(path, &opts)?)),
        // not usable as incidents: a layer of lines/polygons, or a real error
        Err(e) => match load_layer(path, &opts) {
            Ok(l) if l.0.kinds().keys().any(|k| *k != GeometryKind::Point) => Ok(layer(l)),
            // the layer's own error is the relevant one when the features are not points
            Err(le) if e.to_string().contains(RejectReason::NotAPoint.name()) => Err(le),
            _ => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn file_info_points_are_incidents_lines_a_layer() {
        let dir = tempfile::tempdir().unwrap();
        let points = write(
            dir.path(),
            "p.geojson",
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[4.35,50.85]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[4.36,50.86]}}]}"#,
        );
        let lines = write(
            dir.path(),
            "l.geojson",
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[4.35,50.85],[4.36,50.86]]}}]}"#,
        );
        let load = IncidentLoad::default();
        let i = file_info(&points, &load, false).unwrap();
        assert!(matches!(i.summary, FileSummary::Incidents(_)) && i.report.is_some());
        let i = file_info(&lines, &load, false).unwrap();
        assert!(matches!(i.summary, FileSummary::Layer(_)) && i.report.is_none());
        // --layer: points read as a layer too
        let i = file_info(&points, &load, true).unwrap();
        assert!(matches!(i.summary, FileSummary::Layer(_)));
        assert!(i.to_json().unwrap().starts_with('{'));
    }

    #[test]
    fn file_info_csv_error_is_the_incidents_error() {
        let dir = tempfile::tempdir().unwrap();
        let csv = write(dir.path(), "bad.csv", "a,b\n1,2\n");
        assert!(file_info(&csv, &IncidentLoad::default(), false).is_err());
    }
}
