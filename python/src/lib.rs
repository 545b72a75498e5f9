//! The native part of the `crimescape` Python package (`crimescape._crimescape`).
//!
//! Thin by design: every analysis is one call of the library's whole-study functions
//! (`crimescape::study::*`) or of an analysis function, with the same parameters
//! and defaults as the CLI flags. Studies write the same files as the CLI into a folder
//! the Python side chooses (a temporary one by default) and the Python wrapper reads
//! their tables back as data frames, so a notebook and the CLI give the same numbers by
//! construction. Point clusters take and return numpy arrays. The GIL is released while
//! Rust computes; progress is never shown.

use std::path::{Path, PathBuf};

use crimescape::study::assess as asx;
use crimescape::study::hotspots::{self as hs, CellParams, ExtentChoice, HotspotInput};
use crimescape::study::repeats::{self as rs, NearRepeatParams, NearRepeatStudy};
use crimescape::study::risk as rk;
use crimescape::study::settings::parse_target_crs;
use crimescape::study::{IncidentInput, StudyLayer};
use crimescape::{
    dbscan, hdbscan, st_dbscan, AssessParams, Bandwidth, BinP, ChangeParams, ColumnValues, Crs,
    DbscanParams, DemoParams, DualMode, Error, Export, FactorParams, GiStarParams, HdbscanParams,
    KdeEvaluation as Evaluation, KdeParams, Kernel, KnoxParams, LayerOptions, LoadOptions,
    LocalMoranParams, Metric, NetworkParams, Operationalisation, OutputOptions, Outputs, RtmParams,
    SpatialNullParams, TableColumns, WeightsSpec,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
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
    "An invalid parameter (a usage error: exit code 2 in the CLI)."
);
create_exception!(
    _crimescape,
    DataError,
    CrimescapeError,
    "The analysis cannot run on these data, or an input's content is invalid."
);

/// A library error as a Python exception of the `CrimescapeError` hierarchy, with the
/// file, row, column and value as attributes when the error has them.
fn py_err(e: Error) -> PyErr {
    let msg = e.to_string();
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
            Some(param.to_string()),
            Some(value.clone()),
        ),
        Error::Limit { field, value, .. } => (
            ParameterError::new_err(msg),
            None,
            None,
            Some(field.clone()),
            Some(value.clone()),
        ),
        Error::MissingParam { param, .. } => (
            ParameterError::new_err(msg),
            None,
            None,
            Some(param.to_string()),
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
    fn bad(&self, key: &str, want: &str) -> PyErr {
        ParameterError::new_err(format!(
            "{key}={}: expected {want}",
            self.0.get(key).unwrap_or(&Value::Null)
        ))
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
    fn f64_list(&self, key: &str) -> PyResult<Option<Vec<f64>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_f64().ok_or_else(|| self.bad(key, "numbers")),
                    Value::String(s) if s.eq_ignore_ascii_case("inf") => Ok(f64::INFINITY),
                    _ => Err(self.bad(key, "a list of numbers")),
                })
                .collect::<PyResult<Vec<f64>>>()
                .map(Some),
            Some(_) => Err(self.bad(key, "a list of numbers")),
        }
    }
}

/// `load_incidents` keyword arguments → the library's options (as the CLI's flags).
fn load_options(kw: &Kw) -> PyResult<LoadOptions> {
    let mut o = LoadOptions::new();
    o.x = kw.str("x")?;
    o.y = kw.str("y")?;
    o.location = kw.str("location")?;
    o.time = kw.str("time")?;
    o.time_to = kw.str("time_to")?;
    o.time_format = kw.str("time_format")?;
    o.category = kw.str("category")?;
    o.crs = kw
        .str("crs")?
        .map(|c| Crs::parse(&c))
        .transpose()
        .map_err(py_err)?;
    o.target_crs = kw
        .str("to_crs")?
        .map(|c| parse_target_crs(&c))
        .transpose()
        .map_err(py_err)?;
    if let Some(d) = kw.str("delimiter")? {
        match d.as_bytes() {
            [b] => o.delimiter = Some(*b),
            _ => return Err(kw.bad("delimiter", "one ASCII character")),
        }
    }
    let max_window = kw.f64("max_window")?.unwrap_or(14.0);
    if !(max_window.is_finite() && max_window >= 0.0) {
        return Err(kw.bad("max_window", "a number of days >= 0"));
    }
    o.max_window = Some((max_window * 86_400.0).round() as i64);
    if kw.bool("keep_outliers")? {
        o.outlier_factor = None;
    }
    o.strict = kw.bool("strict")?;
    Ok(o)
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
    let opts = load_options(&Kw::parse(options_json)?)?;
    let input = py
        .detach(|| IncidentInput::load(&path, &opts))
        .map_err(py_err)?;
    Ok(PyIncidents { input })
}

