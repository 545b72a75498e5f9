//! `crimescape hotspots global` (Moran's I, Geary's C, General G) and `crimescape hotspots
//! incremental` (Moran's I over distance bands, peaks, and the Gi* band that ArcGIS's
//! Optimized Hot Spot Analysis would use), on grid cells of incidents or on the features
//! of a layer.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use crimescape::hotspot::{
    build_grid, build_hex, choose_gistar_band, choose_gistar_band_grid, geary_c, general_g,
    global_moran, grid_weights, incremental_autocorrelation, incremental_autocorrelation_grid,
    point_weights, CellGrid, Extent, GlobalParams, GlobalStatistic, GridParams, HexCells,
    IncrementalParams, IncrementalResult, Transform, Weights, WeightsSpec,
};
use crimescape::render::{self, PlotOptions, Series};
use crimescape::{Incidents, Provenance};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::common::{commit, load_incidents, load_layer, outputs, LoadArgs};

/// Area covered by the grid.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AreaArg {
    /// Every cell of the points' bounding box.
    Bbox,
    /// Cells intersecting the points' convex hull.
    Hull,
}

/// Neighbour definition.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum NbArg {
    /// The 8 surrounding cells (binary band of cell*sqrt(2)); grids only.
    Queen,
    /// Binary band of --radius metres.
    Band,
    /// The --k nearest units.
    Knn,
    /// Inverse distance within --radius.
    Idw,
}

/// Weights transformation.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TransformArg {
    /// Row-standardised (esda 'r', ArcGIS "row standardization").
    Row,
    /// Binary.
    Binary,
}

impl TransformArg {
    fn lib(self) -> Transform {
        match self {
            TransformArg::Row => Transform::Row,
            TransformArg::Binary => Transform::Binary,
        }
    }
}

