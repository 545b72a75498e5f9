//! A re-identification scanner for output bytes.
//!
//! # Method
//! Every number in the text is read (integers, decimals, exponents, signs; CSV, JSON,
//! GeoJSON `[lon, lat]` arrays, SVG path data and attributes alike), and every pair of
//! consecutive numbers is tested in both orders. Two numbers separated by a line break
//! are a pair only when a comma separates them too (a pretty-printed JSON array): the
//! last field of one CSV record and the first of the next are not a coordinate; nor
//! are two numbers with a bracket between them (`lat],[lon`: the halves of two
//! GeoJSON positions).
//! * as working-CRS coordinates: found when within `tolerance_m` (Euclidean) of an
//!   incident;
//! * as lon/lat (and lat/lon): found when within `tolerance_m` of an incident on the
//!   sphere (haversine, R = 6 371 008.8 m, the IUGG mean radius), so that 1 m is
//!   converted to degrees at the latitude of the point.
//!
//! Count columns named by [`Scanner::counts`] are then checked: in CSV (by header
//! name) and in JSON/GeoJSON (by object key, at any depth) a number `0 < n < k` is a
//! finding. Labels such as `"<3"` or `"x"` are not numbers and pass.
//!
//! The scanner looks for what the outputs must not contain; it is meant for tests
//! (every command's public output set scanned against the incidents it was made from).
//! Pairs of unrelated numbers that happen to lie near an incident are reported too:
//! a finding is a reason to look, and a test on real data should allow none.

use crate::error::{Error, Result};
use crate::index::PointIndex;
use serde::{Deserialize, Serialize};

/// What a finding is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FindingKind {
    /// A number pair within the tolerance of an incident in the working CRS.
    WorkingCoordinate {
        /// The incident (input order).
        incident: usize,
        /// Distance (m).
        distance_m: f64,
    },
    /// A number pair within the tolerance of an incident in lon/lat.
    LonLatCoordinate {
        /// The incident (input order).
        incident: usize,
        /// Distance (m).
        distance_m: f64,
    },
    /// A count below k in a named count column.
    SmallCount {
        /// The column or key.
        column: String,
        /// The value.
        value: f64,
    },
}

/// One thing found in the bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// Byte offset of the first number of the pair (coordinates) or of the CSV record
    /// (counts); `None` for JSON counts.
    pub offset: Option<usize>,
    /// The text found (the number pair, or the count).
    pub text: String,
}

/// A scanner built once for a set of incidents.
#[derive(Debug, Clone)]
pub struct Scanner {
    working: PointIndex,
    lonlat_pts: Vec<[f64; 2]>,
    lonlat: PointIndex,
    tolerance_m: f64,
    k: f64,
    count_columns: Vec<String>,
    allowed: Option<PointIndex>,
    allowed_lonlat: Vec<[f64; 2]>,
    allowed_lonlat_index: Option<PointIndex>,
}

const EARTH_RADIUS_M: f64 = 6_371_008.8;

fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

impl Scanner {
    /// A scanner for incidents given in the working CRS and in lon/lat (`[lon, lat]`,
    /// same order or either may be empty). `tolerance_m` is the distance within which a
    /// number pair counts as an incident location (the issue's test uses 1 m).
    pub fn new(working: &[[f64; 2]], lonlat: &[[f64; 2]], tolerance_m: f64) -> Result<Scanner> {
        if !(tolerance_m.is_finite() && tolerance_m >= 0.0) {
            return Err(Error::invalid(
                "scanner",
                "tolerance_m",
                tolerance_m,
                "must be a non-negative number of metres",
            ));
        }
        Ok(Scanner {
            working: PointIndex::new(working),
            lonlat_pts: lonlat.to_vec(),
            lonlat: PointIndex::new(lonlat),
            tolerance_m,
            k: 0.0,
            count_columns: Vec::new(),
            allowed: None,
            allowed_lonlat: Vec::new(),
            allowed_lonlat_index: None,
        })
    }

    /// Also reports counts `0 < n < k` in the named columns / keys (case-insensitive).
    pub fn counts(mut self, k: u32, columns: &[&str]) -> Scanner {
        self.k = f64::from(k);
        self.count_columns = columns.iter().map(|c| c.to_lowercase()).collect();
        self
    }

    /// Public points (working CRS) that may coincide with an incident without
    /// exposing it: the anonymous map points or cell centres the output was snapped to.
    /// An incident that happened at a street-segment midpoint is published there by
    /// design (the point covers at least k addresses); a number pair within the
    /// tolerance of an allowed point is not reported as a working-CRS finding.
    pub fn allow(mut self, points: &[[f64; 2]]) -> Scanner {
        self.allowed = Some(PointIndex::new(points));
        self
    }

