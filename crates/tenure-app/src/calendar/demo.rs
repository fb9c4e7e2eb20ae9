//! The calendar for `tenure demo`: two staff members, a few hundred interactions on a sample of
//! the CDNOW customers (calls, e-mails, chats — with the questions shops get and what came of
//! them), some of them this week so the calendar has something to show, open queries, follow-ups
//! for the coming days, cadence rules with their alerts, business hours, and a post-support
//! survey sent when a query is closed. Seeded: every demo run writes the same; a store that has
//! them is left as it is.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tenure_domain::{Channel, CustomerId, Direction, QueryState, Role, Timestamp};
use tenure_store::{
    CustomerQuery, InteractionEdit, InteractionTrigger, NewInteraction, Store, SurveyChange, SurveyKey,
    SurveySettings,
};

use crate::AppError;

/// One customer in this many gets a history of interactions.
const SAMPLE_EVERY: usize = 40;

/// The demo's staff: e-mail and name.
const STAFF: [(&str, &str); 2] =
    [("ann.weber@demo.example", "Ann Weber"), ("ben.okafor@demo.example", "Ben Okafor")];

const QUESTIONS: [(&str, &str); 6] = [
    ("Where is my order?", "Gave the tracking number; the parcel was at the depot."),
    ("Wrong CD in the parcel", "Sent the right one with a return label."),
    ("Scratched disc — replacement?", "Replacement sent the same day."),
    ("Is the box set coming back in stock?", "Put on the waiting list; told it is due next month."),
    ("Gift receipt for a birthday present", "E-mailed a gift receipt."),
    ("Charged twice", "Refunded the second charge; apologised."),
];

const CONTACTS: [(&str, &str); 5] = [
    ("Thank-you call after a large order", "Pleased; asked about jazz reissues."),
    ("Told about the summer sale", "Will have a look."),
    ("Checked in after a complaint", "All sorted, happy again."),
    ("Asked for a review of the last order", "Promised to write one."),
    ("Win-back call: we miss you", "No answer; left a voicemail."),
];

/// What the demo added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoCalendar {
    /// Interactions logged.
    pub interactions: usize,
    /// Follow-ups planned.
    pub follow_ups: usize,
    /// Silence alerts recorded.
    pub alerts: usize,
}

/// Adds the demo's calendar, once; `owner` (the demo admin) gets follow-ups and alerts too.
pub fn add_demo_calendar(
    store: &mut dyn Store,
    owner: &str,
    purchases: &crate::reports::Purchases,
    public_url: &str,
    now: Timestamp,
) -> Result<DemoCalendar, AppError> {
    if !store.cadence_rules()?.is_empty() {
        return Ok(DemoCalendar::default());
    }
    for (email, name) in STAFF {
        if store.user_by_email(email)?.is_none() {
            crate::users::add_user(
                store,
                email,
                Some(name),
                Role::Agent,
                &crate::users::generate_password(),
                now,
            )?;
        }
    }
    let mut rng = StdRng::seed_from_u64(1998);
    let customers = sample(store)?;
    let mut logged = Vec::new();
    for (n, &customer) in customers.iter().enumerate() {
        let orders = store.customer(customer)?.orders;
        let Some(first) = orders.first().map(|o| o.placed_at) else { continue };
        let last = orders.last().map_or(first, |o| o.placed_at);
        for k in 0..rng.random_range(1..=3) {
            let at = first + chrono::Duration::hours(rng.random_range(24..=24 * 60)) + (last - first) * k / 3;
            logged.extend(conversation(&mut rng, customer, at, &format!("demo:{n}:{k}")));
        }
    }
    // This week's conversations, so the calendar and the timelines have something current.
    for (n, &customer) in customers.iter().take(14).enumerate() {
        let at = now - chrono::Duration::hours(rng.random_range(2..=24 * 6));
        let mut pair = conversation(&mut rng, customer, at, &format!("demo:recent:{n}"));
        if n % 4 == 0 {
            // A query still waiting for its answer.
            pair.truncate(1);
            pair[0].state = Some(QueryState::Open);
        }
        logged.extend(pair);
    }
    let interactions = log_all(store, &logged, now)?;
    let follow_ups = plan(store, owner, &customers, now)?;
    configure(store, owner, purchases, &customers, now)?;
    let alerts = super::cadence::check(store, purchases, public_url, now)?.alerted;
    Ok(DemoCalendar { interactions, follow_ups, alerts })
}

/// Every 40th customer, by id.
fn sample(store: &mut dyn Store) -> Result<Vec<CustomerId>, AppError> {
    let mut chosen = Vec::new();
    let mut after = None;
    loop {
        let page = store.customers(&CustomerQuery { after, limit: 1000 })?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        chosen.extend(page.iter().step_by(SAMPLE_EVERY).map(|c| c.id));
    }
    Ok(chosen)
}

