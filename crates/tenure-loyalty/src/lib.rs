//! Tenure's loyalty programme, the pure part: the decisions, none of the storage.
//!
//! - [`ledger`]: the append-only points ledger. A [`Ledger`] is the fold of its [`Entry`] rows; its
//!   operations ([`Ledger::earn`], [`Ledger::redeem`], [`Ledger::refund`], [`Ledger::adjust`],
//!   [`Ledger::expire`], [`Ledger::settle_pending`]) return the *new* entries to append and never
//!   change history. Points live in lots with their own expiry and return window.
//! - [`programme`]: the programme's rules as versioned, validated data.
//! - [`tiers`]: tiers over a rolling 12 months, upgraded at once and downgraded at period ends.
//! - [`referral`]: whether a referral reward is due and whether it looks like fraud.
//! - [`codes`]: referral codes and coupon codes from caller-supplied randomness.
//! - [`liability`](mod@liability): what the outstanding points are worth.
//!
//! No IO, no database, and it never reads the clock: every function that needs the time takes
//! `now` (or the entry's `at`) as an argument, and randomness comes in as a `&mut impl Rng`, so the
//! same inputs always give the same output. The store persists [`Entry`] rows and rebuilds a
//! [`Ledger`] from them with [`Ledger::from_entries`].

pub mod codes;
pub mod ledger;
pub mod liability;
pub mod programme;
pub mod referral;
pub mod tiers;

pub use codes::{CodeError, coupon_code, parse_coupon_code, parse_referral_code, referral_code};
pub use ledger::{Cause, Entry, FoldError, Ledger, LedgerError, Lot, LotTerms, Occasion, RefundPolicy};
pub use liability::{PointRate, liability, value_of};
pub use programme::{
    ActionPoints, Bonuses, PointsExpiry, Programme, ProgrammeError, ReferralRules, Reward, RewardKind, Tier,
    TierBasis, TierPeriod, TierRules,
};
pub use referral::{
    Eligibility, FirstOrder, HoldReason, Ineligible, Outcome, Party, ReferralFacts, RefuseReason, assess,
    eligibility, normalise_address, normalise_email, normalise_name,
};
pub use tiers::{Activity, Evaluation, TierChange, TierError, TierStatus, evaluate};
