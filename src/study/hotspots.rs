//! Hot spot studies: grid counts, kernel density, Gi*, Local Moran, change between
//! two periods, classification over periods, emerging hot spots, and Gi*/LISA on any
//! layer. Each writes `<stem>.csv` and `<stem>.geojson` (one row/feature per analysis
//! cell), PNG maps and a `<stem>.json` summary, with provenance.

use geo::MultiPolygon;
use serde::Serialize;
use serde_json::{json, Value};

use super::{IncidentInput, StudyLayer};
use crate::crs::CrsChoice;
use crate::error::{Error, Result};
use crate::export::{
    features, features_indexed, json_properties, table, table_indexed, Cell, Column, Export,
    Figure, InputFile, Outputs, Property, Provenance,
};
use crate::hotspot::change::{emerging_hotspots, EmergingClass, EmergingResult};
use crate::hotspot::kde::{bandwidth_arcgis, DualKdeResult, DualMode, KdeResult};
use crate::hotspot::{
    build_grid, build_hex, classify_periods, count_change, count_in_features, dual_kde, gi_star,
    grid_counts, grid_weights, hex_counts, kde, local_moran, CellGrid, ChangeParams, ChangeResult,
    ClassifyParams, ClassifyResult, Extent, FeatureCounts, GiStarParams, GiStarResult, GridCounts,
    GridParams, HexCells, HotspotClass, KdeParams, LocalMoranParams, LocalMoranResult, Weights,
    WeightsSpec,
};
use crate::layer::{Incidents, Layer};
use crate::render::{self, ColourScale, MapOptions, Overlay, Rgba};
use crate::when::incidents::{group_signatures, SignatureColumns, SignatureParams};

/// Area covered by the analysis grid (without a boundary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtentChoice {
    /// Every cell of the points' bounding box.
    #[default]
    Bbox,
    /// Cells intersecting the points' convex hull.
    Hull,
}

/// Which cells a hot spot study analyses and what it counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CellParams {
    /// Cell size in metres (hexagons: flat-to-flat width) [default: sfhotspot's rule,
    /// 1/50 of the shorter side of the extent rounded down to 100 m].
    pub cell: Option<f64>,
    /// Area covered without a boundary.
    pub extent: ExtentChoice,
    /// Hexagonal cells (grid counts, Gi* and Local Moran only).
    pub hex: bool,
    /// Numeric incident column to weight incidents by (e.g. a harm score) instead of
    /// counting them.
    pub weight: Option<String>,
}

/// The inputs of a hot spot study.
#[derive(Debug, Clone)]
pub struct HotspotInput {
    /// The incidents.
    pub incidents: IncidentInput,
    /// Boundary polygons in the incidents' working CRS: only cells intersecting them are
    /// analysed and the GeoJSON cells are clipped to them.
    pub boundary: Option<StudyLayer>,
    /// A line/point layer drawn on the maps (e.g. streets).
    pub overlay: Option<StudyLayer>,
}

impl HotspotInput {
    /// Incidents only.
    pub fn new(incidents: IncidentInput) -> Self {
        HotspotInput {
            incidents,
            boundary: None,
            overlay: None,
        }
    }
}

/// Analysis cells: the square cells (or hexagons) of a study, with the boundary clip,
/// the map overlays and the incident weights.
#[derive(Debug, Clone)]
pub struct AnalysisCells {
    /// The square grid and its analysis cells (also present with hexagons: it sets the
    /// extent of the maps).
    pub grid: CellGrid,
    /// Hexagons, when asked for.
    pub hex: Option<HexCells>,
    /// Boundary the GeoJSON cells are clipped to.
    pub clip: Option<MultiPolygon<f64>>,
    /// Layers drawn on the maps.
    pub overlays: Vec<Overlay>,
    /// Weight of each incident (`None`: counts).
    pub weights: Option<Vec<f64>>,
    /// The weight column.
    pub weight_name: Option<String>,
    /// Incidents analysed.
    pub n_incidents: usize,
    rows_read: u64,
    accepted: u64,
    crs: CrsChoice,
    inputs: Vec<InputFile>,
}

/// Weights from a numeric incident column.
pub fn weight_column(inc: &Incidents, col: &str) -> Result<Vec<f64>> {
    let c = inc.attr(col).ok_or_else(|| {
        Error::Param(format!(
            "weight column {col:?}: no such column; columns are: {}",
            inc.attr_names.join(", ")
        ))
    })?;
    (0..inc.len())
        .map(|i| {
            let s = c.get(i).trim();
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::Data(format!(
                        "weight column {col:?}: row {} has {s:?}, not a number",
                        inc.row[i]
                    ))
                })
        })
        .collect()
}

/// Builds the analysis cells of a study.
pub fn analysis_cells(input: &HotspotInput, p: &CellParams) -> Result<AnalysisCells> {
    input.incidents.require_some()?;
    let inc = &input.incidents.incidents;
    let mut inputs = input.incidents.inputs();
    let mut overlays = Vec::new();
    let mut clip = None;
    let extent = if let Some(b) = &input.boundary {
        inputs.extend(b.source.iter().cloned());
        let mut polys = Vec::new();
        for geom in &b.layer.geometries {
            match geom {
                geo::Geometry::Polygon(p) => polys.push(p.clone()),
                geo::Geometry::MultiPolygon(m) => polys.extend(m.0.iter().cloned()),
                _ => {}
            }
        }
        if polys.is_empty() {
            let name = b
                .source
                .as_ref()
                .map_or(b.layer.name.clone(), |s| s.path.clone());
            return Err(Error::Data(format!(
                "{name}: no polygon in the boundary file"
            )));
        }
        overlays.push(Overlay {
            geometries: b.layer.geometries.clone(),
            colour: render::BLACK,
            width: 2.0,
        });
        clip = Some(MultiPolygon::new(polys.clone()));
        Extent::Boundary(MultiPolygon::new(polys))
    } else {
        match p.extent {
            ExtentChoice::Bbox => Extent::BoundingBox,
            ExtentChoice::Hull => Extent::ConvexHull,
        }
    };
    if let Some(o) = &input.overlay {
        inputs.extend(o.source.iter().cloned());
        overlays.insert(
            0,
            Overlay {
                geometries: o.layer.geometries.clone(),
                colour: [90, 90, 90, 160],
                width: 1.0,
            },
        );
    }
    let mut gp = GridParams::new().extent(extent);
    gp.cell = p.cell;
    let grid = build_grid(&inc.xy, &gp)?;
    let hex = if p.hex {
        Some(build_hex(&inc.xy, &gp)?)
    } else {
        None
    };
    let weights = match &p.weight {
        None => None,
        Some(col) => Some(weight_column(inc, col)?),
    };
    let (rows_read, accepted) = input.incidents.counts();
    Ok(AnalysisCells {
        grid,
        hex,
        clip,
        overlays,
        weights,
        weight_name: p.weight.clone(),
        n_incidents: inc.len(),
        rows_read,
        accepted,
        crs: inc.crs.clone(),
        inputs,
    })
}

/// One column of per-cell values.
enum Col {
    F(Vec<f64>),
    I(Vec<i64>),
    S(Vec<String>),
}

impl Col {
    fn cell(&self, k: usize) -> Cell<'_> {
        match self {
            Col::F(v) => Cell::opt(v[k]),
            Col::I(v) => Cell::Int(v[k]),
            Col::S(v) => Cell::Str(&v[k]),
        }
    }
    fn column(&self, name: &str) -> Column {
        let name = name.to_string();
        match self {
            Col::F(_) => Column::float(name),
            Col::I(_) => Column::int(name),
            Col::S(_) => Column::text(name),
        }
    }
}

impl AnalysisCells {
    /// Number of analysis cells.
    pub fn len(&self) -> usize {
        self.hex.as_ref().map_or(self.grid.len(), |h| h.len())
    }

    /// Whether there is no analysis cell.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Per-cell values on the full square grid or on all hexagons, NaN elsewhere.
    pub fn full(&self, v: &[f64]) -> Vec<f64> {
        match &self.hex {
            None => self.grid.to_full(v),
            Some(h) => h.to_full(v),
        }
    }

    /// Counts (or weight sums) per analysis cell and the incidents outside every cell.
    pub fn counts(&self, inc: &Incidents) -> Result<(Vec<f64>, usize)> {
        match &self.hex {
            None => self.grid.counts(&inc.xy, self.weights.as_deref()),
            Some(h) => h.counts(&inc.xy, self.weights.as_deref()),
        }
    }

    /// The analysis cell of a point (`None`: outside every cell).
    pub fn position_of(&self, p: [f64; 2]) -> Option<usize> {
        match &self.hex {
            None => self.grid.position_of(p[0], p[1]),
            Some(h) => h.position_of(p[0], p[1]),
        }
    }

