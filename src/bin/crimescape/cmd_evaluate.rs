//! `crimescape evaluate`: before/after with a control, displacement, cost-benefit.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use crimescape::evaluate::{
    self, simulate, CostSpec, Dispersion, EvaluateParams, Evaluation, ItsParams, Period,
    TreatmentArea,
};
use crimescape::glm::Family;
use crimescape::render::{self, ColourScale, MapOptions, Overlay, PlotOptions, Series};
use crimescape::{Error, Incidents, Layer, Provenance};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, spinner, write_output, LoadArgs};

/// Model of the interrupted time series.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ItsModel {
    /// Negative binomial GLM (θ estimated; Poisson when there is no over-dispersion).
    Nb,
    /// Poisson GLM (standard errors scaled for over-dispersion).
    Poisson,
    /// No time series.
    None,
}

/// Arguments of `crimescape evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Treatment area(s): GeoJSON polygons, or points/lines with --radius.
    #[arg(long)]
    pub treatment: PathBuf,
    /// CRS of the treatment (and control) file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub areas_crs: Option<String>,
    /// Property naming the areas: features with the same value form one area,
    /// evaluated separately and pooled [default: all features form one area].
    #[arg(long)]
    pub area_field: Option<String>,
    /// Treated distance around point or line features (m); 0 for polygons.
    #[arg(long, default_value_t = 0.0)]
    pub radius: f64,
    /// Width of the buffer (catchment) ring around the treatment area (m); 0 for none.
    #[arg(long, default_value_t = 400.0)]
    pub buffer: f64,
    /// Control area polygons (per area when they carry --area-field) [default:
    /// comparable grid cells chosen automatically].
    #[arg(long)]
    pub control: Option<PathBuf>,
    /// Cell size of the automatic control (m).
    #[arg(long, default_value_t = 250.0)]
    pub control_cell: f64,
    /// Intervention date (YYYY-MM-DD); the pre and post periods are the longest
    /// equal spans on both sides within the data.
    #[arg(long)]
    pub intervention_date: Option<String>,
    /// Explicit pre period FROM..TO (TO excluded), e.g. 2023-01-01..2023-07-01.
    #[arg(long, value_name = "FROM..TO")]
    pub pre: Option<String>,
    /// Explicit post period FROM..TO (TO excluded).
    #[arg(long, value_name = "FROM..TO")]
    pub post: Option<String>,
    /// Cost file (TOML: intervention_cost, [offence_costs]) for a cost-benefit account.
    #[arg(long)]
    pub costs: Option<PathBuf>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Over-dispersion of counts: `auto` (estimated from monthly counts), `poisson`, or a factor.
    #[arg(long, default_value = "auto")]
    pub dispersion: String,
    /// Interrupted time series model.
    #[arg(long, value_enum, default_value = "nb")]
    pub its: ItsModel,
    /// Let the time series also estimate a change of trend after the intervention
    /// (default: a step change only).
    #[arg(long)]
    pub its_slope_change: bool,
    /// Output folder: evaluation.json, evaluation.md, timeseries_*.png, areas.png, areas.geojson.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn parse_date(flag: &str, s: &str) -> Result<i64> {
    crimescape::time::parse(s.trim())
        .map(|t| t.0)
        .ok_or_else(|| Error::Param(format!("{flag} {s:?}: not a date (use YYYY-MM-DD)")).into())
}

fn parse_span(flag: &str, s: &str) -> Result<(i64, i64)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        Error::Param(format!(
            "{flag} {s:?}: use FROM..TO, e.g. 2024-01-01..2024-07-01"
        ))
    })?;
    Ok((parse_date(flag, a)?, parse_date(flag, b)?))
}

