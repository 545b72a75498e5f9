//! An assessment as a self-contained HTML page (from its Markdown), optionally with
//! each proposal's maps inlined.

use super::{to_markdown, Assessment};
use crate::export::{inline_svg, report_href, report_page};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn inline(s: &str) -> String {
    let e = esc(s);
    let mut out = String::new();
    let mut bold = false;
    for (k, part) in e.split("**").enumerate() {
        if k > 0 {
            out.push_str(if bold { "</b>" } else { "<b>" });
            bold = !bold;
        }
        out.push_str(part);
    }
    if bold {
        out.push_str("</b>");
    }
    // single *emphasis*
    let mut res = String::new();
    let mut it = false;
    for (k, part) in out.split('*').enumerate() {
        if k > 0 {
            res.push_str(if it { "</i>" } else { "<i>" });
            it = !it;
        }
        res.push_str(part);
    }
    if it {
        res.push_str("</i>");
    }
    res
}

/// The maps of one proposal shown in `assessment.html`: the SVG documents of its
/// figures as written (see [`to_html_with_maps`]) and the names of their files.
#[derive(Debug, Clone, Default)]
pub struct ProposalMaps {
    /// The proposal's name.
    pub proposal: String,
    /// The proposal's actions over the context layers ([`proposal_map`](super::proposal_map)).
    pub actions: Option<MapFile>,
    /// Expected incidents prevented per cell ([`risk_map`](super::risk_map)).
    pub risk: Option<MapFile>,
    /// Change in street reach ([`reach_map`](super::reach_map) with `change = true`).
    pub access: Option<MapFile>,
}

/// A figure written into the output folder: its SVG document and the file names.
#[derive(Debug, Clone, Default)]
pub struct MapFile {
    /// The SVG document, as written.
    pub svg: String,
    /// Name of the SVG file (relative to the page).
    pub svg_name: String,
    /// Name of the PNG file, when one was written.
    pub png_name: Option<String>,
}

/// A standalone HTML page with the same content as [`to_markdown`] (no maps; see
/// [`to_html_with_maps`]).
pub fn to_html(a: &Assessment) -> String {
    to_html_with_maps(a, &[])
}

/// The figures of one proposal inline: its actions at full width, then the risk
/// change and the access change side by side (each with links to its files).
fn maps_html(h: &mut String, k: usize, m: &ProposalMaps) {
    let fig = |h: &mut String, f: &MapFile, id: &str, what: &str| {
        let mut links = vec![format!("<a href=\"{}\">SVG</a>", report_href(&f.svg_name))];
        if let Some(p) = &f.png_name {
            links.push(format!("<a href=\"{}\">PNG</a>", report_href(p)));
        }
        h.push_str(&format!(
            "<figure class=\"map\" id=\"{id}\">{}<figcaption>{what} ({})</figcaption></figure>\n",
            inline_svg(&f.svg, id),
            links.join(" · ")
        ));
    };
    let n = [&m.actions, &m.risk, &m.access]
        .iter()
        .filter(|x| x.is_some())
        .count();
    if n == 0 {
        return;
    }
    h.push_str(&format!(
        "<div class=\"proposal-maps\" data-expected-figures=\"{n}\">\n<h3>{}</h3>\n",
        esc(&m.proposal)
    ));
    if let Some(f) = &m.actions {
        fig(h, f, &format!("p{k}-actions"), "What the proposal changes");
    }
    if m.risk.is_some() || m.access.is_some() {
        h.push_str("<div class=\"side-by-side\">\n");
        if let Some(f) = &m.risk {
            fig(
                h,
                f,
                &format!("p{k}-risk"),
                "Crime risk: expected incidents prevented",
            );
        }
        if let Some(f) = &m.access {
            fig(
                h,
                f,
                &format!("p{k}-access"),
                "Free access: change in street reach",
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
}

/// A standalone HTML page with the same content as [`to_markdown`] and, before the
/// verdicts, the maps of each proposal inline as SVG (`maps`, in proposal order):
/// the proposal's actions over the context layers, and the risk change and the
/// access change side by side. The SVG documents are those written beside the page
/// (drawn once, by the renderer), so the page shows what the files show.
pub fn to_html_with_maps(a: &Assessment, maps: &[ProposalMaps]) -> String {
    let md = to_markdown(a);
    let mut maps_done = maps.is_empty();
    // the page of the folder reports (style sheet, error recorder), its body here
    let mut h = String::from(
        "<main>\n<p class=\"meta\">The tables, all figures and the provenance of this assessment: <a href=\"report.html\">report.html</a></p>\n",
    );
    let mut in_table = false;
    let mut header = true;
    let mut in_list = false;
    for line in md.lines() {
        let t = line.trim_start();
        if t.starts_with('|') {
            if in_list {
                h.push_str("</ul>\n");
                in_list = false;
            }
            if !in_table {
                h.push_str("<div class=\"scroll\"><table>\n");
                in_table = true;
                header = true;
            }
            let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
            if cells.iter().all(|c| c.chars().all(|ch| ch == '-')) {
                continue;
            }
            let tag = if header { "th" } else { "td" };
            h.push_str("<tr>");
            for c in cells {
                h.push_str(&format!("<{tag}>{}</{tag}>", inline(c)));
            }
            h.push_str("</tr>\n");
            header = false;
            continue;
        }
        if in_table {
            h.push_str("</table></div>\n");
            in_table = false;
        }
        if let Some(item) = t.strip_prefix("- ") {
            if !in_list {
                h.push_str("<ul>\n");
                in_list = true;
            }
            h.push_str(&format!("<li>{}</li>\n", inline(item)));
            continue;
        }
        if in_list {
            h.push_str("</ul>\n");
            in_list = false;
        }
        if !maps_done && t == "## Verdicts" {
            maps_done = true;
            h.push_str("<section id=\"maps\">\n<h2>Maps</h2>\n");
            for (k, m) in maps.iter().enumerate() {
                maps_html(&mut h, k, m);
            }
            h.push_str("</section>\n");
        }
        if let Some(x) = t.strip_prefix("### ") {
            h.push_str(&format!("<h3>{}</h3>\n", inline(x)));
        } else if let Some(x) = t.strip_prefix("## ") {
            h.push_str(&format!("<h2>{}</h2>\n", inline(x)));
        } else if let Some(x) = t.strip_prefix("# ") {
            h.push_str(&format!("<h1>{}</h1>\n", inline(x)));
        } else if !t.is_empty() {
            h.push_str(&format!("<p>{}</p>\n", inline(t)));
        }
    }
    if in_table {
        h.push_str("</table></div>\n");
    }
    if in_list {
        h.push_str("</ul>\n");
    }
    h.push_str(&format!(
        "</main>\n<footer>Made with crimescape {}. This page works offline: it loads no file, font or map tile.</footer>\n",
        env!("CARGO_PKG_VERSION")
    ));
    report_page(
        "Design proposals: crime risk and free access, side by side",
        &h,
        false,
    )
}
