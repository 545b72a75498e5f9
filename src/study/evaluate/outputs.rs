//! The outputs of an evaluation: time-series plots per area, the areas map and the
//! files written.

use super::study::slug;
use super::EvaluateStudy;
use crate::error::Result;
use crate::evaluate::{self, Evaluation, Period, TreatmentArea};
use crate::export::{features, Cell, Export, Figure, Outputs};
use crate::layer::Incidents;
use crate::render::{ColourScale, MapOptions, Overlay, PlotOptions, Series};

impl EvaluateStudy<'_> {
    /// Monthly rates per zone, indexed to their pre-period mean (= 100).
    fn timeseries(&self, k: usize) -> Figure {
        let ev = &self.result;
        let a = &ev.areas[k];
        let t0 = ev.periods.pre.0 as f64 / 86_400.0;
        let month = 365.25 / 12.0;
        let x_of = |b: &evaluate::Bin| ((b.start + b.end) as f64 / 2.0 / 86_400.0 - t0) / month;
        let mut series = Vec::new();
        let cols: &[(usize, &str)] = if a.buffer > 0.0 {
            &[(0, "treatment"), (1, "buffer"), (2, "control")]
        } else {
            &[(0, "treatment"), (2, "control")]
        };
        let pre_rate = |col: usize| {
            let (n, d) = ev
                .bins
                .iter()
                .zip(&a.series)
                .filter(|(b, _)| b.period == Period::Pre)
                .fold((0.0, 0.0), |(n, d), (b, s)| (n + s[col], d + b.days));
            if n > 0.0 {
                n / d
            } else {
                f64::NAN
            }
        };
        for &(col, label) in cols {
            let r0 = pre_rate(col);
            let pts = ev
                .bins
                .iter()
                .zip(&a.series)
                .filter(|(b, _)| b.days >= 1.0)
                .map(|(b, s)| (x_of(b), 100.0 * s[col] / b.days / r0))
                .collect();
            series.push(Series {
                label: label.to_string(),
                points: pts,
                markers: true,
            });
        }
        if let Some((t, f)) = ev
            .its
            .get(k)
            .and_then(|t| t.treatment.as_ref().map(|f| (t, f)))
        {
            let r0 = pre_rate(0);
            let pts = t
                .bin_index
                .iter()
                .zip(&f.counterfactual)
                .filter(|(&i, _)| ev.bins[i].period == Period::Post && ev.bins[i].days >= 1.0)
                .map(|(&i, c)| (x_of(&ev.bins[i]), 100.0 * c / ev.bins[i].days / r0))
                .collect();
            series.push(Series {
                label: "ITS counterfactual".into(),
                points: pts,
                markers: false,
            });
        }
        let xi = ((ev.periods.intervention as f64 / 86_400.0) - t0) / month;
        let options = PlotOptions {
            title: vec![
                format!("{}: before and after", a.name),
                format!(
                    "monthly rate, % of pre-period mean; net change {:+.1} % ({:+.1} to {:+.1})",
                    100.0 * a.relative_change.estimate,
                    100.0 * a.relative_change.lower,
                    100.0 * a.relative_change.upper
                ),
            ],
            x_label: format!("months since {}", ev.periods.labels[0]),
            y_label: "index (pre-period mean = 100)".into(),
            vlines: vec![(xi, "intervention".into())],
            y_range: None,
            x_range: None,
        };
        Figure::line_plot(series, options)
    }

    fn map(&self) -> Result<Figure> {
        let (inc, ev) = (&self.input.incidents, &self.result);
        let (grid, values) = evaluate::zone_raster(&self.areas, ev, 400)?;
        Ok(Figure::grid_map(
            grid,
            values,
            zone_map_options(inc, &self.areas, ev, &grid),
        ))
    }
}

