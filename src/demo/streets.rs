//! The demo city's streets: an irregular grid, the river with its riverside streets
//! and bridges.

use super::*;

/// Half the width of the demo city's river (m).
pub(super) const WATER: f64 = 17.0;
/// Distance from the river's centre line to each riverside street (m).
pub(super) const BANK: f64 = 30.0;

/// The street grid of a demo city and what the later layers need of it.
pub(super) struct StreetGrid {
    pub(super) xs: Vec<f64>,
    pub(super) ys: Vec<f64>,
    pub(super) river_y: Option<f64>,
    pub(super) bridges: Vec<usize>,
    pub(super) sg: Vec<Geometry<f64>>,
    pub(super) arterial_segments: Vec<(f64, f64, f64, f64)>,
    pub(super) bridge_segs: Vec<(f64, f64, f64, f64)>,
    pub(super) bridge_ids: Vec<String>,
    pub(super) streets: Layer,
    pub(super) river_layer: Option<Layer>,
}

/// The streets of [`generate`]: an irregular grid, the river with its riverside
/// streets and bridges (the first draws of the city's random stream).
pub(super) fn street_grid(rng: &mut ChaCha8Rng, p: &DemoParams) -> StreetGrid {
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

/// A street segment `(x0, y0, x1, y1)`.
pub(super) type Seg = (f64, f64, f64, f64);

impl StreetGrid {
    /// Whether `q` lies in the river or within `margin` m of it.
    pub(super) fn in_water(&self, q: [f64; 2], margin: f64) -> bool {
        let oy = DEMO_ORIGIN[1];
        self.river_y
            .is_some_and(|r| (q[1] - (oy + r)).abs() < WATER + margin)
    }

    /// Segments beside which features may stand (bridges excluded: beside them is
    /// water).
    pub(super) fn land_segments(&self) -> Vec<Seg> {
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
pub(super) fn point_on(rng: &mut ChaCha8Rng, seg: &Seg, off: f64) -> [f64; 2] {
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
pub(super) fn seg_near(seg: &Seg, c: [f64; 2], r: f64) -> bool {
    let mx = (seg.0 + seg.2) / 2.0;
    let my = (seg.1 + seg.3) / 2.0;
    (mx - c[0]).powi(2) + (my - c[1]).powi(2) <= r * r
}
