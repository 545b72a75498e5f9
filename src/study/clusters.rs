//! Point clusters of incidents (DBSCAN, space-time DBSCAN, HDBSCAN, CrimeStat Nnh)
//! with hulls and standard deviational ellipses: `labels.csv`, `clusters.geojson`,
//! `clusters.json`, `clusters.png`.

use serde::Serialize;
use serde_json::{json, Value};

use super::IncidentInput;
use crate::cluster::{
    self, ClusterSummary, Clustering, DbscanParams, EllipseConvention, HdbscanParams, NnhParams,
    StDbscanParams,
};
use crate::error::{Error, Result};
use crate::export::{features, table, Cell, Column, Export, Figure, Outputs, Provenance};
use crate::render::{self, ColourScale, MapOptions, Overlay};
use crate::when::incidents::{group_signatures, SignatureColumns, SignatureParams};

/// Which clustering.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum ClusterMethod {
    /// DBSCAN (scikit-learn semantics).
    Dbscan(DbscanParams),
    /// Space-time DBSCAN on the incidents with a time (`eps_days` may be fractional).
    StDbscan {
        /// Spatial radius (m, inclusive).
        eps: f64,
        /// Temporal radius (days, inclusive).
        eps_days: f64,
        /// Minimum neighbourhood size, counting the point itself.
        min_samples: usize,
    },
    /// HDBSCAN (scikit-learn semantics).
    Hdbscan(HdbscanParams),
    /// CrimeStat nearest-neighbour hierarchical clustering.
    Nnh(NnhParams),
}

/// Settings of [`clusters`].
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStudyParams {
    /// The clustering.
    pub method: ClusterMethod,
    /// Standard deviational ellipse convention.
    pub ellipse: EllipseConvention,
}

impl ClusterMethod {
    /// Space-time DBSCAN, whose temporal radius `eps_days` has no default.
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`eps_days`) when `eps_days` is `None`.
    pub fn st_dbscan(eps: f64, eps_days: Option<f64>, min_samples: usize) -> Result<Self> {
        Ok(ClusterMethod::StDbscan {
            eps,
            eps_days: eps_days
                .ok_or_else(|| Error::missing_param("eps_days", "method", "st-dbscan"))?,
            min_samples,
        })
    }
}

/// Points above which [`ClusterStudyParams::slow_note`] warns that HDBSCAN is slow.
const HDBSCAN_SLOW_POINTS: usize = 50_000;

impl ClusterStudyParams {
    /// A note when clustering `n` points will be slow (HDBSCAN's exact minimum spanning
    /// tree on more than 50,000 points), `None` otherwise.
    pub fn slow_note(&self, n: usize) -> Option<String> {
        (matches!(self.method, ClusterMethod::Hdbscan(_)) && n > HDBSCAN_SLOW_POINTS).then(|| {
            format!(
                "HDBSCAN builds the exact minimum spanning tree in O(n^2) time ({n} points): this can take minutes"
            )
        })
    }
}

/// Clusters of incidents with their summaries.
#[derive(Debug, Clone)]
pub struct ClusterStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Settings.
    pub params: ClusterStudyParams,
    /// Labels per clustered point.
    pub clustering: Clustering,
    /// Index into the incidents of each clustered point (all, or those with a time).
    pub used: Vec<usize>,
    /// One summary per cluster.
    pub summaries: Vec<ClusterSummary>,
    /// The parameters as written (method and its settings).
    pub parameters: Value,
    /// Method-specific results (Nnh levels and simulation), `null` otherwise.
    pub extra: Value,
    /// Provenance of the outputs.
    pub provenance: Provenance,
    /// Temporal signature of each cluster, indexed by cluster label
    /// ([`crate::when::incidents::group_signatures`] with its defaults; night shares
    /// with the incidents' time zone).
    pub signatures: SignatureColumns,
}

