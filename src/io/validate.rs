//! From staged rows to incidents: validation, CRS choice, projection, outliers,
//! plausibility of the location, and the load report.

use std::collections::BTreeMap;
use std::path::Path;

use super::select;
use super::{geojson, staged_time, truncate_time, LoadOptions, LoadReport, RejectReason, Staging};
use crate::crs::{choose_working, Crs, CrsChoice, Reprojector};
use crate::error::{Error, Result};
use crate::layer::Incidents;
use crate::time::TimePrecision;

fn looks_lonlat(xy: &[[f64; 2]]) -> bool {
    !xy.is_empty() && xy.iter().all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
}

fn share_outside_lonlat(xy: &[[f64; 2]]) -> f64 {
    if xy.is_empty() {
        return 0.0;
    }
    xy.iter()
        .filter(|p| p[0].abs() > 180.0 || p[1].abs() > 90.0)
        .count() as f64
        / xy.len() as f64
}

/// The `q` quantile of `v` with linear interpolation between order statistics
/// (the same value as interpolating in the sorted slice), in O(n) by selection.
/// `v` is reordered. `v` must not be empty.
pub(crate) fn quantile(v: &mut [f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut a, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    if pos == lo as f64 || above.is_empty() {
        return a;
    }
    let b = above.iter().copied().fold(f64::INFINITY, f64::min);
    a + (b - a) * (pos - lo as f64)
}

/// Validates staged rows, decides the CRS, reprojects, rejects outliers and builds
/// the incidents. Shared by every reader.
pub(crate) fn finish(
    mut st: Staging,
    path: &Path,
    format: &str,
    sha256: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    if let Some(e) = st.where_matched_nothing(path, opts) {
        return Err(e);
    }
    if let Some(p) = opts.time_precision {
        force_precision(&mut st, p);
    }
    if opts.from.is_some() || opts.to.is_some() {
        keep_time_window(&mut st, opts);
    }
    if let Some(c) = &st.date_order {
        let d = c.describe();
        if c.ambiguous {
            st.warnings.push(d);
        } else {
            st.notes.push(d);
        }
    }
    let (input_crs, source) = input_crs(&mut st, opts);
    check_crs_guess(&st, &input_crs, path)?;
    let mut keep = reject_invalid(&mut st, input_crs.is_geographic());
    let (pts, working, reason) = project(&mut st, &input_crs, opts, &mut keep)?;
    if let Some(f) = opts.outlier_factor {
        reject_outliers(&mut st, &pts, &mut keep, f);
    }
    st.rejections.sort_by_key(|r| r.row);
    let mut rejected = BTreeMap::new();
    for r in &st.rejections {
        *rejected.entry(r.reason).or_insert(0u64) += 1;
    }
    // ---- is the data where data can be?
    if keep.iter().any(|&k| k) {
        plausibility(&st, &keep, &pts, &input_crs, &working, path)?;
        let warnings = location_warnings(&st, &keep, &pts, &input_crs, &working);
        st.warnings.extend(warnings);
    }
    // ---- unreadable times of the rows kept
    if !st.time_unparsed.is_empty() {
        st.time_unparsed.sort_by_key(|r| r.row);
        // staged rows are in file order: keep the unreadable ones still kept
        let (row, kp) = (&st.row, &keep);
        let mut kept_rows = (0..kp.len()).filter(|&i| kp[i]).map(|i| row[i]).peekable();
        st.time_unparsed.retain(|r| {
            while kept_rows.next_if(|&k| k < r.row).is_some() {}
            kept_rows.peek() == Some(&r.row)
        });
    }
    let crs = CrsChoice {
        input: input_crs,
        input_source: source,
        working,
        reason,
    };
    let lonlat_extremes = if crs.input == crate::crs::WGS84 && crs.working.is_georeferenced() {
        super::report::LonLatExtremes::of(&st.xy, &keep, &pts)
    } else {
        None
    };
    // the source coordinates are not needed any more; the rows rejected late are
    // removed in place (no column is held twice: the peak memory of a load is here)
    st.xy = Vec::new();
    let mut pts = pts;
    if !keep.iter().all(|&k| k) {
        let mut k = keep.iter();
        pts.retain(|_| k.next().copied().unwrap_or(true));
        st.retain(&keep);
    }
    drop(keep);
    let inc = assemble(&mut st, pts, crs.clone());
    let notes = time_notes(&mut st, &inc);
    let report = LoadReport {
        path: path.to_path_buf(),
        format: format.to_string(),
        rows_read: st.rows_read,
        accepted: inc.len() as u64,
        filtered_out: st.filtered_out,
        filtered_without_time: st.filtered_without_time,
        missing_time: inc.time.iter().filter(|t| t.is_none()).count() as u64,
        unparseable_time: st.time_unparsed.len() as u64,
        time_unparsed: st.time_unparsed,
        date_order: st.date_order,
        rejected,
        rejections: st.rejections,
        columns: st.columns,
        crs,
        sha256,
        notes,
        time_filter: None,
        warnings: st.warnings,
        lonlat_extremes,
    };
    refuse_strict_or_empty(&inc, report, path, opts).map(|report| (inc, report))
}

/// A forced precision (`time_precision`): truncates starts and window ends.
fn force_precision(st: &mut Staging, p: TimePrecision) {
    let mut changed = 0usize;
    for i in 0..st.xy.len() {
        let Some(t) = staged_time(st.time[i]) else {
            continue;
        };
        let u = truncate_time(t, p);
        if let Some(l) = st.window_len.get_mut(i) {
            let end = truncate_time(t + *l as i64, p);
            *l = (end - u).max(0) as u32;
        }
        changed += usize::from(u != t || st.precision[i] != p);
        st.time[i] = u;
        st.precision[i] = p;
    }
    st.notes.push(format!(
        "every time read at {} precision (`time_precision`): {changed} time(s) truncated or relabelled",
        p.name()
    ));
}

/// The time window `[from, to)`: rows outside it are filtered, not rejected.
fn keep_time_window(st: &mut Staging, opts: &LoadOptions) {
    let mut keep = vec![true; st.xy.len()];
    for (k, &t) in keep.iter_mut().zip(&st.time) {
        match staged_time(t) {
            Some(t) => {
                if opts.from.is_some_and(|f| t < f) || opts.to.is_some_and(|e| t >= e) {
                    *k = false;
                }
            }
            None => {
                *k = false;
                st.filtered_without_time += 1;
            }
        }
    }
    st.filtered_out += keep.iter().filter(|k| !**k).count() as u64;
    st.retain(&keep);
}

/// The CRS of the input coordinates and where it comes from.
fn input_crs(st: &mut Staging, opts: &LoadOptions) -> (Crs, String) {
    if let Some(c) = &opts.crs {
        (c.clone(), "given (`crs`)".to_string())
    } else if let Some(c) = &st.file_crs {
        let src = if st.file_crs_default {
            "GeoJSON default (RFC 7946)"
        } else {
            "declared by the file"
        };
        (c.clone(), src.to_string())
    } else if st.lonlat_columns {
        (crate::crs::WGS84, "longitude/latitude columns".to_string())
    } else if looks_lonlat(&st.xy) {
        st.notes.push(format!(
            "x/y columns ({}, {}) all lie within lon/lat ranges: read as EPSG:4326; pass `crs` if they are projected",
            st.xy_names.0, st.xy_names.1
        ));
        (crate::crs::WGS84, "detected from value ranges".to_string())
    } else {
        st.notes.push(format!(
            "no CRS given and x/y ({}, {}) are not lon/lat: assumed a projected CRS in metres (local-m); pass `crs` EPSG:xxxx to georeference outputs",
            st.xy_names.0, st.xy_names.1
        ));
        (
            Crs::Local { unit_to_metre: 1.0 },
            "assumed (projected, metres)".to_string(),
        )
    }
}

/// Errors for a wrong CRS guess: lon/lat columns holding projected values, or a
/// projected CRS given for lon/lat values.
fn check_crs_guess(st: &Staging, input_crs: &Crs, path: &Path) -> Result<()> {
    if st.xy.is_empty() {
        return Ok(());
    }
    if input_crs.is_geographic() {
        let share = share_outside_lonlat(&st.xy);
        if share > 0.5 {
            let ex = st
                .xy
                .iter()
                .zip(&st.row)
                .find(|(p, _)| p[0].abs() > 180.0 || p[1].abs() > 90.0)
                .map(|(p, r)| {
                    format!(
                        "row {r}: {}={}, {}={}",
                        st.xy_names.0, p[0], st.xy_names.1, p[1]
                    )
                })
                .unwrap_or_default();
            let swapped = st
                .xy
                .iter()
                .all(|p| p[0].abs() <= 90.0 && p[1].abs() <= 180.0);
            let hint = if swapped {
                "the two columns look swapped (latitude in the x column): use `x`/`y` to name them"
            } else {
                "the values look projected: pass `crs` with the file's CRS (EPSG:xxxx, or local-m / local-ft for a local frame)"
            };
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "{:.0}% of coordinates are outside lon/lat ranges for {} ({ex}); {hint}",
                    share * 100.0,
                    input_crs
                ),
            });
        }
    } else if !matches!(input_crs, Crs::Local { .. }) && looks_lonlat(&st.xy) {
        let b = crate::layer::bbox_of(st.xy.iter().copied()).unwrap_or([0.0; 4]);
        if b[2] - b[0] < 5.0 && b[3] - b[1] < 5.0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "`crs` {input_crs} is projected but every coordinate looks like lon/lat (x {:.4}..{:.4}, y {:.4}..{:.4}); did you mean `crs` EPSG:4326?",
                    b[0], b[2], b[1], b[3]
                ),
            });
        }
    }
    Ok(())
}

