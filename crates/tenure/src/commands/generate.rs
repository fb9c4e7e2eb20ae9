//! `tenure generate`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::generate::{GenerateRequest, OutputFormat, cdnow_purchases, cdnow_spend, generate};
use tenure_models::bgnbd::BgNbdParams;
use tenure_models::gamma_gamma::GammaGammaParams;

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
        purchases: match &args.purchase_model {
            Some(text) => {
                let [r, alpha, a, b] = numbers("--purchase-model", text)?;
                BgNbdParams::new(r, alpha, a, b).context("--purchase-model")?
            }
            None => cdnow_purchases(),
        },
        spend: match &args.spend_model {
            Some(text) => {
                let [p, q, gamma] = numbers("--spend-model", text)?;
                GammaGammaParams::new(p, q, gamma).context("--spend-model")?
            }
            None => cdnow_spend(),
        },
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

/// `N` comma-separated numbers from the value of `flag`.
fn numbers<const N: usize>(flag: &str, text: &str) -> anyhow::Result<[f64; N]> {
    let values: Vec<f64> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>().with_context(|| format!("{flag}: `{part}` is not a number")))
        .collect::<anyhow::Result<_>>()?;
    values
        .try_into()
        .map_err(|values: Vec<f64>| anyhow::anyhow!("{flag} takes {N} numbers, not {}", values.len()))
}
