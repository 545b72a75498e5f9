//! Where a study's street network comes from: the street layer's file and CRS, how its
//! lines become a graph, and how far points snap to it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::StudyNetwork;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::export::InputFile;
use crate::network::{NetworkParams, NetworkSpace};
use crate::study::{layer_options, StudyLayer};

/// The street layer of a study and how it is read: the file, its CRS, the graph's
/// [`NetworkParams`] and the snapping distance of points (m, inclusive).
///
/// One loader for every study on streets (network analyses, segments, near repeats
/// and chains on the network): the layer is read in the study's working CRS and keeps
/// the loader's warnings ([`StudyLayer::warnings`]).
///
/// ```no_run
/// use crimescape::study::{network::StreetSource, IncidentInput};
///
/// let input = IncidentInput::load("incidents.csv", &Default::default())?;
/// let net = StreetSource::new("streets.geojson")
///     .snap(20.0)
///     .network(&input.incidents.crs.working)?;
/// println!("{}", net.describe());
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreetSource {
    /// The street layer (lines).
    pub path: PathBuf,
    /// CRS of the file (`None`: its crs member, else EPSG:4326).
    pub crs: Option<Crs>,
    /// How lines become the graph (node tolerance, crossings).
    pub params: NetworkParams,
    /// Points within this distance of a street (m, inclusive) are on the network;
    /// farther ones are left out and counted. Default 30 m.
    pub snap: f64,
}

impl StreetSource {
    /// The street layer `path` with its own CRS, the default [`NetworkParams`] and a
    /// 30 m snap.
    pub fn new(path: impl AsRef<Path>) -> Self {
        StreetSource {
            path: path.as_ref().to_path_buf(),
            crs: None,
            params: NetworkParams::new(),
            snap: 30.0,
        }
    }

    /// Sets the file's CRS.
    pub fn crs(mut self, crs: Option<Crs>) -> Self {
        self.crs = crs;
        self
    }

    /// Sets the graph's parameters.
    pub fn params(mut self, params: NetworkParams) -> Self {
        self.params = params;
        self
    }

    /// Sets the snapping distance (m).
    pub fn snap(mut self, snap: f64) -> Self {
        self.snap = snap;
        self
    }

    /// Loads the street layer in the CRS `target` (a study's working CRS), recorded in
    /// provenance as `streets`.
    ///
    /// # Errors
    /// As [`StudyLayer::load`].
    pub fn load(&self, target: &Crs) -> Result<StudyLayer> {
        let opts = layer_options(self.crs.clone(), target);
        StudyLayer::load(&self.path, &opts, "streets")
    }

    /// Loads the street layer in the CRS `target` and builds its network
    /// ([`StudyNetwork::build`]).
    ///
    /// # Errors
    /// As [`load`](Self::load) and [`StudyNetwork::build`].
    pub fn network(&self, target: &Crs) -> Result<StudyNetwork> {
        StudyNetwork::build(self.load(target)?, &self.params, self.snap)
    }

    /// The source a study measures distances along when its metric is `metric` (near
    /// repeats, chains): `source` for [`crate::Metric::Network`], `None` for the other
    /// metrics (`source` is then not used).
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`network` for `metric = network`) when the network
    /// metric has no street layer.
    pub fn for_metric(metric: crate::Metric, source: Option<&Self>) -> Result<Option<&Self>> {
        if metric != crate::Metric::Network {
            return Ok(None);
        }
        source
            .map(Some)
            .ok_or_else(|| Error::missing_param("network", "metric", "network"))
    }
}

impl StudyNetwork {
    /// The network as a repeat study takes it (near repeats, chains): the network
    /// space its params measure along ([`crate::KnoxParams::network`],
    /// [`crate::ChainParams::network`]) and the street layer's input record, which the
    /// study's provenance lists beside the incidents (`None` for a layer made in
    /// memory).
    pub fn into_space(self) -> (Arc<NetworkSpace>, Option<InputFile>) {
        (Arc::new(self.space), self.streets.source)
    }
}

#[cfg(test)]
mod tests;
