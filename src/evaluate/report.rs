//! The plain-language reading, the Markdown report and the zone raster for maps.

use super::*;
use std::cmp::Ordering;

/// The zones of evaluated areas on a raster, for maps: each cell centre is
/// classified `3` = treatment, `2` = buffer, `1` = control, `0` = none (the
/// highest over all areas). The grid covers the areas and their controls plus a
/// 10 % margin, with about `side` cells along its longer side.
pub fn zone_raster(
    areas: &[TreatmentArea],
    ev: &Evaluation,
    side: usize,
) -> Result<(Grid, Vec<f64>)> {
    use crate::layer::{bbox_union, geometry_bbox};
    if areas.len() != ev.areas.len() {
        return Err(Error::length_mismatch(
            "treatment areas",
            areas.len(),
            "areas of the evaluation",
            ev.areas.len(),
        ));
    }
    let boxes = areas.iter().zip(&ev.areas).flat_map(|(a, e)| {
        let m = a.radius + a.buffer;
        let own = a.geometries.iter().chain(a.control.iter().flatten());
        let own = own.filter_map(move |g| {
            let pad = if a.geometries.contains(g) { m } else { 0.0 };
            geometry_bbox(g).map(|r| [r[0] - pad, r[1] - pad, r[2] + pad, r[3] + pad])
        });
        let cells = e.control_info.grid.iter().flat_map(move |g| {
            let cells = e.control_info.cells.iter();
            cells.filter_map(move |&c| geometry_bbox(&g.cell_polygon(c)))
        });
        own.chain(cells)
    });
    let bb = bbox_union(boxes);
    let b = bb.ok_or_else(|| Error::degenerate("zone raster", "no area geometry to map"))?;
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let pad = 0.1 * w.max(h).max(1.0);
    let b = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
    let cell = (b[2] - b[0]).max(b[3] - b[1]) / side.max(10) as f64;
    let grid = Grid::covering(b, cell)?;
    let mut idx: Vec<AreaIndex> = areas.iter().map(AreaIndex::new).collect();
    for (ix, e) in idx.iter_mut().zip(&ev.areas) {
        if let Some(g) = &e.control_info.grid {
            ix.set_cells(*g, &e.control_info.cells);
        }
    }
    let values = grid
        .centres()
        .par_iter()
        .map(|&p| {
            idx.iter()
                .map(|ix| match ix.zone(p) {
                    Zone::Treatment => 3.0,
                    Zone::Buffer => 2.0,
                    Zone::Control => 1.0,
                    Zone::Outside => 0.0,
                })
                .fold(0.0, f64::max)
        })
        .collect();
    Ok((grid, values))
}

pub(super) fn pct(v: f64) -> String {
    format!("{:+.1} %", 100.0 * v)
}

