//! `crimescape repeats`, `crimescape chains`, `crimescape promap`: repeat
//! victimization beyond the Knox test.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{self, MapOptions, Overlay, PlotOptions};
use crimescape::repeat::chains::{self, ChainParams};
use crimescape::repeat::exact::{self, ExactRepeatParams};
use crimescape::repeat::promap::{self, PromapParams};
use crimescape::{Grid, Incidents, Provenance};
use serde_json::{json, Map, Value};

use crate::cli::GlobalArgs;
use crate::cmd_nearrepeat::MetricArg;
use crate::common::{load_incidents, write_output, LoadArgs};

/// Writes an output and records it.
fn emit(path: PathBuf, bytes: &[u8], g: &GlobalArgs, outputs: &mut Vec<PathBuf>) -> Result<()> {
    write_output(&path, bytes, g)?;
    outputs.push(path);
    Ok(())
}

fn finish(prov: &mut Provenance, outputs: &[PathBuf], g: &GlobalArgs) -> Result<()> {
    prov.outputs
        .extend(outputs.iter().map(|p| p.display().to_string()));
    for o in outputs {
        prov.write_beside(o, g.force)?;
    }
    Ok(())
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn mkdir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| crimescape::Error::io(out, e))?;
    Ok(())
}

fn new_prov(
    params: Value,
    file: &Path,
    rep: &crimescape::LoadReport,
    inc: &Incidents,
) -> Provenance {
    let mut prov = Provenance::new(params);
    prov.input_load(file, "incidents", rep);
    prov.crs = Some(inc.crs.clone());
    prov
}

// ---------------------------------------------------------------- repeats

/// Arguments of `crimescape repeats`.
#[derive(Debug, Args)]
pub struct RepeatsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Same place when within this distance (m, inclusive; 0 = identical coordinates).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Define places by this address column instead of coordinates.
    #[arg(long)]
    pub address: Option<String>,
    /// Grid cell (m) for the aggregated map of repeat locations.
    #[arg(long, default_value_t = 250.0)]
    pub cell: f64,
    /// Suppress cells with fewer repeat locations than this in aggregated output.
    #[arg(long, default_value_t = 3)]
    pub min_count: usize,
    /// Also write the exact repeat locations (identifies households: internal use only).
    #[arg(long)]
    pub exact_locations: bool,
    /// Number of top repeat locations written with --exact-locations.
    #[arg(long, default_value_t = 100)]
    pub top: usize,
    /// Output folder.
    #[arg(long, short, default_value = "repeats")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_repeats(a: RepeatsArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let mut p = ExactRepeatParams::default()
        .tolerance(a.tolerance)
        .cell(a.cell)
        .min_count(a.min_count);
    if let Some(c) = &a.address {
        p = p.address_column(c);
    }
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    let r = write_repeats(&inc, &p, a.exact_locations, a.top, &a.out, g, &mut prov)?;
    print!("{}", r.to_text());
    Ok(())
}

