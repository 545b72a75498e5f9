//! An evaluated intervention: the study, its files and its summary.

use serde_json::json;

use crate::error::Result;
use crate::evaluate::{self, EvaluateParams, Evaluation, TreatmentArea};
use crate::export::{InputFile, Provenance};
use crate::study::IncidentInput;

/// An evaluated intervention.
#[derive(Debug, Clone)]
pub struct EvaluateStudy<'a> {
    /// The incidents.
    pub input: &'a IncidentInput,
    /// The areas.
    pub areas: Vec<TreatmentArea>,
    /// The evaluation.
    pub result: Evaluation,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Evaluates the intervention in `areas` (see [`evaluate::evaluate`]); `sources` are
/// the files the areas and costs came from (for provenance).
pub fn evaluate_study<'a>(
    input: &'a IncidentInput,
    areas: Vec<TreatmentArea>,
    sources: Vec<InputFile>,
    p: &EvaluateParams,
) -> Result<EvaluateStudy<'a>> {
    let result = evaluate::evaluate(&input.incidents, &areas, p)?;
    let provenance = Provenance::new(json!({
        "areas": areas.iter().map(|a| json!({"name": a.name, "radius_m": a.radius, "buffer_m": a.buffer, "control": a.control.is_some()})).collect::<Vec<_>>(),
        "evaluate": p,
    }))
    .with_inputs(input.inputs())
    .with_inputs(sources)
    .with_crs(&input.incidents.crs);
    Ok(EvaluateStudy {
        input,
        areas,
        result,
        provenance,
    })
}

/// A file-name stem of an area name: ASCII letters and digits in lower case, `_`
/// for anything else (`area` when nothing is left).
pub(super) fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "area".into()
    } else {
        s
    }
}

impl EvaluateStudy<'_> {
    /// The files written for areas named `areas`.
    pub fn files(areas: &[&str]) -> Vec<String> {
        let mut v = vec!["evaluation.json".to_string(), "evaluation.md".to_string()];
        v.extend(areas.iter().map(|a| format!("timeseries_{}.png", slug(a))));
        v.extend(["areas.png", "areas.geojson", "areas.qml"].map(String::from));
        v
    }

    /// A short text summary for the terminal.
    pub fn summary_text(&self) -> String {
        let ev = &self.result;
        let mut s = String::new();
        let pp = &ev.periods;
        s.push_str(&format!(
            "pre {} to {}, post {} to {} ({} incidents)\n",
            pp.labels[0], pp.labels[1], pp.labels[2], pp.labels[3], ev.incidents_used
        ));
        for a in &ev.areas {
            s.push_str(&format!(
                "{}: treatment {:.0} -> {:.0}, buffer {:.0} -> {:.0}, control {:.0} -> {:.0} ({})\n",
                a.name,
                a.treatment.pre,
                a.treatment.post,
                a.buffer_counts.pre,
                a.buffer_counts.post,
                a.control.pre,
                a.control.post,
                a.control_info.source
            ));
            for r in &a.reading {
                if !r.starts_with("Conditions") {
                    s.push_str(&format!("  {r}\n"));
                }
            }
        }
        s
    }
}
