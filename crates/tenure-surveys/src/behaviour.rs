//! Satisfaction against behaviour (PRODUCT.md §4): for each NPS band (promoter 9–10, passive 7–8,
//! detractor 0–6) and each CSAT band (satisfied 4–5, neutral 3, dissatisfied 1–2) of a survey's
//! questions, what the customers who answered so did afterwards — what no survey tool can show
//! on its own, because it does not have the purchases.
//!
//! Pure: the caller hands one [`BehaviourRow`] per answer (its score, the day it was given, the
//! customer's first purchase day after it, their revenue before it, their stored model scores)
//! and the day of the report; [`behaviour_report`] counts. Days are day numbers (days since
//! 1970-01-01) of the shop's calendar; money is integer minor units in, major units out (with the
//! exact minor sum where a sum is shown).
//!
//! Definitions:
//!
//! * **Bought again within N days**: a purchase on a day in `(answer day, answer day + N]` — a
//!   purchase on the answer day itself is not "after" (days carry no time of day; the usual cause
//!   of that purchase is the one the survey asked about). Only answers whose window has fully
//!   passed by `as_of` (answer day + N ≤ `as_of`, purchases on `as_of` counted) are in that
//!   window's denominator (`eligible`); the share comes with its Wilson 95 % interval. Purchases
//!   after `as_of` are not seen, answers given after `as_of` are left out.
//! * **Repeated answers.** Every answer counts in the repurchase shares and the revenue-weighted
//!   score: each is an observation of what followed that answer. Keeping only a customer's latest
//!   would bias the shares down — a customer who bought again is often asked again (a purchase
//!   triggers the next survey), and that later answer, whose window is young or empty, would
//!   replace the one that was followed by a purchase. What describes the customer *now* — mean
//!   probability alive, mean CLV, revenue at risk — counts each customer once per question, in the
//!   band of their latest answer to it (the latest day; on one day, the last row given), so no
//!   CLV is counted twice and a detractor who later answered as a promoter is no longer at risk.
//!   Shares of several answers by one customer are not independent; where repeat answers are
//!   common the intervals are a little too narrow (each band also says how many customers its
//!   answers came from).
//! * **Probability alive, CLV**: the means over the band's customers that have a stored score
//!   (`scored` says how many); customers without one are left out, not counted as zero.
//! * **Revenue-weighted score**: each answer weighted by the customer's net revenue
//!   ([`WEIGHT_DAYS`] = the 365 days up to and including the answer day, purchases only, after
//!   refunds): NPS = 100 · (Σw promoters − Σw detractors) / Σw; CSAT % = 100 · Σw satisfied / Σw.
//!   Answers with zero weight (no purchase in that year) drop out; `unweighted` is the plain score
//!   of the same answers, and `effective_n` Kish's (Σw)² / Σw², how many equal weights the
//!   weights are worth.
//! * **Revenue at risk**: the stored CLV of the customers whose latest answer is in the bottom band
//!   (detractor, CSAT ≤ 2) and who have not been recovered — no purchase after that answer, up to
//!   `as_of`. Per question, and for the survey as a whole, where a customer at risk on several
//!   questions counts once.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tenure_metrics::Date;

use crate::analysis::OrderedMap;
use crate::stats::{percent, wilson_percent};

/// The repurchase windows of a report by default, in days.
pub const DEFAULT_WINDOWS: [u32; 3] = [30, 90, 180];

/// An answer is weighted by the net revenue of this many days, the answer day the last of them.
pub const WEIGHT_DAYS: i32 = 365;

/// The two kinds of question that have bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    /// Net Promoter Score, 0–10.
    Nps,
    /// Customer satisfaction, 1–5.
    Csat,
}

/// A band of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// NPS 9–10.
    Promoter,
    /// NPS 7–8.
    Passive,
    /// NPS 0–6.
    Detractor,
    /// CSAT 4–5.
    Satisfied,
    /// CSAT 3.
    Neutral,
    /// CSAT 1–2.
    Dissatisfied,
}

impl Band {
    /// The band of `score` on a question of `kind`; `None` outside the scale.
    pub fn of(kind: ScoreKind, score: u8) -> Option<Band> {
        match (kind, score) {
            (ScoreKind::Nps, 9..=10) => Some(Band::Promoter),
            (ScoreKind::Nps, 7..=8) => Some(Band::Passive),
            (ScoreKind::Nps, 0..=6) => Some(Band::Detractor),
            (ScoreKind::Csat, 4..=5) => Some(Band::Satisfied),
            (ScoreKind::Csat, 3) => Some(Band::Neutral),
            (ScoreKind::Csat, 1..=2) => Some(Band::Dissatisfied),
            _ => None,
        }
    }

