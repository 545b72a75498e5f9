//! A writer that learns, while a file is written, what the commit and the report
//! need of it (its size; the text of a small JSON or SVG file; the header, first rows
//! and row count of a CSV table), so that no output is read back.

use std::io::Write;

use super::report::TABLE_ROWS;

/// What is known of a written file without reading it back.
#[derive(Debug, Clone, Default)]
pub(super) struct FileInfo {
    /// Its size in bytes.
    pub(super) size: u64,
    /// What the report reads of it: the whole file (`.json`, `.svg`), the header and
    /// the first [`TABLE_ROWS`] records (`.csv`), nothing otherwise.
    pub(super) kept: Vec<u8>,
    /// Records after the header (`.csv` only).
    pub(super) csv_rows: Option<usize>,
}

/// What to keep of a file, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    CsvHead,
    Nothing,
}

impl Keep {
    fn of(rel: &str) -> Keep {
        let ext = rel
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "json" | "svg" => Keep::All,
            "csv" => Keep::CsvHead,
            _ => Keep::Nothing,
        }
    }
}

/// Passes every byte on to `inner` and tallies it (see [`FileInfo`]).
///
/// CSV records are counted as the `csv` crate reads them: a record ends at a line
/// break outside double quotes (`\n`, `\r` or `\r\n`), and empty lines are no records.
pub(super) struct Tally<W: Write> {
    inner: W,
    /// The file, relative to the set's folder.
    pub(super) rel: String,
    keep: Keep,
    info: FileInfo,
    in_quotes: bool,
    /// The current CSV line holds a byte (it is a record once it ends).
    line_open: bool,
    /// Records ended so far (the header included).
    records: usize,
}

impl<W: Write> Tally<W> {
    /// Tallies the file `rel` written into `inner`.
    pub(super) fn new(inner: W, rel: &str) -> Self {
        Tally {
            inner,
            rel: rel.to_string(),
            keep: Keep::of(rel),
            info: FileInfo::default(),
            in_quotes: false,
            line_open: false,
            records: 0,
        }
    }

    /// The writer and what was learnt.
    pub(super) fn finish(mut self) -> (W, FileInfo) {
        if self.keep == Keep::CsvHead {
            let n = self.records + usize::from(self.line_open);
            self.info.csv_rows = Some(n.saturating_sub(1));
        }
        (self.inner, self.info)
    }

    /// Counts the CSV records of `buf`; returns the length of its part that belongs
    /// to the kept head (the header and the first [`TABLE_ROWS`] records).
    fn csv(&mut self, buf: &[u8]) -> usize {
        let mut head = if self.records > TABLE_ROWS {
            0
        } else {
            buf.len()
        };
        for (k, &b) in buf.iter().enumerate() {
            match b {
                b'\n' | b'\r' if !self.in_quotes => {
                    if self.line_open {
                        self.records += 1;
                        self.line_open = false;
                        if self.records == TABLE_ROWS + 1 {
                            head = k + 1;
                        }
                    }
                }
                b'"' => {
                    self.in_quotes = !self.in_quotes;
                    self.line_open = true;
                }
                _ => self.line_open = true,
            }
        }
        head
    }
}

impl<W: Write> Write for Tally<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let buf = &buf[..n];
        self.info.size += n as u64;
        match self.keep {
            Keep::All => self.info.kept.extend_from_slice(buf),
            Keep::CsvHead => {
                let head = self.csv(buf);
                self.info.kept.extend_from_slice(&buf[..head]);
            }
            Keep::Nothing => {}
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(rel: &str, chunks: &[&[u8]]) -> FileInfo {
        let mut t = Tally::new(Vec::new(), rel);
        for c in chunks {
            t.write_all(c).unwrap();
        }
        let (w, info) = t.finish();
        assert_eq!(info.size, w.len() as u64);
        info
    }

    #[test]
    fn tally_counts_csv_records_as_the_csv_crate_reads_them() {
        let text = "a,b\n1,\"x\ny\"\n\n2,\"\"\"q\"\r\n3,z";
        // one chunk, or byte by byte: the same
        let one = tally("t.csv", &[text.as_bytes()]);
        let bytes: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        let many = tally("t.csv", &bytes);
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let n = r.records().count();
        assert_eq!(n, 3);
        assert_eq!(one.csv_rows, Some(n));
        assert_eq!(many.csv_rows, Some(n));
        assert_eq!(one.kept, text.as_bytes());
        assert_eq!(many.kept, text.as_bytes());
    }

    #[test]
    fn tally_keeps_the_csv_head_only() {
        let mut text = String::from("n\n");
        for k in 0..100 {
            text.push_str(&format!("{k}\n"));
        }
        let info = tally("t.CSV", &[text.as_bytes()]);
        assert_eq!(info.csv_rows, Some(100));
        let head: String = text
            .lines()
            .take(TABLE_ROWS + 1)
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(info.kept, head.as_bytes());
        assert_eq!(info.size, text.len() as u64);
    }

    #[test]
    fn tally_keeps_json_and_svg_whole_and_nothing_else() {
        assert_eq!(tally("a.json", &[b"{", b"}"]).kept, b"{}");
        assert_eq!(tally("a/b.svg", &[b"<svg/>"]).kept, b"<svg/>");
        let g = tally("a.geojson", &[b"{}"]);
        assert!(g.kept.is_empty() && g.csv_rows.is_none());
        assert_eq!(g.size, 2);
        assert_eq!(tally("empty.csv", &[]).csv_rows, Some(0));
    }
}
