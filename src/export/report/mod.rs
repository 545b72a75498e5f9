//! The HTML report of an output folder: one self-contained page (`report.html`) per
//! folder of an [`Outputs`](super::Outputs) set, written when the set is committed.
//!
//! # What a report holds
//! * a title (the first map's or chart's title, else the folder name) and the
//!   result's own summary sentences ([`Export::summary`](super::Export::summary));
//! * an interactive map of the folder's main feature layer ([`map`]): pan, zoom,
//!   hover/tap for the feature's properties, layer toggles, and the legend of the
//!   figure drawn from it (same classes, same colours as its PNG);
//! * every figure of the folder inline (the SVG written beside the PNG), with links
//!   to both files;
//! * every table: the header and the first [`TABLE_ROWS`] rows of the CSV, how many
//!   rows it holds and a link to it;
//! * caveats (footnotes of the figures, `caveats`/`warnings`/`notes` of the JSON
//!   summaries) and the provenance (command, inputs with SHA-256, parameters, seed,
//!   CRS, version).
//!
//! The page is built from the files of the set as written (for the public audience:
//! as published, so it holds nothing the other files do not), plus the geometries of
//! the published feature layers in the working CRS for the map. It loads nothing: no
//! CDN, no web font, no tiles; the script and style sheet are part of the page.
//! Building it twice from the same set gives the same bytes.
//!
//! A folder's `report.html` belongs to crimescape: it is replaced by every set written
//! into the folder and covers the files of that set.

pub(crate) mod map;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::render::furniture::fmt_num;
use crate::render::{ColourScale, Palette};

pub(crate) use map::{FigureColours, LayerCapture};

/// Name of the report written into every folder of a set.
pub const REPORT_HTML: &str = "report.html";
/// Name of the demo's index page (see [`Outputs::index`](super::Outputs::index)).
pub const INDEX_HTML: &str = "index.html";
/// Rows of a table shown in the report (the CSV is linked for the rest).
pub const TABLE_ROWS: usize = 10;
/// Features of a layer embedded in the interactive map at most.
pub const MAP_MAX_FEATURES: usize = 20_000;

/// The style sheet of the reports (also used by the assessment page).
pub(crate) const CSS: &str = include_str!("../../../assets/report/report.css");
const MAP_JS: &str = include_str!("../../../assets/report/map.js");
/// Records `window.onerror` and `console.error` into `<body data-errors>` (read by the
/// browser test from the DOM).
const ERRORS_JS: &str = "(function(){var b=document.body;function rec(m){var p=b.getAttribute('data-errors')||'';b.setAttribute('data-errors',p?p+' | '+m:String(m));}window.onerror=function(msg,src,line,col){rec(msg+' (line '+line+':'+col+')');};var ce=console.error;console.error=function(){rec(Array.prototype.join.call(arguments,' '));if(ce){ce.apply(console,arguments);}};})();";

/// A figure written into the set, as the report shows it.
#[derive(Debug, Clone)]
pub(crate) struct FigureNote {
    /// Path of the SVG in the set (relative to the set's folder).
    pub svg: String,
    /// Path of the PNG, when one was written.
    pub png: Option<String>,
    /// Title, subtitle and footnote lines as drawn.
    pub title: String,
    pub subtitle: String,
    pub notes: Vec<String>,
    /// How a map coloured its values (maps only).
    pub colours: Option<FigureColours>,
}

/// What the output layer records for the reports while a set is written.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    /// Whether reports are written (sets that own their folder).
    pub enabled: bool,
    /// Write an index page at the top of the set instead of a report there.
    pub index: bool,
    /// Summary text per folder (prefix with trailing `/`, "" at the top), in order.
    pub summaries: Vec<(String, String)>,
    pub figures: Vec<FigureNote>,
    pub layers: Vec<LayerCapture>,
    /// Headlines of the pages of finished public sub-folders (built when the
    /// sub-folder was finished, so that its scan covered them), for the index.
    pub public_heads: Vec<Headline>,
}

