//! Parallel reading of the data records of a delimited file.
//!
//! # Algorithm
//! 1. The data rows (after the header) are cut into chunks just after a newline,
//!    about evenly, at least [`MIN_CHUNK`] bytes each. A cut is kept only where the
//!    number of `"` from the start of the data is even (quotes are counted per
//!    chunk in parallel and their parities summed as a prefix), so a cut never
//!    falls inside a quoted field that holds line breaks.
//! 2. Each chunk is checked with the quoting rules of the CSV parser (RFC 4180: a
//!    quote opens only at the start of a field, `""` inside quotes is a quote): if
//!    any chunk ends inside a quote (a stray quote in an unquoted field, a quote
//!    that never closes), the cuts may not be record boundaries and the file is read
//!    in one pass instead.
//! 3. The chunks are read in parallel on rayon's current pool, each into its own
//!    staging area with row numbers from 1. A chunk that meets an unbalanced quote
//!    (whose recovery reads lines again), a parse error or a value that makes the
//!    load fail gives up, and the file is read in one pass, so results and error
//!    messages are exactly those of the sequential reader.
//! 4. The chunks are joined in file order: row numbers shifted by the rows of the
//!    chunks before, categories re-interned in order of first appearance, the rows
//!    waiting for the date-order decision re-voted in file order, rejections, unread
//!    times and `where` statistics concatenated or summed.

use rayon::prelude::*;

use super::{Layout, Plan, Records, SAMPLE_ROWS};
use crate::io::timecol::TimeReader;
use crate::io::{Staging, WHERE_VALUES_KEPT};
use crate::layer::{StringColumn, NO_CATEGORY};

/// Smallest chunk worth a task of its own (bytes). Smaller files are read in one pass.
pub(crate) const MIN_CHUNK: usize = 1 << 20;

/// Chunks per thread of the current pool (several, so that uneven chunks balance).
const CHUNKS_PER_THREAD: usize = 4;

/// What one chunk read.
struct Part {
    st: Staging,
    times: TimeReader,
    to_text: StringColumn,
}

/// Byte offset in `body` where the data records start (just after the header record).
pub(super) fn data_start(body: &[u8], delim: u8) -> Option<usize> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(body);
    rdr.byte_headers().ok()?;
    let at = rdr.position().byte() as usize;
    (at <= body.len()).then_some(at)
}

/// Cut points (offsets in `data`, first 0, last `data.len()`) at newlines with an
/// even number of quotes before them; `None` when the data make fewer than two
/// chunks. With `quote_free` (`data` holds no `"`), the quotes are not counted.
pub(crate) fn cuts(
    data: &[u8],
    min_chunk: usize,
    threads: usize,
    quote_free: bool,
) -> Option<Vec<usize>> {
    let n = data.len();
    let want = (n / min_chunk.max(1)).min(threads.max(1) * CHUNKS_PER_THREAD);
    if want < 2 {
        return None;
    }
    let step = n / want;
    let mut cand = vec![0usize];
    for k in 1..want {
        let t = k * step;
        let last = cand[cand.len() - 1];
        if t < last {
            continue;
        }
        let Some(j) = memchr::memchr(b'\n', &data[t..]) else {
            break;
        };
        let c = t + j + 1;
        if c > last && c < n {
            cand.push(c);
        }
    }
    cand.push(n);
    if quote_free {
        return (cand.len() >= 3).then_some(cand);
    }
    let odd: Vec<bool> = (0..cand.len() - 1)
        .into_par_iter()
        .map(|i| memchr::memchr_iter(b'"', &data[cand[i]..cand[i + 1]]).count() % 2 == 1)
        .collect();
    let mut out = vec![0usize];
    let mut parity = false;
    for i in 1..cand.len() - 1 {
        parity ^= odd[i - 1];
        // inside a quoted field: move on to the next newline with an even count
        let (mut at, mut p) = (cand[i], parity);
        while p && at < cand[i + 1] {
            let Some(j) = memchr::memchr(b'\n', &data[at..cand[i + 1]]) else {
                break;
            };
            p ^= memchr::memchr_iter(b'"', &data[at..at + j + 1]).count() % 2 == 1;
            at += j + 1;
        }
        if !p && at < cand[i + 1] && at > out[out.len() - 1] {
            out.push(at);
        }
    }
    out.push(n);
    (out.len() >= 3).then_some(out)
}

