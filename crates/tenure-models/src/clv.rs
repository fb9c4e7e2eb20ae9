//! Customer lifetime value: the discounted expected margin over a horizon in months, from any
//! transaction model (BG/NBD, Pareto/NBD, MBG/NBD) and an expected spend per transaction
//! (usually [`crate::gamma_gamma::expected_average_spend`]).
//!
//! `CLV = margin · E[spend] · Σ_{i=1..M} (E[Y(iΔ)] − E[Y((i−1)Δ)]) / (1 + d)^i`,
//!
//! where `E[Y(t)]` is the customer's expected purchases in (T, T + t], Δ the model's time units per
//! month and d the monthly discount rate: the monthly-discounted form of Fader, Hardie & Lee
//! (2005, "RFM and CLV", *Journal of Marketing Research* 42(4)), with discounting applied at the
//! end of each month.

use crate::ModelError;
use crate::bgnbd::{self, BgNbdParams};
use crate::mbgnbd::{self, MbgNbdParams};
use crate::pareto_nbd::{self, ParetoNbdParams};

/// Weeks in an average month (365.25 / 12 / 7), for models fitted in weeks.
pub const WEEKS_PER_MONTH: f64 = 365.25 / 12.0 / 7.0;

/// A fitted transaction model: what CLV and churn scoring need from it.
pub trait TransactionModel {
    /// P(alive | x, t_x, T).
    fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64;
    /// Expected purchases in (T, T + t] given (x, t_x, T), in the model's time unit.
    fn expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> f64;
}

impl TransactionModel for BgNbdParams {
    fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        bgnbd::probability_alive(self, x, t_x, big_t)
    }
    fn expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
        bgnbd::expected_purchases(self, x, t_x, big_t, t)
    }
}

impl TransactionModel for ParetoNbdParams {
    fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        pareto_nbd::probability_alive(self, x, t_x, big_t)
    }
    fn expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
        pareto_nbd::expected_purchases(self, x, t_x, big_t, t)
    }
}

impl TransactionModel for MbgNbdParams {
    fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        mbgnbd::probability_alive(self, x, t_x, big_t)
    }
    fn expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
        mbgnbd::expected_purchases(self, x, t_x, big_t, t)
    }
}

/// The inputs of a CLV computation besides the customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Horizon in months (M).
    pub months: u32,
    /// Monthly discount rate d ≥ 0 (0.01 = 1 % a month).
    pub monthly_discount_rate: f64,
    /// Share of revenue kept as margin, in [0, 1] (1.0 = revenue).
    pub margin: f64,
    /// The model's time units per month (Δ): [`WEEKS_PER_MONTH`] for weekly data.
    pub time_units_per_month: f64,
}

impl ClvOptions {
    /// Checks the ranges documented on the fields.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] naming the offending field.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |name, value, message| Err(ModelError::InvalidParameter { name, value, message });
        if !(self.monthly_discount_rate.is_finite() && self.monthly_discount_rate >= 0.0) {
            return invalid("monthly_discount_rate", self.monthly_discount_rate, "must be finite and ≥ 0");
        }
        if !(0.0..=1.0).contains(&self.margin) {
            return invalid("margin", self.margin, "must lie in [0, 1]");
        }
        if !(self.time_units_per_month.is_finite() && self.time_units_per_month > 0.0) {
            return invalid("time_units_per_month", self.time_units_per_month, "must be finite and > 0");
        }
        Ok(())
    }
}

/// CLV of one customer with history (x, t_x, T) and expected spend per transaction
/// `expected_spend` (currency units): see the module documentation for the formula.
///
/// # Errors
/// [`ModelError::InvalidParameter`] when the options are out of range.
pub fn customer_lifetime_value(
    model: &impl TransactionModel,
    x: f64,
    t_x: f64,
    big_t: f64,
    expected_spend: f64,
    options: &ClvOptions,
) -> Result<f64, ModelError> {
    options.validate()?;
    let mut previous = 0.0;
    let mut discounted_purchases = 0.0;
    let mut discount = 1.0;
    for month in 1..=options.months {
        let cumulative =
            model.expected_purchases(x, t_x, big_t, f64::from(month) * options.time_units_per_month);
        discount /= 1.0 + options.monthly_discount_rate;
        discounted_purchases += (cumulative - previous) * discount;
        previous = cumulative;
    }
    Ok(options.margin * expected_spend * discounted_purchases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(rate: f64) -> ClvOptions {
        ClvOptions {
            months: 12,
            monthly_discount_rate: rate,
            margin: 0.3,
            time_units_per_month: WEEKS_PER_MONTH,
        }
    }

    #[test]
    fn without_discounting_clv_is_margin_times_spend_times_expected_purchases() {
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let clv = customer_lifetime_value(&p, 2.0, 30.43, 38.86, 40.0, &options(0.0)).unwrap();
        let purchases = bgnbd::expected_purchases(&p, 2.0, 30.43, 38.86, 12.0 * WEEKS_PER_MONTH);
        assert!((clv - 0.3 * 40.0 * purchases).abs() < 1e-12 * clv);
    }

    #[test]
    fn discounting_lowers_clv_within_the_bounds_of_first_and_last_month_factors() {
        let p = ParetoNbdParams::new(0.553, 10.578, 0.606, 11.669).unwrap();
        let plain = customer_lifetime_value(&p, 4.0, 30.0, 38.0, 25.0, &options(0.0)).unwrap();
        let discounted = customer_lifetime_value(&p, 4.0, 30.0, 38.0, 25.0, &options(0.01)).unwrap();
        assert!(discounted < plain / 1.01 && discounted > plain / 1.01_f64.powi(12), "{plain} {discounted}");
    }

    #[test]
    fn rejects_a_margin_above_one_and_a_negative_discount_rate() {
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let bad_margin = ClvOptions { margin: 1.5, ..options(0.01) };
        assert!(customer_lifetime_value(&p, 1.0, 1.0, 2.0, 10.0, &bad_margin).is_err());
        assert!(customer_lifetime_value(&p, 1.0, 1.0, 2.0, 10.0, &options(-0.1)).is_err());
    }
}
