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
