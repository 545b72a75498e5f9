//! Figures for the public audience: count maps suppressed as tables, point
//! overlays and point features moved.

use super::*;

impl Publisher {
    /// Count values of a map as published: a value the tables would write `"<k"` (or
    /// `"x"` for an unpublished zero) is not drawn (NaN, "no data"); when any value is
    /// so suppressed, every cell holding the smallest count of k or more is not drawn
    /// either (the map cannot tell which of them a table chose as the complementary
    /// cell, so it hides them all). A continuous colour scale reaches k at least, so
    /// that its legend cannot bound the largest count below k. A footnote says so.
    pub(super) fn suppress_figure_counts(
        &self,
        values: &mut [f64],
        options: &mut crate::render::MapOptions,
    ) {
        let k = f64::from(self.k);
        let mut hidden = 0usize;
        for v in values.iter_mut() {
            if v.is_finite() && self.count_label(*v).is_some() {
                *v = f64::NAN;
                hidden += 1;
            }
        }
        if hidden > 0 {
            let smallest = values
                .iter()
                .copied()
                .filter(|v| v.is_finite() && *v >= k)
                .fold(f64::INFINITY, f64::min);
            if smallest.is_finite() {
                for v in values.iter_mut() {
                    if *v == smallest {
                        *v = f64::NAN;
                    }
                }
            }
            options.title.push(format!(
                "Cells with fewer than {} incidents (and those with the smallest count above) are not coloured.",
                self.k
            ));
        }
        if let crate::render::ColourScale::Continuous { max, .. } = &mut options.scale {
            if *max < k {
                *max = k;
            }
        }
    }

    /// An overlay drawn through incident locations, as published: lines through
    /// fewer than k distinct points left out, the others drawn through moved
    /// vertices; polygons drawn as the convex hull of their moved vertices.
    pub(super) fn incident_overlay(&self, snap: &SnapIn<'_>, geometries: &mut Vec<Geometry<f64>>) {
        let k = self.k as usize;
        let before = geometries.len();
        geometries.retain(|g| match g {
            Geometry::LineString(l) => {
                let mut v: Vec<[u64; 2]> =
                    l.0.iter().map(|c| [c.x.to_bits(), c.y.to_bits()]).collect();
                v.sort_unstable();
                v.dedup();
                v.len() >= k
            }
            _ => true,
        });
        let left_out = before - geometries.len();
        if left_out > 0 {
            self.note_withheld(format!(
                "{left_out} line(s) of a map overlay through fewer than {k} incidents"
            ));
        }
        for g in geometries.iter_mut() {
            snap.all_vertices(g);
            if let Geometry::Polygon(poly) = g {
                let mp: MultiPoint<f64> =
                    poly.exterior().points().collect::<Vec<Point<f64>>>().into();
                *g = Geometry::Polygon(mp.convex_hull());
            }
        }
    }

    /// A figure as published: point geometries moved (overlays and point features).
    pub(crate) fn figure(&self, fig: &super::Figure) -> super::Figure {
        let mut fig = fig.clone();
        let snap = SnapIn {
            p: self,
            proj: None,
        };
        match &mut fig {
            super::Figure::GridMap {
                options,
                values,
                role,
                incident_overlays,
                ..
            } => {
                if *role == Role::Count {
                    self.suppress_figure_counts(values, options);
                }
                for &i in incident_overlays.iter() {
                    if let Some(o) = options.overlays.get_mut(i) {
                        self.incident_overlay(&snap, &mut o.geometries);
                    }
                }
                for o in &mut options.overlays {
                    for g in &mut o.geometries {
                        snap.points_only(g);
                    }
                }
            }
            super::Figure::LinePlot { series, options } => {
                // a cumulative-share curve (a Lorenz curve: sorted counts) is drawn
                // only when a JSON summary found it free of small counts
                let safe = match self.safe_curves.lock() {
                    Ok(g) => g.clone(),
                    Err(p) => p.into_inner().clone(),
                };
                let before = series.len();
                series.retain(|s| {
                    let pts: Vec<[f64; 2]> = s.points.iter().map(|p| [p.0, p.1]).collect();
                    !is_cumulative_share(&pts) || safe.contains(&pts)
                });
                let left_out = before - series.len();
                if left_out > 0 {
                    self.note_withheld(format!(
                        "{left_out} Lorenz curve(s) of a plot (some unit holds fewer than {} incidents: the sorted counts could be read from the curve)",
                        self.k
                    ));
                    options.title.push(format!(
                        "Public: curves over units with fewer than {} incidents are not drawn.",
                        self.k
                    ));
                }
            }
            super::Figure::FeatureMap {
                geometries,
                options,
                values,
            } => {
                // a map of counts per feature (its legend names a count, as a column)
                if Role::of_name(&options.legend) == Role::Count {
                    self.suppress_figure_counts(values, options);
                }
                for g in geometries.iter_mut() {
                    snap.points_only(g);
                }
                for o in &mut options.overlays {
                    for g in &mut o.geometries {
                        snap.points_only(g);
                    }
                }
            }
            _ => {}
        }
        fig
    }
}
