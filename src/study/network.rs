//! Studies on the street network (network distance instead of straight lines): network
//! kernel density on lixels, the network K and cross K functions, and Gi* / Local
//! Moran on street segments. Each writes its tables, GeoJSON lines, a JSON summary and
//! a map or plot (PNG and SVG), with provenance.
//!
//! ```no_run
//! use crimescape::{Export, NetworkParams, NkdeParams, OutputOptions, Outputs};
//! use crimescape::study::{network, IncidentInput, StudyLayer};
//!
//!let input = IncidentInput::load("incidents.csv", &Default::default())?;
//! let opts = crimescape::study::layer_options(None, &input.incidents.crs.working);
//! let streets = StudyLayer::load("streets.geojson", &opts, "streets")?;
//! let net = network::StudyNetwork::build(streets, &NetworkParams::new(), 30.0)?;
//! let mut out = Outputs::folder("network_kde", &OutputOptions::default())?;
//! out.plan(network::NetworkKde::files())?;
//! network::kde(&input, &net, &NkdeParams::new(300.0))?.write(&mut out)?;
//! out.commit()?;
//! # Ok::<(), crimescape::Error>(())
//! ```

use geo::Geometry;
use serde_json::{json, Value};

use super::{IncidentInput, StudyLayer};
use crate::demo::DemoCity;
use crate::error::{Error, Result};
use crate::export::{features, table, Cell, Column, Export, Figure, Outputs, Property, Provenance};
use crate::hotspot::{GiStarParams, LocalMoranParams};
use crate::network::{
    k_study, nkde_study, segment_hotspots, KEnvelope, KParams, KStudy, LayerNetwork, NetworkParams,
    NetworkSpace, NkdeMethod, NkdeParams, NkdeStudy, SegmentHotspotParams, SegmentHotspots,
    Snapped,
};
use crate::render::{self, ColourScale, MapOptions, Overlay, PlotOptions, Series};

/// The street network of a study: the street layer, the graph built from it and the
/// index that snaps points to its edges.
#[derive(Debug, Clone)]
pub struct StudyNetwork {
    /// The street layer (lines), with its input record.
    pub streets: StudyLayer,
    /// The graph and the source feature of each edge.
    pub layer: LayerNetwork,
    /// The graph with its snapping index.
    pub space: NetworkSpace,
}

impl StudyNetwork {
    /// Builds the network of `streets` (see [`crate::network::Network::from_layer`]);
    /// points within `snap` m of an edge (inclusive) are on the network.
    ///
    /// # Errors
    /// As [`LayerNetwork`]'s construction (no line feature) and [`NetworkSpace::new`].
    pub fn build(streets: StudyLayer, params: &NetworkParams, snap: f64) -> Result<Self> {
        let layer = crate::network::Network::from_layer(&streets.layer, params)?;
        let space = NetworkSpace::new(layer.net.clone(), snap)?;
        Ok(StudyNetwork {
            streets,
            layer,
            space,
        })
    }

    /// The network a study measures distances along when its metric is `metric`
    /// (near repeats, chains): built from `streets` with the default
    /// [`NetworkParams`] when the metric is [`crate::Metric::Network`], `None` for
    /// the other metrics (`streets` is then not used).
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`network` for `metric = network`) when the network
    /// metric has no streets; as [`build`](Self::build).
    pub fn for_metric(
        metric: crate::Metric,
        streets: Option<StudyLayer>,
        snap: f64,
    ) -> Result<Option<Self>> {
        if metric != crate::Metric::Network {
            return Ok(None);
        }
        let streets =
            streets.ok_or_else(|| Error::missing_param("network", "metric", "network"))?;
        Ok(Some(Self::build(streets, &NetworkParams::new(), snap)?))
    }

    /// The network as a sentence for the terminal (nodes, edges, length, repairs).
    pub fn describe(&self) -> String {
        let r = &self.layer.net.report;
        format!(
            "street network: {} nodes, {} edges, {:.1} km, {} components; {} line ends snapped \
             (largest {:.2} m), {} T-junctions and {} crossings joined; {} non-line features and \
             {} degenerate lines skipped",
            r.nodes,
            r.edges,
            r.total_length_m / 1000.0,
            r.components,
            r.snapped_endpoints,
            r.max_snap_m,
            r.t_junctions,
            r.crossings,
            self.layer.skipped_non_line,
            r.degenerate_lines
        )
    }

    fn json(&self) -> Value {
        json!({"report": self.layer.net.report, "skipped_non_line_features": self.layer.skipped_non_line})
    }

    fn input_records(&self) -> impl Iterator<Item = crate::export::InputFile> + '_ {
        self.streets.source.iter().cloned().map(|mut s| {
            s.role = "streets".into();
            s
        })
    }
}

