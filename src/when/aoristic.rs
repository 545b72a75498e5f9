//! Aoristic weights (Ratcliffe 2002): each incident's unit probability spread
//! evenly over its occurrence window, minute by minute.

use serde::{Deserialize, Serialize};

use super::{hour_of_week, Window, WEEK_BINS, WEEK_MINUTES};
use crate::time::{civil_from_days, DAY};

/// What happens to windows of a week or longer (see [`week_weights`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AoristicRule {
    /// The minute rule for every length (default).
    #[default]
    Minute,
    /// `aoristic` 1.1.1: 1/168 in every bin for `D ≥ 10080` minutes.
    Package,
}

impl AoristicRule {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            AoristicRule::Minute => "minute",
            AoristicRule::Package => "package",
        }
    }
}

/// The package's minute walk over `d` minutes (1 < d), from bin `b` with `left`
/// minutes left in it; `a = 1/d` computed by the caller once.
fn walk(out: &mut [f64; WEEK_BINS], mut b: usize, mut left: i64, d: i64, a: f64) {
    let mut rest = d;
    while rest > 0 {
        if rest <= left {
            out[b] += rest as f64 * a;
            return;
        }
        out[b] += left as f64 * a;
        rest -= left;
        left = 60;
        b = (b + 1) % WEEK_BINS;
    }
}

/// Minutes in each bin of a walk of `d` minutes (integer, for the long windows).
fn walk_counts(counts: &mut [i64; WEEK_BINS], mut b: usize, mut left: i64, d: i64) {
    let mut rest = d;
    while rest > 0 {
        let k = rest.min(left);
        counts[b] += k;
        rest -= k;
        left = 60;
        b = (b + 1) % WEEK_BINS;
    }
}

/// The 168 hour-of-week weights of one window (bin order: see [the crate docs](crate#when)).
///
/// # Definition (R package `aoristic` 1.1.1, `aoristic.df`)
/// For a window with start `from` and duration `D` = whole minutes of
/// `to − from`, rounded down ([`Window::minutes`]):
/// * `D ≤ 1` (an exact time, or one minute): weight 1 in the hour-of-week bin of `from`;
/// * `1 < D < 10080`: each of the `D` minutes starting at the minute of `from` gets
///   `1/D` in the hour-of-week bin it falls in; the window is `[from, to)`, so the
///   minute starting at `to` is not counted (10:30–11:30 → ½ in 10h, ½ in 11h);
///   Saturday 23h is followed by Sunday 00h. Float order as the package: `a = 1/D`
///   once, each bin receives `k · a` per run of `k` minutes, in walk order;
/// * `D ≥ 10080` (a week or more): see [`AoristicRule`].
///
/// Bins are `24 · day + hour`, Sunday = 0 (see [the crate docs](crate#when)); the package's
/// column `hourN` is bin `N − 1`. Weights sum to 1 per incident up to rounding
/// (the package's own sums are 1 ± 2.2e-16).
///
/// # Where crimescape differs from the package (deliberately)
/// * **A week or longer** ([`AoristicRule::Minute`], the default): the minute rule
///   goes on, so a 10-day window gives the three days it covers twice twice the
///   weight — the probability model of Ratcliffe's method. The package spreads any
///   window of ≥ 10080 minutes uniformly (1/168 per bin, Q5); [`AoristicRule::Package`]
///   does that. The two agree on every window shorter than a week, bit for bit.
/// * **Missing or reversed windows** never reach the weights: loaders reject a
///   window that ends before it starts and count it, and a missing end means an
///   exact time (`to = from`, the package's "1 in the start bin"). The package's
///   own handling (missing start → all 0, `to < from` → 1 in the start bin) is in
///   [`package_df`].
/// * **Q1** (a midnight value makes the package measure the duration in seconds) is
///   a bug of the package's text round trip, not a rule; [`package_df`] reproduces
///   it on request ([`MidnightQuirk`]) for users who must match an R run exactly.
/// * **Q2–Q4** (an error on clean data, a `"0000-0159"` row label, map titles one
///   day off) concern the package's messages and plots, not its numbers; not copied.
/// * **Time zones**: as the package, durations and bins come from wall-clock
///   readings; a window over a daylight-saving change counts clock minutes.
///
/// Totals are compensated (Neumaier) sums in input order, which match R's
/// long-double `sum` to ~1e-15 (a plain f64 sum differs by up to ~1e-14).
///
/// # Examples
/// ```
/// use crimescape::{time_from_fields as from_fields, week_weights, AoristicRule, Window};
/// // Saturday 22:00 -> Sunday 02:00: a quarter in each of four hours
/// let a = from_fields(2024, 3, 9, 22, 0, 0).unwrap();
/// let w = Window::new(a, a + 4 * 3600).unwrap();
/// let wt = week_weights(&w, AoristicRule::Minute);
/// assert_eq!([wt[166], wt[167], wt[0], wt[1]], [0.25; 4]);
/// assert_eq!(wt.iter().sum::<f64>(), 1.0);
/// ```
pub fn week_weights(w: &Window, rule: AoristicRule) -> [f64; WEEK_BINS] {
    let mut out = [0.0; WEEK_BINS];
    let d = w.minutes();
    let b0 = hour_of_week(w.from());
    let left = 60 - w.from().rem_euclid(3600) / 60;
    if d <= 1 {
        out[b0] += 1.0;
    } else if d < WEEK_MINUTES {
        walk(&mut out, b0, left, d, 1.0 / d as f64);
    } else {
        match rule {
            AoristicRule::Package => {
                for v in out.iter_mut() {
                    *v += 1.0 / 168.0;
                }
            }
            AoristicRule::Minute => {
                let mut counts = [60 * (d / WEEK_MINUTES); WEEK_BINS];
                walk_counts(&mut counts, b0, left, d % WEEK_MINUTES);
                let a = 1.0 / d as f64;
                for (o, c) in out.iter_mut().zip(counts) {
                    *o = c as f64 * a;
                }
            }
        }
    }
    out
}

