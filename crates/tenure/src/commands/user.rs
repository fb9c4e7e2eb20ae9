//! `tenure user add | list | remove | set-password | export`, each change in the audit log.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use tenure_app::audit::{self, Action, Actor};
use tenure_app::privacy;
use tenure_app::users;
use tenure_domain::Role;
use tenure_store::ExportHolder;

use crate::cli::UserCommand;
use crate::output;

/// Runs one `user` subcommand.
pub fn run(url: &str, command: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    match command {
        UserCommand::Add { email, role, name, password_stdin, json } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let (password, generated) = password(password_stdin)?;
            let user = users::add_user(store.as_mut(), &email, name.as_deref(), role, &password, now)
                .with_context(|| format!("adding user {email}"))?;
            let action = Action::done("users.add")
                .on(format!("user:{}", user.email))
                .detail(serde_json::json!({ "role": role.as_str() }));
            audit::record(store.as_mut(), &Actor::cli(), action, now)?;
            if json {
                let mut value = serde_json::to_value(&user)?;
                if generated {
                    value["password"] = serde_json::Value::String(password);
                }
                output::print_json(&value)?;
            } else {
                println!("User {} ({}) added with role {}.", user.email, user.name, user.role);
                if generated {
                    println!("Password: {password}");
                    eprintln!(
                        "Give it to them safely; it cannot be shown again (tenure user set-password resets it)."
                    );
                }
            }
        }
        UserCommand::List { json } => {
            let all = store.users().context("listing users")?;
            if json {
                output::print_json(&all)?;
            } else {
                let mut table = output::table(&["id", "e-mail", "name", "role", "created"]);
                for u in &all {
                    table.add_row(vec![
                        u.id.to_string(),
                        u.email.clone(),
                        u.name.clone(),
                        u.role.to_string(),
                        output::time(Some(u.created_at)),
                    ]);
                }
                println!("{table}");
            }
        }
        UserCommand::Remove { email, reassign_to } => {
            users::remove_user(store.as_mut(), &email, reassign_to.as_deref(), now)
                .with_context(|| format!("removing user {email}"))?;
            let action = Action::done("users.remove").on(format!("user:{email}"));
            audit::record(store.as_mut(), &Actor::cli(), action, now)?;
            match reassign_to {
                Some(heir) => {
                    println!("User {email} removed; their sessions have ended; {heir} now owns their work.")
                }
                None => println!("User {email} removed; their sessions have ended."),
            }
        }
        UserCommand::SetPassword { email, password_stdin } => {
            let (password, generated) = password(password_stdin)?;
            users::set_password(store.as_mut(), &email, &password, now)
                .with_context(|| format!("setting the password of {email}"))?;
            audit::record(
                store.as_mut(),
                &Actor::cli(),
                Action::done("users.password").on(format!("user:{email}")),
                now,
            )?;
            println!("Password of {email} changed; their sessions have ended.");
            if generated {
                println!("Password: {password}");
            }
        }
        UserCommand::Export { email, grant } => {
            let user = store
                .user_by_email(&email)?
                .map(|(user, _)| user)
                .ok_or_else(|| anyhow::anyhow!("there is no user {email}"))?;
            let grant = grant.as_option();
            privacy::set_export_grant(
                store.as_mut(),
                ExportHolder::User(user.id),
                grant,
                &Actor::cli(),
                now,
            )?;
            let may = privacy::may_export(user.role, grant);
            println!(
                "{email} ({}) {} download lists of customers.",
                user.role,
                if may { "may" } else { "may not" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The password to set, and whether it was generated here: the first line of standard input
/// (without its line ending) with `--password-stdin`, else a new random one.
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((users::generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    Ok((password, false))
}
