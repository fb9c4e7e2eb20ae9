//! Writes the responses CSV (format: the `responses` module doc) from rows, streaming: one row in memory.

use std::borrow::Borrow;
use std::io::Write;

use crate::answers::Answer;
use crate::definition::{QuestionKind, SurveyDefinition};
use crate::responses::ResponseRow;
use crate::responses::csv_format::neutralise;
use crate::time::format_rfc3339;

/// The header row for a definition: `response_id,submitted_at,customer`, then the questions'
/// columns (`ID:expectation`, `ID:perception` for a pair).
pub fn csv_header(def: &SurveyDefinition) -> Vec<String> {
    let mut header = vec!["response_id".to_owned(), "submitted_at".to_owned(), "customer".to_owned()];
    for q in &def.questions {
        if q.kind == QuestionKind::Pair {
            header.push(format!("{}:expectation", q.id));
            header.push(format!("{}:perception", q.id));
        } else {
            header.push(q.id.clone());
        }
    }
    header
}

/// Writes the header and one line per row.
///
/// Rows are taken as stored, i.e. valid: an answer to a question the definition lacks is not
/// written, and one of the wrong kind is written as skipped. `submitted_at` outside the years
/// 0000–9999 is clamped into them.
pub fn write_responses_csv<W: Write, R: Borrow<ResponseRow>>(
    def: &SurveyDefinition,
    rows: impl IntoIterator<Item = R>,
    out: W,
) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    writer.write_record(csv_header(def))?;
    let mut record = csv::ByteRecord::new();
    let mut cell = String::new();
    for row in rows {
        let row = row.borrow();
        record.clear();
        record.push_field(neutralise(&row.response_id).as_bytes());
        record.push_field(format_rfc3339(row.submitted_at).as_bytes());
        record.push_field(row.customer.as_deref().map(neutralise).unwrap_or_default().as_bytes());
        for q in &def.questions {
            let answer = row.answers.get(&q.id);
            cell.clear();
            match (q.kind, answer) {
                (QuestionKind::Pair, Some(Answer::Pair { expectation, perception })) => {
                    record.push_field(expectation.to_string().as_bytes());
                    record.push_field(perception.to_string().as_bytes());
                    continue;
                }
                (QuestionKind::Pair, _) => {
                    record.push_field(b"");
                    record.push_field(b"");
                    continue;
                }
                (k, Some(Answer::Scale(v))) if k.is_single_scale() => cell.push_str(&v.to_string()),
                (QuestionKind::Single, Some(Answer::Single(id))) => cell.push_str(id),
                (QuestionKind::Multi, Some(Answer::Multi(ids))) => cell.push_str(&ids.join(";")),
                (QuestionKind::Text, Some(Answer::Text(text))) => cell.push_str(&neutralise(text)),
                _ => {}
            }
            record.push_field(cell.as_bytes());
        }
        writer.write_byte_record(&record)?;
    }
    writer.flush()
}
