//! Errors of the use cases: which input, which step. Faces map them to answers in one place
//! each (the web face: `tenure-web`'s `error.rs`); [`AppError::Internal`] and
//! [`AppError::Unavailable`] carry text for the log, never for the person asking.

use std::path::PathBuf;

use tenure_import::ImportError;
use tenure_store::StoreError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A file could not be opened or written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// An input cannot be imported at all (missing column, unknown format, bad mapping).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request does not make sense (bad option values).
    #[error("{0}")]
    Invalid(String),
    /// The work cannot be done now, through no fault of the request: the server is stopping, or
    /// no database connection can be had. Trying again later may work.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The work failed inside the server (it panicked, a worker was lost): nothing the caller can
    /// fix. The text says what happened, for the log.
    #[error("internal failure: {0}")]
    Internal(String),
}