/// "N of M incidents snapped to the network within T m, K left out".
pub fn snap_line(what: &str, s: &Snapped, n: usize) -> String {
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

/// The title of a study's figures: the incident file, or "incidents".
fn input_title(input: &IncidentInput) -> String {
    input
        .source
        .as_ref()
        .map_or_else(|| "incidents".to_string(), |s| s.path.clone())
}

fn study_provenance(
    input: &IncidentInput,
    net: &StudyNetwork,
    params: &impl serde::Serialize,
) -> Provenance {
    Provenance::of(params)
        .with_inputs(input.inputs())
        .with_inputs(net.input_records())
        .with_crs(&input.incidents.crs)
}

// ------------------------------------------------------------------ kde

/// A network kernel density study ([`kde`]).
#[derive(Debug, Clone)]
pub struct NetworkKde<'a> {
    /// The network.
    pub net: &'a StudyNetwork,
    /// Snapping, lixels and density.
    pub study: NkdeStudy,
    /// Incidents given (snapped or not).
    pub n_points: usize,
    /// What the incidents are, in the map's subtitle (default: the incident file).
    pub title: String,
    /// Layers drawn on the map (e.g. a river).
    pub overlays: Vec<Overlay>,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Network kernel density of the incidents on lixels ([`nkde_study`]): incidents per
/// metre of street at each lixel centre.
///
/// # Errors
/// As [`nkde_study`] (bad parameters, no incident within the snapping tolerance).
pub fn kde<'a>(
    input: &IncidentInput,
    net: &'a StudyNetwork,
    p: &NkdeParams,
) -> Result<NetworkKde<'a>> {
    input.require_some()?;
    let study = nkde_study(&net.space, &input.incidents.xy, None, p)?;
    Ok(NetworkKde {
        net,
        study,
        n_points: input.incidents.len(),
        title: input_title(input),
        overlays: Vec::new(),
        provenance: study_provenance(input, net, p),
    })
}

