//! `tenure followups add | list | update | done | cancel | from-case | remind`.

use std::process::ExitCode;

use tenure_app::calendar::followups::{self, FollowUpChange, FollowUpRequest};
use tenure_domain::CustomerId;
use tenure_store::{FollowUp, FollowUpQuery, FollowUpStatus};

use super::calendar::{now_or, parse_when, shop_zone};
use crate::cli::{DeliveryArgs, FollowupsCommand};
use crate::output;

/// Runs one `followups` subcommand.
pub fn run(
    url: &str,
    timezone: &str,
    delivery: &DeliveryArgs,
    command: FollowupsCommand,
) -> anyhow::Result<ExitCode> {
    let zone = shop_zone(timezone)?.zone();
    let mut store = super::open_store(url)?;
    let store = store.as_mut();
    let now = chrono::Utc::now();
    match command {
        FollowupsCommand::Add(args) => {
            let request = FollowUpRequest {
                customer: args.customer.map(CustomerId),
                owner: args.owner,
                title: args.title,
                notes: args.notes,
                due_at: parse_when(&args.due, zone)?,
                duration_minutes: args.duration,
                remind_minutes: args.remind,
                case_id: None,
                created_by: Some("cli".into()),
            };
            let made = followups::add(store, &request, now)?;
            show(&made, args.json, "Planned")?;
        }
        FollowupsCommand::List { owner, customer, status, limit, json } => {
            let status = match status.as_str() {
                "all" => None,
                other => Some(FollowUpStatus::parse(other).ok_or_else(|| {
                    anyhow::anyhow!("--status `{other}`: write open, done, cancelled or all")
                })?),
            };
            let query = FollowUpQuery {
                customer: customer.map(CustomerId),
                status,
                limit: limit.max(1),
                ..Default::default()
            };
            let list = followups::list(store, owner.as_deref(), query)?;
            if json {
                output::print_json(&list)?;
            } else {
                let mut table = output::table(&["id", "due", "owner", "customer", "title", "status"]);
                for f in &list {
                    let overdue = f.status == FollowUpStatus::Open && f.due_at < now;
                    table.add_row(vec![
                        f.id.to_string(),
                        format!(
                            "{}{}",
                            output::time(Some(f.due_at)),
                            if overdue { " (overdue)" } else { "" }
                        ),
                        f.owner_email.clone(),
                        f.customer_id.map_or(String::new(), |c| {
                            format!("{c} {}", f.customer_name.clone().unwrap_or_default())
                        }),
                        f.title.clone(),
                        f.status.as_str().to_string(),
                    ]);
                }
                println!("{table}");
            }
        }
        FollowupsCommand::Update(args) => {
            let change = FollowUpChange {
                title: args.title,
                notes: args.notes,
                due_at: args.due.as_deref().map(|t| parse_when(t, zone)).transpose()?,
                duration_minutes: args.duration,
                owner: args.owner,
                remind_minutes: args.remind,
            };
            let changed = followups::update(store, args.id, &change, now)?;
            show(&changed, args.json, "Changed")?;
        }
        FollowupsCommand::Done { id, outcome, json } => {
            show(&followups::done(store, id, &outcome, now)?, json, "Done:")?
        }
        FollowupsCommand::Cancel { id, json } => {
            show(&followups::cancel(store, id, now)?, json, "Cancelled")?
        }
        FollowupsCommand::FromCase { case, owner, json } => {
            let made = followups::from_case(store, case, owner.as_deref(), Some("cli"), now)?;
            show(&made, json, "Planned")?;
        }
        FollowupsCommand::Remind { now: at, json } => {
            let at = now_or(at.as_deref())?;
            let queued = followups::send_due_reminders(store, &delivery.public_url, at)?;
            if json {
                output::print_json(&serde_json::json!({ "queued": queued }))?;
            } else {
                println!("{queued} reminder e-mails queued.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(followup: &FollowUp, json: bool, verb: &str) -> anyhow::Result<()> {
    if json {
        output::print_json(followup)?;
    } else {
        println!(
            "{verb} follow-up {} for {}: {} (due {}).",
            followup.id,
            followup.owner_email,
            followup.title,
            output::time(Some(followup.due_at))
        );
    }
    Ok(())
}
