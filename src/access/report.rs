//! Writing an [`Assessment`]: Markdown and HTML summaries, GeoJSON of the
//! changes, PNG maps of reachability and risk change.

use geo::Geometry;

use super::assess::{AccessChange, Assessment, Verdict};
use super::risk::RiskChange;
use crate::error::{Error, Result};
use crate::export::{features, inline_svg, report_href, report_page, Cell, Features, Figure};
use crate::grid::Grid;
use crate::index::PointIndex;
use crate::render::{self, ColourScale, MapOptions, Overlay};

fn f0(x: f64) -> String {
    format!("{x:.0}")
}

/// Expected incidents prevented with its interval, as text.
pub fn prevented_text(r: Option<&RiskChange>) -> String {
    match r {
        None => "not assessed (no risk model)".into(),
        Some(r) => match r.interval {
            Some([lo, hi]) => format!("{:.1} (95% {:.1} to {:.1})", r.prevented, lo, hi),
            None => format!("{:.1} (no interval: model without covariance)", r.prevented),
        },
    }
}

/// The hours-weighted expected incidents prevented, as text (`-` when not computed:
/// no timed restriction, no risk model or no incident times).
pub fn hours_weighted_text(h: Option<&super::assess::HoursWeighted>) -> String {
    match h {
        None => "-".into(),
        Some(h) => format!(
            "{:.1} ({:.0}% of incidents in force, {:.0} h/week)",
            h.prevented,
            100.0 * h.share_in_force,
            h.hours_in_force_per_week
        ),
    }
}

fn reach_text(a: &AccessChange) -> String {
    match a.reach.last() {
        Some(r) => format!(
            "{:+.2}% ({} → {} m)",
            r.street_change_pct,
            f0(r.street_m_before),
            f0(r.street_m_after)
        ),
        None => "-".into(),
    }
}

fn worst_text(a: &AccessChange) -> String {
    match a.reach.first() {
        Some(r) if r.nodes_losing > 0 => format!(
            "−{:.1}% ({} nodes lose)",
            r.worst_node_loss_pct, r.nodes_losing
        ),
        _ => "0".into(),
    }
}

fn detour_text(a: &AccessChange) -> String {
    format!(
        "{} ({})",
        a.detour.pairs_affected, a.detour.pairs_disconnected
    )
}

fn p95_text(a: &AccessChange) -> String {
    a.detour.p95_ratio.map_or("-".into(), |x| format!("{x:.2}"))
}

fn space_text(a: &AccessChange) -> String {
    let p = &a.public_space;
    let mut s = format!("{} / {}", f0(p.enclosed_m2), f0(p.time_restricted_m2));
    if a.restricted_hours_per_day > 0.0 && p.time_restricted_m2 > 0.0 {
        s.push_str(&format!(" ({:.0} h/day)", a.restricted_hours_per_day));
    }
    if p.opened_m2 > 0.0 {
        s.push_str(&format!(", +{} opened", f0(p.opened_m2)));
    }
    s
}

fn verdict_word(v: &Verdict) -> &'static str {
    if v.restricts_access {
        "**restricts free access**"
    } else {
        "ok"
    }
}

