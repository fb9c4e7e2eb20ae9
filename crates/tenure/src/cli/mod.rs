//! The command line: every command, flag and its help text. This file holds the top level; the
//! arguments of each family of commands are in the files beside it.

mod access;
mod calendar;
mod data;
mod delivery;
mod loyalty;
mod model;
mod report;
mod source;
mod survey;

use std::path::PathBuf;

pub use access::*;
pub use calendar::*;
use clap::{Args, Parser, Subcommand};
pub use data::*;
pub use delivery::*;
pub use loyalty::*;
pub use model::*;
pub use report::*;
pub use source::*;
pub use survey::*;

/// Tenure keeps your customer file — customers, orders, identities across shops — and tells you
/// who you keep, who you are losing and why.
#[derive(Debug, Parser)]
#[command(name = "tenure", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database: `sqlite:PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "TENURE_DATABASE_URL", default_value = "sqlite:tenure.db")]
    pub db: String,

    /// Settings file (TOML: database_url, timezone, public_url; `[serve]`: bind, connections,
    /// secure_cookies, log, refit_minutes, trusted_proxies, hsts_max_age, header_read_timeout,
    /// request_timeout, max_requests, max_connections; `[smtp]`: url, mail_from; `[outbox]`: max_attempts,
    /// retry_base_seconds, retry_max_seconds, frequency_cap_days, webhook_timeout_seconds); default `tenure.toml` in the working directory when
    /// there is one. The environment and flags override it.
    #[arg(long, global = true, env = "TENURE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The shop's time zone (an IANA name such as Europe/Berlin): reports count calendar days in it.
    #[arg(long, global = true, env = "TENURE_TIMEZONE", default_value = "UTC", value_name = "TZ")]
    pub timezone: String,

    /// How messages are delivered.
    #[command(flatten)]
    pub delivery: DeliveryArgs,

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
    /// Retention, churn, cohorts, lifecycle stages and RFM segments, in the shop's time zone.
    Report(ReportArgs),
    /// Fit the buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, Gamma-Gamma) on a
    /// summary file or the store, and check a forecast against a holdout period.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Who is likely to buy again: probability alive and expected purchases per customer (BG/NBD).
    Predict(PredictArgs),
    /// Serve the REST API (and, later, the dashboard) over HTTP.
    Serve(ServeArgs),
    /// API tokens for integrations: create (shown once), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Dashboard users: add, list, remove, set-password.
    #[command(subcommand)]
    User(UserCommand),
    /// Customer lifetime value: discounted expected margin per customer (BG/NBD + Gamma-Gamma).
    Clv(ClvArgs),
    /// Sources that accept signed webhooks (Shopify, WooCommerce, Standard Webhooks): add, list, remove.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Messages out: list, show, retry and purge e-mails and webhooks; the suppression list.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Send Tenure's events to other systems: subscriptions signed per Standard Webhooks.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// E-mail: a test message to check the transport, or a message to a customer.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Deliver the outbox (what `serve` also does): until stopped, or with --drain until nothing is due.
    Worker(WorkerArgs),
    /// Durable jobs (the model refit, the survey dispatch, and later rules): what is scheduled, what ran.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Surveys: make them from templates, send them after purchases, analyse and export the answers.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Interactions with customers: log calls, e-mails, chats; import a call log; response times.
    #[command(subcommand)]
    Interactions(InteractionsCommand),
    /// Follow-ups: planned contacts with an owner, a due time and a reminder e-mail.
    #[command(subcommand)]
    Followups(FollowupsCommand),
    /// The communication calendar: views, the staff's iCalendar feeds, who has gone quiet, cadence rules.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The loyalty programme: rules, points, rewards and coupons, the nightly job, the liability.
    #[command(subcommand)]
    Loyalty(LoyaltyCommand),
    /// Referrals: who brought whom, rewards paid, held for review or refused.
    #[command(subcommand)]
    Referrals(ReferralsCommand),
    /// Copy the database (SQLite) to a new file while the server keeps running; the copy is
    /// checked with SQLite's integrity check. PostgreSQL: pg_dump (docs/backups.md).
    Backup(BackupArgs),
    /// Replace the database (SQLite) with a backup, checked before and after. Stop the server
    /// first.
    Restore(RestoreArgs),
    /// The audit log: sign-ins, user and token changes, imports, exports, customers viewed,
    /// merges, erasures, settings.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `tenure demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo database file (created if missing; importing again changes nothing).
    #[arg(long, default_value = "tenure-demo.db")]
    pub file: PathBuf,
    /// Address the dashboard listens on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Import and summarise only; do not serve the dashboard.
    #[arg(long)]
    pub no_serve: bool,
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print one JSON object on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `tenure serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address taken is printed).
    #[arg(long, env = "TENURE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Database connections kept open for requests.
    #[arg(long, env = "TENURE_CONNECTIONS", default_value_t = 4)]
    pub connections: usize,
    /// Mark cookies `Secure` (set this when a TLS proxy sits in front of Tenure).
    #[arg(long, env = "TENURE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// What goes to standard error, as JSON lines: off, error, or info (also one line per request).
    #[arg(long, env = "TENURE_LOG", default_value = "info")]
    pub log: String,
    /// Refit the models this often (minutes) when orders arrived since the last fit (API,
    /// webhooks); 0: only after imports.
    #[arg(long, env = "TENURE_REFIT_MINUTES", default_value_t = 10)]
    pub refit_minutes: u64,
    /// Survey pages a client address may post each minute (0: no limit — a load test from one
    /// machine; each link keeps its own limit).
    #[arg(long, env = "TENURE_SURVEY_POSTS_PER_MINUTE", default_value_t = tenure_web::SURVEY_POSTS_PER_ADDRESS)]
    pub survey_posts_per_minute: u32,
    /// The shop's own address (`https://shop.example`): the referral link's landing page
    /// (`/r/CODE`) has a button to it. Without it the page shows the code alone.
    #[arg(long, env = "TENURE_SHOP_URL", value_name = "URL")]
    pub shop_url: Option<String>,
    /// Trusted proxies, timeouts and limits.
    #[command(flatten)]
    pub protection: ProtectionArgs,
}

