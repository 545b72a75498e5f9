//! A Knox result in words: the summary sentence and the text report.

use super::*;

impl KnoxResult {
    /// A plain-language summary for analysts, e.g. "Within 0–100 m and 0–6 days of
    /// an incident, further incidents are 1.9× as frequent as chance predicts (p = 0.001)".
    pub fn summary(&self, what: &str) -> String {
        let sig = self.significant(RATIO_THRESHOLD, ALPHA);
        let (kr, p) = self.ratio_and_p();
        let mut cells: Vec<(usize, usize)> = Vec::new();
        for (s, row) in sig.iter().enumerate() {
            for (t, &m) in row.iter().enumerate() {
                // only bounded cells describe a near repeat
                if m && self.space_breaks[s + 1].is_finite() && self.time_breaks[t + 1].is_finite()
                {
                    cells.push((s, t));
                }
            }
        }
        let how = if self.permutation.is_some() {
            format!(
                "{} permutations of the times",
                self.permutation.as_ref().map_or(0, |p| p.nrep)
            )
        } else {
            "the analytic expectation with a Poisson p (no permutations)".to_string()
        };
        if cells.is_empty() {
            return format!(
                "No bounded space-time band shows a Knox ratio >= {RATIO_THRESHOLD} with p < {ALPHA} \
                 ({} {what} events, {how}): no evidence of repeat or near-repeat victimization \
                 at these bands.",
                self.n_events
            );
        }
        let (bs, bt) = *cells
            .iter()
            .max_by(|a, b| kr[a.0][a.1].total_cmp(&kr[b.0][b.1]).then(b.cmp(a)))
            .unwrap_or(&cells[0]);
        format!(
            "{} of {} {what}, another {what} is {:.1}x as likely as chance predicts (p = {}). \
             Significant excess (Knox ratio >= {RATIO_THRESHOLD}, p < {ALPHA}) in {} band(s), \
             {}. ({} events, {how}.)",
            capitalise(&self.describe_cell(bs, bt)),
            article(what),
            kr[bs][bt],
            fmt_p(p[bs][bt]),
            cells.len(),
            self.describe_extent(&cells),
            self.n_events
        )
    }

    /// Where the significant bands lie. When they are contiguous from the origin
    /// (every band closer in space or in time than a significant band is significant
    /// too), "reaching up to X m and Y days" describes them; otherwise the bands are
    /// listed as they are (the first six, then how many more), so a lone significant
    /// band at 21–27 days is never reported as reaching from 0 to 28 days.
    pub(super) fn describe_extent(&self, cells: &[(usize, usize)]) -> String {
        let has = |s: usize, t: usize| cells.contains(&(s, t));
        let from_origin = cells
            .iter()
            .all(|&(s, t)| (s == 0 || has(s - 1, t)) && (t == 0 || has(s, t - 1)));
        if from_origin {
            let max_s = cells
                .iter()
                .map(|c| self.space_breaks[c.0 + 1])
                .fold(0.0, f64::max);
            let max_t = cells
                .iter()
                .map(|c| self.time_breaks[c.1 + 1])
                .fold(0.0, f64::max);
            return format!(
                "reaching up to {} m and {} days",
                fmt_num(max_s),
                fmt_num(max_t)
            );
        }
        let mut sorted = cells.to_vec();
        sorted.sort_unstable();
        let mut parts: Vec<String> = sorted
            .iter()
            .take(6)
            .map(|&(s, t)| self.describe_cell(s, t))
            .collect();
        if sorted.len() > 6 {
            parts.push(format!("{} more", sorted.len() - 6));
        }
        format!("not contiguous from the origin: {}", parts.join("; "))
    }

    pub(super) fn describe_cell(&self, s: usize, t: usize) -> String {
        let (a, b) = (self.space_breaks[s], self.space_breaks[s + 1]);
        let space = if a == 0.0 && b <= 1.0 {
            "at the same place".to_string()
        } else if a == 0.0 {
            format!("within {} m", fmt_num(b))
        } else {
            format!("{}-{} m away", fmt_num(a), fmt_num(b))
        };
        let (c, d) = (self.time_breaks[t], self.time_breaks[t + 1]);
        let whole = |v: f64| v.fract() == 0.0;
        let time = if self.time_unit == TimePrecision::Day && whole(c) && whole(d) {
            if c == 0.0 && d == 1.0 {
                "within the same day".to_string()
            } else if d - c == 1.0 {
                format!("{} days", fmt_num(c))
            } else {
                format!("{}-{} days", fmt_num(c), fmt_num(d - 1.0))
            }
        } else if c == 0.0 {
            format!("less than {} days", fmt_num(d))
        } else {
            format!("{} to under {} days", fmt_num(c), fmt_num(d))
        };
        format!("{space} and {time}")
    }

    /// A fixed-width console table of observed / expected / ratio / p.
    pub fn to_text(&self) -> String {
        let (kr, p) = self.ratio_and_p();
        let exp = match &self.permutation {
            Some(pm) => &pm.expected_mean,
            None => &self.analytic.expected,
        };
        let sig = self.significant(RATIO_THRESHOLD, ALPHA);
        let w = self
            .space_labels
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(8)
            .max(10);
        let cw = self
            .time_labels
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(8)
            .max(10);
        let mut out = String::new();
        let mut block = |title: &str, f: &dyn Fn(usize, usize) -> String| {
            out.push_str(&format!("{title:<w$}"));
            for l in &self.time_labels {
                out.push_str(&format!(" {l:>cw$}"));
            }
            out.push('\n');
            for (s, l) in self.space_labels.iter().enumerate() {
                out.push_str(&format!("{l:<w$}"));
                for t in 0..self.time_labels.len() {
                    out.push_str(&format!(" {:>cw$}", f(s, t)));
                }
                out.push('\n');
            }
            out.push('\n');
        };
        block("observed", &|s, t| self.observed[s][t].to_string());
        block("expected", &|s, t| format!("{:.2}", exp[s][t]));
        block("knox ratio", &|s, t| {
            format!(
                "{}{}",
                fmt_ratio(kr[s][t]),
                if sig[s][t] { "*" } else { "" }
            )
        });
        block("p-value", &|s, t| fmt_p(p[s][t]));
        out.push_str(&format!(
            "* Knox ratio >= {RATIO_THRESHOLD} and p < {ALPHA}. Rows: distance ({}, m); columns: time apart (days); bands [a,b).\n",
            self.metric.name()
        ));
        out
    }
}

pub(super) fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(super) fn fmt_ratio(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.is_infinite() {
        "Inf".into()
    } else {
        format!("{v:.2}")
    }
}

/// Formats a p-value (3 significant decimals).
pub fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// Formats a number as R's `cut` labels do (`Inf` for infinity, no trailing `.0`
/// on whole numbers); other values in shortest round-trip form (`1.5e-121`).
pub fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "Inf" } else { "-Inf" }.into()
    } else if v.is_nan() {
        "NaN".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v}")
    } else {
        // shortest round-trip text, scientific for very small/large values
        format!("{v:?}")
    }
}

/// Band labels `[a,b)` as NearRepeat prints them.
pub fn band_labels(breaks: &[f64]) -> Vec<String> {
    breaks
        .windows(2)
        .map(|w| format!("[{},{})", fmt_num(w[0]), fmt_num(w[1])))
        .collect()
}
