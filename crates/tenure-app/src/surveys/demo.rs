//! Survey answers for `tenure demo`: the bundled CDNOW shop has purchases but no surveys, so the
//! demo adds two (a post-purchase CSAT and a relationship NPS) with simulated answers from a
//! sample of its customers, each given a week after the customer's first purchase — and, to show
//! the loop closed, a testimonial survey, alert rules, and a few recent answers that open cases
//! and leave testimonials to approve.
//!
//! Simulated, and said so wherever the demo shows them: a customer who bought again within 90 days
//! of answering is more likely to have answered well, as surveys of real shops find, so the
//! reports that tie answers to later purchases have something to show. Seeded: every demo run
//! writes the same answers.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{ResponseChannel, ResponseOwner, ResponseWrite, Store, SurveyKey, SurveySettings};
use tenure_surveys::Template;

use super::links::token_hash;
use crate::AppError;

/// One customer in this many answers.
const SAMPLE_EVERY: i64 = 12;

/// What the demo added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSurveys {
    /// Surveys made.
    pub surveys: usize,
    /// Answers stored.
    pub responses: usize,
}

/// A sampled customer: when they answered, and whether they bought again within 90 days after.
#[derive(Debug, Clone, Copy)]
struct Respondent {
    customer: CustomerId,
    answered_at: Timestamp,
    came_back: bool,
}