fn zone_map_options(
    inc: &Incidents,
    areas: &[TreatmentArea],
    ev: &Evaluation,
    grid: &crate::grid::Grid,
) -> MapOptions {
    let e = grid.extent();
    let pts: Vec<geo::Geometry<f64>> = inc
        .xy
        .iter()
        .zip(&inc.time)
        .filter(|(p, t)| {
            (e[0]..e[2]).contains(&p[0])
                && (e[1]..e[3]).contains(&p[1])
                && t.is_some_and(|t| (ev.periods.post.0..ev.periods.post.1).contains(&t))
        })
        .map(|(p, _)| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
        .collect();
    let overlays = vec![
        Overlay {
            geometries: pts,
            colour: [60, 60, 60, 160],
            width: 1.0,
        },
        Overlay {
            geometries: areas
                .iter()
                .flat_map(|a| {
                    let (t, r) = a.zone_polygons();
                    [
                        geo::Geometry::MultiPolygon(t),
                        geo::Geometry::MultiPolygon(r),
                    ]
                })
                .collect(),
            colour: [0, 0, 0, 255],
            width: 2.0,
        },
    ];
    MapOptions {
        title: vec![
            "Evaluated areas".into(),
            format!(
                "dots: post-period incidents ({} to {})",
                ev.periods.labels[2], ev.periods.labels[3]
            ),
        ],
        legend: "zone".into(),
        scale: ColourScale::Categories(vec![
            ([245, 245, 245, 255], "other".into()),
            ([146, 197, 222, 255], "control".into()),
            ([253, 219, 120, 255], "buffer".into()),
            ([214, 96, 77, 255], "treatment".into()),
        ]),
        overlays,
        size: 800,
    }
}

/// The `zone` of `areas.geojson` of each category of the areas map's legend.
const ZONES: [&str; 4] = ["other", "control", "buffer", "treatment"];

impl Export for EvaluateStudy<'_> {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let ev = &self.result;
        out.provenance(self.provenance.clone());
        out.json_with_newline("evaluation.json", ev)?;
        out.text("evaluation.md", &ev.to_markdown())?;
        for (k, a) in ev.areas.iter().enumerate() {
            out.figure(
                &format!("timeseries_{}.png", slug(&a.name)),
                &self.timeseries(k),
            )?;
        }
        let map = self.map()?;
        out.figure("areas.png", &map)?;
        out.qml(
            "areas.geojson",
            &map,
            &crate::export::qml::ClassedField {
                attribute: "zone".into(),
                expression: false,
                values: Some(ZONES.map(String::from).to_vec()),
            },
            crate::export::qml::SymbolKind::Fill,
        )?;
        let f = features(&self.input.incidents.crs.working, |sink| {
            for (a, e) in self.areas.iter().zip(&ev.areas) {
                let (treat, ring) = a.zone_polygons();
                sink.feature(
                    &geo::Geometry::MultiPolygon(treat),
                    &[
                        ("area", Cell::Str(&a.name)),
                        ("zone", Cell::Str("treatment")),
                        ("radius_m", Cell::Float(a.radius)),
                    ],
                )?;
                if !ring.0.is_empty() {
                    sink.feature(
                        &geo::Geometry::MultiPolygon(ring),
                        &[
                            ("area", Cell::Str(&a.name)),
                            ("zone", Cell::Str("buffer")),
                            ("buffer_m", Cell::Float(a.buffer)),
                        ],
                    )?;
                }
                for geom in a.control.iter().flatten() {
                    sink.feature(
                        geom,
                        &[("area", Cell::Str(&a.name)), ("zone", Cell::Str("control"))],
                    )?;
                }
                if let Some(gr) = &e.control_info.grid {
                    for &c in &e.control_info.cells {
                        sink.feature(
                            &geo::Geometry::Polygon(gr.cell_polygon(c)),
                            &[
                                ("area", Cell::Str(&a.name)),
                                ("zone", Cell::Str("control")),
                                ("cell", Cell::count(c)),
                            ],
                        )?;
                    }
                }
            }
            Ok(())
        });
        out.features("areas.geojson", &f)
    }
}
