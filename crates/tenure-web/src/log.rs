//! Structured logs: one JSON object per line on standard error (`{"ts","level","msg",…}`), which
//! log shippers read as they are. What is logged is chosen field by field — route patterns, never
//! raw URLs, headers, cookies, tokens or form fields — so no secret can reach the log by accident.

use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::{Map, Value};

/// How much is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing.
    Off = 0,
    /// Failures only.
    Error = 1,
    /// Failures and one line per request.
    Info = 2,
}

impl Level {
    /// `off`, `error` or `info`.
    pub fn parse(text: &str) -> Result<Level, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Level::Off),
            "error" => Ok(Level::Error),
            "info" => Ok(Level::Info),
            other => Err(format!("`{other}` is not a log level: off, error or info")),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Error => "error",
            Level::Info => "info",
        }
    }
}

/// The process-wide level: logging is a property of the process, like its standard error.
static LEVEL: AtomicU8 = AtomicU8::new(Level::Error as u8);

/// Sets what is logged from now on.
pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Whether events of `level` are written.
pub(crate) fn enabled(level: Level) -> bool {
    level != Level::Off && level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Writes one event with `fields` (an object's entries) if its level is on.
pub(crate) fn event(level: Level, message: &str, fields: Value) {
    if !enabled(level) {
        return;
    }
    eprintln!("{}", line(level, message, fields, chrono::Utc::now()));
}

/// The JSON line of an event.
fn line(level: Level, message: &str, fields: Value, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut object = Map::new();
    object.insert("ts".into(), Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
    object.insert("level".into(), Value::String(level.name().into()));
    object.insert("msg".into(), Value::String(message.into()));
    if let Value::Object(extra) = fields {
        object.extend(extra);
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_event_is_one_json_line_with_its_fields() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let text = line(Level::Info, "request", serde_json::json!({"status": 200, "route": "/x\ny"}), at);
        assert!(!text.contains('\n'), "one line even when a field holds a newline");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["ts"], "2026-01-02T03:04:05.000Z");
        assert_eq!((parsed["level"].as_str(), parsed["msg"].as_str()), (Some("info"), Some("request")));
        assert_eq!(parsed["status"], 200);
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(Level::parse("INFO"), Ok(Level::Info));
        assert!(Level::parse("debug").is_err());
        assert!(Level::Error < Level::Info);
    }
}
