//! Arguments of messages out: `tenure outbox`, `tenure webhook`, `tenure mail`, `tenure worker`,
//! and the delivery settings every command that delivers shares.

use clap::{Args, Subcommand};

/// How messages are delivered (global: `serve`, `worker` and `mail` use them). The config file's
/// `public_url`, `[smtp]` and `[outbox]` set their defaults.
#[derive(Debug, Clone, Args)]
pub struct DeliveryArgs {
    /// Where e-mail goes: smtp://host:port (plain, local relays only), smtp://user:pass@host:587?tls=required
    /// (STARTTLS), smtps://user:pass@host (implicit TLS), file:DIR (.eml files) or log: (standard error).
    #[arg(long, global = true, env = "TENURE_SMTP_URL", hide_env_values = true, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mails, as `Shop Name <shop@example.com>`.
    #[arg(long, global = true, env = "TENURE_MAIL_FROM", value_name = "MAILBOX")]
    pub mail_from: Option<String>,
    /// The server's address as customers reach it (links in e-mails: unsubscribe, surveys).
    #[arg(
        long,
        global = true,
        env = "TENURE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub public_url: String,
    /// Attempts before a message is given up (dead).
    #[arg(long, global = true, env = "TENURE_OUTBOX_MAX_ATTEMPTS", default_value_t = 10, value_name = "N")]
    pub max_attempts: u32,
    /// Seconds to wait after a first failed attempt; doubled per attempt, with jitter.
    #[arg(
        long,
        global = true,
        env = "TENURE_OUTBOX_RETRY_BASE_SECONDS",
        default_value_t = 30,
        value_name = "S"
    )]
    pub retry_base_seconds: u64,
    /// The longest wait between attempts, in seconds.
    #[arg(
        long,
        global = true,
        env = "TENURE_OUTBOX_RETRY_MAX_SECONDS",
        default_value_t = 21600,
        value_name = "S"
    )]
    pub retry_max_seconds: u64,
    /// At most one survey or marketing message per customer in this many days (0: no cap).
    #[arg(long, global = true, env = "TENURE_FREQUENCY_CAP_DAYS", default_value_t = 7, value_name = "DAYS")]
    pub frequency_cap_days: i64,
    /// Seconds one outgoing webhook may take.
    #[arg(
        long,
        global = true,
        env = "TENURE_WEBHOOK_TIMEOUT_SECONDS",
        default_value_t = 10,
        value_name = "S"
    )]
    pub webhook_timeout_seconds: u64,
}

/// `tenure outbox …`.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Messages, newest first: kind, purpose, recipient, state, attempts, last error or why skipped.
    List {
        /// Only this state: pending, sent, dead or skipped.
        #[arg(long)]
        state: Option<String>,
        /// Only this kind: email or webhook.
        #[arg(long)]
        kind: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Only messages with lower ids (the next page).
        #[arg(long, value_name = "ID")]
        before: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One message, with its last error.
    Show {
        /// Its id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put a dead or skipped message back in the queue (policy is checked again when it goes).
    Retry {
        /// Its id.
        id: i64,
    },
    /// Delete dead messages.
    PurgeDead {
        /// Only those dead for longer than this many days.
        #[arg(long, default_value_t = 0)]
        older_than_days: u64,
    },
    /// Counts by kind and state, and the oldest due message.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop messages to an address: unsubscribed or complained (surveys and marketing), hard_bounced
    /// or erased (everything).
    Suppress {
        /// The address.
        email: String,
        /// Why.
        #[arg(long, default_value = "unsubscribed")]
        reason: String,
    },
    /// The suppression list.
    Suppressions {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure webhook …`: Tenure's events sent to other systems, signed per Standard Webhooks.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Subscribe a URL to events; prints the `whsec_…` signing secret once.
    Add {
        /// Where deliveries go (http:// or https://).
        url: String,
        /// The events, comma-separated: order.created, order.updated, webhook.test, or *.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// Allow a private, loopback or link-local address (a service on your own network).
        #[arg(long)]
        allow_private: bool,
        /// Send Slack's `{"text": …}` body instead of the event JSON (for alerts to a channel).
        #[arg(long)]
        slack: bool,
        /// Print `{"id", "secret"}`.
        #[arg(long)]
        json: bool,
    },
    /// Live subscriptions (never their secrets).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// End a subscription; its pending deliveries are skipped.
    Remove {
        /// Its id.
        id: i64,
    },
    /// Send a `webhook.test` event to one subscription.
    Test {
        /// Its id.
        id: i64,
    },
    /// Give a subscription a new secret (printed once); the old one keeps signing beside it for a while.
    Rotate {
        /// Its id.
        id: i64,
        /// Hours the old secret still signs.
        #[arg(long, default_value_t = 24)]
        keep_old_hours: i64,
        /// Print `{"id", "secret"}`.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure mail …`.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Enqueue a test message to an address (transactional: no consent needed).
    Test {
        /// Where to.
        address: String,
        /// Deliver it now and return when it is sent or dead (exit status 1 when dead).
        #[arg(long)]
        wait: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Enqueue a message to a customer; survey and marketing messages carry an unsubscribe link
    /// and go out only with consent, unsuppressed and within the frequency cap.
    Send {
        /// The customer's id.
        customer: i64,
        /// The subject line.
        #[arg(long)]
        subject: String,
        /// The text; blank lines separate paragraphs.
        #[arg(long)]
        body: String,
        /// transactional, survey or marketing.
        #[arg(long, default_value = "marketing")]
        purpose: String,
        /// The customer's language (en, de): the fixed words of the message.
        #[arg(long)]
        language: Option<String>,
        /// Who signs it.
        #[arg(long, default_value = "Your shop")]
        signature: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Deliver until nothing is due and no failed message waits for another attempt, then exit.
    #[arg(long)]
    pub drain: bool,
}

/// `tenure jobs …`: delayed and recurring work, and the log of its runs.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Every job: kind, when it runs next, how it recurs, its last error.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The latest runs, newest first: when, how each ended, what it said.
    Runs {
        /// Only this job's runs.
        #[arg(long, value_name = "ID")]
        job: Option<i64>,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
