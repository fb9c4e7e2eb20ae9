//! The interactions CSV: one contact with a customer per row — a call, an e-mail, a chat — as a
//! help desk or call log exports it or a seller keeps it, read into [`InteractionRecord`]s.
//!
//! It reads and checks rows; it does not look customers up or store anything. The format is
//! described for sellers in `docs/interactions-csv.md`.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::SecondsFormat;
use sha2::{Digest, Sha256};
use tenure_domain::{
    Channel, CustomerId, CustomerRef, Direction, Email, InteractionRecord, QueryState, SourceName, Timestamp,
};

use crate::Input;
use crate::dates::iso8601;
use crate::error::{ImportError, RowError};
use crate::fields::At;
use crate::headers::{Column, ColumnSpec, Headers};
use crate::table::{Row, Table};

const OCCURRED_AT: ColumnSpec =
    ColumnSpec::with("occurred_at", &["date", "time", "when", "datetime", "timestamp"]);
const CHANNEL: ColumnSpec = ColumnSpec::named("channel");
const DIRECTION: ColumnSpec = ColumnSpec::named("direction");
const CUSTOMER: ColumnSpec = ColumnSpec::named("customer");
const EMAIL: ColumnSpec = ColumnSpec::with("email", &["customer_email"]);
const SOURCE: ColumnSpec = ColumnSpec::named("source");
const SOURCE_CUSTOMER_ID: ColumnSpec =
    ColumnSpec::with("source_customer_id", &["customer_ref", "external_customer_id"]);
const STAFF: ColumnSpec = ColumnSpec::named("staff");
const DURATION: ColumnSpec = ColumnSpec::named("duration");
const SUBJECT: ColumnSpec = ColumnSpec::named("subject");
const NOTES: ColumnSpec = ColumnSpec::named("notes");
const OUTCOME: ColumnSpec = ColumnSpec::named("outcome");
const STATE: ColumnSpec = ColumnSpec::named("state");
const ID: ColumnSpec = ColumnSpec::with("id", &["interaction_id", "ticket_id"]);

const EXPECTED_DATE: &str = "a date like 2024-05-01, 2024-05-01 14:30 or 2024-05-01T14:30:00+02:00";

/// The most distinct rows without an id one file may have. Their keys need a count of identical
/// earlier rows: a hash map entry of 16 bytes (8 of the content hash, a 4-byte count, padding) and
/// one control byte per slot, with at most 7 slots of 8 used, so about 36 MB at this limit (53 MB
/// for the moment the map grows to it). A file past it stops with a fatal [`RowError`]: give it
/// an `id` column.
pub const MAX_ROWS_WITHOUT_ID: usize = 1_000_000;

/// The longest `id`, in characters.
pub const MAX_INTERACTION_ID_CHARS: usize = 200;

/// How an interactions CSV is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionOptions {
    /// The zone of date-times written without an offset (`2024-05-01 14:30`). Dates without a
    /// time are 12:00 UTC and times with an offset carry their own, as in the other readers.
    pub time_zone: chrono_tz::Tz,
    /// The present: an interaction dated more than a day after it is refused
    /// ([`InteractionRecord::check`]).
    pub now: Timestamp,
}

impl InteractionOptions {
    /// Options for reading at `now`, zoneless times in UTC.
    pub fn new(now: Timestamp) -> Self {
        InteractionOptions { time_zone: chrono_tz::Tz::UTC, now }
    }
}

/// Opens an interactions CSV and reads its header.
///
/// A missing required column (`occurred_at`, `channel`, `direction`, and one of `customer`,
/// `email` or `source_customer_id` — the last with `source`), an empty or unreadable file is an
/// [`ImportError`]; the first missing column is named with the headers accepted for it.
///
/// ```
/// use tenure_import::{Input, InteractionOptions, interactions};
/// let csv = "date,channel,direction,email,subject\n2024-05-01 14:30,phone,in,ann@example.com,Parcel\n";
/// let now = "2024-06-01T00:00:00Z".parse()?;
/// let mut rows = interactions(Input::from_bytes("calls.csv", csv), &InteractionOptions::new(now))?;
/// for row in rows.by_ref() {
///     match row {
///         Ok(interaction) => println!("{} {}", interaction.key, interaction.subject),
///         Err(bad_row) => eprintln!("{bad_row}"),
///     }
/// }
/// assert_eq!(rows.rows_read(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn interactions(input: Input, options: &InteractionOptions) -> Result<Interactions, ImportError> {
    let table = Table::open(input)?;
    let columns = Columns::find(&table.file, &table.headers)?;
    Ok(Interactions {
        table,
        columns,
        options: *options,
        counts: RowCounts::new(MAX_ROWS_WITHOUT_ID),
        last_line: 0,
        finished: false,
    })
}

