//! The demo city: a deterministic synthetic city with its own ground truth.
//!
//! # Model
//! * **Streets**: an irregular grid (spacings uniform in 90–180 m) over a square
//!   city of `size` metres; every 5th street is an arterial. Each segment between
//!   two intersections is a line feature with an id.
//! * **River** (default on, [`DemoParams::river`]): an east–west river 34 m wide in
//!   the middle of the block row nearest to 40 % of the city's height, with a
//!   riverside street on each bank (60 m apart) and only **two bridges** (the
//!   avenues nearest to 30 % and 75 % of the width, arterials when there are two):
//!   across it, the walk is up to kilometres for what is 60 m as the crow flies,
//!   so planar and network analyses differ visibly. No incident, bar, stop, ATM,
//!   lot or park lies in the water; [`GroundTruth::river`] records it and
//!   [`DemoCity::river`] is its polygon (`river.geojson`). The river has no
//!   effect on risk (planted risks are planar distances, as before).
//! * **Built environment**: bars in a nightlife strip, bus stops along arterials,
//!   ATMs near commercial frontage, street lights every ~35 m with outage zones
//!   (status `out`), park polygons, vacant-lot polygons in a declining quarter,
//!   and two **decoy** layers (mailboxes, hydrants) with no effect.
//! * **Incidents** over one year (2024), minute precision, from four components:
//!   1. *background* (default 70 %): an inhomogeneous Poisson process whose
//!      intensity is a constant times the product of the known relative risks
//!      [`RiskFactorTruth::relative_risk`] of every factor whose feature lies
//!      within its distance (sampled on a 10 m raster);
//!   2. *planted hotspots* (10 %): isotropic Gaussians around chosen centres;
//!   3. *exact repeats* (5 %): further incidents at the exact location of earlier
//!      background burglaries/thefts (same `address`), 3–120 days later;
//!   4. *near-repeat chains* (15 %): burglaries within `nr_radius` m and 1–`nr_days`
//!      days of an earlier burglary, which may themselves have children.
//! * **Night-time pattern around the bars** (`DemoParams::bar_night`, default 0.8):
//!   that share of the background incidents within [`BAR_NIGHT_M`] m of a bar (not
//!   exact-repeat sources, not near-repeat parents) is moved into the night —
//!   22:00–02:59, starting on the same date, or (half of them) on the Friday or
//!   Saturday of the same week. Only times change, never locations or categories, so
//!   the planted risk factors are untouched; the moves use their own random stream.
//!   [`GroundTruth::bar_night`] records how many were moved. The clock is local time
//!   in [`DEMO_TIME_ZONE`] (the city lies south-west of Paris).
//!
//! Everything is drawn from one ChaCha8 stream seeded by [`DemoParams::seed`], so
//! the same seed gives byte-identical files on any machine and thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use geo::{Geometry, LineString, Point, Polygon};

use crate::crs::{Crs, CrsChoice, Reprojector, WGS84};
use crate::error::Result;
use crate::index::{GeometryIndex, PointIndex};
use crate::layer::{Incidents, Layer, StringColumn};
use crate::time::{self, TimePrecision};

/// Parameters of the demo city.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoParams {
    /// Seed of the random stream.
    pub seed: u64,
    /// Total number of incidents.
    pub incidents: usize,
    /// Side of the square city (m).
    pub size: f64,
    /// Shares of background, hotspot, repeat and near-repeat incidents (sum 1).
    pub shares: [f64; 4],
    /// Near-repeat radius (m).
    pub nr_radius: f64,
    /// Near-repeat maximum lag (days).
    pub nr_days: i64,
    /// A river with two bridges across the city (default true).
    #[serde(default = "default_true")]
    pub river: bool,
    /// Relative risks that replace the planted ones, by layer name (for simulation
    /// studies of effect size; empty by default: the ground truth below).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relative_risks: Vec<(String, f64)>,
    /// Share of the background incidents near a bar moved into the night (module
    /// docs; 0 for none).
    #[serde(default = "default_bar_night")]
    pub bar_night: f64,
}

fn default_bar_night() -> f64 {
    0.8
}

/// Distance (m, exclusive) from a bar within which background incidents get the
/// night-time pattern.
pub const BAR_NIGHT_M: f64 = 60.0;
/// Time zone of the demo's clock times.
pub const DEMO_TIME_ZONE: &str = "Europe/Paris";

/// The planted night-time pattern around the bars.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BarNightTruth {
    /// Radius (m, exclusive) around each bar.
    pub radius_m: f64,
    /// Share of the eligible incidents moved.
    pub share: f64,
    /// Clock hours of the moved incidents.
    pub hours: String,
    /// Incidents moved into the night.
    pub moved: usize,
}

fn default_true() -> bool {
    true
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            seed: 42,
            incidents: 20_000,
            size: 6_000.0,
            shares: [0.70, 0.10, 0.05, 0.15],
            nr_radius: 100.0,
            nr_days: 14,
            river: true,
            relative_risks: Vec::new(),
            bar_night: default_bar_night(),
        }
    }
}

impl DemoParams {
    /// Defaults with the given seed.
    pub fn new(seed: u64) -> Self {
        DemoParams {
            seed,
            ..Default::default()
        }
    }
    /// Sets the number of incidents.
    pub fn incidents(mut self, n: usize) -> Self {
        self.incidents = n;
        self
    }
    /// Sets the city size (m).
    pub fn size(mut self, s: f64) -> Self {
        self.size = s;
        self
    }
    /// Turns the river (and its two bridges) on or off.
    pub fn river(mut self, on: bool) -> Self {
        self.river = on;
        self
    }
    /// Sets the share of background incidents near bars moved into the night.
    pub fn bar_night(mut self, share: f64) -> Self {
        self.bar_night = share;
        self
    }
    /// Sets the component shares (background, hotspots, repeats, near repeats).
    pub fn shares(mut self, s: [f64; 4]) -> Self {
        self.shares = s;
        self
    }
    /// Plants relative risk `rr` for the factor of layer `layer` instead of its
    /// default (see [`GroundTruth::factors`]); 1 makes it a decoy. An unknown layer
    /// is an error of [`generate`].
    pub fn relative_risk(mut self, layer: &str, rr: f64) -> Self {
        self.relative_risks.push((layer.to_string(), rr));
        self
    }
}

