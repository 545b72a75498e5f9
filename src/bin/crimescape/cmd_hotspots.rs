//! `crimescape hotspots ...`: grid counts, kernel density, Gi*, Local Moran and
//! change over time, written as GeoJSON polygons (EPSG:4326), CSV, PNG maps and a
//! JSON summary, each with provenance.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use crimescape::hotspot::change::{emerging_hotspots, EmergingClass};
use crimescape::hotspot::kde::{Bandwidth, DualMode, Evaluation, KdeParams, Kernel};
use crimescape::hotspot::{
    build_grid, build_hex, classify_periods, count_change, count_in_features, dual_kde, gi_star,
    grid_counts, grid_weights, hex_counts, kde, local_moran, BinP, CellGrid, ChangeParams,
    ClassifyParams, Extent, GiStarParams, GridParams, HexCells, HotspotClass, LocalMoranParams,
    Weights, WeightsSpec,
};
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{self, ColourScale, MapOptions, Overlay, Rgba};
use crimescape::{Incidents, LoadReport, Provenance};
use serde_json::{json, Map, Value};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, spinner, write_output, LoadArgs};

/// Arguments of `crimescape hotspots`.
#[derive(Debug, Args)]
pub struct HotspotsArgs {
    #[command(subcommand)]
    pub cmd: HotspotsCmd,
}

/// The hotspot analyses.
#[derive(Debug, Subcommand)]
pub enum HotspotsCmd {
    /// Incidents per grid cell (optionally per category or weighted by a column).
    Grid(GridCmd),
    /// Kernel density (quartic, Gaussian, ...) per km² and expected count per cell;
    /// with --dual, the ratio/difference of two layers.
    Kde(KdeCmd),
    /// Getis-Ord Gi* hot and cold spots with permutation p and confidence bins.
    Gistar(GistarCmd),
    /// Local Moran's I (LISA) clusters and outliers (HH, LH, LL, HL).
    Moran(MoranCmd),
    /// Change per cell between two periods, with an exact test, and the KDE difference.
    Change(ChangeCmd),
    /// Classify cells over periods as persistent/emerging/former/intermittent hot spots (sfhotspot rules).
    Classify(PeriodCmd),
    /// Emerging hot spot analysis: Gi* per time step, Mann-Kendall trend, ArcGIS categories.
    Emerging(PeriodCmd),
    /// Gi* and Local Moran on any polygon/point/line layer with a numeric column, or on
    /// incidents counted per feature (--incidents: police beats, census blocks), with
    /// choropleth maps.
    Layer(LayerCmd),
}

/// `hotspots layer`.
#[derive(Debug, Args)]
pub struct LayerCmd {
    /// Layer file (GeoJSON; more with the gdal feature).
    pub layer: PathBuf,
    /// Numeric column to test (or, with --incidents, the name of the count column).
    #[arg(long, required_unless_present = "incidents")]
    pub value: Option<String>,
    /// Count these incidents per feature (nearest feature within --tolerance, inside
    /// for polygons) and test the counts instead of a column. Loaded with the
    /// default options; the layer is projected to the incidents' working CRS.
    #[arg(long)]
    pub incidents: Option<PathBuf>,
    /// With --incidents: metres within which an incident counts for a point or line
    /// feature (0 = inside polygons only).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// With --incidents: their CRS [default: detected as for every incident file].
    #[arg(long)]
    pub incidents_crs: Option<String>,
    /// CRS of the layer [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub crs: Option<String>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Neighbour definition between feature centroids: knn (default 8) or band/idw with --radius.
    #[arg(long, value_enum, default_value = "knn")]
    pub neighbours: NeighbourKind,
    /// Radius in metres for `band` / `idw`.
    #[arg(long)]
    pub radius: Option<f64>,
    /// Number of neighbours for `knn`.
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Distance exponent for `idw`.
    #[arg(long, default_value_t = 1.0)]
    pub power: f64,
    /// Conditional permutations (0 = none).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// Benjamini-Hochberg FDR control of the Gi* bins.
    #[arg(long)]
    pub fdr: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExtentArg {
    /// Every cell of the points' bounding box.
    Bbox,
    /// Cells intersecting the points' convex hull.
    Hull,
}

/// Options shared by every hotspot command.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Incident file (CSV/GeoJSON; more with the gdal feature).
    pub incidents: PathBuf,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Cell size in metres [default: sfhotspot rule, 1/50 of the shorter side rounded down to 100 m].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Area covered by the grid.
    #[arg(long, value_enum, default_value = "bbox")]
    pub extent: ExtentArg,
    /// Boundary polygon file: only cells intersecting it are analysed (overrides --extent);
    /// the GeoJSON cells are clipped to it.
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// CRS of the boundary file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub boundary_crs: Option<String>,
    /// Line/point layer drawn on the maps (e.g. streets).
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    /// CRS of the overlay file.
    #[arg(long)]
    pub overlay_crs: Option<String>,
    /// Numeric column to weight incidents by (e.g. a harm score) instead of counting.
    #[arg(long)]
    pub weight: Option<String>,
    /// Hexagonal cells (flat-to-flat width = --cell); grid, gistar and moran only.
    #[arg(long)]
    pub hex: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Neighbourhood options (Gi*, Local Moran, classify, emerging).
#[derive(Debug, Args)]
pub struct NeighbourArgs {
    /// Neighbour definition.
    #[arg(long, value_enum, default_value = "queen")]
    pub neighbours: NeighbourKind,
    /// Radius in metres for `band` / `idw` [default: cell*sqrt(2) / 3*cell].
    #[arg(long)]
    pub radius: Option<f64>,
    /// Number of neighbours for `knn`.
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Distance exponent for `idw`.
    #[arg(long, default_value_t = 1.0)]
    pub power: f64,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum NeighbourKind {
    /// The 8 surrounding cells (binary band of cell*sqrt(2)).
    Queen,
    /// Binary band of --radius metres.
    Band,
    /// The --k nearest cells.
    Knn,
    /// Inverse distance within --radius.
    Idw,
}

impl NeighbourArgs {
    fn spec(&self) -> Result<WeightsSpec> {
        Ok(match self.neighbours {
            NeighbourKind::Queen => WeightsSpec::DistanceBand { radius: None },
            NeighbourKind::Band => WeightsSpec::DistanceBand {
                radius: Some(self.radius.ok_or_else(|| {
                    crimescape::Error::Param("--neighbours band needs --radius".into())
                })?),
            },
            NeighbourKind::Knn => WeightsSpec::Knn { k: self.k },
            NeighbourKind::Idw => WeightsSpec::InverseDistance {
                radius: self.radius,
                power: self.power,
                scale: None,
            },
        })
    }
}

/// `hotspots grid`.
#[derive(Debug, Args)]
pub struct GridCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Also count per category (one column per category).
    #[arg(long)]
    pub by_category: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KernelArg {
    Quartic,
    Gaussian,
    Epanechnikov,
    Triangular,
    Uniform,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DualArg {
    /// incidents / second layer (e.g. per resident).
    Ratio,
    /// incidents − second layer, per km².
    Difference,
    /// share of incidents − share of the second layer, per km².
    ShareDifference,
}

/// `hotspots kde`.
#[derive(Debug, Args)]
pub struct KdeCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Kernel.
    #[arg(long, value_enum, default_value = "quartic")]
    pub kernel: KernelArg,
    /// Bandwidth in metres, or a rule: arcgis (default), scott, knn:K (adaptive).
    #[arg(long, default_value = "arcgis")]
    pub bandwidth: String,
    /// Evaluate at cell centres only, even when the bandwidth is smaller than the cell.
    #[arg(long)]
    pub centres: bool,
    /// Second point layer (e.g. population) for a dual KDE.
    #[arg(long)]
    pub dual: Option<PathBuf>,
    /// How the two surfaces are combined.
    #[arg(long, value_enum, default_value = "ratio")]
    pub dual_mode: DualArg,
}

/// `hotspots gistar`.
#[derive(Debug, Args)]
pub struct GistarCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub nb: NeighbourArgs,
    /// Conditional permutations (0 = none).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// Benjamini-Hochberg false discovery rate control of the bins.
    #[arg(long)]
    pub fdr: bool,
    /// Bins from the permutation p instead of the normal p.
    #[arg(long)]
    pub bins_from_permutations: bool,
}

/// `hotspots moran`.
#[derive(Debug, Args)]
pub struct MoranCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub nb: NeighbourArgs,
    /// Conditional permutations (0 = analytical p only).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
}

