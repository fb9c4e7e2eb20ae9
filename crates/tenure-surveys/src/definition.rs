//! What a survey asks: [`SurveyDefinition`], its [`Question`]s and their rules, stored as JSON.
//!
//! A definition is checked once, by [`SurveyDefinition::validate`], when it is saved; everything
//! downstream (forms, answers, the CSV, the analysis) assumes a valid one and never panics on an
//! invalid one. Page wording (scale anchors) lives in `labels.rs`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::texts::Texts;

/// Longest free-text answer, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 5000;
/// Most options a single- or multiple-choice question may have (a multiple choice answer is kept
/// as a 64-bit set in the analysis columns).
pub const MAX_OPTIONS: usize = 64;
/// Longest question or option id.
pub const MAX_ID_LEN: usize = 40;

/// A survey: its title and questions, in the order they are shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    /// Title shown above every page.
    pub title: Texts,
    /// The language every text must have; others fall back to it. Usually `"en"`.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Questions in display order (pages group them; see [`Question::page`]).
    pub questions: Vec<Question>,
}

fn default_language() -> String {
    "en".to_owned()
}

/// One question of a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique within the survey; `[a-z0-9_]{1,40}`. Names the form field and the CSV column.
    pub id: String,
    /// What kind of answer it takes.
    #[serde(rename = "type")]
    pub kind: QuestionKind,
    /// The question as shown.
    pub text: Texts,
    /// Number of scale points where the kind allows a choice: CES 5 or 7 (default 7), Likert 5 or
    /// 7 (default 5), pair 5 or 7 (default 7). CSAT (5) and NPS (11) are fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u8>,
    /// Name of the multi-item scale this item belongs to, for Cronbach's α (numeric kinds only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    /// Service-quality dimension of a pair item (e.g. `"reliability"`), for the gap analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// The overall satisfaction item that importance–performance analysis correlates with.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overall: bool,
    /// The options of a single- or multiple-choice question, in display order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Whether a page cannot be submitted without an answer to this question.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Page the question is on, from 1.
    #[serde(default = "first_page")]
    pub page: u16,
    /// Which end of a CES scale is easy (CES only; default [`CesDirection::HigherIsEasier`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<CesDirection>,
    /// A free-text question whose answers are testimonials: kept for staff to approve before
    /// they count (text questions only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub testimonial: bool,
}

fn first_page() -> u16 {
    1
}

/// The kinds of question (PRODUCT.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Customer satisfaction, 1 (very dissatisfied) – 5 (very satisfied).
    Csat,
    /// Net Promoter Score's likelihood to recommend, 0–10.
    Nps,
    /// Customer effort score, 1–7 (or 1–5).
    Ces,
    /// Agreement with a statement, 5 or 7 points.
    Likert,
    /// Expectation and perception on the same 1..=points scale (SERVQUAL-style gap item).
    Pair,
    /// One option of [`Question::options`].
    Single,
    /// Any non-empty set of [`Question::options`].
    Multi,
    /// Free text, at most [`MAX_TEXT_CHARS`] characters.
    Text,
}

impl QuestionKind {
    /// Whether answers are numbers on a scale (everything but choices and text).
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Csat | Self::Nps | Self::Ces | Self::Likert | Self::Pair)
    }

    /// Whether answers are one number (a pair is two).
    pub fn is_single_scale(self) -> bool {
        matches!(self, Self::Csat | Self::Nps | Self::Ces | Self::Likert)
    }
}

/// Which end of a CES scale means "easy".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CesDirection {
    /// Agreement with "The company made it easy for me to handle my issue" (CES 2.0): high = easy.
    #[default]
    HigherIsEasier,
    /// "How much effort did you personally have to put forth?" (CES 1.0): high = hard.
    HigherIsHarder,
}

/// An option of a single- or multiple-choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Unique within the question; `[a-z0-9_]{1,40}` (so `;` can separate ids in the CSV).
    pub id: String,
    /// The option as shown.
    pub text: Texts,
}

/// Why a definition was refused; names the question or text at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// No questions at all.
    #[error("the survey has no questions")]
    NoQuestions,
    /// `default_language` is blank.
    #[error("the default language is empty")]
    NoDefaultLanguage,
    /// A text lacks the default language.
    #[error("{place}: no text in the default language \"{language}\"")]
    MissingText {
        /// `title`, `question "q1"` or `question "q1" option "a"`.
        place: String,
        /// The default language.
        language: String,
    },
    /// A question or option id breaks the `[a-z0-9_]{1,40}` rule.
    #[error("id \"{0}\" must be 1–40 characters of a–z, 0–9 and _")]
    BadId(String),
    /// Two questions share an id.
    #[error("question id \"{0}\" is used twice")]
    DuplicateId(String),
    /// A question's settings do not fit its kind.
    #[error("question \"{question}\": {reason}")]
    Question {
        /// The question id.
        question: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// More than one question is marked `overall`.
    #[error("questions \"{first}\" and \"{second}\" are both marked overall; at most one may be")]
    TwoOverall {
        /// The first overall question.
        first: String,
        /// The second.
        second: String,
    },
    /// Pages must run 1, 2, 3 … without gaps.
    #[error("page {0} has no questions; pages are numbered 1, 2, 3 … without gaps")]
    EmptyPage(u16),
}

