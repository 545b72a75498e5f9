//! Delimited-text incidents (CSV, TSV, semicolon or pipe separated).
//!
//! Columns are found by name, case-insensitively and ignoring spaces, `_`, `-`
//! and `.`, from the alias lists below, unless given explicitly. The reader
//! streams `csv::ByteRecord`s and allocates only for new category values and
//! kept text columns.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{finish, LoadOptions, LoadReport, RejectReason, Staging};
use crate::error::{Error, Result};
use crate::layer::{Incidents, StringColumn, NO_CATEGORY};
use crate::time::{self, TimePrecision};

/// Column-name aliases per role (normalised: lower case, no `_ -.` or spaces).
pub const ALIASES: &[(&str, &[&str])] = &[
    (
        "lon",
        &[
            "lon",
            "lng",
            "long",
            "longitude",
            "lonwgs84",
            "longitudewgs84",
        ],
    ),
    ("lat", &["lat", "latitude", "latwgs84", "latitudewgs84"]),
    (
        "x",
        &[
            "x",
            "xcoord",
            "xcoordinate",
            "easting",
            "pointx",
            "xcoor",
            "east",
        ],
    ),
    (
        "y",
        &[
            "y",
            "ycoord",
            "ycoordinate",
            "northing",
            "pointy",
            "ycoor",
            "north",
        ],
    ),
    (
        "location",
        &[
            "location",
            "geolocation",
            "point",
            "thegeom",
            "geom",
            "wkt",
            "geometry",
            "coordinates",
            "latlon",
            "latlong",
            "mappedlocation",
            "location1",
        ],
    ),
    (
        "time",
        &[
            "datetime",
            "timestamp",
            "date",
            "occurred",
            "occurreddate",
            "occurredon",
            "occurrencedate",
            "dateoccurred",
            "dateofoccurrence",
            "incidentdate",
            "incidentdatetime",
            "offensedate",
            "reporteddate",
            "daterptd",
            "dateocc",
            "crimedate",
            "firstoccurrencedate",
            "fromdate",
            "eventdate",
            "reportdate",
            "time",
        ],
    ),
    ("year", &["year", "yr"]),
    ("month", &["month", "mon"]),
    ("day", &["day", "dayofmonth"]),
    ("hour", &["hour", "hr"]),
    ("minute", &["minute", "min"]),
    (
        "category",
        &[
            "category",
            "type",
            "offense",
            "offence",
            "crimetype",
            "primarytype",
            "offensetype",
            "offencetype",
            "crime",
            "ucrdesc",
            "kind",
            "typeofcrime",
            "offensedescription",
            "crimecategory",
            "incidenttype",
            "description",
        ],
    ),
];

/// Normalises a header name for alias matching.
pub fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Finds the column for a role: an explicit name (must exist) or the first alias present.
pub fn find_column(
    header: &[String],
    role: &str,
    explicit: Option<&str>,
    path: &Path,
) -> Result<Option<usize>> {
    if let Some(name) = explicit {
        let want = normalise(name);
        return header
            .iter()
            .position(|h| h.trim() == name.trim() || normalise(h) == want)
            .map(Some)
            .ok_or_else(|| Error::MissingColumn {
                path: path.to_path_buf(),
                what: format!("{role} ({name:?})"),
                available: header.join(", "),
                hint: "check the spelling of the column name".into(),
            });
    }
    let aliases = ALIASES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, a)| *a)
        .unwrap_or(&[]);
    let norm: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    for a in aliases {
        if let Some(i) = norm.iter().position(|h| h == a) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Guesses the delimiter from the first line: the most frequent of `, ; \t |` outside quotes.
pub fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut in_q = false;
    for &b in first_line {
        if b == b'"' {
            in_q = !in_q;
        } else if !in_q {
            if let Some(k) = cands.iter().position(|&c| c == b) {
                counts[k] += 1;
            }
        }
    }
    let (k, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| **n)
        .unwrap_or((0, &0));
    if *n == 0 {
        b','
    } else {
        cands[k]
    }
}