/// The CRS of the demo city: WGS 84 / UTM zone 31N.
pub const DEMO_CRS: Crs = Crs::Epsg { code: 32631 };
/// South-west corner of the demo city in [`DEMO_CRS`].
pub const DEMO_ORIGIN: [f64; 2] = [430_000.0, 5_400_000.0];
/// First day of the demo year (2024-01-01) in days since 1970.
pub const DEMO_START_DAY: i64 = 19_723;

/// A planted risk factor and its true effect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskFactorTruth {
    /// Layer name.
    pub layer: String,
    /// Feature filter (e.g. `status=out`), if only some features matter.
    pub filter: Option<String>,
    /// Spatial influence: the risk applies within this distance of a feature (m).
    pub distance: f64,
    /// Relative risk inside that distance (1 = no effect: a decoy).
    pub relative_risk: f64,
    /// Whether a design change can address the factor.
    pub modifiable: bool,
}

/// A planted Gaussian hotspot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HotspotTruth {
    /// Label used in the `kind` column (`hs1`, ...).
    pub label: String,
    /// Centre (working CRS).
    pub centre: [f64; 2],
    /// Standard deviation (m).
    pub sigma: f64,
    /// Incidents drawn from it.
    pub count: usize,
}

/// The demo river: water between two riverside streets, crossed by two bridges.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiverTruth {
    /// y of the river's centre line (working CRS).
    pub centre_y: f64,
    /// Half the width of the water (m): no incident or feature within it.
    pub half_width: f64,
    /// y of the south and north riverside streets.
    pub banks_y: [f64; 2],
    /// x of the two bridges (avenues across the river).
    pub bridges_x: [f64; 2],
    /// Ids of the bridge street segments.
    pub bridge_ids: Vec<String>,
}

/// Everything the generator planted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Parameters used.
    pub params: DemoParams,
    /// CRS of all coordinates.
    pub crs: String,
    /// City extent `[minx, miny, maxx, maxy]`.
    pub extent: [f64; 4],
    /// Risk factors and decoys.
    pub factors: Vec<RiskFactorTruth>,
    /// Planted hotspots.
    pub hotspots: Vec<HotspotTruth>,
    /// Incidents per component (`background`, `hotspot`, `repeat`, `near_repeat`).
    pub components: std::collections::BTreeMap<String, usize>,
    /// Number of distinct repeat locations (addresses with ≥ 2 incidents).
    pub repeat_locations: usize,
    /// Near-repeat chains: incident ids of each chain (originator first), length ≥ 2.
    pub chains: Vec<Vec<usize>>,
    /// Near-repeat radius (m) and maximum lag (days) used for children.
    pub near_repeat_band: (f64, i64),
    /// The river, if any.
    #[serde(default)]
    pub river: Option<RiverTruth>,
    /// The night-time pattern around the bars.
    #[serde(default)]
    pub bar_night: Option<BarNightTruth>,
}

/// The generated city.
#[derive(Debug, Clone)]
pub struct DemoCity {
    /// Street segments.
    pub streets: Layer,
    /// Built-environment layers (bars, bus_stops, atms, lights, parks, vacant_lots, mailboxes, hydrants).
    pub layers: Vec<Layer>,
    /// Incidents; attributes `id`, `kind`, `chain`, `address`.
    pub incidents: Incidents,
    /// What was planted.
    pub truth: GroundTruth,
    /// The river's water as a polygon layer (`river`, one feature), if any. Not
    /// among [`DemoCity::layers`]: it is context for maps, not a risk factor.
    pub river: Option<Layer>,
}

impl DemoCity {
    /// A layer by name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        if name == "streets" {
            return Some(&self.streets);
        }
        self.layers.iter().find(|l| l.name == name)
    }
}

fn crs_choice() -> CrsChoice {
    CrsChoice {
        input: DEMO_CRS,
        input_source: "demo city".into(),
        working: DEMO_CRS,
        reason: "projected CRS in metres, used as is".into(),
    }
}

fn layer(name: &str, geometries: Vec<Geometry<f64>>, properties: Vec<Map<String, Value>>) -> Layer {
    Layer {
        name: name.into(),
        geometries,
        properties,
        crs: crs_choice(),
    }
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]),
        vec![],
    )
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Hour-of-day weights (more crime in the evening and at night).
const HOUR_W: [f64; 24] = [
    5.0, 4.0, 3.5, 3.0, 2.0, 1.5, 1.5, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.0, 5.0, 5.0, 5.5, 6.0, 6.5,
    7.0, 7.5, 7.5, 7.0, 6.0,
];

fn draw_time(rng: &mut ChaCha8Rng, day: i64) -> i64 {
    let total: f64 = HOUR_W.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut h = 0;
    for (k, w) in HOUR_W.iter().enumerate() {
        if u < *w {
            h = k;
            break;
        }
        u -= w;
        h = k;
    }
    let m = rng.random_range(0..60);
    (DEMO_START_DAY + day) * time::DAY + h as i64 * 3600 + m * 60
}

const CATS: [&str; 5] = ["burglary", "theft", "assault", "robbery", "vandalism"];

fn draw_category(rng: &mut ChaCha8Rng, near_bar: bool) -> usize {
    let w: [f64; 5] = if near_bar {
        [0.10, 0.25, 0.35, 0.20, 0.10]
    } else {
        [0.35, 0.30, 0.12, 0.08, 0.15]
    };
    let mut u: f64 = rng.random();
    for (k, wk) in w.iter().enumerate() {
        if u < *wk {
            return k;
        }
        u -= wk;
    }
    4
}

/// Half the width of the demo city's river (m).
const WATER: f64 = 17.0;
/// Distance from the river's centre line to each riverside street (m).
const BANK: f64 = 30.0;

/// The street grid of a demo city and what the later layers need of it.
struct StreetGrid {
    xs: Vec<f64>,
    ys: Vec<f64>,
    river_y: Option<f64>,
    bridges: Vec<usize>,
    sg: Vec<Geometry<f64>>,
    arterial_segments: Vec<(f64, f64, f64, f64)>,
    bridge_segs: Vec<(f64, f64, f64, f64)>,
    bridge_ids: Vec<String>,
    streets: Layer,
    river_layer: Option<Layer>,
}

