//! The native part of the `crimescape` Python package (`crimescape._crimescape`).
//!
//! Thin by design: every analysis is one call of the library's whole-study functions
//! (`crimescape::study::*`) or of an analysis function, with the same parameters
//! and defaults as the CLI flags. Studies write the same files as the CLI into a folder
//! the Python side chooses (a temporary one by default) and the Python wrapper reads
//! their tables back as data frames, so a notebook and the CLI give the same numbers by
//! construction. Point clusters take and return numpy arrays. The GIL is released while
//! Rust computes; progress is never shown.
//!
//! Keywords are read as the CLI reads its flags: with the library's settings, grammars
//! and checks (`LoadSettings`, `parse_date_setting`, the `FromStr` of `Bandwidth`,
//! `Dispersion`, `LayerSpec`, `NrcBands`, `NeighbourSpec`, `load_model`, ...) and its
//! defaults; this file holds the keyword plumbing only (a keyword's words → an enum, a
//! JSON value → a setting), and names a library parameter in an error by its keyword
//! ([`KEYWORDS`]).

use std::path::{Path, PathBuf};

use crimescape::study::assess as asx;
use crimescape::study::hotspots::{
    self as hs, CellParams, ExtentChoice, HotspotInput, NeighbourSpec, Neighbours,
};
use crimescape::study::load::IncidentLoad;
use crimescape::study::repeats::{self as rs, NearRepeatParams, NearRepeatStudy, NrcBands};
use crimescape::study::risk as rk;
use crimescape::study::settings::{parse_date_setting, parse_target_crs, LoadSettings};
use crimescape::study::{IncidentInput, LayerSpec, StudyLayer};
use crimescape::{
    dbscan, hdbscan, AssessParams, Attributes, Bandwidth, BinP, ChangeParams, ColumnValues, Crs,
    DbscanParams, DemoParams, DualMode, Error, Export, FactorParams, GiStarParams, HdbscanParams,
    KdeEvaluation as Evaluation, KdeParams, Kernel, KnoxParams, LayerOptions, LocalMoranParams,
    Metric, NetworkParams, OutputOptions, Outputs, RtmParams, SpatialNullParams, TableColumns,
    WeightsSpec,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::{Map, Value};

create_exception!(
    _crimescape,
    CrimescapeError,
    PyException,
    "Base class of every crimescape error."
);
create_exception!(
    _crimescape,
    InputError,
    CrimescapeError,
    "An input file or data frame cannot be read: carries `path`, `row`, `column`, `value`."
);
create_exception!(
    _crimescape,
    CrsError,
    CrimescapeError,
    "A coordinate reference system problem (unknown code, wrong guess, failed transform)."
);
create_exception!(
    _crimescape,
    ParameterError,
    CrimescapeError,
    "An invalid parameter (a usage error: exit code 2 in the CLI): `column` is the keyword, `value` its value."
);
create_exception!(
    _crimescape,
    DataError,
    CrimescapeError,
    "The analysis cannot run on these data, or an input's content is invalid."
);

/// Library parameter names (the Params fields errors name) whose keyword in the
/// Python API is another word; every other parameter is its own keyword. The CLI's
/// table of flags is `src/bin/crimescape/errors.rs`.
const KEYWORDS: &[(&str, &str)] = &[
    ("target_crs", "to_crs"),
    ("input_crs", "crs"),
    ("intervention", "intervention_date"),
    ("space_breaks", "space"),
    ("time_breaks", "time"),
    ("layer", "layers"),
    ("operationalisations", "op"),
    ("snap_tolerance", "snap"),
    ("time_zone", "tz"),
    (
        "weights",
        "w_burden/w_persistence/w_repeat/w_risk/w_modifiable",
    ),
];

/// The Python keyword of a library parameter.
fn keyword(param: &str) -> &str {
    KEYWORDS
        .iter()
        .find(|(p, _)| *p == param)
        .map_or(param, |(_, k)| k)
}

/// A library message in the words of the Python API: each parameter it names in
/// backticks that has another keyword (see [`KEYWORDS`]) is named by its keyword.
fn with_keywords(text: &str) -> String {
    let mut s = text.to_string();
    for (p, k) in KEYWORDS {
        s = s.replace(&format!("`{p}`"), &format!("`{k}`"));
    }
    s
}

/// A library error's message in the words of the Python API: a parameter is named by
/// its keyword ([`keyword`], [`with_keywords`]).
fn message(e: &Error) -> String {
    let shown = |v: &str| match v.is_empty() {
        true => String::new(),
        false => format!(" = {v}"),
    };
    match e {
        Error::InvalidParam {
            param,
            value,
            reason,
        } => format!(
            "{}{}: {}",
            keyword(param),
            shown(value),
            with_keywords(reason)
        ),
        Error::MissingParam {
            param,
            needed_by,
            value,
        } => format!(
            "{}{} needs {}",
            keyword(needed_by),
            shown(value),
            keyword(param)
        ),
        Error::Limit {
            field,
            value,
            limit,
            why,
        } => format!(
            "{} = {value} is above the limit of {limit}: {}",
            keyword(field),
            with_keywords(why)
        ),
        e => with_keywords(&e.to_string()),
    }
}

/// A library error as a Python exception of the `CrimescapeError` hierarchy, with the
/// file, row, column and value as attributes when the error has them (a parameter's
/// keyword as `column`).
fn py_err(e: Error) -> PyErr {
    let msg = message(&e);
    let (err, path, row, column, value) = match &e {
        Error::Row {
            path,
            row,
            column,
            value,
            ..
        } => (
            InputError::new_err(msg),
            Some(path.display().to_string()),
            Some(*row),
            Some(column.clone()),
            Some(value.clone()),
        ),
        Error::MissingColumn { path, what, .. } => (
            InputError::new_err(msg),
            Some(path.display().to_string()),
            None,
            Some(what.clone()),
            None,
        ),
        Error::Strict {
            path,
            first_row,
            first_value,
            ..
        } => (
            InputError::new_err(msg),
            Some(path.display().to_string()),
            Some(*first_row),
            None,
            Some(first_value.clone()),
        ),
        Error::Io { path, .. }
        | Error::Format { path, .. }
        | Error::NoUsableRows { path, .. }
        | Error::Output { path, .. } => (
            InputError::new_err(msg),
            Some(path.display().to_string()),
            None,
            None,
            None,
        ),
        Error::Crs(_) => (CrsError::new_err(msg), None, None, None, None),
        // the parameter's name and value as `column` and `value`
        Error::InvalidParam { param, value, .. } => (
            ParameterError::new_err(msg),
            None,
            None,
            Some(keyword(param).to_string()),
            Some(value.clone()),
        ),
        Error::Limit { field, value, .. } => (
            ParameterError::new_err(msg),
            None,
            None,
            Some(keyword(field).to_string()),
            Some(value.clone()),
        ),
        Error::MissingParam { param, .. } => (
            ParameterError::new_err(msg),
            None,
            None,
            Some(keyword(param).to_string()),
            None,
        ),
        Error::Param(_) | Error::MissingInput { .. } => {
            (ParameterError::new_err(msg), None, None, None, None)
        }
        // an item of an input by its 0-based position (`column`), and its value
        Error::NonFinitePoint { what, index, x, y } => (
            DataError::new_err(msg),
            None,
            None,
            Some(format!("{what} {index}")),
            Some(format!("({x}, {y})")),
        ),
        Error::BadValue {
            what, index, value, ..
        } => (
            DataError::new_err(msg),
            None,
            None,
            Some(format!("{what} {index}")),
            Some(value.to_string()),
        ),
        Error::Invalid { field, value, .. } => (
            DataError::new_err(msg),
            None,
            None,
            Some(field.clone()),
            Some(value.clone()),
        ),
        _ => (DataError::new_err(msg), None, None, None, None),
    };
    with_attributes(err, path, row, column, value)
}

/// An exception with the attributes every `CrimescapeError` has: `path`, `row`,
/// `column` (a parameter's keyword), `value`.
fn with_attributes(
    err: PyErr,
    path: Option<String>,
    row: Option<u64>,
    column: Option<String>,
    value: Option<String>,
) -> PyErr {
    Python::attach(|py| {
        let v = err.value(py);
        let _ = v.setattr("path", path);
        let _ = v.setattr("row", row);
        let _ = v.setattr("column", column);
        let _ = v.setattr("value", value);
    });
    err
}

/// Keyword arguments sent from Python as one JSON object.
struct Kw(Map<String, Value>);

impl Kw {
    fn parse(json: &str) -> PyResult<Kw> {
        match serde_json::from_str(json) {
            Ok(Value::Object(m)) => Ok(Kw(m)),
            _ => Err(ParameterError::new_err(
                "keyword arguments: not a JSON object",
            )),
        }
    }
    /// A `ParameterError` on keyword `key` (its `column`, with its value).
    fn bad(&self, key: &str, want: &str) -> PyErr {
        let value = self.0.get(key).unwrap_or(&Value::Null).to_string();
        with_attributes(
            ParameterError::new_err(format!("{key} = {value}: expected {want}")),
            None,
            None,
            Some(key.to_string()),
            Some(value),
        )
    }
    fn str(&self, key: &str) -> PyResult<Option<String>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(self.bad(key, "text")),
        }
    }
    fn f64(&self, key: &str) -> PyResult<Option<f64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a number")),
            Some(_) => Err(self.bad(key, "a number")),
        }
    }
    fn u64(&self, key: &str) -> PyResult<Option<u64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a whole number >= 0")),
            Some(_) => Err(self.bad(key, "a whole number >= 0")),
        }
    }
    fn usize(&self, key: &str) -> PyResult<Option<usize>> {
        self.u64(key)?
            .map(|v| usize::try_from(v).map_err(|_| self.bad(key, "a smaller number")))
            .transpose()
    }
    fn bool(&self, key: &str) -> PyResult<bool> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.bad(key, "True or False")),
        }
    }
    /// A list of numbers or texts, as texts (for a library grammar).
    fn texts(&self, key: &str) -> PyResult<Option<Vec<String>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Number(n) => Ok(n.to_string()),
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(self.bad(key, "a list of numbers")),
                })
                .collect::<PyResult<Vec<String>>>()
                .map(Some),
            Some(_) => Err(self.bad(key, "a list of numbers")),
        }
    }
    fn f64_list(&self, key: &str) -> PyResult<Option<Vec<f64>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_f64().ok_or_else(|| self.bad(key, "numbers")),
                    _ => Err(self.bad(key, "a list of numbers")),
                })
                .collect::<PyResult<Vec<f64>>>()
                .map(Some),
            Some(_) => Err(self.bad(key, "a list of numbers")),
        }
    }
}

