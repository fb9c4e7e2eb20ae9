//! The stream of parsed records handed to the caller: one record source per input, read one
//! after the other, with the counts the caller shows at the end.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::{Datelike, NaiveDate};
use tenure_domain::ImportRecord;

use crate::error::RowError;

/// What one pass over the inputs saw besides the records themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows read from all inputs (header lines excluded; bad rows, abandoned checkouts and
    /// item rows included; for WooCommerce, order objects).
    pub rows_read: u64,
    /// Abandoned checkouts (OpenCart status 0, WooCommerce `checkout-draft`): read, not records.
    pub abandoned_checkouts: u64,
}

impl std::ops::AddAssign for Summary {
    fn add_assign(&mut self, other: Summary) {
        self.rows_read += other.rows_read;
        self.abandoned_checkouts += other.abandoned_checkouts;
    }
}

/// One input's parser: yields its records and bad rows, then reports its counts.
pub(crate) trait RecordSource: Send {
    /// The next record or bad row; `None` at the end of the input.
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>>;
    /// Counts so far.
    fn summary(&self) -> Summary;
}

/// The records of every input, in input order, streamed: only the current record (and, for
/// Etsy, the items file) is held in memory.
///
/// Each `Err` is one bad row; iteration continues after it. An error with
/// [`RowError::fatal`] set ends its input early.
pub struct Records {
    sources: VecDeque<Box<dyn RecordSource>>,
    finished: Summary,
    pending_errors: VecDeque<RowError>,
}

impl Records {
    pub(crate) fn new(sources: Vec<Box<dyn RecordSource>>, pending_errors: Vec<RowError>) -> Self {
        Records {
            sources: sources.into(),
            finished: Summary::default(),
            pending_errors: pending_errors.into(),
        }
    }

    /// Rows read and abandoned checkouts skipped; complete once iteration has ended.
    pub fn summary(&self) -> Summary {
        let mut summary = self.finished;
        for source in &self.sources {
            summary += source.summary();
        }
        summary
    }
}

impl Iterator for Records {
    type Item = Result<ImportRecord, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(error) = self.pending_errors.pop_front() {
            return Some(Err(error));
        }
        loop {
            let source = self.sources.front_mut()?;
            if let Some(item) = source.next_record() {
                return Some(item);
            }
            let done = self.sources.pop_front().expect("front_mut just returned a source");
            self.finished += done.summary();
        }
    }
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("inputs_left", &self.sources.len())
            .field("summary", &self.summary())
            .finish()
    }
}

/// Deterministic order ids for sources without one: `{customer}-{yyyymmdd}-{n}`, where n counts
/// the rows of that customer on that day so far in the file (1, 2, …). The same file always
/// yields the same ids, so re-importing it adds nothing; several purchases of one customer on
/// one day stay separate orders.
///
/// Holds one entry per (customer, day) seen in the file: a 64-bit hash of the pair and its count,
/// about 16 bytes, so a 10-million-row file needs some 200 MB at most. Two pairs sharing a hash
/// (odds about n²/2⁶⁵) would only shift a counter; the id still names customer and day, so it
/// stays unique and the same on every import of the file.
#[derive(Debug, Default)]
pub(crate) struct DerivedIds {
    seen: HashMap<u64, u32, BuildHasherDefault<PassThroughHasher>>,
}

impl DerivedIds {
    /// The id of the next row of `customer` on `day`.
    pub fn next(&mut self, customer: &str, day: NaiveDate) -> String {
        // `DefaultHasher::new()` has fixed keys: the same pair hashes the same in every run.
        let mut hasher = DefaultHasher::new();
        (customer, day).hash(&mut hasher);
        let count = self.seen.entry(hasher.finish()).or_insert(0);
        *count += 1;
        let mut id = String::with_capacity(customer.len() + 12);
        write!(id, "{customer}-{:04}{:02}{:02}-{count}", day.year(), day.month(), day.day())
            .expect("writing to a String cannot fail");
        id
    }
}

/// A hasher for keys that are already hashes.
#[derive(Debug, Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Records>();
        assert_send::<crate::ImportError>();
    }

    #[test]
    fn derived_ids_count_purchases_of_one_customer_on_one_day() {
        let mut ids = DerivedIds::default();
        let day = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
        let other = NaiveDate::from_ymd_opt(1997, 1, 2).unwrap();
        assert_eq!(ids.next("4", day), "4-19970101-1");
        assert_eq!(ids.next("4", day), "4-19970101-2");
        assert_eq!(ids.next("4", other), "4-19970102-1");
        assert_eq!(ids.next("5", day), "5-19970101-1");
    }
}