    /// The bands of `kind`, best first.
    pub fn all(kind: ScoreKind) -> [Band; 3] {
        match kind {
            ScoreKind::Nps => [Band::Promoter, Band::Passive, Band::Detractor],
            ScoreKind::Csat => [Band::Satisfied, Band::Neutral, Band::Dissatisfied],
        }
    }

    /// The lowest and highest score of the band.
    pub fn scores(self) -> [u8; 2] {
        match self {
            Band::Promoter => [9, 10],
            Band::Passive => [7, 8],
            Band::Detractor => [0, 6],
            Band::Satisfied => [4, 5],
            Band::Neutral => [3, 3],
            Band::Dissatisfied => [1, 2],
        }
    }

    /// The name used as the JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Band::Promoter => "promoter",
            Band::Passive => "passive",
            Band::Detractor => "detractor",
            Band::Satisfied => "satisfied",
            Band::Neutral => "neutral",
            Band::Dissatisfied => "dissatisfied",
        }
    }

    /// Whether the band's unrecovered customers are revenue at risk (the bottom bands).
    pub fn at_risk(self) -> bool {
        matches!(self, Band::Detractor | Band::Dissatisfied)
    }

    /// Position among the bands of its kind (0 = best).
    fn index(self) -> usize {
        match self {
            Band::Promoter | Band::Satisfied => 0,
            Band::Passive | Band::Neutral => 1,
            Band::Detractor | Band::Dissatisfied => 2,
        }
    }
}

/// One answer to one question, with what the customer did around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BehaviourRow {
    /// Whose answer: any key that is the same for the same customer (the store's customer id).
    pub customer: i64,
    /// The point answered (0–10 for NPS, 1–5 for CSAT; others are left out).
    pub score: u8,
    /// The day of the answer.
    pub answered_day: i32,
    /// The customer's first purchase day strictly after `answered_day`, if any (days after the
    /// report's `as_of` are ignored). See [`purchases_around`].
    pub next_purchase_day: Option<i32>,
    /// Net revenue of the [`WEIGHT_DAYS`] days up to and including `answered_day`, minor units.
    pub weight_minor: i64,
    /// The customer's stored probability alive, if scored.
    pub p_alive: Option<f64>,
    /// The customer's stored CLV, minor units, if scored.
    pub clv_minor: Option<i64>,
}

/// The answers to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRows {
    /// The question's id.
    pub id: String,
    /// NPS or CSAT.
    pub kind: ScoreKind,
    /// One row per answer, in the order given (oldest first, for ties on a day).
    pub rows: Vec<BehaviourRow>,
}

/// What a report is computed for.
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourOptions {
    /// The report's day: purchases up to its end are seen, answers after it left out.
    pub as_of: Date,
    /// Repurchase windows in days (default [`DEFAULT_WINDOWS`]).
    pub windows: Vec<u32>,
    /// Decimals of the money's minor unit (2 for USD, 0 for JPY).
    pub money_exponent: u32,
    /// Shares over fewer eligible answers than this carry a warning (default 30).
    pub min_sample: usize,
}

impl BehaviourOptions {
    /// The default windows, two decimals, a minimum sample of 30.
    pub fn new(as_of: Date) -> Self {
        Self { as_of, windows: DEFAULT_WINDOWS.to_vec(), money_exponent: 2, min_sample: 30 }
    }
}

