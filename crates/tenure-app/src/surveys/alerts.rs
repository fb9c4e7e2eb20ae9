//! Closing the loop: alert rules on a survey — a score at most a threshold, an NPS detractor, a
//! negative comment (by the VADER rules of `tenure-surveys`) — and what a submitted response that
//! trips one sets off: an e-mail to the team, a `survey.alert` event for webhook subscribers (a
//! Slack-format subscription posts its one-line summary), a follow-up case with an owner and a
//! due date. All of it is written in the transaction that submits the response
//! ([`tenure_store::SubmitEffects`]), so a response alerts once, or not at all if it is not kept.

use serde_json::json;
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{
    AlertKind, AlertRule, Case, CaseOutcome, Event, MessageKind, NewAlertRule, NewCase, NewInvitation,
    NewMessage, NewTestimonial, Purpose, Store, SubmitEffects, SurveyKey, Testimonial,
};
use tenure_surveys::{Answer, Answers, QuestionKind, SentimentLabel, SurveyDefinition, sentiment};

use crate::AppError;
use crate::outbox::email::{Action, Content, render};

/// The event type alerts are sent as.
pub const ALERT_EVENT: &str = "survey.alert";

/// Adds a rule to survey `name` after checking it against the survey's questions.
pub fn add_rule(
    store: &mut dyn Store,
    name: &str,
    rule: &NewAlertRule,
    now: Timestamp,
) -> Result<AlertRule, AppError> {
    let survey = super::show(store, SurveyKey::Name(name))?;
    check_rule(&survey.definition, rule)?;
    let id = store.add_alert_rule(survey.info.id, rule, now)?;
    store
        .alert_rules(survey.info.id)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Invalid(format!("alert rule {id} vanished")))
}

/// The live rules of survey `name`.
pub fn rules(store: &mut dyn Store, name: &str) -> Result<Vec<AlertRule>, AppError> {
    let info = store.survey(SurveyKey::Name(name))?;
    Ok(store.alert_rules(info.id)?)
}

/// Ends a rule.
pub fn remove_rule(store: &mut dyn Store, id: i64, now: Timestamp) -> Result<(), AppError> {
    Ok(store.remove_alert_rule(id, now)?)
}

/// Cases, open ones first.
pub fn cases(store: &mut dyn Store, open_only: bool) -> Result<Vec<Case>, AppError> {
    Ok(store.cases(open_only, 500)?)
}

/// Closes a case: recovered or not, with what was done.
pub fn close_case(
    store: &mut dyn Store,
    id: i64,
    outcome: CaseOutcome,
    note: &str,
    now: Timestamp,
) -> Result<Case, AppError> {
    if note.len() > 5_000 {
        return Err(AppError::Invalid("the note is over 5,000 characters".into()));
    }
    Ok(store.close_case(id, outcome, note, now)?)
}

fn check_rule(definition: &SurveyDefinition, rule: &NewAlertRule) -> Result<(), AppError> {
    let wanted: &[QuestionKind] = match rule.kind {
        AlertKind::ScoreAtMost => {
            &[QuestionKind::Csat, QuestionKind::Nps, QuestionKind::Ces, QuestionKind::Likert]
        }
        AlertKind::Detractor => &[QuestionKind::Nps],
        AlertKind::NegativeComment => &[QuestionKind::Text],
        AlertKind::Promoter => &[QuestionKind::Nps, QuestionKind::Csat],
    };
    match &rule.question {
        Some(id) => {
            let question = definition
                .question(id)
                .ok_or_else(|| AppError::Invalid(format!("the survey has no question `{id}`")))?;
            if !wanted.contains(&question.kind) {
                return Err(AppError::Invalid(format!(
                    "question `{id}` is not a question a {} rule can watch",
                    rule.kind.as_str()
                )));
            }
        }
        None if !definition.questions.iter().any(|q| wanted.contains(&q.kind)) => {
            return Err(AppError::Invalid(format!(
                "the survey has no question a {} rule can watch",
                rule.kind.as_str()
            )));
        }
        None => {}
    }
    if rule.kind == AlertKind::ScoreAtMost && rule.threshold.is_none() {
        return Err(AppError::Invalid("a score_at_most rule needs a threshold".into()));
    }
    if let Some(address) = &rule.notify_email
        && address.parse::<lettre::Address>().is_err()
    {
        return Err(AppError::Invalid(format!("`{address}` is not an e-mail address")));
    }
    if !(0..=365).contains(&rule.case_due_days) {
        return Err(AppError::Invalid("case due days: 0–365".into()));
    }
    if rule.notify_email.is_none() && !rule.notify_webhook && !rule.open_case && rule.invite_survey.is_none()
    {
        return Err(AppError::Invalid(
            "the rule does nothing: give an e-mail, the webhook, a case or a survey to invite to".into(),
        ));
    }
    Ok(())
}

