//! Refunds: taking back what an order earned, pro rata, under the account's [`RefundPolicy`].
//!
//! **Rounding.** After refunds totalling `R` of an order of `A` minor units that earned `E`
//! points, the refunds together have reversed `⌊E × R / A⌋` points; each refund reverses the
//! difference to what the earlier ones reversed. Rounding is down, in the customer's favour, and
//! because it is applied to the running total, partial refunds that add up to the whole order
//! reverse exactly `E`, however the order was split.
//!
//! **Where the points come from.** First the order's own lot (cancelling pending points inside
//! the return window). What the lot no longer has was either spent or expired: points that
//! expired were never used and are not charged again; spent ones are charged — from other
//! available lots in spending order, and what those cannot cover is the shortfall the
//! [`RefundPolicy`] decides: a negative balance, or a debt repaid by later earnings.

use tenure_domain::Timestamp;

use super::ops::{Batch, check_key};
use super::{Cause, Entry, Ledger, LedgerError, OrderState, RefundPolicy};

/// Points all refunds of `order` so far have reversed: `⌊earned × refunded / amount⌋`.
pub(super) fn reversal_target(earned: i64, order: &OrderState) -> i64 {
    let reversed = i128::from(earned) * i128::from(order.refunded_minor) / i128::from(order.amount_minor);
    i64::try_from(reversed).expect("refunded ≤ amount, so the target is at most the points earned")
}

impl Ledger {
    /// Takes back what `refunded_minor` minor units of order `order_id` earned (see the module
    /// documentation for the rounding and the policy). Always writes at least one row, even when
    /// the refund is too small to reverse a point, so the amount counts for the next refund.
    pub fn refund(
        &self,
        key: &str,
        at: Timestamp,
        order_id: &str,
        refunded_minor: i64,
        policy: RefundPolicy,
    ) -> Result<Vec<Entry>, LedgerError> {
        check_key(key)?;
        if self.has_applied(key) {
            return Ok(Vec::new());
        }
        if refunded_minor <= 0 {
            return Err(LedgerError::InvalidAmount { amount_minor: refunded_minor });
        }
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| LedgerError::NothingEarned { order_id: order_id.to_string() })?;
        let refunded_total = order.refunded_minor.saturating_add(refunded_minor);
        if refunded_total > order.amount_minor {
            return Err(LedgerError::RefundExceedsOrder {
                order_id: order_id.to_string(),
                refunded_minor: refunded_total,
                amount_minor: order.amount_minor,
            });
        }
        let lot = self.lot(&order.lot).expect("an order and its lot are opened by the same row");
        let after = OrderState { refunded_minor: refunded_total, ..order.clone() };
        let reversal = reversal_target(lot.earned, &after) - order.reversed;

        let cause = Cause::Refund { order_id: order_id.to_string(), refunded_minor };
        let mut batch = Batch::new(key, at);
        let from_lot = reversal.min(lot.remaining);
        batch.push(cause.clone(), -from_lot, Some(&lot.id), 0);
        let chargeable = (reversal - from_lot).min(lot.spent - lot.charged).max(0);
        let takes = self.plan_spend(chargeable, Some(&lot.id));
        batch.take(&cause, &takes);
        let shortfall = chargeable - takes.iter().map(|(_, taken)| taken).sum::<i64>();
        if shortfall > 0 {
            match policy {
                RefundPolicy::AllowNegative => batch.push(cause, -shortfall, None, 0),
                RefundPolicy::ClawBackFromFuture => batch.push(cause, 0, None, shortfall),
            }
        }
        Ok(batch.finish())
    }
}
