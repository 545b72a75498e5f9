//! One scenario of a study: the network's open edges, the active spaces, the
//! frontage, the access and risk changes.

use super::*;

pub(super) fn midpoint(l: &LineString<f64>) -> [f64; 2] {
    let c = &l.0;
    let lens: Vec<f64> = c
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .collect();
    let mut at = lens.iter().sum::<f64>() / 2.0;
    for (s, len) in lens.iter().enumerate() {
        if at <= *len {
            let t = if *len > 0.0 { at / len } else { 0.0 };
            return [
                c[s].x + t * (c[s + 1].x - c[s].x),
                c[s].y + t * (c[s + 1].y - c[s].y),
            ];
        }
        at -= len;
    }
    c.last().map_or([f64::NAN; 2], |p| [p.x, p.y])
}

pub(super) fn candidates(idx: &GeometryIndex, g: &Geometry<f64>) -> Vec<usize> {
    let Some(r) = g.bounding_rect() else {
        return Vec::new();
    };
    let c = r.center();
    let rad = (r.width().hypot(r.height())) / 2.0;
    idx.within([c.x, c.y], rad)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn restricted_hours(r: Restriction) -> Option<Option<Hours>> {
    match r {
        Restriction::None => None,
        Restriction::Closed(h, _) | Restriction::Gated(h, _) => Some(h),
        Restriction::Enclosed(_) => Some(None),
    }
}

impl<'a> Ctx<'a> {
    /// Open-edge mask, active spaces and hours of one applied scenario.
    pub(super) fn scenario(
        &self,
        applied: &Applied,
        pid: Option<usize>,
    ) -> (Vec<bool>, Vec<bool>, Vec<Option<Hours>>) {
        let mut hours: Vec<Option<Hours>> = Vec::new();
        let state: HashMap<(String, Origin, usize), (bool, Restriction)> = applied
            .net_lines
            .iter()
            .map(|l| {
                (
                    (l.layer.clone(), l.origin, l.part),
                    (l.alive, l.restriction),
                )
            })
            .collect();
        let line_open: Vec<bool> = self
            .keys
            .iter()
            .map(|(p, layer, origin, part)| {
                if p.is_some() && *p != pid {
                    return false;
                }
                match state.get(&(layer.clone(), *origin, *part)) {
                    Some((alive, r)) => *alive && *r == Restriction::None,
                    None => false,
                }
            })
            .collect();
        for l in &applied.net_lines {
            if l.alive {
                if let Some(h) = restricted_hours(l.restriction) {
                    hours.push(h);
                }
            }
        }
        let mut open: Vec<bool> = self
            .net
            .edges
            .iter()
            .map(|e| line_open[e.line as usize])
            .collect();
        for b in &applied.barriers {
            hours.push(b.hours);
            for e in candidates(&self.edge_index, &b.geometry) {
                if self.net.geometry[e].intersects(&b.geometry) {
                    open[e] = false;
                }
            }
        }
        let sstate: HashMap<(String, Origin), (bool, Restriction, &Geometry<f64>)> = applied
            .spaces
            .iter()
            .map(|s| {
                (
                    (s.layer.clone(), s.origin),
                    (s.alive, s.restriction, &s.geometry),
                )
            })
            .collect();
        let mut active = Vec::with_capacity(self.space_keys.len());
        for (p, layer, origin) in &self.space_keys {
            let st = if p.is_some() && *p != pid {
                None
            } else {
                sstate.get(&(layer.clone(), *origin))
            };
            match st {
                Some((alive, r, g)) => {
                    active.push(*alive && *r == Restriction::None);
                    if *alive && *r != Restriction::None {
                        if let Some(h) = restricted_hours(*r) {
                            hours.push(h);
                        }
                        for e in candidates(&self.edge_index, g) {
                            let m = midpoint(&self.net.geometry[e]);
                            if g.contains(&Point::new(m[0], m[1])) {
                                open[e] = false;
                            }
                        }
                    }
                }
                None => active.push(false),
            }
        }
        (open, active, hours)
    }

    pub(super) fn frontage(&self, g: &Geometry<f64>) -> f64 {
        // boundary sampled every metre; a sample is frontage when a street edge open before is within the distance
        let rings: Vec<&LineString<f64>> = match g {
            Geometry::Polygon(p) => vec![p.exterior()],
            Geometry::MultiPolygon(mp) => mp.0.iter().map(Polygon::exterior).collect(),
            Geometry::LineString(l) => vec![l],
            Geometry::MultiLineString(ml) => ml.0.iter().collect(),
            _ => Vec::new(),
        };
        let mut total = 0.0;
        for ring in rings {
            for w in ring.0.windows(2) {
                let len = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
                let n = len.ceil().max(1.0) as usize;
                let step = len / n as f64;
                for k in 0..n {
                    let t = (k as f64 + 0.5) / n as f64;
                    let q = [
                        w[0].x + t * (w[1].x - w[0].x),
                        w[0].y + t * (w[1].y - w[0].y),
                    ];
                    let near = self
                        .edge_index
                        .within(q, self.params.frontage_distance)
                        .iter()
                        .any(|(e, _)| self.before[*e]);
                    if near {
                        total += step;
                    }
                }
            }
        }
        total
    }

    pub(super) fn access_change(
        &self,
        applied: &Applied,
        pid: Option<usize>,
        keep: Option<&mut (Vec<bool>, Vec<f64>)>,
    ) -> AccessChange {
        let (after, active, hours) = self.scenario(applied, pid);
        let net = &self.net;
        let p = self.params;
        let mut ch = AccessChange::default();
        for (k, e) in net.edges.iter().enumerate() {
            if self.before[k] && !after[k] {
                ch.edges_closed += 1;
                ch.length_closed_m += e.length;
            } else if !self.before[k] && after[k] {
                ch.edges_opened += 1;
                ch.length_opened_m += e.length;
            }
        }
        let unchanged =
            ch.edges_closed == 0 && ch.edges_opened == 0 && active == self.active_before;
        let reach_after = if unchanged {
            self.reach_before.clone()
        } else {
            net.reach(&after, &self.spaces, &active, &p.distances)
        };
        let rb = &self.reach_before;
        let n_orig = self.origins.iter().filter(|x| **x).count().max(1) as f64;
        for (k, &d) in p.distances.iter().enumerate() {
            let mut r = ReachChange {
                distance_m: d,
                street_m_before: 0.0,
                street_m_after: 0.0,
                street_change_pct: 0.0,
                nodes_losing: 0,
                worst_node_loss_pct: 0.0,
                spaces_before: 0.0,
                spaces_after: 0.0,
                space_area_before_m2: 0.0,
                space_area_after_m2: 0.0,
                space_area_change_pct: 0.0,
                gravity_before: 0.0,
                gravity_after: 0.0,
            };
            for v in 0..net.node_count() {
                if !self.origins[v] {
                    continue;
                }
                let (b, a) = (rb.street_m[k][v], reach_after.street_m[k][v]);
                r.street_m_before += b;
                r.street_m_after += a;
                if a < b - 1e-6 {
                    r.nodes_losing += 1;
                    if b > 0.0 {
                        r.worst_node_loss_pct = r.worst_node_loss_pct.max(100.0 * (b - a) / b);
                    }
                }
                r.spaces_before += rb.spaces[k][v] as f64;
                r.spaces_after += reach_after.spaces[k][v] as f64;
                r.space_area_before_m2 += rb.space_area_m2[k][v];
                r.space_area_after_m2 += reach_after.space_area_m2[k][v];
                r.gravity_before += rb.space_gravity[k][v];
                r.gravity_after += reach_after.space_gravity[k][v];
            }
            for x in [
                &mut r.street_m_before,
                &mut r.street_m_after,
                &mut r.spaces_before,
                &mut r.spaces_after,
                &mut r.space_area_before_m2,
                &mut r.space_area_after_m2,
                &mut r.gravity_before,
                &mut r.gravity_after,
            ] {
                *x /= n_orig;
            }
            let pct = |b: f64, a: f64| if b > 0.0 { 100.0 * (a - b) / b } else { 0.0 };
            r.street_change_pct = pct(r.street_m_before, r.street_m_after);
            r.space_area_change_pct = pct(r.space_area_before_m2, r.space_area_after_m2);
            ch.reach.push(r);
        }
        ch.detour = net.detour(&self.before, &after, p.detour_radius);
        // through-movement
        let total_before: f64 = self.bc_before.iter().sum();
        let mut tm = ThroughMovement {
            radius_m: p.betweenness_radius,
            ..Default::default()
        };
        if !unchanged {
            let bc_after = net.betweenness(&after, p.betweenness_radius);
            for ((&b, &a), &bc) in self.before.iter().zip(&after).zip(&self.bc_before) {
                if b && !a {
                    tm.removed_from_closed_edges += bc;
                }
            }
            let mut inc: Vec<(usize, f64, f64)> = (0..net.edges.len())
                .filter(|&k| self.before[k] && after[k] && bc_after[k] > self.bc_before[k] + 1e-6)
                .map(|k| (k, self.bc_before[k], bc_after[k]))
                .collect();
            inc.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)).then(a.0.cmp(&b.0)));
            inc.truncate(5);
            tm.largest_increases = inc;
        }
        tm.removed_pct_of_total = if total_before > 0.0 {
            100.0 * tm.removed_from_closed_edges / total_before
        } else {
            0.0
        };
        ch.through_movement = tm;
        // public space
        let mut ps = PublicSpaceChange::default();
        for s in &applied.spaces {
            match (s.origin, s.alive, s.restriction) {
                (Origin::Base(_), false, _) | (Origin::Base(_), true, Restriction::Enclosed(_)) => {
                    ps.enclosed_m2 += s.area;
                    ps.spaces_restricted += 1;
                    ps.frontage_lost_m += self.frontage(&s.geometry);
                }
                (Origin::Base(_), true, Restriction::Gated(..)) => {
                    ps.time_restricted_m2 += s.area;
                    ps.spaces_restricted += 1;
                    ps.frontage_lost_m += self.frontage(&s.geometry);
                }
                (Origin::Added { .. }, true, Restriction::None) => ps.opened_m2 += s.area,
                _ => {}
            }
        }
        for b in &applied.barriers {
            // a fence costs frontage where it runs along a street within reach of a public space
            let near_space = self
                .space_geoms
                .iter()
                .any(|g| candidates_geom_near(g, &b.geometry, self.params.frontage_distance));
            if near_space {
                ps.frontage_lost_m += self.frontage(&b.geometry);
            }
        }
        ch.public_space = ps;
        ch.restricted_hours_per_day = union_minutes(&hours) as f64 / 60.0;
        if hours.is_empty() {
            ch.restricted_hours_per_day = 0.0;
        }
        if let Some(k) = keep {
            *k = (
                after,
                reach_after.street_m.last().cloned().unwrap_or_default(),
            );
        }
        ch
    }

    pub(super) fn risk(&self, applied: &Applied) -> Result<Option<RiskChange>> {
        match self.model {
            Some(m) => Ok(Some(m.risk_change(
                &self.base.layers,
                &applied.layers,
                self.study.extent,
            )?)),
            None => Ok(None),
        }
    }
}
