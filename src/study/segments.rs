//! Incidents per street segment and the law of crime concentration: `segments.geojson`,
//! `segments.csv`, `top_segments.csv`, `concentration.json`, `lorenz.png`,
//! `segments.png`.

use serde::Serialize;
use serde_json::json;

use super::{IncidentInput, StudyLayer};
use crate::concentration::{concentration, Concentration};
use crate::error::{Error, Result};
use crate::export::{
    features, json_properties, table, Cell, Column, Export, Figure, Outputs, Provenance, Table,
};
use crate::grid::Grid;
use crate::render::{ColourScale, MapOptions, Overlay, PlotOptions, Series};
use crate::street::{self, SegmentCount, SegmentSet, Snapped};

/// Colours and legend labels of the segment-map classes (share of the maximum count).
const CLASS_COLOURS: [([u8; 4], &str); 5] = [
    ([200, 200, 200, 255], "no incident"),
    ([253, 204, 138, 255], "< 10 % of max"),
    ([252, 141, 89, 255], "10-25 %"),
    ([227, 74, 51, 255], "25-50 %"),
    ([179, 0, 0, 255], ">= 50 %"),
];

/// Settings of [`segments`].
#[derive(Debug, Clone, Serialize)]
pub struct SegmentStudyParams {
    /// Split the lines into segments between intersections.
    pub split: bool,
    /// Snap incidents within this distance of a segment (m, inclusive).
    pub tolerance: f64,
    /// Cell size (m) of the grid-cell concentration [default: sfhotspot rule].
    pub cell: Option<f64>,
    /// Rows of the top-segments table.
    pub top: usize,
}

impl Default for SegmentStudyParams {
    fn default() -> Self {
        SegmentStudyParams {
            split: false,
            tolerance: 30.0,
            cell: None,
            top: 20,
        }
    }
}

/// Segments, snapped incidents, counts and concentration.
#[derive(Debug, Clone)]
pub struct SegmentStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// The street layer.
    pub streets: &'a StudyLayer,
    /// Settings.
    pub params: SegmentStudyParams,
    /// The segments.
    pub set: SegmentSet,
    /// Snapping of each incident.
    pub snapped: Snapped,
    /// Count per segment.
    pub counts: Vec<SegmentCount>,
    /// Concentration over segments (`None` when no incident was snapped).
    pub seg_conc: Option<Concentration>,
    /// The grid of the cell concentration.
    pub grid: Grid,
    /// Concentration over grid cells.
    pub cell_conc: Concentration,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// The street segments of a street layer ([`street::build_segments`]).
///
/// # Errors
/// As [`street::build_segments`]; [`Error::EmptyInput`] when no feature is a usable line.
pub fn street_segments(streets: &StudyLayer, split: bool) -> Result<SegmentSet> {
    let set = street::build_segments(&streets.layer, split)?;
    if set.segments.is_empty() {
        return Err(Error::EmptyInput {
            input: streets.label(),
            reason: format!(
                "the street layer has no usable line (skipped {} non-line, {} degenerate features)",
                set.skipped_non_line, set.skipped_degenerate
            ),
        });
    }
    Ok(set)
}

