//! RFM segmentation at `as_of` (PRODUCT.md §2, issue 3 item 5): R, F, M scores 1–5 by quintile,
//! named segments from a replaceable table of rules, and the big-spender and influencer flags.
//!
//! Scores are computed among customers with at least one order on or before `as_of`; customers
//! without one get no scores, no segment and no big-spender flag.

use crate::{CustomerFacts, Date, MetricsError};

/// Quintile scores 1–5 of `values` (higher value = better), ties sharing a score.
///
/// Rule: `score = 1 + ⌊5 × below / n⌋`, where `below` is the number of values strictly lower
/// (the minimum rank of the tie group). So a score of `s` means "better than at least
/// `20 × (s − 1)` % of customers", equal values always share a score, and the lowest value always
/// scores 1. On skewed data the scores used jump rather than splitting equal customers: with 10
/// customers of whom 6 bought once, 2 twice, 1 three times and 1 five times, frequency scores are
/// 1 (once: nobody below), 4 (twice: 6 below → 1 + ⌊3⌋), 5 (three: 8 below) and 5 (five: 9 below) —
/// never "one-time buyer scored 3 because of the sort order".
pub fn quintile_scores(values: &[i64]) -> Vec<u8> {
    let n = values.len() as u64;
    tie_runs(values).into_iter().map(|run| 1 + (5 * u64::from(run.below) / n) as u8).collect()
}

/// Where a value sits among all values: how many are strictly lower, and how many are equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TieRun {
    below: u32,
    equal: u32,
}

/// The [`TieRun`] of every value (at most `u32::MAX` values: customers are `u32` indices).
///
/// Values spanning a range of at most `4n` (recency days, order counts) are counted with a
/// histogram in O(n + range); other values (revenue) by one sort and a linear sweep.
fn tie_runs(values: &[i64]) -> Vec<TieRun> {
    let (Some(&min), Some(&max)) = (values.iter().min(), values.iter().max()) else { return Vec::new() };
    let span = max.abs_diff(min);
    if span <= 4 * values.len() as u64 {
        tie_runs_by_histogram(values, min, span as usize + 1)
    } else {
        tie_runs_by_sorting(values)
    }
}

fn tie_runs_by_histogram(values: &[i64], min: i64, span: usize) -> Vec<TieRun> {
    let mut equal = vec![0u32; span];
    for &v in values {
        equal[(v - min) as usize] += 1;
    }
    let mut below = vec![0u32; span];
    let mut running = 0u32;
    for (b, &e) in below.iter_mut().zip(&equal) {
        *b = running;
        running += e;
    }
    values
        .iter()
        .map(|&v| {
            let slot = (v - min) as usize;
            TieRun { below: below[slot], equal: equal[slot] }
        })
        .collect()
}

fn tie_runs_by_sorting(values: &[i64]) -> Vec<TieRun> {
    let mut order: Vec<(i64, u32)> = values.iter().zip(0u32..).map(|(&v, i)| (v, i)).collect();
    order.sort_unstable();
    let mut runs = vec![TieRun::default(); values.len()];
    let mut run_start = 0usize;
    for end in 1..=order.len() {
        if end == order.len() || order[end].0 != order[run_start].0 {
            let run = TieRun { below: run_start as u32, equal: (end - run_start) as u32 };
            for &(_, index) in &order[run_start..end] {
                runs[index as usize] = run;
            }
            run_start = end;
        }
    }
    runs
}

/// An inclusive range of scores `min..=max` within 1..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoreRange {
    /// Lowest matching score.
    pub min: u8,
    /// Highest matching score.
    pub max: u8,
}

impl ScoreRange {
    /// Every score, 1..=5.
    pub const ANY: ScoreRange = ScoreRange { min: 1, max: 5 };

    /// The range `min..=max`.
    pub const fn new(min: u8, max: u8) -> Self {
        Self { min, max }
    }

    /// True when `score` is in the range.
    pub fn contains(self, score: u8) -> bool {
        (self.min..=self.max).contains(&score)
    }
}

/// A named segment: a customer matches when each of their R, F and M scores is in the range.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SegmentRule {
    /// Segment name; several rules may share a name (an "or" of their conditions).
    pub name: String,
    /// Recency score range (5 = most recent last order).
    pub recency: ScoreRange,
    /// Frequency score range (5 = most orders).
    pub frequency: ScoreRange,
    /// Monetary score range (5 = most revenue).
    pub monetary: ScoreRange,
}

impl SegmentRule {
    fn new(name: &str, recency: (u8, u8), frequency: (u8, u8), monetary: (u8, u8)) -> Self {
        let range = |(min, max)| ScoreRange::new(min, max);
        Self {
            name: name.to_owned(),
            recency: range(recency),
            frequency: range(frequency),
            monetary: range(monetary),
        }
    }

    fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        self.recency.contains(r) && self.frequency.contains(f) && self.monetary.contains(m)
    }

    fn is_catch_all(&self) -> bool {
        [self.recency, self.frequency, self.monetary].iter().all(|&r| r == ScoreRange::ANY)
    }
}

/// An ordered table of segment rules: a customer gets the first rule that matches.
///
/// Validated: non-empty, every range within 1..=5 with `min <= max`, and the last rule a catch-all
/// (all ranges 1..=5), so every scored customer gets exactly one segment.
///
/// The default table (R, F, M; first match wins):
///
/// | # | segment | R | F | M |
/// |---|---|---|---|---|
/// | 1 | Champions | 4–5 | 4–5 | 4–5 |
/// | 2 | Loyal | 3–5 | 4–5 | any |
/// | 3 | Cannot lose them | 1–2 | 4–5 | 4–5 |
/// | 4 | At risk | 1–2 | 3–5 | any |
/// | 5 | Potential loyalists | 4–5 | 2–3 | any |
/// | 6 | New | 5 | 1 | any |
/// | 7 | Promising | 4 | 1 | any |
/// | 8 | About to sleep | 3 | 1–2 | any |
/// | 9 | Hibernating | 2 | 1–2 | any |
/// | 10 | Lost | 1 | 1–2 | any |
/// | 11 | Need attention | any | any | any |
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SegmentRules {
    rules: Vec<SegmentRule>,
    names: Vec<String>,
    rule_name: Vec<u16>,
}

impl SegmentRules {
    /// Validates a rule table (see the type's documentation).
    pub fn new(rules: Vec<SegmentRule>) -> Result<Self, MetricsError> {
        let refuse = |why: String| Err(MetricsError::SegmentRules(why));
        if !rules.last().is_some_and(SegmentRule::is_catch_all) {
            return refuse("the last rule does not match every score".into());
        }
        if let Some(bad) = rules.iter().find(|r| {
            [r.recency, r.frequency, r.monetary].iter().any(|s| s.min < 1 || s.max > 5 || s.min > s.max)
        }) {
            return refuse(format!("rule `{}` has a range outside 1..=5 or empty", bad.name));
        }
        if rules.len() > usize::from(u16::MAX) {
            return refuse("more than 65535 rules".into());
        }
        let mut names: Vec<String> = Vec::new();
        let mut rule_name = Vec::with_capacity(rules.len());
        for rule in &rules {
            let index = names.iter().position(|n| *n == rule.name).unwrap_or_else(|| {
                names.push(rule.name.clone());
                names.len() - 1
            });
            rule_name.push(index as u16);
        }
        Ok(Self { rules, names, rule_name })
    }

    /// The rules in evaluation order.
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// Distinct segment names in order of first appearance; segment ids index this list.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Segment id (index into [`Self::names`]) of the first rule matching the scores.
    pub fn classify(&self, r: u8, f: u8, m: u8) -> u16 {
        let rule = self.rules.iter().position(|rule| rule.matches(r, f, m));
        // The validated catch-all matches every score in 1..=5; out-of-range scores fall to it too.
        self.rule_name[rule.unwrap_or(self.rules.len() - 1)]
    }
}

impl Default for SegmentRules {
    fn default() -> Self {
        let any = (1, 5);
        let rules = vec![
            SegmentRule::new("Champions", (4, 5), (4, 5), (4, 5)),
            SegmentRule::new("Loyal", (3, 5), (4, 5), any),
            SegmentRule::new("Cannot lose them", (1, 2), (4, 5), (4, 5)),
            SegmentRule::new("At risk", (1, 2), (3, 5), any),
            SegmentRule::new("Potential loyalists", (4, 5), (2, 3), any),
            SegmentRule::new("New", (5, 5), (1, 1), any),
            SegmentRule::new("Promising", (4, 4), (1, 1), any),
            SegmentRule::new("About to sleep", (3, 3), (1, 2), any),
            SegmentRule::new("Hibernating", (2, 2), (1, 2), any),
            SegmentRule::new("Lost", (1, 1), (1, 2), any),
            SegmentRule::new("Need attention", any, any, any),
        ];
        Self::new(rules).expect("the default table ends with a catch-all and has valid ranges")
    }
}

/// Inputs of [`segment_customers`] besides the facts.
#[derive(Debug, Clone, Default)]
pub struct SegmentParams<'a> {
    /// The rule table (default: [`SegmentRules::default`]).
    pub rules: SegmentRules,
    /// Per-customer influence count (referred customers who bought + reviews + testimonials),
    /// when the caller has it; `None` means unknown and no influencer flags.
    pub influence: Option<&'a [u32]>,
    /// Influence count that makes an influencer; 0 is treated as 1.
    pub influencer_min: u32,
}

