//! Tenure's retention numbers (PRODUCT.md §2): retention and churn, cohort tables, lifecycle stages
//! and RFM segments, as pure functions over columnar purchase data.
//!
//! No IO, no logging, no clock, no database, no time zones: the caller converts each paid order to
//! a shop-calendar day number, feeds [`PurchaseColumns`] in one ordered pass and passes every date
//! (`as_of`, `start`, `end`) explicitly. Money stays in integer minor units of one currency.
//!
//! Conventions used by every report (PRODUCT.md §2):
//! * a date `t` means the end of day `t`; a customer is **active at `t`** with a purchase on a day
//!   in `[t − W + 1, t]` ([`ActivityWindow`], default 365);
//! * for a period `[start, end]`, N counts first purchases on days in `(start, end]`, while the
//!   order-based numbers (repeat rate, frequency, AOV, time between orders) count orders on days
//!   in `[start, end]`, both ends included;
//! * functions taking `as_of` ignore purchases after it;
//! * rates are unrounded percentages and `None` (JSON `null`) when their denominator is zero.
//!
//! Typical use: build [`PurchaseColumns`] once, derive [`CustomerFacts`] once per `as_of`, then
//! call [`retention_report`], [`retention_series`], [`cohort_table`], [`lifecycle_stages`] and
//! [`segment_customers`].

mod calendar;
mod cohorts;
mod columns;
mod error;
mod lifecycle;
mod retention;
mod segments;

pub use calendar::{Date, MAX_DAY, MIN_DAY, Period, civil_from_days, days_from_civil};
pub use cohorts::{CohortRow, CohortTable, cohort_table};
pub use columns::{CustomerFacts, PurchaseColumns, PurchaseColumnsBuilder};
pub use error::MetricsError;
pub use lifecycle::{AtRiskRule, LifecycleParams, LifecycleReport, Stage, StageCounts, lifecycle_stages};
pub use retention::{
    ActivityWindow, RetentionReport, is_active_at, retention_report, retention_series, series_periods,
};
pub use segments::{
    FlagCounts, RfmScores, ScoreRange, SegmentAssignment, SegmentParams, SegmentRule, SegmentRules,
    SegmentSummary, SegmentsReport, quintile_scores, segment_customers,
};