/// `load_incidents` keyword arguments → the library's settings of an incident file
/// (`LoadSettings`, as the CLI's loading flags): every check (`max_window`, `delimiter`,
/// `to_crs`, ...) is the library's. Unlike the CLI, every other column is kept
/// (`Incidents.to_pandas()` shows them; `weight=` reads one).
fn incident_load(kw: &Kw) -> PyResult<IncidentLoad> {
    let delimiter = match kw.str("delimiter")? {
        None => None,
        Some(d) => {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                // the library's words for a delimiter that is not one ASCII character
                _ => {
                    return Err(py_err(Error::invalid_param(
                        "delimiter",
                        format!("{d:?}"),
                        "must be one ASCII character",
                    )))
                }
            }
        }
    };
    let settings = LoadSettings {
        x: kw.str("x")?,
        y: kw.str("y")?,
        location: kw.str("location")?,
        time: kw.str("time")?,
        time_to: kw.str("time_to")?,
        time_format: kw.str("time_format")?,
        category: kw.str("category")?,
        crs: kw.str("crs")?,
        target_crs: kw.str("to_crs")?,
        delimiter,
        keep_outliers: kw.bool("keep_outliers")?,
        strict: kw.bool("strict")?,
        max_window_days: kw
            .f64("max_window")?
            .unwrap_or(LoadSettings::default().max_window_days),
        ..LoadSettings::default()
    };
    let mut load = settings.incident_load().map_err(py_err)?;
    load.options.attributes = Attributes::All;
    Ok(load)
}

/// Incidents loaded by the library (in the working CRS, metres), with their load
/// report. Made by `crimescape.load_incidents`.
#[pyclass(name = "NativeIncidents", module = "crimescape._crimescape", frozen)]
struct PyIncidents {
    input: IncidentInput,
}

#[pymethods]
impl PyIncidents {
    fn __len__(&self) -> usize {
        self.input.incidents.len()
    }

