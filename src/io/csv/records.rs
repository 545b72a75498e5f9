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
/// A line without a `"` byte (the common case: the quotes of the data are found by
/// one vectorised search, [`memchr`], ahead of the reading) is split at the delimiter
/// directly: its fields are exactly what the CSV parser would read, and a lone `\r`
/// (a record terminator for the parser) sends the line to the parser. A line that holds
/// a quote is read by the CSV parser (`csv_core`, RFC 4180), which is moved there
/// (`seek`, no new parser); the direct split resumes after it once no quote is near.
/// Blank lines are skipped, as the parser skips them; a `\r\n` ends a record like `\n`.
///
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
    /// The CSV parser over the whole of `body` (positions are offsets in `body`),
    /// used for the lines that hold a quote.
    rdr: csv::Reader<std::io::Cursor<&'a [u8]>>,
    /// Whether the parser reads now (else the direct split, from `pos`).
    parsing: bool,
    /// Offset in `body` of the next byte the direct split reads.
    pos: usize,
    /// Physical lines (`\n`) before `pos`.
    lines: u64,
    /// Offset of the first `"` at or after `pos` (`body.len()` when none), or
    /// [`UNKNOWN`].
    quote: usize,
    /// Number of the last data row read.
    pub(super) row: u64,
}

/// How far (bytes) the next quote must be for the direct split to take over again
/// from the parser (moving the parser is cheap, but not free).
const RESUME_GAP: usize = 512;

/// [`Records::quote`] not searched yet.
const UNKNOWN: usize = usize::MAX;

impl<'a> Records<'a> {
    pub(super) fn new(body: &'a [u8], delim: u8, ncols: usize, coords: Option<CoordCols>) -> Self {
        let mut r = Self::reading(body, delim, ncols, coords, true);
        let _ = r.rdr.byte_headers();
        let at = r.rdr.position().clone();
        r.pos = (at.byte() as usize).min(body.len());
        r.lines = at.line().saturating_sub(1);
        r
    }

    /// The records of a chunk of data rows (no header), cut at a record boundary.
    pub(super) fn chunk(
        body: &'a [u8],
        delim: u8,
        ncols: usize,
        coords: Option<CoordCols>,
    ) -> Self {
        let mut r = Self::reading(body, delim, ncols, coords, false);
        // the parser drops a byte-order mark that starts its first record
        if body.starts_with(b"\xef\xbb\xbf") {
            r.pos = 3;
        }
        r
    }

    /// Tells that `body` holds no `"` (so it is not searched for one).
    pub(super) fn quote_free(mut self) -> Self {
        self.quote = self.body.len();
        self
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
            .from_reader(std::io::Cursor::new(body));
        Records {
            body,
            delim,
            ncols,
            coords,
            rdr,
            parsing: false,
            pos: 0,
            lines: 0,
            quote: UNKNOWN,
            row: 0,
        }
    }

    /// Line number (1-based, in the whole text) where the last record read by the
    /// parser starts.
    pub(super) fn line_of(&self, rec: &csv::ByteRecord) -> u64 {
        rec.position().map_or(1, |p| p.line())
    }

    /// Moves the parser to `byte`, the start of physical line `line` (1-based).
    fn parse_from(&mut self, byte: usize, line: u64) -> std::result::Result<(), String> {
        let mut at = csv::Position::new();
        at.set_byte(byte as u64).set_line(line).set_record(0);
        self.parsing = true;
        self.rdr
            .seek(at)
            .map_err(|e| format!("cannot parse CSV near line {line}: {e}"))
    }

    /// The next record by the direct split into `rec`: `Ok(true)` when read,
    /// `Ok(false)` at the end of `body`, `Err(())` when the line is for the parser.
    fn split_next(&mut self, rec: &mut csv::ByteRecord) -> std::result::Result<bool, ()> {
        let body = self.body;
        loop {
            if self.pos >= body.len() {
                return Ok(false);
            }
            if self.quote == UNKNOWN {
                self.quote =
                    memchr::memchr(b'"', &body[self.pos..]).map_or(body.len(), |k| self.pos + k);
            }
            let rest = &body[self.pos..];
            let (end, next) = match memchr::memchr(b'\n', rest) {
                Some(k) => (self.pos + k, self.pos + k + 1),
                None => (body.len(), body.len()),
            };
            if self.quote < end {
                return Err(());
            }
            let line = &body[self.pos..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                // a blank line: skipped, as the parser skips it
                self.lines += u64::from(next > end);
                self.pos = next;
                continue;
            }
            rec.clear();
            let mut from = 0;
            for k in memchr::memchr2_iter(self.delim, b'\r', line) {
                if line[k] == b'\r' {
                    return Err(()); // a lone `\r` ends a record for the parser
                }
                rec.push_field(&line[from..k]);
                from = k + 1;
            }
            rec.push_field(&line[from..]);
            self.lines += u64::from(next > end);
            self.pos = next;
            return Ok(true);
        }
    }

