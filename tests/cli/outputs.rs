//! Output sets through the binary: a run killed with `kill -9` while it writes, and a
//! run that fills the disk, leave the output folder with the old complete set (or the
//! new complete set), nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Points over a `side`-metre square (EPSG:32631), corners included so that the grid
/// covers the whole square.
fn square_points(path: &Path, side: f64, n: usize) {
    let mut s = String::from("id,x,y\n");
    let (x0, y0) = (500_000.0, 5_400_000.0);
    let corners = [(0.0, 0.0), (side, 0.0), (0.0, side), (side, side)];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let pts: Vec<(f64, f64)> = corners
        .into_iter()
        .chain((0..n).map(|_| (next() * side, next() * side)))
        .collect();
    for (i, (x, y)) in pts.into_iter().enumerate() {
        s.push_str(&format!("{i},{:.1},{:.1}\n", x0 + x, y0 + y));
    }
    std::fs::write(path, s).unwrap();
}

/// File name → contents of a folder (not recursive).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The data files of the set in `dir` (provenance records, also embedded in the JSON
/// summary, name the folder: it is replaced by `<OUT>`).
fn data(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let name = dir.display().to_string();
    contents(dir)
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".provenance.json"))
        .map(|(k, v)| {
            let v = match String::from_utf8(v) {
                Ok(t) => t.replace(&name, "<OUT>").into_bytes(),
                Err(e) => e.into_bytes(),
            };
            (k, v)
        })
        .collect()
}

/// Names of the files that differ between two sets (missing on either side included).
fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Staging folders (and their locks) that a run leaves beside `out`.
fn staging(parent: &Path, out: &str) -> Vec<PathBuf> {
    let prefix = format!(".{out}.crimescape-");
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect()
}

fn grid_args(input: &Path, cell: &str, out: &Path) -> Vec<String> {
    [
        "hotspots",
        "grid",
        input.to_str().unwrap(),
        "--crs",
        "EPSG:32631",
        "--cell",
        cell,
        "--quiet",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn outputs_kill_9_while_writing_leaves_the_old_or_the_new_set() {
    let d = tmp();
    let input = d.path().join("points.csv");
    square_points(&input, 3000.0, 2000);
    let out = d.path().join("out");
    // the old set: 100 m cells
    crimescape()
        .args(grid_args(&input, "100", &out))
        .assert()
        .success();
    let old = contents(&out);
    // the new set, for comparison, in another folder: 6 m cells (250,000 cells)
    let reference = d.path().join("reference");
    crimescape()
        .args(grid_args(&input, "6", &reference))
        .assert()
        .success();
    let new = data(&reference);
    assert!(!differing(&data(&out), &new).is_empty());

    let bin = assert_cmd::cargo::cargo_bin("crimescape");
    let mut child = Proc::new(&bin)
        .args(grid_args(&input, "6", &out))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // kill as soon as the first output appears in the staging folder
    let start = Instant::now();
    let mut killed_mid_write = false;
    loop {
        let first_output = staging(d.path(), "out").iter().any(|p| {
            p.is_dir()
                && std::fs::read_dir(p)
                    .map(|mut r| r.next().is_some())
                    .unwrap_or(false)
        });
        if first_output {
            child.kill().unwrap(); // SIGKILL
            killed_mid_write = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run neither wrote nor finished"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = child.wait().unwrap();
    let now = contents(&out);
    if killed_mid_write && !status.success() {
        // killed before the swap: the old complete set, byte for byte
        assert_eq!(
            differing(&now, &old),
            Vec::<String>::new(),
            "a killed run changed the output folder"
        );
        assert!(
            !staging(d.path(), "out").is_empty(),
            "the staging folder of the killed run is expected beside the output"
        );
    } else {
        eprintln!("note: the run finished before it could be killed");
        assert_eq!(differing(&data(&out), &new), Vec::<String>::new());
    }
    // the next run removes the killed run's staging folder and writes the new set
    crimescape()
        .args(grid_args(&input, "6", &out))
        .assert()
        .success();
    assert_eq!(differing(&data(&out), &new), Vec::<String>::new());
    assert_eq!(staging(d.path(), "out"), Vec::<PathBuf>::new());
}

#[test]
fn outputs_sigterm_while_writing_removes_the_staging_folder() {
    let d = tmp();
    let input = d.path().join("points.csv");
    square_points(&input, 3000.0, 2000);
    let out = d.path().join("out");
    crimescape()
        .args(grid_args(&input, "100", &out))
        .assert()
        .success();
    let old = contents(&out);
    let bin = assert_cmd::cargo::cargo_bin("crimescape");
    let mut child = Proc::new(&bin)
        .args(grid_args(&input, "6", &out))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut signalled = false;
    loop {
        let first_output = staging(d.path(), "out").iter().any(|p| {
            p.is_dir()
                && std::fs::read_dir(p)
                    .map(|mut r| r.next().is_some())
                    .unwrap_or(false)
        });
        if first_output {
            let ok = Proc::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            signalled = ok;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run neither wrote nor finished"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = child.wait().unwrap();
    if signalled && status.code() == Some(130) {
        // interrupted: the old set as it was, no staging folder or lock left behind
        assert_eq!(
            differing(&contents(&out), &old),
            Vec::<String>::new(),
            "an interrupted run changed the output folder"
        );
        assert_eq!(staging(d.path(), "out"), Vec::<PathBuf>::new());
    } else {
        eprintln!("note: the run finished before the signal ({status:?})");
        assert!(status.success());
        assert_eq!(staging(d.path(), "out"), Vec::<PathBuf>::new());
    }
}

/// A 1 MB tmpfs mounted for the test (needs root; `None` with a message otherwise).
struct TinyFs(PathBuf);

impl TinyFs {
    fn mount(at: &Path) -> Option<TinyFs> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Proc::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            Some(TinyFs(at.to_path_buf()))
        } else {
            eprintln!("skipping: cannot mount a tmpfs (needs root)");
            None
        }
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Proc::new("umount").arg(&self.0).status();
    }
}

#[test]
fn outputs_full_disk_keeps_the_old_set_and_names_the_output() {
    let d = tmp();
    let input = d.path().join("points.csv");
    square_points(&input, 3000.0, 500);
    let Some(fs) = TinyFs::mount(&d.path().join("tiny")) else {
        return;
    };
    let out = fs.0.join("out");
    crimescape()
        .args(grid_args(&input, "300", &out))
        .assert()
        .success();
    let old = contents(&out);
    // 10 m cells: 90,000 cells, a GeoJSON of several MB does not fit in 1 MB
    let a = crimescape()
        .args(grid_args(&input, "10", &out))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(&out.display().to_string()) && !err.contains(".crimescape-"),
        "the error names the final output, not the staging path: {err}"
    );
    assert_eq!(
        differing(&contents(&out), &old),
        Vec::<String>::new(),
        "the old set is intact"
    );
    assert_eq!(staging(&fs.0, "out"), Vec::<PathBuf>::new());
}
