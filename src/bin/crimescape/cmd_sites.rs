//! `crimescape sites`: ranked cells, street segments or user sites for
//! environmental-design and target-hardening changes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{grid_map, MapOptions, Overlay};
use crimescape::risk::rtm::{apply_model, RtmModel};
use crimescape::risk::sites::{
    rank_sites, CptedMapping, Seriousness, Site, SiteParams, SiteRanking, SiteUnits, SiteWeights,
};
use crimescape::street::{build_segments, StreetSegment};
use crimescape::{Crs, Layer, Provenance};

use crate::cli::GlobalArgs;
use crate::cmd_risk::parse_layer_spec;
use crate::common::{load_incidents, load_layer, write_output, LoadArgs};

/// Kind of unit ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitsArg {
    /// Cells of the model's grid (inside its study area).
    Cells,
    /// Street segments of `--streets`.
    Segments,
    /// User sites of `--site-layer` (points with a radius, or polygons).
    Sites,
}

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
    /// Units to rank.
    #[arg(long, value_enum, default_value_t = UnitsArg::Cells)]
    pub units: UnitsArg,
    /// Street layer (lines) for `--units segments`.
    #[arg(long)]
    pub streets: Option<PathBuf>,
    /// Split the street lines into segments between intersections.
    #[arg(long)]
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    #[arg(long, default_value_t = 30.0)]
    pub tolerance: f64,
    /// Site layer (points or polygons) for `--units sites`; `id` or `name` property
    /// names a site, a numeric `radius` property overrides `--site-radius`.
    #[arg(long)]
    pub site_layer: Option<PathBuf>,
    /// Radius (m) of point sites (incidents at distance <= radius count).
    #[arg(long, default_value_t = 50.0)]
    pub site_radius: f64,
    /// Offence-seriousness table: CSV `category,weight` (with header) or TOML
    /// `category = weight` (by extension .toml); unknown categories weigh 1.
    #[arg(long)]
    pub seriousness: Option<PathBuf>,
    /// With --seriousness: categories missing from the table are an error.
    #[arg(long)]
    pub strict_seriousness: bool,
    /// Number of equal time periods for persistence.
    #[arg(long, default_value_t = 4)]
    pub periods: usize,
    /// Periods of this many days (from midnight of the first incident's day) instead of
    /// --periods equal periods.
    #[arg(long, conflicts_with = "periods")]
    pub period_days: Option<i64>,
    /// A unit is hot in a period when it is in this top share of units by count.
    #[arg(long, default_value_t = 0.05)]
    pub persistence_top: f64,
    /// Factor -> CPTED mapping (TOML) [default: the shipped mapping; see
    /// fixtures/cpted/default.toml].
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Number of top sites that get suggestions and appear in the GeoJSON/map.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Weight of the crime burden (seriousness-weighted counts).
    #[arg(long, default_value_t = 0.35)]
    pub w_burden: f64,
    /// Weight of the persistence over time periods.
    #[arg(long, default_value_t = 0.15)]
    pub w_persistence: f64,
    /// Weight of the repeat-victimisation share.
    #[arg(long, default_value_t = 0.10)]
    pub w_repeat: f64,
    /// Weight of the RTM risk.
    #[arg(long, default_value_t = 0.25)]
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

/// One line with the weights.
pub fn weights_line(w: &SiteWeights) -> String {
    format!(
        "weights: burden {} persistence {} repeat {} risk {} modifiable {}",
        w.burden, w.persistence, w.repeat, w.risk, w.modifiable
    )
}

