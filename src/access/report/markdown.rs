//! An assessment as Markdown, and the texts of its numbers that the study's tables
//! share.

use super::super::assess::{AccessChange, Assessment, Verdict};
use super::super::risk::RiskChange;

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
pub fn hours_weighted_text(h: Option<&crate::access::assess::HoursWeighted>) -> String {
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
