//! Command-line definition (clap derive; doc comments are the help text).

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
    /// Flush every output file to the disk before the output set is moved into place
    /// (survives a power failure right after the run; slower for large outputs).
    #[arg(long, global = true)]
    pub sync: bool,
    // -- public audience (issue 18; docs/publishing.md) --
    /// Who the outputs are for: internal (exact, the default) or public (no output
    /// holds an incident location or a count below --min-count; a disclosure report
    /// is written beside the outputs).
    #[arg(long, global = true, value_enum, default_value_t = crate::common::AudienceArg::Internal)]
    pub audience: crate::common::AudienceArg,
    /// Address or building points (CSV with x/y or lon/lat columns, or GeoJSON) for
    /// anonymous map points in public mode: each published point covers at least
    /// --min-count addresses [default: points go to the centres of 100 m squares].
    #[arg(long, global = true, value_name = "FILE")]
    pub addresses: Option<std::path::PathBuf>,
    /// Public mode: counts 0 < n < K are shown as "<K", groups (chains, clusters,
    /// sites) of fewer than K incidents are withheld (`repeats` also uses it for its
    /// repeat cells, in both modes).
    #[arg(long, global = true, value_name = "K", default_value_t = 3)]
    pub min_count: usize,
    // --- figures (issue 14): title, palette, context layers of every map ---
    /// Title of every map (the analysis name then opens the subtitle).
    #[arg(long, global = true, value_name = "TEXT")]
    pub title: Option<String>,
    /// Colours of hot/cold classes: colour-blind-safe blue-orange, or ArcGIS red/blue.
    #[arg(long, global = true, value_enum, default_value_t = PaletteArg::BlueOrange)]
    pub palette: PaletteArg,
    /// A layer drawn on every map for orientation (repeatable): lines as grey streets
    /// (named along the longest pieces when features have a `name` property), polygons
    /// as light fills, or dark outlines when the file name says boundary/district/beat/ward.
    /// In the CRS of the incidents (or lon/lat when they are lon/lat).
    #[arg(long, global = true, value_name = "FILE")]
    pub context: Vec<std::path::PathBuf>,
    /// Also write every GeoJSON layer of the run, with its QGIS style (applied when
    /// QGIS opens the layer), into one GeoPackage of this name in the output folder
    /// (e.g. run.gpkg). Needs crimescape built with the `gdal` feature.
    #[arg(long, global = true, value_name = "FILE")]
    pub gpkg: Option<String>,
}

