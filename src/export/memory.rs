//! Result tables kept in memory as typed columns instead of written as CSV: the
//! data-frame path of [`Outputs::in_memory`](super::Outputs::in_memory) (the Python
//! module hands these columns to pandas as numpy arrays, without a file or a text
//! round trip).

use std::fmt::Write as _;

use super::{Cell, RowSink, Table};
use crate::error::Result;

/// The values of one column of a table, typed from its cells.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Whole numbers (`None`: an empty cell); a real number printed as a whole number
    /// (`3`, as the CSV prints `3.0`) counts as one, as a CSV reader sees it.
    Int(Vec<Option<i64>>),
    /// Real numbers, exactly as the CSV prints them (cells with a fixed number of
    /// decimals are rounded as printed); NaN for an empty cell.
    Float(Vec<f64>),
    /// `true` / `false` (`None`: an empty cell).
    Bool(Vec<Option<bool>>),
    /// Text as the CSV prints it (JSON cells as compact JSON; `None`: an empty cell).
    Text(Vec<Option<String>>),
}

impl ColumnValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Int(v) => v.len(),
            ColumnValues::Float(v) => v.len(),
            ColumnValues::Bool(v) => v.len(),
            ColumnValues::Text(v) => v.len(),
        }
    }

    /// Whether the column has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A table in memory: its name in the output set and its columns in order.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumns {
    /// The file name the table would have been written to (e.g. `gistar.csv`).
    pub name: String,
    /// Header names and values, in column order.
    pub columns: Vec<(String, ColumnValues)>,
}

