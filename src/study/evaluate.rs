//! Evaluation of an intervention: before/after counts in treatment, buffer and control
//! areas, displacement, interrupted time series, cost-benefit: `evaluation.json`,
//! `evaluation.md`, `timeseries_<area>.png`, `areas.png`, `areas.geojson`.

use std::path::Path;

use serde_json::json;

use super::{IncidentInput, StudyLayer};
use crate::error::{Error, Result};
use crate::evaluate::{self, CostSpec, EvaluateParams, Evaluation, Period, TreatmentArea};
use crate::export::{features, Cell, Export, Figure, InputFile, Outputs, Provenance};
use crate::layer::{Incidents, Layer};
use crate::render::{ColourScale, MapOptions, Overlay, PlotOptions, Series};

mod settings;

pub use settings::{evaluate_params, parse_date_field, parse_span, ItsModel};

/// Named groups of geometries.
type Groups = Vec<(String, Vec<geo::Geometry<f64>>)>;

/// Groups a layer's features into areas by a property (or one area named `default`).
fn group(layer: &Layer, field: Option<&str>, default: &str) -> Result<Groups> {
    let mut out: Groups = Vec::new();
    for (i, g) in layer.geometries.iter().enumerate() {
        let name = match field {
            Some(f) => layer
                .property_str(i, f)
                .ok_or_else(|| Error::FeatureProperty {
                    layer: layer.name.clone(),
                    feature: i,
                    property: f.to_string(),
                    reason: "has no property (the area field)",
                })?,
            None => default.to_string(),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(g.clone()),
            None => out.push((name, vec![g.clone()])),
        }
    }
    Ok(out)
}

/// How the treatment (and control) layers become areas.
#[derive(Debug, Clone, Default)]
pub struct AreaParams {
    /// Property naming the areas: features with the same value form one area
    /// [default: all features form one area, named after the file].
    pub area_field: Option<String>,
    /// Treated distance around point or line features (m).
    pub radius: f64,
    /// Width of the buffer ring (m); 0 for none.
    pub buffer: f64,
}

/// Treatment areas from a treatment layer and an optional control layer (per area when
/// its features carry the area field, else shared).
pub fn treatment_areas(
    treatment: &StudyLayer,
    control: Option<&StudyLayer>,
    p: &AreaParams,
) -> Result<Vec<TreatmentArea>> {
    let tl = &treatment.layer;
    let name = |l: &StudyLayer| {
        l.source
            .as_ref()
            .map_or(l.layer.name.clone(), |s| s.path.clone())
    };
    if tl.is_empty() {
        return Err(Error::Content(format!(
            "{}: no treatment feature",
            name(treatment)
        )));
    }
    let groups = group(tl, p.area_field.as_deref(), &tl.name)?;
    let mut areas: Vec<TreatmentArea> = groups
        .into_iter()
        .map(|(n, geoms)| {
            TreatmentArea::polygons(&n, geoms)
                .radius(p.radius)
                .buffer(p.buffer)
        })
        .collect();
    if let Some(c) = control {
        let cl = &c.layer;
        if cl.is_empty() {
            return Err(Error::Content(format!("{}: no control feature", name(c))));
        }
        let per_area = p
            .area_field
            .as_deref()
            .filter(|f| (0..cl.len()).all(|i| cl.property_str(i, f).is_some()));
        match per_area {
            Some(f) => {
                let groups = group(cl, Some(f), "")?;
                for area in &mut areas {
                    let geoms = groups
                        .iter()
                        .find(|(n, _)| *n == area.name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            Error::Content(format!(
                                "{}: no control feature with {f} = '{}'",
                                name(c),
                                area.name
                            ))
                        })?;
                    area.control = Some(geoms);
                }
            }
            None => {
                for area in &mut areas {
                    area.control = Some(cl.geometries.clone());
                }
            }
        }
    }
    Ok(areas)
}

