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
    /// Rows were rejected (or their time could not be read) while `strict` loading
    /// was requested.
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
        /// The whole load report, so that the rejected rows can still be written out.
        report: Option<Box<crate::io::LoadReport>>,
    },
    /// No row of an incident file could be used: every one was rejected.
    #[error("{path}: {message}")]
    NoUsableRows {
        /// The file.
        path: PathBuf,
        /// The counts per reason, the first rejected row and what to check.
        message: String,
        /// The load report, so that the rejected rows can still be written out.
        report: Box<crate::io::LoadReport>,
    },
    /// Invalid parameters given to an analysis (a usage error: exit code 2 in the CLI).
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A parameter with an unusable value (a usage error). `param` is the field's name
    /// in the library's Params (a front end such as the CLI names its own flag).
    /// Shown as `param = value: reason`, or `param: reason` when the value is empty
    /// (a switch that is on where it cannot be, [`Error::invalid_switch`]; or an empty
    /// text, e.g. an empty time-zone name).
    #[error("{param}{}: {reason}", if value.is_empty() { String::new() } else { format!(" = {value}") })]
    InvalidParam {
        /// The parameter (the Params field, e.g. `train_until`).
        param: &'static str,
        /// The value given; empty for a switch (a boolean setting that is on) or an
        /// empty text.
        value: String,
        /// What is wrong and what would do.
        reason: String,
    },
    /// A parameter required by the value of another one was not given (a usage error).
    #[error("{needed_by}{} needs {param}", if value.is_empty() { String::new() } else { format!(" = {value}") })]
    MissingParam {
        /// The parameter that is missing.
        param: &'static str,
        /// The parameter whose value needs it.
        needed_by: &'static str,
        /// That parameter's value.
        value: String,
    },
    /// Inputs a study needs and did not get, all of them at once (a usage error):
    /// e.g. the layers a fitted model names.
    #[error("missing input: {}", what.join(", "))]
    MissingInput {
        /// What is missing (e.g. `layer bars (bars.geojson in the model)`).
        what: Vec<String>,
    },
    /// A size parameter beyond what crimescape accepts (a usage error). `field` is the
    /// parameter's name in the library's `XxxParams`.
    #[error("{field} = {value} is above the limit of {limit}: {why}")]
    Limit {
        /// The parameter.
        field: String,
        /// The value given.
        value: String,
        /// The largest accepted value.
        limit: String,
        /// Why the limit exists.
        why: String,
    },
    /// The content of an input file (model, proposal, seriousness table, CPTED mapping,
    /// cost file, treatment areas) is invalid: an error of the data, not of the command
    /// line (exit code 1 in the CLI). Names the field and the value.
    #[error("{what}: {field} = {value}: {message}")]
    Invalid {
        /// Which file or object (e.g. `model file m.json`, `cost file`).
        what: String,
        /// The field (JSON path, TOML key, column).
        field: String,
        /// The offending value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// The content of an input file is invalid (as [`Error::Invalid`], when there is
    /// no single field to name).
    #[error("{0}")]
    Content(String),
    /// An analysis cannot run on this data (too few points, no variation, ...).
    #[error("{0}")]
    Data(String),
    /// An output file exists and overwriting was not allowed.
    #[error("{0}: already exists (overwriting was not allowed)")]
    Exists(PathBuf),
    /// Outputs of a set exist already and overwriting was not allowed.
    #[error("{dir}: {} already exist{} (overwriting was not allowed)", names.join(", "), if names.len() == 1 { "s" } else { "" })]
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
    /// An analysis got nothing of what it needs: an empty input, or nothing left
    /// after a filter (no incident with a time, no unit, no anchor point). Not a
    /// usage error: the data hold nothing to analyse.
    #[error("{analysis}: no {what}{}", if detail.is_empty() { String::new() } else { format!(" ({detail})") })]
    Empty {
        /// The analysis (`concentration`, `promap`).
        analysis: &'static str,
        /// What it got none of (`units`, `incident before the prediction date`).
        what: &'static str,
        /// Why, or what would do (may be empty).
        detail: String,
    },
    // -- typed data errors of the analyses (issue 13) --
    /// An item given to an analysis (a point, an event) with a non-finite coordinate.
    #[error("{what} {index} has a non-finite coordinate ({x}, {y})")]
    NonFinitePoint {
        /// What the item is (`point`, `event`).
        what: &'static str,
        /// Its position in the input (0-based).
        index: usize,
        /// Its x coordinate.
        x: f64,
        /// Its y coordinate.
        y: f64,
    },
    /// A value given to an analysis (a weight, a count, an entry of a matrix) that is
    /// not a finite number, or not in the range the analysis accepts.
    #[error("{what} {index}: {value} is {expected}")]
    BadValue {
        /// What the value is (`weight`, `count`, `offset`).
        what: &'static str,
        /// Its position in the input (0-based; row-major for a matrix).
        index: usize,
        /// The value.
        value: f64,
        /// What it should be (`not a finite number`, `not a count >= 0`).
        expected: &'static str,
    },
    /// Too few items for an analysis to run (units, observations, periods).
    #[error("{analysis} needs at least {need} {what}, got {got}")]
    TooFew {
        /// The analysis (`Local Moran`, `GLM`).
        analysis: &'static str,
        /// What it counts (`units`, `time steps`).
        what: &'static str,
        /// How many it needs.
        need: usize,
        /// How many it got.
        got: usize,
    },
    /// An analysis cannot run on these data for a reason it names (no unit has a
    /// neighbour, all counts are zero, a column is collinear, ...).
    #[error("{analysis}: {reason}")]
    Degenerate {
        /// The analysis (`Moran's I`, `GLM`, `Knox`).
        analysis: &'static str,
        /// What is wrong with the data and what would do.
        reason: String,
    },
    /// Two inputs that must hold one value per item differ in length.
    #[error("{got} {what} for {expected} {per}")]
    LengthMismatch {
        /// What was given (`times`, `weights`).
        what: &'static str,
        /// How many were given.
        got: usize,
        /// The items they belong to (`points`, `cells`).
        per: &'static str,
        /// How many items there are.
        expected: usize,
    },
    // -- typed input errors of the studies (issue 13, `crate::study`) --
    /// An input of a study holds nothing it can use: a boundary file without a
    /// polygon, a street layer without a line, incidents none of which is left.
    #[error("{input}: {reason}")]
    EmptyInput {
        /// The input (its path, or its role such as `incidents`).
        input: String,
        /// What it lacks (`no polygon in the boundary file`).
        reason: String,
    },
    /// A feature of a layer lacks a property a study reads, or holds an unusable value.
    #[error("{layer}: feature {feature} {reason} '{property}'")]
    FeatureProperty {
        /// The layer (its path or name).
        layer: String,
        /// The feature's position in the layer (0-based).
        feature: usize,
        /// The property.
        property: String,
        /// What is wrong (`has no numeric`, `has no property`).
        reason: &'static str,
    },
    // -- demo7 (issue 13: typed errors of src/render, src/demo*.rs) --
    /// A figure could not be drawn: the PNG encoder or the rasteriser failed, or the
    /// raster is too large.
    #[error("figure ({stage}): {message}")]
    Figure {
        /// The stage that failed (`PNG encoding`, `rasterisation`, `raster`).
        stage: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// Shorthand for an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for an [`Error::Limit`] on a count parameter.
    pub fn limit(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        limit: impl std::fmt::Display,
        why: impl Into<String>,
    ) -> Self {
        Error::Limit {
            field: field.into(),
            value: value.to_string(),
            limit: limit.to_string(),
            why: why.into(),
        }
    }

    /// Shorthand for an [`Error::Invalid`].
    pub fn invalid(
        what: impl Into<String>,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            what: what.into(),
            field: field.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    /// Whether the error is a usage error (a bad flag or parameter value, exit code
    /// 2 in the CLI) rather than a problem of the data or the system (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Param(_)
                | Error::Limit { .. }
                | Error::InvalidParam { .. }
                | Error::MissingParam { .. }
                | Error::MissingInput { .. }
        )
    }

    /// The load report carried by a failed load ([`Error::Strict`],
    /// [`Error::NoUsableRows`]), for writing the rejected rows.
    pub fn load_report(&self) -> Option<&crate::io::LoadReport> {
        match self {
            Error::Strict { report, .. } => report.as_deref(),
            Error::NoUsableRows { report, .. } => Some(report),
            _ => None,
        }
    }

    /// Shorthand for an [`Error::InvalidParam`].
    pub fn invalid_param(
        param: &'static str,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParam {
            param,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// An [`Error::InvalidParam`] of a switch (a boolean setting) that is on where it
    /// cannot be: its value is not shown (`hex: hexagonal cells are not available…`,
    /// not `hex = true: …`).
    ///
    /// ```
    /// let e = crimescape::Error::invalid_switch("hex", "not available for change");
    /// assert_eq!(e.to_string(), "hex: not available for change");
    /// ```
    pub fn invalid_switch(param: &'static str, reason: impl Into<String>) -> Self {
        Error::invalid_param(param, "", reason)
    }

    /// Shorthand for an [`Error::Degenerate`].
    pub fn degenerate(analysis: &'static str, reason: impl Into<String>) -> Self {
        Error::Degenerate {
            analysis,
            reason: reason.into(),
        }
    }

    /// [`Error::NonFinitePoint`] for the first item of `xy` with a non-finite
    /// coordinate; `what` names the items (`point`, `event`).
    pub fn check_finite(what: &'static str, xy: &[[f64; 2]]) -> Result<()> {
        match xy
            .iter()
            .position(|p| !(p[0].is_finite() && p[1].is_finite()))
        {
            Some(index) => Err(Error::NonFinitePoint {
                what,
                index,
                x: xy[index][0],
                y: xy[index][1],
            }),
            None => Ok(()),
        }
    }

    /// Shorthand for an [`Error::Empty`].
    pub fn empty(analysis: &'static str, what: &'static str, detail: impl Into<String>) -> Self {
        Error::Empty {
            analysis,
            what,
            detail: detail.into(),
        }
    }

    /// Shorthand for an [`Error::TooFew`].
    pub fn too_few(analysis: &'static str, what: &'static str, need: usize, got: usize) -> Self {
        Error::TooFew {
            analysis,
            what,
            need,
            got,
        }
    }

    /// Shorthand for an [`Error::LengthMismatch`].
    pub fn length_mismatch(
        what: &'static str,
        got: usize,
        per: &'static str,
        expected: usize,
    ) -> Self {
        Error::LengthMismatch {
            what,
            got,
            per,
            expected,
        }
    }

    /// Shorthand for an [`Error::MissingParam`].
    pub fn missing_param(
        param: &'static str,
        needed_by: &'static str,
        value: impl std::fmt::Display,
    ) -> Self {
        Error::MissingParam {
            param,
            needed_by,
            value: value.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_param_shows_the_value_a_switch_none() {
        let e = Error::invalid_param("cell", -5, "must be positive");
        assert_eq!(e.to_string(), "cell = -5: must be positive");
        let e = Error::invalid_switch("hex", "not available for change");
        assert_eq!(e.to_string(), "hex: not available for change");
        assert!(e.is_usage());
        assert!(
            matches!(e, Error::InvalidParam { param: "hex", ref value, .. } if value.is_empty())
        );
    }

    #[test]
    fn typed_data_errors_name_the_analysis_and_the_value() {
        let e = Error::too_few("Local Moran", "units (cells)", 3, 2);
        assert_eq!(
            e.to_string(),
            "Local Moran needs at least 3 units (cells), got 2"
        );
        let e = Error::degenerate("Moran's I", "no unit has a neighbour");
        assert_eq!(e.to_string(), "Moran's I: no unit has a neighbour");
        let e = Error::BadValue {
            what: "weight",
            index: 4,
            value: f64::NAN,
            expected: "not a finite number",
        };
        assert_eq!(e.to_string(), "weight 4: NaN is not a finite number");
        let e = Error::length_mismatch("weights", 2, "points", 3);
        assert_eq!(e.to_string(), "2 weights for 3 points");
        for e in [
            Error::too_few("GLM", "observations", 1, 0),
            Error::degenerate("GLM", "all counts are zero"),
            Error::length_mismatch("weights", 2, "points", 3),
        ] {
            assert!(!e.is_usage(), "{e}");
        }
    }

    #[test]
    fn empty_names_the_analysis_and_what_is_missing() {
        let e = Error::empty("concentration", "units", "");
        assert_eq!(e.to_string(), "concentration: no units");
        assert!(!e.is_usage());
        let e = Error::empty(
            "promap",
            "incident before the prediction date",
            "at 2024-01-01",
        );
        assert_eq!(
            e.to_string(),
            "promap: no incident before the prediction date (at 2024-01-01)"
        );
    }

    #[test]
    fn invalid_param_is_a_usage_error_naming_no_flag() {
        let e = Error::invalid_param("space_breaks", "[0.0]", "breaks need two values");
        assert!(e.is_usage());
        assert_eq!(
            e.to_string(),
            "space_breaks = [0.0]: breaks need two values"
        );
        assert!(!e.to_string().contains("--"));
    }
}
