//! `crimescape proximity`: R-tree queries from the command line
//! ([`crimescape::study::proximity`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::proximity::{check_within, proximity};
use crimescape::Outputs;

use crate::cli::GlobalArgs;
use crate::common::{commit, output_options, study_incidents, study_layer, LoadArgs};

/// Arguments of `crimescape proximity`.
#[derive(Debug, Args)]
pub struct ProximityArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Layer file (points, lines or polygons).
    #[arg(long)]
    pub layer: PathBuf,
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
    let (mut out, name) = Outputs::single(&a.out, &output_options(g))?;
    let input = study_incidents(&a.incidents, &a.load, g)?;
    let layer = study_layer(
        &a.layer,
        a.layer_crs.as_deref(),
        Some(&input.incidents.crs.working),
        "layer",
    )?;
    let r = proximity(&input, &layer, a.within)?;
    r.write(&mut out, &name)?;
    commit(out, g)
}
