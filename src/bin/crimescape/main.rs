//! The `crimescape` command-line tool: a thin layer over the library.

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
mod cmd_proximity;
mod cmd_repeats;
mod cmd_risk;
mod cmd_segments;
mod cmd_sites;
mod cmd_validate;
mod common;

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
    if let Some(n) = cli.global.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("crimescape: cannot set {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // a closed pipe (e.g. `| head`) is not an error
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("crimescape: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            let usage = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<crimescape::Error>(),
                    Some(crimescape::Error::Param(_))
                )
            });
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
