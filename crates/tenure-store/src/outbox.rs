//! The outbox: side effects written in their cause's transaction, claimed by workers under a
//! lease, completed as sent, retried or dead.
//!
//! A claim is one write transaction. It picks due messages (on PostgreSQL passing over rows
//! another claim has locked, so several processes share the work without handing a message out
//! twice), applies the send-time policy — suppression, consent, the frequency cap — marking what
//! it stops as `skipped` with the reason, and leases the rest to the claimer. Completing a message
//! requires still holding its lease: a worker whose lease lapsed (it stalled, another took over)
//! cannot overwrite what the newer holder recorded.
//!
//! Two PostgreSQL claims deciding about one customer's capped messages at the same instant take
//! turns on an advisory lock per customer, so the second sees the first's lease.

use std::collections::{HashMap, HashSet};

use tenure_domain::{CustomerId, Timestamp, WebhookSecret};

use crate::sql::{Conn, Row, Value};
use crate::{
    Attempt, BodyFormat, Claim, Claimed, ClaimedMessage, Message, MessageKind, MessageState, NewMessage,
    OutboxQuery, OutboxStats, Purpose, SendPolicy, Signing, StoreError, SuppressionReason,
};

/// The advisory-lock class of the frequency cap's per-customer locks ("cap" in ASCII).
const CAP_LOCK_CLASS: i32 = 0x0063_6170;

/// Writes `message`, inside the caller's transaction; returns its id, or `None` when a message
/// with the same dedupe key was written before (that one stands).
pub(crate) fn enqueue(
    conn: &mut dyn Conn,
    message: &NewMessage,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let row = conn.query_opt(
        "INSERT INTO outbox (kind, purpose, topic, customer_id, recipient, subscription_id, payload, not_before, \
         created_at, dedupe_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        &[
            Value::from(message.kind.as_str()),
            Value::from(message.purpose.as_str()),
            Value::from(message.topic.as_str()),
            Value::from(message.customer_id.map(|c| c.0)),
            Value::from(message.recipient.as_str()),
            Value::from(message.subscription_id),
            Value::from(message.payload.as_str()),
            Value::Time(message.not_before),
            Value::Time(now),
            Value::from(message.dedupe_key.as_deref()),
        ],
    )?;
    row.map(|row| row.int(0)).transpose()
}

/// Claims due messages for `claim.owner`; see the module docs.
pub(crate) fn claim(conn: &mut dyn Conn, claim: &Claim<'_>) -> Result<Claimed, StoreError> {
    let sql = format!(
        "SELECT id FROM outbox WHERE state = 'pending' AND not_before <= $1 \
         AND (lease_until IS NULL OR lease_until <= $1) ORDER BY not_before, id LIMIT $2{}",
        conn.skip_locked()
    );
    let limit = i64::try_from(claim.limit).unwrap_or(i64::MAX);
    let ids: Vec<i64> = conn
        .query(&sql, &[Value::Time(claim.now), Value::Int(limit)])?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(Claimed::default());
    }
    let candidates = messages_by_id(conn, &ids)?;
    let facts = SendFacts::load(conn, &candidates, claim)?;
    let mut claimed = Claimed::default();
    let mut capped_in_batch = HashSet::new();
    let mut leased = Vec::new();
    for message in candidates {
        match facts.verdict(&message, &mut capped_in_batch) {
            Verdict::Skip(reason) => {
                skip(conn, message.id, &reason, claim.now)?;
                claimed.skipped += 1;
            }
            Verdict::Deliver(signing) => {
                leased.push(message.id);
                claimed.messages.push(ClaimedMessage { message, signing });
            }
        }
    }
    for chunk in leased.chunks(crate::sql::MAX_ROWS) {
        let (list, mut params) = id_list(chunk, 3);
        params.splice(0..0, [Value::from(claim.owner), Value::Time(claim.lease_until)]);
        conn.execute(
            &format!(
                "UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 WHERE id IN ({list})"
            ),
            &params,
        )?;
    }
    for claimed_message in &mut claimed.messages {
        claimed_message.message.attempts += 1;
    }
    Ok(claimed)
}

