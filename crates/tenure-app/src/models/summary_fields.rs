//! One field of a summary file's line, read fast: a plain decimal of up to seven digits from one
//! 8-byte word, without a branch per byte (`summary_scan.rs` reads a million lines this way); a
//! separator found eight bytes at a time; and numbers parsed to the standard parser's bits.
//! Anything else is read a byte at a time, with the same answers.

/// A plain decimal as the quick reader saw it: its digits as one integer and how many of them
/// follow the point (`20.81` is 2081 and 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Decimal {
    pub digits: u64,
    pub decimals: usize,
}

impl Decimal {
    pub const ONE: Decimal = Decimal { digits: 1, decimals: 0 };

    /// The value as a whole number of hundredths, when it has at most two decimals.
    pub fn hundredths(self) -> Option<u64> {
        // digits < 2⁵³ (the quick reader's bound), so neither product overflows.
        match self.decimals {
            0 => Some(self.digits * 100),
            1 => Some(self.digits * 10),
            2 => Some(self.digits),
            _ => None,
        }
    }

    /// The value `str::parse` reads: mantissa and power of ten are both exact, so one correctly
    /// rounded division gives the correctly rounded value (Clinger's fast path).
    pub fn value(self) -> f64 {
        if self.decimals == 0 {
            // Exact (digits < 2⁵³), and no division: weights are mostly whole.
            return self.digits as f64;
        }
        self.digits as f64 / EXACT_POWERS_OF_TEN[self.decimals]
    }
}