    /// Spatial weights between the analysis cells.
    pub fn spatial_weights(&self, spec: &WeightsSpec) -> Result<Weights> {
        match &self.hex {
            None => grid_weights(&self.grid, spec),
            Some(h) => h.weights(spec),
        }
    }

    /// An error for analyses on square cells only.
    pub fn square_only(&self, what: &str) -> Result<()> {
        if self.hex.is_some() {
            return Err(Error::Param(format!(
                "hexagonal cells are not available for {what}; use square cells"
            )));
        }
        Ok(())
    }

    /// "N cells of C m (rule), M incidents".
    pub fn grid_line(&self) -> String {
        match &self.hex {
            None => format!(
                "{} cells of {} m ({}), {} incidents",
                self.grid.len(),
                self.grid.grid.cell,
                self.grid.extent_rule,
                self.n_incidents
            ),
            Some(h) => format!(
                "{} hexagons of {} m ({}), {} incidents",
                h.len(),
                h.grid.size,
                h.extent_rule,
                self.n_incidents
            ),
        }
    }

    /// The grid as a sentence for the terminal.
    pub fn describe_grid(&self) -> String {
        match &self.hex {
            None => format!(
                "grid: {} x {} cells of {} m ({}), {} in the analysis ({})",
                self.grid.grid.ncols,
                self.grid.grid.nrows,
                self.grid.grid.cell,
                self.grid.cell_size_rule,
                self.grid.len(),
                self.grid.extent_rule
            ),
            Some(h) => format!(
                "hexagons of {} m flat-to-flat ({}), {} in the analysis ({})",
                h.grid.size,
                h.cell_size_rule,
                h.len(),
                h.extent_rule
            ),
        }
    }

    /// The weights as used (hexagons: the default band is the hexagon width).
    pub fn describe(&self, spec: &WeightsSpec) -> String {
        match (&self.hex, spec) {
            (Some(h), WeightsSpec::DistanceBand { radius: None }) => format!(
                "binary distance band d <= {} m (the 6 adjacent hexagons)",
                h.grid.size
            ),
            _ => spec.describe(Some(self.cell())),
        }
    }

    /// Cell size (square side or hexagon width).
    pub fn cell(&self) -> f64 {
        self.hex
            .as_ref()
            .map_or(self.grid.grid.cell, |h| h.grid.size)
    }

    /// "incidents" or "sum of W".
    pub fn value_label(&self) -> String {
        match &self.weight_name {
            Some(w) => format!("sum of {w}"),
            None => "incidents".into(),
        }
    }

    fn provenance(&self, params: Value, seed: Option<u64>) -> Provenance {
        let mut p = Provenance::new(params).with_inputs(self.inputs.iter().cloned());
        p.crs = Some(self.crs.clone());
        p.seed = seed;
        p
    }

    /// Id, column, row, centre and polygon of analysis cell `k`.
    fn cell_geometry(&self, k: usize) -> (usize, usize, usize, [f64; 2], geo::Polygon<f64>) {
        match &self.hex {
            None => {
                let id = self.grid.cells[k];
                let (c, r) = self.grid.grid.col_row(id);
                (
                    id,
                    c,
                    r,
                    self.grid.grid.centre(id),
                    self.grid.grid.cell_polygon(id),
                )
            }
            Some(h) => {
                let id = h.cells[k];
                let nc = h.grid.ncols;
                (id, id % nc, id / nc, h.grid.centre(id), h.grid.polygon(id))
            }
        }
    }

    /// Writes `<stem>.csv` and `<stem>.geojson`: one row/feature per analysis cell
    /// (`keep` filters the GeoJSON features only).
    fn write_cells(
        &self,
        out: &mut Outputs,
        stem: &str,
        cols: &[(&str, Col)],
        keep: Option<&(dyn Fn(usize) -> bool + Sync)>,
    ) -> Result<()> {
        let mut columns = vec![
            Column::int("cell_id"),
            Column::int("col"),
            Column::int("row"),
            Column::float("x_center"),
            Column::float("y_center"),
        ];
        columns.extend(cols.iter().map(|(n, c)| c.column(n)));
        let t = table_indexed(columns, self.len(), |k, sink| {
            let (id, col, r, c) = match &self.hex {
                None => {
                    let id = self.grid.cells[k];
                    let (col, r) = self.grid.grid.col_row(id);
                    (id, col, r, self.grid.grid.centre(id))
                }
                Some(h) => {
                    let id = h.cells[k];
                    (id, id % h.grid.ncols, id / h.grid.ncols, h.grid.centre(id))
                }
            };
            let mut row: Vec<Cell<'_>> = Vec::with_capacity(5 + cols.len());
            row.extend([
                Cell::count(id),
                Cell::count(col),
                Cell::count(r),
                Cell::Float(c[0]),
                Cell::Float(c[1]),
            ]);
            row.extend(cols.iter().map(|x| x.1.cell(k)));
            sink.row(&row)
        });
        out.table(&format!("{stem}.csv"), &t)?;
        let f = features_indexed(&self.crs.working, self.len(), |k, sink| {
            if !keep.is_none_or(|f| f(k)) {
                return Ok(());
            }
            let (id, col, r, _, poly) = self.cell_geometry(k);
            let mut props: Vec<Property<'_>> = Vec::with_capacity(3 + cols.len());
            props.extend([
                ("cell_id", Cell::count(id)),
                ("col", Cell::count(col)),
                ("row", Cell::count(r)),
            ]);
            props.extend(cols.iter().map(|(name, c)| (*name, c.cell(k))));
            let geom = match &self.clip {
                None => geo::Geometry::Polygon(poly),
                Some(b) => {
                    use geo::BooleanOps;
                    geo::Geometry::MultiPolygon(poly.intersection(b))
                }
            };
            sink.feature(&geom, &props)
        });
        out.features(&format!("{stem}.geojson"), &f)
    }

    /// A map of per-cell values (full square grid or all hexagons).
    fn map(
        &self,
        values_full: &[f64],
        title: Vec<String>,
        legend: &str,
        scale: ColourScale,
    ) -> Result<Figure> {
        let options = MapOptions {
            title,
            legend: legend.into(),
            scale,
            overlays: self.overlays.clone(),
            size: 800,
        };
        Ok(match &self.hex {
            None => Figure::grid_map(self.grid.grid, values_full.to_vec(), options),
            Some(h) => {
                let (rg, rv) = h.grid.rasterise(values_full, 800)?;
                Figure::grid_map(rg, rv, options)
            }
        })
    }

    /// Writes `<stem>.json`: analysis, grid, incidents, result and the provenance.
    fn write_summary(&self, out: &mut Outputs, stem: &str, result: Value) -> Result<()> {
        let name = format!("{stem}.json");
        let grid = match &self.hex {
            None => serde_json::to_value(&self.grid).unwrap_or(Value::Null),
            Some(h) => json!({ "hexagons": h }),
        };
        let summary = json!({
            "analysis": stem,
            "grid": grid,
            "incidents": {"rows_read": self.rows_read, "accepted": self.accepted, "analysed": self.n_incidents},
            "result": result,
            "provenance": out.current_provenance(&[name.as_str()]),
        });
        out.json(&name, &summary)
    }
}

// ------------------------------------------------ temporal signature columns (issue 16)

impl AnalysisCells {
    /// The temporal signature of each analysis cell's incidents
    /// ([`crate::when::incidents::group_signatures`] with its defaults: aoristic
    /// minute-exact weights; night shares with the incidents' time zone; the profile
    /// test's p, 199 replicates, seed 42, for cells with at least 10 incidents with a
    /// time). Cells without an incident with a time get empty values.
    pub fn signatures(&self, input: &IncidentInput) -> Result<SignatureColumns> {
        let inc = &input.incidents;
        let of: Vec<Option<usize>> = inc.xy.iter().map(|p| self.position_of(*p)).collect();
        group_signatures(
            inc,
            &of,
            self.len(),
            input.time_zone.as_ref(),
            &SignatureParams::default(),
        )
    }
}

/// The signature columns of a cell output: `night_share`, `weekend_night_share`,
/// `peak_hour_of_week`, `time_profile_p` (statistics, not counts).
fn signature_cols(s: &SignatureColumns) -> Vec<(&'static str, Col)> {
    let f = |v: &[Option<f64>]| Col::F(v.iter().map(|x| x.unwrap_or(f64::NAN)).collect());
    vec![
        ("night_share", f(&s.night_share)),
        ("weekend_night_share", f(&s.weekend_night_share)),
        (
            "peak_hour_of_week",
            Col::S(
                s.peak_hour_of_week
                    .iter()
                    .map(|x| x.clone().unwrap_or_default())
                    .collect(),
            ),
        ),
        ("time_profile_p", f(&s.time_profile_p)),
    ]
}

