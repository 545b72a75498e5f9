//! `crimescape pattern nni|k|cross-k`: point-pattern statistics of incidents on their
//! study area ([`crimescape::study::pattern`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use crimescape::study::hotspots::ExtentChoice;
use crimescape::study::pattern::{self as sp, PatternAnalysis, PatternInput};
use crimescape::study::LayerSpec;
use crimescape::{BorderCorrection, EdgeCorrection, NniParams, RipleyParams};

use crate::cli::GlobalArgs;
use crate::common::{done, run_study, study_incidents, study_layer, LoadArgs};

/// Arguments of `crimescape pattern`.
#[derive(Debug, Args)]
pub struct PatternArgs {
    #[command(subcommand)]
    pub cmd: PatternCmd,
}

/// The point-pattern analyses.
#[derive(Debug, Subcommand)]
pub enum PatternCmd {
    /// Nearest neighbour index (Clark-Evans): are incidents closer to each other than
    /// random points in the study area? CrimeStat's border correction as an option.
    Nni(NniCmd),
    /// Ripley's K and L functions with a CSR envelope: at which distances do incidents
    /// cluster?
    K(KCmd),
    /// Cross-K of incidents against a second layer (e.g. bus stops): are incidents closer
    /// to its features than chance, and up to what distance?
    #[command(name = "cross-k")]
    CrossK(CrossKCmd),
}

choices! {
    /// Area the points are compared with when no boundary is given.
    AreaArg => ExtentChoice {
        /// The points' bounding box (pointpats' default).
        Bbox,
        /// The points' convex hull.
        Hull,
    }
}

/// Options shared by the pattern commands.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Study-area polygon file (e.g. the city boundary): the area, the border and where
    /// random points are simulated. Strongly recommended: a bounding box includes water,
    /// parks and land outside the jurisdiction, which makes any pattern look clustered.
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// CRS of the boundary file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub boundary_crs: Option<String>,
    /// Study area without --boundary.
    #[arg(long, value_enum, default_value = "bbox")]
    pub extent: AreaArg,
    /// Monte Carlo simulations of complete spatial randomness in the study area.
    #[arg(long, default_value_t = 99)]
    pub simulations: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    #[command(flatten)]
    pub load: LoadArgs,
}

choices! {
    /// Border correction of the nearest neighbour index.
    BorderArg => BorderCorrection {
        /// None (Clark-Evans, ArcGIS).
        None,
        /// Distance to the study area's bounding rectangle (CrimeStat "rectangular").
        Rectangle,
        /// Distance to the study-area boundary.
        Boundary,
    }
}

/// `pattern nni`.
#[derive(Debug, Args)]
pub struct NniCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Border correction: a point's border distance replaces its nearest-neighbour
    /// distance when shorter.
    #[arg(long, value_enum, default_value = "none")]
    pub correction: BorderArg,
}

choices! {
    /// Edge correction of K.
    EdgeArg => EdgeCorrection {
        /// None (pointpats).
        None,
        /// Reduced sample: only points at least r from the boundary are centres.
        Border,
    }
}

/// Distance options of K and cross-K.
#[derive(Debug, Args)]
pub struct DistanceArgs {
    /// Distances in metres (comma-separated, increasing) [default: --steps from 0 to --max-distance].
    #[arg(long, value_delimiter = ',')]
    pub distances: Option<Vec<f64>>,
    /// Largest distance in metres [default: a quarter of the study area's shorter side,
    /// capped so that a random pattern of the same size has about 2*10^6 pairs].
    #[arg(long)]
    pub max_distance: Option<f64>,
    /// Number of distances from 0 to --max-distance.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Edge correction.
    #[arg(long, value_enum, default_value = "none")]
    pub edge: EdgeArg,
}

/// `pattern k`.
#[derive(Debug, Args)]
pub struct KCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub dist: DistanceArgs,
}

/// `pattern cross-k`.
#[derive(Debug, Args)]
pub struct CrossKCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub dist: DistanceArgs,
    /// The second layer (points, lines or polygons; their representative points are
    /// used): PATH or NAME=PATH (NAME as --layer-name).
    #[arg(long, value_name = "[NAME=]PATH")]
    pub layer: String,
    /// CRS of the layer file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Name of the layer in sentences and titles (wins over the NAME of --layer
    /// NAME=PATH) [default: that NAME, else the file name].
    #[arg(long)]
    pub layer_name: Option<String>,
}

/// Runs `crimescape pattern`: flags → [`PatternAnalysis`] → [`sp::analyse`] → files.
pub fn run(a: PatternArgs, g: &GlobalArgs) -> Result<()> {
    let (s, analysis, layer) = match a.cmd {
        PatternCmd::Nni(c) => {
            let nni = NniParams::new()
                .correction(c.correction.into())
                .simulations(c.study.simulations)
                .seed(c.study.seed);
            (c.study, PatternAnalysis::Nni(nni), None)
        }
        PatternCmd::K(c) => {
            let k = PatternAnalysis::K(c.dist.ripley(&c.study));
            (c.study, k, None)
        }
        PatternCmd::CrossK(c) => {
            let k = PatternAnalysis::CrossK(c.dist.ripley(&c.study));
            let spec = LayerSpec::named_or_bare(&c.layer)?;
            let name = c.layer_name.or(spec.given_name().map(str::to_string));
            (c.study, k, Some((spec.path, c.layer_crs, name)))
        }
    };
    let (files, what, extent) = (analysis.files(), analysis.what(), s.extent.into());
    let load = || s.load(layer, g);
    let study = |i: &_| sp::analyse(i, extent, &analysis);
    let (out, r) = run_study(g, &s.out, files, load, what, study)?;
    done(out, &r, g)
}

impl DistanceArgs {
    /// The K function's settings, with the simulations of `s`.
    fn ripley(&self, s: &StudyArgs) -> RipleyParams {
        RipleyParams::new()
            .distances(self.distances.clone())
            .max_distance(self.max_distance)
            .steps(self.steps)
            .edge(self.edge.into())
            .simulations(s.simulations)
            .seed(s.seed)
    }
}

impl StudyArgs {
    /// Loads the incidents, the boundary and the second `layer` (file, CRS, name) in
    /// the incidents' working CRS; notes the study area without a boundary.
    fn load(
        &self,
        layer: Option<(PathBuf, Option<String>, Option<String>)>,
        g: &GlobalArgs,
    ) -> Result<PatternInput> {
        let input = PatternInput::new(study_incidents(&self.incidents, &self.load, g)?);
        let working = input.working_crs().clone();
        let read = |f: &PathBuf, crs: &Option<String>, role: &str| {
            study_layer(f, crs.as_deref(), Some(&working), role)
        };
        let boundary = self.boundary.as_ref();
        let boundary = boundary.map(|b| read(b, &self.boundary_crs, "boundary"));
        let input = input.with_boundary(boundary.transpose()?);
        if let Some(note) = input.area_note(self.extent.into()).filter(|_| !g.quiet) {
            eprintln!("note: {}", crate::errors::with_flags(&note));
        }
        Ok(match layer {
            Some((f, crs, name)) => {
                let l = read(&f, &crs, "layer")?;
                input.with_layer(l, name)
            }
            None => input,
        })
    }
}
