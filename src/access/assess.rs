//! Assessing design proposals: access change and risk change, side by side.
//!
//! # Algorithm
//! 1. Every proposal is applied to the study's layers ([`super::proposal::apply`]).
//! 2. One walking network is built from the union of the base network lines and
//!    every line the proposals add, so that before and after share nodes; each
//!    scenario is a mask of open edges. An edge is closed in a scenario when its
//!    line is removed or closed, when a fence crosses it, or when its midpoint lies
//!    in a gated or enclosed public space. Time-restricted closures are assessed
//!    **while in force** (the worst hour), and the hours per day are reported.
//! 3. Access measures (see [`super::network`]) before and after: reachability at
//!    each distance (mean over the nodes with an open edge before), detour for
//!    pairs within the detour radius, local edge betweenness, public space
//!    enclosed / time-restricted / opened and frontage lost.
//! 4. With a [`RiskModel`], expected incidents before and after (a model estimate).
//!    With the incidents' hour-of-week profile ([`AssessParams::incident_times()`]), a
//!    proposal with time-restricted actions (`close`/`fence`/`gate` with `hours` or
//!    `days`) is also **hours-weighted** ([`HoursWeighted`]):
//!
//!    `prevented_hw = s · prevented_in_force + (1 − s) · prevented_out_of_force`
//!
//!    where `s` is the share of the incidents (aoristic weights, hour-of-week bins,
//!    each bin counted by the minutes of it the restrictions are in force) that fall
//!    while the restrictions are in force, `prevented_in_force` the change with every
//!    action applied and `prevented_out_of_force` the change with only the actions that
//!    are not time-restricted (0 for a proposal of timed actions only). Assumptions:
//!    the risk model's expected incidents follow the incidents' week profile at every
//!    place, and a restriction acts only while in force (no displacement in time, no
//!    lasting effect); several timed actions are taken to be in force together during
//!    the union of their hours.
//! 5. Each proposal and, with [`AssessParams::per_action`], each action alone gets a
//!    verdict against [`AccessThresholds`]; restrictive actions that cross a
//!    threshold are flagged as conflicting with free access to public space (UN
//!    Guidelines for the Prevention of Crime, ECOSOC res. 2002/13, §26(d)) and
//!    the less restrictive alternative — repairing the street lights that are out
//!    around the restricted place — is assessed with the same model.
//! 6. A proposal is **dominated** when another prevents at least as many expected
//!    incidents while losing no more street reach and no more public space, and is
//!    strictly better in one of these.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Geometry, Intersects, LineString, Point, Polygon};
use serde::{Deserialize, Serialize};

use super::network::{BuildReport, DetourSummary, Network, NetworkParams, SpaceAccess};
use super::proposal::{
    self, union_minutes, ActionKind, Applied, Hours, Origin, Proposal, Restriction, Study,
};
use super::risk::{RiskChange, RiskModel};
use crate::error::{Error, Result};
use crate::index::{point_geometry_distance, GeometryIndex};
use crate::when::WeekProfile;

/// Thresholds above which an action or proposal is said to restrict free access.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessThresholds {
    /// Mean loss of street length reachable within the largest distance (%). Default 0.5.
    pub max_mean_reach_loss_pct: f64,
    /// Loss at the worst node of street length reachable within the smallest distance (%). Default 10.
    pub max_node_reach_loss_pct: f64,
    /// 95th percentile detour ratio of affected pairs. Default 1.5.
    pub max_p95_detour: f64,
    /// Origin–destination pairs disconnected. Default 0.
    pub max_disconnected_pairs: u64,
    /// Public space enclosed or time-restricted (m²). Default 0: any restriction of public space counts.
    pub max_public_space_m2: f64,
}

impl Default for AccessThresholds {
    fn default() -> Self {
        AccessThresholds {
            max_mean_reach_loss_pct: 0.5,
            max_node_reach_loss_pct: 10.0,
            max_p95_detour: 1.5,
            max_disconnected_pairs: 0,
            max_public_space_m2: 0.0,
        }
    }
}

