//! Cronbach's α of each multi-item scale (questions sharing a `scale` name), and α with each item
//! left out.
//!
//! α = k/(k − 1) · (1 − Σσ²ᵢ / σ²_total) (Cronbach 1951), σ² sample variances (n − 1), over the
//! responses that answered every item of the scale (listwise deletion, as `pingouin.cronbach_alpha`
//! on complete rows). A pair item's value is its gap, perception − expectation, so a SERVQUAL
//! dimension's α measures the consistency of its gaps. Sums are exact integers: with
//! Sₐᵦ = n Σxₐxᵦ − Σxₐ Σxᵦ (= n (n − 1) covₐᵦ) the factor n (n − 1) cancels and
//! α = k/(k − 1) · (1 − Σₐ Sₐₐ / Σₐᵦ Sₐᵦ) is rounded once. α is `null` with fewer than 2 items,
//! fewer than 2 complete responses, or a total variance of 0.

use serde::Serialize;

use super::{Items, OrderedMap, is_item};
use crate::responses::{Column, SKIPPED};

/// Marks a response that skipped at least one of the scale's items.
const INCOMPLETE: i16 = i16::MIN;

/// Each item's values (a pair's gap), [`INCOMPLETE`] in every item where any item was skipped.
fn item_values(items: &Items<'_>, members: &[(usize, &str)]) -> Vec<Vec<i16>> {
    let len = items.len();
    let mut values: Vec<Vec<i16>> = members
        .iter()
        .map(|&(i, _)| {
            let value = |x: u8| if x == SKIPPED { INCOMPLETE } else { i16::from(x) };
            match items.column(i) {
                Some(Column::Scale(v)) if v.len() == len => v.iter().map(|&x| value(x)).collect(),
                Some(Column::Pair { expectation, perception })
                    if expectation.len() == len && perception.len() == len =>
                {
                    expectation
                        .iter()
                        .zip(perception)
                        .map(|(&e, &p)| {
                            if e == SKIPPED || p == SKIPPED {
                                INCOMPLETE
                            } else {
                                i16::from(p) - i16::from(e)
                            }
                        })
                        .collect()
                }
                _ => vec![INCOMPLETE; len],
            }
        })
        .collect();
    let mut complete = vec![true; len];
    for v in &values {
        for (c, &x) in complete.iter_mut().zip(v) {
            *c &= x != INCOMPLETE;
        }
    }
    for v in &mut values {
        for (x, &c) in v.iter_mut().zip(&complete) {
            if !c {
                *x = INCOMPLETE;
            }
        }
    }
    values
}

/// Σ aᵢbᵢ exactly; blocks of i32 sums (|aᵢbᵢ| ≤ 255², 16384 of them < 2³¹) vectorise.
fn dot(a: &[i16], b: &[i16]) -> i64 {
    a.chunks(16_384)
        .zip(b.chunks(16_384))
        .map(|(a, b)| i64::from(a.iter().zip(b).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum::<i32>()))
        .sum()
}

/// A scale's reliability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleStats {
    /// Its items' question ids, in definition order.
    pub items: Vec<String>,
    /// Responses that answered every item.
    pub n: u64,
    /// Cronbach's α over those responses.
    pub cronbach_alpha: Option<f64>,
    /// α of the other items (same responses) when this one is left out, by item id.
    pub alpha_if_deleted: OrderedMap<Option<f64>>,
}

pub(super) fn per_scale(items: &Items<'_>) -> OrderedMap<ScaleStats> {
    let mut names: Vec<&str> = Vec::new();
    for (_, q) in items.questions().filter(|(_, q)| is_item(q)) {
        if let Some(name) = q.scale.as_deref().filter(|n| !names.contains(n)) {
            names.push(name);
        }
    }
    names.into_iter().map(|name| (name.to_owned(), scale_stats(items, name))).collect()
}

