//! `tenure jobs list | runs`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_store::Recurrence;

use crate::cli::JobsCommand;
use crate::output;

/// Runs one `jobs` subcommand.
pub fn run(url: &str, command: JobsCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    match command {
        JobsCommand::List { json } => {
            let jobs = store.jobs().context("listing jobs")?;
            if json {
                output::print_json(&jobs)?;
            } else {
                let mut table =
                    output::table(&["id", "kind", "key", "state", "next run", "recurs", "last error"]);
                for job in &jobs {
                    table.add_row(vec![
                        job.id.to_string(),
                        job.kind.clone(),
                        job.key.clone(),
                        job.state.clone(),
                        output::time(Some(job.run_at)),
                        recurs(&job.recurrence),
                        job.last_error.clone().unwrap_or_default(),
                    ]);
                }
                println!("{table}");
            }
        }
        JobsCommand::Runs { job, limit, json } => {
            let runs = store.job_runs(job, limit).context("reading the run log")?;
            if json {
                output::print_json(&runs)?;
            } else {
                let mut table = output::table(&["job", "started", "took", "outcome", "detail"]);
                for run in &runs {
                    let took = (run.finished_at - run.started_at).num_milliseconds();
                    table.add_row(vec![
                        run.job_id.to_string(),
                        output::time(Some(run.started_at)),
                        format!("{:.1} s", took as f64 / 1000.0),
                        run.outcome.clone(),
                        run.detail.clone().unwrap_or_default(),
                    ]);
                }
                println!("{table}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn recurs(recurrence: &Recurrence) -> String {
    match recurrence {
        Recurrence::Once => "once".into(),
        Recurrence::Every(seconds) if seconds % 3600 == 0 => format!("every {} h", seconds / 3600),
        Recurrence::Every(seconds) if seconds % 60 == 0 => format!("every {} min", seconds / 60),
        Recurrence::Every(seconds) => format!("every {seconds} s"),
        Recurrence::Daily { at, time_zone } => format!("daily at {at} {time_zone}"),
    }
}