/// The non-zero weights of [`week_weights`] as `(bin, weight)`, bins increasing.
pub fn week_weights_sparse(w: &Window, rule: AoristicRule) -> Vec<(u8, f64)> {
    if w.minutes() <= 1 {
        return vec![(hour_of_week(w.from()) as u8, 1.0)];
    }
    week_weights(w, rule)
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(b, v)| (b as u8, *v))
        .collect()
}

/// Neumaier's compensated sum (added in call order).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CompensatedSum {
    s: f64,
    c: f64,
}

impl CompensatedSum {
    #[inline]
    pub fn add(&mut self, v: f64) {
        let t = self.s + v;
        if self.s.abs() >= v.abs() {
            self.c += (self.s - t) + v;
        } else {
            self.c += (v - t) + self.s;
        }
        self.s = t;
    }
    #[inline]
    pub fn value(&self) -> f64 {
        self.s + self.c
    }
}

pub(crate) fn csum(it: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = CompensatedSum::default();
    for v in it {
        s.add(v);
    }
    s.value()
}

/// The hour-of-week profile of a set of incidents: aoristic weights summed per bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekProfile {
    /// Summed weight per bin (168, Sunday 00h first).
    pub weights: Vec<f64>,
    /// Number of incidents.
    pub n: usize,
}

impl WeekProfile {
    /// An empty profile.
    pub fn empty() -> WeekProfile {
        WeekProfile {
            weights: vec![0.0; WEEK_BINS],
            n: 0,
        }
    }

    /// Sum of all bins (= n up to rounding).
    pub fn total(&self) -> f64 {
        csum(self.weights.iter().copied())
    }

    /// Hour-of-day totals (24): the seven days of each hour, Sunday first.
    pub fn hour_of_day(&self) -> Vec<f64> {
        (0..24)
            .map(|h| csum((0..7).map(|d| self.weights[24 * d + h])))
            .collect()
    }

