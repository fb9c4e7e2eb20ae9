//! A response's answers: [`Answer`], the map [`Answers`], their validation against a question
//! ([`validate_answer`]) and their stored JSON form.
//!
//! The stored JSON is untagged — a scale is a number, a pair `{"expectation":5,"perception":4}`,
//! a single choice or a text a string, a multiple choice an array of option ids — so reading it
//! needs the definition ([`Answers::from_json`]); there is deliberately no `Deserialize`.
//! Canonical answers (what every constructor here returns): a skipped question is absent, a
//! multiple choice is non-empty and in the definition's option order, a text is not blank.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};
use serde_json::Value;

use crate::definition::{MAX_TEXT_CHARS, Question, QuestionKind, SurveyDefinition};

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A point of a CSAT, NPS, CES or Likert scale.
    Scale(u8),
    /// Both sides of a pair question (a pair with one side is not an answer).
    Pair {
        /// What the customer expected.
        expectation: u8,
        /// What the customer experienced.
        perception: u8,
    },
    /// The id of the chosen option.
    Single(String),
    /// The ids of the chosen options (at least one, no repeats).
    Multi(Vec<String>),
    /// Free text.
    Text(String),
}

/// Answers of one response, by question id. Skipped questions are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers(pub BTreeMap<String, Answer>);

/// An answer that cannot be taken, naming its question.
///
/// Displays as `question "q3": 11 is outside 0–10` (or the bare reason when no question is at
/// fault, e.g. a body that is not a JSON object).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.question, .reason))]
pub struct AnswerError {
    /// The question id (or the unknown key); empty when the whole input is at fault.
    pub question: String,
    /// What is wrong, in words.
    pub reason: String,
}

fn describe(question: &str, reason: &str) -> String {
    if question.is_empty() { reason.to_owned() } else { format!("question \"{question}\": {reason}") }
}

impl AnswerError {
    /// An error about `question`.
    pub fn new(question: &str, reason: impl Into<String>) -> Self {
        Self { question: question.to_owned(), reason: reason.into() }
    }
}

/// Checks one answer against its question: the right kind, on the scale, known options, no
/// repeats, a text of 1–[`MAX_TEXT_CHARS`] characters that is not blank.
pub fn validate_answer(question: &Question, answer: &Answer) -> Result<(), AnswerError> {
    let err = |reason: String| Err(AnswerError::new(&question.id, reason));
    let in_bounds = |v: u8| -> Result<(), AnswerError> {
        match question.bounds() {
            Some((low, high)) if (low..=high).contains(&v) => Ok(()),
            Some((low, high)) => Err(AnswerError::new(&question.id, format!("{v} is outside {low}–{high}"))),
            None => Err(AnswerError::new(&question.id, "not a scale question")),
        }
    };
    match (question.kind, answer) {
        (k, Answer::Scale(v)) if k.is_single_scale() => in_bounds(*v),
        (QuestionKind::Pair, Answer::Pair { expectation, perception }) => {
            in_bounds(*expectation)?;
            in_bounds(*perception)
        }
        (QuestionKind::Single, Answer::Single(id)) => match question.option_index(id) {
            Some(_) => Ok(()),
            None => err(format!("\"{}\" is not an option", shorten(id))),
        },
        (QuestionKind::Multi, Answer::Multi(ids)) => {
            if ids.is_empty() {
                return err("no option chosen".to_owned());
            }
            let mut seen = 0u64;
            for id in ids {
                let Some(i) = question.option_index(id) else {
                    return err(format!("\"{}\" is not an option", shorten(id)));
                };
                let bit = crate::responses::bit(i);
                if seen & bit != 0 {
                    return err(format!("\"{id}\" is chosen twice"));
                }
                seen |= bit;
            }
            Ok(())
        }
        (QuestionKind::Text, Answer::Text(text)) => {
            if text.trim().is_empty() {
                err("the text is empty".to_owned())
            } else if text.chars().count() > MAX_TEXT_CHARS {
                err(format!("the text is longer than {MAX_TEXT_CHARS} characters"))
            } else {
                Ok(())
            }
        }
        (kind, _) => err(format!("expected {}", expected(kind))),
    }
}

/// What a question of this kind takes, for messages.
pub(crate) fn expected(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Csat | QuestionKind::Nps | QuestionKind::Ces | QuestionKind::Likert => "a whole number",
        QuestionKind::Pair => "an object with expectation and perception",
        QuestionKind::Single => "one option id",
        QuestionKind::Multi => "a list of option ids",
        QuestionKind::Text => "text",
    }
}

