//! `tenure.toml`: the file's settings apply, the environment overrides the file, flags override
//! both, and a mistake in the file is an error that names the file and the key.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

mod common;

use std::process::Command;

use common::{data, run, stdout_json};

/// `tenure ARGS` in `dir`, with no TENURE_* settings from the test's environment.
fn tenure_in(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenure"));
    command
        .current_dir(dir)
        .env_remove("TENURE_DATABASE_URL")
        .env_remove("TENURE_TIMEZONE")
        .env_remove("TENURE_CONFIG");
    command
}

fn orders(command: &mut Command) -> i64 {
    stdout_json(&run(command.args(["stats", "--json"])))["orders"].as_i64().unwrap()
}

#[test]
fn the_file_sets_defaults_that_the_environment_and_flags_override() {
    let dir = tempfile::tempdir().unwrap();
    let sample = data("cdnow/CDNOW_sample.txt");
    run(tenure_in(dir.path())
        .args(["--db", "sqlite:from-file.db", "import", "--format", "cdnow", "--no-refresh"])
        .arg(&sample));
    std::fs::write(
        dir.path().join("tenure.toml"),
        "database_url = \"sqlite:from-file.db\"\ntimezone = \"Europe/Berlin\"\n\n[serve]\nconnections = 2\n",
    )
    .unwrap();

    assert_eq!(orders(&mut tenure_in(dir.path())), 6_919, "the file's database");
    assert_eq!(
        orders(tenure_in(dir.path()).env("TENURE_DATABASE_URL", "sqlite:from-env.db")),
        0,
        "the environment wins"
    );
    assert_eq!(
        orders(
            tenure_in(dir.path())
                .env("TENURE_DATABASE_URL", "sqlite:from-env.db")
                .args(["--db", "sqlite:from-file.db"])
        ),
        6_919,
        "the flag wins"
    );

    // --config names another file.
    std::fs::write(dir.path().join("other.toml"), "database_url = \"sqlite:other.db\"\n").unwrap();
    assert_eq!(orders(tenure_in(dir.path()).args(["--config", "other.toml"])), 0);
}

#[test]
fn a_mistake_in_the_file_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tenure.toml"),
        "database_url = \"sqlite:x.db\"\n[serve]\nbnid = \"0.0.0.0:80\"\n",
    )
    .unwrap();
    let output = tenure_in(dir.path()).args(["stats"]).output().unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("tenure.toml") && error.contains("bnid"), "{error}");
}

#[test]
fn smtp_and_outbox_settings_come_from_the_file_and_the_environment_overrides_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tenure.toml"),
        "database_url = \"sqlite:t.db\"\n[smtp]\nurl = \"file:from-file\"\nmail_from = \"Linden Tea <shop@linden.example>\"\n\
         [outbox]\nmax_attempts = 3\nfrequency_cap_days = 14\n",
    )
    .unwrap();
    let eml_in = |folder: &str| {
        std::fs::read_dir(dir.path().join(folder)).map_or(0, |files| {
            files.filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "eml")).count()
        })
    };
    let mut from_file = tenure_in(dir.path());
    run(from_file.env_remove("TENURE_SMTP_URL").env_remove("TENURE_MAIL_FROM").args([
        "mail",
        "test",
        "a@example.com",
        "--wait",
    ]));
    assert_eq!((eml_in("from-file"), eml_in("from-env")), (1, 0));
    let mut from_env = tenure_in(dir.path());
    run(from_env.env("TENURE_SMTP_URL", "file:from-env").args(["mail", "test", "b@example.com", "--wait"]));
    assert_eq!((eml_in("from-file"), eml_in("from-env")), (1, 1));
    let help = run(tenure_in(dir.path()).args(["worker", "--help"]));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("[default: 3]") && help.contains("[default: 14]"), "{help}");
}
