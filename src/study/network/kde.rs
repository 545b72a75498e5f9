//! Network kernel density on lixels ([`kde`]).

use super::*;

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

    /// Snapping of the incidents and the number of lixels, in one line.
    pub fn snap_text(&self) -> String {
        format!(
            "{}; {} lixels",
            snap_line("incidents", &self.study.snapped, self.n_points),
            self.study.lixels.len()
        )
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

    pub(super) fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
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