/// The rows of one interactions CSV, streamed: each item is a record or the row's first bad
/// field; reading goes on after a bad row, and stops after a fatal one ([`RowError::fatal`]).
pub struct Interactions {
    table: Table,
    columns: Columns,
    options: InteractionOptions,
    counts: RowCounts,
    last_line: u64,
    finished: bool,
}

impl Interactions {
    /// Data rows read so far, bad ones included (the header and blank lines are not rows).
    pub fn rows_read(&self) -> u64 {
        self.table.rows_read()
    }

    /// The line where the item last returned starts (0 before the first): for messages about a
    /// record that fails later, such as an unknown customer.
    pub fn last_line(&self) -> u64 {
        self.last_line
    }

    fn read(&mut self, row: &Row) -> Result<InteractionRecord, RowError> {
        let at = At { file: &self.table.file, line: row.line };
        let columns = &self.columns;
        let occurred_at = at.time(
            &columns.occurred_at.name,
            row.get(&columns.occurred_at),
            |text| iso8601(text, self.options.time_zone),
            EXPECTED_DATE,
        )?;
        let channel = Channel::parse(at.required(&columns.channel.name, row.get(&columns.channel))?)
            .map_err(|error| at.error(&columns.channel.name, error.to_string()))?;
        let direction = Direction::parse(at.required(&columns.direction.name, row.get(&columns.direction))?)
            .map_err(|error| at.error(&columns.direction.name, error.to_string()))?;
        let customer = columns.customer(&at, row)?;
        let staff = match &columns.staff {
            Some(column) => at.email(&column.name, row.get(column))?,
            None => None,
        };
        let duration_seconds = columns.duration(&at, row)?;
        let state = columns.state(&at, row)?;
        let id = columns.id(&at, row)?;
        let mut record = InteractionRecord {
            customer,
            occurred_at,
            channel,
            direction,
            duration_seconds,
            subject: text(row, columns.subject.as_ref()),
            notes: text(row, columns.notes.as_ref()),
            outcome: text(row, columns.outcome.as_ref()),
            staff,
            state,
            key: String::new(),
        };
        record
            .check(self.options.now)
            .map_err(|(field, error)| at.error(columns.name_of(field), error.to_string()))?;
        record.key = match id {
            Some(id) => format!("csv:{id}"),
            None => derived_key(&record, &mut self.counts)
                .ok_or_else(|| columns.too_many_rows(&at, self.counts.limit))?,
        };
        Ok(record)
    }
}

impl Iterator for Interactions {
    type Item = Result<InteractionRecord, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let item = match self.table.next_row()? {
            Ok(row) => {
                self.last_line = row.line;
                self.read(&row)
            }
            Err(error) => Err(error),
        };
        if let Err(error) = &item {
            self.last_line = error.line;
            self.finished = error.fatal;
        }
        Some(item)
    }
}

impl std::fmt::Debug for Interactions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interactions")
            .field("file", &self.table.file)
            .field("rows_read", &self.rows_read())
            .finish_non_exhaustive()
    }
}

/// Where each column is in one file's header.
struct Columns {
    occurred_at: Column,
    channel: Column,
    direction: Column,
    customer: Option<Column>,
    email: Option<Column>,
    /// `source` and `source_customer_id`: together or not at all.
    identity: Option<(Column, Column)>,
    staff: Option<Column>,
    duration: Option<Column>,
    subject: Option<Column>,
    notes: Option<Column>,
    outcome: Option<Column>,
    state: Option<Column>,
    id: Option<Column>,
    /// The customer columns as the file names them, for messages: "`customer` or `email`".
    customer_choices: String,
}

