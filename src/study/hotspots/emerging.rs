//! Emerging hot spot analysis (space-time Gi*, Mann-Kendall, ArcGIS categories).

use super::cells::*;
use super::periods::*;
use super::*;

/// Emerging hot spot analysis (space-time Gi*, Mann-Kendall, ArcGIS categories):
/// `emerging.csv`, `emerging.geojson`, `emerging.png`, `emerging.json`.
#[derive(Debug, Clone)]
pub struct EmergingStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: PeriodStudyParams,
    /// Time step in days.
    pub days: i64,
    /// Categories per cell.
    pub result: EmergingResult,
}

/// Emerging hot spot analysis on the analysis cells.
pub fn emerging(input: &HotspotInput, p: &PeriodStudyParams) -> Result<EmergingStudy> {
    let (cells, w, days) = period_setup(input, p)?;
    let ep = crate::hotspot::change::EmergingParams::new(days * crate::time::DAY)
        .start(p.start)
        .neighbourhood_steps(p.time_steps)
        .alpha(p.alpha)
        .fdr(p.fdr);
    let result = emerging_hotspots(&cells.grid, &input.incidents.incidents, &w, &ep)?;
    Ok(EmergingStudy {
        cells,
        params: p.clone(),
        days,
        result,
    })
}

impl EmergingStudy {
    /// The files written.
    pub fn files(_p: &PeriodStudyParams) -> Vec<String> {
        stem_files("emerging", &["emerging.png"])
    }

    /// Time steps and cells per category.
    pub fn summary_text(&self) -> String {
        let r = &self.result;
        let mut s = String::new();
        if let (Some(first), Some(last)) = (r.gi.periods.first(), r.gi.periods.last()) {
            s.push_str(&format!(
                "{} time steps of {} days, {} to {} (exclusive){}\n",
                r.gi.periods.len(),
                self.days,
                crate::time::format(first.0, crate::TimePrecision::Day),
                crate::time::format(last.1, crate::TimePrecision::Day),
                if r.excluded_before_first_step > 0 {
                    format!(
                        "; {} incidents before the first complete step left out",
                        r.excluded_before_first_step
                    )
                } else {
                    String::new()
                }
            ));
        }
        s.push_str(&counts_text(&r.counts));
        s
    }
}

impl Export for EmergingStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r, p) = (&self.cells, &self.result, &self.params);
        out.provenance(s.provenance(period_params("emerging", p, self.days), None));
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("mk_tau", Col::F(r.tau.clone())),
            ("mk_p", Col::F(r.tau_p.clone())),
        ];
        s.write_cells(out, "emerging", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let pal = PERIOD_PALETTE;
        let mut cats = Vec::new();
        for (k, cl) in EmergingClass::ALL.iter().enumerate() {
            let col = match k {
                0 => pal[0],
                1..=8 => [
                    pal[1], pal[1], pal[2], pal[2], pal[3], pal[3], pal[4], pal[4],
                ][k - 1],
                _ => [
                    pal[5], pal[5], pal[6], pal[6], pal[7], pal[7], pal[8], pal[8],
                ][k - 9],
            };
            // distinguish neighbours with a slight shade
            let shade = if k % 2 == 0 && k > 0 { 30 } else { 0 };
            cats.push((
                [
                    col[0].saturating_sub(shade),
                    col[1].saturating_sub(shade),
                    col[2].saturating_sub(shade),
                    255,
                ],
                cl.label().to_string(),
            ));
        }
        let title = vec![
            "Emerging hot spot analysis".to_string(),
            format!(
                "{} time steps of {} days; {}",
                r.gi.used.len(),
                self.days,
                s.grid_line()
            ),
            format!(
                "space-time Gi* ({} previous step(s)) p < {}{}, Mann-Kendall trend",
                p.time_steps,
                p.alpha,
                if p.fdr { " FDR" } else { "" }
            ),
        ];
        category_map(out, s, "emerging", &v, title, cats)?;
        s.write_summary(
            out,
            "emerging",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}