/// The Markdown summary.
pub fn to_markdown(a: &Assessment) -> String {
    let mut s = String::new();
    let n = &a.network;
    s.push_str("# Design proposals: crime risk and free access, side by side\n\n");
    s.push_str(&format!(
        "**Walking network**: {} nodes, {} edges, {:.1} km; {} of {} line endpoints snapped (tolerance {} m, largest snap {:.2} m), {} T-junctions and {} crossings split, {} components; {} origin nodes.\n\n",
        n.nodes, n.edges, n.total_length_m / 1000.0, n.snapped_endpoints, n.endpoints, n.snap_tolerance_m,
        n.max_snap_m, n.t_junctions, n.crossings, n.components, a.origin_nodes
    ));
    match &a.risk_model {
        Some(m) => s.push_str(&format!(
            "**Risk model**: {m}. Expected incidents are a *model estimate*: they assume the model's associations are causal and hold at the changed places, and ignore displacement.\n\n"
        )),
        None => s.push_str("**Risk model**: none given: the risk side is not assessed.\n\n"),
    }
    let dmax = a.params.distances.iter().copied().fold(0.0, f64::max);
    let dmin = a
        .params
        .distances
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    s.push_str("## Side by side\n\n");
    s.push_str(&format!(
        "| proposal | actions | expected incidents prevented | hours-weighted prevented | street reach {dmax:.0} m | worst node {dmin:.0} m | detour pairs (disconnected) | p95 detour | public space enclosed / restricted (m²) | frontage lost (m) | through-movement removed | verdict | dominated by |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    ));
    for p in &a.proposals {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} | {} |\n",
            p.name,
            p.actions_count,
            prevented_text(p.risk.as_ref()),
            hours_weighted_text(p.hours_weighted.as_ref()),
            reach_text(&p.access),
            worst_text(&p.access),
            detour_text(&p.access),
            p95_text(&p.access),
            space_text(&p.access),
            f0(p.access.public_space.frontage_lost_m),
            p.access.through_movement.removed_pct_of_total,
            verdict_word(&p.verdict),
            if p.dominated_by.is_empty() {
                "-".to_string()
            } else {
                p.dominated_by.join(", ")
            }
        ));
    }
    s.push('\n');
    if a.proposals.iter().any(|p| !p.actions.is_empty()) {
        s.push_str("## Per action\n\n");
        s.push_str(&format!(
            "| proposal | # | action | what | layer | hours | features | expected incidents prevented | hours-weighted prevented | street reach {dmax:.0} m | worst node {dmin:.0} m | detour pairs (disconnected) | public space enclosed / restricted (m²) | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        ));
        for p in &a.proposals {
            for x in &p.actions {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    p.name,
                    x.index,
                    x.action.name(),
                    x.label,
                    x.layer,
                    x.hours.clone().unwrap_or_else(|| "always".into()),
                    x.features,
                    prevented_text(x.risk.as_ref()),
                    hours_weighted_text(x.hours_weighted.as_ref()),
                    reach_text(&x.access),
                    worst_text(&x.access),
                    detour_text(&x.access),
                    space_text(&x.access),
                    verdict_word(&x.verdict)
                ));
            }
        }
        s.push('\n');
    }
    s.push_str("## Verdicts\n\n");
    for p in &a.proposals {
        s.push_str(&format!("### {}\n\n", p.name));
        verdict_md(&mut s, &p.verdict, "");
        for x in &p.actions {
            if x.verdict.restricts_access && a.proposals.iter().any(|q| q.actions.len() > 1) {
                s.push_str(&format!("- action {} ({}):\n", x.index, x.label));
                verdict_md(&mut s, &x.verdict, "  ");
            }
        }
        let rc = p.access.reach.last();
        if let Some(r) = rc {
            s.push_str(&format!(
                "- access: {} edges closed ({:.0} m), {} opened ({:.0} m); mean public-space area within {:.0} m {:+.2}%; gravity access {:.0} → {:.0} m²\n",
                p.access.edges_closed, p.access.length_closed_m, p.access.edges_opened, p.access.length_opened_m,
                r.distance_m, r.space_area_change_pct, r.gravity_before, r.gravity_after
            ));
        }
        if let Some(r) = &p.risk {
            s.push_str(&format!(
                "- risk: {:.1} → {:.1} expected incidents city-wide; in the {} affected cells {:.1} → {:.1}\n",
                r.expected_before, r.expected_after, r.cells_changed, r.affected_before, r.affected_after
            ));
        }
        if let Some(h) = &p.hours_weighted {
            s.push_str(&format!(
                "- hours-weighted: the timed restrictions are in force {:.1} h a week, when {:.1}% of the {} incidents happen (aoristic); prevented {:.3} × {:.1} (while in force) + {:.3} × {:.1} (otherwise) = {:.1}\n",
                h.hours_in_force_per_week,
                100.0 * h.share_in_force,
                h.incidents,
                h.share_in_force,
                h.prevented_while_in_force,
                1.0 - h.share_in_force,
                h.prevented_out_of_force,
                h.prevented
            ));
        }
        if !p.dominated_by.is_empty() {
            s.push_str(&format!(
                "- dominated by {}: it prevents at least as many expected incidents with no more loss of access\n",
                p.dominated_by.join(", ")
            ));
        }
        s.push('\n');
    }
    if a.proposals.len() > 1 {
        s.push_str("## Trade-off\n\n");
        let front: Vec<&str> = a
            .proposals
            .iter()
            .filter(|p| p.dominated_by.is_empty())
            .map(|p| p.name.as_str())
            .collect();
        s.push_str(&format!(
            "Not dominated (the trade-off front): {}. Dominated: {}.\n\n",
            front.join(", "),
            if a.dominated.is_empty() {
                "none".to_string()
            } else {
                a.dominated.join(", ")
            }
        ));
        for p in &a.proposals {
            s.push_str(&format!(
                "- {}: {} expected incidents prevented for {:.2}% street reach and {:.0} m² public space lost\n",
                p.name,
                p.risk.as_ref().map_or("(no model)".to_string(), |r| format!("{:.1}", r.prevented)),
                p.access.reach_loss_pct(),
                p.access.space_lost_m2()
            ));
        }
        s.push('\n');
    }
    s.push_str("## Reachability (means over origin nodes)\n\n");
    s.push_str("| proposal | distance (m) | street length before (m) | after (m) | change | nodes losing | public spaces before | after | space area change | gravity before (m²) | after (m²) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for p in &a.proposals {
        for r in &p.access.reach {
            s.push_str(&format!(
                "| {} | {:.0} | {:.0} | {:.0} | {:+.2}% | {} | {:.2} | {:.2} | {:+.2}% | {:.0} | {:.0} |\n",
                p.name, r.distance_m, r.street_m_before, r.street_m_after, r.street_change_pct, r.nodes_losing,
                r.spaces_before, r.spaces_after, r.space_area_change_pct, r.gravity_before, r.gravity_after
            ));
        }
    }
    let t = &a.params.thresholds;
    s.push_str(&format!(
        "\n## Definitions and thresholds\n\n\
- Reach: network length within a walking distance of each node (edges counted in part), and public spaces with an entrance node (within {:.0} m of the space) within it; gravity = Σ area·exp(−4d/D) (cityseer).\n\
- Detour: ordered node pairs within {:.0} m whose shortest distance grew because edges closed (equal-length alternatives do not count); ratio = new / old distance; disconnected = no path left.\n\
- Through-movement: local edge betweenness within {:.0} m (Brandes), the share of the city total carried by the closed edges.\n\
- Time-restricted closures are assessed while in force (the worst hour).\n\
- A proposal or action **restricts free access to public space** (UN Guidelines for the Prevention of Crime 2002, §26(d): target hardening \"without … limiting free access to public space\") when the mean street reach within {:.0} m falls by more than {}%, a node loses more than {}% of its reach within {:.0} m, more than {} pairs are disconnected, the 95th percentile detour exceeds {}, or more than {} m² of public space is enclosed or time-restricted.\n\
- Dominated: another proposal prevents at least as many expected incidents and loses no more street reach and public space, and is strictly better in one.\n",
        a.params.entrance_distance, a.params.detour_radius, a.params.betweenness_radius, dmax,
        t.max_mean_reach_loss_pct, t.max_node_reach_loss_pct, dmin, t.max_disconnected_pairs,
        t.max_p95_detour, t.max_public_space_m2
    ));
    s
}

