//! Writes a data.police.uk-style street-level crime CSV of N rows over an
//! England-and-Wales-like extent, to measure national-size ingest (issue 17).
//!
//! `cargo run --release --example national -- N OUT.csv [SEED]`, e.g.
//! `-- 50000000 /tmp/national.csv` (about 9 GB: do not commit it).
//!
//! Columns as published: Crime ID (64 hex digits, empty for a third of the rows, as
//! for anti-social behaviour), Month (ten years, 2015-01..2024-12), Reported by,
//! Falls within, Longitude, Latitude (6 decimals), Location ("On or near ..."),
//! LSOA code, LSOA name, Crime type (the 14 published types), Last outcome category,
//! Context (empty). Incidents cluster around 40 towns (Gaussian, spread by town
//! size) with 8 % scattered over the land box; seeded, so the same N and seed write
//! the same bytes.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Town: name, police force, lon, lat, weight, spread (km).
const TOWNS: &[(&str, &str, f64, f64, f64, f64)] = &[
    (
        "London",
        "Metropolitan Police Service",
        -0.118,
        51.509,
        30.0,
        12.0,
    ),
    (
        "Birmingham",
        "West Midlands Police",
        -1.898,
        52.486,
        8.0,
        7.0,
    ),
    (
        "Manchester",
        "Greater Manchester Police",
        -2.244,
        53.483,
        8.0,
        7.0,
    ),
    ("Leeds", "West Yorkshire Police", -1.548, 53.801, 6.0, 6.0),
    ("Liverpool", "Merseyside Police", -2.992, 53.408, 5.0, 5.0),
    (
        "Sheffield",
        "South Yorkshire Police",
        -1.470,
        53.381,
        4.0,
        5.0,
    ),
    (
        "Bristol",
        "Avon and Somerset Constabulary",
        -2.588,
        51.454,
        4.0,
        5.0,
    ),
    ("Newcastle", "Northumbria Police", -1.617, 54.978, 4.0, 5.0),
    (
        "Nottingham",
        "Nottinghamshire Police",
        -1.150,
        52.954,
        3.0,
        4.0,
    ),
    (
        "Leicester",
        "Leicestershire Police",
        -1.133,
        52.637,
        3.0,
        4.0,
    ),
    ("Cardiff", "South Wales Police", -3.179, 51.481, 3.0, 4.0),
    ("Coventry", "West Midlands Police", -1.512, 52.407, 2.5, 4.0),
    (
        "Bradford",
        "West Yorkshire Police",
        -1.753,
        53.795,
        2.5,
        4.0,
    ),
    ("Hull", "Humberside Police", -0.336, 53.745, 2.0, 4.0),
    (
        "Stoke-on-Trent",
        "Staffordshire Police",
        -2.179,
        53.003,
        2.0,
        4.0,
    ),
    (
        "Plymouth",
        "Devon & Cornwall Police",
        -4.143,
        50.375,
        2.0,
        4.0,
    ),
    (
        "Southampton",
        "Hampshire Constabulary",
        -1.404,
        50.909,
        2.0,
        4.0,
    ),
    (
        "Portsmouth",
        "Hampshire Constabulary",
        -1.087,
        50.805,
        1.5,
        3.0,
    ),
    ("Reading", "Thames Valley Police", -0.973, 51.454, 1.5, 3.0),
    ("Derby", "Derbyshire Constabulary", -1.476, 52.922, 1.5, 3.0),
    ("Swansea", "South Wales Police", -3.944, 51.621, 1.5, 3.0),
    (
        "Middlesbrough",
        "Cleveland Police",
        -1.234,
        54.574,
        1.5,
        3.0,
    ),
    ("Brighton", "Sussex Police", -0.137, 50.822, 1.5, 3.0),
    ("Norwich", "Norfolk Constabulary", 1.297, 52.630, 1.2, 3.0),
    (
        "Cambridge",
        "Cambridgeshire Constabulary",
        0.122,
        52.205,
        1.0,
        3.0,
    ),
    ("Oxford", "Thames Valley Police", -1.258, 51.752, 1.0, 3.0),
    (
        "Exeter",
        "Devon & Cornwall Police",
        -3.531,
        50.718,
        1.0,
        3.0,
    ),
    ("York", "North Yorkshire Police", -1.082, 53.960, 1.0, 3.0),
    ("Carlisle", "Cumbria Constabulary", -2.934, 54.892, 0.7, 3.0),
    ("Lincoln", "Lincolnshire Police", -0.540, 53.234, 0.8, 3.0),
    ("Ipswich", "Suffolk Constabulary", 1.155, 52.059, 0.9, 3.0),
    (
        "Northampton",
        "Northamptonshire Police",
        -0.893,
        52.240,
        1.0,
        3.0,
    ),
    ("Luton", "Bedfordshire Police", -0.417, 51.879, 1.0, 3.0),
    ("Chelmsford", "Essex Police", 0.469, 51.736, 1.0, 3.0),
    ("Maidstone", "Kent Police", 0.522, 51.272, 1.0, 3.0),
    (
        "Gloucester",
        "Gloucestershire Constabulary",
        -2.244,
        51.864,
        0.8,
        3.0,
    ),
    ("Wrexham", "North Wales Police", -2.993, 53.046, 0.6, 3.0),
    ("Newport", "Gwent Police", -2.998, 51.588, 0.8, 3.0),
    (
        "Preston",
        "Lancashire Constabulary",
        -2.703,
        53.763,
        1.2,
        3.0,
    ),
    ("Durham", "Durham Constabulary", -1.575, 54.776, 0.7, 3.0),
];

