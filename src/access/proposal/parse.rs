//! Reading proposals: the GeoJSON document, each feature's properties, the
//! geometry checked against its action.

use super::*;

pub(super) fn row_err(
    path: &Path,
    row: usize,
    column: &str,
    value: impl Into<String>,
    message: impl Into<String>,
) -> Error {
    Error::Row {
        path: path.to_path_buf(),
        row: row as u64,
        column: column.into(),
        value: value.into(),
        message: message.into(),
    }
}

pub(super) fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads and validates the proposals of a GeoJSON file against a study.
pub fn read_proposals(path: impl AsRef<Path>, study: &Study) -> Result<Vec<Proposal>> {
    let path = path.as_ref();
    let (bytes, _) = crate::io::read_bytes(path)?;
    parse_proposals(&bytes, path, study)
}

/// Parses and validates proposals from GeoJSON bytes (`path` names the source in errors).
pub fn parse_proposals(bytes: &[u8], path: &Path, study: &Study) -> Result<Vec<Proposal>> {
    let doc = parse_document(bytes, path)?;
    // built lazily: a wrong CRS is reported per feature, after the lon/lat check
    let proj = Reprojector::new(&doc.crs, &study.crs.working);
    let stem = crate::io::csv::stem(path);
    let mut groups: Vec<Proposal> = Vec::new();
    for (i, f) in doc.features.iter().enumerate() {
        let props = f
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let fp = FeatureProps {
            path,
            row: i,
            props: &props,
        };
        let kind = fp.kind()?;
        let layer = fp.layer(study, kind)?;
        let (hours, days) = fp.schedule(kind)?;
        let target = fp.get("target").filter(|v| !v.is_null()).map(value_text);
        let filter = fp.filter()?;
        let set = fp.set(kind)?;
        let spacing = fp.spacing()?;
        let geometry = match f.get("geometry").filter(|g| !g.is_null()) {
            None => None,
            Some(g) => Some(parse_geometry(
                g,
                &fp,
                study,
                &doc,
                proj.as_ref().map_err(|e| e.to_string()),
            )?),
        };
        check_geometry(
            &fp,
            study,
            kind,
            &layer,
            geometry.as_ref(),
            &target,
            &filter,
        )?;
        let properties: Map<String, Value> = props
            .iter()
            .filter(|(k, _)| !CONTROL.iter().any(|c| c.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let label = fp
            .get("name")
            .filter(|v| !v.is_null())
            .map(value_text)
            .unwrap_or_else(|| format!("{} {} #{i}", kind.name(), layer));
        let group = fp
            .get("proposal")
            .filter(|v| !v.is_null())
            .map(value_text)
            .unwrap_or_else(|| stem.clone());
        let action = Action {
            index: i,
            kind,
            layer,
            label,
            geometry,
            hours,
            days,
            target,
            filter,
            set,
            properties,
            spacing,
        };
        match groups.iter_mut().find(|g| g.name == group) {
            Some(g) => g.actions.push(action),
            None => groups.push(Proposal {
                name: group,
                source: path.to_path_buf(),
                actions: vec![action],
            }),
        }
    }
    // selections must match something
    for p in &groups {
        apply(study, p)?;
    }
    Ok(groups)
}

/// Properties that control an action (not copied onto added features).
pub(super) const CONTROL: [&str; 10] = [
    "action", "layer", "hours", "days", "target", "where", "set", "spacing", "proposal", "name",
];

/// A proposal file's features and declared CRS.
pub(super) struct Document {
    features: Vec<Value>,
    crs: Crs,
    /// Whether the file has a `crs` member (else EPSG:4326 is assumed).
    declared: bool,
}

/// The JSON document: UTF-8, a FeatureCollection with features, its `crs` member.
pub(super) fn parse_document(bytes: &[u8], path: &Path) -> Result<Document> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::format(path, format!("not UTF-8 text (byte {})", e.valid_up_to())))?;
    let v: Value = serde_json::from_str(text).map_err(|e| {
        Error::format(
            path,
            format!(
                "invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(Error::format(
            path,
            "a proposal must be a GeoJSON FeatureCollection with one feature per action",
        ));
    }
    let (crs, declared) = match v.pointer("/crs/properties/name").and_then(Value::as_str) {
        Some(name) => (
            Crs::parse(name).map_err(|e| Error::format(path, format!("crs member: {e}")))?,
            true,
        ),
        None => (WGS84, false),
    };
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::format(path, "FeatureCollection without a features array"))?;
    if features.is_empty() {
        return Err(Error::format(
            path,
            "the proposal has no features (actions)",
        ));
    }
    Ok(Document {
        features: features.clone(),
        crs,
        declared,
    })
}

/// The properties of one feature (action), with the file and row for errors.
pub(super) struct FeatureProps<'a> {
    path: &'a Path,
    row: usize,
    props: &'a Map<String, Value>,
}

