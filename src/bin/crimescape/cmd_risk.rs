//! `crimescape risk fit|apply`: risk terrain models from the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{grid_map, MapOptions};
use crimescape::risk::{
    apply_model, fit_rtm, fit_rtm_in, FactorParams, LayerInput, Operationalisation, RtmModel,
    RtmParams, RtmResult,
};
use crimescape::{Crs, Grid, Layer, Provenance};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, spinner, write_output, LoadArgs};

/// `crimescape risk ...`
#[derive(Debug, Args)]
pub struct RiskArgs {
    #[command(subcommand)]
    pub command: RiskCommand,
}

/// Risk subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
pub enum RiskCommand {
    /// Fit a risk terrain model: which layers, at which spatial influence, explain where
    /// incidents concentrate (elastic-net screen, stepwise BIC, Poisson or negative
    /// binomial). Writes the risk surface (GeoJSON + PNG), the factor table
    /// (CSV/JSON/console), model.json and provenance.
    Fit(FitArgs),
    /// Re-apply a saved model.json to (changed) layers: the new risk surface.
    Apply(ApplyArgs),
    /// Validity: fit the model on a training period (or file) and score its top-risk
    /// cells on the test period (hit rate, PAI, PEI, RRI at 1-20 % of the area) next to
    /// naive counts, KDE, Gi* and promap of the same training incidents.
    Validate(crate::cmd_validate::ValidateArgs),
}

/// Which operationalisations to try.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OpChoice {
    /// Cell within d of the nearest feature.
    Proximity,
    /// Feature density above mean + k SD.
    Density,
    /// Try both (RTMDx's behaviour).
    Both,
}

