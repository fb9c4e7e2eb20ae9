//! The weekly survey digest: every Monday at 08:00 in the shop's time zone, an e-mail to the team
//! with each live survey's last seven days against the seven before — responses, the headline
//! score (NPS, else CSAT %), the worst comment — and the follow-up cases open and overdue.
//! A recurring job (`survey.digest`); its run for a week is written once (the message's dedupe key
//! names the week), however often the job is retried.

use chrono::{Datelike, Duration, TimeZone};
use serde::{Deserialize, Serialize};
use tenure_domain::Timestamp;
use tenure_store::{MessageKind, NewJob, NewMessage, Purpose, Recurrence, Store, SurveyState};
use tenure_surveys::analysis::QuestionDetail;
use tenure_surveys::{QuestionKind, SentimentLabel, sentiment};

use super::analysis::{ResponseFilter, analyze_filtered};
use crate::AppError;
use crate::outbox::email::{Action, Content, render};
use crate::reports::{ReportScope, ShopTimeZone};

/// The digest job's kind (and key: one digest schedule per database).
pub const SURVEY_DIGEST: &str = "survey.digest";

/// What the digest job carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPayload {
    /// Who receives it.
    pub to: Vec<String>,
}

/// Sends the digest to `to` every Monday at 08:00 in `time_zone` (replacing the recipients of an
/// earlier schedule); returns the job's id. An empty list stops it.
pub fn schedule(
    store: &mut dyn Store,
    to: &[String],
    time_zone: ShopTimeZone,
    now: Timestamp,
) -> Result<i64, AppError> {
    for address in to {
        address
            .parse::<lettre::Address>()
            .map_err(|e| AppError::Invalid(format!("`{address}` is not an e-mail address: {e}")))?;
    }
    let payload = serde_json::to_string(&DigestPayload { to: to.to_vec() })
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let job = NewJob {
        kind: SURVEY_DIGEST.into(),
        key: SURVEY_DIGEST.into(),
        payload,
        run_at: next_monday_morning(time_zone, now),
        recurrence: Recurrence::Every(7 * 86_400),
    };
    Ok(store.schedule_job(&job, now)?)
}

/// The next Monday 08:00 in `time_zone` after `now` (weekly from there on: across a change of
/// daylight saving time the digest comes an hour early or late until the next schedule).
fn next_monday_morning(time_zone: ShopTimeZone, now: Timestamp) -> Timestamp {
    let zone = time_zone.zone();
    let local = now.with_timezone(&zone).date_naive();
    let mut day = local + Duration::days(i64::from((7 - local.weekday().num_days_from_monday()) % 7));
    loop {
        let morning = day.and_hms_opt(8, 0, 0).and_then(|t| zone.from_local_datetime(&t).earliest());
        if let Some(morning) = morning.map(|m| m.to_utc()).filter(|m| *m > now) {
            return morning;
        }
        day += Duration::days(7);
    }
}

/// One survey's week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyWeek {
    /// The survey.
    pub survey: String,
    /// Responses in the last seven days.
    pub responses: usize,
    /// Responses in the seven days before.
    pub previous: usize,
    /// The headline score's name and value this week and the week before (NPS, else CSAT %).
    pub headline: Option<(String, Option<f64>, Option<f64>)>,
    /// The most negative comment of the week.
    pub worst_comment: Option<String>,
}

/// The digest's content as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// Live surveys.
    pub surveys: Vec<SurveyWeek>,
    /// Cases open.
    pub open_cases: usize,
    /// Of which past their due date.
    pub overdue_cases: usize,
}

/// The last seven days before `now` against the seven before, per live survey.
pub fn digest(store: &mut dyn Store, now: Timestamp) -> Result<Digest, AppError> {
    let mut surveys = Vec::new();
    for info in store.surveys()?.into_iter().filter(|s| s.state == SurveyState::Live) {
        surveys.push(survey_week(store, &info.name, now)?);
    }
    let open = store.cases(true, 10_000)?;
    let overdue = open.iter().filter(|c| c.due_at < now).count();
    Ok(Digest { surveys, open_cases: open.len(), overdue_cases: overdue })
}

