//! Suppression of a large two-way table: the cycle rule, then the audit in rounds.

use super::*;

/// Suppression of a large two-way table (the same extended-table `status` and the
/// same audit as [`suppress_table`]), fast enough for tables of many thousand cells.
///
/// # Algorithm
/// 1. *Cycle rule* (cheap, closes most exposures at once). The extended table
///    `(rows + 1) × (cols + 1)` (margins included; a margin the table does not
///    publish counts as suppressed) is a graph whose nodes are its rows and columns
///    and whose edges are its suppressed cells; a change of the suppressed cells that
///    keeps every published value is a circulation on it, so a suppressed cell is
///    determined by the published values alone exactly when it is a *bridge*
///    (Gusfield 1988). Each primary cell that is a bridge (Tarjan's bridge search) is
///    put on a 4-cycle `(i, j) (i, j2) (i2, j2) (i2, j)` of the extended table, the
///    added cells being non-zero published counts: the cycle needing the fewest new
///    cells, then the smallest sum of their values, then the first in row-major
///    order; the bridges are searched again after each cycle.
/// 2. *Audit in rounds.* The cycle rule ignores what the labels say (`"<k"`: 1 to
///    k − 1; `"x"`: at least k), which can still pin a value. The maximum-flow audit
///    of [`suppress_table`] is run on every primary cell (its graph holds only the
///    suppressed cells, so each audit is cheap); every cell found exposed, if it
///    still is when its turn comes, gets the cheapest closing path of
///    [`suppress_table`]'s heuristic. Rounds repeat until the audit finds nothing or
///    no cell can be added. [`suppress_table`] instead re-audits the whole table after
///    every single addition, which is what limits it to a few thousand cells.
///
/// # Guarantee
/// As [`suppress_table`]: `exposed` lists the primary cells the final audit can
/// still pin (empty unless no non-zero cell is left to close a path: the caller must
/// then withhold the table). The cells chosen may differ from [`suppress_table`]'s
/// (usually a few more).
///
/// Cost: O(rows × cols) per cycle of step 1; per round of step 2, two small
/// maximum flows per primary cell plus a shortest path per exposed cell.
///
/// ```
/// use crimescape::{audit_table, suppress_table_lines, CellStatus, CountTable};
/// let t = CountTable::new(2, 3, vec![1, 5, 7, 4, 6, 9])?;
/// let s = suppress_table_lines(&t, 3, true)?;
/// assert_eq!(s.cell(0, 0), CellStatus::Primary);
/// assert!(s.exposed.is_empty());
/// assert!(audit_table(&t, &s.status, 3, true)?.is_empty());
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn suppress_table_lines(
    table: &CountTable,
    k: u32,
    publish_zeros: bool,
) -> Result<TableSuppression> {
    let (r, c) = (table.rows, table.cols);
    let w = c + 1;
    let (ext, mut status) = primary_statuses(table, k, publish_zeros)?;
    let primary = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let mut complementary = 0;
    // one cycle at a time: closing one can put later bridges on a cycle too
    let mut stuck = std::collections::BTreeSet::new();
    while let Some(idx) = primary_bridges(&status, r + 1, w)
        .into_iter()
        .find(|b| !stuck.contains(b))
    {
        let (i, j) = (idx / w, idx % w);
        let mut best: Option<((usize, u64, usize), [usize; 3])> = None;
        for i2 in (0..=r).filter(|&x| x != i) {
            for j2 in (0..w).filter(|&x| x != j) {
                let cells = [i * w + j2, i2 * w + j2, i2 * w + j];
                let mut new = 0;
                let mut cost = 0;
                let mut ok = true;
                for &q in &cells {
                    if status[q].suppressed() {
                        continue;
                    }
                    if ext[q] == 0 {
                        ok = false;
                        break;
                    }
                    new += 1;
                    cost += ext[q];
                }
                if !ok {
                    continue;
                }
                let key = (new, cost, i2 * w + j2);
                if best.as_ref().is_none_or(|(b, _)| key < *b) {
                    best = Some((key, cells));
                }
            }
        }
        match best {
            Some((_, cells)) => {
                for q in cells {
                    if !status[q].suppressed() {
                        status[q] = CellStatus::Complementary;
                        complementary += 1;
                    }
                }
            }
            None => {
                stuck.insert(idx);
            }
        }
    }
    // the audit of [`suppress_table`], in rounds: every exposed cell of a round
    // (still exposed when its turn comes) gets its cheapest closing path
    let audit = Audit::new(table, &ext, k, publish_zeros);
    loop {
        let exposed = audit.all_exposed(&status);
        let mut progress = false;
        for e in exposed {
            let idx = e.row * w + e.col;
            let mut g = audit.graph(&status);
            if audit.exposure(&mut g, &status, idx).is_none() {
                continue;
            }
            for q in pick_complement(&audit, &status, e.row, e.col) {
                if status[q] == CellStatus::Published {
                    status[q] = CellStatus::Complementary;
                    complementary += 1;
                    progress = true;
                }
            }
        }
        if !progress {
            break;
        }
    }
    Ok(audit.outcome(status, primary, complementary))
}

/// The primary cells (indices into `status`, a `nr × nc` extended table) that are
/// bridges of the graph of suppressed cells (rows `0..nr` and columns `nr..nr + nc`
/// as nodes), in index order. Iterative Tarjan lowlink.
pub(super) fn primary_bridges(status: &[CellStatus], nr: usize, nc: usize) -> Vec<usize> {
    let n = nr + nc;
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (idx, st) in status.iter().enumerate() {
        if st.suppressed() {
            let (i, j) = (idx / nc, idx % nc);
            adj[i].push((nr + j, idx));
            adj[nr + j].push((i, idx));
        }
    }
    let mut disc = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut t = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if disc[root] != usize::MAX {
            continue;
        }
        // (node, edge it was entered by, next neighbour position)
        let mut stack: Vec<(usize, usize, usize)> = vec![(root, usize::MAX, 0)];
        disc[root] = t;
        low[root] = t;
        t += 1;
        while let Some(&mut (u, via, ref mut pos)) = stack.last_mut() {
            if *pos < adj[u].len() {
                let (v, e) = adj[u][*pos];
                *pos += 1;
                if e == via {
                    continue;
                }
                if disc[v] == usize::MAX {
                    disc[v] = t;
                    low[v] = t;
                    t += 1;
                    stack.push((v, e, 0));
                } else {
                    low[u] = low[u].min(disc[v]);
                }
            } else {
                stack.pop();
                if let Some(&(p, _, _)) = stack.last() {
                    low[p] = low[p].min(low[u]);
                    if low[u] > disc[p] && status[via] == CellStatus::Primary {
                        out.push(via);
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}
