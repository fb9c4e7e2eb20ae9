//! A ten-customer fixture whose every number was worked out by hand (reasoning in comments), run
//! through each report of the crate. Not generated from the crate's output.

use tenure_metrics::{
    ActivityWindow, AtRiskRule, CustomerFacts, Date, LifecycleParams, LifecycleReport, Period,
    PurchaseColumns, PurchaseColumnsBuilder, SegmentParams, Stage, cohort_table, lifecycle_stages,
    retention_report, retention_series, segment_customers,
};

fn date(s: &str) -> Date {
    s.parse().expect("fixture dates are valid")
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const D: usize = 3;
const E: usize = 4;
const F: usize = 5;
const G: usize = 6;
const H: usize = 7;
const I: usize = 8;
const J: usize = 9;

/// Purchases (customer, day, cents). W = 30 throughout.
///
/// * A: 2024-01-10 $10, 02-10 $20, 02-20 $30 (gap Jan 10 → Feb 10 is 31 days > W: a return).
/// * B: 01-05 $5 — active at 01-31, lapsed by 02-29.
/// * C: 2023-12-01 $7, 2024-02-15 $8 — reactivated (gap 76 days).
/// * D: 02-05 $15 and 02-05 $5 — two orders the same day; first purchase in February.
/// * E: 01-31 $10 — bought exactly on the period start.
/// * F: 01-01 $1, 03-01 $1 — outside every window of the period; March is after the end.
/// * G: no purchase at all.
/// * H: 01-03 $3, 02-28 $40 — active at 01-31 and at 02-29 but not in between.
/// * I: 01-20, 01-25, 02-04 at $10 — usual gap 7.5 days, silent for 25: overdue.
/// * J: 01-25 $25, 02-20 $25 — steady.
fn fixture() -> PurchaseColumns {
    let rows: &[(u32, &str, i64)] = &[
        (0, "2024-01-10", 1000),
        (0, "2024-02-10", 2000),
        (0, "2024-02-20", 3000),
        (1, "2024-01-05", 500),
        (2, "2023-12-01", 700),
        (2, "2024-02-15", 800),
        (3, "2024-02-05", 1500),
        (3, "2024-02-05", 500),
        (4, "2024-01-31", 1000),
        (5, "2024-01-01", 100),
        (5, "2024-03-01", 100),
        (7, "2024-01-03", 300),
        (7, "2024-02-28", 4000),
        (8, "2024-01-20", 1000),
        (8, "2024-01-25", 1000),
        (8, "2024-02-04", 1000),
        (9, "2024-01-25", 2500),
        (9, "2024-02-20", 2500),
    ];
    let mut builder = PurchaseColumnsBuilder::with_capacity(10, rows.len());
    for &(c, d, cents) in rows {
        builder.push(c, date(d).days(), cents).expect("fixture rows are sorted");
    }
    builder.finish()
}

fn w30() -> ActivityWindow {
    ActivityWindow::new(30).expect("30 days is a valid window")
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn the_retention_report_matches_the_hand_computation() {
    // Period [2024-01-31, 2024-02-29], W = 30.
    // Active at 01-31: a purchase in [01-02, 01-31] → A (01-10), B (01-05), E (01-31), H (01-03),
    //   I (01-25), J (01-25). Not C (2023-12-01), not F (01-01 is one day too early). S = 6.
    // Active at 02-29: a purchase in [01-31, 02-29] → A, C, D, E, H, I (02-04), J. E = 7.
    // N: first purchase in (01-31, 02-29] → D only (E's first purchase is on the start day). N = 1.
    // Active at both ends: A, E, H, I, J = 5; lost = S − 5 = 1 (B).
    let r = retention_report(&fixture(), date("2024-01-31"), date("2024-02-29"), w30()).unwrap();
    assert_eq!((r.s, r.e, r.n, r.lost, r.retained), (6, 7, 1, 1, 5));
    close(r.crr, (7.0 - 1.0) / 6.0 * 100.0); // 100 %: C's return makes up for B
    close(r.churn_rate, 1.0 / 6.0 * 100.0);
    close(r.cohort_exact_retention, 5.0 / 6.0 * 100.0);
    // Orders on days in [01-31, 02-29]: A 2 (02-10, 02-20), C 1, D 2, E 1 (01-31 counts), H 1,
    // I 1, J 1 → 7 customers, 9 orders, repeaters A and D.
    assert_eq!((r.ordering_customers, r.orders), (7, 9));
    close(r.repeat_purchase_rate, 2.0 / 7.0 * 100.0);
    close(r.purchase_frequency, 9.0 / 7.0);
    // Revenue 5000 + 800 + 2000 + 1000 + 4000 + 1000 + 2500 = 16300 cents.
    assert_eq!(r.revenue_minor, 16_300);
    close(r.average_order_value, 16_300.0 / 9.0);
    // Consecutive in-period order pairs: A 02-10→02-20 (10 days), D 02-05→02-05 (0 days).
    close(r.mean_days_between_orders, 5.0);
}

#[test]
fn a_customer_active_at_both_ends_but_not_between_counts_as_retained() {
    // H alone: 01-03 and 02-28. At 02-02 the window [01-04, 02-02] is empty, yet H is active at
    // 01-31 and at 02-29, so S = E = 1, lost = 0, and both retention figures are 100 %.
    let mut b = PurchaseColumnsBuilder::with_capacity(1, 2);
    b.push(0, date("2024-01-03").days(), 300).unwrap();
    b.push(0, date("2024-02-28").days(), 4000).unwrap();
    let cols = b.finish();
    assert!(!tenure_metrics::is_active_at(cols.customer_days(0), date("2024-02-02").days(), w30()));
    let r = retention_report(&cols, date("2024-01-31"), date("2024-02-29"), w30()).unwrap();
    assert_eq!((r.s, r.e, r.lost), (1, 1, 0));
    close(r.cohort_exact_retention, 100.0);
    close(r.crr, 100.0);
}

#[test]
fn the_monthly_series_rows_are_the_reports_of_each_calendar_month() {
    let rows =
        retention_series(&fixture(), date("2024-01-01"), date("2024-02-29"), Period::Month, w30()).unwrap();
    assert_eq!(rows.len(), 2);
    // January [01-01, 01-31]: active at 01-01 (window [2023-12-03, 01-01]) → F only (C's 12-01 is
    // too early). Active at 01-31 → A, B, E, H, I, J (6). N: first in (01-01, 01-31] → A, B, E, H,
    // I, J (6). Retained: none; lost F. Orders in January: A1 B1 E1 F1 H1 I2 J1 = 8 orders by 7
    // customers; revenue 1000+500+1000+100+300+2000+2500 = 7400.
    let jan = &rows[0];
    assert_eq!((jan.start, jan.end), (date("2024-01-01"), date("2024-01-31")));
    assert_eq!((jan.s, jan.e, jan.n, jan.lost), (1, 6, 6, 1));
    close(jan.crr, 0.0);
    close(jan.churn_rate, 100.0);
    assert_eq!((jan.ordering_customers, jan.orders, jan.revenue_minor), (7, 8, 7400));
    close(jan.repeat_purchase_rate, 1.0 / 7.0 * 100.0);
    // February [02-01, 02-29]: active at 02-01 (window [01-03, 02-01]) → A, B, E, H, I, J (6);
    // N = D; orders exclude E's 01-31: 9 − 1 = 8 orders, 6 customers, revenue 16300 − 1000.
    let feb = &rows[1];
    assert_eq!((feb.s, feb.e, feb.n, feb.lost), (6, 7, 1, 1));
    assert_eq!((feb.ordering_customers, feb.orders, feb.revenue_minor), (6, 8, 15_300));
}

#[test]
fn the_monthly_cohort_table_matches_the_hand_computation() {
    // As of 02-29 (F's March order ignored). First purchases: C 2023-12; A, B, E, F, H, I, J
    // 2024-01; D 2024-02. G never bought.
    let t = cohort_table(&fixture(), Period::Month, date("2024-02-29"));
    let labels: Vec<&str> = t.cohorts.iter().map(|c| c.cohort.as_str()).collect();
    assert_eq!(labels, ["2023-12", "2024-01", "2024-02"]);
    let (dec, jan, feb) = (&t.cohorts[0], &t.cohorts[1], &t.cohorts[2]);
    // December cohort {C}: bought in Dec (k=0), not Jan (k=1), again Feb (k=2).
    assert_eq!(dec.size, 1);
    assert_eq!(dec.retention, [100.0, 0.0, 100.0]);
    assert_eq!(dec.revenue_minor, [700, 0, 800]);
    assert_eq!(dec.cumulative_revenue_per_customer, [700.0, 700.0, 1500.0]);
    // January cohort {A, B, E, F, H, I, J}: in February A, H, I (02-04), J bought → 4 of 7.
    // Revenue Jan: 1000+500+1000+100+300+2000+2500 = 7400; Feb: 5000+4000+1000+2500 = 12500.
    assert_eq!(jan.size, 7);
    assert_eq!(jan.customers, [7, 4]);
    assert_eq!(jan.retention, [100.0, 4.0 / 7.0 * 100.0]);
    assert_eq!(jan.revenue_minor, [7400, 12_500]);
    assert_eq!(jan.cumulative_revenue_per_customer, [7400.0 / 7.0, 19_900.0 / 7.0]);
    // February cohort {D}: two orders on one day count once as a customer, twice in revenue.
    assert_eq!(
        (feb.size, feb.customers.as_slice(), feb.revenue_minor.as_slice()),
        (1, &[1u64][..], &[2000][..])
    );
    // February ends on 02-29 = as_of: every period is complete.
    assert!(t.cohorts.iter().all(|c| c.complete.iter().all(|&done| done)));
}

#[test]
fn a_period_not_finished_by_as_of_is_flagged_incomplete() {
    // As of 02-20: February is still running. January cohort in February: A (02-10, 02-20),
    // I (02-04), J (02-20) = 3 of 7; H's 02-28 is not counted yet.
    let t = cohort_table(&fixture(), Period::Month, date("2024-02-20"));
    assert_eq!(t.cohorts[0].complete, [true, true, false]);
    assert_eq!(t.cohorts[1].customers, [7, 3]);
    assert_eq!(t.cohorts[1].complete, [true, false]);
}

#[test]
fn lifecycle_stages_match_the_hand_computation() {
    // As of 02-29, W = 30: active = a purchase in [01-31, 02-29]; new = first purchase in
    // [01-31, 02-29].
    // A: active; gaps 31 and 10 days → the 02-10 return followed a gap > 30 → reactivated
    //    (mean gap 20.5, 9 days silent: not overdue).
    // B: last 01-05 → churned.      C: 76-day gap, back 02-15 → reactivated.
    // D: first 02-05 → new.         E: first 01-31 (window's first day) → new.
    // F: 01-01 (March ignored) → churned.   G: no purchase → prospect.
    // H: 56-day gap, back 02-28 → reactivated.
    // I: gaps 5 and 10 (mean 7.5), silent 25 days > 2 × 7.5 → at risk.
    // J: gap 26 (no churn), silent 9 < 52 → active.
    let cols = fixture();
    let facts = CustomerFacts::as_of(&cols, date("2024-02-29"));
    let params = LifecycleParams { window: w30(), ..LifecycleParams::default() };
    let stages = lifecycle_stages(&cols, &facts, &params).unwrap();
    use Stage::*;
    assert_eq!(
        stages,
        [Reactivated, Churned, Reactivated, New, New, Churned, Prospect, Reactivated, AtRisk, Active]
    );
    let report = LifecycleReport::from_stages(facts.as_of_date(), &stages);
    let json = serde_json::to_value(report).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"as_of": "2024-02-29", "stages": {"new": 2, "active": 1, "at_risk": 1,
            "reactivated": 3, "churned": 2, "prospect": 1}})
    );
}