/// `hotspots change`.
#[derive(Debug, Args)]
pub struct ChangeCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    /// First day of the second period (YYYY-MM-DD); earlier incidents form the first.
    #[arg(long)]
    pub split: String,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// No false-discovery-rate control (test each cell at --alpha).
    #[arg(long)]
    pub no_fdr: bool,
    /// KDE bandwidth (m) for the density difference map [default: ArcGIS rule].
    #[arg(long)]
    pub bandwidth: Option<f64>,
}

/// `hotspots classify` / `hotspots emerging`.
#[derive(Debug, Args)]
pub struct PeriodCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub nb: NeighbourArgs,
    /// Period length in days [default: sfhotspot's rule from the time span].
    #[arg(long)]
    pub period_days: Option<i64>,
    /// Start of the first period (YYYY-MM-DD) [default: day of the first incident].
    #[arg(long)]
    pub start: Option<String>,
    /// Critical p-value.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Benjamini-Hochberg false discovery rate control (classify: over the cells of
    /// each period; emerging: over all bins of the space-time cube).
    #[arg(long)]
    pub fdr: bool,
    /// emerging: previous time steps in each bin's neighbourhood (ArcGIS's
    /// "neighborhood time step"; 0 = the same step only).
    #[arg(long, default_value_t = 1)]
    pub time_steps: usize,
}

pub fn run(a: HotspotsArgs, g: &GlobalArgs) -> Result<()> {
    match a.cmd {
        HotspotsCmd::Grid(c) => run_grid(c, g),
        HotspotsCmd::Kde(c) => run_kde(c, g),
        HotspotsCmd::Gistar(c) => run_gistar(c, g),
        HotspotsCmd::Moran(c) => run_moran(c, g),
        HotspotsCmd::Change(c) => run_change(c, g),
        HotspotsCmd::Classify(c) => run_periods(c, g, false),
        HotspotsCmd::Emerging(c) => run_periods(c, g, true),
        HotspotsCmd::Layer(c) => run_layer(c, g),
    }
}

// ---------------------------------------------------------------- shared plumbing

/// Everything a command needs after loading.
struct Setup {
    inc: Incidents,
    rep: LoadReport,
    cg: CellGrid,
    hex: Option<HexCells>,
    clip: Option<geo::MultiPolygon<f64>>,
    weights: Option<Vec<f64>>,
    overlays: Vec<Overlay>,
    prov: Provenance,
    outputs: Vec<PathBuf>,
    out: PathBuf,
}

