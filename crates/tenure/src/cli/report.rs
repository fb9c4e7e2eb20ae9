//! Arguments of `tenure report`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use tenure_app::reports::{Date, Period};

/// `tenure report …`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Currency of the purchases to report on (default: the one with the most revenue).
    #[arg(long, global = true, value_name = "CODE")]
    pub currency: Option<String>,
    /// Your own segment table: a JSON array of rules `{"name", "recency": {"min", "max"},
    /// "frequency": {…}, "monetary": {…}}` (scores 1–5), first match wins, the last matching
    /// every score. Default: the table shown by `tenure report segments --help`.
    #[arg(long, global = true, value_name = "FILE", env = "TENURE_SEGMENT_RULES")]
    pub segment_rules: Option<PathBuf>,
    /// Which report.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Retention and churn for one period: S, E, N, lost, retention, churn, repeat rate, order value.
    Retention(PeriodArgs),
    /// The retention report for every month (week, quarter) of a period: retention over time.
    RetentionSeries(SeriesArgs),
    /// Acquisition cohorts: the share of each cohort buying again period after period (or revenue).
    Cohorts(CohortArgs),
    /// Customers per lifecycle stage: new, active, at risk, reactivated, churned.
    Lifecycle(LifecycleArgs),
    /// Customers and revenue per RFM segment (Champions, Loyal, …, Lost), and the flags.
    ///
    /// R, F and M score 1–5 by quintile among the customers who bought by --as-of (R: the day of
    /// the last purchase, F: orders, M: revenue; equal values share a score). The first rule that
    /// matches names the segment:
    ///
    ///   Champions R 4–5 F 4–5 M 4–5 · Loyal R 3–5 F 4–5 · Cannot lose them R 1–2 F 4–5 M 4–5 ·
    ///   At risk R 1–2 F 3–5 · Potential loyalists R 4–5 F 2–3 · New R 5 F 1 · Promising R 4 F 1 ·
    ///   About to sleep R 3 F 1–2 · Hibernating R 2 F 1–2 · Lost R 1 F 1–2 · Need attention: the rest.
    ///
    /// --segment-rules FILE replaces the table with your own.
    Segments(SegmentArgs),
    /// A printable Markdown summary for investors: retention and churn trend, cohorts, repeat
    /// rate, revenue per cohort.
    Investor(InvestorArgs),
    /// Every report above from one reading of the purchases (with --json: one object holding
    /// `retention`, `series`, `cohorts`, `lifecycle` and `segments`).
    All(AllArgs),
}

/// `report all`.
#[derive(Debug, Args)]
pub struct AllArgs {
    /// The period of the retention report and series, the window and the output.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Rows of the retention series: week, month or quarter.
    #[arg(long, value_enum, default_value = "month")]
    pub every: PeriodArg,
    /// Cohorts by week, month or quarter of the first purchase.
    #[arg(long = "period", value_enum, default_value = "month")]
    pub cohorts_by: PeriodArg,
    /// The day of the cohort table, stages and segments (default: --to).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
}

/// `report retention`.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// First day of the period (YYYY-MM-DD; the end of that day).
    #[arg(long, value_name = "DATE")]
    pub from: Date,
    /// Last day of the period (YYYY-MM-DD; the end of that day).
    #[arg(long, value_name = "DATE")]
    pub to: Date,
    /// Activity window W: active means a paid order in the last W days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub window: u32,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

impl From<PeriodArg> for Period {
    fn from(period: PeriodArg) -> Self {
        match period {
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
            PeriodArg::Quarter => Period::Quarter,
        }
    }
}

/// `report retention-series`.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The period to cover, the window and the output.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// One row per week, month or quarter.
    #[arg(long, value_enum, default_value = "month")]
    pub every: PeriodArg,
}

/// What cohort cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Percent of the cohort with a paid order in each period.
    Customers,
    /// Revenue of the cohort in each period, and cumulative revenue per customer.
    Revenue,
}

/// `report cohorts`.
#[derive(Debug, Args)]
pub struct CohortArgs {
    /// Cohorts and columns by week, month or quarter of the first purchase.
    #[arg(long, value_enum, default_value = "month")]
    pub period: PeriodArg,
    /// What the cells show.
    #[arg(long, value_enum, default_value = "customers")]
    pub metric: MetricArg,
    /// Count purchases up to this day (YYYY-MM-DD; default: the day of the latest purchase).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `report lifecycle`.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// The day of the stages (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Date,
    /// Activity window W: churned means no paid order in the last W days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub window: u32,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `report segments`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// The day of the segmentation (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Date,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `report investor`.
#[derive(Debug, Args)]
pub struct InvestorArgs {
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Date,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Date,
    /// Activity window W in days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub window: u32,
    /// Write the Markdown to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
