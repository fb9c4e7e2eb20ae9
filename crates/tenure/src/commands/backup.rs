//! `tenure backup FILE` and `tenure restore FILE --yes`: the SQLite database copied while the
//! server runs, and put back, each checked and recorded in the audit log.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::audit::{self, Action, Actor};
use tenure_store::BackupReport;

use crate::cli::{BackupArgs, RestoreArgs};
use crate::output;

/// `tenure backup FILE [--json]`.
pub fn backup(url: &str, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let report = tenure_store::backup_sqlite(url, &args.file).context("backing up")?;
    record(url, "backup", &report)?;
    show(&report, args.json, "Backup written")
}

/// `tenure restore FILE --yes [--json]`.
pub fn restore(url: &str, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    if !args.yes {
        eprintln!(
            "Restoring replaces everything in the database with {}. Stop the server, then run again \
             with --yes.",
            args.file.display()
        );
        return Ok(ExitCode::from(2));
    }
    let report = tenure_store::restore_sqlite(&args.file, url).context("restoring")?;
    record(url, "restore", &report)?;
    show(&report, args.json, "Database restored")
}

/// Records the backup or restore in the (restored) database's audit log.
fn record(url: &str, action: &'static str, report: &BackupReport) -> anyhow::Result<()> {
    let mut store = super::open_store(url)?;
    let detail = serde_json::json!({ "schema_version": report.schema_version, "bytes": report.bytes });
    let entry = Action::done(action)
        .on(report.file.display().to_string())
        .rows(report.orders.unsigned_abs())
        .detail(detail);
    audit::record(store.as_mut(), &Actor::cli(), entry, chrono::Utc::now())?;
    Ok(())
}

fn show(report: &BackupReport, json: bool, what: &str) -> anyhow::Result<ExitCode> {
    if json {
        output::print_json(report)?;
    } else {
        println!(
            "{what}: {} ({} bytes): {} customers, {} orders, schema {}; integrity check: {}.",
            report.file.display(),
            output::count(report.bytes),
            output::count(report.customers.unsigned_abs()),
            output::count(report.orders.unsigned_abs()),
            report.schema_version,
            report.integrity
        );
    }
    Ok(ExitCode::SUCCESS)
}
