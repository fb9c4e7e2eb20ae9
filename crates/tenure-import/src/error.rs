//! The two kinds of import failure: a whole file that cannot be used ([`ImportError`]) and one
//! bad row inside an otherwise usable file ([`RowError`]). Both name the file; row errors also
//! name the line and the column, so a seller can find and fix the cell.

use std::fmt;

/// One bad row (or, for JSON, one bad order object).
///
/// Displayed as ``FILE:LINE: column `NAME`: reason``, for example
/// ``orders.csv:1234: column `Sale Date`: `13/45/24` is not a date (expected MM/DD/YY)``.
/// When a record has several bad fields, the first one found is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The input's name, as given in [`crate::Input::name`].
    pub file: String,
    /// 1-based line where the record starts (the header is line 1).
    pub line: u64,
    /// The column (header text as it appears in the file, or JSON field) at fault; empty when
    /// the whole record is at fault.
    pub column: String,
    /// What is wrong, in words a seller understands.
    pub reason: String,
    /// True when the input could not be read past this point (an I/O error, broken JSON): the
    /// rest of the file is missing, so skipping bad rows cannot make the import complete and a
    /// caller must not write anything from this import.
    pub fatal: bool,
    /// True when the input, read with [`crate::IdCounters::Ordered`], is ordered neither by
    /// customer nor by day, so its derived order ids cannot go on from the counts kept: read
    /// the input again with [`crate::IdCounters::All`]. Such an error is also `fatal`.
    pub unordered: bool,
}

impl RowError {
    /// A bad value in one column of one record.
    pub fn new(file: &str, line: u64, column: &str, reason: impl Into<String>) -> Self {
        RowError {
            file: file.to_string(),
            line,
            column: column.to_string(),
            reason: reason.into(),
            fatal: false,
            unordered: false,
        }
    }

    /// The input stops being readable at `line`.
    pub fn fatal(file: &str, line: u64, reason: impl Into<String>) -> Self {
        RowError {
            file: file.to_string(),
            line,
            column: String::new(),
            reason: reason.into(),
            fatal: true,
            unordered: false,
        }
    }

    /// The input's derived ids cannot go on at `line` from the counts kept (see
    /// [`crate::IdCounters`]).
    pub fn unordered(file: &str, line: u64) -> Self {
        RowError {
            unordered: true,
            ..RowError::fatal(
                file,
                line,
                "the file is ordered neither by customer nor by date, so its order ids need a count for \
                 every customer and day: read it again counting them all",
            )
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if !self.column.is_empty() {
            write!(f, "column `{}`: ", self.column)?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for RowError {}

/// A problem with a whole input (or with the request itself): nothing of it can be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input could not be read at all.
    #[error("{file}: cannot read the file: {source}")]
    Unreadable {
        /// The input's name.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input has no header line (or no content at all).
    #[error("{file}: the file is empty (expected a header line)")]
    Empty {
        /// The input's name.
        file: String,
    },
    /// A column the format needs is not in the header.
    #[error("{file}: required column `{column}` is missing (accepted headers: {})", quoted(accepted))]
    MissingColumn {
        /// The input's name.
        file: String,
        /// The column's usual name.
        column: String,
        /// Every header text accepted for it (compared ignoring case, spaces and `_`).
        accepted: Vec<String>,
    },
    /// The input is not the kind of file the chosen format reads.
    #[error("{file}: {reason}")]
    Unrecognised {
        /// The input's name.
        file: String,
        /// What was expected and what was found.
        reason: String,
    },
    /// A format name that is not one of [`crate::Format`]'s.
    #[error(
        "unknown import format `{0}` (expected one of: cdnow, etsy, shopify, opencart, woocommerce, csv)"
    )]
    UnknownFormat(String),
    /// The generic CSV column mapping is missing, names an unknown key or is inconsistent.
    #[error("bad CSV column mapping: {0}")]
    BadMapping(String),
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_name_file_line_column_and_reason() {
        let error =
            RowError::new("orders.csv", 1234, "Sale Date", "`13/45/24` is not a date (expected MM/DD/YY)");
        assert_eq!(
            error.to_string(),
            "orders.csv:1234: column `Sale Date`: `13/45/24` is not a date (expected MM/DD/YY)"
        );
    }

    #[test]
    fn fatal_row_errors_have_no_column() {
        let error = RowError::fatal("orders.json", 7, "unexpected end of file");
        assert_eq!(error.to_string(), "orders.json:7: unexpected end of file");
        assert!(error.fatal);
    }

    #[test]
    fn missing_columns_list_the_accepted_synonyms() {
        let error = ImportError::MissingColumn {
            file: "o.csv".into(),
            column: "Order ID".into(),
            accepted: vec!["Order ID".into(), "Order Number".into()],
        };
        assert_eq!(
            error.to_string(),
            "o.csv: required column `Order ID` is missing (accepted headers: `Order ID`, `Order Number`)"
        );
    }
}