/// At most 40 characters of a user-supplied value, for messages.
pub(crate) fn shorten(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Puts the option ids of a multiple choice into the definition's order.
pub(crate) fn sort_options(question: &Question, ids: &mut [String]) {
    ids.sort_by_key(|id| question.option_index(id).unwrap_or(usize::MAX));
}

impl Answers {
    /// No answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The answer to a question, if it was answered.
    pub fn get(&self, question: &str) -> Option<&Answer> {
        self.0.get(question)
    }

    /// Sets a question's answer.
    pub fn insert(&mut self, question: &str, answer: Answer) {
        self.0.insert(question.to_owned(), answer);
    }

    /// Number of answered questions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was answered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Answered questions and their answers, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Checks every answer against the definition: each names a question and is valid for it.
    pub fn validate(&self, def: &SurveyDefinition) -> Result<(), AnswerError> {
        for (id, answer) in &self.0 {
            let question =
                def.question(id).ok_or_else(|| AnswerError::new(id, "there is no such question"))?;
            validate_answer(question, answer)?;
        }
        Ok(())
    }

    /// Checks that every `required` question of the definition (all pages) is answered.
    pub fn check_required(&self, def: &SurveyDefinition) -> Result<(), AnswerError> {
        match def.questions.iter().find(|q| q.required && !self.0.contains_key(&q.id)) {
            Some(q) => Err(AnswerError::new(&q.id, "an answer is required")),
            None => Ok(()),
        }
    }

    /// The stored (untagged) JSON object of these answers.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads the untagged JSON form (a stored response or an API body) against the definition.
    ///
    /// `null`, `""`, a blank text and `[]` mean skipped. Unknown question ids, wrong kinds of
    /// value, and invalid answers are errors naming the question. Does not check `required`
    /// (see [`Answers::check_required`]).
    pub fn from_json(def: &SurveyDefinition, value: &Value) -> Result<Answers, AnswerError> {
        let Value::Object(map) = value else {
            return Err(AnswerError::new("", "answers must be a JSON object by question id"));
        };
        let mut answers = Answers::new();
        for (id, v) in map {
            let question =
                def.question(id).ok_or_else(|| AnswerError::new(id, "there is no such question"))?;
            if let Some(answer) = answer_from_json(question, v)? {
                validate_answer(question, &answer)?;
                answers.0.insert(id.clone(), answer);
            }
        }
        Ok(answers)
    }
}

fn answer_from_json(question: &Question, v: &Value) -> Result<Option<Answer>, AnswerError> {
    let wrong = || AnswerError::new(&question.id, format!("expected {}", expected(question.kind)));
    let number = |v: &Value| -> Result<Option<u8>, AnswerError> {
        match v {
            Value::Null => Ok(None),
            Value::Number(n) => match n.as_u64() {
                Some(x) => u8::try_from(x).map(Some).map_err(|_| scale_error(question, &x.to_string())),
                None => Err(scale_error(question, &n.to_string())),
            },
            _ => Err(wrong()),
        }
    };
    if v.is_null() {
        return Ok(None);
    }
    Ok(match question.kind {
        k if k.is_single_scale() => number(v)?.map(Answer::Scale),
        QuestionKind::Pair => {
            let Value::Object(sides) = v else { return Err(wrong()) };
            if let Some(other) = sides.keys().find(|k| *k != "expectation" && *k != "perception") {
                return Err(AnswerError::new(&question.id, format!("unexpected key \"{}\"", shorten(other))));
            }
            let side = |name: &str| sides.get(name).map_or(Ok(None), number);
            pair_answer(question, side("expectation")?, side("perception")?)?
        }
        QuestionKind::Single => match v {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(Answer::Single(s.clone())),
            _ => return Err(wrong()),
        },
        QuestionKind::Multi => {
            let Value::Array(items) = v else { return Err(wrong()) };
            let mut ids = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned).ok_or_else(wrong))
                .collect::<Result<Vec<_>, _>>()?;
            if ids.is_empty() {
                return Ok(None);
            }
            validate_answer(question, &Answer::Multi(ids.clone()))?;
            sort_options(question, &mut ids);
            Some(Answer::Multi(ids))
        }
        _ => match v {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(Answer::Text(s.clone())),
            _ => return Err(wrong()),
        },
    })
}

