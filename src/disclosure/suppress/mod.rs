//! Small-count suppression with complementary suppression, and its audit.
//!
//! # Algorithm
//! *Primary suppression* (the threshold rule, Hundepool et al. 2012 §4.2): every
//! published count `0 < n < k` — interior cells *and* margins — is suppressed and
//! shown as `"<k"`. True zeros are published by default: a cell without incidents
//! identifies no victim, and planners need to see where crime is absent (with
//! `publish_zeros = false` zeros are suppressed as `"<k"` too).
//!
//! *Complementary (secondary) suppression*: a greedy heuristic in the spirit of Cox
//! (1980) and Hundepool et al. (2012) §4.3, driven by an exact audit. While the
//! audit finds a primary cell whose value can be recovered, one more published
//! non-zero cell in the exposed cell's row or column (margins included) is suppressed
//! and shown as `"x"`: preferring a cell whose other line already holds a suppressed
//! cell (it closes a cycle), then interior cells before margins, then the smallest
//! count, then the first in row-major order. The loop ends when the audit finds
//! nothing (it always does: in the worst case every cell is suppressed). Greedy
//! suppression is not optimal (the hypercube method or an integer program suppress
//! less), but it is simple, deterministic and audited.
//!
//! # Audit
//! An attacker knows every published count, every published margin, that counts are
//! non-negative integers, and what the labels say: a `"<k"` cell holds `1..=k-1`
//! (`0..=k-1` when zeros are not published) and an `"x"` cell holds at least `k`
//! (every smaller non-zero count is primary). A margin the table does not publish is
//! only known to be `≥ 0`. The feasible interval of each suppressed cell under these
//! constraints is computed exactly: in a two-way table with margins the changes of the
//! suppressed cells that keep every row and column sum form a circulation on the
//! bipartite graph of rows and columns (Cox 1980; Gusfield 1988, "A graph theoretic
//! approach to statistical data security", *SIAM J. Comput.* 17), so the largest
//! increase (decrease) of a cell is a maximum flow (Edmonds–Karp) between its row and
//! its column through the other suppressed cells, whose capacities are the room their
//! bounds leave. A primary cell is **exposed** when its feasible interval is a single
//! value while its label admits several (for k = 2 the label `"<2"` itself says 1).
//!
//! For a grid of cells with a published area total ([`suppress_cells`]) the single
//! constraint gives the same bounds in closed form, in O(n).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

mod cells;
mod lines;

pub use cells::{suppress_cells, CellSuppression};
#[cfg(test)]
use lines::primary_bridges;
pub use lines::suppress_table_lines;

/// What happens to one cell of a published table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// Published as is.
    Published,
    /// Suppressed because `0 < n < k` (shown `"<k"`).
    Primary,
    /// Suppressed so that a primary cell cannot be recovered (shown `"x"`).
    Complementary,
    /// A margin the table does not publish.
    NotPublished,
}

impl CellStatus {
    /// The label replacing the value, `None` when the value is published.
    pub fn label(self, k: u32) -> Option<String> {
        match self {
            CellStatus::Published => None,
            CellStatus::Primary => Some(format!("<{k}")),
            CellStatus::Complementary => Some("x".to_string()),
            CellStatus::NotPublished => Some(String::new()),
        }
    }

    fn suppressed(self) -> bool {
        !matches!(self, CellStatus::Published)
    }
}

/// A two-way table of counts with the margins it publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountTable {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Counts, row-major (`values[i * cols + j]`).
    pub values: Vec<u64>,
    /// Whether the row totals are published.
    pub row_totals: bool,
    /// Whether the column totals are published.
    pub col_totals: bool,
    /// Whether the grand total is published.
    pub grand_total: bool,
}

impl CountTable {
    /// A table publishing all its margins.
    pub fn new(rows: usize, cols: usize, values: Vec<u64>) -> Result<CountTable> {
        if values.len() != rows * cols {
            return Err(Error::invalid(
                "count table",
                "values",
                values.len(),
                format!("expected rows × cols = {} values", rows * cols),
            ));
        }
        Ok(CountTable {
            rows,
            cols,
            values,
            row_totals: true,
            col_totals: true,
            grand_total: true,
        })
    }

