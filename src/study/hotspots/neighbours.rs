//! Neighbours of a study's units (grid cells or a layer's features) as a researcher
//! names them: [`Neighbours`] (queen, band, knn, idw) and [`NeighbourSpec`] (the
//! definition with its radius, k and power), turned into a [`WeightsSpec`].

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hotspot::WeightsSpec;

/// Neighbour definition of a study's units (Gi*, Local Moran, classify, emerging, layer,
/// global).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Neighbours {
    /// The 8 surrounding cells (binary band of cell·√2; hexagons: the 6 adjacent); grids only.
    Queen,
    /// Binary band of `radius` metres.
    Band,
    /// The `k` nearest units.
    Knn,
    /// Inverse distance within `radius`.
    Idw,
}

impl Neighbours {
    /// The default neighbours: the 8 nearest (`knn`) on a layer's features
    /// (`on_features`), `queen` on grid cells.
    pub fn default_for(on_features: bool) -> Neighbours {
        match on_features {
            true => Neighbours::Knn,
            false => Neighbours::Queen,
        }
    }

    /// The definition's name (`queen`, `band`, `knn`, `idw`), as in provenance.
    pub fn name(self) -> &'static str {
        match self {
            Neighbours::Queen => "queen",
            Neighbours::Band => "band",
            Neighbours::Knn => "knn",
            Neighbours::Idw => "idw",
        }
    }
}

impl Neighbours {
    /// The weights specification of these neighbours on a layer's features
    /// (`on_features`) or on grid cells.
    ///
    /// `band` needs `radius`; so does `idw` on features (on grid cells its radius
    /// defaults to 3 cells, see [`crate::grid_weights`]); `knn` takes the `k` nearest;
    /// `idw` weighs by distance^-`power`. `queen` (the adjacent cells, a band of
    /// cell·√2 by default) is for grid cells only.
    ///
    /// # Errors
    /// [`Error::MissingParam`] (`radius`) and [`Error::InvalidParam`] (`neighbours`).
    pub fn spec(
        self,
        radius: Option<f64>,
        k: usize,
        power: f64,
        on_features: bool,
    ) -> Result<WeightsSpec> {
        let need =
            || radius.ok_or_else(|| Error::missing_param("radius", "neighbours", self.name()));
        Ok(match self {
            Neighbours::Queen if on_features => {
                return Err(Error::invalid_param(
                    "neighbours",
                    "queen",
                    "queen is for grids; use knn, band or idw for a layer",
                ))
            }
            Neighbours::Queen => WeightsSpec::DistanceBand { radius: None },
            Neighbours::Band => WeightsSpec::DistanceBand {
                radius: Some(need()?),
            },
            Neighbours::Knn => WeightsSpec::Knn { k },
            Neighbours::Idw => WeightsSpec::InverseDistance {
                radius: if on_features { Some(need()?) } else { radius },
                power,
                scale: None,
            },
        })
    }
}

/// Neighbours of a study's units: the definition (by default [`Neighbours::default_for`]
/// the unit kind) with the settings it takes, as one value.
///
/// ```
/// use crimescape::study::hotspots::{NeighbourSpec, Neighbours};
/// use crimescape::WeightsSpec;
///
/// // the 8 nearest features of a layer by default, queen cells on a grid
/// assert_eq!(NeighbourSpec::new().weights(true)?, WeightsSpec::Knn { k: 8 });
/// let band = NeighbourSpec::new().kind(Neighbours::Band).radius(250.0);
/// assert_eq!(band.weights(false)?, WeightsSpec::DistanceBand { radius: Some(250.0) });
/// # Ok::<(), crimescape::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NeighbourSpec {
    /// The definition; `None`: [`Neighbours::default_for`] the units.
    #[serde(rename = "neighbours")]
    pub kind: Option<Neighbours>,
    /// Radius in metres of `band` and `idw`.
    pub radius: Option<f64>,
    /// Neighbours of `knn`. Default 8.
    pub k: usize,
    /// Distance exponent of `idw`. Default 1.
    pub power: f64,
}

impl Default for NeighbourSpec {
    fn default() -> Self {
        NeighbourSpec {
            kind: None,
            radius: None,
            k: 8,
            power: 1.0,
        }
    }
}

impl NeighbourSpec {
    /// The default per unit kind, `k` = 8, power 1, no radius.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the definition; `None` restores the default per unit kind.
    pub fn kind(mut self, n: impl Into<Option<Neighbours>>) -> Self {
        self.kind = n.into();
        self
    }
    /// Sets the radius (m) of `band` and `idw`.
    pub fn radius(mut self, r: impl Into<Option<f64>>) -> Self {
        self.radius = r.into();
        self
    }
    /// Sets the neighbours of `knn`.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
    /// Sets the distance exponent of `idw`.
    pub fn power(mut self, p: f64) -> Self {
        self.power = p;
        self
    }

    /// The weights specification on a layer's features (`on_features`) or on grid
    /// cells ([`Neighbours::spec`] of the definition or of its default).
    ///
    /// # Errors
    /// As [`Neighbours::spec`].
    pub fn weights(&self, on_features: bool) -> Result<WeightsSpec> {
        let nb = self.kind.unwrap_or(Neighbours::default_for(on_features));
        nb.spec(self.radius, self.k, self.power, on_features)
    }
}
