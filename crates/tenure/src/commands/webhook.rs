//! `tenure webhook add | list | remove | test | rotate`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::outbox::{self, NewSubscriptionCreated};
use tenure_app::sources::generate_standard_secret;
use tenure_domain::WebhookSecret;
use tenure_store::BodyFormat;

use crate::cli::WebhookCommand;
use crate::output;

/// Runs one `webhook` subcommand.
pub fn run(url: &str, command: WebhookCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    match command {
        WebhookCommand::Add { url: target, events, allow_private, slack, json } => {
            let format = if slack { BodyFormat::Slack } else { BodyFormat::Standard };
            let created =
                outbox::add_subscription(store.as_mut(), &target, &events, allow_private, format, now)
                    .with_context(|| format!("subscribing {target}"))?;
            print_secret(
                json,
                &created,
                &format!("Subscription {} sends {} to {target}.", created.id, events.join(", ")),
            )?;
        }
        WebhookCommand::List { json } => {
            let list = store.subscriptions().context("listing subscriptions")?;
            if json {
                output::print_json(&list)?;
            } else {
                let mut table = output::table(&["id", "url", "events", "body", "private allowed", "created"]);
                for s in &list {
                    table.add_row(vec![
                        s.id.to_string(),
                        s.url.clone(),
                        s.events.join(", "),
                        s.body_format.to_string(),
                        if s.allow_private { "yes" } else { "no" }.to_string(),
                        output::time(Some(s.created_at)),
                    ]);
                }
                println!("{table}");
            }
        }
        WebhookCommand::Remove { id } => {
            outbox::remove_subscription(store.as_mut(), id, now)
                .with_context(|| format!("removing subscription {id}"))?;
            println!("Subscription {id} is removed; its pending deliveries will be skipped.");
        }
        WebhookCommand::Test { id } => {
            let message = outbox::test_subscription(store.as_mut(), id, now)
                .with_context(|| format!("testing subscription {id}"))?;
            println!("Message {message} (webhook.test) is in the outbox for subscription {id}.");
        }
        WebhookCommand::Rotate { id, keep_old_hours, json } => {
            let secret = generate_standard_secret();
            let until = now + chrono::Duration::hours(keep_old_hours.max(0));
            store
                .rotate_subscription_secret(id, &WebhookSecret::new(secret.clone()), until)
                .with_context(|| format!("rotating the secret of subscription {id}"))?;
            let created = NewSubscriptionCreated { id, secret };
            print_secret(
                json,
                &created,
                &format!(
                    "Subscription {id} signs with the new secret; the old one also signs until {}.",
                    output::time(Some(until))
                ),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a secret once: on stdout alone (or as JSON), the explanation on stderr.
fn print_secret(json: bool, created: &NewSubscriptionCreated, text: &str) -> anyhow::Result<()> {
    if json {
        output::print_json(created)
    } else {
        println!("{}", created.secret);
        eprintln!("{text} Give the receiver the secret above: it cannot be shown again.");
        Ok(())
    }
}