/// A file of the set, as the report builder sees it.
pub(crate) struct SetFile<'a> {
    /// Path relative to the set's folder, `/`-separated.
    pub rel: &'a str,
    /// Its bytes as written: the whole file (`.json`, `.svg`), the header and the
    /// first [`TABLE_ROWS`] records (`.csv`), nothing for other files.
    pub bytes: Vec<u8>,
    /// Its size in bytes.
    pub size: u64,
    /// The records of a CSV after its header (`None` for other files).
    pub rows: Option<usize>,
    /// Index of its provenance record.
    pub prov: Option<usize>,
}

/// The folder part of a relative path (`"a/b/c.csv"` → `"a/b/"`, `"c.csv"` → `""`).
pub(crate) fn dir_of(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(k) => &rel[..=k],
        None => "",
    }
}

fn base_of(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(k) => &rel[k + 1..],
        None => rel,
    }
}

fn stem_of(rel: &str) -> &str {
    let b = base_of(rel);
    match b.rfind('.') {
        Some(k) => &b[..k],
        None => b,
    }
}

fn ext_of(rel: &str) -> String {
    let b = base_of(rel);
    b.rfind('.')
        .map(|k| b[k + 1..].to_ascii_lowercase())
        .unwrap_or_default()
}

/// Escapes text for HTML/XML content and attribute values (`'` as `&#39;`, other
/// control characters than tab and new line as spaces).
pub(crate) fn esc(s: &str) -> String {
    crate::render::scene::escape_markup(s, "&#39;", |_| Some(' '))
}