/// The units of a global analysis: grid cells of incidents, or a layer's features.
#[derive(Debug, Args)]
pub struct UnitArgs {
    /// Incident file: incidents are counted per grid cell (or hexagon).
    #[arg(required_unless_present = "layer", conflicts_with = "layer")]
    pub incidents: Option<PathBuf>,
    /// A polygon/point/line layer whose numeric --value column is tested instead (units =
    /// features, neighbours between their representative points).
    #[arg(long, requires = "value")]
    pub layer: Option<PathBuf>,
    /// With --layer: the numeric column.
    #[arg(long)]
    pub value: Option<String>,
    /// With --layer: its CRS [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub layer_crs: Option<String>,
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Cell size in metres [default: sfhotspot rule, 1/50 of the shorter side rounded down to 100 m].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Area covered by the grid.
    #[arg(long, value_enum, default_value = "bbox")]
    pub extent: AreaArg,
    /// Boundary polygon file: only cells intersecting it are analysed (overrides --extent).
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// CRS of the boundary file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub boundary_crs: Option<String>,
    /// Hexagonal cells (flat-to-flat width = --cell).
    #[arg(long)]
    pub hex: bool,
    /// Numeric incident column to sum per cell (e.g. a harm score) instead of counting.
    #[arg(long)]
    pub weight: Option<String>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// `hotspots global`.
#[derive(Debug, Args)]
pub struct GlobalCmd {
    #[command(flatten)]
    pub units: UnitArgs,
    /// Neighbour definition [default: queen on grids, 8 nearest on a layer or hexagons: 6 adjacent].
    #[arg(long, value_enum)]
    pub neighbours: Option<NbArg>,
    /// Radius in metres for `band` / `idw`.
    #[arg(long)]
    pub radius: Option<f64>,
    /// Number of neighbours for `knn`.
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Distance exponent for `idw`.
    #[arg(long, default_value_t = 1.0)]
    pub power: f64,
    /// Weights transformation for Moran's I and Geary's C (General G is always binary).
    #[arg(long, value_enum, default_value = "row")]
    pub transform: TransformArg,
    /// Permutations (0 = analytical inference only).
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
}

/// `hotspots incremental`.
#[derive(Debug, Args)]
pub struct IncrementalCmd {
    #[command(flatten)]
    pub units: UnitArgs,
    /// First distance band in metres [default: the largest nearest-neighbour distance].
    #[arg(long)]
    pub start: Option<f64>,
    /// Step between bands in metres [default: the mean nearest-neighbour distance].
    #[arg(long)]
    pub increment: Option<f64>,
    /// Number of distance bands.
    #[arg(long, default_value_t = 10)]
    pub bands: usize,
    /// Weights transformation (ArcGIS's "row standardization" by default).
    #[arg(long, value_enum, default_value = "row")]
    pub transform: TransformArg,
}

enum Kind {
    Grid(CellGrid),
    Hex(HexCells),
    Layer(Vec<[f64; 2]>),
}

/// Loaded units and their values.
struct Units {
    kind: Kind,
    values: Vec<f64>,
    what: String,
    prov: Provenance,
}

impl Units {
    fn weights(&self, spec: &WeightsSpec) -> Result<Weights> {
        Ok(match &self.kind {
            Kind::Grid(cg) => grid_weights(cg, spec)?,
            Kind::Hex(h) => h.weights(spec)?,
            Kind::Layer(p) => point_weights(p, spec, None)?,
        })
    }
    fn cell(&self) -> Option<f64> {
        match &self.kind {
            Kind::Grid(cg) => Some(cg.grid.cell),
            Kind::Hex(h) => Some(h.grid.size),
            Kind::Layer(_) => None,
        }
    }
}

fn weight_column(inc: &Incidents, col: &str) -> Result<Vec<f64>> {
    let c = inc.attr(col).ok_or_else(|| {
        crimescape::Error::Param(format!(
            "--weight {col}: no such column; columns are: {}",
            inc.attr_names.join(", ")
        ))
    })?;
    (0..inc.len())
        .map(|i| {
            let s = c.get(i).trim();
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    crimescape::Error::Data(format!(
                        "--weight {col}: row {} has {s:?}, not a number",
                        inc.row[i]
                    ))
                    .into()
                })
        })
        .collect()
}

