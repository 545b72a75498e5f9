//! The CSV incident reader: coordinate and time columns, rejections, quoting, CRS guesses, filters.
use super::*;
use crate::crs::Crs;
use crate::io::RejectReason;
use crate::time::{self, TimePrecision};

fn load(text: &str, opts: &LoadOptions) -> Result<(Incidents, LoadReport)> {
    read_incidents_from_bytes(text.as_bytes(), Path::new("t.csv"), String::new(), opts)
}

#[test]
fn read_lonlat_columns_projects_to_utm() {
    let (inc, rep) = load(
            "id,Latitude,Longitude,Date,Primary Type\n1,41.87,-87.62,2019-01-01 10:00,THEFT\n2,41.88,-87.63,2019-01-02,BATTERY\n",
            &LoadOptions::new(),
        )
        .unwrap();
    assert_eq!(inc.len(), 2);
    assert_eq!(rep.crs.working, Crs::Epsg { code: 32616 });
    assert_eq!(inc.category_name(1), Some("BATTERY"));
    assert_eq!(inc.precision[0], TimePrecision::Minute);
    assert_eq!(inc.precision[1], TimePrecision::Day);
    assert!(inc.xy[0][0] > 400_000.0 && inc.xy[0][0] < 500_000.0);
}

#[test]
fn read_location_column() {
    let (inc, _) = load(
            "id,Location,date\n1,\"(41.87, -87.62)\",01/02/2018 01:30:00 PM\n2,POINT (-87.63 41.88),01/03/2018\n",
            &LoadOptions::new(),
        )
        .unwrap();
    assert_eq!(inc.len(), 2);
    assert_eq!(
        crate::time::format(inc.time[0].unwrap(), TimePrecision::Minute),
        "2018-01-02 13:30"
    );
}

#[test]
fn read_projected_xy_with_crs() {
    let (inc, rep) = load(
        "x,y,t\n359192.3,570510.9,2016-01-01\n356347.3,576182.6,2016-01-03\n",
        &LoadOptions::new().crs(Crs::Epsg { code: 26971 }),
    )
    .unwrap();
    assert_eq!(rep.crs.working, Crs::Epsg { code: 26971 });
    assert_eq!(inc.xy[0], [359192.3, 570510.9]);
}

#[test]
fn read_split_time_columns() {
    let (inc, rep) = load(
            "TYPE,YEAR,MONTH,DAY,HOUR,MINUTE,X,Y\nTheft,2020,6,19,3,40,491059.48,5459122.42\nTheft,2020,6,20,,,491059.48,5459122.42\n",
            &LoadOptions::new().crs(Crs::Epsg { code: 32610 }),
        )
        .unwrap();
    assert_eq!(rep.columns.get("year").map(String::as_str), Some("YEAR"));
    assert_eq!(inc.precision[0], TimePrecision::Minute);
    assert_eq!(inc.precision[1], TimePrecision::Day);
}

#[test]
fn reject_reasons_are_counted() {
    let text = "lon,lat,date\n\
            -87.6,41.8,2019-01-01\n\
            ,41.8,2019-01-01\n\
            abc,41.8,2019-01-01\n\
            NaN,41.8,2019-01-01\n\
            0,0,2019-01-01\n\
            -87.6,141.8,2019-01-01\n\
            -87.6,41.8,not a date\n\
            -87.6,41.8\n\
            -87.61,41.81,\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    // the row with an unreadable time is kept, without time
    assert_eq!(inc.len(), 3);
    assert_eq!(rep.rows_read, 9);
    assert_eq!((rep.missing_time, rep.unparseable_time), (2, 1));
    assert_eq!(
        (
            rep.time_unparsed[0].row,
            rep.time_unparsed[0].value.as_str()
        ),
        (7, "not a date")
    );
    let get = |r| rep.rejected.get(&r).copied().unwrap_or(0);
    assert_eq!(get(RejectReason::MissingCoordinates), 1);
    assert_eq!(get(RejectReason::UnparseableCoordinates), 1);
    assert_eq!(get(RejectReason::NonFiniteCoordinates), 1);
    assert_eq!(get(RejectReason::NullIsland), 1);
    assert_eq!(get(RejectReason::OutOfRangeLonLat), 1);
    assert_eq!(get(RejectReason::UnparseableTime), 0);
    assert_eq!(get(RejectReason::MalformedRow), 1);
    assert_eq!(rep.rejections[0].row, 2);
    assert!(rep.summary(3).contains("null-island"));
    // strict
    let err = load(text, &LoadOptions::new().strict(true)).unwrap_err();
    assert!(err.to_string().contains("7 row(s) rejected"), "{err}");
}

