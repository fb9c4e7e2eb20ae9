//! Identity resolution for a batch of records at once: which customer each record's
//! `(source, external_id)` belongs to — a stored identity, or a new one, which joins a customer of
//! another source with the same e-mail (recording that merge) or gets a customer of its own.
//!
//! A batch costs a fixed handful of statements (one lookup of the batch's identities, one of the
//! e-mail candidates, one reservation of customer ids, then multi-row inserts) instead of three
//! per new customer: on PostgreSQL each statement is a network round trip. The outcome is exactly
//! that of resolving the records one by one in order, which is how the rules are stated (see
//! ARCHITECTURE.md): the batch is planned in record order, in memory, against what the store held
//! before it.

use std::collections::{HashMap, HashSet, VecDeque};

use tenure_domain::{CustomerRecord, Timestamp};

use crate::sql::{Conn, IdTable, PerKey, Value, key_values, placeholders, pow2_chunks};
use crate::{ImportCounts, StoreError};

/// Why an identity joined an existing customer.
pub(crate) const MERGE_REASON_EMAIL: &str = "same e-mail";

/// The customer and identity a record resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The identity's id.
    pub identity_id: i64,
    /// The customer's id.
    pub customer_id: i64,
}

/// The identity of the last record of the previous batch, so an export's consecutive orders of
/// one customer that straddle two batches skip the lookup. One entry: memory stays bounded.
#[derive(Debug, Default, Clone)]
pub(crate) struct LastIdentity {
    external_id: String,
    identity_id: i64,
    customer_id: i64,
    has_email: bool,
}

/// A row the batch refers to: already stored (its id), or planned by this batch (its index in
/// the batch's list of new rows, whose ids are known only once inserted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Stored(i64),
    New(usize),
}

/// What the batch knows about one external id.
#[derive(Debug, Clone, Copy)]
struct Entry {
    identity: Ref,
    customer: Ref,
    /// Whether the identity has an e-mail (stored, or in its planned row).
    has_email: bool,
}

/// A customer row to insert.
#[derive(Debug)]
struct NewCustomer<'r> {
    record: &'r CustomerRecord,
    /// The record's e-mail, or one a later record of the same identity brought.
    email: Option<&'r str>,
}

/// An identity row to insert.
#[derive(Debug)]
struct NewIdentity<'r> {
    record: &'r CustomerRecord,
    email: Option<&'r str>,
    customer: Ref,
    /// Joined a stored customer of another source by e-mail.
    merged: bool,
}

