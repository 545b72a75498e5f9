//! `crimescape clusters`: DBSCAN / space-time DBSCAN point clusters with hulls and
//! standard deviational ellipses (GeoJSON, CSV, JSON, PNG).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::cluster::{self, Clustering, DbscanParams, EllipseConvention, StDbscanParams};
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{self, ColourScale, MapOptions, Overlay};
use crimescape::{Grid, Incidents, Provenance};
use serde_json::{json, Map, Value};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, spinner, write_output, LoadArgs};

/// Clustering method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// DBSCAN (scikit-learn semantics).
    Dbscan,
    /// Space-time DBSCAN: spatial eps and temporal --eps-days.
    StDbscan,
    /// HDBSCAN (scikit-learn semantics): --min-cluster-size, --min-samples.
    Hdbscan,
    /// CrimeStat nearest-neighbour hierarchical clustering: --nnh-probability or
    /// --nnh-threshold, --min-points, --max-order, --simulations.
    Nnh,
}

/// Standard deviational ellipse convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Convention {
    /// CrimeStat: sqrt(2·λ/(n−2)).
    Crimestat,
    /// ArcGIS Directional Distribution: sqrt(2·λ/n).
    Arcgis,
}

/// Arguments of `crimescape clusters`.
#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Clustering method.
    #[arg(long, value_enum, default_value_t = Method::Dbscan)]
    pub method: Method,
    /// Neighbourhood radius in metres (inclusive).
    #[arg(long, default_value_t = 100.0)]
    pub eps: f64,
    /// DBSCAN: minimum neighbourhood size of a core point, counting the point
    /// itself [default: 10]. HDBSCAN: neighbours of the core distance, counting
    /// the point itself [default: --min-cluster-size].
    #[arg(long)]
    pub min_samples: Option<usize>,
    /// HDBSCAN smallest cluster.
    #[arg(long, default_value_t = 25)]
    pub min_cluster_size: usize,
    /// Nnh: one-tailed probability of the random nearest-neighbour threshold.
    #[arg(long, default_value_t = 0.5)]
    pub nnh_probability: f64,
    /// Nnh: fixed threshold distance in metres (instead of the probability).
    #[arg(long)]
    pub nnh_threshold: Option<f64>,
    /// Nnh: minimum points (or lower-order clusters) per cluster.
    #[arg(long, default_value_t = 10)]
    pub min_points: usize,
    /// Nnh: highest order.
    #[arg(long, default_value_t = 3)]
    pub max_order: usize,
    /// Nnh: study area in km² [default: bounding rectangle of the incidents].
    #[arg(long)]
    pub area_km2: Option<f64>,
    /// Nnh: Monte Carlo replicates of complete spatial randomness (0 = none).
    #[arg(long, default_value_t = 0)]
    pub simulations: usize,
    /// Nnh: seed of the simulations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Temporal radius in days for st-dbscan (inclusive; fractions allowed).
    #[arg(long)]
    pub eps_days: Option<f64>,
    /// Standard deviational ellipse convention.
    #[arg(long, value_enum, default_value_t = Convention::Crimestat)]
    pub ellipse: Convention,
    /// Output folder: labels.csv, clusters.geojson, clusters.json, clusters.png.
    #[arg(long, short, default_value = "clusters")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Everything a clustering run produced.
pub struct ClusterRun {
    pub clustering: Clustering,
    /// Index into the incidents of each clustered point (all, or the timed ones).
    pub used: Vec<usize>,
    pub summaries: Vec<cluster::ClusterSummary>,
    pub params: Value,
    /// Method-specific results (Nnh levels and simulation).
    pub extra: Value,
}

