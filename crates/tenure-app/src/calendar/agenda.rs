//! What the calendar's day, week and month views show: interactions and follow-ups by day in the
//! shop's time zone, for one user or the whole team.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;
use tenure_calendar::View;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{FollowUpQuery, FollowUpStatus, InteractionQuery, Store};

use crate::AppError;

/// The most items a view reads of each kind.
const MOST_ITEMS: usize = 5_000;

/// One thing on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    /// When (a follow-up: when it is due).
    pub at: Timestamp,
    /// The local time of day, `HH:MM`.
    pub time: String,
    /// `interaction` or `followup`.
    pub kind: &'static str,
    /// What.
    pub title: String,
    /// About whom.
    pub customer: Option<CustomerId>,
    /// Who (staff member or owner).
    pub who: Option<String>,
    /// A follow-up's state (`open`, `done`, `cancelled`).
    pub status: Option<&'static str>,
    /// The interaction's or follow-up's id.
    pub id: i64,
}

/// One day of a view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaDay {
    /// The day.
    pub date: NaiveDate,
    /// False for the days of a month view that belong to the months around it.
    pub in_month: bool,
    /// True for today.
    pub today: bool,
    /// What happens on it, by time.
    pub items: Vec<AgendaItem>,
}

/// A view of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agenda {
    /// Day, week or month.
    pub view: View,
    /// The day asked for.
    pub date: NaiveDate,
    /// "Week 23, 1–7 June 2026".
    pub title: String,
    /// The day the previous view is about.
    pub previous: NaiveDate,
    /// The day the next view is about.
    pub next: NaiveDate,
    /// Whose calendar (`None`: the team's).
    pub owner: Option<String>,
    /// The days, in rows of seven for a month.
    pub days: Vec<AgendaDay>,
}

/// The view `view` around `date` in zone `zone`; `owner` (an e-mail) shows one user's follow-ups
/// and the interactions they handled.
pub fn agenda(
    store: &mut dyn Store,
    view: View,
    date: NaiveDate,
    zone: Tz,
    owner: Option<&str>,
    now: Timestamp,
) -> Result<Agenda, AppError> {
    let (first, last) = tenure_calendar::range(view, date);
    let from = local_midnight(zone, first);
    let to = local_midnight(zone, last.succ_opt().unwrap_or(last));
    let owner = owner.map(|o| o.trim().to_lowercase());
    let owner_id = owner.as_deref().map(|o| super::user_id(store, o)).transpose()?;
    let mut items = Vec::new();
    let interactions = InteractionQuery {
        from: Some(from),
        to: Some(to),
        staff: owner.clone(),
        limit: MOST_ITEMS,
        ..Default::default()
    };
    for i in store.interactions(&interactions)? {
        items.push(AgendaItem {
            at: i.occurred_at,
            time: String::new(),
            kind: "interaction",
            title: super::interactions::interaction_title(&i),
            customer: Some(i.customer_id),
            who: i.staff.clone(),
            status: None,
            id: i.id,
        });
    }
    let followups =
        FollowUpQuery { owner_id, from: Some(from), to: Some(to), limit: MOST_ITEMS, ..Default::default() };
    for f in store.followups(&followups)? {
        let who = match &f.customer_name {
            Some(name) => format!("{} · {name}", f.owner_email),
            None => f.owner_email.clone(),
        };
        items.push(AgendaItem {
            at: f.due_at,
            time: String::new(),
            kind: "followup",
            title: f.title.clone(),
            customer: f.customer_id,
            who: Some(who),
            status: Some(status(f.status)),
            id: f.id,
        });
    }
    items.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(b.kind)).then(a.id.cmp(&b.id)));
    let today = now.with_timezone(&zone).date_naive();
    let month = (date.year_ce(), date.month0());
    let mut days: Vec<AgendaDay> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| AgendaDay {
            date: d,
            in_month: view != View::Month || (d.year_ce(), d.month0()) == month,
            today: d == today,
            items: Vec::new(),
        })
        .collect();
    for mut item in items {
        let local = item.at.with_timezone(&zone);
        item.time = local.format("%H:%M").to_string();
        let day = local.date_naive();
        if let Some(slot) = days.iter_mut().find(|d| d.date == day) {
            slot.items.push(item);
        }
    }
    Ok(Agenda {
        view,
        date,
        title: tenure_calendar::title(view, date),
        previous: tenure_calendar::previous(view, date),
        next: tenure_calendar::next(view, date),
        owner,
        days,
    })
}

use chrono::Datelike;

fn status(status: FollowUpStatus) -> &'static str {
    status.as_str()
}

/// The instant a day begins in `zone` (the first moment of it when midnight is skipped).
pub(crate) fn local_midnight(zone: Tz, day: NaiveDate) -> Timestamp {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.to_utc(),
        chrono::LocalResult::None => zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.to_utc()),
    }
}

/// An amount in minor units of `currency` as people read it (`12.50 EUR`).
pub fn money(minor: i64, currency: &str) -> String {
    match tenure_domain::Currency::parse(currency) {
        Ok(currency) => tenure_domain::Money { minor, currency }.to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}
