//! `tenure mail test | send` and `tenure worker`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tenure_app::outbox::email::Content;
use tenure_app::outbox::{CustomerMail, enqueue_customer_mail, enqueue_test_mail};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::CustomerId;
use tenure_store::{MessageState, Purpose};

use super::delivery;
use crate::cli::{DeliveryArgs, MailCommand, WorkerArgs};
use crate::output;

/// Runs one `mail` subcommand.
pub fn run(url: &str, args: &DeliveryArgs, command: MailCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    match command {
        MailCommand::Test { address, wait, json } => {
            let shop = args
                .mail_from
                .as_deref()
                .map_or("Tenure", |from| from.split('<').next().unwrap_or(from).trim());
            let id = enqueue_test_mail(
                store.as_mut(),
                &address,
                if shop.is_empty() { "Tenure" } else { shop },
                now,
            )
            .context("enqueueing the test message")?;
            if !wait {
                report(
                    json,
                    &serde_json::json!({"id": id, "state": "pending"}),
                    &format!("Message {id} is in the outbox; a worker (serve, worker) delivers it."),
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            drop(store);
            let mut worker = delivery::worker(url, args, Arc::default())?;
            let message =
                delivery::runtime()?.block_on(worker.deliver_until_done(id)).context("delivering")?;
            let text = match message.state {
                MessageState::Sent => format!("Message {id} to {address} was sent."),
                state => format!(
                    "Message {id} to {address} is {state}: {}",
                    message.last_error.clone().or(message.skip_reason.clone()).unwrap_or_default()
                ),
            };
            report(json, &message, &text)?;
            Ok(if message.state == MessageState::Sent { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        MailCommand::Send { customer, subject, body, purpose, language, signature, json } => {
            let purpose = Purpose::parse(&purpose).ok_or_else(|| {
                anyhow::anyhow!("--purpose `{purpose}`: transactional, survey or marketing")
            })?;
            let paragraphs =
                body.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
            let content = Content { subject, greeting_name: None, paragraphs, action: None, signature };
            let mail = CustomerMail {
                customer: CustomerId(customer),
                purpose,
                topic: "mail.notice",
                content,
                language: language.as_deref(),
                public_url: &args.public_url,
                not_before: now,
            };
            let id = enqueue_customer_mail(store.as_mut(), mail, now)
                .with_context(|| format!("writing to customer {customer}"))?;
            report(
                json,
                &serde_json::json!({"id": id, "state": "pending"}),
                &format!("Message {id} to customer {customer} is in the outbox."),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn report(json: bool, value: &impl serde::Serialize, text: &str) -> anyhow::Result<()> {
    if json {
        output::print_json(value)
    } else {
        println!("{text}");
        Ok(())
    }
}

/// `tenure worker`: delivers and runs due jobs until Ctrl-C / SIGTERM, or with --drain until
/// nothing is due.
pub fn worker(
    url: &str,
    timezone: &str,
    args: &DeliveryArgs,
    worker_args: &WorkerArgs,
) -> anyhow::Result<ExitCode> {
    let time_zone = ShopTimeZone::parse(timezone)?;
    let runtime = delivery::runtime()?;
    let _inside = runtime.enter(); // lettre's SMTP pool lives on the runtime
    let mut worker = delivery::worker(url, args, Arc::default())?;
    let mut jobs = delivery::job_runner(url, time_zone, 0, args)?;
    if worker_args.drain {
        let ran = runtime.block_on(jobs.run_due_now()).context("running due jobs")?;
        let handled = runtime.block_on(worker.drain()).context("delivering")?;
        println!("Delivered the outbox: {handled} messages handled, {ran} jobs run, nothing is due.");
    } else {
        eprintln!("Delivering the outbox and running jobs until stopped (Ctrl-C).");
        runtime.block_on(async move {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let mut stopped_jobs = stopped.clone();
            let running_jobs = tokio::spawn(async move {
                jobs.run(async move {
                    let _ = stopped_jobs.wait_for(|stop| *stop).await;
                })
                .await
            });
            let mut stopped = stopped;
            let signal = async move {
                super::serve::shutdown_signal().await;
                let _ = stop.send(true);
            };
            tokio::join!(
                signal,
                worker.run(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
            );
            let _ = running_jobs.await;
        });
    }
    Ok(ExitCode::SUCCESS)
}
