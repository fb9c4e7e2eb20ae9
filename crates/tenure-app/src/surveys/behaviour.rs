//! Satisfaction against behaviour (PRODUCT.md §4): a survey's NPS and CSAT bands next to what the
//! customers who answered did afterwards — repurchase within 30 / 90 / 180 days, stored
//! probability alive and CLV, revenue-weighted scores, revenue at risk. The numbers and their
//! definitions are `tenure_surveys::behaviour`'s; this module reads the store into its rows.
//!
//! One pass over the survey's submitted responses (only those with a known customer), one pass
//! over the purchases of the report currency (the shop's main one, as the reports choose it),
//! keeping only the respondents' purchase days and revenues, then their stored scores. Days are
//! the shop's calendar days ([`ShopTimeZone`]), like every report's.

use std::collections::HashMap;

use chrono::Datelike;

use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_metrics::Date;
use tenure_store::{Store, StoreError, SurveyKey};
use tenure_surveys::behaviour::{
    BehaviourOptions, BehaviourReport, BehaviourRow, QuestionRows, ScoreKind, behaviour_report,
    purchases_around,
};
use tenure_surveys::{Answer, Answers, QuestionKind, SurveyDefinition};

use super::show;
use crate::AppError;
use crate::reports::{ReportScope, ShopTimeZone, report_currency};

/// A skipped answer in the response columns.
const SKIPPED: u8 = u8::MAX;

/// How a survey's NPS and CSAT bands relate to what its respondents did afterwards, as of
/// `as_of` — by default the latest day the data knows: the last purchase in the report currency,
/// the last answer, or the survey's creation, whichever is latest (pass today for a live shop
/// that has been quiet).
///
/// Only submitted responses with a known customer count; every answer counts in the repurchase
/// shares and the revenue-weighted scores, each customer's latest answer in the stored scores and
/// revenue at risk (see `tenure_surveys::behaviour`). Each answer is weighted by the customer's
/// net revenue in the report currency of the 365 days up to and including the answer day. Stored
/// scores are used only in the report currency and when they describe `as_of` or an earlier day.
/// A survey without NPS or CSAT questions gives a report without questions.
pub fn satisfaction_and_behaviour(
    store: &mut dyn Store,
    survey: &str,
    scope: &ReportScope,
    as_of: Option<Date>,
) -> Result<BehaviourReport, AppError> {
    let survey = show(store, SurveyKey::Name(survey))?;
    let questions = banded_questions(&survey.definition);
    let answers = Respondents::read(store, survey.info.id, &survey.definition, &questions, scope.time_zone)?;
    let currency = report_currency(store, scope)?;
    let history = match currency {
        // Without respondents the purchases matter only for the default day.
        Some(currency) if !answers.customers.is_empty() || as_of.is_none() => {
            History::read(store, currency, &answers.index, scope.time_zone)?
        }
        _ => History { purchases: vec![Default::default(); answers.customers.len()], last_purchase: None },
    };
    let as_of = match as_of {
        Some(as_of) => as_of,
        None => {
            let created = scope.time_zone.day_of(survey.info.created_at)?;
            [history.last_purchase, answers.last_day()].into_iter().flatten().fold(created, Date::max)
        }
    };
    let scores = match currency {
        Some(currency) => Scores::read(store, &answers.customers, currency, as_of)?,
        None => Scores::none(answers.customers.len()),
    };

    let rows = questions
        .iter()
        .enumerate()
        .map(|(q, (id, kind))| QuestionRows {
            id: id.clone(),
            kind: *kind,
            rows: answers.rows_of(q, questions.len(), &history, &scores),
        })
        .collect::<Vec<_>>();
    let options = BehaviourOptions {
        money_exponent: currency.map_or(2, |c| c.exponent()),
        ..BehaviourOptions::new(as_of)
    };
    let mut report = behaviour_report(&rows, &options);
    report.currency = currency.map(|c| c.code().to_string());
    report.scores_as_of = scores.as_of;
    report.responses = answers.days.iter().filter(|&&day| day <= as_of.days()).count();
    report.without_customer = answers.without_customer;
    Ok(report)
}

