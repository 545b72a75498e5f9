//! The public audience in the output layer: every table, feature layer, JSON value,
//! figure and provenance record written by an [`super::Outputs`] set whose
//! [`super::OutputOptions::disclosure`] is [`Disclosure::Public`] passes through a
//! [`Publisher`] first, so that no command can forget the policy.
//!
//! # Rules (by column / property role, see [`Role`])
//! * [`Role::Count`]: `0 < n < k` is written `"<k"`; when a count column has exactly
//!   one such cell, the smallest other positive count is written `"x"` too
//!   (complementary suppression against the published total of the column, e.g. the
//!   number of incidents in a summary).
//! * [`Role::X`] / [`Role::Y`]: the pair is moved to its anonymous map point (with an
//!   address layer) or to the centre of its `cell`-metre square on a grid anchored at
//!   the origin of the working CRS (without one). [`Role::LonLat`] columns are dropped.
//! * [`Role::FreeText`]: dropped. [`Role::IncidentId`]: the whole table is
//!   per-incident microdata and is withheld (named in the report).
//! * Point geometries are moved as x/y pairs. Features of a group (a property named
//!   `chain`, `cluster`, `cluster_id` or `group`) are withheld when their count
//!   (`n`, `size`, `count`, `incidents`, `events`, `length` for chains) is below k, and
//!   otherwise drawn from moved vertices (hull polygons: the convex hull of the moved
//!   vertices).
//! * JSON values (summaries, provenance): the same rules by object key.
//! * Figures: point overlays and point features are moved; grid maps are aggregates.
//!
//! What cannot be made safe here (free-form Markdown/HTML text) is checked at the
//! commit by a [`Scanner`] when the set was given the incidents
//! ([`super::Outputs::guard`]): a finding refuses the whole set.

use std::collections::HashMap;
use std::sync::Mutex;

use geo::{ConvexHull, Coord, Geometry, LineString, MultiPoint, Point, Polygon};

use super::describe::{Cell, Column, FeatureSink, Features, Property, Role, RowSink, Table};
use super::Figure;
use crate::crs::{Crs, Reprojector};
use crate::disclosure::{
    anonymous_map_points, AnonymousMap, AnonymousMapParams, Disclosure, DisclosureReport,
};
use crate::error::{Error, Result};

mod features;
mod figure;
mod snap;
mod summary;
mod table;

use snap::*;
use summary::*;
use table::*;

/// Side (m) of the squares whose centres are the published points without an
/// address layer (and of the squares whose centres are candidate anchors with one).
pub const PUBLIC_CELL_M: f64 = 100.0;

/// Interior cells up to which a table's complementary suppression is computed by
/// [`crate::disclosure::suppress_table`] (audited by maximum flow); larger tables get
/// [`crate::disclosure::suppress_table_lines`] (see `Publisher::plan_suppression`).
pub const AUDITED_CELLS: usize = 4000;

/// Which cells of a table are suppressed.
struct SuppressionPlan {
    primary: usize,
    comp: Vec<(usize, usize)>,
    rule: String,
    exposed: bool,
}

/// An address layer for anonymous map points: address points and their CRS, and
/// optionally candidate anchors (street-segment midpoints, public places) in the same
/// CRS [default: centres of 50 m squares holding addresses].
#[derive(Debug, Clone)]
pub struct AddressLayer {
    /// Address (or building) points.
    pub points: Vec<[f64; 2]>,
    /// Their CRS.
    pub crs: Crs,
    /// Candidate anchors; `None`: centres of 50 m squares that hold an address.
    pub anchors: Option<Vec<[f64; 2]>>,
    /// Where the layer came from (for the report).
    pub source: String,
}

enum Snapper {
    Cells(f64),
    /// Nearest of given anchors (street-segment midpoints) in the working CRS.
    Points {
        points: Vec<[f64; 2]>,
        index: crate::index::PointIndex,
    },
    Map {
        map: Box<AnonymousMap>,
        crs: Crs,
        index: crate::index::PointIndex,
    },
}