/// Ranked table as text (top `n`).
pub fn sites_table(r: &SiteRanking, n: usize) -> String {
    let mut s = format!(
        "{} ranked of {} {}; {} of {} incidents in no unit; {}\n",
        r.sites.len(),
        r.n_units,
        r.units,
        r.unassigned,
        r.incidents,
        weights_line(&r.weights)
    );
    if !r.seriousness.unknown.is_empty() || r.seriousness.no_category > 0 {
        let list: Vec<String> = r
            .seriousness
            .unknown
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        s.push_str(&format!(
            "seriousness: incidents of categories not in the table ({}) and {} without a category weigh 1\n",
            if list.is_empty() { "none".to_string() } else { list.join(", ") },
            r.seriousness.no_category
        ));
    }
    for note in &r.notes {
        s.push_str(&format!("note: {note}\n"));
    }
    s.push_str(&format!(
        "{:>4} {:>9} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}  {}\n",
        "rank",
        "unit",
        "count",
        "burden",
        "persist",
        "repeat",
        "risk",
        "modif.",
        "score",
        "factors -> first suggestion"
    ));
    for x in r.sites.iter().take(n) {
        let sug = x
            .suggestions
            .iter()
            .find(|x| !x.needs_access_assessment)
            .map(|x| format!("{}: {}", x.principle, x.measure))
            .unwrap_or_default();
        let flagged = x
            .suggestions
            .iter()
            .filter(|x| x.needs_access_assessment)
            .count();
        let id: String = x.id.chars().take(9).collect();
        s.push_str(&format!(
            "{:>4} {:>9} {:>6} {:>7.1} {:>6.0}% {:>6.0}% {:>7.2} {:>6.0}% {:>6.3}  {} -> {}{}\n",
            x.rank,
            id,
            x.count,
            x.burden,
            100.0 * x.persistence,
            100.0 * x.repeat_share,
            x.risk,
            100.0 * x.modifiable_share,
            x.score,
            if x.factors.is_empty() {
                "-".to_string()
            } else {
                x.factors.join(", ")
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

/// Geometry of the ranked units (for GeoJSON and the map).
pub enum UnitGeometry<'a> {
    /// Grid cells.
    Cells,
    /// Street segments.
    Segments(&'a [StreetSegment]),
    /// User sites (point sites are drawn as points).
    Sites(&'a Layer),
}

impl UnitGeometry<'_> {
    fn of(&self, model: &RtmModel, s: &Site) -> geo::Geometry<f64> {
        match self {
            UnitGeometry::Cells => geo::Geometry::Polygon(model.grid.cell_polygon(s.unit)),
            UnitGeometry::Segments(segs) => {
                geo::Geometry::LineString(segs[s.unit].geometry.clone())
            }
            UnitGeometry::Sites(l) => l.geometries[s.unit].clone(),
        }
    }
}

fn suggestion_text(s: &Site) -> String {
    s.suggestions
        .iter()
        .map(|x| {
            format!(
                "{} | {} | {} | access {}{}",
                x.factor,
                x.principle,
                x.measure,
                format!("{:?}", x.access).to_lowercase(),
                if x.needs_access_assessment {
                    " | needs access assessment (UN 26(d))"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" ;; ")
}

/// Writes sites.csv / sites.json / sites.geojson / sites.png (+ provenance).
#[allow(clippy::too_many_arguments)]
pub fn write_sites(
    dir: &Path,
    r: &SiteRanking,
    geom: &UnitGeometry,
    model: &RtmModel,
    layers: &[&Layer],
    crs: &Crs,
    top: usize,
    prov: &mut Provenance,
    g: &GlobalArgs,
) -> Result<()> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "rank",
        "units",
        "unit",
        "id",
        "x",
        "y",
        "cells",
        "count",
        "burden",
        "persistence",
        "hot_periods",
        "hotspot_class",
        "repeat_share",
        "risk",
        "modifiable_share",
        "c_burden",
        "c_persistence",
        "c_repeat",
        "c_risk",
        "c_modifiable",
        "score",
        "factors",
        "suggestions",
        "night_share",
        "weekend_night_share",
        "peak_hour",
    ])?;
    let mut gj = FeatureCollectionWriter::new(crs)?;
    for s in &r.sites {
        let c = &s.components;
        csv.write_record([
            s.rank.to_string(),
            r.units.clone(),
            s.unit.to_string(),
            s.id.clone(),
            format!("{:.2}", s.centre[0]),
            format!("{:.2}", s.centre[1]),
            s.cells.to_string(),
            s.count.to_string(),
            format!("{:.4}", s.burden),
            format!("{:.4}", s.persistence),
            s.hot_periods.to_string(),
            s.hotspot_class.clone().unwrap_or_default(),
            format!("{:.4}", s.repeat_share),
            format!("{:.4}", s.risk),
            format!("{:.4}", s.modifiable_share),
            format!("{:.4}", c.burden),
            format!("{:.4}", c.persistence),
            format!("{:.4}", c.repeat),
            format!("{:.4}", c.risk),
            format!("{:.4}", c.modifiable),
            format!("{:.5}", s.score),
            s.factors.join(";"),
            suggestion_text(s),
            t_fmt(s.temporal.as_ref().and_then(|t| t.night_share)),
            t_fmt(s.temporal.as_ref().and_then(|t| t.weekend_night_share)),
            s.temporal
                .as_ref()
                .and_then(|t| t.peak_label.clone())
                .unwrap_or_default(),
        ])?;
        if s.rank <= top {
            let mut p = serde_json::to_value(s)?;
            if let Some(m) = p.as_object_mut() {
                m.remove("centre");
                m.insert("units".into(), r.units.clone().into());
                m.insert("weights".into(), serde_json::to_value(r.weights)?);
                gj.push(&geom.of(model, s), m.clone())?;
            }
        }
    }
    // The map: cells coloured by score; segments/sites over the RTM risk surface.
    let top_geoms: Vec<geo::Geometry<f64>> = r
        .sites
        .iter()
        .take(top)
        .map(|s| geom.of(model, s))
        .collect();
    let (values, legend, subtitle) = match geom {
        UnitGeometry::Cells => {
            let mut v = vec![f64::NAN; model.grid.len()];
            for s in &r.sites {
                v[s.unit] = s.score;
            }
            (
                v,
                "site score (0-1)".to_string(),
                format!("cells coloured by score; top {top} outlined"),
            )
        }
        _ => (
            apply_model(model, &model.grid, layers)?.risk,
            "RTM relative risk".to_string(),
            format!("top {top} {} drawn over the RTM risk surface", r.units),
        ),
    };
    let png = grid_map(
        &model.grid,
        &values,
        &MapOptions {
            title: vec![
                format!("Ranked sites ({})", r.units),
                subtitle,
                weights_line(&r.weights),
            ],
            legend,
            scale: crimescape::render::auto_scale(&values, false),
            overlays: vec![Overlay {
                geometries: top_geoms,
                colour: [220, 20, 60, 255],
                width: 3.0,
            }],
            ..Default::default()
        },
    )?;
    let mut summary = r.clone();
    summary.sites.truncate(top.max(1));
    let files: [(&str, Vec<u8>); 4] = [
        ("sites.csv", csv.into_inner()?),
        ("sites.json", serde_json::to_vec_pretty(&summary)?),
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

/// Reads a seriousness table (TOML by extension, else CSV).
pub fn read_seriousness(path: &Path, strict: bool) -> Result<Seriousness> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let s = if is_toml {
        Seriousness::parse_toml(&text)
    } else {
        Seriousness::parse_csv(&text)
    }
    .with_context(|| format!("in {}", path.display()))?;
    Ok(s.strict(strict))
}

/// Runs `crimescape sites`.
pub fn run(a: SitesArgs, g: &GlobalArgs) -> Result<()> {
    let bytes =
        std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let mf = crimescape::risk::read_model(&bytes, &a.model)?;
    let model: RtmModel = mf.model.clone();
    let mapping = match &a.mapping {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            CptedMapping::parse(&text).with_context(|| format!("in {}", p.display()))?
        }
        None => CptedMapping::default_mapping(),
    };
    let seriousness = match &a.seriousness {
        Some(p) => Some(read_seriousness(p, a.strict_seriousness)?),
        None => None,
    };
    let (inc, rep) = load_incidents(&a.incidents, &a.load, g)?;
    mf.check_crs(
        &inc.crs.working,
        &format!("model file {}", a.model.display()),
    )?;
    if let Some(b) = inc.bbox() {
        if let Some(w) = crimescape::risk::model_file::check_coverage(&model, b, "the model")? {
            eprintln!("  WARNING: {w}");
        }
    }
    let params = SiteParams::new()
        .top(a.top)
        .periods(a.periods)
        .period_days(a.period_days)
        .persistence_top(a.persistence_top)
        .weights(SiteWeights {
            burden: a.w_burden,
            persistence: a.w_persistence,
            repeat: a.w_repeat,
            risk: a.w_risk,
            modifiable: a.w_modifiable,
        });
    let mut prov = Provenance::new(serde_json::json!({"model": a.model, "layers": a.layers,
        "mapping": a.mapping, "units": format!("{:?}", a.units).to_lowercase(),
        "streets": a.streets, "split": a.split, "tolerance_m": a.tolerance,
        "site_layer": a.site_layer, "site_radius_m": a.site_radius,
        "seriousness": seriousness, "sites": params}));
    prov.crs = Some(inc.crs.clone());
    prov.input_load(&a.incidents, "incidents", &rep);
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
    let mut load_unit_layer = |p: &Option<PathBuf>, flag: &str, what: &str| -> Result<Layer> {
        let p = p
            .as_ref()
            .ok_or_else(|| crimescape::Error::Param(format!("--units {what} needs {flag} FILE")))?;
        let (l, lrep) = load_layer(p, a.layer_crs.as_deref(), Some(&inc.crs.working), &[])?;
        prov.input(p, what, lrep.features_read, lrep.accepted, &lrep.sha256);
        Ok(l)
    };
    let refs: Vec<&Layer> = layers.iter().collect();
    let (unit_layer, segments) = match a.units {
        UnitsArg::Cells => (None, None),
        UnitsArg::Segments => {
            let streets = load_unit_layer(&a.streets, "--streets", "segments")?;
            let set = build_segments(&streets, a.split)?;
            if set.segments.is_empty() {
                return Err(crimescape::Error::Data(format!(
                    "the street layer has no usable line (skipped {} non-line, {} degenerate features)",
                    set.skipped_non_line, set.skipped_degenerate
                ))
                .into());
            }
            (None, Some(set.segments))
        }
        UnitsArg::Sites => (
            Some(load_unit_layer(&a.site_layer, "--site-layer", "sites")?),
            None,
        ),
    };
    let (units, geom) = match (&unit_layer, &segments) {
        (Some(l), _) => (
            SiteUnits::Sites {
                layer: l,
                radius: a.site_radius,
            },
            UnitGeometry::Sites(l),
        ),
        (None, Some(s)) => (
            SiteUnits::Segments {
                segments: s,
                tolerance: a.tolerance,
            },
            UnitGeometry::Segments(s),
        ),
        (None, None) => (SiteUnits::Cells, UnitGeometry::Cells),
    };
    let mut ranking = rank_sites(
        &inc,
        &units,
        &model,
        &refs,
        &mapping,
        seriousness.as_ref(),
        &params,
    )?;
    crimescape::when::incidents::sign_sites(&mut ranking, &inc, a.load.time_zone()?.as_ref())?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write_sites(
        &a.out,
        &ranking,
        &geom,
        &model,
        &refs,
        &inc.crs.working,
        a.top,
        &mut prov,
        g,
    )?;
    if !g.quiet {
        print!("{}", sites_table(&ranking, a.top.min(20)));
    }
    Ok(())
}

/// The ranked-sites step of `crimescape demo`: cells (written to `sites/`, with
/// persistence over 4 periods) and a short street-segment ranking.
pub fn demo_sites(
    out: &Path,
    city: &crimescape::demo::DemoCity,
    model: &RtmModel,
    g: &GlobalArgs,
    prov: &mut Provenance,
) -> Result<()> {
    let sdir = out.join("sites");
    std::fs::create_dir_all(&sdir)?;
    let refs: Vec<&Layer> = city.layers.iter().collect();
    let mapping = CptedMapping::default_mapping();
    let sp = SiteParams::new().top(20);
    let cells = rank_sites(
        &city.incidents,
        &SiteUnits::Cells,
        model,
        &refs,
        &mapping,
        None,
        &sp,
    )?;
    let mut sprov = Provenance::new(serde_json::json!({"sites": sp, "units": "cells",
        "mapping": "default"}));
    sprov.crs = Some(city.incidents.crs.clone());
    write_sites(
        &sdir,
        &cells,
        &UnitGeometry::Cells,
        model,
        &refs,
        &city.incidents.crs.working,
        sp.top,
        &mut sprov,
        g,
    )?;
    prov.outputs.extend(sprov.outputs.iter().cloned());
    let set = build_segments(&city.streets, false)?;
    let segs = rank_sites(
        &city.incidents,
        &SiteUnits::Segments {
            segments: &set.segments,
            tolerance: 30.0,
        },
        model,
        &refs,
        &mapping,
        None,
        &sp,
    )?;
    if !g.quiet {
        println!("\n== ranked sites: cells (top 10) ==");
        print!("{}", sites_table(&cells, 10));
        println!("\n== ranked sites: street segments (top 5) ==");
        print!("{}", sites_table(&segs, 5));
    }
    Ok(())
}

fn t_fmt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.4}"))
}