fn setup(c: &CommonArgs, g: &GlobalArgs, params: Value) -> Result<Setup> {
    let (inc, rep) = load_incidents(&c.incidents, &c.load, g)?;
    if inc.is_empty() {
        return Err(crimescape::Error::Data(format!(
            "{}: no incident left to analyse",
            c.incidents.display()
        ))
        .into());
    }
    let mut prov = Provenance::new(params);
    prov.input_load(&c.incidents, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    let mut overlays = Vec::new();
    let mut clip = None;
    let extent = if let Some(b) = &c.boundary {
        let (layer, lrep) = load_layer(b, c.boundary_crs.as_deref(), Some(&inc.crs.working), &[])?;
        prov.input(
            b,
            "boundary",
            lrep.features_read,
            lrep.accepted,
            &lrep.sha256,
        );
        let mut polys = Vec::new();
        for geom in &layer.geometries {
            match geom {
                geo::Geometry::Polygon(p) => polys.push(p.clone()),
                geo::Geometry::MultiPolygon(m) => polys.extend(m.0.iter().cloned()),
                _ => {}
            }
        }
        if polys.is_empty() {
            return Err(crimescape::Error::Data(format!(
                "{}: no polygon in the boundary file",
                b.display()
            ))
            .into());
        }
        overlays.push(Overlay {
            geometries: layer.geometries.clone(),
            colour: render::BLACK,
            width: 2.0,
        });
        clip = Some(geo::MultiPolygon::new(polys.clone()));
        Extent::Boundary(geo::MultiPolygon::new(polys))
    } else {
        match c.extent {
            ExtentArg::Bbox => Extent::BoundingBox,
            ExtentArg::Hull => Extent::ConvexHull,
        }
    };
    if let Some(o) = &c.overlay {
        let (layer, lrep) = load_layer(o, c.overlay_crs.as_deref(), Some(&inc.crs.working), &[])?;
        prov.input(
            o,
            "overlay",
            lrep.features_read,
            lrep.accepted,
            &lrep.sha256,
        );
        overlays.insert(
            0,
            Overlay {
                geometries: layer.geometries,
                colour: [90, 90, 90, 160],
                width: 1.0,
            },
        );
    }
    let mut gp = GridParams::new().extent(extent);
    gp.cell = c.cell;
    let cg = build_grid(&inc.xy, &gp)?;
    let hex = if c.hex {
        Some(build_hex(&inc.xy, &gp)?)
    } else {
        None
    };
    let weights = match &c.weight {
        None => None,
        Some(col) => Some(weight_column(&inc, col)?),
    };
    if !g.quiet {
        match &hex {
            None => eprintln!(
                "grid: {} x {} cells of {} m ({}), {} in the analysis ({})",
                cg.grid.ncols,
                cg.grid.nrows,
                cg.grid.cell,
                cg.cell_size_rule,
                cg.len(),
                cg.extent_rule
            ),
            Some(h) => eprintln!(
                "hexagons of {} m flat-to-flat ({}), {} in the analysis ({})",
                h.grid.size,
                h.cell_size_rule,
                h.len(),
                h.extent_rule
            ),
        }
    }
    std::fs::create_dir_all(&c.out).with_context(|| format!("creating {}", c.out.display()))?;
    Ok(Setup {
        inc,
        rep,
        cg,
        hex,
        clip,
        weights,
        overlays,
        prov,
        outputs: Vec::new(),
        out: c.out.clone(),
    })
}

fn weight_column(inc: &Incidents, col: &str) -> Result<Vec<f64>> {
    let c = inc.attr(col).ok_or_else(|| {
        crimescape::Error::Param(format!(
            "--weight {col}: no such column; columns are: {}",
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
                    crimescape::Error::Data(format!(
                        "--weight {col}: row {} has {s:?}, not a number",
                        inc.row[i]
                    ))
                    .into()
                })
        })
        .collect()
}

/// One output column.
enum Col {
    F(Vec<f64>),
    I(Vec<i64>),
    S(Vec<String>),
}

impl Col {
    fn csv(&self, k: usize) -> String {
        match self {
            Col::F(v) if v[k].is_finite() => format!("{}", v[k]),
            Col::F(_) => String::new(),
            Col::I(v) => v[k].to_string(),
            Col::S(v) => v[k].clone(),
        }
    }
    fn json(&self, k: usize) -> Value {
        match self {
            Col::F(v) if v[k].is_finite() => json!(v[k]),
            Col::F(_) => Value::Null,
            Col::I(v) => json!(v[k]),
            Col::S(v) => json!(v[k]),
        }
    }
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    fn write(&mut self, p: PathBuf, bytes: &[u8], g: &GlobalArgs) -> Result<()> {
        write_output(&p, bytes, g)?;
        self.outputs.push(p);
        Ok(())
    }

    /// Writes `<stem>.csv` and `<stem>.geojson` with one row/feature per
    /// analysis cell (`keep` filters GeoJSON features only).
    fn write_cells(
        &mut self,
        stem: &str,
        cols: &[(&str, Col)],
        keep: Option<&dyn Fn(usize) -> bool>,
        g: &GlobalArgs,
    ) -> Result<()> {
        let n = self.n();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["cell_id", "col", "row", "x_center", "y_center"];
        header.extend(cols.iter().map(|c| c.0));
        w.write_record(&header)?;
        let mut fc = FeatureCollectionWriter::new(&self.inc.crs.working)?;
        for k in 0..n {
            let (id, col, row, c, poly) = match &self.hex {
                None => {
                    let id = self.cg.cells[k];
                    let (c, r) = self.cg.grid.col_row(id);
                    (
                        id,
                        c,
                        r,
                        self.cg.grid.centre(id),
                        self.cg.grid.cell_polygon(id),
                    )
                }
                Some(h) => {
                    let id = h.cells[k];
                    let nc = h.grid.ncols;
                    (id, id % nc, id / nc, h.grid.centre(id), h.grid.polygon(id))
                }
            };
            let mut rec = vec![
                id.to_string(),
                col.to_string(),
                row.to_string(),
                c[0].to_string(),
                c[1].to_string(),
            ];
            rec.extend(cols.iter().map(|x| x.1.csv(k)));
            w.write_record(&rec)?;
            if keep.is_none_or(|f| f(k)) {
                let mut props = Map::new();
                props.insert("cell_id".into(), json!(id));
                props.insert("col".into(), json!(col));
                props.insert("row".into(), json!(row));
                for (name, v) in cols {
                    props.insert((*name).into(), v.json(k));
                }
                let geom = match &self.clip {
                    None => geo::Geometry::Polygon(poly),
                    Some(b) => {
                        use geo::BooleanOps;
                        geo::Geometry::MultiPolygon(poly.intersection(b))
                    }
                };
                fc.push(&geom, props)?;
            }
        }
        let csv_bytes = w.into_inner()?;
        self.write(self.path(&format!("{stem}.csv")), &csv_bytes, g)?;
        let gj = fc.finish();
        self.write(self.path(&format!("{stem}.geojson")), &gj, g)?;
        Ok(())
    }

    /// Number of analysis cells.
    fn n(&self) -> usize {
        self.hex.as_ref().map_or(self.cg.len(), |h| h.len())
    }

    /// Per-cell values on the full square grid or on all hexagons, NaN elsewhere.
    fn full(&self, v: &[f64]) -> Vec<f64> {
        match &self.hex {
            None => self.cg.to_full(v),
            Some(h) => h.to_full(v),
        }
    }

    /// Counts (or weight sums) per analysis cell.
    fn counts(&self) -> Result<(Vec<f64>, usize)> {
        Ok(match &self.hex {
            None => self.cg.counts(&self.inc.xy, self.weights.as_deref())?,
            Some(h) => h.counts(&self.inc.xy, self.weights.as_deref())?,
        })
    }

    /// Spatial weights between the analysis cells.
    fn spatial_weights(&self, spec: &WeightsSpec) -> Result<Weights> {
        Ok(match &self.hex {
            None => grid_weights(&self.cg, spec)?,
            Some(h) => h.weights(spec)?,
        })
    }

    /// Refuses --hex for analyses on square grids only.
    fn square_only(&self, what: &str) -> Result<()> {
        if self.hex.is_some() {
            return Err(crimescape::Error::Param(format!(
                "--hex is not available for {what}; use square cells"
            ))
            .into());
        }
        Ok(())
    }

    fn map(
        &mut self,
        name: &str,
        values_full: &[f64],
        title: Vec<String>,
        legend: &str,
        scale: ColourScale,
        g: &GlobalArgs,
    ) -> Result<()> {
        let opts = MapOptions {
            title,
            legend: legend.into(),
            scale,
            overlays: self.overlays.clone(),
            size: 800,
        };
        let png = match &self.hex {
            None => render::grid_map(&self.cg.grid, values_full, &opts)?,
            Some(h) => {
                let (rg, rv) = h.grid.rasterise(values_full, 800)?;
                render::grid_map(&rg, &rv, &opts)?
            }
        };
        self.write(self.path(name), &png, g)
    }

    /// Writes the JSON summary and provenance beside every output.
    fn finish(mut self, stem: &str, result: Value, g: &GlobalArgs) -> Result<()> {
        let sp = self.path(&format!("{stem}.json"));
        self.outputs.push(sp.clone());
        self.prov.outputs = self
            .outputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let grid = match &self.hex {
            None => serde_json::to_value(&self.cg)?,
            Some(h) => json!({ "hexagons": h }),
        };
        let summary = json!({
            "analysis": stem,
            "grid": grid,
            "incidents": {"rows_read": self.rep.rows_read, "accepted": self.rep.accepted, "analysed": self.inc.len()},
            "result": result,
            "provenance": self.prov,
        });
        write_output(&sp, &serde_json::to_vec_pretty(&summary)?, g)?;
        for p in &self.outputs {
            self.prov.write_beside(p, g.force)?;
        }
        Ok(())
    }

    fn grid_line(&self) -> String {
        match &self.hex {
            None => format!(
                "{} cells of {} m ({}), {} incidents",
                self.cg.len(),
                self.cg.grid.cell,
                self.cg.extent_rule,
                self.inc.len()
            ),
            Some(h) => format!(
                "{} hexagons of {} m ({}), {} incidents",
                h.len(),
                h.grid.size,
                h.extent_rule,
                self.inc.len()
            ),
        }
    }

    /// Describes the weights as used (hexagons: the default band is the hexagon width).
    fn describe(&self, spec: &WeightsSpec) -> String {
        match (&self.hex, spec) {
            (Some(h), WeightsSpec::DistanceBand { radius: None }) => format!(
                "binary distance band d <= {} m (the 6 adjacent hexagons)",
                h.grid.size
            ),
            _ => spec.describe(Some(self.cell())),
        }
    }

    /// Cell size (square side or hexagon width).
    fn cell(&self) -> f64 {
        self.hex.as_ref().map_or(self.cg.grid.cell, |h| h.grid.size)
    }
}

fn counts_of(s: &Setup) -> Result<(Vec<f64>, usize)> {
    s.counts()
}

fn value_label(c: &CommonArgs) -> String {
    match &c.weight {
        Some(w) => format!("sum of {w}"),
        None => "incidents".into(),
    }
}

// ---------------------------------------------------------------- commands

fn run_grid(c: GridCmd, g: &GlobalArgs) -> Result<()> {
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": "grid", "cell_m": c.common.cell, "by_category": c.by_category, "weight": c.common.weight}),
    )?;
    let gc = match &s.hex {
        None => grid_counts(&s.cg, &s.inc, s.weights.as_deref(), c.by_category)?,
        Some(h) => hex_counts(h, &s.inc, s.weights.as_deref(), c.by_category)?,
    };
    let mut cols = vec![("count", Col::F(gc.total.clone()))];
    let names: Vec<String> = gc
        .by_category
        .iter()
        .map(|(n, _)| format!("n_{n}"))
        .collect();
    for (k, (_, v)) in gc.by_category.iter().enumerate() {
        cols.push((names[k].as_str(), Col::F(v.clone())));
    }
    s.write_cells("counts", &cols, None, g)?;
    let full = s.full(&gc.total);
    let title = vec![
        format!("{} per cell", value_label(&c.common)),
        s.grid_line(),
    ];
    s.map(
        "counts.png",
        &full,
        title,
        &format!("{} per cell", value_label(&c.common)),
        render::auto_scale(&full, true),
        g,
    )?;
    let max = gc.total.iter().copied().fold(0.0, f64::max);
    if !g.quiet {
        println!(
            "{} in {} cells ({} non-empty, max {max}); {} outside the analysis cells",
            gc.sum,
            s.n(),
            gc.non_empty,
            gc.outside
        );
    }
    let cats: Vec<Value> = gc
        .by_category
        .iter()
        .map(|(n, v)| json!({"category": n, "total": v.iter().sum::<f64>(), "non_empty": v.iter().filter(|x| **x > 0.0).count()}))
        .collect();
    s.finish(
        "counts",
        json!({"sum": gc.sum, "non_empty": gc.non_empty, "outside": gc.outside, "max": max, "categories": cats}),
        g,
    )
}

