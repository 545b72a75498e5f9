//! Writing a proposal back as GeoJSON in the schema it is read from.

use super::*;

/// Writes a proposal as GeoJSON (EPSG:4326) in the schema [`parse_proposals`] reads.
pub fn proposal_to_geojson(p: &Proposal, crs: &Crs) -> Result<Vec<u8>> {
    let mut features = Vec::new();
    let to = Reprojector::new(crs, &WGS84)?;
    for a in &p.actions {
        let mut props = a.properties.clone();
        props.insert("proposal".into(), p.name.clone().into());
        props.insert("name".into(), a.label.clone().into());
        props.insert("action".into(), a.kind.name().into());
        props.insert("layer".into(), a.layer.clone().into());
        if let Some(h) = a.hours {
            props.insert("hours".into(), h.to_string().into());
        }
        if let Some(d) = &a.days {
            props.insert("days".into(), days_text(d).into());
        }
        if let Some(t) = &a.target {
            props.insert("target".into(), t.clone().into());
        }
        if !a.filter.is_empty() {
            let m: Map<String, Value> = a
                .filter
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            props.insert("where".into(), Value::Object(m));
        }
        if !a.set.is_empty() {
            props.insert("set".into(), Value::Object(a.set.clone()));
        }
        if a.spacing != DEFAULT_SPACING {
            props.insert("spacing".into(), a.spacing.into());
        }
        let geom = match &a.geometry {
            Some(g) => {
                let mut g = g.clone();
                to.apply_geometry(&mut g)?;
                crate::io::geojson::geometry_to_json(&g, true)
            }
            None => Value::Null,
        };
        features
            .push(serde_json::json!({"type": "Feature", "properties": props, "geometry": geom}));
    }
    let mut out = serde_json::to_vec_pretty(
        &serde_json::json!({"type": "FeatureCollection", "features": features}),
    )
    .map_err(|e| Error::Content(format!("writing proposal: {e}")))?;
    out.push(b'\n');
    Ok(out)
}
