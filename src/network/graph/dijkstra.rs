//! Shortest paths on a [`Network`]: connected components over open edges and bounded,
//! deterministic Dijkstra (single and multi-source) with reusable buffers ([`Workspace`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Network;

impl Network {
    /// Connected component of every node using the `open` edges (ids in order of
    /// the lowest node of each component).
    pub fn components(&self, open: &[bool]) -> Vec<u32> {
        let n = self.nodes.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(p: &mut [u32], mut x: u32) -> u32 {
            while p[x as usize] != x {
                p[x as usize] = p[p[x as usize] as usize];
                x = p[x as usize];
            }
            x
        }
        for (k, e) in self.edges.iter().enumerate() {
            if open[k] {
                let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
                if ra != rb {
                    let (lo, hi) = (ra.min(rb), ra.max(rb));
                    parent[hi as usize] = lo;
                }
            }
        }
        let mut id = vec![u32::MAX; n];
        let mut next = 0u32;
        let mut out = vec![0u32; n];
        for i in 0..n as u32 {
            let r = find(&mut parent, i);
            if id[r as usize] == u32::MAX {
                id[r as usize] = next;
                next += 1;
            }
            out[i as usize] = id[r as usize];
        }
        out
    }

    /// Nodes with at least one open edge.
    pub fn active_nodes(&self, open: &[bool]) -> Vec<bool> {
        let mut a = vec![false; self.nodes.len()];
        for (k, e) in self.edges.iter().enumerate() {
            if open[k] {
                a[e.a as usize] = true;
                a[e.b as usize] = true;
            }
        }
        a
    }

    /// Bounded single-source Dijkstra over the `open` edges: afterwards
    /// `ws.settled()` lists the nodes with network distance `<= limit` in
    /// order of distance and `ws.dist(v)` their distance.
    pub fn dijkstra(&self, src: u32, limit: f64, open: &[bool], ws: &mut Workspace) {
        self.dijkstra_multi(&[(src, 0.0)], limit, Some(open), ws);
    }

    /// Bounded multi-source Dijkstra: every source `(node, d0)` starts at distance
    /// `d0` (the smallest wins for a node listed twice); only `open` edges are used
    /// (all when `None`). Afterwards `ws.settled()` lists the nodes at distance
    /// `<= limit` in order of distance (ties: lower node id first) and `ws.dist(v)`
    /// is their distance; `ws.pred_edge(v)` the edge they were reached by (`None`
    /// for a source).
    pub fn dijkstra_multi(
        &self,
        sources: &[(u32, f64)],
        limit: f64,
        open: Option<&[bool]>,
        ws: &mut Workspace,
    ) {
        ws.reset();
        for &(s, d0) in sources {
            if d0 <= limit && d0 < ws.dist[s as usize] {
                ws.touch(s, d0, u32::MAX);
                ws.heap.push(Reverse((d0.to_bits(), s)));
            }
        }
        while let Some(Reverse((bits, u))) = ws.heap.pop() {
            let d = f64::from_bits(bits);
            if ws.done[u as usize] || d > ws.dist[u as usize] {
                continue;
            }
            ws.done[u as usize] = true;
            ws.order.push(u);
            for &(v, e) in self.neighbours(u) {
                if open.is_some_and(|o| !o[e as usize]) || ws.done[v as usize] {
                    continue;
                }
                let nd = d + self.edges[e as usize].length;
                if nd > limit {
                    continue;
                }
                if nd < ws.dist[v as usize] {
                    ws.touch(v, nd, e);
                    ws.heap.push(Reverse((nd.to_bits(), v)));
                }
            }
            if ws.remaining > 0 && ws.target[u as usize] {
                ws.remaining -= 1;
                if ws.remaining == 0 {
                    break;
                }
            }
        }
    }

    /// Network distances from `src` to every node (∞ where unreachable), unbounded.
    pub fn distances_from(&self, src: u32, open: &[bool]) -> Vec<f64> {
        let mut ws = Workspace::new(self.nodes.len());
        self.dijkstra(src, f64::INFINITY, open, &mut ws);
        (0..self.nodes.len() as u32).map(|v| ws.dist(v)).collect()
    }
}

/// Reusable buffers of one Dijkstra run (one per thread).
#[derive(Debug, Clone)]
pub struct Workspace {
    pub(crate) dist: Vec<f64>,
    pub(crate) pred: Vec<u32>,
    pub(crate) done: Vec<bool>,
    pub(crate) flag: Vec<bool>,
    pub(crate) target: Vec<bool>,
    pub(crate) remaining: usize,
    pub(crate) touched: Vec<u32>,
    pub(crate) order: Vec<u32>,
    pub(crate) heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Workspace {
    /// Buffers for a network of `n` nodes.
    pub fn new(n: usize) -> Self {
        Workspace {
            dist: vec![f64::INFINITY; n],
            pred: vec![u32::MAX; n],
            done: vec![false; n],
            flag: vec![false; n],
            target: vec![false; n],
            remaining: 0,
            touched: Vec::new(),
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }
    pub(crate) fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = f64::INFINITY;
            self.pred[v as usize] = u32::MAX;
            self.done[v as usize] = false;
            self.flag[v as usize] = false;
        }
        self.touched.clear();
        self.order.clear();
        self.heap.clear();
    }
    pub(crate) fn touch(&mut self, v: u32, d: f64, e: u32) {
        if self.dist[v as usize] == f64::INFINITY {
            self.touched.push(v);
        }
        self.dist[v as usize] = d;
        self.pred[v as usize] = e;
    }
    /// Nodes settled by the last run, in order of distance.
    pub fn settled(&self) -> &[u32] {
        &self.order
    }
    /// Distance of `v` in the last run (∞ if not reached).
    pub fn dist(&self, v: u32) -> f64 {
        self.dist[v as usize]
    }
    /// Edge by which `v` was reached in the last run (`None` for the source).
    pub fn pred_edge(&self, v: u32) -> Option<u32> {
        let e = self.pred[v as usize];
        (e != u32::MAX).then_some(e)
    }
}
