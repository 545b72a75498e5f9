//! Risk terrain modelling: fit a model, re-apply a saved model to changed layers, and
//! validate a model fitted on one period on the next.

use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use super::{IncidentInput, LayerSpec, StudyLayer};
use crate::accuracy::AccuracyRow;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::export::{
    features_indexed, table, table_indexed, Cell, Column, Export, Figure, InputFile, Outputs,
    Provenance,
};
use crate::grid::Grid;
use crate::io::LayerOptions;
use crate::layer::Layer;
use crate::render::{ColourScale, MapOptions, PlotOptions, Series};
use crate::risk::{
    apply_model, fit_rtm_in, validate_rtm, validate_rtm_samples, LayerInput, Operationalisation,
    RtmModel, RtmParams, RtmResult, RtmValidation, ValidateParams,
};

/// Which operationalisations of each layer a fit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operationalisations {
    /// Cell within d of the nearest feature.
    Proximity,
    /// Feature density above mean + k SD.
    Density,
    /// Try both (RTMDx's behaviour).
    Both,
}

impl Operationalisations {
    /// The operationalisations tried, proximity first.
    ///
    /// ```
    /// use crimescape::study::risk::Operationalisations;
    ///
    /// assert_eq!(Operationalisations::Both.list().len(), 2);
    /// ```
    pub fn list(self) -> Vec<Operationalisation> {
        match self {
            Operationalisations::Proximity => vec![Operationalisation::Proximity],
            Operationalisations::Density => vec![Operationalisation::Density],
            Operationalisations::Both => {
                vec![Operationalisation::Proximity, Operationalisation::Density]
            }
        }
    }
}

/// A risk-factor layer: the layer (named) and an optional feature filter
/// (`COLUMN=VALUE`, e.g. `status=out`).
#[derive(Debug, Clone)]
pub struct RiskLayer {
    /// The layer; its name is the factor's layer name.
    pub layer: StudyLayer,
    /// Feature filter.
    pub filter: Option<String>,
}

/// The inputs of a risk terrain model.
#[derive(Debug, Clone)]
pub struct RiskInput {
    /// The incidents (training incidents for a validation).
    pub incidents: IncidentInput,
    /// The risk-factor layers.
    pub layers: Vec<RiskLayer>,
    /// Study-area polygons: only cells whose centre lies inside enter the model.
    pub boundary: Option<StudyLayer>,
}

impl RiskInput {
    /// The input of a model: the incidents, the layer of each spec (named, with its
    /// filter) and the study-area `boundary`, all read in the incidents' working CRS;
    /// `crs` is the CRS of the layer files [default: their `crs` member or EPSG:4326].
    ///
    /// # Errors
    /// Those of [`crate::load_layer`].
    pub fn load(
        incidents: IncidentInput,
        specs: &[LayerSpec],
        boundary: Option<&Path>,
        crs: Option<Crs>,
    ) -> Result<Self> {
        let opts = LayerOptions {
            crs,
            target: Some(incidents.incidents.crs.working.clone()),
            ..LayerOptions::default()
        };
        Self::load_with(incidents, specs, boundary, |path, role| {
            StudyLayer::load(path, &opts, role)
        })
    }

    /// As [`RiskInput::load`], with the caller's loader `load(path, role)` (roles
    /// `layer` and `boundary`), e.g. one that reads in a given CRS and shows warnings.
    pub fn load_with<E>(
        incidents: IncidentInput,
        specs: &[LayerSpec],
        boundary: Option<&Path>,
        mut load: impl FnMut(&Path, &str) -> std::result::Result<StudyLayer, E>,
    ) -> std::result::Result<Self, E> {
        let layers = specs
            .iter()
            .map(|s| {
                Ok(RiskLayer {
                    layer: s.load_with(&mut load)?,
                    filter: s.filter.clone(),
                })
            })
            .collect::<std::result::Result<_, E>>()?;
        let boundary = boundary.map(|b| load(b, "boundary")).transpose()?;
        Ok(RiskInput {
            incidents,
            layers,
            boundary,
        })
    }

