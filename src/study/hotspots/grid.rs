//! Incidents (or weights) per cell.

use super::cells::*;
use super::*;

/// Settings of [`grid`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct GridStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Also count per category (one column `n_<category>` each).
    pub by_category: bool,
}

/// Incidents (or weights) per cell: `counts.csv`, `counts.geojson`, `counts.png`,
/// `counts.json`.
#[derive(Debug, Clone)]
pub struct GridStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: GridStudyParams,
    /// The counts.
    pub counts: GridCounts,
}

/// Counts incidents per cell.
pub fn grid(input: &HotspotInput, p: &GridStudyParams) -> Result<GridStudy> {
    let cells = analysis_cells(input, &p.cells)?;
    let inc = &input.incidents.incidents;
    let counts = match &cells.hex {
        None => grid_counts(&cells.grid, inc, cells.weights.as_deref(), p.by_category)?,
        Some(h) => hex_counts(h, inc, cells.weights.as_deref(), p.by_category)?,
    };
    Ok(GridStudy {
        cells,
        params: p.clone(),
        counts,
    })
}

impl GridStudy {
    /// The files written.
    pub fn files(_p: &GridStudyParams) -> Vec<String> {
        stem_files("counts", &["counts.png"])
    }

    fn max(&self) -> f64 {
        self.counts.total.iter().copied().fold(0.0, f64::max)
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let gc = &self.counts;
        format!(
            "{} in {} cells ({} non-empty, max {}); {} outside the analysis cells\n",
            gc.sum,
            self.cells.len(),
            gc.non_empty,
            self.max(),
            gc.outside
        )
    }
}

impl Export for GridStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let s = &self.cells;
        out.provenance(s.provenance(
            json!({"analysis": "grid", "cells": self.params.cells, "by_category": self.params.by_category}),
            None,
        ));
        let gc = &self.counts;
        let names: Vec<String> = gc
            .by_category
            .iter()
            .map(|(n, _)| format!("n_{n}"))
            .collect();
        let mut cols = vec![("count", Col::F(gc.total.clone()))];
        for (k, (_, v)) in gc.by_category.iter().enumerate() {
            cols.push((names[k].as_str(), Col::F(v.clone())));
        }
        s.write_cells(out, "counts", &cols, None)?;
        let full = s.full(&gc.total);
        let label = format!("{} per cell", s.value_label());
        styled_map(
            out,
            "counts",
            "counts.png",
            &s.map(
                &full,
                vec![label.clone(), s.grid_line()],
                &label,
                render::auto_scale(&full, true),
            )?
            .with_role(crate::export::Role::Count),
            column("count"),
        )?;
        let cats: Vec<Value> = gc
            .by_category
            .iter()
            .map(|(n, v)| json!({"category": n, "total": v.iter().sum::<f64>(), "non_empty": v.iter().filter(|x| **x > 0.0).count()}))
            .collect();
        s.write_summary(
            out,
            "counts",
            json!({"sum": gc.sum, "non_empty": gc.non_empty, "outside": gc.outside, "max": self.max(), "categories": cats}),
        )
    }
}
