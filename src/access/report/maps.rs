//! Maps and plots of an assessment: reach before/after/change, each proposal's
//! actions, risk change and the risk–access trade-off.

use geo::Geometry;

use super::super::risk::RiskChange;
use super::{network_of, Assessment};
use crate::error::{Error, Result};
use crate::export::Figure;
use crate::grid::Grid;
use crate::index::PointIndex;
use crate::render::{self, ColourScale, MapOptions, Overlay};

fn map_grid(a: &Assessment) -> Result<Grid> {
    let net = network_of(a)?;
    let bbox = crate::layer::bbox_of(net.nodes.iter().copied())
        .ok_or_else(|| Error::empty("assessment map", "network node", ""))?;
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]).max(1.0);
    let cell = (side / 200.0).max(5.0);
    Grid::covering(bbox, cell)
}

/// Map of street reach within the largest distance: before (`proposal = None`),
/// after a proposal, or the change (`change = true`), with the network, the closed
/// (red) and opened (green) edges drawn on top.
pub fn reach_map(a: &Assessment, proposal: Option<usize>, change: bool) -> Result<Figure> {
    let net = network_of(a)?;
    let grid = map_grid(a)?;
    let before = &a.details.reach_before;
    let vals: Vec<f64> = match proposal {
        None => before.clone(),
        Some(p) => {
            let after = a.details.reach_after.get(p).ok_or_else(|| {
                Error::invalid_param("proposal", p, "no such proposal in the assessment")
            })?;
            if change {
                after.iter().zip(before).map(|(x, y)| x - y).collect()
            } else {
                after.clone()
            }
        }
    };
    let ids: Vec<usize> = (0..net.node_count())
        .filter(|&v| a.details.origins[v])
        .collect();
    let pts: Vec<[f64; 2]> = ids.iter().map(|&v| net.nodes[v]).collect();
    let idx = PointIndex::new(&pts);
    let maxd = (grid.cell * 1.5).max(150.0);
    let cells: Vec<f64> = grid
        .centres()
        .iter()
        .map(|c| match idx.nearest(*c) {
            Some((i, d)) if d <= maxd => vals[ids[i]],
            _ => f64::NAN,
        })
        .collect();
    let dmax = a.params.distances.iter().copied().fold(0.0, f64::max);
    let mut overlays = vec![Overlay {
        geometries: walkable_before(a, net),
        colour: [90, 90, 90, 255],
        width: 1.0,
    }];
    let name = match proposal {
        Some(p) => {
            let after = &a.details.after[p];
            let pick = |closed: bool| changed_edges(a, net, after, closed);
            overlays.push(Overlay {
                geometries: pick(true),
                colour: [220, 30, 30, 255],
                width: 4.0,
            });
            overlays.push(Overlay {
                geometries: pick(false),
                colour: [30, 170, 60, 255],
                width: 4.0,
            });
            if let Some(ag) = a.details.action_geometries.get(p) {
                overlays.push(Overlay {
                    geometries: ag.iter().map(|x| x.3.clone()).collect(),
                    colour: [255, 140, 0, 255],
                    width: 2.0,
                });
            }
            a.proposals[p].name.clone()
        }
        None => "before".into(),
    };
    let title = if change {
        format!("Change in street length within {dmax:.0} m: {name}")
    } else {
        format!("Street length within {dmax:.0} m walk: {name}")
    };
    let scale = if change {
        let lo = cells
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::min);
        ColourScale::Continuous {
            min: lo.min(-1.0),
            max: 0.0,
            sqrt: false,
        }
    } else {
        render::auto_scale(&cells, false)
    };
    let opts = MapOptions {
        title: vec![
            title,
            format!(
                "street length reached on foot within {dmax:.0} m of each of {} origin nodes (shortest walk along the network); red: routes closed, green: opened, orange: proposal geometry",
                ids.len()
            ),
        ],
        legend: if change {
            "change (m)".into()
        } else {
            "street length (m)".into()
        },
        scale,
        overlays,
        size: 800,
    };
    Ok(Figure::grid_map(grid, cells, opts))
}

