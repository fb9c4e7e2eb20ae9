//! Tenure's surveys (PRODUCT.md §4), the pure part: what a survey asks ([`SurveyDefinition`],
//! [`Template`]s), what counts as an answer ([`Answers`], [`parse_form`], [`validate_answer`]),
//! the responses CSV ([`write_responses_csv`], [`read_responses_csv`]) and the statistics
//! ([`analyze`] → [`Analysis`]).
//!
//! No IO, no clock, no database, no logging: the store keeps definitions and responses, the app
//! hands them here as values, and the faces show the [`Analysis`] JSON. Typical use: validate a
//! definition when it is saved; [`parse_form`] each submitted page; collect the stored responses
//! into a [`ResponseSet`] (or read a CSV into one) and call [`analyze`]. Free-text answers get a
//! [`sentiment()`] and [`trending_terms`] (English, offline lexicon).

pub mod analysis;
pub mod answers;
pub mod behaviour;
pub mod definition;
mod form;
mod labels;
pub mod responses;
pub mod sentiment;
pub mod stats;
pub mod templates;
pub mod texts;
pub mod time;

pub use analysis::{Analysis, AnalysisOptions, analyze};
pub use answers::{Answer, AnswerError, Answers, validate_answer};
pub use behaviour::{
    BehaviourOptions, BehaviourReport, BehaviourRow, QuestionRows, ScoreKind, behaviour_report,
};
pub use definition::{
    CesDirection, Choice, DefinitionError, MAX_OPTIONS, MAX_TEXT_CHARS, Question, QuestionKind,
    SurveyDefinition,
};
pub use form::{parse_form, parse_form_all};
pub use labels::LABEL_LANGUAGES;
pub use responses::{
    Column, CsvError, ResponseRow, ResponseSet, SKIPPED, TextColumn, csv_header, read_responses_csv,
    write_responses_csv,
};
pub use sentiment::{Sentiment, SentimentLabel, TrendingTerm, sentiment, trending_terms};
pub use templates::Template;
pub use texts::Texts;
