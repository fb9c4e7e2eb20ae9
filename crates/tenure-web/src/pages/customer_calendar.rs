//! What the customer page shows of the communication calendar: the timeline (orders, interactions,
//! survey answers and follow-ups by date, newest first), the contact dates and cadence settings,
//! and the forms that change them, fresh or as sent with what was wrong (their handlers are in
//! `customer_forms.rs`). The log form carries a random key that becomes the interaction's key.

use std::collections::HashSet;

use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::calendar::interactions::{self, TimelineEntry};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{Channel, CustomerId, Direction, Timestamp};
use tenure_store::{ContactDates, FollowUpQuery, FollowUpStatus, Store, UserInfo};

use super::calendar_fields::{
    Choice, channel_choices, input_day, input_time, local_time, new_form_key, tomorrow_at_ten, user_choices,
};
use crate::session::{CsrfForm, SignedIn};

/// What the calendar part of a customer page shows, read in one go.
pub(crate) struct CalendarData {
    timeline: Vec<TimelineEntry>,
    contact: ContactDates,
    open: HashSet<i64>,
    users: Vec<UserInfo>,
}

/// Reads what the calendar part of customer `id`'s page shows.
pub(crate) fn load(store: &mut dyn Store, id: CustomerId) -> Result<CalendarData, AppError> {
    let timeline = interactions::timeline(store, id)?;
    let contact = store.contact_dates(id)?;
    let open = FollowUpQuery {
        customer: Some(id),
        status: Some(FollowUpStatus::Open),
        limit: 1000,
        ..Default::default()
    };
    let open = store.followups(&open)?.into_iter().map(|f| f.id).collect();
    Ok(CalendarData { timeline, contact, open, users: store.users()? })
}

/// The calendar part of a customer page, as its template reads it.
pub(crate) struct CalendarSection {
    pub notice: Option<String>,
    pub zone: &'static str,
    pub contact: ContactView,
    pub timeline: Vec<TimelineLine>,
    pub log: LogFields,
    pub log_problem: Option<String>,
    pub channels: Vec<Choice>,
    pub directions: Vec<Choice>,
    pub states: Vec<Choice>,
    pub plan: PlanFields,
    pub plan_problem: Option<String>,
    pub plan_owners: Vec<Choice>,
    pub cadence: CadenceFields,
    pub cadence_problem: Option<String>,
    pub cadence_owners: Vec<Choice>,
}

impl CalendarSection {
    /// Whether a form of it was refused (the page then answers 422).
    pub(crate) fn has_problem(&self) -> bool {
        self.log_problem.is_some() || self.plan_problem.is_some() || self.cadence_problem.is_some()
    }
}

/// An instant shown on the shop's clock, with its machine-readable form.
pub(crate) struct Shown {
    pub text: String,
    pub datetime: String,
}

/// The contact dates and settings.
pub(crate) struct ContactView {
    pub last_inbound: Option<Shown>,
    pub last_outbound: Option<Shown>,
    pub last_any: Option<Shown>,
    pub keep_in_touch: Option<u32>,
    pub snoozed_until: Option<String>,
    pub owner: Option<String>,
}

/// One entry of the timeline.
pub(crate) struct TimelineLine {
    pub at: Shown,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub title: String,
    pub detail: String,
    pub interaction: Option<i64>,
    pub open_followup: Option<i64>,
}

/// The log form as sent (or as first shown).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogFields {
    csrf: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub state: String,
}

/// The follow-up form as sent (or as first shown).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlanFields {
    csrf: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub notes: String,
}

/// The cadence form as sent (or the stored settings).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CadenceFields {
    csrf: String,
    #[serde(default)]
    pub every: String,
    #[serde(default)]
    pub snooze: String,
    #[serde(default)]
    pub owner: String,
}

