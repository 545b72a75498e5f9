//! The near-repeat chain study: incidents linked in space and time into chains.

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::Result;
use crate::export::{features, table, Cell, Column, Export, Figure, Outputs, Provenance};
use crate::grid::Grid;
use crate::render::{self, MapOptions, Overlay};
use crate::repeat::chains::{self, ChainParams, ChainResult};
use crate::study::IncidentInput;

/// Settings of [`chains`](fn@chain_study).
#[derive(Debug, Clone, Serialize)]
pub struct ChainStudyParams {
    /// Links, metric, permutations.
    pub chains: ChainParams,
    /// Chains drawn on the map.
    pub top: usize,
    /// Write exact member coordinates (default: snapped to the centres of a 50 m grid).
    pub exact_locations: bool,
}

/// Near-repeat chains: `chains.json`, `chain_lengths.csv`, `chains.geojson`,
/// `chains.png`.
#[derive(Debug, Clone)]
pub struct ChainStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// Settings.
    pub params: ChainStudyParams,
    /// The chains.
    pub result: ChainResult,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Links events within a distance and a time into chains and compares the chain
/// lengths with those under permuted times.
pub fn chain_study<'a>(input: &'a IncidentInput, p: &ChainStudyParams) -> Result<ChainStudy<'a>> {
    let result = chains::near_repeat_chains(&input.incidents, &p.chains)?;
    let provenance = Provenance::of(&p.chains)
        .with_inputs(input.inputs())
        .with_seed(p.chains.seed)
        .with_crs(&input.incidents.crs);
    Ok(ChainStudy {
        input,
        params: p.clone(),
        result,
        provenance,
    })
}

impl ChainStudy<'_> {
    /// The files written.
    pub fn files() -> Vec<String> {
        [
            "chains.json",
            "chain_lengths.csv",
            "chains.geojson",
            "chains.png",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Warnings of the run.
    pub fn warnings(&self) -> &[String] {
        &self.result.warnings
    }

    fn snap(&self, q: [f64; 2]) -> [f64; 2] {
        if self.params.exact_locations {
            q
        } else {
            let s = 50.0;
            [
                ((q[0] / s).floor() + 0.5) * s,
                ((q[1] / s).floor() + 0.5) * s,
            ]
        }
    }

    fn day_str(&self, d: f64) -> String {
        crate::time::format(
            (d * crate::time::DAY as f64) as i64,
            self.result.time_unit.max(crate::TimePrecision::Minute),
        )
    }
}

impl Export for ChainStudy<'_> {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params);
        let inc = &self.input.incidents;
        out.provenance(self.provenance.clone());
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            // members as source rows, not coordinates
            let ch: Vec<Value> = r
                .chains
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    json!({
                        "chain": k + 1,
                        "length": c.length,
                        "originator_row": inc.row[c.originator],
                        "member_rows": c.members.iter().map(|&i| inc.row[i]).collect::<Vec<_>>(),
                        "start": self.day_str(c.start_day),
                        "duration_days": c.duration_days,
                        "extent_m": c.extent_m,
                        "max_from_originator_m": c.max_from_originator_m,
                    })
                })
                .collect();
            m.insert("chains".into(), Value::Array(ch));
        }
        out.json("chains.json", &v)?;
        let t = table(
            vec![
                Column::text("length"),
                Column::int("observed"),
                Column::float("expected"),
                Column::float("p_value"),
            ],
            |sink| {
                for l in r.length_distribution.iter().chain([
                    &r.n_chains,
                    &r.events_in_chains_null,
                    &r.max_length,
                ]) {
                    sink.row(&[
                        Cell::Str(&l.length),
                        Cell::Int(l.observed as i64),
                        Cell::Float(l.expected),
                        Cell::Float(l.p_value),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("chain_lengths.csv", &t)?;
        // a line per chain through its members in time order + member points
        let line_of = |c: &chains::Chain| {
            geo::Geometry::LineString(geo::LineString::new(
                c.members
                    .iter()
                    .map(|&i| {
                        let q = self.snap(inc.xy[i]);
                        geo::Coord { x: q[0], y: q[1] }
                    })
                    .collect(),
            ))
        };
        let f = features(&inc.crs.working, |sink| {
            for (k, c) in r.chains.iter().enumerate() {
                let start = self.day_str(c.start_day);
                sink.feature(
                    &line_of(c),
                    &[
                        ("chain", Cell::count(k + 1)),
                        ("length", Cell::count(c.length)),
                        ("start", Cell::Str(&start)),
                        ("duration_days", Cell::Float(c.duration_days)),
                        ("extent_m", Cell::Float(c.extent_m)),
                    ],
                )?;
                for (o, &i) in c.members.iter().enumerate() {
                    let q = self.snap(inc.xy[i]);
                    sink.feature(
                        &geo::Geometry::Point(geo::Point::new(q[0], q[1])),
                        &[
                            ("chain", Cell::count(k + 1)),
                            ("order", Cell::count(o + 1)),
                            ("originator", Cell::Bool(o == 0)),
                            ("row", Cell::Int(inc.row[i] as i64)),
                        ],
                    )?;
                }
            }
            Ok(())
        });
        out.features("chains.geojson", &f)?;
        // map: incident counts per cell with the longest chains on top
        if let Some(bbox) = inc.bbox() {
            if let Ok(cell) = Grid::default_cell_size(bbox) {
                let grid = Grid::covering(bbox, cell)?;
                let counts = grid.counts(&inc.xy);
                let lines: Vec<geo::Geometry<f64>> =
                    r.chains.iter().take(p.top).map(line_of).collect();
                let options = MapOptions {
                    title: vec![
                        format!("Near-repeat chains: the {} longest", lines.len().min(p.top)),
                        format!(
                            "links within {} m and {} days; {} chains, {} events",
                            p.chains.distance,
                            p.chains.days,
                            r.chains.len(),
                            r.events_in_chains
                        ),
                    ],
                    legend: format!("incidents per {cell} m cell"),
                    scale: render::auto_scale(&counts, true),
                    overlays: vec![Overlay {
                        geometries: lines,
                        colour: [220, 30, 30, 255],
                        width: 2.0,
                    }],
                    ..Default::default()
                };
                out.figure(
                    "chains.png",
                    &Figure::grid_map(grid, counts, options)
                        .with_role(crate::export::Role::Count)
                        .with_incident_overlays(&[0]),
                )?;
            }
        }
        Ok(())
    }
}
