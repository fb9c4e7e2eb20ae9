//! Codes people read and type: referral codes (short, shared in links and by word of mouth)
//! and coupon codes (single-use, worth money, so unguessable). The randomness comes from the
//! caller's generator — a cryptographically secure one in production — so this stays pure.
//!
//! Both use one alphabet of 30 symbols without look-alikes: no `0`/`O`, no `1`/`I`/`L`, and no
//! `U` (it makes accidental words). Symbols are drawn by rejection sampling from bytes, so each
//! is exactly uniform: a coupon's 20 symbols carry 20 × log₂ 30 ≈ 98.1 bits.

use rand::Rng;

/// The symbols codes are made of.
pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a referral code (about 39 bits: codes are not secrets, but should not be guessed
/// in bulk; the store checks a new code is unused).
pub const REFERRAL_CODE_SYMBOLS: usize = 8;
/// Symbols in a coupon code, after its prefix.
pub const COUPON_SYMBOLS: usize = 20;
/// Symbols per group between hyphens.
const GROUP: usize = 4;
/// The largest multiple of 30 a byte can hold: bytes from here on are rejected to avoid bias.
const BYTE_LIMIT: u8 = 240;

/// Why a text is not a code, or a prefix is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// A coupon prefix must be 1 to 8 ASCII capital letters or digits.
    #[error("`{0}` is not a coupon prefix: use 1 to 8 capital letters or digits")]
    BadPrefix(String),
    /// The coupon does not start with the expected prefix.
    #[error("the code does not start with `{0}-`")]
    WrongPrefix(String),
    /// Too few or too many symbols.
    #[error("the code has {found} symbols; it should have {expected}")]
    WrongLength {
        /// Symbols the code should have.
        expected: usize,
        /// Symbols it has.
        found: usize,
    },
    /// A character that is not in the alphabet.
    #[error("`{0}` cannot appear in a code")]
    BadSymbol(char),
}

/// A new referral code like `K7MQ-4XRT`.
pub fn referral_code<R: Rng + ?Sized>(rng: &mut R) -> String {
    grouped(&symbols(rng, REFERRAL_CODE_SYMBOLS))
}

/// A new coupon code like `TEN-K7MQ-4XRT-9BCD-HJ2N-PQ3S`: `prefix` (1 to 8 capital letters or
/// digits), then 20 random symbols in groups of four.
pub fn coupon_code<R: Rng + ?Sized>(rng: &mut R, prefix: &str) -> Result<String, CodeError> {
    check_prefix(prefix)?;
    Ok(format!("{prefix}-{}", grouped(&symbols(rng, COUPON_SYMBOLS))))
}

/// The canonical form of a referral code as someone typed it: case, spaces and hyphens do not
/// matter.
pub fn parse_referral_code(text: &str) -> Result<String, CodeError> {
    let symbols = clean(text)?;
    check_length(&symbols, REFERRAL_CODE_SYMBOLS)?;
    Ok(grouped(&symbols))
}

/// The canonical form of a coupon code with `prefix` as someone typed it: case, spaces and
/// hyphens do not matter.
pub fn parse_coupon_code(text: &str, prefix: &str) -> Result<String, CodeError> {
    check_prefix(prefix)?;
    let upper = text.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix(prefix).ok_or_else(|| CodeError::WrongPrefix(prefix.to_string()))?;
    let symbols = clean(rest)?;
    check_length(&symbols, COUPON_SYMBOLS)?;
    Ok(format!("{prefix}-{}", grouped(&symbols)))
}

fn symbols<R: Rng + ?Sized>(rng: &mut R, count: usize) -> Vec<u8> {
    (0..count).map(|_| symbol(rng)).collect()
}

fn symbol<R: Rng + ?Sized>(rng: &mut R) -> u8 {
    let mut byte = [0u8; 1];
    loop {
        rng.fill_bytes(&mut byte);
        if byte[0] < BYTE_LIMIT {
            return ALPHABET[usize::from(byte[0]) % ALPHABET.len()];
        }
    }
}