/// Whether reading `bytes` from a record start with the CSV parser's quoting rules
/// ends inside a quoted field (the rules of `ends_inside_quote`, jumping from quote
/// to quote).
pub(crate) fn ends_in_quote(bytes: &[u8], delim: u8) -> bool {
    let mut i = 0;
    while let Some(j) = memchr::memchr(b'"', &bytes[i..]) {
        let q = i + j;
        let opens = q == 0 || matches!(bytes[q - 1], b'\n' | b'\r') || bytes[q - 1] == delim;
        if !opens {
            i = q + 1;
            continue;
        }
        // inside a quoted field: find its closing quote (`""` is an escaped quote)
        let mut k = q + 1;
        loop {
            let Some(j) = memchr::memchr(b'"', &bytes[k..]) else {
                return true;
            };
            let c = k + j;
            if bytes.get(c + 1) == Some(&b'"') {
                k = c + 2;
                continue;
            }
            i = c + 1;
            break;
        }
    }
    false
}

/// Reads one chunk (`quote_free`: it holds no `"`); `None` when it must be read as
/// part of the whole file.
fn read_part(lay: &Layout<'_>, plan: &Plan<'_>, chunk: &[u8], quote_free: bool) -> Option<Part> {
    let mut st = Staging {
        attrs: vec![StringColumn::new(); plan.attr_idx.len()],
        ..Default::default()
    };
    let mut times = TimeReader::new(&plan.time_name, plan.time_format);
    let mut to_text = StringColumn::new();
    let mut records = Records::chunk(chunk, lay.delim, lay.header.len(), lay.coords());
    if quote_free {
        records = records.quote_free();
    }
    match plan.scan(&mut records, &mut st, &mut times, &mut to_text, true) {
        Ok(true) => {}
        _ => return None,
    }
    if st.where_missed.iter().any(|m| m.len() >= WHERE_VALUES_KEPT) {
        return None; // the values kept for the message would depend on the cut
    }
    Some(Part { st, times, to_text })
}

/// Reads the data records of `lay` in parallel into `st`, `times` and `to_text`
/// (fresh, as [`Plan::staging`] made them). Returns `false`, having changed
/// nothing, when the file is to be read in one pass instead.
pub(super) fn read(
    lay: &Layout<'_>,
    plan: &Plan<'_>,
    min_chunk: usize,
    st: &mut Staging,
    times: &mut TimeReader,
    to_text: &mut StringColumn,
) -> bool {
    let Some(start) = data_start(lay.body, lay.delim) else {
        return false;
    };
    let data = &lay.body[start..];
    let quote_free = memchr::memchr(b'"', data).is_none();
    let Some(cuts) = cuts(data, min_chunk, rayon::current_num_threads(), quote_free) else {
        return false;
    };
    read_chunks(lay, plan, data, &cuts, quote_free, st, times, to_text)
}

/// Reads one block of data records (starting and ending at record boundaries, the
/// header excluded) in parallel, appending them to `st`, `times` and `to_text` after
/// the rows of the blocks before (see module `csv::stream`; `quote_free`: `data`
/// holds no `"`). Returns `false` when the file is to be read in one pass instead
/// (the staging is then unusable).
#[allow(clippy::too_many_arguments)]
pub(super) fn read_block(
    lay: &Layout<'_>,
    plan: &Plan<'_>,
    data: &[u8],
    quote_free: bool,
    min_chunk: usize,
    st: &mut Staging,
    times: &mut TimeReader,
    to_text: &mut StringColumn,
) -> bool {
    if data.is_empty() {
        return true;
    }
    let cuts = cuts(data, min_chunk, rayon::current_num_threads(), quote_free)
        .unwrap_or_else(|| vec![0, data.len()]);
    read_chunks(lay, plan, data, &cuts, quote_free, st, times, to_text)
}

