//! The survey pages customers answer: `/s/{token}` (an invitation's single-use link) and
//! `/s/p/{token}` (a survey's public link; `?embed=1` when framed by a shop's site). No sign-in,
//! no script: the link is the credential, and the form needs no CSRF token (a forged post could
//! only answer the link's own survey). Server-rendered, one fieldset per question, in the
//! customer's language.
//!
//! A page of answers is checked before anything is kept; a bad one comes back with 422 and its
//! question named. Posts are rate-limited per link and per client address. A public-link visitor
//! is known by a random key in a cookie (and in the form, for browsers that refuse cookies in
//! frames), so they can leave and come back.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tenure_app::surveys::answering::{self, HONEYPOT_FIELD, Outcome, Page, Visit};
use tenure_app::surveys::links::new_token;
use tenure_surveys::{Answer, AnswerError, Question, QuestionKind};

use super::client_address;
use crate::AppState;
use crate::html::{PageError, render};
use crate::session::{self, set_cookie};

/// The cookie with a public-link visitor's key.
const VISITOR_COOKIE: &str = "tenure_visitor";
/// The form field with the visitor's key.
const VISITOR_FIELD: &str = "visitor";

/// `?lang=de&embed=1`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SurveyQuery {
    lang: Option<String>,
    embed: Option<String>,
}

impl SurveyQuery {
    fn embedded(&self) -> bool {
        self.embed.as_deref().is_some_and(|v| v == "1" || v == "true")
    }
}

struct ChoiceView {
    value: String,
    label: String,
    checked: bool,
}

struct QuestionView {
    id: String,
    legend: String,
    kind: &'static str,
    required: bool,
    error: Option<String>,
    choices: Vec<ChoiceView>,
    expectation: Vec<ChoiceView>,
    perception: Vec<ChoiceView>,
    sides: [String; 2],
    text: String,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    lang: String,
    title: String,
    action: String,
    page: u16,
    pages: u16,
    last: bool,
    stamp: String,
    visitor: String,
    honeypot: &'static str,
    problem: Option<String>,
    questions: Vec<QuestionView>,
    words: Words,
}

#[derive(Template)]
#[template(path = "survey_message.html")]
struct MessagePage {
    lang: String,
    heading: String,
    message: String,
}

/// The fixed words of the survey pages.
struct Words {
    required: &'static str,
    next: &'static str,
    send: &'static str,
    page_of: String,
    honeypot: &'static str,
}

fn words(lang: &str, page: u16, pages: u16) -> Words {
    if lang == "de" {
        Words {
            required: "Pflichtfrage",
            next: "Weiter",
            send: "Absenden",
            page_of: format!("Seite {page} von {pages}"),
            honeypot: "Dieses Feld bitte leer lassen",
        }
    } else {
        Words {
            required: "required",
            next: "Next",
            send: "Send",
            page_of: format!("Page {page} of {pages}"),
            honeypot: "Leave this field empty",
        }
    }
}

/// `GET /s/{token}`.
pub(crate) async fn invitation_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
) -> Result<Response, PageError> {
    let lang = query.lang.clone();
    let lookup = token.clone();
    let outcome = state
        .pool()
        .run(move |store| {
            answering::open(store, Visit::Invitation(&lookup), lang.as_deref(), chrono::Utc::now())
        })
        .await?;
    Ok(respond(outcome, format!("/s/{token}"), String::new(), None))
}

/// `POST /s/{token}`.
pub(crate) async fn invitation_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
    extensions: Extensions,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // Junk is turned away before it can take room in the rate limiter's table.
    if !tenure_app::surveys::links::is_token_shaped(&token) {
        return Ok(respond(Outcome::NotFound, String::new(), String::new(), None));
    }
    if !state.allow_survey_post(&client_address(&extensions), &token) {
        return Ok(too_many());
    }
    let (lang, lookup, public_url) = (query.lang.clone(), token.clone(), state.public_url().to_string());
    let outcome = state
        .pool()
        .run(move |store| {
            let visit = Visit::Invitation(&lookup);
            answering::answer(store, visit, lang.as_deref(), &fields, &public_url, chrono::Utc::now())
        })
        .await?;
    Ok(respond(outcome, format!("/s/{token}"), String::new(), None))
}