/// What `tenure serve` takes from its clients at most, and whom it believes about their address.
#[derive(Debug, Clone, Args)]
pub struct ProtectionArgs {
    /// A proxy in front of Tenure (an address or a CIDR range; repeat the flag for several, or
    /// separate them with commas): the client of a request from it is the right-most address of
    /// its X-Forwarded-For that is not a trusted proxy. Without it, every client behind a proxy
    /// shares the proxy's address, and with it the rate limits.
    #[arg(
        long = "trusted-proxy",
        env = "TENURE_TRUSTED_PROXIES",
        value_name = "CIDR_OR_IP",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Strict-Transport-Security's max-age, sent with --secure-cookies only (0: never).
    #[arg(long, env = "TENURE_HSTS_MAX_AGE", value_name = "SECONDS", default_value_t = tenure_web::HSTS_MAX_AGE_SECONDS)]
    pub hsts_max_age: u64,
    /// Time a client has to send a request's headers; an idle keep-alive connection is closed,
    /// and a body that stalls is cut off, after as long.
    #[arg(long, env = "TENURE_HEADER_READ_TIMEOUT", value_name = "SECONDS",
          default_value_t = tenure_web::ServerLimits::HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Time a request may take before it is answered 503 (uploads to /import: 30 minutes).
    #[arg(long, env = "TENURE_REQUEST_TIMEOUT", value_name = "SECONDS",
          default_value_t = tenure_web::ServerLimits::REQUEST_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Requests handled at once; past it the server answers 503 at once.
    #[arg(long, env = "TENURE_MAX_REQUESTS", default_value_t = tenure_web::ServerLimits::MAX_REQUESTS)]
    pub max_requests: usize,
    /// Connections open at once; past it new ones wait to be accepted.
    #[arg(long, env = "TENURE_MAX_CONNECTIONS", default_value_t = tenure_web::ServerLimits::MAX_CONNECTIONS)]
    pub max_connections: usize,
}

impl Default for ProtectionArgs {
    /// The flags' defaults (the demo serves with them).
    fn default() -> Self {
        let limits = tenure_web::ServerLimits::default();
        ProtectionArgs {
            trusted_proxies: Vec::new(),
            hsts_max_age: tenure_web::HSTS_MAX_AGE_SECONDS,
            header_read_timeout: limits.header_read_timeout.as_secs(),
            request_timeout: limits.request_timeout.as_secs(),
            max_requests: limits.max_requests,
            max_connections: limits.max_connections,
        }
    }
}

/// `tenure backup FILE`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    pub file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure restore FILE --yes`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub file: PathBuf,
    /// Confirm: the database's current content is replaced.
    #[arg(long)]
    pub yes: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
