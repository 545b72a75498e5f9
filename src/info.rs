//! Summaries of loaded data (what `crimescape info` prints).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::crs::{CrsChoice, Reprojector, WGS84};
use crate::io::{LayerReport, LoadReport};
use crate::layer::{GeometryKind, Incidents, Layer};
use crate::time::{self, TimePrecision};

/// Summary of an incident file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// The load report (counts per rejection reason, columns, CRS, hash, notes).
    pub load: LoadReport,
    /// Geometry kinds (always points for incidents).
    pub geometry: BTreeMap<GeometryKind, u64>,
    /// Extent in the working CRS `[minx, miny, maxx, maxy]`.
    pub bbox: Option<[f64; 4]>,
    /// Extent in lon/lat, when georeferenced.
    pub bbox_lonlat: Option<[f64; 4]>,
    /// CRS detected and used.
    pub crs: CrsChoice,
    /// First and last time (formatted at their precision).
    pub time_range: Option<(String, String)>,
    /// Incidents per time precision.
    pub time_precision: BTreeMap<TimePrecision, usize>,
    /// Incidents without time.
    pub missing_time: u64,
    /// Occurrence window lengths (`None` when every time is exact).
    #[serde(default)]
    pub windows: Option<crate::when::incidents::WindowStats>,
    /// The 10 most frequent categories with counts (ties by name).
    pub top_categories: Vec<(String, usize)>,
    /// Number of distinct categories.
    pub n_categories: usize,
    /// Written for the public audience ([`IncidentSummary::for_public`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

/// Summary of a layer file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerSummary {
    /// The load report.
    pub load: LayerReport,
    /// Features per geometry kind.
    pub geometry: BTreeMap<GeometryKind, usize>,
    /// Extent in the working CRS.
    pub bbox: Option<[f64; 4]>,
    /// Extent in lon/lat.
    pub bbox_lonlat: Option<[f64; 4]>,
    /// Property names seen, with the number of features that have each.
    pub properties: BTreeMap<String, usize>,
    /// Written for the public audience ([`LayerSummary::for_public`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
}

/// The lon/lat extent of points given in the working CRS: every point is
/// reprojected (the corners of a projected box are not the extent of the points:
/// meridians and parallels are curved in the projection).
fn lonlat_bbox(pts: impl Iterator<Item = [f64; 2]>, crs: &CrsChoice) -> Option<[f64; 4]> {
    if !crs.working.is_georeferenced() {
        return None;
    }
    let r = Reprojector::new(&crs.working, &WGS84).ok()?;
    // in blocks, not a copy of every point (16 bytes per incident at national size)
    let mut pts = pts.peekable();
    let mut bbox: Option<[f64; 4]> = None;
    while pts.peek().is_some() {
        let mut block: Vec<[f64; 2]> = pts.by_ref().take(1 << 16).collect();
        if !r.apply_all(&mut block).is_empty() {
            return None;
        }
        let b = crate::layer::bbox_of(block.into_iter())?;
        bbox = Some(bbox.map_or(b, |a| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        }));
    }
    bbox
}

/// Summarises loaded incidents.
pub fn summarise_incidents(inc: &Incidents, load: &LoadReport) -> IncidentSummary {
    let bbox = inc.bbox();
    let time_range = inc.time_range().map(|(a, b)| {
        let pa = inc
            .time
            .iter()
            .zip(&inc.precision)
            .find(|(t, _)| **t == Some(a))
            .map(|x| *x.1)
            .unwrap_or(TimePrecision::Second);
        let pb = inc
            .time
            .iter()
            .zip(&inc.precision)
            .find(|(t, _)| **t == Some(b))
            .map(|x| *x.1)
            .unwrap_or(TimePrecision::Second);
        (time::format(a, pa), time::format(b, pb))
    });
    let mut counts = vec![0usize; inc.categories.len()];
    for &c in &inc.category {
        if (c as usize) < counts.len() {
            counts[c as usize] += 1;
        }
    }
    let mut top: Vec<(String, usize)> = inc
        .categories
        .iter()
        .cloned()
        .zip(counts)
        .filter(|x| x.1 > 0)
        .collect();
    let n_categories = top.len();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    let mut geometry = BTreeMap::new();
    geometry.insert(GeometryKind::Point, inc.len() as u64);
    IncidentSummary {
        bbox_lonlat: match load
            .lonlat_extremes
            .as_ref()
            .and_then(|e| e.points(&inc.xy))
        {
            // the input was lon/lat: only the points that may be extreme
            Some(c) => lonlat_bbox(c.into_iter(), &inc.crs),
            None => lonlat_bbox(inc.xy.iter().copied(), &inc.crs),
        },
        bbox,
        crs: inc.crs.clone(),
        time_range,
        time_precision: inc.precision_counts(),
        missing_time: load.missing_time,
        windows: crate::when::incidents::window_stats(inc),
        top_categories: top,
        n_categories,
        geometry,
        load: load.clone(),
        public: false,
    }
}

