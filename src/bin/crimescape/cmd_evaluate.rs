//! `crimescape evaluate`: before/after with a control, displacement, cost-benefit
//! ([`crimescape::study::evaluate`]).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use crimescape::study::evaluate::{self as ev, AreaParams, EvaluateStudy};
use crimescape::EvaluateParams;

use crate::cli::GlobalArgs;
use crate::common::{done, outputs, spin, study_incidents, study_layer, LoadArgs};

choices! {
    /// Model of the interrupted time series.
    ItsModel => ev::ItsModel {
        /// Negative binomial GLM (θ estimated; Poisson when there is no over-dispersion).
        Nb,
        /// Poisson GLM (standard errors scaled for over-dispersion).
        Poisson,
        /// No time series.
        None,
    }
}

/// Arguments of `crimescape evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Treatment area(s): GeoJSON polygons, or points/lines with --radius.
    #[arg(long)]
    pub treatment: PathBuf,
    /// CRS of the treatment (and control) file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub areas_crs: Option<String>,
    /// Property naming the areas: features with the same value form one area,
    /// evaluated separately and pooled [default: all features form one area].
    #[arg(long)]
    pub area_field: Option<String>,
    /// Treated distance around point or line features (m); 0 for polygons.
    #[arg(long, default_value_t = 0.0)]
    pub radius: f64,
    /// Width of the buffer (catchment) ring around the treatment area (m); 0 for none.
    #[arg(long, default_value_t = 400.0)]
    pub buffer: f64,
    /// Control area polygons (per area when they carry --area-field) [default:
    /// comparable grid cells chosen automatically].
    #[arg(long)]
    pub control: Option<PathBuf>,
    /// Cell size of the automatic control (m).
    #[arg(long, default_value_t = 250.0)]
    pub control_cell: f64,
    /// Intervention date (YYYY-MM-DD); the pre and post periods are the longest
    /// equal spans on both sides within the data.
    #[arg(long)]
    pub intervention_date: Option<String>,
    /// Explicit pre period FROM..TO (TO excluded), e.g. 2023-01-01..2023-07-01.
    #[arg(long, value_name = "FROM..TO")]
    pub pre: Option<String>,
    /// Explicit post period FROM..TO (TO excluded).
    #[arg(long, value_name = "FROM..TO")]
    pub post: Option<String>,
    /// Cost file (TOML: intervention_cost, [offence_costs]) for a cost-benefit account.
    #[arg(long)]
    pub costs: Option<PathBuf>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Over-dispersion of counts: `auto` (estimated from monthly counts), `poisson`, or a factor.
    #[arg(long, default_value = "auto")]
    pub dispersion: String,
    /// Interrupted time series model.
    #[arg(long, value_enum, default_value = "nb")]
    pub its: ItsModel,
    /// Let the time series also estimate a change of trend after the intervention
    /// (default: a step change only).
    #[arg(long)]
    pub its_slope_change: bool,
    /// Output folder: evaluation.json, evaluation.md, timeseries_*.png, areas.png, areas.geojson.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The library parameters from the flags.
fn params(a: &EvaluateArgs) -> Result<EvaluateParams> {
    let mut p = ev::evaluate_params(
        a.pre.as_deref(),
        a.post.as_deref(),
        a.intervention_date.as_deref(),
    )?
    .confidence(a.confidence)
    .control_cell(a.control_cell);
    p.dispersion = a.dispersion.parse()?;
    p.its = ev::ItsModel::from(a.its).params(a.its_slope_change);
    Ok(p)
}

pub fn run(a: EvaluateArgs, g: &GlobalArgs) -> Result<()> {
    let p = params(&a)?;
    let costs = a.costs.as_deref().map(ev::read_costs).transpose()?;
    let incidents = study_incidents(&a.incidents, &a.load, g)?;
    let working = incidents.incidents.crs.working.clone();
    let crs = a.areas_crs.as_deref();
    let layer = |f: &PathBuf, role| study_layer(f, crs, Some(&working), role);
    let inputs = ev::EvaluationInputs {
        treatment: layer(&a.treatment, "treatment")?,
        control: a
            .control
            .as_ref()
            .map(|c| layer(c, "control"))
            .transpose()?,
        costs,
    };
    let areas = inputs.areas(&AreaParams {
        area_field: a.area_field.clone(),
        radius: a.radius,
        buffer: a.buffer,
    })?;
    let names: Vec<&str> = areas.iter().map(|x| x.name.as_str()).collect();
    let out = outputs(&a.out, EvaluateStudy::files(&names), g)?;
    let r = spin(g, "evaluating", || inputs.evaluate(&incidents, areas, &p))
        .context("evaluating the intervention")?;
    done(out, &r, g)
}
