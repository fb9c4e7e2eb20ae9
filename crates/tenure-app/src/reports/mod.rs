//! Retention, cohorts, lifecycle stages and segments of the store's customers (issue 3): the one
//! engine behind every face, so the same question always gets the same answer.
//!
//! [`Purchases::load`] reads the store once (one currency, days in the shop's time zone); each
//! method below is one report. The numbers come from `tenure-metrics`; this module adds the
//! store, the calendar of the shop, customer ids and major units — no SQL, no terminal.

mod grid;
mod investor;
mod listing;
mod load;
mod views;

pub use grid::RfmGrid;
pub use investor::investor_markdown;
pub use listing::{CustomerList, CustomerSelection, ListedCustomer, stage_name, stage_names};
pub(crate) use load::report_currency;
pub use load::{Purchases, ReportScope, ShopTimeZone, read_segment_rules};
pub use tenure_metrics::{ActivityWindow, Date, LifecycleReport, Period, SegmentRules, Stage, StageCounts};
pub use views::{
    CohortMetric, CohortView, CohortsView, RetentionFigures, RetentionSeries, SegmentRow, SegmentsView,
    round1,
};

use tenure_metrics::{
    AtRiskRule, CustomerFacts, LifecycleParams, MetricsError, SegmentParams, cohort_table, lifecycle_stages,
    retention_report, retention_series, segment_customers,
};

use crate::AppError;

/// A customer is at risk when their stored probability alive is below this.
pub const AT_RISK_BELOW: f64 = 0.5;

/// Metrics refuse only arguments (dates, windows, parameters): the caller's request is invalid.
pub(crate) fn invalid(error: MetricsError) -> AppError {
    AppError::Invalid(error.to_string())
}

impl Purchases {
    /// The retention report for `[start, end]` (PRODUCT.md §2).
    pub fn retention(
        &self,
        start: Date,
        end: Date,
        window: ActivityWindow,
    ) -> Result<RetentionFigures, AppError> {
        let report = retention_report(&self.columns, start, end, window).map_err(invalid)?;
        Ok(RetentionFigures::new(report, self))
    }

    /// The retention report for each `every` period overlapping `[from, to]`, clipped to it.
    pub fn retention_series(
        &self,
        from: Date,
        to: Date,
        every: Period,
        window: ActivityWindow,
    ) -> Result<RetentionSeries, AppError> {
        let reports = retention_series(&self.columns, from, to, every, window).map_err(invalid)?;
        let periods = reports.into_iter().map(|r| RetentionFigures::new(r, self)).collect();
        Ok(RetentionSeries { from, to, every, window_days: window.days(), periods })
    }

    /// The acquisition cohort table by `period`, counting purchases up to `as_of`.
    pub fn cohorts(&self, period: Period, metric: CohortMetric, as_of: Date) -> CohortsView {
        CohortsView::new(cohort_table(&self.columns, period, as_of), metric, self)
    }

    /// Customers per lifecycle stage at `as_of` ("at risk": probability alive below 0.5 when model
    /// scores are stored for the currency as of `as_of` or earlier, else overdue by twice the customer's usual time
    /// between purchases).
    pub fn lifecycle(&self, as_of: Date, window: ActivityWindow) -> Result<LifecycleReport, AppError> {
        let stages = self.stages(as_of, window)?;
        Ok(LifecycleReport::from_stages(as_of, &stages))
    }

    /// Customers, revenue and flags per RFM segment at `as_of` (the scope's segment table), and,
    /// when model scores are stored as of `as_of` or earlier, each segment's mean probability
    /// alive and total CLV: where the value at risk sits.
    pub fn segments(&self, as_of: Date) -> Result<SegmentsView, AppError> {
        let facts = CustomerFacts::as_of(&self.columns, as_of);
        let assignment = segment_customers(&facts, &self.segment_params()).map_err(invalid)?;
        let mut view = SegmentsView::new(assignment.report(&facts), self);
        if let Some(stored) = self.stored_scores(as_of) {
            view.add_scores(&assignment.segment, stored, self);
        }
        Ok(view)
    }

    /// Segmentation parameters: the scope's table, no influence data yet.
    pub(crate) fn segment_params(&self) -> SegmentParams<'_> {
        SegmentParams {
            rules: self.segment_rules.clone(),
            influence: self.influence.as_deref(),
            ..SegmentParams::default()
        }
    }

    /// The segment names of the scope's table, in table order.
    pub fn segment_names(&self) -> &[String] {
        self.segment_rules.names()
    }

    /// The stage of every customer (dense index order) at `as_of`.
    pub(crate) fn stages(&self, as_of: Date, window: ActivityWindow) -> Result<Vec<Stage>, AppError> {
        let facts = CustomerFacts::as_of(&self.columns, as_of);
        let at_risk = match self.stored_p_alive(as_of) {
            Some(p_alive) => AtRiskRule::ProbabilityAlive { p_alive, threshold: AT_RISK_BELOW },
            None => LifecycleParams::default().at_risk,
        };
        let params = LifecycleParams { window, at_risk, ..LifecycleParams::default() };
        lifecycle_stages(&self.columns, &facts, &params).map_err(invalid)
    }
}
