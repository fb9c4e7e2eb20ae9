//! The header of a responses CSV turned into a [`Plan`]: where each column's cells go, checked
//! once (unknown, repeated or half-pair columns are errors on line 1) so rows need no lookups.

use crate::definition::{QuestionKind, SurveyDefinition};
use crate::responses::csv_format::CsvError;

/// Where one CSV column's cells go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    ResponseId,
    SubmittedAt,
    Customer,
    /// A scale point or one side of a pair, within `low..=high`, into byte column `column`.
    Point {
        column: usize,
        low: u8,
        high: u8,
    },
    /// A single choice of `question` into byte column `column`.
    Single {
        question: usize,
        column: usize,
    },
    /// A multiple choice of `question` into set column `column`.
    Multi {
        question: usize,
        column: usize,
    },
    /// A text into text column `column`.
    Text {
        column: usize,
    },
}

/// Where each question's answers end up once the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// A scale or single choice: byte column.
    Bytes(usize),
    /// A pair: expectation and perception byte columns.
    Pair(usize, usize),
    /// A multiple choice: set column.
    Multi(usize),
    /// A text column.
    Text(usize),
    /// No column in the file: every response skipped it.
    Absent,
}

/// How to read every record of one file.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// Header names, for errors.
    pub names: Vec<String>,
    /// Per CSV column.
    pub slots: Vec<Slot>,
    /// Per question: its option ids.
    pub options: Vec<Vec<Vec<u8>>>,
    /// Per pair in the file: expectation and perception byte columns and CSV columns.
    pub pairs: Vec<[usize; 4]>,
    /// Per question of the definition.
    pub layout: Vec<Layout>,
    /// Number of byte, set and text columns.
    pub counts: [usize; 3],
    /// Whether the file has a `customer` column.
    pub has_customer: bool,
}

/// What a header name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Meta(Slot),
    Whole(usize),
    Side(usize, bool),
}

fn name_of(def: &SurveyDefinition, name: &str) -> Option<Name> {
    match name {
        "response_id" => return Some(Name::Meta(Slot::ResponseId)),
        "submitted_at" => return Some(Name::Meta(Slot::SubmittedAt)),
        "customer" => return Some(Name::Meta(Slot::Customer)),
        _ => {}
    }
    let (id, side) = match name.split_once(':') {
        Some((id, side)) => (id, Some(side)),
        None => (name, None),
    };
    let q = def.questions.iter().position(|question| question.id == id)?;
    match (def.questions[q].kind, side) {
        (QuestionKind::Pair, Some("expectation")) => Some(Name::Side(q, true)),
        (QuestionKind::Pair, Some("perception")) => Some(Name::Side(q, false)),
        (QuestionKind::Pair, _) | (_, Some(_)) => None,
        (_, None) => Some(Name::Whole(q)),
    }
}

/// The plan for a header row (its first cell may carry a UTF-8 byte-order mark).
pub(super) fn plan(def: &SurveyDefinition, header: &csv::ByteRecord) -> Result<Plan, CsvError> {
    let err = |column: &str, reason: &str| CsvError::new(1, column, reason);
    let mut names = Vec::with_capacity(header.len());
    let mut seen: Vec<Name> = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
        let name = String::from_utf8_lossy(raw).into_owned();
        let what = name_of(def, &name).ok_or_else(|| err(&name, "is not a column of this survey"))?;
        if seen.contains(&what) {
            return Err(err(&name, "is given twice"));
        }
        seen.push(what);
        names.push(name);
    }
    let find = |n: Name| seen.iter().position(|s| *s == n);
    for (slot, name) in [(Slot::ResponseId, "response_id"), (Slot::SubmittedAt, "submitted_at")] {
        if find(Name::Meta(slot)).is_none() {
            return Err(err(name, "is missing"));
        }
    }
    let mut plan = Plan {
        names,
        slots: vec![Slot::ResponseId; seen.len()],
        options: def
            .questions
            .iter()
            .map(|q| q.options.iter().map(|o| o.id.as_bytes().to_vec()).collect())
            .collect(),
        pairs: Vec::new(),
        layout: vec![Layout::Absent; def.questions.len()],
        counts: [0; 3],
        has_customer: find(Name::Meta(Slot::Customer)).is_some(),
    };
    for (i, name) in seen.iter().enumerate() {
        if let Name::Meta(slot) = name {
            plan.slots[i] = *slot;
        }
    }
    for (q, question) in def.questions.iter().enumerate() {
        let (low, high) = question.bounds().unwrap_or((0, 0));
        let mut next = |kind: usize| {
            plan.counts[kind] += 1;
            plan.counts[kind] - 1
        };
        if question.kind == QuestionKind::Pair {
            match (find(Name::Side(q, true)), find(Name::Side(q, false))) {
                (Some(ce), Some(cp)) => {
                    let (e, p) = (next(0), next(0));
                    plan.slots[ce] = Slot::Point { column: e, low, high };
                    plan.slots[cp] = Slot::Point { column: p, low, high };
                    plan.pairs.push([e, p, ce, cp]);
                    plan.layout[q] = Layout::Pair(e, p);
                }
                (None, None) => {}
                _ => {
                    return Err(err(
                        &question.id,
                        "a pair needs both its :expectation and :perception columns",
                    ));
                }
            }
            continue;
        }
        let Some(c) = find(Name::Whole(q)) else { continue };
        let (slot, layout) = match question.kind {
            QuestionKind::Single => {
                let column = next(0);
                (Slot::Single { question: q, column }, Layout::Bytes(column))
            }
            QuestionKind::Multi => {
                let column = next(1);
                (Slot::Multi { question: q, column }, Layout::Multi(column))
            }
            QuestionKind::Text => {
                let column = next(2);
                (Slot::Text { column }, Layout::Text(column))
            }
            _ => {
                let column = next(0);
                (Slot::Point { column, low, high }, Layout::Bytes(column))
            }
        };
        plan.slots[c] = slot;
        plan.layout[q] = layout;
    }
    Ok(plan)
}