/// Who answered, for the alert's words and links.
#[derive(Debug, Clone)]
pub struct Respondent<'a> {
    /// The survey's name.
    pub survey: &'a str,
    /// A key unique to the response (its invitation or visitor), so an alert is written once.
    pub response_key: &'a str,
    /// The customer, when known.
    pub customer: Option<CustomerId>,
    /// The server's address as staff reach it (the link to the customer's page).
    pub public_url: &'a str,
}

/// What tripped a rule, in words.
struct Trip {
    rule: AlertRule,
    reason: String,
}

/// What the rules make of a complete response: e-mails, events and cases to write with it.
pub fn effects(
    rules: &[AlertRule],
    definition: &SurveyDefinition,
    answers: &Answers,
    respondent: &Respondent<'_>,
    now: Timestamp,
) -> Result<SubmitEffects, AppError> {
    let trips: Vec<Trip> = rules.iter().filter_map(|rule| trip(rule, definition, answers)).collect();
    let mut effects = SubmitEffects::default();
    for trip in &trips {
        let key = format!("survey-alert:{}:{}:{}", respondent.survey, respondent.response_key, trip.rule.id);
        let who =
            respondent.customer.map_or_else(|| "a visitor".to_string(), |c| format!("customer {}", c.0));
        let summary = format!("Survey {}: {} — {}", respondent.survey, who, trip.reason);
        if let Some(team) = &trip.rule.notify_email {
            effects.messages.push(alert_mail(team, &summary, &trip.reason, respondent, &key, now)?);
        }
        if trip.rule.notify_webhook {
            effects.events.push(Event {
                event_type: ALERT_EVENT,
                customer_id: respondent.customer,
                data: json!({
                    "survey": respondent.survey,
                    "rule": trip.rule.id,
                    "kind": trip.rule.kind.as_str(),
                    "reason": trip.reason,
                    "customer_id": respondent.customer.map(|c| c.0),
                    "answers": answers.to_json(),
                }),
                summary: summary.clone(),
                key: Some(key.clone()),
                only_subscription: None,
            });
        }
        if let (Some(invite_survey), Some(customer)) = (trip.rule.invite_survey, respondent.customer) {
            effects.invitations.push((
                invite_survey,
                NewInvitation {
                    customer_id: customer,
                    cause: format!("promoter:{}:{}", respondent.survey, respondent.response_key),
                    order_id: None,
                    due_at: now,
                },
            ));
        }
        if trip.rule.open_case {
            effects.cases.push(NewCase {
                rule_id: trip.rule.id,
                reason: trip.reason.clone(),
                owner: trip.rule.case_owner.clone(),
                due_at: now + chrono::Duration::days(trip.rule.case_due_days),
                followup_uid: Some(crate::calendar::followups::new_uid()),
            });
        }
    }
    effects.testimonials = testimonials(definition, answers);
    Ok(effects)
}

