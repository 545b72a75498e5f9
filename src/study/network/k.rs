//! The network K and cross K functions with their envelope ([`k`]).

use super::*;

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
        crate::study::kplot::stem(cross)
    }

    /// The files written.
    pub fn files(cross: bool) -> Vec<String> {
        crate::study::kplot::files(cross)
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

    pub(super) fn write_files(&self, out: &mut Outputs, dir: &str) -> Result<()> {
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