/// Clusters the incidents.
///
/// ```
/// use crimescape::{generate_demo as generate, DemoParams, Export, OutputOptions, Outputs};
/// use crimescape::study::{clusters, IncidentInput};
///
///let city = generate(&DemoParams::new(1).incidents(4000).size(3000.0))?;
/// let input = IncidentInput::in_memory(city.incidents);
/// let r = clusters::clusters(&input, &clusters::dbscan_params(40.0, 10))?;
/// assert!(!r.summaries.is_empty(), "the planted hot spots form clusters");
///
///let dir = std::env::temp_dir().join(format!("crimescape-doc-clusters-{}", std::process::id()));
/// let mut out = Outputs::folder(&dir, &OutputOptions::force(true))?;
/// out.plan(clusters::ClusterStudy::files())?;
/// r.write(&mut out)?;
/// out.commit()?;
/// assert!(dir.join("clusters.geojson.provenance.json").is_file());
/// # std::fs::remove_dir_all(&dir).map_err(|e| crimescape::Error::io(&dir, e))?;
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn clusters<'a>(input: &'a IncidentInput, p: &ClusterStudyParams) -> Result<ClusterStudy<'a>> {
    let inc = &input.incidents;
    let all = || (0..inc.len()).collect::<Vec<_>>();
    let mut extra = Value::Null;
    let (clustering, used, parameters) = match &p.method {
        ClusterMethod::Hdbscan(hp) => (
            cluster::hdbscan(&inc.xy, hp)?,
            all(),
            json!({"method": "hdbscan", "min_cluster_size": hp.min_cluster_size,
                   "min_samples_incl_self": hp.min_samples.unwrap_or(hp.min_cluster_size)}),
        ),
        ClusterMethod::Nnh(np) => {
            let r = cluster::nnh(&inc.xy, np)?;
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
                all(),
                json!({"method": "nnh", "threshold": np.threshold, "min_points": np.min_points,
                       "max_order": np.max_order, "simulations": np.simulations, "seed": np.seed}),
            )
        }
        ClusterMethod::Dbscan(dp) => (
            cluster::dbscan(&inc.xy, dp)?,
            all(),
            json!({"method": "dbscan", "eps_m": dp.eps, "min_samples_incl_self": dp.min_samples}),
        ),
        ClusterMethod::StDbscan {
            eps,
            eps_days,
            min_samples,
        } => {
            if !(eps_days.is_finite() && *eps_days >= 0.0) {
                return Err(Error::invalid_param(
                    "eps_days",
                    eps_days,
                    "the temporal radius of space-time DBSCAN: a number of days >= 0",
                ));
            }
            let used: Vec<usize> = (0..inc.len()).filter(|&i| inc.time[i].is_some()).collect();
            let xy: Vec<[f64; 2]> = used.iter().map(|&i| inc.xy[i]).collect();
            let t: Vec<i64> = used.iter().filter_map(|&i| inc.time[i]).collect();
            let secs = (eps_days * crate::time::DAY as f64).round() as i64;
            let sp = StDbscanParams::new(*eps, secs, *min_samples);
            (
                cluster::st_dbscan(&xy, &t, &sp)?,
                used,
                json!({"method": "st-dbscan", "eps_m": eps, "eps_days": eps_days,
                       "min_samples_incl_self": min_samples}),
            )
        }
    };
    let xy: Vec<[f64; 2]> = used.iter().map(|&i| inc.xy[i]).collect();
    let times: Vec<Option<i64>> = used.iter().map(|&i| inc.time[i]).collect();
    let summaries = cluster::summarise_clusters(&xy, &times, &clustering, p.ellipse);
    let mut group_of = vec![None; inc.len()];
    for (k, &i) in used.iter().enumerate() {
        group_of[i] = clustering.labels[k];
    }
    let signatures = group_signatures(
        inc,
        |i| group_of[i],
        clustering.n_clusters,
        input.time_zone.as_ref(),
        &SignatureParams::default(),
    )?;
    let provenance = Provenance::new(parameters.clone())
        .with_inputs(input.inputs())
        .with_crs(&inc.crs);
    Ok(ClusterStudy {
        input,
        params: p.clone(),
        clustering,
        used,
        summaries,
        parameters,
        extra,
        provenance,
        signatures,
    })
}

/// The clustering method in plain words, for a map's subtitle.
fn method_in_words(m: &ClusterMethod) -> String {
    match m {
        ClusterMethod::Dbscan(p) => format!(
            "DBSCAN (groups of at least {} incidents within {} m of each other)",
            p.min_samples, p.eps
        ),
        ClusterMethod::StDbscan {
            eps,
            eps_days,
            min_samples,
        } => format!(
            "space-time DBSCAN (at least {min_samples} incidents within {eps} m and {eps_days} days)"
        ),
        ClusterMethod::Hdbscan(p) => format!(
            "HDBSCAN (clusters of at least {} incidents, of varying density)",
            p.min_cluster_size
        ),
        ClusterMethod::Nnh(p) => format!(
            "nearest-neighbour hierarchical clustering (at least {} incidents per cluster)",
            p.min_points
        ),
    }
}

