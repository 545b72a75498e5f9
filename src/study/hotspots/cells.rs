//! The analysis cells shared by the hot spot studies: the grid or hexagons, the
//! boundary clip, the map overlays, the weights, the output columns and maps.

use std::path::Path;

use super::*;
use crate::crs::Crs;
use crate::io::LayerOptions;
use crate::study::load::IncidentLoad;

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

impl CellParams {
    /// Refuses hexagonal cells for an analysis on square cells only (`what`: the
    /// analysis in words, e.g. "change").
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (`hex`) when [`hex`](Self::hex) is set.
    pub fn require_square(&self, what: &str) -> Result<()> {
        match self.hex {
            true => Err(hex_refused(what)),
            false => Ok(()),
        }
    }
}

/// The error of hexagonal cells asked for an analysis on square cells only.
fn hex_refused(what: &str) -> Error {
    Error::invalid_switch(
        "hex",
        format!("hexagonal cells are not available for {what}; use square cells"),
    )
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

    /// With `boundary` polygons (in the [working CRS](Self::working_crs)).
    pub fn with_boundary(mut self, boundary: Option<StudyLayer>) -> Self {
        self.boundary = boundary;
        self
    }

    /// With the `overlay` layer drawn on the maps (in the [working CRS](Self::working_crs)).
    pub fn with_overlay(mut self, overlay: Option<StudyLayer>) -> Self {
        self.overlay = overlay;
        self
    }

    /// The incidents' working CRS, in which the boundary, the overlay and any second
    /// layer are read.
    pub fn working_crs(&self) -> &Crs {
        &self.incidents.incidents.crs.working
    }

    /// Options that read a layer (boundary, overlay) of CRS `crs` (its crs member or
    /// EPSG:4326 when `None`) in the incidents' [working CRS](Self::working_crs).
    pub fn layer_options(&self, crs: Option<Crs>) -> LayerOptions {
        LayerOptions {
            crs,
            target: Some(self.working_crs().clone()),
            ..LayerOptions::default()
        }
    }

    /// How a second point file (the population of a dual KDE) is read beside the
    /// incidents: CRS `crs` (detected when `None`), projected to their
    /// [working CRS](Self::working_crs) ([`IncidentLoad::second_file`]).
    pub fn second_load(&self, crs: Option<Crs>) -> IncidentLoad {
        IncidentLoad::second_file(crs, Some(self.working_crs().clone()))
    }

    /// Reads the boundary polygons from `path` (CRS `crs`, see
    /// [`layer_options`](Self::layer_options)) in the incidents' working CRS.
    pub fn load_boundary(self, path: impl AsRef<Path>, crs: Option<Crs>) -> Result<Self> {
        let b = StudyLayer::load(path, &self.layer_options(crs), "boundary")?;
        Ok(self.with_boundary(Some(b)))
    }

    /// Reads the overlay drawn on the maps from `path` (CRS `crs`) in the incidents'
    /// working CRS.
    pub fn load_overlay(self, path: impl AsRef<Path>, crs: Option<Crs>) -> Result<Self> {
        let o = StudyLayer::load(path, &self.layer_options(crs), "overlay")?;
        Ok(self.with_overlay(Some(o)))
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
    pub(super) rows_read: u64,
    pub(super) accepted: u64,
    pub(super) crs: CrsChoice,
    pub(super) inputs: Vec<InputFile>,
}

/// Weights from a numeric incident column.
pub fn weight_column(inc: &Incidents, col: &str) -> Result<Vec<f64>> {
    let c = inc.attr(col).ok_or_else(|| {
        Error::invalid_param(
            "weight",
            format!("{col:?}"),
            format!("no such column; columns are: {}", inc.attr_names.join(", ")),
        )
    })?;
    (0..inc.len())
        .map(|i| {
            let s = c.get(i).trim();
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::invalid(
                        "incidents",
                        format!("weight column {col:?}, row {}", inc.row[i]),
                        format!("{s:?}"),
                        "not a number",
                    )
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
        let polys = b.boundary_polygons()?;
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
pub(super) enum Col {
    F(Vec<f64>),
    I(Vec<i64>),
    S(Vec<String>),
}

impl Col {
    pub(super) fn cell(&self, k: usize) -> Cell<'_> {
        match self {
            Col::F(v) => Cell::opt(v[k]),
            Col::I(v) => Cell::Int(v[k]),
            Col::S(v) => Cell::Str(&v[k]),
        }
    }
    pub(super) fn column(&self, name: &str) -> Column {
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
        match self.hex {
            Some(_) => Err(hex_refused(what)),
            None => Ok(()),
        }
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

    pub(super) fn provenance(&self, params: Value, seed: Option<u64>) -> Provenance {
        let mut p = Provenance::new(params).with_inputs(self.inputs.iter().cloned());
        p.crs = Some(self.crs.clone());
        p.seed = seed;
        p
    }

    /// Id, column, row, centre and polygon of analysis cell `k`.
    pub(super) fn cell_geometry(
        &self,
        k: usize,
    ) -> (usize, usize, usize, [f64; 2], geo::Polygon<f64>) {
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
    pub(super) fn write_cells(
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
    pub(super) fn map(
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
    pub(super) fn write_summary(&self, out: &mut Outputs, stem: &str, result: Value) -> Result<()> {
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
        group_signatures(
            inc,
            |i| self.position_of(inc.xy[i]),
            self.len(),
            input.time_zone.as_ref(),
            &SignatureParams::default(),
        )
    }
}

/// The signature columns of a cell output: `night_share`, `weekend_night_share`,
/// `peak_hour_of_week`, `time_profile_p` (statistics, not counts).
pub(super) fn signature_cols(s: &SignatureColumns) -> Vec<(&'static str, Col)> {
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

pub(super) const QUAD_COLOURS: [(Rgba, &str); 5] = [
    ([230, 230, 230, 255], "not significant"),
    ([202, 0, 32, 255], "HH (hot cluster)"),
    ([146, 197, 222, 255], "LH (low among high)"),
    ([5, 113, 176, 255], "LL (cold cluster)"),
    ([244, 165, 130, 255], "HL (high among low)"),
];

pub(super) fn quad_categories() -> ColourScale {
    ColourScale::Categories(
        QUAD_COLOURS
            .iter()
            .map(|(c, l)| (*c, l.to_string()))
            .collect(),
    )
}
/// `<stem>.csv`, `<stem>.geojson`, `<stem>.json` and the given figures.
pub(super) fn stem_files(stem: &str, figures: &[&str]) -> Vec<String> {
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
pub(super) fn styled_map(
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

pub(super) fn column(name: &str) -> crate::export::qml::ClassedField {
    crate::export::qml::ClassedField::column(name)
}

/// A local statistic of the counts per analysis cell (Gi*: [`GiStarStudy`], Local
/// Moran: [`MoranStudy`]): the cells, the settings, the counts and the per-cell result,
/// with the temporal signature columns.
#[derive(Debug, Clone)]
pub struct CellStudy<P, R> {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: P,
    /// Counts (or weight sums) per analysis cell.
    pub counts: Vec<f64>,
    /// The statistic per analysis cell.
    pub result: R,
    /// Temporal signature per analysis cell ([`AnalysisCells::signatures`]).
    pub signatures: SignatureColumns,
}

impl<P: Clone, R> CellStudy<P, R> {
    /// Builds the cells, counts the incidents, builds the neighbours and runs `stat`
    /// on the counts.
    pub(super) fn run(
        input: &HotspotInput,
        cells: &CellParams,
        weights: &WeightsSpec,
        params: &P,
        stat: impl FnOnce(&[f64], &Weights) -> Result<R>,
    ) -> Result<Self> {
        let cells = analysis_cells(input, cells)?;
        let (counts, _) = cells.counts(&input.incidents.incidents)?;
        let w = cells.spatial_weights(weights)?;
        let result = stat(&counts, &w)?;
        let signatures = cells.signatures(&input.incidents)?;
        Ok(CellStudy {
            cells,
            params: params.clone(),
            counts,
            result,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::study::IncidentInput;

    fn input() -> HotspotInput {
        let city = generate(&DemoParams::new(1).incidents(300).size(1500.0)).unwrap();
        HotspotInput::new(IncidentInput::in_memory(city.incidents))
    }

    #[test]
    fn require_square_refuses_hex() {
        let p = CellParams {
            hex: true,
            ..CellParams::default()
        };
        let e = p.require_square("change").unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "hex", .. }), "{e}");
        assert!(e.to_string().contains("not available for change"), "{e}");
        assert!(
            !e.to_string().contains("--"),
            "the library names no flag: {e}"
        );
        assert!(CellParams::default().require_square("change").is_ok());
    }

    #[test]
    fn square_only_is_the_same_check_on_built_cells() {
        let input = input();
        let hex = CellParams {
            hex: true,
            ..CellParams::default()
        };
        let cells = analysis_cells(&input, &hex).unwrap();
        let e = cells.square_only("change").unwrap_err();
        assert_eq!(
            e.to_string(),
            hex.require_square("change").unwrap_err().to_string()
        );
        let square = analysis_cells(&input, &CellParams::default()).unwrap();
        assert!(square.square_only("change").is_ok());
    }

    #[test]
    fn layer_options_and_second_load_read_in_the_working_crs() {
        let input = input();
        let working = input.incidents.incidents.crs.working.clone();
        assert_eq!(input.working_crs(), &working);
        let o = input.layer_options(None);
        assert_eq!((o.crs, o.target), (None, Some(working.clone())));
        let l = input.second_load(Some(working.clone()));
        assert_eq!(l.options.target_crs, Some(working.clone()));
        assert_eq!(l.options.crs, Some(working));
    }

    #[test]
    fn load_boundary_clips_the_cells_and_records_the_file() {
        let input = input();
        let xy = &input.incidents.incidents.xy;
        let (x0, y0) = (xy.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min), 0.0);
        let y0 = xy
            .iter()
            .map(|p| p[1])
            .fold(f64::INFINITY, f64::min)
            .max(y0);
        let (x1, y1) = (x0 + 700.0, y0 + 700.0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("boundary.geojson");
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y0}]]]}}}}]}}"#
            ),
        )
        .unwrap();
        let crs = Some(input.working_crs().clone());
        let input = input.load_boundary(&path, crs.clone()).unwrap();
        assert!(input.overlay.is_none());
        let b = input.boundary.as_ref().unwrap();
        assert_eq!(b.source.as_ref().unwrap().role, "boundary");
        let cells = analysis_cells(&input, &CellParams::default()).unwrap();
        assert!(cells.clip.is_some());
        let all = analysis_cells(&input.clone().with_boundary(None), &CellParams::default());
        assert!(cells.len() < all.unwrap().len());
        let input = input.load_overlay(&path, crs).unwrap();
        assert_eq!(input.overlay.unwrap().source.unwrap().role, "overlay");
        assert!(HotspotInput::new(input.incidents)
            .load_boundary(dir.path().join("missing.geojson"), None)
            .is_err());
    }
}
