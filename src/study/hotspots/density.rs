//! Kernel density on the analysis cells (and a dual KDE).

use super::cells::*;
use super::*;

/// Settings of [`kde`](fn@kde_study).
#[derive(Debug, Clone, Serialize)]
pub struct KdeStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Kernel, bandwidth, evaluation.
    pub kde: KdeParams,
    /// How a second point layer (the `dual` argument of [`kde_study`]) is combined.
    pub dual_mode: DualMode,
}

impl Default for KdeStudyParams {
    fn default() -> Self {
        KdeStudyParams {
            cells: CellParams::default(),
            kde: KdeParams::new(),
            dual_mode: DualMode::Ratio,
        }
    }
}

/// Kernel density: `kde.csv`, `kde.geojson` (cells with density > 0), `kde.png`
/// (`kde_dual.png` with a second layer), `kde.json`.
#[derive(Debug, Clone)]
pub struct KdeStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: KdeStudyParams,
    /// The density surface.
    pub kde: KdeResult,
    /// Counts per analysis cell.
    pub counts: Vec<f64>,
    /// The dual surface.
    pub dual: Option<DualKdeResult>,
}

/// Kernel density of the incidents on the analysis cells; with `dual`, also the
/// ratio/difference to the density of a second point layer.
pub fn kde_study(
    input: &HotspotInput,
    dual: Option<&IncidentInput>,
    p: &KdeStudyParams,
) -> Result<KdeStudy> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("kernel density (it is evaluated on square cells)")?;
    let inc = &input.incidents.incidents;
    let r = kde(&cells.grid.grid, &inc.xy, cells.weights.as_deref(), &p.kde)?;
    let (counts, _) = cells.counts(inc)?;
    let dual = match dual {
        Some(d) => {
            cells.inputs.extend(d.source.iter().cloned().map(|mut s| {
                s.role = "dual".into();
                s
            }));
            Some(dual_kde(
                &cells.grid.grid,
                &inc.xy,
                &d.incidents.xy,
                &p.kde,
                p.dual_mode,
            )?)
        }
        None => None,
    };
    Ok(KdeStudy {
        cells,
        params: p.clone(),
        kde: r,
        counts,
        dual,
    })
}

impl KdeStudy {
    /// The files written (`dual`: with a second layer).
    pub fn files(dual: bool) -> Vec<String> {
        let mut v = stem_files("kde", &["kde.png"]);
        if dual {
            v.push("kde_dual.png".into());
        }
        v
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let r = &self.kde;
        format!(
            "{} kernel, bandwidth {:.1} m ({}), {}x{} samples per cell: max {:.1} per km2, expected total {:.1} of {}\n",
            self.params.kde.kernel.name(),
            r.bandwidth_m,
            r.bandwidth_rule,
            r.samples_per_side,
            r.samples_per_side,
            r.max_density_km2,
            r.expected_sum,
            r.total_weight
        )
    }
}

impl Export for KdeStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let s = &self.cells;
        out.provenance(s.provenance(
            json!({"analysis": "kde", "cells": self.params.cells, "kde": self.params.kde, "dual_mode": self.dual.as_ref().map(|_| self.params.dual_mode)}),
            None,
        ));
        let r = &self.kde;
        let dens = s.grid.from_full(&r.density_km2);
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            ("density_km2", Col::F(dens.clone())),
            ("expected", Col::F(s.grid.from_full(&r.expected))),
        ];
        let mut result = json!({ "kde": r });
        if let Some(dr) = &self.dual {
            cols.push((
                "dual_density_km2",
                Col::F(s.grid.from_full(&dr.b.density_km2)),
            ));
            cols.push(("dual_value", Col::F(s.grid.from_full(&dr.values))));
            result["dual"] = serde_json::to_value(dr).unwrap_or(Value::Null);
        }
        s.write_cells(out, "kde", &cols, Some(&|k| dens[k] > 0.0))?;
        let full = s.grid.to_full(&dens);
        let title = vec![
            format!("Kernel density ({})", self.params.kde.kernel.name()),
            s.grid_line(),
            format!(
                "{} kernel, bandwidth h = {:.0} m ({})",
                self.params.kde.kernel.name(),
                r.bandwidth_m,
                r.bandwidth_rule
            ),
        ];
        styled_map(
            out,
            "kde",
            "kde.png",
            &s.map(
                &full,
                title,
                "incidents per km²",
                render::auto_scale(&full, false),
            )?,
            column("density_km2"),
        )?;
        if let Some(dr) = &self.dual {
            let full = s.grid.to_full(&s.grid.from_full(&dr.values));
            let (t, legend) = match dr.mode {
                DualMode::Ratio => ("Dual KDE: ratio of densities", "ratio"),
                DualMode::Difference => ("Dual KDE: difference of densities", "per km²"),
                DualMode::ShareDifference => ("Dual KDE: difference of shares", "share per km²"),
            };
            out.figure(
                "kde_dual.png",
                &s.map(
                    &full,
                    vec![t.into(), s.grid_line()],
                    legend,
                    render::auto_scale(&full, false),
                )?,
            )?;
        }
        s.write_summary(out, "kde", result)
    }
}
