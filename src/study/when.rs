//! When do incidents happen: the aoristic hour-of-week profile of an area
//! (`profile.csv`), a 7 × 24 heat table (`heat.png`), a day-of-year line
//! (`day_of_year.png`) and a summary (`when.json`); with groups ([`WhenGroups`]) the
//! temporal signature of each group tested against the whole area (`groups.csv`,
//! `groups.png`).
//!
//! # Conventions
//! * Weights are aoristic, minute-exact at the window edges
//!   ([`crate::when::AoristicRule::Minute`]); incidents without a time are left out
//!   and counted (`incidents` vs `with_time` in `when.json`).
//! * Night shares need the clock's time zone (`WhenParams::time_zone`); without it
//!   they are empty and only the profile test and the peak hour are given.
//! * Each group is tested against **all** incidents with a time (the "city"), with
//!   [`crate::when::test_places`] (seeded permutations, Benjamini–Hochberg over the
//!   tested groups). Groups with fewer than `WhenParams::min_incidents` incidents are
//!   listed without a test. An incident in no group (outside every polygon, DBSCAN
//!   noise, farther than the radius from every site) is in none of the rows but stays
//!   in the city profile.
//! * A point on a polygon's edge is inside it; an incident inside several polygons
//!   belongs to the first in the layer's order (an evaluation's `areas.geojson` lists
//!   treatment before buffer before control, so each incident gets its innermost zone).

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::clusters::ClusterStudyParams;
use super::hotspots::GiStarStudyParams;
use super::{IncidentInput, StudyLayer};
use crate::error::{Error, Result};
use crate::export::Provenance;
use crate::layer::Incidents;
use crate::when::aoristic::{calendar_profile, CalendarProfile};
use crate::when::incidents::temporal_table;
use crate::when::profile::PlaceTest;
use crate::when::{
    test_places, AoristicRule, PlaceTestParams, SunParams, TemporalSignature, TemporalTable,
    TimeZone, WeekProfile, Window,
};

mod grouping;
mod outputs;

use grouping::grouping;
pub use outputs::FIGURE_GROUPS;

/// The profile written to `profile.csv`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenProfile {
    /// 168 hours of the week (Sunday 00h first).
    #[default]
    HourOfWeek,
    /// 24 hours of the day.
    Hour,
    /// 7 days of the week (Sunday first).
    Day,
    /// 12 months.
    Month,
}

/// The groups whose signatures are tested against the whole area.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum WhenGroups {
    /// One group per incident category.
    Category,
    /// One group per value of an incident column (e.g. a beat number).
    Column {
        /// The column.
        name: String,
    },
    /// Square cells of this size (metres), named by their centre.
    Cell {
        /// Cell size (m).
        size: f64,
    },
    /// Gi* hot cells (bin ≥ 1: hot at 90 % or more) vs the rest, with the settings of
    /// [`super::hotspots::gistar`].
    Hotspot(GiStarStudyParams),
    /// One group per cluster (DBSCAN, HDBSCAN, ... of [`super::clusters::clusters`]);
    /// noise is in no group.
    Cluster(ClusterStudyParams),
    /// One group per polygon of [`WhenInput::layer`] (police beats, neighbourhoods),
    /// named by `field` (or `feature N`); polygons with the same name form one group.
    Polygon {
        /// Property naming the groups.
        field: Option<String>,
    },
    /// The zones of an evaluation (`areas.geojson` of `crimescape evaluate`, in
    /// [`WhenInput::layer`]): groups `"<area> <zone>"` from the `area` and `zone`
    /// properties.
    Zone,
    /// Sites of [`WhenInput::layer`] (points, lines or polygons; e.g. bars, or the
    /// `sites.geojson` of a ranking): an incident belongs to the nearest site within
    /// `radius` metres (inclusive; 0 inside a polygon). Named by `name`, `id` or
    /// `site_id`, else `site N`.
    Site {
        /// Radius (m).
        radius: f64,
    },
}

/// `FILE[:SUFFIX]`: the suffix when the part before the last `:` is an existing file
/// (and the whole is not).
fn file_and_suffix(s: &str) -> (PathBuf, Option<String>) {
    if let Some((a, b)) = s.rsplit_once(':') {
        if Path::new(a).is_file() && !Path::new(s).is_file() {
            return (PathBuf::from(a), Some(b.to_string()));
        }
    }
    (PathBuf::from(s), None)
}

