//! The spatial engine of HDBSCAN: a 2-D k-d tree over weighted points, core
//! distances by weighted k-nearest-neighbour queries, and the minimum spanning tree
//! of mutual reachability by Borůvka's algorithm with tree pruning.
//!
//! # Algorithm
//! * **Tree**: median splits on the wider side of each node's box, leaves of at most
//!   [`LEAF`] points; nodes in pre-order (a node's children follow it).
//! * **Core distance** of point `p` with weight `w(p)` (the number of input points at
//!   its coordinates): the smallest `r` such that the points within `r` of `p`,
//!   counted with their weights and `p` itself included, number at least `k`. This
//!   is scikit-learn's "distance to the k-th nearest neighbour, counting the point
//!   itself" on the expanded input; it is 0 when `w(p) >= k`.
//! * **Borůvka** (Borůvka 1926; as the hdbscan library's `boruvka_kdtree`, McInnes &
//!   Healy 2017, *Accelerated hierarchical density based clustering*, ICDMW): every
//!   round each component takes its lightest outgoing edge under mutual
//!   reachability `max(core(a), core(b), d(a, b))`, found by one tree search per
//!   point in parallel. A search skips a node when all of its points are in the
//!   searching component, or when the node's lower bound
//!   `max(core(p), min core in node, box distance)` exceeds the lightest edge the
//!   component has found so far (shared through an atomic); a point whose own core
//!   distance exceeds that bound is skipped entirely. Edges are compared by
//!   (weight, smaller id, larger id), a strict total order, so the tree is the
//!   unique minimum spanning tree under that order and does not depend on thread
//!   timing or thread count.
//!
//! Distances are `sqrt(dx² + dy²)` in f64, the expression of scikit-learn's
//! Euclidean metric, so every weight equals scikit-learn's bit for bit.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

/// Points per leaf.
const LEAF: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Node {
    lo: u32,
    hi: u32,
    /// Index of the right child; 0 for a leaf (the left child is the next node).
    right: u32,
    /// `[min x, min y, max x, max y]`.
    bbox: [f64; 4],
}

/// A k-d tree over points; point ids are their positions in the input slice.
pub(crate) struct KdTree {
    /// Coordinates in tree order.
    xy: Vec<[f64; 2]>,
    /// Input id of each tree position.
    id: Vec<u32>,
    nodes: Vec<Node>,
}

#[inline]
fn box_d2(q: [f64; 2], b: &[f64; 4]) -> f64 {
    let dx = (b[0] - q[0]).max(q[0] - b[2]).max(0.0);
    let dy = (b[1] - q[1]).max(q[1] - b[3]).max(0.0);
    dx * dx + dy * dy
}

#[inline]
fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    dx * dx + dy * dy
}

impl KdTree {
    /// Builds the tree (deterministic for a given input sequence).
    pub(crate) fn new(points: &[[f64; 2]]) -> KdTree {
        let mut id: Vec<u32> = (0..points.len() as u32).collect();
        let mut nodes = Vec::with_capacity(2 * points.len() / LEAF + 2);
        build(points, &mut id, 0, &mut nodes);
        KdTree {
            xy: id.iter().map(|&i| points[i as usize]).collect(),
            id,
            nodes,
        }
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.xy.len()
    }

