//! Access measures on the walking network: reachability, detours and local
//! edge betweenness.
//!
//! The network itself (building, CSR, bounded Dijkstra) is the crate's one
//! network model, [`crate::network`]; its types are re-exported here. Every
//! measure runs in parallel over origins (rayon) and is independent of the
//! thread count. A scenario is a mask `open[e]` over the edges, so "before" and
//! "after" a proposal share one node set and compare node by node.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::index::PointIndex;
pub use crate::network::{BuildReport, Network, NetworkParams, Workspace};

/// Per-node reach: street length, space count, space area, gravity (one value per distance).
type ReachRow = (Vec<f64>, Vec<u32>, Vec<f64>, Vec<f64>);

/// Public spaces as seen from the network: area and entrance nodes of each.
#[derive(Debug, Clone, Default)]
pub struct SpaceAccess {
    /// Area of each space (m²).
    pub area: Vec<f64>,
    /// Entrance nodes of each space.
    pub entrances: Vec<Vec<u32>>,
    /// Spaces of each node (inverse of `entrances`).
    node_spaces: Vec<Vec<u32>>,
}

impl SpaceAccess {
    /// Spaces with their areas and entrance nodes on a network of `n` nodes.
    pub fn new(n: usize, area: Vec<f64>, entrances: Vec<Vec<u32>>) -> Self {
        let mut node_spaces = vec![Vec::new(); n];
        for (s, es) in entrances.iter().enumerate() {
            for &v in es {
                if (v as usize) < n {
                    node_spaces[v as usize].push(s as u32);
                }
            }
        }
        SpaceAccess {
            area,
            entrances,
            node_spaces,
        }
    }
    /// Number of spaces.
    pub fn len(&self) -> usize {
        self.area.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.area.is_empty()
    }
}

impl Network {
    /// Entrance nodes of polygons: nodes within `max_d` metres of the polygon
    /// (0 inside it); when there is none, the node nearest to the polygon's centroid.
    pub fn entrances(&self, polygons: &[geo::Geometry<f64>], max_d: f64) -> Vec<Vec<u32>> {
        use geo::{BoundingRect, Centroid};
        let pidx = PointIndex::new(&self.nodes);
        polygons
            .iter()
            .map(|g| {
                let mut v: Vec<u32> = match g.bounding_rect() {
                    Some(r) => pidx
                        .in_box(
                            [r.min().x - max_d, r.min().y - max_d],
                            [r.max().x + max_d, r.max().y + max_d],
                        )
                        .into_iter()
                        .filter(|&i| {
                            crate::index::point_geometry_distance(self.nodes[i], g) <= max_d
                        })
                        .map(|i| i as u32)
                        .collect(),
                    None => Vec::new(),
                };
                if v.is_empty() {
                    if let Some(c) = g.centroid() {
                        if let Some((i, _)) = pidx.nearest([c.x(), c.y()]) {
                            v.push(i as u32);
                        }
                    }
                }
                v.sort_unstable();
                v
            })
            .collect()
    }
}

/// Reachability of every node (see [`Network::reach`]); `[distance][node]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reach {
    /// The walking distances (m).
    pub distances: Vec<f64>,
    /// Street length within each distance (m).
    pub street_m: Vec<Vec<f64>>,
    /// Number of public spaces within each distance.
    pub spaces: Vec<Vec<u32>>,
    /// Area of the public spaces within each distance (m²).
    pub space_area_m2: Vec<Vec<f64>>,
    /// Gravity access to public space: Σ area·exp(−4d/D) over spaces within D (m²).
    pub space_gravity: Vec<Vec<f64>>,
}