#[test]
fn a_probability_alive_replaces_the_overdue_rule_when_given() {
    // Threshold 0.5. C (0.2) and J (0.3) are now at risk; I (0.9) is no longer, and has no gap
    // > 30 so is active; D (0.1) stays new (new comes first); B (0.1) stays churned.
    let p_alive = [0.9, 0.1, 0.2, 0.1, 0.9, 0.9, 0.5, 0.9, 0.9, 0.3];
    let cols = fixture();
    let facts = CustomerFacts::as_of(&cols, date("2024-02-29"));
    let at_risk = AtRiskRule::ProbabilityAlive { p_alive: &p_alive, threshold: 0.5 };
    let params = LifecycleParams { window: w30(), new_days: 30, at_risk };
    let stages = lifecycle_stages(&cols, &facts, &params).unwrap();
    use Stage::*;
    assert_eq!(
        stages,
        [Reactivated, Churned, AtRisk, New, New, Churned, Prospect, Reactivated, Active, AtRisk]
    );
}

#[test]
fn rfm_scores_segments_and_flags_match_the_hand_computation() {
    // As of 02-29; 9 buyers (G has none). score = 1 + ⌊5 × below / 9⌋.
    // Last day ascending: F 01-01 (0 below), B 01-05 (1), E 01-31 (2), I 02-04 (3), D 02-05 (4),
    //   C 02-15 (5), A = J 02-20 (6), H 02-28 (8) → R: F1 B1 E2 I2 D3 C3 A4 J4 H5.
    // Orders: B E F = 1 (0 below) → 1; C D H J = 2 (3 below) → 2; A I = 3 (7 below) → 4.
    // Revenue ascending: F 100, B 500, E 1000, C 1500, D 2000, I 3000, H 4300, J 5000, A 6000
    //   → M: 1 1 2 2 3 3 4 4 5.
    let cols = fixture();
    let facts = CustomerFacts::as_of(&cols, date("2024-02-29"));
    let influence = [0, 0, 0, 0, 0, 0, 0, 3, 0, 1];
    let params = SegmentParams { influence: Some(&influence), influencer_min: 1, ..SegmentParams::default() };
    let seg = segment_customers(&facts, &params).unwrap();
    assert_eq!(seg.scores.recency, [4, 1, 3, 3, 2, 1, 0, 5, 2, 4]);
    assert_eq!(seg.scores.frequency, [4, 1, 2, 2, 1, 1, 0, 2, 4, 2]);
    assert_eq!(seg.scores.monetary, [5, 1, 2, 3, 2, 1, 0, 4, 3, 4]);
    // Default table, first match: A (4,4,5) Champions; B, F (1,1,1) Lost; C (3,2,2), D (3,2,3)
    // About to sleep; E (2,1,2) Hibernating; H (5,2,4), J (4,2,4) Potential loyalists;
    // I (2,4,3) misses "Cannot lose them" (M 3) → At risk; G none.
    let name = |c: usize| seg.segment[c].map(|s| seg.names[usize::from(s)].as_str());
    let expected = [
        (A, "Champions"),
        (B, "Lost"),
        (C, "About to sleep"),
        (D, "About to sleep"),
        (E, "Hibernating"),
        (F, "Lost"),
        (H, "Potential loyalists"),
        (I, "At risk"),
        (J, "Potential loyalists"),
    ];
    for (c, segment) in expected {
        assert_eq!(name(c), Some(segment), "customer {c}");
    }
    assert_eq!(name(G), None);
    // Big spender: fewer than 10 % of 9 (0.9) spent more → only A (nobody above).
    assert_eq!(seg.big_spender.iter().positions(), [A]);
    assert_eq!(seg.influencer.iter().positions(), [H, J]);
    let report = seg.report(&facts);
    let row = |n: &str| report.segments.iter().find(|s| s.name == n).map(|s| (s.customers, s.revenue_minor));
    assert_eq!(row("Potential loyalists"), Some((2, 9300)));
    assert_eq!(row("Lost"), Some((2, 600)));
    assert_eq!(row("Loyal"), Some((0, 0)));
    assert_eq!(report.without_orders, 1);
    assert_eq!((report.flags.big_spender, report.flags.influencer), (1, Some(2)));
}

trait Positions {
    fn positions(self) -> Vec<usize>;
}

impl<'a, T: Iterator<Item = &'a bool>> Positions for T {
    fn positions(self) -> Vec<usize> {
        self.enumerate().filter(|(_, b)| **b).map(|(i, _)| i).collect()
    }
}