    /// Coordinates in the working CRS (metres), shape (n, 2).
    fn xy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let xy = &self.input.incidents.xy;
        let flat: Vec<f64> = xy.iter().flat_map(|p| [p[0], p[1]]).collect();
        PyArray1::from_vec(py, flat).reshape([xy.len(), 2])
    }

    /// Local clock time in seconds since 1970-01-01 and whether each incident has one.
    fn time<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<bool>>) {
        let t = &self.input.incidents.time;
        let secs: Vec<i64> = t.iter().map(|v| v.unwrap_or(0)).collect();
        let has: Vec<bool> = t.iter().map(Option::is_some).collect();
        (PyArray1::from_vec(py, secs), PyArray1::from_vec(py, has))
    }

    /// Source row of each incident (1-based CSV data row, 0-based GeoJSON feature).
    fn rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_slice(py, &self.input.incidents.row)
    }

    /// Category of each incident (None without one).
    fn categories(&self) -> Vec<Option<String>> {
        let inc = &self.input.incidents;
        inc.category
            .iter()
            .map(|&c| inc.categories.get(c as usize).cloned())
            .collect()
    }

    /// Names of the other source columns.
    fn attr_names(&self) -> Vec<String> {
        self.input.incidents.attr_names.clone()
    }

    /// One other source column, as text.
    fn attr(&self, name: &str) -> PyResult<Vec<String>> {
        let inc = &self.input.incidents;
        let c = inc.attr(name).ok_or_else(|| {
            ParameterError::new_err(format!(
                "column {name:?}: no such column; columns are: {}",
                inc.attr_names.join(", ")
            ))
        })?;
        Ok((0..inc.len()).map(|i| c.get(i).to_string()).collect())
    }

    /// The load report as JSON (None for incidents made in memory).
    fn report_json(&self) -> PyResult<Option<String>> {
        self.input
            .report
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DataError::new_err(e.to_string()))
    }

    /// Input and working CRS as JSON.
    fn crs_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.input.incidents.crs)
            .map_err(|e| DataError::new_err(e.to_string()))
    }
}

/// Loads incidents from a CSV/GeoJSON file (`crimescape::load_incidents`).
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf, options_json: &str) -> PyResult<PyIncidents> {
    let load = incident_load(&Kw::parse(options_json)?)?;
    let input = py
        .detach(|| load.input(&path, "incidents"))
        .map_err(py_err)?;
    Ok(PyIncidents { input })
}

/// A date setting (`split`, `start`) as local clock seconds: the library's grammar
/// (`parse_date_setting`), as the CLI reads it.
fn date(kw: &Kw, key: &'static str) -> PyResult<Option<i64>> {
    kw.str(key)?
        .map(|s| parse_date_setting(key, &s))
        .transpose()
        .map_err(py_err)
}

fn cell_params(kw: &Kw) -> PyResult<CellParams> {
    Ok(CellParams {
        cell: kw.f64("cell")?,
        extent: match kw.str("extent")?.as_deref() {
            None | Some("bbox") => ExtentChoice::Bbox,
            Some("hull") => ExtentChoice::Hull,
            Some(_) => return Err(kw.bad("extent", "'bbox' or 'hull'")),
        },
        hex: kw.bool("hex")?,
        weight: kw.str("weight")?,
    })
}

/// The neighbours of grid cells (`neighbours`, `radius`, `k`, `power`): the library's
/// `NeighbourSpec` (its defaults and checks, e.g. `band` needs `radius`).
fn weights_spec(kw: &Kw) -> PyResult<WeightsSpec> {
    let kind = match kw.str("neighbours")?.as_deref() {
        None => None,
        Some("queen") => Some(Neighbours::Queen),
        Some("band") => Some(Neighbours::Band),
        Some("knn") => Some(Neighbours::Knn),
        Some("idw") => Some(Neighbours::Idw),
        Some(_) => return Err(kw.bad("neighbours", "'queen', 'band', 'knn' or 'idw'")),
    };
    let d = NeighbourSpec::new();
    NeighbourSpec::new()
        .kind(kind)
        .radius(kw.f64("radius")?)
        .k(kw.usize("k")?.unwrap_or(d.k))
        .power(kw.f64("power")?.unwrap_or(d.power))
        .weights(false)
        .map_err(py_err)
}

/// A KDE bandwidth: the library's grammar (`FromStr for Bandwidth`: metres, `arcgis`,
/// `scott`, `knn:K`; `None`: the library's default).
fn bandwidth(kw: &Kw) -> PyResult<Option<Bandwidth>> {
    kw.str("bandwidth")?
        .map(|s| s.parse())
        .transpose()
        .map_err(py_err)
}

/// The KDE kernel by its name (`None`: the library's default).
fn kernel(kw: &Kw) -> PyResult<Option<Kernel>> {
    Ok(match kw.str("kernel")?.as_deref() {
        None => None,
        Some("quartic") => Some(Kernel::Quartic),
        Some("gaussian") => Some(Kernel::Gaussian),
        Some("epanechnikov") => Some(Kernel::Epanechnikov),
        Some("triangular") => Some(Kernel::Triangular),
        Some("uniform") => Some(Kernel::Uniform),
        Some(_) => {
            return Err(kw.bad(
                "kernel",
                "'quartic', 'gaussian', 'epanechnikov', 'triangular' or 'uniform'",
            ))
        }
    })
}

fn knox_params(kw: &Kw) -> PyResult<KnoxParams> {
    // Near Repeat Calculator bands `(BANDWIDTH, N)`: the library's grammar `BANDWIDTH,N`
    // (`NrcBands`, as the CLI's --nrc), N a whole number
    let nrc = |key: &'static str| -> PyResult<Option<NrcBands>> {
        kw.f64_list(key)?
            .map(|v| {
                let text = v.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
                NrcBands::parse(key, &text).map_err(py_err)
            })
            .transpose()
    };
    // band breaks: numbers or `inf` (the library's grammar, `parse_breaks`, as the CLI's
    // --space/--time)
    let breaks = |key: &str, param: &'static str| -> PyResult<Option<Vec<f64>>> {
        kw.texts(key)?
            .map(|t| rs::parse_breaks(param, &t).map_err(py_err))
            .transpose()
    };
    let space = match nrc("nrc")? {
        Some(b) => b.space_breaks().map_err(py_err)?,
        None => breaks("space", "space_breaks")?
            .unwrap_or_else(|| vec![0.0, 100.0, 200.0, 300.0, 400.0]),
    };
    let time = match nrc("nrc_time")? {
        Some(b) => b.time_breaks().map_err(py_err)?,
        None => breaks("time", "time_breaks")?.unwrap_or_else(|| vec![0.0, 7.0, 14.0, 21.0, 28.0]),
    };
    let metric = match kw.str("metric")?.as_deref() {
        None => None,
        Some("manhattan") => Some(Metric::Manhattan),
        Some("euclidean") => Some(Metric::Euclidean),
        Some(_) => return Err(kw.bad("metric", "'manhattan' or 'euclidean'")),
    };
    let p = given(KnoxParams::new(space, time), metric, KnoxParams::metric);
    let p = given(p, kw.usize("nrep")?, KnoxParams::nrep);
    let p = given(p, kw.u64("seed")?, KnoxParams::seed);
    Ok(given(p, kw.u64("max_pairs")?, KnoxParams::max_pairs))
}