/// The streets of [`generate`]: an irregular grid, the river with its riverside
/// streets and bridges (the first draws of the city's random stream).
fn street_grid(rng: &mut ChaCha8Rng, p: &DemoParams) -> StreetGrid {
    let [ox, oy] = DEMO_ORIGIN;
    let size = p.size;
    let mut xs = vec![0.0];
    while *xs.last().unwrap_or(&0.0) < size {
        let next = xs.last().copied().unwrap_or(0.0) + rng.random_range(90.0..180.0);
        xs.push(next.min(size));
    }
    let mut ys = vec![0.0];
    while *ys.last().unwrap_or(&0.0) < size {
        let next = ys.last().copied().unwrap_or(0.0) + rng.random_range(90.0..180.0);
        ys.push(next.min(size));
    }
    // the river: in the block row nearest to 40 % of the height (at least 100 m
    // high), a riverside street BANK m either side of its centre line
    let river_y = if p.river {
        (0..ys.len() - 1)
            .filter(|&j| ys[j + 1] - ys[j] >= 100.0)
            .map(|j| 0.5 * (ys[j] + ys[j + 1]))
            .min_by(|a, b| (a - 0.4 * size).abs().total_cmp(&(b - 0.4 * size).abs()))
    } else {
        None
    };
    // rows: (y, original grid index or None for a riverside street)
    let mut rows: Vec<(f64, Option<usize>)> =
        ys.iter().enumerate().map(|(j, &y)| (y, Some(j))).collect();
    if let Some(r) = river_y {
        rows.push((r - BANK, None));
        rows.push((r + BANK, None));
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    // bridges: the avenues nearest to 30 % and 75 % of the width (arterials if two exist)
    let bridges: Vec<usize> = match river_y {
        Some(_) => {
            let art: Vec<usize> = (1..xs.len() - 1).filter(|i| i % 5 == 2).collect();
            let cands: Vec<usize> = if art.len() >= 2 {
                art
            } else {
                (1..xs.len() - 1).collect()
            };
            let near = |f: f64, not: Option<usize>| {
                cands
                    .iter()
                    .copied()
                    .filter(|&i| Some(i) != not)
                    .min_by(|&a, &b| {
                        (xs[a] - f * size)
                            .abs()
                            .total_cmp(&(xs[b] - f * size).abs())
                    })
            };
            let b1 = near(0.3, None);
            let b2 = near(0.75, b1);
            b1.into_iter().chain(b2).collect()
        }
        None => Vec::new(),
    };
    let mut sg = Vec::new();
    let mut sp = Vec::new();
    let mut arterial_segments: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut bridge_segs: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut bridge_ids = Vec::new();
    for &(y, j) in &rows {
        let art = j.is_some_and(|j| j % 5 == 2);
        let name = match j {
            Some(j) => format!("{} Street {}", if art { "Arterial" } else { "Local" }, j),
            None if river_y.is_some_and(|r| y < r) => "Riverside Drive South".to_string(),
            None => "Riverside Drive North".to_string(),
        };
        for i in 0..xs.len() - 1 {
            let (a, b) = ((ox + xs[i], oy + y), (ox + xs[i + 1], oy + y));
            if art {
                arterial_segments.push((a.0, a.1, b.0, b.1));
            }
            sp.push(props(json!({"id": format!("s{}", sg.len()), "name": name, "class": if art {"arterial"} else {"local"}})));
            sg.push(Geometry::LineString(LineString::from(vec![a, b])));
        }
    }
    for (i, &x) in xs.iter().enumerate() {
        let art = i % 5 == 2;
        for k in 0..rows.len() - 1 {
            let (y0, y1) = (rows[k].0, rows[k + 1].0);
            let crosses = river_y.is_some_and(|r| y0 < r && r < y1);
            let bridge = crosses && bridges.contains(&i);
            if crosses && !bridge {
                continue;
            }
            let (a, b) = ((ox + x, oy + y0), (ox + x, oy + y1));
            if bridge {
                bridge_segs.push((a.0, a.1, b.0, b.1));
                bridge_ids.push(format!("s{}", sg.len()));
            } else if art {
                arterial_segments.push((a.0, a.1, b.0, b.1));
            }
            let kind = if art { "Arterial" } else { "Local" };
            let mut pr = json!({"id": format!("s{}", sg.len()), "name": format!("{kind} Avenue {i}"), "class": if art {"arterial"} else {"local"}});
            if bridge {
                pr["bridge"] = json!(true);
            }
            sp.push(props(pr));
            sg.push(Geometry::LineString(LineString::from(vec![a, b])));
        }
    }
    let streets = layer("streets", sg.clone(), sp);
    let river_layer = river_y.map(|r| {
        layer(
            "river",
            vec![Geometry::Polygon(rect(
                ox,
                oy + r - WATER,
                size,
                2.0 * WATER,
            ))],
            vec![props(
                json!({"id": "river", "name": "River", "width_m": 2.0 * WATER}),
            )],
        )
    });

    StreetGrid {
        xs,
        ys,
        river_y,
        bridges,
        sg,
        arterial_segments,
        bridge_segs,
        bridge_ids,
        streets,
        river_layer,
    }
}

/// The checks of [`generate`] on its parameters (counts, size, limits).
fn check_params(p: &DemoParams) -> Result<()> {
    if p.incidents == 0 || p.size.is_nan() || p.size < 1000.0 {
        return Err(if p.incidents == 0 {
            crate::Error::invalid_param("incidents", 0, "a demo city needs at least 1 incident")
        } else {
            crate::Error::invalid_param(
                "size",
                p.size,
                "a demo city needs a size of at least 1000 m",
            )
        });
    }
    crate::limits::check_count(
        "incidents",
        p.incidents,
        crate::limits::MAX_DEMO_INCIDENTS,
        "the demo city keeps every incident in memory",
    )?;
    if p.size > crate::limits::MAX_DEMO_SIZE_M {
        return Err(crate::Error::limit(
            "size",
            p.size,
            crate::limits::MAX_DEMO_SIZE_M,
            "the demo city's streets and layers grow with its area",
        ));
    }
    Ok(())
}

/// A street segment `(x0, y0, x1, y1)`.
type Seg = (f64, f64, f64, f64);

impl StreetGrid {
    /// Whether `q` lies in the river or within `margin` m of it.
    fn in_water(&self, q: [f64; 2], margin: f64) -> bool {
        let oy = DEMO_ORIGIN[1];
        self.river_y
            .is_some_and(|r| (q[1] - (oy + r)).abs() < WATER + margin)
    }

    /// Segments beside which features may stand (bridges excluded: beside them is
    /// water).
    fn land_segments(&self) -> Vec<Seg> {
        self.sg
            .iter()
            .filter_map(|g| match g {
                Geometry::LineString(l) if l.0.len() == 2 => {
                    Some((l.0[0].x, l.0[0].y, l.0[1].x, l.0[1].y))
                }
                _ => None,
            })
            .filter(|s| !self.bridge_segs.contains(s))
            .collect()
    }
}

/// A point on a random place of `seg`, `off` m from the street on a random side.
fn point_on(rng: &mut ChaCha8Rng, seg: &Seg, off: f64) -> [f64; 2] {
    let t: f64 = rng.random_range(0.1..0.9);
    let (x, y) = (seg.0 + t * (seg.2 - seg.0), seg.1 + t * (seg.3 - seg.1));
    let side = if rng.random::<bool>() { 1.0 } else { -1.0 };
    if (seg.1 - seg.3).abs() < 1e-9 {
        [x, y + side * off]
    } else {
        [x + side * off, y]
    }
}

/// Whether the midpoint of `seg` lies within `r` of `c`.
fn seg_near(seg: &Seg, c: [f64; 2], r: f64) -> bool {
    let mx = (seg.0 + seg.2) / 2.0;
    let my = (seg.1 + seg.3) / 2.0;
    (mx - c[0]).powi(2) + (my - c[1]).powi(2) <= r * r
}

/// The built environment of [`generate`], drawn after the streets: bars, bus stops,
/// ATMs, street lights, parks, vacant lots and the two decoy layers, in that order.
fn feature_layers(rng: &mut ChaCha8Rng, p: &DemoParams, g: &StreetGrid) -> Vec<Layer> {
    let [ox, oy] = DEMO_ORIGIN;
    let size = p.size;
    let (xs, ys, river_y) = (&g.xs, &g.ys, g.river_y);
    let all_segs = g.land_segments();

    // ---- bars: nightlife district
    let nightlife = [ox + 0.62 * size, oy + 0.58 * size];
    let district: Vec<_> = all_segs
        .iter()
        .filter(|s| seg_near(s, nightlife, 0.12 * size))
        .cloned()
        .collect();
    let mut bars = Vec::new();
    let mut bar_p = Vec::new();
    for k in 0..60 {
        let seg = if k < 45 && !district.is_empty() {
            district[rng.random_range(0..district.len())]
        } else {
            all_segs[rng.random_range(0..all_segs.len())]
        };
        let q = point_on(rng, &seg, 12.0);
        bars.push(Geometry::Point(Point::new(q[0], q[1])));
        bar_p.push(props(json!({"id": format!("bar{k}"), "kind": "bar", "licence": if k % 3 == 0 {"late"} else {"standard"}})));
    }
    // ---- bus stops along arterials every ~300 m
    let mut stops = Vec::new();
    let mut stop_p = Vec::new();
    let mut acc = 0.0;
    for seg in &g.arterial_segments {
        let len = ((seg.2 - seg.0).powi(2) + (seg.3 - seg.1).powi(2)).sqrt();
        acc += len;
        if acc >= 300.0 {
            acc = 0.0;
            let q = point_on(rng, seg, 8.0);
            stop_p.push(props(
                json!({"id": format!("stop{}", stops.len()), "kind": "bus_stop"}),
            ));
            stops.push(Geometry::Point(Point::new(q[0], q[1])));
        }
    }
    // ---- ATMs near commercial frontage (arterials, mostly central)
    let mut atms = Vec::new();
    let mut atm_p = Vec::new();
    let centre = [ox + 0.5 * size, oy + 0.5 * size];
    let central: Vec<_> = g
        .arterial_segments
        .iter()
        .filter(|s| seg_near(s, centre, 0.3 * size))
        .cloned()
        .collect();
    for k in 0..40 {
        let seg = if !central.is_empty() && k < 30 {
            central[rng.random_range(0..central.len())]
        } else {
            g.arterial_segments[rng.random_range(0..g.arterial_segments.len())]
        };
        let q = point_on(rng, &seg, 6.0);
        atms.push(Geometry::Point(Point::new(q[0], q[1])));
        atm_p.push(props(json!({"id": format!("atm{k}"), "kind": "atm"})));
    }
    // ---- street lights every ~35 m, with outage zones
    let outage_zones: Vec<[f64; 2]> = (0..6)
        .map(|_| {
            [
                ox + rng.random_range(0.1..0.9) * size,
                oy + rng.random_range(0.1..0.9) * size,
            ]
        })
        .collect();
    let mut lights = Vec::new();
    let mut light_p = Vec::new();
    for seg in all_segs.iter().chain(&g.bridge_segs) {
        let len = ((seg.2 - seg.0).powi(2) + (seg.3 - seg.1).powi(2)).sqrt();
        let n = (len / 35.0).floor().max(1.0) as usize;
        for k in 0..n {
            let t = (k as f64 + 0.5) / n as f64;
            let q = [seg.0 + t * (seg.2 - seg.0), seg.1 + t * (seg.3 - seg.1)];
            let in_zone = outage_zones
                .iter()
                .any(|z| (z[0] - q[0]).powi(2) + (z[1] - q[1]).powi(2) < 250.0f64.powi(2));
            let out = rng.random::<f64>() < if in_zone { 0.6 } else { 0.03 };
            light_p.push(props(json!({"id": format!("light{}", lights.len()), "status": if out {"out"} else {"on"}})));
            lights.push(Geometry::Point(Point::new(q[0], q[1])));
        }
    }
    // ---- parks: blocks turned into parks
    let mut parks = Vec::new();
    let mut park_p = Vec::new();
    for k in 0..8 {
        let i = rng.random_range(1..xs.len() - 3);
        let j = rng.random_range(1..ys.len() - 3);
        let (w, h) = (rng.random_range(1..3usize), rng.random_range(1..3usize));
        let (x0, y0) = (xs[i] + 8.0, ys[j] + 8.0);
        let (x1, y1) = (
            xs[(i + w).min(xs.len() - 1)] - 8.0,
            ys[(j + h).min(ys.len() - 1)] - 8.0,
        );
        let (mut y0, mut y1) = (y0, y1);
        if let Some(r) = river_y {
            if y0 < r + BANK && y1 > r - BANK {
                // a park reaching into the river block moves to the north bank
                let h = y1 - y0;
                y0 = r + BANK + 8.0;
                y1 = y0 + h;
            }
        }
        parks.push(Geometry::Polygon(rect(ox + x0, oy + y0, x1 - x0, y1 - y0)));
        park_p.push(props(json!({"id": format!("park{k}"), "name": format!("Park {k}"), "public": true, "opening_hours": "24/7"})));
    }
    // ---- vacant lots, mostly in the south-west quarter
    let mut lots = Vec::new();
    let mut lot_p = Vec::new();
    for k in 0..80 {
        let (fx, fy) = if k < 60 {
            (rng.random_range(0.05..0.4), rng.random_range(0.05..0.4))
        } else {
            (rng.random_range(0.05..0.95), rng.random_range(0.05..0.95))
        };
        let (x, mut y) = (ox + fx * size, oy + fy * size);
        if let Some(r) = river_y {
            if y < oy + r + WATER && y + 30.0 > oy + r - WATER {
                y = oy + r + WATER + 2.0; // on the north bank
            }
        }
        lots.push(Geometry::Polygon(rect(x, y, 20.0, 30.0)));
        lot_p.push(props(
            json!({"id": format!("lot{k}"), "kind": "vacant_lot"}),
        ));
    }
    // ---- decoys: uniform over the city
    let decoy = |name: &str, n: usize, rng: &mut ChaCha8Rng| {
        let mut g = Vec::new();
        let mut pp = Vec::new();
        for k in 0..n {
            let seg = all_segs[rng.random_range(0..all_segs.len())];
            let q = point_on(rng, &seg, 5.0);
            g.push(Geometry::Point(Point::new(q[0], q[1])));
            pp.push(props(json!({"id": format!("{name}{k}")})));
        }
        layer(name, g, pp)
    };
    let mailboxes = decoy("mailboxes", 150, rng);
    let hydrants = decoy("hydrants", 250, rng);

    vec![
        layer("bars", bars, bar_p),
        layer("bus_stops", stops, stop_p),
        layer("atms", atms, atm_p),
        layer("lights", lights, light_p),
        layer("parks", parks, park_p),
        layer("vacant_lots", lots, lot_p),
        mailboxes,
        hydrants,
    ]
}

/// The planted risk factors (two decoys with relative risk 1), with the relative
/// risks of [`DemoParams::relative_risks`] applied.
fn risk_factors(p: &DemoParams) -> Result<Vec<RiskFactorTruth>> {
    let mut factors = vec![
        RiskFactorTruth {
            layer: "bars".into(),
            filter: None,
            distance: 100.0,
            relative_risk: 2.5,
            modifiable: false,
        },
        RiskFactorTruth {
            layer: "lights".into(),
            filter: Some("status=out".into()),
            distance: 50.0,
            relative_risk: 1.8,
            modifiable: true,
        },
        RiskFactorTruth {
            layer: "bus_stops".into(),
            filter: None,
            distance: 50.0,
            relative_risk: 1.5,
            modifiable: false,
        },
        RiskFactorTruth {
            layer: "atms".into(),
            filter: None,
            distance: 50.0,
            relative_risk: 2.0,
            modifiable: true,
        },
        RiskFactorTruth {
            layer: "vacant_lots".into(),
            filter: None,
            distance: 75.0,
            relative_risk: 1.7,
            modifiable: true,
        },
        RiskFactorTruth {
            layer: "mailboxes".into(),
            filter: None,
            distance: 50.0,
            relative_risk: 1.0,
            modifiable: false,
        },
        RiskFactorTruth {
            layer: "hydrants".into(),
            filter: None,
            distance: 50.0,
            relative_risk: 1.0,
            modifiable: false,
        },
    ];
    for (layer, rr) in &p.relative_risks {
        let Some(f) = factors.iter_mut().find(|f| &f.layer == layer) else {
            return Err(crate::Error::invalid_param(
                "relative_risks",
                layer,
                format!(
                    "the demo city has no risk factor on this layer (the layers with one: {})",
                    factors
                        .iter()
                        .map(|f| f.layer.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if !(rr.is_finite() && *rr > 0.0) {
            return Err(crate::Error::invalid_param(
                "relative_risks",
                format!("{layer}={rr}"),
                "a relative risk must be a positive number",
            ));
        }
        f.relative_risk = *rr;
    }
    Ok(factors)
}

/// Resolution (m) of the background intensity raster.
const INTENSITY_RES: f64 = 10.0;

/// The background intensity on a [`INTENSITY_RES`] raster: the cell centres and the
/// cumulative intensities (the product of the relative risks of the factors within
/// their distance; none in the water).
fn intensity(
    p: &DemoParams,
    g: &StreetGrid,
    layers: &[Layer],
    factors: &[RiskFactorTruth],
) -> (Vec<[f64; 2]>, Vec<f64>) {
    let [ox, oy] = DEMO_ORIGIN;
    let res = INTENSITY_RES;
    let nc = (p.size / res).ceil() as usize;
    let centres: Vec<[f64; 2]> = (0..nc * nc)
        .map(|k| {
            [
                ox + ((k % nc) as f64 + 0.5) * res,
                oy + ((k / nc) as f64 + 0.5) * res,
            ]
        })
        .collect();
    let mut lambda = vec![1.0f64; nc * nc];
    for f in factors {
        if f.relative_risk == 1.0 {
            continue;
        }
        let Some(l) = layers.iter().find(|l| l.name == f.layer) else {
            continue;
        };
        let l = match &f.filter {
            Some(flt) => {
                let (k, v) = flt.split_once('=').unwrap_or(("", ""));
                l.filter(|i| l.property_str(i, k).as_deref() == Some(v))
            }
            None => l.clone(),
        };
        let idx = GeometryIndex::of_layer(&l);
        let d = idx.nearest_distances(&centres);
        for (lam, di) in lambda.iter_mut().zip(d) {
            if di <= f.distance {
                *lam *= f.relative_risk;
            }
        }
    }
    for (lam, c) in lambda.iter_mut().zip(&centres) {
        // no background incident in the water (cells jitter by up to res/2)
        if g.in_water(*c, 0.5 * res) {
            *lam = 0.0;
        }
    }
    let mut cum = Vec::with_capacity(lambda.len());
    let mut s = 0.0;
    for l in &lambda {
        s += l;
        cum.push(s);
    }
    (centres, cum)
}

/// One incident of the city while it is generated.
struct Ev {
    xy: [f64; 2],
    t: i64,
    cat: usize,
    kind: String,
    chain: Option<usize>,
    address: Option<usize>,
}

impl Ev {
    /// A lone incident at `q` on a day of the year drawn uniformly, at a time of day
    /// drawn from the demo's daily profile (the draws in that order).
    fn any_day(rng: &mut ChaCha8Rng, q: [f64; 2], cat: usize, kind: String) -> Ev {
        let day = rng.random_range(0..DAYS);
        Ev {
            xy: q,
            t: draw_time(rng, day),
            cat,
            kind,
            chain: None,
            address: None,
        }
    }
}

/// Days of the demo year (2024, a leap year).
const DAYS: i64 = 366;

/// Whether `q` lies in the city and on land.
fn inside(p: &DemoParams, g: &StreetGrid, q: [f64; 2]) -> bool {
    let [ox, oy] = DEMO_ORIGIN;
    let size = p.size;
    q[0] >= ox && q[0] < ox + size && q[1] >= oy && q[1] < oy + size && !g.in_water(q, 0.0)
}

/// The background process: `n_bg` incidents drawn from the intensity raster
/// (`centres`, cumulative `cum`), jittered within their cell.
fn background(
    rng: &mut ChaCha8Rng,
    n_bg: usize,
    (centres, cum): &(Vec<[f64; 2]>, Vec<f64>),
    bar_idx: &PointIndex,
    ev: &mut Vec<Ev>,
) {
    let res = INTENSITY_RES;
    let s = cum.last().copied().unwrap_or(0.0);
    for _ in 0..n_bg {
        let u = rng.random::<f64>() * s;
        let k = cum.partition_point(|c| *c < u).min(cum.len() - 1);
        let c = centres[k];
        let q = [
            c[0] + rng.random_range(-0.5..0.5) * res,
            c[1] + rng.random_range(-0.5..0.5) * res,
        ];
        let near_bar = bar_idx.nearest(q).is_some_and(|(_, d)| d < 100.0);
        let cat = draw_category(rng, near_bar);
        ev.push(Ev::any_day(rng, q, cat, "bg".into()));
    }
}

/// The planted hot spots: 4 Gaussian clusters sharing `n_hs` incidents (kept out of
/// the water). Returns their truth.
fn hotspots(
    rng: &mut ChaCha8Rng,
    p: &DemoParams,
    g: &StreetGrid,
    n_hs: usize,
    ev: &mut Vec<Ev>,
) -> Vec<HotspotTruth> {
    let [ox, oy] = DEMO_ORIGIN;
    let size = p.size;
    let mut hotspots = Vec::new();
    let nh = 4;
    for h in 0..nh {
        let c = [
            ox + rng.random_range(0.15..0.85) * size,
            oy + rng.random_range(0.15..0.85) * size,
        ];
        let sigma = rng.random_range(80.0..150.0);
        let mut c = c;
        if let Some(r) = g.river_y {
            // keep the hotspot out of the water: its centre at least 1.5 sigma from it
            let (ry, keep) = (oy + r, 1.5 * sigma + WATER);
            if (c[1] - ry).abs() < keep {
                c[1] = if c[1] < ry { ry - keep } else { ry + keep };
            }
        }
        let cnt = n_hs / nh + usize::from(h < n_hs % nh);
        hotspots.push(HotspotTruth {
            label: format!("hs{}", h + 1),
            centre: c,
            sigma,
            count: cnt,
        });
    }
    for h in &hotspots {
        let mut made = 0;
        while made < h.count {
            let q = [
                h.centre[0] + h.sigma * normal(rng),
                h.centre[1] + h.sigma * normal(rng),
            ];
            if !inside(p, g, q) {
                continue;
            }
            let cat = draw_category(rng, false);
            ev.push(Ev::any_day(rng, q, cat, h.label.clone()));
            made += 1;
        }
    }
    hotspots
}

/// Exact repeats: `n_rep` incidents at the locations of background burglaries and
/// thefts (the first `n_bg` incidents), 3–120 days later. Returns the number of
/// repeat locations (addresses).
fn exact_repeats(rng: &mut ChaCha8Rng, n_bg: usize, n_rep: usize, ev: &mut Vec<Ev>) -> usize {
    let candidates: Vec<usize> = (0..n_bg).filter(|&i| ev[i].cat <= 1).collect();
    let mut n_addr = 0;
    if !candidates.is_empty() {
        let mut made = 0;
        while made < n_rep {
            let src = candidates[rng.random_range(0..candidates.len())];
            let addr = match ev[src].address {
                Some(a) => a,
                None => {
                    n_addr += 1;
                    ev[src].address = Some(n_addr - 1);
                    n_addr - 1
                }
            };
            let lag = rng.random_range(3..121);
            let day = (ev[src].t / time::DAY - DEMO_START_DAY + lag).min(DAYS - 1);
            let t = draw_time(rng, day);
            let (xy, cat) = (ev[src].xy, ev[src].cat);
            ev.push(Ev {
                xy,
                t,
                cat,
                kind: "repeat".into(),
                chain: None,
                address: Some(addr),
            });
            made += 1;
        }
    }
    n_addr
}

/// Near-repeat chains: up to `n_nr` burglaries as children of earlier burglaries
/// (children included). Returns the chains (incident indices, parent first) and the
/// number of children made.
fn near_repeat_chains(
    rng: &mut ChaCha8Rng,
    p: &DemoParams,
    g: &StreetGrid,
    n_nr: usize,
    ev: &mut Vec<Ev>,
) -> (Vec<Vec<usize>>, usize) {
    let mut chain_of: Vec<Option<usize>> = ev.iter().map(|e| e.chain).collect();
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut burglaries: Vec<usize> = (0..ev.len()).filter(|&i| ev[i].cat == 0).collect();
    let mut made = 0;
    let mut guard = 0;
    while made < n_nr && !burglaries.is_empty() && guard < 100 * n_nr + 1000 {
        guard += 1;
        let parent = burglaries[rng.random_range(0..burglaries.len())];
        let r = p.nr_radius * rng.random::<f64>().sqrt();
        let th = rng.random::<f64>() * std::f64::consts::TAU;
        let q = [
            ev[parent].xy[0] + r * th.cos(),
            ev[parent].xy[1] + r * th.sin(),
        ];
        let lag = rng.random_range(1..=p.nr_days);
        let day = ev[parent].t.div_euclid(time::DAY) - DEMO_START_DAY + lag;
        if !inside(p, g, q) || day >= DAYS {
            continue;
        }
        let t = draw_time(rng, day);
        let cid = match chain_of[parent] {
            Some(c) => c,
            None => {
                chains.push(vec![parent]);
                chain_of[parent] = Some(chains.len() - 1);
                chains.len() - 1
            }
        };
        let id = ev.len();
        chains[cid].push(id);
        chain_of.push(Some(cid));
        ev.push(Ev {
            xy: q,
            t,
            cat: 0,
            kind: "near_repeat".into(),
            chain: Some(cid),
            address: None,
        });
        burglaries.push(id);
        made += 1;
    }
    for (i, c) in chain_of.iter().enumerate() {
        ev[i].chain = *c;
    }
    (chains, made)
}

/// The night-time pattern around the bars (see the module docs): times only, on
/// their own stream. Returns how many incidents were moved.
fn bar_nights(p: &DemoParams, bar_idx: &PointIndex, ev: &mut [Ev]) -> Result<usize> {
    if !(0.0..=1.0).contains(&p.bar_night) {
        return Err(crate::error::Error::invalid_param(
            "bar_night",
            p.bar_night,
            "a share in [0, 1]",
        ));
    }
    let mut night_rng = ChaCha8Rng::seed_from_u64(p.seed);
    night_rng.set_stream(16);
    let mut moved = 0;
    for e in ev.iter_mut() {
        if e.kind != "bg" || e.address.is_some() || e.chain.is_some() {
            continue;
        }
        if !bar_idx.nearest(e.xy).is_some_and(|(_, d)| d < BAR_NIGHT_M) {
            continue;
        }
        if !night_rng.random_bool(p.bar_night) {
            continue;
        }
        let mut day = e.t.div_euclid(time::DAY) - DEMO_START_DAY;
        if night_rng.random_bool(0.5) {
            // the Friday (5) or Saturday (6) of the same Sunday-first week
            let wd = crate::when::weekday(e.t) as i64;
            day += if night_rng.random_bool(0.5) { 5 } else { 6 } - wd;
        }
        let day = day.clamp(0, DAYS - 2);
        let minute = night_rng.random_range(0..300i64);
        e.t = (DEMO_START_DAY + day) * time::DAY + 22 * 3600 + minute * 60;
        moved += 1;
    }
    Ok(moved)
}

/// The incidents in their final order (by time, then generation order; ids 0..n in
/// that order), and the chains renumbered to it.
fn incidents_of(ev: &[Ev], chains: Vec<Vec<usize>>) -> (Incidents, Vec<Vec<usize>>) {
    let mut order: Vec<usize> = (0..ev.len()).collect();
    order.sort_by_key(|&i| (ev[i].t, i));
    let mut new_id = vec![0usize; ev.len()];
    for (k, &i) in order.iter().enumerate() {
        new_id[i] = k;
    }
    let chains: Vec<Vec<usize>> = chains
        .into_iter()
        .map(|c| {
            let mut v: Vec<usize> = c.into_iter().map(|i| new_id[i]).collect();
            v.sort_unstable();
            v
        })
        .collect();

    let mut attrs = vec![StringColumn::new(); 4];
    let mut inc = Incidents::empty(crs_choice());
    inc.categories = CATS.iter().map(|s| s.to_string()).collect();
    for (k, &i) in order.iter().enumerate() {
        let e = &ev[i];
        inc.xy.push([
            (e.xy[0] * 100.0).round() / 100.0,
            (e.xy[1] * 100.0).round() / 100.0,
        ]);
        inc.time.push(Some(e.t));
        inc.precision.push(TimePrecision::Minute);
        inc.category.push(e.cat as u32);
        inc.row.push(k as u64 + 1);
        attrs[0].push(&k.to_string());
        attrs[1].push(&e.kind);
        attrs[2].push(&e.chain.map(|c| c.to_string()).unwrap_or_default());
        attrs[3].push(&e.address.map(|a| format!("A{a}")).unwrap_or_default());
    }
    inc.attrs = attrs;
    inc.attr_names = vec!["id".into(), "kind".into(), "chain".into(), "address".into()];
    (inc, chains)
}

/// Generates the demo city: the streets, the built environment, the risk factors,
/// then the incident processes (background, planted hot spots, exact repeats,
/// near-repeat chains, the night-time pattern around the bars), all from one stream
/// seeded by [`DemoParams::seed`] (the night-time pattern from its own).
pub fn generate(p: &DemoParams) -> Result<DemoCity> {
    check_params(p)?;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let [ox, oy] = DEMO_ORIGIN;
    let size = p.size;

    let g = street_grid(&mut rng, p);
    let layers = feature_layers(&mut rng, p, &g);
    let factors = risk_factors(p)?;
    let raster = intensity(p, &g, &layers, &factors);
    let bar_idx = PointIndex::new(&layers[0].representative_points());

    let n = p.incidents;
    let n_bg = (n as f64 * p.shares[0]).round() as usize;
    let n_hs = (n as f64 * p.shares[1]).round() as usize;
    let n_rep = (n as f64 * p.shares[2]).round() as usize;
    let n_nr = n.saturating_sub(n_bg + n_hs + n_rep);

    let mut ev: Vec<Ev> = Vec::with_capacity(n);
    background(&mut rng, n_bg, &raster, &bar_idx, &mut ev);
    let hotspots = hotspots(&mut rng, p, &g, n_hs, &mut ev);
    let n_addr = exact_repeats(&mut rng, n_bg, n_rep, &mut ev);
    let (chains, made) = near_repeat_chains(&mut rng, p, &g, n_nr, &mut ev);
    let moved = bar_nights(p, &bar_idx, &mut ev)?;
    let (inc, chains) = incidents_of(&ev, chains);

    let mut components = std::collections::BTreeMap::new();
    components.insert("background".to_string(), n_bg);
    components.insert("hotspot".to_string(), n_hs);
    components.insert("repeat".to_string(), n_rep);
    components.insert("near_repeat".to_string(), made);
    let (xs, bridges) = (&g.xs, &g.bridges);
    let truth = GroundTruth {
        params: p.clone(),
        crs: DEMO_CRS.name(),
        extent: [ox, oy, ox + size, oy + size],
        factors,
        hotspots,
        components,
        repeat_locations: n_addr,
        chains,
        near_repeat_band: (p.nr_radius, p.nr_days),
        river: g.river_y.map(|r| RiverTruth {
            centre_y: oy + r,
            half_width: WATER,
            banks_y: [oy + r - BANK, oy + r + BANK],
            bridges_x: [
                ox + bridges.first().map_or(f64::NAN, |&i| xs[i]),
                ox + bridges.get(1).map_or(f64::NAN, |&i| xs[i]),
            ],
            bridge_ids: g.bridge_ids.clone(),
        }),
        bar_night: Some(BarNightTruth {
            radius_m: BAR_NIGHT_M,
            share: p.bar_night,
            hours: "22:00-02:59".into(),
            moved,
        }),
    };
    Ok(DemoCity {
        streets: g.streets,
        layers,
        incidents: inc,
        truth,
        river: g.river_layer,
    })
}

/// The incidents as a table: `id,x,y,lon,lat,datetime,category,kind,chain,address`.
pub fn incidents_table(inc: &Incidents) -> Result<impl crate::export::Table + '_> {
    use crate::export::{table_indexed, Cell, Column};
    let to_ll = Reprojector::new(&inc.crs.working, &WGS84)?;
    let columns = vec![
        Column::text("id"),
        Column::float("x"),
        Column::float("y"),
        Column::float("lon"),
        Column::float("lat"),
        Column::text("datetime"),
        Column::text("category"),
        Column::text("kind"),
        Column::text("chain"),
        Column::text("address"),
    ];
    Ok(table_indexed(columns, inc.len(), move |i, sink| {
        let (lon, lat) = to_ll.apply(inc.xy[i][0], inc.xy[i][1])?;
        let t = inc.time[i]
            .map(|t| time::format(t, inc.precision[i]))
            .unwrap_or_default();
        let a = |k: usize| Cell::Str(inc.attrs[k].get(i));
        sink.row(&[
            a(0),
            Cell::Fixed(inc.xy[i][0], 2),
            Cell::Fixed(inc.xy[i][1], 2),
            Cell::Fixed(lon, 7),
            Cell::Fixed(lat, 7),
            Cell::String(t),
            Cell::Str(inc.category_name(i).unwrap_or("")),
            a(1),
            a(2),
            a(3),
        ])
    }))
}

/// Writes the city into the current section of `out`: `incidents.csv`, one GeoJSON per
/// layer (`streets.geojson`, `bars.geojson`, ..., `river.geojson`) and `ground_truth.json`.
pub fn write_city(city: &DemoCity, out: &mut crate::export::Outputs) -> Result<()> {
    out.table("incidents.csv", &incidents_table(&city.incidents)?)?;
    for l in std::iter::once(&city.streets)
        .chain(&city.layers)
        .chain(&city.river)
    {
        out.features(
            &format!("{}.geojson", l.name),
            &crate::export::layer_features(l),
        )?;
    }
    out.json_with_newline("ground_truth.json", &city.truth)
}

/// The files [`write_city`] writes for a city with these layer names.
pub fn city_files(layers: &[&str]) -> Vec<String> {
    let mut v = vec!["incidents.csv".to_string()];
    v.extend(layers.iter().map(|l| format!("{l}.geojson")));
    v.push("ground_truth.json".into());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_is_deterministic_and_complete() {
        let p = DemoParams::new(7).incidents(3000).size(3000.0);
        let a = generate(&p).unwrap();
        let b = generate(&p).unwrap();
        assert_eq!(a.incidents.xy, b.incidents.xy);
        assert_eq!(a.incidents.time, b.incidents.time);
        assert_eq!(a.incidents.len(), 3000);
        assert_eq!(a.truth.components.values().sum::<usize>(), 3000);
        assert!(a.truth.chains.iter().all(|c| c.len() >= 2));
        assert!(a.truth.repeat_locations > 0);
        let c = generate(&DemoParams::new(8).incidents(3000).size(3000.0)).unwrap();
        assert_ne!(a.incidents.xy, c.incidents.xy);
        // times sorted, all inside the city
        let t: Vec<i64> = a.incidents.time.iter().map(|t| t.unwrap()).collect();
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
        let e = a.truth.extent;
        assert!(a.incidents.xy.iter().all(|q| q[0] >= e[0] - 0.01
            && q[0] <= e[2] + 0.01
            && q[1] >= e[1] - 0.01
            && q[1] <= e[3] + 0.01));
    }

    #[test]
    fn background_risk_is_raised_near_bars() {
        // incidents per km² within 100 m of a bar vs elsewhere, background only
        let city = generate(
            &DemoParams::new(3)
                .incidents(20_000)
                .shares([1.0, 0.0, 0.0, 0.0]),
        )
        .unwrap();
        let bars = city.layer("bars").unwrap();
        let idx = PointIndex::new(&bars.representative_points());
        let near = city
            .incidents
            .xy
            .iter()
            .filter(|q| idx.nearest(**q).unwrap().1 <= 100.0)
            .count();
        assert!(near as f64 / city.incidents.len() as f64 > 0.02, "{near}");
    }
}
