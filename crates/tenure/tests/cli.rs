//! The `tenure` binary, run as a user runs it, in a temporary directory, on the bundled data.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{data, json, run, sqlite_url, stdout_json, tenure};
use serde_json::Value;
use tenure_store::testing;

const CDNOW_ORDERS: u64 = 69_659;
const CDNOW_CUSTOMERS: u64 = 23_570;
/// Sum of `dollar_value` over CDNOW_master.txt, in cents (also checked independently by
/// `awk 'NR>1 {s+=$4} END {printf "%.2f", s}'` = 2500315.63).
const CDNOW_REVENUE_CENTS: i64 = 250_031_563;

fn stats(db: &str) -> Value {
    json(db, &["stats", "--json"])
}

fn import_json(db: &str, args: &[&str]) -> (Output, Value) {
    let output = tenure(db).args(["import", "--json"]).args(args).output().unwrap();
    let report = stdout_json(&output);
    (output, report)
}

/// The acceptance: CDNOW master adds 69,659 orders and 23,570 customers, once.
fn cdnow_master_imports_once(db: &str) {
    let master = data("cdnow/CDNOW_master.txt");
    let (_, first) = import_json(db, &["--format", "cdnow", master.to_str().unwrap()]);
    assert_eq!(first["rows_read"], CDNOW_ORDERS);
    assert_eq!(first["orders_added"], CDNOW_ORDERS);
    assert_eq!(first["customers_added"], CDNOW_CUSTOMERS);
    assert_eq!(first["rejected"], Value::Array(vec![]));
    let (_, second) = import_json(db, &["--format", "cdnow", master.to_str().unwrap()]);
    assert_eq!(second["orders_added"], 0);
    assert_eq!(second["orders_unchanged"], CDNOW_ORDERS);
    assert_eq!(second["customers_added"], 0);
    let stats = stats(db);
    assert_eq!(stats["customers"], CDNOW_CUSTOMERS);
    assert_eq!(stats["orders"], CDNOW_ORDERS);
    assert_eq!(stats["paid_orders"], CDNOW_ORDERS);
    assert_eq!(stats["revenue"]["USD"], CDNOW_REVENUE_CENTS);
    assert_eq!(stats["first_order_at"], "1997-01-01T12:00:00Z");
    assert_eq!(stats["last_order_at"], "1998-06-30T12:00:00Z");
}

#[test]
fn cdnow_master_imports_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    cdnow_master_imports_once(&sqlite_url(&dir));
}

#[test]
fn cdnow_master_imports_once_on_postgres() {
    let Some(database) = testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    cdnow_master_imports_once(&database.url);
}

#[test]
fn postgres_commands_ask_for_migrate_until_it_ran() {
    let Some(database) = testing::postgres_database() else { return };
    let output = tenure(&database.url).arg("stats").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("tenure migrate"));
}

/// CDNOW master with the date on file line `line` (header = line 1) replaced by `13/45/97`.
fn master_with_bad_date(dir: &tempfile::TempDir, line: usize) -> PathBuf {
    let text = std::fs::read_to_string(data("cdnow/CDNOW_master.txt")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == line { l.replacen("19970", "1997x", 1) } else { l.to_string() })
        .collect();
    assert!(lines[line - 1].contains("1997x"), "line {line} has no 1997 date: {}", lines[line - 1]);
    let path = dir.path().join("master_bad.txt");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_bad_date_on_line_5001_refuses_the_whole_file_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let bad = master_with_bad_date(&dir, 5001);
    let output = tenure(&db).args(["import", "--format", "cdnow"]).arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "refused imports exit with status 3");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!("{}:5001: column ", bad.display());
    assert!(stderr.contains(&expected), "stderr does not name line 5001: {stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let stats = stats(&db);
    assert_eq!((stats["customers"].as_u64(), stats["orders"].as_u64()), (Some(0), Some(0)));
}

