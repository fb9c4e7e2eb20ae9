//! Referrals: a customer uses another's code; once their first paid order has passed its return
//! window (and is over the programme's minimum), the fraud checks decide — pay both sides,
//! hold the reward for a person to review, or refuse it. Paying writes both customers' points and
//! the referral's new status in one transaction, so a reward is paid once or not at all.

use serde_json::json;
use tenure_domain::{CustomerId, Timestamp};
use tenure_loyalty::{Cause, Eligibility, FirstOrder, Ineligible, Outcome, Party, ReferralFacts};
use tenure_store::{
    AccountWrite, Contact, LedgerRow, LoyaltyAccount, Referral, ReferralDecision, ReferralStatus, Store,
    StoreError,
};

use super::{ActiveProgramme, Held, Mailing, contacts_of, new_referral_code, require_programme, settle};
use crate::AppError;

/// Waiting referrals judged per run, at most.
const JUDGED_PER_RUN: usize = 100_000;

/// Records that customer `referred` used referral code `code` at `at`.
pub fn record(
    store: &mut dyn Store,
    code: &str,
    referred: CustomerId,
    at: Timestamp,
) -> Result<Referral, AppError> {
    let canonical = tenure_loyalty::parse_referral_code(code)
        .map_err(|e| AppError::Invalid(format!("referral code `{}`: {e}", code.trim())))?;
    let referrer = store
        .loyalty_account_by_code(&canonical)?
        .ok_or_else(|| AppError::Invalid(format!("referral code `{canonical}` belongs to no member")))?;
    Ok(store.add_referral(referrer.customer_id, referred, at)?)
}

/// What a run of the referral checks decided.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReferralReport {
    /// Referrals paid to both sides.
    pub paid: u64,
    /// Held for review.
    pub held: u64,
    /// Refused (not new, below the minimum, refunded, or certain fraud).
    pub refused: u64,
    /// Still waiting for a first paid order or its return window.
    pub waiting: u64,
}

/// What the checks say of a waiting referral now.
enum Verdict {
    /// No first paid order yet, or its return window has not passed.
    Wait,
    /// Reward both sides for this order.
    Pay(i64),
    /// Hold or refuse, for these reasons (JSON), judged on this order.
    Decide(ReferralStatus, serde_json::Value, i64),
}

/// Judges every waiting referral whose referred customer's first paid order is due.
pub fn judge_waiting(
    store: &mut dyn Store,
    mailing: &Mailing,
    now: Timestamp,
) -> Result<ReferralReport, AppError> {
    let mut report = ReferralReport::default();
    let Some(programme) = super::active_programme(store)? else { return Ok(report) };
    let waiting = store.referrals(Some(ReferralStatus::Waiting), JUDGED_PER_RUN)?;
    for referral in waiting {
        match verdict(store, &programme, &referral, now)? {
            Verdict::Wait => report.waiting += 1,
            Verdict::Pay(order_id) => {
                pay(store, &programme, mailing, &referral, ReferralStatus::Waiting, order_id, None, now)?;
                report.paid += 1;
            }
            Verdict::Decide(to, reasons, order_id) => {
                report.held += u64::from(to == ReferralStatus::Held);
                report.refused += u64::from(to == ReferralStatus::Refused);
                let decision = ReferralDecision {
                    referral_id: referral.id,
                    from: ReferralStatus::Waiting,
                    to,
                    reasons: reasons.to_string(),
                    order_id: Some(order_id),
                    decided_by: None,
                };
                record_decision(store, &programme, mailing, referral.referred.id, decision, now)?;
            }
        }
    }
    Ok(report)
}

/// The checks on a waiting referral now: eligibility (a new customer's first paid order, over
/// the minimum, past its return window, in the programme's currency), then fraud.
fn verdict(
    store: &mut dyn Store,
    programme: &ActiveProgramme,
    referral: &Referral,
    now: Timestamp,
) -> Result<Verdict, AppError> {
    let Some(first) = store.first_paid_order(referral.referred.id)? else { return Ok(Verdict::Wait) };
    let rules = &programme.rules;
    let refuse = |reason: serde_json::Value| {
        Ok(Verdict::Decide(ReferralStatus::Refused, json!([reason]), first.order_id))
    };
    if first.currency != rules.currency.code() {
        return refuse(json!({ "reason": "other_currency", "currency": first.currency }));
    }
    let order = FirstOrder {
        at: first.placed_at,
        amount_minor: first.total_minor,
        refunded_minor: first.refunded_minor,
    };
    match tenure_loyalty::eligibility(
        referral.created_at,
        &order,
        &rules.referral,
        rules.return_window_days,
        now,
    ) {
        Eligibility::Wait { .. } => Ok(Verdict::Wait),
        Eligibility::Ineligible(Ineligible::NotNew) => refuse(json!({ "reason": "not_new" })),
        Eligibility::Ineligible(Ineligible::Refunded) => refuse(json!({ "reason": "refunded" })),
        Eligibility::Ineligible(Ineligible::BelowMinimum { amount_minor, minimum_minor }) => refuse(
            json!({ "reason": "below_minimum", "amount_minor": amount_minor, "minimum_minor": minimum_minor }),
        ),
        Eligibility::Eligible => {
            let links = store.referral_links()?;
            let rewards = store.referral_reward_times(referral.referrer.id)?;
            let (referrer, referred) = (party(&referral.referrer), party(&referral.referred));
            let facts = ReferralFacts {
                referrer: &referrer,
                referred: &referred,
                links: &links,
                referrer_rewards: &rewards,
            };
            Ok(match tenure_loyalty::assess(&facts, &rules.referral, now) {
                Outcome::Pay => Verdict::Pay(first.order_id),
                Outcome::Hold { reasons } => {
                    Verdict::Decide(ReferralStatus::Held, json!(reasons), first.order_id)
                }
                Outcome::Refuse { reason } => {
                    Verdict::Decide(ReferralStatus::Refused, json!([reason]), first.order_id)
                }
            })
        }
    }
}

