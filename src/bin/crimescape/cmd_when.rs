//! `crimescape when`: when do incidents happen? Aoristic hour-of-week profile,
//! hour/day/month profiles, a 7 × 24 heat table, a day-of-year line, and with
//! `--by` the temporal signature of each group tested against the whole area.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::export::Outputs;
use crimescape::when::aoristic::calendar_profile;
use crimescape::when::figure::{day_of_year_line, week_heat_table};
use crimescape::when::incidents::temporal_table;
use crimescape::when::{
    bin_label, test_places, AoristicRule, PlaceTestParams, SunParams, Window, DAY_NAMES,
};
use crimescape::Provenance;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::common::{commit, load_incidents, output_options, LoadArgs};

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
    /// Profile each group and test it against the whole area: `category`,
    /// `column:NAME` (e.g. column:beat), or `cell:METRES` (grid cells).
    #[arg(long, value_name = "GROUPS")]
    pub by: Option<String>,
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

fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn fmt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.6}"))
}

/// Group keys of `--by`, one per incident (in input order).
fn groups(by: &str, inc: &crimescape::Incidents) -> Result<Vec<String>> {
    if by == "category" {
        return Ok((0..inc.len())
            .map(|i| inc.category_name(i).unwrap_or("").to_string())
            .collect());
    }
    if let Some(name) = by.strip_prefix("column:") {
        let Some(col) = inc.attr(name) else {
            return Err(crimescape::Error::Param(format!(
                "--by column:{name}: no such column (columns: {})",
                inc.attr_names.join(", ")
            ))
            .into());
        };
        return Ok(col.iter().map(str::to_string).collect());
    }
    if let Some(m) = by.strip_prefix("cell:") {
        let cell: f64 = m
            .parse()
            .ok()
            .filter(|c: &f64| *c > 0.0 && c.is_finite())
            .ok_or_else(|| {
                crimescape::Error::Param(format!(
                    "--by cell:{m}: the cell size must be positive metres"
                ))
            })?;
        return Ok(inc
            .xy
            .iter()
            .map(|p| {
                let c = |v: f64| ((v / cell).floor() + 0.5) * cell;
                format!("{:.0} {:.0}", c(p[0]), c(p[1]))
            })
            .collect());
    }
    Err(crimescape::Error::Param(format!(
        "--by {by:?}: use category, column:NAME or cell:METRES"
    ))
    .into())
}

