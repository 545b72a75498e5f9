//! The periods compared (from an intervention date or given) and their monthly bins.

use super::*;

/// The periods compared.
#[derive(Debug, Clone, Serialize)]
pub struct Periods {
    /// Intervention time (local seconds; the start of the post period unless given).
    pub intervention: i64,
    /// Pre period `[start, end)`.
    pub pre: (i64, i64),
    /// Post period `[start, end)`.
    pub post: (i64, i64),
    /// Pre period length (days).
    pub pre_days: f64,
    /// Post period length (days).
    pub post_days: f64,
    /// `[pre start, pre end, post start, post end]` as dates/times.
    pub labels: [String; 4],
}

/// Which period a time bin belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Before the intervention.
    Pre,
    /// Between the pre and post periods (excluded from the estimates).
    Gap,
    /// After the intervention.
    Post,
}

/// A time bin: a calendar month, split at the period boundaries.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    /// Start (local seconds, inclusive).
    pub start: i64,
    /// End (exclusive).
    pub end: i64,
    /// `YYYY-MM` of the month.
    pub label: String,
    /// Length in days.
    pub days: f64,
    /// Period.
    pub period: Period,
}

pub(super) fn day_label(t: i64) -> String {
    if t.rem_euclid(DAY) == 0 {
        time::format(t, TimePrecision::Day)
    } else {
        time::format(t, TimePrecision::Minute)
    }
}

/// Resolves the periods against the data's time range.
pub(super) fn resolve_periods(p: &EvaluateParams, tmin: i64, tmax: i64) -> Result<Periods> {
    let start = tmin.div_euclid(DAY) * DAY;
    let end = (tmax.div_euclid(DAY) + 1) * DAY;
    let span = format!(
        "the data run from {} to {}",
        day_label(start),
        time::format(end - 1, TimePrecision::Day)
    );
    let (pre, post, d) = match (p.pre, p.post) {
        (Some(pre), Some(post)) => (pre, post, p.intervention.unwrap_or(post.0)),
        (None, None) => {
            let d = p.intervention.ok_or_else(|| {
                Error::invalid_param(
                    "intervention",
                    "none",
                    "give an intervention date or both the pre and the post period",
                )
            })?;
            if d <= start || d >= end {
                return Err(Error::invalid_param(
                    "intervention",
                    day_label(d),
                    format!("the date is outside the data: {span}"),
                ));
            }
            let len = (d - start).min(end - d);
            ((d - len, d), (d, d + len), d)
        }
        (Some(pre), None) => {
            return Err(Error::missing_param(
                "post",
                "pre",
                format!("{}..{}", day_label(pre.0), day_label(pre.1)),
            ))
        }
        (None, Some(post)) => {
            return Err(Error::missing_param(
                "pre",
                "post",
                format!("{}..{}", day_label(post.0), day_label(post.1)),
            ))
        }
    };
    let label = |q: (i64, i64)| format!("{}..{}", day_label(q.0), day_label(q.1));
    for (name, q) in [("pre", pre), ("post", post)] {
        if q.0 >= q.1 {
            return Err(Error::invalid_param(
                name,
                label(q),
                "the period must end after it starts",
            ));
        }
    }
    if pre.1 > post.0 {
        return Err(Error::invalid_param(
            "pre",
            label(pre),
            format!("the period overlaps the post period ({})", label(post)),
        ));
    }
    if pre.0 < start {
        return Err(Error::invalid_param(
            "pre",
            label(pre),
            format!("the period reaches outside the data: {span}"),
        ));
    }
    if post.1 > end {
        return Err(Error::invalid_param(
            "post",
            label(post),
            format!("the period reaches outside the data: {span}"),
        ));
    }
    if d < pre.1 || d > post.0 {
        return Err(Error::invalid_param(
            "intervention",
            day_label(d),
            "the date must lie between the end of the pre period and the start of the post period",
        ));
    }
    Ok(Periods {
        intervention: d,
        pre,
        post,
        pre_days: (pre.1 - pre.0) as f64 / DAY as f64,
        post_days: (post.1 - post.0) as f64 / DAY as f64,
        labels: [
            day_label(pre.0),
            day_label(pre.1),
            day_label(post.0),
            day_label(post.1),
        ],
    })
}

/// Calendar-month bins over `[pre.0, post.1)`, split at the period boundaries.
pub(super) fn month_bins(pp: &Periods) -> Vec<Bin> {
    let cuts = [pp.pre.1, pp.post.0, pp.post.1];
    let mut out = Vec::new();
    let mut t = pp.pre.0;
    while t < pp.post.1 {
        let (y, m, _) = time::civil_from_days(t.div_euclid(DAY));
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next_month = time::days_from_civil(ny, nm, 1) * DAY;
        let end = cuts
            .iter()
            .copied()
            .filter(|&c| c > t)
            .fold(next_month, i64::min);
        let period = if t < pp.pre.1 {
            Period::Pre
        } else if t < pp.post.0 {
            Period::Gap
        } else {
            Period::Post
        };
        out.push(Bin {
            start: t,
            end,
            label: format!("{y:04}-{m:02}"),
            days: (end - t) as f64 / DAY as f64,
            period,
        });
        t = end;
    }
    out
}
