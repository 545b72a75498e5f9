//! Prediction accuracy of hot spot maps built on a training period and tested on the
//! next: `accuracy.json`, `accuracy.csv`, `pai.png`, `hit_rate.png`, `pei.png`.

use serde_json::{json, Value};

use super::IncidentInput;
use crate::accuracy::{self, AccuracyRow, CompareParams, HotspotComparison, MethodAccuracy};
use crate::error::Result;
use crate::export::{table, Cell, Column, Export, Figure, Outputs, Provenance, Table};
use crate::render::{PlotOptions, Series};

/// A time as written in split descriptions: the day, or the minute when not midnight.
pub fn instant(t: i64) -> String {
    let p = if t.rem_euclid(crate::time::DAY) == 0 {
        crate::TimePrecision::Day
    } else {
        crate::TimePrecision::Second
    };
    crate::time::format(t, p)
}

/// `{"train": "[from, until)", "test": "[until, test_until)"}` with open ends as ±inf.
pub fn split_json(from: Option<i64>, until: i64, test_until: Option<i64>) -> Value {
    json!({
        "train": format!("[{}, {})", from.map_or("-inf".into(), instant), instant(until)),
        "test": format!("[{}, {})", instant(until), test_until.map_or("+inf".into(), instant)),
    })
}

/// One row per method and area share (`accuracy.csv`, `validation.csv`).
pub fn accuracy_table(methods: &[MethodAccuracy]) -> impl Table + '_ {
    table(
        vec![
            Column::text("method"),
            Column::float("frac"),
            Column::int("k_cells"),
            Column::float("area_frac"),
            Column::float("n_hot"),
            Column::float("n_test"),
            Column::float("hit_rate"),
            Column::float("pai"),
            Column::float("n_max"),
            Column::float("pai_max"),
            Column::float("pei"),
            Column::float("n_hot_train"),
            Column::float("n_train"),
            Column::float("rri"),
        ],
        move |sink| {
            for m in methods {
                for r in &m.rows {
                    sink.row(&[
                        Cell::Str(&m.name),
                        Cell::Float(r.frac),
                        Cell::count(r.k_cells),
                        Cell::Float(r.area_frac),
                        Cell::Float(r.n_hot),
                        Cell::Float(r.n_test),
                        Cell::Float(r.hit_rate),
                        Cell::Float(r.pai),
                        Cell::Float(r.n_max),
                        Cell::Float(r.pai_max),
                        Cell::some(r.pei),
                        Cell::Float(r.n_hot_train),
                        Cell::Float(r.n_train),
                        Cell::some(r.rri),
                    ])?;
                }
            }
            Ok(())
        },
    )
}

/// The table method × area share (hit rate, PAI, PEI, RRI) as text, at the shares
/// `fracs` (e.g. 0.05 for 5 % of the area).
pub fn accuracy_text(
    methods: &[MethodAccuracy],
    skipped: &[(String, String)],
    fracs: &[f64],
    width: usize,
) -> String {
    let mut s = format!(
        "{:<width$} {:>5} {:>6} {:>8} {:>7} {:>7} {:>6} {:>6}\n",
        "method", "area%", "cells", "hit", "PAI", "PAImax", "PEI", "RRI"
    );
    for m in methods {
        for r in m
            .rows
            .iter()
            .filter(|r| fracs.iter().any(|f| (f - r.frac).abs() < 1e-9))
        {
            s.push_str(&format!(
                "{:<width$} {:>5.0} {:>6} {:>8.4} {:>7.3} {:>7.3} {:>6.3} {:>6}\n",
                m.name,
                r.frac * 100.0,
                r.k_cells,
                r.hit_rate,
                r.pai,
                r.pai_max,
                r.pei.unwrap_or(f64::NAN),
                r.rri.map(|x| format!("{x:.3}")).unwrap_or_default()
            ));
        }
    }
    for (m, why) in skipped {
        s.push_str(&format!("{m:<width$} skipped: {why}\n"));
    }
    s
}

