//! Arguments of `tenure interactions …`, `tenure followups …` and `tenure calendar …`: the
//! communication calendar.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ProgressArg;

/// `tenure interactions …`.
#[derive(Debug, Subcommand)]
pub enum InteractionsCommand {
    /// Log a call, e-mail, chat… with a customer (idempotent with --key).
    Log(InteractionLogArgs),
    /// Interactions, newest first.
    List(InteractionListArgs),
    /// Import the interactions CSV (docs/interactions-csv.md): every row or none; again, nothing new.
    Import(InteractionImportArgs),
    /// Correct an interaction: its time, channel, texts, or a query's state.
    Update(InteractionUpdateArgs),
    /// Delete an interaction (the customer's last-contact dates move back).
    Delete {
        /// The interaction's id.
        id: i64,
    },
    /// Time to first response and to close of inbound queries, per staff member and channel.
    ResponseTimes {
        /// Queries from this day or time (default: 30 days ago).
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// Queries before this day or time (default: now).
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure interactions log`.
#[derive(Debug, Args)]
pub struct InteractionLogArgs {
    /// The customer's id (or use --email).
    #[arg(long, value_name = "ID", conflicts_with = "email")]
    pub customer: Option<i64>,
    /// The customer's e-mail.
    #[arg(long)]
    pub email: Option<String>,
    /// email, phone, chat, whatsapp, social, in_person or ticket.
    #[arg(long)]
    pub channel: String,
    /// inbound (the customer reached out) or outbound (we did).
    #[arg(long)]
    pub direction: String,
    /// When it happened: RFC 3339, `YYYY-MM-DD HH:MM` in the shop's time zone, or a day (default: now).
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    /// How long, in minutes.
    #[arg(long, value_name = "MINUTES")]
    pub duration: Option<f64>,
    /// What it was about.
    #[arg(long, default_value = "")]
    pub subject: String,
    /// Notes.
    #[arg(long, default_value = "")]
    pub notes: String,
    /// What came of it.
    #[arg(long, default_value = "")]
    pub outcome: String,
    /// The staff member's e-mail.
    #[arg(long)]
    pub staff: Option<String>,
    /// An inbound query's state: open (default), answered or closed.
    #[arg(long)]
    pub state: Option<String>,
    /// The inbound query this outbound contact answers.
    #[arg(long, value_name = "ID")]
    pub reply_to: Option<i64>,
    /// A key of your own: logging the same key again changes nothing.
    #[arg(long)]
    pub key: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure interactions list`.
#[derive(Debug, Args)]
pub struct InteractionListArgs {
    /// One customer's.
    #[arg(long, value_name = "ID")]
    pub customer: Option<i64>,
    /// From this day or time.
    #[arg(long, value_name = "WHEN")]
    pub from: Option<String>,
    /// Before this day or time.
    #[arg(long, value_name = "WHEN")]
    pub to: Option<String>,
    /// Handled by this staff member.
    #[arg(long)]
    pub staff: Option<String>,
    /// Inbound queries in this state (open, answered, closed).
    #[arg(long)]
    pub state: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure interactions import`.
#[derive(Debug, Args)]
pub struct InteractionImportArgs {
    /// The interactions CSV.
    pub file: PathBuf,
    /// The zone of date-times written without one (default: the shop's time zone).
    #[arg(long, value_name = "TZ")]
    pub source_time_zone: Option<String>,
    /// Progress on stderr: auto (a bar on a terminal), json, none.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure interactions update`.
#[derive(Debug, Args)]
pub struct InteractionUpdateArgs {
    /// The interaction's id.
    pub id: i64,
    /// When it happened.
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    /// Its channel.
    #[arg(long)]
    pub channel: Option<String>,
    /// Its subject.
    #[arg(long)]
    pub subject: Option<String>,
    /// Its notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// Its outcome.
    #[arg(long)]
    pub outcome: Option<String>,
    /// An inbound query's state: open, answered or closed.
    #[arg(long)]
    pub state: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure followups …`.
#[derive(Debug, Subcommand)]
pub enum FollowupsCommand {
    /// Plan a follow-up: a task with an owner and a due time, reminded by e-mail before.
    Add(FollowupAddArgs),
    /// Follow-ups by due time (open ones unless --status says otherwise).
    List {
        /// One owner's (e-mail).
        #[arg(long)]
        owner: Option<String>,
        /// About one customer.
        #[arg(long, value_name = "ID")]
        customer: Option<i64>,
        /// open, done, cancelled, or all.
        #[arg(long, default_value = "open")]
        status: String,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change an open follow-up (calendars see a new SEQUENCE).
    Update(FollowupUpdateArgs),
    /// Mark a follow-up done, with what came of it.
    Done {
        /// The follow-up's id.
        id: i64,
        /// What came of it.
        #[arg(long, default_value = "")]
        outcome: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a follow-up (calendars show it cancelled).
    Cancel {
        /// The follow-up's id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open the follow-up of a survey case (one per case).
    FromCase {
        /// The case's id.
        case: i64,
        /// The owner (default: the case's).
        #[arg(long)]
        owner: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Queue the reminder e-mails that are due (what the server's job does every minute).
    Remind {
        /// Act as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure followups add`.
#[derive(Debug, Args)]
pub struct FollowupAddArgs {
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    pub customer: Option<i64>,
    /// The owner's e-mail (a dashboard user).
    #[arg(long)]
    pub owner: String,
    /// When: RFC 3339, or `YYYY-MM-DD HH:MM` in the shop's time zone.
    #[arg(long, value_name = "DATETIME")]
    pub due: String,
    /// What to do.
    #[arg(long)]
    pub title: String,
    /// Notes.
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Planned length, minutes.
    #[arg(long, default_value_t = 15)]
    pub duration: u32,
    /// The reminder e-mail goes this many minutes before (0: none).
    #[arg(long, default_value_t = 60)]
    pub remind: u32,
    /// Print JSON (`{"id": …}` and the rest).
    #[arg(long)]
    pub json: bool,
}

/// `tenure followups update`.
#[derive(Debug, Args)]
pub struct FollowupUpdateArgs {
    /// The follow-up's id.
    pub id: i64,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// New notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// A new due time.
    #[arg(long, value_name = "DATETIME")]
    pub due: Option<String>,
    /// A new length, minutes.
    #[arg(long)]
    pub duration: Option<u32>,
    /// A new owner (e-mail).
    #[arg(long)]
    pub owner: Option<String>,
    /// A new reminder lead time, minutes.
    #[arg(long)]
    pub remind: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// The path of a user's iCalendar feed (secret: whoever has it sees their follow-ups).
    FeedUrl {
        /// The user's e-mail.
        email: String,
        /// Revoke the old URL and make a new one.
        #[arg(long)]
        revoke: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A day, week or month of interactions and follow-ups.
    Show {
        /// day, week or month.
        #[arg(long, default_value = "week")]
        view: String,
        /// A day in it (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// One user's (default: the team's).
        #[arg(long)]
        owner: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Customers who have gone quiet, by value at risk.
    Quiet {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Act as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record alerts for silences not alerted before, e-mail the owners (the server's hourly job).
    Check {
        /// Act as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cadence rules: how long customers may go without an interaction.
    #[command(subcommand)]
    Rule(CadenceRuleCommand),
    /// A customer's own cadence: keep in touch every N days, snooze alerts, the responsible user.
    Customer(CadenceCustomerArgs),
    /// The latest silence alerts.
    Alerts {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Business hours for response times, e.g. "mon-fri 09:00-17:00; sat 10:00-14:00; Europe/Berlin".
    Hours {
        /// The hours (none: show them).
        hours: Option<String>,
        /// Remove them (response times in elapsed time).
        #[arg(long, conflicts_with = "hours")]
        clear: bool,
    },
}

/// `tenure calendar rule …`.
#[derive(Debug, Subcommand)]
pub enum CadenceRuleCommand {
    /// Alert when a customer in AUDIENCE has had no interaction for DAYS days.
    Add {
        /// all, segment:NAME, stage:NAME or clv:MIN..MAX.
        #[arg(long)]
        audience: String,
        /// Days without an interaction.
        #[arg(long)]
        days: u32,
        /// Who is alerted when the customer has no owner (a user's e-mail).
        #[arg(long)]
        owner: Option<String>,
        /// Also open a follow-up for the owner with each alert.
        #[arg(long)]
        follow_up: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The rules.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule.
    Remove {
        /// The rule's id.
        id: i64,
    },
}

/// `tenure calendar customer`.
#[derive(Debug, Args)]
pub struct CadenceCustomerArgs {
    /// The customer's id.
    pub customer: i64,
    /// Keep in touch at least every N days (0: stop).
    #[arg(long, value_name = "DAYS")]
    pub keep_in_touch: Option<u32>,
    /// Snooze silence alerts until this day or time (`none`: wake).
    #[arg(long, value_name = "WHEN")]
    pub snooze_until: Option<String>,
    /// The responsible user (`none`: nobody).
    #[arg(long)]
    pub owner: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
