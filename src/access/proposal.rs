//! Design proposals: the GeoJSON schema, validation and applying a proposal to layers.
//!
//! # Schema
//! A proposal file is a GeoJSON FeatureCollection (EPSG:4326 unless a `crs`
//! member names another CRS); each feature is one **action**:
//!
//! | property   | meaning |
//! |------------|---------|
//! | `action`   | required: `add`, `remove`, `modify`, `close`, `fence`, `gate`, `enclose`, `open` |
//! | `layer`    | required: the layer acted on (a loaded layer, a network layer such as `streets`/`paths`, a public-space layer such as `parks`, or `barriers`) |
//! | `hours`    | optional, `close`/`fence`/`gate` only: when the restriction is in force, `HH:MM-HH:MM` (may wrap midnight); absent = always |
//! | `days`     | optional, `close`/`fence`/`gate` only: the days it is in force, names or ranges as `--weekdays` (`fri,sat`, `mon-fri`, `sat-sun`); a window wrapping midnight belongs to the day it starts on; absent = every day |
//! | `target`   | optional: select existing features by their `id` property |
//! | `where`    | optional object: select only features whose properties equal these values (e.g. `{"status": "out"}`) |
//! | `set`      | `modify` only, required: properties to set (e.g. `{"status": "on"}`) |
//! | `spacing`  | `add` of points along a line: spacing in metres (default 35) |
//! | `proposal` | optional: group name, so one file can hold several proposals (default: the file stem) |
//! | `name`     | optional: a label for the action |
//!
//! Other properties are copied onto added features.
//!
//! **Selecting features** (`remove`, `modify`, `close`, `gate`, `enclose`): the
//! features of `layer` that pass `target` and `where` and whose geometry matches the
//! action's geometry — inside a polygon (representative point), within 10 m of a
//! point, or with their representative point within 10 m of a line. Without a
//! geometry, `target` or `where` select alone.
//!
//! **Effects**: `add` appends the geometry (a line added to a point layer becomes
//! points every `spacing` m); `remove` deletes; `modify` sets properties; `close`
//! closes network features to movement; `fence` adds a line barrier (stored in
//! `layer`) that closes every network edge it crosses; `gate` restricts public
//! spaces during `hours` (always if absent) and closes the network inside them
//! meanwhile; `enclose` removes public spaces from public use for good, with the
//! network inside them; `open` adds a network line (a new path) or a new public
//! space polygon.
//!
//! # Validation
//! Errors are [`Error::Row`] with the feature's 0-based index and the property at
//! fault: unknown action or layer (the message lists the valid ones), an action
//! that does not fit the layer or geometry, bad `hours` or `days`, coordinates that are not
//! longitude/latitude in a file without a `crs` member, geometry outside the study
//! area (with a hint about the CRS when far away), and selections that match no
//! feature.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Centroid, Geometry, LineString, Point};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crs::{Crs, CrsChoice, Reprojector, WGS84};
use crate::error::{Error, Result};
use crate::index::point_geometry_distance;
use crate::layer::{geometry_kind, GeometryKind, Layer};

/// Distance within which a point or line selects features (m).
pub const MATCH_DISTANCE: f64 = 10.0;
/// Default spacing of points added along a line (m).
pub const DEFAULT_SPACING: f64 = 35.0;

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Add a feature.
    Add,
    /// Remove features.
    Remove,
    /// Change properties of features.
    Modify,
    /// Close network features to movement.
    Close,
    /// Add a line barrier.
    Fence,
    /// Restrict public spaces during hours.
    Gate,
    /// Take public spaces out of public use.
    Enclose,
    /// Open a new path or public space.
    Open,
}

impl ActionKind {
    /// All actions, in schema order.
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Add,
        ActionKind::Remove,
        ActionKind::Modify,
        ActionKind::Close,
        ActionKind::Fence,
        ActionKind::Gate,
        ActionKind::Enclose,
        ActionKind::Open,
    ];
    /// The schema name.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Add => "add",
            ActionKind::Remove => "remove",
            ActionKind::Modify => "modify",
            ActionKind::Close => "close",
            ActionKind::Fence => "fence",
            ActionKind::Gate => "gate",
            ActionKind::Enclose => "enclose",
            ActionKind::Open => "open",
        }
    }
    /// Parses a schema name (case-insensitive).
    pub fn parse(s: &str) -> Option<ActionKind> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }
    /// Whether the action restricts movement or public space (close, fence, gate, enclose).
    pub fn restricts(self) -> bool {
        matches!(
            self,
            ActionKind::Close | ActionKind::Fence | ActionKind::Gate | ActionKind::Enclose
        )
    }
}

