//! Fitting on the store's purchases, and the calibration/holdout check that tells a seller
//! whether to trust a model: fit on the calibration period, forecast each customer's purchase
//! days in the holdout, compare totals, per customer (correlation, MAE, RMSE) and week by week.

use serde::Serialize;
use tenure_models::Progress;
use tenure_models::clv::TransactionModel;
use tenure_models::gamma_gamma::SpendSummary;

use super::fit::{FitReport, ModelKind, fit_spend, fit_transactions};
use super::{PurchaseDays, Split, Summaries, TimeUnit};
use crate::AppError;
use crate::reports::Date;

/// `tenure model fit --calibration-end D --json`: the fit and what it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreFit {
    /// The fit.
    #[serde(flatten)]
    pub fit: FitReport,
    /// The currency of the purchases.
    pub currency: Option<String>,
    /// The last day of the calibration period.
    pub calibration_end: Date,
    /// The time unit of the parameters.
    pub unit: TimeUnit,
}

/// Fits `model` on `days` up to `split.calibration_end` (BG/BB needs discrete opportunities: use
/// a summary file).
pub fn fit_days(
    days: &PurchaseDays,
    model: ModelKind,
    split: Split,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(StoreFit, Summaries), AppError> {
    let summaries = Summaries::build(days, split)?;
    let fit = match model {
        ModelKind::GammaGamma => fit_spend(&spend_rows(days, &summaries), progress)?,
        ModelKind::BgBb => {
            return Err(AppError::Invalid(
                "bgbb models discrete opportunities (yearly donations, events): fit it with --summary FILE"
                    .into(),
            ));
        }
        _ => fit_transactions(model, &summaries.grouped()?, progress)?,
    };
    let currency = days.currency().map(|c| c.code().to_string());
    Ok((StoreFit { fit, currency, calibration_end: split.calibration_end, unit: split.unit }, summaries))
}

/// Gamma-Gamma's data: customers with repeat purchase days and a positive mean spend, in major units.
pub fn spend_rows(days: &PurchaseDays, summaries: &Summaries) -> Vec<SpendSummary> {
    summaries
        .rows
        .iter()
        .zip(&summaries.mean_repeat_spend_minor)
        .filter(|(row, spend)| row.x > 0.0 && **spend > 0.0)
        .map(|(row, &spend)| SpendSummary { x: row.x, mean_spend: days.major(spend), weight: 1.0 })
        .collect()
}

/// `tenure model evaluate --json`: the fit, the holdout comparison and the weekly tracking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The calibration fit.
    #[serde(flatten)]
    pub fit: StoreFit,
    /// Actual against forecast over the whole holdout.
    pub holdout: Holdout,
    /// Cumulative repeat purchase days, week by week through the holdout.
    pub tracking: Vec<TrackingWeek>,
    /// Every purchase model on the same split, by holdout error (when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Vec<ModelComparison>>,
}

/// One purchase model's fit and holdout error, for choosing among them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelComparison {
    /// The model.
    pub model: ModelKind,
    /// Its calibration log-likelihood.
    pub log_likelihood: f64,
    /// Whether its fit converged.
    pub converged: bool,
    /// Its holdout forecast.
    pub predicted_repeat_purchases: f64,
    /// Correlation of actual and forecast purchases per customer.
    pub correlation: Option<f64>,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
}

/// The purchase models compared by [`compare_models`].
const COMPARED: [ModelKind; 3] = [ModelKind::BgNbd, ModelKind::ParetoNbd, ModelKind::MbgNbd];

/// Fits every purchase model on the calibration period and ranks them by holdout RMSE (lowest
/// first): the model a seller should trust most on this shop's data.
pub fn compare_models(
    days: &PurchaseDays,
    split: Split,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<ModelComparison>, AppError> {
    let mut rows = Vec::with_capacity(COMPARED.len());
    for model in COMPARED {
        let e = evaluate_days(days, model, split, progress)?;
        rows.push(ModelComparison {
            model,
            log_likelihood: e.fit.fit.log_likelihood,
            converged: e.fit.fit.converged,
            predicted_repeat_purchases: e.holdout.predicted_repeat_purchases,
            correlation: e.holdout.correlation,
            mae: e.holdout.mae,
            rmse: e.holdout.rmse,
        });
    }
    rows.sort_by(|a, b| a.rmse.total_cmp(&b.rmse));
    Ok(rows)
}

/// `"holdout":{"customers","actual_repeat_purchases","predicted_repeat_purchases","correlation",…}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holdout {
    /// The last day of the holdout period.
    pub holdout_end: Date,
    /// Customers who had bought by the calibration end (the ones forecast).
    pub customers: u64,
    /// Their purchase days in the holdout.
    pub actual_repeat_purchases: u64,
    /// The model's expectation of that number.
    pub predicted_repeat_purchases: f64,
    /// Pearson correlation of actual and expected purchases per customer (`null` when either
    /// side does not vary).
    pub correlation: Option<f64>,
    /// Mean absolute error per customer, purchase days: lower is better when comparing models.
    pub mae: f64,
    /// Root mean squared error per customer, purchase days.
    pub rmse: f64,
}

