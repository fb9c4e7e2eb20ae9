//! `tenure source add | list | remove`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::sources::{add_source, list_sources, remove_source};
use tenure_domain::WebhookKind;

use crate::cli::SourceCommand;
use crate::output;

/// Runs one `source` subcommand.
pub fn run(url: &str, command: SourceCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    match command {
        SourceCommand::Add { name, kind, secret, json } => {
            let kind = WebhookKind::parse(&kind).map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
            let now = chrono::Utc::now();
            let source = add_source(store.as_mut(), &name, kind, secret.as_deref(), now)
                .with_context(|| format!("adding webhooks to source `{name}`"))?;
            if json {
                output::print_json(&source)?;
            } else if let Some(secret) = &source.secret {
                println!("{secret}");
                eprintln!(
                    "Source {} accepts {} webhooks at {}. Give the sender the secret above: it cannot be shown again.",
                    source.name, source.kind, source.path
                );
            } else {
                println!("Source {} accepts {} webhooks at {}.", source.name, source.kind, source.path);
            }
        }
        SourceCommand::List { json } => {
            let sources = list_sources(store.as_mut()).context("listing sources")?;
            if json {
                output::print_json(&sources)?;
            } else {
                let mut table =
                    output::table(&["name", "webhooks", "since", "orders", "time zone", "created"]);
                for s in &sources {
                    table.add_row(vec![
                        s.name.clone(),
                        s.webhook.map_or_else(|| "—".to_string(), |kind| kind.to_string()),
                        output::time(s.webhook_added_at),
                        output::count(s.orders),
                        s.time_zone.clone().unwrap_or_else(|| "UTC (none named)".to_string()),
                        output::time(Some(s.created_at)),
                    ]);
                }
                println!("{table}");
            }
        }
        SourceCommand::Remove { name } => {
            remove_source(store.as_mut(), &name)
                .with_context(|| format!("removing the webhooks of `{name}`"))?;
            println!("Source {name} no longer accepts webhooks; its customers and orders stay.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
