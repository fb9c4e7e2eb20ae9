//! The analysis against an independent reference: `tests/reference/make_reference.py` generated a
//! SERVQUAL-like survey, 400 responses in the contract CSV and the expected analysis JSON with
//! pandas, SciPy, pingouin and statsmodels (versions at the top of the script). Here the stored
//! files go through `read_responses_csv` and `analyze`, and every number of the resulting JSON is
//! compared with the expected one — same keys, same arrays, strings (quadrants, warnings, periods)
//! exactly, numbers within [`RELATIVE`] (plus [`ABSOLUTE`] for values that are zero).

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::path::Path;

use serde_json::Value;
use tenure_surveys::{AnalysisOptions, SurveyDefinition, analyze, read_responses_csv};

/// Relative tolerance on every number: the two implementations sum in different orders.
const RELATIVE: f64 = 1e-9;
/// Absolute slack for numbers that should be zero.
const ABSOLUTE: f64 = 1e-12;

fn reference_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compare(path: &str, actual: &Value, expected: &Value, mismatches: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            if (a - e).abs() > RELATIVE * e.abs() + ABSOLUTE {
                mismatches.push(format!("{path}: {a} vs expected {e}"));
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                compare(&format!("{path}[{i}]"), a, e, mismatches);
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            let (mut ka, mut ke): (Vec<_>, Vec<_>) = (a.keys().collect(), e.keys().collect());
            ka.sort();
            ke.sort();
            if ka != ke {
                mismatches.push(format!("{path}: keys {ka:?} vs expected {ke:?}"));
                return;
            }
            for (k, e) in e {
                compare(&format!("{path}.{k}"), &a[k], e, mismatches);
            }
        }
        (a, e) if a == e => {}
        (a, e) => mismatches.push(format!("{path}: {a} vs expected {e}")),
    }
}

#[test]
fn analysis_of_the_reference_responses_matches_pandas_scipy_pingouin_and_statsmodels() {
    let def: SurveyDefinition = serde_json::from_str(&reference_file("definition.json")).unwrap();
    def.validate().unwrap();
    let csv = reference_file("responses.csv");
    let set = read_responses_csv(&def, csv.as_bytes()).unwrap();
    let analysis = analyze(&def, &set, &AnalysisOptions::default());
    let actual = serde_json::to_value(&analysis).unwrap();
    let expected: Value = serde_json::from_str(&reference_file("expected.json")).unwrap();
    let mut mismatches = Vec::new();
    compare("$", &actual, &expected, &mut mismatches);
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn the_reference_exercises_what_it_should() {
    let expected: Value = serde_json::from_str(&reference_file("expected.json")).unwrap();
    // Every quadrant occurs, a warning is raised, an α-if-deleted is null, a p-value is not tiny.
    let quadrants: Vec<&str> =
        expected["ipa"].as_array().unwrap().iter().map(|i| i["quadrant"].as_str().unwrap()).collect();
    for q in ["concentrate here", "keep up the good work", "low priority", "possible overkill"] {
        assert!(quadrants.contains(&q), "{q}");
    }
    assert!(expected["questions"]["comment"]["warning"].is_string());
    assert!(expected["scales"]["assurance"]["alpha_if_deleted"]["ass_safe"].is_null());
    assert!(expected["dimensions"]["tangibles"]["p_value"].as_f64().unwrap() > 0.05);
}
