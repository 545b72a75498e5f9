//! What an assessment returns: changes of access and risk per action and proposal,
//! verdicts, alternatives.

use super::*;

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
