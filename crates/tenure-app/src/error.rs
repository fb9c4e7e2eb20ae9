//! Errors of the use cases: which input, which step.

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
}
