//! Treatment, buffer and control areas: membership, overlap checks and the
//! automatic choice of a comparable control.

use geo::{Area, BooleanOps, Distance, Euclidean, Geometry, MultiPolygon};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::grid::{Grid, PrefixSum};
use crate::index::GeometryIndex;
use crate::layer::{bbox_union, geometry_bbox};

/// Default width of the buffer (catchment) ring around a treatment area (m).
pub const DEFAULT_BUFFER: f64 = 400.0;

/// An area where an intervention was made, with its buffer and (optionally) its control.
///
/// # Conventions
/// * A point is in the **treatment** area when its distance to the nearest
///   treatment geometry is `≤ radius` (distance 0 inside a polygon). Polygons use
///   `radius = 0`; sites (points) and street segments (lines) need `radius > 0`.
/// * It is in the **buffer** when that distance is in `(radius, radius + buffer]`
///   (a ring of width `buffer` around the treatment area).
/// * It is in the **control** when it lies inside (or on the edge of) a control
///   polygon; with no control given, comparable grid cells are chosen by
///   [`crate::evaluate::evaluate`] (see [`ControlInfo`]).
/// * Membership is exclusive in that order: treatment, then buffer, then control.
#[derive(Debug, Clone)]
pub struct TreatmentArea {
    /// Name used in outputs.
    pub name: String,
    /// Treatment geometries in the working CRS (metres).
    pub geometries: Vec<Geometry<f64>>,
    /// Distance around the geometries that is treated (m); 0 for polygons.
    pub radius: f64,
    /// Width of the buffer ring (m); 0 for no buffer.
    pub buffer: f64,
    /// Control polygons; `None` = chosen automatically.
    pub control: Option<Vec<Geometry<f64>>>,
}

impl TreatmentArea {
    /// A treatment area made of polygons (buffer [`DEFAULT_BUFFER`], automatic control).
    pub fn polygons(name: &str, geometries: Vec<Geometry<f64>>) -> Self {
        TreatmentArea {
            name: name.into(),
            geometries,
            radius: 0.0,
            buffer: DEFAULT_BUFFER,
            control: None,
        }
    }

    /// A treatment area of sites (e.g. cameras, lights) treated within `radius` m.
    pub fn sites(name: &str, sites: &[[f64; 2]], radius: f64) -> Self {
        TreatmentArea {
            name: name.into(),
            geometries: sites
                .iter()
                .map(|p| Geometry::Point(geo::Point::new(p[0], p[1])))
                .collect(),
            radius,
            buffer: DEFAULT_BUFFER,
            control: None,
        }
    }

    /// Sets the treated distance around the geometries (m).
    pub fn radius(mut self, r: f64) -> Self {
        self.radius = r;
        self
    }

    /// Sets the buffer width (m).
    pub fn buffer(mut self, w: f64) -> Self {
        self.buffer = w;
        self
    }

    /// Sets the control polygons.
    pub fn control(mut self, polygons: Vec<Geometry<f64>>) -> Self {
        self.control = Some(polygons);
        self
    }

    /// Checks the geometry and distances.
    pub fn validate(&self) -> Result<()> {
        let n = &self.name;
        if self.geometries.is_empty() {
            return Err(Error::Content(format!(
                "treatment area '{n}' has no geometry"
            )));
        }
        if !(self.radius.is_finite() && self.radius >= 0.0) {
            return Err(Error::invalid_param(
                "radius",
                self.radius,
                format!("treatment area '{n}': a radius must be a distance >= 0 m"),
            ));
        }
        if !(self.buffer.is_finite() && self.buffer >= 0.0) {
            return Err(Error::invalid_param(
                "buffer",
                self.buffer,
                format!("treatment area '{n}': a buffer must be a distance >= 0 m"),
            ));
        }
        if self.radius == 0.0 && self.geometries.iter().any(|g| to_multipolygon(g).is_none()) {
            return Err(Error::invalid_param(
                "radius",
                self.radius,
                format!("treatment area '{n}' has points or lines: give a radius > 0 (e.g. 100 m)"),
            ));
        }
        if let Some(c) = &self.control {
            if c.is_empty() {
                return Err(Error::Content(format!(
                    "the control area of '{n}' has no geometry"
                )));
            }
            if c.iter().any(|g| to_multipolygon(g).is_none()) {
                return Err(Error::Content(format!(
                    "the control area of '{n}' must be made of polygons"
                )));
            }
        }
        Ok(())
    }