/// Satisfaction against behaviour for one survey. Serialises as (illustrative figures):
///
/// ```json
/// {
///   "as_of": "2025-06-30", "windows": [30, 90, 180], "currency": "EUR", "scores_as_of": "2025-06-30",
///   "responses": 3120, "without_customer": 41,
///   "questions": {
///     "nps": {"type": "nps", "n": 3120, "customers": 3000,
///       "bands": {"promoter": {"scores": [9, 10], "responses": 1400, "respondents": 1380,
///           "repurchase": [{"days": 30, "eligible": 1290, "repurchased": 260, "percent": 20.2,
///                           "ci95": [18.1, 22.4], "warning": null}, "…"],
///           "customers": 1350, "scored": 1200, "mean_p_alive": 0.81, "mean_clv": 212.4,
///           "not_recovered": 390}, "…": {}},
///       "revenue_weighted": {"score": 31.0, "unweighted": 22.5, "responses": 3010, "zero_weight": 110,
///                            "total_weight": 412000.0, "effective_n": 1702.3},
///       "revenue_at_risk": {"customers": 310, "scored": 280, "clv": 40210.5, "clv_minor": 4021050}}
///   },
///   "revenue_at_risk": {"customers": 402, "scored": 371, "clv": 51022.1, "clv_minor": 5102210}
/// }
/// ```
///
/// Shares are percent, `null` (with a `null` interval) when nothing is eligible; means are `null`
/// without a scored customer; money is in major units (`clv_minor` the exact sum).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BehaviourReport {
    /// The report's day.
    pub as_of: Date,
    /// The repurchase windows, days.
    pub windows: Vec<u32>,
    /// The currency of the purchases, revenue and CLV (filled in by the caller, who read them).
    pub currency: Option<String>,
    /// The day the stored model scores describe, when any were used (filled in by the caller).
    pub scores_as_of: Option<Date>,
    /// Submitted responses with a known customer that answer an NPS or CSAT question, given by
    /// `as_of` (filled in by the caller).
    pub responses: usize,
    /// Submitted responses without a known customer, left out (filled in by the caller).
    pub without_customer: usize,
    /// Per NPS or CSAT question, in the order given.
    pub questions: OrderedMap<QuestionBehaviour>,
    /// Revenue at risk over every question, each customer once.
    pub revenue_at_risk: RevenueAtRisk,
}

/// One question against behaviour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionBehaviour {
    /// `"nps"` or `"csat"`.
    #[serde(rename = "type")]
    pub kind: ScoreKind,
    /// Answers counted (given by `as_of`, on the scale).
    pub n: usize,
    /// Distinct customers among them.
    pub customers: usize,
    /// Per band, best first: `promoter`, `passive`, `detractor` or `satisfied`, `neutral`,
    /// `dissatisfied`.
    pub bands: OrderedMap<BandBehaviour>,
    /// The score weighted by each answer's revenue.
    pub revenue_weighted: RevenueWeighted,
    /// The bottom band's unrecovered customers' CLV.
    pub revenue_at_risk: RevenueAtRisk,
}

/// One band of one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandBehaviour {
    /// Its lowest and highest score.
    pub scores: [u8; 2],
    /// Answers in the band (every answer of a customer who answered several times).
    pub responses: usize,
    /// Distinct customers who gave those answers.
    pub respondents: usize,
    /// Bought again within each window.
    pub repurchase: Vec<WindowRepurchase>,
    /// Customers whose latest answer to the question is in this band.
    pub customers: usize,
    /// Of those, customers with a stored score.
    pub scored: usize,
    /// Their mean stored probability alive.
    pub mean_p_alive: Option<f64>,
    /// Their mean stored CLV, major units.
    pub mean_clv: Option<f64>,
    /// Of `customers`, those without a purchase after their latest answer (up to `as_of`).
    pub not_recovered: usize,
}

/// The share of answers followed by a purchase within a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowRepurchase {
    /// The window, days after the answer day.
    pub days: u32,
    /// Answers whose window ended by `as_of`: the denominator.
    pub eligible: usize,
    /// Of those, answers followed by a purchase within the window.
    pub repurchased: usize,
    /// `repurchased / eligible`, percent.
    pub percent: Option<f64>,
    /// Wilson 95 % interval of `percent`, `[low, high]`.
    pub ci95: Option<[f64; 2]>,
    /// `"n = 12 is under 30: too few to tell"` when few answers are eligible, else null.
    pub warning: Option<String>,
}

/// The score with each answer weighted by the customer's revenue before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueWeighted {
    /// Revenue-weighted NPS (−100…100) or CSAT % (0…100); `null` when no answer has weight.
    pub score: Option<f64>,
    /// The same score of the same answers, unweighted.
    pub unweighted: Option<f64>,
    /// Answers with a positive weight.
    pub responses: usize,
    /// Answers left out for zero weight.
    pub zero_weight: usize,
    /// Σ weights, major units.
    pub total_weight: f64,
    /// Kish's effective sample size (Σw)² / Σw².
    pub effective_n: Option<f64>,
}