/// `key value, key value` of a parameter object, for a map's footnote.
fn parameters_line(v: &Value) -> String {
    match v.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k} {s}"),
                v => format!("{k} {v}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => v.to_string(),
    }
}

/// DBSCAN parameters (for the common case).
pub fn dbscan_params(eps: f64, min_samples: usize) -> ClusterStudyParams {
    ClusterStudyParams {
        method: ClusterMethod::Dbscan(DbscanParams::new(eps, min_samples)),
        ellipse: EllipseConvention::CrimeStat,
    }
}

fn conv_name(c: EllipseConvention) -> &'static str {
    match c {
        EllipseConvention::CrimeStat => "CrimeStat: semi-axis = sqrt(2 * lambda / (n - 2)), lambda = eigenvalue of the scatter matrix; k-SD ellipse = k times that",
        EllipseConvention::ArcGis => "ArcGIS Directional Distribution: semi-axis = sqrt(2 * lambda / n), lambda = eigenvalue of the scatter matrix; k-SD ellipse = k times that",
    }
}

impl ClusterStudy<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "labels.csv",
            "clusters.geojson",
            "clusters.json",
            "clusters.png",
            "clusters.qml",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The result for the terminal: counts, Nnh levels, the ten largest clusters.
    pub fn summary_text(&self) -> String {
        let n_inc = self.input.incidents.len();
        let mut s = format!(
            "{} clusters, {} noise of {} points{}\n",
            self.clustering.n_clusters,
            self.clustering.n_noise(),
            self.used.len(),
            if self.used.len() < n_inc {
                format!(" ({} without time excluded)", n_inc - self.used.len())
            } else {
                String::new()
            }
        );
        if let Some(levels) = self.extra.get("levels").and_then(|l| l.as_array()) {
            for l in levels {
                s.push_str(&format!(
                    "Nnh order {}: {} clusters of {} objects, threshold {:.1} m (random NN distance {:.1} m)\n",
                    l["order"], l["n_clusters"], l["n_objects"],
                    l["threshold_m"].as_f64().unwrap_or(f64::NAN),
                    l["d_ran_m"].as_f64().unwrap_or(f64::NAN)
                ));
            }
        }
        if let Some(sim) = self.extra.get("simulation").filter(|s| !s.is_null()) {
            s.push_str(&format!(
                "Monte Carlo ({} replicates of complete spatial randomness): first-order clusters 2.5/50/97.5 % = {}, observed {}, p = {}\n",
                sim["simulations"], sim["quantiles"], sim["observed"], sim["p_value"]
            ));
        }
        let mut by_size: Vec<&ClusterSummary> = self.summaries.iter().collect();
        by_size.sort_by(|x, y| y.count.cmp(&x.count).then(x.label.cmp(&y.label)));
        s.push_str(&format!(
            "{:>7} {:>6} {:>10} {:>12} {:>10}\n",
            "cluster", "count", "span_days", "hull_m2", "sde1_m2"
        ));
        for c in by_size.iter().take(10) {
            s.push_str(&format!(
                "{:>7} {:>6} {:>10} {:>12.0} {:>10}\n",
                c.label,
                c.count,
                c.span_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                c.hull_area_m2,
                c.ellipse_1sd
                    .map(|e| format!("{:.0}", e.area()))
                    .unwrap_or_default()
            ));
        }
        s
    }

    fn fmt_t(&self, t: Option<i64>) -> Option<String> {
        let prec = self
            .input
            .incidents
            .coarsest_precision()
            .unwrap_or(crate::TimePrecision::Second);
        t.map(|t| crate::time::format(t, prec))
    }
}

/// The outlines drawn over the cluster map: (`kind` in `clusters.geojson`, colour,
/// label), the colours the map's title names.
const OUTLINES: [(&str, crate::render::Rgba, &str); 3] = [
    ("convex_hull", [214, 39, 40, 255], "convex hull"),
    ("ellipse_1sd", [255, 255, 255, 255], "1 SD ellipse"),
    ("ellipse_2sd", [255, 127, 14, 255], "2 SD ellipse"),
];

