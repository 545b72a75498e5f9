//! `crimescape evaluate-hotspots`: prediction accuracy (hit rate, PAI, PEI, RRI) of
//! hotspot maps built on a training period, tested on the following period
//! ([`crimescape::study::accuracy`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::accuracy::{self as acc, AccuracyStudy};
use crimescape::study::settings::parse_date_setting;
use crimescape::CompareParams;

use crate::cli::GlobalArgs;
use crate::common::{done, outputs, study_incidents, LoadArgs};

/// Arguments of `crimescape evaluate-hotspots`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Incident file (with times).
    pub file: PathBuf,
    /// End of the training period (exclusive); the test period starts here.
    #[arg(long)]
    pub train_until: String,
    /// Start of the training period (inclusive) [default: open].
    #[arg(long)]
    pub train_from: Option<String>,
    /// End of the test period (exclusive) [default: open].
    #[arg(long)]
    pub test_until: Option<String>,
    /// Cell size in metres [default: sfhotspot rule on the extent].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Quartic KDE bandwidth in metres [default: 3 cells]; Gi* (queen weights) and promap
    /// (400 m, 56 days) are compared too.
    #[arg(long)]
    pub bandwidth: Option<f64>,
    /// Output folder: accuracy.json, accuracy.csv, pai.png, hit_rate.png.
    #[arg(long, short, default_value = "evaluation")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(a: EvaluateArgs, g: &GlobalArgs) -> Result<()> {
    let day = |field, s: &Option<String>| {
        (s.as_deref().map(|s| parse_date_setting(field, s))).transpose()
    };
    let p = CompareParams::new(parse_date_setting("train_until", &a.train_until)?)
        .train_from(day("train_from", &a.train_from)?)
        .test_until(day("test_until", &a.test_until)?)
        .cell(a.cell)
        .kde_bandwidth(a.bandwidth);
    let out = outputs(&a.out, AccuracyStudy::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    done(out, &acc::accuracy(&input, &p)?, g)
}