impl WhenGroups {
    /// Parses a grouping as written on a command line, with the layer file it names:
    /// `category`; `column:NAME`; `cell:METRES`; `hotspot` (Gi* of square cells of
    /// size `cell` [default: the sfhotspot rule], 999 permutations, seed 12345, as
    /// `hotspots gistar`); `cluster` (HDBSCAN, min cluster size 25),
    /// `cluster:hdbscan:SIZE` or `cluster:dbscan:EPS:MIN`; `polygon:FILE[:FIELD]`;
    /// `zone:FILE`; `site:FILE[:RADIUS]` (radius 50 m by default). A `FILE:SUFFIX`
    /// is split at the last `:` only when the part before it is an existing file.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (`by`) for any other text or a bad number.
    pub fn parse(by: &str, cell: Option<f64>) -> Result<(WhenGroups, Option<PathBuf>)> {
        use super::clusters::ClusterMethod;
        use crate::cluster::{DbscanParams, EllipseConvention, HdbscanParams};
        let bad = |why: &str| Error::invalid_param("by", format!("{by:?}"), why);
        let num = |s: &str, what: &str| -> Result<f64> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad(&format!("{what} {s:?} is not a number >= 0")))
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
                    cells: super::hotspots::CellParams {
                        cell,
                        ..Default::default()
                    },
                    gistar: crate::hotspot::GiStarParams::new()
                        .permutations(999)
                        .seed(12345),
                    ..Default::default()
                };
                (WhenGroups::Hotspot(p), None)
            }
            ("cluster", rest) => {
                let parts: Vec<&str> = rest.map_or(vec![], |r| r.split(':').collect());
                let method = match parts.as_slice() {
                    [] | ["hdbscan"] => ClusterMethod::Hdbscan(HdbscanParams::new(25)),
                    ["hdbscan", n] => ClusterMethod::Hdbscan(HdbscanParams::new(
                        n.parse()
                            .map_err(|_| bad("the HDBSCAN size is a whole number"))?,
                    )),
                    ["dbscan", eps, min] => ClusterMethod::Dbscan(DbscanParams::new(
                        num(eps, "eps")?,
                        min.parse()
                            .map_err(|_| bad("the DBSCAN minimum is a whole number"))?,
                    )),
                    _ => {
                        return Err(bad(
                            "use cluster, cluster:hdbscan:SIZE or cluster:dbscan:EPS:MIN",
                        ))
                    }
                };
                let p = ClusterStudyParams {
                    method,
                    ellipse: EllipseConvention::CrimeStat,
                };
                (WhenGroups::Cluster(p), None)
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
            _ => return Err(bad(
                "use category, column:NAME, cell:METRES, hotspot, cluster, polygon:FILE[:FIELD], zone:FILE or site:FILE[:RADIUS]",
            )),
        })
    }

    /// A short name (`category`, `column:beat`, `hotspot`, ...).
    pub fn label(&self) -> String {
        match self {
            WhenGroups::Category => "category".into(),
            WhenGroups::Column { name } => format!("column:{name}"),
            WhenGroups::Cell { size } => format!("cell:{size}"),
            WhenGroups::Hotspot(_) => "hotspot".into(),
            WhenGroups::Cluster(_) => "cluster".into(),
            WhenGroups::Polygon { field } => match field {
                Some(f) => format!("polygon:{f}"),
                None => "polygon".into(),
            },
            WhenGroups::Zone => "zone".into(),
            WhenGroups::Site { radius } => format!("site:{radius}"),
        }
    }

    /// The incident column the grouping reads (`column:NAME`), the only attribute a
    /// study grouped this way needs to load.
    pub fn column(&self) -> Option<&str> {
        match self {
            WhenGroups::Column { name } => Some(name),
            _ => None,
        }
    }

    /// Whether the grouping needs [`WhenInput::layer`].
    pub fn needs_layer(&self) -> bool {
        matches!(
            self,
            WhenGroups::Polygon { .. } | WhenGroups::Zone | WhenGroups::Site { .. }
        )
    }
}

/// Settings of [`when`].
#[derive(Debug, Clone, Default)]
pub struct WhenParams {
    /// The profile of `profile.csv`.
    pub profile: WhenProfile,
    /// Groups to profile and test [default: none].
    pub groups: Option<WhenGroups>,
    /// Groups with fewer incidents are listed without a test [default 10 when 0].
    pub min_incidents: usize,
    /// The group test (replicates, seed, level).
    pub test: PlaceTestParams,
    /// Time zone of the clock times, for sun times (night shares) [default: the
    /// incidents' ([`IncidentInput::time_zone`])].
    pub time_zone: Option<TimeZone>,
    /// Night definition.
    pub sun: SunParams,
}