impl Network {
    /// Reachability from every node over the `open` edges, cityseer-style
    /// (Simons 2023, *cityseer*, Env. & Planning B 50(5)):
    /// * **street length within D**: the length of network within network
    ///   distance `D` — for an open edge of length `l` whose ends are at
    ///   distances `du`, `dv`, `min(l, max(0, D−du) + max(0, D−dv))` (exact: the
    ///   part of the edge reachable from either end);
    /// * **public spaces within D**: spaces with an entrance node at distance `<= D`
    ///   (inclusive), their count and area, and the gravity sum
    ///   `Σ area·exp(−β d)` with `β = 4/D` (cityseer's default, weight 0.018 at `D`).
    ///
    /// Only spaces with `active[s]` count. The origin node itself is at distance 0.
    pub fn reach(
        &self,
        open: &[bool],
        spaces: &SpaceAccess,
        active: &[bool],
        distances: &[f64],
    ) -> Reach {
        let dmax = distances.iter().copied().fold(0.0, f64::max);
        let nd = distances.len();
        let ns = spaces.len();
        let rows: Vec<ReachRow> = (0..self.nodes.len() as u32)
            .into_par_iter()
            .map_init(
                || (Workspace::new(self.nodes.len()), vec![u32::MAX; ns]),
                |(ws, seen), o| {
                    self.dijkstra(o, dmax, open, ws);
                    let mut street = vec![0.0; nd];
                    let mut cnt = vec![0u32; nd];
                    let mut area = vec![0.0; nd];
                    let mut grav = vec![0.0; nd];
                    for &u in ws.settled() {
                        let du = ws.dist(u);
                        for &(v, e) in self.neighbours(u) {
                            if !open[e as usize] {
                                continue;
                            }
                            let dv = ws.dist(v);
                            if dv.is_finite() && v < u {
                                continue; // counted from v
                            }
                            let l = self.edges[e as usize].length;
                            for (k, &dd) in distances.iter().enumerate() {
                                street[k] += l.min((dd - du).max(0.0) + (dd - dv).max(0.0));
                            }
                        }
                        for &s in spaces
                            .node_spaces
                            .get(u as usize)
                            .map_or(&[][..], |v| &v[..])
                        {
                            if !active[s as usize] || seen[s as usize] == o {
                                continue;
                            }
                            seen[s as usize] = o;
                            let a = spaces.area[s as usize];
                            for (k, &dd) in distances.iter().enumerate() {
                                if du <= dd {
                                    cnt[k] += 1;
                                    area[k] += a;
                                    grav[k] += a * (-4.0 * du / dd).exp();
                                }
                            }
                        }
                    }
                    (street, cnt, area, grav)
                },
            )
            .collect();
        let mut r = Reach {
            distances: distances.to_vec(),
            street_m: vec![Vec::with_capacity(rows.len()); nd],
            spaces: vec![Vec::with_capacity(rows.len()); nd],
            space_area_m2: vec![Vec::with_capacity(rows.len()); nd],
            space_gravity: vec![Vec::with_capacity(rows.len()); nd],
        };
        for (s, c, a, g) in rows {
            for k in 0..nd {
                r.street_m[k].push(s[k]);
                r.spaces[k].push(c[k]);
                r.space_area_m2[k].push(a[k]);
                r.space_gravity[k].push(g[k]);
            }
        }
        r
    }
}

/// Detour caused by closing edges (see [`Network::detour`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetourSummary {
    /// Origin–destination radius (m).
    pub radius_m: f64,
    /// Edges open before and closed after.
    pub changed_edges: usize,
    /// Ordered node pairs within the radius whose shortest distance grew (every
    /// shortest path used a changed edge), disconnected ones included.
    pub pairs_affected: u64,
    /// Of those, pairs no longer connected at all.
    pub pairs_disconnected: u64,
    /// Mean new/old distance ratio over the affected, still connected pairs.
    pub mean_ratio: Option<f64>,
    /// Median ratio.
    pub median_ratio: Option<f64>,
    /// 95th percentile ratio.
    pub p95_ratio: Option<f64>,
    /// Largest ratio.
    pub max_ratio: Option<f64>,
    /// Mean extra walking distance over the affected, connected pairs (m).
    pub mean_extra_m: Option<f64>,
}

/// A pair is detoured when its walking distance grows by more than this (m) plus
/// 1e-9 of the old distance (see [`Network::detour`]). One metre: no pedestrian
/// notices less, and equal-length alternatives on a grid that coordinate rounding
/// made unequal (a layer exported with 7 decimals of a degree, ~1 cm) stay below it,
/// so a city's result does not depend on how its streets were exported.
pub const DETOUR_EPS_M: f64 = 1.0;