    /// The treatment zone and the buffer ring as polygons, for maps and GIS output.
    ///
    /// Built with `geo`'s buffer operation (round joins; circles are polygons with
    /// many sides), so edges differ by well under a metre from the exact distance
    /// rule used to count incidents.
    pub fn zone_polygons(&self) -> (MultiPolygon<f64>, MultiPolygon<f64>) {
        use geo::Buffer;
        let grow = |d: f64| -> MultiPolygon<f64> {
            self.geometries.iter().fold(MultiPolygon(vec![]), |acc, g| {
                let m = if d > 0.0 {
                    g.buffer(d)
                } else {
                    to_multipolygon(g).unwrap_or(MultiPolygon(vec![]))
                };
                if acc.0.is_empty() {
                    m
                } else {
                    acc.union(&m)
                }
            })
        };
        let treat = grow(self.radius);
        let ring = if self.buffer > 0.0 {
            grow(self.radius + self.buffer).difference(&treat)
        } else {
            MultiPolygon(vec![])
        };
        (treat, ring)
    }

    /// Area of the treatment zone in km² (exact for polygons, from a lattice of at
    /// most ~40,000 points otherwise).
    pub fn treatment_km2(&self) -> f64 {
        if self.radius == 0.0 {
            let a: f64 = self
                .geometries
                .iter()
                .filter_map(to_multipolygon)
                .map(|m| m.unsigned_area())
                .sum();
            return a / 1e6;
        }
        let idx = GeometryIndex::new(&self.geometries);
        lattice_area(&idx, self.radius) / 1e6
    }
}

/// Area within `r` of the geometries of an index, from a regular lattice.
fn lattice_area(idx: &GeometryIndex, r: f64) -> f64 {
    let boxes = idx.geometries().iter().filter_map(geometry_bbox);
    let bb = bbox_union(boxes.map(|b| [b[0] - r, b[1] - r, b[2] + r, b[3] + r]));
    let Some(b) = bb else { return 0.0 };
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let step = (w * h / 40_000.0).sqrt().max(1e-9);
    let (nx, ny) = ((w / step).ceil() as usize, (h / step).ceil() as usize);
    let mut inside = 0usize;
    for j in 0..ny {
        for i in 0..nx {
            let p = [
                b[0] + (i as f64 + 0.5) * step,
                b[1] + (j as f64 + 0.5) * step,
            ];
            if idx.nearest(p).is_some_and(|(_, d)| d <= r) {
                inside += 1;
            }
        }
    }
    inside as f64 * step * step
}

/// A polygonal geometry as a multipolygon (`None` for points and lines).
pub(crate) fn to_multipolygon(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => Some(m.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        Geometry::Triangle(t) => Some(MultiPolygon(vec![t.to_polygon()])),
        _ => None,
    }
}

/// Which zone of an area an incident falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    /// The treatment (response) area.
    Treatment,
    /// The buffer (catchment) ring.
    Buffer,
    /// The control area.
    Control,
    /// None of them.
    Outside,
}

/// How the control of an area was obtained and how it compares in the pre period.
#[derive(Debug, Clone, Serialize)]
pub struct ControlInfo {
    /// `given` (polygons) or `automatic` (grid cells).
    pub source: String,
    /// Grid of the automatic control cells.
    pub grid: Option<Grid>,
    /// Chosen cell ids (row-major from the south-west, see [`Grid`]).
    pub cells: Vec<usize>,
    /// Eligible candidate cells (outside every treatment and buffer, with
    /// pre-period incidents in their neighbourhood).
    pub candidates: usize,
    /// Control area in km².
    pub km2: f64,
    /// Pre-period incidents per km² per 30 days: treatment, control.
    pub pre_rate_per_km2: [f64; 2],
    /// Pre-period relative trend per 365 days (weighted least-squares slope of the
    /// bin rates over their mean): treatment, control.
    pub pre_trend: [f64; 2],
}

