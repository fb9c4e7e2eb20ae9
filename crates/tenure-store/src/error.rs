//! Storage errors: what a caller can act on. Driver errors are turned into these at the engine
//! boundary and never cross it.

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation conflicts with the stored state (a uniqueness rule, an already undone merge).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request itself is not valid (a bad database URL, a schema that needs migrating).
    #[error("{0}")]
    Invalid(String),
    /// Anything else the engine reported (connection lost, disk full); the text is the engine's.
    #[error("storage error: {0}")]
    Other(String),
}
