//! Who has gone quiet: customers nobody has been in touch with for longer than a cadence rule or
//! their own keep-in-touch interval allows. A pure function of facts the store hands over; the
//! page, the alerts and the follow-ups built on it live elsewhere.
//!
//! The rules, as [`gone_quiet`] applies them:
//! - a customer is **silent since** their `last_interaction`, or `first_seen` when nobody has ever
//!   been in touch;
//! - the **thresholds** that apply to a customer are the `quiet_days` of every rule whose audience
//!   matches them, and their own `keep_in_touch_days`. [`Audience::All`] matches everyone; a segment
//!   or stage matches when equal ignoring case (Unicode lower case, character by character, no
//!   trimming); a CLV band matches a customer whose CLV is at least `min` and below `max` (either
//!   may be absent), so a customer without a CLV, or with a NaN one, is in no band;
//! - the **smallest** threshold wins; on a tie keep-in-touch comes before rules, then the lowest rule
//!   id. Since it is the first to run out, "some threshold has run out" and "the smallest has" agree;
//! - a customer has **gone quiet** when `now ≥ silent_since + threshold × 24 h` (days of 86,400 s,
//!   not calendar days of a zone); a threshold of 0 days is due at once;
//! - one **snoozed** (`snoozed_until > now`) is still returned, marked `snoozed`: the page lists them
//!   apart and alerts skip them;
//! - the **owner** is the customer's own, else the winning rule's (none for keep-in-touch);
//! - the result is ordered by value at risk, highest first and unknown last, then by days silent,
//!   most first, then by customer id.

use std::cmp::Ordering;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use tenure_domain::{CustomerId, Timestamp};

/// Which customers a cadence rule is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Everyone.
    All,
    /// Customers in this segment (ignoring case).
    Segment(String),
    /// Customers at this lifecycle stage (ignoring case).
    Stage(String),
    /// Customers whose CLV is in `[min, max)`; an absent bound is open.
    Clv {
        /// Lowest CLV included.
        min: Option<f64>,
        /// CLV from which customers are no longer included.
        max: Option<f64>,
    },
}

/// "Customers in this audience should hear from us at least every `quiet_days` days."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CadenceRule {
    /// The store's id; breaks ties between rules (lowest first).
    pub id: i64,
    /// Whom it is for.
    pub audience: Audience,
    /// Days of silence allowed.
    pub quiet_days: u32,
    /// Who follows up when the customer has no owner of their own.
    pub owner: Option<String>,
}

/// What [`gone_quiet`] needs to know of one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerFacts {
    /// Who.
    pub customer: CustomerId,
    /// Their segment, if any.
    pub segment: Option<String>,
    /// Their lifecycle stage, if any.
    pub stage: Option<String>,
    /// Customer lifetime value, in the shop's currency.
    pub clv: Option<f64>,
    /// Probability that they are still a customer, in [0, 1].
    pub p_alive: Option<f64>,
    /// The last time anyone was in touch, either way.
    pub last_interaction: Option<Timestamp>,
    /// When Tenure first knew of them.
    pub first_seen: Timestamp,
    /// Their own interval, which overrides longer rules.
    pub keep_in_touch_days: Option<u32>,
    /// Set while someone has put them aside.
    pub snoozed_until: Option<Timestamp>,
    /// The member of staff who looks after them.
    pub owner: Option<String>,
}

/// Which threshold made a customer due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The cadence rule with this id.
    Rule(i64),
    /// The customer's own keep-in-touch interval.
    KeepInTouch,
}

/// A customer who has gone quiet, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Who.
    pub customer: CustomerId,
    /// The winning threshold's source.
    pub cause: Cause,
    /// The winning threshold, in days.
    pub quiet_days: u32,
    /// The last interaction, or when first seen.
    pub silent_since: Timestamp,
    /// `silent_since` plus the threshold: when they became due.
    pub due_at: Timestamp,
    /// Whole days (of 24 h) from `silent_since` to now.
    pub days_silent: i64,
    /// See [`value_at_risk`].
    pub value_at_risk: Option<f64>,
    /// Who should get in touch.
    pub owner: Option<String>,
    /// Snoozed past now: shown apart, not alerted.
    pub snoozed: bool,
}

/// The value that goes if the customer has gone: `clv × (1 − p_alive)`, in the currency of the CLV,
/// with `p_alive` clamped to [0, 1]. `None` unless both are given and finite.
pub fn value_at_risk(clv: Option<f64>, p_alive: Option<f64>) -> Option<f64> {
    let (clv, p_alive) = (clv?, p_alive?);
    (clv.is_finite() && p_alive.is_finite()).then(|| clv * (1.0 - p_alive.clamp(0.0, 1.0)))
}

