//! Counting the pairs (stored or streamed) and the inference: permutations of the
//! times and the analytic (Poisson) tables.

use super::*;

/// [`knox_xyt`]; `force_store` stores the close pairs even without permutations
/// (tests check that both paths give the same table).
pub(super) fn knox_xyt_impl(
    xy: &[[f64; 2]],
    t: &[i64],
    unit: TimePrecision,
    params: &KnoxParams,
    force_store: bool,
) -> Result<KnoxResult> {
    crate::limits::check_replicates("nrep", params.nrep)?;
    check_breaks(&params.space_breaks, "space_breaks")?;
    check_breaks(&params.time_breaks, "time_breaks")?;
    if xy.len() != t.len() {
        return Err(Error::length_mismatch("times", t.len(), "points", xy.len()));
    }
    if unit > TimePrecision::Day {
        return Err(Error::invalid_param(
            "unit",
            unit.name(),
            "the Knox test needs times precise to the day at least",
        ));
    }
    let on_network = network_events(xy, t, params)?;
    let (xy, t) = match &on_network {
        Some((on, t)) => (&on.xy[..], &t[..]),
        None => (xy, t),
    };
    Error::check_finite("event", xy)?;
    let n = xy.len();
    if n < 2 {
        return Err(Error::too_few("the Knox test", "events with a time", 2, n));
    }
    if n > u32::MAX as usize {
        return Err(Error::limit(
            "events",
            n,
            u32::MAX,
            "the Knox test indexes events with 32 bits",
        ));
    }
    let mut warnings = Vec::new();
    let excluded_off_network = on_network.as_ref().map_or(0, |x| x.0.excluded);
    warnings.extend(on_network.as_ref().and_then(|x| x.0.warning()));
    let units_per_day = DAY as f64 / unit.seconds() as f64;
    for &b in &params.time_breaks {
        if b.is_finite() && (b * units_per_day).fract() != 0.0 {
            warnings.push(format!(
                "temporal break {b} days is not a whole number of {}s (the precision of the \
                 times); it acts as {} days",
                unit.name(),
                (b * units_per_day).ceil() / units_per_day
            ));
        }
    }
    let sb = SpaceBands::new(&params.space_breaks);
    let tb = TimeBands::new(&params.time_breaks, units_per_day);
    let nk = params.space_breaks.len() - 1;
    let nl = tb.nbands();
    let n_pairs = n as u64 * (n as u64 - 1) / 2;

    // canonical order, cells of side R (slightly enlarged against rounding)
    let cell = if sb.r > 0.0 {
        sb.r * (1.0 + 1e-9)
    } else {
        f64::INFINITY
    };
    let ev = canonical(xy, t, cell);
    let src = PairSource::new(&ev, params, sb.r)?;

    // duplicates: runs of identical (x, y, t) are adjacent in canonical order
    let mut same_place_same_time = 0u64;
    let mut run = 1u64;
    for i in 1..=n {
        if i < n && ev.xy[i] == ev.xy[i - 1] && ev.t[i] == ev.t[i - 1] {
            run += 1;
        } else {
            same_place_same_time += run * (run - 1) / 2;
            run = 1;
        }
    }
    if same_place_same_time > 0 {
        warnings.push(format!(
            "{same_place_same_time} pair(s) have the same coordinates and the same time: \
             possible duplicate records (they are counted, as NearRepeat does)"
        ));
    }

    // temporal margin (permutation invariant)
    let mut sorted_t = ev.t.clone();
    sorted_t.par_sort_unstable();
    let t_margin = tb.margin(&sorted_t, n_pairs);

    // counting: table of (rows) x (nl + 1) with a drop column
    let width = nl + 1;
    // times as u32 offsets from the earliest: half the memory traffic of i64
    let tmin = sorted_t.first().copied().unwrap_or(0);
    let span = sorted_t.last().copied().unwrap_or(0) - tmin;
    if span > u32::MAX as i64 {
        return Err(Error::degenerate(
            "the Knox test",
            format!(
                "the times span {span} {}s, more than the 2^32 the test supports",
                unit.name()
            ),
        ));
    }
    let t32: Vec<u32> = ev.t.iter().map(|&v| (v - tmin) as u32).collect();
    // without permutations, one streaming pass: the observed close rows (by band and
    // time band) counted per chunk of events without storing a pair; integer sums,
    // so the order of the reduction does not matter
    let rows = sb.n_close + 1;
    let chunk = 2048usize;
    let store = params.nrep > 0 || force_store;
    let streamed: Vec<u64> = if sb.r > 0.0 && !store {
        (0..n)
            .into_par_iter()
            .step_by(chunk)
            .map(|start| {
                let mut c = vec![0u64; rows * width];
                for i in start..(start + chunk).min(n) {
                    let ti = t32[i];
                    src.for_each(i, |j, d| {
                        if let Some(k) = sb.row(d) {
                            let b = tb.band(ti.abs_diff(t32[j]) as u64);
                            c[k * width + if b == DROP { nl } else { b as usize }] += 1;
                        }
                    });
                }
                c
            })
            .reduce(
                || vec![0u64; rows * width],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    } else {
        vec![0u64; rows * width]
    };
    let row_total = |k: usize| -> u64 { streamed[k * width..(k + 1) * width].iter().sum() };
    // pairs per row, per chunk of events: counted first when they are to be stored
    // (the limit is checked before any memory is taken)
    let counts: Vec<Vec<u64>> = if store && sb.r > 0.0 {
        (0..n)
            .into_par_iter()
            .step_by(chunk)
            .map(|start| {
                let mut c = vec![0u64; rows];
                for i in start..(start + chunk).min(n) {
                    src.for_each(i, |_, d| {
                        if let Some(k) = sb.row(d) {
                            c[k] += 1;
                        }
                    });
                }
                c
            })
            .collect()
    } else {
        Vec::new()
    };
    let close_pairs: u64 = if store {
        counts.iter().flatten().sum()
    } else {
        (0..rows).map(row_total).sum()
    };

    // close pairs, grouped by row (close bands + "below first break"), stored for
    // the permutations only
    let pairs: Vec<Vec<[u32; 2]>> = if store && sb.r > 0.0 {
        if close_pairs > params.max_close_pairs {
            return Err(Error::degenerate(
                "Knox test",
                format!(
                    "{close_pairs} pairs lie within the largest finite spatial break ({} m); the \
                 permutations need them in memory ({}; about twice that while they are \
                 collected), more than the limit of {} pairs. Raise the limit (`max_pairs`) \
                 to at least {close_pairs}, use a smaller largest finite \
                 break (the last break may be Inf at no cost), or run without permutations \
                 (`nrep` 0: the observed table, the exact expectation and Poisson p-values, \
                 streamed without storing pairs)",
                    sb.r,
                    fmt_bytes(close_pairs * 8),
                    params.max_close_pairs,
                ),
            ));
        }
        let parts: Vec<Vec<Vec<[u32; 2]>>> = (0..n)
            .into_par_iter()
            .step_by(chunk)
            .zip(counts.par_iter())
            .map(|(start, c)| {
                let mut v: Vec<Vec<[u32; 2]>> =
                    c.iter().map(|&k| Vec::with_capacity(k as usize)).collect();
                for i in start..(start + chunk).min(n) {
                    src.for_each(i, |j, d| {
                        if let Some(k) = sb.row(d) {
                            v[k].push([i as u32, j as u32]);
                        }
                    });
                }
                v
            })
            .collect();
        (0..rows)
            .map(|k| {
                let len: usize = parts.iter().map(|p| p[k].len()).sum();
                let mut out = Vec::with_capacity(len);
                for p in &parts {
                    out.extend_from_slice(&p[k]);
                }
                out
            })
            .collect()
    } else {
        vec![Vec::new(); rows]
    };
    let stored_pairs: u64 = pairs.iter().map(|p| p.len() as u64).sum();

    let count = |tt: &[u32], tab: &mut [u64]| {
        tab.iter_mut().for_each(|v| *v = 0);
        for (k, pk) in pairs.iter().enumerate() {
            let row = &mut tab[k * width..(k + 1) * width];
            for &[i, j] in pk {
                let dt = tt[i as usize].abs_diff(tt[j as usize]) as u64;
                let b = tb.band(dt);
                row[if b == DROP { nl } else { b as usize }] += 1;
            }
        }
    };
    let finish = |tab: &[u64]| -> Vec<u64> {
        // final K x L table, row-major
        let mut out = vec![0u64; nk * nl];
        for k in 0..sb.n_close {
            out[k * nl..(k + 1) * nl].copy_from_slice(&tab[k * width..k * width + nl]);
        }
        if sb.beyond {
            for b in 0..nl {
                let close: u64 = (0..rows).map(|k| tab[k * width + b]).sum();
                out[(nk - 1) * nl + b] = t_margin[b] - close;
            }
        }
        out
    };
    let observed_flat = if store {
        let mut tab = vec![0u64; rows * width];
        count(&t32, &mut tab);
        finish(&tab)
    } else {
        finish(&streamed)
    };
    let observed = to_rows(&observed_flat, nk, nl, |v| v);
    let n_pairs_in_table: u64 = observed_flat.iter().sum();

    // analytic expectation
    let mut s_margin: Vec<u64> = if store {
        (0..sb.n_close).map(|k| pairs[k].len() as u64).collect()
    } else {
        (0..sb.n_close).map(row_total).collect()
    };
    if sb.beyond {
        s_margin.push(n_pairs - close_pairs);
    }
    let mut a_exp = vec![vec![0.0; nl]; nk];
    let mut a_ratio = vec![vec![0.0; nl]; nk];
    let mut a_p = vec![vec![0.0; nl]; nk];
    for k in 0..nk {
        for b in 0..nl {
            let e = s_margin[k] as f64 * t_margin[b] as f64 / n_pairs as f64;
            let o = observed[k][b];
            a_exp[k][b] = e;
            a_ratio[k][b] = o as f64 / e;
            a_p[k][b] = poisson_sf_ge(o, e);
        }
    }
    let analytic = AnalyticTables {
        space_margin: s_margin,
        time_margin: t_margin.clone(),
        expected: a_exp,
        knox_ratio: a_ratio,
        p_poisson: a_p,
    };

    // permutations
    let permutation = if params.nrep > 0 {
        let sims: Vec<Vec<u64>> = (0..params.nrep)
            .into_par_iter()
            .map_init(
                || (vec![0u32; n], vec![0u64; rows * width]),
                |(tt, tab), rep| {
                    tt.copy_from_slice(&t32);
                    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
                    rng.set_stream(rep as u64);
                    for k in (1..n).rev() {
                        let j = rng.random_range(0..=k);
                        tt.swap(k, j);
                    }
                    count(tt, tab);
                    finish(tab)
                },
            )
            .collect();
        Some(summarise_sims(
            &sims,
            &observed_flat,
            nk,
            nl,
            params.nrep,
            params.seed,
        ))
    } else {
        None
    };

    let method_used = if permutation.is_some() {
        "permutation"
    } else {
        "analytic"
    };
    Ok(KnoxResult {
        n_events: n,
        excluded_missing_time: 0,
        excluded_coarse_time: 0,
        excluded_off_network,
        time_unit: unit,
        metric: params.metric,
        space_breaks: params.space_breaks.clone(),
        time_breaks: params.time_breaks.clone(),
        space_labels: band_labels(&params.space_breaks),
        time_labels: band_labels(&params.time_breaks),
        n_pairs,
        n_pairs_in_table,
        close_pairs,
        close_pair_bytes: stored_pairs * 8,
        same_place_same_time_pairs: same_place_same_time,
        observed,
        permutation,
        analytic,
        method_used: method_used.into(),
        warnings,
    })
}

/// `1.2 GB`-style size.
pub(super) fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).ceil())
    }
}

