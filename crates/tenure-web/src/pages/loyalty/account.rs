//! A member's account as the pages show it — to the member on their signed page and to staff on
//! the member's staff page: every figure formatted in the page's language, dates on the shop's
//! calendar. Only presentation: the figures are the app's `MemberView`.

use tenure_app::loyalty::view::{LotView, MemberView, RewardView, TierView};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::{Currency, Timestamp};
use tenure_store::Coupon;

use super::words::Words;
use crate::format::{count, money};

/// The account, ready for the template.
pub(crate) struct AccountView {
    pub name: Option<String>,
    pub balance: Figure,
    pub available: Figure,
    pub pending: Figure,
    /// When the first pending points become available.
    pub pending_on: Option<String>,
    pub owed: Figure,
    pub lots: Vec<LotLine>,
    pub tier: Option<TierLine>,
    pub rewards: Vec<RewardLine>,
    pub coupons: Vec<CouponLine>,
    /// The coupon just issued, shown above everything.
    pub fresh: Option<CouponLine>,
    pub referral_code: String,
    pub referral_link: String,
}

/// A count of points: as written, and the number for `<data value>`.
pub(crate) struct Figure {
    pub text: String,
    pub raw: i64,
}

impl Figure {
    fn of(points: i64) -> Figure {
        let sign = if points < 0 { "-" } else { "" };
        Figure { text: format!("{sign}{}", count(points.unsigned_abs())), raw: points }
    }
}

/// A lot with points left.
pub(crate) struct LotLine {
    pub earned_on: String,
    pub remaining: String,
    pub expires: Option<String>,
    pub pending_until: Option<String>,
}

/// The tier and the way to the next.
pub(crate) struct TierLine {
    pub name: String,
    pub kept_until: Option<String>,
    pub next: Option<Progress>,
}

/// Progress toward the next tier (points earned, or money spent, over the rolling 12 months).
pub(crate) struct Progress {
    pub next: String,
    pub reached: String,
    pub needed: String,
    pub by_points: bool,
    pub value: i64,
    pub max: i64,
}

/// A catalogue reward.
pub(crate) struct RewardLine {
    pub id: String,
    pub name: String,
    pub gives: String,
    pub cost: String,
    pub affordable: bool,
    pub missing: String,
}

/// An issued coupon.
pub(crate) struct CouponLine {
    pub code: String,
    pub reward: String,
    pub points: String,
    pub issued: String,
    pub used: Option<String>,
    pub fresh: bool,
}

/// How a page writes dates: in its language, on the shop's calendar.
#[derive(Clone, Copy)]
pub(crate) struct Dates {
    pub words: &'static Words,
    pub zone: ShopTimeZone,
}

impl Dates {
    pub(crate) fn of(&self, at: Timestamp) -> String {
        self.words.date(at.with_timezone(&self.zone.zone()).date_naive())
    }
}

/// `view` as the page shows it; `fresh` names the coupon just issued; referral links lead to
/// `public_url`.
pub(crate) fn account_view(
    view: &MemberView,
    currency: Currency,
    dates: Dates,
    public_url: &str,
    fresh: Option<&str>,
) -> AccountView {
    let coupons: Vec<CouponLine> = view.coupons.iter().map(|c| coupon_line(c, dates, fresh)).collect();
    let fresh = coupons.iter().find(|c| c.fresh).map(|c| CouponLine {
        code: c.code.clone(),
        reward: c.reward.clone(),
        points: c.points.clone(),
        issued: c.issued.clone(),
        used: c.used.clone(),
        fresh: true,
    });
    let pending_on = view.lots.iter().filter_map(|lot| lot.pending_until).min().map(|at| dates.of(at));
    AccountView {
        name: view.name.clone(),
        balance: Figure::of(view.balance),
        available: Figure::of(view.available),
        pending: Figure::of(view.pending),
        pending_on,
        owed: Figure::of(view.owed),
        lots: view.lots.iter().map(|lot| lot_line(lot, dates)).collect(),
        tier: view.tier.as_ref().map(|tier| tier_line(tier, currency, dates)),
        rewards: view.rewards.iter().map(|r| reward_line(r, view.available)).collect(),
        coupons,
        fresh,
        referral_code: view.referral_code.clone(),
        referral_link: format!("{}/r/{}", public_url.trim_end_matches('/'), view.referral_code),
    }
}

fn lot_line(lot: &LotView, dates: Dates) -> LotLine {
    LotLine {
        earned_on: dates.of(lot.earned_at),
        remaining: Figure::of(lot.remaining).text,
        expires: lot.expires_at.map(|at| dates.of(at)),
        pending_until: lot.pending_until.map(|at| dates.of(at)),
    }
}

fn tier_line(tier: &TierView, currency: Currency, dates: Dates) -> TierLine {
    let amount = |value: i64| {
        if tier.by_points { Figure::of(value).text } else { money(value, Some(currency)) }
    };
    TierLine {
        name: tier.name.clone(),
        kept_until: tier.period_end.map(|at| dates.of(at)),
        next: tier.next.as_ref().map(|(next, threshold)| Progress {
            next: next.clone(),
            reached: amount(tier.qualifying),
            needed: amount(*threshold),
            by_points: tier.by_points,
            value: tier.qualifying.clamp(0, (*threshold).max(0)),
            max: (*threshold).max(1),
        }),
    }
}

fn reward_line(reward: &RewardView, available: i64) -> RewardLine {
    RewardLine {
        id: reward.id.clone(),
        name: reward.name.clone(),
        gives: reward.gives.clone(),
        cost: Figure::of(reward.cost).text,
        affordable: reward.affordable,
        missing: Figure::of((reward.cost - available).max(0)).text,
    }
}

fn coupon_line(coupon: &Coupon, dates: Dates, fresh: Option<&str>) -> CouponLine {
    CouponLine {
        code: coupon.coupon.code.clone(),
        reward: coupon.coupon.reward_name.clone(),
        points: Figure::of(coupon.coupon.points).text,
        issued: dates.of(coupon.issued_at),
        used: coupon.used_at.map(|at| dates.of(at)),
        fresh: fresh.is_some_and(|code| code == coupon.coupon.code),
    }
}
