//! `tenure demo`: the bundled CDNOW purchases, imported into an embedded SQLite file and
//! summarised. (The web issue turns this into the dashboard.)

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::import::{ImportRequest, import_inputs};
use tenure_app::models::refresh_after_import;
use tenure_import::{Format, ImportOptions, Input};
use tenure_store::CustomerQuery;

use crate::cli::DemoArgs;
use crate::output;

/// CDNOW's 69,659 purchases of 23,570 customers, 1997-01 to 1998-06 (see data/README.md).
const CDNOW_MASTER: &[u8] = include_bytes!("../../../../data/cdnow/CDNOW_master.txt");

/// Imports the bundled data and prints the summary and the first customers.
pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let url = format!("sqlite:{}", args.file.display());
    let mut store = super::open_store(&url)?;
    let request = ImportRequest {
        format: Format::Cdnow,
        paths: vec![],
        source: None,
        skip_invalid: false,
        options: ImportOptions::default(),
    };
    let input = Input::from_bytes("CDNOW_master.txt (bundled)", CDNOW_MASTER);
    let mut report = import_inputs(store.as_mut(), &request, vec![input], chrono::Utc::now())
        .context("importing the bundled CDNOW data")?;
    let scope = super::report::scope("UTC", None)?;
    refresh_after_import(store.as_mut(), &scope, &mut report)
        .context("fitting the models to the demo data")?;
    println!(
        "Demo database {}: {} orders added, {} already there.",
        args.file.display(),
        output::count(report.orders_added),
        output::count(report.orders_unchanged)
    );
    let stats = store.stats().context("reading the summary")?;
    println!("{}", output::stats_table(&stats));
    if report.scores_refreshed {
        println!("Model scores (probability alive, CLV) fitted as of the last purchase day.");
    }
    let first = store.customers(&CustomerQuery { after: None, limit: 5 }).context("listing customers")?;
    if let Some(customer) = first.first() {
        println!("Next, for example:");
        for example in [
            "report cohorts".to_string(),
            "report segments --as-of 1998-06-30".to_string(),
            "report lifecycle --as-of 1998-06-30".to_string(),
            "clv --as-of 1998-06-30 --months 12 --discount-rate 0.01".to_string(),
            format!("customers show {}", customer.id),
        ] {
            println!("  tenure --db {url} {example}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
