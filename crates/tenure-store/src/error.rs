//! Storage errors: what a caller can act on. Driver errors are turned into these at the engine
//! boundary and never cross it; what a driver said in detail (key values among it) stays in
//! [`StoreError::Other`] and [`StoreError::Unavailable`], which the web face logs and never shows.

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation conflicts with the stored state (a uniqueness rule, an already undone merge).
    /// The message is for people: it names the rule, never a stored value the caller did not send.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request itself is not valid (a bad database URL, a schema that needs migrating).
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be reached now (connection refused or lost, server shutting down):
    /// trying again later may work. The text is the engine's, for the log.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else the engine reported (disk full, a bug); the text is the engine's, for the log.
    #[error("storage error: {0}")]
    Other(String),
}

/// The conflict of a uniqueness rule the engine enforced on `table`, in words for people.
///
/// The engines' own messages name the constraint and, on PostgreSQL, the stored values
/// (`Key (email)=(ann@x) already exists`): someone else's data. So the words come from the table
/// alone, and the engine's text is dropped. Most such rules are checked before writing with a
/// message of their own; this one is met when two requests race to write the same thing.
pub(crate) fn unique_violation(table: Option<&str>) -> StoreError {
    let message = match table {
        Some("users") => "that e-mail is already taken",
        Some("sources") => "a source with that name exists already",
        Some("surveys") => "a survey with that name exists already",
        Some("api_tokens" | "sessions") => "that token exists already: try again",
        _ => "it was stored already, perhaps by another request at the same moment: try again",
    };
    StoreError::Conflict(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_names_the_rule_and_no_value() {
        assert_eq!(
            unique_violation(Some("users")),
            StoreError::Conflict("that e-mail is already taken".into())
        );
        let StoreError::Conflict(other) = unique_violation(Some("orders")) else { panic!("a conflict") };
        assert!(other.contains("try again"), "{other}");
    }
}
