//! A [`Network`] built from the line features of a layer, keeping each edge's source feature.

use geo::{Geometry, LineString};

use super::{Network, NetworkParams};
use crate::error::{Error, Result};
use crate::layer::Layer;

/// A network built from the line features of a layer, with the source of each line.
#[derive(Debug, Clone)]
pub struct LayerNetwork {
    /// The network.
    pub net: Network,
    /// Source feature of each input line (index into the layer); edge `e` comes from
    /// feature `line_feature[net.edges[e].line]`.
    pub line_feature: Vec<usize>,
    /// Features that are not lines (points, polygons): skipped.
    pub skipped_non_line: usize,
}

impl LayerNetwork {
    /// Source feature of edge `e`.
    pub fn feature_of_edge(&self, e: usize) -> usize {
        self.line_feature[self.net.edges[e].line as usize]
    }
}

impl Network {
    /// Builds the network from the line features of `layer` (lines, line strings
    /// and every part of a multi-line string); other geometries are skipped and
    /// counted.
    ///
    /// # Errors
    /// As [`Network::build`]; [`Error::Degenerate`] when the layer has no line.
    pub fn from_layer(layer: &Layer, params: &NetworkParams) -> Result<LayerNetwork> {
        let mut lines = Vec::new();
        let mut line_feature = Vec::new();
        let mut skipped = 0;
        for (i, g) in layer.geometries.iter().enumerate() {
            match g {
                Geometry::Line(l) => {
                    lines.push(LineString::from(vec![l.start, l.end]));
                    line_feature.push(i);
                }
                Geometry::LineString(l) => {
                    lines.push(l.clone());
                    line_feature.push(i);
                }
                Geometry::MultiLineString(m) => {
                    for p in &m.0 {
                        lines.push(p.clone());
                        line_feature.push(i);
                    }
                }
                _ => skipped += 1,
            }
        }
        if lines.is_empty() {
            return Err(Error::degenerate(
                "a street network",
                format!(
                    "layer '{}' has no line feature to build a network from ({} other features)",
                    layer.name, skipped
                ),
            ));
        }
        let net = Network::build(&lines, params)?;
        if net.edges.is_empty() {
            return Err(Error::degenerate(
                "a street network",
                format!(
                    "layer '{}': no usable line ({} degenerate lines)",
                    layer.name, net.report.degenerate_lines
                ),
            ));
        }
        Ok(LayerNetwork {
            net,
            line_feature,
            skipped_non_line: skipped,
        })
    }
}
