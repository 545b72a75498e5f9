//! QGIS layer styles (`.qml`) with the classes and colours of a map's legend.
//!
//! QGIS applies a `.qml` file with the same name as a layer when it opens the layer
//! (`cells.geojson` + `cells.qml`), so a GeoJSON output opens coloured exactly as its
//! PNG map. The style is derived from the figure's [`ColourScale`] and the run's
//! [`Palette`] — the same values the legend is drawn from — so the two cannot
//! diverge:
//! * [`ColourScale::GiBins`] and [`ColourScale::Categories`] → a *categorized*
//!   renderer (one category per legend entry, its value in the classed column);
//! * [`ColourScale::Continuous`] → a *graduated* renderer of [`CONTINUOUS_CLASSES`]
//!   equal steps of the colour ramp (square-root spaced when the map's scale is), each
//!   filled with the ramp's colour at its middle; every tick of the PNG legend is a
//!   class break.
//!
//! The file is QGIS 3 XML (`<qgis>` root, `renderer-v2`); each symbol layer carries its
//! properties both as an `<Option type="Map">` (QGIS ≥ 3.26) and as `<prop k v>`
//! (older QGIS 3), which QGIS reads in that order.

use crate::render::palette::viridis;
use crate::render::{ColourScale, Palette, Rgba};

/// Number of graduated classes of a continuous colour scale (a multiple of the PNG
/// legend's 4 tick intervals, so every tick is a break).
pub const CONTINUOUS_CLASSES: usize = 8;

/// How the features of a layer are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// Polygons: filled, thin grey outline.
    Fill,
    /// Lines: coloured lines.
    Line,
    /// Points: coloured circles.
    Marker,
    /// Polygons drawn as coloured outlines, not filled (e.g. cluster hulls and
    /// ellipses drawn over a map).
    Outline,
}

impl SymbolKind {
    /// The kind that draws `g` as a map draws it: points as markers, lines as lines,
    /// polygons filled (`None`, e.g. an empty layer: filled).
    pub fn of(g: Option<&geo::Geometry<f64>>) -> Self {
        use geo::Geometry as G;
        match g {
            Some(G::Point(_) | G::MultiPoint(_)) => SymbolKind::Marker,
            Some(G::Line(_) | G::LineString(_) | G::MultiLineString(_)) => SymbolKind::Line,
            _ => SymbolKind::Fill,
        }
    }
}

/// The classed attribute of a style: a column, or a QGIS expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassedField {
    /// Column name, or a QGIS expression when `expression` is set.
    pub attribute: String,
    /// `attribute` is a QGIS expression.
    pub expression: bool,
    /// Value of the attribute for each category of a categorical scale (index `k` of
    /// [`ColourScale::Categories`]); `None` = the index itself (`0`, `1`, …).
    pub values: Option<Vec<String>>,
}

impl ClassedField {
    /// A plain column.
    pub fn column(name: &str) -> Self {
        ClassedField {
            attribute: name.into(),
            expression: false,
            values: None,
        }
    }
}

/// One class of a style: its value (categories) or range (graduated), colour and label.
#[derive(Debug, Clone, PartialEq)]
pub enum StyleClass {
    /// A category: the attribute's value.
    Category {
        /// Value in the classed attribute.
        value: String,
        /// Fill colour.
        colour: Rgba,
        /// Legend label.
        label: String,
    },
    /// A range `lower ≤ v ≤ upper`.
    Range {
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
        /// Fill colour.
        colour: Rgba,
        /// Legend label.
        label: String,
    },
}

impl StyleClass {
    /// The colour of the class.
    pub fn colour(&self) -> Rgba {
        match self {
            StyleClass::Category { colour, .. } | StyleClass::Range { colour, .. } => *colour,
        }
    }
}

