//! HDBSCAN (Campello, Moulavi & Sander 2013; McInnes & Healy 2017) following
//! scikit-learn's `sklearn.cluster.HDBSCAN` step by step.
//!
//! # Algorithm (scikit-learn 1.3+ semantics, `algorithm='auto'` on 2-D data)
//! 1. **Core distance** of a point = distance to its `min_samples`-th nearest
//!    neighbour **counting the point itself** (`min_samples` defaults to
//!    `min_cluster_size`). The `hdbscan` library counts without self: its
//!    `min_samples = m` equals `m + 1` here.
//! 2. **Mutual reachability** `max(core(a), core(b), d(a, b))`.
//! 3. **Minimum spanning tree** by scikit-learn's Prim on the data matrix
//!    (`mst_from_data_matrix`): start at point 0; at each step add the outside
//!    point with the smallest current reachability, **lowest index on ties**.
//!    `O(n²)` time, `O(n)` memory (as scikit-learn's default).
//! 4. Edges sorted by weight (**stable** sort; scikit-learn uses numpy's unstable
//!    `argsort`, so equal weights may be merged in another order — the documented
//!    source of tie differences), single-linkage tree by union–find.
//! 5. **Condensed tree** with `min_cluster_size`, `λ = 1 / distance`;
//!    **stability** `Σ (λ_p − λ_birth) · size`; **excess of mass** selection
//!    (a parent is kept when its stability is `>=` the sum of its children's,
//!    the root never unless it is the only choice — `allow_single_cluster=False`).
//! 6. A point's label is the selected cluster that is its nearest ancestor in the
//!    condensed tree; otherwise noise. Clusters are numbered by condensed-tree id.
//!
//! Differences from scikit-learn can arise only through ties between equal
//! mutual-reachability distances (scikit-learn's own labels change under row
//! permutations for the same reason: ARI 0.995 on the golden input A).

use rayon::prelude::*;
use serde::Serialize;

use super::dbscan::Clustering;
use crate::error::{Error, Result};
use crate::index::PointIndex;

/// Parameters of [`hdbscan`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HdbscanParams {
    /// Smallest cluster (≥ 2).
    pub min_cluster_size: usize,
    /// Neighbour count of the core distance, counting the point itself
    /// (scikit-learn's convention); `None` = `min_cluster_size`.
    pub min_samples: Option<usize>,
}

impl HdbscanParams {
    /// `min_cluster_size`, `min_samples = min_cluster_size`.
    pub fn new(min_cluster_size: usize) -> Self {
        HdbscanParams {
            min_cluster_size,
            min_samples: None,
        }
    }
    /// Sets `min_samples` (counting the point itself).
    pub fn min_samples(mut self, m: usize) -> Self {
        self.min_samples = Some(m);
        self
    }
}

#[derive(Debug, Clone, Copy)]
struct Merge {
    left: usize,
    right: usize,
    value: f64,
    size: usize,
}

#[derive(Debug, Clone, Copy)]
struct Condensed {
    parent: usize,
    child: usize,
    lambda: f64,
    size: usize,
}

fn prim_mst(xy: &[[f64; 2]], core: &[f64]) -> Vec<(usize, usize, f64)> {
    let n = xy.len();
    let mut in_tree = vec![false; n];
    let mut min_reach = vec![f64::INFINITY; n];
    let mut source = vec![0usize; n];
    let mut mst = Vec::with_capacity(n.saturating_sub(1));
    let mut current = 0usize;
    for _ in 0..n.saturating_sub(1) {
        in_tree[current] = true;
        let (cp, cc) = (xy[current], core[current]);
        let mut best = (f64::INFINITY, usize::MAX);
        for j in 0..n {
            if in_tree[j] {
                continue;
            }
            let d = ((cp[0] - xy[j][0]).powi(2) + (cp[1] - xy[j][1]).powi(2)).sqrt();
            let mrd = cc.max(core[j]).max(d);
            if mrd < min_reach[j] {
                min_reach[j] = mrd;
                source[j] = current;
            }
            if min_reach[j] < best.0 {
                best = (min_reach[j], j);
            }
        }
        let j = if best.1 == usize::MAX {
            // all remaining at infinite reachability (cannot happen with finite data)
            (0..n).find(|&k| !in_tree[k]).unwrap_or(0)
        } else {
            best.1
        };
        mst.push((source[j], j, min_reach[j]));
        current = j;
    }
    mst
}

