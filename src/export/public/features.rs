//! Feature layers for the public audience: groups below k withheld, vertices moved,
//! count properties suppressed as the columns of a table.

use super::*;

impl Publisher {
    /// A feature layer as published. The count properties of the features that are
    /// not groups are read as the columns of a table (feature order) and get the same
    /// complementary suppression as a table ([`Self::plan_suppression`]), so that a
    /// layer written beside its table (`segments.geojson` beside `segments.csv`) hides
    /// the same cells and neither reveals a count the other suppresses.
    pub(crate) fn features<'a>(&'a self, f: &'a dyn Features) -> Result<PublicFeatures<'a>> {
        let snap = self.snap_fn(Some(f.crs()))?;
        struct Collect {
            names: Vec<String>,
            vals: Vec<Vec<Option<f64>>>,
            n: usize,
        }
        impl FeatureSink for Collect {
            fn feature(&mut self, _g: &Geometry<f64>, props: &[Property<'_>]) -> Result<()> {
                let group = props.iter().any(|(n, c)| {
                    GROUP_KEYS.contains(&n.to_ascii_lowercase().as_str())
                        && !matches!(c, Cell::Null)
                });
                if !group {
                    for (n, c) in props {
                        if Role::of_name(n) != Role::Count {
                            continue;
                        }
                        let j = match self.names.iter().position(|x| x == n) {
                            Some(j) => j,
                            None => {
                                self.names.push(n.to_string());
                                self.vals.push(vec![None; self.n]);
                                self.names.len() - 1
                            }
                        };
                        self.vals[j].push(number(c));
                    }
                }
                self.n += 1;
                for v in &mut self.vals {
                    v.resize(self.n, None);
                }
                Ok(())
            }
        }
        let mut c = Collect {
            names: Vec::new(),
            vals: Vec::new(),
            n: 0,
        };
        f.features(&mut c)?;
        let mut comp = std::collections::HashSet::new();
        let mut hide_all = false;
        if !c.names.is_empty() {
            let plan = self.plan_suppression(&c.vals)?;
            hide_all = plan.exposed;
            for (r, j) in plan.comp {
                comp.insert((r, c.names[j].clone()));
            }
            // the layer's hidden cells count in the report like a table's (a cell
            // hidden in a table and in the layer beside it counts in each file)
            let mut s = lock(&self.stats);
            if hide_all {
                let positive = c
                    .vals
                    .iter()
                    .flatten()
                    .filter(|v| v.is_some_and(|x| x > 0.0));
                s.report.cells_suppressed_primary += plan.primary;
                s.report.cells_suppressed_complementary += positive.count() - plan.primary;
            } else {
                s.report.cells_suppressed_primary += plan.primary;
                s.report.cells_suppressed_complementary += comp.len();
            }
            if plan.primary > 0 {
                s.report.add_rule(plan.rule);
            }
        }
        Ok(PublicFeatures {
            inner: f,
            snap,
            comp,
            hide_all,
        })
    }
}

/// A feature layer as published (see [`Publisher::features`]).
pub(crate) struct PublicFeatures<'a> {
    inner: &'a dyn Features,
    snap: SnapIn<'a>,
    /// Complementary cells (feature index, count property) written `"x"`.
    comp: std::collections::HashSet<(usize, String)>,
    /// The labels alone would reveal a count: every positive count is written `"x"`.
    hide_all: bool,
}

// SAFETY-free: Reprojector is Sync when its fields are; checked by the compiler.
impl Features for PublicFeatures<'_> {
    fn crs(&self) -> &Crs {
        self.inner.crs()
    }

    fn features(&self, sink: &mut dyn FeatureSink) -> Result<()> {
        struct Adapter<'s, 'b> {
            f: &'s PublicFeatures<'b>,
            sink: &'s mut dyn FeatureSink,
            withheld: usize,
            index: usize,
        }
        impl FeatureSink for Adapter<'_, '_> {
            fn feature(&mut self, geometry: &Geometry<f64>, props: &[Property<'_>]) -> Result<()> {
                let index = self.index;
                self.index += 1;
                let p = self.f.snap.p;
                let k = f64::from(p.k);
                let group = props.iter().any(|(n, c)| {
                    GROUP_KEYS.contains(&n.to_ascii_lowercase().as_str())
                        && !matches!(c, Cell::Null)
                });
                if group {
                    let size = props
                        .iter()
                        .filter(|(n, _)| GROUP_SIZE_KEYS.contains(&n.to_ascii_lowercase().as_str()))
                        .filter_map(|(_, c)| number(c))
                        .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.min(v))));
                    // a group whose size is unknown or below k is withheld
                    if size.is_none_or(|s| s < k) {
                        self.withheld += 1;
                        return Ok(());
                    }
                }
                let mut out: Vec<Property<'_>> = Vec::with_capacity(props.len());
                let mut xy: (Option<usize>, Option<usize>) = (None, None);
                for (n, c) in props {
                    match Role::of_name(n) {
                        Role::FreeText | Role::LonLat | Role::IncidentId => {
                            p.note_dropped(n);
                            continue;
                        }
                        Role::Count => {
                            if let Some(label) = number(c).and_then(|v| p.count_label(v)) {
                                out.push((n, Cell::String(label)));
                                continue;
                            }
                            let positive = number(c).is_some_and(|v| v > 0.0);
                            if !group
                                && positive
                                && (self.f.hide_all
                                    || self.f.comp.contains(&(index, n.to_string())))
                            {
                                out.push((n, Cell::String("x".into())));
                                continue;
                            }
                        }
                        Role::X => xy.0 = Some(out.len()),
                        Role::Y => xy.1 = Some(out.len()),
                        _ => {}
                    }
                    out.push((n, c.clone()));
                }
                if let (Some(ix), Some(iy)) = xy {
                    if let (Some(x), Some(y)) = (number(&out[ix].1), number(&out[iy].1)) {
                        let q = self.f.snap.snap([x, y]);
                        out[ix].1 = Cell::Float(q[0]);
                        out[iy].1 = Cell::Float(q[1]);
                    }
                }
                let mut g = geometry.clone();
                if group {
                    self.f.snap.all_vertices(&mut g);
                    if let Geometry::Polygon(poly) = &g {
                        // a hull drawn from the moved points
                        let mp: MultiPoint<f64> =
                            poly.exterior().points().collect::<Vec<Point<f64>>>().into();
                        let h: Polygon<f64> = mp.convex_hull();
                        g = if h.exterior().0.len() >= 4 {
                            Geometry::Polygon(h)
                        } else {
                            Geometry::LineString(LineString::from(
                                mp.0.iter().map(|p| p.0).collect::<Vec<_>>(),
                            ))
                        };
                    }
                } else {
                    self.f.snap.points_only(&mut g);
                    p.note_cell(&g);
                }
                self.sink.feature(&g, &out)
            }
        }
        let mut a = Adapter {
            f: self,
            sink,
            withheld: 0,
            index: 0,
        };
        self.inner.features(&mut a)?;
        if a.withheld > 0 {
            self.snap.p.note_withheld(format!(
                "{} group feature(s) (chains, clusters) of fewer than {} incidents",
                a.withheld, self.snap.p.k
            ));
            let mut s = lock(&self.snap.p.stats);
            s.report.features_withheld += a.withheld;
        }
        Ok(())
    }
}