impl FeatureProps<'_> {
    /// A property by case-insensitive name.
    fn get(&self, k: &str) -> Option<&Value> {
        self.props
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    }

    fn err(&self, column: &str, value: impl Into<String>, message: impl Into<String>) -> Error {
        row_err(self.path, self.row, column, value, message)
    }

    /// `action`: required, one of the schema's actions.
    fn kind(&self) -> Result<ActionKind> {
        let names: Vec<&str> = ActionKind::ALL.iter().map(|a| a.name()).collect();
        match self.get("action") {
            None | Some(Value::Null) => Err(self.err(
                "action",
                "",
                format!("missing; expected one of {}", names.join(", ")),
            )),
            Some(a) => ActionKind::parse(&value_text(a)).ok_or_else(|| {
                self.err(
                    "action",
                    value_text(a),
                    format!("unknown action; expected one of {}", names.join(", ")),
                )
            }),
        }
    }

    /// `layer`: required, a known layer that fits the action.
    fn layer(&self, study: &Study, kind: ActionKind) -> Result<String> {
        let known = study.known_layers();
        let layer = match self.get("layer") {
            None | Some(Value::Null) => {
                return Err(self.err(
                    "layer",
                    "",
                    format!("missing; known layers are {}", known.join(", ")),
                ))
            }
            Some(l) => {
                let l = value_text(l);
                if !known.contains(&l) {
                    return Err(self.err(
                        "layer",
                        l,
                        format!("unknown layer; known layers are {}", known.join(", ")),
                    ));
                }
                l
            }
        };
        let is_net = study.is_network(&layer);
        let is_space = study.is_space(&layer);
        match kind {
            ActionKind::Close if !is_net => Err(self.err(
                "layer",
                &layer,
                format!(
                    "'close' applies to a network layer ({})",
                    study.network_layers.join(", ")
                ),
            )),
            ActionKind::Gate | ActionKind::Enclose if !is_space => Err(self.err(
                "layer",
                &layer,
                format!(
                    "'{}' applies to a public-space layer ({})",
                    kind.name(),
                    study.space_layers.join(", ")
                ),
            )),
            ActionKind::Open if !is_net && !is_space => Err(self.err(
                "layer",
                &layer,
                format!(
                    "'open' applies to a network layer ({}) or a public-space layer ({})",
                    study.network_layers.join(", "),
                    study.space_layers.join(", ")
                ),
            )),
            _ => Ok(layer),
        }
    }

    /// `hours` and `days`: when a close, fence or gate is in force.
    fn schedule(&self, kind: ActionKind) -> Result<(Option<Hours>, Option<[bool; 7]>)> {
        let timed = matches!(
            kind,
            ActionKind::Close | ActionKind::Fence | ActionKind::Gate
        );
        let only_timed = |field: &str, s: String| {
            self.err(
                field,
                s,
                format!(
                    "{field} apply only to close, fence and gate, not '{}'",
                    kind.name()
                ),
            )
        };
        let hours = match self.get("hours") {
            None | Some(Value::Null) => None,
            Some(h) => {
                let s = value_text(h);
                if !timed {
                    return Err(only_timed("hours", s));
                }
                Some(Hours::parse(&s).ok_or_else(|| {
                    self.err(
                        "hours",
                        s.clone(),
                        "expected HH:MM-HH:MM (when the restriction is in force), e.g. 22:00-06:00",
                    )
                })?)
            }
        };
        let days = match self.get("days") {
            None | Some(Value::Null) => None,
            Some(d) => {
                let s = value_text(d);
                if !timed {
                    return Err(only_timed("days", s));
                }
                if !d.is_string() {
                    return Err(self.err(
                        "days",
                        s,
                        "expected a text of day names or ranges, e.g. \"fri,sat\" or \"mon-fri\"",
                    ));
                }
                Some(crate::when::filter::parse_days(&s).map_err(|e| {
                    let m = match e {
                        Error::Param(m) => m,
                        Error::InvalidParam { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    self.err("days", s.clone(), m)
                })?)
            }
        };
        Ok((hours, days))
    }

    /// `where`: an object of property values.
    fn filter(&self) -> Result<Vec<(String, String)>> {
        match self.get("where") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(m)) => {
                Ok(m.iter().map(|(k, v)| (k.clone(), value_text(v))).collect())
            }
            Some(other) => Err(self.err(
                "where",
                value_text(other),
                "expected an object of property values, e.g. {\"status\": \"out\"}",
            )),
        }
    }

    /// `set`: an object of properties, required and non-empty for `modify`.
    fn set(&self, kind: ActionKind) -> Result<Map<String, Value>> {
        let set = match self.get("set") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                return Err(self.err(
                    "set",
                    value_text(other),
                    "expected an object of properties to set",
                ))
            }
        };
        if kind == ActionKind::Modify && set.is_empty() {
            return Err(self.err(
                "set",
                "",
                "'modify' needs a non-empty \"set\" object, e.g. {\"status\": \"on\"}",
            ));
        }
        Ok(set)
    }

    /// `spacing`: a positive distance (m).
    fn spacing(&self) -> Result<f64> {
        match self.get("spacing") {
            None | Some(Value::Null) => Ok(DEFAULT_SPACING),
            Some(s) => match s.as_f64() {
                Some(x) if x.is_finite() && x > 0.0 => Ok(x),
                _ => Err(self.err(
                    "spacing",
                    value_text(s),
                    "expected a positive distance in metres",
                )),
            },
        }
    }
}