    /// Day-of-week totals (7, Sunday first).
    pub fn day_of_week(&self) -> Vec<f64> {
        (0..7)
            .map(|d| csum(self.weights[24 * d..24 * d + 24].iter().copied()))
            .collect()
    }

    /// Weights divided by their total (zeros when empty).
    pub fn shares(&self) -> Vec<f64> {
        let t = self.total();
        self.weights
            .iter()
            .map(|w| if t > 0.0 { w / t } else { 0.0 })
            .collect()
    }

    /// The bin with the largest weight (the first on ties); `None` when empty.
    pub fn peak(&self) -> Option<usize> {
        if self.n == 0 {
            return None;
        }
        let mut best = 0;
        for b in 1..WEEK_BINS {
            if self.weights[b] > self.weights[best] {
                best = b;
            }
        }
        Some(best)
    }
}

/// The [`WeekProfile`] of a set of windows (compensated sums in input order).
pub fn week_profile<'a>(
    windows: impl IntoIterator<Item = &'a Window>,
    rule: AoristicRule,
) -> WeekProfile {
    let mut acc = [CompensatedSum::default(); WEEK_BINS];
    let mut n = 0;
    for w in windows {
        n += 1;
        for (b, v) in week_weights_sparse(w, rule) {
            acc[b as usize].add(v);
        }
    }
    WeekProfile {
        weights: acc.iter().map(|a| a.value()).collect(),
        n,
    }
}

/// Day of year on a leap-year calendar, 0-based: 1 January = 0, 29 February = 59,
/// 1 March = 60 in every year, 31 December = 365 (so a date has the same index
/// in every year; 29 February only gets leap years).
pub fn day_of_year_index(month: u32, day: u32) -> usize {
    const CUM: [usize; 12] = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];
    CUM[(month as usize).clamp(1, 12) - 1] + day as usize - 1
}

/// Calls `f(day, share)` for each local date (days since 1970) the window's
/// aoristic span covers, with the share of the window's minutes on that date
/// (exact times and one-minute windows: 1 on the date of `from`).
pub fn for_each_day_share(w: &Window, mut f: impl FnMut(i64, f64)) {
    let d = w.minutes();
    if d <= 1 {
        f(w.from().div_euclid(DAY), 1.0);
        return;
    }
    let a = 1.0 / d as f64;
    let (mut t, end) = w.span();
    while t < end {
        let day = t.div_euclid(DAY);
        let stop = end.min((day + 1) * DAY);
        f(day, ((stop - t) / 60) as f64 * a);
        t = stop;
    }
}

/// Month-of-year and day-of-year profiles (minute-exact, every window length).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarProfile {
    /// Summed weight per month (12, January first).
    pub month: Vec<f64>,
    /// Summed weight per day of year (366, `day_of_year_index`).
    pub day_of_year: Vec<f64>,
    /// Number of incidents.
    pub n: usize,
    /// Number of distinct years touched, per day-of-year index (to turn sums into
    /// averages per year: 29 February counts leap years only).
    pub years: Vec<u32>,
}

