//! Tenure's storage: one interface ([`Store`]) over two engines, SQLite (embedded, the default)
//! and PostgreSQL (several app servers over one database).
//!
//! The logic that is the same on both — identity resolution, order de-duplication, merges,
//! queries — is written once over the small [`sql::Conn`] vocabulary; the engines supply
//! connections, transactions, value binding and their own migrations. Nothing here knows HTTP,
//! templates or files.

mod audit;
mod backup;
mod cadence;
mod calendar_types;
mod created_identities;
mod error;
mod followups;
mod identities;
mod ingest;
mod interaction_batch;
mod interactions;
mod jobs;
mod loyalty;
mod loyalty_types;
mod migrate;
mod order_batch;
mod outbox;
mod outbox_types;
mod postgres_engine;
mod privacy;
mod privacy_catalogue;
mod queries;
mod referrals;
mod revision;
mod scores;
mod sources;
pub mod sql;
mod sqlite_engine;
mod store;
mod store_calendar;
mod store_loyalty;
mod store_outbox;
mod store_privacy;
mod store_surveys;
mod subscriptions;
mod suppressions;
mod survey_alerts;
mod survey_types;
mod surveys;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod types;
mod users;
mod write_types;
mod writes;

pub use audit::{AuditEntry, AuditOutcome, AuditQuery, AuditRecord};
pub use backup::{BackupReport, backup_sqlite, restore_sqlite};
pub use calendar_types::*;
pub use error::StoreError;
pub use interactions::InteractionTrigger;
pub use jobs::{Job, JobOutcome, JobRun, NewJob, Recurrence};
pub use loyalty_types::*;
pub use migrate::SchemaStatus;
pub use outbox_types::*;
pub use privacy::{ERASED_TEXT, Erasure, ExportedRows, ScrubAnswers};
pub use privacy_catalogue::catalogued_columns;
pub use store::{ImportSession, Store, open};
pub use store_calendar::{CalendarStore, InteractionImport};
pub use store_loyalty::LoyaltyStore;
pub use store_outbox::OutboxStore;
pub use store_privacy::{ExportHolder, PrivacyStore};
pub use store_surveys::SurveyStore;
pub use subscriptions::Event;
pub use survey_types::*;
pub use surveys::SurveyKey;
pub use types::*;
pub use write_types::*;