    /// Core distance of every input point (input order): the distance within which
    /// the points, counted with `weight` and the point itself included, reach `k`.
    /// `k` must not exceed the total weight.
    pub(crate) fn core_distances(&self, weight: &[u32], k: u64) -> Vec<f64> {
        let w: Vec<u32> = self.id.iter().map(|&i| weight[i as usize]).collect();
        let mut out = vec![0.0; self.len()];
        let by_pos: Vec<f64> = (0..self.len())
            .into_par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(cand, stack), p| self.kth_d2(p, &w, k, cand, stack).sqrt(),
            )
            .collect();
        for (p, &i) in self.id.iter().enumerate() {
            out[i as usize] = by_pos[p];
        }
        out
    }

    /// Squared distance to the weighted k-th neighbour of tree position `q`.
    fn kth_d2(
        &self,
        q: usize,
        w: &[u32],
        k: u64,
        cand: &mut Vec<(f64, u64)>,
        stack: &mut Vec<(u32, f64)>,
    ) -> f64 {
        let p = self.xy[q];
        cand.clear();
        stack.clear();
        let mut total = 0u64;
        let mut bound = f64::INFINITY;
        stack.push((0, 0.0));
        while let Some((nd, md)) = stack.pop() {
            if md > bound {
                continue;
            }
            let node = self.nodes[nd as usize];
            if node.right == 0 {
                let span = node.lo as usize..node.hi as usize;
                for (&pt, &wv) in self.xy[span.clone()].iter().zip(&w[span]) {
                    let d = d2(p, pt);
                    // an entry at exactly the bound cannot change the k-th distance
                    if d >= bound {
                        continue;
                    }
                    let at = cand.partition_point(|c| c.0 <= d);
                    cand.insert(at, (d, wv as u64));
                    total += wv as u64;
                    while let Some(&(_, lw)) = cand.last() {
                        if total - lw >= k {
                            total -= lw;
                            cand.pop();
                        } else {
                            break;
                        }
                    }
                    if total >= k {
                        bound = cand.last().map_or(f64::INFINITY, |c| c.0);
                    }
                }
            } else {
                let (l, r) = (nd + 1, node.right);
                let dl = box_d2(p, &self.nodes[l as usize].bbox);
                let dr = box_d2(p, &self.nodes[r as usize].bbox);
                if dl <= dr {
                    stack.push((r, dr));
                    stack.push((l, dl));
                } else {
                    stack.push((l, dl));
                    stack.push((r, dr));
                }
            }
        }
        bound
    }

    /// The minimum spanning tree of mutual reachability `max(core(a), core(b), d)`
    /// as `(a, b, weight)` edges of input ids with `a < b`, in the order found.
    /// `core` is in input order.
    pub(crate) fn mst(&self, core: &[f64]) -> Vec<(u32, u32, f64)> {
        let n = self.len();
        let core_t: Vec<f64> = self.id.iter().map(|&i| core[i as usize]).collect();
        // smallest core distance per node (children follow their parent)
        let mut min_core = vec![f64::INFINITY; self.nodes.len()];
        for nd in (0..self.nodes.len()).rev() {
            let node = self.nodes[nd];
            min_core[nd] = if node.right == 0 {
                core_t[node.lo as usize..node.hi as usize]
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min)
            } else {
                min_core[nd + 1].min(min_core[node.right as usize])
            };
        }
        // components by tree position (union-find with the smallest root)
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let p = parent[parent[x as usize] as usize];
                parent[x as usize] = p;
                x = p;
            }
            x
        }
        let mut comp: Vec<u32> = (0..n as u32).collect();
        let mut node_comp = vec![u32::MAX; self.nodes.len()];
        let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(n.saturating_sub(1));
        let bounds: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(u64::MAX)).collect();
        let mut n_comp = n;
        while n_comp > 1 {
            // components of the nodes
            for nd in (0..self.nodes.len()).rev() {
                let node = self.nodes[nd];
                node_comp[nd] = if node.right == 0 {
                    let c = comp[node.lo as usize];
                    if comp[node.lo as usize..node.hi as usize]
                        .iter()
                        .all(|&x| x == c)
                    {
                        c
                    } else {
                        u32::MAX
                    }
                } else {
                    let (a, b) = (node_comp[nd + 1], node_comp[node.right as usize]);
                    if a == b {
                        a
                    } else {
                        u32::MAX
                    }
                };
            }
            bounds
                .par_iter()
                .for_each(|b| b.store(f64::INFINITY.to_bits(), Ordering::Relaxed));
            let ctx = Search {
                tree: self,
                core: &core_t,
                min_core: &min_core,
                comp: &comp,
                node_comp: &node_comp,
                bounds: &bounds,
            };
            let found: Vec<Option<Edge>> = (0..n)
                .into_par_iter()
                .map_init(Vec::new, |stack, p| ctx.lightest(p, stack))
                .collect();
            // lightest edge per component, under the total order
            let mut best: Vec<Option<Edge>> = vec![None; n];
            for (p, e) in found.into_iter().enumerate() {
                if let Some(e) = e {
                    let c = comp[p] as usize;
                    if best[c].is_none_or(|b| e.less(&b)) {
                        best[c] = Some(e);
                    }
                }
            }
            let mut added = 0usize;
            for e in best.into_iter().flatten() {
                let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
                if ra != rb {
                    let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
                    parent[hi as usize] = lo;
                    let (ia, ib) = (self.id[e.a as usize], self.id[e.b as usize]);
                    edges.push((ia.min(ib), ia.max(ib), e.w));
                    added += 1;
                }
            }
            if added == 0 {
                break; // cannot happen with finite coordinates; never loop forever
            }
            n_comp -= added;
            for (p, c) in comp.iter_mut().enumerate() {
                *c = find(&mut parent, p as u32);
            }
        }
        edges
    }
}

