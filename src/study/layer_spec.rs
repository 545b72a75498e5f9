//! Named layers written as text (a command-line flag, a settings file):
//! `NAME=PATH`, `NAME=PATH:COLUMN=VALUE` (a feature filter) or a bare `PATH` (named
//! by its file stem) — the same grammar wherever a layer is given.

use std::path::{Path, PathBuf};

use super::StudyLayer;
use crate::error::{Error, Result};
use crate::io::LayerOptions;

/// A layer named for a study, with an optional feature filter: `NAME=PATH`,
/// `NAME=PATH:COLUMN=VALUE` (e.g. `lights=lights.geojson:status=out`) or a bare `PATH`
/// named by its file stem.
///
/// ```
/// use crimescape::study::LayerSpec;
///
/// let s: LayerSpec = "lights=city/lights.geojson:status=out".parse()?;
/// assert_eq!(s.name, "lights");
/// assert_eq!(s.path, std::path::PathBuf::from("city/lights.geojson"));
/// assert_eq!(s.filter.as_deref(), Some("status=out"));
/// let bare: LayerSpec = "city/bus_stops.geojson".parse()?;
/// assert_eq!((bare.name.as_str(), bare.given_name()), ("bus_stops", None));
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    /// The layer's name (a risk factor's layer, a proposal's layer).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Feature filter `COLUMN=VALUE`.
    pub filter: Option<String>,
}

fn bad(s: &str, reason: impl Into<String>) -> Error {
    Error::invalid_param("layer", format!("{s:?}"), reason)
}

/// `text` split into its path and the feature filter after the last `:`, when that
/// holds a `=` and a path precedes it (so a Windows path such as `C:\data\bars.geojson`
/// stays whole).
fn path_and_filter(text: &str) -> (&str, Option<String>) {
    match text.rsplit_once(':') {
        Some((p, f)) if f.contains('=') && !p.is_empty() => (p, Some(f.to_string())),
        _ => (text, None),
    }
}

/// Parses `NAME=PATH`, `NAME=PATH:COLUMN=VALUE`, a bare `PATH` or `PATH:COLUMN=VALUE` — the
/// one grammar of a layer given as text. `NAME=` is read only when the text before the
/// first `=` is a plain name (no `/`, `\` or `:`) and the whole text does not name an
/// existing file (`a=b.geojson`); the name is trimmed. A bare path is named by its file
/// name without extensions, as the loaders name a layer (`city/bars.geojson.gz` →
/// `bars`). The filter is the text after the last `:` when it holds a `=`.
///
/// # Errors
/// [`Error::InvalidParam`] on `layer` for an empty name or path, or a bare path
/// without a file name.
impl std::str::FromStr for LayerSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if Path::new(s).exists() {
            return bare(s, s, None);
        }
        let named = s
            .split_once('=')
            .filter(|(name, _)| !name.contains(['/', '\\', ':']));
        let Some((name, rest)) = named else {
            let (path, filter) = path_and_filter(s);
            return bare(s, path, filter);
        };
        let name = name.trim();
        if name.is_empty() || rest.is_empty() {
            return Err(bad(s, "empty name or path"));
        }
        let (path, filter) = path_and_filter(rest);
        Ok(LayerSpec {
            name: name.to_string(),
            path: PathBuf::from(path),
            filter,
        })
    }
}

/// A layer at `path` named as the loaders name it ([`crate::io::csv::stem`]); `s` is
/// the whole text, for the error.
fn bare(s: &str, path: &str, filter: Option<String>) -> Result<LayerSpec> {
    let path = PathBuf::from(path);
    let name = crate::io::csv::stem(&path);
    if name.trim().is_empty() {
        return Err(bad(s, "expected NAME=PATH or PATH"));
    }
    Ok(LayerSpec { name, path, filter })
}

impl LayerSpec {
    /// A layer without a feature filter: `NAME=PATH`, or a bare `PATH` named by its
    /// file stem (also when the text holds a `=` but names an existing file).
    ///
    /// ```
    /// use crimescape::study::LayerSpec;
    ///
    /// let s = LayerSpec::named_or_bare("data/bars.geojson")?;
    /// assert_eq!((s.name.as_str(), s.filter), ("bars", None));
    /// assert_eq!(LayerSpec::named_or_bare("pubs=data/bars.geojson")?.name, "pubs");
    /// # Ok::<(), crimescape::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`str::parse`], and [`Error::InvalidParam`] on `layer` for a feature filter.
    pub fn named_or_bare(s: &str) -> Result<Self> {
        let spec: LayerSpec = s.parse()?;
        if let Some(f) = &spec.filter {
            return Err(bad(
                s,
                format!("feature filters (:{f}) are not supported here"),
            ));
        }
        Ok(spec)
    }

    /// The name unless it is the one the file would get anyway (its name without
    /// extensions): `None` for a bare path (or a `NAME=` that repeats it), so a caller
    /// can fall back to its own default name.
    pub fn given_name(&self) -> Option<&str> {
        (crate::io::csv::stem(&self.path) != self.name).then_some(self.name.as_str())
    }

    /// Parses each text with `parse` (e.g. [`str::parse`] or
    /// [`LayerSpec::named_or_bare`]); the first error stops.
    pub fn parse_all<S: AsRef<str>>(
        texts: &[S],
        parse: impl Fn(&str) -> Result<LayerSpec>,
    ) -> Result<Vec<LayerSpec>> {
        texts.iter().map(|s| parse(s.as_ref())).collect()
    }

    /// Loads the layer ([`StudyLayer::load`], role `layer`) and names it as the spec
    /// says; the filter is not applied here (a risk model applies it per factor).
    pub fn load(&self, opts: &LayerOptions) -> Result<StudyLayer> {
        self.load_with(|path, role| StudyLayer::load(path, opts, role))
    }

    /// As [`LayerSpec::load`], with the caller's loader `load(path, role)` (e.g. one
    /// with other options per layer, or a test's). [`LayerSpec::load`] already keeps
    /// the loader's warnings ([`StudyLayer::warnings`]).
    pub fn load_with<E>(
        &self,
        load: impl FnOnce(&Path, &str) -> std::result::Result<StudyLayer, E>,
    ) -> std::result::Result<StudyLayer, E> {
        let mut l = load(&self.path, "layer")?;
        l.layer.name = self.name.clone();
        Ok(l)
    }
}

#[cfg(test)]
mod tests;