/// Clusters `inc` with the given method.
pub fn cluster_incidents(
    inc: &Incidents,
    a: &ClustersArgs,
    conv: EllipseConvention,
) -> Result<ClusterRun> {
    let (eps, eps_days) = (a.eps, a.eps_days);
    let min_samples = a.min_samples.unwrap_or(10);
    let mut extra = Value::Null;
    let (clustering, used, params) = match a.method {
        Method::Hdbscan => {
            let mut p = cluster::HdbscanParams::new(a.min_cluster_size);
            p.min_samples = a.min_samples;
            (
                cluster::hdbscan(&inc.xy, &p)?,
                (0..inc.len()).collect::<Vec<_>>(),
                json!({"method": "hdbscan", "min_cluster_size": a.min_cluster_size,
                       "min_samples_incl_self": a.min_samples.unwrap_or(a.min_cluster_size)}),
            )
        }
        Method::Nnh => {
            let mut p = cluster::NnhParams::new();
            p.threshold = match a.nnh_threshold {
                Some(d) => cluster::NnhThreshold::Fixed(d),
                None => cluster::NnhThreshold::Probability(a.nnh_probability),
            };
            p.min_points = a.min_points;
            p.max_order = a.max_order;
            p.area = a.area_km2.map(|k| k * 1e6);
            p.simulations = a.simulations;
            p.seed = a.seed;
            let r = cluster::nnh(&inc.xy, &p)?;
            extra = json!({
                "study_area_m2": r.area,
                "levels": r.levels.iter().map(|l| json!({
                    "order": l.order, "n_objects": l.n_objects, "d_ran_m": l.d_ran, "se_m": l.se,
                    "threshold_m": l.threshold, "n_clusters": l.members.len(),
                    "centres": l.centres, "members": l.members,
                })).collect::<Vec<_>>(),
                "simulation": r.simulation,
            });
            (
                r.clustering,
                (0..inc.len()).collect::<Vec<_>>(),
                json!({"method": "nnh", "threshold": p.threshold, "min_points": p.min_points,
                       "max_order": p.max_order, "simulations": p.simulations, "seed": p.seed}),
            )
        }
        Method::Dbscan => {
            let p = DbscanParams::new(eps, min_samples);
            (
                cluster::dbscan(&inc.xy, &p)?,
                (0..inc.len()).collect::<Vec<_>>(),
                json!({"method": "dbscan", "eps_m": eps, "min_samples_incl_self": min_samples}),
            )
        }
        Method::StDbscan => {
            let days = eps_days.ok_or_else(|| {
                crimescape::Error::Param("--method st-dbscan needs --eps-days".into())
            })?;
            if !(days.is_finite() && days >= 0.0) {
                return Err(
                    crimescape::Error::Param(format!("--eps-days {days} must be >= 0")).into(),
                );
            }
            let used: Vec<usize> = (0..inc.len()).filter(|&i| inc.time[i].is_some()).collect();
            let xy: Vec<[f64; 2]> = used.iter().map(|&i| inc.xy[i]).collect();
            let t: Vec<i64> = used.iter().filter_map(|&i| inc.time[i]).collect();
            let secs = (days * crimescape::time::DAY as f64).round() as i64;
            let p = StDbscanParams::new(eps, secs, min_samples);
            (
                cluster::st_dbscan(&xy, &t, &p)?,
                used,
                json!({"method": "st-dbscan", "eps_m": eps, "eps_days": days,
                       "min_samples_incl_self": min_samples}),
            )
        }
    };
    let xy: Vec<[f64; 2]> = used.iter().map(|&i| inc.xy[i]).collect();
    let times: Vec<Option<i64>> = used.iter().map(|&i| inc.time[i]).collect();
    let summaries = cluster::summarise_clusters(&xy, &times, &clustering, conv);
    Ok(ClusterRun {
        clustering,
        used,
        summaries,
        params,
        extra,
    })
}

/// A grid for background maps (half the default cell size; degenerate extents padded).
pub fn map_grid(bbox: [f64; 4]) -> Result<Grid> {
    let mut b = bbox;
    if b[2] - b[0] < 1.0 || b[3] - b[1] < 1.0 {
        b = [b[0] - 50.0, b[1] - 50.0, b[2] + 50.0, b[3] + 50.0];
    }
    let cell = Grid::default_cell_size(b)? / 2.0;
    Ok(Grid::covering(b, cell)?)
}

fn conv_name(c: EllipseConvention) -> &'static str {
    match c {
        EllipseConvention::CrimeStat => "CrimeStat: semi-axis = sqrt(2 * lambda / (n - 2)), lambda = eigenvalue of the scatter matrix; k-SD ellipse = k times that",
        EllipseConvention::ArcGis => "ArcGIS Directional Distribution: semi-axis = sqrt(2 * lambda / n), lambda = eigenvalue of the scatter matrix; k-SD ellipse = k times that",
    }
}