/// Records what became of messages `owner` delivered; a message whose lease `owner` no longer
/// holds is left as its newer holder recorded it. Returns how many were recorded.
pub(crate) fn complete(
    conn: &mut dyn Conn,
    owner: &str,
    outcomes: &[(i64, Attempt)],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let sent: Vec<i64> =
        outcomes.iter().filter(|(_, attempt)| *attempt == Attempt::Sent).map(|(id, _)| *id).collect();
    let mut recorded = 0;
    for chunk in sent.chunks(crate::sql::MAX_ROWS) {
        let (list, mut params) = id_list(chunk, 3);
        params.splice(0..0, [Value::Time(now), Value::from(owner)]);
        recorded += conn.execute(
            &format!(
                "UPDATE outbox SET state = 'sent', finished_at = $1, lease_owner = NULL, lease_until = NULL, \
                 last_error = NULL WHERE lease_owner = $2 AND state = 'pending' AND id IN ({list})"
            ),
            &params,
        )?;
    }
    for (id, attempt) in outcomes {
        let (sql, params) = match attempt {
            Attempt::Sent => continue,
            Attempt::Retry { error, not_before } => (
                "UPDATE outbox SET not_before = $1, last_error = $2, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
                vec![
                    Value::Time(*not_before),
                    Value::from(error.as_str()),
                    Value::Int(*id),
                    Value::from(owner),
                ],
            ),
            Attempt::Dead { error } => (
                "UPDATE outbox SET state = 'dead', finished_at = $1, last_error = $2, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
                vec![Value::Time(now), Value::from(error.as_str()), Value::Int(*id), Value::from(owner)],
            ),
        };
        recorded += conn.execute(sql, &params)?;
    }
    Ok(recorded)
}

/// Marks message `id` skipped for `reason`.
fn skip(conn: &mut dyn Conn, id: i64, reason: &str, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET state = 'skipped', skip_reason = $1, finished_at = $2, lease_owner = NULL, \
         lease_until = NULL WHERE id = $3",
        &[Value::from(reason), Value::Time(now), Value::Int(id)],
    )?;
    Ok(())
}

/// Messages, newest first, filtered.
pub(crate) fn list(conn: &mut dyn Conn, query: &OutboxQuery) -> Result<Vec<Message>, StoreError> {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut params = Vec::new();
    if let Some(state) = query.state {
        params.push(Value::from(state.as_str()));
        conditions.push(format!("state = ${}", params.len()));
    }
    if let Some(kind) = query.kind {
        params.push(Value::from(kind.as_str()));
        conditions.push(format!("kind = ${}", params.len()));
    }
    if let Some(before) = query.before_id {
        params.push(Value::Int(before));
        conditions.push(format!("id < ${}", params.len()));
    }
    params.push(Value::Int(i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE {} ORDER BY id DESC LIMIT ${}",
        conditions.join(" AND "),
        params.len()
    );
    conn.query(&sql, &params)?.iter().map(message).collect()
}

/// Message `id`.
pub(crate) fn get(conn: &mut dyn Conn, id: i64) -> Result<Message, StoreError> {
    conn.query_opt(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"), &[Value::Int(id)])?
        .map(|row| message(&row))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("message {id}")))
}

/// Puts a dead or skipped message back in the queue, due now, with its attempts counted afresh.
pub(crate) fn retry(conn: &mut dyn Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, not_before = $1, finished_at = NULL, \
         skip_reason = NULL WHERE id = $2 AND state IN ('dead', 'skipped')",
        &[Value::Time(now), Value::Int(id)],
    )?;
    if changed == 1 {
        return Ok(());
    }
    let current = get(conn, id)?;
    Err(StoreError::Conflict(format!("message {id} is {}, not dead or skipped", current.state)))
}

/// Deletes dead messages that died before `before`; returns how many.
pub(crate) fn purge_dead(conn: &mut dyn Conn, before: Timestamp) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM outbox WHERE state = 'dead' AND finished_at < $1", &[Value::Time(before)])
}

/// Counts per kind and state, and the oldest due pending message per kind.
pub(crate) fn stats(conn: &mut dyn Conn, now: Timestamp) -> Result<OutboxStats, StoreError> {
    let mut stats = OutboxStats::default();
    for row in
        conn.query("SELECT kind, state, COUNT(*) FROM outbox GROUP BY kind, state ORDER BY kind, state", &[])?
    {
        stats.counts.push((
            MessageKind::from_column(&row.text(0)?)?,
            MessageState::from_column(&row.text(1)?)?,
            row.int(2)?,
        ));
    }
    for row in conn.query(
        "SELECT kind, MIN(not_before) FROM outbox WHERE state = 'pending' AND not_before <= $1 GROUP BY kind \
         ORDER BY kind",
        &[Value::Time(now)],
    )? {
        stats.oldest_due.push((MessageKind::from_column(&row.text(0)?)?, row.time(1)?));
    }
    Ok(stats)
}

