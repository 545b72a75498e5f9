//! Tables for the public audience: columns dropped by role, counts `0 < n < k`
//! written `"<k"` and the complementary suppression that keeps them hidden.

use super::*;

impl Publisher {
    pub(super) fn count_label(&self, v: f64) -> Option<String> {
        if v > 0.0 && v < f64::from(self.k) {
            Some(format!("<{}", self.k))
        } else if v == 0.0 && !self.publish_zeros {
            Some("x".into())
        } else {
            None
        }
    }

    /// A table as published (columns dropped, counts suppressed, points moved), or
    /// `None` when it is withheld.
    pub(crate) fn table<'a>(
        &'a self,
        name: &str,
        t: &'a dyn Table,
    ) -> Result<Option<PublicTable<'a>>> {
        let cols = t.columns();
        let roles: Vec<Role> = cols.iter().map(Column::effective_role).collect();
        if let Some(c) = cols
            .iter()
            .zip(&roles)
            .find(|(_, r)| **r == Role::IncidentId)
        {
            self.note_withheld(format!(
                "{name} (one row per incident: column {:?} identifies incidents)",
                c.0.name
            ));
            return Ok(None);
        }
        let mut keep = Vec::new();
        for (i, (c, r)) in cols.iter().zip(&roles).enumerate() {
            match r {
                Role::FreeText | Role::LonLat => self.note_dropped(&c.name),
                _ => keep.push(i),
            }
        }
        let xs: Vec<usize> = (0..cols.len()).filter(|&i| roles[i] == Role::X).collect();
        let ys: Vec<usize> = (0..cols.len()).filter(|&i| roles[i] == Role::Y).collect();
        let pairs: Vec<(usize, usize)> = xs.into_iter().zip(ys).collect();
        let agg_pos = |axis: char| {
            (0..cols.len()).find(|&i| {
                roles[i] == Role::AggregateCoordinate
                    && cols[i].name.to_ascii_lowercase().contains(axis)
            })
        };
        let agg = (agg_pos('x'), agg_pos('y'));
        // first pass: the count columns, for complementary suppression
        let count_cols: Vec<usize> = (0..cols.len())
            .filter(|&i| roles[i] == Role::Count)
            .collect();
        let mut comp: HashMap<(usize, usize), ()> = HashMap::new();
        let mut primary = 0usize;
        if !count_cols.is_empty() {
            struct Collect<'c> {
                cols: &'c [usize],
                vals: Vec<Vec<Option<f64>>>,
            }
            impl RowSink for Collect<'_> {
                fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
                    for (j, &c) in self.cols.iter().enumerate() {
                        self.vals[j].push(cells.get(c).and_then(number));
                    }
                    Ok(())
                }
            }
            let mut c = Collect {
                cols: &count_cols,
                vals: vec![Vec::new(); count_cols.len()],
            };
            t.rows(&mut c)?;
            let plan = self.plan_suppression(&c.vals)?;
            if plan.exposed {
                self.note_withheld(format!(
                    "{name} (its counts are all below {} and the labels alone would reveal one)",
                    self.k
                ));
                return Ok(None);
            }
            primary = plan.primary;
            for (r, j) in plan.comp {
                comp.insert((r, count_cols[j]), ());
            }
            if primary > 0 {
                lock(&self.stats).report.add_rule(plan.rule);
            }
        }
        {
            let mut s = lock(&self.stats);
            s.report.cells_suppressed_primary += primary;
            s.report.cells_suppressed_complementary += comp.len();
        }
        Ok(Some(PublicTable {
            p: self,
            inner: t,
            cols,
            roles,
            keep,
            pairs,
            comp,
            agg,
        }))
    }

    /// Which cells of a table's count columns (`vals[j][row]`) are suppressed: the
    /// primary count and the complementary cells `(row, j)`.
    ///
    /// * Integer counts: when one count column equals the sum of the others on every
    ///   row it is the row-total margin; the other columns are the interior of a
    ///   two-way table whose column totals and grand total count as published (a
    ///   summary states them). One interior column without a row total:
    ///   [`crate::disclosure::suppress_cells`] (closed-form audit against the column
    ///   total). Otherwise [`crate::disclosure::suppress_table`] (greedy, audited by
    ///   maximum flow, no suppressed count recoverable from any margin) up to
    ///   [`AUDITED_CELLS`] interior cells; above,
    ///   [`crate::disclosure::suppress_table_lines`] (the same audit, run in rounds
    ///   after a cheap cycle rule).
    /// * Non-integer counts (weighted): per column, the smallest other count of a
    ///   column with a single small count.
    pub(super) fn plan_suppression(&self, vals: &[Vec<Option<f64>>]) -> Result<SuppressionPlan> {
        use crate::disclosure::{suppress_cells, suppress_table, CellStatus, CountTable};
        let k = self.k;
        let kf = f64::from(k);
        let nrows = vals.first().map_or(0, Vec::len);
        let primary = vals
            .iter()
            .flatten()
            .filter(|v| v.is_some_and(|x| x > 0.0 && x < kf))
            .count();
        let mut plan = SuppressionPlan {
            primary,
            comp: Vec::new(),
            rule: String::new(),
            exposed: false,
        };
        if primary == 0 {
            return Ok(plan);
        }
        let integer = vals
            .iter()
            .flatten()
            .all(|v| v.is_none_or(|x| x.is_finite() && x >= 0.0 && x.fract() == 0.0));
        if !integer {
            for (j, v) in vals.iter().enumerate() {
                let small = v.iter().filter(|x| x.is_some_and(|x| x > 0.0 && x < kf));
                if small.count() == 1 {
                    let pick = (0..v.len())
                        .filter(|&r| v[r].is_some_and(|x| x >= kf))
                        .min_by(|&a, &b| {
                            v[a].unwrap_or(0.0)
                                .total_cmp(&v[b].unwrap_or(0.0))
                                .then(a.cmp(&b))
                        });
                    plan.comp.extend(pick.map(|r| (r, j)));
                }
            }
            plan.rule = format!(
                "counts 0 < n < {k} shown as \"<{k}\"; weighted counts: when a column has a single such cell, its smallest other count is shown as \"x\" so that the column total cannot reveal it"
            );
            return Ok(plan);
        }
        let u = |j: usize, r: usize| vals[j][r].unwrap_or(0.0) as u64;
        // a count column that is the sum of the others on every row: the row total
        let total = (0..vals.len()).find(|&t| {
            vals.len() >= 2
                && (0..nrows).all(|r| {
                    (0..vals.len())
                        .filter(|&j| j != t)
                        .map(|j| u(j, r))
                        .sum::<u64>()
                        == u(t, r)
                })
        });
        let interior: Vec<usize> = (0..vals.len()).filter(|&j| Some(j) != total).collect();
        let nc = interior.len();
        if nc == 1 && total.is_none() {
            let col: Vec<u64> = (0..nrows).map(|r| u(interior[0], r)).collect();
            let s = suppress_cells(&col, k, true, self.publish_zeros)?;
            for (r, st) in s.status.iter().enumerate() {
                if *st == CellStatus::Complementary {
                    plan.comp.push((r, interior[0]));
                }
            }
            plan.exposed = s.total == CellStatus::Complementary;
            plan.rule = format!(
                "counts 0 < n < {k} shown as \"<{k}\"; complementary cells shown as \"x\" so that the column total cannot reveal a suppressed count (closed-form audit)"
            );
            return Ok(plan);
        }
        let values: Vec<u64> = (0..nrows)
            .flat_map(|r| interior.iter().map(move |&j| (j, r)))
            .map(|(j, r)| u(j, r))
            .collect();
        let t = CountTable::new(nrows, nc, values)?.margins(total.is_some(), true, true);
        let audited = nrows * nc <= AUDITED_CELLS;
        let s = if audited {
            suppress_table(&t, k, self.publish_zeros)?
        } else {
            // above AUDITED_CELLS: the cycle rule, then the same audit in rounds
            crate::disclosure::suppress_table_lines(&t, k, self.publish_zeros)?
        };
        for r in 0..nrows {
            for (jj, &j) in interior.iter().enumerate() {
                if s.cell(r, jj) == CellStatus::Complementary {
                    plan.comp.push((r, j));
                }
            }
            if let Some(t) = total {
                if s.row_total(r) == CellStatus::Complementary {
                    plan.comp.push((r, t));
                }
            }
        }
        plan.exposed = !s.exposed.is_empty();
        let how = if audited {
            "audited by maximum flow".to_string()
        } else {
            format!("table above {AUDITED_CELLS} cells: cycle rule then audit by maximum flow in rounds")
        };
        plan.rule = format!(
            "counts 0 < n < {k} shown as \"<{k}\"; complementary cells shown as \"x\" so that no suppressed count can be recovered from any published margin (row totals, column totals, grand total; {how})"
        );
        Ok(plan)
    }
}

