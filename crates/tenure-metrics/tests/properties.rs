//! Property tests over random purchase histories: the fast single-pass reports agree with naive
//! oracles written straight from PRODUCT.md §2, and every customer gets exactly one lifecycle
//! stage and (if they bought) exactly one segment.

use proptest::prelude::*;
use tenure_metrics::{
    ActivityWindow, CustomerFacts, Date, LifecycleParams, Period, PurchaseColumns, PurchaseColumnsBuilder,
    SegmentParams, Stage, cohort_table, lifecycle_stages, retention_report, retention_series,
    segment_customers,
};

/// Day number of 2024-01-01; random days are offsets from it.
const BASE: i32 = 19_723;

/// Per customer, an unsorted list of (day offset, revenue in cents).
fn histories() -> impl Strategy<Value = Vec<Vec<(i32, i64)>>> {
    prop::collection::vec(prop::collection::vec((0..400i32, 0..10_000i64), 0..8), 0..25)
}

fn build(histories: &[Vec<(i32, i64)>]) -> PurchaseColumns {
    let mut b = PurchaseColumnsBuilder::with_capacity(histories.len() as u32, 0);
    for (c, h) in histories.iter().enumerate() {
        let mut h = h.clone();
        h.sort_unstable();
        for (d, r) in h {
            b.push(c as u32, BASE + d, r).expect("sorted rows within range");
        }
    }
    b.finish()
}

fn day(offset: i32) -> Date {
    Date::from_days(BASE + offset).expect("offsets stay near 2024")
}

