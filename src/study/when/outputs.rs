//! What a [`WhenStudy`] writes: its file list, the profile and group tables, the
//! heat table and day-of-year figures, and `when.json` ([`Export`]).

use serde_json::{json, Value};

use crate::error::Result;
use crate::export::{table, Cell, Column, Export, Figure, HeatTable, Outputs};
use crate::when::figure::{day_of_year_line, week_heat_table};
use crate::when::{bin_label, DAY_NAMES};

use super::{WhenGroupsResult, WhenParams, WhenProfile, WhenStudy};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Rows of `groups.png` at most (the largest groups).
pub const FIGURE_GROUPS: usize = 40;

impl WhenStudy {
    /// The files written.
    pub fn files(p: &WhenParams) -> Vec<String> {
        let mut v: Vec<String> = ["profile.csv", "heat.png", "day_of_year.png", "when.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if p.groups.is_some() {
            v.extend(["groups.csv".to_string(), "groups.png".to_string()]);
        }
        v
    }

    /// The result in a few lines.
    pub fn summary_text(&self) -> String {
        let c = &self.city;
        let mut s = format!(
            "{} incidents with a time; peak hour {} ({:.1} % of the weight){}\n",
            self.with_time,
            c.peak_label.as_deref().unwrap_or("-"),
            100.0 * c.peak_share.unwrap_or(0.0),
            match (c.night_share, c.weekend_night_share) {
                (Some(n), Some(w)) => format!(
                    "; {:.1} % at night, {:.1} % in weekend nights",
                    100.0 * n,
                    100.0 * w
                ),
                _ => "; night shares need the time zone".into(),
            }
        );
        if let Some(g) = &self.groups {
            let dom = g.night_dominant();
            s.push_str(&format!(
                "{} group(s) by {}: {} tested (>= {} incidents), {} night-dominant{}\n",
                g.groups.len(),
                g.by,
                g.tested(),
                self.params.min_incidents.max(1),
                dom.len(),
                if dom.is_empty() {
                    String::new()
                } else {
                    format!(": {}", dom.join(", "))
                }
            ));
        }
        s
    }

    fn profile_rows(&self) -> (Vec<String>, Vec<f64>) {
        let week = &self.week;
        match self.params.profile {
            WhenProfile::HourOfWeek => ((0..168).map(bin_label).collect(), week.weights.clone()),
            WhenProfile::Hour => (
                (0..24).map(|h| format!("{h:02}h")).collect(),
                week.hour_of_day(),
            ),
            WhenProfile::Day => (
                DAY_NAMES.iter().map(|d| d.to_string()).collect(),
                week.day_of_week(),
            ),
            WhenProfile::Month => (
                MONTHS.iter().map(|m| m.to_string()).collect(),
                self.calendar.month.clone(),
            ),
        }
    }

    fn title(&self) -> Vec<String> {
        vec![
            format!("When: {}", self.name),
            format!(
                "{} incidents with a time, aoristic (minute-exact) weights",
                self.with_time
            ),
        ]
    }

    fn groups_figure(&self, g: &WhenGroupsResult) -> Figure {
        // the largest groups, tested first, as rows; hours as columns; ratio to the
        // area's share of that hour
        let city_h = self.week.hour_of_day();
        let total: f64 = city_h.iter().sum();
        let city_share: Vec<f64> = city_h
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        let mut order: Vec<usize> = (0..g.groups.len()).collect();
        order.sort_by(|&a, &b| {
            let (ga, gb) = (&g.groups[a], &g.groups[b]);
            gb.test
                .is_some()
                .cmp(&ga.test.is_some())
                .then(gb.signature.n.cmp(&ga.signature.n))
                .then(a.cmp(&b))
        });
        order.truncate(FIGURE_GROUPS);
        let mut values = Vec::new();
        let mut marked = Vec::new();
        let mut rows = Vec::new();
        for &k in &order {
            let gr = &g.groups[k];
            values.push(
                gr.hour_shares
                    .iter()
                    .zip(&city_share)
                    .map(|(s, c)| if *c > 0.0 { s / c } else { f64::NAN })
                    .collect(),
            );
            let peak = gr.signature.peak_bin.map(|b| b % 24);
            marked.push((0..24).map(|h| Some(h) == peak).collect());
            let flag = match &gr.test {
                Some(t) if t.night_dominant => " (night)",
                Some(t) if t.p_profile.is_some_and(|p| p <= self.params.test.alpha) => " *",
                Some(_) => "",
                None => " (small)",
            };
            rows.push(format!("{} (n={}){flag}", gr.name, gr.signature.n));
        }
        Figure::HeatTable(HeatTable {
            values,
            marked,
            rows,
            cols: (0..24).map(|h| format!("{h:02}")).collect(),
            centre: 1.0,
            log_ratio: true,
            title: vec![
                format!("When, by {}: {}", g.by, self.name),
                format!(
                    "hour-of-day share / whole area's share; box: peak hour; * profile differs (p <= {}); (night): night-dominant",
                    self.params.test.alpha
                ),
            ],
            corner: "group / hour".into(),
        })
    }
}

