//! Moving points for the public audience: to the centre of their square on the
//! grid anchored at the origin, or to their anonymous map point, in any CRS.

use super::*;

/// Centres of the `side`-metre squares (grid at the origin) that hold a point, in
/// order of first appearance.
pub(super) fn square_centres(pts: &[[f64; 2]], side: f64) -> Vec<[f64; 2]> {
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
pub(super) struct SnapIn<'a> {
    pub(super) p: &'a Publisher,
    pub(super) proj: Option<(Reprojector, Reprojector)>,
}

impl SnapIn<'_> {
    pub(super) fn snap(&self, q: [f64; 2]) -> [f64; 2] {
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

    pub(super) fn coord(&self, c: &mut Coord<f64>) {
        let s = self.snap([c.x, c.y]);
        c.x = s[0];
        c.y = s[1];
    }

    pub(super) fn points_only(&self, g: &mut Geometry<f64>) {
        match g {
            Geometry::Point(p) => self.coord(&mut p.0),
            Geometry::MultiPoint(m) => m.0.iter_mut().for_each(|p| self.coord(&mut p.0)),
            Geometry::GeometryCollection(c) => c.0.iter_mut().for_each(|g| self.points_only(g)),
            _ => {}
        }
    }

    pub(super) fn all_vertices(&self, g: &mut Geometry<f64>) {
        use geo::MapCoordsInPlace;
        g.map_coords_in_place(|c| {
            let s = self.snap([c.x, c.y]);
            Coord { x: s[0], y: s[1] }
        });
    }
}

impl Snapper {
    pub(super) fn cells_centre(q: [f64; 2], c: f64) -> [f64; 2] {
        [
            ((q[0] / c).floor() + 0.5) * c,
            ((q[1] / c).floor() + 0.5) * c,
        ]
    }
}
