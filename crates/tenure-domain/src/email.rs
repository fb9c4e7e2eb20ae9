//! Normalised e-mail addresses: the key that joins one customer's identities across sources.

use std::fmt;

/// An e-mail address, normalised: surrounding whitespace removed and lower-cased.
///
/// Lower-casing the local part is not strictly RFC 5321, but every mail provider sellers meet
/// treats it case-insensitively, and two spellings of one address must be one customer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing, or only whitespace.
    #[error("the e-mail address is empty")]
    Empty,
    /// No `local@domain` shape.
    #[error("`{0}` is not an e-mail address (expected local@domain)")]
    Malformed(String),
}

impl Email {
    /// Normalises and checks `raw`: one `@`, something on each side, a dot-free-or-not domain
    /// without spaces. Deliberately lenient beyond that: shops have already accepted the address.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let normalised = trimmed.to_lowercase();
        let valid = match normalised.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !normalised.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if valid { Ok(Email(normalised)) } else { Err(EmailError::Malformed(trimmed.to_string())) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        let email = Email::parse("  Eve.Brown1@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "eve.brown1@example.com");
    }

    #[test]
    fn keeps_non_ascii_local_parts() {
        assert_eq!(Email::parse("Søren.Jones2@example.com").unwrap().as_str(), "søren.jones2@example.com");
    }

    #[test]
    fn rejects_text_without_an_at_sign() {
        assert!(matches!(Email::parse("eve"), Err(EmailError::Malformed(_))));
        assert!(matches!(Email::parse("a@b@c"), Err(EmailError::Malformed(_))));
        assert!(matches!(Email::parse("a b@c"), Err(EmailError::Malformed(_))));
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
    }
}
