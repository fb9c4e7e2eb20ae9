//! The ledger's operations, except refunds (`refund.rs`): each checks its arguments against the
//! state, plans which lots to touch, and returns the rows to append. None changes the state.

use tenure_domain::Timestamp;

use super::{Cause, EXPIRY_PREFIX, Entry, Ledger, LedgerError, Lot, LotTerms, RELEASE_PREFIX};

/// The rows of one operation under construction: same key and time, parts numbered in order.
pub(super) struct Batch {
    key: String,
    at: Timestamp,
    rows: Vec<Entry>,
}

impl Batch {
    pub(super) fn new(key: &str, at: Timestamp) -> Batch {
        Batch { key: key.to_string(), at, rows: Vec::new() }
    }

    /// A row moving `points` in or out of `lot` (or of no lot), changing the debt by `debt`.
    pub(super) fn push(&mut self, cause: Cause, points: i64, lot: Option<&str>, debt: i64) {
        self.push_row(cause, points, lot.map(str::to_string), None, debt);
    }

    /// The row that earns `points` into a new lot named after the key.
    fn push_opening(&mut self, cause: Cause, points: i64, terms: LotTerms) {
        self.push_row(cause, points, Some(self.key.clone()), Some(terms), 0);
    }

    /// One row per `(lot, points)` taken.
    pub(super) fn take(&mut self, cause: &Cause, takes: &[(String, i64)]) {
        for (lot, points) in takes {
            self.push(cause.clone(), -points, Some(lot), 0);
        }
    }

    fn push_row(
        &mut self,
        cause: Cause,
        points: i64,
        lot: Option<String>,
        opens: Option<LotTerms>,
        debt: i64,
    ) {
        let part = u32::try_from(self.rows.len()).expect("an operation writes a handful of rows, not 2^32");
        self.rows.push(Entry { key: self.key.clone(), part, at: self.at, cause, points, lot, opens, debt });
    }

    pub(super) fn finish(self) -> Vec<Entry> {
        self.rows
    }
}

/// What an account owes, kept up to date while several rows are planned in one go.
pub(super) struct Debts {
    /// Points owed outside the balance ([`super::RefundPolicy::ClawBackFromFuture`]).
    owed: i64,
    /// The negative balance not in any lot ([`super::RefundPolicy::AllowNegative`]); ≤ 0.
    loose: i64,
}

/// Rows repaying what is owed from `lot`, which has just become available with `left` points.
///
/// A debt is repaid by taking from the lot. A negative balance is repaid by moving points from
/// the lot to the lot-less remainder, two rows that leave the balance unchanged: the balance
/// already counted the shortfall when the refund took it.
pub(super) fn repay(batch: &mut Batch, debts: &mut Debts, lot: &str, mut left: i64) {
    let from_debt = left.min(debts.owed);
    if from_debt > 0 {
        batch.push(Cause::ClawBack, -from_debt, Some(lot), -from_debt);
        debts.owed -= from_debt;
        left -= from_debt;
    }
    let from_negative = left.min(-debts.loose);
    if from_negative > 0 {
        batch.push(Cause::ClawBack, -from_negative, Some(lot), 0);
        batch.push(Cause::ClawBack, from_negative, None, 0);
        debts.loose += from_negative;
    }
}

/// Refuses keys that are blank or use the ledger's own prefixes.
pub(super) fn check_key(key: &str) -> Result<(), LedgerError> {
    if key.trim().is_empty() {
        return Err(LedgerError::EmptyKey);
    }
    if key.starts_with(EXPIRY_PREFIX) || key.starts_with(RELEASE_PREFIX) {
        return Err(LedgerError::ReservedKey { key: key.to_string() });
    }
    Ok(())
}

fn check_terms(terms: LotTerms) -> Result<(), LedgerError> {
    match (terms.pending_until, terms.expires_at) {
        (Some(pending_until), Some(expires_at)) if pending_until >= expires_at => {
            Err(LedgerError::PendingOutlivesExpiry)
        }
        _ => Ok(()),
    }
}

impl Ledger {
    /// Earns `points` into a new lot with id `key`, for an earning `cause` (an order, a survey
    /// response, a review, a referral, a bonus).
    ///
    /// A lot available at once first repays what the account owes ([`Cause::ClawBack`] rows in
    /// the same operation); a pending one does so when [`settle_pending`](Ledger::settle_pending)
    /// releases it, since a refund may still cancel it.
    pub fn earn(
        &self,
        key: &str,
        at: Timestamp,
        cause: Cause,
        points: i64,
        terms: LotTerms,
    ) -> Result<Vec<Entry>, LedgerError> {
        check_key(key)?;
        if self.has_applied(key) {
            return Ok(Vec::new());
        }
        if !cause.is_earning() {
            return Err(LedgerError::NotAnEarningCause);
        }
        if points <= 0 {
            return Err(LedgerError::NotPositive { points });
        }
        check_terms(terms)?;
        if let Cause::Order { order_id, amount_minor } = &cause {
            if self.orders.contains_key(order_id) {
                return Err(LedgerError::OrderAlreadyEarned { order_id: order_id.clone() });
            }
            if *amount_minor <= 0 {
                return Err(LedgerError::InvalidAmount { amount_minor: *amount_minor });
            }
        }
        Ok(self.open(key, at, cause, points, terms))
    }