/// Runs [`exact::exact_repeats`] and writes its outputs into `out`.
pub fn write_repeats(
    inc: &Incidents,
    p: &ExactRepeatParams,
    exact_locations: bool,
    top: usize,
    out: &Path,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<exact::ExactRepeats> {
    let r = exact::exact_repeats(inc, p)?;
    mkdir(out)?;
    let mut outputs = Vec::new();
    let (cells, suppressed) = r.cells(p.min_count);
    // summary JSON: never the locations themselves
    let mut v = serde_json::to_value(&r)?;
    if let Value::Object(m) = &mut v {
        m.remove("locations");
        m.insert("cells_written".into(), cells.len().into());
        m.insert("cells_suppressed".into(), suppressed.into());
        m.insert("min_count".into(), p.min_count.into());
    }
    emit(
        out.join("repeats.json"),
        &serde_json::to_vec_pretty(&v)?,
        g,
        &mut outputs,
    )?;
    // distribution CSV
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["incidents_at_place", "places"])?;
    for (k, c) in &r.count_distribution {
        w.write_record([k.to_string(), c.to_string()])?;
    }
    emit(
        out.join("repeat_counts.csv"),
        &w.into_inner()?,
        g,
        &mut outputs,
    )?;
    // time between repeats
    let hist = r.gap_histogram(7.0, 182.0);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["from_days", "repeats"])?;
    for (l, c) in &hist {
        w.write_record([l.clone(), c.to_string()])?;
    }
    emit(
        out.join("time_between.csv"),
        &w.into_inner()?,
        g,
        &mut outputs,
    )?;
    let png = render::bar_plot(
        &hist,
        &PlotOptions {
            title: vec![
                "Time between repeats at the same place".into(),
                format!(
                    "{} gaps at {} repeat locations ({}); weekly bins",
                    r.gaps_days.len(),
                    r.repeat_locations,
                    r.grouping
                ),
            ],
            x_label: "days since the previous incident at the place".into(),
            y_label: "repeats".into(),
            ..Default::default()
        },
    )?;
    emit(out.join("time_between.png"), &png, g, &mut outputs)?;
    // aggregated cells
    if let Some(grid) = &r.grid {
        let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
        for c in &cells {
            fc.push(
                &geo::Geometry::Polygon(grid.cell_polygon(c.cell)),
                props(json!({
                    "cell": c.cell,
                    "repeat_locations": c.repeat_locations,
                    "incidents": c.incidents,
                    "cell_m": grid.cell,
                })),
            )?;
        }
        emit(
            out.join("repeat_cells.geojson"),
            &fc.finish(),
            g,
            &mut outputs,
        )?;
    }
    if exact_locations {
        let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
        for (k, l) in r.locations.iter().take(top).enumerate() {
            fc.push(
                &geo::Geometry::Point(geo::Point::new(l.xy[0], l.xy[1])),
                props(json!({
                    "rank": k + 1,
                    "incidents": l.count,
                    "rows": l.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>(),
                    "address": l.address,
                    "min_gap_days": l.min_gap_days,
                })),
            )?;
        }
        emit(
            out.join("repeat_locations.geojson"),
            &fc.finish(),
            g,
            &mut outputs,
        )?;
    } else if !g.quiet {
        eprintln!(
            "  exact repeat locations not written (aggregated to {} m cells, {} cell(s) with < {} \
             locations suppressed); use --exact-locations for internal use",
            p.cell, suppressed, p.min_count
        );
    }
    finish(prov, &outputs, g)?;
    Ok(r)
}

// ---------------------------------------------------------------- chains

/// Arguments of `crimescape chains`.
#[derive(Debug, Args)]
pub struct ChainsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Link events within this distance (m, inclusive).
    #[arg(long, default_value_t = 100.0)]
    pub distance: f64,
    /// ... and within this many days (inclusive; whole days for date-only data).
    #[arg(long, default_value_t = 14.0)]
    pub days: f64,
    /// Distance metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Euclidean)]
    pub metric: MetricArg,
    /// Smallest chain reported.
    #[arg(long, default_value_t = 2)]
    pub min_length: usize,
    /// Permutations of the times for the expected chain lengths.
    #[arg(long, default_value_t = 99)]
    pub nrep: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Chains drawn on the PNG map.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Write exact member coordinates (default: snapped to a 50 m grid).
    #[arg(long)]
    pub exact_locations: bool,
    /// Output folder.
    #[arg(long, short, default_value = "chains")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_chains(a: ChainsArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let p = ChainParams::new(a.distance, a.days)
        .metric(a.metric.into())
        .min_length(a.min_length)
        .nrep(a.nrep)
        .seed(a.seed);
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    prov.seed = Some(a.seed);
    let r = write_chains(&inc, &p, a.top, a.exact_locations, &a.out, g, &mut prov)?;
    print!("{}", r.to_text());
    Ok(())
}