    /// Sets which margins are published.
    pub fn margins(mut self, row_totals: bool, col_totals: bool, grand_total: bool) -> Self {
        self.row_totals = row_totals;
        self.col_totals = col_totals;
        self.grand_total = grand_total;
        self
    }

    /// The extended table: `(rows + 1) × (cols + 1)`, row totals in the last column,
    /// column totals in the last row, the grand total in the corner.
    fn extended(&self) -> Vec<u64> {
        let (r, c) = (self.rows, self.cols);
        let w = c + 1;
        let mut e = vec![0u64; (r + 1) * w];
        for i in 0..r {
            for j in 0..c {
                let v = self.values[i * c + j];
                e[i * w + j] = v;
                e[i * w + c] += v;
                e[r * w + j] += v;
                e[r * w + c] += v;
            }
        }
        e
    }
}

/// A cell of the extended table whose suppressed value can be recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// Row in the extended table (`rows` = the column-totals row).
    pub row: usize,
    /// Column in the extended table (`cols` = the row-totals column).
    pub col: usize,
    /// The true value.
    pub value: u64,
    /// Smallest value consistent with everything published.
    pub lo: u64,
    /// Largest value consistent with everything published (`u64::MAX`: unbounded).
    pub hi: u64,
}

/// The outcome of [`suppress_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSuppression {
    /// The minimum count.
    pub k: u32,
    /// Rows of the table (the extended table has one more).
    pub rows: usize,
    /// Columns of the table (the extended table has one more).
    pub cols: usize,
    /// Status of each cell of the extended table, row-major, `(rows + 1) × (cols + 1)`:
    /// row totals in the last column, column totals in the last row.
    pub status: Vec<CellStatus>,
    /// Number of primary suppressions.
    pub primary: usize,
    /// Number of complementary suppressions.
    pub complementary: usize,
    /// Cells still exposed. Empty unless every non-zero count is already suppressed
    /// and the labels alone pin a value (e.g. a table whose counts are all small and
    /// whose grand total is below 2(k − 1)): the caller must then withhold the table.
    pub exposed: Vec<Exposure>,
}

impl TableSuppression {
    /// Status of interior cell `(i, j)`.
    pub fn cell(&self, i: usize, j: usize) -> CellStatus {
        self.status[i * (self.cols + 1) + j]
    }
    /// Status of row total `i`.
    pub fn row_total(&self, i: usize) -> CellStatus {
        self.status[i * (self.cols + 1) + self.cols]
    }
    /// Status of column total `j`.
    pub fn col_total(&self, j: usize) -> CellStatus {
        self.status[self.rows * (self.cols + 1) + j]
    }
    /// Status of the grand total.
    pub fn grand_total(&self) -> CellStatus {
        self.status[self.status.len() - 1]
    }
}

/// The checked set-up of [`suppress_table`] and [`suppress_table_lines`]: the
/// extended table (interior cells, row totals, column totals, grand total; row-major,
/// `cols + 1` wide) and each cell's first status — not published (a margin the table
/// does not publish), primary (`0 < v < k`, or a zero when zeros are not published)
/// or published.
fn primary_statuses(
    table: &CountTable,
    k: u32,
    publish_zeros: bool,
) -> Result<(Vec<u64>, Vec<CellStatus>)> {
    check_k(k)?;
    let (r, c) = (table.rows, table.cols);
    if table.values.len() != r * c {
        return Err(Error::invalid(
            "count table",
            "values",
            table.values.len(),
            format!("expected rows × cols = {} values", r * c),
        ));
    }
    let w = c + 1;
    let ext = table.extended();
    let mut status = vec![CellStatus::Published; (r + 1) * w];
    for i in 0..=r {
        for j in 0..=c {
            let idx = i * w + j;
            let published = match (i == r, j == c) {
                (false, false) => true,
                (false, true) => table.row_totals,
                (true, false) => table.col_totals,
                (true, true) => table.grand_total,
            };
            let v = ext[idx];
            status[idx] = if !published {
                CellStatus::NotPublished
            } else if v < k as u64 && (v > 0 || !publish_zeros) {
                CellStatus::Primary
            } else {
                CellStatus::Published
            };
        }
    }
    Ok((ext, status))
}

