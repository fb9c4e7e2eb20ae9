//! The follow-up feed as an independent parser reads it: `tests/ics_check.py` parses the written
//! file with the PyPI `icalendar` package, checks line lengths and required properties, and prints
//! the events it found, which must be the ones written. The Python comes from the venv that
//! `scripts/lib/python.sh` makes (`TENURE_TEST_PYTHON`).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use tenure_calendar::{EventStatus, FeedEvent, write_feed};
use tenure_domain::Timestamp;

const CALENDAR_NAME: &str = "Follow-ups: Jürgen's team; EU, north";

/// The venv's Python, or `None` when the run asked to skip (said loudly).
///
/// # Panics
/// When no Python is set up: run the tests through `scripts/test`, which makes the venv.
fn python() -> Option<PathBuf> {
    match std::env::var("TENURE_TEST_PYTHON") {
        Ok(value) if value == "skip" => {
            eprintln!(
                "SKIPPED: iCalendar feed test against Python's icalendar not run because TENURE_TEST_PYTHON=skip"
            );
            None
        }
        Ok(value) => Some(PathBuf::from(value)),
        Err(_) => {
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py-peers/bin/python");
            assert!(
                venv.exists(),
                "no Python peers: run the tests with scripts/test (it makes target/py-peers), or set \
                 TENURE_TEST_PYTHON to a Python with the icalendar package (or to `skip`)"
            );
            Some(venv)
        }
    }
}

/// What `ics_check.py` prints.
#[derive(Debug, Deserialize)]
struct Parsed {
    name: String,
    events: Vec<ParsedEvent>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct ParsedEvent {
    uid: String,
    sequence: u32,
    status: String,
    summary: String,
    description: String,
    dtstart: String,
}

fn at(month: u32, day: u32, hour: u32, minute: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0).single().expect("a valid time")
}

/// A 2,000-character note with every character TEXT escapes, line breaks of both kinds and
/// multi-byte text, so that folds fall next to escapes and inside words.
fn long_note() -> String {
    let phrase = "Kunde möchte Rückruf; Angebot, Rabatt \\ 10 %\nTermin: 日本語のメモ 😀🎉, danach;\r\n";
    phrase.chars().cycle().take(2000).collect()
}

fn events() -> Vec<FeedEvent> {
    let base = FeedEvent {
        uid: "followup-1@tenure.test".into(),
        sequence: 0,
        start: at(6, 2, 9, 30),
        end: at(6, 2, 10, 0),
        summary: "Anruf bei Jürgen Müller — 日本語 😀".into(),
        description: long_note(),
        status: EventStatus::Confirmed,
        created: at(5, 28, 8, 0),
        last_modified: at(5, 29, 12, 15),
        url: Some("https://tenure.test/follow-ups/1".into()),
    };
    let revised = FeedEvent {
        uid: "followup-2@tenure.test".into(),
        sequence: 3,
        status: EventStatus::Tentative,
        summary: "Renewal, second try; moved".into(),
        description: "Short".into(),
        start: at(6, 3, 14, 0),
        end: at(6, 3, 14, 30),
        url: None,
        ..base.clone()
    };
    let cancelled = FeedEvent {
        uid: "followup-3@tenure.test".into(),
        sequence: 1,
        status: EventStatus::Cancelled,
        summary: "Quarterly review".into(),
        description: String::new(),
        start: at(6, 4, 16, 0),
        end: at(6, 4, 17, 0),
        ..base.clone()
    };
    vec![base, revised, cancelled]
}

fn expected(event: &FeedEvent) -> ParsedEvent {
    ParsedEvent {
        uid: event.uid.clone(),
        sequence: event.sequence,
        status: event.status.as_str().into(),
        summary: event.summary.clone(),
        // CRLF and lone CR are written as line breaks, read back as LF.
        description: event.description.replace("\r\n", "\n").replace('\r', "\n"),
        dtstart: event.start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

#[test]
fn python_icalendar_reads_back_what_was_written() {
    let Some(python) = python() else { return };
    let events = events();
    assert_eq!(events[0].description.chars().count(), 2000);
    let feed = write_feed(CALENDAR_NAME, &events);
    let file = tempfile::Builder::new().suffix(".ics").tempfile().expect("a temporary file");
    std::fs::write(file.path(), &feed).expect("the feed written");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ics_check.py");
    let output = Command::new(&python).arg(&script).arg(file.path()).output().expect("python started");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "ics_check.py refused the feed:\n{stderr}");
    let parsed: Parsed = serde_json::from_slice(&output.stdout).expect("ics_check.py printed JSON");

    assert_eq!(parsed.name, CALENDAR_NAME);
    let wanted: Vec<ParsedEvent> = events.iter().map(expected).collect();
    assert_eq!(parsed.events, wanted);
}
