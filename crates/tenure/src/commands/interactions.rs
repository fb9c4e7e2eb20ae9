//! `tenure interactions log | list | import | update | delete | response-times`.

use std::process::ExitCode;

use tenure_app::calendar::interactions::{self, LogRequest};
use tenure_app::calendar::{import, response_times};
use tenure_domain::{Channel, CustomerId, CustomerRef, Direction, Email, InteractionRecord, QueryState};
use tenure_store::{Interaction, InteractionEdit, InteractionQuery, Logged};

use super::calendar::{parse_when, shop_zone};
use crate::cli::{InteractionLogArgs, InteractionsCommand};
use crate::output;

/// Runs one `interactions` subcommand.
pub fn run(url: &str, timezone: &str, command: InteractionsCommand) -> anyhow::Result<ExitCode> {
    let zone = shop_zone(timezone)?.zone();
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    match command {
        InteractionsCommand::Log(args) => {
            let request = log_request(&args, zone, now)?;
            let (logged, interaction) = interactions::log(store, &request, now)?;
            if args.json {
                output::print_json(&serde_json::json!({ "logged": logged, "interaction": interaction }))?;
            } else {
                match logged {
                    Logged::New(id) => {
                        println!("Logged interaction {id}: {}", interactions::interaction_title(&interaction))
                    }
                    Logged::Existing(id) => {
                        println!("Interaction {id} was logged before under that key; nothing changed.")
                    }
                }
            }
        }
        InteractionsCommand::List(args) => {
            let query = InteractionQuery {
                customer: args.customer.map(CustomerId),
                from: args.from.as_deref().map(|t| parse_when(t, zone)).transpose()?,
                to: args.to.as_deref().map(|t| parse_when(t, zone)).transpose()?,
                staff: args.staff.map(|s| s.trim().to_lowercase()),
                state: args.state.as_deref().map(QueryState::parse).transpose()?,
                limit: args.limit.max(1),
            };
            let list = interactions::list(store, &query)?;
            if args.json {
                output::print_json(&list)?;
            } else {
                print_list(&list);
            }
        }
        InteractionsCommand::Import(args) => {
            let source_zone = match &args.source_time_zone {
                Some(name) => shop_zone(name)?.zone(),
                None => zone,
            };
            let progress = crate::progress::Display::new(args.progress);
            let report = import::import_file(store, &args.file, source_zone, now, &progress)?;
            if args.json {
                output::print_json(&report)?;
            } else {
                for rejected in &report.rejected {
                    eprintln!("{rejected}");
                }
                if report.committed {
                    println!(
                        "Imported {} rows: {} new interactions, {} already stored.",
                        output::count(report.rows_read),
                        output::count(report.added),
                        output::count(report.already_stored)
                    );
                } else {
                    println!(
                        "Nothing was imported: {} bad rows (listed above). Fix them and import again.",
                        report.rejected.len()
                    );
                }
            }
            if !report.committed {
                return Ok(ExitCode::FAILURE);
            }
        }
        InteractionsCommand::Update(args) => {
            let edit = InteractionEdit {
                occurred_at: args.at.as_deref().map(|t| parse_when(t, zone)).transpose()?,
                channel: args.channel.as_deref().map(Channel::parse).transpose()?,
                subject: args.subject,
                notes: args.notes,
                outcome: args.outcome,
                state: args.state.as_deref().map(QueryState::parse).transpose()?,
                state_at: None,
            };
            let changed = interactions::edit(store, args.id, &edit, now)?;
            if args.json {
                output::print_json(&changed)?;
            } else {
                println!("Interaction {}: {}", changed.id, interactions::interaction_title(&changed));
            }
        }
        InteractionsCommand::Delete { id } => {
            let gone = interactions::delete(store, id, now)?;
            println!("Deleted interaction {id} of customer {}.", gone.customer_id);
        }
        InteractionsCommand::ResponseTimes { from, to, json } => {
            let to = to.as_deref().map(|t| parse_when(t, zone)).transpose()?.unwrap_or(now);
            let from = from
                .as_deref()
                .map(|t| parse_when(t, zone))
                .transpose()?
                .unwrap_or(to - chrono::Duration::days(30));
            let times = response_times::response_times(store, from, to)?;
            if json {
                output::print_json(&times)?;
            } else {
                print_response_times(&times);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn log_request(
    args: &InteractionLogArgs,
    zone: chrono_tz::Tz,
    now: tenure_domain::Timestamp,
) -> anyhow::Result<LogRequest> {
    let customer = match (args.customer, &args.email) {
        (Some(id), None) => CustomerRef::Id(CustomerId(id)),
        (None, Some(email)) => CustomerRef::Email(Email::parse(email)?),
        _ => anyhow::bail!("name the customer with --customer ID or --email ADDRESS"),
    };
    let record = InteractionRecord {
        customer,
        occurred_at: args.at.as_deref().map(|t| parse_when(t, zone)).transpose()?.unwrap_or(now),
        channel: Channel::parse(&args.channel)?,
        direction: Direction::parse(&args.direction)?,
        duration_seconds: args
            .duration
            .map(|minutes| {
                anyhow::ensure!(minutes.is_finite() && minutes >= 0.0, "--duration: minutes, 0 or more");
                Ok((minutes * 60.0).round() as u32)
            })
            .transpose()?,
        subject: args.subject.clone(),
        notes: args.notes.clone(),
        outcome: args.outcome.clone(),
        staff: args.staff.as_deref().map(Email::parse).transpose()?,
        state: args.state.as_deref().map(QueryState::parse).transpose()?,
        key: match &args.key {
            Some(key) => format!("cli:{key}"),
            None => interactions::new_key("cli"),
        },
    };
    Ok(LogRequest {
        record,
        order_id: None,
        response_id: None,
        case_id: None,
        reply_to: args.reply_to,
        logged_by: Some("cli".into()),
    })
}

fn print_list(list: &[Interaction]) {
    let mut table =
        output::table(&["id", "when", "customer", "channel", "direction", "subject", "state", "staff"]);
    for i in list {
        table.add_row(vec![
            i.id.to_string(),
            output::time(Some(i.occurred_at)),
            i.customer_id.to_string(),
            i.channel.label().to_string(),
            i.direction.as_str().to_string(),
            i.subject.clone(),
            i.state.map_or(String::new(), |s| s.as_str().to_string()),
            i.staff.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
}

fn print_response_times(times: &response_times::ResponseTimes) {
    match &times.business_hours {
        Some(hours) => println!("Hours are business hours ({hours})."),
        None => println!("Hours are elapsed hours (no business hours set: `tenure calendar hours`)."),
    }
    let mut table = output::table(&[
        "staff",
        "channel",
        "queries",
        "answered",
        "closed",
        "first response (median / mean h)",
        "close (median / mean h)",
    ]);
    for g in &times.groups {
        table.add_row(vec![
            g.staff.clone(),
            g.channel.label().to_string(),
            g.queries.to_string(),
            g.answered.to_string(),
            g.closed.to_string(),
            format!(
                "{} / {}",
                output::decimal(g.median_first_response_hours, 1),
                output::decimal(g.mean_first_response_hours, 1)
            ),
            format!(
                "{} / {}",
                output::decimal(g.median_close_hours, 1),
                output::decimal(g.mean_close_hours, 1)
            ),
        ]);
    }
    println!("{table}");
}
