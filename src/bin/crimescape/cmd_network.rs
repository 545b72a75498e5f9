//! `crimescape network kde|k|cross-k|gistar|moran`: analyses on the street network
//! (network distance instead of straight lines), and the `--metric network`
//! plumbing of `near-repeat` and `chains`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use crimescape::export::{FeatureCollectionWriter, Outputs};
use crimescape::hotspot::{GiStarParams, LocalMoranParams};
use crimescape::network::{
    k_study, nkde_study, segment_hotspots, KParams, KStudy, LayerNetwork, NetKernel, Network,
    NetworkParams, NetworkSpace, NkdeMethod, NkdeParams, NkdeStudy, SegmentHotspotParams,
    SegmentHotspots, SegmentValue, SegmentWeights, Snapped,
};
use crimescape::render::{self, ColourScale, MapOptions, Overlay, PlotOptions, Series};
use crimescape::{Incidents, Layer, Provenance};
use serde_json::{json, Value};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, load_space, spinner, LoadArgs, StreetArgs};

/// `crimescape network ...`
#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(subcommand)]
    pub cmd: NetworkCmd,
}

/// The network analyses.
#[derive(Debug, Subcommand)]
pub enum NetworkCmd {
    /// Network kernel density on lixels (spNetwork's simple, discontinuous or continuous
    /// form; quartic, triangular or Gaussian kernel): incidents per metre along the
    /// streets, GeoJSON lines, CSV and a PNG map.
    Kde(KdeArgs),
    /// Network K function (Okabe & Yamada 2001) with a Monte Carlo envelope of points
    /// placed uniformly on the network: CSV, JSON and a PNG plot.
    K(KArgs),
    /// Network cross K function of incidents against facilities (bars, bus stops, ...),
    /// with an envelope of incidents placed uniformly on the network.
    CrossK(CrossKArgs),
    /// Getis-Ord Gi* hot and cold street segments (neighbours: shared junction or a
    /// network-distance band), with the law-of-concentration columns.
    Gistar(SegmentArgs),
    /// Local Moran's I clusters and outliers of street segments (HH, LH, LL, HL), with
    /// the law-of-concentration columns.
    Moran(SegmentArgs),
}

fn snap_line(what: &str, s: &Snapped, n: usize) -> String {
    format!(
        "{} of {n} {what} snapped to the network within {} m, {} left out",
        n - s.unsnapped,
        s.tolerance,
        s.unsnapped
    )
}

fn snap_json(s: &Snapped, n: usize) -> Value {
    json!({"points": n, "snapped": n - s.unsnapped, "unsnapped": s.unsnapped, "tolerance_m": s.tolerance,
           "rule": "nearest edge (Euclidean; ties: lowest edge) if distance <= tolerance; snap distance not added to network distances"})
}

fn network_json(ln: &LayerNetwork) -> Value {
    json!({"report": ln.net.report, "skipped_non_line_features": ln.skipped_non_line})
}

/// The outputs' names relative to `root`.
fn names<'a>(root: &Path, outputs: &'a [(PathBuf, Vec<u8>)]) -> Vec<(String, &'a [u8])> {
    outputs
        .iter()
        .map(|(p, b)| {
            let rel = p.strip_prefix(root).unwrap_or(p);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (name, b.as_slice())
        })
        .collect()
}

/// Writes the outputs (all under `root`) into `out` with the provenance record.
fn write_set(
    out: &mut Outputs,
    root: &Path,
    outputs: &[(PathBuf, Vec<u8>)],
    prov: &Provenance,
) -> Result<()> {
    let files = names(root, outputs);
    out.plan(files.iter().map(|(n, _)| n.as_str()))?;
    out.provenance(prov.clone());
    for (n, b) in &files {
        out.bytes(n, b)?;
    }
    Ok(())
}

