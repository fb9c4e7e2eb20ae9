//! `tenure loyalty …` and `tenure referrals …`: the loyalty programme from the terminal.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `tenure loyalty …`.
#[derive(Debug, Subcommand)]
pub enum LoyaltyCommand {
    /// The programme's rules: a template to start from, saving a new version, the one in force.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Earn points from new and changed orders, then release, expire, warn and re-evaluate tiers
    /// where due (what the nightly job does; safe to run any time, any number of times).
    Run {
        /// Run as of this time (RFC 3339) instead of now.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Only the nightly part: releases, expiries, warnings, tiers (no earning, no referrals).
        #[arg(long)]
        nightly: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A member's account: balance, lots and expiries, tier, and the ledger.
    Ledger {
        /// The customer's id.
        customer: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give or take points by hand, with a reason (recorded with your name).
    Adjust(AdjustArgs),
    /// Spend a member's points on a reward: issues a single-use coupon code.
    Redeem(RedeemArgs),
    /// What the outstanding points are worth, members per tier, coupons.
    Liability {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Members, largest balances first.
    Members {
        /// Only this tier.
        #[arg(long)]
        tier: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Coupons: export them for the shop, or record one as used.
    #[command(subcommand)]
    Coupons(CouponsCommand),
    /// Set a member's birthday (MM-DD) for the birthday bonus, or clear it.
    Birthday {
        /// The customer's id.
        customer: i64,
        /// Month and day, like 04-17.
        #[arg(required_unless_present = "clear")]
        birthday: Option<String>,
        /// Forget it.
        #[arg(long, conflicts_with = "birthday")]
        clear: bool,
    },
    /// A member's signed link to their page (no password; it lapses after 90 days).
    Link {
        /// The customer's id.
        customer: i64,
    },
}

/// `tenure loyalty programme …`.
#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Print a programme to start from (JSON), to edit and save with `set`.
    Template {
        /// The programme's currency.
        #[arg(long, default_value = "USD")]
        currency: String,
    },
    /// Save FILE (JSON) as the next version of the rules, after checking every field.
    Set {
        /// The programme, as JSON.
        file: PathBuf,
        /// Orders placed from this day earn points (default: the day the first version is saved —
        /// past orders earn nothing unless you choose an earlier day).
        #[arg(long, value_name = "DATE")]
        earn_from: Option<String>,
        /// Who saves it (recorded with the version).
        #[arg(long, default_value = "cli")]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The version in force (`--all`: every version, newest first).
    Show {
        /// Every version.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `tenure loyalty adjust`.
#[derive(Debug, Args)]
pub struct AdjustArgs {
    /// The customer's id.
    pub customer: i64,
    /// Points to give (positive) or take (negative, e.g. -50).
    #[arg(allow_hyphen_values = true)]
    pub points: i64,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// Who makes it (a user's e-mail or name).
    #[arg(long, default_value = "cli")]
    pub by: String,
    /// A key for this change: running the command again with it changes nothing (default: a new one).
    #[arg(long)]
    pub key: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure loyalty redeem`.
#[derive(Debug, Args)]
pub struct RedeemArgs {
    /// The customer's id.
    pub customer: i64,
    /// The reward's id in the catalogue.
    pub reward: String,
    /// A key for this redemption: running the command again with it issues nothing new (default: a new one).
    #[arg(long)]
    pub key: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `tenure loyalty coupons …`.
#[derive(Debug, Subcommand)]
pub enum CouponsCommand {
    /// Every coupon as CSV for the shop (code, customer, e-mail, reward, points, issued, used).
    Export {
        /// Only coupons issued from this day.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Record that the shop took a coupon (a second use is refused).
    Use {
        /// The code.
        code: String,
    },
}

/// `tenure referrals …`.
#[derive(Debug, Subcommand)]
pub enum ReferralsCommand {
    /// Record that a customer used a member's referral code.
    Add {
        /// The referral code (any case, with or without the hyphen).
        #[arg(long)]
        code: String,
        /// The customer who used it.
        #[arg(long, value_name = "ID")]
        customer: i64,
        /// When they used it (RFC 3339; default now): only orders from then count as theirs.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Referrals, newest first: waiting, paid, held (for review), refused, or all.
    List {
        /// waiting, paid, held, refused or all.
        #[arg(long, default_value = "all")]
        status: String,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decide a referral held for review: pay both sides, or refuse it for good.
    Review {
        /// The referral's id.
        id: i64,
        /// Pay both sides.
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        approve: bool,
        /// Refuse it.
        #[arg(long)]
        refuse: bool,
        /// Who decides (recorded).
        #[arg(long, default_value = "cli")]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
