//! Reads the responses CSV (format: the `responses` module doc) straight into columns: one reused record,
//! each cell parsed in place and pushed onto the column its header named (`csv_plan.rs`), checked
//! as a form answer would be. No per-row maps or strings.

use std::io::Read;
use std::sync::mpsc;

use crate::definition::{MAX_TEXT_CHARS, SurveyDefinition};
use crate::responses::csv_format::{CsvError, unneutralise};
use crate::responses::csv_plan::{Layout, Plan, Slot, plan};
use crate::responses::{Column, ResponseSet, SKIPPED, TextColumn, bit};
use crate::time::parse_rfc3339;

/// Records read and checked together: cells are parsed column by column within a batch, which
/// keeps each column's writes together (about twice as fast as row by row).
const BATCH: usize = 256;
/// Batches in flight between the two threads.
const IN_FLIGHT: usize = 4;

/// A batch of records; the first `filled` are this round's.
struct Batch {
    records: Vec<csv::ByteRecord>,
    filled: usize,
}

/// Reads a responses CSV against its definition, streaming: a few batches of records in memory
/// besides the columns. See the `responses` module doc for the format and the errors, which name line
/// and column; the error is always the first bad cell in file order.
///
/// Two threads: this one splits the input into records (the csv crate), a scoped helper checks
/// the cells and fills the columns, so both halves of the work overlap. `input` stays on this
/// thread, so it need not be `Send`.
pub fn read_responses_csv<R: Read>(def: &SurveyDefinition, input: R) -> Result<ResponseSet, CsvError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
    let header = reader.byte_headers().map_err(csv_error)?.clone();
    let plan = plan(def, &header)?;
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    for _ in 0..IN_FLIGHT {
        // The receiver is alive: it is dropped only at the end of this function.
        let _ = empty_tx.send(Batch { records: vec![csv::ByteRecord::new(); BATCH], filled: 0 });
    }
    let (columns, failure) = std::thread::scope(|scope| {
        let plan = &plan;
        let worker = scope.spawn(move || -> Result<Columns, CsvError> {
            let mut columns = Columns::new(plan);
            for batch in full_rx {
                columns.push_batch(plan, &batch.records[..batch.filled])?;
                // When this fails the reader has stopped; nothing more will come.
                let _ = empty_tx.send(batch);
            }
            Ok(columns)
        });
        let mut failure = None;
        // Ends when the input ends or fails, or when the worker stopped at a bad cell.
        while let Ok(mut batch) = empty_rx.recv() {
            batch.filled = 0;
            while batch.filled < BATCH {
                match reader.read_byte_record(&mut batch.records[batch.filled]) {
                    Ok(true) => batch.filled += 1,
                    Ok(false) => break,
                    Err(e) => {
                        failure = Some(csv_error(e));
                        break;
                    }
                }
            }
            let last = batch.filled < BATCH;
            if full_tx.send(batch).is_err() || last {
                break;
            }
        }
        drop(full_tx);
        let columns = worker.join().unwrap_or_else(|_| Err(CsvError::new(0, "", "the cell checker stopped")));
        (columns, failure)
    });
    // A bad cell comes before a broken record: the worker only saw records before it.
    let columns = columns?;
    match failure {
        Some(e) => Err(e),
        None => Ok(columns.finish(def, &plan)),
    }
}

fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

fn csv_error(e: csv::Error) -> CsvError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            CsvError::new(line, "", format!("{len} fields where the header has {expected_len}"))
        }
        _ => CsvError::new(line, "", e.to_string()),
    }
}

/// The columns of the file's records read so far.
struct Columns {
    response_ids: TextColumn,
    customers: TextColumn,
    submitted_at: Vec<i64>,
    bytes: Vec<Vec<u8>>,
    sets: Vec<Vec<u64>>,
    texts: Vec<TextColumn>,
}

impl Columns {
    fn new(plan: &Plan) -> Columns {
        let [bytes, sets, texts] = plan.counts;
        Columns {
            response_ids: TextColumn::default(),
            customers: TextColumn::default(),
            submitted_at: Vec::new(),
            bytes: vec![Vec::new(); bytes],
            sets: vec![Vec::new(); sets],
            texts: vec![TextColumn::default(); texts],
        }
    }

    /// Pushes a batch of records, column by column. On a bad cell the batch is checked again row
    /// by row, so that the error reported is the first in file order.
    fn push_batch(&mut self, plan: &Plan, records: &[csv::ByteRecord]) -> Result<(), CsvError> {
        if let Err(e) = self.push_columns(plan, records) {
            let mut again = Columns::new(plan);
            for record in records {
                again.push_record(plan, record, line_of(record))?;
            }
            return Err(e);
        }
        Ok(())
    }

    fn push_columns(&mut self, plan: &Plan, records: &[csv::ByteRecord]) -> Result<(), CsvError> {
        let start = self.submitted_at.len();
        for (i, slot) in plan.slots.iter().enumerate() {
            let err = |r: usize, reason: String| CsvError::new(line_of(&records[r]), &plan.names[i], reason);
            let cells = records.iter().map(|record| record.get(i).unwrap_or_default()).enumerate();
            if let Slot::Point { column, low, high } = *slot {
                // The common case gets a loop of its own.
                let v = &mut self.bytes[column];
                v.reserve(records.len());
                for (r, raw) in cells {
                    v.push(match *raw {
                        [] => SKIPPED,
                        [d] if d.is_ascii_digit() && (low..=high).contains(&(d - b'0')) => d - b'0',
                        _ => point(raw, low, high).map_err(|e| err(r, e))?,
                    });
                }
            } else {
                for (r, raw) in cells {
                    self.push_cell(plan, i, raw).map_err(|e| err(r, e))?;
                }
            }
        }
        if !plan.has_customer {
            records.iter().for_each(|_| self.customers.push(None));
        }
        self.check_pairs(plan, start, |r| line_of(&records[r]))
    }

