//! The audit log of changes made at the command line, one action at a time: users added,
//! given export permission, their passwords set and removed; tokens created, given or refused
//! export, revoked; a merge undone — each recorded as done by `cli`, and `tenure audit list`
//! finds them by action, actor and target.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use common::{add_admin, data, json, run, sqlite_url, tenure};
use serde_json::Value;

fn last(db: &str, action: &str) -> Value {
    let found = json(db, &["audit", "list", "--action", action, "--limit", "1", "--json"]);
    found.as_array().unwrap().first().cloned().unwrap_or_else(|| panic!("no `{action}` in the audit log"))
}

#[test]
fn every_change_to_users_tokens_and_merges_is_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);

    add_admin(&db, "owner@shop.example", "a password for tests");
    let added = last(&db, "users.add");
    assert_eq!(
        (added["actor"].as_str(), added["target"].as_str()),
        (Some("cli"), Some("user:owner@shop.example"))
    );
    assert_eq!(added["detail"]["role"], "admin");

    run(tenure(&db).args(["user", "add", "desk@shop.example", "--role", "agent", "--json"]));
    run(tenure(&db).args(["user", "export", "desk@shop.example", "allow"]));
    assert_eq!(last(&db, "users.export_grant")["detail"]["may_export"], true);
    run(tenure(&db).args(["user", "set-password", "desk@shop.example"]));
    assert_eq!(last(&db, "users.password")["target"], "user:desk@shop.example");
    run(tenure(&db).args(["user", "remove", "desk@shop.example"]));
    assert_eq!(last(&db, "users.remove")["target"], "user:desk@shop.example");

    let token = json(&db, &["token", "create", "--role", "agent", "--name", "helpdesk", "--json"]);
    let id = token["id"].as_i64().unwrap().to_string();
    let created = last(&db, "tokens.create");
    assert_eq!(created["target"].as_str(), Some(format!("token:{id}").as_str()));
    assert!(!created.to_string().contains(token["token"].as_str().unwrap()), "the secret is never recorded");
    run(tenure(&db).args(["token", "export", &id, "deny"]));
    assert_eq!(last(&db, "tokens.export_grant")["detail"]["may_export"], false);
    run(tenure(&db).args(["token", "revoke", &id]));
    assert_eq!(last(&db, "tokens.revoke")["target"].as_str(), Some(format!("token:{id}").as_str()));

    // Two shops that know one buyer by e-mail: the second import merges, the unmerge is recorded.
    run(tenure(&db)
        .args(["import", "--format", "shopify", "--progress", "none", "--no-refresh"])
        .arg(data("samples/shopify_orders_export.csv")));
    let etsy = dir.path().join("etsy.csv");
    let shopify = std::fs::read_to_string(data("samples/shopify_orders_export.csv")).unwrap();
    let email = shopify.lines().nth(1).unwrap().split(',').nth(1).unwrap().to_string();
    std::fs::write(&etsy, format!("buyer,order,day,sum,mail\nE1,X-1,2024-02-01,19.00,{email}\n")).unwrap();
    let map = "customer_id=buyer,order_id=order,date=day,amount=sum,email=mail,currency_code=USD";
    let merged = json(
        &db,
        &[
            "import",
            "--format",
            "csv",
            "--map",
            map,
            "--source",
            "market",
            "--progress",
            "none",
            "--no-refresh",
            "--json",
            etsy.to_str().unwrap(),
        ],
    );
    assert_eq!(merged["customers_merged"], 1, "{merged}");
    assert_eq!(last(&db, "import")["detail"]["customers_merged"], 1);
    let customers = json(&db, &["customers", "list", "--limit", "5000", "--json"]);
    let buyer =
        customers.as_array().unwrap().iter().find(|c| c["email"].as_str() == Some(email.as_str())).unwrap();
    let detail = json(&db, &["customers", "show", &buyer["id"].to_string(), "--json"]);
    let merge = detail["merges"][0]["id"].to_string();
    run(tenure(&db).args(["customers", "unmerge", &merge]));
    assert_eq!(last(&db, "customers.unmerge")["detail"]["merge"].to_string(), merge);

    let by_actor = json(&db, &["audit", "list", "--actor", "cli", "--limit", "1000", "--json"]);
    assert_eq!(by_actor.as_array().unwrap().len(), 11, "every change above, and nothing else: {by_actor}");
    let by_target = json(&db, &["audit", "list", "--target", "user:desk@shop.example", "--json"]);
    let actions: Vec<&str> =
        by_target.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["users.remove", "users.password", "users.add"],
        "newest first; the grant names the user by id"
    );
}