/// Writes labels.csv, clusters.geojson, clusters.json, clusters.png into `out`.
pub fn write_cluster_outputs(
    inc: &Incidents,
    run: &ClusterRun,
    conv: EllipseConvention,
    out: &Path,
    g: &GlobalArgs,
    prov: &Provenance,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    // labels in input order
    let mut label = vec![None; inc.len()];
    let mut core = vec![false; inc.len()];
    let mut used = vec![false; inc.len()];
    for (k, &i) in run.used.iter().enumerate() {
        label[i] = run.clustering.labels[k];
        core[i] = run.clustering.core[k];
        used[i] = true;
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["row", "label", "core", "status"])?;
    for i in 0..inc.len() {
        let status = match (used[i], label[i]) {
            (false, _) => "no time",
            (true, None) => "noise",
            (true, Some(_)) if core[i] => "core",
            _ => "border",
        };
        w.write_record([
            inc.row[i].to_string(),
            label[i].map(|l| l.to_string()).unwrap_or_default(),
            u8::from(core[i]).to_string(),
            status.to_string(),
        ])?;
    }
    let p = out.join("labels.csv");
    write_output(&p, &w.into_inner()?, g)?;
    written.push(p);
    // GeoJSON: hull + 1 SD + 2 SD ellipse per cluster
    let prec = inc
        .coarsest_precision()
        .unwrap_or(crimescape::TimePrecision::Second);
    let fmt_t = |t: Option<i64>| t.map(|t| crimescape::time::format(t, prec));
    let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
    for s in &run.summaries {
        let base = |kind: &str| -> Map<String, Value> {
            let mut m = Map::new();
            m.insert("cluster".into(), s.label.into());
            m.insert("kind".into(), kind.into());
            m.insert("count".into(), s.count.into());
            m.insert("core_count".into(), s.core_count.into());
            m.insert("first".into(), json!(fmt_t(s.first_time)));
            m.insert("last".into(), json!(fmt_t(s.last_time)));
            m.insert("span_days".into(), json!(s.span_days));
            m
        };
        let mut m = base("convex_hull");
        m.insert("area_m2".into(), json!(s.hull_area_m2));
        fc.push(&geo::Geometry::Polygon(s.hull_polygon()), m)?;
        for e in [s.ellipse_1sd, s.ellipse_2sd].into_iter().flatten() {
            let mut m = base(if e.sd == 1.0 {
                "ellipse_1sd"
            } else {
                "ellipse_2sd"
            });
            m.insert("semi_major_m".into(), json!(e.semi_major));
            m.insert("semi_minor_m".into(), json!(e.semi_minor));
            m.insert("bearing_deg".into(), json!(e.bearing_deg));
            m.insert("area_m2".into(), json!(e.area()));
            fc.push(&geo::Geometry::Polygon(e.polygon(72)), m)?;
        }
    }
    let p = out.join("clusters.geojson");
    write_output(&p, &fc.finish(), g)?;
    written.push(p);
    // JSON summary
    let summaries: Vec<Value> = run
        .summaries
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.remove("hull");
                m.insert("first".into(), json!(fmt_t(s.first_time)));
                m.insert("last".into(), json!(fmt_t(s.last_time)));
            }
            v
        })
        .collect();
    let doc = json!({
        "parameters": run.params,
        "conventions": {
            "neighbourhood": "d <= eps inclusive, the point itself counted in min_samples (scikit-learn)",
            "numbering": "clusters numbered by their lowest-index core point; a border point reachable from several clusters takes the smallest label",
            "ellipse": conv_name(conv),
            "bearing": "major axis, degrees clockwise from grid north, [0, 180)",
        },
        "n_points": run.used.len(),
        "excluded_no_time": inc.len() - run.used.len(),
        "n_clusters": run.clustering.n_clusters,
        "n_noise": run.clustering.n_noise(),
        "n_core": run.clustering.core.iter().filter(|c| **c).count(),
        "crs": inc.crs.working.to_string(),
        "clusters": summaries,
        "nnh": run.extra,
    });
    let p = out.join("clusters.json");
    write_output(&p, &serde_json::to_vec_pretty(&doc)?, g)?;
    written.push(p);
    // map
    if let Some(bbox) = inc.bbox() {
        let grid = map_grid(bbox)?;
        let counts = grid.counts(&inc.xy);
        let mut hulls = Vec::new();
        let mut e1 = Vec::new();
        let mut e2 = Vec::new();
        for s in &run.summaries {
            hulls.push(geo::Geometry::Polygon(s.hull_polygon()));
            if let Some(e) = s.ellipse_1sd {
                e1.push(geo::Geometry::Polygon(e.polygon(72)));
            }
            if let Some(e) = s.ellipse_2sd {
                e2.push(geo::Geometry::Polygon(e.polygon(72)));
            }
        }
        let opts = MapOptions {
            title: vec![
                format!("{} clusters", run.clustering.n_clusters),
                format!(
                    "{}; hulls (red), 1 SD ellipses (white), 2 SD (orange)",
                    run.params
                ),
            ],
            legend: "incidents per cell".into(),
            scale: match render::auto_scale(&counts, true) {
                ColourScale::Continuous { min, max, .. } => ColourScale::Continuous {
                    min,
                    max: max * 4.0,
                    sqrt: true,
                },
                s => s,
            },
            overlays: vec![
                Overlay {
                    geometries: e2,
                    colour: [255, 127, 14, 255],
                    width: 1.0,
                },
                Overlay {
                    geometries: e1,
                    colour: [255, 255, 255, 255],
                    width: 1.5,
                },
                Overlay {
                    geometries: hulls,
                    colour: [214, 39, 40, 255],
                    width: 2.0,
                },
            ],
            size: 900,
        };
        let p = out.join("clusters.png");
        write_output(&p, &render::grid_map(&grid, &counts, &opts)?, g)?;
        written.push(p);
    }
    for p in &written {
        let mut pr = prov.clone();
        pr.outputs = written.iter().map(|p| p.display().to_string()).collect();
        pr.write_beside(p, g.force)?;
    }
    Ok(written)
}

