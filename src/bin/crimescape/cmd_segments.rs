//! `crimescape segments`: incidents per street segment (snapped within a
//! tolerance), rates per 100 m, top segments, and the law of crime concentration
//! for segments and grid cells (Lorenz curve, Gini).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use crimescape::concentration::{concentration, Concentration};
use crimescape::io::geojson::FeatureCollectionWriter;
use crimescape::render::{self, ColourScale, MapOptions, Overlay, PlotOptions, Series};
use crimescape::street::{self, SegmentCount, SegmentSet, Snapped};
use crimescape::{Grid, Incidents, Layer, Provenance};
use serde_json::{json, Value};

use crate::cli::GlobalArgs;
use crate::common::{load_incidents, load_layer, write_output, LoadArgs};

/// Colours and legend labels of the segment-map classes (share of the maximum count).
const CLASS_COLOURS: [([u8; 4], &str); 5] = [
    ([200, 200, 200, 255], "no incident"),
    ([253, 204, 138, 255], "< 10 % of max"),
    ([252, 141, 89, 255], "10-25 %"),
    ([227, 74, 51, 255], "25-50 %"),
    ([179, 0, 0, 255], ">= 50 %"),
];

/// Arguments of `crimescape segments`.
#[derive(Debug, Args)]
pub struct SegmentsArgs {
    /// Incident file.
    pub file: PathBuf,
    /// Street layer (lines).
    #[arg(long)]
    pub streets: PathBuf,
    /// CRS of the street file [default: its crs member or EPSG:4326].
    #[arg(long)]
    pub streets_crs: Option<String>,
    /// Split the lines into segments between intersections.
    #[arg(long)]
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    #[arg(long, default_value_t = 30.0)]
    pub tolerance: f64,
    /// Rows of the top-segments table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Cell size (m) for the grid-cell concentration [default: sfhotspot rule].
    #[arg(long)]
    pub cell: Option<f64>,
    /// Output folder.
    #[arg(long, short, default_value = "segments")]
    pub out: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Everything computed for the segments.
pub struct SegmentRun {
    pub set: SegmentSet,
    pub snapped: Snapped,
    pub counts: Vec<SegmentCount>,
    /// `None` when no incident was snapped.
    pub seg_conc: Option<Concentration>,
    pub grid: Grid,
    pub cell_conc: Concentration,
}

/// Segments, snapping, counts and concentration for `inc` on `streets`.
pub fn analyse_segments(
    inc: &Incidents,
    streets: &Layer,
    split: bool,
    tolerance: f64,
    cell: Option<f64>,
) -> Result<SegmentRun> {
    let set = street::build_segments(streets, split)?;
    if set.segments.is_empty() {
        return Err(crimescape::Error::Data(format!(
            "the street layer has no usable line (skipped {} non-line, {} degenerate features)",
            set.skipped_non_line, set.skipped_degenerate
        ))
        .into());
    }
    let snapped = street::snap_to_segments(&inc.xy, &set.segments, tolerance)?;
    let counts = street::segment_counts(&set.segments, &snapped);
    let c: Vec<f64> = counts.iter().map(|c| c.count as f64).collect();
    let seg_conc = if c.iter().any(|v| *v > 0.0) {
        Some(concentration(&c, &[0.25, 0.5])?)
    } else {
        None
    };
    let bbox = inc
        .bbox()
        .ok_or_else(|| crimescape::Error::Data("no incidents".into()))?;
    let cell = match cell {
        Some(c) => c,
        None => Grid::default_cell_size(bbox)?,
    };
    let grid = Grid::covering(bbox, cell)?;
    let cell_conc = concentration(&grid.counts(&inc.xy), &[0.25, 0.5])?;
    Ok(SegmentRun {
        set,
        snapped,
        counts,
        seg_conc,
        grid,
        cell_conc,
    })
}

fn conc_line(name: &str, c: &Concentration) -> String {
    format!(
        "{name}: {} units, {} with >= 1 incident, Gini {:.3} (non-empty {:.3}); 25 % of incidents in {} units = {:.1} % of all / {:.1} % of non-empty; 50 % in {} = {:.1} % / {:.1} %",
        c.n_units,
        c.n_nonzero,
        c.gini,
        c.gini_nonzero,
        c.shares[0].units,
        100.0 * c.shares[0].of_all_units,
        100.0 * c.shares[0].of_nonzero_units,
        c.shares[1].units,
        100.0 * c.shares[1].of_all_units,
        100.0 * c.shares[1].of_nonzero_units,
    )
}

/// Writes the segment outputs into `out`; returns the paths.
pub fn write_segment_outputs(
    inc: &Incidents,
    streets: &Layer,
    run: &SegmentRun,
    top: usize,
    out: &Path,
    g: &GlobalArgs,
    prov: &Provenance,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    // GeoJSON of every segment with the source attributes
    let mut fc = FeatureCollectionWriter::new(&inc.crs.working)?;
    for (s, c) in run.set.segments.iter().zip(&run.counts) {
        let mut m = streets.properties[s.source].clone();
        m.insert("segment".into(), c.segment.into());
        m.insert("source_feature".into(), s.source.into());
        m.insert("length_m".into(), json!(c.length_m));
        m.insert("count".into(), c.count.into());
        m.insert("rate_per_100m".into(), json!(c.rate_per_100m));
        fc.push(&geo::Geometry::LineString(s.geometry.clone()), m)?;
    }
    let p = out.join("segments.geojson");
    write_output(&p, &fc.finish(), g)?;
    written.push(p);
    let id_of = |src: usize| streets.property_str(src, "id").unwrap_or_default();
    let table = |rows: &[SegmentCount]| -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "segment",
            "source_feature",
            "source_id",
            "length_m",
            "count",
            "rate_per_100m",
        ])?;
        for c in rows {
            w.write_record([
                c.segment.to_string(),
                c.source.to_string(),
                id_of(c.source),
                format!("{:.2}", c.length_m),
                c.count.to_string(),
                c.rate_per_100m
                    .map(|r| format!("{r:.4}"))
                    .unwrap_or_default(),
            ])?;
        }
        Ok(w.into_inner()?)
    };
    let p = out.join("segments.csv");
    write_output(&p, &table(&run.counts)?, g)?;
    written.push(p);
    let top_rows = street::top_segments(&run.counts, top);
    let p = out.join("top_segments.csv");
    write_output(&p, &table(&top_rows)?, g)?;
    written.push(p);
    // concentration JSON
    let doc = json!({
        "segments": {
            "n_segments": run.set.segments.len(),
            "split_at_intersections": run.set.split,
            "skipped_non_line_features": run.set.skipped_non_line,
            "skipped_degenerate_lines": run.set.skipped_degenerate,
            "tolerance_m": run.snapped.tolerance,
            "incidents": inc.len(),
            "snapped": inc.len() - run.snapped.unsnapped,
            "unsnapped": run.snapped.unsnapped,
            "concentration": run.seg_conc,
        },
        "grid_cells": {
            "grid": run.grid,
            "concentration": run.cell_conc,
        },
        "definitions": {
            "units_for_share": "smallest k with (sum of the k largest counts) >= share * total; reported over all units and over units with >= 1 incident",
            "lorenz": "units sorted ascending; (i/n, cumulative share of incidents)",
            "gini": "2*sum(i*x_(i))/(n*total) - (n+1)/n with x ascending, i = 1..n (= 1 - 2 * trapezoidal area under the Lorenz curve)",
            "snapping": "nearest segment (Euclidean, lowest index on ties) if distance <= tolerance",
            "rate_per_100m": "count / length_m * 100",
        },
    });
    let p = out.join("concentration.json");
    write_output(&p, &serde_json::to_vec_pretty(&doc)?, g)?;
    written.push(p);
    // Lorenz curves
    let mut series: Vec<Series> = run
        .seg_conc
        .iter()
        .map(|c| Series {
            label: format!("segments G={:.3}", c.gini),
            points: c.lorenz.iter().map(|p| (p[0], p[1])).collect(),
            markers: false,
        })
        .collect();
    series.extend([
        Series {
            label: format!("cells G={:.3}", run.cell_conc.gini),
            points: run.cell_conc.lorenz.iter().map(|p| (p[0], p[1])).collect(),
            markers: false,
        },
        Series {
            label: "equality".into(),
            points: vec![(0.0, 0.0), (1.0, 1.0)],
            markers: false,
        },
    ]);
    let png = render::line_plot(
        &series,
        &PlotOptions {
            title: vec![
                "Lorenz curves: concentration of incidents".into(),
                format!(
                    "{} segments ({} with crime), {} cells of {} m",
                    run.set.segments.len(),
                    run.seg_conc.as_ref().map_or(0, |c| c.n_nonzero),
                    run.cell_conc.n_units,
                    run.grid.cell
                ),
            ],
            x_label: "cumulative share of units (least to most crime)".into(),
            y_label: "cumulative share of incidents".into(),
            x_range: Some((0.0, 1.0)),
            y_range: Some((0.0, 1.0)),
            ..Default::default()
        },
    )?;
    let p = out.join("lorenz.png");
    write_output(&p, &png, g)?;
    written.push(p);
    // map of segments by count class
    if let Some(bbox) = streets.bbox() {
        let grid = crate::cmd_clusters::map_grid(bbox)?;
        let max = run.counts.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
        let class_of = |count: usize| -> usize {
            let f = count as f64 / max;
            match count {
                0 => 0,
                _ if f < 0.1 => 1,
                _ if f < 0.25 => 2,
                _ if f < 0.5 => 3,
                _ => 4,
            }
        };
        let mut overlays = Vec::new();
        for (k, class) in CLASS_COLOURS.iter().enumerate().take(5) {
            let geoms: Vec<geo::Geometry<f64>> = run
                .set
                .segments
                .iter()
                .zip(&run.counts)
                .filter(|(_, c)| class_of(c.count) == k)
                .map(|(s, _)| geo::Geometry::LineString(s.geometry.clone()))
                .collect();
            let colour = class.0;
            overlays.push(Overlay {
                geometries: geoms,
                colour,
                width: 1.0 + k as f64,
            });
        }
        let opts = MapOptions {
            title: vec![
                "Incidents per street segment".into(),
                format!(
                    "colour = share of the maximum count ({max}); snapping tolerance {} m",
                    run.snapped.tolerance
                ),
            ],
            legend: "street segments".into(),
            scale: ColourScale::Categories(
                std::iter::once(([255, 255, 255, 255], String::new()))
                    .chain(CLASS_COLOURS.iter().map(|(c, l)| (*c, l.to_string())))
                    .collect(),
            ),
            overlays,
            size: 900,
        };
        let values = vec![0.0; grid.len()];
        let p = out.join("segments.png");
        write_output(&p, &render::grid_map(&grid, &values, &opts)?, g)?;
        written.push(p);
    }
    for p in &written {
        let mut pr = prov.clone();
        pr.outputs = written.iter().map(|p| p.display().to_string()).collect();
        pr.write_beside(p, g.force)?;
    }
    if !g.quiet {
        println!(
            "{} segments ({} non-line and {} degenerate features skipped); {} of {} incidents snapped within {} m, {} unsnapped",
            run.set.segments.len(),
            run.set.skipped_non_line,
            run.set.skipped_degenerate,
            inc.len() - run.snapped.unsnapped,
            inc.len(),
            run.snapped.tolerance,
            run.snapped.unsnapped
        );
        match &run.seg_conc {
            Some(c) => println!("{}", conc_line("segments", c)),
            None => println!("segments: no incident within the tolerance of a segment"),
        }
        println!("{}", conc_line("grid cells", &run.cell_conc));
        println!(
            "{:>8} {:>12} {:>9} {:>6} {:>9}",
            "segment", "source_id", "length_m", "count", "per_100m"
        );
        for c in top_rows.iter().take(10) {
            println!(
                "{:>8} {:>12} {:>9.1} {:>6} {:>9.2}",
                c.segment,
                id_of(c.source),
                c.length_m,
                c.count,
                c.rate_per_100m.unwrap_or(f64::NAN)
            );
        }
    }
    Ok(written)
}

pub fn run(a: SegmentsArgs, g: &GlobalArgs) -> Result<()> {
    let (inc, rep) = load_incidents(&a.file, &a.load, g)?;
    let (streets, lrep) = load_layer(
        &a.streets,
        a.streets_crs.as_deref(),
        Some(&inc.crs.working),
        &[],
    )?;
    let run = analyse_segments(&inc, &streets, a.split, a.tolerance, a.cell)?;
    let params: Value = json!({"split": a.split, "tolerance_m": a.tolerance, "cell_m": run.grid.cell, "streets": a.streets});
    let mut prov = Provenance::new(params);
    prov.input_load(&a.file, "incidents", &rep);
    prov.input(
        &a.streets,
        "streets",
        lrep.features_read,
        lrep.accepted,
        &lrep.sha256,
    );
    prov.crs = Some(inc.crs.clone());
    write_segment_outputs(&inc, &streets, &run, a.top, &a.out, g, &prov)?;
    Ok(())
}
