//! Golden parity with the R package `aoristic` 1.1.1 (R 4.2.2).
//!
//! The full 400 × 168 comparison uses `../shared/golden/aoristic` (skipped with a
//! message when absent); the committed slice in `fixtures/golden/aoristic` (see its
//! README) always runs. Weights are compared **bit for bit**: the golden files
//! write `%.17g`, which parses back to the same f64.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::aoristic::{csum, package_df, week_weights, MidnightQuirk, PackageRow};
use super::{AoristicRule, Window, WEEK_BINS, WEEK_MINUTES};
use crate::time::{days_from_civil, DAY};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/golden/aoristic")
        .join(name)
}

fn shared(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/golden/aoristic")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

/// `YYYY-MM-DD HH:MM` (empty = missing) to local clock seconds.
fn parse_time(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect("number");
    let day = days_from_civil(n(0, 4), n(5, 7) as u32, n(8, 10) as u32);
    Some(day * DAY + n(11, 13) * 3600 + n(14, 16) * 60)
}

type Rows = Vec<(u32, Option<i64>, Option<i64>)>;

fn read_input(path: &Path) -> Rows {
    let mut rd = csv::Reader::from_path(path).expect("open input");
    rd.records()
        .map(|r| {
            let r = r.expect("record");
            (
                r[0].parse().expect("id"),
                parse_time(&r[3]),
                parse_time(&r[4]),
            )
        })
        .collect()
}

fn pairs(rows: &Rows) -> Vec<(Option<i64>, Option<i64>)> {
    rows.iter().map(|r| (r.1, r.2)).collect()
}

/// Dense `weights_168.csv`-style file: id → (duration if present, 168 weights).
fn read_dense(path: &Path, extra: usize) -> BTreeMap<u32, (Option<i64>, Vec<f64>)> {
    let mut rd = csv::Reader::from_path(path).expect("open weights");
    let mut out = BTreeMap::new();
    for r in rd.records() {
        let r = r.expect("record");
        let dur = (extra == 1).then(|| r[1].parse::<f64>().expect("duration") as i64);
        let w: Vec<f64> = (0..WEEK_BINS)
            .map(|k| r[1 + extra + k].parse().expect("weight"))
            .collect();
        out.insert(r[0].parse().expect("id"), (dur, w));
    }
    out
}

/// Sparse slice written by `scripts/golden/aoristic_slice.py`.
fn read_sparse(path: &Path, extra: usize) -> BTreeMap<u32, (Option<i64>, Vec<f64>)> {
    let mut rd = csv::Reader::from_path(path).expect("open slice");
    let mut out: BTreeMap<u32, (Option<i64>, Vec<f64>)> = BTreeMap::new();
    for r in rd.records() {
        let r = r.expect("record");
        let id: u32 = r[0].parse().expect("id");
        let dur = (extra == 1).then(|| r[1].parse::<f64>().expect("duration") as i64);
        let e = out.entry(id).or_insert((dur, vec![0.0; WEEK_BINS]));
        let v: f64 = r[2 + extra].parse().expect("value");
        match &r[1 + extra] {
            "all" => e.1.iter_mut().for_each(|x| *x = v),
            "0" => {}
            h => e.1[h.parse::<usize>().expect("hour") - 1] = v,
        }
    }
    out
}

fn assert_rows_equal(
    what: &str,
    ids: &[u32],
    ours: &[PackageRow],
    gold: &BTreeMap<u32, (Option<i64>, Vec<f64>)>,
) -> usize {
    let mut n = 0;
    for (id, row) in ids.iter().zip(ours) {
        let Some((dur, w)) = gold.get(id) else {
            continue;
        };
        n += 1;
        if let Some(d) = dur {
            assert_eq!(row.duration, *d, "{what}: id {id} duration");
        }
        for (b, (x, y)) in row.weights.iter().zip(w).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{what}: id {id} hour{}: {x} vs {y}",
                b + 1
            );
        }
    }
    n
}

#[test]
fn package_df_matches_golden_slice_bit_for_bit() {
    let rows = read_input(&fixture("input.csv"));
    assert_eq!(rows.len(), 400);
    let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let ours = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let gold = read_sparse(&fixture("weights_slice.csv"), 0);
    let n = assert_rows_equal("slice", &ids, &ours, &gold);
    assert!(n >= 80, "{n} rows compared");
}