    /// Pushes one record's cells; the first bad cell is the error.
    fn push_record(&mut self, plan: &Plan, record: &csv::ByteRecord, line: u64) -> Result<(), CsvError> {
        let start = self.submitted_at.len();
        for (i, raw) in record.iter().enumerate() {
            self.push_cell(plan, i, raw).map_err(|reason| CsvError::new(line, &plan.names[i], reason))?;
        }
        if !plan.has_customer {
            self.customers.push(None);
        }
        self.check_pairs(plan, start, |_| line)
    }

    /// A pair answered on one side only, in the rows from `start` on, is an error naming the
    /// empty side's column.
    fn check_pairs(&self, plan: &Plan, start: usize, line: impl Fn(usize) -> u64) -> Result<(), CsvError> {
        for &[e, p, ce, cp] in &plan.pairs {
            let (es, ps) = (&self.bytes[e][start..], &self.bytes[p][start..]);
            if let Some(r) = es.iter().zip(ps).position(|(&e, &p)| (e == SKIPPED) != (p == SKIPPED)) {
                let empty = if es[r] == SKIPPED { ce } else { cp };
                return Err(CsvError::new(
                    line(r),
                    &plan.names[empty],
                    "is empty but the other side of the pair is not",
                ));
            }
        }
        Ok(())
    }

    /// Pushes the cell of CSV column `i` onto its column.
    fn push_cell(&mut self, plan: &Plan, i: usize, raw: &[u8]) -> Result<(), String> {
        match plan.slots[i] {
            Slot::Point { column, low, high } => {
                let value = if raw.is_empty() { SKIPPED } else { point(raw, low, high)? };
                self.bytes[column].push(value);
            }
            Slot::Single { question, column } => {
                let value =
                    if raw.is_empty() { SKIPPED } else { option(raw, &plan.options[question])? as u8 };
                self.bytes[column].push(value);
            }
            Slot::Multi { question, column } => {
                let set = if raw.is_empty() { 0 } else { options(raw, &plan.options[question])? };
                self.sets[column].push(set);
            }
            Slot::Text { column } => {
                let text = text(raw)?;
                if text.len() > MAX_TEXT_CHARS && text.chars().count() > MAX_TEXT_CHARS {
                    return Err(format!("the text is longer than {MAX_TEXT_CHARS} characters"));
                }
                self.texts[column].push((!text.trim().is_empty()).then_some(text));
            }
            Slot::ResponseId => match text(raw)? {
                "" => return Err("is empty".to_owned()),
                id => self.response_ids.push(Some(id)),
            },
            Slot::SubmittedAt => match parse_rfc3339(raw) {
                Some(seconds) => self.submitted_at.push(seconds),
                None => return Err(format!("\"{}\" is not an RFC 3339 time", lossy(raw))),
            },
            Slot::Customer => self.customers.push(Some(text(raw)?).filter(|c| !c.is_empty())),
        }
        Ok(())
    }

    fn finish(mut self, def: &SurveyDefinition, plan: &Plan) -> ResponseSet {
        let n = self.submitted_at.len();
        let columns = def
            .questions
            .iter()
            .zip(&plan.layout)
            .map(|(q, layout)| match *layout {
                Layout::Bytes(c) => match q.kind {
                    crate::QuestionKind::Single => Column::Single(std::mem::take(&mut self.bytes[c])),
                    _ => Column::Scale(std::mem::take(&mut self.bytes[c])),
                },
                Layout::Pair(e, p) => Column::Pair {
                    expectation: std::mem::take(&mut self.bytes[e]),
                    perception: std::mem::take(&mut self.bytes[p]),
                },
                Layout::Multi(c) => Column::Multi(std::mem::take(&mut self.sets[c])),
                Layout::Text(c) => Column::Text(std::mem::take(&mut self.texts[c])),
                Layout::Absent => Column::skipped(q.kind, n),
            })
            .collect();
        ResponseSet::from_parts(def, self.response_ids, self.customers, self.submitted_at, columns)
    }
}

fn lossy(raw: &[u8]) -> String {
    crate::answers::shorten(&String::from_utf8_lossy(raw))
}

/// A text cell: UTF-8, with formula neutralisation undone.
fn text(raw: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(unneutralise(raw)).map_err(|_| "is not valid UTF-8".to_owned())
}

/// A scale point within `low..=high` (ASCII blanks around the digits allowed).
fn point(raw: &[u8], low: u8, high: u8) -> Result<u8, String> {
    let value = match raw {
        [d] if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => {
            let digits = raw.trim_ascii();
            if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(format!("\"{}\" is not a number", lossy(raw)));
            }
            digits.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        }
    };
    match u8::try_from(value) {
        Ok(v) if (low..=high).contains(&v) => Ok(v),
        _ => Err(format!("{value} is outside {low}–{high}")),
    }
}

/// The index of the option with this id.
fn option(raw: &[u8], options: &[Vec<u8>]) -> Result<usize, String> {
    let id = raw.trim_ascii();
    options
        .iter()
        .position(|o| o.as_slice() == id)
        .ok_or_else(|| format!("\"{}\" is not an option", lossy(id)))
}

/// The set of `;`-separated option ids, each at most once.
fn options(raw: &[u8], options: &[Vec<u8>]) -> Result<u64, String> {
    let mut set = 0u64;
    for id in raw.split(|&b| b == b';') {
        let bit = bit(option(id, options)?);
        if set & bit != 0 {
            return Err(format!("\"{}\" is chosen twice", lossy(id.trim_ascii())));
        }
        set |= bit;
    }
    Ok(set)
}
