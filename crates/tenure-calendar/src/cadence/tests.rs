//! Tests of [`gone_quiet`]: a hand-made fixture with every kind of rule, a property test against a
//! plain restatement of the rules, and the million-customer timing.

use super::*;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single().expect("a valid time")
}

fn days_ago(days: i64) -> Timestamp {
    now() - TimeDelta::days(days)
}

fn rule(id: i64, audience: Audience, quiet_days: u32, owner: Option<&str>) -> CadenceRule {
    CadenceRule { id, audience, quiet_days, owner: owner.map(str::to_owned) }
}

fn customer(id: i64) -> CustomerFacts {
    CustomerFacts {
        customer: CustomerId(id),
        segment: None,
        stage: None,
        clv: None,
        p_alive: None,
        last_interaction: None,
        first_seen: days_ago(1000),
        keep_in_touch_days: None,
        snoozed_until: None,
        owner: None,
    }
}

fn fixture_rules() -> Vec<CadenceRule> {
    vec![
        rule(1, Audience::All, 90, Some("team")),
        rule(5, Audience::Segment("vip".into()), 30, Some("other desk")),
        rule(2, Audience::Segment("VIP".into()), 30, Some("vip desk")),
        rule(3, Audience::Stage("onboarding".into()), 14, None),
        rule(4, Audience::Clv { min: Some(1000.0), max: Some(5000.0) }, 45, Some("account managers")),
        rule(6, Audience::Segment("ÉLITE".into()), 10, None),
    ]
}

fn with(id: i64, change: impl FnOnce(&mut CustomerFacts)) -> CustomerFacts {
    let mut facts = customer(id);
    change(&mut facts);
    facts
}

/// Customers 1–12, each exercising one rule of the module doc.
fn fixture_customers() -> Vec<CustomerFacts> {
    vec![
        // Due at 8 days, no value: after customer 7 by id although listed first.
        with(11, |c| (c.keep_in_touch_days, c.last_interaction) = (Some(7), Some(days_ago(8)))),
        // Segment, case-insensitive; rules 2 and 5 tie at 30 days and the lower id wins.
        with(1, |c| {
            c.segment = Some("Vip".into());
            (c.clv, c.p_alive, c.last_interaction) = (Some(2000.0), Some(0.5), Some(days_ago(31)));
        }),
        // Stage; never contacted, so silent since first seen.
        with(2, |c| (c.stage, c.first_seen) = (Some("Onboarding".into()), days_ago(20))),
        // CLV 5000 is past the band (max exclusive): only "all" at 90 days applies, not yet due.
        with(3, |c| (c.clv, c.p_alive, c.last_interaction) = (Some(5000.0), Some(0.9), Some(days_ago(60)))),
        // CLV 1000 is in the band (min inclusive); the customer's own owner wins.
        with(4, |c| {
            (c.clv, c.p_alive, c.last_interaction) = (Some(1000.0), Some(0.2), Some(days_ago(50)));
            c.owner = Some("Ann".into());
        }),
        // Keep-in-touch ties with the VIP rule at 30 days and wins; no rule, so no rule owner.
        with(5, |c| {
            (c.segment, c.keep_in_touch_days, c.last_interaction) =
                (Some("VIP".into()), Some(30), Some(days_ago(40)))
        }),
        // Snoozed until tomorrow: returned, marked.
        with(6, |c| {
            (c.keep_in_touch_days, c.last_interaction) = (Some(7), Some(days_ago(10)));
            (c.clv, c.p_alive, c.snoozed_until) = (Some(100.0), Some(0.0), Some(days_ago(-1)));
        }),
        // Snoozed until exactly now: no longer snoozed.
        with(7, |c| {
            (c.keep_in_touch_days, c.last_interaction, c.snoozed_until) =
                (Some(7), Some(days_ago(8)), Some(now()))
        }),
        // Keep-in-touch longer than a matching rule: the rule wins.
        with(8, |c| {
            (c.stage, c.keep_in_touch_days, c.first_seen) =
                (Some("ONBOARDING".into()), Some(60), days_ago(15))
        }),
        // Non-ASCII segment, case-insensitive.
        with(9, |c| (c.segment, c.last_interaction) = (Some("élite".into()), Some(days_ago(11)))),
        // NaN CLV: in no band, no value at risk; only "all" applies, not yet due.
        with(10, |c| {
            (c.clv, c.p_alive, c.last_interaction) = (Some(f64::NAN), Some(0.5), Some(days_ago(80)))
        }),
        // Due exactly now under "all".
        with(12, |c| c.last_interaction = Some(days_ago(90))),
    ]
}

