//! Variable selection: elastic-net screening with cross-validation, then
//! stepwise selection by BIC with the spatial null test.

use super::*;

pub(super) fn design(cols: &[&[u8]], n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut r = Vec::with_capacity(cols.len() + 1);
            r.push(1.0);
            for c in cols {
                r.push(c[i] as f64);
            }
            r
        })
        .collect()
}

/// Elastic-net screen with K-fold CV; returns (screened column indices, λ).
pub(super) fn screen(
    cands: &[FactorColumn],
    y: &[f64],
    params: &RtmParams,
    notes: &mut Vec<String>,
) -> Result<(Vec<usize>, f64)> {
    let n = y.len();
    let p = cands.len();
    let cols: Vec<&[u8]> = cands.iter().map(|c| c.values.as_slice()).collect();
    let ybar = y.iter().sum::<f64>() / n as f64;
    let mut pf = vec![0.0];
    let mut lmax: f64 = 0.0;
    for c in &cols {
        let m = c.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let sd = (m * (1.0 - m)).sqrt();
        pf.push(sd);
        let g: f64 = c
            .iter()
            .zip(y)
            .map(|(&v, &yi)| v as f64 * (yi - ybar))
            .sum::<f64>()
            / n as f64;
        lmax = lmax.max(g.abs() / (params.l1_ratio.max(1e-3) * sd));
    }
    if lmax <= 0.0 {
        return Ok(((0..p).collect(), 0.0));
    }
    let nl = params.n_lambda.max(2);
    let lambdas: Vec<f64> = (0..nl)
        .map(|k| lmax * (1e-2f64).powf(k as f64 / (nl - 1) as f64))
        .collect();
    let k = params.cv_folds.max(2);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    order.shuffle(&mut rng);
    let mut fold = vec![0usize; n];
    for (pos, &i) in order.iter().enumerate() {
        fold[i] = pos % k;
    }
    // Cells with identical candidate patterns share their linear predictor: the Poisson
    // fit on groups (count sums, offset ln(cells)) has the same coefficients as on cells
    // when λ is rescaled by cells/groups (the objective is a mean over rows).
    let mut gid = vec![0usize; n];
    let mut reps: Vec<usize> = Vec::new();
    {
        let mut map: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for (i, g) in gid.iter_mut().enumerate() {
            let key: Vec<u8> = cols.iter().map(|c| c[i]).collect();
            let next = reps.len();
            let id = *map.entry(key).or_insert(next);
            if id == next {
                reps.push(i);
            }
            *g = id;
        }
    }
    let ng = reps.len();
    // The groups' design, stored as per-block pattern ids (see `IndicatorDesign`).
    let gd = IndicatorDesign::new(&cols, &reps, 256);
    // Group cell counts and count sums of the cells with `in_set(fold)`.
    let tally = |in_set: &dyn Fn(usize) -> bool| -> (Vec<f64>, Vec<f64>, usize) {
        let mut cnt = vec![0.0f64; ng];
        let mut ysum = vec![0.0; ng];
        let mut rows = 0usize;
        for i in (0..n).filter(|&i| in_set(fold[i])) {
            cnt[gid[i]] += 1.0;
            ysum[gid[i]] += y[i];
            rows += 1;
        }
        (cnt, ysum, rows)
    };
    let path = |cnt: &[f64], ysum: &[f64], rows: usize| -> Vec<Option<Vec<f64>>> {
        let used: Vec<usize> = (0..ng).filter(|&g| cnt[g] > 0.0).collect();
        let xs = gd.select(&used);
        let ys: Vec<f64> = used.iter().map(|&g| ysum[g]).collect();
        let off: Vec<f64> = used.iter().map(|&g| cnt[g].ln()).collect();
        let scale = rows as f64 / used.len() as f64;
        let mut start: Option<Vec<f64>> = None;
        let mut out = Vec::with_capacity(nl);
        for &l in &lambdas {
            let pp = PenalizedParams::new(l * scale, params.l1_ratio)
                .penalty_factor(pf.clone())
                .tol(1e-5);
            match fit_poisson_penalized_design(&xs, &ys, Some(&off), &pp, start.as_deref()) {
                Ok(f) => {
                    start = Some(f.coef.clone());
                    out.push(Some(f.coef));
                }
                Err(_) => out.push(None),
            }
        }
        out
    };
    // Task f < k: the path on the cells outside fold f and its held-out losses; task k:
    // the path on every cell. Independent tasks, so the result does not depend on threads.
    type Task = (Vec<Option<Vec<f64>>>, Vec<f64>);
    let tasks: Vec<Task> = (0..=k)
        .into_par_iter()
        .map(|f| {
            if f == k {
                let (cnt, ysum, rows) = tally(&|_| true);
                return (path(&cnt, &ysum, rows), Vec::new());
            }
            let (cnt, ysum, rows) = tally(&|fi| fi != f);
            let fits = path(&cnt, &ysum, rows);
            let (hc, hy, _) = tally(&|fi| fi == f);
            let held: Vec<usize> = (0..ng).filter(|&g| hc[g] > 0.0).collect();
            let hd = gd.select(&held);
            let losses = fits
                .iter()
                .map(|b| match b {
                    None => f64::INFINITY,
                    Some(b) => hd
                        .eta(b, None)
                        .iter()
                        .zip(&held)
                        .map(|(eta, &g)| hc[g] * eta.exp() - hy[g] * eta)
                        .sum::<f64>(),
                })
                .collect();
            (fits, losses)
        })
        .collect();
    let mut best = 0;
    let mut best_loss = f64::INFINITY;
    for j in 0..nl {
        let l: f64 = tasks[..k].iter().map(|t| t.1[j]).sum();
        if l < best_loss {
            best_loss = l;
            best = j;
        }
    }
    let full = &tasks[k].0;
    let coef = full[..=best]
        .iter()
        .rev()
        .find_map(|c| c.clone())
        .ok_or_else(|| Error::Numerical("RTM: the elastic-net screen failed at every λ".into()))?;
    if full[best].is_none() {
        notes.push("elastic-net fit failed at the CV-chosen λ; used the next larger λ".into());
    }
    let kept: Vec<usize> = (0..p).filter(|&j| coef[j + 1] > 0.0).collect();
    Ok((kept, lambdas[best]))
}

