//! Delimited-text incidents (CSV, TSV, semicolon or pipe separated).
//!
//! Columns are found by name, case-insensitively and ignoring spaces, `_`, `-`
//! and `.`, from the alias lists below, unless given explicitly. The reader
//! streams `csv::ByteRecord`s and allocates only for new category values and
//! kept text columns.
//!
//! This file holds the entry points and the layout of a file; `csv/columns.rs` the
//! column aliases and roles; `csv/records.rs` the record reader; `csv/plan.rs` the
//! plan of a read and the conversion of a row; `csv/parallel.rs` the chunked read;
//! `csv/stream.rs` the streamed read.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::{finish, LoadOptions, LoadReport, Staging};
use crate::error::{Error, Result};
use crate::layer::{Incidents, StringColumn};

mod columns;
mod parallel;
mod plan;
mod records;
pub(crate) mod stream;

pub(crate) use columns::WINDOW_PAIRS;
use columns::*;
pub use columns::{normalise, parse_location, sniff_delimiter, ALIASES};
use plan::Plan;
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