    /// The same public points in lon/lat (`[lon, lat]`): a number pair within the
    /// tolerance of one of them is not reported as a lon/lat finding.
    pub fn allow_lonlat(mut self, points: &[[f64; 2]]) -> Scanner {
        self.allowed_lonlat = points.to_vec();
        self.allowed_lonlat_index = Some(PointIndex::new(points));
        self
    }

    fn is_allowed_lonlat(&self, p: [f64; 2]) -> bool {
        let Some(ix) = &self.allowed_lonlat_index else {
            return false;
        };
        let dlat = self.tolerance_m / 110_000.0 + 1e-12;
        let dlon = dlat / p[1].to_radians().cos().max(1e-6);
        ix.in_box([p[0] - dlon, p[1] - dlat], [p[0] + dlon, p[1] + dlat])
            .into_iter()
            .any(|i| haversine_m(p, self.allowed_lonlat[i]) <= self.tolerance_m)
    }

    fn is_allowed(&self, p: [f64; 2]) -> bool {
        self.allowed
            .as_ref()
            .and_then(|a| a.nearest(p))
            .is_some_and(|(_, d)| d <= self.tolerance_m)
    }

    /// Scans the bytes of one file.
    pub fn scan(&self, bytes: &[u8]) -> Vec<Finding> {
        let nums = numbers(bytes);
        let mut out = Vec::new();
        for w in nums.windows(2) {
            let ((o, a), (o2, b)) = (w[0], w[1]);
            let between = &bytes[(o + number_len(&bytes[o..])).min(o2)..o2];
            if between.iter().any(|&c| c == b'\n' || c == b'\r') && !between.contains(&b',') {
                continue;
            }
            // numbers of two different JSON arrays (`..., lat],[lon, ...`) are the
            // halves of two coordinates, never one
            if between.iter().any(|&c| c == b'[' || c == b']') {
                continue;
            }
            let text =
                String::from_utf8_lossy(&bytes[o..o2 + number_len(&bytes[o2..])]).into_owned();
            let mut found = false;
            for p in [[a, b], [b, a]] {
                if found {
                    break;
                }
                if let Some((i, d)) = self
                    .working
                    .nearest(p)
                    .filter(|(_, d)| *d <= self.tolerance_m && !self.is_allowed(p))
                {
                    out.push(Finding {
                        kind: FindingKind::WorkingCoordinate {
                            incident: i,
                            distance_m: d,
                        },
                        offset: Some(o),
                        text: text.clone(),
                    });
                    found = true;
                } else if let Some((i, d)) =
                    self.near_lonlat(p).filter(|_| !self.is_allowed_lonlat(p))
                {
                    out.push(Finding {
                        kind: FindingKind::LonLatCoordinate {
                            incident: i,
                            distance_m: d,
                        },
                        offset: Some(o),
                        text: text.clone(),
                    });
                    found = true;
                }
            }
        }
        if !self.count_columns.is_empty() {
            self.scan_counts(bytes, &mut out);
        }
        out
    }

    fn near_lonlat(&self, p: [f64; 2]) -> Option<(usize, f64)> {
        let (lon, lat) = (p[0], p[1]);
        if self.lonlat.is_empty() || lat.abs() > 90.0 || lon.abs() > 180.0 {
            return None;
        }
        // Degrees spanned by the tolerance, with margin; exact test below.
        let dlat = self.tolerance_m / 110_000.0 + 1e-12;
        let dlon = dlat / lat.to_radians().cos().max(1e-6);
        self.lonlat
            .in_box([lon - dlon, lat - dlat], [lon + dlon, lat + dlat])
            .into_iter()
            .map(|i| (i, haversine_m(p, self.lonlat_pts[i])))
            .filter(|(_, d)| *d <= self.tolerance_m)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }

    fn is_count_column(&self, name: &str) -> bool {
        let n = name.trim().to_lowercase();
        self.count_columns.contains(&n)
    }

    fn small(&self, v: f64) -> bool {
        v > 0.0 && v < self.k
    }

