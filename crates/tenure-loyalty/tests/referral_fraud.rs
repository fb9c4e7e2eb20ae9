//! The referral fraud fixture: self-referrals by e-mail variants, shared address, name and card,
//! loops and bursts are held for review; the certain cases are refused; clean referrals pay.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use chrono::{TimeDelta, TimeZone, Utc};
use tenure_domain::{CustomerId, Timestamp};
use tenure_loyalty::{
    Eligibility, FirstOrder, HoldReason, Ineligible, Outcome, Party, ReferralFacts, ReferralRules,
    RefuseReason, assess, eligibility,
};

const A: CustomerId = CustomerId(1);
const B: CustomerId = CustomerId(2);
const C: CustomerId = CustomerId(3);

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn rules() -> ReferralRules {
    ReferralRules {
        minimum_first_order_minor: 2_000,
        referrer_points: 500,
        referred_points: 250,
        max_rewards_per_period: 3,
        period_days: 30,
    }
}

fn person(customer: CustomerId, email: &str, name: &str, address: &str) -> Party {
    Party {
        customer,
        email: Some(email.into()),
        name: Some(name.into()),
        address: Some(address.into()),
        payment_fingerprint: None,
    }
}

fn referrer() -> Party {
    person(A, "eve.brown@gmail.com", "Eve Brown", "12 High Street, Flat 3, London SW1A 1AA")
}

fn stranger() -> Party {
    person(B, "sam.jones@example.org", "Sam Jones", "4 Mill Lane, Leeds LS1 4AP")
}

fn judge(referrer: &Party, referred: &Party) -> Outcome {
    judge_with(referrer, referred, &[], &[])
}

fn judge_with(
    referrer: &Party,
    referred: &Party,
    links: &[(CustomerId, CustomerId)],
    rewards: &[Timestamp],
) -> Outcome {
    let facts = ReferralFacts { referrer, referred, links, referrer_rewards: rewards };
    assess(&facts, &rules(), now())
}

fn held(reasons: &[HoldReason]) -> Outcome {
    Outcome::Hold { reasons: reasons.to_vec() }
}

#[test]
fn a_clean_referral_pays() {
    assert_eq!(judge(&referrer(), &stranger()), Outcome::Pay);
}

#[test]
fn gmail_dots_and_googlemail_are_one_mailbox() {
    let alias = Party { email: Some("E.v.E.Brown@GoogleMail.com ".into()), ..stranger() };
    assert_eq!(judge(&referrer(), &alias), held(&[HoldReason::SameEmail]));
}

#[test]
fn plus_tags_are_one_mailbox_on_any_domain() {
    let shop_owner = Party { email: Some("sam@example.org".into()), ..referrer() };
    let tagged = Party { email: Some("Sam+friend@Example.org".into()), ..stranger() };
    assert_eq!(judge(&shop_owner, &tagged), held(&[HoldReason::SameEmail]));
    // Dots count outside Gmail: s.am@example.org is another mailbox.
    let dotted = Party { email: Some("s.am@example.org".into()), ..stranger() };
    assert_eq!(judge(&shop_owner, &dotted), Outcome::Pay);
}

#[test]
fn the_same_address_written_differently_is_held() {
    let housemate = Party { address: Some("12 high st. flat 3 london sw1a1aa".into()), ..stranger() };
    assert_eq!(judge(&referrer(), &housemate), held(&[HoldReason::SameAddress]));
}

#[test]
fn the_same_name_and_the_same_card_are_held_with_every_reason() {
    let twin =
        Party { name: Some("BROWN, eve".into()), payment_fingerprint: Some("fp_9f8e".into()), ..stranger() };
    let with_card = Party { payment_fingerprint: Some("fp_9f8e".into()), ..referrer() };
    assert_eq!(judge(&with_card, &twin), held(&[HoldReason::SameName, HoldReason::SamePaymentFingerprint]));
}

#[test]
fn a_loop_back_to_the_referrer_is_held_with_its_cycle() {
    // B referred A earlier; now A refers B.
    let outcome = judge_with(&referrer(), &stranger(), &[(B, A)], &[]);
    assert_eq!(outcome, held(&[HoldReason::Loop { cycle: vec![A, B, A] }]));
    // A longer one: B referred C, C referred A.
    let outcome = judge_with(&referrer(), &stranger(), &[(B, C), (C, A)], &[]);
    assert_eq!(outcome, held(&[HoldReason::Loop { cycle: vec![A, B, C, A] }]));
    // A chain is not a loop: A referred C before, and C referred someone else.
    assert_eq!(judge_with(&referrer(), &stranger(), &[(A, C), (C, CustomerId(9))], &[]), Outcome::Pay);
}

#[test]
fn a_burst_over_the_limit_is_held_and_old_rewards_do_not_count() {
    let day = |n: i64| now() - TimeDelta::days(n);
    let three_recent = [day(1), day(10), day(29)];
    let outcome = judge_with(&referrer(), &stranger(), &[], &three_recent);
    assert_eq!(outcome, held(&[HoldReason::Burst { rewards_in_period: 3, max: 3 }]));
    let two_recent_one_old = [day(1), day(10), day(30)];
    assert_eq!(judge_with(&referrer(), &stranger(), &[], &two_recent_one_old), Outcome::Pay);
}

#[test]
fn referring_yourself_or_someone_already_referred_is_refused() {
    let me_again = Party { customer: A, ..stranger() };
    assert_eq!(judge(&referrer(), &me_again), Outcome::Refuse { reason: RefuseReason::SameCustomer });
    let outcome = judge_with(&referrer(), &stranger(), &[(C, B)], &[]);
    assert_eq!(outcome, Outcome::Refuse { reason: RefuseReason::AlreadyReferred { by: C } });
    // The same link listed again is this referral, not an earlier one.
    assert_eq!(judge_with(&referrer(), &stranger(), &[(A, B)], &[]), Outcome::Pay);
}

#[test]
fn missing_facts_are_not_compared() {
    let unknown = Party::new(B);
    let empty_email = Party { email: Some("  ".into()), ..Party::new(C) };
    assert_eq!(judge(&Party::new(A), &unknown), Outcome::Pay);
    assert_eq!(judge(&Party { email: Some(" ".into()), ..Party::new(A) }, &empty_email), Outcome::Pay);
}

#[test]
fn a_reward_is_due_for_a_new_customers_first_order_over_the_minimum_after_the_return_window() {
    let referred_at = now() - TimeDelta::days(30);
    let order = FirstOrder { at: now() - TimeDelta::days(20), amount_minor: 2_500, refunded_minor: 0 };
    assert_eq!(eligibility(referred_at, &order, &rules(), 14, now()), Eligibility::Eligible);
    let until = order.at + TimeDelta::days(30);
    assert_eq!(eligibility(referred_at, &order, &rules(), 30, now()), Eligibility::Wait { until });
    let partly_refunded = FirstOrder { refunded_minor: 1_000, ..order };
    assert_eq!(
        eligibility(referred_at, &partly_refunded, &rules(), 14, now()),
        Eligibility::Ineligible(Ineligible::BelowMinimum { amount_minor: 1_500, minimum_minor: 2_000 })
    );
    let refunded = FirstOrder { refunded_minor: 2_500, ..order };
    assert_eq!(
        eligibility(referred_at, &refunded, &rules(), 14, now()),
        Eligibility::Ineligible(Ineligible::Refunded)
    );
    let before = FirstOrder { at: referred_at - TimeDelta::days(1), ..order };
    assert_eq!(
        eligibility(referred_at, &before, &rules(), 14, now()),
        Eligibility::Ineligible(Ineligible::NotNew)
    );
}
