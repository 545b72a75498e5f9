//! Grouping the incidents of a `when` study: by category, column, cell, Gi* hot
//! spot, cluster, polygon, zone or site, each incident in at most one group.

use geo::Geometry;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::index::GeometryIndex;
use crate::study::hotspots::HotspotInput;
use crate::study::StudyLayer;

use super::{WhenGroups, WhenInput};

/// Group index per incident (`None`: in no group) and group names.
pub(super) struct Grouping {
    pub(super) names: Vec<String>,
    pub(super) of: Vec<Option<usize>>,
    pub(super) details: Value,
}

fn sorted_grouping(keys: Vec<String>) -> Grouping {
    let mut names: Vec<String> = keys.clone();
    names.sort();
    names.dedup();
    let of = keys.iter().map(|k| names.binary_search(k).ok()).collect();
    Grouping {
        names,
        of,
        details: Value::Null,
    }
}

fn layer_name(l: &StudyLayer) -> String {
    l.source
        .as_ref()
        .map_or(l.layer.name.clone(), |s| s.path.clone())
}

/// Groups of features by name, in the order of first appearance.
fn named_features(names: Vec<String>) -> (Vec<String>, Vec<usize>) {
    let mut uniq: Vec<String> = Vec::new();
    let mut of = Vec::with_capacity(names.len());
    for n in names {
        match uniq.iter().position(|u| *u == n) {
            Some(k) => of.push(k),
            None => {
                of.push(uniq.len());
                uniq.push(n);
            }
        }
    }
    (uniq, of)
}

/// Each point's feature: the first (lowest index) within `radius` when `nearest` is
/// false; the nearest (then lowest index) when true.
fn feature_of(
    idx: &GeometryIndex,
    xy: &[[f64; 2]],
    radius: f64,
    nearest: bool,
) -> Vec<Option<usize>> {
    xy.iter()
        .map(|&p| {
            let hits = idx.within(p, radius);
            let key = |&(k, d): &(usize, f64)| if nearest { (d, k) } else { (0.0, k) };
            hits.iter()
                .min_by(|a, b| {
                    key(a)
                        .partial_cmp(&key(b))
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .map(|h| h.0)
        })
        .collect()
}

pub(super) fn grouping(input: &WhenInput, by: &WhenGroups) -> Result<Grouping> {
    let inc = &input.incidents.incidents;
    match by {
        WhenGroups::Category => Ok(sorted_grouping(
            (0..inc.len())
                .map(|i| inc.category_name(i).unwrap_or("").to_string())
                .collect(),
        )),
        WhenGroups::Column { name } => {
            let col = inc.attr(name).ok_or_else(|| {
                Error::invalid_param(
                    "by",
                    format!("column:{name}"),
                    format!("no such column (columns: {})", inc.attr_names.join(", ")),
                )
            })?;
            Ok(sorted_grouping(col.iter().map(str::to_string).collect()))
        }
        WhenGroups::Cell { size } => {
            if !(*size > 0.0 && size.is_finite()) {
                return Err(Error::invalid_param(
                    "cell",
                    size,
                    "the cell size must be positive metres",
                ));
            }
            let c = |v: f64| ((v / size).floor() + 0.5) * size;
            Ok(sorted_grouping(
                inc.xy
                    .iter()
                    .map(|p| format!("{:.0} {:.0}", c(p[0]), c(p[1])))
                    .collect(),
            ))
        }
        WhenGroups::Hotspot(p) => {
            let hs = HotspotInput::new(input.incidents.clone());
            let r = crate::study::hotspots::gistar(&hs, p)?;
            let of = inc
                .xy
                .iter()
                .map(|q| {
                    Some(match r.cells.position_of(*q) {
                        Some(k) if r.result.bin[k] >= 1 => 0,
                        _ => 1,
                    })
                })
                .collect();
            let b = r.result.bin_counts;
            Ok(Grouping {
                names: vec!["hot".into(), "rest".into()],
                of,
                details: json!({"hot_cells": b[4] + b[5] + b[6], "cells": r.cells.len(),
                    "cell_m": r.cells.cell(), "gistar": p.gistar, "weights": p.weights,
                    "rule": "hot = Gi* bin >= 1 (hot at 90 % or more); rest = every other incident"}),
            })
        }
        WhenGroups::Cluster(p) => {
            let r = crate::study::clusters::clusters(&input.incidents, p)?;
            let mut of = vec![None; inc.len()];
            for (k, &i) in r.used.iter().enumerate() {
                of[i] = r.clustering.labels[k];
            }
            let n = r.clustering.n_clusters;
            Ok(Grouping {
                names: (0..n).map(|c| format!("cluster {c}")).collect(),
                of,
                details: json!({"clusters": n, "parameters": r.parameters}),
            })
        }
        WhenGroups::Polygon { .. } | WhenGroups::Zone | WhenGroups::Site { .. } => {
            let l = input.layer.as_ref().ok_or_else(|| Error::MissingInput {
                what: vec![format!("the layer of the groups by {}", by.label())],
            })?;
            let layer = &l.layer;
            if layer.is_empty() {
                return Err(Error::Content(format!("{}: no feature", layer_name(l))));
            }
            let polygonal =
                |g: &Geometry<f64>| matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
            let feature_names: Vec<String> = match by {
                WhenGroups::Polygon { field } => {
                    if let Some(i) = layer.geometries.iter().position(|g| !polygonal(g)) {
                        return Err(Error::Content(format!(
                            "{}: feature {i} is not a polygon (groups by polygon need polygons)",
                            layer_name(l)
                        )));
                    }
                    (0..layer.len())
                        .map(|i| match field {
                            Some(f) => layer.property_str(i, f).ok_or_else(|| {
                                Error::Content(format!(
                                    "{}: feature {i} has no property {f:?}",
                                    layer_name(l)
                                ))
                            }),
                            None => Ok(format!("feature {i}")),
                        })
                        .collect::<Result<_>>()?
                }
                WhenGroups::Zone => (0..layer.len())
                    .map(|i| {
                        let zone = layer.property_str(i, "zone").ok_or_else(|| {
                            Error::Content(format!(
                                "{}: feature {i} has no 'zone' property (expected the areas.geojson of an evaluation)",
                                layer_name(l)
                            ))
                        })?;
                        Ok(match layer.property_str(i, "area") {
                            Some(a) => format!("{a} {zone}"),
                            None => zone,
                        })
                    })
                    .collect::<Result<_>>()?,
                _ => (0..layer.len())
                    .map(|i| {
                        ["name", "id", "site_id"]
                            .iter()
                            .find_map(|k| layer.property_str(i, k))
                            .unwrap_or_else(|| format!("site {i}"))
                    })
                    .collect(),
            };
            let radius = match by {
                WhenGroups::Site { radius } => {
                    if !(*radius >= 0.0 && radius.is_finite()) {
                        return Err(Error::invalid_param(
                            "radius",
                            radius,
                            "the site radius must be metres >= 0",
                        ));
                    }
                    *radius
                }
                _ => 0.0,
            };
            let (names, group_of_feature) = named_features(feature_names);
            let idx = GeometryIndex::of_layer(layer);
            let nearest = matches!(by, WhenGroups::Site { .. });
            let of = feature_of(&idx, &inc.xy, radius, nearest)
                .into_iter()
                .map(|f| f.map(|k| group_of_feature[k]))
                .collect();
            Ok(Grouping {
                details: json!({"layer": layer_name(l), "features": layer.len(), "radius_m": radius}),
                names,
                of,
            })
        }
    }
}
