//! Ranked sites for environmental-design and target-hardening changes.
//!
//! # Units ([`SiteUnits`])
//! * **cells** of the fitted model's grid (only cells inside the model's study area,
//!   [`RtmModel::study`]);
//! * **street segments** ([`crate::street::build_segments`]): incidents snapped to the
//!   nearest segment within a tolerance (inclusive; unsnapped incidents are counted in
//!   [`SiteRanking::unassigned`]);
//! * **user sites**: points with a radius (incidents at distance `<= radius`, inclusive;
//!   per-feature numeric `radius` property overrides the default) or polygons / multi-
//!   polygons (incidents inside or on the boundary). Overlapping sites may share
//!   incidents. The site id is its `id` property, else `name`, else the feature index.
//!
//! # Risk of a unit (rule)
//! The model's cell risk surface `exp(Σβx) / risk_scale` is evaluated on its own grid.
//! A unit **covers** the study-area cells whose centre lies within it: the cell itself;
//! for a segment, centres at distance `<= cell/2` from the line (or
//! [`SiteParams::segment_buffer`]); for a point site, centres within the radius; for a
//! polygon, centres inside it (buffer 0). A unit covering no centre (smaller than a
//! cell) covers the cell containing its representative point (segment midpoint, the
//! point, or the polygon's interior point) if that cell is in the study area. The unit's
//! **risk is the maximum** over its covered cells (a place is as exposed as its riskiest
//! part), and its factors and modifiable share come from that cell (lowest cell id on
//! ties). A unit covering no study-area cell has risk 1 and no factor (`cells = 0`).
//!
//! # Score (transparent: every component is reported)
//! * **burden** = Σ seriousness weights of the unit's incidents ([`Seriousness`]; the
//!   raw `count` is reported beside it), normalised by the largest burden;
//! * **persistence** = share of time periods in which the unit is *hot*: the time span
//!   of the timed incidents, `[t_min, t_max]`, is cut into [`SiteParams::periods`] equal
//!   periods (the last one includes `t_max`), or into periods of
//!   [`SiteParams::period_days`] days from midnight of the first day; in a period a unit is hot when it has at
//!   least one incident and its count is at least the `k`-th largest count among all
//!   units (`k = ⌈persistence_top · units⌉`, at least 1; ties included; default top
//!   5 %; all units count, cells only inside the study area). Without any timed
//!   incident persistence is 0 and a note says so; untimed incidents are left out.
//!   Cells also get their sfhotspot class over the same periods
//!   ([`Site::hotspot_class`]: persistent / emerging / former / intermittent hot or
//!   cold spot, from Gi* per period with queen neighbours over the study area) —
//!   reported beside the score, not part of it.
//! * **repeat share** = share of the unit's incidents at an exact location (coordinates
//!   equal after rounding to `repeat_tolerance` metres) with ≥ 2 incidents;
//! * **risk** = the unit's RTM relative risk, normalised `(risk − 1)/(max − 1)`;
//! * **modifiable share** = `Σ β` of the *modifiable* factors present divided by `Σ β` of
//!   all factors present (0 with no factor present): how much of the environmental risk a
//!   design or management change can address (from the CPTED mapping).
//!
//! `score = Σ wₖ · componentₖ / Σ wₖ`, default weights ([`SiteWeights`]) burden 0.35,
//! persistence 0.15, repeat share 0.10, risk 0.25, modifiable share 0.15. Cells and
//! segments with no incident and no risk factor are not ranked (score 0); user sites are
//! always ranked. Ties are broken by unit index, so the ranking does not depend on the
//! order of the input incidents.
//!
//! # Suggestions
//! For each top unit the factors present are taken in decreasing order of β, and the
//! user-editable TOML mapping ([`CptedMapping`], default in
//! `fixtures/cpted/default.toml`) gives CPTED principles and measures, each with its
//! public-access class. `restrictive` measures are never recommended outright: they are
//! marked `needs_access_assessment` (UN Guidelines for the Prevention of Crime, 1995/2002,
//! guideline 26(d): target hardening must not limit free access to public space).

use std::collections::{BTreeMap, HashMap};

use geo::{Distance, Euclidean, InteriorPoint, InterpolatableLine, Intersects, Point};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::index::PointIndex;
use crate::layer::{Incidents, Layer};
use crate::risk::rtm::RtmModel;
use crate::street::{snap_to_segments, StreetSegment};

mod cpted;
mod seriousness;
mod units;

pub use cpted::{AccessClass, CptedMapping, CptedRule, Suggestion, DEFAULT_MAPPING_TOML};
pub use seriousness::{Seriousness, SeriousnessReport};
pub use units::SiteUnits;
use units::{build_units, Unit};

/// Weights of the score components (need not sum to 1; they are normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteWeights {
    /// Crime burden (seriousness-weighted counts).
    pub burden: f64,
    /// Persistence over time periods.
    #[serde(default)]
    pub persistence: f64,
    /// Repeat-victimisation share.
    pub repeat: f64,
    /// RTM environmental risk.
    pub risk: f64,
    /// Modifiable share of the risk.
    pub modifiable: f64,
}

impl Default for SiteWeights {
    fn default() -> Self {
        SiteWeights {
            burden: 0.35,
            persistence: 0.15,
            repeat: 0.10,
            risk: 0.25,
            modifiable: 0.15,
        }
    }
}

impl SiteWeights {
    fn array(&self) -> [f64; 5] {
        [
            self.burden,
            self.persistence,
            self.repeat,
            self.risk,
            self.modifiable,
        ]
    }
}