#[derive(Default)]
struct Stats {
    report: DisclosureReport,
    moved: usize,
    snapped: usize,
    sum_disp: f64,
    max_disp: f64,
    withheld: Vec<String>,
}

/// Applies a public policy to what an output set writes.
pub(crate) struct Publisher {
    k: u32,
    publish_zeros: bool,
    snapper: Snapper,
    stats: Mutex<Stats>,
    /// Vertices of published grid cells and hexagons (working CRS): they are not
    /// incident locations even when one lies within a metre of a corner by chance.
    cell_vertices: Mutex<Vec<[f64; 2]>>,
    /// Lorenz curves of JSON summaries found free of small counts (every unit 0 or
    /// at least k): a figure may draw these, and no other cumulative-share curve.
    safe_curves: Mutex<Vec<Vec<[f64; 2]>>>,
}

fn lock(m: &Mutex<Stats>) -> std::sync::MutexGuard<'_, Stats> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

const GROUP_KEYS: &[&str] = &["chain", "cluster", "cluster_id", "group"];
const GROUP_SIZE_KEYS: &[&str] = &["n", "size", "count", "incidents", "events", "length"];

impl Publisher {
    /// The publisher of a policy (`None` for the internal audience).
    pub(crate) fn new(
        policy: &Disclosure,
        addresses: Option<&AddressLayer>,
    ) -> Result<Option<Publisher>> {
        let Disclosure::Public { k, publish_zeros } = policy else {
            return Ok(None);
        };
        let mut report = DisclosureReport::for_policy(policy).unwrap_or_default();
        let snapper = match addresses {
            None => {
                report.add_rule(format!(
                    "point locations (x/y columns, point geometries, vertices of chains and hulls) moved to the centre of their {PUBLIC_CELL_M} m square (grid anchored at the origin of the working CRS); no address layer was given, so the number of households per published point is not guaranteed"
                ));
                Snapper::Cells(PUBLIC_CELL_M)
            }
            Some(a) => {
                let anchors = match &a.anchors {
                    Some(v) => v.clone(),
                    None => square_centres(&a.points, 50.0),
                };
                let map = anonymous_map_points(
                    &a.points,
                    &anchors,
                    &AnonymousMapParams::new(*k as usize),
                )
                .map_err(|e| Error::invalid_param("addresses", &a.source, e.to_string()))?;
                report.anchors_merged = map.merged;
                report.add_rule(format!(
                    "point locations moved to anonymous map points: {} points chosen among {} candidate anchors ({}), each covering at least {k} of the {} addresses of {}; an incident is shown at the point of its nearest address",
                    map.points.len(),
                    anchors.len(),
                    if a.anchors.is_some() { "street-segment midpoints / public places" } else { "centres of 50 m squares holding addresses" },
                    a.points.len(),
                    a.source
                ));
                let index = crate::index::PointIndex::new(&a.points);
                Snapper::Map {
                    map: Box::new(map),
                    crs: a.crs.clone(),
                    index,
                }
            }
        };
        report.add_rule(
            "longitude/latitude columns and properties dropped (x/y carry the moved location)",
        );
        report.add_rule("free-text columns and properties (addresses, narratives, names) dropped");
        report.add_rule("per-incident tables (with an incident id column) withheld");
        report.add_rule(format!(
            "chains, clusters and other groups of fewer than {k} incidents withheld; larger ones drawn from moved points"
        ));
        report.exact.push(
            "statistics (densities, z-scores, p-values, ratios, rates) computed on the exact locations before publication".into(),
        );
        report.exact.push(
            "aggregate geometries (grid cells, hexagons, street segments, areas) and their counts of k or more".into(),
        );
        Ok(Some(Publisher {
            k: *k,
            publish_zeros: *publish_zeros,
            snapper,
            stats: Mutex::new(Stats {
                report,
                ..Default::default()
            }),
            cell_vertices: Mutex::new(Vec::new()),
            safe_curves: Mutex::new(Vec::new()),
        }))
    }