impl Columns {
    fn find(file: &str, headers: &Headers) -> Result<Self, ImportError> {
        let occurred_at = headers.require(OCCURRED_AT)?;
        let channel = headers.require(CHANNEL)?;
        let direction = headers.require(DIRECTION)?;
        let customer = headers.find(CUSTOMER);
        let email = headers.find(EMAIL);
        let identity = match headers.find(SOURCE_CUSTOMER_ID) {
            Some(id) => Some((headers.require(SOURCE)?, id)),
            None => None,
        };
        if customer.is_none() && email.is_none() && identity.is_none() {
            let accepted = [CUSTOMER, EMAIL, SOURCE_CUSTOMER_ID]
                .iter()
                .flat_map(|spec| std::iter::once(spec.name).chain(spec.synonyms.iter().copied()))
                .map(str::to_string)
                .collect();
            return Err(ImportError::MissingColumn {
                file: file.to_string(),
                column: "customer".into(),
                accepted,
            });
        }
        let mut choices: Vec<String> =
            [&customer, &email].into_iter().flatten().map(|c| format!("`{}`", c.name)).collect();
        if let Some((source, id)) = &identity {
            choices.push(format!("`{}` with `{}`", id.name, source.name));
        }
        let customer_choices = match choices.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => choices.concat(),
        };
        Ok(Columns {
            occurred_at,
            channel,
            direction,
            customer,
            email,
            identity,
            staff: headers.find(STAFF),
            duration: headers.find(DURATION),
            subject: headers.find(SUBJECT),
            notes: headers.find(NOTES),
            outcome: headers.find(OUTCOME),
            state: headers.find(STATE),
            id: headers.find(ID),
            customer_choices,
        })
    }

    /// The customer the row names in exactly one way.
    fn customer(&self, at: &At<'_>, row: &Row) -> Result<CustomerRef, RowError> {
        let by_id = match filled(row, self.customer.as_ref()) {
            Some((column, text)) => Some((column, CustomerRef::Id(customer_id(at, column, text)?))),
            None => None,
        };
        let by_email = match filled(row, self.email.as_ref()) {
            Some((column, text)) => {
                let email = Email::parse(text).map_err(|error| at.error(&column.name, error.to_string()))?;
                Some((column, CustomerRef::Email(email)))
            }
            None => None,
        };
        let by_identity = match &self.identity {
            Some((source, id)) => match filled(row, Some(id)) {
                Some((_, external_id)) => Some((id, identity(at, source, row, external_id)?)),
                None => None,
            },
            None => None,
        };
        let mut named = [by_id, by_email, by_identity].into_iter().flatten();
        match (named.next(), named.next()) {
            (Some((_, customer)), None) => Ok(customer),
            (Some((first, _)), Some((second, _))) => Err(at.error(
                &second.name,
                format!(
                    "the row names its customer in `{}` too: fill in only one of {}",
                    first.name, self.customer_choices
                ),
            )),
            (None, _) => {
                let column = [&self.customer, &self.email]
                    .into_iter()
                    .flatten()
                    .chain(self.identity.as_ref().map(|(_, id)| id))
                    .next()
                    .map_or("", |column| column.name.as_str());
                Err(at.error(
                    column,
                    format!("is empty: the row names no customer (fill in {})", self.customer_choices),
                ))
            }
        }
    }

    /// The duration in seconds, `None` when blank or absent.
    fn duration(&self, at: &At<'_>, row: &Row) -> Result<Option<u32>, RowError> {
        let Some((column, text)) = filled(row, self.duration.as_ref()) else { return Ok(None) };
        duration_seconds(text).map(Some).ok_or_else(|| {
            at.error(
                &column.name,
                format!("`{text}` is not a duration (expected minutes like 12 or 12.5, or h:mm:ss or mm:ss)"),
            )
        })
    }

    /// The query's state, `None` when blank or absent.
    fn state(&self, at: &At<'_>, row: &Row) -> Result<Option<QueryState>, RowError> {
        let Some((column, text)) = filled(row, self.state.as_ref()) else { return Ok(None) };
        QueryState::parse(text).map(Some).map_err(|error| at.error(&column.name, error.to_string()))
    }

    /// The row's id, `None` when blank or absent.
    fn id<'r>(&self, at: &At<'_>, row: &'r Row) -> Result<Option<&'r str>, RowError> {
        let Some((column, text)) = filled(row, self.id.as_ref()) else { return Ok(None) };
        if text.chars().count() > MAX_INTERACTION_ID_CHARS {
            return Err(at.error(&column.name, format!("longer than {MAX_INTERACTION_ID_CHARS} characters")));
        }
        Ok(Some(text))
    }

    /// The fatal error of the row that would pass the limit of `limit` distinct rows without id.
    fn too_many_rows(&self, at: &At<'_>, limit: usize) -> RowError {
        let hint = self.id.as_ref().map_or("add an `id` column".to_string(), |column| {
            format!("fill in the `{}` column", column.name)
        });
        RowError::fatal(
            at.file,
            at.line,
            format!("more than {limit} different rows without an id: {hint} to import this file"),
        )
    }

    /// The file's name of the column holding `field` of [`InteractionRecord::check`].
    fn name_of<'a>(&'a self, field: &'a str) -> &'a str {
        let column = match field {
            "occurred_at" => Some(&self.occurred_at),
            "subject" => self.subject.as_ref(),
            "notes" => self.notes.as_ref(),
            "outcome" => self.outcome.as_ref(),
            "duration" => self.duration.as_ref(),
            "state" => self.state.as_ref(),
            _ => None,
        };
        column.map_or(field, |column| column.name.as_str())
    }
}

