//! Tenure's domain: the types every layer speaks — customers, orders, money, identities.
//!
//! Pure data and validation. No IO, no async, no SQL, no HTTP: those belong to the layers above.

mod email;
mod interaction;
mod money;
mod order;
mod role;
mod source;
mod url;
mod webhook;

pub use email::{Email, EmailError};
pub use interaction::{
    Channel, CustomerRef, Direction, FUTURE_SLACK_SECONDS, InteractionError, InteractionRecord,
    MAX_NOTES_CHARS, MAX_SUBJECT_CHARS, QueryState,
};
pub use money::{Currency, CurrencyError, Money, MoneyError, parse_amount};
pub use order::{CustomerRecord, ImportRecord, OrderItem, OrderRecord, OrderStatus};
pub use role::{Role, RoleError};
pub use source::{Identity, SourceName, SourceNameError};
pub use url::redact_password;
pub use webhook::{WebhookKind, WebhookKindError, WebhookSecret};

/// Store-assigned identifier of a customer (one person or business, across all sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CustomerId(pub i64);

impl std::fmt::Display for CustomerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// UTC instant; every stored time is one of these. Display time zones are a setting of the faces.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