/// The survey's NPS and CSAT questions, in definition order.
fn banded_questions(definition: &SurveyDefinition) -> Vec<(String, ScoreKind)> {
    definition
        .questions
        .iter()
        .filter_map(|q| match q.kind {
            QuestionKind::Nps => Some((q.id.clone(), ScoreKind::Nps)),
            QuestionKind::Csat => Some((q.id.clone(), ScoreKind::Csat)),
            _ => None,
        })
        .collect()
}

/// The submitted responses with a customer that answered at least one banded question, as
/// columns: per response its customer (dense index), answer day and one score per question.
struct Respondents {
    /// Store id → dense index.
    index: HashMap<CustomerId, u32>,
    /// Dense index → store id.
    customers: Vec<CustomerId>,
    /// Per response: the customer's dense index.
    customer: Vec<u32>,
    /// Per response: the answer day.
    days: Vec<i32>,
    /// Per response, per question: the point, or [`SKIPPED`].
    scores: Vec<u8>,
    /// Submitted responses without a known customer.
    without_customer: usize,
}

impl Respondents {
    fn read(
        store: &mut dyn Store,
        survey_id: i64,
        definition: &SurveyDefinition,
        questions: &[(String, ScoreKind)],
        zone: ShopTimeZone,
    ) -> Result<Self, AppError> {
        let mut this = Respondents {
            index: HashMap::new(),
            customers: Vec::new(),
            customer: Vec::new(),
            days: Vec::new(),
            scores: Vec::new(),
            without_customer: 0,
        };
        let mut failure = None;
        let mut points = vec![SKIPPED; questions.len()];
        let outcome = store.for_each_survey_response(survey_id, None, &mut |response| {
            let Some(customer) = response.customer_id else {
                this.without_customer += 1;
                return Ok(());
            };
            let read = scores_of(definition, questions, &response.answers, &mut points)
                .map_err(|e| format!("stored answers of response {}: {e}", response.id))
                .and_then(|()| {
                    let at = response.submitted_at.unwrap_or(response.started_at);
                    zone.day_of(at).map_err(|e| format!("response {}: {e}", response.id))
                });
            let day = match read {
                Ok(day) => day,
                Err(message) => {
                    failure = Some(AppError::Invalid(message));
                    return Err(StoreError::Other("stopped".into()));
                }
            };
            if points.iter().all(|&p| p == SKIPPED) {
                return Ok(());
            }
            let next = this.customers.len() as u32;
            let dense = *this.index.entry(customer).or_insert(next);
            if dense == next {
                this.customers.push(customer);
            }
            this.customer.push(dense);
            this.days.push(day.days());
            this.scores.extend_from_slice(&points);
            Ok(())
        });
        match (failure, outcome) {
            (Some(error), _) => Err(error),
            (None, Err(error)) => Err(error.into()),
            (None, Ok(())) => Ok(this),
        }
    }

    /// The latest answer day.
    fn last_day(&self) -> Option<Date> {
        self.days.iter().max().and_then(|&day| Date::from_days(day).ok())
    }

    /// The rows of question `q` (of `k`): one per response answering it, oldest first.
    fn rows_of(&self, q: usize, k: usize, history: &History, scores: &Scores) -> Vec<BehaviourRow> {
        let mut rows = Vec::new();
        for (r, (&dense, &day)) in self.customer.iter().zip(&self.days).enumerate() {
            let score = self.scores[r * k + q];
            if score == SKIPPED {
                continue;
            }
            let (days, revenues) = &history.purchases[dense as usize];
            let (next_purchase_day, weight_minor) = purchases_around(days, revenues, day);
            let (p_alive, clv_minor) = scores.of[dense as usize].unzip();
            rows.push(BehaviourRow {
                customer: self.customers[dense as usize].0,
                score,
                answered_day: day,
                next_purchase_day,
                weight_minor,
                p_alive,
                clv_minor,
            });
        }
        rows
    }
}

