//! What the loyalty programme's storage reads and writes: programme versions, members' accounts,
//! ledger rows, coupons, the orders the earning job has seen, and referrals. The store keeps
//! these rows; what they mean (the fold of a ledger, the rules) is `tenure_loyalty`'s, in the
//! app layer, so causes and rules travel here as JSON text.

use serde::Serialize;
use tenure_domain::{CustomerId, Timestamp};

use crate::{Contact, Event, NewMessage, StoreError};

/// A saved version of the programme's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredProgramme {
    /// Its version, from 1.
    pub version: i64,
    /// The rules as JSON (`tenure_loyalty::Programme`).
    pub rules: String,
    /// Orders placed from then earn points.
    pub earn_from: Timestamp,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// A member's tier and its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierState {
    /// The tier's name.
    pub tier: String,
    /// When it was reached (or last renewed).
    pub reached_at: Timestamp,
    /// When it may next be lost.
    pub period_end: Timestamp,
}

/// The sums and dates kept on an account with every write (the ledger is the truth; these save
/// folding it for lists, the liability and the nightly job).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    /// The sum of the ledger's points.
    pub balance: i64,
    /// What can be spent now.
    pub available: i64,
    /// Points owed after a refund, outside the balance.
    pub owed: i64,
    /// The tier, once the programme has tiers.
    pub tier: Option<TierState>,
    /// When the next points expire.
    pub next_expiry_at: Option<Timestamp>,
    /// How many points expire then.
    pub next_expiry_points: i64,
    /// The expiry time an expiry notice has been sent for.
    pub expiry_noticed_for: Option<Timestamp>,
    /// The soonest time the nightly job has something to do for the account.
    pub next_due_at: Option<Timestamp>,
}

/// A member's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoyaltyAccount {
    /// The customer.
    pub customer_id: CustomerId,
    /// Their referral code (`K7MQ-4XRT`).
    pub referral_code: String,
    /// The kept sums and dates.
    pub summary: AccountSummary,
    /// Month and day of their birthday (`MM-DD`), when known.
    pub birthday: Option<String>,
    /// Raised by every write.
    pub revision: i64,
    /// When the account was opened.
    pub joined_at: Timestamp,
}

/// One row of the ledger as stored (see `tenure_loyalty::Entry` for the meaning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    /// The operation's idempotency key.
    pub key: String,
    /// The row's place in its operation.
    pub part: u32,
    /// When the operation happened.
    pub at: Timestamp,
    /// The cause's tag (`order`, `redemption`, …).
    pub cause_kind: String,
    /// The cause as JSON.
    pub cause: String,
    /// Change to the balance.
    pub points: i64,
    /// The lot it touches.
    pub lot: Option<String>,
    /// Whether it opens the lot.
    pub opens: bool,
    /// The opened lot's expiry.
    pub expires_at: Option<Timestamp>,
    /// The opened lot's return window end.
    pub pending_until: Option<Timestamp>,
    /// Change to the debt.
    pub debt: i64,
    /// The programme version that priced it.
    pub programme_version: Option<i64>,
}

/// A coupon to issue with a redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCoupon {
    /// The code.
    pub code: String,
    /// The catalogue reward's id.
    pub reward_id: String,
    /// Its name, as the customer saw it.
    pub reward_name: String,
    /// What it gives, as JSON (`tenure_loyalty::RewardKind`).
    pub reward_kind: String,
    /// Points paid.
    pub points: i64,
    /// The ledger operation that paid for it.
    pub entry_key: String,
}

/// An issued coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coupon {
    /// Its id.
    pub id: i64,
    /// The customer it was issued to.
    pub customer_id: CustomerId,
    /// The customer's e-mail, when known (for the shop's export).
    pub email: Option<String>,
    /// The code and what it is for.
    #[serde(flatten)]
    pub coupon: NewCoupon,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When the shop reported it used.
    pub used_at: Option<Timestamp>,
}

/// An order the earning job has taken into account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSeen {
    /// The order (the store's id).
    pub order_id: i64,
    /// Its status then.
    pub status: String,
    /// Refunded minor units taken into account.
    pub refunded_minor: i64,
    /// Points it earned (0 when it earns none).
    pub points: i64,
}

/// An order the earning job has to look at: new, or refunded since it was last looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderToEarn {
    /// The store's order id.
    pub order_id: i64,
    /// The shop's order id.
    pub external_id: String,
    /// The customer.
    pub customer_id: CustomerId,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// Its status (`paid`, `refunded`, …).
    pub status: String,
    /// Its currency.
    pub currency: String,
    /// Its total.
    pub total_minor: i64,
    /// Refunded so far.
    pub refunded_minor: i64,
    /// What the job saw last time, when it has seen the order.
    pub seen: Option<OrderSeen>,
}