impl Export for ClusterStudy<'_> {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let inc = &self.input.incidents;
        out.provenance(self.provenance.clone());
        // labels in input order
        let mut label = vec![None; inc.len()];
        let mut core = vec![false; inc.len()];
        let mut used = vec![false; inc.len()];
        for (k, &i) in self.used.iter().enumerate() {
            label[i] = self.clustering.labels[k];
            core[i] = self.clustering.core[k];
            used[i] = true;
        }
        let t = table(
            vec![
                Column::int("row").with_role(crate::export::Role::IncidentId),
                Column::int("label"),
                Column::int("core"),
                Column::text("status"),
            ],
            |sink| {
                for i in 0..inc.len() {
                    let status = match (used[i], label[i]) {
                        (false, _) => "no time",
                        (true, None) => "noise",
                        (true, Some(_)) if core[i] => "core",
                        _ => "border",
                    };
                    sink.row(&[
                        Cell::Int(inc.row[i] as i64),
                        label[i].map_or(Cell::Null, Cell::count),
                        Cell::Int(i64::from(core[i])),
                        Cell::Str(status),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("labels.csv", &t)?;
        // GeoJSON: hull + 1 SD + 2 SD ellipse per cluster, with the temporal signature
        let sg = &self.signatures;
        let sig_f = |v: &[Option<f64>], k: usize| Cell::some(v.get(k).copied().flatten());
        let f = features(&inc.crs.working, |sink| {
            for s in &self.summaries {
                let (first, last) = (self.fmt_t(s.first_time), self.fmt_t(s.last_time));
                let base = |kind: &'static str| {
                    vec![
                        ("cluster", Cell::count(s.label)),
                        ("kind", Cell::Str(kind)),
                        ("count", Cell::count(s.count)),
                        ("core_count", Cell::count(s.core_count)),
                        ("first", first.clone().map_or(Cell::Null, Cell::String)),
                        ("last", last.clone().map_or(Cell::Null, Cell::String)),
                        ("span_days", Cell::some(s.span_days)),
                        ("night_share", sig_f(&sg.night_share, s.label)),
                        (
                            "weekend_night_share",
                            sig_f(&sg.weekend_night_share, s.label),
                        ),
                        (
                            "peak_hour_of_week",
                            sg.peak_hour_of_week
                                .get(s.label)
                                .and_then(|x| x.as_deref())
                                .map_or(Cell::Null, Cell::Str),
                        ),
                        ("time_profile_p", sig_f(&sg.time_profile_p, s.label)),
                    ]
                };
                let mut m = base("convex_hull");
                m.push(("area_m2", Cell::Float(s.hull_area_m2)));
                sink.feature(&geo::Geometry::Polygon(s.hull_polygon()), &m)?;
                for e in [s.ellipse_1sd, s.ellipse_2sd].into_iter().flatten() {
                    let mut m = base(if e.sd == 1.0 {
                        "ellipse_1sd"
                    } else {
                        "ellipse_2sd"
                    });
                    m.extend([
                        ("semi_major_m", Cell::Float(e.semi_major)),
                        ("semi_minor_m", Cell::Float(e.semi_minor)),
                        ("bearing_deg", Cell::Float(e.bearing_deg)),
                        ("area_m2", Cell::Float(e.area())),
                    ]);
                    sink.feature(&geo::Geometry::Polygon(e.polygon(72)), &m)?;
                }
            }
            Ok(())
        });
        out.features("clusters.geojson", &f)?;
        // JSON summary
        let summaries: Vec<Value> = self
            .summaries
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.remove("hull");
                    m.insert("first".into(), json!(self.fmt_t(s.first_time)));
                    m.insert("last".into(), json!(self.fmt_t(s.last_time)));
                    let sg = &self.signatures;
                    let k = s.label;
                    m.insert(
                        "night_share".into(),
                        json!(sg.night_share.get(k).copied().flatten()),
                    );
                    m.insert(
                        "weekend_night_share".into(),
                        json!(sg.weekend_night_share.get(k).copied().flatten()),
                    );
                    m.insert(
                        "peak_hour_of_week".into(),
                        json!(sg.peak_hour_of_week.get(k).cloned().flatten()),
                    );
                    m.insert(
                        "time_profile_p".into(),
                        json!(sg.time_profile_p.get(k).copied().flatten()),
                    );
                }
                v
            })
            .collect();
        let doc = json!({
            "parameters": self.parameters,
            "conventions": {
                "neighbourhood": "d <= eps inclusive, the point itself counted in min_samples (scikit-learn)",
                "numbering": "clusters numbered by their lowest-index core point; a border point reachable from several clusters takes the smallest label",
                "ellipse": conv_name(self.params.ellipse),
                "bearing": "major axis, degrees clockwise from grid north, [0, 180)",
            },
            "n_points": self.used.len(),
            "excluded_no_time": inc.len() - self.used.len(),
            "n_clusters": self.clustering.n_clusters,
            "n_noise": self.clustering.n_noise(),
            "n_core": self.clustering.core.iter().filter(|c| **c).count(),
            "crs": inc.crs.working.to_string(),
            "clusters": summaries,
            "temporal_signature": {"params": self.signatures.params, "conventions": "aoristic (minute-exact) shares of the cluster's incidents with a time; night = sun below -0.833 deg per date and place (needs the time zone); time_profile_p = permutation test of the hour-of-week profile against all incidents, clusters with >= min_incidents only; empty without a time"},
            "nnh": self.extra,
        });
        out.json("clusters.json", &doc)?;
        // QGIS style: hulls and ellipses in the colours of the map's overlays
        out.qml_scale(
            "clusters.geojson",
            &ColourScale::Categories(
                OUTLINES
                    .iter()
                    .map(|(_, c, l)| (*c, l.to_string()))
                    .collect(),
            ),
            &crate::export::qml::ClassedField {
                attribute: "kind".into(),
                expression: false,
                values: Some(OUTLINES.iter().map(|(k, _, _)| k.to_string()).collect()),
            },
            crate::export::qml::SymbolKind::Outline,
        )?;
        // map
        if let Some(bbox) = inc.bbox() {
            let grid = super::background_grid(bbox)?;
            let counts = grid.counts(&inc.xy);
            let mut hulls = Vec::new();
            let mut e1 = Vec::new();
            let mut e2 = Vec::new();
            for s in &self.summaries {
                hulls.push(geo::Geometry::Polygon(s.hull_polygon()));
                if let Some(e) = s.ellipse_1sd {
                    e1.push(geo::Geometry::Polygon(e.polygon(72)));
                }
                if let Some(e) = s.ellipse_2sd {
                    e2.push(geo::Geometry::Polygon(e.polygon(72)));
                }
            }
            let options = MapOptions {
                title: vec![
                    format!("{} clusters of incidents", self.clustering.n_clusters),
                    format!(
                        "{} incidents clustered by {}",
                        self.used.len(),
                        method_in_words(&self.params.method)
                    ),
                    "hulls (red), 1 SD ellipses (white), 2 SD (orange)".to_string(),
                    format!("parameters: {}", parameters_line(&self.parameters)),
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
                        colour: OUTLINES[2].1,
                        width: 1.0,
                    },
                    Overlay {
                        geometries: e1,
                        colour: OUTLINES[1].1,
                        width: 1.5,
                    },
                    Overlay {
                        geometries: hulls,
                        colour: OUTLINES[0].1,
                        width: 2.0,
                    },
                ],
                size: 900,
            };
            out.figure(
                "clusters.png",
                &Figure::grid_map(grid, counts, options)
                    .with_role(crate::export::Role::Count)
                    .with_incident_overlays(&[2]),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn st_dbscan_needs_eps_days() {
        assert!(matches!(
            ClusterMethod::st_dbscan(100.0, None, 5),
            Err(Error::MissingParam {
                param: "eps_days",
                needed_by: "method",
                ..
            })
        ));
        assert!(matches!(
            ClusterMethod::st_dbscan(100.0, Some(1.5), 5),
            Ok(ClusterMethod::StDbscan { eps_days, min_samples: 5, .. }) if eps_days == 1.5
        ));
    }

    #[test]
    fn slow_note_for_large_hdbscan_only() {
        let h = ClusterStudyParams {
            method: ClusterMethod::Hdbscan(HdbscanParams::new(25)),
            ellipse: EllipseConvention::CrimeStat,
        };
        assert_eq!(h.slow_note(50_000), None);
        assert!(h
            .slow_note(50_001)
            .is_some_and(|s| s.contains("(50001 points)")));
        assert_eq!(dbscan_params(10.0, 5).slow_note(1_000_000), None);
    }
}
