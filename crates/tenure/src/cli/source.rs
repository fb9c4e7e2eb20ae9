//! Arguments of `tenure source`.

use clap::Subcommand;

/// `tenure source …`.
#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Let a source accept signed webhooks at /webhooks/NAME (created if new; an imported source
    /// keeps its data and identities).
    Add {
        /// The source's name: 1-64 of a-z, 0-9, `-`, `_`, `.` (as `tenure import --source` names it).
        name: String,
        /// How its webhooks are signed: shopify, woocommerce or standard (Standard Webhooks).
        #[arg(long)]
        kind: String,
        /// The secret the platform signs with: required for shopify and woocommerce; for standard,
        /// `whsec_…`, generated and printed once when omitted. Set TENURE_SOURCE_SECRET instead to
        /// keep it out of the shell history.
        #[arg(long, env = "TENURE_SOURCE_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Print JSON: `{"name", "kind", "secret" (the generated one, else null), "path"}`.
        #[arg(long)]
        json: bool,
    },
    /// Every source: the webhooks it accepts and its orders (never a secret).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a source accepting webhooks and forget its secret; its customers and orders stay.
    Remove {
        /// The source's name.
        name: String,
    },
}
