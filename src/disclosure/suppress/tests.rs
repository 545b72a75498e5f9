//! Suppression and audit on small tables: primary and complementary cells, exposure,
//! lines, cells.

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