/// The CLV of bottom-band customers not recovered since their answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueAtRisk {
    /// Customers at risk (latest answer in the bottom band, no purchase since).
    pub customers: usize,
    /// Of those, customers with a stored CLV (the others add nothing).
    pub scored: usize,
    /// Their CLV, major units.
    pub clv: f64,
    /// The same, minor units.
    pub clv_minor: i64,
}

/// What a customer's purchases say about an answer given on `answered_day`: the first purchase day
/// strictly after it, and the net revenue of the [`WEIGHT_DAYS`] days ending with it (the answer
/// day included). `days` must be sorted, `revenues_minor` the purchases' revenue in the same order.
pub fn purchases_around(days: &[i32], revenues_minor: &[i64], answered_day: i32) -> (Option<i32>, i64) {
    let after = days.partition_point(|&d| d <= answered_day);
    let from = days.partition_point(|&d| d <= answered_day - WEIGHT_DAYS);
    let weight = revenues_minor.get(from..after).map_or(0, |r| r.iter().sum());
    (days.get(after).copied(), weight)
}

/// Satisfaction against behaviour of `questions` (see the module's definitions). The caller fills
/// in `currency`, `scores_as_of`, `responses` and `without_customer`.
pub fn behaviour_report(questions: &[QuestionRows], options: &BehaviourOptions) -> BehaviourReport {
    let unit = 10f64.powi(options.money_exponent.min(18) as i32);
    let mut union: HashMap<i64, Option<i64>> = HashMap::new();
    let questions = questions
        .iter()
        .map(|q| (q.id.clone(), question(q, options, unit, &mut union)))
        .collect::<OrderedMap<_>>();
    let mut revenue_at_risk = RiskSums::default();
    for clv in union.into_values() {
        revenue_at_risk.add(clv);
    }
    BehaviourReport {
        as_of: options.as_of,
        windows: options.windows.clone(),
        currency: None,
        scores_as_of: None,
        responses: 0,
        without_customer: 0,
        questions,
        revenue_at_risk: revenue_at_risk.finish(unit),
    }
}

/// Exact running sums of revenue at risk.
#[derive(Debug, Default)]
struct RiskSums {
    customers: usize,
    scored: usize,
    clv_minor: i64,
}

impl RiskSums {
    fn add(&mut self, clv_minor: Option<i64>) {
        self.customers += 1;
        if let Some(clv) = clv_minor {
            self.scored += 1;
            self.clv_minor = self.clv_minor.saturating_add(clv);
        }
    }

    fn finish(self, unit: f64) -> RevenueAtRisk {
        RevenueAtRisk {
            customers: self.customers,
            scored: self.scored,
            clv: self.clv_minor as f64 / unit,
            clv_minor: self.clv_minor,
        }
    }
}

/// Per band: answer counts and per window `(eligible, repurchased)`.
#[derive(Debug, Clone, Default)]
struct BandSums {
    responses: usize,
    windows: Vec<(usize, usize)>,
    customers: usize,
    scored_alive: usize,
    p_alive: f64,
    scored_clv: usize,
    clv_minor: i128,
    not_recovered: usize,
}

