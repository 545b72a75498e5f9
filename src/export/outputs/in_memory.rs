//! A set that writes no file (issue 15): tables and JSON values kept in memory.

use super::*;

/// What an in-memory set keeps: its tables as typed columns and its JSON values.
#[derive(Debug, Default)]
pub(super) struct InMemory {
    tables: Vec<crate::export::memory::TableColumns>,
    json: Vec<(String, serde_json::Value)>,
}

impl Outputs {
    /// A set that writes no file: tables ([`Outputs::table`]) are kept as typed
    /// columns and JSON values ([`Outputs::json`]) as values, in the order written;
    /// feature layers, figures and text are skipped (not even rendered). Take them
    /// with [`Outputs::into_memory`]. This is the data-frame path of a result's
    /// [`Export`](crate::export::Export): the same tables as its CSV files, without the files.
    pub fn in_memory() -> Outputs {
        let mut o = Outputs::fresh(
            PathBuf::new(),
            PathBuf::new(),
            Mode::InPlace,
            OutputOptions::default(),
            None,
        );
        o.memory = Some(InMemory::default());
        o
    }

    /// The tables and JSON values of an [`Outputs::in_memory`] set, each with its
    /// file name (section prefix included); empty for a set that writes files.
    #[allow(clippy::type_complexity)]
    pub fn into_memory(
        mut self,
    ) -> (
        Vec<crate::export::memory::TableColumns>,
        Vec<(String, serde_json::Value)>,
    ) {
        let m = self.memory.take().unwrap_or_default();
        (m.tables, m.json)
    }

    pub(super) fn memory_table(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        let full = format!("{}{name}", self.prefix);
        let c = crate::export::memory::table_columns(&full, t)?;
        if let Some(m) = &mut self.memory {
            m.tables.push(c);
        }
        Ok(())
    }

    pub(super) fn memory_json<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        let full = format!("{}{name}", self.prefix);
        let value = serde_json::to_value(v).map_err(|e| Error::Output {
            path: PathBuf::from(&full),
            message: format!("cannot be kept as JSON: {e}"),
        })?;
        if let Some(m) = &mut self.memory {
            m.json.push((full, value));
        }
        Ok(())
    }
}
