//! The fast way through a summary file for the purchase models: a plain numeric CSV (no quote
//! anywhere) is cut into one consecutive range of lines per core; each core reads its range a
//! block at a time into one reused buffer, parses the lines without allocating and groups the
//! rows as it goes ([`PatternPart`]), so a million-line file is never held, as text or as rows.
//! The parts are then merged in file order ([`PatternGrouper`]).
//!
//! It accepts what the csv-crate path in `summary_file.rs` accepts for such files (fields
//! trimmed, CRLF, blank lines skipped, the same checks and error texts) and gives the same
//! grouped rows; a file with a quote goes that way instead ([`Scan::Quoted`]).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use tenure_models::GroupedSummaries;
use tenure_models::patterns::{PatternGrouper, PatternPart};

use crate::AppError;

/// What the scan needs of the header: the file's name for errors, the number of fields, and the
/// (index, name) of each column read.
pub(super) struct Layout {
    pub file: String,
    pub fields: usize,
    pub x: (usize, String),
    pub t_x: (usize, String),
    pub big_t: (usize, String),
    pub weight: Option<(usize, String)>,
}

/// The outcome of a scan.
pub(super) enum Scan {
    /// Every row, validated and grouped.
    Grouped(GroupedSummaries),
    /// The file has a quote (or an unusual header line), or more distinct values than the packed
    /// keys hold: read it with the csv crate and group it with a hash map.
    Quoted,
}

/// Bytes a range reads at a time into its buffer.
const BLOCK: usize = 1 << 20;
/// Files with fewer bytes of rows than this per core are read by one thread.
const BYTES_PER_RANGE: u64 = 1 << 20;

/// Reads, checks and groups the rows of the summary file at `path` laid out as `layout` says.
///
/// # Errors
/// [`AppError::Invalid`] as `FILE:LINE: column NAME: reason` for the first bad row of the file.
pub(super) fn scan(path: &Path, layout: &Layout) -> Result<Scan, AppError> {
    let io = |e: std::io::Error| AppError::Invalid(format!("{}: {e}", layout.file));
    let Some(data_start) = first_line_end(path).map_err(io)? else {
        return Ok(Scan::Quoted);
    };
    let length = std::fs::metadata(path).map_err(io)?.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as u64;
    let ranges = cores.min((length - data_start) / BYTES_PER_RANGE).max(1);
    scan_ranges(path, layout, data_start, length, ranges)
}

/// [`scan`] with the rows cut into `ranges` ranges of about equal size, one thread each.
fn scan_ranges(
    path: &Path,
    layout: &Layout,
    data_start: u64,
    length: u64,
    ranges: u64,
) -> Result<Scan, AppError> {
    let io = |e: std::io::Error| AppError::Invalid(format!("{}: {e}", layout.file));
    let bounds: Vec<u64> = (0..=ranges).map(|k| data_start + (length - data_start) * k / ranges).collect();
    let outcomes: Vec<std::io::Result<Range>> = std::thread::scope(|scope| {
        let workers: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                scope.spawn(move || read_range(path, start, end, start == data_start, layout))
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("reading does not panic")).collect()
    });
    let mut grouper = PatternGrouper::new();
    // The header is line 1.
    let mut lines_before = 1;
    for outcome in outcomes {
        match outcome.map_err(io)? {
            Range::Quoted => return Ok(Scan::Quoted),
            Range::Bad { line, error } => return Err(error.located(layout, lines_before + line)),
            Range::Rows { part, lines } => {
                if grouper.absorb(*part).is_err() {
                    // More than millions of distinct values: the careful way still groups them.
                    return Ok(Scan::Quoted);
                }
                lines_before += lines;
            }
        }
    }
    let grouped = grouper.finish().map_err(|e| AppError::Invalid(format!("{}: {e}", layout.file)))?;
    Ok(Scan::Grouped(grouped))
}