/// R, F, M scores 1–5 per customer (0 for customers without orders on or before `as_of`).
///
/// R ranks the last order day (later is better: equivalent to fewer days since the last order),
/// F the number of orders, M the revenue, each by [`quintile_scores`] among customers with orders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RfmScores {
    /// Recency score per customer.
    pub recency: Vec<u8>,
    /// Frequency score per customer.
    pub frequency: Vec<u8>,
    /// Monetary score per customer.
    pub monetary: Vec<u8>,
}

/// Per-customer segmentation result.
#[derive(Debug, Clone)]
pub struct SegmentAssignment {
    /// The date the segmentation is as of.
    pub as_of: Date,
    /// Segment names; `segment[c]` indexes this list.
    pub names: Vec<String>,
    /// Scores per customer.
    pub scores: RfmScores,
    /// Segment id per customer; `None` exactly for customers without orders on or before `as_of`.
    pub segment: Vec<Option<u16>>,
    /// Big spender (top decile by spend): fewer than 10 % of customers with orders have a strictly
    /// higher revenue. Without ties that is exactly the top ⌈n / 10⌉ customers; ties share the flag.
    pub big_spender: Vec<bool>,
    /// Influencer: influence count ≥ `influencer_min`; all false when influence is unknown.
    pub influencer: Vec<bool>,
    /// Whether influence counts were given.
    pub influence_known: bool,
}

/// Scores and segments every customer from `facts` (see [`SegmentAssignment`]).
pub fn segment_customers(
    facts: &CustomerFacts,
    params: &SegmentParams<'_>,
) -> Result<SegmentAssignment, MetricsError> {
    let n = facts.n_customers();
    if let Some(influence) = params.influence.filter(|i| i.len() != n) {
        return Err(MetricsError::PerCustomerLength {
            name: "influence",
            len: influence.len(),
            n_customers: n,
        });
    }
    let buyers: Vec<u32> = (0..n as u32).filter(|&c| facts.orders()[c as usize] > 0).collect();
    let pick = |column: &dyn Fn(usize) -> i64| buyers.iter().map(|&c| column(c as usize)).collect::<Vec<_>>();
    let n_buyers = buyers.len() as u64;
    let monetary_runs = tie_runs(&pick(&|c| facts.revenues()[c]));
    let monetary: Vec<u8> =
        monetary_runs.iter().map(|run| 1 + (5 * u64::from(run.below) / n_buyers) as u8).collect();
    let scores = RfmScores {
        recency: scatter(n, &buyers, &quintile_scores(&pick(&|c| i64::from(facts.last_days_raw()[c])))),
        frequency: scatter(n, &buyers, &quintile_scores(&pick(&|c| i64::from(facts.orders()[c])))),
        monetary: scatter(n, &buyers, &monetary),
    };
    let mut big_spender = vec![false; n];
    for (&c, run) in buyers.iter().zip(&monetary_runs) {
        let above = n_buyers - u64::from(run.below) - u64::from(run.equal);
        big_spender[c as usize] = 10 * above < n_buyers;
    }
    let segment = (0..n)
        .map(|c| {
            let (r, f, m) = (scores.recency[c], scores.frequency[c], scores.monetary[c]);
            (r > 0).then(|| params.rules.classify(r, f, m))
        })
        .collect();
    let min = params.influencer_min.max(1);
    let influencer = match params.influence {
        Some(counts) => counts.iter().map(|&k| k >= min).collect(),
        None => vec![false; n],
    };
    Ok(SegmentAssignment {
        as_of: facts.as_of_date(),
        names: params.rules.names().to_vec(),
        scores,
        segment,
        big_spender,
        influencer,
        influence_known: params.influence.is_some(),
    })
}

/// Spreads scores of the `buyers` subset back to all `n` customers (0 elsewhere).
fn scatter(n: usize, buyers: &[u32], scores: &[u8]) -> Vec<u8> {
    let mut all = vec![0u8; n];
    for (&c, &s) in buyers.iter().zip(scores) {
        all[c as usize] = s;
    }
    all
}

/// One row of the segments report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SegmentSummary {
    /// Segment name.
    pub name: String,
    /// Customers in the segment.
    pub customers: u64,
    /// Their revenue on or before `as_of`, minor units.
    pub revenue_minor: i64,
}

/// Customers carrying each flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FlagCounts {
    /// Customers flagged big spender.
    pub big_spender: u64,
    /// Customers flagged influencer; `None` when influence is unknown.
    pub influencer: Option<u64>,
}

