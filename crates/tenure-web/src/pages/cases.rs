//! `GET /cases`: the follow-ups alert rules opened for bad survey answers — open ones first, by
//! due date, each with the customer, why, who owns it, and a form to close it as recovered or not
//! (`POST /cases/{id}/close`, CSRF-checked).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::surveys::alerts;
use tenure_store::{Case, CaseOutcome};

use super::Layout;
use crate::AppState;
use crate::html::{PageError, render};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm};

struct CaseLine {
    id: i64,
    survey: String,
    customer: Option<i64>,
    reason: String,
    owner: String,
    due: String,
    overdue: bool,
    open: bool,
    outcome: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    layout: Layout,
    notice: Option<String>,
    all: bool,
    cases: Vec<CaseLine>,
}

/// `?all=1&closed=ID`.
#[derive(Debug, Deserialize)]
pub(crate) struct CasesQuery {
    all: Option<String>,
    closed: Option<i64>,
}

/// `GET /cases`.
pub(crate) async fn cases(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<CasesQuery>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let all = query.all.is_some();
    let list = state.pool().run(move |store| alerts::cases(store, !all)).await?;
    let now = chrono::Utc::now();
    Ok(render(&CasesPage {
        layout: Layout::new(&signed_in, "Cases", "/cases"),
        notice: query.closed.map(|id| format!("Case {id} is closed.")),
        all,
        cases: list.iter().map(|c| line(c, now)).collect(),
    }))
}

fn line(case: &Case, now: chrono::DateTime<chrono::Utc>) -> CaseLine {
    CaseLine {
        id: case.id,
        survey: case.survey.clone(),
        customer: case.customer_id.map(|c| c.0),
        reason: case.reason.clone(),
        owner: case.owner.clone().unwrap_or_else(|| "unassigned".into()),
        due: case.due_at.format("%Y-%m-%d %H:%M").to_string(),
        overdue: case.status == "open" && case.due_at < now,
        open: case.status == "open",
        outcome: case.outcome.map(|o| o.as_str().replace('_', " ")).unwrap_or_default(),
        notes: case.notes.clone(),
    }
}

/// The close form.
#[derive(Debug, Deserialize)]
pub(crate) struct CloseForm {
    csrf: String,
    outcome: String,
    #[serde(default)]
    note: String,
}

impl CsrfForm for CloseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /cases/{id}/close`.
pub(crate) async fn close_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<CloseForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (_, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let outcome = CaseOutcome::parse(&form.outcome).ok_or_else(|| {
        AppError::Invalid(format!("outcome `{}`: recovered or not_recovered", form.outcome))
    })?;
    state
        .pool()
        .run(move |store| alerts::close_case(store, id, outcome, &form.note, chrono::Utc::now()))
        .await?;
    Ok(Redirect::to(&format!("/cases?closed={id}")).into_response())
}