/// Active at t, straight from the definition: some purchase day in [t − W + 1, t].
fn naive_active(h: &[(i32, i64)], t: i32, w: i32) -> bool {
    h.iter().any(|&(d, _)| t - w < d && d <= t)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_retention_report_agrees_with_a_naive_count(
        hs in histories(), a in -30..430i32, len in 0..200i32, w in 1..120u32,
    ) {
        let (start, end) = (a, a + len);
        let r = retention_report(&build(&hs), day(start), day(end), ActivityWindow::new(w).unwrap()).unwrap();
        let w = w as i32;
        let (mut s, mut e, mut n, mut both, mut buyers, mut repeaters, mut orders, mut revenue) =
            (0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0u64, 0i64);
        for h in &hs {
            let (at_s, at_e) = (naive_active(h, start, w), naive_active(h, end, w));
            s += u64::from(at_s);
            e += u64::from(at_e);
            both += u64::from(at_s && at_e);
            if let Some(first) = h.iter().map(|p| p.0).min() {
                n += u64::from(start < first && first <= end);
            }
            let inside: Vec<_> = h.iter().filter(|p| start <= p.0 && p.0 <= end).collect();
            buyers += u64::from(!inside.is_empty());
            repeaters += u64::from(inside.len() >= 2);
            orders += inside.len() as u64;
            revenue += inside.iter().map(|p| p.1).sum::<i64>();
        }
        prop_assert_eq!((r.s, r.e, r.n, r.lost, r.retained), (s, e, n, s - both, both));
        prop_assert_eq!((r.ordering_customers, r.orders, r.revenue_minor), (buyers, orders, revenue));
        prop_assert_eq!(r.crr.is_none(), s == 0);
        prop_assert_eq!(r.repeat_purchase_rate.is_none(), buyers == 0);
        if s > 0 {
            prop_assert_eq!(r.crr, Some((e as f64 - n as f64) / s as f64 * 100.0));
            prop_assert_eq!(r.cohort_exact_retention, Some(both as f64 / s as f64 * 100.0));
        }
        if buyers > 0 {
            prop_assert_eq!(r.repeat_purchase_rate, Some(repeaters as f64 / buyers as f64 * 100.0));
        }
    }

    #[test]
    fn each_series_row_equals_the_report_for_its_own_period(
        hs in histories(), a in -30..430i32, len in 0..400i32, w in 1..120u32, every in 0..3usize,
    ) {
        let cols = build(&hs);
        let window = ActivityWindow::new(w).unwrap();
        let every = [Period::Week, Period::Month, Period::Quarter][every];
        let rows = retention_series(&cols, day(a), day(a + len), every, window).unwrap();
        prop_assert_eq!(rows.first().map(|r| r.start), Some(day(a)));
        prop_assert_eq!(rows.last().map(|r| r.end), Some(day(a + len)));
        for pair in rows.windows(2) {
            prop_assert_eq!(pair[0].end.days() + 1, pair[1].start.days());
        }
        for row in rows {
            prop_assert_eq!(&row, &retention_report(&cols, row.start, row.end, window).unwrap());
        }
    }

    #[test]
    fn every_customer_gets_exactly_the_one_stage_its_history_implies(
        hs in histories(), as_of in -30..430i32, w in 1..120u32,
    ) {
        let cols = build(&hs);
        let facts = CustomerFacts::as_of(&cols, day(as_of));
        let params = LifecycleParams { window: ActivityWindow::new(w).unwrap(), ..LifecycleParams::default() };
        let stages = lifecycle_stages(&cols, &facts, &params).unwrap();
        prop_assert_eq!(stages.len(), hs.len());
        let counts = tenure_metrics::StageCounts::count(&stages);
        prop_assert_eq!(counts.total(), hs.len() as u64);
        for (h, &stage) in hs.iter().zip(&stages) {
            prop_assert_eq!(stage, naive_stage(h, as_of, w as i32));
        }
    }

    #[test]
    fn every_buyer_is_in_exactly_one_segment_and_ties_share_scores(
        hs in histories(), as_of in -30..430i32,
    ) {
        let cols = build(&hs);
        let facts = CustomerFacts::as_of(&cols, day(as_of));
        let seg = segment_customers(&facts, &SegmentParams::default()).unwrap();
        for (c, h) in hs.iter().enumerate() {
            let bought = h.iter().any(|p| p.0 <= as_of);
            prop_assert_eq!(seg.segment[c].is_some(), bought);
            prop_assert_eq!((1..=5).contains(&seg.scores.frequency[c]), bought);
        }
        let report = seg.report(&facts);
        let covered: u64 = report.segments.iter().map(|s| s.customers).sum();
        prop_assert_eq!(covered + report.without_orders, hs.len() as u64);
        let orders = facts.orders();
        for a in 0..hs.len() {
            for b in 0..hs.len() {
                if orders[a] > 0 && orders[b] > 0 && orders[a] <= orders[b] {
                    prop_assert!(seg.scores.frequency[a] <= seg.scores.frequency[b]);
                }
                if orders[a] > 0 && orders[a] == orders[b] {
                    prop_assert_eq!(seg.scores.frequency[a], seg.scores.frequency[b]);
                }
            }
        }
    }

    #[test]
    fn the_monthly_cohort_table_agrees_with_a_naive_count(hs in histories(), as_of in 0..430i32) {
        let table = cohort_table(&build(&hs), Period::Month, day(as_of));
        let month = |offset: i32| {
            let (y, m, _) = day(offset).ymd();
            y * 12 + m as i32
        };
        for row in &table.cohorts {
            let cohort_month = month(row.start.days() - BASE);
            let members: Vec<&Vec<(i32, i64)>> = hs
                .iter()
                .filter(|h| h.iter().filter(|p| p.0 <= as_of).map(|p| p.0).min().map(month) == Some(cohort_month))
                .collect();
            prop_assert_eq!(row.size, members.len() as u64);
            prop_assert_eq!(row.retention[0], 100.0);
            for (k, &count) in row.customers.iter().enumerate() {
                let in_k = |p: &&(i32, i64)| p.0 <= as_of && month(p.0) == cohort_month + k as i32;
                let naive = members.iter().filter(|h| h.iter().any(|p| in_k(&p))).count() as u64;
                let revenue: i64 = members.iter().flat_map(|h| h.iter().filter(in_k)).map(|p| p.1).sum();
                prop_assert_eq!((count, row.revenue_minor[k]), (naive, revenue));
            }
        }
        let buyers = hs.iter().filter(|h| h.iter().any(|p| p.0 <= as_of)).count() as u64;
        prop_assert_eq!(table.cohorts.iter().map(|r| r.size).sum::<u64>(), buyers);
    }

    #[test]
    fn from_columns_accepts_exactly_the_sorted_inputs(
        rows in prop::collection::vec((0..4u32, 0..20i32, 0..100i64), 0..12),
    ) {
        let customers: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
        let revenue: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let sorted = rows.windows(2).all(|w| (w[0].0, w[0].1) <= (w[1].0, w[1].1));
        let built = PurchaseColumns::from_columns(&customers, days, revenue, 4);
        prop_assert_eq!(built.is_ok(), sorted);
        if let Ok(cols) = built {
            prop_assert_eq!(cols.n_purchases(), rows.len());
            for c in 0..4 {
                let expected: Vec<i32> = rows.iter().filter(|r| r.0 == c as u32).map(|r| r.1).collect();
                prop_assert_eq!(cols.customer_days(c), expected.as_slice());
            }
        }
    }
}

/// The stage rules of `Stage`'s documentation, evaluated naively on one history.
fn naive_stage(h: &[(i32, i64)], as_of: i32, w: i32) -> Stage {
    let mut days: Vec<i32> = h.iter().map(|p| p.0).filter(|&d| d <= as_of).collect();
    days.sort_unstable();
    days.dedup();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else { return Stage::Prospect };
    if !naive_active(h, as_of, w) {
        return Stage::Churned;
    }
    if as_of - first < 30 {
        return Stage::New;
    }
    let mean_gap = (days.len() >= 2).then(|| f64::from(last - first) / (days.len() - 1) as f64);
    if mean_gap.is_some_and(|g| f64::from(as_of - last) > 2.0 * g) {
        return Stage::AtRisk;
    }
    // Came back from churn within the window: not active at the end of day r − 1, r in the window.
    let returned = days.iter().any(|&r| r > as_of - w && r != first && !naive_active(h, r - 1, w));
    if returned { Stage::Reactivated } else { Stage::Active }
}
