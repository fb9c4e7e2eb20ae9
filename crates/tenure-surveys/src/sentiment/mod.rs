//! Sentiment of free-text answers (PRODUCT.md §4 "open-text sentiment and trending terms"):
//! an offline lexicon method for English, and the terms that rose most against a previous period.
//!
//! The scorer follows the published rules of VADER (Hutto & Gilbert, "VADER: A Parsimonious
//! Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014) over its lexicon
//! (`lexicon.rs`): each word's valence, ±0.293 per intensifier or dampener in the three words
//! before it (scaled 1, 0.95, 0.9 by distance), +0.733 for a word in capitals amid lower-case
//! text, ×−0.74 after a negation in the three words before, words before "but" ×0.5 and after it
//! ×1.5, up to four "!" adding 0.292 each (and two or three "?" 0.18 each, more 0.96) in the
//! direction of the sum; the sum s is normalised to s/√(s² + 15). The code is ours; some of
//! VADER's special cases (idioms, "least", "never so") are left out. Not for German text: its
//! words are simply not in the lexicon and score neutral.

mod lexicon;
mod terms;

pub use terms::{TrendingTerm, trending_terms, words};

use serde::Serialize;

/// Positive, negative or neutral, by the compound score's usual ±0.05 thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    /// compound ≥ 0.05.
    Positive,
    /// −0.05 < compound < 0.05.
    Neutral,
    /// compound ≤ −0.05.
    Negative,
}

/// A text's sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// −1 (most negative) … 1 (most positive).
    pub compound: f64,
    /// The label of `compound`.
    pub label: SentimentLabel,
}

const BOOST: f64 = 0.293;
const CAPS_BOOST: f64 = 0.733;
const NEGATION_FACTOR: f64 = -0.74;
const EXCLAMATION_BOOST: f64 = 0.292;
const QUESTION_BOOST: f64 = 0.18;
const NORMALISATION: f64 = 15.0;

/// The sentiment of one text.
pub fn sentiment(text: &str) -> Sentiment {
    let compound = compound(text);
    let label = if compound >= 0.05 {
        SentimentLabel::Positive
    } else if compound <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    Sentiment { compound, label }
}

/// A token as written and lower-cased, punctuation trimmed (emoticons kept whole).
struct Token<'a> {
    raw: &'a str,
    lower: String,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    text.split_whitespace()
        .filter_map(|word| {
            let lower = word.to_lowercase();
            if lexicon::valence(&lower).is_some() {
                return Some(Token { raw: word, lower });
            }
            let raw = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
            let raw = raw.trim_matches(|c| c == '\'' || c == '’');
            (!raw.is_empty()).then(|| Token { raw, lower: raw.to_lowercase() })
        })
        .collect()
}

fn is_shouted(raw: &str) -> bool {
    raw.chars().any(char::is_alphabetic) && !raw.chars().any(char::is_lowercase)
}

fn compound(text: &str) -> f64 {
    let tokens = tokens(text);
    let shouting = tokens.iter().any(|t| is_shouted(t.raw)) && tokens.iter().any(|t| !is_shouted(t.raw));
    let mut valences = vec![0.0; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let phrase = tokens.get(i + 1).map(|next| format!("{} {}", tokens[i].lower, next.lower));
        let (value, width) = match phrase.as_deref().and_then(lexicon::valence) {
            Some(v) => (v, 2),
            None => (lexicon::valence(&tokens[i].lower).unwrap_or(0.0), 1),
        };
        if value != 0.0 && lexicon::booster(&tokens[i].lower) == 0.0 {
            valences[i] = adjusted(&tokens, i, value, shouting);
        }
        i += width;
    }
    if let Some(but) = tokens.iter().position(|t| t.lower == "but") {
        for (j, v) in valences.iter_mut().enumerate() {
            *v *= if j < but { 0.5 } else { 1.5 };
        }
    }
    let sum: f64 = valences.iter().sum();
    // f64::signum(0.0) is 1: a text without sentiment words gets no emphasis.
    let direction = if sum > 0.0 {
        1.0
    } else if sum < 0.0 {
        -1.0
    } else {
        0.0
    };
    let s = sum + direction * punctuation(text);
    (s / (s * s + NORMALISATION).sqrt()).clamp(-1.0, 1.0)
}

/// A sentiment word's valence after capitals, boosters and negation in the three words before.
fn adjusted(tokens: &[Token<'_>], i: usize, value: f64, shouting: bool) -> f64 {
    let sign = value.signum();
    let mut v = value;
    if shouting && is_shouted(tokens[i].raw) {
        v += sign * CAPS_BOOST;
    }
    let mut negated = false;
    for (distance, scale) in [(1, 1.0), (2, 0.95), (3, 0.9)] {
        let Some(before) = i.checked_sub(distance).map(|j| &tokens[j]) else { break };
        let direction = lexicon::booster(&before.lower);
        if direction != 0.0 {
            let caps = if shouting && is_shouted(before.raw) { CAPS_BOOST } else { 0.0 };
            v += sign * direction * (BOOST + caps) * scale;
        }
        negated |= lexicon::is_negation(&before.lower);
    }
    if negated { v * NEGATION_FACTOR } else { v }
}

/// Emphasis of "!" and "?", added in the direction of the sum.
fn punctuation(text: &str) -> f64 {
    let exclamations = text.matches('!').count().min(4) as f64 * EXCLAMATION_BOOST;
    let questions = match text.matches('?').count() {
        0 | 1 => 0.0,
        n @ 2..=3 => n as f64 * QUESTION_BOOST,
        _ => 0.96,
    };
    exclamations + questions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> f64 {
        sentiment(text).compound
    }

    #[test]
    fn follows_the_published_rules() {
        assert!(score("The service was good") > 0.0);
        assert!(score("The service was very good") > score("The service was good"));
        assert!(score("The service was GOOD") > score("The service was good"));
        assert!(score("The service was good!!") > score("The service was good"));
        assert!(score("The service was not good") < 0.0);
        assert!(score("The staff were friendly, but the delivery was awful") < 0.0);
        assert!(score("The delivery was awful, but the staff were friendly") > 0.0);
        assert_eq!(sentiment("The parcel arrived on Tuesday").label, SentimentLabel::Neutral);
        assert_eq!(sentiment("").compound, 0.0);
        assert_eq!(sentiment("Delivered on Monday!!!").compound, 0.0);
    }

    /// vaderSentiment 3.3.2: `SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`.
    #[test]
    fn agrees_with_vader_on_plain_sentences() {
        for (text, expected) in [
            ("The service was good", 0.4404),
            ("The service was not good", -0.3412),
            ("The service was very good", 0.4927),
            ("I love it!", 0.6696),
        ] {
            assert!((score(text) - expected).abs() < 5e-4, "{text}: {} vs {expected}", score(text));
        }
    }
}
