//! The writers of a set: every format streams into a staged file.

use super::*;

/// A file of the set being written into the staging folder.
pub(super) type Staged = Tally<BufWriter<File>>;

impl Outputs {
    /// Opens the staged file for `name`; returns the relative and final paths too.
    pub(super) fn create(&mut self, name: &str) -> Result<(Staged, PathBuf)> {
        let rel = format!("{}{name}", self.prefix);
        check_name(&rel)?;
        let shown = self.given.join(&rel);
        if self.files.iter().any(|w| w.rel == rel) {
            return Err(Error::Output {
                path: shown,
                message: "written twice in one output set".into(),
            });
        }
        if !self.planned.contains(&rel) {
            // not declared: check now (still before anything reaches the folder)
            let saved = std::mem::take(&mut self.prefix);
            let r = self.plan([rel.as_str()]);
            self.prefix = saved;
            r?;
        }
        let staged = self.stage()?.dir.join(&rel);
        if let Some(d) = staged.parent() {
            std::fs::create_dir_all(d).map_err(|e| Error::io(&shown, e))?;
        }
        let f = File::create_new(&staged).map_err(|e| Error::io(&shown, e))?;
        let w = Tally::new(BufWriter::with_capacity(1 << 20, f), &rel);
        self.files.push(Written {
            rel,
            prov: self.current,
            meta: false,
            info: FileInfo::default(),
        });
        Ok((w, shown))
    }

    /// Flushes a staged file (to the disk with [`OutputOptions::sync`]) and records
    /// what was learnt while writing it.
    pub(super) fn close(&mut self, w: Staged, shown: &Path) -> Result<()> {
        let rel = w.rel.clone();
        let (w, info) = w.finish();
        let f = w
            .into_inner()
            .map_err(|e| Error::io(shown, e.into_error()))?;
        if self.opts.sync {
            f.sync_all().map_err(|e| Error::io(shown, e))?;
        }
        if let Some(x) = self.files.iter_mut().rev().find(|x| x.rel == rel) {
            x.info = info;
        }
        Ok(())
    }

    /// Streams into the file `name` with `f` (any format).
    pub fn write_with(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let (mut w, shown) = self.create(name)?;
        f(&mut w).map_err(|e| rename_io(e, &shown))?;
        self.close(w, &shown)
    }

    /// Writes `t` as CSV (for the public audience: as the policy publishes it, or
    /// not at all when it is per-incident microdata).
    pub fn table(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        if self.memory.is_some() {
            return self.memory_table(name, t);
        }
        if let Some(p) = self.public.take() {
            let r = p
                .table(&format!("{}{name}", self.prefix), t)
                .and_then(|pt| match pt {
                    Some(pt) => self.table_impl(name, &pt),
                    None => {
                        self.withheld.push(format!("{}{name}", self.prefix));
                        Ok(())
                    }
                });
            self.public = Some(p);
            return r;
        }
        self.table_impl(name, t)
    }

    pub(super) fn table_impl(&mut self, name: &str, t: &dyn Table) -> Result<()> {
        let (w, shown) = self.create(name)?;
        let mut c = CsvWriter::new(w, &shown);
        c.write(t)?;
        let w = c.finish()?;
        self.close(w, &shown)
    }