/// The error for a value that is not a point of the question's scale.
pub(crate) fn scale_error(question: &Question, shown: &str) -> AnswerError {
    let (low, high) = question.bounds().unwrap_or((0, 0));
    AnswerError::new(&question.id, format!("{} is outside {low}–{high}", shorten(shown)))
}

/// A pair from its two optional sides: none is skipped, one alone is an error.
pub(crate) fn pair_answer(
    question: &Question,
    expectation: Option<u8>,
    perception: Option<u8>,
) -> Result<Option<Answer>, AnswerError> {
    match (expectation, perception) {
        (None, None) => Ok(None),
        (Some(expectation), Some(perception)) => Ok(Some(Answer::Pair { expectation, perception })),
        (Some(_), None) => {
            Err(AnswerError::new(&question.id, "the perception is missing; answer both sides"))
        }
        (None, Some(_)) => {
            Err(AnswerError::new(&question.id, "the expectation is missing; answer both sides"))
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Scale(v) => serializer.serialize_u8(*v),
            Answer::Pair { expectation, perception } => {
                let mut s = serializer.serialize_struct("Pair", 2)?;
                s.serialize_field("expectation", expectation)?;
                s.serialize_field("perception", perception)?;
                s.end()
            }
            Answer::Single(s) | Answer::Text(s) => serializer.serialize_str(s),
            Answer::Multi(ids) => ids.serialize(serializer),
        }
    }
}

impl Serialize for Answers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Template;
    use serde_json::json;

    fn servqual() -> SurveyDefinition {
        Template::Servqual.definition()
    }

    #[test]
    fn error_names_the_question_and_the_range() {
        let def = Template::RelationshipNps.definition();
        let err = Answers::from_json(&def, &json!({"nps": 11})).unwrap_err();
        assert_eq!(err.to_string(), "question \"nps\": 11 is outside 0–10");
        assert_eq!(Answers::from_json(&def, &json!([1])).unwrap_err().question, "");
    }

    #[test]
    fn json_round_trips_every_kind_and_skips_empty_values() {
        let def = servqual();
        let value = json!({"overall": 4, "tan_equipment": {"expectation": 6, "perception": 5}, "improve": "More staff"});
        let answers = Answers::from_json(&def, &value).unwrap();
        assert_eq!(answers.to_json(), value);
        let skipped = Answers::from_json(&def, &json!({"overall": null, "improve": "  "})).unwrap();
        assert!(skipped.is_empty());
    }

    #[test]
    fn a_pair_with_one_side_is_an_error_naming_the_question() {
        let def = servqual();
        let err = Answers::from_json(&def, &json!({"tan_equipment": {"expectation": 6}})).unwrap_err();
        assert_eq!(err.question, "tan_equipment");
    }

    #[test]
    fn multi_is_sorted_into_option_order_and_rejects_repeats() {
        let def: SurveyDefinition = serde_json::from_value(json!({"title": "t", "questions": [
            {"id": "m", "type": "multi", "text": "?", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}]}))
        .unwrap();
        let answers = Answers::from_json(&def, &json!({"m": ["b", "a"]})).unwrap();
        assert_eq!(answers.get("m"), Some(&Answer::Multi(vec!["a".into(), "b".into()])));
        assert!(Answers::from_json(&def, &json!({"m": ["a", "a"]})).is_err());
        assert!(Answers::from_json(&def, &json!({"m": ["c"]})).is_err());
        assert!(Answers::from_json(&def, &json!({"m": "a"})).is_err());
    }

    #[test]
    fn validate_answer_rejects_wrong_kinds_and_long_text() {
        let def = servqual();
        let overall = def.question("overall").unwrap();
        assert!(validate_answer(overall, &Answer::Text("5".into())).is_err());
        assert!(validate_answer(overall, &Answer::Scale(0)).is_err());
        let improve = def.question("improve").unwrap();
        assert!(validate_answer(improve, &Answer::Text("é".repeat(MAX_TEXT_CHARS))).is_ok());
        assert!(validate_answer(improve, &Answer::Text("é".repeat(MAX_TEXT_CHARS + 1))).is_err());
    }

    #[test]
    fn check_required_names_the_first_missing_question() {
        let def = servqual();
        let err = Answers::new().check_required(&def).unwrap_err();
        assert_eq!(err.question, "overall");
    }
}
