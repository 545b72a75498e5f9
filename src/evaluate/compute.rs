//! The evaluation itself: incidents binned, each area counted and estimated, the
//! estimates pooled.

use super::*;

/// Evaluates interventions in one or more areas (see [`EvaluateParams`]).
///
/// # Method
/// For each [`TreatmentArea`], incidents are counted in the **pre** and **post**
/// periods in the treatment area, its buffer ring and a control area (given, or
/// chosen automatically as grid cells with a similar pre-period level and trend).
/// From these counts:
/// * the relative effect size of Farrington & Welsh (2005), an odds ratio with its
///   interval, and the relative change it implies ([`odds_ratio`](crate::odds_ratio));
/// * a difference-in-differences estimate in incidents ([`did_counts`](crate::did_counts));
/// * the Weighted Displacement Quotient of Bowers & Johnson (2003) with its
///   components ([`wdq`](crate::wdq)) and the buffer's own odds ratio against the control;
/// * the total net effect in incidents prevented ([`net_effect`](crate::net_effect));
/// * optionally a cost-benefit account from user costs ([`CostSpec`](crate::CostSpec), set with [`EvaluateParams::costs`]);
/// * a placebo check of parallel pre-period trends (the odds ratio between the two
///   halves of the pre period);
/// * monthly counts per zone for plots and interrupted time series (the series fitted
///   when [`EvaluateParams::its`] is set: [`ItsParams`](crate::ItsParams));
/// * a plain-language reading with the conditions it rests on.
///
/// Several areas are evaluated at once; their odds ratios are then pooled
/// (inverse-variance fixed effect, with Cochran's Q and I²).
///
/// # Periods
/// Periods are half-open `[start, end)` in local-clock seconds. Given only an
/// intervention date `D`, the periods are the longest equal spans on both sides
/// inside the data: `pre = [D − L, D)`, `post = [D, D + L)`, with the data span
/// running from the first incident's day to the end of the last incident's day.
///
/// # Over-dispersion
/// Crime counts vary more than Poisson counts (repeats, near repeats). By default
/// the variances are inflated by `φ = max(1, X²/df)`, the Pearson statistic of the
/// monthly pre-period counts of each zone of the area around a constant rate
/// (the Pearson dispersion); trends and seasonality raise `φ`, which keeps
/// the intervals conservative. See [`Dispersion`](crate::Dispersion).
///
/// # Errors
/// [`Error::InvalidParam`] for invalid parameters, an intervention date or periods outside
/// the data; [`Error::Content`] for invalid or overlapping treatment and control
/// areas (the content of the area files);
/// [`Error::Empty`] or [`Error::Degenerate`] for empty periods or zones without incidents (where the odds
/// ratio is undefined).
///
/// # Example
/// ```
/// use crimescape::{evaluate, generate_demo as generate, DemoParams, EvaluateParams, TreatmentArea};
/// let city = generate(&DemoParams::new(1).incidents(3000).size(2000.0)).unwrap();
/// let c = [city.truth.extent[0] + 1000.0, city.truth.extent[1] + 1000.0];
/// let area = TreatmentArea::sites("centre", &[c], 250.0).buffer(250.0);
/// let date = crimescape::parse_date("2024-07-01").unwrap();
/// let ev = evaluate(&city.incidents, &[area], &EvaluateParams::at(date)).unwrap();
/// let a = &ev.areas[0];
/// assert!(a.treatment.pre > 0.0 && a.control.pre > 0.0);
/// // no intervention was planted: the interval of the odds ratio is around 1
/// assert!(a.odds_ratio.lower < a.odds_ratio.upper);
/// ```
pub fn evaluate(
    inc: &Incidents,
    areas: &[TreatmentArea],
    p: &EvaluateParams,
) -> Result<Evaluation> {
    let z = check_params(areas, p)?;
    let (tmin, tmax) = inc
        .time_range()
        .ok_or_else(|| Error::empty("evaluate", "incident with a time", "nothing to compare"))?;
    let periods = resolve_periods(p, tmin, tmax)?;
    for k in 0..areas.len() {
        check_control_overlap(areas, k)?;
    }
    let bins = month_bins(&periods);
    let (used, without_time) = bin_incidents(inc, &periods, &bins)?;
    let mut notes = Vec::new();
    if without_time > 0 {
        notes.push(format!(
            "{without_time} incident(s) without a time were not used"
        ));
    }
    let mut idx: Vec<AreaIndex> = areas.iter().map(AreaIndex::new).collect();

    // automatic controls
    let pre_bin_ids: Vec<usize> = (0..bins.len())
        .filter(|&b| bins[b].period == Period::Pre)
        .collect();
    let pre_bins: Vec<(f64, f64)> = pre_bin_ids
        .iter()
        .map(|&b| {
            let mid = (bins[b].start + bins[b].end) as f64 / 2.0 / DAY as f64;
            (mid, bins[b].days)
        })
        .collect();
    let mut pre_pos = vec![usize::MAX; bins.len()];
    for (k, &b) in pre_bin_ids.iter().enumerate() {
        pre_pos[b] = k;
    }
    let mut auto: Vec<Option<(Grid, Vec<usize>, usize)>> = vec![None; areas.len()];
    if areas.iter().any(|a| a.control.is_none()) {
        let pts: Vec<[f64; 2]> = used.iter().map(|u| inc.xy[u.0]).collect();
        let bbox = crate::layer::bbox_of(pts.iter().copied())
            .ok_or_else(|| Error::empty("evaluate", "incident in the periods", ""))?;
        let grid = Grid::covering(bbox, p.control_cell)?;
        let pre_points: Vec<([f64; 2], usize)> = used
            .iter()
            .filter(|u| pre_pos[u.1] != usize::MAX)
            .map(|u| (inc.xy[u.0], pre_pos[u.1]))
            .collect();
        for (k, a) in areas.iter().enumerate() {
            if a.control.is_some() {
                continue;
            }
            let mut tb = vec![0.0; pre_bins.len()];
            for (q, b) in &pre_points {
                if idx[k].zone(*q) == Zone::Treatment {
                    tb[*b] += 1.0;
                }
            }
            let search = ControlSearch {
                grid,
                pre_points: &pre_points,
                pre_bins: &pre_bins,
                exclusions: &idx,
                treatment_bins: &tb,
                treatment_km2: a.treatment_km2(),
                multiple: p.control_multiple,
                min_cells: p.control_min_cells,
            };
            let (cells, ncand) = choose_control(&search).map_err(in_area(&a.name))?;
            auto[k] = Some((grid, cells, ncand));
        }
        for (k, a) in auto.iter().enumerate() {
            if let Some((g, cells, _)) = a {
                idx[k].set_cells(*g, cells);
            }
        }
    }

    let cx = AreaContext {
        inc,
        used: &used,
        bins: &bins,
        pre_bin_ids: &pre_bin_ids,
        pre_bins: &pre_bins,
        periods: &periods,
        p,
        z,
    };
    let mut results = Vec::with_capacity(areas.len());
    for (k, a) in areas.iter().enumerate() {
        let (ev, note) = evaluate_area(&cx, a, &idx[k], auto[k].as_ref())?;
        notes.extend(note);
        results.push(ev);
    }
    let pooled = if results.len() > 1 {
        let ors: Vec<Estimate> = results.iter().map(|r| r.odds_ratio).collect();
        stats::pool_odds_ratios(&ors, z)
    } else {
        None
    };
    let mut ev = Evaluation {
        periods,
        confidence: p.confidence,
        incidents_used: used.len(),
        incidents_without_time: without_time,
        bins,
        areas: results,
        pooled,
        its: Vec::new(),
        notes,
    };
    if let Some(ip) = &p.its {
        add_its(&mut ev, ip)?;
    }
    Ok(ev)
}

