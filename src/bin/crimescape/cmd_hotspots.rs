//! `crimescape hotspots ...`: grid counts, kernel density, Gi*, Local Moran and
//! change over time (the studies of [`crimescape::study::hotspots`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use crimescape::study::global::{self, GlobalStudyParams, GlobalUnits};
use crimescape::study::hotspots::{
    self as hs, CellParams, ExtentChoice, HotspotInput, NeighbourSpec, Neighbours,
};
use crimescape::study::load::IncidentLoad;
use crimescape::study::settings::parse_date_setting;
use crimescape::study::{IncidentInput, LayerSpec, StudyLayer};
use crimescape::{
    Bandwidth, BinP, ChangeParams, DualMode, Export, GiStarParams, GlobalParams, IncrementalParams,
    KdeEvaluation as Evaluation, KdeParams, Kernel, LocalMoranParams, Outputs, Transform,
};

use crate::cli::GlobalArgs;
use crate::common::{
    crs_of, finish, load_input, run_study, study_incidents, study_layer, LoadArgs, PermArgs,
};

/// Arguments of `crimescape hotspots`.
#[derive(Debug, Args)]
pub struct HotspotsArgs {
    #[command(subcommand)]
    pub cmd: HotspotsCmd,
}

/// The hotspot analyses.
#[derive(Debug, Subcommand)]
pub enum HotspotsCmd {
    /// The briefing map in one command: Gi* hot and cold spots with false discovery
    /// rate control, the cell size and distance band chosen from the data (as ArcGIS's
    /// Optimized Hot Spot Analysis), titled from the filters; add --context layers.
    Map(MapCmd),
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
    /// Global spatial autocorrelation of the cell counts (or a layer's values): Moran's I,
    /// Geary's C and General G with analytical and permutation p.
    Global(GlobalCmd),
    /// Incremental spatial autocorrelation: Moran's I z over a series of distance bands,
    /// its peaks, and the Gi* distance band Optimized Hot Spot Analysis would choose.
    Incremental(IncrementalCmd),
}

choices! {
    ExtentArg => ExtentChoice {
        /// Every cell of the points' bounding box.
        Bbox,
        /// Cells intersecting the points' convex hull.
        Hull,
    }
}

/// The analysis cells: size, extent, boundary, shape and what is counted.
#[derive(Debug, Args)]
pub struct GridArgs {
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
    /// Numeric incident column to weight incidents by (e.g. a harm score) instead of counting.
    #[arg(long)]
    pub weight: Option<String>,
    /// Hexagonal cells (flat-to-flat width = --cell); not for kde, change, classify, emerging.
    #[arg(long)]
    pub hex: bool,
}

/// Options shared by every hotspot command on incidents.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Incident file (CSV/GeoJSON; more with the gdal feature).
    pub incidents: PathBuf,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub grid: GridArgs,
    /// Line/point layer drawn on the maps (e.g. streets).
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    /// CRS of the overlay file.
    #[arg(long)]
    pub overlay_crs: Option<String>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Neighbourhood options (Gi*, Local Moran, classify, emerging, layer, global).
#[derive(Debug, Args)]
pub struct NeighbourArgs {
    /// Neighbour definition [default: queen on grids (hexagons: the 6 adjacent), the
    /// 8 nearest features on a layer].
    #[arg(long, value_enum)]
    pub neighbours: Option<NeighbourKind>,
    /// Radius in metres for `band` / `idw` [default on grids: cell*sqrt(2) / 3*cell].
    #[arg(long)]
    pub radius: Option<f64>,
    /// Number of neighbours for `knn`.
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Distance exponent for `idw`.
    #[arg(long, default_value_t = 1.0)]
    pub power: f64,
}

choices! {
    NeighbourKind => Neighbours {
        /// The 8 surrounding cells (binary band of cell*sqrt(2)).
        Queen,
        /// Binary band of --radius metres.
        Band,
        /// The --k nearest cells.
        Knn,
        /// Inverse distance within --radius.
        Idw,
    }
}

