//! Finding columns by name: a header row, the synonyms each format accepts for a column, and the
//! comparison that ignores case, spaces, `_`, `-` and a UTF-8 byte-order mark.
//!
//! Columns are never found by position: real exports reorder, rename and drop them.

use crate::error::ImportError;

/// A column a format reads: its usual name and the other header texts that mean the same.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSpec {
    /// The name shown in messages (the US/English export's header).
    pub name: &'static str,
    /// Other headers accepted for it (localised or older exports).
    pub synonyms: &'static [&'static str],
}

impl ColumnSpec {
    /// A column known by one name only.
    pub const fn named(name: &'static str) -> Self {
        ColumnSpec { name, synonyms: &[] }
    }

    /// A column with synonyms.
    pub const fn with(name: &'static str, synonyms: &'static [&'static str]) -> Self {
        ColumnSpec { name, synonyms }
    }

    fn accepted(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.synonyms.iter().copied())
    }
}

/// A column found in a header: where it is and how the file spells it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// 0-based field index.
    pub index: usize,
    /// The header text as it appears in the file.
    pub name: String,
}

/// A file's header row.
#[derive(Debug, Clone)]
pub(crate) struct Headers {
    file: String,
    names: Vec<String>,
    keys: Vec<String>,
}

/// The comparison key of a header: lower case, without whitespace, `_`, `-`, or a BOM.
pub(crate) fn header_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Headers {
    /// Wraps the header texts of `file`, removing a leading BOM and surrounding spaces.
    pub fn new<S: AsRef<str>>(file: &str, names: impl IntoIterator<Item = S>) -> Self {
        let names: Vec<String> = names
            .into_iter()
            .map(|name| name.as_ref().trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let keys = names.iter().map(|name| header_key(name)).collect();
        Headers { file: file.to_string(), names, keys }
    }

    /// The column for `spec`, when the header has it under any accepted name.
    pub fn find(&self, spec: ColumnSpec) -> Option<Column> {
        spec.accepted().find_map(|accepted| self.position(accepted))
    }

    /// The column for `spec`, or an error naming the file, the column and the accepted names.
    pub fn require(&self, spec: ColumnSpec) -> Result<Column, ImportError> {
        self.find(spec).ok_or_else(|| ImportError::MissingColumn {
            file: self.file.clone(),
            column: spec.name.to_string(),
            accepted: spec.accepted().map(str::to_string).collect(),
        })
    }

    /// The column whose header is `name` (a user-given name, as in a CSV mapping).
    pub fn position(&self, name: &str) -> Option<Column> {
        let key = header_key(name);
        let index = self.keys.iter().position(|candidate| *candidate == key)?;
        Some(Column { index, name: self.names[index].clone() })
    }

    /// The header text of field `index`, or `#N` (1-based) past the header's end.
    pub fn name_at(&self, index: usize) -> String {
        self.names.get(index).cloned().unwrap_or_else(|| format!("#{}", index + 1))
    }

    /// True when any of `names` is a column of this header.
    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.position(name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALE_DATE: ColumnSpec = ColumnSpec::with("Sale Date", &["Order Date"]);

    #[test]
    fn finds_columns_ignoring_case_spaces_underscores_and_a_bom() {
        let headers = Headers::new("o.csv", ["\u{feff}sale_date", " Order ID "]);
        assert_eq!(headers.find(SALE_DATE), Some(Column { index: 0, name: "sale_date".into() }));
        assert_eq!(headers.position("order id").map(|c| c.index), Some(1));
    }

    #[test]
    fn finds_columns_by_synonym() {
        let headers = Headers::new("o.csv", ["Order ID", "ORDER DATE"]);
        assert_eq!(headers.find(SALE_DATE).map(|c| c.name), Some("ORDER DATE".into()));
    }

    #[test]
    fn a_missing_required_column_names_the_file_and_the_synonyms() {
        let headers = Headers::new("o.csv", ["Order ID"]);
        let message = headers.require(SALE_DATE).unwrap_err().to_string();
        assert_eq!(
            message,
            "o.csv: required column `Sale Date` is missing (accepted headers: `Sale Date`, `Order Date`)"
        );
    }
}