/// A feature's geometry in the working CRS, checked to be lon/lat when no CRS is
/// declared and to lie in the study area.
pub(super) fn parse_geometry(
    g: &Value,
    fp: &FeatureProps<'_>,
    study: &Study,
    doc: &Document,
    proj: std::result::Result<&Reprojector, String>,
) -> Result<Geometry<f64>> {
    let file_crs = &doc.crs;
    let mut geom =
        crate::io::geojson::geometry_from_json(g).map_err(|m| fp.err("geometry", "", m))?;
    if !doc.declared {
        use geo::CoordsIter;
        if geom
            .coords_iter()
            .any(|c| c.x.abs() > 180.0 || c.y.abs() > 90.0)
        {
            return Err(fp.err("geometry", "", format!(
                "coordinates are not longitude/latitude, but the file has no \"crs\" member so EPSG:4326 (RFC 7946) is assumed: wrong CRS? add a crs member naming the file's CRS, e.g. {}", study.crs.working
            )));
        }
    }
    proj.and_then(|p| p.apply_geometry(&mut geom).map_err(|e| e.to_string()))
        .map_err(|e| {
            fp.err(
                "geometry",
                "",
                format!(
                    "cannot transform from {file_crs} to {}: {e}",
                    study.crs.working
                ),
            )
        })?;
    let Some(r) = geom.bounding_rect() else {
        return Err(fp.err("geometry", "", "empty geometry"));
    };
    let e = study.extent;
    let m = study.margin;
    let dx = (e[0] - m - r.max().x).max(r.min().x - (e[2] + m)).max(0.0);
    let dy = (e[1] - m - r.max().y).max(r.min().y - (e[3] + m)).max(0.0);
    let away = dx.hypot(dy);
    if away > 0.0 {
        let hint = if away > 50_000.0 {
            format!(
                " — that far away the CRS is probably wrong (the file's CRS is {file_crs}{})",
                if doc.declared { "" } else { ", assumed" }
            )
        } else {
            String::new()
        };
        return Err(fp.err("geometry", "", format!(
            "outside the study area by {away:.0} m (study area {:.0},{:.0} – {:.0},{:.0} in {}, margin {m:.0} m){hint}",
            e[0], e[1], e[2], e[3], study.crs.working
        )));
    }
    Ok(geom)
}

/// Whether the action has the geometry (or selection) it needs, of the right kind.
pub(super) fn check_geometry(
    fp: &FeatureProps<'_>,
    study: &Study,
    kind: ActionKind,
    layer: &str,
    geometry: Option<&Geometry<f64>>,
    target: &Option<String>,
    filter: &[(String, String)],
) -> Result<()> {
    let is_net = study.is_network(layer);
    let is_space = study.is_space(layer);
    let gk = geometry.map(geometry_kind);
    let needs_geom = matches!(kind, ActionKind::Add | ActionKind::Open | ActionKind::Fence);
    if geometry.is_none() && (needs_geom || target.is_none() && filter.is_empty()) {
        return Err(fp.err(
            "geometry",
            "null",
            format!(
                "'{}' needs a geometry{}",
                kind.name(),
                if needs_geom {
                    ""
                } else {
                    " (or a \"target\" id / \"where\" filter)"
                }
            ),
        ));
    }
    let want = |ok: bool, what: &str| -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(fp.err(
                "geometry",
                format!("{:?}", gk.unwrap_or(GeometryKind::Other)).to_lowercase(),
                format!("'{}' on layer '{layer}' needs {what}", kind.name()),
            ))
        }
    };
    match kind {
        ActionKind::Fence => want(gk == Some(GeometryKind::Line), "a line"),
        ActionKind::Open if is_net => want(gk == Some(GeometryKind::Line), "a line"),
        ActionKind::Open => want(gk == Some(GeometryKind::Polygon), "a polygon"),
        ActionKind::Add if is_net => want(gk == Some(GeometryKind::Line), "a line"),
        ActionKind::Add if is_space => want(gk == Some(GeometryKind::Polygon), "a polygon"),
        _ => Ok(()),
    }
}
