//! The points ledger: an append-only list of [`Entry`] rows per customer account, and the
//! [`Ledger`] state folded from them. The balance is the sum of the entries, always.
//!
//! Points are earned in **lots**. A lot has its own expiry and may be **pending** until a return
//! window passes; pending points count in the balance but cannot be spent, and a refund inside
//! the window cancels them. Spending takes from the available lot that expires soonest (lots
//! that never expire last, ties by earning time, then by lot id).
//!
//! When a refund must take back points that were already spent, the [`RefundPolicy`] decides:
//! the balance goes negative, or a debt is recorded outside the balance. Either way, lots that
//! become available later repay it first ([`Cause::ClawBack`] rows), so a customer never spends
//! points while they owe some, and never has points expire while the balance is negative.
//!
//! This module knows nothing of storage: a store saves the rows the operations return (in one
//! transaction per operation), and rebuilds the state with [`Ledger::from_entries`]. Operations
//! plan against the state they are given, so the store must hold the account (a row lock, or a
//! serialisable transaction) from reading the rows to inserting the new ones; the unique
//! `(account, key, part)` then makes a racing retry of the same operation fail instead of
//! applying twice.

mod entry;
mod ops;
mod refund;

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tenure_domain::Timestamp;

pub use entry::{Cause, Entry, LotTerms, Occasion};

/// Key prefix of the rows [`Ledger::expire`] writes.
pub const EXPIRY_PREFIX: &str = "expiry:";
/// Key prefix of the rows [`Ledger::settle_pending`] writes.
pub const RELEASE_PREFIX: &str = "release:";

/// What a refund does when the points its order earned were already spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundPolicy {
    /// Take the points back anyway: the balance may go below zero, and later earnings fill it.
    AllowNegative,
    /// The balance stops at zero; the shortfall is recorded as a debt ([`Ledger::owed`]) that
    /// later earnings repay as they become available.
    ClawBackFromFuture,
}

/// Why an operation was refused. Nothing is written when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The idempotency key is empty or blank.
    #[error("the idempotency key is empty")]
    EmptyKey,
    /// The key starts with a prefix the ledger uses for its own rows.
    #[error(
        "the idempotency key `{key}` starts with `{EXPIRY_PREFIX}` or `{RELEASE_PREFIX}`, which the ledger keeps for itself"
    )]
    ReservedKey {
        /// The key.
        key: String,
    },
    /// Earning or redeeming zero or negative points.
    #[error("{points} points: the amount must be positive")]
    NotPositive {
        /// The points asked for.
        points: i64,
    },
    /// [`Ledger::earn`] with a cause that does not earn points (a refund, an expiry, …).
    #[error("this cause does not earn points; use the ledger operation made for it")]
    NotAnEarningCause,
    /// A redemption or a negative adjustment asks for more points than are available.
    #[error("{asked} points asked, {available} available")]
    InsufficientPoints {
        /// Points available now (pending ones excluded).
        available: i64,
        /// Points asked for.
        asked: i64,
    },
    /// The order has already earned points under another key.
    #[error("order `{order_id}` has already earned points")]
    OrderAlreadyEarned {
        /// The order.
        order_id: String,
    },
    /// A refund of an order that earned nothing in this account: there is nothing to reverse.
    #[error("order `{order_id}` earned no points, so its refund takes none back")]
    NothingEarned {
        /// The order.
        order_id: String,
    },
    /// An order amount or a refund amount that is zero or negative.
    #[error("{amount_minor} minor units: an order or refund amount must be positive")]
    InvalidAmount {
        /// The amount.
        amount_minor: i64,
    },
    /// Refunds of an order adding up to more than the order.
    #[error("order `{order_id}`: refunds would total {refunded_minor} minor units of {amount_minor}")]
    RefundExceedsOrder {
        /// The order.
        order_id: String,
        /// Refunded so far plus this refund.
        refunded_minor: i64,
        /// The order's amount.
        amount_minor: i64,
    },
    /// A lot whose return window does not end before it expires.
    #[error("the points would expire before their return window ends")]
    PendingOutlivesExpiry,
    /// An adjustment of 0 points.
    #[error("an adjustment of 0 points changes nothing")]
    ZeroAdjustment,
    /// An adjustment without the user who made it.
    #[error("an adjustment must name the user who made it")]
    AnonymousAdjustment,
    /// An adjustment without a reason.
    #[error("an adjustment must give a reason")]
    AdjustmentWithoutReason,
}