/// Settings of [`rank_sites`] / [`rank_cells`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteParams {
    /// Component weights.
    pub weights: SiteWeights,
    /// Number of top sites that get suggestions.
    pub top: usize,
    /// Two incidents are at the same location when their coordinates agree after
    /// rounding to this many metres.
    pub repeat_tolerance: f64,
    /// Number of equal time periods for persistence (≥ 1).
    pub periods: usize,
    /// Fixed period length in days instead of `periods` equal periods: periods then
    /// start at midnight of the day of the first timed incident and cover the last.
    #[serde(default)]
    pub period_days: Option<i64>,
    /// A unit is hot in a period when it is in this top share of units by count.
    pub persistence_top: f64,
    /// Segments cover the cells whose centre is within this distance (m) of the line;
    /// `None` = half the cell size.
    pub segment_buffer: Option<f64>,
}

impl Default for SiteParams {
    fn default() -> Self {
        SiteParams {
            weights: SiteWeights::default(),
            top: 20,
            repeat_tolerance: 1.0,
            periods: 4,
            period_days: None,
            persistence_top: 0.05,
            segment_buffer: None,
        }
    }
}

impl SiteParams {
    /// Defaults (see the module docs).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the weights.
    pub fn weights(mut self, w: SiteWeights) -> Self {
        self.weights = w;
        self
    }
    /// Sets the number of top sites.
    pub fn top(mut self, n: usize) -> Self {
        self.top = n;
        self
    }
    /// Sets the number of persistence periods.
    pub fn periods(mut self, n: usize) -> Self {
        self.periods = n;
        self
    }
    /// Sets a fixed period length in days (overrides `periods`).
    pub fn period_days(mut self, days: Option<i64>) -> Self {
        self.period_days = days;
        self
    }
    /// Sets the top share of units that counts as hot in a period.
    pub fn persistence_top(mut self, share: f64) -> Self {
        self.persistence_top = share;
        self
    }
}

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
    fn array(&self) -> [f64; 5] {
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

/// Ranks the cells of the model's grid (no times, unit weights): the simple form of
/// [`rank_sites`] with [`SiteUnits::Cells`]; persistence is 0.
///
/// # Errors
/// As [`rank_sites`].
pub fn rank_cells(
    points: &[[f64; 2]],
    model: &RtmModel,
    layers: &[&Layer],
    mapping: &CptedMapping,
    params: &SiteParams,
) -> Result<Vec<Site>> {
    let w = vec![1.0; points.len()];
    let r = rank_core(
        points,
        None,
        &w,
        SeriousnessReport::default(),
        &SiteUnits::Cells,
        model,
        layers,
        mapping,
        params,
    )?;
    Ok(r.sites)
}

/// Ranks units (cells, street segments or user sites) by the transparent score of the
/// module docs.
///
/// # Errors
/// [`Error::Param`] for negative or all-zero weights, a bad tolerance/radius or period
/// count; [`Error::Data`] when a layer the model needs is missing, a site feature is
/// neither a point nor a polygon, or (strict seriousness) a category is unknown.
///
/// # Examples
/// ```
/// use crimescape::demo::{generate, DemoParams};
/// use crimescape::risk::{
///     fit_rtm, rank_sites, CptedMapping, FactorParams, LayerInput, Operationalisation,
///     RtmParams, SiteParams, SiteUnits,
/// };
/// use crimescape::{Grid, Layer};
/// let city = generate(
///     &DemoParams::new(11).incidents(4000).size(2000.0).shares([1.0, 0.0, 0.0, 0.0]),
/// )
/// .unwrap();
/// let grid = Grid::covering(city.truth.extent, 50.0).unwrap();
/// let inputs: Vec<LayerInput> = city
///     .layers
///     .iter()
///     .filter(|l| l.name != "parks")
///     .map(|l| LayerInput { layer: l, filter: (l.name == "lights").then_some("status=out") })
///     .collect();
/// let fp = FactorParams::new(50.0)
///     .distances(vec![50.0, 100.0])
///     .operationalisations(vec![Operationalisation::Proximity]);
/// let rtm = fit_rtm(&city.incidents.xy, &grid, &inputs, &RtmParams::new(50.0).factors(fp)).unwrap();
/// let layers: Vec<&Layer> = city.layers.iter().collect();
/// let ranking = rank_sites(
///     &city.incidents,
///     &SiteUnits::Cells,
///     &rtm.model,
///     &layers,
///     &CptedMapping::default_mapping(),
///     None,
///     &SiteParams::new().top(10),
/// )
/// .unwrap();
/// let s = &ranking.sites;
/// // ranked by score, every component shown and within [0, 1]
/// assert!(s.windows(2).all(|w| w[0].score >= w[1].score));
/// assert!(s.iter().all(|x| (0.0..=1.0).contains(&x.score) && x.risk >= 1.0));
/// assert_eq!(s[0].rank, 1);
/// // every incident falls in a cell of the model's grid
/// assert_eq!(ranking.unassigned, 0);
/// // the best-ranked cell with a risk factor gets a CPTED suggestion
/// let with_factor = s.iter().take(10).find(|x| !x.factors.is_empty()).unwrap();
/// assert!(!with_factor.suggestions.is_empty());
/// ```
pub fn rank_sites(
    inc: &Incidents,
    units: &SiteUnits,
    model: &RtmModel,
    layers: &[&Layer],
    mapping: &CptedMapping,
    seriousness: Option<&Seriousness>,
    params: &SiteParams,
) -> Result<SiteRanking> {
    let (w, rep) = match seriousness {
        Some(s) => s.incident_weights(inc)?,
        None => (vec![1.0; inc.len()], SeriousnessReport::default()),
    };
    let mut r = rank_core(
        &inc.xy,
        Some(&inc.time),
        &w,
        rep,
        units,
        model,
        layers,
        mapping,
        params,
    )?;
    if matches!(units, SiteUnits::Cells) && r.periods.len() >= 2 {
        hotspot_classes(inc, model, &mut r);
    }
    Ok(r)
}

/// Adds the sfhotspot class of every ranked cell ([`Site::hotspot_class`]) over the
/// ranking's persistence periods; a note instead when it cannot be computed.
fn hotspot_classes(inc: &Incidents, model: &RtmModel, r: &mut SiteRanking) {
    use crate::hotspot::change::{classify_periods, ClassifyParams};
    use crate::hotspot::weights::{grid_weights, WeightsSpec};
    use crate::hotspot::CellGrid;
    let grid = model.grid;
    let cells: Vec<usize> = (0..grid.len()).filter(|c| model.in_study(*c)).collect();
    let cg = CellGrid::subset(grid, cells);
    let first = r.periods[0];
    let mut p = ClassifyParams::new(first[1] - first[0]);
    p.start = Some(first[0]);
    let res =
        grid_weights(&cg, &WeightsSpec::default()).and_then(|w| classify_periods(&cg, inc, &w, &p));
    match res {
        Ok(c) => {
            for s in &mut r.sites {
                s.hotspot_class = cg.position(s.unit).map(|k| c.class[k].label().to_string());
            }
        }
        Err(e) => r
            .notes
            .push(format!("hot spot classes of the cells not computed: {e}")),
    }
}

/// Hot periods per unit (see the module docs), with the periods used.
fn persistence(
    units: &[Unit],
    time: Option<&[Option<i64>]>,
    params: &SiteParams,
    notes: &mut Vec<String>,
) -> (Vec<usize>, Vec<[i64; 2]>) {
    let none = (vec![0; units.len()], Vec::new());
    let Some(time) = time else {
        notes.push("incidents have no times: persistence is 0 for every unit".into());
        return none;
    };
    let (mut tmin, mut tmax) = (i64::MAX, i64::MIN);
    let mut untimed = 0usize;
    for t in time {
        match t {
            Some(t) => {
                tmin = tmin.min(*t);
                tmax = tmax.max(*t);
            }
            None => untimed += 1,
        }
    }
    if tmin > tmax {
        notes.push("no incident has a time: persistence is 0 for every unit".into());
        return none;
    }
    if untimed > 0 {
        notes.push(format!(
            "{untimed} incident(s) without a time are left out of persistence"
        ));
    }
    let (start, len, np) = match params.period_days {
        Some(days) => {
            let start = tmin - tmin.rem_euclid(crate::time::DAY);
            let len = days * crate::time::DAY;
            (start, len, (tmax - start) / len + 1)
        }
        None => {
            let np = params.periods as i64;
            (tmin, (tmax - tmin + np) / np, np)
        }
    };
    let np_u = np as usize;
    let periods: Vec<[i64; 2]> = (0..np)
        .map(|k| [start + k * len, start + (k + 1) * len])
        .collect();
    let universe = units.iter().filter(|u| u.in_universe).count();
    let k = ((params.persistence_top * universe as f64).ceil() as usize).max(1);
    let mut hot = vec![0usize; units.len()];
    // (period, unit) of every timed membership, sorted: sparse counts per period, so
    // memory is O(memberships) whatever the number of units × periods.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        if !unit.in_universe {
            continue;
        }
        for &i in &unit.members {
            if let Some(t) = time[i as usize] {
                let j = (((t - start) / len) as usize).min(np_u - 1);
                pairs.push((j as u32, u as u32));
            }
        }
    }
    pairs.sort_unstable();
    // runs → (period, unit, count)
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for p in pairs {
        match runs.last_mut() {
            Some(r) if (r.0, r.1) == p => r.2 += 1,
            _ => runs.push((p.0, p.1, 1)),
        }
    }
    for period in runs.chunk_by(|a, b| a.0 == b.0) {
        // units absent from `period` have count 0 and are never hot
        let mut v: Vec<u32> = period.iter().map(|r| r.2).collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        let threshold = v.get(k - 1).copied().unwrap_or(0).max(1);
        for r in period {
            if r.2 >= threshold {
                hot[r.1 as usize] += 1;
            }
        }
    }
    (hot, periods)
}