    fn layer_inputs(&self) -> Vec<LayerInput<'_>> {
        self.layers
            .iter()
            .map(|l| LayerInput {
                layer: &l.layer.layer,
                filter: l.filter.as_deref(),
            })
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.layers
            .iter()
            .map(|l| match &l.filter {
                Some(f) => format!("{}:{f}", l.layer.layer.name),
                None => l.layer.layer.name.clone(),
            })
            .collect()
    }

    /// Input records: incidents, layers (role `layer NAME`), boundary.
    fn inputs(&self) -> Vec<InputFile> {
        let mut v = self.incidents.inputs();
        v.extend(self.layer_records());
        v
    }

    fn layer_records(&self) -> Vec<InputFile> {
        let mut v: Vec<InputFile> = self
            .layers
            .iter()
            .filter_map(|l| {
                l.layer.source.clone().map(|mut s| {
                    s.role = format!("layer {}", l.layer.layer.name);
                    s
                })
            })
            .collect();
        v.extend(self.boundary.iter().filter_map(|b| b.source.clone()));
        v
    }

    fn mask(&self, grid: &Grid) -> Option<Vec<bool>> {
        self.boundary
            .as_ref()
            .map(|b| crate::risk::factors::polygon_mask(grid, &b.layer))
    }
}

/// Settings of [`fit`].
#[derive(Debug, Clone, Serialize)]
pub struct FitStudyParams {
    /// The model settings.
    pub rtm: RtmParams,
    /// Cell size in metres (the CLI's default is half a block).
    pub cell: f64,
    /// Extent of the grid [default: the incidents' bounding box].
    pub extent: Option<[f64; 4]>,
}

impl FitStudyParams {
    /// Settings with cells of `cell` metres.
    pub fn new(rtm: RtmParams, cell: f64) -> Self {
        FitStudyParams {
            rtm,
            cell,
            extent: None,
        }
    }
}

