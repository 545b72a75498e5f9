//! `crimescape network kde|k|cross-k|gistar|moran`: analyses on the street network
//! (network distance instead of straight lines), [`crimescape::study::network`].

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use crimescape::study::network::{self as sn, NetworkAnalysis, SegmentNeighbours};
use crimescape::{NetKernel, NkdeMethod, NkdeParams, SegmentHotspotParams, SegmentValue};

use crate::cli::GlobalArgs;
use crate::common::{
    finish, outputs, spin, study_incidents, study_layer, study_network, LoadArgs, PermArgs,
    StreetArgs,
};

/// `crimescape network ...`
#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(subcommand)]
    pub cmd: NetworkCmd,
}

/// The network analyses.
#[derive(Debug, Subcommand)]
pub enum NetworkCmd {
    /// Network kernel density on lixels (spNetwork's simple, discontinuous or continuous
    /// form; quartic, triangular or Gaussian kernel): incidents per metre along the
    /// streets, GeoJSON lines, CSV and a PNG map.
    Kde(KdeArgs),
    /// Network K function (Okabe & Yamada 2001) with a Monte Carlo envelope of points
    /// placed uniformly on the network: CSV, JSON and a PNG plot.
    K(KArgs),
    /// Network cross K function of incidents against facilities (bars, bus stops, ...),
    /// with an envelope of incidents placed uniformly on the network.
    CrossK(CrossKArgs),
    /// Getis-Ord Gi* hot and cold street segments (neighbours: shared junction or a
    /// network-distance band), with the law-of-concentration columns.
    Gistar(SegmentArgs),
    /// Local Moran's I clusters and outliers of street segments (HH, LH, LL, HL), with
    /// the law-of-concentration columns.
    Moran(SegmentArgs),
}

/// Plans the outputs, loads the incidents, their street network (and the
/// facilities), runs the analysis `a` and writes its result.
fn study(
    (file, load, s): (&PathBuf, &LoadArgs, &StreetArgs),
    dir: Option<&PathBuf>,
    a: NetworkAnalysis,
    facilities: Option<(&Path, Option<&str>)>,
    g: &GlobalArgs,
) -> Result<()> {
    let out = outputs(dir.map_or(Path::new(a.default_dir()), |d| d), a.files(), g)?;
    let input = study_incidents(file, load, g)?;
    let working = &input.incidents.crs.working;
    let net = study_network(&s.source()?, working, g)?;
    let fac = facilities
        .map(|(path, crs)| study_layer(path, crs, Some(working), "facilities"))
        .transpose()?;
    let r = spin(g, &a.what(), || sn::analyse(&input, &net, fac.as_ref(), &a))?;
    if !g.quiet {
        eprintln!("{}", r.snap_text());
    }
    finish(out, &r, g)?;
    print!("{}", r.report());
    Ok(())
}

// ------------------------------------------------------------------ kde

choices! {
    MethodArg => NkdeMethod {
        /// Kernel of the shortest-path distance (Xie & Yan 2008); mass grows at junctions.
        Simple,
        /// Equal split at junctions (Okabe et al. 2009); jumps at junctions.
        Discontinuous,
        /// Equal split with back-propagation: continuous and mass-conserving.
        Continuous,
        /// The same kernel of the straight-line distance on the same lixels (planar comparison).
        Planar,
    }
}

choices! {
    KernelArg => NetKernel {
        Quartic,
        Triangular,
        /// Truncated at the bandwidth (as spNetwork).
        Gaussian,
    }
}

/// `network kde`.
#[derive(Debug, Args)]
pub struct KdeArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    /// Bandwidth (m of network distance).
    #[arg(long, default_value_t = 300.0)]
    pub bandwidth: f64,
    /// Longest lixel (m): every street segment is cut into equal pieces no longer than this.
    #[arg(long, default_value_t = 20.0)]
    pub lixel: f64,
    /// Form of the network KDE.
    #[arg(long, value_enum, default_value_t = MethodArg::Continuous)]
    pub method: MethodArg,
    /// Kernel.
    #[arg(long, value_enum, default_value_t = KernelArg::Quartic)]
    pub kernel: KernelArg,
    /// Junctions of degree >= 3 a kernel path may pass (discontinuous/continuous).
    #[arg(long, default_value_t = 15)]
    pub max_depth: usize,
    /// Output folder (lixels.geojson, lixels.csv, nkde.json, nkde.png).
    #[arg(long, short, default_value = "network_kde")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl KdeArgs {
    fn params(&self) -> NetworkAnalysis {
        NetworkAnalysis::Kde(
            NkdeParams::new(self.bandwidth)
                .lixel_length(self.lixel)
                .max_depth(self.max_depth)
                .method(self.method.into())
                .kernel(self.kernel.into()),
        )
    }
}

