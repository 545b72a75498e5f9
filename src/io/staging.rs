//! Rows as read, before validation: the columns every reader fills.

use std::collections::BTreeMap;
use std::path::Path;

use super::{timecol, LoadOptions, RejectReason, Rejection, DEFAULT_MAX_WINDOW};
use crate::crs::Crs;
use crate::error::Error;
use crate::layer::{StringColumn, NO_CATEGORY};
use crate::time::TimePrecision;

/// Rows as read from a file, in the input CRS, before validation and projection.
#[derive(Debug, Default)]
pub(crate) struct Staging {
    pub xy: Vec<[f64; 2]>,
    /// Times, [`NO_TIME`] where absent (8 bytes per row instead of 16 for an
    /// `Option<i64>`: the staging is the peak memory of a national-size load).
    pub time: Vec<i64>,
    pub precision: Vec<TimePrecision>,
    /// Window lengths in seconds (see [`Incidents::window_len`]); empty when every
    /// time so far is exact, else one per staged row.
    pub window_len: Vec<u32>,
    pub category: Vec<u32>,
    pub categories: Vec<String>,
    pub cat_lookup: std::collections::HashMap<String, u32>,
    pub row: Vec<u64>,
    pub attrs: Vec<StringColumn>,
    pub attr_names: Vec<String>,
    pub rejections: Vec<Rejection>,
    pub rows_read: u64,
    pub filtered_out: u64,
    pub filtered_without_time: u64,
    /// Rows that passed every `where` filter.
    pub where_passed: u64,
    /// Per `where` filter: the values (as written, trimmed) of the rows it stopped,
    /// with their counts (at most [`WHERE_VALUES_KEPT`] distinct values).
    pub where_missed: Vec<BTreeMap<String, u64>>,
    pub notes: Vec<String>,
    pub columns: BTreeMap<String, String>,
    /// Whether the coordinates are known to be lon/lat (from column names or file CRS).
    pub lonlat_columns: bool,
    /// CRS declared by the file itself (GeoJSON `crs` member).
    pub file_crs: Option<Crs>,
    /// `file_crs` is the format's default (RFC 7946 EPSG:4326), not a declaration.
    pub file_crs_default: bool,
    /// Column names for the x and y roles (for messages).
    pub xy_names: (String, String),
    /// Rows kept without time because their time text cannot be read.
    pub time_unparsed: Vec<Rejection>,
    /// How numeric dates were read.
    pub date_order: Option<crate::time::DateOrderChoice>,
    /// Loud warnings (see [`LoadReport::warnings`]).
    pub warnings: Vec<String>,
    /// For files read from x/y columns that also have lon/lat columns: `(row, [lon,
    /// lat])` of the first rows, to check that the x/y CRS puts them at the same place.
    pub lonlat_check: Vec<(u64, [f64; 2])>,
}

/// A staged row without time (no time read from a file can be this far in the past).
pub(crate) const NO_TIME: i64 = i64::MIN;

/// A staged time as an option.
#[inline]
pub(crate) fn staged_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

/// Distinct values kept per `where` filter for the message of a filter that matches nothing.
pub(crate) const WHERE_VALUES_KEPT: usize = 1000;

