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
}
