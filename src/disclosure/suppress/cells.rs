//! Suppression of a list of cells with a published total (closed-form audit).

use super::*;

/// The outcome of [`suppress_cells`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSuppression {
    /// The minimum count.
    pub k: u32,
    /// Status of each cell, in input order.
    pub status: Vec<CellStatus>,
    /// Status of the area total (`NotPublished` when no total is published).
    pub total: CellStatus,
    /// Number of primary suppressions (the total included).
    pub primary: usize,
    /// Number of complementary suppressions (the total included).
    pub complementary: usize,
}

impl From<&CellSuppression> for TableSuppression {
    fn from(s: &CellSuppression) -> TableSuppression {
        let mut status = s.status.clone();
        status.push(s.total);
        status.extend(std::iter::repeat_n(
            CellStatus::NotPublished,
            s.status.len() + 1,
        ));
        TableSuppression {
            k: s.k,
            rows: 1,
            cols: s.status.len(),
            status,
            primary: s.primary,
            complementary: s.complementary,
            exposed: Vec::new(),
        }
    }
}

/// Suppresses counts `0 < n < k` of a grid (or any list of areas) whose area total is
/// published when `publish_total`, and, when the total would let a suppressed count
/// be recovered, the smallest non-zero published cells (lowest index on ties), or the
/// total when no such cell is left. Conventions as in the module docs; the audit is
/// the closed form of one linear constraint with the label bounds: cell `e` lies in
/// `[S − Σ_{o≠e} hi_o, S − Σ_{o≠e} lo_o] ∩ [lo_e, hi_e]`, `S` the suppressed sum.
/// O(n log n).
///
/// ```
/// use crimescape::{suppress_cells, CellStatus};
/// let s = suppress_cells(&[0, 2, 9, 14, 5], 3, true, true)?;
/// assert_eq!(s.status[0], CellStatus::Published); // a true zero
/// assert_eq!(s.status[1], CellStatus::Primary);
/// assert_eq!(s.status[4], CellStatus::Complementary); // the smallest other count
/// assert_eq!(s.total, CellStatus::Published);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn suppress_cells(
    counts: &[u64],
    k: u32,
    publish_total: bool,
    publish_zeros: bool,
) -> Result<CellSuppression> {
    check_k(k)?;
    let kk = k as u64;
    let is_primary = |v: u64| v < kk && (v > 0 || !publish_zeros);
    let mut status: Vec<CellStatus> = counts
        .iter()
        .map(|&v| {
            if is_primary(v) {
                CellStatus::Primary
            } else {
                CellStatus::Published
            }
        })
        .collect();
    let primary_cells = status.iter().filter(|s| **s == CellStatus::Primary).count();
    let total_v: u64 = counts.iter().sum();
    let mut total = if !publish_total {
        CellStatus::NotPublished
    } else if is_primary(total_v) {
        CellStatus::Primary
    } else {
        CellStatus::Published
    };
    let primary = primary_cells + usize::from(total == CellStatus::Primary);
    let mut complementary = 0;
    if total == CellStatus::Published && primary_cells > 0 {
        // Candidates: non-zero published cells, smallest first.
        let mut cand: Vec<usize> = (0..counts.len())
            .filter(|&i| status[i] == CellStatus::Published && counts[i] > 0)
            .collect();
        cand.sort_by_key(|&i| (counts[i], i));
        let mut next = cand.into_iter();
        while cells_exposed(counts, &status, kk, publish_zeros) {
            match next.next() {
                Some(i) => status[i] = CellStatus::Complementary,
                None => {
                    total = CellStatus::Complementary;
                    complementary += 1;
                    break;
                }
            }
            complementary += 1;
        }
    }
    Ok(CellSuppression {
        k,
        status,
        total,
        primary,
        complementary,
    })
}

/// Whether a primary cell of a list with a published total can be recovered.
fn cells_exposed(counts: &[u64], status: &[CellStatus], k: u64, publish_zeros: bool) -> bool {
    let bounds = |s: CellStatus| -> (u64, u64) {
        match s {
            CellStatus::Primary => (u64::from(publish_zeros), k - 1),
            _ => (k, u64::MAX / 4),
        }
    };
    let (mut s_sum, mut lo_sum, mut hi_sum) = (0u64, 0u64, 0u64);
    for (i, st) in status.iter().enumerate() {
        if st.suppressed() {
            let (lo, hi) = bounds(*st);
            s_sum += counts[i];
            lo_sum += lo;
            hi_sum = hi_sum.saturating_add(hi);
        }
    }
    let (plo, phi) = bounds(CellStatus::Primary);
    if plo == phi {
        return false;
    }
    status.iter().any(|st| {
        if *st != CellStatus::Primary {
            return false;
        }
        let (lo, hi) = bounds(*st);
        let others_hi = hi_sum.saturating_sub(hi);
        let others_lo = lo_sum - lo;
        let a = s_sum.saturating_sub(others_hi).max(lo);
        let b = s_sum.saturating_sub(others_lo).min(hi);
        a >= b
    })
}