/// Cells grouped by their 0/1 pattern on the columns `set` (< 64 of them): per distinct
/// pattern (bit `b` = column `set[b]`), in increasing order of the pattern, the number of
/// cells and their count sum (see [`pattern_groups_cols`]).
pub(super) fn pattern_groups(
    cands: &[FactorColumn],
    set: &[usize],
    y: &[f64],
) -> Vec<(u64, f64, f64)> {
    let cols: Vec<&[u8]> = set.iter().map(|&j| cands[j].values.as_slice()).collect();
    pattern_groups_cols(&cols, y)
}

pub(super) struct Move {
    set: Vec<usize>,
    added: Option<usize>,
}

/// Bidirectional stepwise BIC search over `screened` (indices into `cands`).
pub(super) fn stepwise(
    cands: &[FactorColumn],
    screened: &[usize],
    y: &[f64],
    family: Family,
    glm: &GlmParams,
) -> Vec<usize> {
    let n = y.len();
    let theta = match family {
        Family::Poisson => None,
        Family::NegativeBinomial { theta } => theta,
    };
    let ln_n = (n as f64).ln();
    // (coefficients, BIC up to a constant shared by every model of this family and θ).
    let fit = |set: &[usize]| -> Option<(Vec<f64>, f64)> {
        if set.len() >= 64 {
            let cols: Vec<&[u8]> = set.iter().map(|&j| cands[j].values.as_slice()).collect();
            return fit_glm(&design(&cols, n), y, None, family, glm)
                .ok()
                .map(|f| (f.coef, f.bic));
        }
        // Group cells by their indicator pattern (exact for fixed θ, see `fit_grouped`),
        // groups in increasing order of the pattern's bits.
        let groups = pattern_groups(cands, set, y);
        let xg: Vec<Vec<f64>> = groups
            .iter()
            .map(|(k, _, _)| {
                let mut r = vec![1.0];
                r.extend((0..set.len()).map(|b| ((k >> b) & 1) as f64));
                r
            })
            .collect();
        let cells: Vec<f64> = groups.iter().map(|v| v.1).collect();
        let ysum: Vec<f64> = groups.iter().map(|v| v.2).collect();
        fit_grouped(&xg, &cells, &ysum, theta, glm).ok().map(|f| {
            (
                f.coef,
                -2.0 * f.loglik_kernel + (set.len() + 1) as f64 * ln_n,
            )
        })
    };
    let mut current: Vec<usize> = Vec::new();
    let Some(f0) = fit(&current) else {
        return current;
    };
    let mut bic = f0.1;
    let layer_of = |j: usize| {
        (
            cands[j].variable.layer.clone(),
            cands[j].variable.filter.clone(),
        )
    };
    for _ in 0..100 {
        let mut moves: Vec<Move> = Vec::new();
        for &j in screened {
            if current.contains(&j) {
                continue;
            }
            let lj = layer_of(j);
            match current.iter().position(|&c| layer_of(c) == lj) {
                None => {
                    let mut s = current.clone();
                    s.push(j);
                    moves.push(Move {
                        set: s,
                        added: Some(j),
                    });
                }
                Some(pos) => {
                    let mut s = current.clone();
                    s[pos] = j;
                    moves.push(Move {
                        set: s,
                        added: Some(j),
                    });
                }
            }
        }
        for pos in 0..current.len() {
            let mut s = current.clone();
            s.remove(pos);
            moves.push(Move {
                set: s,
                added: None,
            });
        }
        let scores: Vec<f64> = moves
            .par_iter()
            .map(|m| match fit(&m.set) {
                Some((coef, fbic)) => {
                    let ok = match m.added {
                        Some(j) => {
                            let pos = m.set.iter().position(|&c| c == j).unwrap_or(0);
                            coef[pos + 1] > 0.0
                        }
                        None => true,
                    };
                    if ok {
                        fbic
                    } else {
                        f64::INFINITY
                    }
                }
                None => f64::INFINITY,
            })
            .collect();
        let mut best: Option<usize> = None;
        for (i, s) in scores.iter().enumerate() {
            let better = match best {
                None => true,
                Some(b) => *s < scores[b],
            };
            if *s < bic - 1e-9 && better {
                best = Some(i);
            }
        }
        match best {
            Some(i) => {
                bic = scores[i];
                current = moves[i].set.clone();
            }
            None => break,
        }
    }
    current
}
