//! Arguments of `tenure survey …`: make, send, analyse and export surveys.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `tenure survey …`.
#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// The ready-made questionnaires `create --template` takes.
    Templates {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a survey from a template or a definition file (see docs/surveys.md).
    Create(SurveyCreateArgs),
    /// Every survey: version, state, invitations sent, responses.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One survey: its settings, trigger, links and questions.
    Show {
        /// The survey's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace a survey's questions: a new version (responses keep the version they answered).
    Edit {
        /// The survey's name.
        name: String,
        /// The new definition (JSON).
        #[arg(long, value_name = "FILE")]
        definition: PathBuf,
    },
    /// Change how a survey is sent: interval, link lifetime, reminders, embedding.
    Configure(SurveyConfigureArgs),
    /// Invite customers after each purchase (placed from now on), or stop with --off.
    Trigger(SurveyTriggerArgs),
    /// Invite customers after a conversation: each logged on these channels, or each inbound
    /// query closed (`--on closed`); stop with --off.
    AfterInteraction(SurveyAfterInteractionArgs),
    /// Invite chosen customers now (through the outbox: consent, suppression and caps apply).
    Send(SurveySendArgs),
    /// Turn due invitations and reminders into e-mails now (what the server's job does every minute).
    Dispatch {
        /// Act as if it were this time (RFC 3339), e.g. to check a delay; default: now.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop taking answers (or open again with --reopen).
    Close {
        /// The survey's name.
        name: String,
        /// Open it again instead.
        #[arg(long)]
        reopen: bool,
    },
    /// Alert rules: act on low scores, detractors and negative comments (e-mail, webhook, a case).
    #[command(subcommand)]
    Alert(SurveyAlertCommand),
    /// Follow-up cases opened by alert rules, open ones first by due date.
    Cases {
        /// Closed cases too.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close a follow-up case: was the customer recovered?
    CloseCase {
        /// The case's id.
        id: i64,
        /// recovered or not_recovered.
        #[arg(long)]
        outcome: String,
        /// What was done.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The weekly digest e-mail (Mondays 08:00 in the shop's time zone): who gets it.
    Digest {
        /// A recipient (repeat for several); none with --off.
        #[arg(long = "to", value_name = "ADDRESS", required_unless_present_any = ["off", "show"])]
        to: Vec<String>,
        /// Stop sending it.
        #[arg(long, conflicts_with = "to")]
        off: bool,
        /// Print this week's digest now (and queue it to --to, when given, with --send-now).
        #[arg(long)]
        show: bool,
        /// Queue this week's digest now as well.
        #[arg(long)]
        send_now: bool,
    },
    /// Testimonials customers wrote (questions marked `testimonial`), newest first.
    Testimonials {
        /// Decided ones too.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a testimonial: it may be shown (as its writer allowed) and counts towards influence.
    Approve {
        /// The testimonial's id.
        id: i64,
        /// Reject it instead.
        #[arg(long)]
        reject: bool,
        /// Who decides (recorded with it).
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// What respondents did afterwards: repurchase within 30/90/180 days per NPS and CSAT band,
    /// probability alive and CLV, revenue-weighted NPS, revenue at risk.
    Behaviour {
        /// The survey's name.
        name: String,
        /// The day to look from (YYYY-MM-DD); default: the latest purchase or answer.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Analyse a stored survey, or any definition and responses file pair.
    Analyze(SurveyAnalyzeArgs),
    /// Export a survey's definition (JSON) or its responses (CSV; docs/surveys.md).
    Export(SurveyExportArgs),
}

/// `tenure survey create`.
#[derive(Debug, Args)]
pub struct SurveyCreateArgs {
    /// Its name (lowercase letters, digits, `-`, `_`).
    pub name: String,
    /// A ready-made questionnaire (`tenure survey templates`).
    #[arg(long, conflicts_with = "definition")]
    pub template: Option<String>,
    /// A definition file (JSON).
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
    /// Distribution settings.
    #[command(flatten)]
    pub settings: SurveySettingsArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// How a survey is sent.
#[derive(Debug, Clone, Args)]
pub struct SurveySettingsArgs {
    /// Invite a customer to this survey at most once in this many days.
    #[arg(long, default_value_t = 90, value_name = "DAYS")]
    pub interval_days: i64,
    /// An invitation's link works for this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub link_days: i64,
    /// Reminders to customers who have not answered.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub reminders: i64,
    /// Days between the invitation and each reminder.
    #[arg(long, default_value_t = 3, value_name = "DAYS")]
    pub reminder_gap_days: i64,
    /// A form sent back faster than this is taken for a bot's.
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    pub min_fill_seconds: i64,
    /// Origins that may embed the survey in a frame (repeat for several), e.g. `https://shop.example`.
    #[arg(long = "frame-ancestor", value_name = "ORIGIN")]
    pub frame_ancestors: Vec<String>,
}

/// `tenure survey configure`.
#[derive(Debug, Args)]
pub struct SurveyConfigureArgs {
    /// The survey's name.
    pub name: String,
    /// The new settings (each defaults as in `create`).
    #[command(flatten)]
    pub settings: SurveySettingsArgs,
}

/// `tenure survey trigger`.
#[derive(Debug, Args)]
pub struct SurveyTriggerArgs {
    /// The survey's name.
    pub name: String,
    /// Days after the purchase.
    #[arg(long, value_name = "DAYS", required_unless_present = "off")]
    pub after_purchase_days: Option<i64>,
    /// Only purchases from this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Only purchases with an item of this name or SKU.
    #[arg(long)]
    pub product: Option<String>,
    /// Stop inviting after purchases.
    #[arg(long, conflicts_with = "after_purchase_days")]
    pub off: bool,
}

/// `tenure survey after-interaction`.
#[derive(Debug, Args)]
pub struct SurveyAfterInteractionArgs {
    /// The survey's name.
    pub name: String,
    /// The channels (email, phone, chat, whatsapp, social, in_person, ticket), separated by commas.
    #[arg(long, value_delimiter = ',', required_unless_present = "off")]
    pub channels: Vec<String>,
    /// `logged`: after every interaction logged on them; `closed`: when an inbound query is closed.
    #[arg(long, default_value = "logged")]
    pub on: String,
    /// Stop inviting after conversations.
    #[arg(long, conflicts_with = "channels")]
    pub off: bool,
}

/// `tenure survey send`.
#[derive(Debug, Args)]
pub struct SurveySendArgs {
    /// The survey's name.
    pub name: String,
    /// Customer ids (repeat, or separate with commas).
    #[arg(long = "customer", value_delimiter = ',', value_name = "ID", required_unless_present_any = ["segment", "stage"])]
    pub customers: Vec<i64>,
    /// Every customer of this RFM segment today (`tenure report segments` names them).
    #[arg(long, conflicts_with_all = ["customers", "stage"])]
    pub segment: Option<String>,
    /// Every customer in this lifecycle stage today (`tenure report lifecycle`).
    #[arg(long, conflicts_with_all = ["customers", "segment"])]
    pub stage: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure survey analyze`.
#[derive(Debug, Args)]
pub struct SurveyAnalyzeArgs {
    /// A stored survey's name (or give --definition and --responses).
    #[arg(required_unless_present_all = ["definition", "responses"], conflicts_with_all = ["definition", "responses"])]
    pub name: Option<String>,
    /// A definition file (JSON), as `export --definition` writes.
    #[arg(long, value_name = "FILE", requires = "responses")]
    pub definition: Option<PathBuf>,
    /// A responses file (CSV), as `export --responses` writes.
    #[arg(long, value_name = "FILE", requires = "definition")]
    pub responses: Option<PathBuf>,
    /// Warn about questions answered fewer times than this.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub min_sample: usize,
    /// Only responses given on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Only responses given on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// Only customers of this source.
    #[arg(long, conflicts_with = "definition")]
    pub source: Option<String>,
    /// Only customers who bought this product (item name or SKU).
    #[arg(long, conflicts_with = "definition")]
    pub product: Option<String>,
    /// Only customers in this RFM segment on the latest purchase day.
    #[arg(long, conflicts_with = "definition")]
    pub segment: Option<String>,
    /// Print JSON (the analysis contract of docs/surveys.md).
    #[arg(long)]
    pub json: bool,
}

/// `tenure survey export`.
#[derive(Debug, Args)]
pub struct SurveyExportArgs {
    /// The survey's name.
    pub name: String,
    /// Export the definition (JSON) of the current version.
    #[arg(long, conflicts_with = "responses", required_unless_present = "responses")]
    pub definition: bool,
    /// Export the submitted responses (CSV).
    #[arg(long)]
    pub responses: bool,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `tenure survey alert …`.
#[derive(Debug, Subcommand)]
pub enum SurveyAlertCommand {
    /// Add a rule to a survey.
    Add(SurveyAlertArgs),
    /// A survey's rules.
    List {
        /// The survey's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// End a rule (its cases stay).
    Remove {
        /// The rule's id.
        id: i64,
    },
}

/// `tenure survey alert add`.
#[derive(Debug, Args)]
pub struct SurveyAlertArgs {
    /// The survey's name.
    pub name: String,
    /// score_at_most, detractor, negative_comment or promoter.
    #[arg(long)]
    pub kind: String,
    /// The question to watch (default: every question of the kind).
    #[arg(long)]
    pub question: Option<String>,
    /// score_at_most: the highest score that alerts (2 for a CSAT of 1–2).
    #[arg(long)]
    pub threshold: Option<i64>,
    /// E-mail this team address.
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// Send a `survey.alert` event to webhook subscriptions (`tenure webhook add … --events survey.alert`).
    #[arg(long)]
    pub webhook: bool,
    /// Open a follow-up case.
    #[arg(long)]
    pub case: bool,
    /// Who owns the cases.
    #[arg(long)]
    pub owner: Option<String>,
    /// Days until a case falls due.
    #[arg(long, default_value_t = 2)]
    pub due_days: i64,
    /// promoter: invite the customer to this survey (e.g. one from the testimonial template).
    #[arg(long, value_name = "SURVEY")]
    pub invite: Option<String>,
}