/// The column and its text, when the column is there and the cell is not blank.
fn filled<'r, 'c>(row: &'r Row, column: Option<&'c Column>) -> Option<(&'c Column, &'r str)> {
    let column = column?;
    Some(row.get(column)).filter(|text| !text.is_empty()).map(|text| (column, text))
}

/// A free-text cell, trimmed, with CRLF line ends inside it as LF (so a file saved either way
/// gives the same text and the same derived keys).
fn text(row: &Row, column: Option<&Column>) -> String {
    row.opt(column).replace("\r\n", "\n")
}

fn customer_id(at: &At<'_>, column: &Column, text: &str) -> Result<CustomerId, RowError> {
    text.parse::<i64>().ok().filter(|id| *id > 0).map(CustomerId).ok_or_else(|| {
        at.error(
            &column.name,
            format!("`{text}` is not a Tenure customer number (expected a whole number above 0)"),
        )
    })
}

fn identity(at: &At<'_>, source: &Column, row: &Row, external_id: &str) -> Result<CustomerRef, RowError> {
    let name = row.get(source);
    if name.is_empty() {
        return Err(
            at.error(&source.name, "is empty: a customer's id in a shop needs the shop's source name")
        );
    }
    let source = SourceName::parse(name).map_err(|error| at.error(&source.name, error.to_string()))?;
    Ok(CustomerRef::Identity { source, external_id: external_id.to_string() })
}

/// Seconds from minutes (`12`, `12.5`) or a clock duration (`1:02:03`, `12:30` = 12 min 30 s).
/// `None` when the text is neither. Over `u32::MAX` seconds saturates: [`InteractionRecord::check`]
/// refuses anything over a day anyway.
fn duration_seconds(text: &str) -> Option<u32> {
    let number = |digits: &str| {
        (!digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u64>().ok())
            .flatten()
    };
    let seconds = if text.contains(':') {
        match text.split(':').map(number).collect::<Option<Vec<u64>>>()?.as_slice() {
            [minutes, seconds] if *seconds < 60 => minutes * 60 + seconds,
            [hours, minutes, seconds] if *minutes < 60 && *seconds < 60 => {
                hours * 3600 + minutes * 60 + seconds
            }
            _ => return None,
        }
    } else {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || whole.len() > 9
            || !digits_only(whole)
            || !digits_only(fraction)
        {
            return None;
        }
        let minutes: f64 = text.parse().ok()?;
        // At most 9 whole digits: the product is exact to far below a second.
        (minutes * 60.0).round() as u64
    };
    Some(u32::try_from(seconds).unwrap_or(u32::MAX))
}

/// The counts of identical rows without an id seen so far in a file, by the first 8 bytes of
/// their content hash. Two different rows sharing those 8 bytes (odds about n²/2⁶⁵) only shift
/// the count of the second: its key still differs, by its full hash.
struct RowCounts {
    counts: HashMap<u64, u32>,
    limit: usize,
}

impl RowCounts {
    fn new(limit: usize) -> Self {
        RowCounts { counts: HashMap::new(), limit }
    }

    /// How many rows with this hash came before; `None` when a new hash would pass the limit.
    fn next(&mut self, digest: &[u8; 32]) -> Option<u32> {
        let prefix = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 32 bytes"));
        if self.counts.len() >= self.limit && !self.counts.contains_key(&prefix) {
            return None;
        }
        let count = self.counts.entry(prefix).or_insert(0);
        let earlier = *count;
        *count = count.saturating_add(1);
        Some(earlier)
    }
}

