//! The storage interface and its one implementation, generic over an engine's [`Backend`].

use std::collections::BTreeMap;

use tenure_domain::{CustomerId, ImportRecord, Role, SourceName, Timestamp, WebhookKind, WebhookSecret};

use crate::migrate::{self, Migration, SchemaStatus};
use crate::sql::Conn;
use crate::{
    Contact, CustomerDetail, CustomerQuery, CustomerScore, CustomerSummary, Delivery, DeliveryOutcome,
    EngineKind, ImportCounts, KeptResponse, KeyedWrite, NewUser, OrderWrite, OrderWritten, PurchaseRow,
    ScoreQuery, SessionInfo, SourceInfo, Stats, StoreError, TokenInfo, UserInfo, WebhookEndpoint, ingest,
    postgres_engine, queries, revision, scores, sources, sqlite_engine, tokens, users, writes,
};

/// Everything the app layer asks of storage. One connection; open several for concurrency.
pub trait Store:
    crate::OutboxStore
    + crate::SurveyStore
    + crate::CalendarStore
    + crate::LoyaltyStore
    + crate::PrivacyStore
    + Send
{
    /// Which engine this is.
    fn engine(&self) -> EngineKind;
    /// Whether the connection is known to be gone (a call on it failed with a closed
    /// connection): nothing more will work on it. Costs nothing: no round trip.
    fn connection_lost(&self) -> bool;
    /// A round trip to the database (`SELECT 1`): `Ok` when the connection works now.
    fn ping(&mut self) -> Result<(), StoreError>;
    /// Applies pending migrations (idempotent; safe when several processes do it at once).
    fn migrate(&mut self, now: Timestamp) -> Result<SchemaStatus, StoreError>;
    /// Where the schema stands, without changing it.
    fn schema_status(&mut self) -> Result<SchemaStatus, StoreError>;
    /// Starts an import into `source` (created if new) as one transaction: nothing is visible
    /// to others, or kept at all, until [`ImportSession::commit`]; dropping the session, a
    /// crash or a kill leaves the store exactly as before.
    fn begin_import(
        &mut self,
        source: &SourceName,
        now: Timestamp,
    ) -> Result<Box<dyn ImportSession + '_>, StoreError>;
    /// The customer file at a glance.
    fn stats(&mut self) -> Result<Stats, StoreError>;
    /// A number that changes with every change to what reports read (orders, customers, merges,
    /// scores), whichever process made it: cached reports are good while it stays the same.
    fn revision(&mut self) -> Result<i64, StoreError>;
    /// Revenue of purchases after refunds per currency, in minor units: the currencies a
    /// report can be asked in (cheaper than [`Store::stats`], which also counts customers).
    fn revenue_by_currency(&mut self) -> Result<BTreeMap<String, i64>, StoreError>;
    /// One page of customers, by id.
    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<CustomerSummary>, StoreError>;
    /// One customer with identities, merges and orders.
    fn customer(&mut self, id: CustomerId) -> Result<CustomerDetail, StoreError>;
    /// Names and e-mails of these customers (unknown ids are left out).
    fn contacts(&mut self, ids: &[CustomerId]) -> Result<Vec<Contact>, StoreError>;
    /// Undoes an identity merge; returns the customer the identity now forms on its own.
    fn unmerge(&mut self, merge_id: i64, now: Timestamp) -> Result<CustomerId, StoreError>;
    /// Streams every purchase in `currency`, by customer then time, in one consistent snapshot.
    fn for_each_purchase(
        &mut self,
        currency: &str,
        each: &mut dyn FnMut(PurchaseRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Replaces every stored model score with `scores`, in one transaction; returns how many
    /// were written.
    fn replace_scores(&mut self, scores: &[CustomerScore]) -> Result<u64, StoreError>;
    /// Stored scores of one currency, ranked (top N by CLV, lowest probability alive, or all).
    fn scores(&mut self, query: &ScoreQuery) -> Result<Vec<CustomerScore>, StoreError>;
    /// Stored scores of these customers, by id (unscored ids are left out).
    fn scores_of(&mut self, ids: &[CustomerId]) -> Result<Vec<CustomerScore>, StoreError>;
    /// Stores a new API token by the SHA-256 (hex) of its secret; returns its id.
    fn create_token(
        &mut self,
        name: &str,
        role: Role,
        token_sha256: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// The live token whose secret hashes to `token_sha256`, its use recorded at `now` (to the
    /// minute: a token used again within a minute keeps its recorded time, and the call writes
    /// nothing).
    fn authenticate_token(
        &mut self,
        token_sha256: &str,
        now: Timestamp,
    ) -> Result<Option<TokenInfo>, StoreError>;
    /// Every token, newest first (revoked ones too).
    fn tokens(&mut self) -> Result<Vec<TokenInfo>, StoreError>;
    /// Revokes a token for good.
    fn revoke_token(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError>;
    /// Stores a dashboard user; `Conflict` when the e-mail is taken.
    fn create_user(&mut self, user: &NewUser<'_>, now: Timestamp) -> Result<i64, StoreError>;
    /// The user with this e-mail, with their password hash (for checking a login).
    fn user_by_email(&mut self, email: &str) -> Result<Option<(UserInfo, String)>, StoreError>;
    /// Every user, by e-mail.
    fn users(&mut self) -> Result<Vec<UserInfo>, StoreError>;
    /// Removes a user, ends their sessions and deletes their calendar feed. What they own
    /// (follow-ups; customers, cadence rules and alerts they are responsible for) passes to the
    /// user `reassign_to`; without one, owning follow-ups is a `Conflict` and the rest is left
    /// without an owner.
    fn remove_user(
        &mut self,
        email: &str,
        reassign_to: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Replaces a user's password hash and ends all their sessions.
    fn set_password(&mut self, email: &str, password_hash: &str, now: Timestamp) -> Result<(), StoreError>;
    /// Starts a session for `user_id`, stored by the SHA-256 (hex) of its secret.
    fn create_session(
        &mut self,
        user_id: i64,
        token_sha256: &str,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// The unexpired session whose secret hashes to `token_sha256`.
    fn session(&mut self, token_sha256: &str, now: Timestamp) -> Result<Option<SessionInfo>, StoreError>;
    /// Ends a session.
    fn delete_session(&mut self, token_sha256: &str) -> Result<(), StoreError>;
    /// Writes one order through the import's ingest path (same identity, merge and reconcile
    /// rules), in one transaction with its idempotency key: a key seen before writes nothing and
    /// answers the response kept for it (same body) or [`KeyedWrite::KeyReused`] (another body).
    /// `respond` makes the response to keep from what was written, inside the transaction.
    fn write_order(
        &mut self,
        write: &OrderWrite<'_>,
        respond: &dyn Fn(&OrderWritten) -> KeptResponse,
        now: Timestamp,
    ) -> Result<KeyedWrite, StoreError>;
    /// Writes the order of a verified webhook delivery, in one transaction with its delivery id;
    /// a delivery seen before writes nothing. `NotFound` when the source accepts no webhooks.
    fn receive_delivery(
        &mut self,
        delivery: &Delivery<'_>,
        now: Timestamp,
    ) -> Result<DeliveryOutcome, StoreError>;
    /// Lets `source` (created if new) accept webhooks of `kind` signed with `secret`, which is
    /// stored as given (HMAC needs it). `Conflict` when it accepts webhooks already.
    fn add_webhook(
        &mut self,
        source: &SourceName,
        kind: WebhookKind,
        secret: &WebhookSecret,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// How `source`'s webhooks are verified, with its secret; `None` when it accepts none.
    fn webhook_endpoint(&mut self, source: &SourceName) -> Result<Option<WebhookEndpoint>, StoreError>;
    /// Stops `source` accepting webhooks and forgets its secret, keeping its data. `NotFound` for an
    /// unknown source, `Conflict` for one without webhooks.
    fn remove_webhook(&mut self, source: &SourceName) -> Result<(), StoreError>;
    /// Every source, by name, with its webhook kind (never its secret) and order count.
    fn sources(&mut self) -> Result<Vec<SourceInfo>, StoreError>;
    /// The zone (IANA name) `source`'s files write their times in, once an import named one.
    fn source_time_zone(&mut self, source: &SourceName) -> Result<Option<String>, StoreError>;
    /// Whether `source`'s derived CDNOW order ids write customer numbers without leading zeros
    /// (sources created before migration 9); false for new sources, which pad them.
    fn source_unpadded_order_ids(&mut self, source: &SourceName) -> Result<bool, StoreError>;
    /// Remembers `zone` for `source` (created if new); the caller has checked the name.
    fn set_source_time_zone(
        &mut self,
        source: &SourceName,
        zone: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
}

/// An import in progress: one open write transaction.
pub trait ImportSession {
    /// Stores one record (see the store's identity and idempotency rules). Orders are written
    /// in batches, so a conflict may surface on a later call or at commit.
    fn ingest(&mut self, record: ImportRecord) -> Result<(), StoreError>;
    /// Writes what is queued and makes everything ingested visible and durable at once.
    fn commit(self: Box<Self>) -> Result<ImportCounts, StoreError>;
}

/// Opens the store at `url`: `sqlite:PATH` (created if missing, migrated on open) or
/// `postgres://…` / `postgresql://…` (migrated by [`Store::migrate`]: `tenure migrate`, `serve`).
pub fn open(url: &str, now: Timestamp) -> Result<Box<dyn Store>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let mut store = Engine { backend: sqlite_engine::Sqlite::open(path)? };
        store.migrate(now)?;
        Ok(Box::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut store = Engine { backend: postgres_engine::Postgres::connect(url)? };
        store.verify_migrations()?;
        Ok(Box::new(store))
    } else {
        Err(StoreError::Invalid(format!(
            "unsupported database URL `{}`: use sqlite:PATH or postgres://USER@HOST/DB",
            redact(url)
        )))
    }
}

/// `url` without a password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    tenure_domain::redact_password(url)
}

/// A transaction an engine hands out: a [`Conn`] that can be committed (and rolls back on drop).
pub(crate) trait Transaction: Conn {
    /// Commits.
    fn commit(self) -> Result<(), StoreError>;
}

/// What an engine supplies to the shared store logic.
pub(crate) trait Backend: Send {
    /// Its transactions.
    type Tx<'a>: Transaction
    where
        Self: 'a;
    /// Which engine.
    const KIND: EngineKind;
    /// Its migrations, in order.
    const MIGRATIONS: &'static [Migration];
    /// Creates the migration bookkeeping table if missing.
    const BOOTSTRAP: &'static str;
    /// One row, one integer column: 1 when the bookkeeping table exists, else 0. (Asking the
    /// catalogue instead of trying the table: a failed statement aborts a PostgreSQL transaction.)
    const BOOKKEEPING_EXISTS: &'static str;
    /// A write transaction (on SQLite taken IMMEDIATE, so writers queue instead of failing).
    fn write(&mut self) -> Result<Self::Tx<'_>, StoreError>;
    /// The write transaction of a bulk import. SQLite checks no foreign keys in it: the import
    /// writes only ids it has just read or created in the same transaction, and the checks cost
    /// a tenth of an import's time. The ingest path it runs is the one single-order writes (API,
    /// webhooks) run with the checks on, in the tests as in use. PostgreSQL keeps its checks
    /// (turning them off takes a superuser). `into` is the table the import fills: SQLite
    /// writes a first import into it, while it is empty, with a rollback journal.
    fn import_write(&mut self, into: &'static str) -> Result<Self::Tx<'_>, StoreError> {
        let _ = into;
        self.write()
    }
    /// A read transaction: one consistent snapshot.
    fn read(&mut self) -> Result<Self::Tx<'_>, StoreError>;
    /// Serialises schema changes among processes (a no-op where the write lock already does).
    fn lock_schema(tx: &mut Self::Tx<'_>) -> Result<(), StoreError>;
    /// Whether the connection is known to be gone (an embedded database never is).
    fn connection_lost(&self) -> bool {
        false
    }
    /// Every `(table, column)` of the schema: two text columns, one row per column.
    const SCHEMA_COLUMNS: &'static str;
    /// After an erasure has committed: makes the engine drop what the old values of `tables`
    /// left behind, outside any transaction (SQLite: the write-ahead log emptied, freed space
    /// being zeroed already; PostgreSQL: the tables vacuumed, their dead rows' space reclaimed).
    fn overwrite_freed(&mut self, tables: &[&str]) -> Result<(), StoreError>;
}

pub(crate) struct Engine<B> {
    pub(crate) backend: B,
}

struct Session<T> {
    tx: T,
    source_id: i64,
    state: ingest::IngestState,
    now: Timestamp,
}

impl<T: Transaction> ImportSession for Session<T> {
    fn ingest(&mut self, record: ImportRecord) -> Result<(), StoreError> {
        ingest::ingest(&mut self.tx, self.source_id, &mut self.state, record, self.now)
    }

    fn commit(mut self: Box<Self>) -> Result<ImportCounts, StoreError> {
        let counts = self.state.finish(&mut self.tx, self.source_id, self.now)?;
        if counts.orders_added + counts.orders_updated + counts.customers_merged > 0 {
            revision::bump(&mut self.tx)?;
        }
        self.tx.commit()?;
        Ok(counts)
    }
}

impl<B: Backend> Engine<B> {
    /// Runs `work` in one checked write transaction and commits it.
    pub(crate) fn write<T>(
        &mut self,
        work: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.backend.write()?;
        require_current::<B>(&mut tx)?;
        let value = work(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Like [`Engine::write`], for one order written while others may be written at once: on
    /// PostgreSQL two transactions can race to create the same customer's identity, and the
    /// loser's unique violation aborts it. It is rolled back and run again, and then finds what
    /// the winner committed. (SQLite's writers queue, so it never gets here.)
    fn write_retrying<T>(
        &mut self,
        mut work: impl FnMut(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        const ATTEMPTS: usize = 5;
        let mut attempt = 1;
        loop {
            match self.write(&mut work) {
                Err(StoreError::Conflict(_)) if attempt < ATTEMPTS => attempt += 1,
                outcome => return outcome,
            }
        }
    }

    /// Refuses this binary when a migration the database has applied differs from its copy
    /// (SQLite checks this on every migration at open; PostgreSQL here, at connecting).
    fn verify_migrations(&mut self) -> Result<(), StoreError> {
        let mut tx = self.backend.read()?;
        if tx.query_one(B::BOOKKEEPING_EXISTS, &[])?.int(0)? == 0 {
            return Ok(());
        }
        migrate::verify_checksums(&mut tx, B::MIGRATIONS)
    }

    pub(crate) fn checked_read(&mut self) -> Result<B::Tx<'_>, StoreError> {
        let mut tx = self.backend.read()?;
        require_current::<B>(&mut tx)?;
        Ok(tx)
    }
}

/// Refuses to work on a schema this binary does not match, with the fix in the message.
pub(crate) fn require_current<B: Backend>(conn: &mut dyn Conn) -> Result<(), StoreError> {
    let current = current_version_readonly::<B>(conn)?;
    let latest = migrate::latest(B::MIGRATIONS);
    if current < latest {
        return Err(StoreError::Invalid(format!(
            "the database schema is at version {current} and this tenure needs {latest}: run `tenure migrate`"
        )));
    }
    if current > latest {
        return Err(migrate::newer_schema(current, latest));
    }
    Ok(())
}

fn current_version_readonly<B: Backend>(conn: &mut dyn Conn) -> Result<i64, StoreError> {
    if conn.query_one(B::BOOKKEEPING_EXISTS, &[])?.int(0)? == 0 {
        return Ok(0);
    }
    conn.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.int(0)
}

impl<B: Backend> Store for Engine<B> {
    fn engine(&self) -> EngineKind {
        B::KIND
    }

    fn connection_lost(&self) -> bool {
        self.backend.connection_lost()
    }

    fn ping(&mut self) -> Result<(), StoreError> {
        let mut tx = self.backend.read()?;
        tx.query_one("SELECT 1", &[])?;
        Ok(())
    }

    fn migrate(&mut self, now: Timestamp) -> Result<SchemaStatus, StoreError> {
        let mut tx = self.backend.write()?;
        B::lock_schema(&mut tx)?;
        let status = migrate::apply(&mut tx, B::BOOTSTRAP, B::MIGRATIONS, now)?;
        tx.commit()?;
        Ok(status)
    }

    fn schema_status(&mut self) -> Result<SchemaStatus, StoreError> {
        let mut tx = self.backend.read()?;
        let current = current_version_readonly::<B>(&mut tx)?;
        Ok(SchemaStatus { current, latest: migrate::latest(B::MIGRATIONS), applied: vec![] })
    }

    fn begin_import(
        &mut self,
        source: &SourceName,
        now: Timestamp,
    ) -> Result<Box<dyn ImportSession + '_>, StoreError> {
        let mut tx = self.backend.import_write("orders")?;
        require_current::<B>(&mut tx)?;
        let source_id = ingest::source_id(&mut tx, source.as_str(), now)?;
        Ok(Box::new(Session { tx, source_id, state: ingest::IngestState::default(), now }))
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        queries::stats(&mut self.checked_read()?)
    }

    fn revision(&mut self) -> Result<i64, StoreError> {
        revision::current(&mut self.checked_read()?)
    }

    fn revenue_by_currency(&mut self) -> Result<BTreeMap<String, i64>, StoreError> {
        queries::revenue_by_currency(&mut self.checked_read()?)
    }

    fn customers(&mut self, query: &CustomerQuery) -> Result<Vec<CustomerSummary>, StoreError> {
        queries::customers(&mut self.checked_read()?, query)
    }

    fn customer(&mut self, id: CustomerId) -> Result<CustomerDetail, StoreError> {
        queries::customer(&mut self.checked_read()?, id)
    }

    fn contacts(&mut self, ids: &[CustomerId]) -> Result<Vec<Contact>, StoreError> {
        queries::contacts(&mut self.checked_read()?, ids)
    }

    fn unmerge(&mut self, merge_id: i64, now: Timestamp) -> Result<CustomerId, StoreError> {
        let mut tx = self.backend.write()?;
        require_current::<B>(&mut tx)?;
        let customer = queries::unmerge(&mut tx, merge_id, now)?;
        revision::bump(&mut tx)?;
        tx.commit()?;
        Ok(customer)
    }

    fn for_each_purchase(
        &mut self,
        currency: &str,
        each: &mut dyn FnMut(PurchaseRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        queries::for_each_purchase(&mut self.checked_read()?, currency, each)
    }

    fn replace_scores(&mut self, scores: &[CustomerScore]) -> Result<u64, StoreError> {
        let mut tx = self.backend.write()?;
        require_current::<B>(&mut tx)?;
        let written = scores::replace(&mut tx, scores)?;
        revision::bump(&mut tx)?;
        tx.commit()?;
        Ok(written)
    }

    fn scores(&mut self, query: &ScoreQuery) -> Result<Vec<CustomerScore>, StoreError> {
        scores::ranked(&mut self.checked_read()?, query)
    }

    fn scores_of(&mut self, ids: &[CustomerId]) -> Result<Vec<CustomerScore>, StoreError> {
        scores::of_customers(&mut self.checked_read()?, ids)
    }

    fn create_token(
        &mut self,
        name: &str,
        role: Role,
        token_sha256: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.write(|tx| tokens::create(tx, name, role, token_sha256, now))
    }

    fn authenticate_token(
        &mut self,
        token_sha256: &str,
        now: Timestamp,
    ) -> Result<Option<TokenInfo>, StoreError> {
        let Some(mut token) = tokens::find_live(&mut self.checked_read()?, token_sha256)? else {
            return Ok(None);
        };
        if tokens::use_is_stale(&token, now) {
            self.write(|tx| tokens::record_use(tx, token.id, now))?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }

    fn tokens(&mut self) -> Result<Vec<TokenInfo>, StoreError> {
        tokens::list(&mut self.checked_read()?)
    }

    fn revoke_token(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| tokens::revoke(tx, id, now))
    }

    fn create_user(&mut self, user: &NewUser<'_>, now: Timestamp) -> Result<i64, StoreError> {
        let row = users::NewUserRow {
            email: user.email,
            name: user.name,
            role: user.role,
            password_hash: user.password_hash,
        };
        self.write(|tx| users::create(tx, &row, now))
    }

    fn user_by_email(&mut self, email: &str) -> Result<Option<(UserInfo, String)>, StoreError> {
        users::by_email(&mut self.checked_read()?, email)
    }

    fn users(&mut self) -> Result<Vec<UserInfo>, StoreError> {
        users::list(&mut self.checked_read()?)
    }

    fn remove_user(
        &mut self,
        email: &str,
        reassign_to: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| users::remove(tx, email, reassign_to, now))
    }

    fn set_password(&mut self, email: &str, password_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| users::set_password(tx, email, password_hash, now))
    }

    fn create_session(
        &mut self,
        user_id: i64,
        token_sha256: &str,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| users::create_session(tx, user_id, token_sha256, csrf_token, now, expires_at))
    }

    fn session(&mut self, token_sha256: &str, now: Timestamp) -> Result<Option<SessionInfo>, StoreError> {
        users::find_session(&mut self.checked_read()?, token_sha256, now)
    }

    fn delete_session(&mut self, token_sha256: &str) -> Result<(), StoreError> {
        self.write(|tx| users::delete_session(tx, token_sha256))
    }

    fn write_order(
        &mut self,
        write: &OrderWrite<'_>,
        respond: &dyn Fn(&OrderWritten) -> KeptResponse,
        now: Timestamp,
    ) -> Result<KeyedWrite, StoreError> {
        self.write_retrying(|tx| writes::write_order(tx, write, respond, now))
    }

    fn receive_delivery(
        &mut self,
        delivery: &Delivery<'_>,
        now: Timestamp,
    ) -> Result<DeliveryOutcome, StoreError> {
        self.write_retrying(|tx| writes::receive(tx, delivery, now))
    }

    fn add_webhook(
        &mut self,
        source: &SourceName,
        kind: WebhookKind,
        secret: &WebhookSecret,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| sources::add_webhook(tx, source, kind, secret, now))
    }

    fn webhook_endpoint(&mut self, source: &SourceName) -> Result<Option<WebhookEndpoint>, StoreError> {
        sources::endpoint(&mut self.checked_read()?, source)
    }

    fn remove_webhook(&mut self, source: &SourceName) -> Result<(), StoreError> {
        self.write(|tx| sources::remove_webhook(tx, source))
    }

    fn sources(&mut self) -> Result<Vec<SourceInfo>, StoreError> {
        sources::list(&mut self.checked_read()?)
    }

    fn source_time_zone(&mut self, source: &SourceName) -> Result<Option<String>, StoreError> {
        sources::time_zone(&mut self.checked_read()?, source)
    }

    fn source_unpadded_order_ids(&mut self, source: &SourceName) -> Result<bool, StoreError> {
        sources::unpadded_order_ids(&mut self.checked_read()?, source)
    }

    fn set_source_time_zone(
        &mut self,
        source: &SourceName,
        zone: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write_retrying(|tx| sources::set_time_zone(tx, source, zone, now))
    }
}
