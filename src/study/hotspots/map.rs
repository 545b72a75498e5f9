//! The briefing map: Gi* with the scale of analysis chosen from the data.

use super::cells::*;
use super::*;

/// Settings of [`hotspot_map`]: the one-command hot spot map.
#[derive(Debug, Clone, Serialize)]
pub struct HotspotMapParams {
    /// The cells [default cell size: the sfhotspot rule, 1/50 of the shorter side of
    /// the extent rounded down to 100 m, see [`crate::grid::Grid::default_cell_size`]].
    pub cells: CellParams,
    /// Distance band of the Gi* neighbourhood in metres [default: chosen by the rule of
    /// ArcGIS's Optimized Hot Spot Analysis, see
    /// [`crate::hotspot::incremental::choose_gistar_band_grid`]].
    pub band: Option<f64>,
    /// Benjamini–Hochberg false discovery rate control of the confidence classes
    /// [default: on, as in Optimized Hot Spot Analysis].
    pub fdr: bool,
    /// Conditional permutations for the `gi_p_sim` column (0 = none, the default: the
    /// classes come from the analytical p either way).
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
}

impl Default for HotspotMapParams {
    fn default() -> Self {
        HotspotMapParams {
            cells: CellParams::default(),
            band: None,
            fdr: true,
            permutations: 0,
            seed: 12345,
        }
    }
}

/// The briefing map: Gi* hot and cold spots at an automatic scale, FDR-corrected.
/// Writes `hotspots.csv`, `hotspots.geojson`, `hotspots.json` and `hotspots.png`
/// (+ `.svg`).
#[derive(Debug, Clone)]
pub struct HotspotMap {
    /// The Gi* study behind the map (cells, counts, result; `params.weights` holds the
    /// band used).
    pub study: GiStarStudy,
    /// The distance band used (m).
    pub band_m: f64,
    /// Why this band, in one sentence.
    pub band_rule: String,
    /// The automatic choice (with its incremental table); `None` when the band was given.
    pub band_choice: Option<crate::hotspot::incremental::GiStarBand>,
    /// Cells per confidence class −3…3 without FDR control (analytical p < 0.10/0.05/0.01).
    pub bins_without_fdr: [usize; 7],
    /// Cells per confidence class −3…3 with Benjamini–Hochberg FDR control.
    pub bins_with_fdr: [usize; 7],
}

/// Cells per bin −3…3.
fn bin_counts(bins: &[i8]) -> [usize; 7] {
    let mut c = [0usize; 7];
    for b in bins {
        c[((*b).clamp(-3, 3) + 3) as usize] += 1;
    }
    c
}

/// The one-command hot spot map ("Optimized Hot Spot Analysis"): counts per cell, the
/// Gi* distance band chosen from the data, Getis-Ord Gi* with FDR-corrected confidence
/// classes.
///
/// # Algorithm
/// 1. Cells: [`analysis_cells`] (cell size by the sfhotspot rule unless given).
/// 2. Band: unless given, [`crate::hotspot::incremental::choose_gistar_band_grid`]
///    (hexagons: [`crate::hotspot::incremental::choose_gistar_band`] on their centres):
///    the first significant peak of the incremental global Moran's I z, else the mean
///    distance to the K-th nearest neighbour (ArcGIS, *How Optimized Hot Spot Analysis
///    works*, "Scale of analysis").
/// 3. Gi* ([`crate::hotspot::gi_star`]) with binary weights `d ≤ band` (self included,
///    as Gi*), two-sided analytical p, classes at 90/95/99 % with Benjamini–Hochberg
///    FDR control when `fdr` (ArcGIS's Optimized Hot Spot Analysis applies FDR).
///
/// Both class counts (with and without FDR) are returned so a report can say what the
/// correction removed.
///
/// ```
/// use crimescape::{generate_demo as generate, DemoParams};
/// use crimescape::study::{hotspots, IncidentInput};
///
/// let city = generate(&DemoParams::new(1).incidents(3000).size(3000.0))?;
/// let input = hotspots::HotspotInput::new(IncidentInput::in_memory(city.incidents));
/// let m = hotspots::hotspot_map(&input, &hotspots::HotspotMapParams::default())?;
/// assert!(m.band_m > 0.0);
/// // FDR control never adds significant cells
/// let sig = |b: &[usize; 7]| b.iter().sum::<usize>() - b[3];
/// assert!(sig(&m.bins_with_fdr) <= sig(&m.bins_without_fdr));
/// assert_eq!(m.study.result.bin_counts, m.bins_with_fdr);
/// # Ok::<(), crimescape::Error>(())
/// ```
///
/// # Errors
/// As [`gistar`]; [`Error::InvalidParam`] for a band that is not a positive number.
pub fn hotspot_map(input: &HotspotInput, p: &HotspotMapParams) -> Result<HotspotMap> {
    let cells = analysis_cells(input, &p.cells)?;
    let (counts, _) = cells.counts(&input.incidents.incidents)?;
    let (band_m, band_rule, band_choice) = match p.band {
        Some(b) if b.is_finite() && b > 0.0 => (b, format!("distance band {b} m (given)"), None),
        Some(b) => {
            return Err(Error::invalid_param(
                "band",
                b,
                "the distance band must be a positive number of metres",
            ))
        }
        None => {
            let c = match &cells.hex {
                None => crate::hotspot::incremental::choose_gistar_band_grid(&cells.grid, &counts)?,
                Some(h) => crate::hotspot::incremental::choose_gistar_band(&h.centres(), &counts)?,
            };
            (c.distance, c.explanation.clone(), Some(c))
        }
    };
    let gp = GiStarStudyParams {
        cells: p.cells.clone(),
        weights: WeightsSpec::DistanceBand {
            radius: Some(band_m),
        },
        gistar: GiStarParams::new()
            .permutations(p.permutations)
            .seed(p.seed)
            .fdr(p.fdr),
    };
    let w = cells.spatial_weights(&gp.weights)?;
    let result = gi_star(&counts, &w, &gp.gistar)?;
    let plain = crate::hotspot::gistar::confidence_bins(&result.z, &result.p, false);
    let fdr = crate::hotspot::gistar::confidence_bins(&result.z, &result.p, true);
    let signatures = cells.signatures(&input.incidents)?;
    Ok(HotspotMap {
        bins_without_fdr: bin_counts(&plain),
        bins_with_fdr: bin_counts(&fdr),
        study: GiStarStudy {
            cells,
            params: gp,
            counts,
            result,
            signatures,
        },
        band_m,
        band_rule,
        band_choice,
    })
}