fn parse_bandwidth(s: &str) -> Result<Bandwidth> {
    let t = s.trim().to_ascii_lowercase();
    Ok(match t.as_str() {
        "arcgis" | "default" => Bandwidth::ArcGis,
        "scott" | "nrd" => Bandwidth::Scott,
        _ => {
            if let Some(k) = t.strip_prefix("knn:") {
                Bandwidth::Adaptive {
                    k: k.parse().map_err(|_| {
                        crimescape::Error::Param(format!(
                            "--bandwidth {s}: knn:K needs an integer K"
                        ))
                    })?,
                }
            } else {
                let h: f64 = t.trim_end_matches('m').parse().map_err(|_| {
                    crimescape::Error::Param(format!(
                        "--bandwidth {s}: give metres, arcgis, scott or knn:K"
                    ))
                })?;
                Bandwidth::Fixed { h }
            }
        }
    })
}

fn kernel_of(k: KernelArg) -> Kernel {
    match k {
        KernelArg::Quartic => Kernel::Quartic,
        KernelArg::Gaussian => Kernel::Gaussian,
        KernelArg::Epanechnikov => Kernel::Epanechnikov,
        KernelArg::Triangular => Kernel::Triangular,
        KernelArg::Uniform => Kernel::Uniform,
    }
}

