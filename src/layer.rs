//! The data model: incident points and built-environment layers.
//!
//! Coordinates are always in the **working CRS** (projected, metres) recorded in
//! [`CrsChoice`]; see [`crate::crs`]. Per-incident columns are parallel vectors in
//! input order (rows that were rejected or filtered out are absent; `row` maps
//! back to the source).

use serde::{Deserialize, Serialize};

use crate::crs::CrsChoice;
use crate::time::TimePrecision;

/// Marker for "no category".
pub const NO_CATEGORY: u32 = u32::MAX;

/// A column of strings stored in one buffer (no per-row allocation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringColumn {
    buf: String,
    ends: Vec<usize>,
}

impl StringColumn {
    /// Empty column.
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends a value.
    pub fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
    }
    /// Appends the values of `other`, in order.
    pub fn append(&mut self, other: &StringColumn) {
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Value `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
    /// Iterates over the values.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
    /// Keeps the values whose index is in `keep` (in that order).
    pub fn select(&self, keep: &[usize]) -> StringColumn {
        let mut out = StringColumn::new();
        for &i in keep {
            out.push(self.get(i));
        }
        out
    }
}

/// Incident points with times, categories and the other columns of the source.
#[derive(Debug, Clone)]
pub struct Incidents {
    /// Coordinates in the working CRS (metres).
    pub xy: Vec<[f64; 2]>,
    /// Local clock time in seconds since 1970-01-01 (see [the crate docs](crate#time)); `None` if absent.
    pub time: Vec<Option<i64>>,
    /// Precision of each time (meaningless where `time` is `None`).
    pub precision: Vec<TimePrecision>,
    /// Occurrence windows: seconds from `time` (the window's start) to its recorded
    /// end, 0 for an exact time. **Empty when every time is exact** (the common case
    /// costs nothing); otherwise one per incident. 4 bytes per incident: windows
    /// longer than 136 years do not fit (loaders refuse windows longer than
    /// the `max_window` setting anyway). Read it with [`Incidents::window`].
    pub window_len: Vec<u32>,
    /// Index into `categories`, or [`NO_CATEGORY`].
    pub category: Vec<u32>,
    /// Distinct category values, in order of first appearance.
    pub categories: Vec<String>,
    /// Source row: 1-based data row for CSV (header excluded), 0-based feature index for GeoJSON.
    pub row: Vec<u64>,
    /// Other source columns, kept as text (same order as `attr_names`).
    pub attrs: Vec<StringColumn>,
    /// Names of `attrs`.
    pub attr_names: Vec<String>,
    /// Input and working CRS.
    pub crs: CrsChoice,
}

impl Incidents {
    /// An empty set in the given CRS.
    pub fn empty(crs: CrsChoice) -> Self {
        Incidents {
            xy: Vec::new(),
            time: Vec::new(),
            precision: Vec::new(),
            window_len: Vec::new(),
            category: Vec::new(),
            categories: Vec::new(),
            row: Vec::new(),
            attrs: Vec::new(),
            attr_names: Vec::new(),
            crs,
        }
    }

    /// Number of incidents.
    pub fn len(&self) -> usize {
        self.xy.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// The recorded end of incident `i`'s occurrence window (`None` without a time;
    /// equal to the time for an exact time).
    pub fn time_to(&self, i: usize) -> Option<i64> {
        let t = self.time[i]?;
        Some(t + self.window_len.get(i).copied().unwrap_or(0) as i64)
    }

    /// Incident `i`'s occurrence window for aoristic analysis
    /// ([`crate::when::Window::from_times`]: a time coarser than a minute stands for
    /// its whole day, hour or month); `None` without a time.
    pub fn window(&self, i: usize) -> Option<crate::when::Window> {
        let t = self.time[i]?;
        crate::when::Window::from_times(t, self.time_to(i), self.precision[i]).ok()
    }

    /// Incident `i`'s window as recorded (not widened by precision), for rules such
    /// as the Knox window rule ([`WindowRule`](crate::WindowRule)).
    pub fn recorded_window(&self, i: usize) -> Option<crate::when::Window> {
        crate::when::Window::new(self.time[i]?, self.time_to(i)?).ok()
    }

    /// Whether any incident has a window longer than zero.
    pub fn has_windows(&self) -> bool {
        self.window_len.iter().any(|&l| l > 0)
    }

    /// Category name of incident `i`.
    pub fn category_name(&self, i: usize) -> Option<&str> {
        let c = self.category[i];
        (c != NO_CATEGORY).then(|| self.categories[c as usize].as_str())
    }

    /// A source column by name (case-insensitive).
    pub fn attr(&self, name: &str) -> Option<&StringColumn> {
        self.attr_names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| &self.attrs[i])
    }

    /// Bounding box `[minx, miny, maxx, maxy]`, or `None` when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        bbox_of(self.xy.iter().copied())
    }

    /// Time range (min, max) of the incidents that have a time.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let mut it = self.time.iter().flatten();
        let first = *it.next()?;
        Some(it.fold((first, first), |(a, b), &t| (a.min(t), b.max(t))))
    }

    /// Keeps the incidents whose index is in `keep` (in that order).
    pub fn select(&self, keep: &[usize]) -> Incidents {
        Incidents {
            xy: keep.iter().map(|&i| self.xy[i]).collect(),
            time: keep.iter().map(|&i| self.time[i]).collect(),
            precision: keep.iter().map(|&i| self.precision[i]).collect(),
            window_len: if self.window_len.is_empty() {
                Vec::new()
            } else {
                keep.iter().map(|&i| self.window_len[i]).collect()
            },
            category: keep.iter().map(|&i| self.category[i]).collect(),
            categories: self.categories.clone(),
            row: keep.iter().map(|&i| self.row[i]).collect(),
            attrs: self.attrs.iter().map(|c| c.select(keep)).collect(),
            attr_names: self.attr_names.clone(),
            crs: self.crs.clone(),
        }
    }

    /// Keeps the incidents for which `f(i)` is true.
    pub fn filter(&self, f: impl Fn(usize) -> bool) -> Incidents {
        let keep: Vec<usize> = (0..self.len()).filter(|&i| f(i)).collect();
        self.select(&keep)
    }

    /// Incidents with a time in `[from, to)` (either bound optional).
    pub fn between(&self, from: Option<i64>, to: Option<i64>) -> Incidents {
        self.filter(|i| match self.time[i] {
            Some(t) => from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e),
            None => false,
        })
    }

    /// Times in fractional days since 1970-01-01 (`NaN` where missing).
    pub fn days(&self) -> Vec<f64> {
        self.time
            .iter()
            .map(|t| t.map_or(f64::NAN, |s| s as f64 / crate::time::DAY as f64))
            .collect()
    }

    /// Counts per precision of the incidents with a time.
    pub fn precision_counts(&self) -> std::collections::BTreeMap<TimePrecision, usize> {
        let mut m = std::collections::BTreeMap::new();
        for (t, p) in self.time.iter().zip(&self.precision) {
            if t.is_some() {
                *m.entry(*p).or_insert(0) += 1;
            }
        }
        m
    }

    /// How many incidents have a time (see [`TimeUse`]).
    pub fn time_use(&self) -> TimeUse {
        TimeUse {
            incidents: self.len(),
            with_time: self.time.iter().filter(|t| t.is_some()).count(),
        }
    }

    /// The coarsest precision present (the one analyses must respect).
    pub fn coarsest_precision(&self) -> Option<TimePrecision> {
        self.precision_counts().keys().next_back().copied()
    }
}

/// How many incidents an analysis that needs times could use: incidents without a
/// (readable) time are kept by the loaders for time-free analyses, and every
/// analysis that needs times leaves them out and says how many
/// ([`Incidents::time_use`], [`TimeUse::note`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeUse {
    /// Incidents given to the analysis.
    pub incidents: usize,
    /// Of those, incidents with a time.
    pub with_time: usize,
}

impl TimeUse {
    /// Incidents left out for want of a time.
    pub fn without_time(&self) -> usize {
        self.incidents - self.with_time
    }

    /// A sentence for reports when some incidents could not be used, e.g.
    /// `near-repeat: 12 of 1000 incidents have no (readable) time and were not used`.
    pub fn note(&self, analysis: &str) -> Option<String> {
        (self.without_time() > 0).then(|| {
            format!(
                "{analysis}: {} of {} incidents have no (readable) time and were not used",
                self.without_time(),
                self.incidents
            )
        })
    }
}

/// Bounding box of points.
pub fn bbox_of(pts: impl Iterator<Item = [f64; 2]>) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for p in pts {
        b = Some(match b {
            None => [p[0], p[1], p[0], p[1]],
            Some(q) => [
                q[0].min(p[0]),
                q[1].min(p[1]),
                q[2].max(p[0]),
                q[3].max(p[1]),
            ],
        });
    }
    b
}

/// Union of bounding boxes `[minx, miny, maxx, maxy]`; `None` when there are none.
pub fn bbox_union(boxes: impl Iterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    boxes.reduce(|p, q| {
        [
            p[0].min(q[0]),
            p[1].min(q[1]),
            p[2].max(q[2]),
            p[3].max(q[3]),
        ]
    })
}

/// Bounding box `[minx, miny, maxx, maxy]` of one geometry (`None` when it is empty).
pub fn geometry_bbox<G>(g: &G) -> Option<[f64; 4]>
where
    G: geo::BoundingRect<f64>,
    G::Output: Into<Option<geo::Rect<f64>>>,
{
    let r: Option<geo::Rect<f64>> = g.bounding_rect().into();
    r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The convex hull of points, as [`geo::ConvexHull`] gives it for the
/// [`geo::MultiPoint`] of all of them (the same polygon, vertex for vertex), without
/// copying every point.
///
/// # Algorithm
/// Akl–Toussaint pruning (Akl & Toussaint 1978, "A fast convex hull algorithm",
/// *Information Processing Letters* 7(5)): the extreme points in the eight directions
/// at 45° steps form a convex octagon inside the hull; a point strictly inside it
/// (robust orientation tests, in parallel) is neither a vertex of the hull nor on
/// its boundary, so only the others are copied and handed to geo's quickhull, whose
/// output depends only on the hull's vertices. At national size (towns of points)
/// the copy is a small share of the points instead of two copies of all of them.
pub fn convex_hull_of(pts: &[[f64; 2]]) -> geo::Polygon<f64> {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    use geo::ConvexHull;
    use rayon::prelude::*;
    let c = |p: &[f64; 2]| geo::Coord { x: p[0], y: p[1] };
    let hull_of = |cs: Vec<geo::Coord<f64>>| geo::MultiPoint::from(cs).convex_hull();
    if pts.len() < 16 {
        return hull_of(pts.iter().map(c).collect());
    }
    // support points in the directions (0,-1), (1,-1), (1,0), (1,1), (0,1), (-1,1),
    // (-1,0), (-1,-1): counter-clockwise around the hull
    let dirs: [(f64, f64); 8] = [
        (0.0, -1.0),
        (1.0, -1.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (-1.0, 0.0),
        (-1.0, -1.0),
    ];
    let mut best = [0usize; 8];
    for (i, p) in pts.iter().enumerate() {
        for (k, d) in dirs.iter().enumerate() {
            let q = pts[best[k]];
            if p[0] * d.0 + p[1] * d.1 > q[0] * d.0 + q[1] * d.1 {
                best[k] = i;
            }
        }
    }
    let ring: Vec<geo::Coord<f64>> = best.iter().map(|&i| c(&pts[i])).collect();
    let inside = |p: geo::Coord<f64>| {
        (0..8).all(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % 8]);
            a != b && RobustKernel::orient2d(a, b, p) == Orientation::CounterClockwise
        })
    };
    let mut keep: Vec<geo::Coord<f64>> = pts.par_iter().map(c).filter(|&p| !inside(p)).collect();
    // quickhull needs four points to take the path whose output depends on the
    // vertices only; points strictly inside change nothing
    for p in pts.iter().take(4usize.saturating_sub(keep.len())) {
        keep.push(c(p));
    }
    hull_of(keep)
}

/// The kind of geometry in a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeometryKind {
    /// Points and multipoints.
    Point,
    /// Lines and multilines.
    Line,
    /// Polygons and multipolygons.
    Polygon,
    /// Anything else (collections).
    Other,
}

/// Kind of a geometry.
pub fn geometry_kind(g: &geo::Geometry<f64>) -> GeometryKind {
    use geo::Geometry as G;
    match g {
        G::Point(_) | G::MultiPoint(_) => GeometryKind::Point,
        G::Line(_) | G::LineString(_) | G::MultiLineString(_) => GeometryKind::Line,
        G::Polygon(_) | G::MultiPolygon(_) | G::Rect(_) | G::Triangle(_) => GeometryKind::Polygon,
        G::GeometryCollection(_) => GeometryKind::Other,
    }
}

/// A built-environment layer: geometries with attributes, in the working CRS.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Layer name (file stem unless given).
    pub name: String,
    /// Geometries in the working CRS (metres).
    pub geometries: Vec<geo::Geometry<f64>>,
    /// Attributes of each feature.
    pub properties: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Input and working CRS.
    pub crs: CrsChoice,
}

impl Layer {
    /// Number of features.
    pub fn len(&self) -> usize {
        self.geometries.len()
    }
    /// Whether the layer has no features.
    pub fn is_empty(&self) -> bool {
        self.geometries.is_empty()
    }
    /// Counts of features per geometry kind.
    pub fn kinds(&self) -> std::collections::BTreeMap<GeometryKind, usize> {
        let mut m = std::collections::BTreeMap::new();
        for g in &self.geometries {
            *m.entry(geometry_kind(g)).or_insert(0) += 1;
        }
        m
    }
    /// Bounding box of all features.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        bbox_union(self.geometries.iter().filter_map(geometry_bbox))
    }
    /// A property of feature `i` as text (`None` if absent or null).
    pub fn property_str(&self, i: usize, key: &str) -> Option<String> {
        let v = self.properties[i]
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)?;
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
    /// Keeps the features for which `f(i)` is true.
    pub fn filter(&self, f: impl Fn(usize) -> bool) -> Layer {
        let keep: Vec<usize> = (0..self.len()).filter(|&i| f(i)).collect();
        Layer {
            name: self.name.clone(),
            geometries: keep.iter().map(|&i| self.geometries[i].clone()).collect(),
            properties: keep.iter().map(|&i| self.properties[i].clone()).collect(),
            crs: self.crs.clone(),
        }
    }
    /// Representative points: the point itself, or the centroid of a line/polygon.
    pub fn representative_points(&self) -> Vec<[f64; 2]> {
        use geo::Centroid;
        self.geometries
            .iter()
            .map(|g| {
                g.centroid()
                    .map(|p| [p.x(), p.y()])
                    .unwrap_or([f64::NAN, f64::NAN])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_column_roundtrip() {
        let mut c = StringColumn::new();
        for s in ["a", "", "ccc"] {
            c.push(s);
        }
        assert_eq!(c.iter().collect::<Vec<_>>(), vec!["a", "", "ccc"]);
        assert_eq!(
            c.select(&[2, 0]).iter().collect::<Vec<_>>(),
            vec!["ccc", "a"]
        );
    }

    #[test]
    fn time_use_counts_incidents_without_time() {
        let crs = crate::crs::Crs::Local { unit_to_metre: 1.0 };
        let mut inc = Incidents::empty(CrsChoice {
            input: crs.clone(),
            input_source: "test".into(),
            working: crs,
            reason: "test".into(),
        });
        inc.xy = vec![[0.0, 0.0]; 3];
        inc.time = vec![Some(0), None, Some(5)];
        let u = inc.time_use();
        assert_eq!((u.incidents, u.with_time, u.without_time()), (3, 2, 1));
        assert_eq!(
            u.note("promap").as_deref(),
            Some("promap: 1 of 3 incidents have no (readable) time and were not used")
        );
        inc.time = vec![Some(0); 3];
        assert_eq!(inc.time_use().note("promap"), None);
    }

    #[test]
    fn convex_hull_of_equals_geo_on_every_point() {
        use geo::ConvexHull;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let geo_hull = |v: &[[f64; 2]]| {
            let mp: geo::MultiPoint<f64> = v.iter().map(|p| geo::Point::new(p[0], p[1])).collect();
            mp.convex_hull()
        };
        let mut cases: Vec<Vec<[f64; 2]>> = Vec::new();
        // towns: clusters of many points
        cases.push(
            (0..20_000)
                .map(|i| {
                    let t = [(0.0, 0.0), (5e4, 1e4), (2e4, 6e4)][i % 3];
                    [
                        t.0 + rng.random_range(-900.0..900.0),
                        t.1 + rng.random_range(-900.0..900.0),
                    ]
                })
                .collect(),
        );
        // a triangle's corners and points inside (three points survive the pruning)
        let mut tri = vec![[0.0, 0.0], [100.0, 0.0], [50.0, 100.0]];
        tri.extend((0..200).map(|i| [50.0 + (i % 7) as f64, 30.0 + (i % 5) as f64]));
        cases.push(tri);
        // a square grid: many collinear points on the hull's edges, duplicates
        let mut sq: Vec<[f64; 2]> = (0..400)
            .map(|i| [(i % 20) as f64, (i / 20) as f64])
            .collect();
        sq.extend_from_within(..50);
        cases.push(sq);
        // all on one line, all the same point
        cases.push((0..50).map(|i| [i as f64, 2.0 * i as f64]).collect());
        cases.push(vec![[3.0, 4.0]; 40]);
        // a circle: every point a vertex
        cases.push(
            (0..500)
                .map(|i| {
                    let a = i as f64 * 0.0125_f64 * std::f64::consts::PI;
                    [1e3 * a.cos(), 1e3 * a.sin()]
                })
                .collect(),
        );
        for (k, v) in cases.iter().enumerate() {
            assert_eq!(convex_hull_of(v), geo_hull(v), "case {k}");
        }
    }

    #[test]
    fn bbox_union_empty_is_none() {
        assert!(bbox_union(std::iter::empty()).is_none());
        assert_eq!(
            bbox_union([[0.0, 1.0, 2.0, 3.0], [-1.0, 2.0, 1.0, 5.0]].into_iter()),
            Some([-1.0, 1.0, 2.0, 5.0])
        );
    }

    #[test]
    fn bbox_of_empty_is_none() {
        assert!(bbox_of(std::iter::empty()).is_none());
        assert_eq!(
            bbox_of([[1.0, 2.0], [-1.0, 5.0]].into_iter()),
            Some([-1.0, 2.0, 1.0, 5.0])
        );
    }
}
