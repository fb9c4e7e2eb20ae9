//! A survey's answers through `tenure-surveys`' one analysis engine — a stored survey, or any
//! definition and responses file pair (so answers collected elsewhere analyse the same way) —
//! and the exports of the analysis contract (docs/surveys.md).

use std::io::Write;
use std::path::Path;

use std::collections::HashSet;

use tenure_domain::{CustomerId, Timestamp};
use tenure_store::{Store, StoredResponse, SurveyKey};
use tenure_surveys::{
    Analysis, AnalysisOptions, Answers, ResponseRow, ResponseSet, SurveyDefinition, analyze,
    read_responses_csv, write_responses_csv,
};

use super::{Survey, show};
use crate::AppError;
use crate::reports::{ActivityWindow, CustomerSelection, Purchases, ReportScope};

/// Which responses an analysis reads: a period of answering, and customers of a source, buyers
/// of a product, or members of an RFM segment today (a response without a known customer is left
/// out by any customer filter).
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    /// Answered at or after.
    pub since: Option<Timestamp>,
    /// Answered before.
    pub until: Option<Timestamp>,
    /// Customers with an identity in this source.
    pub source: Option<String>,
    /// Customers who bought an item of this name or SKU.
    pub product: Option<String>,
    /// Customers in this RFM segment on the latest purchase day.
    pub segment: Option<String>,
}

impl ResponseFilter {
    /// The customers it admits (`None`: any): the intersection of its customer filters.
    fn customers(
        &self,
        store: &mut dyn Store,
        scope: &ReportScope,
    ) -> Result<Option<HashSet<CustomerId>>, AppError> {
        let mut sets: Vec<HashSet<CustomerId>> = Vec::new();
        if let Some(source) = &self.source {
            sets.push(store.customers_of_source(source)?.into_iter().collect());
        }
        if let Some(product) = &self.product {
            sets.push(store.customers_who_bought(product)?.into_iter().collect());
        }
        if let Some(segment) = &self.segment {
            let selection = CustomerSelection::segment(segment, &scope.segment_rules)?;
            let purchases = Purchases::load(store, scope)?;
            let members = match purchases.last_day() {
                Some(day) => purchases.customers_in(&selection, day, ActivityWindow::default())?.customers,
                None => Vec::new(),
            };
            sets.push(members.iter().map(|c| c.id).collect());
        }
        let mut sets = sets.into_iter();
        let Some(first) = sets.next() else { return Ok(None) };
        Ok(Some(sets.fold(first, |acc, set| acc.intersection(&set).copied().collect())))
    }

    fn admits(&self, response: &StoredResponse, customers: Option<&HashSet<CustomerId>>) -> bool {
        let at = response.submitted_at.unwrap_or(response.started_at);
        self.since.is_none_or(|since| at >= since)
            && self.until.is_none_or(|until| at < until)
            && customers.is_none_or(|set| response.customer_id.is_some_and(|c| set.contains(&c)))
    }
}

/// Analyses every submitted response of a stored survey against its current questions
/// (answers to questions a later version dropped are left out).
pub fn analyze_stored(
    store: &mut dyn Store,
    name: &str,
    min_sample: usize,
) -> Result<(Survey, Analysis), AppError> {
    analyze_filtered(store, name, &ResponseFilter::default(), &ReportScope::default(), min_sample)
}

/// Analyses the responses of a stored survey that `filter` admits.
pub fn analyze_filtered(
    store: &mut dyn Store,
    name: &str,
    filter: &ResponseFilter,
    scope: &ReportScope,
    min_sample: usize,
) -> Result<(Survey, Analysis), AppError> {
    let survey = show(store, SurveyKey::Name(name))?;
    let set = filtered_responses(store, &survey, filter, scope)?;
    let analysis = analyze(&survey.definition, &set, &AnalysisOptions { min_sample });
    Ok((survey, analysis))
}

/// Everything the survey report shows: the analysis and what the free-text answers say.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SurveyReport {
    /// The survey.
    pub survey: Survey,
    /// The numbers.
    pub analysis: Analysis,
    /// The free-text questions in words (trending over 30-day periods).
    pub texts: Vec<TextInsight>,
}

/// The report of a stored survey over the responses `filter` admits.
pub fn report(
    store: &mut dyn Store,
    name: &str,
    filter: &ResponseFilter,
    scope: &ReportScope,
    min_sample: usize,
) -> Result<SurveyReport, AppError> {
    let survey = show(store, SurveyKey::Name(name))?;
    let set = filtered_responses(store, &survey, filter, scope)?;
    let analysis = analyze(&survey.definition, &set, &AnalysisOptions { min_sample });
    let texts = text_insights(&set, 30);
    Ok(SurveyReport { survey, analysis, texts })
}

/// The submitted responses of `survey`, read into the engine's columns.
pub fn stored_responses(store: &mut dyn Store, survey: &Survey) -> Result<ResponseSet, AppError> {
    filtered_responses(store, survey, &ResponseFilter::default(), &ReportScope::default())
}

/// The submitted responses of `survey` that `filter` admits, read into the engine's columns.
pub fn filtered_responses(
    store: &mut dyn Store,
    survey: &Survey,
    filter: &ResponseFilter,
    scope: &ReportScope,
) -> Result<ResponseSet, AppError> {
    let customers = filter.customers(store, scope)?;
    let definition = &survey.definition;
    let mut set = ResponseSet::new(definition);
    let mut failure = None;
    let mut take = |response: StoredResponse| -> Result<(), AppError> {
        if !filter.admits(&response, customers.as_ref()) {
            return Ok(());
        }
        let row = row_of(definition, &response)?;
        set.push(&row).map_err(|e| AppError::Invalid(format!("response {}: {e}", response.id)))
    };
    let streamed = store.for_each_survey_response(survey.info.id, None, &mut |response| {
        take(response).map_err(|error| {
            failure = Some(error);
            tenure_store::StoreError::Other("stopped".into())
        })
    });
    match (failure, streamed) {
        (Some(error), _) => Err(error),
        (None, Err(error)) => Err(error.into()),
        (None, Ok(())) => Ok(set),
    }
}