fn verdict_md(s: &mut String, v: &Verdict, indent: &str) {
    s.push_str(&format!("{indent}- verdict: {}\n", v.summary));
    for r in &v.reasons {
        s.push_str(&format!("{indent}  - {r}\n"));
    }
    if let Some(alt) = &v.alternative {
        // an alternative with nothing to repair is described, not modelled: its
        // prevented incidents are not "without a model" but not computed
        let prevented = if alt.lights_repaired == 0 && alt.risk.is_none() {
            "not modelled (nothing to repair)".to_string()
        } else {
            prevented_text(alt.risk.as_ref())
        };
        s.push_str(&format!(
            "{indent}- less restrictive alternative: {}; expected incidents prevented {}; access {}\n",
            alt.description, prevented, alt.access
        ));
    }
}

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
    /// The proposal's actions over the context layers ([`proposal_map`]).
    pub actions: Option<MapFile>,
    /// Expected incidents prevented per cell ([`risk_map`]).
    pub risk: Option<MapFile>,
    /// Change in street reach ([`reach_map`] with `change = true`).
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

/// GeoJSON (EPSG:4326) of the changes: each action's geometry (or the features it
/// selected) and every network edge closed or opened, per proposal.
pub fn changes(a: &Assessment) -> Result<impl Features + '_> {
    let net = network_of(a)?;
    let f = features(&a.crs.working, move |sink| {
        for (pi, p) in a.proposals.iter().enumerate() {
            if let Some(ag) = a.details.action_geometries.get(pi) {
                for (idx, label, kind, g) in ag {
                    sink.feature(
                        g,
                        &[
                            ("proposal", Cell::Str(&p.name)),
                            ("kind", Cell::Str("action")),
                            ("action", Cell::Str(kind.name())),
                            ("action_index", Cell::count(*idx)),
                            ("label", Cell::Str(label)),
                        ],
                    )?;
                }
            }
            let Some(after) = a.details.after.get(pi) else {
                continue;
            };
            for (k, e) in net.edges.iter().enumerate() {
                let (b, f) = (a.details.before[k], after[k]);
                if b != f {
                    sink.feature(
                        &Geometry::LineString(net.geometry[k].clone()),
                        &[
                            ("proposal", Cell::Str(&p.name)),
                            (
                                "kind",
                                Cell::Str(if b { "edge_closed" } else { "edge_opened" }),
                            ),
                            ("edge", Cell::count(k)),
                            ("length_m", Cell::Float((e.length * 100.0).round() / 100.0)),
                        ],
                    )?;
                }
            }
        }
        Ok(())
    });
    Ok(f)
}