/// The library parameters from the flags.
fn params(a: &EvaluateArgs) -> Result<EvaluateParams> {
    let mut p = match (&a.pre, &a.post, &a.intervention_date) {
        (Some(pre), Some(post), d) => {
            let mut p =
                EvaluateParams::periods(parse_span("--pre", pre)?, parse_span("--post", post)?);
            if let Some(d) = d {
                p.intervention = Some(parse_date("--intervention-date", d)?);
            }
            p
        }
        (None, None, Some(d)) => EvaluateParams::at(parse_date("--intervention-date", d)?),
        (None, None, None) => {
            return Err(Error::Param(
                "give --intervention-date DATE, or --pre FROM..TO and --post FROM..TO".into(),
            )
            .into())
        }
        _ => {
            return Err(Error::Param("give both --pre and --post".into()).into());
        }
    };
    p = p.confidence(a.confidence).control_cell(a.control_cell);
    p.dispersion = match a.dispersion.as_str() {
        "auto" => Dispersion::Estimate,
        "poisson" => Dispersion::Poisson,
        s => Dispersion::Fixed(s.parse::<f64>().map_err(|_| {
            Error::Param(format!(
                "--dispersion {s:?}: use auto, poisson or a number > 0"
            ))
        })?),
    };
    p.its = match a.its {
        ItsModel::Nb => Some(ItsParams::default()),
        ItsModel::Poisson => Some(ItsParams {
            family: Family::Poisson,
            ..ItsParams::default()
        }),
        ItsModel::None => None,
    };
    if let Some(i) = &mut p.its {
        i.slope_change = a.its_slope_change;
    }
    if let Some(c) = &a.costs {
        p.costs = Some(CostSpec::load(c)?);
    }
    Ok(p)
}

/// Named groups of geometries.
type Groups = Vec<(String, Vec<geo::Geometry<f64>>)>;

/// Groups a layer's features into areas by a property (or one area named `default`).
fn group(layer: &Layer, field: Option<&str>, default: &str) -> Result<Groups> {
    let mut out: Groups = Vec::new();
    for (i, g) in layer.geometries.iter().enumerate() {
        let name = match field {
            Some(f) => layer.property_str(i, f).ok_or_else(|| {
                Error::Param(format!(
                    "{}: feature {i} has no property '{f}' (--area-field)",
                    layer.name
                ))
            })?,
            None => default.to_string(),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(g.clone()),
            None => out.push((name, vec![g.clone()])),
        }
    }
    Ok(out)
}

pub fn run(a: EvaluateArgs, g: &GlobalArgs) -> Result<()> {
    let p = params(&a)?;
    let (inc, rep) = load_incidents(&a.incidents, &a.load, g)?;
    let (tl, trep) = load_layer(
        &a.treatment,
        a.areas_crs.as_deref(),
        Some(&inc.crs.working),
        &[],
    )?;
    if tl.is_empty() {
        return Err(
            Error::Content(format!("{}: no treatment feature", a.treatment.display())).into(),
        );
    }
    let stem = a
        .treatment
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "treatment".into());
    let groups = group(&tl, a.area_field.as_deref(), &stem)?;
    let mut areas: Vec<TreatmentArea> = groups
        .into_iter()
        .map(|(name, geoms)| {
            TreatmentArea::polygons(&name, geoms)
                .radius(a.radius)
                .buffer(a.buffer)
        })
        .collect();
    let mut control_rep = None;
    if let Some(cp) = &a.control {
        let (cl, crep) = load_layer(cp, a.areas_crs.as_deref(), Some(&inc.crs.working), &[])?;
        if cl.is_empty() {
            return Err(Error::Content(format!("{}: no control feature", cp.display())).into());
        }
        let per_area = a
            .area_field
            .as_deref()
            .filter(|f| (0..cl.len()).all(|i| cl.property_str(i, f).is_some()));
        match per_area {
            Some(f) => {
                let groups = group(&cl, Some(f), "")?;
                for area in &mut areas {
                    let geoms = groups
                        .iter()
                        .find(|(n, _)| *n == area.name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            Error::Content(format!(
                                "{}: no control feature with {f} = '{}'",
                                cp.display(),
                                area.name
                            ))
                        })?;
                    area.control = Some(geoms);
                }
            }
            None => {
                for area in &mut areas {
                    area.control = Some(cl.geometries.clone());
                }
            }
        }
        control_rep = Some(crep);
    }
    let pb = spinner(g, "evaluating".into());
    let res = evaluate::evaluate(&inc, &areas, &p);
    pb.finish_and_clear();
    let ev = res.context("evaluating the intervention")?;

    let mut prov = Provenance::new(serde_json::json!({
        "radius_m": a.radius,
        "buffer_m": a.buffer,
        "area_field": a.area_field,
        "control": a.control.as_ref().map(|c| c.display().to_string()),
        "evaluate": p,
    }));
    prov.input_load(&a.incidents, "incidents", &rep);
    prov.input(
        &a.treatment,
        "treatment",
        trep.features_read,
        trep.accepted,
        &trep.sha256,
    );
    if let (Some(cp), Some(cr)) = (&a.control, &control_rep) {
        prov.input(cp, "control", cr.features_read, cr.accepted, &cr.sha256);
    }
    if let Some(c) = &a.costs {
        let bytes = std::fs::read(c).map_err(|e| Error::io(c, e))?;
        prov.input(c, "costs", 1, 1, &crimescape::io::sha256_hex(&bytes));
    }
    prov.crs = Some(inc.crs.clone());
    write_outputs(&a.out, &inc, &areas, &ev, g, &mut prov)?;
    if !g.quiet {
        print!("{}", summary_text(&ev));
    }
    Ok(())
}

