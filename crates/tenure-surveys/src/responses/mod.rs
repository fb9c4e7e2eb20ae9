//! Responses as the analysis reads them: [`ResponseSet`], one column per question, built from
//! [`ResponseRow`]s or straight from the responses CSV ([`read_responses_csv`]).
//!
//! Columnar so that a million responses analyse in a fraction of a second: a scale answer is one
//! byte ([`SKIPPED`] when skipped), a multiple choice a 64-bit set, texts one shared buffer.
//!
//! # The responses CSV
//!
//! The file format analyses are exchanged in (exports, imports, the reference tests):
//!
//! * UTF-8, comma-separated, fields quoted as RFC 4180 when needed, a header row. A leading
//!   byte-order mark is ignored on read.
//! * Header: `response_id,submitted_at,customer`, then one column per question id in definition
//!   order. A pair question has two columns, `ID:expectation` and `ID:perception`.
//! * `response_id`: the response's id. `submitted_at`: RFC 3339, written in UTC as
//!   `2025-03-01T12:34:56Z` (read with any offset and an optional fraction, kept to the second).
//!   `customer`: the customer's id, empty when unknown.
//! * Cells: a scale answer is its number (`0`–`10` for NPS, `1`–`5` for CSAT, …); a single choice
//!   its option id; a multiple choice its option ids separated by `;` (written in the definition's
//!   option order); a text as written. An empty cell means skipped (so does a text of only blanks);
//!   a pair has both cells or none.
//! * Formula neutralisation (so a spreadsheet does not run a cell): a text, id or customer cell
//!   that begins with `=`, `+`, `-`, `@`, tab or CR — or with one or more `'` followed by one of
//!   those — is written with one more `'` in front; on read, one leading `'` is removed from a cell
//!   of that second shape. So `=cmd` is written `'=cmd` and `'=cmd` is written `''=cmd`, and every
//!   text reads back exactly as it was.
//! * On read: `response_id` and `submitted_at` are required, `customer` and question columns may
//!   be missing (a missing question column is skipped by every response) and may come in any
//!   order; a column that names no question (or no side of a pair) is an error, as is a column
//!   given twice or a pair with one side's column. Every cell is checked like a form answer;
//!   `required` is not enforced (a response may have been left unfinished).
//! * Errors name the line (the header is line 1) and the column:
//!   `line 12: column "q3": 11 is outside 0–10`.

mod csv_format;
mod csv_plan;
mod csv_read;
mod csv_write;
mod text_column;

pub use csv_format::{CsvError, neutralise, unneutralise};
pub use csv_read::read_responses_csv;
pub use csv_write::{csv_header, write_responses_csv};
pub use text_column::TextColumn;

use crate::answers::{Answer, AnswerError, Answers, validate_answer};
use crate::definition::{QuestionKind, SurveyDefinition};
use crate::time::{MAX_SECONDS, MIN_SECONDS, day_of};

/// Marks a skipped scale answer, pair side or single choice in a byte column.
pub const SKIPPED: u8 = 0xFF;

/// One response with its answers, as the store hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRow {
    /// The response's id (opaque to this crate).
    pub response_id: String,
    /// When it was submitted, Unix seconds (UTC).
    pub submitted_at: i64,
    /// The customer it came from, if known.
    pub customer: Option<String>,
    /// Its answers.
    pub answers: Answers,
}

/// One question's answers over all responses of a [`ResponseSet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// CSAT, NPS, CES, Likert: the point, or [`SKIPPED`].
    Scale(Vec<u8>),
    /// A pair: both sides answered, or both [`SKIPPED`].
    Pair {
        /// Expectation per response.
        expectation: Vec<u8>,
        /// Perception per response.
        perception: Vec<u8>,
    },
    /// Single choice: the option's index in the definition, or [`SKIPPED`].
    Single(Vec<u8>),
    /// Multiple choice: bit `i` set when option `i` was chosen; 0 = skipped.
    Multi(Vec<u64>),
    /// Free text.
    Text(TextColumn),
}

impl Column {
    fn for_kind(kind: QuestionKind, capacity: usize) -> Column {
        match kind {
            QuestionKind::Pair => Column::Pair {
                expectation: Vec::with_capacity(capacity),
                perception: Vec::with_capacity(capacity),
            },
            QuestionKind::Single => Column::Single(Vec::with_capacity(capacity)),
            QuestionKind::Multi => Column::Multi(Vec::with_capacity(capacity)),
            QuestionKind::Text => Column::Text(TextColumn::default()),
            _ => Column::Scale(Vec::with_capacity(capacity)),
        }
    }

    /// A column of `n` skipped answers.
    pub(crate) fn skipped(kind: QuestionKind, n: usize) -> Column {
        match kind {
            QuestionKind::Pair => {
                Column::Pair { expectation: vec![SKIPPED; n], perception: vec![SKIPPED; n] }
            }
            QuestionKind::Single => Column::Single(vec![SKIPPED; n]),
            QuestionKind::Multi => Column::Multi(vec![0; n]),
            QuestionKind::Text => {
                let mut t = TextColumn::default();
                (0..n).for_each(|_| t.push(None));
                Column::Text(t)
            }
            _ => Column::Scale(vec![SKIPPED; n]),
        }
    }