/// Whether `id` matches `[a-z0-9_]{1,40}`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl SurveyDefinition {
    /// Checks every rule a stored definition must keep; the first broken one is returned.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let lang = self.default_language.as_str();
        if lang.trim().is_empty() {
            return Err(DefinitionError::NoDefaultLanguage);
        }
        if self.questions.is_empty() {
            return Err(DefinitionError::NoQuestions);
        }
        require_text(&self.title, lang, || "title".to_owned())?;
        let mut ids = BTreeSet::new();
        let mut overall: Option<&str> = None;
        for q in &self.questions {
            if !is_valid_id(&q.id) {
                return Err(DefinitionError::BadId(q.id.clone()));
            }
            if !ids.insert(q.id.as_str()) {
                return Err(DefinitionError::DuplicateId(q.id.clone()));
            }
            q.validate(lang)?;
            if q.overall {
                if let Some(first) = overall {
                    return Err(DefinitionError::TwoOverall {
                        first: first.to_owned(),
                        second: q.id.clone(),
                    });
                }
                overall = Some(&q.id);
            }
        }
        let pages: BTreeSet<u16> = self.questions.iter().map(|q| q.page).collect();
        match (1..=self.pages()).find(|p| !pages.contains(p)) {
            Some(empty) => Err(DefinitionError::EmptyPage(empty)),
            None => Ok(()),
        }
    }

    /// Number of pages: the highest page number (1 for a valid definition with one page).
    pub fn pages(&self) -> u16 {
        self.questions.iter().map(|q| q.page).max().unwrap_or(0)
    }

    /// The questions on `page`, in definition order.
    pub fn questions_on(&self, page: u16) -> impl Iterator<Item = &Question> + '_ {
        self.questions.iter().filter(move |q| q.page == page)
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The question marked `overall`, if any.
    pub fn overall(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.overall)
    }
}

fn require_text(texts: &Texts, lang: &str, place: impl FnOnce() -> String) -> Result<(), DefinitionError> {
    if texts.has(lang) {
        Ok(())
    } else {
        Err(DefinitionError::MissingText { place: place(), language: lang.to_owned() })
    }
}

impl Question {
    /// The answer range `(lowest, highest)` of a numeric question (a pair: of each side).
    pub fn bounds(&self) -> Option<(u8, u8)> {
        match self.kind {
            QuestionKind::Csat => Some((1, 5)),
            QuestionKind::Nps => Some((0, 10)),
            QuestionKind::Ces | QuestionKind::Pair => Some((1, self.points.unwrap_or(7))),
            QuestionKind::Likert => Some((1, self.points.unwrap_or(5))),
            QuestionKind::Single | QuestionKind::Multi | QuestionKind::Text => None,
        }
    }

    /// The CES direction, defaulted.
    pub fn ces_direction(&self) -> CesDirection {
        self.direction.unwrap_or_default()
    }

