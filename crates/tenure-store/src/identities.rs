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

use std::collections::VecDeque;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use tenure_domain::{CustomerRecord, Timestamp};

use crate::created_identities::CreatedIdentities;
use crate::sql::{Conn, IdTable, Param, PerKey, Texts, Value, insert_rows, key_params, placeholders};
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

/// What an import session remembers of the identities it resolved, from one batch to the next:
/// the last one, and which it created (memory stays bounded: one entry and a fixed-size filter).
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    last: LastIdentity,
    created: CreatedIdentities,
}

/// The identity of the last record of the previous batch, so an export's consecutive orders of
/// one customer that straddle two batches skip the lookup.
#[derive(Debug, Default, Clone)]
struct LastIdentity {
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
    remembered: &mut Remembered,
    now: Timestamp,
    counts: &mut ImportCounts,
    texts: &mut Texts,
) -> Result<Vec<Resolved>, StoreError> {
    let Remembered { last, created } = remembered;
    created.check_source(conn, source_id)?;
    let mut plan = Plan::default();
    if let Some(record) = records.iter().find(|record| record.external_id == last.external_id) {
        let entry = Entry {
            identity: Ref::Stored(last.identity_id),
            customer: Ref::Stored(last.customer_id),
            has_email: last.has_email,
        };
        plan.entries.insert(record.external_id.as_str(), entry);
    }
    look_up_stored(conn, source_id, records, created, &mut plan, texts)?;
    let mut candidates = email_candidates(conn, source_id, records, &plan, texts)?;
    let refs: Vec<(Ref, Ref)> = records.iter().map(|record| plan.take(record, &mut candidates)).collect();
    let ids = write_plan(conn, source_id, &plan, now, texts)?;
    for identity in &plan.identities {
        created.record(&identity.record.external_id);
    }
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
    texts: &mut Texts,
) -> Result<NewIds, StoreError> {
    write_learned(conn, plan)?;
    let customers = insert_customers(conn, &plan.customers, now, texts)?;
    let mut ids = NewIds { customers, identities: Vec::new() };
    ids.identities = insert_identities(conn, source_id, &plan.identities, &ids, now, texts)?;
    insert_merges(conn, &plan.identities, &ids, now, texts)?;
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

/// Adds the batch's stored identities to the plan, in one query (of the ids that may be stored).
fn look_up_stored<'r>(
    conn: &mut dyn Conn,
    source_id: i64,
    records: &'r [CustomerRecord],
    created: &CreatedIdentities,
    plan: &mut Plan<'r>,
    texts: &mut Texts,
) -> Result<(), StoreError> {
    let mut wanted: Vec<&'r str> = Vec::new();
    let mut seen: HashSet<&'r str> = HashSet::new();
    for record in records {
        let id = record.external_id.as_str();
        if !plan.entries.contains_key(id) && seen.insert(id) && created.may_be_stored(id) {
            wanted.push(id);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let params = key_params(Param::Int(source_id), &wanted);
    let sql = texts.get("identities by key", params.len(), || {
        conn.select_per_key(&PerKey {
            columns: "t.external_id, t.id, t.customer_id, t.email IS NOT NULL",
            table: "identities",
            key_column: "external_id",
            condition: "t.source_id = $1",
            keys: params.len() - 1,
            first: 2,
        })
    });
    for row in conn.query_borrowed(sql, &params)? {
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
    texts: &mut Texts,
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
    let params = key_params(Param::Int(source_id), &emails);
    let sql = texts.get("e-mail candidates", params.len(), || {
        conn.select_per_key(&PerKey {
            columns: "t.email, t.id",
            table: "customers",
            key_column: "email",
            condition: "NOT EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = t.id AND i.source_id = $1)",
            keys: params.len() - 1,
            first: 2,
        }) + " ORDER BY t.id"
    });
    for row in conn.query_borrowed(sql, &params)? {
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
    texts: &mut Texts,
) -> Result<Vec<i64>, StoreError> {
    let ids = reserve(conn, IdTable::Customers, customers.len())?;
    let mut params = Vec::with_capacity(customers.len() * 5);
    for (id, customer) in ids.iter().zip(customers) {
        params.extend([
            Param::Int(*id),
            Param::from(customer.email),
            Param::from(customer.record.name.as_deref()),
            Param::from(customer.record.marketing_consent),
            Param::Time(now),
        ]);
    }
    let (insert, given) = (conn.insert_many(), conn.given_ids_clause());
    insert_rows(conn, texts, "customers", 5, &params, |rows| {
        format!(
            "{insert} INTO customers (id, email, name, marketing_consent, created_at) {given} VALUES {}",
            placeholders(rows, 5, 0)
        )
    })?;
    Ok(ids)
}

/// Inserts the new identities with reserved ids (saving the work of returning rows); returns
/// their ids in order.
fn insert_identities(
    conn: &mut dyn Conn,
    source_id: i64,
    identities: &[NewIdentity<'_>],
    ids: &NewIds,
    now: Timestamp,
    texts: &mut Texts,
) -> Result<Vec<i64>, StoreError> {
    let identity_ids = reserve(conn, IdTable::Identities, identities.len())?;
    let mut params = Vec::with_capacity(identities.len() * 8);
    for (id, identity) in identity_ids.iter().zip(identities) {
        params.extend([
            Param::Int(*id),
            Param::Int(source_id),
            Param::Text(&identity.record.external_id),
            Param::Int(ids.customer(identity.customer)),
            Param::from(identity.email),
            Param::from(identity.record.name.as_deref()),
            Param::from(identity.record.marketing_consent),
            Param::Time(now),
        ]);
    }
    let (insert, given) = (conn.insert_many(), conn.given_ids_clause());
    insert_rows(conn, texts, "identities", 8, &params, |rows| {
        format!(
            "{insert} INTO identities (id, source_id, external_id, customer_id, email, name, marketing_consent, \
             created_at) {given} VALUES {}",
            placeholders(rows, 8, 0)
        )
    })?;
    Ok(identity_ids)
}

/// `count` reserved ids of `table` (none asked, none reserved).
fn reserve(conn: &mut dyn Conn, table: IdTable, count: usize) -> Result<Vec<i64>, StoreError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    conn.reserve_ids(table, count)
}

/// Records every join of a new identity to a stored customer.
fn insert_merges(
    conn: &mut dyn Conn,
    identities: &[NewIdentity<'_>],
    ids: &NewIds,
    now: Timestamp,
    texts: &mut Texts,
) -> Result<(), StoreError> {
    let merged: Vec<(i64, i64)> = identities
        .iter()
        .zip(&ids.identities)
        .filter(|(identity, _)| identity.merged)
        .map(|(identity, id)| (*id, ids.customer(identity.customer)))
        .collect();
    let mut params = Vec::with_capacity(merged.len() * 4);
    for (identity_id, customer_id) in &merged {
        params.extend([
            Param::Int(*identity_id),
            Param::Int(*customer_id),
            Param::Text(MERGE_REASON_EMAIL),
            Param::Time(now),
        ]);
    }
    let insert = conn.insert_many();
    insert_rows(conn, texts, "merges", 4, &params, |rows| {
        format!(
            "{insert} INTO identity_merges (identity_id, customer_id, reason, merged_at) VALUES {}",
            placeholders(rows, 4, 0)
        )
    })?;
    Ok(())
}