/// Reads a cost file (TOML: `intervention_cost`, `[offence_costs]`).
pub fn read_costs(path: &Path) -> Result<(CostSpec, InputFile)> {
    let spec = CostSpec::load(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok((spec, InputFile::file(path, "costs", 1, &bytes)))
}

/// An evaluated intervention.
#[derive(Debug, Clone)]
pub struct EvaluateStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// The areas.
    pub areas: Vec<TreatmentArea>,
    /// The evaluation.
    pub result: Evaluation,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Evaluates the intervention in `areas` (see [`evaluate::evaluate`]); `sources` are
/// the files the areas and costs came from (for provenance).
pub fn evaluate_study<'a>(
    input: &'a IncidentInput,
    areas: Vec<TreatmentArea>,
    sources: Vec<InputFile>,
    p: &EvaluateParams,
) -> Result<EvaluateStudy<'a>> {
    let result = evaluate::evaluate(&input.incidents, &areas, p)?;
    let provenance = Provenance::new(json!({
        "areas": areas.iter().map(|a| json!({"name": a.name, "radius_m": a.radius, "buffer_m": a.buffer, "control": a.control.is_some()})).collect::<Vec<_>>(),
        "evaluate": p,
    }))
    .with_inputs(input.inputs())
    .with_inputs(sources)
    .with_crs(&input.incidents.crs);
    Ok(EvaluateStudy {
        input,
        areas,
        result,
        provenance,
    })
}

/// What an evaluation reads besides the incidents: the treatment layer, an optional
/// control layer (both in the incidents' working CRS) and an optional cost file
/// ([`read_costs`]).
#[derive(Debug, Clone)]
pub struct EvaluationInputs {
    /// The treatment areas' features.
    pub treatment: StudyLayer,
    /// The control areas' features [default: comparable grid cells].
    pub control: Option<StudyLayer>,
    /// The cost-benefit settings and their file.
    pub costs: Option<(CostSpec, InputFile)>,
}

impl EvaluationInputs {
    /// The treatment areas of these layers ([`treatment_areas`]).
    ///
    /// # Errors
    /// As [`treatment_areas`].
    pub fn areas(&self, p: &AreaParams) -> Result<Vec<TreatmentArea>> {
        treatment_areas(&self.treatment, self.control.as_ref(), p)
    }

    /// Evaluates the intervention in `areas` ([`evaluate_study`]) with the cost file's
    /// settings (replacing `p.costs` when a cost file was read); provenance lists the
    /// incidents, the cost file, the treatment and the control layer.
    ///
    /// # Errors
    /// As [`evaluate_study`].
    pub fn evaluate<'a>(
        &self,
        incidents: &'a IncidentInput,
        areas: Vec<TreatmentArea>,
        p: &EvaluateParams,
    ) -> Result<EvaluateStudy<'a>> {
        let mut p = p.clone();
        let mut sources = Vec::new();
        if let Some((spec, src)) = &self.costs {
            p.costs = Some(spec.clone());
            sources.push(src.clone());
        }
        sources.extend(self.treatment.source.clone());
        sources.extend(self.control.as_ref().and_then(|c| c.source.clone()));
        evaluate_study(incidents, areas, sources, &p)
    }
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "area".into()
    } else {
        s
    }
}

