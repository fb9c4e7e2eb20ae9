//! Surveys (PRODUCT.md §4): made from a template or a definition file, sent after purchases or to
//! chosen customers through the outbox, answered on a page reached by a single-use link or a
//! public one, and analysed by `tenure-surveys`' one engine — the same numbers in the CLI, the API
//! and the dashboard.

pub mod alerts;
pub mod analysis;
pub mod answering;
pub mod behaviour;
pub mod demo;
pub mod digest;
pub mod dispatch;
pub mod links;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tenure_domain::Timestamp;
use tenure_store::{
    NewSurvey, PurchaseTrigger, Store, StoreError, SurveyChange, SurveyInfo, SurveyKey, SurveySettings,
    SurveyState,
};
use tenure_surveys::SurveyDefinition;

use crate::AppError;

/// A survey with its current questions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Survey {
    /// As stored.
    #[serde(flatten)]
    pub info: SurveyInfo,
    /// The current version's questions.
    pub definition: SurveyDefinition,
}

/// Reads a definition (JSON) and checks it.
pub fn parse_definition(json: &str) -> Result<SurveyDefinition, AppError> {
    let definition: SurveyDefinition =
        serde_json::from_str(json).map_err(|e| AppError::Invalid(format!("survey definition: {e}")))?;
    definition.validate().map_err(|e| AppError::Invalid(format!("survey definition: {e}")))?;
    Ok(definition)
}

fn to_json(definition: &SurveyDefinition) -> Result<String, AppError> {
    serde_json::to_string(definition).map_err(|e| AppError::Invalid(format!("survey definition: {e}")))
}

/// Checks a survey name: what the CLI and the pages call it.
fn checked_name(name: &str) -> Result<&str, AppError> {
    let ok = !name.is_empty()
        && name.len() <= 60
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(AppError::Invalid(format!(
            "survey name `{name}`: use 1 to 60 lowercase letters, digits, `-` or `_`"
        )))
    }
}

fn checked_settings(settings: &SurveySettings) -> Result<(), AppError> {
    let checks = [
        (settings.interval_days, "interval days", 0, 3650),
        (settings.link_days, "link days", 1, 3650),
        (settings.reminders, "reminders", 0, 5),
        (settings.reminder_gap_days, "reminder gap days", 1, 365),
        (settings.min_fill_seconds, "minimum fill seconds", 0, 600),
    ];
    for (value, what, low, high) in checks {
        if !(low..=high).contains(&value) {
            return Err(AppError::Invalid(format!("{what}: {value} is outside {low}–{high}")));
        }
    }
    for origin in settings.frame_ancestors.split_whitespace() {
        let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.contains([';', ',', '\'', '"'])
            && origin.len() <= 200;
        if !ok {
            return Err(AppError::Invalid(format!(
                "frame ancestors: `{origin}` is not an origin such as https://shop.example"
            )));
        }
    }
    Ok(())
}

/// Creates a survey; returns it.
pub fn create(
    store: &mut dyn Store,
    name: &str,
    definition: &SurveyDefinition,
    settings: SurveySettings,
    now: Timestamp,
) -> Result<Survey, AppError> {
    definition.validate().map_err(|e| AppError::Invalid(format!("survey definition: {e}")))?;
    checked_settings(&settings)?;
    let public_token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let json = to_json(definition)?;
    let new =
        NewSurvey { name: checked_name(name)?, definition: &json, public_token: &public_token, settings };
    let id = store.create_survey(&new, now)?;
    show(store, SurveyKey::Id(id))
}

/// A survey and its current questions.
pub fn show(store: &mut dyn Store, key: SurveyKey<'_>) -> Result<Survey, AppError> {
    let info = store.survey(key)?;
    let definition = definition_of(store, info.id, info.version)?;
    Ok(Survey { info, definition })
}

/// The questions of one version of a survey.
pub fn definition_of(
    store: &mut dyn Store,
    survey_id: i64,
    version: i64,
) -> Result<SurveyDefinition, AppError> {
    let json = store.survey_definition(survey_id, version)?;
    serde_json::from_str(&json)
        .map_err(|e| AppError::Invalid(format!("stored definition of survey {survey_id} v{version}: {e}")))
}

/// Every survey.
pub fn list(store: &mut dyn Store) -> Result<Vec<SurveyInfo>, AppError> {
    Ok(store.surveys()?)
}

/// Replaces a survey's questions: a new version; responses keep the version they answered.
/// Returns the new version's number (the same one when nothing changed).
pub fn edit(
    store: &mut dyn Store,
    name: &str,
    definition: &SurveyDefinition,
    now: Timestamp,
) -> Result<i64, AppError> {
    definition.validate().map_err(|e| AppError::Invalid(format!("survey definition: {e}")))?;
    let current = show(store, SurveyKey::Name(name))?;
    if &current.definition == definition {
        return Ok(current.info.version);
    }
    Ok(store.save_survey_version(current.info.id, &to_json(definition)?, now)?)
}