    /// Vertices of the grid cells and hexagons published so far (sorted, distinct).
    pub(crate) fn cell_vertices(&self) -> Vec<[f64; 2]> {
        let mut v = match self.cell_vertices.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        v.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        v.dedup();
        v
    }

    fn note_aggregate(&self, q: [f64; 2]) {
        match self.cell_vertices.lock() {
            Ok(mut g) => g.push(q),
            Err(p) => p.into_inner().push(q),
        }
    }

    fn note_cell(&self, g: &Geometry<f64>) {
        // the vertices of aggregate lines (street segments, from the street layer)
        // are street geometry, not incident locations, even where an incident lies
        // on a street node
        let lines: Vec<&LineString<f64>> = match g {
            Geometry::LineString(l) => vec![l],
            Geometry::MultiLineString(m) => m.0.iter().collect(),
            _ => Vec::new(),
        };
        if !lines.is_empty() {
            let mut v = match self.cell_vertices.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            for l in lines {
                v.extend(l.0.iter().map(|q| [q.x, q.y]));
            }
            return;
        }
        if let Geometry::Polygon(poly) = g {
            let c = &poly.exterior().0;
            let edges: Vec<(f64, f64)> = c
                .windows(2)
                .map(|w| (w[1].x - w[0].x, w[1].y - w[0].y))
                .collect();
            let rect = c.len() == 5
                && edges.iter().all(|(dx, dy)| *dx == 0.0 || *dy == 0.0)
                && poly.interiors().is_empty();
            let hex = c.len() == 7 && {
                let l: Vec<f64> = edges.iter().map(|(dx, dy)| dx.hypot(*dy)).collect();
                let m = l[0];
                m > 0.0 && l.iter().all(|x| (x - m).abs() <= 1e-6 * m)
            };
            if rect || hex {
                let mut v = match self.cell_vertices.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                v.extend(c.iter().map(|q| [q.x, q.y]));
            }
        }
    }

    pub(crate) fn k(&self) -> u32 {
        self.k
    }

    /// The anonymous map points (working CRS of the address layer), or `None` when
    /// points go to square centres.
    pub(crate) fn anchors(&self) -> Option<&[[f64; 2]]> {
        match &self.snapper {
            Snapper::Cells(_) => None,
            Snapper::Map { map, .. } => Some(&map.points),
            Snapper::Points { points, .. } => Some(points),
        }
    }

    /// The cell side of square-centre snapping.
    pub(crate) fn cell(&self) -> Option<f64> {
        match &self.snapper {
            Snapper::Cells(c) => Some(*c),
            Snapper::Map { .. } | Snapper::Points { .. } => None,
        }
    }

    /// The report so far, with the displacement statistics.
    pub(crate) fn report(&self) -> DisclosureReport {
        let s = lock(&self.stats);
        let mut r = s.report.clone();
        r.points_moved = s.moved;
        if s.snapped > 0 {
            r.mean_displacement_m = Some(s.sum_disp / s.snapped as f64);
            r.max_displacement_m = Some(s.max_disp);
        }
        for w in &s.withheld {
            r.add_rule(format!("withheld: {w}"));
        }
        r
    }

    pub(crate) fn note_withheld(&self, what: String) {
        lock(&self.stats).withheld.push(what);
    }

    fn note_dropped(&self, col: &str) {
        let mut s = lock(&self.stats);
        if !s.report.columns_dropped.iter().any(|c| c == col) {
            s.report.columns_dropped.push(col.to_string());
        }
    }

