//! Temporal profiles and signatures of places, and a test of a place against
//! its city.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::aoristic::{week_weights_sparse, CompensatedSum, WeekProfile};
use super::night::NightModel;
use super::{bin_label, AoristicRule, Window, WEEK_BINS};
use crate::error::{Error, Result};

/// Per-incident temporal records (see [`test_places`]).
#[derive(Debug, Clone)]
pub struct TemporalTable {
    /// Per incident: the index of its hour-of-week weight pattern.
    pattern: Vec<u32>,
    /// The distinct sparse weight patterns (compressed rows: pattern `p` is
    /// `bins/weights[offsets[p]..offsets[p + 1]]`). Incidents with the same window
    /// position in the week share one (a month-precision export has a few dozen),
    /// so the table costs 4 bytes per incident, not 9 per non-zero bin (a
    /// month-long window has 168).
    offsets: Vec<u32>,
    bins: Vec<u8>,
    weights: Vec<f64>,
    night: Option<Vec<f64>>,
    weekend_night: Option<Vec<f64>>,
    rule: AoristicRule,
}

/// A temporal table numbers its window patterns and their bins in 32 bits.
fn too_many_patterns() -> Error {
    Error::limit(
        "windows",
        "too many distinct window patterns",
        u32::MAX,
        "a temporal table numbers its window patterns in 32 bits",
    )
}

impl TemporalTable {
    /// Builds the table. With `night = Some((model, lonlat))` (one lon/lat per
    /// window, degrees) the night and weekend-night shares are computed per
    /// incident at its tile; without, signatures have no night shares.
    pub fn build(
        windows: &[Window],
        rule: AoristicRule,
        night: Option<(&NightModel, &[[f64; 2]])>,
    ) -> Result<TemporalTable> {
        if windows.len() > u32::MAX as usize {
            return Err(Error::limit(
                "windows",
                windows.len(),
                u32::MAX,
                "a temporal table numbers its incidents in 32 bits",
            ));
        }
        let mut pattern = Vec::with_capacity(windows.len());
        let mut offsets = vec![0u32];
        let mut bins = Vec::new();
        let mut weights = Vec::new();
        let mut seen: std::collections::HashMap<Vec<(u8, u64)>, u32> =
            std::collections::HashMap::new();
        for w in windows {
            let key: Vec<(u8, u64)> = week_weights_sparse(w, rule)
                .into_iter()
                .map(|(b, v)| (b, v.to_bits()))
                .collect();
            let next = u32::try_from(seen.len()).map_err(|_| too_many_patterns())?;
            let id = match seen.get(&key) {
                Some(&id) => id,
                None => {
                    for &(b, v) in &key {
                        bins.push(b);
                        weights.push(f64::from_bits(v));
                    }
                    offsets.push(u32::try_from(bins.len()).map_err(|_| too_many_patterns())?);
                    seen.insert(key, next);
                    next
                }
            };
            pattern.push(id);
        }
        let (night, weekend_night) = match night {
            None => (None, None),
            Some((model, lonlat)) => {
                super::night::check_locations(lonlat, windows)?;
                let pairs: Vec<Option<(f64, f64)>> = windows
                    .par_iter()
                    .zip(lonlat.par_iter())
                    .map(|(w, p)| {
                        model
                            .calendar(*p)
                            .map(|c| (c.night_share(w), c.weekend_night_share(w)))
                    })
                    .collect();
                if let Some(i) = pairs.iter().position(Option::is_none) {
                    return Err(Error::invalid_param(
                        "night",
                        format!("incident {i} at {:?}", lonlat[i]),
                        "the night model has no sun calendar there; build it from the same \
                         locations",
                    ));
                }
                let (n, wn): (Vec<f64>, Vec<f64>) = pairs.into_iter().flatten().unzip();
                (Some(n), Some(wn))
            }
        };
        Ok(TemporalTable {
            pattern,
            offsets,
            bins,
            weights,
            night,
            weekend_night,
            rule,
        })
    }

    /// Number of incidents.
    pub fn len(&self) -> usize {
        self.pattern.len()
    }