/// Writes the outputs (all under `root`) as one output set, a provenance file beside each.
fn finish(
    root: &Path,
    outputs: &[(PathBuf, Vec<u8>)],
    prov: &Provenance,
    g: &GlobalArgs,
) -> Result<()> {
    let mut out = Outputs::folder(root, &crate::common::output_options(g))?;
    write_set(&mut out, root, outputs, prov)?;
    crate::common::commit(out, g)
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

/// A map of values per street piece (lines), with optional context overlays.
fn line_map(
    geoms: Vec<geo::Geometry<f64>>,
    values: &[f64],
    scale: ColourScale,
    title: Vec<String>,
    legend: &str,
    overlays: Vec<Overlay>,
) -> Result<Vec<u8>> {
    let opts = MapOptions {
        title,
        legend: legend.into(),
        scale,
        overlays,
        size: 900,
    };
    Ok(render::feature_map(&geoms, values, &opts)?)
}

// ------------------------------------------------------------------ kde

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Kernel of the shortest-path distance (Xie & Yan 2008); mass grows at junctions.
    Simple,
    /// Equal split at junctions (Okabe et al. 2009); jumps at junctions.
    Discontinuous,
    /// Equal split with back-propagation: continuous and mass-conserving.
    Continuous,
    /// The same kernel of the straight-line distance on the same lixels (planar comparison).
    Planar,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KernelArg {
    Quartic,
    Triangular,
    /// Truncated at the bandwidth (as spNetwork).
    Gaussian,
}

/// `network kde`.
#[derive(Debug, Args)]
pub struct KdeArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    /// Bandwidth (m of network distance).
    #[arg(long, default_value_t = 300.0)]
    pub bandwidth: f64,
    /// Longest lixel (m): every street segment is cut into equal pieces no longer than this.
    #[arg(long, default_value_t = 20.0)]
    pub lixel: f64,
    /// Form of the network KDE.
    #[arg(long, value_enum, default_value_t = MethodArg::Continuous)]
    pub method: MethodArg,
    /// Kernel.
    #[arg(long, value_enum, default_value_t = KernelArg::Quartic)]
    pub kernel: KernelArg,
    /// Junctions of degree >= 3 a kernel path may pass (discontinuous/continuous).
    #[arg(long, default_value_t = 15)]
    pub max_depth: usize,
    /// Output folder (lixels.geojson, lixels.csv, nkde.json, nkde.png).
    #[arg(long, short, default_value = "network_kde")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn nkde_params(a: &KdeArgs) -> NkdeParams {
    NkdeParams::new(a.bandwidth)
        .lixel_length(a.lixel)
        .max_depth(a.max_depth)
        .method(match a.method {
            MethodArg::Simple => NkdeMethod::Simple,
            MethodArg::Discontinuous => NkdeMethod::Discontinuous,
            MethodArg::Continuous => NkdeMethod::Continuous,
            MethodArg::Planar => NkdeMethod::Planar,
        })
        .kernel(match a.kernel {
            KernelArg::Quartic => NetKernel::Quartic,
            KernelArg::Triangular => NetKernel::Triangular,
            KernelArg::Gaussian => NetKernel::Gaussian,
        })
}