/// Rejects rows with non-finite coordinates, at (0, 0) or outside lon/lat ranges;
/// whether each row is kept.
fn reject_invalid(st: &mut Staging, geographic: bool) -> Vec<bool> {
    let mut keep = vec![true; st.xy.len()];
    let mut invalid = Vec::new();
    for (i, &p) in st.xy.iter().enumerate() {
        let reason = if !p[0].is_finite() || !p[1].is_finite() {
            Some(RejectReason::NonFiniteCoordinates)
        } else if p[0] == 0.0 && p[1] == 0.0
            || (geographic && p[0].abs() < 1e-9 && p[1].abs() < 1e-9)
        {
            Some(RejectReason::NullIsland)
        } else if geographic && (p[0].abs() > 180.0 || p[1].abs() > 90.0) {
            Some(RejectReason::OutOfRangeLonLat)
        } else {
            None
        };
        if let Some(r) = reason {
            invalid.push((i, r));
        }
    }
    for (i, r) in invalid {
        keep[i] = false;
        let p = st.xy[i];
        let (r_row, name) = (st.row[i], format!("{},{}", st.xy_names.0, st.xy_names.1));
        st.reject(r_row, r, &name, &format!("{}, {}", p[0], p[1]), Vec::new());
    }
    keep
}

/// The quantiles `qs` of axis `a` of the points whose `keep` entry is true (at least
/// one), without copying them (see [`select`]).
fn axis_quantiles(pts: &[[f64; 2]], keep: &[bool], a: usize, qs: &[f64]) -> Vec<f64> {
    let m = keep.iter().filter(|&&k| k).count();
    select::quantiles_of(pts.len(), m, &|i: usize| keep[i].then(|| pts[i][a]), qs)
}