/// One cell as kept before the column's type is known.
#[derive(Debug, Clone)]
enum Val {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// The value a CSV reader gets back from `text`.
fn printed(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

fn val(c: &Cell<'_>) -> Val {
    let mut buf = String::new();
    match c {
        Cell::Null => Val::Null,
        Cell::Bool(b) => Val::Bool(*b),
        Cell::Int(i) => Val::Int(*i),
        // printed as "3": a whole number to a CSV reader
        Cell::Float(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 => {
            Val::Int(*v as i64)
        }
        Cell::Float(v) => Val::Float(*v),
        Cell::Fixed(v, d) if v.is_finite() => {
            let _ = write!(buf, "{v:.*}", *d);
            match buf.parse::<i64>() {
                Ok(i) => Val::Int(i), // no decimals: "4"
                Err(_) => Val::Float(printed(&buf)),
            }
        }
        Cell::Sci(v, d) if v.is_finite() => {
            let _ = write!(buf, "{v:.*e}", *d);
            Val::Float(printed(&buf))
        }
        Cell::Fixed(v, _) | Cell::Sci(v, _) => Val::Float(*v),
        // empty text prints as an empty cell, exactly as a missing value does
        Cell::Str("") => Val::Null,
        Cell::String(s) if s.is_empty() => Val::Null,
        Cell::Str(s) => Val::Text((*s).to_string()),
        Cell::String(s) => Val::Text(s.clone()),
        Cell::Json(v) => match v.as_ref() {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) if s.is_empty() => Val::Null,
            serde_json::Value::String(s) => Val::Text(s.clone()),
            other => Val::Text(other.to_string()),
        },
    }
}

fn text_of(v: &Val) -> Option<String> {
    match v {
        Val::Null => None,
        Val::Int(i) => Some(i.to_string()),
        Val::Float(f) => Some(f.to_string()),
        Val::Bool(b) => Some(b.to_string()),
        Val::Text(s) => Some(s.clone()),
    }
}

/// The narrowest type that holds every value of a column: whole numbers, then real
/// numbers, then `true`/`false`, else text.
fn typed(vals: Vec<Val>) -> ColumnValues {
    let all = |f: fn(&Val) -> bool| vals.iter().all(|v| matches!(v, Val::Null) || f(v));
    if all(|v| matches!(v, Val::Int(_))) {
        ColumnValues::Int(
            vals.iter()
                .map(|v| match v {
                    Val::Int(i) => Some(*i),
                    _ => None,
                })
                .collect(),
        )
    } else if all(|v| matches!(v, Val::Int(_) | Val::Float(_))) {
        ColumnValues::Float(
            vals.iter()
                .map(|v| match v {
                    Val::Int(i) => *i as f64,
                    Val::Float(f) => *f,
                    _ => f64::NAN,
                })
                .collect(),
        )
    } else if all(|v| matches!(v, Val::Bool(_))) {
        ColumnValues::Bool(
            vals.iter()
                .map(|v| match v {
                    Val::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect(),
        )
    } else {
        ColumnValues::Text(vals.iter().map(text_of).collect())
    }
}

/// Collects the rows of `t` into typed columns (one pass, in row order).
///
/// Each column takes the narrowest type that holds all its values as the CSV prints
/// them, i.e. as a CSV reader (pandas, R) types it: a `Cell::Float(3.0)` is printed
/// `3` and counts as a whole number, a `Cell::Fixed(v, 2)` is `v` rounded to 2
/// decimals and stays real; other reals are kept as they are (the CSV prints their
/// shortest round-trip form, which reads back to the same `f64`).
pub fn table_columns(name: &str, t: &dyn Table) -> Result<TableColumns> {
    struct Collect(Vec<Vec<Val>>);
    impl RowSink for Collect {
        fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
            if self.0.len() < cells.len() {
                let rows = self.0.first().map_or(0, Vec::len);
                self.0.resize(cells.len(), vec![Val::Null; rows]);
            }
            for (k, col) in self.0.iter_mut().enumerate() {
                col.push(cells.get(k).map_or(Val::Null, val));
            }
            Ok(())
        }
    }
    let header: Vec<String> = t
        .columns()
        .into_iter()
        .map(|c| c.name.into_owned())
        .collect();
    let mut c = Collect(vec![Vec::new(); header.len()]);
    t.rows(&mut c)?;
    let mut cols = c.0;
    cols.resize(header.len(), Vec::new());
    Ok(TableColumns {
        name: name.to_string(),
        columns: header
            .into_iter()
            .zip(cols)
            .map(|(h, v)| (h, typed(v)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{table, Column};

    #[test]
    fn table_columns_types_and_rounding() {
        let t = table(
            vec![
                Column::int("id"),
                Column::float("v"),
                Column::float("fixed"),
                Column::text("label"),
                Column::int("maybe"),
            ],
            |sink| {
                sink.row(&[
                    Cell::Int(1),
                    Cell::Float(0.1 + 0.2),
                    Cell::Fixed(1.23456, 2),
                    Cell::Str("HH"),
                    Cell::Null,
                ])?;
                sink.row(&[
                    Cell::Int(2),
                    Cell::Null,
                    Cell::Fixed(f64::NAN, 2),
                    Cell::Null,
                    Cell::Int(7),
                ])
            },
        );
        let c = table_columns("t.csv", &t).unwrap();
        assert_eq!(c.name, "t.csv");
        assert_eq!(c.columns[0].1, ColumnValues::Int(vec![Some(1), Some(2)]));
        match &c.columns[1].1 {
            ColumnValues::Float(v) => {
                assert_eq!(v[0], 0.1 + 0.2);
                assert!(v[1].is_nan());
            }
            other => panic!("{other:?}"),
        }
        match &c.columns[2].1 {
            ColumnValues::Float(v) => {
                assert_eq!(v[0], 1.23);
                assert!(v[1].is_nan());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c.columns[3].1,
            ColumnValues::Text(vec![Some("HH".into()), None])
        );
        assert_eq!(c.columns[4].1, ColumnValues::Int(vec![None, Some(7)]));
    }

    #[test]
    fn in_memory_outputs_keep_tables_and_json_and_write_nothing() {
        use crate::export::Outputs;
        let mut out = Outputs::in_memory();
        let t = table(vec![Column::int("a")], |sink| sink.row(&[Cell::Int(3)]));
        out.table("x.csv", &t).unwrap();
        out.json("x.json", &serde_json::json!({"n": 1})).unwrap();
        out.text("x.md", "skipped").unwrap();
        {
            let mut s = out.section("sub");
            s.table("y.csv", &t).unwrap();
        }
        assert!(out.written().is_empty());
        let (tables, json) = out.into_memory();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["x.csv", "sub/y.csv"]);
        assert_eq!(tables[0].columns[0].1, ColumnValues::Int(vec![Some(3)]));
        assert_eq!(
            json,
            vec![("x.json".to_string(), serde_json::json!({"n": 1}))]
        );
    }

    #[test]
    fn table_columns_mixed_kinds_fall_back() {
        let t = table(vec![Column::float("a"), Column::text("b")], |sink| {
            sink.row(&[Cell::Int(1), Cell::Bool(true)])?;
            sink.row(&[Cell::Float(2.5), Cell::Str("x")])
        });
        let c = table_columns("t.csv", &t).unwrap();
        assert_eq!(c.columns[0].1, ColumnValues::Float(vec![1.0, 2.5]));
        assert_eq!(
            c.columns[1].1,
            ColumnValues::Text(vec![Some("true".into()), Some("x".into())])
        );
        assert!(!c.columns[0].1.is_empty());
        // whole reals print as whole numbers ("3"): an integer column, as read back
        let t = table(vec![Column::float("count")], |sink| {
            sink.row(&[Cell::Float(3.0)])?;
            sink.row(&[Cell::Null])?;
            sink.row(&[Cell::Fixed(4.0, 0)])
        });
        let w = table_columns("t.csv", &t).unwrap();
        assert_eq!(
            w.columns[0].1,
            ColumnValues::Int(vec![Some(3), None, Some(4)])
        );
    }

    #[test]
    fn table_columns_empty_text_is_missing_as_in_the_csv() {
        // an empty string prints as an empty CSV cell, which readers take as missing
        let t = table(vec![Column::text("peak")], |sink| {
            sink.row(&[Cell::Str("Fri 22:00")])?;
            sink.row(&[Cell::String(String::new())])?;
            sink.row(&[Cell::Str("")])
        });
        let c = table_columns("t.csv", &t).unwrap();
        assert_eq!(
            c.columns[0].1,
            ColumnValues::Text(vec![Some("Fri 22:00".into()), None, None])
        );
    }
}
