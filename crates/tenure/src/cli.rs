//! The command line: every command, flag and its help text.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Tenure keeps your customer file — customers, orders, identities across shops — and tells you
/// who you keep, who you are losing and why.
#[derive(Debug, Parser)]
#[command(name = "tenure", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database: `sqlite:PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "TENURE_DATABASE_URL", default_value = "sqlite:tenure.db")]
    pub db: String,

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
    /// One page of customers, by id.
    List {
        /// Start after this customer id.
        #[arg(long, value_name = "ID")]
        after: Option<i64>,
        /// Page size.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
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
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
    /// Output file.
    pub out: PathBuf,
}