const TYPES: &[&str] = &[
    "Anti-social behaviour",
    "Violence and sexual offences",
    "Criminal damage and arson",
    "Shoplifting",
    "Other theft",
    "Vehicle crime",
    "Burglary",
    "Public order",
    "Drugs",
    "Theft from the person",
    "Robbery",
    "Bicycle theft",
    "Possession of weapons",
    "Other crime",
];

const OUTCOMES: &[&str] = &[
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Local resolution",
    "Offender given a caution",
    "Further investigation is not in the public interest",
];

const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Street",
    "Park Road",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Church Lane",
    "Supermarket",
    "Parking Area",
    "Shopping Area",
    "Sports/Recreation Area",
    "Nightclub",
    "Petrol Station",
    "Hospital",
    "Bus/Coach Station",
];

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let out = args.next().unwrap_or_else(|| "national.csv".into());
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(17);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total: f64 = TOWNS.iter().map(|t| t.4).sum();
    let cum: Vec<f64> = TOWNS
        .iter()
        .scan(0.0, |a, t| {
            *a += t.4 / total;
            Some(*a)
        })
        .collect();
    let std = Normal::new(0.0, 1.0).expect("unit normal");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
    writeln!(w, "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context")?;
    let mut h = seed;
    for _ in 0..n {
        let u: f64 = rng.random();
        let k = cum.iter().position(|&c| u < c).unwrap_or(TOWNS.len() - 1);
        let (town, force, lon0, lat0, _, km) = TOWNS[k];
        let (lon, lat) = if rng.random_bool(0.08) {
            (rng.random_range(-4.5..0.5), rng.random_range(50.8..54.5))
        } else {
            let r = km * 1000.0;
            let dx: f64 = std.sample(&mut rng) * r;
            let dy: f64 = std.sample(&mut rng) * r;
            (
                lon0 + dx / (111_320.0 * lat0.to_radians().cos()),
                lat0 + dy / 110_540.0,
            )
        };
        let ty = TYPES[rng.random_range(0..TYPES.len())];
        let month = rng.random_range(0..120u32);
        let lsoa: u32 = rng.random_range(0..400);
        if ty != TYPES[0] {
            for _ in 0..4 {
                write!(w, "{:016x}", splitmix(&mut h))?;
            }
        }
        let outcome = if ty == TYPES[0] {
            ""
        } else {
            OUTCOMES[rng.random_range(0..OUTCOMES.len())]
        };
        writeln!(
            w,
            ",{}-{:02},{force},{force},{lon:.6},{lat:.6},On or near {},E01{:06},{town} {:03}{},{ty},{outcome},",
            2015 + month / 12,
            month % 12 + 1,
            STREETS[rng.random_range(0..STREETS.len())],
            k as u32 * 1000 + lsoa,
            lsoa / 4,
            (b'A' + (lsoa % 4) as u8) as char,
        )?;
    }
    w.flush()
}
