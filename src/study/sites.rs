//! Ranked places for environmental-design and target-hardening changes: grid cells,
//! street segments or user sites with CPTED suggestions: `sites.csv`, `sites.json`,
//! `sites.geojson`, `sites.png`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{IncidentInput, StudyLayer};
use crate::error::{Error, Result};
use crate::export::{
    features, json_properties, table, Cell, Column, Export, Figure, InputFile, Outputs, Provenance,
};
use crate::layer::Layer;
use crate::render::{MapOptions, Overlay};
use crate::risk::rtm::{apply_model, RtmModel};
use crate::risk::sites::{
    rank_sites, CptedMapping, Seriousness, Site, SiteParams, SiteRanking, SiteUnits, SiteWeights,
};
use crate::street::StreetSegment;

/// Reads an offence-seriousness table: TOML `category = weight` by extension `.toml`,
/// else CSV `category,weight` with a header; `strict`: categories missing from the
/// table are an error.
pub fn read_seriousness(path: &Path, strict: bool) -> Result<(Seriousness, InputFile)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let s = if is_toml {
        Seriousness::parse_toml(&text)
    } else {
        Seriousness::parse_csv(&text)
    }
    .map_err(|e| Error::format(path, e.to_string()))?;
    Ok((
        s.strict(strict),
        InputFile::file(path, "seriousness", 1, &bytes),
    ))
}

/// Reads a factor → CPTED mapping (TOML).
pub fn read_mapping(path: &Path) -> Result<(CptedMapping, InputFile)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let m = CptedMapping::parse(&String::from_utf8_lossy(&bytes))
        .map_err(|e| Error::format(path, e.to_string()))?;
    Ok((m, InputFile::file(path, "mapping", 1, &bytes)))
}

/// The units to rank.
#[derive(Debug, Clone)]
pub enum UnitsInput {
    /// Cells of the model's grid (inside its study area).
    Cells,
    /// Street segments of a street layer.
    Segments {
        /// The streets (lines).
        streets: StudyLayer,
        /// Split the lines into segments between intersections.
        split: bool,
        /// Snap incidents within this distance (m, inclusive).
        tolerance: f64,
    },
    /// User sites: points with a radius, or polygons (`id`/`name` name a site, a
    /// numeric `radius` property overrides the radius).
    Sites {
        /// The sites.
        layer: StudyLayer,
        /// Radius (m) of point sites.
        radius: f64,
    },
}

/// The kind of unit ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Cells of the model's grid (inside its study area).
    Cells,
    /// Street segments of a street layer.
    Segments,
    /// User sites of a site layer (points with a radius, or polygons).
    Sites,
}

/// The units to rank before their file is read: the kind and the settings of each.
#[derive(Debug, Clone)]
pub struct UnitsParams {
    /// The kind of unit.
    pub units: Units,
    /// Street layer (lines) of [`Units::Segments`].
    pub streets: Option<PathBuf>,
    /// Split the street lines into segments between intersections.
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    pub tolerance: f64,
    /// Site layer (points or polygons) of [`Units::Sites`].
    pub site_layer: Option<PathBuf>,
    /// Radius (m) of point sites.
    pub site_radius: f64,
}

impl UnitsParams {
    /// The file the kind of unit is read from (`None` for cells).
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`streets` or `site_layer`, needed by `units`) when the
    /// kind needs a file that is not given.
    pub fn file(&self) -> Result<Option<&Path>> {
        let (file, param, value) = match self.units {
            Units::Cells => return Ok(None),
            Units::Segments => (&self.streets, "streets", "segments"),
            Units::Sites => (&self.site_layer, "site_layer", "sites"),
        };
        (file.as_deref().map(Some)).ok_or_else(|| Error::missing_param(param, "units", value))
    }

    /// The units, their file read with `load(path, role)` (roles `segments` and
    /// `sites`), e.g. [`StudyLayer::load`] in the incidents' working CRS.
    ///
    /// # Errors
    /// As [`UnitsParams::file`], and those of `load`.
    pub fn load_with<E: From<Error>>(
        &self,
        load: impl FnOnce(&Path, &str) -> std::result::Result<StudyLayer, E>,
    ) -> std::result::Result<UnitsInput, E> {
        Ok(match (self.units, self.file()?) {
            (Units::Segments, Some(f)) => UnitsInput::Segments {
                streets: load(f, "segments")?,
                split: self.split,
                tolerance: self.tolerance,
            },
            (Units::Sites, Some(f)) => UnitsInput::Sites {
                layer: load(f, "sites")?,
                radius: self.site_radius,
            },
            _ => UnitsInput::Cells,
        })
    }
}