/// Why a list of rows cannot be a ledger: the store's data is damaged or was not written by
/// this crate's operations. Names the row at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    /// A row whose part is not the next one of its key (a duplicate, a gap, or out of order).
    #[error("row `{key}` part {part}: expected part {expected}")]
    OutOfOrder {
        /// The row's key.
        key: String,
        /// The row's part.
        part: u32,
        /// The part the fold expected.
        expected: u32,
    },
    /// A row naming a lot that was never opened.
    #[error("row `{key}`: lot `{lot}` does not exist")]
    UnknownLot {
        /// The row's key.
        key: String,
        /// The lot.
        lot: String,
    },
    /// A row opening a lot (or an order's earning) that already exists.
    #[error("row `{key}`: `{id}` was already earned")]
    AlreadyEarned {
        /// The row's key.
        key: String,
        /// The lot or order id.
        id: String,
    },
    /// A refund row for an order that earned nothing.
    #[error("row `{key}`: order `{order_id}` earned nothing")]
    UnknownOrder {
        /// The row's key.
        key: String,
        /// The order.
        order_id: String,
    },
    /// A row that would leave a lot, the negative balance or the debt out of range.
    #[error("row `{key}` part {part}: {reason}")]
    Invalid {
        /// The row's key.
        key: String,
        /// The row's part.
        part: u32,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A lot of earned points, as the fold sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// The lot's id: the key of the operation that earned it.
    pub id: String,
    /// When it was earned.
    pub earned_at: Timestamp,
    /// Points earned.
    pub earned: i64,
    /// Points left: `earned - spent - expired - reversed`.
    pub remaining: i64,
    /// Expiry and return window.
    pub terms: LotTerms,
    /// Whether its return window has not yet been settled ([`Cause::Release`]).
    pub pending: bool,
    /// Points used: redeemed, adjusted away, or taken to repay a debt or another order's refund.
    pub spent: i64,
    /// Points that expired.
    pub expired: i64,
    /// Points its own order's refunds took back from it.
    pub reversed: i64,
    /// Points its own order's refunds charged elsewhere because they had been spent here.
    pub charged: i64,
}

impl Lot {
    /// Whether its points can be spent (not pending, some left).
    pub fn is_available(&self) -> bool {
        !self.pending && self.remaining > 0
    }
}

/// What the fold remembers of an order that earned points.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OrderState {
    lot: String,
    amount_minor: i64,
    refunded_minor: i64,
    /// Points its refunds have accounted for so far: taken back, charged or forgiven.
    reversed: i64,
}

/// One customer's points: the fold of their ledger rows.
///
/// Operations take `&self` and return the rows to append; after the store has saved them,
/// [`apply_all`](Ledger::apply_all) brings the state up to date. An operation whose key has been
/// applied returns no rows: replaying it changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Parts seen per key; a key in here has been applied.
    parts: HashMap<String, u32>,
    lots: Vec<Lot>,
    lot_index: HashMap<String, usize>,
    orders: HashMap<String, OrderState>,
    balance: i64,
    /// Sum of the rows without a lot: 0, or negative after an [`RefundPolicy::AllowNegative`] refund.
    loose: i64,
    owed: i64,
}