/// A stored response as the engine takes it: answers to questions the definition does not have
/// (or no longer takes in that form) are left out.
fn row_of(definition: &SurveyDefinition, response: &StoredResponse) -> Result<ResponseRow, AppError> {
    let value: serde_json::Value = serde_json::from_str(&response.answers)
        .map_err(|e| AppError::Invalid(format!("stored answers of response {}: {e}", response.id)))?;
    let mut answers = Answers::new();
    if let serde_json::Value::Object(map) = value {
        for (id, answer) in map {
            let one = serde_json::Value::Object([(id, answer)].into_iter().collect());
            if let Ok(parsed) = Answers::from_json(definition, &one) {
                answers.0.extend(parsed.0);
            }
        }
    }
    Ok(ResponseRow {
        response_id: response.id.to_string(),
        submitted_at: response.submitted_at.map_or(response.started_at, |at| at).timestamp(),
        customer: response.customer_id.map(|c| c.0.to_string()),
        answers,
    })
}

/// Analyses a definition file (JSON) and a responses file (CSV, the contract of docs/surveys.md).
pub fn analyze_files(definition: &Path, responses: &Path, min_sample: usize) -> Result<Analysis, AppError> {
    let text = std::fs::read_to_string(definition)
        .map_err(|source| AppError::File { path: definition.to_path_buf(), source })?;
    let parsed = super::parse_definition(&text)
        .map_err(|e| AppError::Invalid(format!("{}: {e}", definition.display())))?;
    let file = std::fs::File::open(responses)
        .map_err(|source| AppError::File { path: responses.to_path_buf(), source })?;
    let set = read_responses_csv(&parsed, std::io::BufReader::with_capacity(1 << 20, file))
        .map_err(|e| AppError::Invalid(format!("{}: {e}", responses.display())))?;
    Ok(analyze(&parsed, &set, &AnalysisOptions { min_sample }))
}

/// Writes a stored survey's submitted responses as CSV; returns how many.
pub fn export_responses(store: &mut dyn Store, name: &str, out: &mut dyn Write) -> Result<usize, AppError> {
    let survey = show(store, SurveyKey::Name(name))?;
    let set = stored_responses(store, &survey)?;
    write_responses_csv(&survey.definition, set.rows(), out)
        .map_err(|e| AppError::Invalid(format!("writing responses: {e}")))?;
    Ok(set.len())
}

/// Every free-text answer of `set`.
pub fn comments(set: &ResponseSet) -> Vec<String> {
    let mut texts = Vec::new();
    for index in 0..set.definition().questions.len() {
        if let Some(tenure_surveys::Column::Text(column)) = set.column(index) {
            texts.extend(column.iter().flatten().map(str::to_string));
        }
    }
    texts
}

/// What customers wrote in one free-text question: its sentiment (by the VADER rules) and the
/// words that came up more in the latest period than in the one before.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TextInsight {
    /// The question.
    pub question: String,
    /// Answers with text.
    pub n: usize,
    /// Positive, neutral and negative answers.
    pub positive: usize,
    /// Neither.
    pub neutral: usize,
    /// Negative answers.
    pub negative: usize,
    /// The latest period's first day and the previous period's (UTC days), `days` long each.
    pub period_days: i64,
    /// Words trending in the latest period against the one before.
    pub trending: Vec<tenure_surveys::TrendingTerm>,
    /// The latest negative comments, newest first (at most five).
    pub latest_negative: Vec<String>,
}

/// The free-text questions of `set` in words: sentiment counts over every answer, and trending
/// terms over the last `period_days` before the latest answer against the `period_days` before.
pub fn text_insights(set: &ResponseSet, period_days: i64) -> Vec<TextInsight> {
    use tenure_surveys::{Column, SentimentLabel, sentiment, trending_terms};
    let definition = set.definition();
    let days = set.submitted_days();
    let latest = days.iter().copied().max().unwrap_or(0);
    let period = i32::try_from(period_days).unwrap_or(i32::MAX);
    let mut insights = Vec::new();
    for (index, question) in definition.questions.iter().enumerate() {
        let Some(Column::Text(texts)) = set.column(index) else { continue };
        let mut insight = TextInsight {
            question: question.id.clone(),
            n: 0,
            positive: 0,
            neutral: 0,
            negative: 0,
            period_days,
            trending: Vec::new(),
            latest_negative: Vec::new(),
        };
        let (mut current, mut previous) = (Vec::new(), Vec::new());
        let mut negatives: Vec<(i32, &str)> = Vec::new();
        for (row, text) in texts.iter().enumerate() {
            let Some(text) = text else { continue };
            insight.n += 1;
            let day = days.get(row).copied().unwrap_or(0);
            match sentiment(text).label {
                SentimentLabel::Positive => insight.positive += 1,
                SentimentLabel::Neutral => insight.neutral += 1,
                SentimentLabel::Negative => {
                    insight.negative += 1;
                    negatives.push((day, text));
                }
            }
            if day > latest.saturating_sub(period) {
                current.push(text);
            } else if day > latest.saturating_sub(period.saturating_mul(2)) {
                previous.push(text);
            }
        }
        insight.trending = trending_terms(&current, &previous, 10);
        negatives.sort_by_key(|n| std::cmp::Reverse(n.0));
        insight.latest_negative = negatives.iter().take(5).map(|(_, t)| (*t).to_string()).collect();
        insights.push(insight);
    }
    insights
}
