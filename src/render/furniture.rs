//! What every figure shares: presentation settings of a run ([`Style`]: palette,
//! title, source line, context layers), text blocks that wrap, number labels.

use geo::Geometry;

use super::map::{geometry_items, line_parts, merged_stroke_items};
use super::palette::{Palette, Rgba};
use super::scene::{Anchor, Item, Scene, Stroke, Text};
use super::text::{line_height, text_width, wrap};

/// How a context layer is drawn under the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextKind {
    /// Streets and other lines: thin grey lines.
    Lines,
    /// Areas (parks, water): light translucent fills.
    Areas,
    /// Boundaries (districts, beats): dark outlines, no fill.
    Boundaries,
    /// Water (rivers, lakes): light blue fills.
    Water,
}

/// A layer drawn for orientation (streets, parks, boundaries), in the working CRS.
#[derive(Debug, Clone)]
pub struct ContextLayer {
    /// Name (file name), shown nowhere but kept for the report.
    pub name: String,
    /// Geometries.
    pub geometries: Vec<Geometry<f64>>,
    /// A label per geometry (e.g. street names), drawn along the longest lines.
    pub labels: Vec<Option<String>>,
    /// How it is drawn.
    pub kind: ContextKind,
}

impl ContextLayer {
    /// A layer whose drawing follows its geometries: lines → [`ContextKind::Lines`];
    /// polygons → [`ContextKind::Areas`], or [`ContextKind::Boundaries`] when the name
    /// says so (contains "bound", "district", "beat", "ward", "precinct" or "border"),
    /// or [`ContextKind::Water`] (contains "river", "water", "lake", "canal" or "sea").
    pub fn new(name: &str, geometries: Vec<Geometry<f64>>, labels: Vec<Option<String>>) -> Self {
        let areal = geometries.iter().any(|g| {
            matches!(
                g,
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_)
            )
        });
        let lower = name.to_lowercase();
        let kind = if !areal {
            ContextKind::Lines
        } else if ["bound", "district", "beat", "ward", "precinct", "border"]
            .iter()
            .any(|k| lower.contains(k))
        {
            ContextKind::Boundaries
        } else if ["river", "water", "lake", "canal", "sea"]
            .iter()
            .any(|k| lower.contains(k))
        {
            ContextKind::Water
        } else {
            ContextKind::Areas
        };
        ContextLayer {
            name: name.to_string(),
            geometries,
            labels,
            kind,
        }
    }
}

/// Presentation settings shared by every figure of a run (the CLI's `--title`,
/// `--palette`, `--context` and the inputs' provenance).
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// Colours of diverging (hot/cold) classes.
    pub palette: Palette,
    /// A title that replaces each map's own (which then opens the subtitle).
    pub title: Option<String>,
    /// What the data were filtered to (offence, date window, area), appended to the
    /// default title, e.g. "Offense=BURGLARY, from 2024-10-01".
    pub qualifier: Option<String>,
    /// Source lines (input files, date window, CRS) printed under each map.
    pub source: Vec<String>,
    /// Context layers drawn over the cells, under the overlays, in order.
    pub context: Vec<ContextLayer>,
}

impl Style {
    /// Title, subtitle and footnote lines of a figure whose own lines are `lines`
    /// (`[title, subtitle, technical…]`).
    pub fn headings(&self, lines: &[String]) -> (String, String, Vec<String>) {
        let own = lines.first().cloned().unwrap_or_default();
        let sub = lines.get(1).cloned().unwrap_or_default();
        let rest = lines.iter().skip(2).cloned().collect();
        match &self.title {
            Some(t) if !t.trim().is_empty() => {
                let sub = if own.is_empty() {
                    sub
                } else if sub.is_empty() {
                    own
                } else {
                    format!("{own}: {sub}")
                };
                (t.clone(), sub, rest)
            }
            _ => match &self.qualifier {
                Some(q) if !own.is_empty() && !q.trim().is_empty() => {
                    (format!("{own} — {q}"), sub, rest)
                }
                _ => (own, sub, rest),
            },
        }
    }

    /// Footnote lines: technical parameters, the source lines, the version.
    pub fn notes(&self, lines: &[String]) -> Vec<String> {
        let (_, _, mut notes) = self.headings(lines);
        notes.retain(|n| !n.trim().is_empty());
        notes.extend(self.source.iter().cloned());
        notes.push(format!(
            "Made with crimescape {}",
            env!("CARGO_PKG_VERSION")
        ));
        notes
    }

