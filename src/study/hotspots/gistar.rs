//! Getis-Ord Gi* hot and cold spots of the counts per cell.

use super::cells::*;
use super::*;

/// Settings of [`gistar`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct GiStarStudyParams {
    /// The cells.
    pub cells: CellParams,
    /// Neighbours [default: queen, the 8 surrounding cells].
    pub weights: WeightsSpec,
    /// Permutations, seed, FDR, bins.
    pub gistar: GiStarParams,
}

/// Getis-Ord Gi*: `gistar.csv`, `gistar.geojson`, `gistar.png`, `gistar.json`.
pub type GiStarStudy = CellStudy<GiStarStudyParams, GiStarResult>;

/// Gi* hot and cold spots of the counts per cell.
///
/// ```
/// use crimescape::{generate_demo as generate, DemoParams};
/// use crimescape::study::{hotspots, IncidentInput};
///
/// let city = generate(&DemoParams::new(1).incidents(3000).size(3000.0))?;
/// let input = hotspots::HotspotInput::new(IncidentInput::in_memory(city.incidents));
/// let mut p = hotspots::GiStarStudyParams::default();
/// p.gistar = p.gistar.permutations(99).seed(7);
/// let r = hotspots::gistar(&input, &p)?;
/// let hot_99 = r.result.bin_counts[6];
/// assert!(hot_99 > 0, "the planted hot spots are found");
/// assert_eq!(r.counts.iter().sum::<f64>(), 3000.0);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn gistar(input: &HotspotInput, p: &GiStarStudyParams) -> Result<GiStarStudy> {
    CellStudy::run(input, &p.cells, &p.weights, p, |counts, w| {
        gi_star(counts, w, &p.gistar)
    })
}

impl GiStarStudy {
    /// The files written.
    pub fn files(_p: &GiStarStudyParams) -> Vec<String> {
        stem_files("gistar", &["gistar.png"])
    }

    /// The per-cell columns of the statistic (count, neighbours, G, z, p, the
    /// permutation p and z when run, class), shared by `gistar.csv` and the map's
    /// `hotspots.csv`.
    pub(super) fn cell_cols(&self) -> Vec<(&'static str, Col)> {
        let r = &self.result;
        let mut cols = vec![
            ("count", Col::F(self.counts.clone())),
            (
                "n_neighbours",
                Col::I(r.n_neighbours.iter().map(|v| *v as i64).collect()),
            ),
            ("gi_G", Col::F(r.g.clone())),
            ("gi_z", Col::F(r.z.clone())),
            ("gi_p", Col::F(r.p.clone())),
        ];
        if let (Some(ps), Some(zs)) = (&r.p_sim, &r.z_sim) {
            cols.push(("gi_p_sim", Col::F(ps.clone())));
            cols.push(("gi_z_sim", Col::F(zs.clone())));
        }
        cols.push(("gi_bin", Col::I(r.bin.iter().map(|b| *b as i64).collect())));
        cols
    }

    /// The result in one line.
    pub fn summary_text(&self) -> String {
        let bc = self.result.bin_counts;
        format!(
            "Gi*: hot spots 99% {} / 95% {} / 90% {}; cold spots 99% {} / 95% {} / 90% {}; {} cells not significant\n",
            bc[6], bc[5], bc[4], bc[0], bc[1], bc[2], bc[3]
        )
    }
}

impl Export for GiStarStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(
            json!({"analysis": "gistar", "cells": p.cells, "gistar": p.gistar, "weights": p.weights}),
            Some(p.gistar.seed),
        ));
        let mut cols = self.cell_cols();
        cols.extend(signature_cols(&self.signatures));
        s.write_cells(out, "gistar", &cols, None)?;
        let bins: Vec<f64> = r.bin.iter().map(|b| *b as f64).collect();
        let title = vec![
            "Getis-Ord Gi* hot and cold spots".to_string(),
            format!(
                "{}{}",
                if p.gistar.fdr { "FDR-corrected; " } else { "" },
                s.grid_line()
            ),
            format!("Neighbours: {}", s.describe(&p.weights)),
        ];
        styled_map(
            out,
            "gistar",
            "gistar.png",
            &s.map(&s.full(&bins), title, "confidence", ColourScale::GiBins)?,
            column("gi_bin"),
        )?;
        let summary = json!({
            "n": r.n, "mean": r.mean, "sd": r.sd, "weights": s.describe(&p.weights),
            "params": r.params, "undefined": r.undefined,
            "bins": {"-3": r.bin_counts[0], "-2": r.bin_counts[1], "-1": r.bin_counts[2], "0": r.bin_counts[3], "1": r.bin_counts[4], "2": r.bin_counts[5], "3": r.bin_counts[6]},
            "conventions": "z: ArcGIS/esda G_Local(star=True, transform='B'), population variance, empty cells included; p two-sided; p_sim folded, ties counted on both sides",
        });
        s.write_summary(out, "gistar", summary)
    }
}
