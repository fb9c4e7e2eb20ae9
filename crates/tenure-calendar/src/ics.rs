//! The iCalendar (RFC 5545) feed of staff follow-ups, which calendar apps subscribe to by URL.
//! Writes text only: serving it, its ETag and who may fetch it belong to the web layer.
//!
//! Hand-written rather than built on the `icalendar` crate. Measured on icalendar 0.17.17 (the
//! latest on crates.io when this was written) in a throwaway project:
//! - folding: of 796 property lines (values of 1–199 ASCII, 3-byte, 4-byte and mixed characters)
//!   14 were folded with a 76-octet last line, e.g. a 150-octet line became 75 + 76 octets: its
//!   `fold_line` stops folding once 75 octets remain and then prefixes them with the space. It never
//!   split a UTF-8 character, and unfolding gave every value back;
//! - escaping: TEXT escapes `\`, `;`, `,` and LF, but leaves CR as is, so a note typed with CRLF
//!   line ends was written as a raw CR followed by `\n`, and a lone CR raw;
//! - `Calendar::name` writes its RFC 7986 `NAME` unescaped, a newline in the name breaking the
//!   feed (its `X-WR-CALNAME` is escaped); `Calendar::new` fixes `PRODID:ICALENDAR-RS`, and
//!   appending our own gives two PRODIDs;
//! - SEQUENCE, STATUS:CANCELLED and DTSTAMP can be set (DTSTAMP and UID default to the clock and a
//!   random UUID when not).
//!
//! The fold is what rules it out: it cannot be fixed from outside short of re-folding the crate's
//! output, and the writer below, folding included, is about a hundred lines.

use serde::{Deserialize, Serialize};
use tenure_domain::Timestamp;

/// RFC 5545 §3.1: content lines are at most 75 octets, excluding the line break.
const MAX_LINE_OCTETS: usize = 75;

/// One follow-up as a calendar event.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// Globally unique and stable across fetches (e.g. `followup-42@tenure.example.com`): calendar
    /// apps match updates and cancellations on it.
    pub uid: String,
    /// Revision number; raise it on every change a subscriber should notice (RFC 5545 §3.8.7.4).
    pub sequence: u32,
    /// When it starts.
    pub start: Timestamp,
    /// When it ends; an end not after the start writes no `DTEND` (see [`write_feed`]).
    pub end: Timestamp,
    /// One-line title.
    pub summary: String,
    /// Free text, line breaks allowed.
    pub description: String,
    /// Whether it stands.
    pub status: EventStatus,
    /// When the follow-up was created.
    pub created: Timestamp,
    /// When it last changed; also written as `DTSTAMP`.
    pub last_modified: Timestamp,
    /// A link to the follow-up in Tenure.
    pub url: Option<String>,
}

/// An event's `STATUS` (RFC 5545 §3.8.1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// It will happen.
    Confirmed,
    /// Planned, not settled.
    Tentative,
    /// Called off; kept in the feed so subscribers remove it.
    Cancelled,
}

impl EventStatus {
    /// The RFC 5545 value: `CONFIRMED`, `TENTATIVE` or `CANCELLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Tentative => "TENTATIVE",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// The feed: a `VCALENDAR` named `calendar_name` holding one `VEVENT` per event, in the order given.
///
/// Deterministic: `DTSTAMP` is each event's `last_modified`, not the time of writing, so the same
/// events give the same bytes on every fetch and an ETag over them changes only with the data.
/// Lines end in CRLF and are folded at 75 octets on character boundaries; TEXT values are escaped.
/// An event whose `end` is not after its `start` is written without `DTEND`, which RFC 5545 §3.6.1
/// reads as ending when it starts (a `DTEND` not later than `DTSTART` would be invalid).
pub fn write_feed(calendar_name: &str, events: &[FeedEvent]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 512);
    push_line(&mut out, "BEGIN", "VCALENDAR");
    push_line(&mut out, "VERSION", "2.0");
    push_line(&mut out, "PRODID", "-//Tenure//Follow-ups//EN");
    push_line(&mut out, "CALSCALE", "GREGORIAN");
    push_line(&mut out, "X-WR-CALNAME", &escape_text(calendar_name));
    for event in events {
        push_event(&mut out, event);
    }
    push_line(&mut out, "END", "VCALENDAR");
    out
}

fn push_event(out: &mut String, event: &FeedEvent) {
    push_line(out, "BEGIN", "VEVENT");
    push_line(out, "UID", &escape_text(&event.uid));
    push_line(out, "DTSTAMP", &utc_date_time(event.last_modified));
    push_line(out, "DTSTART", &utc_date_time(event.start));
    if event.end > event.start {
        push_line(out, "DTEND", &utc_date_time(event.end));
    }
    push_line(out, "CREATED", &utc_date_time(event.created));
    push_line(out, "LAST-MODIFIED", &utc_date_time(event.last_modified));
    push_line(out, "SEQUENCE", &event.sequence.to_string());
    push_line(out, "STATUS", event.status.as_str());
    push_line(out, "SUMMARY", &escape_text(&event.summary));
    push_line(out, "DESCRIPTION", &escape_text(&event.description));
    if let Some(url) = &event.url {
        // A URI is not TEXT and takes no escapes; only control characters could break the line.
        let url: String = url.chars().filter(|c| !c.is_control()).collect();
        push_line(out, "URL", &url);
    }
    push_line(out, "END", "VEVENT");
}

