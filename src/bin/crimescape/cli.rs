//! Command-line definition (clap derive; doc comments are the help text).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

/// crimescape: geospatial situational crime prevention.
///
/// Load incidents and built-environment layers, find high-crime places, repeat
/// and near-repeat victimization, score places for design changes, assess
/// proposals and evaluate interventions. All analyses run in metres; results
/// come with JSON provenance.
#[derive(Debug, Parser)]
#[command(name = "crimescape", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options for every command.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Overwrite existing output files.
    #[arg(long, global = true)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a file holds: rows accepted/rejected by reason, geometry,
    /// extent, CRS detected and used, time range and precision, top categories.
    Info(crate::cmd_info::InfoArgs),
    /// Generate the synthetic demo city (with its ground truth) and run the
    /// analyses on it.
    Demo(crate::cmd_demo::DemoArgs),
    /// Nearest feature of a layer and feature counts within a distance, for
    /// every incident (R-tree queries).
    Proximity(crate::cmd_proximity::ProximityArgs),
    /// Risk terrain modelling: fit which built-environment factors explain where
    /// incidents concentrate, or re-apply a saved model to changed layers.
    Risk(crate::cmd_risk::RiskArgs),
    /// Assess design proposals: expected incidents prevented (with a risk model)
    /// and free access to public space lost (walking reach, detours,
    /// through-movement, public space enclosed), side by side, with verdicts.
    Assess(crate::cmd_assess::AssessArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let g = cli.global;
    match cli.command {
        Command::Info(a) => crate::cmd_info::run(a, &g),
        Command::Demo(a) => crate::cmd_demo::run(a, &g),
        Command::Proximity(a) => crate::cmd_proximity::run(a, &g),
        Command::Risk(a) => crate::cmd_risk::run(a, &g),
        Command::Assess(a) => crate::cmd_assess::run(a, &g),
    }
}

/// Where to write outputs.
#[allow(dead_code)]
pub fn out_path(dir: &std::path::Path, name: &str) -> PathBuf {
    dir.join(name)
}
