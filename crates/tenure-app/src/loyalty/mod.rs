//! The loyalty programme's use cases: the rules by version, earning from orders (and taking back
//! on refunds), redemptions for coupons, manual adjustments, the nightly release / expiry / tier
//! job, the liability, and members' signed links.
//!
//! Every change to an account goes the same way: the store holds the account and hands over its
//! ledger ([`tenure_store::LoyaltyStore::write_loyalty`]); the operation is planned by
//! `tenure_loyalty` against exactly that state; `settle` then re-evaluates the tier, queues
//! what the customer must be told and computes the sums kept on the account; all of it is written
//! in the transaction that held the account. Nothing is decided outside it, so concurrent
//! requests, retries and replayed jobs can neither overspend nor count twice.

mod bonuses;
pub mod coupons;
pub mod demo;
pub mod earn;
pub mod links;
pub mod messages;
pub mod nightly;
pub mod programme;
pub mod redeem;
pub mod referrals;
pub mod rows;
pub mod view;

use tenure_domain::{CustomerId, Timestamp};
use tenure_loyalty::{Entry, Ledger, Programme, TierChange, TierStatus};
use tenure_store::{
    AccountWrite, Contact, LedgerRow, LoyaltyAccount, NewCoupon, NewMessage, OrderSeen, Store, StoreError,
    TierState,
};

pub use messages::Mailing;
pub use programme::{ActiveProgramme, active_programme, require_programme};

use crate::AppError;

/// What one operation decided for one account, before `settle`.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub entries: Vec<Entry>,
    pub coupons: Vec<NewCoupon>,
    pub orders_seen: Vec<OrderSeen>,
    pub messages: Vec<NewMessage>,
    pub events: Vec<tenure_store::Event<'static>>,
    /// The expiry its owner has now been told of, when this decision told them.
    pub noticed_expiry: Option<Timestamp>,
    /// A referral decided with this write.
    pub referral: Option<tenure_store::ReferralDecision>,
}

/// An account as the store holds it for a write: the stored rows, their fold and the tier.
pub(crate) struct Held<'a> {
    pub account: &'a LoyaltyAccount,
    pub rows: &'a [LedgerRow],
    pub ledger: Ledger,
    pub tier: Option<TierState>,
}

impl<'a> Held<'a> {
    /// Folds the held account and brings it up to `now` before anything else is planned: points
    /// whose return window has passed are released (repaying any debt) and lapsed points expire,
    /// so no operation ever spends points that are no longer there. The rows that does are the
    /// start of the returned decision.
    pub(crate) fn new(
        programme: &Programme,
        account: &'a LoyaltyAccount,
        rows: &'a [LedgerRow],
        now: Timestamp,
    ) -> Result<(Held<'a>, Decision), StoreError> {
        let mut held = Held {
            account,
            rows,
            ledger: rows::fold(rows)?,
            tier: rows::current_tier(programme, account, now),
        };
        let mut decision = Decision::default();
        let released = held.ledger.settle_pending(now);
        held.take(&mut decision, released)?;
        let expired = held.ledger.expire(now);
        held.take(&mut decision, expired)?;
        Ok((held, decision))
    }

    /// The tier's name, for the purchase multiplier.
    pub(crate) fn tier_name(&self) -> &str {
        self.tier.as_ref().map_or("", |tier| tier.tier.as_str())
    }

    /// Takes rows planned by the ledger into the decision and into the fold, so the next
    /// operation in the same write plans against them.
    pub(crate) fn take(&mut self, decision: &mut Decision, entries: Vec<Entry>) -> Result<(), StoreError> {
        self.ledger
            .apply_all(&entries)
            .map_err(|e| StoreError::Other(format!("the ledger refused its own rows: {e}")))?;
        decision.entries.extend(entries);
        Ok(())
    }
}