    /// Number of distinct hour-of-week weight patterns.
    pub fn n_patterns(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Pattern `p`'s non-zero hour-of-week weights.
    fn pattern_weights(&self, p: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (a, b) = (self.offsets[p] as usize, self.offsets[p + 1] as usize);
        self.bins[a..b]
            .iter()
            .zip(&self.weights[a..b])
            .map(|(b, w)| (*b as usize, *w))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The aoristic rule used.
    pub fn rule(&self) -> AoristicRule {
        self.rule
    }

    /// Whether night shares were computed.
    pub fn has_night(&self) -> bool {
        self.night.is_some()
    }

    /// Incident `i`'s non-zero hour-of-week weights.
    pub fn weights(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.pattern_weights(self.pattern[i] as usize)
    }

    /// Incident `i`'s night share.
    pub fn night_share(&self, i: usize) -> Option<f64> {
        self.night.as_ref().map(|n| n[i])
    }

    /// Incident `i`'s weekend-night share.
    pub fn weekend_night_share(&self, i: usize) -> Option<f64> {
        self.weekend_night.as_ref().map(|n| n[i])
    }

    fn check(&self, members: &[usize]) -> Result<()> {
        if let Some(&i) = members.iter().find(|&&i| i >= self.len()) {
            return Err(Error::invalid_param(
                "members",
                i,
                format!(
                    "an incident index must be below the table's {} rows",
                    self.len()
                ),
            ));
        }
        Ok(())
    }

    /// The hour-of-week profile of the incidents `members` (sums in that order).
    pub fn week_profile(&self, members: &[usize]) -> Result<WeekProfile> {
        self.check(members)?;
        let mut acc = [CompensatedSum::default(); WEEK_BINS];
        for &i in members {
            for (b, v) in self.weights(i) {
                acc[b].add(v);
            }
        }
        Ok(WeekProfile {
            weights: acc.iter().map(|a| a.value()).collect(),
            n: members.len(),
        })
    }

    /// The profile of every incident.
    pub fn city_profile(&self) -> WeekProfile {
        let all: Vec<usize> = (0..self.len()).collect();
        self.week_profile(&all)
            .unwrap_or_else(|_| WeekProfile::empty())
    }

    /// The temporal signature of the incidents `members`.
    pub fn signature(&self, members: &[usize]) -> Result<TemporalSignature> {
        let profile = self.week_profile(members)?;
        let n = members.len();
        let mean = |v: &Option<Vec<f64>>| -> Option<f64> {
            let v = v.as_ref()?;
            if n == 0 {
                return None;
            }
            let mut s = CompensatedSum::default();
            for &i in members {
                s.add(v[i]);
            }
            Some(s.value() / n as f64)
        };
        let peak = profile.peak();
        let total = profile.total();
        Ok(TemporalSignature {
            n,
            night_share: mean(&self.night),
            weekend_night_share: mean(&self.weekend_night),
            peak_bin: peak,
            peak_label: peak.map(bin_label),
            peak_share: peak.map(|b| profile.weights[b] / total),
        })
    }
}

/// The temporal signature of a place (see [`test_places`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporalSignature {
    /// Number of incidents.
    pub n: usize,
    /// Aoristic share of the incidents' time at night (`None` without sun times or
    /// incidents).
    pub night_share: Option<f64>,
    /// Share in the weekend night (Friday 12:00 – Sunday 12:00, at night).
    pub weekend_night_share: Option<f64>,
    /// Peak hour of the week (bin, Sunday 00h = 0).
    pub peak_bin: Option<usize>,
    /// The peak as `"Fri 23h"`.
    pub peak_label: Option<String>,
    /// Share of the place's weight in its peak hour.
    pub peak_share: Option<f64>,
}

/// Parameters of [`test_places`] (builder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceTestParams {
    /// Permutation replicates (default 999; 0 = no test).
    pub nrep: usize,
    /// Seed (default 42).
    pub seed: u64,
    /// Benjamini–Hochberg level for night dominance (default 0.05).
    pub alpha: f64,
    /// Minimum night share of a night-dominant place (default 0.5).
    pub min_night_share: f64,
}

impl Default for PlaceTestParams {
    fn default() -> Self {
        PlaceTestParams {
            nrep: 999,
            seed: 42,
            alpha: 0.05,
            min_night_share: 0.5,
        }
    }
}