/// A fitted risk terrain model: `factors.csv`, `factors.json`, `model.json`,
/// `risk.geojson`, `risk.csv`, `risk.png`.
#[derive(Debug, Clone)]
pub struct FitStudy {
    /// The fit.
    pub result: RtmResult,
    /// The working CRS (stored in `model.json`).
    pub crs: Crs,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Fits a risk terrain model of where the incidents concentrate.
pub fn fit(input: &RiskInput, p: &FitStudyParams) -> Result<FitStudy> {
    let inc = &input.incidents.incidents;
    let bbox = match p.extent {
        Some(e) => e,
        None => inc.bbox().ok_or_else(|| Error::EmptyInput {
            input: "incidents".into(),
            reason: "no incident to model".into(),
        })?,
    };
    let grid = Grid::covering(bbox, p.cell)?;
    let study = input.mask(&grid);
    let result = fit_rtm_in(
        &inc.xy,
        &grid,
        study.as_deref(),
        &input.layer_inputs(),
        &p.rtm,
    )?;
    let provenance =
        Provenance::new(json!({"layers": input.names(), "cell_m": p.cell, "rtm": p.rtm}))
            .with_inputs(input.inputs())
            .with_seed(p.rtm.seed)
            .with_crs(&inc.crs);
    Ok(FitStudy {
        result,
        crs: inc.crs.working.clone(),
        provenance,
    })
}

/// The factor table as text.
pub fn factor_table(r: &RtmResult) -> String {
    let d = &r.diagnostics;
    let mut s = format!(
        "risk terrain model: {} cells, {} incidents, {} candidate variables, {} screened; family {}{}\n",
        d.cells,
        d.incidents,
        d.candidates,
        d.screened.len(),
        d.family,
        d.theta.map(|t| format!(" (theta {t:.3})")).unwrap_or_default()
    );
    s.push_str(&format!(
        "BIC {:.1} (Poisson {:.1}, NB {}), deviance {:.1} / null {:.1}, Poisson dispersion {:.3}\n",
        d.bic,
        d.poisson_bic,
        d.nb_bic
            .map(|b| format!("{b:.1}"))
            .unwrap_or_else(|| "n/a".into()),
        d.deviance,
        d.null_deviance,
        d.poisson_dispersion
    ));
    s.push_str(&format!(
        "{:<40} {:>10} {:>8} {:>8} {:>9} {:>7} {:>17} {:>7}\n",
        "factor", "op", "dist_m", "coef", "p", "RRV", "95% CI", "cells%"
    ));
    for f in &r.factors {
        let name = match &f.filter {
            Some(fl) => format!("{} [{fl}]", f.layer),
            None => f.layer.clone(),
        };
        s.push_str(&format!(
            "{:<40} {:>10} {:>8} {:>8.4} {:>9.2e} {:>7.3} {:>17} {:>6.1}%\n",
            name,
            f.operationalisation,
            f.distance,
            f.coef,
            f.p,
            f.rrv,
            format!("[{:.3}, {:.3}]", f.rrv_lo, f.rrv_hi),
            100.0 * f.cell_share
        ));
    }
    if r.factors.is_empty() {
        s.push_str("(no factor selected: no layer explains the incidents better than chance)\n");
    }
    if let Some(t0) = d.spatial_null.first() {
        s.push_str(&format!(
            "spatial null ({} toroidal shifts of each layer, >= 2x its distance): share of shifted copies fitting at least as well\n",
            t0.shifts
        ));
        for t in &d.spatial_null {
            s.push_str(&format!(
                "  {:<44} LR {:>8.1}  share {:.3}  p {:.3}  {}\n",
                t.label,
                t.lr,
                t.share,
                t.p,
                if t.kept { "kept" } else { "removed" }
            ));
        }
    }
    s
}

/// Writes `risk.geojson` (cells with risk above the baseline or with incidents),
/// `risk.csv` (every cell) and `risk.png`.
fn write_surface(
    out: &mut Outputs,
    grid: &Grid,
    crs: &Crs,
    risk: &[f64],
    counts: Option<&[f64]>,
    title: &str,
) -> Result<()> {
    let f = features_indexed(crs, grid.len(), |id, sink| {
        let c = counts.map(|c| c[id]);
        if !risk[id].is_nan() && (risk[id] > 1.0 + 1e-12 || c.is_some_and(|v| v > 0.0)) {
            let mut p = vec![
                ("cell", Cell::count(id)),
                ("risk", Cell::Float((risk[id] * 1e6).round() / 1e6)),
            ];
            if let Some(v) = c {
                p.push(("count", Cell::Float(v)));
            }
            sink.feature(&geo::Geometry::Polygon(grid.cell_polygon(id)), &p)?;
        }
        Ok(())
    });
    out.features("risk.geojson", &f)?;
    let t = table_indexed(
        vec![
            Column::int("cell"),
            Column::float("x"),
            Column::float("y"),
            Column::float("risk"),
            Column::float("count"),
        ],
        grid.len(),
        |id, sink| {
            let cc = grid.centre(id);
            sink.row(&[
                Cell::count(id),
                Cell::Fixed(cc[0], 2),
                Cell::Fixed(cc[1], 2),
                if risk[id].is_nan() {
                    Cell::Null
                } else {
                    Cell::Fixed(risk[id], 6)
                },
                counts.map_or(Cell::Null, |c| Cell::Float(c[id])),
            ])
        },
    );
    out.table("risk.csv", &t)?;
    let options = MapOptions {
        title: vec![
            title.to_string(),
            match counts {
                Some(c) => format!(
                    "relative risk (lowest-risk cell = 1) fitted to {:.0} incidents in {} cells of {} m",
                    c.iter().filter(|v| v.is_finite()).sum::<f64>(),
                    risk.iter().filter(|v| !v.is_nan()).count(),
                    grid.cell
                ),
                None => format!(
                    "relative risk (lowest-risk cell = 1) in {} cells of {} m",
                    risk.iter().filter(|v| !v.is_nan()).count(),
                    grid.cell
                ),
            },
        ],
        legend: "relative risk".into(),
        scale: ColourScale::Continuous {
            min: 1.0,
            max: risk
                .iter()
                .cloned()
                .filter(|v| !v.is_nan())
                .fold(1.0 + 1e-9, f64::max),
            sqrt: true,
        },
        ..Default::default()
    };
    let fig = Figure::grid_map(*grid, risk.to_vec(), options);
    out.figure("risk.png", &fig)?;
    out.qml(
        "risk.geojson",
        &fig,
        &crate::export::qml::ClassedField::column("risk"),
        crate::export::qml::SymbolKind::Fill,
    )
}

const SURFACE: [&str; 4] = ["risk.geojson", "risk.csv", "risk.png", "risk.qml"];

impl FitStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["factors.csv", "factors.json", "model.json"]
            .into_iter()
            .chain(SURFACE)
            .map(String::from)
            .collect()
    }

    /// The factor table and the working CRS.
    pub fn summary_text(&self) -> String {
        factor_table(&self.result)
    }
}