const QUAD_COLOURS: [(Rgba, &str); 5] = [
    ([230, 230, 230, 255], "not significant"),
    ([202, 0, 32, 255], "HH (hot cluster)"),
    ([146, 197, 222, 255], "LH (low among high)"),
    ([5, 113, 176, 255], "LL (cold cluster)"),
    ([244, 165, 130, 255], "HL (high among low)"),
];

fn quad_categories() -> ColourScale {
    ColourScale::Categories(
        QUAD_COLOURS
            .iter()
            .map(|(c, l)| (*c, l.to_string()))
            .collect(),
    )
}

// ---------------------------------------------------------------- grid counts

/// Settings of [`grid`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct GridStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Also count per category (one column `n_<category>` each).
    pub by_category: bool,
}

/// Incidents (or weights) per cell: `counts.csv`, `counts.geojson`, `counts.png`,
/// `counts.json`.
#[derive(Debug, Clone)]
pub struct GridStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: GridStudyParams,
    /// The counts.
    pub counts: GridCounts,
}

/// Counts incidents per cell.
pub fn grid(input: &HotspotInput, p: &GridStudyParams) -> Result<GridStudy> {
    let cells = analysis_cells(input, &p.cells)?;
    let inc = &input.incidents.incidents;
    let counts = match &cells.hex {
        None => grid_counts(&cells.grid, inc, cells.weights.as_deref(), p.by_category)?,
        Some(h) => hex_counts(h, inc, cells.weights.as_deref(), p.by_category)?,
    };
    Ok(GridStudy {
        cells,
        params: p.clone(),
        counts,
    })
}

impl GridStudy {
    /// The files written.
    pub fn files(_p: &GridStudyParams) -> Vec<String> {
        stem_files("counts", &["counts.png"])
    }

    fn max(&self) -> f64 {
        self.counts.total.iter().copied().fold(0.0, f64::max)
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let gc = &self.counts;
        format!(
            "{} in {} cells ({} non-empty, max {}); {} outside the analysis cells\n",
            gc.sum,
            self.cells.len(),
            gc.non_empty,
            self.max(),
            gc.outside
        )
    }
}

/// `<stem>.csv`, `<stem>.geojson`, `<stem>.json` and the given figures.
fn stem_files(stem: &str, figures: &[&str]) -> Vec<String> {
    let mut v = vec![
        format!("{stem}.csv"),
        format!("{stem}.geojson"),
        format!("{stem}.json"),
    ];
    v.extend(figures.iter().map(|s| s.to_string()));
    v.push(format!("{stem}.qml"));
    v
}

/// Writes the map `png` (+ `.svg`) and, beside `<stem>.geojson`, its QGIS style
/// (`<stem>.qml`) with the map's classes and colours on `field`.
fn styled_map(
    out: &mut Outputs,
    stem: &str,
    png: &str,
    fig: &Figure,
    field: crate::export::qml::ClassedField,
) -> Result<()> {
    out.figure(png, fig)?;
    out.qml(
        &format!("{stem}.geojson"),
        fig,
        &field,
        crate::export::qml::SymbolKind::Fill,
    )
}

fn column(name: &str) -> crate::export::qml::ClassedField {
    crate::export::qml::ClassedField::column(name)
}

impl Export for GridStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let s = &self.cells;
        out.provenance(s.provenance(
            json!({"analysis": "grid", "cells": self.params.cells, "by_category": self.params.by_category}),
            None,
        ));
        let gc = &self.counts;
        let names: Vec<String> = gc
            .by_category
            .iter()
            .map(|(n, _)| format!("n_{n}"))
            .collect();
        let mut cols = vec![("count", Col::F(gc.total.clone()))];
        for (k, (_, v)) in gc.by_category.iter().enumerate() {
            cols.push((names[k].as_str(), Col::F(v.clone())));
        }
        s.write_cells(out, "counts", &cols, None)?;
        let full = s.full(&gc.total);
        let label = format!("{} per cell", s.value_label());
        styled_map(
            out,
            "counts",
            "counts.png",
            &s.map(
                &full,
                vec![label.clone(), s.grid_line()],
                &label,
                render::auto_scale(&full, true),
            )?
            .with_role(crate::export::Role::Count),
            column("count"),
        )?;
        let cats: Vec<Value> = gc
            .by_category
            .iter()
            .map(|(n, v)| json!({"category": n, "total": v.iter().sum::<f64>(), "non_empty": v.iter().filter(|x| **x > 0.0).count()}))
            .collect();
        s.write_summary(
            out,
            "counts",
            json!({"sum": gc.sum, "non_empty": gc.non_empty, "outside": gc.outside, "max": self.max(), "categories": cats}),
        )
    }
}

// ---------------------------------------------------------------- kernel density

/// Settings of [`kde`](fn@kde_study).
#[derive(Debug, Clone, Serialize)]
pub struct KdeStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Kernel, bandwidth, evaluation.
    pub kde: KdeParams,
    /// How a second point layer (the `dual` argument of [`kde_study`]) is combined.
    pub dual_mode: DualMode,
}

impl Default for KdeStudyParams {
    fn default() -> Self {
        KdeStudyParams {
            cells: CellParams::default(),
            kde: KdeParams::new(),
            dual_mode: DualMode::Ratio,
        }
    }
}

/// Kernel density: `kde.csv`, `kde.geojson` (cells with density > 0), `kde.png`
/// (`kde_dual.png` with a second layer), `kde.json`.
#[derive(Debug, Clone)]
pub struct KdeStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: KdeStudyParams,
    /// The density surface.
    pub kde: KdeResult,
    /// Counts per analysis cell.
    pub counts: Vec<f64>,
    /// The dual surface.
    pub dual: Option<DualKdeResult>,
}

/// Kernel density of the incidents on the analysis cells; with `dual`, also the
/// ratio/difference to the density of a second point layer.
pub fn kde_study(
    input: &HotspotInput,
    dual: Option<&IncidentInput>,
    p: &KdeStudyParams,
) -> Result<KdeStudy> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("kernel density (it is evaluated on square cells)")?;
    let inc = &input.incidents.incidents;
    let r = kde(&cells.grid.grid, &inc.xy, cells.weights.as_deref(), &p.kde)?;
    let (counts, _) = cells.counts(inc)?;
    let dual = match dual {
        Some(d) => {
            cells.inputs.extend(d.source.iter().cloned().map(|mut s| {
                s.role = "dual".into();
                s
            }));
            Some(dual_kde(
                &cells.grid.grid,
                &inc.xy,
                &d.incidents.xy,
                &p.kde,
                p.dual_mode,
            )?)
        }
        None => None,
    };
    Ok(KdeStudy {
        cells,
        params: p.clone(),
        kde: r,
        counts,
        dual,
    })
}

impl KdeStudy {
    /// The files written (`dual`: with a second layer).
    pub fn files(dual: bool) -> Vec<String> {
        let mut v = stem_files("kde", &["kde.png"]);
        if dual {
            v.push("kde_dual.png".into());
        }
        v
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let r = &self.kde;
        format!(
            "{} kernel, bandwidth {:.1} m ({}), {}x{} samples per cell: max {:.1} per km2, expected total {:.1} of {}\n",
            self.params.kde.kernel.name(),
            r.bandwidth_m,
            r.bandwidth_rule,
            r.samples_per_side,
            r.samples_per_side,
            r.max_density_km2,
            r.expected_sum,
            r.total_weight
        )
    }
}

impl Export for KdeStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let s = &self.cells;
        out.provenance(s.provenance(
            json!({"analysis": "kde", "cells": self.params.cells, "kde": self.params.kde, "dual_mode": self.dual.as_ref().map(|_| self.params.dual_mode)}),
            None,
        ));
        let r = &self.kde;
        let dens = s.grid.from_full(&r.density_km2);
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            ("density_km2", Col::F(dens.clone())),
            ("expected", Col::F(s.grid.from_full(&r.expected))),
        ];
        let mut result = json!({ "kde": r });
        if let Some(dr) = &self.dual {
            cols.push((
                "dual_density_km2",
                Col::F(s.grid.from_full(&dr.b.density_km2)),
            ));
            cols.push(("dual_value", Col::F(s.grid.from_full(&dr.values))));
            result["dual"] = serde_json::to_value(dr).unwrap_or(Value::Null);
        }
        s.write_cells(out, "kde", &cols, Some(&|k| dens[k] > 0.0))?;
        let full = s.grid.to_full(&dens);
        let title = vec![
            format!("Kernel density ({})", self.params.kde.kernel.name()),
            s.grid_line(),
            format!(
                "{} kernel, bandwidth h = {:.0} m ({})",
                self.params.kde.kernel.name(),
                r.bandwidth_m,
                r.bandwidth_rule
            ),
        ];
        styled_map(
            out,
            "kde",
            "kde.png",
            &s.map(
                &full,
                title,
                "incidents per km2",
                render::auto_scale(&full, false),
            )?,
            column("density_km2"),
        )?;
        if let Some(dr) = &self.dual {
            let full = s.grid.to_full(&s.grid.from_full(&dr.values));
            let (t, legend) = match dr.mode {
                DualMode::Ratio => ("Dual KDE: ratio of densities", "ratio"),
                DualMode::Difference => ("Dual KDE: difference of densities", "per km2"),
                DualMode::ShareDifference => ("Dual KDE: difference of shares", "share per km2"),
            };
            out.figure(
                "kde_dual.png",
                &s.map(
                    &full,
                    vec![t.into(), s.grid_line()],
                    legend,
                    render::auto_scale(&full, false),
                )?,
            )?;
        }
        s.write_summary(out, "kde", result)
    }
}

