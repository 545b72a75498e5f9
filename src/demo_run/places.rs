//! The demo's analyses of places: hot spots (grid, KDE, Gi*), clusters, street
//! segments and forecast accuracy, with their lines of the report text.

use super::demo_date;
use serde_json::json;

use crate::accuracy::CompareParams;
use crate::demo::DemoCity;
use crate::error::Result;
use crate::export::Outputs;
use crate::hotspot::GiStarParams;
use crate::study::{self, IncidentInput};

/// Grid counts, kernel density and Gi* of the city (the `hotspots` studies with their
/// defaults; Gi* with 99 permutations, seed 42, FDR), and the share of planted hot spot
/// centres that fall in Gi* hot cells (95 %): `hotspots.json`, which shares the Gi*
/// provenance record.
pub(super) fn hotspots(
    city: &DemoCity,
    input: &IncidentInput,
    out: &mut Outputs,
) -> Result<String> {
    use study::hotspots as hs;
    let hin = hs::HotspotInput::new(input.clone());
    let mut s = out.section("hotspots");
    s.write_result(&hs::grid(&hin, &hs::GridStudyParams::default())?)?;
    let k = hs::kde_study(&hin, None, &hs::KdeStudyParams::default())?;
    s.write_result(&k)?;
    let gp = hs::GiStarStudyParams {
        gistar: GiStarParams::new().permutations(99).seed(42).fdr(true),
        ..Default::default()
    };
    let gi = hs::gistar(&hin, &gp)?;
    s.write_result(&gi)?;
    let cg = &gi.cells.grid;
    let bins = &gi.result.bin;
    let mut found = Vec::new();
    for h in &city.truth.hotspots {
        let hit = cg
            .position_of(h.centre[0], h.centre[1])
            .is_some_and(|p| bins[p] >= 2);
        found.push(json!({"label": h.label, "centre": h.centre, "hot_95": hit}));
    }
    let hits = found.iter().filter(|f| f["hot_95"] == json!(true)).count();
    let n = city.truth.hotspots.len();
    let hot = bins.iter().filter(|b| **b >= 2).count();
    let summary = json!({
        "grid": cg,
        "kde_bandwidth_m": k.kde.bandwidth_m,
        "gistar_bins": gi.result.bin_counts,
        "hot_cells_95": hot,
        "hot_share": hot as f64 / cg.len() as f64,
        "planted_hotspots": n,
        "planted_found": hits,
        "hit_rate": if n > 0 { hits as f64 / n as f64 } else { f64::NAN },
        "hotspots": found,
    });
    s.json("hotspots.json", &summary)?;
    Ok(format!(
        "hotspots: {hits}/{n} planted hotspot centres in Gi* hot cells (95%, FDR); {hot} of {} cells hot ({:.1}%)\n",
        cg.len(),
        100.0 * hot as f64 / cg.len() as f64
    ))
}

/// Planted hot spots recovered by the clusters.
pub(super) fn clusters_text(city: &DemoCity, cl: &study::clusters::ClusterStudy<'_>) -> String {
    let recovered: Vec<String> = city
        .truth
        .hotspots
        .iter()
        .map(|h| {
            let best = cl
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
    format!(
        "clusters (DBSCAN eps 30 m, min_samples 15): {} clusters, {} noise; planted: {}\n",
        cl.clustering.n_clusters,
        cl.clustering.n_noise(),
        recovered.join("; ")
    )
}

/// The street segments' line of the report.
pub(super) fn segments_text(seg: &study::segments::SegmentStudy) -> String {
    match &seg.seg_conc {
        Some(c) => format!(
            "street segments: {} segments, {} incidents unsnapped (> 30 m); 50 % of snapped incidents on {:.1} % of all segments ({:.1} % of segments with crime), Gini {:.3}\n",
            c.n_units,
            seg.snapped.unsnapped,
            100.0 * c.shares[1].of_all_units,
            100.0 * c.shares[1].of_nonzero_units,
            c.gini
        ),
        None => String::new(),
    }
}

/// PAI and PEI of the hot spot methods (trained Jan-Sep, tested Oct-Dec).
pub(super) fn accuracy(input: &IncidentInput, out: &mut Outputs) -> Result<String> {
    let until = demo_date("2024-10-01")?;
    let acc = study::accuracy::accuracy(input, &CompareParams::new(until))?;
    out.section("forecast_accuracy").write_result(&acc)?;
    let at5: Vec<String> = acc
        .comparison
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
    Ok(format!(
        "hotspot accuracy at 5 % of the area (train Jan-Sep, test Oct-Dec): {}\n",
        at5.join("; ")
    ))
}
