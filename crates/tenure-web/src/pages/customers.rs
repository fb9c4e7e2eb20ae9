//! `GET /customers`: the customers of a segment or a lifecycle stage (`tenure customers list
//! --segment | --stage`), or every customer by id, a page at a time; each links to its page.
//! Agents land here after signing in.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::reports::{
    CustomerList, CustomerSelection, Date, ListedCustomer, Purchases, SegmentRules, stage_name, stage_names,
};
use tenure_domain::{Currency, CustomerId};
use tenure_store::{CustomerQuery, CustomerSummary, Store};

use super::Layout;
use super::params::{as_of_or_latest, optional, parsed, window};
use crate::format::{count, money};
use crate::html::{PageError, encode_query_value, render};
use crate::routes::STAFF;
use crate::{AppState, session};

/// Customers per page.
const PAGE_SIZE: usize = 100;

/// The customer list page.
#[derive(Template)]
#[template(path = "customers.html")]
struct CustomersPage {
    layout: Layout,
    segments: Vec<Pick>,
    stages: Vec<Pick>,
    /// What is listed, in words (`Segment Champions on 1998-06-30: 120 customers`).
    heading: String,
    selected: bool,
    lines: Vec<Line>,
    previous: Option<String>,
    next: Option<String>,
}

/// An option of a select.
struct Pick {
    value: String,
    selected: bool,
}

/// One customer of the list.
struct Line {
    id: i64,
    name: String,
    email: String,
    orders: String,
    revenue: String,
    first: String,
    last: String,
    rfm: String,
}

/// Query of `GET /customers`.
#[derive(Debug, Deserialize)]
pub(crate) struct CustomersQuery {
    #[serde(default, deserialize_with = "optional")]
    segment: Option<String>,
    #[serde(default, deserialize_with = "optional")]
    stage: Option<String>,
    #[serde(default, deserialize_with = "optional")]
    as_of: Option<Date>,
    #[serde(default, deserialize_with = "optional")]
    window: Option<u32>,
    #[serde(default, deserialize_with = "optional")]
    after: Option<i64>,
    #[serde(default, deserialize_with = "optional")]
    page: Option<usize>,
}

/// What the store gave for the page.
enum Listing {
    /// A segment's or stage's customers: this page of them, how many in all, the currency.
    Selection { list: CustomerList, total: usize, currency: Option<Currency> },
    /// A page of every customer by id.
    All(Vec<CustomerSummary>),
}

/// `GET /customers?segment=|stage=&as_of=&window=&page=`, or `?after=ID` for every customer.
pub(crate) async fn customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<CustomersQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let query = parsed(query)?;
    let selection = selection(&query)?;
    let page_number = query.page.unwrap_or(1).max(1);
    let (after, window_days) = (query.after, query.window);
    let as_of = query.as_of;
    let listing = match selection {
        Some(selection) => {
            state
                .with_purchases(None, move |store, purchases| {
                    selected(store, purchases, &selection, as_of, window_days, page_number)
                })
                .await?
        }
        None => {
            let page = CustomerQuery { after: after.map(CustomerId), limit: PAGE_SIZE as u32 };
            state.pool().run(move |store| Ok(Listing::All(store.customers(&page)?))).await?
        }
    };
    let layout = Layout::new(&signed_in, "Customers", "/customers");
    Ok(render(&page(layout, &query, listing, page_number)))
}

/// The segment or stage asked for (names matched loosely), or none.
fn selection(query: &CustomersQuery) -> Result<Option<CustomerSelection>, AppError> {
    match (&query.segment, &query.stage) {
        (Some(_), Some(_)) => Err(AppError::Invalid("choose a segment or a stage, not both".into())),
        (Some(segment), None) => CustomerSelection::segment(segment, &SegmentRules::default()).map(Some),
        (None, Some(stage)) => CustomerSelection::stage(stage).map(Some),
        (None, None) => Ok(None),
    }
}

