//! Figures of temporal profiles (PNG, drawn with [`crate::render`]).
//!
//! * [`week_heat_table`]: 7 rows (Monday first, as analysts read a week and as
//!   `aoristic.summary` prints it) × 24 hours, each cell the aoristic weight of that
//!   hour, coloured by its ratio to the mean hour (red above, blue below, log
//!   scale), the peak hour outlined.
//! * [`day_of_year_line`]: the aoristic weight per calendar day (averaged over the
//!   years the data covers) and its centred 7-day mean, with month starts marked.

use super::aoristic::{CalendarProfile, WeekProfile};
use super::{DAY_NAMES, WEEK_BINS};
use crate::error::{Error, Result};
use crate::render::{heat_table, line_plot, HeatTable, PlotOptions, Series};

/// Rows of the heat table: Monday … Sunday (day numbers of [the crate docs](crate#when)).
pub const ROW_ORDER: [usize; 7] = [1, 2, 3, 4, 5, 6, 0];

/// The 7 × 24 heat table of an hour-of-week profile.
pub fn week_heat_table(profile: &WeekProfile, title: &[String]) -> Result<Vec<u8>> {
    if profile.weights.len() != WEEK_BINS {
        return Err(Error::length_mismatch(
            "week profile bins",
            profile.weights.len(),
            "hours of the week",
            WEEK_BINS,
        ));
    }
    let values: Vec<Vec<f64>> = ROW_ORDER
        .iter()
        .map(|&d| profile.weights[24 * d..24 * d + 24].to_vec())
        .collect();
    let peak = profile.peak();
    let mark: Vec<Vec<bool>> = ROW_ORDER
        .iter()
        .map(|&d| (0..24).map(|h| peak == Some(24 * d + h)).collect())
        .collect();
    let rows: Vec<String> = ROW_ORDER
        .iter()
        .map(|&d| DAY_NAMES[d].to_string())
        .collect();
    let cols: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let mean = profile.total() / WEEK_BINS as f64;
    let (centre, log) = if mean > 0.0 {
        (mean, true)
    } else {
        (0.0, false)
    };
    heat_table(&HeatTable {
        values,
        marked: mark,
        rows,
        cols,
        centre,
        log_ratio: log,
        title: title.to_vec(),
        corner: "day / hour (colour: ratio to the mean hour; box: peak)".into(),
    })
}

/// The day-of-year line of a calendar profile.
pub fn day_of_year_line(cal: &CalendarProfile, title: &[String]) -> Result<Vec<u8>> {
    if cal.day_of_year.len() != 366 || cal.years.len() != 366 {
        let got = if cal.day_of_year.len() != 366 {
            cal.day_of_year.len()
        } else {
            cal.years.len()
        };
        return Err(Error::length_mismatch(
            "day-of-year bins",
            got,
            "days of a leap year",
            366,
        ));
    }
    let per_day: Vec<f64> = cal
        .day_of_year
        .iter()
        .zip(&cal.years)
        .map(|(v, y)| if *y > 0 { v / *y as f64 } else { f64::NAN })
        .collect();
    let daily: Vec<(f64, f64)> = per_day
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0, *v))
        .collect();
    let smooth: Vec<(f64, f64)> = (0..366)
        .map(|i| {
            let vals: Vec<f64> = (i as i64 - 3..=i as i64 + 3)
                .map(|j| per_day[j.rem_euclid(366) as usize])
                .filter(|v| v.is_finite())
                .collect();
            let m = if vals.is_empty() {
                f64::NAN
            } else {
                vals.iter().sum::<f64>() / vals.len() as f64
            };
            (i as f64 + 1.0, m)
        })
        .collect();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let starts = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];
    let opts = PlotOptions {
        title: title.to_vec(),
        x_label: "day of year (29 Feb = day 60 in every year)".into(),
        y_label: "incidents per day (aoristic, mean over years)".into(),
        vlines: starts
            .iter()
            .zip(MONTHS)
            .skip(1)
            .map(|(s, m)| (*s as f64 + 1.0, m.to_string()))
            .collect(),
        x_range: Some((1.0, 366.0)),
        y_range: None,
    };
    line_plot(
        &[
            Series {
                label: "per day".into(),
                points: daily,
                markers: false,
            },
            Series {
                label: "7-day mean".into(),
                points: smooth,
                markers: false,
            },
        ],
        &opts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_fields;
    use crate::when::aoristic::{calendar_profile, week_profile};
    use crate::when::{AoristicRule, Window};

    #[test]
    fn week_heat_table_renders() {
        let a = from_fields(2024, 3, 8, 22, 0, 0).unwrap();
        let ws = [Window::new(a, a + 4 * 3600).unwrap(), Window::exact(a)];
        let p = week_profile(&ws, AoristicRule::Minute);
        let png = week_heat_table(&p, &["Friday nights".into()]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let empty = week_profile(&[], AoristicRule::Minute);
        assert!(week_heat_table(&empty, &[]).is_ok());
        let bad = WeekProfile {
            weights: vec![0.0; 3],
            n: 0,
        };
        assert!(week_heat_table(&bad, &[]).is_err());
    }

    #[test]
    fn day_of_year_line_renders() {
        let a = from_fields(2023, 12, 30, 12, 0, 0).unwrap();
        let ws = [Window::new(a, a + 3 * 86_400).unwrap()];
        let c = calendar_profile(&ws);
        let png = day_of_year_line(&c, &["t".into()]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(day_of_year_line(&calendar_profile(&[]), &[]).is_ok());
    }
}
