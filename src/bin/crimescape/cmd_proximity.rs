//! `crimescape proximity`: R-tree queries from the command line.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::{GeometryIndex, Provenance};
use rayon::prelude::*;

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, write_output, LoadArgs};

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
    if !(a.within.is_finite() && a.within >= 0.0) {
        return Err(crimescape::Error::Param(format!(
            "--within {} must be a distance >= 0",
            a.within
        ))
        .into());
    }
    let (inc, rep) = load_incidents(&a.incidents, &a.load, g)?;
    let (layer, lrep) = load_layer(
        &a.layer,
        a.layer_crs.as_deref(),
        Some(&inc.crs.working),
        &[],
    )?;
    let idx = GeometryIndex::of_layer(&layer);
    let rows: Vec<(Option<(usize, f64)>, usize)> = inc
        .xy
        .par_iter()
        .map(|p| (idx.nearest(*p), idx.count_within(*p, a.within)))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "row",
        "nearest_feature",
        "distance_m",
        &format!("count_within_{}m", a.within),
    ])?;
    for (i, (n, c)) in rows.iter().enumerate() {
        let (f, d) = match n {
            Some((f, d)) => (f.to_string(), format!("{d:.3}")),
            None => (String::new(), String::new()),
        };
        w.write_record([inc.row[i].to_string(), f, d, c.to_string()])?;
    }
    write_output(&a.out, &w.into_inner()?, g)?;
    let mut prov = Provenance::new(serde_json::json!({"within_m": a.within, "layer": a.layer}));
    prov.input_load(&a.incidents, "incidents", &rep);
    prov.input(
        &a.layer,
        "layer",
        lrep.features_read,
        lrep.accepted,
        &lrep.sha256,
    );
    prov.crs = Some(inc.crs.clone());
    prov.outputs.push(a.out.display().to_string());
    prov.write_beside(&a.out, g.force)?;
    Ok(())
}