fn question(
    q: &QuestionRows,
    options: &BehaviourOptions,
    unit: f64,
    union: &mut HashMap<i64, Option<i64>>,
) -> QuestionBehaviour {
    let as_of = options.as_of.days();
    let mut bands: [BandSums; 3] = std::array::from_fn(|_| BandSums {
        windows: vec![(0, 0); options.windows.len()],
        ..BandSums::default()
    });
    let mut respondents: [HashSet<i64>; 3] = Default::default();
    // The latest counted row of each customer.
    let mut latest: HashMap<i64, (i32, usize)> = HashMap::new();
    let mut weighted = WeightSums::default();
    let mut n = 0;
    for (i, row) in q.rows.iter().enumerate() {
        let Some(band) = Band::of(q.kind, row.score).filter(|_| row.answered_day <= as_of) else {
            continue;
        };
        n += 1;
        let sums = &mut bands[band.index()];
        sums.responses += 1;
        respondents[band.index()].insert(row.customer);
        let next = next_seen(row, as_of);
        for (window, counts) in options.windows.iter().zip(&mut sums.windows) {
            let end = i64::from(row.answered_day) + i64::from(*window);
            if end <= i64::from(as_of) {
                counts.0 += 1;
                counts.1 += usize::from(next.is_some_and(|day| i64::from(day) <= end));
            }
        }
        weighted.add(band.index(), row.weight_minor);
        let entry = latest.entry(row.customer).or_insert((row.answered_day, i));
        if row.answered_day >= entry.0 {
            *entry = (row.answered_day, i);
        }
    }
    let mut risk = RiskSums::default();
    for &(_, i) in latest.values() {
        let row = &q.rows[i];
        let Some(band) = Band::of(q.kind, row.score) else { continue };
        let sums = &mut bands[band.index()];
        sums.customers += 1;
        if let Some(p) = row.p_alive {
            sums.scored_alive += 1;
            sums.p_alive += p;
        }
        if let Some(clv) = row.clv_minor {
            sums.scored_clv += 1;
            sums.clv_minor += i128::from(clv);
        }
        if next_seen(row, as_of).is_none() {
            sums.not_recovered += 1;
            if band.at_risk() {
                risk.add(row.clv_minor);
                union.insert(row.customer, row.clv_minor);
            }
        }
    }
    let bands = Band::all(q.kind)
        .into_iter()
        .map(|band| {
            let sums = &bands[band.index()];
            let repurchase = options
                .windows
                .iter()
                .zip(&sums.windows)
                .map(|(&days, &(eligible, repurchased))| WindowRepurchase {
                    days,
                    eligible,
                    repurchased,
                    percent: percent(repurchased as u64, eligible as u64),
                    ci95: wilson_percent(repurchased as u64, eligible as u64),
                    warning: (eligible < options.min_sample)
                        .then(|| format!("n = {eligible} is under {}: too few to tell", options.min_sample)),
                })
                .collect();
            let behaviour = BandBehaviour {
                scores: band.scores(),
                responses: sums.responses,
                respondents: respondents[band.index()].len(),
                repurchase,
                customers: sums.customers,
                scored: sums.scored_alive.max(sums.scored_clv),
                mean_p_alive: (sums.scored_alive > 0).then(|| sums.p_alive / sums.scored_alive as f64),
                mean_clv: (sums.scored_clv > 0)
                    .then(|| sums.clv_minor as f64 / sums.scored_clv as f64 / unit),
                not_recovered: sums.not_recovered,
            };
            (band.name().to_string(), behaviour)
        })
        .collect();
    QuestionBehaviour {
        kind: q.kind,
        n,
        customers: latest.len(),
        bands,
        revenue_weighted: weighted.finish(q.kind, unit),
        revenue_at_risk: risk.finish(unit),
    }
}

/// The first purchase after the answer as seen on `as_of` (later ones, or a day that is not
/// after the answer, are not).
fn next_seen(row: &BehaviourRow, as_of: i32) -> Option<i32> {
    row.next_purchase_day.filter(|&day| day > row.answered_day && day <= as_of)
}

/// Sums for the revenue-weighted score, by band index.
#[derive(Debug, Default)]
struct WeightSums {
    weight: [i128; 3],
    count: [usize; 3],
    squares: f64,
    zero: usize,
}

impl WeightSums {
    fn add(&mut self, band: usize, weight_minor: i64) {
        if weight_minor <= 0 {
            self.zero += 1;
            return;
        }
        self.weight[band] += i128::from(weight_minor);
        self.count[band] += 1;
        self.squares += (weight_minor as f64) * (weight_minor as f64);
    }

    fn finish(self, kind: ScoreKind, unit: f64) -> RevenueWeighted {
        let total: i128 = self.weight.iter().sum();
        let responses: usize = self.count.iter().sum();
        let score = |top: f64, bottom: f64, all: f64| {
            (all > 0.0).then(|| match kind {
                ScoreKind::Nps => 100.0 * (top - bottom) / all,
                ScoreKind::Csat => 100.0 * top / all,
            })
        };
        let w = self.weight.map(|w| w as f64);
        let c = self.count.map(|c| c as f64);
        RevenueWeighted {
            score: score(w[0], w[2], total as f64),
            unweighted: score(c[0], c[2], responses as f64),
            responses,
            zero_weight: self.zero,
            total_weight: total as f64 / unit,
            effective_n: (self.squares > 0.0).then(|| (total as f64) * (total as f64) / self.squares),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn row(customer: i64, score: u8, answered_day: i32, next: Option<i32>) -> BehaviourRow {
        BehaviourRow {
            customer,
            score,
            answered_day,
            next_purchase_day: next,
            weight_minor: 0,
            p_alive: None,
            clv_minor: None,
        }
    }

    fn options(as_of: i32, windows: &[u32]) -> BehaviourOptions {
        BehaviourOptions {
            windows: windows.to_vec(),
            ..BehaviourOptions::new(Date::from_days(as_of).unwrap())
        }
    }

    fn nps(rows: Vec<BehaviourRow>) -> QuestionRows {
        QuestionRows { id: "nps".into(), kind: ScoreKind::Nps, rows }
    }

    fn report_of(q: QuestionRows, opts: &BehaviourOptions) -> QuestionBehaviour {
        let report = behaviour_report(&[q], opts);
        report.questions.0.into_iter().next().unwrap().1
    }

    fn band<'a>(q: &'a QuestionBehaviour, name: &str) -> &'a BandBehaviour {
        q.bands.get(name).unwrap()
    }