fn run_kde(a: KdeArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let p = nkde_params(&a);
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    let (space, ln, _) = load_space(&a.streets, &inc.crs.working, &mut prov, g)?;
    let pb = spinner(g, format!("network KDE of {} incidents", inc.len()));
    let t0 = std::time::Instant::now();
    let st = nkde_study(&space, &inc.xy, None, &p);
    pb.finish_and_clear();
    let st = st?;
    if !g.quiet {
        eprintln!(
            "{}; {} lixels, {:.2} s",
            snap_line("incidents", &st.snapped, inc.len()),
            st.lixels.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    let outputs = kde_outputs(
        &st,
        &space,
        &ln,
        &inc,
        &a.out,
        &a.file.display().to_string(),
        &[],
    )?;
    finish(&a.out, &outputs, &prov, g)?;
    println!("{}", kde_summary(&st));
    Ok(())
}

fn kde_summary(st: &NkdeStudy) -> String {
    let max = st.density.iter().cloned().fold(0.0, f64::max);
    format!(
        "network KDE ({} form, {} kernel, bandwidth {} m): {} incidents on {} lixels; peak {:.4} \
         incidents per metre; mass on the network {:.1} of {:.1}",
        st.params.method.name(),
        st.params.kernel.name(),
        st.params.bandwidth,
        st.n_events,
        st.lixels.len(),
        max,
        st.mass,
        st.total_weight
    )
}

fn kde_outputs(
    st: &NkdeStudy,
    space: &NetworkSpace,
    ln: &LayerNetwork,
    inc: &Incidents,
    out: &Path,
    title: &str,
    overlays: &[Overlay],
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    std::fs::create_dir_all(out).map_err(|e| crimescape::Error::io(out, e))?;
    let lx = &st.lixels;
    let net = &space.net;
    let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "lixel",
        "edge",
        "source_feature",
        "start_m",
        "end_m",
        "length_m",
        "density_per_m",
        "density_per_km",
    ])?;
    let mut geoms = Vec::with_capacity(lx.len());
    for k in 0..lx.len() {
        let e = lx.edge[k] as usize;
        let g = geo::Geometry::LineString(lx.geometry(net, k));
        let d = st.density[k];
        let mut m = serde_json::Map::new();
        m.insert("lixel".into(), k.into());
        m.insert("edge".into(), e.into());
        m.insert("source_feature".into(), ln.feature_of_edge(e).into());
        m.insert("density_per_m".into(), json!(d));
        m.insert("density_per_km".into(), json!(d * 1000.0));
        fc.push(&g, m)?;
        geoms.push(g);
        w.write_record([
            k.to_string(),
            e.to_string(),
            ln.feature_of_edge(e).to_string(),
            format!("{:.3}", lx.start[k]),
            format!("{:.3}", lx.end[k]),
            format!("{:.3}", lx.length(k)),
            format!("{d:.9}"),
            format!("{:.6}", d * 1000.0),
        ])?;
    }
    let p = &st.params;
    let doc = json!({
        "method": p.method.name(),
        "kernel": p.kernel.name(),
        "bandwidth_m": p.bandwidth,
        "lixel_length_m": p.lixel_length,
        "max_depth": p.max_depth,
        "lixels": lx.len(),
        "events_used": st.n_events,
        "total_weight": st.total_weight,
        "mass_on_network": st.mass,
        "peak_per_m": st.density.iter().cloned().fold(0.0, f64::max),
        "snapping": snap_json(&st.snapped, inc.len()),
        "network": network_json(ln),
        "definitions": {
            "density": "incidents per metre at the lixel centre: sum over incidents of the 1-D kernel K(d) of the network distance (see method)",
            "kernels": "quartic (15/16)(1-u^2)^2/h, triangular (1-u)/h, gaussian phi(u)/h truncated at h; u = d/h",
            "simple": "K(shortest-path distance) (Xie & Yan 2008)",
            "discontinuous": "equal split 1/(n-1) at each junction of degree n over every path (Okabe, Satoh & Sugihara 2009)",
            "continuous": "2/n forward and (2-n)/n back at each junction (Okabe & Sugihara 2012; spNetwork)",
            "planar": "K(straight-line distance) on the same lixels, for comparison",
            "lixels": "each edge cut into ceil(length / lixel_length) equal pieces",
        }
    });
    let scale = render::auto_scale(
        &st.density.iter().map(|d| d * 1000.0).collect::<Vec<_>>(),
        true,
    );
    let values: Vec<f64> = st.density.iter().map(|d| d * 1000.0).collect();
    let png = line_map(
        geoms,
        &values,
        scale,
        vec![
            format!("Network KDE ({} form)", p.method.name()),
            format!(
                "{title}: {} incidents, {} kernel, bandwidth {} m, {} lixels of <= {} m",
                st.n_events,
                p.kernel.name(),
                p.bandwidth,
                lx.len(),
                p.lixel_length
            ),
        ],
        "per km of street",
        overlays.to_vec(),
    )?;
    Ok(vec![
        (out.join("lixels.geojson"), fc.finish()?),
        (out.join("lixels.csv"), w.into_inner()?),
        (out.join("nkde.json"), serde_json::to_vec_pretty(&doc)?),
        (out.join("nkde.png"), png),
    ])
}

// ------------------------------------------------------------------ K

