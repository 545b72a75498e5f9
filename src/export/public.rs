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
use crate::crs::{Crs, Reprojector};
use crate::disclosure::{
    anonymous_map_points, AnonymousMap, AnonymousMapParams, Disclosure, DisclosureReport,
};
use crate::error::{Error, Result};

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

    fn count_label(&self, v: f64) -> Option<String> {
        if v > 0.0 && v < f64::from(self.k) {
            Some(format!("<{}", self.k))
        } else if v == 0.0 && !self.publish_zeros {
            Some("x".into())
        } else {
            None
        }
    }

    /// A table as published (columns dropped, counts suppressed, points moved), or
    /// `None` when it is withheld.
    pub(crate) fn table<'a>(
        &'a self,
        name: &str,
        t: &'a dyn Table,
    ) -> Result<Option<PublicTable<'a>>> {
        let cols = t.columns();
        let roles: Vec<Role> = cols.iter().map(Column::effective_role).collect();
        if let Some(c) = cols
            .iter()
            .zip(&roles)
            .find(|(_, r)| **r == Role::IncidentId)
        {
            self.note_withheld(format!(
                "{name} (one row per incident: column {:?} identifies incidents)",
                c.0.name
            ));
            return Ok(None);
        }
        let mut keep = Vec::new();
        for (i, (c, r)) in cols.iter().zip(&roles).enumerate() {
            match r {
                Role::FreeText | Role::LonLat => self.note_dropped(&c.name),
                _ => keep.push(i),
            }
        }
        let xs: Vec<usize> = (0..cols.len()).filter(|&i| roles[i] == Role::X).collect();
        let ys: Vec<usize> = (0..cols.len()).filter(|&i| roles[i] == Role::Y).collect();
        let pairs: Vec<(usize, usize)> = xs.into_iter().zip(ys).collect();
        let agg_pos = |axis: char| {
            (0..cols.len()).find(|&i| {
                roles[i] == Role::AggregateCoordinate
                    && cols[i].name.to_ascii_lowercase().contains(axis)
            })
        };
        let agg = (agg_pos('x'), agg_pos('y'));
        // first pass: the count columns, for complementary suppression
        let count_cols: Vec<usize> = (0..cols.len())
            .filter(|&i| roles[i] == Role::Count)
            .collect();
        let mut comp: HashMap<(usize, usize), ()> = HashMap::new();
        let mut primary = 0usize;
        if !count_cols.is_empty() {
            struct Collect<'c> {
                cols: &'c [usize],
                vals: Vec<Vec<Option<f64>>>,
            }
            impl RowSink for Collect<'_> {
                fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
                    for (j, &c) in self.cols.iter().enumerate() {
                        self.vals[j].push(cells.get(c).and_then(number));
                    }
                    Ok(())
                }
            }
            let mut c = Collect {
                cols: &count_cols,
                vals: vec![Vec::new(); count_cols.len()],
            };
            t.rows(&mut c)?;
            let plan = self.plan_suppression(&c.vals)?;
            if plan.exposed {
                self.note_withheld(format!(
                    "{name} (its counts are all below {} and the labels alone would reveal one)",
                    self.k
                ));
                return Ok(None);
            }
            primary = plan.primary;
            for (r, j) in plan.comp {
                comp.insert((r, count_cols[j]), ());
            }
            if primary > 0 {
                lock(&self.stats).report.add_rule(plan.rule);
            }
        }
        {
            let mut s = lock(&self.stats);
            s.report.cells_suppressed_primary += primary;
            s.report.cells_suppressed_complementary += comp.len();
        }
        Ok(Some(PublicTable {
            p: self,
            inner: t,
            cols,
            roles,
            keep,
            pairs,
            comp,
            agg,
        }))
    }

    /// Which cells of a table's count columns (`vals[j][row]`) are suppressed: the
    /// primary count and the complementary cells `(row, j)`.
    ///
    /// * Integer counts: when one count column equals the sum of the others on every
    ///   row it is the row-total margin; the other columns are the interior of a
    ///   two-way table whose column totals and grand total count as published (a
    ///   summary states them). One interior column without a row total:
    ///   [`crate::disclosure::suppress_cells`] (closed-form audit against the column
    ///   total). Otherwise [`crate::disclosure::suppress_table`] (greedy, audited by
    ///   maximum flow, no suppressed count recoverable from any margin) up to
    ///   [`AUDITED_CELLS`] interior cells; above,
    ///   [`crate::disclosure::suppress_table_lines`] (the same audit, run in rounds
    ///   after a cheap cycle rule).
    /// * Non-integer counts (weighted): per column, the smallest other count of a
    ///   column with a single small count.
    fn plan_suppression(&self, vals: &[Vec<Option<f64>>]) -> Result<SuppressionPlan> {
        use crate::disclosure::{suppress_cells, suppress_table, CellStatus, CountTable};
        let k = self.k;
        let kf = f64::from(k);
        let nrows = vals.first().map_or(0, Vec::len);
        let primary = vals
            .iter()
            .flatten()
            .filter(|v| v.is_some_and(|x| x > 0.0 && x < kf))
            .count();
        let mut plan = SuppressionPlan {
            primary,
            comp: Vec::new(),
            rule: String::new(),
            exposed: false,
        };
        if primary == 0 {
            return Ok(plan);
        }
        let integer = vals
            .iter()
            .flatten()
            .all(|v| v.is_none_or(|x| x.is_finite() && x >= 0.0 && x.fract() == 0.0));
        if !integer {
            for (j, v) in vals.iter().enumerate() {
                let small = v.iter().filter(|x| x.is_some_and(|x| x > 0.0 && x < kf));
                if small.count() == 1 {
                    let pick = (0..v.len())
                        .filter(|&r| v[r].is_some_and(|x| x >= kf))
                        .min_by(|&a, &b| {
                            v[a].unwrap_or(0.0)
                                .total_cmp(&v[b].unwrap_or(0.0))
                                .then(a.cmp(&b))
                        });
                    plan.comp.extend(pick.map(|r| (r, j)));
                }
            }
            plan.rule = format!(
                "counts 0 < n < {k} shown as \"<{k}\"; weighted counts: when a column has a single such cell, its smallest other count is shown as \"x\" so that the column total cannot reveal it"
            );
            return Ok(plan);
        }
        let u = |j: usize, r: usize| vals[j][r].unwrap_or(0.0) as u64;
        // a count column that is the sum of the others on every row: the row total
        let total = (0..vals.len()).find(|&t| {
            vals.len() >= 2
                && (0..nrows).all(|r| {
                    (0..vals.len())
                        .filter(|&j| j != t)
                        .map(|j| u(j, r))
                        .sum::<u64>()
                        == u(t, r)
                })
        });
        let interior: Vec<usize> = (0..vals.len()).filter(|&j| Some(j) != total).collect();
        let nc = interior.len();
        if nc == 1 && total.is_none() {
            let col: Vec<u64> = (0..nrows).map(|r| u(interior[0], r)).collect();
            let s = suppress_cells(&col, k, true, self.publish_zeros)?;
            for (r, st) in s.status.iter().enumerate() {
                if *st == CellStatus::Complementary {
                    plan.comp.push((r, interior[0]));
                }
            }
            plan.exposed = s.total == CellStatus::Complementary;
            plan.rule = format!(
                "counts 0 < n < {k} shown as \"<{k}\"; complementary cells shown as \"x\" so that the column total cannot reveal a suppressed count (closed-form audit)"
            );
            return Ok(plan);
        }
        let values: Vec<u64> = (0..nrows)
            .flat_map(|r| interior.iter().map(move |&j| (j, r)))
            .map(|(j, r)| u(j, r))
            .collect();
        let t = CountTable::new(nrows, nc, values)?.margins(total.is_some(), true, true);
        let audited = nrows * nc <= AUDITED_CELLS;
        let s = if audited {
            suppress_table(&t, k, self.publish_zeros)?
        } else {
            // above AUDITED_CELLS: the cycle rule, then the same audit in rounds
            crate::disclosure::suppress_table_lines(&t, k, self.publish_zeros)?
        };
        for r in 0..nrows {
            for (jj, &j) in interior.iter().enumerate() {
                if s.cell(r, jj) == CellStatus::Complementary {
                    plan.comp.push((r, j));
                }
            }
            if let Some(t) = total {
                if s.row_total(r) == CellStatus::Complementary {
                    plan.comp.push((r, t));
                }
            }
        }
        plan.exposed = !s.exposed.is_empty();
        let how = if audited {
            "audited by maximum flow".to_string()
        } else {
            format!("table above {AUDITED_CELLS} cells: cycle rule then audit by maximum flow in rounds")
        };
        plan.rule = format!(
            "counts 0 < n < {k} shown as \"<{k}\"; complementary cells shown as \"x\" so that no suppressed count can be recovered from any published margin (row totals, column totals, grand total; {how})"
        );
        Ok(plan)
    }

    /// A feature layer as published. The count properties of the features that are
    /// not groups are read as the columns of a table (feature order) and get the same
    /// complementary suppression as a table ([`Self::plan_suppression`]), so that a
    /// layer written beside its table (`segments.geojson` beside `segments.csv`) hides
    /// the same cells and neither reveals a count the other suppresses.
    pub(crate) fn features<'a>(&'a self, f: &'a dyn Features) -> Result<PublicFeatures<'a>> {
        let snap = self.snap_fn(Some(f.crs()))?;
        struct Collect {
            names: Vec<String>,
            vals: Vec<Vec<Option<f64>>>,
            n: usize,
        }
        impl FeatureSink for Collect {
            fn feature(&mut self, _g: &Geometry<f64>, props: &[Property<'_>]) -> Result<()> {
                let group = props.iter().any(|(n, c)| {
                    GROUP_KEYS.contains(&n.to_ascii_lowercase().as_str())
                        && !matches!(c, Cell::Null)
                });
                if !group {
                    for (n, c) in props {
                        if Role::of_name(n) != Role::Count {
                            continue;
                        }
                        let j = match self.names.iter().position(|x| x == n) {
                            Some(j) => j,
                            None => {
                                self.names.push(n.to_string());
                                self.vals.push(vec![None; self.n]);
                                self.names.len() - 1
                            }
                        };
                        self.vals[j].push(number(c));
                    }
                }
                self.n += 1;
                for v in &mut self.vals {
                    v.resize(self.n, None);
                }
                Ok(())
            }
        }
        let mut c = Collect {
            names: Vec::new(),
            vals: Vec::new(),
            n: 0,
        };
        f.features(&mut c)?;
        let mut comp = std::collections::HashSet::new();
        let mut hide_all = false;
        if !c.names.is_empty() {
            let plan = self.plan_suppression(&c.vals)?;
            hide_all = plan.exposed;
            for (r, j) in plan.comp {
                comp.insert((r, c.names[j].clone()));
            }
            // the layer's hidden cells count in the report like a table's (a cell
            // hidden in a table and in the layer beside it counts in each file)
            let mut s = lock(&self.stats);
            if hide_all {
                let positive = c
                    .vals
                    .iter()
                    .flatten()
                    .filter(|v| v.is_some_and(|x| x > 0.0));
                s.report.cells_suppressed_primary += plan.primary;
                s.report.cells_suppressed_complementary += positive.count() - plan.primary;
            } else {
                s.report.cells_suppressed_primary += plan.primary;
                s.report.cells_suppressed_complementary += comp.len();
            }
            if plan.primary > 0 {
                s.report.add_rule(plan.rule);
            }
        }
        Ok(PublicFeatures {
            inner: f,
            snap,
            comp,
            hide_all,
        })
    }

    /// A JSON value as published (keys by role, as table columns).
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                self.concentration_summary(m);
                self.count_summary(m);
                let keys: Vec<String> = m.keys().cloned().collect();
                let mut xy: (Option<String>, Option<String>) = (None, None);
                for key in keys {
                    match Role::of_name(&key) {
                        Role::FreeText | Role::LonLat | Role::IncidentId => {
                            m.remove(&key);
                            self.note_dropped(&key);
                        }
                        Role::Count => {
                            if let Some(label) = m
                                .get(&key)
                                .and_then(|x| x.as_f64())
                                .and_then(|x| self.count_label(x))
                            {
                                m.insert(key, serde_json::Value::String(label));
                            }
                        }
                        Role::X => xy.0 = Some(key),
                        Role::Y => xy.1 = Some(key),
                        _ if matches!(key.as_str(), "centre" | "center" | "centroid") => {
                            // a point as [x, y]: a unit's centre may be an incident's
                            // location (a site, a one-incident cell), so it is moved
                            let p = m.get(&key).and_then(|v| v.as_array()).and_then(|a| {
                                match a.as_slice() {
                                    [x, y] => Some([x.as_f64()?, y.as_f64()?]),
                                    _ => None,
                                }
                            });
                            match (p, m.get_mut(&key)) {
                                (Some(q0), _) => {
                                    let q = self.snap_raw(q0);
                                    self.record(q0, q);
                                    m.insert(key, serde_json::json!(q));
                                }
                                (None, Some(x)) => self.json(x),
                                (None, None) => {}
                            }
                        }
                        _ => {
                            if let Some(x) = m.get_mut(&key) {
                                self.json(x);
                            }
                        }
                    }
                }
                if let (Some(kx), Some(ky)) = xy {
                    let p = (
                        m.get(&kx).and_then(|v| v.as_f64()),
                        m.get(&ky).and_then(|v| v.as_f64()),
                    );
                    if let (Some(x), Some(y)) = p {
                        let q = self.snap_raw([x, y]);
                        self.record([x, y], q);
                        m.insert(kx, serde_json::json!(q[0]));
                        m.insert(ky, serde_json::json!(q[1]));
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            serde_json::Value::String(t) => {
                if let Some(r) = redact_pairs(t) {
                    *t = r;
                }
            }
            _ => {}
        }
    }

    /// A concentration summary (an object with a `lorenz` curve and the `total`, as
    /// [`crate::concentration::Concentration`]) as published. Its Lorenz curve holds
    /// the sorted counts (`Δy · total` per unit), and the Gini coefficient and the
    /// units needed for a share are equations in them from which, with the published
    /// table, a suppressed count (or its complementary cell) can be solved. They are
    /// published only when the curve is exact (one point per unit) and every unit
    /// holds 0 or at least k incidents — then no count is suppressed and they reveal
    /// nothing a table does not; otherwise `lorenz`, `gini`, `gini_nonzero` and
    /// `shares` are withheld (and the report says so). `n_units`, `n_nonzero` and
    /// `total` stay (a total of k or more; smaller ones are labelled as counts).
    fn concentration_summary(&self, m: &mut serde_json::Map<String, serde_json::Value>) {
        let Some(curve) = m.get("lorenz").and_then(|v| v.as_array()) else {
            return;
        };
        let pts: Vec<[f64; 2]> = curve
            .iter()
            .filter_map(|p| match p.as_array().map(Vec::as_slice) {
                Some([x, y]) => Some([x.as_f64()?, y.as_f64()?]),
                _ => None,
            })
            .collect();
        let total = m.get("total").and_then(|v| v.as_f64());
        let n_units = m.get("n_units").and_then(|v| v.as_u64());
        let k = f64::from(self.k);
        let safe = match (total, n_units) {
            (Some(total), Some(n)) if pts.len() == curve.len() && pts.len() as u64 == n + 1 => {
                pts.windows(2).all(|w| {
                    let c = ((w[1][1] - w[0][1]) * total).round();
                    c <= 0.0 || c >= k
                })
            }
            _ => false,
        };
        if safe {
            match self.safe_curves.lock() {
                Ok(mut g) => g.push(pts),
                Err(p) => p.into_inner().push(pts),
            }
            return;
        }
        for key in ["lorenz", "gini", "gini_nonzero", "shares"] {
            m.remove(key);
        }
        self.note_withheld(format!(
            "the Lorenz curve, Gini coefficients and units-per-share of a concentration summary (some unit holds fewer than {} incidents, or the curve is thinned: the sorted counts could be read from them)",
            self.k
        ));
    }

    /// A summary of counts over cells (an object with a `non_empty` key, e.g. the
    /// `hotspots grid` summary `{sum, non_empty, outside, max}` and its per-category
    /// `{category, total, non_empty}`): its `sum`, `total`, `max` and `outside` are
    /// incident counts, written `"<k"` when below k (a maximum below k is a cell's
    /// count; `outside` counts incidents beyond the grid).
    fn count_summary(&self, m: &mut serde_json::Map<String, serde_json::Value>) {
        if !m.contains_key("non_empty") {
            return;
        }
        for key in ["sum", "total", "max", "outside"] {
            if let Some(label) = m
                .get(key)
                .and_then(|x| x.as_f64())
                .and_then(|x| self.count_label(x))
            {
                m.insert(key.into(), serde_json::Value::String(label));
            }
        }
    }

    /// Count values of a map as published: a value the tables would write `"<k"` (or
    /// `"x"` for an unpublished zero) is not drawn (NaN, "no data"); when any value is
    /// so suppressed, every cell holding the smallest count of k or more is not drawn
    /// either (the map cannot tell which of them a table chose as the complementary
    /// cell, so it hides them all). A continuous colour scale reaches k at least, so
    /// that its legend cannot bound the largest count below k. A footnote says so.
    fn suppress_figure_counts(&self, values: &mut [f64], options: &mut crate::render::MapOptions) {
        let k = f64::from(self.k);
        let mut hidden = 0usize;
        for v in values.iter_mut() {
            if v.is_finite() && self.count_label(*v).is_some() {
                *v = f64::NAN;
                hidden += 1;
            }
        }
        if hidden > 0 {
            let smallest = values
                .iter()
                .copied()
                .filter(|v| v.is_finite() && *v >= k)
                .fold(f64::INFINITY, f64::min);
            if smallest.is_finite() {
                for v in values.iter_mut() {
                    if *v == smallest {
                        *v = f64::NAN;
                    }
                }
            }
            options.title.push(format!(
                "Cells with fewer than {} incidents (and those with the smallest count above) are not coloured.",
                self.k
            ));
        }
        if let crate::render::ColourScale::Continuous { max, .. } = &mut options.scale {
            if *max < k {
                *max = k;
            }
        }
    }

    /// An overlay drawn through incident locations, as published: lines through
    /// fewer than k distinct points left out, the others drawn through moved
    /// vertices; polygons drawn as the convex hull of their moved vertices.
    fn incident_overlay(&self, snap: &SnapIn<'_>, geometries: &mut Vec<Geometry<f64>>) {
        let k = self.k as usize;
        let before = geometries.len();
        geometries.retain(|g| match g {
            Geometry::LineString(l) => {
                let mut v: Vec<[u64; 2]> =
                    l.0.iter().map(|c| [c.x.to_bits(), c.y.to_bits()]).collect();
                v.sort_unstable();
                v.dedup();
                v.len() >= k
            }
            _ => true,
        });
        let left_out = before - geometries.len();
        if left_out > 0 {
            self.note_withheld(format!(
                "{left_out} line(s) of a map overlay through fewer than {k} incidents"
            ));
        }
        for g in geometries.iter_mut() {
            snap.all_vertices(g);
            if let Geometry::Polygon(poly) = g {
                let mp: MultiPoint<f64> =
                    poly.exterior().points().collect::<Vec<Point<f64>>>().into();
                *g = Geometry::Polygon(mp.convex_hull());
            }
        }
    }

    /// A figure as published: point geometries moved (overlays and point features).
    pub(crate) fn figure(&self, fig: &super::Figure) -> super::Figure {
        let mut fig = fig.clone();
        let snap = SnapIn {
            p: self,
            proj: None,
        };
        match &mut fig {
            super::Figure::GridMap {
                options,
                values,
                role,
                incident_overlays,
                ..
            } => {
                if *role == Role::Count {
                    self.suppress_figure_counts(values, options);
                }
                for &i in incident_overlays.iter() {
                    if let Some(o) = options.overlays.get_mut(i) {
                        self.incident_overlay(&snap, &mut o.geometries);
                    }
                }
                for o in &mut options.overlays {
                    for g in &mut o.geometries {
                        snap.points_only(g);
                    }
                }
            }
            super::Figure::LinePlot { series, options } => {
                // a cumulative-share curve (a Lorenz curve: sorted counts) is drawn
                // only when a JSON summary found it free of small counts
                let safe = match self.safe_curves.lock() {
                    Ok(g) => g.clone(),
                    Err(p) => p.into_inner().clone(),
                };
                let before = series.len();
                series.retain(|s| {
                    let pts: Vec<[f64; 2]> = s.points.iter().map(|p| [p.0, p.1]).collect();
                    !is_cumulative_share(&pts) || safe.contains(&pts)
                });
                let left_out = before - series.len();
                if left_out > 0 {
                    self.note_withheld(format!(
                        "{left_out} Lorenz curve(s) of a plot (some unit holds fewer than {} incidents: the sorted counts could be read from the curve)",
                        self.k
                    ));
                    options.title.push(format!(
                        "Public: curves over units with fewer than {} incidents are not drawn.",
                        self.k
                    ));
                }
            }
            super::Figure::FeatureMap {
                geometries,
                options,
                values,
            } => {
                // a map of counts per feature (its legend names a count, as a column)
                if Role::of_name(&options.legend) == Role::Count {
                    self.suppress_figure_counts(values, options);
                }
                for g in geometries.iter_mut() {
                    snap.points_only(g);
                }
                for o in &mut options.overlays {
                    for g in &mut o.geometries {
                        snap.points_only(g);
                    }
                }
            }
            _ => {}
        }
        fig
    }
}

