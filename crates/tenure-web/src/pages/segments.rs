//! `GET /segments`: the RFM grid (customers per recency × frequency score, as a heat table) and
//! the segment table (`tenure report segments`), each segment linking to its customers.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::reports::{Date, RfmGrid, SegmentsView};
use tenure_domain::Currency;

use super::Layout;
use super::params::{as_of_or_latest, optional, parsed};
use crate::charts::heat_level;
use crate::format::{count, money, percent};
use crate::html::{PageError, encode_query_value, render};
use crate::routes::READERS;
use crate::{AppState, session};

/// The segments page.
#[derive(Template)]
#[template(path = "segments.html")]
struct SegmentsPage {
    layout: Layout,
    as_of: Date,
    currency: String,
    grid: Vec<GridRow>,
    without_orders: String,
    segments: Vec<SegmentLine>,
    total: String,
    big_spenders: String,
    /// Whether model scores are stored (the probability-alive and CLV columns are shown).
    scored: bool,
}

/// One recency score's row of the grid.
struct GridRow {
    recency: usize,
    cells: Vec<GridCell>,
}

/// Customers with one (recency, frequency) pair of scores.
struct GridCell {
    frequency: usize,
    customers: u64,
    text: String,
    level: u8,
}

/// One segment of the table.
struct SegmentLine {
    name: String,
    href: String,
    customers: u64,
    customers_text: String,
    share: String,
    revenue: String,
    revenue_minor: i64,
    /// Mean probability alive of the scored customers, as a percentage.
    p_alive: String,
    /// Total CLV of the scored customers.
    clv: String,
    clv_minor: i64,
}

/// Query of `GET /segments`.
#[derive(Debug, Deserialize)]
pub(crate) struct SegmentsQuery {
    #[serde(default, deserialize_with = "optional")]
    as_of: Option<Date>,
}

/// `GET /segments?as_of=`: at the latest purchase day by default.
pub(crate) async fn segments(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<SegmentsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, READERS, &uri).await?;
    let query = parsed(query)?;
    let (view, grid, currency) = state
        .with_purchases(None, move |_, purchases| {
            let as_of = as_of_or_latest(query.as_of, purchases)?;
            Ok((purchases.segments(as_of)?, purchases.rfm_grid(as_of)?, purchases.currency()))
        })
        .await?;
    let layout = Layout::new(&signed_in, "Segments", "/segments");
    Ok(render(&page(layout, &view, &grid, currency)))
}

fn page(layout: Layout, view: &SegmentsView, grid: &RfmGrid, currency: Option<Currency>) -> SegmentsPage {
    let total: u64 = view.segments.iter().map(|s| s.customers).sum();
    SegmentsPage {
        layout,
        as_of: view.as_of,
        currency: currency.map_or_else(|| "No".to_string(), |c| c.code().to_string()),
        grid: grid_rows(grid),
        without_orders: count(grid.without_orders),
        segments: view
            .segments
            .iter()
            .map(|s| SegmentLine {
                name: s.name.clone(),
                href: format!("/customers?segment={}", encode_query_value(&s.name)),
                customers: s.customers,
                customers_text: count(s.customers),
                share: percent((total > 0).then(|| s.customers as f64 / total as f64 * 100.0)),
                revenue: money(s.revenue_minor, currency),
                revenue_minor: s.revenue_minor,
                p_alive: percent(s.mean_probability_alive.map(|p| p * 100.0)),
                clv: s.clv_minor.map_or_else(|| "—".to_string(), |clv| money(clv, currency)),
                clv_minor: s.clv_minor.unwrap_or(0),
            })
            .collect(),
        total: count(total),
        big_spenders: count(view.flags.big_spender),
        scored: view.segments.iter().any(|s| s.clv_minor.is_some()),
    }
}

/// The grid's rows, most recent buyers (recency 5) first, frequency 1 to 5 left to right.
fn grid_rows(grid: &RfmGrid) -> Vec<GridRow> {
    let max = grid.customers.iter().flatten().copied().max().unwrap_or(0) as f64;
    (1..=5)
        .rev()
        .map(|recency| GridRow {
            recency,
            cells: (1..=5)
                .map(|frequency| {
                    let customers = grid.customers[recency - 1][frequency - 1];
                    GridCell {
                        frequency,
                        customers,
                        text: count(customers),
                        level: heat_level(customers as f64, max),
                    }
                })
                .collect(),
        })
        .collect()
}