// ------------------------------------------------------------------ K

/// `network k` (and, with the facilities, `network cross-k`).
#[derive(Debug, Args)]
pub struct KArgs {
    /// Incident file (the points simulated in the envelope).
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    /// Largest distance (m).
    #[arg(long, default_value_t = 1000.0)]
    pub max_distance: f64,
    /// Number of distances from 0 to the largest (spaghetti's nsteps).
    #[arg(long, default_value_t = 21)]
    pub steps: usize,
    /// Simulations of uniform points for the envelope (0 = none).
    #[arg(long, default_value_t = 99)]
    pub simulations: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder ([cross_]k.csv, .json, .png) [default: network_k, network_cross_k].
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `network cross-k`.
#[derive(Debug, Args)]
pub struct CrossKArgs {
    #[command(flatten)]
    pub k: KArgs,
    /// Facility layer (points: bars, bus stops, ...), fixed in the envelope.
    #[arg(long)]
    pub facilities: PathBuf,
    /// CRS of the facility file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub facilities_crs: Option<String>,
}

impl KArgs {
    fn params(&self, cross: bool) -> Result<NetworkAnalysis> {
        let p = sn::k_params(self.max_distance, self.steps)?
            .simulations(self.simulations)
            .seed(self.seed);
        Ok(if cross {
            NetworkAnalysis::CrossK(p)
        } else {
            NetworkAnalysis::K(p)
        })
    }
}

// ------------------------------------------------------------------ segments

choices! {
    NeighbourArg => SegmentNeighbours {
        /// Segments sharing a junction.
        Contiguity,
        /// Segments whose midpoints are within --radius along the network.
        Band,
    }
}

choices! {
    ValueArg => SegmentValue {
        /// Incidents per segment.
        Count,
        /// Incidents per 100 m of segment.
        Rate,
    }
}

/// `network gistar` / `network moran`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    /// Neighbours between segments.
    #[arg(long, value_enum, default_value_t = NeighbourArg::Contiguity)]
    pub neighbours: NeighbourArg,
    /// Radius for --neighbours band (m of network distance between segment midpoints).
    #[arg(long)]
    pub radius: Option<f64>,
    /// Value tested per segment.
    #[arg(long, value_enum, default_value_t = ValueArg::Count)]
    pub value: ValueArg,
    #[command(flatten)]
    pub perm: PermArgs,
    /// Benjamini-Hochberg FDR control of the Gi* bins.
    #[arg(long)]
    pub fdr: bool,
    /// Output folder.
    #[arg(long, short, default_value = "network_segments")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl SegmentArgs {
    fn params(&self, gistar: bool) -> Result<NetworkAnalysis> {
        let base = SegmentHotspotParams::new()
            .weights(SegmentNeighbours::from(self.neighbours).weights(self.radius)?)
            .value(self.value.into());
        let (perm, seed) = (self.perm.permutations, self.perm.seed);
        let p = sn::segment_params(base, gistar, perm, seed, self.fdr);
        Ok(NetworkAnalysis::Segments(p))
    }
}

pub fn run(a: NetworkArgs, g: &GlobalArgs) -> Result<()> {
    // the incident file, how to read it and the streets of a command's flags
    macro_rules! of {
        ($a:expr) => {
            (&$a.file, &$a.load, &$a.streets)
        };
    }
    let (input, out, p, fac) = match &a.cmd {
        NetworkCmd::Kde(a) => (of!(a), Some(&a.out), a.params(), None),
        NetworkCmd::K(a) => (of!(a), a.out.as_ref(), a.params(false)?, None),
        NetworkCmd::CrossK(c) => {
            let fac = (c.facilities.as_path(), c.facilities_crs.as_deref());
            (of!(c.k), c.k.out.as_ref(), c.k.params(true)?, Some(fac))
        }
        NetworkCmd::Gistar(a) => (of!(a), Some(&a.out), a.params(true)?, None),
        NetworkCmd::Moran(a) => (of!(a), Some(&a.out), a.params(false)?, None),
    };
    study(input, out, p, fac, g)
}
