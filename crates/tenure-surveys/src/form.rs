//! One submitted page of a survey form turned into [`Answers`]: [`parse_form`].
//!
//! Field names: `q.{id}` for scales, single choice and text (a multiple choice repeats the name
//! once per ticked option), `q.{id}.expectation` and `q.{id}.perception` for pairs. Only the
//! page's questions are read; every other field (CSRF token, honeypot, timing) is ignored here —
//! checking those is the web layer's job. Never panics, whatever the fields.

use crate::answers::{
    Answer, AnswerError, Answers, pair_answer, scale_error, shorten, sort_options, validate_answer,
};
use crate::definition::{Question, QuestionKind, SurveyDefinition};

/// Parses one page of a form; the first bad answer (in question order) is the error.
///
/// An empty value or an absent field means skipped, which is an error only for `required`
/// questions. Every answer returned passes [`validate_answer`].
pub fn parse_form(
    def: &SurveyDefinition,
    page: u16,
    fields: &[(String, String)],
) -> Result<Answers, AnswerError> {
    parse_form_all(def, page, fields).map_err(|mut errors| errors.swap_remove(0))
}

/// Parses one page of a form and reports every bad answer, in question order, so the page can be
/// shown again with each problem next to its question. `Err` always holds at least one error.
pub fn parse_form_all(
    def: &SurveyDefinition,
    page: u16,
    fields: &[(String, String)],
) -> Result<Answers, Vec<AnswerError>> {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for question in def.questions_on(page) {
        match parse_question(question, fields) {
            Ok(Some(answer)) => {
                answers.0.insert(question.id.clone(), answer);
            }
            Ok(None) if question.required => {
                errors.push(AnswerError::new(&question.id, "an answer is required"))
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

/// The non-empty values of the field named `name`.
fn values<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.as_str()).collect()
}

/// At most one non-empty value of a field; two are an error.
fn one_value<'a>(
    question: &Question,
    fields: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, AnswerError> {
    match values(fields, name).as_slice() {
        [] => Ok(None),
        [v] => Ok(Some(v)),
        _ => Err(AnswerError::new(&question.id, "more than one value was sent")),
    }
}

fn scale_value(question: &Question, text: Option<&str>) -> Result<Option<u8>, AnswerError> {
    let Some(text) = text else { return Ok(None) };
    let trimmed = text.trim();
    if !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AnswerError::new(&question.id, format!("\"{}\" is not a number", shorten(trimmed))));
    }
    trimmed.parse::<u8>().map(Some).map_err(|_| scale_error(question, trimmed))
}

