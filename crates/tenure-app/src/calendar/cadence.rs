//! Cadence: "alert when a customer in segment / stage / CLV band X has had no interaction for N
//! days", each customer's own "keep in touch every N days", snoozes; who has gone quiet, ordered
//! by value at risk; and the recurring check that records each silence's alert once, opens a
//! follow-up when its rule asks, and e-mails each responsible user one summary per run.
//!
//! A customer is silent since their last interaction of any kind or, never contacted, since the
//! day of their first purchase (an order is not a conversation). Only customers with a purchase
//! by the day in question are considered. Value at risk = CLV × (1 − probability alive) from the
//! stored model scores: what the customer is expected to be worth, weighted by the chance that
//! they have already gone — it ranks customers who are both valuable and slipping first.

use std::collections::HashMap;

use serde::Serialize;
use tenure_calendar::{Audience, CadenceRule, Cause, CustomerFacts, Silence};
use tenure_domain::{CustomerId, Timestamp};
use tenure_metrics::{ActivityWindow, Date};
use tenure_store::{
    CadenceRuleInfo, ContactDates, ContactSettings, FollowUpOrigin, MessageKind, NewCadenceAlert,
    NewCadenceRule, NewFollowUp, NewMessage, Purpose, Store, StoreError,
};

use crate::AppError;
use crate::outbox::email::{Action, Content, render};
use crate::reports::{CustomerSelection, Purchases, stage_name};

/// The most follow-ups one check opens for one owner (their most valuable silences): a rule
/// with `follow_up` added over a large shop alerts everyone at once, and a thousand tasks in
/// someone's calendar help nobody. The others are alerted and listed on the Gone quiet page.
pub const FOLLOW_UPS_PER_OWNER_PER_CHECK: usize = 25;

/// The topic of the alert summaries e-mailed to owners.
pub const ALERT_TOPIC: &str = "cadence.alerts";

/// Reads an audience as written: `all`, `segment:NAME`, `stage:NAME`, `clv:MIN..MAX` (either end
/// may be left out). Segment and stage names are checked against the shop's.
pub fn parse_audience(raw: &str, purchases: Option<&Purchases>) -> Result<Audience, AppError> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("all") {
        return Ok(Audience::All);
    }
    let (kind, value) = raw.split_once(':').ok_or_else(|| bad_audience(raw))?;
    match kind.trim().to_ascii_lowercase().as_str() {
        "segment" => {
            let rules = purchases.map(|p| p.segment_rules.clone()).unwrap_or_default();
            match CustomerSelection::segment(value, &rules)? {
                CustomerSelection::Segment(name) => Ok(Audience::Segment(name)),
                CustomerSelection::Stage(_) => Err(bad_audience(raw)),
            }
        }
        "stage" => match CustomerSelection::stage(value)? {
            CustomerSelection::Stage(stage) => Ok(Audience::Stage(stage_name(stage).to_string())),
            CustomerSelection::Segment(_) => Err(bad_audience(raw)),
        },
        "clv" => {
            let (min, max) = value.split_once("..").ok_or_else(|| bad_audience(raw))?;
            let bound = |text: &str| -> Result<Option<f64>, AppError> {
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                text.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .map(Some)
                    .ok_or_else(|| bad_audience(raw))
            };
            let (min, max) = (bound(min)?, bound(max)?);
            if let (Some(lo), Some(hi)) = (min, max)
                && lo >= hi
            {
                return Err(AppError::Invalid(format!("audience `{raw}`: the CLV band is empty")));
            }
            Ok(Audience::Clv { min, max })
        }
        _ => Err(bad_audience(raw)),
    }
}

fn bad_audience(raw: &str) -> AppError {
    AppError::Invalid(format!(
        "`{raw}` is not an audience: write all, segment:NAME, stage:NAME or clv:MIN..MAX (an end may be empty)"
    ))
}

/// An audience as stored and shown.
pub fn audience_text(audience: &Audience) -> String {
    let bound = |b: &Option<f64>| b.map(|v| v.to_string()).unwrap_or_default();
    match audience {
        Audience::All => "all".into(),
        Audience::Segment(name) => format!("segment:{name}"),
        Audience::Stage(name) => format!("stage:{name}"),
        Audience::Clv { min, max } => format!("clv:{}..{}", bound(min), bound(max)),
    }
}