/// Colour of a proposal's action geometries on its maps.
const ACTION_COLOUR: render::Rgba = [255, 140, 0, 255];
/// Colour of the network edges a proposal closes.
const CLOSED_COLOUR: render::Rgba = [220, 30, 30, 255];
/// Colour of the network edges a proposal opens.
const OPENED_COLOUR: render::Rgba = [30, 170, 60, 255];

/// Map of what proposal `p` changes: its action geometries (orange), the network
/// edges it closes (red) and opens (green), over the walking network (grey) and the
/// run's context layers (streets, parks, water, drawn by the output style), with a
/// legend of the three. The extent is the changes' bounding box enlarged by 40 % and
/// to at least 600 m a side (the whole network when the proposal changes nothing
/// that has a geometry), so the reader sees the streets around the changes.
///
/// # Errors
/// [`Error::MissingInput`] without the network; [`Error::InvalidParam`] for an unknown proposal.
pub fn proposal_map(a: &Assessment, p: usize) -> Result<Figure> {
    let net = network_of(a)?;
    let prop = a
        .proposals
        .get(p)
        .ok_or_else(|| Error::invalid_param("proposal", p, "no such proposal in the assessment"))?;
    let after = a.details.after.get(p);
    let changed = |closed: bool| -> Vec<Geometry<f64>> {
        let Some(after) = after else {
            return Vec::new();
        };
        changed_edges(a, net, after, closed)
    };
    let (closed, opened) = (changed(true), changed(false));
    let actions: Vec<Geometry<f64>> = a
        .details
        .action_geometries
        .get(p)
        .map(|ag| ag.iter().map(|x| x.3.clone()).collect())
        .unwrap_or_default();
    let whole = crate::layer::bbox_of(net.nodes.iter().copied())
        .ok_or_else(|| Error::empty("assessment map", "network node", ""))?;
    let coords = actions
        .iter()
        .chain(&closed)
        .chain(&opened)
        .flat_map(|g| {
            use geo::CoordsIter;
            g.coords_iter().map(|c| [c.x, c.y]).collect::<Vec<_>>()
        })
        .filter(|c| c[0].is_finite() && c[1].is_finite());
    let bbox = match crate::layer::bbox_of(coords) {
        Some(b) => {
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            let half = ((b[2] - b[0]).max(b[3] - b[1]) * 0.7).max(300.0);
            [cx - half, cy - half, cx + half, cy + half]
        }
        None => whole,
    };
    let side = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]).max(1.0);
    let grid = Grid::covering(bbox, (side / 100.0).max(1.0))?;
    // one background class (white, no legend entry); the three classes of the legend
    // are drawn by the overlays in the same colours
    let scale = ColourScale::Categories(vec![
        ([255, 255, 255, 255], String::new()),
        (
            ACTION_COLOUR,
            "proposal geometry (action area, line or point)".into(),
        ),
        (CLOSED_COLOUR, "walking route closed".into()),
        (OPENED_COLOUR, "walking route opened".into()),
        ([150, 150, 150, 255], "walking network".into()),
    ]);
    let overlays = vec![
        Overlay {
            geometries: walkable_before(a, net),
            colour: [150, 150, 150, 255],
            width: 1.0,
        },
        Overlay {
            geometries: actions,
            colour: ACTION_COLOUR,
            width: 3.0,
        },
        Overlay {
            geometries: closed,
            colour: CLOSED_COLOUR,
            width: 4.0,
        },
        Overlay {
            geometries: opened,
            colour: OPENED_COLOUR,
            width: 4.0,
        },
    ];
    let mut title = vec![
        format!("Proposal {}: what it changes", prop.name),
        format!(
            "{} action{}; {} walking route{} closed ({:.0} m), {} opened ({:.0} m)",
            prop.actions_count,
            if prop.actions_count == 1 { "" } else { "s" },
            prop.access.edges_closed,
            if prop.access.edges_closed == 1 {
                ""
            } else {
                "s"
            },
            prop.access.length_closed_m,
            prop.access.edges_opened,
            prop.access.length_opened_m
        ),
    ];
    for x in &prop.actions {
        title.push(format!(
            "action {} ({}): {} ({}, {})",
            x.index,
            x.action.name(),
            x.label,
            x.layer,
            x.hours.clone().unwrap_or_else(|| "always".into())
        ));
    }
    let opts = MapOptions {
        title,
        legend: "changes".into(),
        scale,
        overlays,
        size: 800,
    };
    Ok(Figure::grid_map(grid, vec![0.0; grid.len()], opts))
}