/// Customer id, cause, threshold, value at risk, owner, snoozed.
type Row<'a> = (i64, Cause, u32, Option<f64>, Option<&'a str>, bool);

#[test]
fn applies_each_kind_of_rule_keep_in_touch_and_snooze_and_orders_by_urgency() {
    let found = gone_quiet(&fixture_customers(), &fixture_rules(), now());
    let summary: Vec<Row<'_>> = found
        .iter()
        .map(|s| (s.customer.0, s.cause, s.quiet_days, s.value_at_risk, s.owner.as_deref(), s.snoozed))
        .collect();
    let expected = vec![
        (1, Cause::Rule(2), 30, Some(1000.0), Some("vip desk"), false),
        (4, Cause::Rule(4), 45, Some(800.0), Some("Ann"), false),
        (6, Cause::KeepInTouch, 7, Some(100.0), None, true),
        (12, Cause::Rule(1), 90, None, Some("team"), false),
        (5, Cause::KeepInTouch, 30, None, None, false),
        (2, Cause::Rule(3), 14, None, None, false),
        (8, Cause::Rule(3), 14, None, None, false),
        (9, Cause::Rule(6), 10, None, None, false),
        (7, Cause::KeepInTouch, 7, None, None, false),
        (11, Cause::KeepInTouch, 7, None, None, false),
    ];
    assert_eq!(summary, expected);
    let first = &found[0];
    assert_eq!((first.silent_since, first.due_at, first.days_silent), (days_ago(31), days_ago(1), 31));
    let never_contacted = found.iter().find(|s| s.customer == CustomerId(2)).expect("customer 2");
    assert_eq!((never_contacted.silent_since, never_contacted.days_silent), (days_ago(20), 20));
}

#[test]
fn without_rules_only_keep_in_touch_applies() {
    let found = gone_quiet(&fixture_customers(), &[], now());
    let ids: Vec<i64> = found.iter().map(|s| s.customer.0).collect();
    assert_eq!(ids, [6, 5, 7, 11]);
}

#[test]
fn value_at_risk_needs_both_inputs() {
    assert_eq!(value_at_risk(Some(200.0), Some(0.25)), Some(150.0));
    assert_eq!(value_at_risk(Some(200.0), Some(1.5)), Some(0.0));
    assert_eq!(value_at_risk(Some(200.0), None), None);
    assert_eq!(value_at_risk(None, Some(0.5)), None);
    assert_eq!(value_at_risk(Some(f64::INFINITY), Some(0.5)), None);
}

/// The rules of the module doc, restated plainly: every applicable threshold, and whether any ran out.
fn restated(facts: &CustomerFacts, rules: &[CadenceRule], now: Timestamp) -> Option<(u32, Cause)> {
    let same = |own: &Option<String>, wanted: &str| {
        own.as_ref().is_some_and(|own| own.to_lowercase() == wanted.to_lowercase())
    };
    let applies = |audience: &Audience| match audience {
        Audience::All => true,
        Audience::Segment(segment) => same(&facts.segment, segment),
        Audience::Stage(stage) => same(&facts.stage, stage),
        Audience::Clv { min, max } => facts.clv.is_some_and(|clv| {
            !clv.is_nan() && min.is_none_or(|min| clv >= min) && max.is_none_or(|max| clv < max)
        }),
    };
    let mut thresholds: Vec<(u32, u8, i64, Cause)> = Vec::new();
    if let Some(days) = facts.keep_in_touch_days {
        thresholds.push((days, 0, 0, Cause::KeepInTouch));
    }
    for rule in rules.iter().filter(|rule| applies(&rule.audience)) {
        thresholds.push((rule.quiet_days, 1, rule.id, Cause::Rule(rule.id)));
    }
    let since = facts.last_interaction.unwrap_or(facts.first_seen);
    let any_ran_out = thresholds.iter().any(|t| now >= since + TimeDelta::days(t.0.into()));
    let smallest = thresholds.iter().min_by_key(|t| (t.0, t.1, t.2))?;
    any_ran_out.then_some((smallest.0, smallest.3))
}