/// The offset of the first `,`, CR or newline from `i` (or the end): eight bytes at a time.
#[inline]
pub(super) fn skip_field(part: &[u8], mut i: usize) -> usize {
    while let Some(window) = eight_bytes(part, i) {
        let ends = has_byte(window, b',') | has_byte(window, b'\n') | has_byte(window, b'\r');
        if ends != 0 {
            return i + first_flagged(ends);
        }
        i += 8;
    }
    while let Some(&byte) = part.get(i) {
        if matches!(byte, b',' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// Reads the plain decimal from `i` to the first byte that is neither a digit nor its first
/// point: that offset, and the number unless it is empty, has more than 19 digits or a mantissa
/// of 2⁵³ or more, or more decimals than an exact power of ten allows. A field that ends within
/// the eight bytes at `i` (the files' `2`, `20.81`, `38.00`) is read with one load and no branch
/// per byte ([`decimal_in_window`]), others a byte at a time.
#[inline]
pub(super) fn decimal_field(part: &[u8], i: usize) -> (usize, Option<Decimal>) {
    if let Some(read) = eight_bytes(part, i).and_then(decimal_in_window) {
        return (i + read.0, read.1);
    }
    decimal_bytewise(part, i)
}

/// [`decimal_field`] a byte at a time.
fn decimal_bytewise(part: &[u8], mut i: usize) -> (usize, Option<Decimal>) {
    let (mut digits, mut count, mut decimals, mut dot) = (0_u64, 0_u32, 0_usize, false);
    while let Some(&byte) = part.get(i) {
        match byte {
            b'0'..=b'9' => {
                digits = digits.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
                count += 1;
                decimals += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    let fits = count > 0 && count <= 19 && digits < 1 << 53 && decimals < EXACT_POWERS_OF_TEN.len();
    (i, fits.then_some(Decimal { digits, decimals }))
}

/// The eight bytes at `i` as one little-endian word (byte `i` lowest), if the part has them.
#[inline]
fn eight_bytes(part: &[u8], i: usize) -> Option<u64> {
    let bytes: [u8; 8] = part.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `word` equal to `byte` — exact up to the first such byte, which
/// is all that is read of it (Mycroft's zero-byte test on `word ^ byte…byte`).
#[inline]
fn has_byte(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The index of the lowest byte whose high bit is set in `flags` (8 when none is).
#[inline]
fn first_flagged(flags: u64) -> usize {
    flags.trailing_zeros() as usize / 8
}

/// The plain decimal at the start of `window` when it ends (at a byte that is neither a digit
/// nor its first point) within the window, with fewer than eight digits: the number of bytes it
/// takes and the number (`None` when it has no digit). `None` when it runs past the window.
///
/// Bytes become digit values by `^ 0x30`; a byte is a digit exactly when that value is below 10,
/// tested for all eight at once. The point is cut out, and the digits — most significant in the
/// lowest byte — are combined pairwise in three multiplications (10, 100, 10,000).
#[inline]
fn decimal_in_window(window: u64) -> Option<(usize, Option<Decimal>)> {
    let values = window ^ (ONES * u64::from(b'0'));
    // (v & 0x7f) + 0x76 has its high bit set exactly when v & 0x7f ≥ 10, and cannot carry.
    let not_digit = (((values & !HIGHS) + ONES * 0x76) | values) & HIGHS;
    let first = first_flagged(not_digit);
    if first == 8 {
        return None;
    }
    let (end, dot) = if window >> (8 * first) & 0xff == u64::from(b'.') {
        if first == 7 {
            return None;
        }
        // The digits after the point end at the next byte that is not one.
        let after = not_digit & (u64::MAX << (8 * (first + 1)));
        (first_flagged(after), Some(first))
    } else {
        (first, None)
    };
    if end >= 8 {
        return None;
    }
    let (count, decimals, digits) = match dot {
        Some(dot) => {
            let below = values & ((1 << (8 * dot)) - 1);
            let above = (values >> (8 * (dot + 1))) << (8 * dot);
            (end - 1, end - dot - 1, below | above)
        }
        None => (end, 0, values),
    };
    if count == 0 {
        return Some((end, None));
    }
    // The digits alone, moved to the top bytes (zeros below them read as leading zeros).
    let mut v = (digits & ((1 << (8 * count)) - 1)) << (8 * (8 - count));
    v = ((v & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(10 * 256 + 1)) >> 8;
    v = ((v & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 * 65_536 + 1)) >> 16;
    v = ((v & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 * (1 << 32) + 1)) >> 32;
    Some((end, Some(Decimal { digits: v, decimals })))
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
pub(super) fn parse_number(text: &[u8]) -> Option<f64> {
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

    #[test]
    fn fields_of_up_to_seven_digits_are_read_in_one_word() {
        for (text, end, digits, decimals) in [
            ("2,", 1, 2, 0),
            ("20.81,", 5, 2081, 2),
            ("38.00\r\n", 5, 3800, 2),
            ("1234567\n", 7, 1_234_567, 0),
            (".5,xxxxx", 2, 5, 1),
            ("7.,xxxxx", 2, 7, 0),
            ("0.000001", 8, 1, 6),
        ] {
            let bytes = format!("{text:<8}").into_bytes();
            let window = u64::from_le_bytes(bytes[..8].try_into().unwrap());
            let expected = (end, Some(Decimal { digits, decimals }));
            if end < 8 {
                assert_eq!(decimal_in_window(window), Some(expected), "{text}");
            }
            assert_eq!(decimal_field(&bytes, 0), expected, "{text}");
        }
        let window =
            |text: &str| u64::from_le_bytes(format!("{text:<8}").as_bytes()[..8].try_into().unwrap());
        assert_eq!(decimal_in_window(window(",1")), Some((0, None)), "an empty field");
        assert_eq!(decimal_in_window(window("12345678")), None, "eight digits: read a byte at a time");
        assert_eq!(decimal_in_window(window("1234.5678")), None, "runs past the window");
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

    /// Bytes a field reader meets in a summary file, and a few it must stop at.
    fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(b"0123456789..,\n\rx -".to_vec()), 0..24)
    }

    proptest! {
        #[test]
        fn the_word_reader_reads_every_field_as_the_byte_reader_does(bytes in field_bytes(), from in 0_usize..4) {
            let from = from.min(bytes.len());
            prop_assert_eq!(decimal_field(&bytes, from), decimal_bytewise(&bytes, from));
            let bytewise = bytes[from..].iter().position(|b| matches!(b, b',' | b'\n' | b'\r')).map_or(bytes.len(), |n| from + n);
            prop_assert_eq!(skip_field(&bytes, from), bytewise);
        }

        #[test]
        fn any_decimal_parses_as_the_standard_parser_does(integer in 0_u64..10_000_000_000, decimals in 0_usize..25, digits in any::<u64>()) {
            let fraction: String = digits.to_string().chars().cycle().take(decimals).collect();
            let text = if decimals == 0 { integer.to_string() } else { format!("{integer}.{fraction}") };
            prop_assert_eq!(parse_number(text.as_bytes()), text.parse::<f64>().ok(), "{}", text);
        }
    }
}