impl WhenParams {
    /// Defaults: hour-of-week profile, no groups, 10 incidents per tested group.
    pub fn new() -> Self {
        WhenParams {
            min_incidents: 10,
            ..Default::default()
        }
    }
    /// Sets the groups.
    pub fn groups(mut self, g: WhenGroups) -> Self {
        self.groups = Some(g);
        self
    }
    /// Sets the time zone.
    pub fn time_zone(mut self, tz: TimeZone) -> Self {
        self.time_zone = Some(tz);
        self
    }
    /// Sets the group test.
    pub fn test(mut self, t: PlaceTestParams) -> Self {
        self.test = t;
        self
    }
    /// Sets the minimum group size of the test.
    pub fn min_incidents(mut self, n: usize) -> Self {
        self.min_incidents = n;
        self
    }

    fn provenance_json(&self) -> Value {
        json!({
            "analysis": "when",
            "profile": self.profile,
            "by": self.groups,
            "min_incidents": self.min_incidents,
            "test": self.test,
            "tz": self.time_zone.as_ref().map(|t| t.name().to_string()),
            "sun_elevation_deg": self.sun.elevation_deg,
            "aoristic_rule": "minute",
        })
    }
}

/// The inputs of [`when`].
#[derive(Debug, Clone)]
pub struct WhenInput {
    /// The incidents.
    pub incidents: IncidentInput,
    /// The polygon, zone or site layer of [`WhenGroups::Polygon`], [`WhenGroups::Zone`]
    /// and [`WhenGroups::Site`], in the incidents' working CRS.
    pub layer: Option<StudyLayer>,
}

impl WhenInput {
    /// Incidents only.
    pub fn new(incidents: IncidentInput) -> Self {
        WhenInput {
            incidents,
            layer: None,
        }
    }
    /// With a group layer.
    pub fn with_layer(mut self, layer: StudyLayer) -> Self {
        self.layer = Some(layer);
        self
    }
}

/// One group of [`WhenGroupsResult`].
#[derive(Debug, Clone, Serialize)]
pub struct WhenGroup {
    /// Group name.
    pub name: String,
    /// Signature of its incidents with a time.
    pub signature: TemporalSignature,
    /// The test against the whole area (`None`: fewer than `min_incidents`).
    pub test: Option<PlaceTest>,
    /// Share of the group's weight in each hour of the day (24).
    pub hour_shares: Vec<f64>,
}

/// The groups of a [`WhenStudy`].
#[derive(Debug, Clone, Serialize)]
pub struct WhenGroupsResult {
    /// How the groups were made (`category`, `hotspot`, ...).
    pub by: String,
    /// Groups: tested ones first (in the grouping's order), then the small ones.
    pub groups: Vec<WhenGroup>,
    /// Incidents with a time that are in no group.
    pub ungrouped: usize,
    /// Details of the grouping (Gi* bins, cluster count, ...).
    pub details: Value,
}

impl WhenGroupsResult {
    /// Names of the night-dominant groups.
    pub fn night_dominant(&self) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|g| g.test.as_ref().is_some_and(|t| t.night_dominant))
            .map(|g| g.name.as_str())
            .collect()
    }

    /// Number of tested groups.
    pub fn tested(&self) -> usize {
        self.groups.iter().filter(|g| g.test.is_some()).count()
    }
}

