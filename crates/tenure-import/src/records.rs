//! The stream of parsed records handed to the caller: one record source per input, read one
//! after the other, with the counts the caller shows at the end.

use std::collections::VecDeque;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Records>();
        assert_send::<crate::ImportError>();
    }
}