/// One week of the tracking table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackingWeek {
    /// Week of the holdout, from 1.
    pub week: u32,
    /// Its last day (the holdout end for a last, partial week).
    pub end: Date,
    /// Purchase days from the holdout start to `end`.
    pub actual: u64,
    /// The model's expectation of that number.
    pub predicted: f64,
}

/// Fits `model` on the calibration period and compares its forecast with the holdout.
pub fn evaluate_days(
    days: &PurchaseDays,
    model: ModelKind,
    split: Split,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Evaluation, AppError> {
    let Some(holdout_end) = split.holdout_end else {
        return Err(AppError::Invalid("an evaluation needs a holdout end".into()));
    };
    if !model.is_transaction_model() {
        return Err(AppError::Invalid(format!(
            "{model} does not forecast purchases: evaluate bgnbd, pareto-nbd or mbgnbd"
        )));
    }
    let (fit, summaries) = fit_days(days, model, split, progress)?;
    let transactions = fit.fit.fitted.transaction_model().expect("a purchase model was fitted");
    let forecaster = Forecaster::new(&summaries, transactions);
    let holdout = forecaster.holdout(holdout_end);
    let tracking = forecaster.tracking();
    Ok(Evaluation { fit, holdout, tracking, comparison: None })
}

/// Expected purchases per distinct `(x, t_x, T)` pattern.
struct Forecaster<'a> {
    summaries: &'a Summaries,
    model: &'a dyn TransactionModel,
    patterns: Vec<tenure_models::WeightedSummary>,
    pattern_of: Vec<usize>,
}

impl<'a> Forecaster<'a> {
    fn new(summaries: &'a Summaries, model: &'a dyn TransactionModel) -> Self {
        let (patterns, pattern_of) = summaries.patterns();
        Forecaster { summaries, model, patterns, pattern_of }
    }

    /// Expected purchases of each pattern in the next `days` days.
    fn expected(&self, days: usize) -> Vec<f64> {
        let t = days as f64 / self.summaries.split.unit.days();
        self.patterns.iter().map(|p| self.model.expected_purchases(p.x, p.t_x, p.big_t, t)).collect()
    }

    fn holdout(&self, holdout_end: Date) -> Holdout {
        let per_pattern = self.expected(self.summaries.holdout_days());
        let predicted: Vec<f64> = self.pattern_of.iter().map(|&p| per_pattern[p]).collect();
        let actual: Vec<f64> = self.summaries.holdout_purchases.iter().map(|&n| f64::from(n)).collect();
        let n = actual.len().max(1) as f64;
        let errors = actual.iter().zip(&predicted).map(|(a, p)| a - p);
        Holdout {
            holdout_end,
            customers: actual.len() as u64,
            actual_repeat_purchases: self.summaries.holdout_purchases.iter().map(|&n| u64::from(n)).sum(),
            predicted_repeat_purchases: predicted.iter().sum(),
            correlation: correlation(&actual, &predicted),
            mae: errors.clone().map(f64::abs).sum::<f64>() / n,
            rmse: (errors.map(|e| e * e).sum::<f64>() / n).sqrt(),
        }
    }

    fn tracking(&self) -> Vec<TrackingWeek> {
        let total_days = self.summaries.holdout_days();
        let start = self.summaries.split.calibration_end.days();
        let mut weeks = Vec::new();
        for week in 1..=total_days.div_ceil(7) {
            let days = (week * 7).min(total_days);
            let predicted: f64 =
                self.expected(days).iter().zip(&self.patterns).map(|(e, p)| e * p.weight).sum();
            weeks.push(TrackingWeek {
                week: week as u32,
                end: Date::from_days(start + days as i32).expect("inside the holdout"),
                actual: self.summaries.holdout_per_day[..days].iter().sum(),
                predicted,
            });
        }
        weeks
    }
}

/// Pearson's correlation; `None` when a side has no variance.
pub fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut cov, mut var_a, mut var_b) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        cov += (x - mean_a) * (y - mean_b);
        var_a += (x - mean_a).powi(2);
        var_b += (y - mean_b).powi(2);
    }
    (var_a > 0.0 && var_b > 0.0).then(|| cov / (var_a * var_b).sqrt())
}

#[cfg(test)]
mod tests {
    use super::correlation;

    #[test]
    fn correlation_is_one_for_a_linear_relation_and_absent_without_variance() {
        let actual = [0.0, 1.0, 3.0];
        let forecast = [1.0, 1.5, 2.5];
        assert!((correlation(&actual, &forecast).unwrap() - 1.0).abs() < 1e-12);
        let opposite = [3.0, 2.0, 0.0];
        assert!((correlation(&actual, &opposite).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(correlation(&actual, &[2.0, 2.0, 2.0]), None);
    }
}
