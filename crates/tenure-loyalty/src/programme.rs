//! The programme's rules as data: what earns how many points, tiers, bonuses, expiry, the return
//! window, the refund policy, the rewards catalogue and the referral rules. Serialised as JSON by
//! the store and edited by the seller; every edit gets a new `version`, and
//! [`Programme::validate`] says which field is wrong and why before a version is saved.
//!
//! Amounts are integer minor units of the programme's currency; points are whole numbers.

use chrono::{Months, TimeDelta};
use serde::{Deserialize, Serialize};
use tenure_domain::{Currency, Timestamp};

use crate::ledger::{LotTerms, Occasion, RefundPolicy};
use crate::liability::PointRate;

/// Upper bound for points per unit, per action and per bonus: a guard against typos (and overflow).
const MAX_POINTS: i64 = 1_000_000;

/// A version of the programme's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Version number, from 1; a ledger row's earning can be traced to the version that priced it.
    pub version: u32,
    /// The currency amounts are in.
    pub currency: Currency,
    /// Points per major unit spent (per dollar, per euro), before the tier multiplier.
    pub points_per_unit: i64,
    /// Points for engagement.
    pub actions: ActionPoints,
    /// The tiers.
    pub tiers: TierRules,
    /// Birthday and anniversary bonuses.
    pub bonuses: Bonuses,
    /// When earned points expire.
    pub expiry: PointsExpiry,
    /// Days an order's points stay pending (its return window); 0 makes them available at once.
    pub return_window_days: u32,
    /// What a refund does when the order's points were already spent.
    pub refund_policy: RefundPolicy,
    /// The rewards catalogue.
    pub rewards: Vec<Reward>,
    /// Referral rewards and limits.
    pub referral: ReferralRules,
    /// What a point is worth, for the liability; `None` takes it from the catalogue
    /// ([`PointRate::from_catalogue`]).
    pub point_value: Option<PointRate>,
}

/// Points per engagement action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPoints {
    /// For answering a survey.
    pub survey_answered: i64,
    /// For a review.
    pub review: i64,
}

/// Bonus points on occasions; 0 turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bonuses {
    /// On the customer's birthday.
    pub birthday: i64,
    /// On the anniversary of their first order.
    pub anniversary: i64,
}

/// When earned points expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsExpiry {
    /// Never.
    Never,
    /// This many calendar months after they were earned (the same day of the month, or the
    /// month's last day when it has fewer days).
    MonthsAfterEarning(u32),
}

/// What tiers are measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierBasis {
    /// Points earned over the rolling 12 months; thresholds are points.
    PointsEarned,
    /// Spend over the rolling 12 months; thresholds are minor units.
    Spend,
}

/// How long a tier, once reached, is kept before it may be lost. See [`crate::tiers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierPeriod {
    /// Until the end of the calendar year (UTC) after the one it was reached in.
    CalendarYear,
    /// For 12 months from when it was reached.
    TwelveMonths,
}

/// The tiers and how they are measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    /// Points or spend.
    pub basis: TierBasis,
    /// How long a tier is kept.
    pub period: TierPeriod,
    /// From lowest to highest; the first has threshold 0 and is everyone's starting tier.
    pub levels: Vec<Tier>,
}

/// One tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Its name, unique; what the ledger's tier status refers to.
    pub name: String,
    /// Points or minor units over the rolling 12 months from which it is reached.
    pub threshold: i64,
    /// Purchase points multiplier in percent (150 = ×1.5), 100 to 1000.
    pub multiplier_percent: u32,
}

/// A reward in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Stable id, unique in the catalogue; redemption rows name it.
    pub id: String,
    /// What the customer sees.
    pub name: String,
    /// Points it costs.
    pub cost: i64,
    /// What the coupon gives.
    pub kind: RewardKind,
}

/// What a reward's coupon gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RewardKind {
    /// A fixed amount off, in minor units.
    AmountOff {
        /// Minor units off.
        minor: i64,
    },
    /// A percentage off, 1 to 100.
    PercentOff {
        /// Percent off.
        percent: u32,
    },
    /// Free shipping.
    FreeShipping,
    /// A gift.
    Gift {
        /// What the gift is.
        description: String,
    },
}

/// Referral rewards and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralRules {
    /// The referred customer's first paid order must be at least this, in minor units.
    pub minimum_first_order_minor: i64,
    /// Points for the customer who referred.
    pub referrer_points: i64,
    /// Points for the customer who was referred.
    pub referred_points: i64,
    /// Referral rewards a referrer may get per period before further ones are held for review.
    pub max_rewards_per_period: u32,
    /// The period's length in days.
    pub period_days: u32,
}