/// `p` with `set(p, v)` when a keyword's value `v` is given, else as it is: the
/// library's default of a setting stays the library's.
fn given<P, T>(p: P, v: Option<T>, set: impl FnOnce(P, T) -> P) -> P {
    match v {
        Some(v) => set(p, v),
        None => p,
    }
}

/// How a study's layers are read: in the CRS `crs` (their own or the default when
/// `None`), into the working CRS of the incidents.
fn layer_options(crs: Option<&str>, working: &Crs) -> PyResult<LayerOptions> {
    Ok(LayerOptions {
        crs: crs.map(Crs::parse).transpose().map_err(py_err)?,
        target: Some(working.clone()),
        name: None,
        filters: Vec::new(),
    })
}

/// A layer for a study, read into the working CRS of the incidents.
fn study_layer(
    path: impl AsRef<Path>,
    crs: Option<&str>,
    working: &Crs,
    role: &str,
) -> PyResult<StudyLayer> {
    StudyLayer::load(path.as_ref(), &layer_options(crs, working)?, role).map_err(py_err)
}

/// `fit_rtm` keyword arguments → the inputs and settings of `crimescape risk fit`.
fn rtm_input(kw: &Kw, incidents: &IncidentInput) -> PyResult<(rk::RiskInput, rk::FitStudyParams)> {
    let specs = layer_specs(kw, "layers")?;
    let block = kw.f64("block")?.unwrap_or(100.0);
    let mut fp = given(
        FactorParams::new(block),
        kw.f64("density_sd")?,
        FactorParams::density_sd,
    );
    if let Some(d) = kw.f64_list("distances")? {
        fp = fp.distances(d);
    }
    let op = match kw.str("op")?.as_deref() {
        Some("proximity") => rk::Operationalisations::Proximity,
        Some("density") => rk::Operationalisations::Density,
        None | Some("both") => rk::Operationalisations::Both,
        Some(_) => return Err(kw.bad("op", "'proximity', 'density' or 'both'")),
    };
    fp = fp.operationalisations(op.list());
    let null = given(
        SpatialNullParams::new(),
        kw.usize("null_shifts")?,
        SpatialNullParams::shifts,
    );
    let null = given(null, kw.f64("null_alpha")?, SpatialNullParams::alpha);
    let rtm = RtmParams::new(block).factors(fp).spatial_null(null);
    let rtm = given(rtm, kw.u64("seed")?, RtmParams::seed);
    let rtm = given(rtm, kw.usize("folds")?, RtmParams::cv_folds);
    let rtm = given(rtm, kw.f64("l1_ratio")?, RtmParams::l1_ratio);
    let cell = kw.f64("cell")?.unwrap_or(block / 2.0);
    let working = incidents.incidents.crs.working.clone();
    let layer_crs = kw.str("layer_crs")?;
    let boundary = kw.str("boundary")?.map(PathBuf::from);
    let input = rk::RiskInput::load_with(
        incidents.clone(),
        &specs,
        boundary.as_deref(),
        |path, role| study_layer(path, layer_crs.as_deref(), &working, role),
    )?;
    Ok((input, rk::FitStudyParams::new(rtm, cell)))
}

/// What a study gave back: its summary line after writing the CLI's files, or its
/// tables (typed columns) and JSON values kept in memory.
enum Emitted {
    Files(String),
    Memory(String, Vec<TableColumns>, Vec<(String, Value)>),
}

/// Writes a study's files into `dir` (as the CLI does), or, without a folder, keeps
/// its tables and JSON in memory (`Outputs::in_memory`: no file, no figure rendered).
fn write_study(
    dir: Option<&Path>,
    files: Vec<String>,
    r: &dyn Export,
    text: String,
) -> Result<Emitted, Error> {
    match dir {
        Some(dir) => {
            let mut out = Outputs::folder(dir, &OutputOptions::force(true))?;
            out.plan(files)?;
            r.write(&mut out)?;
            out.commit()?;
            Ok(Emitted::Files(text))
        }
        None => {
            let mut out = Outputs::in_memory();
            r.write(&mut out)?;
            let (tables, json) = out.into_memory();
            Ok(Emitted::Memory(text, tables, json))
        }
    }
}

/// A column as numpy (numbers, `true`/`false`: the Vec becomes the array's buffer) or
/// a list (text; `true`/`false` with empty cells), with pandas' CSV reading of empty
/// cells: whole numbers with empty cells become floats with NaN.
fn column_py(py: Python<'_>, v: ColumnValues) -> PyResult<Py<PyAny>> {
    Ok(match v {
        ColumnValues::Int(v) if v.iter().all(Option::is_some) => {
            let v: Vec<i64> = v.into_iter().flatten().collect();
            PyArray1::from_vec(py, v).into_any().unbind()
        }
        ColumnValues::Int(v) => {
            let v: Vec<f64> = v
                .into_iter()
                .map(|x| x.map_or(f64::NAN, |i| i as f64))
                .collect();
            PyArray1::from_vec(py, v).into_any().unbind()
        }
        ColumnValues::Float(v) => PyArray1::from_vec(py, v).into_any().unbind(),
        ColumnValues::Bool(v) if v.iter().all(Option::is_some) => {
            let v: Vec<bool> = v.into_iter().flatten().collect();
            PyArray1::from_vec(py, v).into_any().unbind()
        }
        ColumnValues::Bool(v) => v.into_pyobject(py)?.into_any().unbind(),
        ColumnValues::Text(v) => v.into_pyobject(py)?.into_any().unbind(),
    })
}

