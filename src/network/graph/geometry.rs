//! Positions along edges: the point at an offset, the slice between two offsets, and the
//! polyline helpers they share with snapping.

use geo::LineString;

use super::Network;

impl Network {
    /// The point at `offset` metres from node `a` along edge `e` (offsets are
    /// mapped proportionally onto the edge's geometry, whose drawn length may
    /// differ from the edge length by the snapping of its ends).
    pub fn point_at(&self, e: u32, offset: f64) -> [f64; 2] {
        let (g, len) = (&self.geometry[e as usize], self.edges[e as usize].length);
        let glen = polyline_length(g);
        let target = if len > 0.0 {
            (offset / len).clamp(0.0, 1.0) * glen
        } else {
            0.0
        };
        polyline_point(g, target)
    }

    /// The piece of edge `e` between offsets `from` and `to` (m from node `a`,
    /// `from <= to`) as a line string following the edge's geometry.
    pub fn edge_slice(&self, e: u32, from: f64, to: f64) -> LineString<f64> {
        let (g, len) = (&self.geometry[e as usize], self.edges[e as usize].length);
        let glen = polyline_length(g);
        let scale = if len > 0.0 { glen / len } else { 0.0 };
        let (s0, s1) = (
            (from * scale).clamp(0.0, glen),
            (to * scale).clamp(0.0, glen),
        );
        let mut out: Vec<[f64; 2]> = vec![polyline_point(g, s0)];
        let mut acc = 0.0;
        for w in g.0.windows(2) {
            let l = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
            acc += l;
            if acc > s0 && acc < s1 {
                out.push([w[1].x, w[1].y]);
            }
        }
        out.push(polyline_point(g, s1));
        LineString::from(out.into_iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
    }
}

/// Euclidean length of a polyline.
pub(crate) fn polyline_length(g: &LineString<f64>) -> f64 {
    g.0.windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum()
}

/// The point `s` metres along a polyline (clamped to its ends).
pub(crate) fn polyline_point(g: &LineString<f64>, s: f64) -> [f64; 2] {
    let mut acc = 0.0;
    for w in g.0.windows(2) {
        let l = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
        if acc + l >= s && l > 0.0 {
            let t = ((s - acc) / l).clamp(0.0, 1.0);
            return [
                w[0].x + t * (w[1].x - w[0].x),
                w[0].y + t * (w[1].y - w[0].y),
            ];
        }
        acc += l;
    }
    g.0.last().map_or([f64::NAN, f64::NAN], |c| [c.x, c.y])
}