/// Suppresses counts `0 < n < k` of a two-way table and the complementary cells
/// needed so that no suppressed count can be recovered from the published margins
/// (see the module docs for the algorithm and the audit).
///
/// Cost: each audit solves two small maximum-flow problems per suppressed cell;
/// meant for tables of categories × periods or areas (up to a few thousand cells).
/// For a grid of cells with an area total use [`suppress_cells`].
///
/// ```
/// use crimescape::{audit_table, suppress_table, CellStatus, CountTable};
/// let t = CountTable::new(2, 3, vec![1, 5, 7, 4, 6, 9])?;
/// let s = suppress_table(&t, 3, true)?;
/// assert_eq!(s.cell(0, 0), CellStatus::Primary);
/// assert!(s.complementary >= 3); // one more in row 0, in column 0, and (1, 1) or (1, 2)
/// assert!(audit_table(&t, &s.status, 3, true)?.is_empty());
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn suppress_table(table: &CountTable, k: u32, publish_zeros: bool) -> Result<TableSuppression> {
    let (ext, mut status) = primary_statuses(table, k, publish_zeros)?;
    let primary = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let mut complementary = 0;
    let audit = Audit::new(table, &ext, k, publish_zeros);
    while let Some(e) = audit.first_exposed(&status) {
        let picks = pick_complement(&audit, &status, e.row, e.col);
        if picks.is_empty() {
            break;
        }
        for p in picks {
            status[p] = CellStatus::Complementary;
            complementary += 1;
        }
    }
    Ok(audit.outcome(status, primary, complementary))
}

/// Checks a published table: returns every suppressed primary cell whose value can
/// be recovered exactly from what is published (`status` over the extended table as
/// in [`TableSuppression::status`]). An empty result means the table is safe against
/// recovery from its margins.
pub fn audit_table(
    table: &CountTable,
    status: &[CellStatus],
    k: u32,
    publish_zeros: bool,
) -> Result<Vec<Exposure>> {
    check_k(k)?;
    if status.len() != (table.rows + 1) * (table.cols + 1) {
        return Err(Error::invalid(
            "table audit",
            "status",
            status.len(),
            "expected (rows + 1) × (cols + 1) statuses",
        ));
    }
    let ext = table.extended();
    let audit = Audit::new(table, &ext, k, publish_zeros);
    Ok(audit.all_exposed(status))
}

fn check_k(k: u32) -> Result<()> {
    if k < 2 {
        return Err(Error::invalid(
            "suppression",
            "k",
            k,
            "the minimum count must be at least 2",
        ));
    }
    Ok(())
}

/// Picks the complementary cells for an exposed cell at `(ei, ej)`: the cheapest
/// path from the cell's column back to its row through other cells (suppressed or
/// unpublished cells cost nothing, a published non-zero cell costs its count; zeros
/// are never used), so that the cell lies on a cycle of suppressed cells (Cox 1980).
/// Falls back to the cheapest published non-zero cell in the cell's lines when the
/// path needs nothing new (the existing cycle lacks room).
fn pick_complement(a: &Audit, status: &[CellStatus], ei: usize, ej: usize) -> Vec<usize> {
    let (r, c) = (a.rows, a.cols);
    let w = c + 1;
    let n = r + 1 + c + 1;
    let node_cell = |u: usize, v: usize| -> usize {
        // u a row node, v a column node
        u * w + (v - (r + 1))
    };
    let cost = |idx: usize| -> Option<u64> {
        if idx == ei * w + ej {
            return None;
        }
        if status[idx].suppressed() {
            Some(0)
        } else if a.ext[idx] > 0 {
            Some(a.ext[idx])
        } else {
            None
        }
    };
    // Dijkstra from column node ej to row node ei; ties broken by node index.
    let start = r + 1 + ej;
    let goal = ei;
    let mut dist = vec![u64::MAX; n];
    let mut prev = vec![usize::MAX; n];
    let mut heap = std::collections::BinaryHeap::new();
    dist[start] = 0;
    heap.push(std::cmp::Reverse((0u64, start)));
    while let Some(std::cmp::Reverse((d, u))) = heap.pop() {
        if d > dist[u] {
            continue;
        }
        if u == goal {
            break;
        }
        let neighbours: Vec<(usize, usize)> = if u <= r {
            (0..=c)
                .map(|j| (r + 1 + j, node_cell(u, r + 1 + j)))
                .collect()
        } else {
            (0..=r).map(|i| (i, node_cell(i, u))).collect()
        };
        for (v, idx) in neighbours {
            if let Some(cst) = cost(idx) {
                let nd = d.saturating_add(cst);
                if nd < dist[v] {
                    dist[v] = nd;
                    prev[v] = idx;
                    heap.push(std::cmp::Reverse((nd, v)));
                }
            }
        }
    }
    let mut picks = Vec::new();
    if dist[goal] != u64::MAX {
        let mut v = goal;
        while v != start {
            let idx = prev[v];
            if status[idx] == CellStatus::Published {
                picks.push(idx);
            }
            let (ci, cj) = (idx / w, idx % w);
            v = if v <= r { r + 1 + cj } else { ci };
        }
    }
    if picks.is_empty() {
        let usable = |idx: &usize| status[*idx] == CellStatus::Published && a.ext[*idx] > 0;
        let cheapest =
            |it: &mut dyn Iterator<Item = usize>| it.filter(usable).min_by_key(|&i| (a.ext[i], i));
        let mut lines = (0..=c)
            .map(|j| ei * w + j)
            .chain((0..=r).map(|i| i * w + ej));
        let pick = cheapest(&mut lines).or_else(|| cheapest(&mut (0..status.len())));
        picks.extend(pick);
    }
    picks.sort_unstable();
    picks.dedup();
    picks
}