impl NetworkKde<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "lixels.geojson",
            "lixels.csv",
            "nkde.json",
            "nkde.png",
            "nkde.svg",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The result in one sentence.
    pub fn summary_text(&self) -> String {
        let st = &self.study;
        format!(
            "network KDE ({} form, {} kernel, bandwidth {} m): {} incidents on {} lixels; peak {:.4} \
             incidents per metre; mass on the network {:.1} of {:.1}",
            st.params.method.name(),
            st.params.kernel.name(),
            st.params.bandwidth,
            st.n_events,
            st.lixels.len(),
            self.peak(),
            st.mass,
            st.total_weight
        )
    }

    fn peak(&self) -> f64 {
        self.study.density.iter().cloned().fold(0.0, f64::max)
    }

    /// The density of each lixel as published for an audience of minimum count `k`
    /// (`None`: internal, every density): for the public audience a lixel's density
    /// is published only where at least `k` incidents contribute to it (a kernel term
    /// not zero: within the bandwidth along the network,
    /// [`crate::network::kde::nkde_support`]); elsewhere it is withheld (`None`), so
    /// that the bump of an isolated incident (or of two) cannot place it to the
    /// lixel length. Lixels that no incident reaches are withheld too: a blank hole
    /// in a published zero density would outline the incident at its centre.
    /// Densities made of `k` or more incidents are exact.
    ///
    /// # Errors
    /// As [`crate::network::kde::nkde_support`].
    pub fn published_density(&self, k: Option<u32>) -> Result<Vec<Option<f64>>> {
        let st = &self.study;
        let Some(k) = k else {
            return Ok(st.density.iter().map(|&d| Some(d)).collect());
        };
        let (_, pos) = st.snapped.positions();
        let n =
            crate::network::kde::nkde_support(&self.net.space.net, &st.lixels, &pos, &st.params)?;
        Ok(st
            .density
            .iter()
            .zip(&n)
            .map(|(&d, &c)| (c >= k).then_some(d))
            .collect())
    }

    /// The columns of lixel `k` with its published density `d` (`start_m`, `end_m`,
    /// `length_m` only in the table; a withheld density is blank).
    fn cells(&self, k: usize, d: Option<f64>) -> [Property<'static>; 8] {
        let lx = &self.study.lixels;
        let e = lx.edge[k] as usize;
        [
            ("lixel", Cell::count(k)),
            ("edge", Cell::count(e)),
            (
                "source_feature",
                Cell::count(self.net.layer.feature_of_edge(e)),
            ),
            ("start_m", Cell::Fixed(lx.start[k], 3)),
            ("end_m", Cell::Fixed(lx.end[k], 3)),
            ("length_m", Cell::Fixed(lx.length(k), 3)),
            ("density_per_m", d.map_or(Cell::Null, |d| Cell::Fixed(d, 9))),
            (
                "density_per_km",
                d.map_or(Cell::Null, |d| Cell::Fixed(d * 1000.0, 6)),
            ),
        ]
    }

    fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
        let st = &self.study;
        let lx = &st.lixels;
        let net = &self.net.space.net;
        let crs = &self.net.streets.layer.crs.working;
        let k = out.public_min_count();
        let dens = self.published_density(k)?;
        let withheld = dens.iter().filter(|d| d.is_none()).count();
        if let Some(k) = k {
            out.note_withheld(&format!(
                "the density of {withheld} of {} lixels (fewer than {k} incidents within the {} m bandwidth), left blank in {dir}lixels.csv/.geojson and not drawn on {dir}nkde.png/.svg",
                lx.len(),
                st.params.bandwidth
            ));
        }
        let peak = dens.iter().flatten().copied().fold(0.0, f64::max);
        let f = features(crs, |sink| {
            for (k, d) in dens.iter().enumerate() {
                let c = self.cells(k, *d);
                let props: Vec<Property<'_>> = c
                    .into_iter()
                    .filter(|(n, _)| !matches!(*n, "start_m" | "end_m" | "length_m"))
                    .collect();
                sink.feature(&Geometry::LineString(lx.geometry(net, k)), &props)?;
            }
            Ok(())
        });
        out.features(&format!("{dir}lixels.geojson"), &f)?;
        let columns = self
            .cells(0, Some(0.0))
            .iter()
            .map(|(n, c)| match c {
                Cell::Int(_) => Column::int(*n),
                _ => Column::float(*n),
            })
            .collect();
        let t = table(columns, |sink| {
            for (k, d) in dens.iter().enumerate() {
                let c = self.cells(k, *d);
                sink.row(&c.map(|(_, v)| v))?;
            }
            Ok(())
        });
        out.table(&format!("{dir}lixels.csv"), &t)?;
        let p = &st.params;
        let mut doc = json!({
            "method": p.method.name(),
            "kernel": p.kernel.name(),
            "bandwidth_m": p.bandwidth,
            "lixel_length_m": p.lixel_length,
            "max_depth": p.max_depth,
            "lixels": lx.len(),
            "events_used": st.n_events,
            "total_weight": st.total_weight,
            "mass_on_network": st.mass,
            "peak_per_m": peak,
            "snapping": snap_json(&st.snapped, self.n_points),
            "network": self.net.json(),
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
        if let (Some(k), Some(m)) = (k, doc.as_object_mut()) {
            m.insert("lixels_withheld".into(), json!(withheld));
            m.insert(
                "public_rule".into(),
                json!(format!("a lixel's density is published only where at least {k} incidents contribute to it (within the bandwidth along the network); elsewhere blank")),
            );
        }
        out.json(&format!("{dir}nkde.json"), &doc)?;
        let values: Vec<f64> = dens
            .iter()
            .map(|d| d.map_or(f64::NAN, |d| d * 1000.0))
            .collect();
        let mut options = MapOptions {
            title: vec![
                format!("Network KDE ({} form)", p.method.name()),
                format!(
                    "{}: {} incidents, {} kernel, bandwidth {} m, {} lixels of <= {} m",
                    self.title,
                    st.n_events,
                    p.kernel.name(),
                    p.bandwidth,
                    lx.len(),
                    p.lixel_length
                ),
            ],
            legend: "per km of street".into(),
            scale: render::auto_scale(&values, true),
            overlays: self.overlays.clone(),
            size: 900,
        };
        let geometries = (0..lx.len())
            .map(|k| Geometry::LineString(lx.geometry(net, k)))
            .collect();
        if let Some(k) = k {
            options.title.push(format!(
                "Public: lixels with fewer than {k} incidents within the bandwidth are not coloured."
            ));
        }
        let fig = Figure::FeatureMap {
            geometries,
            values,
            options,
        };
        out.figure(&format!("{dir}nkde.png"), &fig)?;
        out.qml(
            &format!("{dir}lixels.geojson"),
            &fig,
            &crate::export::qml::ClassedField::column("density_per_km"),
            crate::export::qml::SymbolKind::Line,
        )
    }
}

/// `Export` for a study on the street network: its summary line, then (public
/// audience without addresses: points go to street-segment midpoints) its provenance
/// and files at the top of the set.
macro_rules! network_export {
    ($($t:ident),*) => {$(
        impl Export for $t<'_> {
            fn summary(&self) -> Option<String> {
                Some(self.summary_text())
            }

            fn write(&self, out: &mut Outputs) -> Result<()> {
                out.anchor_to_streets(&self.net.streets.layer);
                out.provenance(self.provenance.clone());
                self.write_files(out, "")
            }
        }
    )*};
}

network_export!(NetworkKde, NetworkK, NetworkSegments);

// ------------------------------------------------------------------ K

/// A network K or cross K function ([`k`]).
#[derive(Debug, Clone)]
pub struct NetworkK<'a> {
    /// The network.
    pub net: &'a StudyNetwork,
    /// Snapping and the function with its envelope.
    pub study: KStudy,
    /// Incidents given (snapped or not).
    pub n_points: usize,
    /// What the points are, in the plot's subtitle (default: the input files).
    pub title: String,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Checks the distances of a K function: largest distance > 0 m, at least 2 steps.
///
/// # Errors
/// [`Error::InvalidParam`] naming `max_distance` or `steps`.
pub fn k_params(max_distance: f64, steps: usize) -> Result<KParams> {
    if !(max_distance.is_finite() && max_distance > 0.0) {
        return Err(Error::invalid_param(
            "max_distance",
            max_distance,
            "must be > 0 m",
        ));
    }
    if steps < 2 {
        return Err(Error::invalid_param("steps", steps, "must be >= 2"));
    }
    Ok(KParams::steps(max_distance, steps))
}

