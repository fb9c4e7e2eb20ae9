//! Between the ledger's meaning (`tenure_loyalty::Entry`, `Ledger`) and the store's rows
//! (`LedgerRow`, `AccountSummary`): conversions, the fold of a stored ledger, and the sums and
//! dates kept on an account.

use chrono::Duration;
use tenure_domain::Timestamp;
use tenure_loyalty::{Activity, Cause, Entry, Ledger, LotTerms, Programme};
use tenure_store::{AccountSummary, LedgerRow, LoyaltyAccount, StoreError, TierState};

/// How long before points lapse their owner is told.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// The stored row of an entry, priced by programme `version`.
pub fn to_row(entry: &Entry, version: Option<i64>) -> LedgerRow {
    let cause = serde_json::to_value(&entry.cause).expect("a cause is plain data");
    let cause_kind = cause.get("kind").and_then(|kind| kind.as_str()).unwrap_or("unknown").to_string();
    LedgerRow {
        key: entry.key.clone(),
        part: entry.part,
        at: entry.at,
        cause_kind,
        cause: cause.to_string(),
        points: entry.points,
        lot: entry.lot.clone(),
        opens: entry.opens.is_some(),
        expires_at: entry.opens.and_then(|terms| terms.expires_at),
        pending_until: entry.opens.and_then(|terms| terms.pending_until),
        debt: entry.debt,
        programme_version: version,
    }
}

/// The entry a stored row holds.
pub fn from_row(row: &LedgerRow) -> Result<Entry, StoreError> {
    let cause: Cause = serde_json::from_str(&row.cause).map_err(|e| {
        StoreError::Other(format!("ledger row `{}` part {}: its cause: {e}", row.key, row.part))
    })?;
    Ok(Entry {
        key: row.key.clone(),
        part: row.part,
        at: row.at,
        cause,
        points: row.points,
        lot: row.lot.clone(),
        opens: row.opens.then_some(LotTerms { expires_at: row.expires_at, pending_until: row.pending_until }),
        debt: row.debt,
    })
}

/// Folds stored rows into the ledger; a row the fold refuses is damage, named in the error.
pub fn fold(rows: &[LedgerRow]) -> Result<Ledger, StoreError> {
    let entries = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ledger::from_entries(&entries).map_err(|e| StoreError::Other(format!("the ledger does not add up: {e}")))
}

/// What tiers are measured by: points earned and money spent, when, net of refunds.
pub fn activity(ledger: &Ledger, rows: &[LedgerRow]) -> Vec<Activity> {
    let mut history = Vec::new();
    for row in rows.iter().filter(|row| row.opens || row.cause_kind == "refund") {
        let Ok(entry) = from_row(row) else { continue };
        match &entry.cause {
            Cause::Order { amount_minor, .. } => {
                history.push(Activity { at: entry.at, points: entry.points, spend_minor: *amount_minor });
            }
            Cause::Refund { refunded_minor, .. } if entry.part == 0 => {
                // One activity per refund (its first row), counting what it took back in all.
                let points = rows.iter().filter(|r| r.key == row.key).map(|r| r.points).sum();
                history.push(Activity { at: entry.at, points, spend_minor: -refunded_minor });
            }
            Cause::Refund { .. } => {}
            _ if entry.points > 0 && ledger.lot(&entry.key).is_some() => {
                history.push(Activity { at: entry.at, points: entry.points, spend_minor: 0 });
            }
            _ => {}
        }
    }
    history
}

/// When the next points expire, and how many.
pub fn next_expiry(ledger: &Ledger) -> Option<(Timestamp, i64)> {
    let live = ledger.lots().iter().filter(|lot| lot.remaining > 0);
    let at = live.clone().filter_map(|lot| lot.terms.expires_at).min()?;
    Some((at, live.filter(|lot| lot.terms.expires_at == Some(at)).map(|lot| lot.remaining).sum()))
}

/// The sums and dates to keep on an account once its ledger is `ledger` and its tier `tier`; it
/// must also wake at `wake_at` (a tier period's end, a bonus's day), and its owner was last told
/// of the expiry `expiry_noticed_for`.
pub fn summarise(
    ledger: &Ledger,
    tier: Option<TierState>,
    wake_at: Option<Timestamp>,
    expiry_noticed_for: Option<Timestamp>,
) -> AccountSummary {
    let next = next_expiry(ledger);
    let next_expiry_at = next.map(|(at, _)| at);
    let next_expiry_points = next.map_or(0, |(_, points)| points);
    let noticed = expiry_noticed_for.filter(|at| Some(*at) == next_expiry_at);
    let notice_due =
        next_expiry_at.filter(|_| noticed.is_none()).map(|at| at - Duration::days(EXPIRY_NOTICE_DAYS));
    let release_due =
        ledger.lots().iter().filter(|lot| lot.pending).filter_map(|lot| lot.terms.pending_until).min();
    let next_due_at = [next_expiry_at, notice_due, release_due, wake_at].into_iter().flatten().min();
    AccountSummary {
        balance: ledger.balance(),
        available: ledger.available(),
        owed: ledger.owed(),
        tier,
        next_expiry_at,
        next_expiry_points,
        expiry_noticed_for,
        next_due_at,
    }
}

/// The tier an account has now, for a programme with tiers (the starting one for a new member).
pub fn current_tier(programme: &Programme, account: &LoyaltyAccount, now: Timestamp) -> Option<TierState> {
    if let Some(tier) = &account.summary.tier
        && programme.tiers.levels.iter().any(|level| level.name == tier.tier)
    {
        return Some(tier.clone());
    }
    tenure_loyalty::tiers::initial_status(&programme.tiers, now).ok().map(|status| TierState {
        tier: status.tier,
        reached_at: status.reached_at,
        period_end: status.period_end,
    })
}
