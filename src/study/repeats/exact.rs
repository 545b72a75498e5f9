//! The exact repeat study: places victimised more than once, their time gaps and the
//! aggregated repeat cells.

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::Result;
use crate::export::{features, table, Cell, Column, Export, Figure, Outputs, Provenance};
use crate::render::PlotOptions;
use crate::repeat::exact::{self, ExactRepeatParams, ExactRepeats};
use crate::study::IncidentInput;

/// Settings of [`exact_repeats`].
#[derive(Debug, Clone, Serialize)]
pub struct RepeatStudyParams {
    /// Places, tolerance, aggregation cell, suppression.
    pub repeats: ExactRepeatParams,
    /// Also write the `top` exact repeat locations (identifies households: internal
    /// use only).
    pub exact_locations: bool,
    /// Locations written with `exact_locations`.
    pub top: usize,
}

/// Exact repeats: `repeats.json`, `repeat_counts.csv`, `time_between.csv`,
/// `time_between.png`, `repeat_cells.geojson` (cells with at least `min_count` repeat
/// locations) and, on request, `repeat_locations.geojson`.
#[derive(Debug, Clone)]
pub struct RepeatStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Settings.
    pub params: RepeatStudyParams,
    /// The repeats.
    pub result: ExactRepeats,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Finds incidents at the same place.
pub fn exact_repeats<'a>(
    input: &'a IncidentInput,
    p: &RepeatStudyParams,
) -> Result<RepeatStudy<'a>> {
    let result = exact::exact_repeats(&input.incidents, &p.repeats)?;
    let provenance = Provenance::of(&p.repeats)
        .with_inputs(input.inputs())
        .with_crs(&input.incidents.crs);
    Ok(RepeatStudy {
        input,
        params: p.clone(),
        result,
        provenance,
    })
}

impl RepeatStudy<'_> {
    /// The files written.
    pub fn files(p: &RepeatStudyParams) -> Vec<String> {
        let mut v: Vec<String> = [
            "repeats.json",
            "repeat_counts.csv",
            "time_between.csv",
            "time_between.png",
            "repeat_cells.geojson",
        ]
        .map(String::from)
        .to_vec();
        if p.exact_locations {
            v.push("repeat_locations.geojson".into());
        }
        v
    }

    /// A note when the exact locations are withheld.
    pub fn note(&self) -> Option<String> {
        let p = &self.params.repeats;
        (!self.params.exact_locations).then(|| {
            let (_, suppressed) = self.result.cells(p.min_count);
            format!(
                "  exact repeat locations not written (aggregated to {} m cells, {} cell(s) with < {} locations suppressed); write them (`exact_locations`) for internal use only",
                p.cell, suppressed, p.min_count
            )
        })
    }
}

impl Export for RepeatStudy<'_> {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params.repeats);
        let inc = &self.input.incidents;
        out.provenance(self.provenance.clone());
        let (cells, suppressed) = r.cells(p.min_count);
        // summary JSON: never the locations themselves
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        // public: places of fewer than k incidents form one row "<k" (one row per small count would give each one)
        let kp = out.public_min_count().map_or(0, |k| k as usize);
        let small: usize = r
            .count_distribution
            .iter()
            .filter(|d| d.0 < kp)
            .map(|d| d.1)
            .sum();
        let dist: Vec<(Cell<'static>, usize)> = (small > 0)
            .then(|| (Cell::String(format!("<{kp}")), small))
            .into_iter()
            .chain(
                r.count_distribution
                    .iter()
                    .filter(|d| d.0 >= kp)
                    .map(|d| (Cell::count(d.0), d.1)),
            )
            .collect();
        if let (Value::Object(m), true) = (&mut v, kp > 0) {
            let d: Vec<Value> = (small > 0)
                .then(|| json!([format!("<{kp}"), small]))
                .into_iter()
                .chain(
                    r.count_distribution
                        .iter()
                        .filter(|d| d.0 >= kp)
                        .map(|d| json!([d.0, d.1])),
                )
                .collect();
            m.insert("count_distribution".into(), Value::Array(d));
        }
        if let Value::Object(m) = &mut v {
            m.remove("locations");
            m.insert("cells_written".into(), cells.len().into());
            m.insert("cells_suppressed".into(), suppressed.into());
            m.insert("min_count".into(), p.min_count.into());
        }
        out.json("repeats.json", &v)?;
        let t = table(
            vec![Column::int("incidents_at_place"), Column::int("places")],
            |sink| {
                for (k, c) in &dist {
                    sink.row(&[k.clone(), Cell::count(*c)])?;
                }
                Ok(())
            },
        );
        out.table("repeat_counts.csv", &t)?;
        let hist = r.gap_histogram(7.0, 182.0);
        let t = table(
            vec![Column::text("from_days"), Column::float("repeats")],
            |sink| {
                for (l, c) in &hist {
                    sink.row(&[Cell::Str(l), Cell::Float(*c)])?;
                }
                Ok(())
            },
        );
        out.table("time_between.csv", &t)?;
        let fig = Figure::BarPlot {
            bars: hist.clone(),
            options: PlotOptions {
                title: vec![
                    "Time between repeats at the same place".into(),
                    format!(
                        "{} gaps at {} repeat locations ({}); weekly bins",
                        r.gaps_days.len(),
                        r.repeat_locations,
                        r.grouping
                    ),
                ],
                x_label: "days since the previous incident at the place".into(),
                y_label: "repeats".into(),
                ..Default::default()
            },
        };
        out.figure("time_between.png", &fig)?;
        if let Some(grid) = &r.grid {
            let f = features(&inc.crs.working, |sink| {
                for c in &cells {
                    sink.feature(
                        &geo::Geometry::Polygon(grid.cell_polygon(c.cell)),
                        &[
                            ("cell", Cell::count(c.cell)),
                            ("repeat_locations", Cell::count(c.repeat_locations)),
                            ("incidents", Cell::count(c.incidents)),
                            ("cell_m", Cell::Float(grid.cell)),
                        ],
                    )?;
                }
                Ok(())
            });
            out.features("repeat_cells.geojson", &f)?;
        }
        if self.params.exact_locations {
            let f = features(&inc.crs.working, |sink| {
                for (k, l) in r.locations.iter().take(self.params.top).enumerate() {
                    let rows = json!(l.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>());
                    sink.feature(
                        &geo::Geometry::Point(geo::Point::new(l.xy[0], l.xy[1])),
                        &[
                            ("rank", Cell::count(k + 1)),
                            ("incidents", Cell::count(l.count)),
                            ("rows", Cell::Json(std::borrow::Cow::Owned(rows))),
                            (
                                "address",
                                l.address.as_deref().map_or(Cell::Null, Cell::Str),
                            ),
                            ("min_gap_days", Cell::some(l.min_gap_days)),
                        ],
                    )?;
                }
                Ok(())
            });
            out.features("repeat_locations.geojson", &f)?;
        }
        Ok(())
    }
}