/// The network K function of the incidents (`facilities = None`, Okabe & Yamada 2001)
/// or their cross K function against the facilities' representative points, with the
/// Monte Carlo envelope of [`k_study`] (incidents placed uniformly on the network,
/// facilities fixed; seeded by `p.seed`).
///
/// # Errors
/// As [`k_study`].
pub fn k<'a>(
    input: &IncidentInput,
    net: &'a StudyNetwork,
    facilities: Option<&StudyLayer>,
    p: &KParams,
) -> Result<NetworkK<'a>> {
    input.require_some()?;
    let b = facilities.map(|f| f.layer.representative_points());
    let study = k_study(&net.space, &input.incidents.xy, b.as_deref(), p)?;
    let mut title = input_title(input);
    let mut provenance = study_provenance(input, net, p).with_seed(p.seed);
    if let Some(f) = facilities {
        let name = f
            .source
            .as_ref()
            .map_or_else(|| f.layer.name.clone(), |s| s.path.clone());
        title = format!("{title} vs {name}");
        provenance
            .inputs
            .extend(f.source.iter().cloned().map(|mut s| {
                s.role = "facilities".into();
                s
            }));
    }
    Ok(NetworkK {
        net,
        study,
        n_points: input.incidents.len(),
        title,
        provenance,
    })
}

impl NetworkK<'_> {
    /// The stem of the files: `k` or `cross_k`.
    pub fn stem(cross: bool) -> &'static str {
        super::kplot::stem(cross)
    }

    /// The files written.
    pub fn files(cross: bool) -> Vec<String> {
        super::kplot::files(cross)
    }

    /// Snapping of the incidents (and facilities) in one line.
    pub fn snap_text(&self) -> String {
        let st = &self.study;
        format!(
            "{}{}",
            snap_line("incidents", &st.snapped, self.n_points),
            st.snapped_b
                .as_ref()
                .map(|s| format!("; {}", snap_line("facilities", s, s.pos.len())))
                .unwrap_or_default()
        )
    }

    /// The function as a table for the terminal, and whether it leaves the envelope.
    pub fn summary_text(&self) -> String {
        let r = &self.study.result;
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

    fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
        let r = &self.study.result;
        let stem = Self::stem(r.kind == "cross");
        let env = r.envelope.as_ref();
        let t = table(
            [
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
            ]
            .iter()
            .map(|n| match *n {
                "pairs_within" | "pairs_below" => Column::int(*n),
                _ => Column::float(*n),
            })
            .collect(),
            |sink| {
                for j in 0..r.distances.len() {
                    let opt = |f: &dyn Fn(&KEnvelope) -> f64| {
                        env.map_or(Cell::Null, |e| Cell::Float(f(e)))
                    };
                    sink.row(&[
                        Cell::Float(r.distances[j]),
                        Cell::Int(r.pairs_within[j] as i64),
                        Cell::Int(r.pairs_below[j] as i64),
                        Cell::Float(r.k[j]),
                        Cell::Float(r.k_spaghetti[j]),
                        opt(&|e| e.lo[j]),
                        opt(&|e| e.hi[j]),
                        opt(&|e| e.mean[j]),
                        opt(&|e| e.p_clustered[j]),
                        opt(&|e| e.p_dispersed[j]),
                    ])?;
                }
                Ok(())
            },
        );
        out.table(&format!("{dir}{stem}.csv"), &t)?;
        let st = &self.study;
        let doc = json!({
            "result": r,
            "snapping": snap_json(&st.snapped, self.n_points),
            "snapping_facilities": st.snapped_b.as_ref().map(|s| snap_json(s, s.pos.len())),
            "network": self.net.json(),
            "definitions": {
                "k": if r.kind == "cross" { "L * #{(i,j): d(a_i,b_j) <= t} / (n_A n_B)" } else { "L * #{ordered pairs i != j: d_ij <= t} / (n (n - 1)) (Okabe & Yamada 2001)" },
                "k_spaghetti": "spaghetti GlobalAutoK: 2 * #{i<j: d_ij < t} / (n * n / L) (cross: strict < with n_A n_B)",
                "distance": "shortest path along the network between snapped positions (snap distance not added)",
                "envelope": "pointwise min/max of K over simulations of points placed uniformly on the network (cross K: incidents simulated, facilities fixed); p_clustered = (#{sim >= obs} + 1)/(S + 1)",
            }
        });
        out.json(&format!("{dir}{stem}.json"), &doc)?;
        let pts = |v: &[f64]| -> Vec<(f64, f64)> {
            r.distances.iter().copied().zip(v.iter().copied()).collect()
        };
        let mut series = vec![Series {
            label: "observed".into(),
            points: pts(&r.k),
            markers: true,
        }];
        if let Some(e) = env {
            series.extend([
                Series {
                    label: format!("max of {} sims", e.simulations),
                    points: pts(&e.hi),
                    markers: false,
                },
                Series {
                    label: "sim mean".into(),
                    points: pts(&e.mean),
                    markers: false,
                },
                Series {
                    label: "sim min".into(),
                    points: pts(&e.lo),
                    markers: false,
                },
            ]);
        }
        let options = PlotOptions {
            title: vec![
                format!(
                    "Network {}K function",
                    if r.kind == "cross" { "cross " } else { "" }
                ),
                format!(
                    "{}: {} points{}, network {:.1} km",
                    self.title,
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
        };
        out.figure(
            &format!("{dir}{stem}.png"),
            &Figure::line_plot(series, options),
        )
    }
}

// ------------------------------------------------------------------ segments

/// Gi* or Local Moran on street segments ([`segments`]).
#[derive(Debug, Clone)]
pub struct NetworkSegments<'a> {
    /// The network.
    pub net: &'a StudyNetwork,
    /// Counts, concentration and the statistic per segment.
    pub result: SegmentHotspots,
    /// Incidents given (snapped or not).
    pub n_points: usize,
    /// What the incidents are, in the map's subtitle (default: the incident file).
    pub title: String,
    /// Layers drawn on the map (e.g. a river).
    pub overlays: Vec<Overlay>,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Settings of [`segments`]: the neighbours and value of [`SegmentHotspotParams`] and
/// which statistic to run.
pub fn segment_params(
    p: SegmentHotspotParams,
    gistar: bool,
    permutations: usize,
    seed: u64,
    fdr: bool,
) -> SegmentHotspotParams {
    if gistar {
        p.gistar(Some(
            GiStarParams::new()
                .permutations(permutations)
                .seed(seed)
                .fdr(fdr),
        ))
        .moran(None)
    } else {
        p.gistar(None).moran(Some(
            LocalMoranParams::new()
                .permutations(permutations)
                .seed(seed),
        ))
    }
}

/// Incidents per street segment (network edge) with the law-of-concentration columns
/// and Getis-Ord Gi* and/or Local Moran's I over network neighbours
/// ([`segment_hotspots`]).
///
/// # Errors
/// As [`segment_hotspots`].
pub fn segments<'a>(
    input: &IncidentInput,
    net: &'a StudyNetwork,
    p: &SegmentHotspotParams,
) -> Result<NetworkSegments<'a>> {
    input.require_some()?;
    let result = segment_hotspots(&net.space, &input.incidents.xy, p)?;
    let mut provenance = study_provenance(input, net, p);
    provenance.seed = p
        .gistar
        .as_ref()
        .map(|g| g.seed)
        .or(p.moran.as_ref().map(|m| m.seed));
    Ok(NetworkSegments {
        net,
        result,
        n_points: input.incidents.len(),
        title: input_title(input),
        overlays: Vec::new(),
        provenance,
    })
}