/// Membership test of one area.
pub(crate) struct AreaIndex {
    treat: GeometryIndex,
    radius: f64,
    buffer: f64,
    control: ControlShape,
}

pub(crate) enum ControlShape {
    Polygons(GeometryIndex),
    Cells { grid: Grid, member: Vec<bool> },
    Pending,
}

impl AreaIndex {
    pub(crate) fn new(a: &TreatmentArea) -> AreaIndex {
        AreaIndex {
            treat: GeometryIndex::new(&a.geometries),
            radius: a.radius,
            buffer: a.buffer,
            control: match &a.control {
                Some(c) => ControlShape::Polygons(GeometryIndex::new(c)),
                None => ControlShape::Pending,
            },
        }
    }

    /// Distance to the treatment geometries.
    pub(crate) fn treatment_distance(&self, p: [f64; 2]) -> f64 {
        self.treat.nearest(p).map_or(f64::INFINITY, |(_, d)| d)
    }

    pub(crate) fn set_cells(&mut self, grid: Grid, cells: &[usize]) {
        let mut member = vec![false; grid.len()];
        for &c in cells {
            member[c] = true;
        }
        self.control = ControlShape::Cells { grid, member };
    }

    pub(crate) fn zone(&self, p: [f64; 2]) -> Zone {
        let d = self.treatment_distance(p);
        if d <= self.radius {
            return Zone::Treatment;
        }
        if d <= self.radius + self.buffer {
            return Zone::Buffer;
        }
        let ctrl = match &self.control {
            ControlShape::Polygons(idx) => idx.nearest(p).is_some_and(|(_, d)| d == 0.0),
            ControlShape::Cells { grid, member } => {
                grid.cell_of(p[0], p[1]).is_some_and(|c| member[c])
            }
            ControlShape::Pending => false,
        };
        if ctrl {
            Zone::Control
        } else {
            Zone::Outside
        }
    }
}

/// Checks that the control polygons of `areas[k]` stay clear of every area's
/// treatment zone and buffer.
pub(crate) fn check_control_overlap(areas: &[TreatmentArea], k: usize) -> Result<()> {
    let Some(ctrl) = &areas[k].control else {
        return Ok(());
    };
    for c in ctrl {
        for a in areas {
            for g in &a.geometries {
                let d = Euclidean.distance(c, g);
                let own = if a.name == areas[k].name {
                    "its".to_string()
                } else {
                    format!("area '{}''s", a.name)
                };
                let overlaps_treatment = if a.radius > 0.0 {
                    d < a.radius
                } else {
                    d == 0.0 && overlap_area(c, g) > 1e-6
                };
                if overlaps_treatment {
                    return Err(Error::Content(format!(
                        "the control area of '{}' overlaps {own} treatment area: control and treatment must be disjoint",
                        areas[k].name
                    )));
                }
                if d < a.radius + a.buffer {
                    return Err(Error::Content(format!(
                        "the control area of '{}' overlaps {own} buffer (it comes within {:.0} m of the treatment area, the buffer is {:.0} m wide): move the control or narrow the buffer",
                        areas[k].name,
                        (d - a.radius).max(0.0),
                        a.buffer
                    )));
                }
            }
        }
    }
    Ok(())
}

fn overlap_area(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    match (to_multipolygon(a), to_multipolygon(b)) {
        (Some(x), Some(y)) => x.intersection(&y).unsigned_area(),
        _ => 0.0,
    }
}

