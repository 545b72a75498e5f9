//! Library error type.
//!
//! Every error that comes from input data carries the context a user needs to
//! fix it: the file, the 1-based row (data rows, the header is row 0), the
//! column and the offending value. The CLI prints the whole chain.

use std::path::PathBuf;

/// Convenience alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in crimescape's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error while reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be parsed at all (bad encoding, bad JSON, empty file, ...).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A problem with one row / feature of an input file.
    #[error("{path}: row {row}, column '{column}': {message} (value: {value:?})")]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based data row (header excluded) or 0-based feature index for GeoJSON.
        row: u64,
        /// The column or property.
        column: String,
        /// The offending value as it appeared in the file.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from an input file.
    #[error("{path}: no {what} column found; columns are: {available}. {hint}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// Which role the column plays (x, y, time, ...).
        what: String,
        /// The header, comma-separated.
        available: String,
        /// How to fix it.
        hint: String,
    },
    /// A coordinate reference system problem (unknown code, wrong guess, failed transform).
    #[error("CRS: {0}")]
    Crs(String),
    /// Rows were rejected while `strict` loading was requested.
    #[error("{path}: {count} row(s) rejected in strict mode; first: row {first_row}: {first_reason} (value: {first_value:?})")]
    Strict {
        /// The file.
        path: PathBuf,
        /// How many rows were rejected.
        count: usize,
        /// First rejected row.
        first_row: u64,
        /// Its reason.
        first_reason: String,
        /// Its value.
        first_value: String,
    },
    /// Invalid parameters given to an analysis.
    #[error("invalid parameter: {0}")]
    Param(String),
    /// An analysis cannot run on this data (too few points, no variation, ...).
    #[error("{0}")]
    Data(String),
    /// An output file exists and overwriting was not allowed.
    #[error("{0}: already exists (use --force to overwrite)")]
    Exists(PathBuf),
    /// Outputs of a set exist already and overwriting was not allowed.
    #[error("{dir}: {} already exist{} (use --force to overwrite)", names.join(", "), if names.len() == 1 { "s" } else { "" })]
    OutputsExist {
        /// The output folder.
        dir: PathBuf,
        /// The existing outputs, relative to `dir`.
        names: Vec<String>,
    },
    /// An output cannot be written there (a folder, device, link or other
    /// non-regular file is in the way; crimescape replaces only regular files).
    #[error("{path}: {message}")]
    Output {
        /// The output as named by the user.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A numerical procedure failed (e.g. no convergence).
    #[error("numerical: {0}")]
    Numerical(String),
}

impl Error {
    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for an [`Error::Format`].
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