fn parse_question(question: &Question, fields: &[(String, String)]) -> Result<Option<Answer>, AnswerError> {
    let name = format!("q.{}", question.id);
    let answer = match question.kind {
        k if k.is_single_scale() => {
            scale_value(question, one_value(question, fields, &name)?)?.map(Answer::Scale)
        }
        QuestionKind::Pair => {
            let expectation =
                scale_value(question, one_value(question, fields, &format!("{name}.expectation"))?)?;
            let perception =
                scale_value(question, one_value(question, fields, &format!("{name}.perception"))?)?;
            pair_answer(question, expectation, perception)?
        }
        QuestionKind::Single => one_value(question, fields, &name)?.map(|v| Answer::Single(v.to_owned())),
        QuestionKind::Multi => {
            let mut ids: Vec<String> = values(fields, &name).into_iter().map(str::to_owned).collect();
            if ids.is_empty() {
                None
            } else {
                validate_answer(question, &Answer::Multi(ids.clone()))?;
                sort_options(question, &mut ids);
                Some(Answer::Multi(ids))
            }
        }
        _ => match fields.iter().filter(|(k, _)| *k == name).map(|(_, v)| v).collect::<Vec<_>>().as_slice() {
            [] => None,
            [v] if v.trim().is_empty() => None,
            [v] => Some(Answer::Text((*v).clone())),
            _ => return Err(AnswerError::new(&question.id, "more than one value was sent")),
        },
    };
    if let Some(answer) = &answer {
        validate_answer(question, answer)?;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::MAX_TEXT_CHARS;
    use crate::templates::Template;
    use proptest::prelude::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn survey() -> SurveyDefinition {
        serde_json::from_value(serde_json::json!({"title": "t", "questions": [
            {"id": "nps", "type": "nps", "text": "?", "required": true},
            {"id": "agree", "type": "likert", "text": "?"},
            {"id": "gap", "type": "pair", "text": "?"},
            {"id": "one", "type": "single", "text": "?", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]},
            {"id": "many", "type": "multi", "text": "?", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]},
            {"id": "why", "type": "text", "text": "?"},
            {"id": "later", "type": "csat", "text": "?", "required": true, "page": 2}]}))
        .unwrap()
    }

    fn reason(fields: &[(&str, &str)]) -> String {
        parse_form(&survey(), 1, &f(fields)).unwrap_err().to_string()
    }

    #[test]
    fn reads_every_kind_and_ignores_other_fields_and_pages() {
        let fields = f(&[
            ("csrf", "x"),
            ("q.nps", "9"),
            ("q.agree", ""),
            ("q.gap.expectation", "6"),
            ("q.gap.perception", "4"),
            ("q.one", "b"),
            ("q.many", "b"),
            ("q.many", "a"),
            ("q.why", "Fast"),
        ]);
        let answers = parse_form(&survey(), 1, &fields).unwrap();
        assert_eq!(answers.len(), 5);
        assert_eq!(answers.get("gap"), Some(&Answer::Pair { expectation: 6, perception: 4 }));
        assert_eq!(answers.get("many"), Some(&Answer::Multi(vec!["a".into(), "b".into()])));
        assert_eq!(answers.get("agree"), None);
    }

    #[test]
    fn each_bad_value_is_an_error_naming_its_question() {
        assert_eq!(reason(&[("q.nps", "11")]), "question \"nps\": 11 is outside 0–10");
        assert_eq!(reason(&[("q.nps", "5"), ("q.agree", "0")]), "question \"agree\": 0 is outside 1–5");
        assert_eq!(reason(&[("q.nps", "x")]), "question \"nps\": \"x\" is not a number");
        assert_eq!(reason(&[("q.nps", "5"), ("q.one", "c")]), "question \"one\": \"c\" is not an option");
        assert_eq!(
            reason(&[("q.nps", "5"), ("q.one", "a"), ("q.one", "b")]),
            "question \"one\": more than one value was sent"
        );
        assert_eq!(
            reason(&[("q.nps", "5"), ("q.many", "a"), ("q.many", "a")]),
            "question \"many\": \"a\" is chosen twice"
        );
        assert!(reason(&[("q.nps", "5"), ("q.gap.perception", "4")]).starts_with("question \"gap\""));
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(reason(&[("q.nps", "5"), ("q.why", &long)]).starts_with("question \"why\""));
        assert_eq!(reason(&[("q.nps", "-1")]), "question \"nps\": \"-1\" is not a number");
        assert_eq!(reason(&[("q.nps", "300")]), "question \"nps\": 300 is outside 0–10");
    }

    #[test]
    fn a_skipped_required_question_is_an_error_only_on_its_page() {
        assert_eq!(reason(&[]), "question \"nps\": an answer is required");
        let errors = parse_form_all(&survey(), 1, &f(&[("q.agree", "9")])).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.question.as_str()).collect::<Vec<_>>(), ["nps", "agree"]);
        assert!(parse_form(&survey(), 2, &f(&[("q.later", "3")])).is_ok());
        assert!(parse_form(&survey(), 2, &f(&[])).is_err());
        assert!(parse_form(&survey(), 9, &f(&[])).unwrap().is_empty());
    }

    fn field_name() -> impl Strategy<Value = String> {
        let names = [
            "q.nps",
            "q.agree",
            "q.gap.expectation",
            "q.gap.perception",
            "q.one",
            "q.many",
            "q.why",
            "q.later",
            "csrf",
        ];
        prop_oneof![proptest::sample::select(names.to_vec()).prop_map(str::to_owned), "\\PC{0,12}"]
    }

    fn field_value() -> impl Strategy<Value = String> {
        prop_oneof!["[0-9]{1,3}", "[ab]", "-?[0-9 ]{0,4}", "\\PC{0,30}", Just(String::new())]
    }

    proptest! {
        #[test]
        fn arbitrary_fields_never_panic_and_give_valid_answers_or_page_errors(
            fields in proptest::collection::vec((field_name(), field_value()), 0..16),
            page in 0u16..4,
        ) {
            let def = survey();
            match parse_form_all(&def, page, &fields) {
                Ok(answers) => {
                    for (id, answer) in answers.iter() {
                        let q = def.question(id).unwrap();
                        prop_assert_eq!(q.page, page);
                        prop_assert!(validate_answer(q, answer).is_ok());
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(def.questions_on(page).any(|q| q.id == e.question), "{e}");
                    }
                }
            }
        }
    }

    #[test]
    fn templates_accept_their_own_fields() {
        for t in Template::all() {
            let def = t.definition();
            for page in 1..=def.pages() {
                let fields: Vec<(String, String)> = def
                    .questions_on(page)
                    .flat_map(|q| match q.kind {
                        QuestionKind::Pair => vec![
                            (format!("q.{}.expectation", q.id), "3".into()),
                            (format!("q.{}.perception", q.id), "4".into()),
                        ],
                        QuestionKind::Single | QuestionKind::Multi => {
                            vec![(format!("q.{}", q.id), q.options[0].id.clone())]
                        }
                        QuestionKind::Text => vec![(format!("q.{}", q.id), "ok".into())],
                        _ => vec![(format!("q.{}", q.id), q.bounds().unwrap().1.to_string())],
                    })
                    .collect();
                let answers = parse_form(&def, page, &fields).unwrap();
                assert_eq!(answers.len(), def.questions_on(page).count());
            }
        }
    }
}
