//! Keeping model scores in the store: after an import that added or changed orders, refit BG/NBD
//! and Gamma-Gamma as of the last purchase day and replace the stored scores (one transaction).
//! Lifecycle reports then call customers "at risk" by their probability alive.

use tenure_store::{CustomerScore, Store};

use super::PurchaseDays;
use super::score::{ClvSettings, Scores, score_days};
use crate::AppError;
use crate::import::ImportReport;
use crate::reports::ReportScope;

/// The horizon of the stored expected purchases: 52 weeks.
pub const STORED_HORIZON_WEEKS: u32 = 52;

/// Refits and stores the scores of the store's main currency (or `scope.currency`) as of its last
/// purchase day. Returns the number of customers scored, or `None` when there is nothing to fit
/// (no purchases, or every customer bought for the first time on the last day).
pub fn refresh_scores(store: &mut dyn Store, scope: &ReportScope) -> Result<Option<u64>, AppError> {
    let days = PurchaseDays::load(store, scope)?;
    let (Some(as_of), Some(currency)) = (days.last_day(), days.currency()) else { return Ok(None) };
    let scores = match score_days(
        &days,
        as_of,
        f64::from(STORED_HORIZON_WEEKS),
        Some(ClvSettings::default()),
        &mut |_| {},
    ) {
        Ok(scores) => scores,
        Err(AppError::Invalid(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    let rows = stored(&scores, currency.code(), as_of_date(&scores));
    Ok(Some(store.replace_scores(&rows)?))
}

/// After a committed import that added or updated orders, refreshes the scores and records
/// whether it did in `report.scores_refreshed`.
pub fn refresh_after_import(
    store: &mut dyn Store,
    scope: &ReportScope,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    let changed = report.orders_added + report.orders_updated > 0;
    if report.committed && changed {
        report.scores_refreshed = refresh_scores(store, scope)?.is_some();
    }
    Ok(())
}

fn as_of_date(scores: &Scores) -> chrono::NaiveDate {
    let (y, m, d) = scores.as_of.ymd();
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar day")
}

fn stored(scores: &Scores, currency: &str, as_of: chrono::NaiveDate) -> Vec<CustomerScore> {
    (0..scores.len())
        .map(|c| CustomerScore {
            customer: scores.summaries.customers[c],
            currency: currency.to_string(),
            model: "bgnbd".into(),
            as_of,
            probability_alive: scores.probability_alive[c],
            expected_purchases: scores.expected_purchases[c],
            horizon_days: STORED_HORIZON_WEEKS * 7,
            expected_spend_minor: scores.expected_spend_minor[c].round() as i64,
            clv_minor: scores.clv_minor[c].round() as i64,
        })
        .collect()
}
