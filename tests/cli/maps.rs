//! Figures (issue 14): every PNG also as SVG, `--title`, `--context`, `--palette`,
//! titles from the filters, deterministic PNG bytes.

use crate::common::{crimescape, tmp};
use resvg::usvg::roxmltree::{Document, Node};

fn demo_city(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "demo",
            "--quiet",
            "--city-only",
            "--incidents",
            "2000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

fn group<'a>(doc: &'a Document, id: &str) -> Option<Node<'a, 'a>> {
    doc.descendants()
        .find(|n| n.has_tag_name("g") && n.attribute("id") == Some(id))
}

fn texts(doc: &Document) -> String {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

fn gistar(city: &std::path::Path, out: &std::path::Path, extra: &[&str]) {
    crimescape()
        .args([
            "hotspots",
            "gistar",
            "--quiet",
            "--cell",
            "150",
            "--permutations",
            "0",
            "-o",
        ])
        .arg(out)
        .args(extra)
        .arg(city.join("incidents.csv"))
        .assert()
        .success();
}

#[test]
fn maps_svg_beside_png_with_title_context_and_palette() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("gi");
    let streets = city.join("streets.geojson");
    let parks = city.join("parks.geojson");
    gistar(
        &city,
        &out,
        &[
            "--title",
            "Burglary hot spots for the commander",
            "--palette",
            "arcgis",
            "--context",
            streets.to_str().unwrap(),
            "--context",
            parks.to_str().unwrap(),
        ],
    );
    let png = std::fs::read(out.join("gistar.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(out.join("gistar.svg")).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let t = texts(&doc);
    assert!(t.contains("Burglary hot spots for the commander"), "{t}");
    // the analysis name moved to the subtitle; the version is in the notes
    assert!(t.contains("Made with crimescape"), "{t}");
    // ArcGIS palette: the 99 % hot swatch is its red
    assert!(svg.contains("#d62f27"));
    // context: every street (one path for the layer, a part per street) and one path
    // per park feature
    let n_streets = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&streets).unwrap())
        .unwrap()["features"]
        .as_array()
        .unwrap()
        .len();
    let ctx = group(&doc, "context").expect("a context group");
    let parts: usize = ctx
        .children()
        .filter_map(|n| n.attribute("d"))
        .map(|d| d.matches('M').count())
        .sum();
    assert!(parts > n_streets, "{parts} parts for {n_streets} streets");
    assert!(ctx.children().filter(|n| n.is_element()).count() > 2);
    // the cells are one embedded raster
    assert!(doc.descendants().any(|n| n.has_tag_name("image")));

    // same input, same bytes
    let out2 = d.path().join("gi2");
    gistar(
        &city,
        &out2,
        &[
            "--title",
            "Burglary hot spots for the commander",
            "--palette",
            "arcgis",
            "--context",
            streets.to_str().unwrap(),
            "--context",
            parks.to_str().unwrap(),
        ],
    );
    assert_eq!(png, std::fs::read(out2.join("gistar.png")).unwrap());
    assert_eq!(
        svg,
        std::fs::read_to_string(out2.join("gistar.svg")).unwrap()
    );
}

#[test]
fn maps_default_title_names_the_filters() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("gi");
    gistar(
        &city,
        &out,
        &["--where", "category=burglary", "--from", "2024-03-01"],
    );
    let svg = std::fs::read_to_string(out.join("gistar.svg")).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let title = group(&doc, "title").expect("title group");
    let t: String = title
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(t.contains("category=burglary"), "{t}");
    assert!(t.contains("from 2024-03-01"), "{t}");
    // without --context no context group is drawn, and the default palette is blue-orange
    assert!(group(&doc, "context").is_none());
    assert!(!svg.contains("#d62f27") && svg.contains("#b35806"));
}

// ---- `hotspots map`, QGIS styles, source line (issue 14, part 2)