impl EvaluateStudy<'_> {
    /// The files written for areas named `areas`.
    pub fn files(areas: &[&str]) -> Vec<String> {
        let mut v = vec!["evaluation.json".to_string(), "evaluation.md".to_string()];
        v.extend(areas.iter().map(|a| format!("timeseries_{}.png", slug(a))));
        v.extend(["areas.png", "areas.geojson", "areas.qml"].map(String::from));
        v
    }

    /// A short text summary for the terminal.
    pub fn summary_text(&self) -> String {
        let ev = &self.result;
        let mut s = String::new();
        let pp = &ev.periods;
        s.push_str(&format!(
            "pre {} to {}, post {} to {} ({} incidents)\n",
            pp.labels[0], pp.labels[1], pp.labels[2], pp.labels[3], ev.incidents_used
        ));
        for a in &ev.areas {
            s.push_str(&format!(
                "{}: treatment {:.0} -> {:.0}, buffer {:.0} -> {:.0}, control {:.0} -> {:.0} ({})\n",
                a.name,
                a.treatment.pre,
                a.treatment.post,
                a.buffer_counts.pre,
                a.buffer_counts.post,
                a.control.pre,
                a.control.post,
                a.control_info.source
            ));
            for r in &a.reading {
                if !r.starts_with("Conditions") {
                    s.push_str(&format!("  {r}\n"));
                }
            }
        }
        s
    }

    /// Monthly rates per zone, indexed to their pre-period mean (= 100).
    fn timeseries(&self, k: usize) -> Figure {
        let ev = &self.result;
        let a = &ev.areas[k];
        let t0 = ev.periods.pre.0 as f64 / 86_400.0;
        let month = 365.25 / 12.0;
        let x_of = |b: &evaluate::Bin| ((b.start + b.end) as f64 / 2.0 / 86_400.0 - t0) / month;
        let mut series = Vec::new();
        let cols: &[(usize, &str)] = if a.buffer > 0.0 {
            &[(0, "treatment"), (1, "buffer"), (2, "control")]
        } else {
            &[(0, "treatment"), (2, "control")]
        };
        let pre_rate = |col: usize| {
            let (n, d) = ev
                .bins
                .iter()
                .zip(&a.series)
                .filter(|(b, _)| b.period == Period::Pre)
                .fold((0.0, 0.0), |(n, d), (b, s)| (n + s[col], d + b.days));
            if n > 0.0 {
                n / d
            } else {
                f64::NAN
            }
        };
        for &(col, label) in cols {
            let r0 = pre_rate(col);
            let pts = ev
                .bins
                .iter()
                .zip(&a.series)
                .filter(|(b, _)| b.days >= 1.0)
                .map(|(b, s)| (x_of(b), 100.0 * s[col] / b.days / r0))
                .collect();
            series.push(Series {
                label: label.to_string(),
                points: pts,
                markers: true,
            });
        }
        if let Some((t, f)) = ev
            .its
            .get(k)
            .and_then(|t| t.treatment.as_ref().map(|f| (t, f)))
        {
            let r0 = pre_rate(0);
            let pts = t
                .bin_index
                .iter()
                .zip(&f.counterfactual)
                .filter(|(&i, _)| ev.bins[i].period == Period::Post && ev.bins[i].days >= 1.0)
                .map(|(&i, c)| (x_of(&ev.bins[i]), 100.0 * c / ev.bins[i].days / r0))
                .collect();
            series.push(Series {
                label: "ITS counterfactual".into(),
                points: pts,
                markers: false,
            });
        }
        let xi = ((ev.periods.intervention as f64 / 86_400.0) - t0) / month;
        let options = PlotOptions {
            title: vec![
                format!("{}: before and after", a.name),
                format!(
                    "monthly rate, % of pre-period mean; net change {:+.1} % ({:+.1} to {:+.1})",
                    100.0 * a.relative_change.estimate,
                    100.0 * a.relative_change.lower,
                    100.0 * a.relative_change.upper
                ),
            ],
            x_label: format!("months since {}", ev.periods.labels[0]),
            y_label: "index (pre-period mean = 100)".into(),
            vlines: vec![(xi, "intervention".into())],
            y_range: None,
            x_range: None,
        };
        Figure::line_plot(series, options)
    }

    fn map(&self) -> Result<Figure> {
        let (inc, ev) = (&self.input.incidents, &self.result);
        let (grid, values) = evaluate::zone_raster(&self.areas, ev, 400)?;
        Ok(Figure::grid_map(
            grid,
            values,
            zone_map_options(inc, &self.areas, ev, &grid),
        ))
    }
}

