//! Referrals: whether a referral reward is due ([`eligibility`]) and whether it looks like fraud
//! ([`assess`]), over plain facts the caller gathers. Not how codes are made ([`crate::codes`])
//! nor how rewards are paid (points through the ledger, by the app).
//!
//! Fraud checks hold a reward for a person to review rather than refusing it: a shared address
//! may be a family, a shared name a coincidence. Only the certain case is refused outright (a
//! customer referring themselves under one customer id, or a customer someone else referred).

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use tenure_domain::{CustomerId, Timestamp};

use crate::programme::ReferralRules;

/// What is known about one side of a referral. Absent facts are not compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The customer.
    pub customer: CustomerId,
    /// E-mail address as given.
    pub email: Option<String>,
    /// Full name as given.
    pub name: Option<String>,
    /// Postal address as given, lines joined by any separator.
    pub address: Option<String>,
    /// The payment processor's fingerprint of the card or account, where the export has one.
    pub payment_fingerprint: Option<String>,
}

impl Party {
    /// A customer about whom nothing else is known.
    pub fn new(customer: CustomerId) -> Party {
        Party { customer, email: None, name: None, address: None, payment_fingerprint: None }
    }
}

/// The facts a referral is judged on.
#[derive(Debug, Clone, Copy)]
pub struct ReferralFacts<'a> {
    /// Who shared the code.
    pub referrer: &'a Party,
    /// Who used it.
    pub referred: &'a Party,
    /// Earlier referrals as `(referrer, referred)`; this one, if present, is ignored.
    pub links: &'a [(CustomerId, CustomerId)],
    /// When the referrer's earlier referral rewards were paid or held.
    pub referrer_rewards: &'a [Timestamp],
}

/// The verdict on a referral reward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Reward both sides.
    Pay,
    /// Keep the reward for a person to review, for these reasons.
    Hold {
        /// Every suspicious fact found.
        reasons: Vec<HoldReason>,
    },
    /// Never reward it.
    Refuse {
        /// Why.
        reason: RefuseReason,
    },
}

/// A suspicious fact about a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum HoldReason {
    /// Both e-mail addresses normalise to one ([`normalise_email`]).
    SameEmail,
    /// Both postal addresses normalise to one ([`normalise_address`]).
    SameAddress,
    /// Both names normalise to one ([`normalise_name`]).
    SameName,
    /// One payment fingerprint on both sides.
    SamePaymentFingerprint,
    /// The referred customer already (directly or through others) referred the referrer.
    Loop {
        /// The cycle, starting and ending with the referrer.
        cycle: Vec<CustomerId>,
    },
    /// The referrer already had `rewards_in_period` referral rewards in the period, `max` allowed.
    Burst {
        /// Earlier rewards in the period.
        rewards_in_period: u32,
        /// The programme's limit.
        max: u32,
    },
}

/// Why a referral can never pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RefuseReason {
    /// The referrer and the referred are one customer.
    SameCustomer,
    /// Someone else referred this customer first.
    AlreadyReferred {
        /// Who did.
        by: CustomerId,
    },
}

/// Judges a referral reward at `now`. A refusal wins over holds; all hold reasons found are listed.
pub fn assess(facts: &ReferralFacts<'_>, rules: &ReferralRules, now: Timestamp) -> Outcome {
    let (referrer, referred) = (facts.referrer, facts.referred);
    if referrer.customer == referred.customer {
        return Outcome::Refuse { reason: RefuseReason::SameCustomer };
    }
    let earlier = facts.links.iter().find(|(by, to)| *to == referred.customer && *by != referrer.customer);
    if let Some(&(by, _)) = earlier {
        return Outcome::Refuse { reason: RefuseReason::AlreadyReferred { by } };
    }
    let mut reasons = same_person_reasons(referrer, referred);
    if let Some(cycle) = find_loop(facts.links, referrer.customer, referred.customer) {
        reasons.push(HoldReason::Loop { cycle });
    }
    let rewards_in_period = rewards_in_period(facts.referrer_rewards, rules.period_days, now);
    if rewards_in_period >= rules.max_rewards_per_period {
        reasons.push(HoldReason::Burst { rewards_in_period, max: rules.max_rewards_per_period });
    }
    if reasons.is_empty() { Outcome::Pay } else { Outcome::Hold { reasons } }
}

/// Signs that both sides are one person.
fn same_person_reasons(a: &Party, b: &Party) -> Vec<HoldReason> {
    let same = |x: &Option<String>, y: &Option<String>, normalise: fn(&str) -> String| match (x, y) {
        (Some(x), Some(y)) => {
            let (x, y) = (normalise(x), normalise(y));
            !x.is_empty() && x == y
        }
        _ => false,
    };
    let checks: [(bool, HoldReason); 4] = [
        (same(&a.email, &b.email, normalise_email), HoldReason::SameEmail),
        (same(&a.address, &b.address, normalise_address), HoldReason::SameAddress),
        (same(&a.name, &b.name, normalise_name), HoldReason::SameName),
        (
            same(&a.payment_fingerprint, &b.payment_fingerprint, |f| f.trim().to_string()),
            HoldReason::SamePaymentFingerprint,
        ),
    ];
    checks.into_iter().filter(|(found, _)| *found).map(|(_, reason)| reason).collect()
}