/// A customer's question and its answer a few hours later, or a call of ours.
fn conversation(rng: &mut StdRng, customer: CustomerId, at: Timestamp, key: &str) -> Vec<NewInteraction> {
    let staff = STAFF[rng.random_range(0..STAFF.len())].0;
    let base = |key: String, at: Timestamp, channel: Channel, direction: Direction| NewInteraction {
        customer_id: customer,
        key,
        occurred_at: at,
        channel,
        direction,
        duration_seconds: None,
        subject: String::new(),
        notes: String::new(),
        outcome: String::new(),
        staff: Some(staff.to_string()),
        state: None,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: None,
        logged_by: Some("demo".into()),
    };
    if rng.random_bool(0.6) {
        let (subject, outcome) = QUESTIONS[rng.random_range(0..QUESTIONS.len())];
        let channel =
            [Channel::Email, Channel::Phone, Channel::Chat, Channel::Whatsapp][rng.random_range(0..4)];
        let mut query = base(format!("{key}:q"), at, channel, Direction::Inbound);
        query.subject = subject.into();
        query.state = Some(QueryState::Open);
        query.duration_seconds = (channel == Channel::Phone).then(|| rng.random_range(120..900));
        let mut reply = base(
            format!("{key}:r"),
            at + chrono::Duration::minutes(rng.random_range(20..600)),
            Channel::Email,
            Direction::Outbound,
        );
        reply.subject = format!("Re: {subject}");
        reply.outcome = outcome.into();
        vec![query, reply]
    } else {
        let (subject, outcome) = CONTACTS[rng.random_range(0..CONTACTS.len())];
        let mut call = base(format!("{key}:c"), at, Channel::Phone, Direction::Outbound);
        call.subject = subject.into();
        call.outcome = outcome.into();
        call.duration_seconds = Some(rng.random_range(60..600));
        vec![call]
    }
}

/// Logs the demo's interactions; replies answer the query logged just before them.
fn log_all(store: &mut dyn Store, logged: &[NewInteraction], now: Timestamp) -> Result<usize, AppError> {
    let mut count = 0;
    let mut last_query = None;
    for interaction in logged {
        let mut interaction = interaction.clone();
        if interaction.direction == Direction::Outbound && interaction.key.ends_with(":r") {
            interaction.reply_to = last_query;
        }
        let id = store.log_interactions(std::slice::from_ref(&interaction), now)?[0].id();
        let settled = interaction.occurred_at < now - chrono::Duration::days(1);
        if let Some(query) = interaction.reply_to.filter(|_| settled) {
            // Settled a few hours after the reply (queries of this week may still be open).
            let closed = interaction.occurred_at + chrono::Duration::hours(2 + (id % 20));
            let edit = InteractionEdit {
                state: Some(QueryState::Closed),
                state_at: Some(closed),
                ..Default::default()
            };
            store.edit_interaction(query, &edit, now)?;
        }
        last_query = (interaction.direction == Direction::Inbound).then_some(id);
        count += 1;
    }
    Ok(count)
}

/// Follow-ups for the coming days (and one overdue) for the staff and the demo admin.
fn plan(
    store: &mut dyn Store,
    owner: &str,
    customers: &[CustomerId],
    now: Timestamp,
) -> Result<usize, AppError> {
    let today = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let tasks = [
        (owner, -1, 16, "Call back about the double charge"),
        (owner, 1, 10, "Call back: box set back in stock?"),
        (STAFF[0].0, 1, 14, "Send the jazz reissue list"),
        (STAFF[1].0, 2, 9, "Check the replacement arrived"),
        (owner, 3, 11, "Thank a loyal customer — offer early access"),
        (STAFF[0].0, 5, 15, "Win-back call after three months of silence"),
    ];
    for (n, (who, day, hour, title)) in tasks.iter().enumerate() {
        let request = super::followups::FollowUpRequest {
            customer: customers.get(n * 3).copied(),
            owner: (*who).to_string(),
            title: (*title).to_string(),
            notes: "Demo follow-up.".into(),
            due_at: today + chrono::Duration::days(*day) + chrono::Duration::hours(*hour),
            duration_minutes: 15,
            remind_minutes: 60,
            case_id: None,
            created_by: Some("demo".into()),
        };
        super::followups::add(store, &request, now)?;
    }
    Ok(tasks.len())
}

/// Cadence rules, keep-in-touch intervals, a snooze, business hours, and the post-support survey
/// sent when a query is closed.
fn configure(
    store: &mut dyn Store,
    owner: &str,
    purchases: &crate::reports::Purchases,
    customers: &[CustomerId],
    now: Timestamp,
) -> Result<(), AppError> {
    super::cadence::add_rule(store, Some(purchases), "stage:at_risk", 90, Some(STAFF[0].0), false, now)?;
    super::cadence::add_rule(
        store,
        Some(purchases),
        "segment:Cannot lose them",
        45,
        Some(owner),
        false,
        now,
    )?;
    super::cadence::add_rule(store, Some(purchases), "clv:150..", 60, Some(STAFF[1].0), false, now)?;
    for (n, &customer) in customers.iter().take(5).enumerate() {
        let change = super::cadence::SettingsChange {
            keep_in_touch_days: Some(Some(30)),
            snoozed_until: (n == 0).then_some(Some(now + chrono::Duration::days(14))),
            owner: Some(Some(owner.to_string())),
        };
        super::cadence::set_customer(store, customer, &change)?;
    }
    super::response_times::set_business_hours(store, Some("mon-fri 09:00-17:00; sat 10:00-14:00"))?;
    if store.survey(SurveyKey::Name("after-support")).is_err() {
        let settings = SurveySettings { min_fill_seconds: 0, ..SurveySettings::default() };
        let survey = crate::surveys::create(
            store,
            "after-support",
            &tenure_surveys::Template::PostSupportCes.definition(),
            settings,
            now,
        )?;
        let trigger = InteractionTrigger { channels: Channel::ALL.to_vec(), on: "closed".into() };
        let change = SurveyChange { interaction_trigger: Some(Some(trigger)), ..Default::default() };
        store.change_survey(survey.info.id, &change, now)?;
    }
    Ok(())
}