/// A field of the programme that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct ProgrammeError {
    /// The field's path, like `rewards[2].cost`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

fn fail(field: impl Into<String>, reason: impl Into<String>) -> Result<(), ProgrammeError> {
    Err(ProgrammeError { field: field.into(), reason: reason.into() })
}

fn check_points(field: &str, points: i64) -> Result<(), ProgrammeError> {
    if (0..=MAX_POINTS).contains(&points) {
        Ok(())
    } else {
        fail(field, format!("{points} is not between 0 and {MAX_POINTS}"))
    }
}

impl Programme {
    /// Checks every rule; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ProgrammeError> {
        if self.version == 0 {
            return fail("version", "versions start at 1");
        }
        check_points("points_per_unit", self.points_per_unit)?;
        check_points("actions.survey_answered", self.actions.survey_answered)?;
        check_points("actions.review", self.actions.review)?;
        check_points("bonuses.birthday", self.bonuses.birthday)?;
        check_points("bonuses.anniversary", self.bonuses.anniversary)?;
        self.validate_expiry()?;
        validate_tiers(&self.tiers)?;
        validate_rewards(&self.rewards)?;
        validate_referral(&self.referral)?;
        if let Some(rate) = self.point_value
            && (rate.minor <= 0 || rate.points <= 0)
        {
            return fail("point_value", "both `minor` and `points` must be positive");
        }
        Ok(())
    }

    fn validate_expiry(&self) -> Result<(), ProgrammeError> {
        if self.return_window_days > 365 {
            return fail("return_window_days", "at most 365 days");
        }
        if let PointsExpiry::MonthsAfterEarning(months) = self.expiry {
            if !(1..=120).contains(&months) {
                return fail("expiry", format!("{months} months is not between 1 and 120"));
            }
            // A month has at least 28 days: points must outlive the window that keeps them pending.
            if u64::from(self.return_window_days) >= u64::from(months) * 28 {
                return fail("return_window_days", "the return window must end before points expire");
            }
        }
        Ok(())
    }

    /// Points an order of `amount_minor` earns for a customer in tier `tier`:
    /// `⌊amount_minor × points_per_unit × multiplier_percent / (10^exponent × 100)⌋`, where
    /// `exponent` is the currency's number of decimals. Rounded down: a fraction of a point is
    /// never earned. 0 for amounts of zero or less.
    pub fn order_points(&self, amount_minor: i64, tier: &str) -> i64 {
        if amount_minor <= 0 {
            return 0;
        }
        let numerator = i128::from(amount_minor)
            * i128::from(self.points_per_unit)
            * i128::from(self.multiplier_percent(tier));
        let denominator = 10i128.pow(self.currency.exponent()) * 100;
        i64::try_from(numerator / denominator).unwrap_or(i64::MAX)
    }

    /// The purchase multiplier of `tier` in percent; 100 for a tier the rules do not have.
    pub fn multiplier_percent(&self, tier: &str) -> u32 {
        self.tiers
            .levels
            .iter()
            .find(|level| level.name == tier)
            .map_or(100, |level| level.multiplier_percent)
    }

    /// The terms of a lot earned at `earned_at`: its expiry, and — for an order (`in_return_window`)
    /// with a return window — the end of that window. Expiry counts from earning, not from release.
    pub fn lot_terms(&self, earned_at: Timestamp, in_return_window: bool) -> LotTerms {
        let expires_at = match self.expiry {
            PointsExpiry::Never => None,
            PointsExpiry::MonthsAfterEarning(months) => earned_at.checked_add_months(Months::new(months)),
        };
        let pending_until = (in_return_window && self.return_window_days > 0)
            .then(|| earned_at + TimeDelta::days(i64::from(self.return_window_days)));
        LotTerms { expires_at, pending_until }
    }

    /// Bonus points for `occasion`; 0 when that bonus is off.
    pub fn bonus_points(&self, occasion: Occasion) -> i64 {
        match occasion {
            Occasion::Birthday => self.bonuses.birthday,
            Occasion::Anniversary => self.bonuses.anniversary,
        }
    }

    /// The catalogue reward with this id.
    pub fn reward(&self, id: &str) -> Option<&Reward> {
        self.rewards.iter().find(|reward| reward.id == id)
    }

    /// What a point is worth: `point_value` when set, else the catalogue's most generous
    /// amount-off reward; `None` when neither exists.
    pub fn point_rate(&self) -> Option<PointRate> {
        self.point_value.or_else(|| PointRate::from_catalogue(&self.rewards))
    }
}