impl PlaceTestParams {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the number of replicates.
    pub fn nrep(mut self, n: usize) -> Self {
        self.nrep = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets the BH level.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
    /// Sets the minimum night share.
    pub fn min_night_share(mut self, s: f64) -> Self {
        self.min_night_share = s;
        self
    }
}

/// One place's test result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceTest {
    /// The place's signature.
    pub signature: TemporalSignature,
    /// Profile distance `T` to the city ([`test_places`]).
    pub distance: f64,
    /// Permutation p-value of `T` (`None` without replicates or incidents).
    pub p_profile: Option<f64>,
    /// One-sided permutation p-value of the night sum (`None` without night shares).
    pub p_night: Option<f64>,
    /// Benjamini–Hochberg adjusted `p_night` over the tested places.
    pub q_night: Option<f64>,
    /// Night share ≥ `min_night_share` and `q_night ≤ alpha`.
    pub night_dominant: bool,
}

/// Results of [`test_places`], places in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceTests {
    /// The city's signature (all incidents of the table).
    pub city: TemporalSignature,
    /// One result per place.
    pub places: Vec<PlaceTest>,
    /// Parameters used.
    pub params: PlaceTestParams,
}

/// Above this many distinct weight patterns, replicates sum weights incident by
/// incident (a count per pattern would cost more than it saves).
const MAX_COUNTED_PATTERNS: usize = 1 << 16;

/// Draws `n` distinct indices of `0..m` (rejection with a bitmap; the complement
/// when `n > m/2`).
fn draw(rng: &mut ChaCha8Rng, m: usize, n: usize, mark: &mut [u64], out: &mut Vec<u32>) {
    out.clear();
    let complement = 2 * n > m;
    let k = if complement { m - n } else { n };
    let mut chosen = Vec::with_capacity(k);
    while chosen.len() < k {
        let t = rng.random_range(0..m);
        let (w, bit) = (t / 64, 1u64 << (t % 64));
        if mark[w] & bit == 0 {
            mark[w] |= bit;
            chosen.push(t);
        }
    }
    if complement {
        out.extend(
            (0..m)
                .filter(|t| mark[t / 64] & (1u64 << (t % 64)) == 0)
                .map(|t| t as u32),
        );
    } else {
        out.extend(chosen.iter().map(|&t| t as u32));
    }
    for t in chosen {
        mark[t / 64] = 0;
    }
}