fn map_grid(a: &Assessment) -> Result<Grid> {
    let net = network_of(a)?;
    let bbox = crate::layer::bbox_of(net.nodes.iter().copied())
        .ok_or_else(|| Error::empty("assessment map", "network node", ""))?;
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]).max(1.0);
    let cell = (side / 200.0).max(5.0);
    Grid::covering(bbox, cell)
}

/// Map of street reach within the largest distance: before (`proposal = None`),
/// after a proposal, or the change (`change = true`), with the network, the closed
/// (red) and opened (green) edges drawn on top.
pub fn reach_map(a: &Assessment, proposal: Option<usize>, change: bool) -> Result<Figure> {
    let net = network_of(a)?;
    let grid = map_grid(a)?;
    let before = &a.details.reach_before;
    let vals: Vec<f64> = match proposal {
        None => before.clone(),
        Some(p) => {
            let after = a.details.reach_after.get(p).ok_or_else(|| {
                Error::invalid_param("proposal", p, "no such proposal in the assessment")
            })?;
            if change {
                after.iter().zip(before).map(|(x, y)| x - y).collect()
            } else {
                after.clone()
            }
        }
    };
    let ids: Vec<usize> = (0..net.node_count())
        .filter(|&v| a.details.origins[v])
        .collect();
    let pts: Vec<[f64; 2]> = ids.iter().map(|&v| net.nodes[v]).collect();
    let idx = PointIndex::new(&pts);
    let maxd = (grid.cell * 1.5).max(150.0);
    let cells: Vec<f64> = grid
        .centres()
        .iter()
        .map(|c| match idx.nearest(*c) {
            Some((i, d)) if d <= maxd => vals[ids[i]],
            _ => f64::NAN,
        })
        .collect();
    let dmax = a.params.distances.iter().copied().fold(0.0, f64::max);
    let mut overlays = vec![Overlay {
        geometries: walkable_before(a, net),
        colour: [90, 90, 90, 255],
        width: 1.0,
    }];
    let name = match proposal {
        Some(p) => {
            let after = &a.details.after[p];
            let pick = |closed: bool| changed_edges(a, net, after, closed);
            overlays.push(Overlay {
                geometries: pick(true),
                colour: [220, 30, 30, 255],
                width: 4.0,
            });
            overlays.push(Overlay {
                geometries: pick(false),
                colour: [30, 170, 60, 255],
                width: 4.0,
            });
            if let Some(ag) = a.details.action_geometries.get(p) {
                overlays.push(Overlay {
                    geometries: ag.iter().map(|x| x.3.clone()).collect(),
                    colour: [255, 140, 0, 255],
                    width: 2.0,
                });
            }
            a.proposals[p].name.clone()
        }
        None => "before".into(),
    };
    let title = if change {
        format!("Change in street length within {dmax:.0} m: {name}")
    } else {
        format!("Street length within {dmax:.0} m walk: {name}")
    };
    let scale = if change {
        let lo = cells
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::min);
        ColourScale::Continuous {
            min: lo.min(-1.0),
            max: 0.0,
            sqrt: false,
        }
    } else {
        render::auto_scale(&cells, false)
    };
    let opts = MapOptions {
        title: vec![
            title,
            format!(
                "street length reached on foot within {dmax:.0} m of each of {} origin nodes (shortest walk along the network); red: routes closed, green: opened, orange: proposal geometry",
                ids.len()
            ),
        ],
        legend: if change {
            "change (m)".into()
        } else {
            "street length (m)".into()
        },
        scale,
        overlays,
        size: 800,
    };
    Ok(Figure::grid_map(grid, cells, opts))
}