/// RFC 5545 §3.3.5 form 2, UTC: `YYYYMMDDTHHMMSSZ`.
fn utc_date_time(at: Timestamp) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): `\`, `;` and `,` escaped with a backslash, line breaks (LF,
/// CRLF or a lone CR) written as `\n`. Other control characters but tab are dropped: TEXT may not
/// hold them, and they carry nothing a calendar shows.
pub(crate) fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 16);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `NAME:value` folded, with its CRLF. `value` must already be in its written form.
fn push_line(out: &mut String, name: &str, value: &str) {
    let mut octets = 0;
    for c in name.chars().chain([':']).chain(value.chars()) {
        let width = c.len_utf8();
        if octets + width > MAX_LINE_OCTETS {
            // The continuation's leading space is one of its 75 octets.
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += width;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(day: u32, hour: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 6, day, hour, 0, 0).single().expect("a valid time")
    }

    fn event(summary: &str, description: &str) -> FeedEvent {
        FeedEvent {
            uid: "followup-1@tenure.test".into(),
            sequence: 0,
            start: at(2, 9),
            end: at(2, 10),
            summary: summary.into(),
            description: description.into(),
            status: EventStatus::Confirmed,
            created: at(1, 8),
            last_modified: at(1, 12),
            url: None,
        }
    }

    /// Undoes folding: a CRLF followed by one space or tab disappears (RFC 5545 §3.1).
    fn unfold(feed: &str) -> String {
        feed.replace("\r\n ", "").replace("\r\n\t", "")
    }

    fn assert_lines_fit(feed: &str) {
        assert!(feed.ends_with("\r\n"));
        for line in feed.split("\r\n") {
            assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "bare line break in {line:?}");
        }
    }

    #[test]
    fn folds_multibyte_text_on_character_boundaries_within_75_octets() {
        for unit in ["日", "😀", "é日😀 ", "a日"] {
            for count in 1..120 {
                let summary = unit.repeat(count);
                let feed = write_feed("Follow-ups", &[event(&summary, "")]);
                assert_lines_fit(&feed);
                assert!(unfold(&feed).contains(&format!("\r\nSUMMARY:{summary}\r\n")), "{summary}");
            }
        }
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded_and_76_is() {
        let mut out = String::new();
        push_line(&mut out, "SUMMARY", &"a".repeat(75 - 8));
        assert_eq!(out.len(), 77);
        out.clear();
        push_line(&mut out, "SUMMARY", &"a".repeat(76 - 8));
        assert_eq!(out, format!("SUMMARY:{}\r\n a\r\n", "a".repeat(67)));
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("tab\tbell\u{7}end:colon"), "tab\tbellend:colon");
        let feed = write_feed("Sales; EU, north\nteam", &[event("Call; then, mail", "x")]);
        assert!(feed.contains("\r\nX-WR-CALNAME:Sales\\; EU\\, north\\nteam\r\n"));
        assert!(feed.contains("\r\nSUMMARY:Call\\; then\\, mail\r\n"));
    }

    #[test]
    fn writes_the_calendar_and_event_properties() {
        let mut cancelled = event("Call Ann", "About the renewal");
        cancelled.sequence = 3;
        cancelled.status = EventStatus::Cancelled;
        cancelled.url = Some("https://tenure.test/follow-ups/1?tab=a,b;c".into());
        let feed = write_feed("Follow-ups", &[cancelled]);
        let expected = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tenure//Follow-ups//EN\r\n\
            CALSCALE:GREGORIAN\r\nX-WR-CALNAME:Follow-ups\r\nBEGIN:VEVENT\r\n\
            UID:followup-1@tenure.test\r\nDTSTAMP:20260601T120000Z\r\nDTSTART:20260602T090000Z\r\n\
            DTEND:20260602T100000Z\r\nCREATED:20260601T080000Z\r\nLAST-MODIFIED:20260601T120000Z\r\n\
            SEQUENCE:3\r\nSTATUS:CANCELLED\r\nSUMMARY:Call Ann\r\nDESCRIPTION:About the renewal\r\n\
            URL:https://tenure.test/follow-ups/1?tab=a,b;c\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(feed, expected);
    }

    #[test]
    fn an_event_ending_at_its_start_has_no_dtend() {
        let mut instant = event("Ping", "");
        instant.end = instant.start;
        assert!(!write_feed("F", &[instant]).contains("DTEND"));
    }

    #[test]
    fn identical_input_gives_identical_bytes() {
        let events = [event("Call 日本", &"note, ; \\ \n".repeat(50)), event("Second", "")];
        assert_eq!(write_feed("Follow-ups", &events), write_feed("Follow-ups", &events.clone()));
    }

    #[test]
    fn an_empty_feed_is_a_calendar_without_events() {
        let feed = write_feed("", &[]);
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\n") && feed.ends_with("END:VCALENDAR\r\n"));
        assert!(!feed.contains("VEVENT"));
    }
}
