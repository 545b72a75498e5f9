//! The plan of a read ([`Plan`]): the resolved `where` filters and kept text columns,
//! the staging it fills, and the scan of one record into it (row conversion), shared
//! by the sequential pass and the parallel chunks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::columns::{duplicate_column, normalise, parse_num, Roles, SAMPLE_ROWS};
use super::records::{field_str, lossy, Item, Records};
use super::{parse_location, Layout};
use crate::error::{Error, Result};
use crate::io::{LoadOptions, RejectReason, Staging};
use crate::layer::{StringColumn, NO_CATEGORY};
use crate::time::{self, TimePrecision};

/// What reading a file's records needs besides the records: the layout, the
/// resolved `where` filters, the kept text columns. Shared by the sequential pass
/// and the parallel chunks.
pub(super) struct Plan<'a> {
    pub(super) path: &'a Path,
    pub(super) header: &'a [String],
    pub(super) roles: &'a Roles,
    pub(super) filters: Vec<(usize, &'a crate::io::WhereFilter)>,
    /// Source columns kept as text attributes.
    pub(super) attr_idx: Vec<usize>,
    pub(super) time_name: String,
    pub(super) time_format: Option<&'a str>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(lay: &'a Layout<'_>, path: &'a Path, opts: &'a LoadOptions) -> Result<Self> {
        let (header, roles) = (&lay.header, &lay.roles);
        // filters: resolve columns
        let mut filters: Vec<(usize, &crate::io::WhereFilter)> = Vec::new();
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
    pub(super) fn staging(&self, lay: &Layout<'_>) -> Staging {
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
    pub(super) fn scan(
        &self,
        records: &mut Records<'_>,
        st: &mut Staging,
        times: &mut crate::io::timecol::TimeReader,
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
                        crate::io::timecol::unparsed(st, row, "year..minute", &v);
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
