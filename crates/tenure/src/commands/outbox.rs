//! `tenure outbox list | show | retry | purge-dead | stats | suppress | suppressions`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tenure_app::outbox;
use tenure_store::{Message, MessageKind, MessageState, OutboxQuery, SuppressionReason};

use crate::cli::OutboxCommand;
use crate::output;

/// Runs one `outbox` subcommand.
pub fn run(url: &str, command: OutboxCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    match command {
        OutboxCommand::List { state, kind, limit, before, json } => {
            let state = state
                .map(|s| {
                    MessageState::parse(&s)
                        .ok_or_else(|| anyhow::anyhow!("--state `{s}`: pending, sent, dead or skipped"))
                })
                .transpose()?;
            let kind = kind
                .map(|k| {
                    MessageKind::parse(&k).ok_or_else(|| anyhow::anyhow!("--kind `{k}`: email or webhook"))
                })
                .transpose()?;
            let messages =
                outbox::list(store.as_mut(), &OutboxQuery { state, kind, limit, before_id: before })
                    .context("listing the outbox")?;
            if json {
                output::print_json(&messages)?;
            } else {
                print_messages(&messages);
            }
        }
        OutboxCommand::Show { id, json } => {
            let message = store.message(id).with_context(|| format!("reading message {id}"))?;
            if json {
                output::print_json(&message)?;
            } else {
                println!("{}", output::key_values(&message_rows(&message)));
            }
        }
        OutboxCommand::Retry { id } => {
            let message =
                outbox::retry(store.as_mut(), id, now).with_context(|| format!("retrying message {id}"))?;
            println!("Message {id} is {} again; a worker delivers it.", message.state);
        }
        OutboxCommand::PurgeDead { older_than_days } => {
            let age = Duration::from_secs(older_than_days * 86_400);
            let purged = outbox::purge_dead(store.as_mut(), age, now).context("purging dead messages")?;
            println!("Deleted {purged} dead messages.");
        }
        OutboxCommand::Stats { json } => {
            let overview = outbox::overview(store.as_mut(), now).context("reading the outbox")?;
            if json {
                output::print_json(&overview)?;
            } else {
                let mut table = output::table(&["kind", "state", "messages"]);
                for (kind, state, count) in &overview.stats.counts {
                    table.add_row(vec![
                        kind.to_string(),
                        state.to_string(),
                        output::count((*count).max(0) as u64),
                    ]);
                }
                println!("{table}");
                for (kind, due) in &overview.stats.oldest_due {
                    println!("Oldest due {kind}: since {}", output::time(Some(*due)));
                }
            }
        }
        OutboxCommand::Suppress { email, reason } => {
            let reason = SuppressionReason::parse(&reason).ok_or_else(|| {
                anyhow::anyhow!("--reason `{reason}`: unsubscribed, complained, hard_bounced or erased")
            })?;
            store.suppress(&email, reason, None, now).context("suppressing the address")?;
            println!("{} is suppressed ({reason}).", email.trim().to_lowercase());
        }
        OutboxCommand::Suppressions { json } => {
            let list = store.suppressions().context("reading the suppression list")?;
            if json {
                output::print_json(&list)?;
            } else {
                let mut table = output::table(&["e-mail", "reason", "customer", "since"]);
                for s in &list {
                    table.add_row(vec![
                        s.email.clone(),
                        s.reason.to_string(),
                        s.customer_id.map_or_else(|| "—".into(), |c| c.to_string()),
                        output::time(Some(s.created_at)),
                    ]);
                }
                println!("{table}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_messages(messages: &[Message]) {
    let mut table =
        output::table(&["id", "kind", "purpose", "topic", "to", "state", "attempts", "note", "created"]);
    for m in messages {
        table.add_row(vec![
            m.id.to_string(),
            m.kind.to_string(),
            m.purpose.to_string(),
            m.topic.clone(),
            m.recipient.clone(),
            m.state.to_string(),
            m.attempts.to_string(),
            m.skip_reason.clone().or_else(|| m.last_error.clone()).unwrap_or_default(),
            output::time(Some(m.created_at)),
        ]);
    }
    println!("{table}");
}

fn message_rows(m: &Message) -> Vec<(&'static str, String)> {
    vec![
        ("id", m.id.to_string()),
        ("kind", m.kind.to_string()),
        ("purpose", m.purpose.to_string()),
        ("topic", m.topic.clone()),
        ("to", m.recipient.clone()),
        ("customer", m.customer_id.map_or_else(|| "—".into(), |c| c.to_string())),
        ("state", m.state.to_string()),
        ("attempts", m.attempts.to_string()),
        ("due", output::time(Some(m.not_before))),
        ("last error", m.last_error.clone().unwrap_or_else(|| "—".into())),
        ("skipped because", m.skip_reason.clone().unwrap_or_else(|| "—".into())),
        ("created", output::time(Some(m.created_at))),
        ("finished", output::time(m.finished_at)),
    ]
}
