//! Gi* and Local Moran on any layer with a numeric column (or incidents counted
//! per feature).

use super::cells::*;
use super::*;

/// Settings of [`layer`].
#[derive(Debug, Clone, Serialize)]
pub struct LayerStudyParams {
    /// Numeric property to test (or, with incidents, the name of the count column).
    pub value: String,
    /// With incidents: metres within which an incident counts for a point or line
    /// feature (0 = inside polygons only).
    pub tolerance: f64,
    /// Neighbours between feature centroids (a grid's queen band does not apply).
    pub weights: WeightsSpec,
    /// Gi* permutations, seed, FDR (the permutations and seed serve Local Moran too).
    pub gistar: GiStarParams,
}

/// Gi* and Local Moran per feature of a layer: `layer.csv`, `layer.geojson`,
/// `layer_value.png`, `layer_gistar.png`, `layer_moran.png`, `layer.json`.
#[derive(Debug, Clone)]
pub struct LayerStudy {
    /// The layer.
    pub layer: Layer,
    /// Settings.
    pub params: LayerStudyParams,
    /// The tested value per feature.
    pub values: Vec<f64>,
    /// Incidents counted per feature (when counted).
    pub counted: Option<FeatureCounts>,
    /// Gi* per feature.
    pub gistar: GiStarResult,
    /// Local Moran per feature.
    pub moran: LocalMoranResult,
    /// With incidents: the temporal signature of each feature's incidents (the
    /// incidents counted for it; [`group_signatures`] with its defaults).
    pub signatures: Option<SignatureColumns>,
    /// File name of the layer (map titles).
    pub name: String,
    inputs: Vec<InputFile>,
}

/// Gi* and Local Moran on a layer's numeric property, or on incidents counted per
/// feature (nearest feature within the tolerance, inside for polygons).
pub fn layer(
    layer: &StudyLayer,
    incidents: Option<&IncidentInput>,
    p: &LayerStudyParams,
) -> Result<LayerStudy> {
    let l = &layer.layer;
    let name = layer
        .source
        .as_ref()
        .map(|s| {
            std::path::Path::new(&s.path)
                .file_name()
                .map_or(s.path.clone(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| l.name.clone());
    let mut counted = None;
    let mut signatures = None;
    let values: Vec<f64> = match incidents {
        Some(inc) => {
            let fc = count_in_features(&l.geometries, &inc.incidents.xy, p.tolerance, None)?;
            let v = fc.counts.clone();
            counted = Some(fc);
            let of = crate::when::incidents::feature_of_points(
                &l.geometries,
                &inc.incidents.xy,
                p.tolerance,
            );
            signatures = Some(group_signatures(
                &inc.incidents,
                |i| of[i],
                l.len(),
                inc.time_zone.as_ref(),
                &SignatureParams::default(),
            )?);
            v
        }
        None => (0..l.len())
            .map(|i| {
                l.property_str(i, &p.value)
                    .and_then(|v| v.trim().trim_matches('"').parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| Error::FeatureProperty {
                        layer: name.clone(),
                        feature: i,
                        property: p.value.clone(),
                        reason: "has no numeric",
                    })
            })
            .collect::<Result<_>>()?,
    };
    let pts = l.representative_points();
    let w = crate::hotspot::point_weights(&pts, &p.weights, None)?;
    let gistar = gi_star(&values, &w, &p.gistar)?;
    let moran = local_moran(
        &values,
        &w,
        &LocalMoranParams::new()
            .permutations(p.gistar.permutations)
            .seed(p.gistar.seed),
    )?;
    let mut inputs: Vec<InputFile> = layer.source.iter().cloned().collect();
    if let Some(inc) = incidents {
        inputs.extend(inc.inputs());
    }
    Ok(LayerStudy {
        layer: l.clone(),
        params: p.clone(),
        values,
        counted,
        gistar,
        moran,
        signatures,
        name,
        inputs,
    })
}

impl LayerStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "layer.geojson",
            "layer.csv",
            "layer_value.png",
            "layer_gistar.png",
            "layer_moran.png",
            "layer.json",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The counting and the result, for the terminal.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        if let Some(fc) = &self.counted {
            let n: f64 = fc.counts.iter().sum();
            s.push_str(&format!(
                "{} incidents counted in {} features; {} outside every feature, {} on a shared border (given to the lower feature index)\n",
                n, self.layer.len(), fc.outside, fc.ties
            ));
        }
        let bc = self.gistar.bin_counts;
        let sc = self.moran.significant_counts;
        s.push_str(&format!(
            "{} features: Gi* hot 99/95/90% {}/{}/{}, cold {}/{}/{}; Local Moran significant HH {} LH {} LL {} HL {}\n",
            self.layer.len(), bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], sc[0], sc[1], sc[2], sc[3]
        ));
        s
    }

    fn map(&self, title: &str, legend: &str, vals: &[f64], scale: ColourScale) -> Figure {
        Figure::FeatureMap {
            geometries: self.layer.geometries.clone(),
            values: vals.to_vec(),
            options: MapOptions {
                title: vec![
                    format!("{title}: {}", self.name),
                    format!(
                        "{} features, {}",
                        self.layer.len(),
                        self.params.weights.describe(None)
                    ),
                ],
                legend: legend.to_string(),
                scale,
                ..Default::default()
            },
        }
    }
}

