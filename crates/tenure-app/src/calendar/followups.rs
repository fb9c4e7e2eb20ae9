//! Follow-ups: planned contacts with an owner, a due time and a reminder e-mail before it; made
//! by hand, from a silence alert, from a survey case, or (later) by automation rules.

use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{
    FollowUp, FollowUpEdit, FollowUpEnd, FollowUpOrigin, FollowUpQuery, MessageKind, NewFollowUp, NewMessage,
    Purpose, Store,
};

use crate::AppError;
use crate::outbox::email::{Action, Content, render};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// The topic of reminder e-mails.
pub const REMINDER_TOPIC: &str = "followup.reminder";

/// A follow-up to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRequest {
    /// About whom.
    pub customer: Option<CustomerId>,
    /// The owner's e-mail (a user).
    pub owner: String,
    /// What to do.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// When.
    pub due_at: Timestamp,
    /// Planned length in minutes.
    pub duration_minutes: u32,
    /// Reminder lead time in minutes (0: none).
    pub remind_minutes: u32,
    /// The survey case it follows.
    pub case_id: Option<i64>,
    /// Who makes it.
    pub created_by: Option<String>,
}

/// A new follow-up's iCalendar UID: random, so it says nothing and never collides.
pub(crate) fn new_uid() -> String {
    format!("followup-{}@tenure", &crate::users::random_hex()[..32])
}

fn check_texts(title: &str, notes: &str) -> Result<(), AppError> {
    if title.trim().is_empty() {
        return Err(AppError::Invalid("title: a follow-up needs a title".into()));
    }
    super::check_length("title", title, MAX_TITLE_CHARS)?;
    super::check_length("notes", notes, tenure_domain::MAX_NOTES_CHARS)
}

/// Makes a follow-up (from a case: one per case).
pub fn add(store: &mut dyn Store, request: &FollowUpRequest, now: Timestamp) -> Result<FollowUp, AppError> {
    check_texts(&request.title, &request.notes)?;
    let owner_id = super::user_id(store, &request.owner)?;
    if let Some(customer) = request.customer {
        store.customer(customer)?;
    }
    let new = NewFollowUp {
        uid: new_uid(),
        customer_id: request.customer,
        owner_id,
        title: request.title.trim().to_string(),
        notes: request.notes.clone(),
        due_at: request.due_at,
        duration_minutes: request.duration_minutes.clamp(1, 24 * 60),
        remind_minutes: request.remind_minutes.min(7 * 24 * 60),
        origin: if request.case_id.is_some() { FollowUpOrigin::Case } else { FollowUpOrigin::Manual },
        case_id: request.case_id,
        created_by: request.created_by.clone(),
    };
    Ok(store.add_followup(&new, now)?)
}

/// A change to a follow-up, its owner named by e-mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpChange {
    /// A new title.
    pub title: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// A new time.
    pub due_at: Option<Timestamp>,
    /// A new length.
    pub duration_minutes: Option<u32>,
    /// A new owner (e-mail).
    pub owner: Option<String>,
    /// A new reminder lead time.
    pub remind_minutes: Option<u32>,
}

/// Changes an open follow-up (its calendar event's SEQUENCE goes up).
pub fn update(
    store: &mut dyn Store,
    id: i64,
    change: &FollowUpChange,
    now: Timestamp,
) -> Result<FollowUp, AppError> {
    let current = store.followup(id)?;
    check_texts(
        change.title.as_deref().unwrap_or(&current.title),
        change.notes.as_deref().unwrap_or(&current.notes),
    )?;
    let owner_id = change.owner.as_deref().map(|owner| super::user_id(store, owner)).transpose()?;
    let edit = FollowUpEdit {
        title: change.title.as_ref().map(|t| t.trim().to_string()),
        notes: change.notes.clone(),
        due_at: change.due_at,
        duration_minutes: change.duration_minutes.map(|d| d.clamp(1, 24 * 60)),
        owner_id,
        remind_minutes: change.remind_minutes.map(|m| m.min(7 * 24 * 60)),
    };
    Ok(store.edit_followup(id, &edit, now)?)
}