// ---------------------------------------------------------------- Gi*

/// Settings of [`gistar`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct GiStarStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Neighbours [default: queen, the 8 surrounding cells].
    pub weights: WeightsSpec,
    /// Permutations, seed, FDR, bins.
    pub gistar: GiStarParams,
}

/// Getis-Ord Gi*: `gistar.csv`, `gistar.geojson`, `gistar.png`, `gistar.json`.
#[derive(Debug, Clone)]
pub struct GiStarStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: GiStarStudyParams,
    /// Counts (or weight sums) per analysis cell.
    pub counts: Vec<f64>,
    /// Gi* per analysis cell.
    pub result: GiStarResult,
    /// Temporal signature per analysis cell ([`AnalysisCells::signatures`]).
    pub signatures: SignatureColumns,
}

/// Gi* hot and cold spots of the counts per cell.
///
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::study::{hotspots, IncidentInput};
///
/// let city = generate(&DemoParams::new(1).incidents(3000).size(3000.0))?;
/// let input = hotspots::HotspotInput::new(IncidentInput::in_memory(city.incidents));
/// let mut p = hotspots::GiStarStudyParams::default();
/// p.gistar = p.gistar.permutations(99).seed(7);
/// let r = hotspots::gistar(&input, &p)?;
/// let hot_99 = r.result.bin_counts[6];
/// assert!(hot_99 > 0, "the planted hot spots are found");
/// assert_eq!(r.counts.iter().sum::<f64>(), 3000.0);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn gistar(input: &HotspotInput, p: &GiStarStudyParams) -> Result<GiStarStudy> {
    let cells = analysis_cells(input, &p.cells)?;
    let (counts, _) = cells.counts(&input.incidents.incidents)?;
    let w = cells.spatial_weights(&p.weights)?;
    let result = gi_star(&counts, &w, &p.gistar)?;
    let signatures = cells.signatures(&input.incidents)?;
    Ok(GiStarStudy {
        cells,
        params: p.clone(),
        counts,
        result,
        signatures,
    })
}

impl GiStarStudy {
    /// The files written.
    pub fn files(_p: &GiStarStudyParams) -> Vec<String> {
        stem_files("gistar", &["gistar.png"])
    }

    /// The per-cell columns of the statistic (count, neighbours, G, z, p, the
    /// permutation p and z when run, class), shared by `gistar.csv` and the map's
    /// `hotspots.csv`.
    fn cell_cols(&self) -> Vec<(&'static str, Col)> {
        let r = &self.result;
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            (
                "n_neighbours",
                Col::I(r.n_neighbours.iter().map(|v| *v as i64).collect()),
            ),
            ("gi_G", Col::F(r.g.clone())),
            ("gi_z", Col::F(r.z.clone())),
            ("gi_p", Col::F(r.p.clone())),
        ];
        if let (Some(ps), Some(zs)) = (&r.p_sim, &r.z_sim) {
            cols.push(("gi_p_sim", Col::F(ps.clone())));
            cols.push(("gi_z_sim", Col::F(zs.clone())));
        }
        cols.push(("gi_bin", Col::I(r.bin.iter().map(|b| *b as i64).collect())));
        cols
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let bc = self.result.bin_counts;
        format!(
            "Gi*: hot spots 99% {} / 95% {} / 90% {}; cold spots 99% {} / 95% {} / 90% {}; {} cells not significant\n",
            bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], bc[3]
        )
    }
}

impl Export for GiStarStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "gistar", "cells": p.cells, "gistar": p.gistar, "weights": p.weights}),
            Some(p.gistar.seed),
        ));
        let mut cols = self.cell_cols();
        cols.extend(signature_cols(&self.signatures));
        s.write_cells(out, "gistar", &cols, None)?;
        let bins: Vec<f64> = r.bin.iter().map(|b| *b as f64).collect();
        let title = vec![
            "Getis-Ord Gi* hot and cold spots".to_string(),
            format!(
                "{}{}",
                if p.gistar.fdr { "FDR-corrected; " } else { "" },
                s.grid_line()
            ),
            format!("Neighbours: {}", s.describe(&p.weights)),
        ];
        styled_map(
            out,
            "gistar",
            "gistar.png",
            &s.map(&s.full(&bins), title, "confidence", ColourScale::GiBins)?,
            column("gi_bin"),
        )?;
        let summary = json!({
            "n": r.n, "mean": r.mean, "sd": r.sd, "weights": s.describe(&p.weights),
            "params": r.params, "undefined": r.undefined,
            "bins": {"-3": r.bin_counts[0], "-2": r.bin_counts[1], "-1": r.bin_counts[2], "0": r.bin_counts[3], "1": r.bin_counts[4], "2": r.bin_counts[5], "3": r.bin_counts[6]},
            "conventions": "z: ArcGIS/esda G_Local(star=True, transform='B'), population variance, empty cells included; p two-sided; p_sim folded, ties counted on both sides",
        });
        s.write_summary(out, "gistar", summary)
    }
}

// ---------------------------------------------------------------- Local Moran

/// Settings of [`moran`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct MoranStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Neighbours [default: queen].
    pub weights: WeightsSpec,
    /// Permutations, seed, significance level.
    pub moran: LocalMoranParams,
}

/// Local Moran's I: `moran.csv`, `moran.geojson`, `moran.png`, `moran.json`.
#[derive(Debug, Clone)]
pub struct MoranStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: MoranStudyParams,
    /// Counts per analysis cell.
    pub counts: Vec<f64>,
    /// Local Moran per analysis cell.
    pub result: LocalMoranResult,
    /// Temporal signature per analysis cell ([`AnalysisCells::signatures`]).
    pub signatures: SignatureColumns,
}

/// Local Moran's I (LISA) clusters and outliers of the counts per cell.
pub fn moran(input: &HotspotInput, p: &MoranStudyParams) -> Result<MoranStudy> {
    let cells = analysis_cells(input, &p.cells)?;
    let (counts, _) = cells.counts(&input.incidents.incidents)?;
    let w = cells.spatial_weights(&p.weights)?;
    let result = local_moran(&counts, &w, &p.moran)?;
    let signatures = cells.signatures(&input.incidents)?;
    Ok(MoranStudy {
        cells,
        params: p.clone(),
        counts,
        result,
        signatures,
    })
}

impl MoranStudy {
    /// The files written.
    pub fn files(_p: &MoranStudyParams) -> Vec<String> {
        stem_files("moran", &["moran.png"])
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let sc = self.result.significant_counts;
        format!(
            "Local Moran: significant HH {} / LH {} / LL {} / HL {}\n",
            sc[0], sc[1], sc[2], sc[3]
        )
    }
}