/// Benjamini–Hochberg adjusted p-values (`None` stays `None`).
pub fn benjamini_hochberg(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    let m = idx.len();
    idx.sort_by(|&a, &b| p[a].partial_cmp(&p[b]).unwrap_or(std::cmp::Ordering::Equal));
    let mut q = vec![None; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in idx.iter().enumerate().rev() {
        let v = p[i].unwrap_or(1.0) * m as f64 / (rank + 1) as f64;
        running = running.min(v).min(1.0);
        q[i] = Some(running);
    }
    q
}

fn distance(o: &[f64; WEEK_BINS], expected: &[f64; WEEK_BINS]) -> f64 {
    let mut t = 0.0;
    for b in 0..WEEK_BINS {
        if expected[b] > 0.0 {
            let d = o[b] - expected[b];
            t += d * d / expected[b];
        }
    }
    t
}

/// Tests every place against the city. `places[k]` lists incident
/// indices of the table; places may overlap.
///
/// A [`TemporalTable`] holds, per incident, its aoristic hour-of-week weights
/// (sparse), the share of its window at night and the share in the weekend night
/// (computed per date at the incident's location, see [`NightModel`]). A **place**
/// (a hot spot, a cluster, a ranked site, a beat) is a list of incident indices;
/// its [`TemporalSignature`] is
/// * `night_share`: the aoristic-weighted share of its incidents' time at night
///   (sun below the threshold of [`SunParams`](super::SunParams)): `Σᵢ nightᵢ / n`;
/// * `weekend_night_share`: the same for the night between Friday 12:00 and Sunday
///   12:00 (Friday and Saturday nights);
/// * `peak_bin`: the hour of the week with the largest aoristic weight.
///
/// # Does a place's timing differ from its city's? ([`test_places`])
/// A seeded **permutation test** (random labelling): under the null hypothesis the
/// place's `n` incidents are a random draw of `n` of the city's `N` incidents
/// (without replacement; the place's own incidents are part of the city). Each of
/// `nrep` replicates draws such a set and computes two statistics:
/// * the profile distance `T = Σ_b (O_b − n·p_b)² / (n·p_b)` over the 168 bins
///   with `p_b` the city's share and `O_b` the drawn set's aoristic weight
///   (Pearson's chi-square form, used as a distance: its null distribution comes
///   from the permutations, not from χ², so fractional aoristic counts and small
///   expected counts need no rule);
/// * the night sum `S = Σ nightᵢ` (one-sided: more night than the city).
///
/// `p = (#{replicate ≥ observed} + 1) / (nrep + 1)`; ties (within a relative 1e-9)
/// count against significance. Chosen over a chi-square test because aoristic
/// counts are fractional (their variance is not Poisson) and a place's 168 expected
/// counts are mostly below 5, where the χ² approximation fails and pooling bins would
/// hide the hours that matter. The 168-bin distance is an omnibus statistic: it
/// finds a place whose incidents crowd into a few hours of the week, but with a few
/// dozen incidents it has little power against a pattern spread over many hours
/// (e.g. "any time after dark"); the directed night statistic is the one for that.
///
/// A place is **night-dominant** when its night share is at least
/// [`PlaceTestParams::min_night_share`] (0.5: most of its incidents' time is at
/// night) **and** its one-sided night p-value survives the Benjamini–Hochberg
/// procedure over all tested places at level `alpha` (0.05). Under the global null
/// (a city whose times do not depend on place) BH keeps the chance that *any* place
/// is flagged at or below `alpha`; the simulation tests check both properties.
///
/// Replicate `r` of place `k` draws from ChaCha8 `seed_from_u64(seed)` with stream
/// `k · 2³² + r`; counts are integers, so results do not depend on the thread count.
pub fn test_places(
    table: &TemporalTable,
    places: &[Vec<usize>],
    params: &PlaceTestParams,
) -> Result<PlaceTests> {
    test_places_with(table, places, params, MAX_COUNTED_PATTERNS)
}

/// [`test_places`] summing replicates by pattern when the table has at most
/// `max_counted` patterns.
fn test_places_with(
    table: &TemporalTable,
    places: &[Vec<usize>],
    params: &PlaceTestParams,
    max_counted: usize,
) -> Result<PlaceTests> {
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::invalid_param(
            "alpha",
            params.alpha,
            "the place test's alpha must be in (0, 1)",
        ));
    }
    let big_n = table.len();
    let all: Vec<usize> = (0..big_n).collect();
    let city = table.signature(&all)?;
    let city_shares = table.city_profile().shares();
    // Replicates sum the drawn incidents' weights pattern by pattern (counts per
    // pattern, then count × weights in pattern order) when the patterns are few;
    // otherwise incident by incident in draw order. Both are fixed orders, so the
    // thread count changes nothing.
    let by_pattern = table.n_patterns() <= max_counted;
    let one_place = |k: usize, members: &Vec<usize>| -> Result<PlaceTest> {
        let signature = table.signature(members)?;
        let n = members.len();
        let mut expected = [0.0; WEEK_BINS];
        for b in 0..WEEK_BINS {
            expected[b] = n as f64 * city_shares[b];
        }
        let profile = table.week_profile(members)?;
        let mut obs = [0.0; WEEK_BINS];
        obs.copy_from_slice(&profile.weights);
        let t_obs = distance(&obs, &expected);
        let s_obs = signature.night_share.map(|s| s * n as f64);
        let (p_profile, p_night) = if params.nrep == 0 || n == 0 || big_n == 0 {
            (None, None)
        } else {
            let reps: Vec<(f64, f64)> = (0..params.nrep)
                .into_par_iter()
                .map_init(
                    || {
                        let counts = if by_pattern {
                            vec![0u32; table.n_patterns()]
                        } else {
                            Vec::new()
                        };
                        (
                            vec![0u64; big_n.div_ceil(64)],
                            Vec::with_capacity(n),
                            counts,
                            Vec::new(),
                        )
                    },
                    |(mark, drawn, counts, touched), r| {
                        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
                        rng.set_stream(((k as u64) << 32) | r as u64);
                        draw(&mut rng, big_n, n, mark, drawn);
                        let mut o = [0.0; WEEK_BINS];
                        let mut s = 0.0;
                        for &i in drawn.iter() {
                            let i = i as usize;
                            if by_pattern {
                                let p = table.pattern[i] as usize;
                                if counts[p] == 0 {
                                    touched.push(p);
                                }
                                counts[p] += 1;
                            } else {
                                for (b, v) in table.weights(i) {
                                    o[b] += v;
                                }
                            }
                            if let Some(x) = table.night_share(i) {
                                s += x;
                            }
                        }
                        if by_pattern {
                            touched.sort_unstable();
                            for &p in touched.iter() {
                                let c = f64::from(counts[p]);
                                for (b, v) in table.pattern_weights(p) {
                                    o[b] += c * v;
                                }
                                counts[p] = 0;
                            }
                            touched.clear();
                        }
                        (distance(&o, &expected), s)
                    },
                )
                .collect();
            let tol_t = 1e-9 * t_obs.abs().max(1e-300);
            let ge_t = reps.iter().filter(|r| r.0 >= t_obs - tol_t).count();
            let p_t = (ge_t + 1) as f64 / (params.nrep + 1) as f64;
            let p_s = s_obs.map(|s| {
                let tol = 1e-9 * s.abs().max(1.0);
                let ge = reps.iter().filter(|r| r.1 >= s - tol).count();
                (ge + 1) as f64 / (params.nrep + 1) as f64
            });
            (Some(p_t), p_s)
        };
        Ok(PlaceTest {
            signature,
            distance: t_obs,
            p_profile,
            p_night,
            q_night: None,
            night_dominant: false,
        })
    };
    // Places in parallel (each place's replicates too: rayon nests them).
    let mut results = places
        .par_iter()
        .enumerate()
        .map(|(k, m)| one_place(k, m))
        .collect::<Result<Vec<PlaceTest>>>()?;
    let p_night_all: Vec<Option<f64>> = results.iter().map(|r| r.p_night).collect();
    let q = benjamini_hochberg(&p_night_all);
    for (r, q) in results.iter_mut().zip(q) {
        r.q_night = q;
        r.night_dominant = q.is_some_and(|q| q <= params.alpha)
            && r.signature
                .night_share
                .is_some_and(|s| s >= params.min_night_share);
    }
    Ok(PlaceTests {
        city,
        places: results,
        params: params.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{days_from_civil, from_fields, DAY};
    use crate::when::{SunParams, TimeZone};

    fn chicago() -> TimeZone {
        TimeZone::parse("America/Chicago").unwrap()
    }

    #[test]
    fn signature_of_known_windows() {
        // Wednesday 2024-03-06 (CST): 02:00 night, 13:00 day, Fri 23:00 weekend night
        let t = |d: u32, h: u32| from_fields(2024, 3, d, h, 0, 0).unwrap();
        let ws = [
            Window::exact(t(6, 2)),
            Window::exact(t(6, 13)),
            Window::exact(t(8, 23)),
            Window::new(t(6, 12), t(6, 14)).unwrap(),
        ];
        let ll = [[-87.63, 41.88]; 4];
        let model = NightModel::build(&ll, &ws, &chicago(), SunParams::default(), 0.1).unwrap();
        let tab = TemporalTable::build(&ws, AoristicRule::Minute, Some((&model, &ll))).unwrap();
        let s = tab.signature(&[0, 1, 2, 3]).unwrap();
        assert_eq!(s.n, 4);
        assert_eq!(s.night_share, Some(0.5));
        assert_eq!(s.weekend_night_share, Some(0.25));
        // 13h Wednesday holds 1 + 0.5
        assert_eq!(s.peak_bin, Some(24 * 3 + 13));
        assert_eq!(s.peak_label.as_deref(), Some("Wed 13h"));
        assert_eq!(s.peak_share, Some(1.5 / 4.0));
        let e = tab.signature(&[]).unwrap();
        assert_eq!((e.night_share, e.peak_bin), (None, None));
        assert!(tab.signature(&[9]).is_err());
        let no_sun = TemporalTable::build(&ws, AoristicRule::Minute, None).unwrap();
        assert_eq!(no_sun.signature(&[0]).unwrap().night_share, None);
        assert!(TemporalTable::build(&ws, AoristicRule::Minute, Some((&model, &ll[..2]))).is_err());
    }

    #[test]
    fn draw_is_without_replacement() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut mark = vec![0u64; 2];
        let mut out = Vec::new();
        for n in [0, 1, 50, 99, 100] {
            draw(&mut rng, 100, n, &mut mark, &mut out);
            let mut s = out.clone();
            s.sort();
            s.dedup();
            assert_eq!(s.len(), n);
            assert!(mark.iter().all(|w| *w == 0));
        }
    }

    #[test]
    fn benjamini_hochberg_known_values() {
        let p = [Some(0.01), Some(0.04), None, Some(0.03), Some(0.5)];
        let q = benjamini_hochberg(&p);
        // m = 4: sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.0533, 0.0533, 0.5
        assert!((q[0].unwrap() - 0.04).abs() < 1e-12);
        assert!((q[3].unwrap() - 0.16 / 3.0).abs() < 1e-12);
        assert!((q[1].unwrap() - 0.16 / 3.0).abs() < 1e-12);
        assert_eq!(q[2], None);
        assert_eq!(q[4], Some(0.5));
    }

    #[test]
    fn test_places_by_pattern_equals_incident_by_incident() {
        // 300 windows of 90 min at :17 past various hours: fractional weights, and
        // repeated positions in the week (patterns shared)
        let d0 = days_from_civil(2024, 3, 4);
        let ws: Vec<Window> = (0..300)
            .map(|i| {
                let from = d0 * DAY + ((i * 7) % 40) * 3600 + 17 * 60 + (i / 40) * 7 * DAY;
                Window::new(from, from + 90 * 60).unwrap()
            })
            .collect();
        let tab = TemporalTable::build(&ws, AoristicRule::Minute, None).unwrap();
        assert_eq!(tab.len(), 300);
        assert_eq!(tab.n_patterns(), 40);
        // place 0: 8 incidents at one position in the week; place 1: spread
        let places = vec![
            (0..300).step_by(40).collect::<Vec<_>>(),
            (0..300).step_by(7).collect(),
        ];
        let p = PlaceTestParams::new().nrep(99).seed(3);
        let counted = test_places_with(&tab, &places, &p, usize::MAX).unwrap();
        let each = test_places_with(&tab, &places, &p, 0).unwrap();
        for (a, b) in counted.places.iter().zip(&each.places) {
            assert_eq!(a.p_profile, b.p_profile);
            assert_eq!(a.distance, b.distance);
        }
        assert!(
            counted.places[0].p_profile.unwrap() <= 0.02,
            "{:?}",
            counted.places[0]
        );
    }

    #[test]
    fn test_places_deterministic_across_threads() {
        // 200 incidents spread over March 2024, plus 20 on Friday evenings 22-24h
        let d0 = days_from_civil(2024, 3, 1);
        let mut ws: Vec<Window> = (0..200)
            .map(|i| Window::exact(d0 * DAY + (i * 37_171) % (30 * DAY)))
            .collect();
        for j in 0..20 {
            // Fridays 8, 15, 22, 29 March, 22:00 + 23 min steps
            let fri = from_fields(2024, 3, 8 + 7 * (j % 4), 22, 0, 0).unwrap();
            ws.push(Window::exact(fri + (j as i64 / 4) * 23 * 60));
        }
        let ll = vec![[-87.63, 41.88]; ws.len()];
        let model = NightModel::build(&ll, &ws, &chicago(), SunParams::default(), 0.1).unwrap();
        let tab = TemporalTable::build(&ws, AoristicRule::Minute, Some((&model, &ll))).unwrap();
        let places = vec![
            (0..20).collect::<Vec<_>>(),
            (20..200).step_by(3).collect(),
            vec![],
            (200..220).collect(),
        ];
        let p = PlaceTestParams::new().nrep(99).seed(7);
        let a = test_places(&tab, &places, &p).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| test_places(&tab, &places, &p).unwrap());
        assert_eq!(a, b);
        assert_eq!(a.places[2].p_profile, None);
        assert!(a.places[0].p_profile.unwrap() > 0.0);
        assert!(a.places[3].p_profile.unwrap() <= 0.05, "{:?}", a.places[3]);
        let c = test_places(&tab, &places, &p.clone().seed(8)).unwrap();
        // another seed, other replicates: place 0's night p-value moves
        assert_ne!(a.places[0].p_night, c.places[0].p_night);
        // the whole city against itself: distance 0, p = 1
        let whole = test_places(&tab, &[(0..220).collect()], &p).unwrap();
        assert!(whole.places[0].distance < 1e-9);
        assert_eq!(whole.places[0].p_profile, Some(1.0));
        assert!(test_places(&tab, &places, &p.clone().alpha(0.0)).is_err());
    }

    #[test]
    fn place_test_typed_errors_name_the_field() {
        let w = [Window::exact(0), Window::exact(3600)];
        let t = TemporalTable::build(&w, AoristicRule::Minute, None).unwrap();
        let p = PlaceTestParams {
            alpha: 1.5,
            ..PlaceTestParams::default()
        };
        let e = test_places(&t, &[vec![0]], &p).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { param: "alpha", .. }));
        let e = test_places(&t, &[vec![0, 7]], &PlaceTestParams::default()).unwrap_err();
        assert!(matches!(&e, Error::InvalidParam { param: "members", value, .. } if value == "7"));
    }
}
