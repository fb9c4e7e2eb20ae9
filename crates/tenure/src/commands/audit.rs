//! `tenure audit list | actions`: the audit log at the command line.

use std::process::ExitCode;

use chrono::TimeZone;
use tenure_app::audit;
use tenure_store::AuditQuery;

use crate::cli::AuditCommand;
use crate::output;

/// Runs one `audit` subcommand.
pub fn run(url: &str, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Actions => {
            let mut table = output::table(&["action", "what"]);
            for (action, what) in audit::ACTIONS {
                table.add_row(vec![action.to_string(), what.to_string()]);
            }
            println!("{table}");
        }
        AuditCommand::List { action, actor, target, since, limit, json } => {
            let since = since.map(|day| chrono::Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN)));
            let query = AuditQuery { actor, action, target, since, until: None, before_id: None, limit };
            let mut store = super::open_store(url)?;
            let entries = audit::list(store.as_mut(), &query)?;
            if json {
                return output::print_json(&entries).map(|()| ExitCode::SUCCESS);
            }
            let mut table =
                output::table(&["#", "when (UTC)", "who", "from", "action", "target", "rows", "outcome"]);
            for record in &entries {
                let entry = &record.entry;
                table.add_row(vec![
                    record.id.to_string(),
                    output::time(Some(entry.at)),
                    entry.actor.clone(),
                    entry.address.clone().unwrap_or_default(),
                    entry.action.clone(),
                    entry.target.clone().unwrap_or_default(),
                    entry.rows.map(|r| output::count(u64::try_from(r).unwrap_or(0))).unwrap_or_default(),
                    entry.outcome.as_str().to_string(),
                ]);
            }
            println!("{table}");
            if entries.is_empty() {
                println!("No entries match.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
