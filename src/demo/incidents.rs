//! The demo city's incidents: background, hot spots, exact repeats, near-repeat
//! chains and the bars' night pattern, with their times and categories.

use super::environment::INTENSITY_RES;
use super::*;

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

/// One incident of the city while it is generated.
pub(super) struct Ev {
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
pub(super) fn background(
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
pub(super) fn hotspots(
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
pub(super) fn exact_repeats(
    rng: &mut ChaCha8Rng,
    n_bg: usize,
    n_rep: usize,
    ev: &mut Vec<Ev>,
) -> usize {
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
pub(super) fn near_repeat_chains(
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
pub(super) fn bar_nights(p: &DemoParams, bar_idx: &PointIndex, ev: &mut [Ev]) -> Result<usize> {
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
pub(super) fn incidents_of(ev: &[Ev], chains: Vec<Vec<usize>>) -> (Incidents, Vec<Vec<usize>>) {
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
