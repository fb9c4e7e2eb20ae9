//! `tenure generate`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::generate::{GenerateRequest, OutputFormat, cdnow_purchases, cdnow_spend, generate};

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::output;

/// Writes a synthetic shop.
pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let request = GenerateRequest {
        customers: args.customers,
        seed: args.seed,
        start: args.start,
        acquisition_days: args.acquisition_days,
        weeks: args.weeks,
        purchases: cdnow_purchases(),
        spend: cdnow_spend(),
    };
    let format = match args.format {
        GenerateFormat::Cdnow => OutputFormat::Cdnow,
        GenerateFormat::Csv => OutputFormat::Csv,
    };
    let report = generate(&request, format, &args.out).context("generating a synthetic shop")?;
    if args.json {
        output::print_json(&report)?;
    } else {
        println!(
            "Wrote {} customers and {} orders to {}.",
            output::count(report.customers),
            output::count(report.orders),
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
