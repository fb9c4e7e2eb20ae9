//! `GET /at-risk` and `GET /at-risk.csv`: customers by their stored model scores — probability
//! alive, CLV, last purchase, expected purchases — filtered and sorted, a page at a time or all
//! of them as a spreadsheet file.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::export::spreadsheet_safe;
use tenure_app::models::{ListedScore, STORED_HORIZON_WEEKS, ScoreList, ScoreListQuery, ScoreSort};
use tenure_app::reports::AT_RISK_BELOW;
use tenure_domain::Currency;

use super::Layout;
use super::params::{optional, parsed};
use crate::format::{count, money, percent};
use crate::html::{PageError, render};
use crate::routes::STAFF;
use crate::{AppState, session};

/// Customers per page.
const PAGE_SIZE: usize = 50;

/// The at-risk page.
#[derive(Template)]
#[template(path = "at_risk.html")]
struct AtRiskPage {
    layout: Layout,
    below: f64,
    min_clv: String,
    sorts: Vec<SortChoice>,
    currency: String,
    as_of: Option<String>,
    scored: String,
    matching: String,
    first: usize,
    last: usize,
    horizon_weeks: u32,
    lines: Vec<Line>,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
}

/// An option of the sort select.
struct SortChoice {
    value: String,
    label: &'static str,
    selected: bool,
}

/// One customer of the list.
struct Line {
    id: i64,
    name: String,
    email: String,
    probability: String,
    probability_raw: f64,
    low: bool,
    expected: String,
    clv: String,
    clv_minor: i64,
    last_purchase: String,
}

/// Query of the at-risk page and its CSV.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AtRiskQuery {
    #[serde(default, deserialize_with = "optional")]
    below: Option<f64>,
    #[serde(default, deserialize_with = "optional")]
    min_clv: Option<f64>,
    #[serde(default, deserialize_with = "optional")]
    sort: Option<ScoreSort>,
    #[serde(default, deserialize_with = "optional")]
    page: Option<usize>,
}

impl AtRiskQuery {
    /// The threshold: the lifecycle's at-risk line unless given; 1 or more lists everyone
    /// (a customer never seen to repeat can score exactly 1).
    fn below(&self) -> Result<f64, AppError> {
        match self.below {
            Some(b) if !(0.0..=1.0).contains(&b) => {
                Err(AppError::Invalid(format!("below must be a probability from 0 to 1, got {b}")))
            }
            Some(b) => Ok(b),
            None => Ok(AT_RISK_BELOW),
        }
    }

    /// The list query for page `page` (`None`: every matching customer).
    fn list(&self, page: Option<usize>) -> Result<ScoreListQuery, AppError> {
        let below = self.below()?;
        Ok(ScoreListQuery {
            below: (below < 1.0).then_some(below),
            min_clv: self.min_clv,
            sort: self.sort.unwrap_or_default(),
            offset: page.map_or(0, |p| (p - 1) * PAGE_SIZE),
            limit: page.map(|_| PAGE_SIZE),
        })
    }

    /// The query string of these filters (for the CSV link and the page links).
    fn filters(&self) -> String {
        let mut text =
            format!("below={}&sort={}", self.below().unwrap_or(AT_RISK_BELOW), self.sort.unwrap_or_default());
        if let Some(min) = self.min_clv {
            text.push_str(&format!("&min_clv={min}"));
        }
        text
    }
}

/// `GET /at-risk?below=&min_clv=&sort=&page=`.
pub(crate) async fn at_risk(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<AtRiskQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let query = parsed(query)?;
    let page_number = query.page.unwrap_or(1).max(1);
    let list_query = query.list(Some(page_number))?;
    let list = state.with_scores(move |store, board| board.list(store, &list_query)).await?;
    let layout = Layout::new(&signed_in, "Customers at risk", "/at-risk");
    Ok(render(&page(layout, &query, &list, page_number)))
}