/// Parses a number, accepting a decimal comma when the field has no dot.
fn parse_num(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) => Some(v),
        Err(_) if t.contains(',') && !t.contains('.') => t.replace(',', ".").parse().ok(),
        Err(_) => None,
    }
}

/// Parses a single location field: `(lat, lon)`, `lat, lon`, or WKT `POINT (lon lat)`.
/// Returns (lon, lat) = (x, y).
pub fn parse_location(s: &str) -> Option<(f64, f64)> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let upper = t.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix("POINT") {
        let inner = rest.trim().trim_start_matches('(').trim_end_matches(')');
        let mut it = inner.split_whitespace();
        let x = it.next()?.parse().ok()?;
        let y = it.next()?.parse().ok()?;
        return Some((x, y));
    }
    let inner = t
        .trim_start_matches(['(', '['])
        .trim_end_matches([')', ']']);
    let (a, b) = inner.split_once(',')?;
    let lat: f64 = a.trim().parse().ok()?;
    let lon: f64 = b.trim().parse().ok()?;
    Some((lon, lat))
}

struct Roles {
    x: Option<usize>,
    y: Option<usize>,
    location: Option<usize>,
    lonlat: bool,
    time: Option<usize>,
    clock: Option<usize>,
    split: Option<[Option<usize>; 5]>,
    category: Option<usize>,
    /// x/y columns to fall back to when lon/lat were chosen automatically but are empty.
    alt_xy: Option<(usize, usize)>,
}

fn resolve_roles(header: &[String], opts: &LoadOptions, path: &Path) -> Result<Roles> {
    let given_geo = opts.crs.as_ref().map(|c| c.is_geographic());
    let lon = find_column(header, "lon", None, path)?;
    let lat = find_column(header, "lat", None, path)?;
    let xcol = find_column(header, "x", opts.x.as_deref(), path)?;
    let ycol = find_column(header, "y", opts.y.as_deref(), path)?;
    let loc = find_column(header, "location", opts.location.as_deref(), path)?;
    let explicit_xy = opts.x.is_some() || opts.y.is_some();
    let mut alt_xy = None;
    let (x, y, location, lonlat) = if opts.location.is_some() {
        (None, None, loc, true)
    } else if explicit_xy {
        match (xcol, ycol) {
            (Some(x), Some(y)) => (Some(x), Some(y), None, false),
            _ => {
                return Err(Error::MissingColumn {
                    path: path.to_path_buf(),
                    what: "x and y (give both --x and --y)".into(),
                    available: header.join(", "),
                    hint: String::new(),
                })
            }
        }
    } else if let (Some(lo), Some(la), false) = (lon, lat, given_geo == Some(false)) {
        if let (Some(x), Some(y)) = (xcol, ycol) {
            if x != lo && y != la {
                alt_xy = Some((x, y));
            }
        }
        (Some(lo), Some(la), None, true)
    } else if let (Some(x), Some(y)) = (xcol, ycol) {
        (Some(x), Some(y), None, false)
    } else if let (Some(lo), Some(la)) = (lon, lat) {
        (Some(lo), Some(la), None, true)
    } else if loc.is_some() {
        (None, None, loc, true)
    } else {
        let single = header.len() == 1
            && [b';', b'\t', b'|', b',']
                .iter()
                .any(|&d| header[0].contains(d as char));
        return Err(Error::MissingColumn {
            path: path.to_path_buf(),
            what: "coordinate".into(),
            available: header.join(", "),
            hint: if single {
                "the header is a single column: wrong delimiter? use --delimiter".into()
            } else {
                "expected x/y, lon/lat, latitude/longitude or a location column; name them with --x/--y or --location".into()
            },
        });
    };
    // time
    let time_col = find_column(header, "time", opts.time.as_deref(), path)?;
    let split_given = opts.split_time.is_some();
    let split = if split_given || time_col.is_none() {
        let names = opts.split_time.clone().unwrap_or_default();
        let roles = ["year", "month", "day", "hour", "minute"];
        let mut idx = [None; 5];
        for k in 0..5 {
            idx[k] = find_column(header, roles[k], names[k].as_deref(), path)?;
        }
        (idx[0].is_some() && idx[1].is_some()).then_some(idx)
    } else {
        None
    };
    let mut clock = None;
    if let (Some(t), None) = (time_col, &opts.time) {
        // a separate "time" column beside a "date" column: combine them
        if normalise(&header[t]) == "date" {
            clock = header.iter().position(|h| {
                let n = normalise(h);
                n == "time" || n == "timeofday" || n == "occurredtime"
            });
        }
    }
    let category = find_column(header, "category", opts.category.as_deref(), path)?;
    Ok(Roles {
        x,
        y,
        location,
        lonlat,
        time: if split.is_some() && time_col.is_none() {
            None
        } else {
            time_col
        },
        clock,
        split,
        category,
        alt_xy,
    })
}

