//! Temporal analysis of loaded [`Incidents`]: their windows, locations in
//! longitude/latitude for sun times, time filters and profiles.

use serde::{Deserialize, Serialize};

use super::aoristic::week_profile;
use super::filter::TimeFilter;
use super::night::NightModel;
use super::profile::TemporalTable;
use super::{AoristicRule, SunParams, TimeZone, WeekProfile, Window, WEEK_BINS};
use crate::crs::{Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::layer::Incidents;

/// Sun-tile size of the night model (degrees; see [`NightModel`]).
pub const SUN_TILE_DEG: f64 = 0.1;

/// The incidents' locations in longitude/latitude (degrees), in input order. A
/// local (not georeferenced) frame has none: an error that says why.
pub fn incident_lonlat(inc: &Incidents) -> Result<Vec<[f64; 2]>> {
    let r = Reprojector::new(&inc.crs.working, &WGS84).map_err(|e| {
        Error::Crs(format!(
            "sun times need the incidents' longitude and latitude: {e}"
        ))
    })?;
    inc.xy
        .iter()
        .map(|p| r.apply(p[0], p[1]).map(|(x, y)| [x, y]))
        .collect()
}

/// A temporal table (aoristic weights, and night shares when `tz` is given) of
/// the incidents that have a time. Returns the table and, for each of its rows,
/// the incident index.
pub fn temporal_table(
    inc: &Incidents,
    rule: AoristicRule,
    tz: Option<&TimeZone>,
    sun: SunParams,
) -> Result<(TemporalTable, Vec<usize>)> {
    let idx: Vec<usize> = (0..inc.len()).filter(|&i| inc.time[i].is_some()).collect();
    let windows: Vec<Window> = idx.iter().filter_map(|&i| inc.window(i)).collect();
    if let Some(&i) = idx.iter().find(|&&i| inc.window(i).is_none()) {
        return Err(Error::degenerate(
            "temporal table",
            format!("incident {i}'s time window ends before it starts"),
        ));
    }
    let table = match tz {
        None => TemporalTable::build(&windows, rule, None)?,
        Some(tz) => {
            let all = incident_lonlat(inc)?;
            let ll: Vec<[f64; 2]> = idx.iter().map(|&i| all[i]).collect();
            let model = NightModel::build(&ll, &windows, tz, sun, SUN_TILE_DEG)?;
            TemporalTable::build(&windows, rule, Some((&model, &ll)))?
        }
    };
    Ok((table, idx))
}

/// The hour-of-week profile of the incidents that have a time.
pub fn incidents_week_profile(inc: &Incidents, rule: AoristicRule) -> WeekProfile {
    let w: Vec<Window> = (0..inc.len()).filter_map(|i| inc.window(i)).collect();
    week_profile(&w, rule)
}

/// Adds the temporal signature of every ranked site ([`crate::risk::sites::Site::temporal`]):
/// the aoristic night share and weekend-night share (with `tz`), and the peak hour
/// of the week, of the site's incidents that have a time. `inc` must be the
/// incidents that were ranked.
pub fn sign_sites(
    ranking: &mut crate::risk::sites::SiteRanking,
    inc: &Incidents,
    tz: Option<&TimeZone>,
) -> Result<()> {
    let (table, idx) = temporal_table(inc, AoristicRule::Minute, tz, SunParams::default())?;
    let mut row_of = vec![u32::MAX; inc.len()];
    for (r, &i) in idx.iter().enumerate() {
        row_of[i] = r as u32;
    }
    for s in &mut ranking.sites {
        let rows: Vec<usize> = s
            .members
            .iter()
            .filter_map(|&i| row_of.get(i as usize).copied())
            .filter(|&r| r != u32::MAX)
            .map(|r| r as usize)
            .collect();
        s.temporal = Some(table.signature(&rows)?);
    }
    if tz.is_some() {
        time_suggestions(&mut ranking.sites);
    }
    Ok(())
}

/// A site is a night site when at least this share of its incidents' time is at night.
pub const NIGHT_SITE_SHARE: f64 = 0.5;
/// ... a daylight site when less than this share is at night.
pub const DAYLIGHT_SITE_SHARE: f64 = 0.25;
/// ... and a weekend-night site when at least this share is in Friday and Saturday
/// nights (they are 2/7 of the nights: 0.3 is above their share in a uniform week).
pub const WEEKEND_NIGHT_SITE_SHARE: f64 = 0.3;

/// Adjusts the suggestions of sites that have some (the top sites) by when their
/// incidents happen: a **daylight** site (night share < 0.25) loses its lighting
/// suggestions (measures that mention light); a **night** site (≥ 0.5) without one
/// gets a lighting suggestion; a **weekend-night** site (weekend-night share ≥ 0.3
/// and a night site) gets closing-time transport and guardianship. Each added
/// suggestion states the share it rests on.
pub fn time_suggestions(sites: &mut [crate::risk::sites::Site]) {
    use crate::risk::sites::{AccessClass, SiteSuggestion};
    for s in sites.iter_mut() {
        let Some(t) = &s.temporal else { continue };
        let (Some(night), Some(weekend)) = (t.night_share, t.weekend_night_share) else {
            continue;
        };
        if s.suggestions.is_empty() {
            continue;
        }
        let is_light = |x: &SiteSuggestion| x.measure.to_lowercase().contains("light");
        if night < DAYLIGHT_SITE_SHARE {
            s.suggestions.retain(|x| !is_light(x));
            continue;
        }
        let add = |measure: String| SiteSuggestion {
            factor: "time of the incidents".into(),
            principle: "natural surveillance".into(),
            measure,
            access: AccessClass::None,
            needs_access_assessment: false,
        };
        if night >= NIGHT_SITE_SHARE && !s.suggestions.iter().any(is_light) {
            s.suggestions.push(add(format!(
                "lighting: {:.0} % of the incidents' time is after dark",
                100.0 * night
            )));
        }
        if night >= NIGHT_SITE_SHARE && weekend >= WEEKEND_NIGHT_SITE_SHARE {
            s.suggestions.push(add(format!(
                "closing-time transport and guardianship on Friday and Saturday nights: {:.0} % of the incidents' time",
                100.0 * weekend
            )));
        }
    }
}

/// Lengths of the recorded occurrence windows (for `info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowStats {
    /// Incidents with a time.
    pub with_time: usize,
    /// Of those, exact times (`to == from`).
    pub exact: usize,
    /// `exact / with_time`.
    pub share_exact: f64,
    /// Median window length over all incidents with a time (exact = 0), hours.
    pub median_hours: f64,
    /// 90th percentile (nearest rank), hours.
    pub p90_hours: f64,
    /// Longest window, hours.
    pub max_hours: f64,
}