/// Parameters of [`assess`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssessParams {
    /// Network building.
    pub network: NetworkParams,
    /// Walking distances for reachability (m). Default 400, 800.
    pub distances: Vec<f64>,
    /// Radius of the origin–destination pairs for detours (m). Default 800.
    pub detour_radius: f64,
    /// Radius of local betweenness (m). Default 800.
    pub betweenness_radius: f64,
    /// Nodes within this distance of a public space are its entrances (m). Default 30.
    pub entrance_distance: f64,
    /// Space boundary within this distance of a street is frontage (m). Default 20.
    pub frontage_distance: f64,
    /// Out-of-order lights within this distance of a restricted place are repaired
    /// in the suggested alternative (m). Default 100.
    pub alternative_radius: f64,
    /// Name of the street-light layer and its status property/values for the alternative.
    pub lights: (String, String, String, String),
    /// Assess every action alone as well. Default true.
    pub per_action: bool,
    /// Verdict thresholds.
    pub thresholds: AccessThresholds,
    /// The incidents' hour-of-week profile (aoristic weights, Sunday 00h first; e.g.
    /// [`crate::when::incidents::incidents_week_profile`]): with it, time-restricted
    /// actions are also weighted by the hours they are in force ([`HoursWeighted`]).
    /// Not serialised (the result reports how many incidents it holds).
    #[serde(skip)]
    pub incident_times: Option<WeekProfile>,
}

impl Default for AssessParams {
    fn default() -> Self {
        AssessParams {
            network: NetworkParams::default(),
            distances: vec![400.0, 800.0],
            detour_radius: 800.0,
            betweenness_radius: 800.0,
            entrance_distance: 30.0,
            frontage_distance: 20.0,
            alternative_radius: 100.0,
            lights: ("lights".into(), "status".into(), "out".into(), "on".into()),
            per_action: true,
            thresholds: AccessThresholds::default(),
            incident_times: None,
        }
    }
}

impl AssessParams {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the reachability distances.
    pub fn distances(mut self, d: Vec<f64>) -> Self {
        self.distances = d;
        self
    }
    /// Sets the network parameters.
    pub fn network(mut self, n: NetworkParams) -> Self {
        self.network = n;
        self
    }
    /// Whether to assess each action alone.
    pub fn per_action(mut self, yes: bool) -> Self {
        self.per_action = yes;
        self
    }
    /// Sets the incidents' hour-of-week profile, to weight time-restricted actions by
    /// the hours they are in force.
    pub fn incident_times(mut self, profile: WeekProfile) -> Self {
        self.incident_times = Some(profile);
        self
    }
    fn validate(&self) -> Result<()> {
        let pos = |x: f64| x.is_finite() && x > 0.0;
        if self.distances.is_empty() || !self.distances.iter().all(|d| pos(*d)) {
            return Err(Error::invalid_param(
                "distances",
                format!("{:?}", self.distances),
                "reach distances must be positive metres",
            ));
        }
        for (n, v) in [
            ("detour_radius", self.detour_radius),
            ("betweenness_radius", self.betweenness_radius),
            ("entrance_distance", self.entrance_distance),
            ("frontage_distance", self.frontage_distance),
            ("alternative_radius", self.alternative_radius),
        ] {
            if !pos(v) {
                return Err(Error::invalid_param(n, v, "must be positive metres"));
            }
        }
        Ok(())
    }
}