/// Fills `points` with the response's answer to each question ([`SKIPPED`] where it has none, or
/// one the current definition no longer takes in that form — as the analysis reads them).
fn scores_of(
    definition: &SurveyDefinition,
    questions: &[(String, ScoreKind)],
    json: &str,
    points: &mut [u8],
) -> Result<(), serde_json::Error> {
    points.fill(SKIPPED);
    let serde_json::Value::Object(map) = serde_json::from_str(json)? else { return Ok(()) };
    for ((id, _), point) in questions.iter().zip(points.iter_mut()) {
        let Some(answer) = map.get(id) else { continue };
        let one = serde_json::Value::Object([(id.clone(), answer.clone())].into_iter().collect());
        if let Ok(parsed) = Answers::from_json(definition, &one)
            && let Some(Answer::Scale(p)) = parsed.get(id)
        {
            *point = *p;
        }
    }
    Ok(())
}

/// The respondents' purchases in the report currency, and the last purchase day of anyone.
struct History {
    /// Per respondent (dense index): the days of their purchases, in order, and each one's net
    /// revenue, minor units.
    purchases: Vec<(Vec<i32>, Vec<i64>)>,
    /// The last purchase day in the currency, of any customer.
    last_purchase: Option<Date>,
}

impl History {
    fn read(
        store: &mut dyn Store,
        currency: Currency,
        respondents: &HashMap<CustomerId, u32>,
        zone: ShopTimeZone,
    ) -> Result<Self, AppError> {
        let mut days = vec![Vec::new(); respondents.len()];
        let mut latest: Option<Timestamp> = None;
        // Rows come by customer: look each customer up once.
        let mut current: Option<(CustomerId, Option<u32>)> = None;
        store.for_each_purchase(currency.code(), &mut |row| {
            latest = Some(latest.map_or(row.placed_at, |at| at.max(row.placed_at)));
            let dense = match current {
                Some((customer, dense)) if customer == row.customer => dense,
                _ => {
                    let dense = respondents.get(&row.customer).copied();
                    current = Some((row.customer, dense));
                    dense
                }
            };
            if let Some(dense) = dense {
                let day = zone.day_of(row.placed_at).map_err(|e| StoreError::Invalid(e.to_string()))?;
                days[dense as usize].push((day.days(), row.revenue_minor));
            }
            Ok(())
        })?;
        let purchases = days
            .into_iter()
            .map(|mut rows| {
                // Local days can step back where a zone's clock once went back across midnight.
                if !rows.is_sorted_by_key(|&(day, _)| day) {
                    rows.sort_by_key(|&(day, _)| day);
                }
                rows.into_iter().unzip()
            })
            .collect();
        let last_purchase = latest.map(|at| zone.day_of(at)).transpose()?;
        Ok(History { purchases, last_purchase })
    }
}

/// The respondents' stored scores usable for the report.
struct Scores {
    /// Per respondent (dense index): `(probability alive, CLV minor units)`.
    of: Vec<Option<(f64, i64)>>,
    /// The day the scores used describe.
    as_of: Option<Date>,
}

impl Scores {
    fn none(respondents: usize) -> Self {
        Scores { of: vec![None; respondents], as_of: None }
    }

    /// Scores of the report currency describing `as_of` or an earlier day (a report must not see
    /// a later day's purchases through them).
    fn read(
        store: &mut dyn Store,
        customers: &[CustomerId],
        currency: Currency,
        as_of: Date,
    ) -> Result<Self, AppError> {
        let mut this = Scores::none(customers.len());
        if customers.is_empty() {
            return Ok(this);
        }
        let mut sorted: Vec<(CustomerId, usize)> = customers.iter().copied().zip(0..).collect();
        sorted.sort_unstable();
        let ids: Vec<CustomerId> = sorted.iter().map(|&(id, _)| id).collect();
        for score in store.scores_of(&ids)? {
            if score.currency != currency.code() {
                continue;
            }
            let (year, month, day) = (score.as_of.year(), score.as_of.month(), score.as_of.day());
            let day = Date::from_ymd(year, month, day).ok_or_else(|| {
                AppError::Invalid(format!("stored scores have an invalid day {}", score.as_of))
            })?;
            if day > as_of {
                continue;
            }
            let Ok(at) = sorted.binary_search_by_key(&score.customer, |&(id, _)| id) else { continue };
            this.of[sorted[at].1] = Some((score.probability_alive, score.clv_minor));
            this.as_of = Some(this.as_of.map_or(day, |d| d.max(day)));
        }
        Ok(this)
    }
}
