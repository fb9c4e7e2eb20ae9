//! The programme's liability: what its outstanding points are worth in money, at a points→money
//! rate taken from the programme or its catalogue. Only arithmetic; which balances count is the
//! caller's choice (the dashboard passes every member's balance).

use serde::{Deserialize, Serialize};
use tenure_domain::{Currency, Money};

use crate::programme::{Reward, RewardKind};

/// `points` points are worth `minor` minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointRate {
    /// Minor units…
    pub minor: i64,
    /// …per this many points.
    pub points: i64,
}

impl PointRate {
    /// The rate of the catalogue's most generous amount-off reward (most money per point):
    /// valuing every point at the best rate a customer can get overstates the liability rather
    /// than understating it. `None` when the catalogue has no valid amount-off reward.
    pub fn from_catalogue(rewards: &[Reward]) -> Option<PointRate> {
        rewards
            .iter()
            .filter_map(|reward| match reward.kind {
                RewardKind::AmountOff { minor } if minor > 0 && reward.cost > 0 => {
                    Some(PointRate { minor, points: reward.cost })
                }
                _ => None,
            })
            // a/b > c/d ⇔ a·d > c·b for positive b, d; in i128 so the products cannot overflow.
            .max_by(|a, b| {
                (i128::from(a.minor) * i128::from(b.points))
                    .cmp(&(i128::from(b.minor) * i128::from(a.points)))
            })
    }
}

/// The value of `points` at `rate`: `⌈points × minor / rate.points⌉` minor units, rounded up so
/// the liability is never understated; 0 for zero or negative points (a negative balance is a
/// claim on the customer the programme may never collect, not an asset). Saturates at `i64::MAX`.
pub fn value_of(points: i64, rate: PointRate, currency: Currency) -> Money {
    if points <= 0 || rate.points <= 0 || rate.minor <= 0 {
        return Money { minor: 0, currency };
    }
    let numerator = i128::from(points) * i128::from(rate.minor);
    let denominator = i128::from(rate.points);
    let minor = (numerator + denominator - 1) / denominator;
    Money { minor: i64::try_from(minor).unwrap_or(i64::MAX), currency }
}

/// The liability of a programme whose members have these `balances`: the value of the sum of the
/// positive ones. Summed before valuing, so it is rounded once, not once per member.
pub fn liability(balances: impl IntoIterator<Item = i64>, rate: PointRate, currency: Currency) -> Money {
    let outstanding = balances.into_iter().filter(|&balance| balance > 0).fold(0i64, i64::saturating_add);
    value_of(outstanding, rate, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reward(id: &str, cost: i64, kind: RewardKind) -> Reward {
        Reward { id: id.to_string(), name: id.to_string(), cost, kind }
    }

    #[test]
    fn values_points_rounding_up() {
        let rate = PointRate { minor: 500, points: 300 };
        // 100 × 500 / 300 = 166.67 → 167 cents.
        assert_eq!(value_of(100, rate, Currency::USD).minor, 167);
        assert_eq!(value_of(300, rate, Currency::USD).minor, 500);
        assert_eq!(value_of(-40, rate, Currency::USD).minor, 0);
    }

    #[test]
    fn liability_sums_positive_balances_before_valuing() {
        let rate = PointRate { minor: 1, points: 3 };
        // 1 + 1 + 1 = 3 points = 1 cent; per member it would have been 3 cents. −10 does not count.
        assert_eq!(liability([1, 1, 1, -10], rate, Currency::USD).minor, 1);
    }

    #[test]
    fn catalogue_rate_is_the_most_generous_amount_off() {
        let rewards = [
            reward("five", 500, RewardKind::AmountOff { minor: 500 }),
            reward("ten", 800, RewardKind::AmountOff { minor: 1000 }),
            reward("ship", 100, RewardKind::FreeShipping),
        ];
        assert_eq!(PointRate::from_catalogue(&rewards), Some(PointRate { minor: 1000, points: 800 }));
        assert_eq!(PointRate::from_catalogue(&rewards[2..]), None);
    }
}