/// Reads the chunks `data[cuts[i]..cuts[i + 1]]` in parallel and joins them to `st`.
#[allow(clippy::too_many_arguments)]
fn read_chunks(
    lay: &Layout<'_>,
    plan: &Plan<'_>,
    data: &[u8],
    cuts: &[usize],
    quote_free: bool,
    st: &mut Staging,
    times: &mut TimeReader,
    to_text: &mut StringColumn,
) -> bool {
    let chunks: Vec<&[u8]> = cuts.windows(2).map(|w| &data[w[0]..w[1]]).collect();
    if !quote_free && chunks.par_iter().any(|c| ends_in_quote(c, lay.delim)) {
        return false;
    }
    let parts: Vec<Option<Part>> = chunks
        .par_iter()
        .map(|c| read_part(lay, plan, c, quote_free))
        .collect();
    let Some(parts) = parts.into_iter().collect::<Option<Vec<Part>>>() else {
        return false;
    };
    // `where` statistics: exact only while the values seen stay under the cap
    let nf = parts
        .iter()
        .map(|p| p.st.where_missed.len())
        .chain([st.where_missed.len()])
        .max()
        .unwrap_or(0);
    for k in 0..nf {
        let mut all = std::collections::BTreeSet::new();
        for m in parts
            .iter()
            .filter_map(|p| p.st.where_missed.get(k))
            .chain(st.where_missed.get(k))
        {
            all.extend(m.keys());
        }
        if all.len() > WHERE_VALUES_KEPT {
            return false;
        }
    }
    join(parts, st, times, to_text);
    true
}

/// Appends the parts, in file order, to the staging of the whole file.
fn join(parts: Vec<Part>, st: &mut Staging, times: &mut TimeReader, to_text: &mut StringColumn) {
    // amortised growth (`reserve`, not `reserve_exact`): a streamed file joins a
    // block at a time, and growing every column by exactly one block each time
    // made the reallocations quadratic (most of the system time at 5·10^7 rows);
    // capacity not yet written is not resident, so this costs no memory
    let total: usize = parts.iter().map(|p| p.st.xy.len()).sum();
    st.xy.reserve(total);
    st.time.reserve(total);
    st.precision.reserve(total);
    st.category.reserve(total);
    st.row.reserve(total);
    // rows of the blocks joined before (0 for a file read at once)
    let mut rows = st.rows_read;
    for part in parts {
        let Part {
            st: p,
            times: t,
            to_text: tt,
        } = part;
        let idx = st.xy.len();
        let map: Vec<u32> = p.categories.iter().map(|c| st.category_index(c)).collect();
        st.xy.extend_from_slice(&p.xy);
        st.time.extend_from_slice(&p.time);
        st.precision.extend_from_slice(&p.precision);
        st.category.extend(p.category.iter().map(|&c| {
            if c == NO_CATEGORY {
                NO_CATEGORY
            } else {
                map[c as usize]
            }
        }));
        st.row.extend(p.row.iter().map(|r| r + rows));
        for (a, b) in st.attrs.iter_mut().zip(&p.attrs) {
            a.append(b);
        }
        to_text.append(&tt);
        st.rejections.extend(p.rejections.into_iter().map(|mut r| {
            r.row += rows;
            r
        }));
        st.time_unparsed
            .extend(p.time_unparsed.into_iter().map(|mut r| {
                r.row += rows;
                r
            }));
        for (k, m) in p.where_missed.into_iter().enumerate() {
            if st.where_missed.len() <= k {
                st.where_missed.resize_with(k + 1, Default::default);
            }
            for (v, c) in m {
                *st.where_missed[k].entry(v).or_insert(0) += c;
            }
        }
        let room = SAMPLE_ROWS.saturating_sub(st.lonlat_check.len());
        st.lonlat_check.extend(
            p.lonlat_check
                .into_iter()
                .take(room)
                .map(|(r, ll)| (r + rows, ll)),
        );
        times.absorb(t, idx, rows);
        st.filtered_out += p.filtered_out;
        st.where_passed += p.where_passed;
        st.rows_read += p.rows_read;
        rows += p.rows_read;
    }
}

