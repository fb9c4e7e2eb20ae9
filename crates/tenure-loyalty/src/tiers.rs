//! Tiers: which tier a customer is in, from their points earned or their spend over a rolling
//! 12 months ([`TierRules`]). Not where the activity comes from: the caller passes it in.
//!
//! The rules [`evaluate`] applies:
//! - the **qualifying total** at an instant `t` sums the activity in `(t − 12 months, t]`;
//! - **upgrade at once**: when the total at `now` reaches a higher tier's threshold, the customer
//!   moves up, and a new tier period starts at `now`;
//! - **downgrade only at the end of a period**: at `period_end` the total at `period_end` decides
//!   the tier for the next 12 months — kept (renewed), or lowered straight to the tier it
//!   qualifies for (possibly several steps). Between period ends a tier is never lost;
//! - the **tier period** of a tier reached at `t` ends, for [`TierPeriod::CalendarYear`], at the
//!   start (UTC) of the second year after `t`'s — the rest of this year and all of next, so a tier
//!   reached on 30 December is not lost two days later — and for [`TierPeriod::TwelveMonths`]
//!   12 months after `t`. Renewals and downgrades start a period of 12 months at the old end;
//! - the customer is **told** of every change of tier, not of a renewal.
//!
//! Months are calendar months (`chrono`'s `checked_add_months`: 29 February + 12 months is
//! 28 February).

use chrono::{Datelike, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use tenure_domain::Timestamp;

use crate::programme::{TierBasis, TierPeriod, TierRules};

const YEAR: Months = Months::new(12);
/// Period ends an evaluation catches up on at most: a century of missed nightly jobs.
const MAX_CATCH_UP: usize = 100;

/// Something that counts towards a tier. Refunds are negative activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// When it happened.
    pub at: Timestamp,
    /// Points earned (counted under [`TierBasis::PointsEarned`]).
    pub points: i64,
    /// Minor units spent (counted under [`TierBasis::Spend`]).
    pub spend_minor: i64,
}

/// A customer's tier as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierStatus {
    /// The tier's name.
    pub tier: String,
    /// When the current period started (the tier was reached, renewed or lowered).
    pub reached_at: Timestamp,
    /// When the tier may next be lost.
    pub period_end: Timestamp,
}

/// What an evaluation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierChange {
    /// Nothing.
    Unchanged,
    /// A period ended and the tier was kept for another.
    Renewed,
    /// Moved up.
    Upgraded {
        /// The old tier.
        from: String,
        /// The new tier.
        to: String,
    },
    /// Moved down at a period end.
    Downgraded {
        /// The old tier.
        from: String,
        /// The new tier.
        to: String,
    },
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The status to store.
    pub status: TierStatus,
    /// What changed.
    pub change: TierChange,
    /// Whether the customer must be told (their tier changed).
    pub notify: bool,
}

/// Why a tier could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    /// The rules have no tiers ([`crate::Programme::validate`] refuses that).
    #[error("the programme has no tiers")]
    NoTiers,
    /// The stored tier is not one of the rules' (renamed or removed in a newer version).
    #[error("`{tier}` is not a tier of this programme")]
    UnknownTier {
        /// The stored name.
        tier: String,
    },
}

/// The qualifying total at `at`: the sum of the basis's measure over `(at − 12 months, at]`.
pub fn qualifying_total(basis: TierBasis, history: &[Activity], at: Timestamp) -> i64 {
    let start = at.checked_sub_months(YEAR).unwrap_or(Timestamp::MIN_UTC);
    history
        .iter()
        .filter(|activity| activity.at > start && activity.at <= at)
        .map(|activity| match basis {
            TierBasis::PointsEarned => activity.points,
            TierBasis::Spend => activity.spend_minor,
        })
        .fold(0, i64::saturating_add)
}

/// Index of the highest tier whose threshold `total` reaches (0, the starting tier, at least).
pub fn tier_for(rules: &TierRules, total: i64) -> usize {
    rules.levels.iter().rposition(|level| total >= level.threshold).unwrap_or(0)
}

/// When the period of a tier reached at `reached_at` ends (see the module documentation).
pub fn period_end(period: TierPeriod, reached_at: Timestamp) -> Timestamp {
    match period {
        TierPeriod::TwelveMonths => reached_at.checked_add_months(YEAR).unwrap_or(Timestamp::MAX_UTC),
        TierPeriod::CalendarYear => NaiveDate::from_ymd_opt(reached_at.year() + 2, 1, 1)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map_or(Timestamp::MAX_UTC, |start| Utc.from_utc_datetime(&start)),
    }
}

/// The status of a new member: the starting tier, from `now`.
pub fn initial_status(rules: &TierRules, now: Timestamp) -> Result<TierStatus, TierError> {
    let first = rules.levels.first().ok_or(TierError::NoTiers)?;
    Ok(TierStatus { tier: first.name.clone(), reached_at: now, period_end: period_end(rules.period, now) })
}

/// Re-evaluates `current` at `now` over `history`: first every period end that has passed
/// (in order, so a job that missed some catches up), then an upgrade at `now`.
pub fn evaluate(
    rules: &TierRules,
    history: &[Activity],
    current: &TierStatus,
    now: Timestamp,
) -> Result<Evaluation, TierError> {
    let start = index_of(rules, &current.tier)?;
    let mut index = start;
    let mut status = current.clone();
    let mut renewed = false;
    for _ in 0..MAX_CATCH_UP {
        if status.period_end > now {
            break;
        }
        let end = status.period_end;
        let qualified = tier_for(rules, qualifying_total(rules.basis, history, end));
        let next_end = if qualified > index { period_end(rules.period, end) } else { add_year(end) };
        renewed |= qualified == index && index > 0;
        index = qualified;
        status = TierStatus { tier: rules.levels[index].name.clone(), reached_at: end, period_end: next_end };
    }
    let qualified = tier_for(rules, qualifying_total(rules.basis, history, now));
    if qualified > index {
        index = qualified;
        status = TierStatus {
            tier: rules.levels[index].name.clone(),
            reached_at: now,
            period_end: period_end(rules.period, now),
        };
    }
    let (from, to) = (current.tier.clone(), status.tier.clone());
    let change = match index.cmp(&start) {
        std::cmp::Ordering::Greater => TierChange::Upgraded { from, to },
        std::cmp::Ordering::Less => TierChange::Downgraded { from, to },
        std::cmp::Ordering::Equal if renewed => TierChange::Renewed,
        std::cmp::Ordering::Equal => TierChange::Unchanged,
    };
    Ok(Evaluation { status, notify: index != start, change })
}

fn index_of(rules: &TierRules, tier: &str) -> Result<usize, TierError> {
    if rules.levels.is_empty() {
        return Err(TierError::NoTiers);
    }
    rules
        .levels
        .iter()
        .position(|level| level.name == tier)
        .ok_or_else(|| TierError::UnknownTier { tier: tier.to_string() })
}

fn add_year(at: Timestamp) -> Timestamp {
    at.checked_add_months(YEAR).unwrap_or(Timestamp::MAX_UTC)
}