/// The [`CalendarProfile`] of a set of windows.
pub fn calendar_profile<'a>(windows: impl IntoIterator<Item = &'a Window>) -> CalendarProfile {
    let mut month = [CompensatedSum::default(); 12];
    let mut doy = vec![CompensatedSum::default(); 366];
    let mut n = 0;
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for w in windows {
        n += 1;
        for_each_day_share(w, |day, s| {
            let (_, m, d) = civil_from_days(day);
            month[m as usize - 1].add(s);
            doy[day_of_year_index(m, d)].add(s);
            lo = lo.min(day);
            hi = hi.max(day);
        });
    }
    let mut years = vec![0u32; 366];
    if lo <= hi {
        // each calendar date in [lo, hi] counts once for its index
        let (y0, _, _) = civil_from_days(lo);
        let (y1, _, _) = civil_from_days(hi);
        for y in y0..=y1 {
            for (m, len) in [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                .iter()
                .enumerate()
            {
                for d in 1..=*len {
                    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                    if m == 1 && d == 29 && !leap {
                        continue;
                    }
                    let day = crate::time::days_from_civil(y, m as u32 + 1, d);
                    if day >= lo && day <= hi {
                        years[day_of_year_index(m as u32 + 1, d)] += 1;
                    }
                }
            }
        }
    }
    CalendarProfile {
        month: month.iter().map(|s| s.value()).collect(),
        day_of_year: doy.iter().map(|s| s.value()).collect(),
        n,
        years,
    }
}

// ---------------------------------------------------------------------------
// The package, exactly
// ---------------------------------------------------------------------------

/// How the package's Q1 quirk is reproduced by [`package_df`] (see
/// `../shared/golden/aoristic/README.md`): a time exactly at 00:00:00 can be printed
/// as a bare date, which fails to parse; the package then measures that row's
/// duration in **seconds** instead of minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MidnightQuirk {
    /// No quirk: every duration in minutes (the package's intent).
    None,
    /// R ≤ 4.2: a whole column is printed date-only when every non-missing value in
    /// it is at midnight; then every row with both times takes the seconds path.
    #[default]
    ColumnWide,
    /// R ≥ 4.3: each value is printed on its own, so every row whose `from` or `to`
    /// is exactly midnight takes the seconds path.
    PerValue,
}

/// One row of [`package_df`].
#[derive(Debug, Clone, PartialEq)]
pub struct PackageRow {
    /// The package's `duration` column: minutes (seconds on the quirk path), 1 when
    /// `to` is missing, −1 when only `from` is missing.
    pub duration: i64,
    /// `hour1..hour168` (bin order: see [the crate docs](crate#when)).
    pub weights: [f64; WEEK_BINS],
}