/// A small file of city incidents (id, lon/lat, minute times, category from
/// `cats`, a note), for the tests of the parallel and streamed readers.
#[cfg(test)]
pub(crate) fn test_city(n: usize, cats: &[&str]) -> String {
    let mut s = String::from("id,lon,lat,date,category,note\n");
    for i in 0..n {
        s.push_str(&format!(
            "{i},{:.5},{:.5},2024-{:02}-{:02} 10:{:02},{},n{}\n",
            2.05 + (i % 37) as f64 * 1e-3,
            48.75 + (i % 41) as f64 * 1e-3,
            1 + i % 12,
            1 + i % 28,
            i % 60,
            cats[(i * 7 / 3) % cats.len()],
            i % 5
        ));
    }
    s
}

/// A small file whose narratives hold quoted line breaks (LF and CRLF) and escaped
/// quotes in every third row, for the tests of the parallel and streamed readers.
#[cfg(test)]
pub(crate) fn test_narratives(n: usize) -> String {
    let mut s = String::from("lon,lat,date,narrative\n");
    for i in 0..n {
        let nar = match i % 3 {
            0 => "\"entered, took\nthe TV, and \"\"left\"\"\n\"",
            1 => "plain",
            _ => "\"a\r\nb\"",
        };
        s.push_str(&format!(
            "2.0{},48.7{},2024-01-0{},{nar}\n",
            i % 9,
            i % 7,
            1 + i % 9
        ));
    }
    s
}

