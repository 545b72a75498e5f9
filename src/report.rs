//! Provenance attached to every result the CLI writes.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::crs::CrsChoice;
use crate::error::Result;

/// One input file of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

/// Where a result came from: enough to reproduce it.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Output files written.
    pub outputs: Vec<String>,
}

impl Provenance {
    /// A new record for the current process's command line.
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

    /// Adds an input file.
    pub fn input(&mut self, path: &Path, role: &str, rows_read: u64, rows_used: u64, sha256: &str) {
        self.inputs.push(InputFile {
            path: path.display().to_string(),
            role: role.into(),
            rows_read,
            rows_used,
            sha256: sha256.into(),
            reading: Vec::new(),
        });
    }

    /// Adds an incident file with its load report: the row counts, the hash, and
    /// how it was read (date order, rows without a readable time, rows filtered for
    /// want of a time, warnings).
    pub fn input_load(&mut self, path: &Path, role: &str, rep: &crate::io::LoadReport) {
        self.input(path, role, rep.rows_read, rep.accepted, &rep.sha256);
        let mut reading = Vec::new();
        if let Some(d) = &rep.date_order {
            reading.push(d.describe());
        }
        if rep.missing_time > 0 {
            reading.push(format!(
                "{} incident(s) kept without time ({} with an unreadable time)",
                rep.missing_time, rep.unparseable_time
            ));
        }
        if rep.filtered_without_time > 0 {
            reading.push(format!(
                "{} row(s) without time left out by the time window",
                rep.filtered_without_time
            ));
        }
        reading.extend(
            rep.notes
                .iter()
                .filter(|n| n.starts_with("time filter") || n.starts_with("window rule"))
                .cloned(),
        );
        reading.extend(rep.warnings.iter().map(|w| format!("WARNING: {w}")));
        if let Some(last) = self.inputs.last_mut() {
            last.reading = reading;
        }
    }

    /// Writes `<path>.provenance.json` next to an output (atomically).
    pub fn write_beside(&self, output: &Path, force: bool) -> Result<std::path::PathBuf> {
        let mut name = output
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".provenance.json");
        let p = output.with_file_name(name);
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::io::write_atomic(&p, &bytes, force)?;
        Ok(p)
    }
}
