//! `tenure import`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::AppError;
use tenure_app::import::{ImportReport, ImportRequest, detect_format, import_files};
use tenure_app::models::refresh_after_import;
use tenure_domain::SourceName;
use tenure_import::{CsvMapping, Format, ImportOptions};

use crate::cli::{FormatArg, ImportArgs};
use crate::progress::Display;
use crate::{EXIT_INVALID_INPUT, output};

/// Imports the files; exits with [`EXIT_INVALID_INPUT`] when bad rows stopped the import.
pub fn run(url: &str, timezone: &str, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let request = ImportRequest {
        format: format(args)?,
        paths: args.files.clone(),
        source: args.source.as_deref().map(SourceName::parse).transpose()?,
        skip_invalid: args.skip_invalid,
        options: options(args)?,
        time_zone: match &args.source_time_zone {
            Some(name) => {
                Some(tenure_app::reports::ShopTimeZone::parse(name).context("--source-time-zone")?.zone())
            }
            None => None,
        },
    };
    let mut store = super::open_store(url)?;
    let mut report = import_files(store.as_mut(), &request, chrono::Utc::now(), &Display::new(args.progress))
        .map_err(|error| with_format_hint(error, &request))
        .context("importing")?;
    record_import(store.as_mut(), &request, &report)?;
    if !args.no_refresh {
        refresh(store.as_mut(), timezone, &mut report)?;
    }
    if args.json {
        output::print_json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(if report.committed { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INVALID_INPUT) })
}

/// Puts the import in the audit log (written or refused, with its counts).
fn record_import(
    store: &mut dyn tenure_store::Store,
    request: &ImportRequest,
    report: &ImportReport,
) -> anyhow::Result<()> {
    use tenure_app::audit::{self, Actor};
    let files: Vec<String> = request.paths.iter().map(|p| p.display().to_string()).collect();
    let action = audit::import_action(report, files.join(", "));
    audit::record(store, &Actor::cli(), action, chrono::Utc::now())?;
    Ok(())
}

/// Refits the model scores after a committed import that changed orders. The import is written
/// already, so a failed refit is a warning, not an error.
fn refresh(
    store: &mut dyn tenure_store::Store,
    timezone: &str,
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    let scope = super::report::scope(timezone, None)?;
    if let Err(error) = refresh_after_import(store, &scope, report) {
        eprintln!("warning: the orders were imported, but the model scores could not be refreshed: {error}");
    }
    Ok(())
}

/// When a file cannot be read as the format asked for, says which format it looks like.
fn with_format_hint(error: AppError, request: &ImportRequest) -> anyhow::Error {
    let looks_like = match (&error, request.paths.first()) {
        (AppError::Import(_), Some(path)) => detect_format(path).ok().flatten().map(|f| (f, path)),
        _ => None,
    };
    match looks_like {
        Some((guess, path)) if guess != request.format => anyhow::Error::new(error)
            .context(format!("{} looks like a {guess} export: try --format {guess}", path.display())),
        _ => error.into(),
    }
}

/// The format asked for, or the one the first file looks like (`--format auto`).
fn format(args: &ImportArgs) -> anyhow::Result<Format> {
    Ok(match args.format {
        FormatArg::Auto => {
            let first = args.files.first().context("no file to import")?;
            detect_format(first)?.with_context(|| {
                format!(
                    "cannot tell the format of {} from its first line: give --format (cdnow, etsy, shopify, \
                     opencart, woocommerce, or csv with a column mapping)",
                    first.display()
                )
            })?
        }
        FormatArg::Cdnow => Format::Cdnow,
        FormatArg::Etsy => Format::Etsy,
        FormatArg::Shopify => Format::Shopify,
        FormatArg::Opencart => Format::Opencart,
        FormatArg::Woocommerce => Format::Woocommerce,
        FormatArg::Csv => Format::Csv,
    })
}

fn options(args: &ImportArgs) -> anyhow::Result<ImportOptions> {
    let mut options = ImportOptions::default();
    if let Some(statuses) = &args.opencart_sale_statuses {
        options.opencart_sale_statuses.clone_from(statuses);
    }
    options.csv_mapping = match (&args.map, &args.mapping) {
        (Some(pairs), _) => Some(CsvMapping::from_pairs(pairs)?),
        (None, Some(path)) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let mapping: CsvMapping = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a column mapping", path.display()))?;
            mapping.validate()?;
            Some(mapping)
        }
        (None, None) => None,
    };
    if args.format == FormatArg::Csv && options.csv_mapping.is_none() {
        anyhow::bail!("--format csv needs a column mapping: --map FIELD=COLUMN,… or --mapping FILE");
    }
    Ok(options)
}

fn print_report(report: &ImportReport) {
    for rejected in &report.rejected {
        eprintln!("{rejected}");
    }
    if !report.committed {
        eprintln!(
            "error: {} invalid row(s) in {} rows read; nothing was imported (use --skip-invalid to import the valid rows)",
            output::count(report.rejected.len() as u64),
            output::count(report.rows_read)
        );
        return;
    }
    println!("Imported into source `{}`: {} rows read.", report.source, output::count(report.rows_read));
    println!(
        "  orders:    {} added, {} unchanged, {} updated",
        output::count(report.orders_added),
        output::count(report.orders_unchanged),
        output::count(report.orders_updated)
    );
    println!(
        "  customers: {} added, {} joined an existing customer by e-mail",
        output::count(report.customers_added),
        output::count(report.customers_merged)
    );
    if report.records_of_erased > 0 {
        println!(
            "  erased customers: {} rows left out (their data was erased; they are not brought back)",
            output::count(report.records_of_erased)
        );
    }
    if report.scores_refreshed {
        println!("  model scores (probability alive, CLV) refreshed as of the last purchase day");
    }
    if report.abandoned_checkouts > 0 {
        println!(
            "  abandoned checkouts: {} (counted, not stored)",
            output::count(report.abandoned_checkouts)
        );
    }
    if !report.rejected.is_empty() {
        println!("  skipped {} invalid row(s), listed above.", output::count(report.rejected.len() as u64));
    }
}