/// Adds the demo's surveys and answers, once (a store that has them is left as it is).
pub fn add_demo_surveys(
    store: &mut dyn Store,
    currency: &str,
    now: Timestamp,
) -> Result<DemoSurveys, AppError> {
    if store.survey(SurveyKey::Name("after-purchase")).is_ok() {
        return Ok(DemoSurveys::default());
    }
    let respondents = sample(store, currency)?;
    let mut rng = StdRng::seed_from_u64(1997);
    let settings = SurveySettings { min_fill_seconds: 0, ..SurveySettings::default() };
    let csat = super::create(
        store,
        "after-purchase",
        &Template::PostPurchaseCsat.definition(),
        settings.clone(),
        now,
    )?;
    let nps =
        super::create(store, "relationship-nps", &Template::RelationshipNps.definition(), settings, now)?;
    let mut answers_json: Vec<(i64, i64, String, Respondent, String)> = Vec::new();
    for (n, r) in respondents.iter().enumerate() {
        // Satisfaction on a 0–1 scale: higher, on the whole, for those who came back.
        let mood: f64 =
            if r.came_back { 0.55 + 0.45 * rng.random::<f64>() } else { 0.3 + 0.6 * rng.random::<f64>() };
        let answers = csat_answers(&mut rng, mood).to_string();
        answers_json.push((
            csat.info.id,
            csat.info.version,
            token_hash(&format!("demo-csat-{n}")),
            *r,
            answers,
        ));
        if n % 2 == 0 {
            let answers = nps_answers(&mut rng, mood).to_string();
            let later = Respondent { answered_at: r.answered_at + chrono::Duration::days(30), ..*r };
            answers_json.push((
                nps.info.id,
                nps.info.version,
                token_hash(&format!("demo-nps-{n}")),
                later,
                answers,
            ));
        }
    }
    let writes: Vec<(ResponseWrite<'_>, Timestamp)> = answers_json
        .iter()
        .map(|(survey_id, version, key, r, answers)| {
            let write = ResponseWrite {
                survey_id: *survey_id,
                version: *version,
                owner: ResponseOwner::Visitor(key.clone()),
                customer_id: Some(r.customer),
                channel: ResponseChannel::Email,
                language: "en",
                answers,
                next_page: 2,
                submit: true,
                on_submit: None,
            };
            (write, r.answered_at)
        })
        .collect();
    store.save_survey_responses(&writes)?;
    let recent = close_the_loop(store, &respondents, now)?;
    Ok(DemoSurveys { surveys: 3, responses: writes.len() + recent })
}

/// The loop closed on a few recent answers: a testimonial survey promoters are invited to, alert
/// rules that open cases for detractors and bitter comments, and recent answers that trip them
/// (through the same path as answers sent to the API). Returns how many answers it added.
fn close_the_loop(
    store: &mut dyn Store,
    respondents: &[Respondent],
    now: Timestamp,
) -> Result<usize, AppError> {
    use super::alerts;
    use super::answering::{ResponseInput, record};
    use tenure_store::{AlertKind, NewAlertRule};

    let settings = SurveySettings { min_fill_seconds: 0, ..SurveySettings::default() };
    let testimonial =
        super::create(store, "testimonial", &Template::Testimonial.definition(), settings, now)?;
    let rule = |kind, invite: Option<i64>| NewAlertRule {
        kind,
        question: None,
        threshold: None,
        notify_email: None,
        notify_webhook: false,
        open_case: invite.is_none(),
        case_owner: invite.is_none().then(|| "admin@demo.example".to_string()),
        case_due_days: 2,
        invite_survey: invite,
    };
    alerts::add_rule(store, "relationship-nps", &rule(AlertKind::Detractor, None), now)?;
    alerts::add_rule(store, "relationship-nps", &rule(AlertKind::Promoter, Some(testimonial.info.id)), now)?;
    alerts::add_rule(store, "after-purchase", &rule(AlertKind::NegativeComment, None), now)?;
    let recent: [(&str, Value); 7] = [
        (
            "relationship-nps",
            json!({"nps": 2, "reason": "Two orders arrived broken and nobody answered my e-mails."}),
        ),
        ("relationship-nps", json!({"nps": 5, "reason": "Prices went up and delivery got slower."})),
        ("relationship-nps", json!({"nps": 10, "reason": "The best selection of jazz anywhere."})),
        (
            "after-purchase",
            json!({"overall": 2, "delivery": 1, "improve": "The parcel was lost and I had to order again."}),
        ),
        (
            "testimonial",
            json!({"testimonial": "I found records here I had looked for for years, and they arrived in two days.", "publish": "first_name"}),
        ),
        (
            "testimonial",
            json!({"testimonial": "Friendly people who know their music.", "publish": "anonymous"}),
        ),
        ("testimonial", json!({"testimonial": "Great shop, but please keep this private.", "publish": "no"})),
    ];
    let count = recent.len();
    for (n, ((survey, answers), respondent)) in recent.into_iter().zip(respondents.iter().rev()).enumerate() {
        let input = ResponseInput {
            key: format!("demo-recent-{n}"),
            customer_id: Some(respondent.customer.0),
            answers,
        };
        record(store, survey, &input, "http://127.0.0.1:8080", now)?;
    }
    Ok(count)
}

/// Every `SAMPLE_EVERY`-th customer, answering a week after their first purchase.
fn sample(store: &mut dyn Store, currency: &str) -> Result<Vec<Respondent>, AppError> {
    let mut respondents: Vec<Respondent> = Vec::new();
    let mut current: Option<CustomerId> = None;
    store.for_each_purchase(currency, &mut |row| {
        if current != Some(row.customer) {
            current = Some(row.customer);
            if row.customer.0 % SAMPLE_EVERY == 0 {
                respondents.push(Respondent {
                    customer: row.customer,
                    answered_at: row.placed_at + chrono::Duration::days(7),
                    came_back: false,
                });
            }
            return Ok(());
        }
        if let Some(last) = respondents.last_mut().filter(|r| r.customer == row.customer) {
            let since = row.placed_at - last.answered_at;
            if since > chrono::Duration::zero() && since <= chrono::Duration::days(90) {
                last.came_back = true;
            }
        }
        Ok(())
    })?;
    Ok(respondents)
}

/// A point on a `low..=high` scale for `mood` (0–1), with some noise.
fn point(rng: &mut StdRng, mood: f64, low: u8, high: u8) -> u8 {
    let noisy = (mood + (rng.random::<f64>() - 0.5) * 0.35).clamp(0.0, 1.0);
    let span = f64::from(high - low);
    low + (noisy * span).round() as u8
}

const PRAISE: [&str; 6] = [
    "Arrived two days early and well packed.",
    "Great selection, I found the rare pressing I was after.",
    "Fast delivery, exactly as described. Thank you!",
    "Friendly service when I asked about my order.",
    "Good prices and the CD was in perfect condition.",
    "Easy to order, will buy again.",
];

const COMPLAINTS: [&str; 6] = [
    "The jewel case was cracked when it arrived.",
    "Took almost three weeks to arrive, no tracking.",
    "I was charged twice and had to call to get it fixed.",
    "The wrong album was sent and the return was a hassle.",
    "Shipping costs were higher than the CD itself.",
    "Nobody answered my e-mail about the delay.",
];

fn csat_answers(rng: &mut StdRng, mood: f64) -> Value {
    let mut answers = json!({
        "overall": point(rng, mood, 1, 5),
        "delivery": point(rng, mood * 0.9 + 0.05, 1, 5),
        "product": point(rng, (mood + 0.15).min(1.0), 1, 5),
        "value": point(rng, mood * 0.85, 1, 5),
    });
    // About one customer in four writes something.
    if rng.random::<f64>() < 0.25 {
        let pool = if mood > 0.55 { &PRAISE } else { &COMPLAINTS };
        answers["improve"] = json!(pool[rng.random_range(0..pool.len())]);
    }
    answers
}

fn nps_answers(rng: &mut StdRng, mood: f64) -> Value {
    let mut answers = json!({ "nps": point(rng, mood, 0, 10) });
    if rng.random::<f64>() < 0.3 {
        let pool = if mood > 0.6 { &PRAISE } else { &COMPLAINTS };
        answers["reason"] = json!(pool[rng.random_range(0..pool.len())]);
    }
    answers
}
