//! `crimescape near-repeat`: the Knox near-repeat test, NearRepeat semantics
//! ([`crimescape::study::repeats::near_repeat`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::network::StudyNetwork;
use crimescape::study::repeats::{
    self as rs, parse_breaks, NearRepeatParams, NearRepeatStudy, NrcBands,
};
use crimescape::KnoxParams;

use crate::cli::GlobalArgs;
use crate::common::{finish, outputs, spin, study_incidents, LoadArgs, MetricArg};

/// Arguments of `crimescape near-repeat`.
#[derive(Debug, Args)]
#[command(mut_arg("time", |a| a.long("time-column").help("Time column [default: detected]")))]
pub struct NearRepeatArgs {
    /// Incident file (points with dates/times).
    pub file: PathBuf,
    /// Spatial band breaks in metres; bands are [a,b). Add Inf to keep the pairs beyond the
    /// last break (a "beyond" band), as NearRepeat does with Inf.
    #[arg(long, value_delimiter = ',', default_value = "0,100,200,300,400")]
    pub space: Vec<String>,
    /// Temporal band breaks in days; bands are [a,b) (a pair 7 days apart is in [7,14)).
    #[arg(long = "time", value_delimiter = ',', default_value = "0,7,14,21,28")]
    pub time_bands: Vec<String>,
    /// Near Repeat Calculator style spatial bands BANDWIDTH,N: "same location" [0,1) m,
    /// then N bands of BANDWIDTH m and a "beyond" band (replaces --space).
    #[arg(long, value_name = "BW,N")]
    pub nrc: Option<String>,
    /// NRC style temporal bands BANDWIDTH,N days plus a "beyond" band (replaces --time).
    #[arg(long, value_name = "BW,N")]
    pub nrc_time: Option<String>,
    /// Distance metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Manhattan)]
    pub metric: MetricArg,
    /// Occurrence windows longer than the first time band: left out (exclude) or
    /// placed at their midpoint; shorter windows always use their midpoint.
    #[arg(long, value_enum, default_value_t = WindowRuleArg::Exclude)]
    pub window_rule: WindowRuleArg,
    /// Permutations of the times (0 = analytic expectation with Poisson p only).
    #[arg(long, default_value_t = 999)]
    pub nrep: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Most pairs closer than the largest finite spatial break that the permutations
    /// may hold in memory (8 bytes each; 5e8 = 4 GB). With --nrep 0 they are only
    /// counted and this does not apply.
    #[arg(long, value_name = "N", default_value_t = 500_000_000)]
    pub max_pairs: u64,
    /// What an event is, for the summary sentence [default: the category if there is
    /// only one, else "incident"].
    #[arg(long)]
    pub label: Option<String>,
    /// Output folder (knox.csv, knox.json, knox.png, each with provenance).
    #[arg(long, short, default_value = "near_repeat")]
    pub out: PathBuf,
    #[command(flatten)]
    pub network: crate::common::NetworkMetricArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The Knox parameters from the command line.
fn params(a: &NearRepeatArgs) -> Result<KnoxParams> {
    let space = match &a.nrc {
        Some(s) => NrcBands::parse("nrc", s)?.space_breaks()?,
        None => parse_breaks("space_breaks", &a.space)?,
    };
    let time = match &a.nrc_time {
        Some(s) => NrcBands::parse("nrc_time", s)?.time_breaks()?,
        None => parse_breaks("time_breaks", &a.time_bands)?,
    };
    Ok(KnoxParams::new(space, time)
        .metric(a.metric.into())
        .nrep(a.nrep)
        .seed(a.seed)
        .max_pairs(a.max_pairs))
}

pub fn run(a: NearRepeatArgs, g: &GlobalArgs) -> Result<()> {
    // the time column's flag is --time-column here: --time is the time bands
    crate::errors::command_flags(&[("time", "--time-column")]);
    let mut p = NearRepeatParams {
        knox: params(&a)?,
        label: a.label.clone(),
        title: None,
    };
    let out = outputs(&a.out, NearRepeatStudy::files(), g)?;
    let mut input = study_incidents(&a.file, &a.load, g)?;
    if let Some(w) = rs::knox_windows(&mut input, &p.knox, a.window_rule.into())? {
        if !g.quiet {
            eprintln!("  {w}");
        }
    }
    let net = a.network.network(p.knox.metric, &input.incidents, g)?;
    let (space, streets) = net.map(StudyNetwork::into_space).unzip();
    if let Some(s) = space {
        p.knox = p.knox.network(s);
    }
    let what = format!(
        "Knox test: {} events, {} permutations",
        input.incidents.len(),
        p.knox.nrep
    );
    let t0 = std::time::Instant::now();
    let mut r = spin(g, &what, || rs::near_repeat(&input, &p))?;
    r.provenance.inputs.extend(streets.flatten());
    if !g.quiet {
        eprint!("{}", r.run_text());
        eprintln!("  {:.2} s", t0.elapsed().as_secs_f64());
    }
    print!("{}", r.summary_text());
    finish(out, &r, g)
}

choices! {
    /// `--window-rule`.
    WindowRuleArg => crimescape::WindowRule {
        /// Leave long windows out.
        Exclude,
        /// Use their midpoint.
        Midpoint,
    }
}
