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

mod columns;
mod parallel;
mod records;
pub(crate) mod stream;

pub(crate) use columns::WINDOW_PAIRS;
use columns::*;
pub use columns::{normalise, parse_location, sniff_delimiter, ALIASES};
use records::*;

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
///
/// A file larger than a few megabytes is read in blocks (module `csv::stream`), so
/// that the file is never held in memory whole; the result is that of reading it
/// at once.
pub fn read_incidents(path: &Path, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    if let Some(r) = stream::read_incidents(path, opts, stream::BLOCK, parallel::MIN_CHUNK) {
        return r;
    }
    let (bytes, sha) = super::read_bytes(path)?;
    read_incidents_from_bytes(&bytes, path, sha, opts)
}

/// Header, delimiter and column roles of a file, decided once for reading and for
/// writing its rejected rows (so that both number the rows alike).
struct Layout<'a> {
    header: Vec<String>,
    delim: u8,
    roles: Roles,
    body: &'a [u8],
    notes: Vec<String>,
    /// A sample that decides a column role ran to the end of `body` (when `body` is
    /// only the first block of a file, the rest of the file could change the roles).
    sampled_to_end: bool,
}

impl Layout<'_> {
    fn coords(&self) -> Option<CoordCols> {
        match (self.roles.location, self.roles.x, self.roles.y) {
            (Some(l), _, _) => Some(CoordCols::Location(l)),
            (None, Some(x), Some(y)) => Some(CoordCols::Xy(x, y)),
            _ => None,
        }
    }

    fn records(&self) -> Records<'_> {
        Records::new(self.body, self.delim, self.header.len(), self.coords())
    }
}

fn layout<'a>(bytes: &'a [u8], path: &Path, opts: &LoadOptions) -> Result<Layout<'a>> {
    let (header, delim) = read_header(bytes, opts.delimiter, path)?;
    let mut roles = resolve_roles(&header, opts, path)?;
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut notes = Vec::new();
    let mut sampled_to_end = false;
    if let (Some(lo), Some(la), Some((xi, yi))) = (roles.x, roles.y, roles.alt_xy) {
        let (empty, decided) = lonlat_empty_but_xy_filled(body, delim, (lo, la), (xi, yi));
        sampled_to_end |= !decided;
        if empty {
            notes.push(format!(
                "columns {} and {} are empty: read coordinates from {} and {} instead",
                header[lo], header[la], header[xi], header[yi]
            ));
            roles.x = Some(xi);
            roles.y = Some(yi);
            roles.lonlat = false;
        }
    }
    if roles.month_as_time {
        let reads = roles.time.map(|m| {
            let (yes, decided) = column_reads_as_time(body, delim, m);
            sampled_to_end |= !decided;
            (m, yes)
        });
        match reads {
            Some((m, true)) => notes.push(format!(
                "time from the '{}' column (YYYY-MM, the data.police.uk layout): month precision",
                header[m]
            )),
            _ => roles.time = None,
        }
    }
    // exact duplicate names among the other columns: kept, but say so
    for i in 0..header.len() {
        if let Some(j) = (i + 1..header.len()).find(|&j| header[j] == header[i]) {
            if !header[i].is_empty() && !header[..i].contains(&header[i]) {
                notes.push(format!(
                    "columns {} and {} are both named '{}' (neither is used for coordinates, time or category; the first is the one `where` and attributes see)",
                    i + 1,
                    j + 1,
                    header[i]
                ));
            }
        }
    }
    Ok(Layout {
        header,
        delim,
        roles,
        body,
        notes,
        sampled_to_end,
    })
}

/// Reads incidents from in-memory CSV bytes (`path` is used in messages).
///
/// Large inputs are parsed in parallel (module `csv::parallel`): the data rows are cut into
/// chunks at record boundaries and read on rayon's current pool; the result (rows,
/// rejections, categories, notes) is the same as reading them in one pass, which
/// is what the reader falls back to whenever a chunk meets anything whose reading
/// depends on what came before (an unbalanced quote, a parse error).
pub fn read_incidents_from_bytes(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    read_chunked(bytes, path, sha, opts, parallel::MIN_CHUNK)
}