/// Whether any pending message is due at `now` or waits for a retry.
pub(crate) fn has_work(conn: &mut dyn Conn, now: Timestamp) -> Result<bool, StoreError> {
    let row = conn.query_one(
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND (not_before <= $1 OR attempts > 0)",
        &[Value::Time(now)],
    )?;
    Ok(row.int(0)? > 0)
}

/// When the next pending message falls due, if any.
pub(crate) fn next_due(conn: &mut dyn Conn) -> Result<Option<Timestamp>, StoreError> {
    conn.query_one(
        "SELECT MIN(CASE WHEN lease_until IS NULL OR lease_until < not_before THEN not_before ELSE lease_until END) \
         FROM outbox WHERE state = 'pending'",
        &[],
    )?
    .opt_time(0)
}

const COLUMNS: &str = "id, kind, purpose, topic, customer_id, recipient, subscription_id, payload, state, not_before, \
     attempts, last_error, skip_reason, created_at, finished_at";

fn message(row: &Row) -> Result<Message, StoreError> {
    Ok(Message {
        id: row.int(0)?,
        kind: MessageKind::from_column(&row.text(1)?)?,
        purpose: Purpose::from_column(&row.text(2)?)?,
        topic: row.text(3)?,
        customer_id: row.opt_int(4)?.map(CustomerId),
        recipient: row.text(5)?,
        subscription_id: row.opt_int(6)?,
        payload: row.text(7)?,
        state: MessageState::from_column(&row.text(8)?)?,
        not_before: row.time(9)?,
        attempts: row.int(10)?,
        last_error: row.opt_text(11)?,
        skip_reason: row.opt_text(12)?,
        created_at: row.time(13)?,
        finished_at: row.opt_time(14)?,
    })
}

fn messages_by_id(conn: &mut dyn Conn, ids: &[i64]) -> Result<Vec<Message>, StoreError> {
    let (list, params) = id_list(ids, 1);
    let mut messages: Vec<Message> = conn
        .query(&format!("SELECT {COLUMNS} FROM outbox WHERE id IN ({list})"), &params)?
        .iter()
        .map(message)
        .collect::<Result<_, _>>()?;
    messages.sort_by_key(|m| (m.not_before, m.id));
    Ok(messages)
}

/// `$offset, $offset+1, …` for `ids`, padded with NULLs to a power of two (few statement texts),
/// and the parameters.
pub(crate) fn id_list(ids: &[i64], offset: usize) -> (String, Vec<Value>) {
    let padded = ids.len().next_power_of_two().max(1);
    let list: Vec<String> = (offset..offset + padded).map(|n| format!("${n}")).collect();
    let mut params: Vec<Value> = ids.iter().map(|&id| Value::Int(id)).collect();
    params.resize(padded, Value::Null);
    (list.join(", "), params)
}

/// What the send-time policy needs to know about a claim's candidates, read in a few queries.
#[derive(Default)]
struct SendFacts {
    policy: Option<SendPolicy>,
    /// Suppressed addresses among the recipients.
    suppressed: HashMap<String, SuppressionReason>,
    /// Per customer: (marketing consent, survey consent).
    consent: HashMap<i64, (Option<bool>, Option<bool>)>,
    /// Customers sent a survey or marketing message within the cap, or with one in flight.
    recently_contacted: HashSet<i64>,
    /// Live subscriptions' signing, by id.
    signing: HashMap<i64, Signing>,
}

enum Verdict {
    Deliver(Option<Signing>),
    Skip(String),
}