#[test]
fn skip_invalid_imports_every_other_row_and_lists_the_skipped_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let bad = master_with_bad_date(&dir, 5001);
    let (output, report) = import_json(&db, &["--format", "cdnow", "--skip-invalid", bad.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(report["orders_added"], CDNOW_ORDERS - 1);
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["line"], 5001);
    assert_eq!(rejected[0]["column"], "date");
    assert_eq!(stats(&db)["orders"], CDNOW_ORDERS - 1);
}

/// Generates a shop of `customers` into `dir`, starts importing it into `db`, and kills the import
/// (SIGKILL) once its progress shows 30 % of the file read. Returns the share read when killed.
fn kill_import_midway(db: &str, dir: &tempfile::TempDir, customers: &str) -> f64 {
    let big = dir.path().join("big.txt");
    run(tenure(db)
        .args(["generate", "--customers", customers, "--seed", "9", "--format", "cdnow"])
        .arg(&big));
    let mut child = tenure(db)
        .args(["import", "--format", "cdnow", "--source", "big", "--progress", "json"])
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let progress = BufReader::new(child.stderr.take().unwrap());
    let mut killed_at = None;
    for line in progress.lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let (read, total) = (event["bytes_read"].as_f64().unwrap(), event["total_bytes"].as_f64().unwrap());
        if read >= 0.3 * total {
            child.kill().unwrap(); // SIGKILL
            killed_at = Some(read / total);
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "the import was not killed");
    killed_at.expect("the import finished before it could be killed")
}

#[test]
fn a_killed_import_leaves_the_database_exactly_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    run(tenure(&db).args(["import", "--format", "cdnow"]).arg(data("cdnow/CDNOW_sample.txt")));
    let before = stats(&db);
    // About 3 million rows: long enough to be killed in the middle.
    kill_import_midway(&db, &dir, "1200000");
    assert_eq!(stats(&db), before, "the killed import left data behind");
    let conn = rusqlite::Connection::open(dir.path().join("tenure.db")).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_killed_first_import_leaves_the_database_empty_and_in_wal_mode() {
    // The first import into an empty database keeps a rollback journal instead of the WAL.
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let before = stats(&db);
    assert_eq!(before["orders"], 0);
    kill_import_midway(&db, &dir, "400000");
    assert!(dir.path().join("tenure.db-journal").exists(), "the import kept a rollback journal");
    assert_eq!(stats(&db), before, "the killed import left data behind");
    let conn = rusqlite::Connection::open(dir.path().join("tenure.db")).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal", "the next opening returned the database to WAL");
}

#[test]
fn a_killed_postgres_import_leaves_the_database_exactly_as_before() {
    let Some(database) = testing::postgres_database() else { return };
    run(tenure(&database.url).arg("migrate"));
    run(tenure(&database.url).args(["import", "--format", "cdnow"]).arg(data("cdnow/CDNOW_sample.txt")));
    let before = stats(&database.url);
    let dir = tempfile::tempdir().unwrap();
    // About 260,000 rows: PostgreSQL imports row batches over the network, so fewer suffice.
    kill_import_midway(&database.url, &dir, "100000");
    assert_eq!(stats(&database.url), before, "the killed import left data behind");
}

#[test]
fn csv_without_a_mapping_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let output = tenure(&sqlite_url(&dir))
        .args(["import", "--format", "csv"])
        .arg(data("cdnow/CDNOW_sample.txt"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--map"));
}

#[test]
fn help_lists_every_command() {
    let output = run(Command::new(env!("CARGO_BIN_EXE_tenure")).arg("--help"));
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["import", "stats", "customers", "migrate", "demo", "generate"] {
        assert!(help.contains(command), "--help does not mention {command}:\n{help}");
    }
}

#[test]
fn demo_imports_the_bundled_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let first =
        run(Command::new(env!("CARGO_BIN_EXE_tenure")).args(["demo", "--no-serve", "--file"]).arg(&file));
    assert!(String::from_utf8_lossy(&first.stdout).contains("69,659 orders added"));
    let second =
        run(Command::new(env!("CARGO_BIN_EXE_tenure")).args(["demo", "--no-serve", "--file"]).arg(&file));
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 orders added, 69,659 already there"));
    let stats = stats(&format!("sqlite:{}", file.display()));
    assert_eq!(stats["revenue"]["USD"], CDNOW_REVENUE_CENTS);
}

