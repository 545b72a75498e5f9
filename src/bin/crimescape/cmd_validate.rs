//! `crimescape risk validate`: fit the risk terrain model on one period and score its
//! top-risk cells on the next, next to counts, KDE, Gi* and promap.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use crimescape::accuracy::{self, AccuracyRow};
use crimescape::render::{self, PlotOptions, Series};
use crimescape::risk::validate::{validate_rtm, validate_rtm_samples, RtmValidation};
use crimescape::risk::{FactorParams, LayerInput, Operationalisation, RtmParams, ValidateParams};
use crimescape::{Grid, Provenance};
use serde_json::{json, Value};

use crate::cli::GlobalArgs;
use crate::cmd_risk::{load_layers, parse_layer_spec, rtm_params, study_mask, FitArgs, LayerSpec};
use crate::common::{load_incidents, spinner, write_output};

/// Arguments of `risk validate`: those of `risk fit` plus the split.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub fit: FitArgs,
    /// End of the training period (exclusive) = start of the test period (YYYY-MM-DD).
    #[arg(long, required_unless_present = "test")]
    pub train_until: Option<String>,
    /// Start of the training period (inclusive) [default: open].
    #[arg(long)]
    pub train_from: Option<String>,
    /// End of the test period (exclusive) [default: open].
    #[arg(long)]
    pub test_until: Option<String>,
    /// Test incidents from another file (read with the same column/CRS options): train
    /// on INCIDENTS, test on this file (e.g. two yearly files without dates).
    #[arg(long, conflicts_with_all = ["train_until", "train_from", "test_until"])]
    pub test: Option<PathBuf>,
    /// Quartic KDE bandwidth in metres [default: 3 cells].
    #[arg(long)]
    pub bandwidth: Option<f64>,
}

fn parse_t(flag: &str, s: Option<&str>) -> Result<Option<i64>> {
    s.map(|s| {
        crimescape::time::parse(s).map(|t| t.0).ok_or_else(|| {
            crimescape::Error::Param(format!("{flag} {s:?}: not a date (use YYYY-MM-DD)")).into()
        })
    })
    .transpose()
}

