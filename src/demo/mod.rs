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

mod environment;
mod files;
mod incidents;
mod streets;

use environment::{feature_layers, intensity, risk_factors};
pub use files::{city_files, incidents_table, write_city};
use incidents::{
    background, bar_nights, exact_repeats, hotspots, incidents_of, near_repeat_chains, Ev,
};
use streets::{street_grid, StreetGrid, BANK, WATER};

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