/// The subtitle of the risk maps: what a cell's value is and how many cells.
fn risk_subtitle(r: &RiskChange, geometry: bool) -> String {
    format!(
        "risk model estimate per {:.0} m cell, {} cells{}",
        r.grid.cell,
        r.grid.len(),
        if geometry {
            "; orange: proposal geometry"
        } else {
            ""
        }
    )
}

/// Map of expected incidents prevented per cell (before − after).
pub fn risk_map(r: &RiskChange, title: &str, overlays: Vec<Overlay>) -> Figure {
    let vals: Vec<f64> = r.before.iter().zip(&r.after).map(|(b, a)| b - a).collect();
    let opts = MapOptions {
        title: vec![title.to_string(), risk_subtitle(r, !overlays.is_empty())],
        legend: "incidents prevented".into(),
        scale: render::auto_scale(&vals, false),
        overlays,
        size: 800,
    };
    Figure::grid_map(r.grid, vals, opts)
}

/// Map of expected incidents per cell (`after = false`: before the proposal).
pub fn risk_level_map(r: &RiskChange, after: bool, title: &str, overlays: Vec<Overlay>) -> Figure {
    let vals = if after { &r.after } else { &r.before };
    let opts = MapOptions {
        title: vec![title.to_string(), risk_subtitle(r, !overlays.is_empty())],
        legend: "expected incidents".into(),
        scale: render::auto_scale(vals, true),
        overlays,
        size: 800,
    };
    Figure::grid_map(r.grid, vals.clone(), opts)
}

/// Scatter of the trade-off: mean loss of street reach within the largest
/// distance (%) against expected incidents prevented, one marker per proposal
/// (prevented = 0 without a risk model).
pub fn tradeoff_plot(a: &Assessment) -> Figure {
    let series: Vec<render::Series> = a
        .proposals
        .iter()
        .map(|p| render::Series {
            label: format!(
                "{}{}",
                p.name,
                if p.dominated_by.is_empty() {
                    ""
                } else {
                    " (dom.)"
                }
            ),
            points: vec![(
                p.access.reach_loss_pct(),
                p.risk.as_ref().map_or(0.0, |r| r.prevented),
            )],
            markers: true,
        })
        .collect();
    let dmax = a.params.distances.iter().copied().fold(0.0, f64::max);
    let xmax = series
        .iter()
        .map(|s| s.points[0].0)
        .fold(0.0, f64::max)
        .max(0.1)
        * 1.2;
    let ymax = series
        .iter()
        .map(|s| s.points[0].1)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.2;
    let ymin = series.iter().map(|s| s.points[0].1).fold(0.0, f64::min) * 1.2;
    let o = render::PlotOptions {
        title: vec![
            "Trade-off: risk vs access".into(),
            "right: more access lost; up: more prevented".into(),
        ],
        x_label: format!("mean street reach lost within {dmax:.0} m (%)"),
        y_label: "expected incidents prevented".into(),
        vlines: Vec::new(),
        y_range: Some((ymin, ymax)),
        x_range: Some((-0.05 * xmax, xmax)),
    };
    Figure::line_plot(series, o)
}

/// The network's edges a scenario closes (`closed`) or opens: open before and not
/// in `after`, or the reverse, as lines.
fn changed_edges(
    a: &Assessment,
    net: &crate::access::network::Network,
    after: &[bool],
    closed: bool,
) -> Vec<Geometry<f64>> {
    net.geometry
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let (b, f) = (a.details.before[*k], after[*k]);
            if closed {
                b && !f
            } else {
                !b && f
            }
        })
        .map(|(_, g)| Geometry::LineString(g.clone()))
        .collect()
}

/// The network's edges open before any proposal, as lines.
fn walkable_before(a: &Assessment, net: &crate::access::network::Network) -> Vec<Geometry<f64>> {
    net.geometry
        .iter()
        .enumerate()
        .filter(|(k, _)| a.details.before[*k])
        .map(|(_, g)| Geometry::LineString(g.clone()))
        .collect()
}