/// Whether a curve is a cumulative share (a Lorenz curve): more than two points,
/// from (0, 0) to (1, 1), non-decreasing in both coordinates.
fn is_cumulative_share(p: &[[f64; 2]]) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    p.len() > 2
        && close(p[0][0], 0.0)
        && close(p[0][1], 0.0)
        && p.last()
            .is_some_and(|q| close(q[0], 1.0) && close(q[1], 1.0))
        && p.windows(2)
            .all(|w| w[1][0] >= w[0][0] && w[1][1] >= w[0][1])
}

fn number(c: &Cell<'_>) -> Option<f64> {
    match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(v) | Cell::Fixed(v, _) | Cell::Sci(v, _) => Some(*v),
        Cell::Json(v) => v.as_f64(),
        Cell::Str(s) => s.trim().parse().ok(),
        Cell::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text with every parenthesised number pair `(a, b)` (a location such as the
/// centre of the data in a CRS note) replaced by `(location withheld)`; `None` when
/// there is none.
fn redact_pairs(t: &str) -> Option<String> {
    crate::disclosure::redact_locations(t)
}

/// Centres of the `side`-metre squares (grid at the origin) that hold a point, in
/// order of first appearance.
fn square_centres(pts: &[[f64; 2]], side: f64) -> Vec<[f64; 2]> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for p in pts {
        let key = ((p[0] / side).floor() as i64, (p[1] / side).floor() as i64);
        seen.entry(key).or_insert_with(|| {
            out.push([(key.0 as f64 + 0.5) * side, (key.1 as f64 + 0.5) * side]);
        });
    }
    out
}

/// Snapping in a given CRS.
struct SnapIn<'a> {
    p: &'a Publisher,
    proj: Option<(Reprojector, Reprojector)>,
}