fn validate_tiers(tiers: &TierRules) -> Result<(), ProgrammeError> {
    let Some(first) = tiers.levels.first() else {
        return fail("tiers.levels", "at least one tier, the starting one, is needed");
    };
    if first.threshold != 0 {
        return fail(
            "tiers.levels[0].threshold",
            "the first tier is everyone's starting tier: its threshold is 0",
        );
    }
    for (index, level) in tiers.levels.iter().enumerate() {
        let field = |name: &str| format!("tiers.levels[{index}].{name}");
        if level.name.trim().is_empty() {
            return fail(field("name"), "a tier needs a name");
        }
        if tiers.levels[..index].iter().any(|earlier| earlier.name == level.name) {
            return fail(field("name"), format!("`{}` is used by an earlier tier", level.name));
        }
        if index > 0 && level.threshold <= tiers.levels[index - 1].threshold {
            return fail(field("threshold"), "thresholds must increase from tier to tier");
        }
        if !(100..=1000).contains(&level.multiplier_percent) {
            return fail(field("multiplier_percent"), "between 100 (×1) and 1000 (×10)");
        }
    }
    Ok(())
}

fn validate_rewards(rewards: &[Reward]) -> Result<(), ProgrammeError> {
    for (index, reward) in rewards.iter().enumerate() {
        let field = |name: &str| format!("rewards[{index}].{name}");
        if reward.id.trim().is_empty() {
            return fail(field("id"), "a reward needs an id");
        }
        if rewards[..index].iter().any(|earlier| earlier.id == reward.id) {
            return fail(field("id"), format!("`{}` is used by an earlier reward", reward.id));
        }
        if reward.name.trim().is_empty() {
            return fail(field("name"), "a reward needs a name");
        }
        if !(1..=MAX_POINTS).contains(&reward.cost) {
            return fail(field("cost"), format!("{} is not between 1 and {MAX_POINTS} points", reward.cost));
        }
        match &reward.kind {
            RewardKind::AmountOff { minor } if *minor <= 0 => {
                return fail(field("kind.minor"), "the amount off must be positive");
            }
            RewardKind::PercentOff { percent } if !(1..=100).contains(percent) => {
                return fail(field("kind.percent"), format!("{percent} is not between 1 and 100"));
            }
            RewardKind::Gift { description } if description.trim().is_empty() => {
                return fail(field("kind.description"), "say what the gift is");
            }
            _ => {}
        }
    }
    Ok(())
}

