//! `crimescape sites`: ranked cells for environmental-design and target-hardening changes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{grid_map, MapOptions, Overlay};
use crimescape::risk::rtm::RtmModel;
use crimescape::risk::sites::{rank_cells, CptedMapping, Site, SiteParams, SiteWeights};
use crimescape::{Crs, Layer, Provenance};

use crate::cli::GlobalArgs;
use crate::cmd_risk::parse_layer_spec;
use crate::common::{load_incidents, load_layer, write_output, LoadArgs};

/// Arguments of `crimescape sites`.
#[derive(Debug, Args)]
pub struct SitesArgs {
    /// Incident file (the one the model was fitted on, or a later period).
    pub incidents: PathBuf,
    /// model.json written by `crimescape risk fit`.
    #[arg(long)]
    pub model: PathBuf,
    /// Layers the model uses, NAME=PATH (repeatable).
    #[arg(long = "layer", value_name = "NAME=PATH", required = true)]
    pub layers: Vec<String>,
    /// CRS of the layer files [default: their crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Factor -> CPTED mapping (TOML) [default: the shipped mapping; see
    /// `crimescape sites --print-mapping`].
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Number of top sites that get suggestions and appear in the GeoJSON/map.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Weight of the crime burden (counts).
    #[arg(long, default_value_t = 0.4)]
    pub w_burden: f64,
    /// Weight of the repeat-victimisation share.
    #[arg(long, default_value_t = 0.15)]
    pub w_repeat: f64,
    /// Weight of the RTM risk.
    #[arg(long, default_value_t = 0.3)]
    pub w_risk: f64,
    /// Weight of the modifiable share of the risk.
    #[arg(long, default_value_t = 0.15)]
    pub w_modifiable: f64,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Ranked table as text (top `n`).
pub fn sites_table(sites: &[Site], n: usize) -> String {
    let mut s = format!(
        "{:>4} {:>7} {:>6} {:>7} {:>7} {:>8} {:>6}  {}\n",
        "rank", "cell", "count", "repeat", "risk", "modif.", "score", "factors -> first suggestion"
    );
    for r in sites.iter().take(n) {
        let sug = r
            .suggestions
            .iter()
            .find(|x| !x.needs_access_assessment)
            .map(|x| format!("{}: {}", x.principle, x.measure))
            .unwrap_or_default();
        let flagged = r
            .suggestions
            .iter()
            .filter(|x| x.needs_access_assessment)
            .count();
        s.push_str(&format!(
            "{:>4} {:>7} {:>6} {:>6.0}% {:>7.2} {:>7.0}% {:>6.3}  {} -> {}{}\n",
            r.rank,
            r.cell,
            r.count,
            100.0 * r.repeat_share,
            r.risk,
            100.0 * r.modifiable_share,
            r.score,
            if r.factors.is_empty() {
                "-".to_string()
            } else {
                r.factors.join(", ")
            },
            sug,
            if flagged > 0 {
                format!(" (+{flagged} restrictive: needs access assessment)")
            } else {
                String::new()
            }
        ));
    }
    s
}

/// Writes sites.csv / sites.json / sites.geojson / sites.png (+ provenance).
pub fn write_sites(
    dir: &Path,
    sites: &[Site],
    model: &RtmModel,
    crs: &Crs,
    top: usize,
    prov: &mut Provenance,
    g: &GlobalArgs,
) -> Result<()> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "rank",
        "cell",
        "x",
        "y",
        "count",
        "repeat_share",
        "risk",
        "modifiable_share",
        "c_burden",
        "c_repeat",
        "c_risk",
        "c_modifiable",
        "score",
        "factors",
        "suggestions",
    ])?;
    let mut gj = FeatureCollectionWriter::new(crs)?;
    for s in sites {
        let sug: Vec<String> = s
            .suggestions
            .iter()
            .map(|x| {
                format!(
                    "{} | {} | {} | access {:?}{}",
                    x.factor,
                    x.principle,
                    x.measure,
                    x.access,
                    if x.needs_access_assessment {
                        " | needs access assessment (UN 26(d))"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        csv.write_record([
            s.rank.to_string(),
            s.cell.to_string(),
            format!("{:.2}", s.centre[0]),
            format!("{:.2}", s.centre[1]),
            s.count.to_string(),
            format!("{:.4}", s.repeat_share),
            format!("{:.4}", s.risk),
            format!("{:.4}", s.modifiable_share),
            format!("{:.4}", s.components[0]),
            format!("{:.4}", s.components[1]),
            format!("{:.4}", s.components[2]),
            format!("{:.4}", s.components[3]),
            format!("{:.5}", s.score),
            s.factors.join(";"),
            sug.join(" ;; "),
        ])?;
        if s.rank <= top {
            let mut p = serde_json::to_value(s)?;
            if let Some(m) = p.as_object_mut() {
                m.remove("centre");
                let props = m.clone();
                gj.push(
                    &geo::Geometry::Polygon(model.grid.cell_polygon(s.cell)),
                    props,
                )?;
            }
        }
    }
    let mut values = vec![f64::NAN; model.grid.len()];
    for s in sites {
        values[s.cell] = s.score;
    }
    let top_cells: Vec<geo::Geometry<f64>> = sites
        .iter()
        .take(top)
        .map(|s| geo::Geometry::Polygon(model.grid.cell_polygon(s.cell)))
        .collect();
    let png = grid_map(
        &model.grid,
        &values,
        &MapOptions {
            title: vec![
                "Ranked sites".into(),
                format!("score = weighted burden, repeats, RTM risk, modifiable share; top {top} outlined"),
            ],
            legend: "site score (0-1)".into(),
            scale: crimescape::render::auto_scale(&values, false),
            overlays: vec![Overlay {
                geometries: top_cells,
                colour: [220, 20, 60, 255],
                width: 2.0,
            }],
            ..Default::default()
        },
    )?;
    let files: [(&str, Vec<u8>); 4] = [
        ("sites.csv", csv.into_inner()?),
        (
            "sites.json",
            serde_json::to_vec_pretty(&sites.iter().take(top.max(1)).collect::<Vec<_>>())?,
        ),
        ("sites.geojson", gj.finish()),
        ("sites.png", png),
    ];
    for (name, _) in &files {
        prov.outputs.push(dir.join(name).display().to_string());
    }
    for (name, bytes) in files {
        let p = dir.join(name);
        write_output(&p, &bytes, g)?;
        prov.write_beside(&p, g.force)?;
    }
    Ok(())
}

/// Runs `crimescape sites`.
pub fn run(a: SitesArgs, g: &GlobalArgs) -> Result<()> {
    let bytes =
        std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let model: RtmModel = serde_json::from_slice(&bytes).map_err(|e| {
        crimescape::Error::format(&a.model, format!("not a crimescape model.json: {e}"))
    })?;
    let mapping = match &a.mapping {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            CptedMapping::parse(&text).with_context(|| format!("in {}", p.display()))?
        }
        None => CptedMapping::default_mapping(),
    };
    let (inc, rep) = load_incidents(&a.incidents, &a.load, g)?;
    let params = SiteParams::new().top(a.top).weights(SiteWeights {
        burden: a.w_burden,
        repeat: a.w_repeat,
        risk: a.w_risk,
        modifiable: a.w_modifiable,
    });
    let mut prov = Provenance::new(serde_json::json!({"model": a.model, "layers": a.layers,
        "mapping": a.mapping, "sites": params}));
    prov.crs = Some(inc.crs.clone());
    prov.input(
        &a.incidents,
        "incidents",
        rep.rows_read,
        rep.accepted,
        &rep.sha256,
    );
    let mut layers: Vec<Layer> = Vec::new();
    for spec in &a.layers {
        let s = parse_layer_spec(spec)?;
        let (mut l, lrep) =
            load_layer(&s.path, a.layer_crs.as_deref(), Some(&inc.crs.working), &[])?;
        l.name = s.name.clone();
        prov.input(
            &s.path,
            &format!("layer {}", s.name),
            lrep.features_read,
            lrep.accepted,
            &lrep.sha256,
        );
        layers.push(l);
    }
    let refs: Vec<&Layer> = layers.iter().collect();
    let sites = rank_cells(&inc.xy, &model, &refs, &mapping, &params)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write_sites(
        &a.out,
        &sites,
        &model,
        &inc.crs.working,
        a.top,
        &mut prov,
        g,
    )?;
    if !g.quiet {
        print!("{}", sites_table(&sites, a.top.min(20)));
    }
    Ok(())
}