/// A rule to add: its audience as written, its days, the owner's e-mail, and whether each alert
/// opens a follow-up.
pub fn add_rule(
    store: &mut dyn Store,
    purchases: Option<&Purchases>,
    audience: &str,
    quiet_days: u32,
    owner: Option<&str>,
    follow_up: bool,
    now: Timestamp,
) -> Result<CadenceRuleInfo, AppError> {
    let audience = parse_audience(audience, purchases)?;
    if !(1..=3650).contains(&quiet_days) {
        return Err(AppError::Invalid("days: between 1 and 3650".into()));
    }
    let owner_id = owner.map(|o| super::user_id(store, o)).transpose()?;
    if follow_up && owner_id.is_none() {
        return Err(AppError::Invalid("a rule that opens follow-ups needs an owner".into()));
    }
    let rule = NewCadenceRule { audience: audience_text(&audience), quiet_days, owner_id, follow_up };
    let id = store.add_cadence_rule(&rule, now)?;
    store
        .cadence_rules()?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Invalid(format!("cadence rule {id} vanished")))
}

/// The live rules.
pub fn rules(store: &mut dyn Store) -> Result<Vec<CadenceRuleInfo>, AppError> {
    Ok(store.cadence_rules()?)
}

/// Ends a rule.
pub fn remove_rule(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<(), AppError> {
    Ok(store.remove_cadence_rule(id, now)?)
}

/// A change to a customer's settings, the owner by e-mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// Keep in touch every N days (`Some(None)`: stop).
    pub keep_in_touch_days: Option<Option<u32>>,
    /// Snooze until (`Some(None)`: wake).
    pub snoozed_until: Option<Option<Timestamp>>,
    /// The responsible user's e-mail (`Some(None)`: nobody).
    pub owner: Option<Option<String>>,
}

/// Changes a customer's cadence settings.
pub fn set_customer(
    store: &mut dyn Store,
    customer: CustomerId,
    change: &SettingsChange,
) -> Result<ContactDates, AppError> {
    if change.keep_in_touch_days.flatten().is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(AppError::Invalid("keep in touch: every 1 to 3650 days".into()));
    }
    let owner_id = match &change.owner {
        Some(Some(email)) => Some(Some(super::user_id(store, email)?)),
        Some(None) => Some(None),
        None => None,
    };
    let settings = ContactSettings {
        keep_in_touch_days: change.keep_in_touch_days,
        snoozed_until: change.snoozed_until,
        owner_id,
    };
    Ok(store.set_contact_settings(customer, &settings)?)
}

/// One customer who has gone quiet, as the page and the CLI show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuietCustomer {
    /// Who.
    pub customer: CustomerId,
    /// Their name.
    pub name: Option<String>,
    /// Their e-mail.
    pub email: Option<String>,
    /// Silent since (their last interaction, or their first purchase).
    pub silent_since: Timestamp,
    /// Whole days of silence.
    pub days_silent: i64,
    /// The threshold passed.
    pub quiet_days: u32,
    /// `rule:ID` or `keep_in_touch`.
    pub cause: String,
    /// CLV × (1 − probability alive), in the report currency.
    pub value_at_risk: Option<f64>,
    /// Who should get in touch.
    pub owner: Option<String>,
    /// Snoozed: shown, not alerted.
    pub snoozed: bool,
}

/// Who has gone quiet on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoneQuiet {
    /// The moment the silences are measured at.
    pub now: Timestamp,
    /// The report currency (of CLV and value at risk).
    pub currency: Option<String>,
    /// Customers gone quiet and not snoozed.
    pub total: usize,
    /// Customers gone quiet but snoozed.
    pub snoozed: usize,
    /// The first of them, by value at risk, then longest silence.
    pub customers: Vec<QuietCustomer>,
}

fn cause_text(cause: Cause) -> String {
    match cause {
        Cause::Rule(id) => format!("rule:{id}"),
        Cause::KeepInTouch => "keep_in_touch".into(),
    }
}

