//! `crimescape demo`: the synthetic demo city and every analysis on it
//! ([`crimescape::run_demo`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::{DemoParams, Outputs};

use crate::cli::GlobalArgs;
use crate::common::{commit, output_options, spinner};

/// Arguments of `crimescape demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, short, default_value = "crimescape-demo")]
    pub out: PathBuf,
    /// Seed of the city (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of incidents.
    #[arg(long, default_value_t = 20_000)]
    pub incidents: usize,
    /// Side of the square city in metres.
    #[arg(long, default_value_t = 6000.0)]
    pub size: f64,
    /// Only write the city and its ground truth; run no analysis.
    #[arg(long)]
    pub city_only: bool,
}

pub fn run(a: DemoArgs, g: &GlobalArgs) -> Result<()> {
    let params = DemoParams::new(a.seed).incidents(a.incidents).size(a.size);
    let mut out = Outputs::folder(&a.out, &output_options(g))?;
    let pb = spinner(g, "demo".into());
    let text = crimescape::run_demo(&params, a.city_only, &mut out, &|m| {
        pb.set_message(m.to_string())
    });
    pb.finish_and_clear();
    let text = text?;
    commit(out, g)?;
    if !g.quiet {
        print!("{text}");
    }
    Ok(())
}
