//! `crimescape info`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::info::file_info;

use crate::cli::GlobalArgs;
use crate::common::{run_outputs, spinner, LoadArgs};

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
    let load = a.load.study_load(g)?;
    load.check_public(run_outputs().is_public())?;
    let pb = spinner(g, format!("reading {}", a.file.display()));
    let info = file_info(&a.file, &load, a.layer);
    pb.finish_and_clear();
    let info = info.map_err(|e| {
        // a failed load (strict, nothing usable) still writes its rejected rows
        if let Some(line) = load.failed_rejects_line(&e) {
            eprintln!("{line}");
        }
        anyhow::Error::new(e).context(format!("reading {}", a.file.display()))
    })?;
    for w in &info.warnings {
        eprintln!("  WARNING: {}: {w}", a.file.display());
    }
    if let Some(line) = info.report.as_ref().and_then(|r| load.rejects_line(r)) {
        if !g.quiet {
            eprintln!("{}", line.trim_start());
        }
    }
    let info = match run_outputs().disclosure().k() {
        Some(k) => info.for_public(k),
        None => info,
    };
    if a.json {
        println!("{}", info.to_json()?);
    } else {
        print!("{}", crate::errors::with_flags(&info.to_text()));
    }
    Ok(())
}
