//! `crimescape segments`: incidents per street segment and the law of crime
//! concentration ([`crimescape::study::segments`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::network::StreetSource;
use crimescape::study::segments::{self as ss, SegmentStudy, SegmentStudyParams};

use crate::cli::GlobalArgs;
use crate::common::{crs_of, done, outputs, shown, study_incidents, LoadArgs};

/// Arguments of `crimescape segments`.
#[derive(Debug, Args)]
pub struct SegmentsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Street layer (lines).
    #[arg(long)]
    pub streets: PathBuf,
    /// CRS of the street file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub streets_crs: Option<String>,
    /// Split the lines into segments between intersections.
    #[arg(long)]
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    #[arg(long, default_value_t = 30.0)]
    pub tolerance: f64,
    /// Rows of the top-segments table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Cell size (m) for the grid-cell concentration [default: sfhotspot rule].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Output folder.
    #[arg(long, short, default_value = "segments")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(a: SegmentsArgs, g: &GlobalArgs) -> Result<()> {
    let p = SegmentStudyParams {
        split: a.split,
        tolerance: a.tolerance,
        cell: a.cell,
        top: a.top,
    };
    let out = outputs(&a.out, SegmentStudy::files(), g)?;
    let input = study_incidents(&a.file, &a.load, g)?;
    let src = StreetSource::new(&a.streets).crs(crs_of(&a.streets_crs)?);
    let streets = shown(src.load(&input.incidents.crs.working), &a.streets)?;
    done(out, &ss::segments(&input, &streets, &p)?, g)
}
