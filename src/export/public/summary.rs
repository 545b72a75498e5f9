//! JSON values for the public audience (summaries, provenance): the table rules by
//! object key, and the concentration summary (Lorenz curve, Gini) published only
//! when exact.

use super::*;

impl Publisher {
    /// A JSON value as published (keys by role, as table columns).
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                self.concentration_summary(m);
                self.count_summary(m);
                let keys: Vec<String> = m.keys().cloned().collect();
                let mut xy: (Option<String>, Option<String>) = (None, None);
                for key in keys {
                    match Role::of_name(&key) {
                        Role::FreeText | Role::LonLat | Role::IncidentId => {
                            m.remove(&key);
                            self.note_dropped(&key);
                        }
                        Role::Count => {
                            if let Some(label) = m
                                .get(&key)
                                .and_then(|x| x.as_f64())
                                .and_then(|x| self.count_label(x))
                            {
                                m.insert(key, serde_json::Value::String(label));
                            }
                        }
                        Role::X => xy.0 = Some(key),
                        Role::Y => xy.1 = Some(key),
                        _ if matches!(key.as_str(), "centre" | "center" | "centroid") => {
                            // a point as [x, y]: a unit's centre may be an incident's
                            // location (a site, a one-incident cell), so it is moved
                            let p = m.get(&key).and_then(|v| v.as_array()).and_then(|a| {
                                match a.as_slice() {
                                    [x, y] => Some([x.as_f64()?, y.as_f64()?]),
                                    _ => None,
                                }
                            });
                            match (p, m.get_mut(&key)) {
                                (Some(q0), _) => {
                                    let q = self.snap_raw(q0);
                                    self.record(q0, q);
                                    m.insert(key, serde_json::json!(q));
                                }
                                (None, Some(x)) => self.json(x),
                                (None, None) => {}
                            }
                        }
                        _ => {
                            if let Some(x) = m.get_mut(&key) {
                                self.json(x);
                            }
                        }
                    }
                }
                if let (Some(kx), Some(ky)) = xy {
                    let p = (
                        m.get(&kx).and_then(|v| v.as_f64()),
                        m.get(&ky).and_then(|v| v.as_f64()),
                    );
                    if let (Some(x), Some(y)) = p {
                        let q = self.snap_raw([x, y]);
                        self.record([x, y], q);
                        m.insert(kx, serde_json::json!(q[0]));
                        m.insert(ky, serde_json::json!(q[1]));
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            serde_json::Value::String(t) => {
                if let Some(r) = redact_pairs(t) {
                    *t = r;
                }
            }
            _ => {}
        }
    }

    /// A concentration summary (an object with a `lorenz` curve and the `total`, as
    /// [`crate::concentration::Concentration`]) as published. Its Lorenz curve holds
    /// the sorted counts (`Δy · total` per unit), and the Gini coefficient and the
    /// units needed for a share are equations in them from which, with the published
    /// table, a suppressed count (or its complementary cell) can be solved. They are
    /// published only when the curve is exact (one point per unit) and every unit
    /// holds 0 or at least k incidents — then no count is suppressed and they reveal
    /// nothing a table does not; otherwise `lorenz`, `gini`, `gini_nonzero` and
    /// `shares` are withheld (and the report says so). `n_units`, `n_nonzero` and
    /// `total` stay (a total of k or more; smaller ones are labelled as counts).
    pub(super) fn concentration_summary(&self, m: &mut serde_json::Map<String, serde_json::Value>) {
        let Some(curve) = m.get("lorenz").and_then(|v| v.as_array()) else {
            return;
        };
        let pts: Vec<[f64; 2]> = curve
            .iter()
            .filter_map(|p| match p.as_array().map(Vec::as_slice) {
                Some([x, y]) => Some([x.as_f64()?, y.as_f64()?]),
                _ => None,
            })
            .collect();
        let total = m.get("total").and_then(|v| v.as_f64());
        let n_units = m.get("n_units").and_then(|v| v.as_u64());
        let k = f64::from(self.k);
        let safe = match (total, n_units) {
            (Some(total), Some(n)) if pts.len() == curve.len() && pts.len() as u64 == n + 1 => {
                pts.windows(2).all(|w| {
                    let c = ((w[1][1] - w[0][1]) * total).round();
                    c <= 0.0 || c >= k
                })
            }
            _ => false,
        };
        if safe {
            match self.safe_curves.lock() {
                Ok(mut g) => g.push(pts),
                Err(p) => p.into_inner().push(pts),
            }
            return;
        }
        for key in ["lorenz", "gini", "gini_nonzero", "shares"] {
            m.remove(key);
        }
        self.note_withheld(format!(
            "the Lorenz curve, Gini coefficients and units-per-share of a concentration summary (some unit holds fewer than {} incidents, or the curve is thinned: the sorted counts could be read from them)",
            self.k
        ));
    }

    /// A summary of counts over cells (an object with a `non_empty` key, e.g. the
    /// `hotspots grid` summary `{sum, non_empty, outside, max}` and its per-category
    /// `{category, total, non_empty}`): its `sum`, `total`, `max` and `outside` are
    /// incident counts, written `"<k"` when below k (a maximum below k is a cell's
    /// count; `outside` counts incidents beyond the grid).
    pub(super) fn count_summary(&self, m: &mut serde_json::Map<String, serde_json::Value>) {
        if !m.contains_key("non_empty") {
            return;
        }
        for key in ["sum", "total", "max", "outside"] {
            if let Some(label) = m
                .get(key)
                .and_then(|x| x.as_f64())
                .and_then(|x| self.count_label(x))
            {
                m.insert(key.into(), serde_json::Value::String(label));
            }
        }
    }
}

/// Whether a curve is a cumulative share (a Lorenz curve): more than two points,
/// from (0, 0) to (1, 1), non-decreasing in both coordinates.
pub(super) fn is_cumulative_share(p: &[[f64; 2]]) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    p.len() > 2
        && close(p[0][0], 0.0)
        && close(p[0][1], 0.0)
        && p.last()
            .is_some_and(|q| close(q[0], 1.0) && close(q[1], 1.0))
        && p.windows(2)
            .all(|w| w[1][0] >= w[0][0] && w[1][1] >= w[0][1])
}
