//! The storage interface of the communication calendar: interactions and contact dates,
//! follow-ups and their reminders, cadence rules and alerts, calendar feeds. Part of every
//! [`crate::Store`].

use tenure_domain::{CustomerId, CustomerRef, Timestamp};

use crate::interaction_batch::{CustomerDirectory, LatestContacts};
use crate::store::{Backend, Engine, Transaction, require_current};
use crate::{
    AlertNotifier, CadenceAlert, CadenceRuleInfo, ContactDates, ContactSettings, FollowUp, FollowUpEdit,
    FollowUpEnd, FollowUpQuery, Interaction, InteractionEdit, InteractionQuery, Logged, NewCadenceAlert,
    NewCadenceRule, NewFollowUp, NewInteraction, NewMessage, QueryTiming, StoreError, cadence, followups,
    interactions, suppressions,
};

/// What the communication calendar asks of storage.
pub trait CalendarStore {
    /// Logs interactions in one transaction (a key logged before writes nothing).
    fn log_interactions(
        &mut self,
        records: &[NewInteraction],
        now: Timestamp,
    ) -> Result<Vec<Logged>, StoreError>;
    /// Starts an import of interactions as one transaction: nothing is kept unless committed.
    fn begin_interaction_import(
        &mut self,
        now: Timestamp,
    ) -> Result<Box<dyn InteractionImport + '_>, StoreError>;
    /// The customers these references name (`None` where there is none).
    fn resolve_customers(&mut self, refs: &[CustomerRef]) -> Result<Vec<Option<CustomerId>>, StoreError>;
    /// One interaction.
    fn interaction(&mut self, id: i64) -> Result<Interaction, StoreError>;
    /// Changes an interaction; the customer's contact dates follow.
    fn edit_interaction(
        &mut self,
        id: i64,
        edit: &InteractionEdit,
        now: Timestamp,
    ) -> Result<Interaction, StoreError>;
    /// Deletes an interaction; the customer's contact dates (and, for a reply, its query's first
    /// response) move back.
    fn delete_interaction(&mut self, id: i64, now: Timestamp) -> Result<Interaction, StoreError>;
    /// Interactions by a query, newest first.
    fn interactions(&mut self, query: &InteractionQuery) -> Result<Vec<Interaction>, StoreError>;
    /// Inbound queries that came in within `[from, to)`.
    fn query_timings(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<QueryTiming>, StoreError>;
    /// A customer's contact dates and settings.
    fn contact_dates(&mut self, customer: CustomerId) -> Result<ContactDates, StoreError>;
    /// Streams every customer's contact row, by customer id.
    fn for_each_contact(
        &mut self,
        each: &mut dyn FnMut(ContactDates) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Changes a customer's contact settings.
    fn set_contact_settings(
        &mut self,
        customer: CustomerId,
        settings: &ContactSettings,
    ) -> Result<ContactDates, StoreError>;
    /// Writes a follow-up.
    fn add_followup(&mut self, new: &NewFollowUp, now: Timestamp) -> Result<FollowUp, StoreError>;
    /// One follow-up.
    fn followup(&mut self, id: i64) -> Result<FollowUp, StoreError>;
    /// Changes an open follow-up.
    fn edit_followup(&mut self, id: i64, edit: &FollowUpEdit, now: Timestamp)
    -> Result<FollowUp, StoreError>;
    /// Marks an open follow-up done or cancelled.
    fn finish_followup(&mut self, id: i64, end: &FollowUpEnd, now: Timestamp)
    -> Result<FollowUp, StoreError>;
    /// Follow-ups by a query, by due time.
    fn followups(&mut self, query: &FollowUpQuery) -> Result<Vec<FollowUp>, StoreError>;
    /// Open follow-ups whose reminder is due.
    fn due_reminders(&mut self, now: Timestamp, limit: usize) -> Result<Vec<FollowUp>, StoreError>;
    /// Queues reminders' e-mails, each once; returns how many were queued.
    fn send_reminders(
        &mut self,
        reminders: &[(FollowUp, NewMessage)],
        now: Timestamp,
    ) -> Result<u64, StoreError>;
    /// The follow-ups one owner's feed carries.
    fn feed_followups(&mut self, owner_id: i64, since: Timestamp) -> Result<Vec<FollowUp>, StoreError>;
    /// A user's feed generation and token hash.
    fn calendar_feed(&mut self, user_id: i64) -> Result<Option<(i64, String)>, StoreError>;
    /// Stores a user's feed token hash (a new generation revokes the old URL).
    fn set_calendar_feed(
        &mut self,
        user_id: i64,
        generation: i64,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The user a feed token hash belongs to.
    fn calendar_feed_user(&mut self, token_hash: &str) -> Result<Option<i64>, StoreError>;
    /// Adds a cadence rule; returns its id.
    fn add_cadence_rule(&mut self, rule: &NewCadenceRule, now: Timestamp) -> Result<i64, StoreError>;
    /// The live cadence rules.
    fn cadence_rules(&mut self) -> Result<Vec<CadenceRuleInfo>, StoreError>;
    /// Ends a cadence rule.
    fn remove_cadence_rule(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError>;
    /// Records silence alerts (each silence once) with their follow-ups, and the messages
    /// `notify` makes of the new ones (their indices in `alerts`), in one transaction; returns the
    /// new alerts' indices in `alerts` and their ids.
    fn record_cadence_alerts(
        &mut self,
        alerts: &[NewCadenceAlert],
        notify: &AlertNotifier<'_>,
        now: Timestamp,
    ) -> Result<Vec<(usize, i64)>, StoreError>;
    /// The latest silence alerts.
    fn cadence_alerts(&mut self, limit: usize) -> Result<Vec<CadenceAlert>, StoreError>;
    /// A shared setting's value (business hours, …), if set.
    fn setting(&mut self, name: &str) -> Result<Option<String>, StoreError>;
    /// Sets a shared setting (`None` removes it).
    fn put_setting(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError>;
}

/// An import of interactions in progress: one open write transaction.
pub trait InteractionImport {
    /// The customers these references name, as the transaction sees them.
    fn resolve(&mut self, refs: &[CustomerRef]) -> Result<Vec<Option<CustomerId>>, StoreError>;
    /// Logs a batch.
    fn log(&mut self, records: &[NewInteraction]) -> Result<Vec<Logged>, StoreError>;
    /// Makes everything logged visible and durable at once.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The most customer references an import remembers (about 100 bytes each); past that it
/// starts again from none.
const RESOLVED_KEPT: usize = 2_000_000;

/// References an import looks up one batch at a time before it reads every customer at once
/// (where it may: [`CustomerDirectory`]): a tenth of the customers, at most this many.
const DIRECTORY_AFTER: usize = 100_000;

/// An import's transaction, with what it learnt on the way: the customers its references
/// named (a file names each customer many times; each reference is looked up once, or all
/// customers are read at once), and the contact dates its rows raise, written once when it
/// commits.
struct ImportTx<T> {
    tx: T,
    now: Timestamp,
    resolved: foldhash::HashMap<CustomerRef, Option<CustomerId>>,
    looked_up: usize,
    directory_after: Option<usize>,
    directory: Option<CustomerDirectory>,
    contacts: LatestContacts,
}

impl<T: Transaction> InteractionImport for ImportTx<T> {
    fn resolve(&mut self, refs: &[CustomerRef]) -> Result<Vec<Option<CustomerId>>, StoreError> {
        if self.directory.is_none() && self.looked_up > 0 && self.tx.sole_writer() {
            let after = match self.directory_after {
                Some(after) => after,
                None => {
                    let customers = self.tx.query_one("SELECT COUNT(*) FROM customers", &[])?.int(0)?;
                    let after = usize::try_from(customers / 10).unwrap_or(0).clamp(1, DIRECTORY_AFTER);
                    *self.directory_after.insert(after)
                }
            };
            if self.looked_up >= after {
                self.directory = Some(CustomerDirectory::read(&mut self.tx)?);
                self.resolved.clear();
            }
        }
        let directory = self.directory.as_ref();
        // A reference twice among the unknown is looked up once all the same (`resolve` asks
        // for each distinct one).
        let unknown: Vec<CustomerRef> = refs
            .iter()
            .filter(|r| directory.and_then(|d| d.find(r)).is_none() && !self.resolved.contains_key(*r))
            .cloned()
            .collect();
        if self.resolved.len() + unknown.len() > RESOLVED_KEPT {
            self.resolved.clear();
        }
        let found = interactions::resolve(&mut self.tx, &unknown)?;
        self.looked_up += unknown.len();
        self.resolved.extend(unknown.into_iter().zip(found));
        Ok(refs
            .iter()
            .map(|r| directory.and_then(|d| d.find(r)).unwrap_or_else(|| self.resolved[r]))
            .collect())
    }

    fn log(&mut self, records: &[NewInteraction]) -> Result<Vec<Logged>, StoreError> {
        interactions::log_deferring(&mut self.tx, records, self.now, &mut self.contacts)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.contacts.write(&mut self.tx)?;
        self.tx.commit()
    }
}

impl<B: Backend> CalendarStore for Engine<B> {
    fn log_interactions(
        &mut self,
        records: &[NewInteraction],
        now: Timestamp,
    ) -> Result<Vec<Logged>, StoreError> {
        self.write(|tx| interactions::log(tx, records, now))
    }

    fn begin_interaction_import(
        &mut self,
        now: Timestamp,
    ) -> Result<Box<dyn InteractionImport + '_>, StoreError> {
        // As an order import: the rows name only customers resolved in this same transaction.
        let mut tx = self.backend.import_write("interactions")?;
        require_current::<B>(&mut tx)?;
        Ok(Box::new(ImportTx {
            tx,
            now,
            resolved: Default::default(),
            looked_up: 0,
            directory_after: None,
            directory: None,
            contacts: LatestContacts::default(),
        }))
    }

    fn resolve_customers(&mut self, refs: &[CustomerRef]) -> Result<Vec<Option<CustomerId>>, StoreError> {
        interactions::resolve(&mut self.checked_read()?, refs)
    }

    fn interaction(&mut self, id: i64) -> Result<Interaction, StoreError> {
        interactions::find(&mut self.checked_read()?, id)
    }

    fn edit_interaction(
        &mut self,
        id: i64,
        edit: &InteractionEdit,
        now: Timestamp,
    ) -> Result<Interaction, StoreError> {
        self.write(|tx| interactions::edit(tx, id, edit, now))
    }

    fn delete_interaction(&mut self, id: i64, now: Timestamp) -> Result<Interaction, StoreError> {
        self.write(|tx| interactions::delete(tx, id, now))
    }

    fn interactions(&mut self, query: &InteractionQuery) -> Result<Vec<Interaction>, StoreError> {
        interactions::list(&mut self.checked_read()?, query)
    }

    fn query_timings(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<QueryTiming>, StoreError> {
        interactions::query_timings(&mut self.checked_read()?, from, to)
    }

    fn contact_dates(&mut self, customer: CustomerId) -> Result<ContactDates, StoreError> {
        cadence::contact(&mut self.checked_read()?, customer)
    }

    fn for_each_contact(
        &mut self,
        each: &mut dyn FnMut(ContactDates) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        cadence::for_each_contact(&mut self.checked_read()?, each)
    }

    fn set_contact_settings(
        &mut self,
        customer: CustomerId,
        settings: &ContactSettings,
    ) -> Result<ContactDates, StoreError> {
        self.write(|tx| cadence::set_contact(tx, customer, settings))
    }

    fn add_followup(&mut self, new: &NewFollowUp, now: Timestamp) -> Result<FollowUp, StoreError> {
        self.write(|tx| followups::add(tx, new, None, now))
    }

    fn followup(&mut self, id: i64) -> Result<FollowUp, StoreError> {
        followups::find(&mut self.checked_read()?, id)
    }

    fn edit_followup(
        &mut self,
        id: i64,
        edit: &FollowUpEdit,
        now: Timestamp,
    ) -> Result<FollowUp, StoreError> {
        self.write(|tx| followups::edit(tx, id, edit, now))
    }

    fn finish_followup(
        &mut self,
        id: i64,
        end: &FollowUpEnd,
        now: Timestamp,
    ) -> Result<FollowUp, StoreError> {
        self.write(|tx| followups::finish(tx, id, end, now))
    }

    fn followups(&mut self, query: &FollowUpQuery) -> Result<Vec<FollowUp>, StoreError> {
        followups::list(&mut self.checked_read()?, query)
    }

    fn due_reminders(&mut self, now: Timestamp, limit: usize) -> Result<Vec<FollowUp>, StoreError> {
        followups::due_reminders(&mut self.checked_read()?, now, limit)
    }

    fn send_reminders(
        &mut self,
        reminders: &[(FollowUp, NewMessage)],
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.write(|tx| followups::send_reminders(tx, reminders, now))
    }

    fn feed_followups(&mut self, owner_id: i64, since: Timestamp) -> Result<Vec<FollowUp>, StoreError> {
        followups::of_feed(&mut self.checked_read()?, owner_id, since)
    }

    fn calendar_feed(&mut self, user_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        followups::feed(&mut self.checked_read()?, user_id)
    }

    fn set_calendar_feed(
        &mut self,
        user_id: i64,
        generation: i64,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| followups::set_feed(tx, user_id, generation, token_hash, now))
    }

    fn calendar_feed_user(&mut self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        followups::feed_user(&mut self.checked_read()?, token_hash)
    }

    fn add_cadence_rule(&mut self, rule: &NewCadenceRule, now: Timestamp) -> Result<i64, StoreError> {
        self.write(|tx| cadence::add_rule(tx, rule, now))
    }

    fn cadence_rules(&mut self) -> Result<Vec<CadenceRuleInfo>, StoreError> {
        cadence::rules(&mut self.checked_read()?)
    }

    fn remove_cadence_rule(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| cadence::remove_rule(tx, id, now))
    }

    fn record_cadence_alerts(
        &mut self,
        alerts: &[NewCadenceAlert],
        notify: &AlertNotifier<'_>,
        now: Timestamp,
    ) -> Result<Vec<(usize, i64)>, StoreError> {
        self.write(|tx| cadence::record_alerts(tx, alerts, notify, now))
    }

    fn cadence_alerts(&mut self, limit: usize) -> Result<Vec<CadenceAlert>, StoreError> {
        cadence::alerts(&mut self.checked_read()?, limit)
    }

    fn setting(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        suppressions::setting(&mut self.checked_read()?, name)
    }

    fn put_setting(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.write(|tx| suppressions::put_setting(tx, name, value))
    }
}
