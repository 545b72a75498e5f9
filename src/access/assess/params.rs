//! The settings of an assessment: access thresholds, distances, hours.

use super::*;

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
    pub(super) fn validate(&self) -> Result<()> {
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