impl SnapIn<'_> {
    fn snap(&self, q: [f64; 2]) -> [f64; 2] {
        let out = match &self.proj {
            None => self.p.snap_raw(q),
            Some((to, back)) => {
                let r = to
                    .apply(q[0], q[1])
                    .ok()
                    .map(|(x, y)| self.p.snap_raw([x, y]))
                    .and_then(|s| back.apply(s[0], s[1]).ok());
                match r {
                    Some((x, y)) => [x, y],
                    // cannot be projected: the square centre still hides it
                    None => Snapper::cells_centre(q, PUBLIC_CELL_M),
                }
            }
        };
        self.p.record(q, out);
        out
    }

    fn coord(&self, c: &mut Coord<f64>) {
        let s = self.snap([c.x, c.y]);
        c.x = s[0];
        c.y = s[1];
    }

    fn points_only(&self, g: &mut Geometry<f64>) {
        match g {
            Geometry::Point(p) => self.coord(&mut p.0),
            Geometry::MultiPoint(m) => m.0.iter_mut().for_each(|p| self.coord(&mut p.0)),
            Geometry::GeometryCollection(c) => c.0.iter_mut().for_each(|g| self.points_only(g)),
            _ => {}
        }
    }

    fn all_vertices(&self, g: &mut Geometry<f64>) {
        use geo::MapCoordsInPlace;
        g.map_coords_in_place(|c| {
            let s = self.snap([c.x, c.y]);
            Coord { x: s[0], y: s[1] }
        });
    }
}

