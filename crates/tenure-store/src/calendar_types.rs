//! The communication calendar's values as storage reads and writes them: interactions, a
//! customer's contact dates and settings, follow-ups, cadence rules and their alerts.

use serde::Serialize;
use tenure_domain::{Channel, CustomerId, Direction, QueryState, Timestamp};

use crate::{NewMessage, StoreError};

/// Makes the messages that announce new silence alerts, given their indices among the alerts
/// recorded: called inside the transaction that records them.
pub type AlertNotifier<'a> = dyn Fn(&[usize]) -> Result<Vec<NewMessage>, StoreError> + 'a;

/// An interaction to store, its customer resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    /// Whose.
    pub customer_id: CustomerId,
    /// What makes logging it again harmless (unique across interactions).
    pub key: String,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// How.
    pub channel: Channel,
    /// Who reached out.
    pub direction: Direction,
    /// How long, for calls and meetings.
    pub duration_seconds: Option<u32>,
    /// What it was about.
    pub subject: String,
    /// Notes.
    pub notes: String,
    /// What came of it.
    pub outcome: String,
    /// The staff member's e-mail.
    pub staff: Option<String>,
    /// An inbound query's state (open when not given).
    pub state: Option<QueryState>,
    /// The order it was about.
    pub order_id: Option<i64>,
    /// The survey response it followed.
    pub response_id: Option<i64>,
    /// The survey case it belongs to.
    pub case_id: Option<i64>,
    /// For an outbound contact: the inbound query it answers.
    pub reply_to: Option<i64>,
    /// Who logged it (a user's e-mail, `api`, `import`).
    pub logged_by: Option<String>,
}

/// A stored interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interaction {
    /// Its id.
    pub id: i64,
    /// Whose.
    pub customer_id: CustomerId,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// How.
    pub channel: Channel,
    /// Who reached out.
    pub direction: Direction,
    /// How long, in seconds.
    pub duration_seconds: Option<u32>,
    /// What it was about.
    pub subject: String,
    /// Notes.
    pub notes: String,
    /// What came of it.
    pub outcome: String,
    /// The staff member's e-mail.
    pub staff: Option<String>,
    /// An inbound query's state.
    pub state: Option<QueryState>,
    /// When the query was first answered.
    pub answered_at: Option<Timestamp>,
    /// When the query was closed.
    pub closed_at: Option<Timestamp>,
    /// The order it was about.
    pub order_id: Option<i64>,
    /// The survey response it followed.
    pub response_id: Option<i64>,
    /// The survey case it belongs to.
    pub case_id: Option<i64>,
    /// The query it answers.
    pub reply_to: Option<i64>,
    /// Who logged it.
    pub logged_by: Option<String>,
    /// When it was logged.
    pub created_at: Timestamp,
}

/// Whether logging wrote a new interaction or found the one its key had written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "id", rename_all = "snake_case")]
pub enum Logged {
    /// Written now.
    New(i64),
    /// Written before under the same key; nothing changed.
    Existing(i64),
}

impl Logged {
    /// The interaction's id either way.
    pub fn id(self) -> i64 {
        match self {
            Logged::New(id) | Logged::Existing(id) => id,
        }
    }
}

/// Changes to a stored interaction; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionEdit {
    /// A corrected time.
    pub occurred_at: Option<Timestamp>,
    /// A corrected channel.
    pub channel: Option<Channel>,
    /// A new subject.
    pub subject: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// A new outcome.
    pub outcome: Option<String>,
    /// A new state (inbound queries only).
    pub state: Option<QueryState>,
    /// When the new state was reached (default: now) — for a query answered or closed earlier
    /// than it is recorded.
    pub state_at: Option<Timestamp>,
}

/// Which interactions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionQuery {
    /// One customer's.
    pub customer: Option<CustomerId>,
    /// Happened at or after.
    pub from: Option<Timestamp>,
    /// Happened before.
    pub to: Option<Timestamp>,
    /// Handled by this staff member (e-mail).
    pub staff: Option<String>,
    /// Inbound queries in this state.
    pub state: Option<QueryState>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// A customer's contact dates and the staff's settings for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactDates {
    /// The customer.
    pub customer_id: CustomerId,
    /// When the customer last reached out.
    pub last_inbound: Option<Timestamp>,
    /// When the business last reached out.
    pub last_outbound: Option<Timestamp>,
    /// The last interaction of any kind.
    pub last_any: Option<Timestamp>,
    /// Keep in touch at least every so many days.
    pub keep_in_touch_days: Option<u32>,
    /// Silence alerts snoozed until.
    pub snoozed_until: Option<Timestamp>,
    /// The responsible staff member (a user id).
    pub owner_id: Option<i64>,
}

/// A change to a customer's contact settings; `None` leaves one as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactSettings {
    /// Keep in touch every N days.
    pub keep_in_touch_days: Option<Option<u32>>,
    /// Snooze silence alerts until.
    pub snoozed_until: Option<Option<Timestamp>>,
    /// The responsible user.
    pub owner_id: Option<Option<i64>>,
}

/// Where a follow-up came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpOrigin {
    /// Made by hand.
    Manual,
    /// From a silence alert.
    Cadence,
    /// From a survey case.
    Case,
    /// From an automation rule.
    Rule,
}

impl FollowUpOrigin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpOrigin::Manual => "manual",
            FollowUpOrigin::Cadence => "cadence",
            FollowUpOrigin::Case => "case",
            FollowUpOrigin::Rule => "rule",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "manual" => FollowUpOrigin::Manual,
            "cadence" => FollowUpOrigin::Cadence,
            "case" => FollowUpOrigin::Case,
            "rule" => FollowUpOrigin::Rule,
            _ => return None,
        })
    }
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// To do.
    Open,
    /// Done, with an outcome.
    Done,
    /// Called off.
    Cancelled,
}

