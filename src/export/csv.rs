//! CSV: a [`Table`] streamed row by row (RFC 4180 quoting by the `csv` crate).

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::describe::{chunks, Cell, RowSink, Table};
use crate::error::{Error, Result};

/// Appends the CSV text of a cell to `buf` (see [`Cell`] for the conventions).
pub(crate) fn cell_text(c: &Cell<'_>, buf: &mut String) {
    match c {
        Cell::Null => {}
        Cell::Bool(b) => buf.push_str(if *b { "true" } else { "false" }),
        Cell::Int(i) => {
            let _ = write!(buf, "{i}");
        }
        Cell::Float(v) => {
            let _ = write!(buf, "{v}");
        }
        Cell::Fixed(v, d) => {
            let _ = write!(buf, "{v:.*}", *d);
        }
        Cell::Sci(v, d) => {
            let _ = write!(buf, "{v:.*e}", *d);
        }
        Cell::Str(s) => buf.push_str(s),
        Cell::String(s) => buf.push_str(s),
        Cell::Json(v) => match v.as_ref() {
            serde_json::Value::String(s) => buf.push_str(s),
            serde_json::Value::Null => {}
            other => buf.push_str(&other.to_string()),
        },
    }
}

/// Items per chunk of a table written in parallel.
const CHUNK: usize = 8192;

/// Rows formatted in memory before they are passed on to the output.
const FLUSH_ROWS: usize = 4096;

/// Writes tables as CSV into `W`.
pub struct CsvWriter<W: Write> {
    out: W,
    fmt: csv::Writer<Vec<u8>>,
    rows: usize,
    path: PathBuf,
    buf: String,
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::format(path, format!("writing CSV: {other:?}")),
    }
}

fn formatter() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

impl<W: Write> CsvWriter<W> {
    /// A writer into `w`; `path` names the output in error messages.
    pub fn new(w: W, path: impl Into<PathBuf>) -> Self {
        CsvWriter {
            out: w,
            fmt: formatter(),
            rows: 0,
            path: path.into(),
            buf: String::new(),
        }
    }

    /// Passes the formatted rows on to the output.
    fn drain(&mut self) -> Result<()> {
        let fmt = std::mem::replace(&mut self.fmt, formatter());
        let bytes = fmt
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        self.rows = 0;
        self.out
            .write_all(&bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Writes the header and every row of `t` (a large indexed table in parallel
    /// chunks; the bytes are the same).
    pub fn write(&mut self, t: &dyn Table) -> Result<()> {
        let cols = t.columns();
        self.fmt
            .write_record(cols.iter().map(|c| c.name.as_bytes()))
            .map_err(|e| csv_err(&self.path, e))?;
        match t.items() {
            Some(n) if n >= 2 * CHUNK && rayon::current_num_threads() > 1 => {
                self.drain()?;
                let ranges = chunks(n, CHUNK);
                let batch = 2 * rayon::current_num_threads();
                for group in ranges.chunks(batch) {
                    let parts: Vec<Result<Vec<u8>>> = group
                        .par_iter()
                        .map(|r| {
                            let mut w = CsvWriter::new(Vec::new(), &self.path);
                            t.rows_of(r.clone(), &mut w)?;
                            w.finish()
                        })
                        .collect();
                    for p in parts {
                        self.out
                            .write_all(&p?)
                            .map_err(|e| Error::io(&self.path, e))?;
                    }
                }
                Ok(())
            }
            _ => t.rows(self),
        }
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> Result<W> {
        self.drain()?;
        Ok(self.out)
    }
}

impl<W: Write> RowSink for CsvWriter<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        for c in cells {
            self.buf.clear();
            cell_text(c, &mut self.buf);
            self.fmt
                .write_field(self.buf.as_bytes())
                .map_err(|e| csv_err(&self.path, e))?;
        }
        self.fmt
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(|e| csv_err(&self.path, e))?;
        self.rows += 1;
        if self.rows >= FLUSH_ROWS {
            self.drain()?;
        }
        Ok(())
    }
}

/// A table as CSV bytes in memory (small tables, tests).
pub fn to_csv(t: &dyn Table) -> Result<Vec<u8>> {
    let mut w = CsvWriter::new(Vec::new(), "<memory>");
    w.write(t)?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{table, Column};

    #[test]
    fn to_csv_formats_cells_and_quotes() {
        let t = table(
            vec![
                Column::text("name"),
                Column::float("v"),
                Column::float("w"),
                Column::int("n"),
            ],
            |s| {
                s.row(&[
                    Cell::Str("a,b"),
                    Cell::opt(f64::NAN),
                    Cell::Fixed(1.23456, 2),
                    Cell::Int(-3),
                ])?;
                s.row(&[
                    Cell::String("x\"y".into()),
                    Cell::Float(0.1),
                    Cell::Sci(12345.0, 3),
                    Cell::Null,
                ])
            },
        );
        let text = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        assert_eq!(
            text,
            "name,v,w,n\n\"a,b\",,1.23,-3\n\"x\"\"y\",0.1,1.234e4,\n"
        );
    }

    #[test]
    fn to_csv_indexed_in_parallel_gives_the_same_bytes() {
        use crate::export::table_indexed;
        let n = 40_000;
        let cols = || vec![Column::int("i"), Column::float("v"), Column::text("s")];
        let row = |i: usize, s: &mut dyn RowSink| {
            s.row(&[
                Cell::count(i),
                Cell::Float(i as f64 / 7.0),
                Cell::String(if i % 3 == 0 {
                    format!("a,{i}")
                } else {
                    String::new()
                }),
            ])
        };
        let seq = table(cols(), |s| (0..n).try_for_each(|i| row(i, s)));
        let par = table_indexed(cols(), n, row);
        let a = to_csv(&seq).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let b = pool.install(|| to_csv(&par)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.iter().filter(|c| **c == b'\n').count(), n + 1);
    }

    #[test]
    fn to_csv_rejects_a_row_of_the_wrong_length() {
        let t = table(vec![Column::int("a"), Column::int("b")], |s| {
            s.row(&[Cell::Int(1)])
        });
        assert!(to_csv(&t).is_err());
    }
}
