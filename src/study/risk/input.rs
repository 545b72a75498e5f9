//! The inputs of a risk terrain model: incidents, named risk-factor layers (with
//! feature filters) and the study area.

use std::path::Path;

use crate::crs::Crs;
use crate::error::Result;
use crate::export::InputFile;
use crate::grid::Grid;
use crate::io::LayerOptions;
use crate::risk::LayerInput;
use crate::study::{IncidentInput, LayerSpec, StudyLayer};

/// A risk-factor layer: the layer (named) and an optional feature filter
/// (`COLUMN=VALUE`, e.g. `status=out`).
#[derive(Debug, Clone)]
pub struct RiskLayer {
    /// The layer; its name is the factor's layer name.
    pub layer: StudyLayer,
    /// Feature filter.
    pub filter: Option<String>,
}

/// The inputs of a risk terrain model.
#[derive(Debug, Clone)]
pub struct RiskInput {
    /// The incidents (training incidents for a validation).
    pub incidents: IncidentInput,
    /// The risk-factor layers.
    pub layers: Vec<RiskLayer>,
    /// Study-area polygons: only cells whose centre lies inside enter the model.
    pub boundary: Option<StudyLayer>,
}

impl RiskInput {
    /// The input of a model: the incidents, the layer of each spec (named, with its
    /// filter) and the study-area `boundary`, all read in the incidents' working CRS;
    /// `crs` is the CRS of the layer files [default: their `crs` member or EPSG:4326].
    ///
    /// # Errors
    /// Those of [`crate::load_layer`].
    pub fn load(
        incidents: IncidentInput,
        specs: &[LayerSpec],
        boundary: Option<&Path>,
        crs: Option<Crs>,
    ) -> Result<Self> {
        let opts = LayerOptions {
            crs,
            target: Some(incidents.incidents.crs.working.clone()),
            ..LayerOptions::default()
        };
        Self::load_with(incidents, specs, boundary, |path, role| {
            StudyLayer::load(path, &opts, role)
        })
    }

    /// As [`RiskInput::load`], with the caller's loader `load(path, role)` (roles
    /// `layer` and `boundary`), e.g. one that reads in a given CRS and shows warnings.
    pub fn load_with<E>(
        incidents: IncidentInput,
        specs: &[LayerSpec],
        boundary: Option<&Path>,
        mut load: impl FnMut(&Path, &str) -> std::result::Result<StudyLayer, E>,
    ) -> std::result::Result<Self, E> {
        let layers = specs
            .iter()
            .map(|s| {
                Ok(RiskLayer {
                    layer: s.load_with(&mut load)?,
                    filter: s.filter.clone(),
                })
            })
            .collect::<std::result::Result<_, E>>()?;
        let boundary = boundary.map(|b| load(b, "boundary")).transpose()?;
        Ok(RiskInput {
            incidents,
            layers,
            boundary,
        })
    }

    pub(super) fn layer_inputs(&self) -> Vec<LayerInput<'_>> {
        self.layers
            .iter()
            .map(|l| LayerInput {
                layer: &l.layer.layer,
                filter: l.filter.as_deref(),
            })
            .collect()
    }

    pub(super) fn names(&self) -> Vec<String> {
        self.layers
            .iter()
            .map(|l| match &l.filter {
                Some(f) => format!("{}:{f}", l.layer.layer.name),
                None => l.layer.layer.name.clone(),
            })
            .collect()
    }

    /// Input records: incidents, layers (role `layer NAME`), boundary.
    pub(super) fn inputs(&self) -> Vec<InputFile> {
        let mut v = self.incidents.inputs();
        v.extend(self.layer_records());
        v
    }

    pub(super) fn layer_records(&self) -> Vec<InputFile> {
        let mut v: Vec<InputFile> = self
            .layers
            .iter()
            .filter_map(|l| {
                l.layer.source.clone().map(|mut s| {
                    s.role = format!("layer {}", l.layer.layer.name);
                    s
                })
            })
            .collect();
        v.extend(self.boundary.iter().filter_map(|b| b.source.clone()));
        v
    }

    pub(super) fn mask(&self, grid: &Grid) -> Option<Vec<bool>> {
        self.boundary
            .as_ref()
            .map(|b| crate::risk::factors::polygon_mask(grid, &b.layer))
    }
}
