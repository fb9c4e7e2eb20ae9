//! Interactions: the contacts between the business and a customer that the communication calendar
//! keeps — a call, an e-mail, a chat — with their channel, their direction and, for a customer's
//! question, its state.

use std::fmt;

use crate::{CustomerId, Email, SourceName, Timestamp};

/// How a contact happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An e-mail.
    Email,
    /// A telephone call.
    Phone,
    /// A chat on the shop's site.
    Chat,
    /// A WhatsApp message or call.
    Whatsapp,
    /// A message on a social network.
    Social,
    /// Face to face: a shop, a fair, a visit.
    InPerson,
    /// A help-desk ticket.
    Ticket,
}

impl Channel {
    /// Every channel, in the order forms list them.
    pub const ALL: [Channel; 7] = [
        Channel::Email,
        Channel::Phone,
        Channel::Chat,
        Channel::Whatsapp,
        Channel::Social,
        Channel::InPerson,
        Channel::Ticket,
    ];

    /// The stored and written name: `email`, `phone`, `chat`, `whatsapp`, `social`, `in_person`,
    /// `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Whatsapp => "whatsapp",
            Channel::Social => "social",
            Channel::InPerson => "in_person",
            Channel::Ticket => "ticket",
        }
    }

    /// The name people read: "E-mail", "Phone", "In person", …
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "E-mail",
            Channel::Phone => "Phone",
            Channel::Chat => "Chat",
            Channel::Whatsapp => "WhatsApp",
            Channel::Social => "Social",
            Channel::InPerson => "In person",
            Channel::Ticket => "Ticket",
        }
    }

    /// Reads a channel by name, ignoring case, spaces, `-` and `_` (`In person`, `in-person`,
    /// `IN_PERSON`), and the common synonyms `mail`, `call`, `telephone`, `meeting`.
    pub fn parse(raw: &str) -> Result<Self, InteractionError> {
        let key: String =
            raw.chars().filter(|c| !matches!(c, ' ' | '-' | '_')).flat_map(char::to_lowercase).collect();
        Ok(match key.as_str() {
            "email" | "mail" => Channel::Email,
            "phone" | "call" | "telephone" => Channel::Phone,
            "chat" => Channel::Chat,
            "whatsapp" => Channel::Whatsapp,
            "social" => Channel::Social,
            "inperson" | "meeting" => Channel::InPerson,
            "ticket" => Channel::Ticket,
            _ => return Err(InteractionError::UnknownChannel(raw.to_string())),
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who reached out: the customer (an inbound query) or the business (an outbound contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The customer reached out: a question, a complaint, a request.
    Inbound,
    /// The business reached out: a call, a reply, a check-in.
    Outbound,
}

impl Direction {
    /// `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// Reads `inbound` / `in` or `outbound` / `out`, ignoring case.
    pub fn parse(raw: &str) -> Result<Self, InteractionError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "inbound" | "in" => Ok(Direction::Inbound),
            "outbound" | "out" => Ok(Direction::Outbound),
            _ => Err(InteractionError::UnknownDirection(raw.to_string())),
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a customer's question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryState {
    /// Nobody has answered yet.
    Open,
    /// Answered, not yet settled.
    Answered,
    /// Settled.
    Closed,
}

impl QueryState {
    /// `open`, `answered` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryState::Open => "open",
            QueryState::Answered => "answered",
            QueryState::Closed => "closed",
        }
    }

    /// Reads `open`, `answered` or `closed`, ignoring case.
    pub fn parse(raw: &str) -> Result<Self, InteractionError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(QueryState::Open),
            "answered" => Ok(QueryState::Answered),
            "closed" => Ok(QueryState::Closed),
            _ => Err(InteractionError::UnknownState(raw.to_string())),
        }
    }
}

/// How an interaction names its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CustomerRef {
    /// Tenure's own customer id.
    Id(CustomerId),
    /// The customer's (normalised) e-mail.
    Email(Email),
    /// The customer's id in one of the shops.
    Identity {
        /// The shop.
        source: SourceName,
        /// The customer's id there.
        external_id: String,
    },
}