fn single_linkage(n: usize, mut mst: Vec<(usize, usize, f64)>) -> Vec<Merge> {
    mst.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..2 * n).collect();
    let mut size: Vec<usize> = vec![1; 2 * n];
    let mut next = n;
    let find = |parent: &mut Vec<usize>, mut x: usize| {
        let mut r = x;
        while parent[r] != r {
            r = parent[r];
        }
        while parent[x] != r {
            let p = parent[x];
            parent[x] = r;
            x = p;
        }
        r
    };
    let mut out = Vec::with_capacity(mst.len());
    for (a, b, d) in mst {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        out.push(Merge {
            left: ra,
            right: rb,
            value: d,
            size: size[ra] + size[rb],
        });
        parent[ra] = next;
        parent[rb] = next;
        size[next] = size[ra] + size[rb];
        next += 1;
    }
    out
}

fn bfs(h: &[Merge], root: usize, n: usize) -> Vec<usize> {
    let mut result = Vec::new();
    let mut queue = vec![root];
    while !queue.is_empty() {
        result.extend_from_slice(&queue);
        let mut next = Vec::new();
        for &x in &queue {
            if x >= n {
                next.push(h[x - n].left);
                next.push(h[x - n].right);
            }
        }
        queue = next;
    }
    result
}

fn condense(h: &[Merge], n: usize, mcs: usize) -> Vec<Condensed> {
    let root = 2 * h.len();
    let mut next_label = n + 1;
    let mut relabel = vec![0usize; root + 1];
    relabel[root] = n;
    let mut ignore = vec![false; root + 1];
    let mut out = Vec::new();
    let count = |x: usize| if x >= n { h[x - n].size } else { 1 };
    for node in bfs(h, root, n) {
        if ignore[node] || node < n {
            continue;
        }
        let m = h[node - n];
        let lambda = if m.value > 0.0 {
            1.0 / m.value
        } else {
            f64::INFINITY
        };
        let (lc, rc) = (count(m.left), count(m.right));
        let pl = relabel[node];
        let fall_out = |sub: usize, out: &mut Vec<Condensed>, ignore: &mut Vec<bool>| {
            for s in bfs(h, sub, n) {
                if s < n {
                    out.push(Condensed {
                        parent: pl,
                        child: s,
                        lambda,
                        size: 1,
                    });
                }
                ignore[s] = true;
            }
        };
        if lc >= mcs && rc >= mcs {
            relabel[m.left] = next_label;
            next_label += 1;
            out.push(Condensed {
                parent: relabel[node],
                child: relabel[m.left],
                lambda,
                size: lc,
            });
            relabel[m.right] = next_label;
            next_label += 1;
            out.push(Condensed {
                parent: relabel[node],
                child: relabel[m.right],
                lambda,
                size: rc,
            });
        } else if lc < mcs && rc < mcs {
            fall_out(m.left, &mut out, &mut ignore);
            fall_out(m.right, &mut out, &mut ignore);
        } else if lc < mcs {
            relabel[m.right] = relabel[node];
            fall_out(m.left, &mut out, &mut ignore);
        } else {
            relabel[m.left] = relabel[node];
            fall_out(m.right, &mut out, &mut ignore);
        }
    }
    out
}

fn select_and_label(tree: &[Condensed], n: usize) -> (Vec<Option<usize>>, usize) {
    let root = n;
    let max_id = tree
        .iter()
        .map(|e| e.parent.max(e.child))
        .max()
        .unwrap_or(root);
    let mut birth = vec![0.0f64; max_id + 1];
    let mut cluster_parent = vec![usize::MAX; max_id + 1];
    for e in tree.iter().filter(|e| e.child >= n) {
        birth[e.child] = e.lambda;
        cluster_parent[e.child] = e.parent;
    }
    birth[root] = 0.0;
    let mut stability = vec![0.0f64; max_id + 1];
    for e in tree {
        stability[e.parent] += (e.lambda - birth[e.parent]) * e.size as f64;
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); max_id + 1];
    for e in tree.iter().filter(|e| e.size > 1) {
        children[e.parent].push(e.child);
    }
    let mut selected = vec![false; max_id + 1];
    // clusters in descending id order, root excluded
    for node in (root + 1..=max_id).rev() {
        let sub: f64 = children[node].iter().map(|&c| stability[c]).sum();
        if sub > stability[node] {
            stability[node] = sub;
        } else {
            selected[node] = true;
            // deselect every descendant cluster
            let mut stack = children[node].clone();
            while let Some(c) = stack.pop() {
                selected[c] = false;
                stack.extend_from_slice(&children[c]);
            }
        }
    }
    let ids: Vec<usize> = (root + 1..=max_id).filter(|&c| selected[c]).collect();
    let mut label_of = vec![usize::MAX; max_id + 1];
    for (k, &c) in ids.iter().enumerate() {
        label_of[c] = k;
    }
    let mut labels = vec![None; n];
    for e in tree.iter().filter(|e| e.child < n) {
        let mut c = e.parent;
        while c != root && c != usize::MAX && !selected[c] {
            c = cluster_parent[c];
        }
        if c != root && c != usize::MAX {
            labels[e.child] = Some(label_of[c]);
        }
    }
    (labels, ids.len())
}

