//! One function per command: open what it needs, call the use case, print the result.

mod audit;
mod backup;
mod calendar;
mod customers;
mod delivery;
mod demo;
mod followups;
mod generate;
mod import;
mod interactions;
mod jobs;
mod loyalty;
mod mail;
mod model;
mod outbox;
mod predict;
mod privacy;
mod report;
mod serve;
mod source;
mod stats;
mod survey;
mod token;
mod user;
mod webhook;

use std::process::ExitCode;

use anyhow::Context;
use tenure_store::Store;

use crate::cli::{Cli, Command};
use crate::output;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Import(args) => import::run(&cli.db, &cli.timezone, &args),
        Command::Stats(flag) => stats::run(&cli.db, flag.json),
        Command::Customers(command) => customers::run(&cli.db, &cli.timezone, command),
        Command::Migrate(flag) => migrate(&cli.db, flag.json),
        Command::Demo(args) => demo::run(&args, &cli.delivery, &cli.timezone),
        Command::Generate(args) => generate::run(&args),
        Command::Report(args) => report::run(&cli.db, &cli.timezone, args),
        Command::Model(command) => model::run(&cli.db, &cli.timezone, command),
        Command::Predict(args) => predict::predict(&cli.db, &cli.timezone, &args),
        Command::Clv(args) => predict::clv(&cli.db, &cli.timezone, &args),
        Command::Token(command) => token::run(&cli.db, command),
        Command::User(command) => user::run(&cli.db, command),
        Command::Serve(args) => serve::run(&cli.db, &cli.timezone, &cli.delivery, &args),
        Command::Source(command) => source::run(&cli.db, command),
        Command::Outbox(command) => outbox::run(&cli.db, command),
        Command::Webhook(command) => webhook::run(&cli.db, command),
        Command::Mail(command) => mail::run(&cli.db, &cli.delivery, command),
        Command::Jobs(command) => jobs::run(&cli.db, command),
        Command::Survey(command) => survey::run(&cli.db, &cli.timezone, &cli.delivery, command),
        Command::Interactions(command) => interactions::run(&cli.db, &cli.timezone, command),
        Command::Followups(command) => followups::run(&cli.db, &cli.timezone, &cli.delivery, command),
        Command::Calendar(command) => calendar::run(&cli.db, &cli.timezone, &cli.delivery, command),
        Command::Loyalty(command) => loyalty::run(&cli.db, &cli.timezone, &cli.delivery, command),
        Command::Referrals(command) => loyalty::referrals(&cli.db, &cli.delivery, command),
        Command::Audit(command) => audit::run(&cli.db, command),
        Command::Backup(args) => backup::backup(&cli.db, &args),
        Command::Restore(args) => backup::restore(&cli.db, &args),
        Command::Worker(args) => mail::worker(&cli.db, &cli.timezone, &cli.delivery, &args),
    }
}

/// Opens the store at `url`.
pub fn open_store(url: &str) -> anyhow::Result<Box<dyn Store>> {
    tenure_store::open(url, chrono::Utc::now()).context("opening the database")
}

fn migrate(url: &str, json: bool) -> anyhow::Result<ExitCode> {
    let mut store = open_store(url)?;
    let status = store.migrate(chrono::Utc::now()).context("migrating the database")?;
    if json {
        output::print_json(&status)?;
    } else if status.applied.is_empty() {
        println!("The database schema is up to date (version {}).", status.current);
    } else {
        println!("Applied {}; the schema is at version {}.", status.applied.join(", "), status.current);
    }
    Ok(ExitCode::SUCCESS)
}