impl Export for FitStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let r = &self.result;
        out.provenance(self.provenance.clone());
        let t = table(
            [
                "factor",
                "layer",
                "filter",
                "operationalisation",
                "distance_m",
                "coef",
                "se",
                "p",
                "rrv",
                "rrv_lo",
                "rrv_hi",
                "cell_share",
            ]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                if k < 4 {
                    Column::text(*n)
                } else {
                    Column::float(*n)
                }
            })
            .collect(),
            |sink| {
                for f in &r.factors {
                    sink.row(&[
                        Cell::Str(&f.label),
                        Cell::Str(&f.layer),
                        f.filter.as_deref().map_or(Cell::Null, Cell::Str),
                        Cell::Str(&f.operationalisation),
                        Cell::Float(f.distance),
                        Cell::Fixed(f.coef, 8),
                        Cell::Fixed(f.se, 8),
                        Cell::Sci(f.p, 6),
                        Cell::Fixed(f.rrv, 6),
                        Cell::Fixed(f.rrv_lo, 6),
                        Cell::Fixed(f.rrv_hi, 6),
                        Cell::Fixed(f.cell_share, 6),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("factors.csv", &t)?;
        out.json(
            "factors.json",
            &json!({"factors": r.factors, "diagnostics": r.diagnostics}),
        )?;
        let mut model = serde_json::to_value(&r.model).unwrap_or(Value::Null);
        if let Some(m) = model.as_object_mut() {
            m.insert("crs".into(), json!(self.crs.to_string()));
        }
        out.json("model.json", &model)?;
        write_surface(
            out,
            &r.model.grid,
            &self.crs,
            &r.risk,
            Some(&r.counts),
            "Risk terrain model",
        )
    }
}

/// A saved model (`model.json` of a fit, every value checked: [`crate::risk::read_model`])
/// with the CRS it was fitted in (when stored; check it with
/// [`ModelFile::check_crs`](crate::risk::ModelFile::check_crs)), and the input record.
pub fn read_model(path: &Path) -> Result<(crate::risk::ModelFile, InputFile)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mf = crate::risk::read_model(&bytes, path)?;
    Ok((mf, InputFile::file(path, "model", 1, &bytes)))
}

/// A saved model ready to apply: the model, the working CRS of its grid and the record
/// of its file.
#[derive(Debug, Clone)]
pub struct SavedModel {
    /// The model.
    pub model: RtmModel,
    /// The working CRS its grid lies in.
    pub crs: Crs,
    /// model.json for provenance.
    pub source: InputFile,
}

/// Reads a model file ([`read_model`]) and the working CRS it applies in: `crs` when
/// given (it must be the CRS stored in the file, if any), else the stored one.
///
/// # Errors
/// As [`read_model`]; [`Error::MissingParam`] (`target_crs`) for a file that stores no
/// CRS when `crs` is `None`; [`Error::Invalid`] when `crs` is not the stored CRS.
pub fn load_model(path: &Path, crs: Option<Crs>) -> Result<SavedModel> {
    let (mf, source) = read_model(path)?;
    let crs = match (crs, &mf.crs) {
        (Some(c), _) => c,
        (None, Some(c)) => c.clone(),
        (None, None) => {
            return Err(Error::missing_param(
                "target_crs",
                "model",
                format!("{} (it stores no crs)", path.display()),
            ))
        }
    };
    mf.check_crs(&crs, &format!("model file {}", path.display()))?;
    Ok(SavedModel {
        model: mf.model,
        crs,
        source,
    })
}

/// A saved model applied to (changed) layers: `risk.geojson`, `risk.csv`, `risk.png`.
#[derive(Debug, Clone)]
pub struct ApplyStudy {
    /// The model's grid.
    pub grid: Grid,
    /// Relative risk per cell (NaN outside the model's study area).
    pub risk: Vec<f64>,
    /// Expected incidents per cell.
    pub expected: Vec<f64>,
    /// Factors of the model.
    pub n_factors: usize,
    /// The working CRS.
    pub crs: Crs,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Applies a saved model to layers in the model's working CRS `crs`.
pub fn apply(
    model: &RtmModel,
    model_source: Option<InputFile>,
    layers: &[StudyLayer],
    crs: &Crs,
) -> Result<ApplyStudy> {
    let refs: Vec<&Layer> = layers.iter().map(|l| &l.layer).collect();
    let applied = apply_model(model, &model.grid, &refs)?;
    let mut provenance = Provenance::new(
        json!({"layers": layers.iter().map(|l| &l.layer.name).collect::<Vec<_>>()}),
    )
    .with_inputs(model_source);
    provenance.inputs.extend(layers.iter().filter_map(|l| {
        l.source.clone().map(|mut s| {
            s.role = format!("layer {}", l.layer.name);
            s
        })
    }));
    Ok(ApplyStudy {
        grid: model.grid,
        risk: applied.risk,
        expected: applied.expected,
        n_factors: model.factors.len(),
        crs: crs.clone(),
        provenance,
    })
}

impl ApplyStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        SURFACE.map(String::from).to_vec()
    }

    /// Mean and maximum relative risk and the expected incidents.
    pub fn summary_text(&self) -> String {
        let inside: Vec<f64> = self
            .risk
            .iter()
            .copied()
            .filter(|r| r.is_finite())
            .collect();
        let max = inside.iter().cloned().fold(0.0, f64::max);
        let mean = inside.iter().sum::<f64>() / inside.len().max(1) as f64;
        format!(
            "applied {} factor(s) to {} cells: mean relative risk {mean:.3}, max {max:.3}, expected incidents {:.1}\n",
            self.n_factors,
            inside.len(),
            self.expected.iter().sum::<f64>()
        )
    }
}

