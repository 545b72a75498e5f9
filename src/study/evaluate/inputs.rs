//! What an evaluation reads besides the incidents: treatment and control layers and a
//! cost file.

use std::path::Path;

use super::{evaluate_study, treatment_areas, AreaParams, EvaluateStudy};
use crate::error::{Error, Result};
use crate::evaluate::{CostSpec, EvaluateParams, TreatmentArea};
use crate::export::InputFile;
use crate::study::{IncidentInput, StudyLayer};

/// Reads a cost file (TOML: `intervention_cost`, `[offence_costs]`).
pub fn read_costs(path: &Path) -> Result<(CostSpec, InputFile)> {
    let spec = CostSpec::load(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok((spec, InputFile::file(path, "costs", 1, &bytes)))
}

/// What an evaluation reads besides the incidents: the treatment layer, an optional
/// control layer (both in the incidents' working CRS) and an optional cost file
/// ([`read_costs`]).
#[derive(Debug, Clone)]
pub struct EvaluationInputs {
    /// The treatment areas' features.
    pub treatment: StudyLayer,
    /// The control areas' features [default: comparable grid cells].
    pub control: Option<StudyLayer>,
    /// The cost-benefit settings and their file.
    pub costs: Option<(CostSpec, InputFile)>,
}

impl EvaluationInputs {
    /// The treatment areas of these layers ([`treatment_areas`]).
    ///
    /// # Errors
    /// As [`treatment_areas`].
    pub fn areas(&self, p: &AreaParams) -> Result<Vec<TreatmentArea>> {
        treatment_areas(&self.treatment, self.control.as_ref(), p)
    }

    /// Evaluates the intervention in `areas` ([`evaluate_study`]) with the cost file's
    /// settings (replacing `p.costs` when a cost file was read); provenance lists the
    /// incidents, the cost file, the treatment and the control layer.
    ///
    /// # Errors
    /// As [`evaluate_study`].
    pub fn evaluate<'a>(
        &self,
        incidents: &'a IncidentInput,
        areas: Vec<TreatmentArea>,
        p: &EvaluateParams,
    ) -> Result<EvaluateStudy<'a>> {
        let mut p = p.clone();
        let mut sources = Vec::new();
        if let Some((spec, src)) = &self.costs {
            p.costs = Some(spec.clone());
            sources.push(src.clone());
        }
        sources.extend(self.treatment.source.clone());
        sources.extend(self.control.as_ref().and_then(|c| c.source.clone()));
        evaluate_study(incidents, areas, sources, &p)
    }
}