impl WindowStats {
    /// One line for reports.
    pub fn describe(&self) -> String {
        format!(
            "occurrence windows: {:.1} % exact; length median {:.1} h, 90th percentile {:.1} h, longest {:.1} h",
            100.0 * self.share_exact,
            self.median_hours,
            self.p90_hours,
            self.max_hours
        )
    }
}

/// Window statistics of the incidents, `None` when every time is exact or none
/// has a time. Percentiles are nearest-rank over the incidents with a time.
pub fn window_stats(inc: &Incidents) -> Option<WindowStats> {
    if !inc.has_windows() {
        return None;
    }
    let mut lens: Vec<u32> = (0..inc.len())
        .filter(|&i| inc.time[i].is_some())
        .map(|i| inc.window_len.get(i).copied().unwrap_or(0))
        .collect();
    if lens.is_empty() {
        return None;
    }
    lens.sort_unstable();
    let n = lens.len();
    let rank = |q: f64| lens[((q * n as f64).ceil() as usize).clamp(1, n) - 1] as f64 / 3600.0;
    let exact = lens.iter().filter(|&&l| l == 0).count();
    Some(WindowStats {
        with_time: n,
        exact,
        share_exact: exact as f64 / n as f64,
        median_hours: rank(0.5),
        p90_hours: rank(0.9),
        max_hours: lens[n - 1] as f64 / 3600.0,
    })
}

