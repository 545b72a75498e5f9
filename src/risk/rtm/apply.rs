//! Applying a fitted model to (possibly changed) layers.

use super::*;

/// A model applied to (possibly changed) layers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppliedRisk {
    /// Relative risk per cell, on the fitted model's scale (`exp(Σβx) / risk_scale`).
    pub risk: Vec<f64>,
    /// Expected incidents per cell, `exp(intercept + Σβx)`.
    pub expected: Vec<f64>,
}

impl RtmModel {
    /// Checks that layers of these names hold every layer the model's factors use, so a
    /// caller can refuse a run before it loads anything.
    ///
    /// # Errors
    /// [`Error::MissingInput`] naming every missing layer (with its factor), all at once.
    pub fn check_layers<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let names: Vec<&str> = names.into_iter().collect();
        let mut missing: Vec<String> = Vec::new();
        for f in &self.factors {
            if !names.contains(&f.variable.layer.as_str()) {
                let what = format!(
                    "layer '{}' (factor {})",
                    f.variable.layer,
                    f.variable.label()
                );
                if !missing.contains(&what) {
                    missing.push(what);
                }
            }
        }
        match missing.is_empty() {
            true => Ok(()),
            false => Err(Error::MissingInput { what: missing }),
        }
    }
}

/// The presence column of every factor of `model` on `grid`, from the layers named as
/// in the model.
///
/// # Errors
/// [`Error::MissingInput`] naming every layer the model needs that is not among
/// `layers`, all at once ([`RtmModel::check_layers`]).
pub fn factor_columns(model: &RtmModel, grid: &Grid, layers: &[&Layer]) -> Result<Vec<Vec<u8>>> {
    model.check_layers(layers.iter().map(|l| l.name.as_str()))?;
    model
        .factors
        .iter()
        .map(|f| {
            let l = layers
                .iter()
                .find(|l| l.name == f.variable.layer)
                .ok_or_else(|| Error::MissingInput {
                    what: vec![format!("layer '{}'", f.variable.layer)],
                })?;
            variable_values(grid, l, &f.variable)
        })
        .collect()
}

/// Re-applies a fitted model to layers (e.g. after a design change), on the model's grid
/// or another grid of the same cell size. Layers are looked up by the factors' layer
/// names; each factor's filter and operationalisation are recomputed. On the model's own
/// grid, `risk` is NaN for cells outside the fitted study area ([`RtmModel::study`]).
///
/// # Errors
/// [`Error::MissingInput`] naming every layer the model needs that is missing;
/// [`Error::Degenerate`] when one has no features in the area.
pub fn apply_model(model: &RtmModel, grid: &Grid, layers: &[&Layer]) -> Result<AppliedRisk> {
    let n = grid.len();
    let cols = factor_columns(model, grid, layers)?;
    let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
    let raw = linear_risk(&model.factors, &refs, n);
    let scale = if model.risk_scale > 0.0 {
        model.risk_scale
    } else {
        1.0
    };
    // Outside the fitted study area (same grid only) the risk is undefined.
    let outside = |i: usize| model.study.is_some() && *grid == model.grid && !model.in_study(i);
    Ok(AppliedRisk {
        risk: raw
            .iter()
            .enumerate()
            .map(|(i, r)| if outside(i) { f64::NAN } else { r / scale })
            .collect(),
        expected: raw
            .iter()
            .map(|r| (model.intercept + r.ln()).exp())
            .collect(),
    })
}
