//! Neutralisation of formula cells and the error type of the responses CSV; the format itself is
//! specified in the doc of the `responses` module.

/// A responses CSV that cannot be read, naming the line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(*.line, .column, .reason))]
pub struct CsvError {
    /// Line of the file where the record starts (the header is line 1); 0 when not known.
    pub line: u64,
    /// The column's header name; empty when the fault is not one column's.
    pub column: String,
    /// What is wrong, in words.
    pub reason: String,
}

fn describe(line: u64, column: &str, reason: &str) -> String {
    match (line, column.is_empty()) {
        (0, true) => reason.to_owned(),
        (0, false) => format!("column \"{column}\": {reason}"),
        (_, true) => format!("line {line}: {reason}"),
        (_, false) => format!("line {line}: column \"{column}\": {reason}"),
    }
}

impl CsvError {
    pub(crate) fn new(line: u64, column: &str, reason: impl Into<String>) -> Self {
        Self { line, column: column.to_owned(), reason: reason.into() }
    }
}

/// Whether a cell starting (after any `'`s) with this byte can be taken for a formula.
fn is_trigger(b: u8) -> bool {
    matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// Whether `text` is some `'`s (possibly none) followed by a trigger byte.
fn quotes_then_trigger(text: &[u8]) -> bool {
    text.iter().find(|&&b| b != b'\'').is_some_and(|&b| is_trigger(b))
}

/// The cell to write for a text: prefixed with `'` when a spreadsheet could run it (see above).
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if quotes_then_trigger(text.as_bytes()) { format!("'{text}").into() } else { text.into() }
}

/// The text a cell stands for: one leading `'` removed when [`neutralise`] put it there.
pub fn unneutralise(cell: &[u8]) -> &[u8] {
    match cell {
        [b'\'', rest @ ..] if quotes_then_trigger(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_cells_and_reads_every_text_back() {
        for (text, cell) in [
            ("=cmd", "'=cmd"),
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("+x", "'+x"),
            ("\tx", "'\tx"),
            ("'=x", "''=x"),
            ("'x", "'x"),
            ("it's", "it's"),
            ("", ""),
            ("'", "'"),
        ] {
            assert_eq!(neutralise(text), cell);
            assert_eq!(unneutralise(cell.as_bytes()), text.as_bytes());
        }
    }

    #[test]
    fn error_names_line_and_column() {
        assert_eq!(
            CsvError::new(12, "q3", "11 is outside 0–10").to_string(),
            "line 12: column \"q3\": 11 is outside 0–10"
        );
        assert_eq!(CsvError::new(3, "", "bad").to_string(), "line 3: bad");
    }
}
