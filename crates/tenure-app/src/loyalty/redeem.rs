//! Spending and changing points by request: a redemption for a catalogue reward, which issues a
//! single-use coupon (e-mailed to the member and announced by the `coupon.issued` webhook), and a
//! manual adjustment by a named user with a reason. Both are keyed by the caller: the same key
//! again answers what the first request did and writes nothing.

use std::cell::RefCell;

use tenure_domain::{CustomerId, Timestamp};
use tenure_loyalty::LedgerError;
use tenure_store::{AccountWrite, LedgerRow, LoyaltyAccount, NewCoupon, Store, StoreError};

use super::messages::{coupon_event, coupon_issued};
use super::{Held, Mailing, contacts_of, new_referral_code, require_programme, settle};
use crate::AppError;

/// The prefix of coupon codes (`TEN-K7MQ-…`).
pub const COUPON_PREFIX: &str = "TEN";

/// Longest caller key, in bytes.
const MAX_KEY_BYTES: usize = 200;

/// What a redemption gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redeemed {
    /// The coupon.
    pub coupon: NewCoupon,
    /// Points available after it.
    pub available: i64,
    /// True when the key had been redeemed before: nothing new was written.
    pub replayed: bool,
}

fn check_key(key: &str) -> Result<(), AppError> {
    if key.trim().is_empty() || key.len() > MAX_KEY_BYTES || key.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "key: 1 to {MAX_KEY_BYTES} bytes of printable text, unique to this request"
        )));
    }
    Ok(())
}

fn refusal(customer: CustomerId, refused: &LedgerError) -> AppError {
    match refused {
        LedgerError::InsufficientPoints { .. } => {
            AppError::Store(StoreError::Conflict(format!("customer {}: {refused}", customer.0)))
        }
        _ => AppError::Invalid(format!("customer {}: {refused}", customer.0)),
    }
}

/// Spends a member's points on reward `reward_id` under the caller's `key`.
pub fn redeem(
    store: &mut dyn Store,
    mailing: &Mailing,
    customer: CustomerId,
    reward_id: &str,
    key: &str,
    now: Timestamp,
) -> Result<Redeemed, AppError> {
    check_key(key)?;
    let programme = require_programme(store)?;
    let reward = programme.rules.reward(reward_id).cloned().ok_or_else(|| {
        let ids: Vec<&str> = programme.rules.rewards.iter().map(|r| r.id.as_str()).collect();
        AppError::Invalid(format!("reward: no reward `{reward_id}`; the catalogue has {}", ids.join(", ")))
    })?;
    let contacts = contacts_of(store, &[customer])?;
    let entry_key = format!("redeem:{key}");
    let refused = RefCell::new(None);
    let mut issued = None;
    let mut plan = |account: &LoyaltyAccount,
                    rows: &[LedgerRow]|
     -> Result<Option<AccountWrite>, StoreError> {
        let (mut held, mut decision) = Held::new(&programme.rules, account, rows, now)?;
        if held.ledger.has_applied(&entry_key) {
            return Ok(None);
        }
        let code = tenure_loyalty::coupon_code(&mut rand::rng(), COUPON_PREFIX)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let entries = match held.ledger.redeem(&entry_key, now, &reward.id, &code, reward.cost) {
            Ok(entries) => entries,
            Err(e) => {
                *refused.borrow_mut() = Some(e);
                return Ok(None);
            }
        };
        held.take(&mut decision, entries)?;
        let coupon = NewCoupon {
            code,
            reward_id: reward.id.clone(),
            reward_name: reward.name.clone(),
            reward_kind: serde_json::to_string(&reward.kind).map_err(|e| StoreError::Other(e.to_string()))?,
            points: reward.cost,
            entry_key: entry_key.clone(),
        };
        if let Some(contact) = contacts.get(&account.customer_id) {
            decision.messages.extend(coupon_issued(
                mailing,
                &programme,
                contact,
                &coupon,
                &reward.kind,
                now,
            )?);
            decision.events.push(coupon_event(&programme, contact, &coupon, &reward.kind));
        }
        decision.coupons.push(coupon.clone());
        let write =
            settle(&programme, mailing, &mut held, decision, contacts.get(&account.customer_id), now)?;
        issued = Some((coupon, write.summary.available));
        Ok(Some(write))
    };
    store.write_loyalty(&[customer], &mut new_referral_code, &mut plan, now)?;
    if let Some(refused) = refused.into_inner() {
        return Err(refusal(customer, &refused));
    }
    if let Some((coupon, available)) = issued {
        return Ok(Redeemed { coupon, available, replayed: false });
    }
    let earlier = store
        .coupons(Some(customer), None, usize::MAX >> 1)?
        .into_iter()
        .find(|coupon| coupon.coupon.entry_key == entry_key)
        .ok_or_else(|| AppError::Invalid(format!("key `{key}` was used for another operation")))?;
    let available = store.loyalty_account(customer)?.map_or(0, |account| account.summary.available);
    Ok(Redeemed { coupon: earlier.coupon, available, replayed: true })
}

/// What an adjustment left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Adjusted {
    /// The balance after it.
    pub balance: i64,
    /// Points available after it.
    pub available: i64,
    /// True when the key had been applied before: nothing new was written.
    pub replayed: bool,
}

/// A manual change to a member's points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment<'a> {
    /// The member.
    pub customer: CustomerId,
    /// Points to add (positive) or take (negative).
    pub points: i64,
    /// Why, in the user's words.
    pub reason: &'a str,
    /// The user making it.
    pub by: &'a str,
    /// The caller's key: the same key again changes nothing.
    pub key: &'a str,
}

/// Applies a manual change; added points open a lot like an earning, taken ones are refused
/// beyond what is available.
pub fn adjust(
    store: &mut dyn Store,
    mailing: &Mailing,
    adjustment: &Adjustment<'_>,
    now: Timestamp,
) -> Result<Adjusted, AppError> {
    let Adjustment { customer, points, reason, by, key } = *adjustment;
    check_key(key)?;
    crate::calendar::check_length("reason", reason, 500)?;
    let programme = require_programme(store)?;
    let contacts = contacts_of(store, &[customer])?;
    let entry_key = format!("adjust:{key}");
    let refused = RefCell::new(None);
    let mut replayed = false;
    let mut plan = |account: &LoyaltyAccount,
                    rows: &[LedgerRow]|
     -> Result<Option<AccountWrite>, StoreError> {
        let (mut held, mut decision) = Held::new(&programme.rules, account, rows, now)?;
        if held.ledger.has_applied(&entry_key) {
            replayed = true;
            return Ok(None);
        }
        let terms = programme.rules.lot_terms(now, false);
        let entries = match held.ledger.adjust(&entry_key, now, by, reason, points, terms) {
            Ok(entries) => entries,
            Err(e) => {
                *refused.borrow_mut() = Some(e);
                return Ok(None);
            }
        };
        held.take(&mut decision, entries)?;
        settle(&programme, mailing, &mut held, decision, contacts.get(&account.customer_id), now).map(Some)
    };
    store.write_loyalty(&[customer], &mut new_referral_code, &mut plan, now)?;
    if let Some(refused) = refused.into_inner() {
        return Err(refusal(customer, &refused));
    }
    let account = store
        .loyalty_account(customer)?
        .ok_or_else(|| AppError::Invalid(format!("customer {} has no account", customer.0)))?;
    Ok(Adjusted { balance: account.summary.balance, available: account.summary.available, replayed })
}