fn fmt_opt(v: Option<f64>) -> Cell<'static> {
    Cell::some(v)
}

impl Export for WhenStudy {
    fn write(&self, out: &mut Outputs) -> Result<()> {
        out.provenance(self.provenance.clone());
        let (labels, weights) = self.profile_rows();
        let total: f64 = self.week.total();
        let t = table(
            vec![
                Column::int("bin"),
                Column::text("label"),
                Column::float("weight"),
                Column::float("share"),
            ],
            |sink| {
                for (k, (l, w)) in labels.iter().zip(&weights).enumerate() {
                    sink.row(&[
                        Cell::count(k),
                        Cell::Str(l),
                        Cell::Float(*w),
                        Cell::Float(if total > 0.0 { w / total } else { 0.0 }),
                    ])?;
                }
                Ok(())
            },
        );
        out.table("profile.csv", &t)?;
        let title = self.title();
        out.bytes("heat.png", &week_heat_table(&self.week, &title)?)?;
        out.bytes(
            "day_of_year.png",
            &day_of_year_line(&self.calendar, &title)?,
        )?;
        let mut group_json = Value::Null;
        if let Some(g) = &self.groups {
            let t = table(
                vec![
                    Column::text("group"),
                    Column::int("n"),
                    Column::float("night_share"),
                    Column::float("weekend_night_share"),
                    Column::text("peak_hour"),
                    Column::float("peak_share"),
                    Column::float("distance"),
                    Column::float("p_profile"),
                    Column::float("p_night"),
                    Column::float("q_night"),
                    Column::bool("night_dominant"),
                ],
                |sink| {
                    for gr in &g.groups {
                        let s = &gr.signature;
                        let tt = gr.test.as_ref();
                        sink.row(&[
                            Cell::Str(&gr.name),
                            Cell::count(s.n),
                            fmt_opt(s.night_share),
                            fmt_opt(s.weekend_night_share),
                            s.peak_label.as_deref().map_or(Cell::Null, Cell::Str),
                            fmt_opt(s.peak_share),
                            fmt_opt(tt.map(|t| t.distance)),
                            fmt_opt(tt.and_then(|t| t.p_profile)),
                            fmt_opt(tt.and_then(|t| t.p_night)),
                            fmt_opt(tt.and_then(|t| t.q_night)),
                            Cell::Bool(tt.is_some_and(|t| t.night_dominant)),
                        ])?;
                    }
                    Ok(())
                },
            );
            out.table("groups.csv", &t)?;
            if !g.groups.is_empty() {
                out.figure("groups.png", &self.groups_figure(g))?;
            }
            group_json = json!({
                "by": g.by, "groups": g.groups.len(), "tested": g.tested(),
                "untested_small": g.groups.len() - g.tested(), "ungrouped_incidents": g.ungrouped,
                "night_dominant": g.night_dominant(), "details": g.details,
                "test": self.params.test,
            });
        }
        let summary = json!({
            "incidents": self.incidents,
            "with_time": self.with_time,
            "aoristic_rule": "minute",
            "time_zone": self.params.time_zone.as_ref().map(|t| t.name().to_string()),
            "signature": self.city,
            "hour_of_week": self.week.weights,
            "month": self.calendar.month,
            "groups": group_json,
            "provenance": out.current_provenance(&["when.json"]),
        });
        out.json("when.json", &summary)
    }
}