/// `GET /s/p/{token}`.
pub(crate) async fn public_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let known = session::cookie(&headers, VISITOR_COOKIE).filter(|key| is_visitor_key(key));
    let visitor = known.clone().unwrap_or_else(new_token);
    let (lang, embedded, key, lookup) =
        (query.lang.clone(), query.embedded(), visitor.clone(), token.clone());
    let (outcome, frame_ancestors) = state
        .pool()
        .run(move |store| {
            let visit = Visit::Public { survey: &lookup, visitor: &key, embedded };
            let outcome = answering::open(store, visit, lang.as_deref(), chrono::Utc::now())?;
            Ok((outcome, frame_ancestors_of(store, &lookup)))
        })
        .await?;
    let mut response = respond(outcome, public_action(&token, &query), visitor.clone(), frame_ancestors);
    if known.is_none() {
        remember_visitor(&state, &mut response, &visitor, query.embedded());
    }
    Ok(response)
}

/// `POST /s/p/{token}` (also where an embedded plain HTML form posts).
pub(crate) async fn public_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SurveyQuery>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let from_form = fields.iter().find(|(k, _)| k == VISITOR_FIELD).map(|(_, v)| v.clone());
    let known = session::cookie(&headers, VISITOR_COOKIE).or(from_form).filter(|key| is_visitor_key(key));
    let visitor = known.clone().unwrap_or_else(new_token);
    if !state.allow_survey_post(&client_address(&extensions), &visitor) {
        return Ok(too_many());
    }
    let (lang, embedded, key, lookup) =
        (query.lang.clone(), query.embedded(), visitor.clone(), token.clone());
    let public_url = state.public_url().to_string();
    let (outcome, frame_ancestors) = state
        .pool()
        .run(move |store| {
            let visit = Visit::Public { survey: &lookup, visitor: &key, embedded };
            let now = chrono::Utc::now();
            let outcome = answering::answer(store, visit, lang.as_deref(), &fields, &public_url, now)?;
            Ok((outcome, frame_ancestors_of(store, &lookup)))
        })
        .await?;
    let mut response = respond(outcome, public_action(&token, &query), visitor.clone(), frame_ancestors);
    if known.is_none() {
        remember_visitor(&state, &mut response, &visitor, query.embedded());
    }
    Ok(response)
}

fn public_action(token: &str, query: &SurveyQuery) -> String {
    let mut action = format!("/s/p/{token}");
    let mut params = Vec::new();
    if query.embedded() {
        params.push("embed=1".to_string());
    }
    if let Some(lang) = query
        .lang
        .as_deref()
        .filter(|l| l.len() <= 10 && l.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
    {
        params.push(format!("lang={lang}"));
    }
    if !params.is_empty() {
        action.push('?');
        action.push_str(&params.join("&"));
    }
    action
}

fn is_visitor_key(key: &str) -> bool {
    tenure_app::surveys::links::is_token_shaped(key)
}

/// The origins a survey may be framed by (`None` for an unknown survey).
fn frame_ancestors_of(store: &mut dyn tenure_store::Store, token: &str) -> Option<String> {
    store
        .survey_uncounted(tenure_store::SurveyKey::PublicToken(token))
        .ok()
        .map(|info| info.settings.frame_ancestors)
        .filter(|origins| !origins.trim().is_empty())
}

fn remember_visitor(state: &AppState, response: &mut Response, visitor: &str, embedded: bool) {
    // In a frame the cookie is a third party's: browsers send it only with SameSite=None; Secure.
    let (same_site, secure) =
        if embedded && state.secure_cookies() { ("None", true) } else { ("Lax", state.secure_cookies()) };
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(VISITOR_COOKIE, visitor, same_site, 30 * 86_400, secure));
}

fn too_many() -> Response {
    let page = MessagePage {
        lang: "en".into(),
        heading: "Too many attempts".into(),
        message:
            "This survey was sent too often from here in a short time. Please wait a minute and try again."
                .into(),
    };
    let mut response = render(&page);
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response
}

