use super::*;
use crate::export::{table, Cell, Column};
use std::collections::BTreeMap;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn prov() -> Provenance {
    Provenance::new(serde_json::json!({"k": 1}))
}

#[test]
fn plan_refuses_existing_outputs_before_writing() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("a.csv"), "old").unwrap();
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    let e = o.plan(["b.csv", "a.csv"]).unwrap_err();
    match &e {
        Error::OutputsExist { names, .. } => assert_eq!(names, &["a.csv".to_string()]),
        other => panic!("{other}"),
    }
    // the library names no flag: the binary adds "use --force"
    assert!(e.to_string().contains("overwriting was not allowed"), "{e}");
    assert!(!e.to_string().contains("--"), "{e}");
    drop(o);
    assert_eq!(names(d.path()), ["out"]);
    assert_eq!(names(&out), ["a.csv"]);
}

#[test]
fn commit_replaces_the_set_and_keeps_other_files() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir_all(out.join("sub")).unwrap();
    std::fs::write(out.join("a.csv"), "old").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("sub/keep.txt"), "mine too").unwrap();
    #[cfg(unix)]
    let ino = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(out.join("notes.txt")).unwrap().ino()
    };
    let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
    o.no_report();
    o.plan(["a.csv", "sub/b.json"]).unwrap();
    o.provenance(prov());
    o.text("a.csv", "new").unwrap();
    o.json("sub/b.json", &serde_json::json!([1])).unwrap();
    // nothing is in place before the commit
    assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
    let files = o.commit().unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sub/keep.txt")).unwrap(),
        "mine too"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(std::fs::metadata(out.join("notes.txt")).unwrap().ino(), ino);
    }
    assert_eq!(
        names(&out),
        ["a.csv", "a.csv.provenance.json", "notes.txt", "sub"]
    );
    assert_eq!(
        names(&out.join("sub")),
        ["b.json", "b.json.provenance.json", "keep.txt"]
    );
    let p: Provenance =
        serde_json::from_slice(&std::fs::read(out.join("a.csv.provenance.json")).unwrap()).unwrap();
    assert_eq!(
        p.outputs,
        [
            out.join("a.csv").display().to_string(),
            out.join("sub/b.json").display().to_string()
        ]
    );
    // no staging folder or lock left beside
    assert_eq!(names(d.path()), ["out"]);
}

#[test]
fn commit_creates_a_missing_folder_in_one_rename() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("a/b/out");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.no_report();
    o.plan(["x.txt"]).unwrap();
    o.text("x.txt", "x").unwrap();
    assert!(!out.exists());
    o.commit().unwrap();
    assert_eq!(names(&out), ["x.txt"]);
    assert_eq!(names(&d.path().join("a/b")), ["out"]);
}

#[test]
fn drop_without_commit_leaves_nothing() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("a.csv"), "old").unwrap();
    {
        let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
        o.text("a.csv", "new").unwrap();
        o.text("b.csv", "new").unwrap();
        assert_eq!(names(d.path()).len(), 3, "{:?}", names(d.path()));
    }
    assert_eq!(names(d.path()), ["out"]);
    assert_eq!(names(&out), ["a.csv"]);
    assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
}

#[test]
fn plan_refuses_non_regular_targets_even_with_force() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir_all(out.join("a.csv")).unwrap();
    let mut o = Outputs::folder(&out, &OutputOptions::force(true)).unwrap();
    let e = o.plan(["a.csv"]).unwrap_err();
    assert!(e.to_string().contains("a folder"), "{e}");
    std::fs::write(out.join("file"), "x").unwrap();
    let e = o.plan(["file/b.csv"]).unwrap_err();
    assert!(e.to_string().contains("not a folder"), "{e}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(out.join("file"), out.join("link")).unwrap();
        let e = o.plan(["link"]).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }
    // an output folder that is a file
    let e = Outputs::folder(out.join("file"), &OutputOptions::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("not a folder"), "{e}");
}

#[test]
fn write_errors_name_the_final_output() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    let e = o
        .write_with("big.csv", |w| {
            w.write_all(b"x").map_err(|e| Error::io("somewhere", e))?;
            Err(Error::io(
                "staging",
                std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device"),
            ))
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: no space left on device", out.join("big.csv").display())
    );
}

