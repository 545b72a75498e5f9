//! Gi* and Local Moran on street segments ([`segments`]).

use super::*;

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

/// Which street segments are neighbours, before a radius is given
/// ([`SegmentNeighbours::weights`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentNeighbours {
    /// Segments sharing a junction.
    Contiguity,
    /// Segments whose midpoints are within a radius along the network.
    Band,
}

impl SegmentNeighbours {
    /// The weights of these neighbours: [`SegmentWeights::Band`] needs the `radius`
    /// (m of network distance between segment midpoints), contiguity takes none.
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`radius`) for a band without a radius;
    /// [`Error::InvalidParam`] (`radius`) for contiguity with one.
    pub fn weights(self, radius: Option<f64>) -> Result<SegmentWeights> {
        match (self, radius) {
            (SegmentNeighbours::Contiguity, None) => Ok(SegmentWeights::Contiguity),
            (SegmentNeighbours::Contiguity, Some(r)) => Err(Error::invalid_param(
                "radius",
                r,
                "applies to neighbours band only",
            )),
            (SegmentNeighbours::Band, Some(radius)) => Ok(SegmentWeights::Band { radius }),
            (SegmentNeighbours::Band, None) => {
                Err(Error::missing_param("radius", "neighbours", "band"))
            }
        }
    }
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

    /// Snapping of the incidents, in one line.
    pub fn snap_text(&self) -> String {
        snap_line("incidents", &self.result.snapped, self.n_points)
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
    pub(super) fn cells(&self, k: usize, public: bool) -> Vec<Property<'static>> {
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

    pub(super) fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
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
