//! `crimescape proximity`: R-tree queries from the command line
//! ([`crimescape::study::proximity`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::proximity::{check_within, proximity};
use crimescape::study::LayerSpec;
use crimescape::Outputs;

use crate::cli::GlobalArgs;
use crate::common::{commit, output_options, study_incidents, study_layer, LoadArgs};

/// Arguments of `crimescape proximity`.
#[derive(Debug, Args)]
pub struct ProximityArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Layer file (points, lines or polygons): PATH or NAME=PATH, as every --layer.
    #[arg(long, value_name = "[NAME=]PATH")]
    pub layer: String,
    /// CRS of the layer file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Count features within this distance (m, inclusive).
    #[arg(long, default_value_t = 100.0)]
    pub within: f64,
    /// Output CSV: row, nearest feature index, distance (m), count within.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(a: ProximityArgs, g: &GlobalArgs) -> Result<()> {
    check_within(a.within)?;
    let spec = LayerSpec::named_or_bare(&a.layer)?;
    let (mut out, name) = Outputs::single(&a.out, &output_options(g))?;
    let input = study_incidents(&a.incidents, &a.load, g)?;
    let (crs, working) = (a.layer_crs.as_deref(), &input.incidents.crs.working);
    let layer = spec.load_with(|p, role| study_layer(p, crs, Some(working), role))?;
    let r = proximity(&input, &layer, a.within)?;
    r.write(&mut out, &name)?;
    commit(out, g)
}
