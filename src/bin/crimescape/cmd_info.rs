//! `crimescape info`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::{detect_format, Format, GeometryKind, RejectReason};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents_with, load_layer, LoadArgs};

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
    let quiet = GlobalArgs {
        quiet: true,
        ..g.clone()
    };
    let loaded = if a.layer {
        None
    } else if fmt == Format::Csv {
        Some(load_incidents_with(&a.file, &a.load, &quiet, false)?)
    } else {
        // GeoJSON/GDAL: incidents when every feature is a point, otherwise a layer
        match load_incidents_with(&a.file, &a.load, &quiet, false) {
            Ok((inc, rep)) if !rep.rejected.contains_key(&RejectReason::NotAPoint) => {
                Some((inc, rep))
            }
            Ok(_) => None,
            Err(e) => {
                // not usable as incidents: a layer of lines/polygons, or a real error
                match load_layer(&a.file, a.load.crs.as_deref(), None, &a.load.filters) {
                    Ok((l, _)) if l.kinds().keys().any(|k| *k != GeometryKind::Point) => None,
                    // the layer's own error is the relevant one when the features are not points
                    Err(le) if format!("{e:#}").contains(RejectReason::NotAPoint.name()) => {
                        return Err(le)
                    }
                    _ => return Err(e),
                }
            }
        }
    };
    let Some((inc, rep)) = loaded else {
        let (l, rep) = load_layer(&a.file, a.load.crs.as_deref(), None, &a.load.filters)?;
        let mut s = crimescape::summarise_layer(&l, &rep);
        if g.audience == crate::common::AudienceArg::Public {
            s = s.for_public();
        }
        if a.json {
            println!("{}", serde_json::to_string_pretty(&s)?);
        } else {
            print!("{}", crate::errors::with_flags(&s.to_text()));
        }
        return Ok(());
    };
    if let Some(rp) = &a.load.rejects {
        if !g.quiet {
            eprintln!(
                "wrote {} rejected row(s) to {}",
                rep.rejections.len(),
                rp.display()
            );
        }
    }
    let mut s = crimescape::summarise_incidents(&inc, &rep);
    if g.audience == crate::common::AudienceArg::Public {
        s = s.for_public(u32::try_from(g.min_count).unwrap_or(u32::MAX));
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", crate::errors::with_flags(&s.to_text()));
    }
    Ok(())
}
