//! Reading a large delimited file in blocks, without holding the whole file.
//!
//! # Algorithm
//! 1. The file is read in blocks of [`BLOCK`] bytes on a thread of its own, one
//!    block ahead of the parse (so reading and hashing overlap parsing); the SHA-256
//!    of the provenance is computed on the same blocks as they are read.
//! 2. Each block (with the tail carried over from the block before) is cut after
//!    its last newline before which the number of `"` is even, so that a quoted
//!    field holding line breaks is never cut; the tail after the cut is carried into
//!    the next block. A block without such a newline grows by the next block (up to
//!    [`MAX_CARRY_BLOCKS`] blocks).
//! 3. The header, the delimiter and the column roles are decided on the first block
//!    (as for the whole file: the samples that decide roles must end inside it).
//! 4. Each block's records are read in parallel chunks (module `csv::parallel`) and
//!    appended to the staging of the file, with row numbers continuing those of the
//!    blocks before.
//! 5. On any doubt (a gzipped file, a file no bigger than one block, a sample that
//!    ran to the end of the first block, a cut that is not a record boundary, a
//!    chunk that meets an unbalanced quote or a parse error, an I/O error) the
//!    caller reads the whole file at once instead (`None`), so results and messages
//!    are always those of the one-pass reader.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{conclude, layout, parallel, Plan};
use crate::error::Result;
use crate::io::timecol::TimeReader;
use crate::io::{Incidents, LoadOptions, LoadReport};
use crate::layer::StringColumn;

/// Bytes read at a time (8 MiB: the memory of the reader, whatever the file size).
pub(crate) const BLOCK: usize = 8 << 20;

/// Largest carried tail, in blocks, before giving up on cutting (a quote that never
/// closes would otherwise make the carried tail the whole file).
const MAX_CARRY_BLOCKS: usize = 4;

/// Appends up to `want` bytes of `r` to `buf` and hashes them; the number read
/// (less than `want` only at the end of the file). The bytes go straight into the
/// spare capacity of `buf` (`read_to_end` on a `take`), which is not zeroed first.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, want: usize, hash: &mut Sha256) -> Option<usize> {
    let start = buf.len();
    buf.reserve(want);
    let mut got = 0;
    while got < want {
        match r.by_ref().take((want - got) as u64).read_to_end(buf) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    hash.update(&buf[start..]);
    Some(got)
}

/// Offset just after the last newline of `buf` with an even number of `"` before it
/// (`buf` starts at a record boundary). The quotes are counted in one vectorised
/// pass, then the newlines are visited from the end (usually only the last one).
pub(crate) fn last_even_newline(buf: &[u8]) -> Option<usize> {
    let mut odd = memchr::memchr_iter(b'"', buf).count() % 2 == 1;
    let mut end = buf.len();
    while let Some(i) = memchr::memrchr2(b'\n', b'"', &buf[..end]) {
        if buf[i] == b'"' {
            odd = !odd; // the quotes before `i`
        } else if !odd {
            return Some(i + 1);
        }
        end = i;
    }
    None
}

/// What the reading thread hands to the parsing one.
enum Piece {
    /// Whole records (the first piece starts with the header), and whether they
    /// hold no `"` byte.
    Records(Vec<u8>, bool),
    /// The end of the file, with the SHA-256 of all its bytes.
    End(String),
    /// Read the whole file at once instead (gzip, I/O error, a tail that never ends).
    GiveUp,
}

/// The reading thread: reads `file` in blocks of `block` bytes, hashes them and cuts
/// them after their last record boundary (carrying the tail into the next block), and
/// sends the pieces in order, reusing the buffers the parser sends back on `spare`.
/// Stops when the receiver hangs up.
fn reader(
    mut file: std::fs::File,
    block: usize,
    tx: std::sync::mpsc::SyncSender<Piece>,
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
) {
    let mut hash = Sha256::new();
    let mut buf = Vec::with_capacity(block);
    let mut first = true;
    loop {
        let Some(got) = fill(&mut file, &mut buf, block, &mut hash) else {
            let _ = tx.send(Piece::GiveUp);
            return;
        };
        if first && (got < block || buf.starts_with(&[0x1f, 0x8b])) {
            let _ = tx.send(Piece::GiveUp);
            return;
        }
        let eof = got < block;
        // one vectorised search: most files hold no quote at all, and then neither
        // the cuts nor the chunks need their quotes counted
        let quote_free = memchr::memchr(b'"', &buf).is_none();
        let cut = if eof {
            buf.len()
        } else if quote_free {
            match memchr::memrchr(b'\n', &buf) {
                Some(c) => c + 1,
                None if !first && buf.len() <= MAX_CARRY_BLOCKS * block => continue,
                None => {
                    let _ = tx.send(Piece::GiveUp);
                    return;
                }
            }
        } else {
            match last_even_newline(&buf) {
                Some(c) => c,
                None if !first && buf.len() <= MAX_CARRY_BLOCKS * block => continue,
                None => {
                    let _ = tx.send(Piece::GiveUp);
                    return;
                }
            }
        };
        first = false;
        let mut next = spare.try_recv().unwrap_or_default();
        next.clear();
        next.reserve(block + (buf.len() - cut));
        next.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        if !buf.is_empty() && tx.send(Piece::Records(buf, quote_free)).is_err() {
            return;
        }
        if eof {
            let sha: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let _ = tx.send(Piece::End(sha));
            return;
        }
        buf = next;
    }
}