impl Snapper {
    fn cells_centre(q: [f64; 2], c: f64) -> [f64; 2] {
        [
            ((q[0] / c).floor() + 0.5) * c,
            ((q[1] / c).floor() + 0.5) * c,
        ]
    }
}

/// A table as published (see [`Publisher::table`]).
pub(crate) struct PublicTable<'a> {
    p: &'a Publisher,
    inner: &'a dyn Table,
    cols: Vec<Column>,
    roles: Vec<Role>,
    keep: Vec<usize>,
    pairs: Vec<(usize, usize)>,
    comp: HashMap<(usize, usize), ()>,
    /// The aggregate x / y columns (cell centres), recorded as published points.
    agg: (Option<usize>, Option<usize>),
}

impl Table for PublicTable<'_> {
    fn columns(&self) -> Vec<Column> {
        self.keep.iter().map(|&i| self.cols[i].clone()).collect()
    }

    fn rows(&self, sink: &mut dyn RowSink) -> Result<()> {
        struct Adapter<'s, 'b> {
            t: &'s PublicTable<'b>,
            sink: &'s mut dyn RowSink,
            row: usize,
        }
        impl RowSink for Adapter<'_, '_> {
            fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
                let t = self.t;
                let mut out: Vec<Cell<'_>> = cells.to_vec();
                for &(ix, iy) in &t.pairs {
                    if let (Some(x), Some(y)) = (
                        cells.get(ix).and_then(number),
                        cells.get(iy).and_then(number),
                    ) {
                        let q = t.p.snap_raw([x, y]);
                        t.p.record([x, y], q);
                        let keep_fmt = |c: &Cell<'_>, v: f64| match c {
                            Cell::Fixed(_, d) => Cell::Fixed(v, *d),
                            _ => Cell::Float(v),
                        };
                        out[ix] = keep_fmt(&cells[ix], q[0]);
                        out[iy] = keep_fmt(&cells[iy], q[1]);
                    }
                }
                if let (Some(ix), Some(iy)) = (t.agg.0, t.agg.1) {
                    if let (Some(x), Some(y)) = (
                        cells.get(ix).and_then(number),
                        cells.get(iy).and_then(number),
                    ) {
                        t.p.note_aggregate([x, y]);
                    }
                }
                for (i, r) in t.roles.iter().enumerate() {
                    if *r != Role::Count {
                        continue;
                    }
                    if t.comp.contains_key(&(self.row, i)) {
                        out[i] = Cell::String("x".into());
                    } else if let Some(label) = cells
                        .get(i)
                        .and_then(number)
                        .and_then(|v| t.p.count_label(v))
                    {
                        out[i] = Cell::String(label);
                    }
                }
                let kept: Vec<Cell<'_>> = t
                    .keep
                    .iter()
                    .map(|&i| out.get(i).cloned().unwrap_or(Cell::Null))
                    .collect();
                self.row += 1;
                self.sink.row(&kept)
            }
        }
        let mut a = Adapter {
            t: self,
            sink,
            row: 0,
        };
        self.inner.rows(&mut a)
    }
}