fn validate_referral(referral: &ReferralRules) -> Result<(), ProgrammeError> {
    check_points("referral.referrer_points", referral.referrer_points)?;
    check_points("referral.referred_points", referral.referred_points)?;
    if referral.minimum_first_order_minor < 0 {
        return fail("referral.minimum_first_order_minor", "cannot be negative");
    }
    if referral.max_rewards_per_period == 0 {
        return fail("referral.max_rewards_per_period", "at least 1, or no referral could ever pay");
    }
    if !(1..=3660).contains(&referral.period_days) {
        return fail("referral.period_days", "between 1 and 3660 days");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    const EXAMPLE: &str = r#"{
        "version": 3,
        "currency": "USD",
        "points_per_unit": 2,
        "actions": { "survey_answered": 20, "review": 50 },
        "tiers": {
            "basis": "points_earned",
            "period": "calendar_year",
            "levels": [
                { "name": "Member", "threshold": 0, "multiplier_percent": 100 },
                { "name": "Gold", "threshold": 1000, "multiplier_percent": 150 }
            ]
        },
        "bonuses": { "birthday": 100, "anniversary": 200 },
        "expiry": { "months_after_earning": 12 },
        "return_window_days": 30,
        "refund_policy": "claw_back_from_future",
        "rewards": [
            { "id": "five-off", "name": "$5 off", "cost": 500, "kind": { "type": "amount_off", "minor": 500 } },
            { "id": "ten-pct", "name": "10% off", "cost": 800, "kind": { "type": "percent_off", "percent": 10 } },
            { "id": "ship", "name": "Free shipping", "cost": 300, "kind": { "type": "free_shipping" } },
            { "id": "mug", "name": "A mug", "cost": 1500, "kind": { "type": "gift", "description": "Tenure mug" } }
        ],
        "referral": {
            "minimum_first_order_minor": 2000,
            "referrer_points": 500,
            "referred_points": 250,
            "max_rewards_per_period": 5,
            "period_days": 30
        },
        "point_value": null
    }"#;

    fn example() -> Programme {
        serde_json::from_str(EXAMPLE).unwrap()
    }

    fn error_field(programme: &Programme) -> String {
        programme.validate().unwrap_err().field
    }

    #[test]
    fn the_example_parses_validates_and_round_trips() {
        let programme = example();
        programme.validate().unwrap();
        let again: Programme = serde_json::from_str(&serde_json::to_string(&programme).unwrap()).unwrap();
        assert_eq!(again, programme);
        assert_eq!(programme.refund_policy, RefundPolicy::ClawBackFromFuture);
    }

    #[test]
    fn unknown_fields_are_refused_rather_than_ignored() {
        let typo = EXAMPLE.replace("\"return_window_days\"", "\"return_window_dayz\"");
        assert!(serde_json::from_str::<Programme>(&typo).is_err());
    }

    #[test]
    fn order_points_round_down_in_minor_units_with_the_tier_multiplier() {
        let programme = example();
        // $12.34 × 2 points = 24.68 → 24; at Gold ×1.5, 37.02 → 37.
        assert_eq!(programme.order_points(1234, "Member"), 24);
        assert_eq!(programme.order_points(1234, "Gold"), 37);
        assert_eq!(programme.order_points(1234, "Retired tier"), 24);
        assert_eq!(programme.order_points(-500, "Gold"), 0);
        let yen = Programme { currency: Currency::parse("JPY").unwrap(), ..programme };
        assert_eq!(yen.order_points(1234, "Member"), 2468);
    }

    #[test]
    fn lot_terms_count_expiry_from_earning_and_the_window_only_for_orders() {
        let programme = example();
        let earned = Utc.with_ymd_and_hms(2024, 2, 29, 10, 0, 0).unwrap();
        let terms = programme.lot_terms(earned, true);
        assert_eq!(terms.expires_at, Some(Utc.with_ymd_and_hms(2025, 2, 28, 10, 0, 0).unwrap()));
        assert_eq!(terms.pending_until, Some(Utc.with_ymd_and_hms(2024, 3, 30, 10, 0, 0).unwrap()));
        assert_eq!(programme.lot_terms(earned, false).pending_until, None);
    }

    #[test]
    fn validation_names_the_field_at_fault() {
        let mut programme = example();
        programme.rewards[1].kind = RewardKind::PercentOff { percent: 0 };
        assert_eq!(error_field(&programme), "rewards[1].kind.percent");

        let mut programme = example();
        programme.rewards[2].id = "five-off".into();
        let error = programme.validate().unwrap_err();
        assert_eq!(error.to_string(), "`rewards[2].id`: `five-off` is used by an earlier reward");

        let mut programme = example();
        programme.tiers.levels[1].threshold = 0;
        assert_eq!(error_field(&programme), "tiers.levels[1].threshold");

        let mut programme = example();
        programme.tiers.levels[0].threshold = 10;
        assert_eq!(error_field(&programme), "tiers.levels[0].threshold");

        let mut programme = example();
        programme.expiry = PointsExpiry::MonthsAfterEarning(1);
        assert_eq!(error_field(&programme), "return_window_days");

        let mut programme = example();
        programme.referral.max_rewards_per_period = 0;
        assert_eq!(error_field(&programme), "referral.max_rewards_per_period");

        let mut programme = example();
        programme.actions.review = -1;
        assert_eq!(error_field(&programme), "actions.review");

        let mut programme = example();
        programme.version = 0;
        assert_eq!(error_field(&programme), "version");
    }

    #[test]
    fn the_point_rate_comes_from_the_catalogue_unless_set() {
        let mut programme = example();
        assert_eq!(programme.point_rate(), Some(PointRate { minor: 500, points: 500 }));
        programme.point_value = Some(PointRate { minor: 1, points: 2 });
        assert_eq!(programme.point_rate(), Some(PointRate { minor: 1, points: 2 }));
    }

    #[test]
    fn bonuses_are_looked_up_by_occasion() {
        let programme = example();
        assert_eq!(programme.bonus_points(Occasion::Birthday), 100);
        assert_eq!(programme.bonus_points(Occasion::Anniversary), 200);
    }
}
