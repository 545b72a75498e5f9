//! `crimescape pattern nni|k|cross-k`: point-pattern statistics of incidents on their
//! study area (a boundary polygon, or the points' bounding box / convex hull), with
//! Monte Carlo envelopes of complete spatial randomness simulated inside it.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use crimescape::pattern::{
    cross_k, nearest_neighbour_index, ripley_k, BorderCorrection, EdgeCorrection, NniParams,
    RipleyParams, RipleyResult, StudyArea,
};
use crimescape::render::{self, PlotOptions, Series};
use crimescape::{Incidents, Provenance};
use geo::ConvexHull;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::common::{commit, load_incidents, load_layer, outputs, LoadArgs};

/// Arguments of `crimescape pattern`.
#[derive(Debug, Args)]
pub struct PatternArgs {
    #[command(subcommand)]
    pub cmd: PatternCmd,
}

/// The point-pattern analyses.
#[derive(Debug, Subcommand)]
pub enum PatternCmd {
    /// Nearest neighbour index (Clark-Evans): are incidents closer to each other than
    /// random points in the study area? CrimeStat's border correction as an option.
    Nni(NniCmd),
    /// Ripley's K and L functions with a CSR envelope: at which distances do incidents
    /// cluster?
    K(KCmd),
    /// Cross-K of incidents against a second layer (e.g. bus stops): are incidents closer
    /// to its features than chance, and up to what distance?
    #[command(name = "cross-k")]
    CrossK(CrossKCmd),
}

/// Area the points are compared with when no boundary is given.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AreaArg {
    /// The points' bounding box (pointpats' default).
    Bbox,
    /// The points' convex hull.
    Hull,
}

/// Options shared by the pattern commands.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// Incident file.
    pub incidents: PathBuf,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Study-area polygon file (e.g. the city boundary): the area, the border and where
    /// random points are simulated. Strongly recommended: a bounding box includes water,
    /// parks and land outside the jurisdiction, which makes any pattern look clustered.
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// CRS of the boundary file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub boundary_crs: Option<String>,
    /// Study area without --boundary.
    #[arg(long, value_enum, default_value = "bbox")]
    pub extent: AreaArg,
    /// Monte Carlo simulations of complete spatial randomness in the study area.
    #[arg(long, default_value_t = 99)]
    pub simulations: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Border correction of the nearest neighbour index.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BorderArg {
    /// None (Clark-Evans, ArcGIS).
    None,
    /// Distance to the study area's bounding rectangle (CrimeStat "rectangular").
    Rectangle,
    /// Distance to the study-area boundary.
    Boundary,
}

/// `pattern nni`.
#[derive(Debug, Args)]
pub struct NniCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Border correction: a point's border distance replaces its nearest-neighbour
    /// distance when shorter.
    #[arg(long, value_enum, default_value = "none")]
    pub correction: BorderArg,
}

/// Edge correction of K.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EdgeArg {
    /// None (pointpats).
    None,
    /// Reduced sample: only points at least r from the boundary are centres.
    Border,
}

/// Distance options of K and cross-K.
#[derive(Debug, Args)]
pub struct DistanceArgs {
    /// Distances in metres (comma-separated, increasing) [default: --steps from 0 to --max-distance].
    #[arg(long, value_delimiter = ',')]
    pub distances: Option<Vec<f64>>,
    /// Largest distance in metres [default: a quarter of the study area's shorter side,
    /// capped so that a random pattern of the same size has about 2*10^6 pairs].
    #[arg(long)]
    pub max_distance: Option<f64>,
    /// Number of distances from 0 to --max-distance.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Edge correction.
    #[arg(long, value_enum, default_value = "none")]
    pub edge: EdgeArg,
}

/// `pattern k`.
#[derive(Debug, Args)]
pub struct KCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub dist: DistanceArgs,
}

/// `pattern cross-k`.
#[derive(Debug, Args)]
pub struct CrossKCmd {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub dist: DistanceArgs,
    /// The second layer (points, lines or polygons; their representative points are used).
    #[arg(long)]
    pub layer: PathBuf,
    /// CRS of the layer file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Name of the layer in sentences and titles [default: the file stem].
    #[arg(long)]
    pub layer_name: Option<String>,
}

/// Runs `crimescape pattern`.
pub fn run(a: PatternArgs, g: &GlobalArgs) -> Result<()> {
    match a.cmd {
        PatternCmd::Nni(c) => run_nni(c, g),
        PatternCmd::K(c) => run_k(c, g, None),
        PatternCmd::CrossK(c) => {
            let layer = (c.layer, c.layer_crs, c.layer_name);
            run_k(
                KCmd {
                    study: c.study,
                    dist: c.dist,
                },
                g,
                Some(layer),
            )
        }
    }
}

struct Loaded {
    inc: Incidents,
    area: StudyArea,
    prov: Provenance,
    what: String,
}

