//! The CDNOW transaction format: whitespace-separated lines, `CDNOW_master.txt` with a header
//! `customer_id date number_of_cds dollar_value`, `CDNOW_sample.txt` headerless with a sample id
//! column (`customer_id sample_id date cds dollars`). The layout is detected from the first line.
//!
//! Rows have no order id: each gets `{customer}-{yyyymmdd}-{n}` (see [`crate::derived_ids`]).

use std::io::{BufRead, BufReader, Read};

use tenure_domain::{Currency, CustomerRecord, ImportRecord, OrderItem, OrderRecord, OrderStatus};

use crate::Input;
use crate::dates::{noon_utc, yyyymmdd};
use crate::derived_ids::{CdnowOrderIds, DerivedIds, IdCounters, PADDED_DIGITS, Unordered};
use crate::error::{ImportError, RowError};
use crate::fields::At;
use crate::headers::{ColumnSpec, Headers};
use crate::records::{RecordSource, Summary};

const CUSTOMER: ColumnSpec = ColumnSpec::with("customer_id", &["customer", "cust_id", "id"]);
const DATE: ColumnSpec = ColumnSpec::with("date", &["purchase_date", "day"]);
const CDS: ColumnSpec = ColumnSpec::with("number_of_cds", &["cds", "quantity", "units"]);
const DOLLARS: ColumnSpec = ColumnSpec::with("dollar_value", &["dollars", "amount", "value"]);

/// Where each value is on a line, and what to call it in messages.
#[derive(Debug, Clone)]
struct Layout {
    customer: (usize, String),
    date: (usize, String),
    cds: Option<(usize, String)>,
    dollars: (usize, String),
}

impl Layout {
    fn headerless(positions: [usize; 4]) -> Self {
        let [customer, date, cds, dollars] = positions;
        Layout {
            customer: (customer, CUSTOMER.name.into()),
            date: (date, DATE.name.into()),
            cds: Some((cds, CDS.name.into())),
            dollars: (dollars, DOLLARS.name.into()),
        }
    }

    fn from_header(file: &str, names: &[&str]) -> Result<Self, ImportError> {
        let headers = Headers::new(file, names);
        let found = |spec| headers.require(spec).map(|column| (column.index, column.name));
        Ok(Layout {
            customer: found(CUSTOMER)?,
            date: found(DATE)?,
            cds: headers.find(CDS).map(|column| (column.index, column.name)),
            dollars: found(DOLLARS)?,
        })
    }

    /// Detects the layout from the first non-blank line; true when that line is a header.
    fn detect(file: &str, first: &str) -> Result<(Self, bool), ImportError> {
        let tokens: Vec<&str> = first.split_whitespace().collect();
        let numeric = |token: &&str| token.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
        if !tokens.iter().all(numeric) {
            return Ok((Layout::from_header(file, &tokens)?, true));
        }
        match tokens.len() {
            4 => Ok((Layout::headerless([0, 1, 2, 3]), false)),
            5 => Ok((Layout::headerless([0, 2, 3, 4]), false)),
            n => Err(ImportError::Unrecognised {
                file: file.to_string(),
                reason: format!(
                    "line 1 has {n} values: expected a CDNOW header, 4 values (customer_id date number_of_cds \
                     dollar_value) or 5 (customer_id sample_id date cds dollars)"
                ),
            }),
        }
    }
}

/// Reads one CDNOW file.
pub(crate) struct CdnowSource {
    file: String,
    reader: BufReader<Box<dyn Read + Send>>,
    layout: Layout,
    ids: DerivedIds,
    line: u64,
    pending: Option<(u64, String)>,
    buffer: Vec<u8>,
    /// The current line as text, reused from line to line.
    text: String,
    rows_read: u64,
    finished: bool,
}