/// The classes of a map's colour scale, in legend order (top to bottom for
/// categories: Gi* bins from 99 % hot to 99 % cold, as the PNG legend lists them).
/// A category with an empty label is the map's background, not a class of the
/// features (the legend does not list it either): it has no class here.
pub fn style_classes(
    scale: &ColourScale,
    palette: Palette,
    field: &ClassedField,
) -> Vec<StyleClass> {
    match scale {
        ColourScale::GiBins => palette
            .gi_bins()
            .iter()
            .rev()
            .map(|(b, c, l)| StyleClass::Category {
                value: b.to_string(),
                colour: *c,
                label: l.to_string(),
            })
            .collect(),
        ColourScale::Categories(cats) => cats
            .iter()
            .enumerate()
            .filter(|(_, (_, l))| !l.is_empty())
            .map(|(k, (c, l))| StyleClass::Category {
                value: field
                    .values
                    .as_ref()
                    .and_then(|v| v.get(k).cloned())
                    .unwrap_or_else(|| k.to_string()),
                colour: *c,
                label: l.clone(),
            })
            .collect(),
        ColourScale::Continuous { min, max, sqrt } => {
            let n = CONTINUOUS_CLASSES;
            let at = |t: f64| {
                if *sqrt {
                    min + (max - min) * t * t
                } else {
                    min + (max - min) * t
                }
            };
            (0..n)
                .map(|k| {
                    let (t0, t1) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
                    let (lower, upper) = (at(t0), at(t1));
                    StyleClass::Range {
                        lower,
                        upper,
                        colour: viridis((t0 + t1) / 2.0),
                        label: format!(
                            "{} – {}",
                            crate::render::furniture::fmt_num(lower),
                            crate::render::furniture::fmt_num(upper)
                        ),
                    }
                })
                .collect()
        }
    }
}

/// XML text with `&`, `<`, `>`, `"` and `'` escaped; control characters other than
/// tab and line breaks are dropped (XML 1.0 does not allow them: QGIS would refuse the
/// style).
fn esc(s: &str) -> String {
    crate::render::scene::escape(s)
}

/// `r,g,b,a` as QGIS writes colours.
fn qcolour(c: Rgba) -> String {
    format!("{},{},{},{}", c[0], c[1], c[2], c[3])
}

/// A number as QGIS reads it (shortest round-trip form).
fn qnum(v: f64) -> String {
    format!("{v}")
}

fn symbol(out: &mut String, name: usize, kind: SymbolKind, colour: Rgba) {
    let (ty, class, props): (&str, &str, Vec<(&str, String)>) = match kind {
        SymbolKind::Fill => (
            "fill",
            "SimpleFill",
            vec![
                ("color", qcolour(colour)),
                ("outline_color", "150,150,150,255".into()),
                ("outline_style", "solid".into()),
                ("outline_width", "0.1".into()),
                ("outline_width_unit", "MM".into()),
                ("style", "solid".into()),
            ],
        ),
        SymbolKind::Line => (
            "line",
            "SimpleLine",
            vec![
                ("line_color", qcolour(colour)),
                ("line_style", "solid".into()),
                ("line_width", "0.8".into()),
                ("line_width_unit", "MM".into()),
                ("capstyle", "round".into()),
                ("joinstyle", "round".into()),
            ],
        ),
        SymbolKind::Outline => (
            "fill",
            "SimpleFill",
            vec![
                ("color", "0,0,0,0".into()),
                ("outline_color", qcolour(colour)),
                ("outline_style", "solid".into()),
                ("outline_width", "0.6".into()),
                ("outline_width_unit", "MM".into()),
                ("style", "no".into()),
            ],
        ),
        SymbolKind::Marker => (
            "marker",
            "SimpleMarker",
            vec![
                ("color", qcolour(colour)),
                ("name", "circle".into()),
                ("outline_color", "60,60,60,255".into()),
                ("outline_width", "0.1".into()),
                ("outline_width_unit", "MM".into()),
                ("size", "2.2".into()),
                ("size_unit", "MM".into()),
            ],
        ),
    };
    out.push_str(&format!(
        "      <symbol type=\"{ty}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"{class}\" enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n"
    ));
    for (k, v) in &props {
        out.push_str(&format!(
            "            <Option name=\"{k}\" type=\"QString\" value=\"{}\"/>\n",
            esc(v)
        ));
    }
    out.push_str("          </Option>\n");
    for (k, v) in &props {
        out.push_str(&format!("          <prop k=\"{k}\" v=\"{}\"/>\n", esc(v)));
    }
    out.push_str("        </layer>\n      </symbol>\n");
}