/// The batch's plan: what every external id resolves to, and the rows to write.
#[derive(Debug, Default)]
struct Plan<'r> {
    entries: HashMap<&'r str, Entry>,
    customers: Vec<NewCustomer<'r>>,
    identities: Vec<NewIdentity<'r>>,
    /// Stored identities that learn an e-mail they lacked, in record order.
    learned_by_identities: Vec<(i64, &'r str)>,
    /// Stored customers that learn an e-mail (kept only where they have none), in record order.
    learned_by_customers: Vec<(i64, &'r str)>,
}

/// Resolves the customers of a batch of records, in record order; see the module docs. Returns
/// one [`Resolved`] per record and adds the new and merged customers to `counts`.
pub(crate) fn resolve(
    conn: &mut dyn Conn,
    source_id: i64,
    records: &[CustomerRecord],
    last: &mut LastIdentity,
    now: Timestamp,
    counts: &mut ImportCounts,
) -> Result<Vec<Resolved>, StoreError> {
    let mut plan = Plan::default();
    if let Some(record) = records.iter().find(|record| record.external_id == last.external_id) {
        let entry = Entry {
            identity: Ref::Stored(last.identity_id),
            customer: Ref::Stored(last.customer_id),
            has_email: last.has_email,
        };
        plan.entries.insert(record.external_id.as_str(), entry);
    }
    look_up_stored(conn, source_id, records, &mut plan)?;
    let mut candidates = email_candidates(conn, source_id, records, &plan)?;
    let refs: Vec<(Ref, Ref)> = records.iter().map(|record| plan.take(record, &mut candidates)).collect();
    let ids = write_plan(conn, source_id, &plan, now)?;
    counts.customers_added += plan.customers.len() as u64;
    counts.customers_merged += plan.identities.iter().filter(|identity| identity.merged).count() as u64;
    let resolved: Vec<Resolved> = refs
        .iter()
        .map(|&(identity, customer)| Resolved {
            identity_id: ids.identity(identity),
            customer_id: ids.customer(customer),
        })
        .collect();
    if let (Some(record), Some(final_resolved)) = (records.last(), resolved.last()) {
        *last = LastIdentity {
            external_id: record.external_id.clone(),
            identity_id: final_resolved.identity_id,
            customer_id: final_resolved.customer_id,
            has_email: plan.entries.get(record.external_id.as_str()).is_some_and(|entry| entry.has_email),
        };
    }
    Ok(resolved)
}

/// The ids of the rows a plan inserted, in plan order.
#[derive(Debug, Default)]
struct NewIds {
    customers: Vec<i64>,
    identities: Vec<i64>,
}

impl NewIds {
    fn customer(&self, customer: Ref) -> i64 {
        match customer {
            Ref::Stored(id) => id,
            Ref::New(index) => self.customers[index],
        }
    }

    fn identity(&self, identity: Ref) -> i64 {
        match identity {
            Ref::Stored(id) => id,
            Ref::New(index) => self.identities[index],
        }
    }
}

/// Writes what the plan learned and created: e-mails, customers, identities, merges.
fn write_plan(
    conn: &mut dyn Conn,
    source_id: i64,
    plan: &Plan<'_>,
    now: Timestamp,
) -> Result<NewIds, StoreError> {
    write_learned(conn, plan)?;
    let mut ids = NewIds { customers: insert_customers(conn, &plan.customers, now)?, identities: Vec::new() };
    ids.identities = insert_identities(conn, source_id, &plan.identities, &ids, now)?;
    insert_merges(conn, &plan.identities, &ids, now)?;
    Ok(ids)
}

impl<'r> Plan<'r> {
    /// The identity and customer of `record`, taken in record order: a known identity (learning
    /// an e-mail it lacked), or a new one joining the first e-mail candidate left, or a new
    /// customer.
    fn take(
        &mut self,
        record: &'r CustomerRecord,
        candidates: &mut HashMap<String, VecDeque<i64>>,
    ) -> (Ref, Ref) {
        let email = record.email.as_ref().map(|email| email.as_str());
        if let Some(entry) = self.entries.get(record.external_id.as_str()).copied() {
            if let (Some(email), false) = (email, entry.has_email) {
                self.learn(record, entry, email);
            }
            return (entry.identity, entry.customer);
        }
        let candidate = email.and_then(|email| candidates.get_mut(email)).and_then(VecDeque::pop_front);
        let customer = match candidate {
            Some(id) => Ref::Stored(id),
            None => {
                self.customers.push(NewCustomer { record, email });
                Ref::New(self.customers.len() - 1)
            }
        };
        self.identities.push(NewIdentity { record, email, customer, merged: candidate.is_some() });
        let identity = Ref::New(self.identities.len() - 1);
        self.entries
            .insert(record.external_id.as_str(), Entry { identity, customer, has_email: email.is_some() });
        (identity, customer)
    }

    /// A known identity without an e-mail gets the one this record brings; so does its
    /// customer, when it has none. (No merge: merges happen when an identity first appears.)
    fn learn(&mut self, record: &'r CustomerRecord, entry: Entry, email: &'r str) {
        match entry.identity {
            Ref::Stored(id) => self.learned_by_identities.push((id, email)),
            Ref::New(index) => self.identities[index].email = Some(email),
        }
        match entry.customer {
            Ref::Stored(id) => self.learned_by_customers.push((id, email)),
            Ref::New(index) => {
                self.customers[index].email.get_or_insert(email);
            }
        }
        if let Some(known) = self.entries.get_mut(record.external_id.as_str()) {
            known.has_email = true;
        }
    }
}

/// Adds the batch's stored identities to the plan, in one query.
fn look_up_stored<'r>(
    conn: &mut dyn Conn,
    source_id: i64,
    records: &'r [CustomerRecord],
    plan: &mut Plan<'r>,
) -> Result<(), StoreError> {
    let mut wanted: Vec<&'r str> = Vec::new();
    let mut seen: HashSet<&'r str> = HashSet::new();
    for record in records {
        let id = record.external_id.as_str();
        if !plan.entries.contains_key(id) && seen.insert(id) {
            wanted.push(id);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let values = key_values(&wanted);
    let sql = conn.select_per_key(&PerKey {
        columns: "t.external_id, t.id, t.customer_id, t.email IS NOT NULL",
        table: "identities",
        key_column: "external_id",
        condition: "t.source_id = $1",
        keys: values.len(),
        first: 2,
    });
    let mut params = vec![Value::Int(source_id)];
    params.extend(values);
    for row in conn.query(&sql, &params)? {
        let found = row.text(0)?;
        let Some(id) = seen.get(found.as_str()) else { continue };
        let entry = Entry {
            identity: Ref::Stored(row.int(1)?),
            customer: Ref::Stored(row.int(2)?),
            has_email: row.int(3)? != 0,
        };
        plan.entries.insert(id, entry);
    }
    Ok(())
}

/// For each e-mail of a record whose identity is new: the customers with that e-mail who have no
/// identity in this source yet, lowest id first — the ones a new identity may join (identities
/// of one source are the source's own business: two accounts in one shop stay two; across
/// sources one e-mail is one person).
fn email_candidates(
    conn: &mut dyn Conn,
    source_id: i64,
    records: &[CustomerRecord],
    plan: &Plan<'_>,
) -> Result<HashMap<String, VecDeque<i64>>, StoreError> {
    let mut emails: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for record in records {
        if let Some(email) = &record.email
            && !plan.entries.contains_key(record.external_id.as_str())
            && seen.insert(email.as_str())
        {
            emails.push(email.as_str());
        }
    }
    let mut candidates: HashMap<String, VecDeque<i64>> = HashMap::new();
    if emails.is_empty() {
        return Ok(candidates);
    }
    let values = key_values(&emails);
    let sql = conn.select_per_key(&PerKey {
        columns: "t.email, t.id",
        table: "customers",
        key_column: "email",
        condition: "NOT EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = t.id AND i.source_id = $1)",
        keys: values.len(),
        first: 2,
    }) + " ORDER BY t.id";
    let mut params = vec![Value::Int(source_id)];
    params.extend(values);
    for row in conn.query(&sql, &params)? {
        candidates.entry(row.text(0)?).or_default().push_back(row.int(1)?);
    }
    Ok(candidates)
}

/// Writes the e-mails stored identities and customers learned.
fn write_learned(conn: &mut dyn Conn, plan: &Plan<'_>) -> Result<(), StoreError> {
    for &(identity_id, email) in &plan.learned_by_identities {
        conn.execute(
            "UPDATE identities SET email = $1 WHERE id = $2",
            &[Value::from(email), Value::Int(identity_id)],
        )?;
    }
    for &(customer_id, email) in &plan.learned_by_customers {
        conn.execute(
            "UPDATE customers SET email = $1 WHERE id = $2 AND email IS NULL",
            &[Value::from(email), Value::Int(customer_id)],
        )?;
    }
    Ok(())
}

/// Inserts the new customers with reserved ids (a customer row has no natural key to match
/// a `RETURNING` row with); returns their ids in order.
fn insert_customers(
    conn: &mut dyn Conn,
    customers: &[NewCustomer<'_>],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let ids = conn.reserve_ids(IdTable::Customers, customers.len())?;
    let given = conn.given_ids_clause();
    let mut start = 0;
    for size in pow2_chunks(customers.len()) {
        let sql = format!(
            "INSERT INTO customers (id, email, name, marketing_consent, created_at) {given} VALUES {}",
            placeholders(size, 5, 0)
        );
        let mut params = Vec::with_capacity(size * 5);
        for (id, customer) in ids[start..start + size].iter().zip(&customers[start..start + size]) {
            params.extend([
                Value::Int(*id),
                Value::from(customer.email),
                Value::from(customer.record.name.as_deref()),
                Value::from(customer.record.marketing_consent),
                Value::Time(now),
            ]);
        }
        conn.execute(&sql, &params)?;
        start += size;
    }
    Ok(ids)
}

/// Inserts the new identities; returns their ids in order (matched by external id, unique in
/// the source).
fn insert_identities(
    conn: &mut dyn Conn,
    source_id: i64,
    identities: &[NewIdentity<'_>],
    ids: &NewIds,
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let mut inserted = Vec::with_capacity(identities.len());
    let mut start = 0;
    for size in pow2_chunks(identities.len()) {
        let chunk = &identities[start..start + size];
        let sql = format!(
            "INSERT INTO identities (source_id, external_id, customer_id, email, name, marketing_consent, \
             created_at) VALUES {} RETURNING external_id, id",
            placeholders(size, 7, 0)
        );
        let mut params = Vec::with_capacity(size * 7);
        for identity in chunk {
            params.extend([
                Value::Int(source_id),
                Value::from(identity.record.external_id.as_str()),
                Value::Int(ids.customer(identity.customer)),
                Value::from(identity.email),
                Value::from(identity.record.name.as_deref()),
                Value::from(identity.record.marketing_consent),
                Value::Time(now),
            ]);
        }
        let mut returned = HashMap::with_capacity(size);
        for row in conn.query(&sql, &params)? {
            returned.insert(row.text(0)?, row.int(1)?);
        }
        for identity in chunk {
            let id = returned.get(identity.record.external_id.as_str()).ok_or_else(|| {
                StoreError::Other(format!("identity {} was not inserted", identity.record.external_id))
            })?;
            inserted.push(*id);
        }
        start += size;
    }
    Ok(inserted)
}

/// Records every join of a new identity to a stored customer.
fn insert_merges(
    conn: &mut dyn Conn,
    identities: &[NewIdentity<'_>],
    ids: &NewIds,
    now: Timestamp,
) -> Result<(), StoreError> {
    let merged: Vec<(i64, i64)> = identities
        .iter()
        .zip(&ids.identities)
        .filter(|(identity, _)| identity.merged)
        .map(|(identity, id)| (*id, ids.customer(identity.customer)))
        .collect();
    let mut start = 0;
    for size in pow2_chunks(merged.len()) {
        let sql = format!(
            "INSERT INTO identity_merges (identity_id, customer_id, reason, merged_at) VALUES {}",
            placeholders(size, 4, 0)
        );
        let mut params = Vec::with_capacity(size * 4);
        for (identity_id, customer_id) in &merged[start..start + size] {
            params.extend([
                Value::Int(*identity_id),
                Value::Int(*customer_id),
                Value::from(MERGE_REASON_EMAIL),
                Value::Time(now),
            ]);
        }
        conn.execute(&sql, &params)?;
        start += size;
    }
    Ok(())
}