impl CdnowSource {
    /// Opens `input` and detects its layout; derived ids keep `counters` and write customer
    /// numbers as `ids` says.
    pub fn open(input: Input, counters: IdCounters, ids: CdnowOrderIds) -> Result<Self, ImportError> {
        let file = input.name;
        let unreadable = |source| ImportError::Unreadable { file: file.clone(), source };
        let reader = crate::input::without_bom(input.reader).map_err(unreadable)?;
        let mut source = CdnowSource {
            file: file.clone(),
            reader,
            layout: Layout::headerless([0, 1, 2, 3]),
            ids: match ids {
                CdnowOrderIds::Padded => DerivedIds::new(counters).padding_numbers_to(PADDED_DIGITS),
                CdnowOrderIds::Unpadded => DerivedIds::new(counters),
            },
            line: 0,
            pending: None,
            buffer: Vec::new(),
            text: String::new(),
            rows_read: 0,
            finished: false,
        };
        let first = loop {
            match source.read_line().map_err(unreadable)? {
                false => return Err(ImportError::Empty { file }),
                true if source.text.trim().is_empty() => continue,
                true => break source.text.clone(),
            }
        };
        let (layout, is_header) = Layout::detect(&file, &first)?;
        source.layout = layout;
        if !is_header {
            source.pending = Some((source.line, first));
        }
        Ok(source)
    }

    /// The next physical line (without its line end) into `self.text`; false at the end of
    /// the file. The buffers are reused: no allocation per line.
    fn read_line(&mut self) -> std::io::Result<bool> {
        self.buffer.clear();
        if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(false);
        }
        self.line += 1;
        let end = self.buffer.iter().rposition(|b| !matches!(b, b'\n' | b'\r')).map_or(0, |last| last + 1);
        self.text.clear();
        match std::str::from_utf8(&self.buffer[..end]) {
            Ok(text) => self.text.push_str(text),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(&self.buffer[..end])),
        }
        Ok(true)
    }

    /// The next non-blank data line into `self.text`, with its number.
    fn next_line(&mut self) -> Option<Result<u64, RowError>> {
        if let Some((line, text)) = self.pending.take() {
            self.text = text;
            return Some(Ok(line));
        }
        loop {
            match self.read_line() {
                Ok(false) => return None,
                Ok(true) if self.text.trim().is_empty() => continue,
                Ok(true) => return Some(Ok(self.line)),
                Err(error) => {
                    self.finished = true;
                    return Some(Err(RowError::fatal(
                        &self.file,
                        self.line + 1,
                        format!("cannot read the file: {error}"),
                    )));
                }
            }
        }
    }

    fn parse(&mut self, line: u64, text: &str) -> Result<ImportRecord, RowError> {
        let at = At { file: &self.file, line };
        // The values a layout reads are among the first five; the rest are only counted.
        let mut tokens = [""; 5];
        let mut count = 0;
        for token in text.split_whitespace() {
            if let Some(slot) = tokens.get_mut(count) {
                *slot = token;
            }
            count += 1;
        }
        let cell = |(index, name): &(usize, String)| {
            tokens.get(*index).copied().filter(|_| *index < count).ok_or_else(|| {
                at.error(
                    name,
                    format!("is missing (the line has {count} values, expected at least {})", index + 1),
                )
            })
        };
        let customer = customer_number(&at, &self.layout.customer.1, cell(&self.layout.customer)?)?;
        let date_text = cell(&self.layout.date)?;
        let day = yyyymmdd(date_text).ok_or_else(|| {
            at.error(&self.layout.date.1, format!("`{date_text}` is not a date (expected YYYYMMDD)"))
        })?;
        let quantity = match &self.layout.cds {
            Some(cds) => Some(at.quantity(&cds.1, cell(cds)?)?),
            None => None,
        };
        let total_minor = at.amount(&self.layout.dollars.1, cell(&self.layout.dollars)?, Currency::USD)?;
        let items = quantity
            .map(|quantity| vec![OrderItem { name: "CDs".into(), sku: None, quantity, total_minor }])
            .unwrap_or_default();
        let external_id = match self.ids.next(&customer, day) {
            Ok(id) => id,
            Err(Unordered) => {
                self.finished = true;
                return Err(RowError::unordered(&self.file, line));
            }
        };
        let order = OrderRecord {
            external_id,
            placed_at: noon_utc(day),
            status: OrderStatus::Paid,
            currency: Currency::USD,
            total_minor,
            refunded_minor: 0,
            items,
        };
        let customer =
            CustomerRecord { external_id: customer, email: None, name: None, marketing_consent: None };
        Ok(ImportRecord { line, customer, order })
    }
}

