//! Arguments of the customer-file commands: `import`, `customers`, `generate`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use tenure_app::reports::Date;

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
    /// Time zone of times the files write without one (an IANA name): OpenCart's date_added is
    /// the shop server's clock, a CSV's date-times may lack an offset. Remembered for the source:
    /// later imports (and dashboard uploads) of it use it unless another is named; UTC until one
    /// is. Times with an offset (Shopify) or named GMT (WooCommerce), and dates without a time,
    /// do not depend on it.
    #[arg(long, value_name = "TZ")]
    pub source_time_zone: Option<String>,
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
    /// Everything held about one customer — identities, orders, scores, survey answers,
    /// interactions, loyalty ledger, messages — as one JSON document (docs/privacy.md).
    Export {
        /// Customer id.
        id: i64,
        /// Write the document to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Erase a customer's personal data everywhere (names, e-mails, free text, the shops' ids
    /// for them); the dates and amounts of their orders stay for reports. Cannot be undone;
    /// running it again changes nothing.
    Erase {
        /// Customer id.
        id: i64,
        /// Confirm: without it nothing is erased.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The retention: customers inactive (no order, no contact) for N years are erased by the
    /// nightly job. Shows the setting without options.
    Retention {
        /// Keep customers this many years after they were last active.
        #[arg(long, value_name = "N", conflicts_with = "off")]
        years: Option<u32>,
        /// No retention: nobody is erased for being inactive.
        #[arg(long)]
        off: bool,
        /// Erase the inactive customers now instead of waiting for the night.
        #[arg(long)]
        now: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Entries of the audit log, newest first, by filters.
    List {
        /// Only this action, or the actions under it (`customers` finds `customers.erase`).
        #[arg(long)]
        action: Option<String>,
        /// Only this actor: a user's e-mail, `token:NAME`, `cli` or `system`.
        #[arg(long)]
        actor: Option<String>,
        /// Only this target, e.g. `customer:42`.
        #[arg(long)]
        target: Option<String>,
        /// From this day (YYYY-MM-DD, UTC) on.
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
        /// At most this many (default 100, at most 1,000).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The actions the log records.
    Actions,
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
    /// Your own segment table (see `tenure report --help`).
    #[arg(long, value_name = "FILE", env = "TENURE_SEGMENT_RULES")]
    pub segment_rules: Option<PathBuf>,
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
