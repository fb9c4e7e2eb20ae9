//! Importance–performance analysis (Martilla & James 1977, with importance derived from data).
//!
//! Items: every CSAT, Likert, CES and pair question except the `overall` one (NPS is an outcome,
//! not an attribute, and is left out). Importance = Pearson's r of the item (a pair: its
//! perception) with the overall item, over the responses answering both. Performance = the item's
//! mean over the responses answering it (a pair: the perception mean), on the item's own scale —
//! so quadrants compare like with like only when the items share a scale, as in a SERVQUAL survey.
//! Quadrants split at the mean importance and the mean performance of the items that have both;
//! a value equal to the mean counts as high. An item whose r is undefined (fewer than 2 shared
//! answers, or a constant) has no quadrant. Empty when the definition has no overall item.

use serde::Serialize;

use super::{Items, is_item};
use crate::responses::SKIPPED;
use crate::stats::PairSums;

/// Where an item falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Quadrant {
    /// High importance, low performance.
    #[serde(rename = "concentrate here")]
    ConcentrateHere,
    /// High importance, high performance.
    #[serde(rename = "keep up the good work")]
    KeepUpTheGoodWork,
    /// Low importance, low performance.
    #[serde(rename = "low priority")]
    LowPriority,
    /// Low importance, high performance.
    #[serde(rename = "possible overkill")]
    PossibleOverkill,
}

/// One item of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IpaItem {
    /// The question id.
    pub item: String,
    /// Pearson's r with the overall item.
    pub importance: Option<f64>,
    /// The item's mean.
    pub performance: Option<f64>,
    /// Its quadrant; `null` without importance or performance.
    pub quadrant: Option<Quadrant>,
}

pub(super) fn importance_performance(items: &Items<'_>) -> Vec<IpaItem> {
    let Some(overall_index) = items.questions().find(|(_, q)| q.overall).map(|(i, _)| i) else {
        return Vec::new();
    };
    let overall = items.points(overall_index).unwrap_or_default();
    let mut out: Vec<IpaItem> = items
        .questions()
        .filter(|(_, q)| is_item(q) && !q.overall)
        .map(|(i, q)| {
            let values = items.points(i).unwrap_or_default();
            let (with_overall, (n, sum)) = if overall.len() == values.len() {
                PairSums::of_columns(values, overall, SKIPPED)
            } else {
                PairSums::of_columns(values, &vec![SKIPPED; values.len()], SKIPPED)
            };
            let performance = (n > 0).then(|| sum as f64 / n as f64);
            IpaItem { item: q.id.clone(), importance: with_overall.pearson(), performance, quadrant: None }
        })
        .collect();
    let placed: Vec<(f64, f64)> = out.iter().filter_map(|it| it.importance.zip(it.performance)).collect();
    if placed.is_empty() {
        return out;
    }
    let count = placed.len() as f64;
    let mean_importance = placed.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_performance = placed.iter().map(|p| p.1).sum::<f64>() / count;
    for it in &mut out {
        it.quadrant = it.importance.zip(it.performance).map(|(i, p)| {
            match (i >= mean_importance, p >= mean_performance) {
                (true, false) => Quadrant::ConcentrateHere,
                (true, true) => Quadrant::KeepUpTheGoodWork,
                (false, false) => Quadrant::LowPriority,
                (false, true) => Quadrant::PossibleOverkill,
            }
        });
    }
    out
}