/// Reachability before/after at one distance (means over the origin nodes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReachChange {
    /// Walking distance (m).
    pub distance_m: f64,
    /// Mean street length reachable before (m).
    pub street_m_before: f64,
    /// After (m).
    pub street_m_after: f64,
    /// Change of the mean (%; negative = loss).
    pub street_change_pct: f64,
    /// Origin nodes that lose street reach.
    pub nodes_losing: usize,
    /// Largest loss at one node (% of its reach before).
    pub worst_node_loss_pct: f64,
    /// Mean number of public spaces reachable before.
    pub spaces_before: f64,
    /// After.
    pub spaces_after: f64,
    /// Mean public-space area reachable before (m²).
    pub space_area_before_m2: f64,
    /// After (m²).
    pub space_area_after_m2: f64,
    /// Change of the mean reachable public-space area (%).
    pub space_area_change_pct: f64,
    /// Mean gravity access to public space before (m², see [`Network::reach`]).
    pub gravity_before: f64,
    /// After.
    pub gravity_after: f64,
}

/// Public space changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublicSpaceChange {
    /// Public space enclosed or removed (m²).
    pub enclosed_m2: f64,
    /// Public space gated for part of the day or always (m²).
    pub time_restricted_m2: f64,
    /// New public space opened (m²).
    pub opened_m2: f64,
    /// Space boundary within the frontage distance of a street that is fenced off or gated (m).
    pub frontage_lost_m: f64,
    /// Spaces enclosed, removed or gated.
    pub spaces_restricted: usize,
}

/// Through-movement (local edge betweenness) change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ThroughMovement {
    /// Radius (m).
    pub radius_m: f64,
    /// Betweenness before on the edges that close (the through-movement removed from them).
    pub removed_from_closed_edges: f64,
    /// Share of the city's total before (%).
    pub removed_pct_of_total: f64,
    /// Largest increases on edges that stay open: `(edge, before, after)` (displaced movement).
    pub largest_increases: Vec<(usize, f64, f64)>,
}

/// The access side of one proposal or action.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessChange {
    /// Edges open before and closed after.
    pub edges_closed: usize,
    /// Their length (m).
    pub length_closed_m: f64,
    /// Edges closed before and open after (new paths).
    pub edges_opened: usize,
    /// Their length (m).
    pub length_opened_m: f64,
    /// Reachability at each distance.
    pub reach: Vec<ReachChange>,
    /// Detours.
    pub detour: DetourSummary,
    /// Through-movement.
    pub through_movement: ThroughMovement,
    /// Public space.
    pub public_space: PublicSpaceChange,
    /// Hours per day the restrictions are in force (union; 24 = always, 0 = none).
    pub restricted_hours_per_day: f64,
}

impl AccessChange {
    /// Mean loss of street reach at the largest distance (%; ≥ 0 is a loss).
    pub fn reach_loss_pct(&self) -> f64 {
        self.reach.last().map_or(0.0, |r| 0.0 - r.street_change_pct)
    }
    /// Public space enclosed or time-restricted (m²).
    pub fn space_lost_m2(&self) -> f64 {
        self.public_space.enclosed_m2 + self.public_space.time_restricted_m2
    }
}

/// The risk change of time-restricted actions weighted by the hours they are in
/// force (module docs, step 4):
/// `prevented = share_in_force · prevented_while_in_force + (1 − share_in_force) · prevented_out_of_force`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoursWeighted {
    /// Hours a week the time-restricted actions are in force (union).
    pub hours_in_force_per_week: f64,
    /// Share of the incidents' aoristic weight that falls while in force (0–1).
    pub share_in_force: f64,
    /// Incidents behind the profile.
    pub incidents: usize,
    /// Expected incidents prevented while the restrictions are in force (every action applied).
    pub prevented_while_in_force: f64,
    /// Expected incidents prevented meanwhile by the actions that are not time-restricted.
    pub prevented_out_of_force: f64,
    /// Hours-weighted expected incidents prevented.
    pub prevented: f64,
}

/// Whether an action is restricted to some hours or days (a timed close, fence or gate).
fn is_timed(a: &proposal::Action) -> bool {
    matches!(
        a.kind,
        ActionKind::Close | ActionKind::Fence | ActionKind::Gate
    ) && (a.hours.is_some() || a.days.is_some())
}