/// Every silence at `now` (snoozed ones included, marked), by value at risk.
pub fn silences(
    store: &mut dyn Store,
    purchases: &Purchases,
    now: Timestamp,
) -> Result<Vec<Silence>, AppError> {
    let owners = super::user_emails(store)?;
    let rules: Vec<CadenceRule> = store
        .cadence_rules()?
        .into_iter()
        .map(|r| {
            Ok(CadenceRule {
                id: r.id,
                audience: parse_audience(&r.audience, Some(purchases))?,
                quiet_days: r.quiet_days,
                owner: r.owner_email,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let facts = customer_facts(store, purchases, &rules, &owners, now)?;
    Ok(tenure_calendar::gone_quiet(&facts, &rules, now))
}

/// Who has gone quiet at `now`: the first `limit`, with names.
pub fn gone_quiet(
    store: &mut dyn Store,
    purchases: &Purchases,
    now: Timestamp,
    limit: usize,
) -> Result<GoneQuiet, AppError> {
    let all = silences(store, purchases, now)?;
    let snoozed = all.iter().filter(|s| s.snoozed).count();
    let shown: Vec<&Silence> = all.iter().filter(|s| !s.snoozed).take(limit).collect();
    let ids: Vec<CustomerId> = shown.iter().map(|s| s.customer).collect();
    let contacts: HashMap<CustomerId, tenure_store::Contact> =
        store.contacts(&ids)?.into_iter().map(|c| (c.id, c)).collect();
    let customers = shown
        .iter()
        .map(|s| {
            let contact = contacts.get(&s.customer);
            QuietCustomer {
                customer: s.customer,
                name: contact.and_then(|c| c.name.clone()),
                email: contact.and_then(|c| c.email.clone()),
                silent_since: s.silent_since,
                days_silent: s.days_silent,
                quiet_days: s.quiet_days,
                cause: cause_text(s.cause),
                value_at_risk: s.value_at_risk,
                owner: s.owner.clone(),
                snoozed: s.snoozed,
            }
        })
        .collect();
    Ok(GoneQuiet {
        now,
        currency: purchases.currency().map(|c| c.code().to_string()),
        total: all.len() - snoozed,
        snoozed,
        customers,
    })
}

/// What [`tenure_calendar::gone_quiet`] needs of every customer with a purchase by `now`: the
/// purchases' columns merged with the store's contact rows (both ordered by customer id), the
/// segments and stages only when a rule asks for them, CLV and probability alive from the stored
/// scores.
fn customer_facts(
    store: &mut dyn Store,
    purchases: &Purchases,
    rules: &[CadenceRule],
    owners: &HashMap<i64, String>,
    now: Timestamp,
) -> Result<Vec<CustomerFacts>, AppError> {
    let as_of = purchases.time_zone().day_of(now)?;
    let columns = tenure_metrics::CustomerFacts::as_of(purchases.columns(), as_of);
    let segments = if rules.iter().any(|r| matches!(r.audience, Audience::Segment(_))) {
        let assignment = tenure_metrics::segment_customers(&columns, &purchases.segment_params())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        Some((assignment.names, assignment.segment))
    } else {
        None
    };
    let stages = if rules.iter().any(|r| matches!(r.audience, Audience::Stage(_))) {
        Some(purchases.stages(as_of, ActivityWindow::default())?)
    } else {
        None
    };
    let scores = purchases.stored_scores(as_of);
    let mut contacts = Vec::new();
    store.for_each_contact(&mut |row| {
        contacts.push(row);
        Ok(())
    })?;
    let mut contacts = contacts.into_iter().peekable();
    let mut facts = Vec::with_capacity(purchases.customers.len());
    for (c, &customer) in purchases.customers.iter().enumerate() {
        while contacts.peek().is_some_and(|row| row.customer_id < customer) {
            contacts.next();
        }
        let contact = contacts.next_if(|row| row.customer_id == customer);
        let Some(first_day) = columns.first_day(c) else { continue };
        let Ok(first) = Date::from_days(first_day) else { continue };
        facts.push(CustomerFacts {
            customer,
            segment: segments.as_ref().and_then(|(names, of)| of[c].map(|s| names[usize::from(s)].clone())),
            stage: stages.as_ref().map(|s| stage_name(s[c]).to_string()),
            clv: scores.and_then(|s| s.clv_minor[c]).map(|minor| purchases.major(minor as f64)),
            p_alive: scores.filter(|s| s.clv_minor[c].is_some()).map(|s| s.p_alive[c]),
            last_interaction: contact.as_ref().and_then(|row| row.last_any),
            first_seen: day_start(first),
            keep_in_touch_days: contact.as_ref().and_then(|row| row.keep_in_touch_days),
            snoozed_until: contact.as_ref().and_then(|row| row.snoozed_until),
            owner: contact.as_ref().and_then(|row| row.owner_id).and_then(|id| owners.get(&id).cloned()),
        });
    }
    Ok(facts)
}

/// 00:00 UTC of a day.
fn day_start(day: Date) -> Timestamp {
    chrono::DateTime::from_timestamp(i64::from(day.days()) * 86_400, 0).unwrap_or_default()
}

/// What a cadence check did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// Customers gone quiet and not snoozed.
    pub quiet: usize,
    /// New alerts (each silence is alerted once).
    pub alerted: usize,
    /// Follow-ups opened with them.
    pub follow_ups: usize,
}

/// Records an alert for every silence not alerted before (snoozed customers wait), opens the
/// follow-ups their rules ask for, and e-mails each owner a summary of their new alerts — all in
/// one transaction, so a run that fails leaves nothing half-done and the next run does it.
pub fn check(
    store: &mut dyn Store,
    purchases: &Purchases,
    public_url: &str,
    now: Timestamp,
) -> Result<CheckOutcome, AppError> {
    let silences: Vec<Silence> =
        silences(store, purchases, now)?.into_iter().filter(|s| !s.snoozed).collect();
    let rules: HashMap<i64, CadenceRuleInfo> =
        store.cadence_rules()?.into_iter().map(|r| (r.id, r)).collect();
    let users: HashMap<String, i64> =
        super::user_emails(store)?.into_iter().map(|(id, email)| (email, id)).collect();
    let mut follow_ups_of: HashMap<i64, usize> = HashMap::new();
    let alerts: Vec<NewCadenceAlert> = silences
        .iter()
        .map(|s| {
            let owner_id = s.owner.as_ref().and_then(|o| users.get(o).copied());
            let rule_wants = match s.cause {
                Cause::Rule(id) => rules.get(&id).is_some_and(|r| r.follow_up),
                Cause::KeepInTouch => false,
            };
            // Silences come most valuable first: each owner's first few become follow-ups.
            let wants_follow_up = rule_wants
                && owner_id.is_some_and(|owner| {
                    let made = follow_ups_of.entry(owner).or_default();
                    *made += 1;
                    *made <= FOLLOW_UPS_PER_OWNER_PER_CHECK
                });
            NewCadenceAlert {
                customer_id: s.customer,
                silent_since: s.silent_since,
                cause: cause_text(s.cause),
                quiet_days: s.quiet_days,
                owner_id,
                value_at_risk: s.value_at_risk,
                follow_up: owner_id.filter(|_| wants_follow_up).map(|owner_id| NewFollowUp {
                    uid: super::followups::new_uid(),
                    customer_id: Some(s.customer),
                    owner_id,
                    title: format!("Get in touch: no contact for {} days", s.days_silent),
                    notes: String::new(),
                    due_at: now + chrono::Duration::days(1),
                    duration_minutes: 15,
                    remind_minutes: 60,
                    origin: FollowUpOrigin::Cadence,
                    case_id: None,
                    created_by: Some("cadence".into()),
                }),
            }
        })
        .collect();
    let notify = |new: &[usize]| -> Result<Vec<NewMessage>, StoreError> {
        summaries(&silences, new, public_url, now).map_err(|e| StoreError::Other(e.to_string()))
    };
    let written = store.record_cadence_alerts(&alerts, &notify, now)?;
    let follow_ups = written.iter().filter(|(index, _)| alerts[*index].follow_up.is_some()).count();
    Ok(CheckOutcome { quiet: silences.len(), alerted: written.len(), follow_ups })
}

/// One e-mail per owner listing their new alerts (the 20 most valuable, and how many in all).
fn summaries(
    silences: &[Silence],
    new: &[usize],
    public_url: &str,
    now: Timestamp,
) -> Result<Vec<NewMessage>, AppError> {
    let mut by_owner: HashMap<&str, Vec<&Silence>> = HashMap::new();
    for &index in new {
        if let Some(owner) = silences[index].owner.as_deref() {
            by_owner.entry(owner).or_default().push(&silences[index]);
        }
    }
    let base = public_url.trim_end_matches('/');
    let mut messages = Vec::new();
    let mut owners: Vec<_> = by_owner.into_iter().collect();
    owners.sort_by(|a, b| a.0.cmp(b.0));
    for (owner, quiet) in owners {
        let mut paragraphs = vec![format!(
            "{} of your customers {} gone quiet. The most valuable first:",
            quiet.len(),
            if quiet.len() == 1 { "has" } else { "have" }
        )];
        paragraphs.extend(quiet.iter().take(20).map(|s| {
            format!(
                "Customer {}: no contact for {} days ({base}/customers/{})",
                s.customer, s.days_silent, s.customer
            )
        }));
        let content = Content {
            subject: format!("{} customers have gone quiet", quiet.len()),
            greeting_name: None,
            paragraphs,
            action: Some(Action {
                label: "Open the gone-quiet list".into(),
                url: format!("{base}/gone-quiet"),
            }),
            signature: "Tenure".into(),
        };
        let payload =
            render(&content, None, None).map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
        messages.push(NewMessage {
            kind: MessageKind::Email,
            purpose: Purpose::Transactional,
            topic: ALERT_TOPIC.into(),
            customer_id: None,
            recipient: owner.to_string(),
            subscription_id: None,
            payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
            not_before: now,
            dedupe_key: Some(format!("{ALERT_TOPIC}:{owner}:{}", now.timestamp())),
        });
    }
    Ok(messages)
}
