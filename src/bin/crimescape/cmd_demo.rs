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
    prov.input_load(&path, "incidents", &rep);
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
    crate::cmd_hotspots::demo_hotspots(out, city, &inc, g, prov)?;
    crate::cmd_clusters::demo_clusters(out, city_dir, &inc, city, g, prov)?;
    crate::cmd_nearrepeat::demo_near_repeat(out, &inc, g, prov)?;
    crate::cmd_evaluate::demo_evaluate(out, city, g, prov)?;
    let rtm = crate::cmd_risk::demo_risk(out, city, g, prov)?;
    crate::cmd_validate::demo_validate(out, city, g, prov)?;
    crate::cmd_assess::demo_assess(out, city, Some(&rtm.model), g, prov)?;
    Ok(())
}