/// Runs `crimescape when`.
pub fn run(a: &WhenArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let tz = a.load.time_zone()?;
    let sun = SunParams::default();
    let (table, idx) = temporal_table(&inc, AoristicRule::Minute, tz.as_ref(), sun)?;
    if table.is_empty() {
        return Err(crimescape::Error::Param(format!(
            "{}: no incident has a time; nothing to profile",
            a.file.display()
        ))
        .into());
    }
    let windows: Vec<Window> = idx.iter().filter_map(|&i| inc.window(i)).collect();
    let all: Vec<usize> = (0..table.len()).collect();
    let week = table.week_profile(&all)?;
    let city = table.signature(&all)?;
    let cal = calendar_profile(&windows);
    // the files, written as one output set at the end
    let mut outputs: Vec<PathBuf> = Vec::new();
    let mut pending: Vec<Vec<u8>> = Vec::new();

    // profile.csv
    let total = week.total();
    let (labels, weights): (Vec<String>, Vec<f64>) = match a.profile {
        Profile::HourOfWeek => ((0..168).map(bin_label).collect(), week.weights.clone()),
        Profile::Hour => (
            (0..24).map(|h| format!("{h:02}h")).collect(),
            week.hour_of_day(),
        ),
        Profile::Day => (
            DAY_NAMES.iter().map(|d| d.to_string()).collect(),
            week.day_of_week(),
        ),
        Profile::Month => (
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ]
            .iter()
            .map(|m| m.to_string())
            .collect(),
            cal.month.clone(),
        ),
    };
    let rows: Vec<Vec<String>> = labels
        .iter()
        .zip(&weights)
        .enumerate()
        .map(|(k, (l, w))| {
            vec![
                k.to_string(),
                l.clone(),
                format!("{w:.6}"),
                format!("{:.6}", if total > 0.0 { w / total } else { 0.0 }),
            ]
        })
        .collect();
    let p = a.out.join("profile.csv");
    pending.push(csv_bytes(&["bin", "label", "weight", "share"], &rows)?);
    outputs.push(p);

    // figures
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let title = vec![
        format!("When: {name}"),
        format!(
            "{} incidents with a time, aoristic (minute-exact) weights",
            table.len()
        ),
    ];
    let p = a.out.join("heat.png");
    pending.push(week_heat_table(&week, &title)?);
    outputs.push(p);
    let p = a.out.join("day_of_year.png");
    pending.push(day_of_year_line(&cal, &title)?);
    outputs.push(p);

    // groups
    let mut group_json = serde_json::Value::Null;
    if let Some(by) = &a.by {
        let keys = groups(by, &inc)?;
        let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (row, &i) in idx.iter().enumerate() {
            members.entry(keys[i].as_str()).or_default().push(row);
        }
        let (tested, small): (Vec<_>, Vec<_>) = members
            .into_iter()
            .partition(|(_, m)| m.len() >= a.min_incidents);
        let places: Vec<Vec<usize>> = tested.iter().map(|(_, m)| m.clone()).collect();
        let params = PlaceTestParams::new().nrep(a.nrep).seed(a.seed);
        let res = test_places(&table, &places, &params)?;
        let mut rows = Vec::new();
        for ((k, _), r) in tested.iter().zip(&res.places) {
            let s = &r.signature;
            rows.push(vec![
                k.to_string(),
                s.n.to_string(),
                fmt(s.night_share),
                fmt(s.weekend_night_share),
                s.peak_label.clone().unwrap_or_default(),
                fmt(s.peak_share),
                format!("{:.4}", r.distance),
                fmt(r.p_profile),
                fmt(r.p_night),
                fmt(r.q_night),
                r.night_dominant.to_string(),
            ]);
        }
        for (k, m) in &small {
            let s = table.signature(m)?;
            rows.push(vec![
                k.to_string(),
                s.n.to_string(),
                fmt(s.night_share),
                fmt(s.weekend_night_share),
                s.peak_label.clone().unwrap_or_default(),
                fmt(s.peak_share),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "false".into(),
            ]);
        }
        let header = [
            "group",
            "n",
            "night_share",
            "weekend_night_share",
            "peak_hour",
            "peak_share",
            "distance",
            "p_profile",
            "p_night",
            "q_night",
            "night_dominant",
        ];
        let p = a.out.join("groups.csv");
        pending.push(csv_bytes(&header, &rows)?);
        outputs.push(p);
        let dominant: Vec<&str> = tested
            .iter()
            .zip(&res.places)
            .filter(|(_, r)| r.night_dominant)
            .map(|((k, _), _)| *k)
            .collect();
        println!(
            "{} group(s) by {by}: {} tested (>= {} incidents), {} night-dominant{}",
            tested.len() + small.len(),
            tested.len(),
            a.min_incidents,
            dominant.len(),
            if dominant.is_empty() {
                String::new()
            } else {
                format!(": {}", dominant.join(", "))
            }
        );
        group_json = json!({"by": by, "tested": tested.len(), "untested_small": small.len(),
            "night_dominant": dominant, "params": params});
    }

    let summary = json!({
        "incidents": inc.len(),
        "with_time": table.len(),
        "aoristic_rule": "minute",
        "time_zone": tz.as_ref().map(|t| t.name().to_string()),
        "signature": city,
        "hour_of_week": week.weights,
        "month": cal.month,
        "groups": group_json,
    });
    let p = a.out.join("when.json");
    pending.push(serde_json::to_vec_pretty(&summary)?);
    outputs.push(p);

    println!(
        "{} incidents with a time; peak hour {} ({:.1} % of the weight){}",
        table.len(),
        city.peak_label.as_deref().unwrap_or("-"),
        100.0 * city.peak_share.unwrap_or(0.0),
        match (city.night_share, city.weekend_night_share) {
            (Some(n), Some(w)) => format!(
                "; {:.1} % at night, {:.1} % in weekend nights",
                100.0 * n,
                100.0 * w
            ),
            _ => "; night shares need --tz".into(),
        }
    );

    let mut prov = Provenance::new(json!({
        "command": "when", "profile": format!("{:?}", a.profile), "by": a.by,
        "min_incidents": a.min_incidents, "nrep": a.nrep, "seed": a.seed,
        "tz": a.load.tz, "sun_elevation_deg": sun.elevation_deg,
    }));
    prov.input_load(&a.file, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    let mut set = Outputs::folder(&a.out, &output_options(g))?;
    set.provenance(prov);
    for (p, bytes) in outputs.iter().zip(&pending) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        set.bytes(&name, bytes)?;
    }
    commit(set, g)
}