#[test]
fn stale_staging_of_a_killed_run_is_removed() {
    let d = tempfile::tempdir().unwrap();
    let stale = d.path().join(".out.crimescape-4000000-7");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("big.geojson"), "partial").unwrap();
    std::fs::write(d.path().join(".out.crimescape-4000000-7.lock"), "").unwrap();
    // not ours: left alone
    std::fs::write(d.path().join(".out.crimescape-notes"), "").unwrap();
    let mut o = Outputs::folder(d.path().join("out"), &OutputOptions::default()).unwrap();
    o.text("a.txt", "a").unwrap();
    o.commit().unwrap();
    assert_eq!(names(d.path()), [".out.crimescape-notes", "out"]);
}

#[test]
fn sections_manifest_and_provenance_records() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.no_report();
    o.plan(["city/x.csv", "hot/counts.csv"]).unwrap();
    {
        let mut s = o.section("city");
        s.no_provenance();
        s.text("x.csv", "x").unwrap();
        assert!(s.staged_path("x.csv").unwrap().exists());
    }
    {
        let mut s = o.section("hot");
        s.provenance(prov());
        let t = table(vec![Column::int("n")], |sink| sink.row(&[Cell::Int(1)]));
        s.table("counts.csv", &t).unwrap();
    }
    o.manifest("provenance.json", prov()).unwrap();
    o.commit().unwrap();
    assert_eq!(names(&out), ["city", "hot", "provenance.json"]);
    assert_eq!(names(&out.join("city")), ["x.csv"]);
    assert_eq!(
        names(&out.join("hot")),
        ["counts.csv", "counts.csv.provenance.json"]
    );
    let m: Provenance =
        serde_json::from_slice(&std::fs::read(out.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(m.outputs.len(), 2);
}

#[test]
fn commit_writes_a_report_per_folder_and_an_index() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    // a report of an earlier run is replaced without force
    std::fs::create_dir_all(out.join("hot")).unwrap();
    std::fs::write(out.join("hot/report.html"), "old").unwrap();
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.index();
    o.summary("the whole run");
    o.plan(["hot/counts.csv"]).unwrap();
    {
        let mut s = o.section("hot");
        s.provenance(prov());
        s.summary("3 incidents in 2 cells");
        let t = table(vec![Column::int("n")], |sink| {
            sink.row(&[Cell::Int(1)])?;
            sink.row(&[Cell::Int(2)])
        });
        s.table("counts.csv", &t).unwrap();
    }
    o.commit().unwrap();
    assert_eq!(names(&out), ["hot", "index.html"]);
    assert_eq!(
        names(&out.join("hot")),
        ["counts.csv", "counts.csv.provenance.json", "report.html"]
    );
    let r = std::fs::read_to_string(out.join("hot/report.html")).unwrap();
    assert!(r.contains("<p>3 incidents in 2 cells</p>"), "{r}");
    assert!(
        r.contains("<th>n</th>") && r.contains("2 of 2 rows shown"),
        "{r}"
    );
    let i = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(i.contains("href=\"hot/report.html\""), "{i}");
    assert!(
        i.contains("3 incidents in 2 cells") && i.contains("the whole run"),
        "{i}"
    );
}

#[test]
fn summary_at_goes_to_the_sub_folders_report() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.index();
    {
        let mut s = o.section("network");
        s.provenance(prov());
        for (sub, n) in [("kde/", 1), ("gistar", 2)] {
            let t = table(vec![Column::int("n")], |sink| sink.row(&[Cell::Int(n)]));
            let sub_dir = sub.trim_end_matches('/');
            s.table(&format!("{sub_dir}/t.csv"), &t).unwrap();
            s.summary_at(sub, &format!("summary of {sub_dir}"));
        }
    }
    o.commit().unwrap();
    for sub in ["kde", "gistar"] {
        let r = std::fs::read_to_string(out.join(format!("network/{sub}/report.html"))).unwrap();
        assert!(
            r.contains(&format!("<p>summary of {sub}</p>")),
            "{sub}: {r}"
        );
        let other = if sub == "kde" { "gistar" } else { "kde" };
        assert!(!r.contains(&format!("summary of {other}")), "{sub}");
    }
}