/// The incidents of the periods with their monthly bin (index into the incidents,
/// bin), and how many have no time; an error when the pre or the post period has none.
pub(super) fn bin_incidents(
    inc: &Incidents,
    periods: &Periods,
    bins: &[Bin],
) -> Result<(Vec<(usize, usize)>, usize)> {
    let starts: Vec<i64> = bins.iter().map(|b| b.start).collect();
    // incidents in the span, with their bin
    let mut used: Vec<(usize, usize)> = Vec::new();
    let mut without_time = 0;
    for (i, t) in inc.time.iter().enumerate() {
        match t {
            Some(t) if *t >= periods.pre.0 && *t < periods.post.1 => {
                let b = starts.partition_point(|s| s <= t) - 1;
                used.push((i, b));
            }
            Some(_) => {}
            None => without_time += 1,
        }
    }
    let n_pre = used
        .iter()
        .filter(|u| bins[u.1].period == Period::Pre)
        .count();
    let n_post = used
        .iter()
        .filter(|u| bins[u.1].period == Period::Post)
        .count();
    if n_pre == 0 || n_post == 0 {
        let (which, a, b) = if n_pre == 0 {
            ("pre", &periods.labels[0], &periods.labels[1])
        } else {
            ("post", &periods.labels[2], &periods.labels[3])
        };
        return Err(Error::degenerate(
            "evaluate",
            format!(
                "no incidents at all in the {which} period ({a} to {b}): check the dates and filters"
            ),
        ));
    }
    Ok((used, without_time))
}

