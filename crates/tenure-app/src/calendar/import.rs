//! Importing interactions from the interactions CSV (`docs/interactions-csv.md`), all or nothing:
//! every row is read and checked — its fields, then its customer — in one store transaction,
//! which commits only when no row was bad. Each row's key (its `id`, or a hash of its content)
//! makes importing the same file again change nothing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;

use serde::Serialize;
use tenure_domain::{CustomerId, CustomerRef, InteractionRecord, Timestamp};
use tenure_import::{Input, InteractionOptions, RowError};
use tenure_store::{Logged, Store};

use super::interactions::{LogRequest, describe, into_new};
use crate::AppError;
use crate::import::{CountingReader, Progress, Rejected};

/// Rows checked against the store at once.
const BATCH: usize = 256;

/// What an import of interactions did (or, when `committed` is false, would have done).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InteractionImportReport {
    /// Data rows read.
    pub rows_read: u64,
    /// Interactions written.
    pub added: u64,
    /// Rows whose key was stored before (an earlier import of the same rows).
    pub already_stored: u64,
    /// Every bad row.
    pub rejected: Vec<Rejected>,
    /// True when the import was written.
    pub committed: bool,
}

/// Imports the interactions CSV at `path`; `time_zone` reads date-times written without one.
pub fn import_file(
    store: &mut dyn Store,
    path: &Path,
    time_zone: chrono_tz::Tz,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<InteractionImportReport, AppError> {
    let file =
        std::fs::File::open(path).map_err(|source| AppError::File { path: path.to_path_buf(), source })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let reader = CountingReader { inner: file, bytes_read: Arc::clone(&bytes_read) };
    let name =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    progress.start(total);
    let report = import_input(store, Input::new(name, reader), time_zone, now, &|| {
        progress.update(bytes_read.load(Ordering::Relaxed));
    });
    progress.finish();
    report
}

/// Imports one input (a file, an upload); `tick` is called after every batch.
///
/// Two threads share the work: one reads and checks the rows (CSV, dates, keys), the other
/// resolves their customers and writes them. On ten million rows the reading took a third of
/// the time, which on a machine with two cores or more now passes while the database writes.
pub fn import_input(
    store: &mut dyn Store,
    input: Input,
    time_zone: chrono_tz::Tz,
    now: Timestamp,
    tick: &dyn Fn(),
) -> Result<InteractionImportReport, AppError> {
    let options = InteractionOptions { time_zone, now };
    let file = input.name.clone();
    let rows = tenure_import::interactions(input, &options)?;
    let mut session = store.begin_interaction_import(now)?;
    let mut report = InteractionImportReport::default();
    let (sender, chunks) = std::sync::mpsc::sync_channel::<Chunk>(CHUNKS_AHEAD);
    report.rows_read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_chunks(rows, &sender));
        // `chunks` goes with the loop: when a write fails, the reader's next send fails and it stops.
        let written = chunks.into_iter().try_for_each(|mut chunk| {
            report.rejected.extend(chunk.rejected.drain(..).map(Rejected::from));
            if !chunk.rows.is_empty() {
                write_batch(session.as_mut(), &file, &mut chunk.rows, &mut report)?;
                tick();
            }
            Ok::<(), AppError>(())
        });
        let rows_read =
            reader.join().map_err(|_| AppError::Invalid(format!("{file}: reading the rows failed")))?;
        written.map(|()| rows_read)
    })?;
    // A row's field errors came from the reader, its customer's from the writer: by line again.
    report.rejected.sort_by_key(|r| r.line);
    if report.rejected.is_empty() {
        session.commit()?;
        report.committed = true;
    } else {
        report.added = 0;
        report.already_stored = 0;
    }
    Ok(report)
}

/// Chunks read ahead of the writer (each [`BATCH`] rows): enough to keep both threads busy.
const CHUNKS_AHEAD: usize = 4;

/// Rows read and checked, in order, and the bad ones among them.
#[derive(Default)]
struct Chunk {
    rows: Vec<(u64, InteractionRecord)>,
    rejected: Vec<RowError>,
}

/// Reads every row into chunks for the writer; returns how many rows were read. Stops early
/// when the writer has stopped.
fn read_chunks(mut rows: tenure_import::Interactions, sender: &SyncSender<Chunk>) -> u64 {
    let mut chunk = Chunk::default();
    while let Some(item) = rows.next() {
        match item {
            Ok(record) => chunk.rows.push((rows.last_line(), record)),
            Err(bad) => chunk.rejected.push(bad),
        }
        if chunk.rows.len() == BATCH && sender.send(std::mem::take(&mut chunk)).is_err() {
            return rows.rows_read();
        }
    }
    if !chunk.rows.is_empty() || !chunk.rejected.is_empty() {
        // The writer may have stopped; then nothing more is wanted.
        let _ = sender.send(chunk);
    }
    rows.rows_read()
}

/// Resolves a batch's customers and logs the rows whose customer exists; the others are
/// rejected with their line. (Once a row is rejected nothing will be committed, but the rest is
/// still checked, so one run lists every bad row.)
fn write_batch(
    session: &mut (dyn tenure_store::InteractionImport + '_),
    file: &str,
    batch: &mut Vec<(u64, InteractionRecord)>,
    report: &mut InteractionImportReport,
) -> Result<(), AppError> {
    // The references are taken out of the records (which need them no more), not copied.
    let refs: Vec<CustomerRef> = batch
        .iter_mut()
        .map(|(_, record)| std::mem::replace(&mut record.customer, CustomerRef::Id(CustomerId(0))))
        .collect();
    let customers = session.resolve(&refs)?;
    let links = LogRequest {
        record: batch[0].1.clone(),
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some("import".into()),
    };
    let mut new = Vec::with_capacity(batch.len());
    for (((line, record), customer), reference) in batch.drain(..).zip(customers).zip(&refs) {
        match customer {
            Some(customer) => new.push(into_new(record, customer, &links)),
            None => report.rejected.push(
                RowError::new(
                    file,
                    line,
                    customer_column(reference),
                    format!("no {} is stored", describe(reference)),
                )
                .into(),
            ),
        }
    }
    if report.rejected.is_empty() {
        for logged in session.log(&new)? {
            match logged {
                Logged::New(_) => report.added += 1,
                Logged::Existing(_) => report.already_stored += 1,
            }
        }
    }
    Ok(())
}

/// The documented column a record's customer came from.
fn customer_column(reference: &CustomerRef) -> &'static str {
    match reference {
        tenure_domain::CustomerRef::Id(_) => "customer",
        tenure_domain::CustomerRef::Email(_) => "email",
        tenure_domain::CustomerRef::Identity { .. } => "source_customer_id",
    }
}