/// A feature layer as published (see [`Publisher::features`]).
pub(crate) struct PublicFeatures<'a> {
    inner: &'a dyn Features,
    snap: SnapIn<'a>,
    /// Complementary cells (feature index, count property) written `"x"`.
    comp: std::collections::HashSet<(usize, String)>,
    /// The labels alone would reveal a count: every positive count is written `"x"`.
    hide_all: bool,
}

// SAFETY-free: Reprojector is Sync when its fields are; checked by the compiler.
impl Features for PublicFeatures<'_> {
    fn crs(&self) -> &Crs {
        self.inner.crs()
    }

    fn features(&self, sink: &mut dyn FeatureSink) -> Result<()> {
        struct Adapter<'s, 'b> {
            f: &'s PublicFeatures<'b>,
            sink: &'s mut dyn FeatureSink,
            withheld: usize,
            index: usize,
        }
        impl FeatureSink for Adapter<'_, '_> {
            fn feature(&mut self, geometry: &Geometry<f64>, props: &[Property<'_>]) -> Result<()> {
                let index = self.index;
                self.index += 1;
                let p = self.f.snap.p;
                let k = f64::from(p.k);
                let group = props.iter().any(|(n, c)| {
                    GROUP_KEYS.contains(&n.to_ascii_lowercase().as_str())
                        && !matches!(c, Cell::Null)
                });
                if group {
                    let size = props
                        .iter()
                        .filter(|(n, _)| GROUP_SIZE_KEYS.contains(&n.to_ascii_lowercase().as_str()))
                        .filter_map(|(_, c)| number(c))
                        .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.min(v))));
                    // a group whose size is unknown or below k is withheld
                    if size.is_none_or(|s| s < k) {
                        self.withheld += 1;
                        return Ok(());
                    }
                }
                let mut out: Vec<Property<'_>> = Vec::with_capacity(props.len());
                let mut xy: (Option<usize>, Option<usize>) = (None, None);
                for (n, c) in props {
                    match Role::of_name(n) {
                        Role::FreeText | Role::LonLat | Role::IncidentId => {
                            p.note_dropped(n);
                            continue;
                        }
                        Role::Count => {
                            if let Some(label) = number(c).and_then(|v| p.count_label(v)) {
                                out.push((n, Cell::String(label)));
                                continue;
                            }
                            let positive = number(c).is_some_and(|v| v > 0.0);
                            if !group
                                && positive
                                && (self.f.hide_all
                                    || self.f.comp.contains(&(index, n.to_string())))
                            {
                                out.push((n, Cell::String("x".into())));
                                continue;
                            }
                        }
                        Role::X => xy.0 = Some(out.len()),
                        Role::Y => xy.1 = Some(out.len()),
                        _ => {}
                    }
                    out.push((n, c.clone()));
                }
                if let (Some(ix), Some(iy)) = xy {
                    if let (Some(x), Some(y)) = (number(&out[ix].1), number(&out[iy].1)) {
                        let q = self.f.snap.snap([x, y]);
                        out[ix].1 = Cell::Float(q[0]);
                        out[iy].1 = Cell::Float(q[1]);
                    }
                }
                let mut g = geometry.clone();
                if group {
                    self.f.snap.all_vertices(&mut g);
                    if let Geometry::Polygon(poly) = &g {
                        // a hull drawn from the moved points
                        let mp: MultiPoint<f64> =
                            poly.exterior().points().collect::<Vec<Point<f64>>>().into();
                        let h: Polygon<f64> = mp.convex_hull();
                        g = if h.exterior().0.len() >= 4 {
                            Geometry::Polygon(h)
                        } else {
                            Geometry::LineString(LineString::from(
                                mp.0.iter().map(|p| p.0).collect::<Vec<_>>(),
                            ))
                        };
                    }
                } else {
                    self.f.snap.points_only(&mut g);
                    p.note_cell(&g);
                }
                self.sink.feature(&g, &out)
            }
        }
        let mut a = Adapter {
            f: self,
            sink,
            withheld: 0,
            index: 0,
        };
        self.inner.features(&mut a)?;
        if a.withheld > 0 {
            self.snap.p.note_withheld(format!(
                "{} group feature(s) (chains, clusters) of fewer than {} incidents",
                a.withheld, self.snap.p.k
            ));
            let mut s = lock(&self.snap.p.stats);
            s.report.features_withheld += a.withheld;
        }
        Ok(())
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
