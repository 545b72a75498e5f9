//! Applying a proposal to the study's layers: the changed layers, with where each
//! feature comes from.

use super::*;

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

pub(super) struct Work {
    name: String,
    geoms: Vec<Geometry<f64>>,
    props: Vec<Map<String, Value>>,
    origin: Vec<Origin>,
    alive: Vec<bool>,
    restr: Vec<Restriction>,
    template: Layer,
}

pub(super) fn rep_point(g: &Geometry<f64>) -> Option<[f64; 2]> {
    g.centroid().map(|p| [p.x(), p.y()])
}

/// Points every `spacing` metres along a line (at least one).
///
/// # Errors
/// [`Error::Limit`] when the line would need more than
/// [`crate::limits::MAX_POINTS_ALONG`] points.
pub(super) fn points_along(l: &LineString<f64>, spacing: f64) -> Result<Vec<Geometry<f64>>> {
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

pub(super) fn select(w: &Work, a: &Action) -> Vec<usize> {
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