/// A temporal profile study: `profile.csv`, `heat.png`, `day_of_year.png`,
/// `when.json`, and with groups `groups.csv` and `groups.png`.
#[derive(Debug, Clone)]
pub struct WhenStudy {
    /// Settings.
    pub params: WhenParams,
    /// Incidents read (with and without a time).
    pub incidents: usize,
    /// Incidents with a time (the rows of the profiles).
    pub with_time: usize,
    /// Hour-of-week profile of the area.
    pub week: WeekProfile,
    /// Month and day-of-year profiles.
    pub calendar: CalendarProfile,
    /// Signature of the whole area.
    pub city: TemporalSignature,
    /// The groups, when asked for.
    pub groups: Option<WhenGroupsResult>,
    /// Name of the incidents (file name) for titles.
    pub name: String,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Profiles the incidents (and their groups) in time.
///
/// ```
/// use crimescape::{generate_demo as generate, DemoParams};
/// use crimescape::study::{when, IncidentInput};
///
/// let city = generate(&DemoParams::new(1).incidents(2000).size(3000.0))?;
/// let input = when::WhenInput::new(IncidentInput::in_memory(city.incidents));
/// let p = when::WhenParams::new().groups(when::WhenGroups::Category);
/// let r = when::when(&input, &p)?;
/// assert_eq!(r.with_time, 2000);
/// assert!((r.week.total() - 2000.0).abs() < 1e-6, "aoristic weights sum to N");
/// assert!(r.groups.unwrap().tested() > 0);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn when(input: &WhenInput, p: &WhenParams) -> Result<WhenStudy> {
    let inc: &Incidents = &input.incidents.incidents;
    let mut p = p.clone();
    if p.time_zone.is_none() {
        p.time_zone = input.incidents.time_zone.clone();
    }
    let p = &p;
    let (table, idx) = temporal_table(inc, AoristicRule::Minute, p.time_zone.as_ref(), p.sun)?;
    let name = input
        .incidents
        .source
        .as_ref()
        .map_or_else(|| "incidents".to_string(), |s| s.path.clone());
    if table.is_empty() {
        return Err(Error::EmptyInput {
            input: name,
            reason: "no incident has a time; nothing to profile".into(),
        });
    }
    let windows: Vec<Window> = idx.iter().filter_map(|&i| inc.window(i)).collect();
    let all: Vec<usize> = (0..table.len()).collect();
    let week = table.week_profile(&all)?;
    let city = table.signature(&all)?;
    let calendar = calendar_profile(&windows);
    let groups = match &p.groups {
        None => None,
        Some(by) => Some(test_groups(input, &table, &idx, by, p)?),
    };
    let mut inputs = input.incidents.inputs();
    if let (Some(by), Some(l)) = (&p.groups, &input.layer) {
        if by.needs_layer() {
            inputs.extend(l.source.iter().cloned());
        }
    }
    let mut provenance = Provenance::new(p.provenance_json())
        .with_inputs(inputs)
        .with_crs(&inc.crs);
    if p.groups.is_some() && p.test.nrep > 0 {
        provenance = provenance.with_seed(p.test.seed);
    }
    let name = std::path::Path::new(&name)
        .file_name()
        .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    Ok(WhenStudy {
        params: p.clone(),
        incidents: inc.len(),
        with_time: table.len(),
        week,
        calendar,
        city,
        groups,
        name,
        provenance,
    })
}

fn test_groups(
    input: &WhenInput,
    table: &TemporalTable,
    idx: &[usize],
    by: &WhenGroups,
    p: &WhenParams,
) -> Result<WhenGroupsResult> {
    let g = grouping(input, by)?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); g.names.len()];
    let mut ungrouped = 0;
    for (row, &i) in idx.iter().enumerate() {
        match g.of[i] {
            Some(k) => members[k].push(row),
            None => ungrouped += 1,
        }
    }
    let min = p.min_incidents.max(1);
    let (tested, small): (Vec<usize>, Vec<usize>) = (0..g.names.len())
        .filter(|&k| !members[k].is_empty())
        .partition(|&k| members[k].len() >= min);
    let places: Vec<Vec<usize>> = tested.iter().map(|&k| members[k].clone()).collect();
    let res = test_places(table, &places, &p.test)?;
    let hour_shares = |m: &[usize]| -> Result<Vec<f64>> {
        let w = table.week_profile(m)?;
        let h = w.hour_of_day();
        let t: f64 = h.iter().sum();
        Ok(h.iter()
            .map(|v| if t > 0.0 { v / t } else { 0.0 })
            .collect())
    };
    let mut groups = Vec::with_capacity(tested.len() + small.len());
    for (&k, t) in tested.iter().zip(res.places) {
        groups.push(WhenGroup {
            name: g.names[k].clone(),
            signature: t.signature.clone(),
            test: Some(t),
            hour_shares: hour_shares(&members[k])?,
        });
    }
    for &k in &small {
        groups.push(WhenGroup {
            name: g.names[k].clone(),
            signature: table.signature(&members[k])?,
            test: None,
            hour_shares: hour_shares(&members[k])?,
        });
    }
    Ok(WhenGroupsResult {
        by: by.label(),
        groups,
        ungrouped,
        details: g.details,
    })
}

#[cfg(test)]
mod tests;
