//! Local Moran's I (LISA) clusters and outliers of the counts per cell.

use super::cells::*;
use super::*;

/// Settings of [`moran`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct MoranStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Neighbours [default: queen].
    pub weights: WeightsSpec,
    /// Permutations, seed, significance level.
    pub moran: LocalMoranParams,
}

/// Local Moran's I: `moran.csv`, `moran.geojson`, `moran.png`, `moran.json`.
pub type MoranStudy = CellStudy<MoranStudyParams, LocalMoranResult>;

/// Local Moran's I (LISA) clusters and outliers of the counts per cell.
pub fn moran(input: &HotspotInput, p: &MoranStudyParams) -> Result<MoranStudy> {
    CellStudy::run(input, &p.cells, &p.weights, p, |counts, w| {
        local_moran(counts, w, &p.moran)
    })
}

impl MoranStudy {
    /// The files written.
    pub fn files(_p: &MoranStudyParams) -> Vec<String> {
        stem_files("moran", &["moran.png"])
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let sc = self.result.significant_counts;
        format!(
            "Local Moran: significant HH {} / LH {} / LL {} / HL {}\n",
            sc[0], sc[1], sc[2], sc[3]
        )
    }
}

impl Export for MoranStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "moran", "cells": p.cells, "moran": p.moran, "weights": p.weights}),
            Some(p.moran.seed),
        ));
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            ("lm_I", Col::F(r.i.clone())),
            ("lm_z", Col::F(r.z_norm.clone())),
            ("lm_p", Col::F(r.p_norm.clone())),
        ];
        if let Some(ps) = &r.p_sim {
            cols.push(("lm_p_sim", Col::F(ps.clone())));
        }
        cols.push((
            "lm_quadrant",
            Col::S(r.quadrant.iter().map(|q| q.label().to_string()).collect()),
        ));
        cols.push((
            "lm_significant",
            Col::I(r.significant.iter().map(|b| *b as i64).collect()),
        ));
        cols.extend(signature_cols(&self.signatures));
        s.write_cells(out, "moran", &cols, None)?;
        let v: Vec<f64> = r
            .quadrant
            .iter()
            .zip(&r.significant)
            .map(|(q, sig)| if *sig { q.code() as f64 } else { 0.0 })
            .collect();
        let title = vec![
            "Local Moran's I (LISA)".to_string(),
            s.grid_line(),
            format!(
                "p <= {} ({}); neighbours: {}",
                p.moran.alpha,
                if p.moran.permutations > 0 {
                    "permutation"
                } else {
                    "analytical"
                },
                s.describe(&p.weights)
            ),
        ];
        styled_map(
            out,
            "moran",
            "moran.png",
            &s.map(&s.full(&v), title, "cluster type", quad_categories())?,
            crate::export::qml::ClassedField {
                attribute: "CASE WHEN \"lm_significant\" = 1 THEN \"lm_quadrant\" ELSE 'not significant' END".into(),
                expression: true,
                values: Some(
                    ["not significant", "HH", "LH", "LL", "HL"]
                        .map(String::from)
                        .to_vec(),
                ),
            },
        )?;
        let sc = r.significant_counts;
        s.write_summary(
            out,
            "moran",
            json!({"n": r.n, "params": r.params, "weights": s.describe(&p.weights), "significant": {"HH": sc[0], "LH": sc[1], "LL": sc[2], "HL": sc[3]}}),
        )
    }
}