/// The offset after the header line (the csv crate has read the header), or `None` when the
/// file is one the csv crate reads differently: a quote or a blank first line.
fn first_line_end(path: &Path) -> std::io::Result<Option<u64>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?.take(1 << 16).read_to_end(&mut head)?;
    let Some(end) = head.iter().position(|&b| b == b'\n') else {
        // A header longer than 64 KiB, or no row at all: rare enough for the careful way.
        return Ok(None);
    };
    let line = &head[..end];
    Ok((!line.contains(&b'"') && !line.iter().all(u8::is_ascii_whitespace)).then_some(end as u64 + 1))
}

/// What one range of lines gave.
enum Range {
    /// Its rows, grouped, and its number of lines.
    Rows { part: Box<PatternPart>, lines: u64 },
    /// The first bad row, at `line` of the range (1-based).
    Bad { line: u64, error: RowError },
    /// A quote: the whole file goes the careful way.
    Quoted,
}

/// Reads the lines that start in `[start, end)` of the file (the first is cut at `start` unless
/// `at_line_start`: it belongs to the range before), a block at a time into one buffer.
fn read_range(
    path: &Path,
    start: u64,
    end: u64,
    at_line_start: bool,
    layout: &Layout,
) -> std::io::Result<Range> {
    let mut file = std::fs::File::open(path)?;
    let mut part = PatternPart::new();
    let mut buffer: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    // The file offset of buffer[0], and whether the line cut at `start` was skipped yet.
    let (mut offset, mut skipped) = if at_line_start { (start, true) } else { (start - 1, false) };
    file.seek(SeekFrom::Start(offset))?;
    let mut lines = 0_u64;
    loop {
        let read = (&mut file).take(BLOCK as u64).read_to_end(&mut buffer)?;
        let at_end = read == 0;
        if buffer.contains(&b'"') {
            return Ok(Range::Quoted);
        }
        if !skipped {
            // The line holding byte `start − 1` started in the range before (if that byte is the
            // newline, our first line starts at `start`).
            let Some(newline) = buffer.iter().position(|&b| b == b'\n') else {
                if at_end {
                    return Ok(Range::Rows { part: Box::new(part), lines });
                }
                continue;
            };
            buffer.drain(..=newline);
            offset += newline as u64 + 1;
            skipped = true;
        }
        if offset >= end {
            // The line cut at `start` ran past the whole range.
            return Ok(Range::Rows { part: Box::new(part), lines });
        }
        // Whole lines, and only those that start before `end` (the one holding byte `end − 1`
        // is the last: it ends at the first newline from there, which the whole lines hold).
        let whole =
            if at_end { buffer.len() } else { buffer.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) };
        let (mut usable, mut last) = (whole, false);
        if offset + whole as u64 > end {
            let from = (end - offset - 1) as usize;
            usable = buffer[from..whole].iter().position(|&b| b == b'\n').map_or(whole, |i| from + i + 1);
            last = true;
        }
        let block = &buffer[..usable];
        match parse_part(block, 0, layout, &mut part) {
            Ok(block_lines) => lines += block_lines,
            Err(error) => {
                let line = lines + count_newlines(&block[..error.line_start]) + 1;
                return Ok(Range::Bad { line, error });
            }
        }
        if last || at_end || offset + usable as u64 >= end {
            part.flush();
            return Ok(Range::Rows {
                part: Box::new(part),
                lines: lines + u64::from(block.last().is_some_and(|&b| b != b'\n')),
            });
        }
        buffer.drain(..usable);
        offset += usable as u64;
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A bad row found in a block: where its line starts in the block, and what is wrong.
#[derive(Debug)]
struct RowError {
    line_start: usize,
    /// The column's name, or `None` for a row with the wrong number of fields.
    column: Option<String>,
    reason: String,
}

impl RowError {
    /// The error as the user sees it: `FILE:LINE: column NAME: reason`.
    fn located(self, layout: &Layout, line: u64) -> AppError {
        let file = &layout.file;
        match self.column {
            Some(column) => AppError::Invalid(format!("{file}:{line}: column {column}: {}", self.reason)),
            None => AppError::Invalid(format!("{file}:{line}: {}", self.reason)),
        }
    }
}

/// Parses the lines of `part` (which starts at `start` in its block) into `rows` and returns how
/// many lines (newlines) it has: each line
/// first by [`quick_line`], and by [`careful_line`] (which finds what is wrong, or reads what the
/// quick reader does not: spaces, signs, exponents, long numbers, blank lines) when that fails.
fn parse_part(part: &[u8], start: usize, layout: &Layout, rows: &mut PatternPart) -> Result<u64, RowError> {
    let roles = roles(layout);
    let (mut line_start, mut lines) = (0, 0);
    while line_start < part.len() {
        let (quick, next) = quick_line(part, line_start, &roles);
        let outcome = match quick {
            Some(values) => add_row(values, layout, rows),
            None => {
                let end = next - usize::from(next > line_start && part[next - 1] == b'\n');
                let line = &part[line_start..end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    Ok(())
                } else {
                    careful_line(line, layout).and_then(|values| add_row(values, layout, rows))
                }
            }
        };
        outcome.map_err(|(column, reason)| RowError { line_start: start + line_start, column, reason })?;
        lines += u64::from(part[next - 1] == b'\n');
        line_start = next;
    }
    Ok(lines)
}

/// Where each field of a line goes: `0` nowhere, `k + 1` into slot `k` of `[x, t_x, T, weight]`.
fn roles(layout: &Layout) -> Vec<u8> {
    let mut roles = vec![0; layout.fields];
    let columns = [Some(&layout.x), Some(&layout.t_x), Some(&layout.big_t), layout.weight.as_ref()];
    for (slot, column) in (1_u8..).zip(columns) {
        if let Some((index, _)) = column {
            roles[*index] = slot;
        }
    }
    roles
}

/// Reads the line starting at `from` in one pass when it is made of plain decimals only
/// (digits and at most one point per wanted field, anything but commas in the other fields, an
/// optional CR before the newline, the header's number of fields): its `[x, t_x, T, weight]`
/// (weight 1 without the column). Returns the values, or `None` for the careful reader, and the
/// offset after the line's newline.
fn quick_line(part: &[u8], from: usize, roles: &[u8]) -> (Option<[f64; 4]>, usize) {
    let mut values = [0.0, 0.0, 0.0, 1.0];
    let (mut field, mut ok, mut i) = (0, true, from);
    loop {
        let role = roles.get(field).copied().unwrap_or(0);
        // One field: a number for a wanted column, anything for the others.
        let (mut mantissa, mut digits, mut decimals, mut dot) = (0_u64, 0_u32, 0_usize, false);
        let mut end = part.len();
        while i < part.len() {
            let byte = part[i];
            if byte == b',' || byte == b'\n' {
                end = i;
                break;
            }
            i += 1;
            if role == 0 {
                continue;
            }
            match byte {
                b'0'..=b'9' => {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
                    digits += 1;
                    decimals += usize::from(dot);
                }
                b'.' if !dot => dot = true,
                b'\r' if part.get(i) == Some(&b'\n') => {}
                _ => ok = false,
            }
        }
        if role > 0 {
            if digits == 0 || digits > 19 || mantissa >= 1 << 53 || decimals >= EXACT_POWERS_OF_TEN.len() {
                ok = false;
            } else {
                values[usize::from(role - 1)] = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
            }
        }
        field += 1;
        if end == part.len() || part[end] == b'\n' {
            let next = (end + 1).min(part.len());
            return ((ok && field == roles.len()).then_some(values), next);
        }
        i = end + 1;
    }
}

/// A row's error before its line is known: the column (if any) and the reason.
type LineError = (Option<String>, String);

/// Reads one data line field by field: its `[x, t_x, T, weight]`, or what is wrong with it.
fn careful_line(line: &[u8], layout: &Layout) -> Result<[f64; 4], LineError> {
    let mut cells: [&[u8]; 4] = [b""; 4];
    let roles = roles(layout);
    let mut fields = 0;
    for (index, field) in line.split(|&b| b == b',').enumerate() {
        if let Some(&role) = roles.get(index).filter(|&&r| r > 0) {
            cells[usize::from(role - 1)] = field.trim_ascii();
        }
        fields += 1;
    }
    if fields != layout.fields {
        return Err((None, format!("{fields} fields where the header has {}", layout.fields)));
    }
    let value = |cell: &[u8], (_, name): &(usize, String)| -> Result<f64, LineError> {
        summary_number(cell).map_err(|reason| (Some(name.clone()), reason))
    };
    let weight = layout.weight.as_ref().map_or(Ok(1.0), |column| value(cells[3], column))?;
    Ok([value(cells[0], &layout.x)?, value(cells[1], &layout.t_x)?, value(cells[2], &layout.big_t)?, weight])
}

/// Checks that recency lies in [0, T] with T > 0 and adds the row.
fn add_row(
    [x, t_x, big_t, weight]: [f64; 4],
    layout: &Layout,
    rows: &mut PatternPart,
) -> Result<(), LineError> {
    if let Some(reason) = recency_problem(t_x, big_t) {
        return Err((Some(layout.t_x.1.clone()), reason));
    }
    rows.push(x, t_x, big_t, weight);
    Ok(())
}

/// A summary file's number: finite and ≥ 0, else why not (both readers' wording).
pub(super) fn summary_number(cell: &[u8]) -> Result<f64, String> {
    let fail = |reason: &str| format!("`{}` {reason}", String::from_utf8_lossy(cell));
    let value = parse_number(cell).ok_or_else(|| fail("is not a number"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(fail("must be a finite number ≥ 0"));
    }
    Ok(value)
}

/// Why `(t_x, T)` cannot be a summary — recency outside [0, T] or T not positive — or `None`.
pub(super) fn recency_problem(t_x: f64, big_t: f64) -> Option<String> {
    (t_x > big_t || big_t <= 0.0)
        .then(|| format!("recency {t_x} must lie in [0, T] and T = {big_t} must be > 0"))
}

/// Powers of ten that are exact in an f64.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// A decimal number as `str::parse::<f64>` reads it. Plain decimals (`123`, `30.43`) with a
/// mantissa below 2⁵³ and at most 22 decimals take Clinger's fast path: the mantissa and the
/// power of ten are both exact, so one correctly rounded division gives the correctly rounded
/// value — the same bits as the standard parser, without its generality. Anything else (signs,
/// exponents, long mantissas, `inf`) goes to the standard parser.
fn parse_number(text: &[u8]) -> Option<f64> {
    let (mut mantissa, mut digits, mut decimals, mut dot) = (0_u64, 0_u32, 0_usize, false);
    for &byte in text {
        match byte {
            b'0'..=b'9' if digits < 19 => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digits += 1;
                decimals += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return standard_parse(text),
        }
    }
    if digits == 0 || mantissa >= 1 << 53 || decimals >= EXACT_POWERS_OF_TEN.len() {
        return standard_parse(text);
    }
    Some(mantissa as f64 / EXACT_POWERS_OF_TEN[decimals])
}

fn standard_parse(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn layout(file: &str) -> Layout {
        let column = |index: usize, name: &str| (index, name.to_string());
        Layout {
            file: file.to_string(),
            fields: 4,
            x: column(1, "frequency"),
            t_x: column(2, "recency"),
            big_t: column(3, "T"),
            weight: None,
        }
    }

    /// A summary file of `rows` rows in every shape the quick reader must hand over or accept
    /// (spaces, CRLF, blank lines, exponents, long decimals), and the rows it holds.
    fn varied_file(rows: usize) -> (String, Vec<[f64; 3]>) {
        let mut text = String::from("id,frequency,recency,T\n");
        let mut values = Vec::new();
        for i in 0..rows {
            let x = (i % 9) as f64;
            let big_t = 1.0 + (i % 3_907) as f64 / 100.0;
            let t_x = if x == 0.0 { 0.0 } else { big_t * ((i % 7) as f64 / 7.0) };
            let line = match i % 11 {
                0 => format!("{i}, {x} ,{t_x},{big_t}\r\n"),
                1 => format!("C{i},{x:e},{t_x:.20},{big_t}\n\n"),
                _ => format!("{i},{x},{t_x},{big_t}\n"),
            };
            text.push_str(&line);
            let t_x: f64 = if i % 11 == 1 { format!("{t_x:.20}").parse().unwrap() } else { t_x };
            values.push([x, t_x, big_t]);
        }
        (text, values)
    }

    fn scan_file(text: &str, ranges: u64) -> Result<Scan, AppError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.csv");
        std::fs::write(&path, text).unwrap();
        let data_start = first_line_end(&path).unwrap().expect("a plain header");
        scan_ranges(&path, &layout("summary.csv"), data_start, text.len() as u64, ranges)
    }

    fn grouped(scan: Result<Scan, AppError>) -> GroupedSummaries {
        match scan.unwrap() {
            Scan::Grouped(grouped) => grouped,
            Scan::Quoted => panic!("a file without quotes went the careful way"),
        }
    }

    #[test]
    fn any_number_of_ranges_groups_the_rows_the_file_holds_identically() {
        let (text, values) = varied_file(60_000);
        let expected = GroupedSummaries::from_weighted(
            values.iter().map(|&[x, t_x, big_t]| tenure_models::WeightedSummary {
                x,
                t_x,
                big_t,
                weight: 1.0,
            }),
        )
        .unwrap();
        let one = grouped(scan_file(&text, 1));
        let sorted = |g: &GroupedSummaries| {
            let mut rows: Vec<_> = g.rows().iter().map(|r| (r.x, r.t_x, r.big_t, r.weight)).collect();
            rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
            rows
        };
        assert_eq!(sorted(&one), sorted(&expected));
        assert_eq!(one.x_levels(), expected.x_levels());
        for ranges in [2, 3, 7, 64] {
            assert_eq!(grouped(scan_file(&text, ranges)), one, "{ranges} ranges");
        }
    }

    #[test]
    fn a_bad_row_far_into_the_file_is_named_by_its_line_whatever_the_ranges() {
        let (mut text, _) = varied_file(60_000);
        let line_count = text.lines().count();
        text.push_str("x,3,9,4\n1,1,1,2\n");
        for ranges in [1, 2, 5, 64] {
            let error = scan_file(&text, ranges).err().expect("refused").to_string();
            assert_eq!(
                error,
                format!(
                    "summary.csv:{}: column recency: recency 9 must lie in [0, T] and T = 4 must be > 0",
                    line_count + 1
                ),
                "{ranges} ranges"
            );
        }
        let quoted = text.replace("x,3,9,4", "\"x\",3,1,4");
        for ranges in [1, 3] {
            assert!(matches!(scan_file(&quoted, ranges), Ok(Scan::Quoted)));
        }
    }

    #[test]
    fn plain_decimals_parse_to_the_standard_parsers_bits() {
        for text in
            ["0", "0.00", "30.43", "38.86", "1.", ".5", "007", "9007199254740991", "0.1234567890123456789"]
        {
            assert_eq!(parse_number(text.as_bytes()), text.parse().ok(), "{text}");
        }
        for text in ["", ".", "-1", "1e3", "inf", "1.2.3", "12a", "99999999999999999999"] {
            assert_eq!(parse_number(text.as_bytes()), text.parse().ok(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_decimal_parses_as_the_standard_parser_does(integer in 0_u64..10_000_000_000, decimals in 0_usize..25, digits in any::<u64>()) {
            let fraction: String = digits.to_string().chars().cycle().take(decimals).collect();
            let text = if decimals == 0 { integer.to_string() } else { format!("{integer}.{fraction}") };
            prop_assert_eq!(parse_number(text.as_bytes()), text.parse::<f64>().ok(), "{}", text);
        }
    }
}