/// Colour of a proposal's action geometries on its maps.
const ACTION_COLOUR: render::Rgba = [255, 140, 0, 255];
/// Colour of the network edges a proposal closes.
const CLOSED_COLOUR: render::Rgba = [220, 30, 30, 255];
/// Colour of the network edges a proposal opens.
const OPENED_COLOUR: render::Rgba = [30, 170, 60, 255];

/// Map of what proposal `p` changes: its action geometries (orange), the network
/// edges it closes (red) and opens (green), over the walking network (grey) and the
/// run's context layers (streets, parks, water, drawn by the output style), with a
/// legend of the three. The extent is the changes' bounding box enlarged by 40 % and
/// to at least 600 m a side (the whole network when the proposal changes nothing
/// that has a geometry), so the reader sees the streets around the changes.
///
/// # Errors
/// [`Error::MissingInput`] without the network; [`Error::InvalidParam`] for an unknown proposal.
pub fn proposal_map(a: &Assessment, p: usize) -> Result<Figure> {
    let net = network_of(a)?;
    let prop = a
        .proposals
        .get(p)
        .ok_or_else(|| Error::invalid_param("proposal", p, "no such proposal in the assessment"))?;
    let after = a.details.after.get(p);
    let changed = |closed: bool| -> Vec<Geometry<f64>> {
        let Some(after) = after else {
            return Vec::new();
        };
        changed_edges(a, net, after, closed)
    };
    let (closed, opened) = (changed(true), changed(false));
    let actions: Vec<Geometry<f64>> = a
        .details
        .action_geometries
        .get(p)
        .map(|ag| ag.iter().map(|x| x.3.clone()).collect())
        .unwrap_or_default();
    let whole = crate::layer::bbox_of(net.nodes.iter().copied())
        .ok_or_else(|| Error::empty("assessment map", "network node", ""))?;
    let coords = actions
        .iter()
        .chain(&closed)
        .chain(&opened)
        .flat_map(|g| {
            use geo::CoordsIter;
            g.coords_iter().map(|c| [c.x, c.y]).collect::<Vec<_>>()
        })
        .filter(|c| c[0].is_finite() && c[1].is_finite());
    let bbox = match crate::layer::bbox_of(coords) {
        Some(b) => {
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            let half = ((b[2] - b[0]).max(b[3] - b[1]) * 0.7).max(300.0);
            [cx - half, cy - half, cx + half, cy + half]
        }
        None => whole,
    };
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]).max(1.0);
    let grid = Grid::covering(bbox, (side / 100.0).max(1.0))?;
    // one background class (white, no legend entry); the three classes of the legend
    // are drawn by the overlays in the same colours
    let scale = ColourScale::Categories(vec![
        ([255, 255, 255, 255], String::new()),
        (
            ACTION_COLOUR,
            "proposal geometry (action area, line or point)".into(),
        ),
        (CLOSED_COLOUR, "walking route closed".into()),
        (OPENED_COLOUR, "walking route opened".into()),
        ([150, 150, 150, 255], "walking network".into()),
    ]);
    let overlays = vec![
        Overlay {
            geometries: walkable_before(a, net),
            colour: [150, 150, 150, 255],
            width: 1.0,
        },
        Overlay {
            geometries: actions,
            colour: ACTION_COLOUR,
            width: 3.0,
        },
        Overlay {
            geometries: closed,
            colour: CLOSED_COLOUR,
            width: 4.0,
        },
        Overlay {
            geometries: opened,
            colour: OPENED_COLOUR,
            width: 4.0,
        },
    ];
    let mut title = vec![
        format!("Proposal {}: what it changes", prop.name),
        format!(
            "{} action{}; {} walking route{} closed ({:.0} m), {} opened ({:.0} m)",
            prop.actions_count,
            if prop.actions_count == 1 { "" } else { "s" },
            prop.access.edges_closed,
            if prop.access.edges_closed == 1 {
                ""
            } else {
                "s"
            },
            prop.access.length_closed_m,
            prop.access.edges_opened,
            prop.access.length_opened_m
        ),
    ];
    for x in &prop.actions {
        title.push(format!(
            "action {} ({}): {} ({}, {})",
            x.index,
            x.action.name(),
            x.label,
            x.layer,
            x.hours.clone().unwrap_or_else(|| "always".into())
        ));
    }
    let opts = MapOptions {
        title,
        legend: "changes".into(),
        scale,
        overlays,
        size: 800,
    };
    Ok(Figure::grid_map(grid, vec![0.0; grid.len()], opts))
}