#[test]
fn public_section_gets_its_pages_before_its_scan() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.index();
    let policy = crate::disclosure::Disclosure::public();
    {
        let mut p = o.public_section("public", &policy, None).unwrap();
        {
            let mut s = p.section("hot");
            s.provenance(prov());
            let t = table(vec![Column::text("what")], |sink| {
                sink.row(&[Cell::Str("a")])
            });
            s.table("t.csv", &t).unwrap();
        }
        let crs = crate::crs::Crs::Epsg { code: 32631 };
        p.finish(&[[430_000.0, 5_400_000.0]], &[], &crs).unwrap();
    }
    o.commit().unwrap();
    let r = std::fs::read_to_string(out.join("public/hot/report.html")).unwrap();
    assert!(r.contains("t.csv"), "{r}");
    let i = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(i.contains("href=\"public/hot/report.html\""), "{i}");
}

/// A set in `out` that writes `run.gpkg`, with a provenance record.
fn gpkg_set(out: &Path) -> Outputs {
    let opts = OutputOptions {
        gpkg: Some("run.gpkg".into()),
        ..Default::default()
    };
    let mut o = Outputs::folder(out, &opts).unwrap();
    o.provenance(prov());
    o
}

#[cfg(not(feature = "gdal"))]
#[test]
fn gpkg_without_the_gdal_feature_fails_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let mut o = gpkg_set(&out);
    o.text("a.txt", "a").unwrap();
    let e = o.commit().unwrap_err().to_string();
    assert!(
        e.contains("`gdal` feature") && e.contains("run.gpkg"),
        "{e}"
    );
    assert!(!out.join("a.txt").exists(), "nothing is written");
}

#[cfg(feature = "gdal")]
#[test]
fn gpkg_is_written_with_the_set() {
    use gdal::vector::LayerAccess;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let mut o = gpkg_set(&out);
    let f = crate::export::features(&crate::crs::Crs::Epsg { code: 32631 }, |sink| {
        for k in 0..3 {
            sink.feature(
                &geo::Geometry::Point(geo::point!(x: 430_000.0 + k as f64, y: 5_400_000.0)),
                &[("n", Cell::Int(k))],
            )?;
        }
        Ok(())
    });
    {
        let mut s = o.section("hot");
        s.features("cells.geojson", &f).unwrap();
        s.text("cells.qml", "<qgis/>").unwrap();
    }
    o.commit().unwrap();
    let ds = gdal::Dataset::open(out.join("run.gpkg")).unwrap();
    assert_eq!(ds.layer_by_name("hot_cells").unwrap().feature_count(), 3);
    let mut st = ds.layer_by_name("layer_styles").unwrap();
    let q: Vec<String> = st
        .features()
        .map(|f| f.field_as_string(5).unwrap().unwrap())
        .collect();
    assert_eq!(q, ["<qgis/>"]);
}

#[test]
fn shared_folder_commits_file_by_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("other.txt"), "x").unwrap();
    let (mut o, name) =
        Outputs::single(&d.path().join("r.csv"), &OutputOptions::default()).unwrap();
    o.provenance(prov());
    o.text(&name, "r").unwrap();
    o.commit().unwrap();
    assert_eq!(
        names(d.path()),
        ["other.txt", "r.csv", "r.csv.provenance.json"]
    );
}

#[test]
fn report_counts_rows_and_sizes_from_what_was_written() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
    o.provenance(prov());
    let t = table(vec![Column::int("n")], |sink| {
        for k in 0..25 {
            sink.row(&[Cell::Int(k)])?;
        }
        Ok(())
    });
    o.table("t.csv", &t).unwrap();
    o.text("big.txt", &"x".repeat(3000)).unwrap();
    // the staged files change after writing: the report still shows what was written
    for f in ["t.csv", "big.txt"] {
        std::fs::write(o.staged_path(f).unwrap(), "").unwrap();
    }
    o.commit().unwrap();
    let r = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(r.contains("10 of 25 rows shown"), "{r}");
    assert!(r.contains("2.9 kB"), "{r}");
}