    /// Draws the context layers into layer `context` (and `context-labels`: street
    /// names whose box lies wholly inside `frame`, `[x, y, w, h]` in page pixels).
    pub(crate) fn draw_context(
        &self,
        s: &mut Scene,
        to_px: &dyn Fn(f64, f64) -> (f64, f64),
        frame: [f64; 4],
    ) {
        if self.context.is_empty() {
            return;
        }
        let mut labels = Vec::new();
        let items = s.layer("context");
        for c in &self.context {
            let (fill, stroke) = match c.kind {
                ContextKind::Lines => (None, Stroke::solid([90, 90, 90, 200], 1.2)),
                ContextKind::Areas => (
                    Some([120, 170, 110, 90]),
                    Stroke::solid([90, 130, 80, 220], 0.8),
                ),
                ContextKind::Boundaries => (None, Stroke::solid([40, 40, 40, 255], 1.8)),
                ContextKind::Water => (
                    Some([110, 170, 220, 110]),
                    Stroke::solid([70, 130, 190, 200], 0.8),
                ),
            };
            match fill {
                // strokes only (streets, boundaries): one path per layer
                None => merged_stroke_items(items, &c.geometries, to_px, stroke, 2.0),
                Some(_) => {
                    for g in &c.geometries {
                        geometry_items(items, g, to_px, fill, Some(stroke), 2.0);
                    }
                }
            }
            if c.kind == ContextKind::Lines {
                labels.extend(street_labels(c, to_px, Some(frame)));
            }
        }
        s.layer("context-labels").extend(labels);
    }
}

/// How many street names a map shows at most (the longest named streets).
const MAX_STREET_LABELS: usize = 12;

/// Names along the longest straight named streets: the pieces of a name are joined;
/// when they lie on one straight line (within 3 px) the name is set at its middle,
/// rotated along it and kept upright, if it fits. Placed greedily, the longest street
/// first (ties by name): a label whose box (text width × font size, 2 px margin,
/// rotated with the text) intersects a label already placed is dropped. At most
/// [`MAX_STREET_LABELS`]. With `frame` (`[x, y, w, h]`), a label whose box is not
/// wholly inside it is dropped (never cut by the map's edge).
fn street_labels(
    c: &ContextLayer,
    to_px: &dyn Fn(f64, f64) -> (f64, f64),
    frame: Option<[f64; 4]>,
) -> Vec<Item> {
    use std::collections::BTreeMap;
    let mut pts: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (g, name) in c.geometries.iter().zip(&c.labels) {
        let Some(name) = name.as_deref().filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        let e = pts.entry(name).or_default();
        for part in line_parts(g, to_px) {
            e.extend(
                part.into_iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite()),
            );
        }
    }
    let d2 = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2);
    let mut cands = Vec::new();
    for (name, p) in pts {
        let Some(&first) = p.first() else { continue };
        let far = |from: (f64, f64)| {
            p.iter()
                .copied()
                .fold(from, |m, q| if d2(q, from) > d2(m, from) { q } else { m })
        };
        let a = far(first);
        let b = far(a);
        let len = d2(a, b).sqrt();
        if len < 1.0 {
            continue;
        }
        // straight: every point within 3 px of the line a–b
        let off =
            |q: (f64, f64)| ((b.0 - a.0) * (a.1 - q.1) - (a.0 - q.0) * (b.1 - a.1)).abs() / len;
        if p.iter().any(|&q| off(q) > 3.0) {
            continue;
        }
        cands.push((len, name, a, b));
    }
    cands.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(y.1)));
    let mut out = Vec::new();
    let mut placed: Vec<[(f64, f64); 4]> = Vec::new();
    for (len, name, a, b) in cands {
        if out.len() >= MAX_STREET_LABELS {
            break;
        }
        let size = 10.0;
        let w = text_width(name, size, false);
        if w + 8.0 > len {
            continue;
        }
        let (mut a, mut b) = (a, b);
        if b.0 < a.0 {
            std::mem::swap(&mut a, &mut b);
        }
        let angle = (b.1 - a.1).atan2(b.0 - a.0).to_degrees();
        let (x, y) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0 - 3.0);
        let quad = label_box(x, y, w, size, angle);
        if let Some([fx, fy, fw, fh]) = frame {
            let inside =
                |p: &(f64, f64)| p.0 >= fx && p.0 <= fx + fw && p.1 >= fy && p.1 <= fy + fh;
            if !quad.iter().all(inside) {
                continue;
            }
        }
        if placed.iter().any(|q| boxes_overlap(q, &quad)) {
            continue;
        }
        placed.push(quad);
        out.push(Item::Text(Text {
            x,
            y,
            text: name.to_string(),
            size,
            bold: false,
            anchor: Anchor::Middle,
            colour: [40, 40, 40, 255],
            angle,
        }));
    }
    out
}