impl Export for MoranStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "moran", "cells": p.cells, "moran": p.moran, "weights": p.weights}),
            Some(p.moran.seed),
        ));
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            ("lm_I", Col::F(r.i.clone())),
            ("lm_z", Col::F(r.z_norm.clone())),
            ("lm_p", Col::F(r.p_norm.clone())),
        ];
        if let Some(ps) = &r.p_sim {
            cols.push(("lm_p_sim", Col::F(ps.clone())));
        }
        cols.push((
            "lm_quadrant",
            Col::S(r.quadrant.iter().map(|q| q.label().to_string()).collect()),
        ));
        cols.push((
            "lm_significant",
            Col::I(r.significant.iter().map(|b| *b as i64).collect()),
        ));
        cols.extend(signature_cols(&self.signatures));
        s.write_cells(out, "moran", &cols, None)?;
        let v: Vec<f64> = r
            .quadrant
            .iter()
            .zip(&r.significant)
            .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
            .collect();
        let title = vec![
            "Local Moran's I (LISA)".to_string(),
            s.grid_line(),
            format!(
                "p <= {} ({}); neighbours: {}",
                p.moran.alpha,
                if p.moran.permutations > 0 {
                    "permutation"
                } else {
                    "analytical"
                },
                s.describe(&p.weights)
            ),
        ];
        styled_map(
            out,
            "moran",
            "moran.png",
            &s.map(&s.full(&v), title, "cluster type", quad_categories())?,
            crate::export::qml::ClassedField {
                attribute: "CASE WHEN \"lm_significant\" = 1 THEN \"lm_quadrant\" ELSE 'not significant' END".into(),
                expression: true,
                values: Some(
                    ["not significant", "HH", "LH", "LL", "HL"]
                        .map(String::from)
                        .to_vec(),
                ),
            },
        )?;
        let sc = r.significant_counts;
        s.write_summary(
            out,
            "moran",
            json!({"n": r.n, "params": r.params, "weights": s.describe(&p.weights), "significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}}),
        )
    }
}

// ---------------------------------------------------------------- change

/// Settings of [`change`].
#[derive(Debug, Clone, Serialize)]
pub struct ChangeStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Split date, α, FDR.
    pub change: ChangeParams,
    /// Quartic KDE bandwidth (m) of the density difference map [default: ArcGIS rule].
    pub bandwidth: Option<f64>,
}

impl ChangeStudyParams {
    /// Change at `split` (seconds, local clock).
    pub fn new(split: i64) -> Self {
        ChangeStudyParams {
            cells: CellParams::default(),
            change: ChangeParams::new(split),
            bandwidth: None,
        }
    }
}

/// Change between two periods: `change.csv`, `change.geojson`, `change.png`,
/// `change_kde.png`, `change.json`.
#[derive(Debug, Clone)]
pub struct ChangeStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: ChangeStudyParams,
    /// Counts, test and class per cell.
    pub result: ChangeResult,
    /// KDE difference (after − before) on the full grid.
    pub kde_difference: DualKdeResult,
}

/// Change per cell between the periods before and after the split, with an exact
/// conditional test, and the KDE difference.
pub fn change(input: &HotspotInput, p: &ChangeStudyParams) -> Result<ChangeStudy> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("change")?;
    let inc = &input.incidents.incidents;
    let result = count_change(&cells.grid, inc, &p.change)?;
    let split = p.change.split;
    let pick = |after: bool| -> Vec<[f64; 2]> {
        (0..inc.len())
            .filter(|&i| inc.time[i].is_some_and(|t| (t >= split) == after))
            .map(|i| inc.xy[i])
            .collect()
    };
    let kp = match p.bandwidth {
        Some(h) => KdeParams::new().fixed(h),
        None => KdeParams::new().fixed(bandwidth_arcgis(&inc.xy)?),
    };
    let kde_difference = dual_kde(
        &cells.grid.grid,
        &pick(true),
        &pick(false),
        &kp,
        DualMode::Difference,
    )?;
    cells.weights = None;
    Ok(ChangeStudy {
        cells,
        params: p.clone(),
        result,
        kde_difference,
    })
}

impl ChangeStudy {
    /// The files written.
    pub fn files(_p: &ChangeStudyParams) -> Vec<String> {
        stem_files("change", &["change.png", "change_kde.png"])
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        format!(
            "{} before, {} after (share after {:.3}); significant increases {}, decreases {}; {} without a time\n",
            r.n_before, r.n_after, r.share_after, r.increases, r.decreases, r.no_time
        )
    }
}

impl Export for ChangeStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "change", "cells": p.cells, "change": p.change, "split": crate::time::format(p.change.split, crate::TimePrecision::Day), "bandwidth_m": p.bandwidth}),
            None,
        ));
        let dk = &self.kde_difference;
        let diff: Vec<f64> = r.after.iter().zip(&r.before).map(|(a, b)| a - b).collect();
        let cols = vec![
            ("before", Col::F(r.before.clone())),
            ("after", Col::F(r.after.clone())),
            ("difference", Col::F(diff)),
            ("expected_after", Col::F(r.expected_after.clone())),
            ("p", Col::F(r.p.clone())),
            (
                "change",
                Col::I(r.class.iter().map(|v| *v as i64).collect()),
            ),
            ("kde_difference_km2", Col::F(s.grid.from_full(&dk.values))),
        ];
        s.write_cells(out, "change", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| (*c + 1) as f64).collect();
        let cats = vec![
            ([5, 113, 176, 255], "significant decrease".to_string()),
            ([240, 240, 240, 255], "no significant change".to_string()),
            ([202, 0, 32, 255], "significant increase".to_string()),
        ];
        let split = crate::time::format(p.change.split, crate::TimePrecision::Day);
        let title = vec![
            format!("Change from before to after {split}"),
            s.grid_line(),
            format!(
                "exact conditional binomial test, {}alpha {}",
                if p.change.fdr { "FDR " } else { "" },
                p.change.alpha
            ),
        ];
        styled_map(
            out,
            "change",
            "change.png",
            &s.map(
                &s.grid.to_full(&v),
                title,
                "change",
                ColourScale::Categories(cats),
            )?,
            crate::export::qml::ClassedField {
                values: Some(["-1", "0", "1"].map(String::from).to_vec()),
                ..column("change")
            },
        )?;
        let kfull = s.grid.to_full(&s.grid.from_full(&dk.values));
        let title = vec![
            "KDE difference (after - before)".to_string(),
            s.grid_line(),
            format!("quartic kernel, bandwidth h = {:.0} m", dk.a.bandwidth_m),
        ];
        out.figure(
            "change_kde.png",
            &s.map(
                &kfull,
                title,
                "incidents per km2",
                render::auto_scale(&kfull, false),
            )?,
        )?;
        s.write_summary(
            out,
            "change",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}

// ---------------------------------------------------------------- periods

/// Settings of [`classify`] and [`emerging`].
#[derive(Debug, Clone, Serialize)]
pub struct PeriodStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Neighbours [default: queen].
    pub weights: WeightsSpec,
    /// Period (time step) length in days [default: [`super::auto_period_days`]].
    pub period_days: Option<i64>,
    /// Start of the first period (seconds, local clock) [default: see the analyses].
    pub start: Option<i64>,
    /// Critical p-value.
    pub alpha: f64,
    /// Benjamini-Hochberg FDR (classify: over the cells of each period; emerging: over
    /// all bins of the space-time cube).
    pub fdr: bool,
    /// Emerging: previous time steps in each bin's neighbourhood.
    pub time_steps: usize,
}

impl Default for PeriodStudyParams {
    fn default() -> Self {
        PeriodStudyParams {
            cells: CellParams::default(),
            weights: WeightsSpec::default(),
            period_days: None,
            start: None,
            alpha: 0.05,
            fdr: false,
            time_steps: 1,
        }
    }
}

const PERIOD_PALETTE: [Rgba; 9] = [
    [240, 240, 240, 255],
    [165, 0, 38, 255],
    [244, 109, 67, 255],
    [253, 174, 97, 255],
    [254, 224, 144, 255],
    [49, 54, 149, 255],
    [116, 173, 209, 255],
    [171, 217, 233, 255],
    [224, 243, 248, 255],
];

fn period_setup(
    input: &HotspotInput,
    p: &PeriodStudyParams,
) -> Result<(AnalysisCells, Weights, i64)> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("classify/emerging")?;
    let days = match p.period_days {
        Some(d) => d,
        None => super::auto_period_days(&input.incidents.incidents)?,
    };
    let w = grid_weights(&cells.grid, &p.weights)?;
    cells.weights = None;
    Ok((cells, w, days))
}

/// Hot spot classification over periods (sfhotspot rules): `classify.csv`,
/// `classify.geojson`, `classify.png`, `classify.json`.
#[derive(Debug, Clone)]
pub struct ClassifyStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: PeriodStudyParams,
    /// Period length in days.
    pub days: i64,
    /// Classes per cell.
    pub result: ClassifyResult,
}

/// Classifies cells as persistent, emerging, former, intermittent hot spots, ...
pub fn classify(input: &HotspotInput, p: &PeriodStudyParams) -> Result<ClassifyStudy> {
    let (cells, w, days) = period_setup(input, p)?;
    let mut cp = ClassifyParams::new(days * crate::time::DAY);
    cp.start = p.start;
    cp.critical_p = p.alpha;
    cp.fdr = p.fdr;
    let result = classify_periods(&cells.grid, &input.incidents.incidents, &w, &cp)?;
    Ok(ClassifyStudy {
        cells,
        params: p.clone(),
        days,
        result,
    })
}