/// The response for an outcome; `frame_ancestors` lets listed sites frame it.
fn respond(outcome: Outcome, action: String, visitor: String, frame_ancestors: Option<String>) -> Response {
    let mut response = match outcome {
        Outcome::Page(page) => render(&form_page(&page, action, visitor, &[])),
        Outcome::Rejected(page, errors) => {
            let mut response = render(&form_page(&page, action, visitor, &errors));
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Outcome::Refused(reason) => message(StatusCode::UNPROCESSABLE_ENTITY, "en", "Not sent", reason),
        Outcome::Done { title, language } => {
            let thanks = if language == "de" {
                "Vielen Dank! Ihre Antworten sind angekommen."
            } else {
                "Thank you! Your answers have reached us."
            };
            message(StatusCode::OK, &language, &title, thanks)
        }
        Outcome::Answered => message(
            StatusCode::CONFLICT,
            "en",
            "Already answered",
            "This survey has been answered with this link already. Thank you!",
        ),
        Outcome::Expired => message(
            StatusCode::GONE,
            "en",
            "This survey has closed",
            "The link has expired or the survey no longer takes answers. Thank you for your interest.",
        ),
        Outcome::NotFound => message(
            StatusCode::NOT_FOUND,
            "en",
            "This link does not work",
            "The survey link is incomplete or not ours. Copy the whole link from the e-mail.",
        ),
    };
    if let Some(origins) = frame_ancestors {
        allow_framing(&mut response, &origins);
    }
    response
}

fn message(status: StatusCode, lang: &str, heading: &str, text: &str) -> Response {
    let mut response = render(&MessagePage {
        lang: lang.to_string(),
        heading: heading.to_string(),
        message: text.to_string(),
    });
    *response.status_mut() = status;
    response
}

/// Lets the survey's listed origins frame this response (the shared page headers keep a policy
/// a handler set, and send no `X-Frame-Options`, which cannot name origins).
fn allow_framing(response: &mut Response, origins: &str) {
    let policy = format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors {origins}; \
         base-uri 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

fn form_page(page: &Page, action: String, visitor: String, errors: &[AnswerError]) -> SurveyPage {
    let lang = page.language.clone();
    let definition = &page.definition;
    let default = definition.default_language.as_str();
    let questions =
        definition.questions_on(page.page).map(|q| question_view(q, page, &lang, default, errors)).collect();
    let problem = (!errors.is_empty()).then(|| {
        if lang == "de" {
            "Bitte prüfen Sie die markierten Antworten.".to_string()
        } else {
            "Please check the answers marked below.".to_string()
        }
    });
    SurveyPage {
        title: definition.title.get(&lang, default).to_string(),
        action,
        page: page.page,
        pages: page.pages,
        last: page.page == page.pages,
        stamp: page.stamp.clone(),
        visitor,
        honeypot: HONEYPOT_FIELD,
        problem,
        questions,
        words: words(&lang, page.page, page.pages),
        lang,
    }
}

fn question_view(
    q: &Question,
    page: &Page,
    lang: &str,
    default: &str,
    errors: &[AnswerError],
) -> QuestionView {
    let kept = page.answers.get(&q.id);
    let scale = |chosen: Option<u8>| -> Vec<ChoiceView> {
        q.scale_labels(lang)
            .into_iter()
            .map(|(value, label)| ChoiceView {
                value: value.to_string(),
                label,
                checked: chosen == Some(value),
            })
            .collect()
    };
    let mut view = QuestionView {
        id: q.id.clone(),
        legend: q.text.get(lang, default).to_string(),
        kind: "scale",
        required: q.required,
        error: errors.iter().find(|e| e.question == q.id).map(|e| e.reason.clone()),
        choices: Vec::new(),
        expectation: Vec::new(),
        perception: Vec::new(),
        sides: [String::new(), String::new()],
        text: String::new(),
    };
    match q.kind {
        QuestionKind::Pair => {
            view.kind = "pair";
            let (e, p) = match kept {
                Some(Answer::Pair { expectation, perception }) => (Some(*expectation), Some(*perception)),
                _ => (None, None),
            };
            view.expectation = scale(e);
            view.perception = scale(p);
            view.sides = q.pair_side_labels(lang).map(str::to_string);
        }
        QuestionKind::Single | QuestionKind::Multi => {
            view.kind = if q.kind == QuestionKind::Single { "single" } else { "multi" };
            view.choices = q
                .options
                .iter()
                .map(|option| ChoiceView {
                    value: option.id.clone(),
                    label: option.text.get(lang, default).to_string(),
                    checked: match kept {
                        Some(Answer::Single(id)) => *id == option.id,
                        Some(Answer::Multi(ids)) => ids.contains(&option.id),
                        _ => false,
                    },
                })
                .collect();
        }
        QuestionKind::Text => {
            view.kind = "text";
            if let Some(Answer::Text(text)) = kept {
                view.text = text.clone();
            }
        }
        _ => {
            let chosen = match kept {
                Some(Answer::Scale(v)) => Some(*v),
                _ => None,
            };
            view.choices = scale(chosen);
        }
    }
    view
}
