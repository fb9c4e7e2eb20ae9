//! The storage interface of surveys: definitions and versions, invitations and their links,
//! responses. Part of every [`crate::Store`].

use tenure_domain::{CustomerId, Timestamp};

use crate::store::{Backend, Engine};
use crate::surveys::{self, SurveyKey};
use crate::{
    AlertRule, Case, CaseOutcome, CustomerResponse, DueInvitation, InvitationLink, InvitationSend,
    NewAlertRule, NewInvitation, NewSurvey, QueueOutcome, ResponseOwner, ResponseWrite, StoreError,
    StoredResponse, SurveyChange, SurveyInfo, Testimonial, survey_alerts,
};

/// What surveys ask of storage.
pub trait SurveyStore {
    /// Writes a survey and its first version; returns its id.
    fn create_survey(&mut self, new: &NewSurvey<'_>, now: Timestamp) -> Result<i64, StoreError>;
    /// Writes a new version of a survey's questions and makes it current; returns its number.
    fn save_survey_version(
        &mut self,
        survey_id: i64,
        definition: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Changes a survey's settings, purchase trigger or state.
    fn change_survey(
        &mut self,
        survey_id: i64,
        change: &SurveyChange,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every survey, by name.
    fn surveys(&mut self) -> Result<Vec<SurveyInfo>, StoreError>;
    /// One survey, with its invitation and response counts.
    fn survey(&mut self, key: SurveyKey<'_>) -> Result<SurveyInfo, StoreError>;
    /// One survey without counting its invitations and responses (`invited` and `responses` are
    /// 0): for paths that run on every answer.
    fn survey_uncounted(&mut self, key: SurveyKey<'_>) -> Result<SurveyInfo, StoreError>;
    /// The definition (JSON) of one version.
    fn survey_definition(&mut self, survey_id: i64, version: i64) -> Result<String, StoreError>;
    /// Writes invitations (a cause used before writes nothing); returns how many were written.
    fn invite(
        &mut self,
        survey_id: i64,
        invitations: &[NewInvitation],
        now: Timestamp,
    ) -> Result<u64, StoreError>;
    /// Invites after the purchases stored since the last scan; returns how many were written.
    fn scan_purchase_triggers(&mut self, now: Timestamp) -> Result<u64, StoreError>;
    /// Invitations and reminders due at `now`.
    fn due_invitations(&mut self, now: Timestamp, limit: usize) -> Result<Vec<DueInvitation>, StoreError>;
    /// Queues due invitations' e-mails (or skips them), each with its invitation's change.
    fn queue_invitations(
        &mut self,
        sends: &[(DueInvitation, InvitationSend)],
        now: Timestamp,
    ) -> Result<QueueOutcome, StoreError>;
    /// Stores the hashes of freshly minted links: `(invitation id, SHA-256 hex)`.
    fn add_survey_tokens(&mut self, tokens: &[(i64, String)], now: Timestamp) -> Result<(), StoreError>;
    /// The invitation a link's token hash belongs to.
    fn survey_link(&mut self, token_hash: &str) -> Result<Option<InvitationLink>, StoreError>;
    /// The response of an invitation or a visitor, if begun.
    fn survey_response(&mut self, owner: &ResponseOwner) -> Result<Option<StoredResponse>, StoreError>;
    /// Keeps a page of answers (and submits, when asked); a submitted response takes no more.
    fn save_survey_response(
        &mut self,
        write: &ResponseWrite<'_>,
        now: Timestamp,
    ) -> Result<StoredResponse, StoreError>;
    /// Keeps many responses in one transaction, each as of its own time (responses collected
    /// elsewhere, the demo's); returns how many. Any conflict rolls them all back.
    fn save_survey_responses(&mut self, writes: &[(ResponseWrite<'_>, Timestamp)])
    -> Result<u64, StoreError>;
    /// Streams submitted responses of a survey (one version or all), oldest first.
    fn for_each_survey_response(
        &mut self,
        survey_id: i64,
        version: Option<i64>,
        each: &mut dyn FnMut(StoredResponse) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// A customer's submitted responses, newest first.
    fn customer_responses(&mut self, customer: CustomerId) -> Result<Vec<CustomerResponse>, StoreError>;
    /// The customers with an identity in a source (a survey analysis filter).
    fn customers_of_source(&mut self, source: &str) -> Result<Vec<CustomerId>, StoreError>;
    /// The customers who bought an item of this name or SKU (a survey analysis filter).
    fn customers_who_bought(&mut self, product: &str) -> Result<Vec<CustomerId>, StoreError>;
    /// Adds an alert rule to a survey; returns its id.
    fn add_alert_rule(
        &mut self,
        survey_id: i64,
        rule: &NewAlertRule,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// A survey's live alert rules.
    fn alert_rules(&mut self, survey_id: i64) -> Result<Vec<AlertRule>, StoreError>;
    /// Ends an alert rule.
    fn remove_alert_rule(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError>;
    /// Follow-up cases: open ones by due date, then closed ones.
    fn cases(&mut self, open_only: bool, limit: usize) -> Result<Vec<Case>, StoreError>;
    /// One case.
    fn case(&mut self, id: i64) -> Result<Case, StoreError>;
    /// Testimonials, newest first (pending ones only, or all).
    fn testimonials(&mut self, pending_only: bool, limit: usize) -> Result<Vec<Testimonial>, StoreError>;
    /// Approves or rejects a pending testimonial; `by` names who decided.
    fn decide_testimonial(
        &mut self,
        id: i64,
        approve: bool,
        by: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Approved testimonials per customer.
    fn approved_testimonials(&mut self) -> Result<Vec<(CustomerId, u32)>, StoreError>;
    /// Closes a case with its outcome and a note.
    fn close_case(
        &mut self,
        id: i64,
        outcome: CaseOutcome,
        note: &str,
        now: Timestamp,
    ) -> Result<Case, StoreError>;
}

impl<B: Backend> SurveyStore for Engine<B> {
    fn create_survey(&mut self, new: &NewSurvey<'_>, now: Timestamp) -> Result<i64, StoreError> {
        self.write(|tx| surveys::create(tx, new, now))
    }

    fn save_survey_version(
        &mut self,
        survey_id: i64,
        definition: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.write(|tx| surveys::save_version(tx, survey_id, definition, now))
    }

    fn change_survey(
        &mut self,
        survey_id: i64,
        change: &SurveyChange,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| surveys::change(tx, survey_id, change, now))
    }

    fn surveys(&mut self) -> Result<Vec<SurveyInfo>, StoreError> {
        surveys::list(&mut self.checked_read()?)
    }

    fn survey(&mut self, key: SurveyKey<'_>) -> Result<SurveyInfo, StoreError> {
        surveys::find(&mut self.checked_read()?, key, true)
    }

    fn survey_uncounted(&mut self, key: SurveyKey<'_>) -> Result<SurveyInfo, StoreError> {
        surveys::find(&mut self.checked_read()?, key, false)
    }

    fn survey_definition(&mut self, survey_id: i64, version: i64) -> Result<String, StoreError> {
        surveys::definition(&mut self.checked_read()?, survey_id, version)
    }

    fn invite(
        &mut self,
        survey_id: i64,
        invitations: &[NewInvitation],
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.write(|tx| surveys::invite(tx, survey_id, invitations, now))
    }

    fn scan_purchase_triggers(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        self.write(|tx| surveys::scan_purchases(tx, now))
    }

    fn due_invitations(&mut self, now: Timestamp, limit: usize) -> Result<Vec<DueInvitation>, StoreError> {
        surveys::due(&mut self.checked_read()?, now, limit)
    }

    fn queue_invitations(
        &mut self,
        sends: &[(DueInvitation, InvitationSend)],
        now: Timestamp,
    ) -> Result<QueueOutcome, StoreError> {
        self.write(|tx| surveys::queue(tx, sends, now))
    }

    fn add_survey_tokens(&mut self, tokens: &[(i64, String)], now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| surveys::add_tokens(tx, tokens, now))
    }

    fn survey_link(&mut self, token_hash: &str) -> Result<Option<InvitationLink>, StoreError> {
        surveys::link(&mut self.checked_read()?, token_hash)
    }

    fn survey_response(&mut self, owner: &ResponseOwner) -> Result<Option<StoredResponse>, StoreError> {
        surveys::response_of(&mut self.checked_read()?, owner)
    }

    fn save_survey_response(
        &mut self,
        write: &ResponseWrite<'_>,
        now: Timestamp,
    ) -> Result<StoredResponse, StoreError> {
        self.write(|tx| surveys::save_response(tx, write, now))
    }

    fn save_survey_responses(
        &mut self,
        writes: &[(ResponseWrite<'_>, Timestamp)],
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            for (write, at) in writes {
                surveys::save_response(tx, write, *at)?;
            }
            Ok(writes.len() as u64)
        })
    }

    fn for_each_survey_response(
        &mut self,
        survey_id: i64,
        version: Option<i64>,
        each: &mut dyn FnMut(StoredResponse) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        surveys::for_each_submitted(&mut self.checked_read()?, survey_id, version, each)
    }

    fn customer_responses(&mut self, customer: CustomerId) -> Result<Vec<CustomerResponse>, StoreError> {
        surveys::of_customer(&mut self.checked_read()?, customer)
    }

    fn testimonials(&mut self, pending_only: bool, limit: usize) -> Result<Vec<Testimonial>, StoreError> {
        survey_alerts::testimonials(&mut self.checked_read()?, pending_only, limit)
    }

    fn decide_testimonial(
        &mut self,
        id: i64,
        approve: bool,
        by: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| survey_alerts::decide(tx, id, approve, by, now))
    }

    fn approved_testimonials(&mut self) -> Result<Vec<(CustomerId, u32)>, StoreError> {
        survey_alerts::approved_per_customer(&mut self.checked_read()?)
    }

    fn customers_of_source(&mut self, source: &str) -> Result<Vec<CustomerId>, StoreError> {
        surveys::customers_of_source(&mut self.checked_read()?, source)
    }

    fn customers_who_bought(&mut self, product: &str) -> Result<Vec<CustomerId>, StoreError> {
        surveys::customers_who_bought(&mut self.checked_read()?, product)
    }

    fn add_alert_rule(
        &mut self,
        survey_id: i64,
        rule: &NewAlertRule,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.write(|tx| survey_alerts::add_rule(tx, survey_id, rule, now))
    }

    fn alert_rules(&mut self, survey_id: i64) -> Result<Vec<AlertRule>, StoreError> {
        survey_alerts::rules(&mut self.checked_read()?, survey_id)
    }

    fn remove_alert_rule(&mut self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| survey_alerts::remove_rule(tx, id, now))
    }

    fn cases(&mut self, open_only: bool, limit: usize) -> Result<Vec<Case>, StoreError> {
        survey_alerts::cases(&mut self.checked_read()?, open_only, limit)
    }

    fn case(&mut self, id: i64) -> Result<Case, StoreError> {
        survey_alerts::case(&mut self.checked_read()?, id)
    }

    fn close_case(
        &mut self,
        id: i64,
        outcome: CaseOutcome,
        note: &str,
        now: Timestamp,
    ) -> Result<Case, StoreError> {
        self.write(|tx| survey_alerts::close(tx, id, outcome, note, now))
    }
}
