//! `crimescape assess`: design proposals, crime risk and free access side by side.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use crimescape::access::{
    self, assess, report, AssessParams, Assessment, FactorModel, NetworkParams, RiskModel, Study,
};
use crimescape::{Layer, Provenance};

use crate::cli::GlobalArgs;
use crate::common::{load_layer, spinner, write_output};

/// Arguments of `crimescape assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Street centre lines (the walking network).
    #[arg(long)]
    pub streets: PathBuf,
    /// Footpaths added to the walking network.
    #[arg(long)]
    pub paths: Option<PathBuf>,
    /// Public-space polygons (parks, plazas). Repeatable; the layer name is the file stem.
    #[arg(long = "spaces")]
    pub spaces: Vec<PathBuf>,
    /// Other built-environment layers (lights, atms, ...). Repeatable; the layer name is the file stem.
    #[arg(long = "layer")]
    pub layers: Vec<PathBuf>,
    /// A proposal GeoJSON (see docs/access.md for the schema). Repeatable.
    #[arg(long = "proposal", required = true)]
    pub proposals: Vec<PathBuf>,
    /// A risk model (JSON factor model); without it only access is assessed.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Snapping tolerance of the network (m).
    #[arg(long, default_value_t = 1.0)]
    pub snap: f64,
    /// Do not make junctions where lines cross (bridges, tunnels).
    #[arg(long)]
    pub no_split_crossings: bool,
    /// Walking distances for reachability (m), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "400,800")]
    pub distances: Vec<f64>,
    /// Skip assessing each action alone.
    #[arg(long)]
    pub no_per_action: bool,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
}

fn slug(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() {
        "proposal".into()
    } else {
        t
    }
}

pub fn run(a: AssessArgs, g: &GlobalArgs) -> Result<()> {
    let mut prov = Provenance::new(serde_json::json!({
        "snap_m": a.snap, "split_crossings": !a.no_split_crossings, "distances_m": a.distances,
        "per_action": !a.no_per_action,
    }));
    let (streets, srep) = load_layer(&a.streets, a.layer_crs.as_deref(), None, &[])?;
    let working = streets.crs.working.clone();
    prov.input(
        &a.streets,
        "streets",
        srep.features_read,
        srep.accepted,
        &srep.sha256,
    );
    let mut layers: Vec<Layer> = vec![Layer {
        name: "streets".into(),
        ..streets
    }];
    let mut space_names = vec!["parks".to_string()];
    let mut load =
        |p: &Path, role: &str, name: Option<&str>, layers: &mut Vec<Layer>| -> Result<String> {
            let (mut l, r) = load_layer(p, a.layer_crs.as_deref(), Some(&working), &[])?;
            if let Some(n) = name {
                l.name = n.into();
            }
            if layers.iter().any(|x| x.name == l.name) {
                return Err(crimescape::Error::Param(format!(
                    "two layers are named '{}': rename one of the files",
                    l.name
                ))
                .into());
            }
            prov.input(p, role, r.features_read, r.accepted, &r.sha256);
            let n = l.name.clone();
            layers.push(l);
            Ok(n)
        };
    if let Some(p) = &a.paths {
        load(p, "paths", Some("paths"), &mut layers)?;
    }
    for p in &a.spaces {
        let n = load(p, "public spaces", None, &mut layers)?;
        if !space_names.contains(&n) {
            space_names.push(n);
        }
    }
    for p in &a.layers {
        load(p, "layer", None, &mut layers)?;
    }
    let study = Study::with_roles(layers, vec!["streets".into(), "paths".into()], space_names)?;
    let mut proposals = Vec::new();
    for p in &a.proposals {
        let ps = access::proposal::read_proposals(p, &study)
            .with_context(|| format!("reading proposal {}", p.display()))?;
        let (_, sha) = crimescape::io::read_bytes(p)?;
        let n: usize = ps.iter().map(|x| x.actions.len()).sum();
        prov.input(p, "proposal", n as u64, n as u64, &sha);
        for x in ps {
            if proposals
                .iter()
                .any(|y: &access::Proposal| y.name == x.name)
            {
                return Err(crimescape::Error::Param(format!(
                    "two proposals are named '{}': set a distinct \"proposal\" property or rename a file",
                    x.name
                ))
                .into());
            }
            proposals.push(x);
        }
    }
    let model: Option<Box<dyn RiskModel>> = match &a.model {
        Some(p) => {
            let (bytes, sha) = crimescape::io::read_bytes(p)?;
            prov.input(p, "model", 1, 1, &sha);
            Some(load_model(&bytes, p, &study.crs.working)?)
        }
        None => None,
    };
    let params = AssessParams::new()
        .network(
            NetworkParams::new()
                .snap_tolerance(a.snap)
                .split_crossings(!a.no_split_crossings),
        )
        .distances(a.distances.clone())
        .per_action(!a.no_per_action);
    prov.crs = Some(study.crs.clone());
    let pb = spinner(g, "assessing proposals".into());
    let res = assess(&study, &proposals, model.as_deref(), &params);
    pb.finish_and_clear();
    let asm = res?;
    write_assessment(&asm, &a.out, g, &mut prov)?;
    if !g.quiet {
        print_summary(&asm);
    }
    Ok(())
}

/// A saved risk terrain model (`crimescape risk fit`, recognised by its `family`)
/// or a factor model JSON (see `FactorModel`).
fn load_model(bytes: &[u8], path: &Path, working: &crimescape::Crs) -> Result<Box<dyn RiskModel>> {
    let v: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| crimescape::Error::format(path, format!("not JSON: {e}")))?;
    if v.get("family").is_some() {
        let mf = crimescape::risk::read_model(bytes, path)?;
        mf.check_crs(working, &format!("model file {}", path.display()))?;
        Ok(Box::new(mf.model))
    } else {
        Ok(Box::new(FactorModel::from_json(bytes, path)?))
    }
}

