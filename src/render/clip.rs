//! Clipping to a box: scene items ([`cut_item`]), open lines (Liang–Barsky per segment)
//! and closed rings (Sutherland–Hodgman), so a map's context layers stay inside its frame.

use super::scene::Item;

/// `it` cut to the box `[x0, y0, x1, y1]`: open paths split into the runs inside it
/// (Liang–Barsky per segment), closed rings clipped to it (Sutherland–Hodgman), discs
/// outside it dropped; `None` when nothing is left.
pub(super) fn cut_item(it: Item, b: [f64; 4]) -> Option<Item> {
    match it {
        Item::Path {
            parts,
            closed,
            fill,
            stroke,
        } => {
            let parts: Vec<Vec<(f64, f64)>> = if closed {
                parts
                    .iter()
                    .map(|r| clip_ring(r, b))
                    .filter(|r| r.len() >= 3)
                    .collect()
            } else {
                parts.iter().flat_map(|p| clip_line(p, b)).collect()
            };
            (!parts.is_empty()).then_some(Item::Path {
                parts,
                closed,
                fill,
                stroke,
            })
        }
        Item::Circle { cx, cy, r, .. }
            if cx + r < b[0] || cx - r > b[2] || cy + r < b[1] || cy - r > b[3] =>
        {
            None
        }
        other => Some(other),
    }
}

/// The runs of the polyline `p` inside the box `b` (Liang–Barsky on each segment).
fn clip_line(p: &[(f64, f64)], b: [f64; 4]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for w in p.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut inside = true;
        for (pk, qk) in [
            (-dx, x0 - b[0]),
            (dx, b[2] - x0),
            (-dy, y0 - b[1]),
            (dy, b[3] - y0),
        ] {
            if pk == 0.0 {
                if qk < 0.0 {
                    inside = false;
                    break;
                }
            } else {
                let t = qk / pk;
                if pk < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        if !inside || t0 > t1 || !(t0.is_finite() && t1.is_finite()) {
            if run.len() >= 2 {
                out.push(std::mem::take(&mut run));
            }
            run.clear();
            continue;
        }
        let a = (x0 + t0 * dx, y0 + t0 * dy);
        let c = (x0 + t1 * dx, y0 + t1 * dy);
        if run.last() != Some(&a) {
            if run.len() >= 2 {
                out.push(std::mem::take(&mut run));
            }
            run.clear();
            run.push(a);
        }
        run.push(c);
        if t1 < 1.0 {
            out.push(std::mem::take(&mut run));
        }
    }
    if run.len() >= 2 {
        out.push(run);
    }
    out
}

/// The ring `r` clipped to the box `b` (Sutherland–Hodgman against its four sides).
fn clip_ring(r: &[(f64, f64)], b: [f64; 4]) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = r.to_vec();
    // (inside test, intersection with the side)
    type Side = (
        fn(&(f64, f64), f64) -> bool,
        fn((f64, f64), (f64, f64), f64) -> (f64, f64),
    );
    let x_at = |a: (f64, f64), c: (f64, f64), x: f64| {
        let t = (x - a.0) / (c.0 - a.0);
        (x, a.1 + t * (c.1 - a.1))
    };
    let y_at = |a: (f64, f64), c: (f64, f64), y: f64| {
        let t = (y - a.1) / (c.1 - a.1);
        (a.0 + t * (c.0 - a.0), y)
    };
    let sides: [(Side, f64); 4] = [
        ((|p, v| p.0 >= v, x_at), b[0]),
        ((|p, v| p.0 <= v, x_at), b[2]),
        ((|p, v| p.1 >= v, y_at), b[1]),
        ((|p, v| p.1 <= v, y_at), b[3]),
    ];
    for ((inside, cross), v) in sides {
        if pts.is_empty() {
            break;
        }
        let input = std::mem::take(&mut pts);
        let n = input.len();
        for k in 0..n {
            let cur = input[k];
            let prev = input[(k + n - 1) % n];
            match (inside(&cur, v), inside(&prev, v)) {
                (true, true) => pts.push(cur),
                (true, false) => {
                    pts.push(cross(prev, cur, v));
                    pts.push(cur);
                }
                (false, true) => pts.push(cross(prev, cur, v)),
                (false, false) => {}
            }
        }
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_line_keeps_the_runs_inside() {
        let b = [0.0, 0.0, 10.0, 10.0];
        // crosses the box twice: one run, cut at the edges
        let r = clip_line(&[(-5.0, 5.0), (15.0, 5.0)], b);
        assert_eq!(r, vec![vec![(0.0, 5.0), (10.0, 5.0)]]);
        // leaves and comes back: two runs
        let r = clip_line(&[(2.0, 2.0), (2.0, 20.0), (8.0, 20.0), (8.0, 2.0)], b);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], vec![(2.0, 2.0), (2.0, 10.0)]);
        assert_eq!(r[1], vec![(8.0, 10.0), (8.0, 2.0)]);
        assert!(clip_line(&[(20.0, 20.0), (30.0, 30.0)], b).is_empty());
        // a ring half outside keeps its inside half
        let ring = clip_ring(&[(5.0, 5.0), (15.0, 5.0), (15.0, 8.0), (5.0, 8.0)], b);
        assert!(ring.iter().all(|p| p.0 <= 10.0 && p.0 >= 5.0));
        assert_eq!(ring.len(), 4);
        assert!(clip_ring(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], b).is_empty());
    }
}