fn counts_text(counts: &std::collections::BTreeMap<String, usize>) -> String {
    counts.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

fn period_params(stem: &str, p: &PeriodStudyParams, days: i64) -> Value {
    json!({"analysis": stem, "cells": p.cells, "weights": p.weights, "period_days": days,
           "start": p.start.map(|t| crate::time::format(t, crate::TimePrecision::Day)),
           "alpha": p.alpha, "fdr": p.fdr, "time_steps": (stem == "emerging").then_some(p.time_steps)})
}

impl ClassifyStudy {
    /// The files written.
    pub fn files(_p: &PeriodStudyParams) -> Vec<String> {
        stem_files("classify", &["classify.png"])
    }

    /// Cells per class.
    pub fn summary_text(&self) -> String {
        counts_text(&self.result.counts)
    }
}

impl Export for ClassifyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r) = (&self.cells, &self.result);
        out.provenance(s.provenance(period_params("classify", &self.params, self.days), None));
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("prop_hot", Col::F(r.prop_hot.clone())),
            ("prop_cold", Col::F(r.prop_cold.clone())),
        ];
        s.write_cells(out, "classify", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let mut cats: Vec<(Rgba, String)> = HotspotClass::ALL
            .iter()
            .enumerate()
            .map(|(k, cl)| (PERIOD_PALETTE[k.min(8)], cl.label().to_string()))
            .collect();
        cats[9].0 = [120, 120, 120, 255];
        let title = vec![
            "Hot spot classification over periods (sfhotspot rules)".to_string(),
            format!(
                "{} periods of {} days, {} recent; {}",
                r.gi.used.len(),
                self.days,
                r.recent_periods,
                s.grid_line()
            ),
        ];
        let labels = cats.iter().map(|c| c.1.clone()).collect();
        styled_map(
            out,
            "classify",
            "classify.png",
            &s.map(
                &s.grid.to_full(&v),
                title,
                "category",
                ColourScale::Categories(cats),
            )?,
            crate::export::qml::ClassedField {
                values: Some(labels),
                ..column("category")
            },
        )?;
        s.write_summary(
            out,
            "classify",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}

/// Emerging hot spot analysis (space-time Gi*, Mann-Kendall, ArcGIS categories):
/// `emerging.csv`, `emerging.geojson`, `emerging.png`, `emerging.json`.
#[derive(Debug, Clone)]
pub struct EmergingStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: PeriodStudyParams,
    /// Time step in days.
    pub days: i64,
    /// Categories per cell.
    pub result: EmergingResult,
}

/// Emerging hot spot analysis on the analysis cells.
pub fn emerging(input: &HotspotInput, p: &PeriodStudyParams) -> Result<EmergingStudy> {
    let (cells, w, days) = period_setup(input, p)?;
    let result = emerging_hotspots(
        &cells.grid,
        &input.incidents.incidents,
        &w,
        days * crate::time::DAY,
        p.start,
        p.time_steps,
        p.alpha,
        p.fdr,
    )?;
    Ok(EmergingStudy {
        cells,
        params: p.clone(),
        days,
        result,
    })
}

impl EmergingStudy {
    /// The files written.
    pub fn files(_p: &PeriodStudyParams) -> Vec<String> {
        stem_files("emerging", &["emerging.png"])
    }

    /// Time steps and cells per category.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        let mut s = String::new();
        if let (Some(first), Some(last)) = (r.gi.periods.first(), r.gi.periods.last()) {
            s.push_str(&format!(
                "{} time steps of {} days, {} to {} (exclusive){}\n",
                r.gi.periods.len(),
                self.days,
                crate::time::format(first.0, crate::TimePrecision::Day),
                crate::time::format(last.1, crate::TimePrecision::Day),
                if r.excluded_before_first_step > 0 {
                    format!(
                        "; {} incidents before the first complete step left out",
                        r.excluded_before_first_step
                    )
                } else {
                    String::new()
                }
            ));
        }
        s.push_str(&counts_text(&r.counts));
        s
    }
}

impl Export for EmergingStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(period_params("emerging", p, self.days), None));
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("mk_tau", Col::F(r.tau.clone())),
            ("mk_p", Col::F(r.tau_p.clone())),
        ];
        s.write_cells(out, "emerging", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let pal = PERIOD_PALETTE;
        let mut cats = Vec::new();
        for (k, cl) in EmergingClass::ALL.iter().enumerate() {
            let col = match k {
                0 => pal[0],
                1..=8 => [
                    pal[1], pal[1], pal[2], pal[2], pal[3], pal[3], pal[4], pal[4],
                ][k - 1],
                _ => [
                    pal[5], pal[5], pal[6], pal[6], pal[7], pal[7], pal[8], pal[8],
                ][k - 9],
            };
            // distinguish neighbours with a slight shade
            let shade = if k % 2 == 0 && k > 0 { 30 } else { 0 };
            cats.push((
                [
                    col[0].saturating_sub(shade),
                    col[1].saturating_sub(shade),
                    col[2].saturating_sub(shade),
                    255,
                ],
                cl.label().to_string(),
            ));
        }
        let title = vec![
            "Emerging hot spot analysis".to_string(),
            format!(
                "{} time steps of {} days; {}",
                r.gi.used.len(),
                self.days,
                s.grid_line()
            ),
            format!(
                "space-time Gi* ({} previous step(s)) p < {}{}, Mann-Kendall trend",
                p.time_steps,
                p.alpha,
                if p.fdr { " FDR" } else { "" }
            ),
        ];
        let labels = cats.iter().map(|c| c.1.clone()).collect();
        styled_map(
            out,
            "emerging",
            "emerging.png",
            &s.map(
                &s.grid.to_full(&v),
                title,
                "category",
                ColourScale::Categories(cats),
            )?,
            crate::export::qml::ClassedField {
                values: Some(labels),
                ..column("category")
            },
        )?;
        s.write_summary(
            out,
            "emerging",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}

// ---------------------------------------------------------------- any layer

/// Settings of [`layer`].
#[derive(Debug, Clone, Serialize)]
pub struct LayerStudyParams {
    /// Numeric property to test (or, with incidents, the name of the count column).
    pub value: String,
    /// With incidents: metres within which an incident counts for a point or line
    /// feature (0 = inside polygons only).
    pub tolerance: f64,
    /// Neighbours between feature centroids (a grid's queen band does not apply).
    pub weights: WeightsSpec,
    /// Gi* permutations, seed, FDR (the permutations and seed serve Local Moran too).
    pub gistar: GiStarParams,
}

/// Gi* and Local Moran per feature of a layer: `layer.csv`, `layer.geojson`,
/// `layer_value.png`, `layer_gistar.png`, `layer_moran.png`, `layer.json`.
#[derive(Debug, Clone)]
pub struct LayerStudy {
    /// The layer.
    pub layer: Layer,
    /// Settings.
    pub params: LayerStudyParams,
    /// The tested value per feature.
    pub values: Vec<f64>,
    /// Incidents counted per feature (when counted).
    pub counted: Option<FeatureCounts>,
    /// Gi* per feature.
    pub gistar: GiStarResult,
    /// Local Moran per feature.
    pub moran: LocalMoranResult,
    /// With incidents: the temporal signature of each feature's incidents (the
    /// incidents counted for it; [`group_signatures`] with its defaults).
    pub signatures: Option<SignatureColumns>,
    /// File name of the layer (map titles).
    pub name: String,
    inputs: Vec<InputFile>,
}

/// Gi* and Local Moran on a layer's numeric property, or on incidents counted per
/// feature (nearest feature within the tolerance, inside for polygons).
pub fn layer(
    layer: &StudyLayer,
    incidents: Option<&IncidentInput>,
    p: &LayerStudyParams,
) -> Result<LayerStudy> {
    let l = &layer.layer;
    let name = layer
        .source
        .as_ref()
        .map(|s| {
            std::path::Path::new(&s.path)
                .file_name()
                .map_or(s.path.clone(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| l.name.clone());
    let mut counted = None;
    let mut signatures = None;
    let values: Vec<f64> = match incidents {
        Some(inc) => {
            let fc = count_in_features(&l.geometries, &inc.incidents.xy, p.tolerance, None)?;
            let v = fc.counts.clone();
            counted = Some(fc);
            let of = crate::when::incidents::feature_of_points(
                &l.geometries,
                &inc.incidents.xy,
                p.tolerance,
            );
            signatures = Some(group_signatures(
                &inc.incidents,
                &of,
                l.len(),
                inc.time_zone.as_ref(),
                &SignatureParams::default(),
            )?);
            v
        }
        None => (0..l.len())
            .map(|i| {
                l.property_str(i, &p.value)
                    .and_then(|v| v.trim().trim_matches('"').parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::Data(format!("{name}: feature {i} has no numeric '{}'", p.value))
                    })
            })
            .collect::<Result<_>>()?,
    };
    let pts = l.representative_points();
    let w = crate::hotspot::point_weights(&pts, &p.weights, None)?;
    let gistar = gi_star(&values, &w, &p.gistar)?;
    let moran = local_moran(
        &values,
        &w,
        &LocalMoranParams::new()
            .permutations(p.gistar.permutations)
            .seed(p.gistar.seed),
    )?;
    let mut inputs: Vec<InputFile> = layer.source.iter().cloned().collect();
    if let Some(inc) = incidents {
        inputs.extend(inc.inputs());
    }
    Ok(LayerStudy {
        layer: l.clone(),
        params: p.clone(),
        values,
        counted,
        gistar,
        moran,
        signatures,
        name,
        inputs,
    })
}

impl LayerStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "layer.geojson",
            "layer.csv",
            "layer_value.png",
            "layer_gistar.png",
            "layer_moran.png",
            "layer.json",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The counting and the result, for the terminal.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        if let Some(fc) = &self.counted {
            let n: f64 = fc.counts.iter().sum();
            s.push_str(&format!(
                "{} incidents counted in {} features; {} outside every feature, {} on a shared border (given to the lower feature index)\n",
                n, self.layer.len(), fc.outside, fc.ties
            ));
        }
        let bc = self.gistar.bin_counts;
        let sc = self.moran.significant_counts;
        s.push_str(&format!(
            "{} features: Gi* hot 99/95/90% {}/{}/{}, cold {}/{}/{}; Local Moran significant HH {} LH {} LL {} HL {}\n",
            self.layer.len(), bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], sc[0], sc[1], sc[2], sc[3]
        ));
        s
    }

    fn map(&self, title: &str, legend: &str, vals: &[f64], scale: ColourScale) -> Figure {
        Figure::FeatureMap {
            geometries: self.layer.geometries.clone(),
            values: vals.to_vec(),
            options: MapOptions {
                title: vec![
                    format!("{title}: {}", self.name),
                    format!(
                        "{} features, {}",
                        self.layer.len(),
                        self.params.weights.describe(None)
                    ),
                ],
                legend: legend.to_string(),
                scale,
                ..Default::default()
            },
        }
    }
}

