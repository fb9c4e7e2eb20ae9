//! `tenure`: the command-line face of Tenure. Parses arguments, opens the store, calls one use
//! case and prints its result as a table (on a terminal) or JSON (`--json`). No business rules.

mod cli;
mod commands;
mod config;
mod output;
mod progress;

use std::process::ExitCode;

/// Exit status when an import was refused because of invalid rows (nothing was written).
pub const EXIT_INVALID_INPUT: u8 = 3;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = match config::matches(std::env::args_os().collect()).and_then(|matches| {
        <cli::Cli as clap::FromArgMatches>::from_arg_matches(&matches).map_err(anyhow::Error::from)
    }) {
        Ok(cli) => cli,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `tenure … | head` closes stdout early; `println!` then panics with "Broken pipe". A command
/// line tool should just stop, as it would on SIGPIPE (which Rust ignores, and resetting it would
/// need `unsafe`): exit quietly with the shell's status for SIGPIPE, 141.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}
