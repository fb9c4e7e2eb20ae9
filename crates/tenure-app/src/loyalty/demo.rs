//! The loyalty programme for `tenure demo`: a programme started with the shop's history counting
//! (points that never lapse, since the bundled data is decades old), every order's points, a few
//! members redeeming rewards, a goodwill adjustment, and referrals between customers — most paid,
//! a burst from one referrer held for review. A store that has a programme is left as it is.

use chrono::Duration;
use tenure_domain::{Currency, CustomerId, Timestamp};
use tenure_loyalty::PointsExpiry;
use tenure_store::{CustomerQuery, MemberQuery, Store};

use super::programme::{save_programme, template};
use super::redeem::{Adjustment, adjust, redeem};
use super::{Mailing, earn, join, referrals};
use crate::AppError;

/// Referrals between customers: the `n`-th customer referred the `n + REFERRED_OFFSET`-th.
const REFERRALS: usize = 40;
const REFERRED_OFFSET: usize = 200;
/// One referrer who brings seven friends in a month: five paid, two held (a burst).
const BURST: usize = 7;

/// What the demo added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoLoyalty {
    /// Members with an account.
    pub members: i64,
    /// Points earned from orders and survey answers.
    pub earned: i64,
    /// Coupons issued.
    pub coupons: usize,
    /// Referrals paid and held.
    pub referrals: referrals::ReferralReport,
}

/// Starts the demo's programme (once) and fills it.
pub fn add_demo_loyalty(
    store: &mut dyn Store,
    mailing: &Mailing,
    currency: &str,
    now: Timestamp,
) -> Result<DemoLoyalty, AppError> {
    if super::active_programme(store)?.is_some() {
        return Ok(DemoLoyalty::default());
    }
    let currency = Currency::parse(currency).map_err(|e| AppError::Invalid(e.to_string()))?;
    let mut rules = template(currency);
    rules.expiry = PointsExpiry::Never;
    let json = serde_json::to_string(&rules).map_err(|e| AppError::Invalid(e.to_string()))?;
    let history = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
    save_programme(store, &json, Some(history), "admin@demo.example", now)?;

    let customers = store.customers(&CustomerQuery { after: None, limit: 1_000 })?;
    let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    add_referrals(store, mailing, &ids, rules.referral.minimum_first_order_minor, now)?;
    let orders = earn::earn_from_orders(store, mailing, now, &mut |_| {})?;
    let surveys = earn::earn_from_surveys(store, mailing, now)?;
    let judged = referrals::judge_waiting(store, mailing, now)?;

    let top = store.members(&MemberQuery { by_balance: true, limit: 6, ..MemberQuery::default() })?;
    let mut coupons = 0;
    for (n, member) in top.iter().enumerate() {
        let reward = ["five-off", "ten-percent", "free-shipping"][n % 3];
        let key = format!("demo-{}", member.account.customer_id.0);
        if redeem(store, mailing, member.account.customer_id, reward, &key, now).is_ok() {
            coupons += 1;
        }
    }
    if let Some(first) = ids.first() {
        let apology = Adjustment {
            customer: *first,
            points: 150,
            reason: "Apology for a parcel that arrived three weeks late",
            by: "admin@demo.example",
            key: "demo-apology",
        };
        adjust(store, mailing, &apology, now)?;
    }
    let totals = store.loyalty_totals()?;
    Ok(DemoLoyalty { members: totals.members, earned: orders.earned + surveys, coupons, referrals: judged })
}

/// Referrals dated the day before each referred customer's first purchase, so that purchase is
/// the one that rewards both sides (or is refused when under the minimum). The burst's friends
/// all bought enough: what holds two of them is their number alone.
fn add_referrals(
    store: &mut dyn Store,
    mailing: &Mailing,
    ids: &[CustomerId],
    minimum_minor: i64,
    now: Timestamp,
) -> Result<(), AppError> {
    let refer = |store: &mut dyn Store, referrer: CustomerId, referred: CustomerId, big_enough: bool| {
        let Some(first) = store.first_paid_order(referred)? else { return Ok::<bool, AppError>(false) };
        if big_enough && first.total_minor < minimum_minor {
            return Ok(false);
        }
        let code = join(store, mailing, referrer, now)?.referral_code;
        referrals::record(store, &code, referred, first.placed_at - Duration::days(1))?;
        Ok(true)
    };
    for n in 0..REFERRALS {
        if let (Some(&referrer), Some(&referred)) = (ids.get(n), ids.get(n + REFERRED_OFFSET)) {
            refer(store, referrer, referred, false)?;
        }
    }
    let Some(&bursting) = ids.get(REFERRALS) else { return Ok(()) };
    let mut friends = 0;
    for &referred in ids.iter().skip(REFERRED_OFFSET + REFERRALS) {
        if friends == BURST {
            break;
        }
        friends += usize::from(refer(store, bursting, referred, true)?);
    }
    Ok(())
}