/// A short text summary for the terminal.
pub fn summary_text(ev: &Evaluation) -> String {
    let mut s = String::new();
    let pp = &ev.periods;
    s.push_str(&format!(
        "pre {} to {}, post {} to {} ({} incidents)\n",
        pp.labels[0], pp.labels[1], pp.labels[2], pp.labels[3], ev.incidents_used
    ));
    for a in &ev.areas {
        s.push_str(&format!(
            "{}: treatment {:.0} -> {:.0}, buffer {:.0} -> {:.0}, control {:.0} -> {:.0} ({})\n",
            a.name,
            a.treatment.pre,
            a.treatment.post,
            a.buffer_counts.pre,
            a.buffer_counts.post,
            a.control.pre,
            a.control.post,
            a.control_info.source
        ));
        for r in &a.reading {
            if !r.starts_with("Conditions") {
                s.push_str(&format!("  {r}\n"));
            }
        }
    }
    s
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "area".into()
    } else {
        s
    }
}

/// Writes JSON, Markdown, time-series PNGs, the area map and GeoJSON into `out`.
pub fn write_outputs(
    out: &Path,
    inc: &Incidents,
    areas: &[TreatmentArea],
    ev: &Evaluation,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut json = serde_json::to_vec_pretty(ev)?;
    json.push(b'\n');
    files.push((out.join("evaluation.json"), json));
    files.push((out.join("evaluation.md"), ev.to_markdown().into_bytes()));
    for (k, a) in ev.areas.iter().enumerate() {
        files.push((
            out.join(format!("timeseries_{}.png", slug(&a.name))),
            timeseries_png(ev, k)?,
        ));
    }
    files.push((out.join("areas.png"), map_png(inc, areas, ev)?));
    files.push((out.join("areas.geojson"), areas_geojson(inc, areas, ev)?));
    for (p, _) in &files {
        prov.outputs.push(p.display().to_string());
    }
    for (p, bytes) in &files {
        write_output(p, bytes, g)?;
        prov.write_beside(p, g.force)?;
    }
    Ok(())
}