/// The answers to questions marked `testimonial`, with what a `publish` choice allowed.
fn testimonials(definition: &SurveyDefinition, answers: &Answers) -> Vec<NewTestimonial> {
    let publish = match answers.get("publish") {
        Some(Answer::Single(choice)) => Some(choice.clone()),
        _ => None,
    };
    definition
        .questions
        .iter()
        .filter(|q| q.testimonial)
        .filter_map(|q| match answers.get(&q.id) {
            Some(Answer::Text(text)) => {
                Some(NewTestimonial { question: q.id.clone(), text: text.clone(), publish: publish.clone() })
            }
            _ => None,
        })
        .collect()
}

/// Testimonials, newest first (pending ones only, or all).
pub fn testimonials_list(store: &mut dyn Store, pending_only: bool) -> Result<Vec<Testimonial>, AppError> {
    Ok(store.testimonials(pending_only, 500)?)
}

/// Approves (or rejects) a pending testimonial; `by` names who decided. Approved ones count
/// towards the customer's influence.
pub fn decide_testimonial(
    store: &mut dyn Store,
    id: i64,
    approve: bool,
    by: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    Ok(store.decide_testimonial(id, approve, by, now)?)
}

/// Whether `rule` is tripped by `answers`, and why.
fn trip(rule: &AlertRule, definition: &SurveyDefinition, answers: &Answers) -> Option<Trip> {
    let lang = &definition.default_language;
    let watched =
        definition.questions.iter().filter(|q| rule.question.as_deref().is_none_or(|id| id == q.id));
    for question in watched {
        let reason = match (rule.kind, answers.get(&question.id)) {
            (AlertKind::ScoreAtMost, Some(Answer::Scale(point)))
                if question.kind.is_single_scale() && i64::from(*point) <= rule.threshold.unwrap_or(-1) =>
            {
                let high = question.bounds().map_or(0, |(_, high)| high);
                Some(format!("“{}” answered {point} of {high}", question.text.get(lang, lang)))
            }
            (AlertKind::Detractor, Some(Answer::Scale(point)))
                if question.kind == QuestionKind::Nps && *point <= 6 =>
            {
                Some(format!("a detractor (NPS answer {point})"))
            }
            (AlertKind::Promoter, Some(Answer::Scale(point)))
                if (question.kind == QuestionKind::Nps && *point >= 9)
                    || (question.kind == QuestionKind::Csat && *point == 5) =>
            {
                Some(format!("a promoter (“{}” answered {point})", question.text.get(lang, lang)))
            }
            (AlertKind::NegativeComment, Some(Answer::Text(text))) if question.kind == QuestionKind::Text => {
                let mood = sentiment(text);
                (mood.label == SentimentLabel::Negative)
                    .then(|| format!("a negative comment: “{}”", shorten(text)))
            }
            _ => None,
        };
        if let Some(reason) = reason {
            return Some(Trip { rule: rule.clone(), reason });
        }
    }
    None
}

fn shorten(text: &str) -> String {
    let short: String = text.chars().take(200).collect();
    if short.len() < text.len() { format!("{short}…") } else { short }
}

fn alert_mail(
    team: &str,
    summary: &str,
    reason: &str,
    respondent: &Respondent<'_>,
    key: &str,
    now: Timestamp,
) -> Result<NewMessage, AppError> {
    let action = respondent.customer.map(|c| Action {
        label: "Open the customer".to_string(),
        url: format!("{}/customers/{}", respondent.public_url.trim_end_matches('/'), c.0),
    });
    let content = Content {
        subject: summary.to_string(),
        greeting_name: None,
        paragraphs: vec![
            format!("A response to the survey {} needs a look: {reason}.", respondent.survey),
            "The case list (tenure survey cases, or the Cases page) has a follow-up for it when the rule opens one."
                .to_string(),
        ],
        action,
        signature: "Tenure".to_string(),
    };
    let payload = render(&content, None, None).map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    Ok(NewMessage {
        kind: MessageKind::Email,
        purpose: Purpose::Transactional,
        topic: ALERT_EVENT.to_string(),
        customer_id: respondent.customer,
        recipient: team.to_string(),
        subscription_id: None,
        payload: serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?,
        not_before: now,
        dedupe_key: Some(key.to_string()),
    })
}