#[test]
fn package_df_matches_golden_full_bit_for_bit() {
    let Some(input) = shared("input.csv") else {
        return;
    };
    let rows = read_input(&input);
    let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let ours = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let gold = read_dense(&shared("weights_168.csv").expect("weights"), 0);
    assert_eq!(assert_rows_equal("full", &ids, &ours, &gold), 400);
    // durations of per_row.csv
    let mut rd = csv::Reader::from_path(shared("per_row.csv").expect("per_row")).expect("open");
    for (r, row) in rd.records().zip(&ours) {
        let r = r.expect("record");
        assert_eq!(
            row.duration,
            r[4].parse::<f64>().expect("d") as i64,
            "id {}",
            &r[0]
        );
    }
}

#[test]
fn package_totals_match_golden() {
    let rows = read_input(&fixture("input.csv"));
    let ours = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let week: Vec<f64> = (0..WEEK_BINS)
        .map(|b| csum(ours.iter().map(|r| r.weights[b])))
        .collect();
    let mut rd = csv::Reader::from_path(fixture("totals.csv")).expect("open totals");
    let (mut n, mut identical) = (0, 0);
    for r in rd.records() {
        let r = r.expect("record");
        let idx: usize = r[1].parse().expect("index");
        let gold: f64 = r[5].parse().expect("value");
        let ours = match &r[0] {
            "hour_of_week" => week[idx - 1],
            "hour_of_day" => csum((0..7).map(|d| week[24 * d + idx])),
            "day_of_week" => csum(week[24 * (idx - 1)..24 * idx].iter().copied()),
            "grand_total" => csum(week.iter().copied()),
            k => panic!("kind {k}"),
        };
        assert!(
            (ours - gold).abs() <= 1e-12,
            "{} {idx}: {ours} vs {gold}",
            &r[0]
        );
        n += 1;
        identical += usize::from(ours.to_bits() == gold.to_bits());
    }
    assert_eq!(n, 168 + 24 + 7 + 1);
    // compensated sums reproduce R's long-double sums
    eprintln!("totals: {identical} of {n} bit-identical to R");
    assert_eq!(identical, n, "{identical} of {n} bit-identical");
}

#[test]
fn package_quirk_q1_column_wide_and_per_value() {
    // R 4.2: every `from` at midnight -> every row measured in seconds
    let rows = read_input(&fixture("quirk_all_midnight_input.csv"));
    let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let ours = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let gold = read_sparse(&fixture("quirk_all_midnight.csv"), 1);
    assert_eq!(assert_rows_equal("quirk R4.2", &ids, &ours, &gold), 8);
    // R >= 4.3 (simulated): exactly the listed rows change
    let rows = read_input(&fixture("input.csv"));
    let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let base = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let r43 = package_df(&pairs(&rows), MidnightQuirk::PerValue);
    let gold = read_sparse(&fixture("r43sim_changed.csv"), 1);
    assert_eq!(assert_rows_equal("R4.3 sim", &ids, &r43, &gold), 24);
    let changed: Vec<u32> = ids
        .iter()
        .zip(base.iter().zip(&r43))
        .filter(|(_, (a, b))| a != b)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(changed, gold.keys().copied().collect::<Vec<_>>());
    // no quirk: same as the ordinary rules
    assert_eq!(package_df(&pairs(&rows), MidnightQuirk::None), base);
}

#[test]
fn week_weights_agree_with_package_below_a_week() {
    // The library's own rules (Window + week_weights) on the same fixture: every row
    // with a start and an end not before it; a missing end is an exact time.
    let rows = read_input(&fixture("input.csv"));
    let pkg = package_df(&pairs(&rows), MidnightQuirk::ColumnWide);
    let (mut same, mut long) = (0, 0);
    for ((id, f, t), p) in rows.iter().zip(&pkg) {
        let Some(f) = f else { continue };
        let t = t.unwrap_or(*f);
        let Ok(w) = Window::new(*f, t) else { continue };
        let package = week_weights(&w, AoristicRule::Package);
        assert_eq!(package, p.weights, "id {id}: Package rule");
        let minute = week_weights(&w, AoristicRule::Minute);
        assert!(
            (csum(minute.iter().copied()) - 1.0).abs() < 1e-12,
            "id {id}"
        );
        if w.minutes() < WEEK_MINUTES {
            assert_eq!(minute, p.weights, "id {id}: Minute rule below a week");
            same += 1;
        } else {
            long += 1;
        }
    }
    // 397 rows with a start; the 32 reversed ones (to_before_from, midnight_negative)
    // are rejected by Window::new
    assert_eq!(same + long, 365);
    assert!(long >= 20, "{long}");
}