/// Monthly rates per zone, indexed to their pre-period mean (= 100).
fn timeseries_png(ev: &Evaluation, k: usize) -> Result<Vec<u8>> {
    let a = &ev.areas[k];
    let t0 = ev.periods.pre.0 as f64 / 86_400.0;
    let month = 365.25 / 12.0;
    let x_of = |b: &evaluate::Bin| ((b.start + b.end) as f64 / 2.0 / 86_400.0 - t0) / month;
    let mut series = Vec::new();
    let cols: &[(usize, &str)] = if a.buffer > 0.0 {
        &[(0, "treatment"), (1, "buffer"), (2, "control")]
    } else {
        &[(0, "treatment"), (2, "control")]
    };
    let pre_rate = |col: usize| {
        let (n, d) = ev
            .bins
            .iter()
            .zip(&a.series)
            .filter(|(b, _)| b.period == Period::Pre)
            .fold((0.0, 0.0), |(n, d), (b, s)| (n + s[col], d + b.days));
        if n > 0.0 {
            n / d
        } else {
            f64::NAN
        }
    };
    for &(col, label) in cols {
        let r0 = pre_rate(col);
        let pts = ev
            .bins
            .iter()
            .zip(&a.series)
            .filter(|(b, _)| b.days >= 1.0)
            .map(|(b, s)| (x_of(b), 100.0 * s[col] / b.days / r0))
            .collect();
        series.push(Series {
            label: label.to_string(),
            points: pts,
            markers: true,
        });
    }
    if let Some(f) = ev
        .its
        .get(k)
        .and_then(|t| t.treatment.as_ref().map(|f| (t, f)))
    {
        let (t, f) = f;
        let r0 = pre_rate(0);
        let pts = t
            .bin_index
            .iter()
            .zip(&f.counterfactual)
            .filter(|(&i, _)| ev.bins[i].period == Period::Post && ev.bins[i].days >= 1.0)
            .map(|(&i, c)| (x_of(&ev.bins[i]), 100.0 * c / ev.bins[i].days / r0))
            .collect();
        series.push(Series {
            label: "ITS counterfactual".into(),
            points: pts,
            markers: false,
        });
    }
    let xi = ((ev.periods.intervention as f64 / 86_400.0) - t0) / month;
    let o = PlotOptions {
        title: vec![
            format!("{}: before and after", a.name),
            format!(
                "monthly rate, % of pre-period mean; net change {:+.1} % ({:+.1} to {:+.1})",
                100.0 * a.relative_change.estimate,
                100.0 * a.relative_change.lower,
                100.0 * a.relative_change.upper
            ),
        ],
        x_label: format!("months since {}", ev.periods.labels[0]),
        y_label: "index (pre-period mean = 100)".into(),
        vlines: vec![(xi, "intervention".into())],
        y_range: None,
        x_range: None,
    };
    Ok(render::line_plot(&series, &o)?)
}