impl Ledger {
    /// An empty account.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Folds stored rows, in the order they were appended.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<Ledger, FoldError> {
        let mut ledger = Ledger::new();
        ledger.apply_all(entries)?;
        Ok(ledger)
    }

    /// Applies rows in order. On an error the rows before the faulty one stay applied.
    pub fn apply_all<'a>(&mut self, entries: impl IntoIterator<Item = &'a Entry>) -> Result<(), FoldError> {
        entries.into_iter().try_for_each(|entry| self.apply(entry))
    }

    /// The balance: the sum of all rows' points (pending ones included).
    pub fn balance(&self) -> i64 {
        self.balance
    }

    /// Points that can be spent now: the balance less pending points. Negative when a refund
    /// under [`RefundPolicy::AllowNegative`] took back more than there was.
    pub fn available(&self) -> i64 {
        self.balance - self.pending()
    }

    /// Points still inside a return window.
    pub fn pending(&self) -> i64 {
        self.lots.iter().filter(|lot| lot.pending).map(|lot| lot.remaining).sum()
    }

    /// Points owed under [`RefundPolicy::ClawBackFromFuture`], outside the balance.
    pub fn owed(&self) -> i64 {
        self.owed
    }

    /// Every lot ever earned, in earning order (spent and expired ones too).
    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    /// The lot with this id.
    pub fn lot(&self, id: &str) -> Option<&Lot> {
        self.lot_index.get(id).map(|&index| &self.lots[index])
    }

    /// Whether an operation with this key has been applied.
    pub fn has_applied(&self, key: &str) -> bool {
        self.parts.contains_key(key)
    }

    /// The available lots in the order spending takes from them.
    pub fn spend_order(&self) -> Vec<&Lot> {
        let mut lots: Vec<&Lot> = self.lots.iter().filter(|lot| lot.is_available()).collect();
        lots.sort_by(|a, b| spend_cmp(a, b));
        lots
    }

    /// Applies one row, after checking it fits; an unfit row changes nothing.
    pub fn apply(&mut self, entry: &Entry) -> Result<(), FoldError> {
        self.check(entry)?;
        *self.parts.entry(entry.key.clone()).or_insert(0) += 1;
        self.balance += entry.points;
        self.owed += entry.debt;
        match (&entry.lot, entry.opens) {
            (Some(lot), Some(terms)) => self.open_lot(entry, lot, terms),
            (Some(lot), None) => self.touch_lot(entry, lot),
            (None, _) => self.loose += entry.points,
        }
        if let Cause::Refund { order_id, refunded_minor } = &entry.cause {
            self.record_refund(entry, order_id, *refunded_minor);
        }
        Ok(())
    }

    fn check(&self, entry: &Entry) -> Result<(), FoldError> {
        let expected = self.parts.get(&entry.key).copied().unwrap_or(0);
        if entry.part != expected {
            return Err(FoldError::OutOfOrder { key: entry.key.clone(), part: entry.part, expected });
        }
        let invalid = |reason| Err(FoldError::Invalid { key: entry.key.clone(), part: entry.part, reason });
        if self.owed + entry.debt < 0 {
            return invalid("repays more debt than is owed");
        }
        if let Cause::Refund { order_id, .. } = &entry.cause
            && !self.orders.contains_key(order_id)
        {
            return Err(FoldError::UnknownOrder { key: entry.key.clone(), order_id: order_id.clone() });
        }
        match (&entry.lot, entry.opens) {
            (Some(lot), Some(_)) => self.check_opening(entry, lot),
            (Some(lot), None) => self.check_touch(entry, lot),
            (None, Some(_)) => invalid("opens a lot without naming it"),
            (None, None) if self.loose + entry.points > 0 => invalid("repays more than the negative balance"),
            (None, None) => Ok(()),
        }
    }

    fn check_opening(&self, entry: &Entry, lot: &str) -> Result<(), FoldError> {
        let earned = |id: &str| Err(FoldError::AlreadyEarned { key: entry.key.clone(), id: id.to_string() });
        if self.lot_index.contains_key(lot) {
            return earned(lot);
        }
        if let Cause::Order { order_id, .. } = &entry.cause
            && self.orders.contains_key(order_id)
        {
            return earned(order_id);
        }
        if entry.points <= 0 {
            return Err(FoldError::Invalid {
                key: entry.key.clone(),
                part: entry.part,
                reason: "opens an empty lot",
            });
        }
        Ok(())
    }

    fn check_touch(&self, entry: &Entry, lot: &str) -> Result<(), FoldError> {
        let Some(found) = self.lot(lot) else {
            return Err(FoldError::UnknownLot { key: entry.key.clone(), lot: lot.to_string() });
        };
        let invalid = |reason| Err(FoldError::Invalid { key: entry.key.clone(), part: entry.part, reason });
        if entry.points > 0 {
            return invalid("adds points to an existing lot");
        }
        if found.remaining + entry.points < 0 {
            return invalid("takes more points than the lot has left");
        }
        if entry.cause == Cause::Release && (!found.pending || entry.points != 0) {
            return invalid("releases a lot that is not pending, or moves points");
        }
        Ok(())
    }

    fn open_lot(&mut self, entry: &Entry, id: &str, terms: LotTerms) {
        if let Cause::Order { order_id, amount_minor } = &entry.cause {
            let order = OrderState {
                lot: id.to_string(),
                amount_minor: *amount_minor,
                refunded_minor: 0,
                reversed: 0,
            };
            self.orders.insert(order_id.clone(), order);
        }
        self.lot_index.insert(id.to_string(), self.lots.len());
        self.lots.push(Lot {
            id: id.to_string(),
            earned_at: entry.at,
            earned: entry.points,
            remaining: entry.points,
            terms,
            pending: terms.pending_until.is_some(),
            spent: 0,
            expired: 0,
            reversed: 0,
            charged: 0,
        });
    }

    fn touch_lot(&mut self, entry: &Entry, id: &str) {
        let own_order_lot = match &entry.cause {
            Cause::Refund { order_id, .. } => self.orders.get(order_id).map(|order| order.lot.as_str()),
            _ => None,
        };
        let is_own_refund = own_order_lot == Some(id);
        let index = self.lot_index[id];
        let lot = &mut self.lots[index];
        let out = -entry.points;
        lot.remaining -= out;
        match entry.cause {
            Cause::Release => lot.pending = false,
            Cause::Expiry => lot.expired += out,
            _ if is_own_refund => lot.reversed += out,
            _ => lot.spent += out,
        }
    }

    /// Order-level bookkeeping of a refund row: the amount once per operation (on its part 0),
    /// and what each row charged for points the order's lot had already spent.
    fn record_refund(&mut self, entry: &Entry, order_id: &str, refunded_minor: i64) {
        let Some(order) = self.orders.get_mut(order_id) else { return };
        if entry.part == 0 {
            order.refunded_minor += refunded_minor;
            order.reversed = refund::reversal_target(self.lots[self.lot_index[&order.lot]].earned, order);
        }
        if entry.lot.as_deref() != Some(order.lot.as_str()) {
            let index = self.lot_index[&order.lot];
            self.lots[index].charged += entry.debt - entry.points;
        }
    }
}

/// The spending order: soonest expiry first, never-expiring last, then earliest earned, then id.
fn spend_cmp(a: &Lot, b: &Lot) -> Ordering {
    let expiry = |lot: &Lot| (lot.terms.expires_at.is_none(), lot.terms.expires_at);
    expiry(a).cmp(&expiry(b)).then(a.earned_at.cmp(&b.earned_at)).then_with(|| a.id.cmp(&b.id))
}