fn run_kde(c: KdeCmd, g: &GlobalArgs) -> Result<()> {
    let mut params = KdeParams::new()
        .kernel(kernel_of(c.kernel))
        .bandwidth(parse_bandwidth(&c.bandwidth)?);
    if c.centres {
        params = params.evaluation(Evaluation::Centre);
    }
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": "kde", "kde": params, "cell_m": c.common.cell, "dual": c.dual}),
    )?;
    s.square_only("kernel density (it is evaluated on square cells)")?;
    let pb = spinner(g, "kernel density".into());
    let r = kde(&s.cg.grid, &s.inc.xy, s.weights.as_deref(), &params);
    pb.finish_and_clear();
    let r = r?;
    let dens = s.cg.from_full(&r.density_km2);
    let exp = s.cg.from_full(&r.expected);
    let (counts, _) = counts_of(&s)?;
    let mut cols = vec![
        ("count", Col::F(counts)),
        ("density_km2", Col::F(dens.clone())),
        ("expected", Col::F(exp)),
    ];
    let mut result = json!({"kde": r});
    let mut dual_vals = None;
    if let Some(d) = &c.dual {
        let (other, orep) = load_incidents(
            d,
            &LoadArgs {
                crs: c.common.load.crs.clone(),
                to_crs: Some(s.inc.crs.working.to_string()),
                ..Default::default()
            },
            g,
        )?;
        s.prov.input_load(d, "dual", &orep);
        let mode = match c.dual_mode {
            DualArg::Ratio => DualMode::Ratio,
            DualArg::Difference => DualMode::Difference,
            DualArg::ShareDifference => DualMode::ShareDifference,
        };
        let dr = dual_kde(&s.cg.grid, &s.inc.xy, &other.xy, &params, mode)?;
        cols.push((
            "dual_density_km2",
            Col::F(s.cg.from_full(&dr.b.density_km2)),
        ));
        cols.push(("dual_value", Col::F(s.cg.from_full(&dr.values))));
        result["dual"] = serde_json::to_value(&dr)?;
        dual_vals = Some((s.cg.from_full(&dr.values), mode));
    }
    let dens_ref = &dens;
    s.write_cells("kde", &cols, Some(&|k| dens_ref[k] > 0.0), g)?;
    let full = s.cg.to_full(&dens);
    let title = vec![
        format!("Kernel density ({})", params.kernel.name()),
        format!(
            "h = {:.0} m ({}); {}",
            r.bandwidth_m,
            r.bandwidth_rule,
            s.grid_line()
        ),
    ];
    s.map(
        "kde.png",
        &full,
        title,
        "incidents per km2",
        render::auto_scale(&full, false),
        g,
    )?;
    if let Some((v, mode)) = dual_vals {
        let full = s.cg.to_full(&v);
        let (t, legend) = match mode {
            DualMode::Ratio => ("Dual KDE: ratio of densities", "ratio"),
            DualMode::Difference => ("Dual KDE: difference of densities", "per km2"),
            DualMode::ShareDifference => ("Dual KDE: difference of shares", "share per km2"),
        };
        s.map(
            "kde_dual.png",
            &full,
            vec![t.into(), s.grid_line()],
            legend,
            render::auto_scale(&full, false),
            g,
        )?;
    }
    if !g.quiet {
        println!(
            "{} kernel, bandwidth {:.1} m ({}), {}x{} samples per cell: max {:.1} per km2, expected total {:.1} of {}",
            params.kernel.name(),
            r.bandwidth_m,
            r.bandwidth_rule,
            r.samples_per_side,
            r.samples_per_side,
            r.max_density_km2,
            r.expected_sum,
            r.total_weight
        );
    }
    s.finish("kde", result, g)
}

fn run_gistar(c: GistarCmd, g: &GlobalArgs) -> Result<()> {
    let spec = c.nb.spec()?;
    let params = GiStarParams::new()
        .permutations(c.permutations)
        .seed(c.seed)
        .fdr(c.fdr)
        .bin_p(if c.bins_from_permutations {
            BinP::Permutation
        } else {
            BinP::Analytical
        });
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": "gistar", "gistar": params, "weights": spec, "cell_m": c.common.cell}),
    )?;
    s.prov.seed = Some(c.seed);
    let (counts, _) = counts_of(&s)?;
    let w = s.spatial_weights(&spec)?;
    let pb = spinner(g, format!("Gi* with {} permutations", c.permutations));
    let r = gi_star(&counts, &w, &params);
    pb.finish_and_clear();
    let r = r?;
    let mut cols = vec![
        ("count", Col::F(counts)),
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
    s.write_cells("gistar", &cols, None, g)?;
    let bins: Vec<f64> = r.bin.iter().map(|b| *b as f64).collect();
    let full = s.full(&bins);
    let title = vec![
        "Getis-Ord Gi* hot and cold spots".to_string(),
        format!(
            "{}; {}{}",
            s.describe(&spec),
            if c.fdr { "FDR-corrected, " } else { "" },
            s.grid_line()
        ),
    ];
    s.map(
        "gistar.png",
        &full,
        title,
        "confidence",
        ColourScale::GiBins,
        g,
    )?;
    if !g.quiet {
        let bc = r.bin_counts;
        println!(
            "Gi*: hot spots 99% {} / 95% {} / 90% {}; cold spots 99% {} / 95% {} / 90% {}; {} cells not significant",
            bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], bc[3]
        );
    }
    let summary = json!({
        "n": r.n, "mean": r.mean, "sd": r.sd, "weights": s.describe(&spec),
        "params": r.params, "undefined": r.undefined,
        "bins": {"-3": r.bin_counts[0], "-2": r.bin_counts[1], "-1": r.bin_counts[2], "0": r.bin_counts[3], "1": r.bin_counts[4], "2": r.bin_counts[5], "3": r.bin_counts[6]},
        "conventions": "z: ArcGIS/esda G_Local(star=True, transform='B'), population variance, empty cells included; p two-sided; p_sim folded, ties counted on both sides",
    });
    s.finish("gistar", summary, g)
}

const QUAD_COLOURS: [(Rgba, &str); 5] = [
    ([230, 230, 230, 255], "not significant"),
    ([202, 0, 32, 255], "HH (hot cluster)"),
    ([146, 197, 222, 255], "LH (low among high)"),
    ([5, 113, 176, 255], "LL (cold cluster)"),
    ([244, 165, 130, 255], "HL (high among low)"),
];