/// The customer number without leading zeros (`00042` → `42`, `0000` → `0`).
fn customer_number(at: &At<'_>, column: &str, text: &str) -> Result<String, RowError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(at.error(column, format!("`{text}` is not a customer number")));
    }
    let trimmed = text.trim_start_matches('0');
    Ok(if trimmed.is_empty() { "0".to_string() } else { trimmed.to_string() })
}

impl RecordSource for CdnowSource {
    fn next_record(&mut self) -> Option<Result<ImportRecord, RowError>> {
        if self.finished {
            return None;
        }
        let line = match self.next_line()? {
            Ok(line) => line,
            Err(error) => return Some(Err(error)),
        };
        self.rows_read += 1;
        let text = std::mem::take(&mut self.text);
        let record = self.parse(line, &text);
        self.text = text;
        Some(record)
    }

    fn summary(&self) -> Summary {
        Summary { rows_read: self.rows_read, abandoned_checkouts: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with(text: &str, ids: CdnowOrderIds) -> Vec<Result<ImportRecord, RowError>> {
        let input = Input::from_bytes("cd.txt", text.as_bytes().to_vec());
        let mut source = CdnowSource::open(input, IdCounters::All, ids).unwrap();
        std::iter::from_fn(|| source.next_record()).collect()
    }

    fn read(text: &str) -> Vec<Result<ImportRecord, RowError>> {
        read_with(text, CdnowOrderIds::Padded)
    }

    #[test]
    fn reads_the_master_layout_with_its_header() {
        let records =
            read(" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n");
        let record = records[0].as_ref().unwrap();
        assert_eq!((record.line, record.customer.external_id.as_str()), (2, "1"));
        assert_eq!(record.order.external_id, "0000000001-19970101-1");
        assert_eq!(record.order.total_minor, 1177);
        assert_eq!(record.order.items[0].quantity, 1);
        assert_eq!(record.order.placed_at.to_rfc3339(), "1997-01-01T12:00:00+00:00");
    }

    #[test]
    fn reads_the_headerless_sample_layout() {
        let records = read(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970101  1   5.00\r\n");
        let ids: Vec<_> = records.iter().map(|r| r.as_ref().unwrap().order.external_id.clone()).collect();
        assert_eq!(ids, ["0000000004-19970101-1", "0000000004-19970101-2"]);
        assert_eq!(records[0].as_ref().unwrap().line, 1);
        // Sources imported before padding keep their ids.
        let unpadded = read_with(" 00004 0001 19970101  2   29.33\r\n", CdnowOrderIds::Unpadded);
        assert_eq!(unpadded[0].as_ref().unwrap().order.external_id, "4-19970101-1");
        assert_eq!(records[1].as_ref().unwrap().order.total_minor, 500);
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let records = read(
            "customer_id date number_of_cds dollar_value\n1 19971301 1 2.00\n2 19970101 x 2.00\n3 19970101\n",
        );
        let messages: Vec<String> = records.iter().map(|r| r.as_ref().unwrap_err().to_string()).collect();
        assert_eq!(messages[0], "cd.txt:2: column `date`: `19971301` is not a date (expected YYYYMMDD)");
        assert!(
            messages[1].starts_with("cd.txt:3: column `number_of_cds`: `x` is not a quantity"),
            "{}",
            messages[1]
        );
        assert!(messages[2].starts_with("cd.txt:4: column `number_of_cds`: is missing"), "{}", messages[2]);
    }

    #[test]
    fn a_header_without_an_amount_column_is_a_file_error() {
        let error = CdnowSource::open(
            Input::from_bytes("cd.txt", b"customer_id date\n1 19970101\n".to_vec()),
            IdCounters::All,
            CdnowOrderIds::Padded,
        )
        .err();
        assert!(matches!(error, Some(ImportError::MissingColumn { column, .. }) if column == "dollar_value"));
    }

    #[test]
    fn an_all_zero_customer_number_is_zero() {
        let at = At { file: "f", line: 1 };
        assert_eq!(customer_number(&at, "customer_id", "0000").unwrap(), "0");
        assert!(customer_number(&at, "customer_id", "A1").is_err());
    }
}