/// Minutes of the week (Sunday 00:00 first) during which any of `actions` is in force.
/// A window that wraps midnight belongs to the day it starts on.
pub fn week_minutes_in_force<'a>(
    actions: impl IntoIterator<Item = &'a proposal::Action>,
) -> Vec<bool> {
    const WEEK: usize = 7 * 1440;
    let mut m = vec![false; WEEK];
    for a in actions {
        let (from, len) = a
            .hours
            .map_or((0, 1440), |h| (h.from as usize, h.minutes() as usize));
        for d in 0..7 {
            if a.days.is_some_and(|days| !days[d]) {
                continue;
            }
            for k in 0..len {
                m[(d * 1440 + from + k) % WEEK] = true;
            }
        }
    }
    m
}

/// Share of a week profile's weight in force: each hour-of-week bin counts by the
/// minutes of it in force (incidents spread evenly within an hour); 0 for an empty profile.
pub fn share_in_force(profile: &WeekProfile, in_force: &[bool]) -> f64 {
    let total = profile.total();
    if total <= 0.0 {
        return 0.0;
    }
    let mut acc = 0.0;
    for (b, w) in profile.weights.iter().enumerate() {
        // a bin beyond the week (a hand-made profile longer than 168) is never in force
        let on = in_force
            .get(b * 60..(b + 1) * 60)
            .map_or(0, |m| m.iter().filter(|x| **x).count());
        acc += w * on as f64 / 60.0;
    }
    (acc / total).clamp(0.0, 1.0)
}

/// The less restrictive alternative for a flagged action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alternative {
    /// What it is.
    pub description: String,
    /// Lights repaired.
    pub lights_repaired: usize,
    /// Its risk change (with a model).
    pub risk: Option<RiskChange>,
    /// Access change: none (lighting does not change the network or public space).
    pub access: String,
}

/// A verdict on free access to public space.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether a threshold is crossed.
    pub restricts_access: bool,
    /// Which thresholds, with numbers.
    pub reasons: Vec<String>,
    /// One line.
    pub summary: String,
    /// The less restrictive alternative, for flagged restrictive actions.
    pub alternative: Option<Alternative>,
}

/// One action assessed alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResult {
    /// File index.
    pub index: usize,
    /// Action.
    pub action: ActionKind,
    /// Layer.
    pub layer: String,
    /// Label.
    pub label: String,
    /// Hours in force.
    pub hours: Option<String>,
    /// Features selected or added.
    pub features: usize,
    /// Access change.
    pub access: AccessChange,
    /// Risk change.
    pub risk: Option<RiskChange>,
    /// Risk change weighted by the hours a timed restriction is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_weighted: Option<HoursWeighted>,
    /// Verdict.
    pub verdict: Verdict,
}

/// One proposal assessed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposalResult {
    /// Name.
    pub name: String,
    /// Source file.
    pub source: String,
    /// Number of actions.
    pub actions_count: usize,
    /// Access change of the whole proposal.
    pub access: AccessChange,
    /// Risk change of the whole proposal (while in force).
    pub risk: Option<RiskChange>,
    /// Risk change weighted by the hours its timed restrictions are in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_weighted: Option<HoursWeighted>,
    /// Verdict.
    pub verdict: Verdict,
    /// Proposals that dominate this one.
    pub dominated_by: Vec<String>,
    /// Each action alone.
    pub actions: Vec<ActionResult>,
}

/// An action's geometry (or a feature it selected): `(action index, label, kind, geometry)`.
pub type ActionGeometry = (usize, String, ActionKind, Geometry<f64>);

/// Node-level values and masks kept for maps and GeoJSON (not serialised).
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// Open edges before.
    pub before: Vec<bool>,
    /// Open edges after each proposal.
    pub after: Vec<Vec<bool>>,
    /// Street reach at the largest distance before, per node.
    pub reach_before: Vec<f64>,
    /// After each proposal, per node.
    pub reach_after: Vec<Vec<f64>>,
    /// Origin nodes (an open edge before).
    pub origins: Vec<bool>,
    /// Action geometries (or selected features) per proposal: `(action index, label, kind, geometry)`.
    pub action_geometries: Vec<Vec<ActionGeometry>>,
}