/// Runs [`chains::near_repeat_chains`] and writes its outputs into `out`.
pub fn write_chains(
    inc: &Incidents,
    p: &ChainParams,
    top: usize,
    exact_locations: bool,
    out: &Path,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<chains::ChainResult> {
    let r = chains::near_repeat_chains(inc, p)?;
    if !g.quiet {
        for w in &r.warnings {
            eprintln!("  warning: {w}");
        }
    }
    mkdir(out)?;
    let mut outputs = Vec::new();
    let snap = |q: [f64; 2]| -> [f64; 2] {
        if exact_locations {
            q
        } else {
            let s = 50.0;
            [
                ((q[0] / s).floor() + 0.5) * s,
                ((q[1] / s).floor() + 0.5) * s,
            ]
        }
    };
    let day_str = |d: f64| {
        crimescape::time::format(
            (d * crimescape::time::DAY as f64) as i64,
            r.time_unit.max(crimescape::TimePrecision::Minute),
        )
    };
    let mut v = serde_json::to_value(&r)?;
    if let Value::Object(m) = &mut v {
        // members as source rows, not coordinates
        let ch: Vec<Value> = r
            .chains
            .iter()
            .enumerate()
            .map(|(k, c)| {
                json!({
                    "chain": k + 1,
                    "length": c.length,
                    "originator_row": inc.row[c.originator],
                    "member_rows": c.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>(),
                    "start": day_str(c.start_day),
                    "duration_days": c.duration_days,
                    "extent_m": c.extent_m,
                    "max_from_originator_m": c.max_from_originator_m,
                })
            })
            .collect();
        m.insert("chains".into(), Value::Array(ch));
    }
    emit(
        out.join("chains.json"),
        &serde_json::to_vec_pretty(&v)?,
        g,
        &mut outputs,
    )?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["length", "observed", "expected", "p_value"])?;
    for l in
        r.length_distribution
            .iter()
            .chain([&r.n_chains, &r.events_in_chains_null, &r.max_length])
    {
        w.write_record([
            l.length.clone(),
            l.observed.to_string(),
            format!("{}", l.expected),
            format!("{}", l.p_value),
        ])?;
    }
    emit(
        out.join("chain_lengths.csv"),
        &w.into_inner()?,
        g,
        &mut outputs,
    )?;
    // GeoJSON: a line per chain through its members in time order + member points
    let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
    let mut lines = Vec::new();
    for (k, c) in r.chains.iter().enumerate() {
        let pts: Vec<geo::Coord<f64>> = c
            .members
            .iter()
            .map(|&i| {
                let q = snap(inc.xy[i]);
                geo::Coord { x: q[0], y: q[1] }
            })
            .collect();
        let line = geo::Geometry::LineString(geo::LineString::new(pts));
        fc.push(
            &line,
            props(json!({
                "chain": k + 1,
                "length": c.length,
                "start": day_str(c.start_day),
                "duration_days": c.duration_days,
                "extent_m": c.extent_m,
            })),
        )?;
        if k < top {
            lines.push(line);
        }
        for (o, &i) in c.members.iter().enumerate() {
            let q = snap(inc.xy[i]);
            fc.push(
                &geo::Geometry::Point(geo::Point::new(q[0], q[1])),
                props(json!({
                    "chain": k + 1,
                    "order": o + 1,
                    "originator": o == 0,
                    "row": inc.row[i],
                })),
            )?;
        }
    }
    emit(out.join("chains.geojson"), &fc.finish(), g, &mut outputs)?;
    // PNG map: incident counts per cell with the longest chains on top
    if let Some(bbox) = inc.bbox() {
        if let Ok(cell) = Grid::default_cell_size(bbox) {
            let grid = Grid::covering(bbox, cell)?;
            let counts = grid.counts(&inc.xy);
            let png = render::grid_map(
                &grid,
                &counts,
                &MapOptions {
                    title: vec![
                        format!("Near-repeat chains: the {} longest", lines.len().min(top)),
                        format!(
                            "links within {} m and {} days; {} chains, {} events",
                            p.distance,
                            p.days,
                            r.chains.len(),
                            r.events_in_chains
                        ),
                    ],
                    legend: format!("incidents per {cell} m cell"),
                    scale: render::auto_scale(&counts, true),
                    overlays: vec![Overlay {
                        geometries: lines,
                        colour: [220, 30, 30, 255],
                        width: 2.0,
                    }],
                    ..Default::default()
                },
            )?;
            emit(out.join("chains.png"), &png, g, &mut outputs)?;
        }
    }
    finish(prov, &outputs, g)?;
    Ok(r)
}

// ---------------------------------------------------------------- promap

/// Arguments of `crimescape promap`.
#[derive(Debug, Args)]
pub struct PromapArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Prediction date (YYYY-MM-DD): history before it, evaluation after it.
    #[arg(long)]
    pub date: String,
    /// Grid cell (m).
    #[arg(long, default_value_t = 50.0)]
    pub cell: f64,
    /// Spatial bandwidth (m).
    #[arg(long, default_value_t = 400.0)]
    pub bandwidth: f64,
    /// Temporal bandwidth (days).
    #[arg(long, default_value_t = 56.0)]
    pub days: f64,
    /// Quartic KDE bandwidth of the comparison (m).
    #[arg(long, default_value_t = 400.0)]
    pub kde_bandwidth: f64,
    /// Evaluation horizons (days).
    #[arg(long, value_delimiter = ',', default_value = "7,30")]
    pub horizon: Vec<f64>,
    /// Output folder.
    #[arg(long, short, default_value = "promap")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run_promap(a: PromapArgs, g: &GlobalArgs) -> Result<()> {
    let at = crimescape::time::parse_date(&a.date).ok_or_else(|| {
        crimescape::Error::Param(format!("--date {:?}: not a date (use YYYY-MM-DD)", a.date))
    })?;
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let mut p = PromapParams::new(at)
        .cell(a.cell)
        .bandwidths(a.bandwidth, a.days);
    p.kde_bandwidth_m = a.kde_bandwidth;
    p.horizons_days = a.horizon.clone();
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    let r = write_promap(&inc, &p, &a.date, &a.out, g, &mut prov)?;
    print!("{}", r.to_text());
    Ok(())
}

