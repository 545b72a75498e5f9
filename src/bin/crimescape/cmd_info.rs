//! `crimescape info`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::io::{detect_format, Format};
use crimescape::layer::GeometryKind;

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, LoadArgs};

/// Arguments of `crimescape info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The file (CSV/GeoJSON; more with the gdal feature).
    pub file: PathBuf,
    /// Read it as a layer (any geometry) rather than as incident points.
    #[arg(long)]
    pub layer: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(a: InfoArgs, g: &GlobalArgs) -> Result<()> {
    let fmt = detect_format(&a.file)?;
    // GeoJSON with non-point features is a layer
    let as_layer = a.layer
        || (fmt != Format::Csv && {
            let (l, _) = load_layer(&a.file, a.load.crs.as_deref(), None, &a.load.filters)?;
            l.kinds().keys().any(|k| *k != GeometryKind::Point) || l.is_empty()
        });
    if as_layer {
        let (l, rep) = load_layer(&a.file, a.load.crs.as_deref(), None, &a.load.filters)?;
        let s = crimescape::info::summarise_layer(&l, &rep);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&s)?);
        } else {
            print!("{}", s.to_text());
        }
        return Ok(());
    }
    let quiet = GlobalArgs {
        quiet: true,
        ..g.clone()
    };
    let (inc, rep) = load_incidents(&a.file, &a.load, &quiet)?;
    if let Some(rp) = &a.load.rejects {
        if !g.quiet {
            eprintln!(
                "wrote {} rejected row(s) to {}",
                rep.rejections.len(),
                rp.display()
            );
        }
    }
    let s = crimescape::info::summarise_incidents(&inc, &rep);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", s.to_text());
    }
    Ok(())
}