    /// Writes `f` as GeoJSON (EPSG:4326 for georeferenced CRSs); for the public
    /// audience as the policy publishes it.
    pub fn features(&mut self, name: &str, f: &dyn Features) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        if let Some(p) = self.public.take() {
            let r = p.features(f).and_then(|pf| self.features_impl(name, &pf));
            self.public = Some(p);
            return r;
        }
        self.features_impl(name, f)
    }

    pub(super) fn features_impl(&mut self, name: &str, f: &dyn Features) -> Result<()> {
        let (w, shown) = self.create(name)?;
        let mut g = GeoJsonWriter::new(w, f.crs(), &shown)?;
        g.write(f)?;
        let w = g.finish()?;
        self.close(w, &shown)?;
        if self.report.enabled {
            // the layer as written (published), for the report's interactive map
            let mut c = report::map::Capture {
                cap: report::MAP_MAX_FEATURES,
                total: 0,
                features: Vec::new(),
            };
            f.features(&mut c)?;
            self.report.layers.push(report::LayerCapture {
                rel: format!("{}{name}", self.prefix),
                total: c.total,
                features: c.features,
                crs: f.crs().name(),
            });
        }
        Ok(())
    }

    /// Writes `v` as pretty-printed JSON.
    pub fn json<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        self.json_impl(name, v, false)
    }

    /// Writes `v` as pretty-printed JSON followed by a newline.
    pub fn json_with_newline<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) -> Result<()> {
        self.json_impl(name, v, true)
    }

    pub(super) fn json_impl<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        v: &T,
        nl: bool,
    ) -> Result<()> {
        if let Some(p) = &self.public {
            let shown = self.final_path(name);
            let mut value = serde_json::to_value(v).map_err(|e| Error::Output {
                path: shown,
                message: format!("cannot be written as JSON: {e}"),
            })?;
            p.json(&mut value);
            return self.json_write(name, &value, nl);
        }
        self.json_write(name, v, nl)
    }

    pub(super) fn json_write<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        v: &T,
        nl: bool,
    ) -> Result<()> {
        if self.memory.is_some() {
            return self.memory_json(name, v);
        }
        let (mut w, shown) = self.create(name)?;
        serde_json::to_writer_pretty(&mut w, v).map_err(|e| {
            if e.is_io() {
                Error::io(&shown, std::io::Error::from(e))
            } else {
                Error::Output {
                    path: shown.clone(),
                    message: format!("cannot be written as JSON: {e}"),
                }
            }
        })?;
        if nl {
            w.write_all(b"\n").map_err(|e| Error::io(&shown, e))?;
        }
        self.close(w, &shown)
    }

    /// Renders `fig` in the format of the name's extension (`.png` or `.svg`); a
    /// `.png` figure is also written as the same-named `.svg` (the vector drawing it
    /// was rasterised from), so every figure can be printed sharply or edited.
    pub fn figure(&mut self, name: &str, fig: &Figure) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let format = FigureFormat::of_name(name)?;
        let published = self.published(fig);
        let fig = &*published;
        // the source line: the inputs of the current provenance record, unless set
        let own_source = self.opts.style.source.is_empty();
        if own_source {
            if let Some(p) = self.current.and_then(|k| self.provs.get(k)) {
                self.opts.style.source = crate::export::provenance::source_lines(p);
            }
        }
        let scene = fig.scene(&self.opts.style);
        if own_source {
            self.opts.style.source.clear();
        }
        let scene = scene?;
        let svg = scene.to_svg()?;
        let svg_name = match format {
            FigureFormat::Svg => {
                self.bytes(name, svg.as_bytes())?;
                name.to_string()
            }
            FigureFormat::Png => {
                self.bytes(name, &scene.to_png()?)?;
                let stem = &name[..name.len() - 4];
                let svg_name = format!("{stem}.svg");
                self.bytes(&svg_name, svg.as_bytes())?;
                svg_name
            }
        };
        if self.report.enabled {
            let note = self.figure_note(fig, &svg_name, format == FigureFormat::Png, name);
            self.report.figures.push(note);
        }
        Ok(())
    }

    /// The figure as this set publishes it: for the public audience drawn from the
    /// published values, else as it is.
    fn published<'a>(&self, fig: &'a Figure) -> std::borrow::Cow<'a, Figure> {
        match &self.public {
            Some(p) => std::borrow::Cow::Owned(p.figure(fig)),
            None => std::borrow::Cow::Borrowed(fig),
        }
    }

    /// What the report shows of a figure just written.
    pub(super) fn figure_note(&self, fig: &Figure, svg: &str, png: bool, name: &str) -> FigureNote {
        let style = &self.opts.style;
        let (lines, colours) = match fig {
            Figure::GridMap {
                grid,
                values,
                options,
                ..
            } => (
                &options.title,
                Some(report::FigureColours {
                    grid: Some(*grid),
                    values: values.clone(),
                    scale: options.scale.clone(),
                    palette: style.palette,
                    caption: options.legend.clone(),
                }),
            ),
            Figure::FeatureMap {
                values, options, ..
            } => (
                &options.title,
                Some(report::FigureColours {
                    grid: None,
                    values: values.clone(),
                    scale: options.scale.clone(),
                    palette: style.palette,
                    caption: options.legend.clone(),
                }),
            ),
            Figure::LinePlot { options, .. } | Figure::BarPlot { options, .. } => {
                (&options.title, None)
            }
            Figure::HeatTable(h) => (&h.title, None),
        };
        let (title, subtitle, _) = style.headings(lines);
        let mut notes = style.notes(lines);
        // the version and source lines are in the provenance section
        notes.retain(|n| !n.starts_with("Made with crimescape") && !style.source.contains(n));
        FigureNote {
            svg: format!("{}{svg}", self.prefix),
            png: png.then(|| format!("{}{name}", self.prefix)),
            title,
            subtitle,
            notes,
            colours,
        }
    }

    /// How the figures of this set are drawn (title, palette, source line, context
    /// layers); e.g. the demo puts its city's river, parks and streets under its maps.
    pub fn style_mut(&mut self) -> &mut crate::render::Style {
        &mut self.opts.style
    }

    /// Writes the QGIS style of the layer `geojson` (a name ending in `.geojson`) as the
    /// same-named `.qml`, with the classes and colours of `fig`'s legend (see
    /// [`qml`](crate::qml())); `field` is the attribute the map is coloured by. Does nothing
    /// for a figure that is not a map.
    pub fn qml(
        &mut self,
        geojson: &str,
        fig: &Figure,
        field: &crate::export::qml::ClassedField,
        kind: crate::export::qml::SymbolKind,
    ) -> Result<()> {
        let published = self.published(fig);
        let scale = match &*published {
            Figure::GridMap { options, .. } | Figure::FeatureMap { options, .. } => &options.scale,
            _ => return Ok(()),
        };
        let scale = scale.clone();
        self.qml_scale(geojson, &scale, field, kind)
    }

    /// Writes the QGIS style of the layer `geojson` as the same-named `.qml`, with the
    /// classes and colours of `scale` (e.g. the fixed colours of a map's overlays, as
    /// its title names them), on `field`.
    pub fn qml_scale(
        &mut self,
        geojson: &str,
        scale: &crate::render::ColourScale,
        field: &crate::export::qml::ClassedField,
        kind: crate::export::qml::SymbolKind,
    ) -> Result<()> {
        let stem = geojson.strip_suffix(".geojson").unwrap_or(geojson);
        let text = crate::export::qml::qml(scale, self.opts.style.palette, field, kind);
        self.bytes(&format!("{stem}.qml"), text.as_bytes())
    }

    /// Writes text (a Markdown or HTML report, a plain-text table).
    pub fn text(&mut self, name: &str, s: &str) -> Result<()> {
        self.bytes(name, s.as_bytes())
    }

    /// Writes bytes as they are.
    pub fn bytes(&mut self, name: &str, b: &[u8]) -> Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let (mut w, shown) = self.create(name)?;
        w.write_all(b).map_err(|e| Error::io(&shown, e))?;
        self.close(w, &shown)
    }
}

/// The io error of a writer, renamed to name the final output.
pub(super) fn rename_io(e: Error, shown: &Path) -> Error {
    match e {
        Error::Io { source, .. } => Error::io(shown, source),
        other => other,
    }
}