/// The plain-language reading of an area's results, with the conditions it rests on.
pub(super) fn reading(a: &AreaEvaluation, conf: f64, pp: &Periods) -> Vec<String> {
    let cl = format!("{:.0} %", conf * 100.0);
    let rc = &a.relative_change;
    let mut out = Vec::new();
    let verdict = match rc.side_of(0.0) {
        Ordering::Less => "a statistically significant reduction",
        Ordering::Greater => "a statistically significant increase",
        Ordering::Equal => "not distinguishable from no change",
    };
    out.push(format!(
        "Effect: relative to the control, incidents in the treatment area changed by {} ({cl} CI {} to {}; odds ratio {:.2}, p = {:.3}): {verdict}. Difference in differences: {:+.1} incidents over the post period ({} to {}).",
        pct(rc.estimate),
        pct(rc.lower),
        pct(rc.upper),
        a.odds_ratio.estimate,
        a.odds_ratio.p_value,
        a.did.estimate,
        pp.labels[2],
        pp.labels[3]
    ));
    if let Some(w) = &a.wdq {
        let mut s = format!("Displacement: {}", w.reading);
        if let Some(b) = &a.buffer_odds_ratio {
            let brc = stats::relative_change(b);
            let sig = match brc.side_of(0.0) {
                Ordering::Greater => "a statistically significant rise",
                Ordering::Less => "a statistically significant fall",
                Ordering::Equal => "not distinguishable from no change",
            };
            s.push_str(&format!(
                " The buffer itself changed by {} relative to the control ({cl} CI {} to {}): {sig}.",
                pct(brc.estimate),
                pct(brc.lower),
                pct(brc.upper)
            ));
        }
        out.push(s);
    }
    let ne = &a.net_effect;
    out.push(format!(
        "Total net effect: {:.1} incidents prevented ({cl} CI {:.1} to {:.1}): {:.1} in the treatment area{}.",
        ne.total.estimate,
        ne.total.lower,
        ne.total.upper,
        ne.treatment,
        if a.buffer > 0.0 {
            format!(", {:+.1} in the buffer (negative = displaced there)", ne.buffer)
        } else {
            String::new()
        }
    ));
    let mut cond = format!(
        "Conditions: this assumes the treatment area would have changed like the control without the intervention (parallel trends) and that nothing else changed in one area only. Pre-period trend per year: treatment {}, control {}.",
        pct(a.control_info.pre_trend[0]),
        pct(a.control_info.pre_trend[1])
    );
    if let Some(pc) = &a.pre_trend_check {
        if pc.side_of(1.0) != Ordering::Equal {
            cond.push_str(&format!(
                " Warning: the placebo odds ratio between the halves of the pre period is {:.2} ({cl} CI {:.2} to {:.2}), so the areas were already diverging before the intervention.",
                pc.estimate, pc.lower, pc.upper
            ));
        } else {
            cond.push_str(&format!(
                " The placebo odds ratio between the halves of the pre period, {:.2} ({cl} CI {:.2} to {:.2}), does not contradict this.",
                pc.estimate, pc.lower, pc.upper
            ));
        }
    }
    cond.push_str(&format!(
        " Intervals allow for over-dispersion φ = {:.2}. If the area was chosen because its crime was unusually high, part of a fall may be regression to the mean. The WDQ is only interpretable when the treatment area improved relative to the control, and a buffer change may have causes other than displacement.",
        a.dispersion
    ));
    out.push(cond);
    if let Some(c) = &a.cost {
        out.push(format!("Cost-benefit: {}", c.reading));
    }
    out
}

pub(super) fn fmt_est(e: &Estimate, digits: usize) -> String {
    format!(
        "{:.d$} ({:.d$} to {:.d$})",
        e.estimate,
        e.lower,
        e.upper,
        d = digits
    )
}