impl Export for LayerStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (l, gi, lm, p) = (&self.layer, &self.gistar, &self.moran, &self.params);
        let mut prov = Provenance::new(
            json!({"analysis": "layer", "value": p.value, "tolerance_m": self.counted.as_ref().map(|_| p.tolerance), "weights": p.weights, "gistar": p.gistar}),
        )
        .with_inputs(self.inputs.iter().cloned())
        .with_crs(&l.crs);
        prov.seed = Some(p.gistar.seed);
        out.provenance(prov);
        let value_name = p.value.as_str();
        let sig = self
            .signatures
            .as_ref()
            .map(signature_cols)
            .unwrap_or_default();
        let f = features(&l.crs.working, |sink| {
            for i in 0..l.len() {
                let mut props = json_properties(&l.properties[i]);
                if self.counted.is_some() {
                    props.push((value_name, Cell::Float(self.values[i])));
                }
                let ps = gi.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let lps = lm.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                props.extend([
                    ("gi_z", Cell::Float(gi.z[i])),
                    ("gi_p", Cell::Float(gi.p[i])),
                    ("gi_p_sim", Cell::opt(ps)),
                    ("gi_bin", Cell::Int(gi.bin[i] as i64)),
                    ("lm_I", Cell::Float(lm.i[i])),
                    ("lm_p_sim", Cell::opt(lps)),
                    ("lm_quadrant", Cell::Str(lm.quadrant[i].label())),
                    ("lm_significant", Cell::Bool(lm.significant[i])),
                ]);
                props.extend(sig.iter().map(|(n, c)| (*n, c.cell(i))));
                sink.feature(&l.geometries[i], &props)?;
            }
            Ok(())
        });
        out.features("layer.geojson", &f)?;
        let mut columns = vec![
            Column::int("feature"),
            Column::float("value"),
            Column::float("gi_z"),
            Column::float("gi_p"),
            Column::float("gi_p_sim"),
            Column::int("gi_bin"),
            Column::float("lm_I"),
            Column::float("lm_p_sim"),
            Column::text("lm_quadrant"),
            Column::int("lm_significant"),
        ];
        columns.extend(sig.iter().map(|(n, c)| c.column(n)));
        let t = table(columns, |sink| {
            for i in 0..l.len() {
                let ps = gi.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let lps = lm.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let mut row = vec![
                    Cell::count(i),
                    Cell::Float(self.values[i]),
                    Cell::Float(gi.z[i]),
                    Cell::Float(gi.p[i]),
                    Cell::opt(ps),
                    Cell::Int(gi.bin[i] as i64),
                    Cell::Float(lm.i[i]),
                    Cell::opt(lps),
                    Cell::Str(lm.quadrant[i].label()),
                    Cell::Int(lm.significant[i] as i64),
                ];
                row.extend(sig.iter().map(|(_, c)| c.cell(i)));
                sink.row(&row)?;
            }
            Ok(())
        });
        out.table("layer.csv", &t)?;
        let gbins: Vec<f64> = gi.bin.iter().map(|b| *b as f64).collect();
        let quads: Vec<f64> = lm
            .quadrant
            .iter()
            .zip(&lm.significant)
            .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
            .collect();
        out.figure(
            "layer_value.png",
            &self.map(
                &format!("'{value_name}' per feature"),
                value_name,
                &self.values,
                render::auto_scale(&self.values, true),
            ),
        )?;
        let gi_map = self.map(
            "Getis-Ord Gi*",
            "Gi* confidence",
            &gbins,
            ColourScale::GiBins,
        );
        out.figure("layer_gistar.png", &gi_map)?;
        // QGIS style of layer.geojson: the Gi* map's classes (the main result)
        out.qml(
            "layer.geojson",
            &gi_map,
            &column("gi_bin"),
            crate::export::qml::SymbolKind::of(self.layer.geometries.first()),
        )?;
        out.figure(
            "layer_moran.png",
            &self.map(
                "Local Moran's I (LISA)",
                "cluster type",
                &quads,
                quad_categories(),
            ),
        )?;
        let sc = lm.significant_counts;
        let summary = json!({
            "features": l.len(),
            "value": value_name,
            "counted": self.counted,
            "weights": p.weights.describe(None),
            "gistar": {"mean": gi.mean, "sd": gi.sd, "params": gi.params, "bins": gi.bin_counts, "undefined": gi.undefined},
            "local_moran": {"significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}},
            "provenance": out.current_provenance(&["layer.json"]),
        });
        out.json("layer.json", &summary)
    }
}

// ---------------------------------------------------------------- the briefing map (issue 14)

