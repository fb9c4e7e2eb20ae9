//! Earning from orders: one idempotent job over the orders placed since the programme's
//! `earn_from`. A new paid order earns `points_per_unit` per unit times its member's tier
//! multiplier, pending through the return window; a refund, a full refund or a cancellation
//! seen later takes back what the refunded share earned (`tenure_loyalty`'s refund rule, under
//! the programme's refund policy). Running it again changes nothing: an order is only looked at
//! again when its status or refunds changed, and every ledger operation has a key
//! (`order:ID`, `order:ID:refund:TOTAL`) that counts once.

use std::collections::HashMap;

use tenure_domain::{CustomerId, OrderStatus, Timestamp};
use tenure_loyalty::{Cause, LedgerError};
use tenure_store::{AccountWrite, LedgerRow, LoyaltyAccount, OrderSeen, OrderToEarn, Store, StoreError};

use super::{
    ActiveProgramme, Decision, Held, Mailing, active_programme, contacts_of, new_referral_code, settle,
};
use crate::AppError;

/// Orders read and written per transaction.
const PAGE: usize = 2_000;

/// What a run of the earning job did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EarnReport {
    /// Orders looked at (new, or changed since last time).
    pub orders: u64,
    /// Members whose ledger changed.
    pub members: u64,
    /// Points earned.
    pub earned: i64,
    /// Points taken back by refunds (from lots, other lots, or owed).
    pub reversed: i64,
    /// Orders the ledger refused, and why (they are not looked at again until they change).
    pub problems: Vec<String>,
}

/// The key of the operation by which order `order_id` (the store's id) earns.
pub fn earn_key(order_id: i64) -> String {
    format!("order:{order_id}")
}

/// The minor units of an order no longer paid for: its refunds, or all of it once it is
/// refunded in full, cancelled or failed after it earned.
fn taken_back(status: &str, total_minor: i64, refunded_minor: i64) -> i64 {
    match status {
        "refunded" | "cancelled" | "failed" => total_minor,
        _ => refunded_minor.clamp(0, total_minor),
    }
}

fn earns(status: &str) -> bool {
    [OrderStatus::Paid, OrderStatus::PartiallyRefunded, OrderStatus::Refunded]
        .iter()
        .any(|earning| earning.as_str() == status)
}

/// Runs the earning job over every order that is new or changed; `progress` hears the orders
/// done so far.
pub fn earn_from_orders(
    store: &mut dyn Store,
    mailing: &Mailing,
    now: Timestamp,
    progress: &mut dyn FnMut(u64),
) -> Result<EarnReport, AppError> {
    let mut report = EarnReport::default();
    let Some(programme) = active_programme(store)? else { return Ok(report) };
    let mut after = (CustomerId(0), 0);
    loop {
        let page = store.orders_to_earn(programme.stored.earn_from, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = (last.customer_id, last.order_id);
        earn_page(store, &programme, mailing, &page, now, &mut report)?;
        report.orders += page.len() as u64;
        progress(report.orders);
        if page.len() < PAGE {
            break;
        }
    }
    Ok(report)
}

fn earn_page(
    store: &mut dyn Store,
    programme: &ActiveProgramme,
    mailing: &Mailing,
    page: &[OrderToEarn],
    now: Timestamp,
    report: &mut EarnReport,
) -> Result<(), AppError> {
    let mut by_customer: HashMap<CustomerId, Vec<&OrderToEarn>> = HashMap::new();
    let mut customers = Vec::new();
    for order in page {
        if !by_customer.contains_key(&order.customer_id) {
            customers.push(order.customer_id);
        }
        by_customer.entry(order.customer_id).or_default().push(order);
    }
    let contacts = contacts_of(store, &customers)?;
    let mut tally = EarnReport::default();
    let mut plan =
        |account: &LoyaltyAccount, rows: &[LedgerRow]| -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, mut decision) = Held::new(&programme.rules, account, rows, now)?;
            for order in by_customer.get(&account.customer_id).into_iter().flatten() {
                match take_order(programme, &mut held, &mut decision, order, now)? {
                    Ok((earned, reversed)) => {
                        tally.earned += earned;
                        tally.reversed += reversed;
                    }
                    Err(refused) => tally.problems.push(format!(
                        "order {} of customer {}: {refused}",
                        order.external_id, order.customer_id.0
                    )),
                }
            }
            if !decision.entries.is_empty() {
                tally.members += 1;
            }
            settle(programme, mailing, &mut held, decision, contacts.get(&account.customer_id), now).map(Some)
        };
    store.write_loyalty(&customers, &mut new_referral_code, &mut plan, now)?;
    report.earned += tally.earned;
    report.reversed += tally.reversed;
    report.members += tally.members;
    report.problems.append(&mut tally.problems);
    Ok(())
}

/// Plans what one order earns or gives back; returns the points earned and taken back, or why
/// the ledger refused. The order is noted as seen whatever the ledger said, so a refusal is
/// reported once, not every run; a store error abandons the whole write.
fn take_order(
    programme: &ActiveProgramme,
    held: &mut Held<'_>,
    decision: &mut Decision,
    order: &OrderToEarn,
    now: Timestamp,
) -> Result<Result<(i64, i64), LedgerError>, StoreError> {
    let key = earn_key(order.order_id);
    let was_earned = held.ledger.has_applied(&key);
    let mut seen = OrderSeen {
        order_id: order.order_id,
        status: order.status.clone(),
        refunded_minor: order.refunded_minor,
        points: order.seen.as_ref().map_or(0, |seen| seen.points),
    };
    let earned = if was_earned { Ok(0) } else { earn_order(programme, held, decision, order, &key)? };
    if let Ok(points) = earned
        && points > 0
    {
        seen.points = points;
    }
    let outcome = match earned {
        Ok(earned) if held.ledger.has_applied(&key) => {
            refund_order(programme, held, decision, order, &key, was_earned, now)?
                .map(|reversed| (earned, reversed))
        }
        other => other.map(|earned| (earned, 0)),
    };
    decision.orders_seen.push(seen);
    Ok(outcome)
}