fn load_units(u: &UnitArgs, g: &GlobalArgs, params: serde_json::Value) -> Result<Units> {
    let mut prov = Provenance::new(params);
    if let Some(lp) = &u.layer {
        let (layer, lrep) = load_layer(lp, u.layer_crs.as_deref(), None, &[])?;
        prov.input(lp, "layer", lrep.features_read, lrep.accepted, &lrep.sha256);
        prov.crs = Some(layer.crs.clone());
        let col = u.value.clone().unwrap_or_default();
        let values: Vec<f64> = (0..layer.len())
            .map(|i| {
                layer
                    .property_str(i, &col)
                    .and_then(|v| v.trim().trim_matches('"').parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        crimescape::Error::Data(format!(
                            "{}: feature {i} has no numeric '{col}'",
                            lp.display()
                        ))
                    })
            })
            .collect::<crimescape::Result<_>>()?;
        let what = format!("{} features of {} ('{col}')", layer.len(), lp.display());
        return Ok(Units {
            kind: Kind::Layer(layer.representative_points()),
            values,
            what,
            prov,
        });
    }
    let path = u.incidents.as_ref().ok_or_else(|| {
        crimescape::Error::Param("give an incident file or --layer FILE --value COLUMN".into())
    })?;
    let (inc, rep) = load_incidents(path, &u.load, g)?;
    if inc.is_empty() {
        return Err(crimescape::Error::Data(format!(
            "{}: no incident left to analyse",
            path.display()
        ))
        .into());
    }
    prov.input_load(path, "incidents", &rep);
    prov.crs = Some(inc.crs.clone());
    let extent = match &u.boundary {
        Some(b) => {
            let (layer, lrep) =
                load_layer(b, u.boundary_crs.as_deref(), Some(&inc.crs.working), &[])?;
            prov.input(
                b,
                "boundary",
                lrep.features_read,
                lrep.accepted,
                &lrep.sha256,
            );
            let polys = crimescape::StudyArea::polygons_of(&layer.geometries);
            if polys.is_empty() {
                return Err(crimescape::Error::Data(format!(
                    "{}: no polygon in the boundary file",
                    b.display()
                ))
                .into());
            }
            Extent::Boundary(geo::MultiPolygon::new(polys))
        }
        None => match u.extent {
            AreaArg::Bbox => Extent::BoundingBox,
            AreaArg::Hull => Extent::ConvexHull,
        },
    };
    let mut gp = GridParams::new().extent(extent);
    gp.cell = u.cell;
    let weights = u
        .weight
        .as_deref()
        .map(|c| weight_column(&inc, c))
        .transpose()?;
    let label = match &u.weight {
        Some(w) => format!("sum of {w}"),
        None => "incidents".into(),
    };
    if u.hex {
        let h = build_hex(&inc.xy, &gp)?;
        let (values, outside) = h.counts(&inc.xy, weights.as_deref())?;
        let what = format!(
            "{} hexagons of {} m ({}), {label} per hexagon, {} incidents ({outside} outside)",
            h.len(),
            h.grid.size,
            h.extent_rule,
            inc.len()
        );
        return Ok(Units {
            kind: Kind::Hex(h),
            values,
            what,
            prov,
        });
    }
    let cg = build_grid(&inc.xy, &gp)?;
    let (values, outside) = cg.counts(&inc.xy, weights.as_deref())?;
    let what = format!(
        "{} cells of {} m ({}; {}), {label} per cell, {} incidents ({outside} outside the cells)",
        cg.len(),
        cg.grid.cell,
        cg.extent_rule,
        cg.cell_size_rule,
        inc.len()
    );
    Ok(Units {
        kind: Kind::Grid(cg),
        values,
        what,
        prov,
    })
}

fn spec_of(c: &GlobalCmd, u: &Units) -> Result<WeightsSpec> {
    let nb = c.neighbours.unwrap_or(match u.kind {
        Kind::Layer(_) => NbArg::Knn,
        _ => NbArg::Queen,
    });
    let need_radius = || {
        c.radius.ok_or_else(|| {
            anyhow::Error::from(crimescape::Error::Param(format!(
                "--neighbours {} needs --radius",
                if nb == NbArg::Band { "band" } else { "idw" }
            )))
        })
    };
    Ok(match nb {
        NbArg::Queen => {
            if let Kind::Layer(_) = u.kind {
                return Err(crimescape::Error::Param(
                    "--neighbours queen is for grids; use knn, band or idw for a layer".into(),
                )
                .into());
            }
            WeightsSpec::DistanceBand { radius: None }
        }
        NbArg::Band => WeightsSpec::DistanceBand {
            radius: Some(need_radius()?),
        },
        NbArg::Knn => WeightsSpec::Knn { k: c.k },
        NbArg::Idw => WeightsSpec::InverseDistance {
            radius: Some(need_radius()?),
            power: c.power,
            scale: None,
        },
    })
}

