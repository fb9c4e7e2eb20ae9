//! Importing shop exports into the store, all or nothing.
//!
//! Every input is parsed in one streaming pass into one store transaction. Bad rows are collected
//! (every one of them, with file, line, column and reason); at the end the transaction commits
//! only if there were none — or if the caller asked to skip them and the inputs were read to the
//! end. A crash or kill at any moment leaves the store as before: the transaction never committed.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tenure_domain::{SourceName, Timestamp};
use tenure_import::{CdnowOrderIds, Format, IdCounters, ImportOptions, Input, RowError};
use tenure_store::Store;

use crate::AppError;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The export format of every file.
    pub format: Format,
    /// The files (for Etsy: the sold-orders file and optionally its order-items file).
    pub paths: Vec<PathBuf>,
    /// The source the records belong to; defaults to the format's name (`etsy`, `csv`, …).
    pub source: Option<SourceName>,
    /// Import the valid rows and list the bad ones, instead of refusing the whole import.
    pub skip_invalid: bool,
    /// Format options (OpenCart sale statuses, CSV mapping); their `time_zone` is replaced by
    /// the zone [`ImportRequest::time_zone`] resolves to.
    pub options: ImportOptions,
    /// The zone of times the files write without one (OpenCart's `date_added`). Named here, it is
    /// remembered for the source; `None` uses the source's remembered zone, or UTC.
    pub time_zone: Option<chrono_tz::Tz>,
}

impl ImportRequest {
    /// The source the records go to: the one named, or the format's name.
    fn source(&self) -> SourceName {
        match &self.source {
            Some(source) => source.clone(),
            None => SourceName::parse(self.format.as_str()).expect("format names are valid source names"),
        }
    }
}

/// The zone of this import's zone-less times: the request's, which is then remembered for the
/// source (before the import, so that a refused import's next attempt reads alike), else the one
/// remembered, else UTC.
fn resolve_time_zone(
    store: &mut dyn Store,
    request: &ImportRequest,
    now: Timestamp,
) -> Result<chrono_tz::Tz, AppError> {
    let source = request.source();
    if let Some(zone) = request.time_zone {
        store.set_source_time_zone(&source, zone.name(), now)?;
        return Ok(zone);
    }
    match store.source_time_zone(&source)? {
        Some(name) => name.parse().map_err(|_| {
            AppError::Invalid(format!("source `{source}` has an unknown time zone `{name}` on record"))
        }),
        None => Ok(chrono_tz::Tz::UTC),
    }
}

/// How the source's derived CDNOW order ids write customer numbers: as its earlier imports did
/// (unpadded for sources created before padding), padded for a new source.
fn cdnow_order_ids(store: &mut dyn Store, request: &ImportRequest) -> Result<CdnowOrderIds, AppError> {
    Ok(if store.source_unpadded_order_ids(&request.source())? {
        CdnowOrderIds::Unpadded
    } else {
        CdnowOrderIds::Padded
    })
}

/// One rejected row, as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The input's name.
    pub file: String,
    /// 1-based line, header included.
    pub line: u64,
    /// The column at fault (empty when the whole row is).
    pub column: String,
    /// Why.
    pub reason: String,
}

impl From<RowError> for Rejected {
    fn from(error: RowError) -> Self {
        Rejected { file: error.file, line: error.line, column: error.column, reason: error.reason }
    }
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if !self.column.is_empty() {
            write!(f, "column {}: ", self.column)?;
        }
        f.write_str(&self.reason)
    }
}

/// What an import did (or, when `committed` is false, would have done: nothing was written).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The source the records went to.
    pub source: String,
    /// Data rows read (headers excluded).
    pub rows_read: u64,
    /// New orders.
    pub orders_added: u64,
    /// Orders already stored exactly so.
    pub orders_unchanged: u64,
    /// Orders already stored that the file reports differently now (a refund, a cancellation).
    pub orders_updated: u64,
    /// New customers.
    pub customers_added: u64,
    /// New identities that joined an existing customer with the same e-mail.
    pub customers_merged: u64,
    /// Abandoned checkouts seen (counted, never stored).
    pub abandoned_checkouts: u64,
    /// Rows of customers whose data was erased: left out, so they are not brought back.
    pub records_of_erased: u64,
    /// Every bad row.
    pub rejected: Vec<Rejected>,
    /// True when the import was written; false when it was refused because of bad rows.
    pub committed: bool,
    /// True when model scores were refitted and stored after the import
    /// ([`crate::models::refresh_after_import`]).
    pub scores_refreshed: bool,
}

/// Reports how far through the inputs an import is, in bytes (for a progress bar).
pub trait Progress {
    /// The import starts; `total_bytes` is the size of all inputs (0 when unknown).
    fn start(&self, total_bytes: u64);
    /// `bytes_read` bytes of the inputs have been consumed so far.
    fn update(&self, bytes_read: u64);
    /// The import is over (written or not).
    fn finish(&self);
}

/// No progress display (tests, piped output).
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total_bytes: u64) {}
    fn update(&self, _bytes_read: u64) {}
    fn finish(&self) {}
}

/// The format the file at `path` looks like, judged by its first bytes (see
/// [`tenure_import::sniff`]); `None` when it looks like none of them.
pub fn detect_format(path: &Path) -> Result<Option<Format>, AppError> {
    let file = File::open(path).map_err(|source| AppError::File { path: path.to_path_buf(), source })?;
    let mut start = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut start)
        .map_err(|source| AppError::File { path: path.to_path_buf(), source })?;
    Ok(tenure_import::sniff(&start))
}

/// How much of a file [`detect_format`] reads: a header line of any export fits.
const SNIFF_BYTES: usize = 8 * 1024;