/// Writes the parts `a/` and `b/` of a set into `out` (each with its own
/// provenance record and summary): one after another, or each on its own thread
/// through a fork, joined in the order a, b. Returns every file of the set.
fn two_parts(out: &Path, forked: bool) -> BTreeMap<String, Vec<u8>> {
    let mut o = Outputs::folder(out, &OutputOptions::force(true)).unwrap();
    o.index();
    o.no_provenance();
    o.text("top.txt", "first").unwrap();
    let part = |o: &mut Outputs, dir: &str, n: i64| {
        let mut s = o.section(dir);
        s.provenance(Provenance::new(serde_json::json!({ "part": dir })));
        s.summary(&format!("part {dir}"));
        let t = table(vec![Column::int("n")], |sink| sink.row(&[Cell::Int(n)]));
        s.table("counts.csv", &t).unwrap();
        s.json("more.json", &serde_json::json!({ "n": n })).unwrap();
    };
    if forked {
        let (mut fa, mut fb) = (o.fork().unwrap(), o.fork().unwrap());
        assert!(fa.staged_path("top.txt").is_some());
        // b finishes first; the set still lists a's files first
        std::thread::scope(|sc| {
            sc.spawn(|| part(&mut fb, "b", 2)).join().unwrap();
            sc.spawn(|| part(&mut fa, "a", 1)).join().unwrap();
        });
        o.join(fa).unwrap();
        o.join(fb).unwrap();
    } else {
        part(&mut o, "a", 1);
        part(&mut o, "b", 2);
    }
    o.manifest("provenance.json", prov()).unwrap();
    o.commit().unwrap();
    let mut files = BTreeMap::new();
    for sub in ["", "a/", "b/"] {
        for n in names(&out.join(sub)) {
            let p = out.join(format!("{sub}{n}"));
            if p.is_file() {
                files.insert(format!("{sub}{n}"), std::fs::read(p).unwrap());
            }
        }
    }
    files
}

#[test]
fn fork_join_gives_the_set_written_in_join_order() {
    let d = tempfile::tempdir().unwrap();
    let serial = two_parts(&d.path().join("x"), false);
    let forked = two_parts(&d.path().join("x"), true);
    assert!(
        serial.contains_key("a/counts.csv.provenance.json"),
        "{:?}",
        serial.keys()
    );
    assert!(serial.contains_key("b/report.html") && serial.contains_key("index.html"));
    assert_eq!(
        serial.keys().collect::<Vec<_>>(),
        forked.keys().collect::<Vec<_>>()
    );
    for (k, v) in &serial {
        assert_eq!(v, &forked[k], "{k} differs");
    }
    // the manifest lists the parts in join order
    let m: Provenance = serde_json::from_slice(&forked["provenance.json"]).unwrap();
    let a = m.outputs.iter().position(|o| o.ends_with("a/counts.csv"));
    let b = m.outputs.iter().position(|o| o.ends_with("b/counts.csv"));
    assert!(a.is_some() && a < b, "{:?}", m.outputs);
}

#[test]
fn fork_cannot_commit_nor_join_another_set() {
    let d = tempfile::tempdir().unwrap();
    let mut o = Outputs::folder(d.path().join("x"), &OutputOptions::default()).unwrap();
    let mut other = Outputs::folder(d.path().join("y"), &OutputOptions::default()).unwrap();
    let f = o.fork().unwrap();
    let e = other.join(f).unwrap_err();
    assert!(
        e.to_string().contains("not a fork of this output set"),
        "{e}"
    );
    let mut f = o.fork().unwrap();
    assert!(f.fork().is_err());
    f.text("a.txt", "a").unwrap();
    assert!(f.commit().is_err());
    // two forks that write the same name: the second join is refused
    let (mut f1, mut f2) = (o.fork().unwrap(), o.fork().unwrap());
    f1.text("b.txt", "1").unwrap();
    o.join(f1).unwrap();
    let e = f2.text("b.txt", "2").unwrap_err();
    assert!(e.to_string().contains("b.txt"), "{e}");
}

#[test]
fn fork_files_go_with_an_uncommitted_set() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    {
        let mut o = Outputs::folder(&out, &OutputOptions::default()).unwrap();
        let mut f = o.fork().unwrap();
        f.text("a.txt", "a").unwrap();
        drop(f);
        assert!(!names(d.path()).is_empty());
    }
    assert!(names(d.path()).is_empty(), "{:?}", names(d.path()));
}

#[test]
fn public_set_cannot_be_forked() {
    let d = tempfile::tempdir().unwrap();
    let opts = OutputOptions {
        disclosure: Disclosure::public(),
        ..Default::default()
    };
    let mut o = Outputs::folder(d.path().join("x"), &opts).unwrap();
    assert!(o.fork().is_err());
}
