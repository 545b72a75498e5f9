//! What classify and emerging share: the period settings, the cells and weights of
//! a period study, the palette and the provenance parameters.

use super::cells::*;
use super::*;

/// Settings of [`classify`] and [`emerging`].
#[derive(Debug, Clone, Serialize)]
pub struct PeriodStudyParams {
    /// The cells (square only).
    pub cells: CellParams,
    /// Neighbours [default: queen].
    pub weights: WeightsSpec,
    /// Period (time step) length in days [default: [`crate::study::auto_period_days`]].
    pub period_days: Option<i64>,
    /// Start of the first period (seconds, local clock) [default: see the analyses].
    pub start: Option<i64>,
    /// Critical p-value.
    pub alpha: f64,
    /// Benjamini-Hochberg FDR (classify: over the cells of each period; emerging: over
    /// all bins of the space-time cube).
    pub fdr: bool,
    /// Emerging: previous time steps in each bin's neighbourhood.
    pub time_steps: usize,
}

impl Default for PeriodStudyParams {
    fn default() -> Self {
        PeriodStudyParams {
            cells: CellParams::default(),
            weights: WeightsSpec::default(),
            period_days: None,
            start: None,
            alpha: 0.05,
            fdr: false,
            time_steps: 1,
        }
    }
}

pub(super) const PERIOD_PALETTE: [Rgba; 9] = [
    [240, 240, 240, 255],
    [165, 0, 38, 255],
    [244, 109, 67, 255],
    [253, 174, 97, 255],
    [254, 224, 144, 255],
    [49, 54, 149, 255],
    [116, 173, 209, 255],
    [171, 217, 233, 255],
    [224, 243, 248, 255],
];

pub(super) fn period_setup(
    input: &HotspotInput,
    p: &PeriodStudyParams,
) -> Result<(AnalysisCells, Weights, i64)> {
    let mut cells = analysis_cells(input, &p.cells)?;
    cells.square_only("classify/emerging")?;
    let days = match p.period_days {
        Some(d) => d,
        None => crate::study::auto_period_days(&input.incidents.incidents)?,
    };
    let w = grid_weights(&cells.grid, &p.weights)?;
    cells.weights = None;
    Ok((cells, w, days))
}
pub(super) fn counts_text(counts: &std::collections::BTreeMap<String, usize>) -> String {
    counts.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

pub(super) fn period_params(stem: &str, p: &PeriodStudyParams, days: i64) -> Value {
    json!({"analysis": stem, "cells": p.cells, "weights": p.weights, "period_days": days,
           "start": p.start.map(|t| crate::time::format(t, crate::TimePrecision::Day)),
           "alpha": p.alpha, "fdr": p.fdr, "time_steps": (stem == "emerging").then_some(p.time_steps)})
}

/// The class map of a period study: `<stem>.png` with one colour per category and the
/// QGIS style of `<stem>.geojson` classed by its `category` column.
pub(super) fn category_map(
    out: &mut Outputs,
    s: &AnalysisCells,
    stem: &str,
    v: &[f64],
    title: Vec<String>,
    cats: Vec<(Rgba, String)>,
) -> Result<()> {
    let labels = cats.iter().map(|c| c.1.clone()).collect();
    let fig = s.map(
        &s.grid.to_full(v),
        title,
        "category",
        ColourScale::Categories(cats),
    )?;
    styled_map(
        out,
        stem,
        &format!("{stem}.png"),
        &fig,
        crate::export::qml::ClassedField {
            values: Some(labels),
            ..column("category")
        },
    )
}