/// The median of axis `a` of the kept points (see [`axis_quantiles`]).
fn axis_median(pts: &[[f64; 2]], keep: &[bool], a: usize) -> f64 {
    axis_quantiles(pts, keep, a, &[0.5])[0]
}

/// Chooses the working CRS from the median centre of the kept points and projects
/// them (rows whose transformation fails are rejected): the projected points (one
/// per staged row), the working CRS and why it was chosen.
fn project(
    st: &mut Staging,
    input_crs: &Crs,
    opts: &LoadOptions,
    keep: &mut [bool],
) -> Result<(Vec<[f64; 2]>, Crs, String)> {
    let n = st.xy.len();
    let all_kept = keep.iter().all(|&k| k);
    let centre = if !keep.iter().any(|&k| k) {
        (0.0, 0.0)
    } else {
        (axis_median(&st.xy, keep, 0), axis_median(&st.xy, keep, 1))
    };
    let (working, reason) = match &opts.target_crs {
        Some(t) => (t.clone(), "given (`target_crs`)".to_string()),
        None => choose_working(input_crs, centre)?,
    };
    let proj = Reprojector::new(input_crs, &working)?;
    // transform the kept rows only (in place when every row is kept)
    let mut pts: Vec<[f64; 2]> = st.xy.clone();
    let failed: Vec<usize> = if all_kept {
        proj.apply_all(&mut pts)
    } else {
        let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
        let mut sub: Vec<[f64; 2]> = idx.iter().map(|&i| pts[i]).collect();
        let bad = proj.apply_all(&mut sub);
        for (k, &i) in idx.iter().enumerate() {
            pts[i] = sub[k];
        }
        bad.into_iter().map(|k| idx[k]).collect()
    };
    for i in failed {
        keep[i] = false;
        let raw = Vec::new();
        let (row, v) = (st.row[i], format!("{}, {}", st.xy[i][0], st.xy[i][1]));
        let name = format!("{},{}", st.xy_names.0, st.xy_names.1);
        st.reject(row, RejectReason::TransformFailed, &name, &v, raw);
    }
    Ok((pts, working, reason))
}