impl Evaluation {
    /// A Markdown summary of the evaluation.
    pub fn to_markdown(&self) -> String {
        let cl = format!("{:.0} %", self.confidence * 100.0);
        let pp = &self.periods;
        let mut s = String::new();
        s.push_str("# Intervention evaluation\n\n");
        s.push_str(&format!(
            "Pre period {} to {} ({:.0} days); post period {} to {} ({:.0} days); intervention {}. {} incidents used. Intervals are {cl} confidence intervals.\n\n",
            pp.labels[0], pp.labels[1], pp.pre_days, pp.labels[2], pp.labels[3], pp.post_days,
            day_label(pp.intervention), self.incidents_used
        ));
        for a in &self.areas {
            s.push_str(&format!("## {}\n\n", a.name));
            s.push_str("| zone | pre | post | change |\n|---|---:|---:|---:|\n");
            let row = |name: &str, c: &PrePost| {
                let ch = if c.pre > 0.0 {
                    pct(c.post / c.pre - 1.0)
                } else {
                    "–".into()
                };
                format!("| {name} | {:.0} | {:.0} | {ch} |\n", c.pre, c.post)
            };
            s.push_str(&row("treatment", &a.treatment));
            if a.buffer > 0.0 {
                s.push_str(&row(
                    &format!("buffer ({:.0} m)", a.buffer),
                    &a.buffer_counts,
                ));
            }
            s.push_str(&row(
                &format!(
                    "control ({}, {:.2} km²)",
                    a.control_info.source, a.control_info.km2
                ),
                &a.control,
            ));
            s.push_str("\n| measure | estimate |\n|---|---|\n");
            s.push_str(&format!(
                "| relative effect size (odds ratio, > 1 = reduction) | {} |\n",
                fmt_est(&a.odds_ratio, 3)
            ));
            let rc = &a.relative_change;
            s.push_str(&format!(
                "| relative change net of control | {} ({} to {}) |\n",
                pct(rc.estimate),
                pct(rc.lower),
                pct(rc.upper)
            ));
            s.push_str(&format!(
                "| difference in differences (incidents) | {} |\n",
                fmt_est(&a.did, 1)
            ));
            if let Some(w) = &a.wdq {
                s.push_str(&format!(
                    "| success measure | {:.4} |\n| buffer displacement measure | {:.4} |\n| WDQ | {} |\n",
                    w.success_measure,
                    w.buffer_displacement_measure,
                    w.wdq.map_or("undefined".into(), |q| format!("{q:.3}{}", if w.meaningful { "" } else { " (not interpretable)" }))
                ));
            }
            if let Some(b) = &a.buffer_odds_ratio {
                s.push_str(&format!(
                    "| buffer odds ratio vs control (< 1 = buffer rose) | {} |\n",
                    fmt_est(b, 3)
                ));
            }
            s.push_str(&format!(
                "| total net effect (incidents prevented) | {} |\n",
                fmt_est(&a.net_effect.total, 1)
            ));
            if let Some(pc) = &a.pre_trend_check {
                s.push_str(&format!(
                    "| placebo: pre-period halves odds ratio (≈ 1) | {} |\n",
                    fmt_est(pc, 3)
                ));
            }
            s.push_str(&format!("| over-dispersion φ | {:.2} |\n", a.dispersion));
            if let Some(c) = &a.cost {
                s.push_str(&format!(
                    "| benefit ({}) | {} |\n| net benefit | {} |\n",
                    c.currency,
                    fmt_est(&c.benefit, 0),
                    fmt_est(&c.net_benefit, 0)
                ));
                if let Some(r) = &c.benefit_cost_ratio {
                    s.push_str(&format!("| benefit-cost ratio | {} |\n", fmt_est(r, 2)));
                }
            }
            s.push('\n');
            for r in &a.reading {
                s.push_str(&format!("- {r}\n"));
            }
            s.push('\n');
        }
        for t in &self.its {
            let fits = [
                ("treatment", &t.treatment),
                ("buffer", &t.buffer),
                ("control", &t.control),
            ];
            if fits.iter().all(|f| f.1.is_none()) && t.notes.is_empty() {
                continue;
            }
            s.push_str(&format!("### Interrupted time series: {}\n\n", t.name));
            s.push_str("| zone | model | level change (rate ratio) | trend per year | slope change per year |\n|---|---|---|---|---|\n");
            for (zone, f) in fits {
                if let Some(f) = f {
                    s.push_str(&format!(
                        "| {zone} | {}{} | {} | {} | {} |\n",
                        f.family.replace('_', " "),
                        f.theta.map_or(String::new(), |t| format!(" (θ = {t:.1})")),
                        fmt_est(&f.level_change, 3),
                        fmt_est(&f.trend, 3),
                        f.slope_change
                            .as_ref()
                            .map_or("–".into(), |e| fmt_est(e, 3))
                    ));
                }
            }
            if let Some(c) = &t.controlled_level_change {
                s.push_str(&format!(
                    "| treatment ÷ control | | {} | | |\n",
                    fmt_est(c, 3)
                ));
            }
            s.push('\n');
            for n in &t.notes {
                s.push_str(&format!("- {n}\n"));
            }
            if !t.notes.is_empty() {
                s.push('\n');
            }
        }
        if let Some(p) = &self.pooled {
            s.push_str(&format!(
                "## All areas\n\nPooled odds ratio (inverse-variance fixed effect): {}; Cochran's Q = {:.2} on {} df, I² = {:.0} %.\n\n",
                fmt_est(&p.odds_ratio, 3),
                p.q,
                p.df,
                100.0 * p.i2
            ));
        }
        if !self.notes.is_empty() {
            s.push_str("## Notes\n\n");
            for n in &self.notes {
                s.push_str(&format!("- {n}\n"));
            }
        }
        s
    }
}