/// What a time filter did, for the report and the provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeFilterReport {
    /// The filter ([`TimeFilter::describe`]).
    pub filter: String,
    /// Incidents before the filter.
    pub incidents: usize,
    /// Kept.
    pub kept: usize,
    /// Removed because less than half their window is in the selected time.
    pub removed: usize,
    /// Removed because they have no time.
    pub without_time: usize,
}

impl TimeFilterReport {
    /// One line for reports.
    pub fn describe(&self) -> String {
        format!(
            "time filter {}: kept {} of {} incident(s) (at least half their window in the selected time); {} outside it, {} without time left out",
            self.filter, self.kept, self.incidents, self.removed, self.without_time
        )
    }
}

/// Applies a time filter ([`TimeFilter`](crate::TimeFilter)): keeps the incidents with at least
/// half of their window in the selected time. Incidents without a time are left
/// out (and counted). `--night` needs the time zone of the clock times (`tz`) and
/// georeferenced coordinates.
pub fn filter_incidents(
    inc: &Incidents,
    filter: &TimeFilter,
    tz: Option<&TimeZone>,
    sun: SunParams,
) -> Result<(Incidents, TimeFilterReport)> {
    let mut rep = TimeFilterReport {
        filter: filter.describe(),
        incidents: inc.len(),
        kept: inc.len(),
        removed: 0,
        without_time: 0,
    };
    if filter.is_all() {
        return Ok((inc.clone(), rep));
    }
    let idx: Vec<usize> = (0..inc.len()).filter(|&i| inc.time[i].is_some()).collect();
    rep.without_time = inc.len() - idx.len();
    let windows: Vec<Window> = idx.iter().filter_map(|&i| inc.window(i)).collect();
    let model = if filter.needs_sun() {
        let Some(tz) = tz else {
            return Err(Error::missing_param("time_zone", "night", ""));
        };
        let all = incident_lonlat(inc)?;
        let ll: Vec<[f64; 2]> = idx.iter().map(|&i| all[i]).collect();
        let m = NightModel::build(&ll, &windows, tz, sun, SUN_TILE_DEG)?;
        Some((m, ll))
    } else {
        None
    };
    let mut keep = Vec::with_capacity(idx.len());
    for (k, (&i, w)) in idx.iter().zip(&windows).enumerate() {
        let cal = model.as_ref().and_then(|(m, ll)| m.calendar(ll[k]));
        if filter.keeps(w, cal)? {
            keep.push(i);
        }
    }
    rep.kept = keep.len();
    rep.removed = idx.len() - keep.len();
    Ok((inc.select(&keep), rep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::{Crs, CrsChoice};
    use crate::time::{from_fields, TimePrecision};

    #[test]
    fn feature_of_points_nearest_lowest_index_and_outside() {
        use geo::{Geometry, LineString, Point, Rect};
        let sq = |x0: f64| Geometry::Polygon(Rect::new((x0, 0.0), (x0 + 10.0, 10.0)).to_polygon());
        let geoms = vec![
            sq(0.0),
            sq(10.0), // shares the border x = 10 with the first
            Geometry::LineString(LineString::from(vec![(0.0, 20.0), (20.0, 20.0)])),
            Geometry::Point(Point::new(50.0, 50.0)),
        ];
        let pts = [
            [5.0, 5.0],
            [10.0, 5.0],
            [15.0, 5.0],
            [5.0, 18.0],
            [50.0, 52.0],
            [80.0, 80.0],
        ];
        let of = feature_of_points(&geoms, &pts, 3.0);
        assert_eq!(of, vec![Some(0), Some(0), Some(1), Some(2), Some(3), None]);
        // the rule of count_in_features: the same counts
        let fc = crate::hotspot::count_in_features(&geoms, &pts, 3.0, None).unwrap();
        let mut counts = vec![0.0; geoms.len()];
        for f in of.iter().flatten() {
            counts[*f] += 1.0;
        }
        assert_eq!(counts, fc.counts);
        // tolerance 0: only inside polygons (and exactly on lines/points)
        assert_eq!(feature_of_points(&geoms, &pts, 0.0)[3], None);
    }

    fn chicago_incidents() -> Incidents {
        // Chicago in UTM 16N; a Friday night, a Saturday noon, a day-precision
        // Saturday, no time, and a window Fri 20:00 -> Sat 02:00
        let utm = Crs::Epsg { code: 32616 };
        let mut inc = Incidents::empty(CrsChoice {
            input: utm.clone(),
            input_source: "test".into(),
            working: utm,
            reason: "test".into(),
        });
        let t = |d, h| from_fields(2024, 3, d, h, 0, 0).unwrap();
        let rows = [
            (Some(t(8, 23)), TimePrecision::Minute, 0u32),
            (Some(t(9, 12)), TimePrecision::Minute, 0),
            (Some(t(9, 0)), TimePrecision::Day, 0),
            (None, TimePrecision::Minute, 0),
            (Some(t(8, 20)), TimePrecision::Minute, 6 * 3600),
        ];
        for (i, (tm, p, w)) in rows.into_iter().enumerate() {
            inc.xy.push([447_000.0, 4_637_000.0]);
            inc.time.push(tm);
            inc.precision.push(p);
            inc.window_len.push(w);
            inc.category.push(crate::layer::NO_CATEGORY);
            inc.row.push(i as u64 + 1);
        }
        inc
    }

    #[test]
    fn filter_incidents_hours_and_night() {
        let inc = chicago_incidents();
        let f = TimeFilter::new().with_hours("22-04").unwrap();
        let (kept, rep) = filter_incidents(&inc, &f, None, SunParams::default()).unwrap();
        // 23:00 in; noon out; the whole Saturday has 6 of 24 h in 22-04: out;
        // 20:00-02:00 has 4 of 6 h in: kept
        assert_eq!(kept.row, vec![1, 5]);
        assert_eq!((rep.kept, rep.removed, rep.without_time), (2, 2, 1));
        assert_eq!(kept.window(1).unwrap().seconds(), 6 * 3600);
        let night = TimeFilter::new().with_night(true);
        assert!(filter_incidents(&inc, &night, None, SunParams::default()).is_err());
        let tz = TimeZone::parse("America/Chicago").unwrap();
        let (kept, _) = filter_incidents(&inc, &night, Some(&tz), SunParams::default()).unwrap();
        // the day-precision Saturday is about half night in March: 11.9 h dark of 24
        assert!(kept.row.contains(&1) && kept.row.contains(&5) && !kept.row.contains(&2));
        let (all, rep) =
            filter_incidents(&inc, &TimeFilter::new(), None, SunParams::default()).unwrap();
        assert_eq!((all.len(), rep.removed), (5, 0));
    }

    #[test]
    fn time_suggestions_by_night_share() {
        use crate::risk::sites::{AccessClass, Site, SiteComponents, SiteSuggestion};
        let sug = |m: &str| SiteSuggestion {
            factor: "bars".into(),
            principle: "p".into(),
            measure: m.into(),
            access: AccessClass::None,
            needs_access_assessment: false,
        };
        let site = |night: f64, weekend: f64, sugs: Vec<SiteSuggestion>| Site {
            rank: 1,
            unit: 0,
            id: String::new(),
            centre: [0.0, 0.0],
            cells: 1,
            count: 10,
            burden: 10.0,
            persistence: 0.0,
            hot_periods: 0,
            hotspot_class: None,
            repeat_share: 0.0,
            risk: 1.0,
            modifiable_share: 0.0,
            components: SiteComponents::default(),
            score: 0.0,
            factors: Vec::new(),
            suggestions: sugs,
            members: Vec::new(),
            temporal: Some(crate::when::TemporalSignature {
                n: 10,
                night_share: Some(night),
                weekend_night_share: Some(weekend),
                peak_bin: None,
                peak_label: None,
                peak_share: None,
            }),
        };
        let mut s = vec![
            site(0.1, 0.0, vec![sug("add lighting"), sug("repair")]),
            site(0.8, 0.5, vec![sug("repair")]),
            site(0.6, 0.1, vec![sug("Light the stop")]),
            site(0.9, 0.9, vec![]),
        ];
        time_suggestions(&mut s);
        assert_eq!(s[0].suggestions.len(), 1);
        assert_eq!(s[0].suggestions[0].measure, "repair");
        assert_eq!(s[1].suggestions.len(), 3);
        assert!(s[1].suggestions[1]
            .measure
            .contains("80 % of the incidents' time is after dark"));
        assert!(s[1].suggestions[2]
            .measure
            .contains("Friday and Saturday nights: 50 %"));
        assert_eq!(s[2].suggestions.len(), 1);
        assert!(s[3].suggestions.is_empty());
    }

    #[test]
    fn group_signatures_month_precision_is_left_empty_with_a_note() {
        let mut inc = chicago_incidents();
        let groups = vec![Some(0); inc.len()];
        let tz = TimeZone::parse("America/Chicago").unwrap();
        let p = SignatureParams::default();
        let with_times = group_signatures(&inc, |i| groups[i], 1, Some(&tz), &p).unwrap();
        assert!(with_times.note.is_none() && with_times.peak_hour_of_week[0].is_some());
        for q in inc.precision.iter_mut() {
            *q = TimePrecision::Month;
        }
        inc.window_len.clear();
        let month = group_signatures(&inc, |i| groups[i], 1, Some(&tz), &p).unwrap();
        assert!(month.note.as_deref().unwrap().contains("finer than a week"));
        assert_eq!(month.peak_hour_of_week, vec![None]);
        assert_eq!(month.night_share, vec![None]);
        // one incident with a day keeps the columns
        inc.precision[0] = TimePrecision::Day;
        let one = group_signatures(&inc, |i| groups[i], 1, Some(&tz), &p).unwrap();
        assert!(one.note.is_none() && one.night_share[0].is_some());
    }

    #[test]
    fn window_stats_nearest_rank() {
        let inc = chicago_incidents();
        // with time: 0, 0, 0, 6 h
        let w = window_stats(&inc).unwrap();
        assert_eq!((w.with_time, w.exact), (4, 3));
        assert_eq!((w.median_hours, w.p90_hours, w.max_hours), (0.0, 6.0, 6.0));
        let mut exact = inc.clone();
        exact.window_len.clear();
        assert!(window_stats(&exact).is_none());
    }

    #[test]
    fn incident_lonlat_needs_a_georeferenced_frame() {
        let inc = chicago_incidents();
        let ll = incident_lonlat(&inc).unwrap();
        assert!(
            (ll[0][0] + 87.63).abs() < 0.02 && (ll[0][1] - 41.88).abs() < 0.02,
            "{ll:?}"
        );
        let mut local = inc.clone();
        local.crs.working = Crs::Local { unit_to_metre: 1.0 };
        assert!(incident_lonlat(&local).is_err());
        let (tab, idx) = temporal_table(
            &inc,
            AoristicRule::Minute,
            Some(&TimeZone::parse("America/Chicago").unwrap()),
            SunParams::default(),
        )
        .unwrap();
        assert_eq!((tab.len(), idx), (4, vec![0, 1, 2, 4]));
        assert_eq!(tab.night_share(0), Some(1.0));
        assert_eq!(tab.night_share(1), Some(0.0));
    }
}

/// Temporal signature columns of groups of incidents (hot spot cells, clusters): one
/// value per group, `None` for a group without an incident with a time (and the night
/// shares `None` without a time zone).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureColumns {
    /// Aoristic night share (sun below the horizon, per date and place).
    pub night_share: Vec<Option<f64>>,
    /// Aoristic share in Friday and Saturday nights.
    pub weekend_night_share: Vec<Option<f64>>,
    /// Peak hour of the week (`"Fri 23h"`).
    pub peak_hour_of_week: Vec<Option<String>>,
    /// Permutation p of the profile test against all incidents with a time
    /// ([`super::test_places`]); `None` below [`SignatureParams::min_incidents`].
    pub time_profile_p: Vec<Option<f64>>,
    /// Settings used.
    pub params: SignatureParams,
    /// Why the columns are empty although incidents have times (e.g. every window
    /// is a week or longer: month-precision exports carry no hour of the week).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Settings of [`group_signatures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureParams {
    /// Groups with fewer incidents with a time get no test p (default 10).
    pub min_incidents: usize,
    /// The profile test (default 199 replicates, seed 42).
    pub test: super::PlaceTestParams,
}

impl Default for SignatureParams {
    fn default() -> Self {
        SignatureParams {
            min_incidents: 10,
            test: super::PlaceTestParams::new().nrep(199),
        }
    }
}

impl SignatureColumns {
    /// Columns of `n` groups without values.
    pub fn empty(n: usize, params: SignatureParams) -> Self {
        SignatureColumns {
            night_share: vec![None; n],
            weekend_night_share: vec![None; n],
            peak_hour_of_week: vec![None; n],
            time_profile_p: vec![None; n],
            params,
            note: None,
        }
    }
}

/// The feature each point belongs to under the rule of
/// [`crate::hotspot::count_in_features`]: the nearest feature within `tolerance` m
/// (distance 0 inside a polygon), the lowest index on ties; `None` when none is
/// within. Used to give the features of a layer their temporal signature.
pub fn feature_of_points(
    geometries: &[geo::Geometry<f64>],
    points: &[[f64; 2]],
    tolerance: f64,
) -> Vec<Option<usize>> {
    use rayon::prelude::*;
    let idx = crate::index::GeometryIndex::new(geometries);
    points
        .par_iter()
        .map(|p| {
            let near = idx.within(*p, tolerance);
            let best = near.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
            near.iter().find(|x| x.1 == best).map(|x| x.0)
        })
        .collect()
}

/// The temporal signature of each of `n_groups` groups (`group_of(i)`: incident
/// `i`'s group, `None` in none): aoristic (minute-exact) night and weekend-night
/// shares with `tz`, the peak hour of the week, and the profile test's p against
/// every incident with a time. Incidents without a time count in no group; when none
/// has a time every value is `None`.
///
/// `group_of` is asked only for the incidents with a time, and only when the columns
/// can have values, so a caller need not hold a group index per incident (at 5·10^7
/// incidents a `Vec<Option<usize>>` is 800 MB); a slice `v` is `|i| v[i]`.
pub fn group_signatures(
    inc: &Incidents,
    group_of: impl Fn(usize) -> Option<usize>,
    n_groups: usize,
    tz: Option<&TimeZone>,
    params: &SignatureParams,
) -> Result<SignatureColumns> {
    let mut out = SignatureColumns::empty(n_groups, params.clone());
    if inc.time.iter().all(Option::is_none) {
        return Ok(out);
    }
    // A window of a week or more spreads over every hour of the week: when no
    // incident has a shorter one (data.police.uk's month precision), nothing can
    // tell one place's timing from another's, and the columns stay empty.
    let week_minutes = (WEEK_BINS * 60) as i64;
    if !(0..inc.len()).any(|i| inc.window(i).is_some_and(|w| w.minutes() < week_minutes)) {
        out.note = Some(
            "no incident's time is finer than a week (e.g. month precision): temporal \
             signatures are left empty"
                .into(),
        );
        return Ok(out);
    }
    let (table, idx) = temporal_table(inc, AoristicRule::Minute, tz, SunParams::default())?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    for (row, &i) in idx.iter().enumerate() {
        if let Some(g) = group_of(i) {
            let m = members.get_mut(g).ok_or_else(|| {
                Error::invalid_param(
                    "group_of",
                    g,
                    format!("a group index must be below n_groups = {n_groups}"),
                )
            })?;
            m.push(row);
        }
    }
    let tested: Vec<usize> = (0..n_groups)
        .filter(|&g| members[g].len() >= params.min_incidents.max(1))
        .collect();
    let places: Vec<Vec<usize>> = tested.iter().map(|&g| members[g].clone()).collect();
    let res = super::test_places(&table, &places, &params.test)?;
    for (&g, t) in tested.iter().zip(&res.places) {
        out.time_profile_p[g] = t.p_profile;
    }
    for (g, m) in members.iter().enumerate() {
        if m.is_empty() {
            continue;
        }
        let s = table.signature(m)?;
        out.night_share[g] = s.night_share;
        out.weekend_night_share[g] = s.weekend_night_share;
        out.peak_hour_of_week[g] = s.peak_label;
    }
    Ok(out)
}
