//! The reports as every face shows them: the JSON contracts of issue 3, money in major units of
//! the report currency. Built from the metrics crate's results; no arithmetic beyond unit changes
//! and the one-decimal rounding of cohort percentages.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use tenure_metrics::{CohortRow, CohortTable, Date, FlagCounts, Period, RetentionReport, SegmentsReport};

use super::Purchases;
use super::load::StoredAlive;
use crate::AppError;

/// `tenure report retention --json`: exactly the fields of issue 3's contract.
///
/// Rates are unrounded percentages, `null` when their denominator is zero; the average order
/// value is in major units. The fields marked `skip` are for tables and summaries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionFigures {
    /// Start of the period (end of that day).
    pub start: Date,
    /// End of the period (end of that day).
    pub end: Date,
    /// Activity window W in days.
    pub window_days: u32,
    /// Customers active at `start`.
    #[serde(rename = "S")]
    pub s: u64,
    /// Customers active at `end`.
    #[serde(rename = "E")]
    pub e: u64,
    /// Customers whose first purchase is in `(start, end]`.
    #[serde(rename = "N")]
    pub n: u64,
    /// Active at `start`, not at `end`.
    pub lost: u64,
    /// `(E − N) / S × 100`.
    pub crr: Option<f64>,
    /// `lost / S × 100`.
    pub churn_rate: Option<f64>,
    /// `|active(start) ∩ active(end)| / S × 100`.
    pub cohort_exact_retention: Option<f64>,
    /// Share of the customers ordering in `[start, end]` who ordered at least twice, × 100.
    pub repeat_purchase_rate: Option<f64>,
    /// Orders per ordering customer in `[start, end]`.
    pub purchase_frequency: Option<f64>,
    /// Revenue / orders in `[start, end]`, major units.
    pub average_order_value: Option<f64>,
    /// Everything the metrics computed, minor units (orders, revenue, time between orders…).
    #[serde(skip)]
    pub detail: RetentionReport,
}

impl RetentionFigures {
    pub(crate) fn new(report: RetentionReport, purchases: &Purchases) -> Self {
        Self {
            start: report.start,
            end: report.end,
            window_days: report.window_days,
            s: report.s,
            e: report.e,
            n: report.n,
            lost: report.lost,
            crr: report.crr,
            churn_rate: report.churn_rate,
            cohort_exact_retention: report.cohort_exact_retention,
            repeat_purchase_rate: report.repeat_purchase_rate,
            purchase_frequency: report.purchase_frequency,
            average_order_value: report.average_order_value.map(|minor| purchases.major(minor)),
            detail: report,
        }
    }
}

/// `tenure report retention-series --json`: one [`RetentionFigures`] per calendar period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionSeries {
    /// First day of the series.
    pub from: Date,
    /// Last day of the series.
    pub to: Date,
    /// Period length.
    pub every: Period,
    /// Activity window W in days.
    pub window_days: u32,
    /// One report per period, clipped to `[from, to]`, oldest first.
    pub periods: Vec<RetentionFigures>,
}

/// What a cohort table's cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CohortMetric {
    /// Share of the cohort buying in each period (percent).
    #[default]
    Customers,
    /// Revenue of the cohort in each period, and cumulative revenue per customer.
    Revenue,
}

impl FromStr for CohortMetric {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "customers" => Ok(Self::Customers),
            "revenue" => Ok(Self::Revenue),
            _ => Err(AppError::Invalid(format!("`{text}` is not a cohort metric (customers or revenue)"))),
        }
    }
}

impl fmt::Display for CohortMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Customers => "customers",
            Self::Revenue => "revenue",
        })
    }
}

/// `tenure report cohorts --json`: `{"period","metric","as_of","cohorts":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortsView {
    /// Cohort and column period.
    pub period: Period,
    /// What the cells show.
    pub metric: CohortMetric,
    /// Purchases after this day are ignored; later periods are incomplete.
    pub as_of: Date,
    /// Non-empty cohorts, oldest first.
    pub cohorts: Vec<CohortView>,
}