fn run_moran(c: MoranCmd, g: &GlobalArgs) -> Result<()> {
    let spec = c.nb.spec()?;
    let params = LocalMoranParams::new()
        .permutations(c.permutations)
        .seed(c.seed)
        .alpha(c.alpha);
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": "moran", "moran": params, "weights": spec, "cell_m": c.common.cell}),
    )?;
    s.prov.seed = Some(c.seed);
    let (counts, _) = counts_of(&s)?;
    let w = s.spatial_weights(&spec)?;
    let pb = spinner(g, "Local Moran".into());
    let r = local_moran(&counts, &w, &params);
    pb.finish_and_clear();
    let r = r?;
    let mut cols = vec![
        ("count", Col::F(counts)),
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
    s.write_cells("moran", &cols, None, g)?;
    let v: Vec<f64> = r
        .quadrant
        .iter()
        .zip(&r.significant)
        .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
        .collect();
    let full = s.full(&v);
    let cats = QUAD_COLOURS
        .iter()
        .map(|(c, l)| (*c, l.to_string()))
        .collect();
    let title = vec![
        "Local Moran's I (LISA)".to_string(),
        format!(
            "p <= {} ({}); {}",
            c.alpha,
            if c.permutations > 0 {
                "permutation"
            } else {
                "analytical"
            },
            s.grid_line()
        ),
    ];
    s.map(
        "moran.png",
        &full,
        title,
        "cluster type",
        ColourScale::Categories(cats),
        g,
    )?;
    let sc = r.significant_counts;
    if !g.quiet {
        println!(
            "Local Moran: significant HH {} / LH {} / LL {} / HL {}",
            sc[0], sc[1], sc[2], sc[3]
        );
    }
    let wdesc = s.describe(&spec);
    s.finish(
        "moran",
        json!({"n": r.n, "params": r.params, "weights": wdesc, "significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}}),
        g,
    )
}

fn parse_day(flag: &str, s: &str) -> Result<i64> {
    crimescape::time::parse(s).map(|t| t.0).ok_or_else(|| {
        crimescape::Error::Param(format!("{flag} {s:?}: not a date (use YYYY-MM-DD)")).into()
    })
}

fn run_change(c: ChangeCmd, g: &GlobalArgs) -> Result<()> {
    let split = parse_day("--split", &c.split)?;
    let mut params = ChangeParams::new(split);
    params.alpha = c.alpha;
    params.fdr = !c.no_fdr;
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": "change", "change": params, "split": c.split, "cell_m": c.common.cell, "bandwidth_m": c.bandwidth}),
    )?;
    s.square_only("change")?;
    let r = count_change(&s.cg, &s.inc, &params)?;
    // KDE difference, same bandwidth for both periods
    let before: Vec<[f64; 2]> = (0..s.inc.len())
        .filter(|&i| s.inc.time[i].is_some_and(|t| t < split))
        .map(|i| s.inc.xy[i])
        .collect();
    let after: Vec<[f64; 2]> = (0..s.inc.len())
        .filter(|&i| s.inc.time[i].is_some_and(|t| t >= split))
        .map(|i| s.inc.xy[i])
        .collect();
    let kp = match c.bandwidth {
        Some(h) => KdeParams::new().fixed(h),
        None => KdeParams::new().fixed(crimescape::hotspot::kde::bandwidth_arcgis(&s.inc.xy)?),
    };
    let dk = dual_kde(&s.cg.grid, &after, &before, &kp, DualMode::Difference)?;
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
        ("kde_difference_km2", Col::F(s.cg.from_full(&dk.values))),
    ];
    s.write_cells("change", &cols, None, g)?;
    let v: Vec<f64> = r.class.iter().map(|c| (*c + 1) as f64).collect();
    let full = s.cg.to_full(&v);
    let cats = vec![
        ([5, 113, 176, 255], "significant decrease".to_string()),
        ([240, 240, 240, 255], "no significant change".to_string()),
        ([202, 0, 32, 255], "significant increase".to_string()),
    ];
    let title = vec![
        format!("Change from before to after {}", c.split),
        format!(
            "exact conditional binomial test, {}alpha {}; {}",
            if params.fdr { "FDR " } else { "" },
            c.alpha,
            s.grid_line()
        ),
    ];
    s.map(
        "change.png",
        &full,
        title,
        "change",
        ColourScale::Categories(cats),
        g,
    )?;
    let kfull = s.cg.to_full(&s.cg.from_full(&dk.values));
    let title = vec![
        "KDE difference (after - before)".to_string(),
        format!("quartic h = {:.0} m; {}", dk.a.bandwidth_m, s.grid_line()),
    ];
    s.map(
        "change_kde.png",
        &kfull,
        title,
        "incidents per km2",
        render::auto_scale(&kfull, false),
        g,
    )?;
    if !g.quiet {
        println!(
            "{} before, {} after (share after {:.3}); significant increases {}, decreases {}; {} without a time",
            r.n_before, r.n_after, r.share_after, r.increases, r.decreases, r.no_time
        );
    }
    s.finish("change", serde_json::to_value(&r)?, g)
}

/// sfhotspot's automatic period: by the time span.
fn auto_period_days(inc: &Incidents) -> Result<i64> {
    let (a, b) = inc
        .time_range()
        .ok_or_else(|| crimescape::Error::Data("no incident has a time".into()))?;
    let span = (b - a) as f64 / crimescape::time::DAY as f64;
    Ok(if span <= 14.0 {
        1
    } else if span <= 91.0 {
        7
    } else if span <= 732.0 {
        28
    } else if span <= 3653.0 {
        91
    } else {
        365
    })
}

fn run_periods(c: PeriodCmd, g: &GlobalArgs, emerging: bool) -> Result<()> {
    let spec = c.nb.spec()?;
    let stem = if emerging { "emerging" } else { "classify" };
    let mut s = setup(
        &c.common,
        g,
        json!({"analysis": stem, "period_days": c.period_days, "start": c.start, "alpha": c.alpha, "fdr": c.fdr, "time_steps": emerging.then_some(c.time_steps), "weights": spec, "cell_m": c.common.cell}),
    )?;
    s.square_only("classify/emerging")?;
    let days = match c.period_days {
        Some(d) => d,
        None => auto_period_days(&s.inc)?,
    };
    let start = c
        .start
        .as_deref()
        .map(|t| parse_day("--start", t))
        .transpose()?;
    let w = grid_weights(&s.cg, &spec)?;
    let period = days * crimescape::time::DAY;
    let palette: [Rgba; 9] = [
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
    if emerging {
        let r = emerging_hotspots(
            &s.cg,
            &s.inc,
            &w,
            period,
            start,
            c.time_steps,
            c.alpha,
            c.fdr,
        )?;
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("mk_tau", Col::F(r.tau.clone())),
            ("mk_p", Col::F(r.tau_p.clone())),
        ];
        s.write_cells("emerging", &cols, None, g)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let full = s.cg.to_full(&v);
        let mut cats = Vec::new();
        for (k, cl) in EmergingClass::ALL.iter().enumerate() {
            let col = match k {
                0 => palette[0],
                1..=8 => [
                    palette[1], palette[1], palette[2], palette[2], palette[3], palette[3],
                    palette[4], palette[4],
                ][k - 1],
                _ => [
                    palette[5], palette[5], palette[6], palette[6], palette[7], palette[7],
                    palette[8], palette[8],
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
                "{} time steps of {days} days, space-time Gi* ({} previous step(s)) p < {}{}, Mann-Kendall; {}",
                r.gi.used.len(),
                c.time_steps,
                c.alpha,
                if c.fdr { " FDR" } else { "" },
                s.grid_line()
            ),
        ];
        s.map(
            "emerging.png",
            &full,
            title,
            "category",
            ColourScale::Categories(cats),
            g,
        )?;
        if !g.quiet {
            let (a, b) = (r.gi.periods[0].0, r.gi.periods[r.gi.periods.len() - 1].1);
            println!(
                "{} time steps of {days} days, {} to {} (exclusive){}",
                r.gi.periods.len(),
                crimescape::time::format(a, crimescape::TimePrecision::Day),
                crimescape::time::format(b, crimescape::TimePrecision::Day),
                if r.excluded_before_first_step > 0 {
                    format!(
                        "; {} incidents before the first complete step left out",
                        r.excluded_before_first_step
                    )
                } else {
                    String::new()
                }
            );
            for (k, v) in &r.counts {
                println!("{k}: {v}");
            }
        }
        if let Some(n) = r.time_use.note("emerging hot spots") {
            eprintln!("  note: {n}");
        }
        s.finish("emerging", serde_json::to_value(&r)?, g)
    } else {
        let mut p = ClassifyParams::new(period);
        p.start = start;
        p.critical_p = c.alpha;
        p.fdr = c.fdr;
        let r = classify_periods(&s.cg, &s.inc, &w, &p)?;
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("prop_hot", Col::F(r.prop_hot.clone())),
            ("prop_cold", Col::F(r.prop_cold.clone())),
        ];
        s.write_cells("classify", &cols, None, g)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let full = s.cg.to_full(&v);
        let mut cats: Vec<(Rgba, String)> = HotspotClass::ALL
            .iter()
            .enumerate()
            .map(|(k, cl)| (palette[k.min(8)], cl.label().to_string()))
            .collect();
        cats[9].0 = [120, 120, 120, 255];
        let title = vec![
            "Hot spot classification over periods (sfhotspot rules)".to_string(),
            format!(
                "{} periods of {days} days, {} recent; {}",
                r.gi.used.len(),
                r.recent_periods,
                s.grid_line()
            ),
        ];
        s.map(
            "classify.png",
            &full,
            title,
            "category",
            ColourScale::Categories(cats),
            g,
        )?;
        if !g.quiet {
            for (k, v) in &r.counts {
                println!("{k}: {v}");
            }
        }
        if let Some(n) = r.time_use.note("hot spot classification") {
            eprintln!("  note: {n}");
        }
        s.finish("classify", serde_json::to_value(&r)?, g)
    }
}