/// Distances and simulations of the K functions.
#[derive(Debug, Args, Clone)]
pub struct KOptions {
    /// Largest distance (m).
    #[arg(long, default_value_t = 1000.0)]
    pub max_distance: f64,
    /// Number of distances from 0 to the largest (spaghetti's nsteps).
    #[arg(long, default_value_t = 21)]
    pub steps: usize,
    /// Simulations of uniform points for the envelope (0 = none).
    #[arg(long, default_value_t = 99)]
    pub simulations: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// `network k`.
#[derive(Debug, Args)]
pub struct KArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    #[command(flatten)]
    pub k: KOptions,
    /// Output folder (k.csv, k.json, k.png).
    #[arg(long, short, default_value = "network_k")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `network cross-k`.
#[derive(Debug, Args)]
pub struct CrossKArgs {
    /// Incident file (the points simulated in the envelope).
    pub file: PathBuf,
    /// Facility layer (points: bars, bus stops, ...), fixed in the envelope.
    #[arg(long)]
    pub facilities: PathBuf,
    /// CRS of the facility file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub facilities_crs: Option<String>,
    #[command(flatten)]
    pub streets: StreetArgs,
    #[command(flatten)]
    pub k: KOptions,
    /// Output folder (cross_k.csv, cross_k.json, cross_k.png).
    #[arg(long, short, default_value = "network_cross_k")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn k_params(o: &KOptions) -> Result<KParams> {
    if !(o.max_distance.is_finite() && o.max_distance > 0.0) || o.steps < 2 {
        return Err(crimescape::Error::Param(format!(
            "--max-distance must be > 0 m and --steps >= 2, got {} and {}",
            o.max_distance, o.steps
        ))
        .into());
    }
    Ok(KParams::steps(o.max_distance, o.steps)
        .simulations(o.simulations)
        .seed(o.seed))
}

fn run_k(a: KArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let p = k_params(&a.k)?;
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    prov.seed = Some(p.seed);
    let (space, ln, _) = load_space(&a.streets, &inc.crs.working, &mut prov, g)?;
    let st = timed_k(&space, &inc.xy, None, &p, g)?;
    let outputs = k_outputs(
        &st,
        &ln,
        inc.len(),
        &a.out,
        "k",
        &a.file.display().to_string(),
    )?;
    finish(&a.out, &outputs, &prov, g)?;
    print!("{}", k_text(&st));
    Ok(())
}

fn run_cross_k(a: CrossKArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let p = k_params(&a.k)?;
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    prov.seed = Some(p.seed);
    let (fac, frep) = load_layer(
        &a.facilities,
        a.facilities_crs.as_deref(),
        Some(&inc.crs.working),
        &[],
    )?;
    prov.input(
        &a.facilities,
        "facilities",
        frep.features_read,
        frep.accepted,
        &frep.sha256,
    );
    let b = fac.representative_points();
    let (space, ln, _) = load_space(&a.streets, &inc.crs.working, &mut prov, g)?;
    let st = timed_k(&space, &inc.xy, Some(&b), &p, g)?;
    let outputs = k_outputs(
        &st,
        &ln,
        inc.len(),
        &a.out,
        "cross_k",
        &format!("{} vs {}", a.file.display(), a.facilities.display()),
    )?;
    finish(&a.out, &outputs, &prov, g)?;
    print!("{}", k_text(&st));
    Ok(())
}

fn timed_k(
    space: &NetworkSpace,
    a: &[[f64; 2]],
    b: Option<&[[f64; 2]]>,
    p: &KParams,
    g: &GlobalArgs,
) -> Result<KStudy> {
    let pb = spinner(
        g,
        format!(
            "network K: {} points, {} simulations",
            a.len(),
            p.simulations
        ),
    );
    let t0 = std::time::Instant::now();
    let st = k_study(space, a, b, p);
    pb.finish_and_clear();
    let st = st?;
    if !g.quiet {
        eprintln!(
            "{}{}; {:.2} s",
            snap_line("incidents", &st.snapped, a.len()),
            st.snapped_b
                .as_ref()
                .map(|s| format!("; {}", snap_line("facilities", s, b.map_or(0, |b| b.len()))))
                .unwrap_or_default(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(st)
}

fn k_text(st: &KStudy) -> String {
    let r = &st.result;
    let mut s = format!(
        "network {} K function: {} points{}, network {:.1} km\n{:>9} {:>10} {:>12} {:>12} {:>12} {:>8}\n",
        r.kind,
        r.n,
        r.n_b.map(|m| format!(" vs {m} facilities")).unwrap_or_default(),
        r.total_length_m / 1000.0,
        "t_m",
        "pairs",
        "K",
        "env_lo",
        "env_hi",
        "p_clust"
    );
    for j in 0..r.distances.len() {
        let (lo, hi, pc) = r
            .envelope
            .as_ref()
            .map_or((f64::NAN, f64::NAN, f64::NAN), |e| {
                (e.lo[j], e.hi[j], e.p_clustered[j])
            });
        s.push_str(&format!(
            "{:>9.1} {:>10} {:>12.2} {:>12.2} {:>12.2} {:>8.3}\n",
            r.distances[j], r.pairs_within[j], r.k[j], lo, hi, pc
        ));
    }
    if let Some(e) = &r.envelope {
        let above: Vec<String> = (0..r.distances.len())
            .filter(|&j| r.k[j] > e.hi[j])
            .map(|j| format!("{}", r.distances[j]))
            .collect();
        let below = (0..r.distances.len()).filter(|&j| r.k[j] < e.lo[j]).count();
        s.push_str(&if above.is_empty() {
            format!(
                "K stays within the envelope of {} uniform simulations at every distance{}.\n",
                e.simulations,
                if below > 0 {
                    format!(" except {below} below it (dispersion)")
                } else {
                    String::new()
                }
            )
        } else {
            format!(
                "K is above the envelope of {} uniform simulations (clustering along the network) at {} m.\n",
                e.simulations,
                above.join(", ")
            )
        });
    }
    s
}

fn k_outputs(
    st: &KStudy,
    ln: &LayerNetwork,
    n_inc: usize,
    out: &Path,
    stem: &str,
    title: &str,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    std::fs::create_dir_all(out).map_err(|e| crimescape::Error::io(out, e))?;
    let r = &st.result;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "t_m",
        "pairs_within",
        "pairs_below",
        "k",
        "k_spaghetti",
        "sim_lo",
        "sim_hi",
        "sim_mean",
        "p_clustered",
        "p_dispersed",
    ])?;
    for j in 0..r.distances.len() {
        let e = r.envelope.as_ref();
        let opt = |f: &dyn Fn(&crimescape::network::KEnvelope) -> f64| {
            e.map(|e| format!("{}", f(e))).unwrap_or_default()
        };
        w.write_record([
            format!("{}", r.distances[j]),
            r.pairs_within[j].to_string(),
            r.pairs_below[j].to_string(),
            format!("{}", r.k[j]),
            format!("{}", r.k_spaghetti[j]),
            opt(&|e| e.lo[j]),
            opt(&|e| e.hi[j]),
            opt(&|e| e.mean[j]),
            opt(&|e| e.p_clustered[j]),
            opt(&|e| e.p_dispersed[j]),
        ])?;
    }
    let doc = json!({
        "result": r,
        "snapping": snap_json(&st.snapped, n_inc),
        "snapping_facilities": st.snapped_b.as_ref().map(|s| snap_json(s, s.pos.len())),
        "network": network_json(ln),
        "definitions": {
            "k": if r.kind == "cross" { "L * #{(i,j): d(a_i,b_j) <= t} / (n_A n_B)" } else { "L * #{ordered pairs i != j: d_ij <= t} / (n (n - 1)) (Okabe & Yamada 2001)" },
            "k_spaghetti": "spaghetti GlobalAutoK: 2 * #{i<j: d_ij < t} / (n * n / L) (cross: strict < with n_A n_B)",
            "distance": "shortest path along the network between snapped positions (snap distance not added)",
            "envelope": "pointwise min/max of K over simulations of points placed uniformly on the network (cross K: incidents simulated, facilities fixed); p_clustered = (#{sim >= obs} + 1)/(S + 1)",
        }
    });
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        r.distances.iter().copied().zip(v.iter().copied()).collect()
    };
    let mut series = vec![Series {
        label: "observed".into(),
        points: pts(&r.k),
        markers: true,
    }];
    if let Some(e) = &r.envelope {
        series.push(Series {
            label: format!("max of {} sims", e.simulations),
            points: pts(&e.hi),
            markers: false,
        });
        series.push(Series {
            label: "sim mean".into(),
            points: pts(&e.mean),
            markers: false,
        });
        series.push(Series {
            label: "sim min".into(),
            points: pts(&e.lo),
            markers: false,
        });
    }
    let png = render::line_plot(
        &series,
        &PlotOptions {
            title: vec![
                format!(
                    "Network {}K function",
                    if r.kind == "cross" { "cross " } else { "" }
                ),
                format!(
                    "{title}: {} points{}, network {:.1} km",
                    r.n,
                    r.n_b
                        .map(|m| format!(" vs {m} facilities"))
                        .unwrap_or_default(),
                    r.total_length_m / 1000.0
                ),
            ],
            x_label: "network distance t (m)".into(),
            y_label: "K(t) (m of network)".into(),
            ..Default::default()
        },
    )?;
    Ok(vec![
        (out.join(format!("{stem}.csv")), w.into_inner()?),
        (
            out.join(format!("{stem}.json")),
            serde_json::to_vec_pretty(&doc)?,
        ),
        (out.join(format!("{stem}.png")), png),
    ])
}

// ------------------------------------------------------------------ segments

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NeighbourArg {
    /// Segments sharing a junction.
    Contiguity,
    /// Segments whose midpoints are within --radius along the network.
    Band,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ValueArg {
    /// Incidents per segment.
    Count,
    /// Incidents per 100 m of segment.
    Rate,
}

/// `network gistar` / `network moran`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Incident file.
    pub file: PathBuf,
    #[command(flatten)]
    pub streets: StreetArgs,
    /// Neighbours between segments.
    #[arg(long, value_enum, default_value_t = NeighbourArg::Contiguity)]
    pub neighbours: NeighbourArg,
    /// Radius for --neighbours band (m of network distance between segment midpoints).
    #[arg(long)]
    pub radius: Option<f64>,
    /// Value tested per segment.
    #[arg(long, value_enum, default_value_t = ValueArg::Count)]
    pub value: ValueArg,
    /// Conditional permutations (0 = none).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// Benjamini-Hochberg FDR control of the Gi* bins.
    #[arg(long)]
    pub fdr: bool,
    /// Output folder.
    #[arg(long, short, default_value = "network_segments")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

fn segment_params(a: &SegmentArgs, gistar: bool) -> Result<SegmentHotspotParams> {
    let weights = match (a.neighbours, a.radius) {
        (NeighbourArg::Contiguity, None) => SegmentWeights::Contiguity,
        (NeighbourArg::Contiguity, Some(_)) => {
            return Err(
                crimescape::Error::Param("--radius applies to --neighbours band".into()).into(),
            )
        }
        (NeighbourArg::Band, Some(r)) => SegmentWeights::Band { radius: r },
        (NeighbourArg::Band, None) => {
            return Err(
                crimescape::Error::Param("--neighbours band needs --radius (m)".into()).into(),
            )
        }
    };
    let p = SegmentHotspotParams::new()
        .weights(weights)
        .value(match a.value {
            ValueArg::Count => SegmentValue::Count,
            ValueArg::Rate => SegmentValue::Rate,
        });
    Ok(if gistar {
        p.gistar(Some(
            GiStarParams::new()
                .permutations(a.permutations)
                .seed(a.seed)
                .fdr(a.fdr),
        ))
        .moran(None)
    } else {
        p.gistar(None).moran(Some(
            LocalMoranParams::new()
                .permutations(a.permutations)
                .seed(a.seed),
        ))
    })
}

fn run_segments(a: SegmentArgs, gistar: bool, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let p = segment_params(&a, gistar)?;
    let mut prov = new_prov(serde_json::to_value(&p)?, &a.file, &rep, &inc);
    prov.seed = Some(a.seed);
    let (space, ln, streets) = load_space(&a.streets, &inc.crs.working, &mut prov, g)?;
    let pb = spinner(g, "segment hot spots".into());
    let r = segment_hotspots(&space, &inc.xy, &p);
    pb.finish_and_clear();
    let r = r?;
    if !g.quiet {
        eprintln!("{}", snap_line("incidents", &r.snapped, inc.len()));
    }
    let outputs = segment_outputs(
        &r,
        &space,
        &ln,
        &streets,
        &inc,
        &a.out,
        &a.file.display().to_string(),
        &[],
    )?;
    finish(&a.out, &outputs, &prov, g)?;
    println!("{}", segment_summary(&r));
    Ok(())
}

fn segment_summary(r: &SegmentHotspots) -> String {
    let mut s = String::new();
    if let Some(c) = &r.concentration {
        s.push_str(&format!(
            "{} segments, {} with incidents; 50 % of the incidents on {} segments ({:.1} % of all), Gini {:.3}",
            c.n_units,
            c.n_nonzero,
            c.shares[1].units,
            100.0 * c.shares[1].of_all_units,
            c.gini
        ));
    }
    if let Some(g) = &r.gistar {
        s.push_str(&format!(
            "\nGi*: {} hot segments at 99 %, {} at 95 %, {} at 90 %; {} cold at 95 % or more",
            g.bin_counts[6],
            g.bin_counts[5],
            g.bin_counts[4],
            g.bin_counts[0] + g.bin_counts[1]
        ));
    }
    if let Some(m) = &r.moran {
        s.push_str(&format!(
            "\nLocal Moran (significant at {}): HH {}, LH {}, LL {}, HL {}",
            m.params.alpha,
            m.significant_counts[0],
            m.significant_counts[1],
            m.significant_counts[2],
            m.significant_counts[3]
        ));
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn segment_outputs(
    r: &SegmentHotspots,
    space: &NetworkSpace,
    ln: &LayerNetwork,
    streets: &Layer,
    inc: &Incidents,
    out: &Path,
    title: &str,
    overlays: &[Overlay],
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    std::fs::create_dir_all(out).map_err(|e| crimescape::Error::io(out, e))?;
    let net = &space.net;
    let stem = if r.gistar.is_some() {
        "gistar"
    } else {
        "moran"
    };
    let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "segment",
        "source_feature",
        "source_id",
        "length_m",
        "count",
        "rate_per_100m",
        "rank",
        "cumulative_share",
        "top_25",
        "top_50",
    ];
    if r.gistar.is_some() {
        header.extend(["gi_z", "gi_p", "gi_p_sim", "gi_bin"]);
    }
    if r.moran.is_some() {
        header.extend([
            "moran_i",
            "moran_p_norm",
            "moran_p_sim",
            "quadrant",
            "significant",
        ]);
    }
    w.write_record(&header)?;
    let mut geoms = Vec::with_capacity(r.rows.len());
    let mut values = Vec::with_capacity(r.rows.len());
    for row in &r.rows {
        let e = row.segment;
        let src = ln.feature_of_edge(e);
        let id = streets.property_str(src, "id").unwrap_or_default();
        let mut m = serde_json::Map::new();
        let mut rec = vec![
            e.to_string(),
            src.to_string(),
            id.clone(),
            format!("{:.2}", row.length_m),
            row.count.to_string(),
            row.rate_per_100m
                .map(|v| format!("{v:.4}"))
                .unwrap_or_default(),
            row.rank.to_string(),
            format!("{:.6}", row.cumulative_share),
            row.top_25.to_string(),
            row.top_50.to_string(),
        ];
        m.insert("segment".into(), e.into());
        m.insert("source_feature".into(), src.into());
        m.insert("source_id".into(), id.into());
        m.insert("length_m".into(), json!(row.length_m));
        m.insert("count".into(), row.count.into());
        m.insert("rate_per_100m".into(), json!(row.rate_per_100m));
        m.insert("rank".into(), row.rank.into());
        m.insert("cumulative_share".into(), json!(row.cumulative_share));
        m.insert("top_25".into(), row.top_25.into());
        m.insert("top_50".into(), row.top_50.into());
        if let Some(g) = &r.gistar {
            let ps = g.p_sim.as_ref().map(|v| v[e]);
            rec.extend([
                format!("{:.6}", g.z[e]),
                format!("{:.6}", g.p[e]),
                ps.map(|v| format!("{v:.6}")).unwrap_or_default(),
                g.bin[e].to_string(),
            ]);
            m.insert("gi_z".into(), json!(g.z[e]));
            m.insert("gi_p".into(), json!(g.p[e]));
            m.insert("gi_p_sim".into(), json!(ps));
            m.insert("gi_bin".into(), g.bin[e].into());
            values.push(g.bin[e] as f64);
        }
        if let Some(mo) = &r.moran {
            let ps = mo.p_sim.as_ref().map(|v| v[e]);
            let q = mo.quadrant[e].label();
            rec.extend([
                format!("{:.6}", mo.i[e]),
                format!("{:.6}", mo.p_norm[e]),
                ps.map(|v| format!("{v:.6}")).unwrap_or_default(),
                q.to_string(),
                mo.significant[e].to_string(),
            ]);
            m.insert("moran_i".into(), json!(mo.i[e]));
            m.insert("moran_p_norm".into(), json!(mo.p_norm[e]));
            m.insert("moran_p_sim".into(), json!(ps));
            m.insert("quadrant".into(), q.into());
            m.insert("significant".into(), mo.significant[e].into());
            values.push(if mo.significant[e] {
                mo.quadrant[e].code() as f64
            } else {
                0.0
            });
        }
        let g = geo::Geometry::LineString(net.geometry[e].clone());
        fc.push(&g, m)?;
        geoms.push(g);
        w.write_record(&rec)?;
    }
    let doc = json!({
        "params": r.params,
        "neighbours": r.params.weights.describe(),
        "isolated_segments": r.isolates,
        "max_neighbours": r.max_neighbours,
        "concentration": r.concentration,
        "gistar": r.gistar.as_ref().map(|g| json!({"mean": g.mean, "sd": g.sd, "bin_counts_minus3_to_3": g.bin_counts, "undefined": g.undefined})),
        "moran": r.moran.as_ref().map(|m| json!({"significant_counts_hh_lh_ll_hl": m.significant_counts, "alpha": m.params.alpha})),
        "snapping": snap_json(&r.snapped, inc.len()),
        "network": network_json(ln),
        "definitions": {
            "segments": "network edges: street pieces between junctions",
            "rank": "by count descending (ties: higher rate, then lower segment)",
            "top_25/top_50": "among the fewest segments holding 25 % / 50 % of the snapped incidents (Weisburd 2015)",
            "gistar": "Getis-Ord Gi* with the self weight; two-sided normal p; bins -3..3 (see crimescape hotspots gistar)",
            "moran": "Local Moran I with row-standardised weights; significant at alpha (permutation p when computed)",
        }
    });
    let (scale, legend) = if r.gistar.is_some() {
        (ColourScale::GiBins, "Gi* confidence")
    } else {
        (
            ColourScale::Categories(vec![
                ([210, 210, 210, 255], "not significant".into()),
                ([215, 25, 28, 255], "HH".into()),
                ([171, 217, 233, 255], "LH".into()),
                ([44, 123, 182, 255], "LL".into()),
                ([253, 174, 97, 255], "HL".into()),
            ]),
            "Local Moran",
        )
    };
    let png = line_map(
        geoms,
        &values,
        scale,
        vec![
            format!(
                "{} on street segments",
                if r.gistar.is_some() {
                    "Gi* hot and cold spots"
                } else {
                    "Local Moran clusters"
                }
            ),
            format!(
                "{title}: {} incidents on {} segments; {}",
                r.rows.iter().map(|x| x.count).sum::<usize>(),
                r.rows.len(),
                r.params.weights.describe()
            ),
        ],
        legend,
        overlays.to_vec(),
    )?;
    Ok(vec![
        (out.join("segments.geojson"), fc.finish()?),
        (out.join("segments.csv"), w.into_inner()?),
        (
            out.join(format!("{stem}.json")),
            serde_json::to_vec_pretty(&doc)?,
        ),
        (out.join(format!("{stem}.png")), png),
    ])
}

pub fn run(a: NetworkArgs, g: &GlobalArgs) -> Result<()> {
    match a.cmd {
        NetworkCmd::Kde(a) => run_kde(a, g),
        NetworkCmd::K(a) => run_k(a, g),
        NetworkCmd::CrossK(a) => run_cross_k(a, g),
        NetworkCmd::Gistar(a) => run_segments(a, true, g),
        NetworkCmd::Moran(a) => run_segments(a, false, g),
    }
}

// ------------------------------------------------------------------ demo

/// The network part of `crimescape demo`: network vs planar KDE of the incidents
/// (the river shows), Gi* on street segments, and the cross K of assaults vs bars.
///
/// Writes into the current section of `out` (the demo's `network/`); returns the
/// lines for the demo's report.
pub fn demo_network(
    city: &crimescape::demo::DemoCity,
    input: &crimescape::study::IncidentInput,
    out: &mut Outputs,
) -> Result<String> {
    let inc = &input.incidents;
    let dir = PathBuf::new();
    let mut text = String::new();
    let ln = Network::from_layer(&city.streets, &NetworkParams::new())?;
    // demo incidents lie anywhere in the blocks (up to ~90 m from a street)
    let space = NetworkSpace::new(ln.net.clone(), 100.0)?;
    let river: Vec<Overlay> = city
        .river
        .iter()
        .map(|l| Overlay {
            geometries: l.geometries.clone(),
            colour: [60, 120, 220, 255],
            width: 2.0,
        })
        .collect();
    let mut local = Provenance::new(json!({"network": "demo streets", "snap_m": 100.0}));
    local.inputs = input.inputs();
    local.crs = Some(inc.crs.clone());
    let mut outputs = Vec::new();
    for (method, sub) in [
        (NkdeMethod::Continuous, "kde"),
        (NkdeMethod::Planar, "kde_planar"),
    ] {
        let p = NkdeParams::new(200.0).method(method);
        let st = nkde_study(&space, &inc.xy, None, &p)?;
        outputs.extend(kde_outputs(
            &st,
            &space,
            &ln,
            inc,
            &dir.join(sub),
            "demo city incidents",
            &river,
        )?);
        if method == NkdeMethod::Continuous {
            text.push_str(&format!("network: {}\n", kde_summary(&st)));
        }
    }
    let hp = SegmentHotspotParams::new()
        .gistar(Some(GiStarParams::new().permutations(99).seed(1)))
        .moran(None);
    let hs = segment_hotspots(&space, &inc.xy, &hp)?;
    outputs.extend(segment_outputs(
        &hs,
        &space,
        &ln,
        &city.streets,
        inc,
        &dir.join("gistar"),
        "demo city incidents",
        &river,
    )?);
    if let (Some(c), Some(bars)) = (
        inc.categories.iter().position(|c| c == "assault"),
        city.layer("bars"),
    ) {
        let assaults: Vec<[f64; 2]> = (0..inc.len())
            .filter(|&i| inc.category[i] == c as u32)
            .map(|i| inc.xy[i])
            .collect();
        let p = KParams::steps(1000.0, 21).simulations(99).seed(42);
        let st = k_study(&space, &assaults, Some(&bars.representative_points()), &p)?;
        outputs.extend(k_outputs(
            &st,
            &ln,
            assaults.len(),
            &dir.join("cross_k_assaults_bars"),
            "cross_k",
            "demo city assaults vs bars",
        )?);
        text.push_str(&format!(
            "network: {}\n",
            k_text(&st).lines().next().unwrap_or_default()
        ));
    }
    write_set(out, &dir, &outputs, &local)?;
    Ok(text)
}