pub(super) fn number(c: &Cell<'_>) -> Option<f64> {
    match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(v) | Cell::Fixed(v, _) | Cell::Sci(v, _) => Some(*v),
        Cell::Json(v) => v.as_f64(),
        Cell::Str(s) => s.trim().parse().ok(),
        Cell::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text with every parenthesised number pair `(a, b)` (a location such as the
/// centre of the data in a CRS note) replaced by `(location withheld)`; `None` when
/// there is none.
pub(super) fn redact_pairs(t: &str) -> Option<String> {
    crate::disclosure::redact_locations(t)
}

/// A table as published (see [`Publisher::table`]).
pub(crate) struct PublicTable<'a> {
    p: &'a Publisher,
    inner: &'a dyn Table,
    cols: Vec<Column>,
    roles: Vec<Role>,
    keep: Vec<usize>,
    pairs: Vec<(usize, usize)>,
    comp: HashMap<(usize, usize), ()>,
    /// The aggregate x / y columns (cell centres), recorded as published points.
    agg: (Option<usize>, Option<usize>),
}

impl Table for PublicTable<'_> {
    fn columns(&self) -> Vec<Column> {
        self.keep.iter().map(|&i| self.cols[i].clone()).collect()
    }

    fn rows(&self, sink: &mut dyn RowSink) -> Result<()> {
        struct Adapter<'s, 'b> {
            t: &'s PublicTable<'b>,
            sink: &'s mut dyn RowSink,
            row: usize,
        }
        impl RowSink for Adapter<'_, '_> {
            fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
                let t = self.t;
                let mut out: Vec<Cell<'_>> = cells.to_vec();
                for &(ix, iy) in &t.pairs {
                    if let (Some(x), Some(y)) = (
                        cells.get(ix).and_then(number),
                        cells.get(iy).and_then(number),
                    ) {
                        let q = t.p.snap_raw([x, y]);
                        t.p.record([x, y], q);
                        let keep_fmt = |c: &Cell<'_>, v: f64| match c {
                            Cell::Fixed(_, d) => Cell::Fixed(v, *d),
                            _ => Cell::Float(v),
                        };
                        out[ix] = keep_fmt(&cells[ix], q[0]);
                        out[iy] = keep_fmt(&cells[iy], q[1]);
                    }
                }
                if let (Some(ix), Some(iy)) = (t.agg.0, t.agg.1) {
                    if let (Some(x), Some(y)) = (
                        cells.get(ix).and_then(number),
                        cells.get(iy).and_then(number),
                    ) {
                        t.p.note_aggregate([x, y]);
                    }
                }
                for (i, r) in t.roles.iter().enumerate() {
                    if *r != Role::Count {
                        continue;
                    }
                    if t.comp.contains_key(&(self.row, i)) {
                        out[i] = Cell::String("x".into());
                    } else if let Some(label) = cells
                        .get(i)
                        .and_then(number)
                        .and_then(|v| t.p.count_label(v))
                    {
                        out[i] = Cell::String(label);
                    }
                }
                let kept: Vec<Cell<'_>> = t
                    .keep
                    .iter()
                    .map(|&i| out.get(i).cloned().unwrap_or(Cell::Null))
                    .collect();
                self.row += 1;
                self.sink.row(&kept)
            }
        }
        let mut a = Adapter {
            t: self,
            sink,
            row: 0,
        };
        self.inner.rows(&mut a)
    }
}
