//! Shortest-path distances between positions on the network.
//!
//! # Definition
//! The network distance between two positions is the length of the shortest path
//! along edges between them (Okabe & Sugihara 2012, ch. 3). From `p` on edge
//! `(a, b)` at offset `s`, a bounded Dijkstra starts at `a` with distance `s` and at
//! `b` with `length − s` ([`Network::dijkstra_from`]); a position `q` at offset `u`
//! on edge `(c, d)` is then at `min(dist(c) + u, dist(d) + length − u)`, and when `p`
//! and `q` share the edge also at `|s − u|` along it. Snap distances are not added
//! (spaghetti's `snap_dist=False`). Positions in different components are `∞` apart.
//!
//! With a bound `R`, every distance `<= R` is exact; larger ones are `∞` or an
//! upper bound.

use rayon::prelude::*;

use super::graph::{Network, Workspace};
use super::snap::{NetPos, NetworkSpace};

impl Network {
    /// Bounded Dijkstra from a position: afterwards `ws.dist(v)` is the network
    /// distance from `p` to node `v` when `<= limit` (see the module docs).
    pub fn dijkstra_from(&self, p: NetPos, limit: f64, ws: &mut Workspace) {
        let e = &self.edges[p.edge as usize];
        self.dijkstra_multi(
            &[(e.a, p.offset), (e.b, (e.length - p.offset).max(0.0))],
            limit,
            None,
            ws,
        );
    }

    /// Distance from `p` to `q` after [`Network::dijkstra_from`]`(p, ..)` filled `ws`.
    #[inline]
    pub fn distance_in(&self, ws: &Workspace, p: NetPos, q: NetPos) -> f64 {
        let e = &self.edges[q.edge as usize];
        let mut d = (ws.dist(e.a) + q.offset).min(ws.dist(e.b) + (e.length - q.offset));
        if p.edge == q.edge {
            d = d.min((p.offset - q.offset).abs());
        }
        d
    }

    /// Network distance between two positions (unbounded; `∞` when disconnected).
    pub fn distance(&self, p: NetPos, q: NetPos) -> f64 {
        let mut ws = Workspace::new(self.nodes.len());
        self.dijkstra_from(p, f64::INFINITY, &mut ws);
        self.distance_in(&ws, p, q)
    }

    /// Distances from every position of `from` to every position of `to`
    /// (`[from][to]`), up to `limit` (`∞` beyond), one Dijkstra per origin in parallel.
    pub fn distance_matrix(&self, from: &[NetPos], to: &[NetPos], limit: f64) -> Vec<Vec<f64>> {
        from.par_iter()
            .map_init(
                || Workspace::new(self.nodes.len()),
                |ws, &p| {
                    self.dijkstra_from(p, limit, ws);
                    to.iter()
                        .map(|&q| {
                            let d = self.distance_in(ws, p, q);
                            if d <= limit {
                                d
                            } else {
                                f64::INFINITY
                            }
                        })
                        .collect()
                },
            )
            .collect()
    }
}

/// Positions grouped by edge (CSR), for visiting the points on the edges a
/// Dijkstra reaches.
#[derive(Debug, Clone)]
pub struct PointsByEdge {
    first: Vec<u32>,
    /// Indices of the points, grouped by edge, ascending within an edge.
    pub items: Vec<u32>,
}

impl PointsByEdge {
    /// Groups `pos` by edge for a network of `n_edges` edges.
    pub fn new(pos: &[NetPos], n_edges: usize) -> Self {
        let mut first = vec![0u32; n_edges + 1];
        for p in pos {
            first[p.edge as usize + 1] += 1;
        }
        for e in 0..n_edges {
            first[e + 1] += first[e];
        }
        let mut fill = first.clone();
        let mut items = vec![0u32; pos.len()];
        for (i, p) in pos.iter().enumerate() {
            items[fill[p.edge as usize] as usize] = i as u32;
            fill[p.edge as usize] += 1;
        }
        PointsByEdge { first, items }
    }

    /// The points on edge `e`.
    #[inline]
    pub fn on_edge(&self, e: u32) -> &[u32] {
        &self.items[self.first[e as usize] as usize..self.first[e as usize + 1] as usize]
    }
}

/// Per-thread buffers for [`Network::for_each_within`].
#[derive(Debug, Clone)]
pub struct ReachBuffers {
    /// Dijkstra buffers.
    pub ws: Workspace,
    seen: Vec<u32>,
    stamp: u32,
}

impl ReachBuffers {
    /// Buffers for `net`.
    pub fn new(net: &Network) -> Self {
        ReachBuffers {
            ws: Workspace::new(net.nodes.len()),
            seen: vec![0; net.edges.len()],
            stamp: 0,
        }
    }
}