/// Checks the areas and the parameters of [`evaluate`]; returns the two-sided `z`
/// of the confidence level.
pub(super) fn check_params(areas: &[TreatmentArea], p: &EvaluateParams) -> Result<f64> {
    if areas.is_empty() {
        return Err(Error::invalid_param(
            "areas",
            "none",
            "an evaluation needs at least one treatment area",
        ));
    }
    for (i, a) in areas.iter().enumerate() {
        a.validate()?;
        if areas[..i].iter().any(|b| b.name == a.name) {
            return Err(Error::Content(format!(
                "two treatment areas are named '{}': names must be unique",
                a.name
            )));
        }
    }
    let z = stats::z_for(p.confidence)?;
    if !(p.control_cell.is_finite() && p.control_cell > 0.0) {
        return Err(Error::invalid_param(
            "control_cell",
            p.control_cell,
            "the control cell size must be > 0 m",
        ));
    }
    if !(p.control_multiple.is_finite() && p.control_multiple > 0.0) {
        return Err(Error::invalid_param(
            "control_multiple",
            p.control_multiple,
            "the control multiple must be > 0",
        ));
    }
    if let Dispersion::Fixed(f) = p.dispersion {
        if !(f.is_finite() && f > 0.0) {
            return Err(Error::invalid_param(
                "dispersion",
                f,
                "a fixed dispersion factor must be > 0",
            ));
        }
    }
    Ok(z)
}

/// What every area of an evaluation shares: the incidents used (with their monthly
/// bin), the bins, the pre-period bins, the periods and the parameters.
pub(super) struct AreaContext<'a> {
    inc: &'a Incidents,
    used: &'a [(usize, usize)],
    bins: &'a [Bin],
    pre_bin_ids: &'a [usize],
    pre_bins: &'a [(f64, f64)],
    periods: &'a Periods,
    p: &'a EvaluateParams,
    z: f64,
}