/// Rejects points farther than `factor × robust span` outside the robust box (1st–99th
/// percentile per axis, projected), when at least 50 points are kept.
fn reject_outliers(st: &mut Staging, pts: &[[f64; 2]], keep: &mut [bool], factor: f64) {
    let n = pts.len();
    let kept = keep.iter().filter(|&&k| k).count();
    if kept < 50 {
        return;
    }
    let band = |a: usize| {
        let b = axis_quantiles(pts, keep, a, &[0.01, 0.99]);
        (b[0], b[1])
    };
    let ((x1, x99), (y1, y99)) = (band(0), band(1));
    let span = (x99 - x1).max(y99 - y1).max(1000.0) * factor;
    for i in 0..n {
        if !keep[i] {
            continue;
        }
        let p = pts[i];
        if p[0] < x1 - span || p[0] > x99 + span || p[1] < y1 - span || p[1] > y99 + span {
            keep[i] = false;
            let raw = Vec::new();
            let (row, v) = (st.row[i], format!("{}, {}", st.xy[i][0], st.xy[i][1]));
            let name = format!("{},{}", st.xy_names.0, st.xy_names.1);
            st.reject(row, RejectReason::FarOutsideExtent, &name, &v, raw);
        }
    }
}

/// The incidents of the staged rows (every one kept), moving the staged columns.
fn assemble(st: &mut Staging, pts: Vec<[f64; 2]>, crs: CrsChoice) -> Incidents {
    use std::mem::take;
    Incidents {
        xy: pts,
        time: take(&mut st.time).into_iter().map(staged_time).collect(),
        precision: take(&mut st.precision),
        window_len: take(&mut st.window_len),
        category: take(&mut st.category),
        categories: take(&mut st.categories),
        row: take(&mut st.row),
        attrs: take(&mut st.attrs),
        attr_names: take(&mut st.attr_names),
        crs,
    }
}