pub(super) fn to_rows<T: Copy, U>(
    flat: &[T],
    nk: usize,
    nl: usize,
    f: impl Fn(T) -> U,
) -> Vec<Vec<U>> {
    (0..nk)
        .map(|k| (0..nl).map(|b| f(flat[k * nl + b])).collect())
        .collect()
}

pub(super) fn summarise_sims(
    sims: &[Vec<u64>],
    obs: &[u64],
    nk: usize,
    nl: usize,
    nrep: usize,
    seed: u64,
) -> PermutationTables {
    let m = nk * nl;
    let mut mean = vec![0.0; m];
    let mut median = vec![0.0; m];
    let mut sd = vec![0.0; m];
    let mut ge = vec![0u64; m];
    let mut col = vec![0u64; nrep];
    for c in 0..m {
        for (r, s) in sims.iter().enumerate() {
            col[r] = s[c];
        }
        let sum: u64 = col.iter().sum();
        let mu = sum as f64 / nrep as f64;
        mean[c] = mu;
        sd[c] = if nrep > 1 {
            (col.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>() / (nrep - 1) as f64).sqrt()
        } else {
            f64::NAN
        };
        ge[c] = col.iter().filter(|&&v| v >= obs[c]).count() as u64;
        col.sort_unstable();
        median[c] = if nrep % 2 == 1 {
            col[nrep / 2] as f64
        } else {
            (col[nrep / 2 - 1] as f64 + col[nrep / 2] as f64) / 2.0
        };
    }
    let ratio = |o: u64, e: f64| o as f64 / e;
    PermutationTables {
        nrep,
        seed,
        expected_mean: to_rows(&mean, nk, nl, |v| v),
        expected_median: to_rows(&median, nk, nl, |v| v),
        sim_sd: to_rows(&sd, nk, nl, |v| v),
        knox_ratio: (0..nk)
            .map(|k| {
                (0..nl)
                    .map(|b| ratio(obs[k * nl + b], mean[k * nl + b]))
                    .collect()
            })
            .collect(),
        knox_ratio_median: (0..nk)
            .map(|k| {
                (0..nl)
                    .map(|b| ratio(obs[k * nl + b], median[k * nl + b]))
                    .collect()
            })
            .collect(),
        n_sim_ge_obs: to_rows(&ge, nk, nl, |v| v),
        p_value: to_rows(&ge, nk, nl, |v| (v + 1) as f64 / (nrep + 1) as f64),
    }
}

/// Poisson upper tail `P(X ≥ k)` for `X ~ Poisson(lambda)` (= `P(k, λ)` for k ≥ 1).
/// `NaN` for a non-finite or negative `lambda`.
pub fn poisson_sf_ge(k: u64, lambda: f64) -> f64 {
    if !(lambda.is_finite() && lambda >= 0.0) {
        return f64::NAN;
    }
    if k == 0 {
        return 1.0;
    }
    if lambda == 0.0 {
        return 0.0;
    }
    gamma_p(k as f64, lambda)
}