/// Changes how a survey is distributed.
pub fn configure(
    store: &mut dyn Store,
    name: &str,
    settings: SurveySettings,
    now: Timestamp,
) -> Result<SurveyInfo, AppError> {
    checked_settings(&settings)?;
    let info = store.survey(SurveyKey::Name(name))?;
    store.change_survey(info.id, &SurveyChange { settings: Some(settings), ..Default::default() }, now)?;
    Ok(store.survey(SurveyKey::Id(info.id))?)
}

/// Invites after purchases placed from now on (or stops, with `None`).
pub fn set_purchase_trigger(
    store: &mut dyn Store,
    name: &str,
    trigger: Option<PurchaseTrigger>,
    now: Timestamp,
) -> Result<SurveyInfo, AppError> {
    if let Some(trigger) = &trigger
        && !(0..=365).contains(&trigger.delay_days)
    {
        return Err(AppError::Invalid(format!("delay: {} days is outside 0–365", trigger.delay_days)));
    }
    let info = store.survey(SurveyKey::Name(name))?;
    store.change_survey(
        info.id,
        &SurveyChange { purchase_trigger: Some(trigger), ..Default::default() },
        now,
    )?;
    Ok(store.survey(SurveyKey::Id(info.id))?)
}

/// Sends survey `name` after conversations on `trigger`'s channels — each logged one, or each
/// inbound query closed — or, with `None`, no longer.
pub fn set_interaction_trigger(
    store: &mut dyn Store,
    name: &str,
    trigger: Option<tenure_store::InteractionTrigger>,
    now: Timestamp,
) -> Result<SurveyInfo, AppError> {
    if let Some(trigger) = &trigger {
        if trigger.channels.is_empty() {
            return Err(AppError::Invalid("name at least one channel".into()));
        }
        if !matches!(trigger.on.as_str(), "logged" | "closed") {
            return Err(AppError::Invalid(format!("`{}`: write logged or closed", trigger.on)));
        }
    }
    let info = store.survey(SurveyKey::Name(name))?;
    store.change_survey(
        info.id,
        &SurveyChange { interaction_trigger: Some(trigger), ..Default::default() },
        now,
    )?;
    Ok(store.survey(SurveyKey::Id(info.id))?)
}

/// Opens or closes a survey.
pub fn set_state(
    store: &mut dyn Store,
    name: &str,
    state: SurveyState,
    now: Timestamp,
) -> Result<(), AppError> {
    let info = store.survey(SurveyKey::Name(name))?;
    Ok(store.change_survey(info.id, &SurveyChange { state: Some(state), ..Default::default() }, now)?)
}

/// Whether an error means "no such survey".
pub fn is_not_found(error: &AppError) -> bool {
    matches!(error, AppError::Store(StoreError::NotFound(_)))
}

/// One answered survey on a customer's page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnsweredSurvey {
    /// The survey's name.
    pub survey: String,
    /// When it was submitted.
    pub submitted_at: Timestamp,
    /// Each answered question and its answer, in words, in the survey's order.
    pub answers: Vec<(String, String)>,
}

/// A customer's submitted survey responses, newest first, in words.
pub fn customer_answers(
    store: &mut dyn Store,
    customer: tenure_domain::CustomerId,
) -> Result<Vec<AnsweredSurvey>, AppError> {
    let responses = store.customer_responses(customer)?;
    let mut answered = Vec::with_capacity(responses.len());
    for entry in responses {
        let response = &entry.response;
        let definition = definition_of(store, response.survey_id, response.version)?;
        let value: serde_json::Value = serde_json::from_str(&response.answers)
            .map_err(|e| AppError::Invalid(format!("stored answers of response {}: {e}", response.id)))?;
        let answers = tenure_surveys::Answers::from_json(&definition, &value)
            .map_err(|e| AppError::Invalid(format!("stored answers of response {}: {e}", response.id)))?;
        let lang = definition.default_language.clone();
        let lines = definition
            .questions
            .iter()
            .filter_map(|q| {
                answers.get(&q.id).map(|a| (q.text.get(&lang, &lang).to_string(), in_words(q, a, &lang)))
            })
            .collect();
        answered.push(AnsweredSurvey {
            survey: entry.survey_name,
            submitted_at: response.submitted_at.unwrap_or(response.started_at),
            answers: lines,
        });
    }
    Ok(answered)
}

/// An answer as a person reads it: the point with its label, the options' texts, the text.
fn in_words(question: &tenure_surveys::Question, answer: &tenure_surveys::Answer, lang: &str) -> String {
    use tenure_surveys::Answer;
    let label = |point: u8| {
        question
            .scale_labels(lang)
            .into_iter()
            .find(|(value, _)| *value == point)
            .map(|(_, label)| label)
            .filter(|label| *label != point.to_string())
            .map_or_else(|| point.to_string(), |label| format!("{point} — {label}"))
    };
    let option = |id: &str| {
        question
            .options
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.text.get(lang, lang).to_string())
    };
    match answer {
        Answer::Scale(point) => label(*point),
        Answer::Pair { expectation, perception } => {
            let [expected, experienced] = question.pair_side_labels(lang);
            format!("{expected}: {}; {experienced}: {}", label(*expectation), label(*perception))
        }
        Answer::Single(id) => option(id),
        Answer::Multi(ids) => ids.iter().map(|id| option(id)).collect::<Vec<_>>().join(", "),
        Answer::Text(text) => text.clone(),
    }
}
