//! `tenure token create | list | revoke | export`, each change in the audit log.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::access::create_token;
use tenure_app::audit::{self, Action, Actor};
use tenure_app::privacy;
use tenure_domain::Role;
use tenure_store::ExportHolder;

use crate::cli::TokenCommand;
use crate::output;

/// Runs one `token` subcommand.
pub fn run(url: &str, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let mut store = super::open_store(url)?;
    let now = chrono::Utc::now();
    match command {
        TokenCommand::Create { role, name, json } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let token = create_token(store.as_mut(), role, &name, now).context("creating a token")?;
            let detail = serde_json::json!({ "role": role.as_str(), "name": token.name });
            let action = Action::done("tokens.create").on(format!("token:{}", token.id)).detail(detail);
            audit::record(store.as_mut(), &Actor::cli(), action, now)?;
            if json {
                output::print_json(&token)?;
            } else {
                println!("{}", token.token);
                eprintln!(
                    "Token {} ({}, role {}) created. Keep it secret: it cannot be shown again.",
                    token.id, token.name, token.role
                );
            }
        }
        TokenCommand::List { json } => {
            let tokens = store.tokens().context("listing tokens")?;
            if json {
                output::print_json(&tokens)?;
            } else {
                let mut table = output::table(&["id", "name", "role", "created", "last used", "revoked"]);
                for t in &tokens {
                    table.add_row(vec![
                        t.id.to_string(),
                        t.name.clone(),
                        t.role.to_string(),
                        output::time(Some(t.created_at)),
                        output::time(t.last_used_at),
                        output::time(t.revoked_at),
                    ]);
                }
                println!("{table}");
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(id, now).with_context(|| format!("revoking token {id}"))?;
            audit::record(
                store.as_mut(),
                &Actor::cli(),
                Action::done("tokens.revoke").on(format!("token:{id}")),
                now,
            )?;
            println!("Token {id} revoked.");
        }
        TokenCommand::Export { id, grant } => {
            let token = store
                .tokens()?
                .into_iter()
                .find(|t| t.id == id)
                .ok_or_else(|| anyhow::anyhow!("there is no token {id}"))?;
            let grant = grant.as_option();
            privacy::set_export_grant(store.as_mut(), ExportHolder::Token(id), grant, &Actor::cli(), now)?;
            let may = privacy::may_export(token.role, grant);
            println!(
                "Token {id} ({}) {} download lists of customers.",
                token.role,
                if may { "may" } else { "may not" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
