//! Per-question numbers: CSAT %, NPS, CES, Likert distribution, pair gap, choice counts, text n.
//!
//! Definitions (PRODUCT.md §4): CSAT % = answers of 4–5 / answers × 100, with the Wilson 95 %
//! interval of that share; NPS = % promoters (9–10) − % detractors (0–6), interval
//! NPS ± z·100·√((p_P + p_D − (p_P − p_D)²)/n) (the variance of a difference of two multinomial
//! shares; not clipped to ±100); CES "agree" = the points above the neutral middle (5–7 of 7,
//! 4–5 of 5), below it (1–3, 1–2) for `higher_is_harder`, and its mean is on the scale as asked;
//! Likert top-2-box = the two highest points, bottom-2-box the two lowest; a pair's n counts
//! responses answering both sides (the only kind of pair answer there is); a choice's percent is
//! of the responses answering the question (so a multiple choice's can add up past 100).

use serde::Serialize;

use super::{AnalysisOptions, Items, OrderedMap};
use crate::definition::{CesDirection, Question, QuestionKind};
use crate::responses::{Column, SKIPPED};
use crate::stats::{Z95, percent, wilson_percent};

/// One question's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionStats {
    /// Answers counted (skipped ones are not).
    pub n: u64,
    /// `"n = 12 is under 30: too few to tell"` when n is under the minimum sample, else null.
    pub warning: Option<String>,
    /// The kind's own numbers, tagged `"type"` in JSON.
    #[serde(flatten)]
    pub detail: QuestionDetail,
}

/// The numbers of each kind of question. Means and shares are `null` when n = 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum QuestionDetail {
    /// Customer satisfaction.
    Csat {
        /// Share of 4 and 5, percent.
        csat_percent: Option<f64>,
        /// Mean of the points, 1–5.
        mean: Option<f64>,
        /// Wilson 95 % interval of `csat_percent`, `[low, high]`.
        ci95: Option<[f64; 2]>,
    },
    /// Net Promoter Score.
    Nps {
        /// % promoters − % detractors, −100…100.
        nps: Option<f64>,
        /// Share of 9–10, percent.
        promoters: Option<f64>,
        /// Share of 7–8, percent.
        passives: Option<f64>,
        /// Share of 0–6, percent.
        detractors: Option<f64>,
        /// 95 % interval of `nps`, `[low, high]`.
        ci95: Option<[f64; 2]>,
    },
    /// Customer effort.
    Ces {
        /// Mean of the points as asked.
        mean: Option<f64>,
        /// Share on the easy side of the middle, percent.
        percent_agree: Option<f64>,
    },
    /// Agreement with a statement.
    Likert {
        /// Mean of the points.
        mean: Option<f64>,
        /// Answers per point; index 0 is point 1.
        distribution: Vec<u64>,
        /// Share of the two highest points, percent.
        top2_box: Option<f64>,
        /// Share of the two lowest points, percent.
        bottom2_box: Option<f64>,
    },
    /// Expectation against perception.
    Pair {
        /// Mean expectation.
        expectation_mean: Option<f64>,
        /// Mean perception.
        perception_mean: Option<f64>,
        /// `perception_mean − expectation_mean`.
        gap: Option<f64>,
    },
    /// Single choice.
    Single {
        /// Per option id, in definition order.
        options: OrderedMap<ChoiceCount>,
    },
    /// Multiple choice.
    Multi {
        /// Per option id, in definition order.
        options: OrderedMap<ChoiceCount>,
    },
    /// Free text: only n.
    Text {},
}

/// How often an option was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChoiceCount {
    /// Responses choosing it.
    pub count: u64,
    /// Of the responses answering the question, percent.
    pub percent: Option<f64>,
}

pub(super) fn per_question(items: &Items<'_>, options: &AnalysisOptions) -> OrderedMap<QuestionStats> {
    items
        .questions()
        .map(|(i, q)| {
            let (n, detail) = match items.column(i) {
                Some(column) => describe(q, column),
                None => describe(q, &empty_column(q)),
            };
            let warning = (n < options.min_sample as u64)
                .then(|| format!("n = {n} is under {}: too few to tell", options.min_sample));
            (q.id.clone(), QuestionStats { n, warning, detail })
        })
        .collect()
}