/// Columns of the segment table left out for the public audience: a suppressed count
/// can be recomputed from them (`rate_per_100m` × length, differences of
/// `cumulative_share`; the ranks order the suppressed counts, which with the published
/// total gives them).
const PUBLIC_DERIVED: [&str; 3] = ["rate_per_100m", "rank", "cumulative_share"];

impl NetworkSegments<'_> {
    /// The stem of the summary and map: `gistar` or `moran`.
    pub fn stem(gistar: bool) -> &'static str {
        if gistar {
            "gistar"
        } else {
            "moran"
        }
    }

    /// The files written.
    pub fn files(gistar: bool) -> Vec<String> {
        let s = Self::stem(gistar);
        vec![
            "segments.geojson".into(),
            "segments.csv".into(),
            format!("{s}.json"),
            format!("{s}.png"),
            format!("{s}.svg"),
        ]
    }

    /// Concentration and the significant segments, in a few lines.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
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

    /// The columns of row `k` (one per segment, edge order): the CSV prints them with
    /// fixed decimals, the GeoJSON with full precision. For the public audience
    /// (`public`) the columns from which a suppressed count could be recomputed
    /// (`rate_per_100m` = count / length, `cumulative_share` = running sum / total,
    /// `rank` by count) are left out; `count` itself is suppressed by the output layer.
    fn cells(&self, k: usize, public: bool) -> Vec<Property<'static>> {
        let r = &self.result;
        let row = &r.rows[k];
        let e = row.segment;
        let src = self.net.layer.feature_of_edge(e);
        let id = self
            .net
            .streets
            .layer
            .property_str(src, "id")
            .unwrap_or_default();
        let mut c = vec![
            ("segment", Cell::count(e)),
            ("source_feature", Cell::count(src)),
            ("source_id", Cell::String(id)),
            ("length_m", Cell::Fixed(row.length_m, 2)),
            ("count", Cell::count(row.count)),
            (
                "rate_per_100m",
                row.rate_per_100m.map_or(Cell::Null, |v| Cell::Fixed(v, 4)),
            ),
            ("rank", Cell::count(row.rank)),
            ("cumulative_share", Cell::Fixed(row.cumulative_share, 6)),
            ("top_25", Cell::Bool(row.top_25)),
            ("top_50", Cell::Bool(row.top_50)),
        ];
        if public {
            c.retain(|(n, _)| !PUBLIC_DERIVED.contains(n));
        }
        if let Some(g) = &r.gistar {
            c.extend([
                ("gi_z", Cell::Fixed(g.z[e], 6)),
                ("gi_p", Cell::Fixed(g.p[e], 6)),
                (
                    "gi_p_sim",
                    g.p_sim
                        .as_ref()
                        .map_or(Cell::Null, |v| Cell::Fixed(v[e], 6)),
                ),
                ("gi_bin", Cell::Int(g.bin[e] as i64)),
            ]);
        }
        if let Some(m) = &r.moran {
            c.extend([
                ("moran_i", Cell::Fixed(m.i[e], 6)),
                ("moran_p_norm", Cell::Fixed(m.p_norm[e], 6)),
                (
                    "moran_p_sim",
                    m.p_sim
                        .as_ref()
                        .map_or(Cell::Null, |v| Cell::Fixed(v[e], 6)),
                ),
                ("quadrant", Cell::Str(m.quadrant[e].label())),
                ("significant", Cell::Bool(m.significant[e])),
            ]);
        }
        c
    }

    /// The value mapped for segment `e`: the Gi* bin, or the Local Moran quadrant code
    /// when significant (0 otherwise).
    fn map_value(&self, e: usize) -> f64 {
        let r = &self.result;
        match (&r.gistar, &r.moran) {
            (Some(g), _) => g.bin[e] as f64,
            (None, Some(m)) if m.significant[e] => m.quadrant[e].code() as f64,
            _ => 0.0,
        }
    }

    fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
        let r = &self.result;
        let net = &self.net.space.net;
        let gistar = r.gistar.is_some();
        let public = out.is_public();
        if public {
            out.note_withheld(&format!(
                "{} of {dir}segments.csv/.geojson (counts could be recomputed from them)",
                PUBLIC_DERIVED.join(", ")
            ));
        }
        let stem = Self::stem(gistar);
        let crs = &self.net.streets.layer.crs.working;
        let f = features(crs, |sink| {
            for (k, row) in r.rows.iter().enumerate() {
                let g = Geometry::LineString(net.geometry[row.segment].clone());
                sink.feature(&g, &self.cells(k, public))?;
            }
            Ok(())
        });
        out.features(&format!("{dir}segments.geojson"), &f)?;
        let columns = if r.rows.is_empty() {
            Vec::new()
        } else {
            self.cells(0, public)
                .iter()
                .map(|(n, c)| match c {
                    Cell::Int(_) => Column::int(*n),
                    Cell::Bool(_) => Column::bool(*n),
                    Cell::String(_) | Cell::Str(_) => Column::text(*n),
                    _ => Column::float(*n),
                })
                .collect()
        };
        let t = table(columns, |sink| {
            for k in 0..r.rows.len() {
                let c: Vec<Cell<'_>> = self.cells(k, public).into_iter().map(|(_, v)| v).collect();
                sink.row(&c)?;
            }
            Ok(())
        });
        out.table(&format!("{dir}segments.csv"), &t)?;
        let doc = json!({
            "params": r.params,
            "neighbours": r.params.weights.describe(),
            "isolated_segments": r.isolates,
            "max_neighbours": r.max_neighbours,
            // public: the output layer withholds its Lorenz curve, Gini and shares
            // when a segment holds fewer than k incidents (the sorted counts)
            "concentration": r.concentration,
            "gistar": r.gistar.as_ref().map(|g| json!({"mean": g.mean, "sd": g.sd, "bin_counts_minus3_to_3": g.bin_counts, "undefined": g.undefined})),
            "moran": r.moran.as_ref().map(|m| json!({"significant_counts_hh_lh_ll_hl": m.significant_counts, "alpha": m.params.alpha})),
            "snapping": snap_json(&r.snapped, self.n_points),
            "network": self.net.json(),
            "definitions": {
                "segments": "network edges: street pieces between junctions",
                "rank": "by count descending (ties: higher rate, then lower segment)",
                "top_25/top_50": "among the fewest segments holding 25 % / 50 % of the snapped incidents (Weisburd 2015)",
                "gistar": "Getis-Ord Gi* with the self weight; two-sided normal p; bins -3..3 (see crimescape hotspots gistar)",
                "moran": "Local Moran I with row-standardised weights; significant at alpha (permutation p when computed)",
            }
        });
        out.json(&format!("{dir}{stem}.json"), &doc)?;
        let (scale, legend) = if gistar {
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
        let options = MapOptions {
            title: vec![
                format!(
                    "{} on street segments",
                    if gistar {
                        "Gi* hot and cold spots"
                    } else {
                        "Local Moran clusters"
                    }
                ),
                format!(
                    "{}: {} incidents on {} segments; {}",
                    self.title,
                    r.rows.iter().map(|x| x.count).sum::<usize>(),
                    r.rows.len(),
                    r.params.weights.describe()
                ),
            ],
            legend: legend.into(),
            scale,
            overlays: self.overlays.clone(),
            size: 900,
        };
        let fig = Figure::FeatureMap {
            geometries: r
                .rows
                .iter()
                .map(|row| Geometry::LineString(net.geometry[row.segment].clone()))
                .collect(),
            values: r
                .rows
                .iter()
                .map(|row| self.map_value(row.segment))
                .collect(),
            options,
        };
        out.figure(&format!("{dir}{stem}.png"), &fig)?;
        out.qml(
            &format!("{dir}segments.geojson"),
            &fig,
            &if gistar {
                crate::export::qml::ClassedField::column("gi_bin")
            } else {
                crate::export::qml::ClassedField {
                    attribute:
                        "CASE WHEN \"significant\" = 1 THEN \"quadrant\" ELSE 'not significant' END"
                            .into(),
                    expression: true,
                    values: Some(
                        ["not significant", "HH", "LH", "LL", "HL"]
                            .map(String::from)
                            .to_vec(),
                    ),
                }
            },
            crate::export::qml::SymbolKind::Line,
        )
    }
}

