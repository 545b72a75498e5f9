//! The exact audit of a suppressed table: the feasible interval of each suppressed
//! cell as a maximum flow (Edmonds–Karp) through the other suppressed cells, and the
//! primary cells it exposes (see the [module docs](super)).

use super::*;

pub(super) const INF: i64 = i64::MAX / 4;

pub(super) struct Audit<'a> {
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) ext: &'a [u64],
    pub(super) k: u64,
    pub(super) publish_zeros: bool,
}

impl<'a> Audit<'a> {
    pub(super) fn new(table: &CountTable, ext: &'a [u64], k: u32, publish_zeros: bool) -> Self {
        Audit {
            rows: table.rows,
            cols: table.cols,
            ext,
            k: u64::from(k),
            publish_zeros,
        }
    }

    /// The outcome once suppression is over: the final `status` audited once more.
    pub(super) fn outcome(
        &self,
        status: Vec<CellStatus>,
        primary: usize,
        complementary: usize,
    ) -> TableSuppression {
        let exposed = self.all_exposed(&status);
        TableSuppression {
            k: self.k as u32,
            rows: self.rows,
            cols: self.cols,
            status,
            primary,
            complementary,
            exposed,
        }
    }

    /// What a label tells: the bounds `[lo, hi]` an attacker knows for a cell.
    pub(super) fn label_bounds(&self, s: CellStatus) -> (i64, i64) {
        match s {
            CellStatus::Primary => (if self.publish_zeros { 1 } else { 0 }, self.k as i64 - 1),
            CellStatus::Complementary => (self.k as i64, INF),
            CellStatus::NotPublished => (0, INF),
            CellStatus::Published => (0, 0),
        }
    }

    pub(super) fn graph(&self, status: &[CellStatus]) -> Flow {
        let (r, c) = (self.rows, self.cols);
        let w = c + 1;
        let mut g = Flow::new(r + 1 + c + 1);
        for i in 0..=r {
            for j in 0..=c {
                let idx = i * w + j;
                let s = status[idx];
                if !s.suppressed() {
                    continue;
                }
                let v = self.ext[idx].min(INF as u64) as i64;
                let (lo, hi) = self.label_bounds(s);
                let up = if hi >= INF { INF } else { (hi - v).max(0) };
                let down = (v - lo).max(0);
                let (rn, cn) = (i, r + 1 + j);
                let plus = (i < r) == (j < c); // interior and grand total
                if plus {
                    g.add(idx, rn, cn, up);
                    g.add(idx, cn, rn, down);
                } else {
                    g.add(idx, cn, rn, up);
                    g.add(idx, rn, cn, down);
                }
            }
        }
        g
    }

    /// The feasible interval of suppressed cell `idx`.
    pub(super) fn interval(&self, g: &mut Flow, status: &[CellStatus], idx: usize) -> (u64, u64) {
        let (r, c) = (self.rows, self.cols);
        let (i, j) = (idx / (c + 1), idx % (c + 1));
        let v = self.ext[idx].min(INF as u64) as i64;
        let (lo, hi) = self.label_bounds(status[idx]);
        let up_cap = if hi >= INF { INF } else { (hi - v).max(0) };
        let down_cap = (v - lo).max(0);
        let (rn, cn) = (i, r + 1 + j);
        let plus = (i < r) == (j < c);
        let (inc_from, inc_to) = if plus { (cn, rn) } else { (rn, cn) };
        let up = g.max_flow(inc_from, inc_to, idx, up_cap);
        let down = g.max_flow(inc_to, inc_from, idx, down_cap);
        let lo_v = (v - down) as u64;
        let hi_v = if up >= INF { u64::MAX } else { (v + up) as u64 };
        (lo_v, hi_v)
    }

    pub(super) fn exposure(
        &self,
        g: &mut Flow,
        status: &[CellStatus],
        idx: usize,
    ) -> Option<Exposure> {
        if status[idx] != CellStatus::Primary {
            return None;
        }
        let (lo, hi) = self.label_bounds(CellStatus::Primary);
        if lo == hi {
            return None; // the label itself says the value (k = 2)
        }
        let (a, b) = self.interval(g, status, idx);
        (a == b).then(|| Exposure {
            row: idx / (self.cols + 1),
            col: idx % (self.cols + 1),
            value: self.ext[idx],
            lo: a,
            hi: b,
        })
    }

    pub(super) fn first_exposed(&self, status: &[CellStatus]) -> Option<Exposure> {
        let mut g = self.graph(status);
        (0..status.len()).find_map(|idx| self.exposure(&mut g, status, idx))
    }

    pub(super) fn all_exposed(&self, status: &[CellStatus]) -> Vec<Exposure> {
        let mut g = self.graph(status);
        (0..status.len())
            .filter_map(|idx| self.exposure(&mut g, status, idx))
            .collect()
    }
}

/// A small max-flow network (Edmonds–Karp on an edge list).
pub(super) struct Flow {
    n: usize,
    to: Vec<usize>,
    cap: Vec<i64>,
    owner: Vec<usize>,
    adj: Vec<Vec<usize>>,
}

impl Flow {
    pub(super) fn new(n: usize) -> Flow {
        Flow {
            n,
            to: Vec::new(),
            cap: Vec::new(),
            owner: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }

    /// Adds `from → to` with capacity `cap` (and its zero-capacity reverse).
    pub(super) fn add(&mut self, owner: usize, from: usize, to: usize, cap: i64) {
        self.adj[from].push(self.to.len());
        self.to.push(to);
        self.cap.push(cap);
        self.owner.push(owner);
        self.adj[to].push(self.to.len());
        self.to.push(from);
        self.cap.push(0);
        self.owner.push(owner);
    }

    /// Maximum flow from `s` to `t` ignoring the edges of cell `skip`, stopping at
    /// `limit`. The network's capacities are left unchanged.
    pub(super) fn max_flow(&mut self, s: usize, t: usize, skip: usize, limit: i64) -> i64 {
        if limit <= 0 || s == t {
            return 0;
        }
        let mut cap = self.cap.clone();
        let mut total = 0i64;
        let mut prev = vec![usize::MAX; self.n];
        while total < limit {
            prev.iter_mut().for_each(|p| *p = usize::MAX);
            let mut q = VecDeque::from([s]);
            let mut seen = vec![false; self.n];
            seen[s] = true;
            while let Some(u) = q.pop_front() {
                if u == t {
                    break;
                }
                for &e in &self.adj[u] {
                    let v = self.to[e];
                    if !seen[v] && cap[e] > 0 && self.owner[e] != skip {
                        seen[v] = true;
                        prev[v] = e;
                        q.push_back(v);
                    }
                }
            }
            if !seen[t] {
                break;
            }
            let mut push = limit - total;
            let mut v = t;
            while v != s {
                let e = prev[v];
                push = push.min(cap[e]);
                v = self.to[e ^ 1];
            }
            let mut v = t;
            while v != s {
                let e = prev[v];
                cap[e] -= push;
                cap[e ^ 1] = cap[e ^ 1].saturating_add(push).min(INF);
                v = self.to[e ^ 1];
            }
            total = total.saturating_add(push);
        }
        total.min(limit)
    }
}