    /// Index of the option with this id.
    pub fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o.id == id)
    }

    fn validate(&self, lang: &str) -> Result<(), DefinitionError> {
        let bad =
            |reason: &str| DefinitionError::Question { question: self.id.clone(), reason: reason.to_owned() };
        require_text(&self.text, lang, || format!("question \"{}\"", self.id))?;
        if self.page == 0 {
            return Err(bad("pages are numbered from 1"));
        }
        let points_ok = match (self.kind, self.points) {
            (_, None) => true,
            (QuestionKind::Csat, Some(p)) => p == 5,
            (QuestionKind::Nps, Some(p)) => p == 11,
            (QuestionKind::Ces | QuestionKind::Likert | QuestionKind::Pair, Some(p)) => p == 5 || p == 7,
            (QuestionKind::Single | QuestionKind::Multi | QuestionKind::Text, Some(_)) => false,
        };
        if !points_ok {
            return Err(bad(match self.kind {
                QuestionKind::Csat => "CSAT has 5 points",
                QuestionKind::Nps => "NPS has 11 points (0–10)",
                QuestionKind::Ces | QuestionKind::Likert | QuestionKind::Pair => "points must be 5 or 7",
                _ => "points are only for scale questions",
            }));
        }
        if self.direction.is_some() && self.kind != QuestionKind::Ces {
            return Err(bad("direction is only for CES questions"));
        }
        if self.scale.is_some() && !self.kind.is_numeric() {
            return Err(bad("only numeric questions can belong to a scale"));
        }
        if self.scale.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(bad("the scale name is empty"));
        }
        if self.dimension.is_some() && self.kind != QuestionKind::Pair {
            return Err(bad("only pair questions have a dimension"));
        }
        if self.dimension.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(bad("the dimension name is empty"));
        }
        if self.overall && !self.kind.is_single_scale() {
            return Err(bad("the overall item must be a CSAT, NPS, CES or Likert question"));
        }
        if self.testimonial && self.kind != QuestionKind::Text {
            return Err(bad("only text questions collect testimonials"));
        }
        self.validate_options(lang)
    }

    fn validate_options(&self, lang: &str) -> Result<(), DefinitionError> {
        let bad = |reason: String| DefinitionError::Question { question: self.id.clone(), reason };
        let choices = matches!(self.kind, QuestionKind::Single | QuestionKind::Multi);
        if !choices {
            return if self.options.is_empty() {
                Ok(())
            } else {
                Err(bad("only single and multiple choice questions have options".to_owned()))
            };
        }
        if self.options.is_empty() {
            return Err(bad("a choice question needs options".to_owned()));
        }
        if self.options.len() > MAX_OPTIONS {
            return Err(bad(format!("at most {MAX_OPTIONS} options")));
        }
        let mut seen = BTreeSet::new();
        for option in &self.options {
            if !is_valid_id(&option.id) {
                return Err(DefinitionError::BadId(option.id.clone()));
            }
            if !seen.insert(option.id.as_str()) {
                return Err(bad(format!("option id \"{}\" is used twice", option.id)));
            }
            require_text(&option.text, lang, || {
                format!("question \"{}\" option \"{}\"", self.id, option.id)
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.to_owned(),
            kind,
            text: Texts::one("en", "?"),
            points: None,
            scale: None,
            dimension: None,
            overall: false,
            options: vec![],
            required: false,
            page: 1,
            direction: None,
            testimonial: false,
        }
    }

    fn def(questions: Vec<Question>) -> SurveyDefinition {
        SurveyDefinition { title: Texts::one("en", "T"), default_language: "en".into(), questions }
    }

    #[test]
    fn parses_the_compact_json_form_with_defaults() {
        let d: SurveyDefinition = serde_json::from_str(
            r#"{"title":"Hi","questions":[{"id":"q1","type":"ces","text":"Easy?"},
                {"id":"q2","type":"single","text":"Which?","options":[{"id":"a","text":"A"}],"page":2}]}"#,
        )
        .unwrap();
        d.validate().unwrap();
        assert_eq!(d.default_language, "en");
        assert_eq!(d.questions[0].bounds(), Some((1, 7)));
        assert_eq!(d.pages(), 2);
        assert_eq!(d.questions_on(2).map(|q| q.id.as_str()).collect::<Vec<_>>(), ["q2"]);
        let back: SurveyDefinition = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn refuses_unknown_fields_so_typos_are_caught() {
        let r: Result<SurveyDefinition, _> = serde_json::from_str(
            r#"{"title":"Hi","questions":[{"id":"q1","type":"nps","text":"?","requried":true}]}"#,
        );
        assert!(r.is_err());
    }

    #[test]
    fn rejects_bad_ids_duplicates_points_options_and_overall() {
        assert_eq!(
            def(vec![q("Q1", QuestionKind::Nps)]).validate(),
            Err(DefinitionError::BadId("Q1".into()))
        );
        let dup = def(vec![q("a", QuestionKind::Nps), q("a", QuestionKind::Csat)]);
        assert_eq!(dup.validate(), Err(DefinitionError::DuplicateId("a".into())));
        let mut likert = q("l", QuestionKind::Likert);
        likert.points = Some(6);
        assert!(matches!(def(vec![likert]).validate(), Err(DefinitionError::Question { .. })));
        assert!(matches!(
            def(vec![q("s", QuestionKind::Single)]).validate(),
            Err(DefinitionError::Question { .. })
        ));
        let (mut a, mut b) = (q("a", QuestionKind::Csat), q("b", QuestionKind::Nps));
        a.overall = true;
        b.overall = true;
        assert!(matches!(def(vec![a, b]).validate(), Err(DefinitionError::TwoOverall { .. })));
        assert_eq!(def(vec![]).validate(), Err(DefinitionError::NoQuestions));
    }

    #[test]
    fn rejects_missing_default_language_text_and_page_gaps() {
        let mut d = def(vec![q("a", QuestionKind::Csat)]);
        d.default_language = "de".into();
        assert!(matches!(d.validate(), Err(DefinitionError::MissingText { .. })));
        let mut later = q("b", QuestionKind::Csat);
        later.page = 3;
        assert_eq!(
            def(vec![q("a", QuestionKind::Csat), later]).validate(),
            Err(DefinitionError::EmptyPage(2))
        );
    }
}