/// Runs `crimescape risk validate`.
pub fn run(a: ValidateArgs, g: &GlobalArgs) -> Result<()> {
    let f = &a.fit;
    let specs: Vec<LayerSpec> = f
        .layers
        .iter()
        .map(|s| parse_layer_spec(s))
        .collect::<Result<_>>()?;
    let until = parse_t("--train-until", a.train_until.as_deref())?;
    let from = parse_t("--train-from", a.train_from.as_deref())?;
    let test_until = parse_t("--test-until", a.test_until.as_deref())?;
    let (inc, rep) = load_incidents(&f.incidents, &f.load, g)?;
    let params = rtm_params(f);
    let cell = f.cell.unwrap_or(f.block / 2.0);
    let mut prov = Provenance::new(json!({
        "layers": f.layers, "cell_m": cell, "rtm": params,
        "train_from": a.train_from, "train_until": a.train_until, "test_until": a.test_until,
        "test_file": a.test, "kde_bandwidth_m": a.bandwidth,
    }));
    prov.seed = Some(f.seed);
    prov.crs = Some(inc.crs.clone());
    prov.input(
        &f.incidents,
        if a.test.is_some() {
            "training incidents"
        } else {
            "incidents"
        },
        rep.rows_read,
        rep.accepted,
        &rep.sha256,
    );
    // the test file is read into the training file's working CRS
    let test_inc = match &a.test {
        Some(t) => {
            let mut la = f.load.clone();
            if la.to_crs.is_none() {
                la.to_crs = Some(inc.crs.working.to_string());
            }
            let (ti, trep) = load_incidents(t, &la, g)?;
            if ti.crs.working != inc.crs.working {
                return Err(crimescape::Error::Param(format!(
                    "--test: working CRS {} differs from the training file's {}",
                    ti.crs.working, inc.crs.working
                ))
                .into());
            }
            prov.input_load(t, "test incidents", &trep);
            Some(ti)
        }
        None => None,
    };
    let bbox = crimescape::layer::bbox_of(
        inc.xy
            .iter()
            .chain(test_inc.iter().flat_map(|t| t.xy.iter()))
            .copied(),
    )
    .ok_or_else(|| crimescape::Error::Data("no incidents to validate on".into()))?;
    let grid = Grid::covering(bbox, cell)?;
    let study = study_mask(f, &grid, &inc.crs.working, &mut prov)?;
    let layers = load_layers(&specs, f.layer_crs.as_deref(), &inc.crs.working, &mut prov)?;
    let inputs: Vec<LayerInput> = layers
        .iter()
        .zip(&specs)
        .map(|(l, s)| LayerInput {
            layer: l,
            filter: s.filter.as_deref(),
        })
        .collect();
    let mut vp = ValidateParams::new(params).kde_bandwidth(a.bandwidth);
    let pb = spinner(
        g,
        format!(
            "fitting the risk terrain model on the training incidents ({} cells)",
            grid.len()
        ),
    );
    let (v, split) = match (&test_inc, until) {
        (Some(t), _) => (
            validate_rtm_samples(&inc.xy, &t.xy, &grid, study.as_deref(), &inputs, &vp),
            json!({"train": f.incidents, "test": t_path(&a)}),
        ),
        (None, Some(u)) => {
            vp = vp.split(from, u, test_until);
            (
                validate_rtm(&inc, &grid, study.as_deref(), &inputs, &vp),
                json!({
                    "train": format!("[{}, {})", a.train_from.as_deref().unwrap_or("-inf"), a.train_until.as_deref().unwrap_or("")),
                    "test": format!("[{}, {})", a.train_until.as_deref().unwrap_or(""), a.test_until.as_deref().unwrap_or("+inf")),
                }),
            )
        }
        (None, None) => {
            pb.finish_and_clear();
            return Err(crimescape::Error::Param(
                "give --train-until DATE (time split) or --test FILE (two samples)".into(),
            )
            .into());
        }
    };
    pb.finish_and_clear();
    let v = v?;
    std::fs::create_dir_all(&f.out).with_context(|| format!("creating {}", f.out.display()))?;
    write_validation(&v, &f.out, g, &prov, split)?;
    if !g.quiet {
        print!("{}", validation_table(&v, &[0.01, 0.05, 0.10, 0.20]));
    }
    Ok(())
}

fn t_path(a: &ValidateArgs) -> Value {
    json!(a.test.as_ref().map(|p| p.display().to_string()))
}