/// The assessment of one or more proposals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    /// Network statistics (snapping reported).
    pub network: BuildReport,
    /// Nodes used as origins (an open edge before).
    pub origin_nodes: usize,
    /// Parameters.
    pub params: AssessParams,
    /// Risk model description, or `None` when no model was given.
    pub risk_model: Option<String>,
    /// Results, in input order.
    pub proposals: Vec<ProposalResult>,
    /// Names of dominated proposals.
    pub dominated: Vec<String>,
    /// The network (not serialised).
    #[serde(skip)]
    pub net: Option<Network>,
    /// Per-node values and masks (not serialised).
    #[serde(skip)]
    pub details: Details,
    /// CRS of the study (for GeoJSON output).
    pub crs: crate::crs::CrsChoice,
}

type LineKey = (Option<usize>, String, Origin, usize);

struct Ctx<'a> {
    study: &'a Study,
    params: &'a AssessParams,
    net: Network,
    keys: Vec<LineKey>,
    space_keys: Vec<(Option<usize>, String, Origin)>,
    spaces: SpaceAccess,
    space_geoms: Vec<Geometry<f64>>,
    edge_index: GeometryIndex,
    before: Vec<bool>,
    active_before: Vec<bool>,
    origins: Vec<bool>,
    reach_before: super::network::Reach,
    bc_before: Vec<f64>,
    base: Applied,
    model: Option<&'a dyn RiskModel>,
}

fn midpoint(l: &LineString<f64>) -> [f64; 2] {
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

fn candidates(idx: &GeometryIndex, g: &Geometry<f64>) -> Vec<usize> {
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

fn restricted_hours(r: Restriction) -> Option<Option<Hours>> {
    match r {
        Restriction::None => None,
        Restriction::Closed(h, _) | Restriction::Gated(h, _) => Some(h),
        Restriction::Enclosed(_) => Some(None),
    }
}

impl<'a> Ctx<'a> {
    /// Open-edge mask, active spaces and hours of one applied scenario.
    fn scenario(
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

    fn frontage(&self, g: &Geometry<f64>) -> f64 {
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

    fn access_change(
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

    fn risk(&self, applied: &Applied) -> Result<Option<RiskChange>> {
        match self.model {
            Some(m) => Ok(Some(m.risk_change(
                &self.base.layers,
                &applied.layers,
                self.study.extent,
            )?)),
            None => Ok(None),
        }
    }

    /// The hours-weighted risk change of proposal `p` (risk change `risk` while in
    /// force); `None` without a profile, a model or a timed action.
    fn hours_weighted(
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

    fn verdict(
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

    fn alternative(&self, geoms: &[Geometry<f64>]) -> Result<Alternative> {
        let (lname, key, out, on) = &self.params.lights;
        let r = self.params.alternative_radius;
        let mut bbox: Option<[f64; 4]> = None;
        for g in geoms {
            if let Some(b) = g.bounding_rect() {
                let q = [b.min().x, b.min().y, b.max().x, b.max().y];
                bbox = Some(match bbox {
                    None => q,
                    Some(p) => [
                        p[0].min(q[0]),
                        p[1].min(q[1]),
                        p[2].max(q[2]),
                        p[3].max(q[3]),
                    ],
                });
            }
        }
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

fn candidates_geom_near(a: &Geometry<f64>, b: &Geometry<f64>, d: f64) -> bool {
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

fn action_geoms(study: &Study, applied: &Applied, p: &Proposal) -> Vec<ActionGeometry> {
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
/// use crimescape::access::demo::{demo_proposals, demo_study};
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::{assess, AssessParams};
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