/// Evaluates one treatment area (zones `idx`, its automatic control if any): counts,
/// dispersion, odds ratio, DiD, WDQ, net effect, placebo, control description, costs
/// and the reading. Returns the evaluation and a note on the dispersion, if any.
pub(super) fn evaluate_area(
    cx: &AreaContext,
    a: &TreatmentArea,
    idx: &AreaIndex,
    auto: Option<&(Grid, Vec<usize>, usize)>,
) -> Result<(AreaEvaluation, Option<String>)> {
    let AreaContext {
        inc,
        used,
        bins,
        pre_bin_ids,
        pre_bins,
        periods,
        p,
        z,
    } = *cx;
    let zones: Vec<Zone> = used.par_iter().map(|u| idx.zone(inc.xy[u.0])).collect();
    let mut series = vec![[0.0f64; 3]; bins.len()];
    let mut cats: BTreeMap<u32, (PrePost, PrePost)> = BTreeMap::new();
    for (u, z) in used.iter().zip(&zones) {
        let col = match z {
            Zone::Treatment => 0,
            Zone::Buffer => 1,
            Zone::Control => 2,
            Zone::Outside => continue,
        };
        series[u.1][col] += 1.0;
        let period = bins[u.1].period;
        if col < 2 && period != Period::Gap {
            let e = cats.entry(inc.category[u.0]).or_default();
            let pp = if col == 0 { &mut e.0 } else { &mut e.1 };
            if period == Period::Pre {
                pp.pre += 1.0;
            } else {
                pp.post += 1.0;
            }
        }
    }
    let total = |col: usize, per: Period| -> f64 {
        bins.iter()
            .zip(&series)
            .filter(|(b, _)| b.period == per)
            .map(|(_, s)| s[col])
            .sum()
    };
    let pp = |col: usize| PrePost {
        pre: total(col, Period::Pre),
        post: total(col, Period::Post),
    };
    let (t, b, c) = (pp(0), pp(1), pp(2));
    let by_category: Vec<CategoryCounts> = cats
        .into_iter()
        .map(|(cat, (tt, bb))| CategoryCounts {
            category: if cat == NO_CATEGORY {
                "(none)".to_string()
            } else {
                inc.categories[cat as usize].clone()
            },
            treatment: tt,
            buffer: bb,
        })
        .collect();
    // dispersion
    let pre_series = |col: usize| -> Vec<(f64, f64)> {
        pre_bin_ids
            .iter()
            .map(|&i| (bins[i].days, series[i][col]))
            .collect()
    };
    let (phi, phi_note) = match p.dispersion {
        Dispersion::Poisson => (1.0, None),
        Dispersion::Fixed(f) => (f, None),
        Dispersion::Estimate => {
            let cols: &[usize] = if a.buffer > 0.0 { &[0, 1, 2] } else { &[0, 2] };
            let (mut x2, mut df) = (0.0, 0usize);
            for &col in cols {
                let (x, d) = stats::pearson_dispersion(&pre_series(col));
                x2 += x;
                df += d;
            }
            if df == 0 {
                (
                    1.0,
                    Some(format!(
                        "area '{}': the pre period has fewer than two monthly bins, so over-dispersion could not be estimated (φ = 1)",
                        a.name
                    )),
                )
            } else {
                ((x2 / df as f64).max(1.0), None)
            }
        }
    };
    let ctx = in_area(&a.name);
    let or = stats::odds_ratio(t.pre, t.post, c.pre, c.post, phi, z).map_err(ctx)?;
    let rc = stats::relative_change(&or);
    let did = stats::did_counts(t.pre, t.post, c.pre, c.post, phi, z).map_err(ctx)?;
    let (wdq, bor) = if a.buffer > 0.0 {
        (
            Some(stats::wdq(t.pre, t.post, b.pre, b.post, c.pre, c.post).map_err(ctx)?),
            stats::odds_ratio(b.pre, b.post, c.pre, c.post, phi, z).ok(),
        )
    } else {
        (None, None)
    };
    let net = stats::net_effect(t, b, c, phi, z).map_err(ctx)?;
    // placebo: halves of the pre period
    let pre_trend_check = if pre_bin_ids.len() >= 2 {
        let half = periods.pre.0 + (periods.pre.1 - periods.pre.0) / 2;
        let (mut h1, mut h2) = ([0.0; 3], [0.0; 3]);
        for &i in pre_bin_ids {
            let h = if (bins[i].start + bins[i].end) / 2 < half {
                &mut h1
            } else {
                &mut h2
            };
            for col in 0..3 {
                h[col] += series[i][col];
            }
        }
        stats::odds_ratio(h1[0], h2[0], h1[2], h2[2], phi, z).ok()
    } else {
        None
    };
    let treatment_km2 = a.treatment_km2();
    let (source, grid, cells, candidates, control_km2) = match auto {
        Some((g, cells, n)) => (
            "automatic".to_string(),
            Some(*g),
            cells.clone(),
            *n,
            cells.len() as f64 * g.cell_area_km2(),
        ),
        None => {
            use geo::Area;
            let km2 = a
                .control
                .iter()
                .flatten()
                .filter_map(areas::to_multipolygon)
                .map(|m| m.unsigned_area())
                .sum::<f64>()
                / 1e6;
            ("given".to_string(), None, Vec::new(), 0, km2)
        }
    };
    let trend = |col: usize| {
        let v: Vec<(f64, f64, f64)> = pre_bin_ids
            .iter()
            .zip(pre_bins)
            .map(|(&i, pb)| (pb.0, pb.1, series[i][col]))
            .collect();
        relative_trend(&v)
    };
    let rate = |n: f64, km2: f64| {
        if km2 > 0.0 {
            n / km2 / periods.pre_days * 30.0
        } else {
            f64::NAN
        }
    };
    let control_info = ControlInfo {
        source,
        grid,
        cells,
        candidates,
        km2: control_km2,
        pre_rate_per_km2: [rate(t.pre, treatment_km2), rate(c.pre, control_km2)],
        pre_trend: [trend(0), trend(2)],
    };
    let cost = match &p.costs {
        Some(spec) => Some(cost_benefit(&a.name, &by_category, c, spec, phi, z)?),
        None => None,
    };
    let mut ev = AreaEvaluation {
        name: a.name.clone(),
        radius: a.radius,
        buffer: a.buffer,
        treatment_km2,
        treatment: t,
        buffer_counts: b,
        control: c,
        control_info,
        by_category,
        dispersion: phi,
        odds_ratio: or,
        relative_change: rc,
        did,
        buffer_odds_ratio: bor,
        wdq,
        net_effect: net,
        pre_trend_check,
        series,
        cost,
        reading: Vec::new(),
    };
    ev.reading = reading(&ev, p.confidence, periods);
    Ok((ev, phi_note))
}