/// Summarises a loaded layer.
pub fn summarise_layer(layer: &Layer, load: &LayerReport) -> LayerSummary {
    let mut properties = BTreeMap::new();
    for p in &layer.properties {
        for k in p.keys() {
            *properties.entry(k.clone()).or_insert(0) += 1;
        }
    }
    let bbox = layer.bbox();
    use geo::CoordsIter;
    let coords = layer
        .geometries
        .iter()
        .flat_map(|g| g.coords_iter().map(|c| [c.x, c.y]));
    LayerSummary {
        load: load.clone(),
        geometry: layer.kinds(),
        bbox_lonlat: lonlat_bbox(coords, &layer.crs),
        bbox,
        properties,
        public: false,
    }
}

/// Notes and warnings as published: locations written inside a sentence withheld.
fn redact_all(v: &mut [String]) {
    for t in v.iter_mut() {
        if let Some(r) = crate::disclosure::redact_locations(t) {
            *t = r;
        }
    }
}

/// A CRS choice as published: the data's centre in its reason withheld.
fn redact_crs(c: &mut CrsChoice) {
    if let Some(r) = crate::disclosure::redact_locations(&c.reason) {
        c.reason = r;
    }
}

/// The line [`IncidentSummary::to_text`] and [`LayerSummary::to_text`] end with for
/// the public audience.
const PUBLIC_NOTE: &str = "public audience: extent, rejected rows (values) and unreadable time texts withheld; rejected rows counted by reason only";

impl IncidentSummary {
    /// The summary for the public audience (`crimescape --audience public info`): no
    /// extent (its corners are incident coordinates), no rejected row nor unreadable
    /// time with its value (rejections are counted by reason only), locations inside
    /// notes and warnings withheld ([`crate::disclosure::redact_locations`]), and
    /// categories of fewer than `k` incidents left out of the top list (the number
    /// of categories stays). Counts by reason, time range, precision and CRS are
    /// kept.
    pub fn for_public(&self, k: u32) -> IncidentSummary {
        let mut s = self.clone();
        s.bbox = None;
        s.bbox_lonlat = None;
        s.load.rejections.clear();
        s.load.time_unparsed.clear();
        redact_crs(&mut s.crs);
        redact_crs(&mut s.load.crs);
        redact_all(&mut s.load.notes);
        redact_all(&mut s.load.warnings);
        s.top_categories.retain(|(_, n)| *n as u64 >= u64::from(k));
        s.public = true;
        s
    }

