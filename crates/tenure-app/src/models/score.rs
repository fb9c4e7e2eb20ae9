//! Per-customer scores as of a day: probability alive, expected purchase days over a horizon,
//! expected spend per purchase day (Gamma-Gamma) and CLV — for `tenure predict`, `tenure clv`
//! and the scores kept in the store after each import.
//!
//! Everything is computed once per distinct `(x, t_x, T)` pattern, so the work grows with the
//! number of patterns rather than customers.

use std::collections::HashMap;

use serde::Serialize;
use tenure_domain::CustomerId;
use tenure_models::Progress;
use tenure_models::clv::{ClvOptions, TransactionModel, customer_lifetime_value};
use tenure_models::gamma_gamma::expected_average_spend;
use tenure_store::Store;

use super::evaluate::{StoreFit, fit_days, spend_rows};
use super::fit::{FitReport, ModelKind, fit_spend};
use super::{PurchaseDays, Split, Summaries, TimeUnit};
use crate::AppError;
use crate::reports::Date;

/// CLV inputs: horizon in months, monthly discount rate, margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvSettings {
    /// Horizon in months.
    pub months: u32,
    /// Monthly discount rate (0.01 = 1 %).
    pub discount_rate: f64,
    /// Share of revenue kept, in [0, 1].
    pub margin: f64,
}

impl Default for ClvSettings {
    fn default() -> Self {
        ClvSettings { months: 12, discount_rate: 0.01, margin: 1.0 }
    }
}

/// Scores of every customer who had bought by `as_of`, from BG/NBD (and Gamma-Gamma for CLV).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The purchase model's fit (BG/NBD, weeks).
    pub fit: StoreFit,
    /// The spend model's fit, when CLV was asked for and enough customers bought twice.
    pub spend_fit: Option<FitReport>,
    /// The day of the scores.
    pub as_of: Date,
    /// Horizon of `expected_purchases`, in `fit.unit`.
    pub horizon: f64,
    /// The summaries scored (customer ids, `(x, t_x, T)`).
    pub summaries: Summaries,
    /// P(alive) per customer.
    pub probability_alive: Vec<f64>,
    /// Expected purchase days in the horizon per customer.
    pub expected_purchases: Vec<f64>,
    /// Expected spend per purchase day, minor units (empty without CLV).
    pub expected_spend_minor: Vec<f64>,
    /// CLV, minor units (empty without CLV).
    pub clv_minor: Vec<f64>,
}

/// Fits BG/NBD on every purchase up to `as_of` and scores each customer over `horizon` weeks;
/// with `clv`, also fits Gamma-Gamma and values each customer.
pub fn score_days(
    days: &PurchaseDays,
    as_of: Date,
    horizon_weeks: f64,
    clv: Option<ClvSettings>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Scores, AppError> {
    if !(horizon_weeks.is_finite() && horizon_weeks > 0.0) {
        return Err(AppError::Invalid(format!(
            "the horizon must be a positive number of weeks, got {horizon_weeks}"
        )));
    }
    let split = Split { calibration_end: as_of, holdout_end: None, unit: TimeUnit::Week };
    let (fit, summaries) = fit_days(days, ModelKind::BgNbd, split, progress)?;
    let model = fit.fit.fitted.transaction_model().expect("BG/NBD is a purchase model");
    let (patterns, pattern_of) = summaries.patterns();
    let alive: Vec<f64> = patterns.iter().map(|p| model.probability_alive(p.x, p.t_x, p.big_t)).collect();
    let expected: Vec<f64> =
        patterns.iter().map(|p| model.expected_purchases(p.x, p.t_x, p.big_t, horizon_weeks)).collect();
    let mut scores = Scores {
        fit,
        spend_fit: None,
        as_of,
        horizon: horizon_weeks,
        probability_alive: pattern_of.iter().map(|&p| alive[p]).collect(),
        expected_purchases: pattern_of.iter().map(|&p| expected[p]).collect(),
        expected_spend_minor: Vec::new(),
        clv_minor: Vec::new(),
        summaries,
    };
    if let Some(settings) = clv {
        scores.value(days, &settings, progress)?;
    }
    Ok(scores)
}

impl Scores {
    /// Adds expected spend (Gamma-Gamma, or the mean spend per purchase day when too few
    /// customers bought twice to fit it) and CLV.
    fn value(
        &mut self,
        days: &PurchaseDays,
        settings: &ClvSettings,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), AppError> {
        let options = ClvOptions {
            months: settings.months,
            monthly_discount_rate: settings.discount_rate,
            margin: settings.margin,
            time_units_per_month: TimeUnit::Week.per_month(),
        };
        options.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
        self.spend_fit = fit_spend(&spend_rows(days, &self.summaries), progress).ok();
        let fallback_minor = mean_spend_per_day(days);
        let model = self.fit.fit.fitted.transaction_model().expect("BG/NBD is a purchase model");
        let (patterns, pattern_of) = self.summaries.patterns();
        let mut discounted = Vec::with_capacity(patterns.len());
        for p in &patterns {
            let value = customer_lifetime_value(&Model(model), p.x, p.t_x, p.big_t, 1.0, &options)
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            discounted.push(value);
        }
        let spend_model = self.spend_fit.as_ref().and_then(|f| f.fitted.spend_model().copied());
        for (c, row) in self.summaries.rows.iter().enumerate() {
            let zbar_minor = self.summaries.mean_repeat_spend_minor[c].max(0.0);
            let spend_minor = match spend_model {
                Some(params) => {
                    let major = expected_average_spend(&params, row.x, days.major(zbar_minor));
                    major * minor_per_major(days)
                }
                None => fallback_minor,
            };
            self.expected_spend_minor.push(spend_minor);
            self.clv_minor.push(spend_minor * discounted[pattern_of[c]]);
        }
        Ok(())
    }

    /// Number of customers scored.
    pub fn len(&self) -> usize {
        self.summaries.customers.len()
    }

    /// True when nobody was scored.
    pub fn is_empty(&self) -> bool {
        self.summaries.customers.is_empty()
    }
}

/// A fitted purchase model behind a reference, for the generic CLV function.
struct Model<'a>(&'a dyn TransactionModel);

