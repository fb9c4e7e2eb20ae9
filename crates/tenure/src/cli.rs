//! The command line: every command, flag and its help text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use tenure_app::reports::{Date, Period};

/// Tenure keeps your customer file — customers, orders, identities across shops — and tells you
/// who you keep, who you are losing and why.
#[derive(Debug, Parser)]
#[command(name = "tenure", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database: `sqlite:PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "TENURE_DATABASE_URL", default_value = "sqlite:tenure.db")]
    pub db: String,

    /// The shop's time zone (an IANA name such as Europe/Berlin): reports count calendar days in it.
    #[arg(long, global = true, env = "TENURE_TIMEZONE", default_value = "UTC", value_name = "TZ")]
    pub timezone: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import shop exports: all of a file or nothing (unless --skip-invalid), never twice.
    Import(ImportArgs),
    /// Summarise the customer file: customers, orders, paid orders, revenue per currency.
    Stats(JsonFlag),
    /// List, show and unmerge customers.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Bring the database schema up to date (PostgreSQL; SQLite migrates on open).
    Migrate(JsonFlag),
    /// Try Tenure: import the bundled CDNOW purchases (23,570 customers) into an embedded SQLite
    /// database and summarise them.
    Demo(DemoArgs),
    /// Write a synthetic shop (BG/NBD purchase timing, Gamma-Gamma spend) for demos and benchmarks.
    Generate(GenerateArgs),
    /// Retention, churn, cohorts, lifecycle stages and segments (PRODUCT.md §2).
    Report(ReportArgs),
    /// Fit the buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, Gamma-Gamma) on a
    /// summary file or the store, and check a forecast against a holdout period.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Who is likely to buy again: probability alive and expected purchases per customer (BG/NBD).
    Predict(PredictArgs),
    /// Customer lifetime value: discounted expected margin per customer (BG/NBD + Gamma-Gamma).
    Clv(ClvArgs),
}

/// The models, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    Bgnbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd,
    /// MBG/NBD (Batislam et al. 2007).
    Mbgnbd,
    /// BG/BB for discrete opportunities (Fader, Hardie & Shang 2010); summary files only.
    Bgbb,
    /// Gamma-Gamma spend per purchase (Fader, Hardie & Lee 2005).
    GammaGamma,
}

/// Time unit of recency, age and the fitted rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// 7 days.
    Week,
    /// 1 day.
    Day,
    /// 365.25 / 12 days.
    Month,
}

/// `tenure model …`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Fit a model by maximum likelihood on a summary CSV (--summary) or on the store's
    /// purchases up to a calibration end (--calibration-end).
    Fit(ModelFitArgs),
    /// Fit on the calibration period and compare the forecast with the holdout period: totals,
    /// per-customer correlation and errors, and week-by-week tracking.
    Evaluate(EvaluateArgs),
}

/// `tenure model fit`.
#[derive(Debug, Args)]
#[command(group = ArgGroup::new("data").args(["summary", "calibration_end"]).required(true))]
pub struct ModelFitArgs {
    /// The model.
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// A summary CSV: columns frequency,recency,T (or x,t_x,T); monetary_value or zbar for
    /// gamma-gamma; frequency,recency,periods for bgbb; optional weights.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Fit on the store's purchases up to this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub calibration_end: Option<Date>,
    /// Time unit, for fits from the store.
    #[arg(long, value_enum, default_value = "week")]
    pub unit: UnitArg,
    /// Currency of the purchases (default: the one with the most revenue).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `tenure model evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The purchase model (bgnbd, pareto-nbd or mbgnbd).
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// Last day of the calibration period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub calibration_end: Date,
    /// Last day of the holdout period (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub holdout_end: Date,
    /// Time unit of the fit.
    #[arg(long, value_enum, default_value = "week")]
    pub unit: UnitArg,
    /// Also fit BG/NBD, Pareto/NBD and MBG/NBD on the same split and rank them by holdout error.
    #[arg(long)]
    pub compare: bool,
    /// Currency of the purchases (default: the one with the most revenue).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print one JSON object on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `tenure predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Fit on purchases up to this day and predict from its end (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Date,
    /// Forecast horizon in weeks.
    #[arg(long, value_name = "WEEKS", default_value_t = 52)]
    pub horizon: u32,
    /// List this many customers.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub top: usize,
    /// Order of the list: most expected purchases first, or lowest probability alive first
    /// (the customers slipping away).
    #[arg(long, value_enum, default_value = "purchases")]
    pub by: PredictOrder,
    /// Currency of the purchases (default: the one with the most revenue).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The order of `tenure predict`'s list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredictOrder {
    /// Most expected purchases first.
    Purchases,
    /// Lowest probability alive first.
    PAlive,
}