/// An edge between tree positions `a` and `b` with mutual reachability `w`;
/// ordered by `(w, min id, max id)`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    w: f64,
    a: u32,
    b: u32,
    key: (u32, u32),
}

impl Edge {
    #[inline]
    fn less(&self, o: &Edge) -> bool {
        match self.w.total_cmp(&o.w) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => self.key < o.key,
        }
    }
}

struct Search<'a> {
    tree: &'a KdTree,
    core: &'a [f64],
    min_core: &'a [f64],
    comp: &'a [u32],
    node_comp: &'a [u32],
    bounds: &'a [AtomicU64],
}

impl Search<'_> {
    /// The lightest edge from tree position `p` to another component, if it can be
    /// the lightest of `p`'s component (`None` when pruned by the component bound).
    fn lightest(&self, p: usize, stack: &mut Vec<(u32, f64)>) -> Option<Edge> {
        let t = self.tree;
        let cp = self.comp[p];
        let shared = &self.bounds[cp as usize];
        let cbound = |_: ()| f64::from_bits(shared.load(Ordering::Relaxed));
        let core_p = self.core[p];
        if core_p > cbound(()) {
            return None;
        }
        let q = t.xy[p];
        let id_p = t.id[p];
        let mut best: Option<Edge> = None;
        let mut bound = cbound(());
        stack.clear();
        stack.push((0, core_p));
        while let Some((nd, lb)) = stack.pop() {
            if lb > bound {
                continue;
            }
            let ndu = nd as usize;
            if self.node_comp[ndu] == cp {
                continue;
            }
            let node = t.nodes[ndu];
            if node.right == 0 {
                for v in node.lo as usize..node.hi as usize {
                    if self.comp[v] == cp {
                        continue;
                    }
                    let cc = core_p.max(self.core[v]);
                    if cc > bound {
                        continue;
                    }
                    let w = cc.max(d2(q, t.xy[v]).sqrt());
                    if w > bound {
                        continue;
                    }
                    let id_v = t.id[v];
                    let e = Edge {
                        w,
                        a: p as u32,
                        b: v as u32,
                        key: (id_p.min(id_v), id_p.max(id_v)),
                    };
                    if best.is_none_or(|b| e.less(&b)) {
                        best = Some(e);
                        bound = bound.min(w);
                    }
                }
                bound = bound.min(cbound(()));
            } else {
                let (l, r) = (nd + 1, node.right);
                let lb_of = |c: u32| {
                    let c = c as usize;
                    core_p
                        .max(self.min_core[c])
                        .max(box_d2(q, &t.nodes[c].bbox).sqrt())
                };
                let (ll, lr) = (lb_of(l), lb_of(r));
                if ll <= lr {
                    stack.push((r, lr));
                    stack.push((l, ll));
                } else {
                    stack.push((l, ll));
                    stack.push((r, lr));
                }
            }
        }
        if let Some(e) = best {
            // weights are >= 0, so their bit patterns order like the numbers
            shared.fetch_min(e.w.to_bits(), Ordering::Relaxed);
        }
        best
    }
}