/// A daily time window `[from, to)` in minutes after midnight (wraps midnight when `to <= from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// Start (minutes after midnight).
    pub from: u32,
    /// End (minutes after midnight).
    pub to: u32,
}

impl Hours {
    /// Parses `HH:MM-HH:MM` (24 h clock; `24:00` allowed as an end).
    pub fn parse(s: &str) -> Option<Hours> {
        let (a, b) = s.trim().split_once('-')?;
        let hm = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
        };
        let (from, to) = (hm(a)?, hm(b)?);
        (from < 1440 && from != to).then_some(Hours { from, to })
    }
    /// Minutes per day the window covers.
    pub fn minutes(&self) -> u32 {
        (self.to + 1440 - self.from) % 1440
    }
    /// Share of the day covered.
    pub fn share_of_day(&self) -> f64 {
        self.minutes() as f64 / 1440.0
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.from / 60,
            self.from % 60,
            self.to / 60,
            self.to % 60
        )
    }
}

/// `fri,sat`: the selected days, Sunday first, lower-case three-letter names.
pub fn days_text(days: &[bool; 7]) -> String {
    crate::when::DAY_NAMES
        .iter()
        .zip(days)
        .filter(|(_, &on)| on)
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// Minutes per day covered by the union of windows (`None` = always → 1440).
pub fn union_minutes(windows: &[Option<Hours>]) -> u32 {
    let mut day = [false; 1440];
    for w in windows {
        match w {
            None => return 1440,
            Some(h) => {
                for k in 0..h.minutes() {
                    day[((h.from + k) % 1440) as usize] = true;
                }
            }
        }
    }
    day.iter().filter(|x| **x).count() as u32
}

/// One action of a proposal (one feature of the file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    /// 0-based feature index in the file.
    pub index: usize,
    /// What it does.
    pub kind: ActionKind,
    /// Layer acted on.
    pub layer: String,
    /// Label (`name` property, or `action layer #index`).
    pub label: String,
    /// Geometry in the study's working CRS.
    #[serde(skip)]
    pub geometry: Option<Geometry<f64>>,
    /// When the restriction is in force (`None` = always).
    pub hours: Option<Hours>,
    /// Days on which it is in force, Sunday first (`None` = every day). A window that
    /// wraps midnight belongs to the day it starts on (`fri` with `22:00-06:00` runs
    /// from Friday 22:00 to Saturday 06:00).
    pub days: Option<[bool; 7]>,
    /// Select features with this `id`.
    pub target: Option<String>,
    /// Select features with these property values.
    pub filter: Vec<(String, String)>,
    /// Properties to set (`modify`).
    pub set: Map<String, Value>,
    /// Properties of added features.
    pub properties: Map<String, Value>,
    /// Spacing of points added along a line (m).
    pub spacing: f64,
}

/// A named set of actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Proposal {
    /// Name (the `proposal` property or the file stem).
    pub name: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Its actions, in file order.
    pub actions: Vec<Action>,
}

impl Proposal {
    /// The proposal with only action `k` (same name and source).
    pub fn only(&self, k: usize) -> Proposal {
        Proposal {
            name: self.name.clone(),
            source: self.source.clone(),
            actions: vec![self.actions[k].clone()],
        }
    }
}

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
    /// [`Error::Data`] when no network layer with features is present or the layers
    /// are in different working CRSs.
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
    fn is_network(&self, name: &str) -> bool {
        self.network_layers.iter().any(|n| n == name)
    }
    fn is_space(&self, name: &str) -> bool {
        self.space_layers.iter().any(|n| n == name)
    }
}