    /// Human-readable text.
    pub fn to_text(&self) -> String {
        let l = &self.load;
        let mut s = format!(
            "{}  ({}, sha256 {})\n",
            l.path.display(),
            l.format,
            &l.sha256[..l.sha256.len().min(12)]
        );
        s.push_str(&format!(
            "  rows read {}  accepted {}  rejected {}  filtered out {}  without time {}\n",
            l.rows_read,
            l.accepted,
            l.rejected_total(),
            l.filtered_out,
            self.missing_time
        ));
        for (r, n) in &l.rejected {
            s.push_str(&format!("    rejected {n:>8}  {}\n", r.name()));
        }
        if l.unparseable_time > 0 {
            let ex: Vec<String> = l
                .time_unparsed
                .iter()
                .take(3)
                .map(|r| format!("row {} {:?}", r.row, r.value))
                .collect();
            let eg = if ex.is_empty() {
                String::new()
            } else {
                format!(" (e.g. {})", ex.join("; "))
            };
            s.push_str(&format!(
                "    without time {:>4}  unreadable time, kept for time-free analyses{eg}\n",
                l.unparseable_time,
            ));
        }
        if l.filtered_without_time > 0 {
            s.push_str(&format!(
                "    filtered out {:>4}  without time, by the time window\n",
                l.filtered_without_time
            ));
        }
        for w in &l.warnings {
            s.push_str(&format!("  WARNING: {w}\n"));
        }
        s.push_str(&format!("  geometry: {} points\n", l.accepted));
        s.push_str(&format!(
            "  CRS detected: {} ({})\n",
            self.crs.input, self.crs.input_source
        ));
        s.push_str(&format!(
            "  CRS used:     {} ({})\n",
            self.crs.working, self.crs.reason
        ));
        if let Some(b) = self.bbox {
            s.push_str(&format!(
                "  extent (m):   x {:.1} .. {:.1}, y {:.1} .. {:.1}  ({:.1} x {:.1} km)\n",
                b[0],
                b[2],
                b[1],
                b[3],
                (b[2] - b[0]) / 1e3,
                (b[3] - b[1]) / 1e3
            ));
        }
        if let Some(b) = self.bbox_lonlat {
            s.push_str(&format!(
                "  extent (lon/lat): {:.5} .. {:.5}, {:.5} .. {:.5}\n",
                b[0], b[2], b[1], b[3]
            ));
        }
        match &self.time_range {
            Some((a, b)) => {
                let prec: Vec<String> = self
                    .time_precision
                    .iter()
                    .map(|(p, n)| format!("{} {}", p.name(), n))
                    .collect();
                s.push_str(&format!(
                    "  time: {a} .. {b}  (precision: {})\n",
                    prec.join(", ")
                ));
            }
            None => s.push_str("  time: none\n"),
        }
        if let Some(w) = &self.windows {
            s.push_str(&format!("  {}\n", w.describe()));
        }
        if let Some(d) = &l.date_order {
            s.push_str(&format!(
                "  date order: {}{}\n",
                d.order.name(),
                if d.ambiguous {
                    " (AMBIGUOUS: give the time format (`time_format`) if wrong)"
                } else {
                    ""
                }
            ));
        }
        if !l.columns.is_empty() {
            let c: Vec<String> = l.columns.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("  columns: {}\n", c.join(", ")));
        }
        if !self.top_categories.is_empty() {
            s.push_str(&format!("  categories ({}):\n", self.n_categories));
            for (c, n) in &self.top_categories {
                s.push_str(&format!("    {n:>8}  {c}\n"));
            }
        }
        for n in &l.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
        if let Some(f) = &l.time_filter {
            s.push_str(&format!("  note: {}\n", f.describe()));
        }
        if self.public {
            s.push_str(&format!("  note: {PUBLIC_NOTE}\n"));
        }
        s
    }
}

impl LayerSummary {
    /// The summary for the public audience: no extent (a layer given to `info` may be
    /// incidents), locations inside warnings withheld, rejections counted by reason.
    pub fn for_public(&self) -> LayerSummary {
        let mut s = self.clone();
        s.bbox = None;
        s.bbox_lonlat = None;
        redact_all(&mut s.load.warnings);
        s.load.rejections.clear();
        s.load.repaired.clear();
        redact_crs(&mut s.load.crs);
        s.public = true;
        s
    }