impl Export for ApplyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        out.provenance(self.provenance.clone());
        write_surface(
            out,
            &self.grid,
            &self.crs,
            &self.risk,
            None,
            "Risk terrain model (applied)",
        )
    }
}

/// Settings of [`validate`].
#[derive(Debug, Clone, Serialize)]
pub struct ValidateStudyParams {
    /// Model settings, split and KDE bandwidth of the comparison.
    pub validate: ValidateParams,
    /// Cell size in metres (the CLI's default is half a block).
    pub cell: f64,
}

impl ValidateStudyParams {
    /// Settings around the model settings `rtm`, with cells of `cell` metres and no
    /// time split (set one with [`ValidateStudyParams::split`], or give test incidents).
    pub fn new(rtm: RtmParams, cell: f64) -> Self {
        ValidateStudyParams {
            validate: ValidateParams::new(rtm),
            cell,
        }
    }

    /// Sets the quartic KDE bandwidth of the comparison (m) [default: 3 cells].
    pub fn kde_bandwidth(mut self, h: Option<f64>) -> Self {
        self.validate = self.validate.kde_bandwidth(h);
        self
    }

    /// Sets the time split when `until` is given: training `[from, until)`, test
    /// `[until, test_until)`; without `until`, `from` and `test_until` are ignored and
    /// [`validate`] needs test incidents.
    ///
    /// ```
    /// use crimescape::study::risk::ValidateStudyParams;
    /// use crimescape::RtmParams;
    ///
    /// let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0).split(None, Some(86_400), None);
    /// assert_eq!(p.validate.train_until, Some(86_400));
    /// ```
    pub fn split(mut self, from: Option<i64>, until: Option<i64>, test_until: Option<i64>) -> Self {
        if let Some(u) = until {
            self.validate = self.validate.split(from, u, test_until);
        }
        self
    }