#[allow(clippy::too_many_arguments)]
fn rank_core(
    xy: &[[f64; 2]],
    time: Option<&[Option<i64>]>,
    weight: &[f64],
    seriousness: SeriousnessReport,
    units: &SiteUnits,
    model: &RtmModel,
    layers: &[&Layer],
    mapping: &CptedMapping,
    params: &SiteParams,
) -> Result<SiteRanking> {
    let ws = params.weights.array();
    if ws.iter().any(|v| !(v.is_finite() && *v >= 0.0)) || ws.iter().sum::<f64>() <= 0.0 {
        return Err(Error::invalid_param(
            "weights",
            format!("{ws:?}"),
            "site weights must be non-negative with a positive sum",
        ));
    }
    if !(params.repeat_tolerance.is_finite() && params.repeat_tolerance > 0.0) {
        return Err(Error::invalid_param(
            "repeat_tolerance",
            params.repeat_tolerance,
            "a repeat tolerance must be > 0 m",
        ));
    }
    if params.periods == 0 || params.periods > 10_000 {
        return Err(Error::invalid_param(
            "periods",
            params.periods,
            "persistence periods must be between 1 and 10000",
        ));
    }
    if let Some(d) = params.period_days {
        if d <= 0 {
            return Err(Error::invalid_param(
                "period_days",
                d,
                "a persistence period must be at least 1 day",
            ));
        }
        if let Some((a, b)) = time.and_then(|t| {
            let mut it = t.iter().flatten();
            let first = *it.next()?;
            Some(it.fold((first, first), |(lo, hi), &x| (lo.min(x), hi.max(x))))
        }) {
            if (b - a) / (d * crate::time::DAY) >= 10_000 {
                return Err(Error::invalid_param(
                    "period_days",
                    d,
                    "the periods over the incidents' time span are more than 10000; use longer periods",
                ));
            }
        }
    }
    if !(params.persistence_top > 0.0 && params.persistence_top <= 1.0) {
        return Err(Error::invalid_param(
            "persistence_top",
            params.persistence_top,
            "a top share must be in (0, 1]",
        ));
    }
    if let Some(s) = &model.study {
        if s.last().is_some_and(|r| r[1] > model.grid.len()) {
            return Err(Error::invalid(
                "model",
                "study",
                format!("{} cells", s.last().map_or(0, |r| r[1])),
                format!(
                    "the study-area runs exceed the grid of {} cells",
                    model.grid.len()
                ),
            ));
        }
    }
    let grid: &Grid = &model.grid;
    // cell risk surface and factor indicators
    let cols = crate::risk::rtm::factor_columns(model, grid, layers)?;
    let scale = if model.risk_scale > 0.0 {
        model.risk_scale
    } else {
        1.0
    };
    let cell_risk = |c: usize| -> f64 {
        let s: f64 = model
            .factors
            .iter()
            .zip(&cols)
            .map(|(f, col)| f.coef * col[c] as f64)
            .sum();
        s.exp() / scale
    };
    let modifiable: Vec<bool> = model
        .factors
        .iter()
        .map(|f| {
            mapping
                .rule(&f.variable.layer)
                .is_some_and(|r| r.modifiable)
        })
        .collect();
    let units_v = build_units(xy, units, model, params)?;
    let mut notes = Vec::new();
    // repeat locations (order-independent)
    let key = |p: &[f64; 2]| {
        (
            (p[0] / params.repeat_tolerance).round() as i64,
            (p[1] / params.repeat_tolerance).round() as i64,
        )
    };
    let mut at: HashMap<(i64, i64), usize> = HashMap::new();
    for p in xy {
        *at.entry(key(p)).or_insert(0) += 1;
    }
    let (hot, periods) = persistence(&units_v, time, params, &mut notes);
    let mut assigned = vec![false; xy.len()];
    let mut no_cell = 0usize;
    let mut rows: Vec<Site> = Vec::new();
    for (u, unit) in units_v.iter().enumerate() {
        for &i in &unit.members {
            assigned[i as usize] = true;
        }
        if !unit.in_universe {
            continue;
        }
        // riskiest covered cell (lowest id on ties)
        let best = unit.covered.iter().map(|&c| (c, cell_risk(c))).fold(
            None::<(usize, f64)>,
            |acc, (c, r)| match acc {
                Some((bc, br)) if br > r || (br == r && bc < c) => Some((bc, br)),
                _ => Some((c, r)),
            },
        );
        if best.is_none() {
            no_cell += 1;
        }
        let (mut sum_b, mut mod_b) = (0.0, 0.0);
        let mut present: Vec<(f64, String)> = Vec::new();
        if let Some((c, _)) = best {
            for (k, f) in model.factors.iter().enumerate() {
                if cols[k][c] == 1 {
                    // risk-raising factors only: the share stays in [0, 1] even for a
                    // (hand-edited) model with a protective β < 0
                    let b = f.coef.max(0.0);
                    sum_b += b;
                    if modifiable[k] {
                        mod_b += b;
                    }
                    if !present.iter().any(|p| p.1 == f.variable.layer) {
                        present.push((f.coef, f.variable.layer.clone()));
                    }
                }
            }
        }
        let count = unit.members.len();
        if count == 0 && present.is_empty() && !unit.always_rank {
            continue;
        }
        present.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let burden: f64 = unit.members.iter().map(|&i| weight[i as usize]).sum();
        let repeated = unit
            .members
            .iter()
            .filter(|&&i| at.get(&key(&xy[i as usize])).is_some_and(|&k| k >= 2))
            .count();
        rows.push(Site {
            rank: 0,
            unit: u,
            id: unit.id.clone(),
            centre: unit.centre,
            cells: unit.covered.len(),
            count,
            burden,
            persistence: if periods.is_empty() {
                0.0
            } else {
                hot[u] as f64 / periods.len() as f64
            },
            hot_periods: hot[u],
            hotspot_class: None,
            repeat_share: if count > 0 {
                repeated as f64 / count as f64
            } else {
                0.0
            },
            risk: best.map_or(1.0, |b| b.1),
            modifiable_share: if sum_b > 0.0 { mod_b / sum_b } else { 0.0 },
            components: SiteComponents::default(),
            score: 0.0,
            factors: present.into_iter().map(|p| p.1).collect(),
            suggestions: Vec::new(),
            members: unit.members.clone(),
            temporal: None,
        });
    }
    if no_cell > 0 {
        notes.push(format!(
            "{no_cell} unit(s) cover no study-area cell of the model: risk 1, no factor"
        ));
    }
    let max_burden = rows.iter().map(|r| r.burden).fold(0.0, f64::max);
    let max_risk = rows.iter().map(|r| r.risk).fold(1.0, f64::max);
    let wsum: f64 = ws.iter().sum();
    for r in &mut rows {
        r.components = SiteComponents {
            burden: if max_burden > 0.0 {
                r.burden / max_burden
            } else {
                0.0
            },
            persistence: r.persistence,
            repeat: r.repeat_share,
            risk: if max_risk > 1.0 {
                ((r.risk - 1.0) / (max_risk - 1.0)).clamp(0.0, 1.0)
            } else {
                0.0
            },
            modifiable: r.modifiable_share,
        };
        r.score = r
            .components
            .array()
            .iter()
            .zip(&ws)
            .map(|(c, w)| c * w)
            .sum::<f64>()
            / wsum;
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.unit.cmp(&b.unit)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
        if i < params.top {
            for f in &r.factors {
                if let Some(rule) = mapping.rule(f) {
                    for s in &rule.suggestion {
                        r.suggestions.push(SiteSuggestion {
                            factor: f.clone(),
                            principle: s.principle.clone(),
                            measure: s.measure.clone(),
                            access: s.access,
                            needs_access_assessment: s.access == AccessClass::Restrictive,
                        });
                    }
                }
            }
        }
    }
    Ok(SiteRanking {
        units: units.name().into(),
        n_units: units_v.iter().filter(|u| u.in_universe).count(),
        sites: rows,
        incidents: xy.len(),
        unassigned: assigned.iter().filter(|a| !**a).count(),
        periods,
        weights: params.weights,
        seriousness,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::risk::rtm::{fit_rtm, LayerInput, RtmParams};
    use crate::risk::{FactorParams, Operationalisation};

    #[test]
    fn default_mapping_parses() {
        let m = CptedMapping::parse(DEFAULT_MAPPING_TOML).unwrap();
        assert!(m.rule("lights").unwrap().modifiable);
        assert!(!m.rule("BARS").unwrap().modifiable);
        assert_eq!(m.rule("unknown_layer").unwrap().layer, "*");
        let lots = m.rule("vacant_lots").unwrap();
        assert!(lots
            .suggestion
            .iter()
            .any(|s| s.access == AccessClass::Restrictive));
    }

    #[test]
    fn mapping_errors_name_the_line() {
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\n[[rule.suggestion]]\nprinciple = \"x\"\nmeasure = \"y\"\naccess = \"sometimes\"\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 7"), "{e}");
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = yes\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        let bad = "[[rule]]\nlayer = \"lights\"\nmodifiable = true\ncolour = 1\n";
        let e = CptedMapping::parse(bad).unwrap_err().to_string();
        assert!(e.contains("line 1") || e.contains("line 4"), "{e}");
    }

    #[test]
    fn rank_cells_is_invariant_to_input_order_and_flags_restrictive() {
        let city = generate(
            &DemoParams::new(5)
                .incidents(3000)
                .size(2000.0)
                .shares([0.8, 0.0, 0.2, 0.0]),
        )
        .unwrap();
        let grid = Grid::covering(city.truth.extent, 40.0).unwrap();
        let inputs: Vec<LayerInput> = city
            .layers
            .iter()
            .filter(|l| ["bars", "vacant_lots", "lights"].contains(&l.name.as_str()))
            .map(|l| LayerInput {
                layer: l,
                filter: (l.name == "lights").then_some("status=out"),
            })
            .collect();
        let fp = FactorParams::new(50.0)
            .distances(vec![50.0, 100.0])
            .operationalisations(vec![Operationalisation::Proximity]);
        let r = fit_rtm(
            &city.incidents.xy,
            &grid,
            &inputs,
            &RtmParams::new(50.0).factors(fp),
        )
        .unwrap();
        let layers: Vec<&Layer> = city.layers.iter().collect();
        let m = CptedMapping::default_mapping();
        let p = SiteParams::new().top(50);
        let a = rank_cells(&city.incidents.xy, &r.model, &layers, &m, &p).unwrap();
        let mut rev = city.incidents.xy.clone();
        rev.reverse();
        let b = rank_cells(&rev, &r.model, &layers, &m, &p).unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.unit, y.unit);
            assert_eq!(x.score, y.score);
        }
        assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(a[0].score > 0.0 && a[0].score <= 1.0);
        for s in a.iter().take(50).flat_map(|s| &s.suggestions) {
            assert_eq!(
                s.needs_access_assessment,
                s.access == AccessClass::Restrictive
            );
        }
        assert!(a.iter().any(|s| s.repeat_share > 0.0));
        let bad = SiteParams::new().weights(SiteWeights {
            burden: 0.0,
            persistence: 0.0,
            repeat: 0.0,
            risk: 0.0,
            modifiable: 0.0,
        });
        assert!(rank_cells(&city.incidents.xy, &r.model, &layers, &m, &bad).is_err());
    }

    // ---- synthetic model on a 10 × 10 grid of 100 m cells ------------------------

    use crate::crs::{Crs, CrsChoice};
    use crate::risk::rtm::{mask_runs, ModelFactor};
    use crate::risk::FactorVariable;
    use crate::street::build_segments;
    use geo::{Geometry, LineString};

    fn local() -> CrsChoice {
        CrsChoice {
            input: Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        }
    }

    fn layer(name: &str, geoms: Vec<Geometry<f64>>, props: Vec<serde_json::Value>) -> Layer {
        let n = geoms.len();
        let mut properties: Vec<serde_json::Map<String, serde_json::Value>> = props
            .into_iter()
            .map(|v| v.as_object().cloned().unwrap_or_default())
            .collect();
        properties.resize(n, serde_json::Map::new());
        Layer {
            name: name.into(),
            geometries: geoms,
            properties,
            crs: local(),
        }
    }

    fn pt(x: f64, y: f64) -> Geometry<f64> {
        Geometry::Point(geo::Point::new(x, y))
    }

    /// bars at (550, 550) → cell 55 (RRV 3, fixed); lights at (250, 250) → cell 22
    /// (RRV 2, modifiable).
    fn toy() -> (RtmModel, Vec<Layer>) {
        let var = |l: &str| FactorVariable {
            layer: l.into(),
            filter: None,
            operationalisation: Operationalisation::Proximity,
            distance: 50.0,
            density_sd: 2.0,
        };
        let model = RtmModel {
            family: "poisson".into(),
            theta: None,
            intercept: 0.0,
            factors: vec![
                ModelFactor {
                    variable: var("bars"),
                    coef: 3f64.ln(),
                },
                ModelFactor {
                    variable: var("lights"),
                    coef: 2f64.ln(),
                },
            ],
            cov: vec![],
            grid: Grid::new(0.0, 0.0, 100.0, 10, 10).unwrap(),
            risk_scale: 1.0,
            study: None,
        };
        let layers = vec![
            layer("bars", vec![pt(550.0, 550.0)], vec![]),
            layer("lights", vec![pt(250.0, 250.0)], vec![]),
        ];
        (model, layers)
    }

    fn incidents(xy: &[[f64; 2]], t: &[Option<i64>], cats: &[Option<&str>]) -> Incidents {
        let mut inc = Incidents::empty(local());
        inc.xy = xy.to_vec();
        inc.time = t.to_vec();
        inc.precision = vec![crate::time::TimePrecision::Second; xy.len()];
        for c in cats {
            let code = match c {
                None => crate::layer::NO_CATEGORY,
                Some(c) => match inc.categories.iter().position(|x| x == c) {
                    Some(k) => k as u32,
                    None => {
                        inc.categories.push(c.to_string());
                        (inc.categories.len() - 1) as u32
                    }
                },
            };
            inc.category.push(code);
        }
        inc.row = (1..=xy.len() as u64).collect();
        inc
    }

    fn reversed(inc: &Incidents) -> Incidents {
        let keep: Vec<usize> = (0..inc.len()).rev().collect();
        inc.select(&keep)
    }

    fn rank(inc: &Incidents, units: &SiteUnits, p: &SiteParams) -> SiteRanking {
        let (model, layers) = toy();
        let refs: Vec<&Layer> = layers.iter().collect();
        let m = CptedMapping::default_mapping();
        rank_sites(inc, units, &model, &refs, &m, None, p).unwrap()
    }

    /// Cell 0 has 3 incidents in each of 4 periods; cell 11 one in three periods.
    fn timed() -> Incidents {
        let mut xy = Vec::new();
        let mut t = Vec::new();
        for k in 0..4i64 {
            for j in 0..3i64 {
                xy.push([20.0 + 10.0 * j as f64, 50.0 + k as f64]);
                t.push(Some(k * 1000 + j));
            }
            if k < 3 {
                xy.push([150.0 + k as f64, 150.0]);
                t.push(Some(k * 1000 + 500));
            }
        }
        let n = xy.len();
        incidents(&xy, &t, &vec![None; n])
    }

    fn assert_same(a: &SiteRanking, b: &SiteRanking) {
        assert_eq!(a.sites.len(), b.sites.len());
        assert_eq!(a.unassigned, b.unassigned);
        for (x, y) in a.sites.iter().zip(&b.sites) {
            assert_eq!(
                (x.unit, x.count, x.hot_periods),
                (y.unit, y.count, y.hot_periods)
            );
            assert_eq!(x.score, y.score);
            assert_eq!(x.burden, y.burden);
        }
    }

    #[test]
    fn rank_sites_persistence_one_for_always_hot_zero_for_never_hot() {
        let inc = timed();
        let p = SiteParams::new().persistence_top(0.01);
        let r = rank(&inc, &SiteUnits::Cells, &p);
        assert_eq!(r.periods.len(), 4);
        let cell = |id: usize| r.sites.iter().find(|s| s.unit == id).unwrap();
        assert_eq!(cell(0).persistence, 1.0);
        assert_eq!(cell(0).hot_periods, 4);
        // the sfhotspot class over the same periods
        let class0 = cell(0).hotspot_class.clone().unwrap();
        assert!(class0.contains("persistent"), "{class0}");
        assert!(r.sites.iter().all(|s| s.hotspot_class.is_some()));
        assert_eq!(cell(11).count, 3);
        assert_eq!(cell(11).persistence, 0.0);
        assert_eq!(r.sites[0].unit, 0);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        // Factor cells without incidents are ranked, empty cells are not.
        assert!(r.sites.iter().any(|s| s.unit == 55 && s.risk > 2.99));
        assert_eq!(r.sites.len(), 4);
        assert_same(&r, &rank(&reversed(&inc), &SiteUnits::Cells, &p));
        // One-day periods: all times fall on day 0, one period.
        let d = rank(&inc, &SiteUnits::Cells, &p.clone().period_days(Some(1)));
        assert_eq!(d.periods, vec![[0, crate::time::DAY]]);
        assert_eq!(
            (
                d.sites[0].unit,
                d.sites[0].persistence,
                d.sites[0].hot_periods
            ),
            (0, 1.0, 1)
        );
        // Without times: persistence 0, with a note.
        let mut untimed = inc.clone();
        untimed.time = vec![None; untimed.len()];
        let u = rank(&untimed, &SiteUnits::Cells, &p);
        assert!(u.sites.iter().all(|s| s.persistence == 0.0));
        assert!(u.notes.iter().any(|n| n.contains("no incident has a time")));
    }

    fn streets() -> Vec<StreetSegment> {
        let l = layer(
            "streets",
            vec![
                Geometry::LineString(LineString::from(vec![(0.0, 100.0), (1000.0, 100.0)])),
                Geometry::LineString(LineString::from(vec![(500.0, 300.0), (500.0, 1000.0)])),
            ],
            vec![],
        );
        build_segments(&l, false).unwrap().segments
    }

    #[test]
    fn rank_sites_segments_snap_count_and_cover_cells() {
        let segs = streets();
        let inc = incidents(
            &[
                [100.0, 110.0],
                [500.0, 600.0],
                [300.0, 140.0],
                [700.0, 130.0],
            ],
            &[None; 4],
            &[None; 4],
        );
        let units = SiteUnits::Segments {
            segments: &segs,
            tolerance: 30.0,
        };
        let r = rank(&inc, &units, &SiteParams::new());
        assert_eq!(r.units, "segments");
        assert_eq!(r.unassigned, 1, "40 m from every street");
        let seg = |i: usize| r.sites.iter().find(|s| s.unit == i).unwrap();
        assert_eq!(seg(0).count, 2, "10 m and exactly 30 m (inclusive)");
        assert_eq!(seg(1).count, 1);
        assert_eq!(seg(0).id, "0:0");
        // centres at exactly cell/2 = 50 m from the line are covered: 2 rows × 10 cells
        assert_eq!(seg(0).cells, 20);
        assert!((seg(1).risk - 3.0).abs() < 1e-9);
        assert_eq!(seg(1).factors, vec!["bars".to_string()]);
        assert_eq!(seg(1).modifiable_share, 0.0);
        assert_same(&r, &rank(&reversed(&inc), &units, &SiteParams::new()));
    }

    #[test]
    fn rank_sites_point_radius_is_inclusive_and_polygon_membership() {
        let sq = geo::Polygon::new(
            LineString::from(vec![
                (100.0, 100.0),
                (300.0, 100.0),
                (300.0, 300.0),
                (100.0, 300.0),
                (100.0, 100.0),
            ]),
            vec![],
        );
        let sites = layer(
            "sites",
            vec![pt(550.0, 550.0), pt(850.0, 850.0), Geometry::Polygon(sq)],
            vec![
                serde_json::json!({"id": "bar corner"}),
                serde_json::json!({"radius": 10.0}),
                serde_json::json!({"name": "plaza"}),
            ],
        );
        let inc = incidents(
            &[
                [600.0, 550.0],   // exactly 50 m: in site 0
                [600.001, 550.0], // just outside
                [855.0, 850.0],   // 5 m: in site 1 (radius 10)
                [865.0, 850.0],   // 15 m: outside
                [200.0, 200.0],   // inside the polygon
                [300.0, 250.0],   // on its boundary: inside
                [301.0, 200.0],   // outside
            ],
            &[None; 7],
            &[None; 7],
        );
        let units = SiteUnits::Sites {
            layer: &sites,
            radius: 50.0,
        };
        let r = rank(&inc, &units, &SiteParams::new());
        let site = |i: usize| r.sites.iter().find(|s| s.unit == i).unwrap();
        assert_eq!(r.sites.len(), 3, "user sites are always ranked");
        assert_eq!(site(0).count, 1);
        assert_eq!(site(0).id, "bar corner");
        assert!((site(0).risk - 3.0).abs() < 1e-9);
        assert_eq!(site(1).count, 1);
        assert_eq!(site(1).id, "1");
        assert_eq!(site(1).risk, 1.0);
        assert_eq!(site(2).count, 2);
        assert_eq!(site(2).id, "plaza");
        assert_eq!(site(2).cells, 4);
        assert!((site(2).risk - 2.0).abs() < 1e-9);
        assert_eq!(site(2).modifiable_share, 1.0, "lights are modifiable");
        assert_eq!(r.unassigned, 3);
        assert_same(&r, &rank(&reversed(&inc), &units, &SiteParams::new()));
        // a line is not a site
        let bad = layer(
            "sites",
            vec![Geometry::LineString(LineString::from(vec![
                (0.0, 0.0),
                (1.0, 1.0),
            ]))],
            vec![],
        );
        let (model, layers) = toy();
        let refs: Vec<&Layer> = layers.iter().collect();
        let e = rank_sites(
            &inc,
            &SiteUnits::Sites {
                layer: &bad,
                radius: 50.0,
            },
            &model,
            &refs,
            &CptedMapping::default_mapping(),
            None,
            &SiteParams::new(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("points or polygons"), "{e}");
    }

    #[test]
    fn rank_sites_seriousness_reorders_planted_cells() {
        // cell 77: 3 thefts; cell 88: 2 robberies (distinct locations, no factor)
        let xy = [
            [710.0, 710.0],
            [720.0, 720.0],
            [730.0, 730.0],
            [810.0, 810.0],
            [820.0, 820.0],
        ];
        let cats = [
            Some("theft"),
            Some("theft"),
            Some("theft"),
            Some("Robbery"),
            Some("Robbery"),
        ];
        let inc = incidents(&xy, &[None; 5], &cats);
        let (model, layers) = toy();
        let refs: Vec<&Layer> = layers.iter().collect();
        let m = CptedMapping::default_mapping();
        let p = SiteParams::new();
        let plain = rank_sites(&inc, &SiteUnits::Cells, &model, &refs, &m, None, &p).unwrap();
        assert_eq!(plain.sites[0].unit, 77);
        let s = Seriousness::parse_csv("category,weight\ntheft,1\nrobbery,5\n").unwrap();
        let w = rank_sites(&inc, &SiteUnits::Cells, &model, &refs, &m, Some(&s), &p).unwrap();
        assert_eq!(w.sites[0].unit, 88);
        assert_eq!(w.sites[0].count, 2);
        assert_eq!(w.sites[0].burden, 10.0);
        assert!(w.seriousness.weighted && w.seriousness.unknown.is_empty());
        let t = Seriousness::parse_toml("[weights]\ntheft = 1\nRobbery = 5.0\n").unwrap();
        assert_eq!(t.weights, s.weights);
    }

    #[test]
    fn seriousness_unknown_categories_weigh_one_or_fail_when_strict() {
        let inc = incidents(
            &[[0.0, 0.0]; 4],
            &[None; 4],
            &[Some("theft"), Some("arson"), Some("arson"), None],
        );
        let s = Seriousness::parse_csv("\u{feff}category,weight\nTheft,2.5\n").unwrap();
        let (w, rep) = s.incident_weights(&inc).unwrap();
        assert_eq!(w, vec![2.5, 1.0, 1.0, 1.0]);
        assert_eq!(rep.unknown.get("arson"), Some(&2));
        assert_eq!(rep.no_category, 1);
        let e = s
            .strict(true)
            .incident_weights(&inc)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'arson' (2)") && e.contains("1 incident(s) without"),
            "{e}"
        );
    }

    #[test]
    fn seriousness_errors_name_the_line() {
        let e = Seriousness::parse_csv("category,weight\ntheft,1\nrobbery,abc\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("abc"), "{e}");
        let e = Seriousness::parse_csv("cat,w\ntheft,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
        let e = Seriousness::parse_csv("category,weight\n\ntheft,-1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = Seriousness::parse_csv("category,weight\ntheft,1\nTHEFT,2\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("twice"), "{e}");
        let e = Seriousness::parse_toml("theft = 1\nrobbery = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = Seriousness::parse_toml("theft = 1\nrobbery = \n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn rank_sites_mask_excludes_cells_outside_the_study_area() {
        let (mut model, layers) = toy();
        // study area: columns 0-4
        let mask: Vec<bool> = (0..100).map(|i| i % 10 < 5).collect();
        model.study = Some(mask_runs(&mask));
        assert_eq!(model.study_mask().unwrap(), mask);
        assert!(model.in_study(54) && !model.in_study(55) && !model.in_study(100));
        let refs: Vec<&Layer> = layers.iter().collect();
        let inc = incidents(&[[550.0, 550.0], [50.0, 50.0]], &[None; 2], &[None; 2]);
        let m = CptedMapping::default_mapping();
        let r = rank_sites(
            &inc,
            &SiteUnits::Cells,
            &model,
            &refs,
            &m,
            None,
            &SiteParams::new(),
        )
        .unwrap();
        assert_eq!(r.n_units, 50);
        assert!(r.sites.iter().all(|s| s.unit % 10 < 5));
        assert!(r.sites.iter().any(|s| s.unit == 0));
        assert_eq!(r.unassigned, 1);
        let a = crate::risk::rtm::apply_model(&model, &model.grid, &refs).unwrap();
        assert!(a.risk[55].is_nan() && (a.risk[22] - 2.0).abs() < 1e-9);
        // a point site on the excluded bar cell takes no risk from it
        let sites = layer("s", vec![pt(550.0, 550.0)], vec![]);
        let u = SiteUnits::Sites {
            layer: &sites,
            radius: 10.0,
        };
        let r = rank_sites(&inc, &u, &model, &refs, &m, None, &SiteParams::new()).unwrap();
        assert_eq!((r.sites[0].cells, r.sites[0].risk), (0, 1.0));
        assert!(r.notes.iter().any(|n| n.contains("no study-area cell")));
    }

    #[test]
    fn model_json_without_mask_still_loads() {
        let (mut model, _) = toy();
        let old = serde_json::to_value(&model).unwrap();
        assert!(old.get("study").is_none());
        let back: RtmModel = serde_json::from_value(old).unwrap();
        assert!(back.study.is_none() && back.in_study(99));
        model.study = Some(vec![[0, 3], [10, 12]]);
        let text = serde_json::to_string(&model).unwrap();
        let back: RtmModel = serde_json::from_str(&text).unwrap();
        assert_eq!(back.study, Some(vec![[0, 3], [10, 12]]));
        assert_eq!(
            mask_runs(&[true, true, false, true, false, false, true]),
            vec![[0, 2], [3, 4], [6, 7]]
        );
    }
}
