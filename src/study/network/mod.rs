//! Studies on the street network (network distance instead of straight lines): network
//! kernel density on lixels, the network K and cross K functions, and Gi* / Local
//! Moran on street segments ([`analyse`] runs any of them from its settings). Each writes its tables, GeoJSON lines, a JSON summary and
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
    SegmentWeights, Snapped,
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

mod analysis;
mod k;
mod kde;
mod segments;
mod streets;

pub use analysis::*;
pub use k::*;
pub use kde::*;
pub use segments::*;
pub use streets::StreetSource;

network_export!(NetworkKde, NetworkK, NetworkSegments);

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
    pub(super) fn fixture(xy: Vec<[f64; 2]>) -> (IncidentInput, StudyNetwork) {
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
    fn segment_neighbours_weights_need_a_radius_for_band_only() {
        use SegmentNeighbours::*;
        assert_eq!(
            Contiguity.weights(None).unwrap(),
            SegmentWeights::Contiguity
        );
        assert_eq!(
            Band.weights(Some(150.0)).unwrap(),
            SegmentWeights::Band { radius: 150.0 }
        );
        assert!(matches!(
            Contiguity.weights(Some(150.0)),
            Err(Error::InvalidParam {
                param: "radius",
                ..
            })
        ));
        assert!(matches!(
            Band.weights(None),
            Err(Error::MissingParam {
                param: "radius",
                needed_by: "neighbours",
                ..
            })
        ));
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
