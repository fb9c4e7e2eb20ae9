//! `GET /cohorts`: the acquisition cohort table as a heat table — one row per cohort with its
//! size, one column per period since acquisition, each cell's number written in it and coloured
//! by it (`tenure report cohorts`).
//!
//! The heat map is the HTML table itself, coloured by classes (`.heat-0` … `.heat-9`): the
//! numbers stay text a screen reader reads with their row and column headers, copy and paste
//! works, and the content policy (`style-src 'self'`) allows no inline colours anyway.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::reports::{CohortMetric, CohortView, CohortsView, Date, Period};
use tenure_domain::Currency;

use super::Layout;
use super::params::{as_of_or_latest, optional, parsed};
use super::retention::{Choice, period_choices};
use crate::charts::{heat_bands, heat_level};
use crate::format::{count, money};
use crate::html::{PageError, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// The cohort page.
#[derive(Template)]
#[template(path = "cohorts.html")]
struct CohortsPage {
    layout: Layout,
    periods: Vec<Choice>,
    by_revenue: bool,
    period: Period,
    as_of: Date,
    currency: String,
    columns: Vec<usize>,
    rows: Vec<Row>,
    legend: Vec<Band>,
    any_partial: bool,
}

/// One cohort.
struct Row {
    cohort: String,
    size: u64,
    size_text: String,
    cells: Vec<Option<Cell>>,
}

/// One cell: the number, its colour level, whether its period is still running.
struct Cell {
    text: String,
    raw: String,
    title: String,
    level: u8,
    partial: bool,
}

/// A colour level and the values it covers.
pub(crate) struct Band {
    /// The level (`heat-N`).
    pub level: u8,
    /// `(low, high]` as text.
    pub range: String,
}

/// Query of `GET /cohorts`.
#[derive(Debug, Deserialize)]
pub(crate) struct CohortsQuery {
    #[serde(default, deserialize_with = "optional")]
    period: Option<Period>,
    #[serde(default, deserialize_with = "optional")]
    metric: Option<CohortMetric>,
    #[serde(default, deserialize_with = "optional")]
    as_of: Option<Date>,
}

/// `GET /cohorts?period=&metric=&as_of=`: monthly customer cohorts up to the latest purchase by
/// default.
pub(crate) async fn cohorts(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<CohortsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let query = parsed(query)?;
    let period = query.period.unwrap_or(Period::Month);
    let metric = query.metric.unwrap_or_default();
    let (view, currency) = state
        .with_purchases(None, move |_, purchases| {
            let as_of = as_of_or_latest(query.as_of, purchases)?;
            Ok((purchases.cohorts(period, metric, as_of), purchases.currency()))
        })
        .await?;
    let layout = Layout::new(&signed_in, "Cohorts", "/cohorts");
    Ok(render(&page(layout, &view, currency)))
}

fn page(layout: Layout, view: &CohortsView, currency: Option<Currency>) -> CohortsPage {
    let by_revenue = view.metric == CohortMetric::Revenue;
    let width = view.cohorts.iter().map(|c| c.complete.len()).max().unwrap_or(0);
    let max = scale_max(view);
    let rows: Vec<Row> = view
        .cohorts
        .iter()
        .map(|cohort| {
            let values = values(cohort);
            Row {
                cohort: cohort.cohort.clone(),
                size: cohort.size,
                size_text: count(cohort.size),
                cells: (0..width).map(|k| cell(cohort, &values, k, max, currency)).collect(),
            }
        })
        .collect();
    let show = |v: f64| if by_revenue { money(v.round() as i64, currency) } else { format!("{v:.1} %") };
    CohortsPage {
        layout,
        periods: period_choices(view.period),
        by_revenue,
        period: view.period,
        as_of: view.as_of,
        currency: currency.map_or_else(|| "No".to_string(), |c| c.code().to_string()),
        columns: (0..width).collect(),
        any_partial: view.cohorts.iter().any(|c| c.complete.contains(&false)),
        legend: heat_bands(max)
            .into_iter()
            .map(|(level, low, high)| Band { level, range: format!("{} – {}", show(low), show(high)) })
            .collect(),
        rows,
    }
}

/// The values the cells show: percentages, or revenue in minor units.
fn values(cohort: &CohortView) -> Vec<f64> {
    match &cohort.retention {
        Some(percentages) => percentages.clone(),
        None => cohort.detail.revenue_minor.iter().map(|&r| r as f64).collect(),
    }
}

/// The value at which the colour is darkest: the largest cell after the acquisition period
/// (period 0 is 100 % by definition and would wash every later period out), or the largest
/// cell when there is no later period.
fn scale_max(view: &CohortsView) -> f64 {
    let largest = |skip: usize| {
        view.cohorts.iter().flat_map(|c| values(c).into_iter().skip(skip)).fold(0.0f64, f64::max)
    };
    let later = largest(1);
    if later > 0.0 { later } else { largest(0) }
}

fn cell(cohort: &CohortView, values: &[f64], k: usize, max: f64, currency: Option<Currency>) -> Option<Cell> {
    let partial = !*cohort.complete.get(k)?;
    let value = *values.get(k)?;
    let (text, raw, title) = match (&cohort.retention, &cohort.customers) {
        (Some(_), Some(customers)) => {
            let buyers = customers.get(k).copied().unwrap_or(0);
            let title = format!("{} of {} customers bought in period {k}", count(buyers), count(cohort.size));
            (format!("{value:.1} %"), value.to_string(), title)
        }
        _ => {
            let major = cohort.revenue.as_ref().and_then(|r| r.get(k)).copied().unwrap_or(0.0);
            let text = money(value as i64, currency);
            (text.clone(), major.to_string(), format!("revenue in period {k}: {text}"))
        }
    };
    Some(Cell { text, raw, title, level: heat_level(value, max), partial })
}