/// Quantile by linear interpolation between order statistics (type 7, as R's default).
pub fn quantile_sorted(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

impl Network {
    /// Detour for origin–destination pairs whose shortest path crossed a changed edge.
    ///
    /// For every origin, the shortest-path tree over the `before` edges is grown to
    /// `radius` (inclusive); a destination whose tree path uses an edge open before
    /// and closed after is a **candidate** (a superset of the pairs whose distance can
    /// grow: if any shortest path avoided the changed edges the distance is kept).
    /// Candidates in different components of the `after` network are
    /// **disconnected**; for the others the exact new distance (unbounded Dijkstra
    /// stopped when every candidate is settled) is computed, and the pair is
    /// **affected** (detoured) only when it grew by more than [`DETOUR_EPS_M`] (1 m)
    /// plus 1e-9 of the old distance. Equal-length alternatives (common on grids) therefore
    /// never count, whatever the tree's tie-break; the counts and ratios depend on
    /// distances only, not on coordinate rounding that reorders ties. Affected
    /// pairs = disconnected + detoured; ratios are new/old over the detoured pairs.
    /// Pairs are ordered (a→b and b→a both count).
    pub fn detour(&self, before: &[bool], after: &[bool], radius: f64) -> DetourSummary {
        let changed: Vec<bool> = before.iter().zip(after).map(|(b, a)| *b && !*a).collect();
        let n_changed = changed.iter().filter(|c| **c).count();
        let mut out = DetourSummary {
            radius_m: radius,
            changed_edges: n_changed,
            ..Default::default()
        };
        if n_changed == 0 {
            return out;
        }
        // only origins near a changed edge can have affected pairs
        let mut near = vec![false; self.nodes.len()];
        {
            let mut ws = Workspace::new(self.nodes.len());
            let mut seeds: Vec<u32> = Vec::new();
            for (k, e) in self.edges.iter().enumerate() {
                if changed[k] {
                    seeds.push(e.a);
                    seeds.push(e.b);
                }
            }
            seeds.sort_unstable();
            seeds.dedup();
            for s in seeds {
                self.dijkstra(s, radius, before, &mut ws);
                for &v in ws.settled() {
                    near[v as usize] = true;
                }
            }
        }
        let comp = self.components(after);
        let per: Vec<(Vec<(f64, f64)>, u64)> = (0..self.nodes.len() as u32)
            .into_par_iter()
            .map_init(
                || {
                    (
                        Workspace::new(self.nodes.len()),
                        Workspace::new(self.nodes.len()),
                    )
                },
                |(w1, w2), o| {
                    if !near[o as usize] {
                        return (Vec::new(), 0);
                    }
                    self.dijkstra(o, radius, before, w1);
                    let mut targets: Vec<u32> = Vec::new();
                    let order: Vec<u32> = w1.settled().to_vec();
                    for &v in &order {
                        if v == o {
                            continue;
                        }
                        let e = w1.pred[v as usize];
                        let ed = &self.edges[e as usize];
                        let u = if ed.a == v { ed.b } else { ed.a };
                        let f = w1.flag[u as usize] || changed[e as usize];
                        w1.flag[v as usize] = f;
                        if f {
                            targets.push(v);
                        }
                    }
                    if targets.is_empty() {
                        return (Vec::new(), 0);
                    }
                    let mut disc = 0u64;
                    let reach: Vec<u32> = targets
                        .iter()
                        .copied()
                        .filter(|&v| {
                            let same = comp[v as usize] == comp[o as usize];
                            if !same {
                                disc += 1;
                            }
                            same
                        })
                        .collect();
                    let mut res = Vec::with_capacity(reach.len());
                    if !reach.is_empty() {
                        for &v in &reach {
                            w2.target[v as usize] = true;
                        }
                        w2.remaining = reach.len();
                        self.dijkstra(o, f64::INFINITY, after, w2);
                        w2.remaining = 0;
                        for &v in &reach {
                            w2.target[v as usize] = false;
                            let (d0, d1) = (w1.dist(v), w2.dist(v));
                            if d0 > 0.0 && d1.is_finite() && d1 > d0 * (1.0 + 1e-9) + DETOUR_EPS_M {
                                res.push((d1 / d0, d1 - d0));
                            }
                        }
                    }
                    (res, disc)
                },
            )
            .collect();
        let mut ratios: Vec<f64> = Vec::new();
        let mut extra = 0.0;
        for (r, d) in &per {
            out.pairs_disconnected += d;
            out.pairs_affected += d + r.len() as u64;
            for (q, x) in r {
                ratios.push(*q);
                extra += x;
            }
        }
        if !ratios.is_empty() {
            let n = ratios.len() as f64;
            out.mean_ratio = Some(ratios.iter().sum::<f64>() / n);
            out.mean_extra_m = Some(extra / n);
            ratios.sort_by(f64::total_cmp);
            out.median_ratio = quantile_sorted(&ratios, 0.5);
            out.p95_ratio = quantile_sorted(&ratios, 0.95);
            out.max_ratio = ratios.last().copied();
        }
        out
    }
}

/// Fixed-point scale of the betweenness accumulators (integer sums are
/// associative, so the result does not depend on the thread count).
const BC_SCALE: f64 = 16_777_216.0;

impl Network {
    /// Local edge betweenness (Brandes 2001, *J. Math. Sociol.* 25(2); Brandes
    /// 2008 for edges): for every edge, the number of shortest paths between
    /// **ordered** node pairs `(s, t)`, `s ≠ t`, with network distance `<= radius`
    /// that use it, each pair's paths sharing one unit (ties: equal lengths
    /// within 1e-7 m split the unit by path counts). `radius = ∞` gives the
    /// global measure. This is the through-movement measure of space syntax /
    /// cityseer; Johnson & Bowers (2010, *Criminology & Public Policy* 9(1))
    /// relate burglary risk to it.
    pub fn betweenness(&self, open: &[bool], radius: f64) -> Vec<f64> {
        const EPS: f64 = 1e-7;
        let n = self.nodes.len();
        let m = self.edges.len();
        // fixed chunks of origins, one set of buffers per chunk (bounded memory)
        let chunk = n.div_ceil(4 * rayon::current_num_threads().max(1)).max(64);
        let nchunks = n.div_ceil(chunk);
        let acc = (0..nchunks)
            .into_par_iter()
            .map(|c| {
                let mut acc = vec![0u64; m];
                let mut dist = vec![f64::INFINITY; n];
                let mut sigma = vec![0f64; n];
                let mut delta = vec![0f64; n];
                let mut preds = vec![Vec::<(u32, u32)>::new(); n];
                let mut done = vec![false; n];
                let mut touched = Vec::<u32>::new();
                let mut order = Vec::<u32>::new();
                let mut heap = BinaryHeap::<Reverse<(u64, u32)>>::new();
                for s in (c * chunk) as u32..((c + 1) * chunk).min(n) as u32 {
                    for &v in &touched {
                        dist[v as usize] = f64::INFINITY;
                        sigma[v as usize] = 0.0;
                        delta[v as usize] = 0.0;
                        preds[v as usize].clear();
                        done[v as usize] = false;
                    }
                    touched.clear();
                    order.clear();
                    heap.clear();
                    dist[s as usize] = 0.0;
                    sigma[s as usize] = 1.0;
                    touched.push(s);
                    heap.push(Reverse((0f64.to_bits(), s)));
                    while let Some(Reverse((bits, u))) = heap.pop() {
                        let d = f64::from_bits(bits);
                        if done[u as usize] || d > dist[u as usize] {
                            continue;
                        }
                        done[u as usize] = true;
                        order.push(u);
                        for &(v, e) in self.neighbours(u) {
                            if !open[e as usize] || done[v as usize] || v == u {
                                continue;
                            }
                            let nd = d + self.edges[e as usize].length;
                            if nd > radius + EPS {
                                continue;
                            }
                            let dv = dist[v as usize];
                            if nd < dv - EPS {
                                if dv == f64::INFINITY {
                                    touched.push(v);
                                }
                                dist[v as usize] = nd;
                                sigma[v as usize] = sigma[u as usize];
                                preds[v as usize].clear();
                                preds[v as usize].push((u, e));
                                heap.push(Reverse((nd.to_bits(), v)));
                            } else if (nd - dv).abs() <= EPS {
                                sigma[v as usize] += sigma[u as usize];
                                preds[v as usize].push((u, e));
                            }
                        }
                    }
                    for &w in order.iter().rev() {
                        let coef = (1.0 + delta[w as usize]) / sigma[w as usize];
                        for &(v, e) in &preds[w as usize] {
                            let c = sigma[v as usize] * coef;
                            acc[e as usize] += (c * BC_SCALE).round() as u64;
                            delta[v as usize] += c;
                        }
                    }
                }
                acc
            })
            .reduce(
                || vec![0u64; m],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            );
        acc.into_iter().map(|x| x as f64 / BC_SCALE).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use geo::LineString;

    /// A path 0 - 1 - 2 - 3 with lengths 100, 200, 300.
    fn path() -> Network {
        Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [300.0, 0.0], [600.0, 0.0]],
            &[(0, 1, 100.0), (1, 2, 200.0), (2, 3, 300.0)],
        )
        .unwrap()
    }

    #[test]
    fn reach_path_exact() {
        let net = path();
        let open = vec![true; 3];
        let sp = SpaceAccess::new(4, vec![1000.0], vec![vec![3]]);
        let r = net.reach(&open, &sp, &[true], &[150.0, 400.0]);
        // from node 0: within 150 m: edge 0 whole (100) + 50 m of edge 1
        assert_abs_diff_eq!(r.street_m[0][0], 150.0, epsilon = 1e-9);
        // within 400: 100 + 200 + 100 of edge 2
        assert_abs_diff_eq!(r.street_m[1][0], 400.0, epsilon = 1e-9);
        // from node 1 within 150: 100 (edge 0) + 150 of edge 1
        assert_abs_diff_eq!(r.street_m[0][1], 250.0, epsilon = 1e-9);
        // from node 2 within 400: edge 1 (200) + edge 2 (300) + 100 of edge 0 (reached at 200, 200 left)
        assert_abs_diff_eq!(r.street_m[1][2], 600.0, epsilon = 1e-9);
        // space at node 3: 600 m from node 0, 300 m from node 2
        assert_eq!(r.spaces[1], vec![0, 0, 1, 1]);
        assert_abs_diff_eq!(r.space_area_m2[1][2], 1000.0);
        assert_abs_diff_eq!(
            r.space_gravity[1][2],
            1000.0 * (-4.0f64 * 300.0 / 400.0).exp(),
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(r.space_gravity[1][3], 1000.0, epsilon = 1e-9);
        // inactive space is not counted
        let r2 = net.reach(&open, &sp, &[false], &[400.0]);
        assert_eq!(r2.spaces[0], vec![0, 0, 0, 0]);
    }

    #[test]
    fn reach_cycle_counts_each_edge_once() {
        // a square of 100 m sides: from a corner within 150 m: 2*100 + 2*50 = 300
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let r = net.reach(
            &[true; 4],
            &SpaceAccess::new(4, vec![], vec![]),
            &[],
            &[150.0, 1000.0],
        );
        assert_abs_diff_eq!(r.street_m[0][0], 300.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.street_m[1][2], 400.0, epsilon = 1e-9);
    }

    #[test]
    fn detour_square_exact() {
        // square: closing edge 0-1 sends 0->1 round the other three sides (300 / 100)
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let before = vec![true; 4];
        let after = vec![false, true, true, true];
        let d = net.detour(&before, &after, 150.0);
        // within 150 m: 0<->1 use edge 0; also 0->... 1->0 only. Pairs: (0,1),(1,0)
        assert_eq!(d.changed_edges, 1);
        assert_eq!(d.pairs_affected, 2);
        assert_eq!(d.pairs_disconnected, 0);
        assert_abs_diff_eq!(d.mean_ratio.unwrap(), 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(d.mean_extra_m.unwrap(), 200.0, epsilon = 1e-9);
    }

    #[test]
    fn detour_equal_length_alternative_is_not_a_detour() {
        // square: 0->2 and 1->3 have two equal paths; closing edge 0-1 keeps one of
        // each, so only 0<->1 are detoured (300 / 100), whatever the tie-break
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let d = net.detour(&[true; 4], &[false, true, true, true], 250.0);
        assert_eq!(d.pairs_affected, 2);
        assert_abs_diff_eq!(d.median_ratio.unwrap(), 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(d.max_ratio.unwrap(), 3.0, epsilon = 1e-12);
    }

    #[test]
    fn detour_disconnects_path() {
        let net = path();
        let d = net.detour(&[true; 3], &[true, false, true], 1000.0);
        // pairs crossing edge 1: {0,1} x {2,3} both ways = 8, all disconnected
        assert_eq!(d.pairs_affected, 8);
        assert_eq!(d.pairs_disconnected, 8);
        assert!(d.mean_ratio.is_none());
    }

    #[test]
    fn detour_no_change_is_zero() {
        let net = path();
        let d = net.detour(&[true; 3], &[true; 3], 1000.0);
        assert_eq!(d.pairs_affected, 0);
        assert_eq!(d.changed_edges, 0);
    }

    #[test]
    fn betweenness_path_exact() {
        // path of 4 nodes: edge (1,2) is used by pairs {0,1}x{2,3}: 4 unordered = 8 ordered
        let net = path();
        let bc = net.betweenness(&[true; 3], f64::INFINITY);
        assert_abs_diff_eq!(bc[0], 6.0, epsilon = 1e-6); // 0 with 1,2,3
        assert_abs_diff_eq!(bc[1], 8.0, epsilon = 1e-6);
        assert_abs_diff_eq!(bc[2], 6.0, epsilon = 1e-6);
        // radius 300: pairs within 300 m: (0,1)=100,(1,2)=200,(0,2)=300,(2,3)=300
        let bc = net.betweenness(&[true; 3], 300.0);
        assert_abs_diff_eq!(bc[0], 4.0, epsilon = 1e-6); // (0,1),(0,2)
        assert_abs_diff_eq!(bc[1], 4.0, epsilon = 1e-6); // (1,2),(0,2)
        assert_abs_diff_eq!(bc[2], 2.0, epsilon = 1e-6); // (2,3)
    }

    #[test]
    fn betweenness_splits_ties() {
        // square: 0 to 2 has two shortest paths (via 1 and via 3), each edge gets 1/2 per direction
        let net = Network::from_edges(
            vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]],
            &[(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0), (3, 0, 100.0)],
        )
        .unwrap();
        let bc = net.betweenness(&[true; 4], f64::INFINITY);
        // edge (0,1): pairs (0,1),(1,0) = 2; (0,2),(2,0) = 2*1/2; (1,3),(3,1) = 2*1/2 -> 4
        for b in bc {
            assert_abs_diff_eq!(b, 4.0, epsilon = 1e-6);
        }
    }

    #[test]
    fn grid_network_runs_all_measures() {
        // 30 x 30 nodes, 100 m blocks: 1740 edges
        let k = 30usize;
        let mut lines = Vec::new();
        for i in 0..k {
            let c = i as f64 * 100.0;
            lines.push(LineString::from(vec![
                (0.0, c),
                ((k - 1) as f64 * 100.0, c),
            ]));
            lines.push(LineString::from(vec![
                (c, 0.0),
                (c, (k - 1) as f64 * 100.0),
            ]));
        }
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.nodes.len(), k * k);
        assert_eq!(net.edges.len(), 2 * k * (k - 1));
        let open = vec![true; net.edges.len()];
        let r = net.reach(&open, &SpaceAccess::default(), &[], &[400.0]);
        // an interior node: the L1 ball of 4 blocks holds 4+12+20+28 = 64 whole edges
        let centre = (15 * k + 15) as u32;
        let d = net.distances_from(centre, &open);
        let brute: f64 = net
            .edges
            .iter()
            .map(|e| {
                e.length
                    .min((400.0 - d[e.a as usize]).max(0.0) + (400.0 - d[e.b as usize]).max(0.0))
            })
            .sum();
        assert_abs_diff_eq!(r.street_m[0][centre as usize], brute, epsilon = 1e-6);
        assert_abs_diff_eq!(brute, 6400.0, epsilon = 1e-6);
        let bc = net.betweenness(&open, 300.0);
        assert!(bc.iter().all(|b| *b > 0.0));
    }

    /// All-pairs distances by Floyd–Warshall (independent of Dijkstra).
    fn floyd(n: usize, edges: &[(u32, u32, f64)], open: &[bool]) -> Vec<Vec<f64>> {
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for (k, &(a, b, l)) in edges.iter().enumerate() {
            if open[k] {
                let (a, b) = (a as usize, b as usize);
                d[a][b] = d[a][b].min(l);
                d[b][a] = d[b][a].min(l);
            }
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    if d[i][k] + d[k][j] < d[i][j] {
                        d[i][j] = d[i][k] + d[k][j];
                    }
                }
            }
        }
        d
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn reach_and_detour_match_floyd_warshall(
            n in 2usize..10,
            raw in proptest::collection::vec((0u32..10, 0u32..10, 1u32..300), 1..25),
            closed in proptest::collection::vec(proptest::bool::weighted(0.2), 25),
            dd in 50.0f64..700.0,
        ) {
            let edges: Vec<(u32, u32, f64)> = raw
                .iter()
                .map(|&(a, b, l)| (a % n as u32, b % n as u32, l as f64))
                .collect();
            let nodes: Vec<[f64; 2]> = (0..n).map(|i| [i as f64, 0.0]).collect();
            let net = Network::from_edges(nodes, &edges).unwrap();
            let before = vec![true; edges.len()];
            let after: Vec<bool> = (0..edges.len()).map(|k| !closed[k]).collect();
            let fw = floyd(n, &edges, &before);
            let r = net.reach(&before, &SpaceAccess::default(), &[], &[dd]);
            for (o, fo) in fw.iter().enumerate() {
                let brute: f64 = edges
                    .iter()
                    .map(|&(a, b, l)| l.min((dd - fo[a as usize]).max(0.0) + (dd - fo[b as usize]).max(0.0)))
                    .sum();
                proptest::prop_assert!((r.street_m[0][o] - brute).abs() < 1e-6, "node {}: {} vs {}", o, r.street_m[0][o], brute);
            }
            // detours: ratios >= 1, never more pairs than the ordered pairs within the radius
            let d = net.detour(&before, &after, dd);
            let within = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && fw[i][j] <= dd).count() as u64;
            proptest::prop_assert!(d.pairs_affected <= within);
            if let Some(m) = d.median_ratio {
                proptest::prop_assert!(m >= 1.0 - 1e-12);
            }
            let fa = floyd(n, &edges, &after);
            let lost = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && fw[i][j] <= dd && fa[i][j].is_infinite()).count() as u64;
            proptest::prop_assert_eq!(d.pairs_disconnected, lost);
            // affected = the pairs within the radius whose distance grew (tie-free)
            let grew = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && fw[i][j] <= dd
                    && fa[i][j] > fw[i][j] * (1.0 + 1e-9) + DETOUR_EPS_M).count() as u64;
            proptest::prop_assert_eq!(d.pairs_affected, grew);
        }
    }

    #[test]
    fn large_grid_network_runs_in_bounded_memory() {
        // ~10^4 edges (71 x 71 lines); the 10^5-edge case is in benches/network.rs
        let k = 71usize;
        let mut lines = Vec::new();
        for i in 0..k {
            let c = i as f64 * 120.0;
            let end = (k - 1) as f64 * 120.0;
            lines.push(LineString::from(vec![(0.0, c), (end, c)]));
            lines.push(LineString::from(vec![(c, 0.0), (c, end)]));
        }
        let net = Network::build(&lines, &NetworkParams::new()).unwrap();
        assert_eq!(net.edges.len(), 2 * k * (k - 1));
        let open = vec![true; net.edges.len()];
        let r = net.reach(&open, &SpaceAccess::default(), &[], &[400.0]);
        assert_eq!(r.street_m[0].len(), k * k);
        let mut after = open.clone();
        after[5000] = false;
        let d = net.detour(&open, &after, 400.0);
        assert_eq!(d.pairs_disconnected, 0);
        assert!(d.pairs_affected > 0);
        // one closed edge in a grid: every detour goes round one block (ratio <= 3)
        assert!(d.max_ratio.unwrap() <= 3.0 + 1e-9);
        let bc = net.betweenness(&open, 400.0);
        assert_eq!(bc.len(), net.edges.len());
    }
}
