//! GeoJSON of an assessment's changes: actions and the network edges they close or
//! open.

use geo::Geometry;

use super::{network_of, Assessment};
use crate::error::Result;
use crate::export::{features, Cell, Features};

/// GeoJSON (EPSG:4326) of the changes: each action's geometry (or the features it
/// selected) and every network edge closed or opened, per proposal.
pub fn changes(a: &Assessment) -> Result<impl Features + '_> {
    let net = network_of(a)?;
    let f = features(&a.crs.working, move |sink| {
        for (pi, p) in a.proposals.iter().enumerate() {
            if let Some(ag) = a.details.action_geometries.get(pi) {
                for (idx, label, kind, g) in ag {
                    sink.feature(
                        g,
                        &[
                            ("proposal", Cell::Str(&p.name)),
                            ("kind", Cell::Str("action")),
                            ("action", Cell::Str(kind.name())),
                            ("action_index", Cell::count(*idx)),
                            ("label", Cell::Str(label)),
                        ],
                    )?;
                }
            }
            let Some(after) = a.details.after.get(pi) else {
                continue;
            };
            for (k, e) in net.edges.iter().enumerate() {
                let (b, f) = (a.details.before[k], after[k]);
                if b != f {
                    sink.feature(
                        &Geometry::LineString(net.geometry[k].clone()),
                        &[
                            ("proposal", Cell::Str(&p.name)),
                            (
                                "kind",
                                Cell::Str(if b { "edge_closed" } else { "edge_opened" }),
                            ),
                            ("edge", Cell::count(k)),
                            ("length_m", Cell::Float((e.length * 100.0).round() / 100.0)),
                        ],
                    )?;
                }
            }
        }
        Ok(())
    });
    Ok(f)
}