/// A day (YYYY-MM-DD) as local clock seconds, as the CLI reads it.
fn day(kw: &Kw, key: &str, s: &str) -> PyResult<i64> {
    crimescape::parse_time(s.trim())
        .map(|t| t.0)
        .ok_or_else(|| kw.bad(key, "a date (YYYY-MM-DD)"))
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

fn weights_spec(kw: &Kw) -> PyResult<WeightsSpec> {
    let radius = kw.f64("radius")?;
    Ok(match kw.str("neighbours")?.as_deref() {
        None | Some("queen") => WeightsSpec::DistanceBand { radius: None },
        Some("band") => WeightsSpec::DistanceBand {
            radius: Some(
                radius.ok_or_else(|| ParameterError::new_err("neighbours='band' needs radius="))?,
            ),
        },
        Some("knn") => WeightsSpec::Knn {
            k: kw.usize("k")?.unwrap_or(8),
        },
        Some("idw") => WeightsSpec::InverseDistance {
            radius,
            power: kw.f64("power")?.unwrap_or(1.0),
            scale: None,
        },
        Some(_) => return Err(kw.bad("neighbours", "'queen', 'band', 'knn' or 'idw'")),
    })
}

fn bandwidth(kw: &Kw) -> PyResult<Bandwidth> {
    let s = kw.str("bandwidth")?.unwrap_or_else(|| "arcgis".into());
    let t = s.trim().to_ascii_lowercase();
    Ok(match t.as_str() {
        "arcgis" | "default" => Bandwidth::ArcGis,
        "scott" | "nrd" => Bandwidth::Scott,
        _ => {
            if let Some(k) = t.strip_prefix("knn:") {
                Bandwidth::Adaptive {
                    k: k.parse()
                        .map_err(|_| kw.bad("bandwidth", "knn:K with an integer K"))?,
                }
            } else {
                let h: f64 = t
                    .trim_end_matches('m')
                    .parse()
                    .map_err(|_| kw.bad("bandwidth", "metres, 'arcgis', 'scott' or 'knn:K'"))?;
                Bandwidth::Fixed { h }
            }
        }
    })
}

fn kernel(kw: &Kw) -> PyResult<Kernel> {
    Ok(match kw.str("kernel")?.as_deref() {
        None | Some("quartic") => Kernel::Quartic,
        Some("gaussian") => Kernel::Gaussian,
        Some("epanechnikov") => Kernel::Epanechnikov,
        Some("triangular") => Kernel::Triangular,
        Some("uniform") => Kernel::Uniform,
        Some(_) => {
            return Err(kw.bad(
                "kernel",
                "'quartic', 'gaussian', 'epanechnikov', 'triangular' or 'uniform'",
            ))
        }
    })
}

fn knox_params(kw: &Kw) -> PyResult<KnoxParams> {
    let space = match kw.f64_list("nrc")? {
        Some(v) if v.len() == 2 => {
            crimescape::nrc_space_breaks(v[0], v[1] as usize).map_err(py_err)?
        }
        Some(_) => return Err(kw.bad("nrc", "(bandwidth, n)")),
        None => kw
            .f64_list("space")?
            .unwrap_or_else(|| vec![0.0, 100.0, 200.0, 300.0, 400.0]),
    };
    let time = match kw.f64_list("nrc_time")? {
        Some(v) if v.len() == 2 => {
            crimescape::nrc_time_breaks(v[0], v[1] as usize).map_err(py_err)?
        }
        Some(_) => return Err(kw.bad("nrc_time", "(bandwidth, n)")),
        None => kw
            .f64_list("time")?
            .unwrap_or_else(|| vec![0.0, 7.0, 14.0, 21.0, 28.0]),
    };
    let metric = match kw.str("metric")?.as_deref() {
        None | Some("manhattan") => Metric::Manhattan,
        Some("euclidean") => Metric::Euclidean,
        Some(_) => return Err(kw.bad("metric", "'manhattan' or 'euclidean'")),
    };
    Ok(KnoxParams::new(space, time)
        .metric(metric)
        .nrep(kw.usize("nrep")?.unwrap_or(999))
        .seed(kw.u64("seed")?.unwrap_or(42))
        .max_pairs(kw.u64("max_pairs")?.unwrap_or(500_000_000)))
}

/// A layer for a study, read into the working CRS of the incidents.
fn study_layer(path: &str, crs: Option<&str>, working: &Crs, role: &str) -> PyResult<StudyLayer> {
    let opts = LayerOptions {
        crs: crs.map(Crs::parse).transpose().map_err(py_err)?,
        target: Some(working.clone()),
        name: None,
        filters: Vec::new(),
    };
    StudyLayer::load(path, &opts, role).map_err(py_err)
}

/// `fit_rtm` keyword arguments → the inputs and settings of `crimescape risk fit`.
fn rtm_input(kw: &Kw, incidents: &IncidentInput) -> PyResult<(rk::RiskInput, rk::FitStudyParams)> {
    let working = incidents.incidents.crs.working.clone();
    let layer_crs = kw.str("layer_crs")?;
    let specs = match kw.0.get("layers") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        _ => return Err(kw.bad("layers", "at least one risk-factor layer")),
    };
    let mut layers = Vec::new();
    for spec in &specs {
        let parts: Vec<Option<&str>> = match spec {
            Value::Array(v) if v.len() == 3 => v.iter().map(Value::as_str).collect(),
            _ => return Err(kw.bad("layers", "(name, path, filter) triples")),
        };
        let (Some(name), Some(path)) = (parts[0], parts[1]) else {
            return Err(kw.bad("layers", "a name and a path for each layer"));
        };
        let mut l = study_layer(path, layer_crs.as_deref(), &working, "layer")?;
        l.layer.name = name.to_string();
        layers.push(rk::RiskLayer {
            layer: l,
            filter: parts[2].map(str::to_string),
        });
    }
    let boundary = kw
        .str("boundary")?
        .map(|b| study_layer(&b, layer_crs.as_deref(), &working, "boundary"))
        .transpose()?;
    let block = kw.f64("block")?.unwrap_or(100.0);
    let mut fp = FactorParams::new(block).density_sd(kw.f64("density_sd")?.unwrap_or(2.0));
    if let Some(d) = kw.f64_list("distances")? {
        fp = fp.distances(d);
    }
    fp = fp.operationalisations(match kw.str("op")?.as_deref() {
        Some("proximity") => vec![Operationalisation::Proximity],
        Some("density") => vec![Operationalisation::Density],
        None | Some("both") => vec![Operationalisation::Proximity, Operationalisation::Density],
        Some(_) => return Err(kw.bad("op", "'proximity', 'density' or 'both'")),
    });
    let rtm = RtmParams::new(block)
        .seed(kw.u64("seed")?.unwrap_or(1))
        .cv_folds(kw.usize("folds")?.unwrap_or(5))
        .l1_ratio(kw.f64("l1_ratio")?.unwrap_or(0.5))
        .factors(fp)
        .spatial_null(
            SpatialNullParams::new()
                .shifts(kw.usize("null_shifts")?.unwrap_or(199))
                .alpha(kw.f64("null_alpha")?.unwrap_or(0.05)),
        );
    let cell = kw.f64("cell")?.unwrap_or(block / 2.0);
    Ok((
        rk::RiskInput {
            incidents: incidents.clone(),
            layers,
            boundary,
        },
        rk::FitStudyParams::new(rtm, cell),
    ))
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
            let mut kde = KdeParams::new()
                .kernel(kernel(&kw)?)
                .bandwidth(bandwidth(&kw)?);
            if kw.bool("centres")? {
                kde = kde.evaluation(Evaluation::Centre);
            }
            let p = hs::KdeStudyParams {
                cells: cell_params(&kw)?,
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
            let p = hs::GiStarStudyParams {
                cells: cell_params(&kw)?,
                weights: weights_spec(&kw)?,
                gistar: GiStarParams::new()
                    .permutations(kw.usize("permutations")?.unwrap_or(999))
                    .seed(kw.u64("seed")?.unwrap_or(12345))
                    .fdr(kw.bool("fdr")?)
                    .bin_p(if kw.bool("bins_from_permutations")? {
                        BinP::Permutation
                    } else {
                        BinP::Analytical
                    }),
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
            let p = hs::MoranStudyParams {
                cells: cell_params(&kw)?,
                weights: weights_spec(&kw)?,
                moran: LocalMoranParams::new()
                    .permutations(kw.usize("permutations")?.unwrap_or(999))
                    .seed(kw.u64("seed")?.unwrap_or(12345))
                    .alpha(kw.f64("alpha")?.unwrap_or(0.05)),
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
                let (inc, wr) = crimescape::knox_incidents(
                    &inp.incidents,
                    crimescape::first_band_days(&p.knox.time_breaks)?,
                    rule,
                )?;
                if wr.midpoint_short + wr.midpoint_long + wr.excluded_long > 0 {
                    if let Some(s) = &mut inp.source {
                        s.reading.push(wr.describe());
                    }
                }
                inp.incidents = inc;
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
            let split = kw.str("split")?.ok_or_else(|| {
                kw.bad("split", "the first day of the second period (YYYY-MM-DD)")
            })?;
            let mut change = ChangeParams::new(day(&kw, "split", &split)?);
            change.alpha = kw.f64("alpha")?.unwrap_or(0.05);
            change.fdr = !kw.bool("no_fdr")?;
            let p = hs::ChangeStudyParams {
                cells: cell_params(&kw)?,
                change,
                bandwidth: kw.f64("bandwidth")?,
            };
            if p.cells.hex {
                return Err(kw.bad("hex", "False: hotspot_change uses square cells"));
            }
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
            let p = hs::PeriodStudyParams {
                cells: cell_params(&kw)?,
                weights: weights_spec(&kw)?,
                period_days: kw.u64("period_days")?.map(|d| d as i64),
                start: kw
                    .str("start")?
                    .map(|s| day(&kw, "start", &s))
                    .transpose()?,
                alpha: kw.f64("alpha")?.unwrap_or(0.05),
                fdr: kw.bool("fdr")?,
                time_steps: kw.usize("time_steps")?.unwrap_or(1),
            };
            if p.cells.hex {
                return Err(kw.bad("hex", "False: emerging_hotspots uses square cells"));
            }
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
    let distances = kw
        .f64_list("distances")?
        .unwrap_or_else(|| vec![400.0, 800.0]);
    let params = AssessParams::new()
        .network(
            NetworkParams::new()
                .snap_tolerance(kw.f64("snap")?.unwrap_or(1.0))
                .split_crossings(!kw.bool("no_split_crossings")?),
        )
        .distances(distances)
        .per_action(!kw.bool("no_per_action")?);
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

/// `[[name, path, filter], ...]` of the Python side (the CLI's `--layer NAME=PATH`).
fn layer_triples(kw: &Kw, key: &str) -> PyResult<Vec<(String, String, Option<String>)>> {
    let specs = match kw.0.get(key) {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        _ => return Err(kw.bad(key, "at least one layer (NAME=PATH)")),
    };
    specs
        .iter()
        .map(|spec| {
            let parts: Vec<Option<&str>> = match spec {
                Value::Array(v) if v.len() == 3 => v.iter().map(Value::as_str).collect(),
                _ => return Err(kw.bad(key, "(name, path, filter) triples")),
            };
            match (parts[0], parts[1]) {
                (Some(n), Some(p)) => {
                    Ok((n.to_string(), p.to_string(), parts[2].map(String::from)))
                }
                _ => Err(kw.bad(key, "a name and a path for each layer")),
            }
        })
        .collect()
}

/// The layers a model uses, named as in the model, in the working CRS.
fn model_layers(kw: &Kw, working: &Crs) -> PyResult<Vec<StudyLayer>> {
    let layer_crs = kw.str("layer_crs")?;
    layer_triples(kw, "layers")?
        .into_iter()
        .map(|(name, path, _)| {
            let mut l = study_layer(&path, layer_crs.as_deref(), working, "layer")?;
            l.layer.name = name;
            Ok(l)
        })
        .collect()
}

fn need_path(kw: &Kw, key: &str, what: &str) -> PyResult<PathBuf> {
    kw.str(key)?
        .map(PathBuf::from)
        .ok_or_else(|| kw.bad(key, what))
}

/// Re-applies a saved model to (changed) layers (`crimescape risk apply`): writes the
/// CLI's files into `out_dir` and returns the summary text.
#[pyfunction]
fn apply_rtm(py: Python<'_>, kwargs_json: &str, out_dir: Option<PathBuf>) -> PyResult<Py<PyAny>> {
    let kw = Kw::parse(kwargs_json)?;
    let model_path = need_path(&kw, "model", "a model.json path")?;
    let (mf, source) = rk::read_model(&model_path).map_err(py_err)?;
    let crs = match (kw.str("to_crs")?, &mf.crs) {
        (Some(c), _) => parse_target_crs(&c).map_err(py_err)?,
        (None, Some(c)) => c.clone(),
        (None, None) => {
            return Err(py_err(Error::Param(format!(
                "{}: the model file stores no crs; give its working CRS with to_crs=",
                model_path.display()
            ))))
        }
    };
    mf.check_crs(&crs, &format!("model file {}", model_path.display()))
        .map_err(py_err)?;
    let layers = model_layers(&kw, &crs)?;
    let model = mf.model;
    py.detach(|| {
        let r = rk::apply(&model, Some(source), &layers, &crs)?;
        write_study(
            out_dir.as_deref(),
            rk::ApplyStudy::files(),
            &r,
            r.summary_text(),
        )
    })
    .map_err(py_err)?
    .into_py(py)
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
    use crimescape::study::sites::{self as st, SitesInput, SitesStudy, UnitsInput};
    use crimescape::{CptedMapping, SiteParams, SiteWeights};
    let kw = Kw::parse(kwargs_json)?;
    let model_path = need_path(&kw, "model", "a model.json path")?;
    let units = kw.str("units")?.unwrap_or_else(|| "cells".into());
    let p = SiteParams::new()
        .top(kw.usize("top")?.unwrap_or(20))
        .periods(kw.usize("periods")?.unwrap_or(4))
        .period_days(kw.u64("period_days")?.map(|d| d as i64))
        .persistence_top(kw.f64("persistence_top")?.unwrap_or(0.05))
        .weights(SiteWeights {
            burden: kw.f64("w_burden")?.unwrap_or(0.35),
            persistence: kw.f64("w_persistence")?.unwrap_or(0.15),
            repeat: kw.f64("w_repeat")?.unwrap_or(0.10),
            risk: kw.f64("w_risk")?.unwrap_or(0.25),
            modifiable: kw.f64("w_modifiable")?.unwrap_or(0.15),
        });
    let (mf, model_source) = rk::read_model(&model_path).map_err(py_err)?;
    let mapping = match kw.str("mapping")? {
        Some(m) => {
            let (m, src) = st::read_mapping(Path::new(&m)).map_err(py_err)?;
            (m, Some(src))
        }
        None => (CptedMapping::default_mapping(), None),
    };
    let seriousness = kw
        .str("seriousness")?
        .map(|s| {
            st::read_seriousness(Path::new(&s), kw.bool("strict_seriousness")?).map_err(py_err)
        })
        .transpose()?;
    let tz = kw
        .str("tz")?
        .map(|t| crimescape::TimeZone::parse(&t))
        .transpose()
        .map_err(py_err)?;
    let inc = incidents.input.clone();
    let working = inc.incidents.crs.working.clone();
    mf.check_crs(&working, &format!("model file {}", model_path.display()))
        .map_err(py_err)?;
    let model = mf.model;
    let mut warnings = Vec::new();
    if let Some(b) = inc.incidents.bbox() {
        if let Some(w) = crimescape::check_model_coverage(&model, b, "the model").map_err(py_err)? {
            warnings.push(w);
        }
    }
    let layers = model_layers(&kw, &working)?;
    let layer_crs = kw.str("layer_crs")?;
    let units = match units.as_str() {
        "cells" => UnitsInput::Cells,
        "segments" => UnitsInput::Segments {
            streets: study_layer(
                need_path(&kw, "streets", "a street layer (units='segments')")?
                    .to_string_lossy()
                    .as_ref(),
                layer_crs.as_deref(),
                &working,
                "segments",
            )?,
            split: kw.bool("split")?,
            tolerance: kw.f64("tolerance")?.unwrap_or(30.0),
        },
        "sites" => UnitsInput::Sites {
            layer: study_layer(
                need_path(&kw, "site_layer", "a site layer (units='sites')")?
                    .to_string_lossy()
                    .as_ref(),
                layer_crs.as_deref(),
                &working,
                "sites",
            )?,
            radius: kw.f64("site_radius")?.unwrap_or(50.0),
        },
        _ => return Err(kw.bad("units", "'cells', 'segments' or 'sites'")),
    };
    let input = SitesInput {
        incidents: inc,
        model,
        model_source: Some(model_source),
        layers,
        units,
        mapping,
        seriousness,
        temporal: Some(tz),
    };
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

/// A `FROM..TO` period (TO excluded) as local clock seconds.
fn span(kw: &Kw, key: &str) -> PyResult<Option<(i64, i64)>> {
    kw.str(key)?
        .map(|s| match s.split_once("..") {
            Some((a, b)) => Ok((day(kw, key, a)?, day(kw, key, b)?)),
            None => Err(kw.bad(key, "FROM..TO, e.g. ('2024-01-01', '2024-07-01')")),
        })
        .transpose()
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
    use crimescape::study::evaluate::{self as ev, AreaParams, EvaluateStudy};
    use crimescape::{Dispersion, EvaluateParams, ItsParams};
    let kw = Kw::parse(kwargs_json)?;
    let date = kw
        .str("intervention_date")?
        .map(|d| day(&kw, "intervention_date", &d))
        .transpose()?;
    let mut p = match (span(&kw, "pre")?, span(&kw, "post")?, date) {
        (Some(pre), Some(post), d) => {
            let mut p = EvaluateParams::periods(pre, post);
            if d.is_some() {
                p.intervention = d;
            }
            p
        }
        (None, None, Some(d)) => EvaluateParams::at(d),
        (None, None, None) => {
            return Err(ParameterError::new_err(
                "give intervention_date='YYYY-MM-DD', or pre=(FROM, TO) and post=(FROM, TO)",
            ))
        }
        _ => return Err(ParameterError::new_err("give both pre= and post=")),
    };
    p = p
        .confidence(kw.f64("confidence")?.unwrap_or(0.95))
        .control_cell(kw.f64("control_cell")?.unwrap_or(250.0));
    // the CLI's grammar (`FromStr for Dispersion`): a fixed factor must be finite and > 0
    p.dispersion = match kw.str("dispersion")?.as_deref() {
        None => Dispersion::Estimate,
        Some(s) => s
            .parse::<Dispersion>()
            .map_err(|_| kw.bad("dispersion", "'auto', 'poisson' or a number > 0"))?,
    };
    p.its = match kw.str("its")?.as_deref() {
        None | Some("nb") => Some(ItsParams::default()),
        Some("poisson") => Some(ItsParams {
            family: crimescape::Family::Poisson,
            ..ItsParams::default()
        }),
        Some("none") => None,
        Some(_) => return Err(kw.bad("its", "'nb', 'poisson' or 'none'")),
    };
    if let Some(i) = &mut p.its {
        i.slope_change = kw.bool("its_slope_change")?;
    }
    let mut sources = Vec::new();
    if let Some(c) = kw.str("costs")? {
        let (spec, src) = ev::read_costs(Path::new(&c)).map_err(py_err)?;
        p.costs = Some(spec);
        sources.push(src);
    }
    let input = &incidents.input;
    let working = input.incidents.crs.working.clone();
    let areas_crs = kw.str("areas_crs")?;
    let treatment = study_layer(
        &need_path(&kw, "treatment", "the treatment area file")?.to_string_lossy(),
        areas_crs.as_deref(),
        &working,
        "treatment",
    )?;
    let control = kw
        .str("control")?
        .map(|c| study_layer(&c, areas_crs.as_deref(), &working, "control"))
        .transpose()?;
    let areas = ev::treatment_areas(
        &treatment,
        control.as_ref(),
        &AreaParams {
            area_field: kw.str("area_field")?,
            radius: kw.f64("radius")?.unwrap_or(0.0),
            buffer: kw.f64("buffer")?.unwrap_or(400.0),
        },
    )
    .map_err(py_err)?;
    sources.extend(treatment.source.clone());
    sources.extend(control.and_then(|c| c.source));
    let names: Vec<String> = areas.iter().map(|x| x.name.clone()).collect();
    py.detach(|| {
        let r = ev::evaluate_study(input, areas, sources, &p)?;
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
    let p = SegmentStudyParams {
        split: kw.bool("split")?,
        tolerance: kw.f64("tolerance")?.unwrap_or(30.0),
        cell: kw.f64("cell")?,
        top: kw.usize("top")?.unwrap_or(20),
    };
    let input = &incidents.input;
    let streets = study_layer(
        &need_path(&kw, "streets", "the street layer (lines)")?.to_string_lossy(),
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

/// Point clusters: labels per point (-1 = noise), in input order.
#[pyfunction]
#[pyo3(signature = (method, xy, eps=100.0, min_samples=None, min_cluster_size=25, times=None, eps_time=None))]
#[allow(clippy::too_many_arguments)]
fn cluster<'py>(
    py: Python<'py>,
    method: &str,
    xy: PyReadonlyArray2<'py, f64>,
    eps: f64,
    min_samples: Option<usize>,
    min_cluster_size: usize,
    times: Option<PyReadonlyArray1<'py, i64>>,
    eps_time: Option<i64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let a = xy.as_array();
    if a.ncols() != 2 {
        return Err(ParameterError::new_err(format!(
            "xy: expected an (n, 2) array, got shape {:?}",
            a.shape()
        )));
    }
    let pts: Vec<[f64; 2]> = a.rows().into_iter().map(|r| [r[0], r[1]]).collect();
    let t: Option<Vec<i64>> = times.map(|t| t.as_array().to_vec());
    let c = py
        .detach(|| match method {
            "dbscan" => dbscan(&pts, &DbscanParams::new(eps, min_samples.unwrap_or(5))),
            "hdbscan" => {
                let mut p = HdbscanParams::new(min_cluster_size);
                p.min_samples = min_samples;
                hdbscan(&pts, &p)
            }
            "st-dbscan" => {
                let t = t.ok_or_else(|| Error::Param("st_dbscan needs times".into()))?;
                if t.len() != pts.len() {
                    return Err(Error::Param(format!(
                        "st_dbscan: {} times for {} points",
                        t.len(),
                        pts.len()
                    )));
                }
                let et = eps_time.ok_or_else(|| Error::Param("st_dbscan needs eps_days".into()))?;
                st_dbscan(
                    &pts,
                    &t,
                    &crimescape::StDbscanParams::new(eps, et, min_samples.unwrap_or(5)),
                )
            }
            _ => Err(Error::Param(format!(
                "unknown clustering method {method:?}"
            ))),
        })
        .map_err(py_err)?;
    let labels: Vec<i64> = c
        .labels
        .iter()
        .map(|l| l.map_or(-1, |v| v as i64))
        .collect();
    Ok(PyArray1::from_vec(py, labels))
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
    m.add_function(wrap_pyfunction!(assess, m)?)?;
    m.add_function(wrap_pyfunction!(demo_city, m)?)?;
    m.add_function(wrap_pyfunction!(apply_rtm, m)?)?;
    m.add_function(wrap_pyfunction!(rank_sites, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(segments, m)?)?;
    Ok(())
}