/// [`read_incidents_from_bytes`] with chunks of at least `min_chunk` bytes
/// (`0` = one sequential pass).
pub(crate) fn read_chunked(
    bytes: &[u8],
    path: &Path,
    sha: String,
    opts: &LoadOptions,
    min_chunk: usize,
) -> Result<(Incidents, LoadReport)> {
    let lay = layout(bytes, path, opts)?;
    let plan = Plan::new(&lay, path, opts)?;
    let mut st = plan.staging(&lay);
    let mut times = super::timecol::TimeReader::new(&plan.time_name, opts.time_format.as_deref());
    let mut to_text = StringColumn::new();
    let done =
        min_chunk > 0 && parallel::read(&lay, &plan, min_chunk, &mut st, &mut times, &mut to_text);
    if !done {
        let mut records = lay.records();
        plan.scan(&mut records, &mut st, &mut times, &mut to_text, false)?;
    }
    conclude(&lay, &plan, st, times, to_text, path, sha, opts)
}

/// The end of a load, once every record is staged: the file-wide time decisions,
/// the occurrence windows, then [`finish`].
#[allow(clippy::too_many_arguments)]
fn conclude(
    lay: &Layout<'_>,
    plan: &Plan<'_>,
    mut st: Staging,
    times: super::timecol::TimeReader,
    to_text: StringColumn,
    path: &Path,
    sha: String,
    opts: &LoadOptions,
) -> Result<(Incidents, LoadReport)> {
    if st.rows_read == 0 {
        return Err(Error::format(
            path,
            "the file has a header but no data rows",
        ));
    }
    let roles = &lay.roles;
    let header = &lay.header;
    times.finish(&mut st, path)?;
    if let Some(j) = roles.time_to {
        st.notes.push(format!(
            "occurrence windows from '{}' to '{}'",
            plan.time_name, header[j]
        ));
        st.columns.insert("time_to".into(), header[j].clone());
        super::apply_window_ends(&mut st, &to_text, &header[j], opts);
    }
    finish(st, path, "csv", sha, opts)
}

/// What reading a file's records needs besides the records: the layout, the
/// resolved `where` filters, the kept text columns. Shared by the sequential pass
/// and the parallel chunks.
struct Plan<'a> {
    path: &'a Path,
    header: &'a [String],
    roles: &'a Roles,
    filters: Vec<(usize, &'a super::WhereFilter)>,
    /// Source columns kept as text attributes.
    attr_idx: Vec<usize>,
    time_name: String,
    time_format: Option<&'a str>,
}