fn empty_column(q: &Question) -> Column {
    match q.kind {
        QuestionKind::Pair => Column::Pair { expectation: Vec::new(), perception: Vec::new() },
        QuestionKind::Single => Column::Single(Vec::new()),
        QuestionKind::Multi => Column::Multi(Vec::new()),
        QuestionKind::Text => Column::Text(Default::default()),
        _ => Column::Scale(Vec::new()),
    }
}

/// Answers per byte value; the [`SKIPPED`] bucket is cleared.
pub(super) fn histogram(values: &[u8]) -> [u64; 256] {
    let mut counts = [0u64; 256];
    for &v in values {
        counts[usize::from(v)] += 1;
    }
    counts[usize::from(SKIPPED)] = 0;
    counts
}

fn describe(q: &Question, column: &Column) -> (u64, QuestionDetail) {
    match column {
        Column::Scale(values) => scale(q, &histogram(values)),
        Column::Pair { expectation, perception } => {
            let (mut n, mut se, mut sp) = (0u64, 0u64, 0u64);
            for (&e, &p) in expectation.iter().zip(perception) {
                if e != SKIPPED && p != SKIPPED {
                    n += 1;
                    se += u64::from(e);
                    sp += u64::from(p);
                }
            }
            let mean = |s: u64| (n > 0).then(|| s as f64 / n as f64);
            let (expectation_mean, perception_mean) = (mean(se), mean(sp));
            let gap = perception_mean.zip(expectation_mean).map(|(p, e)| p - e);
            (n, QuestionDetail::Pair { expectation_mean, perception_mean, gap })
        }
        Column::Single(values) => {
            let counts = histogram(values);
            let n = counts.iter().sum();
            (n, QuestionDetail::Single { options: choice_counts(q, n, |i| counts[i]) })
        }
        Column::Multi(sets) => {
            let mut counts = [0u64; 64];
            let mut n = 0;
            for &set in sets.iter().filter(|s| **s != 0) {
                n += 1;
                for (bit, count) in counts.iter_mut().enumerate() {
                    *count += (set >> bit) & 1;
                }
            }
            (
                n,
                QuestionDetail::Multi {
                    options: choice_counts(q, n, |i| counts.get(i).copied().unwrap_or(0)),
                },
            )
        }
        Column::Text(texts) => (texts.count_present() as u64, QuestionDetail::Text {}),
    }
}

fn choice_counts(q: &Question, n: u64, count: impl Fn(usize) -> u64) -> OrderedMap<ChoiceCount> {
    q.options
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.clone(), ChoiceCount { count: count(i), percent: percent(count(i), n) }))
        .collect()
}

/// Numbers of a one-value scale question from its histogram.
fn scale(q: &Question, counts: &[u64; 256]) -> (u64, QuestionDetail) {
    let (low, high) = q.bounds().unwrap_or((0, 0));
    let points = usize::from(low)..=usize::from(high);
    let between = |a: u8, b: u8| (a..=b).map(|v| counts[usize::from(v)]).sum::<u64>();
    let n: u64 = counts[points.clone()].iter().sum();
    let sum: u64 = counts[points.clone()].iter().zip(points.clone()).map(|(c, v)| c * v as u64).sum();
    let mean = (n > 0).then(|| sum as f64 / n as f64);
    let detail = match q.kind {
        QuestionKind::Csat => QuestionDetail::Csat {
            csat_percent: percent(between(4, 5), n),
            mean,
            ci95: wilson_percent(between(4, 5), n),
        },
        QuestionKind::Nps => nps(between(9, 10), between(7, 8), between(0, 6), n),
        QuestionKind::Ces => {
            let middle = (low + high) / 2;
            let agree = match q.ces_direction() {
                CesDirection::HigherIsEasier => between(middle + 1, high),
                CesDirection::HigherIsHarder => between(low, middle - 1),
            };
            QuestionDetail::Ces { mean, percent_agree: percent(agree, n) }
        }
        _ => QuestionDetail::Likert {
            mean,
            distribution: counts[points].to_vec(),
            top2_box: percent(between(high - 1, high), n),
            bottom2_box: percent(between(low, low + 1), n),
        },
    };
    (n, detail)
}