/// `hotspots map`.
#[derive(Debug, Args)]
pub struct MapCmd {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Gi* distance band in metres [default: chosen from the data: the first significant
    /// peak of incremental Moran's I z, else the mean distance to the K-th neighbour].
    #[arg(long)]
    pub band: Option<f64>,
    /// No false discovery rate control of the classes (each cell tested on its own).
    #[arg(long)]
    pub no_fdr: bool,
    /// Conditional permutations for the gi_p_sim column (0 = none; the classes use the
    /// analytical p either way).
    #[arg(long, default_value_t = 0)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
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

choices! {
    KernelArg => Kernel {
        Quartic,
        Gaussian,
        Epanechnikov,
        Triangular,
        Uniform,
    }
}

choices! {
    DualArg => DualMode {
        /// incidents / second layer (e.g. per resident).
        Ratio,
        /// incidents − second layer, per km².
        Difference,
        /// share of incidents − share of the second layer, per km².
        ShareDifference,
    }
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
    #[command(flatten)]
    pub perm: PermArgs,
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
    #[command(flatten)]
    pub perm: PermArgs,
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
    #[command(flatten)]
    pub nb: NeighbourArgs,
    #[command(flatten)]
    pub perm: PermArgs,
    /// Benjamini-Hochberg FDR control of the Gi* bins.
    #[arg(long)]
    pub fdr: bool,
}

choices! {
    /// Weights transformation.
    TransformArg => Transform {
        /// Row-standardised (esda 'r', ArcGIS "row standardization").
        Row,
        /// Binary.
        Binary,
    }
}

/// The units of a global analysis: grid cells of incidents, or a layer's features.
#[derive(Debug, Args)]
pub struct UnitArgs {
    /// Incident file: incidents are counted per grid cell (or hexagon).
    #[arg(required_unless_present = "layer", conflicts_with = "layer")]
    pub incidents: Option<PathBuf>,
    /// A polygon/point/line layer whose numeric --value column is tested instead (units =
    /// features, neighbours between their representative points): PATH or NAME=PATH.
    #[arg(long, requires = "value", value_name = "[NAME=]PATH")]
    pub layer: Option<String>,
    /// With --layer: the numeric column.
    #[arg(long)]
    pub value: Option<String>,
    /// With --layer: its CRS [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub grid: GridArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `hotspots global`.
#[derive(Debug, Args)]
pub struct GlobalCmd {
    #[command(flatten)]
    pub units: UnitArgs,
    #[command(flatten)]
    pub nb: NeighbourArgs,
    /// Weights transformation for Moran's I and Geary's C (General G is always binary).
    #[arg(long, value_enum, default_value = "row")]
    pub transform: TransformArg,
    #[command(flatten)]
    pub perm: PermArgs,
}

/// `hotspots incremental`.
#[derive(Debug, Args)]
pub struct IncrementalCmd {
    #[command(flatten)]
    pub units: UnitArgs,
    /// First distance band in metres [default: the largest nearest-neighbour distance].
    #[arg(long)]
    pub start: Option<f64>,
    /// Step between bands in metres [default: the mean nearest-neighbour distance].
    #[arg(long)]
    pub increment: Option<f64>,
    /// Number of distance bands.
    #[arg(long, default_value_t = 10)]
    pub bands: usize,
    /// Weights transformation (ArcGIS's "row standardization" by default).
    #[arg(long, value_enum, default_value = "row")]
    pub transform: TransformArg,
}

pub fn run(a: HotspotsArgs, g: &GlobalArgs) -> Result<()> {
    use HotspotsCmd::*;
    match a.cmd {
        Map(c) => cell_study::<hs::HotspotMap>(&c.common, c.params(), "hot spot map", g),
        Grid(c) => cell_study::<hs::GridStudy>(&c.common, c.params(), "counting", g),
        Gistar(c) => cell_study::<hs::GiStarStudy>(&c.common, c.params()?, "Gi*", g),
        Moran(c) => cell_study::<hs::MoranStudy>(&c.common, c.params()?, "Local Moran", g),
        Change(c) => cell_study::<hs::ChangeStudy>(&c.common, c.params()?, "change", g),
        Classify(c) => cell_study::<hs::ClassifyStudy>(&c.common, c.params()?, "classifying", g),
        Emerging(c) => {
            cell_study::<hs::EmergingStudy>(&c.common, c.params()?, "emerging hot spots", g)
        }
        Kde(c) => {
            let (p, files, load) = (c.params()?, hs::KdeStudy::files(c.dual.is_some()), || {
                c.input(g)
            });
            let study = |i: &(_, Option<_>)| hs::kde_study(&i.0, i.1.as_ref(), &p);
            let (out, r) = run_study(g, &c.common.out, files, load, "kernel density", study)?;
            done(out, &r.cells, &r, g)
        }
        Layer(c) => {
            let (p, files, load) = (c.params()?, hs::LayerStudy::files(), || c.input(g));
            let study = |i: &(_, Option<_>)| hs::layer(&i.0, i.1.as_ref(), &p);
            let (out, r) = run_study(g, &c.out, files, load, "layer", study)?;
            text_done(out, &r.summary_text(), &r, g)
        }
        Global(c) => {
            let (p, files, load) = (c.params(), global::GlobalStudy::FILES, || c.units.units(g));
            let study = |u: &_| global::global(u, &p);
            let (out, r) = run_study(g, &c.units.out, files, load, "global", study)?;
            text_done(out, &r.text(), &r, g)
        }
        Incremental(c) => {
            let (p, files, load) = (c.params(), global::IncrementalStudy::FILES, || {
                c.units.units(g)
            });
            let study = |u: &_| global::incremental(u, &p);
            let (out, r) = run_study(g, &c.units.out, files, load, "incremental", study)?;
            text_done(out, &r.text(), &r, g)
        }
    }
}

/// Plans the outputs, loads the input of `c`, runs the study `S` ([`run_study`]) and
/// writes its result, printing its note and cells ([`done`]).
fn cell_study<S: hs::HotspotStudy>(
    c: &CommonArgs,
    p: S::Params,
    what: &str,
    g: &GlobalArgs,
) -> Result<()> {
    let (files, load) = (S::file_names(&p), || c.input(g));
    let (out, r) = run_study(g, &c.out, files, load, what, |i| S::study(i, &p))?;
    note(r.note());
    done(out, r.cells(), &r, g)
}

/// Prints a library note on stderr.
fn note(n: Option<String>) {
    if let Some(n) = n {
        eprintln!("  note: {n}");
    }
}

/// Prints `text` on stdout (unless quiet), then writes the result.
fn text_done(out: Outputs, text: &str, r: &dyn Export, g: &GlobalArgs) -> Result<()> {
    if !g.quiet {
        print!("{text}");
    }
    finish(out, r, g)
}

/// Prints the grid on stderr and the result on stdout (unless quiet), then writes the
/// result.
fn done(out: Outputs, cells: &hs::AnalysisCells, r: &dyn Export, g: &GlobalArgs) -> Result<()> {
    if !g.quiet {
        eprintln!("{}", cells.describe_grid());
        print!("{}", r.summary().unwrap_or_default());
    }
    finish(out, r, g)
}

impl PermArgs {
    /// Gi* with these permutations.
    fn gistar(&self) -> GiStarParams {
        GiStarParams::new()
            .permutations(self.permutations)
            .seed(self.seed)
    }
}

impl NeighbourArgs {
    /// The neighbours of `--neighbours/--radius/--k/--power`.
    fn spec(&self) -> NeighbourSpec {
        NeighbourSpec::new()
            .kind(self.neighbours.map(Neighbours::from))
            .radius(self.radius)
            .k(self.k)
            .power(self.power)
    }
}

impl GridArgs {
    /// The cells of `--cell/--extent/--hex/--weight`.
    fn cells(&self) -> CellParams {
        CellParams {
            cell: self.cell,
            extent: self.extent.into(),
            hex: self.hex,
            weight: self.weight.clone(),
        }
    }

    /// Loads the incidents (with the `--weight` column) and, in their working CRS, the
    /// boundary and the `overlay` (file, CRS) when given.
    fn input(
        &self,
        incidents: &Path,
        load: &LoadArgs,
        overlay: Option<(&PathBuf, Option<&str>)>,
        g: &GlobalArgs,
    ) -> Result<HotspotInput> {
        let input = HotspotInput::new(study_incidents(incidents, &load.reading(&self.weight), g)?);
        let layer = |f, crs, role| study_layer(f, crs, Some(input.working_crs()), role);
        let crs = self.boundary_crs.as_deref();
        let boundary = self.boundary.as_ref().map(|f| layer(f, crs, "boundary"));
        let boundary = boundary.transpose()?;
        let overlay = overlay
            .map(|(f, crs)| layer(f, crs, "overlay"))
            .transpose()?;
        Ok(input.with_boundary(boundary).with_overlay(overlay))
    }
}

impl CommonArgs {
    /// Loads the incidents, the boundary and the overlay.
    fn input(&self, g: &GlobalArgs) -> Result<HotspotInput> {
        let overlay = self
            .overlay
            .as_ref()
            .map(|f| (f, self.overlay_crs.as_deref()));
        self.grid.input(&self.incidents, &self.load, overlay, g)
    }
}

impl MapCmd {
    fn params(&self) -> hs::HotspotMapParams {
        hs::HotspotMapParams {
            cells: self.common.grid.cells(),
            band: self.band,
            fdr: !self.no_fdr,
            permutations: self.permutations,
            seed: self.seed,
        }
    }
}

impl GridCmd {
    fn params(&self) -> hs::GridStudyParams {
        hs::GridStudyParams {
            cells: self.common.grid.cells(),
            by_category: self.by_category,
        }
    }
}

impl KdeCmd {
    fn params(&self) -> Result<hs::KdeStudyParams> {
        let cells = self.common.grid.cells();
        cells.require_square("kernel density (it is evaluated on square cells)")?;
        let kde = KdeParams::new()
            .kernel(self.kernel.into())
            .bandwidth(self.bandwidth.parse::<Bandwidth>()?);
        Ok(hs::KdeStudyParams {
            cells,
            kde: match self.centres {
                true => kde.evaluation(Evaluation::Centre),
                false => kde,
            },
            dual_mode: self.dual_mode.into(),
        })
    }

    /// The hot spot input and the `--dual` layer (the incidents' input CRS, in their
    /// working CRS).
    fn input(&self, g: &GlobalArgs) -> Result<(HotspotInput, Option<IncidentInput>)> {
        let input = self.common.input(g)?;
        let load = input.second_load(crs_of(&self.common.load.crs)?);
        let dual = self.dual.as_ref().map(|d| load_input(d, &load, "dual", g));
        Ok((input, dual.transpose()?))
    }
}

impl GistarCmd {
    fn params(&self) -> Result<hs::GiStarStudyParams> {
        let bin_p = match self.bins_from_permutations {
            true => BinP::Permutation,
            false => BinP::Analytical,
        };
        Ok(hs::GiStarStudyParams {
            cells: self.common.grid.cells(),
            weights: self.nb.spec().weights(false)?,
            gistar: self.perm.gistar().fdr(self.fdr).bin_p(bin_p),
        })
    }
}

impl MoranCmd {
    fn params(&self) -> Result<hs::MoranStudyParams> {
        Ok(hs::MoranStudyParams {
            cells: self.common.grid.cells(),
            weights: self.nb.spec().weights(false)?,
            moran: LocalMoranParams::new()
                .permutations(self.perm.permutations)
                .seed(self.perm.seed)
                .alpha(self.alpha),
        })
    }
}

impl ChangeCmd {
    fn params(&self) -> Result<hs::ChangeStudyParams> {
        let cells = self.common.grid.cells();
        cells.require_square("change")?;
        Ok(hs::ChangeStudyParams {
            cells,
            change: ChangeParams::new(parse_date_setting("split", &self.split)?)
                .alpha(self.alpha)
                .fdr(!self.no_fdr),
            bandwidth: self.bandwidth,
        })
    }
}

impl PeriodCmd {
    fn params(&self) -> Result<hs::PeriodStudyParams> {
        let cells = self.common.grid.cells();
        cells.require_square("classify/emerging")?;
        let start = self
            .start
            .as_deref()
            .map(|t| parse_date_setting("start", t));
        Ok(hs::PeriodStudyParams {
            cells,
            weights: self.nb.spec().weights(false)?,
            period_days: self.period_days,
            start: start.transpose()?,
            alpha: self.alpha,
            fdr: self.fdr,
            time_steps: self.time_steps,
        })
    }
}

impl LayerCmd {
    fn params(&self) -> Result<hs::LayerStudyParams> {
        Ok(hs::LayerStudyParams {
            value: self
                .value
                .clone()
                .unwrap_or_else(|| "incidents".to_string()),
            tolerance: self.tolerance,
            weights: self.nb.spec().weights(true)?,
            gistar: self.perm.gistar().fdr(self.fdr),
        })
    }

    /// The layer and the incidents counted per feature; the layer is read in their
    /// working CRS.
    fn input(&self, g: &GlobalArgs) -> Result<(StudyLayer, Option<IncidentInput>)> {
        let load = IncidentLoad::second_file(crs_of(&self.incidents_crs)?, None);
        let incidents = self.incidents.as_ref();
        let incidents = incidents.map(|f| load_input(f, &load, "incidents", g));
        let incidents = incidents.transpose()?;
        let target = incidents.as_ref().map(|i| &i.incidents.crs.working);
        let layer = study_layer(&self.layer, self.crs.as_deref(), target, "layer")?;
        Ok((layer, incidents))
    }
}

impl GlobalCmd {
    fn params(&self) -> GlobalStudyParams {
        GlobalStudyParams {
            neighbours: self.nb.spec(),
            global: GlobalParams::new()
                .permutations(self.perm.permutations)
                .seed(self.perm.seed)
                .transform(self.transform.into()),
        }
    }
}

impl IncrementalCmd {
    fn params(&self) -> IncrementalParams {
        IncrementalParams::new()
            .start(self.start)
            .increment(self.increment)
            .bands(self.bands)
            .transform(self.transform.into())
    }
}

impl UnitArgs {
    /// Loads the units ([`global::units`]): the layer's features, or the incidents
    /// counted per cell.
    fn units(&self, g: &GlobalArgs) -> Result<GlobalUnits> {
        let crs = self.layer_crs.as_deref();
        let layer = self.layer.as_deref().map(|s| {
            LayerSpec::named_or_bare(s)?.load_with(|f, role| study_layer(f, crs, None, role))
        });
        let layer = layer.transpose()?;
        let input = match (&layer, &self.incidents) {
            (None, Some(f)) => Some(self.grid.input(f, &self.load, None, g)?),
            _ => None,
        };
        let value = self.value.as_deref();
        Ok(global::units(
            layer.as_ref(),
            value,
            input.as_ref(),
            &self.grid.cells(),
        )?)
    }
}