    #[test]
    fn bands_split_where_the_definitions_say() {
        let nps: Vec<_> = (0..=11).map(|s| Band::of(ScoreKind::Nps, s)).collect();
        assert_eq!(&nps[..7], &[Some(Band::Detractor); 7]);
        assert_eq!(&nps[7..9], &[Some(Band::Passive); 2]);
        assert_eq!(&nps[9..11], &[Some(Band::Promoter); 2]);
        assert_eq!(nps[11], None);
        let csat: Vec<_> = (0..=6).map(|s| Band::of(ScoreKind::Csat, s)).collect();
        assert_eq!(
            csat,
            [
                None,
                Some(Band::Dissatisfied),
                Some(Band::Dissatisfied),
                Some(Band::Neutral),
                Some(Band::Satisfied),
                Some(Band::Satisfied),
                None
            ]
        );
        for kind in [ScoreKind::Nps, ScoreKind::Csat] {
            for band in Band::all(kind) {
                let [low, high] = band.scores();
                assert_eq!((Band::of(kind, low), Band::of(kind, high)), (Some(band), Some(band)));
            }
        }
    }

    #[test]
    fn purchases_around_an_answer_take_the_next_day_after_it_and_the_year_up_to_it() {
        let days = [10, 36, 100, 400, 400, 500];
        let revenue = [1, 2, 4, 8, 16, 32];
        // Answer on day 400: the year is days 36..=400 (365 days); day 400 counts as before.
        assert_eq!(purchases_around(&days, &revenue, 400), (Some(500), 2 + 4 + 8 + 16));
        // Day 35 is 365 days before 400 and out; the answer day itself is not "after".
        assert_eq!(purchases_around(&days, &revenue, 399), (Some(400), 2 + 4));
        assert_eq!(purchases_around(&days, &revenue, 500), (None, 8 + 16 + 32));
        assert_eq!(purchases_around(&days, &revenue, 5), (Some(10), 0));
        assert_eq!(purchases_around(&[], &[], 5), (None, 0));
    }

    #[test]
    fn only_answers_whose_window_has_passed_are_eligible() {
        // as_of = 100, windows 30 and 90, all promoters.
        let q = nps(vec![
            row(1, 9, 0, Some(20)),    // 30: eligible, bought (20 ≤ 30); 90: eligible, bought
            row(2, 10, 50, Some(85)),  // 30: eligible (80 ≤ 100), not bought (35 days); 90: not eligible
            row(3, 9, 80, None),       // 30: not eligible (110 > 100)
            row(4, 9, 60, Some(150)),  // bought after as_of: unseen. 30: eligible, not bought
            row(5, 9, 70, Some(70)),   // a purchase on the answer day is not after it. 30: eligible (100)
            row(6, 9, 101, Some(102)), // answered after as_of: left out
        ]);
        let q = report_of(q, &options(100, &[30, 90]));
        assert_eq!(q.n, 5);
        let promoters = band(&q, "promoter");
        assert_eq!(promoters.responses, 5);
        let [w30, w90] = &promoters.repurchase[..] else { panic!() };
        assert_eq!((w30.days, w30.eligible, w30.repurchased), (30, 4, 1));
        assert_eq!(w30.percent, Some(25.0));
        assert_eq!(w30.ci95, wilson_percent(1, 4));
        assert_eq!(w30.warning.as_deref(), Some("n = 4 is under 30: too few to tell"));
        assert_eq!((w90.days, w90.eligible, w90.repurchased), (90, 1, 1));
        assert_eq!(w90.percent, Some(100.0));
        // Wilson for 1 of 4 by hand: p̂ = 0.25, z² = 3.84146, centre = (0.25 + 0.48018) / 1.96037
        // = 0.37247, half = 1.95996 · √(0.046875 + 0.060023) / 1.96037 = 0.32689
        // → [4.5587 %, 69.9358 %].
        let [low, high] = w30.ci95.unwrap();
        assert!((low - 4.5587).abs() < 1e-3 && (high - 69.9358).abs() < 1e-3, "{low} {high}");
        // Passives and detractors: nothing, no shares, no NaN.
        let passives = band(&q, "passive");
        assert_eq!(passives.responses, 0);
        assert_eq!((passives.repurchase[0].percent, passives.repurchase[0].ci95), (None, None));
        assert_eq!(passives.mean_p_alive, None);
    }