/// Warns about many unreadable times and notes times that look like date-only
/// placeholders (00:00); the notes of the load.
fn time_notes(st: &mut Staging, inc: &Incidents) -> Vec<String> {
    let unreadable = st.time_unparsed.len();
    if unreadable > 0 && unreadable * 10 >= inc.len() {
        let first = &st.time_unparsed[0];
        st.warnings.push(format!(
            "{unreadable} of {} times could not be read (e.g. row {} {:?}): those incidents are kept without time; give the time format (`time_format`) or the time column (`time`)",
            inc.len(),
            first.row,
            first.value
        ));
    }
    let mut notes = std::mem::take(&mut st.notes);
    let missing_time = inc.time.iter().filter(|t| t.is_none()).count() as u64;
    let with_time = inc.len() as u64 - missing_time;
    if with_time > 0 {
        let midnight = inc
            .time
            .iter()
            .zip(&inc.precision)
            .filter(|(t, p)| {
                t.is_some_and(|t| t.rem_euclid(crate::time::DAY) == 0) && **p < TimePrecision::Day
            })
            .count() as u64;
        if midnight * 10 > with_time && midnight > 10 {
            notes.push(format!(
                "{midnight} of {with_time} times are exactly 00:00: they may be date-only placeholders; treat the data as day precision"
            ));
        }
    }
    notes
}

/// The report, or the error of a strict load with rejections or of a load that kept
/// nothing.
fn refuse_strict_or_empty(
    inc: &Incidents,
    report: LoadReport,
    path: &Path,
    opts: &LoadOptions,
) -> Result<LoadReport> {
    let first = [report.rejections.first(), report.time_unparsed.first()]
        .into_iter()
        .flatten()
        .min_by_key(|r| r.row)
        .map(|r| (r.row, r.reason.name().to_string(), r.value.clone()));
    if let (true, Some((first_row, first_reason, first_value))) = (opts.strict, first) {
        return Err(Error::Strict {
            path: path.to_path_buf(),
            count: report.rejections.len() + report.time_unparsed.len(),
            first_row,
            first_reason,
            first_value,
            report: Some(Box::new(report)),
        });
    }
    if inc.is_empty() && !report.rejections.is_empty() {
        let reasons: Vec<String> = report
            .rejected
            .iter()
            .map(|(r, c)| format!("{c} {}", r.name()))
            .collect();
        let first = &report.rejections[0];
        let message = format!(
            "no usable rows: all {} rejected ({}); first: row {}, column '{}', value {:?}. Check the coordinate columns (`x`/`y` or `location`), `crs` and `time_format`",
            report.rejections.len(),
            reasons.join(", "),
            first.row,
            first.column,
            first.value
        );
        return Err(Error::NoUsableRows {
            path: path.to_path_buf(),
            message,
            report: Box::new(report),
        });
    }
    Ok(report)
}

/// Latitude beyond which a data set's centre is implausible for crime data.
pub const PLAUSIBLE_LAT: f64 = 75.0;

/// Tolerance (m) between a row's x/y (in the CRS given) and its lon/lat columns.
const LONLAT_AGREEMENT_M: f64 = 1000.0;

/// Approximate ground distance (m) between two lon/lat points (equirectangular;
/// exact enough to tell metres from kilometres).
fn ground_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let r = 6_371_008.8;
    let lat = (0.5 * (a[1] + b[1])).to_radians();
    let dx = (b[0] - a[0]).to_radians() * lat.cos();
    let dy = (b[1] - a[1]).to_radians();
    r * (dx * dx + dy * dy).sqrt()
}

/// The median centre of the kept points in lon/lat, when the CRS is georeferenced.
fn lonlat_centre(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
) -> Option<[f64; 2]> {
    if input.is_geographic() {
        return Some([axis_median(&st.xy, keep, 0), axis_median(&st.xy, keep, 1)]);
    }
    if !working.is_georeferenced() {
        return None;
    }
    let (x, y) = (axis_median(pts, keep, 0), axis_median(pts, keep, 1));
    let r = Reprojector::new(working, &crate::crs::WGS84).ok()?;
    r.apply(x, y).ok().map(|(lon, lat)| [lon, lat])
}