    /// Human-readable text.
    pub fn to_text(&self) -> String {
        let l = &self.load;
        let mut s = format!(
            "{}  (layer, sha256 {})\n",
            l.path.display(),
            &l.sha256[..l.sha256.len().min(12)]
        );
        let rej: u64 = l.rejected.values().sum();
        s.push_str(&format!(
            "  features read {}  accepted {}  rejected {}  filtered out {}\n",
            l.features_read, l.accepted, rej, l.filtered_out
        ));
        for (r, n) in &l.rejected {
            s.push_str(&format!("    rejected {n:>8}  {}\n", r.name()));
        }
        for w in &l.warnings {
            s.push_str(&format!("  WARNING: {w}\n"));
        }
        let g: Vec<String> = self
            .geometry
            .iter()
            .map(|(k, n)| format!("{n} {k:?}").to_lowercase())
            .collect();
        s.push_str(&format!("  geometry: {}\n", g.join(", ")));
        s.push_str(&format!(
            "  CRS detected: {} ({})\n",
            l.crs.input, l.crs.input_source
        ));
        s.push_str(&format!(
            "  CRS used:     {} ({})\n",
            l.crs.working, l.crs.reason
        ));
        if let Some(b) = self.bbox {
            s.push_str(&format!(
                "  extent (m):   x {:.1} .. {:.1}, y {:.1} .. {:.1}\n",
                b[0], b[2], b[1], b[3]
            ));
        }
        if let Some(b) = self.bbox_lonlat {
            s.push_str(&format!(
                "  extent (lon/lat): {:.5} .. {:.5}, {:.5} .. {:.5}\n",
                b[0], b[2], b[1], b[3]
            ));
        }
        if !self.properties.is_empty() {
            let p: Vec<String> = self.properties.keys().take(20).cloned().collect();
            s.push_str(&format!("  properties: {}\n", p.join(", ")));
        }
        if self.public {
            s.push_str(&format!("  note: {PUBLIC_NOTE}\n"));
        }
        s
    }
}

#[cfg(test)]
mod lonlat_bbox_tests {
    use super::*;

    #[test]
    fn lonlat_bbox_in_blocks_equals_one_pass() {
        let (working, reason) = crate::crs::choose_working(&WGS84, (2.3, 48.8)).unwrap();
        let crs = CrsChoice {
            input: WGS84,
            input_source: String::new(),
            working: working.clone(),
            reason,
        };
        // more points than one block, the extremes in different blocks
        let pts: Vec<[f64; 2]> = (0..150_000)
            .map(|i| {
                let a = i as f64 * 0.618;
                [
                    450_000.0 + 9_000.0 * a.sin(),
                    5_400_000.0 + 7_000.0 * a.cos(),
                ]
            })
            .collect();
        let mut all = pts.clone();
        let r = Reprojector::new(&working, &WGS84).unwrap();
        assert!(r.apply_all(&mut all).is_empty());
        let want = crate::layer::bbox_of(all.into_iter()).unwrap();
        let got = lonlat_bbox(pts.iter().copied(), &crs).unwrap();
        assert_eq!(got, want);
        assert_eq!(lonlat_bbox(std::iter::empty(), &crs), None);
    }

    #[test]
    fn summarise_incidents_lonlat_box_from_the_extremes_equals_every_point() {
        let mut text = String::from("lon,lat,date\n");
        for i in 0..5000 {
            let a = i as f64 * 0.618;
            text.push_str(&format!(
                "{:.6},{:.6},2024-01-01\n",
                2.3 + 0.2 * a.sin(),
                48.8 + 0.15 * (1.7 * a).cos()
            ));
        }
        let path = std::path::Path::new("t.csv");
        let (inc, rep) = crate::io::csv::read_incidents_from_bytes(
            text.as_bytes(),
            path,
            String::new(),
            &crate::io::LoadOptions::new(),
        )
        .unwrap();
        let ext = rep.lonlat_extremes.as_ref().unwrap();
        assert!(ext.candidates.len() < 100, "{}", ext.candidates.len());
        let every = lonlat_bbox(inc.xy.iter().copied(), &inc.crs);
        assert!(every.is_some());
        assert_eq!(summarise_incidents(&inc, &rep).bbox_lonlat, every);
        // incidents changed after the load: every point is reprojected
        let mut fewer = inc.clone();
        fewer.xy.pop();
        assert!(ext.points(&fewer.xy).is_none());
        let mut moved = inc.clone();
        moved.xy[ext.candidates[0].0][0] += 1.0;
        assert!(ext.points(&moved.xy).is_none());
    }
}
