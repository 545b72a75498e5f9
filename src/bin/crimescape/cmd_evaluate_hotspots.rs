//! `crimescape evaluate-hotspots`: prediction accuracy (hit rate, PAI, PEI, RRI) of
//! hotspot maps built on a training period, tested on the following period.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::accuracy::{self, AccuracyRow, MethodAccuracy};
use crimescape::render::{self, PlotOptions, Series};
use crimescape::{Incidents, Provenance};
use serde_json::{json, Value};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, write_output, LoadArgs};

/// Arguments of `crimescape evaluate-hotspots`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Incident file (with times).
    pub file: PathBuf,
    /// End of the training period (exclusive); the test period starts here.
    #[arg(long)]
    pub train_until: String,
    /// Start of the training period (inclusive) [default: open].
    #[arg(long)]
    pub train_from: Option<String>,
    /// End of the test period (exclusive) [default: open].
    #[arg(long)]
    pub test_until: Option<String>,
    /// Cell size in metres [default: sfhotspot rule on the extent].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Quartic KDE bandwidth in metres [default: 3 cells]; Gi* (queen weights) and promap
    /// (400 m, 56 days) are compared too.
    #[arg(long)]
    pub bandwidth: Option<f64>,
    /// Output folder: accuracy.json, accuracy.csv, pai.png, hit_rate.png.
    #[arg(long, short, default_value = "evaluation")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn parse_t(flag: &str, s: &str) -> Result<i64> {
    crimescape::time::parse(s).map(|t| t.0).ok_or_else(|| {
        crimescape::Error::Param(format!("{flag} {s:?}: not a date (use YYYY-MM-DD)")).into()
    })
}

/// Evaluation of every method on one split (the library's comparison).
pub type Evaluation = accuracy::HotspotComparison;

/// Builds the grid over all incidents, splits by time and compares counts, quartic
/// KDE, Gi* and promap ([`accuracy::compare_methods`]).
pub fn evaluate(
    inc: &Incidents,
    train_from: Option<i64>,
    train_until: i64,
    test_until: Option<i64>,
    cell: Option<f64>,
    bandwidth: Option<f64>,
) -> Result<Evaluation> {
    let p = accuracy::CompareParams::new(train_until)
        .train_from(train_from)
        .test_until(test_until)
        .cell(cell)
        .kde_bandwidth(bandwidth);
    Ok(accuracy::compare_methods(inc, &p)?)
}

/// Writes accuracy.json / .csv and the PNG curves.
pub fn write_evaluation(
    ev: &Evaluation,
    out: &Path,
    g: &GlobalArgs,
    prov: &Provenance,
    split_text: Value,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    let doc = json!({
        "definitions": accuracy::definitions_json(),
        "grid": ev.grid,
        "split": split_text,
        "n_train_in_grid": ev.split.train.iter().sum::<f64>(),
        "n_test_in_grid": ev.split.test.iter().sum::<f64>(),
        "unused_no_time_or_outside_periods": ev.split.unused,
        "methods": ev.methods.iter().map(|m| json!({"method": m.name, "parameters": m.params, "rows": m.rows})).collect::<Vec<_>>(),
        "skipped": ev.skipped.iter().map(|(m, why)| json!({"method": m, "reason": why})).collect::<Vec<_>>(),
    });
    let p = out.join("accuracy.json");
    write_output(&p, &serde_json::to_vec_pretty(&doc)?, g)?;
    written.push(p);
    let p = out.join("accuracy.csv");
    write_output(&p, &accuracy_csv(&ev.methods)?, g)?;
    written.push(p);
    for (file, label, f) in [
        (
            "pai.png",
            "PAI",
            (|r: &AccuracyRow| r.pai) as fn(&AccuracyRow) -> f64,
        ),
        ("hit_rate.png", "hit rate", |r: &AccuracyRow| r.hit_rate),
        ("pei.png", "PEI", |r: &AccuracyRow| {
            r.pei.unwrap_or(f64::NAN)
        }),
    ] {
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
        let png = render::line_plot(
            &series,
            &PlotOptions {
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
            },
        )?;
        let p = out.join(file);
        write_output(&p, &png, g)?;
        written.push(p);
    }
    for p in &written {
        let mut pr = prov.clone();
        pr.outputs = written.iter().map(|p| p.display().to_string()).collect();
        pr.write_beside(p, g.force)?;
    }
    Ok(written)
}

/// Prints the table at 1, 5, 10, 20 %.
pub fn print_table(ev: &Evaluation) {
    println!(
        "{:<12} {:>5} {:>6} {:>8} {:>7} {:>7} {:>6} {:>6}",
        "method", "area%", "cells", "hit", "PAI", "PAImax", "PEI", "RRI"
    );
    for m in &ev.methods {
        for r in m
            .rows
            .iter()
            .filter(|r| [1usize, 5, 10, 20].contains(&((r.frac * 100.0).round() as usize)))
        {
            println!(
                "{:<12} {:>5.0} {:>6} {:>8.4} {:>7.3} {:>7.3} {:>6.3} {:>6}",
                m.name,
                r.frac * 100.0,
                r.k_cells,
                r.hit_rate,
                r.pai,
                r.pai_max,
                r.pei.unwrap_or(f64::NAN),
                r.rri.map(|x| format!("{x:.3}")).unwrap_or_default()
            );
        }
    }
    for (m, why) in &ev.skipped {
        println!("{m:<12} skipped: {why}");
    }
}

pub fn run(a: EvaluateArgs, g: &GlobalArgs) -> Result<()> {
    let until = parse_t("--train-until", &a.train_until)?;
    let from = a
        .train_from
        .as_deref()
        .map(|s| parse_t("--train-from", s))
        .transpose()?;
    let test_until = a
        .test_until
        .as_deref()
        .map(|s| parse_t("--test-until", s))
        .transpose()?;
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let ev = evaluate(&inc, from, until, test_until, a.cell, a.bandwidth)?;
    let split_text = json!({
        "train": format!("[{}, {})", a.train_from.as_deref().unwrap_or("-inf"), a.train_until),
        "test": format!("[{}, {})", a.train_until, a.test_until.as_deref().unwrap_or("+inf")),
    });
    let mut prov = Provenance::new(
        json!({"train_from": a.train_from, "train_until": a.train_until,
        "test_until": a.test_until, "cell_m": ev.grid.cell, "kde_bandwidth_m": ev.kde_bandwidth_m}),
    );
    prov.input_load(&a.file, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    write_evaluation(&ev, &a.out, g, &prov, split_text)?;
    if !g.quiet {
        print_table(&ev);
    }
    Ok(())
}

/// One CSV row per method and area share (`accuracy.csv`, `validation.csv`).
pub fn accuracy_csv(methods: &[MethodAccuracy]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "method",
        "frac",
        "k_cells",
        "area_frac",
        "n_hot",
        "n_test",
        "hit_rate",
        "pai",
        "n_max",
        "pai_max",
        "pei",
        "n_hot_train",
        "n_train",
        "rri",
    ])?;
    let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for m in methods {
        for r in &m.rows {
            w.write_record([
                m.name.clone(),
                r.frac.to_string(),
                r.k_cells.to_string(),
                r.area_frac.to_string(),
                r.n_hot.to_string(),
                r.n_test.to_string(),
                r.hit_rate.to_string(),
                r.pai.to_string(),
                r.n_max.to_string(),
                r.pai_max.to_string(),
                o(r.pei),
                r.n_hot_train.to_string(),
                r.n_train.to_string(),
                o(r.rri),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}
