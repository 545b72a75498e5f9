//! Ranking the units: risk covered, incidents weighted by seriousness, hot-spot
//! class and persistence, combined into one score.

use super::*;

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
    let input = RankInput {
        xy: points,
        time: None,
        weight: &w,
        seriousness: SeriousnessReport::default(),
    };
    let r = rank_core(input, &SiteUnits::Cells, model, layers, mapping, params)?;
    Ok(r.sites)
}

/// Ranks units (cells, street segments or user sites) by the transparent score of the
/// module docs.
///
/// # Errors
/// [`Error::InvalidParam`] for negative or all-zero weights, a bad tolerance/radius or period
/// count; [`Error::Degenerate`] when a layer the model needs is missing, a site feature is
/// neither a point nor a polygon, or (strict seriousness) a category is unknown.
///
/// # Examples
/// ```
/// use crimescape::{fit_rtm, generate_demo as generate, rank_sites, CptedMapping, DemoParams, FactorParams, Grid, Layer, LayerInput, Operationalisation, RtmParams, SiteParams, SiteUnits};
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
    let input = RankInput {
        xy: &inc.xy,
        time: Some(&inc.time),
        weight: &w,
        seriousness: rep,
    };
    let mut r = rank_core(input, units, model, layers, mapping, params)?;
    if matches!(units, SiteUnits::Cells) && r.periods.len() >= 2 {
        hotspot_classes(inc, model, &mut r);
    }
    Ok(r)
}

/// Adds the sfhotspot class of every ranked cell ([`Site::hotspot_class`]) over the
/// ranking's persistence periods; a note instead when it cannot be computed.
pub(super) fn hotspot_classes(inc: &Incidents, model: &RtmModel, r: &mut SiteRanking) {
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
pub(super) fn persistence(
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

/// The incidents a ranking counts: points, times (for persistence, when known), a
/// weight each (seriousness) and the report of how the weights were found.
pub(super) struct RankInput<'a> {
    xy: &'a [[f64; 2]],
    time: Option<&'a [Option<i64>]>,
    weight: &'a [f64],
    seriousness: SeriousnessReport,
}

pub(super) fn rank_core(
    input: RankInput<'_>,
    units: &SiteUnits,
    model: &RtmModel,
    layers: &[&Layer],
    mapping: &CptedMapping,
    params: &SiteParams,
) -> Result<SiteRanking> {
    let RankInput {
        xy,
        time,
        weight,
        seriousness,
    } = input;
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