/// Earns a paid order's points in a new lot, pending through the return window.
fn earn_order(
    programme: &ActiveProgramme,
    held: &mut Held<'_>,
    decision: &mut Decision,
    order: &OrderToEarn,
    key: &str,
) -> Result<Result<i64, LedgerError>, StoreError> {
    if !earns(&order.status) || order.currency != programme.rules.currency.code() {
        return Ok(Ok(0));
    }
    let points = programme.rules.order_points(order.total_minor, held.tier_name());
    if points <= 0 {
        return Ok(Ok(0));
    }
    let cause = Cause::Order { order_id: order.order_id.to_string(), amount_minor: order.total_minor };
    let terms = programme.rules.lot_terms(order.placed_at, true);
    match held.ledger.earn(key, order.placed_at, cause, points, terms) {
        Ok(entries) => held.take(decision, entries).map(|()| Ok(points)),
        Err(refused) => Ok(Err(refused)),
    }
}

/// Takes back what the order's refunds since it was last seen earned; returns the points taken.
fn refund_order(
    programme: &ActiveProgramme,
    held: &mut Held<'_>,
    decision: &mut Decision,
    order: &OrderToEarn,
    key: &str,
    was_earned: bool,
    now: Timestamp,
) -> Result<Result<i64, LedgerError>, StoreError> {
    let before = match (&order.seen, was_earned) {
        (Some(previous), true) => taken_back(&previous.status, order.total_minor, previous.refunded_minor),
        _ => 0,
    };
    let after = taken_back(&order.status, order.total_minor, order.refunded_minor);
    if after <= before {
        return Ok(Ok(0));
    }
    let standing = |held: &Held<'_>| held.ledger.balance() - held.ledger.owed();
    let was = standing(held);
    let refund_key = format!("{key}:refund:{after}");
    let policy = programme.rules.refund_policy;
    match held.ledger.refund(&refund_key, now, &order.order_id.to_string(), after - before, policy) {
        Ok(entries) => {
            held.take(decision, entries)?;
            Ok(Ok(was - standing(held)))
        }
        Err(refused) => Ok(Err(refused)),
    }
}

/// The setting that remembers the last survey response rewarded (`SECONDS:ID`).
const SURVEYS_THROUGH: &str = "loyalty.surveys_through";

/// Earns the programme's points for survey responses submitted since the last run (once per
/// response: key `survey:ID`); returns the points earned. Responses submitted before the
/// programme's `earn_from` earn nothing.
pub fn earn_from_surveys(store: &mut dyn Store, mailing: &Mailing, now: Timestamp) -> Result<i64, AppError> {
    let Some(programme) = active_programme(store)? else { return Ok(0) };
    let points = programme.rules.actions.survey_answered;
    if points <= 0 {
        return Ok(0);
    }
    let mut after = match store.setting(SURVEYS_THROUGH)?.as_deref().and_then(|text| text.split_once(':')) {
        // An hour back: a response whose transaction committed late (with an earlier time) is
        // not skipped; the ones seen again earn nothing, their keys being applied.
        Some((seconds, _)) => (
            chrono::DateTime::from_timestamp(seconds.parse().unwrap_or(0), 0).unwrap_or_default()
                - chrono::Duration::hours(1),
            0,
        ),
        None => (programme.stored.earn_from, 0),
    };
    let mut earned = 0;
    loop {
        let page = store.submitted_responses(after, PAGE)?;
        let Some(&(last_id, _, last_at)) = page.last() else { break };
        let mut customers: Vec<CustomerId> = page.iter().map(|(_, customer, _)| *customer).collect();
        customers.sort_unstable();
        customers.dedup();
        let contacts = contacts_of(store, &customers)?;
        let mut plan = |account: &LoyaltyAccount,
                        rows: &[LedgerRow]|
         -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, mut decision) = Held::new(&programme.rules, account, rows, now)?;
            for (response, _, at) in page.iter().filter(|(_, customer, _)| *customer == account.customer_id) {
                let key = format!("survey:{response}");
                let cause = Cause::SurveyResponse { response_id: response.to_string() };
                let entries = held
                    .ledger
                    .earn(&key, *at, cause, points, programme.rules.lot_terms(*at, false))
                    .map_err(|e| StoreError::Other(format!("survey response {response}: {e}")))?;
                earned += entries
                    .iter()
                    .filter(|entry| entry.opens.is_some())
                    .map(|entry| entry.points)
                    .sum::<i64>();
                held.take(&mut decision, entries)?;
            }
            settle(&programme, mailing, &mut held, decision, contacts.get(&account.customer_id), now)
                .map(Some)
        };
        store.write_loyalty(&customers, &mut new_referral_code, &mut plan, now)?;
        after = (last_at, last_id);
        store.put_setting(SURVEYS_THROUGH, Some(&format!("{}:{last_id}", last_at.timestamp())))?;
        if page.len() < PAGE {
            break;
        }
    }
    Ok(earned)
}
