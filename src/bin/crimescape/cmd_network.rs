//! `crimescape network kde|k|cross-k|gistar|moran`: analyses on the street network
//! (network distance instead of straight lines), [`crimescape::study::network`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use crimescape::study::network::{self as sn, NetworkK, NetworkKde, NetworkSegments, StudyNetwork};
use crimescape::{
    Error, NetKernel, NetworkParams, NkdeMethod, NkdeParams, SegmentHotspotParams, SegmentValue,
    SegmentWeights,
};

use crate::cli::GlobalArgs;
use crate::common::{
    finish, outputs, spin, study_incidents, study_layer, LoadArgs, PermArgs, StreetArgs,
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

/// Loads the incidents and builds their street network.
fn load(
    file: &std::path::Path,
    load: &LoadArgs,
    streets: &StreetArgs,
    g: &GlobalArgs,
) -> Result<(crimescape::study::IncidentInput, StudyNetwork)> {
    let input = study_incidents(file, load, g)?;
    let net = network(streets, &input.incidents.crs.working, g)?;
    Ok((input, net))
}

/// Loads the streets and builds the network in the incidents' working CRS.
fn network(s: &StreetArgs, working: &crimescape::Crs, g: &GlobalArgs) -> Result<StudyNetwork> {
    let streets = study_layer(
        &s.streets,
        s.streets_crs.as_deref(),
        Some(working),
        "streets",
    )?;
    let params = NetworkParams::new()
        .snap_tolerance(s.node_tolerance)
        .split_crossings(!s.no_crossings);
    let net = StudyNetwork::build(streets, &params, s.snap)?;
    if !g.quiet {
        eprintln!("{}", net.describe());
    }
    Ok(net)
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

fn run_kde(a: KdeArgs, g: &GlobalArgs) -> Result<()> {
    let p = NkdeParams::new(a.bandwidth)
        .lixel_length(a.lixel)
        .max_depth(a.max_depth)
        .method(a.method.into())
        .kernel(a.kernel.into());
    let out = outputs(&a.out, NetworkKde::files(), g)?;
    let (input, net) = load(&a.file, &a.load, &a.streets, g)?;
    let r = spin(g, "network KDE", || sn::kde(&input, &net, &p))?;
    if !g.quiet {
        eprintln!(
            "{}; {} lixels",
            sn::snap_line("incidents", &r.study.snapped, r.n_points),
            r.study.lixels.len()
        );
    }
    finish(out, &r, g)?;
    println!("{}", r.summary_text());
    Ok(())
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

fn run_k(a: &KArgs, facilities: Option<(&PathBuf, Option<&str>)>, g: &GlobalArgs) -> Result<()> {
    let p = sn::k_params(a.max_distance, a.steps)?
        .simulations(a.simulations)
        .seed(a.seed);
    let dir = a.out.clone().unwrap_or_else(|| {
        PathBuf::from(match facilities {
            Some(_) => "network_cross_k",
            None => "network_k",
        })
    });
    let out = outputs(&dir, NetworkK::files(facilities.is_some()), g)?;
    let (input, net) = load(&a.file, &a.load, &a.streets, g)?;
    let working = &input.incidents.crs.working;
    let fac = facilities
        .map(|(path, crs)| study_layer(path, crs, Some(working), "facilities"))
        .transpose()?;
    let what = format!("network K: {} simulations", p.simulations);
    let mut r = spin(g, &what, || sn::k(&input, &net, fac.as_ref(), &p))?;
    if let Some((path, _)) = facilities {
        r.title = format!("{} vs {}", a.file.display(), path.display());
    }
    if !g.quiet {
        eprintln!("{}", r.snap_text());
    }
    finish(out, &r, g)?;
    print!("{}", r.summary_text());
    Ok(())
}

// ------------------------------------------------------------------ segments

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NeighbourArg {
    /// Segments sharing a junction.
    Contiguity,
    /// Segments whose midpoints are within --radius along the network.
    Band,
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

fn run_segments(a: SegmentArgs, gistar: bool, g: &GlobalArgs) -> Result<()> {
    let weights = match (a.neighbours, a.radius) {
        (NeighbourArg::Contiguity, None) => SegmentWeights::Contiguity,
        (NeighbourArg::Contiguity, Some(r)) => {
            return Err(Error::invalid_param("radius", r, "applies to neighbours band only").into())
        }
        (NeighbourArg::Band, Some(r)) => SegmentWeights::Band { radius: r },
        (NeighbourArg::Band, None) => {
            return Err(Error::missing_param("radius", "neighbours", "band").into())
        }
    };
    let p = sn::segment_params(
        SegmentHotspotParams::new()
            .weights(weights)
            .value(a.value.into()),
        gistar,
        a.perm.permutations,
        a.perm.seed,
        a.fdr,
    );
    let out = outputs(&a.out, NetworkSegments::files(gistar), g)?;
    let (input, net) = load(&a.file, &a.load, &a.streets, g)?;
    let r = spin(g, "segment hot spots", || sn::segments(&input, &net, &p))?;
    if !g.quiet {
        eprintln!(
            "{}",
            sn::snap_line("incidents", &r.result.snapped, r.n_points)
        );
    }
    finish(out, &r, g)?;
    println!("{}", r.summary_text());
    Ok(())
}

pub fn run(a: NetworkArgs, g: &GlobalArgs) -> Result<()> {
    match a.cmd {
        NetworkCmd::Kde(a) => run_kde(a, g),
        NetworkCmd::K(a) => run_k(&a, None, g),
        NetworkCmd::CrossK(a) => run_k(&a.k, Some((&a.facilities, a.facilities_crs.as_deref())), g),
        NetworkCmd::Gistar(a) => run_segments(a, true, g),
        NetworkCmd::Moran(a) => run_segments(a, false, g),
    }
}
