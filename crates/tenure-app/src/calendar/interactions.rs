//! Logging interactions — from a page, the API or the CLI — and reading them back: one
//! customer's, a period's, a staff member's; and the customer's timeline, where orders,
//! interactions, survey answers and follow-ups stand together by date.

use serde::Serialize;
use tenure_domain::{CustomerId, InteractionRecord, Timestamp};
use tenure_store::{
    Interaction, InteractionEdit, InteractionQuery, Logged, NewInteraction, Store, StoreError,
};

use crate::AppError;

/// An interaction to log, with what it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// The interaction (its `key` makes a retry harmless).
    pub record: InteractionRecord,
    /// The order it was about.
    pub order_id: Option<i64>,
    /// The survey response it followed.
    pub response_id: Option<i64>,
    /// The survey case it belongs to.
    pub case_id: Option<i64>,
    /// The inbound query it answers.
    pub reply_to: Option<i64>,
    /// Who logged it.
    pub logged_by: Option<String>,
}

/// A fresh key for an interaction logged from a form or the CLI without one of its own.
pub fn new_key(prefix: &str) -> String {
    format!("{prefix}:{}", &crate::users::random_hex()[..32])
}

/// Checks and logs one interaction. Logging the same key again changes nothing and answers
/// [`Logged::Existing`] with the interaction as first logged.
pub fn log(
    store: &mut dyn Store,
    request: &LogRequest,
    now: Timestamp,
) -> Result<(Logged, Interaction), AppError> {
    let record = &request.record;
    record.check(now).map_err(|(field, reason)| AppError::Invalid(format!("{field}: {reason}")))?;
    let customer = store.resolve_customers(std::slice::from_ref(&record.customer))?[0]
        .ok_or_else(|| AppError::Store(StoreError::NotFound(describe(&record.customer))))?;
    let new = to_new(record, customer, request);
    let logged = store.log_interactions(&[new], now)?[0];
    let interaction = store.interaction(logged.id())?;
    Ok((logged, interaction))
}

/// The stored form of a checked record whose customer is `customer`.
pub(crate) fn to_new(record: &InteractionRecord, customer: CustomerId, links: &LogRequest) -> NewInteraction {
    into_new(record.clone(), customer, links)
}

/// [`to_new`], taking the record's texts rather than copying them (an import's rows).
pub(crate) fn into_new(
    record: InteractionRecord,
    customer: CustomerId,
    links: &LogRequest,
) -> NewInteraction {
    NewInteraction {
        customer_id: customer,
        key: record.key,
        occurred_at: record.occurred_at,
        channel: record.channel,
        direction: record.direction,
        duration_seconds: record.duration_seconds,
        subject: record.subject,
        notes: record.notes,
        outcome: record.outcome,
        staff: record.staff.map(|e| e.as_str().to_string()),
        state: record.state,
        order_id: links.order_id,
        response_id: links.response_id,
        case_id: links.case_id,
        reply_to: links.reply_to,
        logged_by: links.logged_by.clone(),
    }
}

/// "customer 42", "the customer with e-mail a@b.c", "customer 17 of source shop".
pub(crate) fn describe(reference: &tenure_domain::CustomerRef) -> String {
    match reference {
        tenure_domain::CustomerRef::Id(id) => format!("customer {id}"),
        tenure_domain::CustomerRef::Email(email) => format!("a customer with e-mail {}", email.as_str()),
        tenure_domain::CustomerRef::Identity { source, external_id } => {
            format!("customer `{external_id}` of source `{}`", source.as_str())
        }
    }
}

/// Changes an interaction: its time (not more than a day ahead), channel, texts or state.
pub fn edit(
    store: &mut dyn Store,
    id: i64,
    edit: &InteractionEdit,
    now: Timestamp,
) -> Result<Interaction, AppError> {
    if let Some(at) = edit.occurred_at
        && (at - now).num_seconds() > tenure_domain::FUTURE_SLACK_SECONDS
    {
        return Err(AppError::Invalid(format!(
            "occurred_at: {at} is in the future: an interaction is logged once it has happened"
        )));
    }
    if let Some(subject) = &edit.subject {
        super::check_length("subject", subject, tenure_domain::MAX_SUBJECT_CHARS)?;
    }
    for (field, text) in [("notes", &edit.notes), ("outcome", &edit.outcome)] {
        if let Some(text) = text {
            super::check_length(field, text, tenure_domain::MAX_NOTES_CHARS)?;
        }
    }
    Ok(store.edit_interaction(id, edit, now)?)
}