#[test]
fn reject_far_outside_extent() {
    let mut text = String::from("x,y\n");
    for i in 0..100 {
        text.push_str(&format!(
            "{},{}\n",
            1000.0 + (i % 10) as f64 * 100.0,
            5000.0 + (i / 10) as f64 * 100.0
        ));
    }
    text.push_str("900000,5000\n");
    let (inc, rep) = load(
        &text,
        &LoadOptions::new().crs(Crs::Local { unit_to_metre: 1.0 }),
    )
    .unwrap();
    assert_eq!(inc.len(), 100);
    assert_eq!(rep.rejected.get(&RejectReason::FarOutsideExtent), Some(&1));
    assert_eq!(rep.rejections[0].row, 101);
}

#[test]
fn errors_name_file_and_column() {
    let e = load("", &LoadOptions::new()).unwrap_err().to_string();
    assert!(e.contains("t.csv") && e.contains("empty"), "{e}");
    let e = load(
        "a;b;c\n1;2;3\n",
        &LoadOptions {
            delimiter: Some(b','),
            ..LoadOptions::new()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("wrong delimiter"), "{e}");
    let e = load("id,foo\n1,2\n", &LoadOptions::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no coordinate column") && e.contains("id, foo"),
        "{e}"
    );
    let e = load(
        "x,y\n1,2\n",
        &LoadOptions {
            time: Some("when".into()),
            ..LoadOptions::new()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("when"), "{e}");
}

#[test]
fn read_falls_back_to_xy_when_lonlat_empty() {
    let (inc, rep) = load(
        "id,x,y,lon,lat,category\n1,639.17,1190.52,,,assault\n2,139.70,1134.64,,,theft\n",
        &LoadOptions::new().crs(Crs::Local {
            unit_to_metre: 0.3048,
        }),
    )
    .unwrap();
    assert_eq!(inc.len(), 2);
    assert_eq!(rep.columns.get("x").map(String::as_str), Some("x"));
    // without --crs: the x/y columns are used, with a note, not 116 rejections
    let (inc, rep) = load(
        "id,x,y,lon,lat,category\n1,639.17,1190.52,,,assault\n2,139.70,1134.64,,,theft\n",
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 2);
    assert!(
        rep.notes.iter().any(|n| n.contains("are empty")),
        "{:?}",
        rep.notes
    );
    assert_eq!(rep.crs.input, Crs::Local { unit_to_metre: 1.0 });
}

#[test]
fn read_timestamp_fixture_every_form() {
    let bytes = include_bytes!("../../../fixtures/incidents/timestamps.csv");
    let (inc, _) = read_incidents_from_bytes(
        bytes,
        Path::new("timestamps.csv"),
        String::new(),
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 12);
    let (prec, expected) = (
        inc.attr("precision").unwrap(),
        inc.attr("expected").unwrap(),
    );
    for i in 0..inc.len() {
        assert_eq!(inc.precision[i].name(), prec.get(i), "row {}", inc.row[i]);
        assert_eq!(
            crate::time::format(inc.time[i].unwrap(), inc.precision[i]),
            expected.get(i),
            "row {}",
            inc.row[i]
        );
    }
}

#[test]
fn read_all_rows_rejected_is_an_error() {
    let e = load("lon,lat\n,\nabc,1\n", &LoadOptions::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no usable rows") && e.contains("row 1"), "{e}");
}

#[test]
fn semicolon_and_decimal_comma() {
    let (inc, _) = load(
        "lat;lon;datum\n41,87;-87,62;2019-01-01\n41,88;-87,63;2019-01-01\n",
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(inc.len(), 2);
}

#[test]
fn wrong_crs_guesses_are_errors() {
    // projected values declared as lon/lat
    let e = load(
        "x,y\n359192.3,570510.9\n356347.3,576182.6\n",
        &LoadOptions::new().crs(crate::crs::WGS84),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("look projected"), "{e}");
    // lon/lat declared as projected
    let e = load(
        "x,y\n-87.6,41.8\n-87.61,41.81\n",
        &LoadOptions::new().crs(Crs::Epsg { code: 26971 }),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("EPSG:4326"), "{e}");
    // swapped lat/lon
    let e = load(
        "lon,lat\n49.28,-123.12\n49.29,-123.13\n",
        &LoadOptions::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("swapped"), "{e}");
}

#[test]
fn non_utf8_category_is_an_error_with_row() {
    let mut b = b"lon,lat,category\n-87.6,41.8,ok\n-87.6,41.8,".to_vec();
    b.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let e = read_incidents_from_bytes(&b, Path::new("t.csv"), String::new(), &LoadOptions::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 2") && e.contains("UTF-8"), "{e}");
}

#[test]
fn read_stray_quote_is_rejected_and_the_rest_read() {
    // issue 12, item 1: one stray quote used to swallow the rest of the file
    let text = "lon,lat,datetime,category\n2.08,48.77,2024-01-01,\"burglary\n2.09,48.78,2024-01-02,theft\n2.10,48.79,2024-01-03,theft\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!((rep.rows_read, inc.len()), (3, 2));
    assert_eq!(rep.rejected.get(&RejectReason::UnbalancedQuote), Some(&1));
    assert_eq!(rep.rejections[0].row, 1);
    assert_eq!(rep.rejections[0].column, "category");
    assert!(
        rep.rejections[0].value.contains("next 2 line"),
        "{:?}",
        rep.rejections[0]
    );
    assert_eq!(inc.row, vec![2, 3]);
    let e = load(text, &LoadOptions::new().strict(true)).unwrap_err();
    assert!(e.to_string().contains("unbalanced quote"), "{e}");
}

#[test]
fn read_stray_quote_closed_by_a_later_quote() {
    // the stray quote at row 3 is closed by the quote of row 6: rows 4..6 are read again
    let mut text = String::from("lon,lat,datetime,category,note\n");
    for i in 0..8 {
        let cat = if i == 2 { "\"burglary" } else { "theft" };
        let note = if i == 5 { "\"late, quoted\"" } else { "x" };
        text.push_str(&format!("2.0{i},48.7{i},2024-01-0{},{cat},{note}\n", i + 1));
    }
    let (inc, rep) = load(&text, &LoadOptions::new()).unwrap();
    assert_eq!((rep.rows_read, inc.len(), rep.rejected_total()), (8, 7, 1));
    assert_eq!(rep.rejections[0].row, 3);
    assert_eq!(inc.attr("note").unwrap().get(4), "late, quoted");
}

#[test]
fn read_attributes_all_none_only() {
    use crate::io::Attributes;
    let text = "Crime ID,lon,lat,Month,Crime type,Location\nab1,-87.6,41.8,2019-01,theft,On Main St\nab2,-87.61,41.81,2019-02,burglary,On Elm St\n";
    let (all, rep_all) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!(
        all.attr_names,
        ["Crime ID", "Month", "Crime type", "Location"]
    );
    let (none, rep_none) = load(text, &LoadOptions::new().attributes(Attributes::None)).unwrap();
    assert!(none.attrs.is_empty() && none.attr_names.is_empty());
    // everything else is as with every attribute kept
    assert_eq!(
        (none.xy.clone(), none.time.clone()),
        (all.xy.clone(), all.time.clone())
    );
    assert_eq!(none.categories, all.categories);
    assert_eq!(format!("{rep_none:?}"), format!("{rep_all:?}"));
    let only = Attributes::Only(vec!["location".into(), "crime id".into()]);
    let (some, _) = load(text, &LoadOptions::new().attributes(only)).unwrap();
    // file order, names as in the header
    assert_eq!(some.attr_names, ["Crime ID", "Location"]);
    assert_eq!(some.attr("location").unwrap().get(1), "On Elm St");
    // a name that is not a column keeps them all (the caller's message lists them)
    let missing = Attributes::Only(vec!["Location".into(), "nosuch".into()]);
    let (kept, _) = load(text, &LoadOptions::new().attributes(missing)).unwrap();
    assert_eq!(kept.attr_names, all.attr_names);
    // `where` filters need no attribute
    let f = crate::io::WhereFilter::parse("Location=On Elm St").unwrap();
    let (filtered, _) = load(
        text,
        &LoadOptions::new().filter(f).attributes(Attributes::None),
    )
    .unwrap();
    assert_eq!((filtered.len(), filtered.row[0]), (1, 2));
}

#[test]
fn read_multiline_quoted_fields_are_kept() {
    // narratives with line breaks (and commas) are legitimate
    let text = "lon,lat,date,narrative\n-87.6,41.8,2019-01-01,\"entered, took\nthe TV, and left\n\"\n-87.61,41.81,2019-01-02,plain\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!((rep.rows_read, inc.len(), rep.rejected_total()), (2, 2, 0));
    assert!(inc.attr("narrative").unwrap().get(0).contains("the TV"));
}

#[test]
fn read_unterminated_quote_at_end_is_rejected() {
    let text = "lon,lat,date,note\n-87.6,41.8,2019-01-01,ok\n-87.61,41.81,2019-01-02,\"never closed\nmore text\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!((rep.rows_read, inc.len()), (3, 1));
    assert_eq!(rep.rejected.get(&RejectReason::UnbalancedQuote), Some(&1));
    // the swallowed line is read again: a malformed row, not lost
    assert_eq!(rep.rejected.get(&RejectReason::MalformedRow), Some(&1));
}

#[test]
fn read_day_first_dates_from_the_whole_column() {
    // issue 12, item 2
    let text = "lon,lat,date\n2.08,48.77,01/02/2024 10:00\n2.09,48.78,13/01/2024 00:09\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!((inc.len(), rep.missing_time), (2, 0));
    let d = rep.date_order.clone().unwrap();
    assert_eq!((d.order, d.ambiguous), (time::DateOrder::DayFirst, false));
    assert_eq!(
        time::format(inc.time[0].unwrap(), TimePrecision::Minute),
        "2024-02-01 10:00"
    );
    assert!(
        rep.notes.iter().any(|n| n.contains("day-first")),
        "{:?}",
        rep.notes
    );
    // month-first evidence
    let (_, rep) = load(
        "lon,lat,date\n2.08,48.77,01/02/2024\n2.09,48.78,01/13/2024\n",
        &LoadOptions::new(),
    )
    .unwrap();
    assert_eq!(rep.date_order.unwrap().order, time::DateOrder::MonthFirst);
    // ambiguous: a warning naming the way out
    let (_, rep) = load(
        "lon,lat,date\n2.08,48.77,01/02/2024\n2.09,48.78,03/04/2024\n",
        &LoadOptions::new(),
    )
    .unwrap();
    assert!(rep.date_order.unwrap().ambiguous);
    assert!(
        rep.warnings.iter().any(|w| w.contains("AMBIGUOUS")),
        "{:?}",
        rep.warnings
    );
    // both orders: an error naming both rows
    let e = load(
        "lon,lat,date\n2.08,48.77,13/01/2024\n2.09,48.78,01/13/2024\n",
        &LoadOptions::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("row 1") && e.contains("row 2") && e.contains("time format"),
        "{e}"
    );
}

#[test]
fn read_unreadable_time_keeps_the_row_and_the_window_counts_it() {
    let text = "lon,lat,date\n-87.6,41.8,2019-01-01\n-87.6,41.8,garbage\n-87.6,41.8,\n-87.6,41.8,2019-03-01\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!(
        (inc.len(), rep.missing_time, rep.unparseable_time),
        (4, 2, 1)
    );
    // a quarter of the times unreadable: loud, with the way out
    assert!(
        rep.warnings
            .iter()
            .any(|w| w.contains("1 of 4 times") && w.contains("`time_format`")),
        "{:?}",
        rep.warnings
    );
    let opts = LoadOptions {
        from: time::parse_date("2019-02-01"),
        ..LoadOptions::new()
    };
    let (inc, rep) = load(text, &opts).unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!((rep.filtered_out, rep.filtered_without_time), (3, 2));
    assert_eq!(
        rep.accepted + rep.rejected_total() + rep.filtered_out,
        rep.rows_read
    );
    // strict: an unreadable time is an error
    let e = load(text, &LoadOptions::new().strict(true))
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 2") && e.contains("unparseable time"), "{e}");
}

#[test]
fn read_uk_police_month_column() {
    // issue 12, item 4: the data.police.uk layout
    let text = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
            a1,2024-01,Met,Met,-0.12,51.50,On or near X,E01,Name,Burglary,None,\n\
            a2,2024-02,Met,Met,-0.13,51.51,On or near Y,E01,Name,Robbery,None,\n";
    let (inc, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!(rep.columns.get("time").map(String::as_str), Some("Month"));
    assert_eq!(
        rep.columns.get("category").map(String::as_str),
        Some("Crime type")
    );
    assert_eq!(inc.precision[0], TimePrecision::Month);
    assert_eq!(
        time::format(inc.time[1].unwrap(), TimePrecision::Month),
        "2024-02"
    );
    // a Month column of month names is not a time column
    let (inc, rep) = load("lon,lat,Month\n-0.12,51.5,January\n", &LoadOptions::new()).unwrap();
    assert_eq!((inc.time[0], rep.columns.get("time")), (None, None));
}

#[test]
fn read_toronto_mci_columns() {
    let text = "EVENT_UNIQUE_ID,OCC_DATE,OFFENCE,MCI_CATEGORY,LONG_WGS84,LAT_WGS84\n\
            GO-1,2023-01-02,Assault,Assault,-79.38,43.65\n";
    let (_, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!(
        rep.columns.get("category").map(String::as_str),
        Some("MCI_CATEGORY")
    );
    assert_eq!(
        rep.columns.get("time").map(String::as_str),
        Some("OCC_DATE")
    );
    let text = "X,Y,Index_,occurrencedate,offence,MCI,Long,Lat\n1,2,3,2014-06-20,Assault,Assault,-79.38,43.65\n";
    let (_, rep) = load(text, &LoadOptions::new()).unwrap();
    assert_eq!(rep.columns.get("category").map(String::as_str), Some("MCI"));
}

#[test]
fn read_duplicate_header_is_an_error_naming_both() {
    // issue 12, item 6
    let e = load("lat,lat,lon\n41.8,41.9,-87.6\n", &LoadOptions::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("columns 1 ('lat') and 2 ('lat')"), "{e}");
    let e = load(
        "x,y,y\n1,2,3\n",
        &LoadOptions {
            x: Some("x".into()),
            y: Some("y".into()),
            ..LoadOptions::new()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("columns 2 ('y') and 3 ('y')"), "{e}");
    // duplicates that play no role are kept, with a note
    let (_, rep) = load("lon,lat,note,note\n-87.6,41.8,a,b\n", &LoadOptions::new()).unwrap();
    assert!(
        rep.notes.iter().any(|n| n.contains("both named 'note'")),
        "{:?}",
        rep.notes
    );
}

#[test]
fn read_swapped_lonlat_in_range_warns() {
    // issue 12, item 5: Chicago written latitude first lands near the South Pole
    let text = "lon,lat\n41.87,-87.62\n41.88,-87.63\n";
    let (_, rep) = load(text, &LoadOptions::new()).unwrap();
    assert!(
        rep.warnings
            .iter()
            .any(|w| w.contains("75") && w.contains("swapped")),
        "{:?}",
        rep.warnings
    );
    let (_, rep) = load("lon,lat\n-87.62,41.87\n", &LoadOptions::new()).unwrap();
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
}

#[test]
fn read_projected_crs_on_a_lonlat_file_is_an_error() {
    // issue 12, item 5: --crs EPSG:26971 switched to x/y columns of another CRS
    let text = "id,x,y,lon,lat\n\
            1,432182.15,5401816.50,2.0771153,48.7656591\n\
            2,435580.21,5403614.37,2.1230696,48.7821917\n\
            3,431827.18,5402642.92,2.0721484,48.7730538\n";
    let e = load(text, &LoadOptions::new().crs(Crs::Epsg { code: 26971 }))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not in EPSG:26971") && e.contains("row 1"),
        "{e}"
    );
    // the right CRS passes the check
    let (inc, _) = load(text, &LoadOptions::new().crs(Crs::Epsg { code: 32631 })).unwrap();
    assert_eq!(inc.len(), 3);
}

#[test]
fn raw_records_number_rows_like_the_reader() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("q.csv");
    std::fs::write(
        &p,
        "lon,lat,category\n2.08,48.77,\"burglary\n2.09,48.78,theft\n\n2.10,91,theft\n",
    )
    .unwrap();
    let (_, rep) = read_incidents(&p, &LoadOptions::new()).unwrap();
    let rows: BTreeSet<u64> = rep.rejections.iter().map(|r| r.row).collect();
    assert_eq!(rows, BTreeSet::from([1, 3]));
    let (header, raw) = raw_records(&p, &LoadOptions::new(), &rows).unwrap();
    assert_eq!(header, vec!["lon", "lat", "category"]);
    assert_eq!(raw[&1], vec!["2.08", "48.77", "\"burglary"]);
    assert_eq!(raw[&3], vec!["2.10", "91", "theft"]);
}

#[test]
fn where_filter_and_time_window() {
    let text = "lon,lat,date,category\n-87.6,41.8,2019-01-01,A\n-87.6,41.8,2019-02-01,B\n-87.6,41.8,2019-03-01,a\n";
    let f = super::super::WhereFilter::parse("category=a").unwrap();
    let (inc, rep) = load(text, &LoadOptions::new().filter(f)).unwrap();
    assert_eq!((inc.len(), rep.filtered_out), (2, 1));
    let opts = LoadOptions {
        from: crate::time::parse_date("2019-02-01"),
        ..LoadOptions::new()
    };
    let (inc, rep) = load(text, &opts).unwrap();
    assert_eq!((inc.len(), rep.filtered_out), (2, 1));
}