fn zone_map_options(
    inc: &Incidents,
    areas: &[TreatmentArea],
    ev: &Evaluation,
    grid: &crate::grid::Grid,
) -> MapOptions {
    let e = grid.extent();
    let pts: Vec<geo::Geometry<f64>> = inc
        .xy
        .iter()
        .zip(&inc.time)
        .filter(|(p, t)| {
            (e[0]..e[2]).contains(&p[0])
                && (e[1]..e[3]).contains(&p[1])
                && t.is_some_and(|t| (ev.periods.post.0..ev.periods.post.1).contains(&t))
        })
        .map(|(p, _)| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
        .collect();
    let overlays = vec![
        Overlay {
            geometries: pts,
            colour: [60, 60, 60, 160],
            width: 1.0,
        },
        Overlay {
            geometries: areas
                .iter()
                .flat_map(|a| {
                    let (t, r) = a.zone_polygons();
                    [
                        geo::Geometry::MultiPolygon(t),
                        geo::Geometry::MultiPolygon(r),
                    ]
                })
                .collect(),
            colour: [0, 0, 0, 255],
            width: 2.0,
        },
    ];
    MapOptions {
        title: vec![
            "Evaluated areas".into(),
            format!(
                "dots: post-period incidents ({} to {})",
                ev.periods.labels[2], ev.periods.labels[3]
            ),
        ],
        legend: "zone".into(),
        scale: ColourScale::Categories(vec![
            ([245, 245, 245, 255], "other".into()),
            ([146, 197, 222, 255], "control".into()),
            ([253, 219, 120, 255], "buffer".into()),
            ([214, 96, 77, 255], "treatment".into()),
        ]),
        overlays,
        size: 800,
    }
}

/// The `zone` of `areas.geojson` of each category of the areas map's legend.
const ZONES: [&str; 4] = ["other", "control", "buffer", "treatment"];

impl Export for EvaluateStudy<'_> {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let ev = &self.result;
        out.provenance(self.provenance.clone());
        out.json_with_newline("evaluation.json", ev)?;
        out.text("evaluation.md", &ev.to_markdown())?;
        for (k, a) in ev.areas.iter().enumerate() {
            out.figure(
                &format!("timeseries_{}.png", slug(&a.name)),
                &self.timeseries(k),
            )?;
        }
        let map = self.map()?;
        out.figure("areas.png", &map)?;
        out.qml(
            "areas.geojson",
            &map,
            &crate::export::qml::ClassedField {
                attribute: "zone".into(),
                expression: false,
                values: Some(ZONES.map(String::from).to_vec()),
            },
            crate::export::qml::SymbolKind::Fill,
        )?;
        let f = features(&self.input.incidents.crs.working, |sink| {
            for (a, e) in self.areas.iter().zip(&ev.areas) {
                let (treat, ring) = a.zone_polygons();
                sink.feature(
                    &geo::Geometry::MultiPolygon(treat),
                    &[
                        ("area", Cell::Str(&a.name)),
                        ("zone", Cell::Str("treatment")),
                        ("radius_m", Cell::Float(a.radius)),
                    ],
                )?;
                if !ring.0.is_empty() {
                    sink.feature(
                        &geo::Geometry::MultiPolygon(ring),
                        &[
                            ("area", Cell::Str(&a.name)),
                            ("zone", Cell::Str("buffer")),
                            ("buffer_m", Cell::Float(a.buffer)),
                        ],
                    )?;
                }
                for geom in a.control.iter().flatten() {
                    sink.feature(
                        geom,
                        &[("area", Cell::Str(&a.name)), ("zone", Cell::Str("control"))],
                    )?;
                }
                if let Some(gr) = &e.control_info.grid {
                    for &c in &e.control_info.cells {
                        sink.feature(
                            &geo::Geometry::Polygon(gr.cell_polygon(c)),
                            &[
                                ("area", Cell::Str(&a.name)),
                                ("zone", Cell::Str("control")),
                                ("cell", Cell::count(c)),
                            ],
                        )?;
                    }
                }
            }
            Ok(())
        });
        out.features("areas.geojson", &f)
    }
}