/// One cohort. Column `k` is the `k`-th period after acquisition (`k = 0` the acquisition period).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortView {
    /// Label of the acquisition period: `1997-01`, `1997-Q1`, `1997-W01`.
    pub cohort: String,
    /// Customers acquired in that period.
    pub size: u64,
    /// Metric `customers`: percent of the cohort buying in period k, rounded to 1 decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<Vec<f64>>,
    /// Metric `customers`: customers of the cohort buying in period k (the exact counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<Vec<u64>>,
    /// Metric `revenue`: the cohort's revenue in period k, major units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<Vec<f64>>,
    /// Metric `revenue`: revenue of periods 0..=k per customer of the cohort, major units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumulative_revenue_per_customer: Option<Vec<f64>>,
    /// False for periods that end after `as_of` (their numbers can still grow).
    pub complete: Vec<bool>,
    /// The metrics row, minor units and unrounded.
    #[serde(skip)]
    pub detail: CohortRow,
}

impl CohortsView {
    pub(crate) fn new(table: CohortTable, metric: CohortMetric, purchases: &Purchases) -> Self {
        let cohorts = table.cohorts.into_iter().map(|row| CohortView::new(row, metric, purchases)).collect();
        Self { period: table.period, metric, as_of: table.as_of, cohorts }
    }
}

impl CohortView {
    fn new(row: CohortRow, metric: CohortMetric, purchases: &Purchases) -> Self {
        let by_customers = metric == CohortMetric::Customers;
        let major = |values: Vec<f64>| values.into_iter().map(|v| purchases.major(v)).collect::<Vec<_>>();
        Self {
            cohort: row.cohort.clone(),
            size: row.size,
            retention: by_customers.then(|| row.retention.iter().map(|&p| round1(p)).collect()),
            customers: by_customers.then(|| row.customers.clone()),
            revenue: (!by_customers).then(|| major(row.revenue_minor.iter().map(|&r| r as f64).collect())),
            cumulative_revenue_per_customer: (!by_customers)
                .then(|| major(row.cumulative_revenue_per_customer.clone())),
            complete: row.complete.clone(),
            detail: row,
        }
    }
}

/// `x` rounded to one decimal (half away from zero).
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `tenure report segments --json`: `{"as_of","segments":[{"name","customers","revenue"}],"flags"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentsView {
    /// The date of the segmentation.
    pub as_of: Date,
    /// Every segment of the rule table, in table order, empty ones included.
    pub segments: Vec<SegmentRow>,
    /// `{"big_spender": N, "influencer": N or null}` (null until referrals and reviews exist).
    pub flags: FlagCounts,
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    /// Segment name.
    pub name: String,
    /// Customers in it.
    pub customers: u64,
    /// Their revenue up to `as_of`, major units.
    pub revenue: f64,
    /// The same in minor units.
    #[serde(skip)]
    pub revenue_minor: i64,
    /// The mean stored probability alive of its customers with a model score; `null` without
    /// scores (or without scored customers in it).
    pub mean_probability_alive: Option<f64>,
    /// The total stored CLV of its customers with a score, major units; `null` without scores.
    pub clv: Option<f64>,
    /// The same in minor units.
    #[serde(skip)]
    pub clv_minor: Option<i64>,
}

impl SegmentsView {
    pub(crate) fn new(report: SegmentsReport, purchases: &Purchases) -> Self {
        let segments = report
            .segments
            .into_iter()
            .map(|s| SegmentRow {
                revenue: purchases.major(s.revenue_minor as f64),
                name: s.name,
                customers: s.customers,
                revenue_minor: s.revenue_minor,
                mean_probability_alive: None,
                clv: None,
                clv_minor: None,
            })
            .collect();
        Self { as_of: report.as_of, segments, flags: report.flags }
    }

    /// Each segment's mean probability alive and total CLV over its scored customers
    /// (`segment_of[c]` is customer c's segment).
    pub(crate) fn add_scores(
        &mut self,
        segment_of: &[Option<u16>],
        stored: &StoredAlive,
        purchases: &Purchases,
    ) {
        let mut sums = vec![(0.0, 0_i64, 0_u64); self.segments.len()];
        for ((segment, &p_alive), clv) in segment_of.iter().zip(&stored.p_alive).zip(&stored.clv_minor) {
            if let (Some(segment), Some(clv)) = (segment, clv) {
                let sum = &mut sums[usize::from(*segment)];
                *sum = (sum.0 + p_alive, sum.1 + clv, sum.2 + 1);
            }
        }
        for (row, (p_alive, clv, scored)) in self.segments.iter_mut().zip(sums) {
            row.mean_probability_alive = (scored > 0).then(|| p_alive / scored as f64);
            row.clv_minor = Some(clv);
            row.clv = Some(purchases.major(clv as f64));
        }
    }
}