// ------------------------------------------------------------------ demo

/// The demo's network folders: network vs planar KDE, Gi* on segments, cross K of
/// assaults vs bars.
const DEMO_DIRS: [&str; 4] = ["kde", "kde_planar", "gistar", "cross_k_assaults_bars"];

/// Every file of the demo's network step (relative to its section).
pub fn demo_files() -> Vec<String> {
    let mut v = Vec::new();
    for (dir, files) in DEMO_DIRS.iter().zip([
        NetworkKde::files(),
        NetworkKde::files(),
        NetworkSegments::files(true),
        NetworkK::files(true),
    ]) {
        v.extend(files.into_iter().map(|f| format!("{dir}/{f}")));
    }
    v
}

/// The network step of the demo: network vs planar KDE of the incidents (the river
/// shows), Gi* on street segments, and the cross K of assaults vs bars. Writes into the
/// current section of `out` (the demo's `network/`), all files sharing one provenance
/// record; returns the lines for the demo's report.
pub fn demo(city: &DemoCity, input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let inc = &input.incidents;
    let mut text = String::new();
    // demo incidents lie anywhere in the blocks (up to ~90 m from a street)
    let net = StudyNetwork::build(
        StudyLayer::in_memory(city.streets.clone()),
        &NetworkParams::new(),
        100.0,
    )?;
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
    out.provenance(local);
    let title = "demo city incidents";
    for (method, dir) in [
        (NkdeMethod::Continuous, "kde/"),
        (NkdeMethod::Planar, "kde_planar/"),
    ] {
        let mut st = kde(input, &net, &NkdeParams::new(200.0).method(method))?;
        st.title = title.into();
        st.overlays = river.clone();
        st.write_files(out, dir)?;
        out.summary_at(dir, &st.summary_text());
        if method == NkdeMethod::Continuous {
            text.push_str(&format!("network: {}\n", st.summary_text()));
        }
    }
    let hp = SegmentHotspotParams::new()
        .gistar(Some(GiStarParams::new().permutations(99).seed(1)))
        .moran(None);
    let mut hs = segments(input, &net, &hp)?;
    hs.title = title.into();
    hs.overlays = river;
    hs.write_files(out, "gistar/")?;
    out.summary_at("gistar/", &hs.summary_text());
    if let (Some(c), Some(bars)) = (
        inc.categories.iter().position(|c| c == "assault"),
        city.layer("bars"),
    ) {
        let assaults = IncidentInput::in_memory(inc.filter(|i| inc.category[i] == c as u32));
        let p = KParams::steps(1000.0, 21).simulations(99).seed(42);
        let mut st = k(
            &assaults,
            &net,
            Some(&StudyLayer::in_memory(bars.clone())),
            &p,
        )?;
        st.title = "demo city assaults vs bars".into();
        st.write_files(out, "cross_k_assaults_bars/")?;
        let summary = st.summary_text();
        out.summary_at("cross_k_assaults_bars/", &summary);
        text.push_str(&format!(
            "network: {}\n",
            summary.lines().next().unwrap_or_default()
        ));
    }
    Ok(text)
}