/// `tenure clv`.
#[derive(Debug, Args)]
pub struct ClvArgs {
    /// Fit on purchases up to this day and value customers from its end (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Date,
    /// Horizon in months.
    #[arg(long, value_name = "MONTHS", default_value_t = 12)]
    pub months: u32,
    /// Monthly discount rate (0.01 = 1 % a month).
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    pub discount_rate: f64,
    /// Share of revenue kept as margin, in [0, 1].
    #[arg(long, value_name = "SHARE", default_value_t = 1.0)]
    pub margin: f64,
    /// List this many customers, highest CLV first.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub top: usize,
    /// Currency of the purchases (default: the one with the most revenue).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `tenure demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo database file (created if missing; importing again changes nothing).
    #[arg(long, default_value = "tenure-demo.db")]
    pub file: PathBuf,
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The shop export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Tell from the first file's first line (every format but csv).
    Auto,
    /// CDNOW transactions (`CDNOW_master.txt` or the 5-column `CDNOW_sample.txt`).
    Cdnow,
    /// Etsy "Sold Orders" CSV, plus its "Sold Order Items" CSV when given.
    Etsy,
    /// Shopify orders export CSV.
    Shopify,
    /// OpenCart `oc_order` table as CSV.
    Opencart,
    /// WooCommerce REST order list (JSON array).
    Woocommerce,
    /// Any CSV with a column mapping (--map or --mapping).
    Csv,
}

/// `tenure import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Format of the files.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// The files (for Etsy: the sold-orders file and optionally its order-items file).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Source (shop or channel) the orders belong to; default: the format's name.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Import the valid rows and list the invalid ones, instead of importing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Column mapping for --format csv, as FIELD=COLUMN pairs separated by commas, e.g.
    /// `order_id=Order,customer_id=Buyer,date=Date,amount=Total`.
    #[arg(long, value_name = "PAIRS", conflicts_with = "mapping")]
    pub map: Option<String>,
    /// Column mapping for --format csv, from a JSON file with the same fields.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// OpenCart order_status_ids that count as sales (default: OpenCart's 5,3,1,2,12).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub opencart_sale_statuses: Option<Vec<u32>>,
    /// Do not refit the model scores (probability alive, CLV) after the import.
    #[arg(long)]
    pub no_refresh: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Progress display on stderr: a bar when stderr is a terminal (auto), JSON
    /// lines `{"bytes_read":N,"total_bytes":N}` for scripts, or none.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
}

/// How import progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// A bar when stderr is a terminal, nothing otherwise.
    Auto,
    /// JSON lines on stderr.
    Json,
    /// Nothing.
    None,
}

/// `tenure customers …`.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// One page of customers, by id; or every customer of a segment or lifecycle stage.
    List(ListArgs),
    /// One customer: identities, merges and orders.
    Show {
        /// Customer id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Undo an identity merge (ids are on `customers show`): the identity and its orders become
    /// a customer of their own again.
    Unmerge {
        /// Merge id.
        merge_id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure customers list`.
#[derive(Debug, Args)]
#[command(group = ArgGroup::new("selection").args(["segment", "stage"]))]
pub struct ListArgs {
    /// Start after this customer id.
    #[arg(long, value_name = "ID", conflicts_with_all = ["segment", "stage"])]
    pub after: Option<i64>,
    /// Page size (default 50; with --segment or --stage, every customer unless given).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Only the customers of this RFM segment (e.g. Champions, "At risk"), biggest spenders first.
    #[arg(long, value_name = "NAME", conflicts_with = "stage")]
    pub segment: Option<String>,
    /// Only the customers in this lifecycle stage (new, active, at_risk, reactivated, churned, prospect).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// Segment or stage as of this day (YYYY-MM-DD; default: the day of the latest purchase).
    #[arg(long, value_name = "DATE", requires = "selection")]
    pub as_of: Option<Date>,
    /// Activity window W in days, for stages.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub window: u32,
    /// Currency of the purchases to segment (default: the one with the most revenue).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Layout of a generated shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// `customer_id date number_of_cds dollar_value`, like CDNOW_master.txt.
    Cdnow,
    /// `order_id,customer_id,email,date,amount,currency,status`.
    Csv,
}

/// `tenure generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of customers.
    #[arg(long)]
    pub customers: u64,
    /// Random seed (the same seed gives the same file).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output layout.
    #[arg(long, value_enum, default_value = "cdnow")]
    pub format: GenerateFormat,
    /// First day of the shop.
    #[arg(long, default_value = "2024-01-01")]
    pub start: NaiveDate,
    /// Days over which customers are acquired.
    #[arg(long, default_value_t = 84)]
    pub acquisition_days: u32,
    /// Weeks of purchases observed from the start.
    #[arg(long, default_value_t = 78)]
    pub weeks: u32,
    /// BG/NBD purchase timing `r,alpha,a,b` (per week; default CDNOW's 0.243,4.414,0.793,2.426).
    /// A larger r/alpha buys more often, a larger b/a stays longer.
    #[arg(long, value_name = "R,ALPHA,A,B", allow_hyphen_values = true)]
    pub purchase_model: Option<String>,
    /// Gamma-Gamma spend `p,q,gamma` in dollars (default CDNOW's 6.25,3.74,15.44).
    #[arg(long, value_name = "P,Q,GAMMA", allow_hyphen_values = true)]
    pub spend_model: Option<String>,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
    /// Output file.
    pub out: PathBuf,
}

/// `tenure report …`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Currency of the purchases to report on (default: the one with the most revenue).
    #[arg(long, global = true, value_name = "CODE")]
    pub currency: Option<String>,
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
    Segments(SegmentArgs),
    /// A printable Markdown summary for investors: retention and churn trend, cohorts, repeat
    /// rate, revenue per cohort.
    Investor(InvestorArgs),
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
