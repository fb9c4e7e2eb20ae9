//! The rows of the ledger: what a store persists, one row per [`Entry`]. Only data and its
//! meaning here; the fold that reads them is in `ledger.rs`, the operations that write them in
//! `ops.rs` and `refund.rs`.

use serde::{Deserialize, Serialize};
use tenure_domain::Timestamp;

/// One row of the append-only ledger.
///
/// An operation (an earning, a redemption, a refund, …) writes one or more rows under one
/// idempotency `key`, numbered by `part` from 0; `(key, part)` is unique in an account, and a key
/// that is present at all has been applied. Each row touches at most one lot, so a store needs no
/// child table: a redemption spread over three lots is three rows.
///
/// The balance is the sum of `points` over all rows, always.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Idempotency key of the operation that wrote the row, like `order:123:earn`. Keys starting
    /// with `expiry:` or `release:` are written by the ledger itself.
    pub key: String,
    /// Position of the row within its operation, from 0.
    pub part: u32,
    /// When the operation happened.
    pub at: Timestamp,
    /// Why the points moved.
    pub cause: Cause,
    /// Change to the balance: positive when earned, negative when spent, expired or reversed.
    pub points: i64,
    /// The lot the row adds to or takes from; `None` for a refund's shortfall, which belongs to no
    /// lot (a negative balance, or a debt with `points` 0).
    pub lot: Option<String>,
    /// Present on the row that opens lot `lot` (an earning): its expiry and return window.
    pub opens: Option<LotTerms>,
    /// Change to the points owed under [`RefundPolicy::ClawBackFromFuture`](super::RefundPolicy):
    /// positive when a refund could not take back spent points, negative when later earnings
    /// repay them. Owed points are not part of the balance.
    pub debt: i64,
}

/// The terms of a lot, fixed when it is earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotTerms {
    /// When its unspent points expire; `None` never.
    pub expires_at: Option<Timestamp>,
    /// Until when its points are pending (the order's return window): not spendable, and
    /// cancelled by a refund. `None` when available at once.
    pub pending_until: Option<Timestamp>,
}

impl LotTerms {
    /// Available at once, never expiring.
    pub const FOREVER: LotTerms = LotTerms { expires_at: None, pending_until: None };
}

/// Why points moved. Stored as JSON with a `kind` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// Points earned by an order of `amount_minor` minor units.
    Order {
        /// The shop's order id.
        order_id: String,
        /// The order's total in minor units; refunds are pro rata of it.
        amount_minor: i64,
    },
    /// Points taken back because `refunded_minor` minor units of an order were refunded.
    Refund {
        /// The shop's order id.
        order_id: String,
        /// Minor units refunded by this refund (not cumulative).
        refunded_minor: i64,
    },
    /// Points for answering a survey.
    SurveyResponse {
        /// The survey response's id.
        response_id: String,
    },
    /// Points for a review.
    Review {
        /// The review's id.
        review_id: String,
    },
    /// Points for a referral, on either side.
    Referral {
        /// The referral's id.
        referral_id: String,
    },
    /// Points spent on a reward, which issued a coupon.
    Redemption {
        /// The catalogue reward's id.
        reward: String,
        /// The coupon code issued for it.
        coupon: String,
    },
    /// The unspent points of lot `lot` expired.
    Expiry,
    /// The return window of lot `lot` passed: its points became available. Always 0 points.
    Release,
    /// Points owed after a refund, repaid from lot `lot` as it became available.
    ClawBack,
    /// A manual change by a member of staff.
    Adjustment {
        /// Who made it (a user name).
        by_user: String,
        /// Why, in their words.
        reason: String,
    },
    /// A birthday or anniversary bonus.
    Bonus {
        /// Which occasion.
        occasion: Occasion,
    },
}

impl Cause {
    /// Whether [`Ledger::earn`](super::Ledger::earn) accepts this cause: the ones that bring
    /// points in from outside. Adjustments have [`Ledger::adjust`](super::Ledger::adjust).
    pub fn is_earning(&self) -> bool {
        matches!(
            self,
            Cause::Order { .. }
                | Cause::SurveyResponse { .. }
                | Cause::Review { .. }
                | Cause::Referral { .. }
                | Cause::Bonus { .. }
        )
    }
}

/// The occasion of a bonus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    /// The customer's birthday.
    Birthday,
    /// The anniversary of the customer's first order or sign-up.
    Anniversary,
}
