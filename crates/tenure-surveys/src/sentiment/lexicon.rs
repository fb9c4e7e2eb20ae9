//! The word lists the sentiment scorer reads: the VADER valence lexicon (data carried from the
//! `vaderSentiment` 3.3.2 package on PyPI, MIT licence in `LICENSE-VADER.txt` beside it: its
//! first two columns, token and mean valence −4…4), and our own short lists of intensifiers,
//! dampeners, negations and stop words.

use std::collections::HashMap;
use std::sync::OnceLock;

const LEXICON_TSV: &str = include_str!("vader_lexicon.tsv");

/// Mean valence (−4 … 4) of a lowercase token or two-word phrase, if the lexicon has it.
pub(super) fn valence(token: &str) -> Option<f64> {
    static LEXICON: OnceLock<HashMap<&'static str, f64>> = OnceLock::new();
    LEXICON
        .get_or_init(|| {
            LEXICON_TSV
                .lines()
                .filter_map(|line| {
                    let (token, value) = line.split_once('\t')?;
                    Some((token, value.trim().parse().ok()?))
                })
                .collect()
        })
        .get(token)
        .copied()
}

/// Words that strengthen the next sentiment word.
const INTENSIFIERS: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerably",
    "decidedly",
    "deeply",
    "enormously",
    "entirely",
    "especially",
    "exceptionally",
    "extremely",
    "fabulously",
    "greatly",
    "highly",
    "hugely",
    "incredibly",
    "intensely",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "super",
    "thoroughly",
    "totally",
    "tremendously",
    "truly",
    "unbelievably",
    "unusually",
    "utterly",
    "very",
    "most",
    "more",
    "fully",
    "seriously",
];

/// Words that weaken it.
const DAMPENERS: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "less",
    "little",
    "marginally",
    "occasionally",
    "partly",
    "scarcely",
    "slightly",
    "somewhat",
    "sorta",
    "fairly",
];

/// Words that negate the sentiment of the words after them (plus anything ending in "n't").
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "cannot", "without",
    "dont", "doesnt", "didnt", "isnt", "wasnt", "werent", "arent", "wont", "wouldnt", "cant", "couldnt",
    "shouldnt", "hasnt", "havent", "hadnt", "aint",
];

/// Direction of a booster word: +1 intensifies, −1 dampens, 0 is no booster.
pub(super) fn booster(lower: &str) -> f64 {
    if INTENSIFIERS.contains(&lower) {
        1.0
    } else if DAMPENERS.contains(&lower) {
        -1.0
    } else {
        0.0
    }
}

/// Whether a lowercase token negates.
pub(super) fn is_negation(lower: &str) -> bool {
    NEGATIONS.contains(&lower) || lower.ends_with("n't") || lower.ends_with("n’t")
}

/// English and German function words left out of trending terms.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had",
    "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "it's", "just", "me", "my", "of", "on", "one", "or", "our", "out", "she", "so", "some", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us",
    "was", "we", "were", "what", "when", "which", "who", "will", "with", "would", "you", "your", "i'm",
    "i've", "very", "really", "much", "more", "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin",
    "bis", "da", "das", "dass", "dem", "den", "der", "die", "doch", "du", "ein", "eine", "einen", "einer",
    "es", "für", "hat", "hatte", "ich", "ihr", "im", "ist", "ja", "mal", "man", "mit", "nach", "noch", "nur",
    "oder", "schon", "sehr", "sich", "sie", "sind", "so", "um", "und", "uns", "von", "vor", "war", "was",
    "wie", "wir", "zu", "zum", "zur",
];

/// Whether a lowercase word is a stop word.
pub(super) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.contains(&lower)
}
