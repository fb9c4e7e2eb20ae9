//! `GET /testimonials`: what happy customers wrote for others to read — pending ones first, each
//! with what its writer allowed (shown with their first name, without it, or not at all) and
//! forms to approve or reject it (`POST /testimonials/{id}/decide`, CSRF-checked). Approved
//! testimonials count towards the customer's influence (the segments' influencer flag).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenure_app::AppError;
use tenure_app::surveys::alerts;

use super::Layout;
use crate::AppState;
use crate::html::{PageError, render};
use crate::routes::STAFF;
use crate::session::{self, CsrfForm};

struct Line {
    id: i64,
    survey: String,
    customer: Option<i64>,
    who: String,
    text: String,
    publish: &'static str,
    state: String,
    pending: bool,
    decided_by: String,
}

#[derive(Template)]
#[template(path = "testimonials.html")]
struct TestimonialsPage {
    layout: Layout,
    notice: Option<String>,
    all: bool,
    lines: Vec<Line>,
}

/// `?all=1&decided=ID`.
#[derive(Debug, Deserialize)]
pub(crate) struct TestimonialsQuery {
    all: Option<String>,
    decided: Option<i64>,
}

/// `GET /testimonials`.
pub(crate) async fn testimonials(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<TestimonialsQuery>,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, STAFF, &uri).await?;
    let all = query.all.is_some();
    let list = state.pool().run(move |store| alerts::testimonials_list(store, !all)).await?;
    let lines = list
        .iter()
        .map(|t| Line {
            id: t.id,
            survey: t.survey.clone(),
            customer: t.customer_id.map(|c| c.0),
            who: t.customer_name.clone().unwrap_or_default(),
            text: t.text.clone(),
            publish: match t.publish.as_deref() {
                Some("first_name") => "with their first name",
                Some("anonymous") => "without their name",
                Some("no") => "not to be shown",
                _ => "not asked",
            },
            state: t.state.clone(),
            pending: t.state == "pending",
            decided_by: t.decided_by.clone().unwrap_or_default(),
        })
        .collect();
    Ok(render(&TestimonialsPage {
        layout: Layout::new(&signed_in, "Testimonials", "/testimonials"),
        notice: query.decided.map(|id| format!("Testimonial {id} is decided.")),
        all,
        lines,
    }))
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub(crate) struct DecideForm {
    csrf: String,
    decision: String,
}

impl CsrfForm for DecideForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /testimonials/{id}/decide`: `decision=approve|reject`, recorded with who decided.
pub(crate) async fn decide_testimonial(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Result<Form<DecideForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (signed_in, form) = session::require_form(&state, &headers, STAFF, form).await?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => return Err(AppError::Invalid(format!("decision `{other}`: approve or reject")).into()),
    };
    let by = signed_in.session.user.email.clone();
    state
        .pool()
        .run(move |store| alerts::decide_testimonial(store, id, approve, &by, chrono::Utc::now()))
        .await?;
    Ok(Redirect::to(&format!("/testimonials?decided={id}")).into_response())
}