/// The QGIS 3 style (`.qml` text) of a layer whose features are coloured by `field`
/// on `scale` with `palette`, drawn as `kind`. See the module docs.
///
/// ```
/// use crimescape::{qml, ClassedField, ColourScale, Palette, SymbolKind};
///
///let q = qml(&ColourScale::GiBins, Palette::BlueOrange, &ClassedField::column("gi_bin"), SymbolKind::Fill);
/// assert!(q.contains(r#"type="categorizedSymbol" attr="gi_bin""#));
/// assert_eq!(q.matches("<category ").count(), 7);
/// ```
pub fn qml(
    scale: &ColourScale,
    palette: Palette,
    field: &ClassedField,
    kind: SymbolKind,
) -> String {
    let classes = style_classes(scale, palette, field);
    let mut o = String::new();
    o.push_str("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
    o.push_str(&format!(
        "<qgis version=\"3.28.0\" styleCategories=\"Symbology\">\n  <!-- written by crimescape {}: the classes and colours of the PNG map's legend -->\n",
        env!("CARGO_PKG_VERSION")
    ));
    let attr = esc(&field.attribute);
    let categorized = matches!(classes.first(), Some(StyleClass::Category { .. }));
    if categorized {
        o.push_str(&format!(
            "  <renderer-v2 type=\"categorizedSymbol\" attr=\"{attr}\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n    <categories>\n"
        ));
        for (k, c) in classes.iter().enumerate() {
            if let StyleClass::Category { value, label, .. } = c {
                o.push_str(&format!(
                    "      <category value=\"{}\" symbol=\"{k}\" label=\"{}\" render=\"true\"/>\n",
                    esc(value),
                    esc(label)
                ));
            }
        }
        o.push_str("    </categories>\n");
    } else {
        o.push_str(&format!(
            "  <renderer-v2 type=\"graduatedSymbol\" attr=\"{attr}\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n    <ranges>\n"
        ));
        for (k, c) in classes.iter().enumerate() {
            if let StyleClass::Range {
                lower,
                upper,
                label,
                ..
            } = c
            {
                o.push_str(&format!(
                    "      <range lower=\"{}\" upper=\"{}\" symbol=\"{k}\" label=\"{}\" render=\"true\"/>\n",
                    qnum(*lower),
                    qnum(*upper),
                    esc(label)
                ));
            }
        }
        o.push_str("    </ranges>\n");
    }
    o.push_str("    <symbols>\n");
    for (k, c) in classes.iter().enumerate() {
        symbol(&mut o, k, kind, c.colour());
    }
    o.push_str("    </symbols>\n  </renderer-v2>\n");
    o.push_str(&format!(
        "  <layerGeometryType>{}</layerGeometryType>\n</qgis>\n",
        match kind {
            SymbolKind::Marker => 0,
            SymbolKind::Line => 1,
            SymbolKind::Fill | SymbolKind::Outline => 2,
        }
    ));
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use resvg::usvg::roxmltree::{Document, ParsingOptions};

    /// QGIS checks the `<!DOCTYPE qgis>`: the parser must accept it.
    fn parse(q: &str) -> Document<'_> {
        let o = ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        Document::parse_with_options(q, o).expect("the style is well-formed XML")
    }

    #[test]
    fn labels_with_control_characters_stay_well_formed_xml() {
        assert_eq!(esc("a\u{1}b <c> 'd'"), "ab &lt;c&gt; &apos;d&apos;");
        let doc = format!("<qgis><label text=\"{}\"/></qgis>", esc("x\u{7}y\u{1b}"));
        assert_eq!(
            parse(&doc)
                .root_element()
                .first_element_child()
                .and_then(|e| e.attribute("text")),
            Some("xy")
        );
    }

    /// (value or lower bound, colour, label) of each class in a parsed style.
    fn parsed(q: &str) -> Vec<(String, String, String)> {
        let doc = parse(q);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "qgis");
        let r = root
            .children()
            .find(|n| n.has_tag_name("renderer-v2"))
            .expect("a renderer");
        let symbols: Vec<String> = r
            .descendants()
            .filter(|n| n.has_tag_name("symbol"))
            .map(|s| {
                s.descendants()
                    .find(|n| {
                        n.has_tag_name("Option")
                            && matches!(n.attribute("name"), Some("color" | "line_color"))
                    })
                    .and_then(|n| n.attribute("value"))
                    .expect("a colour")
                    .to_string()
            })
            .collect();
        r.descendants()
            .filter(|n| n.has_tag_name("category") || n.has_tag_name("range"))
            .map(|n| {
                let k: usize = n.attribute("symbol").unwrap().parse().unwrap();
                (
                    n.attribute("value")
                        .or(n.attribute("lower"))
                        .unwrap()
                        .to_string(),
                    symbols[k].clone(),
                    n.attribute("label").unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn qml_gi_bins_equal_the_legend() {
        for palette in [Palette::BlueOrange, Palette::Arcgis] {
            let q = qml(
                &ColourScale::GiBins,
                palette,
                &ClassedField::column("gi_bin"),
                SymbolKind::Fill,
            );
            let got = parsed(&q);
            let want: Vec<(String, String, String)> = palette
                .gi_bins()
                .iter()
                .rev()
                .map(|(b, c, l)| (b.to_string(), qcolour(*c), l.to_string()))
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn qml_categories_with_values_and_escaping() {
        let scale = ColourScale::Categories(vec![
            ([1, 2, 3, 255], "not <significant>".into()),
            ([200, 0, 0, 255], "HH & co".into()),
        ]);
        let field = ClassedField {
            attribute: "CASE WHEN \"sig\" = 1 THEN \"q\" ELSE 'ns' END".into(),
            expression: true,
            values: Some(vec!["ns".into(), "HH".into()]),
        };
        let q = qml(&scale, Palette::BlueOrange, &field, SymbolKind::Marker);
        assert_eq!(
            parsed(&q),
            vec![
                ("ns".into(), "1,2,3,255".into(), "not <significant>".into()),
                ("HH".into(), "200,0,0,255".into(), "HH & co".into())
            ]
        );
        let doc = parse(&q);
        let r = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(r.attribute("attr"), Some(field.attribute.as_str()));
    }

    #[test]
    fn qml_background_category_and_outlines() {
        // an empty label is the map's background: no class, the others keep their index
        let scale = ColourScale::Categories(vec![
            ([255, 255, 255, 255], String::new()),
            ([200, 200, 200, 255], "none".into()),
            ([179, 0, 0, 255], "many".into()),
        ]);
        let q = qml(
            &scale,
            Palette::BlueOrange,
            &ClassedField::column("class"),
            SymbolKind::Outline,
        );
        let got = parsed(&q);
        assert_eq!(
            got.iter()
                .map(|c| (c.0.as_str(), c.2.as_str()))
                .collect::<Vec<_>>(),
            [("1", "none"), ("2", "many")]
        );
        // unfilled, the class colour on the outline
        assert!(q.contains(r#"<prop k="style" v="no"/>"#));
        assert!(q.contains(r#"<prop k="outline_color" v="179,0,0,255"/>"#));
        assert!(q.contains("<layerGeometryType>2</layerGeometryType>"));
    }

    #[test]
    fn symbol_kind_of_geometry() {
        use geo::{line_string, point, polygon};
        let p = geo::Geometry::Point(point!(x: 0.0, y: 0.0));
        let l = geo::Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]);
        let a =
            geo::Geometry::Polygon(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)]);
        assert_eq!(SymbolKind::of(Some(&p)), SymbolKind::Marker);
        assert_eq!(SymbolKind::of(Some(&l)), SymbolKind::Line);
        assert_eq!(SymbolKind::of(Some(&a)), SymbolKind::Fill);
        assert_eq!(SymbolKind::of(None), SymbolKind::Fill);
    }

    #[test]
    fn qml_continuous_breaks_hit_every_legend_tick() {
        let scale = ColourScale::Continuous {
            min: 0.0,
            max: 16.0,
            sqrt: true,
        };
        let cl = style_classes(&scale, Palette::BlueOrange, &ClassedField::column("count"));
        assert_eq!(cl.len(), CONTINUOUS_CLASSES);
        let bounds: Vec<f64> = cl
            .iter()
            .map(|c| match c {
                StyleClass::Range { lower, .. } => *lower,
                _ => unreachable!(),
            })
            .collect();
        // legend ticks at t = 0, 1/4, 1/2, 3/4 of the sqrt ramp: 0, 1, 4, 9 (and 16)
        for tick in [0.0, 1.0, 4.0, 9.0] {
            assert!(bounds.iter().any(|b| (b - tick).abs() < 1e-12), "{tick}");
        }
        match cl.last() {
            Some(StyleClass::Range { upper, .. }) => assert_eq!(*upper, 16.0),
            _ => panic!("a range"),
        }
        let q = qml(
            &scale,
            Palette::BlueOrange,
            &ClassedField::column("count"),
            SymbolKind::Line,
        );
        assert!(q.contains("graduatedSymbol"));
        assert_eq!(parsed(&q).len(), CONTINUOUS_CLASSES);
    }
}