/// The inputs of a ranking.
#[derive(Debug, Clone)]
pub struct SitesInput {
    /// The incidents.
    pub incidents: IncidentInput,
    /// The fitted model.
    pub model: RtmModel,
    /// The model's file.
    pub model_source: Option<InputFile>,
    /// The layers the model uses (named as in the model).
    pub layers: Vec<StudyLayer>,
    /// The units.
    pub units: UnitsInput,
    /// Factor → CPTED mapping and its file (`None`: the shipped mapping).
    pub mapping: (CptedMapping, Option<InputFile>),
    /// Seriousness weights and their file.
    pub seriousness: Option<(Seriousness, InputFile)>,
    /// The temporal signature of each ranked site (night and weekend-night shares need
    /// the time zone: `Some(Some(tz))`; `Some(None)`: peak hour only; `None`: none).
    pub temporal: Option<Option<crate::when::TimeZone>>,
}

/// The files of a ranking besides the incidents and the layers, read before them:
/// the fitted model, the factor → CPTED mapping and the seriousness table.
#[derive(Debug, Clone)]
pub struct SitesModel {
    /// The model file (model.json of a fit), with its working CRS.
    pub model: crate::risk::ModelFile,
    /// Where the model file was read from.
    pub model_path: std::path::PathBuf,
    /// model.json for provenance.
    pub model_source: InputFile,
    /// The mapping and its file (`None`: the shipped mapping).
    pub mapping: (CptedMapping, Option<InputFile>),
    /// Seriousness weights and their file.
    pub seriousness: Option<(Seriousness, InputFile)>,
}

impl SitesModel {
    /// Reads model.json ([`super::risk::read_model`]), the mapping ([`read_mapping`];
    /// `None`: [`CptedMapping::default_mapping`]) and the seriousness table
    /// ([`read_seriousness`] with `strict`).
    ///
    /// # Errors
    /// The first file that cannot be read or parsed.
    pub fn read(
        model: &Path,
        mapping: Option<&Path>,
        seriousness: Option<&Path>,
        strict: bool,
    ) -> Result<SitesModel> {
        let (mf, model_source) = super::risk::read_model(model)?;
        let mapping = match mapping {
            Some(m) => {
                let (m, src) = read_mapping(m)?;
                (m, Some(src))
            }
            None => (CptedMapping::default_mapping(), None),
        };
        let seriousness = seriousness
            .map(|s| read_seriousness(s, strict))
            .transpose()?;
        Ok(SitesModel {
            model: mf,
            model_path: model.to_path_buf(),
            model_source,
            mapping,
            seriousness,
        })
    }

    /// Checks the model against the incidents: the same working CRS (an error), and
    /// the incidents inside the model's grid (a warning, returned).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the model was fitted in another CRS.
    pub fn check(&self, incidents: &IncidentInput) -> Result<Option<String>> {
        let inc = &incidents.incidents;
        let what = format!("model file {}", self.model_path.display());
        self.model.check_crs(&inc.crs.working, &what)?;
        match inc.bbox() {
            Some(b) => crate::risk::model_file::check_coverage(&self.model.model, b, "the model"),
            None => Ok(None),
        }
    }

    /// The inputs of a ranking of `units` with the model's `layers` (named as in the
    /// model); `temporal` as [`SitesInput::temporal`].
    pub fn input(
        self,
        incidents: IncidentInput,
        layers: Vec<StudyLayer>,
        units: UnitsInput,
        temporal: Option<Option<crate::when::TimeZone>>,
    ) -> SitesInput {
        SitesInput {
            incidents,
            model: self.model.model,
            model_source: Some(self.model_source),
            layers,
            units,
            mapping: self.mapping,
            seriousness: self.seriousness,
            temporal,
        }
    }
}

/// A ranking of places.
#[derive(Debug, Clone)]
pub struct SitesStudy<'a> {
    /// The inputs.
    pub input: &'a SitesInput,
    /// Settings.
    pub params: SiteParams,
    /// The segments (segment units).
    pub segments: Vec<StreetSegment>,
    /// The ranking.
    pub ranking: SiteRanking,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

