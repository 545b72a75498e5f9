//! The assessment: every proposal applied, measured and judged.

use super::*;

pub(super) fn action_geoms(study: &Study, applied: &Applied, p: &Proposal) -> Vec<ActionGeometry> {
    let mut out = Vec::new();
    for a in &p.actions {
        match &a.geometry {
            Some(g) => out.push((a.index, a.label.clone(), a.kind, g.clone())),
            None => {
                if let Some(l) = study.layer(&a.layer) {
                    for &(ai, k) in &applied.touched {
                        if ai == a.index && k < l.len() {
                            out.push((a.index, a.label.clone(), a.kind, l.geometries[k].clone()));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Assesses proposals against a study (see the module docs).
///
/// # Errors
/// Parameter errors, proposal errors ([`Error::Row`] naming the feature and
/// property), and model errors.
///
/// # Examples
/// ```
/// use crimescape::{assess, demo_proposals, demo_study, generate_demo as generate, AssessParams, DemoParams};
/// // the demo city's two proposals: repair the lights that are out around the largest
/// // outage cluster, and gate the park with a through-route at night
/// let city = generate(&DemoParams::new(5).incidents(500).size(1500.0)).unwrap();
/// let study = demo_study(&city).unwrap();
/// let proposals = demo_proposals(&city).unwrap();
/// let a = assess(&study, &proposals, None, &AssessParams::new()).unwrap();
/// let by_name = |n: &str| a.proposals.iter().find(|p| p.name == n).unwrap();
/// let repair = by_name("repair-lights");
/// let gate = by_name("gate-park");
/// // repairing lights leaves the walking network and public space as they were
/// assert_eq!(repair.access.edges_closed, 0);
/// assert!(!repair.verdict.restricts_access);
/// // gating a park restricts free access to public space (UN Guidelines §26(d))
/// assert!(gate.verdict.restricts_access);
/// assert!(gate.access.restricted_hours_per_day > 0.0);
/// // without a risk model only access is assessed
/// assert!(repair.risk.is_none());
/// ```
pub fn assess(
    study: &Study,
    proposals: &[Proposal],
    model: Option<&dyn RiskModel>,
    params: &AssessParams,
) -> Result<Assessment> {
    params.validate()?;
    if proposals.is_empty() {
        return Err(Error::invalid_param(
            "proposals",
            "none",
            "give at least one proposal to assess",
        ));
    }
    let empty = Proposal {
        name: "baseline".into(),
        source: "baseline".into(),
        actions: Vec::new(),
    };
    let base = proposal::apply(study, &empty)?;
    let applied: Vec<Applied> = proposals
        .iter()
        .map(|p| proposal::apply(study, p))
        .collect::<Result<_>>()?;
    // union of network lines and spaces
    let mut keys: Vec<LineKey> = Vec::new();
    let mut lines: Vec<LineString<f64>> = Vec::new();
    for l in &base.net_lines {
        keys.push((None, l.layer.clone(), l.origin, l.part));
        lines.push(l.geometry.clone());
    }
    let mut space_keys = Vec::new();
    let mut space_geoms = Vec::new();
    let mut space_area = Vec::new();
    for s in &base.spaces {
        space_keys.push((None, s.layer.clone(), s.origin));
        space_geoms.push(s.geometry.clone());
        space_area.push(s.area);
    }
    for (pi, a) in applied.iter().enumerate() {
        for l in &a.net_lines {
            if matches!(l.origin, Origin::Added { .. }) {
                keys.push((Some(pi), l.layer.clone(), l.origin, l.part));
                lines.push(l.geometry.clone());
            }
        }
        for s in &a.spaces {
            if matches!(s.origin, Origin::Added { .. }) {
                space_keys.push((Some(pi), s.layer.clone(), s.origin));
                space_geoms.push(s.geometry.clone());
                space_area.push(s.area);
            }
        }
    }
    let net = Network::build(&lines, &params.network)?;
    let entrances = net.entrances(&space_geoms, params.entrance_distance);
    let spaces = SpaceAccess::new(net.node_count(), space_area, entrances);
    let edge_geoms: Vec<Geometry<f64>> = net
        .geometry
        .iter()
        .cloned()
        .map(Geometry::LineString)
        .collect();
    let edge_index = GeometryIndex::new(&edge_geoms);
    let mut ctx = Ctx {
        study,
        params,
        keys,
        space_keys,
        spaces,
        space_geoms: Vec::new(),
        edge_index,
        before: Vec::new(),
        active_before: Vec::new(),
        origins: Vec::new(),
        reach_before: super::network::Reach {
            distances: Vec::new(),
            street_m: Vec::new(),
            spaces: Vec::new(),
            space_area_m2: Vec::new(),
            space_gravity: Vec::new(),
        },
        bc_before: Vec::new(),
        base,
        model,
        net,
    };
    ctx.space_geoms = ctx.base.spaces.iter().map(|s| s.geometry.clone()).collect();
    let (before, active_before, _) = ctx.scenario(&ctx.base, None);
    ctx.origins = ctx.net.active_nodes(&before);
    ctx.reach_before = ctx
        .net
        .reach(&before, &ctx.spaces, &active_before, &params.distances);
    ctx.bc_before = ctx.net.betweenness(&before, params.betweenness_radius);
    ctx.before = before;
    ctx.active_before = active_before;

    let mut details = Details {
        before: ctx.before.clone(),
        reach_before: ctx
            .reach_before
            .street_m
            .last()
            .cloned()
            .unwrap_or_default(),
        origins: ctx.origins.clone(),
        ..Default::default()
    };
    let mut results = Vec::new();
    for (pi, (p, ap)) in proposals.iter().zip(&applied).enumerate() {
        let mut keep = (Vec::new(), Vec::new());
        let access = ctx.access_change(ap, Some(pi), Some(&mut keep));
        details.after.push(keep.0);
        details.reach_after.push(keep.1);
        let risk = ctx.risk(ap)?;
        let hours_weighted = ctx.hours_weighted(p, risk.as_ref())?;
        let ag = action_geoms(study, ap, p);
        let restrictive_geoms: Vec<Geometry<f64>> = ag
            .iter()
            .filter(|x| x.2.restricts())
            .map(|x| x.3.clone())
            .collect();
        let kinds: Vec<ActionKind> = p.actions.iter().map(|a| a.kind).collect();
        let verdict = ctx.verdict(&access, &kinds, &restrictive_geoms)?;
        let mut actions = Vec::new();
        if params.per_action {
            for k in 0..p.actions.len() {
                let sub = p.only(k);
                let a = &p.actions[k];
                let sap = if p.actions.len() == 1 {
                    ap.clone()
                } else {
                    proposal::apply(study, &sub)?
                };
                let acc = if p.actions.len() == 1 {
                    access.clone()
                } else {
                    ctx.access_change(&sap, Some(pi), None)
                };
                let rk = if p.actions.len() == 1 {
                    risk.clone()
                } else {
                    ctx.risk(&sap)?
                };
                let sg: Vec<Geometry<f64>> = action_geoms(study, &sap, &sub)
                    .into_iter()
                    .filter(|x| x.2.restricts())
                    .map(|x| x.3)
                    .collect();
                let v = ctx.verdict(&acc, &[a.kind], &sg)?;
                let hw = ctx.hours_weighted(&sub, rk.as_ref())?;
                actions.push(ActionResult {
                    index: a.index,
                    action: a.kind,
                    layer: a.layer.clone(),
                    label: a.label.clone(),
                    hours: match (a.hours, &a.days) {
                        (None, None) => None,
                        (h, d) => Some(
                            [
                                h.map(|h| h.to_string()),
                                d.as_ref().map(proposal::days_text),
                            ]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" "),
                        ),
                    },
                    features: sap.touched.iter().filter(|t| t.0 == a.index).count(),
                    access: acc,
                    risk: rk,
                    hours_weighted: hw,
                    verdict: v,
                });
            }
        }
        details.action_geometries.push(ag);
        results.push(ProposalResult {
            name: p.name.clone(),
            source: p.source.display().to_string(),
            actions_count: p.actions.len(),
            access,
            risk,
            hours_weighted,
            verdict,
            dominated_by: Vec::new(),
            actions,
        });
    }
    // dominance
    let obj: Vec<(f64, f64, f64)> = results
        .iter()
        .map(|r| {
            (
                r.risk.as_ref().map_or(0.0, |x| x.prevented),
                r.access.reach_loss_pct(),
                r.access.space_lost_m2(),
            )
        })
        .collect();
    let mut dominated = Vec::new();
    for i in 0..results.len() {
        let by: Vec<String> = (0..results.len())
            .filter(|&j| {
                let (a, b) = (obj[j], obj[i]);
                j != i
                    && a.0 >= b.0 - 1e-9
                    && a.1 <= b.1 + 1e-9
                    && a.2 <= b.2 + 1e-9
                    && (a.0 > b.0 + 1e-9 || a.1 < b.1 - 1e-9 || a.2 < b.2 - 1e-9)
            })
            .map(|j| results[j].name.clone())
            .collect();
        if !by.is_empty() {
            dominated.push(results[i].name.clone());
        }
        results[i].dominated_by = by;
    }
    let origin_nodes = ctx.origins.iter().filter(|x| **x).count();
    let crs = study.crs.clone();
    Ok(Assessment {
        network: ctx.net.report.clone(),
        origin_nodes,
        params: params.clone(),
        risk_model: model.map(|m| m.describe()),
        proposals: results,
        dominated,
        net: Some(ctx.net),
        details,
        crs,
    })
}
