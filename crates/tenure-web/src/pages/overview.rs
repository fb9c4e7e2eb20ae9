//! `GET /`: the shop at a glance — active customers, retention, churn, repeat rate, revenue and
//! customers at risk over a period, each beside its value in the period before.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::reports::{ActivityWindow, Date, Purchases, RetentionFigures};

use super::{Layout, liability_figure};
use crate::format::{Trend, count, money, percent};
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// The overview page.
#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    layout: Layout,
    from: Date,
    to: Date,
    previous_from: Date,
    window: u32,
    currency: String,
    empty: bool,
    cards: Vec<Card>,
    loyalty: Option<LoyaltyCard>,
    s: u64,
    e: u64,
    n: u64,
    lost: u64,
    s_text: String,
    e_text: String,
    n_text: String,
    lost_text: String,
}

/// The loyalty programme's liability, when a programme runs.
struct LoyaltyCard {
    value: String,
    raw: String,
    outstanding: String,
}

/// One headline figure.
struct Card {
    id: &'static str,
    label: &'static str,
    value: String,
    raw: String,
    before: String,
    trend: Trend,
    explain: &'static str,
}

/// Query of `GET /`: the period, as `tenure report retention` takes it.
#[derive(Debug, Deserialize)]
pub(crate) struct OverviewQuery {
    from: Option<Date>,
    to: Option<Date>,
    window: Option<u32>,
}

/// `GET /?from=&to=&window=`: by default the year up to the latest purchase.
pub(crate) async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<OverviewQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let Query(query) = query.map_err(|e| AppError::Invalid(e.body_text()))?;
    let window = ActivityWindow::new(query.window.unwrap_or(ActivityWindow::default().days()))
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let key = format!("overview:{:?}:{:?}:{}", query.from, query.to, window.days());
    let figures =
        state.cached_report(key, move |purchases| overview_figures(purchases, &query, window)).await?;
    let liability = state.pool().run(tenure_app::loyalty::view::liability).await?;
    let layout = Layout::new(&signed_in, "Overview", "/");
    let mut shown = page(layout, &figures, window);
    shown.loyalty = liability.map(|liability| LoyaltyCard {
        value: liability_figure(&liability),
        raw: liability.value.map_or_else(String::new, |v| v.minor.to_string()),
        outstanding: count(liability.totals.outstanding.max(0).unsigned_abs()),
    });
    Ok(render(&shown))
}

/// What the overview computes: this period, the one before, customers at risk at both ends.
struct Figures {
    now: Option<RetentionFigures>,
    before: Option<RetentionFigures>,
    at_risk: (u64, u64),
    from: Date,
    to: Date,
    previous_from: Date,
    currency: String,
    currency_code: Option<tenure_domain::Currency>,
}

fn overview_figures(
    purchases: &Purchases,
    query: &OverviewQuery,
    window: ActivityWindow,
) -> Result<Figures, AppError> {
    // The shop's day, not UTC's: an empty store's overview ends today where the shop is.
    let to = purchases.report_day(query.to, chrono::Utc::now())?;
    let from = match query.from {
        Some(day) => day,
        None => shift(to, -365)?,
    };
    if from > to {
        return Err(AppError::Invalid(format!("the period starts ({from}) after it ends ({to})")));
    }
    let previous_from = shift(from, -(to.days() - from.days()))?;
    let currency_code = purchases.currency();
    let currency = currency_code.map_or_else(|| "No".to_string(), |c| c.code().to_string());
    if purchases.last_day().is_none() {
        return Ok(Figures {
            now: None,
            before: None,
            at_risk: (0, 0),
            from,
            to,
            previous_from,
            currency,
            currency_code,
        });
    }
    let now = purchases.retention(from, to, window)?;
    let before = purchases.retention(previous_from, from, window)?;
    let at_risk =
        (purchases.lifecycle(from, window)?.stages.at_risk, purchases.lifecycle(to, window)?.stages.at_risk);
    Ok(Figures {
        now: Some(now),
        before: Some(before),
        at_risk,
        from,
        to,
        previous_from,
        currency,
        currency_code,
    })
}

/// The day `days` after `date` (before, when negative).
fn shift(date: Date, days: i32) -> Result<Date, AppError> {
    Date::from_days(date.days() + days).map_err(|e| AppError::Invalid(e.to_string()))
}

fn page(layout: Layout, figures: &Figures, window: ActivityWindow) -> OverviewPage {
    let (cards, counts) = match (&figures.now, &figures.before) {
        (Some(now), Some(before)) => {
            (cards(now, before, figures.at_risk, figures.currency_code), (now.s, now.e, now.n, now.lost))
        }
        _ => (Vec::new(), (0, 0, 0, 0)),
    };
    let (s, e, n, lost) = counts;
    OverviewPage {
        layout,
        from: figures.from,
        to: figures.to,
        previous_from: figures.previous_from,
        window: window.days(),
        currency: figures.currency.clone(),
        empty: figures.now.is_none(),
        cards,
        loyalty: None,
        s,
        e,
        n,
        lost,
        s_text: count(s),
        e_text: count(e),
        n_text: count(n),
        lost_text: count(lost),
    }
}

fn cards(
    now: &RetentionFigures,
    before: &RetentionFigures,
    at_risk: (u64, u64),
    currency: Option<tenure_domain::Currency>,
) -> Vec<Card> {
    let pts = |v: f64| format!("{v:.1} pts");
    let whole = |v: f64| count(v.round() as u64);
    let cash = |v: f64| money(v.round() as i64, currency);
    let rate = |id, label, now: Option<f64>, before: Option<f64>, higher_is_better, explain| Card {
        id,
        label,
        value: percent(now),
        raw: now.map_or_else(String::new, |v| v.to_string()),
        before: percent(before),
        trend: Trend::between(before, now, higher_is_better, pts),
        explain,
    };
    let amount = |id, label, now: u64, before: u64, higher_is_better, explain| Card {
        id,
        label,
        value: count(now),
        raw: now.to_string(),
        before: count(before),
        trend: Trend::between(Some(before as f64), Some(now as f64), higher_is_better, whole),
        explain,
    };
    let revenue_now = now.detail.revenue_minor;
    let revenue_before = before.detail.revenue_minor;
    vec![
        amount(
            "active",
            "Active customers",
            now.e,
            before.e,
            true,
            "Customers whose last purchase is inside the window at the end of the period.",
        ),
        rate(
            "crr",
            "Retention rate",
            now.crr,
            before.crr,
            true,
            "(E − N) / S: the share of the customers active at the start still active at the end, new ones left out.",
        ),
        rate(
            "churn",
            "Churn rate",
            now.churn_rate,
            before.churn_rate,
            false,
            "Customers active at the start and not at the end, as a share of S.",
        ),
        rate(
            "repeat",
            "Repeat purchase rate",
            now.repeat_purchase_rate,
            before.repeat_purchase_rate,
            true,
            "Of the customers who ordered in the period, those who ordered at least twice.",
        ),
        Card {
            id: "revenue",
            label: "Revenue",
            value: money(revenue_now, currency),
            raw: revenue_now.to_string(),
            before: money(revenue_before, currency),
            trend: Trend::between(Some(revenue_before as f64), Some(revenue_now as f64), true, cash),
            explain: "Paid orders in the period after refunds.",
        },
        amount(
            "at-risk",
            "Customers at risk",
            at_risk.1,
            at_risk.0,
            false,
            "Active customers who have gone quiet for longer than usual, or whose model says they are more likely gone than not.",
        ),
    ]
}