impl Network {
    /// Calls `f(j, d)` for every point `j` of `targets` within network distance
    /// `limit` (inclusive) of `p`, each once (order: by edge as reached, then by
    /// index). One bounded Dijkstra; `p`'s own edge is always visited.
    pub fn for_each_within(
        &self,
        p: NetPos,
        limit: f64,
        targets: &[NetPos],
        by_edge: &PointsByEdge,
        buf: &mut ReachBuffers,
        mut f: impl FnMut(usize, f64),
    ) {
        self.dijkstra_from(p, limit, &mut buf.ws);
        buf.stamp = buf.stamp.wrapping_add(1);
        if buf.stamp == 0 {
            buf.seen.iter_mut().for_each(|s| *s = 0);
            buf.stamp = 1;
        }
        let stamp = buf.stamp;
        let mut visit = |e: u32, buf: &mut ReachBuffers| {
            if buf.seen[e as usize] == stamp {
                return;
            }
            buf.seen[e as usize] = stamp;
            for &j in by_edge.on_edge(e) {
                let d = self.distance_in(&buf.ws, p, targets[j as usize]);
                if d <= limit {
                    f(j as usize, d);
                }
            }
        };
        visit(p.edge, buf);
        for k in 0..buf.ws.order.len() {
            let u = buf.ws.order[k];
            for &(_, e) in self.neighbours(u) {
                visit(e, buf);
            }
        }
    }
}

/// One value per worker thread of the current rayon pool, reused by every task that
/// thread runs (buffers sized to the network are costly to allocate per task).
pub(crate) struct PerThread<T> {
    slots: Vec<std::sync::Mutex<Option<T>>>,
}

impl<T> PerThread<T> {
    pub(crate) fn new() -> Self {
        PerThread {
            slots: (0..rayon::current_num_threads().max(1))
                .map(|_| std::sync::Mutex::new(None))
                .collect(),
        }
    }

    /// Runs `f` on this thread's value (made by `init` the first time).
    pub(crate) fn with<R>(&self, init: impl FnOnce() -> T, f: impl FnOnce(&mut T) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        let mut slot = self.slots[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(slot.get_or_insert_with(init))
    }
}

thread_local! {
    /// One Dijkstra workspace per thread for [`NetworkSpace::with_dijkstra`].
    static WORKSPACE: std::cell::RefCell<Option<Workspace>> = const { std::cell::RefCell::new(None) };
}

impl NetworkSpace {
    /// Runs a Dijkstra from `p` bounded by `limit` in this thread's reusable
    /// workspace and hands it to `f` (use [`Network::distance_in`] on it): for
    /// callers that cannot carry a workspace, such as a pair enumeration called
    /// point by point.
    pub fn with_dijkstra<R>(&self, p: NetPos, limit: f64, f: impl FnOnce(&Workspace) -> R) -> R {
        WORKSPACE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let n = self.net.nodes.len();
            if slot.as_ref().is_some_and(|w| w.dist.len() != n) {
                *slot = None;
            }
            let ws = slot.get_or_insert_with(|| Workspace::new(n));
            self.net.dijkstra_from(p, limit, ws);
            f(ws)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// A square ring 0-1-2-3 of 100 m sides with a 50 m tail 2-4.
    fn ring() -> Network {
        Network::from_edges(
            vec![
                [0.0, 0.0],
                [100.0, 0.0],
                [100.0, 100.0],
                [0.0, 100.0],
                [150.0, 100.0],
            ],
            &[
                (0, 1, 100.0),
                (1, 2, 100.0),
                (2, 3, 100.0),
                (3, 0, 100.0),
                (2, 4, 50.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn distance_same_edge_and_around() {
        let net = ring();
        let p = NetPos::new(0, 10.0);
        // same edge: directly
        assert_abs_diff_eq!(net.distance(p, NetPos::new(0, 90.0)), 80.0);
        // opposite edge midpoint: 90 + 100 + 50 = 240 via 1, or 10 + 100 + 50 = 160 via 0
        assert_abs_diff_eq!(net.distance(p, NetPos::new(2, 50.0)), 160.0);
        // the tail end: 90 + 100 + 50
        assert_abs_diff_eq!(net.distance(p, NetPos::new(4, 50.0)), 240.0);
        // symmetric
        assert_abs_diff_eq!(
            net.distance(NetPos::new(4, 20.0), NetPos::new(3, 30.0)),
            net.distance(NetPos::new(3, 30.0), NetPos::new(4, 20.0))
        );
        // bounded matrix: beyond the limit is infinite
        let m = net.distance_matrix(&[p], &[NetPos::new(2, 50.0), NetPos::new(0, 0.0)], 100.0);
        assert!(m[0][0].is_infinite());
        assert_abs_diff_eq!(m[0][1], 10.0);
    }

    #[test]
    fn for_each_within_equals_matrix() {
        let net = ring();
        let pts: Vec<NetPos> = (0..40)
            .map(|k| NetPos::new((k % 5) as u32, (k as f64 * 7.3) % 50.0))
            .collect();
        let by = PointsByEdge::new(&pts, net.edges.len());
        let mut buf = ReachBuffers::new(&net);
        for &lim in &[0.0, 35.0, 120.0, 500.0] {
            let m = net.distance_matrix(&pts, &pts, lim);
            for (i, &p) in pts.iter().enumerate() {
                let mut got: Vec<(usize, f64)> = Vec::new();
                net.for_each_within(p, lim, &pts, &by, &mut buf, |j, d| got.push((j, d)));
                got.sort_by_key(|a| a.0);
                let want: Vec<(usize, f64)> = m[i]
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.is_finite())
                    .map(|(j, d)| (j, *d))
                    .collect();
                assert_eq!(got.len(), want.len(), "limit {lim} point {i}");
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.0, w.0);
                    assert_abs_diff_eq!(g.1, w.1, epsilon = 1e-9);
                }
            }
        }
    }
}