    /// Sets the time split from dates as text (`YYYY-MM-DD`, or a date-time:
    /// [`parse_date_setting`](super::settings::parse_date_setting)), as
    /// [`ValidateStudyParams::split`] does from local seconds: training
    /// `[train_from, train_until)`, test `[train_until, test_until)`.
    ///
    /// ```
    /// use crimescape::study::risk::ValidateStudyParams;
    /// use crimescape::RtmParams;
    ///
    /// let p = ValidateStudyParams::new(RtmParams::new(100.0), 50.0)
    ///     .split_dates(None, Some("1970-01-02"), None)?;
    /// assert_eq!(p.validate.train_until, Some(86_400));
    /// # Ok::<(), crimescape::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParam`] on `train_until`, `train_from` or `test_until` (checked in
    /// that order) for a text that is not a date.
    pub fn split_dates(
        self,
        train_from: Option<&str>,
        train_until: Option<&str>,
        test_until: Option<&str>,
    ) -> Result<Self> {
        let day = |param, s: Option<&str>| {
            s.map(|s| super::settings::parse_date_setting(param, s))
                .transpose()
        };
        let until = day("train_until", train_until)?;
        let from = day("train_from", train_from)?;
        let test_until = day("test_until", test_until)?;
        Ok(self.split(from, until, test_until))
    }
}

