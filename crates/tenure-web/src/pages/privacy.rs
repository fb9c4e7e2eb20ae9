//! Data rights and the audit log in the dashboard (administrators): `GET /audit` lists the log
//! with filters; `GET /customers/{id}/export.json` downloads everything held about a customer
//! (the export permission is needed too); `POST /customers/{id}/erase` erases their personal
//! data once the administrator has typed ERASE. Each is recorded in the audit log.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::audit::{self, ACTIONS};
use tenure_app::privacy;
use tenure_store::{AuditQuery, AuditRecord};

use super::Layout;
use crate::AppState;
use crate::html::{PageError, render};
use crate::routes::ADMIN;
use crate::session::{self, CsrfForm};

/// Entries shown at once.
const SHOWN: usize = 200;

/// What the erase form must carry in its `confirm` field.
const CONFIRM_WORD: &str = "ERASE";

struct EntryRow {
    id: i64,
    at: String,
    actor: String,
    address: String,
    action: String,
    target: String,
    rows: String,
    outcome: &'static str,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    actions: Vec<(&'static str, bool)>,
    actor: String,
    entries: Vec<EntryRow>,
}

/// Query of `GET /audit`.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditFilter {
    action: Option<String>,
    actor: Option<String>,
}

/// `GET /audit?action=&actor=`.
pub(crate) async fn audit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(filter): Query<AuditFilter>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, ADMIN, &uri).await?;
    let action = filter.action.filter(|a| !a.trim().is_empty());
    let actor = filter.actor.filter(|a| !a.trim().is_empty());
    let query =
        AuditQuery { action: action.clone(), actor: actor.clone(), limit: SHOWN, ..AuditQuery::default() };
    let records = state.pool().run(move |store| audit::list(store, &query)).await?;
    Ok(render(&AuditPage {
        layout: Layout::new(&signed_in, "Audit log", "/audit"),
        actions: ACTIONS.iter().map(|(name, _)| (*name, action.as_deref() == Some(*name))).collect(),
        actor: actor.unwrap_or_default(),
        entries: records.iter().map(row).collect(),
    }))
}

fn row(record: &AuditRecord) -> EntryRow {
    let entry = &record.entry;
    EntryRow {
        id: record.id,
        at: entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        actor: entry.actor.clone(),
        address: entry.address.clone().unwrap_or_default(),
        action: entry.action.clone(),
        target: entry.target.clone().unwrap_or_default(),
        rows: entry.rows.map(|r| r.to_string()).unwrap_or_default(),
        outcome: entry.outcome.as_str(),
    }
}

/// `GET /customers/{id}/export.json`: everything held about the customer, as a download.
pub(crate) async fn customer_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, ADMIN, &uri).await?;
    let id = super::customer::customer_id(&id)?;
    let what = format!("/customers/{}/export.json", id.0);
    let actor = crate::audit::allow_page_export(&state, &signed_in, &extensions, &what).await?;
    let now = chrono::Utc::now();
    let document = state.pool().run(move |store| privacy::export_customer(store, id, &actor, now)).await?;
    let body = serde_json::to_vec_pretty(&document).map_err(|e| AppError::Invalid(e.to_string()))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let disposition = format!("attachment; filename=\"tenure-customer-{}.json\"", id.0);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The erase form.
#[derive(Debug, Deserialize)]
pub(crate) struct EraseForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
}

impl CsrfForm for EraseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /customers/{id}/erase`: erases the customer's personal data when `confirm` is ERASE.
pub(crate) async fn erase_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Path(id): Path<String>,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, ADMIN, form).await?;
    let id = super::customer::customer_id(&id)?;
    if form.confirm.trim() != CONFIRM_WORD {
        return Err(PageError::App(AppError::Invalid(format!(
            "type {CONFIRM_WORD} in the box to erase customer {}: it cannot be undone",
            id.0
        ))));
    }
    let actor = crate::audit::user(&signed_in, &extensions);
    let now = chrono::Utc::now();
    state.pool().run(move |store| privacy::erase_customer(store, id, &actor, now)).await?;
    Ok(Redirect::to(&format!("/customers/{}?erased=1", id.0)).into_response())
}