fn hotspots_map(
    city: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> serde_json::Value {
    crimescape()
        .args(["hotspots", "map", "--quiet", "-o"])
        .arg(out)
        .args(extra)
        .arg(city.join("incidents.csv"))
        .assert()
        .success();
    serde_json::from_slice(&std::fs::read(out.join("hotspots.json")).unwrap()).unwrap()
}

/// The text of a group, lines joined by spaces (wrapped lines read as one).
fn group_text(doc: &Document, id: &str) -> String {
    group(doc, id)
        .map(|g| {
            g.descendants()
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn bins(v: &serde_json::Value) -> Vec<u64> {
    ["-3", "-2", "-1", "0", "1", "2", "3"]
        .iter()
        .map(|k| v[*k].as_u64().unwrap())
        .collect()
}

/// `r,g,b,a` of QGIS → `#rrggbb`.
fn qgis_hex(c: &str) -> String {
    let v: Vec<u8> = c.split(',').map(|x| x.parse().unwrap()).collect();
    format!("#{:02x}{:02x}{:02x}", v[0], v[1], v[2])
}

/// (colour, label) of each class of a `.qml`, in order.
fn qml_classes(q: &str) -> Vec<(String, String)> {
    // QGIS checks the `<!DOCTYPE qgis>`: the parser must accept it
    let o = resvg::usvg::roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = Document::parse_with_options(q, o).expect("the .qml is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "qgis");
    let colours: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("symbol"))
        .map(|s| {
            let opt = |name: &str| {
                s.descendants()
                    .find(|n| n.has_tag_name("Option") && n.attribute("name") == Some(name))
                    .and_then(|n| n.attribute("value"))
            };
            // the colour the class is seen in: a line's colour, an unfilled polygon's
            // outline, else the fill
            let c = opt("line_color")
                .or_else(|| {
                    (opt("style") == Some("no"))
                        .then(|| opt("outline_color"))
                        .flatten()
                })
                .or_else(|| opt("color"))
                .unwrap();
            qgis_hex(c)
        })
        .collect();
    doc.descendants()
        .filter(|n| n.has_tag_name("category") || n.has_tag_name("range"))
        .map(|n| {
            let k: usize = n.attribute("symbol").unwrap().parse().unwrap();
            (
                colours[k].clone(),
                n.attribute("label").unwrap().to_string(),
            )
        })
        .collect()
}

/// (fill, label) of the swatches of a map's legend, in order.
fn legend_swatches(doc: &Document) -> Vec<(String, String)> {
    let legend = group(doc, "legend").expect("a legend");
    let fills: Vec<String> = legend
        .children()
        .filter(|n| n.has_tag_name("rect") && n.attribute("width") == Some("18"))
        .map(|n| n.attribute("fill").unwrap().to_string())
        .collect();
    let labels: Vec<String> = legend
        .children()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    // the caption (one or more wrapped lines) comes first; one label per swatch after
    let labels = &labels[labels.len() - fills.len()..];
    fills.into_iter().zip(labels.iter().cloned()).collect()
}

#[test]
fn hotspots_map_defaults_fdr_auto_scale_style_and_source() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("map");
    let j = hotspots_map(&city, &out, &[]);
    for f in [
        "hotspots.png",
        "hotspots.svg",
        "hotspots.csv",
        "hotspots.geojson",
        "hotspots.qml",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let r = &j["result"];
    assert_eq!(r["fdr"], true);
    let band = r["band_m"].as_f64().unwrap();
    assert!(band >= r["cell_m"].as_f64().unwrap(), "{r}");
    assert!(r["band_rule"].as_str().unwrap().contains("distance band"));
    // the map shows the FDR classes; FDR never adds significant cells
    let (with, without) = (bins(&r["bins_with_fdr"]), bins(&r["bins_without_fdr"]));
    assert_eq!(bins(&r["bins"]), with);
    let sig = |b: &[u64]| b.iter().sum::<u64>() - b[3];
    assert!(
        sig(&with) <= sig(&without) && sig(&with) > 0,
        "{with:?} {without:?}"
    );
    // the source line names the file, the incidents and the period, and the CRS
    let svg = std::fs::read_to_string(out.join("hotspots.svg")).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let t = group_text(&doc, "notes");
    assert!(t.contains("Data: incidents.csv ("), "{t}");
    assert!(t.contains("incidents, 2024-"), "{t}");
    assert!(t.contains("Working CRS:"), "{t}");
    let t = group_text(&doc, "title");
    assert!(t.contains("Hot and cold spots of incidents"), "{t}");
    assert!(
        t.contains("corrected for testing many cells at once"),
        "{t}"
    );
    // the technical line is in the footnote, not the subtitle
    let title = group(&doc, "title").unwrap();
    let tt: String = title.descendants().filter_map(|n| n.text()).collect();
    assert!(!tt.contains("Getis-Ord"), "{tt}");
    let notes = group(&doc, "notes").unwrap();
    let nt: String = notes.descendants().filter_map(|n| n.text()).collect();
    assert!(nt.contains("Getis-Ord Gi*"), "{nt}");
    // the QGIS style has the legend's classes and colours, on gi_bin
    let q = std::fs::read_to_string(out.join("hotspots.qml")).unwrap();
    assert!(q.contains(r#"attr="gi_bin""#));
    let classes = qml_classes(&q);
    assert_eq!(classes.len(), 7);
    assert_eq!(classes, legend_swatches(&doc));
    // the classed column holds the class values the style names
    let gj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("hotspots.geojson")).unwrap()).unwrap();
    let hot = gj["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["gi_bin"].as_i64().unwrap() > 0)
        .count() as u64;
    assert_eq!(hot, with[4] + with[5] + with[6]);
}

#[test]
fn hotspots_map_no_fdr_shows_the_uncorrected_classes() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("map");
    let j = hotspots_map(&city, &out, &["--no-fdr", "--band", "300"]);
    let r = &j["result"];
    assert_eq!(r["fdr"], false);
    assert_eq!(r["band_m"].as_f64(), Some(300.0));
    assert_eq!(bins(&r["bins"]), bins(&r["bins_without_fdr"]));
    let svg = std::fs::read_to_string(out.join("hotspots.svg")).unwrap();
    assert!(group_text(&Document::parse(&svg).unwrap(), "title").contains("not corrected"));
    // a band that is not a positive number is refused, naming the flag
    crimescape()
        .args(["hotspots", "map", "--quiet", "--band=-5", "-o"])
        .arg(d.path().join("bad"))
        .arg(city.join("incidents.csv"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("--band"));
}

#[test]
fn hotspots_map_context_and_title_from_filters() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("map");
    let streets = city.join("streets.geojson");
    hotspots_map(
        &city,
        &out,
        &[
            "--context",
            streets.to_str().unwrap(),
            "--where",
            "category=burglary",
            "--from",
            "2024-03-01",
            "--to",
            "2024-09-30",
        ],
    );
    let svg = std::fs::read_to_string(out.join("hotspots.svg")).unwrap();
    let doc = Document::parse(&svg).unwrap();
    let title: String = group(&doc, "title")
        .unwrap()
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(title.contains("Hot and cold spots"), "{title}");
    assert!(title.contains("category=burglary"), "{title}");
    assert!(title.contains("2024-03-01 to 2024-09-30"), "{title}");
    assert!(group(&doc, "context").is_some());
    // street names are drawn, none twice on top of each other
    let labels = group(&doc, "context-labels").expect("street names");
    assert!(labels.children().any(|n| n.has_tag_name("text")));
    // the period in the source line is the filtered one
    let notes: String = group(&doc, "notes")
        .unwrap()
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(notes.contains("incidents, 2024-03-"), "{notes}");
    assert!(notes.contains(" to 2024-09-"), "{notes}");
}

#[test]
fn gistar_geojson_has_a_qgis_style() {
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("gi");
    gistar(&city, &out, &["--palette", "arcgis"]);
    let q = std::fs::read_to_string(out.join("gistar.qml")).unwrap();
    let svg = std::fs::read_to_string(out.join("gistar.svg")).unwrap();
    let classes = qml_classes(&q);
    assert_eq!(classes, legend_swatches(&Document::parse(&svg).unwrap()));
    assert_eq!(classes[0].0, "#d62f27");
}

/// The `.qml` beside each classed GeoJSON (issue 14): segments, clusters, risk, sites,
/// `hotspots layer` and evaluate, each with the classes and colours of its map.
#[test]
fn maps_qml_beside_every_classed_geojson() {
    let d = tmp();
    let c = demo_city(d.path());
    let o = d.path().join("o");
    let run = |args: &[&str]| {
        crimescape()
            .current_dir(&c)
            .arg("--quiet")
            .args(args)
            .assert()
            .success();
    };
    let out = |n: &str| o.join(n).to_str().unwrap().to_string();
    let layers = [
        "--layer",
        "bars=bars.geojson",
        "--layer",
        "lights=lights.geojson:status=out",
        "--layer",
        "hydrants=hydrants.geojson",
    ];
    run(&[
        "segments",
        "--streets",
        "streets.geojson",
        "--split",
        "-o",
        &out("seg"),
        "incidents.csv",
    ]);
    run(&["clusters", "-o", &out("cl"), "incidents.csv"]);
    let mut fit = vec!["risk", "fit", "incidents.csv", "--cell", "40", "--out"];
    let rtm = out("rtm");
    fit.push(&rtm);
    fit.extend(layers);
    run(&fit);
    let model = o.join("rtm/model.json").to_str().unwrap().to_string();
    let sites = out("sites");
    let mut st = vec![
        "sites",
        "incidents.csv",
        "--model",
        &model,
        "--top",
        "5",
        "--out",
        &sites,
    ];
    st.extend(layers);
    run(&st);
    run(&[
        "hotspots",
        "layer",
        "--incidents",
        "incidents.csv",
        "--tolerance",
        "30",
        "-o",
        &out("lay"),
        "streets.geojson",
    ]);
    run(&[
        "evaluate",
        "incidents.csv",
        "--treatment",
        "parks.geojson",
        "--intervention-date",
        "2024-07-01",
        "--out",
        &out("ev"),
    ]);
    let read = |p: &str| std::fs::read_to_string(o.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    // the legend's classes and colours, in order, with the classed attribute
    for (qml, svg, attr, n) in [
        ("seg/segments.qml", "seg/segments.svg", "CASE WHEN", 5),
        ("rtm/risk.qml", "rtm/risk.svg", "risk", 8),
        ("sites/sites.qml", "sites/sites.svg", "score", 8),
        ("lay/layer.qml", "lay/layer_gistar.svg", "gi_bin", 7),
        ("ev/areas.qml", "ev/areas.svg", "zone", 4),
    ] {
        let q = read(qml);
        assert!(q.contains(&format!("attr=\"{attr}")), "{qml}");
        let classes = qml_classes(&q);
        assert_eq!(classes.len(), n, "{qml}");
        let svg = read(svg);
        let doc = Document::parse(&svg).unwrap();
        if attr == "risk" || attr == "score" {
            // graduated: every tick of the legend's ramp is a class bound
            assert!(q.contains("graduatedSymbol"), "{qml}");
            let bounds: Vec<&str> = classes.iter().flat_map(|c| c.1.split(" – ")).collect();
            let ticks: Vec<&str> = group(&doc, "legend")
                .unwrap()
                .children()
                .filter(|n| n.has_tag_name("text") && n.attribute("font-size") == Some("12"))
                .filter_map(|n| n.text())
                .collect();
            assert_eq!(ticks.len(), 5, "{qml}");
            for t in ticks {
                assert!(bounds.contains(&t), "{qml}: tick {t} not in {bounds:?}");
            }
        } else {
            assert_eq!(classes, legend_swatches(&doc), "{qml}");
        }
    }
    // lines drawn as lines, the layer's streets too
    assert!(read("seg/segments.qml").contains("SimpleLine"));
    assert!(read("lay/layer.qml").contains("SimpleLine"));
    // the segments' legend lists no blank background class
    let seg = read("seg/segments.svg");
    assert_eq!(
        legend_swatches(&Document::parse(&seg).unwrap())[0].1,
        "no incident"
    );
    // cluster hulls and ellipses: unfilled outlines in the colours drawn on the map
    let q = read("cl/clusters.qml");
    assert!(q.contains(r#"attr="kind""#));
    let classes = qml_classes(&q);
    let kinds: Vec<&str> = classes.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(kinds, ["convex hull", "1 SD ellipse", "2 SD ellipse"]);
    let svg = read("cl/clusters.svg");
    let doc = Document::parse(&svg).unwrap();
    let drawn: std::collections::BTreeSet<String> = group(&doc, "overlays")
        .expect("overlays")
        .descendants()
        .filter_map(|n| n.attribute("stroke"))
        .map(str::to_string)
        .collect();
    let styled: std::collections::BTreeSet<String> = classes.into_iter().map(|c| c.0).collect();
    assert_eq!(drawn, styled);
    let gj = read("cl/clusters.geojson");
    for k in ["convex_hull", "ellipse_1sd", "ellipse_2sd"] {
        assert!(
            q.contains(&format!("value=\"{k}\"")) && gj.contains(k),
            "{k}"
        );
    }
}

/// Without the `gdal` feature, `--gpkg` says which feature it needs, before any work.
#[cfg(not(feature = "gdal"))]
#[test]
fn gpkg_without_the_gdal_feature_names_it() {
    let d = tmp();
    crimescape()
        .args(["--quiet", "--gpkg", "run.gpkg", "hotspots", "gistar", "-o"])
        .arg(d.path().join("o"))
        .arg(d.path().join("missing.csv"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("`gdal` feature"));
    assert!(!d.path().join("o").exists());
}

/// `--gpkg`: every GeoJSON layer of the run in one GeoPackage, the styles in
/// `layer_styles` (QGIS's schema) as the `.qml` beside each layer.
#[cfg(feature = "gdal")]
#[test]
fn gpkg_holds_every_layer_and_its_style() {
    use gdal::vector::LayerAccess;
    let d = tmp();
    let city = demo_city(d.path());
    let out = d.path().join("gi");
    gistar(&city, &out, &["--gpkg", "run.gpkg"]);
    let ds = gdal::Dataset::open(out.join("run.gpkg")).unwrap();
    let gj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("gistar.geojson")).unwrap()).unwrap();
    let n = gj["features"].as_array().unwrap().len() as u64;
    let l = ds.layer_by_name("gistar").unwrap();
    assert_eq!(l.feature_count(), n);
    assert!(l.spatial_ref().is_some(), "the CRS is set");
    let mut st = ds.layer_by_name("layer_styles").unwrap();
    let qml = std::fs::read_to_string(out.join("gistar.qml")).unwrap();
    let rows: Vec<(String, String, i32)> = st
        .features()
        .map(|f| {
            let s = |n: &str| {
                f.field_as_string(f.field_index(n).unwrap())
                    .unwrap()
                    .unwrap()
            };
            let k = f.field_index("useAsDefault").unwrap();
            (
                s("f_table_name"),
                s("styleQML"),
                f.field_as_integer(k).unwrap().unwrap(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("gistar".to_string(), qml, 1)),
        "{}",
        rows.len()
    );
}