/// Finishes a decision: releases and expires what became due, pays birthday and anniversary
/// bonuses, re-evaluates the tier against the ledger as it will be (up at once,
/// down at a period's end, the customer told of a change), and computes the kept sums.
pub(crate) fn settle(
    programme: &ActiveProgramme,
    mailing: &Mailing,
    held: &mut Held<'_>,
    mut decision: Decision,
    contact: Option<&Contact>,
    now: Timestamp,
) -> Result<AccountWrite, StoreError> {
    // What the operations left already due (a lot earned for an order whose return window has
    // passed, say) is done now too: every write leaves the account as of `now`.
    let released = held.ledger.settle_pending(now);
    held.take(&mut decision, released)?;
    let expired = held.ledger.expire(now);
    held.take(&mut decision, expired)?;
    let bonus_due_at = bonuses::award(programme, held, &mut decision, now)?;
    let mut rows: Vec<LedgerRow> = held.rows.to_vec();
    let new_rows: Vec<LedgerRow> =
        decision.entries.iter().map(|entry| rows::to_row(entry, Some(programme.stored.version))).collect();
    rows.extend(new_rows.iter().cloned());
    let tier = match &held.tier {
        Some(current) => {
            let history = rows::activity(&held.ledger, &rows);
            let status = TierStatus {
                tier: current.tier.clone(),
                reached_at: current.reached_at,
                period_end: current.period_end,
            };
            let evaluation = tenure_loyalty::evaluate(&programme.rules.tiers, &history, &status, now)
                .map_err(|e| StoreError::Other(format!("tiers: {e}")))?;
            if let (true, Some(contact)) = (evaluation.notify, contact) {
                let (from, to) = match &evaluation.change {
                    TierChange::Upgraded { from, to } | TierChange::Downgraded { from, to } => (from, to),
                    _ => (&current.tier, &current.tier),
                };
                if let Some(message) = messages::tier_changed(
                    mailing,
                    programme,
                    contact,
                    from,
                    to,
                    evaluation.status.period_end,
                    now,
                )? {
                    decision.messages.push(message);
                }
            }
            Some(TierState {
                tier: evaluation.status.tier,
                reached_at: evaluation.status.reached_at,
                period_end: evaluation.status.period_end,
            })
        }
        None => None,
    };
    let noticed = decision.noticed_expiry.or(held.account.summary.expiry_noticed_for);
    // The lowest tier cannot be lost: its period's end is nothing to wake up for.
    let lowest = programme.rules.tiers.levels.first().map(|level| level.name.as_str());
    let tier_due_at = tier.as_ref().filter(|t| Some(t.tier.as_str()) != lowest).map(|t| t.period_end);
    let wake_at = [tier_due_at, bonus_due_at].into_iter().flatten().min();
    let summary = rows::summarise(&held.ledger, tier, wake_at, noticed);
    Ok(AccountWrite {
        entries: new_rows,
        summary,
        coupons: decision.coupons,
        orders_seen: decision.orders_seen,
        messages: decision.messages,
        events: decision.events,
        referral: decision.referral,
    })
}

/// A new referral code from the system's secure generator.
pub(crate) fn new_referral_code() -> String {
    tenure_loyalty::referral_code(&mut rand::rng())
}

/// The contact details of these customers, by id.
pub(crate) fn contacts_of(
    store: &mut dyn Store,
    customers: &[CustomerId],
) -> Result<std::collections::HashMap<CustomerId, Contact>, AppError> {
    Ok(store.contacts(customers)?.into_iter().map(|contact| (contact.id, contact)).collect())
}

/// A member's account and ledger as they stand (an account is opened by its first write).
pub fn account(
    store: &mut dyn Store,
    customer: CustomerId,
) -> Result<Option<(LoyaltyAccount, Vec<LedgerRow>)>, AppError> {
    let Some(account) = store.loyalty_account(customer)? else { return Ok(None) };
    let rows = store.ledger(customer)?;
    Ok(Some((account, rows)))
}

/// Opens a member's account (with its referral code) if they have none, and brings it up to now.
pub fn join(
    store: &mut dyn Store,
    mailing: &Mailing,
    customer: CustomerId,
    now: Timestamp,
) -> Result<LoyaltyAccount, AppError> {
    let programme = require_programme(store)?;
    let mut plan =
        |account: &LoyaltyAccount, rows: &[LedgerRow]| -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, decision) = Held::new(&programme.rules, account, rows, now)?;
            settle(&programme, mailing, &mut held, decision, None, now).map(Some)
        };
    store.write_loyalty(&[customer], &mut new_referral_code, &mut plan, now)?;
    store
        .loyalty_account(customer)?
        .ok_or_else(|| AppError::Invalid(format!("customer {}'s account was not opened", customer.0)))
}

/// Sets (`MM-DD`) or clears a member's birthday, opening their account if needed; the nightly run
/// then wakes for it.
pub fn set_birthday(
    store: &mut dyn Store,
    mailing: &Mailing,
    customer: CustomerId,
    birthday: Option<&str>,
    now: Timestamp,
) -> Result<LoyaltyAccount, AppError> {
    let birthday = birthday.map(str::trim).filter(|text| !text.is_empty());
    if let Some(text) = birthday
        && bonuses::parse_birthday(text).is_none()
    {
        return Err(AppError::Invalid(format!(
            "birthday `{text}`: write the month and day as MM-DD, e.g. 04-17"
        )));
    }
    join(store, mailing, customer, now)?;
    store.set_birthday(customer, birthday, now)?;
    // Written again so the account's next wake-up counts the birthday.
    join(store, mailing, customer, now)
}