    /// Spends `points` on a reward, taking from lots in [spending order](Ledger::spend_order).
    /// Refused with [`LedgerError::InsufficientPoints`] when fewer are available; a redemption
    /// never takes the balance below zero.
    pub fn redeem(
        &self,
        key: &str,
        at: Timestamp,
        reward: &str,
        coupon: &str,
        points: i64,
    ) -> Result<Vec<Entry>, LedgerError> {
        check_key(key)?;
        if self.has_applied(key) {
            return Ok(Vec::new());
        }
        if points <= 0 {
            return Err(LedgerError::NotPositive { points });
        }
        let cause = Cause::Redemption { reward: reward.to_string(), coupon: coupon.to_string() };
        self.spend(key, at, cause, points)
    }

    /// A manual change by `by_user` for `reason`. Positive points open a lot with `terms`, like
    /// an earning; negative ones are taken like a redemption, and refused beyond what is available.
    pub fn adjust(
        &self,
        key: &str,
        at: Timestamp,
        by_user: &str,
        reason: &str,
        points: i64,
        terms: LotTerms,
    ) -> Result<Vec<Entry>, LedgerError> {
        check_key(key)?;
        if self.has_applied(key) {
            return Ok(Vec::new());
        }
        let (by_user, reason) = (by_user.trim(), reason.trim());
        if points == 0 {
            return Err(LedgerError::ZeroAdjustment);
        }
        if by_user.is_empty() {
            return Err(LedgerError::AnonymousAdjustment);
        }
        if reason.is_empty() {
            return Err(LedgerError::AdjustmentWithoutReason);
        }
        let cause = Cause::Adjustment { by_user: by_user.to_string(), reason: reason.to_string() };
        if points > 0 {
            check_terms(terms)?;
            return Ok(self.open(key, at, cause, points, terms));
        }
        self.spend(key, at, cause, -points)
    }

    /// The expiry rows due at `now`: one per available lot whose expiry is at or before `now`,
    /// taking all its points. Keys are `expiry:<lot>`, so running it twice over the same state
    /// writes nothing new.
    ///
    /// Pending lots are left alone: a lot is released before it expires (programme validation
    /// makes the window end first), and releasing repays debts, which expiring must not skip.
    /// A nightly job therefore runs [`settle_pending`](Ledger::settle_pending) first, then this.
    pub fn expire(&self, now: Timestamp) -> Vec<Entry> {
        let due = |lot: &&Lot| lot.is_available() && lot.terms.expires_at.is_some_and(|at| at <= now);
        let mut rows = Vec::new();
        for lot in self.lots.iter().filter(due) {
            let key = format!("{EXPIRY_PREFIX}{}", lot.id);
            if self.has_applied(&key) {
                continue;
            }
            let mut batch = Batch::new(&key, now);
            batch.push(Cause::Expiry, -lot.remaining, Some(&lot.id), 0);
            rows.extend(batch.finish());
        }
        rows
    }

    /// The rows releasing every pending lot whose return window ended at or before `now`, each
    /// followed by what it repays of the account's debt. Keys are `release:<lot>`; lots are
    /// released in order of window end, then earning time, then id.
    pub fn settle_pending(&self, now: Timestamp) -> Vec<Entry> {
        let mut due: Vec<&Lot> = self
            .lots
            .iter()
            .filter(|lot| lot.pending && lot.terms.pending_until.is_some_and(|at| at <= now))
            .collect();
        due.sort_by(|a, b| {
            (a.terms.pending_until, a.earned_at, &a.id).cmp(&(b.terms.pending_until, b.earned_at, &b.id))
        });
        let mut debts = self.debts();
        let mut rows = Vec::new();
        for lot in due {
            let mut batch = Batch::new(&format!("{RELEASE_PREFIX}{}", lot.id), now);
            batch.push(Cause::Release, 0, Some(&lot.id), 0);
            repay(&mut batch, &mut debts, &lot.id, lot.remaining);
            rows.extend(batch.finish());
        }
        rows
    }

    /// Takes `points` from available lots in spending order, leaving out `exclude`; returns
    /// `(lot, points)` pairs, fewer points in all when fewer are available.
    pub(super) fn plan_spend(&self, points: i64, exclude: Option<&str>) -> Vec<(String, i64)> {
        let mut left = points;
        let mut takes = Vec::new();
        for lot in self.spend_order() {
            if left == 0 {
                break;
            }
            if Some(lot.id.as_str()) == exclude {
                continue;
            }
            let take = left.min(lot.remaining);
            takes.push((lot.id.clone(), take));
            left -= take;
        }
        takes
    }

    pub(super) fn debts(&self) -> Debts {
        Debts { owed: self.owed, loose: self.loose }
    }

    fn spend(&self, key: &str, at: Timestamp, cause: Cause, points: i64) -> Result<Vec<Entry>, LedgerError> {
        let takes = self.plan_spend(points, None);
        if takes.iter().map(|(_, taken)| taken).sum::<i64>() < points {
            return Err(LedgerError::InsufficientPoints { available: self.available(), asked: points });
        }
        let mut batch = Batch::new(key, at);
        batch.take(&cause, &takes);
        Ok(batch.finish())
    }

    fn open(&self, key: &str, at: Timestamp, cause: Cause, points: i64, terms: LotTerms) -> Vec<Entry> {
        let mut batch = Batch::new(key, at);
        batch.push_opening(cause, points, terms);
        if terms.pending_until.is_none() {
            repay(&mut batch, &mut self.debts(), key, points);
        }
        batch.finish()
    }
}