/// The customers who have gone quiet by `now` under `rules` and their own intervals, by the rules in
/// the module doc, ordered as it says. Linear in customers × rules, plus sorting the result.
pub fn gone_quiet(customers: &[CustomerFacts], rules: &[CadenceRule], now: Timestamp) -> Vec<Silence> {
    let prepared = prepare(rules);
    let mut silences: Vec<Silence> =
        customers.iter().filter_map(|facts| silence_of(facts, &prepared, now)).collect();
    silences.sort_unstable_by(by_urgency);
    silences
}

/// A rule with its audience's text lower-cased once rather than per customer.
struct PreparedRule<'a> {
    rule: &'a CadenceRule,
    audience: PreparedAudience,
}

enum PreparedAudience {
    All,
    Segment(String),
    Stage(String),
    Clv { min: f64, max: f64 },
}

/// The rules ordered by (quiet days, id), so the first that matches is the winning rule.
fn prepare(rules: &[CadenceRule]) -> Vec<PreparedRule<'_>> {
    let mut prepared: Vec<PreparedRule<'_>> =
        rules.iter().map(|rule| PreparedRule { rule, audience: prepare_audience(&rule.audience) }).collect();
    prepared.sort_by_key(|prepared| (prepared.rule.quiet_days, prepared.rule.id));
    prepared
}

fn prepare_audience(audience: &Audience) -> PreparedAudience {
    match audience {
        Audience::All => PreparedAudience::All,
        Audience::Segment(segment) => PreparedAudience::Segment(lower(segment)),
        Audience::Stage(stage) => PreparedAudience::Stage(lower(stage)),
        Audience::Clv { min, max } => {
            PreparedAudience::Clv { min: min.unwrap_or(f64::NEG_INFINITY), max: max.unwrap_or(f64::INFINITY) }
        }
    }
}

/// Lower case character by character, the way [`same_ignoring_case`] reads the customer's side
/// (`str::to_lowercase` differs for a word-final Σ).
fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// `text` equals the already lower-cased `lowered`, ignoring case, without allocating.
fn same_ignoring_case(text: &str, lowered: &str) -> bool {
    if text.is_ascii() {
        // ASCII lower-cases to ASCII, so it never equals non-ASCII text (the reverse does: K, the
        // Kelvin sign, lower-cases to k).
        return lowered.is_ascii() && text.eq_ignore_ascii_case(lowered);
    }
    text.chars().flat_map(char::to_lowercase).eq(lowered.chars())
}

impl PreparedAudience {
    fn matches(&self, facts: &CustomerFacts) -> bool {
        match self {
            PreparedAudience::All => true,
            PreparedAudience::Segment(segment) => {
                facts.segment.as_deref().is_some_and(|own| same_ignoring_case(own, segment))
            }
            PreparedAudience::Stage(stage) => {
                facts.stage.as_deref().is_some_and(|own| same_ignoring_case(own, stage))
            }
            // NaN compares false with everything, so it is in no band.
            PreparedAudience::Clv { min, max } => facts.clv.is_some_and(|clv| *min <= clv && clv < *max),
        }
    }
}

/// The winning threshold for one customer: its days, cause and the rule's owner.
fn threshold<'a>(
    facts: &CustomerFacts,
    rules: &'a [PreparedRule<'a>],
) -> Option<(u32, Cause, Option<&'a str>)> {
    let rule = rules.iter().find(|prepared| prepared.audience.matches(facts)).map(|prepared| prepared.rule);
    match (facts.keep_in_touch_days, rule) {
        (Some(own), Some(rule)) if rule.quiet_days < own => {
            Some((rule.quiet_days, Cause::Rule(rule.id), rule.owner.as_deref()))
        }
        (Some(own), _) => Some((own, Cause::KeepInTouch, None)),
        (None, Some(rule)) => Some((rule.quiet_days, Cause::Rule(rule.id), rule.owner.as_deref())),
        (None, None) => None,
    }
}

fn silence_of(facts: &CustomerFacts, rules: &[PreparedRule<'_>], now: Timestamp) -> Option<Silence> {
    let (quiet_days, cause, rule_owner) = threshold(facts, rules)?;
    let silent_since = facts.last_interaction.unwrap_or(facts.first_seen);
    // Beyond chrono's range the customer can never be due.
    let due_at = silent_since.checked_add_signed(TimeDelta::days(quiet_days.into()))?;
    if now < due_at {
        return None;
    }
    Some(Silence {
        customer: facts.customer,
        cause,
        quiet_days,
        silent_since,
        due_at,
        days_silent: (now - silent_since).num_days(),
        value_at_risk: value_at_risk(facts.clv, facts.p_alive),
        owner: facts.owner.as_deref().or(rule_owner).map(str::to_owned),
        snoozed: facts.snoozed_until.is_some_and(|until| until > now),
    })
}

/// Value at risk descending (unknown last), then days silent descending, then customer id.
fn by_urgency(a: &Silence, b: &Silence) -> Ordering {
    let value = match (a.value_at_risk, b.value_at_risk) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    value.then(b.days_silent.cmp(&a.days_silent)).then(a.customer.cmp(&b.customer))
}

#[cfg(test)]
mod tests;