    #[test]
    fn a_window_ending_on_as_of_is_eligible_and_counts_a_purchase_on_its_last_day() {
        let q = nps(vec![row(1, 3, 70, Some(100)), row(2, 3, 71, Some(100))]);
        let q = report_of(q, &options(100, &[30]));
        let w = &band(&q, "detractor").repurchase[0];
        assert_eq!((w.eligible, w.repurchased), (1, 1));
    }

    #[test]
    fn revenue_weighted_nps_by_hand() {
        let weighted =
            |customer, score, weight_minor| BehaviourRow { weight_minor, ..row(customer, score, 0, None) };
        let q = nps(vec![
            weighted(1, 10, 30_000),
            weighted(2, 7, 10_000),
            weighted(3, 2, 10_000),
            weighted(4, 9, 0), // no revenue in the year before: drops out
            weighted(5, 0, 0),
        ]);
        let r = report_of(q, &options(10, &[30])).revenue_weighted;
        // (300 − 100) / 500 = 40; unweighted over the same three answers: (1 − 1) / 3 = 0.
        assert_eq!(r.score, Some(40.0));
        assert_eq!(r.unweighted, Some(0.0));
        assert_eq!((r.responses, r.zero_weight), (3, 2));
        assert_eq!(r.total_weight, 500.0);
        // Kish: 500² / (300² + 100² + 100²) = 250000 / 110000.
        assert!((r.effective_n.unwrap() - 250_000.0 / 110_000.0).abs() < 1e-12);
    }

    #[test]
    fn revenue_weighted_csat_is_the_weighted_share_of_satisfied() {
        let weighted =
            |customer, score, weight_minor| BehaviourRow { weight_minor, ..row(customer, score, 0, None) };
        let q = QuestionRows {
            id: "overall".into(),
            kind: ScoreKind::Csat,
            rows: vec![weighted(1, 5, 30), weighted(2, 3, 50), weighted(3, 1, 20)],
        };
        let r = report_of(q, &options(10, &[30])).revenue_weighted;
        assert_eq!(r.score, Some(30.0));
        assert_eq!(r.unweighted, Some(100.0 / 3.0));
        let empty = report_of(nps(vec![row(1, 9, 0, None)]), &options(10, &[30])).revenue_weighted;
        assert_eq!(
            (empty.score, empty.unweighted, empty.effective_n, empty.zero_weight),
            (None, None, None, 1)
        );
    }

    #[test]
    fn scores_and_revenue_at_risk_follow_each_customers_latest_answer() {
        let scored =
            |r: BehaviourRow, p: f64, clv: i64| BehaviourRow { p_alive: Some(p), clv_minor: Some(clv), ..r };
        let q = nps(vec![
            // 1: detractor, then promoter, nothing bought: a promoter now, not at risk.
            scored(row(1, 3, 10, None), 0.5, 1000),
            scored(row(1, 9, 50, None), 0.5, 1000),
            // 2: promoter, then detractor, then bought again: recovered.
            scored(row(2, 10, 10, Some(45)), 0.9, 2000),
            scored(row(2, 4, 40, Some(45)), 0.9, 2000),
            // 3: detractor, nothing since: at risk.
            scored(row(3, 0, 30, None), 0.2, 500),
            // 4: detractor without a score: at risk, adds no CLV.
            row(4, 6, 30, None),
            // 5: detractor whose next purchase is after as_of: not recovered yet.
            scored(row(5, 5, 20, Some(200)), 0.3, 250),
            // 6: two detractor answers on one day: one customer.
            scored(row(6, 1, 60, None), 0.1, 10),
            scored(row(6, 2, 60, None), 0.1, 10),
        ]);
        let q = report_of(q, &options(100, &[30]));
        assert_eq!((q.n, q.customers), (9, 6));
        let detractors = band(&q, "detractor");
        assert_eq!((detractors.responses, detractors.respondents), (7, 6));
        // Latest answers: 1 promoter; 2, 3, 4, 5, 6 detractors (4 unscored).
        assert_eq!((detractors.customers, detractors.scored, detractors.not_recovered), (5, 4, 4));
        assert!((detractors.mean_p_alive.unwrap() - (0.9 + 0.2 + 0.3 + 0.1) / 4.0).abs() < 1e-12);
        assert_eq!(detractors.mean_clv, Some((2000.0 + 500.0 + 250.0 + 10.0) / 4.0 / 100.0));
        let promoters = band(&q, "promoter");
        assert_eq!((promoters.responses, promoters.respondents, promoters.customers), (2, 2, 1));
        assert_eq!(promoters.mean_clv, Some(10.0));
        // At risk: 3 (500), 4 (no score), 5 (250), 6 (10).
        assert_eq!(q.revenue_at_risk, RevenueAtRisk { customers: 4, scored: 3, clv: 7.6, clv_minor: 760 });
    }