impl SendFacts {
    fn load(conn: &mut dyn Conn, candidates: &[Message], claim: &Claim<'_>) -> Result<Self, StoreError> {
        let mut facts = SendFacts { policy: Some(claim.policy), ..SendFacts::default() };
        let emails: Vec<&Message> = candidates.iter().filter(|m| m.kind == MessageKind::Email).collect();
        facts.load_suppressions(conn, &emails)?;
        let customers: Vec<i64> = {
            let set: HashSet<i64> = emails
                .iter()
                .filter(|m| m.purpose != Purpose::Transactional)
                .filter_map(|m| m.customer_id.map(|c| c.0))
                .collect();
            set.into_iter().collect()
        };
        facts.load_consent(conn, &customers)?;
        if claim.policy.cap_days > 0 {
            // Concurrent claims deciding about one customer take turns, so that each sees the
            // other's lease before checking the cap. In id order: no two claims wait on each other.
            let mut sorted = customers.clone();
            sorted.sort_unstable();
            for customer in sorted {
                conn.lock_key(CAP_LOCK_CLASS, customer)?;
            }
        }
        facts.load_contacted(conn, &customers, claim)?;
        let subscriptions: HashSet<i64> = candidates.iter().filter_map(|m| m.subscription_id).collect();
        facts.load_signing(conn, &subscriptions.into_iter().collect::<Vec<_>>(), claim.now)?;
        Ok(facts)
    }

    fn load_suppressions(&mut self, conn: &mut dyn Conn, emails: &[&Message]) -> Result<(), StoreError> {
        // Each address as listed, and — once anyone was erased — as its keyed hash, the form an
        // erased person's addresses are listed in.
        let mut listed_as: HashMap<String, String> = HashMap::new();
        let key = crate::privacy::stored_key(conn)?;
        for message in emails {
            let address = message.recipient.to_lowercase();
            if let Some(key) = &key {
                listed_as.insert(crate::privacy::suppressed_address(key, &address), address.clone());
            }
            listed_as.insert(address.clone(), address);
        }
        let forms: Vec<&String> = listed_as.keys().collect();
        for chunk in forms.chunks(crate::sql::MAX_ROWS) {
            let padded = chunk.len().next_power_of_two();
            let list: Vec<String> = (1..=padded).map(|n| format!("${n}")).collect();
            let mut params: Vec<Value> = chunk.iter().map(|a| Value::from(a.as_str())).collect();
            params.resize(padded, Value::Null);
            let sql = format!("SELECT email, reason FROM suppressions WHERE email IN ({})", list.join(", "));
            for row in conn.query(&sql, &params)? {
                let address = listed_as.get(&row.text(0)?).cloned().unwrap_or_default();
                self.suppressed.insert(address, SuppressionReason::from_column(&row.text(1)?)?);
            }
        }
        Ok(())
    }

    fn load_consent(&mut self, conn: &mut dyn Conn, customers: &[i64]) -> Result<(), StoreError> {
        for chunk in customers.chunks(crate::sql::MAX_ROWS) {
            let (list, params) = id_list(chunk, 1);
            let sql =
                format!("SELECT id, marketing_consent, survey_consent FROM customers WHERE id IN ({list})");
            for row in conn.query(&sql, &params)? {
                self.consent.insert(row.int(0)?, (row.opt_bool(1)?, row.opt_bool(2)?));
            }
        }
        Ok(())
    }

    fn load_contacted(
        &mut self,
        conn: &mut dyn Conn,
        customers: &[i64],
        claim: &Claim<'_>,
    ) -> Result<(), StoreError> {
        if claim.policy.cap_days <= 0 {
            return Ok(());
        }
        let since = claim.now - chrono::Duration::days(claim.policy.cap_days);
        for chunk in customers.chunks(crate::sql::MAX_ROWS) {
            let (list, mut params) = id_list(chunk, 3);
            params.splice(0..0, [Value::Time(since), Value::Time(claim.now)]);
            let sql = format!(
                // `$1` and `$2` stand before the list: SQLite numbers `$N` by first appearance.
                "SELECT DISTINCT customer_id FROM outbox WHERE ((state = 'sent' AND finished_at > $1) \
                 OR (state = 'pending' AND lease_until > $2)) AND purpose <> 'transactional' AND customer_id IN ({list})"
            );
            for row in conn.query(&sql, &params)? {
                self.recently_contacted.insert(row.int(0)?);
            }
        }
        Ok(())
    }

