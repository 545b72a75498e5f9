//! `crimescape repeats`, `crimescape chains`, `crimescape promap`: repeat
//! victimization beyond the Knox test ([`crimescape::study::repeats`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::network::StudyNetwork;
use crimescape::study::repeats::{
    self as rs, ChainStudy, ChainStudyParams, PromapStudy, RepeatStudy, RepeatStudyParams,
};
use crimescape::study::settings::parse_date_setting;
use crimescape::{ChainParams, ExactRepeatParams, PromapParams};

use crate::cli::GlobalArgs;
use crate::common::{finish, outputs, study_incidents, LoadArgs, MetricArg};

/// Arguments of `crimescape repeats`.
#[derive(Debug, Args)]
pub struct RepeatsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Same place when within this distance (m, inclusive; 0 = identical coordinates).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Define places by this address column instead of coordinates.
    #[arg(long)]
    pub address: Option<String>,
    /// Grid cell (m) for the aggregated map of repeat locations.
    #[arg(long, default_value_t = 250.0)]
    pub cell: f64,
    /// Suppress cells with fewer repeat locations than this in aggregated output.
    #[arg(long, default_value_t = 3)]
    pub min_count: usize,
    /// Also write the exact repeat locations (identifies households: internal use only).
    #[arg(long)]
    pub exact_locations: bool,
    /// Number of top repeat locations written with --exact-locations.
    #[arg(long, default_value_t = 100)]
    pub top: usize,
    /// Output folder.
    #[arg(long, short, default_value = "repeats")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_repeats(a: RepeatsArgs, g: &GlobalArgs) -> Result<()> {
    let mut repeats = ExactRepeatParams::default()
        .tolerance(a.tolerance)
        .cell(a.cell)
        .min_count(a.min_count);
    if let Some(c) = &a.address {
        repeats = repeats.address_column(c);
    }
    let p = RepeatStudyParams {
        repeats,
        exact_locations: a.exact_locations,
        top: a.top,
    };
    let out = outputs(&a.out, RepeatStudy::files(&p), g)?;
    // the --address column is the only attribute read
    let input = study_incidents(&a.file, &a.load.reading(&a.address), g)?;
    let r = rs::exact_repeats(&input, &p)?;
    if let Some(n) = r.note().filter(|_| !g.quiet) {
        eprintln!("{}", crate::errors::with_flags(&n));
    }
    print!("{}", r.result.to_text());
    finish(out, &r, g)
}

/// Arguments of `crimescape chains`.
#[derive(Debug, Args)]
pub struct ChainsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Link events within this distance (m, inclusive).
    #[arg(long, default_value_t = 100.0)]
    pub distance: f64,
    /// ... and within this many days (inclusive; whole days for date-only data).
    #[arg(long, default_value_t = 14.0)]
    pub days: f64,
    /// Distance metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Euclidean)]
    pub metric: MetricArg,
    /// Smallest chain reported.
    #[arg(long, default_value_t = 2)]
    pub min_length: usize,
    /// Permutations of the times for the expected chain lengths.
    #[arg(long, default_value_t = 99)]
    pub nrep: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Chains drawn on the PNG map.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Write exact member coordinates (default: snapped to a 50 m grid).
    #[arg(long)]
    pub exact_locations: bool,
    /// Output folder.
    #[arg(long, short, default_value = "chains")]
    pub out: PathBuf,
    #[command(flatten)]
    pub network: crate::common::NetworkMetricArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_chains(a: ChainsArgs, g: &GlobalArgs) -> Result<()> {
    let mut p = ChainStudyParams {
        chains: ChainParams::new(a.distance, a.days)
            .metric(a.metric.into())
            .min_length(a.min_length)
            .nrep(a.nrep)
            .seed(a.seed),
        top: a.top,
        exact_locations: a.exact_locations,
    };
    let out = outputs(&a.out, ChainStudy::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    let net = a.network.network(p.chains.metric, &input.incidents, g)?;
    let (space, streets) = net.map(StudyNetwork::into_space).unzip();
    if let Some(s) = space {
        p.chains = p.chains.network(s);
    }
    let mut r = rs::chain_study(&input, &p)?;
    r.provenance.inputs.extend(streets.flatten());
    if !g.quiet {
        for w in r.warnings() {
            eprintln!("  warning: {w}");
        }
    }
    print!("{}", r.result.to_text());
    finish(out, &r, g)
}

/// Arguments of `crimescape promap`.
#[derive(Debug, Args)]
pub struct PromapArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Prediction date (YYYY-MM-DD): history before it, evaluation after it.
    #[arg(long)]
    pub date: String,
    /// Grid cell (m).
    #[arg(long, default_value_t = 50.0)]
    pub cell: f64,
    /// Spatial bandwidth (m).
    #[arg(long, default_value_t = 400.0)]
    pub bandwidth: f64,
    /// Temporal bandwidth (days).
    #[arg(long, default_value_t = 56.0)]
    pub days: f64,
    /// Quartic KDE bandwidth of the comparison (m).
    #[arg(long, default_value_t = 400.0)]
    pub kde_bandwidth: f64,
    /// Evaluation horizons (days).
    #[arg(long, value_delimiter = ',', default_value = "7,30")]
    pub horizon: Vec<f64>,
    /// Output folder.
    #[arg(long, short, default_value = "promap")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_promap(a: PromapArgs, g: &GlobalArgs) -> Result<()> {
    let mut p = PromapParams::new(parse_date_setting("date", &a.date)?)
        .cell(a.cell)
        .bandwidths(a.bandwidth, a.days);
    p.kde_bandwidth_m = a.kde_bandwidth;
    p.horizons_days = a.horizon.clone();
    let out = outputs(&a.out, PromapStudy::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    let r = rs::promap_study(&input, &p)?;
    print!("{}", r.result.to_text());
    finish(out, &r, g)
}