/// UTM zone 31N as the input and working CRS of test fixtures (network and
/// proximity tests).
#[cfg(test)]
pub(crate) fn utm31_crs() -> crate::crs::CrsChoice {
    let utm = crate::crs::Crs::Epsg { code: 32631 };
    crate::crs::CrsChoice {
        input: utm.clone(),
        input_source: "test".into(),
        working: utm,
        reason: "test".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{collect_table, OutputOptions};
    use crate::layer::Layer;
    use geo::{line_string, Geometry};

    /// A 300 m street in a straight line (3 segments of 100 m) and incidents near it.
    fn fixture(xy: Vec<[f64; 2]>) -> (IncidentInput, StudyNetwork) {
        let crs = crate::study::network::utm31_crs();
        let lines: Vec<Geometry<f64>> = [0.0, 100.0, 200.0]
            .iter()
            .map(|&x| {
                Geometry::LineString(line_string![(x: 500_000.0 + x, y: 5_400_000.0), (x: 500_100.0 + x, y: 5_400_000.0)])
            })
            .collect();
        let properties = (0..lines.len())
            .map(|i| {
                let mut m = serde_json::Map::new();
                m.insert("id".into(), json!(format!("s{i}")));
                m
            })
            .collect();
        let streets = Layer {
            name: "streets".into(),
            geometries: lines,
            properties,
            crs: crs.clone(),
        };
        let mut inc = crate::layer::Incidents::empty(crs);
        for (k, p) in xy.into_iter().enumerate() {
            inc.xy.push([500_000.0 + p[0], 5_400_000.0 + p[1]]);
            inc.time.push(None);
            inc.precision.push(crate::time::TimePrecision::Day);
            inc.category.push(0);
            inc.row.push(k as u64 + 1);
        }
        inc.categories = vec!["burglary".into()];
        let net = StudyNetwork::build(StudyLayer::in_memory(streets), &NetworkParams::new(), 30.0)
            .unwrap();
        (IncidentInput::in_memory(inc), net)
    }

    #[test]
    fn for_metric_needs_streets_for_network_only() {
        use crate::Metric;
        assert!(StudyNetwork::for_metric(Metric::Euclidean, None, 30.0)
            .unwrap()
            .is_none());
        assert!(matches!(
            StudyNetwork::for_metric(Metric::Network, None, 30.0),
            Err(Error::MissingParam {
                param: "network",
                ..
            })
        ));
        let (_, net) = fixture(Vec::new());
        let built = StudyNetwork::for_metric(Metric::Network, Some(net.streets), 30.0).unwrap();
        assert_eq!(built.map(|n| n.layer.net.report.edges), Some(3));
    }

    #[test]
    fn segments_rows_in_edge_order_with_counts() {
        let (input, net) = fixture(vec![[50.0, 5.0], [60.0, -5.0], [250.0, 1.0], [150.0, 99.0]]);
        let p = segment_params(SegmentHotspotParams::new(), true, 0, 1, false);
        let r = segments(&input, &net, &p).unwrap();
        assert_eq!(r.result.snapped.unsnapped, 1);
        let t = collect_table(&table(
            vec![Column::int("segment"), Column::int("count")],
            |sink| {
                for k in 0..r.result.rows.len() {
                    let c = r.cells(k, false);
                    sink.row(&[c[0].1.clone(), c[4].1.clone()])?;
                }
                Ok(())
            },
        ))
        .unwrap();
        let counts: Vec<(String, String)> =
            t.1.into_iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect();
        // the segments in edge order; the edge of each count is the one it lies on
        let total: usize = r.result.rows.iter().map(|x| x.count).sum();
        assert_eq!(total, 3);
        assert_eq!(counts.len(), 3);
        for (k, (seg, _)) in counts.iter().enumerate() {
            assert_eq!(seg, &k.to_string());
        }
        assert!(r.summary_text().contains("3 segments, 2 with incidents"));
    }

    #[test]
    fn kde_mass_and_files() {
        let (input, net) = fixture(vec![[150.0, 0.0], [160.0, 2.0]]);
        let st = kde(&input, &net, &NkdeParams::new(50.0).lixel_length(10.0)).unwrap();
        // 300 m in lixels of <= 10 m; both incidents far from the dead ends: mass kept
        assert_eq!(st.study.lixels.len(), 30);
        assert!((st.study.mass - 2.0).abs() < 0.05, "{}", st.study.mass);
        let dir = std::env::temp_dir().join(format!("crimescape-nkde-{}", std::process::id()));
        let mut out = Outputs::folder(&dir, &OutputOptions::force(true)).unwrap();
        out.plan(NetworkKde::files()).unwrap();
        st.write(&mut out).unwrap();
        out.commit().unwrap();
        let csv = std::fs::read_to_string(dir.join("lixels.csv")).unwrap();
        assert_eq!(csv.lines().count(), 31);
        assert!(csv.starts_with("lixel,edge,source_feature,start_m,end_m,length_m,"));
        assert!(dir.join("nkde.svg").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn k_params_rejects_bad_distances() {
        assert!(matches!(
            k_params(0.0, 5),
            Err(Error::InvalidParam {
                param: "max_distance",
                ..
            })
        ));
        assert!(matches!(
            k_params(100.0, 1),
            Err(Error::InvalidParam { param: "steps", .. })
        ));
        assert_eq!(
            k_params(100.0, 3).unwrap().distances,
            vec![0.0, 50.0, 100.0]
        );
    }

    #[test]
    fn k_counts_pairs_along_the_street() {
        // three points 100 m apart along the street: 2 pairs within 100 m, 3 within 200 m
        let (input, net) = fixture(vec![[50.0, 0.0], [150.0, 0.0], [250.0, 0.0]]);
        let p = k_params(200.0, 3).unwrap().simulations(0);
        let r = k(&input, &net, None, &p).unwrap();
        assert_eq!(r.study.result.pairs_within, vec![0, 2, 3]);
        assert!(r
            .summary_text()
            .starts_with("network auto K function: 3 points"));
    }
}