const INF: i64 = i64::MAX / 4;

struct Audit<'a> {
    rows: usize,
    cols: usize,
    ext: &'a [u64],
    k: u64,
    publish_zeros: bool,
}

impl<'a> Audit<'a> {
    fn new(table: &CountTable, ext: &'a [u64], k: u32, publish_zeros: bool) -> Self {
        Audit {
            rows: table.rows,
            cols: table.cols,
            ext,
            k: u64::from(k),
            publish_zeros,
        }
    }

    /// The outcome once suppression is over: the final `status` audited once more.
    fn outcome(
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
    fn label_bounds(&self, s: CellStatus) -> (i64, i64) {
        match s {
            CellStatus::Primary => (if self.publish_zeros { 1 } else { 0 }, self.k as i64 - 1),
            CellStatus::Complementary => (self.k as i64, INF),
            CellStatus::NotPublished => (0, INF),
            CellStatus::Published => (0, 0),
        }
    }

    fn graph(&self, status: &[CellStatus]) -> Flow {
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
    fn interval(&self, g: &mut Flow, status: &[CellStatus], idx: usize) -> (u64, u64) {
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

    fn exposure(&self, g: &mut Flow, status: &[CellStatus], idx: usize) -> Option<Exposure> {
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

    fn first_exposed(&self, status: &[CellStatus]) -> Option<Exposure> {
        let mut g = self.graph(status);
        (0..status.len()).find_map(|idx| self.exposure(&mut g, status, idx))
    }

    fn all_exposed(&self, status: &[CellStatus]) -> Vec<Exposure> {
        let mut g = self.graph(status);
        (0..status.len())
            .filter_map(|idx| self.exposure(&mut g, status, idx))
            .collect()
    }
}

/// A small max-flow network (Edmonds–Karp on an edge list).
struct Flow {
    n: usize,
    to: Vec<usize>,
    cap: Vec<i64>,
    owner: Vec<usize>,
    adj: Vec<Vec<usize>>,
}

impl Flow {
    fn new(n: usize) -> Flow {
        Flow {
            n,
            to: Vec::new(),
            cap: Vec::new(),
            owner: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }

    /// Adds `from → to` with capacity `cap` (and its zero-capacity reverse).
    fn add(&mut self, owner: usize, from: usize, to: usize, cap: i64) {
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
    fn max_flow(&mut self, s: usize, t: usize, skip: usize, limit: i64) -> i64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether suppressed cell `idx` of a `nr × nc` extended table lies on a cycle of
    /// suppressed cells: a breadth-first search from its row to its column without it
    /// (independent of the bridge search under test).
    fn on_cycle(status: &[CellStatus], nr: usize, nc: usize, idx: usize) -> bool {
        let (i, j) = (idx / nc, idx % nc);
        let mut seen = vec![false; nr + nc];
        let mut queue = VecDeque::from([i]);
        seen[i] = true;
        while let Some(u) = queue.pop_front() {
            if u == nr + j {
                return true;
            }
            let next: Vec<usize> = if u < nr {
                (0..nc)
                    .filter(|&c| u * nc + c != idx && status[u * nc + c].suppressed())
                    .map(|c| nr + c)
                    .collect()
            } else {
                let c = u - nr;
                (0..nr)
                    .filter(|&r| r * nc + c != idx && status[r * nc + c].suppressed())
                    .collect()
            };
            for v in next {
                if !seen[v] {
                    seen[v] = true;
                    queue.push_back(v);
                }
            }
        }
        false
    }

    /// Counts of a `rows × cols` table: mostly large, a `small` share in 1..=2.
    fn lcg_table(rows: usize, cols: usize, small: u64, seed: u64) -> Vec<u64> {
        let mut x = seed;
        (0..rows * cols)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (x >> 33) % 100;
                if u < small {
                    1 + (x >> 20) % 2
                } else if u < small + 10 {
                    0
                } else {
                    3 + (x >> 24) % 40
                }
            })
            .collect()
    }

    #[test]
    fn suppress_table_lines_every_primary_on_a_cycle_large_table() {
        // 1001 × 4 = 4004 interior cells (above the audited size), row totals
        let (r, c) = (1001, 4);
        let t = CountTable::new(r, c, lcg_table(r, c, 15, 7)).unwrap();
        let s = suppress_table_lines(&t, 3, true).unwrap();
        assert!(s.primary > 300, "{}", s.primary);
        assert!(s.exposed.is_empty());
        assert!(audit_table(&t, &s.status, 3, true).unwrap().is_empty());
        let ext = t.extended();
        let (nr, nc) = (r + 1, c + 1);
        for (idx, st) in s.status.iter().enumerate() {
            match st {
                CellStatus::Primary => {
                    assert!(ext[idx] > 0 && ext[idx] < 3);
                    assert!(on_cycle(&s.status, nr, nc, idx), "cell {idx} pinned");
                }
                // complementary cells are published non-zero counts (shown "x": >= k)
                CellStatus::Complementary => assert!(ext[idx] >= 3),
                _ => {}
            }
        }
        // a pinned primary cell is found by the check: a single small count in a row
        // of the first table, nothing else suppressed
        let mut v = vec![10u64; 4 * 3];
        v[4] = 1;
        let t = CountTable::new(4, 3, v).unwrap();
        let mut status = vec![CellStatus::Published; 5 * 4];
        status[5] = CellStatus::Primary;
        assert!(!on_cycle(&status, 5, 4, 5));
        assert_eq!(primary_bridges(&status, 5, 4), vec![5]);
        let s = suppress_table_lines(&t, 3, true).unwrap();
        assert_eq!(s.complementary, 3);
        assert!(on_cycle(&s.status, 5, 4, 5));
    }

    #[test]
    fn suppress_table_lines_passes_the_flow_audit() {
        for seed in 0..20 {
            let t = CountTable::new(12, 3, lcg_table(12, 3, 20, seed)).unwrap();
            let s = suppress_table_lines(&t, 3, true).unwrap();
            let found = audit_table(&t, &s.status, 3, true).unwrap();
            assert!(found.is_empty(), "seed {seed}: {found:?}");
            assert!(s.exposed.is_empty());
        }
    }

    #[test]
    fn suppress_table_no_small_counts_unchanged() {
        let t = CountTable::new(2, 2, vec![5, 0, 7, 3]).unwrap();
        let s = suppress_table(&t, 3, true).unwrap();
        assert!(s.status.iter().all(|x| *x == CellStatus::Published));
        assert_eq!((s.primary, s.complementary), (0, 0));
    }

    #[test]
    fn suppress_table_single_small_cell_gets_a_rectangle() {
        // [1 5 7 | 13]
        // [4 6 9 | 19]
        // [5 11 16 | 32]
        let t = CountTable::new(2, 3, vec![1, 5, 7, 4, 6, 9]).unwrap();
        let s = suppress_table(&t, 3, true).unwrap();
        assert_eq!(s.cell(0, 0), CellStatus::Primary);
        assert_eq!(s.primary, 1);
        // The smallest rectangle: (0,0), (0,1), (1,0), (1,1) — values 1, 5, 4, 6.
        assert_eq!(s.cell(0, 1), CellStatus::Complementary);
        assert_eq!(s.cell(1, 0), CellStatus::Complementary);
        assert_eq!(s.cell(1, 1), CellStatus::Complementary);
        assert_eq!(s.complementary, 3);
        assert!(s.exposed.is_empty());
    }

    #[test]
    fn audit_table_finds_lone_suppressed_cell() {
        let t = CountTable::new(2, 2, vec![1, 5, 4, 6]).unwrap();
        let mut st = vec![CellStatus::Published; 9];
        st[0] = CellStatus::Primary;
        let e = audit_table(&t, &st, 3, true).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].row, e[0].col, e[0].lo, e[0].hi), (0, 0, 1, 1));
    }

    #[test]
    fn audit_table_two_small_cells_summing_to_two_are_exposed() {
        // Row 0: [1 1 | 2]: both "<3" cells in [1, 2] summing to 2 → both are 1.
        let t = CountTable::new(1, 2, vec![1, 1])
            .unwrap()
            .margins(true, false, false);
        let s0 = vec![
            CellStatus::Primary,
            CellStatus::Primary,
            CellStatus::Primary, // the row total 2 is "<3" too
            CellStatus::NotPublished,
            CellStatus::NotPublished,
            CellStatus::NotPublished,
        ];
        let mut s1 = s0.clone();
        s1[2] = CellStatus::Published;
        assert_eq!(audit_table(&t, &s1, 3, true).unwrap().len(), 2);
        // Suppressing the total does not help: three "<3" values with x1 + x2 = T ≤ 2
        // force x1 = x2 = 1 (a table this small cannot be published).
        // (and the total itself is recovered: 3 exposed cells).
        assert_eq!(audit_table(&t, &s0, 3, true).unwrap().len(), 3);
        let s = suppress_table(&t, 3, true).unwrap();
        assert_eq!(s.exposed.len(), 3);
    }

    #[test]
    fn audit_table_label_bounds_matter() {
        // Row [1 3 | 4], k = 3: the "<3" cell is 1 or 2, the "x" cell ≥ 3, sum 4 →
        // the "<3" cell is exactly 1.
        let t = CountTable::new(1, 2, vec![1, 3])
            .unwrap()
            .margins(true, false, false);
        let st = vec![
            CellStatus::Primary,
            CellStatus::Complementary,
            CellStatus::Published,
            CellStatus::NotPublished,
            CellStatus::NotPublished,
            CellStatus::NotPublished,
        ];
        let e = audit_table(&t, &st, 3, true).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].value, e[0].lo, e[0].hi), (1, 1, 1));
        // [2 3 | 5]: 1 + 4 or 2 + 3 → not exposed.
        let t = CountTable::new(1, 2, vec![2, 3])
            .unwrap()
            .margins(true, false, false);
        assert!(audit_table(&t, &st, 3, true).unwrap().is_empty());
    }

    #[test]
    fn suppress_table_small_margin_is_primary() {
        // Row 1 totals 2: the margin is a small count itself.
        let t = CountTable::new(2, 2, vec![10, 12, 0, 2]).unwrap();
        let s = suppress_table(&t, 3, true).unwrap();
        assert_eq!(s.cell(1, 1), CellStatus::Primary);
        assert_eq!(s.row_total(1), CellStatus::Primary);
        assert_eq!(s.cell(1, 0), CellStatus::Published); // a true zero
        assert!(audit_table(&t, &s.status, 3, true).unwrap().is_empty());
    }

    #[test]
    fn suppress_cells_single_small_cell_with_total() {
        let s = suppress_cells(&[7, 1, 9, 4], 3, true, true).unwrap();
        assert_eq!(s.status[1], CellStatus::Primary);
        assert_eq!(s.status[3], CellStatus::Complementary);
        assert_eq!((s.primary, s.complementary), (1, 1));
        // Without a published total nothing else is needed.
        let s = suppress_cells(&[7, 1, 9, 4], 3, false, true).unwrap();
        assert_eq!(s.complementary, 0);
    }

    #[test]
    fn suppress_cells_only_zeros_left_suppresses_total() {
        let s = suppress_cells(&[0, 0, 5, 0], 3, true, true).unwrap();
        assert_eq!(s.primary, 0);
        let s = suppress_cells(&[0, 2, 0, 7], 3, true, true).unwrap();
        assert_eq!(s.status[3], CellStatus::Complementary);
        assert_eq!(s.total, CellStatus::Published);
        let s = suppress_cells(&[0, 2, 0, 0, 1], 3, true, true).unwrap();
        // Cells 2 and 1 sum to the total 3 with labels [1, 2] each: 1+2 or 2+1, safe.
        assert_eq!(s.total, CellStatus::Published);
        let s = suppress_cells(&[1, 1, 0, 9], 3, true, true).unwrap();
        // 1 + 1 = 2: both exposed unless 9 is suppressed too.
        assert_eq!(s.status[3], CellStatus::Complementary);
    }

    #[test]
    fn suppress_cells_matches_table_audit() {
        let counts = [4u64, 1, 0, 2, 8, 3];
        let s = suppress_cells(&counts, 3, true, true).unwrap();
        let t = CountTable::new(1, counts.len(), counts.to_vec())
            .unwrap()
            .margins(true, false, false);
        let ts = TableSuppression::from(&s);
        assert!(audit_table(&t, &ts.status, 3, true).unwrap().is_empty());
    }

    #[test]
    fn suppress_table_rejects_bad_shape_and_k() {
        let t = CountTable {
            rows: 2,
            cols: 2,
            values: vec![1, 2, 3],
            row_totals: true,
            col_totals: true,
            grand_total: true,
        };
        assert!(suppress_table(&t, 3, true).is_err());
        assert!(CountTable::new(2, 2, vec![1]).is_err());
        assert!(suppress_cells(&[1, 2], 1, true, true).is_err());
    }

    #[test]
    fn suppress_table_category_by_month_sized() {
        // 12 categories × 24 months with many small counts (a typical public table):
        // 77 primary and 10 complementary cells with this seed.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let values: Vec<u64> = (0..12 * 24)
            .map(|i| {
                if i % 3 == 0 {
                    rng.random_range(0..3)
                } else {
                    rng.random_range(0..40)
                }
            })
            .collect();
        let t = CountTable::new(12, 24, values).unwrap();
        let s = suppress_table(&t, 3, true).unwrap();
        assert_eq!((s.primary, s.complementary), (77, 10));
        assert!(s.exposed.is_empty());
        assert!(audit_table(&t, &s.status, 3, true).unwrap().is_empty());
        // Deterministic.
        assert_eq!(s, suppress_table(&t, 3, true).unwrap());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn suppress_table_leaves_nothing_exposed(
            rows in 1usize..6, cols in 1usize..6, seed in proptest::collection::vec(0u64..12, 36),
            k in 2u32..5, zeros in any::<bool>(), rm in any::<bool>(), cm in any::<bool>(),
        ) {
            let values: Vec<u64> = seed[..rows * cols].to_vec();
            let t = CountTable::new(rows, cols, values).unwrap().margins(rm, cm, rm || cm);
            let s = suppress_table(&t, k, zeros).unwrap();
            let ext = t.extended();
            let exposed = audit_table(&t, &s.status, k, zeros).unwrap();
            prop_assert_eq!(&exposed, &s.exposed);
            if !exposed.is_empty() {
                // Only when nothing is left to suppress.
                prop_assert!(ext.iter().zip(&s.status).all(|(v, st)| *v == 0 || *st != CellStatus::Published));
            }
            // Every small count is suppressed, every published value is ≥ k or zero.
            for (v, st) in ext.iter().zip(&s.status) {
                if *st == CellStatus::Published {
                    prop_assert!(*v >= k as u64 || (*v == 0 && zeros));
                }
            }
        }

        #[test]
        fn suppress_cells_leaves_nothing_exposed(
            counts in proptest::collection::vec(0u64..8, 1..40), k in 2u32..5, zeros in any::<bool>(),
        ) {
            let s = suppress_cells(&counts, k, true, zeros).unwrap();
            let t = CountTable::new(1, counts.len(), counts.clone()).unwrap().margins(true, false, false);
            let ts = TableSuppression::from(&s);
            let exposed = audit_table(&t, &ts.status, k, zeros).unwrap();
            if !exposed.is_empty() {
                // Only when nothing is left to suppress.
                prop_assert!(counts.iter().zip(&s.status).all(|(v, st)| *v == 0 || *st != CellStatus::Published));
                prop_assert!(s.total != CellStatus::Published);
            }
        }
    }
}