/// Errors for data that are certainly misread: x/y columns read in the CRS given lie
/// far from the same rows' lon/lat columns.
fn plausibility(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
    path: &Path,
) -> Result<()> {
    if st.lonlat_check.is_empty() || input.is_geographic() || !working.is_georeferenced() {
        return Ok(());
    }
    let Ok(back) = Reprojector::new(working, &crate::crs::WGS84) else {
        return Ok(());
    };
    let mut d = Vec::new();
    let mut example = None;
    for (row, ll) in &st.lonlat_check {
        // staged rows are in file order (row numbers increase)
        let Ok(i) = st.row.binary_search(row) else {
            continue;
        };
        if !keep[i] {
            continue;
        }
        if let Ok((lon, lat)) = back.apply(pts[i][0], pts[i][1]) {
            d.push(ground_distance([lon, lat], *ll));
            if example.is_none() {
                example = Some((*row, [lon, lat], *ll));
            }
        }
    }
    if d.len() < 3 && d.len() < st.lonlat_check.len() {
        return Ok(());
    }
    let Some((row, xy_ll, ll)) = example else {
        return Ok(());
    };
    let med = quantile(&mut d, 0.5);
    if med > LONLAT_AGREEMENT_M {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "the x/y columns ({}, {}) read as {input} put row {row} at lon/lat ({:.5}, {:.5}), but its lon/lat columns say ({:.5}, {:.5}); the median distance over {} rows is {:.0} km. The x/y columns are not in {input}: give their CRS, or read the lon/lat columns (EPSG:4326)",
                st.xy_names.0,
                st.xy_names.1,
                xy_ll[0],
                xy_ll[1],
                ll[0],
                ll[1],
                d.len(),
                med / 1000.0
            ),
        });
    }
    Ok(())
}

/// Loud warnings for data whose centre lies where crime data cannot be.
fn location_warnings(
    st: &Staging,
    keep: &[bool],
    pts: &[[f64; 2]],
    input: &Crs,
    working: &Crs,
) -> Vec<String> {
    let mut w = Vec::new();
    // a median latitude lies between the smallest and the largest latitude: when no
    // kept point comes near the plausible band (a degree of margin for rounding),
    // neither does the centre
    if input.is_geographic()
        && !st
            .xy
            .iter()
            .zip(keep)
            .any(|(p, &k)| k && p[1].abs() > PLAUSIBLE_LAT - 1.0)
    {
        return w;
    }
    let Some(c) = lonlat_centre(st, keep, pts, input, working) else {
        return w;
    };
    if c[1].abs() > PLAUSIBLE_LAT {
        let mut msg = format!(
            "the data's centre is at lon/lat ({:.4}, {:.4}), beyond {PLAUSIBLE_LAT}° of latitude, where there is almost no crime data",
            c[0], c[1]
        );
        if input.is_geographic() && c[0].abs() <= PLAUSIBLE_LAT {
            msg.push_str(&format!(
                "; swapped, ({:.4}, {:.4}) would be plausible: the columns {} and {} look swapped (latitude first): name the x (longitude) and y (latitude) columns explicitly",
                c[1], c[0], st.xy_names.0, st.xy_names.1
            ));
        } else if !input.is_geographic() {
            msg.push_str(&format!(
                "; the coordinates were read as {input}: check that this is their CRS"
            ));
        }
        w.push(msg);
    }
    w
}

