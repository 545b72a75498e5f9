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
    // context: one path per street and per park feature
    let n_streets = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&streets).unwrap())
        .unwrap()["features"]
        .as_array()
        .unwrap()
        .len();
    let ctx = group(&doc, "context").expect("a context group");
    assert!(ctx.children().filter(|n| n.is_element()).count() > n_streets);
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
            let c = s
                .descendants()
                .find(|n| n.has_tag_name("Option") && n.attribute("name") == Some("color"))
                .and_then(|n| n.attribute("value"))
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
