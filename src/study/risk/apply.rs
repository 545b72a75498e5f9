//! Re-applying a saved model (`model.json` of a fit) to (changed) layers.

use std::path::Path;

use serde_json::json;

use super::surface::{write_surface, SURFACE};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::export::{Export, InputFile, Outputs, Provenance};
use crate::grid::Grid;
use crate::layer::Layer;
use crate::risk::{apply_model, RtmModel};
use crate::study::StudyLayer;

/// A saved model (`model.json` of a fit, every value checked: [`crate::risk::read_model`])
/// with the CRS it was fitted in (when stored; check it with
/// [`ModelFile::check_crs`](crate::risk::ModelFile::check_crs)), and the input record.
pub fn read_model(path: &Path) -> Result<(crate::risk::ModelFile, InputFile)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mf = crate::risk::read_model(&bytes, path)?;
    Ok((mf, InputFile::file(path, "model", 1, &bytes)))
}

/// A saved model ready to apply: the model, the working CRS of its grid and the record
/// of its file.
#[derive(Debug, Clone)]
pub struct SavedModel {
    /// The model.
    pub model: RtmModel,
    /// The working CRS its grid lies in.
    pub crs: Crs,
    /// model.json for provenance.
    pub source: InputFile,
}

/// Reads a model file ([`read_model`]) and the working CRS it applies in: `crs` when
/// given (it must be the CRS stored in the file, if any), else the stored one.
///
/// # Errors
/// As [`read_model`]; [`Error::MissingParam`] (`target_crs`) for a file that stores no
/// CRS when `crs` is `None`; [`Error::Invalid`] when `crs` is not the stored CRS.
pub fn load_model(path: &Path, crs: Option<Crs>) -> Result<SavedModel> {
    let (mf, source) = read_model(path)?;
    let crs = match (crs, &mf.crs) {
        (Some(c), _) => c,
        (None, Some(c)) => c.clone(),
        (None, None) => {
            return Err(Error::missing_param(
                "target_crs",
                "model",
                format!("{} (it stores no crs)", path.display()),
            ))
        }
    };
    mf.check_crs(&crs, &format!("model file {}", path.display()))?;
    Ok(SavedModel {
        model: mf.model,
        crs,
        source,
    })
}

/// A saved model applied to (changed) layers: `risk.geojson`, `risk.csv`, `risk.png`.
#[derive(Debug, Clone)]
pub struct ApplyStudy {
    /// The model's grid.
    pub grid: Grid,
    /// Relative risk per cell (NaN outside the model's study area).
    pub risk: Vec<f64>,
    /// Expected incidents per cell.
    pub expected: Vec<f64>,
    /// Factors of the model.
    pub n_factors: usize,
    /// The working CRS.
    pub crs: Crs,
    /// Provenance of the outputs.
    pub provenance: Provenance,
}

/// Applies a saved model to layers in the model's working CRS `crs`.
pub fn apply(
    model: &RtmModel,
    model_source: Option<InputFile>,
    layers: &[StudyLayer],
    crs: &Crs,
) -> Result<ApplyStudy> {
    let refs: Vec<&Layer> = layers.iter().map(|l| &l.layer).collect();
    let applied = apply_model(model, &model.grid, &refs)?;
    let mut provenance = Provenance::new(
        json!({"layers": layers.iter().map(|l| &l.layer.name).collect::<Vec<_>>()}),
    )
    .with_inputs(model_source);
    provenance.inputs.extend(layers.iter().filter_map(|l| {
        l.source.clone().map(|mut s| {
            s.role = format!("layer {}", l.layer.name);
            s
        })
    }));
    Ok(ApplyStudy {
        grid: model.grid,
        risk: applied.risk,
        expected: applied.expected,
        n_factors: model.factors.len(),
        crs: crs.clone(),
        provenance,
    })
}

impl ApplyStudy {
    /// The files written.
    pub fn files() -> Vec<String> {
        SURFACE.map(String::from).to_vec()
    }

    /// Mean and maximum relative risk and the expected incidents.
    pub fn summary_text(&self) -> String {
        let inside: Vec<f64> = self
            .risk
            .iter()
            .copied()
            .filter(|r| r.is_finite())
            .collect();
        let max = inside.iter().cloned().fold(0.0, f64::max);
        let mean = inside.iter().sum::<f64>() / inside.len().max(1) as f64;
        format!(
            "applied {} factor(s) to {} cells: mean relative risk {mean:.3}, max {max:.3}, expected incidents {:.1}\n",
            self.n_factors,
            inside.len(),
            self.expected.iter().sum::<f64>()
        )
    }
}

impl Export for ApplyStudy {
    fn summary(&self) -> Option<String> {
        Some(self.summary_text())
    }

    fn write(&self, out: &mut Outputs) -> Result<()> {
        out.provenance(self.provenance.clone());
        write_surface(
            out,
            &self.grid,
            &self.crs,
            &self.risk,
            None,
            "Risk terrain model (applied)",
        )
    }
}
