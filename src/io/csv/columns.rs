//! Which column plays which role: name aliases, explicit names, the delimiter, and
//! the checks on sampled values that decide between candidate columns.

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::LoadOptions;
use crate::time;

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
            "longwgs84",
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
            "occdate",
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
            "mci",
            "mcicategory",
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

/// The error for two columns that both answer to the name of a role.
pub(super) fn duplicate_column(
    path: &Path,
    header: &[String],
    role: &str,
    i: usize,
    j: usize,
) -> Error {
    Error::format(
        path,
        format!(
            "columns {} ('{}') and {} ('{}') have the same name, so which is the {role} column is ambiguous: rename one of them",
            i + 1,
            header[i],
            j + 1,
            header[j]
        ),
    )
}

/// Finds the column for a role: an explicit name (must exist) or the first alias
/// present. Two columns answering to the same name are an error naming both.
pub fn find_column(
    header: &[String],
    role: &str,
    explicit: Option<&str>,
    path: &Path,
) -> Result<Option<usize>> {
    let hits = |f: &dyn Fn(&String) -> bool| -> Vec<usize> {
        (0..header.len()).filter(|&i| f(&header[i])).collect()
    };
    if let Some(name) = explicit {
        let want = normalise(name);
        let mut found = hits(&|h| h.trim() == name.trim());
        if found.is_empty() {
            found = hits(&|h| normalise(h) == want);
        }
        return match found.as_slice() {
            [] => Err(Error::MissingColumn {
                path: path.to_path_buf(),
                what: format!("{role} ({name:?})"),
                available: header.join(", "),
                hint: "check the spelling of the column name".into(),
            }),
            [i] => Ok(Some(*i)),
            [i, j, ..] => Err(duplicate_column(path, header, role, *i, *j)),
        };
    }
    let aliases = ALIASES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, a)| *a)
        .unwrap_or(&[]);
    let norm: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    for a in aliases {
        let found: Vec<usize> = (0..norm.len()).filter(|&i| norm[i] == *a).collect();
        match found.as_slice() {
            [] => {}
            [i] => return Ok(Some(*i)),
            [i, j, ..] => return Err(duplicate_column(path, header, role, *i, *j)),
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
pub(super) fn parse_num(s: &str) -> Option<f64> {
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

#[derive(Clone)]
pub(super) struct Roles {
    pub(super) x: Option<usize>,
    pub(super) y: Option<usize>,
    pub(super) location: Option<usize>,
    pub(super) lonlat: bool,
    pub(super) time: Option<usize>,
    pub(super) clock: Option<usize>,
    pub(super) split: Option<[Option<usize>; 5]>,
    pub(super) category: Option<usize>,
    /// x/y columns to fall back to when lon/lat were chosen automatically but are empty.
    pub(super) alt_xy: Option<(usize, usize)>,
    /// `time` is a lone `Month` column (data.police.uk layout), to be confirmed by its values.
    pub(super) month_as_time: bool,
    /// End of the occurrence window (`time` is its start).
    pub(super) time_to: Option<usize>,
    /// lon/lat columns beside the x/y columns used, to check the x/y CRS against.
    pub(super) check_lonlat: Option<(usize, usize)>,
}

pub(super) fn resolve_roles(header: &[String], opts: &LoadOptions, path: &Path) -> Result<Roles> {
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
                    what: "x and y (give both `x` and `y`)".into(),
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
                "the header is a single column: wrong delimiter? use `delimiter`".into()
            } else {
                "expected x/y, lon/lat, latitude/longitude or a location column; name them with `x`/`y` or `location`".into()
            },
        });
    };
    // occurrence windows: an explicit end column, or a common start/end pair
    let mut time_to = match &opts.time_to {
        Some(name) => find_column(header, "time_to", Some(name), path)?,
        None => None,
    };
    let mut pair_from = None;
    if time_to.is_none() && opts.time.is_none() && opts.split_time.is_none() {
        let pos = |n: &str| header.iter().position(|h| normalise(h) == n);
        for (a, b) in WINDOW_PAIRS {
            if let (Some(i), Some(j)) = (pos(a), pos(b)) {
                pair_from = Some(i);
                time_to = Some(j);
                break;
            }
        }
    }
    // time
    let time_col = match pair_from {
        Some(i) => Some(i),
        None => find_column(header, "time", opts.time.as_deref(), path)?,
    };
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
    // data.police.uk: a lone `Month` column (YYYY-MM) and no year column
    let mut month_as_time = false;
    let mut time = if split.is_some() && time_col.is_none() {
        None
    } else {
        time_col
    };
    if time.is_none() && split.is_none() && opts.split_time.is_none() {
        if let Some(m) = find_column(header, "month", None, path)? {
            time = Some(m);
            month_as_time = true;
        }
    }
    let check_lonlat = match (lonlat, lon, lat) {
        (false, Some(lo), Some(la)) if x != Some(lo) && y != Some(la) => Some((lo, la)),
        _ => None,
    };
    Ok(Roles {
        x,
        y,
        location,
        lonlat,
        time,
        clock,
        split,
        category,
        alt_xy,
        month_as_time,
        check_lonlat,
        time_to,
    })
}

