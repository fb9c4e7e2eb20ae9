//! Sources (an Etsy shop, an OpenCart store, a CSV import, the API) and the per-source identity
//! of a customer.

use std::fmt;

/// Name of a source of customers and orders, like `etsy` or `shop-eu`.
///
/// Lower-case ASCII letters, digits, `-`, `_` and `.`; 1 to 64 characters. It appears in keys,
/// URLs and file names, so it is kept plain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceName(String);

/// Why a text is not a source name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a source name (1-64 characters of a-z, 0-9, `-`, `_`, `.`)")]
pub struct SourceNameError(pub String);

impl SourceName {
    /// Checks and lower-cases `raw`.
    pub fn parse(raw: &str) -> Result<Self, SourceNameError> {
        let name = raw.trim().to_ascii_lowercase();
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
        if valid { Ok(SourceName(name)) } else { Err(SourceNameError(raw.to_string())) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SourceName {
    type Error = SourceNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        SourceName::parse(&value)
    }
}

impl From<SourceName> for String {
    fn from(value: SourceName) -> Self {
        value.0
    }
}

/// Who a customer is in one source: `(source, external_id)`, unique across the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The source that knows the customer under `external_id`.
    pub source: SourceName,
    /// The source's own id for the customer (an Etsy username, a shop customer number, an
    /// `email:` key for guests).
    pub external_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names_and_lowercases_them() {
        assert_eq!(SourceName::parse("Etsy-UK").unwrap().as_str(), "etsy-uk");
    }

    #[test]
    fn rejects_spaces_slashes_and_empty_names() {
        for bad in ["", "my shop", "a/b", &"x".repeat(65)] {
            assert!(SourceName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
