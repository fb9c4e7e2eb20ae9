//! SERVQUAL gaps per dimension (pair questions sharing a `dimension`), with a paired t-test.
//!
//! Per response, a dimension's expectation score is the mean of the expectations of its pair
//! items that the response answered, and likewise its perception score; a response counts when it
//! answered at least one of the dimension's items (requiring all would drop most responses of a
//! long questionnaire over one skipped item). Across the n counted responses: the two means, gap =
//! perception mean − expectation mean, and the two-sided paired t-test of perception against
//! expectation scores (`null` for n < 2 or when every response has the same difference).

use serde::Serialize;

use super::{Items, OrderedMap};
use crate::definition::QuestionKind;
use crate::responses::{Column, SKIPPED};
use crate::stats::paired_t_p_value_from;

/// A dimension's expectation, perception and gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionStats {
    /// Its pair items' question ids, in definition order.
    pub items: Vec<String>,
    /// Responses answering at least one of its items.
    pub n: u64,
    /// Mean of the per-response expectation scores.
    pub expectation_mean: Option<f64>,
    /// Mean of the per-response perception scores.
    pub perception_mean: Option<f64>,
    /// `perception_mean − expectation_mean`.
    pub gap: Option<f64>,
    /// Two-sided paired t-test p-value, perception vs expectation.
    pub p_value: Option<f64>,
}

pub(super) fn per_dimension(items: &Items<'_>) -> OrderedMap<DimensionStats> {
    let mut names: Vec<&str> = Vec::new();
    for (_, q) in items.questions().filter(|(_, q)| q.kind == QuestionKind::Pair) {
        if let Some(name) = q.dimension.as_deref().filter(|n| !names.contains(n)) {
            names.push(name);
        }
    }
    names.into_iter().map(|name| (name.to_owned(), dimension_stats(items, name))).collect()
}

fn dimension_stats(items: &Items<'_>, name: &str) -> DimensionStats {
    let members: Vec<(usize, &str)> = items
        .questions()
        .filter(|(_, q)| q.kind == QuestionKind::Pair && q.dimension.as_deref() == Some(name))
        .map(|(i, q)| (i, q.id.as_str()))
        .collect();
    // Per response: sums of the answered items' expectations and perceptions, and their count,
    // accumulated item by item (column-wise loops the compiler vectorises).
    let len = items.len();
    let (mut sum_e, mut sum_p, mut count) = (vec![0u32; len], vec![0u32; len], vec![0u32; len]);
    for &(i, _) in &members {
        let Some(Column::Pair { expectation, perception }) = items.column(i) else { continue };
        for r in 0..len.min(expectation.len()).min(perception.len()) {
            let (e, p) = (expectation[r], perception[r]);
            let answered = u32::from(e != SKIPPED && p != SKIPPED);
            sum_e[r] += answered * u32::from(e);
            sum_p[r] += answered * u32::from(p);
            count[r] += answered;
        }
    }
    let scores = || {
        (0..len).filter(|&r| count[r] > 0).map(|r| {
            let c = f64::from(count[r]);
            (f64::from(sum_e[r]) / c, f64::from(sum_p[r]) / c)
        })
    };
    let (mut n, mut total_e, mut total_p) = (0usize, 0.0, 0.0);
    let (mut lowest, mut highest) = (f64::INFINITY, f64::NEG_INFINITY);
    for (e, p) in scores() {
        n += 1;
        total_e += e;
        total_p += p;
        lowest = lowest.min(p - e);
        highest = highest.max(p - e);
    }
    let mean = |total: f64| (n > 0).then(|| total / n as f64);
    let (expectation_mean, perception_mean) = (mean(total_e), mean(total_p));
    let gap = perception_mean.zip(expectation_mean).map(|(p, e)| p - e);
    let p_value = gap.and_then(|g| {
        let squares: f64 = scores().map(|(e, p)| (p - e - g) * (p - e - g)).sum();
        paired_t_p_value_from(n, g, squares, lowest == highest)
    });
    DimensionStats {
        items: members.iter().map(|(_, id)| (*id).to_owned()).collect(),
        n: n as u64,
        expectation_mean,
        perception_mean,
        gap,
        p_value,
    }
}