/// A file of 150 rows with empty and unreadable coordinates, unreadable dates,
/// day-first dates whose evidence (13/..) comes late, and time windows, for the
/// tests of the parallel and streamed readers.
#[cfg(test)]
pub(crate) fn test_messy(cats: &[&str]) -> String {
    let mut s = String::from("lon,lat,date_start,date_end,category\n");
    for i in 0..150 {
        let (lon, date) = match i % 10 {
            3 => (",".to_string(), "01/02/2024 10:00".to_string()),
            4 => ("abc".to_string(), "02/03/2024".to_string()),
            5 => ("2.05".to_string(), "garbage".to_string()),
            _ => ("2.05".to_string(), format!("{:02}/03/2024", 1 + i % 12)),
        };
        let date = if i == 140 {
            "13/03/2024".to_string()
        } else {
            date
        };
        let cat = cats[i % cats.len()];
        s.push_str(&format!("{lon},48.7{},{date},{date},{cat}\n", i % 10));
    }
    s
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::io::csv::{layout, read_chunked};
    use crate::io::LoadOptions;

    /// The whole outcome of a load (incidents, report or error) as text.
    fn outcome(bytes: &[u8], opts: &LoadOptions, min_chunk: usize) -> String {
        let r = read_chunked(bytes, Path::new("t.csv"), String::new(), opts, min_chunk);
        format!("{r:?}")
    }

    /// Whether the parallel path reads `bytes` (no fallback).
    fn parallel_taken(bytes: &[u8], opts: &LoadOptions, min_chunk: usize) -> bool {
        let path = Path::new("t.csv");
        let lay = layout(bytes, path, opts).unwrap();
        let plan = Plan::new(&lay, path, opts).unwrap();
        let mut st = plan.staging(&lay);
        let mut times = TimeReader::new(&plan.time_name, plan.time_format);
        let mut to_text = StringColumn::new();
        read(&lay, &plan, min_chunk, &mut st, &mut times, &mut to_text)
    }

    fn same(bytes: &[u8], opts: &LoadOptions) {
        let seq = outcome(bytes, opts, 0);
        for min_chunk in [1, 7, 40, 200] {
            assert_eq!(
                outcome(bytes, opts, min_chunk),
                seq,
                "min_chunk {min_chunk}"
            );
        }
    }

    #[test]
    fn read_parallel_equals_sequential_on_fixtures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/incidents");
        let mut seen = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "csv") {
                same(&std::fs::read(&p).unwrap(), &LoadOptions::new());
                seen += 1;
            }
        }
        assert!(seen >= 10, "{seen} fixtures");
    }

    #[test]
    fn read_parallel_is_taken_and_equal_on_clean_rows() {
        let text = test_city(300, &["theft", "burglary", "", "robbery", "assault"]);
        assert!(parallel_taken(text.as_bytes(), &LoadOptions::new(), 200));
        same(text.as_bytes(), &LoadOptions::new());
        // categories interned in order of first appearance across chunks
        let (inc, _) = read_chunked(
            text.as_bytes(),
            Path::new("t.csv"),
            String::new(),
            &LoadOptions::new(),
            200,
        )
        .unwrap();
        assert_eq!(inc.categories, ["theft", "assault", "burglary", "robbery"]);
    }

    #[test]
    fn read_parallel_quotes_with_embedded_newlines() {
        let s = test_narratives(120);
        let (inc, rep) = read_chunked(
            s.as_bytes(),
            Path::new("t.csv"),
            String::new(),
            &LoadOptions::new(),
            0,
        )
        .unwrap();
        assert_eq!(
            (inc.len(), rep.rejected_total()),
            (120, 0),
            "{:?}",
            rep.rejections
        );
        assert!(parallel_taken(s.as_bytes(), &LoadOptions::new(), 100));
        same(s.as_bytes(), &LoadOptions::new());
    }

    #[test]
    fn read_parallel_crlf_bom_and_last_line_without_newline() {
        let text = test_city(200, &["theft", "burglary"]).replace('\n', "\r\n");
        let mut b = b"\xef\xbb\xbf".to_vec();
        b.extend_from_slice(text.trim_end().as_bytes());
        assert!(parallel_taken(&b, &LoadOptions::new(), 100));
        same(&b, &LoadOptions::new());
        let unix = test_city(200, &["theft"]);
        same(unix.trim_end().as_bytes(), &LoadOptions::new());
    }

    #[test]
    fn read_parallel_empty_and_header_only() {
        same(b"", &LoadOptions::new());
        same(b"lon,lat\n", &LoadOptions::new());
        same(b"lon,lat\n\n\n", &LoadOptions::new());
    }

    #[test]
    fn read_parallel_stray_quote_falls_back() {
        let mut text = test_city(200, &["theft", "burglary"]);
        let at = text.find("\n150,").unwrap() + 1;
        text.insert(at + 4, '"');
        text.insert_str(text.len() / 3, "5\" tall");
        same(text.as_bytes(), &LoadOptions::new());
        assert!(!parallel_taken(text.as_bytes(), &LoadOptions::new(), 100));
    }

    #[test]
    fn read_parallel_rejections_dates_filters_windows() {
        let s = test_messy(&["a", "b", "c"]);
        same(s.as_bytes(), &LoadOptions::new());
        let f = crate::io::WhereFilter::parse("category=a,c").unwrap();
        same(s.as_bytes(), &LoadOptions::new().filter(f));
        let f = crate::io::WhereFilter::parse("category=zzz").unwrap();
        same(s.as_bytes(), &LoadOptions::new().filter(f));
        same(s.as_bytes(), &LoadOptions::new().strict(true));
    }

    #[test]
    fn ends_in_quote_follows_the_parser_rules() {
        assert!(!ends_in_quote(b"a,\"b\nc\",d\n", b','));
        assert!(ends_in_quote(b"a,\"b\nc,d\n", b','));
        assert!(!ends_in_quote(b"a,5\" tall,d\n", b','));
        assert!(!ends_in_quote(b"\"x\"\"y\",z\n", b','));
        assert!(ends_in_quote(b"\"x\"\"", b','));
        assert!(!ends_in_quote(b"a;\"b;c\"\n", b';'));
        assert!(ends_in_quote(b"a\r\"b", b','));
    }

    #[test]
    fn cuts_fall_after_newlines_with_even_quotes() {
        let data = b"1,\"a\nb\"\n2,x\n3,\"c\nd\"\n4,y\n5,z\n";
        let c = cuts(data, 1, 8, false).unwrap();
        assert_eq!((c[0], c[c.len() - 1]), (0, data.len()));
        for &k in &c[1..c.len() - 1] {
            assert_eq!(data[k - 1], b'\n');
            assert_eq!(data[..k].iter().filter(|&&b| b == b'"').count() % 2, 0);
        }
        assert!(cuts(b"1,2\n", 1 << 20, 8, false).is_none());
        // without quotes, every candidate cut after a newline is kept
        let plain = b"1,a\n2,b\n3,c\n4,d\n";
        assert_eq!(cuts(plain, 1, 8, true), cuts(plain, 1, 8, false));
    }
}
