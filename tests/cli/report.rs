//! The HTML report of every output folder (issue 14): written by the output layer for
//! every command, well-formed, self-contained (nothing loaded from the network), holding
//! the folder's figures and tables, the same bytes for the same run; the public
//! report holds no incident location; the demo links every report from `index.html`.

use std::path::{Path, PathBuf};

use crimescape::{Scanner, COUNT_NAMES};
use resvg::usvg::roxmltree;

use crate::common::*;

/// A small demo city; returns its `city/` folder.
fn city(dir: &Path) -> PathBuf {
    let out = dir.join("demo");
    crimescape()
        .args([
            "--quiet",
            "demo",
            "--city-only",
            "--incidents",
            "3000",
            "--size",
            "2000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("city")
}

fn gistar(inc: &Path, out: &Path, public: bool) {
    let mut c = crimescape();
    c.args(["--quiet", "--force"]);
    if public {
        c.args(["--audience", "public"]);
    }
    c.args(["hotspots", "gistar"])
        .arg(inc)
        .args(["--cell", "200", "--permutations", "19", "--out"])
        .arg(out)
        .assert()
        .success();
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Parses a page as XML (XHTML: the `<!DOCTYPE html>` declaration allowed).
fn parse(html: &str) -> roxmltree::Document<'_> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, opt)
        .unwrap_or_else(|e| panic!("not well-formed: {e}"))
}

/// Attribute values of `name` on every element of the document.
fn attrs<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Vec<&'a str> {
    doc.descendants()
        .filter_map(|n| n.attribute(name))
        .collect()
}

#[test]
fn report_is_written_wellformed_and_self_contained() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("gi");
    gistar(&c.join("incidents.csv"), &out, false);
    let html = read(&out.join("report.html"));
    // well-formed (XHTML): parses as XML
    let doc = parse(&html);
    assert_eq!(doc.root_element().tag_name().name(), "html");
    // the figures inline: one <svg class="figure"> per SVG written
    let svgs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    assert!(svgs > 0);
    let inline = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg" && n.attribute("class") == Some("figure"))
        .count();
    assert_eq!(inline, svgs);
    // the table: the CSV's header, the row count, a link to it
    let csv_text = read(&out.join("gistar.csv"));
    let header: Vec<&str> = csv_text.lines().next().unwrap().split(',').collect();
    let ths: Vec<String> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "th")
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    for h in &header {
        assert!(ths.iter().any(|t| t == h), "column {h} not in the report");
    }
    let rows = csv_text.lines().count() - 1;
    assert!(
        html.contains(&format!("10 of {rows} rows shown")),
        "no row count"
    );
    assert!(attrs(&doc, "href").contains(&"gistar.csv"));
    // the summary sentence of the study
    assert!(html.contains("<h2>Summary</h2>"));
    // nothing loaded from the network: no src/href to http(s) (namespaces aside)
    for a in attrs(&doc, "src").into_iter().chain(attrs(&doc, "href")) {
        assert!(
            !a.starts_with("http://") && !a.starts_with("https://") && !a.starts_with("//"),
            "external resource {a}"
        );
    }
    assert!(!html.contains("@import") && !html.contains("url(http"));
    // the interactive map embeds every feature of the GeoJSON
    let gj: serde_json::Value = serde_json::from_str(&read(&out.join("gistar.geojson"))).unwrap();
    let n = gj["features"].as_array().unwrap().len();
    let map = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("cs-map"))
        .expect("map container");
    assert_eq!(map.attribute("data-expected"), Some(n.to_string().as_str()));
    let data = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("cs-map-data"))
        .and_then(|n| n.text())
        .expect("map data");
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    let result = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "result")
        .unwrap();
    assert_eq!(result["features"].as_array().unwrap().len(), n);
    // coloured as the figure: every feature has a colour, the legend its 7 Gi* classes
    assert!(result["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["c"].is_string()));
    assert_eq!(v["legend"]["classes"].as_array().unwrap().len(), 7);
    // same run, same bytes
    gistar(&c.join("incidents.csv"), &out, false);
    assert!(
        read(&out.join("report.html")) == html,
        "report differs between runs"
    );
}

#[test]
fn report_is_not_written_for_a_single_file_output() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("near.csv");
    crimescape()
        .args(["--quiet", "proximity"])
        .arg(c.join("incidents.csv"))
        .arg("--layer")
        .arg(c.join("bars.geojson"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(out.exists());
    assert!(!d.path().join("report.html").exists());
}

#[test]
fn report_demo_index_links_every_report() {
    let d = tmp();
    let c = city(d.path());
    let demo = c.parent().unwrap();
    let index = read(&demo.join("index.html"));
    let doc = parse(&index);
    let links = attrs(&doc, "href");
    assert!(links.contains(&"city/report.html"), "{links:?}");
    for l in links {
        assert!(demo.join(l).exists(), "{l} linked but missing");
    }
    assert!(!demo.join("report.html").exists());
}

#[test]
fn report_public_holds_no_incident_location() {
    let d = tmp();
    let c = city(d.path());
    let out = d.path().join("gi_public");
    gistar(&c.join("incidents.csv"), &out, true);
    let html = std::fs::read(out.join("report.html")).unwrap();
    // the incidents, as the public tests read them (working CRS and lon/lat)
    let mut r = csv::Reader::from_path(c.join("incidents.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let ix = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (x, y, lon, lat) = (ix("x"), ix("y"), ix("lon"), ix("lat"));
    let (mut w, mut ll) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec.unwrap();
        let f = |i: usize| rec[i].parse::<f64>().unwrap();
        w.push([f(x), f(y)]);
        ll.push([f(lon), f(lat)]);
    }
    let found = Scanner::new(&w, &ll, 1.0)
        .unwrap()
        .counts(3, COUNT_NAMES)
        .scan(&html);
    assert!(found.is_empty(), "{:?}", &found[..found.len().min(3)]);
    let text = String::from_utf8(html).unwrap();
    assert!(text.contains("public audience"));
    // built from the published files: the disclosure report says what was done
    assert!(out.join("disclosure.json").exists());
}