/// Warnings for a layer whose centre lies where it cannot be, or far from the
/// working CRS's area (a layer of another city), from its geometries in the input
/// CRS.
pub(crate) fn layer_warnings(
    geoms: &[geo::Geometry<f64>],
    input: &Crs,
    working: &Crs,
    name: &str,
) -> Vec<String> {
    let mut w = Vec::new();
    let (x, y) = geojson::layer_centre(geoms);
    if geoms.is_empty() {
        return w;
    }
    let c = if input.is_geographic() {
        Some([x, y])
    } else if input.is_georeferenced() {
        Reprojector::new(input, &crate::crs::WGS84)
            .ok()
            .and_then(|r| r.apply(x, y).ok())
            .map(|(a, b)| [a, b])
    } else {
        None
    };
    let Some(c) = c else { return w };
    if c[1].abs() > PLAUSIBLE_LAT {
        w.push(format!(
            "layer '{name}': its centre is at lon/lat ({:.4}, {:.4}), beyond {PLAUSIBLE_LAT}° of latitude: check its CRS",
            c[0], c[1]
        ));
    }
    if let Some(zone_lon) = working.utm_central_meridian() {
        let mut dl = (c[0] - zone_lon).abs() % 360.0;
        if dl > 180.0 {
            dl = 360.0 - dl;
        }
        if dl > 9.0 {
            w.push(format!(
                "layer '{name}': its centre lon/lat ({:.4}, {:.4}) is {dl:.0}° of longitude from the working CRS {working} (central meridian {zone_lon}°): is it the same place as the other data?",
                c[0], c[1]
            ));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::io::csv::read_incidents_from_bytes;
    use crate::io::{LoadOptions, RejectReason};

    /// A lon/lat file of `n` rows around Paris with times, categories and a note;
    /// `bad` maps a 0-based data row to the coordinates written instead.
    fn file(n: usize, bad: &[(usize, &str)]) -> String {
        let mut s = String::from("lon,lat,date,category,note\n");
        for i in 0..n {
            let xy = bad.iter().find(|b| b.0 == i).map_or_else(
                || {
                    format!(
                        "{:.5},{:.5}",
                        2.30 + (i % 23) as f64 * 1e-3,
                        48.85 + (i % 19) as f64 * 1e-3
                    )
                },
                |b| b.1.to_string(),
            );
            let date = if i % 7 == 3 {
                String::new()
            } else {
                format!("2024-05-{:02} {:02}:10", 1 + i % 28, i % 24)
            };
            s.push_str(&format!("{xy},{date},c{},n{i}\n", i % 4));
        }
        s
    }

    #[test]
    fn finish_late_rejections_equal_the_rows_left_out() {
        // rows rejected after staging (null island, far outside the extent) are
        // removed in place: the load equals that of the file without them
        let bad = [
            (5, "0,0"),
            (77, "3.5,49.9"),
            (150, "0.0,0.0"),
            (199, "1.0,48.0"),
        ];
        let all = file(200, &bad);
        let opts = LoadOptions::new();
        let (inc, rep) =
            read_incidents_from_bytes(all.as_bytes(), Path::new("t.csv"), String::new(), &opts)
                .unwrap();
        assert_eq!(rep.rejected.get(&RejectReason::NullIsland), Some(&2));
        assert_eq!(rep.rejected.get(&RejectReason::FarOutsideExtent), Some(&2));
        let rows: Vec<u64> = rep.rejections.iter().map(|r| r.row).collect();
        assert_eq!(rows, [6, 78, 151, 200]);
        let kept: String = all
            .lines()
            .enumerate()
            .filter(|(i, _)| *i == 0 || !bad.iter().any(|b| b.0 + 1 == *i))
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let (want, _) =
            read_incidents_from_bytes(kept.as_bytes(), Path::new("t.csv"), String::new(), &opts)
                .unwrap();
        assert_eq!(inc.len(), 196);
        assert_eq!(inc.xy, want.xy);
        assert_eq!(inc.time, want.time);
        assert_eq!(inc.precision, want.precision);
        assert_eq!(inc.window_len, want.window_len);
        assert_eq!(inc.category, want.category);
        assert_eq!(inc.categories, want.categories);
        assert_eq!(inc.attr("note"), want.attr("note"));
        // source rows: those of the full file
        let expect_rows: Vec<u64> = (1..=200u64).filter(|r| !rows.contains(r)).collect();
        assert_eq!(inc.row, expect_rows);
        assert!(inc.time.iter().any(|t| t.is_none()));
    }
}