    /// Appends a skipped answer.
    fn push_skipped(&mut self) {
        match self {
            Column::Scale(v) | Column::Single(v) => v.push(SKIPPED),
            Column::Pair { expectation, perception } => {
                expectation.push(SKIPPED);
                perception.push(SKIPPED);
            }
            Column::Multi(v) => v.push(0),
            Column::Text(t) => t.push(None),
        }
    }
}

/// The analysis input: a survey's responses in columns, in the order they were added.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSet {
    definition: SurveyDefinition,
    /// Question ids, sorted, with their index in the definition.
    ids: Vec<(String, usize)>,
    response_ids: TextColumn,
    customers: TextColumn,
    submitted_at: Vec<i64>,
    submitted_day: Vec<i32>,
    columns: Vec<Column>,
}

impl ResponseSet {
    /// An empty set for this definition (copied: the set checks answers against it).
    pub fn new(def: &SurveyDefinition) -> ResponseSet {
        Self::with_capacity(def, 0)
    }

    /// An empty set with room for `capacity` responses.
    pub fn with_capacity(def: &SurveyDefinition, capacity: usize) -> ResponseSet {
        ResponseSet {
            definition: def.clone(),
            ids: sorted_ids(def),
            response_ids: TextColumn::default(),
            customers: TextColumn::default(),
            submitted_at: Vec::with_capacity(capacity),
            submitted_day: Vec::with_capacity(capacity),
            columns: def.questions.iter().map(|q| Column::for_kind(q.kind, capacity)).collect(),
        }
    }

    /// Adds a response after checking every answer against the definition (unknown questions and
    /// invalid answers are errors; `required` is not checked). On error nothing is added.
    pub fn push(&mut self, row: &ResponseRow) -> Result<(), AnswerError> {
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&row.submitted_at) {
            return Err(AnswerError::new("", "submitted_at is outside the years 0000–9999"));
        }
        for placed in placed(&self.ids, &row.answers) {
            let (q, answer) = placed?;
            validate_answer(&self.definition.questions[q], answer)?;
        }
        self.start_row(&row.response_id, row.submitted_at, row.customer.as_deref());
        for (q, answer) in placed(&self.ids, &row.answers).flatten() {
            let question = &self.definition.questions[q];
            let option = |id: &str| question.option_index(id).unwrap_or(0);
            match (&mut self.columns[q], answer) {
                (Column::Scale(v), Answer::Scale(x)) => set_last(v, *x),
                (
                    Column::Pair { expectation, perception },
                    Answer::Pair { expectation: e, perception: p },
                ) => {
                    set_last(expectation, *e);
                    set_last(perception, *p);
                }
                (Column::Single(v), Answer::Single(id)) => set_last(v, option(id) as u8),
                (Column::Multi(v), Answer::Multi(ids)) => {
                    set_last(v, ids.iter().fold(0, |set, id| set | bit(option(id))))
                }
                (Column::Text(t), Answer::Text(text)) => t.set_last(text),
                // validate_answer has matched every answer's kind to its question's.
                _ => {}
            }
        }
        Ok(())
    }

    /// Appends a row of skipped answers; the CSV reader then fills in the cells it has.
    pub(crate) fn start_row(&mut self, response_id: &str, submitted_at: i64, customer: Option<&str>) {
        self.response_ids.push(Some(response_id));
        self.customers.push(customer);
        self.submitted_at.push(submitted_at);
        self.submitted_day.push(day_of(submitted_at));
        for column in &mut self.columns {
            column.push_skipped();
        }
    }

    /// A set from columns the CSV reader filled, all of the same length.
    pub(crate) fn from_parts(
        def: &SurveyDefinition,
        response_ids: TextColumn,
        customers: TextColumn,
        submitted_at: Vec<i64>,
        columns: Vec<Column>,
    ) -> ResponseSet {
        let submitted_day = submitted_at.iter().map(|&s| day_of(s)).collect();
        ResponseSet {
            definition: def.clone(),
            ids: sorted_ids(def),
            response_ids,
            customers,
            submitted_at,
            submitted_day,
            columns,
        }
    }

    /// Number of responses.
    pub fn len(&self) -> usize {
        self.submitted_at.len()
    }

    /// Whether there are no responses.
    pub fn is_empty(&self) -> bool {
        self.submitted_at.is_empty()
    }

    /// The definition the set was built for.
    pub fn definition(&self) -> &SurveyDefinition {
        &self.definition
    }

    /// The column of the question at `index` in the definition.
    pub fn column(&self, index: usize) -> Option<&Column> {
        self.columns.get(index)
    }

    /// The column of the question with this id.
    pub fn column_of(&self, question: &str) -> Option<&Column> {
        self.definition.questions.iter().position(|q| q.id == question).and_then(|i| self.columns.get(i))
    }

    /// Day numbers (days since 1970-01-01, UTC) of the submissions, per response.
    pub fn submitted_days(&self) -> &[i32] {
        &self.submitted_day
    }

    /// Submission times (Unix seconds, UTC), per response.
    pub fn submitted_at(&self) -> &[i64] {
        &self.submitted_at
    }

    /// Response `i` as a row (answers rebuilt from the columns), if `i < len()`.
    pub fn row(&self, i: usize) -> Option<ResponseRow> {
        let submitted_at = *self.submitted_at.get(i)?;
        let mut answers = Answers::new();
        for (question, column) in self.definition.questions.iter().zip(&self.columns) {
            let option_id =
                |index: usize| question.options.get(index).map(|o| o.id.clone()).unwrap_or_default();
            let answer = match column {
                Column::Scale(v) => (v[i] != SKIPPED).then_some(Answer::Scale(v[i])),
                Column::Pair { expectation, perception } => (expectation[i] != SKIPPED)
                    .then_some(Answer::Pair { expectation: expectation[i], perception: perception[i] }),
                Column::Single(v) => (v[i] != SKIPPED).then(|| Answer::Single(option_id(usize::from(v[i])))),
                Column::Multi(v) => (v[i] != 0).then(|| {
                    Answer::Multi((0..64).filter(|b| v[i] & (1 << b) != 0).map(option_id).collect())
                }),
                Column::Text(t) => t.get(i).map(|s| Answer::Text(s.to_owned())),
            };
            if let Some(answer) = answer {
                answers.0.insert(question.id.clone(), answer);
            }
        }
        Some(ResponseRow {
            response_id: self.response_ids.get(i).unwrap_or_default().to_owned(),
            submitted_at,
            customer: self.customers.get(i).map(str::to_owned),
            answers,
        })
    }

    /// Every response as a row, in order.
    pub fn rows(&self) -> impl Iterator<Item = ResponseRow> + '_ {
        (0..self.len()).filter_map(|i| self.row(i))
    }

    /// A new set of the responses for which `keep(index)` holds (filters by period, segment, …).
    pub fn select(&self, mut keep: impl FnMut(usize) -> bool) -> ResponseSet {
        let rows: Vec<usize> = (0..self.len()).filter(|&i| keep(i)).collect();
        ResponseSet {
            definition: self.definition.clone(),
            ids: self.ids.clone(),
            response_ids: self.response_ids.select(&rows),
            customers: self.customers.select(&rows),
            submitted_at: rows.iter().map(|&i| self.submitted_at[i]).collect(),
            submitted_day: rows.iter().map(|&i| self.submitted_day[i]).collect(),
            columns: self.columns.iter().map(|c| c.select(&rows)).collect(),
        }
    }
}

