//! `tenure token create | list | revoke`.

use std::process::ExitCode;

use anyhow::Context;
use tenure_app::access::create_token;
use tenure_domain::Role;

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
            println!("Token {id} revoked.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