fn run_layer(c: LayerCmd, g: &GlobalArgs) -> Result<()> {
    let spec = match c.neighbours {
        NeighbourKind::Queen => {
            return Err(crimescape::Error::Param(
                "--neighbours queen is for grids; use knn, band or idw for a layer".into(),
            )
            .into())
        }
        NeighbourKind::Knn => WeightsSpec::Knn { k: c.k },
        NeighbourKind::Band => WeightsSpec::DistanceBand {
            radius: Some(c.radius.ok_or_else(|| {
                crimescape::Error::Param("--neighbours band needs --radius".into())
            })?),
        },
        NeighbourKind::Idw => WeightsSpec::InverseDistance {
            radius: Some(c.radius.ok_or_else(|| {
                crimescape::Error::Param("--neighbours idw needs --radius".into())
            })?),
            power: c.power,
            scale: None,
        },
    };
    let incidents = match &c.incidents {
        Some(p) => {
            let args = LoadArgs {
                crs: c.incidents_crs.clone(),
                ..Default::default()
            };
            Some((p, load_incidents(p, &args, g)?))
        }
        None => None,
    };
    let target = incidents
        .as_ref()
        .map(|(_, (inc, _))| inc.crs.working.clone());
    let (layer, lrep) = load_layer(&c.layer, c.crs.as_deref(), target.as_ref(), &[])?;
    let value_name = c.value.clone().unwrap_or_else(|| "incidents".to_string());
    let mut counted = None;
    let values: Vec<f64> = match &incidents {
        Some((_, (inc, _))) => {
            let fc = count_in_features(&layer.geometries, &inc.xy, c.tolerance, None)?;
            if !g.quiet {
                eprintln!(
                    "{} incidents counted in {} features; {} outside every feature, {} on a shared border (given to the lower feature index)",
                    inc.len() - fc.outside,
                    layer.len(),
                    fc.outside,
                    fc.ties
                );
            }
            let v = fc.counts.clone();
            counted = Some(fc);
            v
        }
        None => (0..layer.len())
            .map(|i| {
                layer
                    .property_str(i, &value_name)
                    .and_then(|v| v.trim().trim_matches('"').parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        crimescape::Error::Data(format!(
                            "{}: feature {i} has no numeric '{value_name}'",
                            c.layer.display(),
                        ))
                    })
            })
            .collect::<crimescape::Result<_>>()?,
    };
    let pts = layer.representative_points();
    let w = crimescape::hotspot::point_weights(&pts, &spec, None)?;
    let gp = GiStarParams::new()
        .permutations(c.permutations)
        .seed(c.seed)
        .fdr(c.fdr);
    let gi = gi_star(&values, &w, &gp)?;
    let lm = local_moran(
        &values,
        &w,
        &LocalMoranParams::new()
            .permutations(c.permutations)
            .seed(c.seed),
    )?;
    std::fs::create_dir_all(&c.out)?;
    let mut fc = FeatureCollectionWriter::new(&layer.crs.working)?;
    let mut csvw = csv::Writer::from_writer(Vec::new());
    csvw.write_record([
        "feature",
        "value",
        "gi_z",
        "gi_p",
        "gi_p_sim",
        "gi_bin",
        "lm_I",
        "lm_p_sim",
        "lm_quadrant",
        "lm_significant",
    ])?;
    for i in 0..layer.len() {
        let ps = gi.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
        let lps = lm.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
        let mut props = layer.properties[i].clone();
        if counted.is_some() {
            props.insert(value_name.clone(), json!(values[i]));
        }
        props.insert("gi_z".into(), json!(gi.z[i]));
        props.insert("gi_p".into(), json!(gi.p[i]));
        props.insert(
            "gi_p_sim".into(),
            if ps.is_finite() {
                json!(ps)
            } else {
                Value::Null
            },
        );
        props.insert("gi_bin".into(), json!(gi.bin[i]));
        props.insert("lm_I".into(), json!(lm.i[i]));
        props.insert(
            "lm_p_sim".into(),
            if lps.is_finite() {
                json!(lps)
            } else {
                Value::Null
            },
        );
        props.insert("lm_quadrant".into(), json!(lm.quadrant[i].label()));
        props.insert("lm_significant".into(), json!(lm.significant[i]));
        fc.push(&layer.geometries[i], props)?;
        let f = |v: f64| {
            if v.is_finite() {
                v.to_string()
            } else {
                String::new()
            }
        };
        csvw.write_record([
            i.to_string(),
            values[i].to_string(),
            gi.z[i].to_string(),
            gi.p[i].to_string(),
            f(ps),
            gi.bin[i].to_string(),
            lm.i[i].to_string(),
            f(lps),
            lm.quadrant[i].label().to_string(),
            (lm.significant[i] as u8).to_string(),
        ])?;
    }
    let mut prov = Provenance::new(
        json!({"analysis": "layer", "value": value_name, "tolerance_m": c.incidents.as_ref().map(|_| c.tolerance), "weights": spec, "gistar": gp}),
    );
    prov.seed = Some(c.seed);
    prov.crs = Some(layer.crs.clone());
    prov.input(
        &c.layer,
        "layer",
        lrep.features_read,
        lrep.accepted,
        &lrep.sha256,
    );
    if let Some((p, (_, rep))) = &incidents {
        prov.input_load(p, "incidents", rep);
    }
    // choropleths: the value, the Gi* bins and the LISA clusters per feature
    let wdesc = spec.describe(None);
    let name = c.layer.file_name().map_or_else(
        || c.layer.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let map = |title: &str, legend: &str, vals: &[f64], scale: ColourScale| {
        render::feature_map(
            &layer.geometries,
            vals,
            &MapOptions {
                title: vec![
                    format!("{title}: {name}"),
                    format!("{} features, {wdesc}", layer.len()),
                ],
                legend: legend.to_string(),
                scale,
                ..Default::default()
            },
        )
    };
    let gbins: Vec<f64> = gi.bin.iter().map(|b| *b as f64).collect();
    let quads: Vec<f64> = lm
        .quadrant
        .iter()
        .zip(&lm.significant)
        .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
        .collect();
    let cats = QUAD_COLOURS
        .iter()
        .map(|(c, l)| (*c, l.to_string()))
        .collect();
    let outs = [
        (c.out.join("layer.geojson"), fc.finish()),
        (c.out.join("layer.csv"), csvw.into_inner()?),
        (
            c.out.join("layer_value.png"),
            map(
                &format!("'{value_name}' per feature"),
                &value_name,
                &values,
                render::auto_scale(&values, true),
            )?,
        ),
        (
            c.out.join("layer_gistar.png"),
            map(
                "Getis-Ord Gi*",
                "Gi* confidence",
                &gbins,
                ColourScale::GiBins,
            )?,
        ),
        (
            c.out.join("layer_moran.png"),
            map(
                "Local Moran's I (LISA)",
                "cluster type",
                &quads,
                ColourScale::Categories(cats),
            )?,
        ),
    ];
    prov.outputs = outs.iter().map(|(p, _)| p.display().to_string()).collect();
    let sp = c.out.join("layer.json");
    prov.outputs.push(sp.display().to_string());
    for (p, b) in &outs {
        write_output(p, b, g)?;
        prov.write_beside(p, g.force)?;
    }
    let sc = lm.significant_counts;
    let summary = json!({
        "features": layer.len(),
        "value": value_name,
        "counted": counted,
        "weights": wdesc,
        "gistar": {"mean": gi.mean, "sd": gi.sd, "params": gi.params, "bins": gi.bin_counts, "undefined": gi.undefined},
        "local_moran": {"significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}},
        "provenance": prov,
    });
    write_output(&sp, &serde_json::to_vec_pretty(&summary)?, g)?;
    prov.write_beside(&sp, g.force)?;
    if !g.quiet {
        let bc = gi.bin_counts;
        println!(
            "{} features: Gi* hot 99/95/90% {}/{}/{}, cold {}/{}/{}; Local Moran significant HH {} LH {} LL {} HL {}",
            layer.len(), bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], sc[0], sc[1], sc[2], sc[3]
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- demo

/// Counts, KDE and Gi* maps of the demo city, and the share of planted
/// hotspot centres that fall in Gi* hot cells (95 %).
pub fn demo_hotspots(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    inc: &Incidents,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let dir = out.join("hotspots");
    std::fs::create_dir_all(&dir)?;
    let cg = build_grid(&inc.xy, &GridParams::new())?;
    let (counts, _) = cg.counts(&inc.xy, None)?;
    let grid = cg.grid;
    let mut written = Vec::new();
    let mut png = |name: &str,
                   vals: &[f64],
                   title: Vec<String>,
                   legend: &str,
                   scale: ColourScale|
     -> Result<()> {
        let opts = MapOptions {
            title,
            legend: legend.into(),
            scale,
            overlays: Vec::new(),
            size: 800,
        };
        let p = dir.join(name);
        write_output(&p, &render::grid_map(&grid, vals, &opts)?, g)?;
        written.push(p);
        Ok(())
    };
    let line = format!("demo city, {} incidents, {} m cells", inc.len(), grid.cell);
    png(
        "counts.png",
        &counts,
        vec!["Incidents per cell".into(), line.clone()],
        "incidents per cell",
        render::auto_scale(&counts, true),
    )?;
    let k = kde(&grid, &inc.xy, None, &KdeParams::new())?;
    png(
        "kde.png",
        &k.density_km2,
        vec![
            "Kernel density (quartic)".into(),
            format!("h = {:.0} m (ArcGIS rule); {line}", k.bandwidth_m),
        ],
        "incidents per km2",
        render::auto_scale(&k.density_km2, false),
    )?;
    let w = grid_weights(&cg, &WeightsSpec::default())?;
    let gi = gi_star(
        &counts,
        &w,
        &GiStarParams::new().permutations(99).seed(42).fdr(true),
    )?;
    let bins: Vec<f64> = gi.bin.iter().map(|b| *b as f64).collect();
    let mut found = Vec::new();
    for h in &city.truth.hotspots {
        let hit = cg
            .position_of(h.centre[0], h.centre[1])
            .is_some_and(|p| gi.bin[p] >= 2);
        found.push(json!({"label": h.label, "centre": h.centre, "hot_95": hit}));
    }
    let hits = found.iter().filter(|f| f["hot_95"] == json!(true)).count();
    let n = city.truth.hotspots.len();
    png(
        "gistar.png",
        &bins,
        vec![
            "Getis-Ord Gi* hot spots (FDR)".into(),
            format!("queen neighbours; {line}; planted hotspots found {hits}/{n}"),
        ],
        "confidence",
        ColourScale::GiBins,
    )?;
    let hot = gi.bin.iter().filter(|b| **b >= 2).count();
    let summary = json!({
        "grid": cg,
        "kde_bandwidth_m": k.bandwidth_m,
        "gistar_bins": gi.bin_counts,
        "hot_cells_95": hot,
        "hot_share": hot as f64 / cg.len() as f64,
        "planted_hotspots": n,
        "planted_found": hits,
        "hit_rate": if n > 0 { hits as f64 / n as f64 } else { f64::NAN },
        "hotspots": found,
    });
    let p = dir.join("hotspots.json");
    write_output(&p, &serde_json::to_vec_pretty(&summary)?, g)?;
    written.push(p);
    if !g.quiet {
        println!(
            "hotspots: {hits}/{n} planted hotspot centres in Gi* hot cells (95%, FDR); {hot} of {} cells hot ({:.1}%)",
            cg.len(),
            100.0 * hot as f64 / cg.len() as f64
        );
    }
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    Ok(())
}