    #[test]
    fn a_customer_at_risk_on_two_questions_counts_once_for_the_survey() {
        let scored = |r: BehaviourRow, clv: i64| BehaviourRow { clv_minor: Some(clv), ..r };
        let recommend = nps(vec![scored(row(1, 2, 5, None), 400), scored(row(2, 9, 5, None), 900)]);
        let overall = QuestionRows {
            id: "overall".into(),
            kind: ScoreKind::Csat,
            rows: vec![
                scored(row(1, 1, 5, None), 400),
                scored(row(2, 2, 5, None), 900),
                scored(row(3, 2, 5, Some(6)), 50),
            ],
        };
        let opts = BehaviourOptions { money_exponent: 0, ..options(10, &[30]) };
        let report = behaviour_report(&[recommend, overall], &opts);
        let nps_risk = &report.questions.get("nps").unwrap().revenue_at_risk;
        let csat_risk = &report.questions.get("overall").unwrap().revenue_at_risk;
        assert_eq!((nps_risk.customers, nps_risk.clv_minor), (1, 400));
        // Customer 3 bought the day after answering: recovered.
        assert_eq!((csat_risk.customers, csat_risk.clv_minor), (2, 1300));
        assert_eq!(
            report.revenue_at_risk,
            RevenueAtRisk { customers: 2, scored: 2, clv: 1300.0, clv_minor: 1300 }
        );
        let keys: Vec<_> = report.questions.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["nps", "overall"]);
    }

    #[test]
    fn the_json_names_bands_in_order_and_writes_null_where_nothing_is_known() {
        let report = behaviour_report(&[nps(vec![])], &options(20_000, &[30, 90, 180]));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["as_of"], "2024-10-04");
        assert_eq!(json["windows"], serde_json::json!([30, 90, 180]));
        let q = &json["questions"]["nps"];
        assert_eq!(q["type"], "nps");
        let bands: Vec<_> = q["bands"].as_object().unwrap().keys().cloned().collect();
        // serde_json's map sorts keys here; OrderedMap's own order is checked on the struct.
        assert_eq!(bands.len(), 3);
        let order: Vec<_> = report.questions.get("nps").unwrap().bands.iter().map(|(k, _)| k).collect();
        assert_eq!(order, ["promoter", "passive", "detractor"]);
        let w = &q["bands"]["promoter"]["repurchase"][2];
        assert_eq!(w["days"], 180);
        assert!(w["percent"].is_null() && w["ci95"].is_null());
        assert!(q["bands"]["detractor"]["mean_clv"].is_null());
        assert_eq!(q["revenue_at_risk"]["clv_minor"], 0);
        assert!(q["revenue_weighted"]["score"].is_null());
    }

    #[test]
    fn answers_off_the_scale_are_left_out() {
        let q = report_of(nps(vec![row(1, 11, 0, None), row(2, 8, 0, None)]), &options(100, &[30]));
        assert_eq!((q.n, q.customers), (1, 1));
        let csat = QuestionRows { id: "c".into(), kind: ScoreKind::Csat, rows: vec![row(1, 0, 0, None)] };
        assert_eq!(report_of(csat, &options(100, &[30])).n, 0);
    }
}
