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
mod tests;
