//! What the store keeps of surveys: surveys and their versions, invitations, links, responses.
//! The questions themselves are JSON the store does not read (tenure-surveys owns their meaning).

use serde::{Deserialize, Serialize};
use tenure_domain::{CustomerId, Timestamp};

/// How a survey is distributed: the settings a seller tunes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveySettings {
    /// A customer is invited to this survey at most once in this many days.
    pub interval_days: i64,
    /// An invitation's link works for this many days after it is sent.
    pub link_days: i64,
    /// Reminders sent to customers who have not answered.
    pub reminders: i64,
    /// Days between the invitation and each reminder.
    pub reminder_gap_days: i64,
    /// A form submitted faster than this is taken for a bot's.
    pub min_fill_seconds: i64,
    /// Origins allowed to embed the survey in a frame (space-separated; empty: none).
    pub frame_ancestors: String,
}

impl Default for SurveySettings {
    fn default() -> Self {
        SurveySettings {
            interval_days: 90,
            link_days: 30,
            reminders: 1,
            reminder_gap_days: 3,
            min_fill_seconds: 3,
            frame_ancestors: String::new(),
        }
    }
}

/// "Invite after a purchase": the delay, and which purchases count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseTrigger {
    /// Days after the purchase.
    pub delay_days: i64,
    /// Only purchases from this source, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Only purchases with an item of this name or SKU (compared without case), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

/// A new survey.
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    /// Its name: unique, used in the CLI and on pages.
    pub name: &'a str,
    /// Its first version's definition (JSON).
    pub definition: &'a str,
    /// The token of its public link.
    pub public_token: &'a str,
    /// Distribution settings.
    pub settings: SurveySettings,
}

/// Live surveys take answers; closed ones keep theirs and take no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyState {
    /// Taking answers.
    Live,
    /// Closed.
    Closed,
}

impl SurveyState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyState::Live => "live",
            SurveyState::Closed => "closed",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, crate::StoreError> {
        match text {
            "live" => Ok(SurveyState::Live),
            "closed" => Ok(SurveyState::Closed),
            other => Err(crate::StoreError::Other(format!("unknown survey state `{other}`"))),
        }
    }
}

/// A survey as stored, with counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The current version.
    pub version: i64,
    /// Live or closed.
    pub state: SurveyState,
    /// The public link's token.
    pub public_token: String,
    /// Distribution settings.
    pub settings: SurveySettings,
    /// Invitation after purchases, when set.
    pub purchase_trigger: Option<PurchaseTrigger>,
    /// Purchases placed from then on trigger invitations.
    pub trigger_since: Option<Timestamp>,
    /// Invitations sent.
    pub invited: i64,
    /// Responses submitted (all versions).
    pub responses: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Sent after conversations on these channels (see [`crate::InteractionTrigger`]).
    pub interaction_trigger: Option<crate::InteractionTrigger>,
}

/// What to change about a survey (`None`: leave as it is).
#[derive(Debug, Clone, Default)]
pub struct SurveyChange {
    /// New distribution settings.
    pub settings: Option<SurveySettings>,
    /// A new purchase trigger (`Some(None)` removes it); a trigger set now counts purchases
    /// placed from now on.
    pub purchase_trigger: Option<Option<PurchaseTrigger>>,
    /// Open or close.
    pub state: Option<SurveyState>,
    /// A new interaction trigger (`Some(None)` removes it).
    pub interaction_trigger: Option<Option<crate::InteractionTrigger>>,
}

/// One invitation to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// Who is invited.
    pub customer_id: CustomerId,
    /// Why: unique per survey (`order:ID`, `send:BATCH`), so a cause never invites twice.
    pub cause: String,
    /// The order that caused it.
    pub order_id: Option<i64>,
    /// When it is to go out.
    pub due_at: Timestamp,
}

/// An invitation (or a reminder of one) that is due, with what its e-mail needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueInvitation {
    /// The invitation.
    pub id: i64,
    /// Its survey.
    pub survey_id: i64,
    /// The survey's name.
    pub survey_name: String,
    /// The survey's current version.
    pub version: i64,
    /// Who.
    pub customer_id: CustomerId,
    /// Their e-mail, if known.
    pub email: Option<String>,
    /// Their name, if known.
    pub name: Option<String>,
    /// Their language, if known.
    pub language: Option<String>,
    /// 0 for the invitation, n for the n-th reminder.
    pub reminder: i64,
}