    fn scan_counts(&self, bytes: &[u8], out: &mut Vec<Finding>) {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            Some(b'{') | Some(b'[') => {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    self.walk_json(&v, out);
                }
            }
            Some(b'<') | None => {}
            Some(_) => {
                let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
                let Ok(header) = rdr.headers().cloned() else {
                    return;
                };
                let cols: Vec<(usize, String)> = header
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| self.is_count_column(h))
                    .map(|(i, h)| (i, h.to_string()))
                    .collect();
                if cols.is_empty() {
                    return;
                }
                for rec in rdr.records().flatten() {
                    for (i, name) in &cols {
                        let Some(s) = rec.get(*i) else { continue };
                        if let Ok(v) = s.trim().parse::<f64>() {
                            if self.small(v) {
                                out.push(Finding {
                                    kind: FindingKind::SmallCount {
                                        column: name.clone(),
                                        value: v,
                                    },
                                    offset: rec.position().map(|p| p.byte() as usize),
                                    text: s.to_string(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }

    fn walk_json(&self, v: &serde_json::Value, out: &mut Vec<Finding>) {
        match v {
            serde_json::Value::Object(m) => {
                for (key, val) in m {
                    if self.is_count_column(key) {
                        if let Some(x) = val.as_f64().filter(|x| self.small(*x)) {
                            out.push(Finding {
                                kind: FindingKind::SmallCount {
                                    column: key.clone(),
                                    value: x,
                                },
                                offset: None,
                                text: val.to_string(),
                            });
                        }
                    }
                    self.walk_json(val, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| self.walk_json(x, out)),
            _ => {}
        }
    }
}

/// Scans bytes for incident coordinates (no count check): a shorthand for
/// [`Scanner::new`] then [`Scanner::scan`].
///
/// ```
/// use crimescape::scan_bytes;
/// let working = [[531_204.5, 181_020.25]];
/// let lonlat = [[-0.1276, 51.5072]];
/// let csv = b"id,x,y\n1,531204.9,181020.0\n";
/// assert_eq!(scan_bytes(csv, &working, &lonlat, 1.0)?.len(), 1);
/// let geojson = br#"{"type":"Point","coordinates":[-1.276e-1, 51.507205]}"#;
/// assert_eq!(scan_bytes(geojson, &working, &lonlat, 1.0)?.len(), 1);
/// # Ok::<(), crimescape::Error>(())
/// ```
pub fn scan_bytes(
    bytes: &[u8],
    working: &[[f64; 2]],
    lonlat: &[[f64; 2]],
    tolerance_m: f64,
) -> Result<Vec<Finding>> {
    Ok(Scanner::new(working, lonlat, tolerance_m)?.scan(bytes))
}

fn number_len(b: &[u8]) -> usize {
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// Every number in the bytes with its offset.
fn numbers(b: &[u8]) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts = c.is_ascii_digit()
            || ((c == b'-' || c == b'+' || c == b'.')
                && b.get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || (*d == b'.' && c != b'.')));
        if !starts {
            i += 1;
            continue;
        }
        let n = number_len(&b[i..]).max(1);
        let s = std::str::from_utf8(&b[i..i + n]).unwrap_or("");
        // "-.5" / ".5" style: number_len stops at the dot for a leading dot; handle it.
        let (n, v) = match s.parse::<f64>() {
            Ok(v) => (n, Some(v)),
            Err(_) => {
                let m = leading_dot_len(&b[i..]);
                (
                    m.max(1),
                    std::str::from_utf8(&b[i..i + m])
                        .ok()
                        .and_then(|t| t.parse::<f64>().ok()),
                )
            }
        };
        if let Some(v) = v.filter(|v| v.is_finite()) {
            out.push((i, v));
        }
        i += n;
    }
    out
}

fn leading_dot_len(b: &[u8]) -> usize {
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKING: [[f64; 2]; 2] = [[447_231.37, 5_411_986.12], [448_000.0, 5_412_000.0]];
    // Two incidents in Chicago-like lon/lat.
    const LONLAT: [[f64; 2]; 2] = [[-87.627_812, 41.881_944], [-87.700_001, 41.900_002]];

    #[test]
    fn scan_bytes_numbers_all_formats() {
        let b = b"a,-1.5e3,+2,.5,-0.25,7E-1,2024-01-05";
        let v: Vec<f64> = numbers(b).into_iter().map(|x| x.1).collect();
        assert_eq!(v, vec![-1500.0, 2.0, 0.5, -0.25, 0.7, 2024.0, -1.0, -5.0]);
    }

    #[test]
    fn scan_bytes_finds_planted_csv() {
        let csv = "cell,x,y,count\n1,447231.9,5411986.0,12\n2,447500,5411500,9\n";
        let f = scan_bytes(csv.as_bytes(), &WORKING, &LONLAT, 1.0).unwrap();
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(matches!(
            f[0].kind,
            FindingKind::WorkingCoordinate { incident: 0, .. }
        ));
        assert_eq!(f[0].text, "447231.9,5411986.0");
        // Lat/lon order (Chicago's "Latitude,Longitude") is found too.
        let csv = "id,lat,lon\n9,41.881950,-87.627810\n";
        let f = scan_bytes(csv.as_bytes(), &WORKING, &LONLAT, 1.0).unwrap();
        assert!(
            matches!(f[0].kind, FindingKind::LonLatCoordinate { incident: 0, .. }),
            "{f:?}"
        );
    }

    #[test]
    fn scan_bytes_finds_planted_geojson() {
        for coords in [
            "[-87.627812,41.881944]",
            "[ -87.62781, 41.88194 ]",
            "[-8.7627812e1,4.1881944E+1]",
            "[\n  -87.7000,\n  41.9000\n]", // 0.2 m off: within 1 m
        ] {
            let g = format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"n":5}},"geometry":{{"type":"Point","coordinates":{coords}}}}}]}}"#
            );
            let f = scan_bytes(g.as_bytes(), &WORKING, &LONLAT, 1.0).unwrap();
            assert_eq!(f.len(), 1, "{coords}: {f:?}");
            assert!(matches!(f[0].kind, FindingKind::LonLatCoordinate { .. }));
        }
        // 4 decimals in lon at 41.9° N is ~8 m: not within 1 m of incident 0.
        let g = r#"{"coordinates":[-87.6277,41.8819]}"#;
        assert!(scan_bytes(g.as_bytes(), &WORKING, &LONLAT, 1.0)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn scan_bytes_finds_planted_json_and_svg() {
        let j = r#"{"sites":[{"rank":1,"x":448000.4,"y":5411999.7,"score":2.5}]}"#;
        let f = scan_bytes(j.as_bytes(), &WORKING, &LONLAT, 1.0).unwrap();
        assert!(
            matches!(
                f[0].kind,
                FindingKind::WorkingCoordinate { incident: 1, .. }
            ),
            "{f:?}"
        );
        let svg = r#"<svg><path d="M447231.4,5411986.1L448100,5412100"/></svg>"#;
        assert_eq!(
            scan_bytes(svg.as_bytes(), &WORKING, &LONLAT, 1.0)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn scan_bytes_nothing_in_aggregated_grid() {
        // 100 m cells: centres 447250, 5411950 etc. are tens of metres from incidents.
        let mut csv = String::from("cell,x,y,count,gi_z\n");
        let mut i = 0;
        for cx in 0..10 {
            for cy in 0..10 {
                let x = 447_050.0 + 100.0 * cx as f64;
                let y = 5_411_850.0 + 100.0 * cy as f64;
                csv.push_str(&format!(
                    "{i},{x},{y},{},{:.3}\n",
                    3 + (i % 5),
                    0.1 * i as f64
                ));
                i += 1;
            }
        }
        let s = Scanner::new(&WORKING, &LONLAT, 1.0)
            .unwrap()
            .counts(3, &["count"]);
        assert!(s.scan(csv.as_bytes()).is_empty());
        let gj = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"count":4},"geometry":{"type":"Polygon","coordinates":[[[-87.63,41.88],[-87.62,41.88],[-87.62,41.89],[-87.63,41.88]]]}}]}"#;
        assert!(s.scan(gj.as_bytes()).is_empty());
    }

    #[test]
    fn scan_bytes_small_counts_csv_and_json() {
        let s = Scanner::new(&[], &[], 1.0)
            .unwrap()
            .counts(3, &["Count", "n"]);
        let f = s.scan(b"cell,count\n1,\"<3\"\n2,2\n3,0\n4,7\n");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].kind,
            FindingKind::SmallCount {
                column: "count".into(),
                value: 2.0
            }
        );
        let f = s.scan(br#"{"features":[{"properties":{"n":1}},{"properties":{"n":"<3"}}]}"#);
        assert_eq!(f.len(), 1);
        assert!(Scanner::new(&[], &[], -1.0).is_err());
    }

    #[test]
    fn scan_does_not_pair_numbers_across_csv_records() {
        let sc = Scanner::new(&[[100.0, 200.0]], &[], 1.0).unwrap();
        // y of one record and x of the next would make (100, 200)
        assert!(sc.scan(b"x,y\n5,100\n200,7\n").is_empty());
        // a pretty-printed JSON array still pairs
        assert_eq!(sc.scan(b"[\n  100.0,\n  200.0\n]").len(), 1);
        assert_eq!(sc.scan(b"x,y\n100,200\n").len(), 1);
    }
}
