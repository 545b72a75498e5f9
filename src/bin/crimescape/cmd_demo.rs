//! `crimescape demo`: the synthetic demo city and every analysis on it.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::demo::{self, DemoParams};
use crimescape::Provenance;

use crate::cli::GlobalArgs;
use crate::common::{spinner, write_output};

/// Arguments of `crimescape demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, short, default_value = "crimescape-demo")]
    pub out: PathBuf,
    /// Seed of the city (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of incidents.
    #[arg(long, default_value_t = 20_000)]
    pub incidents: usize,
    /// Side of the square city in metres.
    #[arg(long, default_value_t = 6000.0)]
    pub size: f64,
    /// Only write the city and its ground truth; run no analysis.
    #[arg(long)]
    pub city_only: bool,
}

pub fn run(a: DemoArgs, g: &GlobalArgs) -> Result<()> {
    let params = DemoParams::new(a.seed).incidents(a.incidents).size(a.size);
    let pb = spinner(g, "generating the demo city".into());
    let city = demo::generate(&params)?;
    pb.finish_and_clear();
    let city_dir = a.out.join("city");
    let written = demo::write_city(&city, &city_dir, g.force)?;
    if !g.quiet {
        eprintln!(
            "demo city (seed {}): {} incidents, {} street segments, {} layers -> {}",
            a.seed,
            city.incidents.len(),
            city.streets.len(),
            city.layers.len(),
            city_dir.display()
        );
    }
    let mut prov = Provenance::new(serde_json::to_value(&params)?);
    prov.seed = Some(a.seed);
    prov.crs = Some(city.incidents.crs.clone());
    prov.outputs = written.iter().map(|p| p.display().to_string()).collect();
    if !a.city_only {
        analyses(&a.out, &city_dir, &city, g, &mut prov)?;
    }
    let p = a.out.join("provenance.json");
    write_output(&p, &serde_json::to_vec_pretty(&prov)?, g)?;
    Ok(())
}

/// Runs every analysis the toolkit has on the demo city; each writes into `out`.
fn analyses(
    out: &Path,
    city_dir: &Path,
    city: &demo::DemoCity,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    // 1. load the written incidents back through the public loader, as a user would
    let path = city_dir.join("incidents.csv");
    let (inc, rep) = crimescape::load_incidents(&path, &crimescape::LoadOptions::new())?;
    prov.input(&path, "incidents", rep.rows_read, rep.accepted, &rep.sha256);
    let summary = crimescape::info::summarise_incidents(&inc, &rep);
    let p = out.join("info.json");
    write_output(&p, &serde_json::to_vec_pretty(&summary)?, g)?;
    prov.outputs.push(p.display().to_string());
    if !g.quiet {
        print!("{}", summary.to_text());
        println!(
            "ground truth: {} planted hotspots, {} repeat locations, {} near-repeat chains, {} risk factors ({} decoys)",
            city.truth.hotspots.len(),
            city.truth.repeat_locations,
            city.truth.chains.len(),
            city.truth.factors.len(),
            city.truth.factors.iter().filter(|f| f.relative_risk == 1.0).count()
        );
    }
    demo_hotspots(out, city, &inc, g, prov)?;
    crate::cmd_clusters::demo_clusters(out, city_dir, &inc, city, g, prov)?;
    crate::cmd_nearrepeat::demo_near_repeat(out, &inc, g, prov)?;
    crate::cmd_evaluate::demo_evaluate(out, city, g, prov)?;
    let rtm = crate::cmd_risk::demo_risk(out, city, g, prov)?;
    crate::cmd_validate::demo_validate(out, city, g, prov)?;
    crate::cmd_assess::demo_assess(out, city, Some(&rtm.model), g, prov)?;
    Ok(())
}

// ---------------------------------------------------------------- demo

/// Counts, KDE and Gi* maps of the demo city, and the share of planted
/// hotspot centres that fall in Gi* hot cells (95 %).
pub fn demo_hotspots(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    inc: &Incidents,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let dir = out.join("hotspots");
    std::fs::create_dir_all(&dir)?;
    let cg = build_grid(&inc.xy, &GridParams::new())?;
    let (counts, _) = cg.counts(&inc.xy, None)?;
    let grid = cg.grid;
    let mut written = Vec::new();
    let mut png = |name: &str,
                   vals: &[f64],
                   title: Vec<String>,
                   legend: &str,
                   scale: ColourScale|
     -> Result<()> {
        let opts = MapOptions {
            title,
            legend: legend.into(),
            scale,
            overlays: Vec::new(),
            size: 800,
        };
        let p = dir.join(name);
        write_output(&p, &render::grid_map(&grid, vals, &opts)?, g)?;
        written.push(p);
        Ok(())
    };
    let line = format!("demo city, {} incidents, {} m cells", inc.len(), grid.cell);
    png(
        "counts.png",
        &counts,
        vec!["Incidents per cell".into(), line.clone()],
        "incidents per cell",
        render::auto_scale(&counts, true),
    )?;
    let k = kde(&grid, &inc.xy, None, &KdeParams::new())?;
    png(
        "kde.png",
        &k.density_km2,
        vec![
            "Kernel density (quartic)".into(),
            format!("h = {:.0} m (ArcGIS rule); {line}", k.bandwidth_m),
        ],
        "incidents per km2",
        render::auto_scale(&k.density_km2, false),
    )?;
    let w = grid_weights(&cg, &WeightsSpec::default())?;
    let gi = gi_star(
        &counts,
        &w,
        &GiStarParams::new().permutations(99).seed(42).fdr(true),
    )?;
    let bins: Vec<f64> = gi.bin.iter().map(|b| *b as f64).collect();
    let mut found = Vec::new();
    for h in &city.truth.hotspots {
        let hit = cg
            .position_of(h.centre[0], h.centre[1])
            .is_some_and(|p| gi.bin[p] >= 2);
        found.push(json!({"label": h.label, "centre": h.centre, "hot_95": hit}));
    }
    let hits = found.iter().filter(|f| f["hot_95"] == json!(true)).count();
    let n = city.truth.hotspots.len();
    png(
        "gistar.png",
        &bins,
        vec![
            "Getis-Ord Gi* hot spots (FDR)".into(),
            format!("queen neighbours; {line}; planted hotspots found {hits}/{n}"),
        ],
        "confidence",
        ColourScale::GiBins,
    )?;
    let hot = gi.bin.iter().filter(|b| **b >= 2).count();
    let summary = json!({
        "grid": cg,
        "kde_bandwidth_m": k.bandwidth_m,
        "gistar_bins": gi.bin_counts,
        "hot_cells_95": hot,
        "hot_share": hot as f64 / cg.len() as f64,
        "planted_hotspots": n,
        "planted_found": hits,
        "hit_rate": if n > 0 { hits as f64 / n as f64 } else { f64::NAN },
        "hotspots": found,
    });
    let p = dir.join("hotspots.json");
    write_output(&p, &serde_json::to_vec_pretty(&summary)?, g)?;
    written.push(p);
    if !g.quiet {
        println!(
            "hotspots: {hits}/{n} planted hotspot centres in Gi* hot cells (95%, FDR); {hot} of {} cells hot ({:.1}%)",
            cg.len(),
            100.0 * hot as f64 / cg.len() as f64
        );
    }
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    Ok(())
}

use crimescape::hotspot::kde::KdeParams;
use crimescape::hotspot::{
    build_grid, gi_star, grid_weights, kde, GiStarParams, GridParams, WeightsSpec,
};
use crimescape::render::{self, ColourScale, MapOptions};
use crimescape::Incidents;
use serde_json::json;
