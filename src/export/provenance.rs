//! Provenance: where a result came from, enough to reproduce it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::crs::CrsChoice;
use crate::io::{LayerReport, LoadReport};

/// One input file of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path as given.
    pub path: String,
    /// Role (incidents, layer, boundary, model, ...).
    pub role: String,
    /// Rows/features read.
    pub rows_read: u64,
    /// Rows/features used.
    pub rows_used: u64,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// How the file was read, when it matters for the results: how numeric dates
    /// were read, rows kept without a readable time, warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reading: Vec<String>,
    /// First and last day of the incidents used ("2024-01-01 to 2024-12-31"), for the
    /// source line of maps; `None` for layers and incidents without time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

impl InputFile {
    /// An input from its counts and hash.
    pub fn new(path: &Path, role: &str, rows_read: u64, rows_used: u64, sha256: &str) -> Self {
        InputFile {
            path: path.display().to_string(),
            role: role.into(),
            rows_read,
            rows_used,
            sha256: sha256.into(),
            reading: Vec::new(),
            period: None,
        }
    }

    /// An incident file from its load report: the row counts, the hash, and how it
    /// was read (date order, rows without a readable time, rows filtered for want of
    /// a time, warnings).
    pub fn incidents(role: &str, rep: &LoadReport) -> Self {
        let mut f = InputFile::new(&rep.path, role, rep.rows_read, rep.accepted, &rep.sha256);
        if let Some(d) = &rep.date_order {
            f.reading.push(d.describe());
        }
        if rep.missing_time > 0 {
            f.reading.push(format!(
                "{} incident(s) kept without time ({} with an unreadable time)",
                rep.missing_time, rep.unparseable_time
            ));
        }
        if rep.filtered_without_time > 0 {
            f.reading.push(format!(
                "{} row(s) without time left out by the time window",
                rep.filtered_without_time
            ));
        }
        f.reading
            .extend(rep.time_filter.as_ref().map(|t| t.describe()));
        f.reading
            .extend(rep.warnings.iter().map(|w| format!("WARNING: {w}")));
        f
    }

    /// A layer file from its load report.
    pub fn layer(role: &str, rep: &LayerReport) -> Self {
        InputFile::new(
            &rep.path,
            role,
            rep.features_read,
            rep.accepted,
            &rep.sha256,
        )
    }

    /// Any other file (model, costs, table) read whole: one "row", its SHA-256.
    pub fn file(path: &Path, role: &str, rows: u64, bytes: &[u8]) -> Self {
        InputFile::new(path, role, rows, rows, &crate::io::sha256_hex(bytes))
    }
}

/// Where a result came from: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `crimescape` and its version.
    pub tool: String,
    /// The command line.
    pub command: Vec<String>,
    /// Inputs with row counts and content hashes.
    pub inputs: Vec<InputFile>,
    /// Parameters of the analysis (as given and as defaulted).
    pub parameters: serde_json::Value,
    /// Seed of any Monte Carlo part.
    pub seed: Option<u64>,
    /// CRS of inputs and analysis.
    pub crs: Option<CrsChoice>,
    /// Output files written (filled in by [`super::Outputs`] when the set is committed).
    pub outputs: Vec<String>,
}

impl Provenance {
    /// A new record for the current process's command line (a different command line
    /// can be recorded with [`super::OutputOptions::command`]).
    pub fn new(parameters: serde_json::Value) -> Self {
        Provenance {
            tool: format!("crimescape {}", env!("CARGO_PKG_VERSION")),
            command: std::env::args().collect(),
            inputs: Vec::new(),
            parameters,
            seed: None,
            crs: None,
            outputs: Vec::new(),
        }
    }

    /// Parameters from any serialisable value (`null` if it cannot be serialised).
    pub fn of<T: Serialize>(parameters: &T) -> Self {
        Provenance::new(serde_json::to_value(parameters).unwrap_or(serde_json::Value::Null))
    }

    /// Adds an input file.
    pub fn input(&mut self, path: &Path, role: &str, rows_read: u64, rows_used: u64, sha256: &str) {
        self.inputs
            .push(InputFile::new(path, role, rows_read, rows_used, sha256));
    }

    /// Adds an incident file with its load report ([`InputFile::incidents`]), named
    /// by `path` as given.
    pub fn input_load(&mut self, path: &Path, role: &str, rep: &LoadReport) {
        let mut f = InputFile::incidents(role, rep);
        f.path = path.display().to_string();
        self.inputs.push(f);
    }

    /// Adds input files.
    pub fn with_inputs(mut self, inputs: impl IntoIterator<Item = InputFile>) -> Self {
        self.inputs.extend(inputs);
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets the CRS.
    pub fn with_crs(mut self, crs: &CrsChoice) -> Self {
        self.crs = Some(crs.clone());
        self
    }
}

/// The source line of a map from a provenance record: the input files by name (with
/// the number of incidents used and their first and last day when known) and the
/// working CRS, e.g. "Data: incidents.csv (2,000 incidents, 2024-01-01 to
/// 2024-12-31); streets.geojson. Working CRS: EPSG:32630". Empty when the record
/// names no input and no CRS (data made in memory).
pub fn source_lines(p: &Provenance) -> Vec<String> {
    let mut parts = Vec::new();
    for f in &p.inputs {
        let name = Path::new(&f.path)
            .file_name()
            .map_or_else(|| f.path.clone(), |n| n.to_string_lossy().into_owned());
        let incidents = f.role.contains("incident") || f.period.is_some();
        let mut what = Vec::new();
        if incidents {
            what.push(format!("{} incidents", thousands(f.rows_used)));
        }
        what.extend(f.period.clone());
        let part = if what.is_empty() {
            name
        } else {
            format!("{name} ({})", what.join(", "))
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    let mut line = String::new();
    if !parts.is_empty() {
        line = format!("Data: {}.", parts.join("; "));
    }
    if let Some(c) = &p.crs {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&format!("Working CRS: {}.", c.working));
    }
    if line.is_empty() {
        Vec::new()
    } else {
        vec![line]
    }
}

/// 1234567 → "1,234,567".
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn source_lines_names_files_period_and_crs() {
        let mut p = Provenance::new(serde_json::Value::Null);
        assert!(source_lines(&p).is_empty());
        let mut f = InputFile::new(
            Path::new("/data/x/incidents.csv"),
            "incidents",
            1500,
            1234,
            "h",
        );
        f.period = Some("2024-01-01 to 2024-12-31".into());
        p.inputs.push(f);
        p.inputs.push(InputFile::new(
            Path::new("beats.geojson"),
            "boundary",
            9,
            9,
            "h",
        ));
        assert_eq!(
            source_lines(&p),
            vec!["Data: incidents.csv (1,234 incidents, 2024-01-01 to 2024-12-31); beats.geojson."]
        );
    }
}