/// Runs [`promap::promap`] and writes promap.json, accuracy.csv, promap.png, kde.png.
pub fn write_promap(
    inc: &Incidents,
    p: &PromapParams,
    date: &str,
    out: &Path,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<promap::PromapResult> {
    let r = promap::promap(inc, p)?;
    mkdir(out)?;
    let mut outputs = Vec::new();
    let mut v = serde_json::to_value(&r)?;
    if let Value::Object(m) = &mut v {
        m.remove("promap");
        m.remove("kde");
        m.insert("params".into(), serde_json::to_value(p)?);
    }
    emit(
        out.join("promap.json"),
        &serde_json::to_vec_pretty(&v)?,
        g,
        &mut outputs,
    )?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "method",
        "horizon_days",
        "coverage",
        "n_test",
        "hits",
        "hit_rate",
        "pai",
    ])?;
    for a in &r.accuracy {
        w.write_record([
            a.method.clone(),
            a.horizon_days.to_string(),
            a.coverage.to_string(),
            a.n_test.to_string(),
            a.hits.to_string(),
            a.hit_rate.to_string(),
            a.pai.to_string(),
        ])?;
    }
    emit(out.join("accuracy.csv"), &w.into_inner()?, g, &mut outputs)?;
    for (name, surf, legend) in [
        ("promap", &r.promap, "promap risk (weighted recent events)"),
        ("kde", &r.kde, "quartic KDE (per m2)"),
    ] {
        let png = render::grid_map(
            &r.grid,
            surf,
            &MapOptions {
                title: vec![
                    format!(
                        "{} surface for {date}",
                        if name == "kde" {
                            "KDE"
                        } else {
                            "Prospective (promap)"
                        }
                    ),
                    if name == "kde" {
                        format!(
                            "{} events before {date}, h = {} m",
                            r.n_history, p.kde_bandwidth_m
                        )
                    } else {
                        format!(
                            "{} events in the {} days before, {} m bandwidth",
                            r.n_recent, p.bandwidth_days, p.bandwidth_m
                        )
                    },
                ],
                legend: legend.into(),
                scale: render::auto_scale(surf, true),
                ..Default::default()
            },
        )?;
        emit(out.join(format!("{name}.png")), &png, g, &mut outputs)?;
    }
    finish(prov, &outputs, g)?;
    Ok(r)
}

/// Exact repeats, chains and a promap on the demo city (part of `demo_near_repeat`).
pub fn demo_repeats(
    out: &Path,
    inc: &Incidents,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let burg = match inc.categories.iter().position(|c| c == "burglary") {
        Some(c) => inc.filter(|i| inc.category[i] == c as u32),
        None => return Ok(()),
    };
    let base = |params: Value| {
        let mut l = Provenance::new(params);
        l.inputs = prov.inputs.clone();
        l.crs = Some(inc.crs.clone());
        l
    };
    let p = ExactRepeatParams::default().address_column("address");
    let mut l = base(serde_json::to_value(&p)?);
    let r = write_repeats(inc, &p, false, 0, &out.join("repeats"), g, &mut l)?;
    prov.outputs.append(&mut l.outputs);
    let p = ChainParams::new(100.0, 14.0).nrep(99).seed(42);
    let mut l = base(serde_json::to_value(&p)?);
    l.seed = Some(42);
    let c = write_chains(&burg, &p, 20, false, &out.join("chains"), g, &mut l)?;
    prov.outputs.append(&mut l.outputs);
    let date = "2024-10-01";
    let at = crimescape::time::parse_date(date).unwrap_or(0);
    let p = PromapParams::new(at).cell(100.0);
    let mut l = base(serde_json::to_value(&p)?);
    let m = write_promap(&burg, &p, date, &out.join("promap"), g, &mut l)?;
    prov.outputs.append(&mut l.outputs);
    if !g.quiet {
        print!("{}", r.to_text());
        print!("{}", c.to_text());
        print!("{}", m.to_text());
    }
    Ok(())
}