fn unit_name(u: &UnitsInput) -> &'static str {
    match u {
        UnitsInput::Cells => "cells",
        UnitsInput::Segments { .. } => "segments",
        UnitsInput::Sites { .. } => "sites",
    }
}

/// Ranks the units by crime burden (optionally seriousness-weighted), persistence,
/// repeat share, RTM risk and its modifiable share.
pub fn sites<'a>(input: &'a SitesInput, p: &SiteParams) -> Result<SitesStudy<'a>> {
    let refs: Vec<&Layer> = input.layers.iter().map(|l| &l.layer).collect();
    let segments = match &input.units {
        UnitsInput::Segments { streets, split, .. } => {
            super::segments::street_segments(streets, *split)?.segments
        }
        _ => Vec::new(),
    };
    let units = match &input.units {
        UnitsInput::Cells => SiteUnits::Cells,
        UnitsInput::Segments { tolerance, .. } => SiteUnits::Segments {
            segments: &segments,
            tolerance: *tolerance,
        },
        UnitsInput::Sites { layer, radius } => SiteUnits::Sites {
            layer: &layer.layer,
            radius: *radius,
        },
    };
    let mut ranking = rank_sites(
        &input.incidents.incidents,
        &units,
        &input.model,
        &refs,
        &input.mapping.0,
        input.seriousness.as_ref().map(|s| &s.0),
        p,
    )?;
    if let Some(tz) = &input.temporal {
        crate::when::incidents::sign_sites(&mut ranking, &input.incidents.incidents, tz.as_ref())?;
    }
    let mut inputs = input.incidents.inputs();
    inputs.extend(input.model_source.clone());
    inputs.extend(input.layers.iter().filter_map(|l| {
        l.source.clone().map(|mut s| {
            s.role = format!("layer {}", l.layer.name);
            s
        })
    }));
    match &input.units {
        UnitsInput::Segments { streets: l, .. } | UnitsInput::Sites { layer: l, .. } => {
            inputs.extend(l.source.clone())
        }
        UnitsInput::Cells => {}
    }
    inputs.extend(input.mapping.1.clone());
    inputs.extend(input.seriousness.as_ref().map(|s| s.1.clone()));
    let (tolerance, radius) = match &input.units {
        UnitsInput::Segments { tolerance, .. } => (Some(*tolerance), None),
        UnitsInput::Sites { radius, .. } => (None, Some(*radius)),
        UnitsInput::Cells => (None, None),
    };
    let provenance = Provenance::new(json!({
        "units": unit_name(&input.units), "tolerance_m": tolerance, "site_radius_m": radius,
        "mapping": if input.mapping.1.is_some() { "file" } else { "default" },
        "seriousness": input.seriousness.as_ref().map(|s| &s.0), "sites": p,
    }))
    .with_inputs(inputs)
    .with_crs(&input.incidents.incidents.crs);
    Ok(SitesStudy {
        input,
        params: p.clone(),
        segments,
        ranking,
        provenance,
    })
}

/// One line with the weights.
pub fn weights_line(w: &SiteWeights) -> String {
    format!(
        "weights: burden {} persistence {} repeat {} risk {} modifiable {}",
        w.burden, w.persistence, w.repeat, w.risk, w.modifiable
    )
}

/// The ranked table as text (top `n`).
pub fn sites_table(r: &SiteRanking, n: usize) -> String {
    let mut s = format!(
        "{} ranked of {} {}; {} of {} incidents in no unit; {}\n",
        r.sites.len(),
        r.n_units,
        r.units,
        r.unassigned,
        r.incidents,
        weights_line(&r.weights)
    );
    if !r.seriousness.unknown.is_empty() || r.seriousness.no_category > 0 {
        let list: Vec<String> = r
            .seriousness
            .unknown
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        s.push_str(&format!(
            "seriousness: incidents of categories not in the table ({}) and {} without a category weigh 1\n",
            if list.is_empty() { "none".to_string() } else { list.join(", ") },
            r.seriousness.no_category
        ));
    }
    for note in &r.notes {
        s.push_str(&format!("note: {note}\n"));
    }
    s.push_str(&format!(
        "{:>4} {:>9} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}  {}\n",
        "rank",
        "unit",
        "count",
        "burden",
        "persist",
        "repeat",
        "risk",
        "modif.",
        "score",
        "factors -> first suggestion"
    ));
    for x in r.sites.iter().take(n) {
        let sug = x
            .suggestions
            .iter()
            .find(|x| !x.needs_access_assessment)
            .map(|x| format!("{}: {}", x.principle, x.measure))
            .unwrap_or_default();
        let flagged = x
            .suggestions
            .iter()
            .filter(|x| x.needs_access_assessment)
            .count();
        let id: String = x.id.chars().take(9).collect();
        s.push_str(&format!(
            "{:>4} {:>9} {:>6} {:>7.1} {:>6.0}% {:>6.0}% {:>7.2} {:>6.0}% {:>6.3}  {} -> {}{}\n",
            x.rank,
            id,
            x.count,
            x.burden,
            100.0 * x.persistence,
            100.0 * x.repeat_share,
            x.risk,
            100.0 * x.modifiable_share,
            x.score,
            if x.factors.is_empty() {
                "-".to_string()
            } else {
                x.factors.join(", ")
            },
            sug,
            if flagged > 0 {
                format!(" (+{flagged} restrictive: needs access assessment)")
            } else {
                String::new()
            }
        ));
    }
    s
}