/// Writes bytes and their provenance.
/// Writes the files as one output set in `dir`, each with the provenance record.
fn write_all(dir: &Path, files: &[(&str, &[u8])], prov: &Provenance, g: &GlobalArgs) -> Result<()> {
    let mut out = outputs(dir, files.iter().map(|(n, _)| *n), g)?;
    out.provenance(prov.clone());
    for (n, b) in files {
        out.bytes(n, b)?;
    }
    commit(out, g)?;
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// `crimescape hotspots global`.
pub fn run_global(c: GlobalCmd, g: &GlobalArgs) -> Result<()> {
    let params = GlobalParams::new()
        .permutations(c.permutations)
        .seed(c.seed)
        .transform(c.transform.lib());
    let mut u = load_units(
        &c.units,
        g,
        json!({"analysis": "global", "global": params, "neighbours": c.neighbours.map(|n| format!("{n:?}").to_lowercase()), "radius": c.radius, "k": c.k, "power": c.power, "cell_m": c.units.cell}),
    )?;
    u.prov.seed = Some(c.seed);
    let spec = spec_of(&c, &u)?;
    let w = u.weights(&spec)?;
    let wdesc = match (&u.kind, spec) {
        (Kind::Hex(h), WeightsSpec::DistanceBand { radius: None }) => format!(
            "binary distance band d <= {} m (the 6 adjacent hexagons)",
            h.grid.size
        ),
        _ => spec.describe(u.cell()),
    };
    let mut results: Vec<GlobalStatistic> = vec![
        global_moran(&u.values, &w, &params)?,
        geary_c(&u.values, &w, &params)?,
    ];
    let mut notes = Vec::new();
    match general_g(&u.values, &w, &params) {
        Ok(r) => results.push(r),
        Err(e) => notes.push(format!("General G not computed: {e}")),
    }
    let dir = &c.units.out;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "statistic",
        "value",
        "expected",
        "z_norm",
        "p_norm",
        "z_rand",
        "p_rand",
        "p_sim",
        "z_sim",
        "permutations",
        "transform",
    ])?;
    for r in &results {
        let p = r.permutation.as_ref();
        csv.write_record([
            r.statistic.clone(),
            format!("{}", r.value),
            format!("{}", r.expected),
            opt(r.z_norm),
            opt(r.p_norm),
            format!("{}", r.z_rand),
            format!("{}", r.p_rand),
            opt(p.map(|q| q.p_sim)),
            opt(p.map(|q| q.z_sim)),
            p.map_or(0, |q| q.permutations).to_string(),
            format!("{:?}", r.transform).to_lowercase(),
        ])?;
    }
    let csv_p = dir.join("global.csv");
    let json_p = dir.join("global.json");
    u.prov.outputs = vec![csv_p.display().to_string(), json_p.display().to_string()];
    let sentences: Vec<String> = results.iter().map(|r| r.sentence()).collect();
    let summary = json!({
        "analysis": "global",
        "units": u.what,
        "weights": wdesc,
        "conventions": "two-sided analytical p for all three statistics (esda: Geary and G one-sided); permutation p = (min(#sim>=obs, #sim<=obs)+1)/(P+1); General G on binary weights",
        "results": results,
        "summary": sentences,
        "notes": notes,
        "provenance": u.prov,
    });
    write_all(
        dir,
        &[
            ("global.csv", &csv.into_inner()?),
            ("global.json", &serde_json::to_vec_pretty(&summary)?),
        ],
        &u.prov,
        g,
    )?;
    if !g.quiet {
        println!("{}; {wdesc}", u.what);
        for s in &sentences {
            println!("{s}");
        }
        for n in &notes {
            println!("note: {n}");
        }
    }
    Ok(())
}

fn incremental_table(r: &IncrementalResult) -> String {
    let mut s = format!(
        "{:>12} {:>10} {:>10} {:>9} {:>10} {:>10}\n",
        "distance_m", "moran_i", "expected", "z", "p", "neighbours"
    );
    for (k, b) in r.bands.iter().enumerate() {
        let mark = if Some(k) == r.first_significant_peak {
            "  <- first significant peak"
        } else if r.peaks.contains(&k) {
            "  <- peak"
        } else {
            ""
        };
        s.push_str(&format!(
            "{:>12.1} {:>10.5} {:>10.5} {:>9.2} {:>10.2e} {:>10.1}{mark}\n",
            b.distance, b.moran_i, b.expected, b.z, b.p, b.mean_neighbours
        ));
    }
    s
}

