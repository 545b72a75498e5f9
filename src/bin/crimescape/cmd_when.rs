//! `crimescape when`: when do incidents happen? Aoristic hour-of-week profile,
//! hour/day/month profiles, a 7 × 24 heat table, a day-of-year line, and with
//! `--by` the temporal signature of each group tested against the whole area.
//! The study is `crimescape::study::when`; this maps the flags.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::study::clusters::{ClusterMethod, ClusterStudyParams};
use crimescape::study::hotspots::{CellParams, GiStarStudyParams};
use crimescape::study::when::{
    self as study, WhenGroups, WhenInput, WhenParams, WhenProfile, WhenStudy,
};
use crimescape::{DbscanParams, EllipseConvention, GiStarParams, HdbscanParams, PlaceTestParams};

use crate::cli::GlobalArgs;
use crate::common::{finish, outputs, study_incidents, study_layer, LoadArgs};

/// Profile to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// 168 hours of the week (Sunday 00h first).
    HourOfWeek,
    /// 24 hours of the day.
    Hour,
    /// 7 days of the week (Sunday first).
    Day,
    /// 12 months.
    Month,
}

/// Arguments of `crimescape when`.
#[derive(Debug, Args)]
pub struct WhenArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Output directory.
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

fn bad(by: &str, why: &str) -> anyhow::Error {
    crimescape::Error::Param(format!("--by {by:?}: {why}")).into()
}

/// `FILE[:SUFFIX]`: the suffix when the part before the last `:` is an existing file.
fn file_and_suffix(s: &str) -> (PathBuf, Option<String>) {
    if let Some((a, b)) = s.rsplit_once(':') {
        if Path::new(a).is_file() && !Path::new(s).is_file() {
            return (PathBuf::from(a), Some(b.to_string()));
        }
    }
    (PathBuf::from(s), None)
}

/// The groups of `--by` and the layer file it names.
fn groups(by: &str, cell: Option<f64>) -> Result<(WhenGroups, Option<PathBuf>)> {
    let num = |s: &str, what: &str| -> Result<f64> {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| bad(by, &format!("{what} {s:?} is not a number >= 0")))
    };
    Ok(match by.split_once(':').map_or((by, None), |(a, b)| (a, Some(b))) {
        ("category", None) => (WhenGroups::Category, None),
        ("column", Some(name)) => (
            WhenGroups::Column {
                name: name.to_string(),
            },
            None,
        ),
        ("cell", Some(m)) => (WhenGroups::Cell { size: num(m, "cell size")? }, None),
        ("hotspot", None) => {
            let p = GiStarStudyParams {
                cells: CellParams {
                    cell,
                    ..Default::default()
                },
                gistar: GiStarParams::new().permutations(999).seed(12345),
                ..Default::default()
            };
            (WhenGroups::Hotspot(p), None)
        }
        ("cluster", rest) => {
            let parts: Vec<&str> = rest.map_or(vec![], |r| r.split(':').collect());
            let method = match parts.as_slice() {
                [] | ["hdbscan"] => ClusterMethod::Hdbscan(HdbscanParams::new(25)),
                ["hdbscan", n] => ClusterMethod::Hdbscan(HdbscanParams::new(
                    n.parse().map_err(|_| bad(by, "the HDBSCAN size is a whole number"))?,
                )),
                ["dbscan", eps, min] => ClusterMethod::Dbscan(DbscanParams::new(
                    num(eps, "eps")?,
                    min.parse()
                        .map_err(|_| bad(by, "the DBSCAN minimum is a whole number"))?,
                )),
                _ => return Err(bad(by, "use cluster, cluster:hdbscan:SIZE or cluster:dbscan:EPS:MIN")),
            };
            (
                WhenGroups::Cluster(ClusterStudyParams {
                    method,
                    ellipse: EllipseConvention::CrimeStat,
                }),
                None,
            )
        }
        ("polygon", Some(f)) => {
            let (path, field) = file_and_suffix(f);
            (WhenGroups::Polygon { field }, Some(path))
        }
        ("zone", Some(f)) => (WhenGroups::Zone, Some(PathBuf::from(f))),
        ("site", Some(f)) => {
            let (path, r) = file_and_suffix(f);
            let radius = match r {
                Some(r) => num(&r, "radius")?,
                None => 50.0,
            };
            (WhenGroups::Site { radius }, Some(path))
        }
        _ => {
            return Err(bad(
                by,
                "use category, column:NAME, cell:METRES, hotspot, cluster, polygon:FILE[:FIELD], zone:FILE or site:FILE[:RADIUS]",
            ))
        }
    })
}

/// Runs `crimescape when`.
pub fn run(a: &WhenArgs, g: &GlobalArgs) -> Result<()> {
    let mut p = WhenParams::new()
        .min_incidents(a.min_incidents)
        .test(PlaceTestParams::new().nrep(a.nrep).seed(a.seed));
    p.profile = match a.profile {
        Profile::HourOfWeek => WhenProfile::HourOfWeek,
        Profile::Hour => WhenProfile::Hour,
        Profile::Day => WhenProfile::Day,
        Profile::Month => WhenProfile::Month,
    };
    let layer_file = match &a.by {
        Some(by) => {
            let (gr, f) = groups(by, a.cell)?;
            p.groups = Some(gr);
            f
        }
        None => None,
    };
    let out = outputs(&a.out, WhenStudy::files(&p), g)?;
    // `--by column:NAME` reads that column, no other attribute
    let column = a.by.as_deref().and_then(|b| b.strip_prefix("column:"));
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