/// Relative trend per 365 days of binned counts: weighted least-squares slope of
/// the rates `y_i/d_i` on the bin mid-times (weights `d_i`), over the mean rate.
pub(crate) fn relative_trend(bins: &[(f64, f64, f64)]) -> f64 {
    // (mid time in days, length in days, count)
    let sw: f64 = bins.iter().map(|b| b.1).sum();
    let tot: f64 = bins.iter().map(|b| b.2).sum();
    if !(sw > 0.0 && tot > 0.0) || bins.len() < 2 {
        return 0.0;
    }
    let xm = bins.iter().map(|b| b.1 * b.0).sum::<f64>() / sw;
    let ym = tot / sw;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(x, d, y) in bins {
        if d > 0.0 {
            sxy += d * (x - xm) * (y / d - ym);
            sxx += d * (x - xm) * (x - xm);
        }
    }
    if sxx > 0.0 {
        sxy / sxx / ym * 365.0
    } else {
        0.0
    }
}

/// Inputs of the automatic control choice.
pub(crate) struct ControlSearch<'a> {
    pub grid: Grid,
    /// Pre-period incident positions with their pre-bin index.
    pub pre_points: &'a [([f64; 2], usize)],
    /// Pre bins: (mid time in days, length in days).
    pub pre_bins: &'a [(f64, f64)],
    /// Every area's treatment+buffer test (cells touching any are excluded).
    pub exclusions: &'a [AreaIndex],
    /// Treatment pre-period counts per pre bin.
    pub treatment_bins: &'a [f64],
    /// Treatment area (km²).
    pub treatment_km2: f64,
    /// Target control pre-period count as a multiple of the treatment's.
    pub multiple: f64,
    /// Minimum number of cells.
    pub min_cells: usize,
}

/// Half-width (in cells) of the neighbourhood used to describe a candidate cell.
pub(crate) const CONTROL_RING: i64 = 2;