/// The corners of a label's box: text of width `w` and font size `size` centred at
/// (`x`, `y` = baseline) and rotated by `angle` degrees about that point, with a 2 px
/// margin (the box runs from 0.8·size above the baseline to 0.25·size below it).
fn label_box(x: f64, y: f64, w: f64, size: f64, angle: f64) -> [(f64, f64); 4] {
    let (s, c) = angle.to_radians().sin_cos();
    let m = 2.0;
    let (x0, x1, y0, y1) = (-w / 2.0 - m, w / 2.0 + m, -0.8 * size - m, 0.25 * size + m);
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)].map(|(u, v)| (x + u * c - v * s, y + u * s + v * c))
}

/// Whether two convex quadrilaterals intersect (separating axis test).
fn boxes_overlap(p: &[(f64, f64); 4], q: &[(f64, f64); 4]) -> bool {
    for poly in [p, q] {
        for k in 0..4 {
            let (a, b) = (poly[k], poly[(k + 1) % 4]);
            let axis = (a.1 - b.1, b.0 - a.0);
            let proj = |r: &[(f64, f64); 4]| {
                r.iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), pt| {
                        let d = pt.0 * axis.0 + pt.1 * axis.1;
                        (lo.min(d), hi.max(d))
                    })
            };
            let (p0, p1) = proj(p);
            let (q0, q1) = proj(q);
            if p1 < q0 || q1 < p0 {
                return false;
            }
        }
    }
    true
}

/// Draws `s` wrapped to `max_w` with its top at `y`; returns the y below the block.
#[allow(clippy::too_many_arguments)]
pub fn text_block(
    items: &mut Vec<Item>,
    x: f64,
    y: f64,
    s: &str,
    size: f64,
    bold: bool,
    colour: Rgba,
    max_w: f64,
) -> f64 {
    let mut y = y;
    for line in wrap(s, size, bold, max_w) {
        items.push(Item::Text(Text {
            x,
            y: y + size,
            text: line,
            size,
            bold,
            anchor: Anchor::Start,
            colour,
            angle: 0.0,
        }));
        y += line_height(size);
    }
    y
}