fn selected(
    store: &mut dyn Store,
    purchases: &Purchases,
    selection: &CustomerSelection,
    as_of: Option<Date>,
    window_days: Option<u32>,
    page_number: usize,
) -> Result<Listing, AppError> {
    let as_of = as_of_or_latest(as_of, purchases)?;
    let mut list = purchases.customers_in(selection, as_of, window(window_days)?)?;
    let total = list.customers.len();
    // Names are read for the page shown only (the list itself is cheap: it is in memory).
    list.customers = list.customers.into_iter().skip((page_number - 1) * PAGE_SIZE).take(PAGE_SIZE).collect();
    list.add_contacts(store)?;
    Ok(Listing::Selection { list, total, currency: purchases.currency() })
}

fn page(layout: Layout, query: &CustomersQuery, listing: Listing, page_number: usize) -> CustomersPage {
    let choices = |names: Vec<String>, chosen: &Option<String>| {
        names
            .into_iter()
            .map(|value| Pick { selected: chosen.as_deref() == Some(value.as_str()), value })
            .collect()
    };
    let segments = choices(SegmentRules::default().names().to_vec(), &query.segment);
    let stages = choices(stage_names().into_iter().map(String::from).collect(), &query.stage);
    let (heading, lines, previous, next) = match listing {
        Listing::Selection { list, total, currency } => {
            let pages = |n: usize| selection_link(&list, n);
            let previous = (page_number > 1).then(|| pages(page_number - 1));
            let next = (page_number * PAGE_SIZE < total).then(|| pages(page_number + 1));
            let what = match (&list.segment, list.stage) {
                (Some(segment), _) => format!("Segment {segment}"),
                (None, Some(stage)) => format!("Stage {}", stage_name(stage)),
                (None, None) => String::new(),
            };
            let heading =
                format!("{what} on {}: {} customers, most revenue first", list.as_of, count(total as u64));
            (heading, list.customers.iter().map(|c| listed(c, currency)).collect(), previous, next)
        }
        Listing::All(page) => {
            let next =
                (page.len() == PAGE_SIZE).then(|| page.last().map(|c| format!("/customers?after={}", c.id)));
            let previous = query.after.map(|_| "/customers".to_string());
            (
                "Every customer, by id".to_string(),
                page.iter().map(summary).collect(),
                previous,
                next.flatten(),
            )
        }
    };
    CustomersPage {
        layout,
        segments,
        stages,
        heading,
        selected: query.segment.is_some() || query.stage.is_some(),
        lines,
        previous,
        next,
    }
}

/// The address of page `n` of the same selection.
fn selection_link(list: &CustomerList, n: usize) -> String {
    let which = match (&list.segment, list.stage) {
        (Some(segment), _) => format!("segment={}", encode_query_value(segment)),
        (None, Some(stage)) => format!("stage={}", stage_name(stage)),
        (None, None) => String::new(),
    };
    format!("/customers?{which}&as_of={}&page={n}", list.as_of)
}

fn listed(customer: &ListedCustomer, currency: Option<Currency>) -> Line {
    let day = |d: Option<Date>| d.map_or_else(String::new, |d| d.to_string());
    Line {
        id: customer.id.0,
        name: customer.name.clone().unwrap_or_default(),
        email: customer.email.clone().unwrap_or_default(),
        orders: count(u64::from(customer.orders)),
        revenue: money(customer.revenue_minor, currency),
        first: day(customer.first_purchase),
        last: day(customer.last_purchase),
        rfm: customer.rfm.clone().unwrap_or_default(),
    }
}

fn summary(customer: &CustomerSummary) -> Line {
    let day = |t: Option<tenure_domain::Timestamp>| {
        t.map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };
    let revenue: Vec<String> =
        customer.revenue.iter().map(|(code, &minor)| money(minor, Currency::parse(code).ok())).collect();
    Line {
        id: customer.id.0,
        name: customer.name.clone().unwrap_or_default(),
        email: customer.email.clone().unwrap_or_default(),
        orders: count(customer.paid_orders),
        revenue: revenue.join(", "),
        first: day(customer.first_order_at),
        last: day(customer.last_order_at),
        rfm: String::new(),
    }
}