fn party(contact: &Contact) -> Party {
    Party { email: contact.email.clone(), name: contact.name.clone(), ..Party::new(contact.id) }
}

/// Writes a decision that pays nothing (held or refused), with the referred customer's account.
fn record_decision(
    store: &mut dyn Store,
    programme: &ActiveProgramme,
    mailing: &Mailing,
    referred: CustomerId,
    decision: ReferralDecision,
    now: Timestamp,
) -> Result<(), AppError> {
    let mut decision = Some(decision);
    let mut plan =
        |account: &LoyaltyAccount, rows: &[LedgerRow]| -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, mut planned) = Held::new(&programme.rules, account, rows, now)?;
            planned.referral = decision.take();
            settle(programme, mailing, &mut held, planned, None, now).map(Some)
        };
    store.write_loyalty(&[referred], &mut new_referral_code, &mut plan, now)?;
    Ok(())
}

/// Pays both sides of a referral and marks it paid, in one transaction.
#[allow(clippy::too_many_arguments)] // One decision's facts; a struct would only rename them.
fn pay(
    store: &mut dyn Store,
    programme: &ActiveProgramme,
    mailing: &Mailing,
    referral: &Referral,
    from: ReferralStatus,
    order_id: i64,
    decided_by: Option<String>,
    now: Timestamp,
) -> Result<(), AppError> {
    let rules = &programme.rules.referral;
    let sides = [
        (referral.referrer.id, "referrer", rules.referrer_points),
        (referral.referred.id, "referred", rules.referred_points),
    ];
    let mut customers = [referral.referrer.id, referral.referred.id];
    customers.sort_unstable();
    let contacts = contacts_of(store, &customers)?;
    let mut decision = Some(ReferralDecision {
        referral_id: referral.id,
        from,
        to: ReferralStatus::Paid,
        reasons: "[]".into(),
        order_id: Some(order_id),
        decided_by,
    });
    let mut plan =
        |account: &LoyaltyAccount, rows: &[LedgerRow]| -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, mut planned) = Held::new(&programme.rules, account, rows, now)?;
            for (customer, side, points) in sides {
                if customer != account.customer_id || points <= 0 {
                    continue;
                }
                let key = format!("referral:{}:{side}", referral.id);
                let cause = Cause::Referral { referral_id: referral.id.to_string() };
                let entries = held
                    .ledger
                    .earn(&key, now, cause, points, programme.rules.lot_terms(now, false))
                    .map_err(|e| StoreError::Other(format!("referral {}: {e}", referral.id)))?;
                held.take(&mut planned, entries)?;
            }
            planned.referral = decision.take();
            settle(programme, mailing, &mut held, planned, contacts.get(&account.customer_id), now).map(Some)
        };
    store.write_loyalty(&customers, &mut new_referral_code, &mut plan, now)?;
    Ok(())
}

/// A reviewer's decision on a held referral: pay both sides, or refuse it for good.
pub fn review(
    store: &mut dyn Store,
    mailing: &Mailing,
    id: i64,
    approve: bool,
    by: &str,
    now: Timestamp,
) -> Result<Referral, AppError> {
    let programme = require_programme(store)?;
    let referral = store.referral(id)?;
    if referral.status != ReferralStatus::Held {
        return Err(AppError::Invalid(format!(
            "referral {id} is {}, not held: only held referrals are reviewed",
            referral.status.as_str()
        )));
    }
    let order_id =
        referral.order_id.ok_or_else(|| AppError::Invalid(format!("referral {id} has no order")))?;
    if approve {
        pay(
            store,
            &programme,
            mailing,
            &referral,
            ReferralStatus::Held,
            order_id,
            Some(by.to_string()),
            now,
        )?;
    } else {
        let mut reasons: Vec<serde_json::Value> = serde_json::from_str(&referral.reasons).unwrap_or_default();
        reasons.push(json!({ "reason": "refused_by_reviewer", "by": by }));
        let decision = ReferralDecision {
            referral_id: id,
            from: ReferralStatus::Held,
            to: ReferralStatus::Refused,
            reasons: serde_json::Value::Array(reasons).to_string(),
            order_id: Some(order_id),
            decided_by: Some(by.to_string()),
        };
        record_decision(store, &programme, mailing, referral.referred.id, decision, now)?;
    }
    Ok(store.referral(id)?)
}
