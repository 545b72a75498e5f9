//! The hours-weighted risk change, the verdict and the less restrictive alternative.

use super::*;
use crate::layer::{bbox_union, geometry_bbox};

impl<'a> Ctx<'a> {
    /// The hours-weighted risk change of proposal `p` (risk change `risk` while in
    /// force); `None` without a profile, a model or a timed action.
    pub(super) fn hours_weighted(
        &self,
        p: &Proposal,
        risk: Option<&RiskChange>,
    ) -> Result<Option<HoursWeighted>> {
        let (Some(profile), Some(risk)) = (&self.params.incident_times, risk) else {
            return Ok(None);
        };
        if !p.actions.iter().any(is_timed) {
            return Ok(None);
        }
        let in_force = week_minutes_in_force(p.actions.iter().filter(|a| is_timed(a)));
        let s = share_in_force(profile, &in_force);
        let untimed: Vec<proposal::Action> =
            p.actions.iter().filter(|a| !is_timed(a)).cloned().collect();
        let off = if untimed.is_empty() {
            0.0
        } else if untimed.len() == p.actions.len() {
            risk.prevented
        } else {
            let sub = Proposal {
                name: p.name.clone(),
                source: p.source.clone(),
                actions: untimed,
            };
            let ap = proposal::apply(self.study, &sub)?;
            self.risk(&ap)?.map_or(0.0, |r| r.prevented)
        };
        Ok(Some(HoursWeighted {
            hours_in_force_per_week: in_force.iter().filter(|x| **x).count() as f64 / 60.0,
            share_in_force: s,
            incidents: profile.n,
            prevented_while_in_force: risk.prevented,
            prevented_out_of_force: off,
            prevented: s * risk.prevented + (1.0 - s) * off,
        }))
    }

    pub(super) fn verdict(
        &self,
        ch: &AccessChange,
        kinds: &[ActionKind],
        geoms: &[Geometry<f64>],
    ) -> Result<Verdict> {
        let t = &self.params.thresholds;
        let mut reasons = Vec::new();
        if let Some(r) = ch.reach.last() {
            if -r.street_change_pct > t.max_mean_reach_loss_pct {
                reasons.push(format!(
                    "mean street length within {:.0} m falls by {:.2}% (threshold {}%)",
                    r.distance_m, -r.street_change_pct, t.max_mean_reach_loss_pct
                ));
            }
        }
        if let Some(r) = ch.reach.first() {
            if r.worst_node_loss_pct > t.max_node_reach_loss_pct {
                reasons.push(format!(
                    "a node loses {:.1}% of its street length within {:.0} m (threshold {}%)",
                    r.worst_node_loss_pct, r.distance_m, t.max_node_reach_loss_pct
                ));
            }
        }
        if ch.detour.pairs_disconnected > t.max_disconnected_pairs {
            reasons.push(format!(
                "{} origin–destination pairs within {:.0} m are disconnected",
                ch.detour.pairs_disconnected, ch.detour.radius_m
            ));
        }
        if let Some(p95) = ch.detour.p95_ratio {
            if p95 > t.max_p95_detour {
                reasons.push(format!(
                    "95th percentile detour ratio {:.2} (threshold {})",
                    p95, t.max_p95_detour
                ));
            }
        }
        let lost = ch.space_lost_m2();
        if lost > t.max_public_space_m2 {
            reasons.push(format!(
                "{:.0} m² of public space enclosed or time-restricted ({:.1} h a day), {:.0} m frontage lost",
                lost, ch.restricted_hours_per_day, ch.public_space.frontage_lost_m
            ));
        }
        let restricts = !reasons.is_empty();
        let restrictive = kinds.iter().any(|k| k.restricts());
        let alternative = if restricts && restrictive && !geoms.is_empty() {
            Some(self.alternative(geoms)?)
        } else {
            None
        };
        let summary = if restricts {
            "restricts free access to public space (UN Guidelines §26(d)): consider a less restrictive alternative".to_string()
        } else {
            "no access restriction above the thresholds".to_string()
        };
        Ok(Verdict {
            restricts_access: restricts,
            reasons,
            summary,
            alternative,
        })
    }

    pub(super) fn alternative(&self, geoms: &[Geometry<f64>]) -> Result<Alternative> {
        let (lname, key, out, on) = &self.params.lights;
        let r = self.params.alternative_radius;
        let bbox = bbox_union(geoms.iter().filter_map(geometry_bbox));
        let Some(b) = bbox else {
            return Err(Error::degenerate(
                "an assessment",
                "a restricted place has no geometry",
            ));
        };
        let area = Polygon::new(
            LineString::from(vec![
                (b[0] - r, b[1] - r),
                (b[2] + r, b[1] - r),
                (b[2] + r, b[3] + r),
                (b[0] - r, b[3] + r),
                (b[0] - r, b[1] - r),
            ]),
            vec![],
        );
        let out_lights = self.study.layer(lname).map_or(0, |l| {
            (0..l.len())
                .filter(|&i| {
                    l.property_str(i, key).as_deref() == Some(out.as_str())
                        && l.representative_points().get(i).is_some_and(|q| {
                            point_geometry_distance(*q, &Geometry::Polygon(area.clone())) <= 1e-9
                        })
                })
                .count()
        });
        if out_lights == 0 {
            return Ok(Alternative {
                description: format!(
                    "no {lname} with {key}={out} within {r:.0} m: add lighting and open sightlines instead of restricting access (not modelled)"
                ),
                lights_repaired: 0,
                risk: None,
                access: "unchanged".into(),
            });
        }
        let mut set = serde_json::Map::new();
        set.insert(key.clone(), on.clone().into());
        let alt = Proposal {
            name: "alternative".into(),
            source: "alternative".into(),
            actions: vec![proposal::Action {
                index: 0,
                kind: ActionKind::Modify,
                layer: lname.clone(),
                label: format!("repair {lname} with {key}={out} within {r:.0} m"),
                geometry: Some(Geometry::Polygon(area)),
                hours: None,
                days: None,
                target: None,
                filter: vec![(key.clone(), out.clone())],
                set,
                properties: serde_json::Map::new(),
                spacing: proposal::DEFAULT_SPACING,
            }],
        };
        let applied = proposal::apply(self.study, &alt)?;
        Ok(Alternative {
            description: format!(
                "repair the {out_lights} {lname} with {key}={out} within {r:.0} m of the restricted place (lighting and natural surveillance instead of a restriction)"
            ),
            lights_repaired: out_lights,
            risk: self.risk(&applied)?,
            access: "unchanged: lighting does not change the network or public space".into(),
        })
    }
}

pub(super) fn candidates_geom_near(a: &Geometry<f64>, b: &Geometry<f64>, d: f64) -> bool {
    use geo::{Distance, Euclidean};
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) => {
            let gap_x = (ra.min().x - rb.max().x).max(rb.min().x - ra.max().x);
            let gap_y = (ra.min().y - rb.max().y).max(rb.min().y - ra.max().y);
            gap_x <= d && gap_y <= d && Euclidean.distance(a, b) <= d
        }
        _ => false,
    }
}
