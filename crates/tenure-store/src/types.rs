//! Values the store returns: summaries, customer pages, import outcomes.

use std::collections::BTreeMap;

use serde::Serialize;
use tenure_domain::{CustomerId, OrderItem, OrderStatus, Timestamp};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// What an import session wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// New orders.
    pub orders_added: u64,
    /// Orders stored already, exactly so.
    pub orders_unchanged: u64,
    /// Orders stored already that the source now reports differently (a refund, a cancellation):
    /// brought up to date.
    pub orders_updated: u64,
    /// New customers.
    pub customers_added: u64,
    /// New identities that joined an existing customer with the same e-mail.
    pub customers_merged: u64,
    /// Records of people whose data was erased (the source's id for them is on file as a keyed
    /// hash): left out, so an old export imported again does not bring them back.
    pub records_of_erased: u64,
}

/// The customer file at a glance (`tenure stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Customers with at least one order of any status.
    pub customers: u64,
    /// Orders of any status.
    pub orders: u64,
    /// Orders that count as purchases (paid, partially refunded).
    pub paid_orders: u64,
    /// Earliest order time, of any status.
    pub first_order_at: Option<Timestamp>,
    /// Latest order time, of any status.
    pub last_order_at: Option<Timestamp>,
    /// Revenue of purchases after refunds, in minor units, per ISO-4217 currency.
    pub revenue: BTreeMap<String, i64>,
}

/// One line of the customer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerSummary {
    /// Store id.
    pub id: CustomerId,
    /// Normalised e-mail, when any source gave one.
    pub email: Option<String>,
    /// Display name, when any source gave one.
    pub name: Option<String>,
    /// Orders of any status.
    pub orders: u64,
    /// Orders that count as purchases.
    pub paid_orders: u64,
    /// Revenue after refunds per currency, in minor units.
    pub revenue: BTreeMap<String, i64>,
    /// First order time.
    pub first_order_at: Option<Timestamp>,
    /// Last order time.
    pub last_order_at: Option<Timestamp>,
}

/// An API token as stored: never the token itself, only what it is for and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Token id (what `tenure token revoke` takes).
    pub id: i64,
    /// A name saying what it is for (`shopify-sync`).
    pub name: String,
    /// What it may do.
    pub role: tenure_domain::Role,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used, if ever.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A dashboard user as stored (never the password or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// Their e-mail (lower case): what they sign in with.
    pub email: String,
    /// How the dashboard greets them.
    pub name: String,
    /// What they may do.
    pub role: tenure_domain::Role,
    /// When the user was created.
    pub created_at: Timestamp,
}

/// A live dashboard session: whose it is and the token its forms must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The signed-in user.
    pub user: UserInfo,
    /// The session's anti-CSRF token: every form posted in this session carries it.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: Timestamp,
}

/// A user for [`crate::Store::create_user`]: the app layer hashes the password first.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    /// E-mail, normalised (lower case).
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: tenure_domain::Role,
    /// argon2id PHC string.
    pub password_hash: &'a str,
}

/// How to address a customer: for lists that name the people in them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Store id.
    pub id: CustomerId,
    /// Display name, when any source gave one.
    pub name: Option<String>,
    /// Normalised e-mail, when any source gave one.
    pub email: Option<String>,
}

/// Which customers to list, and which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    /// Customers with ids strictly greater than this (keyset pagination); `None` from the start.
    pub after: Option<CustomerId>,
    /// Page size.
    pub limit: u32,
}

impl Default for CustomerQuery {
    fn default() -> Self {
        CustomerQuery { after: None, limit: 50 }
    }
}

/// A customer's identity in one source, as shown on the customer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityView {
    /// Source name.
    pub source: String,
    /// The source's id of the customer.
    pub external_id: String,
    /// E-mail the source gave.
    pub email: Option<String>,
    /// Marketing consent the source stated, if any.
    pub marketing_consent: Option<bool>,
    /// When the store first saw it.
    pub created_at: Timestamp,
}

/// An identity joined to a customer because of a shared e-mail, and whether it was undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeView {
    /// Merge id (what `tenure customers unmerge` takes).
    pub id: i64,
    /// Source of the joined identity.
    pub source: String,
    /// External id of the joined identity.
    pub external_id: String,
    /// Why it was joined.
    pub reason: String,
    /// When.
    pub merged_at: Timestamp,
    /// When it was undone, if it was.
    pub undone_at: Option<Timestamp>,
    /// The customer the identity was split off into, if undone.
    pub split_customer_id: Option<CustomerId>,
}

/// One order on the customer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderView {
    /// Source name.
    pub source: String,
    /// The source's order id.
    pub external_id: String,
    /// When placed.
    pub placed_at: Timestamp,
    /// Status.
    pub status: OrderStatus,
    /// Currency.
    pub currency: String,
    /// Charged before refunds, minor units.
    pub total_minor: i64,
    /// Refunded, minor units.
    pub refunded_minor: i64,
    /// Lines, when the source gave them.
    pub items: Vec<OrderItem>,
}

/// Everything about one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerDetail {
    /// Store id.
    pub id: CustomerId,
    /// Normalised e-mail.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Marketing consent: `Some(true)` only when a source said so.
    pub marketing_consent: Option<bool>,
    /// When the store first saw the customer.
    pub created_at: Timestamp,
    /// Identities per source.
    pub identities: Vec<IdentityView>,
    /// Merges into this customer.
    pub merges: Vec<MergeView>,
    /// Orders, oldest first.
    pub orders: Vec<OrderView>,
}

/// One purchase, as the analytics read them: in customer order, then time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseRow {
    /// The customer.
    pub customer: CustomerId,
    /// When placed (UTC).
    pub placed_at: Timestamp,
    /// Revenue after refunds, minor units.
    pub revenue_minor: i64,
}

/// One customer's model scores (issue 4), as of one shop-calendar day, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerScore {
    /// The customer.
    pub customer: CustomerId,
    /// ISO-4217 code of the purchases the model saw.
    pub currency: String,
    /// The transaction model (`bgnbd`, `pareto-nbd`, `mbgnbd`).
    pub model: String,
    /// The day the scores describe (end of that day, shop calendar).
    pub as_of: chrono::NaiveDate,
    /// Probability the customer is still alive (buying), in `[0, 1]`.
    pub probability_alive: f64,
    /// Expected purchase days in the next `horizon_days` days.
    pub expected_purchases: f64,
    /// The horizon of `expected_purchases`, in days.
    pub horizon_days: u32,
    /// Expected spend per purchase day (Gamma-Gamma), minor units, rounded.
    pub expected_spend_minor: i64,
    /// Customer lifetime value, minor units, rounded.
    pub clv_minor: i64,
}

/// The order in which [`crate::Store::scores`] lists customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreOrder {
    /// Highest CLV first (then by customer id).
    HighestClv,
    /// Lowest probability alive first (then by customer id).
    LowestProbabilityAlive,
    /// By customer id.
    Customer,
}

/// Which scores to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreQuery {
    /// Only scores in this currency.
    pub currency: String,
    /// In which order.
    pub order: ScoreOrder,
    /// At most this many; `None` for all.
    pub limit: Option<u32>,
}