fn survey_week(store: &mut dyn Store, name: &str, now: Timestamp) -> Result<SurveyWeek, AppError> {
    let week = |weeks_back: i64| ResponseFilter {
        since: Some(now - Duration::days(7 * (weeks_back + 1))),
        until: Some(now - Duration::days(7 * weeks_back)),
        ..ResponseFilter::default()
    };
    let scope = ReportScope::default();
    let (survey, this) = analyze_filtered(store, name, &week(0), &scope, 30)?;
    let (_, before) = analyze_filtered(store, name, &week(1), &scope, 30)?;
    let definition = &survey.definition;
    let headline_question = definition
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Nps)
        .or_else(|| definition.questions.iter().find(|q| q.kind == QuestionKind::Csat));
    let headline = headline_question.map(|q| {
        let value = |a: &tenure_surveys::Analysis| match a.questions.get(&q.id).map(|s| &s.detail) {
            Some(QuestionDetail::Nps { nps, .. }) => *nps,
            Some(QuestionDetail::Csat { csat_percent, .. }) => *csat_percent,
            _ => None,
        };
        let label = if q.kind == QuestionKind::Nps { "NPS" } else { "CSAT %" };
        (label.to_string(), value(&this), value(&before))
    });
    let set = super::analysis::filtered_responses(store, &survey, &week(0), &scope)?;
    let worst_comment = super::analysis::comments(&set)
        .into_iter()
        .map(|text| (sentiment(&text), text))
        .filter(|(mood, _)| mood.label == SentimentLabel::Negative)
        .min_by(|a, b| a.0.compound.total_cmp(&b.0.compound))
        .map(|(_, text)| text);
    Ok(SurveyWeek {
        survey: survey.info.name,
        responses: this.responses,
        previous: before.responses,
        headline,
        worst_comment,
    })
}

/// Enqueues the digest for the week ending at `now` to `to` (once per week and address).
pub fn send(
    store: &mut dyn Store,
    to: &[String],
    public_url: &str,
    now: Timestamp,
) -> Result<usize, AppError> {
    let digest = digest(store, now)?;
    let content = content(&digest, public_url, now);
    let payload = render(&content, None, None).map_err(|e| AppError::Invalid(format!("rendering: {e}")))?;
    let json = serde_json::to_string(&payload).map_err(|e| AppError::Invalid(e.to_string()))?;
    let week = now.format("%G-W%V");
    let messages: Vec<NewMessage> = to
        .iter()
        .map(|address| NewMessage {
            kind: MessageKind::Email,
            purpose: Purpose::Transactional,
            topic: SURVEY_DIGEST.to_string(),
            customer_id: None,
            recipient: address.clone(),
            subscription_id: None,
            payload: json.clone(),
            not_before: now,
            dedupe_key: Some(format!("{SURVEY_DIGEST}:{week}:{address}")),
        })
        .collect();
    Ok(store.enqueue(&messages, now)?.len())
}

fn content(digest: &Digest, public_url: &str, now: Timestamp) -> Content {
    let mut paragraphs = Vec::new();
    for week in &digest.surveys {
        let mut line =
            format!("{}: {} responses (the week before: {})", week.survey, week.responses, week.previous);
        if let Some((label, this, before)) = &week.headline {
            let show = |v: &Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"));
            line.push_str(&format!("; {label} {} (before: {})", show(this), show(before)));
        }
        line.push('.');
        if let Some(comment) = &week.worst_comment {
            line.push_str(&format!(" The week's most negative comment: “{comment}”"));
        }
        paragraphs.push(line);
    }
    if digest.surveys.is_empty() {
        paragraphs.push("No survey is live.".to_string());
    }
    paragraphs.push(format!(
        "Follow-up cases: {} open, {} past their due date.",
        digest.open_cases, digest.overdue_cases
    ));
    Content {
        subject: format!("Survey digest, week to {}", now.format("%Y-%m-%d")),
        greeting_name: None,
        paragraphs,
        action: Some(Action {
            label: "Open the surveys".to_string(),
            url: format!("{}/surveys", public_url.trim_end_matches('/')),
        }),
        signature: "Tenure".to_string(),
    }
}

/// Whether the digest is scheduled, and to whom.
pub fn recipients(store: &mut dyn Store) -> Result<Vec<String>, AppError> {
    let jobs = store.jobs()?;
    let Some(job) = jobs.iter().find(|j| j.key == SURVEY_DIGEST && j.state == "scheduled") else {
        return Ok(Vec::new());
    };
    let payload: DigestPayload =
        serde_json::from_str(&job.payload).map_err(|e| AppError::Invalid(format!("the digest job: {e}")))?;
    Ok(payload.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_goes_out_on_the_next_monday_morning_in_the_shops_zone() {
        let zone = ShopTimeZone::parse("Europe/Berlin").unwrap();
        // Wednesday 2026-03-04 10:00 UTC → Monday 2026-03-09 08:00 CET = 07:00 UTC.
        let now = chrono::Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
        assert_eq!(
            next_monday_morning(zone, now),
            chrono::Utc.with_ymd_and_hms(2026, 3, 9, 7, 0, 0).unwrap()
        );
        // Monday 2026-03-09 at 07:30 UTC (08:30 local) is past this Monday's morning: the next one.
        let later = chrono::Utc.with_ymd_and_hms(2026, 3, 9, 7, 30, 0).unwrap();
        assert_eq!(
            next_monday_morning(zone, later),
            chrono::Utc.with_ymd_and_hms(2026, 3, 16, 7, 0, 0).unwrap()
        );
    }
}
