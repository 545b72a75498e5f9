//! Standard output and error for the whole binary.
//!
//! `print!`/`println!`/`eprint!`/`eprintln!` are redefined in `main.rs` to come
//! here, so no command can panic on a closed or full stream (std's macros panic
//! with "failed printing to stdout"):
//! * stdout: the first failed write is remembered and later output is dropped; at
//!   the end [`finish`] treats a broken pipe (`| head`) as success, like ripgrep,
//!   and any other failure (a full disk: `> /dev/full`) as an error (exit code 1).
//! * stderr: messages that cannot be written are dropped (there is nowhere left to
//!   report them).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static FAILED: AtomicBool = AtomicBool::new(false);
static ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

fn fail(e: std::io::Error) {
    FAILED.store(true, Ordering::SeqCst);
    if let Ok(mut slot) = ERROR.lock() {
        slot.get_or_insert(e);
    }
}

/// Writes to stdout (see the module docs).
pub fn print(args: std::fmt::Arguments<'_>) {
    if FAILED.load(Ordering::SeqCst) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        fail(e);
    }
}

/// Writes a line to stdout.
pub fn println(args: std::fmt::Arguments<'_>) {
    if FAILED.load(Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        fail(e);
    }
}

/// Writes to stderr, ignoring failures.
#[allow(dead_code)]
pub fn eprint(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Writes a line to stderr, ignoring failures.
pub fn eprintln(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Flushes stdout: `Ok` when everything was written or the reader went away
/// (broken pipe), the write error otherwise.
pub fn finish() -> std::io::Result<()> {
    if !FAILED.load(Ordering::SeqCst) {
        if let Err(e) = std::io::stdout().lock().flush() {
            fail(e);
        }
    }
    let e = ERROR.lock().ok().and_then(|mut slot| slot.take());
    match e {
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
