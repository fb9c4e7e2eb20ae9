//! Arguments of `tenure model`, `predict` and `clv`.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use tenure_app::reports::Date;

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
