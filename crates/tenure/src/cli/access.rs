//! Arguments of `tenure token`.

use clap::Subcommand;

/// `tenure token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; the secret is printed once and cannot be shown again.
    Create {
        /// What it may do: admin, analyst or agent.
        #[arg(long)]
        role: String,
        /// What it is for (shown in `token list`).
        #[arg(long, default_value = "api")]
        name: String,
        /// Print JSON: `{"token", "id", "role", "name"}`.
        #[arg(long)]
        json: bool,
    },
    /// Every token, with its role and when it was last used (never the secret).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token for good.
    Revoke {
        /// Token id (from `token list`).
        id: i64,
    },
    /// Allow or refuse this token downloading lists of customers (CSV exports, customer
    /// export documents); `default` follows its role (admins and analysts may, agents not).
    Export {
        /// Token id.
        id: i64,
        /// allow, deny or default.
        #[arg(value_enum)]
        grant: ExportGrant,
    },
}

/// `tenure user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a dashboard user. Without --password-stdin a strong password is generated and printed
    /// once (passwords are never taken as arguments: those show in `ps` and shell history).
    Add {
        /// Their e-mail: what they sign in with.
        email: String,
        /// What they may do: admin, analyst or agent.
        #[arg(long)]
        role: String,
        /// How the dashboard greets them (default: the e-mail).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON: `{"id", "email", "name", "role", "created_at", "password"?}`.
        #[arg(long)]
        json: bool,
    },
    /// Every user with their role (never a password or hash).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a user; their sessions end at once and their calendar feed goes. A user who owns
    /// follow-ups needs --reassign-to.
    Remove {
        /// Their e-mail.
        email: String,
        /// Give their follow-ups, customers, cadence rules and alerts to this user (without it,
        /// customers, rules and alerts are left without an owner).
        #[arg(long, value_name = "EMAIL")]
        reassign_to: Option<String>,
    },
    /// Set a new password (generated unless --password-stdin); their sessions end at once.
    SetPassword {
        /// Their e-mail.
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Allow or refuse this user downloading lists of customers (CSV exports, customer export
    /// documents); `default` follows their role (admins and analysts may, agents not).
    Export {
        /// The user's e-mail.
        email: String,
        /// allow, deny or default.
        #[arg(value_enum)]
        grant: ExportGrant,
    },
}

/// An export permission as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportGrant {
    /// May export.
    Allow,
    /// May not export.
    Deny,
    /// As the role says.
    Default,
}

impl ExportGrant {
    /// The stored grant (`None`: the role's default).
    pub fn as_option(self) -> Option<bool> {
        match self {
            ExportGrant::Allow => Some(true),
            ExportGrant::Deny => Some(false),
            ExportGrant::Default => None,
        }
    }
}