/// Rows sampled to decide whether automatically chosen lon/lat columns are empty.
const SAMPLE_ROWS: usize = 1000;

/// Whether the `lon`/`lat` columns are empty in every sampled row while the
/// `x`/`y` columns hold values (exports with lon/lat left blank for data that are
/// not georeferenced).
fn lonlat_empty_but_xy_filled(
    body: &[u8],
    delim: u8,
    lonlat: (usize, usize),
    xy: (usize, usize),
) -> bool {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    let _ = rdr.byte_headers();
    let mut rec = csv::ByteRecord::new();
    let (mut seen, mut xy_filled) = (0usize, 0usize);
    let blank = |r: &csv::ByteRecord, i: usize| r.get(i).is_none_or(|f| f.trim_ascii().is_empty());
    while seen < SAMPLE_ROWS {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        seen += 1;
        if !blank(&rec, lonlat.0) || !blank(&rec, lonlat.1) {
            return false;
        }
        if !blank(&rec, xy.0) && !blank(&rec, xy.1) {
            xy_filled += 1;
        }
    }
    xy_filled > 0
}

fn field_str(rec: &csv::ByteRecord, i: usize) -> std::result::Result<&str, ()> {
    std::str::from_utf8(rec.get(i).unwrap_or(b"")).map_err(|_| ())
}

fn lossy(rec: &csv::ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// Reads the header (and the delimiter) of a delimited file.
pub fn read_header(bytes: &[u8], delimiter: Option<u8>, path: &Path) -> Result<(Vec<String>, u8)> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(path, "the file is empty"));
    }
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or(b"");
    let delim = delimiter.unwrap_or_else(|| sniff_delimiter(first_line));
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    let h = rdr
        .byte_headers()
        .map_err(|e| Error::format(path, format!("cannot read the header: {e}")))?
        .clone();
    let mut header = Vec::with_capacity(h.len());
    for (i, f) in h.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) => header.push(s.trim().to_string()),
            Err(_) => {
                return Err(Error::Row {
                    path: path.to_path_buf(),
                    row: 0,
                    column: format!("#{}", i + 1),
                    value: String::from_utf8_lossy(f).into_owned(),
                    message:
                        "header is not UTF-8 text; convert the file (e.g. iconv -f latin1 -t utf-8)"
                            .into(),
                })
            }
        }
    }
    Ok((header, delim))
}

/// Reads incidents from a delimited text file.
pub fn read_incidents(path: &Path, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    let (bytes, sha) = super::read_bytes(path)?;
    read_incidents_from_bytes(&bytes, path, sha, opts)
}