impl Column {
    fn select(&self, rows: &[usize]) -> Column {
        let pick = |v: &[u8]| rows.iter().map(|&i| v[i]).collect();
        match self {
            Column::Scale(v) => Column::Scale(pick(v)),
            Column::Single(v) => Column::Single(pick(v)),
            Column::Pair { expectation, perception } => {
                Column::Pair { expectation: pick(expectation), perception: pick(perception) }
            }
            Column::Multi(v) => Column::Multi(rows.iter().map(|&i| v[i]).collect()),
            Column::Text(t) => Column::Text(t.select(rows)),
        }
    }
}

/// Each answer with its question's index, walking the sorted ids and the (sorted) answers
/// together; an answer to no question is an error.
fn placed<'a>(
    ids: &'a [(String, usize)],
    answers: &'a Answers,
) -> impl Iterator<Item = Result<(usize, &'a Answer), AnswerError>> + 'a {
    let mut ids = ids.iter().peekable();
    answers.iter().map(move |(id, answer)| {
        while ids.next_if(|(known, _)| known.as_str() < id).is_some() {}
        match ids.peek() {
            Some((known, q)) if known == id => Ok((*q, answer)),
            _ => Err(AnswerError::new(id, "there is no such question")),
        }
    })
}

fn sorted_ids(def: &SurveyDefinition) -> Vec<(String, usize)> {
    let mut ids: Vec<(String, usize)> =
        def.questions.iter().enumerate().map(|(i, q)| (q.id.clone(), i)).collect();
    ids.sort();
    ids
}

/// The bit of option `index` in a multiple-choice set (none past the 64th: a valid definition has
/// at most [`MAX_OPTIONS`](crate::MAX_OPTIONS) options).
pub(crate) fn bit(index: usize) -> u64 {
    u32::try_from(index).ok().and_then(|i| 1u64.checked_shl(i)).unwrap_or(0)
}

fn set_last<T>(v: &mut [T], value: T) {
    if let Some(last) = v.last_mut() {
        *last = value;
    }
}