fn load(s: &StudyArgs, g: &GlobalArgs, params: serde_json::Value) -> Result<Loaded> {
    let (inc, rep) = load_incidents(&s.incidents, &s.load, g)?;
    let mut prov = Provenance::new(params);
    prov.input_load(&s.incidents, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    prov.seed = Some(s.seed);
    let area = match &s.boundary {
        Some(b) => {
            let (layer, lrep) =
                load_layer(b, s.boundary_crs.as_deref(), Some(&inc.crs.working), &[])?;
            prov.input(
                b,
                "boundary",
                lrep.features_read,
                lrep.accepted,
                &lrep.sha256,
            );
            let polys = StudyArea::polygons_of(&layer.geometries);
            if polys.is_empty() {
                return Err(crimescape::Error::Data(format!(
                    "{}: no polygon in the boundary file",
                    b.display()
                ))
                .into());
            }
            StudyArea::polygons(&polys)?
        }
        None => match s.extent {
            AreaArg::Bbox => StudyArea::bounding_box(&inc.xy)?,
            AreaArg::Hull => {
                let mp: geo::MultiPoint<f64> =
                    inc.xy.iter().map(|p| geo::Point::new(p[0], p[1])).collect();
                let mut a = StudyArea::polygons(&[mp.convex_hull()])?;
                a.set_kind("convex hull of the points");
                a
            }
        },
    };
    if s.boundary.is_none() && !g.quiet {
        eprintln!(
            "note: study area = {} (no --boundary): areas without incidents inside it make the pattern look more clustered",
            area.kind()
        );
    }
    let what = format!(
        "{} incidents, study area {:.2} km2 ({})",
        inc.len(),
        area.area() / 1e6,
        area.kind()
    );
    Ok(Loaded {
        inc,
        area,
        prov,
        what,
    })
}

fn write_all(
    dir: &Path,
    files: Vec<(&str, Vec<u8>)>,
    prov: &mut Provenance,
    g: &GlobalArgs,
) -> Result<()> {
    prov.outputs = files
        .iter()
        .map(|(n, _)| dir.join(n).display().to_string())
        .collect();
    let mut out = outputs(dir, files.iter().map(|(n, _)| *n), g)?;
    out.provenance(prov.clone());
    for (n, bytes) in &files {
        out.bytes(n, bytes)?;
    }
    commit(out, g)
}

fn run_nni(c: NniCmd, g: &GlobalArgs) -> Result<()> {
    let params = NniParams::new()
        .correction(match c.correction {
            BorderArg::None => BorderCorrection::None,
            BorderArg::Rectangle => BorderCorrection::Rectangle,
            BorderArg::Boundary => BorderCorrection::Boundary,
        })
        .simulations(c.study.simulations)
        .seed(c.study.seed);
    let mut l = load(&c.study, g, json!({"analysis": "nni", "nni": params}))?;
    let r = nearest_neighbour_index(&l.inc.xy, &l.area, &params)?;
    let sentence = r.sentence();
    let summary = json!({"analysis": "nni", "input": l.what, "result": r, "summary": sentence, "provenance": l.prov});
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "n",
        "outside",
        "area_m2",
        "correction",
        "corrected_points",
        "mean_distance_m",
        "expected_distance_m",
        "nni",
        "se_m",
        "z",
        "p",
        "p_sim",
        "nni_lo",
        "nni_hi",
    ])?;
    let sim = r.simulation.as_ref();
    csv.write_record([
        r.n.to_string(),
        r.outside.to_string(),
        format!("{}", r.area_m2),
        format!("{:?}", r.correction).to_lowercase(),
        r.corrected_points.to_string(),
        format!("{}", r.mean_distance),
        format!("{}", r.expected_distance),
        format!("{}", r.nni),
        format!("{}", r.se),
        format!("{}", r.z),
        format!("{}", r.p),
        sim.map(|s| s.p_sim.to_string()).unwrap_or_default(),
        sim.map(|s| s.nni_lo.to_string()).unwrap_or_default(),
        sim.map(|s| s.nni_hi.to_string()).unwrap_or_default(),
    ])?;
    write_all(
        &c.study.out,
        vec![
            ("nni.csv", csv.into_inner()?),
            ("nni.json", serde_json::to_vec_pretty(&summary)?),
        ],
        &mut l.prov,
        g,
    )?;
    if !g.quiet {
        println!("{}", l.what);
        if r.outside > 0 {
            println!(
                "{} incidents outside the study area were left out",
                r.outside
            );
        }
        println!("{sentence}");
    }
    Ok(())
}

fn k_csv(r: &RipleyResult) -> Result<Vec<u8>> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "distance_m",
        "k",
        "l",
        "l_minus_r",
        "k_csr",
        "k_lo",
        "k_hi",
        "k_mean",
        "p_sim",
    ])?;
    for q in 0..r.distances.len() {
        let e = r.envelope.as_ref();
        let f = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        csv.write_record([
            format!("{}", r.distances[q]),
            format!("{}", r.k[q]),
            format!("{}", r.l[q]),
            format!("{}", r.l_minus_r[q]),
            format!("{}", r.k_csr[q]),
            f(e.map(|e| e.k_lo[q])),
            f(e.map(|e| e.k_hi[q])),
            f(e.map(|e| e.k_mean[q])),
            f(e.map(|e| e.p_sim[q])),
        ])?;
    }
    Ok(csv.into_inner()?)
}

