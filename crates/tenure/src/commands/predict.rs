//! `tenure predict` and `tenure clv`: fit BG/NBD (and Gamma-Gamma for CLV) on every purchase up
//! to `--as-of`, score each customer, list the top ones with their names.
//!
//! No numbers are computed here: they all come from `tenure_app::models`.

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use tenure_app::models::{
    ClvSettings, FitReport, PurchaseDays, ScoredCustomer, Scores, add_contacts, score_days,
};
use tenure_app::reports::Date;

use super::model::{Spinner, fit_table, load_days};
use crate::cli::{ClvArgs, PredictArgs, PredictOrder};
use crate::output;

/// `tenure predict --json`.
#[derive(Debug, Serialize)]
struct PredictView<'a> {
    as_of: Date,
    currency: Option<String>,
    horizon_weeks: u32,
    fit: &'a FitReport,
    customers_scored: u64,
    expected_purchases_total: f64,
    customers: Vec<ScoredCustomer>,
}

/// `tenure clv --json`.
#[derive(Debug, Serialize)]
struct ClvView<'a> {
    as_of: Date,
    currency: Option<String>,
    months: u32,
    discount_rate: f64,
    margin: f64,
    fit: &'a FitReport,
    spend_fit: Option<&'a FitReport>,
    customers_scored: u64,
    total_clv: f64,
    customers: Vec<ScoredCustomer>,
}

fn scored(
    days: &PurchaseDays,
    as_of: Date,
    horizon_weeks: f64,
    clv: Option<ClvSettings>,
) -> anyhow::Result<Scores> {
    let spinner = Spinner::new("fitting");
    let scores = score_days(days, as_of, horizon_weeks, clv, &mut spinner.callback())?;
    drop(spinner);
    if !scores.fit.fit.converged {
        eprintln!("warning: the fit did not converge; the numbers below may be unreliable");
    }
    Ok(scores)
}

fn named(url: &str, mut customers: Vec<ScoredCustomer>) -> anyhow::Result<Vec<ScoredCustomer>> {
    add_contacts(super::open_store(url)?.as_mut(), &mut customers).context("reading the customers' names")?;
    Ok(customers)
}

/// `tenure predict`.
pub fn predict(url: &str, timezone: &str, args: &PredictArgs) -> anyhow::Result<ExitCode> {
    if args.horizon == 0 {
        anyhow::bail!("--horizon must be at least 1 week");
    }
    let days = load_days(url, timezone, args.currency.as_deref())?;
    let scores = scored(&days, args.as_of, f64::from(args.horizon), None)?;
    let customers = match args.by {
        PredictOrder::Purchases => scores.top(&days, args.top, &scores.expected_purchases),
        PredictOrder::PAlive => {
            let risk: Vec<f64> = scores.probability_alive.iter().map(|p| -p).collect();
            scores.top(&days, args.top, &risk)
        }
    };
    let customers = named(url, customers)?;
    let view = PredictView {
        as_of: args.as_of,
        currency: scores.fit.currency.clone(),
        horizon_weeks: args.horizon,
        fit: &scores.fit.fit,
        customers_scored: scores.len() as u64,
        expected_purchases_total: scores.expected_purchases.iter().sum(),
        customers,
    };
    if args.json {
        output::print_json(&view)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "BG/NBD on purchases up to {} ({}): {} customers expect {} purchase days in the next {} weeks",
        view.as_of,
        view.currency.as_deref().unwrap_or("no purchases"),
        output::count(view.customers_scored),
        output::decimal(Some(view.expected_purchases_total), 0),
        view.horizon_weeks
    );
    println!("{}", fit_table(view.fit));
    let mut table =
        output::table(&["id", "name", "e-mail", "x", "t_x", "T", "P(alive)", "expected purchases"]);
    for c in &view.customers {
        table.add_row(customer_cells(
            c,
            &[format!("{:.3}", c.probability_alive), format!("{:.2}", c.expected_purchases)],
        ));
    }
    let order = match args.by {
        PredictOrder::Purchases => "most expected purchases",
        PredictOrder::PAlive => "lowest probability alive",
    };
    println!("{} customers, {order} first (x, t_x, T in weeks):", view.customers.len());
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}

fn customer_cells(c: &ScoredCustomer, tail: &[String]) -> Vec<String> {
    let mut cells = vec![
        c.id.to_string(),
        c.name.clone().unwrap_or_default(),
        c.email.clone().unwrap_or_default(),
        format!("{:.0}", c.frequency),
        format!("{:.2}", c.recency),
        format!("{:.2}", c.age),
    ];
    cells.extend_from_slice(tail);
    cells
}

/// `tenure clv`.
pub fn clv(url: &str, timezone: &str, args: &ClvArgs) -> anyhow::Result<ExitCode> {
    if args.months == 0 {
        anyhow::bail!("--months must be at least 1");
    }
    let days = load_days(url, timezone, args.currency.as_deref())?;
    let settings =
        ClvSettings { months: args.months, discount_rate: args.discount_rate, margin: args.margin };
    let horizon_weeks = f64::from(args.months) * 365.25 / 12.0 / 7.0;
    let scores = scored(&days, args.as_of, horizon_weeks, Some(settings))?;
    let customers = named(url, scores.top(&days, args.top, &scores.clv_minor))?;
    let view = ClvView {
        as_of: args.as_of,
        currency: scores.fit.currency.clone(),
        months: args.months,
        discount_rate: args.discount_rate,
        margin: args.margin,
        fit: &scores.fit.fit,
        spend_fit: scores.spend_fit.as_ref(),
        customers_scored: scores.len() as u64,
        total_clv: days.major(scores.clv_minor.iter().sum()),
        customers,
    };
    if args.json {
        output::print_json(&view)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_clv(&view);
    Ok(ExitCode::SUCCESS)
}

fn print_clv(view: &ClvView<'_>) {
    let currency = view.currency.as_deref().unwrap_or("");
    println!(
        "CLV over {} months at {} % a month, margin {} · purchases up to {} · {} customers worth {} {currency}",
        view.months,
        view.discount_rate * 100.0,
        view.margin,
        view.as_of,
        output::count(view.customers_scored),
        output::decimal(Some(view.total_clv), 2)
    );
    println!("Purchases: BG/NBD (weeks)");
    println!("{}", fit_table(view.fit));
    match view.spend_fit {
        Some(fit) => {
            println!("Spend per purchase day: Gamma-Gamma ({currency})");
            println!("{}", fit_table(fit));
        }
        None => println!(
            "Spend per purchase day: too few repeat buyers to fit Gamma-Gamma; the mean spend is used"
        ),
    }
    let mut table =
        output::table(&["id", "name", "e-mail", "x", "t_x", "T", "P(alive)", "purchases", "spend", "CLV"]);
    for c in &view.customers {
        table.add_row(customer_cells(
            c,
            &[
                format!("{:.3}", c.probability_alive),
                format!("{:.2}", c.expected_purchases),
                output::decimal(c.expected_spend, 2),
                output::decimal(c.clv, 2),
            ],
        ));
    }
    println!("Top {} by CLV ({currency}; x, t_x, T in weeks):", view.customers.len());
    println!("{table}");
}