/// Chooses grid cells whose surroundings have a pre-period level (incidents per
/// km²) and relative trend like the treatment area's.
///
/// # Algorithm
/// Candidate cells lie entirely outside every treatment area and buffer (cell
/// centre farther than `radius + buffer + cell·√2/2` from the treatment
/// geometries). Each candidate is described by its **neighbourhood**: the
/// `5 × 5` block of cells around it *without the cell itself* (clamped at the
/// grid edge). Describing a cell by its own pre-period counts would select cells
/// that were unusually high or rising by chance, which then fall back in the post
/// period (regression to the mean) and bias the estimate; the neighbourhood
/// predicts the cell's level without using its own counts. Candidates are scored
/// `|ln(level/level_T)|/sd_level + |trend − trend_T|/sd_trend` (standard
/// deviations over the candidates; neighbourhoods without incidents are skipped)
/// and taken in increasing score (ties by cell id) until their predicted
/// pre-period count (neighbourhood level × cell area) reaches `multiple` times
/// the treatment's and at least `min_cells` are chosen.
#[allow(clippy::needless_range_loop)] // cell ids index several parallel arrays
pub(crate) fn choose_control(s: &ControlSearch<'_>) -> Result<(Vec<usize>, usize)> {
    let g = &s.grid;
    let nb = s.pre_bins.len();
    let mut counts = vec![vec![0.0f64; g.len()]; nb];
    for (p, b) in s.pre_points {
        if let Some(c) = g.cell_of(p[0], p[1]) {
            counts[*b][c] += 1.0;
        }
    }
    let sums: Vec<PrefixSum> = counts
        .iter()
        .map(|c| PrefixSum::new(c, g.ncols, g.nrows))
        .collect();
    let half_diag = g.cell * std::f64::consts::FRAC_1_SQRT_2;
    let pre_days: f64 = s.pre_bins.iter().map(|b| b.1).sum();
    let tot_t: f64 = s.treatment_bins.iter().sum();
    let level_t = tot_t / s.treatment_km2.max(1e-12) / pre_days;
    let trend_of = |ys: &[f64]| {
        let v: Vec<(f64, f64, f64)> = s
            .pre_bins
            .iter()
            .zip(ys)
            .map(|(b, y)| (b.0, b.1, *y))
            .collect();
        relative_trend(&v)
    };
    let trend_t = trend_of(s.treatment_bins);
    let mut cand: Vec<(usize, f64, f64, f64)> = Vec::new(); // id, ln level, trend, predicted count
    let k = CONTROL_RING;
    for id in 0..g.len() {
        let c = g.centre(id);
        if s.exclusions
            .iter()
            .any(|a| a.treatment_distance(c) <= a.radius + a.buffer + half_diag)
        {
            continue;
        }
        let (col, row) = g.col_row(id);
        let (col, row) = (col as i64, row as i64);
        let (c0, r0) = ((col - k).max(0), (row - k).max(0));
        let (c1, r1) = (
            (col + k).min(g.ncols as i64 - 1),
            (row + k).min(g.nrows as i64 - 1),
        );
        let ncells = ((c1 - c0 + 1) * (r1 - r0 + 1) - 1) as f64;
        if ncells < 1.0 {
            continue;
        }
        let ys: Vec<f64> = (0..nb)
            .map(|b| sums[b].window(c0, r0, c1, r1) - counts[b][id])
            .collect();
        let n: f64 = ys.iter().sum();
        if n <= 0.0 {
            continue;
        }
        let level = n / (ncells * g.cell_area_km2()) / pre_days;
        cand.push((
            id,
            level.ln(),
            trend_of(&ys),
            level * g.cell_area_km2() * pre_days,
        ));
    }
    if cand.is_empty() {
        return Err(Error::degenerate(
            "automatic control",
            "no grid cell outside the treatment areas and buffers has pre-period incidents nearby: give a control area",
        ));
    }
    type Cand = (usize, f64, f64, f64);
    let sd = |f: &dyn Fn(&Cand) -> f64| {
        let m = cand.iter().map(f).sum::<f64>() / cand.len() as f64;
        let v = cand.iter().map(|c| (f(c) - m).powi(2)).sum::<f64>() / cand.len() as f64;
        if v > 0.0 {
            v.sqrt()
        } else {
            1.0
        }
    };
    let sd_l = sd(&|c| c.1);
    let sd_t = sd(&|c| c.2);
    let ln_t = level_t.max(1e-300).ln();
    let mut scored: Vec<(f64, usize, f64)> = cand
        .iter()
        .map(|c| {
            (
                (c.1 - ln_t).abs() / sd_l + (c.2 - trend_t).abs() / sd_t,
                c.0,
                c.3,
            )
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let target = s.multiple * tot_t;
    let mut chosen = Vec::new();
    let mut sum = 0.0;
    for (_, id, n) in &scored {
        if sum >= target && chosen.len() >= s.min_cells {
            break;
        }
        chosen.push(*id);
        sum += n;
    }
    chosen.sort_unstable();
    Ok((chosen, cand.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> Geometry<f64> {
        Geometry::Polygon(geo::Polygon::new(
            geo::LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]),
            vec![],
        ))
    }

    #[test]
    fn zone_rings_are_inclusive() {
        let a = TreatmentArea::sites("a", &[[0.0, 0.0]], 100.0).buffer(50.0);
        let ix = AreaIndex::new(&a);
        assert_eq!(ix.zone([100.0, 0.0]), Zone::Treatment);
        assert_eq!(ix.zone([100.5, 0.0]), Zone::Buffer);
        assert_eq!(ix.zone([150.0, 0.0]), Zone::Buffer);
        assert_eq!(ix.zone([150.5, 0.0]), Zone::Outside);
        let b = TreatmentArea::polygons("b", vec![square(0.0, 0.0, 100.0)])
            .buffer(10.0)
            .control(vec![square(500.0, 0.0, 100.0)]);
        let ix = AreaIndex::new(&b);
        assert_eq!(ix.zone([50.0, 50.0]), Zone::Treatment);
        assert_eq!(ix.zone([105.0, 50.0]), Zone::Buffer);
        assert_eq!(ix.zone([550.0, 50.0]), Zone::Control);
        assert_eq!(ix.zone([450.0, 50.0]), Zone::Outside);
    }

    #[test]
    fn treatment_km2_of_polygon_and_disc() {
        let b = TreatmentArea::polygons("b", vec![square(0.0, 0.0, 1000.0)]);
        assert!((b.treatment_km2() - 1.0).abs() < 1e-12);
        let a = TreatmentArea::sites("a", &[[0.0, 0.0]], 500.0);
        let exact = std::f64::consts::PI * 0.25;
        assert!(
            (a.treatment_km2() - exact).abs() / exact < 0.01,
            "{}",
            a.treatment_km2()
        );
    }

    #[test]
    fn zone_polygons_match_the_rings() {
        let a = TreatmentArea::sites("a", &[[0.0, 0.0], [150.0, 0.0]], 100.0).buffer(50.0);
        let (t, r) = a.zone_polygons();
        use geo::Contains;
        assert!(t.contains(&geo::Point::new(75.0, 0.0)));
        assert!(!t.contains(&geo::Point::new(0.0, 120.0)));
        assert!(r.contains(&geo::Point::new(0.0, 120.0)));
        assert!(!r.contains(&geo::Point::new(0.0, 160.0)));
        // area of the ring around one disc ≈ π(150² − 100²)
        let one = TreatmentArea::sites("b", &[[0.0, 0.0]], 100.0).buffer(50.0);
        let ring = one.zone_polygons().1.unsigned_area();
        let exact = std::f64::consts::PI * (150.0f64.powi(2) - 100.0f64.powi(2));
        assert!((ring - exact).abs() / exact < 0.01, "{ring} vs {exact}");
    }

    #[test]
    fn validate_rejects_sites_without_radius_and_bad_control() {
        let a = TreatmentArea::sites("a", &[[0.0, 0.0]], 0.0);
        assert!(a.validate().unwrap_err().to_string().contains("radius"));
        let b = TreatmentArea::polygons("b", vec![square(0.0, 0.0, 10.0)])
            .control(vec![Geometry::Point(geo::Point::new(1.0, 1.0))]);
        assert!(b.validate().unwrap_err().to_string().contains("polygons"));
        assert!(TreatmentArea::polygons("c", vec![]).validate().is_err());
    }

    #[test]
    fn check_control_overlap_treatment_and_buffer() {
        let t = square(0.0, 0.0, 100.0);
        let over =
            [TreatmentArea::polygons("x", vec![t.clone()])
                .control(vec![square(50.0, 50.0, 100.0)])];
        let e = check_control_overlap(&over, 0).unwrap_err().to_string();
        assert!(e.contains("overlaps its treatment area"), "{e}");
        let near = [TreatmentArea::polygons("x", vec![t.clone()])
            .buffer(400.0)
            .control(vec![square(300.0, 0.0, 100.0)])];
        let e = check_control_overlap(&near, 0).unwrap_err().to_string();
        assert!(e.contains("overlaps its buffer"), "{e}");
        // touching at an edge with no buffer is allowed; far away is fine
        let touch = [TreatmentArea::polygons("x", vec![t.clone()])
            .buffer(0.0)
            .control(vec![square(100.0, 0.0, 100.0)])];
        assert!(check_control_overlap(&touch, 0).is_ok());
        let far = [TreatmentArea::polygons("x", vec![t])
            .buffer(400.0)
            .control(vec![square(600.0, 0.0, 100.0)])];
        assert!(check_control_overlap(&far, 0).is_ok());
    }

    #[test]
    fn relative_trend_of_linear_rates() {
        // rates 1, 2, 3 per day over 3 bins of 10 days centred 5, 15, 25: slope 0.1/day, mean 2
        let t = relative_trend(&[(5.0, 10.0, 10.0), (15.0, 10.0, 20.0), (25.0, 10.0, 30.0)]);
        assert!((t - 0.1 / 2.0 * 365.0).abs() < 1e-9, "{t}");
        assert_eq!(relative_trend(&[(5.0, 10.0, 0.0), (15.0, 10.0, 0.0)]), 0.0);
    }
}