    fn load_signing(
        &mut self,
        conn: &mut dyn Conn,
        subscriptions: &[i64],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for chunk in subscriptions.chunks(crate::sql::MAX_ROWS) {
            let (list, params) = id_list(chunk, 1);
            let sql = format!(
                "SELECT id, secret, previous_secret, previous_secret_until, allow_private, body_format \
                 FROM webhook_subscriptions WHERE removed_at IS NULL AND id IN ({list})"
            );
            for row in conn.query(&sql, &params)? {
                let mut secrets = vec![WebhookSecret::new(row.text(1)?)];
                if let (Some(previous), Some(until)) = (row.opt_text(2)?, row.opt_time(3)?)
                    && until > now
                {
                    secrets.push(WebhookSecret::new(previous));
                }
                let signing = Signing {
                    secrets,
                    allow_private: row.opt_bool(4)?.unwrap_or(false),
                    body_format: BodyFormat::from_column(&row.text(5)?)?,
                };
                self.signing.insert(row.int(0)?, signing);
            }
        }
        Ok(())
    }

    /// Whether `message` goes out now, or why not.
    fn verdict(&self, message: &Message, capped_in_batch: &mut HashSet<i64>) -> Verdict {
        if message.kind == MessageKind::Webhook {
            return match message.subscription_id.and_then(|id| self.signing.get(&id)) {
                Some(signing) => Verdict::Deliver(Some(signing.clone())),
                None => Verdict::Skip("subscription removed".into()),
            };
        }
        if let Some(reason) = self.suppressed.get(&message.recipient.to_lowercase())
            && reason.stops(message.purpose)
        {
            return Verdict::Skip(format!("suppressed: {reason}"));
        }
        if message.purpose == Purpose::Transactional {
            return Verdict::Deliver(None);
        }
        let Some(customer) = message.customer_id.map(|c| c.0) else {
            return Verdict::Skip("no consent: not sent to a known customer".into());
        };
        let (marketing, survey) = self.consent.get(&customer).copied().unwrap_or((None, None));
        match message.purpose {
            Purpose::Marketing if marketing != Some(true) => {
                return Verdict::Skip("no consent: the customer has not agreed to marketing".into());
            }
            Purpose::Survey if survey == Some(false) => {
                return Verdict::Skip("no consent: the customer declined surveys".into());
            }
            _ => {}
        }
        let cap_days = self.policy.map_or(0, |p| p.cap_days);
        if cap_days > 0 && (self.recently_contacted.contains(&customer) || !capped_in_batch.insert(customer))
        {
            return Verdict::Skip(format!("capped: a survey or marketing message within {cap_days} days"));
        }
        Verdict::Deliver(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Backend, Transaction};

    #[test]
    fn a_message_written_in_a_rolled_back_transaction_does_not_exist() {
        let mut sqlite = crate::sqlite_engine::Sqlite::open(":memory:").unwrap();
        let now = chrono::DateTime::UNIX_EPOCH;
        let mut tx = sqlite.write().unwrap();
        crate::migrate::apply(
            &mut tx,
            crate::sqlite_engine::Sqlite::BOOTSTRAP,
            crate::sqlite_engine::Sqlite::MIGRATIONS,
            now,
        )
        .unwrap();
        tx.commit().unwrap();
        let message = NewMessage {
            kind: MessageKind::Email,
            purpose: Purpose::Transactional,
            topic: "mail.test".into(),
            customer_id: None,
            recipient: "a@example.com".into(),
            subscription_id: None,
            payload: "{}".into(),
            not_before: now,
            dedupe_key: Some("cause-1".into()),
        };
        let mut cause = sqlite.write().unwrap();
        assert!(enqueue(&mut cause, &message, now).unwrap().is_some());
        drop(cause); // the cause failed: rolled back
        let mut tx = sqlite.write().unwrap();
        assert_eq!(tx.query_one("SELECT COUNT(*) FROM outbox", &[]).unwrap().int(0).unwrap(), 0);
        assert!(enqueue(&mut tx, &message, now).unwrap().is_some(), "the key was never taken");
        assert!(enqueue(&mut tx, &message, now).unwrap().is_none(), "a repeated cause writes nothing");
    }

    #[test]
    fn id_lists_are_padded_to_powers_of_two() {
        let (list, params) = id_list(&[4, 5, 6], 3);
        assert_eq!(list, "$3, $4, $5, $6");
        assert_eq!(params, vec![Value::Int(4), Value::Int(5), Value::Int(6), Value::Null]);
    }
}