fn audience_strategy() -> impl Strategy<Value = Audience> {
    let text = prop::sample::select(vec!["vip", "VIP", "basic", "Élite", "élite"]);
    let bound = prop::option::of(prop::sample::select(vec![0.0, 100.0, 500.0, 1000.0]));
    prop_oneof![
        Just(Audience::All),
        text.clone().prop_map(|t| Audience::Segment(t.to_owned())),
        text.prop_map(|t| Audience::Stage(t.to_owned())),
        (bound.clone(), bound).prop_map(|(min, max)| Audience::Clv { min, max }),
    ]
}

fn facts_strategy() -> impl Strategy<Value = CustomerFacts> {
    let text =
        prop::option::of(prop::sample::select(vec!["vip", "Vip", "basic", "ÉLITE"]).prop_map(str::to_owned));
    let clv = prop::option::of(prop::sample::select(vec![0.0, 99.5, 100.0, 500.0, 999.0, 1000.0, f64::NAN]));
    let hours_ago = prop::option::of(0i64..100 * 24);
    (0i64..50, text.clone(), text, clv, hours_ago, 0i64..100 * 24, prop::option::of(0u32..40)).prop_map(
        |(id, segment, stage, clv, last, first, keep)| CustomerFacts {
            segment,
            stage,
            clv,
            p_alive: Some(0.5),
            last_interaction: last.map(|hours| now() - TimeDelta::hours(hours)),
            first_seen: now() - TimeDelta::hours(first),
            keep_in_touch_days: keep,
            ..customer(id)
        },
    )
}

proptest! {
    #[test]
    fn returns_a_customer_iff_a_threshold_ran_out_with_the_smallest_one(
        customers in prop::collection::vec(facts_strategy(), 0..30),
        audiences in prop::collection::vec((audience_strategy(), 0u32..40), 0..6),
    ) {
        let rules: Vec<CadenceRule> = audiences
            .into_iter()
            .enumerate()
            .map(|(index, (audience, days))| rule(100 - index as i64, audience, days, None))
            .collect();
        let found = gone_quiet(&customers, &rules, now());
        let mut expected: Vec<(CustomerId, u32, Cause)> = customers
            .iter()
            .filter_map(|facts| restated(facts, &rules, now()).map(|(days, cause)| (facts.customer, days, cause)))
            .collect();
        let mut actual: Vec<(CustomerId, u32, Cause)> =
            found.iter().map(|s| (s.customer, s.quiet_days, s.cause)).collect();
        let key = |t: &(CustomerId, u32, Cause)| (t.0, t.1, format!("{:?}", t.2));
        expected.sort_by_key(key);
        actual.sort_by_key(key);
        prop_assert_eq!(actual, expected);
        prop_assert!(found.windows(2).all(|pair| by_urgency(&pair[0], &pair[1]) != Ordering::Greater));
    }
}

#[test]
fn a_threshold_beyond_the_calendar_is_never_due() {
    let mut facts = customer(1);
    facts.first_seen = DateTime::<Utc>::MAX_UTC - TimeDelta::days(1);
    facts.keep_in_touch_days = Some(30);
    assert!(gone_quiet(&[facts], &[], DateTime::<Utc>::MAX_UTC).is_empty());
}