/// A port of `aoristic::aoristic.df` 1.1.1 on `(from, to)` local clock times,
/// with the package's rules for missing and reversed windows and, on request,
/// its Q1 quirk. For ordinary analyses use [`week_weights`].
pub fn package_df(rows: &[(Option<i64>, Option<i64>)], quirk: MidnightQuirk) -> Vec<PackageRow> {
    let midnight = |t: &Option<i64>| t.is_some_and(|t| t.rem_euclid(DAY) == 0);
    // whether every non-missing value of column `k` (0 = from, 1 = to) is midnight
    let column_fails = |k: usize| {
        let mut vals = rows
            .iter()
            .filter_map(|r| if k == 0 { r.0 } else { r.1 })
            .peekable();
        vals.peek().is_some() && vals.all(|t| t.rem_euclid(DAY) == 0)
    };
    let all_fail = quirk == MidnightQuirk::ColumnWide && (column_fails(0) || column_fails(1));
    rows.iter()
        .map(|(f, t)| {
            let seconds_path = match quirk {
                MidnightQuirk::None => false,
                MidnightQuirk::ColumnWide => all_fail,
                MidnightQuirk::PerValue => {
                    f.is_some() && t.is_some() && (midnight(f) || midnight(t))
                }
            };
            let duration = match (f, t) {
                (_, None) => 1,
                (None, Some(_)) => -1,
                (Some(f), Some(t)) => {
                    if seconds_path {
                        t - f
                    } else {
                        (t - f).div_euclid(60)
                    }
                }
            };
            let mut w = [0.0; WEEK_BINS];
            if let Some(f) = f {
                let b = hour_of_week(*f);
                let left = 60 - f.rem_euclid(3600) / 60;
                let d = duration;
                if d >= WEEK_MINUTES {
                    for v in w.iter_mut() {
                        *v += 1.0 / 168.0;
                    }
                }
                if t.is_none() {
                    w[b] += d as f64;
                }
                if (0..=1).contains(&d) && t.is_some() {
                    w[b] += 1.0;
                }
                if d < 0 {
                    w[b] += 1.0;
                }
                if d > 1 && d < WEEK_MINUTES {
                    walk(&mut w, b, left, d, 1.0 / d as f64);
                }
            }
            PackageRow {
                duration,
                weights: w,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_fields;

    fn t(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        from_fields(y, mo, d, h, mi, 0).unwrap()
    }

    fn win(a: i64, minutes: i64) -> Window {
        Window::new(a, a + 60 * minutes).unwrap()
    }

    #[test]
    fn week_weights_readme_examples() {
        // Wednesday 2024-03-06
        let b10 = 24 * 3 + 10;
        let w = week_weights(&win(t(2024, 3, 6, 10, 0), 60), AoristicRule::Minute);
        assert_eq!(w[b10], 1.0);
        let w = week_weights(&win(t(2024, 3, 6, 10, 30), 60), AoristicRule::Minute);
        assert_eq!((w[b10], w[b10 + 1]), (0.5, 0.5));
        let w = week_weights(&win(t(2024, 3, 6, 10, 55), 60), AoristicRule::Minute);
        assert_eq!(
            (w[b10], w[b10 + 1]),
            (5.0 * (1.0 / 60.0), 55.0 * (1.0 / 60.0))
        );
        // a one-minute window that ends in the next hour stays in the start hour
        let w = week_weights(&win(t(2024, 3, 6, 10, 59), 1), AoristicRule::Minute);
        assert_eq!(w[b10], 1.0);
        // Tue 17:14 + 10079 minutes comes back into its start bin: 46/D + 13/D
        let d = 10_079.0;
        let w = week_weights(&win(t(2024, 3, 5, 17, 14), 10_079), AoristicRule::Minute);
        assert_eq!(w[24 * 2 + 17], 46.0 * (1.0 / d) + 13.0 * (1.0 / d));
    }

    #[test]
    fn week_weights_sum_to_one_for_every_length() {
        let a = t(2024, 3, 9, 23, 47); // a Saturday night, across the week end
        for minutes in [
            0, 1, 2, 13, 59, 60, 61, 600, 1439, 1440, 10_079, 10_080, 10_081, 20_000, 60_000,
        ] {
            for rule in [AoristicRule::Minute, AoristicRule::Package] {
                let w = week_weights(&win(a, minutes), rule);
                let s = csum(w.iter().copied());
                assert!((s - 1.0).abs() < 1e-12, "{minutes} {rule:?}: {s}");
                assert!(w.iter().all(|v| *v >= 0.0));
            }
        }
    }

    #[test]
    fn week_weights_long_windows_minute_vs_package() {
        // exactly one week: every bin holds 60 minutes, so both rules give 1/168
        let w = week_weights(&win(t(2024, 3, 5, 17, 14), 10_080), AoristicRule::Minute);
        let p = week_weights(&win(t(2024, 3, 5, 17, 14), 10_080), AoristicRule::Package);
        for b in 0..WEEK_BINS {
            assert!((w[b] - 1.0 / 168.0).abs() < 1e-15);
            assert_eq!(p[b], 1.0 / 168.0);
        }
        // ten days from Monday 00:00: Mon, Tue, Wed covered twice
        let d = 14_400.0;
        let w = week_weights(&win(t(2024, 3, 4, 0, 0), 14_400), AoristicRule::Minute);
        assert_eq!(w[24], 120.0 * (1.0 / d));
        assert_eq!(w[24 * 4], 60.0 * (1.0 / d));
        assert_eq!(w[0], 60.0 * (1.0 / d));
    }

    #[test]
    fn week_weights_dst_wall_clock() {
        // 2024-03-10 01:30 -> 03:30 in New York: 120 clock minutes (60 elapsed)
        let a = t(2024, 3, 10, 1, 30);
        let w = Window::new(a, t(2024, 3, 10, 3, 30)).unwrap();
        assert_eq!(w.minutes(), 120);
        let wt = week_weights(&w, AoristicRule::Minute);
        assert_eq!((wt[1], wt[2], wt[3]), (0.25, 0.5, 0.25));
    }

    #[test]
    fn week_profile_totals_and_margins() {
        let ws = [
            win(t(2024, 3, 9, 22, 0), 240),
            Window::exact(t(2024, 3, 6, 10, 0)),
            win(t(2024, 3, 6, 10, 30), 60),
        ];
        let p = week_profile(&ws, AoristicRule::Minute);
        assert_eq!(p.n, 3);
        assert_eq!(p.total(), 3.0);
        assert_eq!(p.weights[24 * 3 + 10], 1.5);
        assert_eq!(p.peak(), Some(24 * 3 + 10));
        let hod = p.hour_of_day();
        assert_eq!(hod[10], 1.5);
        assert_eq!(hod[22], 0.25);
        let dow = p.day_of_week();
        assert_eq!((dow[0], dow[3], dow[6]), (0.5, 2.0, 0.5));
        assert_eq!(week_profile(&[], AoristicRule::Minute).peak(), None);
    }

    #[test]
    fn calendar_profile_splits_at_midnight_and_month_end() {
        // 31 Jan 18:00 -> 1 Feb 06:00: half in January, half in February
        let ws = [
            win(t(2023, 1, 31, 18, 0), 720),
            Window::exact(t(2024, 2, 29, 12, 0)),
        ];
        let c = calendar_profile(&ws);
        assert_eq!(c.month[0], 0.5);
        assert_eq!(c.month[1], 1.5);
        assert_eq!(c.day_of_year[30], 0.5);
        assert_eq!(c.day_of_year[31], 0.5);
        assert_eq!(c.day_of_year[59], 1.0);
        assert_eq!(day_of_year_index(3, 1), 60);
        assert_eq!(day_of_year_index(12, 31), 365);
        // 2023-01-31 .. 2024-02-29 covers 29 February once, 15 February twice
        assert_eq!(c.years[59], 1);
        assert_eq!(c.years[day_of_year_index(2, 15)], 2);
        assert_eq!(c.years[day_of_year_index(1, 1)], 1);
        let s: f64 = c.month.iter().sum();
        assert_eq!(s, 2.0);
    }

    #[test]
    fn package_df_missing_and_reversed() {
        let a = t(2024, 3, 6, 10, 20);
        let rows = [
            (Some(a), None),
            (None, Some(a)),
            (None, None),
            (Some(a), Some(a - 600)),
            (Some(a), Some(a + 600)),
        ];
        let r = package_df(&rows, MidnightQuirk::ColumnWide);
        let b = 24 * 3 + 10;
        assert_eq!((r[0].duration, r[0].weights[b]), (1, 1.0));
        assert_eq!(r[1].duration, -1);
        assert!(r[1].weights.iter().all(|v| *v == 0.0));
        assert_eq!(r[2].duration, 1);
        assert!(r[2].weights.iter().all(|v| *v == 0.0));
        assert_eq!((r[3].duration, r[3].weights[b]), (-10, 1.0));
        assert_eq!(r[4].weights[b], 1.0);
    }

    #[test]
    fn package_df_midnight_quirk() {
        let a = t(2024, 1, 1, 0, 0); // Monday 00:00
        let rows = [(Some(a), Some(a + 3600))];
        // column-wide: the only from is at midnight -> 3600 "minutes" -> 60 bins
        let r = package_df(&rows, MidnightQuirk::ColumnWide);
        assert_eq!(r[0].duration, 3600);
        assert_eq!(r[0].weights.iter().filter(|v| **v > 0.0).count(), 60);
        let r = package_df(&rows, MidnightQuirk::None);
        assert_eq!((r[0].duration, r[0].weights[24]), (60, 1.0));
        // a second row off midnight: R 4.2 prints the column with times, R 4.3 does not
        let rows = [(Some(a), Some(a + 3600)), (Some(a + 90), Some(a + 700))];
        assert_eq!(package_df(&rows, MidnightQuirk::ColumnWide)[0].duration, 60);
        assert_eq!(package_df(&rows, MidnightQuirk::PerValue)[0].duration, 3600);
        assert_eq!(package_df(&rows, MidnightQuirk::PerValue)[1].duration, 10);
    }
}