impl Staging {
    /// Applies the `where` filters to one row, given each filter with the row's value
    /// of its column, in filter order (evaluated lazily: up to the first that stops
    /// the row). Counts the row as passed or filtered out, and records the value
    /// that stopped it; whether it passed.
    pub(crate) fn passes<'v>(
        &mut self,
        values: impl Iterator<Item = (&'v super::WhereFilter, std::borrow::Cow<'v, str>)>,
    ) -> bool {
        for (k, (f, v)) in values.enumerate() {
            if !f.accepts(&v) {
                self.where_missed(k, &v);
                self.filtered_out += 1;
                return false;
            }
        }
        self.where_passed += 1;
        true
    }

    /// Records the row value that `where` filter `k` stopped.
    pub(crate) fn where_missed(&mut self, k: usize, value: &str) {
        if self.where_missed.len() <= k {
            self.where_missed.resize_with(k + 1, BTreeMap::new);
        }
        let m = &mut self.where_missed[k];
        let v = value.trim();
        if let Some(c) = m.get_mut(v) {
            *c += 1;
        } else if m.len() < WHERE_VALUES_KEPT {
            m.insert(v.to_string(), 1);
        }
    }

    /// An error when `where` filters stopped every row that reached them: names the
    /// first filter that stopped rows and lists the values its column has.
    pub(crate) fn where_matched_nothing(&self, path: &Path, opts: &LoadOptions) -> Option<Error> {
        if opts.filters.is_empty() || self.where_passed > 0 {
            return None;
        }
        let (k, seen) = self
            .where_missed
            .iter()
            .enumerate()
            .find(|(_, m)| !m.is_empty())?;
        let f = opts.filters.get(k)?;
        let mut vals: Vec<(&String, &u64)> = seen.iter().collect();
        vals.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = vals
            .iter()
            .take(20)
            .map(|(v, c)| {
                if v.is_empty() {
                    format!("(empty) ({c})")
                } else {
                    format!("{v} ({c})")
                }
            })
            .collect();
        let more = if vals.len() > 20 {
            format!(", ... {} more", vals.len() - 20)
        } else {
            String::new()
        };
        Some(Error::invalid_param(
            "where",
            f.describe(),
            format!(
                "no row of {} matches; '{}' has: {}{more}",
                path.display(),
                f.column,
                shown.join(", ")
            ),
        ))
    }

    pub fn category_index(&mut self, v: &str) -> u32 {
        let v = v.trim();
        if v.is_empty() {
            return NO_CATEGORY;
        }
        if let Some(&i) = self.cat_lookup.get(v) {
            return i;
        }
        let i = self.categories.len() as u32;
        self.categories.push(v.to_string());
        self.cat_lookup.insert(v.to_string(), i);
        i
    }

    /// Keeps the staged rows whose `keep` entry is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        let idx: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
        if idx.len() == keep.len() {
            return;
        }
        fn pick<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| k.next().copied().unwrap_or(true));
        }
        pick(&mut self.xy, keep);
        pick(&mut self.time, keep);
        pick(&mut self.precision, keep);
        pick(&mut self.window_len, keep);
        pick(&mut self.category, keep);
        pick(&mut self.row, keep);
        for c in &mut self.attrs {
            *c = c.select(&idx);
        }
    }

    pub fn reject(
        &mut self,
        row: u64,
        reason: RejectReason,
        column: &str,
        value: &str,
        raw: Vec<String>,
    ) {
        self.rejections.push(Rejection {
            row,
            reason,
            column: column.to_string(),
            value: value.to_string(),
            raw,
        });
    }
}

/// Reads the window ends `to_text` (one per staged row, empty = exact), after the
/// start column's date order is decided; rejects (and counts) windows that end before
/// they start or are longer than `max_window`; fills `st.window_len`.
pub(crate) fn apply_window_ends(
    st: &mut Staging,
    to_text: &StringColumn,
    column: &str,
    opts: &LoadOptions,
) {
    let order = st
        .date_order
        .as_ref()
        .map_or(crate::time::DateOrder::MonthFirst, |c| c.order);
    let max = opts.max_window.unwrap_or(DEFAULT_MAX_WINDOW);
    let n = st.xy.len();
    let mut keep = vec![true; n];
    let mut lens = vec![0u32; n];
    let mut unread = Vec::new();
    for (i, k) in keep.iter_mut().enumerate() {
        let text = to_text.get(i).trim();
        let Some(from) = staged_time(st.time[i]) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let to = match &opts.time_format {
            Some(f) => crate::time::parse_with_format(text, f),
            None => crate::time::parse_ordered(text, order),
        };
        let Some((to, _)) = to else {
            unread.push((st.row[i], text.to_string()));
            continue;
        };
        let reason = if to < from {
            Some(RejectReason::WindowEndsBeforeStart)
        } else if to - from > max || to - from > u32::MAX as i64 {
            Some(RejectReason::WindowTooLong)
        } else {
            lens[i] = (to - from) as u32;
            None
        };
        if let Some(r) = reason {
            *k = false;
            let v = format!(
                "{} .. {}",
                crate::time::format(from, TimePrecision::Minute),
                crate::time::format(to, TimePrecision::Minute)
            );
            st.reject(st.row[i], r, column, &v, Vec::new());
        }
    }
    for (row, text) in unread {
        timecol::unparsed(st, row, column, &text);
    }
    if lens.iter().any(|&l| l > 0) {
        st.window_len = lens;
    }
    st.retain(&keep);
}
