//! Hot spot classification over periods (sfhotspot rules).

use super::cells::*;
use super::periods::*;
use super::*;

/// Hot spot classification over periods (sfhotspot rules): `classify.csv`,
/// `classify.geojson`, `classify.png`, `classify.json`.
#[derive(Debug, Clone)]
pub struct ClassifyStudy {
    /// The cells.
    pub cells: AnalysisCells,
    /// Settings.
    pub params: PeriodStudyParams,
    /// Period length in days.
    pub days: i64,
    /// Classes per cell.
    pub result: ClassifyResult,
}

/// Classifies cells as persistent, emerging, former, intermittent hot spots, ...
pub fn classify(input: &HotspotInput, p: &PeriodStudyParams) -> Result<ClassifyStudy> {
    let (cells, w, days) = period_setup(input, p)?;
    let mut cp = ClassifyParams::new(days * crate::time::DAY);
    cp.start = p.start;
    cp.critical_p = p.alpha;
    cp.fdr = p.fdr;
    let result = classify_periods(&cells.grid, &input.incidents.incidents, &w, &cp)?;
    Ok(ClassifyStudy {
        cells,
        params: p.clone(),
        days,
        result,
    })
}
impl ClassifyStudy {
    /// The files written.
    pub fn files(_p: &PeriodStudyParams) -> Vec<String> {
        stem_files("classify", &["classify.png"])
    }

    /// Cells per class.
    pub fn summary_text(&self) -> String {
        counts_text(&self.result.counts)
    }
}

impl Export for ClassifyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        let (s, r) = (&self.cells, &self.result);
        out.provenance(s.provenance(period_params("classify", &self.params, self.days), None));
        let cols = vec![
            (
                "category",
                Col::S(r.class.iter().map(|c| c.label().to_string()).collect()),
            ),
            ("prop_hot", Col::F(r.prop_hot.clone())),
            ("prop_cold", Col::F(r.prop_cold.clone())),
        ];
        s.write_cells(out, "classify", &cols, None)?;
        let v: Vec<f64> = r.class.iter().map(|c| c.index() as f64).collect();
        let mut cats: Vec<(Rgba, String)> = HotspotClass::ALL
            .iter()
            .enumerate()
            .map(|(k, cl)| (PERIOD_PALETTE[k.min(8)], cl.label().to_string()))
            .collect();
        cats[9].0 = [120, 120, 120, 255];
        let title = vec![
            "Hot spot classification over periods (sfhotspot rules)".to_string(),
            format!(
                "{} periods of {} days, {} recent; {}",
                r.gi.used.len(),
                self.days,
                r.recent_periods,
                s.grid_line()
            ),
        ];
        category_map(out, s, "classify", &v, title, cats)?;
        s.write_summary(
            out,
            "classify",
            serde_json::to_value(r).unwrap_or(Value::Null),
        )
    }
}
