//! `crimescape when`: when do incidents happen? Aoristic hour-of-week profile,
//! hour/day/month profiles, a 7 × 24 heat table, a day-of-year line, and with
//! `--by` the temporal signature of each group tested against the whole area.
//! The study is `crimescape::study::when`; this maps the flags.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use crimescape::study::when::{
    self as study, WhenGroups, WhenInput, WhenParams, WhenProfile, WhenStudy,
};
use crimescape::PlaceTestParams;

use crate::cli::GlobalArgs;
use crate::common::{finish, outputs, study_incidents, study_layer, LoadArgs};

choices! {
    /// Profile to write.
    Profile => WhenProfile {
        /// 168 hours of the week (Sunday 00h first).
        HourOfWeek,
        /// 24 hours of the day.
        Hour,
        /// 7 days of the week (Sunday first).
        Day,
        /// 12 months.
        Month,
    }
}

/// Arguments of `crimescape when`.
#[derive(Debug, Args)]
pub struct WhenArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Output folder.
    #[arg(short, long, default_value = "when")]
    pub out: PathBuf,
    /// Profile written to profile.csv.
    #[arg(long, value_enum, default_value_t = Profile::HourOfWeek)]
    pub profile: Profile,
    /// Profile each group and test it against the whole area: `category`;
    /// `column:NAME` (e.g. column:beat); `cell:METRES` (grid cells); `hotspot` (Gi* hot
    /// cells vs the rest, cells of --cell, 999 permutations, seed 12345, as
    /// `hotspots gistar`); `cluster` (HDBSCAN, min cluster size 25), `cluster:hdbscan:SIZE`
    /// or `cluster:dbscan:EPS:MIN`; `polygon:FILE[:FIELD]` (police beats or any polygon
    /// layer); `zone:FILE` (the areas.geojson of `evaluate`); `site:FILE[:RADIUS]`
    /// (points/lines/polygons, e.g. bars; radius 50 m).
    #[arg(long, value_name = "GROUPS")]
    pub by: Option<String>,
    /// Cell size (m) of `--by hotspot` [default: the sfhotspot rule].
    #[arg(long)]
    pub cell: Option<f64>,
    /// CRS of the `--by` layer file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Groups with fewer incidents are listed without a test.
    #[arg(long, default_value_t = 10)]
    pub min_incidents: usize,
    /// Permutation replicates of the group test.
    #[arg(long, default_value_t = 999)]
    pub nrep: usize,
    /// Seed of the group test.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Runs `crimescape when`.
pub fn run(a: &WhenArgs, g: &GlobalArgs) -> Result<()> {
    let mut p = WhenParams::new()
        .min_incidents(a.min_incidents)
        .test(PlaceTestParams::new().nrep(a.nrep).seed(a.seed));
    p.profile = a.profile.into();
    let layer_file = match &a.by {
        Some(by) => {
            let (gr, f) = WhenGroups::parse(by, a.cell)?;
            p.groups = Some(gr);
            f
        }
        None => None,
    };
    let out = outputs(&a.out, WhenStudy::files(&p), g)?;
    // `--by column:NAME` reads that column, no other attribute
    let column = p.groups.as_ref().and_then(WhenGroups::column);
    let load = a.load.reading(column.map(String::from).as_ref());
    let mut input = WhenInput::new(study_incidents(&a.file, &load, g)?);
    if let Some(f) = layer_file {
        let target = input.incidents.incidents.crs.working.clone();
        input = input.with_layer(study_layer(
            &f,
            a.layer_crs.as_deref(),
            Some(&target),
            "groups",
        )?);
    }
    let r = study::when(&input, &p)?;
    print!("{}", r.summary_text());
    finish(out, &r, g)
}