    pub(super) fn next(
        &mut self,
        rec: &mut csv::ByteRecord,
    ) -> std::result::Result<Option<Item>, String> {
        loop {
            if !self.parsing {
                match self.split_next(rec) {
                    Ok(false) => return Ok(None),
                    Ok(true) => {
                        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                            continue; // blank line
                        }
                        self.row += 1;
                        return Ok(Some(Item::Record));
                    }
                    Err(()) => self.parse_from(self.pos, self.lines + 1)?,
                }
            }
            match self.rdr.read_byte_record(rec) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(format!("cannot parse CSV near line {line}: {e}"));
                }
            }
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                continue; // blank line
            }
            self.row += 1;
            let Some(column) = self.swallowing(rec) else {
                self.maybe_resume();
                return Ok(Some(Item::Record));
            };
            let start = rec.position().map_or(0, |p| p.byte() as usize);
            let end = self.rdr.position().byte() as usize;
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
            let line = self.line_of(rec);
            self.parse_from(next_line, line + 1)?;
            self.maybe_resume();
            return Ok(Some(Item::Unbalanced {
                column,
                lines,
                fields,
            }));
        }
    }

    /// Hands the reading back to the direct split when no quote is near the
    /// parser's position.
    fn maybe_resume(&mut self) {
        let at = self.rdr.position();
        let (byte, line) = ((at.byte() as usize).min(self.body.len()), at.line());
        let near = memchr::memchr(
            b'"',
            &self.body[byte..(byte + RESUME_GAP).min(self.body.len())],
        );
        if near.is_none() {
            self.parsing = false;
            self.pos = byte;
            self.lines = line.saturating_sub(1);
            self.quote = UNKNOWN;
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
        let start = rec.position().map_or(0, |p| p.byte() as usize);
        let end = (self.rdr.position().byte() as usize).min(self.body.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Vec<Vec<u8>>)>;

    /// The records of `body` as the CSV parser alone reads them (blank lines skipped).
    fn by_parser(body: &[u8], delim: u8, header: bool) -> Rows {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(header)
            .from_reader(body);
        let mut out = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).unwrap() {
            if rec.len() == 1 && rec[0].is_empty() {
                continue;
            }
            out.push((
                out.len() as u64 + 1,
                rec.iter().map(<[u8]>::to_vec).collect(),
            ));
        }
        out
    }

    /// The records of `body` through [`Records`] (no row swallows another: `ncols`
    /// is never met).
    fn by_records(body: &[u8], delim: u8, header: bool) -> Rows {
        let mut r = if header {
            Records::new(body, delim, usize::MAX, None)
        } else {
            Records::chunk(body, delim, usize::MAX, None)
        };
        let mut out = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while let Some(item) = r.next(&mut rec).unwrap() {
            assert!(matches!(item, Item::Record), "{body:?}");
            out.push((r.row, rec.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    fn same(body: &[u8]) {
        for header in [false, true] {
            assert_eq!(
                by_records(body, b',', header),
                by_parser(body, b',', header),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn next_split_equals_parser_on_edge_cases() {
        for body in [
            &b"a,\"b,c\",d\n1,\"x\ny\",z\n2,3,4\n"[..],
            b"a,b\r\nc,d\r\n\r\ne,f",
            b"a,b\rc,d\n\r\re,f\r",
            b"a,b,\nc,,\n,\n,,,\n",
            b"a,b\n\n\n  \nc,d",
            b"\n\na,b\n",
            b"h1,h2\nx,\"\"\"q\"\"\",y\n5\" tall,z\n",
            b"a,b\r\r\nc,d\n",
            b"\xef\xbb\xbfa,b\nc,d\n",
            b"a;b,c\n",
            b"",
            b"x",
        ] {
            same(body);
        }
    }

    #[test]
    fn next_split_resumes_after_quoted_lines() {
        // quoted lines, then enough plain lines to hand the reading back, then quotes
        let mut s = String::from("id,note\n");
        for i in 0..300 {
            match i % 100 {
                0..=4 => s.push_str(&format!("{i},\"n, {i}\nmore\"\n")),
                50 => s.push_str(&format!("{i},\"a\r\nb\"\r\n")),
                _ => s.push_str(&format!("{i},plain {i}\n")),
            }
        }
        same(s.as_bytes());
        let rows = by_records(s.as_bytes(), b',', true);
        assert_eq!(rows.len(), 300);
        assert_eq!(rows[1].1[1], b"n, 1\nmore");
        assert_eq!(rows[150].1[1], b"a\r\nb");
    }

    #[test]
    fn next_split_equals_parser_on_random_text() {
        // unquoted bytes anywhere, and well-formed quoted fields holding every byte
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut draw = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..2000 {
            let mut s = Vec::new();
            for _ in 0..draw(60) {
                match draw(9) {
                    0 | 1 => s.push(b','),
                    2 => s.push(b'\n'),
                    3 => s.push(b'\r'),
                    4 => s.push(b' '),
                    5 if s.last().is_none_or(|&b| matches!(b, b',' | b'\n' | b'\r')) => {
                        s.extend_from_slice(b"\"q,\n\"\"\r\"");
                    }
                    _ => s.push(b'a' + draw(3) as u8),
                }
            }
            same(&s);
        }
    }

    #[test]
    fn split_line_reports_the_own_line() {
        assert_eq!(split_line(b"a,\"b,c\r\n", b','), ["a", "\"b", "c"]);
        assert_eq!(split_line(b"x", b','), ["x"]);
    }
}