/// Recursive median build over `id[..]` (input ids), pushing nodes in pre-order.
fn build(points: &[[f64; 2]], id: &mut [u32], offset: usize, nodes: &mut Vec<Node>) -> u32 {
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &i in id.iter() {
        let p = points[i as usize];
        bbox = [
            bbox[0].min(p[0]),
            bbox[1].min(p[1]),
            bbox[2].max(p[0]),
            bbox[3].max(p[1]),
        ];
    }
    let me = nodes.len() as u32;
    nodes.push(Node {
        lo: offset as u32,
        hi: (offset + id.len()) as u32,
        right: 0,
        bbox,
    });
    if id.len() > LEAF {
        let dim = usize::from(bbox[3] - bbox[1] > bbox[2] - bbox[0]);
        let mid = id.len() / 2;
        id.select_nth_unstable_by(mid, |&a, &b| {
            points[a as usize][dim]
                .total_cmp(&points[b as usize][dim])
                .then(a.cmp(&b))
        });
        let (left, right) = id.split_at_mut(mid);
        build(points, left, offset, nodes);
        let r = build(points, right, offset + mid, nodes);
        nodes[me as usize].right = r;
    }
    me
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn mrd(xy: &[[f64; 2]], core: &[f64], a: usize, b: usize) -> f64 {
        core[a].max(core[b]).max(d2(xy[a], xy[b]).sqrt())
    }

    /// Prim on the full graph with the same total order (weight, min id, max id).
    fn prim_total_order(xy: &[[f64; 2]], core: &[f64]) -> Vec<(u32, u32, f64)> {
        let n = xy.len();
        let mut inside = vec![false; n];
        inside[0] = true;
        let mut out = Vec::new();
        for _ in 1..n {
            let mut best: Option<(f64, u32, u32)> = None;
            for a in (0..n).filter(|&a| inside[a]) {
                for b in (0..n).filter(|&b| !inside[b]) {
                    let e = (mrd(xy, core, a, b), a.min(b) as u32, a.max(b) as u32);
                    if best.is_none_or(|x| {
                        e.0.total_cmp(&x.0)
                            .then((e.1, e.2).cmp(&(x.1, x.2)))
                            .is_lt()
                    }) {
                        best = Some(e);
                    }
                }
            }
            let (w, a, b) = best.unwrap();
            inside[a as usize] = true;
            inside[b as usize] = true;
            out.push((a, b, w));
        }
        out.sort_by(|x, y| x.2.total_cmp(&y.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        out
    }

    fn brute_core(xy: &[[f64; 2]], w: &[u32], k: u64) -> Vec<f64> {
        (0..xy.len())
            .map(|i| {
                let mut d: Vec<(f64, u64)> = (0..xy.len())
                    .map(|j| (d2(xy[i], xy[j]).sqrt(), w[j] as u64))
                    .collect();
                d.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0;
                for (dist, wt) in d {
                    acc += wt;
                    if acc >= k {
                        return dist;
                    }
                }
                f64::INFINITY
            })
            .collect()
    }

    #[test]
    fn core_distances_equal_brute_force_with_weights() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for case in 0..10 {
            let n = 30 + 40 * case;
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    // a coarse lattice makes many equal distances
                    [
                        rng.random_range(0..30) as f64,
                        rng.random_range(0..30) as f64,
                    ]
                })
                .collect();
            let w: Vec<u32> = (0..n).map(|_| rng.random_range(1..4)).collect();
            let tree = KdTree::new(&xy);
            for k in [1u64, 2, 5, 17] {
                assert_eq!(
                    tree.core_distances(&w, k),
                    brute_core(&xy, &w, k),
                    "case {case} k {k}"
                );
            }
        }
    }

    #[test]
    fn mst_equals_prim_under_the_same_total_order() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for case in 0..12 {
            let n = 20 + 25 * case;
            let xy: Vec<[f64; 2]> = (0..n)
                .map(|i| {
                    if case % 2 == 0 {
                        [rng.random_range(0.0..100.0), rng.random_range(0.0..100.0)]
                    } else {
                        // integer lattice: many ties
                        [
                            (i % 7) as f64 + rng.random_range(0..3) as f64 * 10.0,
                            (i / 7) as f64,
                        ]
                    }
                })
                .collect();
            let tree = KdTree::new(&xy);
            let w = vec![1u32; n];
            for k in [1u64, 3, 6] {
                let core = tree.core_distances(&w, k);
                let mut got = tree.mst(&core);
                got.sort_by(|x, y| x.2.total_cmp(&y.2).then((x.0, x.1).cmp(&(y.0, y.1))));
                assert_eq!(got, prim_total_order(&xy, &core), "case {case} k {k}");
            }
        }
    }

    #[test]
    fn mst_does_not_depend_on_thread_count() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let xy: Vec<[f64; 2]> = (0..4000)
            .map(|_| {
                [
                    rng.random_range(0..200) as f64,
                    rng.random_range(0..200) as f64,
                ]
            })
            .collect();
        let tree = KdTree::new(&xy);
        let core = tree.core_distances(&vec![1; xy.len()], 5);
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| tree.mst(&core))
        };
        assert_eq!(run(1), run(4));
    }
}
