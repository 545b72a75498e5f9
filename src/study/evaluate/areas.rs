//! How a treatment layer (and an optional control layer) becomes treatment areas.

use crate::error::{Error, Result};
use crate::evaluate::TreatmentArea;
use crate::layer::Layer;
use crate::study::StudyLayer;

/// Named groups of geometries.
type Groups = Vec<(String, Vec<geo::Geometry<f64>>)>;

/// Groups a layer's features into areas by a property (or one area named `default`).
fn group(layer: &Layer, field: Option<&str>, default: &str) -> Result<Groups> {
    let mut out: Groups = Vec::new();
    for (i, g) in layer.geometries.iter().enumerate() {
        let name = match field {
            Some(f) => layer
                .property_str(i, f)
                .ok_or_else(|| Error::FeatureProperty {
                    layer: layer.name.clone(),
                    feature: i,
                    property: f.to_string(),
                    reason: "has no property (the area field)",
                })?,
            None => default.to_string(),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(g.clone()),
            None => out.push((name, vec![g.clone()])),
        }
    }
    Ok(out)
}

/// How the treatment (and control) layers become areas.
#[derive(Debug, Clone, Default)]
pub struct AreaParams {
    /// Property naming the areas: features with the same value form one area
    /// [default: all features form one area, named after the file].
    pub area_field: Option<String>,
    /// Treated distance around point or line features (m).
    pub radius: f64,
    /// Width of the buffer ring (m); 0 for none.
    pub buffer: f64,
}

/// Treatment areas from a treatment layer and an optional control layer (per area when
/// its features carry the area field, else shared).
pub fn treatment_areas(
    treatment: &StudyLayer,
    control: Option<&StudyLayer>,
    p: &AreaParams,
) -> Result<Vec<TreatmentArea>> {
    let tl = &treatment.layer;
    let name = |l: &StudyLayer| {
        l.source
            .as_ref()
            .map_or(l.layer.name.clone(), |s| s.path.clone())
    };
    if tl.is_empty() {
        return Err(Error::Content(format!(
            "{}: no treatment feature",
            name(treatment)
        )));
    }
    let groups = group(tl, p.area_field.as_deref(), &tl.name)?;
    let mut areas: Vec<TreatmentArea> = groups
        .into_iter()
        .map(|(n, geoms)| {
            TreatmentArea::polygons(&n, geoms)
                .radius(p.radius)
                .buffer(p.buffer)
        })
        .collect();
    if let Some(c) = control {
        let cl = &c.layer;
        if cl.is_empty() {
            return Err(Error::Content(format!("{}: no control feature", name(c))));
        }
        let per_area = p
            .area_field
            .as_deref()
            .filter(|f| (0..cl.len()).all(|i| cl.property_str(i, f).is_some()));
        match per_area {
            Some(f) => {
                let groups = group(cl, Some(f), "")?;
                for area in &mut areas {
                    let geoms = groups
                        .iter()
                        .find(|(n, _)| *n == area.name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            Error::Content(format!(
                                "{}: no control feature with {f} = '{}'",
                                name(c),
                                area.name
                            ))
                        })?;
                    area.control = Some(geoms);
                }
            }
            None => {
                for area in &mut areas {
                    area.control = Some(cl.geometries.clone());
                }
            }
        }
    }
    Ok(areas)
}
