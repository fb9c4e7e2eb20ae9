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

use rayon::prelude::*;
use tenure_models::GroupedSummaries;
use tenure_models::patterns::{PatternGrouper, PatternPart};

use super::summary_fields::{Decimal, decimal_field, parse_number, skip_field};
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

/// [`scan`] with the rows cut into `ranges` ranges of about equal size, read in parallel.
fn scan_ranges(
    path: &Path,
    layout: &Layout,
    data_start: u64,
    length: u64,
    ranges: u64,
) -> Result<Scan, AppError> {
    let io = |e: std::io::Error| AppError::Invalid(format!("{}: {e}", layout.file));
    let bounds: Vec<u64> = (0..=ranges).map(|k| data_start + (length - data_start) * k / ranges).collect();
    // Read side by side on rayon's pool; collected in file order, which the line numbers need.
    let outcomes: Vec<std::io::Result<Range>> =
        bounds.par_windows(2).map(|w| read_range(path, w[0], w[1], w[0] == data_start, layout)).collect();
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
            Some(decimals) => add_decimals(decimals, layout, rows),
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
/// (weight 1 without the column). Returns them, or `None` for the careful reader, and the offset
/// after the line's newline.
fn quick_line(part: &[u8], from: usize, roles: &[u8]) -> (Option<[Decimal; 4]>, usize) {
    let mut values = [
        Decimal { digits: 0, decimals: 0 },
        Decimal { digits: 0, decimals: 0 },
        Decimal { digits: 0, decimals: 0 },
        Decimal::ONE,
    ];
    let (mut ok, mut i) = (true, from);
    for (field, &role) in roles.iter().enumerate() {
        let last_field = field + 1 == roles.len();
        let (end, number) = if role == 0 { (skip_field(part, i), None) } else { decimal_field(part, i) };
        if role > 0 {
            match number {
                Some(number) => values[usize::from(role - 1)] = number,
                None => ok = false,
            }
        }
        match part.get(end) {
            Some(b',') if !last_field => i = end + 1,
            Some(b'\n') if last_field => return (ok.then_some(values), end + 1),
            Some(b'\r') if last_field && part.get(end + 1) == Some(&b'\n') => {
                return (ok.then_some(values), end + 2);
            }
            _ => return (None, line_end(part, end)),
        }
    }
    (None, line_end(part, i))
}

/// The offset after the newline that ends the line holding `i` (or the end).
fn line_end(part: &[u8], i: usize) -> usize {
    part[i.min(part.len())..].iter().position(|&b| b == b'\n').map_or(part.len(), |n| i + n + 1)
}

/// Adds a row the quick reader read: by whole hundredths when `x`, `t_x` and `T` have at most
/// two decimals (no float is made, and recency is checked on the integers), else as
/// [`add_row`] does.
fn add_decimals(
    [x, t_x, big_t, weight]: [Decimal; 4],
    layout: &Layout,
    rows: &mut PatternPart,
) -> Result<(), LineError> {
    match (x.hundredths(), t_x.hundredths(), big_t.hundredths()) {
        (Some(x), Some(t_x), Some(big_t)) if t_x <= big_t && big_t > 0 => {
            rows.push_hundredths([x, t_x, big_t], weight.value());
            Ok(())
        }
        _ => add_row([x.value(), t_x.value(), big_t.value(), weight.value()], layout, rows),
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

#[cfg(test)]
mod tests {
    use super::*;

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
            let mut rows: Vec<_> = g.rows().map(|r| (r.x, r.t_x, r.big_t, r.weight)).collect();
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
}