/// L(r) − r of the observed pattern and of the envelope, as a PNG.
fn k_plot(r: &RipleyResult, title: Vec<String>) -> Result<Vec<u8>> {
    let lr = |k: f64, d: f64| (k.max(0.0) / std::f64::consts::PI).sqrt() - d;
    let mut series = vec![Series {
        label: "observed".into(),
        points: r
            .distances
            .iter()
            .zip(&r.l_minus_r)
            .map(|(d, v)| (*d, *v))
            .collect(),
        markers: true,
    }];
    if let Some(e) = &r.envelope {
        series.push(Series {
            label: "envelope high".into(),
            points: r
                .distances
                .iter()
                .zip(&e.k_hi)
                .map(|(d, k)| (*d, lr(*k, *d)))
                .collect(),
            markers: false,
        });
        series.push(Series {
            label: "envelope low".into(),
            points: r
                .distances
                .iter()
                .zip(&e.k_lo)
                .map(|(d, k)| (*d, lr(*k, *d)))
                .collect(),
            markers: false,
        });
    }
    Ok(render::line_plot(
        &series,
        &PlotOptions {
            title,
            x_label: "distance r (m)".into(),
            y_label: "L(r) - r (m)".into(),
            ..Default::default()
        },
    )?)
}

fn run_k(
    c: KCmd,
    g: &GlobalArgs,
    layer: Option<(PathBuf, Option<String>, Option<String>)>,
) -> Result<()> {
    let mut params = RipleyParams::new()
        .steps(c.dist.steps)
        .edge(match c.dist.edge {
            EdgeArg::None => EdgeCorrection::None,
            EdgeArg::Border => EdgeCorrection::Border,
        })
        .simulations(c.study.simulations)
        .seed(c.study.seed);
    params.distances = c.dist.distances.clone();
    params.max_distance = c.dist.max_distance;
    let name = if layer.is_some() { "cross_k" } else { "k" };
    let mut l = load(&c.study, g, json!({"analysis": name, "ripley": params}))?;
    let (r, other_name) = match &layer {
        None => (ripley_k(&l.inc.xy, &l.area, &params)?, String::new()),
        Some((path, crs, lname)) => {
            let (ly, lrep) = load_layer(path, crs.as_deref(), Some(&l.inc.crs.working), &[])?;
            l.prov.input(
                path,
                "layer",
                lrep.features_read,
                lrep.accepted,
                &lrep.sha256,
            );
            let nm = lname.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().replace('_', " "))
                    .unwrap_or_else(|| "the layer".into())
            });
            let pts = ly.representative_points();
            (cross_k(&l.inc.xy, &pts, &l.area, &params)?, nm)
        }
    };
    let sentence = r.sentence("incidents", &other_name);
    let title = vec![
        match &layer {
            None => "Ripley's L function: L(r) - r with the CSR envelope".to_string(),
            Some(_) => format!("Cross-L function: incidents against {other_name}, L(r) - r"),
        },
        l.what.clone(),
    ];
    let summary = json!({"analysis": name, "input": l.what, "result": r, "summary": sentence, "provenance": l.prov});
    let png = k_plot(&r, title)?;
    write_all(
        &c.study.out,
        vec![
            (&format!("{name}.csv"), k_csv(&r)?),
            (
                &format!("{name}.json"),
                serde_json::to_vec_pretty(&summary)?,
            ),
            (&format!("{name}.png"), png),
        ],
        &mut l.prov,
        g,
    )?;
    if !g.quiet {
        println!("{}; distances: {}", l.what, r.distance_rule);
        if let (Some(n2), Some(out2)) = (r.n_other, r.other_outside) {
            println!(
                "{n2} features of {other_name} inside the study area ({out2} outside, left out)"
            );
        }
        println!(
            "{:>10} {:>14} {:>10} {:>10} {:>10}",
            "r_m", "K", "L-r", "L-r lo", "L-r hi"
        );
        for q in 0..r.distances.len() {
            let d = r.distances[q];
            let (lo, hi) = match &r.envelope {
                Some(e) => (
                    (e.k_lo[q].max(0.0) / std::f64::consts::PI).sqrt() - d,
                    (e.k_hi[q].max(0.0) / std::f64::consts::PI).sqrt() - d,
                ),
                None => (f64::NAN, f64::NAN),
            };
            println!(
                "{:>10.1} {:>14.1} {:>10.2} {:>10.2} {:>10.2}",
                d, r.k[q], r.l_minus_r[q], lo, hi
            );
        }
        println!("{sentence}");
    }
    Ok(())
}