/// Marks a follow-up done with what came of it.
pub fn done(store: &mut dyn Store, id: i64, outcome: &str, now: Timestamp) -> Result<FollowUp, AppError> {
    super::check_length("outcome", outcome, tenure_domain::MAX_NOTES_CHARS)?;
    Ok(store.finish_followup(id, &FollowUpEnd::Done(outcome.trim().to_string()), now)?)
}

/// Cancels a follow-up (its calendar event becomes `STATUS:CANCELLED`).
pub fn cancel(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<FollowUp, AppError> {
    Ok(store.finish_followup(id, &FollowUpEnd::Cancelled, now)?)
}

/// Follow-ups by a query; `owner` by e-mail.
pub fn list(
    store: &mut dyn Store,
    owner: Option<&str>,
    query: FollowUpQuery,
) -> Result<Vec<FollowUp>, AppError> {
    let owner_id = owner.map(|o| super::user_id(store, o)).transpose()?;
    Ok(store.followups(&FollowUpQuery { owner_id: owner_id.or(query.owner_id), ..query })?)
}

/// Opens the follow-up of a survey case for its owner (or `owner` when the case has none),
/// due when the case is; a case has one follow-up, so a second call returns the first.
pub fn from_case(
    store: &mut dyn Store,
    case_id: i64,
    owner: Option<&str>,
    created_by: Option<&str>,
    now: Timestamp,
) -> Result<FollowUp, AppError> {
    let case = store.case(case_id)?;
    let owner = owner
        .map(str::to_string)
        .or(case.owner.clone())
        .ok_or_else(|| AppError::Invalid(format!("case {case_id} has no owner: name one")))?;
    let request = FollowUpRequest {
        customer: case.customer_id,
        owner,
        title: format!("Follow up the {} survey answer: {}", case.survey, case.reason),
        notes: case.notes.clone(),
        due_at: case.due_at.max(now),
        duration_minutes: 15,
        remind_minutes: 60,
        case_id: Some(case_id),
        created_by: created_by.map(str::to_string),
    };
    add(store, &request, now)
}

/// Queues the reminder e-mail of every follow-up whose reminder is due; returns how many.
/// Idempotent: a reminder is marked sent in the transaction that queues it.
pub fn send_due_reminders(store: &mut dyn Store, public_url: &str, now: Timestamp) -> Result<u64, AppError> {
    let due = store.due_reminders(now, 500)?;
    let mut reminders = Vec::with_capacity(due.len());
    for followup in due {
        let message = reminder_mail(&followup, public_url, now)?;
        reminders.push((followup, message));
    }
    Ok(store.send_reminders(&reminders, now)?)
}

fn reminder_mail(followup: &FollowUp, public_url: &str, now: Timestamp) -> Result<NewMessage, AppError> {
    let base = public_url.trim_end_matches('/');
    let who = followup.customer_name.clone().unwrap_or_else(|| "a customer".into());
    let content = Content {
        subject: format!("Due {}: {}", followup.due_at.format("%a %e %b %H:%M UTC"), followup.title),
        greeting_name: None,
        paragraphs: vec![
            format!("A follow-up with {who} is due {}.", followup.due_at.format("%A %e %B at %H:%M UTC")),
            if followup.notes.is_empty() { "No notes.".to_string() } else { followup.notes.clone() },
        ],
        action: Some(Action {
            label: "Open the follow-up".into(),
            url: match followup.customer_id {
                Some(c) => format!("{base}/customers/{}", c.0),
                None => format!("{base}/calendar"),
            },
        }),
        signature: "Tenure".into(),
    };
    let payload = render(&content, None, None).map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    Ok(NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Transactional,
        topic: REMINDER_TOPIC.into(),
        // A message to staff: no customer's consent or frequency cap applies to it.
        customer_id: None,
        recipient: followup.owner_email.clone(),
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
        not_before: now,
        dedupe_key: Some(format!("{REMINDER_TOPIC}:{}:{}", followup.id, followup.sequence)),
    })
}