/// What became of a due invitation: its e-mail, or why none goes.
#[derive(Debug, Clone)]
pub enum InvitationSend {
    /// Queue this message (the interval rule may still skip it).
    Queue(crate::NewMessage),
    /// Skip it, for this reason.
    Skip(String),
}

/// How many due invitations were queued and skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueOutcome {
    /// Messages written.
    pub queued: u64,
    /// Invitations skipped (no e-mail, the survey's interval, closed).
    pub skipped: u64,
}

/// The invitation a link belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationLink {
    /// The invitation.
    pub invitation_id: i64,
    /// Its survey.
    pub survey_id: i64,
    /// Who was invited.
    pub customer_id: CustomerId,
    /// Whether it has been answered.
    pub answered: bool,
    /// When the link stops working.
    pub expires_at: Option<Timestamp>,
    /// The customer's language, if known.
    pub language: Option<String>,
}

/// Who a response belongs to, which decides how it is found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseOwner {
    /// An invitation: one response per invitation.
    Invitation(i64),
    /// A public-link visitor, by the SHA-256 of the key in their cookie.
    Visitor(String),
}

/// Where a response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseChannel {
    /// An e-mailed invitation's link.
    Email,
    /// The public link.
    Link,
    /// A form embedded in another site.
    Embed,
    /// The API.
    Api,
}

impl ResponseChannel {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseChannel::Email => "email",
            ResponseChannel::Link => "link",
            ResponseChannel::Embed => "embed",
            ResponseChannel::Api => "api",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, crate::StoreError> {
        match text {
            "email" => Ok(ResponseChannel::Email),
            "link" => Ok(ResponseChannel::Link),
            "embed" => Ok(ResponseChannel::Embed),
            "api" => Ok(ResponseChannel::Api),
            other => Err(crate::StoreError::Other(format!("unknown response channel `{other}`"))),
        }
    }
}

/// A response as stored (begun or submitted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredResponse {
    /// Its id.
    pub id: i64,
    /// Its survey.
    pub survey_id: i64,
    /// The version it answers.
    pub version: i64,
    /// The customer, when known.
    pub customer_id: Option<CustomerId>,
    /// Where it came from.
    pub channel: ResponseChannel,
    /// The language it was answered in.
    pub language: String,
    /// The answers so far, JSON by question id.
    pub answers: String,
    /// The page to show next.
    pub next_page: i64,
    /// When it was begun.
    pub started_at: Timestamp,
    /// When it was submitted (`None`: not yet).
    pub submitted_at: Option<Timestamp>,
}

/// A page of answers to keep.
#[derive(Debug, Clone)]
pub struct ResponseWrite<'a> {
    /// The survey.
    pub survey_id: i64,
    /// The version answered (kept from the first page on).
    pub version: i64,
    /// Whose response.
    pub owner: ResponseOwner,
    /// The customer, when known.
    pub customer_id: Option<CustomerId>,
    /// Where it came from.
    pub channel: ResponseChannel,
    /// The language answered in.
    pub language: &'a str,
    /// Every answer so far (JSON), replacing what was kept.
    pub answers: &'a str,
    /// The page to show next.
    pub next_page: i64,
    /// Whether this completes the response.
    pub submit: bool,
    /// What submitting it sets off (ignored unless this write submits it).
    pub on_submit: Option<&'a SubmitEffects>,
}

/// A customer's submitted response, for their page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerResponse {
    /// The survey's name.
    pub survey_name: String,
    /// The response.
    pub response: StoredResponse,
}

/// What makes an answer bad enough to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A scale answer at most the rule's threshold (a CSAT of 2 or less, say).
    ScoreAtMost,
    /// An NPS answer of 0–6.
    Detractor,
    /// A comment whose sentiment is negative.
    NegativeComment,
    /// An NPS answer of 9–10, or the top of a CSAT scale: a customer to ask for a testimonial.
    Promoter,
}

impl AlertKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ScoreAtMost => "score_at_most",
            AlertKind::Detractor => "detractor",
            AlertKind::NegativeComment => "negative_comment",
            AlertKind::Promoter => "promoter",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "score_at_most" => Some(AlertKind::ScoreAtMost),
            "detractor" => Some(AlertKind::Detractor),
            "negative_comment" => Some(AlertKind::NegativeComment),
            "promoter" => Some(AlertKind::Promoter),
            _ => None,
        }
    }
}

