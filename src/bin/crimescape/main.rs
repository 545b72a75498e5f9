//! The `crimescape` command-line tool: a thin layer over the library.
//!
//! Exit codes: 0 success (also when stdout is a closed pipe); 1 an error of the
//! data, an input file or the system (I/O, a full disk); 2 a usage error (a bad
//! flag or parameter value, a size above its limit).

// std's printing macros panic when stdout/stderr cannot be written (`> /dev/full`,
// `| head -c5`, `2>/dev/full`). These definitions shadow them in every module of the
// binary (they are declared before the modules) and go through `out`.
macro_rules! print {
    ($($arg:tt)*) => { crate::out::print(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { crate::out::println(format_args!("")) };
    ($($arg:tt)*) => { crate::out::println(format_args!($($arg)*)) };
}
#[allow(unused_macros)]
macro_rules! eprint {
    ($($arg:tt)*) => { crate::out::eprint(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { crate::out::eprintln(format_args!("")) };
    ($($arg:tt)*) => { crate::out::eprintln(format_args!($($arg)*)) };
}

/// A flag's choices: a `clap::ValueEnum` mirroring a library enum variant for variant
/// (the library does not depend on clap), converted into it with `From`; the doc
/// comments are the help of each choice.
macro_rules! choices {
    ($(#[$m:meta])* $name:ident => $lib:ty { $($(#[$vm:meta])* $v:ident,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl From<$name> for $lib {
            fn from(a: $name) -> $lib {
                match a { $($name::$v => <$lib>::$v,)+ }
            }
        }
    };
}

mod cli;
mod cmd_assess;
mod cmd_clusters;
mod cmd_demo;
mod cmd_evaluate;
mod cmd_evaluate_hotspots;
mod cmd_hotspots;
mod cmd_info;
mod cmd_nearrepeat;
mod cmd_network;
mod cmd_pattern;
mod cmd_proximity;
mod cmd_repeats;
mod cmd_risk;
mod cmd_segments;
mod cmd_sites;
mod cmd_when;
mod common;
mod errors;
mod out;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let res = set_threads(cli.global.threads).and_then(|()| cli::run(cli));
    let res = res.and_then(|()| {
        out::finish().map_err(|e| anyhow::Error::new(e).context("writing to standard output"))
    });
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // a closed pipe (e.g. `| head`) is not an error
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            for (k, cause) in e.chain().enumerate() {
                let text = errors::show(cause);
                if k == 0 {
                    eprintln!("crimescape: error: {text}");
                } else {
                    eprintln!("  caused by: {text}");
                }
            }
            let usage = e.chain().any(|c| {
                c.downcast_ref::<crimescape::Error>()
                    .is_some_and(crimescape::Error::is_usage)
            });
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// Sizes rayon's global pool (the library never does).
fn set_threads(n: Option<usize>) -> anyhow::Result<()> {
    let Some(n) = n else { return Ok(()) };
    crimescape::study::settings::check_threads(n)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .map_err(|e| crimescape::Error::Param(format!("cannot start {n} threads: {e}")))?;
    Ok(())
}