/// Deletes an interaction; the customer's contact dates (and, for a reply, its query's first
/// response) move back to what is left.
pub fn delete(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<Interaction, AppError> {
    Ok(store.delete_interaction(id, now)?)
}

/// Interactions by a query, newest first.
pub fn list(store: &mut dyn Store, query: &InteractionQuery) -> Result<Vec<Interaction>, AppError> {
    Ok(store.interactions(query)?)
}

/// One thing on a customer's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// When it happened (or, for a follow-up, when it is due).
    pub at: Timestamp,
    /// `order`, `interaction`, `survey` or `followup`.
    pub kind: &'static str,
    /// One line saying what it was.
    pub title: String,
    /// More: the notes, the answers, the outcome.
    pub detail: String,
    /// The interaction's or follow-up's id, for its buttons.
    pub id: Option<i64>,
}

/// Everything on a customer's timeline, newest first: orders, interactions, survey answers and
/// follow-ups (planned ones too).
pub fn timeline(store: &mut dyn Store, customer: CustomerId) -> Result<Vec<TimelineEntry>, AppError> {
    let detail = store.customer(customer)?;
    let mut entries: Vec<TimelineEntry> = detail
        .orders
        .iter()
        .map(|order| TimelineEntry {
            at: order.placed_at,
            kind: "order",
            title: format!(
                "Order {} ({}) — {} {}",
                order.external_id,
                order.source,
                crate::calendar::agenda::money(order.total_minor - order.refunded_minor, &order.currency),
                order.status.as_str()
            ),
            detail: order
                .items
                .iter()
                .map(|i| format!("{} × {}", i.quantity, i.name))
                .collect::<Vec<_>>()
                .join(", "),
            id: None,
        })
        .collect();
    let query = InteractionQuery { customer: Some(customer), limit: 1000, ..Default::default() };
    entries.extend(store.interactions(&query)?.into_iter().map(|i| {
        TimelineEntry {
            at: i.occurred_at,
            kind: "interaction",
            title: interaction_title(&i),
            detail: [i.notes.as_str(), i.outcome.as_str()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" — "),
            id: Some(i.id),
        }
    }));
    entries.extend(crate::surveys::customer_answers(store, customer)?.into_iter().map(|a| TimelineEntry {
        at: a.submitted_at,
        kind: "survey",
        title: format!("Answered the survey {}", a.survey),
        detail: a.answers.iter().map(|(q, a)| format!("{q}: {a}")).collect::<Vec<_>>().join("; "),
        id: None,
    }));
    let followups =
        tenure_store::FollowUpQuery { customer: Some(customer), limit: 1000, ..Default::default() };
    entries.extend(store.followups(&followups)?.into_iter().map(|f| TimelineEntry {
        at: f.due_at,
        kind: "followup",
        title: format!("Follow-up ({}, {}): {}", f.status.as_str(), f.owner_email, f.title),
        detail: f.outcome.clone().unwrap_or(f.notes.clone()),
        id: Some(f.id),
    }));
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(a.kind.cmp(b.kind)));
    Ok(entries)
}

/// "Phone call in (open): Parcel never arrived — 5 min, ann@shop.example".
pub fn interaction_title(i: &Interaction) -> String {
    let way = match i.direction {
        tenure_domain::Direction::Inbound => "from the customer",
        tenure_domain::Direction::Outbound => "to the customer",
    };
    let mut title = format!("{} {way}", i.channel.label());
    if let Some(state) = i.state {
        title.push_str(&format!(" ({})", state.as_str()));
    }
    if !i.subject.is_empty() {
        title.push_str(&format!(": {}", i.subject));
    }
    if let Some(seconds) = i.duration_seconds {
        title.push_str(&format!(" — {} min", seconds.div_ceil(60)));
    }
    if let Some(staff) = &i.staff {
        title.push_str(&format!(", {staff}"));
    }
    title
}