/// The table method × area share (hit rate, PAI, PEI, RRI) as text.
pub fn validation_table(v: &RtmValidation, fracs: &[f64]) -> String {
    let mut s = format!(
        "training model: {} factor(s) [{}], family {}, {} risk level(s), {} of {} cells at the lowest risk\n",
        v.factors.len(),
        v.factors
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        v.family,
        v.risk_levels,
        v.baseline_cells,
        v.study_cells
    );
    s.push_str(&format!(
        "{} training / {} test incidents in {} cells ({} m); KDE bandwidth {} m\n",
        v.n_train, v.n_test, v.study_cells, v.grid.cell, v.kde_bandwidth_m
    ));
    s.push_str(&format!(
        "{:<16} {:>5} {:>6} {:>8} {:>7} {:>7} {:>6} {:>6}\n",
        "method", "area%", "cells", "hit", "PAI", "PAImax", "PEI", "RRI"
    ));
    for m in &v.methods {
        for r in m
            .rows
            .iter()
            .filter(|r| fracs.iter().any(|f| (f - r.frac).abs() < 1e-9))
        {
            s.push_str(&format!(
                "{:<16} {:>5.0} {:>6} {:>8.4} {:>7.3} {:>7.3} {:>6.3} {:>6}\n",
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
    for (m, why) in &v.skipped {
        s.push_str(&format!("{m:<16} skipped: {why}\n"));
    }
    s
}

/// Writes validation.json, validation.csv, hit_rate.png and pai.png (+ provenance).
pub fn write_validation(
    v: &RtmValidation,
    out: &Path,
    g: &GlobalArgs,
    prov: &Provenance,
    split: Value,
) -> Result<Vec<PathBuf>> {
    let doc = json!({
        "definitions": accuracy::definitions_json(),
        "tie_rule": v.tie_rule,
        "split": split,
        "validation": v,
    });
    let mut files: Vec<(&str, Vec<u8>)> =
        vec![("validation.json", serde_json::to_vec_pretty(&doc)?)];
    files.push((
        "validation.csv",
        crate::cmd_evaluate_hotspots::accuracy_csv(&v.methods)?,
    ));
    type Metric = fn(&AccuracyRow) -> f64;
    let plots: [(&str, &str, Metric); 2] = [
        ("hit_rate.png", "hit rate", |r| r.hit_rate),
        ("pai.png", "PAI", |r| r.pai),
    ];
    for (file, label, metric) in plots {
        let series: Vec<Series> = v
            .methods
            .iter()
            .map(|m| Series {
                label: m.name.clone(),
                points: m
                    .rows
                    .iter()
                    .map(|r| (100.0 * r.area_frac, metric(r)))
                    .collect(),
                markers: m.name.starts_with("rtm"),
            })
            .collect();
        let png = render::line_plot(
            &series,
            &PlotOptions {
                title: vec![
                    format!("RTM validity: {label} on the test period"),
                    format!(
                        "surfaces from the training period; {} cells of {} m; see validation.json",
                        v.study_cells, v.grid.cell
                    ),
                ],
                x_label: "area flagged (%)".into(),
                y_label: label.into(),
                ..Default::default()
            },
        )?;
        files.push((file, png));
    }
    let written: Vec<PathBuf> = files.iter().map(|(n, _)| out.join(n)).collect();
    let mut pr = prov.clone();
    pr.outputs = written.iter().map(|p| p.display().to_string()).collect();
    for ((_, bytes), p) in files.iter().zip(&written) {
        write_output(p, bytes, g)?;
        pr.write_beside(p, g.force)?;
    }
    Ok(written)
}

/// The validity step of `crimescape demo`: RTM fitted on the first two thirds of the
/// demo year (before 1 September), scored on the last third next to KDE, Gi*, counts
/// and promap; prints PAI at 5 % of the area.
pub fn demo_validate(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let dir = out.join("validate");
    std::fs::create_dir_all(&dir)?;
    let bbox = city
        .incidents
        .bbox()
        .ok_or_else(|| crimescape::Error::Data("demo city has no incidents".into()))?;
    let grid = Grid::covering(bbox, 50.0)?;
    let inputs: Vec<LayerInput> = city
        .layers
        .iter()
        .filter(|l| l.name != "parks")
        .map(|l| LayerInput {
            layer: l,
            filter: (l.name == "lights").then_some("status=out"),
        })
        .collect();
    // proximity at 50/100/150 m keeps the demo fast
    let fp = FactorParams::new(50.0)
        .distances(vec![50.0, 100.0, 150.0])
        .operationalisations(vec![Operationalisation::Proximity]);
    // 2024-09-01: day 244 of the leap year 2024
    let until = (crimescape::demo::DEMO_START_DAY + 244) * crimescape::time::DAY;
    let vp = ValidateParams::new(RtmParams::new(50.0).factors(fp)).split(None, until, None);
    let pb = spinner(g, "validating the risk terrain model".into());
    let v = validate_rtm(&city.incidents, &grid, None, &inputs, &vp);
    pb.finish_and_clear();
    let v = v?;
    let mut p = Provenance::new(json!({"source": "demo city", "cell_m": 50.0, "validate": vp}));
    p.crs = Some(city.incidents.crs.clone());
    p.seed = Some(vp.rtm.seed);
    let written = write_validation(
        &v,
        &dir,
        g,
        &p,
        json!({"train": "[-inf, 2024-09-01)", "test": "[2024-09-01, +inf)"}),
    )?;
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    if !g.quiet {
        println!("\n== RTM validity (fit Jan-Aug, test Sep-Dec; 50 m cells) ==");
        print!("{}", validation_table(&v, &[0.05]));
    }
    Ok(())
}