fn nps(promoters: u64, passives: u64, detractors: u64, n: u64) -> QuestionDetail {
    let (p, d) = (percent(promoters, n), percent(detractors, n));
    let score = p.zip(d).map(|(p, d)| p - d);
    let ci95 = score.map(|s| {
        let (pp, pd) = (promoters as f64 / n as f64, detractors as f64 / n as f64);
        let half = Z95 * 100.0 * ((pp + pd - (pp - pd) * (pp - pd)) / n as f64).sqrt();
        [s - half, s + half]
    });
    QuestionDetail::Nps { nps: score, promoters: p, passives: percent(passives, n), detractors: d, ci95 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::SurveyDefinition;

    fn stats_of(kind: &str, extra: &str, values: &[u8]) -> (u64, QuestionDetail) {
        let def: SurveyDefinition = serde_json::from_str(&format!(
            r#"{{"title":"t","questions":[{{"id":"q","type":"{kind}","text":"?"{extra}}}]}}"#
        ))
        .unwrap();
        describe(&def.questions[0], &Column::Scale(values.to_vec()))
    }

    #[test]
    fn nps_of_two_promoters_two_passives_two_detractors_is_zero() {
        let (n, detail) = stats_of("nps", "", &[10, 9, 8, 7, 6, 0, SKIPPED]);
        assert_eq!(n, 6);
        let QuestionDetail::Nps { nps, promoters, detractors, ci95, .. } = detail else { panic!() };
        assert_eq!(
            (nps, promoters, detractors),
            (Some(0.0), Some(100.0 * 2.0 / 6.0), Some(100.0 * 2.0 / 6.0))
        );
        // p_P = p_D = 1/3: half-width = z · 100 · √((2/3) / 6).
        let half = Z95 * 100.0 * (2.0_f64 / 3.0 / 6.0).sqrt();
        assert_eq!(ci95, Some([-half, half]));
    }

    #[test]
    fn csat_of_one_to_five_is_forty_percent() {
        let (n, detail) = stats_of("csat", "", &[5, 4, 3, 2, 1]);
        let QuestionDetail::Csat { csat_percent, mean, ci95 } = detail else { panic!() };
        assert_eq!((n, csat_percent, mean), (5, Some(40.0), Some(3.0)));
        assert_eq!(ci95, wilson_percent(2, 5));
    }

    #[test]
    fn ces_agree_is_above_the_middle_and_flips_for_harder() {
        let (_, easy) = stats_of("ces", "", &[7, 5, 4, 1]);
        assert_eq!(easy, QuestionDetail::Ces { mean: Some(17.0 / 4.0), percent_agree: Some(50.0) });
        let (_, hard) = stats_of("ces", r#","points":5,"direction":"higher_is_harder""#, &[1, 2, 3, 5]);
        assert_eq!(hard, QuestionDetail::Ces { mean: Some(11.0 / 4.0), percent_agree: Some(50.0) });
    }

    #[test]
    fn likert_distribution_and_boxes() {
        let (_, detail) = stats_of("likert", "", &[1, 2, 2, 5, 4, SKIPPED]);
        assert_eq!(
            detail,
            QuestionDetail::Likert {
                mean: Some(14.0 / 5.0),
                distribution: vec![1, 2, 0, 1, 1],
                top2_box: Some(40.0),
                bottom2_box: Some(60.0),
            }
        );
    }

    #[test]
    fn nothing_answered_gives_nulls_not_nans() {
        let (n, detail) = stats_of("csat", "", &[SKIPPED]);
        assert_eq!((n, detail), (0, QuestionDetail::Csat { csat_percent: None, mean: None, ci95: None }));
    }
}
