//! `tenure stats`.

use std::process::ExitCode;

use anyhow::Context;

use crate::output;

/// Prints the customer file at a glance.
pub fn run(url: &str, json: bool) -> anyhow::Result<ExitCode> {
    let stats = super::open_store(url)?.stats().context("reading the summary")?;
    if json {
        output::print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", output::stats_table(&stats));
    Ok(ExitCode::SUCCESS)
}