/// The subtitle of the risk maps: what a cell's value is and how many cells.
fn risk_subtitle(r: &RiskChange, geometry: bool) -> String {
    format!(
        "risk model estimate per {:.0} m cell, {} cells{}",
        r.grid.cell,
        r.grid.len(),
        if geometry {
            "; orange: proposal geometry"
        } else {
            ""
        }
    )
}

/// Map of expected incidents prevented per cell (before − after).
pub fn risk_map(r: &RiskChange, title: &str, overlays: Vec<Overlay>) -> Figure {
    let vals: Vec<f64> = r.before.iter().zip(&r.after).map(|(b, a)| b - a).collect();
    let opts = MapOptions {
        title: vec![title.to_string(), risk_subtitle(r, !overlays.is_empty())],
        legend: "incidents prevented".into(),
        scale: render::auto_scale(&vals, false),
        overlays,
        size: 800,
    };
    Figure::grid_map(r.grid, vals, opts)
}

/// Map of expected incidents per cell (`after = false`: before the proposal).
pub fn risk_level_map(r: &RiskChange, after: bool, title: &str, overlays: Vec<Overlay>) -> Figure {
    let vals = if after { &r.after } else { &r.before };
    let opts = MapOptions {
        title: vec![title.to_string(), risk_subtitle(r, !overlays.is_empty())],
        legend: "expected incidents".into(),
        scale: render::auto_scale(vals, true),
        overlays,
        size: 800,
    };
    Figure::grid_map(r.grid, vals.clone(), opts)
}

/// Scatter of the trade-off: mean loss of street reach within the largest
/// distance (%) against expected incidents prevented, one marker per proposal
/// (prevented = 0 without a risk model).
pub fn tradeoff_plot(a: &Assessment) -> Figure {
    let series: Vec<render::Series> = a
        .proposals
        .iter()
        .map(|p| render::Series {
            label: format!(
                "{}{}",
                p.name,
                if p.dominated_by.is_empty() {
                    ""
                } else {
                    " (dom.)"
                }
            ),
            points: vec![(
                p.access.reach_loss_pct(),
                p.risk.as_ref().map_or(0.0, |r| r.prevented),
            )],
            markers: true,
        })
        .collect();
    let dmax = a.params.distances.iter().copied().fold(0.0, f64::max);
    let xmax = series
        .iter()
        .map(|s| s.points[0].0)
        .fold(0.0, f64::max)
        .max(0.1)
        * 1.2;
    let ymax = series
        .iter()
        .map(|s| s.points[0].1)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.2;
    let ymin = series.iter().map(|s| s.points[0].1).fold(0.0, f64::min) * 1.2;
    let o = render::PlotOptions {
        title: vec![
            "Trade-off: risk vs access".into(),
            "right: more access lost; up: more prevented".into(),
        ],
        x_label: format!("mean street reach lost within {dmax:.0} m (%)"),
        y_label: "expected incidents prevented".into(),
        vlines: Vec::new(),
        y_range: Some((ymin, ymax)),
        x_range: Some((-0.05 * xmax, xmax)),
    };
    Figure::line_plot(series, o)
}

/// The network's edges a scenario closes (`closed`) or opens: open before and not
/// in `after`, or the reverse, as lines.
fn changed_edges(
    a: &Assessment,
    net: &super::network::Network,
    after: &[bool],
    closed: bool,
) -> Vec<Geometry<f64>> {
    net.geometry
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let (b, f) = (a.details.before[*k], after[*k]);
            if closed {
                b && !f
            } else {
                !b && f
            }
        })
        .map(|(_, g)| Geometry::LineString(g.clone()))
        .collect()
}

/// The assessment's walking network (kept by [`assess`](crate::assess)).
fn network_of(a: &Assessment) -> Result<&super::network::Network> {
    a.net.as_ref().ok_or_else(|| Error::MissingInput {
        what: vec!["the walking network of the assessment".into()],
    })
}

/// The network's edges open before any proposal, as lines.
fn walkable_before(a: &Assessment, net: &super::network::Network) -> Vec<Geometry<f64>> {
    net.geometry
        .iter()
        .enumerate()
        .filter(|(k, _)| a.details.before[*k])
        .map(|(_, g)| Geometry::LineString(g.clone()))
        .collect()
}