impl<'a> Plan<'a> {
    fn new(lay: &'a Layout<'_>, path: &'a Path, opts: &'a LoadOptions) -> Result<Self> {
        let (header, roles) = (&lay.header, &lay.roles);
        // filters: resolve columns
        let mut filters: Vec<(usize, &super::WhereFilter)> = Vec::new();
        for f in &opts.filters {
            let same: Vec<usize> = (0..header.len())
                .filter(|&i| header[i].eq_ignore_ascii_case(f.column.trim()))
                .collect();
            let idx = match same.as_slice() {
                [i] => *i,
                [i, j, ..] => {
                    return Err(duplicate_column(
                        path,
                        header,
                        &format!("{:?} (for `where`)", f.column),
                        *i,
                        *j,
                    ))
                }
                [] => match normalise(&f.column).as_str() {
                    "category" => roles.category.ok_or_else(|| Error::MissingColumn {
                        path: path.to_path_buf(),
                        what: "category (for `where`)".into(),
                        available: header.join(", "),
                        hint: "name it with `category`".into(),
                    })?,
                    _ => {
                        return Err(Error::MissingColumn {
                            path: path.to_path_buf(),
                            what: format!("{:?} (for `where`)", f.column),
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
        let other: Vec<usize> = (0..header.len()).filter(|i| !used.contains(i)).collect();
        let names: Vec<String> = other.iter().map(|&i| header[i].clone()).collect();
        let attr_idx: Vec<usize> = opts
            .attributes
            .pick(&names)
            .into_iter()
            .map(|k| other[k])
            .collect();
        let time_name = roles.time.map_or("time".to_string(), |t| header[t].clone());
        Ok(Plan {
            path,
            header,
            roles,
            filters,
            attr_idx,
            time_name,
            time_format: opts.time_format.as_deref(),
        })
    }

    /// The staging area of the whole file: column roles, names and notes.
    fn staging(&self, lay: &Layout<'_>) -> Staging {
        let (header, roles) = (self.header, self.roles);
        let mut st = Staging {
            lonlat_columns: roles.lonlat,
            notes: lay.notes.clone(),
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
        st.attr_names = self.attr_idx.iter().map(|&i| header[i].clone()).collect();
        st.attrs = vec![StringColumn::new(); self.attr_idx.len()];
        st
    }

    /// Reads every record of `records` into `st`. Row numbers are those of
    /// `records` (1-based from its start).
    ///
    /// With `chunk`, the reading stops and returns `Ok(false)` at the first record
    /// whose reading depends on the rest of the file (an unbalanced quote, which
    /// resynchronises the reader, or a parse error), so that the caller reads the
    /// whole file in one pass instead; otherwise it returns `Ok(true)`.
    fn scan(
        &self,
        records: &mut Records<'_>,
        st: &mut Staging,
        times: &mut super::timecol::TimeReader,
        to_text: &mut StringColumn,
        chunk: bool,
    ) -> Result<bool> {
        let (path, header, roles) = (self.path, self.header, self.roles);
        let ncols = header.len();
        let mut rec = csv::ByteRecord::new();
        loop {
            let item = match records.next(&mut rec) {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(_) if chunk => return Ok(false),
                Err(message) => {
                    return Err(Error::Row {
                        path: path.to_path_buf(),
                        row: records.row + 1,
                        column: String::new(),
                        value: String::new(),
                        message,
                    })
                }
            };
            let row = records.row;
            st.rows_read += 1;
            if let Item::Unbalanced {
                column,
                lines,
                fields,
            } = item
            {
                if chunk {
                    return Ok(false);
                }
                let v = format!(
                    "a quote opened in this field does not close on its line: it ran over the next {lines} line(s), which are read again as rows of their own"
                );
                // the field may lie beyond the header's last column (a row with more
                // fields than the header): name it by its position then
                let name = header
                    .get(column)
                    .cloned()
                    .unwrap_or_else(|| format!("field {} (beyond the header)", column + 1));
                st.reject(row, RejectReason::UnbalancedQuote, &name, &v, fields);
                continue;
            }
            if rec.len() != ncols {
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
            let values = self
                .filters
                .iter()
                .map(|&(idx, f)| (f, String::from_utf8_lossy(rec.get(idx).unwrap_or(b""))));
            if !st.passes(values) {
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
            // time (an unreadable time keeps the row, without time)
            let idx = st.xy.len();
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
                tval = times.read(st, idx, row, s);
            } else if let Some(sp) = roles.split {
                let get = |k: usize| sp[k].map(|i| field_str(&rec, i).unwrap_or("\u{fffd}"));
                let (ys, ms) = (get(0).unwrap_or(""), get(1).unwrap_or(""));
                if !ys.trim().is_empty() || !ms.trim().is_empty() {
                    tval = time::from_split(ys, ms, get(2), get(3), get(4));
                    if tval.is_none() {
                        let v = format!(
                            "{}-{}-{} {}:{}",
                            ys,
                            ms,
                            get(2).unwrap_or(""),
                            get(3).unwrap_or(""),
                            get(4).unwrap_or("")
                        );
                        super::timecol::unparsed(st, row, "year..minute", &v);
                    }
                }
            }
            // category
            let cat =
                match roles.category {
                    Some(ci) => match field_str(&rec, ci) {
                        Ok(s) => st.category_index(s),
                        Err(()) => return Err(Error::Row {
                            path: path.to_path_buf(),
                            row,
                            column: header[ci].clone(),
                            value: String::from_utf8_lossy(rec.get(ci).unwrap_or(b"")).into_owned(),
                            message:
                                "not UTF-8 text; convert the file (e.g. iconv -f latin1 -t utf-8)"
                                    .into(),
                        }),
                    },
                    None => NO_CATEGORY,
                };
            if let Some((lo, la)) = roles.check_lonlat {
                if st.lonlat_check.len() < SAMPLE_ROWS {
                    let lo = field_str(&rec, lo).ok().and_then(parse_num);
                    let la = field_str(&rec, la).ok().and_then(parse_num);
                    if let (Some(lo), Some(la)) = (lo, la) {
                        if lo.abs() <= 180.0 && la.abs() <= 90.0 && (lo, la) != (0.0, 0.0) {
                            st.lonlat_check.push((row, [lo, la]));
                        }
                    }
                }
            }
            if let Some(j) = roles.time_to {
                to_text.push(field_str(&rec, j).unwrap_or(""));
            }
            st.xy.push([x, y]);
            st.time.push(tval.map_or(crate::io::NO_TIME, |t| t.0));
            st.precision
                .push(tval.map_or(TimePrecision::Second, |t| t.1));
            st.category.push(cat);
            st.row.push(row);
            for (k, &i) in self.attr_idx.iter().enumerate() {
                let f = rec.get(i).unwrap_or(b"");
                match std::str::from_utf8(f) {
                    Ok(s) => st.attrs[k].push(s),
                    Err(_) => st.attrs[k].push(&String::from_utf8_lossy(f)),
                }
            }
        }
        Ok(true)
    }
}

/// The header and the raw fields of selected data rows, by row number.
pub type RawRecords = (Vec<String>, HashMap<u64, Vec<String>>);

/// Raw records of the given data rows (1-based, numbered as [`read_incidents`]
/// numbers them with the same options), for writing rejects.
pub fn raw_records(path: &Path, opts: &LoadOptions, rows: &BTreeSet<u64>) -> Result<RawRecords> {
    let (bytes, _) = super::read_bytes(path)?;
    let lay = layout(&bytes, path, opts)?;
    let mut out = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    let mut records = lay.records();
    while let Ok(Some(item)) = records.next(&mut rec) {
        if rows.contains(&records.row) {
            let fields = match item {
                Item::Record => lossy(&rec),
                Item::Unbalanced { fields, .. } => fields,
            };
            out.insert(records.row, fields);
        }
    }
    Ok((lay.header, out))
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
        warnings: rep.warnings,
        repaired: Vec::new(),
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
        // the row with an unreadable time is kept, without time
        assert_eq!(inc.len(), 3);
        assert_eq!(rep.rows_read, 9);
        assert_eq!((rep.missing_time, rep.unparseable_time), (2, 1));
        assert_eq!(
            (
                rep.time_unparsed[0].row,
                rep.time_unparsed[0].value.as_str()
            ),
            (7, "not a date")
        );
        let get = |r| rep.rejected.get(&r).copied().unwrap_or(0);
        assert_eq!(get(RejectReason::MissingCoordinates), 1);
        assert_eq!(get(RejectReason::UnparseableCoordinates), 1);
        assert_eq!(get(RejectReason::NonFiniteCoordinates), 1);
        assert_eq!(get(RejectReason::NullIsland), 1);
        assert_eq!(get(RejectReason::OutOfRangeLonLat), 1);
        assert_eq!(get(RejectReason::UnparseableTime), 0);
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
    fn read_stray_quote_is_rejected_and_the_rest_read() {
        // issue 12, item 1: one stray quote used to swallow the rest of the file
        let text = "lon,lat,datetime,category\n2.08,48.77,2024-01-01,\"burglary\n2.09,48.78,2024-01-02,theft\n2.10,48.79,2024-01-03,theft\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!((rep.rows_read, inc.len()), (3, 2));
        assert_eq!(rep.rejected.get(&RejectReason::UnbalancedQuote), Some(&1));
        assert_eq!(rep.rejections[0].row, 1);
        assert_eq!(rep.rejections[0].column, "category");
        assert!(
            rep.rejections[0].value.contains("next 2 line"),
            "{:?}",
            rep.rejections[0]
        );
        assert_eq!(inc.row, vec![2, 3]);
        let e = load(text, &LoadOptions::new().strict(true)).unwrap_err();
        assert!(e.to_string().contains("unbalanced quote"), "{e}");
    }

    #[test]
    fn read_stray_quote_closed_by_a_later_quote() {
        // the stray quote at row 3 is closed by the quote of row 6: rows 4..6 are read again
        let mut text = String::from("lon,lat,datetime,category,note\n");
        for i in 0..8 {
            let cat = if i == 2 { "\"burglary" } else { "theft" };
            let note = if i == 5 { "\"late, quoted\"" } else { "x" };
            text.push_str(&format!("2.0{i},48.7{i},2024-01-0{},{cat},{note}\n", i + 1));
        }
        let (inc, rep) = load(&text, &LoadOptions::new()).unwrap();
        assert_eq!((rep.rows_read, inc.len(), rep.rejected_total()), (8, 7, 1));
        assert_eq!(rep.rejections[0].row, 3);
        assert_eq!(inc.attr("note").unwrap().get(4), "late, quoted");
    }

    #[test]
    fn read_attributes_all_none_only() {
        use crate::io::Attributes;
        let text = "Crime ID,lon,lat,Month,Crime type,Location\nab1,-87.6,41.8,2019-01,theft,On Main St\nab2,-87.61,41.81,2019-02,burglary,On Elm St\n";
        let (all, rep_all) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(
            all.attr_names,
            ["Crime ID", "Month", "Crime type", "Location"]
        );
        let (none, rep_none) =
            load(text, &LoadOptions::new().attributes(Attributes::None)).unwrap();
        assert!(none.attrs.is_empty() && none.attr_names.is_empty());
        // everything else is as with every attribute kept
        assert_eq!(
            (none.xy.clone(), none.time.clone()),
            (all.xy.clone(), all.time.clone())
        );
        assert_eq!(none.categories, all.categories);
        assert_eq!(format!("{rep_none:?}"), format!("{rep_all:?}"));
        let only = Attributes::Only(vec!["location".into(), "crime id".into()]);
        let (some, _) = load(text, &LoadOptions::new().attributes(only)).unwrap();
        // file order, names as in the header
        assert_eq!(some.attr_names, ["Crime ID", "Location"]);
        assert_eq!(some.attr("location").unwrap().get(1), "On Elm St");
        // a name that is not a column keeps them all (the caller's message lists them)
        let missing = Attributes::Only(vec!["Location".into(), "nosuch".into()]);
        let (kept, _) = load(text, &LoadOptions::new().attributes(missing)).unwrap();
        assert_eq!(kept.attr_names, all.attr_names);
        // `where` filters need no attribute
        let f = crate::io::WhereFilter::parse("Location=On Elm St").unwrap();
        let (filtered, _) = load(
            text,
            &LoadOptions::new().filter(f).attributes(Attributes::None),
        )
        .unwrap();
        assert_eq!((filtered.len(), filtered.row[0]), (1, 2));
    }

    #[test]
    fn read_multiline_quoted_fields_are_kept() {
        // narratives with line breaks (and commas) are legitimate
        let text = "lon,lat,date,narrative\n-87.6,41.8,2019-01-01,\"entered, took\nthe TV, and left\n\"\n-87.61,41.81,2019-01-02,plain\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!((rep.rows_read, inc.len(), rep.rejected_total()), (2, 2, 0));
        assert!(inc.attr("narrative").unwrap().get(0).contains("the TV"));
    }

    #[test]
    fn read_unterminated_quote_at_end_is_rejected() {
        let text = "lon,lat,date,note\n-87.6,41.8,2019-01-01,ok\n-87.61,41.81,2019-01-02,\"never closed\nmore text\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!((rep.rows_read, inc.len()), (3, 1));
        assert_eq!(rep.rejected.get(&RejectReason::UnbalancedQuote), Some(&1));
        // the swallowed line is read again: a malformed row, not lost
        assert_eq!(rep.rejected.get(&RejectReason::MalformedRow), Some(&1));
    }

    #[test]
    fn read_day_first_dates_from_the_whole_column() {
        // issue 12, item 2
        let text = "lon,lat,date\n2.08,48.77,01/02/2024 10:00\n2.09,48.78,13/01/2024 00:09\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!((inc.len(), rep.missing_time), (2, 0));
        let d = rep.date_order.clone().unwrap();
        assert_eq!((d.order, d.ambiguous), (time::DateOrder::DayFirst, false));
        assert_eq!(
            time::format(inc.time[0].unwrap(), TimePrecision::Minute),
            "2024-02-01 10:00"
        );
        assert!(
            rep.notes.iter().any(|n| n.contains("day-first")),
            "{:?}",
            rep.notes
        );
        // month-first evidence
        let (_, rep) = load(
            "lon,lat,date\n2.08,48.77,01/02/2024\n2.09,48.78,01/13/2024\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert_eq!(rep.date_order.unwrap().order, time::DateOrder::MonthFirst);
        // ambiguous: a warning naming the way out
        let (_, rep) = load(
            "lon,lat,date\n2.08,48.77,01/02/2024\n2.09,48.78,03/04/2024\n",
            &LoadOptions::new(),
        )
        .unwrap();
        assert!(rep.date_order.unwrap().ambiguous);
        assert!(
            rep.warnings.iter().any(|w| w.contains("AMBIGUOUS")),
            "{:?}",
            rep.warnings
        );
        // both orders: an error naming both rows
        let e = load(
            "lon,lat,date\n2.08,48.77,13/01/2024\n2.09,48.78,01/13/2024\n",
            &LoadOptions::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("row 1") && e.contains("row 2") && e.contains("time format"),
            "{e}"
        );
    }

    #[test]
    fn read_unreadable_time_keeps_the_row_and_the_window_counts_it() {
        let text = "lon,lat,date\n-87.6,41.8,2019-01-01\n-87.6,41.8,garbage\n-87.6,41.8,\n-87.6,41.8,2019-03-01\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(
            (inc.len(), rep.missing_time, rep.unparseable_time),
            (4, 2, 1)
        );
        // a quarter of the times unreadable: loud, with the way out
        assert!(
            rep.warnings
                .iter()
                .any(|w| w.contains("1 of 4 times") && w.contains("`time_format`")),
            "{:?}",
            rep.warnings
        );
        let opts = LoadOptions {
            from: time::parse_date("2019-02-01"),
            ..LoadOptions::new()
        };
        let (inc, rep) = load(text, &opts).unwrap();
        assert_eq!(inc.len(), 1);
        assert_eq!((rep.filtered_out, rep.filtered_without_time), (3, 2));
        assert_eq!(
            rep.accepted + rep.rejected_total() + rep.filtered_out,
            rep.rows_read
        );
        // strict: an unreadable time is an error
        let e = load(text, &LoadOptions::new().strict(true))
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("unparseable time"), "{e}");
    }

    #[test]
    fn read_uk_police_month_column() {
        // issue 12, item 4: the data.police.uk layout
        let text = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
            a1,2024-01,Met,Met,-0.12,51.50,On or near X,E01,Name,Burglary,None,\n\
            a2,2024-02,Met,Met,-0.13,51.51,On or near Y,E01,Name,Robbery,None,\n";
        let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(rep.columns.get("time").map(String::as_str), Some("Month"));
        assert_eq!(
            rep.columns.get("category").map(String::as_str),
            Some("Crime type")
        );
        assert_eq!(inc.precision[0], TimePrecision::Month);
        assert_eq!(
            time::format(inc.time[1].unwrap(), TimePrecision::Month),
            "2024-02"
        );
        // a Month column of month names is not a time column
        let (inc, rep) = load("lon,lat,Month\n-0.12,51.5,January\n", &LoadOptions::new()).unwrap();
        assert_eq!((inc.time[0], rep.columns.get("time")), (None, None));
    }

    #[test]
    fn read_toronto_mci_columns() {
        let text = "EVENT_UNIQUE_ID,OCC_DATE,OFFENCE,MCI_CATEGORY,LONG_WGS84,LAT_WGS84\n\
            GO-1,2023-01-02,Assault,Assault,-79.38,43.65\n";
        let (_, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(
            rep.columns.get("category").map(String::as_str),
            Some("MCI_CATEGORY")
        );
        assert_eq!(
            rep.columns.get("time").map(String::as_str),
            Some("OCC_DATE")
        );
        let text = "X,Y,Index_,occurrencedate,offence,MCI,Long,Lat\n1,2,3,2014-06-20,Assault,Assault,-79.38,43.65\n";
        let (_, rep) = load(text, &LoadOptions::new()).unwrap();
        assert_eq!(rep.columns.get("category").map(String::as_str), Some("MCI"));
    }

    #[test]
    fn read_duplicate_header_is_an_error_naming_both() {
        // issue 12, item 6
        let e = load("lat,lat,lon\n41.8,41.9,-87.6\n", &LoadOptions::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("columns 1 ('lat') and 2 ('lat')"), "{e}");
        let e = load(
            "x,y,y\n1,2,3\n",
            &LoadOptions {
                x: Some("x".into()),
                y: Some("y".into()),
                ..LoadOptions::new()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("columns 2 ('y') and 3 ('y')"), "{e}");
        // duplicates that play no role are kept, with a note
        let (_, rep) = load("lon,lat,note,note\n-87.6,41.8,a,b\n", &LoadOptions::new()).unwrap();
        assert!(
            rep.notes.iter().any(|n| n.contains("both named 'note'")),
            "{:?}",
            rep.notes
        );
    }

    #[test]
    fn read_swapped_lonlat_in_range_warns() {
        // issue 12, item 5: Chicago written latitude first lands near the South Pole
        let text = "lon,lat\n41.87,-87.62\n41.88,-87.63\n";
        let (_, rep) = load(text, &LoadOptions::new()).unwrap();
        assert!(
            rep.warnings
                .iter()
                .any(|w| w.contains("75") && w.contains("swapped")),
            "{:?}",
            rep.warnings
        );
        let (_, rep) = load("lon,lat\n-87.62,41.87\n", &LoadOptions::new()).unwrap();
        assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
    }

    #[test]
    fn read_projected_crs_on_a_lonlat_file_is_an_error() {
        // issue 12, item 5: --crs EPSG:26971 switched to x/y columns of another CRS
        let text = "id,x,y,lon,lat\n\
            1,432182.15,5401816.50,2.0771153,48.7656591\n\
            2,435580.21,5403614.37,2.1230696,48.7821917\n\
            3,431827.18,5402642.92,2.0721484,48.7730538\n";
        let e = load(text, &LoadOptions::new().crs(Crs::Epsg { code: 26971 }))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not in EPSG:26971") && e.contains("row 1"),
            "{e}"
        );
        // the right CRS passes the check
        let (inc, _) = load(text, &LoadOptions::new().crs(Crs::Epsg { code: 32631 })).unwrap();
        assert_eq!(inc.len(), 3);
    }

    #[test]
    fn raw_records_number_rows_like_the_reader() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("q.csv");
        std::fs::write(
            &p,
            "lon,lat,category\n2.08,48.77,\"burglary\n2.09,48.78,theft\n\n2.10,91,theft\n",
        )
        .unwrap();
        let (_, rep) = read_incidents(&p, &LoadOptions::new()).unwrap();
        let rows: BTreeSet<u64> = rep.rejections.iter().map(|r| r.row).collect();
        assert_eq!(rows, BTreeSet::from([1, 3]));
        let (header, raw) = raw_records(&p, &LoadOptions::new(), &rows).unwrap();
        assert_eq!(header, vec!["lon", "lat", "category"]);
        assert_eq!(raw[&1], vec!["2.08", "48.77", "\"burglary"]);
        assert_eq!(raw[&3], vec!["2.10", "91", "theft"]);
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
