//! The nightly job: for every account with something due (the account's `next_due_at`), releases
//! points whose return window has passed (repaying what the member owes first), expires lapsed
//! points, warns of points about to lapse, and re-evaluates the tier at the end of its period
//! (downgrades happen only then, and the member is told). Accounts with nothing due are not
//! read at all, so the job's cost follows the work, not the number of members.

use tenure_domain::{CustomerId, Timestamp};
use tenure_loyalty::Cause;
use tenure_store::{AccountWrite, LedgerRow, LoyaltyAccount, Store, StoreError};

use super::messages::expiry_notice;
use super::rows::{EXPIRY_NOTICE_DAYS, next_expiry};
use super::{Held, Mailing, contacts_of, new_referral_code, require_programme, settle};
use crate::AppError;

/// Accounts per transaction.
const PAGE: usize = 1_000;

/// What a nightly run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NightlyReport {
    /// Accounts that had something due.
    pub accounts: u64,
    /// Lots whose return window passed.
    pub released: u64,
    /// Points that expired.
    pub expired: i64,
    /// Expiry warnings queued.
    pub notices: u64,
    /// Tiers changed (up or down).
    pub tier_changes: u64,
}

/// Runs the nightly work due at `now`.
pub fn run(store: &mut dyn Store, mailing: &Mailing, now: Timestamp) -> Result<NightlyReport, AppError> {
    let programme = require_programme(store)?;
    let mut report = NightlyReport::default();
    let mut after = CustomerId(0);
    loop {
        let due = store.due_loyalty_accounts(now, after, PAGE)?;
        let Some(&last) = due.last() else { break };
        after = last;
        let contacts = contacts_of(store, &due)?;
        let mut tally = NightlyReport::default();
        let mut plan = |account: &LoyaltyAccount,
                        rows: &[LedgerRow]|
         -> Result<Option<AccountWrite>, StoreError> {
            let (mut held, mut decision) = Held::new(&programme.rules, account, rows, now)?;
            let caught_up = &decision.entries;
            tally.released += caught_up.iter().filter(|row| row.cause == Cause::Release).count() as u64;
            tally.expired -=
                caught_up.iter().filter(|row| row.cause == Cause::Expiry).map(|row| row.points).sum::<i64>();
            if let Some((at, points)) = next_expiry(&held.ledger)
                && at - chrono::Duration::days(EXPIRY_NOTICE_DAYS) <= now
                && account.summary.expiry_noticed_for != Some(at)
            {
                // Noted as told even without an address, or the account would be due every night.
                decision.noticed_expiry = Some(at);
                if let Some(contact) = contacts.get(&account.customer_id) {
                    let notice = expiry_notice(mailing, contact, points, at, now)?;
                    tally.notices += u64::from(notice.is_some());
                    decision.messages.extend(notice);
                }
            }
            let write =
                settle(&programme, mailing, &mut held, decision, contacts.get(&account.customer_id), now)?;
            let tier = |t: &Option<tenure_store::TierState>| t.as_ref().map(|t| t.tier.clone());
            tally.tier_changes += u64::from(tier(&write.summary.tier) != tier(&account.summary.tier));
            tally.accounts += 1;
            Ok(Some(write))
        };
        store.write_loyalty(&due, &mut new_referral_code, &mut plan, now)?;
        report.accounts += tally.accounts;
        report.released += tally.released;
        report.expired += tally.expired;
        report.notices += tally.notices;
        report.tier_changes += tally.tier_changes;
        if due.len() < PAGE {
            break;
        }
    }
    Ok(report)
}