/// Accuracy of counts, quartic KDE, Gi* and promap surfaces of the training incidents
/// on the test incidents.
#[derive(Debug, Clone)]
pub struct AccuracyStudy {
    /// Settings.
    pub params: CompareParams,
    /// The comparison.
    pub comparison: HotspotComparison,
    /// The split as written (`{"train": ..., "test": ...}`).
    pub split: Value,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Builds the grid over all incidents, splits them by time and compares the methods
/// ([`accuracy::compare_methods`]).
pub fn accuracy(input: &IncidentInput, p: &CompareParams) -> Result<AccuracyStudy> {
    let inc = &input.incidents;
    let comparison = accuracy::compare_methods(inc, p)?;
    let provenance = Provenance::new(json!({
        "train_from": p.train_from.map(instant), "train_until": instant(p.train_until),
        "test_until": p.test_until.map(instant), "cell_m": comparison.grid.cell,
        "kde_bandwidth_m": comparison.kde_bandwidth_m,
    }))
    .with_inputs(input.inputs())
    .with_crs(&inc.crs);
    Ok(AccuracyStudy {
        params: p.clone(),
        split: split_json(p.train_from, p.train_until, p.test_until),
        comparison,
        provenance,
    })
}

impl AccuracyStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "accuracy.json",
            "accuracy.csv",
            "pai.png",
            "hit_rate.png",
            "pei.png",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The table at 1, 5, 10 and 20 % of the area.
    pub fn summary_text(&self) -> String {
        let ev = &self.comparison;
        accuracy_text(&ev.methods, &ev.skipped, &[0.01, 0.05, 0.10, 0.20], 12)
    }
}

impl Export for AccuracyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let ev = &self.comparison;
        out.provenance(self.provenance.clone());
        let doc = json!({
            "definitions": accuracy::definitions_json(),
            "grid": ev.grid,
            "split": self.split,
            "n_train_in_grid": ev.split.train.iter().sum::<f64>(),
            "n_test_in_grid": ev.split.test.iter().sum::<f64>(),
            "unused_no_time_or_outside_periods": ev.split.unused,
            "methods": ev.methods.iter().map(|m| json!({"method": m.name, "parameters": m.params, "rows": m.rows})).collect::<Vec<_>>(),
            "skipped": ev.skipped.iter().map(|(m, why)| json!({"method": m, "reason": why})).collect::<Vec<_>>(),
        });
        out.json("accuracy.json", &doc)?;
        out.table("accuracy.csv", &accuracy_table(&ev.methods))?;
        type Metric = fn(&AccuracyRow) -> f64;
        let plots: [(&str, &str, Metric); 3] = [
            ("pai.png", "PAI", |r| r.pai),
            ("hit_rate.png", "hit rate", |r| r.hit_rate),
            ("pei.png", "PEI", |r| r.pei.unwrap_or(f64::NAN)),
        ];
        for (file, label, f) in plots {
            let mut series: Vec<Series> = ev
                .methods
                .iter()
                .map(|m| Series {
                    label: m.name.clone(),
                    points: m.rows.iter().map(|r| (100.0 * r.area_frac, f(r))).collect(),
                    markers: true,
                })
                .collect();
            if file == "pai.png" {
                if let Some(m) = ev.methods.first() {
                    series.push(Series {
                        label: "best possible".into(),
                        points: m
                            .rows
                            .iter()
                            .map(|r| (100.0 * r.area_frac, r.pai_max))
                            .collect(),
                        markers: false,
                    });
                }
            }
            let options = PlotOptions {
                title: vec![
                    format!("{label} over the share of area flagged"),
                    format!(
                        "grid {} m, {} cells; see accuracy.json for definitions",
                        ev.grid.cell,
                        ev.grid.len()
                    ),
                ],
                x_label: "area flagged (%)".into(),
                y_label: label.into(),
                ..Default::default()
            };
            out.figure(file, &Figure::line_plot(series, options))?;
        }
        Ok(())
    }
}
