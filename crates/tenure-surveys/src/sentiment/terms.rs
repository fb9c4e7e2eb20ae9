//! Trending terms: the words of this period's texts that rose most against the previous period's.
//!
//! Score: the log-odds ratio of a word between the two periods with a uniform Dirichlet prior of
//! α = 0.5 per word, divided by its standard error — Monroe, Colaresi & Quinn, "Fightin' Words",
//! Political Analysis 16(4), 2008, §3.5:
//! δ = ln((y₁ + α)/(n₁ + α₀ − y₁ − α)) − ln((y₀ + α)/(n₀ + α₀ − y₀ − α)), σ² ≈ 1/(y₁ + α) + 1/(y₀ + α),
//! z = δ/σ, with yᵢ a word's count and nᵢ all words' count in period i, α₀ = α · vocabulary size.
//! Dividing by σ keeps one-off words from topping the list. Words are letters (and inner
//! apostrophes), lower-cased, at least 3 characters, English and German stop words removed.

use std::collections::HashMap;

use serde::Serialize;

use super::lexicon::is_stop_word;

/// Prior count per word.
const ALPHA: f64 = 0.5;

/// A word that rose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendingTerm {
    /// The word, lower-cased.
    pub term: String,
    /// Times it occurs in the current texts.
    pub current: u64,
    /// Times it occurs in the previous texts.
    pub previous: u64,
    /// The z-scored log-odds ratio, current against previous.
    pub score: f64,
}

/// The words of a text that count as terms.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_lowercase())
        .filter(|w| w.chars().count() >= 3 && !is_stop_word(w))
}

fn counts(texts: &[&str]) -> (HashMap<String, u64>, u64) {
    let mut counts = HashMap::new();
    let mut total = 0;
    for word in texts.iter().flat_map(|t| words(t)) {
        *counts.entry(word).or_insert(0) += 1;
        total += 1;
    }
    (counts, total)
}

/// The `top` words of `current` with the highest positive score against `previous`, best first
/// (ties by word). Words seen only in `previous` cannot trend.
pub fn trending_terms(current: &[&str], previous: &[&str], top: usize) -> Vec<TrendingTerm> {
    let ((now, n1), (before, n0)) = (counts(current), counts(previous));
    let vocabulary = now.keys().chain(before.keys().filter(|w| !now.contains_key(*w))).count() as f64;
    let alpha0 = ALPHA * vocabulary;
    let log_odds = |y: f64, n: f64| ((y + ALPHA) / (n + alpha0 - y - ALPHA)).ln();
    let mut terms: Vec<TrendingTerm> = now
        .iter()
        .map(|(term, &y1)| {
            let y0 = before.get(term).copied().unwrap_or(0);
            let (y1f, y0f) = (y1 as f64, y0 as f64);
            let delta = log_odds(y1f, n1 as f64) - log_odds(y0f, n0 as f64);
            let score = delta / (1.0 / (y1f + ALPHA) + 1.0 / (y0f + ALPHA)).sqrt();
            TrendingTerm { term: term.clone(), current: y1, previous: y0, score }
        })
        .filter(|t| t.score > 0.0)
        .collect();
    terms.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.term.cmp(&b.term)));
    terms.truncate(top);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_that_rose_often_beats_one_seen_once() {
        let previous = ["Delivery was fine", "Good price", "Nice packaging", "Fine, thanks"];
        let current = [
            "Delivery was late again",
            "Late delivery, very annoying",
            "Parcel late",
            "The courier was late",
            "Wonderful gift wrap",
        ];
        let terms = trending_terms(&current, &previous, 3);
        assert_eq!(terms[0].term, "late");
        assert_eq!((terms[0].current, terms[0].previous), (4, 0));
        assert!(terms.iter().all(|t| t.term != "the" && t.term != "was"));
        assert!(terms.len() <= 3);
    }

    #[test]
    fn words_drops_stop_words_short_words_and_punctuation() {
        let w: Vec<String> = words("It's the BEST shop – und sehr schnell, ok?").collect();
        assert_eq!(w, ["best", "shop", "schnell"]);
        assert!(trending_terms(&[], &["anything"], 5).is_empty());
    }
}