fn page(layout: Layout, query: &AtRiskQuery, list: &ScoreList, page_number: usize) -> AtRiskPage {
    let filters = query.filters();
    let sort = query.sort.unwrap_or_default();
    let link = |n: usize| format!("/at-risk?{filters}&page={n}");
    let sorts = [
        (ScoreSort::ProbabilityAlive, "lowest probability alive first"),
        (ScoreSort::Clv, "highest CLV first"),
        (ScoreSort::LastPurchase, "longest since the last purchase first"),
    ];
    AtRiskPage {
        layout,
        below: query.below().unwrap_or(AT_RISK_BELOW),
        min_clv: query.min_clv.map_or_else(String::new, |m| m.to_string()),
        sorts: sorts
            .into_iter()
            .map(|(s, label)| SortChoice { value: s.to_string(), label, selected: s == sort })
            .collect(),
        currency: list.currency.map_or_else(|| "No".to_string(), |c| c.code().to_string()),
        as_of: list.as_of.map(|d| d.to_string()),
        scored: count(list.scored as u64),
        matching: count(list.matching as u64),
        first: (page_number - 1) * PAGE_SIZE + 1,
        last: (page_number - 1) * PAGE_SIZE + list.rows.len(),
        horizon_weeks: STORED_HORIZON_WEEKS,
        lines: list.rows.iter().map(|r| line(r, list.currency)).collect(),
        previous: (page_number > 1).then(|| link(page_number - 1)),
        next: (page_number * PAGE_SIZE < list.matching).then(|| link(page_number + 1)),
        csv: format!("/at-risk.csv?{filters}"),
    }
}

fn line(row: &ListedScore, currency: Option<Currency>) -> Line {
    let score = &row.score;
    Line {
        id: score.customer.0,
        name: row.name.clone().unwrap_or_default(),
        email: row.email.clone().unwrap_or_default(),
        probability: percent(Some(score.probability_alive * 100.0)),
        probability_raw: score.probability_alive,
        low: score.probability_alive < AT_RISK_BELOW,
        expected: format!("{:.2}", score.expected_purchases),
        clv: money(score.clv_minor, currency),
        clv_minor: score.clv_minor,
        last_purchase: row.last_purchase.map_or_else(String::new, |d| d.to_string()),
    }
}

/// `GET /at-risk.csv?below=&min_clv=&sort=`: every matching customer (not only one page), in the
/// page's order, as CSV.
pub(crate) async fn at_risk_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    uri: Uri,
    query: Result<Query<AtRiskQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let actor = crate::audit::allow_page_export(&state, &signed_in, &extensions, "/at-risk.csv").await?;
    let query = parsed(query)?;
    let list_query = query.list(None)?;
    let list = state.with_scores(move |store, board| board.list(store, &list_query)).await?;
    let body = csv_text(&list)?;
    crate::audit::exported(&state, actor, "/at-risk.csv", crate::audit::csv_rows(body.as_bytes())).await?;
    let day = list.as_of.map_or_else(|| "none".to_string(), |d| d.to_string());
    let disposition = format!("attachment; filename=\"tenure-at-risk-{day}.csv\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    Ok(response)
}

/// The header of the CSV.
const CSV_HEADER: [&str; 11] = [
    "customer_id",
    "name",
    "email",
    "probability_alive",
    "expected_purchases",
    "horizon_days",
    "expected_spend",
    "clv",
    "currency",
    "last_purchase",
    "scores_as_of",
];

/// The rows of `list` as CSV, money in major units, every cell made safe for spreadsheets.
pub(crate) fn csv_text(list: &ScoreList) -> Result<String, AppError> {
    let failed = |e: csv::Error| AppError::Invalid(format!("writing the CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).map_err(failed)?;
    let major = |minor: i64| match list.currency {
        Some(c) => format!("{:.*}", c.exponent() as usize, minor as f64 / 10f64.powi(c.exponent() as i32)),
        None => minor.to_string(),
    };
    for row in &list.rows {
        let s = &row.score;
        let record = [
            s.customer.to_string(),
            row.name.clone().unwrap_or_default(),
            row.email.clone().unwrap_or_default(),
            s.probability_alive.to_string(),
            s.expected_purchases.to_string(),
            s.horizon_days.to_string(),
            major(s.expected_spend_minor),
            major(s.clv_minor),
            s.currency.clone(),
            row.last_purchase.map_or_else(String::new, |d| d.to_string()),
            s.as_of.to_string(),
        ];
        writer.write_record(record.iter().map(|cell| spreadsheet_safe(cell))).map_err(failed)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::Invalid(format!("writing the CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Invalid(format!("writing the CSV: {e}")))
}