impl FollowUpStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "open",
            FollowUpStatus::Done => "done",
            FollowUpStatus::Cancelled => "cancelled",
        }
    }

    /// Reads `open`, `done` or `cancelled`.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "open" => FollowUpStatus::Open,
            "done" => FollowUpStatus::Done,
            "cancelled" => FollowUpStatus::Cancelled,
            _ => return None,
        })
    }
}

/// A follow-up to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    /// Its iCalendar UID (random; never changes).
    pub uid: String,
    /// About whom.
    pub customer_id: Option<CustomerId>,
    /// Whose task (a user id).
    pub owner_id: i64,
    /// What to do.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// When.
    pub due_at: Timestamp,
    /// How long it is planned to take.
    pub duration_minutes: u32,
    /// The reminder e-mail goes this long before it is due (0: none).
    pub remind_minutes: u32,
    /// What made it.
    pub origin: FollowUpOrigin,
    /// The survey case it follows.
    pub case_id: Option<i64>,
    /// Who made it.
    pub created_by: Option<String>,
}

/// A stored follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    /// Its id.
    pub id: i64,
    /// Its iCalendar UID.
    pub uid: String,
    /// About whom.
    pub customer_id: Option<CustomerId>,
    /// The customer's name, when known.
    pub customer_name: Option<String>,
    /// Whose task.
    pub owner_id: i64,
    /// The owner's e-mail.
    pub owner_email: String,
    /// What to do.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// When.
    pub due_at: Timestamp,
    /// Planned length.
    pub duration_minutes: u32,
    /// Reminder lead time.
    pub remind_minutes: u32,
    /// Where it stands.
    pub status: FollowUpStatus,
    /// What came of it, once done.
    pub outcome: Option<String>,
    /// What made it.
    pub origin: FollowUpOrigin,
    /// The survey case it follows.
    pub case_id: Option<i64>,
    /// The silence alert it follows.
    pub alert_id: Option<i64>,
    /// Raised with every change a calendar should see.
    pub sequence: u32,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Changes to a follow-up; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpEdit {
    /// A new title.
    pub title: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// A new time.
    pub due_at: Option<Timestamp>,
    /// A new length.
    pub duration_minutes: Option<u32>,
    /// A new owner.
    pub owner_id: Option<i64>,
    /// A new reminder lead time.
    pub remind_minutes: Option<u32>,
}

/// How a follow-up ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUpEnd {
    /// Done, with what came of it.
    Done(String),
    /// Called off.
    Cancelled,
}

/// Which follow-ups to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpQuery {
    /// One owner's.
    pub owner_id: Option<i64>,
    /// About one customer.
    pub customer: Option<CustomerId>,
    /// Due at or after.
    pub from: Option<Timestamp>,
    /// Due before.
    pub to: Option<Timestamp>,
    /// In this state.
    pub status: Option<FollowUpStatus>,
    /// At most this many, by due time.
    pub limit: usize,
}

/// A cadence rule to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCadenceRule {
    /// `all`, `segment:NAME`, `stage:NAME` or `clv:MIN..MAX`.
    pub audience: String,
    /// Alert after this many days without an interaction.
    pub quiet_days: u32,
    /// Who is alerted when the customer has no owner of their own.
    pub owner_id: Option<i64>,
    /// Also open a follow-up with each alert.
    pub follow_up: bool,
}

/// A stored cadence rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CadenceRuleInfo {
    /// Its id.
    pub id: i64,
    /// Its audience, as written.
    pub audience: String,
    /// Days without interaction.
    pub quiet_days: u32,
    /// Its owner (user id).
    pub owner_id: Option<i64>,
    /// Its owner's e-mail.
    pub owner_email: Option<String>,
    /// Opens follow-ups.
    pub follow_up: bool,
}

/// A silence alert to record, with what it sets off when it is new.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCadenceAlert {
    /// Who has gone quiet.
    pub customer_id: CustomerId,
    /// Since when (the silence's key, with the customer).
    pub silent_since: Timestamp,
    /// `rule:ID` or `keep_in_touch`.
    pub cause: String,
    /// The threshold that was passed.
    pub quiet_days: u32,
    /// Who is told.
    pub owner_id: Option<i64>,
    /// CLV × (1 − probability alive), when scored.
    pub value_at_risk: Option<f64>,
    /// The follow-up to open, only when the alert is new.
    pub follow_up: Option<NewFollowUp>,
}

/// A recorded silence alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CadenceAlert {
    /// Its id.
    pub id: i64,
    /// Who went quiet.
    pub customer_id: CustomerId,
    /// The customer's name.
    pub customer_name: Option<String>,
    /// Since when.
    pub silent_since: Timestamp,
    /// Why.
    pub cause: String,
    /// The threshold.
    pub quiet_days: u32,
    /// Who was told (e-mail).
    pub owner_email: Option<String>,
    /// Value at risk when alerted.
    pub value_at_risk: Option<f64>,
    /// When.
    pub created_at: Timestamp,
}

/// An inbound query's timing, for response-time figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryTiming {
    /// The query.
    pub id: i64,
    /// Its channel.
    pub channel: Channel,
    /// Who handled it.
    pub staff: Option<String>,
    /// Where it stands.
    pub state: QueryState,
    /// When it came in.
    pub occurred_at: Timestamp,
    /// First answered, when known.
    pub answered_at: Option<Timestamp>,
    /// Closed, when known.
    pub closed_at: Option<Timestamp>,
}