/// Reads incidents from in-memory CSV bytes (`path` is used in messages).
pub fn read_incidents_from_bytes(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    let (header, delim) = read_header(bytes, opts.delimiter, path)?;
    let mut roles = resolve_roles(&header, opts, path)?;
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut fallback_note = None;
    if let (Some(lo), Some(la), Some((xi, yi))) = (roles.x, roles.y, roles.alt_xy) {
        if lonlat_empty_but_xy_filled(body, delim, (lo, la), (xi, yi)) {
            fallback_note = Some(format!(
                "columns {} and {} are empty: read coordinates from {} and {} instead",
                header[lo], header[la], header[xi], header[yi]
            ));
            roles.x = Some(xi);
            roles.y = Some(yi);
            roles.lonlat = false;
        }
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    let _ = rdr.byte_headers();

    let mut st = Staging {
        lonlat_columns: roles.lonlat,
        notes: fallback_note.into_iter().collect(),
        ..Default::default()
    };
    let name = |i: Option<usize>| i.map(|i| header[i].clone());
    let mut cols = BTreeMap::new();
    for (role, idx) in [
        ("x", roles.x),
        ("y", roles.y),
        ("location", roles.location),
        ("time", roles.time),
        ("clock", roles.clock),
        ("category", roles.category),
    ] {
        if let Some(n) = name(idx) {
            cols.insert(role.to_string(), n);
        }
    }
    if let Some(sp) = roles.split {
        for (k, role) in ["year", "month", "day", "hour", "minute"]
            .iter()
            .enumerate()
        {
            if let Some(n) = name(sp[k]) {
                cols.insert(role.to_string(), n);
            }
        }
    }
    st.columns = cols;
    st.xy_names = match (roles.x, roles.y, roles.location) {
        (Some(x), Some(y), _) => (header[x].clone(), header[y].clone()),
        (_, _, Some(l)) => (header[l].clone(), header[l].clone()),
        _ => ("x".into(), "y".into()),
    };
    // filters: resolve columns
    let mut filters: Vec<(usize, &super::WhereFilter)> = Vec::new();
    for f in &opts.filters {
        let idx = match header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(f.column.trim()))
        {
            Some(i) => i,
            None => match normalise(&f.column).as_str() {
                "category" => roles.category.ok_or_else(|| Error::MissingColumn {
                    path: path.to_path_buf(),
                    what: "category (for --where)".into(),
                    available: header.join(", "),
                    hint: "name it with --category".into(),
                })?,
                _ => {
                    return Err(Error::MissingColumn {
                        path: path.to_path_buf(),
                        what: format!("{:?} (for --where)", f.column),
                        available: header.join(", "),
                        hint: String::new(),
                    })
                }
            },
        };
        filters.push((idx, f));
    }
    // kept text columns: everything not used for coordinates/time
    let used: BTreeSet<usize> = [roles.x, roles.y, roles.location]
        .into_iter()
        .flatten()
        .collect();
    let attr_idx: Vec<usize> = (0..header.len()).filter(|i| !used.contains(i)).collect();
    st.attr_names = attr_idx.iter().map(|&i| header[i].clone()).collect();
    st.attrs = vec![StringColumn::new(); attr_idx.len()];

    let ncols = header.len();
    let mut rec = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(row + 2);
                return Err(Error::Row {
                    path: path.to_path_buf(),
                    row: row + 1,
                    column: String::new(),
                    value: String::new(),
                    message: format!("cannot parse CSV near line {line}: {e}"),
                });
            }
        }
        row += 1;
        st.rows_read += 1;
        if rec.len() != ncols {
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                // blank line
                st.rows_read -= 1;
                row -= 1;
                continue;
            }
            let raw = lossy(&rec);
            st.reject(
                row,
                RejectReason::MalformedRow,
                "*",
                &format!("{} fields, header has {ncols}", rec.len()),
                raw,
            );
            continue;
        }
        // filters
        let mut pass = true;
        for (idx, f) in &filters {
            let v = String::from_utf8_lossy(rec.get(*idx).unwrap_or(b""));
            if !f.accepts(&v) {
                pass = false;
                break;
            }
        }
        if !pass {
            st.filtered_out += 1;
            continue;
        }
        // coordinates
        let coord = if let Some(l) = roles.location {
            let s = field_str(&rec, l).unwrap_or("");
            if s.trim().is_empty() {
                Err((
                    RejectReason::MissingCoordinates,
                    header[l].clone(),
                    s.to_string(),
                ))
            } else {
                parse_location(s).ok_or_else(|| {
                    (
                        RejectReason::UnparseableCoordinates,
                        header[l].clone(),
                        s.to_string(),
                    )
                })
            }
        } else {
            let (xi, yi) = (roles.x.unwrap_or(0), roles.y.unwrap_or(0));
            let xs = field_str(&rec, xi).unwrap_or("\u{fffd}");
            let ys = field_str(&rec, yi).unwrap_or("\u{fffd}");
            if xs.trim().is_empty() || ys.trim().is_empty() {
                Err((
                    RejectReason::MissingCoordinates,
                    format!("{},{}", header[xi], header[yi]),
                    format!("{xs}, {ys}"),
                ))
            } else {
                match (parse_num(xs), parse_num(ys)) {
                    (Some(x), Some(y)) => Ok((x, y)),
                    _ => Err((
                        RejectReason::UnparseableCoordinates,
                        format!("{},{}", header[xi], header[yi]),
                        format!("{xs}, {ys}"),
                    )),
                }
            }
        };
        let (x, y) = match coord {
            Ok(c) => c,
            Err((reason, col, val)) => {
                st.reject(row, reason, &col, &val, lossy(&rec));
                continue;
            }
        };
        // time
        let mut tval: Option<(i64, TimePrecision)> = None;
        if let Some(ti) = roles.time {
            let s = field_str(&rec, ti).unwrap_or("\u{fffd}");
            let combined;
            let s = if let Some(ci) = roles.clock {
                let c = field_str(&rec, ci).unwrap_or("");
                if c.trim().is_empty() || s.trim().is_empty() {
                    s
                } else {
                    combined = format!("{} {}", s.trim(), c.trim());
                    combined.as_str()
                }
            } else {
                s
            };
            if !s.trim().is_empty() {
                let parsed = match &opts.time_format {
                    Some(f) => time::parse_with_format(s, f),
                    None => time::parse(s),
                };
                match parsed {
                    Some(t) => tval = Some(t),
                    None => {
                        let col = header[ti].clone();
                        st.reject(row, RejectReason::UnparseableTime, &col, s, lossy(&rec));
                        continue;
                    }
                }
            }
        } else if let Some(sp) = roles.split {
            let get = |k: usize| sp[k].map(|i| field_str(&rec, i).unwrap_or("\u{fffd}"));
            let (ys, ms) = (get(0).unwrap_or(""), get(1).unwrap_or(""));
            if !ys.trim().is_empty() || !ms.trim().is_empty() {
                match time::from_split(ys, ms, get(2), get(3), get(4)) {
                    Some(t) => tval = Some(t),
                    None => {
                        let v = format!(
                            "{}-{}-{} {}:{}",
                            ys,
                            ms,
                            get(2).unwrap_or(""),
                            get(3).unwrap_or(""),
                            get(4).unwrap_or("")
                        );
                        st.reject(
                            row,
                            RejectReason::UnparseableTime,
                            "year..minute",
                            &v,
                            lossy(&rec),
                        );
                        continue;
                    }
                }
            }
        }
        if let Some((t, _)) = tval {
            if opts.from.is_some_and(|f| t < f) || opts.to.is_some_and(|e| t >= e) {
                st.filtered_out += 1;
                continue;
            }
        } else if opts.from.is_some() || opts.to.is_some() {
            st.filtered_out += 1;
            continue;
        }
        // category
        let cat = match roles.category {
            Some(ci) => match field_str(&rec, ci) {
                Ok(s) => st.category_index(s),
                Err(()) => {
                    return Err(Error::Row {
                        path: path.to_path_buf(),
                        row,
                        column: header[ci].clone(),
                        value: String::from_utf8_lossy(rec.get(ci).unwrap_or(b"")).into_owned(),
                        message: "not UTF-8 text; convert the file (e.g. iconv -f latin1 -t utf-8)"
                            .into(),
                    })
                }
            },
            None => NO_CATEGORY,
        };
        st.xy.push([x, y]);
        st.time.push(tval.map(|t| t.0));
        st.precision
            .push(tval.map_or(TimePrecision::Second, |t| t.1));
        st.category.push(cat);
        st.row.push(row);
        for (k, &i) in attr_idx.iter().enumerate() {
            let f = rec.get(i).unwrap_or(b"");
            match std::str::from_utf8(f) {
                Ok(s) => st.attrs[k].push(s),
                Err(_) => st.attrs[k].push(&String::from_utf8_lossy(f)),
            }
        }
    }
    if st.rows_read == 0 {
        return Err(Error::format(
            path,
            "the file has a header but no data rows",
        ));
    }
    finish(st, path, "csv", sha, opts)
}