/// An alert rule to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlertRule {
    /// What it watches.
    pub kind: AlertKind,
    /// The question it watches (all questions of the kind when `None`).
    pub question: Option<String>,
    /// For [`AlertKind::ScoreAtMost`]: the highest score that alerts.
    pub threshold: Option<i64>,
    /// A team address to e-mail.
    pub notify_email: Option<String>,
    /// Whether to send a `survey.alert` event to webhook subscriptions.
    pub notify_webhook: bool,
    /// Whether to open a follow-up case.
    pub open_case: bool,
    /// Who owns the cases it opens.
    pub case_owner: Option<String>,
    /// Days until a case falls due.
    pub case_due_days: i64,
    /// A survey to invite the customer to (a testimonial, for promoters).
    pub invite_survey: Option<i64>,
}

/// An alert rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRule {
    /// Its id.
    pub id: i64,
    /// Its survey.
    pub survey_id: i64,
    /// What it watches.
    pub kind: AlertKind,
    /// The question it watches, if one.
    pub question: Option<String>,
    /// The highest score that alerts.
    pub threshold: Option<i64>,
    /// The team address it e-mails.
    pub notify_email: Option<String>,
    /// Whether it sends `survey.alert` events.
    pub notify_webhook: bool,
    /// Whether it opens cases.
    pub open_case: bool,
    /// Who owns its cases.
    pub case_owner: Option<String>,
    /// Days until its cases fall due.
    pub case_due_days: i64,
    /// The survey it invites the customer to.
    pub invite_survey: Option<i64>,
}

/// A case to open when a response is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// The rule that opened it.
    pub rule_id: i64,
    /// Why, in words.
    pub reason: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it falls due.
    pub due_at: Timestamp,
    /// The iCalendar UID of its follow-up: when the owner is a dashboard user, the case also
    /// becomes a follow-up of theirs, due when the case is.
    pub followup_uid: Option<String>,
}

/// What submitting a response sets off, written in the same transaction and only if this write
/// submits it: alert e-mails, `survey.alert` events, follow-up cases.
#[derive(Debug, Clone, Default)]
pub struct SubmitEffects {
    /// E-mails to enqueue.
    pub messages: Vec<crate::NewMessage>,
    /// Events for webhook subscribers.
    pub events: Vec<crate::Event<'static>>,
    /// Cases to open.
    pub cases: Vec<NewCase>,
    /// Invitations to other surveys: `(survey id, invitation)`.
    pub invitations: Vec<(i64, NewInvitation)>,
    /// Testimonials to keep for approval.
    pub testimonials: Vec<NewTestimonial>,
}

/// A testimonial in a response, kept for staff to approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTestimonial {
    /// The text question it answers.
    pub question: String,
    /// What the customer wrote.
    pub text: String,
    /// What the customer allowed (`first_name`, `anonymous`, `no`), when asked.
    pub publish: Option<String>,
}

/// A testimonial as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Testimonial {
    /// Its id.
    pub id: i64,
    /// The survey's name.
    pub survey: String,
    /// The response it is in.
    pub response_id: i64,
    /// The customer, when known.
    pub customer_id: Option<CustomerId>,
    /// The customer's name, when known.
    pub customer_name: Option<String>,
    /// What they wrote.
    pub text: String,
    /// What they allowed.
    pub publish: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When it was written.
    pub created_at: Timestamp,
}

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    /// The customer was won back.
    Recovered,
    /// They were not.
    NotRecovered,
}

impl CaseOutcome {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseOutcome::Recovered => "recovered",
            CaseOutcome::NotRecovered => "not_recovered",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "recovered" => Some(CaseOutcome::Recovered),
            "not_recovered" => Some(CaseOutcome::NotRecovered),
            _ => None,
        }
    }
}

/// A follow-up case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// Its id.
    pub id: i64,
    /// The survey's name.
    pub survey: String,
    /// The response that opened it.
    pub response_id: i64,
    /// The customer, when known.
    pub customer_id: Option<CustomerId>,
    /// Why it was opened.
    pub reason: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    /// How it ended.
    pub outcome: Option<CaseOutcome>,
    /// What was done.
    pub notes: String,
    /// When it falls due.
    pub due_at: Timestamp,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
}