impl Export for LayerStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (l, gi, lm, p) = (&self.layer, &self.gistar, &self.moran, &self.params);
        let mut prov = Provenance::new(
            json!({"analysis": "layer", "value": p.value, "tolerance_m": self.counted.as_ref().map(|_| p.tolerance), "weights": p.weights, "gistar": p.gistar}),
        )
        .with_inputs(self.inputs.iter().cloned())
        .with_crs(&l.crs);
        prov.seed = Some(p.gistar.seed);
        out.provenance(prov);
        let value_name = p.value.as_str();
        let sig = self
            .signatures
            .as_ref()
            .map(signature_cols)
            .unwrap_or_default();
        let f = features(&l.crs.working, |sink| {
            for i in 0..l.len() {
                let mut props = json_properties(&l.properties[i]);
                if self.counted.is_some() {
                    props.push((value_name, Cell::Float(self.values[i])));
                }
                let ps = gi.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let lps = lm.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                props.extend([
                    ("gi_z", Cell::Float(gi.z[i])),
                    ("gi_p", Cell::Float(gi.p[i])),
                    ("gi_p_sim", Cell::opt(ps)),
                    ("gi_bin", Cell::Int(gi.bin[i] as i64)),
                    ("lm_I", Cell::Float(lm.i[i])),
                    ("lm_p_sim", Cell::opt(lps)),
                    ("lm_quadrant", Cell::Str(lm.quadrant[i].label())),
                    ("lm_significant", Cell::Bool(lm.significant[i])),
                ]);
                props.extend(sig.iter().map(|(n, c)| (*n, c.cell(i))));
                sink.feature(&l.geometries[i], &props)?;
            }
            Ok(())
        });
        out.features("layer.geojson", &f)?;
        let mut columns = vec![
            Column::int("feature"),
            Column::float("value"),
            Column::float("gi_z"),
            Column::float("gi_p"),
            Column::float("gi_p_sim"),
            Column::int("gi_bin"),
            Column::float("lm_I"),
            Column::float("lm_p_sim"),
            Column::text("lm_quadrant"),
            Column::int("lm_significant"),
        ];
        columns.extend(sig.iter().map(|(n, c)| c.column(n)));
        let t = table(columns, |sink| {
            for i in 0..l.len() {
                let ps = gi.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let lps = lm.p_sim.as_ref().map_or(f64::NAN, |v| v[i]);
                let mut row = vec![
                    Cell::count(i),
                    Cell::Float(self.values[i]),
                    Cell::Float(gi.z[i]),
                    Cell::Float(gi.p[i]),
                    Cell::opt(ps),
                    Cell::Int(gi.bin[i] as i64),
                    Cell::Float(lm.i[i]),
                    Cell::opt(lps),
                    Cell::Str(lm.quadrant[i].label()),
                    Cell::Int(lm.significant[i] as i64),
                ];
                row.extend(sig.iter().map(|(_, c)| c.cell(i)));
                sink.row(&row)?;
            }
            Ok(())
        });
        out.table("layer.csv", &t)?;
        let gbins: Vec<f64> = gi.bin.iter().map(|b| *b as f64).collect();
        let quads: Vec<f64> = lm
            .quadrant
            .iter()
            .zip(&lm.significant)
            .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
            .collect();
        out.figure(
            "layer_value.png",
            &self.map(
                &format!("'{value_name}' per feature"),
                value_name,
                &self.values,
                render::auto_scale(&self.values, true),
            ),
        )?;
        let gi_map = self.map(
            "Getis-Ord Gi*",
            "Gi* confidence",
            &gbins,
            ColourScale::GiBins,
        );
        out.figure("layer_gistar.png", &gi_map)?;
        // QGIS style of layer.geojson: the Gi* map's classes (the main result)
        out.qml(
            "layer.geojson",
            &gi_map,
            &column("gi_bin"),
            crate::export::qml::SymbolKind::of(self.layer.geometries.first()),
        )?;
        out.figure(
            "layer_moran.png",
            &self.map(
                "Local Moran's I (LISA)",
                "cluster type",
                &quads,
                quad_categories(),
            ),
        )?;
        let sc = lm.significant_counts;
        let summary = json!({
            "features": l.len(),
            "value": value_name,
            "counted": self.counted,
            "weights": p.weights.describe(None),
            "gistar": {"mean": gi.mean, "sd": gi.sd, "params": gi.params, "bins": gi.bin_counts, "undefined": gi.undefined},
            "local_moran": {"significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}},
            "provenance": out.current_provenance(&["layer.json"]),
        });
        out.json("layer.json", &summary)
    }
}