/// A short label of a number (2–3 significant decimals, scientific when tiny or huge).
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_title_override_keeps_the_analysis_in_the_subtitle() {
        let lines = vec![
            "Gi* hot spots".to_string(),
            "N = 50".into(),
            "d <= 141 m".into(),
        ];
        let s = Style::default();
        assert_eq!(s.headings(&lines).0, "Gi* hot spots");
        let s = Style {
            title: Some("Burglary, Oct 2024".into()),
            source: vec!["Source: a.csv".into()],
            ..Default::default()
        };
        let (t, sub, foot) = s.headings(&lines);
        assert_eq!(t, "Burglary, Oct 2024");
        let q = Style {
            qualifier: Some("Offense=BURGLARY, from 2024-10-01".into()),
            ..Default::default()
        };
        assert_eq!(
            q.headings(&lines).0,
            "Gi* hot spots — Offense=BURGLARY, from 2024-10-01"
        );
        assert_eq!(sub, "Gi* hot spots: N = 50");
        assert_eq!(foot, vec!["d <= 141 m".to_string()]);
        let notes = s.notes(&lines);
        assert_eq!(notes[0], "d <= 141 m");
        assert_eq!(notes[1], "Source: a.csv");
        assert!(notes[2].starts_with("Made with crimescape "));
    }

    #[test]
    fn context_layer_new_kind_from_geometry_and_name() {
        use geo::{line_string, polygon};
        let l = ContextLayer::new(
            "streets.geojson",
            vec![line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into()],
            vec![],
        );
        assert_eq!(l.kind, ContextKind::Lines);
        let p: Geometry<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)].into();
        assert_eq!(
            ContextLayer::new("parks.geojson", vec![p.clone()], vec![]).kind,
            ContextKind::Areas
        );
        assert_eq!(
            ContextLayer::new("Police_Districts.geojson", vec![p.clone()], vec![]).kind,
            ContextKind::Boundaries
        );
        assert_eq!(
            ContextLayer::new("river", vec![p], vec![]).kind,
            ContextKind::Water
        );
    }

    #[test]
    fn street_labels_straight_named_streets_only() {
        use geo::line_string;
        let seg = |x0: f64, x1: f64, y: f64| -> Geometry<f64> {
            line_string![(x: x0, y: y), (x: x1, y: y)].into()
        };
        let bent: Geometry<f64> =
            line_string![(x: 0.0, y: 500.0), (x: 400.0, y: 500.0), (x: 400.0, y: 900.0)].into();
        let l = ContextLayer::new(
            "streets",
            vec![
                seg(0.0, 300.0, 0.0),
                seg(300.0, 600.0, 0.0),
                bent,
                seg(0.0, 10.0, 50.0),
            ],
            vec![
                Some("Main Street".into()),
                Some("Main Street".into()),
                Some("Bent Road".into()),
                Some("Tiny Lane".into()),
            ],
        );
        let items = street_labels(&l, &|x, y| (x, -y), None);
        let names: Vec<&str> = items
            .iter()
            .filter_map(|i| {
                if let Item::Text(t) = i {
                    Some(t.text.as_str())
                } else {
                    None
                }
            })
            .collect();
        // joined pieces give one label; bent streets and names that do not fit get none
        assert_eq!(names, ["Main Street"]);
    }

    #[test]
    fn street_labels_colliding_names_are_dropped() {
        use geo::line_string;
        let seg = |x0: f64, y0: f64, x1: f64, y1: f64| -> Geometry<f64> {
            line_string![(x: x0, y: y0), (x: x1, y: y1)].into()
        };
        // two parallel streets 4 px apart (labels overlap), a crossing street whose
        // label box crosses the first one's, and a far street
        let l = ContextLayer::new(
            "streets",
            vec![
                seg(0.0, 0.0, 400.0, 0.0),
                seg(0.0, 4.0, 390.0, 4.0),
                seg(200.0, -150.0, 200.0, 150.0),
                seg(0.0, 300.0, 380.0, 300.0),
            ],
            vec![
                Some("Long Avenue".into()),
                Some("Parallel Road".into()),
                Some("Cross Street".into()),
                Some("Far Lane".into()),
            ],
        );
        let items = street_labels(&l, &|x, y| (x, -y), None);
        let texts: Vec<&Text> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        let names: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
        // the longest street keeps its label; the others that collide with it go
        assert_eq!(names, ["Long Avenue", "Far Lane"]);
        // no two placed boxes intersect
        let boxes: Vec<_> = texts
            .iter()
            .map(|t| {
                label_box(
                    t.x,
                    t.y,
                    text_width(&t.text, t.size, false),
                    t.size,
                    t.angle,
                )
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!boxes_overlap(a, b));
            }
        }
    }

    #[test]
    fn boxes_overlap_rotated_cases() {
        let a = label_box(0.0, 0.0, 100.0, 10.0, 0.0);
        assert!(boxes_overlap(&a, &label_box(50.0, 5.0, 100.0, 10.0, 0.0)));
        assert!(!boxes_overlap(&a, &label_box(0.0, 40.0, 100.0, 10.0, 0.0)));
        // a vertical label through the middle crosses; one beside the end does not
        assert!(boxes_overlap(&a, &label_box(0.0, 0.0, 100.0, 10.0, 90.0)));
        assert!(!boxes_overlap(&a, &label_box(70.0, 0.0, 100.0, 10.0, 90.0)));
    }

    #[test]
    fn fmt_num_cases() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(1.5), "1.5");
        assert_eq!(fmt_num(250.0), "250");
        assert_eq!(fmt_num(0.0001), "1.00e-4");
    }
}
