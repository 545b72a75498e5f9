//! Reading the time of incidents: one place for every reader (CSV, GeoJSON, GDAL).
//!
//! # Rules
//! * A custom format (`LoadOptions::time_format`) is used as given.
//! * Otherwise the forms of [`crate::time::parse`] are accepted. Numeric dates with
//!   the year last (`01/02/2024`, `13.01.2024`) are read in the order decided from
//!   the **whole column** ([`DateOrderVote`]): a first field above 12 anywhere means
//!   day-first, a second field above 12 means month-first, both is an error naming
//!   the two rows, neither leaves the order ambiguous (month-first for `/` and `-`,
//!   day-first for `.`; the load report says so).
//! * A time that cannot be read does not reject the row: the incident is kept
//!   **without time** (time-free analyses use it; analyses that need time count it
//!   as unusable, see [`crate::layer::TimeUse`]) and the row is listed in
//!   [`LoadReport::time_unparsed`](super::LoadReport::time_unparsed).

use super::{RejectReason, Rejection, Staging};
use crate::error::{Error, Result};
use crate::layer::StringColumn;
use crate::time::{self, DateOrder, DateOrderVote, TimePrecision};

/// Reads the time field of each staged row; rows whose reading depends on the
/// column's date order wait until [`TimeReader::finish`].
pub(crate) struct TimeReader {
    format: Option<String>,
    vote: DateOrderVote,
    /// Staging index and row of each numeric date waiting for the decision.
    pending: Vec<(usize, u64)>,
    /// Their text, in `pending` order.
    pending_text: StringColumn,
    /// Column name of each pending row's time (for messages).
    column: String,
}

impl TimeReader {
    /// A reader for the column `column` (its name, for messages) with an optional
    /// custom chrono format.
    pub fn new(column: &str, format: Option<&str>) -> Self {
        TimeReader {
            format: format.map(str::to_string),
            vote: DateOrderVote::default(),
            pending: Vec::new(),
            pending_text: StringColumn::new(),
            column: column.to_string(),
        }
    }

    /// The time of the row about to be staged at index `idx` (source row `row`):
    /// `Some` when it is known now; `None` when the text is empty, cannot be read
    /// (recorded in `st.time_unparsed`), or waits for the column's date order.
    pub fn read(
        &mut self,
        st: &mut Staging,
        idx: usize,
        row: u64,
        text: &str,
    ) -> Option<(i64, TimePrecision)> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Some(f) = &self.format {
            let t = time::parse_with_format(text, f);
            if t.is_none() {
                unparsed(st, row, &self.column, text);
            }
            return t;
        }
        if self.vote.observe(row, text) {
            self.pending.push((idx, row));
            self.pending_text.push(text);
            return None;
        }
        let t = time::parse(text);
        if t.is_none() {
            unparsed(st, row, &self.column, text);
        }
        t
    }

    /// Decides the date order of the column, reads the waiting rows with it and
    /// records the decision in `st.date_order`.
    ///
    /// # Errors
    /// [`Error::Format`] when the column holds dates that can only be day-first and
    /// others that can only be month-first.
    pub fn finish(self, st: &mut Staging, path: &std::path::Path) -> Result<()> {
        let choice = self.vote.decide().map_err(|m| {
            Error::format(
                path,
                format!(
                    "time column '{}': {m}; give the time format explicitly (`time_format`, e.g. \"%d/%m/%Y %H:%M\")",
                    self.column
                ),
            )
        })?;
        let order = choice.as_ref().map_or(DateOrder::MonthFirst, |c| c.order);
        for (k, &(idx, row)) in self.pending.iter().enumerate() {
            let text = self.pending_text.get(k);
            match time::parse_ordered(text, order) {
                Some((t, p)) => {
                    st.time[idx] = t;
                    st.precision[idx] = p;
                }
                None => unparsed(st, row, &self.column, text),
            }
        }
        st.date_order = choice;
        Ok(())
    }
}

impl TimeReader {
    /// Takes over the rows of `later`, a reader of the rows that follow this one's
    /// (a chunk read in parallel, its staging indices and rows numbered from its own
    /// start): they are shifted by `idx` and `rows` and voted again in file order, so
    /// the decision and the rows read with it are those of one reader of the whole
    /// column.
    pub fn absorb(&mut self, later: TimeReader, idx: usize, rows: u64) {
        for (k, &(i, row)) in later.pending.iter().enumerate() {
            let text = later.pending_text.get(k);
            self.vote.observe(row + rows, text);
            self.pending.push((i + idx, row + rows));
            self.pending_text.push(text);
        }
    }
}

/// Records a row kept without time because its time text cannot be read.
pub(crate) fn unparsed(st: &mut Staging, row: u64, column: &str, text: &str) {
    st.time_unparsed.push(Rejection {
        row,
        reason: RejectReason::UnparseableTime,
        column: column.to_string(),
        value: text.to_string(),
        raw: Vec::new(),
    });
}