/// One interaction as read from a file or a request, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRecord {
    /// Whose interaction.
    pub customer: CustomerRef,
    /// When it happened (not when it was logged).
    pub occurred_at: Timestamp,
    /// How.
    pub channel: Channel,
    /// Who reached out.
    pub direction: Direction,
    /// How long it took, for calls and meetings.
    pub duration_seconds: Option<u32>,
    /// A line saying what it was about.
    pub subject: String,
    /// Free notes.
    pub notes: String,
    /// What came of it ("sent a replacement", "no answer").
    pub outcome: String,
    /// The staff member who handled it.
    pub staff: Option<Email>,
    /// For an inbound query: its state (open when not given).
    pub state: Option<QueryState>,
    /// The key that makes logging it again harmless: an id from the file or the request's client
    /// key. Two records with the same key are one interaction.
    pub key: String,
}

/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest notes or outcome, in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;
/// How far in the future an interaction may be dated: a day, for clocks and time zones that
/// disagree; anything later is a mistake (a follow-up is the way to plan a contact).
pub const FUTURE_SLACK_SECONDS: i64 = 24 * 60 * 60;

impl InteractionRecord {
    /// Checks what a record cannot be, whatever its origin: dated more than a day after `now`,
    /// a subject or notes too long, a duration over a day. Returns the field at fault and why.
    pub fn check(&self, now: Timestamp) -> Result<(), (&'static str, InteractionError)> {
        if (self.occurred_at - now).num_seconds() > FUTURE_SLACK_SECONDS {
            return Err(("occurred_at", InteractionError::InTheFuture(self.occurred_at)));
        }
        if self.subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(("subject", InteractionError::TooLong(MAX_SUBJECT_CHARS)));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS {
            return Err(("notes", InteractionError::TooLong(MAX_NOTES_CHARS)));
        }
        if self.outcome.chars().count() > MAX_NOTES_CHARS {
            return Err(("outcome", InteractionError::TooLong(MAX_NOTES_CHARS)));
        }
        if self.duration_seconds.is_some_and(|d| d > 24 * 60 * 60) {
            return Err(("duration", InteractionError::DurationTooLong));
        }
        if self.state.is_some() && self.direction == Direction::Outbound {
            return Err(("state", InteractionError::StateOnOutbound));
        }
        Ok(())
    }
}

/// Why an interaction's field is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InteractionError {
    /// Not one of the seven channels.
    #[error("`{0}` is not a channel (expected email, phone, chat, whatsapp, social, in_person or ticket)")]
    UnknownChannel(String),
    /// Neither inbound nor outbound.
    #[error("`{0}` is not a direction (expected inbound or outbound)")]
    UnknownDirection(String),
    /// Not a query state.
    #[error("`{0}` is not a state (expected open, answered or closed)")]
    UnknownState(String),
    /// Dated more than a day ahead.
    #[error("{0} is in the future: an interaction is logged once it has happened (plan a follow-up instead)")]
    InTheFuture(Timestamp),
    /// Longer than allowed.
    #[error("longer than {0} characters")]
    TooLong(usize),
    /// Over 24 hours.
    #[error("a duration over 24 hours")]
    DurationTooLong,
    /// Only inbound queries have a state.
    #[error("only an inbound query has a state")]
    StateOnOutbound,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_read_their_names_and_synonyms_and_refuse_the_rest() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Ok(channel));
            assert_eq!(Channel::parse(channel.label()), Ok(channel));
        }
        assert_eq!(Channel::parse("In-Person"), Ok(Channel::InPerson));
        assert_eq!(Channel::parse("call"), Ok(Channel::Phone));
        assert!(matches!(Channel::parse("fax"), Err(InteractionError::UnknownChannel(_))));
    }

    #[test]
    fn a_record_more_than_a_day_ahead_is_refused_and_one_within_a_day_is_not() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().to_utc();
        let mut record = InteractionRecord {
            customer: CustomerRef::Id(CustomerId(1)),
            occurred_at: now + chrono::Duration::hours(23),
            channel: Channel::Phone,
            direction: Direction::Inbound,
            duration_seconds: Some(300),
            subject: "Parcel".into(),
            notes: String::new(),
            outcome: String::new(),
            staff: None,
            state: None,
            key: "k".into(),
        };
        assert_eq!(record.check(now), Ok(()));
        record.occurred_at = now + chrono::Duration::hours(25);
        assert_eq!(record.check(now).unwrap_err().0, "occurred_at");
        record.occurred_at = now;
        record.direction = Direction::Outbound;
        record.state = Some(QueryState::Open);
        assert_eq!(record.check(now).unwrap_err().0, "state");
    }
}