/// Reads incidents from `path` in blocks of `block` bytes (chunks of at least
/// `min_chunk` bytes); `None` when the file is to be read at once instead (see the
/// module docs). Reading and hashing run on a thread of their own, one block ahead
/// of the parsing (on rayon's current pool), so the two overlap.
pub(crate) fn read_incidents(
    path: &Path,
    opts: &LoadOptions,
    block: usize,
    min_chunk: usize,
) -> Option<Result<(Incidents, LoadReport)>> {
    let block = block.max(1);
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    if gz || len <= block as u64 {
        return None;
    }
    // two blocks in flight: one parsed, one read ahead
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let (back, spare) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(move || reader(file, block, tx, spare));
        let out = parse(&rx, &back, path, opts, min_chunk);
        drop(rx); // stops the reader if the parse gave up early
        out
    })
}

/// The parsing side of [`read_incidents`].
fn parse(
    rx: &std::sync::mpsc::Receiver<Piece>,
    back: &std::sync::mpsc::Sender<Vec<u8>>,
    path: &Path,
    opts: &LoadOptions,
    min_chunk: usize,
) -> Option<Result<(Incidents, LoadReport)>> {
    let Ok(Piece::Records(buf, quote_free)) = rx.recv() else {
        return None;
    };
    // ---- the first block: header, roles, its records
    let first = layout(&buf, path, opts).ok()?;
    if first.sampled_to_end {
        return None;
    }
    let plan = Plan::new(&first, path, opts).ok()?;
    let mut st = plan.staging(&first);
    let mut times = TimeReader::new(&plan.time_name, opts.time_format.as_deref());
    let mut to_text = StringColumn::new();
    let start = parallel::data_start(first.body, first.delim)?;
    let data = &first.body[start..];
    if !parallel::read_block(
        &first,
        &plan,
        data,
        quote_free,
        min_chunk,
        &mut st,
        &mut times,
        &mut to_text,
    ) {
        return None;
    }
    // the layout without the first block, so that its buffer can go
    let lay = super::Layout {
        header: first.header.clone(),
        delim: first.delim,
        roles: first.roles.clone(),
        body: &[],
        notes: first.notes.clone(),
        sampled_to_end: false,
    };
    drop(buf);
    let plan = Plan::new(&lay, path, opts).ok()?;
    // ---- the following blocks
    let sha = loop {
        match rx.recv().ok()? {
            Piece::Records(b, quote_free) => {
                if !parallel::read_block(
                    &lay,
                    &plan,
                    &b,
                    quote_free,
                    min_chunk,
                    &mut st,
                    &mut times,
                    &mut to_text,
                ) {
                    return None;
                }
                let _ = back.send(b); // the reader may reuse it
            }
            Piece::End(sha) => break sha,
            Piece::GiveUp => return None,
        }
    };
    Some(conclude(&lay, &plan, st, times, to_text, path, sha, opts))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::io::csv::read_chunked;
    use crate::io::{sha256_hex, WhereFilter};

    fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("crimescape-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The outcome of the one-pass reader, as text.
    fn sequential(bytes: &[u8], path: &Path, opts: &LoadOptions) -> String {
        let r = read_chunked(bytes, path, sha256_hex(bytes), opts, 0);
        format!("{r:?}")
    }

    /// Checks that reading in blocks of each size gives the one-pass outcome;
    /// returns how many block sizes were read in blocks (no fallback).
    fn same(name: &str, bytes: &[u8], opts: &LoadOptions, blocks: &[usize]) -> usize {
        let path = tmp(name, bytes);
        let seq = sequential(bytes, &path, opts);
        let mut streamed = 0;
        for &b in blocks {
            for min_chunk in [1, 64] {
                if let Some(r) = read_incidents(&path, opts, b, min_chunk) {
                    assert_eq!(format!("{r:?}"), seq, "block {b}, min_chunk {min_chunk}");
                    streamed += 1;
                }
            }
        }
        // and through the public entry point
        let r = crate::io::csv::read_incidents(&path, opts);
        assert_eq!(format!("{r:?}"), seq);
        std::fs::remove_file(&path).unwrap();
        streamed
    }

    fn city(n: usize) -> String {
        super::parallel::test_city(n, &["theft", "burglary", "", "robbery"])
    }

    #[test]
    fn read_incidents_in_blocks_equals_one_pass() {
        let text = city(400);
        let blocks = [64, 100, 333, 1000, 4096];
        assert_eq!(
            same("city.csv", text.as_bytes(), &LoadOptions::new(), &blocks),
            10
        );
        let f = WhereFilter::parse("category=theft,robbery").unwrap();
        assert!(
            same(
                "where.csv",
                text.as_bytes(),
                &LoadOptions::new().filter(f),
                &blocks
            ) > 0
        );
        let none = LoadOptions::new().attributes(crate::io::Attributes::None);
        assert!(same("none.csv", text.as_bytes(), &none, &blocks) > 0);
        // CRLF, a BOM and no newline at the end
        let mut b = b"\xef\xbb\xbf".to_vec();
        b.extend_from_slice(text.replace('\n', "\r\n").trim_end().as_bytes());
        assert!(same("crlf.csv", &b, &LoadOptions::new(), &blocks) > 0);
        // a file no bigger than a block is read at once
        assert!(read_incidents(
            &tmp("small.csv", text.as_bytes()),
            &LoadOptions::new(),
            1 << 20,
            1
        )
        .is_none());
    }

    #[test]
    fn read_incidents_in_blocks_quoted_newline_across_a_block_boundary() {
        let s = super::parallel::test_narratives(60);
        // the first block ends inside the first quoted field, just before its line break
        let inside = s.find("took\n").unwrap() + 4;
        let path = tmp("straddle.csv", s.as_bytes());
        let seq = sequential(s.as_bytes(), &path, &LoadOptions::new());
        for b in [inside, inside + 1, 50, 77, 128] {
            let r = read_incidents(&path, &LoadOptions::new(), b, 1)
                .unwrap_or_else(|| panic!("block {b} fell back"));
            assert_eq!(format!("{r:?}"), seq, "block {b}");
        }
        let (inc, rep) = read_incidents(&path, &LoadOptions::new(), inside, 1)
            .unwrap()
            .unwrap();
        assert_eq!((inc.len(), rep.rejected_total()), (60, 0));
        assert!(inc.attr("narrative").unwrap().get(0).contains("the TV"));
        assert_eq!(rep.sha256, sha256_hex(s.as_bytes()));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn read_incidents_in_blocks_falls_back_on_doubt() {
        // a stray quote: the one-pass reader's recovery, identical results
        let mut text = city(300);
        let at = text.find("\n150,").unwrap() + 1;
        text.insert(at + 4, '"');
        same(
            "stray.csv",
            text.as_bytes(),
            &LoadOptions::new(),
            &[64, 500, 2000],
        );
        // rejections, unreadable times, day-first evidence late in the file, strict
        let s = super::parallel::test_messy(&["a", "b"]);
        assert!(
            same(
                "dates.csv",
                s.as_bytes(),
                &LoadOptions::new(),
                &[64, 300, 1000]
            ) > 0
        );
        same(
            "strict.csv",
            s.as_bytes(),
            &LoadOptions::new().strict(true),
            &[64, 300],
        );
        // data.police.uk's Month column is confirmed on a sample of 50 values: a first
        // block too small to hold them falls back, a larger one does not
        let mut p = String::from("Crime ID,Month,Longitude,Latitude,Crime type\n");
        for i in 0..120 {
            p.push_str(&format!(
                "c{i},2024-0{},-1.{i:03},52.{i:03},theft\n",
                1 + i % 9
            ));
        }
        let path = tmp("police.csv", p.as_bytes());
        assert!(read_incidents(&path, &LoadOptions::new(), 200, 1).is_none());
        assert!(read_incidents(&path, &LoadOptions::new(), 3000, 1).is_some());
        assert!(
            same(
                "police.csv",
                p.as_bytes(),
                &LoadOptions::new(),
                &[200, 3000]
            ) > 0
        );
    }

    #[test]
    fn last_even_newline_skips_quoted_line_breaks() {
        assert_eq!(last_even_newline(b"a,\"b\nc\",d\ne"), Some(10));
        assert_eq!(last_even_newline(b"a,\"b\nc"), None);
        assert_eq!(last_even_newline(b"a\nb,\"c\nd"), Some(2));
        assert_eq!(last_even_newline(b"abc"), None);
    }
}