/// Settings of [`hotspot_map`]: the one-command hot spot map.
#[derive(Debug, Clone, Serialize)]
pub struct HotspotMapParams {
    /// The cells [default cell size: the sfhotspot rule, 1/50 of the shorter side of
    /// the extent rounded down to 100 m, see [`crate::grid::Grid::default_cell_size`]].
    pub cells: CellParams,
    /// Distance band of the Gi* neighbourhood in metres [default: chosen by the rule of
    /// ArcGIS's Optimized Hot Spot Analysis, see
    /// [`crate::hotspot::incremental::choose_gistar_band_grid`]].
    pub band: Option<f64>,
    /// Benjamini–Hochberg false discovery rate control of the confidence classes
    /// [default: on, as in Optimized Hot Spot Analysis].
    pub fdr: bool,
    /// Conditional permutations for the `gi_p_sim` column (0 = none, the default: the
    /// classes come from the analytical p either way).
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

impl Default for HotspotMapParams {
    fn default() -> Self {
        HotspotMapParams {
            cells: CellParams::default(),
            band: None,
            fdr: true,
            permutations: 0,
            seed: 12345,
        }
    }
}

/// The briefing map: Gi* hot and cold spots at an automatic scale, FDR-corrected.
/// Writes `hotspots.csv`, `hotspots.geojson`, `hotspots.json` and `hotspots.png`
/// (+ `.svg`).
#[derive(Debug, Clone)]
pub struct HotspotMap {
    /// The Gi* study behind the map (cells, counts, result; `params.weights` holds the
    /// band used).
    pub study: GiStarStudy,
    /// The distance band used (m).
    pub band_m: f64,
    /// Why this band, in one sentence.
    pub band_rule: String,
    /// The automatic choice (with its incremental table); `None` when the band was given.
    pub band_choice: Option<crate::hotspot::incremental::GiStarBand>,
    /// Cells per confidence class −3…3 without FDR control (analytical p < 0.10/0.05/0.01).
    pub bins_without_fdr: [usize; 7],
    /// Cells per confidence class −3…3 with Benjamini–Hochberg FDR control.
    pub bins_with_fdr: [usize; 7],
}

/// Cells per bin −3…3.
fn bin_counts(bins: &[i8]) -> [usize; 7] {
    let mut c = [0usize; 7];
    for b in bins {
        c[((*b).clamp(-3, 3) + 3) as usize] += 1;
    }
    c
}

/// The one-command hot spot map ("Optimized Hot Spot Analysis"): counts per cell, the
/// Gi* distance band chosen from the data, Getis-Ord Gi* with FDR-corrected confidence
/// classes.
///
/// # Algorithm
/// 1. Cells: [`analysis_cells`] (cell size by the sfhotspot rule unless given).
/// 2. Band: unless given, [`crate::hotspot::incremental::choose_gistar_band_grid`]
///    (hexagons: [`crate::hotspot::incremental::choose_gistar_band`] on their centres):
///    the first significant peak of the incremental global Moran's I z, else the mean
///    distance to the K-th nearest neighbour (ArcGIS, *How Optimized Hot Spot Analysis
///    works*, "Scale of analysis").
/// 3. Gi* ([`crate::hotspot::gi_star`]) with binary weights `d ≤ band` (self included,
///    as Gi*), two-sided analytical p, classes at 90/95/99 % with Benjamini–Hochberg
///    FDR control when `fdr` (ArcGIS's Optimized Hot Spot Analysis applies FDR).
///
/// Both class counts (with and without FDR) are returned so a report can say what the
/// correction removed.
///
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::study::{hotspots, IncidentInput};
///
/// let city = generate(&DemoParams::new(1).incidents(3000).size(3000.0))?;
/// let input = hotspots::HotspotInput::new(IncidentInput::in_memory(city.incidents));
/// let m = hotspots::hotspot_map(&input, &hotspots::HotspotMapParams::default())?;
/// assert!(m.band_m > 0.0);
/// // FDR control never adds significant cells
/// let sig = |b: &[usize; 7]| b.iter().sum::<usize>() - b[3];
/// assert!(sig(&m.bins_with_fdr) <= sig(&m.bins_without_fdr));
/// assert_eq!(m.study.result.bin_counts, m.bins_with_fdr);
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// As [`gistar`]; [`Error::Param`] for a band that is not a positive number.
pub fn hotspot_map(input: &HotspotInput, p: &HotspotMapParams) -> Result<HotspotMap> {
    let cells = analysis_cells(input, &p.cells)?;
    let (counts, _) = cells.counts(&input.incidents.incidents)?;
    let (band_m, band_rule, band_choice) = match p.band {
        Some(b) if b.is_finite() && b > 0.0 => (b, format!("distance band {b} m (given)"), None),
        Some(b) => {
            return Err(Error::Param(format!(
                "distance band {b}: must be a positive number of metres"
            )))
        }
        None => {
            let c = match &cells.hex {
                None => crate::hotspot::incremental::choose_gistar_band_grid(&cells.grid, &counts)?,
                Some(h) => crate::hotspot::incremental::choose_gistar_band(&h.centres(), &counts)?,
            };
            (c.distance, c.explanation.clone(), Some(c))
        }
    };
    let gp = GiStarStudyParams {
        cells: p.cells.clone(),
        weights: WeightsSpec::DistanceBand {
            radius: Some(band_m),
        },
        gistar: GiStarParams::new()
            .permutations(p.permutations)
            .seed(p.seed)
            .fdr(p.fdr),
    };
    let w = cells.spatial_weights(&gp.weights)?;
    let result = gi_star(&counts, &w, &gp.gistar)?;
    let plain = crate::hotspot::gistar::confidence_bins(&result.z, &result.p, false);
    let fdr = crate::hotspot::gistar::confidence_bins(&result.z, &result.p, true);
    let signatures = cells.signatures(&input.incidents)?;
    Ok(HotspotMap {
        bins_without_fdr: bin_counts(&plain),
        bins_with_fdr: bin_counts(&fdr),
        study: GiStarStudy {
            cells,
            params: gp,
            counts,
            result,
            signatures,
        },
        band_m,
        band_rule,
        band_choice,
    })
}

impl HotspotMap {
    /// The files written.
    pub fn files() -> Vec<String> {
        stem_files("hotspots", &["hotspots.png", "hotspots.svg"])
    }

    /// The result in a few lines: cell, band, classes with and without FDR.
    pub fn summary_text(&self) -> String {
        let line = |b: &[usize; 7]| {
            format!(
                "hot 99% {} / 95% {} / 90% {}; cold 99% {} / 95% {} / 90% {}",
                b[6], b[5], b[4], b[0], b[1], b[2]
            )
        };
        let (shown, other) = if self.study.params.gistar.fdr {
            (
                format!("with FDR control: {}", line(&self.bins_with_fdr)),
                format!("without FDR:      {}", line(&self.bins_without_fdr)),
            )
        } else {
            (
                format!("without FDR:      {}", line(&self.bins_without_fdr)),
                format!("with FDR control: {}", line(&self.bins_with_fdr)),
            )
        };
        format!(
            "cell {} m; {}\nGi* {shown}\n    ({other})\n",
            self.study.cells.cell(),
            self.band_rule
        )
    }

    /// Title, subtitle (plain words) and footnote lines (technical) of the map.
    fn title(&self) -> Vec<String> {
        let s = &self.study.cells;
        let fdr = self.study.params.gistar.fdr;
        let what = s.value_label();
        // the area: the boundary's file name, when there is one
        let area = s
            .inputs
            .iter()
            .find(|i| i.role == "boundary")
            .and_then(|i| {
                std::path::Path::new(&i.path)
                    .file_stem()
                    .map(|f| format!(" in {}", f.to_string_lossy()))
            })
            .unwrap_or_default();
        let mut t = vec![
            format!("Hot and cold spots of {what}{area}"),
            format!(
                "{} {what} in {} cells of {} m. A hot (cold) spot is a cell whose surroundings within {:.0} m hold significantly more (fewer) {what} than the area as a whole{}.",
                fmt_count(s.n_incidents),
                s.len(),
                s.cell(),
                self.band_m,
                if fdr {
                    ", corrected for testing many cells at once"
                } else {
                    " (not corrected for testing many cells at once)"
                }
            ),
            format!(
                "Getis-Ord Gi* with binary distance-band weights d <= {:.1} m (self included), two-sided analytical p; {}",
                self.band_m,
                if fdr {
                    "classes with Benjamini-Hochberg false discovery rate control"
                } else {
                    "classes without false discovery rate control"
                }
            ),
            format!("Scale: {}", self.band_rule),
            format!("Cells: {}", s.describe_grid()),
        ];
        if let Some(b) = &s.weight_name {
            t.push(format!("Incidents weighted by the column {b:?}"));
        }
        t
    }
}

/// An integer with thousands separators (1,234).
fn fmt_count(n: usize) -> String {
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

impl Export for HotspotMap {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let st = &self.study;
        let (s, r, p) = (&st.cells, &st.result, &st.params);
        out.provenance(s.provenance(
            json!({"analysis": "hotspots map", "cells": p.cells, "gistar": p.gistar, "weights": p.weights, "band_m": self.band_m, "band_rule": self.band_rule}),
            Some(p.gistar.seed),
        ));
        s.write_cells(out, "hotspots", &st.cell_cols(), None)?;
        let bins: Vec<f64> = r.bin.iter().map(|b| *b as f64).collect();
        styled_map(
            out,
            "hotspots",
            "hotspots.png",
            &s.map(
                &s.full(&bins),
                self.title(),
                "Hot and cold spots (confidence)",
                ColourScale::GiBins,
            )?,
            column("gi_bin"),
        )?;
        let counts = |b: &[usize; 7]| json!({"-3": b[0], "-2": b[1], "-1": b[2], "0": b[3], "1": b[4], "2": b[5], "3": b[6]});
        let summary = json!({
            "n": r.n, "mean": r.mean, "sd": r.sd,
            "cell_m": s.cell(),
            "band_m": self.band_m,
            "band_rule": self.band_rule,
            "band_choice": self.band_choice,
            "fdr": p.gistar.fdr,
            "bins": counts(&r.bin_counts),
            "bins_with_fdr": counts(&self.bins_with_fdr),
            "bins_without_fdr": counts(&self.bins_without_fdr),
            "undefined": r.undefined,
            "conventions": "z: ArcGIS/esda G_Local(star=True, transform='B'), population variance, empty cells included; p two-sided analytical; classes 90/95/99 % (Benjamini-Hochberg FDR when fdr)",
        });
        s.write_summary(out, "hotspots", summary)
    }
}
