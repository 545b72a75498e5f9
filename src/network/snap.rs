//! Positions on the network and snapping points onto it.
//!
//! # Conventions
//! * A position ([`NetPos`]) is an edge and an **offset**: the distance in metres
//!   along the edge from its node `a` (`0 ≤ offset ≤ length`). Offsets are in edge
//!   length units; the drawn geometry is mapped proportionally (they differ only by
//!   the snapping of the edge's ends when the network was built).
//! * **Snapping**: a point goes to the nearest point of the nearest edge geometry
//!   (Euclidean; ties: lowest edge index, then lowest vertex index along the edge)
//!   when that distance is `<= tolerance` (inclusive); otherwise it is unsnapped
//!   and counted. The snap distance is reported, never added to network distances
//!   (spaghetti's default `snap_dist=False`).
//! * [`NetworkSpace`] bundles a network, its snapping index and the tolerance: the
//!   "space" an analysis runs in (for example [`crate::repeat::knox::Metric::Network`]).

use geo::LineString;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use serde::{Deserialize, Serialize};

use super::graph::{polyline_length, Network};
use crate::error::{Error, Result};

/// A location on the network: an edge and the distance along it from node `a` (m).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NetPos {
    /// Edge index.
    pub edge: u32,
    /// Distance from the edge's node `a` (m), in `[0, length]`.
    pub offset: f64,
}

impl NetPos {
    /// A position.
    pub fn new(edge: u32, offset: f64) -> Self {
        NetPos { edge, offset }
    }
}

/// One straight piece of an edge geometry: (edge, vertex index, metres of geometry before it).
type Piece = GeomWithData<Line<[f64; 2]>, (u32, u32, f64)>;

/// An R-tree over the straight pieces of every edge geometry.
#[derive(Debug, Clone)]
pub struct Snapper {
    tree: RTree<Piece>,
    /// Edge length / geometry length of each edge (0 for a degenerate geometry).
    scale: Vec<f64>,
    length: Vec<f64>,
}

impl Snapper {
    /// Indexes the edges of `net`.
    pub fn new(net: &Network) -> Self {
        let mut pieces = Vec::new();
        let mut scale = Vec::with_capacity(net.edges.len());
        for (e, g) in net.geometry.iter().enumerate() {
            let glen = polyline_length(g);
            scale.push(if glen > 0.0 {
                net.edges[e].length / glen
            } else {
                0.0
            });
            let mut acc = 0.0;
            for (k, w) in g.0.windows(2).enumerate() {
                let (p, q) = ([w[0].x, w[0].y], [w[1].x, w[1].y]);
                pieces.push(GeomWithData::new(
                    Line::new(p, q),
                    (e as u32, k as u32, acc),
                ));
                acc += (q[0] - p[0]).hypot(q[1] - p[1]);
            }
            if g.0.len() == 1 {
                let p = [g.0[0].x, g.0[0].y];
                pieces.push(GeomWithData::new(Line::new(p, p), (e as u32, 0, 0.0)));
            }
        }
        Snapper {
            tree: RTree::bulk_load(pieces),
            scale,
            length: net.edges.iter().map(|e| e.length).collect(),
        }
    }

    /// The nearest position to `p` and its distance, if within `tolerance` (inclusive).
    pub fn snap(&self, p: [f64; 2], tolerance: f64) -> Option<(NetPos, f64)> {
        let mut best: Option<(f64, (u32, u32), NetPos)> = None;
        for (piece, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&p) {
            if let Some((bd2, _, _)) = best {
                if d2 > bd2 * (1.0 + 1e-12) + 1e-18 {
                    break;
                }
            }
            let (e, k, acc) = piece.data;
            let (a, b) = (piece.geom().from, piece.geom().to);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let l2 = dx * dx + dy * dy;
            let t = if l2 > 0.0 {
                (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let along = acc + t * l2.sqrt();
            let len = self.length[e as usize];
            let pos = NetPos::new(e, (along * self.scale[e as usize]).clamp(0.0, len));
            let key = (e, k);
            // ties (equal distances up to rounding): the lowest (edge, vertex) wins
            let better = match best {
                None => true,
                Some((bd2, bk, _)) => {
                    d2 < bd2 * (1.0 - 1e-12) || (d2 <= bd2 * (1.0 + 1e-12) + 1e-18 && key < bk)
                }
            };
            if better {
                best = Some((d2, key, pos));
            }
        }
        let (d2, _, pos) = best?;
        let d = d2.sqrt();
        (d <= tolerance).then_some((pos, d))
    }
}

/// Result of snapping points to the network (input order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapped {
    /// Position of each point, `None` when no edge is within the tolerance.
    pub pos: Vec<Option<NetPos>>,
    /// Snap distance of each snapped point (m).
    pub distance: Vec<Option<f64>>,
    /// Points left unsnapped.
    pub unsnapped: usize,
    /// Tolerance used (m).
    pub tolerance: f64,
}

impl Snapped {
    /// The snapped positions with the index of their point, in input order.
    pub fn positions(&self) -> (Vec<usize>, Vec<NetPos>) {
        self.pos
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (i, p)))
            .unzip()
    }
}