/// Arguments of `risk fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// A risk-factor layer: NAME=PATH or NAME=PATH:COLUMN=VALUE (feature filter, e.g.
    /// lights=lights.geojson:status=out). Repeatable.
    #[arg(long = "layer", value_name = "NAME=PATH[:FILTER]", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Block length in metres: spatial influences 0.5, 1, …, 3 blocks are tested.
    #[arg(long, default_value_t = 100.0)]
    pub block: f64,
    /// Spatial influences to test instead (metres, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub distances: Option<Vec<f64>>,
    /// Cell size in metres [default: half a block].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Operationalisations to try.
    #[arg(long, value_enum, default_value_t = OpChoice::Both)]
    pub op: OpChoice,
    /// Density indicator threshold: mean + this many SD.
    #[arg(long, default_value_t = 2.0)]
    pub density_sd: f64,
    /// Cross-validation folds of the elastic-net screen.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Elastic-net mixing (1 = lasso).
    #[arg(long, default_value_t = 0.5)]
    pub l1_ratio: f64,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Study-area polygon(s) (e.g. the city boundary): only cells whose centre lies
    /// inside enter the model [default: every cell of the incidents' bounding box].
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Arguments of `risk apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// model.json written by `risk fit`.
    pub model: PathBuf,
    /// Layers as in `risk fit` (NAME=PATH; the model's filters are re-applied).
    #[arg(long = "layer", value_name = "NAME=PATH", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Working CRS of the model (as printed by `risk fit`, e.g. EPSG:32616).
    #[arg(long)]
    pub to_crs: String,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// A parsed `NAME=PATH[:FILTER]`.
pub struct LayerSpec {
    pub name: String,
    pub path: PathBuf,
    pub filter: Option<String>,
}

/// Parses `NAME=PATH` or `NAME=PATH:COLUMN=VALUE`.
pub fn parse_layer_spec(s: &str) -> Result<LayerSpec> {
    let (name, rest) = s.split_once('=').ok_or_else(|| {
        crimescape::Error::Param(format!(
            "--layer {s:?}: expected NAME=PATH or NAME=PATH:COLUMN=VALUE"
        ))
    })?;
    let name = name.trim();
    if name.is_empty() || rest.is_empty() {
        return Err(crimescape::Error::Param(format!("--layer {s:?}: empty name or path")).into());
    }
    let (path, filter) = match rest.rsplit_once(':') {
        Some((p, f)) if f.contains('=') && !p.is_empty() => (p, Some(f.to_string())),
        _ => (rest, None),
    };
    Ok(LayerSpec {
        name: name.to_string(),
        path: PathBuf::from(path),
        filter,
    })
}

pub fn load_layers(
    specs: &[LayerSpec],
    layer_crs: Option<&str>,
    target: &Crs,
    prov: &mut Provenance,
) -> Result<Vec<Layer>> {
    let mut out = Vec::new();
    for s in specs {
        let (mut l, rep) = load_layer(&s.path, layer_crs, Some(target), &[])?;
        l.name = s.name.clone();
        prov.input(
            &s.path,
            &format!("layer {}", s.name),
            rep.features_read,
            rep.accepted,
            &rep.sha256,
        );
        out.push(l);
    }
    Ok(out)
}

/// Writes risk.geojson (cells with risk above the baseline or with incidents), risk.png
/// and risk.csv (every cell) into `dir`.
#[allow(clippy::too_many_arguments)]
pub fn write_surface(
    dir: &Path,
    grid: &Grid,
    crs: &Crs,
    risk: &[f64],
    counts: Option<&[f64]>,
    title: &str,
    prov: &Provenance,
    g: &GlobalArgs,
) -> Result<Vec<PathBuf>> {
    let mut w = FeatureCollectionWriter::new(crs)?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["cell", "x", "y", "risk", "count"])?;
    for id in 0..grid.len() {
        let c = counts.map(|c| c[id]);
        let cc = grid.centre(id);
        csv.write_record([
            id.to_string(),
            format!("{:.2}", cc[0]),
            format!("{:.2}", cc[1]),
            if risk[id].is_nan() {
                String::new()
            } else {
                format!("{:.6}", risk[id])
            },
            c.map(|v| v.to_string()).unwrap_or_default(),
        ])?;
        if !risk[id].is_nan() && (risk[id] > 1.0 + 1e-12 || c.is_some_and(|v| v > 0.0)) {
            let mut p = serde_json::Map::new();
            p.insert("cell".into(), id.into());
            p.insert(
                "risk".into(),
                serde_json::json!((risk[id] * 1e6).round() / 1e6),
            );
            if let Some(v) = c {
                p.insert("count".into(), serde_json::json!(v));
            }
            w.push(&geo::Geometry::Polygon(grid.cell_polygon(id)), p)?;
        }
    }
    let png = grid_map(
        grid,
        risk,
        &MapOptions {
            title: vec![
                title.to_string(),
                "relative risk (lowest-risk cell = 1)".into(),
            ],
            legend: "relative risk".into(),
            scale: crimescape::render::ColourScale::Continuous {
                min: 1.0,
                max: risk
                    .iter()
                    .cloned()
                    .filter(|v| !v.is_nan())
                    .fold(1.0 + 1e-9, f64::max),
                sqrt: true,
            },
            ..Default::default()
        },
    )?;
    let mut written = Vec::new();
    for (name, bytes) in [
        ("risk.geojson", w.finish()),
        ("risk.csv", csv.into_inner()?),
        ("risk.png", png),
    ] {
        let p = dir.join(name);
        write_output(&p, &bytes, g)?;
        prov.write_beside(&p, g.force)?;
        written.push(p);
    }
    Ok(written)
}

/// The factor table as text.
pub fn factor_table(r: &RtmResult) -> String {
    let d = &r.diagnostics;
    let mut s = format!(
        "risk terrain model: {} cells, {} incidents, {} candidate variables, {} screened; family {}{}\n",
        d.cells,
        d.incidents,
        d.candidates,
        d.screened.len(),
        d.family,
        d.theta.map(|t| format!(" (theta {t:.3})")).unwrap_or_default()
    );
    s.push_str(&format!(
        "BIC {:.1} (Poisson {:.1}, NB {}), deviance {:.1} / null {:.1}, Poisson dispersion {:.3}\n",
        d.bic,
        d.poisson_bic,
        d.nb_bic
            .map(|b| format!("{b:.1}"))
            .unwrap_or_else(|| "n/a".into()),
        d.deviance,
        d.null_deviance,
        d.poisson_dispersion
    ));
    s.push_str(&format!(
        "{:<40} {:>10} {:>8} {:>8} {:>9} {:>7} {:>17} {:>7}\n",
        "factor", "op", "dist_m", "coef", "p", "RRV", "95% CI", "cells%"
    ));
    for f in &r.factors {
        let name = match &f.filter {
            Some(fl) => format!("{} [{fl}]", f.layer),
            None => f.layer.clone(),
        };
        s.push_str(&format!(
            "{:<40} {:>10} {:>8} {:>8.4} {:>9.2e} {:>7.3} {:>17} {:>6.1}%\n",
            name,
            f.operationalisation,
            f.distance,
            f.coef,
            f.p,
            f.rrv,
            format!("[{:.3}, {:.3}]", f.rrv_lo, f.rrv_hi),
            100.0 * f.cell_share
        ));
    }
    if r.factors.is_empty() {
        s.push_str("(no factor selected: no layer explains the incidents better than chance)\n");
    }
    s
}

/// Writes factors.csv, factors.json, model.json (+ provenance) and the surface.
pub fn write_fit_outputs(
    dir: &Path,
    r: &RtmResult,
    crs: &Crs,
    prov: &mut Provenance,
    g: &GlobalArgs,
) -> Result<()> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "factor",
        "layer",
        "filter",
        "operationalisation",
        "distance_m",
        "coef",
        "se",
        "p",
        "rrv",
        "rrv_lo",
        "rrv_hi",
        "cell_share",
    ])?;
    for f in &r.factors {
        csv.write_record([
            f.label.clone(),
            f.layer.clone(),
            f.filter.clone().unwrap_or_default(),
            f.operationalisation.clone(),
            f.distance.to_string(),
            format!("{:.8}", f.coef),
            format!("{:.8}", f.se),
            format!("{:.6e}", f.p),
            format!("{:.6}", f.rrv),
            format!("{:.6}", f.rrv_lo),
            format!("{:.6}", f.rrv_hi),
            format!("{:.6}", f.cell_share),
        ])?;
    }
    let table = serde_json::json!({"factors": r.factors, "diagnostics": r.diagnostics});
    let mut model = serde_json::to_value(&r.model)?;
    if let Some(m) = model.as_object_mut() {
        m.insert("crs".into(), serde_json::json!(crs.to_string()));
    }
    let files: [(&str, Vec<u8>); 3] = [
        ("factors.csv", csv.into_inner()?),
        ("factors.json", serde_json::to_vec_pretty(&table)?),
        ("model.json", serde_json::to_vec_pretty(&model)?),
    ];
    for (name, _) in &files {
        prov.outputs.push(dir.join(name).display().to_string());
    }
    for name in ["risk.geojson", "risk.csv", "risk.png"] {
        prov.outputs.push(dir.join(name).display().to_string());
    }
    for (name, bytes) in files {
        let p = dir.join(name);
        write_output(&p, &bytes, g)?;
        prov.write_beside(&p, g.force)?;
    }
    write_surface(
        dir,
        &r.model.grid,
        crs,
        &r.risk,
        Some(&r.counts),
        "Risk terrain model",
        prov,
        g,
    )?;
    Ok(())
}

/// The model settings of `risk fit` arguments (shared with `risk validate`).
pub fn rtm_params(a: &FitArgs) -> RtmParams {
    let mut fp = FactorParams::new(a.block).density_sd(a.density_sd);
    if let Some(d) = &a.distances {
        fp = fp.distances(d.clone());
    }
    fp = fp.operationalisations(match a.op {
        OpChoice::Proximity => vec![Operationalisation::Proximity],
        OpChoice::Density => vec![Operationalisation::Density],
        OpChoice::Both => vec![Operationalisation::Proximity, Operationalisation::Density],
    });
    RtmParams::new(a.block)
        .seed(a.seed)
        .cv_folds(a.folds)
        .l1_ratio(a.l1_ratio)
        .factors(fp)
}

/// The study-area cell mask of `--boundary` (None without it), recorded in `prov`.
pub fn study_mask(
    a: &FitArgs,
    grid: &Grid,
    working: &Crs,
    prov: &mut Provenance,
) -> Result<Option<Vec<bool>>> {
    let Some(b) = &a.boundary else {
        return Ok(None);
    };
    let (bl, brep) = load_layer(b, a.layer_crs.as_deref(), Some(working), &[])?;
    prov.input(
        b,
        "boundary",
        brep.features_read,
        brep.accepted,
        &brep.sha256,
    );
    Ok(Some(crimescape::risk::factors::polygon_mask(grid, &bl)))
}

fn run_fit(a: FitArgs, g: &GlobalArgs) -> Result<()> {
    let specs: Vec<LayerSpec> = a
        .layers
        .iter()
        .map(|s| parse_layer_spec(s))
        .collect::<Result<_>>()?;
    let (inc, rep) = load_incidents(&a.incidents, &a.load, g)?;
    let params = rtm_params(&a);
    let cell = a.cell.unwrap_or(a.block / 2.0);
    let mut prov = Provenance::new(serde_json::json!({
        "layers": a.layers, "cell_m": cell, "rtm": params,
    }));
    prov.seed = Some(a.seed);
    prov.crs = Some(inc.crs.clone());
    prov.input_load(&a.incidents, "incidents", &rep);
    let layers = load_layers(&specs, a.layer_crs.as_deref(), &inc.crs.working, &mut prov)?;
    let bbox = inc
        .bbox()
        .ok_or_else(|| crimescape::Error::Data("no incidents to model".into()))?;
    let grid = Grid::covering(bbox, cell)?;
    let study = study_mask(&a, &grid, &inc.crs.working, &mut prov)?;
    let inputs: Vec<LayerInput> = layers
        .iter()
        .zip(&specs)
        .map(|(l, s)| LayerInput {
            layer: l,
            filter: s.filter.as_deref(),
        })
        .collect();
    let pb = spinner(
        g,
        format!("fitting the risk terrain model on {} cells", grid.len()),
    );
    let r = fit_rtm_in(&inc.xy, &grid, study.as_deref(), &inputs, &params);
    pb.finish_and_clear();
    let r = r?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write_fit_outputs(&a.out, &r, &inc.crs.working, &mut prov, g)?;
    if !g.quiet {
        print!("{}", factor_table(&r));
        println!(
            "working CRS: {} (pass it to `risk apply --to-crs`)",
            inc.crs.working
        );
    }
    Ok(())
}

fn run_apply(a: ApplyArgs, g: &GlobalArgs) -> Result<()> {
    let bytes =
        std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let mf = crimescape::risk::read_model(&bytes, &a.model)?;
    let crs = Crs::parse(&a.to_crs)?;
    mf.check_crs(&crs, &format!("model file {}", a.model.display()))?;
    let model: RtmModel = mf.model;
    let specs: Vec<LayerSpec> = a
        .layers
        .iter()
        .map(|s| parse_layer_spec(s))
        .collect::<Result<_>>()?;
    let mut prov = Provenance::new(serde_json::json!({"model": a.model, "layers": a.layers}));
    prov.input(&a.model, "model", 1, 1, "");
    let layers = load_layers(&specs, a.layer_crs.as_deref(), &crs, &mut prov)?;
    let refs: Vec<&Layer> = layers.iter().collect();
    let applied = apply_model(&model, &model.grid, &refs)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    for name in ["risk.geojson", "risk.csv", "risk.png"] {
        prov.outputs.push(a.out.join(name).display().to_string());
    }
    write_surface(
        &a.out,
        &model.grid,
        &crs,
        &applied.risk,
        None,
        "Risk terrain model (applied)",
        &prov,
        g,
    )?;
    if !g.quiet {
        // NaN outside the model's study area.
        let inside: Vec<f64> = applied
            .risk
            .iter()
            .copied()
            .filter(|r| r.is_finite())
            .collect();
        let max = inside.iter().cloned().fold(0.0, f64::max);
        let mean = inside.iter().sum::<f64>() / inside.len().max(1) as f64;
        println!(
            "applied {} factor(s) to {} cells: mean relative risk {mean:.3}, max {max:.3}, expected incidents {:.1}",
            model.factors.len(),
            inside.len(),
            applied.expected.iter().sum::<f64>()
        );
    }
    Ok(())
}

/// Runs `crimescape risk`.
pub fn run(a: RiskArgs, g: &GlobalArgs) -> Result<()> {
    match a.command {
        RiskCommand::Fit(f) => run_fit(f, g),
        RiskCommand::Apply(f) => run_apply(f, g),
        RiskCommand::Validate(v) => crate::cmd_validate::run(v, g),
    }
}

/// The risk step of `crimescape demo`: fit on the demo city and compare with the truth.
pub fn demo_risk(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<RtmResult> {
    let dir = out.join("risk");
    std::fs::create_dir_all(&dir)?;
    let grid = Grid::covering(city.truth.extent, 50.0)?;
    let inputs: Vec<LayerInput> = city
        .layers
        .iter()
        .filter(|l| l.name != "parks")
        .map(|l| LayerInput {
            layer: l,
            filter: (l.name == "lights").then_some("status=out"),
        })
        .collect();
    let params = RtmParams::new(50.0);
    let pb = spinner(g, "fitting the risk terrain model".into());
    let r = fit_rtm(&city.incidents.xy, &grid, &inputs, &params);
    pb.finish_and_clear();
    let r = r?;
    let mut p =
        Provenance::new(serde_json::json!({"cell_m": 50.0, "rtm": params, "source": "demo city"}));
    p.crs = Some(city.incidents.crs.clone());
    p.seed = Some(params.seed);
    write_fit_outputs(&dir, &r, &city.incidents.crs.working, &mut p, g)?;
    prov.outputs.extend(p.outputs.iter().cloned());
    if !g.quiet {
        println!("\n== risk terrain model (50 m cells; distances 25-150 m) ==");
        print!("{}", factor_table(&r));
        println!(
            "{:<24} {:>10} {:>12} {:>22}",
            "truth layer", "true RRV", "true dist", "recovered RRV [CI] @ d"
        );
        for t in &city.truth.factors {
            let row = r.factors.iter().find(|f| f.layer == t.layer);
            let rec = match row {
                Some(f) => format!(
                    "{:.2} [{:.2}, {:.2}] @ {}m",
                    f.rrv, f.rrv_lo, f.rrv_hi, f.distance
                ),
                None => "not selected".into(),
            };
            println!(
                "{:<24} {:>10.2} {:>11}m {:>22}",
                t.layer, t.relative_risk, t.distance, rec
            );
        }
    }
    // Ranked sites (cells and street segments) from the fitted model.
    crate::cmd_sites::demo_sites(out, city, &r.model, g, prov)?;
    Ok(r)
}