fn scale_stats(items: &Items<'_>, name: &str) -> ScaleStats {
    let members: Vec<(usize, &str)> = items
        .questions()
        .filter(|(_, q)| is_item(q) && q.scale.as_deref() == Some(name))
        .map(|(i, q)| (i, q.id.as_str()))
        .collect();
    let values = item_values(items, &members);
    let k = values.len();
    let n: i64 = values.first().map_or(0, |first| first.iter().filter(|v| **v != INCOMPLETE).count() as i64);
    let values: Vec<Vec<i16>> = values
        .into_iter()
        .map(|v| v.into_iter().map(|x| if x == INCOMPLETE { 0 } else { x }).collect())
        .collect();
    let sums: Vec<i64> = values.iter().map(|v| v.iter().map(|&x| i64::from(x)).sum()).collect();
    let mut products = vec![0i64; k * k];
    for a in 0..k {
        for b in a..k {
            products[a * k + b] = dot(&values[a], &values[b]);
        }
    }
    let co = |a: usize, b: usize| {
        let (a, b) = (a.min(b), a.max(b));
        i128::from(n) * i128::from(products[a * k + b]) - i128::from(sums[a]) * i128::from(sums[b])
    };
    let alpha_of = |keep: &dyn Fn(usize) -> bool| -> Option<f64> {
        let kept: Vec<usize> = (0..k).filter(|&a| keep(a)).collect();
        let trace: i128 = kept.iter().map(|&a| co(a, a)).sum();
        let total: i128 =
            kept.iter().flat_map(|&a| kept.iter().map(move |&b| (a, b))).map(|(a, b)| co(a, b)).sum();
        let m = kept.len() as f64;
        (kept.len() >= 2 && n >= 2 && total > 0).then(|| m / (m - 1.0) * (1.0 - trace as f64 / total as f64))
    };
    ScaleStats {
        items: members.iter().map(|(_, id)| (*id).to_owned()).collect(),
        n: n as u64,
        cronbach_alpha: alpha_of(&|_| true),
        alpha_if_deleted: members
            .iter()
            .enumerate()
            .map(|(j, (_, id))| ((*id).to_owned(), alpha_of(&|a| a != j)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{AnalysisOptions, analyze};
    use crate::answers::{Answer, Answers};
    use crate::definition::SurveyDefinition;
    use crate::responses::{ResponseRow, ResponseSet};

    fn likert_scale(rows: &[[u8; 3]]) -> crate::analysis::Analysis {
        let def: SurveyDefinition = serde_json::from_value(serde_json::json!({"title": "t", "questions": [
            {"id": "a", "type": "likert", "text": "?", "scale": "s"},
            {"id": "b", "type": "likert", "text": "?", "scale": "s"},
            {"id": "c", "type": "likert", "text": "?", "scale": "s"}]}))
        .unwrap();
        let mut set = ResponseSet::new(&def);
        for (i, r) in rows.iter().enumerate() {
            let mut answers = Answers::new();
            for (id, v) in ["a", "b", "c"].iter().zip(r) {
                answers.insert(id, Answer::Scale(*v));
            }
            set.push(&ResponseRow { response_id: i.to_string(), submitted_at: 0, customer: None, answers })
                .unwrap();
        }
        analyze(&def, &set, &AnalysisOptions::default())
    }

    /// Hand computation: item variances 1, 1, 1 (sample); totals 6, 9, 12 → variance 9;
    /// α = 3/2 · (1 − 3/9) = 1. Then a noisier set computed with pingouin 0.7:
    /// `cronbach_alpha(pd.DataFrame([[1,2,2],[2,2,3],[3,4,3],[4,5,5],[2,1,2]]))[0]` = 0.9387755102040817
    /// (population item variances over a sample total variance would give 1.051).
    #[test]
    fn alpha_matches_hand_and_pingouin_values() {
        let perfect = likert_scale(&[[1, 2, 3], [2, 3, 4], [3, 4, 5]]);
        assert_eq!(perfect.scales.get("s").unwrap().cronbach_alpha, Some(1.0));
        let noisy = likert_scale(&[[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 5, 5], [2, 1, 2]]);
        let s = noisy.scales.get("s").unwrap();
        assert_eq!(s.n, 5);
        assert!((s.cronbach_alpha.unwrap() - 0.9387755102040817).abs() < 1e-12, "{:?}", s.cronbach_alpha);
    }

    #[test]
    fn alpha_is_null_without_variance() {
        let flat = likert_scale(&[[3, 3, 3], [3, 3, 3]]);
        assert_eq!(flat.scales.get("s").unwrap().cronbach_alpha, None);
    }
}