/// The cycle the new link `referrer → referred` closes, if `referred` already reaches `referrer`
/// through earlier links: `[referrer, referred, …, referrer]`.
fn find_loop(
    links: &[(CustomerId, CustomerId)],
    referrer: CustomerId,
    referred: CustomerId,
) -> Option<Vec<CustomerId>> {
    let mut next: HashMap<CustomerId, Vec<CustomerId>> = HashMap::new();
    for &(by, to) in links.iter().filter(|&&link| link != (referrer, referred)) {
        next.entry(by).or_default().push(to);
    }
    // Breadth-first from the referred customer, remembering how each customer was reached.
    let mut came_from: HashMap<CustomerId, CustomerId> = HashMap::new();
    let mut seen = HashSet::from([referred]);
    let mut queue = VecDeque::from([referred]);
    while let Some(customer) = queue.pop_front() {
        if customer == referrer {
            let mut path = vec![referrer];
            while let Some(&previous) = came_from.get(path.last().expect("path starts non-empty")) {
                path.push(previous);
            }
            path.push(referrer);
            path.reverse();
            return Some(path);
        }
        for &to in next.get(&customer).into_iter().flatten() {
            if seen.insert(to) {
                came_from.insert(to, customer);
                queue.push_back(to);
            }
        }
    }
    None
}

fn rewards_in_period(rewards: &[Timestamp], period_days: u32, now: Timestamp) -> u32 {
    let start = now - TimeDelta::days(i64::from(period_days));
    let count = rewards.iter().filter(|&&at| at > start && at <= now).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// An e-mail address as one mailbox: trimmed and lower-cased; a `+tag` dropped from the local
/// part for every domain; for `gmail.com` and `googlemail.com` (one service) dots dropped too
/// and the domain made `gmail.com`. Text without `@` is only trimmed and lower-cased.
pub fn normalise_email(raw: &str) -> String {
    let lower = raw.trim().to_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else { return lower };
    let local = local.split('+').next().unwrap_or_default();
    if domain == "gmail.com" || domain == "googlemail.com" {
        format!("{}@gmail.com", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

/// A name for comparison: lower-cased words of letters and digits, sorted, so that
/// `Brown, Eve` and `eve  BROWN` are one name.
pub fn normalise_name(raw: &str) -> String {
    let lower = raw.to_lowercase();
    let mut words: Vec<&str> =
        lower.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// A postal address for comparison: lower-cased words of letters and digits, common street
/// words abbreviated (`street` → `st`, `apartment` → `apt`, …), then joined without spaces so
/// `SW1A 1AA` and `SW1A1AA` agree.
pub fn normalise_address(raw: &str) -> String {
    const ABBREVIATIONS: &[(&str, &str)] = &[
        ("street", "st"),
        ("road", "rd"),
        ("avenue", "ave"),
        ("av", "ave"),
        ("drive", "dr"),
        ("lane", "ln"),
        ("boulevard", "blvd"),
        ("place", "pl"),
        ("court", "ct"),
        ("apartment", "apt"),
        ("flat", "apt"),
        ("suite", "ste"),
        ("number", "no"),
    ];
    let lower = raw.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| ABBREVIATIONS.iter().find(|(long, _)| *long == word).map_or(word, |(_, short)| short))
        .collect()
}

/// A referred customer's first paid order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstOrder {
    /// When it was placed.
    pub at: Timestamp,
    /// Its amount in minor units.
    pub amount_minor: i64,
    /// How much of it was refunded so far.
    pub refunded_minor: i64,
}

/// Whether a referral reward is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    /// Due now (subject to [`assess`]).
    Eligible,
    /// Not before the order's return window ends.
    Wait {
        /// When it does.
        until: Timestamp,
    },
    /// Never due.
    Ineligible(Ineligible),
}

/// Why a referral reward is never due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// The customer ordered before they were referred: not a new customer.
    NotNew,
    /// The order, less refunds, is under the programme's minimum.
    BelowMinimum {
        /// The order less refunds.
        amount_minor: i64,
        /// The minimum.
        minimum_minor: i64,
    },
    /// The order was refunded in full.
    Refunded,
}

/// Whether the referral of a customer referred at `referred_at`, whose first paid order is
/// `order`, is due at `now`, with a return window of `return_window_days`.
pub fn eligibility(
    referred_at: Timestamp,
    order: &FirstOrder,
    rules: &ReferralRules,
    return_window_days: u32,
    now: Timestamp,
) -> Eligibility {
    if order.at < referred_at {
        return Eligibility::Ineligible(Ineligible::NotNew);
    }
    let net = order.amount_minor - order.refunded_minor;
    if net <= 0 {
        return Eligibility::Ineligible(Ineligible::Refunded);
    }
    if net < rules.minimum_first_order_minor {
        let minimum_minor = rules.minimum_first_order_minor;
        return Eligibility::Ineligible(Ineligible::BelowMinimum { amount_minor: net, minimum_minor });
    }
    let until = order.at + TimeDelta::days(i64::from(return_window_days));
    if now < until { Eligibility::Wait { until } } else { Eligibility::Eligible }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_email_variants_to_one_mailbox() {
        assert_eq!(normalise_email(" E.v.E.Brown+shop@GoogleMail.com "), "evebrown@gmail.com");
        assert_eq!(normalise_email("eve.brown+x+y@example.com"), "eve.brown@example.com");
        assert_eq!(normalise_email("not an address"), "not an address");
    }

    #[test]
    fn normalises_names_regardless_of_order_case_and_punctuation() {
        assert_eq!(normalise_name("Brown, Eve"), normalise_name("  eve   BROWN "));
        assert_eq!(normalise_name("Søren Jones"), "jones søren");
    }

    #[test]
    fn normalises_addresses_regardless_of_abbreviation_and_spacing() {
        assert_eq!(
            normalise_address("4 Mill Lane, Leeds LS1 4AP"),
            normalise_address("4 mill ln leeds ls14ap")
        );
        assert_ne!(normalise_address("4 Mill Lane"), normalise_address("5 Mill Lane"));
    }
}