macro_rules! csrf_form {
    ($($form:ty),*) => {$(
        impl CsrfForm for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}

csrf_form!(LogFields, PlanFields, CadenceFields);

/// The forms of a customer page: fresh, or one as sent with what was wrong with it.
pub(crate) struct Forms {
    pub log: LogFields,
    pub log_problem: Option<String>,
    pub plan: PlanFields,
    pub plan_problem: Option<String>,
    /// `None`: the stored settings.
    pub cadence: Option<CadenceFields>,
    pub cadence_problem: Option<String>,
}

impl Forms {
    /// The forms as first shown to `signed_in`: a new key, now, 10:00 tomorrow, themselves.
    pub(crate) fn fresh(signed_in: &SignedIn, zone: ShopTimeZone, now: Timestamp) -> Forms {
        Forms {
            log: LogFields {
                key: new_form_key(),
                channel: Channel::Phone.as_str().to_string(),
                direction: Direction::Outbound.as_str().to_string(),
                occurred_at: input_time(now, zone),
                ..LogFields::default()
            },
            log_problem: None,
            plan: PlanFields {
                due: input_time(tomorrow_at_ten(now, zone), zone),
                owner: signed_in.session.user.email.clone(),
                ..PlanFields::default()
            },
            plan_problem: None,
            cadence: None,
            cadence_problem: None,
        }
    }
}

/// The calendar part of the page from what was read, the forms and a notice.
pub(crate) fn section(
    data: CalendarData,
    forms: Forms,
    notice: Option<String>,
    zone: ShopTimeZone,
) -> CalendarSection {
    let shown = |at: Timestamp| Shown { text: local_time(at, zone), datetime: at.to_rfc3339() };
    let owner_email =
        |id: Option<i64>| id.and_then(|id| data.users.iter().find(|u| u.id == id)).map(|u| u.email.clone());
    let contact = &data.contact;
    let cadence = forms.cadence.unwrap_or_else(|| CadenceFields {
        every: contact.keep_in_touch_days.map(|d| d.to_string()).unwrap_or_default(),
        snooze: contact.snoozed_until.map(|at| input_day(at, zone)).unwrap_or_default(),
        owner: owner_email(contact.owner_id).unwrap_or_default(),
        ..CadenceFields::default()
    });
    let choice = |value: &str, label: &str, chosen: &str| Choice {
        value: value.to_string(),
        label: label.to_string(),
        selected: value == chosen,
    };
    let log = forms.log;
    CalendarSection {
        notice,
        zone: zone.name(),
        contact: ContactView {
            last_inbound: contact.last_inbound.map(shown),
            last_outbound: contact.last_outbound.map(shown),
            last_any: contact.last_any.map(shown),
            keep_in_touch: contact.keep_in_touch_days,
            snoozed_until: contact.snoozed_until.map(|at| local_time(at, zone)),
            owner: owner_email(contact.owner_id),
        },
        timeline: data.timeline.iter().map(|e| timeline_line(e, &data.open, zone)).collect(),
        channels: channel_choices(&log.channel),
        directions: vec![
            choice("outbound", "We reached out (outbound contact)", &log.direction),
            choice("inbound", "The customer reached out (inbound query)", &log.direction),
        ],
        states: vec![
            choice("", "— (open, for an inbound query)", &log.state),
            choice("open", "Open", &log.state),
            choice("answered", "Answered", &log.state),
            choice("closed", "Closed", &log.state),
        ],
        log,
        log_problem: forms.log_problem,
        plan_owners: user_choices(&data.users, Some(&forms.plan.owner), None),
        plan: forms.plan,
        plan_problem: forms.plan_problem,
        cadence_owners: user_choices(
            &data.users,
            (!cadence.owner.is_empty()).then_some(cadence.owner.as_str()),
            Some("nobody"),
        ),
        cadence,
        cadence_problem: forms.cadence_problem,
    }
}

fn timeline_line(entry: &TimelineEntry, open: &HashSet<i64>, zone: ShopTimeZone) -> TimelineLine {
    let (kind_label, interaction, open_followup) = match entry.kind {
        "interaction" => ("Interaction", entry.id, None),
        "followup" => ("Follow-up", None, entry.id.filter(|id| open.contains(id))),
        "order" => ("Order", None, None),
        _ => ("Survey answer", None, None),
    };
    TimelineLine {
        at: Shown { text: local_time(entry.at, zone), datetime: entry.at.to_rfc3339() },
        kind: entry.kind,
        kind_label,
        title: entry.title.clone(),
        detail: entry.detail.clone(),
        interaction,
        open_followup,
    }
}