/// `crimescape hotspots incremental`.
pub fn run_incremental(c: IncrementalCmd, g: &GlobalArgs) -> Result<()> {
    let mut params = IncrementalParams::new()
        .bands(c.bands)
        .transform(c.transform.lib());
    params.start = c.start;
    params.increment = c.increment;
    let mut u = load_units(
        &c.units,
        g,
        json!({"analysis": "incremental", "incremental": params, "cell_m": c.units.cell}),
    )?;
    let (r, band) = match &u.kind {
        Kind::Grid(cg) => (
            incremental_autocorrelation_grid(cg, &u.values, &params)?,
            choose_gistar_band_grid(cg, &u.values)?,
        ),
        Kind::Hex(h) => {
            let pts = h.centres();
            (
                incremental_autocorrelation(&pts, &u.values, &params)?,
                choose_gistar_band(&pts, &u.values)?,
            )
        }
        Kind::Layer(pts) => (
            incremental_autocorrelation(pts, &u.values, &params)?,
            choose_gistar_band(pts, &u.values)?,
        ),
    };
    let dir = &c.units.out;
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "distance_m",
        "moran_i",
        "expected",
        "variance",
        "z",
        "p",
        "mean_neighbours",
        "isolates",
        "peak",
    ])?;
    for (k, b) in r.bands.iter().enumerate() {
        csv.write_record([
            format!("{}", b.distance),
            format!("{}", b.moran_i),
            format!("{}", b.expected),
            format!("{}", b.variance),
            format!("{}", b.z),
            format!("{}", b.p),
            format!("{}", b.mean_neighbours),
            b.isolates.to_string(),
            if Some(k) == r.first_significant_peak {
                "first_significant".into()
            } else if r.peaks.contains(&k) {
                "peak".into()
            } else {
                String::new()
            },
        ])?;
    }
    let mut vlines: Vec<(f64, String)> = r
        .peaks
        .iter()
        .map(|&k| (r.bands[k].distance, "peak".to_string()))
        .collect();
    vlines.push((band.distance, "Gi* band".into()));
    let png = render::line_plot(
        &[Series {
            label: "Moran's I z".into(),
            points: r.bands.iter().map(|b| (b.distance, b.z)).collect(),
            markers: true,
        }],
        &PlotOptions {
            title: vec![
                "Spatial autocorrelation by distance (global Moran's I)".into(),
                u.what.clone(),
            ],
            x_label: "distance band (m)".into(),
            y_label: "z (randomisation)".into(),
            vlines,
            ..Default::default()
        },
    )?;
    let paths: Vec<PathBuf> = ["incremental.csv", "incremental.json", "incremental.png"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    u.prov.outputs = paths.iter().map(|p| p.display().to_string()).collect();
    let summary = json!({
        "analysis": "incremental",
        "units": u.what,
        "result": r,
        "gistar_band": band,
        "provenance": u.prov,
    });
    write_all(
        dir,
        &[
            ("incremental.csv", &csv.into_inner()?),
            ("incremental.json", &serde_json::to_vec_pretty(&summary)?),
            ("incremental.png", &png),
        ],
        &u.prov,
        g,
    )?;
    if !g.quiet {
        println!("{}", u.what);
        println!(
            "bands from {:.1} m ({}) in steps of {:.1} m ({})",
            r.start, r.start_rule, r.increment, r.increment_rule
        );
        print!("{}", incremental_table(&r));
        match (r.first_peak, r.max_peak) {
            (Some(f), Some(m)) => println!(
                "first peak {:.1} m (z = {:.2}); maximum peak {:.1} m (z = {:.2})",
                r.bands[f].distance, r.bands[f].z, r.bands[m].distance, r.bands[m].z
            ),
            _ => println!("no peak: z does not rise and fall within these bands"),
        }
        println!(
            "Gi* {} (Optimized Hot Spot Analysis rule)",
            band.explanation
        );
    }
    Ok(())
}
