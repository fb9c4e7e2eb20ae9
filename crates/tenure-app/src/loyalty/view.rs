//! What a member sees of their account (the member page, `tenure loyalty ledger`), and what the
//! programme owes in all (the liability on the dashboard and `tenure loyalty liability`).

use serde::Serialize;
use tenure_domain::{CustomerId, Money, Timestamp};
use tenure_loyalty::{Ledger, PointRate, tiers};
use tenure_store::{Coupon, LedgerRow, LoyaltyTotals, Store};

use super::messages::describe;
use super::{ActiveProgramme, active_programme, rows};
use crate::AppError;

/// A lot as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LotView {
    /// When it was earned.
    pub earned_at: Timestamp,
    /// What earned it (`order`, `adjustment`, `referral`, …).
    pub cause_kind: String,
    /// Points earned.
    pub earned: i64,
    /// Points left.
    pub remaining: i64,
    /// When the rest expires.
    pub expires_at: Option<Timestamp>,
    /// Until when it is pending (a return window), when it is.
    pub pending_until: Option<Timestamp>,
}

/// The member's tier and the way to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierView {
    /// The tier.
    pub name: String,
    /// Its purchase multiplier in percent.
    pub multiplier_percent: u32,
    /// Kept at least until then; `None` for the lowest tier, which cannot be lost.
    pub period_end: Option<Timestamp>,
    /// What counts toward tiers over the rolling 12 months (points, or minor units spent).
    pub qualifying: i64,
    /// Whether `qualifying` counts points (else money spent, in minor units).
    pub by_points: bool,
    /// The next tier up and its threshold.
    pub next: Option<(String, i64)>,
}

/// A catalogue reward as the member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RewardView {
    /// Its id (what a redemption names).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Points it costs.
    pub cost: i64,
    /// What it gives, in words.
    pub gives: String,
    /// Whether the member has the points for it now.
    pub affordable: bool,
}

/// One member's account, for their page and for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    /// The customer.
    pub customer_id: CustomerId,
    /// Their name.
    pub name: Option<String>,
    /// Their referral code.
    pub referral_code: String,
    /// The sum of the ledger.
    pub balance: i64,
    /// Spendable now.
    pub available: i64,
    /// Inside a return window.
    pub pending: i64,
    /// Owed after refunds of spent points.
    pub owed: i64,
    /// Lots with points left, soonest to expire first.
    pub lots: Vec<LotView>,
    /// The tier, when the programme has tiers.
    pub tier: Option<TierView>,
    /// The catalogue.
    pub rewards: Vec<RewardView>,
    /// Coupons issued, newest first.
    pub coupons: Vec<Coupon>,
    /// The ledger, newest first (at most 50 rows).
    pub recent: Vec<LedgerRow>,
}

fn lot_views(ledger: &Ledger, rows: &[LedgerRow]) -> Vec<LotView> {
    let mut lots: Vec<LotView> = ledger
        .lots()
        .iter()
        .filter(|lot| lot.remaining > 0)
        .map(|lot| LotView {
            earned_at: lot.earned_at,
            cause_kind: rows
                .iter()
                .find(|row| row.opens && row.lot.as_deref() == Some(lot.id.as_str()))
                .map_or_else(String::new, |row| row.cause_kind.clone()),
            earned: lot.earned,
            remaining: lot.remaining,
            expires_at: lot.terms.expires_at,
            pending_until: lot.pending.then_some(lot.terms.pending_until).flatten(),
        })
        .collect();
    lots.sort_by_key(|lot| (lot.expires_at.is_none(), lot.expires_at, lot.earned_at));
    lots
}

fn tier_view(
    programme: &ActiveProgramme,
    ledger: &Ledger,
    rows: &[LedgerRow],
    tier: &str,
    period_end: Timestamp,
    now: Timestamp,
) -> TierView {
    let rules = &programme.rules.tiers;
    let qualifying = tiers::qualifying_total(rules.basis, &rows::activity(ledger, rows), now);
    let index = rules.levels.iter().position(|level| level.name == tier).unwrap_or(0);
    TierView {
        name: tier.to_string(),
        multiplier_percent: programme.rules.multiplier_percent(tier),
        period_end: (index > 0).then_some(period_end),
        qualifying,
        by_points: rules.basis == tenure_loyalty::TierBasis::PointsEarned,
        next: rules.levels.get(index + 1).map(|level| (level.name.clone(), level.threshold)),
    }
}

/// A member's account as they see it; `None` when they have none yet (or no programme runs).
pub fn member_view(
    store: &mut dyn Store,
    customer: CustomerId,
    now: Timestamp,
) -> Result<Option<MemberView>, AppError> {
    let Some(programme) = active_programme(store)? else { return Ok(None) };
    let Some(account) = store.loyalty_account(customer)? else { return Ok(None) };
    let ledger_rows = store.ledger(customer)?;
    let ledger = rows::fold(&ledger_rows)?;
    let name = store.contacts(&[customer])?.into_iter().next().and_then(|contact| contact.name);
    let currency = programme.rules.currency;
    let rewards = programme
        .rules
        .rewards
        .iter()
        .map(|reward| RewardView {
            id: reward.id.clone(),
            name: reward.name.clone(),
            cost: reward.cost,
            gives: describe(&reward.kind, currency.code(), currency.exponent()),
            affordable: ledger.available() >= reward.cost,
        })
        .collect();
    let tier = account
        .summary
        .tier
        .as_ref()
        .map(|tier| tier_view(&programme, &ledger, &ledger_rows, &tier.tier, tier.period_end, now));
    let mut recent = ledger_rows.clone();
    recent.reverse();
    recent.truncate(50);
    Ok(Some(MemberView {
        customer_id: customer,
        name,
        referral_code: account.referral_code.clone(),
        balance: ledger.balance(),
        available: ledger.available(),
        pending: ledger.pending(),
        owed: ledger.owed(),
        lots: lot_views(&ledger, &ledger_rows),
        tier,
        rewards,
        coupons: store.coupons(Some(customer), None, 50)?,
        recent,
    }))
}

/// What the programme owes: its totals and the value of the outstanding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Liability {
    /// Members, points outstanding and pending, tiers, coupons.
    pub totals: LoyaltyTotals,
    /// What a point is worth (from the programme, or its best amount-off reward).
    pub rate: Option<PointRate>,
    /// The value of the outstanding points at that rate; `None` without a rate.
    pub value: Option<Money>,
    /// The programme version in force.
    pub version: i64,
}

/// The programme's liability now; `None` when no programme runs.
pub fn liability(store: &mut dyn Store) -> Result<Option<Liability>, AppError> {
    let Some(programme) = active_programme(store)? else { return Ok(None) };
    let totals = store.loyalty_totals()?;
    let rate = programme.rules.point_rate();
    let value = rate.map(|rate| tenure_loyalty::value_of(totals.outstanding, rate, programme.rules.currency));
    Ok(Some(Liability { totals, rate, value, version: programme.stored.version }))
}