/// HDBSCAN labels of points (metres), scikit-learn semantics (see the module docs).
/// `core` of the result is always `false` (HDBSCAN has no core points).
///
/// # Examples
/// ```
/// use crimescape::cluster::{hdbscan, HdbscanParams};
/// let mut pts = Vec::new();
/// for i in 0..20 {
///     pts.push([(i % 5) as f64, (i / 5) as f64]);          // blob A
///     pts.push([100.0 + (i % 5) as f64, (i / 5) as f64]);  // blob B
/// }
/// let c = hdbscan(&pts, &HdbscanParams::new(5)).unwrap();
/// assert_eq!(c.n_clusters, 2);
/// assert_ne!(c.labels[0], c.labels[1]);
/// ```
pub fn hdbscan(xy: &[[f64; 2]], p: &HdbscanParams) -> Result<Clustering> {
    if p.min_cluster_size < 2 {
        return Err(Error::Param("HDBSCAN min_cluster_size must be >= 2".into()));
    }
    let ms = p.min_samples.unwrap_or(p.min_cluster_size);
    if ms == 0 {
        return Err(Error::Param("HDBSCAN min_samples must be >= 1".into()));
    }
    if let Some(i) = xy
        .iter()
        .position(|q| !(q[0].is_finite() && q[1].is_finite()))
    {
        return Err(Error::Data(format!(
            "point {i} has a non-finite coordinate"
        )));
    }
    let n = xy.len();
    if n < 2 {
        return Ok(Clustering {
            labels: vec![None; n],
            core: vec![false; n],
            n_clusters: 0,
        });
    }
    if ms > n {
        return Err(Error::Data(format!(
            "HDBSCAN min_samples {ms} exceeds the number of points {n}"
        )));
    }
    let idx = PointIndex::new(xy);
    let core: Vec<f64> = xy
        .par_iter()
        .map(|q| idx.k_nearest(*q, ms).last().map_or(0.0, |x| x.1))
        .collect();
    let mst = prim_mst(xy, &core);
    let h = single_linkage(n, mst);
    let tree = condense(&h, n, p.min_cluster_size);
    let (labels, n_clusters) = select_and_label(&tree, n);
    Ok(Clustering {
        labels,
        core: vec![false; n],
        n_clusters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdbscan_degenerate_inputs() {
        let p = HdbscanParams::new(3);
        assert_eq!(hdbscan(&[], &p).unwrap().n_clusters, 0);
        assert_eq!(hdbscan(&[[1.0, 1.0]], &p).unwrap().labels, vec![None]);
        assert!(hdbscan(&[[0.0, 0.0], [1.0, 1.0]], &p).is_err()); // min_samples > n
        let same = vec![[2.0, 2.0]; 10];
        let c = hdbscan(&same, &p).unwrap();
        assert_eq!(c.labels.len(), 10);
        let line: Vec<[f64; 2]> = (0..30).map(|i| [i as f64, 0.0]).collect();
        assert!(hdbscan(&line, &p).is_ok());
        assert!(hdbscan(&line, &HdbscanParams::new(1)).is_err());
    }

    #[test]
    fn hdbscan_three_blobs_and_noise() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut pts = Vec::new();
        for c in [[0.0, 0.0], [500.0, 0.0], [0.0, 500.0]] {
            for _ in 0..60 {
                pts.push([
                    c[0] + rng.random_range(-20.0..20.0),
                    c[1] + rng.random_range(-20.0..20.0),
                ]);
            }
        }
        for _ in 0..20 {
            pts.push([
                rng.random_range(-1000.0..1500.0),
                rng.random_range(-1000.0..1500.0),
            ]);
        }
        let c = hdbscan(&pts, &HdbscanParams::new(15)).unwrap();
        assert_eq!(c.n_clusters, 3);
        for b in 0..3 {
            let l = c.labels[b * 60];
            assert!(l.is_some());
            let same = (b * 60..(b + 1) * 60).filter(|&i| c.labels[i] == l).count();
            assert!(same >= 55, "blob {b}: {same}");
        }
    }
}
