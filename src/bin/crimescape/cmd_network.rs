//! `crimescape network kde|k|cross-k|gistar|moran`: analyses on the street network
//! (network distance instead of straight lines), [`crimescape::study::network`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use crimescape::network::{
    NetKernel, NetworkParams, NkdeMethod, NkdeParams, SegmentHotspotParams, SegmentValue,
    SegmentWeights,
};
use crimescape::study::network::{self as sn, NetworkK, NetworkKde, NetworkSegments, StudyNetwork};
use crimescape::Error;

use crate::cli::GlobalArgs;
use crate::common::{finish, outputs, spinner, study_incidents, study_layer, LoadArgs, StreetArgs};

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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Kernel of the shortest-path distance (Xie & Yan 2008); mass grows at junctions.
    Simple,
    /// Equal split at junctions (Okabe et al. 2009); jumps at junctions.
    Discontinuous,
    /// Equal split with back-propagation: continuous and mass-conserving.
    Continuous,
    /// The same kernel of the straight-line distance on the same lixels (planar comparison).
    Planar,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KernelArg {
    Quartic,
    Triangular,
    /// Truncated at the bandwidth (as spNetwork).
    Gaussian,
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
        .method(match a.method {
            MethodArg::Simple => NkdeMethod::Simple,
            MethodArg::Discontinuous => NkdeMethod::Discontinuous,
            MethodArg::Continuous => NkdeMethod::Continuous,
            MethodArg::Planar => NkdeMethod::Planar,
        })
        .kernel(match a.kernel {
            KernelArg::Quartic => NetKernel::Quartic,
            KernelArg::Triangular => NetKernel::Triangular,
            KernelArg::Gaussian => NetKernel::Gaussian,
        });
    let out = outputs(&a.out, NetworkKde::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    let net = network(&a.streets, &input.incidents.crs.working, g)?;
    let pb = spinner(
        g,
        format!("network KDE of {} incidents", input.incidents.len()),
    );
    let r = sn::kde(&input, &net, &p);
    pb.finish_and_clear();
    let r = r?;
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

/// Distances and simulations of the K functions.
#[derive(Debug, Args, Clone)]
pub struct KOptions {
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
}

/// `network k`.
#[derive(Debug, Args)]
pub struct KArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    #[command(flatten)]
    pub k: KOptions,
    /// Output folder (k.csv, k.json, k.png).
    #[arg(long, short, default_value = "network_k")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `network cross-k`.
#[derive(Debug, Args)]
pub struct CrossKArgs {
    /// Incident file (the points simulated in the envelope).
    pub file: PathBuf,
    /// Facility layer (points: bars, bus stops, ...), fixed in the envelope.
    #[arg(long)]
    pub facilities: PathBuf,
    /// CRS of the facility file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub facilities_crs: Option<String>,
    #[command(flatten)]
    pub streets: StreetArgs,
    #[command(flatten)]
    pub k: KOptions,
    /// Output folder (cross_k.csv, cross_k.json, cross_k.png).
    #[arg(long, short, default_value = "network_cross_k")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn run_k(
    file: PathBuf,
    facilities: Option<(PathBuf, Option<String>)>,
    streets: &StreetArgs,
    o: &KOptions,
    out: &std::path::Path,
    load: &LoadArgs,
    g: &GlobalArgs,
) -> Result<()> {
    let p = sn::k_params(o.max_distance, o.steps)?
        .simulations(o.simulations)
        .seed(o.seed);
    let out = outputs(out, NetworkK::files(facilities.is_some()), g)?;
    let input = study_incidents(&file, load, g)?;
    let working = &input.incidents.crs.working;
    let fac = match &facilities {
        Some((path, crs)) => Some(study_layer(
            path,
            crs.as_deref(),
            Some(working),
            "facilities",
        )?),
        None => None,
    };
    let net = network(streets, working, g)?;
    let pb = spinner(
        g,
        format!(
            "network K: {} points, {} simulations",
            input.incidents.len(),
            p.simulations
        ),
    );
    let r = sn::k(&input, &net, fac.as_ref(), &p);
    pb.finish_and_clear();
    let mut r = r?;
    if let Some((path, _)) = &facilities {
        r.title = format!("{} vs {}", file.display(), path.display());
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ValueArg {
    /// Incidents per segment.
    Count,
    /// Incidents per 100 m of segment.
    Rate,
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
    /// Conditional permutations (0 = none).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
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
    let value = match a.value {
        ValueArg::Count => SegmentValue::Count,
        ValueArg::Rate => SegmentValue::Rate,
    };
    let p = sn::segment_params(
        SegmentHotspotParams::new().weights(weights).value(value),
        gistar,
        a.permutations,
        a.seed,
        a.fdr,
    );
    let out = outputs(&a.out, NetworkSegments::files(gistar), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    let net = network(&a.streets, &input.incidents.crs.working, g)?;
    let pb = spinner(g, "segment hot spots".into());
    let r = sn::segments(&input, &net, &p);
    pb.finish_and_clear();
    let r = r?;
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
        NetworkCmd::K(a) => run_k(a.file, None, &a.streets, &a.k, &a.out, &a.load, g),
        NetworkCmd::CrossK(a) => run_k(
            a.file,
            Some((a.facilities, a.facilities_crs)),
            &a.streets,
            &a.k,
            &a.out,
            &a.load,
            g,
        ),
        NetworkCmd::Gistar(a) => run_segments(a, true, g),
        NetworkCmd::Moran(a) => run_segments(a, false, g),
    }
}