fn map_png(inc: &Incidents, areas: &[TreatmentArea], ev: &Evaluation) -> Result<Vec<u8>> {
    let (grid, values) = evaluate::zone_raster(areas, ev, 400)?;
    let e = grid.extent();
    let pts: Vec<geo::Geometry<f64>> = inc
        .xy
        .iter()
        .zip(&inc.time)
        .filter(|(p, t)| {
            (e[0]..e[2]).contains(&p[0])
                && (e[1]..e[3]).contains(&p[1])
                && t.is_some_and(|t| (ev.periods.post.0..ev.periods.post.1).contains(&t))
        })
        .map(|(p, _)| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
        .collect();
    let mut overlays = vec![Overlay {
        geometries: pts,
        colour: [60, 60, 60, 160],
        width: 1.0,
    }];
    overlays.push(Overlay {
        geometries: areas
            .iter()
            .flat_map(|a| {
                let (t, r) = a.zone_polygons();
                [
                    geo::Geometry::MultiPolygon(t),
                    geo::Geometry::MultiPolygon(r),
                ]
            })
            .collect(),
        colour: [0, 0, 0, 255],
        width: 2.0,
    });
    let opts = MapOptions {
        title: vec![
            "Evaluated areas".into(),
            format!(
                "dots: post-period incidents ({} to {})",
                ev.periods.labels[2], ev.periods.labels[3]
            ),
        ],
        legend: "zone".into(),
        scale: ColourScale::Categories(vec![
            ([245, 245, 245, 255], "other".into()),
            ([146, 197, 222, 255], "control".into()),
            ([253, 219, 120, 255], "buffer".into()),
            ([214, 96, 77, 255], "treatment".into()),
        ]),
        overlays,
        size: 800,
    };
    Ok(render::grid_map(&grid, &values, &opts)?)
}

fn areas_geojson(inc: &Incidents, areas: &[TreatmentArea], ev: &Evaluation) -> Result<Vec<u8>> {
    let mut w = crimescape::io::geojson::FeatureCollectionWriter::new(&inc.crs.working)?;
    for (a, e) in areas.iter().zip(&ev.areas) {
        let (treat, ring) = a.zone_polygons();
        w.push(
            &geo::Geometry::MultiPolygon(treat),
            serde_json::json!({"area": a.name, "zone": "treatment", "radius_m": a.radius})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )?;
        if !ring.0.is_empty() {
            w.push(
                &geo::Geometry::MultiPolygon(ring),
                serde_json::json!({"area": a.name, "zone": "buffer", "buffer_m": a.buffer})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
        }
        for geom in a.control.iter().flatten() {
            w.push(
                geom,
                serde_json::json!({"area": a.name, "zone": "control"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
        }
        if let Some(gr) = &e.control_info.grid {
            for &c in &e.control_info.cells {
                w.push(
                    &geo::Geometry::Polygon(gr.cell_polygon(c)),
                    serde_json::json!({"area": a.name, "zone": "control", "cell": c})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                )?;
            }
        }
    }
    Ok(w.finish())
}

/// The demo step: plants a 30 % reduction with some displacement in the demo
/// city and evaluates it; writes into `out/evaluate/`.
pub fn demo_evaluate(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let dir = out.join("evaluate");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let pp = simulate::PlantParams::new(city.truth.params.seed).displaced(0.25);
    let planted = simulate::plant_intervention(city, &pp)?;
    // write the planted incidents and load them back as a user would
    let csv_path = dir.join("incidents_planted.csv");
    write_output(
        &csv_path,
        &crimescape::demo::incidents_csv(&planted.incidents)?,
        g,
    )?;
    let (inc, rep) = crimescape::load_incidents(&csv_path, &crimescape::LoadOptions::new())?;
    prov.input_load(&csv_path, "planted incidents", &rep);
    let mut truth = serde_json::to_vec_pretty(&planted.truth)?;
    truth.push(b'\n');
    let tp = dir.join("planted_truth.json");
    write_output(&tp, &truth, g)?;
    prov.outputs.push(csv_path.display().to_string());
    prov.outputs.push(tp.display().to_string());
    // a tiny demo city may leave a zone empty: say so instead of failing the demo
    let ev = match evaluate::evaluate(
        &inc,
        std::slice::from_ref(&planted.area),
        &EvaluateParams::at(pp.date),
    ) {
        Ok(ev) => ev,
        Err(e @ Error::Data(_)) => {
            if !g.quiet {
                eprintln!("evaluate: skipped on this city: {e}");
            }
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let mut eprov = Provenance::new(serde_json::json!({"planted": planted.truth}));
    eprov.seed = Some(pp.seed);
    eprov.crs = Some(inc.crs.clone());
    write_outputs(
        &dir,
        &inc,
        std::slice::from_ref(&planted.area),
        &ev,
        g,
        &mut eprov,
    )?;
    prov.outputs.extend(eprov.outputs);
    if !g.quiet {
        let a = &ev.areas[0];
        println!(
            "evaluate: planted a {:.0} % reduction ({} of {} incidents removed, {} moved into the {:.0} m buffer); estimated relative change {:+.1} % ({:+.1} to {:+.1}), WDQ {}",
            100.0 * pp.reduction,
            planted.truth.removed,
            planted.truth.treatment_post_before,
            planted.truth.moved,
            pp.buffer,
            100.0 * a.relative_change.estimate,
            100.0 * a.relative_change.lower,
            100.0 * a.relative_change.upper,
            a.wdq
                .as_ref()
                .and_then(|w| w.wdq)
                .map_or("undefined".into(), |q| format!("{q:.2}"))
        );
    }
    Ok(())
}