impl Emitted {
    /// The summary text (files), or `{"text", "tables": [(name, [(column, values)])],
    /// "json": [(name, json text)]}` (in memory).
    fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Emitted::Files(text) => Ok(text.into_pyobject(py)?.into_any().unbind()),
            Emitted::Memory(text, tables, json) => {
                let d = PyDict::new(py);
                d.set_item("text", text)?;
                let tl = PyList::empty(py);
                for t in tables {
                    let cols = PyList::empty(py);
                    for (name, v) in t.columns {
                        cols.append((name, column_py(py, v)?))?;
                    }
                    tl.append((t.name, cols))?;
                }
                d.set_item("tables", tl)?;
                let jl = PyList::empty(py);
                for (n, v) in json {
                    jl.append((n, v.to_string()))?;
                }
                d.set_item("json", jl)?;
                Ok(d.into_any().unbind())
            }
        }
    }
}

/// Runs one whole study on the incidents and writes its files (the CLI's) into
/// `out_dir`; returns the study's summary line.
#[pyfunction]
fn study(
    py: Python<'_>,
    name: &str,
    incidents: &PyIncidents,
    kwargs_json: &str,
    out_dir: Option<PathBuf>,
) -> PyResult<Py<PyAny>> {
    let kw = Kw::parse(kwargs_json)?;
    let input = &incidents.input;
    match name {
        "grid" => {
            let p = hs::GridStudyParams {
                cells: cell_params(&kw)?,
                by_category: kw.bool("by_category")?,
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::grid(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::GridStudy::files(&p),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "kde" => {
            let kde = given(KdeParams::new(), kernel(&kw)?, KdeParams::kernel);
            let mut kde = given(kde, bandwidth(&kw)?, KdeParams::bandwidth);
            if kw.bool("centres")? {
                kde = kde.evaluation(Evaluation::Centre);
            }
            let cells = cell_params(&kw)?;
            cells
                .require_square("kernel density (it is evaluated on square cells)")
                .map_err(py_err)?;
            let p = hs::KdeStudyParams {
                cells,
                kde,
                dual_mode: DualMode::Ratio,
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::kde_study(&inp, None, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::KdeStudy::files(false),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "gistar" => {
            let gistar = GiStarParams::new().fdr(kw.bool("fdr")?).bin_p(
                match kw.bool("bins_from_permutations")? {
                    true => BinP::Permutation,
                    false => BinP::Analytical,
                },
            );
            let gistar = given(
                gistar,
                kw.usize("permutations")?,
                GiStarParams::permutations,
            );
            let p = hs::GiStarStudyParams {
                cells: cell_params(&kw)?,
                weights: weights_spec(&kw)?,
                gistar: given(gistar, kw.u64("seed")?, GiStarParams::seed),
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::gistar(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::GiStarStudy::files(&p),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "moran" => {
            let moran = LocalMoranParams::new();
            let moran = given(
                moran,
                kw.usize("permutations")?,
                LocalMoranParams::permutations,
            );
            let moran = given(moran, kw.u64("seed")?, LocalMoranParams::seed);
            let p = hs::MoranStudyParams {
                cells: cell_params(&kw)?,
                weights: weights_spec(&kw)?,
                moran: given(moran, kw.f64("alpha")?, LocalMoranParams::alpha),
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::moran(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::MoranStudy::files(&p),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "knox" => {
            let p = NearRepeatParams {
                knox: knox_params(&kw)?,
                label: kw.str("label")?,
                title: None,
            };
            let rule = match kw.str("window_rule")?.as_deref() {
                None | Some("exclude") => crimescape::WindowRule::Exclude,
                Some("midpoint") => crimescape::WindowRule::Midpoint,
                Some(_) => return Err(kw.bad("window_rule", "'exclude' or 'midpoint'")),
            };
            let mut inp = input.clone();
            py.detach(|| {
                // windows longer than the first time band: left out or at their midpoint
                rs::knox_windows(&mut inp, &p.knox, rule)?;
                let r = rs::near_repeat(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    NearRepeatStudy::files(),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "change" => {
            let split = date(&kw, "split")?.ok_or_else(|| {
                kw.bad("split", "the first day of the second period (YYYY-MM-DD)")
            })?;
            let cells = cell_params(&kw)?;
            cells.require_square("change").map_err(py_err)?;
            let change = ChangeParams::new(split).fdr(!kw.bool("no_fdr")?);
            let change = given(change, kw.f64("alpha")?, ChangeParams::alpha);
            let p = hs::ChangeStudyParams {
                cells,
                change,
                bandwidth: kw.f64("bandwidth")?,
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::change(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::ChangeStudy::files(&p),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "emerging" => {
            let cells = cell_params(&kw)?;
            cells.require_square("classify/emerging").map_err(py_err)?;
            let d = hs::PeriodStudyParams::default();
            let p = hs::PeriodStudyParams {
                cells,
                weights: weights_spec(&kw)?,
                period_days: kw.u64("period_days")?.map(|d| d as i64),
                start: date(&kw, "start")?,
                alpha: kw.f64("alpha")?.unwrap_or(d.alpha),
                fdr: kw.bool("fdr")?,
                time_steps: kw.usize("time_steps")?.unwrap_or(d.time_steps),
            };
            let inp = HotspotInput::new(input.clone());
            py.detach(|| {
                let r = hs::emerging(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    hs::EmergingStudy::files(&p),
                    &r,
                    r.summary_text(),
                )
            })
        }
        "rtm" => {
            let (inp, p) = rtm_input(&kw, input)?;
            py.detach(|| {
                let r = rk::fit(&inp, &p)?;
                write_study(
                    out_dir.as_deref(),
                    rk::FitStudy::files(),
                    &r,
                    r.summary_text(),
                )
            })
        }
        _ => Err(Error::Param(format!("unknown study {name:?}"))),
    }
    .map_err(py_err)?
    .into_py(py)
}

/// Assesses design proposals (`crimescape assess`): writes the CLI's files into
/// `out_dir` and returns the summary text.
#[pyfunction]
fn assess(py: Python<'_>, kwargs_json: &str, out_dir: Option<PathBuf>) -> PyResult<Py<PyAny>> {
    let kw = Kw::parse(kwargs_json)?;
    let paths = |key: &str| -> PyResult<Vec<PathBuf>> {
        match kw.0.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(PathBuf::from)
                        .ok_or_else(|| kw.bad(key, "paths"))
                })
                .collect(),
            Some(_) => Err(kw.bad(key, "a list of paths")),
        }
    };
    let streets = kw
        .str("streets")?
        .ok_or_else(|| kw.bad("streets", "the street centre lines (a path)"))?;
    let proposal_paths = paths("proposals")?;
    if proposal_paths.is_empty() {
        return Err(kw.bad("proposals", "at least one proposal file"));
    }
    let network = NetworkParams::new().split_crossings(!kw.bool("no_split_crossings")?);
    let network = given(network, kw.f64("snap")?, NetworkParams::snap_tolerance);
    let params = AssessParams::new()
        .network(network)
        .per_action(!kw.bool("no_per_action")?);
    let params = given(params, kw.f64_list("distances")?, AssessParams::distances);
    let files = asx::StudyFiles {
        streets: PathBuf::from(streets),
        paths: kw.str("paths")?.map(PathBuf::from),
        spaces: paths("spaces")?,
        // NAME=PATH as in the CLI, or a bare path named by its file stem
        layers: paths("layers")?
            .iter()
            .map(|p| crimescape::study::LayerSpec::named_or_bare(&p.to_string_lossy()))
            .collect::<crimescape::Result<_>>()
            .map_err(py_err)?,
        crs: kw
            .str("layer_crs")?
            .map(|c| Crs::parse(&c))
            .transpose()
            .map_err(py_err)?,
    };
    let model_path = kw.str("model")?.map(PathBuf::from);
    py.detach(|| {
        let (study, mut inputs) = asx::load_study(&files)?;
        let refs: Vec<&Path> = proposal_paths.iter().map(PathBuf::as_path).collect();
        let (proposals, pin) = asx::read_proposals(&refs, &study)?;
        inputs.extend(pin);
        let model = match &model_path {
            Some(p) => {
                let (m, src) = asx::read_risk_model(p, &study.crs.working)?;
                inputs.push(src);
                Some(m)
            }
            None => None,
        };
        let names: Vec<&str> = proposals.iter().map(|p| p.name.as_str()).collect();
        let files = asx::AssessStudy::files(&names, model.is_some());
        let r = asx::assess(&study, &proposals, model.as_deref(), inputs, &params)?;
        write_study(out_dir.as_deref(), files, &r, r.summary_text())
    })
    .map_err(py_err)?
    .into_py(py)
}

/// The layers of `key`: texts `NAME=PATH` or `NAME=PATH:COLUMN=VALUE` read with the
/// library's grammar (`LayerSpec`'s `FromStr`, the CLI's `--layer`), or
/// `[name, path, filter]` triples (a dict on the Python side).
fn layer_specs(kw: &Kw, key: &str) -> PyResult<Vec<LayerSpec>> {
    let specs = match kw.0.get(key) {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => return Err(kw.bad(key, "at least one layer (NAME=PATH)")),
    };
    specs
        .iter()
        .map(|spec| match spec {
            Value::String(s) => s.parse::<LayerSpec>().map_err(py_err),
            Value::Array(v) if v.len() == 3 => match (v[0].as_str(), v[1].as_str()) {
                (Some(name), Some(path)) => Ok(LayerSpec {
                    name: name.to_string(),
                    path: PathBuf::from(path),
                    filter: v[2].as_str().map(String::from),
                }),
                _ => Err(kw.bad(key, "a name and a path for each layer")),
            },
            _ => Err(kw.bad(key, "NAME=PATH texts or (name, path, filter) triples")),
        })
        .collect()
}

/// The layers a model uses, named as in the model, in the working CRS (their filters
/// are the model's); every layer the model needs is checked to be named before any is
/// read ([`crimescape::RtmModel::check_layers`]).
fn model_layers(kw: &Kw, model: &crimescape::RtmModel, working: &Crs) -> PyResult<Vec<StudyLayer>> {
    let layer_crs = kw.str("layer_crs")?;
    let specs = layer_specs(kw, "layers")?;
    model
        .check_layers(specs.iter().map(|s| s.name.as_str()))
        .map_err(py_err)?;
    specs
        .iter()
        .map(|s| s.load_with(|path, role| study_layer(path, layer_crs.as_deref(), working, role)))
        .collect()
}

fn need_path(kw: &Kw, key: &str, what: &str) -> PyResult<PathBuf> {
    kw.str(key)?
        .map(PathBuf::from)
        .ok_or_else(|| kw.bad(key, what))
}

/// Re-applies a saved model to (changed) layers (`crimescape risk apply`): writes the
/// CLI's files into `out_dir`; returns the summary text, the working CRS (JSON) and
/// the cell size of the model's grid.
#[pyfunction]
fn apply_rtm(
    py: Python<'_>,
    kwargs_json: &str,
    out_dir: Option<PathBuf>,
) -> PyResult<(Py<PyAny>, String, f64)> {
    let kw = Kw::parse(kwargs_json)?;
    let model_path = need_path(&kw, "model", "a model.json path")?;
    // the model's working CRS: the one stored in the file, or `to_crs` (which must
    // match it), as the CLI's `risk apply`
    let to_crs = kw
        .str("to_crs")?
        .map(|c| parse_target_crs(&c))
        .transpose()
        .map_err(py_err)?;
    let m = rk::load_model(&model_path, to_crs).map_err(py_err)?;
    let layers = model_layers(&kw, &m.model, &m.crs)?;
    let crs = serde_json::to_string(&m.crs).map_err(|e| DataError::new_err(e.to_string()))?;
    let cell = m.model.grid.cell;
    let emitted = py
        .detach(|| {
            let r = rk::apply(&m.model, Some(m.source), &layers, &m.crs)?;
            write_study(
                out_dir.as_deref(),
                rk::ApplyStudy::files(),
                &r,
                r.summary_text(),
            )
        })
        .map_err(py_err)?;
    Ok((emitted.into_py(py)?, crs, cell))
}

/// Ranks cells, street segments or user sites (`crimescape sites`): writes the CLI's
/// files into `out_dir`; returns the summary text and warnings.
#[pyfunction]
fn rank_sites(
    py: Python<'_>,
    incidents: &PyIncidents,
    kwargs_json: &str,
    out_dir: Option<PathBuf>,
) -> PyResult<(Py<PyAny>, Vec<String>)> {
    use crimescape::study::sites::{self as st, SitesModel, SitesStudy, Units, UnitsParams};
    use crimescape::{SiteParams, SiteWeights};
    let kw = Kw::parse(kwargs_json)?;
    let model_path = need_path(&kw, "model", "a model.json path")?;
    let specs = layer_specs(&kw, "layers")?;
    let units = UnitsParams {
        units: match kw.str("units")?.as_deref() {
            None | Some("cells") => Units::Cells,
            Some("segments") => Units::Segments,
            Some("sites") => Units::Sites,
            Some(_) => return Err(kw.bad("units", "'cells', 'segments' or 'sites'")),
        },
        streets: kw.str("streets")?.map(PathBuf::from),
        split: kw.bool("split")?,
        tolerance: kw.f64("tolerance")?.unwrap_or(30.0),
        site_layer: kw.str("site_layer")?.map(PathBuf::from),
        site_radius: kw.f64("site_radius")?.unwrap_or(50.0),
    };
    // the file the units need (`streets`, `site_layer`), checked before any is read
    units.file().map_err(py_err)?;
    let (d, w) = (SiteParams::default(), SiteWeights::default());
    let p = SiteParams::new()
        .top(kw.usize("top")?.unwrap_or(d.top))
        .periods(kw.usize("periods")?.unwrap_or(d.periods))
        .period_days(kw.u64("period_days")?.map(|d| d as i64))
        .persistence_top(kw.f64("persistence_top")?.unwrap_or(d.persistence_top))
        .weights(SiteWeights {
            burden: kw.f64("w_burden")?.unwrap_or(w.burden),
            persistence: kw.f64("w_persistence")?.unwrap_or(w.persistence),
            repeat: kw.f64("w_repeat")?.unwrap_or(w.repeat),
            risk: kw.f64("w_risk")?.unwrap_or(w.risk),
            modifiable: kw.f64("w_modifiable")?.unwrap_or(w.modifiable),
        });
    let mapping = kw.str("mapping")?.map(PathBuf::from);
    let seriousness = kw.str("seriousness")?.map(PathBuf::from);
    let m = SitesModel::read(
        &model_path,
        mapping.as_deref(),
        seriousness.as_deref(),
        kw.bool("strict_seriousness")?,
    )
    .map_err(py_err)?;
    // every layer the model needs is named before any is read
    m.model
        .model
        .check_layers(specs.iter().map(|s| s.name.as_str()))
        .map_err(py_err)?;
    let tz = kw
        .str("tz")?
        .map(|t| crimescape::TimeZone::parse(&t))
        .transpose()
        .map_err(py_err)?;
    let inc = incidents.input.clone();
    // the same working CRS (an error), the incidents inside the model's grid (a warning)
    let warnings: Vec<String> = m.check(&inc).map_err(py_err)?.into_iter().collect();
    let working = inc.incidents.crs.working.clone();
    let opts = layer_options(kw.str("layer_crs")?.as_deref(), &working)?;
    let load = |path: &Path, role: &str| StudyLayer::load(path, &opts, role);
    let layers = specs
        .iter()
        .map(|s| s.load_with(load))
        .collect::<crimescape::Result<Vec<_>>>()
        .map_err(py_err)?;
    let units = units.load_with(load).map_err(py_err)?;
    let input = m.input(inc, layers, units, Some(tz));
    let emitted = py
        .detach(|| {
            let r = st::sites(&input, &p)?;
            write_study(
                out_dir.as_deref(),
                SitesStudy::files(),
                &r,
                r.summary_text(),
            )
        })
        .map_err(py_err)?;
    Ok((emitted.into_py(py)?, warnings))
}

/// Evaluates an intervention (`crimescape evaluate`): writes the CLI's files into
/// `out_dir` and returns the summary text.
#[pyfunction]
fn evaluate(
    py: Python<'_>,
    incidents: &PyIncidents,
    kwargs_json: &str,
    out_dir: Option<PathBuf>,
) -> PyResult<Py<PyAny>> {
    use crimescape::study::evaluate::{self as ev, AreaParams, EvaluateStudy, EvaluationInputs};
    use crimescape::EvaluateParams;
    let kw = Kw::parse(kwargs_json)?;
    // the library's grammar of the periods and the date (`evaluate_params`)
    let mut p = ev::evaluate_params(
        kw.str("pre")?.as_deref(),
        kw.str("post")?.as_deref(),
        kw.str("intervention_date")?.as_deref(),
    )
    .map_err(py_err)?;
    p = given(p, kw.f64("confidence")?, EvaluateParams::confidence);
    p = given(p, kw.f64("control_cell")?, EvaluateParams::control_cell);
    // the CLI's grammar (`FromStr for Dispersion`): a fixed factor must be finite and > 0
    if let Some(d) = kw.str("dispersion")? {
        p.dispersion = d.parse().map_err(py_err)?;
    }
    let its = match kw.str("its")?.as_deref() {
        None | Some("nb") => ev::ItsModel::Nb,
        Some("poisson") => ev::ItsModel::Poisson,
        Some("none") => ev::ItsModel::None,
        Some(_) => return Err(kw.bad("its", "'nb', 'poisson' or 'none'")),
    };
    p.its = its.params(kw.bool("its_slope_change")?);
    let costs = kw
        .str("costs")?
        .map(|c| ev::read_costs(Path::new(&c)))
        .transpose()
        .map_err(py_err)?;
    let input = &incidents.input;
    let working = input.incidents.crs.working.clone();
    let areas_crs = kw.str("areas_crs")?;
    let inputs = EvaluationInputs {
        treatment: study_layer(
            need_path(&kw, "treatment", "the treatment area file")?,
            areas_crs.as_deref(),
            &working,
            "treatment",
        )?,
        control: kw
            .str("control")?
            .map(|c| study_layer(&c, areas_crs.as_deref(), &working, "control"))
            .transpose()?,
        costs,
    };
    let areas = inputs
        .areas(&AreaParams {
            area_field: kw.str("area_field")?,
            radius: kw.f64("radius")?.unwrap_or(0.0),
            buffer: kw.f64("buffer")?.unwrap_or(400.0),
        })
        .map_err(py_err)?;
    let names: Vec<String> = areas.iter().map(|x| x.name.clone()).collect();
    py.detach(|| {
        let r = inputs.evaluate(input, areas, &p)?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        write_study(
            out_dir.as_deref(),
            EvaluateStudy::files(&refs),
            &r,
            r.summary_text(),
        )
    })
    .map_err(py_err)?
    .into_py(py)
}

/// Incidents per street segment and the law of crime concentration (`crimescape
/// segments`): writes the CLI's files into `out_dir`; returns the summary text.
#[pyfunction]
fn segments(
    py: Python<'_>,
    incidents: &PyIncidents,
    kwargs_json: &str,
    out_dir: Option<PathBuf>,
) -> PyResult<Py<PyAny>> {
    use crimescape::study::segments::{self as ss, SegmentStudy, SegmentStudyParams};
    let kw = Kw::parse(kwargs_json)?;
    let d = SegmentStudyParams::default();
    let p = SegmentStudyParams {
        split: kw.bool("split")?,
        tolerance: kw.f64("tolerance")?.unwrap_or(d.tolerance),
        cell: kw.f64("cell")?,
        top: kw.usize("top")?.unwrap_or(d.top),
    };
    let input = &incidents.input;
    let streets = study_layer(
        need_path(&kw, "streets", "the street layer (lines)")?,
        kw.str("streets_crs")?.as_deref(),
        &input.incidents.crs.working,
        "streets",
    )?;
    py.detach(|| {
        let r = ss::segments(input, &streets, &p)?;
        write_study(
            out_dir.as_deref(),
            SegmentStudy::files(),
            &r,
            r.summary_text(),
        )
    })
    .map_err(py_err)?
    .into_py(py)
}

/// Point clusters of an (n, 2) array: labels per point (-1 = noise), in input order.
#[pyfunction]
#[pyo3(signature = (method, xy, eps=100.0, min_samples=None, min_cluster_size=25))]
fn cluster<'py>(
    py: Python<'py>,
    method: &str,
    xy: PyReadonlyArray2<'py, f64>,
    eps: f64,
    min_samples: Option<usize>,
    min_cluster_size: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let a = xy.as_array();
    if a.ncols() != 2 {
        return Err(ParameterError::new_err(format!(
            "xy: expected an (n, 2) array, got shape {:?}",
            a.shape()
        )));
    }
    let pts: Vec<[f64; 2]> = a.rows().into_iter().map(|r| [r[0], r[1]]).collect();
    let c = py
        .detach(|| match method {
            "dbscan" => dbscan(&pts, &DbscanParams::new(eps, min_samples.unwrap_or(5))),
            "hdbscan" => hdbscan(
                &pts,
                &HdbscanParams::new(min_cluster_size).min_samples(min_samples),
            ),
            _ => Err(Error::invalid_param(
                "method",
                format!("{method:?}"),
                "use dbscan or hdbscan",
            )),
        })
        .map_err(py_err)?;
    Ok(labels_py(py, &c.labels, None, pts.len()))
}

/// Cluster labels as numpy (-1 = noise): of the points clustered (`used`: their
/// indexes among `n` points, the others -1; `None`: all `n` in order).
fn labels_py<'py>(
    py: Python<'py>,
    labels: &[Option<usize>],
    used: Option<&[usize]>,
    n: usize,
) -> Bound<'py, PyArray1<i64>> {
    let label = |l: &Option<usize>| l.map_or(-1, |v| v as i64);
    let out: Vec<i64> = match used {
        None => labels.iter().map(label).collect(),
        Some(used) => {
            let mut out = vec![-1; n];
            for (&i, l) in used.iter().zip(labels) {
                out[i] = label(l);
            }
            out
        }
    };
    PyArray1::from_vec(py, out)
}

/// Space-time DBSCAN of the incidents (`crimescape clusters --method st-dbscan`, the
/// library's `clusters` study: the incidents with a time, `eps_days` checked and
/// rounded to seconds): a label per incident, -1 for noise and for an incident
/// without a time.
#[pyfunction]
#[pyo3(signature = (incidents, eps=100.0, eps_days=None, min_samples=5))]
fn st_dbscan<'py>(
    py: Python<'py>,
    incidents: &PyIncidents,
    eps: f64,
    eps_days: Option<f64>,
    min_samples: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    use crimescape::study::clusters::{clusters, ClusterMethod, ClusterStudyParams};
    let input = &incidents.input;
    let (labels, used) = py
        .detach(|| {
            let p = ClusterStudyParams {
                method: ClusterMethod::st_dbscan(eps, eps_days, min_samples)?,
                ellipse: Default::default(),
            };
            let r = clusters(input, &p)?;
            Ok::<_, Error>((r.clustering.labels, r.used))
        })
        .map_err(py_err)?;
    Ok(labels_py(py, &labels, Some(&used), input.incidents.len()))
}

/// Writes the demo city (and, unless `city_only`, every analysis of `crimescape
/// demo` that the library runs) into `out_dir`; returns the summary text.
#[pyfunction]
#[pyo3(signature = (out_dir, seed=42, incidents=20_000, size=6000.0, city_only=true))]
fn demo_city(
    py: Python<'_>,
    out_dir: PathBuf,
    seed: u64,
    incidents: usize,
    size: f64,
    city_only: bool,
) -> PyResult<String> {
    py.detach(|| {
        let params = DemoParams::new(seed).incidents(incidents).size(size);
        let mut out = Outputs::folder(&out_dir, &OutputOptions::force(true))?;
        let text = crimescape::run_demo(&params, city_only, &mut out, &|_| {})?;
        out.commit()?;
        Ok(text)
    })
    .map_err(py_err)
}

#[pymodule]
fn _crimescape(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CrimescapeError", py.get_type::<CrimescapeError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("CrsError", py.get_type::<CrsError>())?;
    m.add("ParameterError", py.get_type::<ParameterError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add_class::<PyIncidents>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(study, m)?)?;
    m.add_function(wrap_pyfunction!(cluster, m)?)?;
    m.add_function(wrap_pyfunction!(st_dbscan, m)?)?;
    m.add_function(wrap_pyfunction!(assess, m)?)?;
    m.add_function(wrap_pyfunction!(demo_city, m)?)?;
    m.add_function(wrap_pyfunction!(apply_rtm, m)?)?;
    m.add_function(wrap_pyfunction!(rank_sites, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(segments, m)?)?;
    Ok(())
}