pub fn run(a: ClustersArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let conv = match a.ellipse {
        Convention::Crimestat => EllipseConvention::CrimeStat,
        Convention::Arcgis => EllipseConvention::ArcGis,
    };
    if a.method == Method::Hdbscan && inc.len() > 50_000 && !g.quiet {
        eprintln!(
            "note: HDBSCAN builds the exact minimum spanning tree in O(n^2) time ({} points): this can take minutes",
            inc.len()
        );
    }
    let pb = spinner(g, "clustering".into());
    let res = cluster_incidents(&inc, &a, conv);
    pb.finish_and_clear();
    let run = res?;
    let mut prov = Provenance::new(run.params.clone());
    prov.input_load(&a.file, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    write_cluster_outputs(&inc, &run, conv, &a.out, g, &prov)?;
    if !g.quiet {
        println!(
            "{} clusters, {} noise of {} points{}",
            run.clustering.n_clusters,
            run.clustering.n_noise(),
            run.used.len(),
            if run.used.len() < inc.len() {
                format!(" ({} without time excluded)", inc.len() - run.used.len())
            } else {
                String::new()
            }
        );
        if let Some(levels) = run.extra.get("levels").and_then(|l| l.as_array()) {
            for l in levels {
                println!(
                    "Nnh order {}: {} clusters of {} objects, threshold {:.1} m (random NN distance {:.1} m)",
                    l["order"], l["n_clusters"], l["n_objects"],
                    l["threshold_m"].as_f64().unwrap_or(f64::NAN),
                    l["d_ran_m"].as_f64().unwrap_or(f64::NAN)
                );
            }
        }
        if let Some(sim) = run.extra.get("simulation").filter(|s| !s.is_null()) {
            println!(
                "Monte Carlo ({} replicates of complete spatial randomness): first-order clusters 2.5/50/97.5 % = {}, observed {}, p = {}",
                sim["simulations"], sim["quantiles"], sim["observed"], sim["p_value"]
            );
        }
        let mut by_size: Vec<&cluster::ClusterSummary> = run.summaries.iter().collect();
        by_size.sort_by(|x, y| y.count.cmp(&x.count).then(x.label.cmp(&y.label)));
        println!(
            "{:>7} {:>6} {:>10} {:>12} {:>10}",
            "cluster", "count", "span_days", "hull_m2", "sde1_m2"
        );
        for s in by_size.iter().take(10) {
            println!(
                "{:>7} {:>6} {:>10} {:>12.0} {:>10}",
                s.label,
                s.count,
                s.span_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                s.hull_area_m2,
                s.ellipse_1sd
                    .map(|e| format!("{:.0}", e.area()))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// The demo step: DBSCAN clusters (planted hotspots recovered?), street segments
/// with the law of crime concentration, and the accuracy of hotspot maps.
pub fn demo_clusters(
    out: &Path,
    city_dir: &Path,
    inc: &Incidents,
    city: &crimescape::demo::DemoCity,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let quiet = GlobalArgs {
        quiet: true,
        ..g.clone()
    };
    // 1. DBSCAN
    let conv = EllipseConvention::CrimeStat;
    let args = ClustersArgs {
        file: PathBuf::new(),
        method: Method::Dbscan,
        eps: 30.0,
        min_samples: Some(15),
        eps_days: None,
        min_cluster_size: 25,
        nnh_probability: 0.5,
        nnh_threshold: None,
        min_points: 10,
        max_order: 3,
        area_km2: None,
        simulations: 0,
        seed: 1,
        ellipse: Convention::Crimestat,
        out: out.join("clusters"),
        load: LoadArgs::default(),
    };
    let run = cluster_incidents(inc, &args, conv)?;
    let base = prov.clone();
    let written = write_cluster_outputs(inc, &run, conv, &out.join("clusters"), &quiet, &base)?;
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    let recovered: Vec<String> = city
        .truth
        .hotspots
        .iter()
        .map(|h| {
            let best = run
                .summaries
                .iter()
                .map(|s| {
                    let d = ((s.centroid[0] - h.centre[0]).powi(2)
                        + (s.centroid[1] - h.centre[1]).powi(2))
                    .sqrt();
                    (d, s.count)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((d, n)) if d <= h.sigma => {
                    format!("{} found ({} points, centroid {:.0} m off)", h.label, n, d)
                }
                _ => format!("{} missed", h.label),
            }
        })
        .collect();
    // 2. street segments and concentration
    let (streets, _) = crate::common::load_layer(
        &city_dir.join("streets.geojson"),
        None,
        Some(&inc.crs.working),
        &[],
    )?;
    let seg = crate::cmd_segments::analyse_segments(inc, &streets, false, 30.0, None)?;
    let written = crate::cmd_segments::write_segment_outputs(
        inc,
        &streets,
        &seg,
        20,
        &out.join("segments"),
        &quiet,
        &base,
    )?;
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    // 3. accuracy of counts / KDE maps: train Jan–Sep, test Oct–Dec 2024
    let until = crimescape::time::parse_date("2024-10-01")
        .ok_or_else(|| crimescape::Error::Param("bad date".into()))?;
    let ev = crate::cmd_evaluate_hotspots::evaluate(inc, None, until, None, None, None)?;
    let written = crate::cmd_evaluate_hotspots::write_evaluation(
        &ev,
        &out.join("evaluation"),
        &quiet,
        &base,
        json!({"train": "[-inf, 2024-10-01)", "test": "[2024-10-01, +inf)"}),
    )?;
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    if !g.quiet {
        println!(
            "clusters (DBSCAN eps 30 m, min_samples 15): {} clusters, {} noise; planted: {}",
            run.clustering.n_clusters,
            run.clustering.n_noise(),
            recovered.join("; ")
        );
        if let Some(c) = &seg.seg_conc {
            println!(
            "street segments: {} segments, {} incidents unsnapped (> 30 m); 50 % of snapped incidents on {:.1} % of all segments ({:.1} % of segments with crime), Gini {:.3}",
            c.n_units,
            seg.snapped.unsnapped,
            100.0 * c.shares[1].of_all_units,
            100.0 * c.shares[1].of_nonzero_units,
            c.gini
            );
        }
        let at5: Vec<String> = ev
            .methods
            .iter()
            .filter_map(|m| {
                m.rows.get(4).map(|r| {
                    format!(
                        "{} PAI {:.2} PEI {:.2}",
                        m.name,
                        r.pai,
                        r.pei.unwrap_or(f64::NAN)
                    )
                })
            })
            .collect();
        println!(
            "hotspot accuracy at 5 % of the area (train Jan-Sep, test Oct-Dec): {}",
            at5.join("; ")
        );
    }
    Ok(())
}
