//! Fitting a risk terrain model: its settings, the fit and its outputs (factor table,
//! `model.json`, risk surface).

use serde::Serialize;
use serde_json::{json, Value};

use super::surface::{write_surface, SURFACE};
use super::RiskInput;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::export::{table, Cell, Column, Export, Outputs, Provenance};
use crate::grid::Grid;
use crate::risk::{fit_rtm_in, Operationalisation, RtmParams, RtmResult};

/// Which operationalisations of each layer a fit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operationalisations {
    /// Cell within d of the nearest feature.
    Proximity,
    /// Feature density above mean + k SD.
    Density,
    /// Try both (RTMDx's behaviour).
    Both,
}

impl Operationalisations {
    /// The operationalisations tried, proximity first.
    ///
    /// ```
    /// use crimescape::study::risk::Operationalisations;
    ///
    /// assert_eq!(Operationalisations::Both.list().len(), 2);
    /// ```
    pub fn list(self) -> Vec<Operationalisation> {
        match self {
            Operationalisations::Proximity => vec![Operationalisation::Proximity],
            Operationalisations::Density => vec![Operationalisation::Density],
            Operationalisations::Both => {
                vec![Operationalisation::Proximity, Operationalisation::Density]
            }
        }
    }
}

/// Settings of [`fit`].
#[derive(Debug, Clone, Serialize)]
pub struct FitStudyParams {
    /// The model settings.
    pub rtm: RtmParams,
    /// Cell size in metres (the CLI's default is half a block).
    pub cell: f64,
    /// Extent of the grid [default: the incidents' bounding box].
    pub extent: Option<[f64; 4]>,
}

impl FitStudyParams {
    /// Settings with cells of `cell` metres.
    pub fn new(rtm: RtmParams, cell: f64) -> Self {
        FitStudyParams {
            rtm,
            cell,
            extent: None,
        }
    }
}

/// A fitted risk terrain model: `factors.csv`, `factors.json`, `model.json`,
/// `risk.geojson`, `risk.csv`, `risk.png`.
#[derive(Debug, Clone)]
pub struct FitStudy {
    /// The fit.
    pub result: RtmResult,
    /// The working CRS (stored in `model.json`).
    pub crs: Crs,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Fits a risk terrain model of where the incidents concentrate.
pub fn fit(input: &RiskInput, p: &FitStudyParams) -> Result<FitStudy> {
    let inc = &input.incidents.incidents;
    let bbox = match p.extent {
        Some(e) => e,
        None => inc.bbox().ok_or_else(|| Error::EmptyInput {
            input: "incidents".into(),
            reason: "no incident to model".into(),
        })?,
    };
    let grid = Grid::covering(bbox, p.cell)?;
    let study = input.mask(&grid);
    let result = fit_rtm_in(
        &inc.xy,
        &grid,
        study.as_deref(),
        &input.layer_inputs(),
        &p.rtm,
    )?;
    let provenance =
        Provenance::new(json!({"layers": input.names(), "cell_m": p.cell, "rtm": p.rtm}))
            .with_inputs(input.inputs())
            .with_seed(p.rtm.seed)
            .with_crs(&inc.crs);
    Ok(FitStudy {
        result,
        crs: inc.crs.working.clone(),
        provenance,
    })
}

/// The factor table as text.
pub fn factor_table(r: &RtmResult) -> String {
    let d = &r.diagnostics;
    let mut s = format!(
        "risk terrain model: {} cells, {} incidents, {} candidate variables, {} screened; family {}{}\n",
        d.cells,
        d.incidents,
        d.candidates,
        d.screened.len(),
        d.family,
        d.theta.map(|t| format!(" (theta {t:.3})")).unwrap_or_default()
    );
    s.push_str(&format!(
        "BIC {:.1} (Poisson {:.1}, NB {}), deviance {:.1} / null {:.1}, Poisson dispersion {:.3}\n",
        d.bic,
        d.poisson_bic,
        d.nb_bic
            .map(|b| format!("{b:.1}"))
            .unwrap_or_else(|| "n/a".into()),
        d.deviance,
        d.null_deviance,
        d.poisson_dispersion
    ));
    s.push_str(&format!(
        "{:<40} {:>10} {:>8} {:>8} {:>9} {:>7} {:>17} {:>7}\n",
        "factor", "op", "dist_m", "coef", "p", "RRV", "95% CI", "cells%"
    ));
    for f in &r.factors {
        let name = match &f.filter {
            Some(fl) => format!("{} [{fl}]", f.layer),
            None => f.layer.clone(),
        };
        s.push_str(&format!(
            "{:<40} {:>10} {:>8} {:>8.4} {:>9.2e} {:>7.3} {:>17} {:>6.1}%\n",
            name,
            f.operationalisation,
            f.distance,
            f.coef,
            f.p,
            f.rrv,
            format!("[{:.3}, {:.3}]", f.rrv_lo, f.rrv_hi),
            100.0 * f.cell_share
        ));
    }
    if r.factors.is_empty() {
        s.push_str("(no factor selected: no layer explains the incidents better than chance)\n");
    }
    if let Some(t0) = d.spatial_null.first() {
        s.push_str(&format!(
            "spatial null ({} toroidal shifts of each layer, >= 2x its distance): share of shifted copies fitting at least as well\n",
            t0.shifts
        ));
        for t in &d.spatial_null {
            s.push_str(&format!(
                "  {:<44} LR {:>8.1}  share {:.3}  p {:.3}  {}\n",
                t.label,
                t.lr,
                t.share,
                t.p,
                if t.kept { "kept" } else { "removed" }
            ));
        }
    }
    s
}

impl FitStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        ["factors.csv", "factors.json", "model.json"]
            .into_iter()
            .chain(SURFACE)
            .map(String::from)
            .collect()
    }

    /// The factor table ([`factor_table`]; the working CRS is [`FitStudy::crs`]).
    pub fn summary_text(&self) -> String {
        factor_table(&self.result)
    }
}

impl Export for FitStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let r = &self.result;
        out.provenance(self.provenance.clone());
        let t = table(
            [
                "factor",
                "layer",
                "filter",
                "operationalisation",
                "distance_m",
                "coef",
                "se",
                "p",
                "rrv",
                "rrv_lo",
                "rrv_hi",
                "cell_share",
            ]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                if k < 4 {
                    Column::text(*n)
                } else {
                    Column::float(*n)
                }
            })
            .collect(),
            |sink| {
                for f in &r.factors {
                    sink.row(&[
                        Cell::Str(&f.label),
                        Cell::Str(&f.layer),
                        f.filter.as_deref().map_or(Cell::Null, Cell::Str),
                        Cell::Str(&f.operationalisation),
                        Cell::Float(f.distance),
                        Cell::Fixed(f.coef, 8),
                        Cell::Fixed(f.se, 8),
                        Cell::Sci(f.p, 6),
                        Cell::Fixed(f.rrv, 6),
                        Cell::Fixed(f.rrv_lo, 6),
                        Cell::Fixed(f.rrv_hi, 6),
                        Cell::Fixed(f.cell_share, 6),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("factors.csv", &t)?;
        out.json(
            "factors.json",
            &json!({"factors": r.factors, "diagnostics": r.diagnostics}),
        )?;
        let mut model = serde_json::to_value(&r.model).unwrap_or(Value::Null);
        if let Some(m) = model.as_object_mut() {
            m.insert("crs".into(), json!(self.crs.to_string()));
        }
        out.json("model.json", &model)?;
        write_surface(
            out,
            &r.model.grid,
            &self.crs,
            &r.risk,
            Some(&r.counts),
            "Risk terrain model",
        )
    }
}
