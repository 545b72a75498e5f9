//! CSV: a [`Table`] streamed row by row (RFC 4180 quoting by the `csv` crate).

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::describe::{Cell, RowSink, Table};
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

/// Writes tables as CSV into `W`.
pub struct CsvWriter<W: Write> {
    w: csv::Writer<W>,
    path: PathBuf,
    buf: String,
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::format(path, format!("writing CSV: {other:?}")),
    }
}

impl<W: Write> CsvWriter<W> {
    /// A writer into `w`; `path` names the output in error messages.
    pub fn new(w: W, path: impl Into<PathBuf>) -> Self {
        CsvWriter {
            w: csv::WriterBuilder::new().from_writer(w),
            path: path.into(),
            buf: String::new(),
        }
    }

    /// Writes the header and every row of `t`.
    pub fn write(&mut self, t: &dyn Table) -> Result<()> {
        let cols = t.columns();
        self.w
            .write_record(cols.iter().map(|c| c.name.as_bytes()))
            .map_err(|e| csv_err(&self.path, e))?;
        t.rows(self)
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> Result<W> {
        let path = self.path;
        self.w
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))
    }
}

impl<W: Write> RowSink for CsvWriter<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        for c in cells {
            self.buf.clear();
            cell_text(c, &mut self.buf);
            self.w
                .write_field(self.buf.as_bytes())
                .map_err(|e| csv_err(&self.path, e))?;
        }
        self.w
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(|e| csv_err(&self.path, e))
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
    fn to_csv_rejects_a_row_of_the_wrong_length() {
        let t = table(vec![Column::int("a"), Column::int("b")], |s| {
            s.row(&[Cell::Int(1)])
        });
        assert!(to_csv(&t).is_err());
    }
}