impl TransactionModel for Model<'_> {
    fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        self.0.probability_alive(x, t_x, big_t)
    }
    fn expected_purchases(&self, x: f64, t_x: f64, big_t: f64, t: f64) -> f64 {
        self.0.expected_purchases(x, t_x, big_t, t)
    }
}

/// Minor units per major unit of the days' currency.
fn minor_per_major(days: &PurchaseDays) -> f64 {
    1.0 / days.major(1.0)
}

/// Mean revenue per purchase day over all customers, minor units (0 without purchases).
fn mean_spend_per_day(days: &PurchaseDays) -> f64 {
    let (mut total, mut count) = (0.0, 0usize);
    for c in 0..days.len() {
        let (_, spend) = days.customer(c);
        total += spend.iter().sum::<i64>() as f64;
        count += spend.len();
    }
    if count == 0 { 0.0 } else { total / count as f64 }
}

/// One customer of `tenure predict` / `tenure clv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoredCustomer {
    /// Store id.
    pub id: CustomerId,
    /// Display name, when known.
    pub name: Option<String>,
    /// E-mail, when known.
    pub email: Option<String>,
    /// Repeat purchase days up to `as_of` (x).
    pub frequency: f64,
    /// Weeks from the first to the last purchase day (t_x).
    pub recency: f64,
    /// Weeks from the first purchase day to `as_of` (T).
    #[serde(rename = "T")]
    pub age: f64,
    /// P(alive).
    pub probability_alive: f64,
    /// Expected purchase days over the horizon.
    pub expected_purchases: f64,
    /// Expected spend per purchase day, major units (CLV only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_spend: Option<f64>,
    /// CLV, major units (CLV only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clv: Option<f64>,
}

impl Scores {
    /// Customer `c` as listed.
    pub fn customer(&self, c: usize, days: &PurchaseDays) -> ScoredCustomer {
        let row = self.summaries.rows[c];
        ScoredCustomer {
            id: self.summaries.customers[c],
            name: None,
            email: None,
            frequency: row.x,
            recency: row.t_x,
            age: row.big_t,
            probability_alive: self.probability_alive[c],
            expected_purchases: self.expected_purchases[c],
            expected_spend: self.expected_spend_minor.get(c).map(|&m| days.major(m)),
            clv: self.clv_minor.get(c).map(|&m| days.major(m)),
        }
    }

    /// The `top` customers by `key` (largest first, then by id).
    pub fn top(&self, days: &PurchaseDays, top: usize, key: &[f64]) -> Vec<ScoredCustomer> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            key[b].total_cmp(&key[a]).then(self.summaries.customers[a].cmp(&self.summaries.customers[b]))
        });
        order.into_iter().take(top).map(|c| self.customer(c, days)).collect()
    }
}

/// Fills in names and e-mails from the store.
pub fn add_contacts(store: &mut dyn Store, customers: &mut [ScoredCustomer]) -> Result<(), AppError> {
    let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    let contacts: HashMap<CustomerId, _> = store.contacts(&ids)?.into_iter().map(|c| (c.id, c)).collect();
    for customer in customers {
        if let Some(contact) = contacts.get(&customer.id) {
            customer.name.clone_from(&contact.name);
            customer.email.clone_from(&contact.email);
        }
    }
    Ok(())
}