fn suggestion_text(s: &Site) -> String {
    s.suggestions
        .iter()
        .map(|x| {
            format!(
                "{} | {} | {} | access {}{}",
                x.factor,
                x.principle,
                x.measure,
                format!("{:?}", x.access).to_lowercase(),
                if x.needs_access_assessment {
                    " | needs access assessment (UN 26(d))"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" ;; ")
}

impl SitesStudy<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["sites.csv", "sites.json", "sites.geojson", "sites.png"]
            .map(String::from)
            .to_vec()
    }

    /// The top of the ranking (at most 20 rows).
    pub fn summary_text(&self) -> String {
        sites_table(&self.ranking, self.params.top.min(20))
    }

    fn geometry(&self, s: &Site) -> geo::Geometry<f64> {
        match &self.input.units {
            UnitsInput::Cells => geo::Geometry::Polygon(self.input.model.grid.cell_polygon(s.unit)),
            UnitsInput::Segments { .. } => {
                geo::Geometry::LineString(self.segments[s.unit].geometry.clone())
            }
            UnitsInput::Sites { layer, .. } => layer.layer.geometries[s.unit].clone(),
        }
    }
}

impl Export for SitesStudy<'_> {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, top) = (&self.ranking, self.params.top);
        let model = &self.input.model;
        // public audience without addresses: points go to segment midpoints
        if let UnitsInput::Segments { streets, .. } = &self.input.units {
            out.anchor_to_streets(&streets.layer);
        }
        // public audience: a user site (a shop, a home) with fewer than k incidents
        // could name its victims; it is withheld from every output
        let public_ranking;
        let r = match (out.public_min_count(), &self.input.units) {
            (Some(k), UnitsInput::Sites { .. }) => {
                let mut p = r.clone();
                p.sites.retain(|s| s.count >= k as usize);
                let left = r.sites.len() - p.sites.len();
                if left > 0 {
                    out.note_withheld(&format!(
                        "{left} of {} ranked sites with fewer than {k} incidents each (rows, features and outlines of sites.csv, sites.json, sites.geojson, sites.png; the ranks of the others are kept)",
                        r.sites.len()
                    ));
                }
                public_ranking = p;
                &public_ranking
            }
            _ => r,
        };
        out.provenance(self.provenance.clone());
        let t = table(
            [
                "rank",
                "units",
                "unit",
                "id",
                "x",
                "y",
                "cells",
                "count",
                "burden",
                "persistence",
                "hot_periods",
                "hotspot_class",
                "repeat_share",
                "risk",
                "modifiable_share",
                "c_burden",
                "c_persistence",
                "c_repeat",
                "c_risk",
                "c_modifiable",
                "score",
                "factors",
                "suggestions",
                "night_share",
                "weekend_night_share",
                "peak_hour",
            ]
            .iter()
            .map(|n| match *n {
                "units" | "id" | "hotspot_class" | "factors" | "suggestions" | "peak_hour" => {
                    Column::text(*n)
                }
                "rank" | "unit" | "cells" | "count" | "hot_periods" => Column::int(*n),
                _ => Column::float(*n),
            })
            .collect(),
            |sink| {
                for s in &r.sites {
                    let c = &s.components;
                    sink.row(&[
                        Cell::count(s.rank),
                        Cell::Str(&r.units),
                        Cell::count(s.unit),
                        Cell::Str(&s.id),
                        Cell::Fixed(s.centre[0], 2),
                        Cell::Fixed(s.centre[1], 2),
                        Cell::count(s.cells),
                        Cell::count(s.count),
                        Cell::Fixed(s.burden, 4),
                        Cell::Fixed(s.persistence, 4),
                        Cell::count(s.hot_periods),
                        s.hotspot_class.as_deref().map_or(Cell::Null, Cell::Str),
                        Cell::Fixed(s.repeat_share, 4),
                        Cell::Fixed(s.risk, 4),
                        Cell::Fixed(s.modifiable_share, 4),
                        Cell::Fixed(c.burden, 4),
                        Cell::Fixed(c.persistence, 4),
                        Cell::Fixed(c.repeat, 4),
                        Cell::Fixed(c.risk, 4),
                        Cell::Fixed(c.modifiable, 4),
                        Cell::Fixed(s.score, 5),
                        Cell::String(s.factors.join(";")),
                        Cell::String(suggestion_text(s)),
                        share(s.temporal.as_ref().and_then(|t| t.night_share)),
                        share(s.temporal.as_ref().and_then(|t| t.weekend_night_share)),
                        s.temporal
                            .as_ref()
                            .and_then(|t| t.peak_label.as_deref())
                            .map_or(Cell::Null, Cell::Str),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("sites.csv", &t)?;
        let mut summary = r.clone();
        summary.sites.truncate(top.max(1));
        out.json("sites.json", &summary)?;
        let weights = serde_json::to_value(r.weights).unwrap_or(Value::Null);
        let f = features(&self.input.incidents.incidents.crs.working, |sink| {
            for s in r.sites.iter().filter(|s| s.rank <= top) {
                let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
                if let Some(m) = v.as_object_mut() {
                    m.remove("centre");
                    m.insert("units".into(), r.units.clone().into());
                    m.insert("weights".into(), weights.clone());
                    sink.feature(&self.geometry(s), &json_properties(m))?;
                }
            }
            Ok(())
        });
        out.features("sites.geojson", &f)?;
        // cells coloured by score; segments/sites over the RTM risk surface
        let top_geoms: Vec<geo::Geometry<f64>> =
            r.sites.iter().take(top).map(|s| self.geometry(s)).collect();
        let (values, legend, subtitle) = match &self.input.units {
            UnitsInput::Cells => {
                let mut v = vec![f64::NAN; model.grid.len()];
                for s in &r.sites {
                    v[s.unit] = s.score;
                }
                (
                    v,
                    "site score (0-1)".to_string(),
                    format!(
                        "{} of {} cells scored from {} incidents; top {top} outlined",
                        r.sites.len(),
                        r.n_units,
                        r.incidents
                    ),
                )
            }
            _ => {
                let refs: Vec<&Layer> = self.input.layers.iter().map(|l| &l.layer).collect();
                (
                    apply_model(model, &model.grid, &refs)?.risk,
                    "RTM relative risk".to_string(),
                    format!(
                        "top {top} of {} {} ranked from {} incidents, over the RTM risk surface",
                        r.n_units, r.units, r.incidents
                    ),
                )
            }
        };
        let scale = crate::render::auto_scale(&values, false);
        let options = MapOptions {
            title: vec![
                format!("Ranked sites ({})", r.units),
                subtitle,
                weights_line(&r.weights),
            ],
            legend,
            scale,
            overlays: vec![Overlay {
                geometries: top_geoms,
                colour: [220, 20, 60, 255],
                width: 3.0,
            }],
            ..Default::default()
        };
        let cells = matches!(self.input.units, UnitsInput::Cells);
        let fig = Figure::grid_map(model.grid, values, options);
        out.figure("sites.png", &fig)?;
        if cells {
            // QGIS style of the cells: the map's score classes (other units are
            // outlined over the risk surface, which the GeoJSON does not hold)
            out.qml(
                "sites.geojson",
                &fig,
                &crate::export::qml::ClassedField::column("score"),
                crate::export::qml::SymbolKind::Fill,
            )?;
        }
        Ok(())
    }
}

/// A share with 4 decimals, empty when unknown.
fn share(v: Option<f64>) -> Cell<'static> {
    v.map_or(Cell::Null, |x| Cell::Fixed(x, 4))
}

#[cfg(test)]
mod tests;