/// The header and the raw fields of selected data rows, by row number.
pub type RawRecords = (Vec<String>, HashMap<u64, Vec<String>>);

/// Raw records of the given data rows (1-based), for writing rejects.
pub fn raw_records(path: &Path, delimiter: Option<u8>, rows: &BTreeSet<u64>) -> Result<RawRecords> {
    let (bytes, _) = super::read_bytes(path)?;
    let (header, delim) = read_header(&bytes, delimiter, path)?;
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    let _ = rdr.byte_headers();
    let mut out = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    let mut row = 0u64;
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        row += 1;
        if rows.contains(&row) {
            out.insert(row, lossy(&rec));
        }
    }
    Ok((header, out))
}

/// Reads a point layer from CSV (same column rules as incidents; time and category ignored).
pub fn read_point_layer(
    path: &Path,
    opts: &super::LayerOptions,
) -> Result<(crate::layer::Layer, super::LayerReport)> {
    let lo = LoadOptions {
        crs: opts.crs.clone(),
        target_crs: opts.target.clone(),
        filters: opts.filters.clone(),
        outlier_factor: None,
        ..LoadOptions::new()
    };
    let (inc, rep) = read_incidents(path, &lo)?;
    let props = (0..inc.len())
        .map(|i| {
            let mut m = serde_json::Map::new();
            for (k, n) in inc.attr_names.iter().enumerate() {
                m.insert(
                    n.clone(),
                    serde_json::Value::String(inc.attrs[k].get(i).to_string()),
                );
            }
            m
        })
        .collect();
    let layer = crate::layer::Layer {
        name: opts.name.clone().unwrap_or_else(|| stem(path)),
        geometries: inc
            .xy
            .iter()
            .map(|p| geo::Geometry::Point(geo::Point::new(p[0], p[1])))
            .collect(),
        properties: props,
        crs: inc.crs.clone(),
    };
    let report = super::LayerReport {
        path: path.to_path_buf(),
        features_read: rep.rows_read,
        accepted: rep.accepted,
        filtered_out: rep.filtered_out,
        rejected: rep.rejected,
        rejections: rep.rejections,
        crs: rep.crs,
        sha256: rep.sha256,
    };
    Ok((layer, report))
}

