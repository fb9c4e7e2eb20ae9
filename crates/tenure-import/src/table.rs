//! Reading a CSV export one record at a time: header, record start lines, ragged rows, invalid
//! UTF-8. Shared by every CSV-based format; it knows nothing about what the columns mean.
//!
//! Records may be shorter than the header (older exports drop trailing columns): missing
//! fields read as empty. A UTF-8 BOM and CRLF line ends are accepted; quoted fields may hold
//! commas and newlines, and a record's line is the line where it starts.

use std::io::{BufReader, Read};

use crate::Input;
use crate::error::{ImportError, RowError};
use crate::headers::{Column, Headers};

/// One CSV record with the line where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based line of the record's first character (header = line 1).
    pub line: u64,
    record: csv::StringRecord,
}

impl Row {
    /// The trimmed field in `column` ("" when the record is shorter).
    pub fn get(&self, column: &Column) -> &str {
        self.record.get(column.index).map_or("", str::trim)
    }

    /// The trimmed field of an optional column ("" when the column is absent).
    pub fn opt(&self, column: Option<&Column>) -> &str {
        column.map_or("", |column| self.get(column))
    }

    /// The field of an optional column, `None` when absent or blank.
    pub fn non_empty(&self, column: Option<&Column>) -> Option<&str> {
        Some(self.opt(column)).filter(|text| !text.is_empty())
    }
}

/// A CSV input whose header has been read.
pub(crate) struct Table {
    /// The input's name, for messages.
    pub file: String,
    /// Its header.
    pub headers: Headers,
    reader: csv::Reader<BufReader<Box<dyn Read + Send>>>,
    record: csv::ByteRecord,
    rows_read: u64,
    finished: bool,
}

impl Table {
    /// Opens `input` and reads its header line.
    pub fn open(input: Input) -> Result<Self, ImportError> {
        let file = input.name;
        let body = crate::input::without_bom(input.reader)
            .map_err(|source| ImportError::Unreadable { file: file.clone(), source })?;
        // `\n` as the only terminator: with the default (CR, LF or CRLF) csv counts a CRLF file's
        // record lines one too low. The `\r` left at a line's end is trimmed with the field.
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(body);
        let header = reader.byte_headers().map_err(|error| file_error(&file, error))?.clone();
        if header.iter().all(|field| field.iter().all(u8::is_ascii_whitespace)) {
            return Err(ImportError::Empty { file });
        }
        let names = header.iter().map(|field| String::from_utf8_lossy(field).into_owned());
        let headers = Headers::new(&file, names);
        Ok(Table { file, headers, reader, record: csv::ByteRecord::new(), rows_read: 0, finished: false })
    }

    /// Data records read so far (bad ones included).
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// The next record, a bad one (invalid UTF-8), or a fatal read error after which it stops.
    /// Blank lines are skipped.
    pub fn next_row(&mut self) -> Option<Result<Row, RowError>> {
        while !self.finished {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.finished = true,
                Ok(true) if is_blank(&self.record) => {}
                Ok(true) => {
                    self.rows_read += 1;
                    return Some(self.decode());
                }
                Err(error) => {
                    self.finished = true;
                    let line = error.position().map_or(self.reader.position().line(), csv::Position::line);
                    return Some(Err(RowError::fatal(
                        &self.file,
                        line,
                        format!("cannot read the file: {error}"),
                    )));
                }
            }
        }
        None
    }

    fn decode(&self) -> Result<Row, RowError> {
        let line = self.record.position().map_or(0, csv::Position::line);
        match csv::StringRecord::from_byte_record(self.record.clone()) {
            Ok(record) => Ok(Row { line, record }),
            Err(error) => {
                let index = error.utf8_error().field();
                let column = self.headers.name_at(index);
                Err(RowError::new(
                    &self.file,
                    line,
                    &column,
                    "is not valid UTF-8 text (save the export as UTF-8)",
                ))
            }
        }
    }
}

/// A line with nothing but separators and spaces (`,,,` at the end of spreadsheet exports).
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|field| field.iter().all(u8::is_ascii_whitespace))
}

fn file_error(file: &str, error: csv::Error) -> ImportError {
    match error.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Unreadable { file: file.to_string(), source },
        other => ImportError::Unrecognised {
            file: file.to_string(),
            reason: format!("cannot read the header: {other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &'static str) -> Table {
        Table::open(Input::from_bytes("t.csv", text.as_bytes().to_vec())).unwrap()
    }

    fn lines(mut table: Table) -> Vec<(u64, Vec<String>)> {
        let mut out = vec![];
        while let Some(row) = table.next_row() {
            let row = row.unwrap();
            out.push((row.line, row.record.iter().map(|field| field.trim().to_string()).collect()));
        }
        out
    }

    #[test]
    fn records_carry_the_line_where_they_start() {
        let lf = lines(table("a,b\n1,2\n3,4\n5,\"x\ny\"\n6,7\n"));
        assert_eq!(lf.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3, 4, 6]);
        let rows = lines(table("a,b\r\n1,\"x,\r\ny\"\r\n2,z\r\n"));
        assert_eq!(rows, vec![(2, vec!["1".into(), "x,\r\ny".into()]), (4, vec!["2".into(), "z".into()])]);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_header() {
        let table = table("\u{feff}Name,Total\n#1,2\n");
        assert_eq!(table.headers.position("name").map(|c| c.name), Some("Name".into()));
    }

    #[test]
    fn a_byte_order_mark_before_a_quoted_header_is_skipped() {
        let table = table("\u{feff}\"Name\",Total\n#1,2\n");
        assert_eq!(table.headers.position("name").map(|c| c.name), Some("Name".into()));
    }

    #[test]
    fn blank_lines_are_skipped_and_not_counted() {
        let mut table = table("a,b\r\n\r\n,\r\n1,2\r\n");
        assert_eq!(table.next_row().unwrap().unwrap().line, 4);
        assert!(table.next_row().is_none());
        assert_eq!(table.rows_read(), 1);
    }

    #[test]
    fn short_records_read_missing_fields_as_empty() {
        let mut table = table("a,b,c\n1\n");
        let row = table.next_row().unwrap().unwrap();
        let c = table.headers.position("c").unwrap();
        assert_eq!(row.get(&c), "");
    }

    #[test]
    fn invalid_utf8_is_a_row_error_naming_the_column_and_reading_goes_on() {
        let bytes = b"a,b\n1,\xff\n2,ok\n".to_vec();
        let mut table = Table::open(Input::from_bytes("t.csv", bytes)).unwrap();
        let error = table.next_row().unwrap().unwrap_err();
        assert_eq!((error.line, error.column.as_str(), error.fatal), (2, "b", false));
        assert_eq!(table.next_row().unwrap().unwrap().line, 3);
        assert_eq!(table.rows_read(), 2);
    }

    #[test]
    fn an_empty_file_is_a_file_error() {
        let error = Table::open(Input::from_bytes("t.csv", vec![])).err().unwrap();
        assert!(matches!(error, ImportError::Empty { .. }), "{error}");
    }
}
