//! `GET /calendar?view=day|week|month&date=YYYY-MM-DD&owner=EMAIL`: interactions and follow-ups by
//! day in the shop's time zone, for one user or the whole team, with links to the days before and
//! after. The week and month are a grid of days on a wide screen and a list on a phone (the month
//! then lists only the days that have something on them).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::calendar::agenda::{self, Agenda, AgendaDay, AgendaItem};
use tenure_calendar::View;

use super::Layout;
use super::calendar_fields::{Choice, user_choices};
use super::params::{optional, parsed};
use crate::html::{PageError, encode_query_value, render};
use crate::routes::STAFF;
use crate::{AppState, session};

/// The days of the week, as the grid's heading shows them.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    heading: String,
    view: &'static str,
    date: String,
    views: Vec<Choice>,
    owners: Vec<Choice>,
    previous: String,
    next: String,
    today: String,
    weekdays: &'static [&'static str],
    grid: bool,
    days: Vec<DayView>,
    total: usize,
    whose: String,
    zone: &'static str,
}

struct DayView {
    date: String,
    label: String,
    in_month: bool,
    today: bool,
    items: Vec<ItemView>,
}

struct ItemView {
    time: String,
    kind: &'static str,
    kind_label: &'static str,
    title: String,
    customer: Option<i64>,
    who: String,
    status: String,
}

/// `?view=&date=&owner=`.
#[derive(Debug, Deserialize)]
pub(crate) struct CalendarQuery {
    #[serde(default, deserialize_with = "optional")]
    view: Option<View>,
    #[serde(default, deserialize_with = "optional")]
    date: Option<NaiveDate>,
    #[serde(default)]
    owner: Option<String>,
}

/// `GET /calendar`.
pub(crate) async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let query = parsed(query)?;
    let zone = state.time_zone();
    let now = chrono::Utc::now();
    let today = now.with_timezone(&zone.zone()).date_naive();
    let view = query.view.unwrap_or(View::Week);
    let date = query.date.unwrap_or(today);
    let owner = query.owner.map(|o| o.trim().to_lowercase()).filter(|o| !o.is_empty());
    let wanted = owner.clone();
    let (shown, users) = state
        .pool()
        .run(move |store| {
            let shown = agenda::agenda(store, view, date, zone.zone(), wanted.as_deref(), now)?;
            Ok((shown, store.users().map_err(AppError::from)?))
        })
        .await?;
    let link = |day: NaiveDate| link(view, day, owner.as_deref());
    let mut views: Vec<Choice> = View::ALL
        .iter()
        .map(|v| Choice {
            value: v.as_str().to_string(),
            label: v.as_str().to_string(),
            selected: *v == view,
        })
        .collect();
    for choice in &mut views {
        choice.label[..1].make_ascii_uppercase();
    }
    let days: Vec<DayView> = shown.days.iter().map(day_view).collect();
    Ok(render(&CalendarPage {
        layout: Layout::new(&signed_in, "Calendar", "/calendar"),
        heading: shown.title.clone(),
        view: view.as_str(),
        date: date.to_string(),
        views,
        owners: user_choices(&users, owner.as_deref(), Some("The whole team")),
        previous: link(shown.previous),
        next: link(shown.next),
        today: link(today),
        weekdays: &WEEKDAYS,
        grid: view != View::Day,
        total: days.iter().map(|d| d.items.len()).sum(),
        whose: whose(&shown),
        zone: zone.name(),
        days,
    }))
}

/// `/calendar?view=…&date=…&owner=…`.
fn link(view: View, date: NaiveDate, owner: Option<&str>) -> String {
    let mut href = format!("/calendar?view={view}&date={date}");
    if let Some(owner) = owner {
        href.push_str(&format!("&owner={}", encode_query_value(owner)));
    }
    href
}

fn whose(shown: &Agenda) -> String {
    match &shown.owner {
        Some(owner) => format!("Follow-ups of {owner} and the interactions they handled"),
        None => "Everyone's interactions and follow-ups".to_string(),
    }
}

fn day_view(day: &AgendaDay) -> DayView {
    let date = day.date;
    DayView {
        date: date.to_string(),
        label: format!(
            "{} {} {}",
            WEEKDAYS[date.weekday().num_days_from_monday() as usize],
            date.day(),
            month(date)
        ),
        in_month: day.in_month,
        today: day.today,
        items: day.items.iter().map(item_view).collect(),
    }
}

fn month(date: NaiveDate) -> &'static str {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS[date.month0() as usize]
}

fn item_view(item: &AgendaItem) -> ItemView {
    ItemView {
        time: item.time.clone(),
        kind: item.kind,
        kind_label: if item.kind == "followup" { "Follow-up" } else { "Interaction" },
        title: item.title.clone(),
        customer: item.customer.map(|c| c.0),
        // An interaction's title names its staff member already.
        who: if item.kind == "followup" { item.who.clone().unwrap_or_default() } else { String::new() },
        status: item.status.unwrap_or_default().to_string(),
    }
}