fn row_err(
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

fn value_text(v: &Value) -> String {
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
const CONTROL: [&str; 10] = [
    "action", "layer", "hours", "days", "target", "where", "set", "spacing", "proposal", "name",
];

/// A proposal file's features and declared CRS.
struct Document {
    features: Vec<Value>,
    crs: Crs,
    /// Whether the file has a `crs` member (else EPSG:4326 is assumed).
    declared: bool,
}

/// The JSON document: UTF-8, a FeatureCollection with features, its `crs` member.
fn parse_document(bytes: &[u8], path: &Path) -> Result<Document> {
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
struct FeatureProps<'a> {
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
fn parse_geometry(
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
fn check_geometry(
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

/// Where a feature of a changed layer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// Feature `i` of the study layer.
    Base(usize),
    /// The `k`-th feature added by the action with file index `action`.
    Added {
        /// File index of the action.
        action: usize,
        /// Which of its features.
        k: usize,
    },
}

/// Access state of a feature after a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Restriction {
    /// Open.
    None,
    /// Closed to movement during hours (`None` = always) by an action.
    Closed(Option<Hours>, usize),
    /// A public space gated during hours by an action.
    Gated(Option<Hours>, usize),
    /// A public space enclosed by an action.
    Enclosed(usize),
}

/// A network line after a proposal.
#[derive(Debug, Clone)]
pub struct NetLine {
    /// Layer.
    pub layer: String,
    /// Feature origin.
    pub origin: Origin,
    /// Part of a multi-line.
    pub part: usize,
    /// Geometry.
    pub geometry: LineString<f64>,
    /// Whether the feature exists after the proposal.
    pub alive: bool,
    /// Restriction on it.
    pub restriction: Restriction,
}

/// A public space after a proposal.
#[derive(Debug, Clone)]
pub struct Space {
    /// Layer.
    pub layer: String,
    /// Feature origin.
    pub origin: Origin,
    /// Geometry.
    pub geometry: Geometry<f64>,
    /// Area (m²).
    pub area: f64,
    /// Whether it exists after the proposal.
    pub alive: bool,
    /// Restriction on it.
    pub restriction: Restriction,
}

/// A line barrier (fence).
#[derive(Debug, Clone)]
pub struct Barrier {
    /// File index of the fence action.
    pub action: usize,
    /// The line.
    pub geometry: Geometry<f64>,
    /// When in force.
    pub hours: Option<Hours>,
}

/// A proposal applied to the study's layers.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The layers after the proposal (removed features gone, added ones appended,
    /// modified properties set; restricted features carry an `access` property).
    pub layers: Vec<Layer>,
    /// Network lines (base and added), with their state.
    pub net_lines: Vec<NetLine>,
    /// Public spaces (base and opened), with their state.
    pub spaces: Vec<Space>,
    /// Fences.
    pub barriers: Vec<Barrier>,
    /// Features each action touched (selected or added), by action (file index).
    pub touched: Vec<(usize, usize)>,
}

struct Work {
    name: String,
    geoms: Vec<Geometry<f64>>,
    props: Vec<Map<String, Value>>,
    origin: Vec<Origin>,
    alive: Vec<bool>,
    restr: Vec<Restriction>,
    template: Layer,
}

fn rep_point(g: &Geometry<f64>) -> Option<[f64; 2]> {
    g.centroid().map(|p| [p.x(), p.y()])
}

/// Points every `spacing` metres along a line (at least one).
///
/// # Errors
/// [`Error::Limit`] when the line would need more than
/// [`crate::limits::MAX_POINTS_ALONG`] points.
fn points_along(l: &LineString<f64>, spacing: f64) -> Result<Vec<Geometry<f64>>> {
    let c: Vec<[f64; 2]> = l.0.iter().map(|c| [c.x, c.y]).collect();
    let Some(&last) = c.last() else {
        return Ok(Vec::new());
    };
    let lens: Vec<f64> = c
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
        .collect();
    let total: f64 = lens.iter().sum();
    crate::limits::points_along("spacing", total, spacing)?;
    let n = (total / spacing).floor().max(1.0) as usize;
    Ok((0..n)
        .map(|k| {
            let mut at = (k as f64 + 0.5) / n as f64 * total;
            let mut q = last;
            for (s, len) in lens.iter().enumerate() {
                if at <= *len {
                    let t = if *len > 0.0 { at / len } else { 0.0 };
                    q = [
                        c[s][0] + t * (c[s + 1][0] - c[s][0]),
                        c[s][1] + t * (c[s + 1][1] - c[s][1]),
                    ];
                    break;
                }
                at -= len;
            }
            Geometry::Point(Point::new(q[0], q[1]))
        })
        .collect())
}

/// Applies a proposal to the study's layers, action by action in file order.
///
/// # Errors
/// [`Error::Row`] (feature index, property) when a selection matches no feature or
/// a line would get more than [`crate::limits::MAX_POINTS_ALONG`] points.
pub fn apply(study: &Study, p: &Proposal) -> Result<Applied> {
    let mut work: Vec<Work> = study
        .layers
        .iter()
        .map(|l| Work {
            name: l.name.clone(),
            geoms: l.geometries.clone(),
            props: l.properties.clone(),
            origin: (0..l.len()).map(Origin::Base).collect(),
            alive: vec![true; l.len()],
            restr: vec![Restriction::None; l.len()],
            template: Layer {
                name: l.name.clone(),
                geometries: Vec::new(),
                properties: Vec::new(),
                crs: l.crs.clone(),
            },
        })
        .collect();
    let mut barriers = Vec::new();
    let mut touched = Vec::new();
    for a in &p.actions {
        let li = match work.iter().position(|w| w.name == a.layer) {
            Some(i) => i,
            None => {
                work.push(Work {
                    name: a.layer.clone(),
                    geoms: Vec::new(),
                    props: Vec::new(),
                    origin: Vec::new(),
                    alive: Vec::new(),
                    restr: Vec::new(),
                    template: Layer {
                        name: a.layer.clone(),
                        geometries: Vec::new(),
                        properties: Vec::new(),
                        crs: study.crs.clone(),
                    },
                });
                work.len() - 1
            }
        };
        let w = &mut work[li];
        let mut add = |w: &mut Work, g: Geometry<f64>| {
            let k = w
                .origin
                .iter()
                .filter(|o| matches!(o, Origin::Added { action, .. } if *action == a.index))
                .count();
            let mut props = a.properties.clone();
            props.insert("proposal_action".into(), a.label.clone().into());
            w.geoms.push(g);
            w.props.push(props);
            w.origin.push(Origin::Added { action: a.index, k });
            w.alive.push(true);
            w.restr.push(Restriction::None);
            touched.push((a.index, w.geoms.len() - 1));
        };
        match a.kind {
            ActionKind::Add | ActionKind::Open | ActionKind::Fence => {
                let g = a.geometry.clone().ok_or_else(|| {
                    row_err(&p.source, a.index, "geometry", "null", "needs a geometry")
                })?;
                let point_layer = !w.geoms.is_empty()
                    && w.geoms
                        .iter()
                        .all(|gg| geometry_kind(gg) == GeometryKind::Point);
                if a.kind == ActionKind::Fence {
                    barriers.push(Barrier {
                        action: a.index,
                        geometry: g.clone(),
                        hours: a.hours,
                    });
                }
                let along = |l: &LineString<f64>| {
                    points_along(l, a.spacing).map_err(|e| {
                        row_err(
                            &p.source,
                            a.index,
                            "spacing",
                            a.spacing.to_string(),
                            e.to_string(),
                        )
                    })
                };
                match (&g, point_layer && a.kind == ActionKind::Add) {
                    (Geometry::LineString(l), true) => {
                        for q in along(l)? {
                            add(w, q);
                        }
                    }
                    (Geometry::MultiLineString(ml), true) => {
                        for l in &ml.0 {
                            for q in along(l)? {
                                add(w, q);
                            }
                        }
                    }
                    _ => add(w, g),
                }
            }
            _ => {
                let sel = select(w, a);
                if sel.is_empty() {
                    let (col, val) = if a.geometry.is_some() {
                        ("geometry", String::new())
                    } else if let Some(t) = &a.target {
                        ("target", t.clone())
                    } else {
                        ("where", format!("{:?}", a.filter))
                    };
                    return Err(row_err(
                        &p.source,
                        a.index,
                        col,
                        val,
                        format!(
                            "'{}' matches no feature of layer '{}' ({} features{})",
                            a.kind.name(),
                            a.layer,
                            w.alive.iter().filter(|x| **x).count(),
                            if a.filter.is_empty() {
                                String::new()
                            } else {
                                format!(", where {:?}", a.filter)
                            }
                        ),
                    ));
                }
                for &k in &sel {
                    touched.push((a.index, k));
                    match a.kind {
                        ActionKind::Remove => w.alive[k] = false,
                        ActionKind::Modify => {
                            for (key, v) in &a.set {
                                // replace a case-insensitive match of the key, else insert
                                let existing = w.props[k]
                                    .keys()
                                    .find(|x| x.eq_ignore_ascii_case(key))
                                    .cloned();
                                w.props[k]
                                    .insert(existing.unwrap_or_else(|| key.clone()), v.clone());
                            }
                        }
                        ActionKind::Close => w.restr[k] = Restriction::Closed(a.hours, a.index),
                        ActionKind::Gate if !matches!(w.restr[k], Restriction::Enclosed(_)) => {
                            w.restr[k] = Restriction::Gated(a.hours, a.index)
                        }
                        ActionKind::Enclose => w.restr[k] = Restriction::Enclosed(a.index),
                        _ => {}
                    }
                }
            }
        }
    }
    // outputs
    let mut layers = Vec::new();
    let mut net_lines = Vec::new();
    let mut spaces = Vec::new();
    for w in &work {
        let mut l = w.template.clone();
        for k in 0..w.geoms.len() {
            if w.alive[k] {
                let mut pr = w.props[k].clone();
                match w.restr[k] {
                    Restriction::None => {}
                    Restriction::Closed(h, _) | Restriction::Gated(h, _) => {
                        pr.insert(
                            "access".into(),
                            if matches!(w.restr[k], Restriction::Closed(..)) {
                                "closed"
                            } else {
                                "gated"
                            }
                            .into(),
                        );
                        pr.insert(
                            "restricted_hours".into(),
                            h.map_or("always".to_string(), |h| h.to_string()).into(),
                        );
                    }
                    Restriction::Enclosed(_) => {
                        pr.insert("access".into(), "enclosed".into());
                    }
                }
                l.geometries.push(w.geoms[k].clone());
                l.properties.push(pr);
            }
            if study.is_network(&w.name) {
                let parts: Vec<LineString<f64>> = match &w.geoms[k] {
                    Geometry::LineString(ls) => vec![ls.clone()],
                    Geometry::MultiLineString(m) => m.0.clone(),
                    Geometry::Line(ln) => vec![LineString::from(vec![ln.start, ln.end])],
                    _ => Vec::new(),
                };
                for (part, g) in parts.into_iter().enumerate() {
                    net_lines.push(NetLine {
                        layer: w.name.clone(),
                        origin: w.origin[k],
                        part,
                        geometry: g,
                        alive: w.alive[k],
                        restriction: w.restr[k],
                    });
                }
            }
            if study.is_space(&w.name) && geometry_kind(&w.geoms[k]) == GeometryKind::Polygon {
                use geo::Area;
                spaces.push(Space {
                    layer: w.name.clone(),
                    origin: w.origin[k],
                    geometry: w.geoms[k].clone(),
                    area: w.geoms[k].unsigned_area(),
                    alive: w.alive[k],
                    restriction: w.restr[k],
                });
            }
        }
        layers.push(l);
    }
    Ok(Applied {
        layers,
        net_lines,
        spaces,
        barriers,
        touched,
    })
}

fn select(w: &Work, a: &Action) -> Vec<usize> {
    let prop = |k: usize, key: &str| -> Option<String> {
        w.props[k]
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(key))
            .map(|(_, v)| value_text(v))
    };
    (0..w.geoms.len())
        .filter(|&k| w.alive[k])
        .filter(|&k| {
            a.target
                .as_ref()
                .is_none_or(|t| prop(k, "id").as_deref() == Some(t.as_str()))
        })
        .filter(|&k| {
            a.filter
                .iter()
                .all(|(key, v)| prop(k, key).as_deref() == Some(v.as_str()))
        })
        .filter(|&k| match &a.geometry {
            None => true,
            Some(g) => match geometry_kind(g) {
                GeometryKind::Polygon => {
                    rep_point(&w.geoms[k]).is_some_and(|q| point_geometry_distance(q, g) <= 1e-9)
                }
                GeometryKind::Point => rep_point(g)
                    .is_some_and(|q| point_geometry_distance(q, &w.geoms[k]) <= MATCH_DISTANCE),
                _ => rep_point(&w.geoms[k])
                    .is_some_and(|q| point_geometry_distance(q, g) <= MATCH_DISTANCE),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_and_union() {
        let h = Hours::parse("22:00-06:00").unwrap();
        assert_eq!(h.minutes(), 480);
        assert_eq!(h.to_string(), "22:00-06:00");
        assert_eq!(Hours::parse("07:00-24:00").unwrap().minutes(), 1020);
        assert!(Hours::parse("25:00-06:00").is_none());
        assert!(Hours::parse("06:00-06:00").is_none());
        assert!(Hours::parse("evening").is_none());
        assert_eq!(union_minutes(&[Some(h), Hours::parse("05:00-07:00")]), 540);
        assert_eq!(union_minutes(&[Some(h), None]), 1440);
        assert_eq!(union_minutes(&[]), 0);
    }

    #[test]
    fn points_along_spaces_evenly() {
        let l = LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 50.0)]);
        let p = points_along(&l, 50.0).unwrap();
        let xy: Vec<(f64, f64)> = p
            .iter()
            .map(|g| match g {
                Geometry::Point(q) => (q.x(), q.y()),
                _ => (f64::NAN, f64::NAN),
            })
            .collect();
        assert_eq!(xy, vec![(25.0, 0.0), (75.0, 0.0), (100.0, 25.0)]);
    }

    #[test]
    fn points_along_tiny_spacing_is_an_error() {
        // issue 12: "spacing": 1e-9 allocated 74 TB
        let l = LineString::from(vec![(0.0, 0.0), (100.0, 0.0)]);
        let e = points_along(&l, 1e-9).unwrap_err();
        assert!(e.is_usage() && e.to_string().contains("spacing"), "{e}");
    }
}
