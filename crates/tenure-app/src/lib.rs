//! Tenure's use cases: each public function is one thing a seller asks for, written against the
//! store interface and the importers, knowing neither SQL nor HTTP nor the terminal.

pub mod access;
pub mod audit;
pub mod calendar;
mod error;
pub mod export;
pub mod generate;
pub mod import;
pub mod jobs;
pub mod loyalty;
pub mod models;
pub mod orders;
pub mod outbox;
pub mod privacy;
pub mod reports;
pub mod sources;
pub mod surveys;
pub mod users;
pub mod webhooks;

pub use error::AppError;