#[test]
fn output_cut_short_by_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    import_json(&db, &["--format", "cdnow", data("cdnow/CDNOW_sample.txt").to_str().unwrap()]);
    let mut child = tenure(&db)
        .args(["customers", "list", "--limit", "2000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head` after its lines
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
}

#[test]
fn generate_takes_its_model_parameters_and_names_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.txt");
    let generate = |model: &str| {
        Command::new(env!("CARGO_BIN_EXE_tenure"))
            .args(["generate", "--customers", "5000", "--weeks", "156", "--json", "--purchase-model", model])
            .arg(&out)
            .output()
            .unwrap()
    };
    // λ ~ Gamma(1.2, 10) per week and p ~ Beta(1, 10): about 10 purchases per customer in three
    // years (simulating 100,000 customers gave 10.1); CDNOW's parameters give under 3.
    let busy = generate("1.2,10,1,10");
    let report = stdout_json(&busy);
    let per_customer = report["orders"].as_f64().unwrap() / report["customers"].as_f64().unwrap();
    assert!((8.5..11.5).contains(&per_customer), "{per_customer} orders per customer");
    let bad = generate("1.2,10,1");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--purchase-model takes 4 numbers"));
}

#[test]
fn format_auto_recognises_an_export_and_a_wrong_format_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let opencart = data("samples/opencart_oc_order.csv");
    let (_, report) = import_json(&db, &["--format", "auto", "--no-refresh", opencart.to_str().unwrap()]);
    assert_eq!(report["source"], "opencart");
    assert_eq!(report["orders_added"], 6503);

    let shopify = data("samples/shopify_orders_export.csv");
    let wrong = tenure(&db).args(["import", "--format", "etsy"]).arg(&shopify).output().unwrap();
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("looks like a shopify export: try --format shopify"), "{stderr}");

    let unknown = tenure(&db).args(["import", "--format", "auto"]).arg(data("README.md")).output().unwrap();
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("cannot tell the format"));
}

/// A one-order OpenCart export in `dir`, placed at `date_added` on the shop server's clock.
fn opencart_order(dir: &tempfile::TempDir, order_id: u32, date_added: &str) -> String {
    let path = dir.path().join(format!("oc_order_{order_id}.csv"));
    let text = format!(
        "order_id,customer_id,email,total,order_status_id,currency_code,date_added\n\
         {order_id},7,ny@example.com,25.00,5,USD,{date_added}\n"
    );
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn opencart_times_are_read_in_the_source_time_zone_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    // 23:30 on the shop server's clock in New York (EST, UTC−5) is 04:30 UTC the next day.
    let file = opencart_order(&dir, 101, "2024-01-15 23:30:00");
    let file = file.as_str();
    let args =
        ["import", "--format", "opencart", "--no-refresh", "--source-time-zone", "America/New_York", file];
    run(tenure(&db).args(args));
    assert_eq!(json(&db, &["stats", "--json"])["first_order_at"], "2024-01-16T04:30:00Z");

    // The zone is remembered for the source: a later export without the flag reads alike.
    let later = opencart_order(&dir, 100, "2024-01-14 23:30:00");
    run(tenure(&db).args(["import", "--format", "opencart", "--no-refresh", later.as_str()]));
    assert_eq!(json(&db, &["stats", "--json"])["first_order_at"], "2024-01-15T04:30:00Z");
    let sources = json(&db, &["source", "list", "--json"]);
    assert_eq!(sources[0]["name"], "opencart");
    assert_eq!(sources[0]["time_zone"], "America/New_York");

    let refused = tenure(&db)
        .args(["import", "--format", "opencart", "--source-time-zone", "Mars/Olympus_Mons", file])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("--source-time-zone") && message.contains("unknown time zone `Mars/Olympus_Mons`"),
        "{message}"
    );
}