fn grouped(symbols: &[u8]) -> String {
    let groups: Vec<&str> = symbols
        .chunks(GROUP)
        .map(|chunk| std::str::from_utf8(chunk).expect("alphabet symbols are ASCII"))
        .collect();
    groups.join("-")
}

/// The symbols of `text`, upper-cased, without spaces and hyphens.
fn clean(text: &str) -> Result<Vec<u8>, CodeError> {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| {
            let upper = c.to_ascii_uppercase();
            match u8::try_from(upper) {
                Ok(byte) if ALPHABET.contains(&byte) => Ok(byte),
                _ => Err(CodeError::BadSymbol(c)),
            }
        })
        .collect()
}

fn check_length(symbols: &[u8], expected: usize) -> Result<(), CodeError> {
    if symbols.len() == expected {
        Ok(())
    } else {
        Err(CodeError::WrongLength { expected, found: symbols.len() })
    }
}

fn check_prefix(prefix: &str) -> Result<(), CodeError> {
    let valid = (1..=8).contains(&prefix.len())
        && prefix.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit());
    if valid { Ok(()) } else { Err(CodeError::BadPrefix(prefix.to_string())) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn coupon_codes_carry_at_least_80_bits() {
        let bits = COUPON_SYMBOLS as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 80.0, "{bits} bits");
    }

    #[test]
    fn alphabet_has_no_look_alikes_or_repeats() {
        for confusable in b"01ILOU" {
            assert!(!ALPHABET.contains(confusable), "{}", *confusable as char);
        }
        assert_eq!(ALPHABET.iter().collect::<HashSet<_>>().len(), ALPHABET.len());
    }

    #[test]
    fn coupon_codes_have_the_prefix_and_readable_groups() {
        let mut rng = StdRng::seed_from_u64(7);
        let code = coupon_code(&mut rng, "TEN").unwrap();
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 6, "{code}");
        assert_eq!(groups[0], "TEN");
        assert!(
            groups[1..].iter().all(|group| group.len() == 4 && group.bytes().all(|b| ALPHABET.contains(&b)))
        );
    }

    #[test]
    fn codes_parse_back_whatever_the_case_and_spacing() {
        let mut rng = StdRng::seed_from_u64(8);
        let coupon = coupon_code(&mut rng, "TEN").unwrap();
        let typed = coupon.to_lowercase().replace('-', " ");
        assert_eq!(parse_coupon_code(&typed, "TEN").unwrap(), coupon);
        let referral = referral_code(&mut rng);
        assert_eq!(parse_referral_code(&referral.replace('-', "").to_lowercase()).unwrap(), referral);
    }

    #[test]
    fn parsing_names_what_is_wrong() {
        assert_eq!(parse_referral_code("K7MQ-4XR0"), Err(CodeError::BadSymbol('0')));
        assert_eq!(parse_referral_code("K7MQ"), Err(CodeError::WrongLength { expected: 8, found: 4 }));
        assert_eq!(parse_coupon_code("ABC-K7MQ", "TEN"), Err(CodeError::WrongPrefix("TEN".into())));
        assert_eq!(
            coupon_code(&mut StdRng::seed_from_u64(1), "ten"),
            Err(CodeError::BadPrefix("ten".into()))
        );
    }

    #[test]
    fn many_codes_do_not_collide_and_use_every_symbol() {
        let mut rng = StdRng::seed_from_u64(9);
        let codes: HashSet<String> = (0..10_000).map(|_| coupon_code(&mut rng, "TEN").unwrap()).collect();
        assert_eq!(codes.len(), 10_000);
        let used: HashSet<u8> =
            codes.iter().flat_map(|code| code.bytes().skip(4)).filter(|b| *b != b'-').collect();
        assert_eq!(used.len(), ALPHABET.len());
    }
}