/// `row:{hex SHA-256 of the content}:{identical rows before}`; `None` past the counts' limit.
fn derived_key(record: &InteractionRecord, counts: &mut RowCounts) -> Option<String> {
    let digest = content_digest(record);
    let earlier = counts.next(&digest)?;
    let mut key = String::with_capacity(4 + 64 + 11);
    key.push_str("row:");
    for byte in digest {
        write!(key, "{byte:02x}").expect("writing to a String cannot fail");
    }
    write!(key, ":{earlier}").expect("writing to a String cannot fail");
    Some(key)
}

/// SHA-256 of the customer, time, channel, direction, subject and notes, each as its UTF-8 byte
/// length (8 bytes, big-endian) followed by its bytes, so no two different rows share an input.
/// The customer is `id:42`, `email:ann@example.com` or `source:shopify:1001`; the time RFC 3339
/// in UTC (`2024-05-01T14:30:00Z`, fractions of a second only when there are some). Changing any
/// of this changes every derived key and duplicates re-imported files: don't.
fn content_digest(record: &InteractionRecord) -> [u8; 32] {
    let customer = match &record.customer {
        CustomerRef::Id(id) => format!("id:{id}"),
        CustomerRef::Email(email) => format!("email:{email}"),
        CustomerRef::Identity { source, external_id } => format!("source:{}:{external_id}", source.as_str()),
    };
    let occurred_at = record.occurred_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let mut hasher = Sha256::new();
    for part in [
        customer.as_str(),
        occurred_at.as_str(),
        record.channel.as_str(),
        record.direction.as_str(),
        record.subject.as_str(),
        record.notes.as_str(),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().to_utc()
    }

    fn read(csv: &str, limit: usize) -> Vec<Result<InteractionRecord, RowError>> {
        let input = Input::from_bytes("calls.csv", csv.as_bytes().to_vec());
        let mut reader = interactions(input, &InteractionOptions::new(now())).unwrap();
        reader.counts = RowCounts::new(limit);
        reader.collect()
    }

    #[test]
    fn durations_read_minutes_and_clock_times() {
        assert_eq!(duration_seconds("12"), Some(720));
        assert_eq!(duration_seconds("12.5"), Some(750));
        assert_eq!(duration_seconds(".5"), Some(30));
        assert_eq!(duration_seconds("0"), Some(0));
        assert_eq!(duration_seconds("12:30"), Some(750));
        assert_eq!(duration_seconds("75:00"), Some(4500));
        assert_eq!(duration_seconds("1:02:03"), Some(3723));
        assert_eq!(duration_seconds("999999999:00:00"), Some(u32::MAX));
        for bad in
            ["", ".", "-3", "1e3", "NaN", "inf", "12 min", "1:60", "1:60:00", "1::00", "1:2:3:4", "1.5:00"]
        {
            assert_eq!(duration_seconds(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn durations_never_panic_and_read_back_what_a_clock_writes(text in "\\PC{0,12}", seconds in 0u32..400_000) {
            let _ = duration_seconds(&text);
            let clock = format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
            proptest::prop_assert_eq!(duration_seconds(&clock), Some(seconds));
            let minutes = format!("{}:{:02}", seconds / 60, seconds % 60);
            proptest::prop_assert_eq!(duration_seconds(&minutes), Some(seconds));
        }
    }

    #[test]
    fn the_content_hash_separates_fields_by_length_not_by_a_character() {
        let rows = "occurred_at,channel,direction,customer,subject,notes\n\
                    2026-01-01,phone,in,1,ab,c\n\
                    2026-01-01,phone,in,1,a,bc\n";
        let keys: Vec<String> = read(rows, 10).into_iter().map(|record| record.unwrap().key).collect();
        assert_ne!(keys[0].split(':').nth(1), keys[1].split(':').nth(1));
        assert!(keys.iter().all(|key| key.ends_with(":0")), "{keys:?}");
    }

    #[test]
    fn a_file_past_the_count_limit_stops_with_a_fatal_error_naming_the_row() {
        let rows = "occurred_at,channel,direction,customer\n\
                    2026-01-01,phone,in,1\n\
                    2026-01-01,phone,in,1\n\
                    2026-01-01,phone,in,2\n\
                    2026-01-01,phone,in,3\n";
        let items = read(rows, 1);
        assert_eq!(items.len(), 3, "nothing after the fatal error");
        assert!(items[1].as_ref().unwrap().key.ends_with(":1"), "a known row still counts");
        let error = items[2].as_ref().unwrap_err();
        assert!(error.fatal);
        assert_eq!(
            error.to_string(),
            "calls.csv:4: more than 1 different rows without an id: add an `id` column to import this file"
        );
    }
}