choices! {
    /// `--palette` choices.
    PaletteArg => crimescape::Palette {
        /// Colour-blind-safe blue (cold) to orange (hot).
        BlueOrange,
        /// ArcGIS's hot-spot colours (blue cold, red hot).
        Arcgis,
    }
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
    /// High-crime places: grid counts, kernel density, Gi*, Local Moran, change over time.
    Hotspots(crate::cmd_hotspots::HotspotsArgs),
    /// Point clusters (DBSCAN, space-time DBSCAN) with convex hulls and standard
    /// deviational ellipses.
    Clusters(crate::cmd_clusters::ClustersArgs),
    /// Point-pattern statistics on the study area: nearest neighbour index, Ripley's K/L,
    /// cross-K against a layer (e.g. bus stops), with CSR envelopes.
    Pattern(crate::cmd_pattern::PatternArgs),
    /// Incidents per street segment, rates per 100 m, top segments, and the law
    /// of crime concentration (Lorenz curve, Gini) for segments and grid cells.
    Segments(crate::cmd_segments::SegmentsArgs),
    /// Prediction accuracy of hotspot maps (hit rate, PAI, PEI, RRI) built on a
    /// training period and tested on the next.
    EvaluateHotspots(crate::cmd_evaluate_hotspots::EvaluateArgs),
    /// Knox near-repeat test (NearRepeat semantics): observed, expected, Knox ratio and
    /// p-value per distance x time band; CSV, JSON, PNG heat table and a summary sentence.
    NearRepeat(crate::cmd_nearrepeat::NearRepeatArgs),
    /// Exact repeats: incidents at the same place (coordinates or address), time between
    /// repeats, repeat locations aggregated to grid cells (exact ones only on request).
    Repeats(crate::cmd_repeats::RepeatsArgs),
    /// When do incidents happen? Aoristic hour-of-week profile (occurrence windows
    /// spread minute-exactly), heat table, day-of-year line; with --by, each group's
    /// night share, weekend-night share and peak hour tested against the whole area.
    When(crate::cmd_when::WhenArgs),
    /// Near-repeat chains: events linked within a distance and a time, with the chain
    /// lengths expected under permuted times; GeoJSON lines and a PNG map.
    Chains(crate::cmd_repeats::ChainsArgs),
    /// Prospective hotspot map (promap) for a date, evaluated against the following
    /// week/month by hit rate and PAI next to a plain KDE.
    Promap(crate::cmd_repeats::PromapArgs),
    /// Risk terrain modelling: fit which built-environment factors explain where
    /// incidents concentrate, re-apply a saved model to changed layers, or validate it
    /// on a later period against hotspot maps.
    Risk(crate::cmd_risk::RiskArgs),
    /// Rank grid cells, street segments or user sites for environmental-design and
    /// target-hardening changes: crime burden (optionally weighted by seriousness),
    /// persistence, repeat share, RTM risk and its modifiable share, with CPTED
    /// suggestions and their public-access class.
    Sites(crate::cmd_sites::SitesArgs),
    /// Evaluate an intervention: before/after counts in treatment, buffer and
    /// control areas, odds ratio, difference in differences, displacement (WDQ),
    /// interrupted time series and an optional cost-benefit account.
    Evaluate(crate::cmd_evaluate::EvaluateArgs),
    /// Assess design proposals: expected incidents prevented (with a risk model)
    /// and free access to public space lost (walking reach, detours,
    /// through-movement, public space enclosed), side by side, with verdicts.
    Assess(crate::cmd_assess::AssessArgs),
    /// The street network as the space: network kernel density on lixels, network K and
    /// cross K functions with envelopes, Gi* and Local Moran on street segments.
    Network(crate::cmd_network::NetworkArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    // an interrupted run leaves the previous outputs and no temporary files behind
    let _ = ctrlc::set_handler(|| {
        crimescape::abort_all();
        std::process::exit(130);
    });
    let g = cli.global;
    crate::common::init_run(&g)?;
    match cli.command {
        Command::Info(a) => crate::cmd_info::run(a, &g),
        Command::Demo(a) => crate::cmd_demo::run(a, &g),
        Command::Proximity(a) => crate::cmd_proximity::run(a, &g),
        Command::Hotspots(a) => crate::cmd_hotspots::run(a, &g),
        Command::Clusters(a) => crate::cmd_clusters::run(a, &g),
        Command::Pattern(a) => crate::cmd_pattern::run(a, &g),
        Command::Segments(a) => crate::cmd_segments::run(a, &g),
        Command::EvaluateHotspots(a) => crate::cmd_evaluate_hotspots::run(a, &g),
        Command::NearRepeat(a) => crate::cmd_nearrepeat::run(a, &g),
        Command::Repeats(a) => crate::cmd_repeats::run_repeats(a, &g),
        Command::When(a) => crate::cmd_when::run(&a, &g),
        Command::Chains(a) => crate::cmd_repeats::run_chains(a, &g),
        Command::Promap(a) => crate::cmd_repeats::run_promap(a, &g),
        Command::Risk(a) => crate::cmd_risk::run(a, &g),
        Command::Sites(a) => crate::cmd_sites::run(a, &g),
        Command::Evaluate(a) => crate::cmd_evaluate::run(a, &g),
        Command::Assess(a) => crate::cmd_assess::run(a, &g),
        Command::Network(a) => crate::cmd_network::run(a, &g),
    }
}
