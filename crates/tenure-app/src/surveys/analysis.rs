//! A survey's answers through `tenure-surveys`' one analysis engine — a stored survey, or any
//! definition and responses file pair (so answers collected elsewhere analyse the same way) —
//! and the exports of the analysis contract (docs/surveys.md).

use std::io::Write;
use std::path::Path;

use tenure_store::{Store, StoredResponse, SurveyKey};
use tenure_surveys::{
    Analysis, AnalysisOptions, Answers, ResponseRow, ResponseSet, SurveyDefinition, analyze,
    read_responses_csv, write_responses_csv,
};

use super::{Survey, show};
use crate::AppError;

/// Analyses every submitted response of a stored survey against its current questions
/// (answers to questions a later version dropped are left out).
pub fn analyze_stored(
    store: &mut dyn Store,
    name: &str,
    min_sample: usize,
) -> Result<(Survey, Analysis), AppError> {
    let survey = show(store, SurveyKey::Name(name))?;
    let set = stored_responses(store, &survey)?;
    let analysis = analyze(&survey.definition, &set, &AnalysisOptions { min_sample });
    Ok((survey, analysis))
}

/// The submitted responses of `survey`, read into the engine's columns.
pub fn stored_responses(store: &mut dyn Store, survey: &Survey) -> Result<ResponseSet, AppError> {
    let definition = &survey.definition;
    let mut set = ResponseSet::new(definition);
    let mut failure = None;
    store
        .for_each_survey_response(survey.info.id, None, &mut |response| match row_of(definition, &response)
            .and_then(|row| {
                set.push(&row).map_err(|e| AppError::Invalid(format!("response {}: {e}", response.id)))
            }) {
            Ok(()) => Ok(()),
            Err(error) => {
                failure = Some(error);
                Err(tenure_store::StoreError::Other("stopped".into()))
            }
        })
        .or_else(|e| if failure.is_some() { Ok(()) } else { Err(e) })?;
    match failure {
        Some(error) => Err(error),
        None => Ok(set),
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
