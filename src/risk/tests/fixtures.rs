//! Test fixtures shared by the risk-terrain, validation, factor and access tests.

use crate::crs::{Crs, CrsChoice};
use crate::demo::{generate, DemoCity, DemoParams};
use crate::grid::Grid;
use crate::layer::Layer;
use crate::risk::{fit_rtm, FactorParams, LayerInput, Operationalisation, RtmParams, RtmResult};

/// The demo city's layers as risk-factor inputs: every layer but the parks, and
/// only the lights that are out.
pub(crate) fn demo_inputs(city: &DemoCity) -> Vec<LayerInput<'_>> {
    city.layers
        .iter()
        .filter(|l| l.name != "parks")
        .map(|l| LayerInput {
            layer: l,
            filter: (l.name == "lights").then_some("status=out"),
        })
        .collect()
}

/// A 2 km demo city with `incidents` incidents in the given pattern `shares`.
pub(crate) fn small_city(seed: u64, incidents: usize, shares: [f64; 4]) -> DemoCity {
    generate(
        &DemoParams::new(seed)
            .incidents(incidents)
            .size(2000.0)
            .shares(shares),
    )
    .unwrap()
}

/// RTM settings of the small-city tests: proximity at 50 and 100 m, 50 m cells.
pub(crate) fn proximity_params() -> RtmParams {
    let fp = FactorParams::new(50.0)
        .distances(vec![50.0, 100.0])
        .operationalisations(vec![Operationalisation::Proximity]);
    RtmParams::new(50.0).factors(fp)
}

/// The RTM of a demo city's incidents on `cell`-metre cells over its extent.
pub(crate) fn fit_demo(city: &DemoCity, cell: f64, params: &RtmParams) -> (Grid, RtmResult) {
    let grid = Grid::covering(city.truth.extent, cell).unwrap();
    let r = fit_rtm(&city.incidents.xy, &grid, &demo_inputs(city), params).unwrap();
    (grid, r)
}

/// A point layer in a local metre CRS whose features carry one `status` each.
pub(crate) fn status_layer(name: &str, pts: &[[f64; 2]], status: &[&str]) -> Layer {
    use geo::{Geometry, Point};
    Layer {
        name: name.into(),
        geometries: pts
            .iter()
            .map(|p| Geometry::Point(Point::new(p[0], p[1])))
            .collect(),
        properties: status
            .iter()
            .map(|s| {
                let mut m = serde_json::Map::new();
                m.insert("status".into(), serde_json::Value::String(s.to_string()));
                m
            })
            .collect(),
        crs: CrsChoice {
            input: Crs::Local { unit_to_metre: 1.0 },
            input_source: "test".into(),
            working: Crs::Local { unit_to_metre: 1.0 },
            reason: "test".into(),
        },
    }
}
