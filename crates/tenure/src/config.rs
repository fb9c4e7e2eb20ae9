//! `tenure.toml`: settings a server keeps in a file. Precedence, lowest first: built-in defaults,
//! the file, `TENURE_*` environment variables, command-line flags — the file's values become the
//! defaults of the matching flags, so clap applies the rest of the order as it always does.
//!
//! The file is `--config PATH`, else `$TENURE_CONFIG`, else `tenure.toml` in the working
//! directory if there is one. Unknown keys are errors (a typo must not be ignored silently).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{ArgMatches, Command, CommandFactory};
use serde::Deserialize;

use crate::cli::Cli;

/// What the file may say.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// `--db`.
    database_url: Option<String>,
    /// `--timezone`.
    timezone: Option<String>,
    /// `--public-url`.
    public_url: Option<String>,
    /// `tenure serve`'s flags.
    serve: Option<ServeSection>,
    /// `--smtp-url`, `--mail-from`.
    smtp: Option<SmtpSection>,
    /// The outbox's delivery settings.
    outbox: Option<OutboxSection>,
}

/// `[smtp]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpSection {
    url: Option<String>,
    mail_from: Option<String>,
}

/// `[outbox]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxSection {
    max_attempts: Option<u32>,
    retry_base_seconds: Option<u64>,
    retry_max_seconds: Option<u64>,
    frequency_cap_days: Option<i64>,
    webhook_timeout_seconds: Option<u64>,
}

/// `[serve]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeSection {
    bind: Option<String>,
    connections: Option<usize>,
    secure_cookies: Option<bool>,
    log: Option<String>,
    refit_minutes: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    hsts_max_age: Option<u64>,
    header_read_timeout: Option<u64>,
    request_timeout: Option<u64>,
    max_requests: Option<usize>,
    max_connections: Option<usize>,
}

/// The command line's matches, with the config file's values as defaults.
pub fn matches(args: Vec<std::ffi::OsString>) -> anyhow::Result<ArgMatches> {
    let command = match config_path(&args) {
        Some(path) => with_file_defaults(Cli::command(), &read(&path)?),
        None => Cli::command(),
    };
    Ok(command.get_matches_from(args))
}

/// The config file to read, if any.
fn config_path(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(|p| PathBuf::from(p.as_ref()));
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    if let Some(path) = std::env::var_os("TENURE_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let local = Path::new("tenure.toml");
    local.exists().then(|| local.to_path_buf())
}

fn read(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn with_file_defaults(command: Command, file: &ConfigFile) -> Command {
    let mut command = command;
    if let Some(url) = &file.database_url {
        command = command.mut_arg("db", |a| a.default_value(url.clone()));
    }
    if let Some(zone) = &file.timezone {
        command = command.mut_arg("timezone", |a| a.default_value(zone.clone()));
    }
    let smtp = file.smtp.as_ref();
    let outbox = file.outbox.as_ref();
    let delivery: [(&str, Option<String>); 8] = [
        ("public_url", file.public_url.clone()),
        ("smtp_url", smtp.and_then(|s| s.url.clone())),
        ("mail_from", smtp.and_then(|s| s.mail_from.clone())),
        ("max_attempts", outbox.and_then(|o| o.max_attempts).map(|n| n.to_string())),
        ("retry_base_seconds", outbox.and_then(|o| o.retry_base_seconds).map(|n| n.to_string())),
        ("retry_max_seconds", outbox.and_then(|o| o.retry_max_seconds).map(|n| n.to_string())),
        ("frequency_cap_days", outbox.and_then(|o| o.frequency_cap_days).map(|n| n.to_string())),
        ("webhook_timeout_seconds", outbox.and_then(|o| o.webhook_timeout_seconds).map(|n| n.to_string())),
    ];
    for (name, value) in delivery {
        if let Some(value) = value {
            command = command.mut_arg(name, |a| a.default_value(value));
        }
    }
    if let Some(serve) = &file.serve {
        let settings: [(&str, Option<String>); 10] = [
            ("bind", serve.bind.clone()),
            ("connections", serve.connections.map(|n| n.to_string())),
            ("secure_cookies", serve.secure_cookies.map(|b| b.to_string())),
            ("log", serve.log.clone()),
            ("refit_minutes", serve.refit_minutes.map(|n| n.to_string())),
            ("hsts_max_age", serve.hsts_max_age.map(|n| n.to_string())),
            ("header_read_timeout", serve.header_read_timeout.map(|n| n.to_string())),
            ("request_timeout", serve.request_timeout.map(|n| n.to_string())),
            ("max_requests", serve.max_requests.map(|n| n.to_string())),
            ("max_connections", serve.max_connections.map(|n| n.to_string())),
        ];
        let proxies = serve.trusted_proxies.clone();
        command = command.mut_subcommand("serve", |mut serve_command| {
            for (name, value) in settings.into_iter() {
                if let Some(value) = value {
                    serve_command = serve_command.mut_arg(name, |a| a.default_value(value));
                }
            }
            // A list: the file's entries are the flag's defaults, all of them.
            if let Some(proxies) = proxies {
                serve_command = serve_command.mut_arg("trusted_proxies", |a| a.default_values(proxies));
            }
            serve_command
        });
    }
    command
}