/// Builds the segments, snaps the incidents, counts them and measures the
/// concentration over segments and over grid cells.
pub fn segments<'a>(
    input: &'a IncidentInput,
    streets: &'a StudyLayer,
    p: &SegmentStudyParams,
) -> Result<SegmentStudy<'a>> {
    let inc = &input.incidents;
    let set = street_segments(streets, p.split)?;
    let snapped = street::snap_to_segments(&inc.xy, &set.segments, p.tolerance)?;
    let counts = street::segment_counts(&set.segments, &snapped);
    let c: Vec<f64> = counts.iter().map(|c| c.count as f64).collect();
    let seg_conc = if c.iter().any(|v| *v > 0.0) {
        Some(concentration(&c, &[0.25, 0.5])?)
    } else {
        None
    };
    let bbox = inc.bbox().ok_or_else(|| Error::EmptyInput {
        input: "incidents".into(),
        reason: "no incident to count".into(),
    })?;
    let cell = match p.cell {
        Some(c) => c,
        None => Grid::default_cell_size(bbox)?,
    };
    let grid = Grid::covering(bbox, cell)?;
    let cell_conc = concentration(&grid.counts(&inc.xy), &[0.25, 0.5])?;
    let provenance = Provenance::new(json!({"split": p.split, "tolerance_m": p.tolerance, "cell_m": grid.cell, "streets": streets.source.as_ref().map(|s| &s.path)}))
        .with_inputs(input.inputs())
        .with_inputs(streets.source.iter().cloned().map(|mut s| {
            s.role = "streets".into();
            s
        }))
        .with_crs(&inc.crs);
    Ok(SegmentStudy {
        input,
        streets,
        params: p.clone(),
        set,
        snapped,
        counts,
        seg_conc,
        grid,
        cell_conc,
        provenance,
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

impl SegmentStudy<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "segments.geojson",
            "segments.csv",
            "top_segments.csv",
            "concentration.json",
            "lorenz.png",
            "segments.png",
            "segments.qml",
        ]
        .map(String::from)
        .to_vec()
    }

    fn id_of(&self, src: usize) -> String {
        self.streets
            .layer
            .property_str(src, "id")
            .unwrap_or_default()
    }

    /// The top segments by count.
    pub fn top_segments(&self) -> Vec<SegmentCount> {
        street::top_segments(&self.counts, self.params.top)
    }

    /// The segment table; for the public audience (`public`) without the rate, from
    /// which a suppressed count could be recomputed (count = rate × length / 100).
    fn table<'t>(&'t self, rows: &'t [SegmentCount], public: bool) -> impl Table + 't {
        table(
            vec![
                Column::int("segment"),
                Column::int("source_feature"),
                Column::text("source_id"),
                Column::float("length_m"),
                Column::int("count"),
                Column::float("rate_per_100m"),
            ],
            move |sink| {
                for c in rows {
                    sink.row(&[
                        Cell::count(c.segment),
                        Cell::count(c.source),
                        Cell::String(self.id_of(c.source)),
                        Cell::Fixed(c.length_m, 2),
                        Cell::count(c.count),
                        match c.rate_per_100m {
                            Some(r) if !public => Cell::Fixed(r, 4),
                            _ => Cell::Null,
                        },
                    ])?;
                }
                Ok(())
            },
        )
    }

    /// The result for the terminal: snapping, concentration, the ten top segments.
    pub fn summary_text(&self) -> String {
        let n = self.input.incidents.len();
        let mut s = format!(
            "{} segments ({} non-line and {} degenerate features skipped); {} of {} incidents snapped within {} m, {} unsnapped\n",
            self.set.segments.len(),
            self.set.skipped_non_line,
            self.set.skipped_degenerate,
            n - self.snapped.unsnapped,
            n,
            self.snapped.tolerance,
            self.snapped.unsnapped
        );
        match &self.seg_conc {
            Some(c) => s.push_str(&format!("{}\n", conc_line("segments", c))),
            None => s.push_str("segments: no incident within the tolerance of a segment\n"),
        }
        s.push_str(&format!("{}\n", conc_line("grid cells", &self.cell_conc)));
        s.push_str(&format!(
            "{:>8} {:>12} {:>9} {:>6} {:>9}\n",
            "segment", "source_id", "length_m", "count", "per_100m"
        ));
        for c in self.top_segments().iter().take(10) {
            s.push_str(&format!(
                "{:>8} {:>12} {:>9.1} {:>6} {:>9.2}\n",
                c.segment,
                self.id_of(c.source),
                c.length_m,
                c.count,
                c.rate_per_100m.unwrap_or(f64::NAN)
            ));
        }
        s
    }
}