/// A relative link (each path segment percent-encoded where needed).
pub(crate) fn href(rel: &str) -> String {
    let mut o = String::new();
    for b in rel.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => {
                o.push(b as char)
            }
            _ => {
                let _ = write!(o, "%{b:02X}");
            }
        }
    }
    o
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` escaped
/// (they occur only inside JSON strings), so the element cannot be closed early and
/// the page stays well-formed XML.
pub(crate) fn script_json(v: &Value) -> String {
    let s = v.to_string();
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("\\u003c"),
            '>' => o.push_str("\\u003e"),
            '&' => o.push_str("\\u0026"),
            c => o.push(c),
        }
    }
    o
}

/// The page around `body`: head with the style sheet, the error recorder first in the
/// body, the map script last.
pub(crate) fn page(title: &str, body: &str, with_map: bool) -> String {
    let mut o = String::with_capacity(body.len() + CSS.len() + MAP_JS.len() + 1024);
    o.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<meta name=\"generator\" content=\"crimescape ");
    o.push_str(env!("CARGO_PKG_VERSION"));
    o.push_str("\"/>\n<title>");
    o.push_str(&esc(title));
    o.push_str("</title>\n<style>/*<![CDATA[*/\n");
    o.push_str(CSS);
    o.push_str("\n/*]]>*/</style>\n</head>\n<body data-errors=\"\">\n<script>//<![CDATA[\n");
    o.push_str(ERRORS_JS);
    o.push_str("\n//]]></script>\n");
    o.push_str(body);
    if with_map {
        o.push_str("<script>//<![CDATA[\n");
        o.push_str(MAP_JS);
        o.push_str("\n//]]></script>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// Inline SVG of a figure file: the XML declaration dropped, element ids prefixed
/// with `pre` (several drawings share one page), its size scaled to the page width.
pub(crate) fn inline_svg(svg: &str, pre: &str) -> String {
    let s = svg.trim_start();
    let s = match s.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |x| x.1).trim_start(),
        None => s,
    };
    let s = s
        .replace(" id=\"", &format!(" id=\"{pre}-"))
        .replace("url(#", &format!("url(#{pre}-"))
        .replace(" href=\"#", &format!(" href=\"#{pre}-"));
    s.replacen("<svg ", "<svg class=\"figure\" ", 1)
}

/// Header and first rows of a CSV, and how many rows it holds.
fn csv_head(bytes: &[u8]) -> Option<(Vec<String>, Vec<Vec<String>>, usize)> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = r.headers().ok()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    let mut n = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(true) => {
                if rows.len() < TABLE_ROWS {
                    rows.push(rec.iter().map(str::to_string).collect());
                }
                n += 1;
            }
            Ok(false) => break,
            Err(_) => return None,
        }
    }
    Some((header, rows, n))
}

/// Caveats of a JSON summary: strings under `caveats`, `warnings` or `notes` (at the
/// top level or one level down).
fn json_caveats(v: &Value, out: &mut Vec<String>) {
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    if let Value::Object(m) = v {
        for (k, x) in m {
            let k = k.to_ascii_lowercase();
            if k == "caveats" || k == "warnings" || k == "notes" || k == "caveat" {
                strings(x, out);
            } else if let Value::Object(inner) = x {
                for (k2, y) in inner {
                    let k2 = k2.to_ascii_lowercase();
                    if k2 == "caveats" || k2 == "warnings" || k2 == "caveat" {
                        strings(y, out);
                    }
                }
            }
        }
    }
}

/// The legend classes of a colour scale: `(colour, label)` in legend order.
pub(crate) fn legend_classes(scale: &ColourScale, palette: Palette) -> Vec<(String, String)> {
    use crate::render::palette::{hex, viridis};
    match scale {
        ColourScale::GiBins => palette
            .gi_bins()
            .iter()
            .rev()
            .map(|(_, c, l)| (hex(*c), l.to_string()))
            .collect(),
        ColourScale::Categories(cats) => cats.iter().map(|(c, l)| (hex(*c), l.clone())).collect(),
        ColourScale::Continuous { min, max, sqrt } => (0..=5)
            .rev()
            .map(|k| {
                let t = k as f64 / 5.0;
                let f = if *sqrt { t * t } else { t };
                (hex(viridis(t)), fmt_num(min + (max - min) * f))
            })
            .collect(),
    }
}

/// Provenance record as the page shows it (already passed through the public policy).
fn provenance_html(v: &Value, o: &mut String) {
    let get = |k: &str| v.get(k);
    o.push_str("<dl class=\"prov\">\n");
    if let Some(t) = get("tool").and_then(Value::as_str) {
        let _ = writeln!(o, "<dt>Tool</dt><dd>{}</dd>", esc(t));
    }
    if let Some(Value::Array(c)) = get("command") {
        let words: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
        if !words.is_empty() {
            let _ = writeln!(
                o,
                "<dt>Command</dt><dd><code>{}</code></dd>",
                esc(&words.join(" "))
            );
        }
    }
    if let Some(s) = get("seed").and_then(Value::as_u64) {
        let _ = writeln!(o, "<dt>Seed</dt><dd>{s}</dd>");
    }
    if let Some(c) = get("crs").filter(|c| !c.is_null()) {
        let name = |k: &str| {
            c.get(k)
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| other.to_string()),
                })
                .unwrap_or_default()
        };
        let reason = c.get("reason").and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(
            o,
            "<dt>CRS</dt><dd>input {}; working {}{}</dd>",
            esc(&name("input")),
            esc(&name("working")),
            if reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(reason))
            }
        );
    }
    o.push_str("</dl>\n");
    if let Some(Value::Array(inputs)) = get("inputs") {
        if !inputs.is_empty() {
            o.push_str("<table class=\"inputs\"><thead><tr><th>input</th><th>role</th><th>rows read</th><th>rows used</th><th>SHA-256</th></tr></thead><tbody>\n");
            for i in inputs {
                let s = |k: &str| {
                    i.get(k)
                        .map(|x| match x {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            other => other.to_string(),
                        })
                        .unwrap_or_default()
                };
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
                    esc(&s("path")),
                    esc(&s("role")),
                    esc(&s("rows_read")),
                    esc(&s("rows_used")),
                    esc(&s("sha256"))
                );
                if let Some(Value::Array(r)) = i.get("reading") {
                    for line in r.iter().filter_map(Value::as_str) {
                        let _ = writeln!(
                            o,
                            "<tr><td colspan=\"5\" class=\"reading\">{}</td></tr>",
                            esc(line)
                        );
                    }
                }
            }
            o.push_str("</tbody></table>\n");
        }
    }
    if let Some(p) = get("parameters").filter(|p| !p.is_null()) {
        let text = serde_json::to_string_pretty(p).unwrap_or_default();
        let _ = writeln!(
            o,
            "<details><summary>Parameters</summary><pre>{}</pre></details>",
            esc(&text)
        );
    }
}

/// Everything one folder's report needs.
pub(crate) struct FolderReport<'a> {
    /// Folder prefix (`""` or `"name/"`).
    pub dir: &'a str,
    /// Name shown for the folder (its path as the user gave it).
    pub shown: String,
    /// The files of the set in this folder, in writing order.
    pub files: Vec<SetFile<'a>>,
    /// Provenance records (JSON, as published) by index.
    pub provs: &'a [Value],
    /// Public audience.
    pub public: bool,
}

/// The title and first summary sentence of a folder's report (for the index).
#[derive(Debug, Clone)]
pub(crate) struct Headline {
    pub dir: String,
    pub title: String,
    pub sentence: String,
}

/// Builds `report.html` of one folder. Returns the page and its headline.
pub(crate) fn folder_report(
    f: &FolderReport<'_>,
    col: &Collector,
    context: &[crate::render::ContextLayer],
) -> (String, Headline) {
    let dir = f.dir;
    let figures: Vec<&FigureNote> = col
        .figures
        .iter()
        .filter(|n| dir_of(&n.svg) == dir)
        .collect();
    let summaries: Vec<&str> = col
        .summaries
        .iter()
        .filter(|(d, _)| d == dir)
        .map(|(_, s)| s.as_str())
        .collect();
    let folder_name = dir.trim_end_matches('/');
    let folder_name = if folder_name.is_empty() {
        f.shown.clone()
    } else {
        folder_name.to_string()
    };
    // the interactive map's figure (the folder's main result) names the page
    let map = map::choose(dir, col, context);
    let title = map
        .as_ref()
        .and_then(|m| m.title.clone())
        .or_else(|| {
            figures
                .iter()
                .map(|n| n.title.clone())
                .find(|t| !t.trim().is_empty())
        })
        .unwrap_or_else(|| format!("crimescape results: {folder_name}"));
    let sentences: Vec<String> = summaries
        .iter()
        .flat_map(|s| s.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let first_sentence = sentences.first().cloned().unwrap_or_else(|| {
        figures
            .iter()
            .map(|n| n.subtitle.clone())
            .find(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("{} files", f.files.len()))
    });

    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header><h1>{}</h1><p class=\"meta\">Folder <code>{}</code> · crimescape {}{}</p></header>",
        esc(&title),
        esc(&f.shown),
        env!("CARGO_PKG_VERSION"),
        if f.public {
            " · public audience: built from the published files only"
        } else {
            ""
        }
    );
    b.push_str("<main>\n");
    // summary
    b.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
    if sentences.is_empty() {
        let subs: Vec<&str> = figures
            .iter()
            .map(|n| n.subtitle.as_str())
            .filter(|s| !s.trim().is_empty())
            .collect();
        if subs.is_empty() {
            let _ = writeln!(b, "<p>{} files written.</p>", f.files.len());
        }
        for s in subs {
            let _ = writeln!(b, "<p>{}</p>", esc(s));
        }
    } else {
        for s in &sentences {
            let _ = writeln!(b, "<p>{}</p>", esc(s));
        }
    }
    b.push_str("</section>\n");

    // the interactive map
    if let Some(m) = &map {
        b.push_str(&m.html());
    }

    // figures
    if !figures.is_empty() {
        b.push_str("<section id=\"figures\"><h2>Maps and charts</h2>\n");
        for (k, n) in figures.iter().enumerate() {
            let Some(svg) = f
                .files
                .iter()
                .find(|x| x.rel == n.svg)
                .and_then(|x| std::str::from_utf8(&x.bytes).ok())
            else {
                continue;
            };
            let _ = writeln!(
                b,
                "<figure id=\"fig-{}\">{}",
                esc(stem_of(&n.svg)),
                inline_svg(svg, &format!("f{k}"))
            );
            let mut links = vec![format!("<a href=\"{}\">SVG</a>", href(base_of(&n.svg)))];
            if let Some(p) = &n.png {
                links.push(format!("<a href=\"{}\">PNG</a>", href(base_of(p))));
            }
            let _ = writeln!(
                b,
                "<figcaption>{}{} ({})</figcaption></figure>",
                esc(&n.title),
                if n.subtitle.is_empty() {
                    String::new()
                } else {
                    format!(": {}", esc(&n.subtitle))
                },
                links.join(" · ")
            );
        }
        b.push_str("</section>\n");
    }

    // tables
    let tables: Vec<&SetFile> = f.files.iter().filter(|x| ext_of(x.rel) == "csv").collect();
    if !tables.is_empty() {
        b.push_str("<section id=\"tables\"><h2>Tables</h2>\n");
        for t in tables {
            let name = base_of(t.rel);
            let _ = writeln!(
                b,
                "<h3 id=\"table-{}\">{}</h3>",
                esc(stem_of(t.rel)),
                esc(name)
            );
            match csv_head(&t.bytes) {
                Some((header, rows, n)) => {
                    let n = t.rows.unwrap_or(n);
                    b.push_str("<div class=\"scroll\"><table><thead><tr>");
                    for h in &header {
                        let _ = write!(b, "<th>{}</th>", esc(h));
                    }
                    b.push_str("</tr></thead><tbody>\n");
                    for r in &rows {
                        b.push_str("<tr>");
                        for c in r {
                            let _ = write!(b, "<td>{}</td>", esc(c));
                        }
                        b.push_str("</tr>\n");
                    }
                    b.push_str("</tbody></table></div>\n");
                    let _ = writeln!(
                        b,
                        "<p class=\"note\">{} of {} row{} shown; the whole table: <a href=\"{}\">{}</a></p>",
                        rows.len(),
                        n,
                        if n == 1 { "" } else { "s" },
                        href(name),
                        esc(name)
                    );
                }
                None => {
                    let _ = writeln!(
                        b,
                        "<p class=\"note\">Not shown (not a plain CSV table): <a href=\"{}\">{}</a></p>",
                        href(name),
                        esc(name)
                    );
                }
            }
        }
        b.push_str("</section>\n");
    }

    // caveats
    let mut caveats: Vec<String> = Vec::new();
    for x in f.files.iter().filter(|x| ext_of(x.rel) == "json") {
        if let Ok(v) = serde_json::from_slice::<Value>(&x.bytes) {
            json_caveats(&v, &mut caveats);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    caveats.retain(|c| seen.insert(c.clone()));
    let fig_notes: Vec<(&FigureNote, &String)> = figures
        .iter()
        .flat_map(|n| n.notes.iter().map(move |l| (*n, l)))
        .collect();
    if !caveats.is_empty() || !fig_notes.is_empty() {
        b.push_str("<section id=\"caveats\"><h2>Caveats and notes</h2>\n");
        if !caveats.is_empty() {
            b.push_str("<ul>\n");
            for c in &caveats {
                let _ = writeln!(b, "<li>{}</li>", esc(c));
            }
            b.push_str("</ul>\n");
        }
        let mut by_fig: BTreeMap<usize, (String, Vec<&String>)> = BTreeMap::new();
        for (n, l) in fig_notes {
            let k = figures
                .iter()
                .position(|x| std::ptr::eq(*x, n))
                .unwrap_or(0);
            by_fig
                .entry(k)
                .or_insert_with(|| (base_of(&n.svg).to_string(), Vec::new()))
                .1
                .push(l);
        }
        for (_, (name, lines)) in by_fig {
            let _ = writeln!(b, "<p class=\"note\"><b>{}</b>: ", esc(&name));
            let joined: Vec<String> = lines.iter().map(|l| esc(l)).collect();
            b.push_str(&joined.join("; "));
            b.push_str("</p>\n");
        }
        b.push_str("</section>\n");
    }

    // all files
    b.push_str("<section id=\"files\"><h2>Files</h2><ul class=\"files\">\n");
    for x in &f.files {
        let name = base_of(x.rel);
        let _ = writeln!(
            b,
            "<li><a href=\"{}\">{}</a> <span class=\"size\">{}</span></li>",
            href(name),
            esc(name),
            size_text(x.size as usize)
        );
    }
    b.push_str("</ul></section>\n");

    // provenance
    let mut provs: Vec<usize> = f.files.iter().filter_map(|x| x.prov).collect();
    provs.sort_unstable();
    provs.dedup();
    if !provs.is_empty() {
        b.push_str("<section id=\"provenance\"><h2>Provenance</h2>\n");
        for k in provs {
            if let Some(v) = f.provs.get(k) {
                if provs_len(f) > 1 {
                    let names: Vec<&str> = f
                        .files
                        .iter()
                        .filter(|x| x.prov == Some(k))
                        .map(|x| base_of(x.rel))
                        .collect();
                    let _ = writeln!(b, "<h3>{}</h3>", esc(&names.join(", ")));
                }
                provenance_html(v, &mut b);
            }
        }
        b.push_str("</section>\n");
    }
    b.push_str("</main>\n");
    let _ = writeln!(
        b,
        "<footer>Made with crimescape {}. This page works offline: it loads no file, font or map tile.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    let html = page(&title, &b, map.is_some());
    (
        html,
        Headline {
            dir: dir.to_string(),
            title,
            sentence: first_sentence,
        },
    )
}

fn provs_len(f: &FolderReport<'_>) -> usize {
    let mut v: Vec<usize> = f.files.iter().filter_map(|x| x.prov).collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

fn size_text(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} kB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    }
}

/// The index page of a set: every folder's report with one sentence each.
pub(crate) fn index_page(shown: &str, heads: &[Headline], top_summary: &[&str]) -> String {
    let title = format!("crimescape results: {shown}");
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header><h1>{}</h1><p class=\"meta\">crimescape {}</p></header>\n<main>",
        esc(&title),
        env!("CARGO_PKG_VERSION")
    );
    for s in top_summary
        .iter()
        .flat_map(|s| s.lines())
        .filter(|l| !l.trim().is_empty())
    {
        let _ = writeln!(b, "<p>{}</p>", esc(s.trim()));
    }
    b.push_str("<section id=\"reports\"><h2>Reports</h2><ul class=\"index\">\n");
    for h in heads {
        let d = h.dir.trim_end_matches('/');
        let _ = writeln!(
            b,
            "<li><a href=\"{}\">{}</a>: <b>{}</b>. {}</li>",
            href(&format!("{}{REPORT_HTML}", h.dir)),
            esc(if d.is_empty() { "." } else { d }),
            esc(&h.title),
            esc(&h.sentence)
        );
    }
    b.push_str("</ul></section>\n</main>\n");
    let _ = writeln!(
        b,
        "<footer>Made with crimescape {}. Open any report from this page; they work offline.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    page(&title, &b, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_markup() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = serde_json::json!({"k": "</script><b>&"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('&'), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn csv_head_counts_every_row() {
        let mut t = String::from("a,b\n");
        for i in 0..25 {
            t.push_str(&format!("{i},\"x,{i}\"\n"));
        }
        let (h, rows, n) = csv_head(t.as_bytes()).unwrap();
        assert_eq!(h, ["a", "b"]);
        assert_eq!(rows.len(), TABLE_ROWS);
        assert_eq!(rows[3], ["3", "x,3"]);
        assert_eq!(n, 25);
    }

    #[test]
    fn inline_svg_prefixes_ids_and_drops_the_declaration() {
        let s = inline_svg(
            "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><g id=\"title\"/></svg>",
            "f0",
        );
        assert!(s.starts_with("<svg class=\"figure\" "), "{s}");
        assert!(s.contains("id=\"f0-title\""), "{s}");
    }

    #[test]
    fn legend_classes_follow_the_palette() {
        let g = legend_classes(&ColourScale::GiBins, Palette::BlueOrange);
        assert_eq!(g.len(), 7);
        let c = legend_classes(
            &ColourScale::Continuous {
                min: 0.0,
                max: 10.0,
                sqrt: false,
            },
            Palette::BlueOrange,
        );
        assert_eq!(c.first().map(|x| x.1.as_str()), Some("10"));
        assert_eq!(c.last().map(|x| x.1.as_str()), Some("0"));
    }

    #[test]
    fn href_encodes_spaces() {
        assert_eq!(href("a b/c.csv"), "a%20b/c.csv");
    }
}