/// What one write to an account changes, planned from the account and its ledger inside the
/// transaction that holds the account.
#[derive(Debug, Clone, Default)]
pub struct AccountWrite {
    /// Ledger rows to append, in order.
    pub entries: Vec<LedgerRow>,
    /// The account's sums and dates after them.
    pub summary: AccountSummary,
    /// Coupons issued.
    pub coupons: Vec<NewCoupon>,
    /// Orders now taken into account.
    pub orders_seen: Vec<OrderSeen>,
    /// E-mails to queue (expiry notices, tier changes, coupons).
    pub messages: Vec<NewMessage>,
    /// Webhook events to emit (`coupon.issued`).
    pub events: Vec<Event<'static>>,
    /// A referral decided with this write (paid by it, or held or refused).
    pub referral: Option<ReferralDecision>,
}

/// Plans the write to one account from the account and its ledger rows (in the order they were
/// appended); `None` writes nothing (the account is left as it was).
pub type PlanWrite<'a> =
    dyn FnMut(&LoyaltyAccount, &[LedgerRow]) -> Result<Option<AccountWrite>, StoreError> + 'a;

/// A member in a list, with who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The account.
    #[serde(flatten)]
    pub account: LoyaltyAccount,
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's e-mail.
    pub email: Option<String>,
}

/// Which members to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberQuery {
    /// Only this tier.
    pub tier: Option<String>,
    /// Largest balances first (else by customer id).
    pub by_balance: bool,
    /// At most this many.
    pub limit: usize,
    /// Skip this many.
    pub offset: usize,
}

/// The programme's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoyaltyTotals {
    /// Members.
    pub members: i64,
    /// Sum of positive balances: the points the business owes.
    pub outstanding: i64,
    /// Of which pending (inside a return window).
    pub pending: i64,
    /// Points owed back by members after refunds.
    pub owed: i64,
    /// Members per tier (`None`: no tier yet).
    pub tiers: Vec<(Option<String>, i64)>,
    /// Coupons issued, and used.
    pub coupons_issued: i64,
    /// Coupons the shop reported used.
    pub coupons_used: i64,
    /// Referrals held for review.
    pub held_referrals: i64,
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Waiting for the referred customer's first paid order to pass its return window.
    Waiting,
    /// Both sides rewarded.
    Paid,
    /// Held for a person to review.
    Held,
    /// Never to be rewarded.
    Refused,
}

impl ReferralStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Waiting => "waiting",
            ReferralStatus::Paid => "paid",
            ReferralStatus::Held => "held",
            ReferralStatus::Refused => "refused",
        }
    }

    /// The status with this stored name.
    pub fn parse(text: &str) -> Option<ReferralStatus> {
        [ReferralStatus::Waiting, ReferralStatus::Paid, ReferralStatus::Held, ReferralStatus::Refused]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// A referral, with who is on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Referral {
    /// Its id.
    pub id: i64,
    /// Who shared the code.
    pub referrer: Contact,
    /// Who used it.
    pub referred: Contact,
    /// Where it stands.
    pub status: ReferralStatus,
    /// Why it was held or refused (JSON list), as the checks or the reviewer said.
    pub reasons: String,
    /// The referred customer's first paid order, once judged.
    pub order_id: Option<i64>,
    /// When the code was used.
    pub created_at: Timestamp,
    /// When it was paid, held or refused.
    pub decided_at: Option<Timestamp>,
    /// Who decided (a reviewer), or `None` for the automatic checks.
    pub decided_by: Option<String>,
}

/// A change of a referral's status, written with the accounts it pays (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralDecision {
    /// The referral.
    pub referral_id: i64,
    /// The status it must still have (else someone decided meanwhile: `Conflict`).
    pub from: ReferralStatus,
    /// The new status.
    pub to: ReferralStatus,
    /// Reasons, as JSON.
    pub reasons: String,
    /// The order judged.
    pub order_id: Option<i64>,
    /// The reviewer, for a decision by a person.
    pub decided_by: Option<String>,
}

/// A customer's first paid order (paid at some point: refunded ones count, with their refunds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstPaidOrder {
    /// The store's order id.
    pub order_id: i64,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// Its currency.
    pub currency: String,
    /// Its total.
    pub total_minor: i64,
    /// Refunded so far.
    pub refunded_minor: i64,
}
