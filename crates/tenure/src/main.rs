//! `tenure`: the command-line face of Tenure. Parses arguments, opens the store, calls one use
//! case and prints its result as a table (on a terminal) or JSON (`--json`). No business rules.

mod cli;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// Exit status when an import was refused because of invalid rows (nothing was written).
pub const EXIT_INVALID_INPUT: u8 = 3;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