/// File stem without `.geojson.gz` style double extensions.
pub fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.split('.').next().unwrap_or(name).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;

    fn load(text: &str, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
        read_incidents_from_bytes(text.as_bytes(), Path::new("t.csv"), String::new(), opts)
    }

    #[test]
    fn read_lonlat_columns_projects_to_utm() {
        let (inc, rep) = load(
            "id,Latitude,Longitude,Date,Primary Type\n1,41.87,-87.62,2019-01-01 10:00,THEFT\n2,41.88,-87.63,2019-01-02,BATTERY\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!(rep.crs.working, Crs::Epsg { code: 32616 });
        assert_eq!(inc.category_name(1), Some("BATTERY"));
        assert_eq!(inc.precision[0], TimePrecision::Minute);
        assert_eq!(inc.precision[1], TimePrecision::Day);
        assert!(inc.xy[0][0] > 400_000.0 && inc.xy[0][0] < 500_000.0);
    }

    #[test]
    fn read_location_column() {
        let (inc, _) = load(
            "id,Location,date\n1,\"(41.87, -87.62)\",01/02/2018 01:30:00 PM\n2,POINT (-87.63 41.88),01/03/2018\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!(
            crate::time::format(inc.time[0].unwrap(), TimePrecision::Minute),
            "2018-01-02 13:30"
        );
    }

    #[test]
    fn read_projected_xy_with_crs() {
        let (inc, rep) = load(
            "x,y,t\n359192.3,570510.9,2016-01-01\n356347.3,576182.6,2016-01-03\n",
            &LoadOptions::new().crs(Crs::Epsg { code: 26971 }),
        )
        .unwrap();
        assert_eq!(rep.crs.working, Crs::Epsg { code: 26971 });
        assert_eq!(inc.xy[0], [359192.3, 570510.9]);
    }

    #[test]
    fn read_split_time_columns() {
        let (inc, rep) = load(
            "TYPE,YEAR,MONTH,DAY,HOUR,MINUTE,X,Y\nTheft,2020,6,19,3,40,491059.48,5459122.42\nTheft,2020,6,20,,,491059.48,5459122.42\n",
            &LoadOptions::new().crs(Crs::Epsg { code: 32610 }),
        )
        .unwrap();
        assert_eq!(rep.columns.get("year").map(String::as_str), Some("YEAR"));
        assert_eq!(inc.precision[0], TimePrecision::Minute);
        assert_eq!(inc.precision[1], TimePrecision::Day);
    }

    #[test]
    fn reject_reasons_are_counted() {
        let text = "lon,lat,date\n\
            -87.6,41.8,2019-01-01\n\
            ,41.8,2019-01-01\n\
            abc,41.8,2019-01-01\n\
            NaN,41.8,2019-01-01\n\
            0,0,2019-01-01\n\
            -87.6,141.8,2019-01-01\n\
            -87.6,41.8,not a date\n\
            -87.6,41.8\n\
            -87.61,41.81,\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!(rep.rows_read, 9);
        assert_eq!(rep.missing_time, 1);
        let get = |r| rep.rejected.get(&r).copied().unwrap_or(0);
        assert_eq!(get(RejectReason::MissingCoordinates), 1);
        assert_eq!(get(RejectReason::UnparseableCoordinates), 1);
        assert_eq!(get(RejectReason::NonFiniteCoordinates), 1);
        assert_eq!(get(RejectReason::NullIsland), 1);
        assert_eq!(get(RejectReason::OutOfRangeLonLat), 1);
        assert_eq!(get(RejectReason::UnparseableTime), 1);
        assert_eq!(get(RejectReason::MalformedRow), 1);
        assert_eq!(rep.rejections[0].row, 2);
        assert!(rep.summary(3).contains("null-island"));
        // strict
        let err = load(text, &LoadOptions::new().strict(true)).unwrap_err();
        assert!(err.to_string().contains("7 row(s) rejected"), "{err}");
    }

    #[test]
    fn reject_far_outside_extent() {
        let mut text = String::from("x,y\n");
        for i in 0..100 {
            text.push_str(&format!(
                "{},{}\n",
                1000.0 + (i % 10) as f64 * 100.0,
                5000.0 + (i / 10) as f64 * 100.0
            ));
        }
        text.push_str("900000,5000\n");
        let (inc, rep) = load(
            &text,
            &LoadOptions::new().crs(Crs::Local { unit_to_metre: 1.0 }),
        )
        .unwrap();
        assert_eq!(inc.len(), 100);
        assert_eq!(rep.rejected.get(&RejectReason::FarOutsideExtent), Some(&1));
        assert_eq!(rep.rejections[0].row, 101);
    }

    #[test]
    fn errors_name_file_and_column() {
        let e = load("", &LoadOptions::new()).unwrap_err().to_string();
        assert!(e.contains("t.csv") && e.contains("empty"), "{e}");
        let e = load(
            "a;b;c\n1;2;3\n",
            &LoadOptions {
                delimiter: Some(b','),
                ..LoadOptions::new()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("wrong delimiter"), "{e}");
        let e = load("id,foo\n1,2\n", &LoadOptions::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no coordinate column") && e.contains("id, foo"),
            "{e}"
        );
        let e = load(
            "x,y\n1,2\n",
            &LoadOptions {
                time: Some("when".into()),
                ..LoadOptions::new()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("when"), "{e}");
    }

    #[test]
    fn read_falls_back_to_xy_when_lonlat_empty() {
        let (inc, rep) = load(
            "id,x,y,lon,lat,category\n1,639.17,1190.52,,,assault\n2,139.70,1134.64,,,theft\n",
            &LoadOptions::new().crs(Crs::Local {
                unit_to_metre: 0.3048,
            }),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!(rep.columns.get("x").map(String::as_str), Some("x"));
        // without --crs: the x/y columns are used, with a note, not 116 rejections
        let (inc, rep) = load(
            "id,x,y,lon,lat,category\n1,639.17,1190.52,,,assault\n2,139.70,1134.64,,,theft\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
        assert!(
            rep.notes.iter().any(|n| n.contains("are empty")),
            "{:?}",
            rep.notes
        );
        assert_eq!(rep.crs.input, Crs::Local { unit_to_metre: 1.0 });
    }

    #[test]
    fn read_timestamp_fixture_every_form() {
        let bytes = include_bytes!("../../fixtures/incidents/timestamps.csv");
        let (inc, _) = read_incidents_from_bytes(
            bytes,
            Path::new("timestamps.csv"),
            String::new(),
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 12);
        let (prec, expected) = (
            inc.attr("precision").unwrap(),
            inc.attr("expected").unwrap(),
        );
        for i in 0..inc.len() {
            assert_eq!(inc.precision[i].name(), prec.get(i), "row {}", inc.row[i]);
            assert_eq!(
                crate::time::format(inc.time[i].unwrap(), inc.precision[i]),
                expected.get(i),
                "row {}",
                inc.row[i]
            );
        }
    }

    #[test]
    fn read_all_rows_rejected_is_an_error() {
        let e = load("lon,lat\n,\nabc,1\n", &LoadOptions::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no usable rows") && e.contains("row 1"), "{e}");
    }

    #[test]
    fn semicolon_and_decimal_comma() {
        let (inc, _) = load(
            "lat;lon;datum\n41,87;-87,62;2019-01-01\n41,88;-87,63;2019-01-01\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(inc.len(), 2);
    }

    #[test]
    fn wrong_crs_guesses_are_errors() {
        // projected values declared as lon/lat
        let e = load(
            "x,y\n359192.3,570510.9\n356347.3,576182.6\n",
            &LoadOptions::new().crs(crate::crs::WGS84),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("look projected"), "{e}");
        // lon/lat declared as projected
        let e = load(
            "x,y\n-87.6,41.8\n-87.61,41.81\n",
            &LoadOptions::new().crs(Crs::Epsg { code: 26971 }),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("EPSG:4326"), "{e}");
        // swapped lat/lon
        let e = load(
            "lon,lat\n49.28,-123.12\n49.29,-123.13\n",
            &LoadOptions::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("swapped"), "{e}");
    }

    #[test]
    fn non_utf8_category_is_an_error_with_row() {
        let mut b = b"lon,lat,category\n-87.6,41.8,ok\n-87.6,41.8,".to_vec();
        b.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let e =
            read_incidents_from_bytes(&b, Path::new("t.csv"), String::new(), &LoadOptions::new())
                .unwrap_err()
                .to_string();
        assert!(e.contains("row 2") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn where_filter_and_time_window() {
        let text = "lon,lat,date,category\n-87.6,41.8,2019-01-01,A\n-87.6,41.8,2019-02-01,B\n-87.6,41.8,2019-03-01,a\n";
        let f = super::super::WhereFilter::parse("category=a").unwrap();
        let (inc, rep) = load(text, &LoadOptions::new().filter(f)).unwrap();
        assert_eq!((inc.len(), rep.filtered_out), (2, 1));
        let opts = LoadOptions {
            from: crate::time::parse_date("2019-02-01"),
            ..LoadOptions::new()
        };
        let (inc, rep) = load(text, &opts).unwrap();
        assert_eq!((inc.len(), rep.filtered_out), (2, 1));
    }
}