/// The interrupted time series of every area, and a sentence on it in each area's
/// reading (before the cost sentence).
pub(super) fn add_its(ev: &mut Evaluation, ip: &ItsParams) -> Result<()> {
    ev.its = interrupted_time_series(ev, ip)?;
    let cl = format!("{:.0} %", ev.confidence * 100.0);
    for (a, t) in ev.areas.iter_mut().zip(&ev.its) {
        if let Some(f) = &t.treatment {
            let mut s = format!(
                "Interrupted time series ({}, monthly): level change in the treatment area {} ({cl} CI {} to {})",
                f.family.replace('_', " "),
                pct(f.level_change.estimate - 1.0),
                pct(f.level_change.lower - 1.0),
                pct(f.level_change.upper - 1.0)
            );
            if let Some(c) = &t.controlled_level_change {
                s.push_str(&format!(
                    "; relative to the control's {} ({} to {})",
                    pct(c.estimate - 1.0),
                    pct(c.lower - 1.0),
                    pct(c.upper - 1.0)
                ));
            }
            s.push_str(". It allows for a pre-existing trend but rests on few monthly points; prefer the odds ratio when they disagree.");
            let at = a
                .reading
                .len()
                .saturating_sub(usize::from(a.cost.is_some()) + 1);
            a.reading.insert(at, s);
        }
    }
    Ok(())
}

/// Names the area in a data error of one area's statistics (`area 'X': …`).
fn in_area(name: &str) -> impl Fn(Error) -> Error + Copy + '_ {
    move |e| match e {
        Error::Degenerate { analysis, reason } => Error::Degenerate {
            analysis,
            reason: format!("area '{name}': {reason}"),
        },
        other => other,
    }
}