    /// A snapping function for points in `crs` (`None`: the working CRS of the set).
    fn snap_fn(&self, crs: Option<&Crs>) -> Result<SnapIn<'_>> {
        let proj = match (&self.snapper, crs) {
            (Snapper::Map { crs: a, .. }, Some(c)) if c != a => {
                Some((Reprojector::new(c, a)?, Reprojector::new(a, c)?))
            }
            _ => None,
        };
        Ok(SnapIn { p: self, proj })
    }

    fn record(&self, from: [f64; 2], to: [f64; 2]) {
        let d = (from[0] - to[0]).hypot(from[1] - to[1]);
        let mut s = lock(&self.stats);
        s.snapped += 1;
        if d > 0.0 {
            s.moved += 1;
        }
        s.sum_disp += d;
        s.max_disp = s.max_disp.max(d);
    }

    fn snap_raw(&self, p: [f64; 2]) -> [f64; 2] {
        match &self.snapper {
            Snapper::Cells(c) => [
                ((p[0] / c).floor() + 0.5) * c,
                ((p[1] / c).floor() + 0.5) * c,
            ],
            Snapper::Map { map, index, .. } => match index.nearest(p) {
                Some((i, _)) => map.points[map.address_point[i]],
                None => p,
            },
            Snapper::Points { points, index } => match index.nearest(p) {
                Some((i, _)) => points[i],
                None => Snapper::cells_centre(p, PUBLIC_CELL_M),
            },
        }
    }

    /// Without an address layer: points are moved to the nearest of `midpoints`
    /// (street-segment midpoints of `source`, working CRS) instead of square centres.
    /// Refused (`Ok(false)`, nothing changes) once a point has been moved, so that
    /// one set never mixes two rules, or when an address layer is in force.
    pub(crate) fn anchor_to_midpoints(&mut self, midpoints: &[[f64; 2]], source: &str) -> bool {
        if midpoints.is_empty() || !matches!(self.snapper, Snapper::Cells(_)) {
            return false;
        }
        let mut s = lock(&self.stats);
        if s.snapped > 0 {
            return false;
        }
        s.report
            .rules
            .retain(|r| !r.starts_with("point locations (x/y columns"));
        s.report.rules.insert(
            0,
            format!(
                "point locations (x/y columns, point geometries, vertices of chains and hulls) moved to the nearest of the {} street-segment midpoints of {source}; no address layer was given, so the number of households per published point is not guaranteed",
                midpoints.len()
            ),
        );
        drop(s);
        self.snapper = Snapper::Points {
            points: midpoints.to_vec(),
            index: crate::index::PointIndex::new(midpoints),
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{collect_table, table};

    fn publisher(k: u32) -> Publisher {
        let p = crate::disclosure::DisclosureParams::public()
            .k(k)
            .build()
            .unwrap();
        Publisher::new(&p, None).unwrap().unwrap()
    }

    #[test]
    fn redact_pairs_only_number_pairs() {
        assert_eq!(
            redact_pairs("UTM zone of the centre (-89.9640, 35.1120)").as_deref(),
            Some("UTM zone of the centre (location withheld)")
        );
        assert_eq!(redact_pairs("a (b, c) and (1)"), None);
    }

    #[test]
    fn table_counts_suppressed_with_complement_and_points_moved() {
        let p = publisher(3);
        let rows = [
            (10.0, 20.0, 1i64),
            (130.0, 20.0, 5),
            (260.0, 20.0, 7),
            (0.0, 0.0, 0),
        ];
        let t = table(
            vec![
                Column::float("x"),
                Column::float("y"),
                Column::int("count"),
                Column::text("address"),
            ],
            |sink| {
                for (x, y, n) in rows {
                    sink.row(&[
                        Cell::Float(x),
                        Cell::Float(y),
                        Cell::Int(n),
                        Cell::Str("1 High St"),
                    ])?;
                }
                Ok(())
            },
        );
        let pt = p.table("t.csv", &t).unwrap().unwrap();
        let (h, r) = collect_table(&pt).unwrap();
        assert_eq!(h, ["x", "y", "count"]);
        // one small count: it and the smallest other positive count are hidden
        assert_eq!(r[0], ["50", "50", "<3"]);
        assert_eq!(r[1], ["150", "50", "x"]);
        assert_eq!(r[2], ["250", "50", "7"]);
        assert_eq!(r[3], ["50", "50", "0"]);
        let rep = p.report();
        assert_eq!(rep.cells_suppressed_primary, 1);
        assert_eq!(rep.cells_suppressed_complementary, 1);
        assert_eq!(rep.columns_dropped, ["address"]);
        assert!(rep.max_displacement_m.unwrap() > 0.0);
    }

    /// The published statuses of a (count, n_a, n_b) table as the extended table
    /// of [`crate::disclosure::audit_table`] (row totals = `count`).
    fn statuses(r: &[Vec<String>], k: u32) -> Vec<crate::disclosure::CellStatus> {
        use crate::disclosure::CellStatus;
        let st = |c: &str| match c {
            "x" => CellStatus::Complementary,
            c if c == format!("<{k}") => CellStatus::Primary,
            _ => CellStatus::Published,
        };
        let mut v = Vec::new();
        for row in r {
            v.extend([st(&row[1]), st(&row[2]), st(&row[0])]);
        }
        // column totals and grand total: published (a summary states them)
        v.extend([CellStatus::Published; 3]);
        v
    }

    #[test]
    fn table_complementary_every_margin_row_totals() {
        use crate::disclosure::{audit_table, CountTable};
        // count = n_a + n_b on every row: `count` is the row total. The old rule (one
        // complementary cell per column) hid n_a of row 1 only, so row 0 published
        // count 5 and n_b 4 and gave n_a = 1 away.
        let rows: [[i64; 3]; 4] = [[5, 1, 4], [9, 3, 6], [12, 5, 7], [20, 8, 12]];
        let t = table(
            vec![
                Column::int("count"),
                Column::int("n_a").with_role(Role::Count),
                Column::int("n_b").with_role(Role::Count),
            ],
            |sink| {
                for r in rows {
                    sink.row(&[Cell::Int(r[0]), Cell::Int(r[1]), Cell::Int(r[2])])?;
                }
                Ok(())
            },
        );
        let p = publisher(3);
        let (_, r) = collect_table(&p.table("t.csv", &t).unwrap().unwrap()).unwrap();
        assert_eq!(r[0][1], "<3");
        let values: Vec<u64> = rows
            .iter()
            .flat_map(|r| [r[1] as u64, r[2] as u64])
            .collect();
        let ct = CountTable::new(4, 2, values).unwrap();
        let exposed = audit_table(&ct, &statuses(&r, 3), 3, true).unwrap();
        assert!(exposed.is_empty(), "{r:?} {exposed:?}");
        // the old rule's publication is exposed by the same audit
        let mut old = r.clone();
        for row in old.iter_mut() {
            for c in row.iter_mut() {
                if c == "x" {
                    *c = "0".into();
                }
            }
        }
        old[1][1] = "x".into();
        assert!(!audit_table(&ct, &statuses(&old, 3), 3, true)
            .unwrap()
            .is_empty());
        assert!(p.report().cells_suppressed_complementary >= 2);
    }

    #[test]
    fn figure_counts_not_coloured_below_k() {
        use crate::export::Figure;
        let p = publisher(3);
        let g = crate::grid::Grid::new(0.0, 0.0, 100.0, 4, 1).unwrap();
        let f = Figure::grid_map(g, vec![0.0, 1.0, 2.0, 7.0], Default::default())
            .with_role(Role::Count);
        let Figure::GridMap {
            values, options, ..
        } = p.figure(&f)
        else {
            panic!("not a grid map")
        };
        assert_eq!(values[0], 0.0);
        assert!(values[1].is_nan() && values[2].is_nan());
        // the smallest count of k or more is hidden with them
        assert!(values[3].is_nan());
        assert!(options.title.iter().any(|t| t.contains("fewer than 3")));
        // a statistic is drawn as it is
        let g = crate::grid::Grid::new(0.0, 0.0, 100.0, 2, 1).unwrap();
        let f = Figure::grid_map(g, vec![1.0, 2.0], Default::default());
        let Figure::GridMap { values, .. } = p.figure(&f) else {
            panic!("not a grid map")
        };
        assert_eq!(values, [1.0, 2.0]);
    }

    #[test]
    fn figure_incident_overlay_lines_below_k_left_out() {
        use crate::export::Figure;
        use crate::render::{MapOptions, Overlay};
        let p = publisher(3);
        let short: Geometry<f64> = LineString::from(vec![(10.0, 10.0), (40.0, 20.0)]).into();
        let long: Geometry<f64> =
            LineString::from(vec![(10.0, 10.0), (140.0, 20.0), (260.0, 30.0)]).into();
        let options = MapOptions {
            overlays: vec![Overlay {
                geometries: vec![short, long],
                colour: [0, 0, 0, 255],
                width: 1.0,
            }],
            ..Default::default()
        };
        let g = crate::grid::Grid::new(0.0, 0.0, 100.0, 3, 1).unwrap();
        let f = Figure::grid_map(g, vec![5.0; 3], options).with_incident_overlays(&[0]);
        let Figure::GridMap { options, .. } = p.figure(&f) else {
            panic!("not a grid map")
        };
        let gs = &options.overlays[0].geometries;
        assert_eq!(gs.len(), 1);
        let Geometry::LineString(l) = &gs[0] else {
            panic!("not a line")
        };
        // vertices moved to square centres
        assert_eq!(l.0[0], Coord { x: 50.0, y: 50.0 });
        assert_eq!(l.0[2], Coord { x: 250.0, y: 50.0 });
    }

    #[test]
    fn json_concentration_small_counts_withheld() {
        let p = publisher(3);
        // counts 0, 1, 4, 5 (total 10): a unit of 1 incident
        let curve = |c: &[f64]| {
            let t: f64 = c.iter().sum();
            let mut cum = 0.0;
            let mut v = vec![[0.0, 0.0]];
            for (i, x) in c.iter().enumerate() {
                cum += x;
                v.push([(i + 1) as f64 / c.len() as f64, cum / t]);
            }
            v
        };
        let mut v = serde_json::json!({"concentration": {"n_units": 4, "n_nonzero": 3,
            "total": 10.0, "gini": 0.4, "gini_nonzero": 0.2, "shares": [], "lorenz": curve(&[0.0, 1.0, 4.0, 5.0])}});
        p.json(&mut v);
        let c = &v["concentration"];
        for key in ["lorenz", "gini", "gini_nonzero", "shares"] {
            assert!(c.get(key).is_none(), "{key}: {c}");
        }
        assert_eq!(c["total"], 10.0);
        assert!(p.report().rules.iter().any(|r| r.contains("Lorenz curve")));
        // counts 0, 3, 4, 5: nothing suppressed, nothing withheld
        let safe = curve(&[0.0, 3.0, 4.0, 5.0]);
        let mut v = serde_json::json!({"n_units": 4, "n_nonzero": 3, "total": 12.0,
            "gini": 0.4, "lorenz": safe});
        let before = v.clone();
        p.json(&mut v);
        assert_eq!(v, before);
        // a plot draws only the curves a summary found safe
        use crate::export::Figure;
        use crate::render::{PlotOptions, Series};
        let series = |pts: &[[f64; 2]], label: &str| Series {
            label: label.into(),
            points: pts.iter().map(|q| (q[0], q[1])).collect(),
            markers: false,
        };
        let f = Figure::line_plot(
            vec![
                series(&safe, "safe"),
                series(&curve(&[0.0, 1.0, 4.0, 5.0]), "small"),
                series(&[[0.0, 0.0], [1.0, 1.0]], "equality"),
            ],
            PlotOptions::default(),
        );
        let Figure::LinePlot { series, options } = p.figure(&f) else {
            panic!("not a line plot")
        };
        let labels: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["safe", "equality"]);
        assert!(options.title.iter().any(|t| t.contains("not drawn")));
    }

    #[test]
    fn json_count_summary_max_below_k() {
        let p = publisher(3);
        let mut v = serde_json::json!({"sum": 2.0, "non_empty": 2, "outside": 1, "max": 1.0,
            "categories": [{"category": "arson", "total": 2.0, "non_empty": 1},
                           {"category": "theft", "total": 40.0, "non_empty": 9}]});
        p.json(&mut v);
        assert_eq!(v["max"], "<3");
        assert_eq!(v["sum"], "<3");
        assert_eq!(v["outside"], "<3");
        assert_eq!(v["non_empty"], 2);
        assert_eq!(v["categories"][0]["total"], "<3");
        assert_eq!(v["categories"][1]["total"], 40.0);
        // a maximum elsewhere (a density) is left alone
        let mut v = serde_json::json!({"max": 1.0, "mean": 0.5});
        p.json(&mut v);
        assert_eq!(v["max"], 1.0);
    }

    #[test]
    fn features_hidden_cells_counted_in_report() {
        use crate::export::features;
        let p = publisher(3);
        let crs = Crs::parse("local-m").unwrap();
        let f = features(&crs, |sink| {
            for (i, n) in [1i64, 5, 7, 9].iter().enumerate() {
                let g = Geometry::Point(Point::new(i as f64 * 100.0, 0.0));
                sink.feature(&g, &[("count", Cell::Int(*n))])?;
            }
            Ok(())
        });
        let _ = p.features(&f).unwrap();
        let r = p.report();
        assert_eq!(r.cells_suppressed_primary, 1);
        assert_eq!(r.cells_suppressed_complementary, 1);
    }

    #[test]
    fn table_with_incident_ids_is_withheld() {
        let p = publisher(3);
        let t = table(
            vec![
                Column::int("row").with_role(Role::IncidentId),
                Column::int("label"),
            ],
            |sink| sink.row(&[Cell::Int(1), Cell::Int(0)]),
        );
        assert!(p.table("labels.csv", &t).unwrap().is_none());
        assert!(p.report().rules.iter().any(|r| r.contains("labels.csv")));
    }

    #[test]
    fn json_keys_by_role() {
        let p = publisher(3);
        let mut v = serde_json::json!({"count": 2, "n": 5, "lat": 48.1, "x": 12.0, "y": 140.0,
            "victim_name": "A", "sites": [{"incidents": 1}]});
        p.json(&mut v);
        assert_eq!(v["count"], "<3");
        assert_eq!(v["n"], 5);
        assert!(v.get("lat").is_none() && v.get("victim_name").is_none());
        assert_eq!(v["x"], 50.0);
        assert_eq!(v["y"], 150.0);
        assert_eq!(v["sites"][0]["incidents"], "<3");
    }

    #[test]
    fn k_anonymity_of_snapped_points_against_addresses() {
        // a synthetic address layer: 400 houses on a jittered 20 m lattice
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let addresses: Vec<[f64; 2]> = (0..400)
            .map(|i| {
                [
                    (i % 20) as f64 * 20.0 + rng.random_range(-3.0..3.0),
                    (i / 20) as f64 * 20.0 + rng.random_range(-3.0..3.0),
                ]
            })
            .collect();
        let layer = AddressLayer {
            points: addresses.clone(),
            crs: Crs::parse("local-m").unwrap(),
            anchors: None,
            source: "synthetic".into(),
        };
        let k = 8;
        let policy = crate::disclosure::DisclosureParams::public()
            .k(k)
            .build()
            .unwrap();
        let p = Publisher::new(&policy, Some(&layer)).unwrap().unwrap();
        let anchors = p.anchors().unwrap().to_vec();
        // every published point covers at least k addresses (nearest-address rule)
        let snap = SnapIn { p: &p, proj: None };
        let mut per_point = std::collections::HashMap::<(u64, u64), usize>::new();
        for a in &addresses {
            let q = snap.snap(*a);
            assert!(anchors.contains(&q));
            *per_point
                .entry((q[0].to_bits(), q[1].to_bits()))
                .or_default() += 1;
        }
        assert!(
            per_point.values().all(|&n| n >= k as usize),
            "{per_point:?}"
        );
        // incidents anywhere go to one of those points
        for _ in 0..200 {
            let inc = [rng.random_range(0.0..380.0), rng.random_range(0.0..380.0)];
            let q = snap.snap(inc);
            assert!(per_point.contains_key(&(q[0].to_bits(), q[1].to_bits())));
        }
    }
}
