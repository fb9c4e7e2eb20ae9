//! `GET /retention`: retention and churn per week, month or quarter, as a line chart and the
//! table of the same numbers — `tenure report retention-series`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::reports::{ActivityWindow, Date, Period, Purchases, RetentionFigures, RetentionSeries};

use super::Layout;
use super::params::{optional, parsed, shift, window};
use crate::charts::{LineChart, SeriesInput, line_chart};
use crate::format::{count, percent};
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// The retention page.
#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    layout: Layout,
    from: Date,
    to: Date,
    window: u32,
    periods: Vec<Choice>,
    every: Period,
    currency: String,
    empty: bool,
    chart: LineChart,
    rows: Vec<Row>,
}

/// An option of a select.
pub(crate) struct Choice {
    /// Its value.
    pub value: &'static str,
    /// Whether it is chosen.
    pub selected: bool,
}

/// The period choices of a select, `chosen` selected.
pub(crate) fn period_choices(chosen: Period) -> Vec<Choice> {
    [Period::Week, Period::Month, Period::Quarter]
        .into_iter()
        .map(|p| Choice {
            value: match p {
                Period::Week => "week",
                Period::Month => "month",
                Period::Quarter => "quarter",
            },
            selected: p == chosen,
        })
        .collect()
}

/// One period of the table.
struct Row {
    start: Date,
    end: Date,
    s: String,
    e: String,
    n: String,
    lost: String,
    crr: Rate,
    churn: Rate,
    exact: Rate,
}

/// A rate as shown (`41.2 %`) and as data (unrounded, empty when undefined).
struct Rate {
    text: String,
    raw: String,
}

impl Rate {
    fn of(value: Option<f64>) -> Rate {
        Rate { text: percent(value), raw: value.map_or_else(String::new, |v| v.to_string()) }
    }
}

/// Query of `GET /retention`.
#[derive(Debug, Deserialize)]
pub(crate) struct RetentionQuery {
    #[serde(default, deserialize_with = "optional")]
    every: Option<Period>,
    #[serde(default, deserialize_with = "optional")]
    from: Option<Date>,
    #[serde(default, deserialize_with = "optional")]
    to: Option<Date>,
    #[serde(default, deserialize_with = "optional")]
    window: Option<u32>,
}

/// `GET /retention?every=&from=&to=&window=`: by default monthly over the 365 days up to the
/// latest purchase.
pub(crate) async fn retention(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<RetentionQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let query = parsed(query)?;
    let window = window(query.window)?;
    let (series, currency) =
        state.with_purchases(None, move |_, purchases| series(purchases, &query, window)).await?;
    let layout = Layout::new(&signed_in, "Retention over time", "/retention");
    Ok(render(&page(layout, &series, currency)))
}

/// The series the query asks for, and the currency it is in (`None`: no purchases).
fn series(
    purchases: &Purchases,
    query: &RetentionQuery,
    window: ActivityWindow,
) -> Result<(RetentionSeries, Option<tenure_domain::Currency>), AppError> {
    let to = purchases.report_day(query.to, chrono::Utc::now())?;
    let from = match query.from {
        Some(day) => day,
        None => shift(to, -364)?,
    };
    if from > to {
        return Err(AppError::Invalid(format!("the period starts ({from}) after it ends ({to})")));
    }
    let every = query.every.unwrap_or(Period::Month);
    Ok((purchases.retention_series(from, to, every, window)?, purchases.currency()))
}

fn page(
    layout: Layout,
    series: &RetentionSeries,
    currency: Option<tenure_domain::Currency>,
) -> RetentionPage {
    let labels: Vec<String> =
        series.periods.iter().map(|p| series.every.label(series.every.index_of(p.start.days()))).collect();
    let crr: Vec<Option<f64>> = series.periods.iter().map(|p| p.crr).collect();
    let churn: Vec<Option<f64>> = series.periods.iter().map(|p| p.churn_rate).collect();
    let chart = line_chart(
        &labels,
        &[
            SeriesInput { name: "Retention rate", class: "line-0", values: &crr },
            SeriesInput { name: "Churn rate", class: "line-1", values: &churn },
        ],
        " %",
    );
    RetentionPage {
        layout,
        from: series.from,
        to: series.to,
        window: series.window_days,
        periods: period_choices(series.every),
        every: series.every,
        currency: currency.map_or_else(|| "No".to_string(), |c| c.code().to_string()),
        empty: currency.is_none(),
        chart,
        rows: series.periods.iter().map(row).collect(),
    }
}

fn row(figures: &RetentionFigures) -> Row {
    Row {
        start: figures.start,
        end: figures.end,
        s: count(figures.s),
        e: count(figures.e),
        n: count(figures.n),
        lost: count(figures.lost),
        crr: Rate::of(figures.crr),
        churn: Rate::of(figures.churn_rate),
        exact: Rate::of(figures.cohort_exact_retention),
    }
}
