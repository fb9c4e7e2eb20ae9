//! The programme's rules: the version in force, saving a new one (validated, versioned, with the
//! date from which orders earn), and a starting programme a seller can edit.

use tenure_domain::{Currency, Timestamp};
use tenure_loyalty::{
    ActionPoints, Bonuses, PointsExpiry, Programme, ReferralRules, RefundPolicy, Reward, RewardKind, Tier,
    TierBasis, TierPeriod, TierRules,
};
use tenure_store::{Store, StoredProgramme};

use crate::AppError;

/// The programme in force: its stored version and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveProgramme {
    /// As stored.
    pub stored: StoredProgramme,
    /// The rules.
    pub rules: Programme,
}

/// The version in force, if the seller has started a programme.
pub fn active_programme(store: &mut dyn Store) -> Result<Option<ActiveProgramme>, AppError> {
    let Some(stored) = store.programmes(1)?.into_iter().next() else { return Ok(None) };
    let rules: Programme = serde_json::from_str(&stored.rules).map_err(|e| {
        AppError::Invalid(format!("the stored programme version {} cannot be read: {e}", stored.version))
    })?;
    Ok(Some(ActiveProgramme { stored, rules }))
}

/// The version in force, or an error saying how to start one.
pub fn require_programme(store: &mut dyn Store) -> Result<ActiveProgramme, AppError> {
    active_programme(store)?.ok_or_else(|| {
        AppError::Invalid(
            "no loyalty programme yet: write one with `tenure loyalty programme template > programme.json`, \
             edit it, and save it with `tenure loyalty programme set programme.json`"
                .into(),
        )
    })
}

/// Saves `json` as the next version of the rules (the `version` in the text is replaced by the
/// next number). Orders placed from `earn_from` earn points: by default the day the first
/// version is saved (no points for past orders unless the seller chooses an earlier date), and
/// for later versions the date already in force.
pub fn save_programme(
    store: &mut dyn Store,
    json: &str,
    earn_from: Option<Timestamp>,
    by: &str,
    now: Timestamp,
) -> Result<ActiveProgramme, AppError> {
    let mut rules: Programme = serde_json::from_str(json)
        .map_err(|e| AppError::Invalid(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let previous = active_programme(store)?;
    let version = previous.as_ref().map_or(1, |p| p.stored.version + 1);
    rules.version = u32::try_from(version).map_err(|_| AppError::Invalid("too many versions".into()))?;
    rules.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
    if let Some(earn_from) = earn_from
        && earn_from > now
    {
        return Err(AppError::Invalid("earn-from: the date is in the future".into()));
    }
    let earn_from = earn_from.or(previous.as_ref().map(|p| p.stored.earn_from)).unwrap_or(now);
    let stored = StoredProgramme {
        version,
        rules: serde_json::to_string(&rules).map_err(|e| AppError::Invalid(e.to_string()))?,
        earn_from,
        created_by: by.to_string(),
        created_at: now,
    };
    store.save_programme(&stored)?;
    Ok(ActiveProgramme { stored, rules })
}

/// A programme to start from: a point per unit spent, three tiers, points that last a year, a
/// 30-day return window, four rewards and a referral reward for both sides.
pub fn template(currency: Currency) -> Programme {
    let unit = 10i64.pow(currency.exponent());
    let tier =
        |name: &str, threshold, multiplier_percent| Tier { name: name.into(), threshold, multiplier_percent };
    let reward = |id: &str, name: String, cost, kind| Reward { id: id.into(), name, cost, kind };
    let code = currency.code();
    Programme {
        version: 1,
        currency,
        points_per_unit: 1,
        actions: ActionPoints { survey_answered: 20, review: 50 },
        tiers: TierRules {
            basis: TierBasis::PointsEarned,
            period: TierPeriod::CalendarYear,
            levels: vec![tier("Member", 0, 100), tier("Silver", 500, 125), tier("Gold", 1500, 150)],
        },
        bonuses: Bonuses { birthday: 100, anniversary: 50 },
        expiry: PointsExpiry::MonthsAfterEarning(12),
        return_window_days: 30,
        refund_policy: RefundPolicy::ClawBackFromFuture,
        rewards: vec![
            reward("five-off", format!("5 {code} off"), 500, RewardKind::AmountOff { minor: 5 * unit }),
            reward("ten-percent", "10% off".into(), 800, RewardKind::PercentOff { percent: 10 }),
            reward("free-shipping", "Free shipping".into(), 300, RewardKind::FreeShipping),
            reward(
                "tote",
                "A canvas tote".into(),
                1500,
                RewardKind::Gift { description: "Canvas tote bag".into() },
            ),
        ],
        referral: ReferralRules {
            minimum_first_order_minor: 20 * unit,
            referrer_points: 500,
            referred_points: 250,
            max_rewards_per_period: 5,
            period_days: 30,
        },
        point_value: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_valid_programme_in_any_currency() {
        for code in ["USD", "EUR", "JPY", "BHD"] {
            let programme = template(Currency::parse(code).unwrap_or(Currency::USD));
            assert_eq!(programme.validate(), Ok(()), "{code}");
        }
    }
}