/// The segments report: `{"as_of", "segments": [{"name","customers","revenue_minor"}], "flags"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SegmentsReport {
    /// The date of the segmentation.
    pub as_of: Date,
    /// Every segment of the rule table, in table order, including empty ones.
    pub segments: Vec<SegmentSummary>,
    /// Flag counts.
    pub flags: FlagCounts,
    /// Customers without an order on or before `as_of` (in no segment).
    pub without_orders: u64,
}

impl SegmentAssignment {
    /// Totals per segment (customers and revenue) and per flag.
    pub fn report(&self, facts: &CustomerFacts) -> SegmentsReport {
        let mut segments: Vec<SegmentSummary> = self
            .names
            .iter()
            .map(|name| SegmentSummary { name: name.clone(), customers: 0, revenue_minor: 0 })
            .collect();
        let mut without_orders = 0;
        for (c, segment) in self.segment.iter().enumerate() {
            match segment {
                Some(s) => {
                    segments[usize::from(*s)].customers += 1;
                    segments[usize::from(*s)].revenue_minor += facts.revenues()[c];
                }
                None => without_orders += 1,
            }
        }
        let count = |flags: &[bool]| flags.iter().filter(|&&f| f).count() as u64;
        let flags = FlagCounts {
            big_spender: count(&self.big_spender),
            influencer: self.influence_known.then(|| count(&self.influencer)),
        };
        SegmentsReport { as_of: self.as_of, segments, flags, without_orders }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintile_scores_share_ties_on_a_skewed_frequency_distribution() {
        // 6 customers bought once, 2 twice, 1 three times, 1 five times (worked in the doc comment).
        let f = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5];
        assert_eq!(quintile_scores(&f), vec![1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    }

    #[test]
    fn histogram_and_sorting_rank_values_identically() {
        let cases: [&[i64]; 4] = [&[3, -2, 3, 7, -2, -2, 0], &[5], &[1, 1, 1], &[i64::MIN, 0, i64::MAX, 0]];
        for values in cases {
            let sorted = tie_runs_by_sorting(values);
            let min = values.iter().copied().min().unwrap();
            let span = values.iter().copied().max().unwrap().abs_diff(min);
            if span < 1000 {
                assert_eq!(tie_runs_by_histogram(values, min, span as usize + 1), sorted, "{values:?}");
            }
            assert_eq!(tie_runs(values), sorted, "{values:?}");
        }
        // -2 appears three times with nothing below; 7 has six values below it.
        assert_eq!(tie_runs(&[3, -2, 3, 7, -2, -2, 0])[1], TieRun { below: 0, equal: 3 });
        assert_eq!(tie_runs(&[3, -2, 3, 7, -2, -2, 0])[3], TieRun { below: 6, equal: 1 });
    }

    #[test]
    fn quintile_scores_of_distinct_values_are_equal_fifths() {
        let values: Vec<i64> = (0..10).rev().collect();
        // Value v has v values below: score 1 + ⌊v / 2⌋.
        assert_eq!(quintile_scores(&values), vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(quintile_scores(&[7]), vec![1]);
        assert!(quintile_scores(&[]).is_empty());
    }

    #[test]
    fn the_default_rules_cover_every_score_combination_with_a_named_segment() {
        let rules = SegmentRules::default();
        assert_eq!(rules.names().len(), 11);
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let id = usize::from(rules.classify(r, f, m));
                    assert!(id < rules.names().len());
                }
            }
        }
        assert_eq!(rules.names()[usize::from(rules.classify(5, 5, 5))], "Champions");
        assert_eq!(rules.names()[usize::from(rules.classify(5, 1, 1))], "New");
        assert_eq!(rules.names()[usize::from(rules.classify(1, 1, 1))], "Lost");
        assert_eq!(rules.names()[usize::from(rules.classify(1, 5, 5))], "Cannot lose them");
        assert_eq!(rules.names()[usize::from(rules.classify(3, 3, 3))], "Need attention");
    }

    #[test]
    fn rule_tables_without_a_final_catch_all_or_with_bad_ranges_are_refused() {
        let any = (1, 5);
        assert!(SegmentRules::new(vec![]).is_err());
        assert!(SegmentRules::new(vec![SegmentRule::new("Only recent", (4, 5), any, any)]).is_err());
        let bad = vec![SegmentRule::new("Bad", (0, 5), any, any), SegmentRule::new("Rest", any, any, any)];
        assert!(SegmentRules::new(bad).is_err());
        let shared = vec![
            SegmentRule::new("Good", (5, 5), any, any),
            SegmentRule::new("Rest", any, any, any),
            SegmentRule::new("Good", any, any, any),
        ];
        assert_eq!(SegmentRules::new(shared).unwrap().names(), ["Good", "Rest"]);
    }
}
