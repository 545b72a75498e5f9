//! `crimescape assess`: design proposals, crime risk and free access side by side
//! ([`crimescape::study::assess`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::study::assess::{self as asx, AssessStudy, StudyFiles};
use crimescape::study::{LayerSpec, StudyLayer};
use crimescape::{AssessParams, Crs, NetworkParams};

use crate::cli::GlobalArgs;
use crate::common::{done, load_incidents, outputs, shown, spin, LoadArgs};

/// Arguments of `crimescape assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Street centre lines (the walking network).
    #[arg(long)]
    pub streets: PathBuf,
    /// Footpaths added to the walking network.
    #[arg(long)]
    pub paths: Option<PathBuf>,
    /// Public-space polygons (parks, plazas). Repeatable; the layer name is the file stem.
    #[arg(long = "spaces")]
    pub spaces: Vec<PathBuf>,
    /// Other built-environment layers (lights, atms, ...), NAME=PATH as in `risk fit`
    /// and `sites` (a bare PATH is named by its file stem). Repeatable.
    #[arg(long = "layer", value_name = "[NAME=]PATH")]
    pub layers: Vec<String>,
    /// A proposal GeoJSON (see docs/access.md for the schema). Repeatable.
    #[arg(long = "proposal", required = true)]
    pub proposals: Vec<PathBuf>,
    /// A risk model (JSON factor model); without it only access is assessed.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Snapping tolerance of the network (m).
    #[arg(long, default_value_t = 1.0)]
    pub snap: f64,
    /// Do not make junctions where lines cross (bridges, tunnels).
    #[arg(long)]
    pub no_split_crossings: bool,
    /// Walking distances for reachability (m), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "400,800")]
    pub distances: Vec<f64>,
    /// Skip assessing each action alone.
    #[arg(long)]
    pub no_per_action: bool,
    /// Incidents whose times (aoristic hour-of-week profile) weight time-restricted
    /// actions by the hours they are in force (with --model); the load flags below
    /// apply to this file.
    #[arg(long)]
    pub incidents: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
}

pub fn run(a: AssessArgs, g: &GlobalArgs) -> Result<()> {
    let mut params = AssessParams::new()
        .network(
            NetworkParams::new()
                .snap_tolerance(a.snap)
                .split_crossings(!a.no_split_crossings),
        )
        .distances(a.distances.clone())
        .per_action(!a.no_per_action);
    let files = StudyFiles {
        streets: a.streets.clone(),
        paths: a.paths.clone(),
        spaces: a.spaces.clone(),
        layers: LayerSpec::parse_all(&a.layers, LayerSpec::named_or_bare)?,
        crs: a.layer_crs.as_deref().map(Crs::parse).transpose()?,
    };
    // each layer's warnings shown as it is read, as every command's layers
    let (study, mut inputs) = asx::load_study_with(&files, |p, opts, role| {
        shown(StudyLayer::load(p, opts, role), p)
    })?;
    let paths: Vec<&Path> = a.proposals.iter().map(|p| p.as_path()).collect();
    let (proposals, pin) = asx::read_proposals(&paths, &study)?;
    inputs.extend(pin);
    let model = (a.model.as_ref())
        .map(|p| asx::read_risk_model(p, &study.crs.working))
        .transpose()?
        .map(|(m, src)| {
            inputs.push(src);
            m
        });
    if let Some(p) = &a.incidents {
        let (inc, rep) = load_incidents(p, &a.load, g)?;
        let (profile, source) = asx::incident_times(&inc, &rep)?;
        inputs.push(source);
        params = params.incident_times(profile);
    }
    let names: Vec<&str> = proposals.iter().map(|p| p.name.as_str()).collect();
    let out = outputs(&a.out, AssessStudy::files(&names, model.is_some()), g)?;
    let r = spin(g, "assessing proposals", || {
        asx::assess(&study, &proposals, model.as_deref(), inputs, &params)
    })?;
    for n in r.risk_notes() {
        eprintln!("  WARNING: {n}");
    }
    done(out, &r, g)
}