impl HotspotMap {
    /// The files written.
    pub fn files() -> Vec<String> {
        stem_files("hotspots", &["hotspots.png", "hotspots.svg"])
    }

    /// The result in a few lines: cell, band, classes with and without FDR.
    pub fn summary_text(&self) -> String {
        let line = |b: &[usize; 7]| {
            format!(
                "hot 99% {} / 95% {} / 90% {}; cold 99% {} / 95% {} / 90% {}",
                b[6], b[5], b[4], b[0], b[1], b[2]
            )
        };
        let (shown, other) = if self.study.params.gistar.fdr {
            (
                format!("with FDR control: {}", line(&self.bins_with_fdr)),
                format!("without FDR:      {}", line(&self.bins_without_fdr)),
            )
        } else {
            (
                format!("without FDR:      {}", line(&self.bins_without_fdr)),
                format!("with FDR control: {}", line(&self.bins_with_fdr)),
            )
        };
        format!(
            "cell {} m; {}\nGi* {shown}\n    ({other})\n",
            self.study.cells.cell(),
            self.band_rule
        )
    }

    /// Title, subtitle (plain words) and footnote lines (technical) of the map.
    fn title(&self) -> Vec<String> {
        let s = &self.study.cells;
        let fdr = self.study.params.gistar.fdr;
        let what = s.value_label();
        // the area: the boundary's file name, when there is one
        let area = s
            .inputs
            .iter()
            .find(|i| i.role == "boundary")
            .and_then(|i| {
                std::path::Path::new(&i.path)
                    .file_stem()
                    .map(|f| format!(" in {}", f.to_string_lossy()))
            })
            .unwrap_or_default();
        let mut t = vec![
            format!("Hot and cold spots of {what}{area}"),
            format!(
                "{} {what} in {} cells of {} m. A hot (cold) spot is a cell whose surroundings within {:.0} m hold significantly more (fewer) {what} than the area as a whole{}.",
                fmt_count(s.n_incidents),
                s.len(),
                s.cell(),
                self.band_m,
                if fdr {
                    ", corrected for testing many cells at once"
                } else {
                    " (not corrected for testing many cells at once)"
                }
            ),
            format!(
                "Getis-Ord Gi* with binary distance-band weights d <= {:.1} m (self included), two-sided analytical p; {}",
                self.band_m,
                if fdr {
                    "classes with Benjamini-Hochberg false discovery rate control"
                } else {
                    "classes without false discovery rate control"
                }
            ),
            format!("Scale: {}", self.band_rule),
            format!("Cells: {}", s.describe_grid()),
        ];
        if let Some(b) = &s.weight_name {
            t.push(format!("Incidents weighted by the column {b:?}"));
        }
        t
    }
}

/// An integer with thousands separators (1,234).
fn fmt_count(n: usize) -> String {
    crate::export::thousands(n as u64)
}

impl Export for HotspotMap {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        let st = &self.study;
        let (s, r, p) = (&st.cells, &st.result, &st.params);
        out.provenance(s.provenance(
            json!({"analysis": "hotspots map", "cells": p.cells, "gistar": p.gistar, "weights": p.weights, "band_m": self.band_m, "band_rule": self.band_rule}),
            Some(p.gistar.seed),
        ));
        s.write_cells(out, "hotspots", &st.cell_cols(), None)?;
        let bins: Vec<f64> = r.bin.iter().map(|b| *b as f64).collect();
        styled_map(
            out,
            "hotspots",
            "hotspots.png",
            &s.map(
                &s.full(&bins),
                self.title(),
                "Hot and cold spots (confidence)",
                ColourScale::GiBins,
            )?,
            column("gi_bin"),
        )?;
        let counts = |b: &[usize; 7]| json!({"-3": b[0], "-2": b[1], "-1": b[2], "0": b[3], "1": b[4], "2": b[5], "3": b[6]});
        let summary = json!({
            "n": r.n, "mean": r.mean, "sd": r.sd,
            "cell_m": s.cell(),
            "band_m": self.band_m,
            "band_rule": self.band_rule,
            "band_choice": self.band_choice,
            "fdr": p.gistar.fdr,
            "bins": counts(&r.bin_counts),
            "bins_with_fdr": counts(&self.bins_with_fdr),
            "bins_without_fdr": counts(&self.bins_without_fdr),
            "undefined": r.undefined,
            "conventions": "z: ArcGIS/esda G_Local(star=True, transform='B'), population variance, empty cells included; p two-sided analytical; classes 90/95/99 % (Benjamini-Hochberg FDR when fdr)",
        });
        s.write_summary(out, "hotspots", summary)
    }
}