/// How often, in records, progress is reported.
const PROGRESS_EVERY: u64 = 4096;

/// Imports the files of `request` into `store`; see the module docs for the all-or-nothing rule.
///
/// Files without order ids (CDNOW, a CSV without an order column) are read keeping only the id
/// counts an input ordered by customer or by date still needs ([`IdCounters::Ordered`]: bounded
/// memory). A file in neither order stops that reading; the transaction is dropped and the files
/// are read again from the start, keeping every count ([`IdCounters::All`]).
pub fn import_files(
    store: &mut dyn Store,
    request: &ImportRequest,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    let time_zone = resolve_time_zone(store, request, now)?;
    let cdnow_order_ids = cdnow_order_ids(store, request)?;
    for id_counters in [IdCounters::Ordered, IdCounters::All] {
        let options = ImportOptions { id_counters, time_zone, cdnow_order_ids, ..request.options.clone() };
        let bytes_read = Arc::new(AtomicU64::new(0));
        let (inputs, total_bytes) = open_inputs(&request.paths, &bytes_read)?;
        let watched = Watched { inputs, total_bytes, bytes_read };
        if let Imported::Report(report) = import_watched(store, request, &options, watched, now, progress)? {
            return Ok(report);
        }
    }
    Err(never_unordered())
}

/// What a reading keeping every id count would answer if it stopped for the order of its rows,
/// which it never does.
fn never_unordered() -> AppError {
    AppError::Invalid("an import keeping every order id count stopped for the order of its rows".into())
}

/// Imports already opened `inputs` (an upload, bundled demo data); `request.paths` is ignored.
/// They cannot be read twice, so derived ids keep every count ([`IdCounters::All`]).
pub fn import_inputs(
    store: &mut dyn Store,
    request: &ImportRequest,
    inputs: Vec<Input>,
    now: Timestamp,
) -> Result<ImportReport, AppError> {
    let watched = Watched { inputs, total_bytes: 0, bytes_read: Arc::new(AtomicU64::new(0)) };
    let time_zone = resolve_time_zone(store, request, now)?;
    let cdnow_order_ids = cdnow_order_ids(store, request)?;
    let options =
        ImportOptions { id_counters: IdCounters::All, time_zone, cdnow_order_ids, ..request.options.clone() };
    match import_watched(store, request, &options, watched, now, &NoProgress)? {
        Imported::Report(report) => Ok(report),
        Imported::Unordered => Err(never_unordered()),
    }
}

/// How one reading of the inputs ended.
enum Imported {
    /// Written, or refused for bad rows: the report says which.
    Report(ImportReport),
    /// An input read with [`IdCounters::Ordered`] is in no order those counts serve; nothing
    /// was written. Read it again with [`IdCounters::All`].
    Unordered,
}

/// Inputs with a byte counter for progress.
struct Watched {
    inputs: Vec<Input>,
    total_bytes: u64,
    bytes_read: Arc<AtomicU64>,
}

fn import_watched(
    store: &mut dyn Store,
    request: &ImportRequest,
    options: &ImportOptions,
    watched: Watched,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<Imported, AppError> {
    let source = request.source();
    let mut records = tenure_import::records(request.format, watched.inputs, options)?;
    progress.start(watched.total_bytes);
    let mut report = ImportReport { source: source.to_string(), ..ImportReport::default() };
    let mut session = store.begin_import(&source, now)?;
    let mut unreadable = false;
    for (n, item) in records.by_ref().enumerate() {
        match item {
            Ok(record) => {
                // Once the import is refused, keep parsing only to list every bad row.
                if report.rejected.is_empty() || request.skip_invalid {
                    session.ingest(record)?;
                }
            }
            Err(error) if error.unordered => {
                // Dropping the session rolls back what this reading wrote; the progress goes on
                // with the next reading, from the start.
                drop(session);
                return Ok(Imported::Unordered);
            }
            Err(error) => {
                unreadable |= error.fatal;
                report.rejected.push(error.into());
            }
        }
        if (n as u64).is_multiple_of(PROGRESS_EVERY) {
            progress.update(watched.bytes_read.load(Ordering::Relaxed));
        }
    }
    let summary = records.summary();
    report.rows_read = summary.rows_read;
    report.abandoned_checkouts = summary.abandoned_checkouts;
    report.committed = !unreadable && (report.rejected.is_empty() || request.skip_invalid);
    if report.committed {
        let counts = session.commit()?;
        report.orders_added = counts.orders_added;
        report.orders_unchanged = counts.orders_unchanged;
        report.orders_updated = counts.orders_updated;
        report.customers_added = counts.customers_added;
        report.customers_merged = counts.customers_merged;
        report.records_of_erased = counts.records_of_erased;
    } else {
        // Dropping the session rolls the transaction back: a refused import adds nothing.
        drop(session);
    }
    progress.finish();
    Ok(Imported::Report(report))
}

fn open_inputs(paths: &[PathBuf], bytes_read: &Arc<AtomicU64>) -> Result<(Vec<Input>, u64), AppError> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut total = 0;
    for path in paths {
        let file = File::open(path).map_err(|source| AppError::File { path: path.clone(), source })?;
        total += file.metadata().map(|m| m.len()).unwrap_or(0);
        let name = path.display().to_string();
        inputs.push(Input::new(name, CountingReader { inner: file, bytes_read: Arc::clone(bytes_read) }));
    }
    Ok((inputs, total))
}

/// Counts the bytes that pass through, for the progress bar.
/// A reader that counts the bytes read through it (for progress bars).
pub(crate) struct CountingReader<R> {
    pub(crate) inner: R,
    pub(crate) bytes_read: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