/// Start/end column pairs of occurrence windows found automatically (normalised
/// names, in order of preference).
pub(crate) const WINDOW_PAIRS: &[(&str, &str)] = &[
    ("datestart", "dateend"),
    ("startdate", "enddate"),
    ("fromdate", "todate"),
    ("occurredfrom", "occurredto"),
    ("firstoccurrencedate", "lastoccurrencedate"),
    ("from", "to"),
    ("start", "end"),
    ("startdatetime", "enddatetime"),
];

/// The CSV parser over `body`, past its header record (for sampling columns).
fn after_header(body: &[u8], delim: u8) -> csv::Reader<&[u8]> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    let _ = rdr.byte_headers();
    rdr
}

/// Whether most of the first non-empty values (up to 50) of a column read as times,
/// and whether the answer was reached before the end of `body` (else a longer
/// `body` could change it).
pub(super) fn column_reads_as_time(body: &[u8], delim: u8, col: usize) -> (bool, bool) {
    let mut rdr = after_header(body, delim);
    let mut rec = csv::ByteRecord::new();
    let (mut seen, mut ok) = (0usize, 0usize);
    let mut decided = true;
    while seen < 50 {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => {
                decided = false;
                break;
            }
        }
        let Some(f) = rec.get(col).and_then(|f| std::str::from_utf8(f).ok()) else {
            continue;
        };
        if f.trim().is_empty() {
            continue;
        }
        seen += 1;
        if time::parse(f).is_some() {
            ok += 1;
        }
    }
    (seen > 0 && ok * 2 > seen, decided)
}

/// Rows sampled to decide whether automatically chosen lon/lat columns are empty.
pub(super) const SAMPLE_ROWS: usize = 1000;

/// Whether the `lon`/`lat` columns are empty in every sampled row while the
/// `x`/`y` columns hold values (exports with lon/lat left blank for data that are
/// not georeferenced); and whether the answer was reached before the end of `body`.
pub(super) fn lonlat_empty_but_xy_filled(
    body: &[u8],
    delim: u8,
    lonlat: (usize, usize),
    xy: (usize, usize),
) -> (bool, bool) {
    let mut rdr = after_header(body, delim);
    let mut rec = csv::ByteRecord::new();
    let (mut seen, mut xy_filled) = (0usize, 0usize);
    let blank = |r: &csv::ByteRecord, i: usize| r.get(i).is_none_or(|f| f.trim_ascii().is_empty());
    let mut decided = true;
    while seen < SAMPLE_ROWS {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => {
                decided = false;
                break;
            }
        }
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        seen += 1;
        if !blank(&rec, lonlat.0) || !blank(&rec, lonlat.1) {
            return (false, true);
        }
        if !blank(&rec, xy.0) && !blank(&rec, xy.1) {
            xy_filled += 1;
        }
    }
    (xy_filled > 0, decided)
}
