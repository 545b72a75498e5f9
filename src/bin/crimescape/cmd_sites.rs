//! `crimescape sites`: ranked cells, street segments or user sites for
//! environmental-design and target-hardening changes ([`crimescape::study::sites`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::study::sites::{self as st, SitesModel, SitesStudy};
use crimescape::study::LayerSpec;
use crimescape::{SiteParams, SiteWeights};

use crate::cli::GlobalArgs;
use crate::common::{done, outputs, study_incidents, study_layer, LoadArgs};

choices! {
    /// Kind of unit ranked.
    UnitsArg => st::Units {
        /// Cells of the model's grid (inside its study area).
        Cells,
        /// Street segments of `--streets`.
        Segments,
        /// User sites of `--site-layer` (points with a radius, or polygons).
        Sites,
    }
}

/// Arguments of `crimescape sites`.
#[derive(Debug, Args)]
pub struct SitesArgs {
    /// Incident file (the one the model was fitted on, or a later period).
    pub incidents: PathBuf,
    /// model.json written by `crimescape risk fit`.
    #[arg(long)]
    pub model: PathBuf,
    /// Layers the model uses, NAME=PATH or PATH (named by its file stem; repeatable).
    #[arg(long = "layer", value_name = "[NAME=]PATH", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Units to rank.
    #[arg(long, value_enum, default_value_t = UnitsArg::Cells)]
    pub units: UnitsArg,
    /// Street layer (lines) for `--units segments`.
    #[arg(long)]
    pub streets: Option<PathBuf>,
    /// Split the street lines into segments between intersections.
    #[arg(long)]
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    #[arg(long, default_value_t = 30.0)]
    pub tolerance: f64,
    /// Site layer (points or polygons) for `--units sites`; `id` or `name` property
    /// names a site, a numeric `radius` property overrides `--site-radius`.
    #[arg(long)]
    pub site_layer: Option<PathBuf>,
    /// Radius (m) of point sites (incidents at distance <= radius count).
    #[arg(long, default_value_t = 50.0)]
    pub site_radius: f64,
    /// Offence-seriousness table: CSV `category,weight` (with header) or TOML
    /// `category = weight` (by extension .toml); unknown categories weigh 1.
    #[arg(long)]
    pub seriousness: Option<PathBuf>,
    /// With --seriousness: categories missing from the table are an error.
    #[arg(long)]
    pub strict_seriousness: bool,
    /// Number of equal time periods for persistence.
    #[arg(long, default_value_t = 4)]
    pub periods: usize,
    /// Periods of this many days (from midnight of the first incident's day) instead of
    /// --periods equal periods.
    #[arg(long, conflicts_with = "periods")]
    pub period_days: Option<i64>,
    /// A unit is hot in a period when it is in this top share of units by count.
    #[arg(long, default_value_t = 0.05)]
    pub persistence_top: f64,
    /// Factor -> CPTED mapping (TOML) [default: the shipped mapping; see
    /// fixtures/cpted/default.toml].
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Number of top sites that get suggestions and appear in the GeoJSON/map.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Weight of the crime burden (seriousness-weighted counts).
    #[arg(long, default_value_t = 0.35)]
    pub w_burden: f64,
    /// Weight of the persistence over time periods.
    #[arg(long, default_value_t = 0.15)]
    pub w_persistence: f64,
    /// Weight of the repeat-victimisation share.
    #[arg(long, default_value_t = 0.10)]
    pub w_repeat: f64,
    /// Weight of the RTM risk.
    #[arg(long, default_value_t = 0.25)]
    pub w_risk: f64,
    /// Weight of the modifiable share of the risk.
    #[arg(long, default_value_t = 0.15)]
    pub w_modifiable: f64,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(a: SitesArgs, g: &GlobalArgs) -> Result<()> {
    let specs = LayerSpec::parse_all(&a.layers, str::parse)?;
    let units = st::UnitsParams {
        units: a.units.into(),
        streets: a.streets.clone(),
        split: a.split,
        tolerance: a.tolerance,
        site_layer: a.site_layer.clone(),
        site_radius: a.site_radius,
    };
    units.file()?;
    let p = SiteParams::new()
        .top(a.top)
        .periods(a.periods)
        .period_days(a.period_days)
        .persistence_top(a.persistence_top)
        .weights(SiteWeights {
            burden: a.w_burden,
            persistence: a.w_persistence,
            repeat: a.w_repeat,
            risk: a.w_risk,
            modifiable: a.w_modifiable,
        });
    let out = outputs(&a.out, SitesStudy::files(), g)?;
    let m = SitesModel::read(
        &a.model,
        a.mapping.as_deref(),
        a.seriousness.as_deref(),
        a.strict_seriousness,
    )?;
    // every layer the model needs is named before anything is loaded
    m.model
        .model
        .check_layers(specs.iter().map(|s| s.name.as_str()))?;
    let incidents = study_incidents(&a.incidents, &a.load, g)?;
    if let Some(w) = m.check(&incidents)? {
        eprintln!("  WARNING: {w}");
    }
    let working = incidents.incidents.crs.working.clone();
    let load = |p: &Path, role: &str| study_layer(p, a.layer_crs.as_deref(), Some(&working), role);
    let layers = (specs.iter())
        .map(|s| s.load_with(load))
        .collect::<Result<Vec<_>>>()?;
    let units = units.load_with(load)?;
    let input = m.input(incidents, layers, units, Some(a.load.time_zone()?));
    done(out, &st::sites(&input, &p)?, g)
}
