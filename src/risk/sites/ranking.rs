//! What a ranking returns: sites with their score components and suggestions.

use super::*;

/// A suggestion for a site, from one of its factors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteSuggestion {
    /// The factor it addresses (layer).
    pub factor: String,
    /// CPTED principle.
    pub principle: String,
    /// Measure.
    pub measure: String,
    /// Public-access class.
    pub access: AccessClass,
    /// True for restrictive measures: assess access first (UN guideline 26(d)).
    pub needs_access_assessment: bool,
}

/// Normalised score components, each in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteComponents {
    /// Burden / largest burden.
    pub burden: f64,
    /// Persistence (already a share).
    pub persistence: f64,
    /// Repeat share.
    pub repeat: f64,
    /// `(risk − 1)/(max risk − 1)`.
    pub risk: f64,
    /// Modifiable share.
    pub modifiable: f64,
}

impl SiteComponents {
    pub(super) fn array(&self) -> [f64; 5] {
        [
            self.burden,
            self.persistence,
            self.repeat,
            self.risk,
            self.modifiable,
        ]
    }
}

/// One ranked unit with every score component.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// Rank (1 = highest score).
    pub rank: usize,
    /// Unit index in input order: cell id, segment index or site feature index.
    pub unit: usize,
    /// Unit id: the cell id, `source:part` of a segment (feature index and part of a
    /// multi-line), or the site's id/name.
    pub id: String,
    /// Representative point (working CRS): cell centre, segment midpoint, site point or
    /// polygon interior point.
    pub centre: [f64; 2],
    /// Study-area cells the unit covers (see the module docs).
    pub cells: usize,
    /// Incidents in the unit.
    pub count: usize,
    /// Seriousness-weighted incidents (= count without a seriousness table).
    pub burden: f64,
    /// Share of periods in which the unit was hot.
    pub persistence: f64,
    /// Number of hot periods.
    pub hot_periods: usize,
    /// Cells only, incidents with times: the sfhotspot hot spot class of the cell
    /// over the persistence periods (Gi* per period, queen neighbours over the study
    /// area; `hotspot::classify_periods`), e.g. "persistent hotspot".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotspot_class: Option<String>,
    /// Share of incidents at repeat locations.
    pub repeat_share: f64,
    /// RTM relative risk (maximum over covered cells).
    pub risk: f64,
    /// Modifiable share of the risk.
    pub modifiable_share: f64,
    /// Normalised components.
    pub components: SiteComponents,
    /// Weighted score in [0, 1].
    pub score: f64,
    /// Factors present in the unit's riskiest cell, largest β first.
    pub factors: Vec<String>,
    /// Suggestions (top sites only).
    pub suggestions: Vec<SiteSuggestion>,
    /// The incidents in the unit (indices into the incidents ranked).
    #[serde(skip)]
    pub members: Vec<u32>,
    /// Temporal signature (night share, weekend-night share, peak hour), when
    /// computed ([`crate::when::incidents::sign_sites`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<crate::when::TemporalSignature>,
}

/// Result of [`rank_sites`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteRanking {
    /// `cells`, `segments` or `sites`.
    pub units: String,
    /// Number of units given (cells: inside the study area).
    pub n_units: usize,
    /// Ranked units (rank order; `unit` gives the input index).
    pub sites: Vec<Site>,
    /// Incidents given.
    pub incidents: usize,
    /// Incidents in no unit (outside the grid/study area, unsnapped, outside every site).
    pub unassigned: usize,
    /// Persistence periods `[start, end)` (seconds, local clock); empty without times.
    pub periods: Vec<[i64; 2]>,
    /// Weights used.
    pub weights: SiteWeights,
    /// Seriousness weighting.
    pub seriousness: SeriousnessReport,
    /// Notes (no times, units without a study-area cell, ...).
    pub notes: Vec<String>,
}
