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

//!
//! # Files
//! This file holds the table types, primary suppression, [`suppress_table`],
//! [`audit_table`] and the choice of complementary cells; `suppress/audit.rs` the
//! audit (maximum flows); `suppress/lines.rs` [`suppress_table_lines`];
//! `suppress/cells.rs` [`suppress_cells`]; `suppress/tests.rs` the tests.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

mod audit;
mod cells;
mod lines;

use audit::Audit;
pub use cells::{suppress_cells, CellSuppression};
#[cfg(test)]
use lines::primary_bridges;
pub use lines::suppress_table_lines;
#[cfg(test)]
mod tests;

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