impl Export for SegmentStudy<'_> {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let inc = &self.input.incidents;
        let streets = &self.streets.layer;
        // public audience without addresses: points go to segment midpoints
        out.anchor_to_streets(streets);
        out.provenance(self.provenance.clone());
        let public = out.is_public();
        if public {
            out.note_withheld(
                "rate_per_100m of the segment tables and layer (count = rate × length / 100)",
            );
        }
        // every segment with the source attributes
        let f = features(&inc.crs.working, |sink| {
            for (s, c) in self.set.segments.iter().zip(&self.counts) {
                let mut m = json_properties(&streets.properties[s.source]);
                m.extend([
                    ("segment", Cell::count(c.segment)),
                    ("source_feature", Cell::count(s.source)),
                    ("length_m", Cell::Float(c.length_m)),
                    ("count", Cell::count(c.count)),
                    (
                        "rate_per_100m",
                        Cell::some(c.rate_per_100m.filter(|_| !public)),
                    ),
                ]);
                sink.feature(&geo::Geometry::LineString(s.geometry.clone()), &m)?;
            }
            Ok(())
        });
        out.features("segments.geojson", &f)?;
        out.table("segments.csv", &self.table(&self.counts, public))?;
        let top = self.top_segments();
        out.table("top_segments.csv", &self.table(&top, public))?;
        let doc = json!({
            "segments": {
                "n_segments": self.set.segments.len(),
                "split_at_intersections": self.set.split,
                "skipped_non_line_features": self.set.skipped_non_line,
                "skipped_degenerate_lines": self.set.skipped_degenerate,
                "tolerance_m": self.snapped.tolerance,
                "incidents": inc.len(),
                "snapped": inc.len() - self.snapped.unsnapped,
                "unsnapped": self.snapped.unsnapped,
                "concentration": self.seg_conc,
            },
            "grid_cells": {
                "grid": self.grid,
                "concentration": self.cell_conc,
            },
            "definitions": {
                "units_for_share": "smallest k with (sum of the k largest counts) >= share * total; reported over all units and over units with >= 1 incident",
                "lorenz": "units sorted ascending; (i/n, cumulative share of incidents)",
                "gini": "2*sum(i*x_(i))/(n*total) - (n+1)/n with x ascending, i = 1..n (= 1 - 2 * trapezoidal area under the Lorenz curve)",
                "snapping": "nearest segment (Euclidean, lowest index on ties) if distance <= tolerance",
                "rate_per_100m": "count / length_m * 100",
            },
        });
        out.json("concentration.json", &doc)?;
        // Lorenz curves
        let mut series: Vec<Series> = self
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
                label: format!("cells G={:.3}", self.cell_conc.gini),
                points: self.cell_conc.lorenz.iter().map(|p| (p[0], p[1])).collect(),
                markers: false,
            },
            Series {
                label: "equality".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                markers: false,
            },
        ]);
        let options = PlotOptions {
            title: vec![
                "Lorenz curves: concentration of incidents".into(),
                format!(
                    "{} segments ({} with crime), {} cells of {} m",
                    self.set.segments.len(),
                    self.seg_conc.as_ref().map_or(0, |c| c.n_nonzero),
                    self.cell_conc.n_units,
                    self.grid.cell
                ),
            ],
            x_label: "cumulative share of units (least to most crime)".into(),
            y_label: "cumulative share of incidents".into(),
            x_range: Some((0.0, 1.0)),
            y_range: Some((0.0, 1.0)),
            ..Default::default()
        };
        out.figure("lorenz.png", &Figure::line_plot(series, options))?;
        // map of segments by count class
        if let Some(bbox) = streets.bbox() {
            let grid = super::background_grid(bbox)?;
            let max = self
                .counts
                .iter()
                .map(|c| c.count)
                .max()
                .unwrap_or(0)
                .max(1) as f64;
            // public audience: a segment of fewer than k incidents (and, as on count
            // maps, those of the smallest count >= k: the complementary cells) is
            // drawn in the lowest class, labelled "<k", never in a class of its own
            let k = out.public_min_count().map_or(0, |k| k as usize);
            // public: the largest count shown (title, classes, .qml) rounded up to a multiple of k, never a count below k
            let max = if k > 0 {
                (max / k as f64).ceil().max(1.0) * k as f64
            } else {
                max
            };
            let any_small = self.counts.iter().any(|c| c.count > 0 && c.count < k);
            let comp = self
                .counts
                .iter()
                .map(|c| c.count)
                .filter(|&n| n >= k)
                .min()
                .filter(|_| any_small);
            let class_of = |count: usize| -> usize {
                let f = count as f64 / max;
                match count {
                    0 => 0,
                    _ if count < k || Some(count) == comp => 1,
                    _ if f < 0.1 => 1,
                    _ if f < 0.25 => 2,
                    _ if f < 0.5 => 3,
                    _ => 4,
                }
            };
            let overlays = CLASS_COLOURS
                .iter()
                .enumerate()
                .map(|(k, class)| Overlay {
                    geometries: self
                        .set
                        .segments
                        .iter()
                        .zip(&self.counts)
                        .filter(|(_, c)| class_of(c.count) == k)
                        .map(|(s, _)| geo::Geometry::LineString(s.geometry.clone()))
                        .collect(),
                    colour: class.0,
                    width: 1.0 + k as f64,
                })
                .collect();
            let options = MapOptions {
                title: vec![
                    "Incidents per street segment".into(),
                    format!("colour = share of the maximum count ({max})"),
                    format!(
                        "incidents snapped to the nearest segment within {} m",
                        self.snapped.tolerance
                    ),
                ],
                legend: "street segments".into(),
                scale: ColourScale::Categories(
                    std::iter::once(([255, 255, 255, 255], String::new()))
                        .chain(CLASS_COLOURS.iter().enumerate().map(|(i, (c, l))| {
                            if i == 1 && k > 0 {
                                (*c, format!("<{k} or {l}"))
                            } else {
                                (*c, l.to_string())
                            }
                        }))
                        .collect(),
                ),
                overlays,
                size: 900,
            };
            let values = vec![0.0; grid.len()];
            let fig = Figure::grid_map(grid, values, options);
            out.figure("segments.png", &fig)?;
            // QGIS style: the legend's count classes (category k + 1 of the scale)
            let class = format!(
                "CASE WHEN \"count\" = 0 THEN 1 WHEN \"count\" / {max} < 0.1 THEN 2 WHEN \"count\" / {max} < 0.25 THEN 3 WHEN \"count\" / {max} < 0.5 THEN 4 ELSE 5 END"
            );
            out.qml(
                "segments.geojson",
                &fig,
                &crate::export::qml::ClassedField {
                    attribute: class,
                    expression: true,
                    values: None,
                },
                crate::export::qml::SymbolKind::Line,
            )?;
        }
        Ok(())
    }
}
