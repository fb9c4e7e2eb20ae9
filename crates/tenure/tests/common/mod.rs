//! What the binary's tests share: running `tenure` as a user does, in a temporary directory,
//! against a database given by URL, and reading its JSON.

#![allow(clippy::unwrap_used, dead_code)] // Each test file uses its own part of this module.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A file under the repository's `data/` folder.
pub fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(relative)
}

/// `tenure --db DB`, with the environment's database and time zone settings cleared.
pub fn tenure(db: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenure"));
    command.env_remove("TENURE_DATABASE_URL").env_remove("TENURE_TIMEZONE").arg("--db").arg(db);
    command
}

/// Runs `command`, failing the test with its output unless it succeeds.
pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the tenure binary runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Parses a command's stdout as JSON.
pub fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// Runs `tenure --db DB ARGS` (ARGS should include `--json`) and parses its stdout.
pub fn json(db: &str, args: &[&str]) -> Value {
    stdout_json(&run(tenure(db).args(args)))
}

/// A `sqlite:` URL for a database file in `dir`.
pub fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("tenure.db").display())
}

/// Imports CDNOW_master.txt into `db`.
pub fn import_cdnow(db: &str) {
    let master = data("cdnow/CDNOW_master.txt");
    run(tenure(db).args(["import", "--format", "cdnow", "--progress", "none"]).arg(master));
}
