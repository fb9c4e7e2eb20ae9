//! The sentiment scorer on 80 hand-labelled customer-feedback sentences (`tests/sentiment/
//! labelled.tsv`, written for these tests) and against VADER's own scores for the same sentences
//! (`vader_reference.tsv`, made by `make_vader_reference.py` with vaderSentiment 3.3.2).
//! `cargo test -p tenure-surveys --test sentiment -- --nocapture` prints the figures.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::path::Path;

use tenure_surveys::sentiment::{SentimentLabel, sentiment};

/// Least share of hand labels the scorer must match (0.91 when written; VADER itself scores 0.90).
const MIN_ACCURACY: f64 = 0.8;
/// Least share of sentences whose label equals VADER's (0.99 when written).
const MIN_AGREEMENT: f64 = 0.9;

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sentiment").join(name)).unwrap()
}

fn label_of(name: &str) -> SentimentLabel {
    match name {
        "positive" => SentimentLabel::Positive,
        "negative" => SentimentLabel::Negative,
        _ => SentimentLabel::Neutral,
    }
}

fn label_of_compound(c: f64) -> SentimentLabel {
    if c >= 0.05 {
        SentimentLabel::Positive
    } else if c <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

#[test]
fn labels_most_hand_labelled_sentences_right_and_agrees_with_vader() {
    let labelled: Vec<(SentimentLabel, String)> = file("labelled.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (label, text) = l.split_once('\t').unwrap();
            (label_of(label), text.to_owned())
        })
        .collect();
    let vader: Vec<(f64, String)> = file("vader_reference.tsv")
        .lines()
        .map(|l| {
            let (score, text) = l.split_once('\t').unwrap();
            (score.parse().unwrap(), text.to_owned())
        })
        .collect();
    assert_eq!(labelled.len(), vader.len());
    let (mut right, mut vader_right, mut agree, mut abs_diff) = (0, 0, 0, 0.0);
    for ((label, text), (reference, reference_text)) in labelled.iter().zip(&vader) {
        assert_eq!(text, reference_text);
        let ours = sentiment(text);
        right += usize::from(ours.label == *label);
        vader_right += usize::from(label_of_compound(*reference) == *label);
        agree += usize::from(ours.label == label_of_compound(*reference));
        abs_diff += (ours.compound - reference).abs();
        if ours.label != *label {
            println!(
                "{label:?} labelled, {:?} scored ({:.3}; VADER {reference}): {text}",
                ours.label, ours.compound
            );
        }
    }
    let n = labelled.len() as f64;
    let (accuracy, vader_accuracy, agreement) = (right as f64 / n, vader_right as f64 / n, agree as f64 / n);
    println!(
        "accuracy {accuracy:.3} (VADER {vader_accuracy:.3}), same label as VADER {agreement:.3}, \
         mean |compound − VADER's| {:.4}",
        abs_diff / n
    );
    assert!(accuracy >= MIN_ACCURACY, "accuracy {accuracy}");
    assert!(agreement >= MIN_AGREEMENT, "agreement {agreement}");
}
