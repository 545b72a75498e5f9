//! The data records of a delimited file, one at a time, with their row numbers and
//! the recovery from a quote that does not close.

use super::columns::{parse_location, parse_num};

/// Field `i` of a record as text (`Err` when it is not UTF-8; empty when absent).
pub(super) fn field_str(rec: &csv::ByteRecord, i: usize) -> std::result::Result<&str, ()> {
    std::str::from_utf8(rec.get(i).unwrap_or(b"")).map_err(|_| ())
}

/// Every field of a record as text, invalid UTF-8 replaced (for rejected rows).
pub(super) fn lossy(rec: &csv::ByteRecord) -> Vec<String> {
    rec.iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// The columns that tell a data record from a line of free text.
#[derive(Debug, Clone, Copy)]
pub(super) enum CoordCols {
    Xy(usize, usize),
    Location(usize),
}

/// What [`Records::next`] read.
pub(super) enum Item {
    /// A record (with the header's number of fields or not: the caller checks).
    Record,
    /// A row whose quoted field ran over the line breaks of the following rows. The
    /// row is rejected and reading resumes on the next physical line.
    Unbalanced {
        /// The field whose quote did not close.
        column: usize,
        /// Non-blank lines after the row's own line that the field swallowed.
        lines: u64,
        /// The fields of the row's own physical line (for `--rejects`).
        fields: Vec<String>,
    },
}

/// Whether a quote opened in `bytes` (starting at a record start) is still open at
/// the end (RFC 4180: a quote opens only at the start of a field, `""` is an escaped
/// quote).
pub(super) fn ends_inside_quote(bytes: &[u8], delim: u8) -> bool {
    let (mut in_q, mut field_start, mut i) = (false, true, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if in_q {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                in_q = false;
            }
        } else if field_start && b == b'"' {
            in_q = true;
            field_start = false;
        } else {
            field_start = b == delim || b == b'\n' || b == b'\r';
        }
        i += 1;
    }
    in_q
}

/// The data records of a delimited file, in order, with their 1-based row numbers,
/// resynchronised on the next physical line after a row whose quote does not close.
///
/// # Algorithm
/// A quoted field may legitimately hold line breaks (narratives in police exports).
/// It is taken to have **swallowed** the following rows when one of its embedded
/// lines, read on its own, is a complete record (the header's number of fields with
/// readable coordinates), or when the quote is still open at the end of the file.
/// That row is then reported ([`Item::Unbalanced`]) and reading starts again at the
/// physical line after the row's first line, so one stray quote costs one row.
pub(super) struct Records<'a> {
    pub(super) body: &'a [u8],
    pub(super) delim: u8,
    pub(super) ncols: usize,
    pub(super) coords: Option<CoordCols>,
    pub(super) rdr: csv::Reader<&'a [u8]>,
    /// Byte offset of the reader's input in `body`.
    pub(super) base: usize,
    /// Physical lines before the reader's input.
    pub(super) line_base: u64,
    /// Number of the last data row read.
    pub(super) row: u64,
}

impl<'a> Records<'a> {
    pub(super) fn new(body: &'a [u8], delim: u8, ncols: usize, coords: Option<CoordCols>) -> Self {
        let mut r = Self::reading(body, delim, ncols, coords, true);
        let _ = r.rdr.byte_headers();
        r
    }

    /// The records of a chunk of data rows (no header), cut at a record boundary.
    pub(super) fn chunk(
        body: &'a [u8],
        delim: u8,
        ncols: usize,
        coords: Option<CoordCols>,
    ) -> Self {
        Self::reading(body, delim, ncols, coords, false)
    }

    /// A reader of `body` from its start (with or without a header record).
    fn reading(
        body: &'a [u8],
        delim: u8,
        ncols: usize,
        coords: Option<CoordCols>,
        headers: bool,
    ) -> Self {
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(headers)
            .from_reader(body);
        Records {
            body,
            delim,
            ncols,
            coords,
            rdr,
            base: 0,
            line_base: 0,
            row: 0,
        }
    }

    /// Line number (1-based, in the whole text) where the last record read starts.
    pub(super) fn line_of(&self, rec: &csv::ByteRecord) -> u64 {
        self.line_base + rec.position().map_or(1, |p| p.line())
    }

    pub(super) fn next(
        &mut self,
        rec: &mut csv::ByteRecord,
    ) -> std::result::Result<Option<Item>, String> {
        loop {
            match self.rdr.read_byte_record(rec) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    let line = self.line_base + e.position().map_or(0, |p| p.line());
                    return Err(format!("cannot parse CSV near line {line}: {e}"));
                }
            }
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                continue; // blank line
            }
            self.row += 1;
            let Some(column) = self.swallowing(rec) else {
                return Ok(Some(Item::Record));
            };
            let start = self.base + rec.position().map_or(0, |p| p.byte() as usize);
            let end = self.base + self.rdr.position().byte() as usize;
            let start = start.min(self.body.len());
            let end = end.clamp(start, self.body.len());
            let lines = self.body[start..end]
                .split(|&b| b == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .count()
                .saturating_sub(1) as u64;
            let next_line = self.body[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.body.len(), |k| start + k + 1);
            let own = &self.body[start..next_line];
            let fields = split_line(own, self.delim);
            self.line_base = self.line_of(rec);
            self.base = next_line;
            self.rdr = csv::ReaderBuilder::new()
                .delimiter(self.delim)
                .flexible(true)
                .has_headers(false)
                .from_reader(&self.body[next_line..]);
            return Ok(Some(Item::Unbalanced {
                column,
                lines,
                fields,
            }));
        }
    }

    /// The field that swallowed the following rows, if any (see the type's docs).
    pub(super) fn swallowing(&self, rec: &csv::ByteRecord) -> Option<usize> {
        // the common case, a record without line breaks, in one vectorised scan
        memchr::memchr2(b'\n', b'\r', rec.as_slice())?;
        let nl = |b: &u8| *b == b'\n' || *b == b'\r';
        let first = rec.iter().position(|f| f.iter().any(nl))?;
        for (k, f) in rec.iter().enumerate() {
            if !f.iter().any(nl) {
                continue;
            }
            for line in f.split(|&b| b == b'\n').skip(1) {
                if self.is_record(line) {
                    return Some(k);
                }
            }
        }
        let start = self.base + rec.position().map_or(0, |p| p.byte() as usize);
        let end = (self.base + self.rdr.position().byte() as usize).min(self.body.len());
        (start < end && ends_inside_quote(&self.body[start..end], self.delim)).then_some(first)
    }

    /// Whether one line, read on its own, is a complete data record.
    pub(super) fn is_record(&self, line: &[u8]) -> bool {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        let mut r = csv::ReaderBuilder::new()
            .delimiter(self.delim)
            .flexible(true)
            .has_headers(false)
            .from_reader(line);
        let mut rec = csv::ByteRecord::new();
        if !matches!(r.read_byte_record(&mut rec), Ok(true)) || rec.len() != self.ncols {
            return false;
        }
        let text = |i: usize| rec.get(i).and_then(|f| std::str::from_utf8(f).ok());
        match self.coords {
            Some(CoordCols::Xy(x, y)) => {
                text(x).and_then(parse_num).is_some() && text(y).and_then(parse_num).is_some()
            }
            Some(CoordCols::Location(l)) => text(l).and_then(parse_location).is_some(),
            None => true,
        }
    }
}

/// The fields of one physical line, split at the delimiter without quoting rules
/// (for reporting a row whose quote did not close).
pub(super) fn split_line(line: &[u8], delim: u8) -> Vec<String> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.split(|&b| b == delim)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}
