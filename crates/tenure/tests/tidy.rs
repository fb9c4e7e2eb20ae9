//! Habits of the code base checked on every run: every Rust file begins with a `//!` comment
//! that says what it is for (ENGINEERING.md). Both engines listing the same migrations, and
//! landed migrations never edited, are tenure-store's `migrate` tests.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::path::{Path, PathBuf};

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    assert!(files.len() > 100, "the walk found the code base ({} files)", files.len());
    let silent: Vec<String> = files
        .iter()
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            !text.lines().find(|line| !line.trim().is_empty()).is_some_and(|line| line.starts_with("//!"))
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(silent.is_empty(), "files without a `//!` first line saying what they are for: {silent:#?}");
}