/// Writes JSON, Markdown, HTML, GeoJSON and PNG maps of an assessment into `out`.
pub fn write_assessment(
    asm: &Assessment,
    out: &Path,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = out.join(name);
        write_output(&p, bytes, g)?;
        written.push(p);
        Ok(())
    };
    let mut json = serde_json::to_vec_pretty(asm)?;
    json.push(b'\n');
    put("assessment.json", &json)?;
    put("assessment.md", report::to_markdown(asm).as_bytes())?;
    put("assessment.html", report::to_html(asm).as_bytes())?;
    put("changes.geojson", &report::changes_geojson(asm)?)?;
    put("reach_before.png", &report::reach_map(asm, None, false)?)?;
    put("tradeoff.png", &report::tradeoff_plot(asm)?)?;
    if let Some(r) = asm.proposals.iter().find_map(|p| p.risk.as_ref()) {
        put(
            "risk_before.png",
            &report::risk_level_map(r, false, "Expected incidents per cell: before", Vec::new())?,
        )?;
    }
    for (i, p) in asm.proposals.iter().enumerate() {
        let s = slug(&p.name);
        put(
            &format!("reach_after_{s}.png"),
            &report::reach_map(asm, Some(i), false)?,
        )?;
        put(
            &format!("reach_change_{s}.png"),
            &report::reach_map(asm, Some(i), true)?,
        )?;
        if let Some(r) = &p.risk {
            let overlays = vec![crimescape::render::Overlay {
                geometries: asm.details.action_geometries[i]
                    .iter()
                    .map(|x| x.3.clone())
                    .collect(),
                colour: [255, 140, 0, 255],
                width: 2.0,
            }];
            put(
                &format!("risk_after_{s}.png"),
                &report::risk_level_map(
                    r,
                    true,
                    &format!("Expected incidents per cell: after {}", p.name),
                    overlays.clone(),
                )?,
            )?;
            put(
                &format!("risk_change_{s}.png"),
                &report::risk_map(
                    r,
                    &format!("Expected incidents prevented: {}", p.name),
                    overlays,
                )?,
            )?;
        }
    }
    prov.outputs
        .extend(written.iter().map(|p| p.display().to_string()));
    prov.write_beside(&out.join("assessment.json"), g.force)?;
    Ok(())
}

fn print_summary(asm: &Assessment) {
    println!(
        "network: {} nodes, {} edges, {} endpoints snapped (tolerance {} m)",
        asm.network.nodes,
        asm.network.edges,
        asm.network.snapped_endpoints,
        asm.network.snap_tolerance_m
    );
    let mut noted = std::collections::BTreeSet::new();
    for n in asm
        .proposals
        .iter()
        .filter_map(|p| p.risk.as_ref())
        .flat_map(|r| &r.notes)
    {
        if noted.insert(n) {
            eprintln!("  WARNING: {n}");
        }
    }
    for p in &asm.proposals {
        let r = p.access.reach.last();
        println!(
            "{}: prevented {}; street reach {:+.2}% within {:.0} m; {} pairs detoured ({} disconnected); public space restricted {:.0} m²; {}{}",
            p.name,
            report::prevented_text(p.risk.as_ref()),
            r.map_or(0.0, |x| x.street_change_pct),
            r.map_or(0.0, |x| x.distance_m),
            p.access.detour.pairs_affected,
            p.access.detour.pairs_disconnected,
            p.access.space_lost_m2(),
            if p.verdict.restricts_access { "RESTRICTS FREE ACCESS" } else { "access ok" },
            if p.dominated_by.is_empty() { String::new() } else { format!("; dominated by {}", p.dominated_by.join(", ")) }
        );
    }
}

/// The demo step: writes the two demo proposals and the ground-truth model next to
/// the city, assesses both and writes the report into `out/assess`.
pub fn demo_assess(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    rtm: Option<&crimescape::risk::RtmModel>,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let study = access::demo::demo_study(city)?;
    let dir = out.join("assess");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut proposals = Vec::new();
    for p in access::demo::demo_proposals(city)? {
        let path = dir.join(format!("proposal_{}.geojson", p.name));
        write_output(
            &path,
            &access::proposal::proposal_to_geojson(&p, &study.crs.working)?,
            g,
        )?;
        prov.outputs.push(path.display().to_string());
        // read back through the validating reader, as a user's file would be
        proposals.extend(access::proposal::read_proposals(&path, &study)?);
    }
    // the ground truth as a model, for reference (and the risk side when no RTM is given)
    let truth = access::demo::demo_model(city, 25.0)?;
    let mp = dir.join("truth_model.json");
    write_output(&mp, &serde_json::to_vec_pretty(&truth)?, g)?;
    prov.outputs.push(mp.display().to_string());
    let model: &dyn RiskModel = match rtm {
        Some(m) => m,
        None => &truth,
    };
    let pb = spinner(g, "assessing the demo proposals".into());
    let res = assess(&study, &proposals, Some(model), &AssessParams::new());
    pb.finish_and_clear();
    let asm = res?;
    let mut sub = Provenance::new(serde_json::to_value(&asm.params)?);
    sub.seed = Some(city.truth.params.seed);
    sub.crs = Some(study.crs.clone());
    write_assessment(&asm, &dir, g, &mut sub)?;
    prov.outputs.extend(sub.outputs);
    if !g.quiet {
        print_summary(&asm);
    }
    Ok(())
}
