//! The demo city's built environment (bars, bus stops, ATMs, lights, parks, vacant
//! lots, decoys) and the background risk its planted factors carry.

use super::streets::{point_on, seg_near};
use super::*;

/// The built environment of [`generate`], drawn after the streets: bars, bus stops,
/// ATMs, street lights, parks, vacant lots and the two decoy layers, in that order.
pub(super) fn feature_layers(rng: &mut ChaCha8Rng, p: &DemoParams, g: &StreetGrid) -> Vec<Layer> {
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
pub(super) fn risk_factors(p: &DemoParams) -> Result<Vec<RiskFactorTruth>> {
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
pub(super) const INTENSITY_RES: f64 = 10.0;

/// The background intensity on a [`INTENSITY_RES`] raster: the cell centres and the
/// cumulative intensities (the product of the relative risks of the factors within
/// their distance; none in the water).
pub(super) fn intensity(
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