/// Validity of a risk terrain model: `validation.json`, `validation.csv`,
/// `hit_rate.png`, `pai.png`.
#[derive(Debug, Clone)]
pub struct ValidateStudy {
    /// The validation.
    pub result: RtmValidation,
    /// The split as written.
    pub split: Value,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Fits the model on the training incidents (before `train_until`, or all of them when
/// `test` incidents are given) and scores its top-risk cells on the test incidents
/// next to counts, KDE, Gi* and promap of the same training incidents.
pub fn validate(
    input: &RiskInput,
    test: Option<&IncidentInput>,
    p: &ValidateStudyParams,
) -> Result<ValidateStudy> {
    let inc = &input.incidents.incidents;
    let vp = &p.validate;
    let cell = p.cell;
    if let Some(t) = test {
        if t.incidents.crs.working != inc.crs.working {
            return Err(Error::invalid(
                "test incidents",
                "working CRS",
                &t.incidents.crs.working,
                format!("differs from the training incidents' {}", inc.crs.working),
            ));
        }
    }
    let bbox = crate::layer::bbox_of(
        inc.xy
            .iter()
            .chain(test.iter().flat_map(|t| t.incidents.xy.iter()))
            .copied(),
    )
    .ok_or_else(|| Error::EmptyInput {
        input: "incidents".into(),
        reason: "no incident to validate on".into(),
    })?;
    let grid = Grid::covering(bbox, cell)?;
    let study = input.mask(&grid);
    let layers = input.layer_inputs();
    let (result, split) = match (test, vp.train_until) {
        (Some(t), _) => (
            validate_rtm_samples(
                &inc.xy,
                &t.incidents.xy,
                &grid,
                study.as_deref(),
                &layers,
                vp,
            )?,
            json!({"train": input.incidents.source.as_ref().map(|s| &s.path), "test": t.source.as_ref().map(|s| &s.path)}),
        ),
        (None, Some(u)) => (
            validate_rtm(inc, &grid, study.as_deref(), &layers, vp)?,
            super::accuracy::split_json(vp.train_from, u, vp.test_until),
        ),
        (None, None) => {
            return Err(Error::MissingInput {
                what: vec![
                    "a split date, the end of training (`train_until`), or test incidents".into(),
                ],
            })
        }
    };
    let mut inputs = input.incidents.inputs();
    if test.is_some() {
        for i in &mut inputs {
            i.role = "training incidents".into();
        }
    }
    inputs.extend(test.iter().flat_map(|t| {
        t.inputs().into_iter().map(|mut s| {
            s.role = "test incidents".into();
            s
        })
    }));
    inputs.extend(input.layer_records());
    let provenance = Provenance::new(json!({
        "layers": input.names(), "cell_m": cell, "rtm": vp.rtm,
        "train_from": vp.train_from.map(super::accuracy::instant),
        "train_until": vp.train_until.map(super::accuracy::instant),
        "test_until": vp.test_until.map(super::accuracy::instant),
        "kde_bandwidth_m": vp.kde_bandwidth,
    }))
    .with_inputs(inputs)
    .with_seed(vp.rtm.seed)
    .with_crs(&inc.crs);
    Ok(ValidateStudy {
        result,
        split,
        provenance,
    })
}

/// The training model and the table method × area share as text.
pub fn validation_table(v: &RtmValidation, fracs: &[f64]) -> String {
    let mut s = format!(
        "training model: {} factor(s) [{}], family {}, {} risk level(s), {} of {} cells at the lowest risk\n",
        v.factors.len(),
        v.factors
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        v.family,
        v.risk_levels,
        v.baseline_cells,
        v.study_cells
    );
    s.push_str(&format!(
        "{} training / {} test incidents in {} cells ({} m); KDE bandwidth {} m\n",
        v.n_train, v.n_test, v.study_cells, v.grid.cell, v.kde_bandwidth_m
    ));
    s.push_str(&super::accuracy::accuracy_text(
        &v.methods, &v.skipped, fracs, 16,
    ));
    s
}

impl ValidateStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "validation.json",
            "validation.csv",
            "hit_rate.png",
            "pai.png",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The table at 1, 5, 10 and 20 % of the area.
    pub fn summary_text(&self) -> String {
        validation_table(&self.result, &[0.01, 0.05, 0.10, 0.20])
    }
}

impl Export for ValidateStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let v = &self.result;
        out.provenance(self.provenance.clone());
        let doc = json!({
            "definitions": crate::accuracy::definitions_json(),
            "tie_rule": v.tie_rule,
            "split": self.split,
            "validation": v,
        });
        out.json("validation.json", &doc)?;
        out.table(
            "validation.csv",
            &super::accuracy::accuracy_table(&v.methods),
        )?;
        type Metric = fn(&AccuracyRow) -> f64;
        let plots: [(&str, &str, Metric); 2] = [
            ("hit_rate.png", "hit rate", |r| r.hit_rate),
            ("pai.png", "PAI", |r| r.pai),
        ];
        for (file, label, metric) in plots {
            let series: Vec<Series> = v
                .methods
                .iter()
                .map(|m| Series {
                    label: m.name.clone(),
                    points: m
                        .rows
                        .iter()
                        .map(|r| (100.0 * r.area_frac, metric(r)))
                        .collect(),
                    markers: m.name.starts_with("rtm"),
                })
                .collect();
            let options = PlotOptions {
                title: vec![
                    format!("RTM validity: {label} on the test period"),
                    format!(
                        "surfaces from the training period; {} cells of {} m; see validation.json",
                        v.study_cells, v.grid.cell
                    ),
                ],
                x_label: "area flagged (%)".into(),
                y_label: label.into(),
                ..Default::default()
            };
            out.figure(file, &Figure::line_plot(series, options))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