/// A network with its snapping index and tolerance: the space network analyses run in.
#[derive(Debug, Clone)]
pub struct NetworkSpace {
    /// The network.
    pub net: Network,
    /// Points farther than this from every edge are not on the network (m).
    pub tolerance: f64,
    snapper: Snapper,
}

impl NetworkSpace {
    /// The space of `net` with a snapping tolerance in metres.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (`snap`) for a negative or non-finite tolerance,
    /// [`Error::Degenerate`] for a network without edges.
    pub fn new(net: Network, tolerance: f64) -> Result<Self> {
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(Error::invalid_param(
                "snap",
                tolerance,
                "a snapping tolerance must be a distance >= 0 m",
            ));
        }
        if net.edges.is_empty() {
            return Err(Error::degenerate(
                "a street network",
                "the network has no edge",
            ));
        }
        let snapper = Snapper::new(&net);
        Ok(NetworkSpace {
            net,
            tolerance,
            snapper,
        })
    }

    /// The nearest position within the tolerance, with its snap distance.
    pub fn snap(&self, p: [f64; 2]) -> Option<(NetPos, f64)> {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return None;
        }
        self.snapper.snap(p, self.tolerance)
    }

    /// Snaps every point (in parallel; input order kept).
    pub fn snap_all(&self, xy: &[[f64; 2]]) -> Snapped {
        let r: Vec<Option<(NetPos, f64)>> = xy.par_iter().map(|p| self.snap(*p)).collect();
        Snapped {
            unsnapped: r.iter().filter(|x| x.is_none()).count(),
            pos: r.iter().map(|x| x.map(|v| v.0)).collect(),
            distance: r.iter().map(|x| x.map(|v| v.1)).collect(),
            tolerance: self.tolerance,
        }
    }

    /// Coordinates of a position.
    pub fn xy(&self, p: NetPos) -> [f64; 2] {
        self.net.point_at(p.edge, p.offset)
    }

    /// Geometry of edge `e`.
    pub fn edge_geometry(&self, e: usize) -> &LineString<f64> {
        &self.net.geometry[e]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NetworkParams;
    use approx::assert_abs_diff_eq;

    fn cross() -> Network {
        Network::build(
            &[
                LineString::from(vec![(-100.0, 0.0), (100.0, 0.0)]),
                LineString::from(vec![(0.0, -100.0), (0.0, 100.0)]),
            ],
            &NetworkParams::new(),
        )
        .unwrap()
    }

    #[test]
    fn snap_offset_and_tolerance_inclusive() {
        let net = cross();
        let sp = NetworkSpace::new(net, 10.0).unwrap();
        // 30 m east of the centre, 10 m north: on the east arm, exactly at the tolerance
        let (p, d) = sp.snap([30.0, 10.0]).unwrap();
        assert_abs_diff_eq!(d, 10.0, epsilon = 1e-12);
        let e = &sp.net.edges[p.edge as usize];
        let q = sp.xy(p);
        assert_abs_diff_eq!(q[0], 30.0, epsilon = 1e-9);
        assert_abs_diff_eq!(q[1], 0.0, epsilon = 1e-9);
        assert_abs_diff_eq!(p.offset.min(e.length - p.offset), 30.0, epsilon = 1e-9);
        assert!(sp.snap([30.0, 10.5]).is_none());
        let s = sp.snap_all(&[[30.0, 10.5], [-50.0, 1.0], [f64::NAN, 0.0]]);
        assert_eq!(s.unsnapped, 2);
        assert_eq!(s.positions().0, vec![1]);
    }

    #[test]
    fn snap_ties_take_the_lowest_edge() {
        // equidistant from the west and the south arm: the lower edge index wins
        let sp = NetworkSpace::new(cross(), 50.0).unwrap();
        let (p, _) = sp.snap([-20.0, -20.0]).unwrap();
        let cands: Vec<u32> = (0..4u32)
            .filter(|&e| {
                let g = &sp.net.geometry[e as usize];
                g.0.iter().any(|c| c.x < -1.0 || c.y < -1.0)
            })
            .collect();
        assert_eq!(p.edge, *cands.iter().min().unwrap());
        assert!(NetworkSpace::new(cross(), -1.0).is_err());
    }
}
