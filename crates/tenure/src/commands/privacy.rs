//! `tenure customers export | erase | retention`: a customer's data rights at the command line,
//! each recorded in the audit log as done by `cli`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use tenure_app::audit::Actor;
use tenure_app::privacy;
use tenure_domain::CustomerId;
use tenure_store::Store;

use crate::output;

/// `tenure customers export ID [--output FILE]`.
pub fn export(store: &mut dyn Store, id: i64, file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let document = privacy::export_customer(store, CustomerId(id), &Actor::cli(), chrono::Utc::now())
        .with_context(|| format!("exporting customer {id}"))?;
    let json = serde_json::to_string_pretty(&document)?;
    match file {
        Some(path) => {
            std::fs::write(&path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "Customer {id}: {} rows from {} tables written to {}.",
                output::count(document.rows()),
                document.tables.len(),
                path.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `tenure customers erase ID --yes [--json]`.
pub fn erase(store: &mut dyn Store, id: i64, yes: bool, json: bool) -> anyhow::Result<ExitCode> {
    if !yes {
        eprintln!(
            "Erasing customer {id} removes their name, e-mail, free text and the shops' ids for them \
             everywhere, for good. Run again with --yes to do it."
        );
        return Ok(ExitCode::from(2));
    }
    let erasure = privacy::erase_customer(store, CustomerId(id), &Actor::cli(), chrono::Utc::now())
        .with_context(|| format!("erasing customer {id}"))?;
    if json {
        output::print_json(&erasure)?;
    } else if !erasure.erased_now {
        println!("Customer {id} was erased before: nothing left to erase.");
    } else {
        let rows: u64 = erasure.rows.values().sum();
        println!(
            "Customer {id} erased: {} rows changed in {} tables; {} addresses suppressed for good.",
            output::count(rows),
            erasure.rows.len(),
            erasure.addresses_suppressed
        );
        println!("Their orders' dates and amounts stay, so reports keep their totals.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `tenure customers retention [--years N | --off] [--now] [--json]`.
pub fn retention(
    store: &mut dyn Store,
    years: Option<u32>,
    off: bool,
    now: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let at = chrono::Utc::now();
    if years.is_some() || off {
        privacy::set_retention_years(store, years, &Actor::cli(), at)?;
    }
    let run = if now { Some(privacy::run_retention(store, &Actor::cli(), at)?) } else { None };
    let setting = privacy::retention_years(store)?;
    if json {
        output::print_json(&serde_json::json!({ "years": setting, "run": run }))?;
        return Ok(ExitCode::SUCCESS);
    }
    match setting {
        Some(years) => {
            println!("Retention: customers inactive for {years} years are erased by the nightly job (02:30).")
        }
        None => println!("Retention is off: nobody is erased for being inactive (set it with --years N)."),
    }
    if let Some(run) = run {
        println!("Erased now: {} customers.", output::count(run.erased));
    }
    Ok(ExitCode::SUCCESS)
}
