//! The prospective (promap) study: a prospective hot spot map for a date, evaluated on
//! the following days next to a plain KDE.

use serde_json::Value;

use crate::error::Result;
use crate::export::{table, Cell, Column, Export, Figure, Outputs, Provenance};
use crate::render::{self, MapOptions};
use crate::repeat::promap::{self, PromapParams, PromapResult};
use crate::study::IncidentInput;

/// Prospective hot spot map for a date, evaluated on the following days next to a
/// plain KDE: `promap.json`, `accuracy.csv`, `promap.png`, `kde.png`.
#[derive(Debug, Clone)]
pub struct PromapStudy {
    /// Settings.
    pub params: PromapParams,
    /// Surfaces and accuracy.
    pub result: PromapResult,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// The promap surface for `p.at` from the incidents before it.
pub fn promap_study(input: &IncidentInput, p: &PromapParams) -> Result<PromapStudy> {
    let result = promap::promap(&input.incidents, p)?;
    let provenance = Provenance::of(p)
        .with_inputs(input.inputs())
        .with_crs(&input.incidents.crs);
    Ok(PromapStudy {
        params: p.clone(),
        result,
        provenance,
    })
}

impl PromapStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["promap.json", "accuracy.csv", "promap.png", "kde.png"]
            .map(String::from)
            .to_vec()
    }
}

impl Export for PromapStudy {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (r, p) = (&self.result, &self.params);
        out.provenance(self.provenance.clone());
        let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.remove("promap");
            m.remove("kde");
            m.insert(
                "params".into(),
                serde_json::to_value(p).unwrap_or(Value::Null),
            );
        }
        out.json("promap.json", &v)?;
        let t = table(
            vec![
                Column::text("method"),
                Column::float("horizon_days"),
                Column::float("coverage"),
                Column::int("n_test"),
                Column::int("hits"),
                Column::float("hit_rate"),
                Column::float("pai"),
            ],
            |sink| {
                for a in &r.accuracy {
                    sink.row(&[
                        Cell::Str(&a.method),
                        Cell::Float(a.horizon_days),
                        Cell::Float(a.coverage),
                        Cell::count(a.n_test),
                        Cell::count(a.hits),
                        Cell::Float(a.hit_rate),
                        Cell::Float(a.pai),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("accuracy.csv", &t)?;
        let date = crate::time::format(p.at, crate::TimePrecision::Day);
        for (name, surf, legend) in [
            ("promap", &r.promap, "promap risk (weighted recent events)"),
            ("kde", &r.kde, "quartic KDE (per m2)"),
        ] {
            let options = MapOptions {
                title: vec![
                    format!(
                        "{} surface for {date}",
                        if name == "kde" {
                            "KDE"
                        } else {
                            "Prospective (promap)"
                        }
                    ),
                    if name == "kde" {
                        format!(
                            "{} events before {date}, h = {} m",
                            r.n_history, p.kde_bandwidth_m
                        )
                    } else {
                        format!(
                            "{} events in the {} days before, {} m bandwidth",
                            r.n_recent, p.bandwidth_days, p.bandwidth_m
                        )
                    },
                ],
                legend: legend.into(),
                scale: render::auto_scale(surf, true),
                ..Default::default()
            };
            out.figure(
                &format!("{name}.png"),
                &Figure::grid_map(r.grid, surf.clone(), options),
            )?;
        }
        Ok(())
    }
}
