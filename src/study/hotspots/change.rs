//! Change per cell between two periods.

use super::cells::*;
use super::*;

/// Settings of [`change`].
#[derive(Debug, Clone, Serialize)]
pub struct ChangeStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Split date, α, FDR.
    pub change: ChangeParams,
    /// Quartic KDE bandwidth (m) of the density difference map [default: ArcGIS rule].
    pub bandwidth: Option<f64>,
}

impl ChangeStudyParams {
    /// Change at `split` (seconds, local clock).
    pub fn new(split: i64) -> Self {
        ChangeStudyParams {
            cells: CellParams::default(),
            change: ChangeParams::new(split),
            bandwidth: None,
        }
    }
}

/// Change between two periods: `change.csv`, `change.geojson`, `change.png`,
/// `change_kde.png`, `change.json`.
#[derive(Debug, Clone)]
pub struct ChangeStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: ChangeStudyParams,
    /// Counts, test and class per cell.
    pub result: ChangeResult,
    /// KDE difference (after − before) on the full grid.
    pub kde_difference: DualKdeResult,
}

/// Change per cell between the periods before and after the split, with an exact
/// conditional test, and the KDE difference.
pub fn change(input: &HotspotInput, p: &ChangeStudyParams) -> Result<ChangeStudy> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("change")?;
    let inc = &input.incidents.incidents;
    let result = count_change(&cells.grid, inc, &p.change)?;
    let split = p.change.split;
    let pick = |after: bool| -> Vec<[f64; 2]> {
        (0..inc.len())
            .filter(|&i| inc.time[i].is_some_and(|t| (t >= split) == after))
            .map(|i| inc.xy[i])
            .collect()
    };
    let kp = match p.bandwidth {
        Some(h) => KdeParams::new().fixed(h),
        None => KdeParams::new().fixed(bandwidth_arcgis(&inc.xy)?),
    };
    let kde_difference = dual_kde(
        &cells.grid.grid,
        &pick(true),
        &pick(false),
        &kp,
        DualMode::Difference,
    )?;
    cells.weights = None;
    Ok(ChangeStudy {
        cells,
        params: p.clone(),
        result,
        kde_difference,
    })
}

impl ChangeStudy {
    /// The files written.
    pub fn files(_p: &ChangeStudyParams) -> Vec<String> {
        stem_files("change", &["change.png", "change_kde.png"])
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        format!(
            "{} before, {} after (share after {:.3}); significant increases {}, decreases {}; {} without a time\n",
            r.n_before, r.n_after, r.share_after, r.increases, r.decreases, r.no_time
        )
    }
}

impl Export for ChangeStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "change", "cells": p.cells, "change": p.change, "split": crate::time::format(p.change.split, crate::TimePrecision::Day), "bandwidth_m": p.bandwidth}),
            None,
        ));
        let dk = &self.kde_difference;
        let diff: Vec<f64> = r.after.iter().zip(&r.before).map(|(a, b)| a - b).collect();
        let cols = vec![
            ("before", Col::F(r.before.clone())),
            ("after", Col::F(r.after.clone())),
            ("difference", Col::F(diff)),
            ("expected_after", Col::F(r.expected_after.clone())),
            ("p", Col::F(r.p.clone())),
            (
                "change",
                Col::I(r.class.iter().map(|v| *v as i64).collect()),
            ),
            ("kde_difference_km2", Col::F(s.grid.from_full(&dk.values))),
        ];
        s.write_cells(out, "change", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| (*c + 1) as f64).collect();
        let cats = vec![
            ([5, 113, 176, 255], "significant decrease".to_string()),
            ([240, 240, 240, 255], "no significant change".to_string()),
            ([202, 0, 32, 255], "significant increase".to_string()),
        ];
        let split = crate::time::format(p.change.split, crate::TimePrecision::Day);
        let title = vec![
            format!("Change from before to after {split}"),
            s.grid_line(),
            format!(
                "exact conditional binomial test, {}alpha {}",
                if p.change.fdr { "FDR " } else { "" },
                p.change.alpha
            ),
        ];
        styled_map(
            out,
            "change",
            "change.png",
            &s.map(
                &s.grid.to_full(&v),
                title,
                "change",
                ColourScale::Categories(cats),
            )?,
            crate::export::qml::ClassedField {
                values: Some(["-1", "0", "1"].map(String::from).to_vec()),
                ..column("change")
            },
        )?;
        let kfull = s.grid.to_full(&s.grid.from_full(&dk.values));
        let title = vec![
            "KDE difference (after - before)".to_string(),
            s.grid_line(),
            format!("quartic kernel, bandwidth h = {:.0} m", dk.a.bandwidth_m),
        ];
        out.figure(
            "change_kde.png",
            &s.map(
                &kfull,
                title,
                "incidents per km²",
                render::auto_scale(&kfull, false),
            )?,
        )?;
        s.write_summary(
            out,
            "change",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}
