//! The study a proposal acts on: its layers and which of them form the walking
//! network, the public spaces and the barriers.

use super::*;

/// The study: the layers a proposal acts on and which of them form the walking
/// network and the public spaces.
#[derive(Debug, Clone)]
pub struct Study {
    /// All layers (streets, paths, parks, lights, ...), in the working CRS.
    pub layers: Vec<Layer>,
    /// Names of the line layers that form the walking network.
    pub network_layers: Vec<String>,
    /// Names of the polygon layers that are public space.
    pub space_layers: Vec<String>,
    /// Study area `[minx, miny, maxx, maxy]`: the extent of the layers.
    pub extent: [f64; 4],
    /// How far outside the extent a proposal's geometry may reach (m).
    pub margin: f64,
    /// CRS of the layers.
    pub crs: CrsChoice,
}

/// Default network layer names.
pub const NETWORK_LAYERS: [&str; 2] = ["streets", "paths"];
/// Default public-space layer names.
pub const SPACE_LAYERS: [&str; 1] = ["parks"];
/// Layer that holds barriers by default.
pub const BARRIER_LAYER: &str = "barriers";

impl Study {
    /// A study of these layers with the default roles (`streets`/`paths` network,
    /// `parks` public space) and a 200 m margin.
    ///
    /// # Errors
    /// [`Error::MissingInput`] when no network layer with features is present;
    /// [`Error::Crs`] when the layers are in different working CRSs.
    pub fn new(layers: Vec<Layer>) -> Result<Study> {
        Study::with_roles(
            layers,
            NETWORK_LAYERS.iter().map(|s| s.to_string()).collect(),
            SPACE_LAYERS.iter().map(|s| s.to_string()).collect(),
        )
    }

    /// A study with explicit network and public-space layer names.
    pub fn with_roles(
        layers: Vec<Layer>,
        network_layers: Vec<String>,
        space_layers: Vec<String>,
    ) -> Result<Study> {
        let net: Vec<&Layer> = layers
            .iter()
            .filter(|l| network_layers.contains(&l.name) && !l.is_empty())
            .collect();
        let Some(first) = net.first() else {
            return Err(Error::MissingInput {
                what: vec![format!(
                    "a network layer (one of {} with line features)",
                    network_layers.join(", ")
                )],
            });
        };
        let crs = first.crs.clone();
        for l in &layers {
            if l.crs.working != crs.working {
                return Err(Error::Crs(format!(
                    "layer '{}' is in {} but the network is in {}: load every layer into one working CRS",
                    l.name, l.crs.working, crs.working
                )));
            }
        }
        let mut extent: Option<[f64; 4]> = None;
        for l in &layers {
            if let Some(b) = l.bbox() {
                extent = Some(match extent {
                    None => b,
                    Some(e) => [
                        e[0].min(b[0]),
                        e[1].min(b[1]),
                        e[2].max(b[2]),
                        e[3].max(b[3]),
                    ],
                });
            }
        }
        Ok(Study {
            extent: extent.unwrap_or([0.0; 4]),
            layers,
            network_layers,
            space_layers,
            margin: 200.0,
            crs,
        })
    }

    /// A layer by name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// Names a proposal may use as `layer`.
    pub fn known_layers(&self) -> Vec<String> {
        let mut v: Vec<String> = self.layers.iter().map(|l| l.name.clone()).collect();
        for n in self
            .network_layers
            .iter()
            .chain(&self.space_layers)
            .map(String::as_str)
            .chain([BARRIER_LAYER])
        {
            if !v.iter().any(|x| x == n) {
                v.push(n.to_string());
            }
        }
        v
    }
    pub(super) fn is_network(&self, name: &str) -> bool {
        self.network_layers.iter().any(|n| n == name)
    }
    pub(super) fn is_space(&self, name: &str) -> bool {
        self.space_layers.iter().any(|n| n == name)
    }
}
